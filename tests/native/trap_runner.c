// SPDX-License-Identifier: MIT
/*
 * CTest native.trap: runs each case of progs/trap_prog.c in its own
 * process with the trap layer preloaded (argv[2], the test variant of
 * libsva-native.so) and SVA_NATIVE_ROOT set, and checks how it ended: a
 * clean exit, or death by the signal a real CPU and kernel would give.
 * Usage: trap_runner TRAP_PROG LIBRARY
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "run_prog.h"

static const char *prog, *lib;

/* 0 = exits 0, else the signal it must die of. */
static void run(const char *name, int want_sig)
{
	run_prog(prog, lib, name, NULL, want_sig);
}

#define CASE(name, sig) \
	static void test_##name(void **state) { (void)state; run(#name, sig); }

CASE(enqcmd_forms, 0)
CASE(movdir64b, 0)
CASE(gp, 0)
CASE(gp_default, SIGSEGV)
CASE(bad_source, 0)
CASE(not_portal, 0)
CASE(umwait, 0)
CASE(umwait_wake, 0)
CASE(tpause, 0)
CASE(umonitor_fault, 0)
CASE(null, SIGSEGV)
CASE(null_ignored, SIGSEGV)
CASE(null_blocked, SIGSEGV)
CASE(stack_overflow, SIGSEGV)
CASE(own_segv, 0)
CASE(own_sigill, 0)
CASE(sent, 0)
CASE(sent_default, SIGBUS)
CASE(queries, 0)
CASE(handler_flags, 0)
CASE(masks, 0)
CASE(altstack, 0)
CASE(race, 0)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enqcmd_forms),
		cmocka_unit_test(test_movdir64b),
		cmocka_unit_test(test_gp),
		cmocka_unit_test(test_gp_default),
		cmocka_unit_test(test_bad_source),
		cmocka_unit_test(test_not_portal),
		cmocka_unit_test(test_umwait),
		cmocka_unit_test(test_umwait_wake),
		cmocka_unit_test(test_tpause),
		cmocka_unit_test(test_umonitor_fault),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_null_ignored),
		cmocka_unit_test(test_null_blocked),
		cmocka_unit_test(test_stack_overflow),
		cmocka_unit_test(test_own_segv),
		cmocka_unit_test(test_own_sigill),
		cmocka_unit_test(test_sent),
		cmocka_unit_test(test_sent_default),
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_handler_flags),
		cmocka_unit_test(test_masks),
		cmocka_unit_test(test_altstack),
		cmocka_unit_test(test_race),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s TRAP_PROG LIBRARY\n", argv[0]);
		return 2;
	}
	prog = argv[1];
	lib = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
