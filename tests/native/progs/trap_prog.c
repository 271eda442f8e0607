// SPDX-License-Identifier: MIT
/*
 * A program run with the trap layer preloaded (tests/native/CMakeLists.txt):
 * `trap_prog CASE` runs one case and exits 0, or dies the way the case
 * expects (trap_runner.c checks which).  The instructions are .byte
 * encodings, as DSA programs write them (bytes from GNU as).  Portals are
 * pages this program maps PROT_NONE and names to the test double.
 */
#include <asm/prctl.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include <x86intrin.h>

#include "prog.h"
#include "trap_double.h"

/* siginterrupt and sigset are deprecated, and programs still call them. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

/* An address the compiler cannot see through. */
static volatile uintptr_t low_addr;

static volatile int *bad_ptr(uintptr_t a)
{
	low_addr = a;
	return (volatile int *)low_addr;
}


enum { K_ENQCMD, K_ENQCMDS, K_MOVDIR64B };	/* enum native_submit_kind */

static void (*add_portal)(void *, size_t);
static size_t (*dcount)(void);
static int (*dget)(size_t, struct trap_double_rec *);

static void bind_double(void)
{
	add_portal = (void (*)(void *, size_t))dlsym(RTLD_DEFAULT, "trap_double_add_portal");
	dcount = (size_t (*)(void))dlsym(RTLD_DEFAULT, "trap_double_count");
	dget = (int (*)(size_t, struct trap_double_rec *))dlsym(RTLD_DEFAULT, "trap_double_get");
	CHECK(add_portal && dcount && dget);
}

static char *new_portal(int flags)
{
	char *p = map(4096, PROT_NONE, flags);

	add_portal(p, 4096);
	return p;
}

static void fill(uint8_t *d, uint8_t seed, uint8_t last)
{
	for (int i = 0; i < 64; i++)
		d[i] = (uint8_t)(seed + i * 7);
	d[63] = last;
}

/* The last record is @n-th, to @portal, of @kind, with @desc's bytes. */
static void expect_rec(size_t n, const void *portal, int kind, const uint8_t *desc)
{
	struct trap_double_rec r;

	CHECK(dcount() == n);
	CHECK(dget(n - 1, &r));
	CHECK(r.portal == (uint64_t)(uintptr_t)portal);
	CHECK(r.kind == kind);
	CHECK(memcmp(r.desc, desc, 64) == 0);
}

#define EXPECT_SIGNAL(stmt, sig, code, addr) do {			\
	got_sig = 0;							\
	if (!sigsetjmp(jb, 1)) {					\
		stmt;							\
		CHECK(!"no signal");					\
	}								\
	CHECK(got_sig == (sig));					\
	CHECK(got_code == (code));					\
	CHECK(got_addr == (void *)(addr));				\
} while (0)

/* ---- the instructions --------------------------------------------------- */

/* enqcmd (%rdx),%rax; ZF back; CF before is set, *cf says what it is after. */
static int enqcmd_rdx_rax(void *portal, const void *src, int *cf)
{
	uint8_t zf, c;

	__asm__ volatile("stc\n\t.byte 0xf2,0x0f,0x38,0xf8,0x02\n\tsetz %0\n\tsetc %1"
			 : "=q"(zf), "=q"(c) : "a"(portal), "d"(src) : "memory", "cc");
	if (cf)
		*cf = c;
	return zf;
}

static int enqcmd(void *portal, const void *src)
{
	return enqcmd_rdx_rax(portal, src, NULL);
}

/* enqcmd (%r11),%r9 */
static int enqcmd_r11_r9(void *portal, const void *src)
{
	register void *r9 __asm__("r9") = portal;
	register const void *r11 __asm__("r11") = src;
	uint8_t zf;

	__asm__ volatile(".byte 0xf2,0x45,0x0f,0x38,0xf8,0x0b\n\tsetz %0"
			 : "=q"(zf) : "r"(r9), "r"(r11) : "memory", "cc");
	return zf;
}

