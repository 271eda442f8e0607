// SPDX-License-Identifier: MIT
/*
 * The trap handler: which faults belong to native mode, and ENQCMD,
 * ENQCMDS and MOVDIR64B to a portal.
 *
 * A fault is ours only when the instruction at RIP decodes to one of the
 * six instructions and the fault is one that instruction raises here
 * because the CPU lacks it or the portal page is PROT_NONE:
 *
 *   ENQCMD(S), MOVDIR64B   #UD (SIGILL), #GP (SIGSEGV SI_KERNEL), or a
 *                          #PF / SIGBUS whose address lies in the
 *                          destination line - and the destination is a
 *                          portal (native_portal_lookup);
 *   UMONITOR/UMWAIT/TPAUSE #UD only (where the CPU has WAITPKG they run,
 *                          and a #GP they raise is the program's).
 *
 * Anything else, and any signal that was sent rather than raised, goes to
 * the program untouched.  A fault on the source operand of a MOVDIR64B
 * the CPU executed natively names the source, not the portal, so it stays
 * the program's too - as on hardware.
 *
 * Emulation follows the SDM's order of checks: ENQCMDS is privileged
 * (#GP at CPL 3), a destination not 64-byte aligned is #GP, a
 * non-canonical source is #GP, an unreadable source byte is a #PF at that
 * byte; then the 64 bytes reach native_submit(), ENQCMD sets ZF to "not
 * accepted" and clears CF, OF, SF, AF and PF, MOVDIR64B leaves RFLAGS
 * alone, and RIP moves past the instruction.
 */
#include <errno.h>
#include <string.h>

#include "preload.h"
#include "trap.h"

void trap_signal_handler(int sig, siginfo_t *info, void *ucv);

/*
 * The runtime's two hooks are weak references: the trap layer links (and
 * its tests run, with a double) before the glue that defines them is in
 * the library; without them nothing is a portal.
 */
#pragma weak native_portal_lookup
#pragma weak native_submit

static void regs_from(const ucontext_t *uc, struct x86_regs *r)
{
	const greg_t *g = uc->uc_mcontext.gregs;

	r->gpr[X86_RAX] = (uint64_t)g[REG_RAX];
	r->gpr[X86_RCX] = (uint64_t)g[REG_RCX];
	r->gpr[X86_RDX] = (uint64_t)g[REG_RDX];
	r->gpr[X86_RBX] = (uint64_t)g[REG_RBX];
	r->gpr[X86_RSP] = (uint64_t)g[REG_RSP];
	r->gpr[X86_RBP] = (uint64_t)g[REG_RBP];
	r->gpr[X86_RSI] = (uint64_t)g[REG_RSI];
	r->gpr[X86_RDI] = (uint64_t)g[REG_RDI];
	r->gpr[X86_R8] = (uint64_t)g[REG_R8];
	r->gpr[X86_R9] = (uint64_t)g[REG_R9];
	r->gpr[X86_R10] = (uint64_t)g[REG_R10];
	r->gpr[X86_R11] = (uint64_t)g[REG_R11];
	r->gpr[X86_R12] = (uint64_t)g[REG_R12];
	r->gpr[X86_R13] = (uint64_t)g[REG_R13];
	r->gpr[X86_R14] = (uint64_t)g[REG_R14];
	r->gpr[X86_R15] = (uint64_t)g[REG_R15];
	r->rip = (uint64_t)g[REG_RIP];
}

void trap_retire(ucontext_t *uc, unsigned len, unsigned flags)
{
	greg_t *g = uc->uc_mcontext.gregs;

	if (flags != TRAP_KEEP_FLAGS)
		g[REG_EFL] = (greg_t)(((uint64_t)g[REG_EFL] & ~(uint64_t)TRAP_FL_STATUS) | flags);
	g[REG_RIP] += len;
}

struct submit_call {
	uint64_t portal;
	const uint8_t *desc;
	enum native_submit_kind kind;
};

static int submit_fn(void *arg)
{
	const struct submit_call *c = arg;

	return native_submit(c->portal, c->desc, c->kind);
}

