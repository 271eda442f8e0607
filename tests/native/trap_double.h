/* SPDX-License-Identifier: MIT */
/* The test double's own interface (trap_double.c), found by the test program with dlsym. */
#ifndef SVA_TESTS_TRAP_DOUBLE_H
#define SVA_TESTS_TRAP_DOUBLE_H

#include <stddef.h>
#include <stdint.h>

#define TRAP_DOUBLE_STACK_USE	(96 * 1024)
/* At this offset of a descriptor: accepted at once, not recorded (a null runtime). */
#define TRAP_DOUBLE_NULL_AT	40
#define TRAP_DOUBLE_NULL	"null runtime"

struct trap_double_rec {
	uint64_t portal;
	uint8_t desc[64];
	int kind;		/* enum native_submit_kind */
	uintptr_t sp;		/* a stack address inside native_submit */
};

__attribute__((visibility("default"))) void trap_double_add_portal(void *base, size_t len);
__attribute__((visibility("default"))) void trap_double_remove_portal(void *base);
__attribute__((visibility("default"))) size_t trap_double_count(void);
/* The fast path's counters (patch_double.c): signal-path emulations, sites patched. */
__attribute__((visibility("default"))) void trap_double_patch_stats(uint64_t *traps, uint64_t *sites);
__attribute__((visibility("default"))) int trap_double_get(size_t i, struct trap_double_rec *out);

#endif
