// SPDX-License-Identifier: MIT
/*
 * Property test: 100,000 random descriptors per seed through dsa_op_check()
 * and dsa_op_execute().  All 64 bytes are random; about half the time the
 * opcode is forced to one the library executes and the addresses and sizes
 * are steered into a small mapped window so the data paths run.  Every
 * descriptor must complete with a defined status, and every byte the
 * library touches must be one the accessor handed out: the accessor runs in
 * bounce mode, each run a separate exact-size allocation with a canary, so
 * ASan (or the canary) catches a touch outside it.  Set SVA_TEST_SEED to
 * replay a failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "dsa_tmem.h"
#include "dsa_status.h"
#include "hw/dsa/dsa_ops_internal.h"

#define BASE	0x7ffff0000000ull
#define SIZE	(64ull << 10)
#define COUNT	100000

static const uint8_t ops[] = {
	DSA_OPCODE_NOOP, DSA_OPCODE_MEMMOVE, DSA_OPCODE_MEMFILL,
	DSA_OPCODE_COMPARE, DSA_OPCODE_COMPVAL, DSA_OPCODE_CR_DELTA,
	DSA_OPCODE_AP_DELTA, DSA_OPCODE_DUALCAST, DSA_OPCODE_CRCGEN,
	DSA_OPCODE_COPY_CRC, DSA_OPCODE_DIF_CHECK, DSA_OPCODE_DIF_INS,
	DSA_OPCODE_DIF_STRP, DSA_OPCODE_DIF_UPDT, DSA_OPCODE_CFLUSH,
};

/* An address in (or just around) the window, sometimes 8-byte aligned. */
static uint64_t waddr(uint64_t *r)
{
	uint64_t a = BASE - 64 + tm_rand(r) % (SIZE + 128);

	return tm_rand(r) & 1 ? a & ~7ull : a;
}

static uint32_t wsize(uint64_t *r)
{
	switch (tm_rand(r) % 8) {
	case 0:
		return (uint32_t)tm_rand(r);
	case 1:
		return (uint32_t)(tm_rand(r) % 16);
	default:
		return (uint32_t)(tm_rand(r) % (3 * TM_PAGE));
	}
}

/* Random bytes, then about half the time a descriptor with a chance. */
static void gen(uint64_t *r, struct dsa_hw_desc *d)
{
	uint8_t raw[64];

	tm_fill_rand(r, raw, sizeof(raw));
	dsa_desc_load(d, raw);
	if (tm_rand(r) & 1)
		return;
	d->opcode = ops[tm_rand(r) % sizeof(ops)];
	if (tm_rand(r) % 4) {
		/* flags every op takes, plus one more bit now and then */
		uint32_t extra = 1u << (tm_rand(r) % 24);

		d->flags &= IDXD_OP_FLAG_FENCE | IDXD_OP_FLAG_CRAV |
			    IDXD_OP_FLAG_RCR | IDXD_OP_FLAG_RCI;
		if (d->opcode == DSA_OPCODE_CRCGEN || d->opcode == DSA_OPCODE_COPY_CRC)
			extra = (uint32_t)tm_rand(r) & 0x070000;
		if (d->opcode == DSA_OPCODE_COMPARE || d->opcode == DSA_OPCODE_COMPVAL ||
		    d->opcode == DSA_OPCODE_CR_DELTA)
			extra = (uint32_t)tm_rand(r) & IDXD_OP_FLAG_CR;
		if (tm_rand(r) % 4 == 0)
			d->flags |= extra;
	}
	d->src_addr = waddr(r);
	d->dst_addr = waddr(r);
	d->xfer_size = wsize(r);
	if (tm_rand(r) % 4 == 0)
		return;
	/* the op-specific area, mostly well-formed */
	memset(d->op_specific, 0, sizeof(d->op_specific));
	switch (d->opcode) {
	case DSA_OPCODE_COMPARE:
	case DSA_OPCODE_COMPVAL:
		d->expected_res = (uint8_t)(tm_rand(r) % 2);
		break;
	case DSA_OPCODE_CR_DELTA:
		d->delta_addr = waddr(r);
		d->max_delta_size = (uint32_t)(10 * (tm_rand(r) % 700));
		d->expected_res_mask = (uint8_t)(tm_rand(r) % 8);
		d->xfer_size &= ~7u;
		break;
	case DSA_OPCODE_AP_DELTA:
		d->delta_rec_size = (uint32_t)(10 * (tm_rand(r) % 700));
		d->xfer_size &= ~7u;
		break;
	case DSA_OPCODE_DUALCAST:
		d->dest2 = (waddr(r) & ~0xfffull) | (d->dst_addr & 0xfff);
		break;
	case DSA_OPCODE_CRCGEN:
	case DSA_OPCODE_COPY_CRC:
		d->crc_seed = (uint32_t)tm_rand(r);
		d->seed_addr = waddr(r) & ~3ull;
		break;
	case DSA_OPCODE_DIF_CHECK:
	case DSA_OPCODE_DIF_INS:
	case DSA_OPCODE_DIF_STRP:
	case DSA_OPCODE_DIF_UPDT: {
		uint32_t bs, nb = 1 + (uint32_t)(tm_rand(r) % 12);

		d->op_specific[0] = (uint8_t)tm_rand(r);
		d->op_specific[1] = (uint8_t)(tm_rand(r) & ~DSA_DIF_DST_RSVD);
		d->op_specific[2] = (uint8_t)(tm_rand(r) % 16);
		if (d->opcode != DSA_OPCODE_DIF_UPDT && d->opcode != DSA_OPCODE_DIF_INS)
			d->op_specific[1] = 0;
		if (d->opcode == DSA_OPCODE_DIF_INS)
			d->op_specific[0] = 0;
		for (int i = 8; i < 24; i++)
			d->op_specific[i] = (uint8_t)tm_rand(r);
		if (d->opcode == DSA_OPCODE_DIF_CHECK || d->opcode == DSA_OPCODE_DIF_STRP)
			memset(d->op_specific + 16, 0, 8);
		if (d->opcode == DSA_OPCODE_DIF_INS)
			memset(d->op_specific + 8, 0, 8);
		bs = dsa_dif_block_size(d->op_specific[2]);
		if (tm_rand(r) % 4)
			d->xfer_size = nb * (d->opcode == DSA_OPCODE_DIF_INS ? bs : bs + 8);
		break;
	}
	default:
		break;
	}
}

