// SPDX-License-Identifier: MIT
/*
 * The DSA model through the whole path (issue 6): guest programs submit
 * descriptors with ENQCMD / MOVDIR64B through the portals the idxd driver
 * maps, the device executes them through ATS/PRI and the IOMMU, and the
 * tests read completion records from guest memory and SWERR through the
 * driver's log.  Every common and batch status, the queues' limits, the
 * ATC against munmap/mprotect, reset with work in flight, overlapping
 * memmove with block on fault, and every operation once.
 */
#include <isa-l/crc.h>

#include "guest_util.h"
#include "hw/dsa/dsa_internal.h"
#include "hw/dsa/dsa_ops_internal.h"
#include "os/iommu_drv.h"

struct dv {
	struct sva_system *sys;
	struct sva_kernel *k;
	uint32_t pasid;
	uint64_t v[64];		/* results, per test */
};

static struct dsa_completion_record run_on(const struct gu_wq *w, uint64_t desc, struct dsa_hw_desc d)
{
	return gu_run(w->portal, desc, &d);
}

/* A fresh system for @t (configuration @cfg, NULL = default) running @fn(@arg) to the end. */
static void dv_run(struct dv *t, uint64_t seed, const char *cfg, sva_guest_fn fn, void *arg)
{
	t->sys = gu_sys(seed, cfg);
	t->k = sva_system_kernel(t->sys);
	gu_run_one(t->sys, fn, arg);
}

static uint64_t swerr_count(struct dv *t)
{
	return gu_counter(t->sys, "idxd.software_errors");
}

/* ---- arbitration: a group's engine serves its highest-priority WQ first ------------------------ */

#define ARB_N 8

/* One group, one engine, two shared WQs of priorities @lo (wq0.0) and @hi (wq0.1). */
static const char *arb_config(char *buf, size_t len, unsigned lo, unsigned hi)
{
	snprintf(buf, len,
		 "[{\"dev\":\"dsa0\",\"groups\":[{\"dev\":\"group0.0\",\"grouped_workqueues\":["
		 "{\"dev\":\"wq0.0\",\"mode\":\"shared\",\"size\":16,\"group_id\":0,\"priority\":%u,"
		 "\"block_on_fault\":0,\"type\":\"user\",\"name\":\"lo\",\"threshold\":16},"
		 "{\"dev\":\"wq0.1\",\"mode\":\"shared\",\"size\":16,\"group_id\":0,\"priority\":%u,"
		 "\"block_on_fault\":0,\"type\":\"user\",\"name\":\"hi\",\"threshold\":16}],"
		 "\"grouped_engines\":[{\"dev\":\"engine0.0\",\"group_id\":0}]}]}]",
		 lo, hi);
	return buf;
}

/*
 * While a long copy keeps the engine busy, queue ARB_N copies on the low
 * WQ (each copies the 64-byte "board" to its own slot), then ARB_N fills on
 * the high WQ (each writes its own 8 bytes of the board).  v[0] counts the
 * copies that saw the whole board: ARB_N when every fill ran first.
 */
static void arb_main(void *arg)
{
	struct dv *t = arg;
	struct gu_wq lo, hi;
	uint64_t buf = gu_alloc(4u << 20, true), descs = buf, crs = buf + 8192, board = buf + 16384;
	uint64_t slots = buf + 20480, big_src = buf + (1u << 20), big_dst = buf + (2u << 20);
	struct dsa_hw_desc d;
	unsigned i, full = 0;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &lo), 0);
	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.1", &hi), 0);
	d = gu_desc(DSA_OPCODE_MEMMOVE, big_src, big_dst, 1u << 20, GU_FL, crs);
	gu_prepare(descs, &d);
	GU_CHECK_EQ(gu_enq(lo.portal, descs), 0);
	for (i = 0; i < ARB_N; i++) {
		d = gu_desc(DSA_OPCODE_MEMMOVE, board, slots + 64 * i, 64, GU_FL, crs + 64 * (1 + i));
		gu_prepare(descs + 64 * (1 + i), &d);
		GU_CHECK_EQ(gu_enq(lo.portal, descs + 64 * (1 + i)), 0);
	}
	for (i = 0; i < ARB_N; i++) {
		d = gu_desc(DSA_OPCODE_MEMFILL, 0x0101010101010101ull * (i + 1), board + 8 * i, 8, GU_FL,
			    crs + 64 * (1 + ARB_N + i));
		gu_prepare(descs + 64 * (1 + ARB_N + i), &d);
		GU_CHECK_EQ(gu_enq(hi.portal, descs + 64 * (1 + ARB_N + i)), 0);
	}
	for (i = 0; i < 1 + 2 * ARB_N; i++)
		GU_CHECK_EQ(gu_poll(crs + 64 * i), DSA_COMP_SUCCESS);
	for (i = 0; i < ARB_N; i++) {
		bool all = true;

		for (unsigned k = 0; k < ARB_N; k++)
			all &= sva_load64(slots + 64 * i + 8 * k) == 0x0101010101010101ull * (k + 1);
		full += all;
	}
	t->v[0] = full;
}

static void test_priority_arbitration(void **state)
{
	char cfg[1024];
	struct dv t = { 0 };

	(void)state;
	dv_run(&t, tu_seed(40), arb_config(cfg, sizeof(cfg), 1, 15), arb_main, &t);
	assert_int_equal(t.v[0], ARB_N);	/* every fill before any copy */
	sva_system_destroy(t.sys);
	/* Equal priorities: the engine alternates, so early copies miss fills. */
	memset(&t, 0, sizeof(t));
	dv_run(&t, tu_seed(40), arb_config(cfg, sizeof(cfg), 10, 10), arb_main, &t);
	assert_true(t.v[0] < ARB_N);
	sva_system_destroy(t.sys);
}

/* ---- the command interface's error statuses ----------------------------------------------------- */

static void test_command_errors(void **state)
{
	struct sva_system *sys;
	struct sva_idxd *idxd;

	(void)state;
	/* Default configuration: wq0.0 shared and wq0.1 dedicated enabled; WQs 2-7 unconfigured. */
	sys = gu_sys(tu_seed(41), NULL);
	idxd = gu_idxd(sys);
	assert_int_equal(sva_idxd_cmd(idxd, 0, 0), 0x01);		/* no such command */
	assert_int_equal(sva_idxd_cmd(idxd, 15, 0), 0x01);
	assert_int_equal(sva_idxd_cmd(idxd, SVA_DSA_CMD_ENABLE_DEVICE, 0), 0x10);
	assert_int_equal(sva_idxd_cmd(idxd, SVA_DSA_CMD_ENABLE_WQ, 0), 0x21);	/* already enabled */
	assert_int_equal(sva_idxd_cmd(idxd, SVA_DSA_CMD_ENABLE_WQ, 8), 0x02);	/* 8 WQs: 0-7 */
	assert_int_equal(sva_idxd_cmd(idxd, SVA_DSA_CMD_DISABLE_WQ, 9), 0x02);
	assert_int_equal(sva_idxd_cmd(idxd, SVA_DSA_CMD_ENABLE_WQ, 5), 0x22);	/* size 0 */
	assert_int_equal(sva_idxd_cmd(idxd, SVA_DSA_CMD_REQUEST_INT_HANDLE, 200), 0x41);
	assert_int_equal(sva_idxd_cmd(idxd, SVA_DSA_CMD_REQUEST_INT_HANDLE, 3), 0);
	assert_int_equal(sva_idxd_cmd(idxd, SVA_DSA_CMD_DISABLE_WQ, 0), 0);
	assert_int_equal(gu_bar0(sys, SVA_DSA_WQCFG_OFF + 24, 4) >> 30, 0);
	assert_int_equal(sva_idxd_cmd(idxd, SVA_DSA_CMD_ENABLE_WQ, 0), 0);	/* and back */
	assert_int_equal(gu_bar0(sys, SVA_DSA_WQCFG_OFF + 24, 4) >> 30, 1);
	assert_int_equal(sva_idxd_cmd(idxd, SVA_DSA_CMD_DISABLE_DEVICE, 0), 0);
	assert_int_equal(gu_bar0(sys, SVA_DSA_GENSTS, 4) & 3, SVA_DSA_DISABLED);
	assert_int_equal(sva_idxd_cmd(idxd, SVA_DSA_CMD_DISABLE_DEVICE, 0), 0x31);
	assert_int_equal(sva_idxd_cmd(idxd, SVA_DSA_CMD_DRAIN_WQ, 0), 0x32);
	assert_int_equal(sva_idxd_cmd(idxd, SVA_DSA_CMD_DRAIN_PASID, 1), 0x32);
	assert_int_equal(sva_idxd_cmd(idxd, SVA_DSA_CMD_ENABLE_WQ, 0), 0x20);	/* device disabled */
	assert_int_equal(sva_idxd_cmd(idxd, SVA_DSA_CMD_ENABLE_DEVICE, 0), 0);
	assert_int_equal(sva_idxd_cmd(idxd, SVA_DSA_CMD_ENABLE_WQ, 0), 0);

	/* Enable WQ 5 through its WQCFG, one mistake at a time, in the order the checks run. */
	{
		struct sva_phys *phys = sva_system_kernel(sys)->phys;
		uint64_t cfg5 = sva_dsa_bar0(gu_dsa(sys)) + SVA_DSA_WQCFG_OFF + 5 * 32;
		static const struct {
			uint16_t size, threshold;
			uint32_t w2, w3;
			unsigned status;
		} steps[] = {
			{ 200, 0, 1u << 4, 0, 0x22 },			/* 24 enabled + 200 > 128 */
			{ 8, 0, 0, 0, 0x23 },				/* priority 0 */
			{ 8, 0, 5u << 4, 0, 0x26 },			/* shared without PASID enable */
			{ 8, 9, 5u << 4 | 1u << 28, 0, 0x22 },		/* threshold > size */
			{ 8, 4, 5u << 4 | 1u << 28, 15u << 5, 0x27 },	/* batch shift > the device's 10 */
			{ 8, 4, 5u << 4 | 1u << 28, 5u << 5, 0x11 },	/* in no group */
		};

		for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
			sva_phys_write(phys, cfg5, &steps[i].size, 2);
			sva_phys_write(phys, cfg5 + 4, &steps[i].threshold, 2);
			sva_phys_write(phys, cfg5 + 8, &steps[i].w2, 4);
			sva_phys_write(phys, cfg5 + 12, &steps[i].w3, 4);
			if (sva_idxd_cmd(idxd, SVA_DSA_CMD_ENABLE_WQ, 5) != (int)steps[i].status)
				fail_msg("step %zu: CMDSTS %#x, expected %#x", i, sva_idxd_cmd(idxd, SVA_DSA_CMD_ENABLE_WQ, 5),
					 steps[i].status);
		}
	}
	sva_system_destroy(sys);
}

