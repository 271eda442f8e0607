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
 * At power-off (sva_kernel_fini, outside any task) a task frozen inside a
 * bind or a notifier may hold these locks, and it will never run again:
 * take nothing and wait for nothing then.
 */
static bool powering_off(struct sva_iommu_drv *drv)
{
	return drv->k->shutting_down && !sva_current(drv->k->sim);
}

static void drv_lock(struct sva_iommu_drv *drv, struct sva_mutex *m)
{
	if (!powering_off(drv))
		sva_mutex_lock(drv->k->sim, m);
}

static void drv_unlock(struct sva_iommu_drv *drv, struct sva_mutex *m)
{
	if (!powering_off(drv))
		sva_mutex_unlock(drv->k->sim, m);
}

/*
 * A notifier callback walks the domain's bonds and sleeps on the
 * invalidation queue between them: hold the bond list still, and the
 * domain alive (domain_put waits until no callback is inside).
 */
static void domain_enter(struct sva_domain *dom)
{
	dom->active++;
	drv_lock(dom->drv, &dom->drv->bonds_lock);
}

static void domain_leave(struct sva_domain *dom)
{
	struct sva_iommu_drv *drv = dom->drv;

	drv_unlock(drv, &drv->bonds_lock);
	assert(dom->active > 0);
	if (--dom->active == 0)
		sva_wake_all(drv->k->sim, &drv->domain_idle_wq);
}

/* Put @b on (or take it off) the list the notifiers walk. */
static void bond_link(struct sva_iommu_drv *drv, struct sva_bond *b, bool on)
{
	drv_lock(drv, &drv->bonds_lock);
	if (on) {
		b->next = drv->bonds;
		drv->bonds = b;
		b->domain->users++;
	} else {
		for (struct sva_bond **p = &drv->bonds; *p; p = &(*p)->next)
			if (*p == b) {
				*p = b->next;
				break;
			}
		b->domain->users--;
	}
	drv_unlock(drv, &drv->bonds_lock);
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
	domain_enter(dom);
	for (struct sva_bond *b = drv->bonds; b; b = b->next)
		if (b->domain == dom) {
			(void)sva_iommu_flush_range(drv, b->info, b->pasid, dom->did, start, end);
			n++;
		}
	domain_leave(dom);
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
 * are expected from here on; the driver drains and unbinds later.  A bind
 * of this mm still inside its set-up sees "released" when it is done and
 * takes its own entry down again.
 */
static void sva_mm_release(struct sva_mmu_notifier *mn, struct sva_mm *mm)
{
	struct sva_domain *dom = domain_of(mn);
	struct sva_iommu_drv *drv = dom->drv;
	char who[64];

	dom->released = true;
	sva_journal(drv->k->sim, "iommu-sva", "%s exiting (release): PASID entries cleared, no new translations",
		    sva_mm_owner(mm, who, sizeof(who)));
	domain_enter(dom);
	for (struct sva_bond *b = drv->bonds; b; b = b->next)
		if (b->domain == dom)
			sva_pasid_entry_teardown(drv, b->info, b->pasid, dom->did, false);
	domain_leave(dom);
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

/* Called under sva_lock, so no bind can give the domain a user meanwhile. */
static void domain_put(struct sva_domain *dom)
{
	struct sva_iommu_drv *drv = dom->drv;
	struct sva_mm *mm = dom->mm;

	assert(sva_mutex_held(&drv->sva_lock) || powering_off(drv));
	if (dom->users)
		return;
	/*
	 * A notifier callback still inside (an invalidation or the release,
	 * both sleep) uses the domain: let it finish.  From the last check
	 * on nothing sleeps, so no new one can start before it is unhooked.
	 */
	while (dom->active && !powering_off(drv))
		sva_wait(drv->k->sim, &drv->domain_idle_wq);
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

static int bind_locked(struct sva_iommu_drv *drv, struct sva_iommu_devinfo *info, struct sva_mm *mm,
		       bool supervisor, struct sva_bond **out)
{
	struct sva_domain *dom;
	struct sva_bond *b;
	uint32_t pasid;
	int r;

	/* Checked under the lock: the mm may have begun to exit while we waited for it. */
	if (mm->exited || mm->users == 0)
		return -ESRCH;
	r = sva_mm_get_pasid_below(mm, info->max_pasids, &pasid);
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
	*b = (struct sva_bond){ .info = info, .domain = dom, .pasid = pasid, .users = 1 };
	/* On the list before the entry goes live, so no invalidation from now on misses it. */
	bond_link(drv, b, true);
	r = sva_pasid_entry_setup(drv, info, pasid, mm->pgd, dom->did, supervisor);
	if (!r && dom->released) {
		/* The mm's release ran while we waited for the set-up: its tables are going. */
		sva_pasid_entry_teardown(drv, info, pasid, dom->did, true);
		r = -ESRCH;
	}
	if (r) {
		bond_link(drv, b, false);
		free(b);
		domain_put(dom);
		return r;
	}
	sva_counter_inc(drv->st.binds);
	if (sva_trace_enabled(drv->k->sim))
		sva_trace_instant(drv->k->sim, drv->track, "sva", "iommu_sva_bind_device",
				  (struct sva_trace_arg[]){ SVA_TARG_S("dev", info->dev->name),
							    SVA_TARG_U("mm", mm->id),
							    SVA_TARG_U("pasid", pasid) }, 3);
	*out = b;
	return 0;
}

static int bind(struct sva_iommu_drv *drv, struct sva_pcidev *dev, struct sva_mm *mm,
		bool supervisor, struct sva_bond **out)
{
	struct sva_iommu_devinfo *info = sva_iommu_devinfo(drv, dev);
	int r;

	if (!info || !dev->pasid_enabled)
		return -ENODEV;
	drv_lock(drv, &drv->sva_lock);
	r = bind_locked(drv, info, mm, supervisor, out);
	drv_unlock(drv, &drv->sva_lock);
	return r;
}

void iommu_sva_unbind_device(struct sva_bond *b)
{
	struct sva_domain *dom = b->domain;
	struct sva_iommu_drv *drv = dom->drv;
	struct sva_sim *sim = drv->k->sim;

	drv_lock(drv, &drv->sva_lock);
	assert(b->users > 0);
	if (--b->users) {
		drv_unlock(drv, &drv->sva_lock);
		return;
	}
	/* The device driver has drained this PASID; now take the entry down. */
	sva_pasid_entry_teardown(drv, b->info, b->pasid, dom->did, true);
	bond_link(drv, b, false);
	sva_counter_inc(drv->st.unbinds);
	if (sva_trace_enabled(sim))
		sva_trace_instant(sim, drv->track, "sva", "iommu_sva_unbind_device",
				  (struct sva_trace_arg[]){ SVA_TARG_S("dev", b->info->dev->name),
							    SVA_TARG_U("pasid", b->pasid) }, 2);
	free(b);
	domain_put(dom);
	drv_unlock(drv, &drv->sva_lock);
}

uint32_t iommu_sva_get_pasid(const struct sva_bond *bond)
{
	return bond->pasid;
}
