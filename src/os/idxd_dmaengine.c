// SPDX-License-Identifier: MIT
/* The in-kernel WQ client (see idxd_dmaengine.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/idxd.h>

#include <sva/cpu.h>
#include <sva/machine.h>
#include <sva/timing.h>
#include <sva/trace.h>

#include "os/idxd.h"
#include "os/idxd_dmaengine.h"
#include "os/iommu_drv.h"
#include "os/kernel.h"
#include "os/mm.h"

static int map_fault_in(struct sva_mm *mm, uint64_t size, unsigned vmflags, uint64_t io_pa, uint64_t *va)
{
	int r;

	*va = 0;
	r = sva_mm_mmap(mm, va, size, SVA_PROT_READ | SVA_PROT_WRITE,
			vmflags ? SVA_MAP_SHARED : SVA_MAP_PRIVATE | SVA_MAP_ANONYMOUS, vmflags, io_pa,
			vmflags ? "[dmaengine portal]" : "[dmaengine]");
	if (r)
		return r;
	/* Kernel memory is not demand-paged: populate it now. */
	for (uint64_t off = 0; off < size && !r; off += 4096)
		r = sva_mm_fault(mm, *va + off, SVA_ACC_WRITE);
	return r;
}

int sva_dmaengine_create(struct sva_idxd *idxd, int wq_id, uint64_t buf_size,
			 struct sva_dmaengine **out)
{
	struct sva_kernel *k = idxd->k;
	struct sva_dmaengine *e;
	struct sva_idxd_wq *wq;
	int r;

	if (wq_id < 0 || wq_id >= 16)
		return -EINVAL;
	wq = &idxd->wqs[wq_id];
	if (!wq->enabled || wq->user || wq->dedicated)
		return -ENXIO;		/* a shared kernel WQ, enabled */
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->idxd = idxd;
	e->wq = wq;
	e->buf_size = (buf_size + 4095) & ~4095ull;
	e->mm = sva_mm_create(k);
	if (!e->mm) {
		free(e);
		return -ENOMEM;
	}
	r = iommu_sva_bind_device_supervisor(k->iommu, sva_dsa_pcidev(idxd->dsa), e->mm, &e->bond);
	if (r)
		goto fail;
	e->pasid = iommu_sva_get_pasid(e->bond);
	if ((r = map_fault_in(e->mm, 4096, SVA_VM_IO, wq->portal, &e->portal)) ||
	    (r = map_fault_in(e->mm, 4096, 0, 0, &e->desc)) ||
	    (r = map_fault_in(e->mm, e->buf_size, 0, 0, &e->buf)))
		goto fail;
	e->cr = e->desc + 2048;
	e->cpu = sva_cpu_create(k->machine, &(struct sva_cpu_config){ .name = "dmaengine" });
	if (!e->cpu) {
		r = -ENOMEM;
		goto fail;
	}
	sva_cpu_set_paging(e->cpu, &k->paging);
	sva_cpu_set_cr3(e->cpu, e->mm->pgd);
	sva_cpu_set_cpl(e->cpu, 0);
	e->c_submits = sva_stat_counter(k->sim, "dmaengine.submits");
	e->c_retries = sva_stat_counter(k->sim, "dmaengine.enqcmds_retries");
	e->c_fallbacks = sva_stat_counter(k->sim, "dmaengine.cpu_fallbacks");
	e->c_done = sva_stat_counter(k->sim, "dmaengine.completed");
	*out = e;
	return 0;
fail:
	sva_dmaengine_destroy(e);
	return r;
}

void sva_dmaengine_destroy(struct sva_dmaengine *e)
{
	if (!e)
		return;
	if (e->cpu)
		sva_cpu_destroy(e->cpu);
	if (e->bond) {
		(void)sva_idxd_cmd(e->idxd, SVA_DSA_CMD_DRAIN_PASID, e->pasid);
		iommu_sva_unbind_device(e->bond);
	}
	sva_mmput(e->mm);
	free(e);
}

void *sva_dmaengine_buf(struct sva_dmaengine *e, uint64_t off, uint64_t n)
{
	uint64_t pa = sva_mm_frame_at(e->mm, e->buf + off);

	/* The buffer was populated page by page: only within one page is it contiguous. */
	if (!pa || (off & 4095) + n > 4096)
		return NULL;
	return sva_phys_ptr(e->idxd->k->phys, pa + (off & 4095), n);
}

static int cpu_copy(struct sva_dmaengine *e, uint64_t dst, uint64_t src, uint32_t n)
{
	uint8_t chunk[512];

	for (uint32_t done = 0; done < n; ) {
		uint32_t c = n - done < sizeof(chunk) ? n - done : (uint32_t)sizeof(chunk);

		if (sva_cpu_load(e->cpu, src + done, chunk, c) || sva_cpu_store(e->cpu, dst + done, chunk, c))
			return -EFAULT;
		done += c;
	}
	return 0;
}

int sva_dmaengine_memcpy(struct sva_dmaengine *e, uint64_t dst_off, uint64_t src_off,
			 uint32_t n, uint8_t *status)
{
	struct sva_kernel *k = e->idxd->k;
	struct dsa_hw_desc d;
	uint8_t st = 0;
	bool zf = true;
	int r;

	if (n == 0 || dst_off + n > e->buf_size || src_off + n > e->buf_size)
		return -EINVAL;
	memset(&d, 0, sizeof(d));
	/* ENQCMDS takes PASID and PRIV from the descriptor: the kernel sets both. */
	d.pasid = e->pasid;
	d.priv = 1;
	d.opcode = DSA_OPCODE_MEMMOVE;
	d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
	d.completion_addr = e->cr;
	d.src_addr = e->buf + src_off;
	d.dst_addr = e->buf + dst_off;
	d.xfer_size = n;
	if (sva_cpu_store(e->cpu, e->desc, &d, sizeof(d)) || sva_cpu_store(e->cpu, e->cr, &st, 1))
		return -EFAULT;
	sva_counter_inc(e->c_submits);
	for (int tries = 0; tries < SVA_DMAENGINE_RETRIES; tries++) {
		r = sva_cpu_enqcmds(e->cpu, e->portal, e->desc, &zf);
		if (r)
			return r > 0 ? -EFAULT : r;
		if (!zf)
			break;
		sva_counter_inc(e->c_retries);
		sva_sleep(k->sim, 100);
	}
	if (zf) {
		/* The device stays busy: do it with the CPU, and say so. */
		sva_counter_inc(e->c_fallbacks);
		sva_journal(k->sim, "dmaengine", "%s refused %d ENQCMDS: copying %u bytes with the CPU",
			    e->wq->name, SVA_DMAENGINE_RETRIES, n);
		r = cpu_copy(e, e->buf + dst_off, e->buf + src_off, n);
		return r ? r : -EBUSY;
	}
	for (;;) {
		if (sva_cpu_load(e->cpu, e->cr, &st, 1))
			return -EFAULT;
		if (st)
			break;
		sva_sleep(k->sim, 200);
	}
	if (status)
		*status = st;
	if ((st & DSA_COMP_STATUS_MASK) != DSA_COMP_SUCCESS)
		return -EIO;
	sva_counter_inc(e->c_done);
	return 0;
}
