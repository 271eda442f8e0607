/* SPDX-License-Identifier: MIT */
/*
 * sva/paging.h - x86-64 page tables in simulated physical memory.
 *
 * The tables are the real 4-level (optionally 5-level) IA-32e format, so
 * the CPU and, later, the IOMMU's first-level translation walk the very
 * same bytes the kernel writes.  There is one walker for both; what
 * differs between them (privilege of the access, WP, NXE, SMEP/SMAP,
 * whether to set A/D) is passed in.  Rules follow Intel SDM vol. 3A
 * chapter 4 (4.5 format, 4.6 access rights, 4.7 page-fault error code,
 * 4.8 accessed and dirty flags); docs/machine.md lists them.
 */
#ifndef SVA_PAGING_H
#define SVA_PAGING_H

#include <sva/api.h>

#include <stdbool.h>
#include <stdint.h>

#include <sva/phys.h>

SVA_API_BEGIN

/* Entry bits (SDM vol. 3A tables 4-15..4-20). */
#define SVA_PTE_P	(1ull << 0)	/* present */
#define SVA_PTE_RW	(1ull << 1)	/* writable */
#define SVA_PTE_US	(1ull << 2)	/* user accessible */
#define SVA_PTE_PWT	(1ull << 3)
#define SVA_PTE_PCD	(1ull << 4)
#define SVA_PTE_A	(1ull << 5)	/* accessed */
#define SVA_PTE_D	(1ull << 6)	/* dirty (leaf only) */
#define SVA_PTE_PS	(1ull << 7)	/* 1 GiB / 2 MiB leaf; PAT in a 4 KiB PTE */
#define SVA_PTE_G	(1ull << 8)	/* global (leaf only) */
#define SVA_PTE_PAT_LARGE (1ull << 12)	/* PAT bit of a 2 MiB / 1 GiB leaf */
#define SVA_PTE_NX	(1ull << 63)	/* execute disable (needs EFER.NXE) */
#define SVA_PTE_ADDR	0x000ffffffffff000ull	/* bits 51:12 */

/* #PF error code bits (SDM vol. 3A 4.7). */
#define SVA_PF_P	(1u << 0)	/* 0: not present, 1: protection/reserved */
#define SVA_PF_W	(1u << 1)	/* the access was a write */
#define SVA_PF_U	(1u << 2)	/* the access was a user-mode access */
#define SVA_PF_RSVD	(1u << 3)	/* a reserved bit was set */
#define SVA_PF_ID	(1u << 4)	/* the access was an instruction fetch */

#define SVA_PAGE_4K	(1ull << 12)
#define SVA_PAGE_2M	(1ull << 21)
#define SVA_PAGE_1G	(1ull << 30)

enum sva_access {
	SVA_ACC_READ = 0,
	SVA_ACC_WRITE,
	SVA_ACC_EXEC,
};

/* How paging is set up: the control-register bits that matter. */
struct sva_paging_mode {
	unsigned levels;	/* 4 or 5 (CR4.LA57); 0 means 4 */
	unsigned maxphyaddr;	/* 0 = take it from phys */
	bool wp;		/* CR0.WP: supervisor writes honour R/W */
	bool nxe;		/* IA32_EFER.NXE: bit 63 is XD, not reserved */
	bool smep;		/* CR4.SMEP: no supervisor fetch from user pages */
	bool smap;		/* CR4.SMAP: no supervisor data access to user pages */
	bool ac;		/* EFLAGS.AC: lifts SMAP for explicit accesses */
	bool set_ad;		/* set A and D like hardware (false: read-only walk) */
};

/* One translation request. */
struct sva_walk_req {
	uint64_t root;		/* physical address of the top table (CR3 bits 51:12) */
	uint64_t va;		/* linear address */
	enum sva_access access;
	bool user;		/* user-mode access (CPL 3), else supervisor */
	bool implicit;		/* implicit supervisor access: SMAP ignores AC */
};

/* Outcome of sva_walk(). */
enum sva_walk_status {
	SVA_WALK_OK = 0,
	SVA_WALK_PF = 1,	/* page fault: pf_error and fault_addr are set */
	SVA_WALK_NONCANONICAL = 2,	/* CPU raises #GP (or #SS) for this */
};

