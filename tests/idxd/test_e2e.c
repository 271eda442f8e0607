// SPDX-License-Identifier: MIT
/*
 * The whole path: a process opens /dev/dsa/wq0.0 (bind, PASID), maps the
 * portal, builds a descriptor in its memory, submits it with ENQCMD (first
 * one through the #GP fixup), and polls the completion record while DSA
 * moves the bytes through ATS, PRI and the IOMMU.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <linux/idxd.h>

#include <sva/dsa.h>
#include <sva/system.h>

#include "os/idxd.h"
#include "os/kernel.h"
#include "os/mm.h"
#include "os/proc.h"
#include "system_internal.h"
#include "testutil.h"

struct e2e {
	struct sva_kernel *k;
	uint64_t size;
	bool touch_src, touch_dst, bof;
	int status, result;
	uint32_t bytes_completed;
	uint64_t fault_addr;
	int equal;
	int enq_rc;
	uint32_t pasid;
	unsigned retries;
};

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 131 + 7);
}

static void build_memmove(uint64_t desc_va, uint64_t cr_va, uint64_t src, uint64_t dst,
			  uint32_t size, bool bof)
{
	struct dsa_hw_desc d;

	memset(&d, 0, sizeof(d));
	d.opcode = DSA_OPCODE_MEMMOVE;
	d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR | (bof ? IDXD_OP_FLAG_BOF : 0);
	d.completion_addr = cr_va;
	d.src_addr = src;
	d.dst_addr = dst;
	d.xfer_size = size;
	assert_int_equal(sva_store(desc_va, &d, sizeof(d)), 0);
}

static void memmove_main(void *arg)
{
	struct e2e *t = arg;
	int fd = sva_open("/dev/dsa/wq0.0", SVA_O_RDWR);
	uint64_t portal, buf, src, dst, desc, cr, left, off = 0;
	uint8_t status = 0;

	assert_true(fd >= 0);
	portal = (uint64_t)sva_mmap(0, 4096, SVA_PROT_WRITE, SVA_MAP_SHARED, fd, 0);
	buf = (uint64_t)sva_mmap(0, 2 * t->size + 8192, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE, -1, 0);
	src = buf + 8192;
	dst = src + t->size;
	desc = buf;
	cr = buf + 4096;
	for (uint64_t i = 0; i < t->size; i++) {
		uint8_t b = pattern(i);

		sva_store(src + i, &b, 1);
	}
	if (t->touch_dst)
		for (uint64_t p = 0; p < t->size; p += 4096)
			sva_store64(dst + p, 0);
	left = t->size;
	/* Submit; on a partial completion touch the page and resubmit the rest. */
	for (int round = 0; round < 64; round++) {
		struct dsa_completion_record rec;

		build_memmove(desc, cr, src + off, dst + off, (uint32_t)left, t->bof);
		sva_store64(cr, 0);
		while ((t->enq_rc = sva_enqcmd(portal, desc)) == 1)
			t->retries++;
		status = 0;
		for (int spins = 0; spins < 1000000 && !status; spins++) {
			sva_load(cr, &status, 1);
			if (!status)
				sva_spin(100);
		}
		sva_load(cr, &rec, sizeof(rec));
		if (round == 0) {
			t->status = status;
			t->bytes_completed = rec.bytes_completed;
			t->fault_addr = rec.fault_addr;
		}
		if ((status & 0x7f) != DSA_COMP_PAGE_FAULT_NOBOF)
			break;
		t->result++;	/* resubmissions */
		sva_store64(rec.fault_addr & ~0xfffull, 0);	/* touch the page (a write fault) */
		off += rec.bytes_completed;
		left -= rec.bytes_completed;
	}
	t->equal = (status & 0x7f) == DSA_COMP_SUCCESS;
	for (uint64_t i = 0; t->equal && i < t->size; i += 61) {
		uint8_t b;

		sva_load(dst + i, &b, 1);
		if (b != pattern(i))
			t->equal = 0;
	}
	t->pasid = sva_thread_current(t->k)->proc->mm->pasid;
	sva_close(fd);
}

static struct sva_system *sys_new(uint64_t seed)
{
	struct sva_system *sys = sva_system_create(&(struct sva_system_config){
		.seed = seed, .ram_size = 256 << 20 });

