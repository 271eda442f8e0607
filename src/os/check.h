/* SPDX-License-Identifier: MIT */
/*
 * The invariant checker (DESIGN.md section 4), on in test builds and opt-in
 * in release builds.  It watches from the side - device memory accesses,
 * frame frees, PASID allocation, the mm notifier chain - and stops the run
 * at the first violation with the seed, the virtual time and the last
 * events, so the failure can be replayed.
 *
 *  - isolation: every device access lands in the submitting PASID's live
 *    mm, at the address its page tables give, with their permissions;
 *  - no stale translation: a device may use an old translation only while
 *    the invalidation that removes it is in progress (and its frame is
 *    still allocated); when a frame is freed no IOTLB or ATC entry points
 *    into it;
 *  - PASID: a value handed out again is carried by nothing in the IOMMU
 *    or a device; each live mm owns its own;
 *  - nothing lost: when the system is quiet, every descriptor a device
 *    accepted has finished (completed or aborted).
 */
#ifndef SVA_OS_CHECK_H
#define SVA_OS_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include <sva/machine.h>

struct sva_kernel;
struct sva_mm;

struct sva_check_pending {
	const struct sva_mm *mm;
	uint64_t start, end;
};

struct sva_checker {
	bool on;
	bool fatal;			/* abort at the first violation (default) */
	struct sva_dma_observer obs;
	/*
	 * Every range between invalidate_range_start and _end, of every mm: as
	 * many as there are tasks that can be inside an invalidation at once,
	 * so the table grows with them (a fixed one must never fail a legal run).
	 */
	struct sva_check_pending *pending;
	unsigned npending, cap_pending, max_pending;
	uint64_t dma_checks, frame_checks, pasid_checks, violations;
	char last[256];			/* the last violation, when not fatal */
};

void sva_check_init(struct sva_kernel *k, bool on);
void sva_check_fini(struct sva_kernel *k);
/* Hooks the kernel calls. */
void sva_check_mm_created(struct sva_kernel *k, struct sva_mm *mm);
void sva_check_pasid_allocated(struct sva_kernel *k, uint32_t pasid);
/* The system is quiet: every accepted descriptor must have finished. */
void sva_check_quiescent(struct sva_kernel *k);

__attribute__((format(printf, 2, 3)))
void sva_check_fail(struct sva_kernel *k, const char *fmt, ...);

#endif
