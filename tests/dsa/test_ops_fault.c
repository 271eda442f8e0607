// SPDX-License-Identifier: MIT
/*
 * DSA operations under translation faults: partial completion (status,
 * bytes_completed, fault_addr, R/W bit, operand, memmove direction) and a
 * resubmission of the rest, done the way software does it, finishing the
 * job with the same bytes as a plain run.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "dsa_tmem.h"
#include "hw/dsa/dsa_ops_internal.h"

#define BASE	0x200000ull
#define SIZE	(1ull << 20)
#define PG(va)	((va) & ~(uint64_t)(TM_PAGE - 1))

static int setup(void **state)
{
	*state = tm_fx_new(BASE, SIZE, tu_seed(0x5eed0002));
	return 0;
}

static int teardown(void **state)
{
	tm_fx_free(*state);
	return 0;
}

static void clear_absent(struct tm_fx *f)
{
	memset(f->m.absent, 0, SIZE / TM_PAGE);
}

/* The fault fields every partial completion carries. */
static void assert_fault(const struct dsa_completion_record *cr, uint64_t va,
			 bool write, enum dsa_operand opnd)
{
	assert_int_equal(cr->status, DSA_COMP_PAGE_FAULT_NOBOF |
				     (write ? DSA_COMP_STATUS_WRITE : 0));
	if (cr->fault_addr != va)
		fail_msg("fault_addr %#llx, want %#llx",
			 (unsigned long long)cr->fault_addr, (unsigned long long)va);
	assert_int_equal(dsa_cr_fault_info(cr), opnd << 1);
}

/* ---- memmove ---------------------------------------------------------- */

static void test_memmove_forward_fault(void **state)
{
	struct tm_fx *f = *state;
	uint8_t *ref = malloc(SIZE);
	const uint64_t src = BASE + 100, dst = BASE + 0x40000 + 100;
	const uint32_t n = 3 * TM_PAGE;
	struct dsa_hw_desc d = tm_desc(DSA_OPCODE_MEMMOVE, src, dst, n, 0);
	struct dsa_completion_record cr;

	memcpy(ref, f->m.buf, SIZE);
	memmove(ref + (dst - BASE), ref + (src - BASE), n);

	/* the source's third page is not present: a read fault */
	tm_set_absent(&f->m, BASE + 2 * TM_PAGE, DSA_MEM_FAULT);
	cr = tm_run(f, &d);
	assert_fault(&cr, BASE + 2 * TM_PAGE, false, DSA_OPND_ADDR1);
	assert_int_equal(cr.bytes_completed, 2 * TM_PAGE - 100);
	assert_int_equal(cr.result, 0);	/* ascending */

	/* software touches the page and resubmits the rest */
	clear_absent(f);
	tm_set_absent(&f->m, PG(dst) + 3 * TM_PAGE, DSA_MEM_FAULT);
	d.src_addr += cr.bytes_completed;
	d.dst_addr += cr.bytes_completed;
	d.xfer_size -= cr.bytes_completed;
	cr = tm_run(f, &d);
	/* now the destination's last page: a write fault */
	assert_fault(&cr, PG(dst) + 3 * TM_PAGE, true, DSA_OPND_ADDR2);
	assert_int_equal(cr.bytes_completed, TM_PAGE);
	assert_int_equal(cr.result, 0);
	clear_absent(f);
	d.src_addr += cr.bytes_completed;
	d.dst_addr += cr.bytes_completed;
	d.xfer_size -= cr.bytes_completed;
	cr = tm_run(f, &d);
	assert_int_equal(cr.status, DSA_COMP_SUCCESS);
	assert_memory_equal(f->m.buf, ref, SIZE);
	free(ref);
}

