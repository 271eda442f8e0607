// SPDX-License-Identifier: MIT
/*
 * The IA-32e page walker and page-table editing helpers.
 *
 * The walker does what SDM vol. 3A 4.5 says a 4-level (or 5-level) walk
 * does: index each table with 9 bits of the linear address, stop at the
 * first entry that is not present, has a reserved bit set, or maps a page
 * (PS in a PDPTE or PDE, or any PTE).  Rights accumulate on the way down
 * (4.6: R/W and U/S must be 1 at every level, XD at any level forbids
 * fetches) and are checked once at the end.  A and D are set only when the
 * translation succeeds; what hardware does with A on a faulting walk is
 * model specific, and nothing in sva relies on it.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include <sva/paging.h>

#define PT_ENTRIES	512
#define PT_SHIFT(level)	(12 + 9 * ((level) - 1))

/* Bits 20:13 of a 2 MiB leaf and 29:13 of a 1 GiB leaf are reserved. */
#define RSVD_2M		0x00000000001fe000ull
#define RSVD_1G		0x000000003fffe000ull

static unsigned mode_levels(const struct sva_paging_mode *mode)
{
	unsigned levels = mode->levels ? mode->levels : 4;

	assert(levels == 4 || levels == 5);
	return levels;
}

static unsigned mode_maxpa(struct sva_phys *phys, const struct sva_paging_mode *mode)
{
	return mode->maxphyaddr ? mode->maxphyaddr : sva_phys_maxphyaddr(phys);
}

/* Address bits at and above MAXPHYADDR, up to 51: reserved in every entry. */
static uint64_t rsvd_addr_bits(unsigned maxpa)
{
	if (maxpa >= 52)
		return 0;
	return SVA_PTE_ADDR & ~((1ull << maxpa) - 1);
}

bool sva_va_canonical(uint64_t va, unsigned levels)
{
	unsigned bits = levels == 5 ? 57 : 48;
	int64_t sext = (int64_t)(va << (64 - bits)) >> (64 - bits);

	return (uint64_t)sext == va;
}

static unsigned pt_index(uint64_t va, unsigned level)
{
	return (unsigned)(va >> PT_SHIFT(level)) & (PT_ENTRIES - 1);
}

static uint64_t level_size(unsigned level)
{
	return 1ull << PT_SHIFT(level);
}

/* A leaf at @level?  PTEs always are; PS marks one in a PDE or PDPTE. */
static bool is_leaf(uint64_t e, unsigned level)
{
	return level == 1 || ((level == 2 || level == 3) && (e & SVA_PTE_PS));
}

/* Reserved bits set in a present entry (SDM vol. 3A 4.5, tables 4-14..4-20). */
static uint64_t reserved_bits(uint64_t e, unsigned level, unsigned maxpa, bool nxe)
{
	uint64_t r = e & rsvd_addr_bits(maxpa);

	if (!nxe)
		r |= e & SVA_PTE_NX;
	if (level >= 4)				/* PS must be 0 in PML4E/PML5E */
		r |= e & SVA_PTE_PS;
	else if (level == 3 && (e & SVA_PTE_PS))
		r |= e & RSVD_1G;
	else if (level == 2 && (e & SVA_PTE_PS))
		r |= e & RSVD_2M;
	return r;
}

static int pf(struct sva_walk_result *res, const struct sva_paging_mode *mode,
	      const struct sva_walk_req *req, uint32_t bits)
{
	if (req->access == SVA_ACC_WRITE)
		bits |= SVA_PF_W;
	if (req->user)
		bits |= SVA_PF_U;
	/* 4.7: I/D reports a fetch only when XD or SMEP can cause one. */
	if (req->access == SVA_ACC_EXEC && (mode->nxe || mode->smep))
		bits |= SVA_PF_ID;
	res->pf_error = bits;
	res->fault_addr = req->va;
	return SVA_WALK_PF;
}

/* SDM vol. 3A 4.6.1: may this access use a translation with these rights? */
bool sva_rights_allow(const struct sva_paging_mode *mode,
		      const struct sva_walk_req *req,
		      bool writable, bool user, bool nx)
{
	if (req->user) {
		if (!user)
			return false;
		if (req->access == SVA_ACC_WRITE)
			return writable;
		if (req->access == SVA_ACC_EXEC)
			return !nx;
		return true;
	}
	/* Supervisor access. */
	if (req->access == SVA_ACC_EXEC)
		return !nx && !(user && mode->smep);
	/* SMAP: explicit accesses may be let through by EFLAGS.AC. */
	if (user && mode->smap && (req->implicit || !mode->ac))
		return false;
	/* With CR0.WP clear the supervisor writes even read-only pages. */
	if (req->access == SVA_ACC_WRITE && mode->wp)
		return writable;
	return true;
}

