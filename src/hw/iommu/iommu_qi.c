// SPDX-License-Identifier: MIT
/*
 * Queued invalidation: the IOMMU fetches 256-bit descriptors from the ring
 * at IQA between IQH and IQT, as a service task of its own (so a device-TLB
 * invalidation can take time, and a wait descriptor can wait for it).
 *
 * A wait descriptor completes only after every earlier descriptor has,
 * including the devices' answers to ATS invalidations; if a device does not
 * answer within the time-out the unit reports ITE, aborts the wait (no
 * status write) and stops fetching until software clears ITE.  An
 * unrecognised descriptor stops the queue with IQE, IQH left on it.
 */
#include <errno.h>
#include <string.h>

#include <sva/timing.h>
#include <sva/trace.h>

#include "iommu_internal.h"

static bool qi_runnable(const struct sva_iommu *iommu)
{
	return (iommu->gsts & SVA_GCMD_QIE) && iommu->iqh != iommu->iqt &&
	       !(iommu->fsts & (SVA_FSTS_IQE | SVA_FSTS_ITE)) && !iommu->stopping;
}

void iommu_qi_kick(struct sva_iommu *iommu)
{
	if (qi_runnable(iommu))
		sva_wake_all(iommu->sim, &iommu->qi_wq);
}

static uint64_t qi_size(const struct sva_iommu *iommu)
{
	return 4096ull << (iommu->iqa & 7);
}

static void raise_fault_irq(struct sva_iommu *iommu)
{
	if (!(iommu->fectl & (1u << 31)) && iommu->cfg.irq && iommu->cfg.irq->fault)
		iommu->cfg.irq->fault(iommu, iommu->cfg.irq_ctx);
}

/*
 * PCIe ATS encoding of a range with S = 1: the number of ones above bit 12
 * gives the size (n ones: 2^(13+n) bytes), the base is the address with
 * those bits cleared.  All ones up to bit 62 means every address.
 */
static void ats_range(uint64_t addr, bool s, uint64_t *base, uint64_t *size)
{
	unsigned ones = 0;

	if (!s) {
		*base = addr & ~0xfffull;
		*size = 4096;
		return;
	}
	while (ones < 51 && (addr >> (12 + ones)) & 1)
		ones++;
	if (ones >= 50) {
		*base = 0;
		*size = UINT64_MAX;
		return;
	}
	*size = 8192ull << ones;
	*base = addr & ~(*size - 1);
}

static int send_devtlb_inv(struct sva_iommu *iommu, uint16_t sid, uint32_t pasid,
			   uint64_t addr, uint64_t size, bool global)
{
	struct sva_pcidev *dev = iommu_find_dev(iommu, sid);
	unsigned itag;

	/* No such function, or no ATC to invalidate: nothing to wait for. */
	if (!dev || !dev->ats_enabled || !dev->ops || !dev->ops->ats_invalidate)
		return 0;
	for (;;) {
		for (itag = 0; itag < MAX_ITAGS; itag++)
			if (!iommu->itags[itag].dev)
				break;
		if (itag < MAX_ITAGS)
			break;
		/* Every ITAG is in flight: wait for one to come back. */
		sva_wait(iommu->sim, &iommu->devtlb_wq);
	}
	iommu->itags[itag] = (struct devtlb_inv){ .dev = dev, .itag = itag };
	iommu->devtlb_pending++;
	iommu->st.devtlb_invs++;
	sva_counter_inc(iommu->c_devtlb_invs);
	if (sva_trace_enabled(iommu->sim))
		sva_trace_instant(iommu->sim, iommu->track, "iommu", "ATS invalidate",
				  (struct sva_trace_arg[]){ SVA_TARG_S("dev", dev->name), SVA_TARG_U("pasid", pasid),
							    SVA_TARG_X("addr", addr), SVA_TARG_U("size", size) }, 4);
	dev->ops->ats_invalidate(dev, itag, pasid, addr, size, global);
	return 0;
}

void sva_iommu_ats_inv_done(struct sva_pcidev *dev, uint32_t itag)
{
	struct sva_iommu *iommu = dev->iommu;

	/* A late answer to an invalidation already timed out is dropped. */
	if (!iommu || itag >= MAX_ITAGS || iommu->itags[itag].dev != dev)
		return;
	iommu->itags[itag].dev = NULL;
	iommu->devtlb_pending--;
	sva_wake_all(iommu->sim, &iommu->devtlb_wq);
}

/* Wait until every ATS invalidation sent so far is answered; false on time-out. */
static bool drain_devtlb(struct sva_iommu *iommu)
{
	sva_time_t deadline = sva_now(iommu->sim) + iommu->cfg.devtlb_timeout;

	while (iommu->devtlb_pending > 0) {
		if (sva_wait_deadline(iommu->sim, &iommu->devtlb_wq, deadline) == -ETIMEDOUT &&
		    iommu->devtlb_pending > 0) {
			/* ITE: forget the outstanding ITAGs; late answers are ignored. */
			memset(iommu->itags, 0, sizeof(iommu->itags));
			iommu->devtlb_pending = 0;
			iommu->fsts |= SVA_FSTS_ITE;
			iommu->st.ite++;
			raise_fault_irq(iommu);
			return false;
		}
	}
	return true;
}

