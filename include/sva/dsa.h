/* SPDX-License-Identifier: MIT */
/*
 * sva/dsa.h - a DSA-class accelerator (Intel Data Streaming Accelerator).
 *
 * A PCIe function behind the IOMMU with two BARs: BAR0 holds the
 * registers (capabilities, GENCFG/GENCTRL/GENSTS, CMD/CMDSTS, SWERR, and
 * the GRPCFG and WQCFG tables), BAR2 the work-queue portals (four 4 KiB
 * pages per WQ: unlimited/limited x MSI-X/IMS).  Shared WQs take ENQCMD
 * and ENQCMDS - PCIe Deferrable Memory Writes, which reach the device only
 * over a path that routes them (sva/pcie.h) - dedicated WQs MOVDIR64B.  Engines of a group pull
 * descriptors from the group's WQs and execute them on real bytes, reading
 * and writing through the device TLB (ATC), ATS and PRI.  Descriptors and
 * completion records are <linux/idxd.h>'s.
 */
#ifndef SVA_DSA_H
#define SVA_DSA_H

#include <sva/api.h>

#include <stdbool.h>
#include <stdint.h>

#include <sva/sim.h>

SVA_API_BEGIN

struct sva_machine;
struct sva_dsa;
struct sva_pcidev;
struct sva_pcie_path;
struct sva_pcie_path_config;

/* BAR0 layout (Linux drivers/dma/idxd/registers.h) */
#define SVA_DSA_VERSION		0x00
#define SVA_DSA_GENCAP		0x10
#define SVA_DSA_WQCAP		0x20
#define SVA_DSA_GRPCAP		0x30
#define SVA_DSA_ENGCAP		0x38
#define SVA_DSA_OPCAP		0x40
#define SVA_DSA_OFFSETS		0x60
#define SVA_DSA_GENCFG		0x80
#define SVA_DSA_GENCTRL		0x88
#define SVA_DSA_GENSTS		0x90
#define SVA_DSA_INTCAUSE	0x98
#define SVA_DSA_CMD		0xa0
#define SVA_DSA_CMDSTS		0xa8
#define SVA_DSA_SWERR		0xc0
#define SVA_DSA_GRPCFG_OFF	0x400	/* 64 bytes per group */
#define SVA_DSA_WQCFG_OFF	0x800	/* 32 bytes per WQ */
#define SVA_DSA_BAR0_SIZE	0x4000

/* Commands (CMD bits 24:20) */
enum sva_dsa_cmd {
	SVA_DSA_CMD_ENABLE_DEVICE = 1, SVA_DSA_CMD_DISABLE_DEVICE, SVA_DSA_CMD_DRAIN_ALL,
	SVA_DSA_CMD_ABORT_ALL, SVA_DSA_CMD_RESET_DEVICE, SVA_DSA_CMD_ENABLE_WQ,
	SVA_DSA_CMD_DISABLE_WQ, SVA_DSA_CMD_DRAIN_WQ, SVA_DSA_CMD_ABORT_WQ,
	SVA_DSA_CMD_RESET_WQ, SVA_DSA_CMD_DRAIN_PASID, SVA_DSA_CMD_ABORT_PASID,
	SVA_DSA_CMD_REQUEST_INT_HANDLE, SVA_DSA_CMD_RELEASE_INT_HANDLE,
};

/* GENSTS state */
enum { SVA_DSA_DISABLED = 0, SVA_DSA_ENABLED = 1, SVA_DSA_DRAINING = 2, SVA_DSA_HALTED = 3 };

struct sva_dsa_config {
	const char *name;		/* "dsa0" */
	uint16_t rid;			/* requester id; 0 = 0x6a01 */
	unsigned nr_wqs;		/* 0 = 8 */
	unsigned total_wq_size;		/* 0 = 128 */
	unsigned nr_groups;		/* 0 = 4 */
	unsigned nr_engines;		/* 0 = 4 */
	unsigned max_xfer_shift;	/* 0 = 31 (2 GiB) */
	unsigned max_batch_shift;	/* 0 = 10 (1024) */
	unsigned atc_entries;		/* 0 = 64 */
	unsigned nr_vectors;		/* MSI-X vectors; 0 = 9 (0 = misc, 1..8 completions) */
	sva_time_t pri_timeout;		/* give up on a page response; 0 = 100 us */
	/* The PCIe path from the root port down to the device; NULL = right below a root port. */
	const struct sva_pcie_path_config *pcie_path;
	bool no_dmwr_completer;		/* clear DMWr Completer Supported (DSA sets it) */
	/* Interrupt delivery to the kernel's handler for @vector. */
	void (*irq)(void *ctx, unsigned vector);
	void *irq_ctx;
};

