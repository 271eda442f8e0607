// SPDX-License-Identifier: MIT
/*
 * Native mode's device memory (src/native/native_mem.c) on real host
 * memory of this process: mappings with holes (munmap), read-only and
 * PROT_NONE pages, a file mapping past its end, pages dropped with
 * MADV_DONTNEED.  Three levels: the back end alone; the operations library
 * on it, checked against the op tests' reference accessor (dsa_tmem.h) set
 * over the very same addresses; and a whole DSA in a system whose guest
 * submits descriptors that name host memory.  Nothing may crash: every
 * bad page must come back as a device fault.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sva/iommu.h>
#include <sva/timing.h>

#include "native/native_mem.h"
#include "../dsa/dsa_tmem.h"
#include "../idxd/guest_util.h"

#define PG 4096ull

/* ---- host memory ----------------------------------------------------------------------- */

static uint8_t *region(unsigned pages)
{
	void *p = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/* Unmap what is left of a region after holes were punched in it. */
static void region_free(uint8_t *p, unsigned pages)
{
	assert_int_equal(munmap(p, pages * PG), 0);
}

static void hole(uint8_t *p, unsigned page)
{
	assert_int_equal(munmap(p + page * PG, PG), 0);
}

static void protect(uint8_t *p, unsigned page, int prot)
{
	assert_int_equal(mprotect(p + page * PG, PG, prot), 0);
}

static struct sva_dsa_dma_req data_req(uint64_t desc)
{
	return (struct sva_dsa_dma_req){ .engine = 0, .desc = desc, .pasid = 1, .access = SVA_DSA_ACCESS_DATA };
}

static int map(struct native_mem *nm, uint64_t desc, const void *va, uint64_t len, bool write, uint64_t *got)
{
	struct sva_dsa_dma_req req = data_req(desc);
	void *ptr = NULL;
	int r;

	*got = 0;
	r = native_mem_dma_ops.map(nm, &req, (uint64_t)va, len, write, &ptr, got);
	if (!r) {
		/* The run is the program's own memory: no copy, no translation. */
		assert_ptr_equal(ptr, va);
		assert_true(*got >= 1 && *got <= len);
	}
	return r;
}

static struct native_mem_stats stats(struct native_mem *nm)
{
	struct native_mem_stats st;

	native_mem_stats(nm, &st);
	return st;
}

static struct native_mem *nm_new(enum sva_native_faults faults, uint64_t seed, enum native_mem_probe probe)
{
	struct native_mem *nm = native_mem_create(faults, seed);

	assert_non_null(nm);
	assert_int_equal(native_mem_set_probe(nm, probe), 0);
	return nm;
}

static const enum native_mem_probe probes[] = { NATIVE_MEM_PROBE_VMA, NATIVE_MEM_PROBE_POPULATE,
						NATIVE_MEM_PROBE_PROCFS };
#define NR_PROBES 3

/* ---- (a) the back end alone -------------------------------------------------------------- */

/* A run spans many pages in one piece and stops exactly at the first page that would fault. */
static void test_run_stops_at_the_first_bad_page(void **state)
{
	(void)state;
	for (unsigned pi = 0; pi < NR_PROBES; pi++) {
		struct native_mem *nm = nm_new(SVA_NATIVE_FAULTS_NONE, 0, probes[pi]);
		uint8_t *p = region(32);
		uint64_t got;

		protect(p, 18, PROT_READ);
		protect(p, 22, PROT_NONE);
		hole(p, 26);
		/* 64 KiB (16 pages, 17 touched) in one run, from an unaligned start. */
		assert_int_equal(map(nm, 1, p + 100, 16 * PG, false, &got), 0);
		assert_int_equal(got, 16 * PG);
		/* A write stops before the read-only page, a read before the PROT_NONE one. */
		assert_int_equal(map(nm, 1, p + 100, 31 * PG, true, &got), 0);
		assert_int_equal(got, 18 * PG - 100);
		assert_int_equal(map(nm, 1, p + 100, 31 * PG, false, &got), 0);
		assert_int_equal(got, 22 * PG - 100);
		assert_int_equal(map(nm, 1, p + 23 * PG, 8 * PG, false, &got), 0);
		assert_int_equal(got, 3 * PG);
		/* At the bad page itself: a fault, by kind. */
		assert_int_equal(map(nm, 1, p + 18 * PG + 8, 64, true, &got), DSA_MEM_FAULT);
		assert_int_equal(map(nm, 1, p + 22 * PG, 1, false, &got), DSA_MEM_FAULT);
		assert_int_equal(map(nm, 1, p + 26 * PG + 4095, 1, false, &got), DSA_MEM_FAULT);
		/* Above the user address space and at page 0: faults, not crashes. */
		assert_int_equal(map(nm, 1, (void *)(1ull << 47), 8, false, &got), DSA_MEM_FAULT);
		assert_int_equal(map(nm, 1, (void *)~0ull, 8, true, &got), DSA_MEM_FAULT);
		assert_int_equal(map(nm, 1, (void *)16, 8, false, &got), DSA_MEM_FAULT);
		{
			struct native_mem_stats st = stats(nm);

			assert_int_equal(st.faults[NATIVE_MEM_ACCESS], 2);
			assert_int_equal(st.faults[NATIVE_MEM_UNMAPPED], 4);
			assert_int_equal(st.faults[NATIVE_MEM_BUS], 0);
			assert_int_equal(st.maps, 10);
		}
		region_free(p, 32);
		native_mem_destroy(nm);
	}
}

/* A shared file mapping past the file's end raises SIGBUS on access: a device fault instead. */
static void test_file_mapping_past_its_end_is_a_bus_fault(void **state)
{
	(void)state;
	for (unsigned pi = 0; pi < NR_PROBES; pi++) {
		struct native_mem *nm = nm_new(SVA_NATIVE_FAULTS_NONE, 0, probes[pi]);
		int fd = memfd_create("native_mem", 0);
		uint8_t *f;
		uint64_t got;

		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, (off_t)PG), 0);
		f = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		assert_true(f != MAP_FAILED);
		assert_int_equal(map(nm, 1, f, 3 * PG, true, &got), 0);
		assert_int_equal(got, PG);
		assert_int_equal(map(nm, 1, f + PG, 8, false, &got), DSA_MEM_FAULT);
		assert_int_equal(stats(nm).faults[NATIVE_MEM_BUS], 1);
		munmap(f, 3 * PG);
		close(fd);
		native_mem_destroy(nm);
	}
}

