/* SPDX-License-Identifier: MIT */
/* The sva command: shared pieces of its subcommands. */
#ifndef SVA_CLI_H
#define SVA_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses, as documented in sva(1). */
enum {
	SVA_EXIT_OK = 0,
	SVA_EXIT_FAIL = 1,	/* the run found a problem */
	SVA_EXIT_USAGE = 2,	/* bad command line or bad input file */
};

struct sva_cmd {
	const char *name;
	const char *summary;
	int (*main)(int argc, char **argv);
};

int sva_cmd_run(int argc, char **argv);
int sva_cmd_torture(int argc, char **argv);
int sva_cmd_config(int argc, char **argv);
int sva_cmd_bench(int argc, char **argv);
int sva_cmd_native(int argc, char **argv);

/*
 * A number on the command line: decimal or 0x hex digits and nothing else
 * (no sign, no blanks, no octal); false when it is not one or does not fit
 * in 64 bits.
 */
bool sva_parse_u64(const char *s, uint64_t *out);

/*
 * Seeds are 0 ... 2^63-1 everywhere: --seed, torture's --from and the last
 * seed it runs, and "seed" in a scenario file (a JSON integer json-c keeps
 * exact), so every seed a run reports can be written back into a file.
 */
/*
 * Flush and (except stdout) close an output file: 0, or the errno of a
 * write that failed then or earlier (ferror).  Every output is checked:
 * sva(1) promises exit status 1 when one could not be written completely.
 */
int sva_close_output(FILE *f);

/*
 * What an accel-config file configures that sva does not model (IAA
 * devices, DSA 2.0 attributes): one "CMD: note: FILE: ..." line each on
 * stderr, once per command.
 */
struct idxd_config;
void sva_note_unmodelled(const char *cmd, const char *file, const struct idxd_config *cfg);

#define SVA_SEED_MAX	INT64_MAX
bool sva_parse_seed(const char *s, uint64_t *out);

#endif
