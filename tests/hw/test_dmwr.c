// SPDX-License-Identifier: MIT
/*
 * Deferrable Memory Writes (issue 14, item 18): the DMWr bits of the
 * device and the ports on its PCIe path, the kernel enabling them only
 * when the whole path can carry DMWr, the idxd driver refusing shared WQs
 * otherwise, and what an enqueue store returns over a path that refuses
 * it (ZF = 1, nothing queued) - while MOVDIR64B, a posted write, still
 * reaches a dedicated WQ.
 */
#include "../idxd/guest_util.h"
#include "hw/dsa/dsa_internal.h"
#include "os/pci.h"

/* ---- the path alone ------------------------------------------------------------------- */

static void test_default_path_bits(void **state)
{
	struct sva_pcie_path p;

	(void)state;
	assert_int_equal(sva_pcie_path_init(&p, NULL, true), 0);
	assert_int_equal(p.nr, 2);
	assert_int_equal(p.ports[0].type, SVA_PCIE_ROOT_PORT);
	assert_true(p.ports[0].devcap3 & SVA_PCI_DEVCAP3_DMWR_ROUTE);
	assert_int_equal(p.ports[1].type, SVA_PCIE_ENDPOINT);
	assert_int_equal(p.ports[1].devcap2 & (SVA_PCI_DEVCAP2_DMWR_COMP | SVA_PCI_DEVCAP2_DMWR_LEN),
			 SVA_PCI_DEVCAP2_DMWR_COMP | SVA_PCI_DEVCAP2_DMWR_LEN_64B);
	/* Reset: the root port may not issue DMWr yet, so one is refused there. */
	assert_int_equal(p.ports[0].devctl3, 0);
	assert_ptr_equal(sva_pcie_dmwr_route(&p), &p.ports[0]);
	assert_int_equal(p.ports[0].ur, 1);

	assert_int_equal(sva_pci_enable_dmwr(&p, NULL), 0);
	assert_int_equal(p.ports[0].devctl3, SVA_PCI_DEVCTL3_DMWR_REQ);
	assert_null(sva_pcie_dmwr_route(&p));
	assert_int_equal(p.dmwr_sent, 2);
	assert_int_equal(p.dmwr_ur, 1);
}

static void test_path_obstacles(void **state)
{
	struct sva_pcie_path_config cfg = { .nr_switches = 2, .switch_no_dmwr = { false, true } };
	const struct sva_pcie_port *in_way = NULL;
	struct sva_pcie_path p;

	(void)state;
	assert_int_equal(sva_pcie_path_init(&p, &cfg, true), 0);
	assert_int_equal(p.nr, 6);
	assert_string_equal(p.ports[3].name, "sw1.up");
	assert_true(p.ports[1].devcap3 & SVA_PCI_DEVCAP3_DMWR_ROUTE);
	assert_false(p.ports[4].devcap3 & SVA_PCI_DEVCAP3_DMWR_ROUTE);
	/* The kernel enables nothing and names the first port in the way. */
	assert_int_equal(sva_pci_enable_dmwr(&p, &in_way), -EOPNOTSUPP);
	assert_ptr_equal(in_way, &p.ports[3]);
	assert_int_equal(p.ports[0].devctl3, 0);
	/* Forced on anyway, the DMWr dies with UR at that port. */
	p.ports[0].devctl3 = SVA_PCI_DEVCTL3_DMWR_REQ;
	assert_ptr_equal(sva_pcie_dmwr_route(&p), &p.ports[3]);
	assert_int_equal(p.ports[3].ur, 1);

	/* Egress blocking on a downstream port stops it too; an upstream port has no say. */
	cfg.switch_no_dmwr[1] = false;
	assert_int_equal(sva_pcie_path_init(&p, &cfg, true), 0);
	assert_int_equal(sva_pci_enable_dmwr(&p, NULL), 0);
	p.ports[1].devctl3 |= SVA_PCI_DEVCTL3_DMWR_EGRESS_BLK;
	assert_null(sva_pcie_dmwr_route(&p));
	p.ports[2].devctl3 |= SVA_PCI_DEVCTL3_DMWR_EGRESS_BLK;
	assert_ptr_equal(sva_pcie_dmwr_route(&p), &p.ports[2]);
	assert_ptr_equal(sva_pcie_dmwr_obstacle(&p), &p.ports[2]);

	/* A device that cannot complete DMWr: the endpoint is what is in the way. */
	assert_int_equal(sva_pcie_path_init(&p, NULL, false), 0);
	assert_int_equal(sva_pci_enable_dmwr(&p, &in_way), -EOPNOTSUPP);
	assert_int_equal(in_way->type, SVA_PCIE_ENDPOINT);

	cfg.nr_switches = SVA_PCIE_MAX_SWITCHES + 1;
	assert_int_equal(sva_pcie_path_init(&p, &cfg, true), -EINVAL);
}