/* What a descriptor learnt about the mappings does not outlive it. */
static void test_a_new_descriptor_checks_again(void **state)
{
	(void)state;
	for (unsigned pi = 0; pi < NR_PROBES; pi++) {
		struct native_mem *nm = nm_new(SVA_NATIVE_FAULTS_NONE, 0, probes[pi]);
		uint8_t *p = region(8);
		uint64_t got;

		assert_int_equal(map(nm, 1, p, 8 * PG, true, &got), 0);
		assert_int_equal(got, 8 * PG);
		hole(p, 3);
		protect(p, 1, PROT_READ);
		assert_int_equal(map(nm, 2, p, 8 * PG, false, &got), 0);
		assert_int_equal(got, 3 * PG);
		assert_int_equal(map(nm, 2, p, 8 * PG, true, &got), 0);
		assert_int_equal(got, PG);
		region_free(p, 8);
		native_mem_destroy(nm);
	}
}

struct fork_case {
	struct native_mem *nm;
	uint8_t *p;
};

static void forked_child(void *arg)
{
	struct fork_case *c = arg;
	uint64_t got;

	hole(c->p, 1);
	/* The child's own mappings, not the parent's (where page 1 is still there). */
	if (map(c->nm, 1, c->p, 4 * PG, false, &got) || got != PG || !map(c->nm, 1, c->p + PG, 8, false, &got))
		_exit(3);
	native_mem_destroy(c->nm);
	_exit(0);
}

/* A forked child checks against its own address space (PROCMAP_QUERY's file names one process). */
static void test_forked_child_checks_its_own_mappings(void **state)
{
	for (unsigned pi = 0; pi < NR_PROBES; pi++) {
		struct fork_case c = { .nm = nm_new(SVA_NATIVE_FAULTS_NONE, 0, probes[pi]), .p = region(4) };
		uint64_t got;
		char *err = NULL;
		int ws;

		(void)state;
		assert_int_equal(map(c.nm, 1, c.p, 4 * PG, false, &got), 0);
		assert_int_equal(got, 4 * PG);
		ws = tu_run_child(forked_child, &c, &err);
		free(err);
		assert_true(WIFEXITED(ws));
		assert_int_equal(WEXITSTATUS(ws), 0);
		/* ... and the parent still sees its own. */
		assert_int_equal(map(c.nm, 1, c.p, 4 * PG, false, &got), 0);
		assert_int_equal(got, 4 * PG);
		region_free(c.p, 4);
		native_mem_destroy(c.nm);
	}
}

