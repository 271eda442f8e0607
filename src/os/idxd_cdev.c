// SPDX-License-Identifier: MIT
/*
 * /dev/dsa/wqD.Q: the user interface of a WQ (Linux idxd cdev.c).
 *
 * open   - the WQ must be enabled and of user type; the device is bound to
 *          the caller's mm, which gets its PASID here if it has none; a
 *          dedicated WQ admits one process at a time and gets that PASID
 *          in its WQCFG.
 * mmap   - one page: the WQ's limited portal, not inherited by fork.
 *          The mapping holds the file (vm_file).
 * write  - submit descriptors from a user buffer (newer kernels): the
 *          kernel stamps the PASID, clears PRIV and enqueues.
 * release - when the last descriptor is closed and the last portal
 *          mapping gone (close, munmap or exit, whichever is last): drain
 *          the PASID's work on the device, then unbind.  The PASID stays
 *          with the mm.
 *
 * There is no exit hook of the driver's own, as in Linux: at exit the
 * IOMMU's release tears the PASID entry down first (in-flight work then
 * faults), and the file release drains afterwards.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <linux/idxd.h>

#include <sva/cpu.h>
#include <sva/machine.h>
#include <sva/timing.h>
#include <sva/trace.h>

#include "os/idxd.h"
#include "os/iommu_drv.h"
#include "os/kernel.h"
#include "os/mm.h"

static struct sva_idxd_ctx *ctx_of(struct sva_file *f)
{
	return (struct sva_idxd_ctx *)f;
}

int sva_idxd_wq_set_pasid(struct sva_idxd_wq *wq, uint32_t pasid, bool enable)
{
	struct sva_idxd *idxd = wq->idxd;
	uint64_t off = SVA_DSA_WQCFG_OFF + 32ull * (unsigned)wq->id + 8;
	uint32_t w2;
	int r;

	/* WQCFG is writable only while the WQ is disabled (idxd_wq_set_pasid). */
	r = sva_idxd_cmd(idxd, SVA_DSA_CMD_DISABLE_WQ, (uint32_t)wq->id);
	if (r)
		return -EIO;
	sva_phys_read(idxd->k->phys, idxd->bar0 + off, &w2, 4);
	w2 = (w2 & ~(0xfffffu << 8) & ~(1u << 28)) | (enable ? (pasid & 0xfffff) << 8 | 1u << 28 : 0);
	sva_phys_write(idxd->k->phys, idxd->bar0 + off, &w2, 4);
	r = sva_idxd_cmd(idxd, SVA_DSA_CMD_ENABLE_WQ, (uint32_t)wq->id);
	return r ? -EIO : 0;
}

static int wq_mmap(struct sva_file *f, struct sva_proc *p, uint64_t *addr, uint64_t len,
		   unsigned prot, unsigned flags, uint64_t pgoff)
{
	struct sva_idxd_ctx *ctx = ctx_of(f);

	/* The file is bound to its opener's address space: a fork child inheriting it may not use it. */
	if (p->mm != ctx->mm)
		return -EPERM;
	if (len > 4096 || pgoff != 0)
		return -EINVAL;
	if (!(flags & SVA_MAP_SHARED))
		return -EINVAL;
	return sva_mm_mmap_file(p->mm, f, addr, 4096, prot, SVA_MAP_SHARED | (flags & SVA_MAP_FIXED),
				SVA_VM_IO | SVA_VM_DONTCOPY, ctx->wq->portal, ctx->wq->name);
}

/* Submission by write(2): the kernel copies each 64-byte descriptor and enqueues it. */
static int64_t wq_write(struct sva_file *f, struct sva_thread *t, uint64_t va, uint64_t len)
{
	struct sva_idxd_ctx *ctx = ctx_of(f);
	struct sva_idxd *idxd = ctx->wq->idxd;
	const struct sva_timing *tm = sva_machine_timing(idxd->k->machine);
	uint64_t done = 0;

	if (t->proc->mm != ctx->mm)
		return -EPERM;	/* the PASID is the opener's, not this process's */
	/* As in Linux: whole descriptors only; a trailing partial one is ignored. */
	len -= len % 64;
	while (done < len) {
		uint8_t d[64];
		uint32_t dw0;
		int r = 0;

		/* copy_from_user: a bad buffer is -EFAULT, not a signal */
		if (sva_cpu_load(t->lcpu->cpu, va + done, d, 64) != 0)
			return done ? (int64_t)done : -EFAULT;
		/*
		 * As Linux does: a record address off its 32-byte alignment
		 * confuses the device, so the kernel refuses it before it goes.
		 */
		if (d[offsetof(struct dsa_hw_desc, completion_addr)] & 0x1f)
			return done ? (int64_t)done : -EINVAL;
		dw0 = ctx->pasid & 0xfffff;	/* user's PASID, user privilege */
		memcpy(d, &dw0, 4);
		sva_machine_charge(idxd->k->machine, tm->enqcmd_rtt);
		if (ctx->wq->dedicated)
			r = sva_phys_movdir64b(idxd->k->phys, ctx->wq->portal, d);
		else
			for (int tries = 0; tries < 32; tries++) {	/* IDXD_ENQCMDS_RETRIES */
				r = sva_phys_enqueue(idxd->k->phys, ctx->wq->portal, d);
				if (!sva_enq_zf(r))
					break;
			}
		if (sva_enq_zf(r))
			return done ? (int64_t)done : -EAGAIN;
		if (r < 0)
			return r;
		sva_counter_inc(idxd->c_write_submits);
		done += 64;
	}
	return (int64_t)done;
}

