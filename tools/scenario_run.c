// SPDX-License-Identifier: MIT
/*
 * Running a scenario: every thread of every process interprets its list of
 * steps through the guest API, exactly as a user program would: it maps
 * memory, opens /dev/dsa/wqD.Q, builds descriptors in its own memory,
 * submits them with ENQCMD (or MOVDIR64B on a dedicated WQ) and polls the
 * completion records, touching a faulted page and resubmitting the rest
 * after a partial completion.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/idxd.h>

#include <sva/dsa.h>
#include <sva/guest.h>
#include <sva/system.h>

#include "os/check.h"
#include "os/idxd.h"
#include "os/iommu_drv.h"
#include "os/kernel.h"
#include "os/mm.h"
#include "os/proc.h"
#include "scenario.h"
#include "scenario_run_internal.h"
#include "system_internal.h"


/* Host memory for the run's own state; without it the run cannot go on (sva_out_of_memory). */
static void *run_alloc(struct run *run, size_t size)
{
	void *p;

	if (run->nowned == run->capowned) {
		unsigned n = run->capowned ? run->capowned * 2 : 32;
		void **no = realloc(run->owned, n * sizeof(*no));

		if (!no)
			sva_out_of_memory("the scenario runner's state");
		run->owned = no;
		run->capowned = n;
	}
	p = calloc(1, size);
	if (!p)
		sva_out_of_memory("the scenario runner's state");
	run->owned[run->nowned++] = p;
	return p;
}

/* ---- bookkeeping ------------------------------------------------------------------ */

static unsigned new_record(struct run *run, const char *name, int parent)
{
	struct run_result *r = run->res;

	if (r->nrecs == r->caprecs) {
		unsigned n = r->caprecs ? r->caprecs * 2 : 16;
		struct proc_record *nr = realloc(r->recs, n * sizeof(*nr));

		if (!nr)
			sva_out_of_memory("the scenario runner's process records");
		r->recs = nr;
		r->caprecs = n;
	}
	memset(&r->recs[r->nrecs], 0, sizeof(r->recs[0]));
	snprintf(r->recs[r->nrecs].name, sizeof(r->recs[0].name), "%s", name);
	r->recs[r->nrecs].parent = parent;
	return r->nrecs++;
}

/*
 * The process's record.  The array grows (realloc) when any process forks,
 * which can happen whenever this thread sleeps: never keep the pointer
 * across a call that may block.
 */
struct proc_record *rec_of(struct pstate *ps)
{
	return &ps->run->res->recs[ps->rec];
}

void step_error(struct pstate *ps, const struct step *st, const char *fmt, ...)
{
	struct run_result *r = ps->run->res;
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!r->errors++)
		snprintf(r->first_error, sizeof(r->first_error), "%s (%s): %s", st->path, ps->sp->name, msg);
	sva_journal(sva_system_sim(ps->run->sys), ps->sp->name, "step %s failed: %s", st->path, msg);
}

struct pvar *scn_var(struct pstate *ps, const struct step *st, const char *name, bool want_wq)
{
	for (unsigned i = 0; i < ps->nvars; i++)
		if (!strcmp(ps->vars[i].name, name)) {
			if (ps->vars[i].is_wq != want_wq) {
				step_error(ps, st, "\"%s\" is a %s, not a %s", name,
					   want_wq ? "buffer" : "work queue", want_wq ? "work queue" : "buffer");
				return NULL;
			}
			return &ps->vars[i];
		}
	step_error(ps, st, "no %s named \"%s\" (define it with %s first)", want_wq ? "work queue" : "buffer",
		   name, want_wq ? "open" : "mmap");
	return NULL;
}

static struct pvar *new_var(struct pstate *ps, const struct step *st, const char *name)
{
	struct pvar *v = NULL;

	for (unsigned i = 0; i < ps->nvars; i++) {
		if (!strcmp(ps->vars[i].name, name))
			return &ps->vars[i];	/* redefinition replaces */
		if (!v && !ps->vars[i].name[0])
			v = &ps->vars[i];	/* forgotten by close: free again */
	}
	if (!v) {
		if (ps->nvars == MAX_VARS) {
			step_error(ps, st, "more than %d names in one process", MAX_VARS);
			return NULL;
		}
		v = &ps->vars[ps->nvars++];
	}
	memset(v, 0, sizeof(*v));
	snprintf(v->name, SCN_NAME, "%s", name);
	return v;
}