/* --faults touch: a page not in memory is a device fault; a page request brings it in. */
static void test_touch_faults_on_pages_not_resident(void **state)
{
	(void)state;
	for (unsigned pi = 0; pi < NR_PROBES; pi++) {
		struct native_mem *nm = nm_new(SVA_NATIVE_FAULTS_TOUCH, 0, probes[pi]);
		struct sva_dsa_dma_req req = data_req(1);
		uint8_t *p = region(16);
		uint64_t got;

		memset(p, 1, 16 * PG);
		assert_int_equal(madvise(p + 5 * PG, 2 * PG, MADV_DONTNEED), 0);
		hole(p, 12);
		protect(p, 9, PROT_READ);
		assert_int_equal(map(nm, 1, p, 16 * PG, false, &got), 0);
		assert_int_equal(got, 5 * PG);
		assert_int_equal(map(nm, 1, p + 5 * PG + 3, 8, true, &got), DSA_MEM_FAULT);
		assert_int_equal(stats(nm).faults[NATIVE_MEM_NOT_RESIDENT], 1);
		/* The check did not bring the page in. */
		assert_int_equal(map(nm, 1, p + 5 * PG, 8, false, &got), DSA_MEM_FAULT);
		/* Block on fault: the page request faults it in, for write. */
		assert_int_equal(native_mem_dma_ops.page_request(nm, &req, (uint64_t)p + 5 * PG + 3, true),
				 SVA_PRG_SUCCESS);
		assert_int_equal(map(nm, 1, p + 5 * PG, 16 * PG, true, &got), 0);
		assert_int_equal(got, PG);	/* page 6 is still out */
		assert_int_equal(native_mem_dma_ops.page_request(nm, &req, (uint64_t)p + 6 * PG, false),
				 SVA_PRG_SUCCESS);
		assert_int_equal(map(nm, 1, p + 5 * PG, 16 * PG, false, &got), 0);
		assert_int_equal(got, 7 * PG);	/* up to the hole */
		assert_int_equal(map(nm, 1, p + 5 * PG, 16 * PG, true, &got), 0);
		assert_int_equal(got, 4 * PG);	/* up to the read-only page */
		/* Nothing can make an unmapped page or a write to a read-only page present: Invalid. */
		assert_int_equal(native_mem_dma_ops.page_request(nm, &req, (uint64_t)p + 12 * PG, false),
				 SVA_PRG_INVALID);
		assert_int_equal(native_mem_dma_ops.page_request(nm, &req, (uint64_t)p + 9 * PG, true),
				 SVA_PRG_INVALID);
		assert_int_equal(native_mem_dma_ops.page_request(nm, &req, 1ull << 47, true), SVA_PRG_INVALID);
		{
			struct native_mem_stats st = stats(nm);

			assert_int_equal(st.page_requests, 5);
			assert_int_equal(st.pages_faulted_in, 2);
			assert_int_equal(st.page_requests_invalid, 3);
		}
		/* Without --faults touch the same non-resident page is simply faulted in. */
		{
			struct native_mem *nm2 = nm_new(SVA_NATIVE_FAULTS_NONE, 0, probes[pi]);

			assert_int_equal(madvise(p, 5 * PG, MADV_DONTNEED), 0);
			assert_int_equal(map(nm2, 1, p, 9 * PG, true, &got), 0);
			assert_int_equal(got, 9 * PG);
			native_mem_destroy(nm2);
		}
		region_free(p, 16);
		native_mem_destroy(nm);
	}
}

/*
 * The faults --faults seed injects in @descs descriptors that each read
 * @pages pages of @p, resolving each fault with a page request (as block
 * on fault does) and going on: bit i of word d = page i of descriptor d
 * faulted.
 */
static void seed_pattern(struct native_mem *nm, uint8_t *p, unsigned pages, unsigned descs, uint64_t *out)
{
	for (unsigned d = 0; d < descs; d++) {
		struct sva_dsa_dma_req req = data_req(100 + d);
		uint64_t at = 0, got;

		out[d] = 0;
		while (at < pages * PG) {
			int r = map(nm, 100 + d, p + at, pages * PG - at, false, &got);

			if (r) {
				assert_int_equal(r, DSA_MEM_FAULT);
				out[d] |= 1ull << (at / PG);
				assert_int_equal(native_mem_dma_ops.page_request(nm, &req, (uint64_t)p + at, false),
						 SVA_PRG_SUCCESS);
				/* Resolved for the rest of the descriptor. */
				assert_int_equal(map(nm, 100 + d, p + at, PG, false, &got), 0);
				continue;
			}
			/* Touched again in the same descriptor: decided once. */
			assert_int_equal(map(nm, 100 + d, p + at, got, false, &got), 0);
			at += got;
		}
	}
}

