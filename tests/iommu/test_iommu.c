// SPDX-License-Identifier: MIT
/*
 * The IOMMU and the kernel's SVA layer with a mock ATS/PRI device: bind,
 * first-level translation against the CPU walk, invalidation on every
 * narrowing change with the device-TLB handshake, page requests and I/O
 * page faults, PRQ overflow, unbind and exit with requests outstanding.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sva/iommu.h>
#include <sva/machine.h>
#include <sva/paging.h>
#include <sva/system.h>

#include "hw/iommu/iommu_internal.h"
#include "os/iommu_drv.h"
#include "os/kernel.h"
#include "os/mm.h"
#include "os/proc.h"
#include "system_internal.h"
#include "testutil.h"

/* ---- a mock ATS/PRI device with a small ATC ------------------------------------- */

#define ATC_N 128
#define MAX_RESP 512

struct atc_entry {
	bool valid;
	uint32_t pasid;
	uint64_t page;
	struct sva_ats_xlat x;
};

struct mdev {
	struct sva_pcidev pci;
	struct sva_system *sys;
	struct sva_kernel *k;
	struct atc_entry atc[ATC_N];
	unsigned atc_next;
	/* invalidation handshake */
	sva_time_t inv_delay;
	bool inv_never;
	unsigned invs;
	sva_time_t last_inv_done;
	struct pend { struct sva_event ev; uint32_t itag; struct mdev *md; bool busy; } pend[32];
	/* page responses */
	struct { uint32_t pasid; uint16_t prgi; int code; } resp[MAX_RESP];
	unsigned nresp;
	struct sva_waitq resp_wq;
	uint16_t next_prgi;
	unsigned stale_uses;	/* ATC hits that disagreed with the page tables */
	/* the char device that binds */
	struct sva_chardev cdev;
	struct sva_file file;
	struct sva_bond *bond;
};

static void pend_fire(struct sva_sim *sim, struct sva_event *ev)
{
	struct pend *p = (struct pend *)ev;	/* ev is its first member */

	(void)sim;
	p->busy = false;
	p->md->last_inv_done = sva_now(sim);
	sva_iommu_ats_inv_done(&p->md->pci, p->itag);
}

static void m_ats_invalidate(struct sva_pcidev *dev, uint32_t itag, uint32_t pasid,
			     uint64_t addr, uint64_t size, bool global)
{
	struct mdev *md = dev->priv;

	md->invs++;
	for (unsigned i = 0; i < ATC_N; i++) {
		struct atc_entry *e = &md->atc[i];

		if (e->valid && (global || e->pasid == pasid) &&
		    e->page < addr + size && addr < e->page + e->x.size)
			e->valid = false;
	}
	if (md->inv_never)
		return;
	if (!md->inv_delay) {
		md->last_inv_done = sva_now(md->k->sim);
		sva_iommu_ats_inv_done(dev, itag);
		return;
	}
	for (unsigned i = 0; i < 32; i++)
		if (!md->pend[i].busy) {
			md->pend[i].busy = true;
			md->pend[i].itag = itag;
			md->pend[i].md = md;
			sva_event_init(&md->pend[i].ev, pend_fire);
			sva_event_after(md->k->sim, &md->pend[i].ev, md->inv_delay);
			return;
		}
	fail_msg("more than 32 invalidations in flight");
}

static void m_page_response(struct sva_pcidev *dev, uint32_t pasid, uint16_t prgi,
			    enum sva_prg_resp code)
{
	struct mdev *md = dev->priv;

	if (md->nresp < MAX_RESP) {
		md->resp[md->nresp].pasid = pasid;
		md->resp[md->nresp].prgi = prgi;
		md->resp[md->nresp].code = code;
	}
	md->nresp++;
	if (code == SVA_PRG_FAILURE)
		dev->pri_stopped = true;	/* PCIe: Response Failure disables PRI */
	sva_wake_all(md->k->sim, &md->resp_wq);
}