/* enqcmd 0x40(%rsp),%rdi, with RSP moved into a scratch area for the occasion. */
static _Alignas(64) uint8_t scratch[64 * 1024];

static int enqcmd_rsp(void *portal, const void *desc)
{
	uint8_t *sp = scratch + 48 * 1024;
	uint8_t zf;

	memcpy(sp + 0x40, desc, 64);
	__asm__ volatile("mov %%rsp, %%r12\n\tmov %2, %%rsp\n\t"
			 ".byte 0xf2,0x0f,0x38,0xf8,0x7c,0x24,0x40\n\t"
			 "setz %0\n\tmov %%r12, %%rsp"
			 : "=q"(zf) : "D"(portal), "r"(sp) : "r12", "memory", "cc");
	return zf;
}

/* enqcmd trap_rip_desc(%rip),%rax */
static _Alignas(64) uint8_t rip_desc[64] __asm__("trap_rip_desc") __attribute__((used));

static int enqcmd_rip(void *portal)
{
	uint8_t zf;

	__asm__ volatile(".byte 0xf2,0x0f,0x38,0xf8,0x05\n\t.long trap_rip_desc - . - 4\n\tsetz %0"
			 : "=q"(zf) : "a"(portal) : "memory", "cc");
	return zf;
}

static void enqcmds(void *portal, const void *src)
{
	__asm__ volatile(".byte 0xf3,0x0f,0x38,0xf8,0x02" : : "a"(portal), "d"(src) : "memory", "cc");
}

/* movdir64b (%rdx),%rax; CF set before, returned after */
static int movdir64b(void *portal, const void *src)
{
	uint8_t c;

	__asm__ volatile("stc\n\t.byte 0x66,0x0f,0x38,0xf8,0x02\n\tsetc %0"
			 : "=q"(c) : "a"(portal), "d"(src) : "memory", "cc");
	return c;
}

/* movdir64b 0x10(%r12),%r10 */
static void movdir64b_r12_r10(void *portal, const void *src)
{
	register void *r10 __asm__("r10") = portal;
	register uintptr_t r12 __asm__("r12") = (uintptr_t)src - 0x10;

	__asm__ volatile(".byte 0x66,0x45,0x0f,0x38,0xf8,0x54,0x24,0x10"
			 : : "r"(r10), "r"(r12) : "memory");
}

static void umonitor(const volatile void *p)
{
	__asm__ volatile(".byte 0xf3,0x0f,0xae,0xf0" : : "a"(p) : "memory");
}

/* umonitor %r9 */
static void umonitor_r9(const volatile void *p)
{
	register const volatile void *r9 __asm__("r9") = p;

	__asm__ volatile(".byte 0xf3,0x41,0x0f,0xae,0xf1" : : "r"(r9) : "memory");
}

#define STATUS_FLAGS 0x8d5ul	/* CF PF AF ZF SF OF */

/* umwait %ecx with EDX:EAX = @deadline; CF back, *flags = the status flags after. */
static int umwait(uint32_t ctl, uint64_t deadline, unsigned long *flags)
{
	unsigned long fl;

	/* cmp sets ZF and PF first, so that clearing them shows. */
	__asm__ volatile("cmp %%eax, %%eax\n\t.byte 0xf2,0x0f,0xae,0xf1\n\tpushfq\n\tpopq %0"
			 : "=r"(fl) : "c"(ctl), "a"((uint32_t)deadline), "d"((uint32_t)(deadline >> 32))
			 : "memory", "cc");
	if (flags)
		*flags = fl & STATUS_FLAGS;
	return fl & 1;
}

/* tpause %ebx */
static int tpause(uint32_t ctl, uint64_t deadline)
{
	uint8_t c;

	__asm__ volatile(".byte 0x66,0x0f,0xae,0xf3\n\tsetc %0"
			 : "=q"(c) : "b"(ctl), "a"((uint32_t)deadline), "d"((uint32_t)(deadline >> 32))
			 : "memory", "cc");
	return c;
}

