// SPDX-License-Identifier: MIT
/*
 * Processes, threads, logical CPUs and the context switch.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sva/machine.h>
#include <sva/trace.h>

#include "os/check.h"
#include "os/kernel.h"
#include "os/mm.h"
#include "os/proc.h"

/* ---- logical CPUs ----------------------------------------------------------- */

/* TLB shootdown: every CPU that may hold translations of @mm drops them. */
static void flush_mm_tlbs(struct sva_kernel *k, struct sva_mm *mm, uint64_t start, uint64_t end)
{
	(void)start;
	(void)end;
	for (unsigned i = 0; i < k->nr_lcpus; i++)
		if (sva_cpu_cr3(k->lcpus[i].cpu) == mm->pgd)
			sva_cpu_tlb_flush(k->lcpus[i].cpu);
}

/* IA32_UMWAIT_CONTROL as Linux sets it (arch/x86/kernel/cpu/umwait.c): limit 100000, C0.2 on. */
#define SVA_KERNEL_UMWAIT_CONTROL	100000u

int sva_kernel_start_cpus(struct sva_kernel *k, struct sva_machine *m, unsigned nr)
{
	static const struct sva_cpu_ops trap_ops = { .exception = sva_trap_handler };
	int r;

	if (nr == 0)
		return -EINVAL;
	k->machine = m;
	k->lcpus = calloc(nr, sizeof(*k->lcpus));
	if (!k->lcpus)
		return -ENOMEM;
	for (unsigned i = 0; i < nr; i++) {
		char name[16];

		snprintf(name, sizeof(name), "cpu%u", i);
		k->lcpus[i].id = i;
		k->lcpus[i].cpu = sva_cpu_create(m, &(struct sva_cpu_config){ .name = name });
		if (!k->lcpus[i].cpu) {
			k->nr_lcpus = i;
			sva_kernel_stop_cpus(k);
			return -ENOMEM;
		}
		sva_cpu_set_ops(k->lcpus[i].cpu, &trap_ops, k);
		sva_cpu_set_paging(k->lcpus[i].cpu, &k->paging);
		/* As Linux's umwait_cpu_online(): a limit of 100000 TSC quanta, C0.2 allowed. */
		r = sva_cpu_wrmsr(k->lcpus[i].cpu, SVA_MSR_IA32_UMWAIT_CONTROL, SVA_KERNEL_UMWAIT_CONTROL);
		assert(r == 0);
		(void)r;
	}
	k->nr_lcpus = nr;
	k->flush_tlb = flush_mm_tlbs;
	return 0;
}

void sva_kernel_stop_cpus(struct sva_kernel *k)
{
	for (unsigned i = 0; i < k->nr_lcpus; i++)
		sva_cpu_destroy(k->lcpus[i].cpu);
	free(k->lcpus);
	k->lcpus = NULL;
	k->nr_lcpus = 0;
	k->flush_tlb = NULL;
}

/*
 * Switch @t onto a free CPU: CR3 of its mm and its IA32_PASID as saved
 * (XRSTORS of the PASID state), then CPL 3.  Waits FIFO for a CPU.
 */
void sva_thread_on_cpu(struct sva_thread *t)
{
	struct sva_kernel *k = t->proc->k;
	struct sva_lcpu *l = NULL;
	int r;

	assert(!t->lcpu);
	for (;;) {
		for (unsigned i = 0; i < k->nr_lcpus && !l; i++)
			if (!k->lcpus[i].curr)
				l = &k->lcpus[i];
		if (l)
			break;
		t->state = SVA_THREAD_RUNNABLE;
		sva_wait(k->sim, &k->cpu_wq);
	}
	l->curr = t;
	l->switches++;
	t->lcpu = l;
	t->state = SVA_THREAD_RUNNING;
	t->st.switches++;
	sva_counter_inc(k->st.ctx_switches);
	sva_cpu_set_data(l->cpu, t);
	sva_cpu_set_cpl(l->cpu, 0);
	sva_cpu_set_cr3(l->cpu, t->proc->mm->pgd);
	r = sva_cpu_wrmsr(l->cpu, SVA_MSR_IA32_PASID, t->xsave_pasid);
	assert(r == 0 && "saved IA32_PASID must be a valid MSR value");
	(void)r;
	sva_cpu_set_cpl(l->cpu, 3);
}

