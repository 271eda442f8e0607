// SPDX-License-Identifier: MIT
/*
 * Binding, unbinding and reaping from several threads and processes at
 * once.  The bind path sleeps (its PASID-entry set-up waits for a queued
 * invalidation), so two threads that open work queues at the same instant
 * interleave inside it; the seeded scheduler picks a different
 * interleaving for each seed, and every test sweeps a few hundred of them
 * with the invariant checker on.  After each run: every process exited
 * normally, the checker saw nothing, and no bond, domain or PASID entry is
 * left behind.
 */
#include "../idxd/guest_util.h"

#include "os/iommu_drv.h"

#define SEEDS		200u
#define SWQ		"/dev/dsa/wq0.0"

/* Two DSAs, one shared WQ each: wq0.0 and wq1.0. */
static const char two_dsas[] =
	"[{\"dev\":\"dsa0\",\"groups\":[{\"dev\":\"group0.0\",\"grouped_workqueues\":["
	"{\"dev\":\"wq0.0\",\"mode\":\"shared\",\"size\":16,\"group_id\":0,\"priority\":10,"
	"\"block_on_fault\":1,\"max_batch_size\":32,\"max_transfer_size\":2097152,"
	"\"type\":\"user\",\"name\":\"app\",\"driver_name\":\"user\",\"threshold\":16}],"
	"\"grouped_engines\":[{\"dev\":\"engine0.0\",\"group_id\":0}]}]},"
	"{\"dev\":\"dsa1\",\"groups\":[{\"dev\":\"group1.0\",\"grouped_workqueues\":["
	"{\"dev\":\"wq1.0\",\"mode\":\"shared\",\"size\":16,\"group_id\":0,\"priority\":10,"
	"\"block_on_fault\":1,\"max_batch_size\":32,\"max_transfer_size\":2097152,"
	"\"type\":\"user\",\"name\":\"app\",\"driver_name\":\"user\",\"threshold\":16}],"
	"\"grouped_engines\":[{\"dev\":\"engine1.0\",\"group_id\":0}]}]}]";

/* ---- guest side ------------------------------------------------------------------------------ */

static struct sva_system *cur_sys;	/* the system being run */

static uint32_t my_pasid(void)
{
	return gu_pasid(sva_system_kernel(cur_sys));
}

struct race {
	const char *path[2];		/* what each of the two threads opens */
	unsigned done;			/* helper threads finished */
	int fd[2];
	uint32_t pasid[2];
	unsigned loops;			/* open/close rounds of the churning side */
};

/* A memmove through @portal must work: the bond translates for this mm. */
static void memmove_works(uint64_t portal)
{
	uint64_t buf = gu_alloc(4 * GU_PAGE, true);
	struct dsa_hw_desc d = gu_desc(DSA_OPCODE_MEMMOVE, buf + GU_PAGE, buf + 2 * GU_PAGE, 512, GU_FL,
				       buf);
	struct dsa_completion_record cr;

	gu_fill(buf + GU_PAGE, 512, 7);
	cr = gu_run(portal, buf + 3 * GU_PAGE, &d);
	GU_CHECK_EQ(cr.status, DSA_COMP_SUCCESS);
	GU_CHECK(gu_holds(buf + 2 * GU_PAGE, 512, 7, 0));
}

static void wait_for(unsigned *done, unsigned n)
{
	while (*done < n)
		sva_nanosleep(200);
}

static void open_second(void *arg)
{
	struct race *r = arg;

	r->fd[1] = sva_open(r->path[1], SVA_O_RDWR);
	r->pasid[1] = my_pasid();
	r->done++;
}

/* Two threads of one process open their WQs at the same instant. */
static void two_threads_open(void *arg)
{
	struct race *r = arg;
	struct gu_wq w;

	GU_CHECK(sva_thread_create(open_second, r, "opener") > 0);
	r->fd[0] = sva_open(r->path[0], SVA_O_RDWR);
	r->pasid[0] = my_pasid();
	wait_for(&r->done, 1);
	GU_CHECK(r->fd[0] >= 0);
	GU_CHECK(r->fd[1] >= 0);
	GU_CHECK(r->pasid[0] != 0 && r->pasid[0] == r->pasid[1]);
	/* Both files work; closing one leaves the other's bond in place. */
	for (int i = 0; i < 2; i++) {
		int64_t p = sva_mmap(0, GU_PAGE, SVA_PROT_WRITE, SVA_MAP_SHARED, r->fd[i], 0);

		GU_CHECK(p > 0);
		memmove_works((uint64_t)p);
	}
	GU_CHECK_EQ(sva_close(r->fd[0]), 0);
	GU_CHECK_EQ(gu_open_wq(r->path[1], &w), 0);
	memmove_works(w.portal);
}

