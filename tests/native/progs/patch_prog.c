// SPDX-License-Identifier: MIT
/*
 * The trap layer's fast path (preload/trap_patch.c) in a real process:
 * `patch_prog CASE` runs one case with the test variant of the library
 * preloaded and exits 0 (patch_runner.c checks).  The test double counts
 * the signal-path emulations (traps) and patched sites, so a case can say
 * how many executions took a signal.  Instructions are .byte encodings,
 * as in trap_prog.c; each site is a noinline function, so one site each.
 */
#include <asm/prctl.h>
#include <cpuid.h>
#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "prog.h"
#include "trap_double.h"


enum { K_ENQCMD, K_ENQCMDS, K_MOVDIR64B };	/* enum native_submit_kind */

static struct {
	void (*add_portal)(void *, size_t);
	void (*remove_portal)(void *);
	size_t (*count)(void);
	int (*get)(size_t, struct trap_double_rec *);
	void (*stats)(uint64_t *, uint64_t *);
} dbl;

static void bind_double(void)
{
	dbl.add_portal = (void (*)(void *, size_t))dlsym(RTLD_DEFAULT, "trap_double_add_portal");
	dbl.remove_portal = (void (*)(void *))dlsym(RTLD_DEFAULT, "trap_double_remove_portal");
	dbl.count = (size_t (*)(void))dlsym(RTLD_DEFAULT, "trap_double_count");
	dbl.get = (int (*)(size_t, struct trap_double_rec *))dlsym(RTLD_DEFAULT, "trap_double_get");
	dbl.stats = (void (*)(uint64_t *, uint64_t *))dlsym(RTLD_DEFAULT, "trap_double_patch_stats");
	CHECK(dbl.add_portal && dbl.remove_portal && dbl.count && dbl.get && dbl.stats);
}

static uint64_t traps(void)
{
	uint64_t t, s;

	dbl.stats(&t, &s);
	return t;
}

static uint64_t sites(void)
{
	uint64_t t, s;

	dbl.stats(&t, &s);
	return s;
}

static char *new_portal(void)
{
	char *p = map(4096, PROT_NONE, 0);

	dbl.add_portal(p, 4096);
	return p;
}

/* 64 bytes no two descriptors of a case share: @seq spelled out, @last the answer. */
static void fill(uint8_t *d, uint32_t seq, uint8_t last)
{
	for (int i = 0; i < 64; i++)
		d[i] = (uint8_t)(i * 13 + 5);
	memcpy(d, &seq, sizeof(seq));
	d[63] = last;
}

/* Record @n (from 0) is to @portal, of @kind, with @desc's bytes. */
static void expect_rec(size_t n, const void *portal, int kind, const uint8_t *desc)
{
	struct trap_double_rec r;

	CHECK(dbl.get(n, &r));
	CHECK(r.portal == (uint64_t)(uintptr_t)portal);
	CHECK(r.kind == kind);
	CHECK(memcmp(r.desc, desc, 64) == 0);
}

/* @stmt raises @sig with @code and @addr, at RIP @rip (the site, not the stub). */
#define EXPECT_SIGNAL(stmt, sig, code, addr, rip) do {			\
	got_sig = 0;							\
	if (!sigsetjmp(jb, 1)) {					\
		stmt;							\
		CHECK(!"no signal");					\
	}								\
	CHECK(got_sig == (sig));					\
	CHECK(got_code == (code));					\
	CHECK(got_addr == (void *)(addr));				\
	CHECK(got_rip == (uintptr_t)(rip));				\
} while (0)

/* ---- sites --------------------------------------------------------------- */

/* Where each site is: its function stores the instruction's address here. */
static uintptr_t at_enq, at_mov, at_rip, at_mov_rip;

/* enqcmd (%rdx),%rax with CF = @cf before; ZF back, CF after in *@cf_after. */
static NOINLINE int enq(void *portal, const void *src, int cf, int *cf_after)
{
	uint8_t zf, c;

	__asm__ volatile("lea 0f(%%rip), %%rcx\n\tmov %%rcx, %[at]\n\t"
			 "bt $0, %[cf]\n"
			 "0:\t.byte 0xf2,0x0f,0x38,0xf8,0x02\n\tsetz %0\n\tsetc %1"
			 : "=q"(zf), "=q"(c), [at] "=m"(at_enq)
			 : "a"(portal), "d"(src), [cf] "r"(cf) : "rcx", "memory", "cc");
	if (cf_after)
		*cf_after = c;
	return zf;
}

