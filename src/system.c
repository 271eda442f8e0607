// SPDX-License-Identifier: MIT
/*
 * The system object: owner of every layer.  Creation builds bottom-up and
 * destruction tears down top-down, as a machine powers on and off.
 */
#include <errno.h>
#include <stdlib.h>

#include <sva/system.h>
#include <sva/trace.h>

#include "sim/sim_internal.h"

struct sva_system {
	struct sva_sim *sim;
	struct sva_system_config cfg;
};

struct sva_system *sva_system_create(const struct sva_system_config *cfg)
{
	struct sva_system_config def = { 0 };
	struct sva_sim_config sc;
	struct sva_system *sys;

	if (!cfg)
		cfg = &def;
	sys = calloc(1, sizeof(*sys));
	if (!sys)
		return NULL;
	sys->cfg = *cfg;
	sc = (struct sva_sim_config){
		.seed = cfg->seed, .ctx = cfg->ctx, .stack_size = cfg->stack_size,
	};
	sys->sim = sva_sim_create(&sc);
	if (!sys->sim) {
		free(sys);
		return NULL;
	}
	if (cfg->trace) {
		int err = sva_trace_open(sys->sim, cfg->trace);

		if (err) {
			sva_sim_destroy(sys->sim);
			free(sys);
			errno = -err;
			return NULL;
		}
	}
	return sys;
}

void sva_system_destroy(struct sva_system *sys)
{
	if (!sys)
		return;
	sva_trace_close(sys->sim);
	sva_sim_destroy(sys->sim);
	free(sys);
}

struct sva_sim *sva_system_sim(struct sva_system *sys)
{
	return sys->sim;
}