static const struct sva_pcidev_ops mdev_ops = {
	.ats_invalidate = m_ats_invalidate,
	.page_response = m_page_response,
};

/* The mock's "driver": open binds the caller's mm, close unbinds. */
static void m_release(struct sva_file *f)
{
	struct mdev *md = f->private_data;

	if (md->bond)
		iommu_sva_unbind_device(md->bond);
	md->bond = NULL;
}

static const struct sva_file_ops m_fops = { .release = m_release };

static int m_open(struct sva_chardev *c, struct sva_proc *p, struct sva_file **out)
{
	struct mdev *md = c->private_data;
	int r = iommu_sva_bind_device(md->k->iommu, &md->pci, p->mm, &md->bond);

	if (r)
		return r;
	md->file.refs = 1;
	*out = &md->file;
	return 0;
}

static struct mdev *mdev_new(const struct sva_system_config *cfg)
{
	struct mdev *md = calloc(1, sizeof(*md));

	assert_non_null(md);
	md->sys = sva_system_create(cfg);
	assert_non_null(md->sys);
	md->k = sva_system_kernel(md->sys);
	md->pci = (struct sva_pcidev){ .rid = 0x0100, .ops = &mdev_ops, .priv = md, .pri_capacity = 512 };
	snprintf(md->pci.name, sizeof(md->pci.name), "mock0");
	sva_waitq_init(&md->resp_wq);
	assert_int_equal(sva_iommu_probe_device(md->k->iommu, &md->pci), 0);
	snprintf(md->cdev.path, sizeof(md->cdev.path), "/dev/mockats");
	md->cdev.open = m_open;
	md->cdev.private_data = md;
	md->file = (struct sva_file){ .ops = &m_fops, .private_data = md };
	assert_int_equal(sva_chardev_register(md->k, &md->cdev), 0);
	return md;
}

static void mdev_free(struct mdev *md)
{
	sva_system_destroy(md->sys);
	free(md);
}

/* What the CPU would translate @va to for a user access: the checker's reference. */
static int cpu_walk(struct mdev *md, struct sva_mm *mm, uint64_t va, bool write, uint64_t *pa)
{
	struct sva_paging_mode mode = md->k->paging;
	struct sva_walk_result res;
	int r;

	mode.set_ad = false;
	r = sva_walk(md->k->phys, &mode, &(struct sva_walk_req){
		.root = mm->pgd, .va = va, .access = write ? SVA_ACC_WRITE : SVA_ACC_READ, .user = true,
	}, &res);
	if (r == SVA_WALK_OK)
		*pa = res.pa & ~(res.page_size - 1);
	return r;
}

/*
 * A device access at @va: ATC, else ATS, else PRI and wait for the response,
 * then try again.  Every ATC hit is checked against the CPU's page tables:
 * a hit that disagrees is a stale translation.  Returns 0 with *pa, or the
 * response code / -ENXIO that ended it.
 */
static int dev_access(struct mdev *md, struct sva_mm *mm, uint32_t pasid, uint64_t va,
		      bool write, uint64_t *pa)
{
	uint64_t page = va & ~0xfffull;

	for (int tries = 0; tries < 16; tries++) {
		struct sva_ats_xlat x;
		int r;

		/* A Success that did not help (an auto-response): back off before asking again. */
		if (tries > 1)
			sva_sleep(md->k->sim, 1000);

		for (unsigned i = 0; i < ATC_N; i++) {
			struct atc_entry *e = &md->atc[i];
			uint64_t ref;

			if (!e->valid || e->pasid != pasid || page < e->page || page >= e->page + e->x.size)
				continue;
			if (write ? !e->x.w : !e->x.r)
				break;
			if (cpu_walk(md, mm, va, write, &ref) != SVA_WALK_OK || ref != e->x.pa)
				md->stale_uses++;
			*pa = e->x.pa;
			return 0;
		}
		r = sva_iommu_ats_translate(&md->pci, pasid, false, va, write, &x);
		if (r)
			return r;
		if (write ? x.w : x.r) {
			struct atc_entry *e = &md->atc[md->atc_next++ % ATC_N];

			*e = (struct atc_entry){ .valid = true, .pasid = pasid,
						 .page = va & ~(x.size - 1), .x = x };
			*pa = x.pa;
			return 0;
		}
		{
			unsigned before = md->nresp;
			uint16_t prgi = md->next_prgi++ & 0x1ff;

			r = sva_iommu_page_request(&md->pci, pasid, false, page, !write, write, false, prgi, true);
			if (r == -EPERM)
				return r;
			while (md->nresp == before)
				sva_wait(md->k->sim, &md->resp_wq);
			if (md->resp[before].code != SVA_PRG_SUCCESS)
				return md->resp[before].code;
		}
	}
	return -ELOOP;
}

