// SPDX-License-Identifier: MIT
/*
 * The DSA timing model through the whole path (issue 10): guests submit
 * real memmoves and read the virtual clock around them, with the timing
 * table changed between runs.  What is checked is the model's shape, each
 * against its own what-if: the device's data path caps the engines
 * together; translations after a stream's first hide behind its data;
 * dispatch and translation of queued descriptors overlap earlier work.
 */
#include "guest_util.h"

#define MIB (1ull << 20)

struct tm {
	struct sva_sim *sim;
	unsigned n;		/* descriptors */
	uint32_t size;		/* bytes each */
	sva_time_t elapsed;	/* first submission to last completion */
};

/* Submit @n memmoves of @size at once (MOVDIR64B to a dedicated WQ), then wait for all. */
static void burst_main(void *arg)
{
	struct tm *t = arg;
	uint64_t area = gu_alloc(2 * GU_PAGE + 64ull * t->n, true), crs = area + GU_PAGE;
	uint64_t src = gu_alloc(t->size, true), dst = gu_alloc((uint64_t)t->n * t->size, true);
	struct gu_wq wq;
	sva_time_t t0;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &wq), 0);
	gu_fill(src, t->size, 7);
	/* One untimed descriptor first: the PASID is bound and the ATC knows the source. */
	{
		struct dsa_hw_desc d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst, t->size, GU_FL, crs);

		gu_prepare(area, &d);
		GU_CHECK_EQ(sva_movdir64b(wq.portal, area), 0);
		GU_CHECK_EQ(gu_poll(crs), DSA_COMP_SUCCESS);
	}
	for (unsigned i = 0; i < t->n; i++) {
		struct dsa_hw_desc d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst + (uint64_t)i * t->size, t->size,
					       GU_FL, crs + 32ull * i);

		gu_prepare(area + 2 * GU_PAGE + 64ull * i, &d);
	}
	t0 = sva_now(t->sim);
	for (unsigned i = 0; i < t->n; i++)
		GU_CHECK_EQ(sva_movdir64b(wq.portal, area + 2 * GU_PAGE + 64ull * i), 0);
	for (unsigned i = 0; i < t->n; i++)
		GU_CHECK_EQ(gu_poll(crs + 32ull * i), DSA_COMP_SUCCESS);
	t->elapsed = sva_now(t->sim) - t0;
	for (unsigned i = 0; i < t->n; i++)
		GU_CHECK(gu_holds(dst + (uint64_t)i * t->size, t->size, 7, 0));
}

/* Run @n x @size on @engines engines with @edit applied to the default timing; the elapsed time. */
static sva_time_t burst(unsigned engines, unsigned n, uint32_t size, void (*edit)(struct sva_timing *))
{
	char cfg[2048];
	struct sva_system *sys = gu_sys(tu_seed(61), gu_config_1wq(cfg, sizeof(cfg), "dedicated", 64, 0, 0,
								 engines));
	struct tm t = { .sim = sva_system_sim(sys), .n = n, .size = size };

	if (edit)
		edit(sva_machine_timing(sva_system_machine(sys)));
	gu_run_one(sys, burst_main, &t);
	sva_system_destroy(sys);
	return t.elapsed;
}

static void wide_device(struct sva_timing *t)
{
	t->device_bw = 4 * t->engine_bw;
}

/* Four engines share one data path: together no faster than device_bw. */
static void test_device_path_caps_engines(void **state)
{
	struct sva_timing d;
	sva_time_t one, four, wide, floor_ns;

	(void)state;
	sva_timing_default(&d);
	one = burst(1, 8, MIB, NULL);
	four = burst(4, 8, MIB, NULL);
	wide = burst(4, 8, MIB, wide_device);
	floor_ns = (sva_time_t)(8.0 * MIB / d.device_bw);
	/* The bytes cannot move faster than the path; the rest is a few microseconds of overhead. */
	assert_true(four >= floor_ns);
	assert_true(four < floor_ns + floor_ns / 10);
	/* More engines on the same path: hardly faster than one. */
	assert_true(four * 10 > one * 9);
	/* A path four times as wide lets the four engines run side by side. */
	assert_true(wide * 3 < four);
}

static sva_time_t sync_copy(uint32_t size, void (*edit)(struct sva_timing *))
{
	return burst(1, 1, size, edit);
}

static void slow_ats(struct sva_timing *t)
{
	t->ats_rtt += 10000;
}

/*
 * A 1 MiB copy to pages the device has not seen misses the ATC 256 times
 * on its destination; ten microseconds more per ATS round trip must cost
 * about one round trip (the first), not 256: later translations are
 * requested ahead of the data and hide behind it.
 */
static void test_translations_hide_behind_the_data(void **state)
{
	sva_time_t base, slow;

	(void)state;
	base = sync_copy(MIB, NULL);
	slow = sync_copy(MIB, slow_ats);
	assert_true(slow > base + 10000 - 1000);
	assert_true(slow < base + 3 * 10000);
}

static void slow_dispatch(struct sva_timing *t)
{
	t->desc_dispatch += 20000;
}

/*
 * desc_dispatch is a latency, not engine time: 32 small copies queued at
 * once pay it about once, and one copy alone pays it whole.
 */
static void test_dispatch_overlaps_queued_work(void **state)
{
	sva_time_t one, one_slow, many, many_slow;

	(void)state;
	one = sync_copy(64, NULL);
	one_slow = sync_copy(64, slow_dispatch);
	many = burst(1, 32, 64, NULL);
	many_slow = burst(1, 32, 64, slow_dispatch);
	assert_true(one_slow >= one + 20000);
	/* Queued behind the first: each waits out its own dispatch while the one before runs. */
	assert_true(many_slow >= 20000 && many_slow > many + 20000 / 2);
	assert_true(many_slow < many + 2 * 20000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_path_caps_engines),
		cmocka_unit_test(test_translations_hide_behind_the_data),
		cmocka_unit_test(test_dispatch_overlaps_queued_work),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
