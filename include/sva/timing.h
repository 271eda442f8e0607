/* SPDX-License-Identifier: MIT */
/*
 * sva/timing.h - the platform's timing parameters, in one table.
 *
 * Every component charges virtual time from this one struct, so a what-if
 * study or a calibration changes numbers here and nowhere else.  Times are
 * virtual nanoseconds; bandwidths are bytes per nanosecond (1 B/ns is
 * 1 GB/s).  The defaults live in src/hw/timing.c, each with where it comes
 * from: fitted to published measurements (docs/calibration.md) or marked
 * as a guess.
 */
#ifndef SVA_TIMING_H
#define SVA_TIMING_H

#include <sva/api.h>

#include <stddef.h>
#include <stdint.h>

#include <sva/sim.h>

SVA_API_BEGIN

struct sva_timing {
	/* ---- CPU ---- */
	sva_time_t enqcmd_rtt;		/* ENQCMD/ENQCMDS: issue to ZF, non-posted */
	sva_time_t movdir64b;		/* MOVDIR64B: CPU cost of the posted store */
	sva_time_t mmio_read;		/* uncached load from a device register */
	sva_time_t mmio_write;		/* posted store to a device register */
	sva_time_t mem_access;		/* one ordinary load/store hitting cache */
	sva_time_t walk_per_level;	/* one page-table entry read by a walker */
	sva_time_t tlb_hit;		/* CPU TLB hit */
	sva_time_t exception;		/* #GP/#PF/#UD entry plus IRET, no handler */
	sva_time_t msr_write;		/* WRMSR (IA32_PASID) */
	sva_time_t msr_read;		/* RDMSR */
	sva_time_t tlb_flush;		/* CR3 write or INVLPG */
	sva_time_t pf_handling;		/* kernel work for one CPU page fault (handle_mm_fault) */
	double cpu_memcpy_bw;		/* B/ns, one core streaming loads or stores (a memcpy pays it twice) */
	sva_time_t umwait_c01_exit;	/* UMWAIT in C0.1: trigger to the next instruction */
	sva_time_t umwait_c02_exit;	/* UMWAIT in C0.2 (deeper, slower to leave) */

	/* ---- IOMMU (later layers) ---- */
	sva_time_t iotlb_hit;
	sva_time_t iotlb_miss;		/* fixed part; walk levels are extra */
	sva_time_t pasid_cache_miss;	/* PASID directory + table entry fetch */
	sva_time_t inv_wait;		/* invalidation descriptor + wait descriptor */

	/* ---- device side (later layers) ---- */
	sva_time_t atc_hit;
	sva_time_t atc_miss;		/* device-side cost before the ATS request */
	sva_time_t ats_rtt;		/* translation request to completion */
	sva_time_t pri_rtt;		/* page request to page response, wire part */
	sva_time_t iopf_handling;	/* kernel iopf work for one page request */
	sva_time_t desc_dispatch;	/* WQ entry to an engine starting it (pipelined) */
	sva_time_t dev_read_lat;	/* a device read's first bytes back from memory */
	sva_time_t desc_fetch;		/* engine reads one batch member */
	sva_time_t desc_overhead;	/* per-descriptor work on the device's shared path */
	double engine_bw;		/* B/ns, one engine streaming */
	double device_bw;		/* B/ns, the device's data path, shared by its engines */
	sva_time_t completion_write;	/* writing the completion record */
	sva_time_t interrupt;		/* MSI-X delivery to the handler running */
};

/* The defaults: a Sapphire Rapids class server, as well as we know it. */
void sva_timing_default(struct sva_timing *t);

/*
 * The table as JSON (docs/calibration.md): an object whose members are the
 * field names above; times are whole ns, bandwidths B/ns.  Members not in
 * the text keep the value @t already holds (start from the defaults), and
 * "comment" may hold a string.  On an unknown member, a wrong type, a value
 * out of range or bad JSON, @t is unchanged, @err says which member and why
 * (prefixed by @name or @path), and -EINVAL is returned.
 */
int sva_timing_parse_json(const char *text, const char *name, struct sva_timing *t, char *err, size_t errlen);
int sva_timing_load_json(const char *path, struct sva_timing *t, char *err, size_t errlen);
/* Every parameter, one per line, in struct order; malloc'd, NULL on ENOMEM. */
char *sva_timing_to_json(const struct sva_timing *t);
/* The parameters' names, in struct order (for tools listing them). */
size_t sva_timing_nparams(void);
const char *sva_timing_param_name(size_t i);

/* Time to move @bytes at @bw bytes/ns, rounded up; 0 bytes cost nothing. */
sva_time_t sva_timing_xfer(uint64_t bytes, double bw);
/* @ns rounded up to whole nanoseconds (a partial one still costs one); 0 for @ns <= 0. */
sva_time_t sva_timing_ceil(double ns);

SVA_API_END
#endif /* SVA_TIMING_H */