/* ---- translation equals the CPU walk ---------------------------------------------- */

static void test_translation_equals_the_cpu_walk_on_10000_random_mappings(void **state)
{
	uint64_t seed = tu_seed(77);

	(void)state;
	for (uint64_t s = seed; s < seed + 2; s++) {
		struct mdev *md = mdev_new(&(struct sva_system_config){ .seed = s, .ram_size = 256 << 20 });
		struct sva_mm *mm = sva_mm_create(md->k);
		struct sva_bond *b;
		uint64_t rs = s * 2654435761u + 1, checked = 0;
		uint64_t base[40];
		unsigned prot[40];

		assert_non_null(mm);
		for (int i = 0; i < 40; i++) {
			base[i] = 0;
			rs = rs * 6364136223846793005ull + 1442695040888963407ull;
			prot[i] = (rs >> 40) & 1 ? SVA_PROT_READ : SVA_PROT_READ | SVA_PROT_WRITE;
			assert_int_equal(sva_mm_mmap(mm, &base[i], 250 * 4096, prot[i],
						     SVA_MAP_PRIVATE | SVA_MAP_ANONYMOUS, 0, 0, NULL), 0);
			for (int p = 0; p < 250; p++)
				assert_int_equal(sva_mm_fault(mm, base[i] + p * 4096ull,
							      prot[i] & SVA_PROT_WRITE && (p & 1) ? SVA_ACC_WRITE : SVA_ACC_READ), 0);
		}
		assert_int_equal(iommu_sva_bind_device(md->k->iommu, &md->pci, mm, &b), 0);
		for (int i = 0; i < 40; i++)
			for (int p = 0; p < 250; p++) {
				uint64_t va = base[i] + p * 4096ull + ((rs >> 20) & 0xff8), ref;
				struct sva_ats_xlat x;
				bool w = (p % 3) == 0;

				rs = rs * 6364136223846793005ull + 1;
				assert_int_equal(sva_iommu_ats_translate(&md->pci, b->pasid, false, va, w, &x), 0);
				if (cpu_walk(md, mm, va, w, &ref) == SVA_WALK_OK) {
					assert_true(x.r);
					assert_int_equal(x.pa, ref);
					assert_int_equal(x.pa, sva_mm_frame_at(mm, va));
					if (w)
						assert_true(x.w);
				} else {
					assert_true(w && !(prot[i] & SVA_PROT_WRITE));
					assert_false(x.w);
				}
				/* Supervisor requests are refused: the entry has no SRE. */
				assert_int_equal(sva_iommu_ats_translate(&md->pci, b->pasid, true, va, false, &x), -ENXIO);
				checked++;
			}
		assert_int_equal(checked, 10000);
		/* Addresses that map nothing translate to "not present", never to a frame. */
		{
			struct sva_ats_xlat x;

			assert_int_equal(sva_iommu_ats_translate(&md->pci, b->pasid, false, 0x1000, false, &x), 0);
			assert_false(x.r || x.w);
		}
		iommu_sva_unbind_device(b);
		sva_mmput(mm);
		mdev_free(md);
	}
}

