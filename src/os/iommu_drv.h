/* SPDX-License-Identifier: MIT */
/*
 * The kernel's IOMMU driver (the part of drivers/iommu/intel/ that SVA
 * needs), the SVA binding layer (drivers/iommu/iommu-sva.c) and I/O page
 * fault handling (io-pgfault.c, intel/prq.c), in three files:
 *   iommu_drv.c  tables, registers, queued invalidation submission
 *   sva.c        iommu_sva_bind_device / unbind, the mm notifier
 *   iopf.c       the page request queue thread and page responses
 */
#ifndef SVA_OS_IOMMU_DRV_H
#define SVA_OS_IOMMU_DRV_H

#include <stdbool.h>
#include <stdint.h>

#include <sva/iommu.h>
#include <sva/sim.h>
#include <sva/stats.h>

#include "os/mm.h"

struct sva_kernel;
struct sva_machine;
struct sva_iommu_drv;

/*
 * Per device: its PASID directory and tables.  The directory covers every
 * PASID the device can carry (Linux sizes it from the device's max_pasids
 * too): 2^20 PASIDs take 16384 entries, 128 KiB of contiguous frames.
 */
struct sva_iommu_devinfo {
	struct sva_pcidev *dev;
	uint32_t max_pasids;		/* PASIDs below this (Linux: dev->iommu->max_pasids) */
	uint64_t pasid_dir;		/* dir_frames contiguous frames */
	unsigned dir_entries, dir_frames;
	uint64_t *pasid_tables;		/* frame per directory entry, 0 = none */
	struct sva_iommu_devinfo *next;
};

/* One SVA domain: an mm as seen by this IOMMU (Linux: the mm's SVA domain). */
struct sva_domain {
	struct sva_iommu_drv *drv;
	struct sva_mm *mm;
	uint16_t did;
	unsigned users;			/* bonds */
	unsigned active;		/* notifier callbacks running on it (they sleep) */
	bool released;			/* the mm's release notifier ran */
	struct sva_mmu_notifier mn;
	struct sva_domain *next;
};

/* A device bound to an mm: what iommu_sva_bind_device() returns. */
struct sva_bond {
	struct sva_iommu_devinfo *info;
	struct sva_domain *domain;
	uint32_t pasid;
	unsigned users;
	struct sva_bond *next;
};

/* A page request group being collected (requests before the LPIG one). */
struct iopf_group {
	bool used;
	uint16_t rid, prgi;
	uint32_t pasid;
	unsigned n;
	uint64_t addr[8];
	uint8_t access[8];
};

#define IOPF_MAX_GROUPS 32

struct sva_iommu_drv_stats {
	struct sva_counter *binds, *unbinds, *iopf_groups, *resp_success, *resp_invalid,
			   *resp_failure, *inv_ranges, *qi_submits, *teardowns;
	struct sva_hist *qi_latency, *iopf_latency;
};

struct sva_iommu_drv {
	struct sva_kernel *k;
	struct sva_machine *m;
	struct sva_iommu *hw;
	uint64_t regs;			/* MMIO base */
	uint64_t root;			/* root table */
	uint64_t ctx[256];		/* context table per bus (lower half only: devfn < 128) */
	struct sva_iommu_devinfo *devs;
	struct sva_domain *domains;
	struct sva_bond *bonds;
	uint16_t next_did;
	/*
	 * iommu_sva_lock: one bind or unbind at a time.  Both sleep (set-up
	 * and teardown wait for queued invalidations), and without it a
	 * second binder of the same mm would find the domain half built.
	 */
	struct sva_mutex sva_lock;
	/*
	 * The bond list while a notifier walks it: invalidate_range_end and
	 * release sleep between bonds.  Its holders wait only for the
	 * invalidation queue, never for sva_lock or an mm's lock, so it can
	 * be taken under both.
	 */
	struct sva_mutex bonds_lock;
	struct sva_waitq domain_idle_wq;	/* a domain's notifier callbacks ended */