/* Save the thread's IA32_PASID (XSAVES) and free its CPU. */
void sva_thread_off_cpu(struct sva_thread *t)
{
	struct sva_kernel *k = t->proc->k;
	struct sva_lcpu *l = t->lcpu;

	assert(l && l->curr == t);
	t->xsave_pasid = sva_cpu_pasid_msr(l->cpu);
	/* A monitor is this thread's business: the next thread must arm its own. */
	sva_cpu_umonitor_disarm(l->cpu);
	sva_cpu_set_data(l->cpu, NULL);
	l->curr = NULL;
	t->lcpu = NULL;
	t->state = SVA_THREAD_BLOCKED;
	sva_wake_one(k->sim, &k->cpu_wq);
}

/* ---- threads ----------------------------------------------------------------- */

struct sva_thread *sva_thread_current(struct sva_kernel *k)
{
	struct sva_task *task = sva_current(k->sim);
	struct sva_thread *t = task ? sva_task_data(task) : NULL;

	assert(!t || t->task == task);
	return t;
}

static void thread_main(void *arg)
{
	struct sva_thread *t = arg;

	sva_thread_on_cpu(t);
	if (!t->proc->dying)
		t->fn(t->arg);
	sva_thread_exit(t, 0);
}

static void proc_exit(struct sva_proc *p);

static struct sva_thread *thread_new(struct sva_proc *p, sva_guest_fn fn, void *arg,
				     const char *name)
{
	struct sva_kernel *k = p->k;
	struct sva_thread *t = calloc(1, sizeof(*t));
	char track[48];

	if (!t)
		return NULL;
	t->proc = p;
	t->tid = ++k->next_tid;
	t->fn = fn;
	t->arg = arg;
	/* New threads start with IA32_PASID invalid; the #GP fixup loads it. */
	t->xsave_pasid = 0;
	t->pasid_activated = false;
	sva_waitq_init(&t->sig_wq);
	sva_waitq_init(&t->exit_wq);
	snprintf(t->name, sizeof(t->name), "%s", name ? name : p->name);
	snprintf(track, sizeof(track), "%s/%llu", t->name, (unsigned long long)t->tid);
	t->track = sva_trace_track(k->sim, "threads", track);
	t->task = sva_task_spawn(k->sim, t->name, thread_main, t,
				 &(struct sva_task_attr){ .detached = true });
	if (!t->task) {
		free(t);
		return NULL;
	}
	sva_task_set_data(t->task, t);
	t->next = p->threads;
	p->threads = t;
	p->nr_threads++;
	sva_counter_inc(k->st.threads);
	return t;
}

_Noreturn void sva_thread_exit(struct sva_thread *t, int code)
{
	struct sva_proc *p = t->proc;
	struct sva_kernel *k = p->k;

	assert(sva_thread_current(k) == t);
	if (t->lcpu)
		sva_thread_off_cpu(t);
	t->state = SVA_THREAD_DEAD;
	sva_task_set_data(t->task, NULL);
	p->st.gp_fixups += t->st.gp_fixups;
	p->st.page_faults += t->st.page_faults;
	p->st.enq_accepted += t->st.enq_accepted;
	p->st.enq_retry += t->st.enq_retry;
	p->st.movdir64b += t->st.movdir64b;
	p->st.umwait += t->st.umwait;
	p->st.signals += t->st.signals;
	p->st.switches += t->st.switches;
	t->task = NULL;
	sva_wake_all(k->sim, &t->exit_wq);	/* its joiners, at this very instant */
	if (--p->nr_threads == 0) {
		if (!p->exit.exited) {
			p->exit.exited = true;
			p->exit.code = code;
		}
		proc_exit(p);
	} else if (p->nr_threads == 1 && p->exec_thread) {
		sva_wake_all(k->sim, &p->exec_thread->sig_wq);	/* exec's de_thread is done */
	}
	sva_task_exit(k->sim, code);
}

/* ---- processes ------------------------------------------------------------------ */

/* alloc_pid(): the next free pid, or -EAGAIN when all are taken. */
static int pid_alloc(struct sva_kernel *k)
{
	if (k->nr_procs >= (unsigned)(k->pid_max - SVA_RESERVED_PIDS))
		return -EAGAIN;
	for (;;) {
		int pid = k->next_pid++;

		if (k->next_pid >= k->pid_max) {
			k->next_pid = SVA_RESERVED_PIDS;
			k->pids_wrapped = true;
		}
		/* Before the first wrap every pid ahead is fresh: no need to look. */
		if (!k->pids_wrapped || !sva_proc_find(k, pid))
			return pid;
	}
}

