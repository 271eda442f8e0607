// SPDX-License-Identifier: MIT
/*
 * The sva command against hostile input (issue 14): limits on either side,
 * files too large or not files at all, numbers out of range or in the wrong
 * form, lenient or broken JSON, and outputs that cannot be written.  Each
 * case checks the exit status and the exact message.  Every case runs
 * (failures are listed together), so a run against an older binary
 * (SVA_SVA_BIN=...) shows which cases it gets wrong.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "testutil.h"

static char dir[64];
static unsigned failures;

/*
 * Run "cd DIR && timeout 60 'sva' 2>&1 ARGS" through the shell: stderr and
 * stdout into *out, unless ARGS sends stdout elsewhere (>/dev/full).
 */
__attribute__((format(printf, 2, 3)))
static int sh(char **out, const char *fmt, ...)
{
	char args[4096], cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	/* timeout: an older binary hung on some of these (torture --from 2^64-1). */
	snprintf(cmd, sizeof(cmd), "cd '%s' && timeout 60 '%s' 2>&1 %s", dir, tu_sva_bin(), args);
	return tu_shell(cmd, out);
}

/* `sva ARGS` must exit @status and print exactly @want (NULL: anything). */
static void expect(const char *args, int status, const char *want)
{
	char *o;
	int st = sh(&o, "%s", args);

	if (st != status || (want && strcmp(o, want))) {
		failures++;
		print_message("FAIL: sva %.200s\n  exit %d (expected %d), printed:\n%s  expected:\n%s\n", args, st,
			      status, o, want ? want : "(anything)\n");
	}
	free(o);
}

static void put(const char *name, const char *text, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void put_s(const char *name, const char *text)
{
	put(name, text, strlen(text));
}

/* A file of @size bytes of zeros without writing them (sparse). */
static void put_sparse(const char *name, off_t size)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
}

/* HEAD ITEM,ITEM,... TAIL with @n items, written to s.json. */
static void put_repeat(const char *head, const char *item, unsigned n, const char *tail)
{
	size_t il = strlen(item), cap = strlen(head) + (il + 1) * n + strlen(tail) + 1, len;
	char *t = malloc(cap);

	assert_non_null(t);
	len = (size_t)sprintf(t, "%s", head);
	for (unsigned i = 0; i < n; i++)
		len += (size_t)sprintf(t + len, "%s%s", i ? "," : "", item);
	len += (size_t)sprintf(t + len, "%s", tail);
	put("s.json", t, len);
	free(t);
}

#define ONE_PROC "\"processes\":[{\"name\":\"a\",\"main\":[{\"do\":\"exit\"}]}]"
#define STEP(s) "{\"processes\":[{\"name\":\"a\",\"main\":[" s "]}]}"

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sva-hostile-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chdir(dir), 0);
	failures = 0;
	return 0;
}