/* movdir64b (%rdx),%rax with CF = @cf before: CF after. */
static NOINLINE int mov(void *portal, const void *src, int cf)
{
	uint8_t c;

	__asm__ volatile("lea 0f(%%rip), %%rcx\n\tmov %%rcx, %[at]\n\t"
			 "bt $0, %[cf]\n"
			 "0:\t.byte 0x66,0x0f,0x38,0xf8,0x02\n\tsetc %0"
			 : "=q"(c), [at] "=m"(at_mov)
			 : "a"(portal), "d"(src), [cf] "r"(cf) : "rcx", "memory", "cc");
	return c;
}

/* enqcmd patch_rip_desc(%rip),%rax and movdir64b patch_rip_desc(%rip),%rax */
static _Alignas(4096) uint8_t rip_desc[4096] __asm__("patch_rip_desc") __attribute__((used));

static NOINLINE int enq_rip(void *portal)
{
	uint8_t zf;

	__asm__ volatile("lea 0f(%%rip), %%rcx\n\tmov %%rcx, %[at]\n"
			 "0:\t.byte 0xf2,0x0f,0x38,0xf8,0x05\n\t.long patch_rip_desc - . - 4\n\tsetz %0"
			 : "=q"(zf), [at] "=m"(at_rip) : "a"(portal) : "rcx", "memory", "cc");
	return zf;
}

static NOINLINE void mov_rip(void *portal)
{
	__asm__ volatile("lea 0f(%%rip), %%rcx\n\tmov %%rcx, %[at]\n"
			 "0:\t.byte 0x66,0x0f,0x38,0xf8,0x05\n\t.long patch_rip_desc - . - 4"
			 : [at] "=m"(at_mov_rip) : "a"(portal) : "rcx", "memory");
}

/* enqcmd 0x40(%rsp),%rdi: the source on the stack, above the red zone the stub skips. */
static NOINLINE int enq_rsp(void *portal, const void *desc)
{
	uint8_t zf;

	__asm__ volatile("sub $0x80, %%rsp\n\t"
			 "movdqu 0(%2), %%xmm0\n\tmovdqu %%xmm0, 0x40(%%rsp)\n\t"
			 "movdqu 16(%2), %%xmm0\n\tmovdqu %%xmm0, 0x50(%%rsp)\n\t"
			 "movdqu 32(%2), %%xmm0\n\tmovdqu %%xmm0, 0x60(%%rsp)\n\t"
			 "movdqu 48(%2), %%xmm0\n\tmovdqu %%xmm0, 0x70(%%rsp)\n\t"
			 ".byte 0xf2,0x0f,0x38,0xf8,0x7c,0x24,0x40\n\t"
			 "setz %0\n\tadd $0x80, %%rsp"
			 : "=q"(zf) : "D"(portal), "r"(desc) : "xmm0", "memory", "cc");
	return zf;
}

/* ---- register preservation -------------------------------------------------- */

/*
 * What probe_enq/probe_mov load before their instruction (enqcmd or
 * movdir64b (%rdx),%rax) and find after it: every GPR, RFLAGS, MXCSR,
 * the red zone, XMM/YMM/ZMM registers and opmasks as the CPU has them
 * (level 0 SSE, 1 AVX, 2 AVX-512).
 */
struct probe {
	uint64_t gin[16], gout[16];
	uint64_t fin, fout;
	uint64_t kin[8], kout[8];
	uint8_t red_in[128], red_out[128];
	uint64_t sp;
	uint32_t level, mxcsr_in, mxcsr_out;
	_Alignas(64) uint8_t vin[32][64];
	_Alignas(64) uint8_t vout[32][64];
};
_Static_assert(offsetof(struct probe, gout) == 128, "asm");
_Static_assert(offsetof(struct probe, fin) == 256, "asm");
_Static_assert(offsetof(struct probe, kin) == 272, "asm");
_Static_assert(offsetof(struct probe, kout) == 336, "asm");
_Static_assert(offsetof(struct probe, red_in) == 400, "asm");
_Static_assert(offsetof(struct probe, red_out) == 528, "asm");
_Static_assert(offsetof(struct probe, sp) == 656, "asm");
_Static_assert(offsetof(struct probe, level) == 664, "asm");
_Static_assert(offsetof(struct probe, mxcsr_in) == 668, "asm");
_Static_assert(offsetof(struct probe, mxcsr_out) == 672, "asm");
_Static_assert(offsetof(struct probe, vin) == 704, "asm");
_Static_assert(offsetof(struct probe, vout) == 2752, "asm");

