// SPDX-License-Identifier: MIT
/*
 * sva native: run an unmodified DSA program on the model (docs/native.md).
 *
 * This side only prepares and collects: a private tree with the fake
 * sysfs and /dev/dsa (src/native/sysfs_tree.c), the environment that
 * preloads libsva-native.so into the program and everything it starts,
 * then the reports each process left, added up.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sva/dsa.h>
#include <sva/sim.h>
#include <sva/timing.h>

#include "native/sysfs_tree.h"
#include "os/idxd_config.h"
#include "sva_cli.h"
#include "textfile.h"

#define NATIVE_LIB_NAME "libsva-native.so"

struct native_opts {
	const char *config, *trace, *json, *timing, *lib;
	const char *mode, *faults;
	uint64_t seed;
	bool keep, quiet;
};

static void native_usage(FILE *f)
{
	fprintf(f,
		"usage: sva native [OPTIONS] -- PROGRAM [ARGS...]\n"
		"\n"
		"Run PROGRAM, an unmodified DSA program (accel-config, dsa_test, your own\n"
		"code that opens /dev/dsa/wqD.Q and submits with ENQCMD or MOVDIR64B), on\n"
		"the model: no DSA, no root, any x86-64 Linux machine.  PROGRAM and every\n"
		"program it starts see a private sysfs (/sys/bus/dsa, /sys/bus/iax,\n"
		"/sys/module/idxd) and /dev/dsa built from the configuration; their\n"
		"portal stores and wait instructions are emulated, and the device model\n"
		"of 'sva run' executes the descriptors on their real memory.\n"
		"\n"
		"  --config FILE   accel-config JSON (default: one DSA with an enabled shared\n"
		"                  and an enabled dedicated user WQ, as 'sva run')\n"
		"  --mode M        inline (default): a descriptor completes before the\n"
		"                  instruction that submitted it retires - reproducible;\n"
		"                  async: the device runs on its own thread, concurrently\n"
		"  --seed N        seed of the model (and of --faults seed); default 1\n"
		"  --faults F      none (default): pages are faulted in as the device\n"
		"                  touches them; touch: a page not resident is a device\n"
		"                  page fault; seed: faults injected from the seed\n"
		"  --timing FILE   timing table (docs/calibration.md) for the modelled latency\n"
		"  --trace FILE    Chrome/Perfetto trace of every process that used a device\n"
		"  --json FILE     the report as JSON ('-' for standard output)\n"
		"  --keep          keep the private tree (its path is printed) for inspection\n"
		"  --quiet         no report on standard error\n"
		"  -h, --help      this text\n"
		"\n"
		"The report (standard error, after PROGRAM ends) adds up what each process\n"
		"submitted: descriptors per WQ and per operation, retries, partial\n"
		"completions, faults, and the latency the timing table gives - virtual\n"
		"time, reported, not enforced.\n"
		"\n"
		"Exit status: PROGRAM's (128 + N when a signal N ended it), 2 bad usage or\n"
		"configuration, 1 when sva itself failed.\n");
}

/* ---- the library and the tree ------------------------------------------------------ */

