// SPDX-License-Identifier: MIT
/*
 * Per-WQ accounting (docs/dsa.md §3.1): every descriptor a WQ accepted
 * ends exactly once - completed (its record written, with any status, or
 * none asked for), lost (a record asked for that could not be written:
 * misaligned, no CRAV, or its write faulted) or aborted - and a batch is
 * one WQ entry.  MOVDIR64Bs a full dedicated WQ drops are counted on it.
 */
#include "guest_util.h"

#define DWQ_N 24

static void accounting_main(void *arg)
{
	struct gu_wq sw, dw;
	uint64_t buf = gu_alloc(64 * 1024, true), crs = buf + 8192, list = buf + 16384;
	uint64_t src = gu_alloc(512 * 1024, true), dst = gu_alloc(512 * 1024, true);
	uint64_t hole = gu_alloc(8192, true);
	struct dsa_hw_desc d;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.1", &dw), 0);
	GU_CHECK_EQ(sva_munmap(hole, 8192), 0);
	/* completed: a record, with SUCCESS */
	d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst, 4096, GU_FL, crs);
	GU_CHECK_EQ(gu_run(sw.portal, buf, &d).status, DSA_COMP_SUCCESS);
	/* completed: no record asked for */
	d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst, 4096, 0, 0);
	GU_CHECK(gu_submit(sw.portal, buf, &d) >= 0);
	/* completed: a batch of four no-ops is one WQ entry */
	for (unsigned i = 0; i < 4; i++) {
		d = gu_desc(DSA_OPCODE_NOOP, 0, 0, 0, 0, 0);
		sva_store(list + 64 * i, &d, sizeof(d));
	}
	d = gu_desc(DSA_OPCODE_BATCH, 0, 0, 0, GU_FL, crs + 64);
	d.desc_list_addr = list;
	d.desc_count = 4;
	GU_CHECK_EQ(gu_run(sw.portal, buf, &d).status, DSA_COMP_SUCCESS);
	/* lost: the record address is misaligned, ... */
	d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst, 4096, GU_FL, crs + 128 + 8);
	GU_CHECK(gu_submit(sw.portal, buf, &d) >= 0);
	/* ... RCR without CRAV, ... */
	d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst, 4096, IDXD_OP_FLAG_RCR, crs + 192);
	GU_CHECK(gu_submit(sw.portal, buf, &d) >= 0);
	/* ... the record's page is not mapped */
	d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst, 4096, GU_FL, hole + 4096);
	sva_store(buf, &d, sizeof(d));
	GU_CHECK(gu_enq(sw.portal, buf) >= 0);
	/* A dedicated WQ of 8 takes more MOVDIR64Bs than it holds: the rest are dropped. */
	for (unsigned i = 0; i < DWQ_N; i++) {
		d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst, 512 * 1024, GU_FL, crs + 1024 + 32 * i);
		gu_prepare(buf + 1024 + 64 * i, &d);
	}
	for (unsigned i = 0; i < DWQ_N; i++)
		GU_CHECK_EQ(sva_movdir64b(dw.portal, buf + 1024 + 64 * i), 0);
	(void)arg;
	sva_nanosleep(20 * 1000 * 1000);
}

static void test_every_wq_entry_ends_once(void **state)
{
	struct sva_system *sys = gu_sys(tu_seed(31), NULL);
	struct sva_dsa_wq_account s, dd;
	struct sva_dsa_stats ds;
	uint64_t acc, fin, busy;

	(void)state;
	gu_run_one(sys, accounting_main, NULL);
	assert_int_equal(sva_dsa_wq_account(gu_dsa(sys), 1, &dd), 0);
	assert_int_equal(sva_dsa_wq_account(gu_dsa(sys), sva_dsa_nr_wqs(gu_dsa(sys)), &s), -EINVAL);
	assert_int_equal(sva_dsa_wq_account(gu_dsa(sys), 0, &s), 0);
	/* the shared WQ: 6 entries, 3 completed (one a batch of 4), 3 lost */
	assert_int_equal(s.accepted, 6);
	assert_int_equal(s.completed, 3);
	assert_int_equal(s.lost, 3);
	assert_int_equal(s.aborted, 0);
	assert_int_equal(s.in_flight, 0);
	assert_int_equal(s.retried + s.dropped, 0);
	/* the dedicated WQ: what it did not drop, it completed */
	assert_true(dd.dropped > 0);
	assert_int_equal(dd.accepted + dd.dropped, DWQ_N);
	assert_int_equal(dd.completed, dd.accepted);
	assert_int_equal(dd.lost + dd.aborted + dd.in_flight + dd.retried, 0);
	/* the device: the same, and batch members counted as descriptors apart */
	sva_dsa_stats(gu_dsa(sys), &ds);
	assert_int_equal(ds.top_completed, s.completed + dd.completed);
	assert_int_equal(ds.lost, 3);
	assert_int_equal(ds.batch_descs, 4);
	assert_int_equal(ds.completed, ds.top_completed + ds.lost + ds.batch_descs);
	sva_dsa_accounting(gu_dsa(sys), &acc, &fin, &busy);
	assert_int_equal(acc, fin);
	assert_int_equal(busy, 0);
	sva_system_destroy(sys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_wq_entry_ends_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
