// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the DSA operations library (src/hw/dsa/dsa_ops.h).
 *
 * Input layout (anything shorter is zero-padded):
 *
 *   byte 0      bits 2:0 number of descriptors - 1 (1..8), bit 3 merge
 *               physically contiguous pages, bit 4 overlapping copy
 *               support, bits 7:5 max_xfer choice
 *   byte 1      if nonzero, every run the accessor hands out is cut to
 *               this many bytes
 *   bytes 2..5  2 bits per page of the 16-page window: 0 present,
 *               1 not present (DSA_MEM_FAULT), 2 page response Invalid
 *               Request (DSA_MEM_FAULT_IR), 3 translation error (or, for
 *               pages 12..15, a hardware error: -EIO)
 *   then        the descriptors, 64 bytes each, taken as they are
 *   then        the memory image: the first bytes of the window
 *
 * The window is the virtual range [WBASE, WBASE + 64 KiB); WBASE is low so
 * small addresses in a descriptor land in it.  The accessor works in bounce
 * mode: each run it grants is a separate malloc of exactly the bytes
 * granted, copied back when the operation returns, so ASan reports any byte
 * an operation touches that it was not given.  The accessor itself checks
 * that it is asked for at least one byte, that the range asked for does not
 * wrap past 2^64, and that what it grants lies inside the window.
 *
 * Checked per descriptor: a descriptor dsa_op_check() rejects touches no
 * memory and completes with that status; the status is one DSA defines;
 * the number of runs is bounded; a memmove or fill writes nothing outside
 * its destination, and when it succeeds the destination holds exactly the
 * source bytes (memmove semantics) or the pattern.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/dsa/dsa_ops.h"

#include "fuzz_util.h"
#include "../util/dsa_status.h"

#define WBASE	0x1000ull
#define PAGE	4096ull
#define NPAGES	16u
#define WSIZE	(NPAGES * PAGE)
#define HDR	6u
#define MAXDESC	8u

struct run {
	struct run *next;
	uint64_t off, n;
	bool write;
	uint8_t *p;
};

struct fmem {
	uint8_t *buf;			/* the window's contents */
	uint8_t kind[NPAGES];		/* what map() says for each page */
	bool merge;
	uint64_t max_run;
	struct run *live;
	unsigned long calls;
};

static int fm_map(void *ctx, uint64_t va, uint64_t len, bool write, unsigned opnd, void **ptr,
		  uint64_t *got)
{
	(void)opnd;
	struct fmem *m = ctx;
	uint64_t off, n, pg;
	struct run *r;

	m->calls++;
	CHECK(len > 0);
	CHECK(va + (len - 1) >= va);	/* the ops reject ranges that wrap */
	if (va < WBASE || va - WBASE >= WSIZE)
		return DSA_MEM_FAULT;
	off = va - WBASE;
	pg = off / PAGE;
	switch (m->kind[pg]) {
	case 1:
		return DSA_MEM_FAULT;
	case 2:
		return DSA_MEM_FAULT_IR;
	case 3:
		return pg >= 12 ? -EIO : DSA_MEM_XLAT_ERR;
	default:
		break;
	}
	n = (pg + 1) * PAGE - off;
	while (m->merge && n < len && off + n < WSIZE && !m->kind[(off + n) / PAGE])
		n += PAGE;
	if (n > len)
		n = len;
	if (m->max_run && n > m->max_run)
		n = m->max_run;
	CHECK(n >= 1 && n <= len && off + n <= WSIZE);
	r = malloc(sizeof(*r));
	CHECK(r);
	r->p = malloc(n);
	CHECK(r->p);
	memcpy(r->p, m->buf + off, n);
	r->off = off;
	r->n = n;
	r->write = write;
	r->next = m->live;
	m->live = r;
	*ptr = r->p;
	*got = n;
	return 0;
}

static const struct dsa_mem_ops fm_ops = { .map = fm_map };

/*
 * Copy the runs back, oldest first, so when two runs of one operation
 * overlap (a memmove within one buffer) the later one wins.
 */
static void fm_flush(struct fmem *m)
{
	struct run *prev = NULL, *r = m->live;

	while (r) {		/* newest first -> oldest first */
		struct run *next = r->next;

		r->next = prev;
		prev = r;
		r = next;
	}
	while (prev) {
		struct run *next = prev->next;

		if (prev->write)
			memcpy(m->buf + prev->off, prev->p, prev->n);
		free(prev->p);
		free(prev);
		prev = next;
	}
	m->live = NULL;
}

