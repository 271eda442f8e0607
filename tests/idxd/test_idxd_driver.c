// SPDX-License-Identifier: MIT
/*
 * The idxd driver (issue 7) seen from user programs and from the
 * registers: the 2g2q configuration's WQCFG/GRPCFG values, PASIDs per
 * process on a shared WQ, open/close/reopen, fork, the dedicated WQ's one
 * owner, WQs that cannot be opened, the write() submission path, and a
 * process that exits with 64 descriptors in flight.
 */
#include <libgen.h>

#include "guest_util.h"
#include "hw/dsa/dsa_internal.h"

static const char *example(char *buf, size_t len, const char *name)
{
	char file[512];

	snprintf(file, sizeof(file), "%s", __FILE__);
	snprintf(buf, len, "%s/../../examples/configs/%s", dirname(file), name);
	return buf;
}

static uint32_t wqcfg(struct sva_system *sys, unsigned wq, unsigned dword)
{
	return (uint32_t)gu_bar0(sys, SVA_DSA_WQCFG_OFF + 32 * wq + 4 * dword, 4);
}

/* ---- 2g2q: the registers ---------------------------------------------------------------------------- */

struct g2 {
	struct sva_system *sys;
	struct sva_kernel *k;
	uint32_t pasid;
	uint32_t w2_open, w2_closed;
};

static void g2_main(void *arg)
{
	struct g2 *t = arg;
	struct gu_wq dw;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.1", &dw), 0);
	t->pasid = gu_pasid(t->k);
	t->w2_open = wqcfg(t->sys, 1, 2);
	gu_close_wq(&dw);
	t->w2_closed = wqcfg(t->sys, 1, 2);
}

static void test_2g2q_register_values(void **state)
{
	char path[600];
	struct g2 t = { 0 };

	(void)state;
	t.sys = gu_sys(tu_seed(31), example(path, sizeof(path), "2g2q_user.json"));
	t.k = sva_system_kernel(t.sys);
	assert_int_equal(gu_bar0(t.sys, SVA_DSA_GENSTS, 4) & 3, SVA_DSA_ENABLED);
	/* wq0.0: shared, 16 entries, threshold 15, BOF, priority 10, PASID enabled */
	assert_int_equal(wqcfg(t.sys, 0, 0), 16);
	assert_int_equal(wqcfg(t.sys, 0, 1), 15);
	assert_int_equal(wqcfg(t.sys, 0, 2), 0x100000a2);
	assert_int_equal(wqcfg(t.sys, 0, 3), 21 | 5 << 5);	/* 2 MiB, batch 32 */
	assert_int_equal(wqcfg(t.sys, 0, 6) >> 30, 1);		/* enabled */
	/* wq0.1: dedicated, 16 entries, no threshold, no BOF, no PASID until opened */
	assert_int_equal(wqcfg(t.sys, 1, 0), 16);
	assert_int_equal(wqcfg(t.sys, 1, 1), 0);
	assert_int_equal(wqcfg(t.sys, 1, 2), 0xa1);
	assert_int_equal(wqcfg(t.sys, 1, 3), 21 | 5 << 5);
	assert_int_equal(wqcfg(t.sys, 1, 6) >> 30, 1);
	for (unsigned wq = 2; wq < 8; wq++)
		for (unsigned dw = 0; dw < 8; dw++)
			assert_int_equal(wqcfg(t.sys, wq, dw), 0);
	/* GRPCFG: WQ bitmap at +0, engine bitmap at +32 */
	assert_int_equal(gu_bar0(t.sys, SVA_DSA_GRPCFG_OFF + 0, 8), 0x1);
	assert_int_equal(gu_bar0(t.sys, SVA_DSA_GRPCFG_OFF + 32, 8), 0x3);
	assert_int_equal(gu_bar0(t.sys, SVA_DSA_GRPCFG_OFF + 64, 8), 0x2);
	assert_int_equal(gu_bar0(t.sys, SVA_DSA_GRPCFG_OFF + 64 + 32, 8), 0xc);
	for (unsigned g = 2; g < 4; g++)
		for (unsigned off = 0; off < 64; off += 8)
			assert_int_equal(gu_bar0(t.sys, SVA_DSA_GRPCFG_OFF + 64 * g + off, 8), 0);
	assert_non_null(sva_chardev_find(t.k, "/dev/dsa/wq0.0"));
	assert_non_null(sva_chardev_find(t.k, "/dev/dsa/wq0.1"));
	assert_null(sva_chardev_find(t.k, "/dev/dsa/wq0.2"));
	/* The owner's PASID goes into the dedicated WQ's WQCFG while it is open. */
	gu_run_one(t.sys, g2_main, &t);
	assert_int_not_equal(t.pasid, 0);
	assert_int_equal(t.w2_open, 0xa1 | t.pasid << 8 | 1u << 28);
	assert_int_equal(t.w2_closed, 0xa1);
	sva_system_destroy(t.sys);
}