	/* queued invalidation */
	struct sva_mutex qi_lock;
	uint64_t qi_base, qi_size, qi_tail;
	uint64_t qi_status;		/* frame the wait descriptors write into */
	uint32_t qi_seq;
	sva_time_t qi_poll;		/* how often a waiter looks at the status */

	/* page requests */
	uint64_t prq_base, prq_size;
	struct sva_task *prq_task;
	struct sva_waitq prq_wq;	/* the PRQ thread sleeps here */
	bool prq_event;
	uint64_t prq_handled;		/* requests consumed so far */

	struct sva_waitq prq_done_wq;	/* drains wait for the thread to catch up */
	struct iopf_group groups[IOPF_MAX_GROUPS];
	/* Fault injection (tests, torture): answer the next n groups with Response Failure. */
	unsigned inject_resp_failure;

	struct sva_iommu_drv_stats st;
	int track;
};

/* iommu_drv.c */
int sva_iommu_drv_init(struct sva_kernel *k, struct sva_machine *m,
		       const struct sva_iommu_config *hwcfg, struct sva_iommu_drv **out);
void sva_iommu_drv_fini(struct sva_iommu_drv *drv);
/* Enable PASID/ATS/PRI on @dev and give it a context entry and PASID directory. */
int sva_iommu_probe_device(struct sva_iommu_drv *drv, struct sva_pcidev *dev);
void sva_iommu_release_device(struct sva_iommu_drv *drv, struct sva_pcidev *dev);
struct sva_iommu_devinfo *sva_iommu_devinfo(struct sva_iommu_drv *drv, struct sva_pcidev *dev);
/* Submit @n descriptors (4 qwords each) plus a wait, and wait for it.  0, -EINVAL (IQE), -ETIMEDOUT (ITE). */
int sva_qi_submit_sync(struct sva_iommu_drv *drv, const uint64_t (*descs)[4], unsigned n, bool drain_prq);
int sva_pasid_entry_setup(struct sva_iommu_drv *drv, struct sva_iommu_devinfo *info,
			  uint32_t pasid, uint64_t pgd, uint16_t did, bool supervisor);
void sva_pasid_entry_teardown(struct sva_iommu_drv *drv, struct sva_iommu_devinfo *info,
			      uint32_t pasid, uint16_t did, bool drain);
/* Flush IOTLB and device TLBs for [start, end) of @pasid on @info's device. */
int sva_iommu_flush_range(struct sva_iommu_drv *drv, struct sva_iommu_devinfo *info,
			  uint32_t pasid, uint16_t did, uint64_t start, uint64_t end);
uint64_t sva_iommu_reg_read(struct sva_iommu_drv *drv, unsigned off);
void sva_iommu_reg_write(struct sva_iommu_drv *drv, unsigned off, uint64_t val);

/* sva.c: the SVA API */
int iommu_sva_bind_device(struct sva_iommu_drv *drv, struct sva_pcidev *dev,
			  struct sva_mm *mm, struct sva_bond **out);
int iommu_sva_bind_device_supervisor(struct sva_iommu_drv *drv, struct sva_pcidev *dev,
				     struct sva_mm *mm, struct sva_bond **out);
void iommu_sva_unbind_device(struct sva_bond *bond);
uint32_t iommu_sva_get_pasid(const struct sva_bond *bond);
struct sva_bond *sva_bond_find(struct sva_iommu_drv *drv, uint16_t rid, uint32_t pasid);

/* iopf.c */
int sva_iopf_start(struct sva_iommu_drv *drv);
void sva_iopf_stop(struct sva_iommu_drv *drv);
void sva_iopf_prq_irq(struct sva_iommu *hw, void *ctx);
/* Wait until every page request already queued for (rid, pasid) is answered. */
void sva_iopf_drain(struct sva_iommu_drv *drv, uint16_t rid, uint32_t pasid);

#endif
