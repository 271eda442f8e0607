// SPDX-License-Identifier: MIT
/* The clock and the event queue: ordering, ties, cancel, run_until. */
#include <stdlib.h>
#include <string.h>

#include <sva/sim.h>

#include "testutil.h"

struct probe {
	struct sva_event ev;
	sva_time_t due;
	sva_time_t fired_at;
	int fired;
	unsigned id;
	unsigned *log;
	unsigned *nlog;
};

static void probe_fire(struct sva_sim *sim, struct sva_event *ev)
{
	struct probe *p = (struct probe *)ev;

	p->fired++;
	p->fired_at = sva_now(sim);
	if (p->log)
		p->log[(*p->nlog)++] = p->id;
}

static struct sva_sim *mk(uint64_t seed)
{
	struct sva_sim_config cfg = { .seed = seed };
	struct sva_sim *sim = sva_sim_create(&cfg);

	assert_non_null(sim);
	return sim;
}

static void test_clock_orders_events_by_time(void **state)
{
	enum { N = 5000 };
	struct sva_sim *sim = mk(tu_seed(11));
	struct probe *p = calloc(N, sizeof(*p));
	unsigned *log = calloc(N, sizeof(*log)), nlog = 0;
	uint64_t rs = 12345;

	(void)state;
	for (unsigned i = 0; i < N; i++) {
		rs = rs * 6364136223846793005ull + 1442695040888963407ull;
		p[i].due = (rs >> 33) % 1000;	/* many ties on purpose */
		p[i].id = i;
		p[i].log = log;
		p[i].nlog = &nlog;
		sva_event_init(&p[i].ev, probe_fire);
		sva_event_at(sim, &p[i].ev, p[i].due);
	}
	assert_int_equal(sva_sim_run(sim), 0);
	assert_int_equal(nlog, N);
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(p[i].fired, 1);
		assert_int_equal(p[i].fired_at, p[i].due);
		if (i)
			assert_true(p[log[i - 1]].due <= p[log[i]].due);
	}
	assert_int_equal(sva_now(sim), p[log[N - 1]].due);
	free(p);
	free(log);
	sva_sim_destroy(sim);
}

/* Ties are broken by the seed, not by the order they were scheduled in. */
static void tie_order(uint64_t seed, unsigned *log, unsigned n)
{
	struct sva_sim *sim = mk(seed);
	struct probe *p = calloc(n, sizeof(*p));
	unsigned nlog = 0;

	for (unsigned i = 0; i < n; i++) {
		p[i] = (struct probe){ .id = i, .log = log, .nlog = &nlog };
		sva_event_init(&p[i].ev, probe_fire);
		sva_event_at(sim, &p[i].ev, 100);
	}
	assert_int_equal(sva_sim_run(sim), 0);
	assert_int_equal(nlog, n);
	free(p);
	sva_sim_destroy(sim);
}

static void test_clock_ties_follow_the_seed(void **state)
{
	unsigned a[16], b[16], c[16];

	(void)state;
	tie_order(1, a, 16);
	tie_order(1, b, 16);
	tie_order(2, c, 16);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, c, sizeof(a));
}

static void test_event_cancel_and_reschedule(void **state)
{
	enum { N = 2000 };
	struct sva_sim *sim = mk(5);
	struct probe *p = calloc(N, sizeof(*p));

	(void)state;
	for (unsigned i = 0; i < N; i++) {
		sva_event_init(&p[i].ev, probe_fire);
		sva_event_at(sim, &p[i].ev, 10 + (i * 7919) % 500);
	}
	/* Cancel every third, move every fifth later: heap removal from the middle. */
	for (unsigned i = 0; i < N; i++) {
		if (i % 3 == 0) {
			sva_event_cancel(sim, &p[i].ev);
			assert_false(sva_event_pending(&p[i].ev));
		} else if (i % 5 == 0) {
			sva_event_at(sim, &p[i].ev, 1000 + i);
		}
	}
	sva_event_cancel(sim, &p[0].ev);	/* idempotent */
	assert_int_equal(sva_sim_run(sim), 0);
	for (unsigned i = 0; i < N; i++) {
		if (i % 3 == 0) {
			assert_int_equal(p[i].fired, 0);
		} else {
			assert_int_equal(p[i].fired, 1);
			if (i % 5 == 0)
				assert_int_equal(p[i].fired_at, 1000 + i);
			else
				assert_int_equal(p[i].fired_at, 10 + (i * 7919) % 500);
		}
	}
	free(p);
	sva_sim_destroy(sim);
}

static void test_run_until_stops_at_deadline(void **state)
{
	struct sva_sim *sim = mk(3);
	struct probe a = { 0 }, b = { 0 };

	(void)state;
	sva_event_init(&a.ev, probe_fire);
	sva_event_init(&b.ev, probe_fire);
	sva_event_at(sim, &a.ev, 100);
	sva_event_at(sim, &b.ev, 300);
	assert_int_equal(sva_sim_run_until(sim, 200), 0);
	assert_int_equal(a.fired, 1);
	assert_int_equal(b.fired, 0);
	assert_int_equal(sva_now(sim), 200);
	assert_true(sva_event_pending(&b.ev));
	sva_event_after(sim, &a.ev, 50);	/* relative to the new now */
	assert_int_equal(sva_sim_run_until(sim, 300), 0);
	assert_int_equal(a.fired_at, 250);
	assert_int_equal(b.fired_at, 300);
	sva_sim_destroy(sim);
}

static void test_rand_below_is_bounded_and_seeded(void **state)
{
	struct sva_sim *s1 = mk(42), *s2 = mk(42), *s3 = mk(43);
	unsigned hist[10] = { 0 };
	int differ = 0;

	(void)state;
	for (int i = 0; i < 100000; i++) {
		uint64_t v = sva_rand_below(s1, 10);

		assert_true(v < 10);
		hist[v]++;
		assert_int_equal(v, sva_rand_below(s2, 10));
		differ |= sva_rand64(s1) != sva_rand64(s3);
		(void)sva_rand64(s2);
	}
	assert_true(differ);
	for (int i = 0; i < 10; i++)	/* 10,000 expected; 5 sigma is ~470 */
		assert_true(hist[i] > 9000 && hist[i] < 11000);
	sva_sim_destroy(s1);
	sva_sim_destroy(s2);
	sva_sim_destroy(s3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock_orders_events_by_time),
		cmocka_unit_test(test_clock_ties_follow_the_seed),
		cmocka_unit_test(test_event_cancel_and_reschedule),
		cmocka_unit_test(test_run_until_stops_at_deadline),
		cmocka_unit_test(test_rand_below_is_bounded_and_seeded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