/* ---- two processes on one shared WQ ------------------------------------------------------------------- */

struct two {
	struct sva_kernel *k;
	uint32_t pasid[2];
	uint64_t src_va[2];
	int ok[2];
	int turn;
};

struct two_arg {
	struct two *t;
	int me;
};

static void two_main(void *arg)
{
	struct two_arg *a = arg;
	struct two *t = a->t;
	struct gu_wq sw;
	uint64_t buf = gu_alloc(4 * 4096, true), cr = buf + 4096;
	uint64_t src = gu_alloc(256 * 1024, true), dst = gu_alloc(256 * 1024, true);
	int good = 1;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	gu_fill(src, 256 * 1024, 100 + (uint32_t)a->me);
	t->src_va[a->me] = src;
	/* Take turns, so the descriptors of the two interleave on the queue. */
	for (int i = 0; i < 8; i++) {
		struct dsa_hw_desc d = gu_desc(DSA_OPCODE_MEMMOVE, src + 32768ull * (uint64_t)i,
					       dst + 32768ull * (uint64_t)i, 32768, GU_FL, cr);

		while (t->turn % 2 != a->me)
			sva_spin(200);
		GU_CHECK(gu_submit(sw.portal, buf, &d) >= 0);
		t->turn++;
		good &= gu_poll(cr) == DSA_COMP_SUCCESS;
	}
	good &= gu_holds(dst, 256 * 1024, 100 + (uint32_t)a->me, 0);
	good &= !gu_holds(dst, 4096, 100 + (uint32_t)(1 - a->me), 0);
	t->ok[a->me] = good;
	t->pasid[a->me] = gu_pasid(t->k);
	sva_close(sw.fd);
}

static void test_two_processes_on_a_shared_wq(void **state)
{
	struct two t = { 0 };
	struct two_arg a[2] = { { &t, 0 }, { &t, 1 } };
	struct sva_system *sys = gu_sys(tu_seed(32), NULL);
	int pids[2];

	(void)state;
	t.k = sva_system_kernel(sys);
	pids[0] = sva_system_spawn(sys, "p0", two_main, &a[0]);
	pids[1] = sva_system_spawn(sys, "p1", two_main, &a[1]);
	gu_run_sim(sys, pids, 2);
	assert_true(t.ok[0] && t.ok[1]);
	assert_int_not_equal(t.pasid[0], 0);
	assert_int_not_equal(t.pasid[1], 0);
	assert_int_not_equal(t.pasid[0], t.pasid[1]);
	assert_true(t.src_va[0] == t.src_va[1]);	/* same addresses, different spaces */
	sva_system_destroy(sys);
}

/* ---- open / close / reopen keeps the PASID --------------------------------------------------------------- */

struct reopen {
	struct sva_system *sys;
	struct sva_kernel *k;
	uint32_t pasid[3];
	uint64_t fixups[2], frees;
};