int trap_submit(uint64_t portal, const uint8_t *desc, enum x86_insn insn)
{
	struct submit_call call;

	call.portal = portal;
	call.desc = desc;
	call.kind = insn == X86_ENQCMD ? NATIVE_ENQCMD : NATIVE_MOVDIR64B;
	return trap_on_private_stack(submit_fn, &call);
}

/*
 * Does the fault fit a store of this instruction to a portal?  A page
 * fault or bus error must name the destination line; #UD and #GP carry
 * no address.
 */
static int portal_fault(int sig, const siginfo_t *info, uint64_t dest)
{
	uint64_t a = (uint64_t)(uintptr_t)info->si_addr;

	if (sig == SIGILL || (sig == SIGSEGV && info->si_code == SI_KERNEL))
		return 1;
	if ((sig == SIGSEGV && (info->si_code == SEGV_ACCERR || info->si_code == SEGV_MAPERR)) ||
	    (sig == SIGBUS && info->si_code == BUS_ADRERR))
		return a >= dest && a - dest < 64;
	return 0;
}

/* ENQCMD, ENQCMDS or MOVDIR64B: 2 emulated, 1 an exception raised, 0 not ours. */
static int enqueue(int sig, const siginfo_t *info, ucontext_t *uc, const struct x86_decoded *d)
{
	uint64_t dest = d->reg_value;	/* ES base is 0 in 64-bit mode */
	uint64_t src = d->ea + trap_seg_base(d->seg);
	uint8_t desc[64];
	size_t got;
	int ret;

	if (!native_portal_lookup || !portal_fault(sig, info, dest) || !native_portal_lookup(dest))
		return 0;
	if (d->insn == X86_ENQCMDS || (dest & 63) || !trap_canonical(src) || !trap_canonical(src + 63)) {
		trap_raise_gp(uc);
		return 1;
	}
	got = trap_read(desc, src, sizeof(desc));
	if (got < sizeof(desc)) {
		trap_raise_pf(uc, src + got);
		return 1;
	}
	ret = trap_submit(dest, desc, d->insn);
	if (ret == -EFAULT)
		return 0;	/* unmapped meanwhile: the program's own fault */
	if (ret < 0) {
		trap_raise_gp(uc);	/* the device model refused the enqueue store */
		return 1;
	}
	trap_retire(uc, d->len, d->insn == X86_ENQCMD ? (ret ? TRAP_FL_ZF : 0) : TRAP_KEEP_FLAGS);
	return 2;
}

int trap_emulate(int sig, siginfo_t *info, ucontext_t *uc)
{
	struct x86_regs regs;
	struct x86_decoded d;
	uint8_t bytes[15];
	size_t n;
	int gp, ret;

	if (info->si_code <= 0)
		return 0;	/* sent by kill/sigqueue/tgkill: the program's */
	n = trap_read_insn(bytes, (uint64_t)uc->uc_mcontext.gregs[REG_RIP]);
	/* At a patched site or its copy: RIP and the bytes become the site's (trap_patch.c). */
	n = trap_patch_insn(info, uc, bytes, n, &gp);
	if (gp) {
		trap_raise_gp(uc);	/* the stub's submission was refused */
		return 1;
	}
	regs_from(uc, &regs);
	if (x86_decode(bytes, n, &regs, &d) != X86_DEC_OK)
		return 0;
	switch (d.insn) {
	case X86_ENQCMD:
	case X86_ENQCMDS:
	case X86_MOVDIR64B:
		ret = enqueue(sig, info, uc, &d);
		if (ret == 2)
			trap_patch(regs.rip, bytes, &d);	/* later runs skip the signal */
		return ret != 0;
	case X86_UMONITOR:
	case X86_UMWAIT:
	case X86_TPAUSE:
		if (sig != SIGILL)
			return 0;
		trap_wait_emulate(&d, uc);
		return 1;
	}
	return 0;
}

void trap_signal_handler(int sig, siginfo_t *info, void *ucv)
{
	int saved_errno = errno;

	if (trap_patch_fixup(sig, info, ucv))
		return;		/* the stub's read of a descriptor faulted */
	if (trap_emulate(sig, info, ucv)) {
		errno = saved_errno;
		return;
	}
	/* errno as the program left it: its handler sees that, and may change it. */
	errno = saved_errno;
	trap_deliver(sig, info, ucv);
}
