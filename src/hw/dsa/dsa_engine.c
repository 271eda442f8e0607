// SPDX-License-Identifier: MIT
/*
 * Engines: each one a service task that pulls descriptors from its group's
 * WQs and executes them: the checks common to every opcode, no-op, drain,
 * batch, and the operations of dsa_ops.c; then the completion record, the
 * completion interrupt, or a software error when neither was asked for.
 *
 * Block on fault: an operation executes at one instant; if it stops at a
 * fault and block-on-fault applies, the engine sends a page request, waits
 * for the response, and runs the descriptor again - resuming a memmove
 * where it stopped (the only operation whose buffers may overlap), starting
 * the others afresh (they are idempotent once their buffers cannot
 * overlap).  The result is what hardware that waits in place produces.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include <sva/timing.h>
#include <sva/trace.h>

#include "hw/dsa/dsa_internal.h"
#include "hw/dsa/dsa_ops.h"

/*
 * Block-on-fault retries: hardware retries for as long as page requests
 * succeed.  The model bounds them so that a page that "succeeds" but stays
 * absent cannot spin forever: a few per page an operation can touch (up to
 * three operands) plus slack; a completion record gets MAX_BOF_RETRIES.
 */
#define MAX_BOF_RETRIES 64

static uint64_t bof_budget(const struct dsa_hw_desc *d)
{
	return MAX_BOF_RETRIES + 3 * (((uint64_t)d->xfer_size >> 12) + 1);
}

static const struct dsa_mem_ops mem_ops = { .map = dsa_mem_map };

const char *sva_dsa_status_name(unsigned code)
{
	switch (code & DSA_COMP_STATUS_MASK) {
	case DSA_COMP_NONE: return "none";
	case DSA_COMP_SUCCESS: return "success";
	case DSA_COMP_SUCCESS_PRED: return "success, predicate false";
	case DSA_COMP_PAGE_FAULT_NOBOF: return "page fault (partial completion)";
	case DSA_COMP_PAGE_FAULT_IR: return "page fault, invalid page response";
	case DSA_COMP_BATCH_FAIL: return "batch: a descriptor failed";
	case DSA_COMP_BATCH_PAGE_FAULT: return "batch: page fault reading the list";
	case DSA_COMP_DR_OFFSET_NOINC: return "delta record offsets not increasing";
	case DSA_COMP_DR_OFFSET_ERANGE: return "delta record offset out of range";
	case DSA_COMP_DIF_ERR: return "DIF error";
	case DSA_COMP_BAD_OPCODE: return "unsupported opcode";
	case DSA_COMP_INVALID_FLAGS: return "invalid flags";
	case DSA_COMP_NOZERO_RESERVE: return "reserved field not zero";
	case DSA_COMP_XFER_ERANGE: return "transfer size out of range";
	case DSA_COMP_DESC_CNT_ERANGE: return "descriptor count out of range";
	case DSA_COMP_DR_ERANGE: return "delta record size out of range";
	case DSA_COMP_OVERLAP_BUFFERS: return "overlapping buffers";
	case DSA_COMP_DCAST_ERR: return "dualcast addresses differ in bits 11:0";
	case DSA_COMP_DESCLIST_ALIGN: return "descriptor list not aligned";
	case DSA_COMP_INT_HANDLE_INVAL: return "invalid interrupt handle";
	case DSA_COMP_CRA_XLAT: return "completion record address translation failed";
	case DSA_COMP_CRA_ALIGN: return "completion record not aligned";
	case DSA_COMP_ADDR_ALIGN: return "address not aligned";
	case DSA_COMP_PRIV_BAD: return "privileged descriptor not allowed";
	case DSA_COMP_TRAFFIC_CLASS_CONF: return "traffic class configuration";
	case DSA_COMP_PFAULT_RDBA: return "page fault reading the read buffer";
	case DSA_COMP_HW_ERR1: return "hardware error";
	case DSA_COMP_HW_ERR_DRB: return "hardware error (read buffer)";
	case DSA_COMP_TRANSLATION_FAIL: return "address translation failed";
	default: return "unknown status";
	}
}