struct sva_walk_result {
	uint64_t pa;		/* translated address */
	uint64_t page_size;	/* 4 KiB, 2 MiB or 1 GiB */
	uint64_t leaf;		/* leaf entry, as written back (A/D included) */
	uint64_t leaf_pa;	/* where the leaf entry lives */
	unsigned leaf_level;	/* 1 = PTE, 2 = PDE, 3 = PDPTE */
	unsigned entries_read;	/* table reads done: the walk's cost */
	/* Effective rights: AND of R/W and U/S, OR of XD over all levels. */
	bool writable, user, nx;
	bool dirty;		/* D of the leaf after this walk */
	bool global;		/* G of the leaf */
	/* On SVA_WALK_PF / SVA_WALK_NONCANONICAL: */
	uint32_t pf_error;	/* SVA_PF_* bits */
	uint64_t fault_addr;	/* what the CPU loads into CR2 */
};

/*
 * Translate one address.  Returns an enum sva_walk_status, or -EIO when a
 * table entry lies in unbacked physical memory (a machine check, recorded
 * by phys).  @res is always filled in as far as the walk got.
 */
int sva_walk(struct sva_phys *phys, const struct sva_paging_mode *mode,
	     const struct sva_walk_req *req, struct sva_walk_result *res);

/*
 * The SDM 4.6.1 rights check on rights already accumulated over a walk
 * (what a TLB entry caches): may @req use a translation that is @writable,
 * @user and @nx (XD effective)?
 */
bool sva_rights_allow(const struct sva_paging_mode *mode,
		      const struct sva_walk_req *req,
		      bool writable, bool user, bool nx);

/* True when bits 63:N of @va copy bit N-1 (N = 48, or 57 with 5 levels). */
bool sva_va_canonical(uint64_t va, unsigned levels);

/* ---- editing page tables (kernel and tests) ------------------------ */

/*
 * Where table frames come from.  alloc() stores the physical address of a
 * free 4 KiB frame in *pa and returns 0 or a negative errno; the editing
 * helpers zero the frame themselves.
 */
struct sva_pt_alloc {
	int (*alloc)(void *opaque, uint64_t *pa);
	void *opaque;
};

/* Flags given to tables created on the way down: leaves decide rights. */
#define SVA_PT_TABLE_FLAGS (SVA_PTE_P | SVA_PTE_RW | SVA_PTE_US)

/* A fresh, empty top-level table.  Returns 0 or a negative errno. */
int sva_pt_create_root(struct sva_phys *phys, const struct sva_pt_alloc *alloc,
		       uint64_t *root);

/*
 * Map [va, va+size) to [pa, pa+size) with one leaf of @size (4 KiB, 2 MiB
 * or 1 GiB).  @flags are the leaf's bits other than the address (P is
 * added; PS is added for large pages).  Missing tables are allocated with
 * SVA_PT_TABLE_FLAGS.  Returns 0, -EINVAL (bad size, misaligned, not
 * canonical, pa beyond MAXPHYADDR), -EEXIST (something is already mapped
 * there, or a table sits where the large leaf would go), -ENOMEM / the
 * allocator's error, or -EIO.
 */
int sva_pt_map(struct sva_phys *phys, const struct sva_paging_mode *mode,
	       uint64_t root, uint64_t va, uint64_t pa, uint64_t size,
	       uint64_t flags, const struct sva_pt_alloc *alloc);

/*
 * Clear the leaf mapping @va, which must be of @size and start at @va.
 * Tables are not freed.  Returns 0, -ENOENT (no such leaf), -EINVAL, -EIO.
 * The caller invalidates TLBs.
 */
int sva_pt_unmap(struct sva_phys *phys, const struct sva_paging_mode *mode,
		 uint64_t root, uint64_t va, uint64_t size);

/*
 * Find the leaf that maps @va, ignoring permissions and without touching
 * A/D.  Returns 0 (fills *entry, *entry_pa, *size), -ENOENT, -EINVAL, -EIO.
 */
int sva_pt_lookup(struct sva_phys *phys, const struct sva_paging_mode *mode,
		  uint64_t root, uint64_t va, uint64_t *entry,
		  uint64_t *entry_pa, uint64_t *size);

/*
 * Physical address of the entry at @level (1 = PTE ... 4 or 5 = top) on the
 * way to @va, for code that edits entries directly.  Returns 0, -ENOENT when
 * a table above that level is missing or a leaf ends the walk first, -EIO.
 */
int sva_pt_entry_pa(struct sva_phys *phys, const struct sva_paging_mode *mode,
		    uint64_t root, uint64_t va, unsigned level,
		    uint64_t *entry_pa);

SVA_API_END
#endif /* SVA_PAGING_H */
