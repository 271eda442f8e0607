/* SPDX-License-Identifier: MIT */
/*
 * The simulated operating-system kernel: one per struct sva_system.
 * Subsystems keep their state here rather than in globals.
 */
#ifndef SVA_OS_KERNEL_H
#define SVA_OS_KERNEL_H

#include <stdint.h>

#include <sva/paging.h>
#include <sva/pcie.h>
#include <sva/phys.h>
#include <sva/sim.h>
#include <sva/stats.h>

#include "os/check.h"
#include "os/frame.h"
#include "os/pasid.h"

struct sva_mm;
struct sva_machine;
struct sva_lcpu;
struct sva_proc;
struct sva_chardev;
struct sva_iommu_drv;
struct sva_idxd;

/* Pages reclaimed to "swap": contents kept in host memory. */
struct sva_swap {
	uint8_t (*slot)[SVA_FRAME_SIZE];
	uint32_t *refs;			/* 0 = slot free */
	uint64_t nr, cap;
};

struct sva_kernel_stats {
	struct sva_counter *page_faults, *cow_breaks, *cow_reuse, *oom;
	struct sva_counter *notifier_ranges, *migrations, *reclaims, *swapins;
	struct sva_counter *pasid_allocs, *pasid_frees;
	struct sva_counter *gp_fixups, *signals, *ctx_switches, *procs, *threads;
};

struct sva_kernel {
	struct sva_sim *sim;
	struct sva_phys *phys;
	struct sva_paging_mode paging;	/* what every CPU runs with */
	struct sva_frames frames;
	struct sva_pasid_space pasids;
	struct sva_swap swap;
	struct sva_mm *mms;
	uint64_t next_mm_id;
	struct sva_kernel_stats st;
	struct sva_checker check;
	bool shutting_down;		/* sva_kernel_fini has begun */

	/* processes and the CPUs they run on (os/proc.c) */
	struct sva_machine *machine;
	struct sva_lcpu *lcpus;
	unsigned nr_lcpus;
	struct sva_waitq cpu_wq;	/* threads waiting for a CPU */
	struct sva_proc *procs;
	unsigned nr_procs;		/* on procs: alive or zombie, each holding its pid */
	int pid_max;
	int next_pid;
	bool pids_wrapped;		/* next_pid went round: a pid may be taken */
	struct sva_chardev *chardevs;	/* device nodes ("udev's" view) */
	struct sva_iommu_drv *iommu;	/* the (one) IOMMU's driver */
	struct sva_idxd *idxds;		/* DSA devices the idxd driver bound */
	unsigned dsa_atc_entries;	/* the hardware probe finds: ATC size (0 = default) */
	struct sva_pcie_path_config pcie_path;	/* ... and each DSA's PCIe path */
	uint64_t next_tid;
	/* Flush CPU TLB entries of @mm for [start, end); set by the CPU layer. */
	void (*flush_tlb)(struct sva_kernel *k, struct sva_mm *mm, uint64_t start, uint64_t end);
	void *flush_tlb_ctx;
	/*
	 * Process accounting: called with each process about to be freed
	 * (reaped), its counters final, so a reaped child's work still counts.
	 */
	void (*on_reap)(void *ctx, const struct sva_proc *p);
	void *on_reap_ctx;
	int trace_track;
};

struct sva_kernel_config {
	uint32_t pasid_max;		/* 0 = 2^20 */
	unsigned pid_max;		/* 0 = SVA_PID_MAX */
	uint64_t frame_limit;		/* 0 = all RAM */
	bool check;			/* run the invariant checker */
};

int sva_kernel_init(struct sva_kernel *k, struct sva_sim *sim, struct sva_phys *phys,
		    const struct sva_kernel_config *cfg);
void sva_kernel_fini(struct sva_kernel *k);

/* Page-table frames come from the frame allocator. */
void sva_kernel_pt_alloc(struct sva_kernel *k, struct sva_pt_alloc *a);

/* Swap slots */
int sva_swap_store(struct sva_kernel *k, const void *page, uint64_t *slot);
void sva_swap_load(struct sva_kernel *k, uint64_t slot, void *page);
void sva_swap_get(struct sva_kernel *k, uint64_t slot);
void sva_swap_put(struct sva_kernel *k, uint64_t slot);

#endif