/* One thread closes (unbind: drain, teardown) while another opens again. */
static void reopen(void *arg)
{
	struct race *r = arg;

	for (unsigned i = 0; i < r->loops; i++) {
		int fd = sva_open(SWQ, SVA_O_RDWR);

		GU_CHECK(fd >= 0);
		if (fd >= 0)
			GU_CHECK_EQ(sva_close(fd), 0);
	}
	r->done++;
}

static void close_while_open(void *arg)
{
	struct race *r = arg;
	struct gu_wq w;

	GU_CHECK(sva_thread_create(reopen, r, "reopen") > 0);
	for (unsigned i = 0; i < r->loops; i++) {
		GU_CHECK_EQ(gu_open_wq(SWQ, &w), 0);
		memmove_works(w.portal);
		GU_CHECK_EQ(sva_munmap(w.portal, GU_PAGE), 0);
		GU_CHECK_EQ(sva_close(w.fd), 0);
	}
	wait_for(&r->done, 1);
}

/* A process that binds, works a little and exits with its file open. */
static void bind_and_exit(void *arg)
{
	struct gu_wq w;

	(void)arg;
	GU_CHECK_EQ(gu_open_wq(SWQ, &w), 0);
	memmove_works(w.portal);
	sva_exit(0);
}

/* Another process's binds and unbinds, and its munmaps, while the first one exits. */
static void churn(void *arg)
{
	struct race *r = arg;

	for (unsigned i = 0; i < r->loops; i++) {
		struct gu_wq w;
		uint64_t buf = gu_alloc(GU_PAGE, true);

		GU_CHECK_EQ(gu_open_wq(SWQ, &w), 0);
		GU_CHECK_EQ(sva_munmap(buf, GU_PAGE), 0);
		GU_CHECK_EQ(sva_munmap(w.portal, GU_PAGE), 0);
		GU_CHECK_EQ(sva_close(w.fd), 0);
	}
}

/* Two processes open the dedicated WQ at once: one gets it, the other EBUSY. */
struct dwq {
	int r[2];
	uint32_t pasid[2];
	unsigned done;
};

static void dwq_opener(struct dwq *d, int i)
{
	struct gu_wq w;

	d->r[i] = gu_open_wq("/dev/dsa/wq0.1", &w);
	if (d->r[i] == 0) {
		d->pasid[i] = my_pasid();
		/* while the other one tries, the WQ must carry our PASID */
		sva_nanosleep(5000);
		GU_CHECK_EQ(gu_bar0(cur_sys, SVA_DSA_WQCFG_OFF + 32 * 1 + 8, 4) >> 8 & 0xfffff, d->pasid[i]);
	}
	d->done++;
	while (d->done < 2)
		sva_nanosleep(1000);
}

static void dwq_a(void *arg) { dwq_opener(arg, 0); }
static void dwq_b(void *arg) { dwq_opener(arg, 1); }

/* ---- waitpid from two threads ------------------------------------------------------------------- */

struct reap {
	int child;
	uint64_t child_sleep;		/* how long the child lives */
	int got[2];			/* each waiter's return */
	int status[2];
	unsigned done;
	bool exit_while_waiting;	/* a third thread ends the process meanwhile */
};

static void short_life(void *arg)
{
	struct reap *r = arg;

	if (r->child_sleep)
		sva_nanosleep(r->child_sleep);
	sva_exit(7);
}

static void second_waiter(void *arg)
{
	struct reap *r = arg;

	r->got[1] = sva_waitpid(r->child, &r->status[1]);
	r->done++;
}

static void ender(void *arg)
{
	(void)arg;
	sva_nanosleep(1500);
	sva_exit(3);
}

static void two_waiters(void *arg)
{
	struct reap *r = arg;

	r->child = sva_fork(short_life, r);
	GU_CHECK(r->child > 0);
	GU_CHECK(sva_thread_create(second_waiter, r, "waiter") > 0);
	if (r->exit_while_waiting)
		GU_CHECK(sva_thread_create(ender, r, "ender") > 0);
	r->got[0] = sva_waitpid(r->child, &r->status[0]);
	wait_for(&r->done, 1);
}

/* ---- host side ------------------------------------------------------------------------------- */

/* Nothing of any binding is left once every process is gone. */
static void assert_all_unbound(struct sva_system *sys)
{
	struct sva_kernel *k = sva_system_kernel(sys);

	assert_null(k->iommu->bonds);
	assert_null(k->iommu->domains);
	assert_int_equal(k->check.violations, 0);
	assert_int_equal(k->pasids.nr_live, 0);
}