/* The end of a test: every case ran; fail if any did. */
static void done(void)
{
	if (failures)
		fail_msg("%u case(s) failed", failures);
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	assert_int_equal(chdir("/"), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* Item 3: the count of processes was stored before its check; scenario_free() walked a NULL array. */
static void test_limits_either_side(void **state)
{
	(void)state;
	put_repeat("{\"processes\":[", "{\"name\":\"p\",\"main\":[{\"do\":\"exit\"}]}", 1024, "]}");
	expect("run --quiet s.json", 0, "");
	put_repeat("{\"processes\":[", "{\"name\":\"p\",\"main\":[{\"do\":\"exit\"}]}", 1025, "]}");
	expect("run --quiet s.json", 2, "sva run: s.json: $.processes: at most 1024 processes\n");

	put_repeat("{\"processes\":[{\"name\":\"a\",\"main\":[", "{\"do\":\"sleep\",\"ns\":0}", 10000, "]}]}");
	expect("run --quiet s.json", 0, "");
	put_repeat("{\"processes\":[{\"name\":\"a\",\"main\":[", "{\"do\":\"sleep\",\"ns\":0}", 10001, "]}]}");
	expect("run --quiet s.json", 2, "sva run: s.json: $.processes[0].main: at most 10000 steps\n");

	/* Item 12: 64 names, the 65th refused; close forgets a name and frees its slot. */
	{
		char *t = malloc(1 << 16);
		size_t n = 0;

		assert_non_null(t);
		for (unsigned k = 64; k <= 65; k++) {
			n = (size_t)sprintf(t, "{\"processes\":[{\"name\":\"a\",\"main\":[");
			for (unsigned i = 0; i < k; i++)
				n += (size_t)sprintf(t + n, "%s{\"do\":\"mmap\",\"as\":\"b%u\",\"size\":4096}", i ? "," : "", i);
			n += (size_t)sprintf(t + n, "]}]}");
			put("s.json", t, n);
			expect("run --quiet s.json", k == 64 ? 0 : 1, k == 64 ? "" :
			       "sva run: 1 step(s) failed; first: $.processes[0].main[64] (a): more than 64 names in one process\n");
		}
		n = (size_t)sprintf(t, "{\"processes\":[{\"name\":\"a\",\"main\":[");
		for (unsigned i = 0; i < 70; i++)
			n += (size_t)sprintf(t + n, "%s{\"do\":\"open\",\"wq\":\"wq0.0\",\"as\":\"q%u\"},{\"do\":\"close\",\"wq\":\"q%u\"}",
					     i ? "," : "", i, i);
		n += (size_t)sprintf(t + n, "]}]}");
		put("s.json", t, n);
		expect("run --quiet s.json", 0, "");
		free(t);
	}

	/* Names: 31 characters fit, 32 do not. */
	put_s("s.json", "{\"processes\":[{\"name\":\"abcdefghijklmnopqrstuvwxyz01234\",\"main\":[{\"do\":\"exit\"}]}]}");
	expect("run --quiet s.json", 0, "");
	put_s("s.json", "{\"processes\":[{\"name\":\"abcdefghijklmnopqrstuvwxyz012345\",\"main\":[{\"do\":\"exit\"}]}]}");
	expect("run --quiet s.json", 2, "sva run: s.json: $.processes[0].name: a name must have 1 to 31 characters\n");
	done();
}

/* Item 10: numbers in files, quoted as written; json-c's saturation caught from the text. */
static void test_numbers_in_files(void **state)
{
	(void)state;
	put_s("s.json", "{\"seed\":9223372036854775807," ONE_PROC "}");
	expect("run --quiet s.json", 0, "");
	put_s("s.json", "{\"seed\":9223372036854775808," ONE_PROC "}");
	expect("run --quiet s.json", 2, "sva run: s.json: $.seed: 9223372036854775808 is out of range [0, 9223372036854775807]\n");
	put_s("s.json", "{\"seed\":18446744073709551616," ONE_PROC "}");
	expect("run --quiet s.json", 2, "sva run: s.json: $.seed: 18446744073709551616 does not fit in 64 bits\n");
	put_s("s.json", "{\"seed\":-9223372036854775809," ONE_PROC "}");
	expect("run --quiet s.json", 2, "sva run: s.json: $.seed: -9223372036854775809 does not fit in 64 bits\n");
	put_s("s.json", STEP("{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"noop\",\"pattern\":18446744073709551615}"));
	expect("run --quiet s.json", 1, "sva run: 1 step(s) failed; first: $.processes[0].main[0] (a): "
	       "no work queue named \"q\" (define it with open first)\n");
	put_s("s.json", STEP("{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"noop\",\"pattern\":18446744073709551616}"));
	expect("run --quiet s.json", 2, "sva run: s.json: $.processes[0].main[0].pattern: 18446744073709551616 does not fit in 64 bits\n");
	done();
}

/* Item 10: numbers on the command line: decimal or 0x hex, nothing else; seeds up to 2^63-1. */
static void test_numbers_on_the_command_line(void **state)
{
	static const char *bad[] = { "' -1'", "-1", "+1", "' 1'", "'1 '", "0x", "1e3", "18446744073709551616",
				     "9223372036854775808", "0x8000000000000000", "''" };
	char *o, args[128], want[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *q = bad[i][0] == '\'' ? bad[i] + 1 : bad[i];
		int ql = (int)strlen(q) - (bad[i][0] == '\'');

		snprintf(args, sizeof(args), "run --quiet --seed %s", bad[i]);
		snprintf(want, sizeof(want), "sva run: --seed: '%.*s' is not a seed (0 to 9223372036854775807, "
			 "decimal or 0x hex)\n", ql, q);
		expect(args, 2, want);
	}
	/* 08 is eight and 010 is ten (decimal, not octal); the report says which seed ran. */
	static const struct { const char *arg, *seed; } good[] = {
		{ "08", "\"seed\": 8," }, { "010", "\"seed\": 10," }, { "0x10", "\"seed\": 16," },
		{ "9223372036854775807", "\"seed\": 9223372036854775807," },
		{ "0x7fffffffffffffff", "\"seed\": 9223372036854775807," },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int st = sh(&o, "run --json --seed %s", good[i].arg);

		if (st != 0 || !strstr(o, good[i].seed)) {
			failures++;
			print_message("FAIL: --seed %s: exit %d, want %s\n", good[i].arg, st, good[i].seed);
		}
		free(o);
	}
	done();
}

/* Item 8: torture's seed range; from + seeds used to wrap, and poll() waited on nothing. */
static void test_torture_seeds_do_not_wrap(void **state)
{
	char *o;
	int st;

	(void)state;
	expect("torture --from 18446744073709551615 --seeds 1", 2,
	       "sva torture: --from: '18446744073709551615' is not a seed (0 to 9223372036854775807, decimal or 0x hex)\n");
	expect("torture --from ' -1' --seeds 1", 2,
	       "sva torture: --from: ' -1' is not a seed (0 to 9223372036854775807, decimal or 0x hex)\n");
	expect("torture --from 9223372036854775807 --seeds 2", 2,
	       "sva torture: --from 9223372036854775807 --seeds 2: the last seed would be past 9223372036854775807\n");
	expect("torture --seeds 0", 2, "sva torture: --seeds: '0' is not a count from 1 to 1000000\n");
	expect("torture --seeds 1000001", 2, "sva torture: --seeds: '1000001' is not a count from 1 to 1000000\n");
	expect("torture --jobs 010x", 2, "sva torture: --jobs: '010x' is not a count from 1 to 1000000\n");
	/* The largest seed: printed exactly (it was masked to 63 bits), and it runs. */
	st = sh(&o, "torture --print --from 9223372036854775807");
	if (st != 0 || !strstr(o, "\"seed\":9223372036854775807") ||
	    !strstr(o, "torture seed 9223372036854775807")) {
		failures++;
		print_message("FAIL: torture --print --from 2^63-1: exit %d\n%.300s\n", st, o);
	}
	free(o);
	st = sh(&o, "torture --from 9223372036854775807 --seeds 1");
	if (st != 0 || !strstr(o, "seeds 9223372036854775807..9223372036854775807")) {
		failures++;
		print_message("FAIL: torture --from 2^63-1 --seeds 1: exit %d\n%s\n", st, o);
	}
	free(o);
	done();
}

/* Item 5: every input is capped; FIFOs, devices and directories are refused, not read. */
static void test_inputs_are_capped(void **state)
{
	char fifo[128];

	(void)state;
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);

	put_sparse("big.json", (64 << 20) + 1);
	expect("run big.json", 2, "sva run: big.json: larger than the 64 MiB limit for a scenario\n");
	put_sparse("big.json", 64 << 20);
	expect("run big.json", 2, "sva run: big.json: contains a NUL byte: not a JSON text file\n");
	expect("run /dev/zero", 2, "sva run: /dev/zero: not a regular file (a FIFO, device or socket cannot be read as input)\n");
	expect("run fifo", 2, "sva run: fifo: not a regular file (a FIFO, device or socket cannot be read as input)\n");
	expect("run .", 2, "sva run: .: is a directory, not a file\n");

	put_sparse("big.json", (16 << 20) + 1);
	expect("config validate big.json", 2, "sva config validate: big.json: larger than the 16 MiB limit for an accel-config file\n");
	expect("config validate /dev/zero", 2,
	       "sva config validate: /dev/zero: not a regular file (a FIFO, device or socket cannot be read as input)\n");
	expect("config show fifo", 2, "sva config show: fifo: not a regular file (a FIFO, device or socket cannot be read as input)\n");
	put_s("s.json", "{\"accel_config\":\"/dev/zero\"," ONE_PROC "}");
	expect("run s.json", 2, "sva run: s.json: $.accel_config (/dev/zero): not a regular file "
	       "(a FIFO, device or socket cannot be read as input)\n");
	put_s("s.json", "{\"accel_config\":\"fifo\"," ONE_PROC "}");
	expect("run s.json", 2, "sva run: s.json: $.accel_config (fifo): not a regular file "
	       "(a FIFO, device or socket cannot be read as input)\n");

	put_sparse("big.json", (1 << 20) + 1);
	expect("run --timing big.json", 2, "sva run: --timing: big.json: larger than the 1 MiB limit for a timing table\n");
	expect("run --timing /dev/zero", 2, "sva run: --timing: /dev/zero: not a regular file "
	       "(a FIFO, device or socket cannot be read as input)\n");
	done();
}

/* Item 11: exact keys, no NUL or broken UTF-8 in strings, strict JSON, duplicate keys refused. */
static void test_json_is_strict(void **state)
{
	static const struct { const char *text; size_t len; const char *msg; } cases[] = {
#define C(t, m) { t, sizeof(t) - 1, m }
		C(STEP("{\"do\":\"mmap\",\"as size\":4096}"),
		  "$.processes[0].main[0]: \"as size\" is not a field of this step (fields: as size prot shared)"),
		C(STEP("{\"do\":\"mmap\",\"as\":\"b\",\"size\":4096,\"size\":8192}"),
		  "$.processes[0].main[0]: duplicate key \"size\""),
		C("{\"seed\":1,\"seed\":1," ONE_PROC "}", "$: duplicate key \"seed\""),
		C("{\"processes\":[{\"name\":\"a\",\"main\":[{\"do\":\"exit\"}],\"threads\":{\"w\":[],\"\\u0077\":[]}}]}",
		  "$.processes[0].threads: duplicate key \"\\u0077\""),
		C("{\"processes\":[{\"name\":\"a\\u0000b\",\"main\":[{\"do\":\"exit\"}]}]}",
		  "$.processes[0].name: a string must not contain \\u0000"),
		C(STEP("{\"do\":\"mmap\",\"as\":\"x\\u0000y\",\"size\":4096},{\"do\":\"mmap\",\"as\":\"x\\u0000z\",\"size\":4096}"),
		  "$.processes[0].main[0].as: a string must not contain \\u0000"),
		C("{\"processes\":[{\"name\":\"a\xff\",\"main\":[{\"do\":\"exit\"}]}]}",
		  "$.processes[0].name: a string that is not valid UTF-8 (byte 0xff)"),
		C("{\"processes\":[{\"name\":\"a\xc0\xaf\",\"main\":[{\"do\":\"exit\"}]}]}",
		  "$.processes[0].name: a string that is not valid UTF-8 (byte 0xc0)"),
		C("{\"description\":\"\xed\xa0\x80\"," ONE_PROC "}", "$.description: a string that is not valid UTF-8 (byte 0xed)"),
		C("{\"description\":\"\\udc00\"," ONE_PROC "}", "$.description: \\udc00 is half of a UTF-16 surrogate pair, not a character"),
		C("{\"n\xc3\xa4me\":1," ONE_PROC "}",
		  "$: \"n\xc3\xa4me\" is not a scenario field (name, description, seed, accel_config, machine, iommu, faults, processes)"),
	};
	static const struct { const char *text, *msg; } syntax[] = {
		{ "{\"seed\":1,/* c */" ONE_PROC "}", "s.json:1:11: not valid JSON: quoted object property name expected" },
		{ "{\"seed\":1," ONE_PROC ",}", "s.json:1:61: not valid JSON: unexpected character" },
		{ "{\"seed\":NaN," ONE_PROC "}", "s.json:1:9: not valid JSON: NaN and Infinity are not JSON numbers" },
		{ "{\"seed\":-Infinity," ONE_PROC "}", "s.json:1:10: not valid JSON: NaN and Infinity are not JSON numbers" },
		{ "{\"seed\":1.," ONE_PROC "}", "s.json:1:11: not valid JSON: digits expected after the decimal point" },
		{ "{\"seed\":'1'," ONE_PROC "}", "s.json:1:9: not valid JSON: unexpected character" },
		{ "{\"name\":\"a\tb\"," ONE_PROC "}", "s.json:1:11: not valid JSON: a control character in a string (write it as an escape such as \\n)" },
		{ "{\"seed\":01," ONE_PROC "}", "s.json:1:11: not valid JSON: number expected" },
	};
	char want[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		put("s.json", cases[i].text, cases[i].len);
		snprintf(want, sizeof(want), "sva run: s.json: %s\n", cases[i].msg);
		expect("run --quiet s.json", 2, want);
	}
	for (size_t i = 0; i < sizeof(syntax) / sizeof(syntax[0]); i++) {
		put_s("s.json", syntax[i].text);
		snprintf(want, sizeof(want), "sva run: %s\n", syntax[i].msg);
		expect("run --quiet s.json", 2, want);
	}
	/* accel-config names reach show --json: \u0000 and broken UTF-8 refused there too. */
	put_s("c.json", "[{\"dev\":\"dsa0\",\"groups\":[{\"dev\":\"group0.0\",\"grouped_workqueues\":[{\"dev\":\"wq0.0\","
	      "\"mode\":\"shared\",\"size\":16,\"name\":\"a\\u0000b\",\"type\":\"user\",\"priority\":10,\"threshold\":15}],"
	      "\"grouped_engines\":[{\"dev\":\"engine0.0\"}]}]}]");
	expect("config show --json c.json", 2, "sva config show: c.json: dsa0/wq0.0: name must not contain \\u0000\n");
	put_s("c.json", "[{\"dev\":\"dsa0\",\"groups\":[{\"dev\":\"group0.0\",\"grouped_workqueues\":[{\"dev\":\"wq0.0\","
	      "\"mode\":\"shared\",\"size\":16,\"name\":\"a\xff\",\"type\":\"user\",\"priority\":10,\"threshold\":15}],"
	      "\"grouped_engines\":[{\"dev\":\"engine0.0\"}]}]}]");
	expect("config show --json c.json", 2, "sva config show: c.json: dsa0/wq0.0: name is not valid UTF-8\n");
	done();
}

/* Item 11: --json output is valid JSON text (UTF-8) even for a file name that is not. */
static void test_json_output_is_utf8(void **state)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *j;
	char *o;
	int st;

	(void)state;
	put_s("\xff\xfe.json", "{" ONE_PROC "}");
	put_s("long.json", "{\"name\":\"\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4"
	      "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4"
	      "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4x\"," ONE_PROC "}");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	for (int k = 0; k < 2; k++) {
		st = sh(&o, "run --json %s", k ? "long.json" : "$(printf '\\377\\376.json')");
		json_tokener_reset(tok);
		j = json_tokener_parse_ex(tok, o, (int)strlen(o));
		if (st != 0 || !j) {
			failures++;
			print_message("FAIL: run --json (%s): exit %d, %s\n", k ? "a long UTF-8 name" : "a file name not UTF-8",
				      st, json_tokener_error_desc(json_tokener_get_error(tok)));
		}
		json_object_put(j);
		free(o);
	}
	json_tokener_free(tok);
	done();
}

