// SPDX-License-Identifier: MIT
/*
 * What the I/O page fault handler answers when the fault handler cannot
 * resolve a page: Invalid Request for every error (iommu_sva_handle_mm
 * answers VM_FAULT_ERROR so), never Response Failure, which would stop PRI
 * for the whole function.  Only the fault plan's deliberate Response
 * Failure still stops it.
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
	struct pdev *pd = calloc(1, sizeof(*pd));
	struct sva_iommu_drv_stats *st;

	(void)state;
	assert_non_null(pd);
	pd->sys = sva_system_create(&(struct sva_system_config){ .seed = 16, .ram_size = 64 << 20 });
	assert_non_null(pd->sys);
	pd->k = sva_system_kernel(pd->sys);
	pd->pci = (struct sva_pcidev){ .rid = 0x0200, .ops = &pdev_ops, .priv = pd, .pri_capacity = 64 };
	snprintf(pd->pci.name, sizeof(pd->pci.name), "pri0");
	sva_waitq_init(&pd->resp_wq);
	assert_int_equal(sva_iommu_probe_device(pd->k->iommu, &pd->pci), 0);
	assert_int_equal(sva_system_spawn(pd->sys, "faulter", guest, pd) > 0, 1);
	assert_int_equal(sva_sim_run(pd->sys->sim), 0);

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unresolvable_faults_get_invalid_and_pri_stays_on),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