static bool range_ok(struct pstate *ps, const struct step *st, const struct pvar *v,
		     uint64_t off, uint64_t *size)
{
	if (!*size)
		*size = v->size > off ? v->size - off : 0;
	if (off >= v->size || *size > v->size - off) {
		step_error(ps, st, "[%llu, +%llu) is outside \"%s\" (%llu bytes)", (unsigned long long)off,
			   (unsigned long long)*size, v->name, (unsigned long long)v->size);
		return false;
	}
	return true;
}

/* Deterministic contents: a byte per address of the buffer. */
static uint8_t data_byte(uint64_t va)
{
	return (uint8_t)((va >> 3) * 0x9E3779B1u >> 11);
}

/* ---- memory steps ------------------------------------------------------------------ */

static void do_touch(struct pstate *ps, const struct step *st, struct pvar *v)
{
	uint64_t size = st->size, off = st->offset;
	uint8_t page[4096];

	if (!range_ok(ps, st, v, off, &size))
		return;
	for (uint64_t a = v->addr + off; a < v->addr + off + size; ) {
		uint64_t n = 4096 - (a & 4095);

		if (n > v->addr + off + size - a)
			n = v->addr + off + size - a;
		if (st->write) {
			for (uint64_t i = 0; i < n; i++)
				page[i] = data_byte(a + i);
			if (sva_store(a, page, n))
				return;
		} else if (sva_load(a, page, n)) {
			return;
		}
		a += n;
	}
}

/* ---- submission ---------------------------------------------------------------------- */

struct unit {
	bool busy;
	unsigned slot;			/* descriptor / record slot */
	uint64_t desc, cr;
	uint64_t src, dst;		/* of a single descriptor, for verify and resubmission */
	uint32_t size;
	bool batch;
	unsigned nsub;
	/* For verify: the descriptor's index in the step, its buffers, and how many
	 * descriptors either side of it may have been in flight with it. */
	uint64_t idx, window;
	const struct pvar *sbuf, *dbuf;
};

static void fill_desc(struct dsa_hw_desc *d, const struct step *st, uint64_t src, uint64_t dst,
		      uint64_t cr, bool want_cr)
{
	memset(d, 0, sizeof(*d));
	d->flags = (st->bof ? IDXD_OP_FLAG_BOF : 0) |
		   (want_cr ? IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR : 0);
	d->completion_addr = want_cr ? cr : 0;
	d->xfer_size = (uint32_t)st->size;
	switch (st->op) {
	case OP_MEMMOVE:
		d->opcode = DSA_OPCODE_MEMMOVE;
		d->src_addr = src;
		d->dst_addr = dst;
		break;
	case OP_FILL:
		d->opcode = DSA_OPCODE_MEMFILL;
		d->pattern = st->pattern;
		d->dst_addr = dst;
		break;
	case OP_COMPARE:
		d->opcode = DSA_OPCODE_COMPARE;
		d->src_addr = src;
		d->src2_addr = dst;
		break;
	case OP_CRC:
		d->opcode = DSA_OPCODE_CRCGEN;
		d->src_addr = src;
		break;
	case OP_NOOP:
		d->opcode = DSA_OPCODE_NOOP;
		d->xfer_size = 0;
		break;
	case OP_CFLUSH:
		d->opcode = DSA_OPCODE_CFLUSH;
		d->dst_addr = dst;
		break;
	}
}

#define MAX_RETRIES 100000

/*
 * ENQCMD until accepted (ZF clear), or MOVDIR64B on a dedicated WQ.  The
 * kernel counts the retries; the timeline gets the first one of each
 * thread's step, not one line per refusal.
 */
int scn_push(struct tstate *ts, const struct step *st, const struct pvar *wq, uint64_t desc,
	     enum scn_path path, bool once, int *err)
{
	struct pstate *ps = ts->ps;
	unsigned tries = 0;
	int64_t w;
	int r;

	if (path == PATH_DEFAULT)
		path = wq->dedicated ? PATH_MOVDIR64B : PATH_ENQCMD;
	if (path == PATH_MOVDIR64B)
		return sva_movdir64b(wq->portal, desc);
	if (path == PATH_WRITE) {
		w = sva_write(wq->fd, desc, 64);
		if (w == 64)
			return 0;
		*err = w < 0 ? (int)-w : EIO;
		return 1;
	}
	while ((r = sva_enqcmd(wq->portal, desc)) == 1) {
		if (once)
			return 1;
		if (ts->retry_noted != st) {
			ts->retry_noted = st;
			sva_journal(ps->run->k->sim, sva_thread_current(ps->run->k)->name,
				    "ENQCMD to %s answered retry (ZF set): not queued; backs off and tries again "
				    "(first retry of this step)", wq->wq);
		}
		if (++tries == MAX_RETRIES) {
			step_error(ps, st, "ENQCMD still refused after %u tries", MAX_RETRIES);
			return -EAGAIN;
		}
		sva_spin(200);		/* back off, then try again */
	}
	return r;
}

