// SPDX-License-Identifier: MIT
/*
 * DSA operations: golden results against independent references (plain C
 * loops written here, ISA-L for CRC/DIF) and every op-specific status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/crc.h>

#include "testutil.h"
#include "dsa_tmem.h"
#include "hw/dsa/dsa_ops_internal.h"

#define BASE	0x100000ull
#define SIZE	(1ull << 20)
#define FL	(IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR)

static int setup(void **state)
{
	*state = tm_fx_new(BASE, SIZE, tu_seed(0x5eed0001));
	return 0;
}

static int teardown(void **state)
{
	tm_fx_free(*state);
	return 0;
}

/* ---- common checks -------------------------------------------------- */

static void test_noop_and_generic_checks(void **state)
{
	struct tm_fx *f = *state;
	struct dsa_hw_desc d = tm_desc(DSA_OPCODE_NOOP, 0, 0, 0, IDXD_OP_FLAG_FENCE);
	struct dsa_completion_record cr = tm_run(f, &d);

	assert_int_equal(cr.status, DSA_COMP_SUCCESS);
	assert_int_equal(dsa_op_check(&d, &f->env, &cr), 0);

	/* A flag the op does not take: INVALID_FLAGS, bits reported. */
	d.flags = FL | IDXD_OP_FLAG_BOF | 0x40;
	cr = tm_run(f, &d);
	assert_int_equal(cr.status, DSA_COMP_INVALID_FLAGS);
	assert_int_equal(cr.invalid_flags, IDXD_OP_FLAG_BOF | 0x40);

	d = tm_desc(DSA_OPCODE_MEMMOVE, BASE, BASE + 8192, 64, 0x010000);
	cr = tm_run(f, &d);
	assert_int_equal(cr.status, DSA_COMP_INVALID_FLAGS);
	assert_int_equal(cr.invalid_flags, 0x010000);

	/* Nonzero reserved op-specific byte. */
	d = tm_desc(DSA_OPCODE_NOOP, 0, 0, 0, 0);
	d.op_specific[23] = 1;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_NOZERO_RESERVE);
	d = tm_desc(DSA_OPCODE_MEMMOVE, BASE, BASE + 8192, 64, 0);
	d.op_specific[0] = 1;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_NOZERO_RESERVE);

	/* Batch, drain and unknown opcodes are not ours. */
	d = tm_desc(DSA_OPCODE_BATCH, 0, 0, 0, 0);
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_BAD_OPCODE);
	assert_false(dsa_op_is_handled(DSA_OPCODE_DRAIN));
	assert_false(dsa_op_is_handled(0x0a));
	assert_true(dsa_op_is_handled(DSA_OPCODE_CFLUSH));

	/* Transfer size 0, above max, and wrapping past 2^64. */
	d = tm_desc(DSA_OPCODE_MEMMOVE, BASE, BASE + 8192, 0, 0);
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_XFER_ERANGE);
	f->env.max_xfer = 4096;
	d.xfer_size = 4097;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_XFER_ERANGE);
	f->env.max_xfer = 1u << 31;
	d = tm_desc(DSA_OPCODE_MEMFILL, 0, UINT64_MAX - 10, 64, 0);
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_XFER_ERANGE);
}

/* ---- memmove ---------------------------------------------------------- */

static void test_memmove_golden(void **state)
{
	struct tm_fx *f = *state;
	uint8_t *ref = malloc(SIZE);

	for (int it = 0; it < 300; it++) {
		uint64_t n = 1 + tm_rnd(f, it % 3 ? 3 * TM_PAGE : 64 * 1024);
		uint64_t s = BASE + tm_rnd(f, SIZE - n), dd;
		struct dsa_hw_desc d;
		struct dsa_completion_record cr;

		/* a third each: anywhere, overlapping above, overlapping below */
		switch (it % 3) {
		case 0:
			dd = BASE + tm_rnd(f, SIZE - n);
			break;
		case 1:
			s = BASE + tm_rnd(f, SIZE / 2 - n);
			dd = s + 1 + tm_rnd(f, n);
			break;
		default:
			s = BASE + n + tm_rnd(f, SIZE / 2 - n);
			dd = s - 1 - tm_rnd(f, n);
			break;
		}
		f->m.merge = it & 4;
		memcpy(ref, f->m.buf, SIZE);
		memmove(ref + (dd - BASE), ref + (s - BASE), n);
		d = tm_desc(DSA_OPCODE_MEMMOVE, s, dd, (uint32_t)n, 0);
		cr = tm_run(f, &d);
		assert_int_equal(cr.status, DSA_COMP_SUCCESS);
		assert_memory_equal(f->m.buf, ref, SIZE);
	}
	free(ref);
}

