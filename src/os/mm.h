/* SPDX-License-Identifier: MIT */
/*
 * Address spaces (kernel side of flows 1, 3 and 4).
 *
 * An mm is a set of VMAs and one x86-64 page-table tree in simulated RAM.
 * The CPU walks that tree for the process's threads and, once the mm is
 * bound to a device, the IOMMU walks the very same tree for its PASID, so
 * every change that removes or narrows a translation goes through the
 * mm's mmu_notifiers: invalidate_range_start before the page tables
 * change, invalidate_range_end after they changed and the CPU TLBs were
 * flushed but *before* any frame the range used can be freed or reused.
 *
 * Two reference counts, with the kernel's meaning:
 *   users  (mmget/mmput)   - who uses the address space: threads, a task
 *                            borrowing it.  At 0 the mappings go
 *                            (exit_mmap): notifiers' release, then
 *                            every page is unmapped and freed.
 *   count  (mmgrab/mmdrop) - who holds the struct: users as a whole
 *                            count one, an SVA bond another.  At 0 the
 *                            mm is torn down and its PASID released.
 *
 * Only 4 KiB pages are mapped by the kernel; the paging layer supports
 * larger ones for the page-table and IOMMU models.
 */
#ifndef SVA_OS_MM_H
#define SVA_OS_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sva/guest.h>
#include <sva/sim.h>

struct sva_kernel;
struct sva_mm;
struct sva_file;
struct sva_proc;

/* mmap protection and flags (SVA_PROT_*, SVA_MAP_*) come from the guest API. */

/* VMA flags */
#define SVA_VM_SHARED	0x1	/* shared anonymous memory */
#define SVA_VM_IO	0x2	/* device MMIO (a portal): no frames, no COW */
#define SVA_VM_DONTCOPY	0x4	/* not inherited by fork (the idxd portal) */

/* Where user mappings go when no address is asked for. */
#define SVA_MMAP_BASE	0x00007f0000000000ull
#define SVA_USER_TOP	0x0000800000000000ull

/* Shared anonymous memory: frames that several mms map. */
struct sva_shmem {
	unsigned refs;			/* VMAs using it */
	uint64_t npages;
	uint64_t *frames;		/* 0 = not yet allocated */
};

struct sva_vma {
	uint64_t start, end;		/* [start, end), page aligned */
	unsigned prot;			/* SVA_PROT_* */
	unsigned flags;			/* SVA_VM_* */
	struct sva_shmem *shm;		/* SVA_VM_SHARED */
	uint64_t shm_pgoff;		/* first page of shm this VMA maps */
	uint64_t io_pa;			/* SVA_VM_IO: physical address of start */
	/*
	 * The file it maps (vm_file), held: a driver's release cannot run
	 * while a mapping of its file remains.  Dropped when the VMA goes.
	 */
	struct sva_file *file;
	char name[24];			/* "[anon]", "[portal wq0.0]" ... */
	struct sva_vma *next;		/* sorted by start */
};

struct sva_mmu_notifier;

struct sva_mmu_notifier_ops {
	/* Translations in [start, end) are about to be removed or narrowed. */
	void (*invalidate_range_start)(struct sva_mmu_notifier *mn, struct sva_mm *mm,
				       uint64_t start, uint64_t end);
	/*
	 * They are gone from the page tables and the CPU TLBs.  Frames of the
	 * range are freed only after every subscriber returned from here, so
	 * this is where secondary TLBs (IOTLB, device ATC) must be flushed.
	 */
	void (*invalidate_range_end)(struct sva_mmu_notifier *mn, struct sva_mm *mm,
				     uint64_t start, uint64_t end);
	/* The address space is going away: stop using it, now. */
	void (*release)(struct sva_mmu_notifier *mn, struct sva_mm *mm);
};

struct sva_mmu_notifier {
	const struct sva_mmu_notifier_ops *ops;
	struct sva_mmu_notifier *next;
};

struct sva_mm {
	struct sva_kernel *k;
	uint64_t id;
	uint64_t pgd;			/* physical address of the PML4 */
	struct sva_vma *vmas;
	int users, count;
	uint32_t pasid;			/* SVA_PASID_INVALID until first bind */
	struct sva_mmu_notifier *notifiers;
	struct sva_mutex lock;		/* mmap_lock: mapping changes and faults */
	uint64_t rss;			/* pages mapped */
	bool exited;			/* exit_mmap done */
	/*
	 * The process whose mm it is, while it has it; then its pid and name
	 * as it let go (an SVA bond can keep the struct after the process).
	 */
	struct sva_proc *owner;
	int owner_pid;
	char owner_comm[32];
	/* the invariant checker's view */
	struct sva_mmu_notifier check_mn;
	bool check_released;
	struct sva_mm *next, *prev;	/* kernel's list of mms (both ways: an exit unlinks in O(1)) */
};