void probe_enq(struct probe *p);
void probe_mov(struct probe *p);
extern const char probe_enq_site[], probe_mov_site[];

__asm__(".data\nprobe_ptr: .quad 0\nprobe_rdi: .quad 0\nprobe_mxcsr: .long 0x1f80\n.text\n"
	".macro PROBE_VEC op, reg, base, n\n"
	"  .irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"    \\op \\base+64*\\i(%rdi), %\\reg\\i\n"
	"  .endr\n"
	"  .if \\n == 32\n"
	"  .irp i,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
	"    \\op \\base+64*\\i(%rdi), %\\reg\\i\n"
	"  .endr\n"
	"  .endif\n"
	".endm\n"
	".macro PROBE_VEC_OUT op, reg, base, n\n"
	"  .irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"    \\op %\\reg\\i, \\base+64*\\i(%rdi)\n"
	"  .endr\n"
	"  .if \\n == 32\n"
	"  .irp i,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
	"    \\op %\\reg\\i, \\base+64*\\i(%rdi)\n"
	"  .endr\n"
	"  .endif\n"
	".endm\n"
	".macro PROBE name, b0\n"
	".globl \\name\n"
	".type \\name, @function\n"
	"\\name:\n"
	"  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
	"  mov %rdi, probe_ptr(%rip)\n"
	"  cmpl $2, 664(%rdi)\n  jb 1f\n"
	"  PROBE_VEC vmovdqu64, zmm, 704, 32\n"
	"  .irp i,0,1,2,3,4,5,6,7\n    kmovw 272+8*\\i(%rdi), %k\\i\n  .endr\n"
	"  jmp 3f\n"
	"1: cmpl $1, 664(%rdi)\n  jb 2f\n"
	"  PROBE_VEC vmovdqu, ymm, 704, 16\n"
	"  jmp 3f\n"
	"2: PROBE_VEC movdqu, xmm, 704, 16\n"
	"3: ldmxcsr 668(%rdi)\n"
	"  pushq 256(%rdi)\n  popfq\n"
	"  .irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"    mov 400+8*\\i(%rdi), %rax\n    mov %rax, -128+8*\\i(%rsp)\n"
	"  .endr\n"
	"  mov %rsp, 656(%rdi)\n"
	"  mov 0(%rdi), %rax\n  mov 8(%rdi), %rcx\n  mov 16(%rdi), %rdx\n  mov 24(%rdi), %rbx\n"
	"  mov 40(%rdi), %rbp\n  mov 48(%rdi), %rsi\n  mov 64(%rdi), %r8\n  mov 72(%rdi), %r9\n"
	"  mov 80(%rdi), %r10\n  mov 88(%rdi), %r11\n  mov 96(%rdi), %r12\n  mov 104(%rdi), %r13\n"
	"  mov 112(%rdi), %r14\n  mov 120(%rdi), %r15\n  mov 56(%rdi), %rdi\n"
	".globl \\name\\()_site\n"
	"\\name\\()_site:\n"
	"  .byte \\b0,0x0f,0x38,0xf8,0x02\n"
	"  mov %rdi, probe_rdi(%rip)\n"
	"  mov probe_ptr(%rip), %rdi\n"
	"  mov %rax, 128(%rdi)\n  mov %rcx, 136(%rdi)\n  mov %rdx, 144(%rdi)\n  mov %rbx, 152(%rdi)\n"
	"  mov %rsp, 160(%rdi)\n  mov %rbp, 168(%rdi)\n  mov %rsi, 176(%rdi)\n  mov %r8, 192(%rdi)\n"
	"  mov %r9, 200(%rdi)\n  mov %r10, 208(%rdi)\n  mov %r11, 216(%rdi)\n  mov %r12, 224(%rdi)\n"
	"  mov %r13, 232(%rdi)\n  mov %r14, 240(%rdi)\n  mov %r15, 248(%rdi)\n"
	"  mov probe_rdi(%rip), %rax\n  mov %rax, 184(%rdi)\n"
	"  .irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"    mov -128+8*\\i(%rsp), %rax\n    mov %rax, 528+8*\\i(%rdi)\n"
	"  .endr\n"
	"  pushfq\n  popq 264(%rdi)\n  cld\n"
	"  stmxcsr 672(%rdi)\n"
	"  ldmxcsr probe_mxcsr(%rip)\n"
	"  cmpl $2, 664(%rdi)\n  jb 1f\n"
	"  PROBE_VEC_OUT vmovdqu64, zmm, 2752, 32\n"
	"  .irp i,0,1,2,3,4,5,6,7\n    kmovw %k\\i, 336+8*\\i(%rdi)\n  .endr\n"
	"  vzeroupper\n"
	"  jmp 3f\n"
	"1: cmpl $1, 664(%rdi)\n  jb 2f\n"
	"  PROBE_VEC_OUT vmovdqu, ymm, 2752, 16\n"
	"  vzeroupper\n"
	"  jmp 3f\n"
	"2: PROBE_VEC_OUT movdqu, xmm, 2752, 16\n"
	"3: pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
	"  ret\n"
	".size \\name, .-\\name\n"
	".endm\n"
	"PROBE probe_enq, 0xf2\n"
	"PROBE probe_mov, 0x66\n");

