// SPDX-License-Identifier: MIT
/*
 * Native mode's instruction decoder: every addressing form, the six
 * instructions, prefixes, and each error.  Byte sequences are GNU as
 * output on x86-64 (the source line is the comment beside them); expected
 * addresses are computed here from the register values.
 */
#include <stdlib.h>
#include <string.h>

#include "native/x86_decode.h"
#include "testutil.h"

#define MAXB 16

struct want {
	const char *src;		/* the assembler line */
	uint8_t b[MAXB];
	unsigned n;
	enum x86_insn insn;
	unsigned reg;
	uint64_t reg_value;
	int has_mem;
	uint64_t ea;
	enum x86_seg seg;
	int addr32;
};

static struct x86_regs regs(void)
{
	struct x86_regs r = { .rip = 0x00007fff12340000ull };

	/* High bits set and distinct, so truncation and mix-ups show. */
	for (unsigned i = 0; i < X86_NGPR; i++)
		r.gpr[i] = (uint64_t)(i + 1) * 0x0123456789abcdefull;
	return r;
}

/*
 * Decode from a buffer holding exactly n bytes, so that ASan reports any
 * read past the end.
 */
static enum x86_decode_err decode_exact(const uint8_t *b, size_t n,
					const struct x86_regs *r,
					struct x86_decoded *out)
{
	uint8_t *buf = malloc(n ? n : 1);
	enum x86_decode_err err;

	assert_non_null(buf);
	memcpy(buf, b, n);
	err = x86_decode(n ? buf : buf + 1, n, r, out);
	free(buf);
	return err;
}

static void check(const struct want *w)
{
	struct x86_regs r = regs();
	struct x86_decoded d;
	enum x86_decode_err err = decode_exact(w->b, w->n, &r, &d);

	print_message("%-40s -> %s\n", w->src, x86_decode_strerror(err));
	assert_int_equal(err, X86_DEC_OK);
	assert_int_equal(d.insn, w->insn);
	assert_int_equal(d.len, w->n);
	assert_int_equal(d.reg, w->reg);
	assert_int_equal(d.reg_value, w->reg_value);
	assert_int_equal(d.has_mem, w->has_mem);
	if (w->has_mem)
		assert_int_equal(d.ea, w->ea);
	assert_int_equal(d.seg, w->seg);
	assert_int_equal(d.addr32, w->addr32);
	/* Every shorter prefix of a valid instruction is truncated. */
	for (unsigned n = 0; n < w->n; n++)
		assert_int_equal(decode_exact(w->b, n, &r, &d), X86_DEC_TRUNCATED);
}

#define R(x)	(rg.gpr[X86_##x])
#define E(x)	((uint32_t)R(x))

#define MEM(s, ins, regno, ea_, ...) { .src = s, .b = { __VA_ARGS__ }, \
	.n = sizeof((uint8_t[]){ __VA_ARGS__ }), .insn = ins, \
	.reg = X86_##regno, .reg_value = R(regno), .has_mem = 1, .ea = (ea_) }

static void run(const struct want *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check(&w[i]);
}