/* Item 9: an output that cannot be written is an error, exit 1. */
static void test_outputs_are_checked(void **state)
{
	(void)state;
	expect("run --quiet --trace /dev/full", 1, "sva run: --trace: error writing '/dev/full': Input/output error\n");
	expect("run --json >/dev/full", 1, "sva: error writing standard output: No space left on device\n");
	expect("run >/dev/full", 1, "sva: error writing standard output: No space left on device\n");
	{
		char args[512];

		snprintf(args, sizeof(args), "config show --json '%s/examples/configs/default.json' >/dev/full",
			 getenv("SVA_SOURCE_DIR") ? getenv("SVA_SOURCE_DIR") : ".");
		expect(args, 1, "sva: error writing standard output: No space left on device\n");
	}
	/* puts() of the long scenario met the full device itself: only ferror() tells. */
	expect("torture --print >/dev/full", 1, "sva: error writing standard output: Input/output error\n");
	expect("bench --list >/dev/full", 1, "sva: error writing standard output: No space left on device\n");
	mkdir("svg", 0700);
	assert_int_equal(symlink("/dev/full", "svg/swq.svg"), 0);
	expect("bench swq --quick --svg svg >/dev/null", 1, "sva bench: --svg: cannot write svg/swq.svg: No space left on device\n");
	done();
}