/*
 * An accessor that hands out short runs (here 8 bytes, through bounce
 * buffers): a descending memmove must stay correct and take about as many
 * calls as an ascending one.  It once walked each page again for every
 * run: 1.8 million calls for 60,016 bytes (found by fuzz.dsa_ops).
 */
static void test_memmove_short_runs_descending(void **state)
{
	struct tm_fx *f = *state;
	const uint64_t n = 60016;
	uint8_t *ref = malloc(SIZE);
	unsigned long up, down;
	struct dsa_hw_desc d;
	struct dsa_completion_record cr;

	assert_true(SIZE >= n + 0x2000);
	f->m.max_run = 8;
	f->m.bounce = true;
	d = tm_desc(DSA_OPCODE_MEMMOVE, BASE + 0x1180, BASE + 0x1100, (uint32_t)n, 0);
	f->m.calls = 0;
	cr = tm_run(f, &d);
	assert_int_equal(cr.status, DSA_COMP_SUCCESS);
	up = f->m.calls;
	memcpy(ref, f->m.buf, SIZE);
	memmove(ref + 0x1180, ref + 0x1100, n);
	d = tm_desc(DSA_OPCODE_MEMMOVE, BASE + 0x1100, BASE + 0x1180, (uint32_t)n, 0);
	f->m.calls = 0;
	cr = tm_run(f, &d);
	assert_int_equal(cr.status, DSA_COMP_SUCCESS);
	down = f->m.calls;
	assert_memory_equal(f->m.buf, ref, SIZE);
	assert_true(up >= 2 * n / 8);
	if (down > up + up / 4)
		fail_msg("descending memmove: %lu accessor calls, ascending %lu", down, up);
	f->m.max_run = 0;
	f->m.bounce = false;
	free(ref);
}

static void test_memmove_overlap_unsupported(void **state)
{
	struct tm_fx *f = *state;
	struct dsa_hw_desc d = tm_desc(DSA_OPCODE_MEMMOVE, BASE, BASE + 100, 200, 0);

	f->env.overlap_ok = false;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_OVERLAP_BUFFERS);
	d.dst_addr = BASE + 200;	/* adjacent is fine */
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);
	d.dst_addr = BASE;		/* identical ranges overlap */
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_OVERLAP_BUFFERS);
}

/* ---- fill, compare, compare pattern -------------------------------------- */

static void test_fill_golden(void **state)
{
	struct tm_fx *f = *state;

	for (int it = 0; it < 100; it++) {
		uint64_t n = 1 + tm_rnd(f, 20000), dst = BASE + tm_rnd(f, SIZE - n);
		uint64_t pat = tm_rand(&f->rng);
		struct dsa_hw_desc d = tm_desc(DSA_OPCODE_MEMFILL, 0, dst, (uint32_t)n, 0);
		uint8_t before = dst > BASE ? *tm_p(f, dst - 1) : 0;

		d.pattern = pat;
		f->m.merge = it & 1;
		assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);
		for (uint64_t i = 0; i < n; i++)
			assert_int_equal(tm_p(f, dst)[i], (uint8_t)(pat >> (8 * (i % 8))));
		if (dst > BASE)
			assert_int_equal(*tm_p(f, dst - 1), before);
	}
	/* DSA 1.0 fill: the 2.0 upper pattern bytes are reserved. */
	struct dsa_hw_desc d = tm_desc(DSA_OPCODE_MEMFILL, 0, BASE, 64, 0);

	d.op_specific[0] = 0xff;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_NOZERO_RESERVE);
}

/*
 * A compare-type descriptor whose first difference is at @diff (xfer_size
 * when equal): result, offset, and the check-result flag both ways.
 */
static void check_compare(struct tm_fx *f, struct dsa_hw_desc *d, uint64_t diff)
{
	bool differ = diff < d->xfer_size;
	struct dsa_completion_record cr = tm_run(f, d);

	assert_int_equal(cr.status, DSA_COMP_SUCCESS);
	assert_int_equal(cr.result, differ);
	assert_int_equal(cr.bytes_completed, differ ? diff : 0);
	/* check result: SUCCESS_PRED when result != expected */
	d->flags |= IDXD_OP_FLAG_CR;
	d->expected_res = 0;
	assert_int_equal(tm_run(f, d).status,
			 differ ? DSA_COMP_SUCCESS_PRED : DSA_COMP_SUCCESS);
	d->expected_res = 1;
	assert_int_equal(tm_run(f, d).status,
			 differ ? DSA_COMP_SUCCESS : DSA_COMP_SUCCESS_PRED);
}

