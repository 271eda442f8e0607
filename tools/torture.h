/* SPDX-License-Identifier: MIT */
/* sva torture: seeded random scenarios with faults. */
#ifndef SVA_TOOLS_TORTURE_H
#define SVA_TOOLS_TORTURE_H

#include <stdbool.h>
#include <stdint.h>

/* The scenario for @seed, as JSON text (malloc'd), or NULL. */
char *torture_scenario(uint64_t seed);

#endif