static void test_memmove_backward_overlap_fault(void **state)
{
	struct tm_fx *f = *state;
	uint8_t *ref = malloc(SIZE);
	/* dst inside src: the copy runs downwards */
	const uint64_t src = BASE + 0x1000 + 50, dst = src + 5000;
	const uint32_t n = 20000;
	const uint64_t hole = PG(src + 9000);	/* a source page in the middle */
	struct dsa_hw_desc d = tm_desc(DSA_OPCODE_MEMMOVE, src, dst, n, 0);
	struct dsa_completion_record cr;

	memcpy(ref, f->m.buf, SIZE);
	memmove(ref + (dst - BASE), ref + (src - BASE), n);

	tm_set_absent(&f->m, hole, DSA_MEM_FAULT);
	cr = tm_run(f, &d);
	assert_true(PG(cr.fault_addr) == hole);
	assert_fault(&cr, cr.fault_addr, false, DSA_OPND_ADDR1);
	assert_int_equal(cr.result, 1);	/* descending */
	/* everything above the hole's page is done */
	assert_int_equal(cr.bytes_completed, src + n - (hole + TM_PAGE));
	/* the high bytes of dst already hold the moved data */
	assert_memory_equal(tm_p(f, dst + n - cr.bytes_completed),
			    ref + (dst + n - cr.bytes_completed - BASE),
			    cr.bytes_completed);

	/* resubmit: same addresses, smaller size */
	clear_absent(f);
	d.xfer_size -= cr.bytes_completed;
	cr = tm_run(f, &d);
	assert_int_equal(cr.status, DSA_COMP_SUCCESS);
	assert_memory_equal(f->m.buf, ref, SIZE);
	free(ref);
}

/*
 * Random moves, any overlap, random missing pages on either side; software
 * resubmits after every fault.  The final bytes equal a plain memmove.
 */
static void test_memmove_random_resubmit(void **state)
{
	struct tm_fx *f = *state;
	uint8_t *ref = malloc(SIZE);

	for (int it = 0; it < 300; it++) {
		uint64_t n = 1 + tm_rnd(f, 40000), src, dst;
		struct dsa_hw_desc d;
		struct dsa_completion_record cr;
		int tries = 0;

		src = BASE + tm_rnd(f, SIZE - n);
		dst = it % 2 ? src + tm_rnd(f, 2 * n + 1) - n : BASE + tm_rnd(f, SIZE - n);
		if (dst < BASE || dst + n > BASE + SIZE)
			dst = src;
		f->m.merge = it & 2;
		memcpy(ref, f->m.buf, SIZE);
		memmove(ref + (dst - BASE), ref + (src - BASE), n);
		for (int k = 0; k < 4; k++)
			tm_set_absent(&f->m, PG((k & 1 ? src : dst) + tm_rnd(f, n)),
				      DSA_MEM_FAULT);
		d = tm_desc(DSA_OPCODE_MEMMOVE, src, dst, (uint32_t)n, 0);
		for (;;) {
			cr = tm_run(f, &d);
			if (cr.status == DSA_COMP_SUCCESS)
				break;
			assert_int_equal(cr.status & DSA_COMP_STATUS_MASK,
					 DSA_COMP_PAGE_FAULT_NOBOF);
			assert_true(cr.bytes_completed < d.xfer_size);
			assert_true(++tries <= 8);
			tm_set_absent(&f->m, cr.fault_addr, 0);
			d.xfer_size -= cr.bytes_completed;
			if (cr.result == 0) {
				d.src_addr += cr.bytes_completed;
				d.dst_addr += cr.bytes_completed;
			}
		}
		assert_memory_equal(f->m.buf, ref, SIZE);
		clear_absent(f);
	}
	free(ref);
}

static void test_fault_codes(void **state)
{
	struct tm_fx *f = *state;
	struct dsa_hw_desc d = tm_desc(DSA_OPCODE_MEMMOVE, BASE, BASE + 0x10000, 8192, 0);
	struct dsa_completion_record cr;

	tm_set_absent(&f->m, BASE + 0x11000, DSA_MEM_FAULT_IR);
	cr = tm_run(f, &d);
	assert_int_equal(cr.status, DSA_COMP_PAGE_FAULT_IR | DSA_COMP_STATUS_WRITE);
	assert_int_equal(cr.bytes_completed, 4096);
	assert_true(cr.fault_addr == BASE + 0x11000);
	tm_set_absent(&f->m, BASE + 0x11000, DSA_MEM_XLAT_ERR);
	cr = tm_run(f, &d);
	assert_int_equal(cr.status, DSA_COMP_TRANSLATION_FAIL | DSA_COMP_STATUS_WRITE);
	tm_set_absent(&f->m, BASE + 0x11000, 0xff);	/* -EIO */
	cr = tm_run(f, &d);
	assert_int_equal(cr.status, DSA_COMP_HW_ERR1);
	/* outside the mapped window: an ordinary fault */
	d.src_addr = BASE - 4096;
	cr = tm_run(f, &d);
	assert_fault(&cr, BASE - 4096, false, DSA_OPND_ADDR1);
	assert_int_equal(cr.bytes_completed, 0);
}

/* ---- the other operations --------------------------------------------- */

