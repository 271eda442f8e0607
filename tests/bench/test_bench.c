// SPDX-License-Identifier: MIT
/*
 * sva bench, smoke: every suite runs in --quick mode and exits 0, the text,
 * JSON, CSV and SVG outputs have their structure (no timing assertions:
 * the numbers are the calibration's business, docs/calibration.md), and
 * the timing table's JSON loader round-trips and rejects bad files with
 * messages naming the member.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include <sva/timing.h>

#include "testutil.h"

static const char *const suites[] = { "size", "latency", "desc", "oplat", "opbw", "async", "batch", "engines", "wqs", "swq", "fault", "pfbw" };
#define NSUITES (sizeof(suites) / sizeof(suites[0]))

static void test_quick_text_runs_every_suite(void **state)
{
	char *out, hdr[64];

	(void)state;
	assert_int_equal(tu_sva("bench --quick", &out, false), 0);
	for (size_t i = 0; i < NSUITES; i++) {
		snprintf(hdr, sizeof(hdr), "== %s: ", suites[i]);
		if (!strstr(out, hdr))
			fail_msg("no table for suite %s in:\n%s", suites[i], out);
	}
	assert_null(strstr(out, "FAILED"));
	free(out);
}

static void test_quick_json_has_every_suite_with_rows(void **state)
{
	struct json_object *doc, *arr, *timing;
	char *out;

	(void)state;
	assert_int_equal(tu_sva("bench --json --quick", &out, false), 0);
	doc = json_tokener_parse(out);
	if (!doc)
		fail_msg("not JSON:\n%s", out);
	assert_true(json_object_object_get_ex(doc, "timing", &timing));
	assert_true(json_object_is_type(timing, json_type_object));
	assert_int_equal(json_object_object_length(timing), (int)sva_timing_nparams());
	assert_true(json_object_object_get_ex(doc, "suites", &arr));
	assert_int_equal(json_object_array_length(arr), NSUITES);
	for (size_t i = 0; i < NSUITES; i++) {
		struct json_object *s = json_object_array_get_idx(arr, i), *v, *rows, *series;

		assert_true(json_object_object_get_ex(s, "name", &v));
		assert_string_equal(json_object_get_string(v), suites[i]);
		assert_true(json_object_object_get_ex(s, "unit", &v));
		assert_true(json_object_object_get_ex(s, "series", &series));
		assert_true(json_object_array_length(series) >= 2);
		assert_true(json_object_object_get_ex(s, "rows", &rows));
		assert_true(json_object_array_length(rows) >= 2);
		for (size_t r = 0; r < json_object_array_length(rows); r++) {
			struct json_object *row = json_object_array_get_idx(rows, r), *vals, *x;

			assert_true(json_object_object_get_ex(row, "x", &x));
			assert_true(json_object_object_get_ex(row, "values", &vals));
			assert_int_equal(json_object_array_length(vals), json_object_array_length(series));
			for (size_t c = 0; c < json_object_array_length(vals); c++) {
				struct json_object *val = json_object_array_get_idx(vals, c);

				/* Every point was measured and is a positive number. */
				assert_non_null(val);
				assert_true(json_object_get_double(val) > 0);
			}
		}
		assert_true(json_object_object_get_ex(s, "verify_failures", &v));
		assert_int_equal(json_object_get_int64(v), 0);
		assert_true(json_object_object_get_ex(s, "errors", &v));
		assert_int_equal(json_object_get_int64(v), 0);
	}
	json_object_put(doc);
	free(out);
}

static void test_csv_and_svg(void **state)
{
	char dir[] = "/tmp/sva-bench-svgXXXXXX", args[256], path[300], *out, buf[64];
	FILE *f;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(args, sizeof(args), "bench --csv --quick --svg %s/charts fault size", dir);
	assert_int_equal(tu_sva(args, &out, false), 0);
	assert_true(!strncmp(out, "suite,x,x_unit,series,value,unit\n", 33));
	assert_non_null(strstr(out, "\nfault,ATC hit,,4 KiB memmove,"));
	assert_non_null(strstr(out, "\nsize,4096,B,sync,"));
	free(out);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/charts/%s.svg", dir, i ? "size" : "fault");
		f = fopen(path, "r");
		if (!f)
			fail_msg("%s not written", path);
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = 0;
		assert_non_null(strstr(buf, "<?xml"));
		assert_int_equal(fseek(f, -7, SEEK_END), 0);
		n = fread(buf, 1, 7, f);
		buf[n] = 0;
		assert_string_equal(buf, "</svg>\n");
		fclose(f);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/charts", dir);
	rmdir(path);
	rmdir(dir);
}

static void test_usage_errors(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(tu_sva("bench nosuch", &out, true), 2);
	assert_non_null(strstr(out, "'nosuch' is not a suite"));
	free(out);
	assert_int_equal(tu_sva("bench --json --csv", &out, true), 2);
	free(out);
	assert_int_equal(tu_sva("bench --list", &out, false), 0);
	for (size_t i = 0; i < NSUITES; i++)
		assert_non_null(strstr(out, suites[i]));
	free(out);
}

