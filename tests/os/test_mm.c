// SPDX-License-Identifier: MIT
/*
 * The kernel's memory management on its own: frames, PASID space, VMAs,
 * demand paging, COW, munmap/mprotect/madvise, migration, reclaim, exit,
 * and the mmu_notifier contract.  Test names follow the seed's sentences.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sva/phys.h>
#include <sva/sim.h>

#include "os/kernel.h"
#include "os/mm.h"
#include "testutil.h"

struct env {
	struct sva_sim *sim;
	struct sva_phys *phys;
	struct sva_kernel k;
};

static struct env *env_new(uint64_t ram, uint64_t frame_limit, uint32_t pasid_max)
{
	struct env *e = calloc(1, sizeof(*e));
	struct sva_kernel_config kc = { .frame_limit = frame_limit, .pasid_max = pasid_max };

	assert_non_null(e);
	e->sim = sva_sim_create(&(struct sva_sim_config){ .seed = 1 });
	e->phys = sva_phys_create(&(struct sva_phys_config){ .ram_size = ram });
	assert_non_null(e->sim);
	assert_non_null(e->phys);
	assert_int_equal(sva_kernel_init(&e->k, e->sim, e->phys, &kc), 0);
	return e;
}

static void env_free(struct env *e)
{
	/* Every test drops its mms first: no frame may be left in use. */
	assert_int_equal(e->k.frames.nr_used, 0);
	sva_kernel_fini(&e->k);
	sva_phys_destroy(e->phys);
	sva_sim_destroy(e->sim);
	free(e);
}

static uint8_t *page_ptr(struct env *e, struct sva_mm *mm, uint64_t va)
{
	uint64_t pa = sva_mm_frame_at(mm, va);

	assert_true(pa != 0);
	return sva_phys_ptr(e->phys, pa, SVA_FRAME_SIZE);
}

static uint64_t map_anon(struct sva_mm *mm, uint64_t len, unsigned prot, unsigned share)
{
	uint64_t a = 0;

	assert_int_equal(sva_mm_mmap(mm, &a, len, prot, share | SVA_MAP_ANONYMOUS, 0, 0, NULL), 0);
	return a;
}

/* A notifier that records what it saw and checks the contract as it goes. */
struct rec {
	struct sva_mmu_notifier mn;
	struct env *e;
	unsigned starts, ends, releases;
	uint64_t start, end;
	uint64_t watch_va, watch_frame;	/* frame mapped at watch_va at start */
	bool frame_alive_at_end;	/* the watched frame was not yet freed */
	bool pte_gone_at_end;		/* ... and no longer mapped there */
	bool frames_alive_at_release;
	uint64_t rss_at_release;
};

static void rec_start(struct sva_mmu_notifier *mn, struct sva_mm *mm, uint64_t s, uint64_t e)
{
	struct rec *r = (struct rec *)mn;

	r->starts++;
	r->start = s;
	r->end = e;
	if (r->watch_va >= s && r->watch_va < e)
		r->watch_frame = sva_mm_frame_at(mm, r->watch_va);
}

static void rec_end(struct sva_mmu_notifier *mn, struct sva_mm *mm, uint64_t s, uint64_t e)
{
	struct rec *r = (struct rec *)mn;

	r->ends++;
	assert_int_equal(s, r->start);
	assert_int_equal(e, r->end);
	if (r->watch_frame) {
		r->frame_alive_at_end = sva_frame_refs(&r->e->k.frames, r->watch_frame) > 0;
		r->pte_gone_at_end = sva_mm_frame_at(mm, r->watch_va) != r->watch_frame;
	}
}

static void rec_release(struct sva_mmu_notifier *mn, struct sva_mm *mm)
{
	struct rec *r = (struct rec *)mn;

	r->releases++;
	r->rss_at_release = mm->rss;
	r->frames_alive_at_release = r->watch_frame &&
				     sva_frame_refs(&r->e->k.frames, r->watch_frame) > 0;
}

static const struct sva_mmu_notifier_ops rec_ops = {
	.invalidate_range_start = rec_start,
	.invalidate_range_end = rec_end,
	.release = rec_release,
};

static void rec_init(struct rec *r, struct env *e, struct sva_mm *mm)
{
	memset(r, 0, sizeof(*r));
	r->mn.ops = &rec_ops;
	r->e = e;
	assert_int_equal(sva_mmu_notifier_register(mm, &r->mn), 0);
}

