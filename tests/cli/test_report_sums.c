// SPDX-License-Identifier: MIT
/*
 * The numbers of `sva run` add up: every WQ's accepted descriptors end
 * exactly once (completed, aborted or lost), the processes' counters sum
 * to the WQs' and the kernel's - a reaped fork child's included - partial
 * completions are not failures, a fork child's timeline lines carry its
 * own name, mms are named by their owner, and the default story shows a
 * full shared WQ answering ENQCMD with retry.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "testutil.h"

#define EXPECT(cond, ...) do { if (!(cond)) fail_msg(__VA_ARGS__); } while (0)

static json_object *get(json_object *o, const char *key)
{
	return tu_json_get(o, key);
}

static uint64_t num(json_object *o, const char *key)
{
	return json_object_get_uint64(get(o, key));
}

/* `sva run ARGS --json`, parsed; the run must succeed. */
static json_object *run_json(const char *args)
{
	char cmd[512], *out;
	json_object *j;

	snprintf(cmd, sizeof(cmd), "run %s --json", args);
	EXPECT(tu_sva(cmd, &out, false) == 0, "sva %s failed", cmd);
	j = json_tokener_parse(out);
	EXPECT(j, "sva %s: no JSON", cmd);
	free(out);
	return j;
}

/* A scenario written to a file of its own; returns its path (static). */
static const char *scenario_file(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/sva-report-sums-%d-%s.json", (int)getpid(), name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	return path;
}

static json_object *run_scenario(const char *name, const char *text)
{
	char args[256];
	json_object *j;

	snprintf(args, sizeof(args), "'%s'", scenario_file(name, text));
	j = run_json(args);
	unlink(scenario_file(name, text));
	return j;
}

/* Sum of a process field over every process of the report. */
static uint64_t proc_sum(json_object *j, const char *key)
{
	json_object *procs = get(j, "processes");
	uint64_t n = 0;

	for (size_t i = 0; i < json_object_array_length(procs); i++)
		n += num(json_object_array_get_idx(procs, i), key);
	return n;
}

/* Sum of a WQ field over the WQs of one mode ("shared", "dedicated"). */
static uint64_t wq_sum(json_object *j, const char *mode, const char *key)
{
	json_object *wqs = get(j, "work_queues");
	uint64_t n = 0;

	for (size_t i = 0; i < json_object_array_length(wqs); i++) {
		json_object *w = json_object_array_get_idx(wqs, i);

		if (!strcmp(json_object_get_string(get(w, "mode")), mode))
			n += num(w, key);
	}
	return n;
}

static uint64_t counter(json_object *j, const char *name)
{
	return num(get(get(j, "stats"), "counters"), name);
}

/* Timeline events whose text contains @what (and whose "who" is @who, when given). */
static size_t events(json_object *j, const char *who, const char *what)
{
	return tu_json_events(j, who, what, NULL);
}

/* accepted = completed + aborted + lost on every WQ, nothing in flight, and submitted adds up. */
static void check_wqs_add_up(json_object *j, const char *what)
{
	json_object *wqs = get(j, "work_queues");

	EXPECT(json_object_array_length(wqs) > 0, "%s: no work queues", what);
	for (size_t i = 0; i < json_object_array_length(wqs); i++) {
		json_object *w = json_object_array_get_idx(wqs, i);
		const char *name = json_object_get_string(get(w, "wq"));

		EXPECT(num(w, "accepted") == num(w, "completed") + num(w, "aborted") + num(w, "lost"),
		       "%s %s: accepted %" PRIu64 " != completed %" PRIu64 " + aborted %" PRIu64 " + lost %" PRIu64,
		       what, name, num(w, "accepted"), num(w, "completed"), num(w, "aborted"), num(w, "lost"));
		EXPECT(num(w, "in_flight") == 0, "%s %s: %" PRIu64 " still in flight", what, name,
		       num(w, "in_flight"));
		EXPECT(num(w, "submitted") == num(w, "accepted") + num(w, "retried") + num(w, "dropped"),
		       "%s %s: submitted does not add up", what, name);
	}
}

static void test_every_wq_accounts_for_every_descriptor(void **state)
{
	static const char *const runs[] = {
		"", "examples/scenarios/exit_in_flight.json", "examples/scenarios/device_faults.json",
		"examples/scenarios/batch.json", "examples/scenarios/dedicated_wq.json",
		"examples/scenarios/device_faults.json --seed 9",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		char args[1200];
		json_object *j;

		snprintf(args, sizeof(args), "%s%s%s", runs[i][0] ? getenv("SVA_SOURCE_DIR") : "",
			 runs[i][0] ? "/" : "", runs[i]);
		j = run_json(args);
		check_wqs_add_up(j, runs[i][0] ? runs[i] : "default");
		json_object_put(j);
	}
}

