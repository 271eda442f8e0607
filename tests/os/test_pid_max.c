// SPDX-License-Identifier: MIT
/*
 * Process ids run out as in Linux: with every pid below pid_max held by a
 * process (alive or zombie), fork fails with -EAGAIN - which is what ends a
 * fork bomb, instead of host memory.  Reaped pids are handed out again
 * after the numbers wrap, never one still held.
 */
#include <errno.h>

#include <sva/guest.h>
#include <sva/system.h>

#include "os/kernel.h"
#include "os/proc.h"
#include "system_internal.h"
#include "testutil.h"

#define PID_MAX 400			/* room for PID_MAX - 300 processes */

struct bomb {
	int pids[PID_MAX];
	int nforked, first_err, reused_ok, rounds;
};

static void child(void *arg)
{
	(void)arg;
	sva_nanosleep(1000);
}

static void parent(void *arg)
{
	struct bomb *b = arg;

	for (int round = 0; round < 3; round++) {
		int n = 0, r;

		while ((r = sva_fork(child, NULL)) > 0) {
			if (r >= PID_MAX || r < 100)
				return;
			for (int i = 0; i < n; i++)
				if (b->pids[i] == r)
					return;	/* a pid handed out twice */
			b->pids[n++] = r;
		}
		if (round == 0) {
			b->nforked = n;
			b->first_err = r;
		} else if (n == b->nforked && r == -EAGAIN) {
			b->reused_ok++;
		}
		for (int i = 0; i < n; i++)
			if (sva_waitpid(b->pids[i], NULL) != b->pids[i])
				return;
		b->rounds++;
	}
}

static void test_fork_gets_eagain_when_pids_run_out(void **state)
{
	struct sva_system *sys = sva_system_create(&(struct sva_system_config){
		.seed = tu_seed(1), .no_accel = true, .ram_size = 64 << 20, .pid_max = PID_MAX });
	struct bomb b = { 0 };

	(void)state;
	assert_non_null(sys);
	assert_true(sva_system_spawn(sys, "bomb", parent, &b) > 0);
	assert_int_equal(sva_sim_run(sva_system_sim(sys)), 0);
	assert_int_equal(b.rounds, 3);
	assert_int_equal(b.first_err, -EAGAIN);
	/* Every pid but the parent's: PID_MAX - SVA_RESERVED_PIDS processes in all. */
	assert_int_equal(b.nforked, PID_MAX - SVA_RESERVED_PIDS - 1);
	/* Once reaped, the pids come back (the numbers wrapped), as many as before. */
	assert_int_equal(b.reused_ok, 2);
	sva_system_destroy(sys);
}

static void test_pid_max_out_of_range_is_refused(void **state)
{
	(void)state;
	assert_null(sva_system_create(&(struct sva_system_config){ .no_accel = true, .ram_size = 64 << 20,
								    .pid_max = SVA_RESERVED_PIDS }));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_gets_eagain_when_pids_run_out),
		cmocka_unit_test(test_pid_max_out_of_range_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
