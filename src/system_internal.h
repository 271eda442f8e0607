/* SPDX-License-Identifier: MIT */
/* The system object's layout, for the layers and tests that need to reach in. */
#ifndef SVA_SYSTEM_INTERNAL_H
#define SVA_SYSTEM_INTERNAL_H

#include <sva/machine.h>
#include <sva/system.h>

#include "os/idxd.h"
#include "os/kernel.h"

struct sva_system {
	struct sva_sim *sim;
	struct sva_machine *machine;
	struct sva_kernel kernel;
	struct sva_system_config cfg;
};

static inline struct sva_kernel *sva_system_kernel(struct sva_system *sys)
{
	return &sys->kernel;
}

#endif
