// SPDX-License-Identifier: MIT
/*
 * A decoder for exactly the instructions native mode emulates; see
 * x86_decode.h.  Layout of what it accepts (SDM Vol. 2, chapter 2):
 *
 *   legacy prefixes*  REX?  0F (38 F8 | AE)  ModRM  SIB?  disp8|disp32?
 */
#include <assert.h>

#include "native/x86_decode.h"

#define X86_MAX_LEN	15

struct cursor {
	const uint8_t *bytes;
	size_t avail;
	unsigned pos;
};

/*
 * Fetch the next byte.  The architectural limit comes first: a 16th byte
 * is #GP whether or not it is readable.
 */
static enum x86_decode_err next(struct cursor *c, uint8_t *b)
{
	if (c->pos >= X86_MAX_LEN)
		return X86_DEC_TOO_LONG;
	if (c->pos >= c->avail)
		return X86_DEC_TRUNCATED;
	*b = c->bytes[c->pos++];
	return X86_DEC_OK;
}

static enum x86_decode_err next_disp(struct cursor *c, unsigned size,
				     int64_t *disp)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++) {
		uint8_t b;
		enum x86_decode_err err = next(c, &b);

		if (err)
			return err;
		v |= (uint32_t)b << (8 * i);
	}
	*disp = size == 1 ? (int64_t)(int8_t)v : (int64_t)(int32_t)v;
	return X86_DEC_OK;
}

struct prefixes {
	uint8_t mandatory;	/* 0, 0x66, 0xf2 or 0xf3 */
	uint8_t rex;		/* 0 when absent */
	int addr32, lock;
	enum x86_seg seg;
};

/*
 * Legacy prefixes in any order, repeats allowed.  F2/F3 select the
 * instruction over 66 whatever their order, and the last of F2/F3 wins
 * (as GNU objdump decodes them: 66 F2 and F2 66 are both ENQCMD with a
 * stray data16, F3 F2 is ENQCMD, F2 F3 is ENQCMDS).  CS/DS/ES/SS overrides are null
 * prefixes in 64-bit mode; of FS/GS the last counts.  A REX counts only
 * directly before the opcode: one followed by a legacy prefix is ignored.
 * Returns with the first opcode byte in *op.
 */
static enum x86_decode_err read_prefixes(struct cursor *c, struct prefixes *p,
					 uint8_t *op)
{
	int saw66 = 0;

	for (;;) {
		uint8_t b;
		enum x86_decode_err err = next(c, &b);

		if (err)
			return err;
		switch (b) {
		case 0x66:
			saw66 = 1;
			break;
		case 0xf2:
		case 0xf3:
			p->mandatory = b;
			break;
		case 0x67:
			p->addr32 = 1;
			break;
		case 0xf0:
			p->lock = 1;
			break;
		case 0x64:
			p->seg = X86_SEG_FS;
			break;
		case 0x65:
			p->seg = X86_SEG_GS;
			break;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			break;
		default:
			if ((b & 0xf0) == 0x40) {
				p->rex = b;
				continue;	/* keep it only if the opcode follows */
			}
			if (!p->mandatory && saw66)
				p->mandatory = 0x66;
			*op = b;
			return X86_DEC_OK;
		}
		p->rex = 0;
	}
}

static uint64_t addr_mask(int addr32)
{
	return addr32 ? 0xffffffffull : ~0ull;
}

/*
 * Effective address of a ModRM memory operand (mod != 11), reading SIB
 * and displacement as needed.  Base and index registers are read at the
 * address size; the sum wraps at it.
 */
static enum x86_decode_err memory_operand(struct cursor *c, uint8_t modrm,
					  const struct prefixes *p,
					  const struct x86_regs *regs,
					  uint64_t *ea)
{
	unsigned mod = modrm >> 6, rm = modrm & 7;
	unsigned rex_b = (p->rex >> 0) & 1, rex_x = (p->rex >> 1) & 1;
	uint64_t mask = addr_mask(p->addr32);
	uint64_t sum = 0;
	int64_t disp = 0;
	int rip_rel = 0;
	enum x86_decode_err err;

	assert(mod != 3);
	if (rm == 4) {
		uint8_t sib;
		unsigned base, index;

		err = next(c, &sib);
		if (err)
			return err;
		base = sib & 7;
		index = ((sib >> 3) & 7) | rex_x << 3;
		/* index 100b without REX.X means none; with it, r12. */
		if (index != X86_RSP)
			sum += (regs->gpr[index] & mask) << (sib >> 6);
		if (base == 5 && mod == 0) {
			err = next_disp(c, 4, &disp);	/* no base */
			if (err)
				return err;
		} else {
			sum += regs->gpr[base | rex_b << 3] & mask;
		}
	} else if (rm == 5 && mod == 0) {
		rip_rel = 1;	/* REX.B does not matter here */
		err = next_disp(c, 4, &disp);
		if (err)
			return err;
	} else {
		sum += regs->gpr[rm | rex_b << 3] & mask;
	}
	if (mod == 1 || mod == 2) {
		err = next_disp(c, mod == 1 ? 1 : 4, &disp);
		if (err)
			return err;
	}
	/*
	 * RIP-relative counts from the next instruction, which ends here: no
	 * immediate follows in any of these encodings.
	 */
	if (rip_rel)
		sum = regs->rip + c->pos;
	*ea = (sum + (uint64_t)disp) & mask;
	return X86_DEC_OK;
}