static void test_crc_partial_chains(void **state)
{
	struct tm_fx *f = *state;

	for (uint32_t mode = 0; mode < 4; mode++) {
		const uint64_t src = BASE + 0x3000 + 12, dst = BASE + 0x80000;
		const uint32_t n = 30000, fl = mode << 17;
		struct dsa_hw_desc d = tm_desc(mode & 1 ? DSA_OPCODE_COPY_CRC :
					  DSA_OPCODE_CRCGEN, src,
					  mode & 1 ? dst : 0, n, 0);
		struct dsa_completion_record cr;
		uint32_t full;

		d.flags |= fl;
		d.crc_seed = 0x1234567u * (mode + 1);
		cr = tm_run(f, &d);
		assert_int_equal(cr.status, DSA_COMP_SUCCESS);
		full = (uint32_t)cr.crc_val;

		tm_set_absent(&f->m, PG(src + 17000), DSA_MEM_FAULT);
		if (mode & 1)
			tm_set_absent(&f->m, PG(dst + 9000), DSA_MEM_FAULT);
		for (int tries = 0;; tries++) {
			assert_true(tries < 4);
			cr = tm_run(f, &d);
			if (cr.status == DSA_COMP_SUCCESS)
				break;
			/* the prefix's CRC continues as the next seed */
			tm_set_absent(&f->m, cr.fault_addr, 0);
			d.crc_seed = (uint32_t)cr.crc_val;
			d.src_addr += cr.bytes_completed;
			if (mode & 1)
				d.dst_addr += cr.bytes_completed;
			d.xfer_size -= cr.bytes_completed;
		}
		assert_true((uint32_t)cr.crc_val == full);
		if (mode & 1)
			assert_memory_equal(tm_p(f, dst), tm_p(f, src), n);
	}

	/* seed address not present: nothing done, the seed operand faults */
	struct dsa_hw_desc d = tm_desc(DSA_OPCODE_CRCGEN, BASE, 0, 64, 0);
	struct dsa_completion_record cr;

	d.flags |= DSA_CRC_FLAG_READ_SEED;
	d.seed_addr = BASE + 0x7000;
	tm_set_absent(&f->m, BASE + 0x7000, DSA_MEM_FAULT);
	cr = tm_run(f, &d);
	assert_fault(&cr, BASE + 0x7000, false, DSA_OPND_SEED);
	assert_int_equal(cr.bytes_completed, 0);
}

static void test_fill_compare_dualcast_partial(void **state)
{
	struct tm_fx *f = *state;
	const uint64_t a = BASE + 0x10008, b = BASE + 0x40008, c = BASE + 0x70008;
	const uint32_t n = 5 * TM_PAGE;
	const uint64_t pat = 0x0123456789abcdefull;
	struct dsa_hw_desc d = tm_desc(DSA_OPCODE_MEMFILL, 0, a, n, 0);
	struct dsa_completion_record cr;

	d.pattern = pat;
	tm_set_absent(&f->m, PG(a) + 2 * TM_PAGE, DSA_MEM_FAULT);
	cr = tm_run(f, &d);
	assert_fault(&cr, PG(a) + 2 * TM_PAGE, true, DSA_OPND_ADDR2);
	assert_int_equal(cr.bytes_completed, 2 * TM_PAGE - 8);
	clear_absent(f);
	d.dst_addr += cr.bytes_completed;
	d.xfer_size -= cr.bytes_completed;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);
	for (uint32_t i = 0; i < n; i += 8)
		assert_memory_equal(tm_p(f, a + i), &pat, dsa_min(8, n - i));

	/* compare: equal so far when the fault hits */
	memcpy(tm_p(f, b), tm_p(f, a), n);
	tm_p(f, b)[n - 3] ^= 1;
	d = tm_desc(DSA_OPCODE_COMPARE, a, b, n, 0);
	tm_set_absent(&f->m, PG(b) + 3 * TM_PAGE, DSA_MEM_FAULT);
	cr = tm_run(f, &d);
	assert_fault(&cr, PG(b) + 3 * TM_PAGE, false, DSA_OPND_ADDR2);
	assert_int_equal(cr.result, 0);
	assert_int_equal(cr.bytes_completed, 3 * TM_PAGE - 8);
	clear_absent(f);
	d.src_addr += cr.bytes_completed;
	d.src2_addr += cr.bytes_completed;
	d.xfer_size -= cr.bytes_completed;
	cr = tm_run(f, &d);
	assert_int_equal(cr.status, DSA_COMP_SUCCESS);
	assert_int_equal(cr.result, 1);
	assert_int_equal(cr.bytes_completed, n - 3 - (3 * TM_PAGE - 8));

	/* dualcast: the second destination faults */
	d = tm_desc(DSA_OPCODE_DUALCAST, a, b, n, 0);
	d.dest2 = c;
	tm_set_absent(&f->m, PG(c) + TM_PAGE, DSA_MEM_FAULT);
	cr = tm_run(f, &d);
	assert_fault(&cr, PG(c) + TM_PAGE, true, DSA_OPND_ADDR3);
	assert_int_equal(cr.bytes_completed, TM_PAGE - 8);
	clear_absent(f);
	d.src_addr += cr.bytes_completed;
	d.dst_addr += cr.bytes_completed;
	d.dest2 += cr.bytes_completed;
	d.xfer_size -= cr.bytes_completed;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);
	assert_memory_equal(tm_p(f, b), tm_p(f, a), n);
	assert_memory_equal(tm_p(f, c), tm_p(f, a), n);
}

