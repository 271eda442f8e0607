// SPDX-License-Identifier: MIT
/*
 * The DSA timing model through the whole path (issue 10): guests submit
 * real memmoves and read the virtual clock around them, with the timing
 * table changed between runs.  What is checked is the model's shape, each
 * against its own what-if: the device's data path caps the engines
 * together; translations after a stream's first hide behind its data;
 * dispatch and translation of queued descriptors overlap earlier work;
 * UMWAIT rests until the device writes the completion record.
 */
#include "guest_util.h"

#define MIB (1ull << 20)

struct tm {
	struct sva_sim *sim;
	unsigned n;		/* descriptors */
	uint32_t size;		/* bytes each */
	uint8_t op;		/* memmove (0) or fill */
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
		struct dsa_hw_desc d = gu_desc(t->op ? t->op : DSA_OPCODE_MEMMOVE, src, dst + (uint64_t)i * t->size,
					       t->size, GU_FL, crs + 32ull * i);

		gu_prepare(area + 2 * GU_PAGE + 64ull * i, &d);
	}
	t0 = sva_now(t->sim);
	for (unsigned i = 0; i < t->n; i++)
		GU_CHECK_EQ(sva_movdir64b(wq.portal, area + 2 * GU_PAGE + 64ull * i), 0);
	for (unsigned i = 0; i < t->n; i++)
		GU_CHECK_EQ(gu_poll(crs + 32ull * i), DSA_COMP_SUCCESS);
	t->elapsed = sva_now(t->sim) - t0;
	for (unsigned i = 0; i < t->n && !t->op; i++)
		GU_CHECK(gu_holds(dst + (uint64_t)i * t->size, t->size, 7, 0));
}

/*
 * Run @n x @size on @engines engines with @edit applied to the default
 * timing; the elapsed time, and in *@busy (if not NULL) how long the data
 * path was held over the whole run.
 */
static sva_time_t burst_op(unsigned engines, unsigned n, uint32_t size, uint8_t op,
			   void (*edit)(struct sva_timing *), uint64_t *busy)
{
	char cfg[2048];
	struct sva_system *sys = gu_sys(tu_seed(61), gu_config_1wq(cfg, sizeof(cfg), "dedicated", 64, 0, 0,
								 engines));
	struct tm t = { .sim = sva_system_sim(sys), .n = n, .size = size, .op = op };

	if (edit)
		edit(sva_machine_timing(sva_system_machine(sys)));
	gu_run_one(sys, burst_main, &t);
	if (busy) {
		struct sva_dsa_stats ds;

		sva_dsa_stats(gu_dsa(sys), &ds);
		*busy = ds.path_busy_ns;
	}
	sva_system_destroy(sys);
	return t.elapsed;
}

