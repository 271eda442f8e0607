/* SPDX-License-Identifier: MIT */
/*
 * The kernel's physical frame allocator: reference-counted 4 KiB frames of
 * simulated RAM.  A frame is free when its count is 0.  Freed frames are
 * reused last-in first-out, which makes any use of a stale frame show up
 * quickly instead of hiding for a long time.
 */
#ifndef SVA_OS_FRAME_H
#define SVA_OS_FRAME_H

#include <stdint.h>

#include <sva/phys.h>

struct sva_frames {
	struct sva_phys *phys;
	uint64_t first, nr;		/* frames managed: pfn [first, first+nr) */
	uint32_t *ref;			/* per managed frame; 0 = free */
	uint64_t *freed;		/* stack of freed pfns */
	uint64_t nr_freed;
	uint64_t next_fresh;		/* lowest never-allocated pfn */
	uint64_t nr_used;
	uint64_t limit;			/* at most this many in use (tests force OOM) */
	uint64_t high_water;
	/* Told when a frame becomes free (the invariant checker). */
	void (*on_free)(void *ctx, uint64_t pa);
	void *on_free_ctx;
};

/*
 * Manage RAM frames [first_pfn, first_pfn+nr).  Frame 0 is never handed
 * out, so a zero physical address always means "none".  Returns 0 or -ENOMEM.
 */
int sva_frames_init(struct sva_frames *f, struct sva_phys *phys,
		    uint64_t first_pfn, uint64_t nr);
void sva_frames_fini(struct sva_frames *f);

/* A zeroed frame with count 1 in *pa, or -ENOMEM when none is left. */
int sva_frame_alloc(struct sva_frames *f, uint64_t *pa);
/*
 * @n physically contiguous zeroed frames (count 1 each) at *pa, for tables
 * the hardware indexes past one page.  They come from RAM never handed out
 * before, as early boot allocations do; -ENOMEM when that is used up.
 */
int sva_frame_alloc_contig(struct sva_frames *f, unsigned n, uint64_t *pa);
void sva_frame_get(struct sva_frames *f, uint64_t pa);
/* Drop a reference; at 0 the frame is zeroed and becomes free. */
void sva_frame_put(struct sva_frames *f, uint64_t pa);
uint32_t sva_frame_refs(const struct sva_frames *f, uint64_t pa);
/* True when @pa is a frame this allocator manages. */
bool sva_frame_managed(const struct sva_frames *f, uint64_t pa);

#endif
