// SPDX-License-Identifier: MIT
/*
 * The page walker against the SDM's rules, written out here a second time
 * in a different shape, and against a plain list of mappings.
 */
#include <errno.h>
#include <string.h>

#include <sva/paging.h>
#include <sva/phys.h>

#include "testutil.h"

#define RAM		(64ull << 20)
#define TABLES_AT	(1ull << 20)	/* bump allocator starts here */

struct env {
	struct sva_phys *phys;
	uint64_t next;			/* next free frame */
	struct sva_pt_alloc alloc;
	uint64_t root;
	struct sva_paging_mode mode;
};

static int bump(void *opaque, uint64_t *pa)
{
	struct env *e = opaque;

	if (e->next >= RAM)
		return -ENOMEM;
	*pa = e->next;
	e->next += SVA_FRAME_SIZE;
	return 0;
}

static struct env *env_new(unsigned levels)
{
	static struct env e;
	struct sva_phys_config c = { .ram_size = RAM };

	memset(&e, 0, sizeof(e));
	e.phys = sva_phys_create(&c);
	assert_non_null(e.phys);
	e.next = TABLES_AT;
	e.alloc = (struct sva_pt_alloc){ .alloc = bump, .opaque = &e };
	e.mode = (struct sva_paging_mode){ .levels = levels, .wp = true, .nxe = true, .set_ad = true };
	assert_int_equal(sva_pt_create_root(e.phys, &e.alloc, &e.root), 0);
	return &e;
}

static void env_free(struct env *e)
{
	sva_phys_destroy(e->phys);
}

static uint64_t rd(struct env *e, uint64_t pa)
{
	uint64_t v;

	assert_int_equal(sva_phys_read_u64(e->phys, pa, &v), 0);
	return v;
}

static void wr(struct env *e, uint64_t pa, uint64_t v)
{
	assert_int_equal(sva_phys_write_u64(e->phys, pa, v), 0);
}

static int walk(struct env *e, uint64_t va, enum sva_access acc, bool user,
		struct sva_walk_result *res)
{
	struct sva_walk_req req = { .root = e->root, .va = va, .access = acc, .user = user };

	return sva_walk(e->phys, &e->mode, &req, res);
}

/*
 * The rules of SDM vol. 3A 4.6.1 as a table: for a translation whose
 * combined bits are (rw, us, xd), may an access of this kind happen?
 * Indexed [user][access][wp][rw][us][xd] would be unreadable, so: a
 * function that states each rule once, in the SDM's order.
 */
static bool oracle_allows(bool user, enum sva_access acc, bool wp, bool smep,
			  bool rw, bool us, bool xd)
{
	if (user) {
		/* User-mode accesses need a user-mode address. */
		if (!us)
			return false;
		switch (acc) {
		case SVA_ACC_READ:	return true;
		case SVA_ACC_WRITE:	return rw;	/* WP does not matter */
		case SVA_ACC_EXEC:	return !xd;
		}
	}
	switch (acc) {
	case SVA_ACC_READ:	return true;			/* no SMAP here */
	case SVA_ACC_WRITE:	return wp ? rw : true;
	case SVA_ACC_EXEC:	return !xd && !(smep && us);
	}
	return false;
}

