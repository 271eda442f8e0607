// SPDX-License-Identifier: MIT
/* The invariant checker (see check.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sva/dsa.h>
#include <sva/iommu.h>
#include <sva/paging.h>

#include "os/check.h"
#include "os/idxd.h"
#include "os/iommu_drv.h"
#include "os/kernel.h"
#include "os/mm.h"

void sva_check_fail(struct sva_kernel *k, const char *fmt, ...)
{
	struct sva_checker *c = &k->check;
	unsigned n = sva_journal_count(k->sim), from = n > 16 ? n - 16 : 0;
	va_list ap;

	c->violations++;
	va_start(ap, fmt);
	vsnprintf(c->last, sizeof(c->last), fmt, ap);
	va_end(ap);
	if (!c->fatal)
		return;
	fprintf(stderr, "sva: invariant violated at virtual time %llu ns (seed %llu): %s\n",
		(unsigned long long)sva_now(k->sim), (unsigned long long)sva_sim_seed(k->sim), c->last);
	fprintf(stderr, "sva: the last events before it:\n");
	for (unsigned i = from; i < n; i++) {
		const struct sva_journal_entry *e = sva_journal_entry(k->sim, i);

		fprintf(stderr, "  %12.3f us  %-10s %s\n", (double)e->time / 1e3, e->who, e->what);
	}
	fflush(stderr);
	abort();
}

/* ---- the notifier chain: which ranges are being invalidated right now ---------------- */

static struct sva_kernel *kernel_of(struct sva_mm *mm)
{
	return mm->k;
}

static void chk_start(struct sva_mmu_notifier *mn, struct sva_mm *mm, uint64_t start, uint64_t end)
{
	struct sva_checker *c = &kernel_of(mm)->check;

	(void)mn;
	if (c->npending == c->cap_pending) {
		unsigned ncap = c->cap_pending ? 2 * c->cap_pending : 64;
		struct sva_check_pending *np = realloc(c->pending, ncap * sizeof(*np));

		if (!np)
			sva_out_of_memory("the checker's table of invalidations in progress");
		c->pending = np;
		c->cap_pending = ncap;
	}
	c->pending[c->npending++] = (struct sva_check_pending){ .mm = mm, .start = start, .end = end };
	if (c->npending > c->max_pending)
		c->max_pending = c->npending;
}

/*
 * Registered first, so called last: every other subscriber (the IOMMU) has
 * finished its flush when the range stops being "in progress".
 */
static void chk_end(struct sva_mmu_notifier *mn, struct sva_mm *mm, uint64_t start, uint64_t end)
{
	struct sva_checker *c = &kernel_of(mm)->check;

	(void)mn;
	for (unsigned i = c->npending; i-- > 0;)
		if (c->pending[i].mm == mm && c->pending[i].start == start && c->pending[i].end == end) {
			c->pending[i] = c->pending[--c->npending];
			return;
		}
	sva_check_fail(mm->k, "invalidate_range_end without a start for [%#llx, %#llx)",
		       (unsigned long long)start, (unsigned long long)end);
}

static void chk_release(struct sva_mmu_notifier *mn, struct sva_mm *mm)
{
	(void)mn;
	mm->check_released = true;
}

static const struct sva_mmu_notifier_ops chk_ops = {
	.invalidate_range_start = chk_start,
	.invalidate_range_end = chk_end,
	.release = chk_release,
};

void sva_check_mm_created(struct sva_kernel *k, struct sva_mm *mm)
{
	if (!k->check.on)
		return;
	mm->check_mn.ops = &chk_ops;
	(void)sva_mmu_notifier_register(mm, &mm->check_mn);
}

static bool in_progress(struct sva_checker *c, const struct sva_mm *mm, uint64_t va)
{
	for (unsigned i = 0; i < c->npending; i++)
		if (c->pending[i].mm == mm && va >= c->pending[i].start && va < c->pending[i].end)
			return true;
	return false;
}

/* ---- device accesses ---------------------------------------------------------------- */

