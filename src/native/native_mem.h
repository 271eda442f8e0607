/* SPDX-License-Identifier: MIT */
/*
 * Native mode's device memory (docs/native.md, "Device layer"): the back
 * end of struct sva_dsa_dma_ops that lets the DSA model reach the real
 * address space of the process it runs in.  A descriptor's addresses are
 * the program's own virtual addresses, so a run is the host pointer
 * itself: nothing is translated or copied.
 *
 * The device must never fault the host.  Before a run is handed out it
 * is checked without touching it (enum native_mem_probe): inside private
 * anonymous mappings, by the mappings' permissions (PROCMAP_QUERY, Linux
 * 6.11); elsewhere by MADV_POPULATE_READ/WRITE (Linux 5.14), which faults
 * pages in the way an access would but answers with an errno where the
 * access would raise SIGSEGV or SIGBUS; on older kernels by a read probe
 * (process_vm_readv) plus the permissions in /proc/self/maps.  A page
 * that fails is a device page fault at that page, exactly where the run
 * stops.
 *
 * No signal handler, no global state; one instance per process, used by
 * one thread at a time (the device's).
 */
#ifndef SVA_NATIVE_MEM_H
#define SVA_NATIVE_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include <sva/dsa.h>

#include "hw/dsa/dsa_ops.h"
#include "native/native.h"

struct native_mem;

/* Why the device saw a page fault. */
enum native_mem_fault {
	NATIVE_MEM_UNMAPPED = 0,	/* nothing mapped there */
	NATIVE_MEM_ACCESS,		/* mapped, but not for this access: PROT_NONE, read-only for a write */
	NATIVE_MEM_BUS,			/* an access would raise SIGBUS: a file mapping past its end, poison */
	NATIVE_MEM_NOT_RESIDENT,	/* --faults touch: mapped but not in memory (mincore) */
	NATIVE_MEM_INJECTED,		/* --faults seed: drawn from the seed */
	NATIVE_MEM_NR_FAULTS
};

/* How runs are checked (each kernel gets the first it has, in the order below). */
enum native_mem_probe {
	/*
	 * Linux 6.11+: a run inside one private anonymous mapping that
	 * permits the access is checked by one PROCMAP_QUERY ioctl on
	 * /proc/self/maps, whatever its length; anything else as POPULATE.
	 */
	NATIVE_MEM_PROBE_VMA = 0,
	NATIVE_MEM_PROBE_POPULATE,	/* madvise(MADV_POPULATE_READ/WRITE) page by page, Linux 5.14+ */
	NATIVE_MEM_PROBE_PROCFS,	/* process_vm_readv of a byte per page + /proc/self/maps */
};

/* --faults seed: one first touch of a page in NATIVE_MEM_SEED_RATE (per descriptor) faults. */
#define NATIVE_MEM_SEED_RATE 8u

struct native_mem_stats {
	uint64_t maps;			/* runs asked for */
	uint64_t bytes;			/* bytes granted in them */
	uint64_t probes;		/* system calls made to check runs */
	uint64_t faults[NATIVE_MEM_NR_FAULTS];	/* faults reported to the device, by kind */
	uint64_t page_requests;		/* block-on-fault requests */
	uint64_t pages_faulted_in;	/* ... answered Success: the page is now there */
	uint64_t page_requests_invalid;	/* ... answered Invalid: no such page, or not for that access */
};

/* NULL with errno on failure.  The probe is the best the kernel has. */
struct native_mem *native_mem_create(enum sva_native_faults faults, uint64_t seed);
void native_mem_destroy(struct native_mem *nm);

/* ctx = the struct native_mem. */
extern const struct sva_dsa_dma_ops native_mem_dma_ops;

void native_mem_stats(const struct native_mem *nm, struct native_mem_stats *out);
const char *native_mem_fault_name(enum native_mem_fault kind);

enum native_mem_probe native_mem_probe(const struct native_mem *nm);
/* Use @probe from now on: 0, or -EOPNOTSUPP when the kernel lacks it. */
int native_mem_set_probe(struct native_mem *nm, enum native_mem_probe probe);

/*
 * The operations library straight on the back end, without a device
 * (tests, benchmarks): env.mem = &native_mem_op_mem, env.ctx = a struct
 * native_mem_op whose req.desc the caller advances per descriptor.
 */
struct native_mem_op {
	struct native_mem *nm;
	struct sva_dsa_dma_req req;
};
extern const struct dsa_mem_ops native_mem_op_mem;

#endif
