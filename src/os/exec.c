// SPDX-License-Identifier: MIT
/*
 * exec: the process keeps its pid, parent and open files, and gets a new
 * program on a new, empty address space.
 *
 * The seed: "On fork(2) or exec(2) the PASID is removed from the process
 * as it no longer has the same address space that it had when the PASID
 * was allocated."  So the new mm has no PASID, and every trace of the old
 * one on the thread goes too: IA32_PASID (valid bit and value) and the
 * "activated" flag the #GP fixup set.  The next ENQCMD #GPs, the fixup
 * finds no PASID and the thread gets SIGSEGV - until the program opens a
 * work queue again and so binds its new mm.
 *
 * The old mm is let go exactly as at exit (mmput: notifiers' release,
 * every mapping - the portals too - unmapped).  Files stay open (no
 * close-on-exec in the model); a WQ file stays bound to the old mm, whose
 * struct and PASID it keeps alive until it is closed, and refuses to map
 * its portal into the new one.
 */
#include <errno.h>
#include <string.h>

#include <sva/trace.h>

#include "os/kernel.h"
#include "os/mm.h"
#include "os/proc.h"

/*
 * de_thread(): every other thread ends at its next kernel entry or
 * return to user mode; we wait off the CPU until only we are left.
 * False when the process is being killed meanwhile (exit_group from
 * another thread, a fatal signal, a second exec): then we die with it.
 */
static bool de_thread(struct sva_thread *t)
{
	struct sva_proc *p = t->proc;
	struct sva_kernel *k = p->k;

	if (p->dying)
		return false;
	p->dying = true;
	p->exec_thread = t;
	for (struct sva_thread *o = p->threads; o; o = o->next)
		if (o != t && o->state != SVA_THREAD_DEAD && o->intr_wq)
			sva_wake_all(k->sim, o->intr_wq);
	t->intr_wq = &t->sig_wq;
	while (p->nr_threads > 1 && !p->exit.exited)
		sva_wait(k->sim, &t->sig_wq);
	t->intr_wq = NULL;
	p->exec_thread = NULL;
	if (p->exit.exited)
		return false;
	p->dying = false;
	return true;
}

int sva_proc_exec(struct sva_thread *t, const char *name)
{
	struct sva_proc *p = t->proc;
	struct sva_kernel *k = p->k;
	struct sva_mm *mm = sva_mm_create(k), *old = p->mm;

	if (!mm)
		return -ENOMEM;
	sva_thread_off_cpu(t);
	if (!de_thread(t)) {
		sva_mmput(mm);
		sva_thread_exit(t, 0);
	}
	sva_mm_disown(old);	/* named after the program that had it */
	p->mm = mm;
	sva_mm_set_owner(mm, p);
	sva_journal(k->sim, p->name, "pid %d exec %s: new mm %llu without PASID (mm %llu had %s%u)", p->pid,
		    name ? name : p->name, (unsigned long long)mm->id, (unsigned long long)old->id,
		    old->pasid == SVA_PASID_INVALID ? "none " : "PASID ", old->pasid == SVA_PASID_INVALID ? 0 : old->pasid);
	if (name)
		snprintf(p->name, sizeof(p->name), "%s", name);
	/* The handlers were the old program's code. */
	memset(p->handlers, 0, sizeof(p->handlers));
	memset(p->handler_arg, 0, sizeof(p->handler_arg));
	/* IA32_PASID is loaded from here when the thread goes back on a CPU. */
	t->xsave_pasid = 0;
	t->pasid_activated = false;
	sva_mmput(old);
	if (sva_trace_enabled(k->sim))
		sva_trace_instant(k->sim, k->trace_track, "proc", "exec",
				  (struct sva_trace_arg[]){ SVA_TARG_U("pid", (uint64_t)p->pid),
							    SVA_TARG_U("mm", mm->id) }, 2);
	sva_thread_on_cpu(t);
	return 0;
}