/* 0 SSE, 1 AVX, 2 AVX-512F, as both the CPU and the OS (XCR0) have them. */
static unsigned vec_level(void)
{
	unsigned a, b, c, d;
	uint32_t lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !((c >> 27) & 1) || !((c >> 28) & 1))
		return 0;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	if ((lo & 6) != 6)
		return 0;
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && ((b >> 16) & 1) && (lo & 0xe6) == 0xe6)
		return 2;
	return 1;
}

#define FL_CF	0x1ul
#define FL_PF	0x4ul
#define FL_AF	0x10ul
#define FL_ZF	0x40ul
#define FL_SF	0x80ul
#define FL_DF	0x400ul
#define FL_OF	0x800ul
#define FL_STATUS (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

/* Run @fn at its site (patched or not) and check that nothing but ZF changed. */
static void probe_once(void (*fn)(struct probe *), int enqcmd, void *portal, uint8_t *d,
		       uint32_t seq, unsigned level)
{
	static struct probe p;
	unsigned vbytes = level == 2 ? 64 : level == 1 ? 32 : 16, nvec = level == 2 ? 32 : 16;
	int retry = seq & 1;
	uint64_t want;

	memset(&p, 0, sizeof(p));
	for (int i = 0; i < 16; i++)
		p.gin[i] = 0x0101010101010101ull * (uint64_t)(i + 1) ^ ((uint64_t)seq << 40);
	fill(d, seq, retry ? 'R' : 0);
	p.gin[0] = (uintptr_t)portal;	/* rax */
	p.gin[2] = (uintptr_t)d;	/* rdx */
	/* Every status flag but ZF set, and DF: the stub must not lose any of them. */
	p.fin = 0x202 | FL_CF | FL_PF | FL_AF | FL_SF | FL_OF | FL_DF;
	for (int i = 0; i < 128; i++)
		p.red_in[i] = (uint8_t)(0xa5 ^ i ^ seq);
	for (int i = 0; i < 8; i++)
		p.kin[i] = 0x1234u * (unsigned)(i + 1) + seq;
	for (int r = 0; r < 32; r++)
		for (int i = 0; i < 64; i++)
			p.vin[r][i] = (uint8_t)(r * 64 + i * 3 + seq);
	p.level = level;
	/* Round up, flush to zero, denormals are zero: not what the C code may run with. */
	p.mxcsr_in = 0xdfc0;
	fn(&p);
	for (int i = 0; i < 16; i++)
		CHECK(p.gout[i] == (i == 4 ? p.sp : p.gin[i]));
	want = enqcmd ? (p.fin & ~FL_STATUS) | (retry ? FL_ZF : 0) : p.fin;
	if (p.fout != want)
		fprintf(stderr, "rflags %#lx, want %#lx\n", (unsigned long)p.fout, (unsigned long)want);
	CHECK(p.fout == want);
	CHECK(memcmp(p.red_in, p.red_out, 128) == 0);
	CHECK(p.mxcsr_out == p.mxcsr_in);
	for (unsigned r = 0; r < nvec; r++)
		CHECK(memcmp(p.vin[r], p.vout[r], vbytes) == 0);
	if (level == 2)
		for (int i = 0; i < 8; i++)
			CHECK((p.kout[i] & 0xffff) == (p.kin[i] & 0xffff));
}