static void reopen_main(void *arg)
{
	struct reopen *t = arg;
	struct gu_wq sw;
	uint64_t buf = gu_alloc(4 * 4096, true), cr = buf + 4096;
	struct dsa_hw_desc d = gu_desc(DSA_OPCODE_NOOP, 0, 0, 0, GU_FL, cr);

	for (int i = 0; i < 3; i++) {
		GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
		GU_CHECK_EQ(gu_run(sw.portal, buf, &d).status, DSA_COMP_SUCCESS);
		t->pasid[i] = gu_pasid(t->k);
		if (i < 2)
			t->fixups[i] = t->k->st.gp_fixups->value;
		GU_CHECK_EQ(sva_munmap(sw.portal, 4096), 0);
		GU_CHECK_EQ(sva_close(sw.fd), 0);
		GU_CHECK_EQ(gu_pasid(t->k), t->pasid[i]);	/* unbound, the mm keeps it */
	}
	t->frees = t->k->st.pasid_frees->value;
}

static void test_open_close_reopen_keeps_the_pasid(void **state)
{
	struct reopen t = { 0 };

	(void)state;
	t.sys = gu_sys(tu_seed(33), NULL);
	t.k = sva_system_kernel(t.sys);
	gu_run_one(t.sys, reopen_main, &t);
	assert_int_not_equal(t.pasid[0], 0);
	assert_int_equal(t.pasid[1], t.pasid[0]);
	assert_int_equal(t.pasid[2], t.pasid[0]);
	assert_int_equal(t.fixups[0], 1);
	assert_int_equal(t.fixups[1], 1);	/* IA32_PASID stayed loaded */
	assert_int_equal(t.frees, 0);
	assert_int_equal(t.k->st.pasid_frees->value, 1);	/* at exit */
	assert_int_equal(sva_pasid_state(&t.k->pasids, t.pasid[0]), SVA_PASID_FREE);
	sva_system_destroy(t.sys);
}

/* ---- fork ----------------------------------------------------------------------------------------------- */

struct fk {
	struct sva_kernel *k;
	struct gu_wq sw, dw;
	uint64_t buf, cr, src, dst, secret;
	volatile int go;
	uint32_t parent_pasid, child_pasid, child_pasid_before;
	int64_t mmap_rc;
	int child_ok, status;
};

static void fork_child(void *arg)
{
	struct fk *t = arg;
	struct gu_wq mine;
	struct dsa_hw_desc d;

	t->child_pasid_before = gu_pasid(t->k);
	while (!t->go)
		sva_nanosleep(1000);
	/* The parent's portal mapping was not inherited (VM_DONTCOPY). */
	GU_CHECK_EQ(sva_signal(SIGSEGV, gu_sig_fail, NULL), 0);
	t->mmap_rc = sva_load(t->sw.portal, &d, 8);
	/* Our own open: our own PASID, and our own memory. */
	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &mine), 0);
	t->child_pasid = gu_pasid(t->k);
	gu_fill(t->src, 4096, 201);
	sva_store64(t->dst + 4096, 0);	/* our own copy of the page, not the parent's */
	d = gu_desc(DSA_OPCODE_MEMMOVE, t->src, t->dst + 4096, 4096, GU_FL, t->cr);
	t->child_ok = gu_run(mine.portal, t->buf, &d).status == DSA_COMP_SUCCESS &&
		      gu_holds(t->dst + 4096, 4096, 201, 0);
	sva_exit(0);
}

