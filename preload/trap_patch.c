// SPDX-License-Identifier: MIT
/*
 * The trap layer's fast path (docs/native.md, "Fast path: patching the
 * submitting instruction").  A signal round trip costs 10-14 us on the
 * development VM, the model under 1 us per descriptor; so once the signal
 * path has emulated an ENQCMD or MOVDIR64B at a site, the site is patched:
 * its first five bytes become `jmp rel32` to a stub of its own, and every
 * later execution reaches the emulation with an ordinary jump.
 *
 * A stub page (mapped within +-2 GiB of the code, so rel32 reaches it)
 * holds up to TRAP_PATCH_SLOTS stubs; each 128-byte slot is
 *
 *   +0   lea -128(%rsp),%rsp          skip the program's red zone
 *   +5   pushq slot+56(%rip)          the address of this slot's struct patch_site
 *   +11  jmpq *page+0(%rip)           trap_patch_entry, in the library
 *   +17  the original instruction     its out-of-line copy (RIP-relative
 *                                     displacement adjusted)
 *   +17+len jmp site+len              after the copy
 *   +56  &slot+64
 *   +64  struct patch_site            what the stub emulates
 *
 * trap_patch_entry (below, in assembly) saves the 16 GPRs, RFLAGS, MXCSR
 * and the vector registers (XMM, YMM or ZMM and opmasks, as the CPU has
 * them) on the program's stack and calls trap_patch_run() with a
 * pointer to the saved registers; that decodes the site's original bytes
 * with those registers, reads the descriptor, calls native_submit() on the
 * private stack as the signal path does, writes ZF into the saved RFLAGS
 * and returns where to resume: after the site, or - whenever the
 * instruction would raise (#GP, #PF, a refused store) or its destination
 * is no longer a portal - the out-of-line copy.  The copy executes the real
 * instruction with the program's registers, so it traps (or, for a
 * MOVDIR64B to memory that is now ordinary, simply runs), and the handler
 * presents that trap as raised at the site (trap_patch_insn): the signal
 * path then does exactly what it did before the patch.  Sites are never
 * unpatched: writing code other threads may be executing is the one thing
 * this avoids.
 *
 * Patching writes code other threads may be executing.  With one thread
 * (/proc/self/status), the one in the signal handler, the five bytes are
 * simply written.  With more, the way Linux's text_poke_bp() does it: HLT
 * (#GP at CPL 3) over the first byte, the rel32, then the jmp opcode, each
 * step followed by membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE)
 * so that every thread executes a serializing instruction before it can
 * fetch the bytes again; a thread that reaches the site meanwhile traps
 * (on the original instruction or the HLT) and the handler emulates the
 * original, whose record is published before the first write.  Writes go
 * through /proc/self/mem (as a debugger's breakpoints do: no page ever
 * becomes writable and executable, none stops being executable); where
 * the kernel refuses that, and only with one thread, through mprotect(RWX)
 * and back to R-X.  Where membarrier lacks SYNC_CORE, or with
 * SVA_NATIVE_PATCH=single, only a process of one thread is patched;
 * SVA_NATIVE_PATCH=0 turns the fast path off.
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload.h"
#include "trap.h"

/* Weak, as in trap_handler.c: the glue that defines it may be absent. */
#pragma weak native_portal_lookup

#define PAGE			4096u
#define TRAP_PATCH_SLOT		128u
#define TRAP_PATCH_SLOTS	(PAGE / TRAP_PATCH_SLOT - 1)	/* slot 0: the page's header */
#define SLOT_COPY		17u
#define SLOT_PTR		56u
#define SLOT_SITE		64u
#define JMP_LEN			5u
#define HIDDEN			__attribute__((visibility("hidden")))
/* The stub's save area: MXCSR, ZMM0-31 (or fewer), k0-k7, with room to align it to 64. */
#define VEC_AREA_S		"2304"
/* How far a stub page may be from a site: well within rel32's reach. */
#define NEAR			((int64_t)1 << 30)

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif

/* What a stub emulates; lives in its stub slot, read-only once patched. */
struct patch_site {
	uint64_t site;		/* the instruction's address */
	uint64_t copy;		/* its out-of-line copy */
	uint8_t bytes[15];	/* the original instruction */
	uint8_t len;
};

/*
 * What the stub saved, as trap_patch_entry lays it out on the program's
 * stack; `site` is replaced by the address to resume at.
 */
