// SPDX-License-Identifier: MIT
/*
 * Scenario files through `sva run FILE`: every example runs and shows its
 * flow, every kind of bad file gets its one message (with the JSON path)
 * and exit 2, a step failing at run time gets exit 1 and names the step,
 * the same seed gives the same bytes, and golden reports of the default
 * scenario (SVA_REGEN_GOLDEN=1 rewrites them).
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "testutil.h"

#define REGEN_HINT "if the change is intended, regenerate with: SVA_REGEN_GOLDEN=1 ctest -R cli.scenarios"

static char tmpdir[64];

static const char *env_or_fail(const char *name)
{
	const char *v = getenv(name);

	if (!v || !*v)
		fail_msg("%s is not set (run through ctest)", name);
	return v;
}

static const char *src_dir(void)
{
	return env_or_fail("SVA_SOURCE_DIR");
}

/* A file in the test's private directory. */
static const char *tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
	return buf;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

static void spit(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/*
 * Run `sva ARGS` (ARGS is passed to the shell as is); returns its exit
 * status, with stdout and stderr (malloc'd) in *out and *err when asked.
 */
static int sva(const char *args, char **out, char **err)
{
	char cmd[2048], o[96], e[96];
	char *so, *se;
	int st;

	tmp_path(o, sizeof(o), "stdout");
	tmp_path(e, sizeof(e), "stderr");
	snprintf(cmd, sizeof(cmd), "'%s' %s >'%s' 2>'%s'", tu_sva_bin(), args, o, e);
	st = system(cmd);
	so = slurp(o, NULL);
	se = slurp(e, NULL);
	assert_non_null(so);
	assert_non_null(se);
	if (out)
		*out = so;
	else
		free(so);
	if (err)
		*err = se;
	else
		free(se);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The example scenarios, sorted: names (malloc'd) and their count. */
static size_t list_examples(char ***names)
{
	char dir[1024];
	DIR *d;
	struct dirent *e;
	size_t n = 0, cap = 32;
	char **v = malloc(cap * sizeof(*v));

	assert_non_null(v);
	snprintf(dir, sizeof(dir), "%s/examples/scenarios", src_dir());
	d = opendir(dir);
	if (!d)
		fail_msg("cannot list %s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (l < 6 || strcmp(e->d_name + l - 5, ".json"))
			continue;
		if (n == cap) {
			v = realloc(v, (cap *= 2) * sizeof(*v));
			assert_non_null(v);
		}
		v[n] = strdup(e->d_name);
		assert_non_null(v[n++]);
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmp_str);
	*names = v;
	return n;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- JSON report helpers ----------------------------------------------------------- */

static json_object *get(json_object *o, const char *key)
{
	return tu_json_get(o, key);
}

static int64_t get_int(json_object *o, const char *key)
{
	return json_object_get_int64(get(o, key));
}

static json_object *proc_named(json_object *report, const char *name)
{
	return tu_json_proc(report, name);
}

static int64_t counter(json_object *report, const char *name)
{
	return get_int(get(get(report, "stats"), "counters"), name);
}

/* How many timeline events contain @what (and @what2, when given). */
static size_t events(json_object *report, const char *what, const char *what2)
{
	return tu_json_events(report, NULL, what, what2);
}

#define EXPECT(cond, ...) do { if (!(cond)) fail_msg(__VA_ARGS__); } while (0)

/* ---- every example runs and shows its flow ------------------------------------------ */

static void check_pasid_lifecycle(json_object *j)
{
	json_object *owner = proc_named(j, "owner"), *nb = proc_named(j, "neighbor"),
		    *succ = proc_named(j, "successor");
	char what[64];

	EXPECT(get_int(owner, "pasid") > 0, "owner got no PASID");
	EXPECT(get_int(owner, "gp_fixups") == 3, "owner: one #GP fixup per ENQCMD thread (3), got %lld",
	       (long long)get_int(owner, "gp_fixups"));
	EXPECT(get_int(nb, "pasid") != get_int(owner, "pasid"), "two live mms share a PASID");
	EXPECT(get_int(succ, "pasid") == get_int(owner, "pasid"), "successor did not reuse owner's freed PASID");
	/* bound twice (wq0.0, then wq0.1), reopened after close: one allocation */
	snprintf(what, sizeof(what), "pid %lld opens /dev/dsa/", (long long)get_int(owner, "pid"));
	EXPECT(events(j, what, NULL) == 3, "owner should open three times");
	EXPECT(events(j, "allocated on first bind", NULL) == 3, "one allocation per mm");
	EXPECT(events(j, "torn down (mmdrop): PASID", "freed") == 3, "every PASID freed at mm teardown");
}

static void check_enqcmd_gp_fixup(json_object *j)
{
	json_object *app = proc_named(j, "app"), *child = proc_named(j, "child");

	EXPECT(get_int(app, "gp_fixups") == 7, "main + 4 + 2 threads: 7 fixups, got %lld",
	       (long long)get_int(app, "gp_fixups"));
	EXPECT(events(j, "#GP on ENQCMD (IA32_PASID invalid): fixup loads PASID", NULL) == 7, "7 fixups in the timeline");
	EXPECT(get_int(child, "signal") == 11 && get_int(child, "pasid") == 0, "the fork child dies of SIGSEGV");
	EXPECT(events(j, "SIGSEGV (#GP in enqcmd: IA32_PASID not valid)", NULL) == 1, "SIGSEGV in the timeline");
}

static void check_device_faults(json_object *j)
{
	json_object *g = get(j, "guests");

	EXPECT(get_int(g, "partial_completions") >= 5 && get_int(g, "resubmissions") >= 4,
	       "partial completions and resubmissions");
	EXPECT(get_int(g, "verification_failures") == 0, "resubmitted copies are right");
	EXPECT(events(j, "without block-on-fault: partial completion", NULL) >= 5, "partials in the timeline");
	EXPECT(events(j, "page request PASID", "response Success") >= 6, "block-on-fault page requests");
	EXPECT(get_int(get(j, "iommu"), "page_requests") >= 6, "page requests counted by the IOMMU");
}

static void check_invalidation(json_object *j)
{
	EXPECT(counter(j, "kernel.page_migrations") == 2, "2 migrations");
	EXPECT(counter(j, "kernel.page_reclaims") == 2, "2 reclaims");
	EXPECT(events(j, "IOTLB + device-TLB invalidation and wait done", NULL) >= 6,
	       "migrate, reclaim, mprotect and munmap each invalidate");
	EXPECT(get_int(get(j, "guests"), "partial_completions") >= 1, "the device faulted on a reclaimed page");
	EXPECT(get_int(get(j, "guests"), "verification_failures") == 0, "no stale translation used");
}

static void check_exit_in_flight(json_object *j)
{
	EXPECT(events(j, "exiting (release): PASID entries cleared", NULL) >= 3,
	       "three exits tear their PASID entries down");
	EXPECT(counter(j, "idxd.software_errors") >= 1,
	       "in-flight work of an exited mm faults, its records cannot be written");
	EXPECT(events(j, "released: drain PASID", "wq0.0") >= 3, "three exits drain wq0.0");
	EXPECT(events(j, "released: Disable WQ drains PASID", "wq0.1") >= 1, "the dedicated WQ drained");
	EXPECT(events(j, "page request PASID", "response Invalid Request") >= 1,
	       "page requests of an exiting mm are answered Invalid");
	EXPECT(counter(j, "kernel.pasid_allocs") == counter(j, "kernel.pasid_frees"), "every PASID freed");
	EXPECT(get_int(proc_named(j, "next"), "pasid") > 0, "a later process binds");
}

static void check_dedicated_wq(json_object *j)
{
	json_object *owner = proc_named(j, "owner"), *sharer = proc_named(j, "sharer");

	EXPECT(get_int(owner, "movdir64b") >= 39 && get_int(owner, "enqcmd_accepted") == 0 &&
	       get_int(owner, "gp_fixups") == 0, "the dedicated WQ takes MOVDIR64B, no #GP");
	EXPECT(get_int(sharer, "gp_fixups") == 1 && get_int(sharer, "enqcmd_accepted") == 32, "the shared WQ takes ENQCMD");
	EXPECT(get_int(proc_named(j, "successor"), "pasid") > 0, "the dedicated WQ opens again after close");
}

static void check_batch(json_object *j)
{
	json_object *dev = json_object_array_get_idx(get(j, "devices"), 0);

	EXPECT(get_int(dev, "batches") == 20, "4 + 7 + 1 + 2 + 3 * 2 batches, got %lld",
	       (long long)get_int(dev, "batches"));
	EXPECT(get_int(dev, "batch_descriptors") == 492, "descriptors in batches");
}

static void check_multi_device(json_object *j)
{
	json_object *spread = proc_named(j, "spread");
	char what[64];

	EXPECT(json_object_array_length(get(j, "devices")) == 2, "two devices from the accel-config file");
	snprintf(what, sizeof(what), "bound, PASID %lld", (long long)get_int(spread, "pasid"));
	EXPECT(events(j, "opens /dev/dsa/wq0.0", what) == 1 && events(j, "opens /dev/dsa/wq2.0", what) == 1,
	       "one PASID on both devices");
	EXPECT(get_int(proc_named(j, "dedicated"), "movdir64b") == 4, "wq2.2 is dedicated");
}

static const struct {
	const char *file;
	void (*check)(json_object *);
} flows[] = {
	{ "pasid_lifecycle.json", check_pasid_lifecycle },
	{ "enqcmd_gp_fixup.json", check_enqcmd_gp_fixup },
	{ "device_faults.json", check_device_faults },
	{ "invalidation.json", check_invalidation },
	{ "exit_in_flight.json", check_exit_in_flight },
	{ "dedicated_wq.json", check_dedicated_wq },
	{ "batch.json", check_batch },
	{ "multi_device.json", check_multi_device },
};

static void test_every_example_runs(void **state)
{
	char **names;
	size_t n = list_examples(&names), checked = 0;

	(void)state;
	assert_true(n >= 9);
	for (size_t i = 0; i < n; i++) {
		char args[1200], *out, *err;
		json_object *j;
		int rc;

		snprintf(args, sizeof(args), "run '%s/examples/scenarios/%s' --json", src_dir(), names[i]);
		rc = sva(args, &out, &err);
		if (rc != 0 || err[0])
			fail_msg("sva %s: exit %d, stderr:\n%s", args, rc, err);
		j = json_tokener_parse(out);
		if (!j)
			fail_msg("sva %s: the JSON report does not parse", args);
		assert_true(json_object_array_length(get(j, "processes")) >= 1);
		assert_int_equal(get_int(get(j, "guests"), "step_errors"), 0);
		for (size_t k = 0; k < sizeof(flows) / sizeof(flows[0]); k++)
			if (!strcmp(flows[k].file, names[i])) {
				print_message("[ example  ] %s\n", names[i]);
				flows[k].check(j);
				checked++;
			}
		json_object_put(j);
		free(out);
		free(err);
	}
	assert_int_equal(checked, sizeof(flows) / sizeof(flows[0]));
	free_list(names, n);
}

/* ---- bad files: one message with the JSON path, exit 2 ------------------------------- */

#define PROC_AT(top, steps) "{" top "\"processes\":[{\"name\":\"p\",\"main\":[" steps "]}]}"
#define PROC(steps) PROC_AT("", steps)
#define EMPTY PROC("")

static const struct {
	const char *text;
	size_t len;		/* 0: strlen(text) */
	const char *msg;	/* what follows "sva run: FILE" */
} bad[] = {
	/* malformed JSON */
	{ "{\"processes\": [", 0, ":1:16: not valid JSON: unexpected end of file" },
	{ "", 0, ":1:1: not valid JSON: unexpected end of file" },
	{ EMPTY " x", 0, ":1:40: not valid JSON: unexpected text after the scenario" },
	{ EMPTY "\n}", 0, ":2:1: not valid JSON: unexpected text after the scenario" },
	{ EMPTY "\0", sizeof(EMPTY), ": contains a NUL byte: not a JSON text file" },
	{ "{\"processes\":[{\"name\":\"p\" \"main\":[]}]}", 0, ":1:27: not valid JSON: object value separator ',' expected" },
	/* wrong types at the top */
	{ "[]", 0, ": $: a scenario is a JSON object" },
	{ "{\"name\": 3, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0, ": $.name: expected a string" },
	{ "{\"description\": [], \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0, ": $.description: expected a string" },
	{ "{\"seed\": \"x\", \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0, ": $.seed: expected an integer, found string" },
	{ "{\"seed\": 1.5, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0, ": $.seed: expected an integer, found double" },
	{ "{\"processes\": {}}", 0, ": $.processes: expected a non-empty list of processes" },
	{ "{\"processes\": []}", 0, ": $.processes: expected a non-empty list of processes" },
	{ "{\"machine\": 3, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0, ": $.machine: expected an object (cpus, ram_mb, pasid_max, frames, atc_entries, pcie_path)" },
	{ "{\"iommu\": [], \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0, ": $.iommu: expected an object (iotlb_sets, iotlb_ways, prq_overflow)" },
	{ "{\"accel_config\": 5, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0, ": $.accel_config: expected a file name or an accel-config JSON object" },
	{ "{\"faults\": 3, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0,
	  ": $.faults: expected an object (iopf_response_failures, time_limit_ns)" },
	/* missing required fields */
	{ "{}", 0, ": $: missing \"processes\": the programs to run" },
	{ "{\"processes\":[{\"main\":[]}]}", 0, ": $.processes[0]: missing \"name\"" },
	{ "{\"processes\":[{\"name\":\"p\"}]}", 0, ": $.processes[0]: missing \"main\": the steps of the process's first thread" },
	{ PROC("{\"as\":\"x\"}"), 0, ": $.processes[0].main[0]: missing \"do\": what the step does (open, mmap, submit, ...)" },
	{ PROC("{\"do\":\"mmap\",\"as\":\"x\"}"), 0, ": $.processes[0].main[0]: missing \"size\"" },
	{ PROC("{\"do\":\"open\",\"wq\":\"wq0.0\"}"), 0, ": $.processes[0].main[0]: missing \"as\"" },
	{ PROC("{\"do\":\"mprotect\",\"buf\":\"x\"}"), 0, ": $.processes[0].main[0]: missing \"prot\"" },
	{ PROC("{\"do\":\"sleep\"}"), 0, ": $.processes[0].main[0]: missing \"ns\"" },
	{ PROC("{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"memmove\",\"dst\":\"b\",\"size\":64}"), 0,
	  ": $.processes[0].main[0]: missing \"src\": the buffer to read" },
	{ PROC("{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"fill\",\"size\":64}"), 0,
	  ": $.processes[0].main[0]: missing \"dst\": the buffer to write (or compare with)" },
	{ PROC("{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"fill\",\"dst\":\"b\"}"), 0,
	  ": $.processes[0].main[0]: missing \"size\": bytes per descriptor" },
	/* unknown fields, at each level */
	{ "{\"bogus\":1,\"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0,
	  ": $: \"bogus\" is not a scenario field (name, description, seed, accel_config, machine, iommu, faults, processes)" },
	{ "{\"machine\": {\"gpus\": 3}, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0,
	  ": $.machine: \"gpus\" is not a machine field (cpus, ram_mb, pasid_max, frames, atc_entries, pcie_path)" },
	{ "{\"faults\": {\"x\": 1}, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0,
	  ": $.faults: \"x\" is not a fault (iopf_response_failures, device_reset_at_ns, device_halt_at_ns, irq_lost_every, irq_spurious_every, poll_limit_ns, time_limit_ns)" },
	{ "{\"iommu\": {\"x\": 1}, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0,
	  ": $.iommu: \"x\" is not an iommu field (iotlb_sets, iotlb_ways, prq_overflow, prq_limit)" },
	{ "{\"processes\":[{\"name\":\"p\",\"main\":[],\"extra\":1}]}", 0,
	  ": $.processes[0]: \"extra\" is not a field of a process (name, start_ns, main, threads)" },
	{ PROC("{\"do\":\"mmap\",\"as\":\"x\",\"size\":4096,\"wq\":\"q\"}"), 0,
	  ": $.processes[0].main[0]: \"wq\" is not a field of this step (fields: as size prot shared)" },
	{ PROC("{\"do\":\"join\",\"x\":1}"), 0, ": $.processes[0].main[0]: \"x\" is not a field of this step (fields: none)" },
	/* an empty key once looped forever (found by fuzz.scenario) */
	{ PROC("{\"do\":\"sleep\",\"\":1}"), 0, ": $.processes[0].main[0]: \"\" is not a field of this step (fields: ns)" },
	/* out-of-range numbers */
	{ "{\"seed\": -1, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0, ": $.seed: -1 is out of range [0, 9223372036854775807]" },
	{ "{\"machine\": {\"cpus\": 0}, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0, ": $.machine.cpus: 0 is out of range [1, 256]" },
	{ "{\"machine\": {\"cpus\": 257}, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0, ": $.machine.cpus: 257 is out of range [1, 256]" },
	{ "{\"machine\": {\"ram_mb\": 8}, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0, ": $.machine.ram_mb: 8 is out of range [16, 1048576]" },
	{ "{\"machine\": {\"pasid_max\": 1}, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0, ": $.machine.pasid_max: 1 is out of range [2, 1048576]" },
	{ "{\"machine\": {\"frames\": 63}, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0, ": $.machine.frames: 63 is out of range [64, 1073741824]" },
	{ "{\"machine\": {\"pcie_path\": []}, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0,
	  ": $.machine.pcie_path: expected an array of 1..5 ports: a root_port, then switches" },
	{ "{\"machine\": {\"pcie_path\": [{\"type\":\"switch\"}]}, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0,
	  ": $.machine.pcie_path[0]: type \"switch\": expected \"root_port\" (the root port comes first, only switches follow)" },
	{ "{\"machine\": {\"pcie_path\": [{\"type\":\"root_port\"},{\"type\":\"switch\",\"dmwr\":0}]}, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0,
	  ": $.machine.pcie_path[1].dmwr: expected true or false, found int" },
	{ "{\"faults\": {\"time_limit_ns\": 999}, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0,
	  ": $.faults.time_limit_ns: 999 is out of range [1000, 3600000000000]" },
	{ "{\"faults\": {\"iopf_response_failures\": 1000001}, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0,
	  ": $.faults.iopf_response_failures: 1000001 is out of range [0, 1000000]" },
	{ "{\"iommu\": {\"iotlb_sets\": 0}, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0, ": $.iommu.iotlb_sets: 0 is out of range [1, 4096]" },
	{ "{\"iommu\": {\"iotlb_ways\": 65}, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0, ": $.iommu.iotlb_ways: 65 is out of range [1, 64]" },
	{ "{\"iommu\": {\"prq_overflow\": \"panic\"}, \"processes\":[{\"name\":\"p\",\"main\":[]}]}", 0,
	  ": $.iommu.prq_overflow: expected \"success\", \"invalid\" or \"drop\"" },
	{ "{\"processes\":[{\"name\":\"p\",\"main\":[],\"start_ns\":-5}]}", 0, ": $.processes[0].start_ns: -5 is out of range [0, 1000000000000]" },
	{ PROC("{\"do\":\"mmap\",\"as\":\"x\",\"size\":0}"), 0, ": $.processes[0].main[0].size: 0 is out of range [1, 4294967296]" },
	{ PROC("{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"fill\",\"dst\":\"b\",\"size\":4294967296}"), 0,
	  ": $.processes[0].main[0].size: 4294967296 is out of range [1, 2147483648]" },
	{ PROC("{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"fill\",\"dst\":\"b\",\"size\":64,\"count\":0}"), 0,
	  ": $.processes[0].main[0].count: 0 is out of range [1, 1000000]" },
	{ PROC("{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"fill\",\"dst\":\"b\",\"size\":64,\"batch\":1025}"), 0,
	  ": $.processes[0].main[0].batch: 1025 is out of range [0, 1024]" },
	{ PROC("{\"do\":\"thread\",\"run\":\"w\",\"count\":65}"), 0, ": $.processes[0].main[0].count: 65 is out of range [1, 64]" },
	{ PROC("{\"do\":\"exit\",\"code\":256}"), 0, ": $.processes[0].main[0].code: 256 is out of range [0, 255]" },
	/* names, steps, ops, prot, wait, batch 1 */
	{ "{\"processes\":[{\"name\":\"\",\"main\":[]}]}", 0, ": $.processes[0].name: a name must have 1 to 31 characters" },
	{ PROC("{\"do\":\"open\",\"wq\":\"wq0.0\",\"as\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}"), 0,
	  ": $.processes[0].main[0].as: a name must have 1 to 31 characters" },
	{ "{\"processes\":[3]}", 0, ": $.processes[0]: a process must be an object with \"name\" and \"main\"" },
	{ "{\"processes\":[{\"name\":\"p\",\"main\":{}}]}", 0, ": $.processes[0].main: expected a list of steps, found object" },
	{ "{\"processes\":[{\"name\":\"p\",\"main\":[],\"threads\":[]}]}", 0, ": $.processes[0].threads: expected an object of named step lists" },
	{ "{\"processes\":[{\"name\":\"p\",\"main\":[],\"threads\":{\"w\":3}}]}", 0, ": $.processes[0].threads.w: expected a list of steps, found int" },
	{ PROC("3"), 0, ": $.processes[0].main[0]: a step must be an object such as {\"do\": \"mmap\", ...}" },
	{ PROC("{\"do\":\"dance\"}"), 0, ": $.processes[0].main[0]: unknown step \"dance\"" },
	{ PROC("{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"xor\",\"src\":\"a\",\"dst\":\"b\",\"size\":64}"), 0,
	  ": $.processes[0].main[0].op: expected one of memmove, fill, compare, crc, noop, cache_flush" },
	{ PROC("{\"do\":\"mmap\",\"as\":\"x\",\"size\":4096,\"prot\":\"rwz\"}"), 0,
	  ": $.processes[0].main[0].prot: \"rwz\" is not a protection (use r, w, x or none)" },
	{ PROC("{\"do\":\"mmap\",\"as\":\"x\",\"size\":4096,\"prot\":\"\"}"), 0, ": $.processes[0].main[0].prot: empty protection (use \"none\")" },
	{ PROC("{\"do\":\"mmap\",\"as\":\"x\",\"size\":4096,\"prot\":7}"), 0,
	  ": $.processes[0].main[0].prot: expected \"none\", \"r\", \"w\", \"rw\", \"rx\" or \"rwx\"" },
	{ PROC("{\"do\":\"mmap\",\"as\":\"x\",\"size\":4096,\"shared\":1}"), 0, ": $.processes[0].main[0].shared: expected true or false, found int" },
	{ PROC("{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"fill\",\"dst\":\"b\",\"size\":64,\"wait\":\"irq\"}"), 0,
	  ": $.processes[0].main[0].wait: expected \"poll\" (read each completion record until written), \"umwait\" (rest on it in UMWAIT) or \"none\" (leave them in flight)" },
	{ PROC("{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"memmove\",\"src\":\"a\",\"dst\":\"b\",\"size\":64,\"batch\":1}"), 0,
	  ": $.processes[0].main[0].batch: a batch holds 2 to 1024 descriptors (0: no batch)" },
	/* references to step lists that do not exist */
	{ PROC("{\"do\":\"thread\",\"run\":\"w\"}"), 0, ": $.processes[0].main[0]: \"run\": no step list \"w\" in this process's \"threads\"" },
	{ "{\"processes\":[{\"name\":\"p\",\"main\":[],\"threads\":{\"w\":[{\"do\":\"fork\",\"run\":\"zz\"}]}}]}", 0,
	  ": $.processes[0].threads.w[0]: \"run\": no step list \"zz\" in this process's \"threads\"" },
	/* the second process is checked too */
	{ "{\"processes\":[{\"name\":\"p\",\"main\":[]},{\"name\":\"q\",\"main\":[{\"do\":\"sleep\",\"ns\":-1}]}]}", 0,
	  ": $.processes[1].main[0].ns: -1 is out of range [0, 1000000000000]" },
};

static void test_bad_files_exit_2_with_their_message(void **state)
{
	char path[96], args[256], expect[512];

	(void)state;
	tmp_path(path, sizeof(path), "bad.json");
	snprintf(args, sizeof(args), "run '%s'", path);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *out, *err;
		int rc;

		spit(path, bad[i].text, bad[i].len ? bad[i].len : strlen(bad[i].text));
		rc = sva(args, &out, &err);
		snprintf(expect, sizeof(expect), "sva run: %s%s\n", path, bad[i].msg);
		if (rc != 2 || strcmp(err, expect) || out[0])
			fail_msg("case %zu: %s\nexit %d (expected 2), stderr:\n%sexpected:\n%s", i, bad[i].text, rc, err,
				 expect);
		free(out);
		free(err);
	}
}

/* accel_config: relative to the scenario's directory; the configuration's own message. */
static void test_bad_accel_config(void **state)
{
	static const char cfg[] =
		"[{\"dev\":\"dsa0\",\"groups\":[{\"dev\":\"group0.0\",\"grouped_workqueues\":"
		"[{\"dev\":\"wq0.0\",\"mode\":\"shared\",\"size\":16}]}]}]";
	char scn[96], cpath[96], args[256], text[512], *out, *err, *verr, *own;
	int rc;

	(void)state;
	tmp_path(scn, sizeof(scn), "bad.json");
	tmp_path(cpath, sizeof(cpath), "bad_cfg.json");
	snprintf(args, sizeof(args), "run '%s'", scn);

	/* a file that does not exist */
	snprintf(text, sizeof(text), "{\"accel_config\": \"missing_cfg.json\",%s", &EMPTY[1]);
	spit(scn, text, strlen(text));
	rc = sva(args, &out, &err);
	if (rc != 2 || !strstr(err, "cannot open: No such file or directory"))
		fail_msg("missing accel_config: exit %d, stderr:\n%s", rc, err);
	free(out);
	free(err);

	/* an invalid configuration, by a relative name: the message `sva config validate` gives */
	spit(cpath, cfg, strlen(cfg));
	snprintf(text, sizeof(text), "{\"accel_config\": \"bad_cfg.json\",%s", &EMPTY[1]);
	spit(scn, text, strlen(text));
	snprintf(args, sizeof(args), "config validate '%s'", cpath);
	assert_int_equal(sva(args, NULL, &verr), 2);
	own = strstr(verr, "bad_cfg.json: ");
	assert_non_null(own);
	own += strlen("bad_cfg.json: ");
	snprintf(args, sizeof(args), "run '%s'", scn);
	rc = sva(args, &out, &err);
	if (rc != 2 || !strstr(err, own) || strncmp(err, "sva run: ", 9))
		fail_msg("invalid accel_config: exit %d, stderr:\n%sexpected the configuration's message:\n%s", rc, err, own);
	free(out);
	free(err);

	/* the same configuration inline */
	snprintf(text, sizeof(text), "{\"accel_config\": %s,%s", cfg, &EMPTY[1]);
	spit(scn, text, strlen(text));
	rc = sva(args, &out, &err);
	if (rc != 2 || !strstr(err, own))
		fail_msg("invalid inline accel_config: exit %d, stderr:\n%sexpected:\n%s", rc, err, own);
	free(out);
	free(err);
	free(verr);
	remove(cpath);
}

/* ---- a step failing at run time: exit 1, the step's path ---------------------------- */

#define RUNTIME_AT(top, step) PROC_AT(top, "{\"do\":\"mmap\",\"as\":\"a\",\"size\":8192}," \
				      "{\"do\":\"touch\",\"buf\":\"a\",\"write\":true}," \
				      "{\"do\":\"open\",\"wq\":\"wq0.0\",\"as\":\"q\"}," step)
#define RUNTIME(step) RUNTIME_AT("", step)

static const struct {
	const char *text, *msg;
} runtime_bad[] = {
	{ RUNTIME("{\"do\":\"submit\",\"wq\":\"nq\",\"op\":\"noop\"}"),
	  "$.processes[0].main[3] (p): no work queue named \"nq\" (define it with open first)" },
	{ RUNTIME("{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"fill\",\"dst\":\"a\",\"size\":16384}"),
	  "$.processes[0].main[3] (p): size 16384 is larger than the buffer" },
	{ RUNTIME("{\"do\":\"submit\",\"wq\":\"a\",\"op\":\"noop\"}"),
	  "$.processes[0].main[3] (p): \"a\" is a buffer, not a work queue" },
	{ RUNTIME("{\"do\":\"touch\",\"buf\":\"q\"}"),
	  "$.processes[0].main[3] (p): \"q\" is a work queue, not a buffer" },
	{ RUNTIME("{\"do\":\"munmap\",\"buf\":\"a\",\"offset\":4096,\"size\":8192}"),
	  "$.processes[0].main[3] (p): [4096, +8192) is outside \"a\" (8192 bytes)" },
	{ RUNTIME("{\"do\":\"waitpid\"}"), "$.processes[0].main[3] (p): no child to wait for" },
	{ RUNTIME("{\"do\":\"open\",\"wq\":\"wq9.9\",\"as\":\"z\"}"),
	  "$.processes[0].main[3] (p): open /dev/dsa/wq9.9: No such file or directory" },
	/* batch larger than the WQ's max_batch_size (32): the device refuses it */
	{ RUNTIME("{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"fill\",\"dst\":\"a\",\"size\":64,\"count\":64,\"batch\":64}"),
	  "$.processes[0].main[3] (p): descriptor completed with status 0x14 (descriptor count out of range)" },
	/* the fault plan: the first page request group is answered Response Failure */
	{ RUNTIME_AT("\"faults\": {\"iopf_response_failures\": 1},", "{\"do\":\"mmap\",\"as\":\"b\",\"size\":8192},"
	  "{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"memmove\",\"src\":\"a\",\"dst\":\"b\",\"size\":8192,\"bof\":true}"),
	  "$.processes[0].main[4] (p): descriptor completed with status 0xa2 (address translation failed)" },
	{ "{\"processes\":[{\"name\":\"p\",\"main\":[{\"do\":\"thread\",\"run\":\"w\"},{\"do\":\"join\"}],"
	  "\"threads\":{\"w\":[{\"do\":\"close\",\"wq\":\"none\"}]}}]}",
	  "$.processes[0].threads.w[0] (p): no work queue named \"none\" (define it with open first)" },
};

static void test_runtime_failure_exits_1_naming_the_step(void **state)
{
	char path[96], args[256], expect[512];

	(void)state;
	tmp_path(path, sizeof(path), "bad.json");
	for (size_t i = 0; i < sizeof(runtime_bad) / sizeof(runtime_bad[0]); i++) {
		char *out, *err;
		int rc;

		spit(path, runtime_bad[i].text, strlen(runtime_bad[i].text));
		snprintf(args, sizeof(args), "run '%s' --quiet", path);
		rc = sva(args, &out, &err);
		snprintf(expect, sizeof(expect), "sva run: 1 step(s) failed; first: %s\n", runtime_bad[i].msg);
		if (rc != 1 || strcmp(err, expect))
			fail_msg("case %zu: %s\nexit %d (expected 1), stderr:\n%sexpected:\n%s", i, runtime_bad[i].text, rc,
				 err, expect);
		free(out);
		free(err);
		/* the human report says it too, and the timeline shows the failed step */
		snprintf(args, sizeof(args), "run '%s'", path);
		assert_int_equal(sva(args, &out, NULL), 1);
		if (!strstr(out, runtime_bad[i].msg) || !strstr(out, "failed: "))
			fail_msg("case %zu: the report does not name the failed step:\n%s", i, out);
		free(out);
	}
	/* the fault plan's time limit */
	{
		static const char slow[] = PROC_AT("\"faults\": {\"time_limit_ns\": 5000},", "{\"do\":\"sleep\",\"ns\":1000000}");
		char *out, *err;
		int rc;

		spit(path, slow, strlen(slow));
		snprintf(args, sizeof(args), "run '%s' --quiet", path);
		rc = sva(args, &out, &err);
		if (rc != 1 || strncmp(err, "sva run: the scenario had not ended after ", 42))
			fail_msg("time limit: exit %d, stderr:\n%s", rc, err);
		free(out);
		free(err);
	}
}

/* ---- determinism ----------------------------------------------------------------------- */

static void run_twice_same_bytes(const char *scenario, const char *extra)
{
	char args[1400], ta[96], tb[96], *ja, *jb, *a, *b;
	size_t la, lb;

	tmp_path(ta, sizeof(ta), "trace_a.json");
	tmp_path(tb, sizeof(tb), "trace_b.json");
	snprintf(args, sizeof(args), "run %s %s --json --trace '%s'", scenario, extra, ta);
	assert_int_equal(sva(args, &ja, NULL), 0);
	snprintf(args, sizeof(args), "run %s %s --json --trace '%s'", scenario, extra, tb);
	assert_int_equal(sva(args, &jb, NULL), 0);
	if (strcmp(ja, jb))
		fail_msg("sva run %s %s: two runs gave different reports", scenario, extra);
	a = slurp(ta, &la);
	b = slurp(tb, &lb);
	assert_non_null(a);
	assert_non_null(b);
	if (la != lb || memcmp(a, b, la))
		fail_msg("sva run %s %s: two runs gave different traces", scenario, extra);
	assert_true(la > 1000);
	free(a);
	free(b);
	free(ja);
	free(jb);
	remove(ta);
	remove(tb);
}

static void test_same_seed_same_bytes(void **state)
{
	static const char *const ex[] = { "invalidation.json", "exit_in_flight.json" };
	char scn[1100];

	(void)state;
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		snprintf(scn, sizeof(scn), "'%s/examples/scenarios/%s'", src_dir(), ex[i]);
		run_twice_same_bytes(scn, "");
		run_twice_same_bytes(scn, "--seed 12345");
	}
}

static void test_different_seeds_differ(void **state)
{
	char args[1200], *a, *b;
	json_object *ja, *jb;

	(void)state;
	snprintf(args, sizeof(args), "run '%s/examples/scenarios/batch.json' --json --seed 5", src_dir());
	assert_int_equal(sva(args, &a, NULL), 0);
	snprintf(args, sizeof(args), "run '%s/examples/scenarios/batch.json' --json --seed 6", src_dir());
	assert_int_equal(sva(args, &b, NULL), 0);
	assert_true(strcmp(a, b) != 0);
	ja = json_tokener_parse(a);
	jb = json_tokener_parse(b);
	assert_non_null(ja);
	assert_non_null(jb);
	assert_int_equal(get_int(ja, "seed"), 5);
	assert_int_equal(get_int(jb, "seed"), 6);
	json_object_put(ja);
	json_object_put(jb);
	free(a);
	free(b);
	/* without --seed, the file's own seed (batch.json says 8) */
	snprintf(args, sizeof(args), "run '%s/examples/scenarios/batch.json' --json", src_dir());
	assert_int_equal(sva(args, &a, NULL), 0);
	ja = json_tokener_parse(a);
	assert_non_null(ja);
	assert_int_equal(get_int(ja, "seed"), 8);
	json_object_put(ja);
	free(a);
}

/* ---- golden reports ---------------------------------------------------------------------- */

static void golden(const char *args, const char *name)
{
	char path[1024], *out, *want;
	const char *regen = getenv("SVA_REGEN_GOLDEN");
	size_t line = 1, i = 0;

	snprintf(path, sizeof(path), "%s/tests/golden/%s", src_dir(), name);
	assert_int_equal(sva(args, &out, NULL), 0);
	if (regen && !strcmp(regen, "1")) {
		spit(path, out, strlen(out));
		print_message("[ golden   ] rewrote %s\n", path);
		free(out);
		return;
	}
	want = slurp(path, NULL);
	if (!want)
		fail_msg("%s: cannot read (%s); create it with: SVA_REGEN_GOLDEN=1 ctest -R cli.scenarios", path,
			 strerror(errno));
	for (; want[i] && want[i] == out[i]; i++)
		line += want[i] == '\n';
	if (want[i] || out[i]) {
		size_t ws = i, os = i;

		while (ws > 0 && want[ws - 1] != '\n')
			ws--;
		os = ws;
		fail_msg("`sva %s` differs from %s at line %zu:\n  expected: %.*s\n  actual:   %.*s\n%s", args, path, line,
			 (int)strcspn(want + ws, "\n"), want + ws, (int)strcspn(out + os, "\n"), out + os, REGEN_HINT);
	}
	free(want);
	free(out);
}

/*
 * Run one process that copies 64 KiB buffers on wq0.0 (@size bytes, @count
 * times, verified), after @top (scenario fields, each ending in a comma);
 * returns the parsed --json report, which must show no step error.
 */
static json_object *run_copier(const char *top, unsigned size, unsigned count)
{
	char path[96], args[256], text[1400], *out, *err;
	json_object *j;
	int rc;

	tmp_path(path, sizeof(path), "bad.json");
	snprintf(text, sizeof(text),
		 "{%s\"processes\":[{\"name\":\"p\",\"main\":["
		 "{\"do\":\"mmap\",\"as\":\"a\",\"size\":65536},{\"do\":\"touch\",\"buf\":\"a\",\"write\":true},"
		 "{\"do\":\"mmap\",\"as\":\"b\",\"size\":65536},{\"do\":\"touch\",\"buf\":\"b\",\"write\":true},"
		 "{\"do\":\"open\",\"wq\":\"wq0.0\",\"as\":\"q\"},"
		 "{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"memmove\",\"src\":\"a\",\"dst\":\"b\","
		 "\"size\":%u,\"count\":%u,\"verify\":true}]}]}",
		 top, size, count);
	spit(path, text, strlen(text));
	snprintf(args, sizeof(args), "run '%s' --json", path);
	rc = sva(args, &out, &err);
	if (rc != 0 || err[0])
		fail_msg("%s: exit %d, stderr:\n%s", top, rc, err);
	j = json_tokener_parse(out);
	assert_non_null(j);
	assert_int_equal(get_int(get(j, "guests"), "step_errors"), 0);
	free(out);
	free(err);
	return j;
}

/* ---- a device that halts: the driver resets it, even when every interrupt is lost ---- */

static void test_device_halt_is_recovered(void **state)
{
	static const char *const faults[] = {
		"\"faults\":{\"device_halt_at_ns\":20000},",
		/* no interrupt arrives: only the irq thread's watchdog can notice */
		"\"faults\":{\"device_halt_at_ns\":20000,\"irq_lost_every\":1},",
	};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		json_object *j = run_copier(faults[i], 4096, 64);

		assert_int_equal(counter(j, "idxd.halts_recovered"), 1);
		if (i == 1)
			assert_true(counter(j, "idxd.lost_interrupts_recovered") >= 1);
		else
			assert_int_equal(counter(j, "idxd.lost_interrupts_recovered"), 0);
		assert_int_equal(events(j, "halted: injected fatal error", NULL), 1);
		assert_int_equal(events(j, "reset with work in flight", NULL), 1);
		json_object_put(j);
	}
}

/* ---- a small ATC: the same work, more translation requests ---------------------------- */

static void test_small_atc_misses_more(void **state)
{
	json_object *j;
	int64_t big, small;

	(void)state;
	j = run_copier("", 65536, 4);
	big = counter(j, "dsa0.atc_misses");
	json_object_put(j);
	j = run_copier("\"machine\":{\"atc_entries\":4},", 65536, 4);
	small = counter(j, "dsa0.atc_misses");
	json_object_put(j);
	/* 32 pages per pass: they stay in 64 entries, not in 4 */
	if (!(small > big && big > 0))
		fail_msg("atc_misses: %lld with 4 entries, %lld with the default 64", (long long)small, (long long)big);
}

/* With several devices the latency section has a line per device that worked. */
static void test_latency_per_device(void **state)
{
	char args[1200], *out;

	(void)state;
	snprintf(args, sizeof(args), "run '%s/examples/scenarios/multi_device.json'", src_dir());
	assert_int_equal(sva(args, &out, NULL), 0);
	if (!strstr(out, "\n  dsa0: p50 ") || !strstr(out, "\n  dsa2: p50 "))
		fail_msg("no latency line per device:\n%s", out);
	free(out);
}

static void test_golden_default_report(void **state)
{
	(void)state;
	golden("run --seed 1", "default_seed1.txt");
	golden("run --seed 1 --json", "default_seed1.json");
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sva-scenarios-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	static const char *const files[] = { "stdout", "stderr", "bad.json", "bad_cfg.json", "trace_a.json", "trace_b.json" };
	char p[96];

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		remove(tmp_path(p, sizeof(p), files[i]));
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_example_runs),
		cmocka_unit_test(test_bad_files_exit_2_with_their_message),
		cmocka_unit_test(test_bad_accel_config),
		cmocka_unit_test(test_runtime_failure_exits_1_naming_the_step),
		cmocka_unit_test(test_same_seed_same_bytes),
		cmocka_unit_test(test_different_seeds_differ),
		cmocka_unit_test(test_device_halt_is_recovered),
		cmocka_unit_test(test_small_atc_misses_more),
		cmocka_unit_test(test_latency_per_device),
		cmocka_unit_test(test_golden_default_report),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
