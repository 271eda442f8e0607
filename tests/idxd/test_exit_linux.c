// SPDX-License-Identifier: MIT
/*
 * Exit with work in flight, in Linux's order: exit_mmap runs the IOMMU's
 * release, which tears the PASID entries down (in-flight work on that
 * PASID now faults: records that cannot be written become software
 * errors, block-on-fault page requests are answered Invalid); then the
 * portal's file is put and its release drains the PASID (Drain PASID on a
 * shared WQ, Disable WQ on a dedicated one) and unbinds; the PASID is
 * freed only after that, when the mm struct goes.  Nothing is aborted and
 * nothing is lost: every accepted descriptor completes once.
 */
#include "guest_util.h"
#include "hw/dsa/dsa_internal.h"

#define A_RECS	12		/* A's descriptors with a completion record */
#define A_BARE	4		/* ... and without (an error goes to SWERR) */
#define A_SZ	(64 * 1024)
#define B_N	6		/* B's, on the 8-entry dedicated WQ */
#define B_SZ	(128 * 1024)

struct ex {
	struct sva_system *sys;
	struct sva_kernel *k;
	int pid[2];
	uint32_t pasid[2];
	volatile int submitted;
	unsigned samples, bad_order;
};

/* Shared WQ, block on fault: the destination was never touched, so the engines wait on page requests. */
static void exit_shared(void *arg)
{
	struct ex *t = arg;
	struct gu_wq sw;
	uint64_t crs = gu_alloc(GU_PAGE, true), desc = gu_alloc(GU_PAGE, true);
	uint64_t src = gu_alloc(A_SZ, true), dst = gu_alloc((uint64_t)(A_RECS + A_BARE) * A_SZ, false);

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	gu_fill(src, A_SZ, 11);
	t->pasid[0] = gu_pasid(t->k);
	for (unsigned i = 0; i < A_RECS + A_BARE; i++) {
		uint32_t fl = IDXD_OP_FLAG_BOF | (i < A_RECS ? GU_FL : 0);
		struct dsa_hw_desc d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst + (uint64_t)i * A_SZ, A_SZ, fl,
					       i < A_RECS ? crs + 32ull * i : 0);

		GU_CHECK(gu_submit(sw.portal, desc, &d) >= 0);
	}
	t->submitted++;
	sva_exit(0);		/* with all of it in flight */
}

/* Dedicated WQ: MOVDIR64B, no faults until the PASID entry goes. */
static void exit_dedicated(void *arg)
{
	struct ex *t = arg;
	struct gu_wq dw;
	uint64_t crs = gu_alloc(GU_PAGE, true), desc = gu_alloc(GU_PAGE, true);
	uint64_t src = gu_alloc(B_SZ, true), dst = gu_alloc((uint64_t)B_N * B_SZ, true);

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.1", &dw), 0);
	t->pasid[1] = gu_pasid(t->k);
	for (unsigned i = 0; i < B_N; i++) {
		struct dsa_hw_desc d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst + (uint64_t)i * B_SZ, B_SZ, GU_FL,
					       crs + 32ull * i);

		gu_prepare(desc, &d);
		GU_CHECK_EQ(sva_movdir64b(dw.portal, desc), 0);
	}
	t->submitted++;
	sva_exit(0);
}

/* While either PASID still has work on the device, it must not be free. */
static void watcher(void *arg)
{
	struct ex *t = arg;

	while (t->submitted < 2)
		sva_spin(100);
	for (unsigned n = 0; n < 20000; n++) {
		for (int i = 0; i < 2; i++)
			if (dsa_pending(gu_dsa(t->sys), -1, true, t->pasid[i], UINT64_MAX)) {
				t->samples++;
				t->bad_order += sva_pasid_state(&t->k->pasids, t->pasid[i]) == SVA_PASID_FREE;
			}
		sva_spin(100);
	}
}

/* Index of the first journal entry containing @a (and @b, when given) at or after @from; -1 if none. */
static int journal_find(struct sva_sim *sim, unsigned from, const char *a, const char *b)
{
	for (unsigned i = from; i < sva_journal_count(sim); i++) {
		const char *w = sva_journal_entry(sim, i)->what;

		if (strstr(w, a) && (!b || strstr(w, b)))
			return (int)i;
	}
	return -1;
}

