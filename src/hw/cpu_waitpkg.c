// SPDX-License-Identifier: MIT
/*
 * UMONITOR and UMWAIT (Intel SDM vol. 2B, instruction pages; WAITPKG).
 *
 * A program waiting for a DSA completion record can spin on it, or arm
 * the monitor on the record's line and UMWAIT: the core rests until the
 * device's write lands, a deadline passes, or the OS's limit in
 * IA32_UMWAIT_CONTROL does.  In the model the monitor is one 64-byte line
 * of physical memory per CPU (CPUID leaf 5's line size on these parts);
 * every CPU store and every device write through a translation is
 * reported to the machine, which triggers the monitors it touches.
 *
 * Ours, where the SDM leaves it to the implementation: the monitor is
 * disarmed when UMWAIT returns, however it woke, and when the thread
 * leaves the CPU; the kernel's own writes to user memory (zeroing a new
 * page, copy-on-write) do not trigger it; the TSC counts virtual
 * nanoseconds.
 */
#include <sva/trace.h>

#include "cpu_internal.h"

#define MONITOR_LINE 64ull

static void monitor_disarm(struct sva_cpu *cpu)
{
	if (cpu->mon.armed) {
		cpu->mon.armed = false;
		sva_machine_monitor_armed(cpu->m, -1);
	}
}

void cpu_monitor_store(struct sva_cpu *cpu, uint64_t pa, uint64_t len)
{
	if (!cpu->mon.armed || pa >= cpu->mon.line + MONITOR_LINE || cpu->mon.line >= pa + len)
		return;
	monitor_disarm(cpu);
	cpu->mon.triggered = true;
	if (sva_machine_sim(cpu->m))
		sva_wake_all(sva_machine_sim(cpu->m), &cpu->umwait_wq);
}

static int umonitor_once(struct sva_cpu *cpu, void *a, struct sva_exception *exc)
{
	uint64_t va = *(uint64_t *)a, pa;
	int r;

	if (!(cpu->cpuid7_ecx & SVA_CPUID7_ECX_WAITPKG))
		return cpu_raise(exc, SVA_VEC_UD, 0, 0, "umonitor", "WAITPKG not enumerated");
	/* Permission checks and faults of a byte load; sets A, not D. */
	r = cpu_translate(cpu, va, SVA_ACC_READ, &pa, exc, "umonitor");
	if (r)
		return r;
	cpu_charge(cpu, sva_machine_timing(cpu->m)->mem_access);
	if (!cpu->mon.armed)
		sva_machine_monitor_armed(cpu->m, +1);
	cpu->mon.armed = true;
	cpu->mon.triggered = false;
	cpu->mon.line = pa & ~(MONITOR_LINE - 1);
	return 0;
}

int sva_cpu_umonitor(struct sva_cpu *cpu, uint64_t va)
{
	return cpu_run(cpu, umonitor_once, &va);
}

struct umwait_args {
	uint32_t ctrl;
	uint64_t deadline;
	bool *cf;
};

static void trace_umwait(struct sva_cpu *cpu, sva_time_t start, const char *woke)
{
	struct sva_sim *sim = sva_machine_sim(cpu->m);
	struct sva_trace_arg args[2] = {
		SVA_TARG_X("line", cpu->mon.line),
		SVA_TARG_S("woke", woke),
	};

	if (sim && cpu->track > 0 && sva_trace_enabled(sim))
		sva_trace_complete(sim, cpu->track, "cpu", "umwait", start, sva_now(sim) - start, args, 2);
}

static int umwait_once(struct sva_cpu *cpu, void *a, struct sva_exception *exc)
{
	struct umwait_args *u = a;
	const struct sva_timing *t = sva_machine_timing(cpu->m);
	struct sva_sim *sim = sva_machine_sim(cpu->m);
	uint64_t limit = cpu->umwait_control & SVA_UMWAIT_CONTROL_TIME_MASK, until;
	bool c01 = (u->ctrl & 1) || (cpu->umwait_control & SVA_UMWAIT_CONTROL_C02_DISABLE);
	bool os_limited = false;
	sva_time_t start;
	const char *woke;

	if (!(cpu->cpuid7_ecx & SVA_CPUID7_ECX_WAITPKG))
		return cpu_raise(exc, SVA_VEC_UD, 0, 0, "umwait", "WAITPKG not enumerated");
	if (u->ctrl & ~1u)
		return cpu_raise(exc, SVA_VEC_GP, 0, 0, "umwait", "reserved control bit set");
	*u->cf = false;
	cpu->stats.umwait++;
	/* Nothing to wait for, or no time left: the instruction just retires. */
	if (!cpu->mon.armed || !sim || u->deadline <= sva_now(sim)) {
		if (cpu->mon.triggered)
			cpu->stats.umwait_store++;	/* the store came between UMONITOR and UMWAIT */
		sva_cpu_umonitor_disarm(cpu);
		cpu_charge(cpu, t->mem_access);
		return 0;
	}
	cpu_settle(cpu);
	start = sva_now(sim);
	until = u->deadline;
	if (limit && start + limit < until) {
		until = start + limit;
		os_limited = true;
	}
	while (cpu->mon.armed && sva_now(sim) < until)
		if (sva_wait_deadline(sim, &cpu->umwait_wq, until) == 0)
			break;	/* the monitor, or an interrupt (the caller's wake-up) */
	if (cpu->mon.triggered) {
		cpu->stats.umwait_store++;
		woke = "store";
	} else if (sva_now(sim) >= until) {
		*u->cf = os_limited;
		if (os_limited)
			cpu->stats.umwait_os_limit++;
		else
			cpu->stats.umwait_deadline++;
		woke = os_limited ? "os limit" : "deadline";
	} else {
		woke = "interrupt";
	}
	sva_cpu_umonitor_disarm(cpu);
	cpu_charge(cpu, c01 ? t->umwait_c01_exit : t->umwait_c02_exit);
	cpu_settle(cpu);
	trace_umwait(cpu, start, woke);
	return 0;
}

int sva_cpu_umwait(struct sva_cpu *cpu, uint32_t ctrl, uint64_t deadline, bool *cf)
{
	struct umwait_args a = { ctrl, deadline, cf };

	return cpu_run(cpu, umwait_once, &a);
}

struct sva_waitq *sva_cpu_umwait_queue(struct sva_cpu *cpu)
{
	return &cpu->umwait_wq;
}

void sva_cpu_umonitor_disarm(struct sva_cpu *cpu)
{
	monitor_disarm(cpu);
	cpu->mon.triggered = false;
}