/* ---- block on fault when the kernel cannot resolve the fault -------------------------------------- */

/*
 * The iopf handler answers Invalid Request for an address with no mapping
 * (PAGE_FAULT_IR), and a Response Failure when told to fail
 * (TRANSLATION_FAIL); either way the descriptor stops at the faulting page.
 */
static void bof_unresolved_main(void *arg)
{
	struct dv *t = arg;
	struct gu_wq sw;
	struct dsa_completion_record rec;
	uint64_t buf = gu_alloc(64 * 1024, true), desc = buf, cr = buf + 4096, src = buf + 8192;
	uint64_t hole = gu_alloc(8192, false), fresh = gu_alloc(8192, false);
	struct sva_dsa_stats ds;

	/* Open first: the portal mapping would otherwise reuse the hole's addresses. */
	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	GU_CHECK_EQ(sva_munmap(hole, 8192), 0);
	gu_fill(src, 8192, 6);
	rec = run_on(&sw, desc, gu_desc(DSA_OPCODE_MEMMOVE, src, hole, 8192, GU_FL | IDXD_OP_FLAG_BOF, cr));
	GU_CHECK_EQ(rec.status, DSA_COMP_PAGE_FAULT_IR | DSA_COMP_STATUS_WRITE);
	GU_CHECK_EQ(rec.fault_addr, hole);
	GU_CHECK_EQ(rec.bytes_completed, 0);
	sva_dsa_stats(gu_dsa(t->sys), &ds);
	t->v[0] = ds.prs_invalid;

	/* A destination that translates to MMIO (the portal's own page): a bus error. */
	rec = run_on(&sw, desc, gu_desc(DSA_OPCODE_MEMMOVE, src, sw.portal, 64, GU_FL, cr));
	GU_CHECK_EQ(rec.status, DSA_COMP_HW_ERR1);

	t->k->iommu->inject_resp_failure = 1;
	rec = run_on(&sw, desc, gu_desc(DSA_OPCODE_MEMMOVE, src, fresh, 8192, GU_FL | IDXD_OP_FLAG_BOF, cr));
	GU_CHECK_EQ(rec.status & DSA_COMP_STATUS_MASK, DSA_COMP_TRANSLATION_FAIL);
	GU_CHECK_EQ(rec.fault_addr, fresh);
	sva_dsa_stats(gu_dsa(t->sys), &ds);
	t->v[1] = ds.prs_failure;
	/*
	 * A Response Failure stops the function's PRI (PCIe): later faults
	 * cannot be resolved either, and no response comes back.
	 */
	rec = run_on(&sw, desc, gu_desc(DSA_OPCODE_MEMMOVE, src, fresh, 8192, GU_FL | IDXD_OP_FLAG_BOF, cr));
	GU_CHECK_EQ(rec.status & DSA_COMP_STATUS_MASK, DSA_COMP_TRANSLATION_FAIL);
	sva_dsa_stats(gu_dsa(t->sys), &ds);
	GU_CHECK_EQ(ds.prs_failure, t->v[1]);
}

static void test_bof_fault_the_kernel_cannot_resolve(void **state)
{
	struct dv t = { 0 };

	(void)state;
	dv_run(&t, tu_seed(42), NULL, bof_unresolved_main, &t);
	assert_int_equal(t.v[0], 1);
	assert_int_equal(t.v[1], 1);
	sva_system_destroy(t.sys);
}

/* ---- common statuses ------------------------------------------------------------------------- */

static void common_main(void *arg)
{
	struct dv *t = arg;
	struct gu_wq sw, dw;
	struct dsa_completion_record rec;
	struct dsa_hw_desc d;
	struct sva_dsa_stats ds;
	uint64_t buf, desc, cr, src, dst, irqs;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.1", &dw), 0);
	buf = gu_alloc(64 * 1024, true);
	desc = buf;
	cr = buf + 4096;
	src = buf + 8192;
	dst = buf + 16384;
	gu_fill(src, 4096, 1);

	/* Opcode 0x0a is not in OPCAP: BAD_OPCODE, nothing moved. */
	GU_CHECK_EQ(gu_bar0(t->sys, SVA_DSA_OPCAP, 8) >> 0x0a & 1, 0);
	rec = run_on(&sw, desc, gu_desc(0x0a, src, dst, 64, GU_FL, cr));
	GU_CHECK_EQ(rec.status, DSA_COMP_BAD_OPCODE);
	GU_CHECK(!gu_holds(dst, 64, 1, 0));

	/* Block on fault on a WQ without it (the dedicated one): INVALID_FLAGS naming the bit. */
	d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst, 64, GU_FL | IDXD_OP_FLAG_BOF, cr);
	gu_prepare(desc, &d);
	GU_CHECK_EQ(sva_movdir64b(dw.portal, desc), 0);
	GU_CHECK(gu_poll(cr));
	rec = gu_rec(cr);
	GU_CHECK_EQ(rec.status, DSA_COMP_INVALID_FLAGS);
	GU_CHECK_EQ(rec.invalid_flags, IDXD_OP_FLAG_BOF);
	GU_CHECK(!gu_holds(dst, 64, 1, 0));
	/* ...and the same descriptor on the shared WQ, which has BOF, is fine. */
	rec = run_on(&sw, desc, d);
	GU_CHECK_EQ(rec.status, DSA_COMP_SUCCESS);
	GU_CHECK(gu_holds(dst, 64, 1, 0));

	/* Completion interrupt with a handle beyond the vectors: INT_HANDLE_INVAL, no interrupt. */
	sva_dsa_stats(gu_dsa(t->sys), &ds);
	irqs = ds.interrupts;
	d = gu_desc(DSA_OPCODE_NOOP, 0, 0, 0, GU_FL | IDXD_OP_FLAG_RCI, cr);
	d.int_handle = 200;
	rec = run_on(&sw, desc, d);
	GU_CHECK_EQ(rec.status, DSA_COMP_INT_HANDLE_INVAL);
	sva_dsa_stats(gu_dsa(t->sys), &ds);
	GU_CHECK_EQ(ds.interrupts, irqs);
	d.int_handle = 1;
	rec = run_on(&sw, desc, d);
	GU_CHECK_EQ(rec.status, DSA_COMP_SUCCESS);
	/* The record is written first and the interrupt follows: a poller may see the record before it. */
	for (int i = 0; i < 100; i++) {
		sva_dsa_stats(gu_dsa(t->sys), &ds);
		if (ds.interrupts != irqs)
			break;
		sva_spin(100);
	}
	GU_CHECK_EQ(ds.interrupts, irqs + 1);

	/* A no-op is checked too: a flag it does not take, a reserved field set. */
	rec = run_on(&sw, desc, gu_desc(DSA_OPCODE_NOOP, 0, 0, 0, GU_FL | IDXD_OP_FLAG_CC, cr));
	GU_CHECK_EQ(rec.status, DSA_COMP_INVALID_FLAGS);
	GU_CHECK_EQ(rec.invalid_flags, IDXD_OP_FLAG_CC);
	d = gu_desc(DSA_OPCODE_NOOP, 0, 0, 0, GU_FL, cr);
	((uint8_t *)&d)[48] = 1;	/* an operation-specific byte: reserved for a no-op */
	rec = run_on(&sw, desc, d);
	GU_CHECK_EQ(rec.status, DSA_COMP_NOZERO_RESERVE);
	rec = run_on(&sw, desc, gu_desc(DSA_OPCODE_NOOP, 0, 0, 0, GU_FL | IDXD_OP_FLAG_FENCE, cr));
	GU_CHECK_EQ(rec.status, DSA_COMP_SUCCESS);

	/* Transfer size 0 and above the WQ's maximum (2 MiB). */
	rec = run_on(&sw, desc, gu_desc(DSA_OPCODE_MEMMOVE, src, dst, 0, GU_FL, cr));
	GU_CHECK_EQ(rec.status, DSA_COMP_XFER_ERANGE);
	rec = run_on(&sw, desc, gu_desc(DSA_OPCODE_MEMFILL, 0, dst, (2u << 20) + 1, GU_FL, cr));
	GU_CHECK_EQ(rec.status, DSA_COMP_XFER_ERANGE);
	t->pasid = gu_pasid(t->k);
}

