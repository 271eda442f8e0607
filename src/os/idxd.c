// SPDX-License-Identifier: MIT
/*
 * idxd: device probe, configuration, commands and interrupts.
 * Character devices live in idxd_cdev.c.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sva/machine.h>
#include <sva/trace.h>

#include "os/idxd.h"
#include "os/iommu_drv.h"
#include "os/kernel.h"
#include "os/pci.h"

static uint64_t rd(struct sva_idxd *idxd, unsigned off)
{
	uint64_t v = 0;

	sva_phys_read_u64(idxd->k->phys, idxd->bar0 + off, &v);
	return v;
}

static void wr(struct sva_idxd *idxd, unsigned off, uint64_t v, unsigned size)
{
	sva_phys_write(idxd->k->phys, idxd->bar0 + off, &v, size);
}

/*
 * Let the simulation process what is due now, when we are not in a task:
 * at boot the driver runs before any task, and device commands complete in
 * the device's own service task.
 */
static void settle(struct sva_kernel *k)
{
	if (!sva_current(k->sim))
		(void)sva_sim_run_until(k->sim, sva_now(k->sim));
}

int sva_idxd_cmd(struct sva_idxd *idxd, unsigned cmd, uint32_t operand)
{
	struct sva_sim *sim = idxd->k->sim;
	uint32_t sts;
	int spins = 0;

	/*
	 * The device takes one command at a time and ignores a second one
	 * written while the first runs: without this lock a drain could be
	 * dropped and its caller would read another command's status.
	 */
	sva_mutex_lock(sim, &idxd->cmd_lock);
	wr(idxd, SVA_DSA_CMD, (uint64_t)((cmd << 20) | (operand & 0xfffff)), 4);
	for (;;) {
		sts = (uint32_t)rd(idxd, SVA_DSA_CMDSTS);
		if (!(sts & (1u << 31)))
			break;
		if (sva_current(sim)) {
			sva_sleep(sim, 200);	/* poll, as idxd_cmd_exec waits */
		} else {
			settle(idxd->k);
			if (++spins > 1000) {
				sva_mutex_unlock(sim, &idxd->cmd_lock);
				return -ETIMEDOUT;
			}
		}
	}
	sva_mutex_unlock(sim, &idxd->cmd_lock);
	/* A software error whose interrupt was lost is noticed here at the latest. */
	if ((rd(idxd, SVA_DSA_INTCAUSE) & 1) && !(idxd->irq_pending & 1)) {
		idxd->irq_pending |= 1;
		sva_counter_inc(idxd->c_irq_recovered);
		sva_wake_all(sim, &idxd->irq_wq);
	}
	return (int)(sts & 0xff);
}

/* ---- interrupts ----------------------------------------------------------------------- */

static void idxd_irq(void *ctx, unsigned vector)
{
	struct sva_idxd *idxd = ctx;

	idxd->irq_pending |= 1u << vector;
	sva_wake_all(idxd->k->sim, &idxd->irq_wq);
}

#define WATCHDOG_MIN	(50 * SVA_USEC)
#define WATCHDOG_MAX	(100 * SVA_MSEC)

/* Nothing accepted is still unfinished: no completion can be waiting for an interrupt. */
static bool device_quiet(const struct sva_idxd *idxd)
{
	uint64_t acc, fin, busy;

	sva_dsa_accounting(idxd->dsa, &acc, &fin, &busy);
	return !busy && acc == fin;
}

