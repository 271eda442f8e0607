// SPDX-License-Identifier: MIT
/*
 * The kernel's exception handlers for user mode: the ENQCMD #GP fixup that
 * loads IA32_PASID lazily, the #PF handler that runs the mm's fault
 * handler, and turning what cannot be fixed into a signal.
 */
#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <string.h>

#include <sva/timing.h>
#include <sva/trace.h>

#include "os/kernel.h"
#include "os/mm.h"
#include "os/proc.h"

/*
 * The seed, "PASID Life Cycle Management": "The Linux #GP handler notes that
 * a PASID has been allocated for the process, and so initializes the
 * IA32_PASID MSR and returns so that the ENQCMD instruction is
 * re-executed."  Linux's
 * try_fixup_enqcmd_gp() does not decode the instruction: any user-mode #GP
 * on a thread whose mm has a PASID and whose MSR is not yet activated gets
 * the MSR loaded and one retry.  A #GP that still happens afterwards (the
 * thread is activated now) goes on to SIGSEGV.  We do the same.
 */
static bool fixup_enqcmd_gp(struct sva_thread *t, struct sva_cpu *cpu)
{
	struct sva_kernel *k = t->proc->k;
	struct sva_mm *mm = t->proc->mm;
	int r;

	if (!(sva_cpu_cpuid7_ecx(cpu) & SVA_CPUID7_ECX_ENQCMD))
		return false;
	if (mm->pasid == SVA_PASID_INVALID || t->pasid_activated)
		return false;
	/* The handler runs at CPL 0, so the WRMSR is allowed. */
	r = sva_cpu_wrmsr(cpu, SVA_MSR_IA32_PASID, mm->pasid | SVA_PASID_VALID);
	assert(r == 0);
	(void)r;
	t->pasid_activated = true;
	t->st.gp_fixups++;
	sva_journal(k->sim, t->name, "#GP on ENQCMD (IA32_PASID invalid): fixup loads PASID %u, re-executes",
		    mm->pasid);
	sva_counter_inc(k->st.gp_fixups);
	if (sva_trace_enabled(k->sim))
		sva_trace_instant(k->sim, t->track, "traps", "#GP fixup: IA32_PASID loaded",
				  (struct sva_trace_arg[]){ SVA_TARG_U("pasid", mm->pasid),
							    SVA_TARG_U("tid", t->tid) }, 2);
	return true;
}

static int fault_access(uint32_t err)
{
	if (err & SVA_PF_ID)
		return SVA_ACC_EXEC;
	return err & SVA_PF_W ? SVA_ACC_WRITE : SVA_ACC_READ;
}

enum sva_exc_action sva_trap_handler(struct sva_cpu *cpu, const struct sva_exception *exc,
				     void *opaque)
{
	struct sva_kernel *k = opaque;
	struct sva_thread *t = sva_cpu_data(cpu);
	int r;

	/* Only user threads run on kernel-managed CPUs; kernel-mode faults are bugs. */
	if (!t || exc->cpl != 3)
		return SVA_EXC_GIVE_BACK;
	switch (exc->vector) {
	case SVA_VEC_GP:
		return fixup_enqcmd_gp(t, cpu) ? SVA_EXC_REEXECUTE : SVA_EXC_GIVE_BACK;
	case SVA_VEC_PF:
		if (exc->error_code & SVA_PF_RSVD) {
			t->last_fault = -EIO;		/* corrupt tables: SIGBUS */
			return SVA_EXC_GIVE_BACK;
		}
		t->st.page_faults++;
		/* The fault handler may sleep: the thread keeps its CPU, as in Linux. */
		sva_machine_charge(k->machine, sva_machine_timing(k->machine)->pf_handling);
		r = sva_mm_fault(t->proc->mm, exc->cr2, fault_access(exc->error_code));
		t->last_fault = r;
		return r == 0 ? SVA_EXC_REEXECUTE : SVA_EXC_GIVE_BACK;
	default:
		return SVA_EXC_GIVE_BACK;
	}
}

int sva_signal_deliver(struct sva_thread *t, int sig, int si_code, uint64_t addr,
		       const char *reason)
{
	struct sva_proc *p = t->proc;
	struct sva_kernel *k = p->k;
	struct sva_siginfo info = { .signo = sig, .code = si_code, .addr = addr, .reason = reason };

	t->st.signals++;
	sva_counter_inc(k->st.signals);
	if (sva_trace_enabled(k->sim))
		sva_trace_instant(k->sim, t->track, "signal", sig == SIGSEGV ? "SIGSEGV" :
				  sig == SIGBUS ? "SIGBUS" : sig == SIGILL ? "SIGILL" : "SIGKILL",
				  (struct sva_trace_arg[]){ SVA_TARG_X("addr", addr),
							    SVA_TARG_S("reason", reason) }, 2);
	if (sig > 0 && sig < SVA_NSIG && sig != SIGKILL && p->handlers[sig])
		return p->handlers[sig](&info, p->handler_arg[sig]) == SVA_SIG_RETRY ? 1 : 0;
	/* No handler: the process dies of it. */
	sva_journal(k->sim, t->name, "pid %d: %s (%s), no handler: process killed", p->pid,
		    sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : sig == SIGILL ? "SIGILL" : "SIGKILL",
		    reason ? reason : "");
	sva_proc_kill(p, sig, reason);
	p->exit.si_code = si_code;
	p->exit.fault_addr = addr;
	sva_thread_exit(t, 128 + sig);
}