static void check_order(struct ex *t, int i)
{
	struct sva_sim *sim = sva_system_sim(t->sys);
	char rel[64], drain[64], freed[64];
	int r, d, f;

	snprintf(rel, sizeof(rel), "mm of pid %d (", t->pid[i]);
	snprintf(drain, sizeof(drain), "%s PASID %u,", i == 0 ? "released: drain" : "released: Disable WQ drains",
		 t->pasid[i]);
	snprintf(freed, sizeof(freed), "torn down (mmdrop): PASID %u freed", t->pasid[i]);
	r = journal_find(sim, 0, rel, "exiting (release)");
	d = journal_find(sim, 0, drain, i == 0 ? "wq0.0" : "wq0.1");
	/* PASIDs come back: the first free of this value after the teardown. */
	f = r < 0 ? -1 : journal_find(sim, (unsigned)r, freed, NULL);
	if (r < 0 || d < 0 || f < 0 || !(r < d && d < f))
		fail_msg("pid %d: PASID entry teardown (%d), drain at file release (%d), PASID freed (%d): "
			 "not in that order", t->pid[i], r, d, f);
	/* Nothing of the driver's own at exit: no abort of the PASID's work. */
	assert_int_equal(journal_find(sim, 0, "abort", NULL), -1);
}

static void test_exit_with_work_in_flight_faults_then_drains(void **state)
{
	struct ex *t = calloc(1, sizeof(*t));
	struct sva_sim *sim;
	struct sva_dsa_stats ds;
	unsigned swerr_lines = 0, cra_xlat = 0, op_faults = 0;
	int pids[3];

	(void)state;
	assert_non_null(t);
	t->sys = gu_sys(tu_seed(151), NULL);
	t->k = sva_system_kernel(t->sys);
	sim = sva_system_sim(t->sys);
	pids[0] = t->pid[0] = sva_system_spawn(t->sys, "shared", exit_shared, t);
	pids[1] = t->pid[1] = sva_system_spawn(t->sys, "dedicated", exit_dedicated, t);
	pids[2] = sva_system_spawn(t->sys, "watcher", watcher, t);
	gu_run_sim(t->sys, pids, 3);
	sva_dsa_stats(gu_dsa(t->sys), &ds);

	/* Nothing lost, nothing aborted: each accepted descriptor completed once. */
	assert_int_equal(ds.accepted, A_RECS + A_BARE + B_N);
	assert_int_equal(ds.completed, ds.accepted);
	assert_int_equal(ds.aborted, 0);
	/* A record was written, or its loss logged: one or the other for each. */
	assert_int_equal(ds.cr_writes + ds.cr_faults, A_RECS + B_N);
	assert_true(ds.cr_faults >= 1);
	/* Block-on-fault page requests still out at the teardown were answered Invalid. */
	assert_true(ds.prs_invalid >= 1);
	assert_int_equal(ds.prs_failure, 0);
	/* The statuses: lost records (CRA_XLAT), and faults of record-less descriptors. */
	for (unsigned i = 0; i < sva_journal_count(sim); i++) {
		const char *w = sva_journal_entry(sim, i)->what;
		unsigned code;

		if (sscanf(w, "software error 0x%x", &code) != 1)
			continue;
		swerr_lines++;
		cra_xlat += code == DSA_COMP_CRA_XLAT;
		op_faults += code == DSA_COMP_PAGE_FAULT_IR || code == DSA_COMP_TRANSLATION_FAIL;
	}
	assert_int_equal(swerr_lines, ds.swerrs);
	assert_int_equal(cra_xlat, ds.cr_faults);
	assert_int_equal(cra_xlat + op_faults, ds.swerrs);
	assert_true(op_faults >= 1);
	assert_true(gu_counter(t->sys, "idxd.software_errors") >= 1);
	/* Teardown, then the drain at file release, then the PASID freed; for each WQ kind. */
	check_order(t, 0);
	check_order(t, 1);
	assert_int_equal(gu_counter(t->sys, "idxd.pasid_drains"), 2);
	assert_true(t->samples > 0);
	assert_int_equal(t->bad_order, 0);
	assert_int_equal(sva_pasid_state(&t->k->pasids, t->pasid[0]), SVA_PASID_FREE);
	assert_int_equal(sva_pasid_state(&t->k->pasids, t->pasid[1]), SVA_PASID_FREE);
	assert_int_equal(gu_counter(t->sys, "kernel.pasid_frees"), 2);
	assert_null(gu_idxd(t->sys)->wqs[1].owner);
	sva_system_destroy(t->sys);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_with_work_in_flight_faults_then_drains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
