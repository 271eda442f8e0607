// SPDX-License-Identifier: MIT
/*
 * DSA device: BAR0 registers, the command interface and device state.
 * Capability defaults are those read off real Sapphire Rapids parts
 * (docs/dev/verified-facts.md section 3.1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sva/timing.h>
#include <sva/trace.h>

#include "hw/dsa/dsa_internal.h"

/* CMDSTS error codes (registers.h / verified-facts 3.2) */
enum {
	CMDERR_OK = 0, CMDERR_INVAL = 1, CMDERR_WQ_IDX = 2,
	CMDERR_DEV_ENABLED = 0x10, CMDERR_CONFIG = 0x11,
	CMDERR_DEV_NOT_ENABLED = 0x20, CMDERR_WQ_ENABLED = 0x21, CMDERR_WQ_SIZE = 0x22,
	CMDERR_WQ_PRIO = 0x23, CMDERR_WQ_MODE = 0x24, CMDERR_WQ_BOF = 0x25,
	CMDERR_WQ_PASID = 0x26, CMDERR_WQ_BATCH = 0x27, CMDERR_WQ_XFER = 0x28,
	CMDERR_DIS_DEV = 0x31, CMDERR_DIS_WQ = 0x32,
	CMDERR_INT_IDX = 0x41,
};

#define CMDSTS_ACTIVE	(1u << 31)

void dsa_raise_irq(struct sva_dsa *dsa, unsigned vector)
{
	dsa->st.interrupts++;
	/* Fault injection: every n-th message is lost on the way; causes stay latched. */
	if (dsa->irq_drop_every && ++dsa->irq_seq % dsa->irq_drop_every == 0) {
		dsa->st.interrupts_lost++;
		return;
	}
	if (dsa->cfg.irq && vector < dsa->cfg.nr_vectors)
		dsa->cfg.irq(dsa->cfg.irq_ctx, vector);
	/* ... and every n-th one arrives twice, the second time for nothing. */
	if (dsa->irq_spurious_every && dsa->st.interrupts % dsa->irq_spurious_every == 0 && dsa->cfg.irq) {
		dsa->st.interrupts_spurious++;
		dsa->cfg.irq(dsa->cfg.irq_ctx, 0);
	}
}

void sva_dsa_inject_irq_faults(struct sva_dsa *dsa, unsigned drop_every, unsigned spurious_every)
{
	dsa->irq_drop_every = drop_every;
	dsa->irq_spurious_every = spurious_every;
}

void dsa_swerr(struct sva_dsa *dsa, unsigned code, int wq, const struct dsa_hw_desc *d,
	       uint64_t fault_addr, bool write, bool batch, unsigned batch_index, uint32_t invalid_flags)
{
	dsa->st.swerrs++;
	sva_journal(dsa->sim, dsa->name, "software error 0x%x (wq %d, address %#llx)", code, wq,
		    (unsigned long long)fault_addr);
	sva_counter_inc(dsa->c_swerr);
	if (sva_trace_enabled(dsa->sim))
		sva_trace_instant(dsa->sim, dsa->track, "dsa", "SWERR",
				  (struct sva_trace_arg[]){ SVA_TARG_X("code", code), SVA_TARG_I("wq", wq),
							    SVA_TARG_X("addr", fault_addr) }, 3);
	if (dsa->swerr[0] & 1) {	/* an unread error: just note the overflow */
		dsa->swerr[0] |= 2;
		return;
	}
	dsa->swerr[0] = 1 | (d ? 1ull << 2 : 0) | (wq >= 0 ? 1ull << 3 : 0) | (batch ? 1ull << 4 : 0) |
			(write ? 1ull << 5 : 0) | ((uint64_t)(code & 0xff) << 8) |
			((uint64_t)(wq >= 0 ? wq : 0) << 16);
	if (d) {
		dsa->swerr[0] |= ((uint64_t)d->opcode << 32) | ((uint64_t)d->pasid << 40) |
				 ((uint64_t)d->priv << 6);
	}
	dsa->swerr[1] = (batch_index & 0xffff) | ((uint64_t)(invalid_flags & 0xffffff) << 32);
	dsa->swerr[2] = fault_addr;
	dsa->intcause |= 1;		/* software error */
	if (dsa->genctrl & 1)
		dsa_raise_irq(dsa, 0);
}