/* ---- PASID space -------------------------------------------------------------------- */

static void test_pasid_exhaustion_is_enospc_with_four_pasids(void **state)
{
	struct sva_pasid_space ps;
	uint32_t p[3], x;
	int owner;

	(void)state;
	assert_int_equal(sva_pasid_space_init(&ps, 1), -EINVAL);
	assert_int_equal(sva_pasid_space_init(&ps, 4), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sva_pasid_alloc(&ps, &owner, &p[i]), 0);
		assert_int_equal(p[i], (uint32_t)i + 1);	/* 0 is reserved */
	}
	assert_int_equal(sva_pasid_alloc(&ps, &owner, &x), -ENOSPC);
	sva_pasid_release(&ps, p[1]);
	assert_int_equal(sva_pasid_alloc(&ps, &owner, &x), 0);
	assert_int_equal(x, 2);				/* lowest free comes back */
	sva_pasid_space_fini(&ps);
}

static void test_pasid_never_reused_while_something_can_carry_it(void **state)
{
	struct sva_pasid_space ps;
	uint32_t a, b;
	int owner;

	(void)state;
	assert_int_equal(sva_pasid_space_init(&ps, 0), 0);
	assert_int_equal(ps.max, 1u << 20);
	assert_int_equal(sva_pasid_alloc(&ps, &owner, &a), 0);
	assert_ptr_equal(sva_pasid_owner(&ps, a), &owner);
	sva_pasid_hold(&ps, a);			/* e.g. a queued descriptor */
	sva_pasid_hold(&ps, a);			/* e.g. an ATC entry */
	sva_pasid_release(&ps, a);		/* the mm is gone */
	assert_int_equal(sva_pasid_state(&ps, a), SVA_PASID_DRAINING);
	assert_null(sva_pasid_owner(&ps, a));
	assert_int_equal(sva_pasid_alloc(&ps, &owner, &b), 0);
	assert_int_not_equal(a, b);
	sva_pasid_unhold(&ps, a);
	assert_int_equal(sva_pasid_state(&ps, a), SVA_PASID_DRAINING);
	sva_pasid_unhold(&ps, a);
	assert_int_equal(sva_pasid_state(&ps, a), SVA_PASID_FREE);
	assert_int_equal(sva_pasid_alloc(&ps, &owner, &b), 0);
	assert_int_equal(a, b);
	sva_pasid_space_fini(&ps);
}

/* ---- demand paging and faults ------------------------------------------------------------ */

static void test_demand_paging_maps_zeroed_frames_on_first_touch(void **state)
{
	struct env *e = env_new(64 << 20, 0, 0);
	struct sva_mm *mm = sva_mm_create(&e->k);
	uint64_t a = map_anon(mm, 3 * 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE);

	(void)state;
	assert_int_equal(sva_mm_frame_at(mm, a), 0);
	assert_int_equal(sva_mm_fault(mm, a + 10, SVA_ACC_READ), 0);
	assert_int_equal(mm->rss, 1);
	for (int i = 0; i < 4096; i++)
		assert_int_equal(page_ptr(e, mm, a)[i], 0);
	assert_int_equal(sva_mm_fault(mm, a + 4096, SVA_ACC_WRITE), 0);
	assert_int_equal(sva_mm_fault(mm, a + 4096, SVA_ACC_WRITE), 0);	/* spurious: fine */
	assert_int_equal(mm->rss, 2);
	assert_int_equal(sva_mm_fault(mm, a + 3 * 4096, SVA_ACC_READ), SVA_FAULT_MAPERR);
	assert_int_equal(sva_mm_fault(mm, a, SVA_ACC_EXEC), SVA_FAULT_ACCERR);
	sva_mmput(mm);
	env_free(e);
}