/* ---- cases ------------------------------------------------------------- */

static _Alignas(64) uint8_t desc[64];

/* Every addressing form GNU as produces for ENQCMD; ZF both ways; flags. */
static void case_enqcmd_forms(void)
{
	char *portal = new_portal(0), *low_portal = new_portal(MAP_32BIT);
	uint8_t *low_src = (uint8_t *)map(4096, PROT_READ | PROT_WRITE, MAP_32BIT);
	size_t n = 0;
	int cf;

	fill(desc, 1, 0);
	CHECK(enqcmd_rdx_rax(portal, desc, &cf) == 0);
	CHECK(cf == 0);
	expect_rec(++n, portal, K_ENQCMD, desc);
	fill(desc, 2, 'R');
	CHECK(enqcmd_rdx_rax(portal + 64, desc, &cf) == 1);
	CHECK(cf == 0);
	expect_rec(++n, portal + 64, K_ENQCMD, desc);

	for (int i = 0; i < 4; i++) {
		static int (*const form[4])(void *, const void *) = {
			enqcmd_r11_r9, enqcmd_sib_disp32, enqcmd_r13_r14_disp8, enqcmd_rsp,
		};
		char *to = portal + 64 * (i * 21 % 64);
		int retry = i & 1;

		fill(desc, (uint8_t)(3 + i), retry ? 'R' : 0);
		CHECK(form[i](to, desc) == retry);
		expect_rec(++n, to, K_ENQCMD, desc);
	}

	fill(low_src + 100, 7, 0);	/* the source need not be aligned */
	CHECK(enqcmd_addr32(low_portal, low_src + 100) == 0);
	expect_rec(++n, low_portal, K_ENQCMD, low_src + 100);
	fill(rip_desc, 8, 'R');
	CHECK(enqcmd_rip(portal) == 1);
	expect_rec(++n, portal, K_ENQCMD, rip_desc);
	fill(tls_desc, 9, 0);
	CHECK(enqcmd_fs(portal) == 0);
	expect_rec(++n, portal, K_ENQCMD, tls_desc);
}

static void case_movdir64b(void)
{
	char *portal = new_portal(0);

	fill(desc, 10, 'R');	/* no answer from a posted store: 'R' means nothing */
	CHECK(movdir64b(portal, desc) == 1);	/* RFLAGS untouched */
	expect_rec(1, portal, K_MOVDIR64B, desc);
	fill(desc, 11, 0);
	movdir64b_r12_r10(portal + 64, desc);
	expect_rec(2, portal + 64, K_MOVDIR64B, desc);
}

/* #GP cases: the program's SIGSEGV handler sees SI_KERNEL at address 0, nothing is submitted. */
static void case_gp(void)
{
	char *portal = new_portal(0);

	catch(SIGSEGV, 0);
	fill(desc, 12, 0);
	EXPECT_SIGNAL(enqcmd(portal + 8, desc), SIGSEGV, SI_KERNEL, NULL);
	EXPECT_SIGNAL(movdir64b(portal + 32, desc), SIGSEGV, SI_KERNEL, NULL);
	EXPECT_SIGNAL(enqcmds(portal, desc), SIGSEGV, SI_KERNEL, NULL);
	fill(desc, 13, 'P');	/* the model refuses the enqueue store */
	EXPECT_SIGNAL(enqcmd(portal, desc), SIGSEGV, SI_KERNEL, NULL);
	CHECK(dcount() == 1);
	EXPECT_SIGNAL(enqcmd(portal, (void *)0x8000000000000000ull), SIGSEGV, SI_KERNEL, NULL);
	CHECK(dcount() == 1);
}