static void test_compare_golden(void **state)
{
	struct tm_fx *f = *state;

	for (int it = 0; it < 200; it++) {
		uint64_t n = 1 + tm_rnd(f, 3 * TM_PAGE), a = BASE + tm_rnd(f, SIZE / 2 - n);
		uint64_t b = BASE + SIZE / 2 + tm_rnd(f, SIZE / 2 - n), diff = n;
		struct dsa_hw_desc d = tm_desc(DSA_OPCODE_COMPARE, a, b, (uint32_t)n, 0);

		memcpy(tm_p(f, b), tm_p(f, a), n);
		if (it % 4) {
			uint64_t at = tm_rnd(f, n);

			tm_p(f, b)[at] ^= (uint8_t)(1 + tm_rnd(f, 255));
			if (it % 2 && at + 1 < n)
				tm_p(f, b)[at + 1 + tm_rnd(f, n - at - 1)] ^= 0x80;
		}
		for (uint64_t i = 0; i < n; i++)	/* reference */
			if (tm_p(f, a)[i] != tm_p(f, b)[i]) {
				diff = i;
				break;
			}
		check_compare(f, &d, diff);
	}
}

static void test_compare_pattern_golden(void **state)
{
	struct tm_fx *f = *state;

	for (int it = 0; it < 200; it++) {
		uint64_t n = 1 + tm_rnd(f, 3 * TM_PAGE), a = BASE + tm_rnd(f, SIZE - n);
		uint64_t pat = tm_rand(&f->rng), diff = n;
		struct dsa_hw_desc d = tm_desc(DSA_OPCODE_COMPVAL, a, 0, (uint32_t)n, 0);

		d.comp_pattern = pat;
		for (uint64_t i = 0; i < n; i++)
			tm_p(f, a)[i] = (uint8_t)(pat >> (8 * (i % 8)));
		if (it % 3)
			tm_p(f, a)[tm_rnd(f, n)] ^= 0x10;
		for (uint64_t i = 0; i < n; i++)
			if (tm_p(f, a)[i] != (uint8_t)(pat >> (8 * (i % 8)))) {
				diff = i;
				break;
			}
		check_compare(f, &d, diff);
	}
}

/* ---- delta records ----------------------------------------------------- */

/* Reference: the entries a create-delta must produce. */
static uint64_t ref_delta(const uint8_t *s1, const uint8_t *s2, uint64_t n,
			  uint8_t *out)
{
	uint64_t len = 0;

	for (uint64_t w = 0; w < n / 8; w++) {
		if (!memcmp(s1 + 8 * w, s2 + 8 * w, 8))
			continue;
		out[len] = (uint8_t)w;
		out[len + 1] = (uint8_t)(w >> 8);
		memcpy(out + len + 2, s2 + 8 * w, 8);
		len += 10;
	}
	return len;
}

static void test_delta_round_trip(void **state)
{
	struct tm_fx *f = *state;
	const uint64_t s1 = BASE, s2 = BASE + 0x40000, rec = BASE + 0x80000;
	const uint64_t dst = BASE + 0xc0000;
	uint8_t *exp = malloc(0x40000 / 8 * 10);

	for (int it = 0; it < 60; it++) {
		uint64_t n = 8 * (1 + tm_rnd(f, 0x30000 / 8)), nd = tm_rnd(f, 40), len;
		struct dsa_hw_desc d = tm_desc(DSA_OPCODE_CR_DELTA, s1, s2, (uint32_t)n, 0);
		struct dsa_completion_record cr;

		memcpy(tm_p(f, s2), tm_p(f, s1), n);
		if (it % 5 == 4)
			nd = n / 8;	/* everything differs */
		for (uint64_t k = 0; k < nd; k++)
			tm_p(f, s2)[tm_rnd(f, n)] ^= (uint8_t)(1 + tm_rnd(f, 255));
		len = ref_delta(tm_p(f, s1), tm_p(f, s2), n, exp);
		d.delta_addr = rec;
		d.max_delta_size = (uint32_t)(n / 8 * 10 < 80 ? 80 : n / 8 * 10);
		f->m.merge = it & 1;
		cr = tm_run(f, &d);
		assert_int_equal(cr.status, DSA_COMP_SUCCESS);
		assert_int_equal(cr.result, len ? 1 : 0);
		assert_int_equal(cr.delta_rec_size, len);
		if (len)
			assert_memory_equal(tm_p(f, rec), exp, len);
		if (!len)
			continue;

		/* apply it to a copy of src1: gives src2 */
		memcpy(tm_p(f, dst), tm_p(f, s1), n);
		d = tm_desc(DSA_OPCODE_AP_DELTA, rec, dst, (uint32_t)n, 0);
		d.delta_rec_size = (uint32_t)len;
		cr = tm_run(f, &d);
		assert_int_equal(cr.status, DSA_COMP_SUCCESS);
		assert_memory_equal(tm_p(f, dst), tm_p(f, s2), n);
	}
	free(exp);
}