static void test_delta_partial(void **state)
{
	struct tm_fx *f = *state;
	const uint64_t s1 = BASE, s2 = BASE + 0x20000, rec = BASE + 0x40000;
	const uint64_t rec2 = BASE + 0x60000, out = BASE + 0x80000;
	const uint32_t n = 0x10000;
	struct dsa_hw_desc d = tm_desc(DSA_OPCODE_CR_DELTA, s1, s2, n, 0);
	struct dsa_completion_record cr;
	uint64_t bc, rs;

	memcpy(tm_p(f, s2), tm_p(f, s1), n);
	for (int k = 0; k < 900; k++)
		tm_p(f, s2)[tm_rnd(f, n)] ^= 0x5a;
	d.delta_addr = rec;
	d.max_delta_size = n / 8 * 10;

	/* read fault on src2 page 9 */
	tm_set_absent(&f->m, s2 + 9 * TM_PAGE, DSA_MEM_FAULT);
	cr = tm_run(f, &d);
	assert_fault(&cr, s2 + 9 * TM_PAGE, false, DSA_OPND_ADDR2);
	bc = cr.bytes_completed;
	rs = cr.delta_rec_size;
	assert_int_equal(bc, 9 * TM_PAGE);
	assert_true(rs % 10 == 0 && rs > 0);
	/* resubmit the rest into a second (8-byte aligned) record */
	clear_absent(f);
	d.src_addr += bc;
	d.src2_addr += bc;
	d.xfer_size -= (uint32_t)bc;
	d.delta_addr = rec2;
	cr = tm_run(f, &d);
	assert_int_equal(cr.status, DSA_COMP_SUCCESS);

	/* two records, each relative to its own start, rebuild src2 */
	memcpy(tm_p(f, out), tm_p(f, s1), n);
	d = tm_desc(DSA_OPCODE_AP_DELTA, rec, out, (uint32_t)bc, 0);
	d.delta_rec_size = (uint32_t)rs;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);
	d = tm_desc(DSA_OPCODE_AP_DELTA, rec2, out + bc, n - (uint32_t)bc, 0);
	d.delta_rec_size = cr.delta_rec_size;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);
	assert_memory_equal(tm_p(f, out), tm_p(f, s2), n);

	/* write fault on the record: only whole entries count */
	d = tm_desc(DSA_OPCODE_CR_DELTA, s1, s2, n, 0);
	d.delta_addr = rec + 8;		/* an entry straddles the page end */
	d.max_delta_size = n / 8 * 10;
	tm_set_absent(&f->m, rec + TM_PAGE, DSA_MEM_FAULT);
	cr = tm_run(f, &d);
	assert_fault(&cr, rec + TM_PAGE, true, DSA_OPND_ADDR3);
	rs = cr.delta_rec_size;
	assert_int_equal(rs, (TM_PAGE - 8) / 10 * 10);
	/* bytes_completed = source offset of the first entry not written */
	{
		const uint8_t *e = tm_p(f, rec + 8);
		uint64_t last = (uint64_t)(e[rs - 10] | e[rs - 9] << 8);

		assert_true(cr.bytes_completed > last * 8);
		assert_memory_equal(e + rs - 8, tm_p(f, s2 + last * 8), 8);
	}
	clear_absent(f);

	/* apply: a destination page missing */
	memcpy(tm_p(f, out), tm_p(f, s1), n);
	d = tm_desc(DSA_OPCODE_CR_DELTA, s1, s2, n, 0);
	d.delta_addr = rec;
	d.max_delta_size = n / 8 * 10;
	cr = tm_run(f, &d);
	assert_int_equal(cr.status, DSA_COMP_SUCCESS);
	d = tm_desc(DSA_OPCODE_AP_DELTA, rec, out, n, 0);
	d.delta_rec_size = cr.delta_rec_size;
	tm_set_absent(&f->m, out + 5 * TM_PAGE, DSA_MEM_FAULT);
	cr = tm_run(f, &d);
	/* the first patched word in that page */
	assert_true(PG(cr.fault_addr) == out + 5 * TM_PAGE);
	assert_fault(&cr, cr.fault_addr, true, DSA_OPND_ADDR2);
	assert_true(cr.bytes_completed % 10 == 0 && cr.bytes_completed > 0);
	clear_absent(f);
	/*
	 * Advancing the record by a multiple of 10 would break its 8-byte
	 * alignment; applying is idempotent, so software reruns it whole.
	 */
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);
	assert_memory_equal(tm_p(f, out), tm_p(f, s2), n);
}

