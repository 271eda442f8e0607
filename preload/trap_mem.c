// SPDX-License-Identifier: MIT
/*
 * The trap handler's access to the program: its memory (read without ever
 * faulting inside the handler), its segment bases, and a stack of its own.
 *
 * Reading: process_vm_readv(2) on ourselves goes through the kernel's
 * permission checks, so an unmapped, PROT_NONE or write-only byte ends
 * the copy instead of raising a fault, and a partial count says where the
 * first unreadable byte is - exactly the address a #PF would report.  It
 * costs one system call (about 1.8 us on the development VM against
 * 1.0 us for getppid and 9.9 us for a whole SIGILL round trip), so it is
 * used for the descriptor source and the monitored line, which may be
 * anything.  The instruction bytes are cheaper: the CPU has just fetched
 * them, so the page at RIP is mapped and executable, and on x86 an
 * executable page is readable - except an execute-only page made with
 * protection keys, so the direct read is taken only where the OS has not
 * enabled PKU (CPUID.7.0:ECX[4] OSPKE); bytes past the page always go
 * through the kernel.
 */
#include <asm/prctl.h>
#include <assert.h>
#include <cpuid.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "trap.h"

#ifndef HWCAP2_FSGSBASE
#define HWCAP2_FSGSBASE (1 << 1)
#endif

#define PAGE		4096u
#define X86_MAX_LEN	15u

size_t trap_read(void *buf, uint64_t addr, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	/* The raw system call: glibc's wrapper would set errno, which the handler saves anyway. */
	long n = syscall(SYS_process_vm_readv, (long)getpid(), &local, 1L, &remote, 1L, 0L);

	return n < 0 ? 0 : (size_t)n;
}

/*
 * Asked once: CPUID is a VM exit under a hypervisor, microseconds each.
 * Set by a constructor, read-only afterwards.
 */
static int os_pku;

__attribute__((constructor)) static void trap_mem_init(void)
{
	unsigned a, b, c, d;

	os_pku = __get_cpuid_count(7, 0, &a, &b, &c, &d) && ((c >> 4) & 1);
}

size_t trap_read_insn(uint8_t *buf, uint64_t rip)
{
	size_t in_page = PAGE - (rip & (PAGE - 1));
	size_t n;

	if (os_pku)
		return trap_read(buf, rip, X86_MAX_LEN);
	n = in_page < X86_MAX_LEN ? in_page : X86_MAX_LEN;
	memcpy(buf, (const void *)(uintptr_t)rip, n);
	if (n < X86_MAX_LEN)
		n += trap_read(buf + n, rip + n, X86_MAX_LEN - n);
	return n;
}

uint64_t trap_seg_base(enum x86_seg seg)
{
	unsigned long base = 0;

	if (seg == X86_SEG_NONE)
		return 0;
	if (getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE) {
		if (seg == X86_SEG_FS)
			__asm__ volatile("rdfsbase %0" : "=r"(base));
		else
			__asm__ volatile("rdgsbase %0" : "=r"(base));
		return base;
	}
	syscall(SYS_arch_prctl, seg == X86_SEG_FS ? ARCH_GET_FS : ARCH_GET_GS, &base);
	return base;
}

/*
 * The private stack.  The handler runs on whatever stack the program's
 * thread had - or on the program's sigaltstack, often a few KiB, when it
 * asked for SA_ONSTACK - but inline mode runs the whole device model
 * inside native_submit().  So the model gets a stack of its own per
 * thread: 256 KiB reserved (untouched pages cost nothing) above a guard
 * page, mapped at the thread's first trap and unmapped when it exits.
 */
#define TRAP_STACK	(256u * 1024u)

static __thread __attribute__((tls_model("initial-exec"))) char *trap_stack;
/* Already on it (a handler of another signal interrupted the model and trapped): stay. */
static __thread __attribute__((tls_model("initial-exec"))) int trap_stack_busy;
static pthread_key_t trap_stack_key;

static void trap_stack_free(void *base)
{
	munmap(base, TRAP_STACK + PAGE);
}

__attribute__((constructor)) static void trap_stack_init(void)
{
	int err = pthread_key_create(&trap_stack_key, trap_stack_free);

	assert(err == 0);
	(void)err;
}

/* Switch to @top, call @fn(@arg), switch back.  CFI lets a debugger unwind through it. */
int trap_call_on_stack(void *top, int (*fn)(void *), void *arg);
__asm__(".text\n"
	".globl trap_call_on_stack\n"
	".hidden trap_call_on_stack\n"
	".type trap_call_on_stack, @function\n"
	"trap_call_on_stack:\n"
	".cfi_startproc\n"
	"	pushq %rbp\n"
	".cfi_def_cfa_offset 16\n"
	".cfi_offset %rbp, -16\n"
	"	movq %rsp, %rbp\n"
	".cfi_def_cfa_register %rbp\n"
	"	movq %rdi, %rsp\n"
	"	movq %rdx, %rdi\n"
	"	call *%rsi\n"
	"	movq %rbp, %rsp\n"
	"	popq %rbp\n"
	".cfi_def_cfa %rsp, 8\n"
	"	ret\n"
	".cfi_endproc\n"
	".size trap_call_on_stack, .-trap_call_on_stack\n");

int trap_on_private_stack(int (*fn)(void *), void *arg)
{
	int ret;

	if (trap_stack_busy)
		return fn(arg);
	if (!trap_stack) {
		char *base = mmap(NULL, TRAP_STACK + PAGE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);

		if (base == MAP_FAILED)
			return fn(arg);	/* no memory for a stack: the one we are on must do */
		mprotect(base, PAGE, PROT_NONE);
		trap_stack = base;
		pthread_setspecific(trap_stack_key, base);
	}
	trap_stack_busy = 1;
	ret = trap_call_on_stack(trap_stack + PAGE + TRAP_STACK, fn, arg);
	trap_stack_busy = 0;
	return ret;
}