static void test_fault_permissions_follow_the_vma(void **state)
{
	struct env *e = env_new(64 << 20, 0, 0);
	struct sva_mm *mm = sva_mm_create(&e->k);
	uint64_t ro = map_anon(mm, 4096, SVA_PROT_READ, SVA_MAP_PRIVATE);
	uint64_t none = map_anon(mm, 4096, SVA_PROT_NONE, SVA_MAP_PRIVATE);
	uint64_t x = 0;

	(void)state;
	assert_int_equal(sva_mm_fault(mm, ro, SVA_ACC_WRITE), SVA_FAULT_ACCERR);
	assert_int_equal(sva_mm_fault(mm, ro, SVA_ACC_READ), 0);
	assert_int_equal(sva_mm_fault(mm, none, SVA_ACC_READ), SVA_FAULT_ACCERR);
	assert_int_equal(sva_mm_fault(mm, SVA_USER_TOP + 4096, SVA_ACC_READ), SVA_FAULT_MAPERR);
	/* Bad mmap arguments get the kernel's errors. */
	assert_int_equal(sva_mm_mmap(mm, &x, 0, SVA_PROT_READ, SVA_MAP_PRIVATE | SVA_MAP_ANONYMOUS, 0, 0, NULL), -EINVAL);
	assert_int_equal(sva_mm_mmap(mm, &x, 4096, SVA_PROT_READ, SVA_MAP_ANONYMOUS, 0, 0, NULL), -EINVAL);
	assert_int_equal(sva_mm_mmap(mm, &x, 4096, 0x80, SVA_MAP_PRIVATE | SVA_MAP_ANONYMOUS, 0, 0, NULL), -EINVAL);
	assert_int_equal(sva_mm_mmap(mm, &x, 4096, SVA_PROT_READ, SVA_MAP_PRIVATE, 0, 0, NULL), -ENODEV);
	x = 123;
	assert_int_equal(sva_mm_mmap(mm, &x, 4096, SVA_PROT_READ, SVA_MAP_PRIVATE | SVA_MAP_ANONYMOUS | SVA_MAP_FIXED, 0, 0, NULL), -EINVAL);
	assert_int_equal(sva_mm_munmap(mm, 5, 4096), -EINVAL);
	assert_int_equal(sva_mm_mprotect(mm, 0x1000, 4096, SVA_PROT_READ), -ENOMEM);	/* nothing there */
	sva_mmput(mm);
	env_free(e);
}

/* ---- copy-on-write ------------------------------------------------------------------------ */

static void test_cow_after_fork_invalidates_through_the_notifier_before_the_frame_changes(void **state)
{
	struct env *e = env_new(64 << 20, 0, 0);
	struct sva_mm *parent = sva_mm_create(&e->k), *child;
	uint64_t a = map_anon(parent, 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE);
	struct rec pr, cr;
	uint64_t shared;

	(void)state;
	assert_int_equal(sva_mm_fault(parent, a, SVA_ACC_WRITE), 0);
	memset(page_ptr(e, parent, a), 0xAB, 4096);
	rec_init(&pr, e, parent);
	assert_int_equal(sva_mm_dup(parent, &child), 0);
	/* fork write-protects the parent: a narrowing, so the parent's notifier ran */
	assert_int_equal(pr.starts, 1);
	assert_int_equal(pr.ends, 1);
	assert_true(pr.start <= a && a < pr.end);
	assert_int_equal(child->pasid, SVA_PASID_INVALID);
	shared = sva_mm_frame_at(parent, a);
	assert_int_equal(sva_mm_frame_at(child, a), shared);
	assert_int_equal(sva_frame_refs(&e->k.frames, shared), 2);

	rec_init(&cr, e, child);
	cr.watch_va = a;
	assert_int_equal(sva_mm_fault(child, a, SVA_ACC_WRITE), 0);
	assert_int_equal(cr.starts, 1);
	assert_int_equal(cr.watch_frame, shared);	/* notified while the old frame was mapped */
	assert_true(cr.pte_gone_at_end);
	assert_true(cr.frame_alive_at_end);
	assert_int_not_equal(sva_mm_frame_at(child, a), shared);
	assert_int_equal(page_ptr(e, child, a)[100], 0xAB);	/* copied */
	page_ptr(e, child, a)[0] = 1;
	assert_int_equal(page_ptr(e, parent, a)[0], 0xAB);	/* parent untouched */
	/* The parent is now the only user: its write reuses the frame. */
	assert_int_equal(sva_mm_fault(parent, a, SVA_ACC_WRITE), 0);
	assert_int_equal(sva_mm_frame_at(parent, a), shared);
	assert_int_equal(e->k.st.cow_reuse->value, 1);
	assert_int_equal(e->k.st.cow_breaks->value, 1);
	sva_mmput(child);
	sva_mmput(parent);
	env_free(e);
}