/* ---- cases ---------------------------------------------------------------- */

static _Alignas(64) uint8_t desc[64];

#define LOOPS 10000

/* 10,000 ENQCMDs at one site: one trap; every descriptor arrives; ZF both ways; CF cleared. */
static void case_loop_enqcmd(void)
{
	char *portal = new_portal();

	for (uint32_t i = 0; i < LOOPS; i++) {
		int retry = (i % 3) == 1, cf;

		fill(desc, i, retry ? 'R' : 0);
		CHECK(enq(portal + 64 * (i % 64), desc, (int)(i & 1), &cf) == retry);
		CHECK(cf == 0);
		expect_rec(i, portal + 64 * (i % 64), K_ENQCMD, desc);
	}
	CHECK(dbl.count() == LOOPS);
	CHECK(traps() == 1);
	CHECK(sites() == 1);
	CHECK(*(const uint8_t *)at_enq == 0xe9);	/* the patch is there */
}

/* The same with MOVDIR64B, whose RFLAGS stay as they were. */
static void case_loop_movdir64b(void)
{
	char *portal = new_portal();

	for (uint32_t i = 0; i < LOOPS; i++) {
		int cf = (int)(i & 1);

		fill(desc, i, (i % 3) == 1 ? 'R' : 0);
		CHECK(mov(portal + 64 * (i % 64), desc, cf) == cf);
		expect_rec(i, portal + 64 * (i % 64), K_MOVDIR64B, desc);
	}
	CHECK(dbl.count() == LOOPS);
	CHECK(traps() == 1);
	CHECK(sites() == 1);
}

/* Every register the program could have live survives the stub: GPRs, RFLAGS, red zone, vectors. */
static void case_regs(void)
{
	char *portal = new_portal();
	unsigned level = vec_level();
	uint8_t *d = (uint8_t *)map(4096, PROT_READ | PROT_WRITE, 0);
	uint32_t seq = 0;

	fprintf(stderr, "vector level %u\n", level);
	for (int round = 0; round < 4; round++) {
		probe_once(probe_enq, 1, portal, d, seq, level);
		expect_rec(seq++, portal, K_ENQCMD, d);
		probe_once(probe_mov, 0, portal + 64, d, seq, level);
		expect_rec(seq++, portal + 64, K_MOVDIR64B, d);
	}
	CHECK(traps() == 2);
	CHECK(sites() == 2);
	CHECK(*(const uint8_t *)probe_enq_site == 0xe9 && *(const uint8_t *)probe_mov_site == 0xe9);
}

/* Addressing forms at patched sites: each runs three times, the first traps. */
static void case_forms(void)
{
	static int (*const form[4])(void *, const void *) = { enqcmd_sib_disp32, enqcmd_r13_r14_disp8, enq_rsp, enqcmd_addr32 };
	char *portal = new_portal();
	char *low_portal = map(4096, PROT_NONE, MAP_32BIT);
	uint8_t *low_src = (uint8_t *)map(4096, PROT_READ | PROT_WRITE, MAP_32BIT);
	size_t n = 0;
	uint32_t seq = 0;

	dbl.add_portal(low_portal, 4096);
	for (int round = 0; round < 3; round++) {
		for (int f = 0; f < 4; f++) {
			char *to = f == 3 ? low_portal : portal + 64 * f;
			uint8_t *src = f == 3 ? low_src + 100 : desc;
			int retry = (int)(seq & 1);

			fill(src, seq++, retry ? 'R' : 0);
			CHECK(form[f](to, src) == retry);
			expect_rec(n++, to, K_ENQCMD, src);
		}
		fill(rip_desc, seq++, 'R');
		CHECK(enq_rip(portal) == 1);
		expect_rec(n++, portal, K_ENQCMD, rip_desc);
		fill(rip_desc, seq++, 0);
		mov_rip(portal + 128);
		expect_rec(n++, portal + 128, K_MOVDIR64B, rip_desc);
		fill(tls_desc, seq++, 0);
		CHECK(enqcmd_fs(portal) == 0);
		expect_rec(n++, portal, K_ENQCMD, tls_desc);
	}
	CHECK(traps() == 7);
	CHECK(sites() == 7);
}

