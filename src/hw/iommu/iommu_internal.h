/* SPDX-License-Identifier: MIT */
/*
 * Inside the VT-d model: table formats, caches and the unit's state.
 * Bit positions follow the VT-d specification's scalable-mode formats as
 * Linux's intel-iommu driver uses them (drivers/iommu/intel/pasid.h,
 * iommu.h); docs/iommu.md has the tables with their sources.
 */
#ifndef SVA_HW_IOMMU_INTERNAL_H
#define SVA_HW_IOMMU_INTERNAL_H

#include <assert.h>

#include <sva/iommu.h>
#include <sva/machine.h>
#include <sva/phys.h>
#include <sva/stats.h>

/* ---- translation tables ---------------------------------------------------- */

/* Root entry, 128 bits, indexed by bus: lower half for devfn 0-127, upper for 128-255. */
#define RE_LP			(1ull << 0)	/* qword 0: lower context table present */
#define RE_UP			(1ull << 0)	/* qword 1: upper context table present */
#define RE_CTP			0x000ffffffffff000ull

/* Scalable-mode context entry, 256 bits; 128 per 4 KiB table. */
#define SMCE_P			(1ull << 0)
#define SMCE_FPD		(1ull << 1)
#define SMCE_DTE		(1ull << 2)	/* device TLB (ATS) enable */
#define SMCE_PASIDE		(1ull << 3)
#define SMCE_PRE		(1ull << 4)	/* page requests enable */
#define SMCE_PDTS_SHIFT		9		/* PASID dir has 2^(PDTS+7) entries */
#define SMCE_PDTS_MASK		(7ull << SMCE_PDTS_SHIFT)
#define SMCE_PDP		0x000ffffffffff000ull

/* PASID directory entry, 64 bits, index PASID[19:6]. */
#define PDE_P			(1ull << 0)
#define PDE_FPD			(1ull << 1)
#define PDE_PTP			0x000ffffffffff000ull

/* PASID table entry, 512 bits = 8 qwords, index PASID[5:0]. */
#define PTE0_P			(1ull << 0)
#define PTE0_FPD		(1ull << 1)
#define PTE0_PGTT_SHIFT		6
#define PTE0_PGTT_MASK		(7ull << PTE0_PGTT_SHIFT)
#define PGTT_FL			1		/* first-level only: SVA */
#define PTE1_DID_MASK		0xffffull	/* bits 79:64 */
#define PTE1_PWSNP		(1ull << 23)	/* bit 87 */
#define PTE1_PGSNP		(1ull << 24)	/* bit 88 */
#define PTE2_SRE		(1ull << 0)	/* bit 128 */
#define PTE2_FLPM_SHIFT		2		/* bits 131:130 */
#define PTE2_FLPM_MASK		(3ull << PTE2_FLPM_SHIFT)
#define PTE2_WPE		(1ull << 4)	/* bit 132 */
#define PTE2_EAFE		(1ull << 7)	/* bit 135 */
#define PTE2_FLPTR		0x000ffffffffff000ull	/* bits 191:140 */

/* ---- invalidation and page request descriptors ------------------------------- */

#define QI_DESC_SIZE		32		/* 256-bit descriptors in scalable mode */
#define QI_TYPE(qw0)		((unsigned)((qw0) & 0xf))
#define QI_CC			0x1		/* context-cache */
#define QI_IOTLB		0x2
#define QI_DIOTLB		0x3		/* device-TLB, no PASID */
#define QI_IEC			0x4
#define QI_IWD			0x5		/* invalidation wait */
#define QI_PIOTLB		0x6		/* PASID-based IOTLB */
#define QI_PC			0x7		/* PASID cache */
#define QI_DEV_PIOTLB		0x8		/* PASID-based device-TLB */
#define QI_PGRP_RESP		0x9		/* page group response */

#define QI_IWD_IF		(1ull << 4)
#define QI_IWD_SW		(1ull << 5)
#define QI_IWD_FN		(1ull << 6)
#define QI_IWD_PD		(1ull << 7)
#define QI_GRAN(qw0)		((unsigned)(((qw0) >> 4) & 3))
#define QI_DID(qw0)		((uint16_t)((qw0) >> 16))
#define QI_PASID(qw0)		((uint32_t)(((qw0) >> 32) & 0xfffff))
#define QI_DEV_SID(qw0)		((uint16_t)((qw0) >> 16))
#define QI_ADDR(qw1)		((qw1) & ~0xfffull)
#define QI_AM(qw1)		((unsigned)((qw1) & 0x3f))
#define QI_DEV_G		(1ull << 0)
#define QI_DEV_S		(1ull << 11)

