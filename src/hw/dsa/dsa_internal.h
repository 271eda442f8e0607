/* SPDX-License-Identifier: MIT */
/* Inside the DSA model: WQs, groups, engines, ATC and the device state. */
#ifndef SVA_HW_DSA_INTERNAL_H
#define SVA_HW_DSA_INTERNAL_H

#include <assert.h>
#include <linux/idxd.h>

#include <sva/dsa.h>
#include <sva/iommu.h>
#include <sva/machine.h>
#include <sva/pcie.h>
#include <sva/phys.h>
#include <sva/stats.h>

#include "hw/dsa/dsa_ops.h"

#define DSA_MAX_WQS	16
#define DSA_MAX_GROUPS	8
#define DSA_MAX_ENGINES	16
#define DESC_SIZE	64

/* A descriptor waiting in a WQ. */
struct wq_entry {
	uint8_t desc[DESC_SIZE];
	uint64_t seq;			/* device-wide acceptance order */
	sva_time_t accepted_at;
};

struct dsa_wq {
	unsigned id;
	/* WQCFG, as software wrote it */
	uint8_t cfg[32];
	/* decoded when enabled */
	bool enabled;
	unsigned size, threshold, priority;
	bool dedicated, bof, pasid_en, priv;
	bool ats_disable;	/* WQCFG bit 2: no ATC, the IOMMU translates every access */
	uint32_t pasid;
	unsigned max_xfer_shift, max_batch_shift;
	int group;			/* -1 when in no group */
	/* the queue */
	struct wq_entry *ring;		/* size entries */
	unsigned head, count;
	int track;
	/* at the portal, then how accepted entries ended (docs/dsa.md §3.1) */
	struct sva_counter *c_accepted, *c_retried, *c_dropped;
	struct sva_counter *c_completed, *c_aborted, *c_lost;
};

struct dsa_group {
	uint8_t cfg[64];
	uint64_t wq_mask, eng_mask;
	unsigned rr;			/* round-robin cursor among equal priorities */
};

struct dsa_engine {
	struct sva_dsa *dsa;
	unsigned id;
	struct sva_task *task;
	/* what it is running, for drains */
	bool busy;
	int wq;
	uint32_t pasid;
	uint64_t seq;
	int track;
};

struct atc_entry {
	bool valid;
	bool priv;
	uint32_t pasid;
	uint64_t page;			/* va of the translation's base */
	uint64_t size;
	uint64_t pa;
	bool r, w;
	uint64_t stamp;
};

struct dsa_pri_wait {
	bool waiting, answered;
	uint32_t pasid;
	uint16_t prgi;
	enum sva_prg_resp code;
};

struct sva_dsa {
	struct sva_machine *m;
	struct sva_sim *sim;
	struct sva_phys *phys;
	struct sva_dsa_config cfg;
	char name[16];
	uint64_t bar0, bar2;
	struct sva_pcidev pci;
	struct sva_pcie_path path;	/* root port .. this function */

	/* registers */
	uint64_t gencap, wqcap, grpcap, engcap, opcap[4];
	uint32_t gencfg, genctrl, gensts, intcause;
	uint32_t cmdsts;
	uint64_t swerr[4];

	struct dsa_wq wq[DSA_MAX_WQS];
	struct dsa_group grp[DSA_MAX_GROUPS];
	struct dsa_engine eng[DSA_MAX_ENGINES];
	struct sva_waitq work_wq[DSA_MAX_GROUPS];	/* idle engines of a group */
	struct sva_waitq idle_wq;	/* drains wait here */
	uint64_t seq;

	/* command processing */
	struct sva_task *cmd_task;
	struct sva_waitq cmd_wq;
	bool cmd_pending;
	uint32_t cmd;

	/* device TLB */
	struct atc_entry *atc;
	uint64_t atc_clock;
	/* virtual time at which the shared data path (desc_overhead + bytes at device_bw) is free */
	sva_time_t path_free;
	/*
	 * Bit k set: an entry of page size 4K/2M/1G (k = 0/1/2) may be valid.
	 * Set by a fill, cleared only by a flush of the whole ATC, so a lookup
	 * skips probing the sizes that cannot hit (most runs use 4 KiB only).
	 */
	unsigned atc_sizes;
	/* page requests in flight, one per engine at most */
	struct dsa_pri_wait pri[DSA_MAX_ENGINES];
	uint16_t next_prgi;
	struct sva_waitq pri_wq;
	/* Memory access through a back end instead of the ATC (sva_dsa_set_dma), or NULL. */
	const struct sva_dsa_dma_ops *dma;
	void *dma_ctx;
	uint64_t descs_started;		/* numbers descriptors for the back end (sva_dsa_dma_req.desc) */

