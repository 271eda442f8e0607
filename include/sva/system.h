/* SPDX-License-Identifier: MIT */
/*
 * sva/system.h - one whole simulated system.
 *
 * Everything sva models hangs off a struct sva_system: the runtime (clock,
 * tasks, PRNG, stats, trace), the machine (memory, CPUs, devices) and the
 * kernel.  There is no other mutable state, so two systems can live side by
 * side in one process.
 */
#ifndef SVA_SYSTEM_H
#define SVA_SYSTEM_H

#include <sva/api.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sva/guest.h>
#include <sva/pcie.h>
#include <sva/sim.h>

SVA_API_BEGIN

struct sva_system;
struct sva_machine;
struct sva_dsa;
struct sva_iommu_config;

struct sva_system_config {
	uint64_t seed;
	enum sva_ctx_kind ctx;		/* task switch implementation */
	size_t stack_size;		/* default task stack, 0 = runtime default */
	FILE *trace;			/* when set, a Chrome trace is streamed here */
	uint64_t ram_size;		/* simulated RAM; 0 = 4 GiB */
	unsigned nr_cpus;		/* logical CPUs; 0 = 4 */
	uint32_t pasid_max;		/* PASIDs 1..max-1; 0 = 2^20 */
	/* Linux's pid_max: pids below it (> 300 to have room); 0 = 32768.  Out of pids, fork gets -EAGAIN. */
	unsigned pid_max;
	uint64_t frame_limit;		/* usable RAM frames (to force OOM); 0 = all */
	unsigned atc_entries;		/* device TLB entries per DSA; 0 = 64 */
	const struct sva_iommu_config *iommu;	/* NULL = defaults */
	/*
	 * The PCIe path from the root port down to each DSA (sva/pcie.h); all
	 * zero = right below a root port that carries DMWr.  A path without
	 * DMWr keeps the kernel from enabling shared WQs.
	 */
	struct sva_pcie_path_config pcie_path;
	/*
	 * accel-config JSON for the accelerators: a file path, or the JSON
	 * text itself when it starts with '{' or '['.  NULL = the default
	 * configuration (one DSA with a shared and a dedicated user WQ).
	 */
	const char *accel_config;
	bool no_accel;			/* no accelerators at all */
	/*
	 * The invariant checker: 1 on, -1 off, 0 the default - the SVA_CHECK
	 * environment variable if set ("0" off, anything else on), else on in
	 * test builds and off in release builds (make run).
	 */
	int check;
	/* sva_sim_config.no_stack_guard: the host's SIGSEGV is someone else's (native mode). */
	bool no_stack_guard;
};

/*
 * Like sva_system_create(), but a bad accel-config file gets its message
 * in @err (naming device/group/WQ, field and reason) and errno EINVAL.
 */
struct sva_system *sva_system_create_err(const struct sva_system_config *cfg, char *err, size_t errlen);

/* The library's version, "MAJOR.MINOR.PATCH" (what `sva --version` prints). */
const char *sva_version(void);

/* Returns NULL and sets errno on failure. */
struct sva_system *sva_system_create(const struct sva_system_config *cfg);
/* Finishes the trace (if any) and frees everything. */
void sva_system_destroy(struct sva_system *sys);

struct sva_sim *sva_system_sim(struct sva_system *sys);
struct sva_machine *sva_system_machine(struct sva_system *sys);
/*
 * The @i-th DSA of the system, in the accel-config configuration's order
 * (dsa0 first), or NULL past the last: for its statistics (sva/dsa.h) or
 * what reaches the device itself, such as sva_dsa_set_dma().
 */
struct sva_dsa *sva_system_dsa(struct sva_system *sys, unsigned i);

/*
 * Start a simulated process with one thread running @main(@arg); it runs
 * when the simulation does.  Returns its pid or a negative errno.
 */
int sva_system_spawn(struct sva_system *sys, const char *name, sva_guest_fn main, void *arg);

/* How a process ended (valid once it has). */
struct sva_exit_status {
	int exited;		/* 0 while it runs */
	int code;		/* exit code when no signal */
	int signal;		/* fatal signal, or 0 */
	uint64_t fault_addr;
	char reason[64];
};
int sva_system_proc_status(struct sva_system *sys, int pid, struct sva_exit_status *out);

SVA_API_END
#endif /* SVA_SYSTEM_H */