/* Next to the binary in a build tree, under lib/sva when installed. */
static int find_lib(char *out, size_t len)
{
	static const char *const rel[] = { "../preload/" NATIVE_LIB_NAME, "../lib/sva/" NATIVE_LIB_NAME };
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *env = getenv("SVA_NATIVE_LIB");
	char *slash;

	if (env && env[0]) {
		snprintf(out, len, "%s", env);
		return access(out, R_OK) ? -errno : 0;
	}
	if (n <= 0)
		return -ENOENT;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		if ((size_t)snprintf(out, len, "%s/%s", exe, rel[i]) >= len)
			continue;
		if (access(out, R_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path) && errno != ENOENT ? -1 : 0;
}

static void remove_tree(const char *root)
{
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int make_tree(const struct native_opts *o, char *root, size_t len)
{
	struct idxd_config *cfg = NULL;
	char err[IDXD_CFG_ERR_LEN] = "", sub[PATH_MAX + 32];
	const char *tmp = getenv("TMPDIR");
	int rc;

	if (o->config)
		rc = idxd_config_load_file(o->config, NULL, &cfg, err, sizeof(err));
	else
		rc = (cfg = idxd_config_default()) ? 0 : -ENOMEM;
	if (rc) {
		fprintf(stderr, "sva native: --config: %s: %s\n", o->config ? o->config : "default",
			err[0] ? err : strerror(-rc));
		return SVA_EXIT_USAGE;
	}
	snprintf(root, len, "%s/sva-native.XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp");
	if (!mkdtemp(root)) {
		fprintf(stderr, "sva native: cannot create a private directory in %s: %s\n",
			tmp && tmp[0] == '/' ? tmp : "/tmp", strerror(errno));
		idxd_config_free(cfg);
		return SVA_EXIT_FAIL;
	}
	/* The tree wants its canonical name (TMPDIR may go through a symlink). */
	if (realpath(root, sub) && strlen(sub) < len)
		memcpy(root, sub, strlen(sub) + 1);
	rc = sysfs_tree_create(root, cfg, err, sizeof(err));
	idxd_config_free(cfg);
	if (!rc) {
		snprintf(sub, sizeof(sub), "%s/reports", root);
		rc = mkdir(sub, 0777) ? -errno : 0;
	}
	if (!rc) {
		snprintf(sub, sizeof(sub), "%s/traces", root);
		rc = mkdir(sub, 0777) ? -errno : 0;
	}
	if (rc) {
		fprintf(stderr, "sva native: cannot build the private tree in %s: %s\n", root,
			err[0] ? err : strerror(-rc));
		remove_tree(root);
		return SVA_EXIT_FAIL;
	}
	/* Non-root programs started by root (setpriv, runuser) must reach it too. */
	chmod(root, 0755);
	return 0;
}

static int set_env(const struct native_opts *o, const char *root, const char *lib)
{
	char buf[PATH_MAX * 2], seed[32], timing[PATH_MAX];
	const char *pre = getenv("LD_PRELOAD"), *path = getenv("PATH");

	/* Ours first: its interposers must be the ones a program's calls reach. */
	snprintf(buf, sizeof(buf), "%s%s%s", lib, pre && pre[0] ? " " : "", pre ? pre : "");
	if (setenv("LD_PRELOAD", buf, 1))
		return -errno;
	snprintf(buf, sizeof(buf), "%s/bin:%s", root, path ? path : "/usr/bin:/bin");
	snprintf(seed, sizeof(seed), "%" PRIu64, o->seed);
	if (setenv("PATH", buf, 1) || setenv("SVA_NATIVE_ROOT", root, 1) ||
	    setenv("SVA_NATIVE_MODE", o->mode, 1) || setenv("SVA_NATIVE_FAULTS", o->faults, 1) ||
	    setenv("SVA_NATIVE_SEED", seed, 1))
		return -errno;
	if (o->trace && setenv("SVA_NATIVE_TRACE", "1", 1))
		return -errno;
	if (o->timing) {
		if (!realpath(o->timing, timing))
			return -errno;
		if (setenv("SVA_NATIVE_TIMING", timing, 1))
			return -errno;
	}
	return 0;
}

/* ---- running ---------------------------------------------------------------------- */

static int run_program(char **argv, int *status)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "sva native: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	/* The terminal's ^C reaches the program (same process group); we wait for it. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	return 0;
}

/* ---- the report ---------------------------------------------------------------------- */

/* The total must not share objects with the per-process reports it is summed from. */
static struct json_object *deep_copy(struct json_object *o)
{
	struct json_object *c = NULL;

	if (json_object_deep_copy(o, &c, NULL))
		sva_out_of_memory("the native report");
	return c;
}

/* Adds every number of @from into @into, recursively; arrays of objects match by "name"/"id". */
static void sum_into(struct json_object *into, struct json_object *from);

static struct json_object *find_peer(struct json_object *arr, struct json_object *item)
{
	struct json_object *key = NULL, *k2;
	const char *kname = json_object_object_get_ex(item, "name", &key) ? "name" :
			    json_object_object_get_ex(item, "id", &key) ? "id" : NULL;

	if (!kname)
		return NULL;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);

		if (json_object_object_get_ex(e, kname, &k2) &&
		    !strcmp(json_object_get_string(k2), json_object_get_string(key)))
			return e;
	}
	return NULL;
}