static void test_instructions(void **state)
{
	struct x86_regs rg = regs();
	struct want w[] = {
		MEM("enqcmd (%rsi), %rdi", X86_ENQCMD, RDI, R(RSI),
		    0xf2, 0x0f, 0x38, 0xf8, 0x3e),
		MEM("enqcmds (%rsi), %rdi", X86_ENQCMDS, RDI, R(RSI),
		    0xf3, 0x0f, 0x38, 0xf8, 0x3e),
		MEM("movdir64b (%rsi), %rdi", X86_MOVDIR64B, RDI, R(RSI),
		    0x66, 0x0f, 0x38, 0xf8, 0x3e),
		{ .src = "umonitor %rax", .b = { 0xf3, 0x0f, 0xae, 0xf0 }, .n = 4,
		  .insn = X86_UMONITOR, .reg = X86_RAX, .reg_value = R(RAX) },
		{ .src = "umwait %ecx", .b = { 0xf2, 0x0f, 0xae, 0xf1 }, .n = 4,
		  .insn = X86_UMWAIT, .reg = X86_RCX, .reg_value = E(RCX) },
		{ .src = "tpause %ecx", .b = { 0x66, 0x0f, 0xae, 0xf1 }, .n = 4,
		  .insn = X86_TPAUSE, .reg = X86_RCX, .reg_value = E(RCX) },
		{ .src = "tpause %eax", .b = { 0x66, 0x0f, 0xae, 0xf0 }, .n = 4,
		  .insn = X86_TPAUSE, .reg = X86_RAX, .reg_value = E(RAX) },
		{ .src = "umonitor %r9", .b = { 0xf3, 0x41, 0x0f, 0xae, 0xf1 },
		  .n = 5, .insn = X86_UMONITOR, .reg = X86_R9,
		  .reg_value = R(R9) },
		{ .src = "umwait %r9d", .b = { 0xf2, 0x41, 0x0f, 0xae, 0xf1 },
		  .n = 5, .insn = X86_UMWAIT, .reg = X86_R9, .reg_value = E(R9) },
		{ .src = "umwait %r15d", .b = { 0xf2, 0x41, 0x0f, 0xae, 0xf7 },
		  .n = 5, .insn = X86_UMWAIT, .reg = X86_R15,
		  .reg_value = E(R15) },
		{ .src = "tpause %r10d", .b = { 0x66, 0x41, 0x0f, 0xae, 0xf2 },
		  .n = 5, .insn = X86_TPAUSE, .reg = X86_R10,
		  .reg_value = E(R10) },
		{ .src = "umonitor %eax", .b = { 0x67, 0xf3, 0x0f, 0xae, 0xf0 },
		  .n = 5, .insn = X86_UMONITOR, .reg = X86_RAX,
		  .reg_value = E(RAX), .addr32 = 1 },
		{ .src = "fs umonitor %rsi", .b = { 0x64, 0xf3, 0x0f, 0xae, 0xf6 },
		  .n = 5, .insn = X86_UMONITOR, .reg = X86_RSI,
		  .reg_value = R(RSI), .seg = X86_SEG_FS },
	};

	(void)state;
	run(w, sizeof(w) / sizeof(w[0]));
}

