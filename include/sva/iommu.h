/* SPDX-License-Identifier: MIT */
/*
 * sva/iommu.h - a VT-d scalable-mode remapping unit, and the PCIe side of
 * it that a device (the DSA model, or a test's mock) plugs into.
 *
 * The IOMMU is programmed the way the Linux intel-iommu driver programs
 * the real one: tables in simulated RAM (root table -> scalable-mode
 * context entries -> PASID directory -> 64-byte PASID entries whose
 * first-level pointer is the process's CR3) and registers in an MMIO
 * window (root table address, global command, invalidation queue, page
 * request queue, fault recording).  First-level translation walks the
 * CPU's own page tables with the shared walker.
 *
 * A device talks to it like an ATS/PRI-capable PCIe function:
 *   - sva_iommu_ats_translate(): a Translation Request; the answer grants
 *     read/write or nothing ("use PRI");
 *   - sva_iommu_page_request(): a PRI Page Request, answered later by a
 *     page group response through ops->page_response();
 *   - ops->ats_invalidate(): an ATS Invalidate Request, which the device
 *     completes with sva_iommu_ats_inv_done() once it no longer uses the
 *     translations (possibly much later).
 */
#ifndef SVA_IOMMU_H
#define SVA_IOMMU_H

#include <sva/api.h>

#include <stdbool.h>
#include <stdint.h>

#include <sva/sim.h>

SVA_API_BEGIN

struct sva_machine;
struct sva_iommu;
struct sva_pcidev;

/* PCIe PRG response codes, as on the wire (4 bits). */
enum sva_prg_resp {
	SVA_PRG_SUCCESS = 0x0,
	SVA_PRG_INVALID = 0x1,
	SVA_PRG_FAILURE = 0xF,
};

struct sva_pcidev_ops {
	/*
	 * ATS Invalidate Request for [addr, addr+size) of @pasid (all PASIDs
	 * when @global).  Must eventually be answered with
	 * sva_iommu_ats_inv_done(dev, itag); may be answered from here.
	 */
	void (*ats_invalidate)(struct sva_pcidev *dev, uint32_t itag, uint32_t pasid,
			       uint64_t addr, uint64_t size, bool global);
	/* PRG Response for the group @prgi of @pasid. */
	void (*page_response)(struct sva_pcidev *dev, uint32_t pasid, uint16_t prgi,
			      enum sva_prg_resp code);
};

/* One PCIe function behind the IOMMU. */
struct sva_pcidev {
	uint16_t rid;			/* requester id: bus 15:8, devfn 7:0 */
	char name[24];
	const struct sva_pcidev_ops *ops;
	void *priv;
	struct sva_iommu *iommu;	/* set by sva_iommu_attach() */
	/* Capabilities enabled by the kernel (PASID, ATS, PRI). */
	bool pasid_enabled, ats_enabled, pri_enabled;
	bool pri_stopped;		/* a Response Failure stopped PRI */
	unsigned pri_outstanding;	/* page requests sent, not yet answered */
	unsigned pri_capacity;		/* PRI outstanding page request allocation */
	/*
	 * PCIe PASID capability, Max PASID Width: the device carries PASIDs
	 * below 2^width.  0 = 20, the full space (DSA).
	 */
	uint8_t max_pasid_width;
	struct sva_pcidev *next;
};

/* Result of a Translation Request. */
struct sva_ats_xlat {
	uint64_t pa;			/* base of the translated page */
	uint64_t size;			/* 4 KiB, 2 MiB or 1 GiB */
	bool r, w;			/* both false: not present, use PRI */
	bool x, priv, global;
	/*
	 * Virtual time the request took (wire round trip, IOTLB, walk).  The
	 * IOMMU does not sleep for it: the device charges it when it suits its
	 * model, so a translation can be taken without yielding.
	 */
	sva_time_t cost;
};

/* What to do with a page request that finds the queue full. */
enum sva_prq_overflow {
	SVA_PRQ_OVF_AUTO_SUCCESS = 0,	/* answer LPIG requests with Success: the device retries */
	SVA_PRQ_OVF_AUTO_INVALID,	/* answer them with Invalid Request */
	SVA_PRQ_OVF_DROP,		/* answer nothing (QEMU's behaviour) */
};

/* Interrupts the IOMMU raises to the kernel. */
struct sva_iommu_irq_ops {
	void (*prq)(struct sva_iommu *iommu, void *ctx);	/* page request event */
	void (*fault)(struct sva_iommu *iommu, void *ctx);	/* fault event */
	void (*inv_complete)(struct sva_iommu *iommu, void *ctx); /* wait descriptor with IF */
};

struct sva_iommu_config {
	const char *name;		/* "dmar0" */
	unsigned iotlb_sets;		/* 0 = 64 */
	unsigned iotlb_ways;		/* 0 = 8 */
	unsigned pasid_cache_entries;	/* 0 = 64 (direct-mapped by PASID) */
	unsigned nr_fault_records;	/* 0 = 8 */
	enum sva_prq_overflow prq_overflow;
	/*
	 * Fault injection: treat the page request queue as full once it holds
	 * this many requests (0 = only when the ring is really full).
	 */
	unsigned prq_limit;
	sva_time_t devtlb_timeout;	/* ATS invalidation completion time-out; 0 = 1 ms */
	const struct sva_iommu_irq_ops *irq;
	void *irq_ctx;
};

