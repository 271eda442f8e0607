// SPDX-License-Identifier: MIT
/* Tasks and wait queues: sleep, wait/wake/timeout, join, many tasks, deadlock. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sva/sim.h>

#include "testutil.h"

static enum sva_ctx_kind ctx_kind = SVA_CTX_ASM;

static struct sva_sim *mk(uint64_t seed)
{
	struct sva_sim_config cfg = { .seed = seed, .ctx = ctx_kind };
	struct sva_sim *sim = sva_sim_create(&cfg);

	assert_non_null(sim);
	return sim;
}

/* ---- sleep ----------------------------------------------------------- */

struct sleeper {
	struct sva_sim *sim;
	sva_time_t naps[4];
	sva_time_t woke[4];
};

static void sleeper_fn(void *arg)
{
	struct sleeper *s = arg;

	for (int i = 0; i < 4; i++) {
		sva_sleep(s->sim, s->naps[i]);
		s->woke[i] = sva_now(s->sim);
	}
}

static void test_sleep_advances_virtual_time(void **state)
{
	struct sva_sim *sim = mk(1);
	struct sleeper s = { .sim = sim, .naps = { 10, 0, 250, 1 } };
	struct sva_task *t;

	(void)state;
	t = sva_task_spawn(sim, "sleeper", sleeper_fn, &s, NULL);
	assert_non_null(t);
	assert_int_equal(sva_sim_run(sim), 0);
	assert_int_equal(s.woke[0], 10);
	assert_int_equal(s.woke[1], 10);
	assert_int_equal(s.woke[2], 260);
	assert_int_equal(s.woke[3], 261);
	assert_true(sva_task_done(t));
	assert_int_equal(sva_task_join(sim, t), 0);
	sva_sim_destroy(sim);
}

/* ---- wait queues ------------------------------------------------------------ */

struct wq_case {
	struct sva_sim *sim;
	struct sva_waitq wq;
	int result[8];
	sva_time_t at[8];
	unsigned woken;
};

struct waiter {
	struct wq_case *c;
	int idx;
	sva_time_t timeout;	/* SVA_TIME_NEVER: plain wait */
};

static void waiter_fn(void *arg)
{
	struct waiter *w = arg;
	struct wq_case *c = w->c;

	if (w->timeout == SVA_TIME_NEVER) {
		sva_wait(c->sim, &c->wq);
		c->result[w->idx] = 0;
	} else {
		c->result[w->idx] = sva_wait_timeout(c->sim, &c->wq, w->timeout);
	}
	c->at[w->idx] = sva_now(c->sim);
}

static void waker_one_then_all(void *arg)
{
	struct wq_case *c = arg;

	sva_sleep(c->sim, 100);
	c->woken += sva_wake_one(c->sim, &c->wq);
	sva_sleep(c->sim, 100);
	c->woken += sva_wake_all(c->sim, &c->wq);
	c->woken += sva_wake_all(c->sim, &c->wq);	/* nobody left */
}

static void test_wait_wake_one_then_all_fifo(void **state)
{
	struct sva_sim *sim = mk(7);
	struct wq_case c = { .sim = sim };
	struct waiter w[4];

	(void)state;
	sva_waitq_init(&c.wq);
	/* Spawned before the waker; the first to queue is the first woken. */
	w[0] = (struct waiter){ &c, 0, SVA_TIME_NEVER };
	assert_non_null(sva_task_spawn(sim, "w0", waiter_fn, &w[0], &(struct sva_task_attr){ .detached = true }));
	assert_int_equal(sva_sim_run_until(sim, 1), 0);	/* w0 queues first */
	for (int i = 1; i < 4; i++) {
		w[i] = (struct waiter){ &c, i, SVA_TIME_NEVER };
		assert_non_null(sva_task_spawn(sim, "w", waiter_fn, &w[i], &(struct sva_task_attr){ .detached = true }));
	}
	assert_non_null(sva_task_spawn(sim, "waker", waker_one_then_all, &c, &(struct sva_task_attr){ .detached = true }));
	assert_int_equal(sva_sim_run(sim), 0);
	assert_int_equal(c.woken, 4);
	assert_int_equal(c.at[0], 101);		/* woken alone by wake_one */
	for (int i = 1; i < 4; i++)
		assert_int_equal(c.at[i], 201);
	assert_int_equal(c.wq.nr, 0);
	sva_sim_destroy(sim);
}

static void waker_at_150(void *arg)
{
	struct wq_case *c = arg;

	sva_sleep(c->sim, 150);
	c->woken += sva_wake_all(c->sim, &c->wq);
}