static int push(struct tstate *ts, const struct step *st, const struct pvar *wq, uint64_t desc)
{
	return scn_push(ts, st, wq, desc, PATH_DEFAULT, false, NULL);
}

/* Where descriptor @i of a step reads or writes in @b: the walk of docs/scenarios.md. */
static uint64_t walk(const struct pvar *b, const struct step *st, uint64_t i)
{
	return b ? b->addr + (i * st->size) % (b->size - st->size + 1) : 0;
}

/*
 * What descriptor @k of the step leaves in bytes [a, a+n) of its destination
 * (which it covers): the pattern, or its source (a different buffer, or the
 * same place of the same one, so not changed by the step).
 */
static bool expected(const struct step *st, const struct unit *u, uint64_t k, uint64_t a, uint64_t n,
		     uint8_t *out)
{
	uint64_t d = walk(u->dbuf, st, k);

	if (st->op == OP_FILL) {
		for (uint64_t i = 0; i < n; i++)
			out[i] = (uint8_t)(st->pattern >> (8 * ((a - d + i) % 8)));
		return true;
	}
	return !sva_load(walk(u->sbuf, st, k) + (a - d), out, n);
}

/*
 * After a wrap, descriptors in flight with this one may write the same
 * bytes, in either order: each byte must hold what this descriptor or one
 * of those writes there, nothing else.
 */
static bool verify_unit(const struct step *st, const struct unit *u)
{
	uint64_t first = u->idx > u->window ? u->idx - u->window : 0;
	uint64_t end = u->idx + u->window + 1 < st->count ? u->idx + u->window + 1 : st->count;
	uint8_t have[4096], want[4096], alt[4096];
	bool bad[4096];

	for (uint64_t off = 0; off < u->size; off += sizeof(have)) {
		uint64_t n = u->size - off < sizeof(have) ? u->size - off : sizeof(have);
		uint64_t a = u->dst + off, nbad = 0;

		if (sva_load(a, have, n))
			return false;
		if (!expected(st, u, u->idx, a, n, want))
			return false;
		for (uint64_t i = 0; i < n; i++)
			nbad += bad[i] = have[i] != want[i];
		for (uint64_t k = first; nbad && k < end; k++) {
			uint64_t d = walk(u->dbuf, st, k);
			uint64_t lo = d > a ? d : a, hi = d + st->size < a + n ? d + st->size : a + n;

			if (k == u->idx || lo >= hi || !expected(st, u, k, lo, hi - lo, alt))
				continue;
			for (uint64_t x = lo; x < hi; x++)
				if (bad[x - a] && have[x - a] == alt[x - lo]) {
					bad[x - a] = false;
					nbad--;
				}
		}
		if (nbad)
			return false;
	}
	return true;
}

int scn_wait_record(struct tstate *ts, const struct step *st, uint64_t cr, uint8_t *status)
{
	struct pstate *ps = ts->ps;
	sva_time_t limit = ps->run->s->poll_limit ? ps->run->s->poll_limit : POLL_LIMIT;
	uint64_t since = sva_rdtsc();
	sva_time_t waited = 0;

	for (;;) {
		/* UMWAIT: arm first, then look, so a record landing in between is not missed. */
		if (st->umwait && sva_umonitor(cr))
			return -EFAULT;
		if (sva_load(cr, status, 1))
			return -EFAULT;
		if (*status)
			return 0;
		if (waited >= limit) {
			step_error(ps, st, "no completion record after %llu ns", (unsigned long long)waited);
			return -ETIME;
		}
		if (st->umwait) {
			if (sva_umwait(0, since + limit) < 0)
				return -EFAULT;
			waited = sva_rdtsc() - since;
		} else {
			sva_spin(POLL_NS);
			waited += POLL_NS;
		}
	}
}