static void test_iotlb_capacity_pressure_evicts_but_stays_correct(void **state)
{
	struct sva_iommu_config ic = { .iotlb_sets = 1, .iotlb_ways = 4 };
	struct mdev *md = mdev_new(&(struct sva_system_config){ .seed = 1, .iommu = &ic, .ram_size = 64 << 20 });
	struct sva_mm *mm = sva_mm_create(md->k);
	struct sva_iommu_stats st;
	struct sva_bond *b;
	uint64_t a = 0;

	(void)state;
	assert_int_equal(sva_mm_mmap(mm, &a, 64 * 4096, SVA_PROT_READ | SVA_PROT_WRITE,
				     SVA_MAP_PRIVATE | SVA_MAP_ANONYMOUS, 0, 0, NULL), 0);
	for (int p = 0; p < 64; p++)
		assert_int_equal(sva_mm_fault(mm, a + p * 4096ull, SVA_ACC_WRITE), 0);
	assert_int_equal(iommu_sva_bind_device(md->k->iommu, &md->pci, mm, &b), 0);
	for (int round = 0; round < 2; round++)
		for (int p = 0; p < 64; p++) {
			struct sva_ats_xlat x;

			assert_int_equal(sva_iommu_ats_translate(&md->pci, b->pasid, false, a + p * 4096ull, true, &x), 0);
			assert_int_equal(x.pa, sva_mm_frame_at(mm, a + p * 4096ull));
		}
	sva_iommu_stats(md->k->iommu->hw, &st);
	assert_true(st.iotlb_evictions >= 120);
	assert_int_equal(st.iotlb_misses, 128);	/* LRU over 4 ways never hits a 64-page loop */
	iommu_sva_unbind_device(b);
	sva_mmput(mm);
	mdev_free(md);
}

/* ---- invalidation on every narrowing change ------------------------------------------ */

struct guest {
	struct mdev *md;
	uint32_t pasid;
	uint64_t a;
	int fd;
	sva_time_t munmap_took;
	int err;
	unsigned phase;
};

static struct sva_mm *my_mm(struct mdev *md)
{
	return sva_thread_current(md->k)->proc->mm;
}

static void touch_all_by_device(struct guest *g, int pages, bool write)
{
	for (int p = 0; p < pages; p++) {
		uint64_t pa;

		assert_int_equal(dev_access(g->md, my_mm(g->md), g->pasid, g->a + p * 4096ull, write, &pa), 0);
	}
}

static bool atc_has(struct mdev *md, uint32_t pasid, uint64_t va, bool writable)
{
	for (unsigned i = 0; i < ATC_N; i++) {
		struct atc_entry *e = &md->atc[i];

		if (e->valid && e->pasid == pasid && va >= e->page && va < e->page + e->x.size &&
		    (!writable || e->x.w))
			return true;
	}
	return false;
}

static void child_noop(void *arg)
{
	(void)arg;
}

