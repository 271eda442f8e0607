// SPDX-License-Identifier: MIT
/*
 * UMONITOR, UMWAIT and TPAUSE on a CPU without WAITPKG (they raise #UD
 * there; where the CPU has them they run natively and never come here).
 *
 * UMONITOR arms this thread's monitor on the 64-byte line holding its
 * address, which must be readable as a byte load would be (else #PF),
 * and takes a snapshot of the line.  UMWAIT, with a monitor armed, waits
 * until the line differs from the snapshot - a store by another thread or
 * by the device model's thread in async mode; the snapshot is compared
 * with memory as it is, through the kernel - or the TSC reaches the
 * deadline in EDX:EAX or the OS time limit.  Without an armed monitor it
 * returns at once.  Either way the monitor is disarmed.  TPAUSE waits for
 * the deadline or the OS limit only.
 *
 * The OS limit models IA32_UMWAIT_CONTROL as Linux sets it by default
 * (arch/x86/kernel/cpu/umwait.c: a maximum time of 100000 TSC quanta, C0.2
 * allowed).  RFLAGS as the SDM's operation: CF = 1 only when the OS limit,
 * being earlier than the deadline, ended the wait; OF, SF, ZF, AF and PF
 * are cleared.  Control-word bits other than bit 0 (C0.1 vs C0.2) are
 * reserved and raise #GP.
 *
 * The wait must not hold a core: it polls with PAUSE for the first
 * TRAP_SPIN TSC cycles (a completion that arrives within a few
 * microseconds is seen promptly) and then sleeps in TRAP_SLICE_NS slices
 * between looks, so a long wait costs the sleeps (each rounded up by the
 * thread's timer slack, 50 us by default).
 */
#include <time.h>
#include <string.h>
#include <x86intrin.h>

#include "trap.h"

#define TRAP_UMWAIT_MAX_TIME	100000u	/* IA32_UMWAIT_CONTROL[31:2] << 2, Linux's default */
#define TRAP_SPIN		20000u	/* TSC cycles polled before sleeping */
#define TRAP_SLICE_NS		5000L

struct monitor {
	int armed;
	uint64_t line;
	uint8_t snap[64];
};

static __thread __attribute__((tls_model("initial-exec"))) struct monitor trap_monitor;

static int line_changed(const struct monitor *m)
{
	uint8_t now[64];

	/* A line that can no longer be read has changed as much as it can. */
	return trap_read(now, m->line, sizeof(now)) < sizeof(now) ||
	       memcmp(now, m->snap, sizeof(now)) != 0;
}

/* Wait for @m's line (if any) or @deadline; 1 when the OS limit ended it. */
static int wait_until(uint64_t deadline, const struct monitor *m)
{
	uint64_t start = __rdtsc();
	uint64_t os = start + TRAP_UMWAIT_MAX_TIME;
	int by_os = os < deadline;
	uint64_t end = by_os ? os : deadline;

	for (;;) {
		uint64_t now;

		if (m && line_changed(m))
			return 0;
		now = __rdtsc();
		if (now >= end)
			return by_os;
		if (now - start < TRAP_SPIN) {
			_mm_pause();
		} else {
			struct timespec slice = { 0, TRAP_SLICE_NS };

			nanosleep(&slice, NULL);
		}
	}
}

void trap_wait_emulate(const struct x86_decoded *d, ucontext_t *uc)
{
	struct monitor *m = &trap_monitor;
	const greg_t *g = uc->uc_mcontext.gregs;
	uint64_t deadline = ((uint64_t)(uint32_t)g[REG_RDX] << 32) | (uint32_t)g[REG_RAX];
	int cf;

	if (d->insn == X86_UMONITOR) {
		uint64_t addr = d->reg_value + trap_seg_base(d->seg);

		if (!trap_canonical(addr)) {
			trap_raise_gp(uc);
			return;
		}
		m->line = addr & ~(uint64_t)63;
		/* The line is inside one page: it reads whole or not at all. */
		if (trap_read(m->snap, m->line, sizeof(m->snap)) < sizeof(m->snap)) {
			m->armed = 0;
			trap_raise_pf(uc, addr);
			return;
		}
		m->armed = 1;
		trap_retire(uc, d->len, TRAP_KEEP_FLAGS);
		return;
	}
	if (d->reg_value & ~(uint64_t)1) {
		trap_raise_gp(uc);
		return;
	}
	if (d->insn == X86_UMWAIT) {
		cf = m->armed ? wait_until(deadline, m) : 0;
		m->armed = 0;
	} else {
		cf = wait_until(deadline, NULL);
	}
	trap_retire(uc, d->len, cf ? TRAP_FL_CF : 0);
}
