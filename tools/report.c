// SPDX-License-Identifier: MIT
/*
 * The report of a run: tables for people, one JSON document for programs.
 * Both say the same things, in the same order.
 */
#include <inttypes.h>
#include <signal.h>
#include <string.h>

#include <json-c/json.h>

#include <sva/dsa.h>
#include <sva/iommu.h>
#include <sva/stats.h>
#include <sva/system.h>

#include "os/idxd.h"
#include "os/iommu_drv.h"
#include "os/kernel.h"
#include "scenario.h"
#include "system_internal.h"

static uint64_t counter(struct sva_system *sys, const char *name)
{
	const struct sva_counter *c = sva_stat_find_counter(sva_system_sim(sys), name);

	return c ? c->value : 0;
}

static const char *how_ended(const struct proc_record *r, char *buf, size_t len)
{
	if (!r->exited)
		snprintf(buf, len, "still running");
	else if (r->signal)
		snprintf(buf, len, "killed by %s%s%s", r->signal == SIGSEGV ? "SIGSEGV" :
			 r->signal == SIGBUS ? "SIGBUS" : r->signal == SIGKILL ? "SIGKILL" :
			 r->signal == SIGILL ? "SIGILL" : "a signal", r->reason[0] ? ": " : "", r->reason);
	else
		snprintf(buf, len, "exit %d", r->code);
	return buf;
}

static const char *wq_mode(const struct sva_idxd_wq *w)
{
	return w->dedicated ? "dedicated" : "shared";
}

static double gbps(uint64_t bytes, sva_time_t ns)
{
	return ns ? (double)bytes / (double)ns : 0.0;	/* bytes per ns = GB/s */
}

unsigned report_check_accounting(struct sva_system *sys, char *msg, size_t len)
{
	unsigned bad = 0;

	for (struct sva_idxd *d = sva_system_kernel(sys)->idxds; d; d = d->next)
		for (unsigned i = 0; i < sva_dsa_nr_wqs(d->dsa); i++) {
			struct sva_dsa_wq_account a;

			if (sva_dsa_wq_account(d->dsa, i, &a) ||
			    (a.accepted == a.completed + a.aborted + a.lost && !a.in_flight))
				continue;
			if (!bad++)
				snprintf(msg, len, "%s wq%u accepted %" PRIu64 " descriptors but %" PRIu64
					 " completed + %" PRIu64 " aborted + %" PRIu64 " lost, %" PRIu64
					 " still in flight", sva_dsa_name(d->dsa), i, a.accepted, a.completed,
					 a.aborted, a.lost, a.in_flight);
		}
	return bad;
}

