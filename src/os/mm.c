// SPDX-License-Identifier: MIT
/*
 * VMAs, demand paging, copy-on-write, munmap/mprotect/madvise, page
 * migration and reclaim, fork and exit of address spaces, and the
 * mmu_notifier calls around every change that removes or narrows a
 * translation (see mm.h for the contract).
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sva/trace.h>

#include "os/check.h"
#include "os/kernel.h"
#include "os/mm.h"
#include "os/proc.h"

#define PAGE		SVA_FRAME_SIZE
#define PAGE_MASK	SVA_FRAME_MASK
/* A page reclaimed to swap: not present, software bit 9, slot in 51:12. */
#define PTE_SWAP	(1ull << 9)
/* PROT_NONE keeps the page but not the mapping: not present, bit 10, frame kept. */
#define PTE_PROTNONE	(1ull << 10)
#define PTE_HAS_FRAME(pte)	((pte) & (SVA_PTE_P | PTE_PROTNONE))

static bool page_aligned(uint64_t v)
{
	return (v & (PAGE - 1)) == 0;
}

/* ---- page-table entries ---------------------------------------------------- */

/* Physical address of the PTE for @va; -ENOENT when no page table is there yet. */
static int pte_slot(struct sva_mm *mm, uint64_t va, uint64_t *slot)
{
	struct sva_kernel *k = mm->k;

	return sva_pt_entry_pa(k->phys, &k->paging, mm->pgd, va, 1, slot);
}

static uint64_t pte_read(struct sva_mm *mm, uint64_t va)
{
	uint64_t slot, pte = 0;

	if (pte_slot(mm, va, &slot) == 0 && sva_phys_read_u64(mm->k->phys, slot, &pte) != 0)
		pte = 0;
	return pte;
}

static void pte_write_existing(struct sva_mm *mm, uint64_t va, uint64_t pte)
{
	uint64_t slot;
	int r = pte_slot(mm, va, &slot);

	assert(r == 0);
	r = sva_phys_write_u64(mm->k->phys, slot, pte);
	assert(r == 0);
	(void)r;
}

/* Install a present PTE, building the page tables above it when missing. */
static int pte_install(struct sva_mm *mm, uint64_t va, uint64_t pte)
{
	struct sva_kernel *k = mm->k;
	struct sva_pt_alloc alloc;
	uint64_t slot;
	int r = pte_slot(mm, va, &slot);

	assert(pte & SVA_PTE_P);
	if (r == -ENOENT) {
		sva_kernel_pt_alloc(k, &alloc);
		r = sva_pt_map(k->phys, &k->paging, mm->pgd, va, pte & SVA_PTE_ADDR,
			       SVA_PAGE_4K, 0, &alloc);
		if (r)
			return r;
		r = pte_slot(mm, va, &slot);
	}
	if (r)
		return r;
	return sva_phys_write_u64(k->phys, slot, pte);
}

static uint64_t vma_pte_flags(const struct sva_vma *vma, bool writable)
{
	uint64_t f = SVA_PTE_P | SVA_PTE_US;

	if (writable)
		f |= SVA_PTE_RW;
	if (!(vma->prot & SVA_PROT_EXEC))
		f |= SVA_PTE_NX;
	if (vma->flags & SVA_VM_IO)
		f |= SVA_PTE_PCD | SVA_PTE_PWT;	/* MMIO is uncached */
	return f;
}

static void flush_tlb(struct sva_mm *mm, uint64_t start, uint64_t end)
{
	struct sva_kernel *k = mm->k;

	if (k->flush_tlb)
		k->flush_tlb(k, mm, start, end);
}

/* ---- notifiers ---------------------------------------------------------------- */

static void notify_start(struct sva_mm *mm, uint64_t start, uint64_t end)
{
	struct sva_kernel *k = mm->k;

	sva_counter_inc(k->st.notifier_ranges);
	if (sva_trace_enabled(k->sim))
		sva_trace_instant(k->sim, k->trace_track, "mm", "invalidate_range_start",
				  (struct sva_trace_arg[]){ SVA_TARG_U("mm", mm->id),
							    SVA_TARG_X("start", start),
							    SVA_TARG_U("len", end - start) }, 3);
	for (struct sva_mmu_notifier *mn = mm->notifiers; mn; mn = mn->next)
		if (mn->ops->invalidate_range_start)
			mn->ops->invalidate_range_start(mn, mm, start, end);
}