/* An unreadable descriptor: #PF at the first unreadable byte, for ENQCMD and MOVDIR64B alike. */
static void case_bad_source(void)
{
	char *portal = new_portal(0);
	char *pages = map(3 * 4096, PROT_READ | PROT_WRITE, 0);
	char *none = pages + 4096, *gone = pages + 2 * 4096;

	CHECK(mprotect(none, 4096, PROT_NONE) == 0);
	CHECK(munmap(gone, 4096) == 0);
	catch(SIGSEGV, 0);
	EXPECT_SIGNAL(enqcmd(portal, none + 8), SIGSEGV, SEGV_ACCERR, none + 8);
	EXPECT_SIGNAL(enqcmd(portal, none - 10), SIGSEGV, SEGV_ACCERR, none);
	EXPECT_SIGNAL(enqcmd(portal, gone), SIGSEGV, SEGV_MAPERR, gone);
	EXPECT_SIGNAL(movdir64b(portal, none - 10), SIGSEGV, SEGV_ACCERR, none);
	EXPECT_SIGNAL(movdir64b(portal, gone + 5), SIGSEGV, SEGV_MAPERR, gone + 5);
	CHECK(dcount() == 0);
}

/* An ENQCMD whose destination is no portal is not the trap layer's. */
static void case_not_portal(void)
{
	char *page = map(4096, PROT_NONE, 0);

	catch(SIGILL, 0);
	catch(SIGSEGV, 0);
	fill(desc, 14, 0);
	got_sig = 0;
	if (!sigsetjmp(jb, 1))
		enqcmd(page, desc);
	/* #UD where the CPU lacks ENQCMD, #GP or #PF where it has it: never emulated. */
	CHECK(got_sig == SIGILL || got_sig == SIGSEGV);
	CHECK(dcount() == 0);
}

static uint64_t tsc(void)
{
	return __rdtsc();
}

static void case_umwait(void)
{
	static _Alignas(64) volatile uint8_t line[64];
	unsigned long flags;
	uint64_t t0, t1;

	/* No monitor armed: no wait, CF=0, status flags cleared. */
	t0 = tsc();
	CHECK(umwait(0, t0 + 1000000000ull, &flags) == 0);
	CHECK(flags == 0);

	/* Deadline before the OS limit (100000 TSC cycles): CF=0, and the deadline did pass. */
	umonitor(line);
	t0 = tsc();
	CHECK(umwait(1, t0 + 20000, &flags) == 0);
	CHECK(flags == 0);
	CHECK(tsc() >= t0 + 20000);

	/* Deadline far away: the OS limit ends it, CF=1. */
	umonitor_r9(line + 5);
	t0 = tsc();
	CHECK(umwait(0, t0 + 100000000000ull, &flags) == 1);
	CHECK(flags == 1);
	t1 = tsc();
	CHECK(t1 - t0 >= 100000);
	CHECK(t1 - t0 < 100000000000ull);

	/* Reserved control bits: #GP. */
	catch(SIGSEGV, 0);
	EXPECT_SIGNAL(umwait(2, 0, NULL), SIGSEGV, SI_KERNEL, NULL);
	EXPECT_SIGNAL(tpause(0x80000000u, 0), SIGSEGV, SI_KERNEL, NULL);
}

static volatile uint8_t *wake_line;
static volatile int writer_delay_us;

static void *writer(void *arg)
{
	(void)arg;
	if (writer_delay_us)
		usleep((useconds_t)writer_delay_us);
	wake_line[7] = 1;
	return NULL;
}