/* The threaded handler: software errors are logged; completions wake their waiters. */
static void irq_thread(void *arg)
{
	struct sva_idxd *idxd = arg;
	struct sva_sim *sim = idxd->k->sim;

	for (;;) {
		sva_time_t period = WATCHDOG_MIN;
		uint32_t pending;

		while (!idxd->irq_pending) {
			/*
			 * Look at the device now and then even without an interrupt
			 * (a watchdog): a lost halt or error interrupt must not leave
			 * it halted forever.  The watchdog's timer is background, so
			 * it keeps no run alive on its own.  While the device is
			 * quiet it looks less and less often (up to every 100 ms), so
			 * idle virtual time costs next to nothing; work in flight
			 * brings it back to every 50 us.
			 */
			if (sva_wait_watchdog(sim, &idxd->irq_wq, period) != -ETIMEDOUT)
				continue;
			if (rd(idxd, SVA_DSA_INTCAUSE) & ((1u << 4) | 1)) {
				idxd->irq_pending |= 1;
				sva_counter_inc(idxd->c_irq_recovered);
			} else if (device_quiet(idxd)) {
				period = period < WATCHDOG_MAX / 2 ? 2 * period : WATCHDOG_MAX;
			} else {
				period = WATCHDOG_MIN;
			}
		}
		pending = idxd->irq_pending;
		/*
		 * An interrupt can be lost on the way, but its cause stays latched
		 * in INTCAUSE: any interrupt (and any command, see sva_idxd_cmd)
		 * makes the handler look, so a lost one is found at the next.
		 */
		if (!(pending & 1) && (rd(idxd, SVA_DSA_INTCAUSE) & 1)) {
			pending |= 1;
			sva_counter_inc(idxd->c_irq_recovered);
		}
		idxd->irq_pending = 0;
		sva_counter_inc(idxd->c_irqs);
		if (pending & 1) {
			uint64_t cause = rd(idxd, SVA_DSA_INTCAUSE);

			if (!cause)
				sva_counter_inc(idxd->c_irq_spurious);

			if (cause & 1) {	/* software error */
				for (unsigned i = 0; i < 4; i++)
					idxd->swerr_last[i] = rd(idxd, SVA_DSA_SWERR + 8 * i);
				sva_counter_inc(idxd->c_swerr);
				if (sva_trace_enabled(sim))
					sva_trace_instant(sim, idxd->k->trace_track, "idxd", "SWERR logged",
							  (struct sva_trace_arg[]){
								  SVA_TARG_X("code", (idxd->swerr_last[0] >> 8) & 0xff),
								  SVA_TARG_X("addr", idxd->swerr_last[2]) }, 2);
				wr(idxd, SVA_DSA_SWERR, 3, 8);
			}
			wr(idxd, SVA_DSA_INTCAUSE, cause, 4);
			/* The device halted on a fatal error: reset it and bring it back. */
			if ((cause & (1u << 4)) && (rd(idxd, SVA_DSA_GENSTS) & 3) == SVA_DSA_HALTED) {
				sva_counter_inc(idxd->c_halts);
				(void)sva_idxd_reset(idxd);
			}
		}
		for (unsigned v = 1; v < 16; v++)
			if (pending & (1u << v))
				sva_wake_all(sim, &idxd->completion_wq[v]);
	}
}

/* ---- configuration ------------------------------------------------------------------------ */

static unsigned log2u(uint64_t v)
{
	unsigned s = 0;

	while (v > 1) {
		v >>= 1;
		s++;
	}
	return s;
}