static void notify_end(struct sva_mm *mm, uint64_t start, uint64_t end)
{
	struct sva_kernel *k = mm->k;

	for (struct sva_mmu_notifier *mn = mm->notifiers; mn; mn = mn->next)
		if (mn->ops->invalidate_range_end)
			mn->ops->invalidate_range_end(mn, mm, start, end);
	if (sva_trace_enabled(k->sim))
		sva_trace_instant(k->sim, k->trace_track, "mm", "invalidate_range_end",
				  (struct sva_trace_arg[]){ SVA_TARG_U("mm", mm->id),
							    SVA_TARG_X("start", start),
							    SVA_TARG_U("len", end - start) }, 3);
}

int sva_mmu_notifier_register(struct sva_mm *mm, struct sva_mmu_notifier *mn)
{
	if (mm->exited)
		return -ESRCH;
	for (struct sva_mmu_notifier *i = mm->notifiers; i; i = i->next)
		if (i == mn)
			return -EEXIST;
	mn->next = mm->notifiers;
	mm->notifiers = mn;
	return 0;
}

void sva_mmu_notifier_unregister(struct sva_mm *mm, struct sva_mmu_notifier *mn)
{
	for (struct sva_mmu_notifier **p = &mm->notifiers; *p; p = &(*p)->next)
		if (*p == mn) {
			*p = mn->next;
			mn->next = NULL;
			return;
		}
}

/* ---- frames to free once the notifiers are done -------------------------------- */

struct gather {
	uint64_t *pa;
	size_t n, cap;
};

static void gather_add(struct gather *g, uint64_t pa)
{
	if (g->n == g->cap) {
		size_t ncap = g->cap ? g->cap * 2 : 64;
		uint64_t *np = realloc(g->pa, ncap * sizeof(*np));

		/* Losing track of a frame would leak it; better stop loudly. */
		if (!np)
			sva_out_of_memory("the frames of an invalidated range");
		g->pa = np;
		g->cap = ncap;
	}
	g->pa[g->n++] = pa;
}

static void gather_free(struct sva_mm *mm, struct gather *g)
{
	for (size_t i = 0; i < g->n; i++)
		sva_frame_put(&mm->k->frames, g->pa[i]);
	free(g->pa);
	*g = (struct gather){ 0 };
}

/* ---- VMAs ---------------------------------------------------------------------- */

struct sva_vma *sva_mm_find_vma(struct sva_mm *mm, uint64_t va)
{
	for (struct sva_vma *v = mm->vmas; v && v->start <= va; v = v->next)
		if (va < v->end)
			return v;
	return NULL;
}

static void vma_link(struct sva_mm *mm, struct sva_vma *vma)
{
	struct sva_vma **p = &mm->vmas;

	while (*p && (*p)->start < vma->start)
		p = &(*p)->next;
	assert(!*p || (*p)->start >= vma->end);
	vma->next = *p;
	*p = vma;
}

static void vma_free(struct sva_mm *mm, struct sva_vma *vma)
{
	struct sva_shmem *shm = vma->shm;

	assert(!vma->file && "a VMA that maps a file goes through put_unmapped_files");

	if (shm && --shm->refs == 0) {
		/* The object's own references: the last VMA takes them along. */
		for (uint64_t i = 0; i < shm->npages; i++)
			if (shm->frames[i])
				sva_frame_put(&mm->k->frames, shm->frames[i]);
		free(shm->frames);
		free(shm);
	}
	free(vma);
}

/*
 * VMAs that mapped a file, unlinked under mmap_lock: their files are put
 * only once the lock is dropped, since the last put runs the driver's
 * release, which may sleep waiting on the device (Linux defers the fput
 * of remove_vma() to task_work for the same reason).
 */
static void put_unmapped_files(struct sva_vma *gone)
{
	while (gone) {
		struct sva_vma *v = gone;

		gone = v->next;
		sva_fput(v->file);
		free(v);
	}
}

/* Split @vma at @addr (inside it); the new upper part follows it. */
static int vma_split(struct sva_vma *vma, uint64_t addr)
{
	struct sva_vma *hi;

	assert(addr > vma->start && addr < vma->end && page_aligned(addr));
	hi = malloc(sizeof(*hi));
	if (!hi)
		return -ENOMEM;
	*hi = *vma;
	hi->start = addr;
	if (vma->shm) {
		hi->shm_pgoff += (addr - vma->start) / PAGE;
		vma->shm->refs++;
	}
	if (vma->flags & SVA_VM_IO)
		hi->io_pa += addr - vma->start;
	if (hi->file)
		sva_file_get(hi->file);		/* each part maps the file */
	vma->end = addr;
	vma->next = hi;
	return 0;
}