/* Item 13: verify after a wrap: overlapping fills and memmoves of different phases are not failures. */
static void test_verify_after_a_wrap(void **state)
{
	(void)state;
	put_s("s.json", STEP("{\"do\":\"mmap\",\"as\":\"d\",\"size\":6000},{\"do\":\"touch\",\"buf\":\"d\",\"write\":true},"
			     "{\"do\":\"open\",\"wq\":\"wq0.0\",\"as\":\"q\"},"
			     "{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"fill\",\"dst\":\"d\",\"size\":4096,\"count\":16,"
			     "\"pattern\":1311768467463790320,\"verify\":true}"));
	expect("run --quiet s.json", 0, "");
	put_s("s.json", STEP("{\"do\":\"mmap\",\"as\":\"s\",\"size\":8192},{\"do\":\"mmap\",\"as\":\"d\",\"size\":6000},"
			     "{\"do\":\"touch\",\"buf\":\"s\",\"write\":true},{\"do\":\"touch\",\"buf\":\"d\",\"write\":true},"
			     "{\"do\":\"open\",\"wq\":\"wq0.0\",\"as\":\"q\"},"
			     "{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"memmove\",\"src\":\"s\",\"dst\":\"d\",\"size\":4096,"
			     "\"count\":16,\"verify\":true},"
			     "{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"memmove\",\"src\":\"d\",\"dst\":\"d\",\"size\":1000,"
			     "\"count\":40,\"verify\":true}"));
	expect("run --quiet s.json", 0, "");
	/* And a real difference still counts: another thread fills the same bytes with another pattern. */
	put_s("s.json", "{\"processes\":[{\"name\":\"a\",\"main\":["
	      "{\"do\":\"mmap\",\"as\":\"d\",\"size\":4096},{\"do\":\"touch\",\"buf\":\"d\",\"write\":true},"
	      "{\"do\":\"open\",\"wq\":\"wq0.0\",\"as\":\"q\"},{\"do\":\"thread\",\"run\":\"w\"},"
	      "{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"fill\",\"dst\":\"d\",\"size\":4096,\"count\":200,"
	      "\"pattern\":1,\"verify\":true},{\"do\":\"join\"}],"
	      "\"threads\":{\"w\":[{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"fill\",\"dst\":\"d\",\"size\":4096,"
	      "\"count\":200,\"pattern\":2}]}}]}");
	{
		char *o;
		int st = sh(&o, "run --quiet s.json");

		if (st != 1 || !strstr(o, "(a): destination bytes differ from the expected result")) {
			failures++;
			print_message("FAIL: a fill overwritten by another thread: exit %d\n%s\n", st, o);
		}
		free(o);
	}
	done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_limits_either_side, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numbers_in_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numbers_on_the_command_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torture_seeds_do_not_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inputs_are_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_is_strict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_output_is_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outputs_are_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_after_a_wrap, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
