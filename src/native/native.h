/* SPDX-License-Identifier: MIT */
/*
 * The runtime of native mode (docs/native.md): one per process of a real
 * program running under `sva native`.
 *
 * It builds an ordinary struct sva_system from the WQs the private sysfs
 * says are enabled and runs, inside it, a *shadow process*: a modelled
 * process that does, in the model, what the real program does to the
 * device - open the WQ file (which binds its mm and gives it a PASID),
 * mmap the portal, ENQCMD/MOVDIR64B the 64 bytes the program stored -
 * through the same CPU, kernel, idxd and DSA models `sva run` uses.  Only
 * the device's memory accesses differ: they reach the program's real
 * address space (src/native/native_mem.c) instead of the IOMMU.
 *
 * No global state: the preloaded library keeps the one instance.
 */
#ifndef SVA_NATIVE_H
#define SVA_NATIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sva_native;

enum sva_native_mode {
	SVA_NATIVE_INLINE = 0,	/* the descriptor completes before the instruction retires */
	SVA_NATIVE_ASYNC,	/* the device runs on its own host thread */
};

enum sva_native_faults {
	SVA_NATIVE_FAULTS_NONE = 0,	/* pages are faulted in as the device touches them */
	SVA_NATIVE_FAULTS_TOUCH,	/* a non-resident page (mincore) is a device page fault */
	SVA_NATIVE_FAULTS_SEED,		/* faults injected reproducibly from the seed */
};

struct sva_native_config {
	/* accel-config JSON text of what is enabled (sva_system_config.accel_config) */
	const char *accel_config;
	enum sva_native_mode mode;
	enum sva_native_faults faults;
	uint64_t seed;
	const char *timing;		/* timing table file, NULL = defaults */
	FILE *trace;			/* Chrome trace of this process, or NULL */
	const char *program;		/* the program's name, for the report */
	int pid;			/* its host pid, for the report */
};

/* NULL on failure with a one-line reason in @err. */
struct sva_native *sva_native_create(const struct sva_native_config *cfg, char *err, size_t errlen);
/*
 * The program is leaving: the shadow process exits (its files close, its
 * PASID is freed) and the model runs until the device is idle, so the
 * report that follows is final.  Idempotent; no other call may follow
 * but sva_native_report_json() and sva_native_destroy().
 */
void sva_native_finish(struct sva_native *n);
/* Finishes if needed, then frees the model. */
void sva_native_destroy(struct sva_native *n);

/*
 * The program opened the WQ node of device @dev ("dsa0") WQ @wq: the shadow
 * process opens it too.  Returns a handle >= 0 or a negative errno, the
 * one the real open() would fail with.
 */
int sva_native_wq_open(struct sva_native *n, const char *dev, unsigned wq, int flags);
int sva_native_wq_close(struct sva_native *n, int handle);
/*
 * The program mapped @len bytes of the WQ file at @off; @portal is where
 * (the caller mapped it PROT_NONE, so that stores trap).  0 or -errno
 * (-EINVAL bad offset/length, -EPERM PROT_READ/EXEC, as the idxd driver).
 */
int sva_native_wq_mmap(struct sva_native *n, int handle, uint64_t portal, uint64_t len,
		       int prot, int flags, uint64_t off);
/* The program unmapped [addr, addr+len), which covers portals. */
int sva_native_munmap(struct sva_native *n, uint64_t addr, uint64_t len);
bool sva_native_is_portal(const struct sva_native *n, uint64_t addr);

/* Submission kinds, as struct native_submit_kind in preload/preload.h. */
enum sva_native_submit {
	SVA_NATIVE_ENQCMD,
	SVA_NATIVE_ENQCMDS,
	SVA_NATIVE_MOVDIR64B,
};
/* 0 accepted, 1 not accepted (ZF=1), or -errno (-EFAULT: @portal is no portal). */
int sva_native_submit(struct sva_native *n, uint64_t portal, const void *desc64,
		      enum sva_native_submit kind);
/* write() of @len bytes of descriptors to a WQ file; bytes accepted or -errno. */
int64_t sva_native_wq_write(struct sva_native *n, int handle, const void *buf, uint64_t len);

/* The process's report (docs/native.md, "The report"), as JSON. */
int sva_native_report_json(struct sva_native *n, FILE *out);

#endif
