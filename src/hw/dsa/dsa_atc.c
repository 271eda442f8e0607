// SPDX-License-Identifier: MIT
/*
 * The device side of address translation: the ATC (device TLB) filled by
 * ATS Translation Requests, PRI page requests when a translation is not
 * present, and ATS invalidations from the IOMMU.
 *
 * An engine never holds a translation across a wait: operations execute at
 * one instant of virtual time (their duration is charged afterwards), and a
 * block-on-fault wait happens between attempts, with nothing mapped.  So an
 * ATS invalidation can be completed as soon as the entries are dropped -
 * nothing in flight can still be using them.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include <sva/timing.h>
#include <sva/trace.h>

#include "hw/dsa/dsa_internal.h"
#include "hw/dsa/dsa_ops.h"

/*
 * The ATC is set associative, 4 ways: a translation of size 2^s for page
 * number v lives in set hash(pasid, v, s).  A lookup probes the three
 * page sizes; a fill evicts the least recently used way of its set.
 */
#define ATC_WAYS 4

static unsigned atc_sets(const struct sva_dsa *dsa)
{
	unsigned n = dsa->cfg.atc_entries / ATC_WAYS;

	return n ? n : 1;
}

static struct atc_entry *atc_set(struct sva_dsa *dsa, uint32_t pasid, uint64_t vpn, unsigned shift)
{
	uint64_t h = (vpn * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)pasid << 9) ^ shift;

	unsigned n = atc_sets(dsa);

	return &dsa->atc[((n & (n - 1)) ? (h >> 32) % n : (h >> 32) & (n - 1)) * ATC_WAYS];
}

static struct atc_entry *atc_lookup(struct sva_dsa *dsa, uint32_t pasid, bool priv, uint64_t va)
{
	static const unsigned shifts[] = { 12, 21, 30 };

	for (unsigned k = 0; k < 3; k++) {
		struct atc_entry *set;

		/* No entry of this size was filled since the last flush: nothing to probe. */
		if (!(dsa->atc_sizes & (1u << k)))
			continue;
		set = atc_set(dsa, pasid, va >> shifts[k], shifts[k]);

		for (unsigned w = 0; w < ATC_WAYS; w++) {
			struct atc_entry *e = &set[w];

			if (e->valid && e->pasid == pasid && e->priv == priv && e->size == 1ull << shifts[k] &&
			    va >= e->page && va - e->page < e->size) {
				e->stamp = ++dsa->atc_clock;
				return e;
			}
		}
	}
	return NULL;
}

static struct atc_entry *atc_fill(struct sva_dsa *dsa, uint32_t pasid, bool priv, uint64_t va,
				  const struct sva_ats_xlat *x)
{
	unsigned shift = (unsigned)__builtin_ctzll(x->size);
	struct atc_entry *set = atc_set(dsa, pasid, va >> shift, shift), *v = &set[0];

	assert(shift == 12 || shift == 21 || shift == 30);
	dsa->atc_sizes |= 1u << (shift == 12 ? 0 : shift == 21 ? 1 : 2);

	for (unsigned w = 0; w < ATC_WAYS; w++) {
		struct atc_entry *e = &set[w];

		if (!e->valid || (e->pasid == pasid && e->priv == priv && e->page == (va & ~(x->size - 1)))) {
			v = e;	/* a free way, or the same page (refresh) */
			break;
		}
		if (e->stamp < v->stamp)
			v = e;
	}
	*v = (struct atc_entry){
		.valid = true, .pasid = pasid, .priv = priv, .page = va & ~(x->size - 1),
		.size = x->size, .pa = x->pa, .r = x->r, .w = x->w, .stamp = ++dsa->atc_clock,
	};
	return v;
}

void dsa_atc_flush_all(struct sva_dsa *dsa)
{
	memset(dsa->atc, 0, dsa->cfg.atc_entries * sizeof(*dsa->atc));
	dsa->atc_sizes = 0;
}

/*
 * Account @c ns of translation work for an access at @va of operand
 * @opnd.  Outside a data stream it simply adds up.  Inside one, the engine
 * issues translation requests ahead of its data (a request does not wait
 * for the bytes before it), so a translation only delays the operand's
 * stream by what the operand's data in front of it cannot hide: the
 * stream's lead is the largest c - (distance from the operand's first
 * byte) / engine_bw.  The first translation of an operand hides behind
 * nothing.
 */
