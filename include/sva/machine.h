/* SPDX-License-Identifier: MIT */
/*
 * sva/machine.h - the machine: physical memory, timing, CPU contexts.
 *
 * One struct sva_machine per simulated system.  It owns the physical
 * memory (RAM and the MMIO map), the timing table every hardware model
 * charges from, and the CPU contexts (one per software thread).  Devices
 * (IOMMU, DSA) are built on top of it by later layers.
 */
#ifndef SVA_MACHINE_H
#define SVA_MACHINE_H

#include <sva/api.h>

#include <stdbool.h>
#include <stdint.h>

#include <sva/phys.h>
#include <sva/sim.h>
#include <sva/timing.h>

SVA_API_BEGIN

struct sva_machine;

struct sva_machine_config {
	uint64_t ram_size;		/* bytes; 0 = 4 GiB */
	unsigned maxphyaddr;		/* 0 = 46 */
	unsigned paging_levels;		/* 4 or 5 (LA57); 0 = 4 */
	const struct sva_timing *timing;	/* copied; NULL = defaults */
	/* Start of the window sva_machine_mmio_alloc() hands out;
	 * 0 = the upper half of the physical address space. */
	uint64_t mmio_base;
};

/*
 * @sim may be NULL: nothing is then charged, only accounted (see
 * sva_machine_charge()).  Returns NULL and sets errno on failure.
 */
struct sva_machine *sva_machine_create(struct sva_sim *sim,
				       const struct sva_machine_config *cfg);
/* Destroys the CPU contexts that are left, then the memory. */
void sva_machine_destroy(struct sva_machine *m);

struct sva_sim *sva_machine_sim(struct sva_machine *m);
struct sva_phys *sva_machine_phys(struct sva_machine *m);
/* Writable: a what-if study may change numbers before running. */
struct sva_timing *sva_machine_timing(struct sva_machine *m);
unsigned sva_machine_paging_levels(const struct sva_machine *m);

/*
 * Reserve @size bytes (multiple of 4 KiB) of MMIO address space aligned to
 * @align (a power of two >= 4 KiB) for a device to register.  Returns 0
 * with *base set, -EINVAL, or -ENOSPC.
 */
int sva_machine_mmio_alloc(struct sva_machine *m, uint64_t size,
			   uint64_t align, uint64_t *base);

/*
 * An observer of device memory accesses: called for every run of bytes a
 * device is about to read or write through a translation, with the PASID
 * it was translated for.  The invariant checker installs one; NULL (the
 * default) costs one test per access.
 */
struct sva_dma_observer {
	void (*dma)(void *ctx, uint16_t rid, uint32_t pasid, bool priv, uint64_t va,
		    uint64_t pa, uint64_t len, bool write);
	void *ctx;
};
void sva_machine_set_dma_observer(struct sva_machine *m, const struct sva_dma_observer *o);
static inline void sva_machine_observe_dma(const struct sva_dma_observer *o, uint16_t rid,
					   uint32_t pasid, bool priv, uint64_t va, uint64_t pa,
					   uint64_t len, bool write)
{
	if (o && o->dma)
		o->dma(o->ctx, rid, pasid, priv, va, pa, len, write);
}
const struct sva_dma_observer *sva_machine_dma_observer(const struct sva_machine *m);

/*
 * A store reached physical memory [pa, pa + len), from a CPU or a device:
 * any CPU whose UMONITOR line it touches is woken.  Cheap while no monitor
 * is armed.  CPU stores report themselves; a device reports what it
 * writes through a translation (DSA data and completion records).
 */
void sva_machine_note_store(struct sva_machine *m, uint64_t pa, uint64_t len);

/*
 * Spend @ns of virtual time on behalf of the calling hardware model: the
 * running task sleeps for it.  Outside any task (set-up code, unit tests
 * without tasks) or without a simulation nothing sleeps: the caller's own
 * accounting is all that records the cost.
 */
void sva_machine_charge(struct sva_machine *m, sva_time_t ns);

SVA_API_END
#endif /* SVA_MACHINE_H */
