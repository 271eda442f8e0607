// SPDX-License-Identifier: MIT
/*
 * Running a "desc" or "raw" step: the thread builds the 64 bytes in its
 * descriptor area (addresses resolved against its buffers now), a batch's
 * list beside them, submits it the way the step says, waits for the
 * completion record and compares it, its members' records and the
 * memory the step names with what the step expects.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/idxd.h>

#include <sva/dsa.h>
#include <sva/guest.h>
#include <sva/sim.h>

#include "os/kernel.h"
#include "os/proc.h"
#include "scenario_run_internal.h"

static uint64_t get64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

static void set64(uint8_t *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

/* A buffer + offset (wrapping, as an address register would), or the address itself; false after an error. */
static bool resolve(struct pstate *ps, const struct step *st, const struct scn_addr *a, uint64_t *va)
{
	const struct pvar *v;

	if (!a->buf[0]) {
		*va = a->off;
		return true;
	}
	if (!(v = scn_var(ps, st, a->buf, false)))
		return false;
	*va = v->addr + a->off;
	return true;
}

/* The 64 bytes of @d; @cr and @list are its defaults for the record and a batch's list. */
static bool build(struct pstate *ps, const struct step *st, const struct scn_desc *d, uint64_t cr,
		  uint64_t list, uint8_t out[64])
{
	memcpy(out, d->bytes, 64);
	if (!d->cr_given)
		set64(out + 8, cr);
	if (out[7] == DSA_OPCODE_BATCH) {
		if (!d->list_given)
			set64(out + 16, list);
		if (!d->count_given) {
			uint32_t n = d->nmembers;

			memcpy(out + 32, &n, 4);
		}
	}
	for (unsigned i = 0; i < d->naddr; i++) {
		uint64_t va;

		if (!resolve(ps, st, &d->addr[i], &va))
			return false;
		set64(out + d->addr_at[i], va);
	}
	return true;
}

/*
 * Clear a record before the device writes it, where the program can: in
 * its own area, or inside one of its buffers (a record placed anywhere
 * else is the scenario's business).
 */
static void clear_record(struct pstate *ps, const struct step *st, const struct scn_desc *d, uint64_t cr)
{
	static const uint8_t zero[32];
	const struct pvar *v = NULL;

	if (d->cr_given) {
		for (unsigned i = 0; i < d->naddr; i++)
			if (d->addr_at[i] == 8 && d->addr[i].buf[0])
				v = scn_var(ps, st, d->addr[i].buf, false);
		if (!v || cr < v->addr || cr - v->addr > v->size || v->size - (cr - v->addr) < sizeof(zero))
			return;
	}
	(void)sva_store(cr, zero, sizeof(zero));
}

static const char *status_str(uint8_t s, char *buf, size_t len)
{
	snprintf(buf, len, "0x%02x (%s)", s, sva_dsa_status_name(s));
	return buf;
}

/* Compare the record @cr with @e; @who names it in the message ("" or "member 3: "). */
static bool check_record(struct pstate *ps, const struct step *st, const struct scn_expect *e,
			 const struct dsa_completion_record *cr, const char *who)
{
	uint8_t want = e->what & EX_STATUS ? e->status : DSA_COMP_SUCCESS, have = cr->status & DSA_COMP_STATUS_MASK;
	char a[80], b[80];
	uint64_t fa;

	if (have != want) {
		step_error(ps, st, "%sstatus %s, expected %s", who, status_str(cr->status, a, sizeof(a)),
			   status_str(want, b, sizeof(b)));
		return false;
	}
#define WANT(bit, have_v, want_v, name)							\
	if ((e->what & (bit)) && (uint64_t)(have_v) != (uint64_t)(want_v)) {			\
		step_error(ps, st, "%s%s 0x%llx, expected 0x%llx (status %s)", who, name,	\
			   (unsigned long long)(have_v), (unsigned long long)(want_v),		\
			   status_str(cr->status, a, sizeof(a)));				\
		return false;									\
	}
	WANT(EX_WRITE, !!(cr->status & DSA_COMP_STATUS_WRITE), e->write, "write bit");
	WANT(EX_RESULT, cr->result, e->result, "result");
	WANT(EX_BYTES, cr->bytes_completed, e->bytes, "bytes_completed");
	WANT(EX_INVALID_FLAGS, cr->invalid_flags, e->invalid_flags, "invalid_flags");
	WANT(EX_DELTA_SIZE, cr->delta_rec_size, e->delta_size, "delta_size");
	WANT(EX_CRC, cr->crc_val, e->crc, "crc");
	if (e->what & EX_FAULT_ADDR) {
		if (!resolve(ps, st, &e->fault_addr, &fa))
			return false;
		WANT(EX_FAULT_ADDR, cr->fault_addr, fa, "fault_addr");
	}
#undef WANT
	return true;
}