/* Register offsets (VT-d spec chapter 10; Linux intel/iommu.h). */
#define SVA_DMAR_VER		0x00
#define SVA_DMAR_CAP		0x08
#define SVA_DMAR_ECAP		0x10
#define SVA_DMAR_GCMD		0x18
#define SVA_DMAR_GSTS		0x1c
#define SVA_DMAR_RTADDR		0x20
#define SVA_DMAR_FSTS		0x34
#define SVA_DMAR_FECTL		0x38
#define SVA_DMAR_IQH		0x80
#define SVA_DMAR_IQT		0x88
#define SVA_DMAR_IQA		0x90
#define SVA_DMAR_ICS		0x9c
#define SVA_DMAR_PQH		0xc0
#define SVA_DMAR_PQT		0xc8
#define SVA_DMAR_PQA		0xd0
#define SVA_DMAR_PRS		0xdc
#define SVA_DMAR_PECTL		0xe0
#define SVA_DMAR_FRCD		0x400	/* fault recording registers, 16 bytes each */
#define SVA_DMAR_SIZE		0x1000

#define SVA_GCMD_TE		(1u << 31)	/* translation enable */
#define SVA_GCMD_SRTP		(1u << 30)	/* set root table pointer */
#define SVA_GCMD_QIE		(1u << 26)	/* queued invalidation enable */
#define SVA_RTADDR_SMT		(1ull << 10)	/* scalable-mode translation table */

#define SVA_FSTS_PFO		(1u << 0)
#define SVA_FSTS_PPF		(1u << 1)
#define SVA_FSTS_IQE		(1u << 4)
#define SVA_FSTS_ICE		(1u << 5)
#define SVA_FSTS_ITE		(1u << 6)
#define SVA_PRS_PPR		(1u << 0)
#define SVA_PRS_PRO		(1u << 1)
#define SVA_ICS_IWC		(1u << 0)

/* Create the unit and claim its register window at @base (4 KiB). */
struct sva_iommu *sva_iommu_create(struct sva_machine *m, uint64_t base,
				   const struct sva_iommu_config *cfg);
void sva_iommu_destroy(struct sva_iommu *iommu);
uint64_t sva_iommu_base(const struct sva_iommu *iommu);
const char *sva_iommu_name(const struct sva_iommu *iommu);

/* Put @dev behind this IOMMU (its requester id must be unique). */
int sva_iommu_attach(struct sva_iommu *iommu, struct sva_pcidev *dev);
void sva_iommu_detach(struct sva_iommu *iommu, struct sva_pcidev *dev);

/*
 * Translation Request from @dev.  Returns 0 with *out filled (possibly
 * "not present": r = w = false), or -ENXIO when the request is blocked
 * (translation disabled, no context / PASID entry, PASID not enabled,
 * supervisor request without SRE): the Unsupported Request completion,
 * recorded as a non-recoverable fault.
 */
int sva_iommu_ats_translate(struct sva_pcidev *dev, uint32_t pasid, bool priv,
			    uint64_t va, bool write, struct sva_ats_xlat *out);

/*
 * Page Request from @dev (addresses are page-aligned by the IOMMU).
 * Returns 0 when queued, -ENOSPC when the queue overflowed (see
 * sva_iommu_config.prq_overflow for the response), -EPERM when PRI is not
 * enabled or has been stopped.
 */
int sva_iommu_page_request(struct sva_pcidev *dev, uint32_t pasid, bool priv,
			   uint64_t va, bool read, bool write, bool exec,
			   uint16_t prgi, bool last);

/* The device finished an ATS invalidation it was sent. */
void sva_iommu_ats_inv_done(struct sva_pcidev *dev, uint32_t itag);

/*
 * For the invariant checker: can anything in the unit still carry @pasid
 * (IOTLB, PASID cache, an unread page request)?  Does any cached
 * translation point into the frame at @pa?
 */
bool sva_iommu_holds_pasid(const struct sva_iommu *iommu, uint32_t pasid);
bool sva_iommu_caches_frame(const struct sva_iommu *iommu, uint64_t pa);

/* Counters (some also registered as stats "iommu.*"). */
struct sva_iommu_stats {
	uint64_t translations, iotlb_hits, iotlb_misses, iotlb_evictions;
	uint64_t pasid_cache_hits, pasid_cache_misses, walks, not_present;
	uint64_t blocked, page_requests, prq_overflows, page_responses;
	uint64_t inv_descs, iotlb_invs, pasid_cache_invs, devtlb_invs, waits;
	uint64_t faults_recorded, iqe, ite;
};
void sva_iommu_stats(const struct sva_iommu *iommu, struct sva_iommu_stats *out);

SVA_API_END
#endif /* SVA_IOMMU_H */