/* Create the device and claim MMIO space for both BARs. */
struct sva_dsa *sva_dsa_create(struct sva_machine *m, const struct sva_dsa_config *cfg);
void sva_dsa_destroy(struct sva_dsa *dsa);

const char *sva_dsa_name(const struct sva_dsa *dsa);
uint64_t sva_dsa_bar0(const struct sva_dsa *dsa);
uint64_t sva_dsa_bar2(const struct sva_dsa *dsa);
/* The PCIe function, for the IOMMU (sva_iommu_probe_device). */
struct sva_pcidev *sva_dsa_pcidev(struct sva_dsa *dsa);
/* Its path from the root port: config-space bits the OS enables, UR counts. */
struct sva_pcie_path *sva_dsa_pcie_path(struct sva_dsa *dsa);
/* Physical address of WQ @wq's portal page (@limited, IMS when @ims). */
uint64_t sva_dsa_portal(const struct sva_dsa *dsa, unsigned wq, bool limited, bool ims);

/*
 * For the invariant checker: does a queued or running descriptor, or an
 * ATC entry, carry @pasid?  Does an ATC entry point into the frame at @pa?
 * WQ entries accepted and ended (completed, aborted or lost), for "nothing
 * lost".
 */
bool sva_dsa_holds_pasid(const struct sva_dsa *dsa, uint32_t pasid);
bool sva_dsa_caches_frame(const struct sva_dsa *dsa, uint64_t pa);
void sva_dsa_accounting(const struct sva_dsa *dsa, uint64_t *accepted, uint64_t *finished,
			uint64_t *in_flight);

/*
 * One WQ's accounting (docs/dsa.md §3.1), in WQ entries: a batch descriptor
 * is one entry, its members are not.  Every accepted entry ends exactly
 * once, so accepted = completed + aborted + lost + in_flight, and
 * in_flight is 0 once the device is quiet.
 */
struct sva_dsa_wq_account {
	uint64_t accepted, retried, dropped;	/* at the portal: ENQCMD answered, MOVDIR64B lost */
	uint64_t completed;	/* an engine ran it; its record, if asked for, was written (any status) */
	uint64_t aborted;	/* left the WQ without running: Abort, WQ disable or reset, device reset */
	uint64_t lost;		/* an engine ran it but its record could not be written (SWERR only) */
	uint64_t in_flight;	/* queued, or on an engine, now */
};
unsigned sva_dsa_nr_wqs(const struct sva_dsa *dsa);
/* 0, or -EINVAL when @wq is not one of the device's. */
int sva_dsa_wq_account(const struct sva_dsa *dsa, unsigned wq, struct sva_dsa_wq_account *out);

struct sva_dsa_stats {
	uint64_t submitted, accepted, retried, dropped;	/* at the portals */
	uint64_t dmwr_ur;		/* enqueue stores the PCIe path answered UR (not submitted) */
	uint64_t completed;			/* descriptors executed (batch members included) */
	uint64_t failed;			/* ... whose status was an error (not a partial completion) */
	uint64_t top_completed, aborted, lost;	/* how WQ entries ended (struct sva_dsa_wq_account) */
	uint64_t batches, batch_descs, bytes;
	uint64_t atc_hits, atc_misses, atc_invalidations, page_requests, page_faults_partial;
	uint64_t untranslated;		/* accesses of ATS-disabled WQs, translated by the IOMMU */
	uint64_t prs_success, prs_invalid, prs_failure, cr_writes, cr_faults, interrupts, swerrs;
	uint64_t interrupts_lost, interrupts_spurious;	/* injected */
	uint64_t path_busy_ns;		/* time descriptors held the shared data path (docs/dsa.md 5.0) */
	/*
	 * by opcode (DSA 1.0 opcodes are below 0x21): executed, succeeded,
	 * completed partially (a page fault software finishes), bytes of the
	 * successful ones
	 */
	uint64_t op_count[0x21], op_ok[0x21], op_partial[0x21], op_bytes[0x21];
	/* completion status codes (bits 6:0, the R/W bit aside) of every executed descriptor */
	uint64_t status[0x80];
};

/* Fault injection: a fatal internal error halts the device (a reset recovers it). */
void sva_dsa_inject_halt(struct sva_dsa *dsa);
/* Fault injection: lose every @drop_every-th interrupt, duplicate every @spurious_every-th (0: never). */
void sva_dsa_inject_irq_faults(struct sva_dsa *dsa, unsigned drop_every, unsigned spurious_every);