static void test_delta_overflow_and_check_result(void **state)
{
	struct tm_fx *f = *state;
	const uint64_t s1 = BASE, s2 = BASE + 0x10000, rec = BASE + 0x20000;
	struct dsa_hw_desc d = tm_desc(DSA_OPCODE_CR_DELTA, s1, s2, 4096, 0);
	struct dsa_completion_record cr;
	uint8_t exp[100 * 10];

	memcpy(tm_p(f, s2), tm_p(f, s1), 4096);
	for (int w = 0; w < 100; w++)
		tm_p(f, s2)[w * 40] ^= 1;	/* 100 differing words */
	assert_int_equal(ref_delta(tm_p(f, s1), tm_p(f, s2), 4096, exp), 1000);
	d.delta_addr = rec;
	d.max_delta_size = 250;
	memset(tm_p(f, rec), 0xee, 300);
	cr = tm_run(f, &d);
	assert_int_equal(cr.status, DSA_COMP_SUCCESS);
	assert_int_equal(cr.result, 2);
	assert_int_equal(cr.delta_rec_size, 250);
	assert_memory_equal(tm_p(f, rec), exp, 250);
	assert_int_equal(tm_p(f, rec)[250], 0xee);	/* never past the maximum */

	/* mask bit <result> clear -> SUCCESS_PRED */
	d.flags |= IDXD_OP_FLAG_CR;
	d.expected_res_mask = 0x3;	/* expect equal or recorded, not overflow */
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS_PRED);
	d.expected_res_mask = 0x4;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);
	d.max_delta_size = 1000;
	cr = tm_run(f, &d);
	assert_int_equal(cr.result, 1);
	assert_int_equal(cr.status, DSA_COMP_SUCCESS_PRED);
	memcpy(tm_p(f, s2), tm_p(f, s1), 4096);
	d.expected_res_mask = 0x1;
	cr = tm_run(f, &d);
	assert_int_equal(cr.result, 0);
	assert_int_equal(cr.delta_rec_size, 0);
	assert_int_equal(cr.status, DSA_COMP_SUCCESS);
}

static void test_delta_errors(void **state)
{
	struct tm_fx *f = *state;
	const uint64_t s1 = BASE, s2 = BASE + 0x10000, rec = BASE + 0x20000;
	struct dsa_hw_desc d = tm_desc(DSA_OPCODE_CR_DELTA, s1, s2, 4096, 0);
	uint8_t *r = tm_p(f, rec);

	d.delta_addr = rec;
	d.max_delta_size = 80;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);
	d.xfer_size = 4092;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_XFER_ERANGE);
	d.xfer_size = 0x80008;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_XFER_ERANGE);
	d.xfer_size = 4096;
	d.src2_addr = s2 + 4;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_ADDR_ALIGN);
	d.src2_addr = s2;
	d.max_delta_size = 70;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_DR_ERANGE);
	d.max_delta_size = 85;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_DR_ERANGE);
	d.max_delta_size = 80;
	d.delta_addr = s2 + 4000;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_OVERLAP_BUFFERS);
	d.delta_addr = rec;
	d.op_specific[12] = 1;	/* byte 52: reserved */
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_NOZERO_RESERVE);

	/* apply: offsets must increase and stay inside the buffer */
	const uint64_t dst = BASE + 0x30000;
	const uint16_t offs[3] = { 5, 9, 7 };

	for (int i = 0; i < 3; i++) {
		r[10 * i] = (uint8_t)offs[i];
		r[10 * i + 1] = (uint8_t)(offs[i] >> 8);
		memset(r + 10 * i + 2, 0x11 * (i + 1), 8);
	}
	memset(tm_p(f, dst), 0, 4096);
	d = tm_desc(DSA_OPCODE_AP_DELTA, rec, dst, 4096, 0);
	d.delta_rec_size = 30;
	struct dsa_completion_record cr = tm_run(f, &d);

	assert_int_equal(cr.status, DSA_COMP_DR_OFFSET_NOINC);
	assert_int_equal(cr.bytes_completed, 20);
	assert_int_equal(tm_p(f, dst)[5 * 8], 0x11);	/* the good ones applied */
	assert_int_equal(tm_p(f, dst)[9 * 8], 0x22);
	r[20] = 9;	/* equal is not increasing either */
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_DR_OFFSET_NOINC);
	r[20] = 0;
	r[21] = 2;	/* word 512 = byte 4096 >= size */
	cr = tm_run(f, &d);
	assert_int_equal(cr.status, DSA_COMP_DR_OFFSET_ERANGE);
	assert_int_equal(cr.bytes_completed, 20);
	d.xfer_size = 8 * 513;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);
	d.delta_rec_size = 25;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_DR_ERANGE);
	d.delta_rec_size = 0;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_DR_ERANGE);
	d.delta_rec_size = 30;
	d.dst_addr = dst + 2;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_ADDR_ALIGN);
	d.dst_addr = rec - 8;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_OVERLAP_BUFFERS);
	d.dst_addr = dst;
	d.xfer_size = 4;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_XFER_ERANGE);
}