/* Another thread stores to the monitored line: UMWAIT ends with CF=0. */
static void case_umwait_wake(void)
{
	static _Alignas(64) volatile uint8_t line[64];
	pthread_t t;
	uint64_t t0;
	int loops = 0;

	/* The store lands between UMONITOR and UMWAIT: no wait at all. */
	wake_line = line;
	umonitor(line);
	CHECK(pthread_create(&t, NULL, writer, NULL) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	t0 = tsc();
	CHECK(umwait(0, t0 + 100000000000ull, NULL) == 0);
	CHECK(tsc() - t0 < 100000000ull);

	/* The store comes 2 ms later, while the program waits as dsa_test does. */
	line[7] = 0;
	writer_delay_us = 2000;
	CHECK(pthread_create(&t, NULL, writer, NULL) == 0);
	while (line[7] == 0) {
		umonitor(line);
		if (line[7] != 0)
			break;
		umwait(0, tsc() + 100000000000ull, NULL);
		CHECK(++loops < 1000000);
	}
	CHECK(pthread_join(t, NULL) == 0);
}

static void case_tpause(void)
{
	uint64_t t0 = tsc();

	CHECK(tpause(0, t0 + 30000) == 0);
	CHECK(tsc() >= t0 + 30000);
	t0 = tsc();
	CHECK(tpause(1, t0 + 100000000000ull) == 1);
	CHECK(tsc() - t0 >= 100000);
}

static void case_umonitor_fault(void)
{
	char *none = map(4096, PROT_NONE, 0);

	catch(SIGSEGV, 0);
	EXPECT_SIGNAL(umonitor(none + 77), SIGSEGV, SEGV_ACCERR, none + 77);
}

/* ---- the program's own signals -------------------------------------------- */

/* A NULL dereference with no handler: death by SIGSEGV. */
static void case_null(void)
{
	volatile int *p = bad_ptr(0);

	*p = 1;
}

/* The same with SIGSEGV ignored: the kernel forces the default. */
static void case_null_ignored(void)
{
	volatile int *p = bad_ptr(0);

	CHECK(signal(SIGSEGV, SIG_IGN) == SIG_DFL);
	*p = 1;
}

/* ... and with SIGSEGV blocked by the program: the same. */
static void case_null_blocked(void)
{
	volatile int *p = bad_ptr(0);
	sigset_t s;

	catch(SIGSEGV, 0);
	sigemptyset(&s);
	sigaddset(&s, SIGSEGV);
	CHECK(sigprocmask(SIG_BLOCK, &s, NULL) == 0);
	*p = 1;
}

static volatile int forever = 1;

static int recurse(int n)
{
	volatile char pad[4096];

	pad[0] = (char)n;
	return (forever ? recurse(n + 1) : 0) + pad[0];
}

/* A stack overflow still kills, even with a SIGSEGV handler but no sigaltstack. */
static void case_stack_overflow(void)
{
	catch(SIGSEGV, 0);
	recurse(0);
}

/* The program's handler gets its own faults, again after siglongjmp, with the right addresses. */
static void case_own_segv(void)
{
	char *none = map(4096, PROT_NONE, 0);
	sigset_t now;

	catch(SIGSEGV, 0);
	for (int i = 0; i < 3; i++) {
		EXPECT_SIGNAL(*bad_ptr(0x10) = 1, SIGSEGV, SEGV_MAPERR, 0x10);
		EXPECT_SIGNAL(*(volatile char *)(none + 100) = 1, SIGSEGV, SEGV_ACCERR, none + 100);
	}
	CHECK(sigprocmask(SIG_BLOCK, NULL, &now) == 0);
	CHECK(!sigismember(&now, SIGSEGV));
}

static void skip_ud2(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	record(sig, si, uc);
	uc->uc_mcontext.gregs[REG_RIP] += 2;
}

static void case_own_sigill(void)
{
	struct sigaction sa = { 0 };
	uintptr_t at;

	sa.sa_sigaction = skip_ud2;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGILL, &sa, NULL) == 0);
	for (int i = 0; i < 2; i++) {
		got_sig = 0;
		__asm__ volatile("lea 0f(%%rip), %0\n0:\tud2" : "=r"(at));
		CHECK(got_sig == SIGILL);
		CHECK(got_code == ILL_ILLOPN);
		CHECK(got_addr == (void *)at);
		CHECK(got_rip == at);
	}
}