void dsa_halt(struct sva_dsa *dsa, const char *why)
{
	if (sva_trace_enabled(dsa->sim))
		sva_trace_instant(dsa->sim, dsa->track, "dsa", "halt",
				  (struct sva_trace_arg[]){ SVA_TARG_S("why", why) }, 1);
	sva_journal(dsa->sim, dsa->name, "halted: %s", why);
	dsa->gensts = SVA_DSA_HALTED;	/* reset type 0: software reset recovers */
	dsa->intcause |= 1u << 4;
	sva_wake_all(dsa->sim, &dsa->idle_wq);	/* drains in progress give up */
	if (dsa->genctrl & 2)
		dsa_raise_irq(dsa, 0);
}

void sva_dsa_inject_halt(struct sva_dsa *dsa)
{
	if (dsa->gensts == SVA_DSA_ENABLED)
		dsa_halt(dsa, "injected fatal error");
}

/* ---- commands ----------------------------------------------------------------- */

static unsigned enable_wq(struct sva_dsa *dsa, unsigned id)
{
	struct dsa_wq *wq = &dsa->wq[id];
	unsigned total = 0;

	if (dsa->gensts != SVA_DSA_ENABLED)
		return CMDERR_DEV_NOT_ENABLED;
	if (wq->enabled)
		return CMDERR_WQ_ENABLED;
	dsa_wq_decode(dsa, wq);
	for (unsigned i = 0; i < dsa->cfg.nr_wqs; i++)
		if (dsa->wq[i].enabled || i == id)
			total += i == id ? wq->size : dsa->wq[i].size;
	if (wq->size == 0 || total > dsa->cfg.total_wq_size)
		return CMDERR_WQ_SIZE;
	if (wq->priority == 0)
		return CMDERR_WQ_PRIO;
	if (!wq->dedicated && !wq->pasid_en)
		return CMDERR_WQ_PASID;	/* a shared WQ needs PASIDs */
	if (!wq->dedicated && wq->threshold > wq->size)
		return CMDERR_WQ_SIZE;
	if (wq->bof && !(dsa->gencap & 1))
		return CMDERR_WQ_BOF;
	if (wq->max_batch_shift > dsa->cfg.max_batch_shift)
		return CMDERR_WQ_BATCH;
	if (wq->max_xfer_shift > dsa->cfg.max_xfer_shift)
		return CMDERR_WQ_XFER;
	if (wq->group < 0 || !dsa->grp[wq->group].eng_mask)
		return CMDERR_CONFIG;
	assert(wq->count == 0 && "a disabled WQ holds no descriptors");
	free(wq->ring);
	wq->ring = calloc(wq->size, sizeof(*wq->ring));
	if (!wq->ring)
		return CMDERR_INVAL;
	wq->head = wq->count = 0;
	wq->enabled = true;
	wq->cfg[27] = (uint8_t)((wq->cfg[27] & 0x3f) | 0x40);	/* state: enabled */
	return CMDERR_OK;
}

static void disable_wq(struct sva_dsa *dsa, struct dsa_wq *wq)
{
	/* Descriptors still queued are discarded, as an abort would. */
	dsa_wq_abort(dsa, (int)wq->id, false, 0);
	wq->enabled = false;
	wq->cfg[27] &= 0x3f;
}

/*
 * Wait until nothing accepted up to now and matching is queued or running.
 * A halted device starts nothing more - what is queued waits for the
 * reset - but what an engine had started still finishes, and a drain
 * waits for that even then: whoever drained (a file release about to
 * unbind and free the PASID) must find no work of it left on the device.
 */