const char *sva_dsa_op_name(unsigned op)
{
	switch (op) {
	case DSA_OPCODE_NOOP: return "noop";
	case DSA_OPCODE_BATCH: return "batch";
	case DSA_OPCODE_DRAIN: return "drain";
	case DSA_OPCODE_MEMMOVE: return "memmove";
	case DSA_OPCODE_MEMFILL: return "fill";
	case DSA_OPCODE_COMPARE: return "compare";
	case DSA_OPCODE_COMPVAL: return "compare pattern";
	case DSA_OPCODE_CR_DELTA: return "create delta";
	case DSA_OPCODE_AP_DELTA: return "apply delta";
	case DSA_OPCODE_DUALCAST: return "dualcast";
	case DSA_OPCODE_CRCGEN: return "crc";
	case DSA_OPCODE_COPY_CRC: return "copy+crc";
	case DSA_OPCODE_DIF_CHECK: return "dif check";
	case DSA_OPCODE_DIF_INS: return "dif insert";
	case DSA_OPCODE_DIF_STRP: return "dif strip";
	case DSA_OPCODE_DIF_UPDT: return "dif update";
	case DSA_OPCODE_CFLUSH: return "cache flush";
	default: return "unknown";
	}
}

void dsa_kick_group(struct sva_dsa *dsa, int group)
{
	(void)group;
	/* Engines check their own group when they wake; there are few of them. */
	sva_wake_all(dsa->sim, &dsa->work_wq[0]);
}

static int engine_group(struct sva_dsa *dsa, unsigned id)
{
	for (unsigned g = 0; g < dsa->cfg.nr_groups; g++)
		if (dsa->grp[g].eng_mask & (1ull << id))
			return (int)g;
	return -1;
}

static bool op_supported(const struct sva_dsa *dsa, unsigned op)
{
	return op < 256 && (dsa->opcap[op / 64] >> (op % 64)) & 1;
}

/* Checks every opcode shares, in our order (the hardware's is not public). */
static int common_check(struct sva_dsa *dsa, const struct dsa_wq *wq, const struct dsa_hw_desc *d,
			struct dsa_completion_record *cr)
{
	if (!op_supported(dsa, d->opcode))
		return DSA_COMP_BAD_OPCODE;
	if (d->priv && !wq->priv)
		return DSA_COMP_PRIV_BAD;
	if ((d->flags & IDXD_OP_FLAG_BOF) && !wq->bof) {
		cr->invalid_flags = IDXD_OP_FLAG_BOF;
		return DSA_COMP_INVALID_FLAGS;
	}
	if ((d->flags & IDXD_OP_FLAG_RCR) && !(d->flags & IDXD_OP_FLAG_CRAV)) {
		cr->invalid_flags = IDXD_OP_FLAG_RCR;
		return DSA_COMP_INVALID_FLAGS;
	}
	if ((d->flags & IDXD_OP_FLAG_CRAV) && (d->completion_addr & 31))
		return DSA_COMP_CRA_ALIGN;
	if ((d->flags & IDXD_OP_FLAG_RCI) && d->int_handle >= dsa->cfg.nr_vectors)
		return DSA_COMP_INT_HANDLE_INVAL;
	return 0;
}

static void charge(struct sva_dsa *dsa, sva_time_t ns)
{
	sva_machine_charge(dsa->m, ns);
}

/* What is left of @cost after @behind ns of other work that it could overlap. */
static sva_time_t hide_behind(sva_time_t cost, sva_time_t behind)
{
	return cost > behind ? cost - behind : 0;
}

/*
 * How long, from now, an engine takes for a descriptor whose data is ready
 * to flow now and moves @bytes (the larger of read and written).  The
 * engine streams at engine_bw; every engine of the device also goes
 * through one data path, which takes descriptors whole and in turn, each
 * for desc_overhead or its bytes at device_bw, whichever is longer (the
 * set-up overlaps the data of the one before).  So engines overlap
 * their waits (dispatch, translation, page requests) but not their
 * transfers, and a device moves at most device_bw however many engines
 * its groups have.  Whole descriptors in turn is a simplification: a
 * small descriptor behind a large one on another engine waits for all of
 * it, where the hardware would interleave their requests.
 */