/* A SIGSEGV sent by kill: the handler sees SI_USER; ignored, it is ignored. */
static void case_sent(void)
{
	catch(SIGSEGV, 0);
	got_sig = 0;
	if (!sigsetjmp(jb, 1)) {
		kill(getpid(), SIGSEGV);
		CHECK(!"not delivered");
	}
	CHECK(got_sig == SIGSEGV && got_code == SI_USER);
	CHECK(signal(SIGSEGV, SIG_IGN) != SIG_ERR);
	kill(getpid(), SIGSEGV);
	CHECK(signal(SIGBUS, SIG_IGN) == SIG_DFL);
	kill(getpid(), SIGBUS);
}

static void case_sent_default(void)
{
	kill(getpid(), SIGBUS);
}

/* ---- dispositions as the program set them --------------------------------- */

static void h1(int sig) { (void)sig; }
static void h2(int sig) { (void)sig; }

/* Two actions as glibc + Linux report them, compared field by field. */
static void same_action_at(int line, int owned, int plain)
{
	struct sigaction a, b;

	CHECK(sigaction(owned, NULL, &a) == 0);
	CHECK(sigaction(plain, NULL, &b) == 0);
	CHECK(a.sa_handler == b.sa_handler);
	if (a.sa_flags != b.sa_flags)
		fprintf(stderr, "line %d: signal %d flags %#x, signal %d %#x\n", line, owned,
			(unsigned)a.sa_flags, plain, (unsigned)b.sa_flags);
	CHECK(a.sa_flags == b.sa_flags);
	CHECK(a.sa_restorer == b.sa_restorer);
	for (int s = 1; s < 65; s++)
		if (s != owned && s != plain)
			CHECK(sigismember(&a.sa_mask, s) == sigismember(&b.sa_mask, s));
	/* A handler's own signal in its mask shows as itself. */
	CHECK(sigismember(&a.sa_mask, owned) == sigismember(&b.sa_mask, plain));
}

#define same_action(owned, plain) same_action_at(__LINE__, owned, plain)

/* Each owned signal behaves like a real-time signal the trap layer leaves to the kernel. */
static void case_queries(void)
{
	static const int owned[] = { SIGSEGV, SIGILL, SIGBUS };
	struct sigaction sa = { 0 }, old;

	for (int i = 0; i < 3; i++) {
		int s = owned[i], u = SIGRTMIN + 10 + i;

		same_action(s, u);	/* both SIG_DFL at start */
		CHECK(signal(s, h1) == SIG_DFL);
		CHECK(signal(u, h1) == SIG_DFL);
		same_action(s, u);
		CHECK(sysv_signal(s, h2) == h1);
		CHECK(sysv_signal(u, h2) == h1);
		same_action(s, u);

		sa.sa_handler = h1;
		sa.sa_flags = SA_ONSTACK | SA_NODEFER | 0x400 /* SA_UNSUPPORTED: cleared */;
		sigemptyset(&sa.sa_mask);
		sigaddset(&sa.sa_mask, SIGKILL);	/* dropped by the kernel */
		sigaddset(&sa.sa_mask, SIGUSR2);
		sigaddset(&sa.sa_mask, SIGRTMIN + 3);
		CHECK(sigaction(s, &sa, &old) == 0);
		CHECK(old.sa_handler == h2);
		CHECK(sigaction(u, &sa, NULL) == 0);
		same_action(s, u);

		CHECK(siginterrupt(s, 1) == 0 && siginterrupt(u, 1) == 0);
		same_action(s, u);
		CHECK(signal(s, h2) == h1 && signal(u, h2) == h1);
		same_action(s, u);
		CHECK(siginterrupt(s, 0) == 0 && siginterrupt(u, 0) == 0);
		same_action(s, u);

		CHECK(sigset(s, SIG_HOLD) == h2 && sigset(u, SIG_HOLD) == h2);
		CHECK(sigset(s, SIG_IGN) == SIG_HOLD && sigset(u, SIG_IGN) == SIG_HOLD);
		same_action(s, u);
		CHECK(sigset(s, SIG_DFL) == SIG_IGN && sigset(u, SIG_DFL) == SIG_IGN);
		same_action(s, u);
	}
	CHECK(signal(65, h1) == SIG_ERR && errno == EINVAL);
	CHECK(signal(SIGSEGV, SIG_ERR) == SIG_ERR && errno == EINVAL);
}