static void test_common_statuses(void **state)
{
	struct dv t = { 0 };

	(void)state;
	dv_run(&t, tu_seed(11), NULL, common_main, &t);
	sva_system_destroy(t.sys);
}

/* ---- a completion address that is not 32-byte aligned ---------------------------------------- */

static void cra_align_main(void *arg)
{
	struct dv *t = arg;
	struct gu_wq sw;
	struct dsa_hw_desc d;
	uint64_t buf = gu_alloc(32 * 1024, true), cr = buf + 4096, src = buf + 8192, dst = buf + 16384;
	uint8_t before[128], after[128];

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	gu_fill(src, 4096, 2);
	gu_fill(cr, 128, 3);
	gu_read(cr, before, sizeof(before));
	t->v[0] = swerr_count(t);
	d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst, 4096, GU_FL, cr + 8);
	sva_store(buf, &d, sizeof(d));
	GU_CHECK_EQ(gu_enq(sw.portal, buf), 0);
	sva_nanosleep(100 * 1000);
	/* No record anywhere near, the operation did not run, and SWERR has it. */
	gu_read(cr, after, sizeof(after));
	GU_CHECK(!memcmp(before, after, sizeof(before)));
	GU_CHECK(!gu_holds(dst, 4096, 2, 0));
	t->v[1] = swerr_count(t);
	memcpy(&t->v[2], gu_idxd(t->sys)->swerr_last, 4 * sizeof(uint64_t));
	t->pasid = gu_pasid(t->k);
}

static void test_cra_align_goes_to_swerr(void **state)
{
	struct dv t = { 0 };
	uint64_t s0;

	(void)state;
	dv_run(&t, tu_seed(12), NULL, cra_align_main, &t);
	assert_int_equal(t.v[1], t.v[0] + 1);
	s0 = t.v[2];
	assert_int_equal(s0 & 1, 1);				/* valid */
	assert_int_equal(s0 >> 2 & 3, 3);			/* descriptor and WQ index valid */
	assert_int_equal(s0 >> 8 & 0xff, DSA_COMP_CRA_ALIGN);
	assert_int_equal(s0 >> 16 & 0xff, 0);			/* wq0.0 */
	assert_int_equal(s0 >> 32 & 0xff, DSA_OPCODE_MEMMOVE);
	assert_int_equal(s0 >> 40 & 0xfffff, t.pasid);
	sva_system_destroy(t.sys);
}

/* ---- PRIV cannot be set by a user ---------------------------------------------------------------- */

static void priv_main(void *arg)
{
	struct dv *t = arg;
	struct gu_wq sw;
	struct dsa_hw_desc d;
	struct dsa_completion_record rec;
	struct sva_dsa_stats ds;
	uint64_t buf = gu_alloc(16384, true), desc = buf, cr = buf + 4096;
	unsigned sigs = 0;
	uint64_t submitted;
	int r;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	GU_CHECK_EQ(sva_signal(SIGSEGV, gu_sig_fail, &sigs), 0);
	/* A first, clean ENQCMD loads IA32_PASID through the #GP fixup. */
	rec = run_on(&sw, desc, gu_desc(DSA_OPCODE_NOOP, 0, 0, 0, GU_FL, cr));
	GU_CHECK_EQ(rec.status, DSA_COMP_SUCCESS);
	t->pasid = gu_pasid(t->k);

	/* PRIV set, or a PASID of our choosing: ENQCMD refuses to send either (#GP -> SIGSEGV). */
	sva_dsa_stats(gu_dsa(t->sys), &ds);
	submitted = ds.submitted;
	d = gu_desc(DSA_OPCODE_NOOP, 0, 0, 0, GU_FL, cr);
	d.priv = 1;
	gu_prepare(desc, &d);
	r = sva_enqcmd(sw.portal, desc);
	GU_CHECK_EQ(r, -EFAULT);
	d.priv = 0;
	d.pasid = t->pasid + 1;
	gu_prepare(desc, &d);
	GU_CHECK_EQ(sva_enqcmd(sw.portal, desc), -EFAULT);
	GU_CHECK_EQ(sigs, 2);
	sva_dsa_stats(gu_dsa(t->sys), &ds);
	GU_CHECK_EQ(ds.submitted, submitted);		/* nothing reached the portal */

	/* write(): the kernel stamps our PASID and clears PRIV. */
	d.priv = 1;
	d.pasid = 0xfffff;
	gu_prepare(desc, &d);
	GU_CHECK_EQ(sva_write(sw.fd, desc, 64), 64);
	GU_CHECK(gu_poll(cr));
	GU_CHECK_EQ(gu_rec(cr).status, DSA_COMP_SUCCESS);

	/*
	 * The control: the same descriptor with PRIV set, put on the portal by
	 * the kernel (as ENQCMDS would, with our PASID), is refused by the
	 * device - so a user that could set PRIV would get PRIV_BAD.  Without
	 * a record (a privileged record write to user memory would itself be
	 * refused by the IOMMU: no supervisor requests) it goes to SWERR.
	 */
	d = gu_desc(DSA_OPCODE_NOOP, 0, 0, 0, 0, 0);
	d.priv = 1;
	d.pasid = t->pasid;
	t->v[0] = swerr_count(t);
	GU_CHECK_EQ(sva_phys_enqueue(t->k->phys, sva_dsa_portal(gu_dsa(t->sys), 0, false, false),
				     (const uint8_t *)&d), SVA_ENQ_ACCEPTED);
	sva_nanosleep(50 * 1000);
	GU_CHECK_EQ(swerr_count(t), t->v[0] + 1);
	GU_CHECK_EQ(gu_idxd(t->sys)->swerr_last[0] >> 8 & 0xff, DSA_COMP_PRIV_BAD);
	GU_CHECK_EQ(gu_idxd(t->sys)->swerr_last[0] >> 6 & 1, 1);
}

static void test_priv_is_unreachable_from_user_enqcmd(void **state)
{
	struct dv t = { 0 };

	(void)state;
	dv_run(&t, tu_seed(13), NULL, priv_main, &t);
	sva_system_destroy(t.sys);
}

/* ---- batch ------------------------------------------------------------------------------------------ */