/* Wait for a unit's record; resubmit the rest of a partial memmove. */
static void complete_unit(struct tstate *ts, const struct step *st, const struct pvar *wq, struct unit *u)
{
	struct pstate *ps = ts->ps;
	struct run_result *res = ps->run->res;

	for (int round = 0; round < 1024; round++) {
		struct dsa_completion_record cr;
		uint8_t status = 0;

		if (scn_wait_record(ts, st, u->cr, &status))
			return;
		if (sva_load(u->cr, &cr, sizeof(cr)))
			return;
		res->descs_completed += u->batch ? u->nsub : 1;
		switch (status & DSA_COMP_STATUS_MASK) {
		case DSA_COMP_SUCCESS:
		case DSA_COMP_SUCCESS_PRED:
			if (st->verify && !u->batch && (st->op == OP_MEMMOVE || st->op == OP_FILL) &&
			    !verify_unit(st, u)) {
				rec_of(ps)->verify_fail++;
				res->verify_fail++;
				step_error(ps, st, "destination bytes differ from the expected result");
			}
			u->busy = false;
			return;
		case DSA_COMP_PAGE_FAULT_NOBOF:
			rec_of(ps)->partials++;
			res->partials++;
			if (!st->resubmit || st->op != OP_MEMMOVE || u->batch || cr.result) {
				u->busy = false;
				return;
			}
			/* As software does: touch the page, then resubmit what is left. */
			{
				uint64_t pg = cr.fault_addr & ~4095ull, v = 0;
				struct dsa_hw_desc d;

				if (status & DSA_COMP_STATUS_WRITE) {
					if (sva_load(pg, &v, sizeof(v)) || sva_store(pg, &v, sizeof(v)))
						return;
				} else if (sva_load(pg, &v, sizeof(v))) {
					return;
				}
				u->src += cr.bytes_completed;
				u->dst += cr.bytes_completed;
				u->size -= cr.bytes_completed;
				fill_desc(&d, st, u->src, u->dst, u->cr, true);
				d.xfer_size = u->size;
				sva_store64(u->cr, 0);
				if (sva_store(u->desc, &d, sizeof(d)))
					return;
				rec_of(ps)->resubmits++;
				res->resubmits++;
				res->descs_submitted++;
				if (push(ts, st, wq, u->desc) < 0)
					return;
			}
			continue;
		default:
			step_error(ps, st, "descriptor completed with status 0x%02x (%s)", status,
				   sva_dsa_status_name(status));
			u->busy = false;
			return;
		}
	}
	step_error(ps, st, "too many resubmissions");
}

uint64_t scn_area(struct tstate *ts, const struct step *st)
{
	if (!ts->area) {
		int64_t a = sva_mmap(0, AREA_SIZE, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE, -1, 0);

		if (a < 0) {
			step_error(ts->ps, st, "cannot map the descriptor area: %s", strerror((int)-a));
			return 0;
		}
		ts->area = (uint64_t)a;
	}
	return ts->area;
}

static void do_submit(struct tstate *ts, const struct step *st)
{
	struct pstate *ps = ts->ps;
	struct pvar *wq = scn_var(ps, st, st->a, true);
	struct pvar *src = NULL, *dst = NULL;
	unsigned per = st->batch ? st->batch : 1, max_units;
	struct unit units[MAX_INFLIGHT];
	uint64_t n = st->count, done = 0;
	unsigned next = 0;

	if (!wq)
		return;
	if (st->run[0] && !(src = scn_var(ps, st, st->run, false)))
		return;
	if (st->b[0] && !(dst = scn_var(ps, st, st->b, false)))
		return;
	if ((src && st->size > src->size) || (dst && st->size > dst->size)) {
		step_error(ps, st, "size %llu is larger than the buffer", (unsigned long long)st->size);
		return;
	}
	if (!scn_area(ts, st))
		return;
	max_units = st->batch ? MAX_BATCH_INFLIGHT : MAX_INFLIGHT;
	if (wq->dedicated && max_units > wq->wq_size)
		max_units = wq->wq_size;	/* posted writes: never more than the WQ holds */
	memset(units, 0, sizeof(units));
	while (done < n) {
		struct unit *u = &units[next];
		struct dsa_hw_desc d;
		unsigned k = (unsigned)(n - done < per ? n - done : per);
		uint64_t idx = done;

		if (u->busy)
			complete_unit(ts, st, wq, u);
		if (u->busy)
			return;		/* an error stopped it */
		u->slot = next;
		u->desc = ts->area + 64ull * next;
		u->cr = ts->area + CR_OFF + 32ull * next;
		u->batch = st->batch && k > 1;
		u->nsub = k;
		if (u->batch) {
			uint64_t list = ts->area + LIST_OFF + (uint64_t)LIST_SLOT * next;

			for (unsigned j = 0; j < k; j++) {
				uint64_t i = idx + j;

				fill_desc(&d, st, walk(src, st, i), walk(dst, st, i), 0, false);
				if (sva_store(list + 64ull * j, &d, sizeof(d)))
					return;
			}
			memset(&d, 0, sizeof(d));
			d.opcode = DSA_OPCODE_BATCH;
			d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
			d.desc_list_addr = list;
			d.desc_count = k;
			d.completion_addr = u->cr;
		} else {
			u->src = walk(src, st, idx);
			u->dst = walk(dst, st, idx);
			u->idx = idx;
			u->window = (uint64_t)max_units * per;
			u->sbuf = src;
			u->dbuf = dst;
			u->size = (uint32_t)st->size;
			fill_desc(&d, st, u->src, u->dst, u->cr, true);
		}
		sva_store64(u->cr, 0);
		if (sva_store(u->desc, &d, sizeof(d)))
			return;
		if (push(ts, st, wq, u->desc) < 0)
			return;
		u->busy = true;
		rec_of(ps)->descs += k;
		ps->run->res->descs_submitted += k;
		if (st->op == OP_MEMMOVE || st->op == OP_FILL || st->op == OP_CRC || st->op == OP_COMPARE)
			ps->run->res->bytes += (uint64_t)k * st->size;
		done += k;
		next = (next + 1) % max_units;
	}
	if (st->nowait)
		return;
	for (unsigned i = 0; i < max_units; i++)
		if (units[(next + i) % max_units].busy)
			complete_unit(ts, st, wq, &units[(next + i) % max_units]);
}