static void test_seed_injects_reproducible_faults(void **state)
{
	enum { PAGES = 64, DESCS = 64 };
	uint64_t a[DESCS], b[DESCS], c[DESCS], d[DESCS];
	uint8_t *p = region(PAGES), *q = region(PAGES);
	unsigned faults = 0;
	struct native_mem *nm;

	(void)state;
	nm = nm_new(SVA_NATIVE_FAULTS_SEED, 42, NATIVE_MEM_PROBE_POPULATE);
	seed_pattern(nm, p, PAGES, DESCS, a);
	assert_int_equal(stats(nm).faults[NATIVE_MEM_INJECTED], stats(nm).page_requests);
	native_mem_destroy(nm);
	/* Same seed, other addresses, the fallback probe: the same faults. */
	nm = nm_new(SVA_NATIVE_FAULTS_SEED, 42, NATIVE_MEM_PROBE_PROCFS);
	seed_pattern(nm, q, PAGES, DESCS, b);
	native_mem_destroy(nm);
	assert_memory_equal(a, b, sizeof(a));
	/* Another seed: other faults. */
	nm = nm_new(SVA_NATIVE_FAULTS_SEED, 43, NATIVE_MEM_PROBE_POPULATE);
	seed_pattern(nm, p, PAGES, DESCS, c);
	native_mem_destroy(nm);
	assert_memory_not_equal(a, c, sizeof(a));
	/* About one first touch in NATIVE_MEM_SEED_RATE (4096 draws: 512 expected). */
	for (unsigned i = 0; i < DESCS; i++)
		faults += (unsigned)__builtin_popcountll(a[i]);
	assert_true(faults > 400 && faults < 640);
	/* The device's own records and batch lists are never injected. */
	nm = nm_new(SVA_NATIVE_FAULTS_SEED, 42, NATIVE_MEM_PROBE_POPULATE);
	for (unsigned i = 0; i < DESCS; i++) {
		struct sva_dsa_dma_req req = data_req(100 + i);
		void *ptr;
		uint64_t got;

		req.access = i % 2 ? SVA_DSA_ACCESS_RECORD : SVA_DSA_ACCESS_LIST;
		assert_int_equal(native_mem_dma_ops.map(nm, &req, (uint64_t)p, PAGES * PG, i % 2, &ptr, &got), 0);
		assert_int_equal(got, PAGES * PG);
	}
	/* ... and they draw nothing: the operands' faults are still the same. */
	seed_pattern(nm, p, PAGES, DESCS, d);
	assert_memory_equal(a, d, sizeof(a));
	native_mem_destroy(nm);
	region_free(p, PAGES);
	region_free(q, PAGES);
}

/* ---- (b) the operations on real memory, against the reference accessor ------------------------- */

enum { OP_PAGES = 48 };

static const uint8_t op_list[] = {
	DSA_OPCODE_MEMMOVE, DSA_OPCODE_MEMFILL, DSA_OPCODE_COMPARE, DSA_OPCODE_COMPVAL,
	DSA_OPCODE_CR_DELTA, DSA_OPCODE_AP_DELTA, DSA_OPCODE_DUALCAST, DSA_OPCODE_CRCGEN,
	DSA_OPCODE_COPY_CRC, DSA_OPCODE_DIF_CHECK, DSA_OPCODE_DIF_INS, DSA_OPCODE_DIF_STRP,
	DSA_OPCODE_DIF_UPDT, DSA_OPCODE_CFLUSH,
};

