// SPDX-License-Identifier: MIT
/*
 * What the I/O page fault handler answers when the fault handler cannot
 * resolve a page: Invalid Request for every error (iommu_sva_handle_mm
 * answers VM_FAULT_ERROR so), never Response Failure, which would stop PRI
 * for the whole function.  Only the fault plan's deliberate Response
 * Failure still stops it.  And when the handler drops an exiting mm's last
 * user, the teardown (and a file release in it) runs outside the worker.
 */
#include <errno.h>
#include <stdlib.h>

#include <sva/iommu.h>
#include <sva/paging.h>
#include <sva/phys.h>
#include <sva/system.h>

#include "os/iommu_drv.h"
#include "os/kernel.h"
#include "os/mm.h"
#include "os/proc.h"
#include "system_internal.h"
#include "testutil.h"

/* A PRI device that only records its page responses. */
struct pdev {
	struct sva_pcidev pci;
	struct sva_system *sys;
	struct sva_kernel *k;
	struct sva_waitq resp_wq;
	unsigned nresp;
	int last_code;
	uint16_t next_prgi;
	int codes[8];		/* the answers the guest saw, in order */
	unsigned ncodes;
	bool eperm_after_failure;
};

static void p_page_response(struct sva_pcidev *dev, uint32_t pasid, uint16_t prgi,
			    enum sva_prg_resp code)
{
	struct pdev *pd = dev->priv;

	(void)pasid;
	(void)prgi;
	pd->nresp++;
	pd->last_code = code;
	if (code == SVA_PRG_FAILURE)
		dev->pri_stopped = true;	/* PCIe: Response Failure stops PRI */
	sva_wake_all(pd->k->sim, &pd->resp_wq);
}

static const struct sva_pcidev_ops pdev_ops = { .page_response = p_page_response };

/* One page request for @va, and the answer to it (-EPERM when PRI is off). */
static int page_request(struct pdev *pd, uint32_t pasid, uint64_t va, bool write)
{
	unsigned before = pd->nresp;
	int r = sva_iommu_page_request(&pd->pci, pasid, false, va & ~0xfffull, !write, write, false,
				       pd->next_prgi++ & 0x1ff, true);

	if (r)
		return r;
	while (pd->nresp == before)
		sva_wait(pd->k->sim, &pd->resp_wq);
	return pd->last_code;
}

/*
 * A file mapped by the exiting process, whose release unbinds the device:
 * the unbind drains the page request queue, so it must not run in the
 * thread that empties that queue.
 */
struct late {
	struct pdev *pd;
	struct sva_mm *mm;
	struct sva_bond *bond;
	struct sva_file file;
	char release_task[32];
	bool released;
};

/*
 * A system with the PRI device and one process running @fn, run to its
 * end.  @fn gets @l (which learns the device first), or else the device.
 */
static struct pdev *pdev_run(uint64_t seed, sva_guest_fn fn, struct late *l)
{
	struct pdev *pd = calloc(1, sizeof(*pd));

	assert_non_null(pd);
	pd->sys = sva_system_create(&(struct sva_system_config){ .seed = seed, .ram_size = 64 << 20 });
	assert_non_null(pd->sys);
	pd->k = sva_system_kernel(pd->sys);
	pd->pci = (struct sva_pcidev){ .rid = 0x0200, .ops = &pdev_ops, .priv = pd, .pri_capacity = 64 };
	snprintf(pd->pci.name, sizeof(pd->pci.name), "pri0");
	sva_waitq_init(&pd->resp_wq);
	assert_int_equal(sva_iommu_probe_device(pd->k->iommu, &pd->pci), 0);
	if (l)
		l->pd = pd;
	assert_int_equal(sva_system_spawn(pd->sys, "guest", fn, l ? (void *)l : (void *)pd) > 0, 1);
	assert_int_equal(sva_sim_run(pd->sys->sim), 0);
	return pd;
}

#define BASE 0x7f1000000000ull

static void guest(void *arg)
{
	struct pdev *pd = arg;
	struct sva_kernel *k = pd->k;
	struct sva_mm *mm = sva_thread_current(k)->proc->mm;
	uint64_t pde_slot, pde, bogus = sva_phys_ram_size(k->phys);
	struct sva_bond *b;
	uint32_t pasid;

	assert_int_equal(iommu_sva_bind_device(k->iommu, &pd->pci, mm, &b), 0);
	pasid = iommu_sva_get_pasid(b);
	assert_int_equal(sva_mmap(BASE, 3 * 4096, SVA_PROT_READ | SVA_PROT_WRITE,
				  SVA_MAP_PRIVATE | SVA_MAP_FIXED, -1, 0), (int64_t)BASE);
	assert_int_equal(sva_mprotect(BASE + 4096, 4096, SVA_PROT_READ), 0);
	assert_int_equal(sva_mprotect(BASE + 8192, 4096, SVA_PROT_NONE), 0);

	/* 1. No VMA at all. */
	pd->codes[pd->ncodes++] = page_request(pd, pasid, 0x10000, false);
	/* 2. A write to a read-only VMA; 3. a read of a PROT_NONE one. */
	pd->codes[pd->ncodes++] = page_request(pd, pasid, BASE + 4096, true);
	pd->codes[pd->ncodes++] = page_request(pd, pasid, BASE + 8192, false);
	/*
	 * 4. The handler itself fails: the page directory entry above BASE
	 * points past RAM, so installing the PTE is a machine check (-EIO).
	 */
	assert_int_equal(sva_mm_fault(mm, BASE + 4096, SVA_ACC_READ), 0);	/* builds the tables */
	assert_int_equal(sva_pt_entry_pa(k->phys, &k->paging, mm->pgd, BASE, 2, &pde_slot), 0);
	assert_int_equal(sva_phys_read_u64(k->phys, pde_slot, &pde), 0);
	assert_int_equal(sva_phys_write_u64(k->phys, pde_slot, bogus | (pde & 0xfff)), 0);
	assert_int_equal(sva_mm_fault(mm, BASE, SVA_ACC_WRITE), -EIO);
	pd->codes[pd->ncodes++] = page_request(pd, pasid, BASE, true);
	assert_int_equal(sva_phys_write_u64(k->phys, pde_slot, pde), 0);
	/* 5. PRI still works: the same page now resolves. */
	pd->codes[pd->ncodes++] = page_request(pd, pasid, BASE, true);
	assert_int_not_equal(sva_mm_frame_at(mm, BASE), 0);
	/* 6. A deliberate Response Failure (the fault plan's) still stops PRI. */
	k->iommu->inject_resp_failure = 1;
	pd->codes[pd->ncodes++] = page_request(pd, pasid, BASE + 4096, false);
	pd->eperm_after_failure = page_request(pd, pasid, BASE, false) == -EPERM;
	iommu_sva_unbind_device(b);
}

