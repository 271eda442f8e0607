// SPDX-License-Identifier: MIT
/*
 * IOMMU driver: builds the scalable-mode tables in RAM, programs the unit's
 * registers, and submits queued invalidations the way intel-iommu's
 * qi_submit_sync() does - descriptors, then a wait descriptor with a status
 * write, then poll the status until the unit has written it.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sva/machine.h>
#include <sva/paging.h>
#include <sva/timing.h>
#include <sva/trace.h>

#include "hw/iommu/iommu_internal.h"
#include "os/iommu_drv.h"
#include "os/kernel.h"

/* ---- registers --------------------------------------------------------------- */

uint64_t sva_iommu_reg_read(struct sva_iommu_drv *drv, unsigned off)
{
	uint64_t v = 0;
	int r;

	sva_machine_charge(drv->m, sva_machine_timing(drv->m)->mmio_read);
	r = sva_phys_read_u64(drv->k->phys, drv->regs + off, &v);
	assert(r == 0);
	(void)r;
	return v;
}

void sva_iommu_reg_write(struct sva_iommu_drv *drv, unsigned off, uint64_t val)
{
	int r;

	sva_machine_charge(drv->m, sva_machine_timing(drv->m)->mmio_write);
	r = sva_phys_write_u64(drv->k->phys, drv->regs + off, val);
	assert(r == 0);
	(void)r;
}

/* 32-bit registers sit in the upper half of their aligned qword. */
static uint32_t reg_read32(struct sva_iommu_drv *drv, unsigned off)
{
	uint64_t v = sva_iommu_reg_read(drv, off & ~7u);

	return (uint32_t)((off & 4) ? v >> 32 : v);
}

static void reg_write32(struct sva_iommu_drv *drv, unsigned off, uint32_t val)
{
	int r;

	sva_machine_charge(drv->m, sva_machine_timing(drv->m)->mmio_write);
	r = sva_phys_write(drv->k->phys, drv->regs + off, &val, 4);
	assert(r == 0);
	(void)r;
}

static int frame(struct sva_iommu_drv *drv, uint64_t *pa)
{
	return sva_frame_alloc(&drv->k->frames, pa);
}

static void wr64(struct sva_iommu_drv *drv, uint64_t pa, uint64_t v)
{
	int r = sva_phys_write_u64(drv->k->phys, pa, v);

	assert(r == 0);
	(void)r;
}

/* ---- queued invalidation ----------------------------------------------------------- */

int sva_qi_submit_sync(struct sva_iommu_drv *drv, const uint64_t (*descs)[4], unsigned n, bool drain_prq)
{
	struct sva_sim *sim = drv->k->sim;
	sva_time_t t0 = sva_now(sim);
	uint64_t wait[4], tail;
	uint32_t seq, status = 0;
	int ret = 0;

	bool in_task = sva_current(sim) != NULL;

	/* At power-off nothing will translate again: there is nothing to flush for. */
	if (!in_task && drv->k->shutting_down)
		return 0;
	sva_mutex_lock(sim, &drv->qi_lock);
	assert(n + 1 < drv->qi_size / QI_DESC_SIZE);
	seq = ++drv->qi_seq;
	tail = drv->qi_tail;
	for (unsigned i = 0; i < n; i++) {
		sva_phys_write(drv->k->phys, drv->qi_base + tail, descs[i], QI_DESC_SIZE);
		tail = (tail + QI_DESC_SIZE) % drv->qi_size;
	}
	wait[0] = QI_IWD | QI_IWD_SW | QI_IWD_FN | (drain_prq ? QI_IWD_PD : 0) | ((uint64_t)seq << 32);
	wait[1] = drv->qi_status;
	wait[2] = wait[3] = 0;
	sva_phys_write(drv->k->phys, drv->qi_base + tail, wait, QI_DESC_SIZE);
	tail = (tail + QI_DESC_SIZE) % drv->qi_size;
	drv->qi_tail = tail;
	sva_iommu_reg_write(drv, SVA_DMAR_IQT, tail);
	sva_counter_inc(drv->st.qi_submits);

	for (;;) {
		uint32_t fsts;

		sva_phys_read(drv->k->phys, drv->qi_status, &status, 4);
		if (status == seq)
			break;
		fsts = reg_read32(drv, SVA_DMAR_FSTS);
		if (fsts & SVA_FSTS_IQE) {
			/*
			 * A bad descriptor: like Linux, overwrite it with our wait
			 * descriptor so the queue can move on, clear IQE, fail.
			 */
			uint64_t head = sva_iommu_reg_read(drv, SVA_DMAR_IQH);

			sva_phys_write(drv->k->phys, drv->qi_base + head, wait, QI_DESC_SIZE);
			reg_write32(drv, SVA_DMAR_FSTS, SVA_FSTS_IQE);
			ret = -EINVAL;
			/* Our wait now sits at head too; let it complete. */
			continue;
		}
		if (fsts & SVA_FSTS_ITE) {
			/* A device did not answer: the wait was aborted; the queue moved past it. */
			reg_write32(drv, SVA_DMAR_FSTS, SVA_FSTS_ITE);
			ret = -ETIMEDOUT;
			break;
		}
		if (in_task) {
			sva_sleep(sim, drv->qi_poll);
		} else if (sva_sim_run_until(sim, sva_now(sim) + drv->qi_poll) == -EBUSY) {
			/* Called from inside the run loop but not from a task: a bug. */
			ret = -EDEADLK;
			break;
		}
	}
	sva_mutex_unlock(sim, &drv->qi_lock);
	sva_hist_record(drv->st.qi_latency, sva_now(sim) - t0);
	return ret;
}