/* ---- dualcast, cache flush -------------------------------------------- */

static void test_dualcast(void **state)
{
	struct tm_fx *f = *state;

	for (int it = 0; it < 50; it++) {
		uint64_t n = 1 + tm_rnd(f, 10000), off = tm_rnd(f, TM_PAGE);
		uint64_t s = BASE + tm_rnd(f, 0x40000);
		uint64_t d1 = BASE + 0x50000 + off, d2 = BASE + 0x80000 + off;
		struct dsa_hw_desc d = tm_desc(DSA_OPCODE_DUALCAST, s, d1, (uint32_t)n, 0);

		d.dest2 = d2;
		assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);
		assert_memory_equal(tm_p(f, d1), tm_p(f, s), n);
		assert_memory_equal(tm_p(f, d2), tm_p(f, s), n);
	}
	struct dsa_hw_desc d = tm_desc(DSA_OPCODE_DUALCAST, BASE, BASE + 0x50000, 64, 0);

	d.dest2 = BASE + 0x80008;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_DCAST_ERR);
	d.dest2 = BASE + 0x51000;
	d.xfer_size = 0x1001;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_OVERLAP_BUFFERS);
	d.xfer_size = 64;
	d.src_addr = BASE + 0x50010;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_OVERLAP_BUFFERS);
}

static void test_cache_flush(void **state)
{
	struct tm_fx *f = *state;
	uint64_t h = tu_hash(f->m.buf, SIZE);
	struct dsa_hw_desc d = tm_desc(DSA_OPCODE_CFLUSH, 0, BASE + 100, 50000,
				  IDXD_OP_FLAG_CC);
	struct dsa_completion_record cr = tm_run(f, &d);

	assert_int_equal(cr.status, DSA_COMP_SUCCESS);
	assert_true(tu_hash(f->m.buf, SIZE) == h);
	tm_set_absent(&f->m, BASE + 8192, DSA_MEM_FAULT);
	cr = tm_run(f, &d);
	assert_int_equal(cr.status, DSA_COMP_PAGE_FAULT_NOBOF);
	assert_int_equal(cr.bytes_completed, 8192 - 100);
	assert_true(cr.fault_addr == BASE + 8192);
}

/* ---- CRC --------------------------------------------------------------- */

static uint32_t rev32(uint32_t v)
{
	uint32_t r = 0;

	for (int i = 0; i < 32; i++)
		r |= (v >> i & 1) << (31 - i);
	return r;
}

static uint8_t rev8(uint8_t v)
{
	return (uint8_t)(rev32(v) >> 24);
}

/*
 * The CRC as the flags describe it, bit by bit: an MSB-first register over
 * the Castagnoli polynomial 0x1EDC6F41; by default the seed is inverted and
 * reflected in, data bytes are reflected, the result is reflected and
 * inverted out.
 */
static uint32_t ref_crc(const uint8_t *p, uint64_t n, uint32_t seed,
			bool binv, bool bdata)
{
	uint32_t st = binv ? seed : rev32(~seed);

	for (uint64_t i = 0; i < n; i++) {
		st ^= (uint32_t)(bdata ? p[i] : rev8(p[i])) << 24;
		for (int b = 0; b < 8; b++)
			st = st & 0x80000000u ? st << 1 ^ 0x1edc6f41u : st << 1;
	}
	return binv ? st : ~rev32(st);
}