static void test_addressing(void **state)
{
	struct x86_regs rg = regs();
	uint64_t rip = rg.rip;
	struct want w[] = {
		MEM("enqcmd 0x12(%rsi), %rdi", X86_ENQCMD, RDI, R(RSI) + 0x12,
		    0xf2, 0x0f, 0x38, 0xf8, 0x7e, 0x12),
		MEM("movdir64b -0x80(%rbp), %rcx", X86_MOVDIR64B, RCX,
		    R(RBP) - 0x80, 0x66, 0x0f, 0x38, 0xf8, 0x4d, 0x80),
		MEM("enqcmd 0x12345678(%rsi), %rdi", X86_ENQCMD, RDI,
		    R(RSI) + 0x12345678,
		    0xf2, 0x0f, 0x38, 0xf8, 0xbe, 0x78, 0x56, 0x34, 0x12),
		MEM("enqcmd -0x12345678(%rbx), %rcx", X86_ENQCMD, RCX,
		    R(RBX) - 0x12345678,
		    0xf2, 0x0f, 0x38, 0xf8, 0x8b, 0x88, 0xa9, 0xcb, 0xed),
		/* SIB, every scale */
		MEM("enqcmd (%rax,%rbx,1), %rdx", X86_ENQCMD, RDX, R(RAX) + R(RBX),
		    0xf2, 0x0f, 0x38, 0xf8, 0x14, 0x18),
		MEM("enqcmd (%rax,%rbx,2), %rdx", X86_ENQCMD, RDX,
		    R(RAX) + 2 * R(RBX), 0xf2, 0x0f, 0x38, 0xf8, 0x14, 0x58),
		MEM("enqcmd (%rax,%rbx,4), %rdx", X86_ENQCMD, RDX,
		    R(RAX) + 4 * R(RBX), 0xf2, 0x0f, 0x38, 0xf8, 0x14, 0x98),
		MEM("enqcmd 0x10(%rax,%rbx,8), %rdx", X86_ENQCMD, RDX,
		    R(RAX) + 8 * R(RBX) + 0x10,
		    0xf2, 0x0f, 0x38, 0xf8, 0x54, 0xd8, 0x10),
		/* SIB index 100b: no index */
		MEM("enqcmd (%rax,%riz,1), %rdx", X86_ENQCMD, RDX, R(RAX),
		    0xf2, 0x0f, 0x38, 0xf8, 0x14, 0x20),
		/* rsp/r12 as base need a SIB */
		MEM("enqcmd (%rsp), %rdx", X86_ENQCMD, RDX, R(RSP),
		    0xf2, 0x0f, 0x38, 0xf8, 0x14, 0x24),
		MEM("enqcmd (%r12), %rdx", X86_ENQCMD, RDX, R(R12),
		    0xf2, 0x41, 0x0f, 0x38, 0xf8, 0x14, 0x24),
		MEM("enqcmds 0x7f(%rsp), %rax", X86_ENQCMDS, RAX, R(RSP) + 0x7f,
		    0xf3, 0x0f, 0x38, 0xf8, 0x44, 0x24, 0x7f),
		MEM("enqcmd 0x80(%rsp), %rdi", X86_ENQCMD, RDI, R(RSP) + 0x80,
		    0xf2, 0x0f, 0x38, 0xf8, 0xbc, 0x24, 0x80, 0x00, 0x00, 0x00),
		/* rbp/r13 as base need a displacement */
		MEM("enqcmd (%rbp), %rdx", X86_ENQCMD, RDX, R(RBP),
		    0xf2, 0x0f, 0x38, 0xf8, 0x55, 0x00),
		MEM("enqcmd (%r13), %rdx", X86_ENQCMD, RDX, R(R13),
		    0xf2, 0x41, 0x0f, 0x38, 0xf8, 0x55, 0x00),
		/* SIB base 101b with mod 00: disp32, no base (REX.B too) */
		MEM("enqcmd 0x1000, %rdx", X86_ENQCMD, RDX, 0x1000,
		    0xf2, 0x0f, 0x38, 0xf8, 0x14, 0x25, 0x00, 0x10, 0x00, 0x00),
		MEM("enqcmd 0x1000, %rdx (REX.B set: still no base)", X86_ENQCMD,
		    RDX, 0x1000, 0xf2, 0x41, 0x0f, 0x38, 0xf8, 0x14, 0x25,
		    0x00, 0x10, 0x00, 0x00),
		MEM("enqcmd 0x1000(,%rbx,4), %rdx", X86_ENQCMD, RDX,
		    4 * R(RBX) + 0x1000,
		    0xf2, 0x0f, 0x38, 0xf8, 0x14, 0x9d, 0x00, 0x10, 0x00, 0x00),
		/* RIP-relative: from the end of the instruction */
		MEM("enqcmd 0x40(%rip), %rdx", X86_ENQCMD, RDX, rip + 9 + 0x40,
		    0xf2, 0x0f, 0x38, 0xf8, 0x15, 0x40, 0x00, 0x00, 0x00),
		MEM("enqcmd -0x10(%rip), %rdx", X86_ENQCMD, RDX, rip + 9 - 0x10,
		    0xf2, 0x0f, 0x38, 0xf8, 0x15, 0xf0, 0xff, 0xff, 0xff),
		/* REX.R/X/B */
		MEM("enqcmd (%r8,%r9,2), %r10", X86_ENQCMD, R10,
		    R(R8) + 2 * R(R9), 0xf2, 0x47, 0x0f, 0x38, 0xf8, 0x14, 0x48),
		MEM("enqcmd -8(%r15), %r11", X86_ENQCMD, R11, R(R15) - 8,
		    0xf2, 0x45, 0x0f, 0x38, 0xf8, 0x5f, 0xf8),
		MEM("enqcmd (%rax,%r12,1), %rdx", X86_ENQCMD, RDX, R(RAX) + R(R12),
		    0xf2, 0x42, 0x0f, 0x38, 0xf8, 0x14, 0x20),
		MEM("enqcmd 0x100(%r13,%r14,8), %r15", X86_ENQCMD, R15,
		    R(R13) + 8 * R(R14) + 0x100,
		    0xf2, 0x47, 0x0f, 0x38, 0xf8, 0xbc, 0xf5, 0x00, 0x01, 0x00,
		    0x00),
		MEM("movdir64b (%r8), %r9", X86_MOVDIR64B, R9, R(R8),
		    0x66, 0x45, 0x0f, 0x38, 0xf8, 0x08),
	};

	(void)state;
	run(w, sizeof(w) / sizeof(w[0]));
}