static void fork_main(void *arg)
{
	struct fk *t = arg;
	int pid;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &t->sw), 0);
	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.1", &t->dw), 0);
	t->buf = gu_alloc(4 * 4096, true);
	t->cr = t->buf + 4096;
	t->src = gu_alloc(4096, true);
	t->dst = gu_alloc(2 * 4096, true);
	t->secret = gu_alloc(4096, true);
	{
		struct dsa_hw_desc d = gu_desc(DSA_OPCODE_NOOP, 0, 0, 0, GU_FL, t->cr);

		GU_CHECK_EQ(gu_run(t->sw.portal, t->buf, &d).status, DSA_COMP_SUCCESS);
	}
	t->parent_pasid = gu_pasid(t->k);
	pid = sva_fork(fork_child, t);
	GU_CHECK(pid > 0);
	gu_fill(t->secret, 4096, 200);	/* after the fork: only the parent has it */
	sva_store64(t->dst, 0);		/* our own copy of the page again, writable */
	t->go = 1;
	GU_CHECK_EQ(sva_waitpid(pid, &t->status), pid);
	GU_CHECK(!gu_holds(t->dst, 4096, 200, 0));
}

static void test_fork_child_gets_its_own_pasid(void **state)
{
	struct fk t = { 0 };
	struct sva_system *sys = gu_sys(tu_seed(34), NULL);

	(void)state;
	t.k = sva_system_kernel(sys);
	gu_run_one(sys, fork_main, &t);
	assert_int_equal(t.status, 0);
	assert_int_not_equal(t.parent_pasid, 0);
	assert_int_equal(t.child_pasid_before, SVA_PASID_INVALID);
	assert_int_not_equal(t.child_pasid, t.parent_pasid);
	assert_true(t.child_ok);
	assert_int_equal(t.mmap_rc, -EFAULT);
	sva_system_destroy(sys);
}

/* ---- dedicated WQ: one owner --------------------------------------------------------------------------- */

struct dwq {
	struct sva_system *sys;
	struct sva_kernel *k;
	volatile int stage;
	int busy_rc, later_rc;
	uint32_t pasid[2], w2_second;
	int second_ok;
};

static void dwq_first(void *arg)
{
	struct dwq *t = arg;
	struct gu_wq dw;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.1", &dw), 0);
	t->pasid[0] = gu_pasid(t->k);
	t->stage = 1;
	while (t->stage < 2)
		sva_nanosleep(1000);
	gu_close_wq(&dw);
	t->stage = 3;
	while (t->stage < 4)	/* stay alive: the PASID stays ours */
		sva_nanosleep(1000);
}

static void dwq_second(void *arg)
{
	struct dwq *t = arg;
	struct gu_wq dw;
	uint64_t buf = gu_alloc(4 * 4096, true), cr = buf + 4096;
	struct dsa_hw_desc d = gu_desc(DSA_OPCODE_MEMFILL, 0, buf + 8192, 4096, GU_FL, cr);

	while (t->stage < 1)
		sva_nanosleep(1000);
	t->busy_rc = sva_open("/dev/dsa/wq0.1", SVA_O_RDWR);
	t->stage = 2;
	while (t->stage < 3)
		sva_nanosleep(1000);
	t->later_rc = gu_open_wq("/dev/dsa/wq0.1", &dw);
	t->pasid[1] = gu_pasid(t->k);
	t->stage = 4;
	t->w2_second = wqcfg(t->sys, 1, 2);
	d.pattern = 0x4242424242424242ull;
	gu_prepare(buf, &d);
	GU_CHECK_EQ(sva_movdir64b(dw.portal, buf), 0);
	t->second_ok = gu_poll(cr) == DSA_COMP_SUCCESS && sva_load64(buf + 8192 + 4088) == d.pattern;
}

static void test_dedicated_wq_admits_one_process(void **state)
{
	struct dwq t = { 0 };
	int pids[2];

	(void)state;
	t.sys = gu_sys(tu_seed(35), NULL);
	t.k = sva_system_kernel(t.sys);
	pids[0] = sva_system_spawn(t.sys, "first", dwq_first, &t);
	pids[1] = sva_system_spawn(t.sys, "second", dwq_second, &t);
	gu_run_sim(t.sys, pids, 2);
	assert_int_equal(t.busy_rc, -EBUSY);
	assert_int_equal(t.later_rc, 0);
	assert_int_not_equal(t.pasid[0], t.pasid[1]);
	assert_int_equal(t.w2_second >> 8 & 0xfffff, t.pasid[1]);
	assert_true(t.second_ok);
	sva_system_destroy(t.sys);
}