static void narrowing_main(void *arg)
{
	struct guest *g = arg;
	struct mdev *md = g->md;
	struct sva_ats_xlat x;
	sva_time_t t0;
	int status;

	g->fd = sva_open("/dev/mockats", SVA_O_RDWR);
	assert_true(g->fd >= 0);
	g->pasid = my_mm(md)->pasid;
	g->a = (uint64_t)sva_mmap(0, 4 * 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE, -1, 0);
	for (int p = 0; p < 4; p++)
		sva_store64(g->a + p * 4096ull, 1);
	touch_all_by_device(g, 4, true);
	assert_true(atc_has(md, g->pasid, g->a, true));

	/* munmap: gone from the ATC when munmap returns, and ATS says not present. */
	t0 = sva_now(md->k->sim);
	assert_int_equal(sva_munmap(g->a, 4096), 0);
	g->munmap_took = sva_now(md->k->sim) - t0;
	assert_false(atc_has(md, g->pasid, g->a, false));
	assert_int_equal(sva_iommu_ats_translate(&md->pci, g->pasid, false, g->a, false, &x), 0);
	assert_false(x.r);

	/* mprotect to read-only: no writable translation survives. */
	assert_int_equal(sva_mprotect(g->a + 4096, 4096, SVA_PROT_READ), 0);
	assert_false(atc_has(md, g->pasid, g->a + 4096, true));
	assert_int_equal(sva_iommu_ats_translate(&md->pci, g->pasid, false, g->a + 4096, true, &x), 0);
	assert_false(x.w);

	/* fork write-protects the parent's private pages: same rule. */
	assert_true(atc_has(md, g->pasid, g->a + 2 * 4096, true));
	assert_true(sva_fork(child_noop, NULL) > 0);
	assert_false(atc_has(md, g->pasid, g->a + 2 * 4096, true));
	/* The parent's next device write breaks COW; the device sees the new frame. */
	touch_all_by_device(g, 0, true);
	{
		uint64_t pa;

		assert_int_equal(dev_access(md, my_mm(md), g->pasid, g->a + 2 * 4096, true, &pa), 0);
		assert_int_equal(pa, sva_mm_frame_at(my_mm(md), g->a + 2 * 4096));
	}
	sva_waitpid(-1, &status);
	sva_close(g->fd);
}

static void test_no_device_access_uses_a_translation_after_munmap_mprotect_or_cow(void **state)
{
	struct mdev *md = mdev_new(&(struct sva_system_config){ .seed = tu_seed(3), .ram_size = 64 << 20 });
	struct guest g = { .md = md };

	(void)state;
	md->inv_delay = 3000;	/* the device takes 3 us to confirm an invalidation */
	sva_system_spawn(md->sys, "narrow", narrowing_main, &g);
	assert_int_equal(sva_sim_run(md->sys->sim), 0);
	assert_int_equal(md->stale_uses, 0);
	assert_true(md->invs >= 3);
	/* munmap waited for the device's answer before returning. */
	assert_true(g.munmap_took >= 3000);
	mdev_free(md);
}

static void ranges_main(void *arg)
{
	struct guest *g = arg;
	struct mdev *md = g->md;

	g->fd = sva_open("/dev/mockats", SVA_O_RDWR);
	g->pasid = my_mm(md)->pasid;
	g->a = (uint64_t)sva_mmap(0, 16 * 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE, -1, 0);
	for (int p = 0; p < 16; p++)
		sva_store64(g->a + p * 4096ull, 1);
	touch_all_by_device(g, 16, true);
	/* A multi-page range (encoded with S=1) must reach every page of it. */
	assert_int_equal(sva_munmap(g->a + 4 * 4096, 4 * 4096), 0);
	for (int p = 4; p < 8; p++)
		assert_false(atc_has(md, g->pasid, g->a + p * 4096ull, false));
	assert_true(atc_has(md, g->pasid, g->a + 3 * 4096, false));	/* ... and only those */
	assert_true(atc_has(md, g->pasid, g->a + 8 * 4096, false));
	/* Unbind flushes the whole PASID from the device TLB. */
	sva_close(g->fd);
	for (int p = 0; p < 16; p++)
		assert_false(atc_has(md, g->pasid, g->a + p * 4096ull, false));
}

static void test_multi_page_and_whole_pasid_device_tlb_invalidations_hit_every_page(void **state)
{
	struct mdev *md = mdev_new(&(struct sva_system_config){ .seed = 4, .ram_size = 64 << 20 });
	struct guest g = { .md = md };

	(void)state;
	sva_system_spawn(md->sys, "ranges", ranges_main, &g);
	assert_int_equal(sva_sim_run(md->sys->sim), 0);
	assert_int_equal(md->stale_uses, 0);
	mdev_free(md);
}