/*
 * The source of a patched site becomes unreadable: the program's handler
 * gets the #PF the signal path gives, at the site; readable again, the
 * site runs through its stub again.
 */
static void case_bad_source(void)
{
	char *portal = new_portal();
	char *pages = map(3 * 4096, PROT_READ | PROT_WRITE, 0);
	char *none = pages + 4096, *gone = pages + 2 * 4096;

	fill((uint8_t *)pages, 1, 0);
	CHECK(enq(portal, pages, 0, NULL) == 0);
	CHECK(mov(portal, pages, 1) == 1);
	CHECK(traps() == 2 && sites() == 2);
	CHECK(mprotect(none, 4096, PROT_NONE) == 0);
	CHECK(munmap(gone, 4096) == 0);
	catch(SIGSEGV, 0);
	EXPECT_SIGNAL(enq(portal, none + 8, 0, NULL), SIGSEGV, SEGV_ACCERR, none + 8, at_enq);
	EXPECT_SIGNAL(enq(portal, none - 10, 0, NULL), SIGSEGV, SEGV_ACCERR, none, at_enq);
	EXPECT_SIGNAL(enq(portal, gone, 0, NULL), SIGSEGV, SEGV_MAPERR, gone, at_enq);
	/* MOVDIR64B: whatever the CPU (or the signal path) reports, at the site. */
	got_sig = 0;
	if (!sigsetjmp(jb, 1))
		mov(portal, none + 8, 0);
	CHECK(got_sig == SIGSEGV && got_rip == at_mov);
	CHECK((char *)got_addr >= none && (char *)got_addr < none + 72);
	CHECK(dbl.count() == 2);
	CHECK(mprotect(none, 4096, PROT_READ | PROT_WRITE) == 0);
	fill((uint8_t *)none, 2, 'R');
	CHECK(enq(portal, none, 0, NULL) == 1);
	expect_rec(2, portal, K_ENQCMD, (uint8_t *)none);
	/* RIP-relative sources: the out-of-line copy's displacement names them too. */
	fill(rip_desc, 3, 0);
	mov_rip(portal);
	CHECK(enq_rip(portal) == 0);
	CHECK(traps() == 4 && sites() == 4);
	CHECK(mprotect(rip_desc, 4096, PROT_NONE) == 0);
	got_sig = 0;
	if (!sigsetjmp(jb, 1))
		mov_rip(portal);
	CHECK(got_sig == SIGSEGV && got_rip == at_mov_rip);
	CHECK((uint8_t *)got_addr >= rip_desc && (uint8_t *)got_addr < rip_desc + 64);
	EXPECT_SIGNAL(enq_rip(portal), SIGSEGV, SEGV_ACCERR, rip_desc, at_rip);
	CHECK(dbl.count() == 5);
	CHECK(traps() == 4);
}

/* #GP at a patched site: misaligned portal, a non-canonical source, a refused store; at the site. */
static void case_gp(void)
{
	char *portal = new_portal();

	fill(desc, 1, 0);
	CHECK(enq(portal, desc, 0, NULL) == 0);
	CHECK(mov(portal, desc, 0) == 0);
	CHECK(sites() == 2);
	catch(SIGSEGV, 0);
	EXPECT_SIGNAL(enq(portal + 8, desc, 0, NULL), SIGSEGV, SI_KERNEL, NULL, at_enq);
	EXPECT_SIGNAL(mov(portal + 32, desc, 0), SIGSEGV, SI_KERNEL, NULL, at_mov);
	EXPECT_SIGNAL(enq(portal, (void *)0x8000000000000000ull, 0, NULL), SIGSEGV, SI_KERNEL, NULL,
		      at_enq);
	fill(desc, 2, 'P');
	EXPECT_SIGNAL(enq(portal, desc, 0, NULL), SIGSEGV, SI_KERNEL, NULL, at_enq);
	EXPECT_SIGNAL(mov(portal, desc, 0), SIGSEGV, SI_KERNEL, NULL, at_mov);
	/* The double records a refused descriptor: each reached it once, not again from the copy. */
	CHECK(dbl.count() == 4);
	fill(desc, 3, 'R');
	CHECK(enq(portal, desc, 0, NULL) == 1);	/* and the site still works */
	CHECK(dbl.count() == 5);
	CHECK(traps() == 2);
}