static void drain(struct sva_dsa *dsa, int wq, bool by_pasid, uint32_t pasid)
{
	uint64_t upto = dsa->seq;

	while (dsa->gensts != SVA_DSA_HALTED ? dsa_pending(dsa, wq, by_pasid, pasid, upto)
					     : dsa_running(dsa, wq, by_pasid, pasid, upto))
		sva_wait(dsa->sim, &dsa->idle_wq);
}

static void reset_device(struct sva_dsa *dsa)
{
	/* Stop accepting first, so nothing slips in while the rest drains. */
	for (unsigned i = 0; i < dsa->cfg.nr_wqs; i++) {
		dsa->wq[i].enabled = false;
		dsa_wq_abort(dsa, (int)i, false, 0);
	}
	/* Nothing the device does outlives its reset. */
	drain(dsa, -1, false, 0);
	for (unsigned i = 0; i < dsa->cfg.nr_wqs; i++) {
		memset(dsa->wq[i].cfg, 0, sizeof(dsa->wq[i].cfg));
		dsa->wq[i].group = -1;
	}
	for (unsigned g = 0; g < dsa->cfg.nr_groups; g++)
		memset(&dsa->grp[g], 0, sizeof(dsa->grp[g]));
	dsa_atc_flush_all(dsa);
	memset(dsa->swerr, 0, sizeof(dsa->swerr));
	dsa->gensts = SVA_DSA_DISABLED;
}

static uint32_t run_cmd(struct sva_dsa *dsa, uint32_t cmdreg)
{
	unsigned cmd = (cmdreg >> 20) & 0x1f, op = cmdreg & 0xfffff;
	bool wq_ok = op < dsa->cfg.nr_wqs;

	switch (cmd) {
	case SVA_DSA_CMD_ENABLE_DEVICE:
		if (dsa->gensts == SVA_DSA_ENABLED)
			return CMDERR_DEV_ENABLED;
		if (dsa->gensts == SVA_DSA_HALTED)
			return CMDERR_CONFIG;	/* needs a reset first */
		dsa->gensts = SVA_DSA_ENABLED;
		return CMDERR_OK;
	case SVA_DSA_CMD_DISABLE_DEVICE:
		if (dsa->gensts == SVA_DSA_DISABLED)
			return CMDERR_DIS_DEV;
		for (unsigned i = 0; i < dsa->cfg.nr_wqs; i++)
			if (dsa->wq[i].enabled) {
				drain(dsa, (int)i, false, 0);
				disable_wq(dsa, &dsa->wq[i]);
			}
		dsa->gensts = SVA_DSA_DISABLED;
		return CMDERR_OK;
	case SVA_DSA_CMD_DRAIN_ALL:
		drain(dsa, -1, false, 0);
		return CMDERR_OK;
	case SVA_DSA_CMD_ABORT_ALL:
		for (unsigned i = 0; i < dsa->cfg.nr_wqs; i++)
			dsa_wq_abort(dsa, (int)i, false, 0);
		drain(dsa, -1, false, 0);
		return CMDERR_OK;
	case SVA_DSA_CMD_RESET_DEVICE:
		reset_device(dsa);
		return CMDERR_OK;
	case SVA_DSA_CMD_ENABLE_WQ:
		return wq_ok ? enable_wq(dsa, op) : CMDERR_WQ_IDX;
	case SVA_DSA_CMD_DISABLE_WQ:
	case SVA_DSA_CMD_DRAIN_WQ:
	case SVA_DSA_CMD_ABORT_WQ:
	case SVA_DSA_CMD_RESET_WQ:
		if (!wq_ok)
			return CMDERR_WQ_IDX;
		if (dsa->gensts != SVA_DSA_ENABLED) {
			drain(dsa, (int)op, false, 0);	/* halted: what engines hold still ends first */
			return CMDERR_DIS_WQ;
		}
		if (cmd == SVA_DSA_CMD_ABORT_WQ || cmd == SVA_DSA_CMD_RESET_WQ)
			dsa_wq_abort(dsa, (int)op, false, 0);
		drain(dsa, (int)op, false, 0);
		if (cmd == SVA_DSA_CMD_DISABLE_WQ || cmd == SVA_DSA_CMD_RESET_WQ)
			disable_wq(dsa, &dsa->wq[op]);
		if (cmd == SVA_DSA_CMD_RESET_WQ)
			memset(dsa->wq[op].cfg, 0, sizeof(dsa->wq[op].cfg));
		return CMDERR_OK;
	case SVA_DSA_CMD_DRAIN_PASID:
	case SVA_DSA_CMD_ABORT_PASID:
		if (dsa->gensts != SVA_DSA_ENABLED) {
			drain(dsa, -1, true, op);	/* halted: what engines hold still ends first */
			return CMDERR_DIS_WQ;
		}
		if (cmd == SVA_DSA_CMD_ABORT_PASID)
			for (unsigned i = 0; i < dsa->cfg.nr_wqs; i++)
				dsa_wq_abort(dsa, (int)i, true, op);
		drain(dsa, -1, true, op);
		return CMDERR_OK;
	case SVA_DSA_CMD_REQUEST_INT_HANDLE:
		/* MSI-X: the handle is the vector index itself. */
		if ((op & 0xffff) >= dsa->cfg.nr_vectors)
			return CMDERR_INT_IDX;
		return CMDERR_OK | ((op & 0xffff) << 8);
	case SVA_DSA_CMD_RELEASE_INT_HANDLE:
		return CMDERR_OK;
	default:
		return CMDERR_INVAL;
	}
}