/* What a handler sees: SA_RESETHAND done before it runs, its mask, SA_NODEFER. */
static volatile int seen_dfl, seen_self_blocked, seen_usr2_blocked;

static void probe(int sig, siginfo_t *si, void *uc)
{
	struct sigaction now;
	sigset_t mask;

	(void)si;
	(void)uc;
	sigaction(sig, NULL, &now);
	seen_dfl = now.sa_handler == SIG_DFL;
	pthread_sigmask(SIG_BLOCK, NULL, &mask);
	seen_self_blocked = sigismember(&mask, sig);
	seen_usr2_blocked = sigismember(&mask, SIGUSR2);
	siglongjmp(jb, 1);
}

static void run_probe(int sig, int flags, int *dfl, int *self, int *usr2)
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = probe;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	CHECK(sigaction(sig, &sa, NULL) == 0);
	if (!sigsetjmp(jb, 1)) {
		if (sig == SIGSEGV)
			*bad_ptr(0x20) = 1;
		else
			raise(sig);
		CHECK(!"no signal");
	}
	*dfl = seen_dfl;
	*self = seen_self_blocked;
	*usr2 = seen_usr2_blocked;
}

static void case_handler_flags(void)
{
	static const int flags[] = { 0, SA_RESETHAND, SA_NODEFER, SA_RESETHAND | SA_NODEFER };

	for (int i = 0; i < 4; i++) {
		int d1, s1, u1, d2, s2, u2;

		run_probe(SIGSEGV, flags[i], &d1, &s1, &u1);
		run_probe(SIGUSR1, flags[i], &d2, &s2, &u2);
		CHECK(d1 == d2 && s1 == s2 && u1 == u2);
		CHECK(d1 == !!(flags[i] & SA_RESETHAND));
		CHECK(s1 == !(flags[i] & SA_NODEFER));
		CHECK(u1 == 1);
	}
}

/* ---- masks, stacks and threads --------------------------------------------- */

/* A thread that blocks everything still enqueues; the mask it reads back is the one it set. */
static void *blocked_thread(void *portal)
{
	sigset_t all, now;

	sigfillset(&all);
	CHECK(pthread_sigmask(SIG_SETMASK, &all, NULL) == 0);
	fill(desc, 20, 'R');
	CHECK(enqcmd(portal, desc) == 1);
	CHECK(pthread_sigmask(SIG_BLOCK, NULL, &now) == 0);
	CHECK(sigismember(&now, SIGSEGV) && sigismember(&now, SIGILL) && sigismember(&now, SIGBUS));
	CHECK(sigismember(&now, SIGUSR1));
	return NULL;
}

