// SPDX-License-Identifier: MIT
/*
 * DSA create / apply delta record.
 *
 * A delta record is a list of 10-byte entries: a 16-bit little-endian word
 * index (byte offset / 8) followed by the 8 bytes of source 2 at that
 * index.  Hence the 512 KiB transfer limit and 8-byte alignment (checked
 * in dsa_op_check()).
 */
#include <string.h>

#include "dsa_ops_internal.h"

/* Entries buffered before one write to the record. */
#define DELTA_BATCH 64u

struct delta_out {
	uint8_t buf[DELTA_BATCH * DSA_DELTA_ENTRY];
	unsigned int n;		/* entries buffered */
	uint64_t written;	/* record bytes written */
};

/*
 * Write the buffered entries.  On a fault, the entries written whole stay
 * counted and *resume gets the source offset of the first entry that did
 * not make it, which is where a resubmission has to start.
 */
static int delta_flush(struct dsa_op_env *env, struct dsa_completion_record *cr,
		       uint64_t rec, struct delta_out *o, uint64_t *resume)
{
	uint64_t done, whole;

	if (!o->n)
		return 0;
	if (!dsa_ops_write(env, cr, rec + o->written, o->buf,
			   o->n * DSA_DELTA_ENTRY, DSA_OPND_ADDR3, &done)) {
		o->written += o->n * DSA_DELTA_ENTRY;
		o->n = 0;
		return 0;
	}
	whole = done / DSA_DELTA_ENTRY;
	o->written += whole * DSA_DELTA_ENTRY;
	*resume = (uint64_t)(o->buf[whole * DSA_DELTA_ENTRY] |
			     o->buf[whole * DSA_DELTA_ENTRY + 1] << 8) * 8;
	return 1;
}

/*
 * Create delta record: compare src1 and src2 (second address field) in
 * 8-byte words and record src2's word wherever they differ.
 *   result 0: equal, 1: delta record written, 2: it would not fit in
 *   max_delta_size (the record holds the entries that fit).
 *   delta_rec_size: bytes of the record.
 * With the check-result flag, the status is SUCCESS_PRED when bit
 * <result> of the expected-result mask (byte 56) is clear.
 * On a fault: bytes_completed = source bytes fully accounted for (every
 * difference below it is in the record), delta_rec_size = record bytes
 * written; the entries' offsets are relative to this descriptor's start.
 */
void dsa_op_cr_delta(const struct dsa_hw_desc *d, struct dsa_op_env *env,
		     struct dsa_completion_record *cr)
{
	const uint64_t n = d->xfer_size, max = d->max_delta_size;
	uint64_t off = 0, g1, g2, resume = 0, i;
	struct delta_out o = { .n = 0, .written = 0 };
	uint8_t *p1, *p2, w1[8], w2[8];
	bool overflow = false, fault = false, wfault = false;

	while (off < n && !overflow && !fault) {
		const uint8_t *a, *b;
		uint64_t k;

		if (dsa_ops_map(env, cr, d->src_addr + off, n - off, false,
				DSA_OPND_ADDR1, &p1, &g1) ||
		    dsa_ops_map(env, cr, d->src2_addr + off, g1, false,
				DSA_OPND_ADDR2, &p2, &g2)) {
			fault = true;
			resume = off;
			break;
		}
		k = g2 & ~7ull;
		a = p1;
		b = p2;
		if (!k) {
			/* A run shorter than a word: assemble the word. */
			if (dsa_ops_read(env, cr, d->src_addr + off, w1, 8,
					 DSA_OPND_ADDR1, &i) ||
			    dsa_ops_read(env, cr, d->src2_addr + off, w2, 8,
					 DSA_OPND_ADDR2, &i)) {
				fault = true;
				resume = off;
				break;
			}
			a = w1;
			b = w2;
			k = 8;
		} else {
			env->bytes_read += 2 * k;
		}
		if (!memcmp(a, b, k)) {
			off += k;
			continue;
		}
		for (i = 0; i < k; i += 8) {
			uint64_t word = (off + i) / 8;
			uint8_t *e;

			if (!memcmp(a + i, b + i, 8))
				continue;
			if (o.written + (o.n + 1) * DSA_DELTA_ENTRY > max) {
				overflow = true;
				break;
			}
			e = o.buf + o.n * DSA_DELTA_ENTRY;
			e[0] = (uint8_t)word;
			e[1] = (uint8_t)(word >> 8);
			memcpy(e + 2, b + i, 8);
			if (++o.n == DELTA_BATCH &&
			    delta_flush(env, cr, d->delta_addr, &o, &resume)) {
				fault = wfault = true;
				break;
			}
		}
		off += i;
	}
	/* Entries found before a read fault still go into the record. */
	if (!wfault && delta_flush(env, cr, d->delta_addr, &o, &resume))
		fault = true;

