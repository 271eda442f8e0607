// SPDX-License-Identifier: MIT
/*
 * Work queues and their portals.
 *
 * BAR2 has four 4 KiB pages per WQ: unlimited and limited, each for MSI-X
 * and IMS completion interrupts; any 64-byte-aligned offset in a page is a
 * portal.  A shared WQ takes enqueue stores and answers accepted or retry:
 * retry when the device or WQ is not enabled, the WQ is full, or (limited
 * portal) the WQ already holds `threshold` descriptors.  Enqueue stores are
 * PCIe DMWr: a path that cannot carry them answers Unsupported Request
 * before any of that (sva/pcie.h).  A dedicated WQ
 * takes MOVDIR64B, which is posted: when the WQ is full the descriptor is
 * dropped and reported in SWERR, and the PASID is the one in WQCFG.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sva/trace.h>

#include "hw/dsa/dsa_internal.h"

/* SWERR codes for what reaches a portal wrongly.  No public source gives them; ours. */
#define SWERR_DWQ_FULL		0x40
#define SWERR_WRONG_PORTAL	0x41

void dsa_wq_decode(struct sva_dsa *dsa, struct dsa_wq *wq)
{
	uint32_t w2, w3;
	uint16_t size, thr;

	(void)dsa;
	memcpy(&size, wq->cfg + 0, 2);
	memcpy(&thr, wq->cfg + 4, 2);
	memcpy(&w2, wq->cfg + 8, 4);
	memcpy(&w3, wq->cfg + 12, 4);
	wq->size = size;
	wq->threshold = thr;
	wq->dedicated = w2 & 1;
	wq->bof = w2 & 2;
	wq->ats_disable = w2 & 4;	/* WQCAP bit 50 advertises it */
	wq->priority = (w2 >> 4) & 0xf;
	wq->pasid = (w2 >> 8) & 0xfffff;
	wq->pasid_en = w2 & (1u << 28);
	wq->priv = w2 & (1u << 29);
	wq->max_xfer_shift = w3 & 0x1f;
	wq->max_batch_shift = (w3 >> 5) & 0xf;
}

static bool accepting(struct sva_dsa *dsa, struct dsa_wq *wq)
{
	return dsa->gensts == SVA_DSA_ENABLED && wq->enabled;
}

static void enqueue(struct sva_dsa *dsa, struct dsa_wq *wq, const uint8_t desc[DESC_SIZE])
{
	unsigned tail = wq->head + wq->count;
	struct wq_entry *e;

	assert(wq->head < wq->size && wq->count < wq->size);
	e = &wq->ring[tail >= wq->size ? tail - wq->size : tail];
	memcpy(e->desc, desc, DESC_SIZE);
	e->seq = ++dsa->seq;
	e->accepted_at = sva_now(dsa->sim);
	wq->count++;
	dsa->st.accepted++;
	sva_counter_inc(dsa->c_accepted);
	sva_counter_inc(wq->c_accepted);
	sva_trace_counter(dsa->sim, wq->track, "occupancy", wq->count);
	dsa_kick_group(dsa, wq->group);
}

static struct dsa_wq *portal_wq(struct sva_dsa *dsa, uint64_t off, bool *limited)
{
	unsigned id = (unsigned)(off / (4 * 4096));

	*limited = (off / 4096) & 1;
	return id < dsa->cfg.nr_wqs ? &dsa->wq[id] : NULL;
}

static int portal_enqcmd(void *opaque, uint64_t off, const uint8_t data[SVA_ENQ_SIZE])
{
	struct sva_dsa *dsa = opaque;
	bool limited;
	struct dsa_wq *wq = portal_wq(dsa, off, &limited);
	const struct sva_pcie_port *ur;

	/*
	 * The store came down the PCIe path as a DMWr: when a port on the way
	 * (or this function) cannot take one it is answered Unsupported
	 * Request and never reaches a portal.  Checked here because the path
	 * belongs to the device; nothing below touches the WQ.
	 */
	ur = sva_pcie_dmwr_route(&dsa->path);
	if (ur) {
		dsa->st.dmwr_ur++;
		if (dsa->path.dmwr_ur == 1)
			sva_journal(dsa->sim, dsa->name, "ENQCMD to a portal answered Unsupported Request by %s: "
				    "the path does not carry DMWr (ZF=1, store dropped)", ur->name);
		return SVA_ENQ_UR;
	}
	dsa->st.submitted++;
	sva_counter_inc(dsa->c_submitted);
	if (!wq || !accepting(dsa, wq) || wq->dedicated ||
	    wq->count >= wq->size || (limited && wq->count >= wq->threshold)) {
		dsa->st.retried++;
		sva_counter_inc(dsa->c_retried);
		if (wq)
			sva_counter_inc(wq->c_retried);
		return SVA_ENQ_RETRY;
	}
	enqueue(dsa, wq, data);
	return SVA_ENQ_ACCEPTED;
}