struct trap_patch_frame {
	uint64_t gpr[X86_NGPR];
	uint64_t rflags;
	const struct patch_site *site;
};
_Static_assert(offsetof(struct trap_patch_frame, rflags) == 128, "asm layout");
_Static_assert(offsetof(struct trap_patch_frame, site) == 136, "asm layout");
_Static_assert(SLOT_SITE + sizeof(struct patch_site) <= TRAP_PATCH_SLOT, "site fits its slot");

#define MAX_PAGES		64

/*
 * Process-wide by nature (preload.h).  Stub pages and slots are added
 * under `lock` and published with release stores: a slot is complete
 * before `used` counts it, a page before `npages` does, so the handler
 * and the stubs of other threads read them without the lock.  What the
 * stub saves is set by the constructor and read by the assembly.
 */
static struct {
	_Atomic int enabled;
	int sync_core;			/* membarrier SYNC_CORE: 1 registered, -1 refused, 0 not asked yet */
	atomic_flag lock;		/* one patcher at a time (try-lock: a handler never waits) */
	uint8_t *page[MAX_PAGES];	/* slot 0 of each holds trap_patch_entry's address */
	_Atomic unsigned used[MAX_PAGES];
	_Atomic unsigned npages;
	_Atomic uint64_t traps, sites;
	_Atomic uint64_t busy;		/* traps since another thread was seen, 0 if none */
} patch;

/* Which vector registers the stub saves: 0 XMM0-15, 1 YMM0-15, 2 ZMM0-31 and k0-k7. */
HIDDEN int trap_patch_vec;
HIDDEN const uint32_t trap_patch_mxcsr = 0x1f80;

/* The descriptor's source, read straight; a fault ends it (trap_patch_fixup). */
static __thread __attribute__((tls_model("initial-exec"))) uint64_t gp_pending;

HIDDEN uint64_t trap_patch_run(struct trap_patch_frame *f);
HIDDEN int trap_patch_load64(void *dst, uint64_t src);
HIDDEN void trap_patch_entry(void);
HIDDEN extern const char trap_patch_load_start[], trap_patch_load_end[], trap_patch_load_fixup[];

/*
 * The stub's common part.  On entry: [rsp] = the site's struct
 * patch_site, 128 bytes of red zone above it, then the program's stack.
 * Leaves through `ret $128` to the address trap_patch_run() returned, with
 * the GPRs and RFLAGS as trap_patch_run() left them in the frame and the
 * vector registers, opmasks and MXCSR as they were.  For the C code, as
 * the kernel does for a signal handler, MXCSR is the default and DF is
 * clear; with AVX the upper halves are zeroed so that SSE code runs
 * without transition penalties.
 */