/* Make VMA boundaries fall on @start and @end. */
static int vma_split_range(struct sva_mm *mm, uint64_t start, uint64_t end)
{
	for (struct sva_vma *v = mm->vmas; v; v = v->next) {
		int r = 0;

		if (v->start < start && start < v->end)
			r = vma_split(v, start);
		else if (v->start < end && end < v->end)
			r = vma_split(v, end);
		if (r)
			return r;
	}
	return 0;
}

static bool range_has_vma(struct sva_mm *mm, uint64_t start, uint64_t end)
{
	for (struct sva_vma *v = mm->vmas; v; v = v->next)
		if (v->start < end && start < v->end)
			return true;
	return false;
}

/* ---- zapping --------------------------------------------------------------------- */

/* Clear the PTEs of [start, end) inside @vma, gathering frames to free. */
static void zap_vma_range(struct sva_mm *mm, struct sva_vma *vma, uint64_t start,
			  uint64_t end, struct gather *g)
{
	for (uint64_t va = start; va < end; va += PAGE) {
		uint64_t pte = pte_read(mm, va);

		if (PTE_HAS_FRAME(pte)) {
			if (!(vma->flags & SVA_VM_IO)) {
				gather_add(g, pte & SVA_PTE_ADDR);
				mm->rss--;
			}
			pte_write_existing(mm, va, 0);
		} else if (pte & PTE_SWAP) {
			sva_swap_put(mm->k, (pte & SVA_PTE_ADDR) >> 12);
			pte_write_existing(mm, va, 0);
		}
	}
}

/*
 * Remove every translation of [start, end): notifier start, PTEs cleared,
 * CPU TLBs flushed, notifier end, and only then the frames freed.
 */
static void zap_range(struct sva_mm *mm, uint64_t start, uint64_t end)
{
	struct gather g = { 0 };

	if (!range_has_vma(mm, start, end))
		return;
	notify_start(mm, start, end);
	for (struct sva_vma *v = mm->vmas; v; v = v->next) {
		uint64_t s = v->start > start ? v->start : start;
		uint64_t e = v->end < end ? v->end : end;

		if (s < e)
			zap_vma_range(mm, v, s, e, &g);
	}
	flush_tlb(mm, start, end);
	notify_end(mm, start, end);
	gather_free(mm, &g);
}

static int check_range(uint64_t addr, uint64_t len)
{
	if (!page_aligned(addr) || len == 0)
		return -EINVAL;
	if (addr >= SVA_USER_TOP || len > SVA_USER_TOP - addr)
		return -EINVAL;
	return 0;
}

static uint64_t page_round(uint64_t len)
{
	return (len + PAGE - 1) & PAGE_MASK;
}

/* Unmap [start, end); VMAs holding a file go onto *gone (put_unmapped_files). */
static void unmap_locked(struct sva_mm *mm, uint64_t start, uint64_t end, struct sva_vma **gone)
{
	struct sva_vma **p;

	zap_range(mm, start, end);
	p = &mm->vmas;
	while (*p) {
		struct sva_vma *v = *p;

		if (v->start >= start && v->end <= end) {
			*p = v->next;
			if (v->file) {
				v->next = *gone;
				*gone = v;
			} else {
				vma_free(mm, v);
			}
		} else {
			p = &v->next;
		}
	}
}

int sva_mm_munmap(struct sva_mm *mm, uint64_t addr, uint64_t len)
{
	struct sva_vma *gone = NULL;
	uint64_t end;
	int r;

	len = page_round(len);
	r = check_range(addr, len);
	if (r)
		return r;
	end = addr + len;
	sva_mutex_lock(mm->k->sim, &mm->lock);
	r = vma_split_range(mm, addr, end);
	if (!r)
		unmap_locked(mm, addr, end, &gone);
	sva_mutex_unlock(mm->k->sim, &mm->lock);
	put_unmapped_files(gone);
	return r;
}

/* ---- mmap -------------------------------------------------------------------------- */

static bool range_free(struct sva_mm *mm, uint64_t start, uint64_t end)
{
	return !range_has_vma(mm, start, end);
}

static int find_gap(struct sva_mm *mm, uint64_t hint, uint64_t len, uint64_t *out)
{
	uint64_t a;

	if (hint && page_aligned(hint) && hint < SVA_USER_TOP && len <= SVA_USER_TOP - hint &&
	    range_free(mm, hint, hint + len)) {
		*out = hint;
		return 0;
	}
	a = SVA_MMAP_BASE;
	for (struct sva_vma *v = mm->vmas; v; v = v->next) {
		if (v->end <= a)
			continue;
		if (v->start >= a && v->start - a >= len)
			break;
		a = v->end;
	}
	if (a >= SVA_USER_TOP || SVA_USER_TOP - a < len)
		return -ENOMEM;
	*out = a;
	return 0;
}

