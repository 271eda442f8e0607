/* SPDX-License-Identifier: MIT */
/*
 * An in-kernel user of a kernel WQ (Linux: the idxd dmaengine channel).
 * It has an address space and a PASID of its own, bound with supervisor
 * requests enabled, and submits from a CPU at CPL 0 with ENQCMDS, setting
 * PRIV itself.  A shared WQ may refuse: like idxd_enqcmds() it retries a
 * bounded number of times, and when the device stays busy it falls back
 * to copying with the CPU and reports that it did.
 */
#ifndef SVA_OS_IDXD_DMAENGINE_H
#define SVA_OS_IDXD_DMAENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include <sva/stats.h>

struct sva_idxd;
struct sva_idxd_wq;
struct sva_mm;
struct sva_bond;
struct sva_cpu;

#define SVA_DMAENGINE_RETRIES 32	/* IDXD_ENQCMDS_RETRIES */

struct sva_dmaengine {
	struct sva_idxd *idxd;
	struct sva_idxd_wq *wq;
	struct sva_mm *mm;		/* the client's own address space */
	struct sva_bond *bond;
	uint32_t pasid;
	struct sva_cpu *cpu;		/* the CPU context it submits from, at CPL 0 */
	uint64_t portal, desc, cr, buf;
	uint64_t buf_size;
	struct sva_counter *c_submits, *c_retries, *c_fallbacks, *c_done;
};

/* A client of kernel WQ @wq_id with a buffer of @buf_size bytes.  0 or -errno. */
int sva_dmaengine_create(struct sva_idxd *idxd, int wq_id, uint64_t buf_size,
			 struct sva_dmaengine **out);
void sva_dmaengine_destroy(struct sva_dmaengine *e);

/*
 * Copy @n bytes from @src_off to @dst_off of the client's buffer (from a
 * kernel task).  0 when the device did it; -EBUSY when the WQ refused
 * every retry and the CPU copied instead (the bytes are copied either
 * way); -EIO with the device's status in *status when it failed.
 */
int sva_dmaengine_memcpy(struct sva_dmaengine *e, uint64_t dst_off, uint64_t src_off,
			 uint32_t n, uint8_t *status);

/* Host pointer to the buffer, for tests. */
void *sva_dmaengine_buf(struct sva_dmaengine *e, uint64_t off, uint64_t n);

#endif