static sva_time_t path_time(struct sva_dsa *dsa, const struct dsa_engine *e, uint64_t bytes)
{
	const struct sva_timing *t = sva_machine_timing(dsa->m);
	sva_time_t now = sva_now(dsa->sim), end;
	sva_time_t s = now > dsa->path_free ? now : dsa->path_free;
	sva_time_t dev = sva_timing_xfer(bytes, t->device_bw), eng = sva_timing_xfer(bytes, t->engine_bw);
	/* A descriptor's set-up overlaps the data of the one before: the larger of the two counts. */
	sva_time_t hold = dev > t->desc_overhead ? dev : t->desc_overhead;

	dsa->path_free = s + hold;
	dsa->st.path_busy_ns += hold;
	if (sva_trace_enabled(dsa->sim))
		sva_trace_complete(dsa->sim, dsa->path_track, "dsa", "transfer", s, hold,
				   (struct sva_trace_arg[]){ SVA_TARG_U("engine", e->id), SVA_TARG_U("bytes", bytes),
							     SVA_TARG_U("waited", s - now) }, 3);
	end = now + (eng > t->desc_overhead ? eng : t->desc_overhead);
	if (end < dsa->path_free)
		end = dsa->path_free;
	assert(end >= now);
	return end - now;
}

/* Run one operation, with block-on-fault retries. */
static void run_op(struct sva_dsa *dsa, const struct dsa_wq *wq, struct dsa_xlat_ctx *x,
		   const struct dsa_hw_desc *orig, struct dsa_completion_record *cr)
{
	const struct sva_timing *t = sva_machine_timing(dsa->m);
	struct dsa_hw_desc d = *orig;
	uint64_t max = 1ull << (wq->max_xfer_shift ? wq->max_xfer_shift : dsa->cfg.max_xfer_shift);
	uint64_t done = 0;

	for (unsigned attempt = 0;; attempt++) {
		struct dsa_op_env env = { .mem = &mem_ops, .ctx = x, .max_xfer = max, .overlap_ok = true };
		int r;

		uint64_t bytes;
		double lead;

		x->faulted = false;
		x->cost = 0;
		x->streaming = true;
		memset(x->stream, 0, sizeof(x->stream));
		dsa_op_execute(&d, &env, cr);
		x->streaming = false;
		bytes = env.bytes_read > env.bytes_written ? env.bytes_read : env.bytes_written;
		dsa->st.bytes += bytes;
		sva_counter_add(dsa->c_bytes, bytes);
		/*
		 * Each operand's stream waits for its translations; a source's
		 * then waits for its first bytes to come back from memory.  The
		 * streams run side by side: the data flows after the slowest.
		 */
		lead = 0;
		for (unsigned o = 0; o < DSA_NR_OPERANDS; o++) {
			const struct dsa_xlat_stream *st = &x->stream[o];
			double l = st->lead + (st->read ? (double)t->dev_read_lat : 0);

			if (st->started && l > lead)
				lead = l;
		}
		/*
		 * The engine translates a descriptor's pages as soon as it has
		 * the descriptor, so time the descriptor spent waiting for the
		 * engine (queued after dispatch, or behind earlier members of
		 * its batch) already covered that much of the lead.  Only the
		 * first attempt: a retry after a page request starts afresh.
		 */
		assert(sva_now(dsa->sim) >= x->known_at);
		if (attempt == 0)
			lead -= (double)(sva_now(dsa->sim) - x->known_at);
		/*
		 * Wait for the translations first, then take the data path:
		 * the path is granted in the order data is ready, so an engine
		 * waiting for a translation does not hold it.
		 */
		charge(dsa, x->cost + sva_timing_ceil(lead));
		charge(dsa, path_time(dsa, x->eng, bytes));
		x->cost = 0;	/* charged: complete() must not charge it again */
		if ((cr->status & DSA_COMP_STATUS_MASK) != DSA_COMP_PAGE_FAULT_NOBOF)
			break;
		if (!x->bof || !x->faulted || attempt >= bof_budget(orig)) {
			sva_journal(dsa->sim, dsa->name, "PASID %u %s: page fault at %#llx without block-on-fault: "
				    "partial completion, %u bytes done", x->pasid, sva_dsa_op_name(d.opcode),
				    (unsigned long long)cr->fault_addr, cr->bytes_completed + (uint32_t)done);
			dsa->st.page_faults_partial++;
			sva_counter_inc(dsa->c_partial);
			break;
		}
		r = dsa_page_request(x, x->fault_va, x->fault_write);
		if (r != SVA_PRG_SUCCESS) {
			/* Invalid Request: give up where we are; no answer / PRI off: translation error. */
			cr->status = (uint8_t)((r == SVA_PRG_INVALID ? DSA_COMP_PAGE_FAULT_IR :
						DSA_COMP_TRANSLATION_FAIL) | (cr->status & DSA_COMP_STATUS_WRITE));
			cr->bytes_completed += (uint32_t)done;
			return;
		}
		if (d.opcode == DSA_OPCODE_MEMMOVE && cr->bytes_completed) {
			uint32_t n = cr->bytes_completed;

			/* Resume where it stopped; result says which end it worked from. */
			if (!cr->result) {
				d.src_addr += n;
				d.dst_addr += n;
			}
			d.xfer_size -= n;
			done += n;
		}
	}
	if ((cr->status & DSA_COMP_STATUS_MASK) == DSA_COMP_PAGE_FAULT_NOBOF)
		cr->bytes_completed += (uint32_t)done;
}