/* Every combination of R/W, U/S, XD at each level x access x mode x WP. */
static void test_permission_table(void **state)
{
	struct env *e = env_new(4);
	const uint64_t va = 0x00007f1234567000ull, pa = 0x2345000ull;
	unsigned cases = 0;

	(void)state;
	assert_int_equal(sva_pt_map(e->phys, &e->mode, e->root, va, pa, SVA_PAGE_4K,
				    SVA_PTE_RW | SVA_PTE_US, &e->alloc), 0);
	for (unsigned level = 1; level <= 4; level++) {
		uint64_t epa, orig;

		assert_int_equal(sva_pt_entry_pa(e->phys, &e->mode, e->root, va, level, &epa), 0);
		orig = rd(e, epa);
		for (unsigned bits = 0; bits < 8; bits++) {
			bool rw = bits & 1, us = bits & 2, xd = bits & 4;
			uint64_t ent = (orig & ~(SVA_PTE_RW | SVA_PTE_US | SVA_PTE_NX)) |
				       (rw ? SVA_PTE_RW : 0) | (us ? SVA_PTE_US : 0) |
				       (xd ? SVA_PTE_NX : 0);

			for (unsigned k = 0; k < 2 * 3 * 2 * 2; k++) {
				bool user = k & 1, wp = (k >> 1) & 1, smep = (k >> 2) & 1;
				enum sva_access acc = (enum sva_access)(k / 8 % 3);
				struct sva_walk_result res;
				bool ok = oracle_allows(user, acc, wp, smep, rw, us, xd);
				uint32_t ec;
				int r;

				wr(e, epa, ent & ~(SVA_PTE_A | SVA_PTE_D));
				e->mode.wp = wp;
				e->mode.smep = smep;
				r = walk(e, va + 0x10, acc, user, &res);
				cases++;
				if (ok) {
					assert_int_equal(r, SVA_WALK_OK);
					assert_int_equal(res.pa, pa + 0x10);
					assert_int_equal(res.writable, rw);
					assert_int_equal(res.user, us);
					assert_int_equal(res.nx, xd);
					continue;
				}
				ec = SVA_PF_P | (acc == SVA_ACC_WRITE ? SVA_PF_W : 0) |
				     (user ? SVA_PF_U : 0) | (acc == SVA_ACC_EXEC ? SVA_PF_ID : 0);
				if (r != SVA_WALK_PF)
					fail_msg("level %u rw %d us %d xd %d user %d acc %d wp %d: r=%d",
						 level, rw, us, xd, user, acc, wp, r);
				assert_int_equal(res.pf_error, ec);
				assert_int_equal(res.fault_addr, va + 0x10);
				/* A fault leaves A/D alone. */
				assert_int_equal(rd(e, epa) & (SVA_PTE_A | SVA_PTE_D), 0);
			}
		}
		wr(e, epa, orig);
	}
	assert_int_equal(cases, 4 * 8 * 2 * 3 * 2 * 2);
	env_free(e);
}