int sva_walk(struct sva_phys *phys, const struct sva_paging_mode *mode,
	     const struct sva_walk_req *req, struct sva_walk_result *res)
{
	unsigned levels = mode_levels(mode);
	unsigned maxpa = mode_maxpa(phys, mode);
	uint64_t ent[6], ent_pa[6];
	uint64_t table = req->root & SVA_PTE_ADDR & ~rsvd_addr_bits(maxpa);
	unsigned level, top = levels;
	int err;

	memset(res, 0, sizeof(*res));
	if (!sva_va_canonical(req->va, levels)) {
		res->fault_addr = req->va;
		return SVA_WALK_NONCANONICAL;
	}
	res->writable = res->user = true;
	for (level = top; ; level--) {
		uint64_t e, epa = table + 8ull * pt_index(req->va, level);

		err = sva_phys_read_u64(phys, epa, &e);
		if (err)
			return err;
		res->entries_read++;
		if (!(e & SVA_PTE_P))
			return pf(res, mode, req, 0);
		if (reserved_bits(e, level, maxpa, mode->nxe))
			return pf(res, mode, req, SVA_PF_P | SVA_PF_RSVD);
		res->writable &= !!(e & SVA_PTE_RW);
		res->user &= !!(e & SVA_PTE_US);
		res->nx |= mode->nxe && (e & SVA_PTE_NX);
		ent[level] = e;
		ent_pa[level] = epa;
		if (is_leaf(e, level))
			break;
		table = e & SVA_PTE_ADDR;
	}
	res->leaf_level = level;
	res->page_size = level_size(level);
	res->leaf = ent[level];
	res->leaf_pa = ent_pa[level];
	res->global = !!(res->leaf & SVA_PTE_G);
	res->pa = (res->leaf & SVA_PTE_ADDR & ~(res->page_size - 1)) |
		  (req->va & (res->page_size - 1));
	if (!sva_rights_allow(mode, req, res->writable, res->user, res->nx))
		return pf(res, mode, req, SVA_PF_P);

	/* 4.8: A in every entry used, D in the leaf on a write. */
	if (mode->set_ad) {
		for (unsigned l = top; l >= level; l--) {
			uint64_t e = ent[l] | SVA_PTE_A;

			if (l == level && req->access == SVA_ACC_WRITE)
				e |= SVA_PTE_D;
			if (e == ent[l])
				continue;
			err = sva_phys_write_u64(phys, ent_pa[l], e);
			if (err)
				return err;
			ent[l] = e;
		}
		res->leaf = ent[level];
	}
	res->dirty = !!(res->leaf & SVA_PTE_D);
	return SVA_WALK_OK;
}

/* ---- editing ------------------------------------------------------- */

static const uint8_t zero_frame[SVA_FRAME_SIZE];

static int alloc_table(struct sva_phys *phys, const struct sva_pt_alloc *alloc,
		       uint64_t *pa)
{
	int err;

	if (!alloc || !alloc->alloc)
		return -ENOMEM;
	err = alloc->alloc(alloc->opaque, pa);
	if (err)
		return err;
	if (*pa % SVA_FRAME_SIZE)
		return -EINVAL;
	return sva_phys_write(phys, *pa, zero_frame, sizeof(zero_frame));
}

int sva_pt_create_root(struct sva_phys *phys, const struct sva_pt_alloc *alloc,
		       uint64_t *root)
{
	return alloc_table(phys, alloc, root);
}

static int size_level(uint64_t size)
{
	switch (size) {
	case SVA_PAGE_4K:
		return 1;
	case SVA_PAGE_2M:
		return 2;
	case SVA_PAGE_1G:
		return 3;
	default:
		return -EINVAL;
	}
}

/*
 * Walk down to the entry at @target for @va, allocating missing tables when
 * @alloc is given.  Returns 0 with *epa set, -ENOENT (missing table and no
 * allocator), -EEXIST (a leaf above @target), or an error.
 */