/* A descriptor of @op over the window [base, +OP_PAGES pages), often crossing page @bad. */
static void random_desc(uint64_t *rng, uint8_t op, uint64_t base, unsigned bad, struct dsa_hw_desc *d)
{
	static const uint32_t sizes[] = { 512, 520, 1024, 4096, 4160, 8192, 4096 * 3 + 8 * 7, 16384 };
	uint64_t span = OP_PAGES * PG;
	uint32_t n = sizes[tm_rand(rng) % 8];
	/* An address whose range crosses the bad page half the time, 8-aligned. */
	uint64_t a[4];

	for (unsigned i = 0; i < 4; i++) {
		uint64_t off = tm_rand(rng) % 2 ? bad * PG - (tm_rand(rng) % n) : tm_rand(rng) % (span - 3 * n);

		off = off > span - 2 * n - 64 ? span - 2 * n - 64 : off;
		a[i] = base + (off & ~7ull);
	}
	memset(d, 0, sizeof(*d));
	d->opcode = op;
	d->xfer_size = n;
	d->src_addr = a[0];
	d->dst_addr = a[1];
	switch (op) {
	case DSA_OPCODE_MEMFILL:
	case DSA_OPCODE_COMPVAL:
		d->pattern = tm_rand(rng);
		if (op == DSA_OPCODE_COMPVAL && tm_rand(rng) % 2)	/* make equal runs likely */
			d->pattern = 0;
		break;
	case DSA_OPCODE_CR_DELTA:
		d->src2_addr = a[1];
		d->delta_addr = a[2];
		d->max_delta_size = 80 * 8;
		break;
	case DSA_OPCODE_AP_DELTA:
		d->delta_addr = a[2];
		d->delta_rec_size = 10 * (1 + (uint32_t)(tm_rand(rng) % 8));
		d->xfer_size = n & ~7u;
		break;
	case DSA_OPCODE_DUALCAST:
		d->dest2 = (a[2] & ~0xfffull) | (a[1] & 0xfff);
		break;
	case DSA_OPCODE_CRCGEN:
	case DSA_OPCODE_COPY_CRC:
		d->crc_seed = (uint32_t)tm_rand(rng);
		break;
	case DSA_OPCODE_DIF_CHECK:
	case DSA_OPCODE_DIF_STRP:
	case DSA_OPCODE_DIF_UPDT:
		d->src_dif_flags = 0x60;	/* guard and reference checks off: the bytes are random */
		break;
	default:
		break;
	}
}

/*
 * Every operation on real memory with a hole, a PROT_NONE page or neither,
 * against tmem over the same addresses with that page absent: the same
 * record (status, write bit, fault address, bytes completed, op fields)
 * and the same bytes everywhere else.
 */
static void test_ops_on_real_memory_match_the_reference(void **state)
{
	uint64_t rng = tu_seed(7);
	unsigned partial = 0, whole = 0;

	(void)state;
	for (unsigned round = 0; round < 3; round++) {
		struct native_mem *nm = native_mem_create(SVA_NATIVE_FAULTS_NONE, 0);
		uint8_t *p = region(OP_PAGES);
		unsigned bad = 8 + (unsigned)(tm_rand(&rng) % (OP_PAGES - 16));
		struct native_mem_op op = { .nm = nm, .req = data_req(1) };
		struct dsa_op_env env = { .mem = &native_mem_op_mem, .ctx = &op, .max_xfer = 1u << 31,
					  .overlap_ok = true };
		struct tmem ref;
		struct dsa_op_env renv;

		assert_non_null(nm);
		tm_init(&ref, (uint64_t)p, OP_PAGES * PG);
		renv = tm_env(&ref);
		tm_fill_rand(&rng, p, OP_PAGES * PG);
		/* round 0: a hole; 1: PROT_NONE; 2: every page there */
		if (round == 0)
			hole(p, bad);
		else if (round == 1)
			protect(p, bad, PROT_NONE);
		if (round < 2)
			tm_set_absent(&ref, (uint64_t)p + bad * PG, DSA_MEM_FAULT);
		for (unsigned pg = 0; pg < OP_PAGES; pg++)
			if (round == 2 || pg != bad)
				memcpy(tm_ptr(&ref, (uint64_t)p + pg * PG), p + pg * PG, PG);
		for (unsigned i = 0; i < 1500; i++) {
			struct dsa_hw_desc d;
			struct dsa_completion_record cr, rcr;
			unsigned code;

			random_desc(&rng, op_list[i % sizeof(op_list)], (uint64_t)p, bad, &d);
			op.req.desc++;
			dsa_op_execute(&d, &env, &cr);
			tm_exec(&ref, &renv, &d, &rcr);
			if (memcmp(&cr, &rcr, sizeof(cr)))
				fail_msg("op %#x #%u: record %02x/%#llx/%u, reference %02x/%#llx/%u", d.opcode, i,
					 cr.status, (unsigned long long)cr.fault_addr, cr.bytes_completed, rcr.status,
					 (unsigned long long)rcr.fault_addr, rcr.bytes_completed);
			for (unsigned pg = 0; pg < OP_PAGES; pg++)
				if (pg != bad || round == 2)
					assert_memory_equal(p + pg * PG, tm_ptr(&ref, (uint64_t)p + pg * PG), PG);
			code = cr.status & DSA_COMP_STATUS_MASK;
			partial += code == DSA_COMP_PAGE_FAULT_NOBOF;
			whole += code == DSA_COMP_SUCCESS || code == DSA_COMP_SUCCESS_PRED;
		}
		tm_free(&ref);
		if (round == 1)
			protect(p, bad, PROT_READ | PROT_WRITE);
		region_free(p, OP_PAGES);
		native_mem_destroy(nm);
	}
	/* Both outcomes, many times: the comparison covered partial completions. */
	assert_true(partial > 300);
	assert_true(whole > 300);
}