static sva_time_t burst(unsigned engines, unsigned n, uint32_t size, void (*edit)(struct sva_timing *))
{
	return burst_op(engines, n, size, 0, edit, NULL);
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
	uint64_t busy, wide_busy;

	(void)state;
	sva_timing_default(&d);
	one = burst(1, 8, MIB, NULL);
	four = burst_op(4, 8, MIB, 0, NULL, &busy);
	wide = burst_op(4, 8, MIB, 0, wide_device, &wide_busy);
	floor_ns = (sva_time_t)(8.0 * MIB / d.device_bw);
	/* The bytes cannot move faster than the path; the rest is a few microseconds of overhead. */
	assert_true(four >= floor_ns);
	assert_true(four < floor_ns + floor_ns / 10);
	/* More engines on the same path: hardly faster than one. */
	assert_true(four * 10 > one * 9);
	/* The path was held for the bytes of all nine copies (the warm-up's too), each once. */
	assert_true(busy >= (uint64_t)(9.0 * MIB / d.device_bw));
	assert_true(busy <= (uint64_t)(9.0 * MIB / d.device_bw) + 9 * (d.desc_overhead + 1));
	/* The path's own width counts, not the engines': four times as wide, a quarter of the time. */
	assert_true(wide_busy >= (uint64_t)(9.0 * MIB / (4 * d.engine_bw)));
	assert_true(wide_busy <= (uint64_t)(9.0 * MIB / (4 * d.engine_bw)) + 9 * (d.desc_overhead + 1));
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
 * A 1 MiB copy misses the 64-entry ATC on every one of its 256 source and
 * 256 destination pages (the warm-up copy's entries were evicted long
 * before); ten microseconds more per ATS round trip must cost about one
 * round trip (each stream's first), not hundreds: later translations are
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

static void slow_reads(struct sva_timing *t)
{
	t->dev_read_lat += 10000;
}

/*
 * dev_read_lat is paid by operations that read, before their data flows:
 * a copy waits for it, a fill (which reads nothing) does not; and queued
 * copies overlap it with the one before, as they do translations.
 */
static void test_read_latency_only_for_reads(void **state)
{
	sva_time_t copy = sync_copy(64, NULL), copy_slow = sync_copy(64, slow_reads);
	sva_time_t fill = burst_op(1, 1, 64, DSA_OPCODE_MEMFILL, NULL, NULL);
	sva_time_t fill_slow = burst_op(1, 1, 64, DSA_OPCODE_MEMFILL, slow_reads, NULL);
	sva_time_t many = burst(1, 32, 64, NULL), many_slow = burst(1, 32, 64, slow_reads);

	(void)state;
	/* Give or take the guest's 100 ns polling step. */
	assert_true(copy_slow >= copy + 10000 && copy_slow <= copy + 10000 + 100);
	assert_true(fill_slow >= fill && fill_slow <= fill + 100);
	assert_true(fill < copy);
	assert_true(many_slow >= many + 10000 - 100 && many_slow < many + 2 * 10000);
}

/* ---- a reset while a descriptor is being dispatched ------------------------------------------ */

struct dr {
	struct sva_system *sys;
	int submitted, cmd_status;
	uint8_t status;
};

static void dr_admin(void *arg)
{
	struct dr *r = arg;
	struct sva_sim *sim = sva_system_sim(r->sys);

	while (!r->submitted)
		sva_sleep(sim, 100);
	sva_sleep(sim, 10000);	/* well inside the 50 us dispatch below */
	r->cmd_status = sva_idxd_cmd(gu_idxd(r->sys), SVA_DSA_CMD_RESET_DEVICE, 0);
}

static void dr_main(void *arg)
{
	struct dr *r = arg;
	uint64_t buf = gu_alloc(2 * GU_PAGE, true), cr = buf + GU_PAGE, data = gu_alloc(GU_PAGE, true);
	struct dsa_hw_desc d = gu_desc(DSA_OPCODE_MEMFILL, 0, data, GU_PAGE, GU_FL, cr);
	struct gu_wq wq;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &wq), 0);
	GU_CHECK(gu_submit(wq.portal, buf, &d) >= 0);
	r->submitted = 1;
	sva_nanosleep(1000000);
	r->status = gu_rec(cr).status;
}

static void long_dispatch(struct sva_timing *t)
{
	t->desc_dispatch = 50000;
}

/* Not started when the device went down: aborted like a queued one, never run after the reset. */
static void test_reset_during_dispatch_aborts(void **state)
{
	struct dr r = { .cmd_status = -1 };
	struct sva_dsa_stats ds;

	(void)state;
	r.sys = gu_sys(tu_seed(64), NULL);
	long_dispatch(sva_machine_timing(sva_system_machine(r.sys)));
	assert_non_null(sva_task_spawn(sva_system_sim(r.sys), "admin", dr_admin, &r,
				       &(struct sva_task_attr){ .detached = true }));
	gu_run_one(r.sys, dr_main, &r);
	assert_int_equal(r.cmd_status, 0);
	assert_int_equal(r.status, 0);
	sva_dsa_stats(gu_dsa(r.sys), &ds);
	assert_int_equal(ds.accepted, 1);
	assert_int_equal(ds.completed, 0);
	assert_int_equal(ds.aborted, 1);
	sva_system_destroy(r.sys);
}

/* ---- UMWAIT on a completion record ---------------------------------------------------------- */

struct uw {
	unsigned waits, cf;
	uint64_t t0, woke;
	uint8_t status;
};

