/* SPDX-License-Identifier: MIT */
/*
 * sva/system.h - one whole simulated system.
 *
 * Everything sva models hangs off a struct sva_system: the runtime (clock,
 * tasks, PRNG, stats, trace) and, layer by layer, the machine, the kernel
 * and the devices.  There is no other mutable state, so two systems can
 * live side by side in one process.
 */
#ifndef SVA_SYSTEM_H
#define SVA_SYSTEM_H

#include <stdint.h>
#include <stdio.h>

#include <sva/sim.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sva_system;

struct sva_system_config {
	uint64_t seed;
	enum sva_ctx_kind ctx;		/* task switch implementation */
	size_t stack_size;		/* default task stack, 0 = runtime default */
	FILE *trace;			/* when set, a Chrome trace is streamed here */
};

/* Returns NULL and sets errno on failure. */
struct sva_system *sva_system_create(const struct sva_system_config *cfg);
/* Finishes the trace (if any) and frees everything. */
void sva_system_destroy(struct sva_system *sys);

struct sva_sim *sva_system_sim(struct sva_system *sys);

#ifdef __cplusplus
}
#endif
#endif /* SVA_SYSTEM_H */