/* ---- WQs that cannot be opened ----------------------------------------------------------------------------- */

struct noopen {
	int rc[3];
};

static void noopen_main(void *arg)
{
	struct noopen *t = arg;

	t->rc[0] = sva_open("/dev/dsa/wq0.0", SVA_O_RDWR);	/* kernel type */
	t->rc[1] = sva_open("/dev/dsa/wq0.1", SVA_O_RDWR);	/* disabled */
	t->rc[2] = sva_open("/dev/dsa/wq0.7", SVA_O_RDWR);	/* never configured */
}

static void test_disabled_or_kernel_wq_cannot_be_opened(void **state)
{
	char path[600];
	struct noopen t;
	struct sva_system *sys = gu_sys(tu_seed(36), example(path, sizeof(path), "kernel_wq.json"));
	struct sva_idxd *idxd = gu_idxd(sys);

	(void)state;
	/* udev makes no node for a kernel WQ */
	assert_null(sva_chardev_find(sva_system_kernel(sys), "/dev/dsa/wq0.0"));
	assert_non_null(sva_chardev_find(sva_system_kernel(sys), "/dev/dsa/wq0.1"));
	/*
	 * A node that outlived its WQ's user state: one for the kernel WQ
	 * (as if a stale node were left), and wq0.1 disabled by the admin
	 * after its node appeared (the driver's view of the WQ).
	 */
	assert_int_equal(sva_idxd_cdev_add(idxd, &idxd->wqs[0]), 0);
	assert_int_equal(sva_idxd_cmd(idxd, SVA_DSA_CMD_DISABLE_WQ, 1), 0);
	idxd->wqs[1].enabled = false;
	gu_run_one(sys, noopen_main, &t);
	assert_int_equal(t.rc[0], -ENXIO);
	assert_int_equal(t.rc[1], -ENXIO);
	assert_int_equal(t.rc[2], -ENOENT);
	assert_int_equal(gu_counter(sys, "idxd.wq_opens"), 0);
	sva_system_destroy(sys);
}

/* ---- write() ---------------------------------------------------------------------------------------------- */

struct wr {
	struct sva_system *sys;
	int64_t rc[8];
	int ok;
};

static void write_main(void *arg)
{
	struct wr *t = arg;
	struct gu_wq sw, dw;
	uint64_t buf = gu_alloc(8 * 4096, true), crs = buf + 4096, dst = buf + 16384;
	uint64_t edge = gu_alloc(8192, true);
	int ok = 1;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.1", &dw), 0);
	/* Three fills in one write(), on the shared WQ, without any ENQCMD of ours */
	for (int i = 0; i < 3; i++) {
		struct dsa_hw_desc d = gu_desc(DSA_OPCODE_MEMFILL, 0, dst + 1024ull * (uint64_t)i, 1024,
					       GU_FL, crs + 64 * i);

		d.pattern = 0x0101010101010101ull * (uint64_t)(i + 1);
		gu_prepare(buf + 64 * (uint64_t)i, &d);
	}
	t->rc[0] = sva_write(sw.fd, buf, 3 * 64);
	for (int i = 0; i < 3; i++)
		ok &= gu_poll(crs + 64 * i) == DSA_COMP_SUCCESS &&
		      sva_load64(dst + 1024ull * (uint64_t)i + 1016) == 0x0101010101010101ull * (uint64_t)(i + 1);
	/* and one on the dedicated WQ */
	t->rc[1] = sva_write(dw.fd, buf + 128, 64);
	ok &= gu_poll(crs + 128) == DSA_COMP_SUCCESS;
	/* lengths not a multiple of 64 (rounded down), nothing, a bad buffer, a buffer running into a hole */
	t->rc[2] = sva_write(sw.fd, buf, 100);
	t->rc[3] = sva_write(sw.fd, buf, 0);
	t->rc[4] = sva_write(sw.fd, 0x1000, 64);
	GU_CHECK_EQ(sva_munmap(edge + 4096, 4096), 0);
	{
		struct dsa_hw_desc d = gu_desc(DSA_OPCODE_NOOP, 0, 0, 0, GU_FL, crs + 256);

		gu_prepare(edge + 4096 - 64, &d);
	}
	t->rc[5] = sva_write(sw.fd, edge + 4096 - 64, 128);
	ok &= gu_poll(crs + 256) == DSA_COMP_SUCCESS;
	t->rc[6] = sva_write(sw.fd, buf, 64 + 1);
	/* a completion record off its 32-byte alignment: refused, nothing sent */
	{
		struct dsa_hw_desc d = gu_desc(DSA_OPCODE_NOOP, 0, 0, 0, GU_FL, crs + 320 + 8);

		gu_prepare(buf + 320, &d);
	}
	t->rc[7] = sva_write(sw.fd, buf + 320, 64);
	t->ok = ok;
}

