// SPDX-License-Identifier: MIT
/*
 * The guest programming interface (include/sva/guest.h): system calls and
 * user-mode instructions of the calling simulated thread.
 */
#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sva/guest.h>
#include <sva/machine.h>

#include "os/kernel.h"
#include "os/mm.h"
#include "os/proc.h"

static struct sva_thread *self(void)
{
	struct sva_sim *sim = sva_sim_running();
	struct sva_task *task = sim ? sva_current(sim) : NULL;
	struct sva_thread *t = task ? sva_task_data(task) : NULL;

	if (!t) {
		fprintf(stderr, "sva: fatal: guest API called outside a guest thread\n");
		abort();
	}
	assert(t->task == task && t->lcpu);
	return t;
}

/* Every return to user mode checks for a kill in progress. */
static void user_return(struct sva_thread *t)
{
	if (t->proc->dying)
		sva_thread_exit(t, 0);
}

/* ---- user-mode instructions and their faults ----------------------------------- */

/*
 * An instruction gave an exception back (or hit a machine check): turn it
 * into a signal.  Returns true when the handler wants the instruction
 * executed again; false when it should fail with -EFAULT.  Does not return
 * when the process dies.
 */
static bool insn_fault(struct sva_thread *t, int r)
{
	const struct sva_exception *exc = sva_cpu_last_exception(t->lcpu->cpu);
	char why[64];

	if (r < 0) {	/* machine check or a fixup loop */
		snprintf(why, sizeof(why), "%s", r == -EIO ? "machine check" : "fault loop");
		return sva_signal_deliver(t, SIGBUS, BUS_ADRERR, 0, why) == 1;
	}
	switch (exc->vector) {
	case SVA_VEC_GP:
		snprintf(why, sizeof(why), "#GP in %s: %s", exc->insn, exc->why);
		return sva_signal_deliver(t, SIGSEGV, SI_KERNEL, 0, why) == 1;
	case SVA_VEC_UD:
		snprintf(why, sizeof(why), "#UD: %s", exc->insn);
		return sva_signal_deliver(t, SIGILL, ILL_ILLOPN, 0, why) == 1;
	case SVA_VEC_PF:
		if (t->last_fault == SVA_FAULT_OOM) {
			sva_proc_kill(t->proc, SIGKILL, "out of memory (oom-kill)");
			t->proc->exit.fault_addr = exc->cr2;
			sva_thread_exit(t, 128 + SIGKILL);
		}
		snprintf(why, sizeof(why), "#PF in %s at 0x%llx", exc->insn,
			 (unsigned long long)exc->cr2);
		if (exc->error_code & SVA_PF_RSVD || t->last_fault == -EIO)
			return sva_signal_deliver(t, SIGBUS, BUS_ADRERR, exc->cr2, why) == 1;
		return sva_signal_deliver(t, SIGSEGV,
					  t->last_fault == SVA_FAULT_ACCERR ? SEGV_ACCERR : SEGV_MAPERR,
					  exc->cr2, why) == 1;
	default:
		return sva_signal_deliver(t, SIGSEGV, SI_KERNEL, 0, "unexpected exception") == 1;
	}
}

int sva_load(uint64_t va, void *buf, size_t n)
{
	struct sva_thread *t = self();
	int r;

	while ((r = sva_cpu_load(t->lcpu->cpu, va, buf, n)) != 0)
		if (!insn_fault(t, r))
			return -EFAULT;
	user_return(t);
	return 0;
}

int sva_store(uint64_t va, const void *buf, size_t n)
{
	struct sva_thread *t = self();
	int r;

	while ((r = sva_cpu_store(t->lcpu->cpu, va, buf, n)) != 0)
		if (!insn_fault(t, r))
			return -EFAULT;
	user_return(t);
	return 0;
}

uint64_t sva_load64(uint64_t va)
{
	uint64_t v = 0;

	return sva_load(va, &v, sizeof(v)) == 0 ? v : 0;
}

