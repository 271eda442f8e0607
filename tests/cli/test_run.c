// SPDX-License-Identifier: MIT
/* The sva command as a user runs it: help, errors, report, --json, --trace. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <json-c/json.h>

#include "testutil.h"

static void test_help_and_version(void **state)
{
	char *o;

	(void)state;
	assert_int_equal(tu_sva("--help", &o, 0), 0);
	assert_non_null(strstr(o, "usage: sva"));
	assert_non_null(strstr(o, "run"));
	free(o);
	assert_int_equal(tu_sva("--version", &o, 0), 0);
	assert_true(strncmp(o, "sva ", 4) == 0);
	free(o);
	assert_int_equal(tu_sva("run --help", &o, 0), 0);
	assert_non_null(strstr(o, "--seed"));
	assert_non_null(strstr(o, "--trace"));
	free(o);
}

static void test_bad_usage_exits_2_with_a_message(void **state)
{
	static const struct { const char *args, *msg; } cases[] = {
		{ "", "usage: sva" },
		{ "frobnicate", "'frobnicate' is not a command" },
		{ "run --seed abc", "--seed: 'abc' is not a seed (0 to 9223372036854775807, decimal or 0x hex)" },
		{ "run --seed -1", "--seed: '-1'" },
		{ "run --trace /nonexistent-dir/t.json", "cannot write '/nonexistent-dir/t.json'" },
		{ "run --bogus", "usage: sva run" },
		{ "run /nonexistent/scenario.json", "/nonexistent/scenario.json: cannot open" },
		{ "run a.json b.json", "one scenario file at most" },
	};
	char *o;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(tu_sva(cases[i].args, &o, 1), 2);
		if (!strstr(o, cases[i].msg))
			fail_msg("'sva %s' printed:\n%s\nexpected to contain: %s", cases[i].args, o, cases[i].msg);
		free(o);
	}
}

static void test_run_reports_and_json_agrees(void **state)
{
	struct json_object *j, *procs, *v;
	char *human, *json;
	size_t n;

	(void)state;
	assert_int_equal(tu_sva("run --seed 3", &human, 0), 0);
	assert_non_null(strstr(human, "virtual time"));
	assert_int_equal(tu_sva("run --seed 3 --json", &json, 0), 0);
	j = json_tokener_parse(json);
	assert_non_null(j);
	assert_true(json_object_object_get_ex(j, "seed", &v));
	assert_int_equal(json_object_get_uint64(v), 3);
	assert_true(json_object_object_get_ex(j, "processes", &procs));
	n = json_object_array_length(procs);
	assert_true(n >= 5);
	/* Every process of the JSON is in the table, with the same PASID and ending. */
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(procs, i), *pid, *name, *pasid, *ended;
		char line[160];

		assert_true(json_object_object_get_ex(p, "pid", &pid));
		assert_true(json_object_object_get_ex(p, "name", &name));
		assert_true(json_object_object_get_ex(p, "pasid", &pasid));
		assert_true(json_object_object_get_ex(p, "ended", &ended));
		snprintf(line, sizeof(line), "  %-6d %-10s", json_object_get_int(pid), json_object_get_string(name));
		if (!strstr(human, line))
			fail_msg("process line '%s' missing from the table", line);
		assert_non_null(strstr(strstr(human, line), json_object_get_string(ended)));
	}
	assert_true(json_object_object_get_ex(j, "timeline", &v));
	assert_true(json_object_array_length(v) > 10);
	json_object_put(j);
	free(human);
	free(json);
	assert_int_equal(tu_sva("run --quiet", &human, 0), 0);
	assert_string_equal(human, "");
	free(human);
}