__asm__(".text\n"
	".globl trap_patch_entry\n"
	".hidden trap_patch_entry\n"
	".type trap_patch_entry, @function\n"
	"trap_patch_entry:\n"
	"	pushfq\n"
	"	leaq -128(%rsp), %rsp\n"
	"	movq %rax, 0(%rsp)\n"
	"	movq %rcx, 8(%rsp)\n"
	"	movq %rdx, 16(%rsp)\n"
	"	movq %rbx, 24(%rsp)\n"
	"	movq %rbp, 40(%rsp)\n"
	"	movq %rsi, 48(%rsp)\n"
	"	movq %rdi, 56(%rsp)\n"
	"	movq %r8, 64(%rsp)\n"
	"	movq %r9, 72(%rsp)\n"
	"	movq %r10, 80(%rsp)\n"
	"	movq %r11, 88(%rsp)\n"
	"	movq %r12, 96(%rsp)\n"
	"	movq %r13, 104(%rsp)\n"
	"	movq %r14, 112(%rsp)\n"
	"	movq %r15, 120(%rsp)\n"
	"	leaq 272(%rsp), %rax\n"		/* the program's RSP: frame + 144 + red zone */
	"	movq %rax, 32(%rsp)\n"
	"	cld\n"
	"	movq %rsp, %rbx\n"
	"	subq $" VEC_AREA_S ", %rsp\n"
	"	andq $-64, %rsp\n"
	"	stmxcsr (%rsp)\n"
	"	ldmxcsr trap_patch_mxcsr(%rip)\n"
	"	movl trap_patch_vec(%rip), %eax\n"
	"	cmpl $2, %eax\n"
	"	jb 1f\n"
	"	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
	"	vmovdqu64 %zmm\\i, 64+64*\\i(%rsp)\n"
	"	.endr\n"
	"	.irp i,0,1,2,3,4,5,6,7\n"
	"	kmovq %k\\i, 64+64*32+8*\\i(%rsp)\n"
	"	.endr\n"
	"	vzeroupper\n"
	"	jmp 3f\n"
	"1:	cmpl $1, %eax\n"
	"	jb 2f\n"
	"	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	vmovdqu %ymm\\i, 64+64*\\i(%rsp)\n"
	"	.endr\n"
	"	vzeroupper\n"
	"	jmp 3f\n"
	"2:	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	movdqu %xmm\\i, 64+64*\\i(%rsp)\n"
	"	.endr\n"
	"3:	movq %rbx, %rdi\n"
	"	call trap_patch_run\n"
	"	movq %rax, 136(%rbx)\n"
	"	movl trap_patch_vec(%rip), %eax\n"
	"	cmpl $2, %eax\n"
	"	jb 1f\n"
	"	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
	"	vmovdqu64 64+64*\\i(%rsp), %zmm\\i\n"
	"	.endr\n"
	"	.irp i,0,1,2,3,4,5,6,7\n"
	"	kmovq 64+64*32+8*\\i(%rsp), %k\\i\n"
	"	.endr\n"
	"	jmp 3f\n"
	"1:	cmpl $1, %eax\n"
	"	jb 2f\n"
	"	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	vmovdqu 64+64*\\i(%rsp), %ymm\\i\n"
	"	.endr\n"
	"	jmp 3f\n"
	"2:	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	movdqu 64+64*\\i(%rsp), %xmm\\i\n"
	"	.endr\n"
	"3:	ldmxcsr (%rsp)\n"
	"	movq %rbx, %rsp\n"
	"	movq 0(%rsp), %rax\n"
	"	movq 8(%rsp), %rcx\n"
	"	movq 16(%rsp), %rdx\n"
	"	movq 24(%rsp), %rbx\n"
	"	movq 40(%rsp), %rbp\n"
	"	movq 48(%rsp), %rsi\n"
	"	movq 56(%rsp), %rdi\n"
	"	movq 64(%rsp), %r8\n"
	"	movq 72(%rsp), %r9\n"
	"	movq 80(%rsp), %r10\n"
	"	movq 88(%rsp), %r11\n"
	"	movq 96(%rsp), %r12\n"
	"	movq 104(%rsp), %r13\n"
	"	movq 112(%rsp), %r14\n"
	"	movq 120(%rsp), %r15\n"
	"	leaq 128(%rsp), %rsp\n"
	"	popfq\n"
	"	ret $128\n"
	".size trap_patch_entry, .-trap_patch_entry\n"
	/*
	 * 64 bytes from @src (rsi) to @dst (rdi): 1, or 0 when a load
	 * faulted (the handler moves RIP to the fixup, trap_patch_fixup).
	 */
	".globl trap_patch_load64\n"
	".hidden trap_patch_load64\n"
	".type trap_patch_load64, @function\n"
	"trap_patch_load64:\n"
	".globl trap_patch_load_start\n.hidden trap_patch_load_start\ntrap_patch_load_start:\n"
	"	movq 0(%rsi), %rax\n	movq %rax, 0(%rdi)\n"
	"	movq 8(%rsi), %rax\n	movq %rax, 8(%rdi)\n"
	"	movq 16(%rsi), %rax\n	movq %rax, 16(%rdi)\n"
	"	movq 24(%rsi), %rax\n	movq %rax, 24(%rdi)\n"
	"	movq 32(%rsi), %rax\n	movq %rax, 32(%rdi)\n"
	"	movq 40(%rsi), %rax\n	movq %rax, 40(%rdi)\n"
	"	movq 48(%rsi), %rax\n	movq %rax, 48(%rdi)\n"
	"	movq 56(%rsi), %rax\n	movq %rax, 56(%rdi)\n"
	".globl trap_patch_load_end\n.hidden trap_patch_load_end\ntrap_patch_load_end:\n"
	"	movl $1, %eax\n"
	"	ret\n"
	".globl trap_patch_load_fixup\n.hidden trap_patch_load_fixup\ntrap_patch_load_fixup:\n"
	"	xorl %eax, %eax\n"
	"	ret\n"
	".size trap_patch_load64, .-trap_patch_load64\n");