/* Spot checks straight from the SDM text, independent of the oracle. */
static void test_sdm_spot_checks(void **state)
{
	struct env *e = env_new(4);
	const uint64_t ro_user = 0x400000, rw_sup = 0x401000;
	struct sva_walk_result res;

	(void)state;
	assert_int_equal(sva_pt_map(e->phys, &e->mode, e->root, ro_user, 0x10000,
				    SVA_PAGE_4K, SVA_PTE_US, &e->alloc), 0);
	assert_int_equal(sva_pt_map(e->phys, &e->mode, e->root, rw_sup, 0x11000,
				    SVA_PAGE_4K, SVA_PTE_RW | SVA_PTE_NX, &e->alloc), 0);
	/* CR0.WP=0: the kernel may write a read-only user page... */
	e->mode.wp = false;
	assert_int_equal(walk(e, ro_user, SVA_ACC_WRITE, false, &res), SVA_WALK_OK);
	/* ...but user code still may not. */
	assert_int_equal(walk(e, ro_user, SVA_ACC_WRITE, true, &res), SVA_WALK_PF);
	assert_int_equal(res.pf_error, SVA_PF_P | SVA_PF_W | SVA_PF_U);
	e->mode.wp = true;
	assert_int_equal(walk(e, ro_user, SVA_ACC_WRITE, false, &res), SVA_WALK_PF);
	assert_int_equal(res.pf_error, SVA_PF_P | SVA_PF_W);
	/* User read of a supervisor page: protection, not "not present". */
	assert_int_equal(walk(e, rw_sup, SVA_ACC_READ, true, &res), SVA_WALK_PF);
	assert_int_equal(res.pf_error, SVA_PF_P | SVA_PF_U);
	/* XD: no fetch, I/D reported. */
	assert_int_equal(walk(e, rw_sup, SVA_ACC_EXEC, false, &res), SVA_WALK_PF);
	assert_int_equal(res.pf_error, SVA_PF_P | SVA_PF_ID);
	/* SMAP: kernel data access to a user page faults unless AC (explicit). */
	e->mode.smap = true;
	assert_int_equal(walk(e, ro_user, SVA_ACC_READ, false, &res), SVA_WALK_PF);
	assert_int_equal(res.pf_error, SVA_PF_P);
	e->mode.ac = true;
	assert_int_equal(walk(e, ro_user, SVA_ACC_READ, false, &res), SVA_WALK_OK);
	{
		struct sva_walk_req req = { .root = e->root, .va = ro_user,
					    .access = SVA_ACC_READ, .implicit = true };

		assert_int_equal(sva_walk(e->phys, &e->mode, &req, &res), SVA_WALK_PF);
	}
	e->mode.smap = e->mode.ac = false;
	/* Not present: P=0 in the error code; I/D only for fetches. */
	assert_int_equal(walk(e, 0x402000, SVA_ACC_EXEC, true, &res), SVA_WALK_PF);
	assert_int_equal(res.pf_error, SVA_PF_U | SVA_PF_ID);
	assert_int_equal(res.fault_addr, 0x402000);
	/* With NXE off, I/D stays 0 (SMEP off) and XD is a reserved bit. */
	e->mode.nxe = false;
	assert_int_equal(walk(e, 0x402000, SVA_ACC_EXEC, true, &res), SVA_WALK_PF);
	assert_int_equal(res.pf_error, SVA_PF_U);
	assert_int_equal(walk(e, rw_sup, SVA_ACC_READ, false, &res), SVA_WALK_PF);
	assert_int_equal(res.pf_error, SVA_PF_P | SVA_PF_RSVD);
	env_free(e);
}

static void test_accessed_dirty(void **state)
{
	struct env *e = env_new(4);
	const uint64_t va = 0x7000001000ull;
	uint64_t epa[5];
	struct sva_walk_result res;

	(void)state;
	assert_int_equal(sva_pt_map(e->phys, &e->mode, e->root, va, 0x50000, SVA_PAGE_4K,
				    SVA_PTE_RW | SVA_PTE_US, &e->alloc), 0);
	for (unsigned l = 1; l <= 4; l++) {
		assert_int_equal(sva_pt_entry_pa(e->phys, &e->mode, e->root, va, l, &epa[l]), 0);
		assert_int_equal(rd(e, epa[l]) & (SVA_PTE_A | SVA_PTE_D), 0);
	}
	/* set_ad off: a read-only walk leaves the tables alone. */
	e->mode.set_ad = false;
	assert_int_equal(walk(e, va, SVA_ACC_WRITE, true, &res), SVA_WALK_OK);
	assert_false(res.dirty);
	for (unsigned l = 1; l <= 4; l++)
		assert_int_equal(rd(e, epa[l]) & (SVA_PTE_A | SVA_PTE_D), 0);
	e->mode.set_ad = true;
	/* A read sets A everywhere, D nowhere. */
	assert_int_equal(walk(e, va, SVA_ACC_READ, true, &res), SVA_WALK_OK);
	assert_int_equal(res.entries_read, 4);
	for (unsigned l = 1; l <= 4; l++)
		assert_int_equal(rd(e, epa[l]) & (SVA_PTE_A | SVA_PTE_D), SVA_PTE_A);
	assert_false(res.dirty);
	assert_int_equal(res.leaf, rd(e, epa[1]));
	assert_int_equal(res.leaf_pa, epa[1]);
	/* A write sets D in the leaf only. */
	assert_int_equal(walk(e, va, SVA_ACC_WRITE, true, &res), SVA_WALK_OK);
	assert_true(res.dirty);
	assert_int_equal(rd(e, epa[1]) & SVA_PTE_D, SVA_PTE_D);
	for (unsigned l = 2; l <= 4; l++)
		assert_int_equal(rd(e, epa[l]) & SVA_PTE_D, 0);
	env_free(e);
}

