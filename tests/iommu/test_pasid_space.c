// SPDX-License-Identifier: MIT
/*
 * The whole 20-bit PASID space through the IOMMU: a PASID at either end
 * of a PASID table and of the old one-frame directory, and the largest
 * one, is bound and translates like any other; and a device whose PCIe
 * PASID capability is narrower (Max PASID Width) refuses an mm whose
 * PASID it cannot carry, as Linux's iommu_sva_bind_device does.
 *
 * To make the mm get PASID X, PASIDs 1 .. X-1 are taken first by a
 * stand-in owner (allocation is lowest-free).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sva/guest.h>
#include <sva/iommu.h>
#include <sva/system.h>

#include "os/iommu_drv.h"
#include "os/kernel.h"
#include "os/mm.h"
#include "os/proc.h"
#include "system_internal.h"
#include "testutil.h"

/* A PCIe function with ATS that answers invalidations at once. */
static void m_ats_invalidate(struct sva_pcidev *dev, uint32_t itag, uint32_t pasid,
			     uint64_t addr, uint64_t size, bool global)
{
	(void)pasid; (void)addr; (void)size; (void)global;
	sva_iommu_ats_inv_done(dev, itag);
}

static void m_page_response(struct sva_pcidev *dev, uint32_t pasid, uint16_t prgi,
			    enum sva_prg_resp code)
{
	(void)dev; (void)pasid; (void)prgi; (void)code;
}

static const struct sva_pcidev_ops m_ops = {
	.ats_invalidate = m_ats_invalidate,
	.page_response = m_page_response,
};

struct env {
	struct sva_system *sys;
	struct sva_kernel *k;
	struct sva_pcidev dev[2];	/* [0] full width, [1] as the test says */
	int stand_in;			/* owner of the PASIDs taken first */
	/* what the guest does and saw */
	uint32_t first_pasid;		/* take this PASID through dev[0] first (0: don't) */
	int bind_r, first_r;
	uint32_t pasid;
	uint64_t va, xlat_pa, cpu_pa;
	int xlat_r;
};

static struct env *env_new(unsigned narrow_width)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	e->sys = sva_system_create(&(struct sva_system_config){
		.seed = tu_seed(1), .ram_size = 256ull << 20, .no_accel = true });
	assert_non_null(e->sys);
	e->k = sva_system_kernel(e->sys);
	for (unsigned i = 0; i < 2; i++) {
		e->dev[i] = (struct sva_pcidev){ .rid = (uint16_t)(0x0100 + 8 * i), .ops = &m_ops, .priv = e,
						 .pri_capacity = 64,
						 .max_pasid_width = (uint8_t)(i ? narrow_width : 0) };
		snprintf(e->dev[i].name, sizeof(e->dev[i].name), "mock%u", i);
		assert_int_equal(sva_iommu_probe_device(e->k->iommu, &e->dev[i]), 0);
	}
	return e;
}

static void env_free(struct env *e)
{
	sva_system_destroy(e->sys);
	free(e);
}

/* Take PASIDs 1 .. @next-1, so the next allocation gives @next. */
static void take_below(struct env *e, uint32_t next)
{
	for (uint32_t want = 1; want < next; want++) {
		uint32_t p;

		assert_int_equal(sva_pasid_alloc(&e->k->pasids, &e->stand_in, &p), 0);
		assert_int_equal(p, want);
	}
}

/* The guest: a page of memory, a bind of dev[1] (after dev[0] when asked), a device translation. */
static void binder(void *arg)
{
	struct env *e = arg;
	struct sva_mm *mm = sva_thread_current(e->k)->proc->mm;
	struct sva_bond *first = NULL, *b = NULL;
	struct sva_ats_xlat x;
	int64_t va = sva_mmap(0, 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE | SVA_MAP_ANONYMOUS, -1, 0);

	if (va <= 0)
		return;
	e->va = (uint64_t)va;
	sva_store64(e->va, 0x5a5a5a5a);
	if (e->first_pasid) {
		e->first_r = iommu_sva_bind_device(e->k->iommu, &e->dev[0], mm, &first);
		if (e->first_r)
			return;
	}
	e->bind_r = iommu_sva_bind_device(e->k->iommu, &e->dev[1], mm, &b);
	if (e->bind_r == 0) {
		e->pasid = iommu_sva_get_pasid(b);
		e->xlat_r = sva_iommu_ats_translate(&e->dev[1], e->pasid, false, e->va, true, &x);
		e->xlat_pa = x.pa;
		e->cpu_pa = sva_mm_frame_at(mm, e->va);
		iommu_sva_unbind_device(b);
	}
	if (first)
		iommu_sva_unbind_device(first);
}