/*
 * DIF insert faulting mid-way, resumed the way accel-config's
 * dsa_reprep_dif() does: source by bytes_completed, destination by that
 * plus 8 per block, tags from the completion record.
 */
static void test_dif_insert_partial(void **state)
{
	struct tm_fx *f = *state;
	const uint64_t src = BASE + 0x1000, dst = BASE + 0x40000, ref = BASE + 0x80000;
	const uint32_t bs = 520, nb = 20, n = bs * nb;
	struct dsa_hw_desc d = tm_desc(DSA_OPCODE_DIF_INS, src, ref, n, 0);
	struct dsa_completion_record cr;
	uint32_t blocks;

	d.dif_ins_flags = 1;	/* 520 */
	d.dest_dif_flag = DSA_DIF_DST_INC_APP;
	d.ins_ref_tag_seed = 77;
	d.ins_app_tag_seed = 0xfff0;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);

	d.dst_addr = dst;
	tm_set_absent(&f->m, PG(dst + 6000), DSA_MEM_FAULT);
	cr = tm_run(f, &d);
	assert_fault(&cr, PG(dst + 6000), true, DSA_OPND_ADDR2);
	blocks = (uint32_t)(PG(dst + 6000) - dst) / (bs + 8);
	assert_int_equal(cr.bytes_completed, blocks * bs);
	assert_true(cr.dif_ins_ref_tag == 77 + blocks);
	assert_int_equal(cr.dif_ins_app_tag, (uint16_t)(0xfff0 + blocks));
	clear_absent(f);
	d.src_addr += cr.bytes_completed;
	d.xfer_size -= cr.bytes_completed;
	d.dst_addr += cr.bytes_completed + 8 * blocks;
	d.ins_app_tag_seed = cr.dif_ins_app_tag;
	d.ins_ref_tag_seed = cr.dif_ins_ref_tag;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);
	assert_memory_equal(tm_p(f, dst), tm_p(f, ref), nb * (bs + 8));

	/* check faulting on a tuple read (operand 1 = source) */
	d = tm_desc(DSA_OPCODE_DIF_CHECK, dst, 0, nb * (bs + 8), 0);
	d.dif_chk_flags = 1;
	d.src_dif_flags = DSA_DIF_SRC_INC_APP;
	d.chk_ref_tag_seed = 77;
	d.chk_app_tag_seed = 0xfff0;
	tm_set_absent(&f->m, PG(dst + 8 * (bs + 8) + bs), DSA_MEM_FAULT);
	cr = tm_run(f, &d);
	assert_fault(&cr, dst + TM_PAGE, false, DSA_OPND_ADDR1);
	assert_int_equal(cr.bytes_completed, 7 * (bs + 8));
	assert_true(cr.dif_chk_ref_tag == 77 + 7);
	assert_int_equal(cr.dif_chk_app_tag, 0xfff0 + 7);
	clear_absent(f);
	d.src_addr += cr.bytes_completed;
	d.xfer_size -= cr.bytes_completed;
	d.chk_ref_tag_seed = cr.dif_chk_ref_tag;
	d.chk_app_tag_seed = cr.dif_chk_app_tag;
	assert_int_equal(tm_run(f, &d).status, DSA_COMP_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_memmove_forward_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memmove_backward_overlap_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memmove_random_resubmit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crc_partial_chains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fill_compare_dualcast_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delta_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dif_insert_partial, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
