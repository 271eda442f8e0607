// SPDX-License-Identifier: MIT
/*
 * Default timing parameters, each with where its number comes from.
 *
 * Sources (docs/calibration.md has the comparison, sva's number next to
 * each published one, and the error):
 *  [LDSA]  LightDSA (EuroSys'26) artifact, github izumihanako/LightDSA, the
 *          .data files under expr/paper: raw logs of microbenchmarks on one DSA of a
 *          4th-generation Xeon - sync latency and async throughput vs
 *          size, batches vs singles, page faults, CPU memcpy in the same
 *          harness.  Their MB is MiB.  The values below are fitted to it.
 *  [DML]   Intel DML documentation, "Benchmarks Framework Guide", sample
 *          output: a 1 MiB memmove in 52.06 us, 20.14 GB/s (a different,
 *          slower set-up than [LDSA]; not fitted, compared only).
 *  [2LM]   Liu et al., "DSA-2LM", USENIX ATC'25, abstract: DSA moves data
 *          up to 4x faster than one CPU core (a bound, compared only).
 *  [MICROS] intel/dsa-perf-micros, doc/sample_command_lines.rst: a shared
 *          WQ needs about 4 submitting cores for a 4 KiB stream since one
 *          ENQCMD is in flight per core; a dedicated WQ or batches need one.
 *  [KUPER] Kuper et al., ASPLOS'24 (arXiv 2305.02480): the experiments the
 *          bench mirrors; its figures were not available to us.
 *
 * "Guess" means no measurement was consulted: an order of magnitude from
 * general knowledge of such hardware, there so that costs have the right
 * shape (an MMIO read costs far more than a TLB hit).  "Fitted" means the
 * value is what the model must charge to reproduce [LDSA]; with the
 * model's simplifications (docs/calibration.md) it is not necessarily a
 * latency one could observe alone.
 */
#include <assert.h>

#include <sva/timing.h>

void sva_timing_default(struct sva_timing *t)
{
	*t = (struct sva_timing){
		/*
		 * Fitted to [LDSA]: 128 single descriptors in flight from one
		 * thread to a shared WQ take 0.19 us each up to 1 KiB, the
		 * rate of one thread's ENQCMDs (one in flight per core, as
		 * [MICROS] says) plus the loop around them.
		 */
		.enqcmd_rtt = 170,
		/* Guess: the core issues a posted 64-byte WC store and moves on. */
		.movdir64b = 50,
		/* Guess: uncached read round trip to an integrated device. */
		.mmio_read = 600,
		/* Guess: posted, so only the issue cost is paid. */
		.mmio_write = 30,
		/* Fitted to [LDSA]: a 64-byte memcpy (a load and a store) takes ~11 ns. */
		.mem_access = 4,
		/* Guess: paging-structure caches make most entry reads hits. */
		.walk_per_level = 5,
		/* Guess: a few cycles at ~3 GHz. */
		.tlb_hit = 1,
		/* Guess: fault entry plus IRET with current mitigations. */
		.exception = 400,
		.msr_write = 100,	/* guess: WRMSR is serializing */
		.msr_read = 50,		/* guess */
		.tlb_flush = 100,	/* guess */
		/*
		 * Fitted to [LDSA]: touching a never-touched 4 KiB page costs
		 * the CPU 1.21 us (0.317 s per GiB, "tap only"), exception included.
		 */
		.pf_handling = 800,
		/*
		 * Fitted to [LDSA]: one core's memcpy moves 9749 MiB/s at 1 MiB;
		 * a guest memcpy pays this for its loads and again for its stores.
		 */
		.cpu_memcpy_bw = 20.4,
		/*
		 * Guess: the SDM only says C0.1 wakes faster and C0.2 saves
		 * more; a few hundred cycles against about a microsecond.
		 */
		.umwait_c01_exit = 100,
		.umwait_c02_exit = 500,
		.iotlb_hit = 5,		/* guess */
		.iotlb_miss = 10,	/* guess; walk levels are extra */
		.pasid_cache_miss = 100,	/* guess: two entry fetches */
		.inv_wait = 1500,	/* guess: queued invalidation + wait */
		/* Fitted to [LDSA] with desc_fetch: see desc_fetch. */
		.atc_hit = 1,
		.atc_miss = 5,		/* guess */
		/*
		 * Fitted to [LDSA]: a synchronous copy takes ~0.4 us longer once
		 * it reaches into a page the device has not translated yet
		 * (4 KiB at a 64-byte offset: 1.14 us, against 0.75 us for
		 * 64 B).  With the IOTLB miss and walk this makes ~0.5 us per
		 * ATS round trip; later pages' translations hide behind the data.
		 */
		.ats_rtt = 460,
		.pri_rtt = 2000,	/* guess: page request + response on the wire */
		/*
		 * Fitted to [LDSA]: copying into never-touched pages with block
		 * on fault (256 KiB descriptors, four engines) runs at
		 * 0.277 GiB/s, one page every 13.8 us: the kernel's handling
		 * is what the engines cannot overlap (sva bench pfbw).
		 */
		.iopf_handling = 11900,
		/*
		 * Fitted to [LDSA]: a synchronous 64-byte copy (ENQCMD, then
		 * polling the record) takes 0.75 us; what the submission, the
		 * engine's own work and the read below do not explain is the
		 * way from the WQ to an engine and the record's way back to
		 * the poller.
		 */
		.desc_dispatch = 360,
		/*
		 * Fitted to [LDSA]: a synchronous 64-byte fill, which reads
		 * nothing, takes 0.49 us against 0.75 us for a copy.
		 */
		.dev_read_lat = 260,
		/*
		 * Fitted to [LDSA]: one engine runs batch members (batches of
		 * 32) in 0.05-0.06 us each up to 1 KiB, desc_overhead included.
		 */
		.desc_fetch = 10,
		/*
		 * Fitted to [LDSA]: four engines run at most ~22 M small
		 * descriptors/s (64-byte batch members: 1368 MiB/s), one
		 * engine as many: a device-wide cost per data descriptor.
		 * Descriptors that move no data pay it on their engine only.
		 */
		.desc_overhead = 40,
		/*
		 * [LDSA]: one engine moves 29938 MiB/s at 1 MiB, four engines
		 * 29915 MiB/s: the limit is the device's, and one engine
		 * reaches it.
		 */
		.engine_bw = 31.4,
		.device_bw = 31.4,
		/* Guess: a posted 32-byte write; its way to the poller is in desc_dispatch. */
		.completion_write = 20,
		.interrupt = 1000,	/* guess: MSI-X to the handler running */
	};
}

sva_time_t sva_timing_xfer(uint64_t bytes, double bw)
{
	assert(bw > 0);
	return bytes ? sva_timing_ceil((double)bytes / bw) : 0;
}

sva_time_t sva_timing_ceil(double ns)
{
	sva_time_t t;

	if (ns <= 0)
		return 0;
	t = (sva_time_t)ns;
	/* Round up without libm. */
	return (double)t < ns ? t + 1 : t;
}
