// SPDX-License-Identifier: MIT
/*
 * The program's view of SIGSEGV, SIGILL and SIGBUS under the trap layer.
 *
 * The kernel always runs the trap layer's handler for these three; what
 * the program asked for is kept here and handed back:
 *
 *  - dispositions: sigaction() and the glibc wrappers that reach the
 *    kernel without going through the public sigaction symbol (signal,
 *    bsd_signal, ssignal, sysv_signal, __sysv_signal, sigset, siginterrupt,
 *    sigignore) record the program's action and return the previous one
 *    exactly as glibc + Linux would (SA_RESTORER and glibc's restorer in
 *    the flags, SIGKILL/SIGSTOP dropped from the mask, unknown flag bits
 *    cleared).  The real action keeps the program's SA_RESTART and
 *    SA_ONSTACK, so a system call interrupted by a sent SIGSEGV and the
 *    stack a handler runs on are as the program chose.
 *  - masks: the kernel kills a thread that faults with the signal blocked
 *    (it forces the default action), and a thread that blocks everything
 *    - common for worker threads - would die at its first ENQCMD.  So
 *    sigprocmask/pthread_sigmask never really block the three; each
 *    thread's "blocked as far as the program knows" bits live in
 *    trap_shadow, are added back to every mask the program reads, and a
 *    genuine fault on a shadow-blocked signal gets the kernel's treatment
 *    (death by that signal).
 *
 * Delivery to the program (trap_deliver) is what the kernel's
 * signal-delivery path does: SA_RESETHAND, the handler's mask plus the
 * signal unless SA_NODEFER, the siginfo and the ucontext; the default
 * action or a forced one kills the process with that very signal (its
 * status says so, core dump included), by queueing the siginfo to this
 * thread with the default action restored, so that it is delivered the
 * moment the trap handler returns.
 */
#include <assert.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload.h"
#include "trap.h"

#define TRAP_NSIG	3	/* SIGILL, SIGBUS, SIGSEGV */

#ifndef SA_RESTORER
#define SA_RESTORER	0x04000000	/* set by glibc on every sigaction; queries report it */
#endif

/* Flags the kernel keeps (it clears the others since Linux 5.11). */
#define TRAP_KNOWN_FLAGS (SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | \
			  SA_RESTART | SA_NODEFER | SA_RESETHAND | SA_RESTORER)

typedef int sigaction_fn(int, const struct sigaction *, struct sigaction *);
typedef int sigmask_fn(int, const sigset_t *, sigset_t *);
typedef void longjmp_fn(struct __jmp_buf_tag *, int);

/*
 * Process-wide by nature (see preload.h): the kernel's dispositions are
 * per process, so the program's recorded ones are too.
 */
static struct {
	int installed;			/* under sva native, handler in place */
	sigaction_fn *real_sigaction;
	sigmask_fn *real_sigprocmask, *real_pthread_sigmask;
	longjmp_fn *real_siglongjmp, *real_longjmp, *real__longjmp, *real_longjmp_chk;
	void (*restorer)(void);		/* glibc's, as queries report it */
	atomic_flag lock;		/* held with every signal blocked */
	struct sigaction prog[TRAP_NSIG];
	/*
	 * siginterrupt(sig, 1) was called (bit sig - 1).  Both it and signal()
	 * are interposed for every signal, so this replaces glibc's own record.
	 */
	_Atomic uint64_t sigintr;
} trap;

/* This thread's program-view blocked bits (1 << trap_index(sig)). */
static __thread __attribute__((tls_model("initial-exec"))) unsigned trap_shadow;

void trap_signal_handler(int sig, siginfo_t *info, void *ucv);

static int trap_index(int sig)
{
	switch (sig) {
	case SIGILL: return 0;
	case SIGBUS: return 1;
	case SIGSEGV: return 2;
	default: return -1;
	}
}

static const int trap_sigs[TRAP_NSIG] = { SIGILL, SIGBUS, SIGSEGV };

int trap_owned_signal(int sig)
{
	return trap_index(sig) >= 0;
}

static void resolve(void)
{
	if (!trap.real_sigaction) {
		trap.real_sigprocmask = (sigmask_fn *)dlsym(RTLD_NEXT, "sigprocmask");
		trap.real_pthread_sigmask = (sigmask_fn *)dlsym(RTLD_NEXT, "pthread_sigmask");
		trap.real_siglongjmp = (longjmp_fn *)dlsym(RTLD_NEXT, "siglongjmp");
		trap.real_longjmp = (longjmp_fn *)dlsym(RTLD_NEXT, "longjmp");
		trap.real__longjmp = (longjmp_fn *)dlsym(RTLD_NEXT, "_longjmp");
		trap.real_longjmp_chk = (longjmp_fn *)dlsym(RTLD_NEXT, "__longjmp_chk");
		trap.real_sigaction = (sigaction_fn *)dlsym(RTLD_NEXT, "sigaction");
	}
}