static void run(struct native_mem_op *op, const struct dsa_hw_desc *d, struct dsa_completion_record *cr)
{
	struct dsa_op_env env = { .mem = &native_mem_op_mem, .ctx = op, .max_xfer = 1u << 31,
				  .overlap_ok = true };

	op->req.desc++;
	dsa_op_execute(d, &env, cr);
}

/* A write into a read-only page: the write bit, the page's address, what came before it done. */
static void test_read_only_destination_faults_with_the_write_bit(void **state)
{
	struct native_mem *nm = native_mem_create(SVA_NATIVE_FAULTS_NONE, 0);
	struct native_mem_op op = { .nm = nm };
	struct dsa_completion_record cr;
	struct dsa_hw_desc d = { .opcode = DSA_OPCODE_MEMFILL, .pattern = 0x1122334455667788ull };
	uint8_t *p = region(8);

	(void)state;
	memset(p, 0xee, 8 * PG);
	protect(p, 5, PROT_READ);
	d.dst_addr = (uint64_t)p + 3 * PG + 24;
	d.xfer_size = 3 * PG;
	run(&op, &d, &cr);
	assert_int_equal(cr.status, DSA_COMP_PAGE_FAULT_NOBOF | DSA_COMP_STATUS_WRITE);
	assert_int_equal(cr.fault_addr, (uint64_t)p + 5 * PG);
	assert_int_equal(cr.bytes_completed, 2 * PG - 24);
	assert_int_equal(p[5 * PG - 1], 0x11);
	assert_int_equal(p[5 * PG], 0xee);
	/* Reading the read-only page is fine: a copy out of it completes. */
	d = (struct dsa_hw_desc){ .opcode = DSA_OPCODE_MEMMOVE, .src_addr = (uint64_t)p + 5 * PG,
				  .dst_addr = (uint64_t)p, .xfer_size = PG };
	run(&op, &d, &cr);
	assert_int_equal(cr.status, DSA_COMP_SUCCESS);
	assert_memory_equal(p, p + 5 * PG, PG);
	/* A copy from an unmapped source: no write bit, the source's operand id. */
	hole(p, 7);
	d = (struct dsa_hw_desc){ .opcode = DSA_OPCODE_MEMMOVE, .src_addr = (uint64_t)p + 6 * PG + 8,
				  .dst_addr = (uint64_t)p, .xfer_size = 2 * PG };
	run(&op, &d, &cr);
	assert_int_equal(cr.status, DSA_COMP_PAGE_FAULT_NOBOF);
	assert_int_equal(cr.fault_addr, (uint64_t)p + 7 * PG);
	assert_int_equal(cr.bytes_completed, PG - 8);
	assert_int_equal(((uint8_t *)&cr)[2], DSA_OPND_ADDR1 << 1);
	protect(p, 5, PROT_READ | PROT_WRITE);
	region_free(p, 8);
	native_mem_destroy(nm);
}

/* ---- (c) a whole device on host memory ----------------------------------------------------------- */

struct dev_run {
	uint8_t *src, *dst;		/* host memory */
	uint64_t size;
	bool bof;
	uint8_t *rec;			/* host completion records, 32 bytes apart */
	uint8_t *list;			/* host batch list */
	unsigned nr;			/* descriptors */
	struct dsa_hw_desc desc[4];
	sva_time_t took;
};

/* Poll a completion record in host memory, as the real program does. */
static uint8_t host_poll(const uint8_t *rec)
{
	for (unsigned spins = 0; spins < GU_SPINS; spins++) {
		uint8_t s = __atomic_load_n(rec, __ATOMIC_ACQUIRE);

		if (s)
			return s;
		sva_spin(100);
	}
	return 0;
}

