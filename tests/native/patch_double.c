// SPDX-License-Identifier: MIT
/*
 * The fast path's counters (preload/trap_patch.c), exported from the test
 * variant of the library so that tests/native/progs/patch_prog.c can count
 * how many executions took a signal.
 */
#include "trap.h"
#include "trap_double.h"

void trap_double_patch_stats(uint64_t *traps, uint64_t *sites)
{
	trap_patch_stats(traps, sites);
}
