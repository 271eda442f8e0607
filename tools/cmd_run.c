// SPDX-License-Identifier: MIT
/* sva run: run a scenario (the built-in one by default) and report what happened. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sva/machine.h>
#include <sva/system.h>
#include <sva/timing.h>
#include <sva/trace.h>

#include "os/idxd_config.h"
#include "scenario.h"
#include "sva_cli.h"
#include "textfile.h"

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: sva run [FILE.json | -] [--seed N] [--json] [--trace FILE] [--timing FILE] [--quiet]\n"
		"\n"
		"Run a scenario - the built-in one, which walks through the whole SVA story,\n"
		"or FILE.json (see docs/scenarios.md), or - for standard input - on the\n"
		"virtual clock, and report the\n"
		"configuration, each process and its PASID, the work queues, the device work,\n"
		"the IOMMU, latency and a timeline of the key events.\n"
		"\n"
		"  --seed N       PRNG seed, 0 to 2^63-1 in decimal or 0x hex (default: the\n"
		"                 scenario's, else 1); the same seed gives the same run, report\n"
		"                 and trace, byte for byte\n"
		"  --json         print the report as one JSON document on stdout\n"
		"  --trace FILE   write a Chrome/Perfetto trace (open it in ui.perfetto.dev)\n"
		"  --timing FILE  timing table (JSON, see docs/calibration.md) instead of the defaults\n"
		"  --quiet        print nothing but errors (the exit status tells)\n"
		"  -h, --help     this text\n"
		"\n"
		"Exit status: 0 success, 1 the run failed (a step failed, data differed, or the\n"
		"simulation deadlocked), 2 bad usage or a bad scenario or configuration file.\n");
}

/*
 * "sva run -": the scenario on standard input (sva torture --print SEED |
 * sva run -), read with the same cap as a file; relative paths in it are
 * taken from the current directory.
 */
static int load_stdin(struct scenario **s, char *err, size_t errlen)
{
	char why[160], *text;
	int r;

	if (isatty(STDIN_FILENO)) {
		snprintf(err, errlen, "standard input: is a terminal; pipe a scenario in, or name a file");
		return -EINVAL;
	}
	r = sva_read_text_fd(STDIN_FILENO, SVA_SCENARIO_MAX, "a scenario", &text, why, sizeof(why));
	if (r) {
		snprintf(err, errlen, "standard input: %s", why);
		return r;
	}
	r = scenario_parse(text, "standard input", "", s, err, errlen);
	free(text);
	return r;
}

/* A step that opens a WQ of a device the configuration has but sva does not model. */
static const struct step *opens_unmodelled(const struct steplist *l, const struct idxd_config *ic,
					    const struct idxd_cfg_device **dev)
{
	for (unsigned i = 0; i < l->n; i++) {
		int d, q;
		char end;

		if (l->steps[i].kind != ST_OPEN || sscanf(l->steps[i].b, "wq%d.%d%c", &d, &q, &end) != 2)
			continue;
		*dev = idxd_cfg_find_device(ic, d);
		if (*dev && (*dev)->iaa)
			return &l->steps[i];
	}
	return NULL;
}

/*
 * What the scenario's accel-config configures and sva does not model: a
 * note each on stderr, and a scenario that opens an IAA device's WQ is
 * refused here, by name, rather than failing at run time with ENOENT.
 * A configuration that does not load is left to the system build to report.
 */
static int check_unmodelled(const struct scenario *s, const char *label)
{
	const char *src = s->accel_config;
	struct idxd_config *ic = NULL;
	char err[IDXD_CFG_ERR_LEN];
	int ret = SVA_EXIT_OK;

	if (!src)
		return SVA_EXIT_OK;
	if ((*src == '{' || *src == '[') ? idxd_config_parse_string(src, NULL, &ic, err, sizeof(err))
					 : idxd_config_load_file(src, NULL, &ic, err, sizeof(err)))
		return SVA_EXIT_OK;
	sva_note_unmodelled("sva run", *src == '{' || *src == '[' ? "$.accel_config" : src, ic);
	for (unsigned p = 0; p < s->nprocs && !ret; p++) {
		const struct scn_proc *sp = &s->procs[p];
		const struct idxd_cfg_device *dev = NULL;
		const struct step *st = opens_unmodelled(&sp->main, ic, &dev);

		for (unsigned l = 0; !st && l < sp->nlists; l++)
			st = opens_unmodelled(&sp->lists[l], ic, &dev);
		if (st) {
			fprintf(stderr, "sva run: %s: %s: %s is a WQ of %s%d, an IAA device; sva models DSA "
				"devices only (the configuration keeps it, nothing can open it)\n",
				label, st->path, st->b, idxd_cfg_dev_prefix(dev), dev->id);
			ret = SVA_EXIT_USAGE;
		}
	}
	idxd_config_free(ic);
	return ret;
}