static unsigned shadow_bits(const sigset_t *set)
{
	unsigned bits = 0;

	for (int i = 0; i < TRAP_NSIG; i++)
		if (sigismember(set, trap_sigs[i]) == 1)
			bits |= 1u << i;
	return bits;
}

static void strip(sigset_t *set)
{
	for (int i = 0; i < TRAP_NSIG; i++)
		sigdelset(set, trap_sigs[i]);
}

static void add_shadow(sigset_t *set, unsigned bits)
{
	for (int i = 0; i < TRAP_NSIG; i++)
		if (bits & (1u << i))
			sigaddset(set, trap_sigs[i]);
}

/* Take the table's lock with every signal blocked (a handler on this thread may want it). */
static void table_lock(sigset_t *saved)
{
	sigset_t all;

	sigfillset(&all);
	trap.real_pthread_sigmask(SIG_SETMASK, &all, saved);
	while (atomic_flag_test_and_set_explicit(&trap.lock, memory_order_acquire))
		;
}

static void table_unlock(const sigset_t *saved)
{
	atomic_flag_clear_explicit(&trap.lock, memory_order_release);
	trap.real_pthread_sigmask(SIG_SETMASK, saved, NULL);
}

/* The handler the kernel runs, with the program's SA_RESTART and SA_ONSTACK. */
static int install_real(int sig, int prog_flags)
{
	struct sigaction ours = { 0 };

	ours.sa_sigaction = trap_signal_handler;
	ours.sa_flags = SA_SIGINFO | (prog_flags & (SA_RESTART | SA_ONSTACK));
	/* Our three stay blocked while the handler emulates: a fault in the emulator is fatal. */
	sigemptyset(&ours.sa_mask);
	for (int i = 0; i < TRAP_NSIG; i++)
		sigaddset(&ours.sa_mask, trap_sigs[i]);
	return trap.real_sigaction(sig, &ours, NULL);
}

/* What the kernel stores of @act, as a later query returns it through glibc. */
static void normalise(struct sigaction *act)
{
	sigset_t mask;

	act->sa_flags = (act->sa_flags | SA_RESTORER) & TRAP_KNOWN_FLAGS;
	act->sa_restorer = trap.restorer;
	sigemptyset(&mask);
	for (int s = 1; s < 65; s++)
		if (s != SIGKILL && s != SIGSTOP && sigismember(&act->sa_mask, s) == 1)
			sigaddset(&mask, s);
	act->sa_mask = mask;
}

/* Record (and report) the program's action for one of the three. */
static int prog_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	int i = trap_index(sig);
	struct sigaction prev, next;
	sigset_t saved;
	int ret = 0;

	if (act)
		next = *act;
	table_lock(&saved);
	prev = trap.prog[i];
	if (act) {
		normalise(&next);
		trap.prog[i] = next;
		ret = install_real(sig, next.sa_flags);
	}
	table_unlock(&saved);
	if (old)
		*old = prev;
	return ret;
}

NATIVE_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	resolve();
	if (!trap.installed || !trap_owned_signal(sig))
		return trap.real_sigaction(sig, act, old);
	return prog_sigaction(sig, act, old);
}

NATIVE_EXPORT int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);
int __sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return sigaction(sig, act, old);
}

/* ---- the glibc wrappers that call the kernel directly ----------------- */

static int bad_signal(int sig)
{
	return sig <= 0 || sig >= NSIG;
}