static int portal_movdir64b(void *opaque, uint64_t off, const uint8_t data[SVA_ENQ_SIZE])
{
	struct sva_dsa *dsa = opaque;
	bool limited;
	struct dsa_wq *wq = portal_wq(dsa, off, &limited);
	uint8_t d[DESC_SIZE];
	uint32_t dw0;

	dsa->st.submitted++;
	sva_counter_inc(dsa->c_submitted);
	if (!wq || !accepting(dsa, wq) || !wq->dedicated) {
		dsa->st.dropped++;
		if (wq)
			sva_counter_inc(wq->c_dropped);
		dsa_swerr(dsa, SWERR_WRONG_PORTAL, wq ? (int)wq->id : -1, NULL, 0, false, false, 0, 0);
		return 0;
	}
	if (wq->count >= wq->size) {
		struct dsa_hw_desc hd;

		memcpy(&hd, data, sizeof(hd));
		dsa->st.dropped++;
		sva_counter_inc(wq->c_dropped);
		dsa_swerr(dsa, SWERR_DWQ_FULL, (int)wq->id, &hd, 0, false, false, 0, 0);
		return 0;
	}
	/* A dedicated WQ's descriptors carry the WQ's PASID and privilege. */
	memcpy(d, data, DESC_SIZE);
	dw0 = (wq->pasid & 0xfffff) | (wq->priv ? 0x80000000u : 0);
	memcpy(d, &dw0, 4);
	enqueue(dsa, wq, d);
	return 0;
}

static int portal_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
	(void)opaque;
	(void)off;
	/* Portals are write-only: reads return all ones, like an unclaimed read. */
	*val = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
	return 0;
}

static int portal_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	(void)opaque;
	(void)off;
	(void)size;
	(void)val;
	return 0;	/* ordinary stores to a portal are ignored */
}

static const struct sva_mmio_ops portal_ops = {
	.read = portal_read, .write = portal_write,
	.enqcmd = portal_enqcmd, .movdir64b = portal_movdir64b,
};

int dsa_portals_register(struct sva_dsa *dsa)
{
	uint64_t size = (uint64_t)dsa->cfg.nr_wqs * 4 * 4096;
	char n[64];
	int r;

	r = sva_machine_mmio_alloc(dsa->m, size, 0x10000, &dsa->bar2);
	if (r)
		return r;
	for (unsigned i = 0; i < dsa->cfg.nr_wqs; i++) {
		struct dsa_wq *wq = &dsa->wq[i];
		struct { struct sva_counter **c; const char *what; } cs[] = {
			{ &wq->c_accepted, "accepted" }, { &wq->c_retried, "retried" },
			{ &wq->c_dropped, "dropped" }, { &wq->c_completed, "completed" },
			{ &wq->c_aborted, "aborted" }, { &wq->c_lost, "lost" },
		};
		char track[48];

		/* The kernel's name, wqD.Q, when the device is dsaD: what reports and /dev say. */
		if (dsa->name[strcspn(dsa->name, "0123456789")])
			snprintf(track, sizeof(track), "wq%s.%u", dsa->name + strcspn(dsa->name, "0123456789"), i);
		else
			snprintf(track, sizeof(track), "wq%u", i);
		wq->track = sva_trace_track(dsa->sim, dsa->name, track);
		for (size_t c = 0; c < sizeof(cs) / sizeof(cs[0]); c++) {
			snprintf(n, sizeof(n), "%s.wq%u.%s", dsa->name, i, cs[c].what);
			*cs[c].c = sva_stat_counter(dsa->sim, n);
			if (!*cs[c].c)
				return -ENOMEM;
		}
	}
	snprintf(n, sizeof(n), "%s-portals", dsa->name);
	return sva_mmio_register(dsa->phys, dsa->bar2, size, &portal_ops, dsa, n);
}