static void test_write_submission_path(void **state)
{
	struct wr t = { 0 };

	(void)state;
	t.sys = gu_sys(tu_seed(37), NULL);
	gu_run_one(t.sys, write_main, &t);
	assert_int_equal(t.rc[0], 192);
	assert_int_equal(t.rc[1], 64);
	assert_int_equal(t.rc[2], 64);		/* whole descriptors only, as Linux */
	assert_int_equal(t.rc[3], 0);
	assert_int_equal(t.rc[4], -EFAULT);
	assert_int_equal(t.rc[5], 64);		/* what was submitted before the hole */
	assert_int_equal(t.rc[6], 64);
	assert_int_equal(t.rc[7], -EINVAL);
	assert_true(t.ok);
	assert_int_equal(gu_counter(t.sys, "idxd.write_submissions"), 7);
	assert_int_equal(sva_system_kernel(t.sys)->st.gp_fixups->value, 0);	/* no ENQCMD at all */
	sva_system_destroy(t.sys);
}

/* ---- exit with 64 descriptors in flight ---------------------------------------------------------------------------- */

#define EXIT_N 64
#define EXIT_SZ (64u * 1024)
#define EXIT_FRAMES ((EXIT_N * EXIT_SZ) / 4096 + 1)

struct ex {
	struct sva_system *sys;
	struct sva_kernel *k;
	int pid_a;
	volatile int submitted;
	uint32_t pasid_a;
	uint64_t frames[EXIT_FRAMES];	/* A's destination and record frames */
	unsigned reused, samples, bad_order;
	int intact;
};

static void exit_a(void *arg)
{
	struct ex *t = arg;
	struct gu_wq sw;
	struct sva_mm *mm = gu_proc(t->k)->mm;
	uint64_t crs = gu_alloc(4096, true);
	uint64_t src = gu_alloc(EXIT_SZ, true), dst = gu_alloc((uint64_t)EXIT_N * EXIT_SZ, true);
	uint64_t desc = gu_alloc(4096, true);

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	gu_fill(src, EXIT_SZ, 300);
	for (unsigned i = 0; i < EXIT_N * EXIT_SZ / 4096; i++)
		t->frames[i] = sva_mm_frame_at(mm, dst + 4096ull * i);
	t->frames[EXIT_FRAMES - 1] = sva_mm_frame_at(mm, crs);
	for (int i = 0; i < EXIT_N; i++) {
		struct dsa_hw_desc d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst + (uint64_t)i * EXIT_SZ, EXIT_SZ,
					       GU_FL, crs + 64 * i);

		sva_store(desc, &d, sizeof(d));
		GU_CHECK_EQ(gu_enq(sw.portal, desc), 0);	/* never a retry: room for all 64 */
	}
	t->pasid_a = gu_pasid(t->k);
	t->submitted = 1;
	sva_exit(0);		/* without waiting for any of them */
}