/* The bytes a check names, against what it says they hold. */
static void run_check(struct pstate *ps, const struct step *st, const struct scn_check *ck, unsigned idx)
{
	uint8_t have[4096], want[4096];
	uint64_t at, other = 0;

	if (!resolve(ps, st, &ck->at, &at) || (ck->kind == CHK_SAME_AS && !resolve(ps, st, &ck->other, &other)))
		return;
	for (uint64_t off = 0; off < ck->size; off += sizeof(have)) {
		uint64_t n = ck->size - off < sizeof(have) ? ck->size - off : sizeof(have);

		if (sva_load(at + off, have, n))
			return;
		switch (ck->kind) {
		case CHK_SAME_AS:
			if (sva_load(other + off, want, n))
				return;
			break;
		case CHK_BYTE:
			memset(want, (int)ck->value, n);
			break;
		case CHK_PATTERN:
			for (uint64_t i = 0; i < n; i++)
				want[i] = (uint8_t)(ck->value >> (8 * ((off + i) % 8)));
			break;
		case CHK_HEX:
			memcpy(want, ck->hex + off, n);
			break;
		}
		for (uint64_t i = 0; i < n; i++)
			if (have[i] != want[i]) {
				rec_of(ps)->verify_fail++;
				ps->run->res->verify_fail++;
				step_error(ps, st, "check[%u]: byte %llu is 0x%02x, expected 0x%02x", idx,
					   (unsigned long long)(off + i), have[i], want[i]);
				return;
			}
	}
}

/* No record was asked for, or none is expected: give the device the poll limit, then look. */
static void expect_no_record(struct tstate *ts, const struct step *st, const struct scn_desc *d, uint64_t cr,
			     bool crav)
{
	struct pstate *ps = ts->ps;
	sva_time_t limit = ps->run->s->poll_limit ? ps->run->s->poll_limit : POLL_LIMIT;
	uint8_t status = 0;
	char a[80];

	if (d->expect.what & ~(unsigned)EX_STATUS) {
		step_error(ps, st, "no completion record %s: nothing to check", crav ? "expected" : "asked for (no crav flag)");
		return;
	}
	sva_nanosleep(limit);
	if (crav && d->has_expect && (d->expect.what & EX_STATUS) && !d->expect.status) {
		if (sva_load(cr, &status, 1))
			return;
		if (status)
			step_error(ps, st, "a completion record was written (status %s), expected none",
				   status_str(status, a, sizeof(a)));
	}
}

void scn_run_desc(struct tstate *ts, const struct step *st)
{
	struct pstate *ps = ts->ps;
	const struct scn_desc *d = st->desc;
	struct pvar *wq = scn_var(ps, st, st->a, true);
	uint64_t area, list, desc, cr;
	struct dsa_completion_record rec;
	uint8_t bytes[64], mbytes[64], status;
	uint32_t flags;
	int r, err = 0;
	char a[80];

	if (!wq || !(area = scn_area(ts, st)))
		return;
	list = area + DESC_LIST_OFF;
	desc = area + DESC_OFF;
	for (unsigned j = 0; j < d->nmembers; j++) {
		const struct scn_desc *m = &d->members[j];

		if (!build(ps, st, m, area + DESC_MEMBER_CR_OFF + 32ull * j, 0, mbytes))
			return;
		clear_record(ps, st, m, get64(mbytes + 8));
		if (sva_store(list + 64ull * j, mbytes, 64))
			return;
	}
	if (!build(ps, st, d, area + DESC_CR_OFF, list, bytes))
		return;
	cr = get64(bytes + 8);
	flags = (uint32_t)bytes[4] | (uint32_t)bytes[5] << 8 | (uint32_t)bytes[6] << 16;
	clear_record(ps, st, d, cr);
	if (sva_store(desc, bytes, 64))
		return;
	r = scn_push(ts, st, wq, desc, d->path, d->expect.refused, &err);
	if (r < 0)
		return;
	rec_of(ps)->descs += d->nmembers ? d->nmembers : 1;
	ps->run->res->descs_submitted += d->nmembers ? d->nmembers : 1;
	if (d->expect.refused) {
		if (!r && d->path != PATH_MOVDIR64B && !(d->path == PATH_DEFAULT && wq->dedicated))
			step_error(ps, st, "the descriptor was accepted, expected it refused");
		return;
	}
	if (r) {
		if (err)
			step_error(ps, st, "write() on %s: %s", wq->wq, strerror(err));
		return;
	}
	if (st->nowait)
		return;
	if (!(flags & IDXD_OP_FLAG_CRAV) || (d->has_expect && (d->expect.what & EX_STATUS) && !d->expect.status)) {
		expect_no_record(ts, st, d, cr, flags & IDXD_OP_FLAG_CRAV);
	} else {
		if (scn_wait_record(ts, st, cr, &status) || sva_load(cr, &rec, sizeof(rec)))
			return;
		ps->run->res->descs_completed += d->nmembers ? d->nmembers : 1;
		sva_journal(ps->run->k->sim, sva_thread_current(ps->run->k)->name,
			    "%s on %s: status %s, bytes_completed %u, result %u", sva_dsa_op_name(bytes[7]), wq->wq,
			    status_str(rec.status, a, sizeof(a)), rec.bytes_completed, rec.result);
		if (!check_record(ps, st, &d->expect, &rec, ""))
			return;
	}
	for (unsigned j = 0; j < d->nmembers; j++) {
		const struct scn_desc *m = &d->members[j];
		char who[32];

		if (!m->has_expect)
			continue;
		if (!build(ps, st, m, area + DESC_MEMBER_CR_OFF + 32ull * j, 0, mbytes) ||
		    sva_load(get64(mbytes + 8), &rec, sizeof(rec)))
			return;
		snprintf(who, sizeof(who), "member %u: ", j);
		if (!check_record(ps, st, &m->expect, &rec, who))
			return;
	}
	for (unsigned i = 0; i < d->nchecks; i++)
		run_check(ps, st, &d->checks[i], i);
}