/*
 * Arbitration among the group's WQs: highest priority first, round robin
 * among equal priorities.  The hardware algorithm is not public; this is
 * the documented intent of the priority field.
 */
bool dsa_wq_pop(struct sva_dsa *dsa, unsigned group, struct wq_entry *out, int *wq_id)
{
	struct dsa_group *g = &dsa->grp[group];
	struct dsa_wq *best = NULL;
	unsigned n = dsa->cfg.nr_wqs;

	if (dsa->gensts != SVA_DSA_ENABLED)
		return false;
	assert(g->rr < n);
	/* Every descriptor passes here: wrap indices by compare, not by division. */
	for (unsigned k = 0, i = g->rr; k < n; k++, i = i + 1 == n ? 0 : i + 1) {
		struct dsa_wq *wq = &dsa->wq[i];

		if (!(g->wq_mask & (1ull << wq->id)) || !wq->enabled || !wq->count)
			continue;
		if (!best || wq->priority > best->priority)
			best = wq;
	}
	if (!best)
		return false;
	assert(best->head < best->size);
	*out = best->ring[best->head];
	best->head = best->head + 1 == best->size ? 0 : best->head + 1;
	best->count--;
	g->rr = best->id + 1 == n ? 0 : best->id + 1;
	*wq_id = (int)best->id;
	sva_trace_counter(dsa->sim, best->track, "occupancy", best->count);
	return true;
}

static bool entry_matches(const struct wq_entry *e, bool by_pasid, uint32_t pasid)
{
	uint32_t dw0;

	memcpy(&dw0, e->desc, 4);
	return !by_pasid || (dw0 & 0xfffff) == pasid;
}

/* Discard queued descriptors (of one PASID); returns how many. */
unsigned dsa_wq_abort(struct sva_dsa *dsa, int id, bool by_pasid, uint32_t pasid)
{
	struct dsa_wq *wq = &dsa->wq[id];
	unsigned kept = 0, aborted = 0;

	if (!wq->ring)
		return 0;
	for (unsigned i = 0; i < wq->count; i++) {
		struct wq_entry *e = &wq->ring[(wq->head + i) % wq->size];

		if (entry_matches(e, by_pasid, pasid))
			aborted++;
		else
			wq->ring[(wq->head + kept++) % wq->size] = *e;
	}
	wq->count = kept;
	dsa->st.aborted += aborted;
	sva_counter_add(wq->c_aborted, aborted);
	if (aborted)
		sva_wake_all(dsa->sim, &dsa->idle_wq);
	return aborted;
}

/* Is anything accepted no later than @upto (of @wq / @pasid) still queued or running? */
bool dsa_pending(struct sva_dsa *dsa, int wq, bool by_pasid, uint32_t pasid, uint64_t upto)
{
	for (unsigned i = 0; i < dsa->cfg.nr_wqs; i++) {
		struct dsa_wq *w = &dsa->wq[i];

		if ((wq >= 0 && (int)i != wq) || !w->ring)
			continue;
		for (unsigned j = 0; j < w->count; j++) {
			struct wq_entry *e = &w->ring[(w->head + j) % w->size];

			if (e->seq <= upto && entry_matches(e, by_pasid, pasid))
				return true;
		}
	}
	return dsa_running(dsa, wq, by_pasid, pasid, upto);
}

bool dsa_running(struct sva_dsa *dsa, int wq, bool by_pasid, uint32_t pasid, uint64_t upto)
{
	for (unsigned i = 0; i < dsa->cfg.nr_engines; i++) {
		struct dsa_engine *e = &dsa->eng[i];

		if (e->busy && e->seq <= upto && (wq < 0 || e->wq == wq) &&
		    (!by_pasid || e->pasid == pasid))
			return true;
	}
	return false;
}