static void batch_main(void *arg)
{
	struct dv *t = arg;
	struct gu_wq sw;
	struct dsa_completion_record rec;
	struct dsa_hw_desc d, b;
	uint64_t buf = gu_alloc(128 * 1024, true), desc = buf, crs = buf + 4096, list = buf + 8192;
	uint64_t src = buf + 32768, dst = buf + 65536, bcr = buf + 4096 + 64 * 60, hole;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	gu_fill(src, 8192, 4);
#define SUB(i, op, s, ds, n, fl) do { \
		d = gu_desc(op, s, ds, n, GU_FL | (fl), crs + 64 * (i)); \
		gu_prepare(list + 64 * (i), &d); \
	} while (0)
	b = gu_desc(DSA_OPCODE_BATCH, list, 0, 0, GU_FL, bcr);

	/* Counts 1 and max + 1 (the WQ's max batch is 32), and 32 noops are fine. */
	for (int i = 0; i < 33; i++)
		SUB(i, DSA_OPCODE_NOOP, 0, 0, 0, 0);
	b.desc_count = 1;
	GU_CHECK_EQ(run_on(&sw, desc, b).status, DSA_COMP_DESC_CNT_ERANGE);
	b.desc_count = 33;
	GU_CHECK_EQ(run_on(&sw, desc, b).status, DSA_COMP_DESC_CNT_ERANGE);
	b.desc_count = 0;
	GU_CHECK_EQ(run_on(&sw, desc, b).status, DSA_COMP_DESC_CNT_ERANGE);
	b.desc_count = 32;
	rec = run_on(&sw, desc, b);
	GU_CHECK_EQ(rec.status, DSA_COMP_SUCCESS);
	GU_CHECK_EQ(rec.bytes_completed, 32);
	GU_CHECK_EQ(gu_rec(crs + 64 * 31).status, DSA_COMP_SUCCESS);

	/* A list that is not 64-byte aligned. */
	b.desc_list_addr = list + 32;
	b.desc_count = 2;
	GU_CHECK_EQ(run_on(&sw, desc, b).status, DSA_COMP_DESCLIST_ALIGN);

	/* A list in unmapped memory: BATCH_PAGE_FAULT at the list. */
	hole = gu_alloc(8192, true);
	GU_CHECK_EQ(sva_munmap(hole, 8192), 0);
	b.desc_list_addr = hole;
	rec = run_on(&sw, desc, b);
	GU_CHECK_EQ(rec.status, DSA_COMP_BATCH_PAGE_FAULT);
	GU_CHECK_EQ(rec.fault_addr, hole);
	GU_CHECK_EQ(rec.bytes_completed, 0);

	/* A list running off its page into the hole: the first descriptor runs, then the fault. */
	{
		uint64_t two = gu_alloc(8192, true);

		GU_CHECK_EQ(sva_munmap(two + 4096, 4096), 0);
		d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst, 100, GU_FL, crs);
		gu_prepare(two + 4096 - 64, &d);
		b.desc_list_addr = two + 4096 - 64;
		b.desc_count = 3;
		rec = run_on(&sw, desc, b);
		GU_CHECK_EQ(rec.status, DSA_COMP_BATCH_PAGE_FAULT);
		GU_CHECK_EQ(rec.fault_addr, two + 4096);
		GU_CHECK_EQ(rec.bytes_completed, 1);
		GU_CHECK_EQ(gu_rec(crs).status, DSA_COMP_SUCCESS);
		GU_CHECK(gu_holds(dst, 100, 4, 0));
	}

	/* A failing descriptor in the middle: the others run, the batch says BATCH_FAIL. */
	SUB(0, DSA_OPCODE_MEMMOVE, src, dst, 4096, 0);
	SUB(1, 0x0a, 0, 0, 0, 0);
	SUB(2, DSA_OPCODE_MEMFILL, 0x5a5a5a5a5a5a5a5aull, dst + 8192, 512, 0);
	b.desc_list_addr = list;
	b.desc_count = 3;
	rec = run_on(&sw, desc, b);
	GU_CHECK_EQ(rec.status, DSA_COMP_BATCH_FAIL);
	GU_CHECK_EQ(rec.bytes_completed, 3);
	GU_CHECK_EQ(gu_rec(crs).status, DSA_COMP_SUCCESS);
	GU_CHECK_EQ(gu_rec(crs + 64).status, DSA_COMP_BAD_OPCODE);
	GU_CHECK_EQ(gu_rec(crs + 128).status, DSA_COMP_SUCCESS);
	GU_CHECK_EQ(sva_load64(dst + 8192 + 504), 0x5a5a5a5a5a5a5a5aull);

	/* The same with a FENCE after the failure: the rest is abandoned, no records. */
	SUB(0, DSA_OPCODE_MEMMOVE, src + 4096, dst + 16384, 4096, 0);
	SUB(1, 0x0a, 0, 0, 0, 0);
	SUB(2, DSA_OPCODE_MEMFILL, 0x1111111111111111ull, dst + 20480, 512, IDXD_OP_FLAG_FENCE);
	SUB(3, DSA_OPCODE_MEMFILL, 0x2222222222222222ull, dst + 24576, 512, 0);
	b.desc_count = 4;
	rec = run_on(&sw, desc, b);
	GU_CHECK_EQ(rec.status, DSA_COMP_BATCH_FAIL);
	GU_CHECK_EQ(rec.bytes_completed, 2);
	GU_CHECK(gu_holds(dst + 16384, 4096, 4, 4096));
	GU_CHECK_EQ(gu_rec(crs + 128).status, 0);
	GU_CHECK_EQ(gu_rec(crs + 192).status, 0);
	GU_CHECK_EQ(sva_load64(dst + 20480), 0);
	GU_CHECK_EQ(sva_load64(dst + 24576), 0);

	/* A FENCE with nothing failed before it just orders: everything runs. */
	SUB(1, DSA_OPCODE_NOOP, 0, 0, 0, 0);
	rec = run_on(&sw, desc, b);
	GU_CHECK_EQ(rec.status, DSA_COMP_SUCCESS);
	GU_CHECK_EQ(rec.bytes_completed, 4);
	GU_CHECK_EQ(sva_load64(dst + 24576), 0x2222222222222222ull);

	/* A batch inside a batch is refused for that descriptor; BOF on a batch is invalid. */
	SUB(0, DSA_OPCODE_BATCH, list, 0, 2, 0);
	SUB(1, DSA_OPCODE_NOOP, 0, 0, 0, 0);
	b.desc_count = 2;
	rec = run_on(&sw, desc, b);
	GU_CHECK_EQ(rec.status, DSA_COMP_BATCH_FAIL);
	GU_CHECK_EQ(gu_rec(crs).status, DSA_COMP_BAD_OPCODE);
	b.flags |= IDXD_OP_FLAG_BOF;
	rec = run_on(&sw, desc, b);
	GU_CHECK_EQ(rec.status, DSA_COMP_INVALID_FLAGS);
	b.flags &= ~(uint32_t)IDXD_OP_FLAG_BOF;

	/*
	 * Member 2's record is not 32-byte aligned: SWERR names the batch and
	 * the member's index.  Member 1 has a flag a fill does not take and
	 * asks for no record: SWERR carries the invalid flags.
	 */
	{
		uint64_t s0, s1;

		SUB(0, DSA_OPCODE_NOOP, 0, 0, 0, 0);
		SUB(1, DSA_OPCODE_NOOP, 0, 0, 0, 0);
		SUB(2, DSA_OPCODE_MEMFILL, 0x77, dst + 28672, 64, 0);
		d = gu_desc(DSA_OPCODE_MEMFILL, 0x77, dst + 28672, 64, GU_FL, crs + 128 + 8);
		gu_prepare(list + 128, &d);
		b.desc_count = 3;
		rec = run_on(&sw, desc, b);
		GU_CHECK_EQ(rec.status, DSA_COMP_BATCH_FAIL);
		s0 = gu_idxd(t->sys)->swerr_last[0];
		s1 = gu_idxd(t->sys)->swerr_last[1];
		GU_CHECK_EQ(s0 >> 8 & 0xff, DSA_COMP_CRA_ALIGN);
		GU_CHECK_EQ(s0 >> 4 & 1, 1);		/* a batch member */
		GU_CHECK_EQ(s1 & 0xffff, 2);		/* its index */
		GU_CHECK_EQ(s1 >> 32, 0);

		d = gu_desc(DSA_OPCODE_MEMFILL, 0x77, dst + 28672, 64, IDXD_OP_FLAG_ADDR1_TCS, 0);
		gu_prepare(list + 64, &d);
		SUB(2, DSA_OPCODE_NOOP, 0, 0, 0, 0);
		rec = run_on(&sw, desc, b);
		GU_CHECK_EQ(rec.status, DSA_COMP_BATCH_FAIL);
		s0 = gu_idxd(t->sys)->swerr_last[0];
		s1 = gu_idxd(t->sys)->swerr_last[1];
		GU_CHECK_EQ(s0 >> 8 & 0xff, DSA_COMP_INVALID_FLAGS);
		GU_CHECK_EQ(s1 & 0xffff, 1);
		GU_CHECK_EQ(s1 >> 32, IDXD_OP_FLAG_ADDR1_TCS);	/* a fill has no source address */
	}
#undef SUB
	(void)t;
}

static void test_batch_statuses(void **state)
{
	struct dv t = { 0 };

	(void)state;
	dv_run(&t, tu_seed(14), NULL, batch_main, &t);
	sva_system_destroy(t.sys);
}

/* ---- drain ------------------------------------------------------------------------------------------------ */

#define DRAIN_N 10
#define DRAIN_SZ (2u << 20)

static void drain_main(void *arg)
{
	struct dv *t = arg;
	struct gu_wq sw;
	uint64_t buf = gu_alloc(3 * 4096, true), desc = buf, crs = buf + 4096, last = crs + 64 * DRAIN_N;
	uint64_t src = gu_alloc(DRAIN_SZ, true), dst = gu_alloc((uint64_t)DRAIN_N * DRAIN_SZ, true);

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	for (int round = 0; round < 2; round++) {
		struct dsa_hw_desc d;
		unsigned pending = 0;

		/* The last one is long: whatever comes after it starts while it runs. */
		for (int i = 0; i < DRAIN_N; i++) {
			d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst + (uint64_t)i * DRAIN_SZ,
				    i == DRAIN_N - 1 ? DRAIN_SZ : DRAIN_SZ / 8, GU_FL, crs + 64 * i);
			GU_CHECK(gu_submit(sw.portal, desc, &d) >= 0);
		}
		/* Round 0: a no-op overtakes work still running; round 1: a drain does not. */
		d = gu_desc(round ? DSA_OPCODE_DRAIN : DSA_OPCODE_NOOP, 0, 0, 0, GU_FL, last);
		GU_CHECK(gu_submit(sw.portal, desc, &d) >= 0);
		GU_CHECK_EQ(gu_poll(last), DSA_COMP_SUCCESS);
		for (int i = 0; i < DRAIN_N; i++)
			pending += gu_rec(crs + 64 * i).status == 0;
		t->v[round] = pending;
		for (int i = 0; i < DRAIN_N; i++)
			GU_CHECK_EQ(gu_poll(crs + 64 * i), DSA_COMP_SUCCESS);
	}
}