void sva_store64(uint64_t va, uint64_t v)
{
	(void)sva_store(va, &v, sizeof(v));
}

int sva_enqcmd(uint64_t portal, uint64_t desc)
{
	struct sva_thread *t = self();
	bool zf = true;
	int r;

	while ((r = sva_cpu_enqcmd(t->lcpu->cpu, portal, desc, &zf)) != 0)
		if (!insn_fault(t, r))
			return -EFAULT;
	if (zf)
		t->st.enq_retry++;
	else
		t->st.enq_accepted++;
	user_return(t);
	return zf ? 1 : 0;
}

int sva_movdir64b(uint64_t portal, uint64_t src)
{
	struct sva_thread *t = self();
	int r;

	while ((r = sva_cpu_movdir64b(t->lcpu->cpu, portal, src)) != 0)
		if (!insn_fault(t, r))
			return -EFAULT;
	t->st.movdir64b++;
	user_return(t);
	return 0;
}

int sva_umonitor(uint64_t va)
{
	struct sva_thread *t = self();
	int r;

	while ((r = sva_cpu_umonitor(t->lcpu->cpu, va)) != 0)
		if (!insn_fault(t, r))
			return -EFAULT;
	user_return(t);
	return 0;
}

int sva_umwait(unsigned ctrl, uint64_t deadline)
{
	struct sva_thread *t = self();
	bool cf = false;
	int r;

	/* A kill interrupts the wait, as the interrupt delivering it would. */
	t->intr_wq = sva_cpu_umwait_queue(t->lcpu->cpu);
	while (!t->proc->dying && (r = sva_cpu_umwait(t->lcpu->cpu, ctrl, deadline, &cf)) != 0)
		if (!insn_fault(t, r)) {
			t->intr_wq = NULL;
			return -EFAULT;
		}
	t->intr_wq = NULL;
	if (!t->proc->dying)
		t->st.umwait++;
	user_return(t);
	return cf;
}

uint64_t sva_rdtsc(void)
{
	return sva_now(self()->proc->k->sim);
}

/* ---- memory system calls ------------------------------------------------------------ */

int64_t sva_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off)
{
	struct sva_thread *t = self();
	int64_t ret;
	int r;

	if (fd >= 0) {
		struct sva_file *f = sva_fd_get(t->proc, fd);

		if (!f)
			r = -EBADF;
		else if (!f->ops->mmap)
			r = -ENODEV;
		else
			r = f->ops->mmap(f, t->proc, &addr, len, (unsigned)prot, (unsigned)flags, off);
	} else {
		r = sva_mm_mmap(t->proc->mm, &addr, len, (unsigned)prot,
				(unsigned)flags | SVA_MAP_ANONYMOUS, 0, 0, NULL);
	}
	ret = r ? r : (int64_t)addr;
	user_return(t);
	return ret;
}

int sva_munmap(uint64_t addr, uint64_t len)
{
	struct sva_thread *t = self();
	int r = sva_mm_munmap(t->proc->mm, addr, len);

	user_return(t);
	return r;
}

int sva_mprotect(uint64_t addr, uint64_t len, int prot)
{
	struct sva_thread *t = self();
	int r = sva_mm_mprotect(t->proc->mm, addr, len, (unsigned)prot);

	user_return(t);
	return r;
}

int sva_madvise(uint64_t addr, uint64_t len, int advice)
{
	struct sva_thread *t = self();
	int r = advice == SVA_MADV_DONTNEED ? sva_mm_madvise_dontneed(t->proc->mm, addr, len)
					    : -EINVAL;

	user_return(t);
	return r;
}

/* ---- files ------------------------------------------------------------------------------ */

int sva_open(const char *path, int flags)
{
	struct sva_thread *t = self();
	struct sva_chardev *cdev = sva_chardev_find(t->proc->k, path);
	struct sva_file *f = NULL;
	int r;

	(void)flags;
	if (!cdev) {
		r = -ENOENT;
	} else {
		r = cdev->open(cdev, t->proc, &f);
		if (r == 0) {
			r = sva_fd_install(t->proc, f);
			if (r < 0)
				sva_fput(f);
		}
	}
	user_return(t);
	return r;
}