/* ---- threads and processes ------------------------------------------------------------ */

static void run_list(struct tstate *ts);

static void thread_entry(void *arg)
{
	struct tstate *ts = arg;

	run_list(ts);
	sva_thread_exit_self(0);
}

static const struct steplist *find_list(const struct scn_proc *sp, const char *name)
{
	for (unsigned i = 0; i < sp->nlists; i++)
		if (!strcmp(sp->lists[i].name, name))
			return &sp->lists[i];
	return NULL;
}

static void remember_tid(struct pstate *ps, int tid)
{
	if (ps->ntids == ps->captids) {
		unsigned n = ps->captids ? 2 * ps->captids : 16;
		int *nt = run_alloc(ps->run, n * sizeof(*nt));	/* the old array stays owned */

		if (ps->ntids)
			memcpy(nt, ps->tids, ps->ntids * sizeof(*nt));
		ps->tids = nt;
		ps->captids = n;
	}
	ps->tids[ps->ntids++] = tid;
}

/*
 * Every thread this process started has finished: join them, newest first,
 * asleep on each one's end - so the step ends the instant the last one
 * does.  The caller (a thread may join too) does not wait for itself, and
 * a thread another joiner took first (-ESRCH) has ended as well.
 */
static void join_threads(struct pstate *ps)
{
	int me = sva_gettid();

	for (;;) {
		int tid = 0;

		for (unsigned i = ps->ntids; i-- > 0 && !tid;)
			if (ps->tids[i] != me)
				tid = ps->tids[i];
		if (!tid)
			return;
		(void)sva_thread_join(tid);
		/* Others may have joined meanwhile: drop this tid wherever it is now. */
		for (unsigned i = ps->ntids; i-- > 0;)
			if (ps->tids[i] == tid) {
				memmove(&ps->tids[i], &ps->tids[i + 1], (ps->ntids - i - 1) * sizeof(int));
				ps->ntids--;
				break;
			}
	}
}

static void note_pasid(struct pstate *ps, const char *how)
{
	struct sva_thread *t = sva_thread_current(ps->run->k);
	struct proc_record *rec = rec_of(ps);

	if (!rec->pasid && t->proc->mm->pasid != SVA_PASID_INVALID) {
		rec->pasid = t->proc->mm->pasid;
		rec->pasid_at = sva_now(ps->run->k->sim);
		snprintf(rec->pasid_how, sizeof(rec->pasid_how), "%s", how);
	}
}

static void child_entry(void *arg);

