// SPDX-License-Identifier: MIT
/*
 * Determinism and isolation: the same seed gives byte-identical traces,
 * different seeds different interleavings, two systems in one process do
 * not interfere, and a stack overflow is a clean, named fatal error.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <sva/sim.h>
#include <sva/stats.h>
#include <sva/system.h>
#include <sva/trace.h>

#include "testutil.h"

/*
 * A racy workload: workers share a counter with a read-yield-write race,
 * so the final value and the order of the log depend on the interleaving.
 */
#define WORKERS 6
#define ROUNDS	40

struct race {
	struct sva_sim *sim;
	uint64_t shared;
	unsigned log[WORKERS * ROUNDS];
	unsigned nlog;
	int tracks[WORKERS];
	struct sva_counter *lost;
	struct sva_hist *gap;
};

struct racer {
	struct race *r;
	unsigned id;
};

static void racer_fn(void *arg)
{
	struct racer *me = arg;
	struct race *r = me->r;
	struct sva_sim *sim = r->sim;

	for (unsigned i = 0; i < ROUNDS; i++) {
		sva_time_t t0 = sva_now(sim);
		uint64_t v = r->shared;

		sva_yield(sim);			/* the race window */
		if (r->shared != v)
			sva_counter_inc(r->lost);
		r->shared = v + 1;
		r->log[r->nlog++] = me->id;
		sva_sleep(sim, sva_rand_below(sim, 3) * 10);
		sva_hist_record(r->gap, sva_now(sim) - t0);
		sva_trace_complete(sim, r->tracks[me->id], "race", "round", t0,
				   sva_now(sim) - t0,
				   (struct sva_trace_arg[]){ SVA_TARG_U("v", v),
							     SVA_TARG_S("who", "racer") }, 2);
	}
}

struct race_result {
	uint64_t shared;
	uint64_t trace_hash;
	size_t trace_len;
	unsigned log[WORKERS * ROUNDS];
	sva_time_t end;
};

static void run_race(uint64_t seed, enum sva_ctx_kind ctx, struct race_result *out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct sva_system_config cfg = { .seed = seed, .ctx = ctx, .trace = f };
	struct sva_system *sys = sva_system_create(&cfg);
	struct race r = { 0 };
	struct racer who[WORKERS];

	assert_non_null(f);
	assert_non_null(sys);
	r.sim = sva_system_sim(sys);
	r.lost = sva_stat_counter(r.sim, "race.lost_updates");
	r.gap = sva_stat_hist(r.sim, "race.round", "ns");
	for (unsigned i = 0; i < WORKERS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "racer%u", i);
		r.tracks[i] = sva_trace_track(r.sim, "race", name);
		who[i] = (struct racer){ &r, i };
		assert_non_null(sva_task_spawn(r.sim, name, racer_fn, &who[i],
					       &(struct sva_task_attr){ .detached = true }));
	}
	assert_int_equal(sva_sim_run(r.sim), 0);
	assert_int_equal(r.nlog, WORKERS * ROUNDS);
	out->shared = r.shared;
	out->end = sva_now(r.sim);
	memcpy(out->log, r.log, sizeof(out->log));
	sva_system_destroy(sys);	/* closes the trace */
	fclose(f);
	out->trace_hash = tu_hash(buf, len);
	out->trace_len = len;
	free(buf);
}

static void test_same_seed_gives_byte_identical_trace(void **state)
{
	struct race_result a, b;

	(void)state;
	run_race(tu_seed(1234), SVA_CTX_DEFAULT, &a);
	run_race(tu_seed(1234), SVA_CTX_DEFAULT, &b);
	assert_true(a.trace_len > 1000);
	assert_int_equal(a.trace_len, b.trace_len);
	assert_int_equal(a.trace_hash, b.trace_hash);
	assert_int_equal(a.shared, b.shared);
	assert_memory_equal(a.log, b.log, sizeof(a.log));
}

/* The switch mechanism is an implementation detail: it must not leak into runs. */
static void test_trace_is_independent_of_switch_mechanism(void **state)
{
	struct race_result a, b;

	(void)state;
	run_race(99, SVA_CTX_ASM, &a);
	run_race(99, SVA_CTX_UCONTEXT, &b);
	assert_int_equal(a.trace_hash, b.trace_hash);
	assert_memory_equal(a.log, b.log, sizeof(a.log));
}

static void test_different_seeds_explore_different_interleavings(void **state)
{
	struct race_result base, other;
	unsigned distinct = 0, lossy = 0;

	(void)state;
	run_race(1, SVA_CTX_DEFAULT, &base);
	for (uint64_t s = 2; s < 12; s++) {
		run_race(s, SVA_CTX_DEFAULT, &other);
		distinct += memcmp(base.log, other.log, sizeof(base.log)) != 0;
		lossy += other.shared < WORKERS * ROUNDS;
		assert_int_not_equal(base.trace_hash, other.trace_hash);
	}
	assert_int_equal(distinct, 10);
	assert_true(lossy > 0);		/* the race is real: updates get lost */
}

