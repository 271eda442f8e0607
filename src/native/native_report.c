// SPDX-License-Identifier: MIT
/*
 * What one process of a native run leaves behind: its submissions, the
 * device's view of them (per WQ and per operation), the faults of the
 * memory back end and the modelled latency.  `sva native` adds the
 * processes up (tools/cmd_native.c); the field names are documented in
 * docs/native.md, "The report".
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>

#include <sva/dsa.h>
#include <sva/stats.h>

#include "native/native_rt.h"
#include "os/idxd.h"
#include "system_internal.h"

static const char *mode_name(enum sva_native_mode m)
{
	return m == SVA_NATIVE_ASYNC ? "async" : "inline";
}

static const char *faults_name(enum sva_native_faults f)
{
	return f == SVA_NATIVE_FAULTS_TOUCH ? "touch" : f == SVA_NATIVE_FAULTS_SEED ? "seed" : "none";
}

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static struct json_object *wq_json(const struct sva_dsa *dsa, unsigned id)
{
	struct sva_dsa_wq_account a;
	struct json_object *o;

	if (sva_dsa_wq_account(dsa, id, &a))
		return NULL;
	o = json_object_new_object();
	add_u64(o, "id", id);
	add_u64(o, "accepted", a.accepted);
	add_u64(o, "retried", a.retried);
	add_u64(o, "dropped", a.dropped);
	add_u64(o, "completed", a.completed);
	add_u64(o, "aborted", a.aborted);
	add_u64(o, "lost", a.lost);
	add_u64(o, "in_flight", a.in_flight);
	return o;
}

static struct json_object *device_json(struct sva_native *n, const struct sva_dsa *dsa)
{
	struct json_object *o = json_object_new_object(), *wqs = json_object_new_array();
	struct json_object *lat = json_object_new_object();
	struct json_object *statuses = json_object_new_object();
	struct sva_dsa_stats st;
	const struct sva_hist *h;
	char name[64];

	sva_dsa_stats(dsa, &st);
	json_object_object_add(o, "name", json_object_new_string(sva_dsa_name(dsa)));
	add_u64(o, "submitted", st.submitted);
	add_u64(o, "accepted", st.accepted);
	add_u64(o, "retried", st.retried);
	add_u64(o, "dropped", st.dropped);
	add_u64(o, "completed", st.completed);
	add_u64(o, "failed", st.failed);
	add_u64(o, "partial", st.page_faults_partial);
	add_u64(o, "batches", st.batches);
	add_u64(o, "bytes", st.bytes);
	add_u64(o, "page_requests", st.page_requests);
	add_u64(o, "software_errors", st.swerrs);
	for (unsigned i = 0; i < sva_dsa_nr_wqs(dsa); i++) {
		struct json_object *w = wq_json(dsa, i);

		/* WQs nobody used stay out of the report. */
		if (w && json_object_get_uint64(json_object_object_get(w, "accepted")) +
			 json_object_get_uint64(json_object_object_get(w, "retried")) +
			 json_object_get_uint64(json_object_object_get(w, "dropped")))
			json_object_array_add(wqs, w);
		else
			json_object_put(w);
	}
	json_object_object_add(o, "wqs", wqs);
	json_object_object_add(o, "operations", sva_dsa_ops_json(&st));
	for (unsigned code = 0; code < 0x80; code++) {
		char key[8];

		if (!st.status[code])
			continue;
		snprintf(key, sizeof(key), "0x%02x", code);
		add_u64(statuses, key, st.status[code]);
	}
	json_object_object_add(o, "statuses", statuses);
	snprintf(name, sizeof(name), "%s.descriptor_latency", sva_dsa_name(dsa));
	h = sva_stat_find_hist(n->sim, name);
	add_u64(lat, "count", h ? h->count : 0);
	add_u64(lat, "sum", h ? h->sum : 0);
	add_u64(lat, "min", h && h->count ? h->min : 0);
	add_u64(lat, "max", h ? h->max : 0);
	add_u64(lat, "p50", h && h->count ? sva_hist_percentile(h, 50) : 0);
	add_u64(lat, "p99", h && h->count ? sva_hist_percentile(h, 99) : 0);
	json_object_object_add(o, "latency_ns", lat);
	return o;
}

int sva_native_report_json(struct sva_native *n, FILE *out)
{
	struct json_object *o = json_object_new_object(), *req = json_object_new_object();
	struct json_object *devs = json_object_new_array(), *mem = json_object_new_object();
	struct json_object *faults = json_object_new_object();
	struct native_mem_stats ms;
	int rc = 0;

	json_object_object_add(o, "program", json_object_new_string(n->program));
	add_u64(o, "pid", (uint64_t)n->pid);
	json_object_object_add(o, "mode", json_object_new_string(mode_name(n->mode)));
	json_object_object_add(o, "faults", json_object_new_string(faults_name(n->faults)));
	add_u64(o, "seed", n->seed);
	add_u64(o, "virtual_time_ns", sva_sim_last_event_time(n->sim));
	for (unsigned i = NREQ_OPEN; i < NREQ_NR; i++)
		if (i != NREQ_EXIT)
			add_u64(req, native_req_name(i), n->st.requests[i]);
	json_object_object_add(o, "calls", req);
	add_u64(o, "accepted", n->st.accepted);
	add_u64(o, "retried", n->st.retried);
	for (struct sva_idxd *idxd = n->sys->kernel.idxds; idxd; idxd = idxd->next)
		json_object_array_add(devs, device_json(n, idxd->dsa));
	json_object_object_add(o, "devices", devs);
	native_mem_stats(n->mem, &ms);
	add_u64(mem, "runs", ms.maps);
	add_u64(mem, "bytes", ms.bytes);
	add_u64(mem, "probes", ms.probes);
	for (unsigned k = 0; k < NATIVE_MEM_NR_FAULTS; k++)
		add_u64(faults, native_mem_fault_name(k), ms.faults[k]);
	json_object_object_add(mem, "faults", faults);
	add_u64(mem, "page_requests", ms.page_requests);
	add_u64(mem, "pages_faulted_in", ms.pages_faulted_in);
	add_u64(mem, "page_requests_invalid", ms.page_requests_invalid);
	json_object_object_add(o, "memory", mem);
	if (fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		rc = -EIO;
	json_object_put(o);
	return rc;
}