static void run_step(struct tstate *ts, const struct step *st)
{
	struct pstate *ps = ts->ps;
	struct pvar *v;
	int r;

	switch (st->kind) {
	case ST_OPEN: {
		char path[64];
		struct sva_file *f;
		struct sva_idxd_ctx *ctx;
		int fd;
		int64_t portal;

		snprintf(path, sizeof(path), "/dev/dsa/%s", st->b);
		fd = sva_open(path, SVA_O_RDWR);
		if (fd < 0) {
			step_error(ps, st, "open %s: %s", path, strerror(-fd));
			return;
		}
		portal = sva_mmap(0, 4096, SVA_PROT_WRITE, SVA_MAP_SHARED, fd, 0);
		if (portal < 0) {
			step_error(ps, st, "mmap of the portal: %s", strerror((int)-portal));
			return;
		}
		if (!(v = new_var(ps, st, st->a)))
			return;
		v->is_wq = true;
		v->fd = fd;
		v->portal = (uint64_t)portal;
		/* What sysfs would say about the WQ: its mode and size. */
		f = sva_fd_get(sva_thread_current(ps->run->k)->proc, fd);
		ctx = (struct sva_idxd_ctx *)f;
		v->dedicated = ctx->wq->dedicated;
		v->wq_size = ctx->wq->size;
		snprintf(v->wq, sizeof(v->wq), "%s", st->b);
		{
			char how[48];

			snprintf(how, sizeof(how), "bind on open of %s", st->b);
			note_pasid(ps, how);
		}
		return;
	}
	case ST_CLOSE:
		if ((v = scn_var(ps, st, st->a, true))) {
			sva_munmap(v->portal, 4096);
			sva_close(v->fd);
			v->name[0] = '\0';
		}
		return;
	case ST_MMAP: {
		int64_t a = sva_mmap(0, st->size, (int)st->prot,
				     st->shared ? SVA_MAP_SHARED : SVA_MAP_PRIVATE, -1, 0);

		if (a < 0) {
			step_error(ps, st, "mmap: %s", strerror((int)-a));
			return;
		}
		if ((v = new_var(ps, st, st->a))) {
			v->is_wq = false;
			v->addr = (uint64_t)a;
			v->size = st->size;
		}
		return;
	}
	case ST_MUNMAP:
	case ST_MPROTECT: {
		uint64_t size = st->size;

		if (!(v = scn_var(ps, st, st->a, false)) || !range_ok(ps, st, v, st->offset, &size))
			return;
		r = st->kind == ST_MUNMAP ? sva_munmap(v->addr + st->offset, size)
					  : sva_mprotect(v->addr + st->offset, size, (int)st->prot);
		if (r)
			step_error(ps, st, "%s: %s", st->kind == ST_MUNMAP ? "munmap" : "mprotect", strerror(-r));
		return;
	}
	case ST_TOUCH:
		if ((v = scn_var(ps, st, st->a, false)))
			do_touch(ps, st, v);
		return;
	case ST_SUBMIT:
		do_submit(ts, st);
		return;
	case ST_DESC:
	case ST_RAW:
		scn_run_desc(ts, st);
		return;
	case ST_THREAD: {
		const struct steplist *l = find_list(ps->sp, st->run);

		for (uint64_t i = 0; i < st->count; i++) {
			struct tstate *nt = run_alloc(ps->run, sizeof(*nt));

			nt->ps = ps;
			nt->list = l;
			rec_of(ps)->threads++;
			r = sva_thread_create(thread_entry, nt, st->run);
			/* The model has no limit on threads: only the host's memory can refuse one. */
			if (r == -ENOMEM)
				sva_out_of_memory("a new thread's task and stack");
			if (r < 0)
				step_error(ps, st, "cannot create a thread: %s", strerror(-r));
			else
				remember_tid(ps, r);
		}
		return;
	}
	case ST_JOIN:
		join_threads(ps);
		return;
	case ST_FORK: {
		struct pstate *cps = run_alloc(ps->run, sizeof(*cps));
		struct tstate *cts = run_alloc(ps->run, sizeof(*cts));
		int pid;

		*cps = *ps;	/* the child sees the same addresses */
		cps->tids = NULL;	/* but none of the threads */
		cps->ntids = cps->captids = 0;
		cps->rec = new_record(ps->run, st->run, rec_of(ps)->pid);
		cts->ps = cps;
		cts->list = find_list(ps->sp, st->run);
		pid = sva_fork(child_entry, cts);
		if (pid < 0) {
			step_error(ps, st, "fork: %s", strerror(-pid));
			return;
		}
		ps->run->res->recs[cps->rec].pid = pid;
		ps->last_child = pid;
		return;
	}
	case ST_WAITPID: {
		int status = 0;
		struct proc_record *crec = NULL;

		if (!ps->last_child) {
			step_error(ps, st, "no child to wait for");
			return;
		}
		r = sva_waitpid(ps->last_child, &status);
		if (r < 0) {
			/* Another thread reaped it first: ECHILD, as Linux tells the loser. */
			step_error(ps, st, "waitpid: %s", strerror(-r));
			ps->last_child = 0;
			return;
		}
		for (unsigned i = 0; i < ps->run->res->nrecs; i++)
			if (ps->run->res->recs[i].pid == ps->last_child)
				crec = &ps->run->res->recs[i];
		if (crec && r > 0) {
			crec->exited = true;
			crec->signal = status > 128 ? status - 128 : 0;
			crec->code = status > 128 ? 0 : status;
		}
		ps->last_child = 0;
		return;
	}
	case ST_SLEEP:
		sva_nanosleep(st->ns);
		return;
	case ST_MIGRATE:
	case ST_RECLAIM: {
		struct sva_mm *mm = sva_thread_current(ps->run->k)->proc->mm;
		uint64_t size = 1;

		if (!(v = scn_var(ps, st, st->a, false)) || !range_ok(ps, st, v, st->offset, &size))
			return;
		/* The kernel takes the page away (as migration or kswapd would). */
		r = st->kind == ST_MIGRATE ? sva_mm_migrate_page(mm, v->addr + st->offset)
					   : sva_mm_reclaim_page(mm, v->addr + st->offset);
		if (r)
			step_error(ps, st, "%s: %s", st->kind == ST_MIGRATE ? "migrate" : "reclaim",
				   strerror(-r));
		return;
	}
	case ST_EXIT:
		sva_exit(st->code);
	case ST_ENQCMD: {
		uint8_t d[64] = { 0 };
		uint64_t buf;

		if (!(v = scn_var(ps, st, st->a, true)))
			return;
		if (!(buf = scn_area(ts, st)))
			return;
		d[7] = DSA_OPCODE_NOOP;
		sva_store(buf, d, sizeof(d));
		(void)sva_enqcmd(v->portal, buf);	/* a child without PASID dies here */
		return;
	}
	}
}