/* ---- tables --------------------------------------------------------------------------- */

struct sva_iommu_devinfo *sva_iommu_devinfo(struct sva_iommu_drv *drv, struct sva_pcidev *dev)
{
	for (struct sva_iommu_devinfo *i = drv->devs; i; i = i->next)
		if (i->dev == dev)
			return i;
	return NULL;
}

static void devinfo_free(struct sva_iommu_drv *drv, struct sva_iommu_devinfo *info)
{
	if (info->pasid_tables)
		for (unsigned i = 0; i < info->dir_entries; i++)
			if (info->pasid_tables[i])
				sva_frame_put(&drv->k->frames, info->pasid_tables[i]);
	if (info->pasid_dir)
		for (unsigned i = 0; i < info->dir_frames; i++)
			sva_frame_put(&drv->k->frames, info->pasid_dir + (uint64_t)i * SVA_FRAME_SIZE);
	free(info->pasid_tables);
	free(info);
}

int sva_iommu_probe_device(struct sva_iommu_drv *drv, struct sva_pcidev *dev)
{
	unsigned bus = dev->rid >> 8, devfn = dev->rid & 0xff, width, pdts;
	struct sva_iommu_devinfo *info;
	uint64_t ce;
	int r;

	width = dev->max_pasid_width ? dev->max_pasid_width : SVA_PASID_BITS;
	if (devfn >= 128 || width > SVA_PASID_BITS)
		return -EINVAL;	/* only the lower context tables are built */
	info = calloc(1, sizeof(*info));
	if (!info)
		return -ENOMEM;
	info->max_pasids = 1u << width;
	/*
	 * The directory covers every PASID the device carries, 2^6 per PASID
	 * table, with at least 2^7 entries: PDTS = width - 13, and 0 below.
	 */
	pdts = width > 13 ? width - 13 : 0;
	info->dir_entries = 1u << (pdts + 7);
	info->dir_frames = (info->dir_entries * 8 + SVA_FRAME_SIZE - 1) / SVA_FRAME_SIZE;
	info->pasid_tables = calloc(info->dir_entries, sizeof(*info->pasid_tables));
	if (!info->pasid_tables) {
		free(info);
		return -ENOMEM;
	}
	r = sva_iommu_attach(drv->hw, dev);
	if (r)
		goto fail;
	r = sva_frame_alloc_contig(&drv->k->frames, info->dir_frames, &info->pasid_dir);
	if (r)
		goto fail_detach;
	if (!drv->ctx[bus]) {
		r = frame(drv, &drv->ctx[bus]);
		if (r)
			goto fail_detach;
		wr64(drv, drv->root + bus * 16, drv->ctx[bus] | RE_LP);
	}
	info->dev = dev;
	/* PDTS: the directory has 2^(PDTS+7) entries. */
	ce = info->pasid_dir | SMCE_P | SMCE_PASIDE | SMCE_DTE | SMCE_PRE | ((uint64_t)pdts << SMCE_PDTS_SHIFT);
	wr64(drv, drv->ctx[bus] + devfn * 32 + 8, 0);
	wr64(drv, drv->ctx[bus] + devfn * 32, ce);
	/* The capabilities Linux enables for SVA: PASID, then PRI and ATS. */
	dev->pasid_enabled = true;
	dev->ats_enabled = true;
	dev->pri_enabled = true;
	dev->pri_stopped = false;
	info->next = drv->devs;
	drv->devs = info;
	/* A context entry went from not present to present: flush the context cache. */
	return sva_qi_submit_sync(drv, (const uint64_t[][4]){ { QI_CC | (3ull << 4) } }, 1, false);

fail_detach:
	sva_iommu_detach(drv->hw, dev);
fail:
	devinfo_free(drv, info);
	return r;
}