/*
 * A parent and a fork child that opens the shared WQ itself (its own mm,
 * its own PASID), submits and exits; the parent reaps it.  Two threads of
 * the parent fill the WQ, so there are retries to count too.
 */
static const char fork_scenario[] =
	"{ \"name\": \"sums\", \"seed\": 4, \"processes\": [ { \"name\": \"parent\", \"main\": [\n"
	"  { \"do\": \"mmap\", \"as\": \"a\", \"size\": 262144 },\n"
	"  { \"do\": \"mmap\", \"as\": \"b\", \"size\": 262144 },\n"
	"  { \"do\": \"touch\", \"buf\": \"a\", \"write\": true },\n"
	"  { \"do\": \"touch\", \"buf\": \"b\", \"write\": true },\n"
	"  { \"do\": \"open\", \"wq\": \"wq0.0\", \"as\": \"q\" },\n"
	"  { \"do\": \"thread\", \"run\": \"busy\", \"count\": 2 },\n"
	"  { \"do\": \"join\" },\n"
	"  { \"do\": \"fork\", \"run\": \"kid\" },\n"
	"  { \"do\": \"waitpid\" },\n"
	"  { \"do\": \"close\", \"wq\": \"q\" } ],\n"
	" \"threads\": {\n"
	"  \"busy\": [ { \"do\": \"submit\", \"wq\": \"q\", \"op\": \"memmove\", \"src\": \"a\", \"dst\": \"b\","
	" \"size\": 16384, \"count\": 24 } ],\n"
	"  \"kid\": [ { \"do\": \"open\", \"wq\": \"wq0.0\", \"as\": \"k\" },\n"
	"   { \"do\": \"submit\", \"wq\": \"k\", \"op\": \"memmove\", \"src\": \"a\", \"dst\": \"b\","
	" \"size\": 4096, \"count\": 20, \"verify\": true },\n"
	"   { \"do\": \"exit\", \"code\": 3 } ] } } ] }\n";

static void test_process_counters_sum_to_the_wq_and_kernel_counts(void **state)
{
	json_object *j = run_scenario("fork", fork_scenario), *kid;

	(void)state;
	check_wqs_add_up(j, "fork scenario");
	kid = tu_json_proc(j, "kid");
	/* b is copy-on-write after the fork: the child's copies fault partway and are resubmitted. */
	EXPECT(num(kid, "descriptors") == 20 && num(kid, "gp_fixups") == 1 &&
	       num(kid, "enqcmd_accepted") == 20 + num(kid, "resubmissions"),
	       "the reaped child's counters are gone: %" PRIu64 " ENQCMDs accepted, %" PRIu64 " #GP fixups",
	       num(kid, "enqcmd_accepted"), num(kid, "gp_fixups"));
	EXPECT(proc_sum(j, "enqcmd_accepted") == wq_sum(j, "shared", "accepted"),
	       "processes' ENQCMDs accepted %" PRIu64 " != shared WQs' accepted %" PRIu64,
	       proc_sum(j, "enqcmd_accepted"), wq_sum(j, "shared", "accepted"));
	EXPECT(proc_sum(j, "enqcmd_retries") == wq_sum(j, "shared", "retried"),
	       "processes' ENQCMD retries %" PRIu64 " != shared WQs' retried %" PRIu64,
	       proc_sum(j, "enqcmd_retries"), wq_sum(j, "shared", "retried"));
	EXPECT(wq_sum(j, "shared", "retried") > 0, "two threads of 24 did not fill a 16-entry WQ");
	EXPECT(proc_sum(j, "gp_fixups") == counter(j, "kernel.enqcmd_gp_fixups"),
	       "processes' #GP fixups %" PRIu64 " != the kernel's %" PRIu64, proc_sum(j, "gp_fixups"),
	       counter(j, "kernel.enqcmd_gp_fixups"));
	EXPECT(proc_sum(j, "descriptors") + proc_sum(j, "resubmissions") ==
	       num(get(j, "guests"), "descriptors_submitted"), "processes' descriptors != the guests' total");
	json_object_put(j);
}

static void test_fork_child_speaks_under_its_own_name(void **state)
{
	json_object *j = run_scenario("name", fork_scenario);
	char what[64];

	(void)state;
	snprintf(what, sizeof(what), "pid %" PRIu64 " exited with code 3", num(tu_json_proc(j, "kid"), "pid"));
	EXPECT(events(j, "kid", what) == 1, "the child's exit is not in the timeline under \"kid\"");
	EXPECT(events(j, "parent", what) == 0, "the child's exit carries the parent's name");
	EXPECT(events(j, "kid", "#GP on ENQCMD") == 1, "the child's #GP fixup is not under its name");
	json_object_put(j);
}