int sva_mm_mmap(struct sva_mm *mm, uint64_t *addr, uint64_t len, unsigned prot,
		unsigned flags, unsigned vmflags, uint64_t io_pa, const char *name)
{
	return sva_mm_mmap_file(mm, NULL, addr, len, prot, flags, vmflags, io_pa, name);
}

int sva_mm_mmap_file(struct sva_mm *mm, struct sva_file *file, uint64_t *addr, uint64_t len,
		     unsigned prot, unsigned flags, unsigned vmflags, uint64_t io_pa,
		     const char *name)
{
	unsigned share = flags & (SVA_MAP_SHARED | SVA_MAP_PRIVATE);
	struct sva_vma *vma, *gone = NULL;
	uint64_t start;
	int r;

	if (len == 0 || len > SVA_USER_TOP)
		return -EINVAL;
	len = page_round(len);
	if (share != SVA_MAP_SHARED && share != SVA_MAP_PRIVATE)
		return -EINVAL;
	if (prot & ~(unsigned)(SVA_PROT_READ | SVA_PROT_WRITE | SVA_PROT_EXEC))
		return -EINVAL;
	if (vmflags & SVA_VM_IO) {
		if (!page_aligned(io_pa))
			return -EINVAL;
	} else if (!(flags & SVA_MAP_ANONYMOUS)) {
		return -ENODEV;		/* file mappings are not modelled */
	}
	if ((flags & SVA_MAP_FIXED) && check_range(*addr, len))
		return -EINVAL;
	if (mm->exited)
		return -ESRCH;

	vma = calloc(1, sizeof(*vma));
	if (!vma)
		return -ENOMEM;
	vma->prot = prot;
	vma->flags = vmflags & (SVA_VM_IO | SVA_VM_DONTCOPY);
	vma->io_pa = io_pa;
	snprintf(vma->name, sizeof(vma->name), "%s", name ? name : "[anon]");
	if (share == SVA_MAP_SHARED && !(vmflags & SVA_VM_IO)) {
		vma->flags |= SVA_VM_SHARED;
		vma->shm = calloc(1, sizeof(*vma->shm));
		if (vma->shm)
			vma->shm->frames = calloc(len / PAGE, sizeof(uint64_t));
		if (!vma->shm || !vma->shm->frames) {
			if (vma->shm)
				free(vma->shm);
			free(vma);
			return -ENOMEM;
		}
		vma->shm->refs = 1;
		vma->shm->npages = len / PAGE;
	}

	sva_mutex_lock(mm->k->sim, &mm->lock);
	if (flags & SVA_MAP_FIXED) {
		start = *addr;
		r = vma_split_range(mm, start, start + len);
		if (!r)
			unmap_locked(mm, start, start + len, &gone);
	} else {
		r = find_gap(mm, *addr, len, &start);
	}
	if (!r) {
		vma->start = start;
		vma->end = start + len;
		if (file) {
			vma->file = file;
			sva_file_get(file);
		}
		vma_link(mm, vma);
		*addr = start;
	}
	sva_mutex_unlock(mm->k->sim, &mm->lock);
	put_unmapped_files(gone);
	if (r)
		vma_free(mm, vma);
	return r;
}

/* ---- faults ----------------------------------------------------------------------------- */

static bool access_allowed(const struct sva_vma *vma, int access)
{
	switch (access) {
	case SVA_ACC_WRITE:
		return vma->prot & SVA_PROT_WRITE;
	case SVA_ACC_EXEC:
		return vma->prot & SVA_PROT_EXEC;
	default:
		/* x86 cannot map write- or exec-only: those pages read too. */
		return vma->prot != SVA_PROT_NONE;
	}
}

