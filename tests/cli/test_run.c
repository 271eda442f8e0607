// SPDX-License-Identifier: MIT
/* The sva command as a user runs it: help, errors, report, --json, --trace. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <json-c/json.h>

#include "testutil.h"

static const char *sva_bin(void)
{
	const char *b = getenv("SVA_SVA_BIN");

	if (!b)
		fail_msg("SVA_SVA_BIN is not set (run through ctest)");
	return b;
}

/* Run `sva ARGS`; returns exit status, stdout in *out (stderr merged when @merge). */
static int sva(const char *args, char **out, int merge)
{
	char cmd[1024];
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	FILE *p;
	size_t r;
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s%s", sva_bin(), args, merge ? " 2>&1" : " 2>/dev/null");
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((r = fread(buf + len, 1, cap - len - 1, p)) > 0) {
		len += r;
		if (cap - len < 2) {
			buf = realloc(buf, cap *= 2);
			assert_non_null(buf);
		}
	}
	buf[len] = '\0';
	st = pclose(p);
	*out = buf;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void test_help_and_version(void **state)
{
	char *o;

	(void)state;
	assert_int_equal(sva("--help", &o, 0), 0);
	assert_non_null(strstr(o, "usage: sva"));
	assert_non_null(strstr(o, "run"));
	free(o);
	assert_int_equal(sva("--version", &o, 0), 0);
	assert_true(strncmp(o, "sva ", 4) == 0);
	free(o);
	assert_int_equal(sva("run --help", &o, 0), 0);
	assert_non_null(strstr(o, "--seed"));
	assert_non_null(strstr(o, "--trace"));
	free(o);
}

static void test_bad_usage_exits_2_with_a_message(void **state)
{
	static const struct { const char *args, *msg; } cases[] = {
		{ "", "usage: sva" },
		{ "frobnicate", "'frobnicate' is not a command" },
		{ "run --seed abc", "--seed: 'abc' is not an unsigned 64-bit number" },
		{ "run --seed -1", "--seed: '-1'" },
		{ "run --trace /nonexistent-dir/t.json", "cannot write '/nonexistent-dir/t.json'" },
		{ "run --bogus", "usage: sva run" },
	};
	char *o;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(sva(cases[i].args, &o, 1), 2);
		if (!strstr(o, cases[i].msg))
			fail_msg("'sva %s' printed:\n%s\nexpected to contain: %s", cases[i].args, o, cases[i].msg);
		free(o);
	}
}

static void test_run_reports_and_json_agrees(void **state)
{
	struct json_object *j, *stats, *counters, *v;
	char *human, *json;

	(void)state;
	assert_int_equal(sva("run --seed 3", &human, 0), 0);
	assert_non_null(strstr(human, "virtual time"));
	assert_int_equal(sva("run --seed 3 --json", &json, 0), 0);
	j = json_tokener_parse(json);
	assert_non_null(j);
	assert_true(json_object_object_get_ex(j, "seed", &v));
	assert_int_equal(json_object_get_uint64(v), 3);
	assert_true(json_object_object_get_ex(j, "stats", &stats));
	assert_true(json_object_object_get_ex(stats, "counters", &counters));
	/* Every counter in the JSON appears with the same value in the table. */
	json_object_object_foreach(counters, key, val) {
		char line[128];

		snprintf(line, sizeof(line), "%s", key);
		assert_non_null(strstr(human, line));
		snprintf(line, sizeof(line), "%" PRIu64 "\n", (uint64_t)json_object_get_uint64(val));
		assert_non_null(strstr(strstr(human, key), line));
	}
	json_object_put(j);
	free(human);
	free(json);
	assert_int_equal(sva("run --quiet", &human, 0), 0);
	assert_string_equal(human, "");
	free(human);
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
	assert_int_equal(sva("run --seed 9 --quiet --trace cli_trace_a.json", &o, 0), 0);
	free(o);
	assert_int_equal(sva("run --seed 9 --quiet --trace cli_trace_b.json", &o, 0), 0);
	free(o);
	assert_int_equal(sva("run --seed 10 --quiet --trace cli_trace_c.json", &o, 0), 0);
	free(o);
	a = slurp("cli_trace_a.json", &la);
	b = slurp("cli_trace_b.json", &lb);
	c = slurp("cli_trace_c.json", &lc);
	validate_trace(a);
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
		cmocka_unit_test(test_trace_is_valid_and_reproducible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