/* Put a well-formed delta record where an apply-delta will read it. */
static void plant_record(struct tmem *m, struct dsa_hw_desc *d)
{
	uint64_t words = d->xfer_size / 8, n = d->delta_rec_size / 10;

	if (d->src_addr < BASE || d->src_addr + d->delta_rec_size > BASE + SIZE ||
	    n > words)
		return;
	for (uint64_t k = 0; k < n; k++) {
		uint8_t *e = tm_ptr(m, d->src_addr + 10 * k);
		uint64_t w = k * (words / (n ? n : 1));

		e[0] = (uint8_t)w;
		e[1] = (uint8_t)(w >> 8);
	}
}

static void run_seed(uint64_t seed)
{
	struct tmem m;
	struct dsa_op_env env;
	uint64_t r = seed, counts[0x80] = { 0 }, executed = 0, ok[0x21] = { 0 };

	tm_init(&m, BASE, SIZE);
	m.bounce = true;
	env = tm_env(&m);
	env.max_xfer = 1u << 20;

	for (int i = 0; i < COUNT; i++) {
		struct dsa_hw_desc d;
		struct dsa_completion_record cr, ccr;
		unsigned long calls;
		int chk;

		if (i % 1000 == 0) {
			/* new contents, new missing pages, new fault kinds */
			tm_fill_rand(&r, m.buf, SIZE);
			for (uint64_t p = 0; p < SIZE / TM_PAGE; p++) {
				static const uint8_t kinds[] = {
					0, 0, 0, 0, 0, 0, DSA_MEM_FAULT, DSA_MEM_FAULT,
					DSA_MEM_FAULT_IR, DSA_MEM_XLAT_ERR, 0xff,
				};
				m.absent[p] = kinds[tm_rand(&r) % sizeof(kinds)];
			}
			m.merge = tm_rand(&r) & 1;
			env.overlap_ok = tm_rand(&r) & 1;
			m.max_run = tm_rand(&r) % 4 == 0 ? 1 + tm_rand(&r) % 64 : 0;
		}
		gen(&r, &d);
		if (d.opcode == DSA_OPCODE_AP_DELTA && tm_rand(&r) % 2)
			plant_record(&m, &d);
		memset(&ccr, 0, sizeof(ccr));
		chk = dsa_op_check(&d, &env, &ccr);
		calls = m.calls;
		dsa_op_execute(&d, &env, &cr);
		tm_flush(&m);

		if (chk && m.calls != calls)
			fail_msg("desc %d: rejected (%#x) but touched memory", i, chk);
		if (chk && cr.status != chk)
			fail_msg("desc %d: check %#x, execute %#x", i, chk, cr.status);
		if (!dsa_op_status_known(cr.status))
			fail_msg("desc %d: opcode %#x status %#x", i, d.opcode, cr.status);
		if (!chk)
			executed++;
		/* a bounded number of runs per descriptor: no runaway loop */
		if (m.calls - calls > 4 * SIZE + 100)
			fail_msg("desc %d: %lu map calls", i, m.calls - calls);
		counts[cr.status & DSA_COMP_STATUS_MASK]++;
		/* ran its data path to the end (random DIF data fails its check) */
		if ((cr.status == DSA_COMP_SUCCESS || cr.status == DSA_COMP_DIF_ERR) &&
		    d.opcode <= 0x20)
			ok[d.opcode]++;
	}
	printf("seed %#llx: %llu executed; success %llu, fault %llu, dif err %llu, "
	       "xfer %llu, rsvd %llu, flags %llu, opcode %llu\n",
	       (unsigned long long)seed, (unsigned long long)executed,
	       (unsigned long long)counts[DSA_COMP_SUCCESS],
	       (unsigned long long)counts[DSA_COMP_PAGE_FAULT_NOBOF],
	       (unsigned long long)counts[DSA_COMP_DIF_ERR],
	       (unsigned long long)counts[DSA_COMP_XFER_ERANGE],
	       (unsigned long long)counts[DSA_COMP_NOZERO_RESERVE],
	       (unsigned long long)counts[DSA_COMP_INVALID_FLAGS],
	       (unsigned long long)counts[DSA_COMP_BAD_OPCODE]);
	/* the generator must reach the data paths, not only the checks */
	assert_true(executed > COUNT / 10);
	assert_true(counts[DSA_COMP_SUCCESS] > COUNT / 50);
	assert_true(counts[DSA_COMP_PAGE_FAULT_NOBOF] > COUNT / 100);
	for (unsigned int k = 0; k < sizeof(ops); k++)
		if (!ok[ops[k]])
			fail_msg("opcode %#x never ran to the end", ops[k]);
	tm_free(&m);
}

static void test_random_descriptors(void **state)
{
	uint64_t seed = tu_seed(0xd5a05eedull);

	(void)state;
	run_seed(seed);
	if (!getenv("SVA_TEST_SEED"))
		run_seed(seed + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_descriptors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