/* Commands can take time (drains): a service task runs them one at a time. */
static void cmd_main(void *arg)
{
	struct sva_dsa *dsa = arg;

	for (;;) {
		uint32_t res;

		while (!dsa->cmd_pending)
			sva_wait(dsa->sim, &dsa->cmd_wq);
		res = run_cmd(dsa, dsa->cmd);
		dsa->cmd_pending = false;
		dsa->cmdsts = res & 0x00ffffff;	/* active clear */
		if (sva_trace_enabled(dsa->sim))
			sva_trace_instant(dsa->sim, dsa->track, "dsa", "command done",
					  (struct sva_trace_arg[]){ SVA_TARG_U("cmd", (dsa->cmd >> 20) & 0x1f),
								    SVA_TARG_X("operand", dsa->cmd & 0xfffff),
								    SVA_TARG_X("status", res & 0xff) }, 3);
		if (dsa->cmd & (1u << 31)) {
			dsa->intcause |= 2;
			dsa_raise_irq(dsa, 0);
		}
	}
}

/* ---- registers ------------------------------------------------------------------ */

static uint64_t rd_bytes(const uint8_t *p, uint64_t off, unsigned size)
{
	uint64_t v = 0;

	memcpy(&v, p + off, size);
	return v;
}

static int reg_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
	struct sva_dsa *dsa = opaque;
	uint64_t v = 0, q = off & ~7ull;

	if (off >= SVA_DSA_WQCFG_OFF && off < SVA_DSA_WQCFG_OFF + 32ull * dsa->cfg.nr_wqs) {
		struct dsa_wq *wq = &dsa->wq[(off - SVA_DSA_WQCFG_OFF) / 32];

		/* occupancy is live */
		wq->cfg[24] = (uint8_t)wq->count;
		wq->cfg[25] = (uint8_t)(wq->count >> 8);
		*val = rd_bytes(wq->cfg, (off - SVA_DSA_WQCFG_OFF) % 32, size);
		return 0;
	}
	if (off >= SVA_DSA_GRPCFG_OFF && off < SVA_DSA_GRPCFG_OFF + 64ull * dsa->cfg.nr_groups) {
		*val = rd_bytes(dsa->grp[(off - SVA_DSA_GRPCFG_OFF) / 64].cfg,
				(off - SVA_DSA_GRPCFG_OFF) % 64, size);
		return 0;
	}
	switch (q) {
	case SVA_DSA_VERSION: v = 0x100; break;
	case SVA_DSA_GENCAP: v = dsa->gencap; break;
	case SVA_DSA_WQCAP: v = dsa->wqcap; break;
	case SVA_DSA_GRPCAP: v = dsa->grpcap; break;
	case SVA_DSA_ENGCAP: v = dsa->engcap; break;
	case SVA_DSA_OPCAP: case SVA_DSA_OPCAP + 8: case SVA_DSA_OPCAP + 16: case SVA_DSA_OPCAP + 24:
		v = dsa->opcap[(q - SVA_DSA_OPCAP) / 8];
		break;
	case SVA_DSA_OFFSETS:
		v = (SVA_DSA_GRPCFG_OFF / 0x100) | ((uint64_t)(SVA_DSA_WQCFG_OFF / 0x100) << 16);
		break;
	case SVA_DSA_GENCFG: v = dsa->gencfg; break;
	case SVA_DSA_GENCTRL: v = dsa->genctrl; break;
	case SVA_DSA_GENSTS: v = dsa->gensts; break;
	case SVA_DSA_INTCAUSE: v = dsa->intcause; break;
	case SVA_DSA_CMD: v = dsa->cmd; break;
	case SVA_DSA_CMDSTS: v = dsa->cmdsts; break;
	case SVA_DSA_SWERR: case SVA_DSA_SWERR + 8: case SVA_DSA_SWERR + 16: case SVA_DSA_SWERR + 24:
		v = dsa->swerr[(q - SVA_DSA_SWERR) / 8];
		break;
	}
	if (size < 8)
		v = (v >> (8 * (off & 7))) & ((1ull << (8 * size)) - 1);
	*val = v;
	return 0;
}