static enum x86_insn pick(uint8_t mandatory, enum x86_insn if66,
			  enum x86_insn iff2, enum x86_insn iff3)
{
	switch (mandatory) {
	case 0x66: return if66;
	case 0xf2: return iff2;
	case 0xf3: return iff3;
	default: return 0;
	}
}

/* Opcode bytes after 0F: which instruction, and whether r/m is memory. */
static enum x86_decode_err read_opcode(struct cursor *c, const struct prefixes *p,
				       uint8_t *modrm, enum x86_insn *insn,
				       int *wants_mem)
{
	uint8_t b;
	enum x86_decode_err err = next(c, &b);

	if (err)
		return err;
	if (b == 0x38) {
		err = next(c, &b);
		if (err)
			return err;
		if (b != 0xf8)
			return X86_DEC_UNKNOWN;
		*insn = pick(p->mandatory, X86_MOVDIR64B, X86_ENQCMD, X86_ENQCMDS);
		*wants_mem = 1;
	} else if (b == 0xae) {
		*insn = pick(p->mandatory, X86_TPAUSE, X86_UMWAIT, X86_UMONITOR);
		*wants_mem = 0;
	} else {
		return X86_DEC_UNKNOWN;
	}
	if (!*insn)
		return X86_DEC_UNKNOWN;
	err = next(c, modrm);
	if (err)
		return err;
	/* 0F AE is a group: only /6 is the WAITPKG row. */
	if (!*wants_mem && ((*modrm >> 3) & 7) != 6)
		return X86_DEC_UNKNOWN;
	return X86_DEC_OK;
}

enum x86_decode_err x86_decode(const uint8_t *bytes, size_t avail,
			       const struct x86_regs *regs,
			       struct x86_decoded *out)
{
	struct cursor c = { .bytes = bytes, .avail = avail };
	struct prefixes p = { 0 };
	enum x86_insn insn = 0;
	uint8_t op, modrm;
	int wants_mem, is_mem;
	unsigned reg;
	enum x86_decode_err err;

	assert(regs && out);
	err = read_prefixes(&c, &p, &op);
	if (err)
		return err;
	if (op != 0x0f)
		return X86_DEC_UNKNOWN;
	err = read_opcode(&c, &p, &modrm, &insn, &wants_mem);
	if (err)
		return err;
	is_mem = (modrm >> 6) != 3;
	if (wants_mem && !is_mem)
		return X86_DEC_NEED_MEM;
	if (!wants_mem && is_mem)
		return X86_DEC_NEED_REG;
	*out = (struct x86_decoded){ .insn = insn, .addr32 = p.addr32,
				     .seg = p.seg, .has_mem = is_mem };
	if (is_mem) {
		err = memory_operand(&c, modrm, &p, regs, &out->ea);
		if (err)
			return err;
		reg = ((modrm >> 3) & 7) | ((p.rex >> 2) & 1) << 3;
		out->reg_value = regs->gpr[reg] & addr_mask(p.addr32);
	} else {
		reg = (modrm & 7) | (p.rex & 1) << 3;
		out->reg_value = regs->gpr[reg] &
			addr_mask(p.addr32 || insn != X86_UMONITOR);
	}
	/* LOCK is #UD, but only once the bytes are known to form the insn. */
	if (p.lock)
		return X86_DEC_LOCK;
	out->reg = reg;
	out->len = c.pos;
	return X86_DEC_OK;
}

const char *x86_decode_strerror(enum x86_decode_err err)
{
	switch (err) {
	case X86_DEC_OK: return "ok";
	case X86_DEC_UNKNOWN: return "not an emulated instruction";
	case X86_DEC_NEED_MEM: return "register operand where memory is required";
	case X86_DEC_NEED_REG: return "memory operand where a register is required";
	case X86_DEC_TRUNCATED: return "instruction bytes truncated";
	case X86_DEC_TOO_LONG: return "instruction longer than 15 bytes";
	case X86_DEC_LOCK: return "LOCK prefix (#UD)";
	}
	return "unknown decode error";
}
