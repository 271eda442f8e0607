// SPDX-License-Identifier: MIT
/*
 * The invariant checker must never be what fails a legal run: however many
 * invalidations are in progress at once, it keeps track of all of them.
 * Many processes, each on its own CPU and bound to the DSA, reach the same
 * instant and take a translation away together - the portal on close, or
 * a buffer by munmap - so every range waits on the IOMMU's invalidation
 * queue at the same time.
 */
#include "../idxd/guest_util.h"

#include "os/check.h"

struct limits {
	sva_time_t at;		/* when every process acts */
	bool munmap;		/* munmap a buffer (else: close the WQ) */
	unsigned done;
};

static void actor(void *arg)
{
	struct limits *l = arg;
	struct gu_wq w;
	uint64_t buf;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &w), 0);
	buf = gu_alloc(2 * GU_PAGE, true);
	GU_CHECK(sva_rdtsc() < l->at);
	sva_nanosleep(l->at - sva_rdtsc());
	if (l->munmap) {
		GU_CHECK_EQ(sva_munmap(buf, 2 * GU_PAGE), 0);
	} else {
		GU_CHECK_EQ(sva_munmap(w.portal, GU_PAGE), 0);
		GU_CHECK_EQ(sva_close(w.fd), 0);
	}
	l->done++;
}

static void run_together(unsigned nprocs, bool munmap)
{
	struct sva_system *sys = sva_system_create(&(struct sva_system_config){
		.seed = tu_seed(1), .nr_cpus = nprocs, .check = 1 });
	struct limits l = { .at = 50 * SVA_MSEC, .munmap = munmap };
	struct sva_kernel *k;

	assert_non_null(sys);
	k = sva_system_kernel(sys);
	k->check.fatal = false;
	for (unsigned i = 0; i < nprocs; i++)
		assert_true(sva_system_spawn(sys, "actor", actor, &l) > 0);
	assert_int_equal(sva_sim_run(sva_system_sim(sys)), 0);
	gu_assert_clean();
	assert_int_equal(l.done, nprocs);
	if (k->check.violations)
		fail_msg("the checker reported: %s", k->check.last);
	/* They really were in progress together, beyond any small fixed table. */
	assert_true(k->check.max_pending >= nprocs / 2);
	assert_int_equal(k->check.npending, 0);
	sva_system_destroy(sys);
}

static void test_1024_processes_close_at_once(void **state)
{
	(void)state;
	run_together(1024, false);
}

static void test_128_concurrent_munmaps(void **state)
{
	(void)state;
	run_together(128, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_1024_processes_close_at_once),
		cmocka_unit_test(test_128_concurrent_munmaps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