static void test_large_pages(void **state)
{
	struct env *e = env_new(4);
	const uint64_t va2m = 0x40000000ull + 0x200000, pa2m = 0x12400000ull;
	const uint64_t va1g = 0x80000000ull, pa1g = 0x3c0000000ull;
	struct sva_walk_result res;
	uint64_t ent, epa, size;

	(void)state;
	assert_int_equal(sva_pt_map(e->phys, &e->mode, e->root, va2m, pa2m, SVA_PAGE_2M,
				    SVA_PTE_RW | SVA_PTE_US | SVA_PTE_PAT_LARGE, &e->alloc), 0);
	assert_int_equal(sva_pt_map(e->phys, &e->mode, e->root, va1g, pa1g, SVA_PAGE_1G,
				    SVA_PTE_US, &e->alloc), 0);
	assert_int_equal(walk(e, va2m + 0x1abcde, SVA_ACC_WRITE, true, &res), SVA_WALK_OK);
	/* PAT (bit 12) is not part of the address. */
	assert_int_equal(res.pa, pa2m + 0x1abcde);
	assert_int_equal(res.page_size, SVA_PAGE_2M);
	assert_int_equal(res.leaf_level, 2);
	assert_int_equal(res.entries_read, 3);
	assert_true(res.leaf & SVA_PTE_D);
	assert_int_equal(walk(e, va1g + 0x3ffffff8, SVA_ACC_READ, true, &res), SVA_WALK_OK);
	assert_int_equal(res.pa, pa1g + 0x3ffffff8);
	assert_int_equal(res.page_size, SVA_PAGE_1G);
	assert_int_equal(res.leaf_level, 3);
	assert_int_equal(walk(e, va1g, SVA_ACC_WRITE, true, &res), SVA_WALK_PF);
	assert_int_equal(res.pf_error, SVA_PF_P | SVA_PF_W | SVA_PF_U);
	/* Editing helpers agree. */
	assert_int_equal(sva_pt_lookup(e->phys, &e->mode, e->root, va1g + 5, &ent, &epa, &size), 0);
	assert_int_equal(size, SVA_PAGE_1G);
	assert_int_equal(ent & SVA_PTE_PS, SVA_PTE_PS);
	assert_int_equal(sva_pt_map(e->phys, &e->mode, e->root, va1g + 4096, 0, SVA_PAGE_4K, 0, &e->alloc), -EEXIST);
	assert_int_equal(sva_pt_map(e->phys, &e->mode, e->root, 0x40000000ull, 0, SVA_PAGE_1G, 0, &e->alloc), -EEXIST);
	assert_int_equal(sva_pt_unmap(e->phys, &e->mode, e->root, va2m + 4096, SVA_PAGE_4K), -ENOENT);
	assert_int_equal(sva_pt_unmap(e->phys, &e->mode, e->root, va2m, SVA_PAGE_2M), 0);
	assert_int_equal(walk(e, va2m, SVA_ACC_READ, false, &res), SVA_WALK_PF);
	assert_int_equal(res.pf_error, 0);
	assert_int_equal(sva_pt_map(e->phys, &e->mode, e->root, va2m + 4096, 0, SVA_PAGE_2M, 0, &e->alloc), -EINVAL);
	assert_int_equal(sva_pt_map(e->phys, &e->mode, e->root, va2m, 0, 8192, 0, &e->alloc), -EINVAL);
	assert_int_equal(sva_pt_map(e->phys, &e->mode, e->root, va2m, 1ull << 46, SVA_PAGE_2M, 0, &e->alloc), -EINVAL);
	assert_int_equal(sva_pt_map(e->phys, &e->mode, e->root, va2m, 0, SVA_PAGE_4K, 1ull << 20, &e->alloc), -EINVAL);
	env_free(e);
}