/*
 * Write the completion record (status byte last) and/or interrupt; else log
 * errors.  Returns false when a record was asked for (RCR) but none was
 * written - misaligned, without CRAV, or its write failed: the descriptor's
 * end then shows only in SWERR, and its submitter never sees it ("lost").
 */
static bool complete(struct sva_dsa *dsa, struct dsa_wq *wq, struct dsa_xlat_ctx *x,
		     const struct dsa_hw_desc *d, struct dsa_completion_record *cr,
		     bool in_batch, unsigned batch_index)
{
	const struct sva_timing *t = sva_machine_timing(dsa->m);
	unsigned code = cr->status & DSA_COMP_STATUS_MASK;
	bool ok = code == DSA_COMP_SUCCESS || code == DSA_COMP_SUCCESS_PRED;
	bool written = false;

	dsa->st.status[code]++;
	/* A partial completion is software's to finish, not a failure (run_op counts it). */
	if (!ok && code != DSA_COMP_PAGE_FAULT_NOBOF)
		dsa->st.failed++;
	if ((d->flags & IDXD_OP_FLAG_RCR) && (d->flags & IDXD_OP_FLAG_CRAV) && code != DSA_COMP_CRA_ALIGN) {
		uint8_t rec[32];
		int r;

		memcpy(rec, cr, sizeof(rec));
		for (unsigned attempt = 0;; attempt++) {
			x->faulted = false;
			r = dsa_dma_write(x, d->completion_addr + 1, rec + 1, 31);
			if (!r)
				r = dsa_dma_write(x, d->completion_addr, rec, 1);
			if (r != DSA_MEM_FAULT || !x->bof || attempt >= MAX_BOF_RETRIES)
				break;
			/* The faulting translation came before the page request (which starts afresh). */
			charge(dsa, hide_behind(x->cost, sva_now(dsa->sim) - x->known_at));
			x->cost = 0;
			if (dsa_page_request(x, x->fault_va, true) != SVA_PRG_SUCCESS)
				break;
		}
		/*
		 * The record's address is in the descriptor: the engine could
		 * translate it any time since it had the descriptor, so only
		 * translation time beyond that delays the write.
		 */
		charge(dsa, t->completion_write + hide_behind(x->cost, sva_now(dsa->sim) - x->known_at));
		x->cost = 0;
		if (r == 0) {
			dsa->st.cr_writes++;
			written = true;
		} else {
			/*
			 * r < 0: the translation leads outside RAM (say the
			 * submitter's own portal mapping).  A posted write there
			 * is lost, nothing the device must halt for: a user could
			 * stop the device for everyone.  Logged like a fault.
			 */
			dsa->st.cr_faults++;
			dsa_swerr(dsa, DSA_COMP_CRA_XLAT, (int)wq->id, d, d->completion_addr, true,
				  in_batch, batch_index, 0);
		}
	} else if (!ok) {
		/* Nobody asked for a record: the error goes to SWERR so it is not lost. */
		dsa_swerr(dsa, code, (int)wq->id, d, cr->fault_addr, cr->status & DSA_COMP_STATUS_WRITE,
			  in_batch, batch_index, code == DSA_COMP_INVALID_FLAGS ? cr->invalid_flags : 0);
	}
	if ((d->flags & IDXD_OP_FLAG_RCI) && code != DSA_COMP_INT_HANDLE_INVAL)
		dsa_raise_irq(dsa, d->int_handle);
	return written || !(d->flags & IDXD_OP_FLAG_RCR);
}