static void ite_main(void *arg)
{
	struct guest *g = arg;
	struct mdev *md = g->md;

	g->fd = sva_open("/dev/mockats", SVA_O_RDWR);
	g->pasid = my_mm(md)->pasid;
	g->a = (uint64_t)sva_mmap(0, 2 * 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE, -1, 0);
	sva_store64(g->a, 1);
	sva_store64(g->a + 4096, 1);
	touch_all_by_device(g, 2, true);
	md->inv_never = true;		/* the device stops answering */
	assert_int_equal(sva_munmap(g->a, 4096), 0);	/* still returns: ITE */
	md->inv_never = false;
	assert_int_equal(sva_munmap(g->a + 4096, 4096), 0);
	sva_close(g->fd);
}

static void test_device_tlb_invalidation_timeout_is_reported_and_recovered(void **state)
{
	struct sva_iommu_config ic = { .devtlb_timeout = 10000 };
	struct mdev *md = mdev_new(&(struct sva_system_config){ .seed = 2, .iommu = &ic, .ram_size = 64 << 20 });
	struct guest g = { .md = md };
	struct sva_iommu_stats st;

	(void)state;
	sva_system_spawn(md->sys, "ite", ite_main, &g);
	assert_int_equal(sva_sim_run(md->sys->sim), 0);
	sva_iommu_stats(md->k->iommu->hw, &st);
	assert_int_equal(st.ite, 1);
	assert_int_equal(md->k->iommu->hw->fsts & SVA_FSTS_ITE, 0);	/* the driver cleared it */
	mdev_free(md);
}

/* ---- page requests ------------------------------------------------------------------------ */

static void pri_main(void *arg)
{
	struct guest *g = arg;
	struct mdev *md = g->md;
	uint64_t pa;

	g->fd = sva_open("/dev/mockats", SVA_O_RDWR);
	g->pasid = my_mm(md)->pasid;
	/* Never touched by the CPU: the device's first write faults it in. */
	g->a = (uint64_t)sva_mmap(0, 2 * 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE, -1, 0);
	assert_int_equal(sva_mm_frame_at(my_mm(md), g->a), 0);
	assert_int_equal(dev_access(md, my_mm(md), g->pasid, g->a + 8, true, &pa), 0);
	assert_int_equal(pa, sva_mm_frame_at(my_mm(md), g->a));
	assert_int_equal(md->resp[0].code, SVA_PRG_SUCCESS);
	/* No VMA there: Invalid Request, and nothing gets mapped. */
	g->err = dev_access(md, my_mm(md), g->pasid, 0x10000, false, &pa);
	/* A read-only page written by the device: Invalid Request too. */
	assert_int_equal(sva_mprotect(g->a + 4096, 4096, SVA_PROT_READ), 0);
	assert_int_equal(dev_access(md, my_mm(md), g->pasid, g->a + 4096, true, &pa), SVA_PRG_INVALID);
	/* Response failure stops PRI on the device. */
	md->k->iommu->inject_resp_failure = 1;
	assert_int_equal(sva_munmap(g->a, 4096), 0);
	assert_int_equal(dev_access(md, my_mm(md), g->pasid, g->a + 8, true, &pa), SVA_PRG_FAILURE);
	assert_true(md->pci.pri_stopped);
	assert_int_equal(sva_iommu_page_request(&md->pci, g->pasid, false, g->a, true, false, false, 1, true), -EPERM);
	sva_close(g->fd);
}

static void test_page_request_iopf_success_then_invalid_and_failure(void **state)
{
	struct mdev *md = mdev_new(&(struct sva_system_config){ .seed = 5, .ram_size = 64 << 20 });
	struct guest g = { .md = md };

	(void)state;
	sva_system_spawn(md->sys, "pri", pri_main, &g);
	assert_int_equal(sva_sim_run(md->sys->sim), 0);
	assert_int_equal(g.err, SVA_PRG_INVALID);
	assert_int_equal(md->stale_uses, 0);
	mdev_free(md);
}

#define FLOOD 200

