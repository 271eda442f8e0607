/* SPDX-License-Identifier: MIT */
/*
 * Shared between the machine and the models it owns; not public API.
 */
#ifndef SVA_HW_INTERNAL_H
#define SVA_HW_INTERNAL_H

#include <sva/cpu.h>
#include <sva/machine.h>

/* The machine keeps its CPU contexts on a list so it can free them. */
struct sva_cpu_link {
	struct sva_cpu_link *prev, *next;
};

void sva_machine_add_cpu(struct sva_machine *m, struct sva_cpu_link *link);
void sva_machine_del_cpu(struct sva_machine *m, struct sva_cpu_link *link);

/* Frees a CPU context without unlinking it (the machine is going away). */
void sva_cpu_free(struct sva_cpu *cpu);
struct sva_cpu *sva_cpu_from_link(struct sva_cpu_link *link);

#endif