static void run_list(struct tstate *ts)
{
	for (unsigned i = 0; i < ts->list->n; i++)
		run_step(ts, &ts->list->steps[i]);
}

static void child_entry(void *arg)
{
	struct tstate *ts = arg;
	struct pstate *ps = ts->ps;
	struct sva_thread *t = sva_thread_current(ps->run->k);

	/*
	 * fork copies the parent's name; the child names itself after its
	 * step list, as a program would with prctl(PR_SET_NAME), so its
	 * timeline lines and its row in the report say the same.
	 */
	snprintf(t->name, sizeof(t->name), "%s", rec_of(ps)->name);
	snprintf(t->proc->name, sizeof(t->proc->name), "%s", rec_of(ps)->name);
	rec_of(ps)->threads = 1;
	run_list(ts);
}

static void proc_main(void *arg)
{
	struct pstate *ps = arg;
	struct tstate ts = { .ps = ps, .list = &ps->sp->main };

	rec_of(ps)->threads = 1;
	if (ps->sp->start)
		sva_nanosleep(ps->sp->start);
	run_list(&ts);
	join_threads(ps);	/* a process ends with its last thread */
}

/* The fault plan's device reset, from a kernel task at its time. */
static void reset_fault(void *arg)
{
	struct run *run = arg;

	sva_sleep_until(run->k->sim, run->s->reset_at);
	(void)sva_idxd_reset(run->k->idxds);
}

/* ... and its fatal device error: the driver notices and recovers by itself. */
static void halt_fault(void *arg)
{
	struct run *run = arg;

	sva_sleep_until(run->k->sim, run->s->halt_at);
	sva_dsa_inject_halt(run->k->idxds->dsa);
}

/* What the kernel knows about a process: its counters (of every thread) and how it ended. */
static void record_from_proc(struct proc_record *rec, const struct sva_proc *p)
{
	struct sva_thread_stats st;

	sva_proc_stats(p, &st);
	rec->gp_fixups = st.gp_fixups;
	rec->enq_accepted = st.enq_accepted;
	rec->enq_retry = st.enq_retry;
	rec->movdir64b = st.movdir64b;
	rec->umwait = st.umwait;
	rec->page_faults = st.page_faults;
	rec->exited = p->state == SVA_PROC_ZOMBIE;
	rec->code = p->exit.code;
	rec->signal = p->exit.signal;
	snprintf(rec->reason, sizeof(rec->reason), "%s", p->exit.reason);
}

/* A waitpid frees the child: take its record first, or its work would vanish from the sums. */
static void note_reaped(void *ctx, const struct sva_proc *p)
{
	struct run_result *res = ((struct run *)ctx)->res;

	/* pids wrap at pid_max: the newest record with this pid is the one being reaped. */
	for (unsigned i = res->nrecs; i-- > 0;)
		if (res->recs[i].pid == p->pid) {
			record_from_proc(&res->recs[i], p);
			return;
		}
}

/*
 * Where the next slice of the run ends: @slice from now, or - when nothing
 * happens before then - at the next event, so an idle stretch costs one
 * slice however long it is (but never jumps far past the time limit).
 */
