// SPDX-License-Identifier: MIT
/*
 * CTest native.patch: runs each case of progs/patch_prog.c in its own
 * process with the trap layer preloaded (argv[2]) and SVA_NATIVE_ROOT set,
 * the fast path on (or off, SVA_NATIVE_PATCH=0, where the case says), and
 * checks that it exits 0.
 * Usage: patch_runner PATCH_PROG LIBRARY
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "run_prog.h"

static const char *prog, *lib;

static void run(const char *name, const char *patch)
{
	run_prog(prog, lib, name, patch, 0);
}

#define CASE(name, patch) \
	static void test_##name(void **state) { (void)state; run(#name, patch); }

CASE(loop_enqcmd, NULL)
CASE(loop_movdir64b, NULL)
CASE(regs, "1")
CASE(forms, NULL)
CASE(bad_source, NULL)
CASE(gp, NULL)
CASE(portal_gone, NULL)
CASE(no_patch, "0")
CASE(threads_present, NULL)
CASE(threads_single, "single")
CASE(threads_race, NULL)
CASE(fork, NULL)
CASE(bench, NULL)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loop_enqcmd),
		cmocka_unit_test(test_loop_movdir64b),
		cmocka_unit_test(test_regs),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_bad_source),
		cmocka_unit_test(test_gp),
		cmocka_unit_test(test_portal_gone),
		cmocka_unit_test(test_no_patch),
		cmocka_unit_test(test_threads_present),
		cmocka_unit_test(test_threads_single),
		cmocka_unit_test(test_threads_race),
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_bench),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s PATCH_PROG LIBRARY\n", argv[0]);
		return 2;
	}
	prog = argv[1];
	lib = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