void report_human(FILE *f, const struct scenario *s, struct sva_system *sys,
		  const struct run_result *r, uint64_t seed)
{
	struct sva_kernel *k = sva_system_kernel(sys);
	struct sva_sim *sim = sva_system_sim(sys);
	const struct sva_hist *lat;
	struct sva_iommu_stats is;
	uint64_t umwaits;
	char buf[128];

	fprintf(f, "sva run: %s (seed %" PRIu64 ")\n", s->name, seed);
	if (s->description[0])
		fprintf(f, "  %s\n", s->description);
	fprintf(f, "  virtual time %.3f ms, %u CPUs\n\n", (double)sva_sim_last_event_time(sim) / 1e6, k->nr_lcpus);

	fprintf(f, "Configuration\n");
	for (struct sva_idxd *d = k->idxds; d; d = d->next) {
		fprintf(f, "  %-6s %-8s %-10s %5s %6s %4s %4s %-6s %s\n", "device", "wq", "mode", "size",
			"thresh", "prio", "bof", "type", "node");
		for (unsigned i = 0; i < 16; i++) {
			const struct sva_idxd_wq *w = &d->wqs[i];

			if (!w->enabled)
				continue;
			fprintf(f, "  %-6s %-8s %-10s %5u %6u %4u %4s %-6s %s%s\n", sva_dsa_name(d->dsa), w->name,
				wq_mode(w), w->size, w->threshold, w->priority, w->bof ? "yes" : "no",
				w->user ? "user" : "kernel", w->user ? "/dev/dsa/" : "", w->user ? w->name : "");
		}
	}

	fprintf(f, "\nProcesses\n  %-6s %-10s %-6s %-8s %-28s %6s %9s %7s %7s %s\n", "pid", "name", "parent",
		"PASID", "how it got it", "#GP fx", "ENQCMD ok", "retries", "descs", "how it ended");
	for (unsigned i = 0; i < r->nrecs; i++) {
		const struct proc_record *p = &r->recs[i];
		char pasid[16], parent[12];

		snprintf(pasid, sizeof(pasid), p->pasid ? "%u" : "-", p->pasid);
		snprintf(parent, sizeof(parent), p->parent ? "%d" : "-", p->parent);
		fprintf(f, "  %-6d %-10s %-6s %-8s %-28s %6" PRIu64 " %9" PRIu64 " %7" PRIu64 " %7" PRIu64 " %s\n",
			p->pid, p->name, parent, pasid, p->pasid ? p->pasid_how : "never bound",
			p->gp_fixups, p->enq_accepted, p->enq_retry, p->descs, how_ended(p, buf, sizeof(buf)));
	}

	/* accepted = completed + aborted + lost (docs/dsa.md §3.1); retried and dropped were never accepted. */
	fprintf(f, "\nWork queues\n  %-8s %9s %9s %8s %8s %9s %8s %5s\n", "wq", "submitted", "accepted",
		"retried", "dropped", "completed", "aborted", "lost");
	for (struct sva_idxd *d = k->idxds; d; d = d->next)
		for (unsigned i = 0; i < 16; i++) {
			const struct sva_idxd_wq *w = &d->wqs[i];
			struct sva_dsa_wq_account a;

			if (!w->enabled || sva_dsa_wq_account(d->dsa, i, &a))
				continue;
			fprintf(f, "  %-8s %9" PRIu64 " %9" PRIu64 " %8" PRIu64 " %8" PRIu64 " %9" PRIu64 " %8" PRIu64
				" %5" PRIu64 "\n", w->name, a.accepted + a.retried + a.dropped, a.accepted, a.retried,
				a.dropped, a.completed, a.aborted, a.lost);
			if (a.in_flight)
				fprintf(f, "  %-8s %" PRIu64 " still in flight when the run ended\n", "",
					a.in_flight);
		}

	fprintf(f, "\nDevice work\n");
	for (struct sva_idxd *d = k->idxds; d; d = d->next) {
		struct sva_dsa_stats ds;

		sva_dsa_stats(d->dsa, &ds);
		fprintf(f, "  %s: %" PRIu64 " descriptors completed (%" PRIu64 " partial, %" PRIu64 " failed, %"
			PRIu64 " in %" PRIu64 " batches), %" PRIu64 " bytes moved, %.2f GB/s over the run,"
			" data path busy %.1f%%\n",
			sva_dsa_name(d->dsa), ds.completed, ds.page_faults_partial, ds.failed, ds.batch_descs,
			ds.batches, ds.bytes,
			gbps(ds.bytes, sva_sim_last_event_time(sim)),
			sva_sim_last_event_time(sim) ? 100.0 * (double)ds.path_busy_ns /
						       (double)sva_sim_last_event_time(sim) : 0.0);
		fprintf(f, "  %s: ATC %" PRIu64 " hits, %" PRIu64 " misses, %" PRIu64 " invalidations; "
			"%" PRIu64 " page requests (%" PRIu64 " success, %" PRIu64 " invalid)\n",
			sva_dsa_name(d->dsa), ds.atc_hits, ds.atc_misses, ds.atc_invalidations,
			ds.page_requests, ds.prs_success, ds.prs_invalid);
		fprintf(f, "  %s: %" PRIu64 " software errors\n", sva_dsa_name(d->dsa), ds.swerrs);
	}
	fprintf(f, "\nOperations\n  %-8s %-16s %10s %10s %8s %14s\n", "device", "operation", "executed", "succeeded",
		"partial", "bytes");
	for (struct sva_idxd *d = k->idxds; d; d = d->next) {
		struct sva_dsa_stats ds;

		sva_dsa_stats(d->dsa, &ds);
		for (unsigned op = 0; op < 0x21; op++)
			if (ds.op_count[op])
				fprintf(f, "  %-8s %-16s %10" PRIu64 " %10" PRIu64 " %8" PRIu64 " %14" PRIu64 "\n",
					sva_dsa_name(d->dsa), sva_dsa_op_name(op), ds.op_count[op], ds.op_ok[op],
					ds.op_partial[op], ds.op_bytes[op]);
	}
	fprintf(f, "  guests: %" PRIu64 " descriptors submitted, %" PRIu64 " partial completions, %" PRIu64
		" resubmitted, %" PRIu64 " verification failures", r->descs_submitted, r->partials,
		r->resubmits, r->verify_fail);
	umwaits = 0;
	for (unsigned i = 0; i < r->nrecs; i++)
		umwaits += r->recs[i].umwait;
	/* Only programs that wait with UMWAIT make this worth a word. */
	if (umwaits)
		fprintf(f, ", %" PRIu64 " UMWAITs", umwaits);
	fputc('\n', f);

	sva_iommu_stats(k->iommu->hw, &is);
	fprintf(f, "\nIOMMU\n  %" PRIu64 " ATS translations: IOTLB %" PRIu64 " hits, %" PRIu64 " misses (%"
		PRIu64 " walks); PASID cache %" PRIu64 "/%" PRIu64 " hits\n", is.translations, is.iotlb_hits,
		is.iotlb_misses, is.walks, is.pasid_cache_hits, is.pasid_cache_hits + is.pasid_cache_misses);
	fprintf(f, "  %" PRIu64 " page requests (%" PRIu64 " overflowed), %" PRIu64 " page responses; "
		"%" PRIu64 " invalidation descriptors, %" PRIu64 " device-TLB invalidations, %" PRIu64 " waits\n",
		is.page_requests, is.prq_overflows, is.page_responses, is.inv_descs, is.devtlb_invs, is.waits);
	fprintf(f, "  kernel: %" PRIu64 " PASIDs allocated, %" PRIu64 " freed, %" PRIu64 " #GP fixups, %"
		PRIu64 " mmu_notifier ranges, %" PRIu64 " iopf groups\n",
		counter(sys, "kernel.pasid_allocs"), counter(sys, "kernel.pasid_frees"),
		counter(sys, "kernel.enqcmd_gp_fixups"), counter(sys, "kernel.mmu_notifier_ranges"),
		counter(sys, "iopf.groups"));

	/* One line per device that completed something; named when there are several. */
	{
		bool several = k->idxds && k->idxds->next, title = false;

		for (struct sva_idxd *d = k->idxds; d; d = d->next) {
			char n[64];

			snprintf(n, sizeof(n), "%s.descriptor_latency", sva_dsa_name(d->dsa));
			lat = sva_stat_find_hist(sim, n);
			if (!lat || !lat->count)
				continue;
			if (!title)
				fprintf(f, "\nLatency (descriptor accepted to completed)\n");
			title = true;
			fprintf(f, "  %s%sp50 %" PRIu64 " ns, p90 %" PRIu64 " ns, p99 %" PRIu64 " ns, max %" PRIu64
				" ns over %" PRIu64 " descriptors\n",
				several ? sva_dsa_name(d->dsa) : "", several ? ": " : "",
				sva_hist_percentile(lat, 50), sva_hist_percentile(lat, 90),
				sva_hist_percentile(lat, 99), lat->max, lat->count);
		}
	}

	fprintf(f, "\nTimeline (key events)\n");
	for (unsigned i = 0; i < sva_journal_count(sim); i++) {
		const struct sva_journal_entry *e = sva_journal_entry(sim, i);

		fprintf(f, "  %12.3f us  %-10s %s\n", (double)e->time / 1e3, e->who, e->what);
	}
	if (sva_journal_dropped(sim))
		fprintf(f, "  ... and %" PRIu64 " more events\n", sva_journal_dropped(sim));
	if (r->errors)
		fprintf(f, "\n%" PRIu64 " scenario step(s) failed; first: %s\n", r->errors, r->first_error);
}

