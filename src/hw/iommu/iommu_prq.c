// SPDX-License-Identifier: MIT
/*
 * Page requests: the IOMMU writes each PRI Page Request as a 32-byte
 * descriptor at PQT of the ring at PQA and raises the page request event;
 * software consumes from PQH and answers with page group responses through
 * the invalidation queue (iommu_qi.c).
 *
 * A full ring (one slot always stays empty) sets PRS.PRO; while PRO is set
 * every request is dropped.  What the unit answers for a dropped request
 * that ends its group is configurable (docs/iommu.md says why): by default
 * it answers Success, so the device asks for the translation again and, if
 * still not present, repeats the request once software has drained the
 * ring.
 */
#include <errno.h>

#include <sva/trace.h>

#include "iommu_internal.h"

static uint64_t prq_size(const struct sva_iommu *iommu)
{
	return 4096ull << (iommu->pqa & 7);
}

static void auto_respond(struct sva_iommu *iommu, struct sva_pcidev *dev, uint32_t pasid,
			 uint16_t prgi, bool last)
{
	enum sva_prg_resp code;

	if (!last || iommu->cfg.prq_overflow == SVA_PRQ_OVF_DROP)
		return;
	code = iommu->cfg.prq_overflow == SVA_PRQ_OVF_AUTO_INVALID ? SVA_PRG_INVALID : SVA_PRG_SUCCESS;
	if (dev->ops && dev->ops->page_response)
		dev->ops->page_response(dev, pasid, prgi, code);
}

int sva_iommu_page_request(struct sva_pcidev *dev, uint32_t pasid, bool priv,
			   uint64_t va, bool read, bool write, bool exec,
			   uint16_t prgi, bool last)
{
	struct sva_iommu *iommu = dev->iommu;
	uint64_t size, qw[4];
	bool raise;

	assert(iommu);
	if (!dev->pri_enabled || dev->pri_stopped)
		return -EPERM;
	iommu->st.page_requests++;
	sva_counter_inc(iommu->c_page_requests);
	size = prq_size(iommu);
	if (!iommu->pqa || (iommu->prs & SVA_PRS_PRO) ||
	    (iommu->pqt + PRQ_DESC_SIZE) % size == iommu->pqh ||
	    (iommu->cfg.prq_limit &&
	     ((iommu->pqt + size - iommu->pqh) % size) / PRQ_DESC_SIZE >= iommu->cfg.prq_limit)) {
		raise = !(iommu->prs & (SVA_PRS_PPR | SVA_PRS_PRO));
		iommu->prs |= SVA_PRS_PRO;
		iommu->st.prq_overflows++;
		sva_counter_inc(iommu->c_prq_overflows);
		if (sva_trace_enabled(iommu->sim))
			sva_trace_instant(iommu->sim, iommu->track, "iommu", "PRQ overflow",
					  (struct sva_trace_arg[]){ SVA_TARG_U("pasid", pasid),
								    SVA_TARG_X("addr", va) }, 2);
		if (raise && !(iommu->pectl & (1u << 31)) && iommu->cfg.irq && iommu->cfg.irq->prq)
			iommu->cfg.irq->prq(iommu, iommu->cfg.irq_ctx);
		auto_respond(iommu, dev, pasid, prgi, last);
		return -ENOSPC;
	}
	/* The unit drops what it cached for the page before software sees the request. */
	iommu_iotlb_inv(iommu, 4, 0, pasid, va & ~0xfffull, 4096);
	qw[0] = 0x1 /* page request */ | PRQ0_PASID_PRESENT | ((uint64_t)dev->rid << 16) |
		((uint64_t)(pasid & 0xfffff) << 32) | (exec ? PRQ0_EXE : 0) | (priv ? PRQ0_PM : 0);
	qw[1] = (read ? PRQ1_RD : 0) | (write ? PRQ1_WR : 0) | (last ? PRQ1_LPIG : 0) |
		((uint64_t)(prgi & 0x1ff) << 3) | (va & ~0xfffull);
	qw[2] = qw[3] = 0;
	if (sva_phys_write(iommu->phys, (iommu->pqa & ~0xfffull) + iommu->pqt, qw, sizeof(qw)) != 0)
		return -EIO;
	iommu->pqt = (iommu->pqt + PRQ_DESC_SIZE) % size;
	iommu->prs |= SVA_PRS_PPR;
	if (sva_trace_enabled(iommu->sim))
		sva_trace_instant(iommu->sim, iommu->track, "iommu", "page request",
				  (struct sva_trace_arg[]){ SVA_TARG_S("dev", dev->name), SVA_TARG_U("pasid", pasid),
							    SVA_TARG_X("addr", va), SVA_TARG_U("write", write),
							    SVA_TARG_U("prgi", prgi) }, 5);
	if (!(iommu->pectl & (1u << 31)) && iommu->cfg.irq && iommu->cfg.irq->prq)
		iommu->cfg.irq->prq(iommu, iommu->cfg.irq_ctx);
	return 0;
}