#define PRQ_DESC_SIZE		32
/* Page request descriptor, qword 0 and 1 */
#define PRQ0_PASID_PRESENT	(1ull << 8)
#define PRQ0_RID(qw0)		((uint16_t)((qw0) >> 16))
#define PRQ0_PASID(qw0)		((uint32_t)(((qw0) >> 32) & 0xfffff))
#define PRQ0_EXE		(1ull << 52)
#define PRQ0_PM			(1ull << 53)
#define PRQ1_RD			(1ull << 0)
#define PRQ1_WR			(1ull << 1)
#define PRQ1_LPIG		(1ull << 2)
#define PRQ1_PRGI(qw1)		((uint16_t)(((qw1) >> 3) & 0x1ff))
#define PRQ1_ADDR(qw1)		((qw1) & ~0xfffull)

/* ---- caches ---------------------------------------------------------------------- */

struct iotlb_entry {
	bool valid;
	bool r, w, x, user, dirty, global;
	uint8_t size_shift;		/* 12, 21 or 30 */
	uint16_t did;
	uint32_t pasid;
	uint64_t vpn;			/* va >> size_shift */
	uint64_t pa;			/* page base */
	uint64_t stamp;			/* LRU */
};

/* A decoded, valid PASID entry with the context bits that gate it. */
struct pasid_cache_entry {
	bool valid;
	uint16_t rid;
	uint32_t pasid;
	uint16_t did;
	uint64_t flptr;
	bool sre, wpe, five_level;
	bool dte, pre;
};

/* A device-TLB invalidation sent and not yet completed. */
struct devtlb_inv {
	struct sva_pcidev *dev;
	uint32_t itag;
	bool done;
};

#define MAX_ITAGS 32

struct sva_iommu {
	struct sva_machine *m;
	struct sva_phys *phys;
	struct sva_sim *sim;
	struct sva_iommu_config cfg;
	char name[16];
	uint64_t base;

	/* registers */
	uint32_t gcmd, gsts, fsts, fectl, ics, prs, pectl;
	uint64_t rtaddr, rtaddr_latched;
	uint64_t iqh, iqt, iqa;
	uint64_t pqh, pqt, pqa;
	uint64_t (*frcd)[2];		/* fault records, 16 bytes each */
	unsigned fri;			/* next fault record index */

	struct sva_pcidev *devs;

	struct iotlb_entry *iotlb;	/* sets * ways */
	uint64_t lru_clock;
	/*
	 * Bit k: an IOTLB entry of page size 4K/2M/1G (k = 0/1/2) may be valid;
	 * set by a fill, cleared by a global invalidation.  Lookups skip the
	 * sizes that cannot hit.
	 */
	unsigned iotlb_sizes;
	struct pasid_cache_entry *pc;

	/* queued invalidation */
	struct sva_task *qi_task;
	struct sva_waitq qi_wq;		/* QI worker sleeps here */
	struct devtlb_inv itags[MAX_ITAGS];
	unsigned devtlb_pending;
	struct sva_waitq devtlb_wq;	/* waiters for devtlb completions */
	bool stopping;

	struct sva_iommu_stats st;
	struct sva_counter *c_translations, *c_iotlb_hits, *c_iotlb_misses, *c_page_requests,
			   *c_prq_overflows, *c_invs, *c_devtlb_invs, *c_faults;
	int track;
};

/* iommu.c */
void iommu_record_fault(struct sva_iommu *iommu, uint16_t rid, uint32_t pasid,
			uint64_t addr, unsigned reason, bool write);
void iommu_iotlb_inv(struct sva_iommu *iommu, int gran, uint16_t did, uint32_t pasid,
		     uint64_t addr, uint64_t size);
void iommu_pasid_cache_inv(struct sva_iommu *iommu, int gran, uint16_t did, uint32_t pasid);
struct sva_pcidev *iommu_find_dev(struct sva_iommu *iommu, uint16_t rid);
void iommu_charge(struct sva_iommu *iommu, sva_time_t ns);

/* iommu_qi.c */
int iommu_qi_start(struct sva_iommu *iommu);
void iommu_qi_kick(struct sva_iommu *iommu);

/* iommu_prq.c */
/* (public entry points only) */

/* Fault reasons we record (scalable-mode reason codes are unverified: names matter). */
enum iommu_fault_reason {
	FR_ROOT_NOT_PRESENT = 0x30,
	FR_CTX_NOT_PRESENT = 0x31,
	FR_PASID_DISABLED = 0x32,
	FR_PASID_DIR_NOT_PRESENT = 0x33,
	FR_PASID_ENTRY_NOT_PRESENT = 0x34,
	FR_PGTT_UNSUPPORTED = 0x35,
	FR_SUPERVISOR_BLOCKED = 0x36,
	FR_TABLE_READ = 0x37,
	FR_ATS_DISABLED = 0x38,
};

#endif
