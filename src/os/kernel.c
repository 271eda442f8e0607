// SPDX-License-Identifier: MIT
/* Kernel set-up and tear-down, and the small services several parts share. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sva/trace.h>

#include "os/kernel.h"
#include "os/mm.h"
#include "os/proc.h"
#include "os/iommu_drv.h"
#include "os/idxd.h"

static int pt_alloc(void *opaque, uint64_t *pa)
{
	return sva_frame_alloc(opaque, pa);
}

void sva_kernel_pt_alloc(struct sva_kernel *k, struct sva_pt_alloc *a)
{
	a->alloc = pt_alloc;
	a->opaque = &k->frames;
}

int sva_kernel_init(struct sva_kernel *k, struct sva_sim *sim, struct sva_phys *phys,
		    const struct sva_kernel_config *cfg)
{
	struct sva_kernel_config def = { 0 };
	uint64_t nr_frames = sva_phys_ram_size(phys) >> SVA_FRAME_SHIFT;
	int err;

	if (!cfg)
		cfg = &def;
	memset(k, 0, sizeof(*k));
	k->sim = sim;
	k->phys = phys;
	/* Linux on x86-64: 4-level paging, WP and NX on, hardware-managed A/D. */
	k->paging = (struct sva_paging_mode){
		.levels = 4, .wp = true, .nxe = true, .set_ad = true,
	};
	err = sva_frames_init(&k->frames, phys, 0, nr_frames);
	if (err)
		return err;
	if (cfg->frame_limit && cfg->frame_limit < k->frames.limit)
		k->frames.limit = cfg->frame_limit;
	err = sva_pasid_space_init(&k->pasids, cfg->pasid_max);
	if (err) {
		sva_frames_fini(&k->frames);
		return err;
	}
	k->st = (struct sva_kernel_stats){
		.page_faults = sva_stat_counter(sim, "kernel.page_faults"),
		.cow_breaks = sva_stat_counter(sim, "kernel.cow_copies"),
		.cow_reuse = sva_stat_counter(sim, "kernel.cow_reuses"),
		.oom = sva_stat_counter(sim, "kernel.out_of_memory"),
		.notifier_ranges = sva_stat_counter(sim, "kernel.mmu_notifier_ranges"),
		.migrations = sva_stat_counter(sim, "kernel.page_migrations"),
		.reclaims = sva_stat_counter(sim, "kernel.page_reclaims"),
		.swapins = sva_stat_counter(sim, "kernel.swap_ins"),
		.pasid_allocs = sva_stat_counter(sim, "kernel.pasid_allocs"),
		.pasid_frees = sva_stat_counter(sim, "kernel.pasid_frees"),
		.gp_fixups = sva_stat_counter(sim, "kernel.enqcmd_gp_fixups"),
		.signals = sva_stat_counter(sim, "kernel.signals"),
		.ctx_switches = sva_stat_counter(sim, "kernel.context_switches"),
		.procs = sva_stat_counter(sim, "kernel.processes"),
		.threads = sva_stat_counter(sim, "kernel.threads"),
	};
	for (size_t i = 0; i < sizeof(k->st) / sizeof(void *); i++)
		if (!((void **)&k->st)[i]) {
			sva_kernel_fini(k);
			return -ENOMEM;
		}
	k->trace_track = sva_trace_track(sim, "kernel", "mm");
	sva_check_init(k, cfg->check);
	k->next_pid = 100;
	if (cfg->pid_max && (cfg->pid_max <= SVA_RESERVED_PIDS || cfg->pid_max > SVA_PID_MAX_LIMIT)) {
		sva_kernel_fini(k);
		return -EINVAL;
	}
	k->pid_max = cfg->pid_max ? (int)cfg->pid_max : SVA_PID_MAX;
	sva_waitq_init(&k->cpu_wq);
	return 0;
}

void sva_kernel_fini(struct sva_kernel *k)
{
	/* Whatever is still alive goes down with the machine; nothing is checked any more. */
	k->shutting_down = true;
	k->check.on = false;
	k->frames.on_free = NULL;
	if (k->machine)
		sva_machine_set_dma_observer(k->machine, NULL);
	sva_procs_free_all(k);
	while (k->idxds) {
		struct sva_idxd *d = k->idxds;

		k->idxds = d->next;
		sva_idxd_remove(d);
	}
	if (k->iommu) {
		sva_iommu_drv_fini(k->iommu);
		k->iommu = NULL;
	}
	sva_kernel_stop_cpus(k);
	while (k->mms) {
		struct sva_mm *mm = k->mms;

		if (!mm->exited) {
			mm->users = 1;
			sva_mmput(mm);
		}
		if (k->mms == mm) {	/* still held by someone: force it */
			mm->count = 1;
			sva_mmdrop(mm);
		}
	}
	free(k->swap.slot);
	free(k->swap.refs);
	sva_pasid_space_fini(&k->pasids);
	sva_frames_fini(&k->frames);
	sva_check_fini(k);
}

/* ---- swap ------------------------------------------------------------------ */

int sva_swap_store(struct sva_kernel *k, const void *page, uint64_t *slot)
{
	struct sva_swap *s = &k->swap;
	uint64_t i;

	for (i = 0; i < s->nr; i++)
		if (s->refs[i] == 0)
			break;
	if (i == s->nr) {
		if (s->nr == s->cap) {
			uint64_t ncap = s->cap ? s->cap * 2 : 64;
			void *ns = realloc(s->slot, ncap * sizeof(*s->slot));
			void *nr;

			if (!ns)
				return -ENOMEM;
			s->slot = ns;
			nr = realloc(s->refs, ncap * sizeof(*s->refs));
			if (!nr)
				return -ENOMEM;
			s->refs = nr;
			s->cap = ncap;
		}
		s->nr++;
	}
	memcpy(s->slot[i], page, SVA_FRAME_SIZE);
	s->refs[i] = 1;
	*slot = i;
	return 0;
}

void sva_swap_load(struct sva_kernel *k, uint64_t slot, void *page)
{
	assert(slot < k->swap.nr && k->swap.refs[slot] > 0);
	memcpy(page, k->swap.slot[slot], SVA_FRAME_SIZE);
}

void sva_swap_get(struct sva_kernel *k, uint64_t slot)
{
	assert(slot < k->swap.nr && k->swap.refs[slot] > 0);
	k->swap.refs[slot]++;
}

void sva_swap_put(struct sva_kernel *k, uint64_t slot)
{
	assert(slot < k->swap.nr && k->swap.refs[slot] > 0);
	k->swap.refs[slot]--;
}
