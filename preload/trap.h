/* SPDX-License-Identifier: MIT */
/*
 * The trap layer of libsva-native.so (docs/native.md, "Trap layer"): one
 * signal handler for SIGSEGV, SIGILL and SIGBUS that emulates what it must
 * and hands everything else to the program's own handlers.
 *
 *   trap_signal.c   the program's view of its dispositions and masks for
 *                   those three signals (the sigaction/signal/... and
 *                   sigprocmask interposers), installation, and delivery
 *                   of a signal to the program as the kernel would do it;
 *   trap_handler.c  the handler: which faults are ours, ENQCMD(S) and
 *                   MOVDIR64B to a portal;
 *   trap_wait.c     UMONITOR, UMWAIT and TPAUSE where the CPU lacks WAITPKG;
 *   trap_mem.c      reading the program's memory without faulting, segment
 *                   bases, and the private stack the model runs on.
 */
#ifndef SVA_PRELOAD_TRAP_H
#define SVA_PRELOAD_TRAP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>

#include "native/x86_decode.h"

/* ---- trap_signal.c --------------------------------------------------- */

/* Is @sig one of the three signals the trap layer owns? */
int trap_owned_signal(int sig);
/*
 * Give @sig with @info to the program, as the kernel would have delivered
 * it at the interrupted context @uc: its handler with its flags and mask,
 * or the default action (death), or nothing (SIG_IGN, for a signal that
 * is not a synchronous fault).  Returns only when the program's handler
 * returned or the signal was ignored; a fatal signal is queued so that
 * the process dies of it as soon as the handler returns.
 */
void trap_deliver(int sig, siginfo_t *info, ucontext_t *uc);
/* An exception the emulated instruction raises: #GP (SIGSEGV, SI_KERNEL). */
void trap_raise_gp(ucontext_t *uc);
/* A #PF on a data access at @addr (SIGSEGV, SEGV_MAPERR or SEGV_ACCERR). */
void trap_raise_pf(ucontext_t *uc, uint64_t addr);

/* ---- trap_handler.c -------------------------------------------------- */

/* 1 when the fault was the trap layer's (emulated or turned into the right exception). */
int trap_emulate(int sig, siginfo_t *info, ucontext_t *uc);
/* ENQCMD or MOVDIR64B of @desc to @portal, on the private stack: native_submit's answer. */
int trap_submit(uint64_t portal, const uint8_t *desc, enum x86_insn insn);

/* ---- trap_patch.c ---------------------------------------------------- */

/*
 * ENQCMD or MOVDIR64B @d (bytes @bytes) at @rip was just emulated: patch
 * the site so that later executions reach the emulation without a signal.
 */
void trap_patch(uint64_t rip, const uint8_t *bytes, const struct x86_decoded *d);
/* A fault of the fast path's own descriptor read: RIP moved to its fixup; 1 when it was. */
int trap_patch_fixup(int sig, const siginfo_t *info, ucontext_t *uc);
/*
 * @n bytes of the faulting instruction were read into @bytes.  When the
 * fault is at the out-of-line copy of a patched site, present it as raised
 * at the site (RIP; si_addr of a #UD); at a copy or at a site (being)
 * patched, put the site's original bytes in @bytes.  Returns their count.
 * *@gp is set when the fast path's submission was refused: raise #GP
 * without submitting again.
 */
size_t trap_patch_insn(siginfo_t *info, ucontext_t *uc, uint8_t *bytes, size_t n, int *gp);
/* Signal-path emulations so far, and sites patched. */
void trap_patch_stats(uint64_t *traps, uint64_t *sites);

/* ---- trap_wait.c ----------------------------------------------------- */

/* UMONITOR, UMWAIT or TPAUSE @d at @uc (reached by #UD only). */
void trap_wait_emulate(const struct x86_decoded *d, ucontext_t *uc);

/* ---- trap_mem.c ------------------------------------------------------ */

/*
 * Copy up to @len bytes at @addr of this process into @buf without
 * faulting: the number of bytes read before the first unreadable one.
 */
size_t trap_read(void *buf, uint64_t addr, size_t len);
/* The instruction bytes at @rip (up to 15), the count that could be read. */
size_t trap_read_insn(uint8_t *buf, uint64_t rip);
/* FS or GS base of the calling thread (the interrupted one: a handler shares it). */
uint64_t trap_seg_base(enum x86_seg seg);
/* Run @fn(@arg) on this thread's private stack (allocated on first use). */
int trap_on_private_stack(int (*fn)(void *), void *arg);

/* A 48-bit canonical address (else a data access is #GP, not #PF). */
static inline int trap_canonical(uint64_t addr)
{
	return (uint64_t)((int64_t)(addr << 16) >> 16) == addr;
}

/* RFLAGS bits the emulated instructions write. */
#define TRAP_FL_CF	(1u << 0)
#define TRAP_FL_PF	(1u << 2)
#define TRAP_FL_AF	(1u << 4)
#define TRAP_FL_ZF	(1u << 6)
#define TRAP_FL_SF	(1u << 7)
#define TRAP_FL_OF	(1u << 11)
#define TRAP_FL_STATUS	(TRAP_FL_CF | TRAP_FL_PF | TRAP_FL_AF | TRAP_FL_ZF | \
			 TRAP_FL_SF | TRAP_FL_OF)

/*
 * Retire the emulated instruction: the status flags become @flags (the
 * six ENQCMD and the WAITPKG instructions write; MOVDIR64B passes
 * TRAP_KEEP_FLAGS) and RIP moves past its @len bytes.
 */
#define TRAP_KEEP_FLAGS	(~0u)
void trap_retire(ucontext_t *uc, unsigned len, unsigned flags);

#endif