static void xlat_account(struct dsa_xlat_ctx *x, const struct sva_timing *t, uint64_t va, unsigned opnd,
			 bool write, sva_time_t c)
{
	struct dsa_xlat_stream *s = &x->stream[opnd];
	double lead;

	if (!x->streaming) {
		x->cost += c;
		return;
	}
	if (!s->started) {
		s->started = true;
		s->read = !write;
		s->va0 = va;
		s->lead = (double)c;
		return;
	}
	if ((double)c <= s->lead)
		return;		/* cannot wait longer than one that came before it with no data in front */
	lead = (double)c - (double)(va > s->va0 ? va - s->va0 : s->va0 - va) / t->engine_bw;
	if (lead > s->lead)
		s->lead = lead;
}

/*
 * One ATS Translation Request for @va, its cost accounted: 0 with *ax
 * granting the access, DSA_MEM_XLAT_ERR (the IOMMU refused the request) or
 * DSA_MEM_FAULT (not present, or not with the rights asked for).
 */
static int ats_request(struct dsa_xlat_ctx *x, const struct sva_timing *t, uint64_t va, bool write,
		       unsigned opnd, struct sva_ats_xlat *ax)
{
	int r = sva_iommu_ats_translate(&x->dsa->pci, x->pasid, x->priv, va, write, ax);

	xlat_account(x, t, va, opnd, write, t->atc_miss + ax->cost);
	if (r)
		return DSA_MEM_XLAT_ERR;
	return (write ? ax->w : ax->r) ? 0 : DSA_MEM_FAULT;
}

/* Translate @va for @write without waiting: 0 (with pa and bytes left), or a dsa_mem_result. */
static int translate(struct dsa_xlat_ctx *x, uint64_t va, bool write, unsigned opnd, uint64_t *pa,
		     uint64_t *left)
{
	struct sva_dsa *dsa = x->dsa;
	const struct sva_timing *t = sva_machine_timing(dsa->m);
	struct atc_entry *e;
	struct sva_ats_xlat ax;
	int r;

	if (x->no_atc) {
		/*
		 * ATS disabled on this WQ: an untranslated request, which the
		 * IOMMU translates on the way (its IOTLB may cache it); the
		 * device keeps nothing, so the next access pays again.
		 */
		dsa->st.untranslated++;
		sva_counter_inc(dsa->c_untranslated);
		r = ats_request(x, t, va, write, opnd, &ax);
		if (r)
			return r;
		*pa = ax.pa + (va & (ax.size - 1));
		*left = ax.size - (va & (ax.size - 1));
		return 0;
	}
	e = atc_lookup(dsa, x->pasid, x->priv, va);
	if (e && (write ? e->w : e->r)) {
		dsa->st.atc_hits++;
		sva_counter_inc(dsa->c_atc_hits);
		xlat_account(x, t, va, opnd, write, t->atc_hit);
	} else {
		dsa->st.atc_misses++;
		sva_counter_inc(dsa->c_atc_misses);
		r = ats_request(x, t, va, write, opnd, &ax);
		if (r)
			return r;
		e = atc_fill(dsa, x->pasid, x->priv, va, &ax);
	}
	*pa = e->pa + (va - e->page);
	*left = e->size - (va - e->page);
	return 0;
}

/* A run through the ATC (or the IOMMU directly) into simulated memory. */
static int atc_map(struct dsa_xlat_ctx *x, uint64_t va, uint64_t len, bool write, unsigned opnd, void **ptr,
		   uint64_t *got)
{
	uint64_t pa, left;
	int r;

	r = translate(x, va, write, opnd, &pa, &left);
	if (r)
		return r;
	if (left > len)
		left = len;
	sva_machine_observe_dma(sva_machine_dma_observer(x->dsa->m), x->dsa->pci.rid, x->pasid,
				x->priv, va, pa, left, write);
	/*
	 * Grow the run over following pages whose translations are physically
	 * contiguous, so data moves in long memcpys.  Each page is translated
	 * exactly as it would be on its own; a page that does not follow (or
	 * is not present) just ends the run, and the operation asks for it
	 * next.
	 */
	while (left < len) {
		uint64_t npa, nleft;

		if (translate(x, va + left, write, opnd, &npa, &nleft) || npa != pa + left)
			break;
		if (nleft > len - left)
			nleft = len - left;
		sva_machine_observe_dma(sva_machine_dma_observer(x->dsa->m), x->dsa->pci.rid, x->pasid,
					x->priv, va + left, npa, nleft, write);
		left += nleft;
	}
	*ptr = sva_phys_ptr(x->dsa->phys, pa, left);
	if (!*ptr)
		return -EIO;	/* the translation points outside RAM: a bus error */
	/* The bytes land when the caller copies, within this instant: a monitor waiting on them wakes. */
	if (write)
		sva_machine_note_store(x->dsa->m, pa, left);
	*got = left;
	return 0;
}