static int descend(struct sva_phys *phys, const struct sva_paging_mode *mode,
		   uint64_t root, uint64_t va, unsigned target,
		   const struct sva_pt_alloc *alloc, uint64_t *epa)
{
	unsigned levels = mode_levels(mode);
	uint64_t table = root & SVA_PTE_ADDR;
	int err;

	if (!sva_va_canonical(va, levels) || target < 1 || target > levels)
		return -EINVAL;
	for (unsigned level = levels; level > target; level--) {
		uint64_t e, pa = table + 8ull * pt_index(va, level);

		err = sva_phys_read_u64(phys, pa, &e);
		if (err)
			return err;
		if (!(e & SVA_PTE_P)) {
			uint64_t frame;

			if (!alloc)
				return -ENOENT;
			err = alloc_table(phys, alloc, &frame);
			if (err)
				return err;
			e = frame | SVA_PT_TABLE_FLAGS;
			err = sva_phys_write_u64(phys, pa, e);
			if (err)
				return err;
		} else if (is_leaf(e, level)) {
			return -EEXIST;
		}
		table = e & SVA_PTE_ADDR;
	}
	*epa = table + 8ull * pt_index(va, target);
	return 0;
}

int sva_pt_map(struct sva_phys *phys, const struct sva_paging_mode *mode,
	       uint64_t root, uint64_t va, uint64_t pa, uint64_t size,
	       uint64_t flags, const struct sva_pt_alloc *alloc)
{
	int level = size_level(size);
	uint64_t allowed, e, epa;
	int err;

	if (level < 0 || va % size || pa % size)
		return -EINVAL;
	if (pa + size > (1ull << mode_maxpa(phys, mode)))
		return -EINVAL;
	allowed = ~SVA_PTE_ADDR | (level > 1 ? SVA_PTE_PAT_LARGE : 0);
	if (flags & ~allowed)
		return -EINVAL;
	err = descend(phys, mode, root, va, (unsigned)level, alloc, &epa);
	if (err)
		return err;
	err = sva_phys_read_u64(phys, epa, &e);
	if (err)
		return err;
	if (e & SVA_PTE_P)
		return -EEXIST;
	e = pa | flags | SVA_PTE_P | (level > 1 ? SVA_PTE_PS : 0);
	return sva_phys_write_u64(phys, epa, e);
}

int sva_pt_unmap(struct sva_phys *phys, const struct sva_paging_mode *mode,
		 uint64_t root, uint64_t va, uint64_t size)
{
	int level = size_level(size);
	uint64_t e, epa;
	int err;

	if (level < 0 || va % size)
		return -EINVAL;
	err = descend(phys, mode, root, va, (unsigned)level, NULL, &epa);
	if (err == -EEXIST)		/* a larger page covers it */
		return -ENOENT;
	if (err)
		return err;
	err = sva_phys_read_u64(phys, epa, &e);
	if (err)
		return err;
	if (!(e & SVA_PTE_P) || !is_leaf(e, (unsigned)level))
		return -ENOENT;
	return sva_phys_write_u64(phys, epa, 0);
}

int sva_pt_lookup(struct sva_phys *phys, const struct sva_paging_mode *mode,
		  uint64_t root, uint64_t va, uint64_t *entry,
		  uint64_t *entry_pa, uint64_t *size)
{
	unsigned levels = mode_levels(mode);
	uint64_t table = root & SVA_PTE_ADDR;
	int err;

	if (!sva_va_canonical(va, levels))
		return -EINVAL;
	for (unsigned level = levels; level >= 1; level--) {
		uint64_t e, pa = table + 8ull * pt_index(va, level);

		err = sva_phys_read_u64(phys, pa, &e);
		if (err)
			return err;
		if (!(e & SVA_PTE_P))
			return -ENOENT;
		if (is_leaf(e, level)) {
			*entry = e;
			*entry_pa = pa;
			*size = level_size(level);
			return 0;
		}
		table = e & SVA_PTE_ADDR;
	}
	return -ENOENT;
}

int sva_pt_entry_pa(struct sva_phys *phys, const struct sva_paging_mode *mode,
		    uint64_t root, uint64_t va, unsigned level,
		    uint64_t *entry_pa)
{
	int err = descend(phys, mode, root, va, level, NULL, entry_pa);

	return err == -EEXIST ? -ENOENT : err;
}