static void test_fork_shares_shared_anonymous_memory(void **state)
{
	struct env *e = env_new(64 << 20, 0, 0);
	struct sva_mm *parent = sva_mm_create(&e->k), *child;
	uint64_t a = map_anon(parent, 2 * 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_SHARED);

	(void)state;
	assert_int_equal(sva_mm_fault(parent, a, SVA_ACC_WRITE), 0);
	assert_int_equal(sva_mm_dup(parent, &child), 0);
	assert_int_equal(sva_mm_fault(child, a, SVA_ACC_WRITE), 0);
	assert_int_equal(sva_mm_frame_at(child, a), sva_mm_frame_at(parent, a));
	page_ptr(e, child, a)[7] = 42;
	assert_int_equal(page_ptr(e, parent, a)[7], 42);
	/* A page first touched after fork is shared too. */
	assert_int_equal(sva_mm_fault(child, a + 4096, SVA_ACC_WRITE), 0);
	assert_int_equal(sva_mm_fault(parent, a + 4096, SVA_ACC_READ), 0);
	assert_int_equal(sva_mm_frame_at(child, a + 4096), sva_mm_frame_at(parent, a + 4096));
	sva_mmput(parent);
	page_ptr(e, child, a)[8] = 43;	/* still mapped in the child */
	sva_mmput(child);
	env_free(e);
}

/* ---- munmap ----------------------------------------------------------------------------------- */

static void test_munmap_frame_not_reused_until_the_notifier_returns(void **state)
{
	struct env *e = env_new(64 << 20, 0, 0);
	struct sva_mm *mm = sva_mm_create(&e->k);
	uint64_t a = map_anon(mm, 4 * 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE);
	uint64_t frame, again;
	struct rec r;

	(void)state;
	assert_int_equal(sva_mm_fault(mm, a + 4096, SVA_ACC_WRITE), 0);
	frame = sva_mm_frame_at(mm, a + 4096);
	rec_init(&r, e, mm);
	r.watch_va = a + 4096;
	assert_int_equal(sva_mm_munmap(mm, a + 4096, 4096), 0);
	assert_int_equal(r.starts, 1);
	assert_int_equal(r.start, a + 4096);
	assert_int_equal(r.end, a + 8192);
	assert_int_equal(r.watch_frame, frame);
	assert_true(r.pte_gone_at_end);
	assert_true(r.frame_alive_at_end);	/* still owned during invalidate_range_end */
	assert_int_equal(sva_frame_refs(&e->k.frames, frame), 0);	/* freed after it */
	assert_int_equal(sva_mm_fault(mm, a + 4096, SVA_ACC_READ), SVA_FAULT_MAPERR);
	/* The hole splits the VMA; both sides still fault in. */
	assert_int_equal(sva_mm_fault(mm, a, SVA_ACC_WRITE), 0);
	assert_int_equal(sva_mm_fault(mm, a + 2 * 4096, SVA_ACC_WRITE), 0);
	again = sva_mm_frame_at(mm, a);
	assert_int_equal(again, frame);	/* LIFO reuse, only now */
	/* Unmapping nothing calls nobody. */
	assert_int_equal(sva_mm_munmap(mm, a + 4096, 4096), 0);
	assert_int_equal(r.starts, 1);
	sva_mmput(mm);
	env_free(e);
}

/* ---- mprotect and madvise ----------------------------------------------------------------------- */

static void test_mprotect_narrowing_notifies_and_keeps_data(void **state)
{
	struct env *e = env_new(64 << 20, 0, 0);
	struct sva_mm *mm = sva_mm_create(&e->k);
	uint64_t a = map_anon(mm, 2 * 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE);
	struct rec r;

	(void)state;
	assert_int_equal(sva_mm_fault(mm, a, SVA_ACC_WRITE), 0);
	page_ptr(e, mm, a)[0] = 9;
	rec_init(&r, e, mm);
	assert_int_equal(sva_mm_mprotect(mm, a, 4096, SVA_PROT_READ), 0);
	assert_int_equal(r.starts, 1);
	assert_int_equal(r.ends, 1);
	assert_int_equal(sva_mm_fault(mm, a, SVA_ACC_WRITE), SVA_FAULT_ACCERR);
	assert_int_equal(sva_mm_fault(mm, a + 4096, SVA_ACC_WRITE), 0);	/* other half untouched */
	assert_int_equal(sva_mm_mprotect(mm, a, 4096, SVA_PROT_NONE), 0);
	assert_int_equal(sva_mm_fault(mm, a, SVA_ACC_READ), SVA_FAULT_ACCERR);
	assert_int_equal(sva_mm_frame_at(mm, a) != 0, 1);	/* kept while inaccessible */
	assert_int_equal(sva_mm_mprotect(mm, a, 4096, SVA_PROT_READ | SVA_PROT_WRITE), 0);
	assert_int_equal(sva_mm_fault(mm, a, SVA_ACC_WRITE), 0);
	assert_int_equal(page_ptr(e, mm, a)[0], 9);
	assert_int_equal(r.starts, 3);
	sva_mmput(mm);
	env_free(e);
}