/* ---- set-up ------------------------------------------------------------- */

/*
 * What the stub saves besides the GPRs: the vector registers (all
 * caller-saved in the ABI, so the C code and libc's memcpy - AVX2 or
 * AVX-512 on the machines that have it - may change any of them), the
 * opmasks and MXCSR.  The x87 registers are not saved: nothing the stub
 * calls computes with the x87 (no long double in sva), as nothing else
 * the program cannot see.  XSAVE/XRSTOR would save it all, but cost 200
 * to 350 ns per call on the development VM, against about 30 ns for the
 * moves.
 */
__attribute__((constructor)) static void trap_patch_init(void)
{
	const char *env = getenv("SVA_NATIVE_PATCH");
	unsigned a, b, c, d;
	uint32_t xcr0 = 0, hi;

	if (!native_root() || (env && strcmp(env, "0") == 0))
		return;
	if (env && strcmp(env, "single") == 0)
		patch.sync_core = -1;	/* patch only while the process has one thread */
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return;
	if ((c >> 27) & 1)	/* OSXSAVE: XCR0 says what the OS enabled */
		__asm__ volatile("xgetbv" : "=a"(xcr0), "=d"(hi) : "c"(0));
	trap_patch_vec = 0;
	if (((c >> 28) & 1) && (xcr0 & 6) == 6)
		trap_patch_vec = 1;
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && ((b >> 16) & 1) && (xcr0 & 0xe6) == 0xe6) {
		/* AVX-512F without BW (Xeon Phi) has 16-bit opmasks: not handled, keep trapping. */
		if (!((b >> 30) & 1))
			return;
		trap_patch_vec = 2;
	}
	patch.enabled = 1;
}

/* ---- raw system calls (the handler may interrupt anything, even malloc) -- */

static int sys_open(const char *path, int flags)
{
	return (int)syscall(SYS_openat, (long)AT_FDCWD, path, (long)flags, 0L);
}

