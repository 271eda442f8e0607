// SPDX-License-Identifier: MIT
/*
 * Events: a binary min-heap for the future, an unordered ready set for the
 * present.  When nothing is ready the scheduler moves every event due at
 * the next instant into the ready set and then draws from it with the
 * seeded PRNG, so ties are broken by the seed, never by insertion order.
 *
 * Nodes are intrusive and remember their slot, so cancel is O(log n) and
 * nothing here allocates except when an array must grow (amortised, and
 * only up to the high-water mark of a run).
 */
#include <stdlib.h>

#include "sim_internal.h"

static void grow(struct sva_event ***v, uint32_t *cap)
{
	uint32_t ncap = *cap ? *cap * 2 : 64;
	struct sva_event **nv = realloc(*v, (size_t)ncap * sizeof(**v));

	/* The run cannot continue coherently without the slot. */
	if (!nv)
		sva_out_of_memory("growing the event queue");
	*v = nv;
	*cap = ncap;
}

/* ---- ready set --------------------------------------------------------- */

void sva_ready_push(struct sva_sim *sim, struct sva_event *ev)
{
	struct sva_ready *r = &sim->ready;

	assert(ev->where == SVA_EV_IDLE);
	if (r->n == r->cap)
		grow(&r->v, &r->cap);
	ev->slot = r->n;
	ev->where = SVA_EV_READY;
	ev->when = sim->now;
	r->v[r->n++] = ev;
}

void sva_ready_remove(struct sva_sim *sim, struct sva_event *ev)
{
	struct sva_ready *r = &sim->ready;
	uint32_t i = ev->slot;

	assert(ev->where == SVA_EV_READY && i < r->n && r->v[i] == ev);
	r->v[i] = r->v[--r->n];
	r->v[i]->slot = i;
	ev->where = SVA_EV_IDLE;
}

struct sva_event *sva_ready_pick(struct sva_sim *sim)
{
	struct sva_ready *r = &sim->ready;
	struct sva_event *ev;
	uint32_t i;

	assert(r->n > 0);
	/* A lone candidate costs no random draw: keeps streams short. */
	i = r->n == 1 ? 0 : (uint32_t)sva_rand_below(sim, r->n);
	ev = r->v[i];
	sva_ready_remove(sim, ev);
	return ev;
}

/* ---- timer heap ------------------------------------------------------------ */

/*
 * Strict order: by time, then by arming order.  Events due at the same
 * instant therefore reach the ready set in the order they were armed,
 * whatever the heap's shape - so a run does not depend on how the heap got
 * its layout (a run in slices, or a sleep that never entered the heap,
 * leaves the same future as one without).
 */
static inline bool before(const struct sva_event *a, const struct sva_event *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static inline void heap_set(struct sva_heap *h, uint32_t i, struct sva_event *ev)
{
	h->v[i] = ev;
	ev->slot = i;
}

static void sift_up(struct sva_heap *h, uint32_t i)
{
	struct sva_event *ev = h->v[i];

	while (i > 0) {
		uint32_t p = (i - 1) / 2;

		if (!before(ev, h->v[p]))
			break;
		heap_set(h, i, h->v[p]);
		i = p;
	}
	heap_set(h, i, ev);
}

static void sift_down(struct sva_heap *h, uint32_t i)
{
	struct sva_event *ev = h->v[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && before(h->v[c + 1], h->v[c]))
			c++;
		if (!before(h->v[c], ev))
			break;
		heap_set(h, i, h->v[c]);
		i = c;
	}
	heap_set(h, i, ev);
}

void sva_heap_push(struct sva_sim *sim, struct sva_event *ev)
{
	struct sva_heap *h = &sim->heap;

	assert(ev->where == SVA_EV_IDLE);
	if (h->n == h->cap)
		grow(&h->v, &h->cap);
	ev->where = SVA_EV_TIMED;
	ev->seq = h->seq++;
	h->foreground += !ev->background;
	h->v[h->n] = ev;
	sift_up(h, h->n++);
}

struct sva_event *sva_heap_pop(struct sva_sim *sim)
{
	struct sva_heap *h = &sim->heap;
	struct sva_event *ev;

	assert(h->n > 0);
	ev = h->v[0];
	h->foreground -= !ev->background;
	if (--h->n > 0) {
		heap_set(h, 0, h->v[h->n]);
		sift_down(h, 0);
	}
	ev->where = SVA_EV_IDLE;
	return ev;
}

void sva_heap_remove(struct sva_sim *sim, struct sva_event *ev)
{
	struct sva_heap *h = &sim->heap;
	uint32_t i = ev->slot;

	assert(ev->where == SVA_EV_TIMED && i < h->n && h->v[i] == ev);
	h->foreground -= !ev->background;
	if (i != --h->n) {
		heap_set(h, i, h->v[h->n]);
		/* The moved node may belong above or below its new slot. */
		if (i > 0 && before(h->v[i], h->v[(i - 1) / 2]))
			sift_up(h, i);
		else
			sift_down(h, i);
	}
	ev->where = SVA_EV_IDLE;
}

void sva_events_free(struct sva_sim *sim)
{
	free(sim->heap.v);
	free(sim->ready.v);
	sim->heap = (struct sva_heap){ 0 };
	sim->ready = (struct sva_ready){ 0 };
}

/* ---- public API ------------------------------------------------------------- */

void sva_event_init(struct sva_event *ev, sva_event_fn fire)
{
	*ev = (struct sva_event){ .fire = fire, .where = SVA_EV_IDLE };
}

void sva_event_set_background(struct sva_event *ev, bool background)
{
	assert(ev->where == SVA_EV_IDLE);
	ev->background = background;
}

bool sva_event_pending(const struct sva_event *ev)
{
	return ev->where != SVA_EV_IDLE;
}

void sva_event_cancel(struct sva_sim *sim, struct sva_event *ev)
{
	if (ev->where == SVA_EV_TIMED)
		sva_heap_remove(sim, ev);
	else if (ev->where == SVA_EV_READY)
		sva_ready_remove(sim, ev);
}

void sva_event_at(struct sva_sim *sim, struct sva_event *ev, sva_time_t when)
{
	assert(ev->fire != NULL);
	/* Time never runs backwards: an event in the past is a caller bug. */
	assert(when >= sim->now);
	if (when < sim->now)
		when = sim->now;
	sva_event_cancel(sim, ev);
	if (when == sim->now) {
		sva_ready_push(sim, ev);
	} else {
		ev->when = when;
		sva_heap_push(sim, ev);
	}
}

void sva_event_after(struct sva_sim *sim, struct sva_event *ev, sva_time_t delay)
{
	sva_time_t when = sim->now + delay;

	if (when < sim->now)		/* saturate instead of wrapping */
		when = SVA_TIME_NEVER;
	sva_event_at(sim, ev, when);
}