static void sum_into(struct json_object *into, struct json_object *from)
{
	json_object_object_foreach(from, k, v) {
		struct json_object *mine = NULL;

		if (!json_object_object_get_ex(into, k, &mine)) {
			json_object_object_add(into, k, deep_copy(v));
			continue;
		}
		if (!strcmp(k, "id") || !strcmp(k, "name"))
			continue;
		if (json_object_is_type(v, json_type_int) && json_object_is_type(mine, json_type_int)) {
			uint64_t a = json_object_get_uint64(mine), b = json_object_get_uint64(v);

			if (!strcmp(k, "min"))
				json_object_set_uint64(mine, a && (!b || a < b) ? a : b);
			else if (!strcmp(k, "max") || !strcmp(k, "p50") || !strcmp(k, "p99"))
				json_object_set_uint64(mine, a > b ? a : b);
			else
				json_object_set_uint64(mine, a + b);
		} else if (json_object_is_type(v, json_type_object) &&
			   json_object_is_type(mine, json_type_object)) {
			sum_into(mine, v);
		} else if (json_object_is_type(v, json_type_array) &&
			   json_object_is_type(mine, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				struct json_object *e = json_object_array_get_idx(v, i);
				struct json_object *peer = find_peer(mine, e);

				if (peer)
					sum_into(peer, e);
				else
					json_object_array_add(mine, deep_copy(e));
			}
		}
	}
}

/* Every process's report, in pid order, as one array. */
static struct json_object *read_reports(const char *root)
{
	struct json_object *all = json_object_new_array();
	struct dirent **names = NULL;
	char dir[PATH_MAX + 32], path[PATH_MAX + 320];
	int n;

	snprintf(dir, sizeof(dir), "%s/reports", root);
	n = scandir(dir, &names, NULL, versionsort);
	for (int i = 0; i < n; i++) {
		struct json_object *r;

		if (names[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			r = json_object_from_file(path);
			if (r)
				json_object_array_add(all, r);
			else
				fprintf(stderr, "sva native: unreadable report %s\n", path);
		}
		free(names[i]);
	}
	free(names);
	return all;
}

static struct json_object *total_of(struct json_object *procs)
{
	struct json_object *t = json_object_new_object();

	for (size_t i = 0; i < json_object_array_length(procs); i++) {
		struct json_object *p = json_object_array_get_idx(procs, i), *v;

		json_object_object_foreach(p, k, val) {
			if (!strcmp(k, "program") || !strcmp(k, "pid") || !strcmp(k, "mode") ||
			    !strcmp(k, "faults") || !strcmp(k, "seed"))
				continue;
			if (!json_object_object_get_ex(t, k, &v))
				json_object_object_add(t, k, deep_copy(val));
			else if (json_object_is_type(val, json_type_object))
				sum_into(v, val);
			else if (json_object_is_type(val, json_type_array)) {
				struct json_object *wrap_a = json_object_new_object();
				struct json_object *wrap_b = json_object_new_object();

				json_object_object_add(wrap_a, "x", json_object_get(v));
				json_object_object_add(wrap_b, "x", json_object_get(val));
				sum_into(wrap_a, wrap_b);
				json_object_put(wrap_a);
				json_object_put(wrap_b);
			} else if (!strcmp(k, "virtual_time_ns")) {
				uint64_t a = json_object_get_uint64(v), b = json_object_get_uint64(val);

				json_object_set_uint64(v, a > b ? a : b);
			} else {
				json_object_set_uint64(v, json_object_get_uint64(v) + json_object_get_uint64(val));
			}
		}
	}
	return t;
}

static uint64_t u(struct json_object *o, const char *k)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, k, &v) ? json_object_get_uint64(v) : 0;
}