static void umwait_main(void *arg)
{
	struct uw *u = arg;
	uint64_t buf = gu_alloc(2 * GU_PAGE, true), cr = buf + GU_PAGE;
	uint64_t src = gu_alloc(MIB, true), dst = gu_alloc(MIB, true);
	struct dsa_hw_desc d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst, MIB, GU_FL, cr);
	struct gu_wq wq;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &wq), 0);
	gu_fill(src, MIB, 3);
	u->t0 = sva_rdtsc();
	GU_CHECK(gu_submit(wq.portal, buf, &d) >= 0);
	/* The usual loop: arm, re-check (the record may have landed), rest. */
	for (;;) {
		GU_CHECK_EQ(sva_umonitor(cr), 0);
		sva_load(cr, &u->status, 1);
		if (u->status)
			break;
		u->cf += (unsigned)sva_umwait(0, sva_rdtsc() + 1000000);
		u->waits++;
	}
	u->woke = sva_rdtsc();
	GU_CHECK(gu_holds(dst, MIB, 3, 0));
}

/* The device's record write wakes the thread: one UMWAIT for a 1 MiB copy, not a poll loop. */
static void test_umwait_sleeps_until_the_record_lands(void **state)
{
	char cfg[2048];
	struct sva_system *sys = gu_sys(tu_seed(62), gu_config_1wq(cfg, sizeof(cfg), "shared", 16, 15, 0, 1));
	struct uw u = { 0 };

	(void)state;
	gu_run_one(sys, umwait_main, &u);
	assert_int_equal(u.status, DSA_COMP_SUCCESS);
	assert_int_equal(u.waits, 1);
	assert_int_equal(u.cf, 0);
	/* About 33 us at device_bw; woken by the write, not by a deadline or the 100 us limit. */
	assert_true(u.woke - u.t0 > 30000 && u.woke - u.t0 < 100000);
	sva_system_destroy(sys);
}

static void sleeper(void *arg)
{
	unsigned *loops = arg;
	uint64_t line = gu_alloc(GU_PAGE, true);

	/* Nobody writes the line: only the kernel's limit (CF) ends each wait. */
	for (;;) {
		GU_CHECK_EQ(sva_umonitor(line), 0);
		if (sva_umwait(0, ~0ull) == 1)
			++*loops;
	}
}

static void killer_main(void *arg)
{
	GU_CHECK(sva_thread_create(sleeper, arg, "sleeper") > 0);
	sva_nanosleep(350000);
	sva_exit(3);
}

/* A thread resting in UMWAIT ends with its process: the kill interrupts the wait. */
static void test_exit_interrupts_umwait(void **state)
{
	struct sva_system *sys = gu_sys(tu_seed(63), NULL);
	struct sva_exit_status es;
	unsigned loops = 0;
	int pid = sva_system_spawn(sys, "killer", killer_main, &loops);

	(void)state;
	assert_true(pid > 0);
	assert_int_equal(sva_sim_run(sva_system_sim(sys)), 0);
	assert_int_equal(sva_system_proc_status(sys, pid, &es), 0);
	assert_true(es.exited);
	assert_int_equal(es.code, 3);
	/* Linux's limit of 100000 quanta: three full waits in 350 us, the fourth cut short. */
	assert_int_equal(loops, 3);
	/* Cut short by the exit at 350 us, not ended by its limit at about 400 us. */
	assert_true(sva_now(sva_system_sim(sys)) < 355000);
	sva_system_destroy(sys);
}

/* A run stopped while a thread rests in UMWAIT: destroying the system must not trip over the waiter. */
static void test_destroy_with_a_thread_in_umwait(void **state)
{
	struct sva_system *sys = gu_sys(tu_seed(65), NULL);
	unsigned loops = 0;
	int pid = sva_system_spawn(sys, "sleeper", sleeper, &loops);

	(void)state;
	assert_true(pid > 0);
	assert_int_equal(sva_sim_run_until(sva_system_sim(sys), 150000), 0);
	assert_int_equal(loops, 1);	/* one limit-ended wait, the second still going */
	sva_system_destroy(sys);	/* frees the waiting task before the CPU it waits on */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_path_caps_engines),
		cmocka_unit_test(test_translations_hide_behind_the_data),
		cmocka_unit_test(test_dispatch_overlaps_queued_work),
		cmocka_unit_test(test_read_latency_only_for_reads),
		cmocka_unit_test(test_reset_during_dispatch_aborts),
		cmocka_unit_test(test_umwait_sleeps_until_the_record_lands),
		cmocka_unit_test(test_exit_interrupts_umwait),
		cmocka_unit_test(test_destroy_with_a_thread_in_umwait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
