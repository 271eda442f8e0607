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
	{ "native", "run an unmodified DSA program (dsa_test, accel-config) on the model", sva_cmd_native },
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
	unsigned base = 10;
	uint64_t v = 0;

	if (!s || !*s)
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return false;
	}
	/* By hand: strtoull takes a sign, blanks and octal, and saturates. */
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

bool sva_parse_seed(const char *s, uint64_t *out)
{
	return sva_parse_u64(s, out) && *out <= SVA_SEED_MAX;
}

int sva_close_output(FILE *f)
{
	int err = 0;

	errno = 0;
	if (fflush(f))
		err = errno ? errno : EIO;
	else if (ferror(f))
		err = EIO;	/* an earlier write failed; its errno is gone */
	if (f != stdout && fclose(f) && !err)
		err = errno ? errno : EIO;
	return err;
}

/* What a command printed must have reached stdout, or the exit status says it did not. */
static int stdout_done(int ret)
{
	int err = sva_close_output(stdout);

	if (!err)
		return ret;
	fprintf(stderr, "sva: error writing standard output: %s\n", strerror(err));
	return ret == SVA_EXIT_OK ? SVA_EXIT_FAIL : ret;
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
		return stdout_done(SVA_EXIT_OK);
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("sva %s\n", SVA_VERSION);
		return stdout_done(SVA_EXIT_OK);
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(cmd, commands[i].name))
			return stdout_done(commands[i].main(argc - 1, argv + 1));
	fprintf(stderr, "sva: '%s' is not a command; see 'sva --help'\n", cmd);
	return SVA_EXIT_USAGE;
}
