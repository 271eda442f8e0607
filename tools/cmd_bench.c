// SPDX-License-Identifier: MIT
/* sva bench: the suites of bench_suites.c, as tables, JSON, CSV and SVG charts. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include <sva/timing.h>

#include "bench.h"
#include "sva_cli.h"

static void bench_usage(FILE *f)
{
	fprintf(f,
		"usage: sva bench [SUITE...] [--json | --csv] [--svg DIR] [--quick] [--timing FILE]\n"
		"                 [--list] [--dump-timing]\n"
		"\n"
		"Measure the modelled platform in virtual time with suites that mirror the\n"
		"experiments of Kuper et al., \"A Quantitative Analysis and Guidelines of Data\n"
		"Streaming Accelerator in Modern Intel Xeon Scalable Processors\" (ASPLOS'24)\n"
		"and of LightDSA (EuroSys'26), whose published logs the default timing table\n"
		"is fitted to (docs/calibration.md).\n"
		"Each point builds a system and runs guest programs that submit real descriptors\n"
		"(memmoves; fills and compares in oplat and opbw) and check their results.\n"
		"Without SUITE, every suite runs.\n"
		"\n"
		"  --json          one JSON document on stdout (the timing table, then the suites)\n"
		"  --csv           one CSV table on stdout: suite,x,x_unit,series,value,unit\n"
		"  --svg DIR       also write DIR/<suite>.svg charts (DIR is created)\n"
		"  --quick         fewer points and descriptors (a smoke test, not a measurement)\n"
		"  --timing FILE   timing table to use (JSON, see docs/calibration.md); default:\n"
		"                  the built-in one\n"
		"  --list          list the suites and exit\n"
		"  --dump-timing   print the timing table in use as JSON and exit\n"
		"  -h, --help      this text\n"
		"\n"
		"Exit status: 0 success, 1 a guest failed or copied wrong bytes, 2 bad usage or\n"
		"a bad timing file.  docs/bench.md describes each suite.\n");
}

static const struct bench_suite *find_suite(const char *name)
{
	for (unsigned i = 0; i < bench_nsuites; i++)
		if (!strcmp(bench_suites[i].name, name))
			return &bench_suites[i];
	return NULL;
}

int sva_cmd_bench(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'c' },
		{ "svg", required_argument, NULL, 's' },
		{ "quick", no_argument, NULL, 'q' },
		{ "timing", required_argument, NULL, 't' },
		{ "list", no_argument, NULL, 'l' },
		{ "dump-timing", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct bench_suite *sel[16];
	unsigned nsel = 0, failed = 0;
	bool json = false, csv = false, dump = false;
	const char *svg = NULL, *timing_path = NULL;
	struct sva_timing timing;
	struct bench_opts o = { .timing = &timing };
	struct json_object *doc = NULL, *suites = NULL;
	char err[512];
	int c, ret = SVA_EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jcs:qt:ldh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'c': csv = true; break;
		case 's': svg = optarg; break;
		case 'q': o.quick = true; break;
		case 't': timing_path = optarg; break;
		case 'd': dump = true; break;
		case 'l':
			for (unsigned i = 0; i < bench_nsuites; i++)
				printf("%-8s %s\n", bench_suites[i].name, bench_suites[i].summary);
			return SVA_EXIT_OK;
		case 'h':
			bench_usage(stdout);
			return SVA_EXIT_OK;
		default:
			bench_usage(stderr);
			return SVA_EXIT_USAGE;
		}
	}
	if (json && csv) {
		fprintf(stderr, "sva bench: --json and --csv exclude each other\n");
		return SVA_EXIT_USAGE;
	}
	for (; optind < argc; optind++) {
		const struct bench_suite *s = find_suite(argv[optind]);

		if (!s) {
			fprintf(stderr, "sva bench: '%s' is not a suite; 'sva bench --list' lists them\n", argv[optind]);
			return SVA_EXIT_USAGE;
		}
		if (nsel < sizeof(sel) / sizeof(sel[0]))
			sel[nsel++] = s;
	}
	if (!nsel)
		for (unsigned i = 0; i < bench_nsuites && i < sizeof(sel) / sizeof(sel[0]); i++)
			sel[nsel++] = &bench_suites[i];
	sva_timing_default(&timing);
	if (timing_path && sva_timing_load_json(timing_path, &timing, err, sizeof(err))) {
		fprintf(stderr, "sva bench: --timing: %s\n", err);
		return SVA_EXIT_USAGE;
	}
	if (dump) {
		char *s = sva_timing_to_json(&timing);

		if (!s)
			return SVA_EXIT_FAIL;
		fputs(s, stdout);
		free(s);
		return SVA_EXIT_OK;
	}
	if (svg && mkdir(svg, 0777) && errno != EEXIST) {
		fprintf(stderr, "sva bench: --svg: cannot create '%s': %s\n", svg, strerror(errno));
		return SVA_EXIT_USAGE;
	}
	if (json) {
		char *ts = sva_timing_to_json(&timing);

		doc = json_object_new_object();
		suites = json_object_new_array();
		json_object_object_add(doc, "sva_bench", json_object_new_int(1));
		json_object_object_add(doc, "version", json_object_new_string(SVA_VERSION));
		json_object_object_add(doc, "quick", json_object_new_boolean(o.quick));
		json_object_object_add(doc, "timing_file", timing_path ? json_object_new_string(timing_path) : NULL);
		json_object_object_add(doc, "timing", ts ? json_tokener_parse(ts) : NULL);
		free(ts);
	}
	for (unsigned i = 0; i < nsel; i++) {
		struct bench_table *t = calloc(1, sizeof(*t));

		if (!t) {
			ret = SVA_EXIT_FAIL;
			break;
		}
		sel[i]->run(&o, t);
		if (t->errors || t->verify_fail) {
			fprintf(stderr, "sva bench: %s: %u error(s), %u wrong sampled byte(s); first: %s\n",
				t->suite, t->errors, t->verify_fail, t->first_error);
			failed++;
		}
		if (json)
			json_object_array_add(suites, bench_table_json(t));
		else if (csv)
			bench_print_csv(stdout, t, i == 0);
		else
			bench_print_text(stdout, t);
		fflush(stdout);
		if (svg) {
			int r = bench_write_svg(svg, t);

			if (r) {
				fprintf(stderr, "sva bench: --svg: cannot write %s/%s.svg: %s\n", svg, t->suite,
					strerror(-r));
				ret = SVA_EXIT_FAIL;
			}
		}
		free(t);
	}
	if (json) {
		json_object_object_add(doc, "suites", suites);
		puts(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(doc);
	}
	return failed ? SVA_EXIT_FAIL : ret;
}