static struct json_object *get(struct json_object *o, const char *k)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static void print_human(FILE *f, const struct native_opts *o, struct json_object *procs,
			struct json_object *total, const char *prog, int status)
{
	struct json_object *devs = get(total, "devices"), *mem = get(total, "memory");

	fprintf(f, "\nsva native: %s ", prog);
	if (WIFSIGNALED(status))
		fprintf(f, "was killed by signal %d (%s)\n", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		fprintf(f, "exited with status %d\n", WEXITSTATUS(status));
	fprintf(f, "  mode %s, faults %s, seed %" PRIu64 "; %zu process(es) used a device\n",
		o->mode, o->faults, o->seed, json_object_array_length(procs));
	for (size_t i = 0; i < json_object_array_length(procs); i++) {
		struct json_object *p = json_object_array_get_idx(procs, i);

		fprintf(f, "    pid %-7" PRIu64 " %-16s accepted %-8" PRIu64 " retried %-6" PRIu64
			" virtual time %.3f ms\n", u(p, "pid"),
			json_object_get_string(get(p, "program")), u(p, "accepted"), u(p, "retried"),
			(double)u(p, "virtual_time_ns") / 1e6);
	}
	for (size_t d = 0; devs && d < json_object_array_length(devs); d++) {
		struct json_object *dev = json_object_array_get_idx(devs, d);
		struct json_object *wqs = get(dev, "wqs"), *ops = get(dev, "operations"), *lat = get(dev, "latency_ns");
		struct json_object *sts = get(dev, "statuses");

		fprintf(f, "\n  %s: %" PRIu64 " submitted, %" PRIu64 " accepted, %" PRIu64
			" retried, %" PRIu64 " completed (%" PRIu64 " failed, %" PRIu64
			" partial), %" PRIu64 " page requests, %" PRIu64 " software errors\n",
			json_object_get_string(get(dev, "name")), u(dev, "submitted"), u(dev, "accepted"),
			u(dev, "retried"), u(dev, "completed"), u(dev, "failed"), u(dev, "partial"),
			u(dev, "page_requests"), u(dev, "software_errors"));
		fprintf(f, "    %-6s %10s %10s %10s %10s %10s\n", "wq", "accepted", "retried",
			"completed", "aborted", "lost");
		for (size_t w = 0; wqs && w < json_object_array_length(wqs); w++) {
			struct json_object *q = json_object_array_get_idx(wqs, w);

			fprintf(f, "    %-6" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64
				" %10" PRIu64 "\n", u(q, "id"), u(q, "accepted"), u(q, "retried"),
				u(q, "completed"), u(q, "aborted"), u(q, "lost"));
		}
		if (ops && json_object_object_length(ops)) {
			fprintf(f, "    %-16s %10s %10s %10s %14s\n", "operation", "executed", "succeeded",
				"partial", "bytes");
			json_object_object_foreach(ops, name, op)
				fprintf(f, "    %-16s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %14" PRIu64 "\n",
					name, u(op, "executed"), u(op, "succeeded"), u(op, "partial"),
					u(op, "bytes"));
		}
		if (sts && json_object_object_length(sts)) {
			fprintf(f, "    %-4s %-48s %10s\n", "code", "completion status", "count");
			json_object_object_foreach(sts, code, cnt)
				fprintf(f, "    %-4s %-48s %10" PRIu64 "\n", code,
					sva_dsa_status_name((unsigned)strtoul(code, NULL, 16)),
					json_object_get_uint64(cnt));
		}
		if (u(lat, "count"))
			fprintf(f, "    modelled latency: mean %.0f ns, min %" PRIu64 " ns, max %" PRIu64
				" ns over %" PRIu64 " descriptors\n",
				(double)u(lat, "sum") / (double)u(lat, "count"), u(lat, "min"),
				u(lat, "max"), u(lat, "count"));
	}
	if (mem) {
		struct json_object *faults = get(mem, "faults");

		fprintf(f, "\n  memory: %" PRIu64 " runs, %" PRIu64 " bytes, %" PRIu64
			" probes; %" PRIu64 " page requests (%" PRIu64 " faulted in, %" PRIu64 " invalid)\n",
			u(mem, "runs"), u(mem, "bytes"), u(mem, "probes"), u(mem, "page_requests"),
			u(mem, "pages_faulted_in"), u(mem, "page_requests_invalid"));
		if (faults) {
			fprintf(f, "  device page faults:");
			json_object_object_foreach(faults, kind, cnt)
				fprintf(f, " %s %" PRIu64 ";", kind, json_object_get_uint64(cnt));
			fprintf(f, "\n");
		}
	}
}

static int write_json(const char *path, const struct native_opts *o, struct json_object *procs,
		      struct json_object *total, int status)
{
	struct json_object *r = json_object_new_object();
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	int rc;