static void test_madvise_dontneed_zeroes_private_keeps_shared(void **state)
{
	struct env *e = env_new(64 << 20, 0, 0);
	struct sva_mm *mm = sva_mm_create(&e->k);
	uint64_t p = map_anon(mm, 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE);
	uint64_t s = map_anon(mm, 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_SHARED);
	struct rec r;

	(void)state;
	assert_int_equal(sva_mm_fault(mm, p, SVA_ACC_WRITE), 0);
	assert_int_equal(sva_mm_fault(mm, s, SVA_ACC_WRITE), 0);
	page_ptr(e, mm, p)[1] = 5;
	page_ptr(e, mm, s)[1] = 6;
	rec_init(&r, e, mm);
	assert_int_equal(sva_mm_madvise_dontneed(mm, p, 4096), 0);
	assert_int_equal(sva_mm_madvise_dontneed(mm, s, 4096), 0);
	assert_int_equal(r.starts, 2);
	assert_int_equal(sva_mm_frame_at(mm, p), 0);
	assert_int_equal(sva_mm_fault(mm, p, SVA_ACC_READ), 0);
	assert_int_equal(page_ptr(e, mm, p)[1], 0);
	assert_int_equal(sva_mm_fault(mm, s, SVA_ACC_READ), 0);
	assert_int_equal(page_ptr(e, mm, s)[1], 6);
	sva_mmput(mm);
	env_free(e);
}

/* ---- migration and reclaim ----------------------------------------------------------------------- */

static void test_migration_and_reclaim_take_pages_away_through_the_notifier(void **state)
{
	struct env *e = env_new(64 << 20, 0, 0);
	struct sva_mm *mm = sva_mm_create(&e->k), *child;
	uint64_t a = map_anon(mm, 2 * 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE);
	uint64_t before;
	struct rec r;

	(void)state;
	assert_int_equal(sva_mm_fault(mm, a, SVA_ACC_WRITE), 0);
	memset(page_ptr(e, mm, a), 0x5A, 4096);
	before = sva_mm_frame_at(mm, a);
	rec_init(&r, e, mm);
	r.watch_va = a;
	assert_int_equal(sva_mm_migrate_page(mm, a), 0);
	assert_true(r.pte_gone_at_end && r.frame_alive_at_end);
	assert_int_not_equal(sva_mm_frame_at(mm, a), before);
	assert_int_equal(page_ptr(e, mm, a)[4095], 0x5A);
	assert_int_equal(sva_mm_migrate_page(mm, a + 4096), -ENOENT);	/* never touched */

	r.watch_frame = 0;
	assert_int_equal(sva_mm_reclaim_page(mm, a), 0);
	assert_true(r.pte_gone_at_end && r.frame_alive_at_end);
	assert_int_equal(sva_mm_frame_at(mm, a), 0);
	assert_int_equal(mm->rss, 0);
	/* fork shares the swapped page; each side gets its own copy back */
	assert_int_equal(sva_mm_dup(mm, &child), 0);
	assert_int_equal(sva_mm_fault(mm, a, SVA_ACC_READ), 0);
	assert_int_equal(page_ptr(e, mm, a)[17], 0x5A);
	page_ptr(e, mm, a)[17] = 1;
	assert_int_equal(sva_mm_fault(child, a, SVA_ACC_WRITE), 0);
	assert_int_equal(page_ptr(e, child, a)[17], 0x5A);
	assert_int_equal(e->k.st.swapins->value, 2);
	/* A page shared with a fork cannot be moved without rmap. */
	assert_int_equal(sva_mm_fault(mm, a + 4096, SVA_ACC_WRITE), 0);
	{
		struct sva_mm *c2;

		assert_int_equal(sva_mm_dup(mm, &c2), 0);
		assert_int_equal(sva_mm_migrate_page(mm, a + 4096), -EBUSY);
		assert_int_equal(sva_mm_reclaim_page(mm, a + 4096), -EBUSY);
		sva_mmput(c2);
	}
	sva_mmput(child);
	assert_int_equal(sva_mm_reclaim_page(mm, a + 4096), 0);
	sva_mmput(mm);
	env_free(e);
}