	struct sva_dsa_stats st;
	unsigned irq_drop_every, irq_spurious_every;	/* fault injection */
	uint64_t irq_seq;
	struct sva_counter *c_submitted, *c_accepted, *c_retried, *c_completed, *c_bytes,
			   *c_atc_hits, *c_atc_misses, *c_untranslated, *c_prs, *c_partial, *c_swerr;
	struct sva_hist *h_latency;
	int track;
	int path_track;			/* trace: the data path's grants */
};

/* dsa.c */
void dsa_swerr(struct sva_dsa *dsa, unsigned code, int wq, const struct dsa_hw_desc *d,
	       uint64_t fault_addr, bool write, bool batch, unsigned batch_index, uint32_t invalid_flags);
void dsa_halt(struct sva_dsa *dsa, const char *why);
void dsa_raise_irq(struct sva_dsa *dsa, unsigned vector);

/* dsa_wq.c */
int dsa_portals_register(struct sva_dsa *dsa);
void dsa_wq_decode(struct sva_dsa *dsa, struct dsa_wq *wq);
bool dsa_wq_pop(struct sva_dsa *dsa, unsigned group, struct wq_entry *out, int *wq_id);
unsigned dsa_wq_abort(struct sva_dsa *dsa, int wq, bool by_pasid, uint32_t pasid);
bool dsa_pending(struct sva_dsa *dsa, int wq, bool by_pasid, uint32_t pasid, uint64_t upto);
/* Only what an engine holds (dsa_pending without the queues). */
bool dsa_running(struct sva_dsa *dsa, int wq, bool by_pasid, uint32_t pasid, uint64_t upto);

/* dsa_engine.c */
int dsa_engines_start(struct sva_dsa *dsa);
void dsa_engines_stop(struct sva_dsa *dsa);
void dsa_kick_group(struct sva_dsa *dsa, int group);

/* dsa_atc.c */
struct dsa_xlat_ctx {
	struct sva_dsa *dsa;
	struct dsa_engine *eng;
	uint32_t pasid;
	bool priv;
	bool bof;
	bool no_atc;		/* the WQ has ATS disabled */
	uint64_t desc;		/* sva_dsa_dma_req.desc of this descriptor */
	/* first fault seen by map(), for block-on-fault */
	bool faulted;
	uint64_t fault_va;
	bool fault_write;
	enum sva_dsa_access fault_access;
	sva_time_t cost;		/* translation time to charge afterwards */
	/*
	 * While an operation streams data (run_op), translations are
	 * pipelined ahead of the data instead of adding up in @cost: per
	 * operand (enum dsa_operand), the first address translated and the
	 * "lead", how long the stream must wait before its data can flow so
	 * that every page's translation is done when its bytes come up.
	 */
	sva_time_t known_at;	/* since when the engine has had the descriptor */
	bool streaming;
	struct dsa_xlat_stream {
		bool started, read;	/* read: the operand is a source */
		uint64_t va0;
		double lead;		/* ns */
	} stream[DSA_NR_OPERANDS];
};
extern const struct sva_pcidev_ops dsa_pci_ops;
int dsa_mem_map(void *ctx, uint64_t va, uint64_t len, bool write, unsigned opnd, void **ptr, uint64_t *got);
/* Resolve a fault through PRI, blocking; returns the response code or -ETIMEDOUT/-EPERM. */
int dsa_page_request(struct dsa_xlat_ctx *x, uint64_t va, bool write);
/* Write @n bytes at @va through the ATC (completion records); 0 or a fault code. */
int dsa_dma_write(struct dsa_xlat_ctx *x, uint64_t va, const void *buf, size_t n);
int dsa_dma_read(struct dsa_xlat_ctx *x, uint64_t va, void *buf, size_t n);
void dsa_atc_flush_all(struct sva_dsa *dsa);

#endif