static int fault_cow(struct sva_mm *mm, struct sva_vma *vma, uint64_t page, uint64_t pte)
{
	struct sva_kernel *k = mm->k;
	uint64_t old = pte & SVA_PTE_ADDR, new;
	int r;

	if (sva_frame_refs(&k->frames, old) == 1) {
		/* Last user of the frame: it is ours, just widen the PTE. */
		pte_write_existing(mm, page, pte | SVA_PTE_RW);
		flush_tlb(mm, page, page + PAGE);
		sva_counter_inc(k->st.cow_reuse);
		return 0;
	}
	r = sva_frame_alloc(&k->frames, &new);
	if (r)
		return r;
	memcpy(sva_phys_ptr(k->phys, new, PAGE), sva_phys_ptr(k->phys, old, PAGE), PAGE);
	notify_start(mm, page, page + PAGE);
	pte_write_existing(mm, page, new | vma_pte_flags(vma, true));
	flush_tlb(mm, page, page + PAGE);
	notify_end(mm, page, page + PAGE);
	sva_frame_put(&k->frames, old);
	sva_counter_inc(k->st.cow_breaks);
	return 0;
}

static int fault_missing(struct sva_mm *mm, struct sva_vma *vma, uint64_t page, uint64_t pte)
{
	struct sva_kernel *k = mm->k;
	bool writable = vma->prot & SVA_PROT_WRITE;
	uint64_t pa;
	int r;

	if (vma->flags & SVA_VM_IO)
		return pte_install(mm, page, (vma->io_pa + (page - vma->start)) |
				   vma_pte_flags(vma, writable));
	if (vma->flags & SVA_VM_SHARED) {
		uint64_t *slot = &vma->shm->frames[vma->shm_pgoff + (page - vma->start) / PAGE];

		if (!*slot) {
			r = sva_frame_alloc(&k->frames, slot);	/* the object's reference */
			if (r)
				return r;
		}
		pa = *slot;
		sva_frame_get(&k->frames, pa);			/* the mapping's reference */
	} else {
		r = sva_frame_alloc(&k->frames, &pa);
		if (r)
			return r;
		if (pte & PTE_SWAP) {
			uint64_t swp = (pte & SVA_PTE_ADDR) >> 12;

			sva_swap_load(k, swp, sva_phys_ptr(k->phys, pa, PAGE));
			sva_swap_put(k, swp);
			sva_counter_inc(k->st.swapins);
		}
	}
	r = pte_install(mm, page, pa | vma_pte_flags(vma, writable));
	if (r) {
		sva_frame_put(&k->frames, pa);
		return r;
	}
	mm->rss++;
	return 0;
}

static int fault_locked(struct sva_mm *mm, uint64_t va, int access)
{
	struct sva_vma *vma = sva_mm_find_vma(mm, va);
	uint64_t page = va & PAGE_MASK, pte;

	if (!vma)
		return SVA_FAULT_MAPERR;
	if (!access_allowed(vma, access))
		return SVA_FAULT_ACCERR;
	pte = pte_read(mm, page);
	if (!(pte & SVA_PTE_P))
		return fault_missing(mm, vma, page, pte);
	if (access == SVA_ACC_WRITE && !(pte & SVA_PTE_RW)) {
		if (!(vma->flags & (SVA_VM_SHARED | SVA_VM_IO)))
			return fault_cow(mm, vma, page, pte);
		pte_write_existing(mm, page, pte | SVA_PTE_RW);
	}
	/* Already resolved (by another thread, or a stale TLB entry): retry. */
	flush_tlb(mm, page, page + PAGE);
	return 0;
}

int sva_mm_fault(struct sva_mm *mm, uint64_t va, int access)
{
	struct sva_kernel *k = mm->k;
	int r;

	sva_counter_inc(k->st.page_faults);
	if (va >= SVA_USER_TOP)
		return SVA_FAULT_MAPERR;
	sva_mutex_lock(k->sim, &mm->lock);
	r = mm->exited ? SVA_FAULT_MAPERR : fault_locked(mm, va, access);
	sva_mutex_unlock(k->sim, &mm->lock);
	if (r == SVA_FAULT_OOM)
		sva_counter_inc(k->st.oom);
	return r;
}

/* ---- mprotect and madvise ------------------------------------------------------------------ */