/* glibc's simple interfaces: @handler with @flags, masking @sig in it when @mask_self. */
static sighandler_t set_handler(int sig, sighandler_t handler, int flags, int mask_self)
{
	struct sigaction act = { 0 }, old;

	if (handler == SIG_ERR || bad_signal(sig)) {
		errno = EINVAL;
		return SIG_ERR;
	}
	act.sa_handler = handler;
	sigemptyset(&act.sa_mask);
	if (mask_self)
		sigaddset(&act.sa_mask, sig);
	act.sa_flags = flags;
	if (sigaction(sig, &act, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

/* BSD semantics (glibc's signal): the signal masked in its handler, SA_RESTART unless siginterrupt. */
NATIVE_EXPORT sighandler_t bsd_signal(int sig, sighandler_t handler);
sighandler_t bsd_signal(int sig, sighandler_t handler)
{
	int intr = !bad_signal(sig) && (trap.sigintr & (1ull << (sig - 1)));

	return set_handler(sig, handler, intr ? 0 : SA_RESTART, 1);
}

NATIVE_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	return bsd_signal(sig, handler);
}

NATIVE_EXPORT sighandler_t ssignal(int sig, sighandler_t handler)
{
	return bsd_signal(sig, handler);
}

/* System V semantics: one shot, not masked in its handler, no restart. */
NATIVE_EXPORT sighandler_t sysv_signal(int sig, sighandler_t handler)
{
	return set_handler(sig, handler, SA_RESETHAND | SA_NODEFER, 0);
}

NATIVE_EXPORT sighandler_t __sysv_signal(int sig, sighandler_t handler)
{
	return sysv_signal(sig, handler);
}

NATIVE_EXPORT int sigignore(int sig)
{
	struct sigaction act = { 0 };

	act.sa_handler = SIG_IGN;
	sigemptyset(&act.sa_mask);
	return sigaction(sig, &act, NULL);
}

NATIVE_EXPORT int siginterrupt(int sig, int flag)
{
	struct sigaction act;

	if (bad_signal(sig)) {
		errno = EINVAL;
		return -1;
	}
	if (sigaction(sig, NULL, &act) < 0)
		return -1;
	if (flag)
		act.sa_flags &= ~SA_RESTART;
	else
		act.sa_flags |= SA_RESTART;
	if (flag)
		trap.sigintr |= 1ull << (sig - 1);
	else
		trap.sigintr &= ~(1ull << (sig - 1));
	return sigaction(sig, &act, NULL);
}

/* sigset: a disposition and an unblock, or SIG_HOLD to block; SIG_HOLD back when it was blocked. */
NATIVE_EXPORT sighandler_t sigset(int sig, sighandler_t disp)
{
	sigset_t set, old;
	struct sigaction act = { 0 }, prev;

	if (bad_signal(sig) || disp == SIG_ERR) {
		errno = EINVAL;
		return SIG_ERR;
	}
	sigemptyset(&set);
	sigaddset(&set, sig);
	if (disp == SIG_HOLD) {
		if (sigprocmask(SIG_BLOCK, &set, &old) < 0 || sigaction(sig, NULL, &prev) < 0)
			return SIG_ERR;
		return sigismember(&old, sig) ? SIG_HOLD : prev.sa_handler;
	}
	act.sa_handler = disp;
	sigemptyset(&act.sa_mask);
	if (sigaction(sig, &act, &prev) < 0 || sigprocmask(SIG_UNBLOCK, &set, &old) < 0)
		return SIG_ERR;
	return sigismember(&old, sig) ? SIG_HOLD : prev.sa_handler;
}

/* ---- masks ------------------------------------------------------------ */

static int prog_sigmask(sigmask_fn *real, int how, const sigset_t *set, sigset_t *old)
{
	unsigned before = trap_shadow, after = before;
	sigset_t copy;
	int ret;

	if (!set)
		goto query;
	copy = *set;
	switch (how) {
	case SIG_BLOCK:
		after = before | shadow_bits(set);
		strip(&copy);
		break;
	case SIG_UNBLOCK:
		/* A real block the program made another way (raw syscall, a handler's mask) goes too. */
		after = before & ~shadow_bits(set);
		break;
	case SIG_SETMASK:
		after = shadow_bits(set);
		strip(&copy);
		break;
	default:
		break;	/* the real call says EINVAL */
	}
	set = &copy;
query:
	ret = real(how, set, old);
	if (ret == 0) {
		if (old)
			add_shadow(old, before);
		trap_shadow = after;
	}
	return ret;
}

NATIVE_EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	resolve();
	if (!trap.installed)
		return trap.real_sigprocmask(how, set, old);
	return prog_sigmask(trap.real_sigprocmask, how, set, old);
}

NATIVE_EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	resolve();
	if (!trap.installed)
		return trap.real_pthread_sigmask(how, set, old);
	return prog_sigmask(trap.real_pthread_sigmask, how, set, old);
}

/*
 * siglongjmp restores the mask sigsetjmp saved (through glibc's internal
 * call, which never reaches the interposer): the shadow follows it.
 * longjmp and _longjmp are the same function in glibc.
 */
static __attribute__((noreturn)) void jump(longjmp_fn *real, struct __jmp_buf_tag *env, int val)
{
	if (trap.installed && env->__mask_was_saved)
		trap_shadow = shadow_bits(&env->__saved_mask);
	real(env, val);
	__builtin_unreachable();
}

NATIVE_EXPORT __attribute__((noreturn)) void siglongjmp(sigjmp_buf env, int val)
{
	resolve();
	jump(trap.real_siglongjmp, env, val);
}

NATIVE_EXPORT __attribute__((noreturn)) void longjmp(jmp_buf env, int val)
{
	resolve();
	jump(trap.real_longjmp, env, val);
}

NATIVE_EXPORT __attribute__((noreturn)) void _longjmp(jmp_buf env, int val)
{
	resolve();
	jump(trap.real__longjmp, env, val);
}