/* ---- a back end instead of the ATC (sva_dsa_set_dma) ------------------------------------ */

void sva_dsa_set_dma(struct sva_dsa *dsa, const struct sva_dsa_dma_ops *ops, void *ctx)
{
	assert(!ops || (ops->map && ops->page_request));
	dsa->dma = ops;
	dsa->dma_ctx = ops ? ctx : NULL;
}

static struct sva_dsa_dma_req dma_req(const struct dsa_xlat_ctx *x, enum sva_dsa_access access)
{
	return (struct sva_dsa_dma_req){ .engine = x->eng->id, .desc = x->desc, .pasid = x->pasid,
					 .priv = x->priv, .access = access };
}

/*
 * A run from the back end: host memory, nothing to translate, so no ATC
 * and no translation time.  A source's stream still waits dev_read_lat for
 * its first bytes (run_op), so the operand's stream is started at no cost.
 * The DMA observer and the monitor of stores watch simulated memory only:
 * these bytes are not in it.
 */
static int backend_map(struct dsa_xlat_ctx *x, uint64_t va, uint64_t len, bool write, unsigned opnd,
		       enum sva_dsa_access access, void **ptr, uint64_t *got)
{
	struct sva_dsa *dsa = x->dsa;
	struct sva_dsa_dma_req req = dma_req(x, access);
	int r;

	*ptr = NULL;
	*got = 0;
	r = dsa->dma->map(dsa->dma_ctx, &req, va, len, write, ptr, got);
	if (r)
		return r;
	if (!*ptr || *got < 1 || *got > len)
		return -EIO;	/* a broken reply: a hardware error, never a wild access */
	if (access == SVA_DSA_ACCESS_DATA)
		xlat_account(x, sva_machine_timing(dsa->m), va, opnd, write, 0);
	return 0;
}

static int mem_map(struct dsa_xlat_ctx *x, uint64_t va, uint64_t len, bool write, unsigned opnd,
		   enum sva_dsa_access access, void **ptr, uint64_t *got)
{
	int r;

	assert(opnd < DSA_NR_OPERANDS);
	r = x->dsa->dma ? backend_map(x, va, len, write, opnd, access, ptr, got) :
			  atc_map(x, va, len, write, opnd, ptr, got);
	if (r == DSA_MEM_FAULT && !x->faulted) {
		x->faulted = true;
		x->fault_va = va;
		x->fault_write = write;
		x->fault_access = access;
	}
	return r;
}

int dsa_mem_map(void *ctx, uint64_t va, uint64_t len, bool write, unsigned opnd, void **ptr, uint64_t *got)
{
	return mem_map(ctx, va, len, write, opnd, SVA_DSA_ACCESS_DATA, ptr, got);
}

/* Byte-wise helpers for the device's own small accesses (completion records, batch lists). */
static int dma(struct dsa_xlat_ctx *x, uint64_t va, void *buf, size_t n, bool write, enum sva_dsa_access access)
{
	while (n) {
		void *p;
		uint64_t got;
		/* Records and batch lists: not a streamed operand, the operand does not matter. */
		int r = mem_map(x, va, n, write, DSA_OPND_ADDR1, access, &p, &got);

		if (r)
			return r;
		if (write)
			memcpy(p, buf, got);
		else
			memcpy(buf, p, got);
		va += got;
		buf = (uint8_t *)buf + got;
		n -= got;
	}
	return 0;
}

int dsa_dma_write(struct dsa_xlat_ctx *x, uint64_t va, const void *buf, size_t n)
{
	return dma(x, va, (void *)buf, n, true, SVA_DSA_ACCESS_RECORD);
}

int dsa_dma_read(struct dsa_xlat_ctx *x, uint64_t va, void *buf, size_t n)
{
	return dma(x, va, buf, n, false, SVA_DSA_ACCESS_LIST);
}

/* ---- PRI ------------------------------------------------------------------------- */