/* Two systems, run in alternating slices, end exactly as when run alone. */
static void test_two_systems_in_one_process_do_not_interfere(void **state)
{
	struct race_result alone1, alone2;
	struct sva_system *s1, *s2;
	struct race r1 = { 0 }, r2 = { 0 };
	struct racer w1[WORKERS], w2[WORKERS];

	(void)state;
	run_race(5, SVA_CTX_DEFAULT, &alone1);
	run_race(6, SVA_CTX_DEFAULT, &alone2);

	s1 = sva_system_create(&(struct sva_system_config){ .seed = 5 });
	s2 = sva_system_create(&(struct sva_system_config){ .seed = 6 });
	assert_non_null(s1);
	assert_non_null(s2);
	r1.sim = sva_system_sim(s1);
	r2.sim = sva_system_sim(s2);
	r1.lost = sva_stat_counter(r1.sim, "race.lost_updates");
	r2.lost = sva_stat_counter(r2.sim, "race.lost_updates");
	r1.gap = sva_stat_hist(r1.sim, "race.round", "ns");
	r2.gap = sva_stat_hist(r2.sim, "race.round", "ns");
	for (unsigned i = 0; i < WORKERS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "racer%u", i);
		r1.tracks[i] = sva_trace_track(r1.sim, "race", name);
		r2.tracks[i] = sva_trace_track(r2.sim, "race", name);
		w1[i] = (struct racer){ &r1, i };
		w2[i] = (struct racer){ &r2, i };
		assert_non_null(sva_task_spawn(r1.sim, name, racer_fn, &w1[i], &(struct sva_task_attr){ .detached = true }));
		assert_non_null(sva_task_spawn(r2.sim, name, racer_fn, &w2[i], &(struct sva_task_attr){ .detached = true }));
	}
	for (sva_time_t t = 0; r1.nlog < WORKERS * ROUNDS || r2.nlog < WORKERS * ROUNDS; t += 7) {
		assert_int_equal(sva_sim_run_until(r1.sim, t), 0);
		assert_int_equal(sva_sim_run_until(r2.sim, t), 0);
		assert_true(t < 1000000);
	}
	assert_int_equal(r1.shared, alone1.shared);
	assert_int_equal(r2.shared, alone2.shared);
	assert_memory_equal(r1.log, alone1.log, sizeof(r1.log));
	assert_memory_equal(r2.log, alone2.log, sizeof(r2.log));
	/* The stats live in each system, not in a process-wide table. */
	assert_ptr_not_equal(r1.lost, r2.lost);
	sva_system_destroy(s1);
	sva_system_destroy(s2);
}

/* ---- stack overflow: a death test in a child process ------------------------- */

/* The depth limit is only there to keep the compiler from proving it infinite. */
static unsigned recurse(unsigned n, unsigned limit)
{
	volatile char pad[512];

	pad[0] = (char)n;
	if (n >= limit)
		return pad[0];
	return recurse(n + 1, limit) + pad[0];
}

static void overflow_task(void *arg)
{
	(void)recurse(0, *(volatile unsigned *)arg);
}

static void overflow_child(void *arg)
{
	struct sva_sim *sim = sva_sim_create(&(struct sva_sim_config){ .seed = 1, .ctx = *(enum sva_ctx_kind *)arg });

	static unsigned limit = 1u << 30;

	sva_task_spawn(sim, "deep-recursion", overflow_task, &limit, NULL);
	sva_sim_run(sim);
	fprintf(stderr, "survived\n");
}

static void check_overflow(enum sva_ctx_kind ctx)
{
	char *err = NULL;
	int status = tu_run_child(overflow_child, &ctx, &err);

	assert_true(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0));
	if (WIFSIGNALED(status))
		assert_int_equal(WTERMSIG(status), SIGSEGV);
	if (!strstr(err, "stack overflow in task 'deep-recursion'"))
		fail_msg("missing message; child stderr was:\n%s", err);
	assert_null(strstr(err, "survived"));
	free(err);
}

static void test_stack_overflow_is_a_clean_named_error(void **state)
{
	(void)state;
	check_overflow(SVA_CTX_ASM);
	check_overflow(SVA_CTX_UCONTEXT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_gives_byte_identical_trace),
		cmocka_unit_test(test_trace_is_independent_of_switch_mechanism),
		cmocka_unit_test(test_different_seeds_explore_different_interleavings),
		cmocka_unit_test(test_two_systems_in_one_process_do_not_interfere),
		cmocka_unit_test(test_stack_overflow_is_a_clean_named_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