static void run_seeds(const char *config, const char *name, sva_guest_fn fn, struct race *proto,
		      sva_guest_fn second)
{
	uint64_t base = tu_seed(1);

	for (uint64_t s = base; s < base + SEEDS; s++) {
		struct race r = *proto;
		struct sva_system *sys = gu_sys(s, config);
		int pids[2], n = 0;

		cur_sys = sys;
		pids[n++] = sva_system_spawn(sys, name, fn, &r);
		if (second)
			pids[n++] = sva_system_spawn(sys, "other", second, &r);
		gu_run_sim(sys, pids, (unsigned)n);
		assert_all_unbound(sys);
		sva_system_destroy(sys);
		cur_sys = NULL;
	}
}

static void test_two_threads_bind_one_device_at_once(void **state)
{
	(void)state;
	run_seeds(NULL, "binders", two_threads_open, &(struct race){ .path = { SWQ, SWQ } }, NULL);
}

static void test_two_threads_bind_two_devices_at_once(void **state)
{
	(void)state;
	run_seeds(two_dsas, "binders", two_threads_open,
		  &(struct race){ .path = { "/dev/dsa/wq0.0", "/dev/dsa/wq1.0" } }, NULL);
}

static void test_bind_races_unbind_of_the_same_mm(void **state)
{
	(void)state;
	run_seeds(NULL, "reopen", close_while_open, &(struct race){ .loops = 3 }, NULL);
}

static void test_bind_and_unbind_race_another_process_exit(void **state)
{
	(void)state;
	run_seeds(NULL, "exiting", bind_and_exit, &(struct race){ .loops = 4 }, churn);
}

static void test_two_processes_open_the_dedicated_wq_at_once(void **state)
{
	(void)state;
	for (uint64_t s = tu_seed(1); s < tu_seed(1) + SEEDS; s++) {
		struct dwq d = { 0 };
		struct sva_system *sys = gu_sys(s, NULL);
		int pids[2];

		cur_sys = sys;
		pids[0] = sva_system_spawn(sys, "a", dwq_a, &d);
		pids[1] = sva_system_spawn(sys, "b", dwq_b, &d);
		gu_run_sim(sys, pids, 2);
		assert_true((d.r[0] == 0 && d.r[1] == -EBUSY) || (d.r[1] == 0 && d.r[0] == -EBUSY));
		assert_all_unbound(sys);
		sva_system_destroy(sys);
	}
}

/* Exactly one of two waiters reaps the child; the other gets ECHILD. */
static void test_two_threads_wait_for_one_child(void **state)
{
	(void)state;
	for (uint64_t s = tu_seed(1); s < tu_seed(1) + SEEDS; s++) {
		struct reap r = { .child_sleep = s % 4 == 0 ? 0 : (s % 7) * 300 };
		struct sva_system *sys = gu_sys(s, NULL);
		int pid = sva_system_spawn(sys, "parent", two_waiters, &r);

		cur_sys = sys;
		gu_run_sim(sys, &pid, 1);
		if (r.got[0] == r.child) {
			assert_int_equal(r.got[1], -ECHILD);
			assert_int_equal(r.status[0], 7);
		} else {
			assert_int_equal(r.got[0], -ECHILD);
			assert_int_equal(r.got[1], r.child);
			assert_int_equal(r.status[1], 7);
		}
		assert_null(sva_proc_find(sva_system_kernel(sys), r.child));
		assert_int_equal(sva_system_kernel(sys)->check.violations, 0);
		sva_system_destroy(sys);
	}
}

/* The process ends (another thread's exit) while its threads wait: no reap after death, nothing freed twice. */
static void test_waiters_of_a_process_that_exits(void **state)
{
	(void)state;
	for (uint64_t s = tu_seed(1); s < tu_seed(1) + SEEDS; s++) {
		struct reap r = { .child_sleep = (s % 5) * 700, .exit_while_waiting = true };
		struct sva_system *sys = gu_sys(s, NULL);
		int pid = sva_system_spawn(sys, "parent", two_waiters, &r);
		struct sva_exit_status es;

		cur_sys = sys;
		assert_int_equal(sva_sim_run(sva_system_sim(sys)), 0);
		gu_assert_clean();
		assert_int_equal(sva_system_proc_status(sys, pid, &es), 0);
		assert_true(es.exited);
		/* At most one waiter reaped it; an unreaped child is init's to reap. */
		assert_false(r.got[0] == r.child && r.got[1] == r.child);
		assert_int_equal(sva_system_kernel(sys)->check.violations, 0);
		sva_system_destroy(sys);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_threads_bind_one_device_at_once),
		cmocka_unit_test(test_two_threads_bind_two_devices_at_once),
		cmocka_unit_test(test_bind_races_unbind_of_the_same_mm),
		cmocka_unit_test(test_bind_and_unbind_race_another_process_exit),
		cmocka_unit_test(test_two_processes_open_the_dedicated_wq_at_once),
		cmocka_unit_test(test_two_threads_wait_for_one_child),
		cmocka_unit_test(test_waiters_of_a_process_that_exits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
