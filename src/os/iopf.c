// SPDX-License-Identifier: MIT
/*
 * I/O page faults: the kernel thread that empties the page request queue,
 * resolves each page request group on the owning mm with the ordinary
 * fault handler, and answers with a page group response.
 *
 * Follows intel/prq.c and io-pgfault.c: requests are taken in queue order;
 * a bad request (non-canonical address, privileged or exec+read request,
 * unknown requester) and any request for a PASID without a bond get
 * Invalid Request; stop markers get nothing; a group is answered once, for
 * its last request.  After an overflow the thread clears PRO only once the
 * queue is empty, dropping partially collected groups, as Linux does.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include <sva/machine.h>
#include <sva/paging.h>
#include <sva/timing.h>
#include <sva/trace.h>

#include "hw/iommu/iommu_internal.h"
#include "os/iommu_drv.h"
#include "os/kernel.h"
#include "os/mm.h"

void sva_iopf_prq_irq(struct sva_iommu *hw, void *ctx)
{
	struct sva_iommu_drv *drv = ctx;

	(void)hw;
	drv->prq_event = true;
	sva_wake_all(drv->k->sim, &drv->prq_wq);
}

static void respond(struct sva_iommu_drv *drv, uint16_t rid, uint32_t pasid, uint16_t prgi,
		    enum sva_prg_resp code)
{
	uint64_t d[1][4] = { {
		QI_PGRP_RESP | (1ull << 4) /* PASID present */ | ((uint64_t)code << 12) |
			((uint64_t)rid << 16) | ((uint64_t)pasid << 32),
		/* bit 2 (once "last page in group") is reserved since VT-d 4.0 */
		(uint64_t)(prgi & 0x1ff) << 3, 0, 0 } };

	sva_counter_inc(code == SVA_PRG_SUCCESS ? drv->st.resp_success :
			code == SVA_PRG_INVALID ? drv->st.resp_invalid : drv->st.resp_failure);
	(void)sva_qi_submit_sync(drv, (const uint64_t (*)[4])d, 1, false);
}

static struct iopf_group *group_find(struct sva_iommu_drv *drv, uint16_t rid, uint32_t pasid,
				     uint16_t prgi, bool create)
{
	struct iopf_group *free_slot = NULL;

	for (unsigned i = 0; i < IOPF_MAX_GROUPS; i++) {
		struct iopf_group *g = &drv->groups[i];

		if (g->used && g->rid == rid && g->pasid == pasid && g->prgi == prgi)
			return g;
		if (!g->used && !free_slot)
			free_slot = g;
	}
	if (!create || !free_slot)
		return NULL;
	*free_slot = (struct iopf_group){ .used = true, .rid = rid, .pasid = pasid, .prgi = prgi };
	return free_slot;
}

/* Resolve every page of a group on the mm; the group's answer. */
static enum sva_prg_resp handle_group(struct sva_iommu_drv *drv, struct iopf_group *g)
{
	struct sva_bond *b = sva_bond_find(drv, g->rid, g->pasid);
	struct sva_mm *mm;
	enum sva_prg_resp code = SVA_PRG_SUCCESS;

	/* No bond: a dead or unbound PASID (iopf_error_response). */
	if (!b || b->domain->released)
		return SVA_PRG_INVALID;
	mm = b->domain->mm;
	/* Like mmget_not_zero(): an address space on its way out is not faulted in. */
	if (mm->users == 0 || mm->exited)
		return SVA_PRG_INVALID;
	sva_mmget(mm);
	/*
	 * Whatever the fault handler could not resolve - no VMA, no right,
	 * no memory, a machine check on the tables - is Invalid Request, as
	 * iommu_sva_handle_mm answers every VM_FAULT_ERROR.  Response Failure
	 * would make the function stop PRI altogether (PCIe PRI): one
	 * process's bad page must not cost every user of the device its
	 * page requests.
	 */
	for (unsigned i = 0; i < g->n && code == SVA_PRG_SUCCESS; i++)
		if (sva_mm_fault(mm, g->addr[i], g->access[i]) != 0)
			code = SVA_PRG_INVALID;
	sva_mmput_async(mm);
	return code;
}