	json_object_object_add(r, "mode", json_object_new_string(o->mode));
	json_object_object_add(r, "faults", json_object_new_string(o->faults));
	json_object_object_add(r, "seed", json_object_new_uint64(o->seed));
	if (WIFSIGNALED(status))
		json_object_object_add(r, "signal", json_object_new_int(WTERMSIG(status)));
	else
		json_object_object_add(r, "exit_status", json_object_new_int(WEXITSTATUS(status)));
	json_object_object_add(r, "processes", json_object_get(procs));
	json_object_object_add(r, "total", json_object_get(total));
	if (!f) {
		json_object_put(r);
		return -errno;
	}
	fprintf(f, "%s\n", json_object_to_json_string_ext(r, JSON_C_TO_STRING_PRETTY |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(r);
	rc = sva_close_output(f);
	return rc;
}

/*
 * One Chrome trace out of each process's: every process's model numbers
 * its own simulated pids from the same start, so they are moved apart
 * (process k's pids + k * 100000) to stay separate tracks.
 */
static int merge_traces(const char *root, const char *out_path)
{
	struct json_object *out = json_object_new_object(), *events = json_object_new_array();
	struct dirent **names = NULL;
	char dir[PATH_MAX + 32], path[PATH_MAX + 320];
	int n, rc = 0, k = 0;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/traces", root);
	n = scandir(dir, &names, NULL, versionsort);
	for (int i = 0; i < n; i++) {
		struct json_object *t, *ev;

		if (names[i]->d_name[0] == '.') {
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		free(names[i]);
		t = json_object_from_file(path);
		if (!t || !json_object_object_get_ex(t, "traceEvents", &ev)) {
			fprintf(stderr, "sva native: unreadable trace %s\n", path);
			json_object_put(t);
			continue;
		}
		k++;
		for (size_t j = 0; j < json_object_array_length(ev); j++) {
			struct json_object *e = json_object_array_get_idx(ev, j), *pid;

			if (json_object_object_get_ex(e, "pid", &pid))
				json_object_set_int64(pid, json_object_get_int64(pid) + 100000ll * k);
			json_object_array_add(events, json_object_get(e));
		}
		json_object_put(t);
	}
	free(names);
	json_object_object_add(out, "displayTimeUnit", json_object_new_string("ns"));
	json_object_object_add(out, "traceEvents", events);
	f = fopen(out_path, "w");
	if (!f)
		rc = -errno;
	else {
		fprintf(f, "%s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN |
								      JSON_C_TO_STRING_NOSLASHESCAPE));
		rc = sva_close_output(f);
	}
	json_object_put(out);
	return rc;
}

/* ---- main ------------------------------------------------------------------------------ */

static int parse(int argc, char **argv, struct native_opts *o, int *first)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "mode", required_argument, NULL, 'm' },
		{ "seed", required_argument, NULL, 's' },
		{ "faults", required_argument, NULL, 'f' },
		{ "timing", required_argument, NULL, 'T' },
		{ "trace", required_argument, NULL, 't' },
		{ "json", required_argument, NULL, 'j' },
		{ "keep", no_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	/* '+': stop at the first non-option, PROGRAM's own options are its own. */
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'm':
			if (strcmp(optarg, "inline") && strcmp(optarg, "async")) {
				fprintf(stderr, "sva native: --mode: '%s' is not inline or async\n", optarg);
				return SVA_EXIT_USAGE;
			}
			o->mode = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "none") && strcmp(optarg, "touch") && strcmp(optarg, "seed")) {
				fprintf(stderr, "sva native: --faults: '%s' is not none, touch or seed\n", optarg);
				return SVA_EXIT_USAGE;
			}
			o->faults = optarg;
			break;
		case 's':
			if (!sva_parse_seed(optarg, &o->seed)) {
				fprintf(stderr, "sva native: --seed: '%s' is not a number from 0 to %lld\n",
					optarg, (long long)SVA_SEED_MAX);
				return SVA_EXIT_USAGE;
			}
			break;
		case 'T': o->timing = optarg; break;
		case 't': o->trace = optarg; break;
		case 'j': o->json = optarg; break;
		case 'k': o->keep = true; break;
		case 'q': o->quiet = true; break;
		case 'h': native_usage(stdout); return -1;
		default:
			fprintf(stderr, "try 'sva native --help'\n");
			return SVA_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "sva native: no program given (sva native [OPTIONS] -- PROGRAM [ARGS...])\n"
			"try 'sva native --help'\n");
		return SVA_EXIT_USAGE;
	}
	*first = optind;
	return 0;
}