/* ---- the timing table as JSON ------------------------------------------------- */

static void test_timing_round_trip(void **state)
{
	struct sva_timing a, b;
	char err[256] = "", *s;

	(void)state;
	sva_timing_default(&a);
	a.engine_bw = 23.456789;
	a.cpu_memcpy_bw = 7.0;
	a.ats_rtt = 1234;
	s = sva_timing_to_json(&a);
	assert_non_null(s);
	memset(&b, 0x55, sizeof(b));
	assert_int_equal(sva_timing_parse_json(s, "rt", &b, err, sizeof(err)), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	free(s);
}

static void test_timing_partial_file_keeps_the_rest(void **state)
{
	struct sva_timing d, t;
	char err[256] = "";

	(void)state;
	sva_timing_default(&d);
	t = d;
	assert_int_equal(sva_timing_parse_json("{\"comment\": \"faster ATS\", \"ats_rtt\": 7, \"engine_bw\": 12}",
					       "x.json", &t, err, sizeof(err)), 0);
	assert_int_equal(t.ats_rtt, 7);
	assert_true(t.engine_bw == 12.0);
	t.ats_rtt = d.ats_rtt;
	t.engine_bw = d.engine_bw;
	assert_memory_equal(&t, &d, sizeof(t));
}

static void expect_error(const char *text, const char *needle)
{
	struct sva_timing t, before;
	char err[256] = "";

	sva_timing_default(&t);
	before = t;
	assert_int_equal(sva_timing_parse_json(text, "bad.json", &t, err, sizeof(err)), -EINVAL);
	if (!strstr(err, needle) || strncmp(err, "bad.json: ", 10))
		fail_msg("for %s: message '%s' lacks '%s'", text, err, needle);
	assert_memory_equal(&t, &before, sizeof(t));	/* unchanged on error */
}

static void test_timing_errors_name_the_member(void **state)
{
	(void)state;
	expect_error("{\"ats_rt\": 5}", "$.ats_rt: unknown timing parameter");
	expect_error("{\"ats_rtt\": -1}", "$.ats_rtt: -1 is out of range");
	expect_error("{\"ats_rtt\": 1.5}", "$.ats_rtt: must be a whole number of nanoseconds");
	expect_error("{\"ats_rtt\": \"5\"}", "$.ats_rtt: must be a whole number");
	expect_error("{\"engine_bw\": 0}", "$.engine_bw: 0 is out of range");
	expect_error("{\"engine_bw\": true}", "$.engine_bw: must be a number of bytes per ns");
	expect_error("{\"ats_rtt\": 5, \"x\": 1}", "$.x: unknown timing parameter");
	expect_error("[1, 2]", "$: the timing table must be a JSON object");
	expect_error("{\"ats_rtt\": 5", "not valid JSON");
	expect_error("{} {}", "not valid JSON");
}

static void test_timing_file_errors_through_the_cli(void **state)
{
	char path[] = "/tmp/sva-timingXXXXXX", args[256], *out;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"enqcmd\": 1}\n", 14), 14);
	close(fd);
	snprintf(args, sizeof(args), "bench size --quick --timing %s", path);
	assert_int_equal(tu_sva(args, &out, true), 2);
	assert_non_null(strstr(out, "$.enqcmd: unknown timing parameter"));
	free(out);
	snprintf(args, sizeof(args), "run --quiet --timing %s", path);
	assert_int_equal(tu_sva(args, &out, true), 2);
	assert_non_null(strstr(out, "sva run: --timing: "));
	free(out);
	/* A good file: the dump shows it, and run accepts it. */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"enqcmd_rtt\": 321}\n", 20), 20);
	close(fd);
	snprintf(args, sizeof(args), "bench --dump-timing --timing %s", path);
	assert_int_equal(tu_sva(args, &out, false), 0);
	assert_non_null(strstr(out, "\"enqcmd_rtt\": 321,"));
	free(out);
	snprintf(args, sizeof(args), "run --quiet --timing %s", path);
	assert_int_equal(tu_sva(args, &out, true), 0);
	free(out);
	assert_int_equal(tu_sva("bench --timing /nonexistent/t.json", &out, true), 2);
	assert_non_null(strstr(out, "/nonexistent/t.json: cannot open"));
	free(out);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quick_text_runs_every_suite),
		cmocka_unit_test(test_quick_json_has_every_suite_with_rows),
		cmocka_unit_test(test_csv_and_svg),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_timing_round_trip),
		cmocka_unit_test(test_timing_partial_file_keeps_the_rest),
		cmocka_unit_test(test_timing_errors_name_the_member),
		cmocka_unit_test(test_timing_file_errors_through_the_cli),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
