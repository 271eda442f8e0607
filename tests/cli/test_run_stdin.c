// SPDX-License-Identifier: MIT
/* sva run -: the scenario on standard input, so that a torture seed replays through a pipe. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static void run_shell(const char *cmd, char **out, int want)
{
	char full[2048];
	int r;

	snprintf(full, sizeof(full), "cd '%s' && %s", getenv("SVA_SOURCE_DIR"), cmd);
	r = tu_shell(full, out);
	if (r != want)
		fail_msg("'%s' exited %d, not %d:\n%s", cmd, r, want, *out);
}

/* The piped torture scenario gives the very report the file gives. */
static void test_torture_print_pipes_into_run(void **state)
{
	char cmd[1024], *piped, *file;
	const char *sva = tu_sva_bin();

	(void)state;
	snprintf(cmd, sizeof(cmd), "'%s' torture --print 4 | '%s' run - --json 2>&1", sva, sva);
	run_shell(cmd, &piped, 0);
	snprintf(cmd, sizeof(cmd), "'%s' torture --print --from 4 > /tmp/sva_stdin_$$.json && "
		 "'%s' run /tmp/sva_stdin_$$.json --json 2>&1; r=$?; rm -f /tmp/sva_stdin_$$.json; exit $r",
		 sva, sva);
	run_shell(cmd, &file, 0);
	assert_non_null(strstr(piped, "\"scenario\": \"torture seed 4\""));
	assert_non_null(strstr(piped, "\"seed\": 4"));
	assert_string_equal(piped, file);
	free(piped);
	free(file);
}

/* An example through the pipe: its relative accel_config path is taken from the current directory. */
static void test_example_through_stdin(void **state)
{
	char cmd[1024], *o;

	(void)state;
	snprintf(cmd, sizeof(cmd), "cd examples/scenarios && '%s' run - < multi_device.json 2>&1", tu_sva_bin());
	run_shell(cmd, &o, 0);
	assert_non_null(strstr(o, "sva run: "));
	assert_non_null(strstr(o, "dsa2"));
	free(o);
	/* From elsewhere the path does not resolve, and the message says where the scenario came from. */
	snprintf(cmd, sizeof(cmd), "'%s' run - < examples/scenarios/multi_device.json 2>&1", tu_sva_bin());
	run_shell(cmd, &o, 2);
	assert_non_null(strstr(o, "sva run: standard input: $.accel_config (../configs/multi_device.json): cannot open"));
	free(o);
}

/* The file reader's limits hold for the pipe: empty, NUL bytes, over the 64 MiB cap. */
static void test_stdin_limits(void **state)
{
	static const struct { const char *feed, *msg; } cases[] = {
		{ "true", "sva run: standard input:1:1: not valid JSON" },
		{ "printf '{\"name\":\"x\\0\"}'", "sva run: standard input: contains a NUL byte" },
		{ "head -c 67108865 /dev/zero | tr '\\0' ' '",
		  "sva run: standard input: larger than the 64 MiB limit for a scenario" },
		{ "echo '{\"processes\":7}'", "sva run: standard input" },
	};
	char cmd[1024], *o;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s | '%s' run - 2>&1", cases[i].feed, tu_sva_bin());
		run_shell(cmd, &o, 2);
		if (!strstr(o, cases[i].msg))
			fail_msg("'%s' printed:\n%s\nexpected: %s", cmd, o, cases[i].msg);
		free(o);
	}
}

/* Exactly 64 MiB of blanks is within the cap: refused as JSON, not for its size. */
static void test_stdin_at_the_cap(void **state)
{
	char cmd[1024], *o;

	(void)state;
	snprintf(cmd, sizeof(cmd), "head -c 67108864 /dev/zero | tr '\\0' ' ' | '%s' run - 2>&1", tu_sva_bin());
	run_shell(cmd, &o, 2);
	assert_null(strstr(o, "limit"));
	assert_non_null(strstr(o, "standard input"));
	free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_torture_print_pipes_into_run),
		cmocka_unit_test(test_example_through_stdin),
		cmocka_unit_test(test_stdin_limits),
		cmocka_unit_test(test_stdin_at_the_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