static void test_prefixes(void **state)
{
	struct x86_regs rg = regs();
	uint64_t rip = rg.rip;
	struct want w[] = {
		/* 0x67: 32-bit registers and addresses */
		MEM("enqcmd (%esi), %edi", X86_ENQCMD, RDI, E(RSI),
		    0x67, 0xf2, 0x0f, 0x38, 0xf8, 0x3e),
		MEM("enqcmd 0x10(%eax,%ebx,4), %edx", X86_ENQCMD, RDX,
		    (uint32_t)(E(RAX) + 4 * E(RBX) + 0x10),
		    0x67, 0xf2, 0x0f, 0x38, 0xf8, 0x54, 0x98, 0x10),
		MEM("enqcmd 0x11223344(%ecx,%edx,8), %eax", X86_ENQCMD, RAX,
		    (uint32_t)(E(RCX) + 8 * E(RDX) + 0x11223344u),
		    0x67, 0xf2, 0x0f, 0x38, 0xf8, 0x84, 0xd1,
		    0x44, 0x33, 0x22, 0x11),
		MEM("enqcmd 0x40(%eip), %edx", X86_ENQCMD, RDX,
		    (uint32_t)(rip + 10 + 0x40),
		    0x67, 0xf2, 0x0f, 0x38, 0xf8, 0x15, 0x40, 0x00, 0x00, 0x00),
		/* segment overrides */
		MEM("enqcmd %fs:(%rsi), %rdi", X86_ENQCMD, RDI, R(RSI),
		    0x64, 0xf2, 0x0f, 0x38, 0xf8, 0x3e),
		MEM("enqcmd %gs:(%rsi), %rdi", X86_ENQCMD, RDI, R(RSI),
		    0x65, 0xf2, 0x0f, 0x38, 0xf8, 0x3e),
		MEM("enqcmds %gs:0x20(%rip), %r8", X86_ENQCMDS, R8,
		    rip + 11 + 0x20, 0x65, 0xf3, 0x44, 0x0f, 0x38, 0xf8, 0x05,
		    0x20, 0x00, 0x00, 0x00),
		MEM("movdir64b %fs:(%r9,%r10,4), %rax", X86_MOVDIR64B, RAX,
		    R(R9) + 4 * R(R10),
		    0x64, 0x66, 0x43, 0x0f, 0x38, 0xf8, 0x04, 0x91),
		MEM("ds enqcmd (%rsi), %rdi (null prefix)", X86_ENQCMD, RDI,
		    R(RSI), 0x3e, 0xf2, 0x0f, 0x38, 0xf8, 0x3e),
		/* which mandatory prefix wins (as objdump decodes them) */
		MEM(".byte 66 f2 ...: data16 enqcmd", X86_ENQCMD, RDI, R(RSI),
		    0x66, 0xf2, 0x0f, 0x38, 0xf8, 0x3e),
		MEM(".byte f2 66 ...: data16 enqcmd", X86_ENQCMD, RDI, R(RSI),
		    0xf2, 0x66, 0x0f, 0x38, 0xf8, 0x3e),
		MEM(".byte f3 f2 ...: repz enqcmd", X86_ENQCMD, RDI, R(RSI),
		    0xf3, 0xf2, 0x0f, 0x38, 0xf8, 0x3e),
		MEM(".byte f2 f3 ...: repnz enqcmds", X86_ENQCMDS, RDI, R(RSI),
		    0xf2, 0xf3, 0x0f, 0x38, 0xf8, 0x3e),
		MEM(".byte f2 f2 ...: repeated prefix", X86_ENQCMD, RDI, R(RSI),
		    0xf2, 0xf2, 0x0f, 0x38, 0xf8, 0x3e),
		/* REX: W ignored; one not directly before 0F is dropped */
		MEM(".byte f2 48 ...: rex.W enqcmd", X86_ENQCMD, RDI, R(RSI),
		    0xf2, 0x48, 0x0f, 0x38, 0xf8, 0x3e),
		MEM(".byte 41 66 ...: rex.B; movdir64b (%rsi)", X86_MOVDIR64B,
		    RDI, R(RSI), 0x41, 0x66, 0x0f, 0x38, 0xf8, 0x3e),
		/* 10 prefixes + 5 = 15 bytes: the longest allowed */
		MEM("ds x10 enqcmd (%rsi), %rdi", X86_ENQCMD, RDI, R(RSI),
		    0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e,
		    0xf2, 0x0f, 0x38, 0xf8, 0x3e),
	};

	(void)state;
	w[4].seg = w[7].seg = X86_SEG_FS;
	w[5].seg = w[6].seg = X86_SEG_GS;
	for (unsigned i = 0; i < 4; i++)
		w[i].addr32 = 1;
	w[0].reg_value = E(RDI);
	w[1].reg_value = E(RDX);
	w[2].reg_value = E(RAX);
	w[3].reg_value = E(RDX);
	run(w, sizeof(w) / sizeof(w[0]));
}

