// SPDX-License-Identifier: MIT
/*
 * DSA CRC generation, copy with CRC, and the T10 DIF operations (check,
 * insert, strip, update).  CRC-32C and CRC16-T10DIF come from ISA-L.
 */
#include <string.h>

#include <isa-l/crc.h>

#include "dsa_ops_internal.h"

/* ---- CRC-32C ----------------------------------------------------------- */

/*
 * The engine is a reflected CRC-32C register (polynomial 0x82F63B78, the
 * iSCSI CRC), which is what ISA-L's crc32_iscsi() updates.  The descriptor
 * flags select how the seed enters and the result leaves (verified-facts
 * 2.8, DML's crc kernel and accel-config's CRC model agree):
 *   default           register = ~seed, result = ~register
 *   bypass inv/refl   register = bitrev(seed), result = bitrev(register)
 *   bypass data refl  each byte is fed most-significant bit first, which
 *                     for a reflected register means feeding bitrev8(byte)
 * With seed 0 and no flags this is the standard CRC-32C.  Both modes chain:
 * the result of a prefix, used as the seed, continues the CRC - which is
 * why a partial completion reports the prefix's CRC.
 */
static uint32_t bitrev32(uint32_t v)
{
	v = (v & 0x55555555u) << 1 | (v >> 1 & 0x55555555u);
	v = (v & 0x33333333u) << 2 | (v >> 2 & 0x33333333u);
	v = (v & 0x0f0f0f0fu) << 4 | (v >> 4 & 0x0f0f0f0fu);
	return __builtin_bswap32(v);
}

static uint8_t bitrev8(uint8_t b)
{
	b = (uint8_t)((b & 0x55u) << 1 | (b >> 1 & 0x55u));
	b = (uint8_t)((b & 0x33u) << 2 | (b >> 2 & 0x33u));
	return (uint8_t)(b << 4 | b >> 4);
}

uint32_t dsa_crc_seed_reg(uint32_t seed, bool bypass_inv_refl)
{
	return bypass_inv_refl ? bitrev32(seed) : ~seed;
}

uint32_t dsa_crc_final(uint32_t reg, bool bypass_inv_refl)
{
	return bypass_inv_refl ? bitrev32(reg) : ~reg;
}

uint32_t dsa_crc_update(uint32_t reg, const void *buf, uint64_t len,
			bool bypass_data_refl)
{
	const uint8_t *p = buf;
	uint8_t tmp[1024];

	while (len) {
		/* crc32_iscsi() takes an int length and a non-const pointer. */
		uint64_t c = dsa_min(len, bypass_data_refl ? sizeof(tmp) : 1u << 30);
		unsigned char *q = (unsigned char *)(uintptr_t)p;

		if (bypass_data_refl) {
			for (uint64_t i = 0; i < c; i++)
				tmp[i] = bitrev8(p[i]);
			q = tmp;
		}
		reg = crc32_iscsi(q, (int)c, reg);
		p += c;
		len -= c;
	}
	return reg;
}

/*
 * CRC generation (src only) and copy with CRC (src to dst).  The seed is
 * crc_seed, or the 32-bit little-endian value at seed_addr with flag bit 16.
 * crc_val (CR bytes 16..23) gets the 32-bit CRC.  On a fault:
 * bytes_completed = bytes done and crc_val = the CRC of those bytes, so
 * resubmitting the rest with that value as the seed finishes the CRC.
 */
void dsa_op_crc(const struct dsa_hw_desc *d, struct dsa_op_env *env,
		struct dsa_completion_record *cr, bool copy)
{
	bool binv = d->flags & DSA_CRC_FLAG_BYPASS_INV_REFL;
	bool bdata = d->flags & DSA_CRC_FLAG_BYPASS_DATA_REFL;
	uint64_t n = d->xfer_size, done = 0, gs, gd;
	uint32_t seed = d->crc_seed, reg;
	uint8_t *ps, *pd;