static void do_wait(struct sva_iommu *iommu, uint64_t qw0, uint64_t qw1)
{
	iommu->st.waits++;
	if (!drain_devtlb(iommu))
		return;		/* aborted: no status write */
	if (qw0 & QI_IWD_SW)
		(void)sva_phys_write(iommu->phys, qw1 & ~3ull, (const uint8_t *)&qw0 + 4, 4);
	if (qw0 & QI_IWD_IF) {
		iommu->ics |= SVA_ICS_IWC;
		if (iommu->cfg.irq && iommu->cfg.irq->inv_complete)
			iommu->cfg.irq->inv_complete(iommu, iommu->cfg.irq_ctx);
	}
}

static void do_page_response(struct sva_iommu *iommu, uint64_t qw0, uint64_t qw1)
{
	struct sva_pcidev *dev = iommu_find_dev(iommu, QI_DEV_SID(qw0));
	enum sva_prg_resp code = (enum sva_prg_resp)((qw0 >> 12) & 0xf);

	(void)qw1;
	iommu->st.page_responses++;
	if (sva_trace_enabled(iommu->sim))
		sva_trace_instant(iommu->sim, iommu->track, "iommu", "page group response",
				  (struct sva_trace_arg[]){ SVA_TARG_U("pasid", QI_PASID(qw0)),
							    SVA_TARG_U("prgi", PRQ1_PRGI(qw1)),
							    SVA_TARG_U("code", code) }, 3);
	if (dev && dev->ops && dev->ops->page_response)
		dev->ops->page_response(dev, QI_PASID(qw0), PRQ1_PRGI(qw1), code);
}

/* Execute one descriptor; false when the queue must stop on it (IQE). */
static bool execute(struct sva_iommu *iommu, const uint64_t qw[4])
{
	unsigned gran = QI_GRAN(qw[0]);

	switch (QI_TYPE(qw[0])) {
	case QI_CC:
		iommu->st.pasid_cache_invs++;
		iommu_pasid_cache_inv(iommu, 3, 0, 0);
		return true;
	case QI_IOTLB:
		iommu->st.iotlb_invs++;
		/* DID-based: 1 global, 2 domain, 3 page-selective in domain. */
		if (gran == 3)
			iommu_iotlb_inv(iommu, 1, QI_DID(qw[0]), 0, 0, 0);
		else
			iommu_iotlb_inv(iommu, gran == 2 ? 1 : 0, QI_DID(qw[0]), 0, 0, 0);
		return true;
	case QI_DIOTLB: {
		/* Device-TLB without PASID: SID in 47:32, size bit 0 (Linux QI_DEV_IOTLB_*). */
		uint64_t base, size;

		ats_range(QI_ADDR(qw[1]), qw[1] & 1, &base, &size);
		send_devtlb_inv(iommu, (uint16_t)(qw[0] >> 32), 0, base, size, true);
		return true;
	}
	case QI_IEC:
		return true;	/* no interrupt remapping modelled */
	case QI_IWD:
		do_wait(iommu, qw[0], qw[1]);
		return true;
	case QI_PIOTLB:
		iommu->st.iotlb_invs++;
		if (gran == 3)
			iommu_iotlb_inv(iommu, 3, QI_DID(qw[0]), QI_PASID(qw[0]), QI_ADDR(qw[1]),
					4096ull << QI_AM(qw[1]));
		else if (gran == 2)
			iommu_iotlb_inv(iommu, 2, QI_DID(qw[0]), QI_PASID(qw[0]), 0, 0);
		else
			return false;	/* reserved granularity */
		return true;
	case QI_PC:
		iommu->st.pasid_cache_invs++;
		if (gran == 2)
			return false;
		iommu_pasid_cache_inv(iommu, (int)gran, QI_DID(qw[0]), QI_PASID(qw[0]));
		return true;
	case QI_DEV_PIOTLB: {
		uint64_t base, size;

		ats_range(QI_ADDR(qw[1]), qw[1] & QI_DEV_S, &base, &size);
		send_devtlb_inv(iommu, QI_DEV_SID(qw[0]), QI_PASID(qw[0]), base, size, qw[1] & QI_DEV_G);
		return true;
	}
	case QI_PGRP_RESP:
		do_page_response(iommu, qw[0], qw[1]);
		return true;
	default:
		return false;
	}
}

static void qi_main(void *arg)
{
	struct sva_iommu *iommu = arg;
	const struct sva_timing *t = sva_machine_timing(iommu->m);

	for (;;) {
		uint64_t qw[4], base;

		while (!qi_runnable(iommu))
			sva_wait(iommu->sim, &iommu->qi_wq);
		base = iommu->iqa & ~0xfffull;
		if (sva_phys_read(iommu->phys, base + iommu->iqh, qw, sizeof(qw)) != 0) {
			iommu->fsts |= SVA_FSTS_IQE;	/* queue in unbacked memory */
			iommu->st.iqe++;
			raise_fault_irq(iommu);
			continue;
		}
		iommu->st.inv_descs++;
		sva_counter_inc(iommu->c_invs);
		iommu_charge(iommu, t->inv_wait / 4);
		if (!execute(iommu, qw)) {
			iommu->fsts |= SVA_FSTS_IQE;	/* IQH stays on the bad descriptor */
			iommu->st.iqe++;
			raise_fault_irq(iommu);
			continue;
		}
		iommu->iqh = (iommu->iqh + QI_DESC_SIZE) % qi_size(iommu);
	}
}

int iommu_qi_start(struct sva_iommu *iommu)
{
	char name[32];

	snprintf(name, sizeof(name), "%s-qi", iommu->name);
	iommu->qi_task = sva_task_spawn(iommu->sim, name, qi_main, iommu,
					&(struct sva_task_attr){ .detached = true, .daemon = true });
	return iommu->qi_task ? 0 : -ENOMEM;
}