static void test_wait_timeout_expires_or_is_woken(void **state)
{
	struct sva_sim *sim = mk(9);
	struct wq_case c = { .sim = sim };
	struct waiter w[3] = {
		{ &c, 0, 100 },		/* deadline before the wake */
		{ &c, 1, 200 },		/* woken first */
		{ &c, 2, 150 },		/* deadline and wake at the same instant */
	};

	(void)state;
	sva_waitq_init(&c.wq);
	for (int i = 0; i < 3; i++)
		assert_non_null(sva_task_spawn(sim, "w", waiter_fn, &w[i], &(struct sva_task_attr){ .detached = true }));
	assert_non_null(sva_task_spawn(sim, "waker", waker_at_150, &c, &(struct sva_task_attr){ .detached = true }));
	assert_int_equal(sva_sim_run(sim), 0);
	assert_int_equal(c.result[0], -ETIMEDOUT);
	assert_int_equal(c.at[0], 100);
	assert_int_equal(c.result[1], 0);
	assert_int_equal(c.at[1], 150);
	/* Same instant: either outcome is legal, but it must be consistent. */
	assert_int_equal(c.at[2], 150);
	assert_true(c.result[2] == 0 || c.result[2] == -ETIMEDOUT);
	assert_int_equal(c.woken, c.result[2] == 0 ? 2 : 1);
	assert_int_equal(c.wq.nr, 0);
	sva_sim_destroy(sim);
}

/* ---- watchdogs: background timers tick while there is work and end with it -------- */

struct watchdog {
	struct sva_sim *sim;
	struct sva_waitq wq;
	unsigned ticks;
};

static void watchdog_fn(void *arg)
{
	struct watchdog *w = arg;

	for (;;)
		if (sva_wait_watchdog(w->sim, &w->wq, 100) == -ETIMEDOUT)
			w->ticks++;
}

static void sleeps_1000(void *arg)
{
	sva_sleep(arg, 1000);
}

static void test_watchdog_does_not_keep_the_run_alive(void **state)
{
	struct sva_sim *sim = mk(4);
	struct watchdog w = { .sim = sim };

	(void)state;
	sva_waitq_init(&w.wq);
	assert_non_null(sva_task_spawn(sim, "watchdog", watchdog_fn, &w,
				       &(struct sva_task_attr){ .detached = true, .daemon = true }));
	assert_non_null(sva_task_spawn(sim, "worker", sleeps_1000, sim, &(struct sva_task_attr){ .detached = true }));
	/* Ticks at 100..1000 while the worker sleeps, then the run ends. */
	assert_int_equal(sva_sim_run(sim), 0);
	assert_int_equal(sva_now(sim), 1000);
	assert_true(w.ticks >= 9 && w.ticks <= 10);
	assert_true(sva_sim_idle(sim));
	/* A run to a deadline lets the watchdog fire on the way. */
	assert_int_equal(sva_sim_run_until(sim, 2000), 0);
	assert_int_equal(sva_now(sim), 2000);
	assert_true(w.ticks >= 19 && w.ticks <= 20);
	/* The work ended at 1000; the watchdog's ticks since do not count as work. */
	assert_int_equal(sva_sim_last_event_time(sim), 1000);
	sva_sim_destroy(sim);
}

/* ---- join and exit codes ----------------------------------------------------------- */

struct joiner {
	struct sva_sim *sim;
	struct sva_task *child;
	int code;
};

static void exits_with_7(void *arg)
{
	struct sva_sim *sim = arg;

	sva_sleep(sim, 30);
	sva_task_exit(sim, 7);
}

static void joiner_fn(void *arg)
{
	struct joiner *j = arg;

	j->child = sva_task_spawn(j->sim, "child", exits_with_7, j->sim, NULL);
	assert_non_null(j->child);
	assert_int_equal(sva_task_join(j->sim, sva_current(j->sim)), -EINVAL);
	j->code = sva_task_join(j->sim, j->child);
}

static void test_join_returns_exit_code(void **state)
{
	struct sva_sim *sim = mk(1);
	struct joiner j = { .sim = sim };
	struct sva_task *t, *d;

	(void)state;
	t = sva_task_spawn(sim, "joiner", joiner_fn, &j, NULL);
	d = sva_task_spawn(sim, "detached", exits_with_7, sim, &(struct sva_task_attr){ .detached = true });
	assert_int_equal(sva_task_join(sim, d), -EINVAL);
	assert_int_equal(sva_task_join(sim, t), -EBUSY);	/* not done, not in a task */
	assert_int_equal(sva_sim_run(sim), 0);
	assert_int_equal(j.code, 7);
	assert_int_equal(sva_task_join(sim, t), 0);
	sva_sim_destroy(sim);
}