static void handle_request(struct sva_iommu_drv *drv, const uint64_t qw[4])
{
	const struct sva_timing *t = sva_machine_timing(drv->m);
	uint16_t rid = PRQ0_RID(qw[0]), prgi = PRQ1_PRGI(qw[1]);
	uint32_t pasid = PRQ0_PASID(qw[0]);
	uint64_t addr = PRQ1_ADDR(qw[1]);
	bool rd = qw[1] & PRQ1_RD, wr = qw[1] & PRQ1_WR, last = qw[1] & PRQ1_LPIG;
	bool exe = qw[0] & PRQ0_EXE, pm = qw[0] & PRQ0_PM;
	struct iopf_group *g;
	bool bad;
	sva_time_t t0 = sva_now(drv->k->sim);

	if (!rd && !wr) {
		if (last)	/* a stop marker: nothing to answer */
			return;
	}
	bad = !(qw[0] & PRQ0_PASID_PRESENT) || !sva_va_canonical(addr, 4) ||
	      (pm && (rd || wr)) || (exe && rd) || !iommu_find_dev(drv->hw, rid);
	if (bad) {
		if (last)
			respond(drv, rid, pasid, prgi, SVA_PRG_INVALID);
		return;
	}
	g = group_find(drv, rid, pasid, prgi, true);
	if (!g) {
		/* More groups in flight than we track: refuse this one. */
		if (last)
			respond(drv, rid, pasid, prgi, SVA_PRG_INVALID);
		return;
	}
	if (g->n < 8) {
		g->addr[g->n] = addr;
		g->access[g->n] = (uint8_t)(wr ? SVA_ACC_WRITE : exe ? SVA_ACC_EXEC : SVA_ACC_READ);
		g->n++;
	}
	if (!last)
		return;
	sva_counter_inc(drv->st.iopf_groups);
	sva_machine_charge(drv->m, t->iopf_handling);
	{
		enum sva_prg_resp code = handle_group(drv, g);

		if (drv->inject_resp_failure) {
			drv->inject_resp_failure--;
			code = SVA_PRG_FAILURE;
		}
		if (sva_trace_enabled(drv->k->sim))
			sva_trace_complete(drv->k->sim, drv->track, "iopf", "iopf group", t0,
					   sva_now(drv->k->sim) - t0,
					   (struct sva_trace_arg[]){ SVA_TARG_U("pasid", pasid),
								     SVA_TARG_X("addr", addr),
								     SVA_TARG_U("pages", g->n),
								     SVA_TARG_U("response", code) }, 4);
		g->used = false;
		sva_journal(drv->k->sim, "iopf", "page request PASID %u %#llx (%s): fault handled, response %s",
			    pasid, (unsigned long long)addr, wr ? "write" : "read",
			    code == SVA_PRG_SUCCESS ? "Success" : code == SVA_PRG_INVALID ? "Invalid Request" :
			    "Response Failure");
		respond(drv, rid, pasid, prgi, code);
	}
	sva_hist_record(drv->st.iopf_latency, sva_now(drv->k->sim) - t0);
}

static void prq_thread(void *arg)
{
	struct sva_iommu_drv *drv = arg;
	struct sva_sim *sim = drv->k->sim;

	for (;;) {
		uint64_t head, tail;

		while (!drv->prq_event)
			sva_wait(sim, &drv->prq_wq);
		drv->prq_event = false;
		/* Clear PPR before reading the pointers, so a new request raises it again. */
		sva_iommu_reg_write(drv, SVA_DMAR_PRS & ~7u, (uint64_t)SVA_PRS_PPR << 32);
		head = sva_iommu_reg_read(drv, SVA_DMAR_PQH) & 0x7ffe0ull;
		tail = sva_iommu_reg_read(drv, SVA_DMAR_PQT) & 0x7ffe0ull;
		while (head != tail) {
			uint64_t qw[4];

			sva_phys_read(drv->k->phys, drv->prq_base + head, qw, sizeof(qw));
			handle_request(drv, qw);
			head = (head + PRQ_DESC_SIZE) % drv->prq_size;
			/*
			 * Move PQH and the count together, with no wait in between:
			 * a drain computes its target from both.
			 */
			sva_phys_write_u64(drv->k->phys, drv->regs + SVA_DMAR_PQH, head);
			drv->prq_handled++;
			sva_machine_charge(drv->m, sva_machine_timing(drv->m)->mmio_write);
			sva_wake_all(sim, &drv->prq_done_wq);
		}
		if ((sva_iommu_reg_read(drv, SVA_DMAR_PRS & ~7u) >> 32) & SVA_PRS_PRO) {
			head = sva_iommu_reg_read(drv, SVA_DMAR_PQH);
			tail = sva_iommu_reg_read(drv, SVA_DMAR_PQT);
			if (head == tail) {
				/* Groups cut by the overflow can never complete: forget them. */
				memset(drv->groups, 0, sizeof(drv->groups));
				sva_iommu_reg_write(drv, SVA_DMAR_PRS & ~7u, (uint64_t)SVA_PRS_PRO << 32);
			} else {
				drv->prq_event = true;	/* more arrived meanwhile */
			}
		}
		sva_wake_all(sim, &drv->prq_done_wq);
	}
}

void sva_iopf_drain(struct sva_iommu_drv *drv, uint16_t rid, uint32_t pasid)
{
	struct sva_sim *sim = drv->k->sim;
	uint64_t head, tail, target;

	(void)rid;
	(void)pasid;
	if (!sva_current(sim))
		return;
	/* Everything queued now must be consumed and answered before we go on. */
	sva_machine_charge(drv->m, 2 * sva_machine_timing(drv->m)->mmio_read);
	sva_phys_read_u64(drv->k->phys, drv->regs + SVA_DMAR_PQH, &head);
	sva_phys_read_u64(drv->k->phys, drv->regs + SVA_DMAR_PQT, &tail);
	target = drv->prq_handled + ((tail + drv->prq_size - head) % drv->prq_size) / PRQ_DESC_SIZE;
	if (target > drv->prq_handled) {
		drv->prq_event = true;
		sva_wake_all(sim, &drv->prq_wq);
	}
	while (drv->prq_handled < target)
		sva_wait(sim, &drv->prq_done_wq);
}

int sva_iopf_start(struct sva_iommu_drv *drv)
{
	drv->prq_task = sva_task_spawn(drv->k->sim, "prq", prq_thread, drv,
				       &(struct sva_task_attr){ .detached = true, .daemon = true });
	return drv->prq_task ? 0 : -ENOMEM;
}

void sva_iopf_stop(struct sva_iommu_drv *drv)
{
	if (drv->prq_task)
		sva_task_kill(drv->k->sim, drv->prq_task);
	drv->prq_task = NULL;
}