void sva_iommu_release_device(struct sva_iommu_drv *drv, struct sva_pcidev *dev)
{
	for (struct sva_iommu_devinfo **p = &drv->devs; *p; p = &(*p)->next) {
		struct sva_iommu_devinfo *info = *p;

		if (info->dev != dev)
			continue;
		/*
		 * A bond still here was left by a task frozen inside a bind or
		 * an unbind at power-off: it goes with its device.
		 */
		for (struct sva_bond *b = drv->bonds, *n; b; b = n) {
			n = b->next;
			if (b->info == info) {
				b->users = 1;
				iommu_sva_unbind_device(b);
			}
		}
		wr64(drv, drv->ctx[dev->rid >> 8] + (dev->rid & 0xff) * 32, 0);
		*p = info->next;
		dev->pasid_enabled = dev->ats_enabled = dev->pri_enabled = false;
		sva_iommu_detach(drv->hw, dev);
		devinfo_free(drv, info);
		return;
	}
}

static int pasid_entry_pa(struct sva_iommu_drv *drv, struct sva_iommu_devinfo *info,
			  uint32_t pasid, bool alloc, uint64_t *pa)
{
	unsigned di = pasid >> 6;
	int r;

	if (pasid >= info->max_pasids)
		return -EOVERFLOW;
	assert(di < info->dir_entries);
	if (!info->pasid_tables[di]) {
		if (!alloc)
			return -ENOENT;
		r = frame(drv, &info->pasid_tables[di]);
		if (r)
			return r;
		wr64(drv, info->pasid_dir + di * 8, info->pasid_tables[di] | PDE_P);
	}
	*pa = info->pasid_tables[di] + (pasid & 63) * 64;
	return 0;
}

int sva_pasid_entry_setup(struct sva_iommu_drv *drv, struct sva_iommu_devinfo *info,
			  uint32_t pasid, uint64_t pgd, uint16_t did, bool supervisor)
{
	uint64_t pa, qw0;
	int r = pasid_entry_pa(drv, info, pasid, true, &pa);

	if (r)
		return r;
	if (sva_phys_read_u64(drv->k->phys, pa, &qw0) == 0 && (qw0 & PTE0_P))
		return -EBUSY;
	/* Everything else first, Present last: the unit may fetch the entry any time. */
	wr64(drv, pa + 8, did);
	wr64(drv, pa + 16, (pgd & PTE2_FLPTR) | (supervisor ? PTE2_SRE : 0) | PTE2_WPE);
	for (unsigned i = 3; i < 8; i++)
		wr64(drv, pa + 8 * i, 0);
	wr64(drv, pa, PTE0_P | ((uint64_t)PGTT_FL << PTE0_PGTT_SHIFT));
	/* Not-present to present: only the PASID cache can hold a stale "not present". */
	return sva_qi_submit_sync(drv, (const uint64_t[][4]){
		{ QI_PC | (1ull << 4) | ((uint64_t)did << 16) | ((uint64_t)pasid << 32) } }, 1, false);
}

/* Encode [start, end) as the smallest naturally aligned power-of-two block holding it. */
static void cover(uint64_t start, uint64_t end, uint64_t *base, unsigned *order)
{
	unsigned o = 12;

	while (o < 63 && ((start >> o) != ((end - 1) >> o)))
		o++;
	*order = o;
	*base = start & ~((1ull << o) - 1);
}

