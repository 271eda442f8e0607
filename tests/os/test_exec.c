// SPDX-License-Identifier: MIT
/*
 * exec(2): "On fork(2) or exec(2) the PASID is removed from the process as
 * it no longer has the same address space that it had when the PASID was
 * allocated."  A process that used a work queue execs: its other threads
 * end, the new program runs on an empty mm with no PASID, IA32_PASID and
 * the fixup's activation are cleared, so an ENQCMD is SIGSEGV - until the
 * program opens the WQ again, binds its new mm and works.  The old mm is
 * let go as at exit; its PASID lives while the old WQ file stays open.
 */
#include "../idxd/guest_util.h"

#include "os/iommu_drv.h"

struct ex {
	struct sva_system *sys;
	struct sva_kernel *k;
	int old_fd;
	uint64_t old_portal, old_buf;
	uint32_t old_pasid;
	struct sva_mm *old_mm;
	unsigned helpers_started;
	bool helper_returned;		/* a helper thread got past its sleep: must not happen */
	/* seen by the new program */
	bool ran;
	unsigned threads_left;
	uint64_t msr;
	bool activated;
	uint32_t pasid_after_exec;
	int old_buf_load, old_mmap;
	int enq_no_pasid;
	unsigned segv;
	uint32_t new_pasid;
	int old_state_after_close;
	char name[32];
};

static uint64_t memmove_ok(uint64_t portal)
{
	uint64_t buf = gu_alloc(4 * GU_PAGE, true);
	struct dsa_hw_desc d = gu_desc(DSA_OPCODE_MEMMOVE, buf + GU_PAGE, buf + 2 * GU_PAGE, 256, GU_FL, buf);
	struct dsa_completion_record cr;

	gu_fill(buf + GU_PAGE, 256, 3);
	cr = gu_run(portal, buf + 3 * GU_PAGE, &d);
	GU_CHECK_EQ(cr.status, DSA_COMP_SUCCESS);
	GU_CHECK(gu_holds(buf + 2 * GU_PAGE, 256, 3, 0));
	return buf;
}

static void sleeper(void *arg)
{
	struct ex *e = arg;

	e->helpers_started++;
	sva_nanosleep(1000000000ull);
	e->helper_returned = true;
}

static void spinner(void *arg)
{
	struct ex *e = arg;

	e->helpers_started++;
	/* ENQCMD-using thread: activated MSR, on a CPU, in user mode */
	memmove_ok(e->old_portal);
	for (int i = 0; i < 1000000; i++)
		sva_spin(100);
	e->helper_returned = true;
}

/* The new program. */
static void after_exec(void *arg)
{
	struct ex *e = arg;
	struct sva_thread *t = sva_thread_current(e->k);
	struct sva_mm *mm = t->proc->mm;
	uint64_t v = 0, portal, desc;
	struct gu_wq w;

	e->ran = true;
	e->threads_left = t->proc->nr_threads;
	e->msr = sva_cpu_pasid_msr(t->lcpu->cpu);
	e->activated = t->pasid_activated;
	e->pasid_after_exec = mm->pasid;
	snprintf(e->name, sizeof(e->name), "%s", t->proc->name);
	GU_CHECK(mm != e->old_mm);
	/* The old program's memory and portal are gone; faults now fail, not kill. */
	GU_CHECK_EQ(sva_signal(SIGSEGV, gu_sig_fail, &e->segv), 0);
	e->old_buf_load = sva_load(e->old_buf, &v, sizeof(v));
	/* The old WQ file is still open, bound to the old mm: no portal from it here. */
	e->old_mmap = (int)sva_mmap(0, GU_PAGE, SVA_PROT_WRITE, SVA_MAP_SHARED, e->old_fd, 0);
	/* A portal of this WQ mapped without binding: ENQCMD #GPs and the fixup finds no PASID. */
	portal = 0;
	GU_CHECK_EQ(sva_mm_mmap(mm, &portal, GU_PAGE, SVA_PROT_WRITE, SVA_MAP_SHARED, SVA_VM_IO,
				gu_idxd(e->sys)->wqs[0].portal, "[hand-made portal]"), 0);
	desc = gu_alloc(GU_PAGE, true);
	e->enq_no_pasid = sva_enqcmd(portal, desc);
	/* Open the WQ again: the new mm binds, gets a PASID, and ENQCMD works. */
	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &w), 0);
	e->new_pasid = mm->pasid;
	memmove_ok(w.portal);
	/* Closing the old file lets the old mm, and its PASID, go. */
	GU_CHECK_EQ(sva_close(e->old_fd), 0);
	e->old_state_after_close = sva_pasid_state(&e->k->pasids, e->old_pasid);
	GU_CHECK_EQ(sva_close(w.fd), 0);
}