static void expect_err(const char *what, const uint8_t *b, size_t n,
		       enum x86_decode_err want)
{
	struct x86_regs r = regs();
	struct x86_decoded d;
	enum x86_decode_err err = decode_exact(b, n, &r, &d);

	print_message("%-40s -> %s\n", what, x86_decode_strerror(err));
	assert_int_equal(err, want);
}

#define ERR(what, want, ...) do { \
	const uint8_t b_[] = { __VA_ARGS__ }; \
	expect_err(what, b_, sizeof(b_), want); \
} while (0)

static void test_errors(void **state)
{
	uint8_t pre[16];

	(void)state;
	ERR("nop", X86_DEC_UNKNOWN, 0x90);
	ERR("syscall", X86_DEC_UNKNOWN, 0x0f, 0x05);
	ERR("0f 38 f8 without a mandatory prefix", X86_DEC_UNKNOWN,
	    0x0f, 0x38, 0xf8, 0x3e);
	ERR("f2 0f 38 f9", X86_DEC_UNKNOWN, 0xf2, 0x0f, 0x38, 0xf9);
	ERR("f3 0f ae /5 (incsspd %eax)", X86_DEC_UNKNOWN,
	    0xf3, 0x0f, 0xae, 0xe8);
	ERR("0f ae /6 without prefix", X86_DEC_UNKNOWN, 0x0f, 0xae, 0xf0);
	ERR("vex c5 ...", X86_DEC_UNKNOWN, 0xc5, 0xf8, 0x77);
	ERR("enqcmd with register r/m", X86_DEC_NEED_MEM,
	    0xf2, 0x0f, 0x38, 0xf8, 0xc7);
	ERR("movdir64b with register r/m", X86_DEC_NEED_MEM,
	    0x66, 0x0f, 0x38, 0xf8, 0xc7);
	ERR("f3 0f ae /6 memory (umonitor needs reg)", X86_DEC_NEED_REG,
	    0xf3, 0x0f, 0xae, 0x30);
	ERR("66 0f ae /6 memory (clwb, not tpause)", X86_DEC_NEED_REG,
	    0x66, 0x0f, 0xae, 0x36);
	ERR("lock enqcmd", X86_DEC_LOCK, 0xf0, 0xf2, 0x0f, 0x38, 0xf8, 0x3e);
	ERR("lock umwait", X86_DEC_LOCK, 0xf2, 0xf0, 0x0f, 0xae, 0xf1);
	ERR("empty", X86_DEC_TRUNCATED);
	ERR("enqcmd missing disp32 byte", X86_DEC_TRUNCATED,
	    0xf2, 0x0f, 0x38, 0xf8, 0xbe, 0x78, 0x56, 0x34);
	/* 11 prefixes + 5 = 16 bytes, all readable */
	ERR("ds x11 enqcmd", X86_DEC_TOO_LONG,
	    0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e,
	    0x3e, 0xf2, 0x0f, 0x38, 0xf8, 0x3e);
	/* 15 prefixes and nothing more readable: #GP, not truncated */
	memset(pre, 0x66, sizeof(pre));
	expect_err("66 x15", pre, 15, X86_DEC_TOO_LONG);
	expect_err("66 x14", pre, 14, X86_DEC_TRUNCATED);
	/* length reaches 16 only in the displacement */
	ERR("prefixes x7 + enqcmd disp32 = 16", X86_DEC_TOO_LONG,
	    0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e,
	    0xf2, 0x0f, 0x38, 0xf8, 0xbe, 0x78, 0x56, 0x34, 0x12);
}