	if (d->flags & DSA_CRC_FLAG_READ_SEED) {
		uint8_t b[4];
		uint64_t got;

		if (dsa_ops_read(env, cr, d->seed_addr, b, 4, DSA_OPND_SEED,
				 &got))
			return;
		seed = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
		       (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	}
	reg = dsa_crc_seed_reg(seed, binv);
	while (done < n) {
		if (dsa_ops_map(env, cr, d->src_addr + done, n - done, false,
				DSA_OPND_ADDR1, &ps, &gs))
			break;
		gd = gs;
		if (copy) {
			if (dsa_ops_map(env, cr, d->dst_addr + done, gs, true,
					DSA_OPND_ADDR2, &pd, &gd))
				break;
			memcpy(pd, ps, gd);
			env->bytes_written += gd;
		}
		reg = dsa_crc_update(reg, ps, gd, bdata);
		done += gd;
		env->bytes_read += gd;
	}
	cr->crc_val = dsa_crc_final(reg, binv);
	if (done < n) {
		cr->bytes_completed = (uint32_t)done;
		return;
	}
	cr->status = DSA_COMP_SUCCESS;
}

/* ---- T10 DIF ----------------------------------------------------------- */

/*
 * Each protected block of 512/520/4096/4104 bytes is followed by an 8-byte
 * tuple, big-endian: guard (CRC16-T10DIF of the block, seed 0 or 0xFFFF,
 * optionally inverted), application tag, reference tag.
 */
struct dif_tags {
	uint32_t ref;
	uint16_t mask;	/* application tag bits set here are not checked */
	uint16_t app;
};

struct dif_tuple {
	uint16_t guard, app;
	uint32_t ref;
};

static void tuple_get(struct dif_tuple *t, const uint8_t b[8])
{
	t->guard = (uint16_t)(b[0] << 8 | b[1]);
	t->app = (uint16_t)(b[2] << 8 | b[3]);
	t->ref = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 |
		 (uint32_t)b[6] << 8 | b[7];
}

static void tuple_put(uint8_t b[8], const struct dif_tuple *t)
{
	b[0] = (uint8_t)(t->guard >> 8);
	b[1] = (uint8_t)t->guard;
	b[2] = (uint8_t)(t->app >> 8);
	b[3] = (uint8_t)t->app;
	b[4] = (uint8_t)(t->ref >> 24);
	b[5] = (uint8_t)(t->ref >> 16);
	b[6] = (uint8_t)(t->ref >> 8);
	b[7] = (uint8_t)t->ref;
}

/*
 * Check one source tuple against the computed guard and the expected tags;
 * returns dif_status bits (0 = good).  F-detect escapes: an all-ones tuple
 * with all-F detect is an error if the error bit is set, else the block is
 * not checked; an all-ones application tag (or application and reference
 * tags) with the matching detect bit skips the block.  Tags compare under
 * the mask (DML documents the bits and their conditions).
 */
static uint8_t dif_eval(const struct dif_tuple *t, uint16_t guard,
			const struct dif_tags *exp, uint8_t sf)
{
	bool app_f = t->app == 0xffff, ref_f = t->ref == 0xffffffffu;
	uint8_t st = 0;

	if ((sf & DSA_DIF_SRC_ALLF_DETECT) && app_f && ref_f &&
	    t->guard == 0xffff)
		return (sf & DSA_DIF_SRC_ALLF_ERR) ? DSA_DIF_ERR_ALLF : 0;
	if ((sf & DSA_DIF_SRC_APP_F_DETECT) && app_f)
		return 0;
	if ((sf & DSA_DIF_SRC_APPREF_F_DETECT) && app_f && ref_f)
		return 0;
	if (!(sf & DSA_DIF_SRC_GUARD_DIS) && t->guard != guard)
		st |= DSA_DIF_ERR_GUARD;
	if ((uint16_t)((t->app ^ exp->app) & ~exp->mask))
		st |= DSA_DIF_ERR_APP;
	if (!(sf & DSA_DIF_SRC_REF_DIS) && t->ref != exp->ref)
		st |= DSA_DIF_ERR_REF;
	return st;
}

/* Reference tags increment per block unless fixed; app tags only if asked. */
static void tags_next(struct dif_tags *t, bool fixed_ref, bool inc_app)
{
	if (!fixed_ref)
		t->ref++;
	if (inc_app)
		t->app++;
}

/*
 * Stream @n bytes of block data from @src (and to @dst when @copy),
 * continuing the guard CRC in *crc.  Returns 0 or 1 on a fault.
 */
static int dif_data(struct dsa_op_env *env, struct dsa_completion_record *cr,
		    uint64_t src, uint64_t dst, uint64_t n, bool copy,
		    bool need_crc, uint16_t *crc)
{
	uint64_t done = 0, gs, gd;
	uint8_t *ps, *pd;

	while (done < n) {
		if (dsa_ops_map(env, cr, src + done, n - done, false,
				DSA_OPND_ADDR1, &ps, &gs))
			return 1;
		gd = gs;
		if (copy) {
			if (dsa_ops_map(env, cr, dst + done, gs, true,
					DSA_OPND_ADDR2, &pd, &gd))
				return 1;
			memcpy(pd, ps, gd);
			env->bytes_written += gd;
		}
		if (need_crc)
			*crc = crc16_t10dif(*crc, ps, gd);
		done += gd;
		env->bytes_read += gd;
	}
	return 0;
}

/*
 * DIF check / insert / strip / update, block by block.  bytes_completed
 * counts source bytes of whole blocks done (on a DIF error: before the
 * failing block; on a fault: before the block that faulted, whose
 * destination bytes may already be written).  The CR tag fields hold the
 * tags of the next block to process and echo the masks, so software can
 * resume (accel-config's dsa_reprep_dif does exactly that): check/strip in
 * the dif_chk_* fields, insert in dif_ins_*, update in dif_upd_src/dest_*.
 */
void dsa_op_dif(const struct dsa_hw_desc *d, struct dsa_op_env *env,
		struct dsa_completion_record *cr)
{
	const unsigned int op = d->opcode;
	const uint8_t df = d->dif_chk_flags;	/* byte 42 for all four */
	const uint32_t bs = dsa_dif_block_size(df);
	const uint16_t seed = (df & DSA_DIF_INVERT_SEED) ? 0xffff : 0;
	const bool src_has = op != DSA_OPCODE_DIF_INS;
	const bool dst_has = op == DSA_OPCODE_DIF_INS || op == DSA_OPCODE_DIF_UPDT;
	const bool copy = op != DSA_OPCODE_DIF_CHECK;
	const uint64_t sstep = src_has ? bs + 8u : bs;
	const uint64_t dstep = dst_has ? bs + 8u : bs;
	const uint64_t blocks = d->xfer_size / sstep;
	uint8_t sf = 0, dflg = 0, b[8], st = 0;
	struct dif_tags s = { 0 }, t = { 0 };
	uint64_t k, got;