static void run(struct env *e)
{
	int pid = sva_system_spawn(e->sys, "binder", binder, e);
	struct sva_exit_status es;

	assert_true(pid > 0);
	assert_int_equal(sva_sim_run(sva_system_sim(e->sys)), 0);
	assert_int_equal(sva_system_proc_status(e->sys, pid, &es), 0);
	assert_true(es.exited);
	assert_int_equal(es.signal, 0);
	assert_int_equal(e->k->check.violations, 0);
}

/* Bind and translate with the mm's PASID = @pasid on a full-width device. */
static void bind_at(uint32_t pasid)
{
	struct env *e = env_new(0);

	take_below(e, pasid);
	run(e);
	assert_int_equal(e->bind_r, 0);
	assert_int_equal(e->pasid, pasid);
	assert_int_equal(e->xlat_r, 0);
	assert_true(e->cpu_pa != 0);
	assert_int_equal(e->xlat_pa, e->cpu_pa);
	env_free(e);
}

static void test_pasid_1(void **state) { (void)state; bind_at(1); }
static void test_pasid_63_last_of_the_first_table(void **state) { (void)state; bind_at(63); }
static void test_pasid_64_first_of_the_second_table(void **state) { (void)state; bind_at(64); }
static void test_pasid_32767(void **state) { (void)state; bind_at(32767); }
static void test_pasid_32768_past_one_directory_frame(void **state) { (void)state; bind_at(32768); }
static void test_pasid_2_to_the_20_minus_1(void **state) { (void)state; bind_at(SVA_PASID_MAX - 1); }

/* A 6-bit device carries PASIDs 0..63: the mm's PASID 63 binds, 64 is EOVERFLOW. */
static void narrow(uint32_t pasid, int want)
{
	struct env *e = env_new(6);

	take_below(e, pasid);
	e->first_pasid = pasid;	/* the mm gets it through the wide device */
	run(e);
	assert_int_equal(e->first_r, 0);
	assert_int_equal(e->bind_r, want);
	if (want == 0) {
		assert_int_equal(e->pasid, pasid);
		assert_int_equal(e->xlat_r, 0);
		assert_int_equal(e->xlat_pa, e->cpu_pa);
	}
	env_free(e);
}

static void test_max_pasids_minus_1_binds(void **state) { (void)state; narrow(63, 0); }
static void test_max_pasids_is_eoverflow(void **state) { (void)state; narrow(64, -EOVERFLOW); }
static void test_max_pasids_plus_1_is_eoverflow(void **state) { (void)state; narrow(65, -EOVERFLOW); }

/* A first bind through the narrow device allocates below its limit, or fails with ENOSPC. */
static void test_new_pasid_is_taken_below_the_devices_limit(void **state)
{
	struct env *e = env_new(6);

	(void)state;
	take_below(e, 63);
	run(e);
	assert_int_equal(e->bind_r, 0);
	assert_int_equal(e->pasid, 63);
	env_free(e);

	e = env_new(6);
	take_below(e, 64);
	run(e);
	assert_int_equal(e->bind_r, -ENOSPC);
	/* The space above is free, and a wide device still gets it. */
	assert_int_equal(sva_pasid_state(&e->k->pasids, 64), SVA_PASID_FREE);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pasid_1),
		cmocka_unit_test(test_pasid_63_last_of_the_first_table),
		cmocka_unit_test(test_pasid_64_first_of_the_second_table),
		cmocka_unit_test(test_pasid_32767),
		cmocka_unit_test(test_pasid_32768_past_one_directory_frame),
		cmocka_unit_test(test_pasid_2_to_the_20_minus_1),
		cmocka_unit_test(test_max_pasids_minus_1_binds),
		cmocka_unit_test(test_max_pasids_is_eoverflow),
		cmocka_unit_test(test_max_pasids_plus_1_is_eoverflow),
		cmocka_unit_test(test_new_pasid_is_taken_below_the_devices_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