static bool a_has_mm(struct ex *t)
{
	struct sva_proc *a = sva_proc_find(t->k, t->pid_a);

	return a && a->mm;
}

/* Until the device has nothing of A's left, A's PASID must not be free. */
static void exit_sample(struct ex *t)
{
	bool pending = dsa_pending(gu_dsa(t->sys), -1, true, t->pasid_a, UINT64_MAX);

	t->samples += pending;
	t->bad_order += pending && sva_pasid_state(&t->k->pasids, t->pasid_a) == SVA_PASID_FREE;
}

/* Touch @len at @mem page by page, sampling between pages; count A's frames we got. */
static void exit_take(struct ex *t, uint64_t mem, uint64_t len)
{
	struct sva_mm *mm = gu_proc(t->k)->mm;

	for (uint64_t p = 0; p < len; p += 4096) {
		uint64_t f;

		exit_sample(t);
		sva_store64(mem + p, 0);
		f = sva_mm_frame_at(mm, mem + p);
		for (unsigned i = 0; i < EXIT_FRAMES; i++)
			if (t->frames[i] == f) {
				t->reused++;
				break;
			}
	}
	gu_fill(mem, len, 301);
}

static void exit_b(void *arg)
{
	struct ex *t = arg;
	uint64_t len = (uint64_t)EXIT_N * EXIT_SZ + 8 * 4096;
	uint64_t early = gu_alloc(len, false), late = gu_alloc(len, false);

	while (!t->submitted)
		sva_spin(100);
	/* While A exits: take frames as they are freed, and watch A's PASID. */
	exit_take(t, early, len);
	while (a_has_mm(t))
		exit_sample(t), sva_spin(100);
	/* A's memory is gone: take the rest. */
	exit_take(t, late, len);
	sva_nanosleep(1000 * 1000);
	t->intact = gu_holds(early, len, 301, 0) && gu_holds(late, len, 301, 0);
}

static void test_exit_with_64_descriptors_in_flight(void **state)
{
	char cfg[2048];
	struct ex *t = calloc(1, sizeof(*t));
	struct sva_dsa_stats ds;
	int pids[2];

	(void)state;
	assert_non_null(t);
	t->sys = gu_sys(tu_seed(38), gu_config_1wq(cfg, sizeof(cfg), "shared", 64, 64, 0, 1));
	t->k = sva_system_kernel(t->sys);
	pids[0] = t->pid_a = sva_system_spawn(t->sys, "a", exit_a, t);
	pids[1] = sva_system_spawn(t->sys, "b", exit_b, t);
	gu_run_sim(t->sys, pids, 2);
	sva_dsa_stats(gu_dsa(t->sys), &ds);
	assert_int_equal(ds.accepted, EXIT_N);
	assert_int_equal(ds.completed, EXIT_N);	/* each one accounted for, ... */
	assert_int_equal(ds.aborted, 0);	/* ... none aborted: exit does not abort */
	assert_true(t->samples > 0);		/* B ran while A's work was still there */
	assert_int_equal(t->bad_order, 0);
	assert_true(t->reused > EXIT_FRAMES / 2);
	assert_true(t->intact);			/* no completion record (or data) of A's in them */
	assert_int_equal(sva_pasid_state(&t->k->pasids, t->pasid_a), SVA_PASID_FREE);
	assert_int_equal(gu_counter(t->sys, "idxd.pasid_drains"), 1);
	sva_system_destroy(t->sys);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_2g2q_register_values),
		cmocka_unit_test(test_two_processes_on_a_shared_wq),
		cmocka_unit_test(test_open_close_reopen_keeps_the_pasid),
		cmocka_unit_test(test_fork_child_gets_its_own_pasid),
		cmocka_unit_test(test_dedicated_wq_admits_one_process),
		cmocka_unit_test(test_disabled_or_kernel_wq_cannot_be_opened),
		cmocka_unit_test(test_write_submission_path),
		cmocka_unit_test(test_exit_with_64_descriptors_in_flight),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
