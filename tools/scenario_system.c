// SPDX-License-Identifier: MIT
/* The system a scenario describes, built the same way by every command. */
#include <sva/system.h>

#include "scenario.h"

struct sva_system_config scenario_system_config(const struct scenario *s, uint64_t seed)
{
	return (struct sva_system_config){
		.seed = seed, .nr_cpus = s->cpus, .ram_size = s->ram, .pasid_max = s->pasid_max,
		.iommu = &s->iommu, .accel_config = s->accel_config, .frame_limit = s->frames,
		.atc_entries = s->atc_entries, .pcie_path = s->pcie_path,
	};
}