static int same(const struct x86_decoded *a, const struct x86_decoded *b)
{
	return a->insn == b->insn && a->len == b->len && a->reg == b->reg &&
	       a->reg_value == b->reg_value && a->has_mem == b->has_mem &&
	       a->ea == b->ea && a->addr32 == b->addr32 && a->seg == b->seg;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Random byte strings shaped like these instructions (prefixes, REX,
 * opcode, then random ModRM/SIB/displacement), cut at a random length and
 * sometimes with one byte replaced, so that every path is reached.  Each
 * buffer is allocated to its exact length: an over-read is an ASan error.
 * A success never claims more bytes than given, and decodes the same from
 * exactly its own length.
 */
static size_t random_insn(uint64_t *seed, uint8_t *t)
{
	static const uint8_t prefix[] = {
		0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x64, 0x65, 0x3e, 0x26, 0x2e,
		0x36, 0xf2, 0xf3, 0x66,
	};
	static const uint8_t opcode[][3] = {
		{ 0x0f, 0x38, 0xf8 }, { 0x0f, 0xae }, { 0x0f, 0x38, 0xf9 },
	};
	size_t len = 0, np = xorshift(seed) % 12;

	for (size_t i = 0; i < np; i++)
		t[len++] = prefix[xorshift(seed) % sizeof(prefix)];
	if (xorshift(seed) & 1)
		t[len++] = 0x40 | (xorshift(seed) & 0xf);
	const uint8_t *op = opcode[xorshift(seed) % 3];
	for (size_t i = 0; i < 3 && op[i]; i++)
		t[len++] = op[i];
	for (size_t i = 0; i < 6; i++)
		t[len++] = (uint8_t)xorshift(seed);
	if (xorshift(seed) % 8 == 0)
		t[xorshift(seed) % len] = (uint8_t)xorshift(seed);
	return len;
}

static void test_random_never_overreads(void **state)
{
	struct x86_regs r = regs();
	uint64_t seed = 0x5eed5eed12345678ull;
	unsigned ok = 0, mem = 0;

	(void)state;
	for (unsigned i = 0; i < 100000; i++) {
		uint8_t t[32];
		size_t full = random_insn(&seed, t);
		size_t n = xorshift(&seed) % (full + 1);
		uint8_t *buf = malloc(n ? n : 1);
		struct x86_decoded d, again;

		assert_non_null(buf);
		memcpy(buf, t, n);
		if (x86_decode(n ? buf : buf + 1, n, &r, &d) == X86_DEC_OK) {
			assert_true(d.len >= 4 && d.len <= n && d.len <= 15);
			assert_int_equal(x86_decode(buf, d.len, &r, &again),
					 X86_DEC_OK);
			assert_true(same(&d, &again));
			ok++;
			mem += d.has_mem;
		}
		free(buf);
	}
	print_message("%u of 100000 decoded, %u with memory operands\n", ok, mem);
	/* The shaping must reach real decodes, or the test proves little. */
	assert_true(ok > 1000 && mem > 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instructions),
		cmocka_unit_test(test_addressing),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_random_never_overreads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
