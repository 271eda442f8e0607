// SPDX-License-Identifier: MIT
/*
 * sva - Shared Virtual Addressing with ENQCMD, as software.
 * Entry point: global options, then one subcommand.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sva_cli.h"

static const struct sva_cmd commands[] = {
	{ "run", "run a scenario (the built-in one by default) and report", sva_cmd_run },
	{ "config", "validate or show an accel-config JSON configuration", sva_cmd_config },
	{ "torture", "seeded random scenarios with faults, under the invariant checker", sva_cmd_torture },
	{ "bench", "the DSA paper's experiments on the model, in virtual time", sva_cmd_bench },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sva [--help] [--version] <command> [<args>]\n"
		"\n"
		"sva models Shared Virtual Addressing with ENQCMD end to end: threads with an\n"
		"IA32_PASID MSR, the kernel that allocates PASIDs and services I/O page\n"
		"faults, a VT-d scalable-mode IOMMU and a DSA-class accelerator, on a\n"
		"deterministic virtual clock.\n"
		"\n"
		"commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'sva <command> --help' describes a command; 'man sva' has the details.\n");
}

bool sva_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return SVA_EXIT_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return SVA_EXIT_OK;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("sva %s\n", SVA_VERSION);
		return SVA_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "sva: '%s' is not a command; see 'sva --help'\n", cmd);
	return SVA_EXIT_USAGE;
}