static void test_unresolvable_faults_get_invalid_and_pri_stays_on(void **state)
{
	struct pdev *pd = pdev_run(16, guest, NULL);
	struct sva_iommu_drv_stats *st;

	(void)state;

	assert_int_equal(pd->ncodes, 6);
	assert_int_equal(pd->codes[0], SVA_PRG_INVALID);
	assert_int_equal(pd->codes[1], SVA_PRG_INVALID);
	assert_int_equal(pd->codes[2], SVA_PRG_INVALID);
	assert_int_equal(pd->codes[3], SVA_PRG_INVALID);	/* the handler's -EIO */
	assert_int_equal(pd->codes[4], SVA_PRG_SUCCESS);
	assert_int_equal(pd->codes[5], SVA_PRG_FAILURE);	/* injected */
	assert_true(pd->eperm_after_failure);
	st = &pd->k->iommu->st;
	assert_int_equal(st->resp_failure->value, 1);
	assert_int_equal(st->resp_invalid->value, 4);
	sva_system_destroy(pd->sys);
	free(pd);
}

/* ---- the worker that answers page requests never runs a file release ------------------ */

static void late_release(struct sva_file *f)
{
	struct late *l = f->private_data;
	struct sva_sim *sim = l->pd->k->sim;

	snprintf(l->release_task, sizeof(l->release_task), "%s", sva_task_name(sva_current(sim)));
	iommu_sva_unbind_device(l->bond);	/* waits until the PRQ is empty */
	l->released = true;
}

static const struct sva_file_ops late_fops = { .release = late_release };


/* Holds mmap_lock for a while, so the iopf worker waits in the fault handler. */
static void locker(void *arg)
{
	struct late *l = arg;
	struct sva_sim *sim = l->pd->k->sim;

	sva_mutex_lock(sim, &l->mm->lock);
	sva_sleep(sim, 500000);
	sva_mutex_unlock(sim, &l->mm->lock);
}

static void late_guest(void *arg)
{
	struct late *l = arg;
	struct pdev *pd = l->pd;
	struct sva_kernel *k = pd->k;
	uint64_t a = 0, fa = 0;
	uint32_t pasid;

	l->mm = sva_thread_current(k)->proc->mm;
	assert_int_equal(iommu_sva_bind_device(k->iommu, &pd->pci, l->mm, &l->bond), 0);
	pasid = iommu_sva_get_pasid(l->bond);
	assert_int_equal(sva_mm_mmap(l->mm, &a, 2 * 4096, SVA_PROT_READ | SVA_PROT_WRITE,
				     SVA_MAP_PRIVATE | SVA_MAP_ANONYMOUS, 0, 0, NULL), 0);
	/* The file: "opened" (one reference), mapped, "closed": the mapping holds it now. */
	l->file = (struct sva_file){ .ops = &late_fops, .private_data = l, .refs = 1 };
	assert_int_equal(sva_mm_mmap_file(l->mm, &l->file, &fa, 4096, SVA_PROT_READ, SVA_MAP_SHARED,
					  SVA_VM_IO, 1ull << 20, "[late]"), 0);
	sva_fput(&l->file);
	assert_false(l->released);
	assert_non_null(sva_task_spawn(k->sim, "locker", locker, l, &(struct sva_task_attr){ .detached = true }));
	sva_nanosleep(1000);
	/* Two groups: the worker takes a user of the mm for the first and waits on the lock. */
	assert_int_equal(sva_iommu_page_request(&pd->pci, pasid, false, a, false, true, false, 1, true), 0);
	assert_int_equal(sva_iommu_page_request(&pd->pci, pasid, false, a + 4096, false, true, false, 2, true), 0);
	sva_nanosleep(100000);
	/* Not the last user any more: the worker's put will be. */
	sva_exit(0);
}

static void test_the_iopf_worker_leaves_the_teardown_to_a_task_of_its_own(void **state)
{
	struct late l = { 0 };
	struct pdev *pd = pdev_run(17, late_guest, &l);

	(void)state;
	/* The release ran, to its end, and not in the PRQ thread it waited for. */
	assert_true(l.released);
	assert_string_equal(l.release_task, "mmput_async");
	assert_int_equal(pd->nresp, 2);
	assert_int_equal(pd->k->iommu->st.unbinds->value, 1);
	sva_system_destroy(pd->sys);
	free(pd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unresolvable_faults_get_invalid_and_pri_stays_on),
		cmocka_unit_test(test_the_iopf_worker_leaves_the_teardown_to_a_task_of_its_own),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