static bool in_window(uint64_t va, uint64_t n)
{
	return va >= WBASE && n <= WSIZE && va - WBASE <= WSIZE - n;
}

/* Memmove and fill: exact results, and nothing written outside dst. */
static void check_mover(const struct dsa_hw_desc *d,
			const struct dsa_completion_record *cr,
			const uint8_t *before, const uint8_t *after)
{
	uint64_t n = d->xfer_size, lo, hi;

	/* outside [dst, dst + n) nothing may change, whatever the status */
	lo = d->dst_addr < WBASE ? 0 : d->dst_addr - WBASE;
	if (lo > WSIZE)
		lo = WSIZE;
	hi = d->dst_addr + n < d->dst_addr ? WSIZE :
	     d->dst_addr + n < WBASE ? 0 : d->dst_addr + n - WBASE;
	if (hi > WSIZE)
		hi = WSIZE;
	if (hi < lo)
		hi = lo;
	CHECK(memcmp(before, after, lo) == 0);
	CHECK(memcmp(before + hi, after + hi, WSIZE - hi) == 0);

	if (cr->status != DSA_COMP_SUCCESS)
		return;
	CHECK(in_window(d->dst_addr, n));
	if (d->opcode == DSA_OPCODE_MEMMOVE) {
		CHECK(in_window(d->src_addr, n));
		/*
		 * Bounce runs are private copies: a source run taken after a
		 * destination run over the same bytes sees the old bytes, so
		 * the contents say nothing when the buffers overlap.
		 */
		if (d->src_addr < d->dst_addr + n && d->dst_addr < d->src_addr + n)
			return;
		CHECK(memcmp(after + (d->dst_addr - WBASE),
			     before + (d->src_addr - WBASE), n) == 0);
	} else {
		for (uint64_t i = 0; i < n; i++)
			CHECK(after[d->dst_addr - WBASE + i] ==
			      (uint8_t)(d->pattern >> (8 * (i % 8))));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t max_xfers[8] = {
		0, 1u << 31, 1u << 20, 64u << 10, 4096, 256, 16, 1,
	};
	uint8_t hdr[HDR] = { 0 };
	struct fmem m;
	struct dsa_op_env env;
	uint8_t *before;
	unsigned int ndesc;

	memcpy(hdr, data, size < HDR ? size : HDR);
	data += size < HDR ? size : HDR;
	size -= size < HDR ? size : HDR;
	ndesc = (hdr[0] & 7u) + 1;

	memset(&m, 0, sizeof(m));
	m.buf = calloc(1, WSIZE);
	before = malloc(WSIZE);
	CHECK(m.buf && before);
	m.merge = hdr[0] & 8u;
	m.max_run = hdr[1];
	for (unsigned int p = 0; p < NPAGES; p++)
		m.kind[p] = (uint8_t)((hdr[2 + p / 4] >> (2 * (p % 4))) & 3u);

	env = (struct dsa_op_env){
		.mem = &fm_ops, .ctx = &m,
		.max_xfer = max_xfers[hdr[0] >> 5],
		.overlap_ok = hdr[0] & 16u,
	};

	{
		uint8_t raw[MAXDESC * 64] = { 0 };
		size_t dn = ndesc * 64u;

		memcpy(raw, data, size < dn ? size : dn);
		data += size < dn ? size : dn;
		size -= size < dn ? size : dn;
		memcpy(m.buf, data, size < WSIZE ? size : WSIZE);

		for (unsigned int i = 0; i < ndesc; i++) {
			struct dsa_hw_desc d;
			struct dsa_completion_record cr, ccr;
			unsigned long calls;
			int chk;

			dsa_desc_load(&d, raw + 64u * i);
			m.max_run = hdr[1];
			memcpy(before, m.buf, WSIZE);
			memset(&ccr, 0, sizeof(ccr));
			chk = dsa_op_check(&d, &env, &ccr);
			calls = m.calls;
			memset(&cr, 0xa5, sizeof(cr));
			dsa_op_execute(&d, &env, &cr);
			fm_flush(&m);

			CHECK(dsa_op_status_known(cr.status));
			if (chk) {
				CHECK(m.calls == calls);
				CHECK(cr.status == chk);
				CHECK(memcmp(before, m.buf, WSIZE) == 0);
			}
			/* bounded: every run is at least a byte of the window */
			CHECK(m.calls - calls <= 4 * WSIZE + 100);
			if (d.opcode == DSA_OPCODE_MEMMOVE || d.opcode == DSA_OPCODE_MEMFILL)
				check_mover(&d, &cr, before, m.buf);
		}
	}
	free(before);
	free(m.buf);
	return 0;
}
