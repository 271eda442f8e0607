// SPDX-License-Identifier: MIT
/*
 * Default timing parameters.  "Guess" means no measurement was consulted:
 * the number is an order of magnitude from general knowledge of such
 * hardware, there so that costs have the right shape (an MMIO read costs
 * far more than a TLB hit) until the calibration issue replaces it.
 */
#include <assert.h>

#include <sva/timing.h>

void sva_timing_default(struct sva_timing *t)
{
	*t = (struct sva_timing){
		/* Guess: a non-posted write across the on-die fabric and back. */
		.enqcmd_rtt = 500,
		/* Guess: the core issues a posted 64-byte WC store and moves on. */
		.movdir64b = 50,
		/* Guess: uncached read round trip to an integrated device. */
		.mmio_read = 600,
		/* Guess: posted, so only the issue cost is paid. */
		.mmio_write = 30,
		/* Guess: an L1/L2 hit. */
		.mem_access = 2,
		/* Guess: paging-structure reads mostly hit the cache hierarchy. */
		.walk_per_level = 20,
		/* Guess: a few cycles at ~3 GHz. */
		.tlb_hit = 1,
		/* Guess: fault entry plus IRET with current mitigations. */
		.exception = 400,
		/* Guess: WRMSR is serializing; a few hundred cycles. */
		.msr_write = 100,
		.msr_read = 50,		/* guess */
		.tlb_flush = 100,	/* guess */
		/* Guess: ~10 GB/s for a single core copying beyond L2. */
		.cpu_memcpy_bw = 10.0,

		.iotlb_hit = 5,		/* guess */
		.iotlb_miss = 50,	/* guess, walk levels charged on top */
		.pasid_cache_miss = 100,	/* guess: two entry fetches */
		.inv_wait = 1500,	/* guess: queued invalidation + wait */

		.atc_hit = 5,		/* guess */
		.atc_miss = 20,		/* guess */
		.ats_rtt = 800,		/* guess: translation request round trip */
		.pri_rtt = 2000,	/* guess: page request + response on the wire */
		.iopf_handling = 5000,	/* guess: workqueue + handle_mm_fault */
		.desc_fetch = 200,	/* guess: one memory read by the device */
		.desc_overhead = 100,	/* guess */
		/* Guess: DSA's advertised peak is on the order of 30 GB/s. */
		.engine_bw = 30.0,
		.completion_write = 50,	/* guess: one posted 32-byte write */
		.interrupt = 1000,	/* guess: MSI-X to the handler running */
	};
}

sva_time_t sva_timing_xfer(uint64_t bytes, double bw)
{
	assert(bw > 0);
	if (!bytes)
		return 0;
	double ns = (double)bytes / bw;
	sva_time_t t = (sva_time_t)ns;

	/* Round up without libm: a partial nanosecond still costs one. */
	return (double)t < ns ? t + 1 : t;
}