int sva_mm_mprotect(struct sva_mm *mm, uint64_t addr, uint64_t len, unsigned prot)
{
	struct sva_kernel *k = mm->k;
	uint64_t end, covered;
	int r;

	len = page_round(len);
	r = check_range(addr, len);
	if (r)
		return r;
	if (prot & ~(unsigned)(SVA_PROT_READ | SVA_PROT_WRITE | SVA_PROT_EXEC))
		return -EINVAL;
	end = addr + len;
	sva_mutex_lock(k->sim, &mm->lock);
	/* Like Linux: the whole range must be mapped, else -ENOMEM. */
	covered = addr;
	for (struct sva_vma *v = mm->vmas; v && covered < end; v = v->next)
		if (v->start <= covered && v->end > covered)
			covered = v->end;
	if (covered < end) {
		r = -ENOMEM;
		goto out;
	}
	r = vma_split_range(mm, addr, end);
	if (r)
		goto out;
	notify_start(mm, addr, end);
	for (struct sva_vma *v = mm->vmas; v; v = v->next) {
		if (v->end <= addr || v->start >= end)
			continue;
		v->prot = prot;
		for (uint64_t va = v->start; va < v->end; va += PAGE) {
			uint64_t pte = pte_read(mm, va), pa = pte & SVA_PTE_ADDR;
			bool w;

			if (!(pte & (SVA_PTE_P | PTE_PROTNONE)))
				continue;
			if (prot == SVA_PROT_NONE) {
				/* Keep the page, deny every access: not present. */
				pte_write_existing(mm, va, (pte & ~SVA_PTE_P) | PTE_PROTNONE);
				continue;
			}
			/* A page still shared with a fork stays read-only: COW on write. */
			w = (prot & SVA_PROT_WRITE) &&
			    ((v->flags & (SVA_VM_SHARED | SVA_VM_IO)) ||
			     sva_frame_refs(&k->frames, pa) == 1);
			pte_write_existing(mm, va, pa | vma_pte_flags(v, w) |
					   (pte & (SVA_PTE_A | SVA_PTE_D)));
		}
	}
	flush_tlb(mm, addr, end);
	notify_end(mm, addr, end);
out:
	sva_mutex_unlock(k->sim, &mm->lock);
	return r;
}

int sva_mm_madvise_dontneed(struct sva_mm *mm, uint64_t addr, uint64_t len)
{
	int r;

	len = page_round(len);
	r = check_range(addr, len);
	if (r)
		return r;
	sva_mutex_lock(mm->k->sim, &mm->lock);
	/* Private pages read back as zeroes; shared ones keep their data in the object. */
	zap_range(mm, addr, addr + len);
	sva_mutex_unlock(mm->k->sim, &mm->lock);
	return 0;
}

/* ---- taking a page away from a live mm -------------------------------------------------------- */

/* The page at @va, if it is a private anonymous page of this mm alone. */
static int movable_page(struct sva_mm *mm, uint64_t va, uint64_t *ptep)
{
	struct sva_vma *vma = sva_mm_find_vma(mm, va);
	uint64_t pte;

	if (!vma)
		return -EFAULT;
	if (vma->flags & (SVA_VM_IO | SVA_VM_SHARED))
		return -EINVAL;		/* no rmap modelled: only private pages move */
	pte = pte_read(mm, va & PAGE_MASK);
	if (!(pte & SVA_PTE_P))
		return -ENOENT;
	if (sva_frame_refs(&mm->k->frames, pte & SVA_PTE_ADDR) != 1)
		return -EBUSY;		/* still shared with a fork */
	*ptep = pte;
	return 0;
}

/*
 * Clear the page's PTE inside an mmu_notifier range, so that every CPU TLB,
 * IOTLB and device ATC has dropped it before its frame is touched.
 */
static void unmap_page(struct sva_mm *mm, uint64_t page)
{
	notify_start(mm, page, page + PAGE);
	pte_write_existing(mm, page, 0);
	flush_tlb(mm, page, page + PAGE);
	notify_end(mm, page, page + PAGE);
}

int sva_mm_migrate_page(struct sva_mm *mm, uint64_t va)
{
	struct sva_kernel *k = mm->k;
	uint64_t page = va & PAGE_MASK, pte, old, new;
	int r;

	sva_mutex_lock(k->sim, &mm->lock);
	r = movable_page(mm, page, &pte);
	if (r)
		goto out;
	r = sva_frame_alloc(&k->frames, &new);
	if (r)
		goto out;
	old = pte & SVA_PTE_ADDR;
	unmap_page(mm, page);
	/* Nobody can write the old frame now: copy, then point at the copy. */
	memcpy(sva_phys_ptr(k->phys, new, PAGE), sva_phys_ptr(k->phys, old, PAGE), PAGE);
	pte_write_existing(mm, page, new | (pte & ~SVA_PTE_ADDR & ~(SVA_PTE_A | SVA_PTE_D)));
	sva_frame_put(&k->frames, old);
	sva_counter_inc(k->st.migrations);
out:
	sva_mutex_unlock(k->sim, &mm->lock);
	return r;
}

