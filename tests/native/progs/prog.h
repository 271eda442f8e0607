/* SPDX-License-Identifier: MIT */
/*
 * What the test programs of tests/native/progs share: CHECK, anonymous
 * mappings, a SIGSEGV/SIGILL catcher that records what the program's
 * handler got and jumps back, ENQCMD in addressing forms both use, and
 * main()'s dispatch of a case by name.
 */
#ifndef SVA_TESTS_NATIVE_PROG_H
#define SVA_TESTS_NATIVE_PROG_H

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <asm/prctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK failed: %s\n", \
					__FILE__, __LINE__, #c); exit(2); } } while (0)

static inline char *map(size_t len, int prot, int flags)
{
	char *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	CHECK(p != MAP_FAILED);
	return p;
}

/* ---- the signal the program's handler got ----------------------------- */

static sigjmp_buf jb;
static volatile sig_atomic_t got_sig, got_code;
static void *volatile got_addr;
static volatile uintptr_t got_rip;

static inline void record(int sig, const siginfo_t *si, const ucontext_t *uc)
{
	got_sig = sig;
	got_code = si->si_code;
	got_addr = si->si_addr;
	got_rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
}

static inline void catcher(int sig, siginfo_t *si, void *uc)
{
	record(sig, si, uc);
	siglongjmp(jb, 1);
}

static inline void catch(int sig, int flags)
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = catcher;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(sig, &sa, NULL) == 0);
}

/* ---- addressing forms both programs submit with ---------------------- */

/* noinline: one site each, for the fast path's tests. */
#define NOINLINE __attribute__((noinline))

/* enqcmd 0x12345(%rbx,%rcx,4),%rsi */
static NOINLINE int enqcmd_sib_disp32(void *portal, const void *src)
{
	uint8_t zf;
	uint64_t rcx = 3, rbx = (uintptr_t)src - 0x12345 - 4 * rcx;

	__asm__ volatile(".byte 0xf2,0x0f,0x38,0xf8,0xb4,0x8b,0x45,0x23,0x01,0x00\n\tsetz %0"
			 : "=q"(zf) : "S"(portal), "b"(rbx), "c"(rcx) : "memory", "cc");
	return zf;
}

/* enqcmd -0x8(%r13,%r14,8),%r15 */
static NOINLINE int enqcmd_r13_r14_disp8(void *portal, const void *src)
{
	register uint64_t r14 __asm__("r14") = 5;
	register uint64_t r13 __asm__("r13") = (uintptr_t)src + 8 - 8 * 5;
	register void *r15 __asm__("r15") = portal;
	uint8_t zf;

	__asm__ volatile(".byte 0xf2,0x47,0x0f,0x38,0xf8,0x7c,0xf5,0xf8\n\tsetz %0"
			 : "=q"(zf) : "r"(r13), "r"(r14), "r"(r15) : "memory", "cc");
	return zf;
}

/* enqcmd (%edx),%eax: 32-bit addresses, the upper halves of RAX/RDX ignored. */
static NOINLINE int enqcmd_addr32(void *portal, const void *src)
{
	uint64_t rax = 0xdead000000000000ull | (uintptr_t)portal;
	uint64_t rdx = 0xbeef000000000000ull | (uintptr_t)src;
	uint8_t zf;

	__asm__ volatile(".byte 0x67,0xf2,0x0f,0x38,0xf8,0x02\n\tsetz %0"
			 : "=q"(zf) : "a"(rax), "d"(rdx) : "memory", "cc");
	return zf;
}

/* enqcmd %fs:(%rdx),%rax */
static __thread _Alignas(64) uint8_t tls_desc[64];

static NOINLINE int enqcmd_fs(void *portal)
{
	unsigned long fs;
	uint8_t zf;

	CHECK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs) == 0);
	__asm__ volatile(".byte 0x64,0xf2,0x0f,0x38,0xf8,0x02\n\tsetz %0"
			 : "=q"(zf) : "a"(portal), "d"((uintptr_t)tls_desc - fs) : "memory", "cc");
	return zf;
}

/* ---- main ------------------------------------------------------------- */

struct prog_case {
	const char *name;
	void (*fn)(void);
};

/* `PROG CASE`: @setup, then the case; 0 when it returns, 2 for a bad command line. */
static inline int prog_main(int argc, char **argv, const struct prog_case *cases, size_t n,
			    void (*setup)(void))
{
	CHECK(argc == 2);
	setup();
	for (size_t i = 0; i < n; i++) {
		if (strcmp(argv[1], cases[i].name) == 0) {
			cases[i].fn();
			return 0;
		}
	}
	fprintf(stderr, "no case %s\n", argv[1]);
	return 2;
}

#endif