static void test_crc_golden(void **state)
{
	struct tm_fx *f = *state;
	const char *check = "123456789";
	uint32_t std;

	/* The check values of CRC-32C; ISA-L's iSCSI CRC agrees. */
	assert_true(ref_crc((const uint8_t *)check, 9, 0, false, false) == 0xe3069283u);
	std = ~crc32_iscsi((unsigned char *)(uintptr_t)check, 9, 0xffffffffu);
	assert_true(std == 0xe3069283u);

	for (int it = 0; it < 120; it++) {
		uint64_t n = 1 + tm_rnd(f, it < 100 ? 6000 : 70000), s = BASE + tm_rnd(f, SIZE / 2 - n);
		uint64_t dst = BASE + SIZE / 2 + tm_rnd(f, SIZE / 2 - n);
		uint32_t seed = it % 4 ? (uint32_t)tm_rand(&f->rng) : 0;
		uint32_t fl = (uint32_t)(it % 4) << 17;	/* both bypass bits */
		bool copy = it & 1, from_mem = it % 8 >= 6;
		struct dsa_hw_desc d = tm_desc(copy ? DSA_OPCODE_COPY_CRC : DSA_OPCODE_CRCGEN,
					  s, copy ? dst : 0, (uint32_t)n, fl);
		struct dsa_completion_record cr;
		uint32_t exp;

		if (from_mem) {
			uint64_t sa = BASE + 4 * tm_rnd(f, SIZE / 4);

			memcpy(tm_p(f, sa), &seed, 4);
			d.flags |= DSA_CRC_FLAG_READ_SEED;
			d.seed_addr = sa;
		} else {
			d.crc_seed = seed;
		}
		exp = ref_crc(tm_p(f, s), n, seed, fl & DSA_CRC_FLAG_BYPASS_INV_REFL,
			      fl & DSA_CRC_FLAG_BYPASS_DATA_REFL);
		cr = tm_run(f, &d);
		assert_int_equal(cr.status, DSA_COMP_SUCCESS);
		assert_true((uint32_t)cr.crc_val == exp);
		assert_true(cr.crc_val >> 32 == 0);
		if (copy)
			assert_memory_equal(tm_p(f, dst), tm_p(f, s), n);
		if (!fl && !copy && seed == 0)	/* and the library's own */
			assert_true((uint32_t)cr.crc_val ==
				    ~crc32_iscsi(tm_p(f, s), (int)n, 0xffffffffu));
	}

	struct dsa_hw_desc d = tm_desc(DSA_OPCODE_COPY_CRC, BASE, BASE + 100, 200, 0);

	assert_int_equal(tm_run(f, &d).status, DSA_COMP_OVERLAP_BUFFERS);
	d = tm_desc(DSA_OPCODE_CRCGEN, BASE, 0, 200, DSA_CRC_FLAG_READ_SEED);
	d.seed_addr = BASE + 2;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_ADDR_ALIGN);
	d.seed_addr = BASE;
	d.op_specific[4] = 1;	/* byte 44 reserved */
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_NOZERO_RESERVE);
	d = tm_desc(DSA_OPCODE_CRCGEN, BASE, 0, 200, 0x080000);
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_INVALID_FLAGS);
}

/* ---- DIF --------------------------------------------------------------- */

static const uint32_t bsz[4] = { 512, 520, 4096, 4104 };

/* CRC16 T10-DIF, bitwise (polynomial 0x8BB7, MSB first). */
static uint16_t ref_crc16(uint16_t crc, const uint8_t *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (int b = 0; b < 8; b++)
			crc = crc & 0x8000 ? (uint16_t)(crc << 1 ^ 0x8bb7) : (uint16_t)(crc << 1);
	}
	return crc;
}

/* Reference DIF insert: blocks of @bs from @src, tuple after each. */
static void ref_insert(uint8_t *out, const uint8_t *src, uint64_t n, uint32_t bs,
		       uint8_t df, uint8_t dstf, uint32_t ref, uint16_t app,
		       uint16_t mask)
{
	for (uint64_t k = 0; k < n / bs; k++) {
		uint8_t *o = out + k * (bs + 8);
		uint16_t g;

		memcpy(o, src + k * bs, bs);
		g = crc16_t10dif(df & 4 ? 0xffff : 0, src + k * bs, bs);
		if (df & 8)
			g = (uint16_t)~g;
		o[bs] = (uint8_t)(g >> 8);
		o[bs + 1] = (uint8_t)g;
		o[bs + 2] = (uint8_t)((app & ~mask) >> 8);
		o[bs + 3] = (uint8_t)(app & ~mask);
		o[bs + 4] = (uint8_t)(ref >> 24);
		o[bs + 5] = (uint8_t)(ref >> 16);
		o[bs + 6] = (uint8_t)(ref >> 8);
		o[bs + 7] = (uint8_t)ref;
		if (!(dstf & DSA_DIF_DST_FIXED_REF))
			ref++;
		if (dstf & DSA_DIF_DST_INC_APP)
			app++;
	}
}

static void test_dif_crc16_reference(void **state)
{
	struct tm_fx *f = *state;

	assert_int_equal(ref_crc16(0, (const uint8_t *)"123456789", 9), 0xd0db);
	for (int i = 0; i < 20; i++) {
		uint64_t n = 1 + tm_rnd(f, 5000);

		assert_int_equal(ref_crc16(0, tm_p(f, BASE), n),
				 crc16_t10dif(0, tm_p(f, BASE), n));
	}
}