/* A new process, or NULL with errno set (EAGAIN: no pid left). */
static struct sva_proc *proc_new(struct sva_kernel *k, const char *name, struct sva_proc *parent)
{
	int pid = pid_alloc(k);
	struct sva_proc *p;

	if (pid < 0) {
		errno = -pid;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	k->nr_procs++;
	p->k = k;
	p->pid = pid;
	p->parent = parent;
	if (parent) {
		p->sib_next = parent->children;
		if (parent->children)
			parent->children->sib_prev = p;
		parent->children = p;
	}
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "proc");
	sva_waitq_init(&p->child_wq);
	p->next = k->procs;
	k->procs = p;
	sva_counter_inc(k->st.procs);
	return p;
}

static void proc_unlink(struct sva_proc *p)
{
	if (p->parent) {
		if (p->sib_prev)
			p->sib_prev->sib_next = p->sib_next;
		else
			p->parent->children = p->sib_next;
		if (p->sib_next)
			p->sib_next->sib_prev = p->sib_prev;
		p->parent = p->sib_next = p->sib_prev = NULL;
	}
	for (struct sva_proc **pp = &p->k->procs; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			p->k->nr_procs--;
			break;
		}
}

static void proc_free(struct sva_proc *p)
{
	while (p->threads) {
		struct sva_thread *t = p->threads;

		p->threads = t->next;
		free(t);
	}
	free(p);
}

