/* SPDX-License-Identifier: MIT */
/*
 * Inside a CPU context: shared by cpu.c (state, MSRs, TLB, loads and
 * stores) and cpu_enqcmd.c (the 64-byte store instructions).
 */
#ifndef SVA_CPU_INTERNAL_H
#define SVA_CPU_INTERNAL_H

#include <sva/cpu.h>
#include <sva/machine.h>
#include <sva/timing.h>

#include "hw_internal.h"

/* An instruction body returns this when it filled in *exc. */
#define CPU_RAISED	1

/* One 4 KiB piece of a translation; large pages are cached piecewise. */
struct tlb_entry {
	uint64_t vpn;		/* linear address >> 12 */
	uint64_t pa;		/* physical address of the 4 KiB piece */
	uint64_t base, size;	/* the page the walk found, for INVLPG */
	bool valid, writable, user, nx, dirty;
};

struct sva_cpu {
	struct sva_cpu_link link;	/* on the machine's list */
	struct sva_machine *m;
	struct sva_phys *phys;
	char name[32];
	const struct sva_cpu_ops *ops;
	void *opaque, *data;

	uint64_t cr3;
	unsigned cpl;
	struct sva_paging_mode mode;	/* levels/maxphyaddr/set_ad fixed */
	uint32_t cpuid7_ecx;
	uint64_t pasid_msr;
	uint64_t umwait_control;	/* IA32_UMWAIT_CONTROL */

	/* UMONITOR's address monitor: one 64-byte line of physical memory */
	struct {
		bool armed, triggered;
		uint64_t line;
	} mon;
	struct sva_waitq umwait_wq;	/* UMWAIT sleeps here */

	struct tlb_entry *tlb;
	unsigned tlb_mask;

	sva_time_t pending;		/* charged but not yet slept */
	int track;			/* trace track, or <= 0 */
	struct sva_exception last_exc;
	struct sva_cpu_stats stats;
};

typedef int (*cpu_insn_fn)(struct sva_cpu *cpu, void *args, struct sva_exception *exc);

/*
 * Run an instruction body until it retires, gives an exception back, or
 * fails; the exception hook sits in between.  Returns what the public
 * instruction functions return.
 */
int cpu_run(struct sva_cpu *cpu, cpu_insn_fn fn, void *args);

/* Fill *exc and return CPU_RAISED. */
int cpu_raise(struct sva_exception *exc, unsigned vector, uint32_t error_code,
	      uint64_t cr2, const char *insn, const char *why);

/* Add @ns to what the current instruction costs. */
static inline void cpu_charge(struct sva_cpu *cpu, sva_time_t ns)
{
	cpu->pending += ns;
	cpu->stats.charged += ns;
}

/* Sleep off what was charged so far (only inside a task). */
void cpu_settle(struct sva_cpu *cpu);

/*
 * Translate @va for @acc at the current CPL.  0 with *pa set, CPU_RAISED
 * (#GP for a non-canonical address, #PF) or a negative errno.
 */
int cpu_translate(struct sva_cpu *cpu, uint64_t va, enum sva_access acc,
		  uint64_t *pa, struct sva_exception *exc, const char *insn);

/*
 * Move @n bytes between @buf and linear memory at @va: translate every
 * page first, then copy.  Same returns as cpu_translate().
 */
int cpu_access(struct sva_cpu *cpu, uint64_t va, void *buf, size_t n,
	       enum sva_access acc, struct sva_exception *exc, const char *insn);

#endif
