// SPDX-License-Identifier: MIT
/*
 * The system object: owner of every layer.  Creation builds bottom-up and
 * destruction tears down top-down, as a machine powers on and off.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sva/machine.h>
#include <sva/system.h>
#include <sva/trace.h>

#include "os/idxd.h"
#include "os/idxd_config.h"
#include "os/iommu_drv.h"
#include "os/proc.h"
#include "system_internal.h"

#define DEFAULT_CPUS 4

#ifndef SVA_CHECK_DEFAULT
#define SVA_CHECK_DEFAULT 1
#endif

static bool check_wanted(int cfg)
{
	const char *e = getenv("SVA_CHECK");

	if (cfg)
		return cfg > 0;
	if (e && *e)
		return strcmp(e, "0") != 0;
	return SVA_CHECK_DEFAULT;
}

static int probe_accels(struct sva_system *sys, char *err, size_t errlen)
{
	const char *src = sys->cfg.accel_config;
	struct idxd_config *ic = NULL;
	int r = 0;

	if (sys->cfg.no_accel)
		return 0;
	if (!src)
		ic = idxd_config_default();
	else if (*src == '{' || *src == '[')
		r = idxd_config_parse_string(src, NULL, &ic, err, errlen);
	else
		r = idxd_config_load_file(src, NULL, &ic, err, errlen);
	if (r)
		return r;
	if (!ic)
		return -ENOMEM;
	for (unsigned i = 0; i < ic->nr_devices && !r; i++) {
		struct sva_idxd *d;

		if (ic->devices[i].iaa)
			continue;	/* kept in the file, not modelled: no device, no /dev node */
		r = sva_idxd_probe(&sys->kernel, &ic->devices[i], &d, err, errlen);
		if (!r) {
			struct sva_idxd **tail = &sys->kernel.idxds;

			while (*tail)	/* keep the configuration's order */
				tail = &(*tail)->next;
			*tail = d;
		}
	}
	idxd_config_free(ic);
	return r;
}

const char *sva_version(void)
{
	return SVA_VERSION;
}

struct sva_system *sva_system_create(const struct sva_system_config *cfg)
{
	char err[256];

	return sva_system_create_err(cfg, err, sizeof(err));
}

struct sva_system *sva_system_create_err(const struct sva_system_config *cfg, char *errbuf, size_t errlen)
{
	struct sva_system_config def = { 0 };
	struct sva_kernel_config kc;
	struct sva_sim_config sc;
	struct sva_system *sys;
	int err;

	if (!cfg)
		cfg = &def;
	if (errlen)
		errbuf[0] = '\0';
	sys = calloc(1, sizeof(*sys));
	if (!sys)
		return NULL;
	sys->cfg = *cfg;
	sc = (struct sva_sim_config){
		.seed = cfg->seed, .ctx = cfg->ctx, .stack_size = cfg->stack_size,
		.no_stack_guard = cfg->no_stack_guard,
	};
	sys->sim = sva_sim_create(&sc);
	if (!sys->sim)
		goto fail_errno;
	if (cfg->trace) {
		err = sva_trace_open(sys->sim, cfg->trace);
		if (err)
			goto fail;
	}
	sys->machine = sva_machine_create(sys->sim, &(struct sva_machine_config){
		.ram_size = cfg->ram_size,
	});
	if (!sys->machine)
		goto fail_errno;
	kc = (struct sva_kernel_config){ .pasid_max = cfg->pasid_max, .pid_max = cfg->pid_max,
					 .frame_limit = cfg->frame_limit,
					 .check = check_wanted(cfg->check) };
	err = sva_kernel_init(&sys->kernel, sys->sim, sva_machine_phys(sys->machine), &kc);
	if (err)
		goto fail_machine;
	err = sva_kernel_start_cpus(&sys->kernel, sys->machine, cfg->nr_cpus ? cfg->nr_cpus : DEFAULT_CPUS);
	if (!err)
		err = sva_iommu_drv_init(&sys->kernel, sys->machine, cfg->iommu, &sys->kernel.iommu);
	if (!err && sys->kernel.check.on)
		sva_machine_set_dma_observer(sys->machine, &sys->kernel.check.obs);
	sys->kernel.dsa_atc_entries = cfg->atc_entries;
	sys->kernel.pcie_path = cfg->pcie_path;
	if (!err)
		err = probe_accels(sys, errbuf, errlen);
	if (err) {
		sva_kernel_fini(&sys->kernel);
		goto fail_machine;
	}
	return sys;

fail_machine:
	sva_machine_destroy(sys->machine);
	goto fail;
fail_errno:
	err = -errno;
fail:
	if (sys->sim) {
		sva_trace_close(sys->sim);
		sva_sim_destroy(sys->sim);
	}
	free(sys);
	errno = -err;
	return NULL;
}

void sva_system_destroy(struct sva_system *sys)
{
	if (!sys)
		return;
	/*
	 * Threads still blocked (a run stopped early) wait on kernel objects
	 * that are about to go: forget them first, while those still exist.
	 */
	sva_procs_forget_tasks(&sys->kernel);
	sva_sim_free_tasks(sys->sim);
	sva_kernel_fini(&sys->kernel);
	sva_machine_destroy(sys->machine);
	sva_trace_close(sys->sim);
	sva_sim_destroy(sys->sim);
	free(sys);
}

struct sva_sim *sva_system_sim(struct sva_system *sys)
{
	return sys->sim;
}

struct sva_machine *sva_system_machine(struct sva_system *sys)
{
	return sys->machine;
}

struct sva_dsa *sva_system_dsa(struct sva_system *sys, unsigned i)
{
	struct sva_idxd *d = sys->kernel.idxds;

	while (d && i--)
		d = d->next;
	return d ? d->dsa : NULL;
}

int sva_system_spawn(struct sva_system *sys, const char *name, sva_guest_fn main, void *arg)
{
	struct sva_proc *p = sva_proc_spawn(&sys->kernel, name, main, arg);

	return p ? p->pid : -errno;
}

int sva_system_proc_status(struct sva_system *sys, int pid, struct sva_exit_status *out)
{
	struct sva_proc *p = sva_proc_find(&sys->kernel, pid);

	if (!p)
		return -ESRCH;
	memset(out, 0, sizeof(*out));
	out->exited = p->state == SVA_PROC_ZOMBIE;
	out->code = p->exit.code;
	out->signal = p->exit.signal;
	out->fault_addr = p->exit.fault_addr;
	snprintf(out->reason, sizeof(out->reason), "%s", p->exit.reason);
	return 0;
}
