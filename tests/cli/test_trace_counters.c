// SPDX-License-Identifier: MIT
/*
 * Counters in a real trace are series of their own in Perfetto.  Its JSON
 * importer keys a counter track by (pid, name) and ignores the tid, so two
 * tracks of one process writing the same counter name merge into one line.
 * Every counter event's (pid, name) must belong to one track (tid) only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "testutil.h"

struct series {
	int pid, tid;
	char name[96];
};

/* Checks the trace in @path; returns how many counter series it has (at least one process has two). */
static size_t check_counters(const char *what, const char *path)
{
	struct json_object *j = json_object_from_file(path), *evs;
	struct series *s = NULL;
	size_t n, ns = 0;
	bool shared_pid = false;

	if (!j)
		fail_msg("%s: the trace %s is not JSON", what, path);
	assert_true(json_object_object_get_ex(j, "traceEvents", &evs));
	n = json_object_array_length(evs);
	s = calloc(n, sizeof(*s));
	assert_non_null(s);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(evs, i);
		const char *name = json_object_get_string(tu_json_get(e, "name"));
		int pid = json_object_get_int(tu_json_get(e, "pid"));
		int tid = json_object_get_int(tu_json_get(e, "tid"));
		size_t k;

		if (strcmp(json_object_get_string(tu_json_get(e, "ph")), "C"))
			continue;
		for (k = 0; k < ns; k++)
			if (s[k].pid == pid && !strcmp(s[k].name, name))
				break;
		if (k < ns) {
			if (s[k].tid != tid)
				fail_msg("%s: counter \"%s\" of pid %d is written by tracks %d and %d: "
					 "Perfetto merges them into one series", what, name, pid, s[k].tid, tid);
			continue;
		}
		for (size_t m = 0; m < ns; m++)
			shared_pid |= s[m].pid == pid;
		s[ns].pid = pid;
		s[ns].tid = tid;
		snprintf(s[ns].name, sizeof(s[ns].name), "%s", name);
		ns++;
	}
	if (!shared_pid)
		fail_msg("%s: no process has two counter series; the check proves nothing", what);
	free(s);
	json_object_put(j);
	remove(path);
	return ns;
}

/* Exit status 1 is a step a random program got wrong: the trace is still whole. */
static void run_traced(const char *args, const char *path, int worst)
{
	char cmd[1024], *o;
	int r;

	snprintf(cmd, sizeof(cmd), "run %s --quiet --trace '%s'", args, path);
	r = tu_sva(cmd, &o, 1);
	if (r > worst)
		fail_msg("sva %s exited %d:\n%s", cmd, r, o);
	free(o);
}

/* The default scenario: dsa0's shared and dedicated WQ both fill up. */
static void test_default_scenario(void **state)
{
	(void)state;
	run_traced("", "trace_counters_default.json", 0);
	assert_true(check_counters("default scenario", "trace_counters_default.json") >= 2);
}

/* Two devices with three WQs each (those that take work write counters). */
static void test_multi_device(void **state)
{
	char args[512];

	(void)state;
	snprintf(args, sizeof(args), "'%s/examples/scenarios/multi_device.json'", getenv("SVA_SOURCE_DIR"));
	run_traced(args, "trace_counters_multi.json", 0);
	assert_true(check_counters("multi_device.json", "trace_counters_multi.json") >= 3);
}

/* Torture seeds whose programs use two and three WQs of a device, faults and all. */
static void test_torture_seeds(void **state)
{
	static const unsigned seeds[] = { 4, 8 };
	char cmd[1024], *o;

	(void)state;
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		snprintf(cmd, sizeof(cmd), "torture --print --from %u > trace_counters_seed.json", seeds[i]);
		assert_int_equal(tu_sva(cmd, &o, 0), 0);
		free(o);
		run_traced("trace_counters_seed.json --seed 1", "trace_counters_torture.json", 1);
		check_counters("torture seed", "trace_counters_torture.json");
		remove("trace_counters_seed.json");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_scenario),
		cmocka_unit_test(test_multi_device),
		cmocka_unit_test(test_torture_seeds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