int sva_cmd_native(int argc, char **argv)
{
	struct native_opts o = { .mode = "inline", .faults = "none", .seed = 1 };
	char root[PATH_MAX], lib[PATH_MAX], err[256];
	struct json_object *procs, *total;
	int first = 0, rc, status = 0, ret;

	rc = parse(argc, argv, &o, &first);
	if (rc)
		return rc < 0 ? SVA_EXIT_OK : rc;
	if (o.timing) {
		struct sva_timing t;

		if (sva_timing_load_json(o.timing, &t, err, sizeof(err))) {
			fprintf(stderr, "sva native: --timing: %s\n", err);
			return SVA_EXIT_USAGE;
		}
	}
	if ((rc = find_lib(lib, sizeof(lib)))) {
		fprintf(stderr, "sva native: cannot find %s next to the sva binary (set SVA_NATIVE_LIB): %s\n",
			NATIVE_LIB_NAME, strerror(-rc));
		return SVA_EXIT_FAIL;
	}
	rc = make_tree(&o, root, sizeof(root));
	if (rc)
		return rc;
	if (o.keep)
		fprintf(stderr, "sva native: private tree: %s\n", root);
	fflush(NULL);
	rc = set_env(&o, root, lib);
	if (!rc)
		rc = run_program(argv + first, &status);
	if (rc) {
		fprintf(stderr, "sva native: cannot run %s: %s\n", argv[first], strerror(-rc));
		if (!o.keep)
			remove_tree(root);
		return SVA_EXIT_FAIL;
	}
	ret = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	procs = read_reports(root);
	total = total_of(procs);
	if (!o.quiet)
		print_human(stderr, &o, procs, total, argv[first], status);
	if (o.json && (rc = write_json(o.json, &o, procs, total, status))) {
		fprintf(stderr, "sva native: --json: cannot write '%s': %s\n", o.json, strerror(-rc));
		ret = ret ? ret : SVA_EXIT_FAIL;
	}
	if (o.trace && (rc = merge_traces(root, o.trace))) {
		fprintf(stderr, "sva native: --trace: cannot write '%s': %s\n", o.trace, strerror(-rc));
		ret = ret ? ret : SVA_EXIT_FAIL;
	}
	json_object_put(procs);
	json_object_put(total);
	if (!o.keep)
		remove_tree(root);
	return ret;
}
