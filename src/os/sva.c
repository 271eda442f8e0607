// SPDX-License-Identifier: MIT
/*
 * Shared Virtual Addressing: binding a device to an address space.
 *
 * The seed: "The driver for the device calls an IOMMU-specific API that
 * sets up the routing for DMA and page-requests", which must "allocate the
 * PASID, and program the process page-table (%cr3 register) in the PASID
 * context entries" and "register for mmu_notifier() to track any page-table
 * invalidations to keep the device TLB in sync".
 *
 * One domain per (IOMMU, mm) carries the notifier and a domain id; one bond
 * per (device, mm) carries the PASID entry.  A bond holds the mm struct
 * (mmgrab), so the PASID - freed only when the mm struct goes - stays
 * allocated while any device is bound.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>

#include <sva/trace.h>

#include "os/iommu_drv.h"
#include "os/kernel.h"
#include "os/proc.h"

static struct sva_domain *domain_of(struct sva_mmu_notifier *mn)
{
	return (struct sva_domain *)((char *)mn - offsetof(struct sva_domain, mn));
}

/*
 * The translations are out of the page tables and the CPU TLBs; the frames
 * are not freed until we return.  Flush every IOTLB and device TLB that may
 * hold them, and wait for the devices to confirm.
 */
static void sva_invalidate_range_end(struct sva_mmu_notifier *mn, struct sva_mm *mm,
				     uint64_t start, uint64_t end)
{
	struct sva_domain *dom = domain_of(mn);
	struct sva_iommu_drv *drv = dom->drv;

	sva_time_t t0 = sva_now(drv->k->sim);
	unsigned n = 0;

	sva_counter_inc(drv->st.inv_ranges);
	for (struct sva_bond *b = drv->bonds; b; b = b->next)
		if (b->domain == dom) {
			(void)sva_iommu_flush_range(drv, b->info, b->pasid, dom->did, start, end);
			n++;
		}
	if (n) {
		char who[64];

		sva_journal(drv->k->sim, "iommu-sva", "%s [%#llx, %#llx) changed: IOTLB + device-TLB "
			    "invalidation and wait done in %llu ns", sva_mm_owner(mm, who, sizeof(who)),
			    (unsigned long long)start, (unsigned long long)end,
			    (unsigned long long)(sva_now(drv->k->sim) - t0));
	}
}

/*
 * The address space is going away (exit_mmap): stop translating for it now
 * so no device touches pages about to be freed.  Faults from in-flight work
 * are expected from here on; the driver drains and unbinds later.
 */
static void sva_mm_release(struct sva_mmu_notifier *mn, struct sva_mm *mm)
{
	struct sva_domain *dom = domain_of(mn);
	struct sva_iommu_drv *drv = dom->drv;
	char who[64];

	dom->released = true;
	sva_journal(drv->k->sim, "iommu-sva", "%s exiting (release): PASID entries cleared, no new translations",
		    sva_mm_owner(mm, who, sizeof(who)));
	for (struct sva_bond *b = drv->bonds; b; b = b->next)
		if (b->domain == dom)
			sva_pasid_entry_teardown(drv, b->info, b->pasid, dom->did, false);
}

static const struct sva_mmu_notifier_ops sva_mn_ops = {
	.invalidate_range_end = sva_invalidate_range_end,
	.release = sva_mm_release,
};

struct sva_bond *sva_bond_find(struct sva_iommu_drv *drv, uint16_t rid, uint32_t pasid)
{
	for (struct sva_bond *b = drv->bonds; b; b = b->next)
		if (b->pasid == pasid && b->info->dev->rid == rid)
			return b;
	return NULL;
}

static struct sva_domain *domain_get(struct sva_iommu_drv *drv, struct sva_mm *mm, int *err)
{
	struct sva_domain *dom;

	for (dom = drv->domains; dom; dom = dom->next)
		if (dom->mm == mm)
			return dom;
	dom = calloc(1, sizeof(*dom));
	if (!dom) {
		*err = -ENOMEM;
		return NULL;
	}
	dom->drv = drv;
	dom->mm = mm;
	dom->did = drv->next_did++;
	dom->mn.ops = &sva_mn_ops;
	*err = sva_mmu_notifier_register(mm, &dom->mn);
	if (*err) {
		free(dom);
		return NULL;
	}
	sva_mmgrab(mm);
	dom->next = drv->domains;
	drv->domains = dom;
	return dom;
}

