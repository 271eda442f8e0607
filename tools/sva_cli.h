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

/* Parse a whole unsigned decimal or 0x number; false when it is not one. */
bool sva_parse_u64(const char *s, uint64_t *out);



#endif
