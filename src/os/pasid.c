// SPDX-License-Identifier: MIT
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "os/pasid.h"

int sva_pasid_space_init(struct sva_pasid_space *ps, uint32_t max)
{
	memset(ps, 0, sizeof(*ps));
	if (max == 0)
		max = SVA_PASID_MAX;
	if (max < 2 || max > SVA_PASID_MAX)
		return -EINVAL;
	ps->max = max;
	return 0;
}

void sva_pasid_space_fini(struct sva_pasid_space *ps)
{
	free(ps->slot);
	memset(ps, 0, sizeof(*ps));
}

static struct sva_pasid_slot *slot(const struct sva_pasid_space *ps, uint32_t pasid)
{
	return pasid < ps->nr_slots ? &ps->slot[pasid] : NULL;
}

int sva_pasid_alloc_below(struct sva_pasid_space *ps, void *owner, uint32_t limit, uint32_t *pasid)
{
	uint32_t p;

	if (limit > ps->max)
		limit = ps->max;
	/*
	 * Lowest free first, searched from the lowest value that can be free:
	 * the slot array is as long as the highest PASID ever used, which
	 * lowest-first keeps near the number of live address spaces.
	 */
	for (p = ps->lowest_free > 1 ? ps->lowest_free : 1; p < ps->nr_slots; p++)
		if (ps->slot[p].state == SVA_PASID_FREE)
			break;
	ps->lowest_free = p;
	if (p >= limit)
		return -ENOSPC;
	if (p >= ps->nr_slots) {
		uint32_t n = ps->nr_slots ? ps->nr_slots * 2 : 64;
		struct sva_pasid_slot *ns;

		if (n > ps->max)
			n = ps->max;
		ns = realloc(ps->slot, n * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		memset(ns + ps->nr_slots, 0, (n - ps->nr_slots) * sizeof(*ns));
		ps->slot = ns;
		ps->nr_slots = n;
	}
	assert(p != 0 && ps->slot[p].state == SVA_PASID_FREE && ps->slot[p].holds == 0);
	ps->slot[p] = (struct sva_pasid_slot){ .state = SVA_PASID_LIVE, .owner = owner };
	ps->lowest_free = p + 1;
	ps->nr_live++;
	ps->allocs++;
	*pasid = p;
	return 0;
}

int sva_pasid_alloc(struct sva_pasid_space *ps, void *owner, uint32_t *pasid)
{
	return sva_pasid_alloc_below(ps, owner, ps->max, pasid);
}

static void maybe_free(struct sva_pasid_space *ps, struct sva_pasid_slot *s)
{
	if (s->state == SVA_PASID_DRAINING && s->holds == 0) {
		uint32_t pasid = (uint32_t)(s - ps->slot);

		s->state = SVA_PASID_FREE;
		if (pasid < ps->lowest_free)
			ps->lowest_free = pasid;
		ps->nr_draining--;
		ps->frees++;
	}
}

void sva_pasid_release(struct sva_pasid_space *ps, uint32_t pasid)
{
	struct sva_pasid_slot *s = slot(ps, pasid);

	assert(s && s->state == SVA_PASID_LIVE && "release of a PASID that is not live");
	if (!s || s->state != SVA_PASID_LIVE)
		return;
	s->state = SVA_PASID_DRAINING;
	s->owner = NULL;
	ps->nr_live--;
	ps->nr_draining++;
	maybe_free(ps, s);
}

void sva_pasid_hold(struct sva_pasid_space *ps, uint32_t pasid)
{
	struct sva_pasid_slot *s = slot(ps, pasid);

	/* Only something that could carry the value may hold it. */
	assert(s && s->state != SVA_PASID_FREE);
	if (s)
		s->holds++;
}

void sva_pasid_unhold(struct sva_pasid_space *ps, uint32_t pasid)
{
	struct sva_pasid_slot *s = slot(ps, pasid);

	assert(s && s->holds > 0);
	if (!s || s->holds == 0)
		return;
	s->holds--;
	maybe_free(ps, s);
}

enum sva_pasid_state sva_pasid_state(const struct sva_pasid_space *ps, uint32_t pasid)
{
	const struct sva_pasid_slot *s = slot(ps, pasid);

	return s ? (enum sva_pasid_state)s->state : SVA_PASID_FREE;
}

void *sva_pasid_owner(const struct sva_pasid_space *ps, uint32_t pasid)
{
	const struct sva_pasid_slot *s = slot(ps, pasid);

	return s && s->state == SVA_PASID_LIVE ? s->owner : NULL;
}

uint32_t sva_pasid_holds(const struct sva_pasid_space *ps, uint32_t pasid)
{
	const struct sva_pasid_slot *s = slot(ps, pasid);

	return s ? s->holds : 0;
}
