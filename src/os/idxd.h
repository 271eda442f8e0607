/* SPDX-License-Identifier: MIT */
/*
 * The idxd driver (Linux drivers/dma/idxd/): probes a DSA, applies an
 * accel-config configuration through its registers, enables the device
 * and WQs, handles its interrupts and software errors, and gives user WQs
 * character devices /dev/dsa/wqD.Q whose open binds the caller's mm
 * (iommu_sva_bind_device), whose mmap maps the WQ's limited portal (the
 * mapping holds the file), and whose release - last close or last unmap -
 * drains the PASID and unbinds.
 */
#ifndef SVA_OS_IDXD_H
#define SVA_OS_IDXD_H

#include <stdbool.h>
#include <stdint.h>

#include <sva/dsa.h>
#include <sva/sim.h>
#include <sva/stats.h>

#include "os/idxd_config.h"
#include "os/mm.h"
#include "os/proc.h"

struct sva_kernel;
struct sva_idxd;

struct sva_idxd_wq {
	struct sva_idxd *idxd;
	int id;
	char name[24];			/* "wq0.0" */
	bool enabled, user, dedicated, bof;
	unsigned size, threshold, priority;
	uint64_t portal;		/* limited portal, MSI-X page */
	struct sva_chardev cdev;
	struct sva_proc *owner;		/* dedicated WQ: the one process that has it open */
	uint32_t owner_pasid;		/* ... and the PASID in its WQCFG */
	unsigned opens;
};

/* One open file of a WQ (struct idxd_user_context). */
struct sva_idxd_ctx {
	struct sva_file file;
	struct sva_idxd_wq *wq;
	struct sva_proc *proc;		/* the opener: compared, never followed */
	int pid;
	struct sva_mm *mm;		/* held (mmgrab): the opener may be gone when the file goes */
	struct sva_bond *bond;
	uint32_t pasid;
};

struct sva_idxd {
	struct sva_kernel *k;
	struct sva_dsa *dsa;
	int id;
	uint64_t bar0;
	unsigned nr_wqs;
	struct sva_idxd_wq wqs[16];
	/* interrupts are handled by a kernel thread (threaded IRQ) */
	struct sva_task *irq_task;
	struct sva_waitq irq_wq;
	uint32_t irq_pending;		/* bitmap of vectors raised */
	struct sva_waitq completion_wq[16];	/* by vector: waiters for completion interrupts */
	uint64_t swerr_last[4];
	struct sva_counter *c_swerr, *c_opens, *c_drains, *c_irqs, *c_write_submits;
	struct sva_counter *c_irq_spurious, *c_irq_recovered, *c_halts;
	char err[256];			/* last error, for messages */
	struct idxd_cfg_device cfg;	/* what was applied (strings dropped), for a reset */
	struct sva_mutex cmd_lock;	/* one command at a time (idxd's cmd_lock) */
	/*
	 * The PCI core enabled DMWr down to the device: only then may shared
	 * WQs be enabled (enqueue stores are DMWr).  Else the port in the way.
	 */
	bool dmwr;
	char dmwr_obstacle[16];
	uint64_t resets;
	struct sva_idxd *next;
};

/*
 * Create the DSA described by config device @dev, put it behind the IOMMU,
 * apply the configuration and enable it.  On failure *err explains.
 */
int sva_idxd_probe(struct sva_kernel *k, const struct idxd_cfg_device *dev,
		   struct sva_idxd **out, char *err, size_t errlen);
void sva_idxd_remove(struct sva_idxd *idxd);

/* Register /dev/dsa/<wq> (idxd_cdev.c). */
int sva_idxd_cdev_add(struct sva_idxd *idxd, struct sva_idxd_wq *wq);

/*
 * Reset the device with work in flight and bring it back: what is queued
 * is aborted, the configuration applied again, dedicated WQs get their
 * owners' PASIDs back.  Open files stay valid.  0 or -errno.
 */
int sva_idxd_reset(struct sva_idxd *idxd);
int sva_idxd_wq_set_pasid(struct sva_idxd_wq *wq, uint32_t pasid, bool enable);

/* Issue a device command and wait for it; returns the CMDSTS error code (0 = ok) or -errno. */
int sva_idxd_cmd(struct sva_idxd *idxd, unsigned cmd, uint32_t operand);

#endif