static bool exec_one(struct dsa_engine *eng, struct dsa_wq *wq, const struct dsa_hw_desc *d,
		     struct dsa_completion_record *cr, uint64_t seq, bool in_batch, unsigned batch_index,
		     sva_time_t known_at);

static void run_batch(struct dsa_engine *eng, struct dsa_wq *wq, struct dsa_xlat_ctx *x,
		      const struct dsa_hw_desc *d, struct dsa_completion_record *cr)
{
	struct sva_dsa *dsa = eng->dsa;
	const struct sva_timing *t = sva_machine_timing(dsa->m);
	unsigned max = 1u << (wq->max_batch_shift ? wq->max_batch_shift : dsa->cfg.max_batch_shift);
	unsigned n = d->desc_count, done = 0;
	bool failed = false;
	/*
	 * Ours: the engine streams the list in and starts each member's reads
	 * and translations as early as it can, so members count as known
	 * since the batch descriptor itself was - even before their own
	 * 64 bytes of the list arrived.  The list read itself pays its
	 * translations but no dev_read_lat.  Fitted with desc_fetch to
	 * LightDSA's one-engine batches (docs/calibration.md).
	 */
	sva_time_t t_batch = x->known_at;

	if (d->flags & IDXD_OP_FLAG_BOF) {
		cr->invalid_flags = IDXD_OP_FLAG_BOF;
		cr->status = DSA_COMP_INVALID_FLAGS;
		return;
	}
	if (n < 2 || n > max) {
		cr->status = DSA_COMP_DESC_CNT_ERANGE;
		return;
	}
	if (d->desc_list_addr & 63) {
		cr->status = DSA_COMP_DESCLIST_ALIGN;
		return;
	}
	dsa->st.batches++;
	for (unsigned i = 0; i < n; i++) {
		uint8_t raw[DESC_SIZE];
		struct dsa_hw_desc sub;
		struct dsa_completion_record scr;
		uint32_t dw0;
		int r;

		charge(dsa, t->desc_fetch);
		x->cost = 0;
		r = dsa_dma_read(x, d->desc_list_addr + 64ull * i, raw, DESC_SIZE);
		charge(dsa, x->cost);
		x->cost = 0;
		if (r) {
			cr->status = (uint8_t)(r == DSA_MEM_FAULT ? DSA_COMP_BATCH_PAGE_FAULT :
					       DSA_COMP_TRANSLATION_FAIL);
			cr->fault_addr = d->desc_list_addr + 64ull * i;
			break;
		}
		/* Every descriptor of a batch runs with the batch's PASID and privilege. */
		dw0 = (d->pasid & 0xfffff) | ((uint32_t)d->priv << 31);
		memcpy(raw, &dw0, 4);
		dsa_desc_load(&sub, raw);
		/* FENCE after a failure: the rest of the batch is abandoned (our reading). */
		if ((sub.flags & IDXD_OP_FLAG_FENCE) && failed)
			break;
		/* A member is no WQ entry: a record it lost shows in cr_faults and SWERR only. */
		(void)exec_one(eng, wq, &sub, &scr, eng->seq, true, i, t_batch);
		dsa->st.batch_descs++;
		done++;
		if ((scr.status & DSA_COMP_STATUS_MASK) != DSA_COMP_SUCCESS)
			failed = true;
	}
	if (!cr->status)
		cr->status = failed || done < n ? DSA_COMP_BATCH_FAIL : DSA_COMP_SUCCESS;
	cr->bytes_completed = done;	/* descriptors completed */
}