/* `make run` shows every concept of the seed, with numbers. */
static void test_default_run_tells_the_whole_story(void **state)
{
	static const char *const story[] = {
		"Configuration", "/dev/dsa/wq0.0", "shared", "dedicated",
		"PASID 1 allocated on first bind", "bind on open of wq0.0",
		"#GP on ENQCMD (IA32_PASID invalid): fixup loads PASID",
		"partial completion", "page request PASID", "response Success",
		"IOTLB + device-TLB invalidation and wait done",
		"SIGSEGV (#GP in enqcmd: IA32_PASID not valid)",
		"exiting (release): PASID entries cleared", "released: drain PASID",
		"torn down (mmdrop): PASID", "ATS translations", "Latency", "p99",
		"Work queues", "batches",
	};
	char *out;

	(void)state;
	assert_int_equal(tu_sva("run", &out, 0), 0);
	for (size_t i = 0; i < sizeof(story) / sizeof(story[0]); i++)
		if (!strstr(out, story[i]))
			fail_msg("the default run does not show: %s", story[i]);
	free(out);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Structure chrome://tracing and Perfetto need; every event on a named track. */
static void validate_trace(const char *text)
{
	struct json_object *j = json_tokener_parse(text), *evs;
	size_t n, named = 0, used = 0;
	char seen[4096] = { 0 };

	assert_non_null(j);
	assert_true(json_object_object_get_ex(j, "traceEvents", &evs));
	assert_true(json_object_is_type(evs, json_type_array));
	n = json_object_array_length(evs);
	assert_true(n > 100);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(evs, i), *ph, *pid, *tid, *ts, *name;
		const char *p;

		assert_true(json_object_object_get_ex(e, "ph", &ph));
		assert_true(json_object_object_get_ex(e, "pid", &pid));
		assert_true(json_object_object_get_ex(e, "tid", &tid));
		assert_true(json_object_object_get_ex(e, "name", &name));
		p = json_object_get_string(ph);
		assert_true(json_object_get_int(tid) >= 0 && json_object_get_int(tid) < 4096);
		if (!strcmp(p, "M")) {
			if (!strcmp(json_object_get_string(name), "thread_name")) {
				seen[json_object_get_int(tid)] = 1;
				named++;
			}
			continue;
		}
		assert_true(!strcmp(p, "X") || !strcmp(p, "i") || !strcmp(p, "C"));
		assert_true(json_object_object_get_ex(e, "ts", &ts));
		assert_true(json_object_get_double(ts) >= 0);
		if (!strcmp(p, "X")) {
			struct json_object *dur;

			assert_true(json_object_object_get_ex(e, "dur", &dur));
			assert_true(json_object_get_double(dur) >= 0);
		}
		if (!seen[json_object_get_int(tid)])
			fail_msg("event %zu uses track %d before/without a thread_name", i, json_object_get_int(tid));
		used++;
	}
	assert_true(named > 0 && used > 0);
	json_object_put(j);
}

static void test_trace_is_valid_and_reproducible(void **state)
{
	char *o, *a, *b, *c;
	size_t la, lb, lc;

	(void)state;
	assert_int_equal(tu_sva("run --seed 9 --quiet --trace cli_trace_a.json", &o, 0), 0);
	free(o);
	assert_int_equal(tu_sva("run --seed 9 --quiet --trace cli_trace_b.json", &o, 0), 0);
	free(o);
	assert_int_equal(tu_sva("run --seed 10 --quiet --trace cli_trace_c.json", &o, 0), 0);
	free(o);
	a = slurp("cli_trace_a.json", &la);
	b = slurp("cli_trace_b.json", &lb);
	c = slurp("cli_trace_c.json", &lc);
	validate_trace(a);
	/* both ways to submit show on the CPU tracks: ENQCMD and the posted MOVDIR64B */
	assert_non_null(strstr(a, "\"name\":\"enqcmd\""));
	assert_non_null(strstr(a, "\"name\":\"movdir64b\""));
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	assert_true(la != lc || memcmp(a, c, la) != 0);
	free(a);
	free(b);
	free(c);
	remove("cli_trace_a.json");
	remove("cli_trace_b.json");
	remove("cli_trace_c.json");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_bad_usage_exits_2_with_a_message),
		cmocka_unit_test(test_run_reports_and_json_agrees),
		cmocka_unit_test(test_default_run_tells_the_whole_story),
		cmocka_unit_test(test_trace_is_valid_and_reproducible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