int sva_cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "trace", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "timing", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts ro = { 0 };
	bool json = false, quiet = false;
	const char *trace_path = NULL, *file = NULL, *timing_path = NULL, *label;
	struct sva_timing timing;
	struct sva_system_config cfg = { 0 };
	struct run_result res;
	struct scenario *s = NULL;
	struct sva_system *sys;
	FILE *trace = NULL;
	char err[512];
	int c, r, ret = SVA_EXIT_OK;
	uint64_t seed = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:jt:qT:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!sva_parse_seed(optarg, &ro.seed)) {
				fprintf(stderr, "sva run: --seed: '%s' is not a seed (0 to %lld, decimal or 0x hex)\n",
					optarg, (long long)SVA_SEED_MAX);
				return SVA_EXIT_USAGE;
			}
			ro.seed_given = true;
			break;
		case 'j':
			json = true;
			break;
		case 't':
			trace_path = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'T':
			timing_path = optarg;
			break;
		case 'h':
			run_usage(stdout);
			return SVA_EXIT_OK;
		default:
			run_usage(stderr);
			return SVA_EXIT_USAGE;
		}
	}
	if (optind < argc)
		file = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "sva run: unexpected argument '%s' (one scenario file at most)\n", argv[optind]);
		return SVA_EXIT_USAGE;
	}
	sva_timing_default(&timing);
	if (timing_path && sva_timing_load_json(timing_path, &timing, err, sizeof(err))) {
		fprintf(stderr, "sva run: --timing: %s\n", err);
		return SVA_EXIT_USAGE;
	}
	if (file && !strcmp(file, "-"))
		r = load_stdin(&s, err, sizeof(err));
	else
		r = file ? scenario_load(file, &s, err, sizeof(err))
			 : scenario_parse(scenario_default_text(), "default scenario", "", &s, err, sizeof(err));
	if (r) {
		fprintf(stderr, "sva run: %s\n", err);
		return SVA_EXIT_USAGE;
	}
	label = !file ? "default scenario" : strcmp(file, "-") ? file : "standard input";
	if (check_unmodelled(s, label)) {
		scenario_free(s);
		return SVA_EXIT_USAGE;
	}
	if (ro.seed_given)
		seed = ro.seed;
	else if (s->has_seed)
		seed = s->seed;
	if (trace_path) {
		trace = fopen(trace_path, "w");
		if (!trace) {
			fprintf(stderr, "sva run: --trace: cannot write '%s': %s\n", trace_path, strerror(errno));
			scenario_free(s);
			return SVA_EXIT_USAGE;
		}
	}
	cfg = scenario_system_config(s, seed);
	cfg.trace = trace;
	sys = sva_system_create_err(&cfg, err, sizeof(err));
	if (!sys) {
		if (errno == ENOMEM)
			sva_out_of_memory("building the system");
		if (err[0])
			fprintf(stderr, "sva run: %s: $.accel_config (%s): %s\n", label,
				!s->accel_config ? "the default configuration" :
				s->accel_config[0] != '{' && s->accel_config[0] != '[' ? s->accel_config : "inline",
				err);
		else
			fprintf(stderr, "sva run: cannot build the system: %s\n", strerror(errno));
		if (trace)
			fclose(trace);
		scenario_free(s);
		return err[0] ? SVA_EXIT_USAGE : SVA_EXIT_FAIL;
	}
	*sva_machine_timing(sva_system_machine(sys)) = timing;
	ro.progress = !quiet && isatty(STDERR_FILENO);
	r = scenario_run(s, sys, &ro, &res);
	if (r == -EDEADLK) {
		fprintf(stderr, "sva run: the simulation deadlocked; blocked tasks:\n");
		sva_sim_dump_blocked(sva_system_sim(sys));
		ret = SVA_EXIT_FAIL;
	} else if (r == -ETIME) {
		fprintf(stderr, "sva run: the scenario had not ended after %.6f s of virtual time\n",
			(double)sva_now(sva_system_sim(sys)) / 1e9);
		ret = SVA_EXIT_FAIL;
	} else if (r) {
		fprintf(stderr, "sva run: %s\n", strerror(-r));
		ret = SVA_EXIT_FAIL;
	}
	if (res.errors || res.verify_fail) {
		if (quiet || json)
			fprintf(stderr, "sva run: %llu step(s) failed; first: %s\n",
				(unsigned long long)res.errors, res.first_error);
		ret = SVA_EXIT_FAIL;
	}
	if (!quiet) {
		if (json)
			report_json(stdout, s, sys, &res, seed);
		else
			report_human(stdout, s, sys, &res, seed);
	}
	run_result_free(&res);
	sva_system_destroy(sys);	/* closes the trace's JSON */
	if (trace && (r = sva_close_output(trace))) {
		fprintf(stderr, "sva run: --trace: error writing '%s': %s\n", trace_path, strerror(r));
		ret = ret == SVA_EXIT_OK ? SVA_EXIT_FAIL : ret;
	}
	scenario_free(s);
	return ret;
}