/* ---- many tasks ---------------------------------------------------------------- */

#define MANY_TOTAL	100000
#define MANY_WAVE	2000

struct many {
	struct sva_sim *sim;
	unsigned ran;
	uint64_t sum;
};

static void tiny(void *arg)
{
	struct many *m = arg;

	m->ran++;
	sva_sleep(m->sim, 1 + sva_rand_below(m->sim, 5));
	m->sum += sva_task_id(sva_current(m->sim));
}

static void spawner(void *arg)
{
	struct many *m = arg;
	_Static_assert(MANY_TOTAL % MANY_WAVE == 0, "whole waves");
	struct sva_task **wave = calloc(MANY_WAVE, sizeof(*wave));

	assert_non_null(wave);
	for (unsigned done = 0; done < MANY_TOTAL; done += MANY_WAVE) {
		for (unsigned i = 0; i < MANY_WAVE; i++) {
			wave[i] = sva_task_spawn(m->sim, "tiny", tiny, m, NULL);
			assert_non_null(wave[i]);
		}
		for (unsigned i = 0; i < MANY_WAVE; i++)
			assert_int_equal(sva_task_join(m->sim, wave[i]), 0);
	}
	free(wave);
}

static void test_hundred_thousand_tasks_created_and_joined(void **state)
{
	struct sva_sim *sim = mk(3);
	struct many m = { .sim = sim };
	struct sva_sim_counts c;
	struct sva_task *t;
	uint64_t expect = 0;

	(void)state;
	t = sva_task_spawn(sim, "spawner", spawner, &m, NULL);
	assert_int_equal(sva_sim_run(sim), 0);
	assert_int_equal(sva_task_join(sim, t), 0);
	assert_int_equal(m.ran, MANY_TOTAL);
	for (uint64_t id = 2; id < 2 + MANY_TOTAL; id++)
		expect += id;
	assert_int_equal(m.sum, expect);
	sva_sim_counts(sim, &c);
	assert_int_equal(c.tasks_created, MANY_TOTAL + 1);
	assert_int_equal(c.tasks_live, 0);
	sva_sim_destroy(sim);	/* ASan's leak check covers the rest */
}

/* ---- deadlock ----------------------------------------------------------------------- */

struct forever {
	struct sva_sim *sim;
	struct sva_waitq wq;
};

static void waits_forever(void *arg)
{
	struct forever *f = arg;

	sva_wait(f->sim, &f->wq);
	fail_msg("nobody can wake this task");
}

static void test_deadlock_is_reported_not_hung(void **state)
{
	struct sva_sim *sim = mk(1);
	struct forever f = { .sim = sim };
	struct sleeper s = { .sim = sim, .naps = { 5, 5, 5, 5 } };

	(void)state;
	sva_waitq_init(&f.wq);
	assert_int_equal(sva_sim_run(sim), 0);	/* nothing to do is fine */
	assert_non_null(sva_task_spawn(sim, "stuck", waits_forever, &f, NULL));
	assert_non_null(sva_task_spawn(sim, "sleeper", sleeper_fn, &s, NULL));
	assert_int_equal(sva_sim_run(sim), -EDEADLK);
	assert_int_equal(sva_sim_nr_blocked(sim), 1);
	assert_int_equal(sva_now(sim), 20);	/* the sleeper still ran to the end */
	assert_int_equal(f.wq.nr, 1);
	sva_sim_destroy(sim);	/* frees the stuck task */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sleep_advances_virtual_time),
		cmocka_unit_test(test_wait_wake_one_then_all_fifo),
		cmocka_unit_test(test_wait_timeout_expires_or_is_woken),
		cmocka_unit_test(test_watchdog_does_not_keep_the_run_alive),
		cmocka_unit_test(test_join_returns_exit_code),
		cmocka_unit_test(test_hundred_thousand_tasks_created_and_joined),
		cmocka_unit_test(test_deadlock_is_reported_not_hung),
	};
	int fails;

	fails = cmocka_run_group_tests_name("asm switch", tests, NULL, NULL);
	ctx_kind = SVA_CTX_UCONTEXT;
	fails += cmocka_run_group_tests_name("ucontext switch", tests, NULL, NULL);
	return fails;
}