/* Reserved bits anywhere → #PF with P and RSVD; not present wins over them. */
static void test_reserved_bits(void **state)
{
	struct env *e = env_new(4);
	const uint64_t va = 0x1000000000ull, big = 0x2000000000ull, huge = 0x3000000000ull;
	struct {
		uint64_t va;
		unsigned level;
		uint64_t bits;
	} cases[] = {
		{ va, 4, 1ull << 46 }, { va, 3, 1ull << 47 }, { va, 2, 1ull << 51 },
		{ va, 1, 1ull << 50 }, { va, 4, SVA_PTE_PS },
		{ big, 2, 1ull << 13 }, { big, 2, 1ull << 20 }, { big, 2, 1ull << 49 },
		{ huge, 3, 1ull << 13 }, { huge, 3, 1ull << 29 }, { huge, 3, 1ull << 46 },
	};
	struct sva_walk_result res;

	(void)state;
	assert_int_equal(sva_pt_map(e->phys, &e->mode, e->root, va, 0x9000, SVA_PAGE_4K,
				    SVA_PTE_RW | SVA_PTE_US, &e->alloc), 0);
	assert_int_equal(sva_pt_map(e->phys, &e->mode, e->root, big, 0x400000, SVA_PAGE_2M,
				    SVA_PTE_RW | SVA_PTE_US, &e->alloc), 0);
	assert_int_equal(sva_pt_map(e->phys, &e->mode, e->root, huge, 0x40000000, SVA_PAGE_1G,
				    SVA_PTE_RW | SVA_PTE_US, &e->alloc), 0);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t epa, orig;

		assert_int_equal(sva_pt_entry_pa(e->phys, &e->mode, e->root, cases[i].va,
						 cases[i].level, &epa), 0);
		orig = rd(e, epa);
		wr(e, epa, orig | cases[i].bits);
		assert_int_equal(walk(e, cases[i].va, SVA_ACC_WRITE, true, &res), SVA_WALK_PF);
		assert_int_equal(res.pf_error, SVA_PF_P | SVA_PF_RSVD | SVA_PF_W | SVA_PF_U);
		/* Reserved bits in a non-present entry are not looked at. */
		wr(e, epa, (orig | cases[i].bits) & ~SVA_PTE_P);
		assert_int_equal(walk(e, cases[i].va, SVA_ACC_READ, false, &res), SVA_WALK_PF);
		assert_int_equal(res.pf_error, 0);
		wr(e, epa, orig);
		assert_int_equal(walk(e, cases[i].va, SVA_ACC_READ, false, &res), SVA_WALK_OK);
	}
	/* A wider MAXPHYADDR makes bit 46 a legal address bit again. */
	{
		uint64_t epa;

		assert_int_equal(sva_pt_entry_pa(e->phys, &e->mode, e->root, huge, 3, &epa), 0);
		wr(e, epa, rd(e, epa) | 1ull << 46);
		assert_int_equal(walk(e, huge, SVA_ACC_READ, false, &res), SVA_WALK_PF);
		e->mode.maxphyaddr = 52;
		assert_int_equal(walk(e, huge + 5, SVA_ACC_READ, false, &res), SVA_WALK_OK);
		assert_int_equal(res.pa, (1ull << 46) + 0x40000005);
	}
	env_free(e);
}

