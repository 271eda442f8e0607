// SPDX-License-Identifier: MIT
/*
 * Decoder for the six instructions native mode emulates: ENQCMD, ENQCMDS,
 * MOVDIR64B, UMONITOR, UMWAIT, TPAUSE, in 64-bit mode.  The trap handler
 * gets a faulting RIP and a register file; this tells it which instruction
 * is there, how long it is, and what its operands evaluate to.  It reads
 * the bytes only, touches no host state, and never reads past `avail`
 * (the rest of the page may be unmapped).
 */
#ifndef SVA_NATIVE_X86_DECODE_H
#define SVA_NATIVE_X86_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* Architectural GPR numbering, the one ModRM/SIB/REX use. */
enum x86_gpr {
	X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
	X86_NGPR
};

struct x86_regs {
	uint64_t gpr[X86_NGPR];
	uint64_t rip;		/* address of the instruction being decoded */
};

enum x86_insn {
	X86_ENQCMD = 1,		/* F2 0F 38 F8 /r, mod != 11 */
	X86_ENQCMDS,		/* F3 0F 38 F8 /r, mod != 11 */
	X86_MOVDIR64B,		/* 66 0F 38 F8 /r, mod != 11 */
	X86_UMONITOR,		/* F3 0F AE /6, mod == 11 */
	X86_UMWAIT,		/* F2 0F AE /6, mod == 11 */
	X86_TPAUSE,		/* 66 0F AE /6, mod == 11 */
};

/* Segment override that matters in 64-bit mode: the caller adds its base. */
enum x86_seg { X86_SEG_NONE, X86_SEG_FS, X86_SEG_GS };

enum x86_decode_err {
	X86_DEC_OK = 0,
	X86_DEC_UNKNOWN,	/* not one of the six */
	X86_DEC_NEED_MEM,	/* ENQCMD(S)/MOVDIR64B with a register r/m */
	X86_DEC_NEED_REG,	/* UMONITOR/UMWAIT/TPAUSE with a memory r/m */
	X86_DEC_TRUNCATED,	/* ran out of readable bytes */
	X86_DEC_TOO_LONG,	/* would exceed 15 bytes: #GP on hardware */
	X86_DEC_LOCK,		/* LOCK prefix: #UD on hardware */
};

struct x86_decoded {
	enum x86_insn insn;
	unsigned len;		/* bytes, prefixes included */
	/*
	 * The register operand: ModRM.reg for ENQCMD(S)/MOVDIR64B (the
	 * destination portal address, an ES offset), ModRM.r/m for the
	 * WAITPKG three.  Its value is truncated to the operand size:
	 * the address size for the first four (32 bits under 0x67), always
	 * 32 bits for UMWAIT/TPAUSE's control word.
	 */
	unsigned reg;
	uint64_t reg_value;
	/* ENQCMD(S)/MOVDIR64B's m512 source: its effective address. */
	int has_mem;
	uint64_t ea;
	int addr32;		/* 0x67 seen: addresses are 32-bit */
	/*
	 * FS/GS override; applies to the source memory operand and to
	 * UMONITOR's address (the portal destination is always ES).
	 */
	enum x86_seg seg;
};

/*
 * Decode the instruction at `bytes` (`avail` readable bytes) with register
 * values `regs`.  Returns X86_DEC_OK and fills `out`, or an error.
 */
enum x86_decode_err x86_decode(const uint8_t *bytes, size_t avail,
			       const struct x86_regs *regs,
			       struct x86_decoded *out);

const char *x86_decode_strerror(enum x86_decode_err err);

#endif