static int apply(struct sva_idxd *idxd, const struct idxd_cfg_device *dev, char *err, size_t errlen)
{
	uint64_t wq_mask[IDXD_CFG_MAX_GROUPS] = { 0 }, eng_mask[IDXD_CFG_MAX_GROUPS] = { 0 };
	int r;

	for (unsigned i = 0; i < dev->nr_engines; i++)
		if (dev->engines[i].group_id >= 0)
			eng_mask[dev->engines[i].group_id] |= 1ull << dev->engines[i].id;
	for (unsigned i = 0; i < dev->nr_wqs; i++) {
		const struct idxd_cfg_wq *w = &dev->wqs[i];
		struct sva_idxd_wq *kw = &idxd->wqs[w->id];
		uint8_t cfg[32] = { 0 };
		uint32_t w2, w3;
		uint16_t v16;
		bool on = idxd_cfg_wq_enabled(w) && w->group_id >= 0;

		snprintf(kw->name, sizeof(kw->name), "wq%d.%d", idxd->id, w->id);
		kw->idxd = idxd;
		kw->id = w->id;
		kw->user = w->type == IDXD_CFG_WQT_USER;
		kw->dedicated = w->mode == IDXD_CFG_WQ_DEDICATED;
		kw->bof = w->block_on_fault;
		kw->size = w->size;
		kw->threshold = w->threshold;
		kw->priority = w->priority;
		if (!on)
			continue;
		if (!kw->dedicated && !idxd->dmwr) {
			/* Linux's drv_enable_wq: no shared WQ without SWQ support (IDXD_SCMD_WQ_NO_SWQ_SUPPORT). */
			snprintf(err, errlen, "dsa%d/%s: mode shared needs Deferrable Memory Writes on the PCIe "
				 "path ($.machine.pcie_path), and %s does not carry them; use a dedicated WQ",
				 idxd->id, kw->name, idxd->dmwr_obstacle);
			return -EOPNOTSUPP;
		}
		wq_mask[w->group_id] |= 1ull << w->id;
		v16 = (uint16_t)w->size;
		memcpy(cfg, &v16, 2);
		v16 = (uint16_t)(kw->dedicated ? 0 : w->threshold);
		memcpy(cfg + 4, &v16, 2);
		/* Shared WQs carry each submitter's PASID; a dedicated one gets its owner's at open. */
		w2 = (kw->dedicated ? 1u : 0u) | (w->block_on_fault ? 2u : 0u) | (w->ats_disable ? 4u : 0u) |
		     ((w->priority & 0xf) << 4) |
		     (kw->dedicated ? 0u : 1u << 28) | (w->type == IDXD_CFG_WQT_KERNEL ? 1u << 29 : 0u);
		w3 = log2u(w->max_transfer_size) | (log2u(w->max_batch_size) << 5);
		memcpy(cfg + 8, &w2, 4);
		memcpy(cfg + 12, &w3, 4);
		for (unsigned b = 0; b < 32; b += 4) {
			uint32_t v;

			memcpy(&v, cfg + b, 4);
			wr(idxd, SVA_DSA_WQCFG_OFF + 32 * w->id + b, v, 4);
		}
	}
	for (unsigned g = 0; g < dev->nr_groups; g++) {
		int id = dev->groups[g].id;

		wr(idxd, SVA_DSA_GRPCFG_OFF + 64 * id, wq_mask[id], 8);
		wr(idxd, SVA_DSA_GRPCFG_OFF + 64 * id + 32, eng_mask[id], 8);
	}
	wr(idxd, SVA_DSA_GENCTRL, 3, 4);	/* software error and halt interrupts */
	r = sva_idxd_cmd(idxd, SVA_DSA_CMD_ENABLE_DEVICE, 0);
	if (r) {
		snprintf(err, errlen, "dsa%d: enable device failed: command status 0x%x", idxd->id, r);
		return -EIO;
	}
	for (unsigned i = 0; i < dev->nr_wqs; i++) {
		const struct idxd_cfg_wq *w = &dev->wqs[i];
		struct sva_idxd_wq *kw = &idxd->wqs[w->id];

		if (!idxd_cfg_wq_enabled(w) || w->group_id < 0)
			continue;
		r = sva_idxd_cmd(idxd, SVA_DSA_CMD_ENABLE_WQ, (uint32_t)w->id);
		if (r) {
			snprintf(err, errlen, "dsa%d/%s: enable WQ failed: command status 0x%x",
				 idxd->id, kw->name, r);
			return -EIO;
		}
		kw->enabled = true;
		kw->portal = sva_dsa_portal(idxd->dsa, (unsigned)w->id, true, false);
		if (kw->user && !kw->cdev.open) {
			r = sva_idxd_cdev_add(idxd, kw);
			if (r) {
				snprintf(err, errlen, "dsa%d/%s: cannot create /dev/dsa/%s", idxd->id,
					 kw->name, kw->name);
				return r;
			}
		}
	}
	return 0;
}

int sva_idxd_probe(struct sva_kernel *k, const struct idxd_cfg_device *dev,
		   struct sva_idxd **out, char *err, size_t errlen)
{
	struct sva_idxd *idxd = calloc(1, sizeof(*idxd));
	char name[32];
	int r;

