// SPDX-License-Identifier: MIT
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "os/frame.h"

int sva_frames_init(struct sva_frames *f, struct sva_phys *phys,
		    uint64_t first_pfn, uint64_t nr)
{
	memset(f, 0, sizeof(*f));
	if (first_pfn == 0) {		/* keep pfn 0 out: pa 0 means "none" */
		first_pfn = 1;
		if (nr)
			nr--;
	}
	if (!sva_phys_is_ram(phys, first_pfn << SVA_FRAME_SHIFT, nr << SVA_FRAME_SHIFT))
		return -EINVAL;
	f->phys = phys;
	f->first = first_pfn;
	f->nr = nr;
	f->limit = nr;
	f->next_fresh = first_pfn;
	f->ref = calloc(nr ? nr : 1, sizeof(*f->ref));
	f->freed = malloc((nr ? nr : 1) * sizeof(*f->freed));
	if (!f->ref || !f->freed) {
		sva_frames_fini(f);
		return -ENOMEM;
	}
	return 0;
}

void sva_frames_fini(struct sva_frames *f)
{
	free(f->ref);
	free(f->freed);
	memset(f, 0, sizeof(*f));
}

bool sva_frame_managed(const struct sva_frames *f, uint64_t pa)
{
	uint64_t pfn = pa >> SVA_FRAME_SHIFT;

	return pfn >= f->first && pfn - f->first < f->nr;
}

static uint32_t *refp(const struct sva_frames *f, uint64_t pa)
{
	assert(sva_frame_managed(f, pa));
	return &f->ref[(pa >> SVA_FRAME_SHIFT) - f->first];
}

/* Hand frame @pfn out: count 1, zeroed. */
static void take(struct sva_frames *f, uint64_t pfn)
{
	uint64_t pa = pfn << SVA_FRAME_SHIFT;
	void *p;

	assert(*refp(f, pa) == 0);
	*refp(f, pa) = 1;
	f->nr_used++;
	if (f->nr_used > f->high_water)
		f->high_water = f->nr_used;
	p = sva_phys_ptr(f->phys, pa, SVA_FRAME_SIZE);
	assert(p);
	memset(p, 0, SVA_FRAME_SIZE);
}

int sva_frame_alloc(struct sva_frames *f, uint64_t *pa)
{
	uint64_t pfn;

	if (f->nr_used >= f->limit)
		return -ENOMEM;
	if (f->nr_freed)
		pfn = f->freed[--f->nr_freed];
	else if (f->next_fresh < f->first + f->nr)
		pfn = f->next_fresh++;
	else
		return -ENOMEM;
	take(f, pfn);
	*pa = pfn << SVA_FRAME_SHIFT;
	return 0;
}

int sva_frame_alloc_contig(struct sva_frames *f, unsigned n, uint64_t *pa)
{
	if (n == 0 || f->nr_used + n > f->limit || f->next_fresh + n > f->first + f->nr)
		return -ENOMEM;
	*pa = f->next_fresh << SVA_FRAME_SHIFT;
	for (unsigned i = 0; i < n; i++)
		take(f, f->next_fresh++);
	return 0;
}

void sva_frame_get(struct sva_frames *f, uint64_t pa)
{
	uint32_t *r = refp(f, pa);

	assert(*r > 0 && "get on a free frame");
	(*r)++;
}

void sva_frame_put(struct sva_frames *f, uint64_t pa)
{
	uint32_t *r = refp(f, pa);

	assert(*r > 0 && "put on a free frame");
	if (--*r)
		return;
	/* Scrub now, so nothing can read a dead owner's data through a stale mapping. */
	memset(sva_phys_ptr(f->phys, pa & SVA_FRAME_MASK, SVA_FRAME_SIZE), 0, SVA_FRAME_SIZE);
	f->freed[f->nr_freed++] = pa >> SVA_FRAME_SHIFT;
	f->nr_used--;
	if (f->on_free)
		f->on_free(f->on_free_ctx, pa & SVA_FRAME_MASK);
}

uint32_t sva_frame_refs(const struct sva_frames *f, uint64_t pa)
{
	return *refp(f, pa);
}
