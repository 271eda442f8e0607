// SPDX-License-Identifier: MIT
/*
 * sva bench: the suites.  Each point builds a system (accel-config text
 * made here), loads the timing table, spawns guest programs that open a
 * WQ, map its portal, build memmove descriptors in their own memory,
 * submit them (ENQCMD to a shared WQ, MOVDIR64B to a dedicated one, or a
 * batch descriptor) and poll the completion records, checking sampled
 * destination bytes each time.  Time is the virtual clock; a guest reads
 * it around its measured loop.  The CPU baseline is a guest copying with
 * loads and stores, charged by the same table.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/idxd.h>

#include <sva/dsa.h>
#include <sva/guest.h>
#include <sva/machine.h>
#include <sva/sim.h>
#include <sva/system.h>

#include "bench.h"

#define PAGE 4096ull
#define POLL_NS 20		/* UMWAIT-like polling granularity */
#define SAMPLES 4		/* destination bytes checked per completion */
/*
 * Source bytes per worker, at most: sources and destinations then fit the
 * IOMMU's IOTLB (512 entries) with room to spare, as a benchmark reusing
 * its buffers would; large transfers therefore run with fewer outstanding.
 */
#define SLOT_LIMIT (512ull << 10)

enum wmode {
	W_DSA,		/* memmove descriptors, @qd outstanding */
	W_CPU,		/* loads and stores */
	W_FAULT,	/* one at a time, fresh pages per op: see enum fcase */
};

enum fcase { F_WARM, F_COLD, F_BOF, F_PARTIAL };

struct worker {
	/* in */
	struct sva_sim *sim;
	enum wmode mode;
	enum fcase fcase;
	char wq[32];		/* "/dev/dsa/wq0.0" */
	bool dedicated;		/* MOVDIR64B instead of ENQCMD */
	bool fresh_dst;		/* leave the destinations untouched: the device meets page faults */
	bool bof;		/* set block on fault in the descriptors */
	uint32_t size;
	unsigned iters;		/* measured work descriptors */
	unsigned qd;		/* slots outstanding */
	unsigned batch;		/* descriptors per batch; < 2 = none */
	uint8_t op;		/* DSA opcode of the work (0: memmove) */
	/*
	 * 0: each slot reuses its own buffers.  Otherwise the bytes of one
	 * source (and one destination) array that submissions walk through in
	 * order, as LightDSA's benchmarks do through 4 GiB: most pages are
	 * then new to the ATC and IOTLB.  @offset shifts both arrays off page
	 * alignment (LightDSA's "alignment = 64 bytes").
	 */
	uint64_t sweep;
	unsigned offset;
	uint32_t seed;
	unsigned *ready, nready;	/* start barrier shared by the workers of a point */
	/* out */
	sva_time_t t0, t1;
	uint64_t bytes, ops, lat_n, submits, retries;
	double lat_sum;
	sva_time_t submit_ns;
	unsigned verify_fail, errors;
	char err[160];
};

#define WFAIL(w, ...) \
	do { \
		if (!(w)->errors++) \
			snprintf((w)->err, sizeof((w)->err), __VA_ARGS__); \
	} while (0)

/* ---- guest side ------------------------------------------------------------------ */