/* What _FORTIFY_SOURCE builds call instead of longjmp/siglongjmp. */
NATIVE_EXPORT __attribute__((noreturn)) void __longjmp_chk(struct __jmp_buf_tag *env, int val);
void __longjmp_chk(struct __jmp_buf_tag *env, int val)
{
	resolve();
	jump(trap.real_longjmp_chk, env, val);
}

/* ---- delivery ---------------------------------------------------------- */

/*
 * The process dies of @sig: the default action back in place, @info
 * queued to this thread, @sig unblocked in the context the handler
 * returns to.  The kernel delivers it on the way out of the handler.
 */
static void die_of(int sig, siginfo_t *info, ucontext_t *uc)
{
	struct sigaction dfl = { 0 };
	sigset_t saved;
	int i = trap_index(sig);

	dfl.sa_handler = SIG_DFL;
	table_lock(&saved);
	trap.prog[i] = dfl;
	normalise(&trap.prog[i]);
	trap.real_sigaction(sig, &dfl, NULL);
	table_unlock(&saved);
	sigdelset(&uc->uc_sigmask, sig);
	if (syscall(SYS_rt_tgsigqueueinfo, (long)getpid(), (long)syscall(SYS_gettid),
		    (long)sig, info) < 0)
		syscall(SYS_tgkill, (long)getpid(), (long)syscall(SYS_gettid), (long)sig);
}

void trap_deliver(int sig, siginfo_t *info, ucontext_t *uc)
{
	int i = trap_index(sig);
	int fault = info->si_code > 0;	/* raised by the CPU/kernel, not sent */
	struct sigaction act;
	sigset_t saved, mask;
	int saved_errno = errno;

	assert(i >= 0);
	table_lock(&saved);
	act = trap.prog[i];
	if (act.sa_handler != SIG_DFL && act.sa_handler != SIG_IGN &&
	    !(fault && (trap_shadow & (1u << i))) && (act.sa_flags & SA_RESETHAND)) {
		trap.prog[i].sa_handler = SIG_DFL;	/* the kernel changes the handler only */
	}
	table_unlock(&saved);

	/* The kernel forces the default action on a fault that is blocked or ignored. */
	if (act.sa_handler == SIG_DFL || (fault && (act.sa_handler == SIG_IGN ||
						    (trap_shadow & (1u << i))))) {
		die_of(sig, info, uc);
		return;
	}
	if (act.sa_handler == SIG_IGN)
		return;

	/* The handler's context: the interrupted mask as the program sees it ... */
	add_shadow(&uc->uc_sigmask, trap_shadow);
	/* ... and while it runs, that plus its sa_mask and the signal itself. */
	mask = uc->uc_sigmask;
	for (int s = 1; s < 65; s++)
		if (sigismember(&act.sa_mask, s) == 1)
			sigaddset(&mask, s);
	if (!(act.sa_flags & SA_NODEFER))
		sigaddset(&mask, sig);
	trap_shadow = shadow_bits(&mask);
	strip(&mask);
	trap.real_pthread_sigmask(SIG_SETMASK, &mask, NULL);

	errno = saved_errno;
	act.sa_sigaction(sig, info, uc);

	/* Back from it: sigreturn will install uc_sigmask, which the handler may have changed. */
	trap_shadow = shadow_bits(&uc->uc_sigmask);
	strip(&uc->uc_sigmask);
}

void trap_raise_gp(ucontext_t *uc)
{
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	info.si_signo = SIGSEGV;
	info.si_code = SI_KERNEL;
	info.si_addr = NULL;
	trap_deliver(SIGSEGV, &info, uc);
}

void trap_raise_pf(ucontext_t *uc, uint64_t addr)
{
	siginfo_t info;
	unsigned char vec;
	void *page = (void *)(uintptr_t)(addr & ~(uint64_t)4095);

	memset(&info, 0, sizeof(info));
	info.si_signo = SIGSEGV;
	/* mincore fails with ENOMEM exactly where nothing is mapped. */
	info.si_code = mincore(page, 4096, &vec) < 0 && errno == ENOMEM ? SEGV_MAPERR : SEGV_ACCERR;
	info.si_addr = (void *)(uintptr_t)addr;
	trap_deliver(SIGSEGV, &info, uc);
}

/* ---- installation -------------------------------------------------------- */

/* Only under sva native (root.c's constructor, priority 101, has run). */
__attribute__((constructor)) static void trap_install(void)
{
	struct sigaction cur;

	resolve();
	if (!native_root())
		return;
	for (int i = 0; i < TRAP_NSIG; i++) {
		/* What the program starts with: SIG_DFL, or SIG_IGN inherited across exec. */
		trap.real_sigaction(trap_sigs[i], NULL, &trap.prog[i]);
		if (install_real(trap_sigs[i], 0) < 0)
			return;
	}
	trap.real_sigaction(SIGSEGV, NULL, &cur);
	trap.restorer = cur.sa_restorer;
	trap.installed = 1;
}