/* Fault results beyond 0: what the kernel turns into a signal. */
#define SVA_FAULT_MAPERR	(-EFAULT)	/* no VMA: SIGSEGV/SEGV_MAPERR */
#define SVA_FAULT_ACCERR	(-EACCES)	/* VMA forbids it: SIGSEGV/SEGV_ACCERR */
#define SVA_FAULT_OOM		(-ENOMEM)	/* no frame: SIGBUS / OOM kill */

struct sva_mm *sva_mm_create(struct sva_kernel *k);
/*
 * "mm of pid 3 (app)": the mm named by its process, for the journal (mm
 * ids mean nothing to a reader).  An SVA bond can keep the struct after
 * its process let go of it; it is then named as last seen.
 */
const char *sva_mm_owner(struct sva_mm *mm, char *buf, size_t len);
/* The process takes @mm as its address space (create, fork, exec) ... */
void sva_mm_set_owner(struct sva_mm *mm, struct sva_proc *p);
/* ... and lets go of it (exit, exec, power-off): its name is kept. */
void sva_mm_disown(struct sva_mm *mm);
void sva_mmget(struct sva_mm *mm);
void sva_mmput(struct sva_mm *mm);
/*
 * mmput_async: for a kernel worker that must not run the teardown itself
 * (the iopf worker: a file release there would wait on the device, which
 * waits on that worker's page responses).  The last user's teardown runs
 * in a task of its own.
 */
void sva_mmput_async(struct sva_mm *mm);
void sva_mmgrab(struct sva_mm *mm);
void sva_mmdrop(struct sva_mm *mm);

/* fork: a copy with copy-on-write private memory and no PASID. */
int sva_mm_dup(struct sva_mm *parent, struct sva_mm **child);

/*
 * mmap: anonymous private/shared memory, or (with SVA_VM_IO in @vmflags
 * and @io_pa) a device range a driver hands out.  *addr in: hint (with
 * SVA_MAP_FIXED: exact place, replacing what is there); out: the address.
 */
int sva_mm_mmap(struct sva_mm *mm, uint64_t *addr, uint64_t len, unsigned prot,
		unsigned flags, unsigned vmflags, uint64_t io_pa, const char *name);
/*
 * The same for a driver's mmap of @file: the VMA (and each part a split
 * makes of it) holds a reference to the file until it is unmapped.
 */
int sva_mm_mmap_file(struct sva_mm *mm, struct sva_file *file, uint64_t *addr, uint64_t len,
		     unsigned prot, unsigned flags, unsigned vmflags, uint64_t io_pa,
		     const char *name);
int sva_mm_munmap(struct sva_mm *mm, uint64_t addr, uint64_t len);
int sva_mm_mprotect(struct sva_mm *mm, uint64_t addr, uint64_t len, unsigned prot);
int sva_mm_madvise_dontneed(struct sva_mm *mm, uint64_t addr, uint64_t len);

/*
 * Resolve a fault at @va for @access (enum sva_access), as the #PF handler
 * and the iopf handler do.  0 when the access can be retried, else
 * SVA_FAULT_MAPERR, SVA_FAULT_ACCERR, SVA_FAULT_OOM or -EIO.
 */
int sva_mm_fault(struct sva_mm *mm, uint64_t va, int access);

/* Take the page at @va away: move it to a new frame / out to swap. */
int sva_mm_migrate_page(struct sva_mm *mm, uint64_t va);
int sva_mm_reclaim_page(struct sva_mm *mm, uint64_t va);

int sva_mmu_notifier_register(struct sva_mm *mm, struct sva_mmu_notifier *mn);
void sva_mmu_notifier_unregister(struct sva_mm *mm, struct sva_mmu_notifier *mn);

struct sva_vma *sva_mm_find_vma(struct sva_mm *mm, uint64_t va);

/* Frame mapped at @va right now (0 when none), for tests and checkers. */
uint64_t sva_mm_frame_at(struct sva_mm *mm, uint64_t va);

#endif