static void flood_main(void *arg)
{
	struct guest *g = arg;
	struct mdev *md = g->md;
	int queued = 0, dropped = 0;

	g->fd = sva_open("/dev/mockats", SVA_O_RDWR);
	g->pasid = my_mm(md)->pasid;
	g->a = (uint64_t)sva_mmap(0, FLOOD * 4096ull, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE, -1, 0);
	/* All at one instant: the PRQ thread cannot run in between. */
	for (int i = 0; i < FLOOD; i++) {
		int r = sva_iommu_page_request(&md->pci, g->pasid, false, g->a + i * 4096ull,
					       false, true, false, (uint16_t)i, true);

		if (r == 0)
			queued++;
		else if (r == -ENOSPC)
			dropped++;
	}
	g->phase = (unsigned)queued;
	g->err = dropped;
	while (md->nresp < FLOOD)
		sva_wait(md->k->sim, &md->resp_wq);
	/* Every page is reachable now: dropped requests are simply asked again. */
	for (int i = 0; i < FLOOD; i++) {
		uint64_t pa;

		assert_int_equal(dev_access(md, my_mm(md), g->pasid, g->a + i * 4096ull, true, &pa), 0);
	}
	sva_close(g->fd);
}

static void test_prq_overflow_drops_answers_and_loses_nothing_after_it_drains(void **state)
{
	struct mdev *md = mdev_new(&(struct sva_system_config){ .seed = 8, .ram_size = 64 << 20 });
	struct guest g = { .md = md };
	struct sva_iommu_stats st;
	unsigned per_prgi[FLOOD] = { 0 };

	(void)state;
	sva_system_spawn(md->sys, "flood", flood_main, &g);
	assert_int_equal(sva_sim_run(md->sys->sim), 0);
	/* A 4 KiB ring holds 127 requests (one slot stays empty). */
	assert_int_equal(g.phase, 127);
	assert_int_equal(g.err, FLOOD - 127);
	sva_iommu_stats(md->k->iommu->hw, &st);
	/* The flood's drops, plus any retry that found the ring still marked overflowed. */
	assert_true(st.prq_overflows >= FLOOD - 127);
	/* Exactly one answer per group, queued or dropped. */
	for (unsigned i = 0; i < FLOOD; i++)
		per_prgi[md->resp[i].prgi]++;
	for (unsigned i = 0; i < FLOOD; i++)
		assert_int_equal(per_prgi[i], 1);
	assert_int_equal(md->k->iommu->hw->prs & SVA_PRS_PRO, 0);	/* cleared once drained */
	mdev_free(md);
}