	assert_non_null(sys);
	return sys;
}

static void run_e2e(struct e2e *t, uint64_t seed, struct sva_system **out)
{
	struct sva_system *sys = sys_new(seed);
	struct sva_exit_status es;
	int pid;

	t->k = sva_system_kernel(sys);
	pid = sva_system_spawn(sys, "memmove", memmove_main, t);
	assert_true(pid > 0);
	assert_int_equal(sva_sim_run(sva_system_sim(sys)), 0);
	assert_int_equal(sva_system_proc_status(sys, pid, &es), 0);
	if (es.signal)
		fail_msg("process died: signal %d, %s", es.signal, es.reason);
	*out = sys;
}

static void test_memmove_through_bind_gp_fixup_enqcmd_and_ats(void **state)
{
	struct e2e t = { .size = 64 * 1024, .touch_dst = true };
	struct sva_system *sys;
	struct sva_dsa_stats ds;

	(void)state;
	run_e2e(&t, tu_seed(1), &sys);
	assert_int_equal(t.status, DSA_COMP_SUCCESS);
	assert_true(t.equal);
	assert_int_equal(t.enq_rc, 0);
	assert_int_equal(t.result, 0);
	assert_int_not_equal(t.pasid, 0);
	assert_int_equal(sva_system_kernel(sys)->st.gp_fixups->value, 1);
	sva_dsa_stats(sva_system_kernel(sys)->idxds->dsa, &ds);
	assert_int_equal(ds.completed, 1);
	assert_int_equal(ds.cr_writes, 1);
	assert_true(ds.atc_misses > 0);
	sva_system_destroy(sys);
}

/*
 * wq0.0 with ATS disabled (WQCFG bit 2): the device caches nothing, every
 * access is an untranslated request the IOMMU translates, and the bytes
 * are the same.
 */
static void test_memmove_on_an_ats_disabled_wq(void **state)
{
	struct e2e t = { .size = 64 * 1024, .touch_dst = true };
	const char *dir = getenv("SVA_SOURCE_DIR");
	char path[1024], *text, *at;
	size_t len;
	FILE *f;
	struct sva_system *sys;
	struct sva_exit_status es;
	struct sva_dsa_stats ds;
	int pid;

	(void)state;
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/examples/configs/default.json", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	text = calloc(1, 1 << 16);
	assert_non_null(text);
	len = fread(text, 1, (1 << 16) - 1, f);
	fclose(f);
	assert_true(len > 0);
	at = strstr(text, "\"ats_disable\":0");	/* the first WQ: wq0.0 */
	assert_non_null(at);
	at[strlen("\"ats_disable\":")] = '1';
	sys = sva_system_create(&(struct sva_system_config){ .seed = tu_seed(5), .ram_size = 256 << 20,
							     .accel_config = text });
	assert_non_null(sys);
	t.k = sva_system_kernel(sys);
	pid = sva_system_spawn(sys, "memmove", memmove_main, &t);
	assert_true(pid > 0);
	assert_int_equal(sva_sim_run(sva_system_sim(sys)), 0);
	assert_int_equal(sva_system_proc_status(sys, pid, &es), 0);
	assert_int_equal(es.signal, 0);
	assert_int_equal(t.status, DSA_COMP_SUCCESS);
	assert_true(t.equal);
	sva_dsa_stats(t.k->idxds->dsa, &ds);
	assert_int_equal(ds.atc_hits + ds.atc_misses, 0);
	/* 16 source and 16 destination pages, and the descriptor's record */
	assert_true(ds.untranslated >= 33);
	sva_system_destroy(sys);
	free(text);
}

static void test_memmove_without_bof_completes_partially_and_resubmission_finishes(void **state)
{
	struct e2e t = { .size = 5 * 4096 + 100, .touch_dst = false };
	struct sva_system *sys;

	(void)state;
	run_e2e(&t, tu_seed(2), &sys);
	assert_int_equal(t.status, DSA_COMP_PAGE_FAULT_NOBOF | DSA_COMP_STATUS_WRITE);
	/*
	 * The destination starts inside the source's last page (touched): the
	 * copy gets to the end of that page and stops at the next one.
	 */
	assert_int_equal(t.bytes_completed, 4096 - (8192 + t.size) % 4096);
	assert_int_equal(t.fault_addr & 0xfff, 0);
	assert_int_equal(t.result, 5);			/* one resubmission per missing page */
	assert_true(t.equal);
	sva_system_destroy(sys);
}