/* Untouched destination pages, no block-on-fault: partial completions that software finishes. */
static const char partial_scenario[] =
	"{ \"name\": \"partial\", \"seed\": 2, \"processes\": [ { \"name\": \"p\", \"main\": [\n"
	"  { \"do\": \"mmap\", \"as\": \"a\", \"size\": 32768 },\n"
	"  { \"do\": \"touch\", \"buf\": \"a\", \"write\": true },\n"
	"  { \"do\": \"mmap\", \"as\": \"fresh\", \"size\": 32768 },\n"
	"  { \"do\": \"open\", \"wq\": \"wq0.0\", \"as\": \"q\" },\n"
	"  { \"do\": \"submit\", \"wq\": \"q\", \"op\": \"memmove\", \"src\": \"a\", \"dst\": \"fresh\","
	" \"size\": 32768, \"verify\": true },\n"
	"  { \"do\": \"close\", \"wq\": \"q\" } ] } ] }\n";

static void test_partial_completions_are_not_failures(void **state)
{
	json_object *j = run_scenario("partial", partial_scenario), *dev, *mm;
	char args[256], *human;

	(void)state;
	dev = json_object_array_get_idx(get(j, "devices"), 0);
	mm = get(get(dev, "operations"), "memmove");
	EXPECT(num(dev, "partial_completions") == 8, "8 pages, 8 partial completions, got %" PRIu64,
	       num(dev, "partial_completions"));
	EXPECT(num(dev, "failed") == 0, "%" PRIu64 " partial completions counted as failed", num(dev, "failed"));
	EXPECT(num(mm, "partial") == 8 && num(mm, "succeeded") == 1 && num(mm, "executed") == 9,
	       "memmove: 9 executed, 8 partial, 1 succeeded");
	EXPECT(num(get(j, "guests"), "verification_failures") == 0, "the resubmitted copy is right");
	json_object_put(j);

	snprintf(args, sizeof(args), "run '%s'", scenario_file("partial", partial_scenario));
	assert_int_equal(tu_sva(args, &human, false), 0);
	unlink(scenario_file("partial", partial_scenario));
	EXPECT(strstr(human, "(8 partial, 0 failed"), "the device line does not say partial apart:\n%s", human);
	free(human);
}

static void test_default_story_shows_enqcmd_retries(void **state)
{
	json_object *j = run_json("");

	(void)state;
	EXPECT(wq_sum(j, "shared", "retried") >= 1, "the default story never fills the shared WQ");
	EXPECT(proc_sum(j, "enqcmd_retries") == wq_sum(j, "shared", "retried"),
	       "processes' retries %" PRIu64 " != the WQ's %" PRIu64, proc_sum(j, "enqcmd_retries"),
	       wq_sum(j, "shared", "retried"));
	EXPECT(events(j, NULL, "answered retry (ZF set)") >= 1, "no ENQCMD retry in the timeline");
	/* one line per thread and step, not one per refusal */
	EXPECT(events(j, NULL, "answered retry (ZF set)") < wq_sum(j, "shared", "retried"),
	       "a timeline line per retry");
	json_object_put(j);
}

static void test_mms_are_named_by_their_owner(void **state)
{
	json_object *j = run_json(""), *procs = get(j, "processes"), *tl = get(j, "timeline");

	(void)state;
	for (size_t i = 0; i < json_object_array_length(tl); i++) {
		const char *s = json_object_get_string(get(json_object_array_get_idx(tl, i), "what"));
		const char *m = strstr(s, "mm ");

		EXPECT(!m || !(m[3] >= '0' && m[3] <= '9'), "an mm named by its number: %s", s);
	}
	for (size_t i = 0; i < json_object_array_length(procs); i++) {
		json_object *p = json_object_array_get_idx(procs, i);
		char what[96];

		if (!num(p, "pasid"))
			continue;
		snprintf(what, sizeof(what), "mm of pid %" PRIu64 " (%s): PASID %" PRIu64 " allocated", num(p, "pid"),
			 json_object_get_string(get(p, "name")), num(p, "pasid"));
		EXPECT(events(j, "kernel", what) == 1, "no \"%s\" in the timeline", what);
	}
	json_object_put(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_wq_accounts_for_every_descriptor),
		cmocka_unit_test(test_process_counters_sum_to_the_wq_and_kernel_counts),
		cmocka_unit_test(test_fork_child_speaks_under_its_own_name),
		cmocka_unit_test(test_partial_completions_are_not_failures),
		cmocka_unit_test(test_default_story_shows_enqcmd_retries),
		cmocka_unit_test(test_mms_are_named_by_their_owner),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
