// SPDX-License-Identifier: MIT
/*
 * Wait queues: FIFO lists of blocked tasks, as in the kernel.  A waiter
 * with a deadline also has its resumption event in the timer heap; who
 * ends the wait first (a wake-up or the deadline) is decided by whether the
 * task is still on the queue when it runs again.
 */
#include <errno.h>

#include "sim_internal.h"

void sva_waitq_init(struct sva_waitq *wq)
{
	wq->head = wq->tail = NULL;
	wq->nr = 0;
}

static void enqueue(struct sva_waitq *wq, struct sva_task *t)
{
	assert(t->wq == NULL);
	t->wq = wq;
	t->wq_next = NULL;
	t->wq_prev = wq->tail;
	if (wq->tail)
		wq->tail->wq_next = t;
	else
		wq->head = t;
	wq->tail = t;
	wq->nr++;
}

void sva_waitq_dequeue(struct sva_task *t)
{
	struct sva_waitq *wq = t->wq;

	assert(wq && wq->nr > 0);
	if (t->wq_prev)
		t->wq_prev->wq_next = t->wq_next;
	else
		wq->head = t->wq_next;
	if (t->wq_next)
		t->wq_next->wq_prev = t->wq_prev;
	else
		wq->tail = t->wq_prev;
	wq->nr--;
	t->wq = NULL;
	t->wq_next = t->wq_prev = NULL;
}

int sva_wait_deadline(struct sva_sim *sim, struct sva_waitq *wq, sva_time_t when)
{
	struct sva_task *t = sim->current;

	assert(t && "waiting outside a task");
	if (when <= sim->now && when != SVA_TIME_NEVER)
		return -ETIMEDOUT;
	enqueue(wq, t);
	if (when != SVA_TIME_NEVER)
		sva_event_at(sim, &t->ev, when);
	sva_sched_block(sim);
	if (t->wq) {		/* nobody took us off: the deadline did it */
		sva_waitq_dequeue(t);
		return -ETIMEDOUT;
	}
	return 0;
}

void sva_wait(struct sva_sim *sim, struct sva_waitq *wq)
{
	int r = sva_wait_deadline(sim, wq, SVA_TIME_NEVER);

	assert(r == 0);
	(void)r;
}

int sva_wait_timeout(struct sva_sim *sim, struct sva_waitq *wq, sva_time_t ns)
{
	sva_time_t when = sim->now + ns;

	if (when < sim->now)
		when = SVA_TIME_NEVER;
	return sva_wait_deadline(sim, wq, when);
}

int sva_wait_watchdog(struct sva_sim *sim, struct sva_waitq *wq, sva_time_t ns)
{
	struct sva_task *t = sim->current;
	int r;

	assert(t && "waiting outside a task");
	sva_event_set_background(&t->ev, true);
	r = sva_wait_timeout(sim, wq, ns);
	sva_event_set_background(&t->ev, false);
	return r;
}

unsigned sva_wake_one(struct sva_sim *sim, struct sva_waitq *wq)
{
	struct sva_task *t = wq->head;

	if (!t)
		return 0;
	sva_waitq_dequeue(t);
	sva_task_make_ready(sim, t);
	return 1;
}

unsigned sva_wake_all(struct sva_sim *sim, struct sva_waitq *wq)
{
	unsigned n = 0;

	while (wq->head)
		n += sva_wake_one(sim, wq);
	return n;
}