/* ---- the whole system ----------------------------------------------------------------- */

static struct sva_system *sys_with(const struct sva_pcie_path_config *path, const char *accel,
				   char *err, size_t errlen)
{
	return sva_system_create_err(&(struct sva_system_config){
		.seed = 1, .ram_size = 256ull << 20, .accel_config = accel, .pcie_path = *path,
	}, err, errlen);
}

/* A system that must come up; *@path gets its DSA's PCIe path. */
static struct sva_system *sys_ok(const struct sva_pcie_path_config *cfg, const char *accel,
				 struct sva_pcie_path **path)
{
	char err[512] = "";
	struct sva_system *sys = sys_with(cfg, accel, err, sizeof(err));

	if (!sys)
		fail_msg("system: %s", err);
	*path = sva_dsa_pcie_path(gu_dsa(sys));
	return sys;
}

static void test_kernel_enables_good_path(void **state)
{
	struct sva_pcie_path_config cfg = { .nr_switches = 1 };
	struct sva_pcie_path *p;
	struct sva_system *sys = sys_ok(&cfg, NULL, &p);

	(void)state;
	assert_int_equal(p->nr, 4);
	assert_true(p->ports[0].devctl3 & SVA_PCI_DEVCTL3_DMWR_REQ);
	assert_true(gu_idxd(sys)->dmwr);
	sva_system_destroy(sys);
}

static void test_no_shared_wq_without_dmwr(void **state)
{
	struct sva_pcie_path_config cfg = { .nr_switches = 1, .switch_no_dmwr = { true } };
	char err[512] = "";
	struct sva_system *sys;

	(void)state;
	/* The default configuration has a shared WQ: the driver refuses it. */
	sys = sys_with(&cfg, NULL, err, sizeof(err));
	assert_null(sys);
	assert_int_equal(errno, EOPNOTSUPP);
	assert_non_null(strstr(err, "wq0.0: mode shared"));
	assert_non_null(strstr(err, "sw0.up"));

	/* Same for a root port that does not carry DMWr. */
	cfg = (struct sva_pcie_path_config){ .root_no_dmwr = true };
	err[0] = 0;
	assert_null(sys_with(&cfg, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "rp does not carry"));
}

struct dw {
	struct sva_system *sys;
	int enq_zf;
	uint8_t status;
	struct sva_cpu_stats cpu;
};

/*
 * On a dedicated WQ: MOVDIR64B runs a memmove (posted, no DMWr), then an
 * ENQCMD to the same portal comes back with ZF set.
 */
static void dwq_main(void *arg)
{
	struct dw *t = arg;
	struct sva_kernel *k = sva_system_kernel(t->sys);
	uint64_t buf = gu_alloc(4 * GU_PAGE, true), desc = buf, cr = buf + 256;
	uint64_t src = buf + GU_PAGE, dst = buf + 2 * GU_PAGE;
	struct dsa_hw_desc d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst, 4096, GU_FL, cr);
	struct gu_wq w;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &w), 0);
	gu_fill(src, 4096, 7);
	gu_prepare(desc, &d);
	GU_CHECK_EQ(sva_movdir64b(w.portal, desc), 0);
	t->status = gu_poll(cr);
	GU_CHECK(gu_holds(dst, 4096, 7, 0));
	t->enq_zf = sva_enqcmd(w.portal, desc);
	sva_cpu_stats(sva_thread_current(k)->lcpu->cpu, &t->cpu);
	sva_close(w.fd);
}

