// SPDX-License-Identifier: MIT
/*
 * Joins and waits sleep on the end of what they wait for, so they wake at
 * the exact virtual instant it ends: a scenario's `join` step, the end of
 * a process whose main has finished before its threads, and `waitpid`.
 * Each case runs a scenario through `sva run` with the last thread
 * sleeping X ns and again with X + d ns: everything else being equal, the
 * run must end exactly d ns later (a poll on a grid would round it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static char dir[64];

/* virtual_time_ns of `sva run` on @json, which gets X for %llu (twice at most). */
static unsigned long long end_time(const char *fmt, unsigned long long x)
{
	char path[96], args[160], *out = NULL, *p;
	unsigned long long t;
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/s.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, fmt, x, x);
	assert_int_equal(fclose(f), 0);
	snprintf(args, sizeof(args), "run '%s' --json", path);
	rc = tu_sva(args, &out, false);
	if (rc != 0)
		fail_msg("sva run exited with %d:\n%s", rc, out);
	p = strstr(out, "\"virtual_time_ns\": ");
	assert_non_null(p);
	t = strtoull(p + strlen("\"virtual_time_ns\": "), NULL, 10);
	free(out);
	return t;
}

/* The run ends exactly d ns later when the last thread sleeps d ns longer. */
static void ends_exactly_later(const char *fmt)
{
	static const unsigned long long base = 20000, ds[] = { 1, 7, 333, 999, 1001 };
	unsigned long long t0 = end_time(fmt, base);

	for (size_t i = 0; i < sizeof(ds) / sizeof(ds[0]); i++) {
		unsigned long long t = end_time(fmt, base + ds[i]);

		if (t != t0 + ds[i])
			fail_msg("the last thread ended %llu ns later, the run %lld ns later", ds[i],
				 (long long)(t - t0));
	}
}

/* Several threads, the last one to end sleeping X; main joins, then works on for 5 ns. */
static void test_join_wakes_when_the_last_thread_ends(void **state)
{
	(void)state;
	ends_exactly_later(
		"{\"processes\":[{\"name\":\"p\",\"main\":["
		"{\"do\":\"thread\",\"run\":\"short\",\"count\":3},"
		"{\"do\":\"thread\",\"run\":\"long\"},"
		"{\"do\":\"thread\",\"run\":\"short\",\"count\":2},"
		"{\"do\":\"join\"},{\"do\":\"sleep\",\"ns\":5}],"
		"\"threads\":{\"short\":[{\"do\":\"sleep\",\"ns\":1000}],"
		"\"long\":[{\"do\":\"sleep\",\"ns\":%llu}]}}]}");
}

/*
 * A thread that joins does not wait for itself, only for the others -
 * including one started after it while it waits.
 */
static void test_join_from_a_thread(void **state)
{
	(void)state;
	ends_exactly_later(
		"{\"processes\":[{\"name\":\"p\",\"main\":["
		"{\"do\":\"thread\",\"run\":\"long\"},{\"do\":\"thread\",\"run\":\"joiner\"},"
		"{\"do\":\"sleep\",\"ns\":10},{\"do\":\"thread\",\"run\":\"short\"}],"
		"\"threads\":{\"joiner\":[{\"do\":\"join\"},{\"do\":\"sleep\",\"ns\":5}],"
		"\"short\":[{\"do\":\"sleep\",\"ns\":1000}],"
		"\"long\":[{\"do\":\"sleep\",\"ns\":%llu}]}}]}");
}

/* Main has nothing left to do: the process ends with its last thread. */
static void test_process_ends_with_its_last_thread(void **state)
{
	(void)state;
	ends_exactly_later(
		"{\"processes\":[{\"name\":\"p\",\"main\":[{\"do\":\"thread\",\"run\":\"long\",\"count\":4}],"
		"\"threads\":{\"long\":[{\"do\":\"sleep\",\"ns\":%llu}]}}]}");
}

/* waitpid returns the instant the child's last thread (not its first) ends. */
static void test_waitpid_wakes_when_the_child_ends(void **state)
{
	(void)state;
	ends_exactly_later(
		"{\"processes\":[{\"name\":\"p\",\"main\":["
		"{\"do\":\"fork\",\"run\":\"child\"},{\"do\":\"waitpid\"},{\"do\":\"sleep\",\"ns\":5}],"
		"\"threads\":{\"child\":[{\"do\":\"thread\",\"run\":\"long\"}],"
		"\"long\":[{\"do\":\"sleep\",\"ns\":%llu}]}}]}");
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sva-join-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char path[96];

	(void)state;
	snprintf(path, sizeof(path), "%s/s.json", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_wakes_when_the_last_thread_ends),
		cmocka_unit_test(test_join_from_a_thread),
		cmocka_unit_test(test_process_ends_with_its_last_thread),
		cmocka_unit_test(test_waitpid_wakes_when_the_child_ends),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