#define JU(o, k, v) json_object_object_add(o, k, json_object_new_uint64(v))
#define JI(o, k, v) json_object_object_add(o, k, json_object_new_int64(v))
#define JS(o, k, v) json_object_object_add(o, k, json_object_new_string(v))

void report_json(FILE *f, const struct scenario *s, struct sva_system *sys,
		 const struct run_result *r, uint64_t seed)
{
	struct sva_kernel *k = sva_system_kernel(sys);
	struct sva_sim *sim = sva_system_sim(sys);
	struct json_object *o = json_object_new_object(), *a, *x;
	struct sva_iommu_stats is;
	char buf[128];

	JS(o, "scenario", s->name);
	JU(o, "seed", seed);
	JU(o, "virtual_time_ns", sva_sim_last_event_time(sim));
	JU(o, "cpus", k->nr_lcpus);
	a = json_object_new_array();
	for (struct sva_idxd *d = k->idxds; d; d = d->next)
		for (unsigned i = 0; i < 16; i++) {
			const struct sva_idxd_wq *w = &d->wqs[i];
			struct sva_dsa_wq_account wa;

			if (!w->enabled)
				continue;
			x = json_object_new_object();
			JS(x, "device", sva_dsa_name(d->dsa));
			JS(x, "wq", w->name);
			JS(x, "mode", wq_mode(w));
			JU(x, "size", w->size);
			JU(x, "threshold", w->threshold);
			JU(x, "priority", w->priority);
			json_object_object_add(x, "block_on_fault", json_object_new_boolean(w->bof));
			JS(x, "type", w->user ? "user" : "kernel");
			if (!sva_dsa_wq_account(d->dsa, i, &wa)) {
				JU(x, "submitted", wa.accepted + wa.retried + wa.dropped);
				JU(x, "accepted", wa.accepted);
				JU(x, "retried", wa.retried);
				JU(x, "dropped", wa.dropped);
				JU(x, "completed", wa.completed);
				JU(x, "aborted", wa.aborted);
				JU(x, "lost", wa.lost);
				JU(x, "in_flight", wa.in_flight);
			}
			json_object_array_add(a, x);
		}
	json_object_object_add(o, "work_queues", a);
	a = json_object_new_array();
	for (unsigned i = 0; i < r->nrecs; i++) {
		const struct proc_record *p = &r->recs[i];

		x = json_object_new_object();
		JI(x, "pid", p->pid);
		JS(x, "name", p->name);
		JI(x, "parent", p->parent);
		JU(x, "pasid", p->pasid);
		JS(x, "pasid_how", p->pasid ? p->pasid_how : "never bound");
		JU(x, "pasid_at_ns", p->pasid_at);
		JU(x, "gp_fixups", p->gp_fixups);
		JU(x, "enqcmd_accepted", p->enq_accepted);
		JU(x, "enqcmd_retries", p->enq_retry);
		JU(x, "movdir64b", p->movdir64b);
		JU(x, "umwait", p->umwait);
		JU(x, "descriptors", p->descs);
		JU(x, "partial_completions", p->partials);
		JU(x, "resubmissions", p->resubmits);
		JS(x, "ended", how_ended(p, buf, sizeof(buf)));
		JI(x, "exit_code", p->code);
		JI(x, "signal", p->signal);
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "processes", a);
	a = json_object_new_array();
	for (struct sva_idxd *d = k->idxds; d; d = d->next) {
		struct sva_dsa_stats ds;

		sva_dsa_stats(d->dsa, &ds);
		x = json_object_new_object();
		JS(x, "device", sva_dsa_name(d->dsa));
		JU(x, "completed", ds.completed);
		JU(x, "failed", ds.failed);
		JU(x, "aborted", ds.aborted);
		JU(x, "lost", ds.lost);
		JU(x, "batches", ds.batches);
		JU(x, "batch_descriptors", ds.batch_descs);
		JU(x, "bytes", ds.bytes);
		JU(x, "data_path_busy_ns", ds.path_busy_ns);
		JU(x, "atc_hits", ds.atc_hits);
		JU(x, "atc_misses", ds.atc_misses);
		JU(x, "untranslated_requests", ds.untranslated);
		JU(x, "atc_invalidations", ds.atc_invalidations);
		JU(x, "page_requests", ds.page_requests);
		JU(x, "page_responses_success", ds.prs_success);
		JU(x, "page_responses_invalid", ds.prs_invalid);
		JU(x, "partial_completions", ds.page_faults_partial);
		JU(x, "software_errors", ds.swerrs);
		json_object_object_add(x, "operations", sva_dsa_ops_json(&ds));
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "devices", a);
	x = json_object_new_object();
	JU(x, "descriptors_submitted", r->descs_submitted);
	JU(x, "descriptors_completed", r->descs_completed);
	JU(x, "partial_completions", r->partials);
	JU(x, "resubmissions", r->resubmits);
	JU(x, "verification_failures", r->verify_fail);
	JU(x, "step_errors", r->errors);
	if (r->errors)
		JS(x, "first_error", r->first_error);
	json_object_object_add(o, "guests", x);
	sva_iommu_stats(k->iommu->hw, &is);
	x = json_object_new_object();
	JU(x, "translations", is.translations);
	JU(x, "iotlb_hits", is.iotlb_hits);
	JU(x, "iotlb_misses", is.iotlb_misses);
	JU(x, "walks", is.walks);
	JU(x, "pasid_cache_hits", is.pasid_cache_hits);
	JU(x, "pasid_cache_misses", is.pasid_cache_misses);
	JU(x, "page_requests", is.page_requests);
	JU(x, "prq_overflows", is.prq_overflows);
	JU(x, "page_responses", is.page_responses);
	JU(x, "invalidation_descriptors", is.inv_descs);
	JU(x, "devtlb_invalidations", is.devtlb_invs);
	JU(x, "waits", is.waits);
	json_object_object_add(o, "iommu", x);
	a = json_object_new_array();
	for (unsigned i = 0; i < sva_journal_count(sim); i++) {
		const struct sva_journal_entry *e = sva_journal_entry(sim, i);

		x = json_object_new_object();
		JU(x, "time_ns", e->time);
		JS(x, "who", e->who);
		JS(x, "what", e->what);
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "timeline", a);
	json_object_object_add(o, "stats", sva_stats_json(sim));
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED), f);
	fputc('\n', f);
	json_object_put(o);
}