/* ---- out of memory ---------------------------------------------------------------------------- */

static void test_oom_in_a_fault_fails_only_that_fault(void **state)
{
	struct env *e = env_new(64 << 20, 24, 0);
	struct sva_mm *victim = sva_mm_create(&e->k), *other = sva_mm_create(&e->k);
	uint64_t big = map_anon(victim, 64 * 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE);
	uint64_t small = map_anon(other, 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE);
	int r = 0, n = 0;

	(void)state;
	assert_int_equal(sva_mm_fault(other, small, SVA_ACC_WRITE), 0);
	page_ptr(e, other, small)[0] = 77;
	while (n < 64 && (r = sva_mm_fault(victim, big + (uint64_t)n * 4096, SVA_ACC_WRITE)) == 0)
		n++;
	assert_int_equal(r, SVA_FAULT_OOM);
	assert_true(n > 0 && n < 64);
	assert_int_equal(e->k.st.oom->value, 1);
	assert_int_equal(page_ptr(e, other, small)[0], 77);	/* nothing else broke */
	sva_mmput(victim);						/* its frames come back */
	assert_int_equal(sva_mm_fault(other, small + 0, SVA_ACC_READ), 0);
	sva_mmput(other);
	env_free(e);
}

/* ---- exit ------------------------------------------------------------------------------------------- */

static void test_exit_releases_notifiers_before_frames_and_pasid_at_mmdrop(void **state)
{
	struct env *e = env_new(64 << 20, 0, 0);
	struct sva_mm *mm = sva_mm_create(&e->k);
	uint64_t a = map_anon(mm, 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE);
	struct rec r;
	uint32_t pasid;

	(void)state;
	assert_int_equal(sva_mm_fault(mm, a, SVA_ACC_WRITE), 0);
	assert_int_equal(sva_pasid_alloc(&e->k.pasids, mm, &pasid), 0);
	mm->pasid = pasid;
	rec_init(&r, e, mm);
	r.watch_frame = sva_mm_frame_at(mm, a);
	sva_mmgrab(mm);				/* a bond holds the struct */
	sva_mmput(mm);				/* the last user leaves */
	assert_int_equal(r.releases, 1);
	assert_true(r.frames_alive_at_release);
	assert_int_equal(r.rss_at_release, 1);
	assert_int_equal(r.starts, 0);		/* released subscribers hear nothing more */
	assert_true(mm->exited);
	/* The PASID stays with the mm until the struct itself goes. */
	assert_ptr_equal(sva_pasid_owner(&e->k.pasids, pasid), mm);
	sva_mmdrop(mm);
	assert_int_equal(sva_pasid_state(&e->k.pasids, pasid), SVA_PASID_FREE);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pasid_exhaustion_is_enospc_with_four_pasids),
		cmocka_unit_test(test_pasid_never_reused_while_something_can_carry_it),
		cmocka_unit_test(test_demand_paging_maps_zeroed_frames_on_first_touch),
		cmocka_unit_test(test_fault_permissions_follow_the_vma),
		cmocka_unit_test(test_cow_after_fork_invalidates_through_the_notifier_before_the_frame_changes),
		cmocka_unit_test(test_fork_shares_shared_anonymous_memory),
		cmocka_unit_test(test_munmap_frame_not_reused_until_the_notifier_returns),
		cmocka_unit_test(test_mprotect_narrowing_notifies_and_keeps_data),
		cmocka_unit_test(test_madvise_dontneed_zeroes_private_keeps_shared),
		cmocka_unit_test(test_migration_and_reclaim_take_pages_away_through_the_notifier),
		cmocka_unit_test(test_oom_in_a_fault_fails_only_that_fault),
		cmocka_unit_test(test_exit_releases_notifiers_before_frames_and_pasid_at_mmdrop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