int sva_mm_reclaim_page(struct sva_mm *mm, uint64_t va)
{
	struct sva_kernel *k = mm->k;
	uint64_t page = va & PAGE_MASK, pte, old, slot;
	int r;

	sva_mutex_lock(k->sim, &mm->lock);
	r = movable_page(mm, page, &pte);
	if (r)
		goto out;
	old = pte & SVA_PTE_ADDR;
	unmap_page(mm, page);
	r = sva_swap_store(k, sva_phys_ptr(k->phys, old, PAGE), &slot);
	if (r) {
		/* No swap space: put the page back as it was. */
		pte_write_existing(mm, page, pte);
		goto out;
	}
	pte_write_existing(mm, page, PTE_SWAP | (slot << 12));
	sva_frame_put(&k->frames, old);
	mm->rss--;
	sva_counter_inc(k->st.reclaims);
out:
	sva_mutex_unlock(k->sim, &mm->lock);
	return r;
}

uint64_t sva_mm_frame_at(struct sva_mm *mm, uint64_t va)
{
	uint64_t pte = pte_read(mm, va & PAGE_MASK);

	return PTE_HAS_FRAME(pte) ? pte & SVA_PTE_ADDR : 0;
}

/* ---- creation, fork, exit ---------------------------------------------------------------------- */

struct sva_mm *sva_mm_create(struct sva_kernel *k)
{
	struct sva_mm *mm = calloc(1, sizeof(*mm));

	if (!mm)
		return NULL;
	if (sva_frame_alloc(&k->frames, &mm->pgd) != 0) {
		free(mm);
		return NULL;
	}
	mm->k = k;
	mm->id = ++k->next_mm_id;
	mm->users = 1;
	mm->count = 1;		/* held on behalf of all users together */
	mm->pasid = SVA_PASID_INVALID;
	sva_mutex_init(&mm->lock);
	mm->next = k->mms;
	mm->prev = NULL;
	if (k->mms)
		k->mms->prev = mm;
	k->mms = mm;
	sva_check_mm_created(k, mm);
	return mm;
}

/* Copy the page tables of one VMA into @child, write-protecting private pages in both. */
static int dup_vma_pages(struct sva_mm *parent, struct sva_mm *child, struct sva_vma *vma)
{
	struct sva_kernel *k = parent->k;

	for (uint64_t va = vma->start; va < vma->end; va += PAGE) {
		uint64_t pte = pte_read(parent, va);
		int r;

		if (pte & PTE_SWAP) {
			/* Child gets its own reference to the swapped-out page. */
			struct sva_pt_alloc alloc;
			uint64_t slot;

			sva_kernel_pt_alloc(k, &alloc);
			r = sva_pt_map(k->phys, &k->paging, child->pgd, va, 0, SVA_PAGE_4K, 0, &alloc);
			if (r)
				return r;
			sva_swap_get(k, (pte & SVA_PTE_ADDR) >> 12);
			r = pte_slot(child, va, &slot);
			assert(r == 0);
			sva_phys_write_u64(k->phys, slot, pte);
			continue;
		}
		if (!PTE_HAS_FRAME(pte))
			continue;
		if (!(vma->flags & SVA_VM_SHARED) && (pte & SVA_PTE_RW)) {
			pte &= ~SVA_PTE_RW;
			pte_write_existing(parent, va, pte);
		}
		sva_frame_get(&k->frames, pte & SVA_PTE_ADDR);
		if (pte & SVA_PTE_P) {
			r = pte_install(child, va, pte & ~(SVA_PTE_A | SVA_PTE_D));
		} else {	/* PROT_NONE page: build the table, then copy the entry */
			uint64_t slot;

			r = pte_install(child, va, (pte & SVA_PTE_ADDR) | SVA_PTE_P);
			if (!r && pte_slot(child, va, &slot) == 0)
				sva_phys_write_u64(k->phys, slot, pte);
		}
		if (r) {
			sva_frame_put(&k->frames, pte & SVA_PTE_ADDR);
			return r;
		}
		child->rss++;
	}
	return 0;
}

