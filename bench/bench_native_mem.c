// SPDX-License-Identifier: MIT
/*
 * Native mode's device memory (src/native/native_mem.c): a memmove
 * descriptor executed by the operations library on real host memory
 * through the native back end, against the host's memcpy of the same
 * bytes, 4 KiB to 2 MiB.  The difference is what checking the runs costs
 * (system calls that never fault), since the data moves in place: the run
 * is the program's own pointer.  `--quick` measures for a tenth as long.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <linux/idxd.h>

#include "native/native_mem.h"

#define AREA	(64ull << 20)	/* walked through, so large copies are not all in cache */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint8_t *area(void)
{
	uint8_t *p = mmap(NULL, AREA, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	memset(p, 1, AREA);
	return p;
}

struct bench {
	uint8_t *src, *dst;
	uint64_t size;
	double secs;		/* how long to measure */
};

static uint64_t next_off(uint64_t off, uint64_t size)
{
	off += size;
	return off + size > AREA ? 0 : off;
}

/* Bytes per second of the host's memcpy. */
static double host_copy(const struct bench *b)
{
	uint64_t off = 0, n = 0;
	double t0 = now_s(), t;

	do {
		for (unsigned i = 0; i < 16; i++, n++) {
			memcpy(b->dst + off, b->src + off, b->size);
			off = next_off(off, b->size);
		}
		t = now_s() - t0;
	} while (t < b->secs);
	return (double)(n * b->size) / t;
}

/* Bytes per second of memmove descriptors through @nm; *probes = its system calls per descriptor. */
static double native_copy(const struct bench *b, struct native_mem *nm, double *probes)
{
	struct native_mem_op op = { .nm = nm, .req = { .access = SVA_DSA_ACCESS_DATA } };
	struct dsa_op_env env = { .mem = &native_mem_op_mem, .ctx = &op, .max_xfer = 1ull << 31,
				  .overlap_ok = true };
	struct native_mem_stats st0, st1;
	uint64_t off = 0, n = 0;
	double t0 = now_s(), t;

	native_mem_stats(nm, &st0);
	do {
		for (unsigned i = 0; i < 16; i++, n++) {
			struct dsa_hw_desc d = { .opcode = DSA_OPCODE_MEMMOVE, .src_addr = (uint64_t)(b->src + off),
						 .dst_addr = (uint64_t)(b->dst + off), .xfer_size = (uint32_t)b->size };
			struct dsa_completion_record cr;

			op.req.desc++;
			dsa_op_execute(&d, &env, &cr);
			if (cr.status != DSA_COMP_SUCCESS) {
				fprintf(stderr, "memmove of %llu bytes: status %#x\n", (unsigned long long)b->size,
					cr.status);
				exit(1);
			}
			off = next_off(off, b->size);
		}
		t = now_s() - t0;
	} while (t < b->secs);
	native_mem_stats(nm, &st1);
	*probes = (double)(st1.probes - st0.probes) / (double)n;
	return (double)(n * b->size) / t;
}

int main(int argc, char **argv)
{
	bool quick = argc > 1 && !strcmp(argv[1], "--quick");
	struct bench b = { .src = area(), .dst = area(), .secs = quick ? 0.03 : 0.3 };
	struct native_mem *nm = native_mem_create(SVA_NATIVE_FAULTS_NONE, 0);
	static const enum native_mem_probe probes[] = { NATIVE_MEM_PROBE_VMA, NATIVE_MEM_PROBE_POPULATE,
							NATIVE_MEM_PROBE_PROCFS };
	static const char *const probe_names[] = { "PROCMAP_QUERY (default)", "MADV_POPULATE",
						    "procfs fallback" };

	if (!nm) {
		perror("native_mem_create");
		return 1;
	}
	printf("memmove descriptors through native_mem (--faults none) vs host memcpy\n");
	for (unsigned p = 0; p < 3; p++) {
		if (native_mem_set_probe(nm, probes[p])) {
			printf("\n%s: not available on this kernel\n", probe_names[p]);
			continue;
		}
		printf("\n%s\n%10s %14s %14s %8s %14s\n", probe_names[p], "size", "memcpy GB/s", "native GB/s",
		       "ratio", "syscalls/desc");
		for (b.size = 4096; b.size <= (2u << 20); b.size *= 2) {
			double probes_per, host = host_copy(&b), nat = native_copy(&b, nm, &probes_per);

			printf("%8llu K %14.2f %14.2f %7.0f%% %14.1f\n", (unsigned long long)b.size >> 10, host / 1e9,
			       nat / 1e9, 100.0 * nat / host, probes_per);
		}
	}
	native_mem_destroy(nm);
	munmap(b.src, AREA);
	munmap(b.dst, AREA);
	return 0;
}
