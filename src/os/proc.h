/* SPDX-License-Identifier: MIT */
/*
 * Processes, threads and the logical CPUs they run on (kernel side of
 * flows 1, 2 and 5).
 *
 * A thread is a runtime task.  To execute instructions it must be on one of
 * the machine's logical CPUs; it gives the CPU up whenever it blocks in the
 * kernel (sleep, wait, exit) and gets one back before returning to user
 * mode.  Switching a thread in and out saves and restores its IA32_PASID
 * with the rest of its state, as XSAVES/XRSTORS do with the PASID
 * supervisor state component on real hardware, so a thread never runs with
 * another thread's MSR.
 */
#ifndef SVA_OS_PROC_H
#define SVA_OS_PROC_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <sva/cpu.h>
#include <sva/guest.h>
#include <sva/sim.h>

struct sva_kernel;
struct sva_mm;
struct sva_proc;

/* One logical processor. */
struct sva_lcpu {
	struct sva_cpu *cpu;
	struct sva_thread *curr;	/* running thread, NULL when idle */
	unsigned id;
	uint64_t switches;		/* threads switched in */
};

/* Per-thread counters, also summed per process. */
struct sva_thread_stats {
	uint64_t gp_fixups;		/* #GP fixups that loaded IA32_PASID */
	uint64_t page_faults;
	uint64_t enq_accepted, enq_retry, movdir64b;
	uint64_t umwait;		/* UMWAITs executed */
	uint64_t signals;
	uint64_t switches;		/* times scheduled onto a CPU */
};

enum sva_thread_state { SVA_THREAD_RUNNABLE, SVA_THREAD_RUNNING, SVA_THREAD_BLOCKED, SVA_THREAD_DEAD };

struct sva_thread {
	struct sva_proc *proc;
	struct sva_task *task;
	uint64_t tid;
	char name[32];
	uint8_t state;
	struct sva_lcpu *lcpu;		/* while on a CPU */
	uint64_t xsave_pasid;		/* IA32_PASID while off CPU (XSAVES) */
	bool pasid_activated;		/* Linux: current->pasid_activated */
	sva_guest_fn fn;
	void *arg;
	struct sva_waitq sig_wq;	/* sleeps wait here */
	struct sva_waitq exit_wq;	/* sva_thread_join()s of this thread */
	unsigned joiners;		/* of them, still to look at it; the last one frees it */
	struct sva_waitq *intr_wq;	/* what an interruptible wait blocks on; a kill wakes it */
	struct sva_thread_stats st;
	int last_fault;			/* result of the last #PF's mm fault */
	int track;			/* trace track */
	struct sva_thread *next;	/* in proc->threads */
};

enum sva_proc_state { SVA_PROC_ALIVE, SVA_PROC_ZOMBIE };

/* How a process ended; what `sva run` reports. */
struct sva_proc_exit {
	bool exited;			/* false while alive */
	int code;			/* exit code when no signal */
	int signal;			/* 0, SIGSEGV, SIGBUS, SIGILL, SIGKILL */
	int si_code;			/* SEGV_MAPERR, SEGV_ACCERR, SI_KERNEL, ... */
	uint64_t fault_addr;
	char reason[64];		/* "#GP in enqcmd: IA32_PASID not valid" ... */
};

struct sva_file;

/* What a driver implements behind a file descriptor. */
struct sva_file_ops {
	/* Map the object at *addr (the kernel chose or checked it). */
	int (*mmap)(struct sva_file *f, struct sva_proc *p, uint64_t *addr,
		    uint64_t len, unsigned prot, unsigned flags, uint64_t pgoff);
	/* Submit by write(2) (newer idxd kernels); returns bytes taken. */
	int64_t (*write)(struct sva_file *f, struct sva_thread *t, uint64_t va, uint64_t len);
	/*
	 * Last reference gone: the last descriptor closed and the last
	 * mapping of the file unmapped, whichever came last (by close,
	 * munmap or exit).  Runs exactly once, in no particular process.
	 */
	void (*release)(struct sva_file *f);
};

/*
 * An open file.  Its references: one per descriptor that refers to it
 * (fork shares them), one per VMA that maps it (vm_file).
 */
struct sva_file {
	const struct sva_file_ops *ops;
	void *private_data;
	unsigned refs;
	char name[32];
};

#define SVA_MAX_FDS 64

/*
 * Process ids, as Linux's defaults: pids below k->pid_max (SVA_PID_MAX,
 * 32768, unless sva_system_config.pid_max says otherwise), handed out in turn and, once they wrap, from SVA_RESERVED_PIDS
 * up, skipping those a process (alive or zombie) still holds.  With every
 * pid taken fork fails with -EAGAIN, which is what stops a fork bomb.
 */