static void test_drain_waits_for_earlier_descriptors(void **state)
{
	struct dv t = { 0 };

	(void)state;
	dv_run(&t, tu_seed(15), NULL, drain_main, &t);
	assert_true(t.v[0] > 0);	/* without a drain, later work does not wait */
	assert_int_equal(t.v[1], 0);
	sva_system_destroy(t.sys);
}

/* ---- completion record page not mapped: CRA_XLAT to SWERR -------------------------------------------------- */

static void cra_xlat_main(void *arg)
{
	struct dv *t = arg;
	struct gu_wq sw;
	struct dsa_hw_desc d;
	struct sva_dsa_stats ds;
	uint64_t buf = gu_alloc(32 * 1024, true), src = buf + 8192, dst = buf + 16384;
	uint64_t hole = gu_alloc(8192, true), lazy = gu_alloc(8192, false);

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	GU_CHECK_EQ(sva_munmap(hole, 8192), 0);
	gu_fill(src, 4096, 5);
	t->v[0] = swerr_count(t);
	d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst, 4096, GU_FL, hole + 4096 + 96);
	sva_store(buf, &d, sizeof(d));
	GU_CHECK_EQ(gu_enq(sw.portal, buf), 0);
	sva_nanosleep(100 * 1000);
	GU_CHECK(gu_holds(dst, 4096, 5, 0));		/* the work was done... */
	t->v[1] = swerr_count(t);			/* ...the record went to SWERR */
	memcpy(&t->v[2], gu_idxd(t->sys)->swerr_last, 4 * sizeof(uint64_t));
	sva_dsa_stats(gu_dsa(t->sys), &ds);
	t->v[6] = ds.cr_faults;

	/* A record page mapped but not present, with BOF: PRI brings it in and the record lands. */
	d = gu_desc(DSA_OPCODE_NOOP, 0, 0, 0, GU_FL | IDXD_OP_FLAG_BOF, lazy + 4096 + 32);
	sva_store(buf, &d, sizeof(d));
	GU_CHECK_EQ(gu_enq(sw.portal, buf), 0);
	GU_CHECK_EQ(gu_poll(lazy + 4096 + 32), DSA_COMP_SUCCESS);
	sva_dsa_stats(gu_dsa(t->sys), &ds);
	t->v[7] = ds.page_requests;
	t->v[8] = swerr_count(t);
	t->v[9] = hole + 4096 + 96;
	t->pasid = gu_pasid(t->k);
}

static void test_cra_xlat_goes_to_swerr_and_the_driver_log(void **state)
{
	struct dv t = { 0 };
	uint64_t s0;

	(void)state;
	dv_run(&t, tu_seed(16), NULL, cra_xlat_main, &t);
	assert_int_equal(t.v[1], t.v[0] + 1);
	s0 = t.v[2];
	assert_int_equal(s0 & 1, 1);
	assert_int_equal(s0 >> 5 & 1, 1);			/* a write */
	assert_int_equal(s0 >> 8 & 0xff, DSA_COMP_CRA_XLAT);
	assert_int_equal(s0 >> 40 & 0xfffff, t.pasid);
	assert_true(t.v[4] == t.v[9]);				/* the record's address */
	assert_int_equal(t.v[6], 1);
	assert_int_equal(t.v[7], 1);				/* one page request for the lazy page */
	assert_int_equal(t.v[8], t.v[1]);			/* and no new error */
	sva_system_destroy(t.sys);
}

/* ---- shared WQ full, limited portal threshold --------------------------------------------------------------- */

#define FULL_N 32

static void swq_full_main(void *arg)
{
	struct dv *t = arg;
	struct gu_wq sw;
	uint64_t buf = gu_alloc(4 * 4096, true), crs = buf + 4096;
	uint64_t src = gu_alloc(256 * 1024, true), dst = gu_alloc(256 * 1024, true);
	unsigned maxocc = 0, retries = 0;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	gu_fill(src, 256 * 1024, 6);
	for (int i = 0; i < FULL_N; i++) {
		struct dsa_hw_desc d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst, 256 * 1024, GU_FL, crs + 64 * i);
		unsigned occ;
		int r;

		gu_prepare(buf, &d);
		while ((r = sva_enqcmd(sw.portal, buf)) == 1)
			retries++;
		GU_CHECK_EQ(r, 0);
		occ = (unsigned)(gu_bar0(t->sys, SVA_DSA_WQCFG_OFF + 24, 4) & 0xffff);
		if (occ > maxocc)
			maxocc = occ;
	}
	for (int i = 0; i < FULL_N; i++)
		GU_CHECK_EQ(gu_poll(crs + 64 * i), DSA_COMP_SUCCESS);
	GU_CHECK(gu_holds(dst, 256 * 1024, 6, 0));
	t->v[0] = retries;
	t->v[1] = maxocc;
}

static void test_shared_wq_full_means_enqcmd_retry(void **state)
{
	char cfg[2048];
	struct dv t = { 0 };
	struct sva_dsa_stats ds;

	(void)state;
	dv_run(&t, tu_seed(17), gu_config_1wq(cfg, sizeof(cfg), "shared", 4, 4, 0, 1), swq_full_main, &t);
	assert_true(t.v[0] > 0);
	assert_int_equal(t.v[1], 4);		/* full, never more */
	sva_dsa_stats(gu_dsa(t.sys), &ds);
	assert_int_equal(ds.retried, t.v[0]);
	assert_int_equal(ds.accepted, FULL_N);
	sva_system_destroy(t.sys);
}

static void threshold_main(void *arg)
{
	struct dv *t = arg;
	struct gu_wq sw;
	uint64_t buf = gu_alloc(4 * 4096, true), crs = buf + 4096;
	uint64_t src = gu_alloc(1 << 20, true), dst = gu_alloc(1 << 20, true);
	uint64_t unlimited = sva_dsa_portal(gu_dsa(t->sys), 0, false, false);
	unsigned accepted = 0, extra = 0;
	struct dsa_hw_desc d;
	int r = 0;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	GU_CHECK_EQ(sw.portal & 0xfff, 0);
	/* Through the limited portal the process mapped: retry once 3 are queued. */
	for (int i = 0; i < 12 && r == 0; i++) {
		d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst, 1 << 20, GU_FL, crs + 64 * i);
		gu_prepare(buf, &d);
		r = sva_enqcmd(sw.portal, buf);
		accepted += r == 0;
	}
	GU_CHECK_EQ(r, 1);
	GU_CHECK_EQ(gu_bar0(t->sys, SVA_DSA_WQCFG_OFF + 24, 4) & 0xffff, 3);
	/* The unlimited portal (kernel only) takes it up to the size, at the same instant. */
	t->pasid = gu_pasid(t->k);
	for (int i = 0; i < 12; i++) {
		d = gu_desc(DSA_OPCODE_NOOP, 0, 0, 0, GU_FL, crs + 64 * (20 + i));
		d.pasid = t->pasid;
		gu_prepare(buf, &d);
		if (sva_phys_enqueue(t->k->phys, unlimited, (const uint8_t *)&d) != SVA_ENQ_ACCEPTED)
			break;
		extra++;
	}
	GU_CHECK_EQ(extra, 8 - 3);
	GU_CHECK_EQ(gu_bar0(t->sys, SVA_DSA_WQCFG_OFF + 24, 4) & 0xffff, 8);
	for (unsigned i = 0; i < accepted; i++)
		GU_CHECK_EQ(gu_poll(crs + 64 * i), DSA_COMP_SUCCESS);
	for (unsigned i = 0; i < extra; i++)
		GU_CHECK_EQ(gu_poll(crs + 64 * (20 + i)), DSA_COMP_SUCCESS);
	t->v[0] = accepted;
}

static void test_limited_portal_honours_threshold(void **state)
{
	char cfg[2048];
	struct dv t = { 0 };

	(void)state;
	dv_run(&t, tu_seed(18), gu_config_1wq(cfg, sizeof(cfg), "shared", 8, 3, 0, 1), threshold_main, &t);
	assert_true(t.v[0] >= 3);	/* 3 queued + what the engine took */
	sva_system_destroy(t.sys);
}

/* ---- dedicated WQ overflow: MOVDIR64B is posted, the extra ones are dropped -------------------------------------- */

#define DWQ_N 24