/* The process has exactly one thread: the calling one. */
static int single_threaded(void)
{
	char buf[4096];
	const char *p;
	long n;
	int fd = sys_open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = syscall(SYS_read, (long)fd, buf, (long)sizeof(buf) - 1);
	syscall(SYS_close, (long)fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strstr(buf, "\nThreads:");
	return p && strtol(p + 9, NULL, 10) == 1;
}

/*
 * Write @len bytes of code at @addr: through /proc/self/mem, else - only
 * when @alone, as other threads might be executing code in those pages -
 * with mprotect(RWX) and back to R-X.
 */
static int write_code(uint64_t addr, const void *src, size_t len, int alone)
{
	int fd = sys_open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	uint64_t first = addr & ~(uint64_t)(PAGE - 1);
	size_t span = (size_t)((addr + len + PAGE - 1) / PAGE * PAGE - first);
	long n = -1;

	if (fd >= 0) {
		n = syscall(SYS_pwrite64, (long)fd, src, (long)len, (long)addr);
		syscall(SYS_close, (long)fd);
	}
	if (n == (long)len)
		return 0;
	if (!alone || mprotect((void *)(uintptr_t)first, span, PROT_READ | PROT_WRITE | PROT_EXEC) < 0)
		return -1;
	memcpy((void *)(uintptr_t)addr, src, len);
	mprotect((void *)(uintptr_t)first, span, PROT_READ | PROT_EXEC);
	return 0;
}

/* ---- stub pages ----------------------------------------------------------- */

static int near(uint64_t a, uint64_t b)
{
	int64_t d = (int64_t)(a - b);

	return d > -NEAR && d < NEAR;
}

/* A new stub page near @site: hints 1 MiB apart, alternately below and above. */
static uint8_t *map_page(uint64_t site)
{
	uint64_t base = site & ~(((uint64_t)1 << 20) - 1);

	for (int i = 1; i < 512; i++) {
		int64_t step = (int64_t)((i + 1) / 2) << 20;
		uint64_t hint = i & 1 ? base - (uint64_t)step : base + (uint64_t)step;
		void *p;

		if (!trap_canonical(hint) || hint < (1u << 20))
			continue;
		p = mmap((void *)(uintptr_t)hint, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == MAP_FAILED)
			continue;
		if ((uint64_t)(uintptr_t)p != hint) {	/* a kernel before 4.17 took it as a hint */
			munmap(p, PAGE);
			continue;
		}
		return p;
	}
	return NULL;
}

static uint8_t *slot_of(unsigned pg, unsigned i)
{
	return patch.page[pg] + TRAP_PATCH_SLOT * (i + 1);
}

static void put32(uint8_t *p, int64_t v)
{
	int32_t w = (int32_t)v;

	memcpy(p, &w, 4);
}

static int fits32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

/*
 * Where the instruction's ModRM is: after the prefixes (none of them is
 * 0F) and the three opcode bytes 0F 38 F8.
 */
static int modrm_at(const uint8_t *b, unsigned len)
{
	for (unsigned i = 0; i + 3 < len; i++)
		if (b[i] == 0x0f)
			return b[i + 1] == 0x38 && b[i + 2] == 0xf8 ? (int)i + 3 : -1;
	return -1;
}

/*
 * Build in @slot the stub for @s that will live at @at in the stub page
 * at @pg; 0, or -1 when the copy cannot be placed there (a RIP-relative
 * target out of rel32 reach).
 */
static int build_stub(uint8_t *slot, uint64_t at, uint64_t pg, struct patch_site *s)
{
	uint8_t *copy = slot + SLOT_COPY;
	int m = modrm_at(s->bytes, s->len);

	if (m < 0)
		return -1;
	memset(slot, 0xcc, TRAP_PATCH_SLOT);
	/* lea -0x80(%rsp),%rsp */
	memcpy(slot, "\x48\x8d\x64\x24\x80", 5);
	/* pushq PTR(%rip) */
	slot[5] = 0xff;
	slot[6] = 0x35;
	put32(slot + 7, (int64_t)SLOT_PTR - 11);
	/* jmpq *page(%rip) */
	slot[11] = 0xff;
	slot[12] = 0x25;
	put32(slot + 13, (int64_t)(pg - (at + 17)));
	memcpy(copy, s->bytes, s->len);
	if ((s->bytes[m] & 0xc7) == 0x05) {	/* mod 00, r/m 101: disp32 from the next RIP */
		int32_t disp;
		int64_t moved;

		memcpy(&disp, s->bytes + m + 1, 4);
		moved = disp + (int64_t)(s->site - (at + SLOT_COPY));
		if (!fits32(moved))
			return -1;
		put32(copy + m + 1, moved);
	}
	/* jmp site+len */
	copy[s->len] = 0xe9;
	put32(copy + s->len + 1, (int64_t)(s->site + s->len - (at + SLOT_COPY + s->len + JMP_LEN)));
	s->copy = at + SLOT_COPY;
	memcpy(slot + SLOT_SITE, s, sizeof(*s));
	at += SLOT_SITE;
	memcpy(slot + SLOT_PTR, &at, sizeof(at));
	return 0;
}

/* A page with a free slot near @site (mapped now if need be): its index, or -1. */
static int page_for(uint64_t site)
{
	unsigned n = atomic_load_explicit(&patch.npages, memory_order_acquire);
	uint8_t *pg;
	void *entry = (void *)trap_patch_entry;

	for (unsigned i = 0; i < n; i++)
		if (atomic_load_explicit(&patch.used[i], memory_order_relaxed) < TRAP_PATCH_SLOTS &&
		    near((uint64_t)(uintptr_t)patch.page[i], site))
			return (int)i;
	if (n == MAX_PAGES || !(pg = map_page(site)))
		return -1;
	memcpy(pg, &entry, sizeof(entry));
	if (mprotect(pg, PAGE, PROT_READ | PROT_EXEC) < 0) {
		munmap(pg, PAGE);
		return -1;
	}
	patch.page[n] = pg;
	atomic_store_explicit(&patch.npages, n + 1, memory_order_release);
	return (int)n;
}

/* The patched site whose stub slot holds @addr, with @addr's offset in the slot. */
static const struct patch_site *site_of_stub(uint64_t addr, unsigned *off)
{
	unsigned n = atomic_load_explicit(&patch.npages, memory_order_acquire);

	for (unsigned pg = 0; pg < n; pg++) {
		uint64_t base = (uint64_t)(uintptr_t)patch.page[pg];

		if (addr - base < PAGE && addr - base >= TRAP_PATCH_SLOT) {
			unsigned i = (unsigned)((addr - base) / TRAP_PATCH_SLOT) - 1;

			if (i >= atomic_load_explicit(&patch.used[pg], memory_order_acquire))
				return NULL;
			*off = (unsigned)((addr - base) % TRAP_PATCH_SLOT);
			return (const struct patch_site *)(slot_of(pg, i) + SLOT_SITE);
		}
	}
	return NULL;
}

/* The record of the site at @site (patched, or being patched), or NULL. */
static const struct patch_site *site_at(uint64_t site)
{
	unsigned n = atomic_load_explicit(&patch.npages, memory_order_acquire);

	for (unsigned pg = 0; pg < n; pg++) {
		unsigned used = atomic_load_explicit(&patch.used[pg], memory_order_acquire);

		for (unsigned i = 0; i < used; i++) {
			const struct patch_site *s = (const void *)(slot_of(pg, i) + SLOT_SITE);

			if (s->site == site)
				return s;
		}
	}
	return NULL;
}

/* ---- the signal path's hooks ----------------------------------------------- */

/* Every thread of the process executes a serializing instruction before it goes on. */
static int sync_cores(void)
{
	return (int)syscall(SYS_membarrier, (long)MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0L, 0L);
}

/*
 * Replace the first five bytes at @rip with `jmp @stub`.  With one thread
 * (the caller, in its signal handler), one write.  With others running,
 * the protocol Linux's text_poke_bp() follows, with HLT - a #GP at CPL 3,
 * which the handler takes as the original instruction (its record is
 * published before the first write) - as the byte that stops a thread
 * reaching the site meanwhile, and membarrier's SYNC_CORE for the
 * serialization each step needs: HLT over the first byte, the rel32, then
 * the jmp's opcode over the HLT.
 */
static int write_jmp(uint64_t rip, uint64_t stub, int alone)
{
	uint8_t jmp[JMP_LEN], hlt = 0xf4;

	jmp[0] = 0xe9;
	put32(jmp + 1, (int64_t)(stub - (rip + JMP_LEN)));
	if (alone)
		return write_code(rip, jmp, JMP_LEN, 1);
	if (write_code(rip, &hlt, 1, 0) < 0 || sync_cores() < 0 ||
	    write_code(rip + 1, jmp + 1, JMP_LEN - 1, 0) < 0 || sync_cores() < 0 ||
	    write_code(rip, jmp, 1, 0) < 0 || sync_cores() < 0)
		return -1;
	return 0;
}

static void patch_locked(uint64_t rip, const uint8_t *bytes, const struct x86_decoded *d)
{
	struct patch_site s = { 0 };
	uint8_t slot[TRAP_PATCH_SLOT];
	uint64_t at;
	unsigned i;
	int pg, alone;

	if (site_at(rip))
		return;		/* another thread patched it meanwhile */
	alone = single_threaded();
	if (!alone && !patch.sync_core)
		patch.sync_core = syscall(SYS_membarrier,
					  (long)MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE,
					  0L, 0L) == 0 ? 1 : -1;
	if (!alone && patch.sync_core < 0) {
		if (!atomic_load(&patch.busy))
			atomic_store(&patch.busy, 1);
		return;
	}
	atomic_store(&patch.busy, 0);
	pg = page_for(rip);
	if (pg < 0)
		return;
	i = atomic_load_explicit(&patch.used[pg], memory_order_relaxed);
	at = (uint64_t)(uintptr_t)slot_of((unsigned)pg, i);
	s.site = rip;
	s.len = (uint8_t)d->len;
	memcpy(s.bytes, bytes, d->len);
	if (!near(at, rip) || build_stub(slot, at, (uint64_t)(uintptr_t)patch.page[pg], &s) < 0)
		return;
	/* The stub page may be running other stubs: written like code, never made non-executable. */
	if (write_code(at, slot, sizeof(slot), alone) < 0) {
		patch.enabled = 0;
		return;
	}
	atomic_store_explicit(&patch.used[pg], i + 1, memory_order_release);
	if (write_jmp(rip, at, alone) < 0) {
		patch.enabled = 0;	/* the code cannot be written: keep trapping */
		return;
	}
	atomic_fetch_add_explicit(&patch.sites, 1, memory_order_relaxed);
}

void trap_patch(uint64_t rip, const uint8_t *bytes, const struct x86_decoded *d)
{
	uint64_t n;

	atomic_fetch_add_explicit(&patch.traps, 1, memory_order_relaxed);
	if (!patch.enabled || d->insn == X86_ENQCMDS || d->len < JMP_LEN)
		return;
	/*
	 * Without SYNC_CORE only a process of one thread is patched; once
	 * other threads were seen, look again only at the 2nd, 4th, 8th ...
	 * trap after that: reading /proc costs as much as a trap.
	 */
	n = atomic_load(&patch.busy);
	if (n) {
		n = atomic_fetch_add(&patch.busy, 1) + 1;
		if (n & (n - 1))
			return;
	}
	if (atomic_flag_test_and_set_explicit(&patch.lock, memory_order_acquire))
		return;		/* another thread is patching: this site can wait for its next trap */
	patch_locked(rip, bytes, d);
	atomic_flag_clear_explicit(&patch.lock, memory_order_release);
}

int trap_patch_fixup(int sig, const siginfo_t *info, ucontext_t *uc)
{
	greg_t *g = uc->uc_mcontext.gregs;
	uint64_t rip = (uint64_t)g[REG_RIP];

	/* A fault, not a signal sent meanwhile (that one is the program's). */
	if ((sig != SIGSEGV && sig != SIGBUS) || info->si_code <= 0 ||
	    rip < (uint64_t)(uintptr_t)trap_patch_load_start ||
	    rip >= (uint64_t)(uintptr_t)trap_patch_load_end)
		return 0;
	g[REG_RIP] = (greg_t)(uintptr_t)trap_patch_load_fixup;
	return 1;
}

size_t trap_patch_insn(siginfo_t *info, ucontext_t *uc, uint8_t *bytes, size_t n, int *gp)
{
	greg_t *g = uc->uc_mcontext.gregs;
	const struct patch_site *s;
	unsigned off;

	*gp = 0;
	if (!atomic_load_explicit(&patch.npages, memory_order_acquire))
		return n;
	s = site_of_stub((uint64_t)g[REG_RIP], &off);
	if (s && off == SLOT_COPY) {
		/* The out-of-line copy trapped: as if at the site. */
		if (info->si_signo == SIGILL && (uint64_t)(uintptr_t)info->si_addr == s->copy)
			info->si_addr = (void *)(uintptr_t)s->site;
		g[REG_RIP] = (greg_t)s->site;
		if (gp_pending == s->site) {
			gp_pending = 0;
			*gp = 1;
		}
	} else {
		/*
		 * A trap at a site being patched (the original instruction, or
		 * the HLT over its first byte).  @bytes were read before this
		 * look-up: if the record is not there yet, they are the
		 * original ones.
		 */
		s = site_at((uint64_t)g[REG_RIP]);
	}
	if (!s)
		return n;
	memcpy(bytes, s->bytes, s->len);
	return s->len;
}

void trap_patch_stats(uint64_t *traps, uint64_t *sites)
{
	*traps = atomic_load_explicit(&patch.traps, memory_order_relaxed);
	*sites = atomic_load_explicit(&patch.sites, memory_order_relaxed);
}

/* ---- the stub's emulation ---------------------------------------------------- */

uint64_t trap_patch_run(struct trap_patch_frame *f)
{
	const struct patch_site *s = f->site;
	int saved_errno = errno;
	struct x86_regs regs;
	struct x86_decoded d;
	uint8_t desc[64];
	uint64_t dest, src, resume = s->copy;
	int ret;

	gp_pending = 0;
	memcpy(regs.gpr, f->gpr, sizeof(regs.gpr));
	regs.rip = s->site;
	if (x86_decode(s->bytes, s->len, &regs, &d) != X86_DEC_OK)
		goto out;	/* decoded at patch time: cannot happen */
	dest = d.reg_value;
	src = d.ea + trap_seg_base(d.seg);
	/* Anything but a clean enqueue: the copy runs and the signal path takes it. */
	if ((dest & 63) || !trap_canonical(src) || !trap_canonical(src + 63) ||
	    !native_portal_lookup || !native_portal_lookup(dest) ||
	    !trap_patch_load64(desc, src))
		goto out;
	ret = trap_submit(dest, desc, d.insn);
	if (ret < 0) {
		/* Refused: the copy's trap raises the #GP without submitting again. */
		if (ret != -EFAULT)
			gp_pending = s->site;
		goto out;
	}
	if (d.insn == X86_ENQCMD)
		f->rflags = (f->rflags & ~(uint64_t)TRAP_FL_STATUS) | (ret ? TRAP_FL_ZF : 0);
	resume = s->site + s->len;
out:
	errno = saved_errno;
	return resume;
}
