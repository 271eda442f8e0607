/* SPDX-License-Identifier: MIT */
/*
 * Inside libsva-native.so, the library `sva native` preloads into a
 * program (docs/native.md).  Three layers share this header:
 *
 *  - the file layer (file_*.c): libc interposers that send the paths a
 *    DSA program touches (/sys/bus/dsa, /sys/bus/iax, /sys/module/idxd,
 *    /dev/dsa, /dev/iax) to the private tree, apply sysfs stores through
 *    the driver model's rules, and hand WQ files to the runtime;
 *  - the trap layer (trap*.c): the signal handler that emulates ENQCMD,
 *    ENQCMDS, MOVDIR64B, UMONITOR, UMWAIT and TPAUSE;
 *  - the glue (rt_glue.c): the process's one runtime (src/native/native.h)
 *    and the hooks below, which the other two layers call.
 *
 * A preloaded library has no handle to pass around: the runtime pointer
 * and the file layer's tables are the process's, by nature.  They are the
 * only process-wide mutable state in sva, and they live here.
 */
#ifndef SVA_PRELOAD_H
#define SVA_PRELOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What the library exports (everything else is hidden). */
#define NATIVE_EXPORT __attribute__((visibility("default")))

/* Environment `sva native` sets for the program (and its children). */
#define NATIVE_ENV_ROOT		"SVA_NATIVE_ROOT"	/* the private tree */
#define NATIVE_ENV_MODE		"SVA_NATIVE_MODE"	/* inline | async */
#define NATIVE_ENV_SEED		"SVA_NATIVE_SEED"	/* decimal */
#define NATIVE_ENV_FAULTS	"SVA_NATIVE_FAULTS"	/* none | touch | seed */
#define NATIVE_ENV_TIMING	"SVA_NATIVE_TIMING"	/* a timing table file, optional */
#define NATIVE_ENV_TRACE	"SVA_NATIVE_TRACE"	/* 1: each process writes a trace */

/*
 * The private tree under $SVA_NATIVE_ROOT:
 *   sys/bus/dsa/..., sys/bus/iax/..., sys/module/idxd/...  the fake sysfs
 *   dev/dsa/wqD.Q, dev/iax/wqD.Q                           WQ character devices (regular files)
 *   bin/                                                   modprobe, lsmod, rmmod stand-ins
 *   state.json                                             the driver model's state (file layer)
 *   lock                                                   flock(2)ed around every store
 *   reports/PID.json, traces/PID.json                      what each process leaves (runtime)
 */
const char *native_root(void);		/* NULL when not under sva native */

/* ---- file layer -> runtime -------------------------------------------- */

/*
 * open() of a WQ node in the tree succeeded with @fd: tie it to WQ @wq_id
 * of device @dev ("dsa0").  0, or a negative errno the open() must fail
 * with (the caller closes @fd then): -ENXIO the WQ is not enabled,
 * -EBUSY a dedicated WQ already has its owner, -EPERM ...
 */
int native_wq_open(int fd, const char *dev, unsigned wq_id, int flags);
bool native_wq_is_fd(int fd);
/* mmap() of a WQ file: the portal mapping, or MAP_FAILED with errno set. */
void *native_wq_mmap(int fd, void *addr, size_t len, int prot, int flags, off_t off);
/* close() of a WQ file (its mapping stays, as in Linux). */
void native_wq_close(int fd);
/* dup()/dup2()/fcntl(F_DUPFD) of a WQ file: @newfd refers to it too. */
void native_wq_dup(int oldfd, int newfd);
/* munmap() over [addr, addr+len): 1 when it covered a portal (done here, *ret set), 0 otherwise. */
int native_portal_munmap(void *addr, size_t len, int *ret);
/* write() of descriptors to a WQ file (the kernel's submission path). */
ssize_t native_wq_write(int fd, const void *buf, size_t len);

/* ---- trap layer -> runtime -------------------------------------------- */

enum native_submit_kind {
	NATIVE_ENQCMD,
	NATIVE_ENQCMDS,
	NATIVE_MOVDIR64B,
};

/* True when @addr lies in a portal page this process mapped. */
bool native_portal_lookup(uint64_t addr);
/*
 * The 64 bytes @desc (already read from the program's memory) reach the
 * portal at @portal.  Returns 0 accepted (ENQCMD: ZF=0), 1 not accepted
 * (ZF=1: retry), or a negative errno: -EFAULT @portal is not a portal.
 */
int native_submit(uint64_t portal, const void *desc, enum native_submit_kind kind);

#endif