static void wq_release(struct sva_file *f)
{
	struct sva_idxd_ctx *ctx = ctx_of(f);
	struct sva_idxd_wq *wq = ctx->wq;
	struct sva_idxd *idxd = wq->idxd;

	/*
	 * Nothing of this PASID may be left on the device once it is unbound:
	 * wait for its descriptors first (idxd_file_dev_release).  A shared
	 * WQ drains the PASID; a dedicated one is disabled to clear its PASID,
	 * and Disable WQ drains it.  (The model has no event log to drain.)
	 */
	sva_counter_inc(idxd->c_drains);
	sva_journal(idxd->k->sim, "idxd", "pid %d's %s released: %s PASID %u, then unbind", ctx->pid,
		    wq->name, wq->dedicated ? "Disable WQ drains" : "drain", ctx->pasid);
	if (!wq->dedicated) {
		(void)sva_idxd_cmd(idxd, SVA_DSA_CMD_DRAIN_PASID, ctx->pasid);
	} else if (wq->owner == ctx->proc) {
		(void)sva_idxd_wq_set_pasid(wq, 0, false);
		wq->owner = NULL;
	} else {
		(void)sva_idxd_cmd(idxd, SVA_DSA_CMD_DRAIN_WQ, (uint32_t)wq->id);
	}
	if (sva_trace_enabled(idxd->k->sim))
		sva_trace_instant(idxd->k->sim, idxd->k->trace_track, "idxd", "close: PASID drained",
				  (struct sva_trace_arg[]){ SVA_TARG_S("wq", wq->name),
							    SVA_TARG_U("pasid", ctx->pasid) }, 2);
	wq->opens--;
	iommu_sva_unbind_device(ctx->bond);
	sva_mmdrop(ctx->mm);
	free(ctx);
}

static const struct sva_file_ops wq_fops = {
	.mmap = wq_mmap, .write = wq_write, .release = wq_release,
};

static int wq_open(struct sva_chardev *cdev, struct sva_proc *p, struct sva_file **out)
{
	struct sva_idxd_wq *wq = cdev->private_data;
	struct sva_idxd *idxd = wq->idxd;
	struct sva_idxd_ctx *ctx;
	int r;

	if (!wq->enabled || !wq->user)
		return -ENXIO;
	if (wq->dedicated && wq->owner)
		return -EBUSY;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	/* Claimed before the bind sleeps: a second opener meanwhile must find it taken. */
	if (wq->dedicated)
		wq->owner = p;
	r = iommu_sva_bind_device(idxd->k->iommu, sva_dsa_pcidev(idxd->dsa), p->mm, &ctx->bond);
	if (r) {
		if (wq->dedicated)
			wq->owner = NULL;
		free(ctx);
		return r;
	}
	ctx->pasid = iommu_sva_get_pasid(ctx->bond);
	ctx->wq = wq;
	ctx->proc = p;
	ctx->mm = p->mm;
	ctx->pid = p->pid;
	ctx->file = (struct sva_file){ .ops = &wq_fops, .private_data = ctx, .refs = 1 };
	snprintf(ctx->file.name, sizeof(ctx->file.name), "%s", wq->name);
	if (wq->dedicated) {
		r = sva_idxd_wq_set_pasid(wq, ctx->pasid, true);
		if (r) {
			wq->owner = NULL;
			iommu_sva_unbind_device(ctx->bond);
			free(ctx);
			return r;
		}
		wq->owner_pasid = ctx->pasid;
	}
	sva_mmgrab(ctx->mm);
	wq->opens++;
	sva_counter_inc(idxd->c_opens);
	sva_journal(idxd->k->sim, "idxd", "pid %d opens /dev/dsa/%s: bound, PASID %u", p->pid, wq->name,
		    ctx->pasid);
	if (sva_trace_enabled(idxd->k->sim))
		sva_trace_instant(idxd->k->sim, idxd->k->trace_track, "idxd", "open: bound",
				  (struct sva_trace_arg[]){ SVA_TARG_S("wq", wq->name),
							    SVA_TARG_U("pid", (uint64_t)p->pid),
							    SVA_TARG_U("pasid", ctx->pasid) }, 3);
	*out = &ctx->file;
	return 0;
}

int sva_idxd_cdev_add(struct sva_idxd *idxd, struct sva_idxd_wq *wq)
{
	snprintf(wq->cdev.path, sizeof(wq->cdev.path), "/dev/dsa/%s", wq->name);
	wq->cdev.open = wq_open;
	wq->cdev.private_data = wq;
	return sva_chardev_register(idxd->k, &wq->cdev);
}
