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

/* Armed address monitors (UMONITOR): counted so that stores skip the search when none is. */
void sva_machine_monitor_armed(struct sva_machine *m, int delta);
/* A store reached [pa, pa + len): trigger @cpu's monitor if it covers it. */
void cpu_monitor_store(struct sva_cpu *cpu, uint64_t pa, uint64_t len);

/* Frees a CPU context without unlinking it (the machine is going away). */
void sva_cpu_free(struct sva_cpu *cpu);
struct sva_cpu *sva_cpu_from_link(struct sva_cpu_link *link);

#endif