static void dwq_overflow_main(void *arg)
{
	struct dv *t = arg;
	struct gu_wq dw;
	uint64_t buf = gu_alloc(DWQ_N * 64 + 4 * 4096, true), crs = buf + 8192;
	uint64_t src = gu_alloc(512 * 1024, true), dst = gu_alloc(512 * 1024, true);
	unsigned done = 0;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.1", &dw), 0);
	t->v[0] = swerr_count(t);
	for (int i = 0; i < DWQ_N; i++) {
		struct dsa_hw_desc d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst, 512 * 1024, GU_FL, crs + 64 * i);

		gu_prepare(buf + 64 * (uint64_t)i, &d);
	}
	for (int i = 0; i < DWQ_N; i++)
		GU_CHECK_EQ(sva_movdir64b(dw.portal, buf + 64 * (uint64_t)i), 0);	/* posted: no answer */
	sva_nanosleep(20 * 1000 * 1000);	/* long after the last one */
	for (int i = 0; i < DWQ_N; i++) {
		uint8_t s = gu_rec(crs + 64 * i).status;

		GU_CHECK(s == 0 || s == DSA_COMP_SUCCESS);
		done += s == DSA_COMP_SUCCESS;
	}
	t->v[1] = done;
	t->v[2] = swerr_count(t);
	memcpy(&t->v[3], gu_idxd(t->sys)->swerr_last, 4 * sizeof(uint64_t));
	t->pasid = gu_pasid(t->k);
}

static void test_dedicated_wq_overflow_drops_and_reports_swerr(void **state)
{
	struct dv t = { 0 };
	struct sva_dsa_stats ds;

	(void)state;
	dv_run(&t, tu_seed(19), NULL, dwq_overflow_main, &t);
	sva_dsa_stats(gu_dsa(t.sys), &ds);
	assert_true(ds.dropped > 0);
	assert_int_equal(t.v[1] + ds.dropped, DWQ_N);	/* every other one completed */
	assert_int_equal(ds.accepted, t.v[1]);
	assert_int_equal(ds.swerrs, ds.dropped);
	assert_true(t.v[2] > t.v[0]);			/* the driver logged it */
	assert_int_equal(t.v[3] & 1, 1);
	assert_int_equal(t.v[3] >> 8 & 0xff, 0x40);	/* the model's "dedicated WQ full" code */
	assert_int_equal(t.v[3] >> 16 & 0xff, 1);	/* wq0.1 */
	sva_system_destroy(t.sys);
}

/* ---- ATC invalidation racing in-flight descriptors ---------------------------------------------------------------- */

/*
 * Every descriptor copies its own source chunk onto the same destination,
 * so the device's ATC holds the destination's translations from the first
 * descriptor on; a second thread munmaps or write-protects the destination
 * while the queue is still full.  A stale ATC entry would let a later
 * descriptor write through it.
 */
#define RACE_N 16
#define RACE_SZ (64u * 1024)
#define RACE_PAGES (RACE_SZ / 4096)

struct race {
	struct dv *t;
	bool munmap;			/* else mprotect(PROT_READ) */
	uint64_t src, dst, fresh;
	uint64_t dst_frames[RACE_PAGES];
	volatile int submitted, changed;
	uint64_t hash_after_change;
	unsigned reused;
};

static void race_changer(void *arg)
{
	struct race *r = arg;
	struct sva_mm *mm = gu_proc(r->t->k)->mm;

	/* The new mapping gets its address now, so it cannot take the old one's. */
	if (r->munmap)
		r->fresh = gu_alloc(RACE_SZ, false);
	while (!r->submitted)
		sva_nanosleep(1000);
	sva_nanosleep(20 * 1000);
	if (r->munmap) {
		GU_CHECK_EQ(sva_munmap(r->dst, RACE_SZ), 0);
		/* The freed frames go to the new mapping at once, with a pattern. */
		for (uint64_t p = 0; p < RACE_SZ; p += 4096) {
			uint64_t f;

			sva_store64(r->fresh + p, 0);
			f = sva_mm_frame_at(mm, r->fresh + p);
			for (unsigned i = 0; i < RACE_PAGES; i++)
				r->reused += r->dst_frames[i] == f;
		}
		gu_fill(r->fresh, RACE_SZ, 77);
	} else {
		GU_CHECK_EQ(sva_mprotect(r->dst, RACE_SZ, SVA_PROT_READ), 0);
		r->hash_after_change = gu_hash(r->dst, RACE_SZ);
	}
	r->changed = 1;
}

static void race_main(void *arg)
{
	struct race *r = arg;
	struct dv *t = r->t;
	struct gu_wq sw;
	uint64_t buf = gu_alloc(4 * 4096, true), crs = buf + 4096;
	struct sva_mm *mm = gu_proc(t->k)->mm;
	unsigned ok = 0, faulted = 0;
	int last_ok = -1;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	r->src = gu_alloc((uint64_t)RACE_N * RACE_SZ, true);
	r->dst = gu_alloc(RACE_SZ, true);
	gu_fill(r->src, (uint64_t)RACE_N * RACE_SZ, 8);
	for (uint64_t p = 0; p < RACE_SZ; p += 4096)
		r->dst_frames[p / 4096] = sva_mm_frame_at(mm, r->dst + p);
	GU_CHECK(sva_thread_create(race_changer, r, "changer") > 0);
	for (int i = 0; i < RACE_N; i++) {
		struct dsa_hw_desc d = gu_desc(DSA_OPCODE_MEMMOVE, r->src + (uint64_t)i * RACE_SZ,
					       r->dst, RACE_SZ, GU_FL, crs + 64 * i);

		GU_CHECK(gu_submit(sw.portal, buf, &d) >= 0);
	}
	r->submitted = 1;
	for (int i = 0; i < RACE_N; i++) {
		struct dsa_completion_record rec;

		GU_CHECK(gu_poll(crs + 64 * i) != 0);
		rec = gu_rec(crs + 64 * i);
		if (rec.status == DSA_COMP_SUCCESS) {
			ok++;
			last_ok = i;
		} else {
			/* A fault with the write bit, before a single byte: never anything else. */
			GU_CHECK_EQ(rec.status, DSA_COMP_PAGE_FAULT_NOBOF | DSA_COMP_STATUS_WRITE);
			GU_CHECK_EQ(rec.bytes_completed, 0);
			GU_CHECK_EQ(rec.fault_addr, r->dst);
			faulted++;
		}
	}
	while (!r->changed)
		sva_nanosleep(1000);
	sva_nanosleep(100 * 1000);
	if (r->munmap) {
		GU_CHECK(gu_holds(r->fresh, RACE_SZ, 77, 0));	/* no stale write into reused frames */
	} else {
		/* Nothing written after the change; what is there is a whole chunk. */
		GU_CHECK(gu_hash(r->dst, RACE_SZ) == r->hash_after_change);
		GU_CHECK(last_ok >= 0 && gu_holds(r->dst, RACE_SZ, 8, (uint64_t)last_ok * RACE_SZ));
	}
	t->v[0] = ok;
	t->v[1] = faulted;
}

static void race_run(bool munmap, uint64_t seed)
{
	struct dv t = { 0 };
	struct race *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->t = &t;
	r->munmap = munmap;
	dv_run(&t, seed, NULL, race_main, r);
	/* The change landed in the middle of the work: some before, some after. */
	assert_true(t.v[0] > 0);
	assert_true(t.v[1] > 0);
	assert_int_equal(t.v[0] + t.v[1], RACE_N);
	if (munmap)
		assert_int_equal(r->reused, RACE_PAGES);
	free(r);
	sva_system_destroy(t.sys);
}

static void test_munmap_racing_descriptors_no_stale_write(void **state)
{
	(void)state;
	race_run(true, tu_seed(20));
}

static void test_mprotect_racing_descriptors_no_stale_write(void **state)
{
	(void)state;
	race_run(false, tu_seed(21));
}

/* ---- reset with work in flight ---------------------------------------------------------------------------------- */

#define RESET_N 12

struct reset {
	struct dv *t;
	int cmd_status;
	volatile int submitted;
	sva_time_t at;
};

static void reset_admin(void *arg)
{
	struct reset *rs = arg;
	struct sva_sim *sim = sva_system_sim(rs->t->sys);

	while (!rs->submitted)
		sva_sleep(sim, 1000);
	sva_sleep(sim, 40 * 1000);	/* two or three of the twelve are done */
	rs->at = sva_now(sim);
	rs->cmd_status = sva_idxd_cmd(gu_idxd(rs->t->sys), SVA_DSA_CMD_RESET_DEVICE, 0);
}