	cr->delta_rec_size = (uint32_t)o.written;
	cr->result = overflow ? 2 : o.written ? 1 : 0;
	if (fault) {
		/*
		 * A read fault keeps its resume point unless flushing the
		 * entries before it faulted too, which moves it back.
		 */
		cr->bytes_completed = (uint32_t)resume;
		return;
	}
	if ((d->flags & IDXD_OP_FLAG_CR) &&
	    !(d->expected_res_mask >> cr->result & 1))
		cr->status = DSA_COMP_SUCCESS_PRED;
	else
		cr->status = DSA_COMP_SUCCESS;
}

/*
 * Apply delta record: src_addr = the record (delta_rec_size bytes at byte
 * 40), dst_addr = the buffer (xfer_size bytes).  Entries are applied in
 * order; offsets must strictly increase (else DR_OFFSET_NOINC) and lie
 * inside the buffer (else DR_OFFSET_ERANGE); entries before a bad one stay
 * applied.  bytes_completed on an error or a fault = record bytes applied.
 * Applying is idempotent, so after a fault software can rerun the whole
 * descriptor; advancing src_addr by bytes_completed only keeps the 8-byte
 * alignment when it is a multiple of 40.
 */
void dsa_op_ap_delta(const struct dsa_hw_desc *d, struct dsa_op_env *env,
		     struct dsa_completion_record *cr)
{
	const uint64_t n = d->xfer_size, rn = d->delta_rec_size;
	uint8_t buf[DELTA_BATCH * DSA_DELTA_ENTRY];
	uint64_t pos = 0, got, wgot;
	int64_t prev = -1;

	while (pos < rn) {
		uint64_t want = dsa_min(rn - pos, sizeof(buf)), j;
		int fault = dsa_ops_read(env, cr, d->src_addr + pos, buf, want,
					 DSA_OPND_ADDR1, &got);

		for (j = 0; j + DSA_DELTA_ENTRY <= got; j += DSA_DELTA_ENTRY) {
			const uint8_t *e = buf + j;
			uint64_t word = (uint64_t)(e[0] | e[1] << 8);

			if ((int64_t)word <= prev || word * 8 >= n) {
				/* Reported instead of a read fault further on. */
				cr->status = (int64_t)word <= prev ?
					DSA_COMP_DR_OFFSET_NOINC :
					DSA_COMP_DR_OFFSET_ERANGE;
				cr->fault_addr = 0;
				dsa_cr_set_fault_info(cr, 0);
				cr->bytes_completed = (uint32_t)pos;
				return;
			}
			if (dsa_ops_write(env, cr, d->dst_addr + word * 8, e + 2,
					  8, DSA_OPND_ADDR2, &wgot)) {
				cr->bytes_completed = (uint32_t)pos;
				return;
			}
			prev = (int64_t)word;
			pos += DSA_DELTA_ENTRY;
		}
		if (fault) {
			cr->bytes_completed = (uint32_t)pos;
			return;
		}
	}
	cr->status = DSA_COMP_SUCCESS;
}