	if (!idxd)
		return -ENOMEM;
	idxd->k = k;
	idxd->id = dev->id;
	sva_waitq_init(&idxd->irq_wq);
	sva_mutex_init(&idxd->cmd_lock);
	for (unsigned v = 0; v < 16; v++)
		sva_waitq_init(&idxd->completion_wq[v]);
	snprintf(name, sizeof(name), "dsa%d", dev->id);
	idxd->dsa = sva_dsa_create(k->machine, &(struct sva_dsa_config){
		.name = name, .rid = (uint16_t)(0x6a01 + (dev->id << 8)),
		.irq = idxd_irq, .irq_ctx = idxd, .atc_entries = k->dsa_atc_entries,
		.pcie_path = &k->pcie_path,
	});
	if (!idxd->dsa) {
		snprintf(err, errlen, "%s: cannot create the device: %s", name, strerror(errno));
		free(idxd);
		return -errno;
	}
	idxd->bar0 = sva_dsa_bar0(idxd->dsa);
	idxd->nr_wqs = (unsigned)((rd(idxd, SVA_DSA_WQCAP) >> 16) & 0xff);
	idxd->c_swerr = sva_stat_counter(k->sim, "idxd.software_errors");
	idxd->c_opens = sva_stat_counter(k->sim, "idxd.wq_opens");
	idxd->c_drains = sva_stat_counter(k->sim, "idxd.pasid_drains");
	idxd->c_irqs = sva_stat_counter(k->sim, "idxd.interrupts");
	idxd->c_write_submits = sva_stat_counter(k->sim, "idxd.write_submissions");
	idxd->c_irq_spurious = sva_stat_counter(k->sim, "idxd.spurious_interrupts");
	idxd->c_irq_recovered = sva_stat_counter(k->sim, "idxd.lost_interrupts_recovered");
	idxd->c_halts = sva_stat_counter(k->sim, "idxd.halts_recovered");
	idxd->irq_task = sva_task_spawn(k->sim, "idxd-irq", irq_thread, idxd,
					&(struct sva_task_attr){ .detached = true, .daemon = true });
	r = idxd->irq_task ? 0 : -ENOMEM;
	if (!r) {
		r = sva_iommu_probe_device(k->iommu, sva_dsa_pcidev(idxd->dsa));
		if (r)
			snprintf(err, errlen, "%s: IOMMU probe failed: %s", name, strerror(-r));
	}
	if (!r) {
		const struct sva_pcie_port *in_way;

		idxd->dmwr = !sva_pci_enable_dmwr(sva_dsa_pcie_path(idxd->dsa), &in_way);
		if (!idxd->dmwr) {
			snprintf(idxd->dmwr_obstacle, sizeof(idxd->dmwr_obstacle), "%s", in_way->name);
			sva_journal(k->sim, "pci", "%s: DMWr not enabled: %s cannot carry it; no shared WQs",
				    name, in_way->name);
		}
		idxd->cfg = *dev;
		for (unsigned i = 0; i < idxd->cfg.nr_wqs; i++)
			idxd->cfg.wqs[i].name = idxd->cfg.wqs[i].driver_name = NULL;
		r = apply(idxd, dev, err, errlen);
	}
	if (r) {
		sva_idxd_remove(idxd);
		return r;
	}
	*out = idxd;
	return 0;
}

void sva_idxd_remove(struct sva_idxd *idxd)
{
	struct sva_kernel *k = idxd->k;

	for (unsigned i = 0; i < 16; i++)
		if (idxd->wqs[i].cdev.open)
			sva_chardev_unregister(k, &idxd->wqs[i].cdev);
	if (idxd->irq_task)
		sva_task_kill(k->sim, idxd->irq_task);
	if (k->iommu && sva_iommu_devinfo(k->iommu, sva_dsa_pcidev(idxd->dsa)))
		sva_iommu_release_device(k->iommu, sva_dsa_pcidev(idxd->dsa));
	sva_dsa_destroy(idxd->dsa);
	free(idxd);
}

int sva_idxd_reset(struct sva_idxd *idxd)
{
	char err[256];
	int r;

	idxd->resets++;
	sva_journal(idxd->k->sim, "idxd", "dsa%d: reset with work in flight; configuration applied again",
		    idxd->id);
	r = sva_idxd_cmd(idxd, SVA_DSA_CMD_RESET_DEVICE, 0);
	if (r)
		return -EIO;
	for (unsigned i = 0; i < 16; i++)
		idxd->wqs[i].enabled = false;
	r = apply(idxd, &idxd->cfg, err, sizeof(err));
	if (r)
		return r;
	for (unsigned i = 0; i < 16; i++) {
		struct sva_idxd_wq *wq = &idxd->wqs[i];

		if (wq->enabled && wq->dedicated && wq->owner &&
		    (r = sva_idxd_wq_set_pasid(wq, wq->owner_pasid, true)))
			return r;
	}
	return 0;
}
