// SPDX-License-Identifier: MIT
/* sva run: run a scenario and report what happened. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "sva_cli.h"

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: sva run [--seed N] [--json] [--trace FILE] [--quiet]\n"
		"\n"
		"Run the built-in scenario on the virtual clock and print a report.\n"
		"\n"
		"  --seed N       PRNG seed (decimal or 0x hex, default 1); the same seed\n"
		"                 gives the same run, report and trace, byte for byte\n"
		"  --json         print the report as one JSON document on stdout\n"
		"  --trace FILE   write a Chrome/Perfetto trace (open it in ui.perfetto.dev)\n"
		"  --quiet        print nothing but errors (the exit status tells)\n"
		"  -h, --help     this text\n"
		"\n"
		"Exit status: 0 success, 1 the run failed, 2 bad usage or input.\n");
}

int sva_cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "trace", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sva_run_opts o = { .seed = 1 };
	const char *trace_path = NULL;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:jt:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!sva_parse_u64(optarg, &o.seed)) {
				fprintf(stderr, "sva run: --seed: '%s' is not an unsigned 64-bit number\n", optarg);
				return SVA_EXIT_USAGE;
			}
			break;
		case 'j':
			o.json = true;
			break;
		case 't':
			trace_path = optarg;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			run_usage(stdout);
			return SVA_EXIT_OK;
		default:
			run_usage(stderr);
			return SVA_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sva run: unexpected argument '%s' (scenario files come with the scenario format)\n",
			argv[optind]);
		return SVA_EXIT_USAGE;
	}
	if (trace_path) {
		o.trace = fopen(trace_path, "w");
		if (!o.trace) {
			fprintf(stderr, "sva run: --trace: cannot write '%s': %s\n", trace_path, strerror(errno));
			return SVA_EXIT_USAGE;
		}
	}
	ret = sva_demo_runtime(&o);
	if (o.trace && fclose(o.trace) != 0 && ret == SVA_EXIT_OK) {
		fprintf(stderr, "sva run: --trace: error writing '%s': %s\n", trace_path, strerror(errno));
		ret = SVA_EXIT_FAIL;
	}
	return ret;
}
