// SPDX-License-Identifier: MIT
/*
 * Default timing parameters, each with where its number comes from.
 *
 * Sources (docs/calibration.md has the comparison, sva's number next to
 * each published one):
 *  [DML]   Intel DML documentation, "Benchmarks Framework Guide", sample
 *          output of a DSA memmove of 1 MiB: 52.06 us per operation,
 *          20.14 GB/s (intel.github.io/DML/documentation/bench_docs/guide.html).
 *  [2LM]   Liu et al., "DSA-2LM", USENIX ATC'25, abstract: DSA moves data
 *          up to 4x faster than a single CPU core.
 *  [MICROS] intel/dsa-perf-micros, doc/sample_command_lines.rst: a shared
 *          WQ needs 4 submitting cores to keep DSA busy with 4 KiB memmoves
 *          because only one ENQCMD is in flight per core; a dedicated WQ
 *          (many MOVDIR64B in flight) or batches do it from one core.
 *  [KUPER] Kuper et al., ASPLOS'24 (arXiv 2305.02480): the experiments the
 *          bench mirrors; its figures' numbers were not available to us, so
 *          nothing below is fitted to them (docs/calibration.md).
 *
 * "Guess" means no measurement was consulted: an order of magnitude from
 * general knowledge of such hardware, there so that costs have the right
 * shape (an MMIO read costs far more than a TLB hit).  "Effective" means
 * the value is what the model must charge to reproduce a measurement, not
 * a latency one could observe alone: the engine model charges each page's
 * translation one after another, where hardware overlaps translations with
 * the data stream.
 */
#include <assert.h>

#include <sva/timing.h>

void sva_timing_default(struct sva_timing *t)
{
	*t = (struct sva_timing){
		/*
		 * Guess: a non-posted write across the on-die fabric and back.
		 * Consistent with [MICROS]: with it one core's ENQCMD loop
		 * reaches about a quarter of a 4 KiB memmove stream (sva bench swq).
		 */
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
		/*
		 * Calibrated to [2LM] against [DML]: a guest memcpy pays this for
		 * its loads and again for its stores, so a 1 MiB copy runs at
		 * about 4.6 GB/s, a quarter of DSA's 1 MiB memmove.
		 */
		.cpu_memcpy_bw = 11.0,

		.iotlb_hit = 5,		/* guess */
		/* Effective, calibrated with ats_rtt to [DML]; walk levels on top. */
		.iotlb_miss = 10,
		.pasid_cache_miss = 100,	/* guess: two entry fetches */
		.inv_wait = 1500,	/* guess: queued invalidation + wait */

		.atc_hit = 5,		/* guess */
		/* Effective, calibrated with ats_rtt to [DML]. */
		.atc_miss = 5,
		/*
		 * Effective, calibrated to [DML]: a 1 MiB memmove misses the
		 * 64-entry ATC on each of its 512 pages (source and
		 * destination) and must still take about 52 us.  A lone
		 * translation round trip surely takes longer (guess: ~1 us);
		 * the model cannot tell the two apart yet.
		 */
		.ats_rtt = 10,
		.pri_rtt = 2000,	/* guess: page request + response on the wire */
		.iopf_handling = 5000,	/* guess: workqueue + handle_mm_fault */
		.desc_fetch = 200,	/* guess: one memory read by the device */
		.desc_overhead = 100,	/* guess */
		/*
		 * Guess (DSA's advertised peak is on the order of 30 GB/s); with
		 * the ATC costs above a 1 MiB memmove lands within 5% of [DML].
		 */
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
