/* SPDX-License-Identifier: MIT */
/*
 * The system-wide PASID space (kernel side of flow 1 in DESIGN.md).
 *
 * PASIDs are 20-bit; 0 is reserved for requests without a PASID, so
 * valid ones are 1 .. max-1 (max = 2^20 unless a test shrinks it).
 *
 * Allocation is lowest-free, like the kernel's IDA-backed
 * iommu_alloc_global_pasid(): it keeps PASIDs small and dense, and it reuses
 * a freed value at the first opportunity, which is exactly the situation in
 * which "never reused while anything can still carry it" must hold.  A
 * cyclic allocator would make a stale-PASID bug rare instead of absent.
 *
 * Lifetime: an mm owns its PASID until the mm itself is torn down
 * (sva_pasid_release).  Layers that may still carry the value after that
 * - a device queue, an IOTLB or ATC entry, an outstanding page request -
 * take holds; the value returns to the pool only when it is released and
 * unheld.
 */
#ifndef SVA_OS_PASID_H
#define SVA_OS_PASID_H

#include <stdbool.h>
#include <stdint.h>

#define SVA_PASID_BITS		20
#define SVA_PASID_MAX		(1u << SVA_PASID_BITS)
#define SVA_PASID_INVALID	UINT32_MAX	/* the kernel's IOMMU_PASID_INVALID */

enum sva_pasid_state {
	SVA_PASID_FREE = 0,
	SVA_PASID_LIVE,		/* owned by a live mm */
	SVA_PASID_DRAINING,	/* owner gone, holds outstanding */
};

struct sva_pasid_slot {
	uint8_t state;
	uint32_t holds;
	void *owner;		/* the mm, while LIVE */
};

struct sva_pasid_space {
	uint32_t max;			/* one past the largest valid PASID */
	struct sva_pasid_slot *slot;	/* grows with the highest PASID used */
	uint32_t nr_slots;
	uint32_t lowest_free;		/* no free PASID below it (a search hint) */
	uint32_t nr_live, nr_draining;
	uint64_t allocs, frees;
};

/* @max = 0 means 2^20.  Returns 0, -EINVAL (max < 2 or > 2^20) or -ENOMEM. */
int sva_pasid_space_init(struct sva_pasid_space *ps, uint32_t max);
void sva_pasid_space_fini(struct sva_pasid_space *ps);

/* Lowest free PASID, owned by @owner; -ENOSPC when none is left. */
int sva_pasid_alloc(struct sva_pasid_space *ps, void *owner, uint32_t *pasid);
/*
 * The same, below @limit (a device's max_pasids, as Linux's
 * iommu_alloc_global_pasid() bounds its search by the device that asks).
 */
int sva_pasid_alloc_below(struct sva_pasid_space *ps, void *owner, uint32_t limit, uint32_t *pasid);
/* The owner is gone; frees the value now, or when the last hold drops. */
void sva_pasid_release(struct sva_pasid_space *ps, uint32_t pasid);
void sva_pasid_hold(struct sva_pasid_space *ps, uint32_t pasid);
void sva_pasid_unhold(struct sva_pasid_space *ps, uint32_t pasid);

enum sva_pasid_state sva_pasid_state(const struct sva_pasid_space *ps, uint32_t pasid);
/* The live owner of @pasid, or NULL (free, draining, out of range). */
void *sva_pasid_owner(const struct sva_pasid_space *ps, uint32_t pasid);
uint32_t sva_pasid_holds(const struct sva_pasid_space *ps, uint32_t pasid);

#endif