/*
 * The portal goes away after the sites were patched: the program gets
 * what the instruction really does - #UD (ENQCMD where the CPU lacks it)
 * or a fault, at the site - and a MOVDIR64B to memory mapped there now
 * really stores.
 */
static void case_portal_gone(void)
{
	char *portal = new_portal();
	char *mem;

	fill(desc, 1, 0);
	CHECK(enq(portal, desc, 0, NULL) == 0);
	CHECK(mov(portal, desc, 0) == 0);
	CHECK(sites() == 2);
	dbl.remove_portal(portal);
	CHECK(munmap(portal, 4096) == 0);
	catch(SIGSEGV, 0);
	catch(SIGILL, 0);
	got_sig = 0;
	if (!sigsetjmp(jb, 1))
		enq(portal, desc, 0, NULL);
	CHECK(got_sig == SIGILL || got_sig == SIGSEGV);
	CHECK(got_rip == at_enq);
	if (got_sig == SIGILL)
		CHECK(got_addr == (void *)at_enq);
	got_sig = 0;
	if (!sigsetjmp(jb, 1))
		mov(portal, desc, 0);
	CHECK(got_sig == SIGILL || (got_sig == SIGSEGV && got_addr == portal));
	CHECK(got_rip == at_mov);
	mem = mmap(portal, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(mem == portal);
	fill(desc, 2, 0);
	got_sig = 0;
	if (!sigsetjmp(jb, 1)) {
		mov(portal + 64, desc, 0);
		CHECK(memcmp(portal + 64, desc, 64) == 0);	/* the CPU has MOVDIR64B */
	} else {
		CHECK(got_sig == SIGILL && got_rip == at_mov);	/* it lacks it */
	}
	CHECK(dbl.count() == 2);
}

/* SVA_NATIVE_PATCH=0 (set by the runner): every execution traps. */
static void case_no_patch(void)
{
	char *portal = new_portal();

	for (uint32_t i = 0; i < 100; i++) {
		fill(desc, i, 0);
		CHECK(enq(portal, desc, 0, NULL) == 0);
	}
	CHECK(traps() == 100);
	CHECK(sites() == 0);
	CHECK(*(const uint8_t *)at_enq == 0xf2);
}

static pthread_mutex_t hold = PTHREAD_MUTEX_INITIALIZER;

static void *holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&hold);
	pthread_mutex_unlock(&hold);
	return NULL;
}

/*
 * A second thread exists at the first trap.  With SVA_NATIVE_PATCH=single
 * (set by the runner for threads_single) nothing is patched while it
 * lives; it is looked for again at the 2nd, 4th, 8th ... trap after that,
 * so once it is gone the site is patched.  By default the site is patched
 * at once, the other thread notwithstanding.
 */
static void threads_present(int single)
{
	char *portal = new_portal();
	pthread_t t;
	uint32_t i;

	pthread_mutex_lock(&hold);
	CHECK(pthread_create(&t, NULL, holder, NULL) == 0);
	for (i = 0; i < 100; i++) {
		fill(desc, i, 0);
		CHECK(enq(portal, desc, 0, NULL) == 0);
	}
	CHECK(traps() == (single ? 100 : 1));
	CHECK(sites() == (single ? 0 : 1));
	pthread_mutex_unlock(&hold);
	CHECK(pthread_join(t, NULL) == 0);
	for (; i < 1000; i++) {
		fill(desc, i, 0);
		CHECK(enq(portal, desc, 0, NULL) == 0);
		expect_rec(i, portal, K_ENQCMD, desc);
	}
	CHECK(sites() == 1);
	CHECK(traps() <= (single ? 256 : 1));
}

static void case_threads_single(void)
{
	threads_present(1);
}

static void case_threads_present(void)
{
	threads_present(0);
}

#define PER_THREAD 3000

static char *race_portal;

static void *submitter(void *arg)
{
	uint8_t d[64];
	uint32_t id = (uint32_t)(uintptr_t)arg;

	for (uint32_t i = 0; i < PER_THREAD; i++) {
		fill(d, i, 0);
		d[4] = (uint8_t)id;
		CHECK(enq(race_portal + 64 * id, d, 0, NULL) == 0);
	}
	return NULL;
}