static void wr_bytes(uint8_t *p, uint64_t off, unsigned size, uint64_t v)
{
	memcpy(p + off, &v, size);
}

static void group_decode(struct sva_dsa *dsa, unsigned g)
{
	struct dsa_group *grp = &dsa->grp[g];

	memcpy(&grp->wq_mask, grp->cfg, 8);
	memcpy(&grp->eng_mask, grp->cfg + 32, 8);
	for (unsigned i = 0; i < dsa->cfg.nr_wqs; i++) {
		if (grp->wq_mask & (1ull << i))
			dsa->wq[i].group = (int)g;
		else if (dsa->wq[i].group == (int)g)
			dsa->wq[i].group = -1;
	}
}

static int reg_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct sva_dsa *dsa = opaque;

	if (off >= SVA_DSA_WQCFG_OFF && off < SVA_DSA_WQCFG_OFF + 32ull * dsa->cfg.nr_wqs) {
		struct dsa_wq *wq = &dsa->wq[(off - SVA_DSA_WQCFG_OFF) / 32];

		/* Configuration is locked while the WQ is enabled (except nothing here). */
		if (!wq->enabled)
			wr_bytes(wq->cfg, (off - SVA_DSA_WQCFG_OFF) % 32, size, val);
		return 0;
	}
	if (off >= SVA_DSA_GRPCFG_OFF && off < SVA_DSA_GRPCFG_OFF + 64ull * dsa->cfg.nr_groups) {
		unsigned g = (unsigned)((off - SVA_DSA_GRPCFG_OFF) / 64);

		if (dsa->gensts != SVA_DSA_ENABLED) {
			wr_bytes(dsa->grp[g].cfg, (off - SVA_DSA_GRPCFG_OFF) % 64, size, val);
			group_decode(dsa, g);
		}
		return 0;
	}
	switch (off) {
	case SVA_DSA_GENCFG: dsa->gencfg = (uint32_t)val; break;
	case SVA_DSA_GENCTRL: dsa->genctrl = (uint32_t)val & 7; break;
	case SVA_DSA_INTCAUSE: dsa->intcause &= ~(uint32_t)val; break;	/* write 1 to clear */
	case SVA_DSA_CMD:
		if (dsa->cmdsts & CMDSTS_ACTIVE)
			break;		/* one command at a time; software must wait */
		dsa->cmd = (uint32_t)val;
		dsa->cmdsts = CMDSTS_ACTIVE;
		dsa->cmd_pending = true;
		sva_wake_all(dsa->sim, &dsa->cmd_wq);
		break;
	case SVA_DSA_SWERR:
		dsa->swerr[0] &= ~(val & 3);	/* valid and overflow are write-1-to-clear */
		if (!(dsa->swerr[0] & 1))
			memset(dsa->swerr, 0, sizeof(dsa->swerr));
		break;
	}
	return 0;
}