#define SVA_PID_MAX		32768
#define SVA_PID_MAX_LIMIT	4194304	/* PID_MAX_LIMIT: the most pid_max may be */
#define SVA_RESERVED_PIDS	300

struct sva_proc {
	struct sva_kernel *k;
	int pid;
	char name[32];
	struct sva_mm *mm;
	struct sva_proc *parent;
	/* Children not yet reaped, so an exit orphans them without a look at every process. */
	struct sva_proc *children, *sib_next, *sib_prev;
	struct sva_thread *threads;
	unsigned nr_threads;		/* not yet dead */
	uint8_t state;
	bool dying;			/* being killed: threads exit at the next chance */
	struct sva_proc_exit exit;
	sva_sig_handler handlers[SVA_NSIG];
	void *handler_arg[SVA_NSIG];
	struct sva_file *fds[SVA_MAX_FDS];
	struct sva_waitq exit_wq;	/* waitpid */
	struct sva_thread_stats st;	/* of threads that finished */
	int track;
	struct sva_proc *next;		/* kernel list */
};

/* A device node such as /dev/dsa/wq0.0, registered by its driver. */
struct sva_chardev {
	char path[64];
	/* Open for process @p; on success *out is a new file with refs = 1. */
	int (*open)(struct sva_chardev *cdev, struct sva_proc *p, struct sva_file **out);
	void *private_data;
	struct sva_chardev *next;
};

int sva_chardev_register(struct sva_kernel *k, struct sva_chardev *cdev);
void sva_chardev_unregister(struct sva_kernel *k, struct sva_chardev *cdev);
struct sva_chardev *sva_chardev_find(struct sva_kernel *k, const char *path);

/* ---- kernel-side API (tests, scenario runner, drivers) -------------------------- */

/*
 * A new process with a fresh mm and one thread running @fn(@arg); the
 * thread starts at the current instant.  Returns NULL with errno set.
 */
struct sva_proc *sva_proc_spawn(struct sva_kernel *k, const char *name,
				sva_guest_fn fn, void *arg);
struct sva_proc *sva_proc_find(struct sva_kernel *k, int pid);
/* Kill from outside: every thread ends at its next kernel entry. */
void sva_proc_kill(struct sva_proc *p, int sig, const char *reason);
/* Free a zombie (what the parent's waitpid does). */
void sva_proc_reap(struct sva_proc *p);
void sva_proc_stats(const struct sva_proc *p, struct sva_thread_stats *out);

/* fork() and clone() for the guest API; pid / tid or a negative errno. */
int sva_proc_fork(struct sva_thread *parent, sva_guest_fn fn, void *arg);
int sva_proc_thread_create(struct sva_thread *self, sva_guest_fn fn, void *arg, const char *name);
/*
 * pthread_join() for the guest API: wait until thread @tid of the caller's
 * process has ended, then forget it.  0; -ESRCH (no such thread, or
 * already joined), -EDEADLK (itself), -EINTR (the process is being killed).
 */
int sva_proc_thread_join(struct sva_thread *self, int tid);

/* The thread running in the calling task, or NULL. */
struct sva_thread *sva_thread_current(struct sva_kernel *k);

/* Install the file at the lowest free descriptor; returns it or -EMFILE. */
int sva_fd_install(struct sva_proc *p, struct sva_file *f);
struct sva_file *sva_fd_get(struct sva_proc *p, int fd);
/* Take / drop a reference to an open file (get_file / fput); the last put releases it. */
void sva_file_get(struct sva_file *f);
void sva_fput(struct sva_file *f);

/* The mm's PASID, allocated on first request (iommu_sva's mm_get_pasid). */
int sva_mm_get_pasid(struct sva_mm *mm, uint32_t *pasid);

/* Drop every thread's task pointer (their tasks are being freed). */
void sva_procs_forget_tasks(struct sva_kernel *k);
/* Free every process (kernel shutdown). */
void sva_procs_free_all(struct sva_kernel *k);

/* Logical CPUs (set up by sva_kernel_start_cpus) */
int sva_kernel_start_cpus(struct sva_kernel *k, struct sva_machine *m, unsigned nr);
void sva_kernel_stop_cpus(struct sva_kernel *k);

/* Hook run by the kernel's exception handler (os/traps.c). */
enum sva_exc_action sva_trap_handler(struct sva_cpu *cpu, const struct sva_exception *exc,
				     void *opaque);

/* Deliver @sig to the current thread: its handler runs, or the process dies. */
int sva_signal_deliver(struct sva_thread *t, int sig, int si_code, uint64_t addr,
		       const char *reason);

/* Block @t in the kernel: give the CPU up, wait, take a CPU back. */
void sva_thread_off_cpu(struct sva_thread *t);
void sva_thread_on_cpu(struct sva_thread *t);
/* End the calling thread (never returns). */
_Noreturn void sva_thread_exit(struct sva_thread *t, int code);

#endif