static void test_canonical_and_5_level(void **state)
{
	struct env *e = env_new(4);
	struct sva_walk_result res;
	const uint64_t hi = 0xffff800000001000ull, va57 = 0x00ff000000002000ull;

	(void)state;
	assert_int_equal(walk(e, 0x0000800000000000ull, SVA_ACC_READ, false, &res),
			 SVA_WALK_NONCANONICAL);
	assert_int_equal(res.fault_addr, 0x0000800000000000ull);
	assert_int_equal(sva_pt_map(e->phys, &e->mode, e->root, va57, 0, SVA_PAGE_4K, 0, &e->alloc), -EINVAL);
	assert_int_equal(sva_pt_map(e->phys, &e->mode, e->root, hi, 0x7000, SVA_PAGE_4K, 0, &e->alloc), 0);
	assert_int_equal(walk(e, hi + 8, SVA_ACC_READ, false, &res), SVA_WALK_OK);
	assert_int_equal(res.pa, 0x7008);
	env_free(e);

	e = env_new(5);
	assert_int_equal(sva_pt_map(e->phys, &e->mode, e->root, va57, 0x8000, SVA_PAGE_4K,
				    SVA_PTE_US, &e->alloc), 0);
	assert_int_equal(walk(e, va57 + 1, SVA_ACC_READ, true, &res), SVA_WALK_OK);
	assert_int_equal(res.pa, 0x8001);
	assert_int_equal(res.entries_read, 5);
	assert_int_equal(walk(e, 0x0100000000000000ull, SVA_ACC_READ, true, &res),
			 SVA_WALK_NONCANONICAL);
	assert_true(sva_va_canonical(0xff00000000000000ull, 5));
	assert_false(sva_va_canonical(0xff00000000000000ull, 4));
	env_free(e);
}

static void test_table_in_unbacked_memory(void **state)
{
	struct env *e = env_new(4);
	struct sva_walk_result res;
	struct sva_walk_req req = { .root = RAM + 4096 * 10, .va = 0x1000 };
	struct sva_mce mce;
	uint64_t epa;

	(void)state;
	assert_int_equal(sva_walk(e->phys, &e->mode, &req, &res), -EIO);
	/* An intermediate entry pointing outside RAM: same, not a crash. */
	assert_int_equal(sva_pt_map(e->phys, &e->mode, e->root, 0x1000, 0x5000, SVA_PAGE_4K, 0, &e->alloc), 0);
	assert_int_equal(sva_pt_entry_pa(e->phys, &e->mode, e->root, 0x1000, 2, &epa), 0);
	wr(e, epa, (RAM + (1ull << 30)) | SVA_PT_TABLE_FLAGS);
	req.root = e->root;
	assert_int_equal(sva_walk(e->phys, &e->mode, &req, &res), -EIO);
	sva_phys_mce(e->phys, &mce);
	assert_int_equal(mce.count, 2);
	assert_int_equal(mce.addr, RAM + (1ull << 30) + 8);
	env_free(e);
}

/* ---- against a plain list ------------------------------------------ */

struct ref_map {
	uint64_t va, size, pa, flags;
};

static uint64_t xs;	/* test-local PRNG state, reseeded per run */