static void test_memmove_with_block_on_fault_resolves_through_pri_and_iopf(void **state)
{
	struct e2e t = { .size = 5 * 4096 + 100, .touch_dst = false, .bof = true };
	struct sva_system *sys;
	struct sva_dsa_stats ds;

	(void)state;
	run_e2e(&t, tu_seed(3), &sys);
	assert_int_equal(t.status, DSA_COMP_SUCCESS);
	assert_int_equal(t.result, 0);
	assert_true(t.equal);
	sva_dsa_stats(sva_system_kernel(sys)->idxds->dsa, &ds);
	assert_int_equal(ds.page_requests, 5);	/* one per untouched destination page */
	assert_int_equal(ds.prs_success, ds.page_requests);
	sva_system_destroy(sys);
}

/* Block on fault has no small cap on faults per descriptor: 96 untouched pages in one copy. */
static void test_block_on_fault_resolves_many_pages_in_one_descriptor(void **state)
{
	struct e2e t = { .size = 96 * 4096, .touch_dst = false, .bof = true };
	struct sva_system *sys;
	struct sva_dsa_stats ds;

	(void)state;
	run_e2e(&t, tu_seed(4), &sys);
	assert_int_equal(t.status, DSA_COMP_SUCCESS);
	assert_true(t.equal);
	sva_dsa_stats(sva_system_kernel(sys)->idxds->dsa, &ds);
	assert_true(ds.page_requests >= 96);
	assert_int_equal(ds.prs_success, ds.page_requests);
	assert_int_equal(ds.page_faults_partial, 0);
	sva_system_destroy(sys);
}

/* A fork child inherits the open WQ file but must not submit with the parent's PASID. */
struct inherit {
	int fd;
	int64_t mmap_rc, write_rc;
	uint64_t buf;
};

static void inherit_child(void *arg)
{
	struct inherit *in = arg;

	in->mmap_rc = sva_mmap(0, 4096, SVA_PROT_WRITE, SVA_MAP_SHARED, in->fd, 0);
	in->write_rc = sva_write(in->fd, in->buf, 64);
}

static void inherit_parent(void *arg)
{
	struct inherit *in = arg;
	int status;
	int pid;

	in->fd = sva_open("/dev/dsa/wq0.0", SVA_O_RDWR);
	assert_true(in->fd >= 0);
	in->buf = (uint64_t)sva_mmap(0, 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE, -1, 0);
	sva_store64(in->buf, 0);
	pid = sva_fork(inherit_child, in);
	assert_true(pid > 0);
	sva_waitpid(pid, &status);
	/* The opener itself still may. */
	assert_true(sva_mmap(0, 4096, SVA_PROT_WRITE, SVA_MAP_SHARED, in->fd, 0) > 0);
	sva_close(in->fd);
}

static void test_fork_child_cannot_use_the_parents_wq_file(void **state)
{
	struct sva_system *sys = sys_new(7);
	struct inherit in = { 0 };

	(void)state;
	sva_system_spawn(sys, "parent", inherit_parent, &in);
	assert_int_equal(sva_sim_run(sva_system_sim(sys)), 0);
	assert_int_equal(in.mmap_rc, -EPERM);
	assert_int_equal(in.write_rc, -EPERM);
	sva_system_destroy(sys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memmove_through_bind_gp_fixup_enqcmd_and_ats),
		cmocka_unit_test(test_memmove_on_an_ats_disabled_wq),
		cmocka_unit_test(test_memmove_without_bof_completes_partially_and_resubmission_finishes),
		cmocka_unit_test(test_memmove_with_block_on_fault_resolves_through_pri_and_iopf),
		cmocka_unit_test(test_block_on_fault_resolves_many_pages_in_one_descriptor),
		cmocka_unit_test(test_fork_child_cannot_use_the_parents_wq_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