struct sva_proc *sva_proc_spawn(struct sva_kernel *k, const char *name,
				sva_guest_fn fn, void *arg)
{
	struct sva_proc *p;

	if (!k->nr_lcpus || !fn) {
		errno = EINVAL;
		return NULL;
	}
	p = proc_new(k, name, NULL);
	if (!p)
		return NULL;
	p->mm = sva_mm_create(k);
	if (p->mm)
		sva_mm_set_owner(p->mm, p);
	if (!p->mm || !thread_new(p, fn, arg, name)) {
		if (p->mm) {
			sva_mm_disown(p->mm);
			sva_mmput(p->mm);
		}
		proc_unlink(p);
		proc_free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

struct sva_proc *sva_proc_find(struct sva_kernel *k, int pid)
{
	for (struct sva_proc *p = k->procs; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

int sva_proc_fork(struct sva_thread *parent, sva_guest_fn fn, void *arg)
{
	struct sva_proc *pp = parent->proc, *c;
	struct sva_mm *mm;
	int r;

	r = sva_mm_dup(pp->mm, &mm);
	if (r)
		return r;
	c = proc_new(pp->k, pp->name, pp);
	if (!c) {
		sva_mmput(mm);
		return -errno;
	}
	c->mm = mm;
	sva_mm_set_owner(mm, c);
	/* Files are shared with the child, as fork(2) does. */
	for (int fd = 0; fd < SVA_MAX_FDS; fd++)
		if (pp->fds[fd]) {
			c->fds[fd] = pp->fds[fd];
			sva_file_get(c->fds[fd]);
		}
	for (int s = 0; s < SVA_NSIG; s++) {
		c->handlers[s] = pp->handlers[s];
		c->handler_arg[s] = pp->handler_arg[s];
	}
	if (!thread_new(c, fn, arg, NULL)) {
		c->exit.exited = true;
		proc_exit(c);
		return -ENOMEM;
	}
	return c->pid;
}

int sva_proc_thread_create(struct sva_thread *self, sva_guest_fn fn, void *arg, const char *name)
{
	struct sva_thread *t = thread_new(self->proc, fn, arg, name);

	return t ? (int)t->tid : -ENOMEM;
}

static struct sva_thread **thread_slot(struct sva_proc *p, uint64_t tid)
{
	struct sva_thread **pp = &p->threads;

	while (*pp && (*pp)->tid != tid)
		pp = &(*pp)->next;
	return pp;
}

int sva_proc_thread_join(struct sva_thread *self, int tid)
{
	struct sva_proc *p = self->proc;
	struct sva_sim *sim = p->k->sim;
	struct sva_thread *t = tid > 0 ? *thread_slot(p, (uint64_t)tid) : NULL;
	bool dead;

	if (!t)
		return -ESRCH;
	if (t == self)
		return -EDEADLK;
	/* Asleep on the thread's end, not polling: woken the instant it exits. */
	t->joiners++;
	sva_thread_off_cpu(self);
	self->intr_wq = &t->exit_wq;
	while (t->state != SVA_THREAD_DEAD && !p->dying)
		sva_wait(sim, &t->exit_wq);
	self->intr_wq = NULL;
	dead = t->state == SVA_THREAD_DEAD;
	if (--t->joiners == 0 && dead) {
		struct sva_thread **pp = thread_slot(p, t->tid);

		assert(*pp == t);
		*pp = t->next;
		free(t);
	}
	sva_thread_on_cpu(self);
	return dead ? 0 : -EINTR;
}

void sva_proc_kill(struct sva_proc *p, int sig, const char *reason)
{
	if (p->state != SVA_PROC_ALIVE)
		return;
	if (!p->exit.exited) {
		p->exit.exited = true;
		p->exit.signal = sig;
		snprintf(p->exit.reason, sizeof(p->exit.reason), "%s", reason ? reason : "killed");
	}
	p->dying = true;
	for (struct sva_thread *t = p->threads; t; t = t->next)
		if (t->state != SVA_THREAD_DEAD && t->intr_wq)
			sva_wake_all(p->k->sim, t->intr_wq);
}

/* The last thread is gone: files, then the address space, as do_exit() does. */
static void proc_exit(struct sva_proc *p)
{
	struct sva_kernel *k = p->k;

	assert(p->nr_threads == 0 && p->state == SVA_PROC_ALIVE);
	p->dying = true;
	sva_mm_disown(p->mm);
	sva_mmput(p->mm);
	p->mm = NULL;
	for (int fd = 0; fd < SVA_MAX_FDS; fd++) {
		struct sva_file *f = p->fds[fd];

		p->fds[fd] = NULL;
		if (f)
			sva_fput(f);
	}
	p->state = SVA_PROC_ZOMBIE;
	if (p->exit.signal)
		sva_journal(k->sim, p->name, "pid %d exited: killed by signal %d", p->pid, p->exit.signal);
	else
		sva_journal(k->sim, p->name, "pid %d exited with code %d", p->pid, p->exit.code);
	while (p->children) {	/* orphans are reaped by "init" */
		struct sva_proc *c = p->children;

		p->children = c->sib_next;
		c->parent = c->sib_next = c->sib_prev = NULL;
	}
	if (sva_trace_enabled(k->sim))
		sva_trace_instant(k->sim, k->trace_track, "proc", "exit",
				  (struct sva_trace_arg[]){ SVA_TARG_U("pid", (uint64_t)p->pid),
							    SVA_TARG_I("code", p->exit.code),
							    SVA_TARG_I("signal", p->exit.signal) }, 3);
	/*
	 * The waiters sleep on the parent, not on us (Linux: wait_chldexit):
	 * whoever reaps us frees us, and another waiter must not be left
	 * sleeping on, or pointing its kill wake-up at, freed memory.
	 */
	if (p->parent)
		sva_wake_all(k->sim, &p->parent->child_wq);
}

void sva_proc_reap(struct sva_proc *p)
{
	assert(p->state == SVA_PROC_ZOMBIE);
	if (p->k->on_reap)
		p->k->on_reap(p->k->on_reap_ctx, p);
	proc_unlink(p);
	proc_free(p);
}

void sva_proc_stats(const struct sva_proc *p, struct sva_thread_stats *out)
{
	*out = p->st;
	for (const struct sva_thread *t = p->threads; t; t = t->next) {
		if (t->state == SVA_THREAD_DEAD)
			continue;
		out->gp_fixups += t->st.gp_fixups;
		out->page_faults += t->st.page_faults;
		out->enq_accepted += t->st.enq_accepted;
		out->enq_retry += t->st.enq_retry;
		out->movdir64b += t->st.movdir64b;
		out->umwait += t->st.umwait;
		out->signals += t->st.signals;
		out->switches += t->st.switches;
	}
}

/* ---- files ------------------------------------------------------------------------- */

int sva_fd_install(struct sva_proc *p, struct sva_file *f)
{
	for (int fd = 0; fd < SVA_MAX_FDS; fd++)
		if (!p->fds[fd]) {
			p->fds[fd] = f;
			return fd;
		}
	return -EMFILE;
}

struct sva_file *sva_fd_get(struct sva_proc *p, int fd)
{
	return fd >= 0 && fd < SVA_MAX_FDS ? p->fds[fd] : NULL;
}

void sva_file_get(struct sva_file *f)
{
	assert(f->refs > 0 && "get_file on a file already released");
	f->refs++;
}

void sva_fput(struct sva_file *f)
{
	assert(f->refs > 0 && "fput on a file already released");
	if (--f->refs == 0 && f->ops->release)
		f->ops->release(f);
}

/* ---- PASID of an mm ------------------------------------------------------------------- */

int sva_mm_get_pasid(struct sva_mm *mm, uint32_t *pasid)
{
	return sva_mm_get_pasid_below(mm, SVA_PASID_MAX, pasid);
}

int sva_mm_get_pasid_below(struct sva_mm *mm, uint32_t limit, uint32_t *pasid)
{
	struct sva_kernel *k = mm->k;
	int r;

	/* Linux's iommu_sva_bind_device: a PASID the device cannot carry is EOVERFLOW. */
	if (mm->pasid != SVA_PASID_INVALID && mm->pasid >= limit)
		return -EOVERFLOW;
	if (mm->pasid == SVA_PASID_INVALID) {
		char who[64];

		if (mm->exited)
			return -ESRCH;
		r = sva_pasid_alloc_below(&k->pasids, mm, limit, &mm->pasid);
		if (r)
			return r;
		sva_check_pasid_allocated(k, mm->pasid);
		sva_counter_inc(k->st.pasid_allocs);
		sva_journal(k->sim, "kernel", "%s: PASID %u allocated on first bind",
			    sva_mm_owner(mm, who, sizeof(who)), mm->pasid);
		if (sva_trace_enabled(k->sim))
			sva_trace_instant(k->sim, k->trace_track, "pasid", "pasid allocated",
					  (struct sva_trace_arg[]){ SVA_TARG_U("mm", mm->id),
								    SVA_TARG_U("pasid", mm->pasid) }, 2);
	}
	*pasid = mm->pasid;
	return 0;
}

/* ---- device nodes ------------------------------------------------------------------------ */

int sva_chardev_register(struct sva_kernel *k, struct sva_chardev *cdev)
{
	if (!cdev->open || !cdev->path[0])
		return -EINVAL;
	if (sva_chardev_find(k, cdev->path))
		return -EEXIST;
	cdev->next = k->chardevs;
	k->chardevs = cdev;
	return 0;
}

void sva_chardev_unregister(struct sva_kernel *k, struct sva_chardev *cdev)
{
	for (struct sva_chardev **p = &k->chardevs; *p; p = &(*p)->next)
		if (*p == cdev) {
			*p = cdev->next;
			return;
		}
}

struct sva_chardev *sva_chardev_find(struct sva_kernel *k, const char *path)
{
	for (struct sva_chardev *c = k->chardevs; c; c = c->next)
		if (!strcmp(c->path, path))
			return c;
	return NULL;
}

/* Machine power-off: whatever processes are left simply vanish. */
void sva_procs_free_all(struct sva_kernel *k)
{
	while (k->procs) {
		struct sva_proc *p = k->procs;

		k->procs = p->next;
		k->nr_procs--;
		if (p->mm) {
			/* Threads never finished: their tasks are freed with the simulation. */
			for (struct sva_thread *t = p->threads; t; t = t->next)
				if (t->task)
					sva_task_set_data(t->task, NULL);
			sva_mm_disown(p->mm);
			sva_mmput(p->mm);
		}
		for (int fd = 0; fd < SVA_MAX_FDS; fd++)
			if (p->fds[fd])
				sva_fput(p->fds[fd]);
		proc_free(p);
	}
}

void sva_procs_forget_tasks(struct sva_kernel *k)
{
	for (struct sva_proc *p = k->procs; p; p = p->next)
		for (struct sva_thread *t = p->threads; t; t = t->next) {
			if (t->task)
				sva_task_set_data(t->task, NULL);
			t->task = NULL;
			t->intr_wq = NULL;
		}
}