static const struct sva_mmio_ops dsa_bar0_ops = { .read = reg_read, .write = reg_write };

/* ---- life cycle ----------------------------------------------------------------------- */

static void set_caps(struct sva_dsa *dsa)
{
	static const unsigned ops[] = {
		DSA_OPCODE_NOOP, DSA_OPCODE_BATCH, DSA_OPCODE_DRAIN, DSA_OPCODE_MEMMOVE,
		DSA_OPCODE_MEMFILL, DSA_OPCODE_COMPARE, DSA_OPCODE_COMPVAL, DSA_OPCODE_CR_DELTA,
		DSA_OPCODE_AP_DELTA, DSA_OPCODE_DUALCAST, DSA_OPCODE_CRCGEN, DSA_OPCODE_COPY_CRC,
		DSA_OPCODE_DIF_CHECK, DSA_OPCODE_DIF_INS, DSA_OPCODE_DIF_STRP, DSA_OPCODE_DIF_UPDT,
		DSA_OPCODE_CFLUSH,
	};

	/* BOF, overlapping copy, cache control (memory), destination readback, config support */
	dsa->gencap = 0x7 | (1ull << 8) | ((uint64_t)dsa->cfg.max_xfer_shift << 16) |
		      ((uint64_t)dsa->cfg.max_batch_shift << 21) | (8ull << 25) | (1ull << 31);
	dsa->wqcap = dsa->cfg.total_wq_size | ((uint64_t)dsa->cfg.nr_wqs << 16) |
		     (1ull << 48) | (1ull << 49) | (1ull << 50) | (1ull << 51) | (1ull << 52);
	dsa->grpcap = dsa->cfg.nr_groups | (96ull << 8);
	dsa->engcap = dsa->cfg.nr_engines;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		dsa->opcap[ops[i] / 64] |= 1ull << (ops[i] % 64);
}

struct sva_dsa *sva_dsa_create(struct sva_machine *m, const struct sva_dsa_config *cfg)
{
	struct sva_dsa_config def = { 0 };
	struct sva_dsa *dsa = calloc(1, sizeof(*dsa));
	struct sva_sim *sim = sva_machine_sim(m);
	char n[64];
	int r;