/* The guest submits each descriptor (host addresses inside) and waits for its host record. */
static void dev_main(void *arg)
{
	struct dev_run *t = arg;
	struct gu_wq w;
	uint64_t desc_va = gu_alloc(GU_PAGE, true);
	sva_time_t t0;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &w), 0);
	t0 = sva_rdtsc();
	for (unsigned i = 0; i < t->nr; i++) {
		GU_CHECK_EQ(sva_store(desc_va, &t->desc[i], sizeof(t->desc[i])), 0);
		GU_CHECK(gu_enq(w.portal, desc_va) >= 0);
		GU_CHECK(host_poll((const uint8_t *)t->desc[i].completion_addr) != 0);
	}
	t->took = sva_rdtsc() - t0;
	GU_CHECK_EQ(gu_close_wq(&w), 0);
}

static struct sva_system *native_sys(bool bof, struct native_mem *nm)
{
	char cfg[2048];
	struct sva_system *sys = gu_sys(1, gu_config_1wq(cfg, sizeof(cfg), "shared", 16, 16, bof, 1));

	assert_null(sva_system_dsa(sys, 1));
	sva_dsa_set_dma(sva_system_dsa(sys, 0), &native_mem_dma_ops, nm);
	return sys;
}

static struct dsa_hw_desc host_desc(uint8_t op, const void *src, const void *dst, uint32_t n, uint32_t flags,
				    const void *rec)
{
	return gu_desc(op, (uint64_t)src, (uint64_t)dst, n, flags | GU_FL, (uint64_t)rec);
}

static void test_device_copies_host_memory_and_writes_host_records(void **state)
{
	struct native_mem *nm = native_mem_create(SVA_NATIVE_FAULTS_NONE, 0);
	struct sva_system *sys = native_sys(false, nm);
	uint8_t *p = region(64);
	struct dev_run t = { .nr = 4 };
	struct dsa_completion_record *rec = (void *)(p + 60 * PG);
	struct dsa_hw_desc *list = (void *)(p + 56 * PG);
	struct sva_dsa_stats ds;
	uint64_t rng = 5;

	(void)state;
	tm_fill_rand(&rng, p, 40 * PG);
	hole(p, 50);
	/* 1: a 64 KiB copy. 2: a copy into the hole: a partial completion at its exact address. */
	t.desc[0] = host_desc(DSA_OPCODE_MEMMOVE, p, p + 16 * PG, 16 * PG, 0, &rec[0]);
	t.desc[1] = host_desc(DSA_OPCODE_MEMMOVE, p, p + 48 * PG + 100, 4 * PG, 0, &rec[1]);
	/* 3: a batch whose list is in host memory: a fill and a compare of what descriptor 1 copied. */
	list[0] = host_desc(DSA_OPCODE_MEMFILL, NULL, p + 32 * PG, PG, 0, &rec[2]);
	list[0].pattern = 0x0101010101010101ull;
	list[1] = host_desc(DSA_OPCODE_COMPARE, p, p + 16 * PG, 16 * PG, 0, &rec[3]);
	t.desc[2] = host_desc(DSA_OPCODE_BATCH, NULL, NULL, 0, 0, &rec[4]);
	t.desc[2].desc_list_addr = (uint64_t)list;
	t.desc[2].desc_count = 2;
	/* 4: a drain. */
	t.desc[3] = host_desc(DSA_OPCODE_DRAIN, NULL, NULL, 0, 0, &rec[5]);
	gu_run_one(sys, dev_main, &t);
	assert_int_equal(rec[0].status, DSA_COMP_SUCCESS);
	assert_memory_equal(p, p + 16 * PG, 16 * PG);
	assert_int_equal(rec[1].status, DSA_COMP_PAGE_FAULT_NOBOF | DSA_COMP_STATUS_WRITE);
	assert_int_equal(rec[1].fault_addr, (uint64_t)p + 50 * PG);
	assert_int_equal(rec[1].bytes_completed, 2 * PG - 100);
	assert_memory_equal(p + 48 * PG + 100, p, 2 * PG - 100);
	assert_int_equal(rec[2].status, DSA_COMP_SUCCESS);
	assert_int_equal(p[32 * PG + 4095], 1);
	assert_int_equal(rec[3].status, DSA_COMP_SUCCESS);
	assert_int_equal(rec[3].result, 0);
	assert_int_equal(rec[4].status, DSA_COMP_SUCCESS);
	assert_int_equal(rec[4].bytes_completed, 2);
	assert_int_equal(rec[5].status, DSA_COMP_SUCCESS);
	sva_dsa_stats(sva_system_dsa(sys, 0), &ds);
	/* No ATC, no ATS: the device translated nothing. */
	assert_int_equal(ds.atc_hits + ds.atc_misses + ds.untranslated, 0);
	assert_int_equal(ds.page_faults_partial, 1);
	assert_int_equal(ds.cr_writes, 6);
	assert_int_equal(stats(nm).faults[NATIVE_MEM_UNMAPPED], 1);
	sva_system_destroy(sys);
	region_free(p, 64);
	native_mem_destroy(nm);
}