int sva_close(int fd)
{
	struct sva_thread *t = self();
	struct sva_file *f = sva_fd_get(t->proc, fd);

	if (!f)
		return -EBADF;
	t->proc->fds[fd] = NULL;
	/* A mapping of the file keeps it open: release waits for the last munmap. */
	sva_fput(f);
	user_return(t);
	return 0;
}

int64_t sva_write(int fd, uint64_t buf, uint64_t len)
{
	struct sva_thread *t = self();
	struct sva_file *f = sva_fd_get(t->proc, fd);
	int64_t r;

	if (!f)
		r = -EBADF;
	else if (!f->ops->write)
		r = -EINVAL;
	else
		r = f->ops->write(f, t, buf, len);
	user_return(t);
	return r;
}

/* ---- processes and threads -------------------------------------------------------------- */

int sva_getpid(void)
{
	return self()->proc->pid;
}

int sva_gettid(void)
{
	return (int)self()->tid;
}

int sva_fork(sva_guest_fn child, void *arg)
{
	struct sva_thread *t = self();
	int r = child ? sva_proc_fork(t, child, arg) : -EINVAL;

	user_return(t);
	return r;
}

int sva_thread_create(sva_guest_fn fn, void *arg, const char *name)
{
	struct sva_thread *t = self();
	int r = fn ? sva_proc_thread_create(t, fn, arg, name) : -EINVAL;

	user_return(t);
	return r;
}

int sva_thread_join(int tid)
{
	struct sva_thread *t = self();
	int r = sva_proc_thread_join(t, tid);

	user_return(t);
	return r;
}

int sva_waitpid(int pid, int *status)
{
	struct sva_thread *t = self();
	struct sva_kernel *k = t->proc->k;
	struct sva_proc *c = sva_proc_find(k, pid);

	if (!c || c->parent != t->proc)
		return -ECHILD;
	sva_thread_off_cpu(t);
	t->intr_wq = &c->exit_wq;
	while (c->state != SVA_PROC_ZOMBIE && !t->proc->dying)
		sva_wait(k->sim, &c->exit_wq);
	t->intr_wq = NULL;
	sva_thread_on_cpu(t);
	user_return(t);
	if (status)
		*status = c->exit.signal ? 128 + c->exit.signal : c->exit.code;
	sva_proc_reap(c);
	return pid;
}

int sva_nanosleep(uint64_t ns)
{
	struct sva_thread *t = self();
	struct sva_kernel *k = t->proc->k;

	sva_thread_off_cpu(t);
	t->intr_wq = &t->sig_wq;
	if (!t->proc->dying)
		(void)sva_wait_timeout(k->sim, &t->sig_wq, ns);
	t->intr_wq = NULL;
	sva_thread_on_cpu(t);
	user_return(t);
	return 0;
}

void sva_spin(uint64_t ns)
{
	struct sva_thread *t = self();

	sva_machine_charge(t->proc->k->machine, ns);
	user_return(t);
}

int sva_signal(int sig, sva_sig_handler handler, void *arg)
{
	struct sva_thread *t = self();

	if (sig <= 0 || sig >= SVA_NSIG || sig == SIGKILL)
		return -EINVAL;
	t->proc->handlers[sig] = handler;
	t->proc->handler_arg[sig] = arg;
	return 0;
}

_Noreturn void sva_exit(int code)
{
	struct sva_thread *t = self();
	struct sva_proc *p = t->proc;

	if (!p->exit.exited) {
		p->exit.exited = true;
		p->exit.code = code;
	}
	sva_proc_kill(p, 0, NULL);
	sva_thread_exit(t, code);
}

_Noreturn void sva_thread_exit_self(int code)
{
	sva_thread_exit(self(), code);
}
