/* SPDX-License-Identifier: MIT */
/*
 * A test accessor for the DSA operations: a plain host buffer standing for
 * the virtual range [base, base + size), 4 KiB pages, chosen pages "not
 * present".  Runs stop at page boundaries unless @merge says the present
 * pages are physically contiguous.  In @bounce mode every run is a fresh
 * allocation of exactly the bytes granted (plus a canary), copied back when
 * the op is done, so an op touching a byte it was not given shows up under
 * ASan (reads and writes) or as a broken canary (writes).
 */
#ifndef SVA_TESTS_DSA_TMEM_H
#define SVA_TESTS_DSA_TMEM_H

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hw/dsa/dsa_ops.h"

#define TM_PAGE 4096u

/* Under ASan an exact-size allocation catches over-reads too: no canary. */
#if defined(__SANITIZE_ADDRESS__)
#define TM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TM_ASAN 1
#endif
#endif
#ifdef TM_ASAN
#define TM_CANARY 0u
#else
#define TM_CANARY 16u
#endif

struct tm_bounce {
	struct tm_bounce *next;
	uint64_t va, n;
	bool write;
	uint8_t *p;
};

struct tmem {
	uint8_t *buf;
	uint64_t base, size;
	uint8_t *absent;	/* per page: nonzero = map() returns absent[] code */
	bool merge;
	bool bounce;
	struct tm_bounce *live;
	unsigned long calls;
	uint64_t max_run;	/* if nonzero, runs are cut to this many bytes */
};

static inline void tm_init(struct tmem *m, uint64_t base, uint64_t size)
{
	assert(base % TM_PAGE == 0 && size % TM_PAGE == 0);
	memset(m, 0, sizeof(*m));
	m->base = base;
	m->size = size;
	m->buf = calloc(1, size);
	m->absent = calloc(1, size / TM_PAGE);
	assert(m->buf && m->absent);
}

static inline uint8_t *tm_ptr(struct tmem *m, uint64_t va)
{
	assert(va >= m->base && va < m->base + m->size);
	return m->buf + (va - m->base);
}

static inline void tm_set_absent(struct tmem *m, uint64_t va, uint8_t code)
{
	m->absent[(va - m->base) / TM_PAGE] = code;
}

/* Copy bounce buffers back and check their canaries. */
static inline void tm_flush(struct tmem *m)
{
	while (m->live) {
		struct tm_bounce *b = m->live;

		for (unsigned int i = 0; i < TM_CANARY; i++)
			assert(b->p[b->n + i] == 0xa5);
		if (b->write)
			memcpy(m->buf + (b->va - m->base), b->p, b->n);
		m->live = b->next;
		free(b->p);
		free(b);
	}
}

static inline void tm_free(struct tmem *m)
{
	tm_flush(m);
	free(m->buf);
	free(m->absent);
}

static inline int tm_map(void *ctx, uint64_t va, uint64_t len, bool write, unsigned opnd,
			 void **ptr, uint64_t *got)
{
	(void)opnd;
	struct tmem *m = ctx;
	uint64_t off, n, pg;

	m->calls++;
	assert(len > 0);
	if (va < m->base || va - m->base >= m->size)
		return DSA_MEM_FAULT;
	off = va - m->base;
	pg = off / TM_PAGE;
	if (m->absent[pg]) {
		uint8_t code = m->absent[pg];

		return code == 0xff ? -EIO : code;
	}
	n = (pg + 1) * TM_PAGE - off;
	while (m->merge && n < len && off + n < m->size &&
	       !m->absent[(off + n) / TM_PAGE])
		n += TM_PAGE;
	if (n > len)
		n = len;
	if (m->max_run && n > m->max_run)
		n = m->max_run;
	assert(n >= 1 && n <= len && off + n <= m->size);
	if (m->bounce) {
		struct tm_bounce *b = malloc(sizeof(*b));

		assert(b);
		b->p = malloc(n + TM_CANARY);	/* n >= 1: never malloc(0) */
		assert(b->p);
		memcpy(b->p, m->buf + off, n);
		memset(b->p + n, 0xa5, TM_CANARY);
		b->va = va;
		b->n = n;
		b->write = write;
		b->next = m->live;
		m->live = b;
		*ptr = b->p;
	} else {
		*ptr = m->buf + off;
	}
	*got = n;
	return 0;
}

static const struct dsa_mem_ops tm_ops = { .map = tm_map };

static inline struct dsa_op_env tm_env(struct tmem *m)
{
	struct dsa_op_env e = {
		.mem = &tm_ops, .ctx = m, .max_xfer = 1u << 31,
		.overlap_ok = true,
	};
	return e;
}

/* splitmix64: the tests' own PRNG, seeded from tu_seed(). */
static inline uint64_t tm_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void tm_fill_rand(uint64_t *s, void *p, uint64_t n)
{
	uint8_t *b = p;

	for (uint64_t i = 0; i < n; i++)
		b[i] = (uint8_t)tm_rand(s);
}

/* Run one descriptor and release its runs. */
static inline void tm_exec(struct tmem *m, struct dsa_op_env *env,
			   const struct dsa_hw_desc *d,
			   struct dsa_completion_record *cr)
{
	dsa_op_execute(d, env, cr);
	tm_flush(m);
}

/* A window with random contents, its env and the PRNG: one per test. */
struct tm_fx {
	struct tmem m;
	struct dsa_op_env env;
	uint64_t rng;
};

static inline struct tm_fx *tm_fx_new(uint64_t base, uint64_t size, uint64_t seed)
{
	struct tm_fx *f = calloc(1, sizeof(*f));

	assert(f);
	tm_init(&f->m, base, size);
	f->env = tm_env(&f->m);
	f->rng = seed;
	tm_fill_rand(&f->rng, f->m.buf, size);
	return f;
}

static inline void tm_fx_free(struct tm_fx *f)
{
	tm_free(&f->m);
	free(f);
}

/* A descriptor with a completion record requested and the given fields. */
static inline struct dsa_hw_desc tm_desc(unsigned int op, uint64_t src,
					 uint64_t dst, uint32_t n, uint32_t flags)
{
	struct dsa_hw_desc d;

	memset(&d, 0, sizeof(d));
	d.opcode = op;
	d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR | flags;
	d.src_addr = src;
	d.dst_addr = dst;
	d.xfer_size = n;
	return d;
}

static inline struct dsa_completion_record tm_run(struct tm_fx *f,
						  const struct dsa_hw_desc *d)
{
	struct dsa_completion_record cr;

	tm_exec(&f->m, &f->env, d, &cr);
	return cr;
}

static inline uint8_t *tm_p(struct tm_fx *f, uint64_t va)
{
	return tm_ptr(&f->m, va);
}

static inline uint64_t tm_rnd(struct tm_fx *f, uint64_t n)
{
	return tm_rand(&f->rng) % n;
}

#endif