/* A page request over PRI to the IOMMU, answered by the kernel's iopf handler. */
static int pri_request(struct dsa_xlat_ctx *x, uint64_t va, bool write)
{
	struct sva_dsa *dsa = x->dsa;
	struct dsa_pri_wait *w = &dsa->pri[x->eng->id];
	const struct sva_timing *t = sva_machine_timing(dsa->m);
	sva_time_t deadline;
	int r;

	*w = (struct dsa_pri_wait){ .waiting = true, .pasid = x->pasid,
				    .prgi = (uint16_t)(dsa->next_prgi++ & 0x1ff) };
	sva_sleep(dsa->sim, t->pri_rtt / 2);	/* the request crosses the link */
	r = sva_iommu_page_request(&dsa->pci, x->pasid, x->priv, va & ~0xfffull,
				   !write, write, false, w->prgi, true);
	if (r == -EPERM) {
		w->waiting = false;
		return -EPERM;
	}
	/* Even a dropped request is answered (auto-response) unless the IOMMU drops silently. */
	deadline = sva_now(dsa->sim) + dsa->cfg.pri_timeout;
	while (!w->answered)
		if (sva_wait_deadline(dsa->sim, &dsa->pri_wq, deadline) == -ETIMEDOUT && !w->answered) {
			w->waiting = false;
			return -ETIMEDOUT;
		}
	w->waiting = false;
	sva_sleep(dsa->sim, t->pri_rtt / 2);	/* the response comes back */
	return (int)w->code;
}

/*
 * The back end resolves the fault itself.  It takes what the same request
 * costs in the model, without the IOMMU: the wire both ways (pri_rtt) and
 * the kernel's work for one request (iopf_handling), here engine time.
 */
static int backend_page_request(struct dsa_xlat_ctx *x, uint64_t va, bool write)
{
	struct sva_dsa *dsa = x->dsa;
	const struct sva_timing *t = sva_machine_timing(dsa->m);
	struct sva_dsa_dma_req req = dma_req(x, x->fault_access);
	int r;

	sva_sleep(dsa->sim, t->pri_rtt / 2 + t->iopf_handling);	/* over the link, then handled */
	r = dsa->dma->page_request(dsa->dma_ctx, &req, va, write);
	sva_sleep(dsa->sim, t->pri_rtt / 2);	/* the response comes back */
	return r;
}

int dsa_page_request(struct dsa_xlat_ctx *x, uint64_t va, bool write)
{
	struct sva_dsa *dsa = x->dsa;
	int r;

	dsa->st.page_requests++;
	sva_counter_inc(dsa->c_prs);
	r = dsa->dma ? backend_page_request(x, va, write) : pri_request(x, va, write);
	if (r < 0)
		return r;
	/* What the engine translates from here on was not asked for before: nothing hides it. */
	x->known_at = sva_now(dsa->sim);
	switch (r) {
	case SVA_PRG_SUCCESS: dsa->st.prs_success++; break;
	case SVA_PRG_INVALID: dsa->st.prs_invalid++; break;
	default: dsa->st.prs_failure++; break;
	}
	return r;
}

static void dsa_page_response(struct sva_pcidev *dev, uint32_t pasid, uint16_t prgi,
			      enum sva_prg_resp code)
{
	struct sva_dsa *dsa = dev->priv;

	if (code == SVA_PRG_FAILURE)
		dev->pri_stopped = true;	/* PCIe: Response Failure stops PRI */
	for (unsigned i = 0; i < dsa->cfg.nr_engines; i++) {
		struct dsa_pri_wait *w = &dsa->pri[i];

		if (w->waiting && !w->answered && w->pasid == pasid && w->prgi == prgi) {
			w->answered = true;
			w->code = code;
			sva_wake_all(dsa->sim, &dsa->pri_wq);
			return;
		}
	}
	/* A response nobody waits for (a time-out already gave up): ignored, as UPRGI. */
}

static void dsa_ats_invalidate(struct sva_pcidev *dev, uint32_t itag, uint32_t pasid,
			       uint64_t addr, uint64_t size, bool global)
{
	struct sva_dsa *dsa = dev->priv;

	dsa->st.atc_invalidations++;
	for (unsigned i = 0; i < dsa->cfg.atc_entries; i++) {
		struct atc_entry *e = &dsa->atc[i];

		if (e->valid && (global || e->pasid == pasid) &&
		    e->page < addr + size && addr < e->page + e->size)
			e->valid = false;
	}
	/* Nothing holds a translation across a wait (see the top): done at once. */
	sva_iommu_ats_inv_done(dev, itag);
}

const struct sva_pcidev_ops dsa_pci_ops = {
	.ats_invalidate = dsa_ats_invalidate,
	.page_response = dsa_page_response,
};