static void reset_main(void *arg)
{
	struct reset *rs = arg;
	struct dv *t = rs->t;
	struct gu_wq sw;
	uint64_t buf = gu_alloc(4 * 4096, true), crs = buf + 4096;
	uint64_t src = gu_alloc(1 << 20, true), dst = gu_alloc((uint64_t)RESET_N << 20, true);
	unsigned ok = 0, none = 0;
	struct dsa_hw_desc d;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	gu_fill(src, 1 << 20, 9);
	for (int i = 0; i < RESET_N; i++) {
		d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst + ((uint64_t)i << 20), 1 << 20, GU_FL, crs + 64 * i);
		GU_CHECK(gu_submit(sw.portal, buf, &d) >= 0);
	}
	rs->submitted = 1;
	sva_nanosleep(2 * 1000 * 1000);		/* well after the reset */
	for (int i = 0; i < RESET_N; i++) {
		uint8_t s = gu_rec(crs + 64 * i).status;

		/* Finished before the reset, or discarded: never half of one, never a stray status. */
		GU_CHECK(s == 0 || s == DSA_COMP_SUCCESS);
		if (s == DSA_COMP_SUCCESS) {
			ok++;
			GU_CHECK(gu_holds(dst + ((uint64_t)i << 20), 1 << 20, 9, 0));
		} else {
			none++;
		}
	}
	/* A disabled device answers retry. */
	d = gu_desc(DSA_OPCODE_NOOP, 0, 0, 0, GU_FL, crs);
	gu_prepare(buf, &d);
	GU_CHECK_EQ(sva_enqcmd(sw.portal, buf), 1);
	t->v[0] = ok;
	t->v[1] = none;
}

static void test_reset_device_with_work_in_flight(void **state)
{
	struct dv t = { 0 };
	struct reset rs = { .t = &t, .cmd_status = -1 };
	struct sva_dsa_stats ds;

	(void)state;
	t.sys = gu_sys(tu_seed(22), NULL);
	t.k = sva_system_kernel(t.sys);
	assert_non_null(sva_task_spawn(sva_system_sim(t.sys), "admin", reset_admin, &rs,
				       &(struct sva_task_attr){ .detached = true }));
	gu_run_one(t.sys, reset_main, &rs);
	assert_int_equal(rs.cmd_status, 0);
	assert_true(t.v[0] > 0);
	assert_true(t.v[1] > 0);
	sva_dsa_stats(gu_dsa(t.sys), &ds);
	assert_int_equal(ds.accepted, RESET_N);
	assert_int_equal(ds.completed, t.v[0]);
	assert_int_equal(ds.aborted, t.v[1]);
	assert_int_equal(gu_bar0(t.sys, SVA_DSA_GENSTS, 4) & 3, SVA_DSA_DISABLED);
	assert_int_equal(gu_bar0(t.sys, SVA_DSA_WQCFG_OFF + 24, 4) >> 30, 0);	/* WQ disabled */
	sva_system_destroy(t.sys);
}

/* ---- overlapping memmove with a fault in the middle ---------------------------------------------------------------- */

#define OV_SIZE (5 * 4096u)
#define OV_SHIFT 5000u

struct ov {
	struct dv *t;
	bool bof, down;
	uint8_t first_status;
	uint32_t first_done, first_dir;
	unsigned rounds;
	bool equal;
};

static void overlap_main(void *arg)
{
	struct ov *o = arg;
	struct gu_wq sw;
	uint64_t buf = gu_alloc(4 * 4096, true), cr = buf + 4096;
	uint64_t reg = gu_alloc(8 * 4096, true), lo = reg + 100, hi = lo + OV_SHIFT;
	uint64_t src = o->down ? lo : hi, dst = o->down ? hi : lo, off = 0, left = OV_SIZE;
	uint64_t hole = reg + 2 * 4096;	/* inside the source, read before it is overwritten */
	uint8_t *want = malloc(8 * 4096), *got = malloc(8 * 4096);
	struct dsa_completion_record rec;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	gu_fill(reg, 8 * 4096, 10);
	GU_CHECK_EQ(sva_madvise(hole, 4096, SVA_MADV_DONTNEED), 0);	/* reads as zeros, not present */
	for (unsigned i = 0; i < 8 * 4096; i++)
		want[i] = reg + i >= hole && reg + i < hole + 4096 ? 0 : gu_pat(10, i);
	memmove(want + (dst - reg), want + (src - reg), OV_SIZE);
	for (o->rounds = 0; o->rounds < 16; o->rounds++) {
		struct dsa_hw_desc d = gu_desc(DSA_OPCODE_MEMMOVE, src + off, dst + off, (uint32_t)left,
					       GU_FL | (o->bof ? IDXD_OP_FLAG_BOF : 0), cr);
		uint8_t b;

		rec = gu_run(sw.portal, buf, &d);
		if (o->rounds == 0) {
			o->first_status = rec.status;
			o->first_done = rec.bytes_completed;
			o->first_dir = rec.result;
		}
		if ((rec.status & DSA_COMP_STATUS_MASK) != DSA_COMP_PAGE_FAULT_NOBOF)
			break;
		/* Touch the page (a read brings in the zero page), resubmit the rest. */
		sva_load(rec.fault_addr, &b, 1);
		if (!rec.result)
			off += rec.bytes_completed;
		left -= rec.bytes_completed;
	}
	GU_CHECK_EQ(rec.status, DSA_COMP_SUCCESS);
	gu_read(reg, got, 8 * 4096);
	o->equal = !memcmp(want, got, 8 * 4096);
	free(want);
	free(got);
}

static void overlap_run(bool bof, bool down, uint64_t seed, struct ov *o)
{
	struct dv t = { 0 };

	o->t = &t;
	o->bof = bof;
	o->down = down;
	dv_run(&t, seed, NULL, overlap_main, o);
	sva_system_destroy(t.sys);
}

static void test_overlapping_memmove_fault_in_the_middle(void **state)
{
	struct ov o;

	(void)state;
	/* Descending (dst above src), no BOF: partial, direction 1, the top part done. */
	memset(&o, 0, sizeof(o));
	overlap_run(false, true, tu_seed(23), &o);
	assert_int_equal(o.first_status, DSA_COMP_PAGE_FAULT_NOBOF);	/* a read fault */
	assert_int_equal(o.first_dir, 1);
	assert_true(o.first_done > 0 && o.first_done < OV_SIZE);
	assert_int_equal(o.rounds, 1);
	assert_true(o.equal);
	/* The same with BOF: the device resumes downwards itself. */
	memset(&o, 0, sizeof(o));
	overlap_run(true, true, tu_seed(24), &o);
	assert_int_equal(o.first_status, DSA_COMP_SUCCESS);
	assert_int_equal(o.rounds, 0);
	assert_true(o.equal);
	/* Ascending overlap (dst below src), both ways. */
	memset(&o, 0, sizeof(o));
	overlap_run(false, false, tu_seed(25), &o);
	assert_int_equal(o.first_status, DSA_COMP_PAGE_FAULT_NOBOF);
	assert_int_equal(o.first_dir, 0);
	assert_true(o.first_done > 0 && o.first_done < OV_SIZE);
	assert_true(o.equal);
	memset(&o, 0, sizeof(o));
	overlap_run(true, false, tu_seed(26), &o);
	assert_int_equal(o.first_status, DSA_COMP_SUCCESS);
	assert_true(o.equal);
}

/* ---- every operation once through the full path ---------------------------------------------------------------- */

static uint16_t crc16_ref(const uint8_t *p, uint64_t n)
{
	uint16_t crc = 0;

	for (uint64_t i = 0; i < n; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (int b = 0; b < 8; b++)
			crc = crc & 0x8000 ? (uint16_t)(crc << 1 ^ 0x8bb7) : (uint16_t)(crc << 1);
	}
	return crc;
}