static void domain_put(struct sva_domain *dom)
{
	struct sva_iommu_drv *drv = dom->drv;
	struct sva_mm *mm = dom->mm;

	if (dom->users)
		return;
	for (struct sva_domain **p = &drv->domains; *p; p = &(*p)->next)
		if (*p == dom) {
			*p = dom->next;
			break;
		}
	if (!dom->released)
		sva_mmu_notifier_unregister(mm, &dom->mn);
	free(dom);
	sva_mmdrop(mm);		/* may tear the mm down and free its PASID */
}

static int bind(struct sva_iommu_drv *drv, struct sva_pcidev *dev, struct sva_mm *mm,
		bool supervisor, struct sva_bond **out);

int iommu_sva_bind_device(struct sva_iommu_drv *drv, struct sva_pcidev *dev,
			  struct sva_mm *mm, struct sva_bond **out)
{
	return bind(drv, dev, mm, false, out);
}

/*
 * A kernel user's bind: supervisor requests enabled (SRE) in the PASID
 * entry, so descriptors submitted with ENQCMDS and PRIV set may use it.
 */
int iommu_sva_bind_device_supervisor(struct sva_iommu_drv *drv, struct sva_pcidev *dev,
				     struct sva_mm *mm, struct sva_bond **out)
{
	return bind(drv, dev, mm, true, out);
}

static int bind(struct sva_iommu_drv *drv, struct sva_pcidev *dev, struct sva_mm *mm,
		bool supervisor, struct sva_bond **out)
{
	struct sva_iommu_devinfo *info = sva_iommu_devinfo(drv, dev);
	struct sva_domain *dom;
	struct sva_bond *b;
	uint32_t pasid;
	int r;

	if (!info || !dev->pasid_enabled)
		return -ENODEV;
	if (mm->exited || mm->users == 0)
		return -ESRCH;
	r = sva_mm_get_pasid(mm, &pasid);
	if (r)
		return r;
	for (b = drv->bonds; b; b = b->next)
		if (b->info == info && b->domain->mm == mm) {
			b->users++;
			*out = b;
			return 0;
		}
	dom = domain_get(drv, mm, &r);
	if (!dom)
		return r;
	b = calloc(1, sizeof(*b));
	if (!b) {
		domain_put(dom);
		return -ENOMEM;
	}
	r = sva_pasid_entry_setup(drv, info, pasid, mm->pgd, dom->did, supervisor);
	if (r) {
		free(b);
		domain_put(dom);
		return r;
	}
	*b = (struct sva_bond){ .info = info, .domain = dom, .pasid = pasid, .users = 1 };
	dom->users++;
	b->next = drv->bonds;
	drv->bonds = b;
	sva_counter_inc(drv->st.binds);
	if (sva_trace_enabled(drv->k->sim))
		sva_trace_instant(drv->k->sim, drv->track, "sva", "iommu_sva_bind_device",
				  (struct sva_trace_arg[]){ SVA_TARG_S("dev", dev->name),
							    SVA_TARG_U("mm", mm->id),
							    SVA_TARG_U("pasid", pasid) }, 3);
	*out = b;
	return 0;
}

void iommu_sva_unbind_device(struct sva_bond *b)
{
	struct sva_domain *dom = b->domain;
	struct sva_iommu_drv *drv = dom->drv;

	assert(b->users > 0);
	if (--b->users)
		return;
	/* The device driver has drained this PASID; now take the entry down. */
	sva_pasid_entry_teardown(drv, b->info, b->pasid, dom->did, true);
	for (struct sva_bond **p = &drv->bonds; *p; p = &(*p)->next)
		if (*p == b) {
			*p = b->next;
			break;
		}
	sva_counter_inc(drv->st.unbinds);
	if (sva_trace_enabled(drv->k->sim))
		sva_trace_instant(drv->k->sim, drv->track, "sva", "iommu_sva_unbind_device",
				  (struct sva_trace_arg[]){ SVA_TARG_S("dev", b->info->dev->name),
							    SVA_TARG_U("pasid", b->pasid) }, 2);
	free(b);
	dom->users--;
	domain_put(dom);
}

uint32_t iommu_sva_get_pasid(const struct sva_bond *bond)
{
	return bond->pasid;
}
