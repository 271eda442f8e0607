// SPDX-License-Identifier: MIT
/* Sleeping mutex on top of a wait queue. */
#include "sim_internal.h"

void sva_mutex_init(struct sva_mutex *m)
{
	m->owner = NULL;
	m->locked = false;
	sva_waitq_init(&m->wq);
}

bool sva_mutex_trylock(struct sva_sim *sim, struct sva_mutex *m)
{
	if (m->locked)
		return false;
	m->locked = true;
	m->owner = sim->current;
	return true;
}

void sva_mutex_lock(struct sva_sim *sim, struct sva_mutex *m)
{
	/* A task never takes a lock it holds: that would block forever. */
	assert(!m->locked || !sim->current || m->owner != sim->current);
	while (m->locked) {
		assert(sim->current && "contended mutex outside a task");
		sva_wait(sim, &m->wq);
	}
	m->locked = true;
	m->owner = sim->current;
}

void sva_mutex_unlock(struct sva_sim *sim, struct sva_mutex *m)
{
	assert(m->locked && m->owner == sim->current);
	m->locked = false;
	m->owner = NULL;
	sva_wake_one(sim, &m->wq);
}

bool sva_mutex_held(const struct sva_mutex *m)
{
	return m->locked;
}