	if (!dsa)
		return NULL;
	if (!cfg)
		cfg = &def;
	dsa->cfg = *cfg;
#define DEF(f, v) do { if (!dsa->cfg.f) dsa->cfg.f = (v); } while (0)
	DEF(rid, 0x6a01);
	DEF(nr_wqs, 8);
	DEF(total_wq_size, 128);
	DEF(nr_groups, 4);
	DEF(nr_engines, 4);
	DEF(max_xfer_shift, 31);
	DEF(max_batch_shift, 10);
	DEF(atc_entries, 64);
	DEF(nr_vectors, 9);
	DEF(pri_timeout, 100 * SVA_USEC);
#undef DEF
	if (dsa->cfg.nr_wqs > DSA_MAX_WQS || dsa->cfg.nr_groups > DSA_MAX_GROUPS ||
	    dsa->cfg.nr_engines > DSA_MAX_ENGINES || dsa->cfg.max_xfer_shift > 31 ||
	    dsa->cfg.max_batch_shift > 15 || dsa->cfg.total_wq_size > 0xffff) {
		free(dsa);
		errno = EINVAL;
		return NULL;
	}
	dsa->m = m;
	dsa->sim = sim;
	dsa->phys = sva_machine_phys(m);
	snprintf(dsa->name, sizeof(dsa->name), "%s", cfg->name ? cfg->name : "dsa0");
	set_caps(dsa);
	if (sva_pcie_path_init(&dsa->path, cfg->pcie_path, !cfg->no_dmwr_completer)) {
		free(dsa);
		errno = EINVAL;
		return NULL;
	}
	dsa->pci = (struct sva_pcidev){ .rid = dsa->cfg.rid, .ops = &dsa_pci_ops, .priv = dsa,
					.pri_capacity = 512 };
	snprintf(dsa->pci.name, sizeof(dsa->pci.name), "%s", dsa->name);
	sva_waitq_init(&dsa->idle_wq);
	sva_waitq_init(&dsa->cmd_wq);
	sva_waitq_init(&dsa->pri_wq);
	for (unsigned g = 0; g < DSA_MAX_GROUPS; g++)
		sva_waitq_init(&dsa->work_wq[g]);
	for (unsigned i = 0; i < DSA_MAX_WQS; i++) {
		dsa->wq[i].id = i;
		dsa->wq[i].group = -1;
	}
	/* whole sets of 4 ways */
	dsa->cfg.atc_entries = (dsa->cfg.atc_entries + 3) & ~3u;
	dsa->atc = calloc(dsa->cfg.atc_entries, sizeof(*dsa->atc));
	if (!dsa->atc)
		goto fail;
	dsa->track = sva_trace_track(sim, dsa->name, "device");
	dsa->path_track = sva_trace_track(sim, dsa->name, "data path");
#define CNT(f, s) do { snprintf(n, sizeof(n), "%s.%s", dsa->name, s); \
		dsa->f = sva_stat_counter(sim, n); if (!dsa->f) goto fail; } while (0)
	CNT(c_submitted, "descriptors_submitted");
	CNT(c_accepted, "descriptors_accepted");
	CNT(c_retried, "enqcmd_retries");
	CNT(c_completed, "descriptors_completed");
	CNT(c_bytes, "bytes_processed");
	CNT(c_atc_hits, "atc_hits");
	CNT(c_atc_misses, "atc_misses");
	CNT(c_untranslated, "untranslated_requests");
	CNT(c_prs, "page_requests");
	CNT(c_partial, "partial_completions");
	CNT(c_swerr, "software_errors");
#undef CNT
	snprintf(n, sizeof(n), "%s.descriptor_latency", dsa->name);
	dsa->h_latency = sva_stat_hist(sim, n, "ns");
	if (!dsa->h_latency)
		goto fail;
	r = sva_machine_mmio_alloc(m, SVA_DSA_BAR0_SIZE, SVA_DSA_BAR0_SIZE, &dsa->bar0);
	if (!r)
		r = sva_mmio_register(dsa->phys, dsa->bar0, SVA_DSA_BAR0_SIZE, &dsa_bar0_ops, dsa, dsa->name);
	if (!r)
		r = dsa_portals_register(dsa);
	if (!r) {
		dsa->cmd_task = sva_task_spawn(sim, "dsa-cmd", cmd_main, dsa,
					       &(struct sva_task_attr){ .detached = true, .daemon = true });
		r = dsa->cmd_task ? dsa_engines_start(dsa) : -ENOMEM;
	}
	if (r) {
		errno = -r;
		goto fail;
	}
	return dsa;
fail:
	sva_dsa_destroy(dsa);
	return NULL;
}