int sva_mm_dup(struct sva_mm *parent, struct sva_mm **childp)
{
	struct sva_kernel *k = parent->k;
	struct sva_mm *child = sva_mm_create(k);
	struct sva_vma **tail;
	int r = 0;

	if (!child)
		return -ENOMEM;
	/* The seed: the child mm starts with no PASID (new mms always do). */
	assert(child->pasid == SVA_PASID_INVALID);
	sva_mutex_lock(k->sim, &parent->lock);
	tail = &child->vmas;
	for (struct sva_vma *v = parent->vmas; v && !r; v = v->next) {
		struct sva_vma *c;
		bool cow = !(v->flags & (SVA_VM_SHARED | SVA_VM_IO));

		if (v->flags & SVA_VM_DONTCOPY)
			continue;
		c = malloc(sizeof(*c));
		if (!c) {
			r = -ENOMEM;
			break;
		}
		*c = *v;
		c->next = NULL;
		if (c->shm)
			c->shm->refs++;
		if (c->file)
			sva_file_get(c->file);
		*tail = c;
		tail = &c->next;
		if (v->flags & SVA_VM_IO)
			continue;	/* device pages are faulted in again on demand */
		/* Write-protecting the parent narrows its translations. */
		if (cow)
			notify_start(parent, v->start, v->end);
		r = dup_vma_pages(parent, child, v);
		if (cow) {
			flush_tlb(parent, v->start, v->end);
			notify_end(parent, v->start, v->end);
		}
	}
	sva_mutex_unlock(k->sim, &parent->lock);
	if (r) {
		sva_mmput(child);
		return r;
	}
	*childp = child;
	return 0;
}

void sva_mmget(struct sva_mm *mm)
{
	assert(mm->users > 0 && "mmget on an address space that is gone");
	mm->users++;
}

void sva_mmgrab(struct sva_mm *mm)
{
	assert(mm->count > 0);
	mm->count++;
}

/* Free every page-table frame below @table (a table at @level). */
static void free_tables(struct sva_mm *mm, uint64_t table, unsigned level)
{
	struct sva_kernel *k = mm->k;

	for (unsigned i = 0; i < 512; i++) {
		uint64_t e;

		if (sva_phys_read_u64(k->phys, table + 8 * i, &e) != 0 || !(e & SVA_PTE_P))
			continue;
		if (level > 1 && !(e & SVA_PTE_PS)) {
			if (level > 2)
				free_tables(mm, e & SVA_PTE_ADDR, level - 1);
			sva_frame_put(&k->frames, e & SVA_PTE_ADDR);
		}
		sva_phys_write_u64(k->phys, table + 8 * i, 0);
	}
}

/*
 * Last user gone: tell the subscribers, then take every mapping down;
 * the files mapped are put last, outside the lock.
 */
static void exit_mmap(struct sva_mm *mm)
{
	struct sva_kernel *k = mm->k;
	struct sva_vma *gone = NULL;

	sva_mutex_lock(k->sim, &mm->lock);
	while (mm->notifiers) {
		struct sva_mmu_notifier *mn = mm->notifiers;

		mm->notifiers = mn->next;
		mn->next = NULL;
		if (mn->ops->release)
			mn->ops->release(mn, mm);
	}
	if (mm->vmas)
		unmap_locked(mm, 0, SVA_USER_TOP, &gone);
	free_tables(mm, mm->pgd, k->paging.levels ? k->paging.levels : 4);
	mm->exited = true;
	assert(mm->rss == 0);
	sva_mutex_unlock(k->sim, &mm->lock);
	put_unmapped_files(gone);
}

void sva_mmput(struct sva_mm *mm)
{
	assert(mm->users > 0);
	if (--mm->users)
		return;
	exit_mmap(mm);
	sva_mmdrop(mm);
}

static void mmput_async_work(void *arg)
{
	sva_mmput(arg);
}

void sva_mmput_async(struct sva_mm *mm)
{
	assert(mm->users > 0);
	if (mm->users > 1 || !sva_current(mm->k->sim) ||
	    !sva_task_spawn(mm->k->sim, "mmput_async", mmput_async_work, mm,
			    &(struct sva_task_attr){ .detached = true }))
		sva_mmput(mm);
}

void sva_mmdrop(struct sva_mm *mm)
{
	struct sva_kernel *k = mm->k;

	assert(mm->count > 0);
	if (--mm->count)
		return;
	assert(mm->users == 0 && mm->exited);
	/* The seed: the PASID is freed lazily, only when the mm goes. */
	if (mm->pasid != SVA_PASID_INVALID) {
		char who[64];

		sva_journal(k->sim, "kernel", "%s torn down (mmdrop): PASID %u freed",
			    sva_mm_owner(mm, who, sizeof(who)), mm->pasid);
		sva_pasid_release(&k->pasids, mm->pasid);
		sva_counter_inc(k->st.pasid_frees);
	}
	sva_frame_put(&k->frames, mm->pgd);
	if (mm->prev)
		mm->prev->next = mm->next;
	else
		k->mms = mm->next;
	if (mm->next)
		mm->next->prev = mm->prev;
	free(mm);
}
