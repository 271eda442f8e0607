// SPDX-License-Identifier: MIT
/*
 * The portal mapping holds its file, as vm_file does in Linux: close() of
 * a WQ descriptor whose portal is still mapped neither drains nor unbinds,
 * and ENQCMD through the portal keeps working with the same PASID.  The
 * release (drain, unbind) runs once, when the last reference goes: the
 * last munmap, the last close, or exit.
 */
#include "guest_util.h"

struct pl {
	struct sva_system *sys;
	struct sva_kernel *k;
	uint64_t drains_after_close, drains_after_munmap, drains_after_second_close;
	uint64_t unbinds_after_close, unbinds_after_munmap;
	uint8_t status_after_close;
	int busy_rc, fork_status, fd;
	bool data_ok;
};

static uint64_t drains(struct pl *t)
{
	return gu_counter(t->sys, "idxd.pasid_drains");
}

static uint64_t unbinds(struct pl *t)
{
	return gu_counter(t->sys, "sva.unbinds");
}

/* A memmove through @portal after its fd was closed; true when it completed with the data. */
static bool copy_through(struct pl *t, uint64_t portal, uint8_t *status)
{
	uint64_t buf = gu_alloc(4 * GU_PAGE, true), cr = buf + GU_PAGE;
	struct dsa_hw_desc d = gu_desc(DSA_OPCODE_MEMMOVE, buf + 2 * GU_PAGE, buf + 3 * GU_PAGE,
				       GU_PAGE, GU_FL, cr);

	(void)t;
	gu_fill(buf + 2 * GU_PAGE, GU_PAGE, 7);
	*status = gu_run(portal, buf, &d).status;
	return gu_holds(buf + 3 * GU_PAGE, GU_PAGE, 7, 0);
}

/* close() with the portal mapped: the WQ still takes work; munmap releases. */
static void close_then_munmap(void *arg)
{
	struct pl *t = arg;
	struct gu_wq sw;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	GU_CHECK_EQ(sva_close(sw.fd), 0);
	t->drains_after_close = drains(t);
	t->unbinds_after_close = unbinds(t);
	t->data_ok = copy_through(t, sw.portal, &t->status_after_close);
	GU_CHECK_EQ(sva_munmap(sw.portal, GU_PAGE), 0);
	t->drains_after_munmap = drains(t);
	t->unbinds_after_munmap = unbinds(t);
}

static void test_close_with_the_portal_mapped_keeps_the_wq_usable(void **state)
{
	struct pl t = { 0 };

	(void)state;
	t.sys = gu_sys(tu_seed(141), NULL);
	t.k = sva_system_kernel(t.sys);
	gu_run_one(t.sys, close_then_munmap, &t);
	assert_int_equal(t.drains_after_close, 0);
	assert_int_equal(t.unbinds_after_close, 0);
	assert_int_equal(t.status_after_close, DSA_COMP_SUCCESS);
	assert_true(t.data_ok);
	assert_int_equal(gu_counter(t.sys, "idxd.software_errors"), 0);
	assert_int_equal(t.drains_after_munmap, 1);
	assert_int_equal(t.unbinds_after_munmap, 1);
	assert_int_equal(drains(&t), 1);		/* exit found nothing left to release */
	sva_system_destroy(t.sys);
}

/* Two mappings of one descriptor: only the last of close, munmap, munmap releases. */
static void two_mappings(void *arg)
{
	struct pl *t = arg;
	struct gu_wq sw;
	int64_t second;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	second = sva_mmap(0, GU_PAGE, SVA_PROT_WRITE, SVA_MAP_SHARED, sw.fd, 0);
	GU_CHECK(second > 0);
	GU_CHECK_EQ(sva_munmap(sw.portal, GU_PAGE), 0);
	GU_CHECK_EQ(sva_close(sw.fd), 0);
	t->drains_after_close = drains(t);
	t->data_ok = copy_through(t, (uint64_t)second, &t->status_after_close);
	GU_CHECK_EQ(sva_munmap((uint64_t)second, GU_PAGE), 0);
	t->drains_after_munmap = drains(t);
}

static void test_the_last_of_two_mappings_releases(void **state)
{
	struct pl t = { 0 };

	(void)state;
	t.sys = gu_sys(tu_seed(142), NULL);
	t.k = sva_system_kernel(t.sys);
	gu_run_one(t.sys, two_mappings, &t);
	assert_int_equal(t.drains_after_close, 0);
	assert_int_equal(t.status_after_close, DSA_COMP_SUCCESS);
	assert_true(t.data_ok);
	assert_int_equal(t.drains_after_munmap, 1);
	assert_int_equal(drains(&t), 1);
	sva_system_destroy(t.sys);
}