/*
 * Two threads run a site at once from its first execution, so it is
 * patched while the other thread may be executing it; then twice more on
 * the patched site.  Every descriptor arrives whole, once, in each
 * thread's order.
 */
static void case_threads_race(void)
{
	struct trap_double_rec r;
	size_t k = 0;
	uint64_t after_first = 0;

	race_portal = new_portal();
	for (int round = 0; round < 3; round++) {
		pthread_t t[2];
		uint32_t next[2] = { 0, 0 };

		for (uintptr_t i = 0; i < 2; i++)
			CHECK(pthread_create(&t[i], NULL, submitter, (void *)i) == 0);
		for (int i = 0; i < 2; i++)
			CHECK(pthread_join(t[i], NULL) == 0);
		CHECK(dbl.count() == (size_t)(round + 1) * 2 * PER_THREAD);
		for (; k < (size_t)(round + 1) * 2 * PER_THREAD; k++) {
			uint8_t want[64];
			uint32_t id, seq;

			CHECK(dbl.get(k, &r));
			id = r.desc[4];
			CHECK(id < 2);
			memcpy(&seq, r.desc, sizeof(seq));
			CHECK(seq == next[id]);
			next[id]++;
			fill(want, seq, 0);
			want[4] = (uint8_t)id;
			CHECK(memcmp(want, r.desc, 64) == 0);
			CHECK(r.portal == (uint64_t)(uintptr_t)(race_portal + 64 * id));
		}
		/* Patched during the first round: the other thread trapped until it was done. */
		if (round == 0)
			after_first = traps();
		CHECK(sites() == 1);
	}
	CHECK(sites() == 1);
	CHECK(traps() == after_first);	/* rounds 2 and 3 ran the patched site only */
}

/* A child inherits the patched site and its stub. */
static void case_fork(void)
{
	char *portal = new_portal();
	pid_t pid;
	int st;

	fill(desc, 1, 0);
	CHECK(enq(portal, desc, 0, NULL) == 0);
	CHECK(sites() == 1);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		fill(desc, 2, 'R');
		CHECK(enq(portal, desc, 0, NULL) == 1);
		expect_rec(1, portal, K_ENQCMD, desc);
		CHECK(traps() == 1);
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
 * Not a timed test: the cost of one submission through the trap layer to
 * the null runtime, patched (default) or trapping (SVA_NATIVE_PATCH=0).
 * PATCH_BENCH_N submissions, default 20000.
 */
static void case_bench(void)
{
	char *portal = new_portal();
	const char *env = getenv("PATCH_BENCH_N");
	long n = env ? atol(env) : 20000;
	double t0, t1, t2;

	fill(desc, 0, 0);
	memcpy(desc + TRAP_DOUBLE_NULL_AT, TRAP_DOUBLE_NULL, sizeof(TRAP_DOUBLE_NULL) - 1);
	CHECK(enq(portal, desc, 0, NULL) == 0);		/* the first ones trap */
	CHECK(mov(portal, desc, 0) == 0);
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		enq(portal, desc, 0, NULL);
	t1 = now_ns();
	for (long i = 0; i < n; i++)
		mov(portal, desc, 0);
	t2 = now_ns();
	printf("%ld submissions each: ENQCMD %.0f ns, MOVDIR64B %.0f ns; traps %llu, sites patched %llu\n",
	       n, (t1 - t0) / (double)n, (t2 - t1) / (double)n, (unsigned long long)traps(),
	       (unsigned long long)sites());
	CHECK(dbl.count() == 0);
}

static const struct prog_case cases[] = {
	{ "loop_enqcmd", case_loop_enqcmd },
	{ "loop_movdir64b", case_loop_movdir64b },
	{ "regs", case_regs },
	{ "forms", case_forms },
	{ "bad_source", case_bad_source },
	{ "gp", case_gp },
	{ "portal_gone", case_portal_gone },
	{ "no_patch", case_no_patch },
	{ "threads_present", case_threads_present },
	{ "threads_single", case_threads_single },
	{ "threads_race", case_threads_race },
	{ "fork", case_fork },
	{ "bench", case_bench },
};

int main(int argc, char **argv)
{
	return prog_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]), bind_double);
}