static uint64_t rnd(void)
{
	/* xorshift64*: independent of the runtime's PRNG on purpose. */
	xs ^= xs >> 12;
	xs ^= xs << 25;
	xs ^= xs >> 27;
	return xs * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_va(void)
{
	static const unsigned top[] = { 0, 1, 255, 256, 511 };
	uint64_t va = (uint64_t)top[rnd() % 5] << 39 | (rnd() % 8) << 30 |
		      (rnd() % 32) << 21 | (rnd() % 512) << 12 | (rnd() % 4096);

	if (va & (1ull << 47))
		va |= 0xffff000000000000ull;
	return va;
}

static const struct ref_map *ref_find(const struct ref_map *m, unsigned n, uint64_t va)
{
	for (unsigned i = 0; i < n; i++)
		if (va - m[i].va < m[i].size)
			return &m[i];
	return NULL;
}

static bool ref_overlaps(const struct ref_map *m, unsigned n, uint64_t va, uint64_t size)
{
	for (unsigned i = 0; i < n; i++)
		if (va < m[i].va + m[i].size && m[i].va < va + size)
			return true;
	return false;
}

static void random_run(uint64_t seed)
{
	enum { N = 10000, QUERIES = 20000 };
	static struct ref_map maps[N];
	struct env *e = env_new(4);
	unsigned n = 0, exists = 0, hits = 0;

	xs = seed * 0x9e3779b97f4a7c15ull + 1;
	for (unsigned i = 0; i < N; i++) {
		unsigned pick = (unsigned)(rnd() % 100);
		uint64_t size = pick < 90 ? SVA_PAGE_4K : pick < 98 ? SVA_PAGE_2M : SVA_PAGE_1G;
		uint64_t va = rnd_va() & ~(size - 1);
		uint64_t pa = (rnd() % (1ull << 46)) & ~(size - 1);
		uint64_t flags = (rnd() & 1 ? SVA_PTE_RW : 0) | (rnd() & 1 ? SVA_PTE_US : 0) |
				 (rnd() & 1 ? SVA_PTE_NX : 0);
		int r = sva_pt_map(e->phys, &e->mode, e->root, va, pa, size, flags, &e->alloc);

		if (ref_overlaps(maps, n, va, size)) {
			assert_int_equal(r, -EEXIST);
			exists++;
			continue;
		}
		assert_int_equal(r, 0);
		maps[n++] = (struct ref_map){ va, size, pa, flags };
	}
	for (unsigned q = 0; q < QUERIES; q++) {
		/* Half the queries land in a mapping, half anywhere. */
		uint64_t va = rnd_va();
		enum sva_access acc = (enum sva_access)(rnd() % 3);
		bool user = rnd() & 1;
		const struct ref_map *m;
		struct sva_walk_result res;
		int r;

		if (!(q & 1)) {
			const struct ref_map *t = &maps[rnd() % n];

			va = t->va + rnd() % t->size;
		}
		m = ref_find(maps, n, va);
		e->mode.wp = rnd() & 1;
		r = walk(e, va, acc, user, &res);
		if (!m) {
			assert_int_equal(r, SVA_WALK_PF);
			assert_int_equal(res.pf_error & SVA_PF_P, 0);
			continue;
		}
		hits++;
		if (oracle_allows(user, acc, e->mode.wp, false, m->flags & SVA_PTE_RW,
				  m->flags & SVA_PTE_US, m->flags & SVA_PTE_NX)) {
			assert_int_equal(r, SVA_WALK_OK);
			assert_int_equal(res.pa, m->pa + (va - m->va));
			assert_int_equal(res.page_size, m->size);
			assert_true(res.leaf & SVA_PTE_A);
			if (acc == SVA_ACC_WRITE)
				assert_true(res.leaf & SVA_PTE_D);
		} else {
			assert_int_equal(r, SVA_WALK_PF);
			assert_int_equal(res.pf_error & (SVA_PF_P | SVA_PF_RSVD), SVA_PF_P);
		}
	}
	/* The run exercised both outcomes, not just one. */
	assert_true(exists > 0);
	assert_true(n > N / 2);
	assert_true(hits > QUERIES / 2);
	env_free(e);
}

static void test_random_vs_reference(void **state)
{
	static const uint64_t seeds[] = { 1, 2, 3, 0xdeadbeef };

	(void)state;
	for (unsigned i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		random_run(seeds[i]);
	random_run(tu_seed(42));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_permission_table),
		cmocka_unit_test(test_sdm_spot_checks),
		cmocka_unit_test(test_accessed_dirty),
		cmocka_unit_test(test_large_pages),
		cmocka_unit_test(test_reserved_bits),
		cmocka_unit_test(test_canonical_and_5_level),
		cmocka_unit_test(test_table_in_unbacked_memory),
		cmocka_unit_test(test_random_vs_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