/* munmap first: close is the last reference and releases, as before. */
static void munmap_then_close(void *arg)
{
	struct pl *t = arg;
	struct gu_wq sw;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	GU_CHECK_EQ(sva_munmap(sw.portal, GU_PAGE), 0);
	t->drains_after_munmap = drains(t);
	GU_CHECK_EQ(sva_close(sw.fd), 0);
	t->drains_after_close = drains(t);
}

static void test_munmap_then_close_releases_at_close(void **state)
{
	struct pl t = { 0 };

	(void)state;
	t.sys = gu_sys(tu_seed(143), NULL);
	gu_run_one(t.sys, munmap_then_close, &t);
	assert_int_equal(t.drains_after_munmap, 0);
	assert_int_equal(t.drains_after_close, 1);
	assert_int_equal(drains(&t), 1);
	sva_system_destroy(t.sys);
}

/*
 * Closed but mapped at exit: the exit releases it, once.  On a dedicated
 * WQ the owner keeps the queue after close until then: a second opener
 * gets -EBUSY while the portal is mapped.
 */
static void dedicated_close_then_exit(void *arg)
{
	struct pl *t = arg;
	struct gu_wq dw;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.1", &dw), 0);
	GU_CHECK_EQ(sva_close(dw.fd), 0);
	t->drains_after_close = drains(t);
	t->busy_rc = sva_open("/dev/dsa/wq0.1", SVA_O_RDWR);
	sva_exit(0);
}

static void test_closed_but_mapped_is_released_at_exit(void **state)
{
	struct pl t = { 0 };

	(void)state;
	t.sys = gu_sys(tu_seed(144), NULL);
	t.k = sva_system_kernel(t.sys);
	gu_run_one(t.sys, dedicated_close_then_exit, &t);
	assert_int_equal(t.drains_after_close, 0);
	assert_int_equal(t.busy_rc, -EBUSY);
	assert_int_equal(drains(&t), 1);
	assert_int_equal(gu_counter(t.sys, "sva.unbinds"), 1);
	assert_null(gu_idxd(t.sys)->wqs[1].owner);
	assert_int_equal(gu_idxd(t.sys)->wqs[1].opens, 0);
	assert_int_equal(gu_counter(t.sys, "kernel.pasid_frees"), 1);
	sva_system_destroy(t.sys);
}

/*
 * fork: the child shares the descriptor but not the mapping (VM_DONTCOPY).
 * The parent closes while mapped, the child closes its copy: still no
 * release, the parent's portal keeps the file.  The parent's munmap does.
 */
static void fork_child(void *arg)
{
	struct pl *t = arg;

	GU_CHECK_EQ(sva_close(t->fd), 0);
}

static void forked(void *arg)
{
	struct pl *t = arg;
	struct gu_wq sw;
	int pid;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	t->fd = sw.fd;
	pid = sva_fork(fork_child, t);
	GU_CHECK(pid > 0);
	GU_CHECK_EQ(sva_close(sw.fd), 0);
	GU_CHECK_EQ(sva_waitpid(pid, &t->fork_status), pid);
	t->drains_after_second_close = drains(t);
	t->data_ok = copy_through(t, sw.portal, &t->status_after_close);
	GU_CHECK_EQ(sva_munmap(sw.portal, GU_PAGE), 0);
	t->drains_after_munmap = drains(t);
}

static void test_fork_shares_the_fd_not_the_mapping(void **state)
{
	struct pl t = { 0 };

	(void)state;
	t.sys = gu_sys(tu_seed(145), NULL);
	t.k = sva_system_kernel(t.sys);
	gu_run_one(t.sys, forked, &t);
	assert_int_equal(t.drains_after_second_close, 0);
	assert_int_equal(t.status_after_close, DSA_COMP_SUCCESS);
	assert_true(t.data_ok);
	assert_int_equal(t.drains_after_munmap, 1);
	assert_int_equal(drains(&t), 1);
	sva_system_destroy(t.sys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_close_with_the_portal_mapped_keeps_the_wq_usable),
		cmocka_unit_test(test_the_last_of_two_mappings_releases),
		cmocka_unit_test(test_munmap_then_close_releases_at_close),
		cmocka_unit_test(test_closed_but_mapped_is_released_at_exit),
		cmocka_unit_test(test_fork_shares_the_fd_not_the_mapping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