static void case_masks(void)
{
	char *portal = new_portal(0);
	pthread_t t;
	sigset_t s, old;

	CHECK(pthread_create(&t, NULL, blocked_thread, portal) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	expect_rec(1, portal, K_ENQCMD, desc);

	sigemptyset(&s);
	sigaddset(&s, SIGILL);
	CHECK(sigprocmask(SIG_BLOCK, &s, &old) == 0);
	CHECK(!sigismember(&old, SIGILL));
	fill(desc, 22, 0);
	CHECK(enqcmd(portal, desc) == 0);	/* SIGILL "blocked": the CPU would not fault */
	expect_rec(2, portal, K_ENQCMD, desc);
	CHECK(sigprocmask(SIG_UNBLOCK, &s, &old) == 0);
	CHECK(sigismember(&old, SIGILL));
	CHECK(sigprocmask(SIG_SETMASK, NULL, &old) == 0);
	CHECK(!sigismember(&old, SIGILL));
}

/* The program runs its handlers on a small sigaltstack: the model still gets a deep stack. */
static void case_altstack(void)
{
	char *portal = new_portal(0);
	stack_t ss = { 0 };
	struct trap_double_rec r;
	char *alt = map(32 * 1024, PROT_READ | PROT_WRITE, 0);

	ss.ss_sp = alt;
	ss.ss_size = 32 * 1024;
	CHECK(sigaltstack(&ss, NULL) == 0);
	catch(SIGILL, SA_ONSTACK);
	catch(SIGSEGV, SA_ONSTACK);
	fill(desc, 21, 0);
	CHECK(enqcmd(portal, desc) == 0);
	CHECK(movdir64b(portal, desc) == 1);
	CHECK(dget(0, &r));
	CHECK(r.sp < (uintptr_t)alt || r.sp >= (uintptr_t)alt + ss.ss_size);
}

#define PER_THREAD 3000

static char *race_portal;

static void *submitter(void *arg)
{
	uint8_t d[64];
	uint8_t id = (uint8_t)(uintptr_t)arg;

	for (int i = 0; i < PER_THREAD; i++) {
		fill(d, (uint8_t)i, 0);
		d[0] = id;
		memcpy(d + 1, &i, sizeof(i));
		CHECK(enqcmd(race_portal + 64 * id, d) == 0);
	}
	return NULL;
}

/* Two threads enqueue at once: every descriptor arrives whole, in each thread's order. */
static void case_race(void)
{
	pthread_t t[2];
	int next[2] = { 0, 0 };
	struct trap_double_rec r;

	race_portal = new_portal(0);
	for (uintptr_t i = 0; i < 2; i++)
		CHECK(pthread_create(&t[i], NULL, submitter, (void *)i) == 0);
	for (int i = 0; i < 2; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	CHECK(dcount() == 2 * PER_THREAD);
	for (size_t k = 0; k < 2 * PER_THREAD; k++) {
		uint8_t want[64];
		int id, seq;

		CHECK(dget(k, &r));
		id = r.desc[0];
		CHECK(id == 0 || id == 1);
		memcpy(&seq, r.desc + 1, sizeof(seq));
		CHECK(seq == next[id]);
		next[id]++;
		fill(want, (uint8_t)seq, 0);
		want[0] = (uint8_t)id;
		memcpy(want + 1, &seq, sizeof(seq));
		CHECK(memcmp(want, r.desc, 64) == 0);
		CHECK(r.portal == (uint64_t)(uintptr_t)(race_portal + 64 * id));
	}
}

/* ENQCMD to a misaligned portal with SIGSEGV at its default: death by SIGSEGV. */
static void case_gp_default(void)
{
	char *portal = new_portal(0);

	fill(desc, 30, 0);
	enqcmd(portal + 1, desc);
}

static const struct prog_case cases[] = {
	{ "enqcmd_forms", case_enqcmd_forms },
	{ "movdir64b", case_movdir64b },
	{ "gp", case_gp },
	{ "gp_default", case_gp_default },
	{ "bad_source", case_bad_source },
	{ "not_portal", case_not_portal },
	{ "umwait", case_umwait },
	{ "umwait_wake", case_umwait_wake },
	{ "tpause", case_tpause },
	{ "umonitor_fault", case_umonitor_fault },
	{ "null", case_null },
	{ "null_ignored", case_null_ignored },
	{ "null_blocked", case_null_blocked },
	{ "stack_overflow", case_stack_overflow },
	{ "own_segv", case_own_segv },
	{ "own_sigill", case_own_sigill },
	{ "sent", case_sent },
	{ "sent_default", case_sent_default },
	{ "queries", case_queries },
	{ "handler_flags", case_handler_flags },
	{ "masks", case_masks },
	{ "altstack", case_altstack },
	{ "race", case_race },
};

int main(int argc, char **argv)
{
	return prog_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]), bind_double);
}