static void ops_main(void *arg)
{
	struct dv *t = arg;
	struct gu_wq sw;
	struct dsa_completion_record rec;
	struct dsa_hw_desc d;
	uint64_t buf = gu_alloc(4 * 4096, true), cr = buf + 4096;
	uint64_t a = gu_alloc(64 * 1024, true), b = gu_alloc(64 * 1024, true), c = gu_alloc(64 * 1024, true);
	uint64_t e = gu_alloc(64 * 1024, true);
	uint8_t *h = malloc(64 * 1024), *h2 = malloc(64 * 1024);
	uint32_t crc_a;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	gu_fill(a, 64 * 1024, 11);

	/* noop, cache flush */
	GU_CHECK_EQ(run_on(&sw, buf, gu_desc(DSA_OPCODE_NOOP, 0, 0, 0, GU_FL, cr)).status, DSA_COMP_SUCCESS);
	GU_CHECK_EQ(run_on(&sw, buf, gu_desc(DSA_OPCODE_CFLUSH, 0, a, 8192, GU_FL, cr)).status,
		    DSA_COMP_SUCCESS);

	/* fill: an 8-byte pattern, repeated, with a tail */
	d = gu_desc(DSA_OPCODE_MEMFILL, 0, b + 3, 10001, GU_FL, cr);
	d.pattern = 0x0807060504030201ull;
	GU_CHECK_EQ(run_on(&sw, buf, d).status, DSA_COMP_SUCCESS);
	gu_read(b, h, 10008);
	GU_CHECK_EQ(h[2], 0);
	for (unsigned i = 0; i < 10001; i++)
		GU_CHECK_EQ(h[3 + i], i % 8 + 1);
	GU_CHECK_EQ(h[3 + 10001], 0);

	/* compare pattern: equal, then one byte differs */
	d = gu_desc(DSA_OPCODE_COMPVAL, b + 3, 0, 10000, GU_FL, cr);
	d.comp_pattern = 0x0807060504030201ull;
	rec = run_on(&sw, buf, d);
	GU_CHECK_EQ(rec.status, DSA_COMP_SUCCESS);
	GU_CHECK_EQ(rec.result, 0);

	/* compare: equal, then different at 777 */
	d = gu_desc(DSA_OPCODE_MEMMOVE, a, c, 20000, GU_FL, cr);
	GU_CHECK_EQ(run_on(&sw, buf, d).status, DSA_COMP_SUCCESS);
	d = gu_desc(DSA_OPCODE_COMPARE, a, 0, 20000, GU_FL, cr);
	d.src2_addr = c;
	rec = run_on(&sw, buf, d);
	GU_CHECK_EQ(rec.status, DSA_COMP_SUCCESS);
	GU_CHECK_EQ(rec.result, 0);
	{
		uint8_t x = (uint8_t)~gu_pat(11, 777);

		sva_store(c + 777, &x, 1);
	}
	rec = run_on(&sw, buf, d);
	GU_CHECK_EQ(rec.result, 1);
	GU_CHECK_EQ(rec.bytes_completed, 777);

	/* CRC-32C: ISA-L's crc32_iscsi semantics, and chaining through the seed */
	gu_read(a, h, 64 * 1024);
	d = gu_desc(DSA_OPCODE_CRCGEN, a, 0, 5000, GU_FL, cr);
	rec = run_on(&sw, buf, d);
	GU_CHECK_EQ(rec.status, DSA_COMP_SUCCESS);
	crc_a = (uint32_t)rec.crc_val;
	GU_CHECK_EQ(crc_a, (uint32_t)~crc32_iscsi(h, 5000, 0xffffffffu));
	d = gu_desc(DSA_OPCODE_CRCGEN, a + 5000, 0, 7000, GU_FL, cr);
	d.crc_seed = crc_a;
	rec = run_on(&sw, buf, d);
	GU_CHECK_EQ((uint32_t)rec.crc_val, (uint32_t)~crc32_iscsi(h, 12000, 0xffffffffu));
	/* copy + CRC */
	d = gu_desc(DSA_OPCODE_COPY_CRC, a, e, 12000, GU_FL, cr);
	rec = run_on(&sw, buf, d);
	GU_CHECK_EQ(rec.status, DSA_COMP_SUCCESS);
	GU_CHECK_EQ((uint32_t)rec.crc_val, (uint32_t)~crc32_iscsi(h, 12000, 0xffffffffu));
	GU_CHECK(gu_holds(e, 12000, 11, 0));

	/* dualcast: both destinations at the same offset in their pages */
	d = gu_desc(DSA_OPCODE_DUALCAST, a, b + 8192 + 64, 4000, GU_FL, cr);
	d.dest2 = c + 32768 + 64;
	GU_CHECK_EQ(run_on(&sw, buf, d).status, DSA_COMP_SUCCESS);
	GU_CHECK(gu_holds(b + 8192 + 64, 4000, 11, 0));
	GU_CHECK(gu_holds(c + 32768 + 64, 4000, 11, 0));
	d.dest2 += 8;
	GU_CHECK_EQ(run_on(&sw, buf, d).status, DSA_COMP_DCAST_ERR);

	/* delta: record the differences of e against a, apply them to a copy of a */
	{
		uint64_t rec_va = b + 40960, out = c;
		uint64_t words[3] = { 5, 100, 511 };
		uint32_t size;

		for (int i = 0; i < 3; i++)
			sva_store64(e + 8 * words[i], 0xdead0000beef0000ull + (uint64_t)i);
		d = gu_desc(DSA_OPCODE_CR_DELTA, a, 0, 4096, GU_FL, cr);
		d.src2_addr = e;
		d.delta_addr = rec_va;
		d.max_delta_size = 80;
		rec = run_on(&sw, buf, d);
		GU_CHECK_EQ(rec.status, DSA_COMP_SUCCESS);
		GU_CHECK_EQ(rec.result, 1);
		GU_CHECK_EQ(rec.delta_rec_size, 30);
		size = rec.delta_rec_size;
		gu_read(rec_va, h2, 30);
		for (int i = 0; i < 3; i++) {
			uint64_t v;

			GU_CHECK_EQ(h2[10 * i] | h2[10 * i + 1] << 8, words[i]);
			memcpy(&v, h2 + 10 * i + 2, 8);
			GU_CHECK_EQ(v, 0xdead0000beef0000ull + (uint64_t)i);
		}
		d = gu_desc(DSA_OPCODE_MEMMOVE, a, out, 4096, GU_FL, cr);
		GU_CHECK_EQ(run_on(&sw, buf, d).status, DSA_COMP_SUCCESS);
		d = gu_desc(DSA_OPCODE_AP_DELTA, rec_va, out, 4096, GU_FL, cr);
		d.delta_rec_size = size;
		GU_CHECK_EQ(run_on(&sw, buf, d).status, DSA_COMP_SUCCESS);
		gu_read(out, h2, 4096);
		gu_read(e, h, 4096);
		GU_CHECK(!memcmp(h, h2, 4096));
	}

	/* DIF insert on 512-byte blocks, then check it; a flipped byte is a guard error */
	{
		uint64_t ins = b;
		const uint32_t nb = 4;

		gu_read(a, h, 4 * 512);
		d = gu_desc(DSA_OPCODE_DIF_INS, a, ins, nb * 512, GU_FL, cr);
		d.dif_ins_flags = 0;	/* 512-byte blocks */
		d.ins_ref_tag_seed = 1000;
		d.ins_app_tag_seed = 0xabcd;
		rec = run_on(&sw, buf, d);
		GU_CHECK_EQ(rec.status, DSA_COMP_SUCCESS);
		gu_read(ins, h2, nb * 520);
		for (uint32_t k = 0; k < nb; k++) {
			const uint8_t *tup = h2 + k * 520 + 512;
			uint16_t g = crc16_ref(h + k * 512, 512);

			GU_CHECK(!memcmp(h2 + k * 520, h + k * 512, 512));
			GU_CHECK_EQ(tup[0] << 8 | tup[1], g);
			GU_CHECK_EQ(crc16_t10dif(0, h + k * 512, 512), g);
			GU_CHECK_EQ(tup[2] << 8 | tup[3], 0xabcd);
			GU_CHECK_EQ((uint32_t)tup[4] << 24 | tup[5] << 16 | tup[6] << 8 | tup[7], 1000 + k);
		}
		d = gu_desc(DSA_OPCODE_DIF_CHECK, ins, 0, nb * 520, GU_FL, cr);
		d.dif_chk_flags = 0;
		d.chk_ref_tag_seed = 1000;
		d.chk_app_tag_seed = 0xabcd;
		GU_CHECK_EQ(run_on(&sw, buf, d).status, DSA_COMP_SUCCESS);
		h2[2 * 520 + 17] ^= 0x40;
		sva_store(ins + 2 * 520 + 17, &h2[2 * 520 + 17], 1);
		rec = run_on(&sw, buf, d);
		GU_CHECK_EQ(rec.status, DSA_COMP_DIF_ERR);
		GU_CHECK_EQ(rec.dif_status, DSA_DIF_ERR_GUARD);
		GU_CHECK_EQ(rec.bytes_completed, 2 * 520);
	}
	free(h);
	free(h2);
	(void)t;
}

static void test_every_operation_once(void **state)
{
	struct dv t = { 0 };
	struct sva_dsa_stats ds;

	(void)state;
	dv_run(&t, tu_seed(27), NULL, ops_main, &t);
	sva_dsa_stats(gu_dsa(t.sys), &ds);
	assert_int_equal(ds.completed, 18);
	assert_int_equal(ds.swerrs, 0);
	sva_system_destroy(t.sys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_statuses),
		cmocka_unit_test(test_cra_align_goes_to_swerr),
		cmocka_unit_test(test_priority_arbitration),
		cmocka_unit_test(test_command_errors),
		cmocka_unit_test(test_bof_fault_the_kernel_cannot_resolve),
		cmocka_unit_test(test_priv_is_unreachable_from_user_enqcmd),
		cmocka_unit_test(test_batch_statuses),
		cmocka_unit_test(test_drain_waits_for_earlier_descriptors),
		cmocka_unit_test(test_cra_xlat_goes_to_swerr_and_the_driver_log),
		cmocka_unit_test(test_shared_wq_full_means_enqcmd_retry),
		cmocka_unit_test(test_limited_portal_honours_threshold),
		cmocka_unit_test(test_dedicated_wq_overflow_drops_and_reports_swerr),
		cmocka_unit_test(test_munmap_racing_descriptors_no_stale_write),
		cmocka_unit_test(test_mprotect_racing_descriptors_no_stale_write),
		cmocka_unit_test(test_reset_device_with_work_in_flight),
		cmocka_unit_test(test_overlapping_memmove_fault_in_the_middle),
		cmocka_unit_test(test_every_operation_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