	if (op == DSA_OPCODE_DIF_UPDT) {
		sf = d->src_upd_flags;
		dflg = d->upd_dest_flags;
		s = (struct dif_tags){ d->src_ref_tag_seed, d->src_app_tag_mask,
				       d->src_app_tag_seed };
		t = (struct dif_tags){ d->dest_ref_tag_seed, d->dest_app_tag_mask,
				       d->dest_app_tag_seed };
	} else if (op == DSA_OPCODE_DIF_INS) {
		dflg = d->dest_dif_flag;
		t = (struct dif_tags){ d->ins_ref_tag_seed, d->ins_app_tag_mask,
				       d->ins_app_tag_seed };
	} else {
		sf = d->src_dif_flags;
		s = (struct dif_tags){ d->chk_ref_tag_seed, d->chk_app_tag_mask,
				       d->chk_app_tag_seed };
	}

	for (k = 0; k < blocks; k++) {
		const uint64_t sa = d->src_addr + k * sstep;
		const uint64_t da = d->dst_addr + k * dstep;
		const bool need_crc = dst_has || !(sf & DSA_DIF_SRC_GUARD_DIS);
		struct dif_tuple in = { 0 }, out;
		uint16_t crc = seed, guard;

		if (dif_data(env, cr, sa, da, bs, copy, need_crc, &crc))
			break;
		guard = (df & DSA_DIF_INVERT_RESULT) ? (uint16_t)~crc : crc;
		if (src_has) {
			if (dsa_ops_read(env, cr, sa + bs, b, 8, DSA_OPND_ADDR1,
					 &got))
				break;
			tuple_get(&in, b);
			st = dif_eval(&in, guard, &s, sf);
			if (st)
				break;
		}
		if (dst_has) {
			/* Pass-through copies a source field (update only). */
			bool upd = op == DSA_OPCODE_DIF_UPDT;

			out.guard = upd && (dflg & DSA_DIF_DST_GUARD_PASS) ?
				    in.guard : guard;
			out.app = upd && (dflg & DSA_DIF_DST_APP_PASS) ?
				  in.app : (uint16_t)(t.app & ~t.mask);
			out.ref = upd && (dflg & DSA_DIF_DST_REF_PASS) ?
				  in.ref : t.ref;
			tuple_put(b, &out);
			if (dsa_ops_write(env, cr, da + bs, b, 8, DSA_OPND_ADDR2,
					  &got))
				break;
		}
		tags_next(&s, sf & DSA_DIF_SRC_FIXED_REF, sf & DSA_DIF_SRC_INC_APP);
		tags_next(&t, dflg & DSA_DIF_DST_FIXED_REF,
			  dflg & DSA_DIF_DST_INC_APP);
	}

	cr->bytes_completed = (uint32_t)(k * sstep);
	if (op == DSA_OPCODE_DIF_UPDT) {
		cr->dif_upd_src_ref_tag = s.ref;
		cr->dif_upd_src_app_tag_mask = s.mask;
		cr->dif_upd_src_app_tag = s.app;
		cr->dif_upd_dest_ref_tag = t.ref;
		cr->dif_upd_dest_app_tag_mask = t.mask;
		cr->dif_upd_dest_app_tag = t.app;
	} else if (op == DSA_OPCODE_DIF_INS) {
		cr->dif_ins_ref_tag = t.ref;
		cr->dif_ins_app_tag_mask = t.mask;
		cr->dif_ins_app_tag = t.app;
	} else {
		cr->dif_chk_ref_tag = s.ref;
		cr->dif_chk_app_tag_mask = s.mask;
		cr->dif_chk_app_tag = s.app;
	}
	if (k == blocks) {
		cr->bytes_completed = 0;
		cr->status = DSA_COMP_SUCCESS;
	} else if (st) {
		cr->status = DSA_COMP_DIF_ERR;
		cr->dif_status = st;
	}
	/* else a fault: dsa_ops_map() has set status and fault fields */
}
