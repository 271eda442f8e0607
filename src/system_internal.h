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

/*
 * The @i-th DSA of the system, in the accel-config configuration's order
 * (dsa0 first), or NULL past the last: for what reaches the device itself,
 * such as native mode's sva_dsa_set_dma().
 */
static inline struct sva_dsa *sva_system_dsa(struct sva_system *sys, unsigned i)
{
	struct sva_idxd *d = sys->kernel.idxds;

	while (d && i--)
		d = d->next;
	return d ? d->dsa : NULL;
}

#endif