static void test_dif_round_trip(void **state)
{
	struct tm_fx *f = *state;
	const uint64_t src = BASE, ins = BASE + 0x40000, out = BASE + 0x80000;
	uint8_t *exp = malloc(0x40000);

	for (int it = 0; it < 48; it++) {
		uint8_t df = (uint8_t)((it & 3) | (it & 4 ? 4 : 0) | (it & 8 ? 8 : 0));
		uint32_t bs = bsz[it & 3], nb = 1 + (uint32_t)tm_rnd(f, 12);
		uint32_t n = bs * nb, ref = (uint32_t)tm_rand(&f->rng);
		uint16_t app = (uint16_t)tm_rand(&f->rng), mask = it & 16 ? 0x00ff : 0;
		uint8_t dstf = it % 3 == 0 ? DSA_DIF_DST_FIXED_REF :
			       it % 3 == 1 ? DSA_DIF_DST_INC_APP : 0;
		uint8_t srcf = (uint8_t)((dstf & DSA_DIF_DST_FIXED_REF ? DSA_DIF_SRC_FIXED_REF : 0) |
					 (dstf & DSA_DIF_DST_INC_APP ? DSA_DIF_SRC_INC_APP : 0));
		struct dsa_hw_desc d = tm_desc(DSA_OPCODE_DIF_INS, src, ins, n, 0);
		struct dsa_completion_record cr;

		f->m.merge = it & 1;
		d.dest_dif_flag = dstf;
		d.dif_ins_flags = df;
		d.ins_ref_tag_seed = ref;
		d.ins_app_tag_seed = app;
		d.ins_app_tag_mask = mask;
		cr = tm_run(f, &d);
		assert_int_equal(cr.status, DSA_COMP_SUCCESS);
		ref_insert(exp, tm_p(f, src), n, bs, df, dstf, ref, app, mask);
		assert_memory_equal(tm_p(f, ins), exp, (uint64_t)nb * (bs + 8));
		/* next tags for chaining */
		assert_true(cr.dif_ins_ref_tag == (dstf & DSA_DIF_DST_FIXED_REF ? ref : ref + nb));
		assert_int_equal(cr.dif_ins_app_tag,
				 (uint16_t)(dstf & DSA_DIF_DST_INC_APP ? app + nb : app));

		/* check it */
		d = tm_desc(DSA_OPCODE_DIF_CHECK, ins, 0, nb * (bs + 8), 0);
		d.src_dif_flags = srcf;
		d.dif_chk_flags = df;
		d.chk_ref_tag_seed = ref;
		d.chk_app_tag_seed = app;
		d.chk_app_tag_mask = mask;
		cr = tm_run(f, &d);
		assert_int_equal(cr.status, DSA_COMP_SUCCESS);

		/* strip it */
		d.opcode = DSA_OPCODE_DIF_STRP;
		d.dst_addr = out;
		memset(tm_p(f, out), 0, n);
		cr = tm_run(f, &d);
		assert_int_equal(cr.status, DSA_COMP_SUCCESS);
		assert_memory_equal(tm_p(f, out), tm_p(f, src), n);

		/* corrupt one tuple field, or the data: check reports it */
		uint64_t blk = tm_rnd(f, nb), t = ins + blk * (bs + 8) + bs;
		int which = (int)tm_rnd(f, 4);
		uint8_t *pb = which == 3 ? tm_p(f, ins + blk * (bs + 8) + tm_rnd(f, bs)) :
			      tm_p(f, t + (which == 0 ? 0 : which == 1 ? 2 : 4));
		uint8_t want = which == 3 ? DSA_DIF_ERR_GUARD :
			       which == 0 ? DSA_DIF_ERR_GUARD :
			       which == 1 ? DSA_DIF_ERR_APP : DSA_DIF_ERR_REF;

		*pb ^= 0x01;	/* app: the high byte, compared under either mask */
		d.opcode = DSA_OPCODE_DIF_CHECK;
		d.dst_addr = 0;
		cr = tm_run(f, &d);
		assert_int_equal(cr.status, DSA_COMP_DIF_ERR);
		assert_int_equal(cr.dif_status, want);
		assert_int_equal(cr.bytes_completed, blk * (bs + 8));
		d.opcode = DSA_OPCODE_DIF_STRP;
		d.dst_addr = out;
		assert_int_equal(tm_run(f, &d).status, DSA_COMP_DIF_ERR);
		*pb ^= 0x01;
	}
	free(exp);
}