struct json_object;
/* { "memmove": { "executed", "succeeded", "partial", "bytes" }, ... } for the opcodes seen. */
struct json_object *sva_dsa_ops_json(const struct sva_dsa_stats *st);
/* What a completion status code (the R/W bit ignored) means, in a few words. */
const char *sva_dsa_status_name(unsigned code);
/*
 * Where the device's memory accesses go (docs/dsa.md §6.1).  By default
 * every access - operands, batch lists, completion records - is translated
 * by the ATC, ATS and the IOMMU into simulated physical memory, and a
 * block-on-fault page request goes through PRI to the kernel's iopf
 * handler.  A back end set with sva_dsa_set_dma() takes all of that
 * instead: the device asks it for host memory directly.  Everything else -
 * WQs, engines, the operations, batch, drain, block-on-fault retries,
 * statuses, completion records, SWERR, timing of the data path - is the
 * same code either way.  Native mode (docs/native.md) uses one that
 * reaches the real program's address space (src/native/native_mem.c).
 */
enum sva_dsa_access {
	SVA_DSA_ACCESS_DATA = 0,	/* an operation's operand (source, destination, seed) */
	SVA_DSA_ACCESS_LIST,		/* a batch's descriptor list (read) */
	SVA_DSA_ACCESS_RECORD,		/* a completion record (write) */
};

/* What sva_dsa_dma_ops.map() returns besides 0 (mapped) and a negative errno. */
enum sva_dsa_map_result {
	/*
	 * The page is not there for this access (not present, not permitted):
	 * the device reports a page fault (status 0x03), or with block on
	 * fault calls page_request.
	 */
	SVA_DSA_MAP_FAULT = 1,
	SVA_DSA_MAP_FAULT_IR = 2,	/* the page response was already Invalid: status 0x04 */
	SVA_DSA_MAP_XLAT_ERR = 3,	/* the translation itself failed: TRANSLATION_FAIL */
};

/* Who asks: one engine working on one descriptor. */
struct sva_dsa_dma_req {
	unsigned engine;		/* 0 .. nr_engines - 1 */
	/*
	 * Which descriptor: a device-wide count of descriptors engines have
	 * started (a batch member counts as one, and its batch's list reads
	 * and record carry the batch's number).  Engines interleave only at
	 * block-on-fault waits, so per-descriptor state is kept per engine
	 * and starts afresh when the number changes.
	 */
	uint64_t desc;
	uint32_t pasid;			/* the descriptor's (ENQCMD's IA32_PASID, or WQCFG's) */
	bool priv;
	enum sva_dsa_access access;
};

struct sva_dsa_dma_ops {
	/*
	 * Make up to @len (> 0) bytes at @va, an address in the address
	 * space of @req->pasid, accessible for read (@write false) or write.
	 * Returns 0 with *ptr a host pointer and *got the number of bytes
	 * (1..len) it may touch there: any run contiguous at the host, across
	 * pages.  The pointer must stay valid until the operation returns (an
	 * operation holds a source and a destination run at once), and the
	 * back end must never let the access fault the host.  Otherwise the
	 * access stops at @va with a positive enum sva_dsa_map_result
	 * (below), or a negative errno (a bus error: HW_ERR1 for an
	 * operand, a lost record).  Must not block.
	 */
	int (*map)(void *ctx, const struct sva_dsa_dma_req *req, uint64_t va, uint64_t len, bool write,
		   void **ptr, uint64_t *got);
	/*
	 * Block on fault: make the page at @va present for @write, as the
	 * kernel's iopf handler would.  Returns the page response, an enum
	 * sva_prg_resp (sva/iommu.h): SVA_PRG_SUCCESS (the device retries),
	 * SVA_PRG_INVALID (no such page, or not with that access: status
	 * PAGE_FAULT_IR), SVA_PRG_FAILURE or a negative errno (status
	 * TRANSLATION_FAIL).  Must not block: the engine waits pri_rtt +
	 * iopf_handling of virtual time around it (docs/dsa.md §6.1).
	 */
	int (*page_request)(void *ctx, const struct sva_dsa_dma_req *req, uint64_t va, bool write);
};

/*
 * @ops (with @ctx passed to it), or NULL for the ATC/ATS/IOMMU path.  Set
 * it before the device runs its first descriptor and leave it: accesses
 * already made went the other way.  @ops must outlive the device.
 */
void sva_dsa_set_dma(struct sva_dsa *dsa, const struct sva_dsa_dma_ops *ops, void *ctx);

/* "memmove", "batch", ... for an opcode; "unknown" otherwise. */
const char *sva_dsa_op_name(unsigned opcode);
void sva_dsa_stats(const struct sva_dsa *dsa, struct sva_dsa_stats *out);

SVA_API_END
#endif /* SVA_DSA_H */
