/* SPDX-License-Identifier: MIT */
/*
 * sva/guest.h - the programming interface of software running inside the
 * simulated machine: what a user program sees of its kernel and CPU.
 *
 * A guest program is a C function run as a thread of a simulated process.
 * It reaches its memory only through these calls, so every access goes
 * through the CPU's paging (and may fault), and every ENQCMD carries the
 * thread's IA32_PASID.  Calls behave like their Linux namesakes; they
 * return a negative errno on failure.
 *
 * Faults become signals.  Without a handler the process dies of the
 * signal (sva reports how); with one (sva_signal()), the handler runs and
 * chooses whether the faulting instruction is executed again (after it
 * fixed the cause) or fails with -EFAULT, as a handler that longjmps out
 * would make it.
 *
 * These calls find the calling thread through the running simulation, so
 * they may only be used from a guest thread.
 */
#ifndef SVA_GUEST_H
#define SVA_GUEST_H

#include <sva/api.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

SVA_API_BEGIN

typedef void (*sva_guest_fn)(void *arg);

#define SVA_NSIG 32

struct sva_siginfo {
	int signo;		/* SIGSEGV, SIGBUS, SIGILL */
	int code;		/* SEGV_MAPERR, SEGV_ACCERR, SI_KERNEL (#GP), BUS_ADRERR */
	uint64_t addr;		/* faulting address (0 for #GP) */
	const char *reason;	/* what the kernel saw, for messages */
};

enum sva_sig_action {
	SVA_SIG_FAIL = 0,	/* the instruction fails with -EFAULT */
	SVA_SIG_RETRY,		/* the handler fixed it: execute it again */
};

typedef enum sva_sig_action (*sva_sig_handler)(const struct sva_siginfo *info, void *arg);

/* ---- memory (values as in <sys/mman.h>) ---------------------------- */

#define SVA_PROT_NONE		0x0
#define SVA_PROT_READ		0x1
#define SVA_PROT_WRITE		0x2
#define SVA_PROT_EXEC		0x4

#define SVA_MAP_SHARED		0x01
#define SVA_MAP_PRIVATE		0x02
#define SVA_MAP_FIXED		0x10
#define SVA_MAP_ANONYMOUS	0x20

/* Returns the address, or a negative errno.  @fd = -1 for anonymous. */
int64_t sva_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off);
int sva_munmap(uint64_t addr, uint64_t len);
int sva_mprotect(uint64_t addr, uint64_t len, int prot);
#define SVA_MADV_DONTNEED 4
int sva_madvise(uint64_t addr, uint64_t len, int advice);

/* User-mode loads and stores of any length (0 or -EFAULT after a handled signal). */
int sva_load(uint64_t va, void *buf, size_t n);
int sva_store(uint64_t va, const void *buf, size_t n);
uint64_t sva_load64(uint64_t va);	/* dies (or returns 0) on a fault */
void sva_store64(uint64_t va, uint64_t v);

/* ---- work submission --------------------------------------------------- */

/* ENQCMD: 0 accepted, 1 retry (ZF set), negative errno after a handled signal. */
int sva_enqcmd(uint64_t portal, uint64_t desc);
/* MOVDIR64B: 0, or negative errno after a handled signal. */
int sva_movdir64b(uint64_t portal, uint64_t src);
/*
 * UMONITOR @va: arm this CPU's monitor on the 64-byte line of @va (faults
 * as a byte load would).  0, or -EFAULT after a signal handler declined.
 */
int sva_umonitor(uint64_t va);
/*
 * UMWAIT: rest until the monitored line is written (by any CPU or a
 * device's completion record), virtual time reaches @deadline (ns; the
 * TSC counts virtual nanoseconds), or the kernel's limit passes.  @ctrl
 * bit 0 picks C0.1 (faster wake) over C0.2; other bits are reserved (#GP).
 * Returns the carry flag - 1 when the kernel's limit ended the wait - or
 * -EFAULT.  Without a UMONITOR first it returns at once.
 */
int sva_umwait(unsigned ctrl, uint64_t deadline);
/* Virtual time now, in ns: what RDTSC reads in the model. */
uint64_t sva_rdtsc(void);

/* ---- files (device nodes such as /dev/dsa/wq0.0) -------------------------- */

#define SVA_O_RDWR 2
int sva_open(const char *path, int flags);
int sva_close(int fd);
/* write(2) on a WQ file: submits the descriptor(s) at @buf (newer kernels). */
int64_t sva_write(int fd, uint64_t buf, uint64_t len);

/* ---- processes and threads ------------------------------------------------- */

int sva_getpid(void);
int sva_gettid(void);
/* fork(): the child is a new process running child(arg) on a copy of this mm. */
int sva_fork(sva_guest_fn child, void *arg);
/* A new thread of this process; returns its tid. */
int sva_thread_create(sva_guest_fn fn, void *arg, const char *name);
/*
 * pthread_join(): wait until thread @tid of this process has ended (it is
 * then forgotten).  0, -ESRCH (no such thread, or already joined) or
 * -EDEADLK (the caller itself).
 */
int sva_thread_join(int tid);
/*
 * execve(): this process runs fn(arg) - named @name (NULL keeps the
 * name) - on a new, empty address space with no PASID.  The other
 * threads end, signal handlers are reset, IA32_PASID is cleared: the
 * first ENQCMD is SIGSEGV until the program opens a work queue again.
 * Open files stay open (no close-on-exec); a WQ file opened before stays
 * bound to the old address space and cannot be mapped again.  Does not
 * return on success (the process ends when fn returns and its threads
 * are gone, as from the first thread); a negative errno otherwise.
 */
int sva_execve(const char *name, sva_guest_fn fn, void *arg);
/* Wait for a child; *status gets the exit code, or 128 + signal. */
int sva_waitpid(int pid, int *status);
/* Sleep in virtual time off the CPU; returns 0 (a kill ends the thread inside). */
int sva_nanosleep(uint64_t ns);
/* Spin for @ns of virtual time without leaving the CPU (polling). */
void sva_spin(uint64_t ns);
int sva_signal(int sig, sva_sig_handler handler, void *arg);
/* exit_group(): every thread of the process ends. */
SVA_NORETURN void sva_exit(int code);
/* This thread only; the process ends with its last thread. */
SVA_NORETURN void sva_thread_exit_self(int code);

SVA_API_END
#endif /* SVA_GUEST_H */