/* Run one descriptor to its end; false when its record was asked for and could not be written. */
static bool exec_one(struct dsa_engine *eng, struct dsa_wq *wq, const struct dsa_hw_desc *d,
		     struct dsa_completion_record *cr, uint64_t seq, bool in_batch, unsigned batch_index,
		     sva_time_t known_at)
{
	struct sva_dsa *dsa = eng->dsa;
	struct dsa_xlat_ctx x = {
		.dsa = dsa, .eng = eng, .pasid = d->pasid, .priv = d->priv, .known_at = known_at,
		.desc = ++dsa->descs_started,
		.bof = wq->bof && (d->flags & IDXD_OP_FLAG_BOF),
		.no_atc = wq->ats_disable,
	};
	sva_time_t t0 = sva_now(dsa->sim);
	bool reported;
	int st;

	memset(cr, 0, sizeof(*cr));
	st = common_check(dsa, wq, d, cr);
	/*
	 * A data operation pays its set-up on the data path with its bytes
	 * (run_op); anything else moves no data and only keeps its engine busy.
	 */
	if (st || d->opcode == DSA_OPCODE_NOOP || d->opcode == DSA_OPCODE_DRAIN ||
	    d->opcode == DSA_OPCODE_BATCH || !dsa_op_is_handled(d->opcode))
		charge(dsa, sva_machine_timing(dsa->m)->desc_overhead);
	if (st) {
		cr->status = (uint8_t)st;
	} else if (d->opcode == DSA_OPCODE_NOOP) {
		/*
		 * The operations library knows a no-op's flags and reserved
		 * fields.  BOF was checked above: it also governs the record
		 * write, so a no-op may carry it.
		 */
		struct dsa_op_env env = { .mem = &mem_ops, .ctx = &x };
		struct dsa_hw_desc nd = *d;

		nd.flags &= ~(uint32_t)IDXD_OP_FLAG_BOF;
		st = dsa_op_check(&nd, &env, cr);
		cr->status = st ? (uint8_t)st : DSA_COMP_SUCCESS;
	} else if (d->opcode == DSA_OPCODE_DRAIN) {
		/* Everything this WQ accepted before the drain must finish first. */
		if (!in_batch)
			while (dsa_pending(dsa, (int)wq->id, false, 0, seq - 1))
				sva_wait(dsa->sim, &dsa->idle_wq);
		cr->status = DSA_COMP_SUCCESS;
	} else if (d->opcode == DSA_OPCODE_BATCH) {
		if (in_batch)
			cr->status = DSA_COMP_BAD_OPCODE;	/* no batch inside a batch */
		else
			run_batch(eng, wq, &x, d, cr);
	} else if (dsa_op_is_handled(d->opcode)) {
		run_op(dsa, wq, &x, d, cr);
	} else {
		cr->status = DSA_COMP_BAD_OPCODE;
	}
	reported = complete(dsa, wq, &x, d, cr, in_batch, batch_index);
	dsa->st.completed++;
	if (d->opcode < 0x21) {
		unsigned code = cr->status & DSA_COMP_STATUS_MASK;

		dsa->st.op_count[d->opcode]++;
		if (code == DSA_COMP_PAGE_FAULT_NOBOF)
			dsa->st.op_partial[d->opcode]++;
		if (code == DSA_COMP_SUCCESS || code == DSA_COMP_SUCCESS_PRED) {
			dsa->st.op_ok[d->opcode]++;
			if (d->opcode != DSA_OPCODE_BATCH && d->opcode != DSA_OPCODE_DRAIN &&
			    d->opcode != DSA_OPCODE_NOOP)
				dsa->st.op_bytes[d->opcode] += d->xfer_size;
		}
	}
	if (sva_trace_enabled(dsa->sim))
		sva_trace_complete(dsa->sim, eng->track, "dsa", sva_dsa_op_name(d->opcode), t0,
				   sva_now(dsa->sim) - t0,
				   (struct sva_trace_arg[]){ SVA_TARG_U("wq", wq->id), SVA_TARG_U("pasid", d->pasid),
							     SVA_TARG_U("size", d->xfer_size),
							     SVA_TARG_X("status", cr->status) }, 4);
	return reported;
}