static void test_dedicated_wq_without_dmwr(void **state)
{
	struct sva_pcie_path_config cfg = { .nr_switches = 1, .switch_no_dmwr = { true } };
	char accel[1024];
	struct dw t = { 0 };
	struct sva_dsa_stats st;
	struct sva_pcie_path *p;

	(void)state;
	t.sys = sys_ok(&cfg, gu_config_1wq(accel, sizeof(accel), "dedicated", 16, 0, 0, 1), &p);
	assert_false(gu_idxd(t.sys)->dmwr);
	assert_int_equal(p->ports[0].devctl3, 0);
	gu_run_one(t.sys, dwq_main, &t);
	assert_int_equal(t.status, DSA_COMP_SUCCESS);
	/* ENQCMD: ZF = 1 like a retry, answered by the root port (not enabled), nothing queued. */
	assert_int_equal(t.enq_zf, 1);
	assert_int_equal(t.cpu.enq_ur, 1);
	assert_int_equal(t.cpu.enq_retry, 1);
	assert_int_equal(p->ports[0].ur, 1);
	sva_dsa_stats(gu_dsa(t.sys), &st);
	assert_int_equal(st.dmwr_ur, 1);
	assert_int_equal(st.submitted, 1);	/* the MOVDIR64B only */
	assert_int_equal(st.accepted, 1);
	sva_system_destroy(t.sys);
}

struct sw {
	struct sva_system *sys;
	int zf[4];
};

static void swq_main(void *arg)
{
	struct sw *t = arg;
	uint64_t buf = gu_alloc(2 * GU_PAGE, true), desc = buf, cr = buf + 256;
	struct dsa_hw_desc d = gu_desc(DSA_OPCODE_NOOP, 0, 0, 0, GU_FL, cr);
	struct gu_wq w;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &w), 0);
	gu_prepare(desc, &d);
	for (unsigned i = 0; i < 4; i++)
		t->zf[i] = sva_enqcmd(w.portal, desc);
	sva_close(w.fd);
}

/*
 * A shared WQ on a path that carried DMWr when the kernel enabled it, then
 * a switch downstream port starts blocking DMWr egress: each ENQCMD gets
 * ZF = 1, the device queues nothing, the port counts the URs.
 */
static void test_enqcmd_over_blocked_path(void **state)
{
	struct sva_pcie_path_config cfg = { .nr_switches = 1 };
	char accel[1024];
	struct sw t = { 0 };
	struct sva_dsa_stats st;
	struct sva_pcie_path *p;

	(void)state;
	t.sys = sys_ok(&cfg, gu_config_1wq(accel, sizeof(accel), "shared", 16, 16, 0, 1), &p);
	p->ports[2].devctl3 |= SVA_PCI_DEVCTL3_DMWR_EGRESS_BLK;
	gu_run_one(t.sys, swq_main, &t);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(t.zf[i], 1);
	assert_int_equal(p->ports[2].ur, 4);
	sva_dsa_stats(gu_dsa(t.sys), &st);
	assert_int_equal(st.dmwr_ur, 4);
	assert_int_equal(st.submitted, 0);
	assert_int_equal(st.accepted, 0);
	sva_system_destroy(t.sys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_path_bits),
		cmocka_unit_test(test_path_obstacles),
		cmocka_unit_test(test_kernel_enables_good_path),
		cmocka_unit_test(test_no_shared_wq_without_dmwr),
		cmocka_unit_test(test_dedicated_wq_without_dmwr),
		cmocka_unit_test(test_enqcmd_over_blocked_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