static void flush_descs(uint64_t d[2][4], uint16_t sid, uint32_t pasid, uint16_t did,
			uint64_t start, uint64_t end)
{
	uint64_t base;
	unsigned order;

	memset(d, 0, 2 * sizeof(d[0]));
	cover(start, end, &base, &order);
	if (order > 30) {
		/* Too wide for a page-selective flush: drop the whole PASID. */
		d[0][0] = QI_PIOTLB | (2ull << 4) | ((uint64_t)did << 16) | ((uint64_t)pasid << 32);
		d[1][0] = QI_DEV_PIOTLB | ((uint64_t)sid << 16) | ((uint64_t)pasid << 32);
		d[1][1] = QI_DEV_S | 0x7ffffffffffff000ull;	/* every address */
		return;
	}
	d[0][0] = QI_PIOTLB | (3ull << 4) | ((uint64_t)did << 16) | ((uint64_t)pasid << 32);
	d[0][1] = base | (order - 12);			/* AM = log2(pages) */
	d[1][0] = QI_DEV_PIOTLB | ((uint64_t)sid << 16) | ((uint64_t)pasid << 32);
	if (order == 12)
		d[1][1] = base;
	else	/* S = 1: ones in address bits 12 .. order-2 give the size */
		d[1][1] = base | QI_DEV_S | (((1ull << (order - 13)) - 1) << 12);
}

int sva_iommu_flush_range(struct sva_iommu_drv *drv, struct sva_iommu_devinfo *info,
			  uint32_t pasid, uint16_t did, uint64_t start, uint64_t end)
{
	uint64_t d[2][4];

	flush_descs(d, info->dev->rid, pasid, did, start, end);
	return sva_qi_submit_sync(drv, (const uint64_t (*)[4])d, 2, false);
}

void sva_pasid_entry_teardown(struct sva_iommu_drv *drv, struct sva_iommu_devinfo *info,
			      uint32_t pasid, uint16_t did, bool drain)
{
	uint64_t pa, qw0 = 0, d[3][4], f[2][4];
	bool present = pasid_entry_pa(drv, info, pasid, false, &pa) == 0 &&
		       sva_phys_read_u64(drv->k->phys, pa, &qw0) == 0 && (qw0 & PTE0_P);

	/* Present off first, then the caches, then the rest of the entry (Linux order). */
	if (present) {
		sva_counter_inc(drv->st.teardowns);
		wr64(drv, pa, qw0 & ~PTE0_P);
	}
	/*
	 * Flush even when the entry was already off: another teardown of the
	 * same PASID may still be waiting for its flush, and our caller frees
	 * frames as soon as we return.  The queue is FIFO and our wait follows
	 * every earlier descriptor, so returning means everything is flushed.
	 */
	memset(d, 0, sizeof(d));
	d[0][0] = QI_PC | (1ull << 4) | ((uint64_t)did << 16) | ((uint64_t)pasid << 32);
	flush_descs(f, info->dev->rid, pasid, did, 0, 1ull << 62);
	memcpy(d[1], f, sizeof(f));
	/* An ITE here shows in the stats; the entry is gone either way. */
	(void)sva_qi_submit_sync(drv, (const uint64_t (*)[4])d, 3, false);
	if (present)
		for (unsigned i = 0; i < 8; i++)
			wr64(drv, pa + 8 * i, 0);
	if (drain) {
		/* No page request of this PASID may outlive it (intel_iommu_drain_pasid_prq). */
		sva_iopf_drain(drv, info->dev->rid, pasid);
		flush_descs(f, info->dev->rid, pasid, did, 0, 1ull << 62);
		(void)sva_qi_submit_sync(drv, (const uint64_t (*)[4])f, 2, true);
	}
}

/* ---- bring-up ------------------------------------------------------------------------ */

static const struct sva_iommu_irq_ops drv_irq = { .prq = sva_iopf_prq_irq };