static void before_exec(void *arg)
{
	struct ex *e = arg;
	struct gu_wq w;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &w), 0);
	e->old_fd = w.fd;
	e->old_portal = w.portal;
	e->old_buf = memmove_ok(w.portal);
	e->old_pasid = gu_pasid(e->k);
	e->old_mm = sva_thread_current(e->k)->proc->mm;
	GU_CHECK(sva_thread_create(sleeper, e, "sleeper") > 0);
	GU_CHECK(sva_thread_create(spinner, e, "spinner") > 0);
	while (e->helpers_started < 2)
		sva_nanosleep(1000);
	sva_nanosleep(20000);	/* the spinner has submitted and is spinning */
	GU_CHECK_EQ(sva_execve("newprog", after_exec, e), 0);
	GU_CHECK(!"sva_execve returned");
}

static void test_exec_drops_the_pasid_threads_and_msr(void **state)
{
	struct ex e = { 0 };
	struct sva_exit_status es;
	int pid;

	(void)state;
	e.sys = gu_sys(tu_seed(1), NULL);
	e.k = sva_system_kernel(e.sys);
	pid = sva_system_spawn(e.sys, "oldprog", before_exec, &e);
	assert_true(pid > 0);
	assert_int_equal(sva_sim_run(sva_system_sim(e.sys)), 0);
	gu_assert_clean();
	assert_int_equal(sva_system_proc_status(e.sys, pid, &es), 0);
	assert_true(es.exited);
	assert_int_equal(es.signal, 0);
	assert_true(e.ran);
	assert_false(e.helper_returned);
	assert_int_equal(e.threads_left, 1);
	assert_string_equal(e.name, "newprog");
	/* IA32_PASID: valid bit and value cleared; not activated */
	assert_int_equal(e.msr, 0);
	assert_false(e.activated);
	assert_int_equal(e.pasid_after_exec, SVA_PASID_INVALID);
	assert_int_equal(e.old_buf_load, -EFAULT);
	assert_int_equal(e.old_mmap, -EPERM);
	/* the #GP with no PASID to load is SIGSEGV (here: the handler fails the ENQCMD) */
	assert_int_equal(e.enq_no_pasid, -EFAULT);
	assert_int_equal(e.segv, 2);
	/* The old file still held the old PASID, so the new mm got another one. */
	assert_true(e.new_pasid != SVA_PASID_INVALID && e.new_pasid != e.old_pasid);
	assert_int_not_equal(e.old_state_after_close, SVA_PASID_LIVE);
	assert_int_equal(e.k->check.violations, 0);
	assert_null(e.k->iommu->bonds);
	sva_system_destroy(e.sys);
}

/* Exec racing an exit_group from another thread: one of them wins, nothing breaks. */
static void quitter(void *arg)
{
	uint64_t ns = (uint64_t)(uintptr_t)arg;

	sva_nanosleep(ns);
	sva_exit(5);
}

static void never(void *arg)
{
	(void)arg;
	GU_CHECK(!"the old program's exit lost to exec, yet the new one ran after it");
}

static void new_prog(void *arg)
{
	unsigned *ran = arg;

	(*ran)++;
}

static unsigned race_ran;

static void exec_vs_exit(void *arg)
{
	struct gu_wq w;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &w), 0);
	GU_CHECK(sva_thread_create(quitter, arg, "quitter") > 0);
	sva_nanosleep(1000);
	(void)sva_execve(NULL, new_prog, &race_ran);
	never(NULL);
}

static void test_exec_racing_exit_of_another_thread(void **state)
{
	unsigned execs = 0, exits = 0;

	(void)state;
	for (uint64_t s = tu_seed(1); s < tu_seed(1) + 100; s++) {
		struct sva_system *sys = gu_sys(s, NULL);
		struct sva_exit_status es;
		int pid;

		race_ran = 0;
		pid = sva_system_spawn(sys, "racer", exec_vs_exit, (void *)(uintptr_t)(s % 3 * 500));
		assert_true(pid > 0);
		assert_int_equal(sva_sim_run(sva_system_sim(sys)), 0);
		gu_assert_clean();
		assert_int_equal(sva_system_proc_status(sys, pid, &es), 0);
		assert_true(es.exited);
		assert_int_equal(es.signal, 0);
		if (race_ran) {
			execs++;
			assert_int_equal(es.code, 0);
		} else {
			exits++;
			assert_int_equal(es.code, 5);
		}
		assert_int_equal(sva_system_kernel(sys)->check.violations, 0);
		assert_null(sva_system_kernel(sys)->iommu->bonds);
		sva_system_destroy(sys);
	}
	/* Both outcomes happen across the seeds. */
	assert_true(execs > 0);
	assert_true(exits > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_drops_the_pasid_threads_and_msr),
		cmocka_unit_test(test_exec_racing_exit_of_another_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