static void test_dif_update_and_flags(void **state)
{
	struct tm_fx *f = *state;
	const uint64_t src = BASE, ins = BASE + 0x40000, upd = BASE + 0x80000;
	const uint32_t bs = 512, nb = 8, n = bs * nb, sn = nb * (bs + 8);
	struct dsa_hw_desc d = tm_desc(DSA_OPCODE_DIF_INS, src, ins, n, 0);
	struct dsa_completion_record cr;
	uint8_t *t;

	d.ins_ref_tag_seed = 100;
	d.ins_app_tag_seed = 0x1234;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);

	/* update: new ref tags from 7000, app tag passed through */
	d = tm_desc(DSA_OPCODE_DIF_UPDT, ins, upd, sn, 0);
	d.src_ref_tag_seed = 100;
	d.src_app_tag_seed = 0x1234;
	d.dest_ref_tag_seed = 7000;
	d.upd_dest_flags = DSA_DIF_DST_APP_PASS;
	d.dif_upd_flags = 0;	/* 512-byte blocks, guard seed 0 */
	cr = tm_run(f, &d);
	assert_int_equal(cr.status, DSA_COMP_SUCCESS);
	assert_true(cr.dif_upd_src_ref_tag == 108 && cr.dif_upd_dest_ref_tag == 7008);
	for (uint32_t k = 0; k < nb; k++) {
		uint16_t g = ref_crc16(0, tm_p(f, src + k * bs), bs);

		t = tm_p(f, upd + k * (bs + 8) + bs);
		assert_memory_equal(tm_p(f, upd + k * (bs + 8)), tm_p(f, src + k * bs), bs);
		assert_int_equal(t[0] << 8 | t[1], g);
		assert_int_equal(t[2] << 8 | t[3], 0x1234);
		assert_true(((uint32_t)t[4] << 24 | t[5] << 16 | t[6] << 8 | t[7]) == 7000 + k);
	}

	/* check with wrong seeds: ref and app mismatch at block 0 */
	d = tm_desc(DSA_OPCODE_DIF_CHECK, ins, 0, sn, 0);
	d.chk_ref_tag_seed = 101;
	d.chk_app_tag_seed = 0x1235;
	cr = tm_run(f, &d);
	assert_int_equal(cr.status, DSA_COMP_DIF_ERR);
	assert_int_equal(cr.dif_status, DSA_DIF_ERR_REF | DSA_DIF_ERR_APP);
	assert_int_equal(cr.bytes_completed, 0);
	assert_true(cr.dif_chk_ref_tag == 101);
	d.src_dif_flags = DSA_DIF_SRC_REF_DIS;
	d.chk_app_tag_mask = 0x0001;	/* the one differing bit is masked */
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);
	d.chk_app_tag_mask = 0xffff;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);

	/* F detect: an all-ones tuple in block 3 */
	t = tm_p(f, ins + 3 * (bs + 8) + bs);
	memset(t, 0xff, 8);
	d = tm_desc(DSA_OPCODE_DIF_CHECK, ins, 0, sn, 0);
	d.chk_ref_tag_seed = 100;
	d.chk_app_tag_seed = 0x1234;
	cr = tm_run(f, &d);
	assert_int_equal(cr.status, DSA_COMP_DIF_ERR);
	assert_int_equal(cr.dif_status, DSA_DIF_ERR_GUARD | DSA_DIF_ERR_APP | DSA_DIF_ERR_REF);
	assert_int_equal(cr.bytes_completed, 3 * (bs + 8));
	d.src_dif_flags = DSA_DIF_SRC_ALLF_DETECT;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);
	d.src_dif_flags = DSA_DIF_SRC_ALLF_DETECT | DSA_DIF_SRC_ALLF_ERR;
	cr = tm_run(f, &d);
	assert_int_equal(cr.status, DSA_COMP_DIF_ERR);
	assert_int_equal(cr.dif_status, DSA_DIF_ERR_ALLF);
	d.src_dif_flags = DSA_DIF_SRC_APP_F_DETECT;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);
	d.src_dif_flags = DSA_DIF_SRC_APPREF_F_DETECT;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);
	t[5] = 0;	/* ref no longer all ones */
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_DIF_ERR);
	d.src_dif_flags = DSA_DIF_SRC_APP_F_DETECT;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);

	/* field errors */
	d.xfer_size = sn - 8;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_XFER_ERANGE);
	d.xfer_size = sn;
	d.dif_chk_flags = 0x10;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_NOZERO_RESERVE);
	d.dif_chk_flags = 0;
	d.op_specific[1] = 1;	/* byte 41 reserved for check */
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_NOZERO_RESERVE);
	d = tm_desc(DSA_OPCODE_DIF_INS, src, ins, n + 1, 0);
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_XFER_ERANGE);
	d.xfer_size = n;
	d.dest_dif_flag = 0x01;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_NOZERO_RESERVE);
	d.dest_dif_flag = 0;
	d.dst_addr = src + n - 8;	/* dst starts inside src */
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_OVERLAP_BUFFERS);
	d = tm_desc(DSA_OPCODE_DIF_STRP, ins, ins + sn - 512, sn, 0);
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_OVERLAP_BUFFERS);
	d = tm_desc(DSA_OPCODE_DIF_UPDT, ins, ins + 8, sn, 0);
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_OVERLAP_BUFFERS);
	d = tm_desc(DSA_OPCODE_DIF_CHECK, ins, 0, sn, IDXD_OP_FLAG_CC);
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_INVALID_FLAGS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_noop_and_generic_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memmove_golden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memmove_short_runs_descending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memmove_overlap_unsupported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fill_golden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compare_golden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compare_pattern_golden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delta_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delta_overflow_and_check_result, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delta_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dualcast, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crc_golden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dif_crc16_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dif_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dif_update_and_flags, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