static uint8_t pat(uint32_t seed, uint64_t i)
{
	return (uint8_t)(i * 131 + (i >> 12) * 7 + seed);
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static uint64_t galloc(struct worker *w, uint64_t len)
{
	int64_t va = sva_mmap(0, (len + PAGE - 1) & ~(PAGE - 1), SVA_PROT_READ | SVA_PROT_WRITE,
			      SVA_MAP_PRIVATE | SVA_MAP_ANONYMOUS, -1, 0);

	if (va <= 0) {
		WFAIL(w, "mmap of %llu bytes: %lld", (unsigned long long)len, (long long)va);
		return 0;
	}
	return (uint64_t)va;
}

static void fill(uint64_t va, uint64_t len, uint32_t seed)
{
	uint8_t buf[PAGE];

	for (uint64_t off = 0; off < len; off += PAGE) {
		uint64_t n = len - off < PAGE ? len - off : PAGE;

		for (uint64_t i = 0; i < n; i++)
			buf[i] = pat(seed, off + i);
		sva_store(va + off, buf, n);
	}
}

static void touch(uint64_t va, uint64_t len)
{
	for (uint64_t p = 0; p < len; p += PAGE)
		sva_store64(va + p, 0);
}

/* Offsets checked for (slot, round); poisoned before the work, checked after. */
static uint64_t sample_off(uint32_t seed, unsigned slot, uint64_t round, unsigned k, uint64_t len)
{
	return mix(((uint64_t)seed << 40) ^ ((uint64_t)slot << 28) ^ (round << 3) ^ k) % len;
}

#define FILL_PATTERN 0x0123456789abcdefull	/* fill's pattern, and compare pattern's */

static uint8_t op_of(const struct worker *w)
{
	return w->op ? w->op : DSA_OPCODE_MEMMOVE;
}

/* What byte @o of the slot at array offset @off0 must hold after the work. */
static uint8_t expected(const struct worker *w, uint64_t off0, uint64_t o)
{
	if (op_of(w) == DSA_OPCODE_MEMFILL)	/* each descriptor's pattern starts at its destination */
		return (uint8_t)(FILL_PATTERN >> (8 * ((o % w->size) % 8)));
	return pat(w->seed, off0 + o);
}

static void poison(const struct worker *w, uint64_t dst, uint64_t off0, unsigned slot, uint64_t round,
		   uint64_t len)
{
	for (unsigned k = 0; k < SAMPLES; k++) {
		uint64_t o = sample_off(w->seed, slot, round, k, len);
		uint8_t b = (uint8_t)~expected(w, off0, o);

		sva_store(dst + o, &b, 1);
	}
}

static void check(struct worker *w, uint64_t dst, uint64_t off0, unsigned slot, uint64_t round, uint64_t len)
{
	for (unsigned k = 0; k < SAMPLES; k++) {
		uint64_t o = sample_off(w->seed, slot, round, k, len);
		uint8_t b = 0;

		sva_load(dst + o, &b, 1);
		if (b != expected(w, off0, o)) {
			if (!w->verify_fail++)
				snprintf(w->err, sizeof(w->err), "byte %llu of a %llu-byte %s is %#x, not %#x",
					 (unsigned long long)o, (unsigned long long)len, sva_dsa_op_name(op_of(w)), b,
					 expected(w, off0, o));
		}
	}
}

static void desc_store(uint64_t va, uint8_t op, uint32_t flags, uint64_t src, uint64_t dst, uint32_t n,
		       uint64_t cr)
{
	struct dsa_hw_desc d;

	memset(&d, 0, sizeof(d));
	d.opcode = op;
	/* Compares check their result: a difference would make the status (and a batch) fail. */
	d.flags = flags | (op == DSA_OPCODE_COMPARE || op == DSA_OPCODE_COMPVAL ? IDXD_OP_FLAG_CR : 0);
	d.xfer_size = n;
	d.completion_addr = cr;
	switch (op) {
	case DSA_OPCODE_MEMFILL:
		d.pattern = FILL_PATTERN;
		d.dst_addr = dst;
		break;
	case DSA_OPCODE_COMPVAL:
		d.src_addr = src;
		d.comp_pattern = FILL_PATTERN;
		break;
	default:	/* memmove; compare reads dst as its second source */
		d.src_addr = src;
		d.dst_addr = dst;
		break;
	}
	sva_store(va, &d, sizeof(d));
}

static void submit(struct worker *w, uint64_t portal, uint64_t desc, uint64_t cr)
{
	sva_time_t s = sva_now(w->sim);
	int r;

	sva_store64(cr, 0);
	if (w->dedicated) {
		r = sva_movdir64b(portal, desc);
	} else {
		while ((r = sva_enqcmd(portal, desc)) == 1) {
			w->retries++;
			sva_spin(50);
		}
	}
	if (r)
		WFAIL(w, "%s: %d", w->dedicated ? "movdir64b" : "enqcmd", r);
	w->submits++;
	w->submit_ns += sva_now(w->sim) - s;
}

/* Wait for a record; its status, 0 after 100 ms of virtual time. */
static uint8_t wait_cr(struct worker *w, uint64_t cr)
{
	sva_time_t deadline = sva_now(w->sim) + 100000000;
	uint8_t st = 0;

	for (;;) {
		sva_load(cr, &st, 1);
		if (st || sva_now(w->sim) > deadline)
			break;
		sva_spin(POLL_NS);
	}
	if (!st)
		WFAIL(w, "no completion after 100 ms");
	return st;
}

static bool open_wq(struct worker *w, int *fd, uint64_t *portal)
{
	int64_t p;

	*fd = sva_open(w->wq, SVA_O_RDWR);
	if (*fd < 0) {
		WFAIL(w, "open %s: %d", w->wq, *fd);
		return false;
	}
	p = sva_mmap(0, PAGE, SVA_PROT_WRITE, SVA_MAP_SHARED, *fd, 0);
	if (p < 0) {
		WFAIL(w, "mmap of the %s portal: %lld", w->wq, (long long)p);
		return false;
	}
	*portal = (uint64_t)p;
	return true;
}

/* Where a worker's slots put their work: descriptors, records, the two arrays. */
struct layout {
	uint64_t top, subs, crs, src, dst;
	uint64_t per, span, cur;
	unsigned nb;
};

/* (Re)write slot @s's descriptor - or batch and its members - for array offset @off. */
static void place(const struct worker *w, const struct layout *l, unsigned s, uint64_t off)
{
	uint64_t so = l->src + off, d = l->dst + off;
	uint32_t bof = w->bof ? IDXD_OP_FLAG_BOF : 0;

	if (l->nb > 1) {
		struct dsa_hw_desc b;

		for (unsigned j = 0; j < l->nb; j++)
			desc_store(l->subs + (s * l->nb + j) * 64ull, op_of(w), bof,
				   so + (uint64_t)j * w->size, d + (uint64_t)j * w->size, w->size, 0);
		memset(&b, 0, sizeof(b));
		b.opcode = DSA_OPCODE_BATCH;
		b.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
		b.desc_list_addr = l->subs + s * l->nb * 64ull;
		b.desc_count = l->nb;
		b.completion_addr = l->crs + s * 32ull;
		sva_store(l->top + s * 64ull, &b, sizeof(b));
	} else {
		desc_store(l->top + s * 64ull, op_of(w), IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR | bof,
			   so, d, w->size, l->crs + s * 32ull);
	}
}

/* The array offset of slot @s's next submission: its own place, or the next stretch of the sweep. */
static uint64_t next_off(const struct worker *w, struct layout *l, unsigned s)
{
	uint64_t o;

	if (!w->sweep)
		return s * l->per;
	o = l->cur;
	l->cur = l->cur + 2 * l->per > l->span ? 0 : l->cur + l->per;
	return o;
}

/*
 * Whether submission (slot @s, @round) has its bytes checked.  All of them,
 * except in a sweep with several outstanding: there every destination is
 * a page the thread has not touched lately, and the check's own TLB misses
 * would make the thread, not the device, the bottleneck.  One in four is
 * checked then - still every slot, every few rounds.
 */
static bool verify_this(const struct worker *w, unsigned s, uint64_t round)
{
	/* Compares write nothing: their verdict is in the record (see dsa_worker). */
	if (op_of(w) != DSA_OPCODE_MEMMOVE && op_of(w) != DSA_OPCODE_MEMFILL)
		return false;
	/* Poisoning would fault the destination in from the CPU: fresh pages read 0 anyway. */
	if (w->fresh_dst)
		return false;
	return !w->sweep || w->qd <= 1 || (s + round) % 4 == 0;
}

static void dsa_worker(void *arg)
{
	struct worker *w = arg;
	unsigned nb = w->batch >= 2 ? w->batch : 1, qd = w->qd ? w->qd : 1;
	struct layout l = { .nb = nb, .per = (uint64_t)nb * w->size };
	uint64_t per = l.per, portal;
	uint64_t completions = (w->iters + nb - 1) / nb, submitted = 0, done = 0;
	uint64_t *round, *t_sub, *off;
	int fd;

	l.span = w->sweep > qd * per ? w->sweep : qd * per;
	if (!open_wq(w, &fd, &portal))
		return;
	round = calloc(qd, sizeof(*round));
	t_sub = calloc(qd, sizeof(*t_sub));
	off = calloc(qd, sizeof(*off));
	l.top = galloc(w, qd * 64ull + qd * 32ull);
	l.subs = nb > 1 ? galloc(w, (uint64_t)qd * nb * 64) : 0;
	l.src = galloc(w, l.span + w->offset);
	l.dst = galloc(w, l.span + w->offset);
	if (!round || !t_sub || !off || !l.top || (nb > 1 && !l.subs) || !l.src || !l.dst) {
		WFAIL(w, "out of memory");
		goto out;
	}
	l.crs = l.top + qd * 64ull;
	if (!w->fresh_dst)
		touch(l.dst, l.span + w->offset);
	l.src += w->offset;
	l.dst += w->offset;
	switch (op_of(w)) {
	case DSA_OPCODE_COMPARE:	/* two equal sources: every compare runs to the end */
		fill(l.src, l.span, w->seed);
		fill(l.dst, l.span, w->seed);
		break;
	case DSA_OPCODE_COMPVAL:	/* the pattern itself, so no compare stops early */
		for (uint64_t o = 0; o < l.span; o += 8)
			sva_store64(l.src + o, FILL_PATTERN);
		break;
	case DSA_OPCODE_MEMFILL:
		break;
	default:
		fill(l.src, l.span, w->seed);
		break;
	}
	for (unsigned s = 0; s < qd; s++)
		place(w, &l, s, s * per);
	/* Warm-up, not timed: the PASID #GP fixup, ATC and IOTLB fills. */
	for (unsigned s = 0; s < qd; s++)
		submit(w, portal, l.top + s * 64ull, l.crs + s * 32ull);
	for (unsigned s = 0; s < qd; s++)
		if ((wait_cr(w, l.crs + s * 32ull) & DSA_COMP_STATUS_MASK) != DSA_COMP_SUCCESS)
			WFAIL(w, "warm-up descriptor failed: status %#x", wait_cr(w, l.crs + s * 32ull));
	l.cur = qd * per + per > l.span ? 0 : qd * per;
	w->submits = w->retries = 0;
	w->submit_ns = 0;
	/* Every worker of the point starts its timed loop together. */
	if (w->ready) {
		++*w->ready;
		while (*w->ready < w->nready)
			sva_spin(100);
	}
	w->t0 = sva_now(w->sim);
	for (unsigned s = 0; s < qd && submitted < completions; s++, submitted++) {
		round[s] = 1;
		off[s] = next_off(w, &l, s);
		if (w->sweep)
			place(w, &l, s, off[s]);
		if (verify_this(w, s, round[s]))
			poison(w, l.dst + off[s], off[s], s, round[s], per);
		t_sub[s] = sva_now(w->sim);
		submit(w, portal, l.top + s * 64ull, l.crs + s * 32ull);
	}
	for (unsigned s = 0; done < completions && !w->errors; s = (s + 1) % qd) {
		uint8_t st = wait_cr(w, l.crs + s * 32ull);

		w->lat_sum += (double)(sva_now(w->sim) - t_sub[s]);
		w->lat_n++;
		if ((st & DSA_COMP_STATUS_MASK) != DSA_COMP_SUCCESS)
			WFAIL(w, "completion status %#x", st);
		if (verify_this(w, s, round[s]))
			check(w, l.dst + off[s], off[s], s, round[s], per);
		if ((op_of(w) == DSA_OPCODE_COMPARE || op_of(w) == DSA_OPCODE_COMPVAL) && nb == 1) {
			uint8_t res = 1;

			/* Equal bytes: result 0.  (A batch's record does not carry its members'.) */
			sva_load(l.crs + s * 32ull + offsetof(struct dsa_completion_record, result), &res, 1);
			if (res && !w->verify_fail++)
				snprintf(w->err, sizeof(w->err), "%s of equal bytes found a difference",
					 sva_dsa_op_name(op_of(w)));
		}
		done++;
		w->bytes += per;
		w->ops += nb;
		if (submitted < completions) {
			round[s]++;
			off[s] = next_off(w, &l, s);
			if (w->sweep)
				place(w, &l, s, off[s]);
			if (verify_this(w, s, round[s]))
				poison(w, l.dst + off[s], off[s], s, round[s], per);
			t_sub[s] = sva_now(w->sim);
			submit(w, portal, l.top + s * 64ull, l.crs + s * 32ull);
			submitted++;
		}
	}
	w->t1 = sva_now(w->sim);
out:
	free(round);
	free(t_sub);
	free(off);
	sva_close(fd);
}

static void cpu_worker(void *arg)
{
	struct worker *w = arg;
	uint64_t src = galloc(w, w->size), dst = galloc(w, w->size);
	uint8_t buf[PAGE];

	if (!src || !dst)
		return;
	fill(src, w->size, w->seed);
	touch(dst, w->size);
	w->t0 = sva_now(w->sim);
	for (unsigned i = 0; i < w->iters; i++) {
		sva_time_t s;

		poison(w, dst, 0, 0, i, w->size);
		s = sva_now(w->sim);
		for (uint64_t off = 0; off < w->size; off += PAGE) {
			uint64_t n = w->size - off < PAGE ? w->size - off : PAGE;

			sva_load(src + off, buf, n);
			sva_store(dst + off, buf, n);
		}
		w->lat_sum += (double)(sva_now(w->sim) - s);
		w->lat_n++;
		check(w, dst, 0, 0, i, w->size);
		w->bytes += w->size;
		w->ops++;
	}
	/* Only the copies count: the bench's own checking is not the memcpy's cost. */
	w->t1 = w->t0 + (sva_time_t)w->lat_sum;
}

/* One memmove at a time on fresh (or, F_WARM, the same) pages; latency until it succeeded. */
static void fault_worker(void *arg)
{
	struct worker *w = arg;
	unsigned n = w->iters;
	uint64_t span = w->fcase == F_WARM ? w->size : (uint64_t)n * w->size;
	uint64_t portal, desc, cr, src, dst;
	int fd;

	if (!open_wq(w, &fd, &portal))
		return;
	desc = galloc(w, PAGE);
	src = galloc(w, span + w->size);
	dst = galloc(w, span + w->size);
	if (!desc || !src || !dst)
		goto out;
	cr = desc + 2048;
	fill(src, span + w->size, w->seed);
	if (w->fcase == F_WARM || w->fcase == F_COLD)
		touch(dst, span + w->size);
	/* Warm-up on the extra buffer at the end: PASID fixup, the paging-structure caches. */
	desc_store(desc, DSA_OPCODE_MEMMOVE, IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR | IDXD_OP_FLAG_BOF,
		   src + span, dst + span, w->size, cr);
	submit(w, portal, desc, cr);
	if ((wait_cr(w, cr) & DSA_COMP_STATUS_MASK) != DSA_COMP_SUCCESS)
		WFAIL(w, "warm-up descriptor failed");
	w->t0 = sva_now(w->sim);
	for (unsigned i = 0; i < n && !w->errors; i++) {
		uint64_t off = w->fcase == F_WARM ? 0 : (uint64_t)i * w->size, left = w->size, at = 0;
		sva_time_t s = sva_now(w->sim);

		if (w->fcase == F_WARM || w->fcase == F_COLD)
			poison(w, dst + off, off, 0, i, w->size);
		for (unsigned tries = 0; left && tries < 4096; tries++) {
			struct dsa_completion_record rec;
			uint8_t st;

			desc_store(desc, DSA_OPCODE_MEMMOVE, IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR |
				   (w->fcase == F_PARTIAL ? 0 : IDXD_OP_FLAG_BOF),
				   src + off + at, dst + off + at, (uint32_t)left, cr);
			submit(w, portal, desc, cr);
			st = wait_cr(w, cr) & DSA_COMP_STATUS_MASK;
			sva_load(cr, &rec, sizeof(rec));
			if (st == DSA_COMP_SUCCESS) {
				left = 0;
			} else if (st == DSA_COMP_PAGE_FAULT_NOBOF && w->fcase == F_PARTIAL) {
				/* Touch the page the device could not, then resubmit the rest. */
				sva_store64(rec.fault_addr & ~(PAGE - 1), 0);
				at += rec.bytes_completed;
				left -= rec.bytes_completed;
			} else {
				WFAIL(w, "completion status %#x", st);
				break;
			}
		}
		w->lat_sum += (double)(sva_now(w->sim) - s);
		w->lat_n++;
		check(w, dst + off, off, 0, i, w->size);
		w->bytes += w->size;
		w->ops++;
	}
	w->t1 = sva_now(w->sim);
out:
	sva_close(fd);
}

/* ---- host side ------------------------------------------------------------------- */

/*
 * accel-config for one DSA with one group: @nwq WQs wq0.0.. of @mode and
 * @size each, @neng engines, block on fault @bof.
 */
static const char *accel_cfg(char *buf, size_t len, unsigned nwq, bool dedicated, unsigned size,
			     unsigned neng, int bof)
{
	int n = snprintf(buf, len, "[{\"dev\":\"dsa0\",\"groups\":[{\"dev\":\"group0.0\",\"grouped_workqueues\":[");

	for (unsigned q = 0; q < nwq; q++)
		n += snprintf(buf + n, len - (size_t)n,
			      "%s{\"dev\":\"wq0.%u\",\"mode\":\"%s\",\"size\":%u,\"group_id\":0,\"priority\":10,"
			      "\"block_on_fault\":%d,\"max_batch_size\":64,\"max_transfer_size\":2097152,"
			      "\"type\":\"user\",\"name\":\"bench%u\",\"driver_name\":\"user\",\"threshold\":%u}",
			      q ? "," : "", q, dedicated ? "dedicated" : "shared", size, bof, q,
			      dedicated ? 0 : size - 1);
	n += snprintf(buf + n, len - (size_t)n, "],\"grouped_engines\":[");
	for (unsigned e = 0; e < neng; e++)
		n += snprintf(buf + n, len - (size_t)n, "%s{\"dev\":\"engine0.%u\",\"group_id\":0}", e ? "," : "", e);
	snprintf(buf + n, len - (size_t)n, "]}]}]");
	return buf;
}

struct result {
	double gbps;		/* bytes / elapsed, all workers together */
	double lat_us;		/* mean per-completion latency */
	double submit_ns;	/* mean CPU time of one ENQCMD/MOVDIR64B */
	double retries;		/* ENQCMD retries per submission */
};

static void table_fail(struct bench_table *t, const char *fmt, const char *what)
{
	if (!t->errors++)
		snprintf(t->first_error, sizeof(t->first_error), fmt, what);
}

static struct result run(const struct bench_opts *o, struct bench_table *t, const char *cfg,
			 struct worker *w, unsigned n)
{
	struct result res = { NAN, NAN, NAN, NAN };
	struct sva_system *sys;
	char err[512] = "";
	int pids[8];
	unsigned ready = 0;
	sva_time_t t0 = ~0ull, t1 = 0;
	uint64_t bytes = 0, lat_n = 0, subs = 0, retries = 0;
	double lat = 0, sub_ns = 0;

	sys = sva_system_create_err(&(struct sva_system_config){
		.seed = 1, .ram_size = 1ull << 30, .accel_config = cfg, .check = -1 }, err, sizeof(err));
	if (!sys) {
		table_fail(t, "cannot build the system: %s", err[0] ? err : strerror(errno));
		return res;
	}
	*sva_machine_timing(sva_system_machine(sys)) = *o->timing;
	for (unsigned i = 0; i < n && i < 8; i++) {
		w[i].sim = sva_system_sim(sys);
		w[i].seed = 0x5eed + i * 77;
		w[i].ready = &ready;
		w[i].nready = n;
		pids[i] = sva_system_spawn(sys, "bench", w[i].mode == W_CPU ? cpu_worker :
					   w[i].mode == W_FAULT ? fault_worker : dsa_worker, &w[i]);
		if (pids[i] < 0) {
			table_fail(t, "spawn: %s", strerror(-pids[i]));
			sva_system_destroy(sys);
			return res;
		}
	}
	if (sva_sim_run(sva_system_sim(sys)))
		table_fail(t, "%s", "the simulation did not end normally");
	for (unsigned i = 0; i < n && i < 8; i++) {
		struct sva_exit_status es;

		if (sva_system_proc_status(sys, pids[i], &es) == 0 && es.signal)
			table_fail(t, "a guest died: %s", es.reason);
		if (w[i].errors)
			table_fail(t, "%s", w[i].err);
		else if (w[i].verify_fail && !t->verify_fail)
			snprintf(t->first_error, sizeof(t->first_error), "%s", w[i].err);
		t->verify_fail += w[i].verify_fail;
		if (w[i].t0 < t0)
			t0 = w[i].t0;
		if (w[i].t1 > t1)
			t1 = w[i].t1;
		bytes += w[i].bytes;
		lat += w[i].lat_sum;
		lat_n += w[i].lat_n;
		subs += w[i].submits;
		retries += w[i].retries;
		sub_ns += (double)w[i].submit_ns;
	}
	sva_system_destroy(sys);
	if (t1 > t0 && bytes)
		res.gbps = (double)bytes / (double)(t1 - t0);
	if (lat_n)
		res.lat_us = lat / (double)lat_n / 1000.0;
	if (subs) {
		res.submit_ns = sub_ns / (double)subs;
		res.retries = (double)retries / (double)subs;
	}
	return res;
}

/* How many descriptors to time at @size: about @budget bytes, within [lo, hi]. */
static unsigned iters_for(const struct bench_opts *o, uint64_t size)
{
	uint64_t budget = o->quick ? (256ull << 10) : (8ull << 20), n = budget / size;
	unsigned lo = o->quick ? 4 : 32, hi = o->quick ? 16 : 512;

	return n < lo ? lo : n > hi ? hi : (unsigned)n;
}

static unsigned clamp_qd(uint64_t per, unsigned qd)
{
	while (qd > 1 && per * qd > SLOT_LIMIT)
		qd /= 2;
	return qd;
}

static struct worker dsa_w(const struct bench_opts *o, unsigned wq, bool dedicated, uint32_t size, unsigned qd,
			   unsigned batch)
{
	struct worker w = { .mode = W_DSA, .dedicated = dedicated, .size = size, .batch = batch };

	snprintf(w.wq, sizeof(w.wq), "/dev/dsa/wq0.%u", wq);
	w.qd = clamp_qd((uint64_t)size * (batch > 1 ? batch : 1), qd);
	w.iters = iters_for(o, size);
	if (batch > 1 && w.iters < batch * 4)
		w.iters = batch * 4;
	return w;
}

/*
 * A worker walking 64-byte-offset arrays in order, as LightDSA's
 * benchmarks do: @qd is cut so that what is outstanding covers at most
 * half the array.
 */
static struct worker sweep_w(const struct bench_opts *o, bool dedicated, uint32_t size, unsigned qd,
			     unsigned batch)
{
	struct worker w = dsa_w(o, 0, dedicated, size, 1, batch);
	uint64_t per = (uint64_t)size * (batch > 1 ? batch : 1);

	w.sweep = o->quick ? (4ull << 20) : (32ull << 20);
	w.offset = 64;
	while (qd > 1 && per * qd > w.sweep / 2)
		qd /= 2;
	w.qd = qd;
	return w;
}

static struct worker cpu_w(const struct bench_opts *o, uint32_t size)
{
	return (struct worker){ .mode = W_CPU, .size = size, .iters = iters_for(o, size) / 4 + 2 };
}

static void row(struct bench_table *t, double x)
{
	unsigned r = t->nrows++;

	t->x[r] = x;
	for (unsigned c = 0; c < BENCH_MAX_COLS; c++)
		t->v[r][c] = NAN;
}

static const uint32_t sizes_quick[] = { 256, 4096, 65536 };
/* LightDSA's sizes, for the suites that mirror its tables */
static const uint32_t ldsa_full[] = { 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576 };
static const uint32_t ldsa_quick[] = { 64, 4096, 65536 };

#define LSIZES(o) ((o)->quick ? ldsa_quick : ldsa_full)
#define NLSIZES(o) ((o)->quick ? sizeof(ldsa_quick) / sizeof(ldsa_quick[0]) : sizeof(ldsa_full) / sizeof(ldsa_full[0]))


/* ---- the suites --------------------------------------------------------------------- */

static int suite_size(const struct bench_opts *o, struct bench_table *t)
{
	char cfg1[2048], cfg4[2048];
	unsigned qd = o->quick ? 16 : 128, nb = o->quick ? 8 : 32, bq = o->quick ? 4 : 16;

	*t = (struct bench_table){ .suite = "size", .title = "memmove throughput vs transfer size",
		.paper = "Kuper et al. ASPLOS'24 and LightDSA EuroSys'26, throughput vs transfer size",
		.xlabel = "transfer size", .xunit = "B", .xlog = true, .yunit = "GB/s", .ncols = 4,
		.cols = { "sync", "async singles", "async batches", "CPU memcpy" } };
	accel_cfg(cfg1, sizeof(cfg1), 1, false, 128, 1, 0);
	accel_cfg(cfg4, sizeof(cfg4), 1, false, 128, 4, 0);
	for (unsigned i = 0; i < NLSIZES(o); i++) {
		uint32_t sz = LSIZES(o)[i];
		struct worker w;

		row(t, sz);
		w = sweep_w(o, false, sz, 1, 0);
		t->v[i][0] = run(o, t, cfg1, &w, 1).gbps;
		w = sweep_w(o, false, sz, qd, 0);
		t->v[i][1] = run(o, t, cfg1, &w, 1).gbps;
		w = sweep_w(o, false, sz, bq, nb);
		t->v[i][2] = run(o, t, cfg4, &w, 1).gbps;
		w = cpu_w(o, sz);
		t->v[i][3] = run(o, t, cfg1, &w, 1).gbps;
	}
	bench_note(t, "one shared WQ (ENQCMD) from one thread, walking 64-byte-offset arrays in order (as LightDSA)");
	bench_note(t, "sync = one outstanding, one engine; async singles = up to %u outstanding, one engine; "
		   "async batches = batches of %u, up to %u outstanding, 4 engines", qd, nb, bq);
	bench_note(t, "CPU memcpy = one guest thread copying with 4 KiB loads and stores (cpu_memcpy_bw each way)");
	return 0;
}

static int suite_latency(const struct bench_opts *o, struct bench_table *t)
{
	char dcfg[2048], scfg[2048];

	*t = (struct bench_table){ .suite = "latency", .title = "memmove latency vs transfer size (one outstanding)",
		.paper = "Kuper et al. ASPLOS'24 and LightDSA EuroSys'26, synchronous offload latency",
		.xlabel = "transfer size", .xunit = "B", .xlog = true, .ylog = true, .yunit = "us", .ncols = 3,
		.cols = { "DSA, SWQ ENQCMD", "DSA, DWQ MOVDIR64B", "CPU memcpy" } };
	accel_cfg(dcfg, sizeof(dcfg), 1, true, 128, 1, 0);
	accel_cfg(scfg, sizeof(scfg), 1, false, 128, 1, 0);
	for (unsigned i = 0; i < NLSIZES(o); i++) {
		uint32_t sz = LSIZES(o)[i];
		struct worker w;

		row(t, sz);
		w = sweep_w(o, false, sz, 1, 0);
		t->v[i][0] = run(o, t, scfg, &w, 1).lat_us;
		w = sweep_w(o, true, sz, 1, 0);
		t->v[i][1] = run(o, t, dcfg, &w, 1).lat_us;
		w = cpu_w(o, sz);
		t->v[i][2] = run(o, t, dcfg, &w, 1).lat_us;
	}
	bench_note(t, "latency = submit to the completion record seen by polling every %d ns; one engine; "
		   "64-byte-offset arrays walked in order (as LightDSA)", POLL_NS);
	return 0;
}

static const uint8_t ops4[] = { DSA_OPCODE_MEMMOVE, DSA_OPCODE_MEMFILL, DSA_OPCODE_COMPARE, DSA_OPCODE_COMPVAL };

/* LightDSA's single_* logs: synchronous latency of each operation, one engine. */
static int suite_oplat(const struct bench_opts *o, struct bench_table *t)
{
	static const uint32_t full[] = { 64, 1024, 4096, 65536, 1048576 };
	static const uint32_t quick[] = { 64, 65536 };
	unsigned n = o->quick ? 2 : 5;
	char cfg[2048];

	*t = (struct bench_table){ .suite = "oplat", .title = "latency per operation (one outstanding)",
		.paper = "LightDSA EuroSys'26, synchronous latency of memmove, fill, compare, compare pattern",
		.xlabel = "transfer size", .xunit = "B", .xlog = true, .ylog = true, .yunit = "us", .ncols = 4,
		.cols = { "memmove", "fill", "compare", "compare pattern" } };
	accel_cfg(cfg, sizeof(cfg), 1, false, 128, 1, 0);
	for (unsigned i = 0; i < n; i++) {
		uint32_t sz = o->quick ? quick[i] : full[i];

		row(t, sz);
		for (unsigned c = 0; c < 4; c++) {
			struct worker w = sweep_w(o, false, sz, 1, 0);

			w.op = ops4[c];
			t->v[i][c] = run(o, t, cfg, &w, 1).lat_us;
		}
	}
	bench_note(t, "one shared WQ (ENQCMD), one engine, 64-byte-offset arrays walked in order (as LightDSA); "
		   "compare reads two equal buffers, compare pattern a buffer holding the pattern");
	return 0;
}

/* LightDSA's DSA_speed_seq: each operation's throughput in batches of 32 on four engines. */
static int suite_opbw(const struct bench_opts *o, struct bench_table *t)
{
	unsigned nb = o->quick ? 8 : 32, bq = o->quick ? 4 : 16;
	char cfg[2048];

	*t = (struct bench_table){ .suite = "opbw", .title = "throughput per operation (batches, 4 engines)",
		.paper = "LightDSA EuroSys'26, throughput of memmove, fill, compare, compare pattern",
		.xlabel = "transfer size", .xunit = "B", .xlog = true, .yunit = "GB/s", .ncols = 4,
		.cols = { "memmove", "fill", "compare", "compare pattern" } };
	accel_cfg(cfg, sizeof(cfg), 1, false, 128, 4, 0);
	for (unsigned i = 0; i < NLSIZES(o); i++) {
		uint32_t sz = LSIZES(o)[i];

		row(t, sz);
		for (unsigned c = 0; c < 4; c++) {
			struct worker w = sweep_w(o, false, sz, bq, nb);

			w.op = ops4[c];
			t->v[i][c] = run(o, t, cfg, &w, 1).gbps;
		}
	}
	bench_note(t, "one shared WQ (ENQCMD), batches of %u, up to %u outstanding, 4 engines; "
		   "GB/s of transfer size (a compare reads twice that)", nb, bq);
	return 0;
}

/* LightDSA's alignment study, 64-byte-aligned rows: time per descriptor from one engine. */
static int suite_desc(const struct bench_opts *o, struct bench_table *t)
{
	static const uint32_t full[] = { 64, 512, 1024, 4096, 8192, 65536, 1048576 };
	static const uint32_t quick[] = { 64, 4096, 65536 };
	unsigned n = o->quick ? 3 : 7, qd = o->quick ? 16 : 128, nb = o->quick ? 8 : 32, bq = o->quick ? 2 : 4;
	char cfg[2048];

	*t = (struct bench_table){ .suite = "desc", .title = "time per descriptor: singles vs batches (one engine)",
		.paper = "LightDSA EuroSys'26, batch vs single descriptors (64-byte-aligned rows)",
		.xlabel = "transfer size", .xunit = "B", .xlog = true, .ylog = true, .yunit = "us", .ncols = 2,
		.cols = { "singles", "batches" } };
	accel_cfg(cfg, sizeof(cfg), 1, false, 128, 1, 0);
	for (unsigned i = 0; i < n; i++) {
		uint32_t sz = o->quick ? quick[i] : full[i];
		struct worker w;

		row(t, sz);
		w = sweep_w(o, false, sz, qd, 0);
		t->v[i][0] = sz / run(o, t, cfg, &w, 1).gbps / 1000.0;
		w = sweep_w(o, false, sz, bq, nb);
		t->v[i][1] = sz / run(o, t, cfg, &w, 1).gbps / 1000.0;
	}
	bench_note(t, "one shared WQ (ENQCMD), one engine, one thread, 64-byte-offset arrays walked in order; "
		   "singles = up to %u outstanding, batches = %u descriptors, up to %u outstanding", qd, nb, bq);
	bench_note(t, "value = elapsed time / descriptors (the inverse of throughput, not a latency)");
	return 0;
}

static int suite_async(const struct bench_opts *o, struct bench_table *t)
{
	static const unsigned qds[] = { 1, 2, 4, 8, 16, 32, 64 };
	unsigned n = o->quick ? 4 : 7;
	char cfg[2048];
	struct worker w;
	double cpu;

	*t = (struct bench_table){ .suite = "async", .title = "throughput vs descriptors outstanding (4 KiB memmove)",
		.paper = "Kuper et al. ASPLOS'24, synchronous vs asynchronous offload",
		.xlabel = "outstanding", .xunit = "", .xlog = true, .yunit = "GB/s", .ncols = 3,
		.cols = { "DSA, 1 engine", "DSA, 4 engines", "CPU memcpy" } };
	w = cpu_w(o, 4096);
	accel_cfg(cfg, sizeof(cfg), 1, true, 128, 1, 0);
	cpu = run(o, t, cfg, &w, 1).gbps;
	for (unsigned i = 0; i < n; i++) {
		row(t, qds[i]);
		accel_cfg(cfg, sizeof(cfg), 1, true, 128, 1, 0);
		w = dsa_w(o, 0, true, 4096, qds[i], 0);
		t->v[i][0] = run(o, t, cfg, &w, 1).gbps;
		accel_cfg(cfg, sizeof(cfg), 1, true, 128, 4, 0);
		w = dsa_w(o, 0, true, 4096, qds[i], 0);
		t->v[i][1] = run(o, t, cfg, &w, 1).gbps;
		t->v[i][2] = cpu;
	}
	bench_note(t, "one dedicated WQ of 128 entries, MOVDIR64B from one thread");
	return 0;
}

static int suite_batch(const struct bench_opts *o, struct bench_table *t)
{
	static const unsigned bs[] = { 1, 2, 4, 8, 16, 32, 64 };
	unsigned n = o->quick ? 3 : 7;
	char cfg[2048];
	struct worker w;
	double cpu;

	*t = (struct bench_table){ .suite = "batch", .title = "throughput vs batch size (one batch outstanding, SWQ)",
		.paper = "Kuper et al. ASPLOS'24, batch descriptor processing",
		.xlabel = "batch size", .xunit = "", .xlog = true, .yunit = "GB/s", .ncols = 3,
		.cols = { "DSA 1 KiB", "DSA 4 KiB", "CPU memcpy 4 KiB" } };
	accel_cfg(cfg, sizeof(cfg), 1, false, 64, 1, 0);
	w = cpu_w(o, 4096);
	cpu = run(o, t, cfg, &w, 1).gbps;
	for (unsigned i = 0; i < n; i++) {
		row(t, bs[i]);
		w = dsa_w(o, 0, false, 1024, 1, bs[i]);
		t->v[i][0] = run(o, t, cfg, &w, 1).gbps;
		w = dsa_w(o, 0, false, 4096, 1, bs[i]);
		t->v[i][1] = run(o, t, cfg, &w, 1).gbps;
		t->v[i][2] = cpu;
	}
	bench_note(t, "batch size 1 = a plain memmove descriptor; one shared WQ (ENQCMD), one engine, "
		   "the thread waits for each batch");
	return 0;
}

static int suite_engines(const struct bench_opts *o, struct bench_table *t)
{
	unsigned qd = o->quick ? 8 : 32;

	*t = (struct bench_table){ .suite = "engines", .title = "throughput vs engines in the group",
		.paper = "Kuper et al. ASPLOS'24, number of engines (PEs)",
		.xlabel = "engines", .xunit = "", .yunit = "GB/s", .ncols = 2,
		.cols = { "4 KiB", "64 KiB" } };
	for (unsigned e = 1; e <= 4; e++) {
		char cfg[2048];
		struct worker w;

		if (o->quick && (e == 2 || e == 3))
			continue;
		row(t, e);
		accel_cfg(cfg, sizeof(cfg), 1, true, 128, e, 0);
		w = dsa_w(o, 0, true, 4096, qd, 0);
		t->v[t->nrows - 1][0] = run(o, t, cfg, &w, 1).gbps;
		w = dsa_w(o, 0, true, 65536, qd, 0);
		t->v[t->nrows - 1][1] = run(o, t, cfg, &w, 1).gbps;
	}
	bench_note(t, "one dedicated WQ, %u outstanding from one thread", qd);
	bench_note(t, "model: engines share the device's data path (device_bw), so more engines hide "
		   "more waiting but do not add bandwidth (see docs/calibration.md)");
	return 0;
}

static int suite_wqs(const struct bench_opts *o, struct bench_table *t)
{
	unsigned qd = o->quick ? 4 : 16;

	*t = (struct bench_table){ .suite = "wqs", .title = "throughput vs WQs (one process per shared WQ, 4 KiB)",
		.paper = "Kuper et al. ASPLOS'24, number of WQs",
		.xlabel = "WQs", .xunit = "", .yunit = "GB/s", .ncols = 3,
		.cols = { "total, 1 engine", "total, 4 engines", "per WQ, 4 engines" } };
	for (unsigned q = 1; q <= 4; q++) {
		struct worker w[4];
		char cfg[2048];
		double g;

		if (o->quick && q == 3)
			continue;
		row(t, q);
		accel_cfg(cfg, sizeof(cfg), q, false, 32, 1, 0);
		for (unsigned i = 0; i < q; i++)
			w[i] = dsa_w(o, i, false, 4096, qd, 0);
		t->v[t->nrows - 1][0] = run(o, t, cfg, w, q).gbps;
		accel_cfg(cfg, sizeof(cfg), q, false, 32, 4, 0);
		for (unsigned i = 0; i < q; i++)
			w[i] = dsa_w(o, i, false, 4096, qd, 0);
		g = run(o, t, cfg, w, q).gbps;
		t->v[t->nrows - 1][1] = g;
		t->v[t->nrows - 1][2] = g / q;
	}
	bench_note(t, "each process submits with ENQCMD to its own shared WQ, %u outstanding", qd);
	return 0;
}

static int suite_swq(const struct bench_opts *o, struct bench_table *t)
{
	unsigned qd = o->quick ? 8 : 32, n = o->quick ? 3 : 5;
	static const uint32_t sz[] = { 256, 1024, 4096, 16384, 65536 };
	double enq = 0, mov = 0, retries = 0;

	*t = (struct bench_table){ .suite = "swq", .title = "shared (ENQCMD) vs dedicated (MOVDIR64B) WQ",
		.paper = "Kuper et al. ASPLOS'24 and the DSA user guide, SWQ vs DWQ",
		.xlabel = "transfer size", .xunit = "B", .xlog = true, .yunit = "GB/s", .ncols = 3,
		.cols = { "DWQ, 1 thread", "SWQ, 1 thread", "SWQ, 4 processes" } };
	for (unsigned i = 0; i < n; i++) {
		uint32_t s = o->quick ? sizes_quick[i] : sz[i];
		char cfg[2048];
		struct worker w[4];
		struct result r;

		row(t, s);
		accel_cfg(cfg, sizeof(cfg), 1, true, 128, 1, 0);
		w[0] = dsa_w(o, 0, true, s, qd, 0);
		r = run(o, t, cfg, w, 1);
		t->v[i][0] = r.gbps;
		mov = r.submit_ns;
		accel_cfg(cfg, sizeof(cfg), 1, false, 128, 1, 0);
		w[0] = dsa_w(o, 0, false, s, qd, 0);
		r = run(o, t, cfg, w, 1);
		t->v[i][1] = r.gbps;
		enq = r.submit_ns;
		for (unsigned k = 0; k < 4; k++)
			w[k] = dsa_w(o, 0, false, s, qd / 4 ? qd / 4 : 1, 0);
		r = run(o, t, cfg, w, 4);
		t->v[i][2] = r.gbps;
		if (r.retries > retries)
			retries = r.retries;
	}
	bench_note(t, "measured CPU time per submission: ENQCMD %.0f ns, MOVDIR64B %.0f ns (one engine, "
		   "%u outstanding in all)", enq, mov, qd);
	bench_note(t, "SWQ with 4 processes: at most %.2f ENQCMD retries per submission", retries);
	return 0;
}

/*
 * LightDSA's page-fault throughput: copies into pages touched before, and
 * into pages never touched with block on fault (each page a PRI request
 * the kernel's iopf handler resolves).  One sweep each, so every
 * destination page is new.
 */
static int suite_pfbw(const struct bench_opts *o, struct bench_table *t)
{
	static const char *const names[] = { "pages touched, 32 KiB", "block on fault, 256 KiB" };
	unsigned qd = o->quick ? 4 : 16;

	*t = (struct bench_table){ .suite = "pfbw", .title = "copy throughput into touched and never-touched pages",
		.paper = "LightDSA EuroSys'26, page fault throughput",
		.xlabel = "case", .xunit = "", .categorical = true, .yunit = "GB/s", .ncols = 2,
		.cols = { "1 engine", "4 engines" } };
	for (unsigned c = 0; c < 2; c++) {
		row(t, c);
		snprintf(t->rowname[c], sizeof(t->rowname[c]), "%s", names[c]);
		for (unsigned e = 0; e < 2; e++) {
			char cfg[2048];
			struct worker w = sweep_w(o, false, c ? 256u << 10 : 32u << 10, qd, 0);

			w.fresh_dst = c == 1;
			w.bof = c == 1;
			if (c == 1)
				w.iters = o->quick ? 4 : 24;	/* 6 MiB: every page new, 24 descriptors */
			accel_cfg(cfg, sizeof(cfg), 1, false, 128, e ? 4 : 1, 1);
			t->v[c][e] = run(o, t, cfg, &w, 1).gbps;
		}
	}
	bench_note(t, "one shared WQ with block on fault, up to %u outstanding, arrays walked in order; "
		   "the second case's destinations were never touched", qd);
	return 0;
}

static int suite_fault(const struct bench_opts *o, struct bench_table *t)
{
	static const char *const names[] = { "ATC hit", "ATC+IOTLB miss", "fault, block on fault",
					     "fault, partial+resubmit" };
	static const uint32_t sz[] = { 4096, 65536 };
	char cfg[2048];

	*t = (struct bench_table){ .suite = "fault", .title = "translation and page-fault cost (one memmove at a time)",
		.paper = "Kuper et al. ASPLOS'24 (ATC/IOTLB, SVM page faults)",
		.xlabel = "case", .xunit = "", .categorical = true, .yunit = "us", .ncols = 2,
		.cols = { "4 KiB memmove", "64 KiB memmove" } };
	accel_cfg(cfg, sizeof(cfg), 1, false, 32, 1, 1);
	for (unsigned c = 0; c < 4; c++) {
		row(t, c);
		snprintf(t->rowname[c], sizeof(t->rowname[c]), "%s", names[c]);
		for (unsigned k = 0; k < 2; k++) {
			struct worker w = { .mode = W_FAULT, .fcase = (enum fcase)c, .size = sz[k],
					    .iters = o->quick ? 4 : (k ? 16 : 64), .wq = "/dev/dsa/wq0.0" };

			t->v[c][k] = run(o, t, cfg, &w, 1).lat_us;
		}
	}
	bench_note(t, "latency until the whole copy succeeded; the fault cases use destination pages never "
		   "touched (one page request, or one partial completion, per page)");
	bench_note(t, "one shared WQ with block on fault enabled; the descriptor's BOF flag picks the case");
	return 0;
}

const struct bench_suite bench_suites[] = {
	{ "size", "memmove throughput vs transfer size: sync, async singles and batches, CPU memcpy", suite_size },
	{ "latency", "memmove latency vs transfer size: SWQ, DWQ, CPU memcpy", suite_latency },
	{ "desc", "time per descriptor, singles vs batches of 32, one engine", suite_desc },
	{ "oplat", "latency per operation: memmove, fill, compare, compare pattern", suite_oplat },
	{ "opbw", "throughput per operation in batches of 32 on 4 engines", suite_opbw },
	{ "async", "throughput vs descriptors outstanding", suite_async },
	{ "batch", "throughput vs batch size", suite_batch },
	{ "engines", "throughput vs engines in the group", suite_engines },
	{ "wqs", "throughput vs number of WQs", suite_wqs },
	{ "swq", "shared WQ (ENQCMD) vs dedicated WQ (MOVDIR64B)", suite_swq },
	{ "fault", "ATC miss and page-fault cost: block on fault vs partial completion", suite_fault },
	{ "pfbw", "copy throughput into touched and never-touched pages (block on fault)", suite_pfbw },
};
const unsigned bench_nsuites = sizeof(bench_suites) / sizeof(bench_suites[0]);