static void unbind_main(void *arg)
{
	struct guest *g = arg;
	struct mdev *md = g->md;

	g->fd = sva_open("/dev/mockats", SVA_O_RDWR);
	g->pasid = my_mm(md)->pasid;
	g->a = (uint64_t)sva_mmap(0, 10 * 4096ull, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE, -1, 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(sva_iommu_page_request(&md->pci, g->pasid, false, g->a + i * 4096ull,
							true, false, false, (uint16_t)i, true), 0);
	assert_int_equal(md->nresp, 0);
	/* Unbind while all ten are outstanding: it returns only once they are answered. */
	sva_close(g->fd);
	g->phase = md->nresp;
}

static void test_unbind_with_page_requests_outstanding_drains_them_first(void **state)
{
	struct mdev *md = mdev_new(&(struct sva_system_config){ .seed = 9, .ram_size = 64 << 20 });
	struct guest g = { .md = md };

	(void)state;
	sva_system_spawn(md->sys, "unbind", unbind_main, &g);
	assert_int_equal(sva_sim_run(md->sys->sim), 0);
	assert_int_equal(g.phase, 10);
	mdev_free(md);
}

/* ---- exit and PASID reuse ---------------------------------------------------------------------- */

struct reuse {
	struct mdev *md;
	uint32_t pasid[2];
	uint64_t frame0;
	uint64_t a;
	bool blocked_after_exit;
};

static void first_owner(void *arg)
{
	struct reuse *r = arg;
	struct mdev *md = r->md;
	uint64_t pa;

	assert_true(sva_open("/dev/mockats", SVA_O_RDWR) >= 0);
	r->pasid[0] = my_mm(md)->pasid;
	r->a = (uint64_t)sva_mmap(0, 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE, -1, 0);
	sva_store64(r->a, 42);
	assert_int_equal(dev_access(md, my_mm(md), r->pasid[0], r->a, true, &pa), 0);
	r->frame0 = pa;
	sva_exit(0);	/* with the device still open */
}

static void second_owner(void *arg)
{
	struct reuse *r = arg;
	struct mdev *md = r->md;
	struct sva_ats_xlat x;

	sva_nanosleep(100000);	/* well after the first one is gone */
	assert_true(sva_open("/dev/mockats", SVA_O_RDWR) >= 0);
	r->pasid[1] = my_mm(md)->pasid;
	/* Same PASID value, new mm: the old frame is unreachable through it. */
	assert_int_equal(sva_iommu_ats_translate(&md->pci, r->pasid[1], false, r->a, false, &x), 0);
	assert_false(x.r);
}

static void test_pasid_entry_of_an_exited_mm_is_cleared_before_its_pasid_is_reused(void **state)
{
	struct mdev *md = mdev_new(&(struct sva_system_config){ .seed = 10, .ram_size = 64 << 20 });
	struct reuse r = { .md = md };

	(void)state;
	sva_system_spawn(md->sys, "first", first_owner, &r);
	sva_system_spawn(md->sys, "second", second_owner, &r);
	assert_int_equal(sva_sim_run(md->sys->sim), 0);
	assert_int_equal(r.pasid[0], r.pasid[1]);	/* lowest-free reused it */
	assert_int_equal(md->stale_uses, 0);
	mdev_free(md);
}

/* ---- the invalidation queue itself ------------------------------------------------------------- */

static void iqe_main(void *arg)
{
	struct mdev *md = arg;
	uint64_t bad[1][4] = { { 0xf } };	/* no such descriptor type */
	uint64_t ok[1][4] = { { QI_PC | (3ull << 4) } };

	assert_int_equal(sva_qi_submit_sync(md->k->iommu, (const uint64_t (*)[4])bad, 1, false), -EINVAL);
	assert_int_equal(sva_qi_submit_sync(md->k->iommu, (const uint64_t (*)[4])ok, 1, false), 0);
}

static void test_invalid_descriptor_stops_the_queue_until_cleared(void **state)
{
	struct mdev *md = mdev_new(&(struct sva_system_config){ .seed = 1, .ram_size = 64 << 20 });
	struct sva_iommu_stats st;

	(void)state;
	sva_system_spawn(md->sys, "iqe", iqe_main, md);
	assert_int_equal(sva_sim_run(md->sys->sim), 0);
	sva_iommu_stats(md->k->iommu->hw, &st);
	assert_int_equal(st.iqe, 1);
	mdev_free(md);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_translation_equals_the_cpu_walk_on_10000_random_mappings),
		cmocka_unit_test(test_iotlb_capacity_pressure_evicts_but_stays_correct),
		cmocka_unit_test(test_no_device_access_uses_a_translation_after_munmap_mprotect_or_cow),
		cmocka_unit_test(test_multi_page_and_whole_pasid_device_tlb_invalidations_hit_every_page),
		cmocka_unit_test(test_device_tlb_invalidation_timeout_is_reported_and_recovered),
		cmocka_unit_test(test_page_request_iopf_success_then_invalid_and_failure),
		cmocka_unit_test(test_prq_overflow_drops_answers_and_loses_nothing_after_it_drains),
		cmocka_unit_test(test_unbind_with_page_requests_outstanding_drains_them_first),
		cmocka_unit_test(test_pasid_entry_of_an_exited_mm_is_cleared_before_its_pasid_is_reused),
		cmocka_unit_test(test_invalid_descriptor_stops_the_queue_until_cleared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