/*
 * --faults touch on a WQ with block on fault: each page dropped with
 * MADV_DONTNEED costs a page request (pri_rtt + iopf_handling of virtual
 * time) and the copy completes; an unmapped destination is Invalid: 0x84.
 */
static sva_time_t bof_copy(unsigned dropped, struct sva_dsa_stats *ds, struct native_mem_stats *ns,
			   uint8_t *status_unmapped)
{
	struct native_mem *nm = native_mem_create(SVA_NATIVE_FAULTS_TOUCH, 0);
	struct sva_system *sys = native_sys(true, nm);
	uint8_t *p = region(48);
	struct dev_run t = { .nr = 2 };
	struct dsa_completion_record *rec = (void *)(p + 40 * PG);

	memset(p, 0x5a, 48 * PG);
	assert_int_equal(madvise(p + 16 * PG, dropped * PG, MADV_DONTNEED), 0);
	hole(p, 36);
	t.desc[0] = host_desc(DSA_OPCODE_MEMMOVE, p, p + 16 * PG, 16 * PG, IDXD_OP_FLAG_BOF, &rec[0]);
	t.desc[1] = host_desc(DSA_OPCODE_MEMMOVE, p, p + 35 * PG, 2 * PG, IDXD_OP_FLAG_BOF, &rec[1]);
	memset(p, 0xa5, 16 * PG);
	memset(rec, 0, 2 * sizeof(*rec));
	gu_run_one(sys, dev_main, &t);
	assert_int_equal(rec[0].status, DSA_COMP_SUCCESS);
	assert_memory_equal(p, p + 16 * PG, 16 * PG);
	*status_unmapped = rec[1].status;
	assert_int_equal(rec[1].fault_addr, (uint64_t)p + 36 * PG);
	sva_dsa_stats(sva_system_dsa(sys, 0), ds);
	native_mem_stats(nm, ns);
	sva_system_destroy(sys);
	region_free(p, 48);
	native_mem_destroy(nm);
	return t.took;
}

static void test_device_block_on_fault_brings_pages_in(void **state)
{
	struct sva_dsa_stats ds0, ds4;
	struct native_mem_stats ns0, ns4;
	struct sva_timing tm;
	uint8_t st0, st4;
	sva_time_t t0, t4;

	(void)state;
	t0 = bof_copy(0, &ds0, &ns0, &st0);
	t4 = bof_copy(4, &ds4, &ns4, &st4);
	assert_int_equal(st0, DSA_COMP_PAGE_FAULT_IR | DSA_COMP_STATUS_WRITE);
	assert_int_equal(st4, DSA_COMP_PAGE_FAULT_IR | DSA_COMP_STATUS_WRITE);
	/* One request for the unmapped page, Invalid; then one per dropped page, Success. */
	assert_int_equal(ds0.page_requests, 1);
	assert_int_equal(ds0.prs_invalid, 1);
	assert_int_equal(ds4.page_requests, 5);
	assert_int_equal(ds4.prs_success, 4);
	assert_int_equal(ns4.pages_faulted_in, 4);
	assert_int_equal(ns4.faults[NATIVE_MEM_NOT_RESIDENT], 4);
	/* Each costs the PRI round trip and the kernel's fault handling. */
	sva_timing_default(&tm);
	assert_true(t4 - t0 >= 4 * (tm.pri_rtt + tm.iopf_handling));
	assert_true(t4 - t0 < 4 * (tm.pri_rtt + tm.iopf_handling) + 4 * 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_stops_at_the_first_bad_page),
		cmocka_unit_test(test_file_mapping_past_its_end_is_a_bus_fault),
		cmocka_unit_test(test_a_new_descriptor_checks_again),
		cmocka_unit_test(test_forked_child_checks_its_own_mappings),
		cmocka_unit_test(test_touch_faults_on_pages_not_resident),
		cmocka_unit_test(test_seed_injects_reproducible_faults),
		cmocka_unit_test(test_ops_on_real_memory_match_the_reference),
		cmocka_unit_test(test_read_only_destination_faults_with_the_write_bit),
		cmocka_unit_test(test_device_copies_host_memory_and_writes_host_records),
		cmocka_unit_test(test_device_block_on_fault_brings_pages_in),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