static void chk_dma(void *ctx, uint16_t rid, uint32_t pasid, bool priv, uint64_t va, uint64_t pa,
		    uint64_t len, bool write)
{
	struct sva_kernel *k = ctx;
	struct sva_checker *c = &k->check;
	struct sva_mm *mm = sva_pasid_owner(&k->pasids, pasid);
	struct sva_paging_mode mode = k->paging;
	struct sva_walk_result res;
	int r;

	c->dma_checks++;
	if (!mm) {
		sva_check_fail(k, "device %04x %s %#llx for PASID %u, which belongs to no live address space",
			       rid, write ? "writes" : "reads", (unsigned long long)va, pasid);
		return;
	}
	if (mm->check_released) {
		sva_check_fail(k, "device %04x %s %#llx for PASID %u after its mm was released",
			       rid, write ? "writes" : "reads", (unsigned long long)va, pasid);
		return;
	}
	mode.set_ad = false;
	r = sva_walk(k->phys, &mode, &(struct sva_walk_req){
		.root = mm->pgd, .va = va, .access = write ? SVA_ACC_WRITE : SVA_ACC_READ, .user = !priv,
	}, &res);
	if (r == SVA_WALK_OK && res.pa == pa &&
	    (len <= res.page_size - (va & (res.page_size - 1))))
		return;
	/*
	 * Only an invalidation still in progress excuses it, and only if what
	 * the old translation reaches still exists: a RAM frame not yet freed,
	 * or MMIO (a portal page), which is never freed or handed to anyone.
	 */
	if (in_progress(c, mm, va) &&
	    ((sva_frame_managed(&k->frames, pa) && sva_frame_refs(&k->frames, pa & ~0xfffull) > 0) ||
	     !sva_phys_is_ram(k->phys, pa, len)))
		return;
	sva_check_fail(k, "device %04x %s %llu bytes at %#llx (PASID %u) through pa %#llx, but the "
		       "page tables say %s", rid, write ? "writes" : "reads", (unsigned long long)len,
		       (unsigned long long)va, pasid, (unsigned long long)pa,
		       r == SVA_WALK_OK ? "another frame" : r == SVA_WALK_PF ? "no such access" : "error");
}

/* ---- frames and PASIDs ----------------------------------------------------------------- */

static void chk_frame_free(void *ctx, uint64_t pa)
{
	struct sva_kernel *k = ctx;

	k->check.frame_checks++;
	if (k->iommu && sva_iommu_caches_frame(k->iommu->hw, pa))
		sva_check_fail(k, "frame %#llx freed while the IOTLB still translates to it",
			       (unsigned long long)pa);
	for (struct sva_idxd *d = k->idxds; d; d = d->next)
		if (sva_dsa_caches_frame(d->dsa, pa))
			sva_check_fail(k, "frame %#llx freed while %s's ATC still translates to it",
				       (unsigned long long)pa, sva_dsa_name(d->dsa));
}

void sva_check_pasid_allocated(struct sva_kernel *k, uint32_t pasid)
{
	if (!k->check.on)
		return;
	k->check.pasid_checks++;
	if (k->iommu && sva_iommu_holds_pasid(k->iommu->hw, pasid))
		sva_check_fail(k, "PASID %u handed out again while the IOMMU still carries it", pasid);
	for (struct sva_idxd *d = k->idxds; d; d = d->next)
		if (sva_dsa_holds_pasid(d->dsa, pasid))
			sva_check_fail(k, "PASID %u handed out again while %s still carries it", pasid,
				       sva_dsa_name(d->dsa));
	for (struct sva_mm *mm = k->mms; mm; mm = mm->next)
		if (mm->pasid == pasid && sva_pasid_owner(&k->pasids, pasid) != mm)
			sva_check_fail(k, "PASID %u held by two address spaces", pasid);
}

void sva_check_quiescent(struct sva_kernel *k)
{
	if (!k->check.on)
		return;
	for (struct sva_idxd *d = k->idxds; d; d = d->next) {
		uint64_t acc, fin, busy;

		sva_dsa_accounting(d->dsa, &acc, &fin, &busy);
		if (busy || acc != fin)
			sva_check_fail(k, "%s accepted %llu descriptors but finished %llu (%llu still in flight)",
				       sva_dsa_name(d->dsa), (unsigned long long)acc, (unsigned long long)fin,
				       (unsigned long long)busy);
	}
	for (struct sva_mm *mm = k->mms; mm; mm = mm->next)
		if (mm->pasid != SVA_PASID_INVALID && !mm->exited &&
		    sva_pasid_owner(&k->pasids, mm->pasid) != mm)
			sva_check_fail(k, "mm %llu believes it owns PASID %u but does not",
				       (unsigned long long)mm->id, mm->pasid);
}

void sva_check_fini(struct sva_kernel *k)
{
	free(k->check.pending);
	k->check.pending = NULL;
	k->check.npending = k->check.cap_pending = 0;
}

void sva_check_init(struct sva_kernel *k, bool on)
{
	struct sva_checker *c = &k->check;

	memset(c, 0, sizeof(*c));
	c->on = on;
	c->fatal = true;
	if (!on)
		return;
	c->obs = (struct sva_dma_observer){ .dma = chk_dma, .ctx = k };
	k->frames.on_free = chk_frame_free;
	k->frames.on_free_ctx = k;
}