void sva_dsa_destroy(struct sva_dsa *dsa)
{
	if (!dsa)
		return;
	dsa_engines_stop(dsa);
	if (dsa->cmd_task)
		sva_task_kill(dsa->sim, dsa->cmd_task);
	if (dsa->bar0)
		sva_mmio_unregister(dsa->phys, dsa->bar0);
	if (dsa->bar2)
		sva_mmio_unregister(dsa->phys, dsa->bar2);
	for (unsigned i = 0; i < DSA_MAX_WQS; i++)
		free(dsa->wq[i].ring);
	free(dsa->atc);
	free(dsa);
}

const char *sva_dsa_name(const struct sva_dsa *dsa) { return dsa->name; }
uint64_t sva_dsa_bar0(const struct sva_dsa *dsa) { return dsa->bar0; }
uint64_t sva_dsa_bar2(const struct sva_dsa *dsa) { return dsa->bar2; }
struct sva_pcidev *sva_dsa_pcidev(struct sva_dsa *dsa) { return &dsa->pci; }
struct sva_pcie_path *sva_dsa_pcie_path(struct sva_dsa *dsa) { return &dsa->path; }

uint64_t sva_dsa_portal(const struct sva_dsa *dsa, unsigned wq, bool limited, bool ims)
{
	return dsa->bar2 + (uint64_t)wq * 4 * 4096 + (limited ? 0x1000 : 0) + (ims ? 0x2000 : 0);
}

void sva_dsa_stats(const struct sva_dsa *dsa, struct sva_dsa_stats *out)
{
	*out = dsa->st;
}

bool sva_dsa_holds_pasid(const struct sva_dsa *dsa, uint32_t pasid)
{
	for (unsigned i = 0; i < dsa->cfg.atc_entries; i++)
		if (dsa->atc[i].valid && dsa->atc[i].pasid == pasid)
			return true;
	return dsa_pending((struct sva_dsa *)dsa, -1, true, pasid, UINT64_MAX);
}

bool sva_dsa_caches_frame(const struct sva_dsa *dsa, uint64_t pa)
{
	for (unsigned i = 0; i < dsa->cfg.atc_entries; i++) {
		const struct atc_entry *e = &dsa->atc[i];

		if (e->valid && pa >= e->pa && pa - e->pa < e->size)
			return true;
	}
	return false;
}

void sva_dsa_accounting(const struct sva_dsa *dsa, uint64_t *accepted, uint64_t *finished,
			uint64_t *in_flight)
{
	uint64_t q = 0;

	for (unsigned i = 0; i < dsa->cfg.nr_wqs; i++)
		q += dsa->wq[i].count;
	for (unsigned i = 0; i < dsa->cfg.nr_engines; i++)
		q += dsa->eng[i].busy;
	*accepted = dsa->st.accepted;
	*finished = dsa->st.top_completed + dsa->st.aborted + dsa->st.lost;
	*in_flight = q;
}

unsigned sva_dsa_nr_wqs(const struct sva_dsa *dsa)
{
	return dsa->cfg.nr_wqs;
}

int sva_dsa_wq_account(const struct sva_dsa *dsa, unsigned id, struct sva_dsa_wq_account *out)
{
	const struct dsa_wq *wq;

	if (id >= dsa->cfg.nr_wqs)
		return -EINVAL;
	wq = &dsa->wq[id];
	*out = (struct sva_dsa_wq_account){
		.accepted = wq->c_accepted->value, .retried = wq->c_retried->value,
		.dropped = wq->c_dropped->value, .completed = wq->c_completed->value,
		.aborted = wq->c_aborted->value, .lost = wq->c_lost->value, .in_flight = wq->count,
	};
	for (unsigned i = 0; i < dsa->cfg.nr_engines; i++)
		out->in_flight += dsa->eng[i].busy && dsa->eng[i].wq == (int)id;
	return 0;
}