int sva_iommu_drv_init(struct sva_kernel *k, struct sva_machine *m,
		       const struct sva_iommu_config *hwcfg, struct sva_iommu_drv **out)
{
	struct sva_iommu_config cfg = hwcfg ? *hwcfg : (struct sva_iommu_config){ 0 };
	struct sva_iommu_drv *drv = calloc(1, sizeof(*drv));
	struct sva_sim *sim = k->sim;
	int r;

	if (!drv)
		return -ENOMEM;
	drv->k = k;
	drv->m = m;
	drv->next_did = 1;
	drv->qi_poll = 100;		/* guess: a short cpu_relax() loop */
	sva_mutex_init(&drv->qi_lock);
	sva_mutex_init(&drv->sva_lock);
	sva_mutex_init(&drv->bonds_lock);
	sva_waitq_init(&drv->domain_idle_wq);
	sva_waitq_init(&drv->prq_wq);
	sva_waitq_init(&drv->prq_done_wq);
	drv->st = (struct sva_iommu_drv_stats){
		.binds = sva_stat_counter(sim, "sva.binds"),
		.unbinds = sva_stat_counter(sim, "sva.unbinds"),
		.iopf_groups = sva_stat_counter(sim, "iopf.groups"),
		.resp_success = sva_stat_counter(sim, "iopf.response_success"),
		.resp_invalid = sva_stat_counter(sim, "iopf.response_invalid"),
		.resp_failure = sva_stat_counter(sim, "iopf.response_failure"),
		.inv_ranges = sva_stat_counter(sim, "sva.invalidate_ranges"),
		.qi_submits = sva_stat_counter(sim, "sva.qi_submits"),
		.teardowns = sva_stat_counter(sim, "sva.pasid_teardowns"),
		.qi_latency = sva_stat_hist(sim, "sva.invalidation_wait", "ns"),
		.iopf_latency = sva_stat_hist(sim, "iopf.handling", "ns"),
	};
	drv->track = sva_trace_track(sim, "kernel", "iommu-sva");
	cfg.irq = &drv_irq;
	cfg.irq_ctx = drv;
	r = sva_machine_mmio_alloc(m, SVA_DMAR_SIZE, SVA_DMAR_SIZE, &drv->regs);
	if (r)
		goto fail;
	drv->hw = sva_iommu_create(m, drv->regs, &cfg);
	if (!drv->hw) {
		r = -errno;
		goto fail;
	}
	drv->qi_size = 4096;
	drv->prq_size = 4096;
	if ((r = frame(drv, &drv->root)) || (r = frame(drv, &drv->qi_base)) ||
	    (r = frame(drv, &drv->qi_status)) || (r = frame(drv, &drv->prq_base)))
		goto fail_hw;
	sva_iommu_reg_write(drv, SVA_DMAR_RTADDR, drv->root | SVA_RTADDR_SMT);
	reg_write32(drv, SVA_DMAR_GCMD, SVA_GCMD_SRTP);
	sva_iommu_reg_write(drv, SVA_DMAR_IQA, drv->qi_base | (1ull << 11) /* 256-bit */ | 0);
	reg_write32(drv, SVA_DMAR_GCMD, SVA_GCMD_QIE);
	sva_iommu_reg_write(drv, SVA_DMAR_PQA, drv->prq_base | 0);
	r = sva_iopf_start(drv);
	if (r)
		goto fail_hw;
	reg_write32(drv, SVA_DMAR_GCMD, SVA_GCMD_QIE | SVA_GCMD_TE);
	*out = drv;
	return 0;

fail_hw:
	sva_iommu_destroy(drv->hw);
fail:
	free(drv);
	return r;
}

void sva_iommu_drv_fini(struct sva_iommu_drv *drv)
{
	if (!drv)
		return;
	sva_iopf_stop(drv);
	while (drv->bonds) {
		struct sva_bond *b = drv->bonds;

		b->users = 1;
		iommu_sva_unbind_device(b);
	}
	while (drv->devs)
		sva_iommu_release_device(drv, drv->devs->dev);
	sva_iommu_destroy(drv->hw);
	for (unsigned b = 0; b < 256; b++)
		if (drv->ctx[b])
			sva_frame_put(&drv->k->frames, drv->ctx[b]);
	sva_frame_put(&drv->k->frames, drv->root);
	sva_frame_put(&drv->k->frames, drv->qi_base);
	sva_frame_put(&drv->k->frames, drv->qi_status);
	sva_frame_put(&drv->k->frames, drv->prq_base);
	free(drv);
}