static sva_time_t slice_end(const struct sva_sim *sim, sva_time_t slice, sva_time_t limit)
{
	sva_time_t end = sva_now(sim) + slice, next = sva_sim_next_event(sim);

	if (next == SVA_TIME_NEVER || next <= end)
		return end;
	if (next <= limit)
		return next;
	return limit + 1 > end ? limit + 1 : end;
}

int scenario_run(const struct scenario *s, struct sva_system *sys, const struct run_opts *o,
		 struct run_result *res)
{
	struct run run = { .s = s, .sys = sys, .k = sva_system_kernel(sys), .res = res };
	struct pstate *ps = calloc(s->nprocs, sizeof(*ps));
	struct sva_sim *sim = sva_system_sim(sys);
	sva_time_t slice = 100 * SVA_USEC, limit = s->time_limit ? s->time_limit : 10 * SVA_SEC;
	int r = 0;

	if (!ps)
		sva_out_of_memory("the scenario runner's state");
	memset(res, 0, sizeof(*res));
	run.k->on_reap = note_reaped;
	run.k->on_reap_ctx = &run;
	if (run.k->iommu)
		run.k->iommu->inject_resp_failure = s->iopf_failures;
	for (struct sva_idxd *d = run.k->idxds; d; d = d->next)
		sva_dsa_inject_irq_faults(d->dsa, s->irq_lost_every, s->irq_spurious_every);
	if (s->reset_at && run.k->idxds &&
	    !sva_task_spawn(sim, "reset-fault", reset_fault, &run, &(struct sva_task_attr){ .detached = true }))
		sva_out_of_memory("the fault plan's task");
	if (s->halt_at && run.k->idxds &&
	    !sva_task_spawn(sim, "halt-fault", halt_fault, &run, &(struct sva_task_attr){ .detached = true }))
		sva_out_of_memory("the fault plan's task");
	for (unsigned i = 0; i < s->nprocs; i++) {
		ps[i] = (struct pstate){ .run = &run, .sp = &s->procs[i] };
		ps[i].rec = new_record(&run, s->procs[i].name, 0);
		res->recs[ps[i].rec].pid = sva_system_spawn(sys, s->procs[i].name, proc_main, &ps[i]);
		if (res->recs[ps[i].rec].pid == -ENOMEM)
			sva_out_of_memory("a scenario process");
		if (res->recs[ps[i].rec].pid < 0) {
			r = res->recs[ps[i].rec].pid;
			goto out;
		}
	}
	/*
	 * In slices, so a long run can show progress; an idle stretch (every
	 * thread asleep) is one slice, whatever its length.
	 */
	for (;;) {
		r = sva_sim_run_until(sim, slice_end(sim, slice, limit));
		if (!r && sva_sim_idle(sim) && sva_sim_nr_blocked(sim) > 0) {
			r = -EDEADLK;	/* blocked tasks and nothing left that could wake them */
			break;
		}
		if (sva_sim_nr_blocked(sim) == 0) {
			bool live = false;

			/* Every process is one of the scenario's (or forked by one). */
			for (struct sva_proc *p = run.k->procs; p && !live; p = p->next)
				live = p->state == SVA_PROC_ALIVE;
			if (!live)
				break;
		}
		if (sva_now(sim) > limit) {
			r = -ETIME;
			break;
		}
		if (o->progress)
			fprintf(stderr, "\rsva run: %llu us of virtual time, %llu descriptors completed",
				(unsigned long long)(sva_now(sim) / 1000),
				(unsigned long long)res->descs_completed);
		if (r)
			break;
	}
	if (o->progress)
		fprintf(stderr, "\n");
	if (r == -ETIME) {
		res->sim_status = r;
		goto out;
	}
	r = sva_sim_run(sim);	/* let the devices go quiet */
	res->sim_status = r;
	if (!r)
		sva_check_quiescent(run.k);	/* nothing lost */
	/* Collect what the kernel knows about the processes not reaped (note_reaped had the others). */
	for (unsigned i = 0; i < res->nrecs; i++) {
		struct sva_proc *p = sva_proc_find(run.k, res->recs[i].pid);

		if (p)
			record_from_proc(&res->recs[i], p);
	}
out:
	run.k->on_reap = NULL;	/* @run lives on this stack */
	for (unsigned i = 0; i < run.nowned; i++)
		free(run.owned[i]);
	free(run.owned);
	free(ps);
	return r;
}

void run_result_free(struct run_result *r)
{
	free(r->recs);
	memset(r, 0, sizeof(*r));
}