static void engine_main(void *arg)
{
	struct dsa_engine *eng = arg;
	struct sva_dsa *dsa = eng->dsa;
	const struct sva_timing *t = sva_machine_timing(dsa->m);

	for (;;) {
		struct dsa_completion_record cr;
		struct dsa_hw_desc d;
		struct wq_entry e;
		int g = engine_group(dsa, eng->id), wq;

		if (g < 0 || !dsa_wq_pop(dsa, (unsigned)g, &e, &wq)) {
			sva_wait(dsa->sim, &dsa->work_wq[0]);
			continue;
		}
		dsa_desc_load(&d, e.desc);
		eng->busy = true;
		eng->wq = wq;
		eng->seq = e.seq;
		eng->pasid = d.pasid;
		/*
		 * A descriptor reaches an engine desc_dispatch after the WQ
		 * accepted it; one that waited in the WQ longer than that was
		 * dispatched while the engine still worked on the one before.
		 */
		if (sva_now(dsa->sim) < e.accepted_at + t->desc_dispatch) {
			sva_sleep_until(dsa->sim, e.accepted_at + t->desc_dispatch);
			/*
			 * Halted, reset or the WQ disabled meanwhile: it had not
			 * started, so it goes like a descriptor still queued.
			 */
			if (dsa->gensts != SVA_DSA_ENABLED || !dsa->wq[wq].enabled) {
				dsa->st.aborted++;
				sva_counter_inc(dsa->wq[wq].c_aborted);
				eng->busy = false;
				sva_wake_all(dsa->sim, &dsa->idle_wq);
				continue;
			}
		}
		/* The WQ entry ends here: completed, or lost when its record could not be written. */
		if (exec_one(eng, &dsa->wq[wq], &d, &cr, e.seq, false, 0, e.accepted_at + t->desc_dispatch)) {
			dsa->st.top_completed++;
			sva_counter_inc(dsa->c_completed);
			sva_counter_inc(dsa->wq[wq].c_completed);
		} else {
			dsa->st.lost++;
			sva_counter_inc(dsa->wq[wq].c_lost);
		}
		sva_hist_record(dsa->h_latency, sva_now(dsa->sim) - e.accepted_at);
		eng->busy = false;
		sva_wake_all(dsa->sim, &dsa->idle_wq);
	}
}

int dsa_engines_start(struct sva_dsa *dsa)
{
	for (unsigned i = 0; i < dsa->cfg.nr_engines; i++) {
		struct dsa_engine *eng = &dsa->eng[i];
		char name[32];

		eng->dsa = dsa;
		eng->id = i;
		snprintf(name, sizeof(name), "engine%u", i);
		eng->track = sva_trace_track(dsa->sim, dsa->name, name);
		snprintf(name, sizeof(name), "%s-engine%u", dsa->name, i);
		eng->task = sva_task_spawn(dsa->sim, name, engine_main, eng,
					   &(struct sva_task_attr){ .detached = true, .daemon = true });
		if (!eng->task)
			return -ENOMEM;
	}
	return 0;
}

void dsa_engines_stop(struct sva_dsa *dsa)
{
	for (unsigned i = 0; i < DSA_MAX_ENGINES; i++)
		if (dsa->eng[i].task) {
			sva_task_kill(dsa->sim, dsa->eng[i].task);
			dsa->eng[i].task = NULL;
		}
}
