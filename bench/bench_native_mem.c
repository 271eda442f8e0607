// SPDX-License-Identifier: MIT
/*
 * Native mode's device memory (src/native/native_mem.c): a memmove
 * descriptor executed by the operations library on real host memory
 * through the native back end, against the host's memcpy of the same
 * bytes, 4 KiB to 2 MiB.  The difference is what checking the runs costs
 * (system calls that never fault), since the data moves in place: the run
 * is the program's own pointer.  Then the same through a whole DSA of an
 * sva_system with the back end set: a guest ENQCMDs memmoves naming host
 * memory and polls their host records - what native mode adds per
 * descriptor besides catching the instruction.  `--quick` measures for a
 * tenth as long.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <linux/idxd.h>

#include <sva/guest.h>
#include <sva/sim.h>
#include <sva/system.h>

#include "native/native_mem.h"
#include "system_internal.h"

#define AREA	(64ull << 20)	/* walked through, so large copies are not all in cache */
#define ROUNDS	5

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double best(double a, double b)
{
	return a > b ? a : b;
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

/* ---- through the whole device ----------------------------------------------------------- */

struct dev_job {
	const struct bench *b;
	uint8_t *rec;		/* host completion record */
	uint64_t n;
	double t;
};

static void dev_guest(void *arg)
{
	struct dev_job *j = arg;
	int fd = sva_open("/dev/dsa/wq0.0", SVA_O_RDWR);
	uint64_t portal = (uint64_t)sva_mmap(0, 4096, SVA_PROT_WRITE, SVA_MAP_SHARED, fd, 0);
	uint64_t desc = (uint64_t)sva_mmap(0, 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE, -1, 0);
	uint64_t off = 0;
	double t0 = now_s();

	do {
		struct dsa_hw_desc d = { .opcode = DSA_OPCODE_MEMMOVE, .flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR,
					 .completion_addr = (uint64_t)j->rec,
					 .src_addr = (uint64_t)(j->b->src + off),
					 .dst_addr = (uint64_t)(j->b->dst + off), .xfer_size = (uint32_t)j->b->size };

		j->rec[0] = 0;
		sva_store(desc, &d, sizeof(d));
		while (sva_enqcmd(portal, desc) == 1)
			sva_spin(100);
		while (!__atomic_load_n(j->rec, __ATOMIC_ACQUIRE))
			sva_spin(j->b->size / 32 + 50);
		if (j->rec[0] != DSA_COMP_SUCCESS) {
			fprintf(stderr, "memmove of %llu bytes: status %#x\n", (unsigned long long)j->b->size, j->rec[0]);
			exit(1);
		}
		off = next_off(off, j->b->size);
		j->n++;
		j->t = now_s() - t0;
	} while (j->t < j->b->secs);
	sva_close(fd);
}

/* One DSA, one shared WQ taking transfers up to 2 MiB, one engine. */
static const char *dev_config =
	"[{\"dev\":\"dsa0\",\"groups\":[{\"dev\":\"group0.0\",\"grouped_workqueues\":[{\"dev\":\"wq0.0\","
	"\"mode\":\"shared\",\"size\":16,\"threshold\":16,\"priority\":10,\"block_on_fault\":0,"
	"\"max_transfer_size\":2097152,\"type\":\"user\",\"name\":\"bench\",\"driver_name\":\"user\"}],"
	"\"grouped_engines\":[{\"dev\":\"engine0.0\",\"group_id\":0}]}]}]";

/* Bytes per second of memmove descriptors through a device whose memory path is @nm. */
static double device_copy(const struct bench *b, struct native_mem *nm, uint8_t *rec)
{
	char err[256];
	struct sva_system *sys = sva_system_create_err(&(struct sva_system_config){
		.seed = 1, .ram_size = 64ull << 20, .accel_config = dev_config, .check = -1 }, err, sizeof(err));
	struct dev_job j = { .b = b, .rec = rec };

	if (!sys) {
		fprintf(stderr, "system: %s\n", err);
		exit(1);
	}
	sva_dsa_set_dma(sva_system_dsa(sys, 0), &native_mem_dma_ops, nm);
	if (sva_system_spawn(sys, "bench", dev_guest, &j) < 0 || sva_sim_run(sva_system_sim(sys))) {
		fprintf(stderr, "the simulation failed\n");
		exit(1);
	}
	sva_system_destroy(sys);
	return (double)(j.n * b->size) / j.t;
}

int main(int argc, char **argv)
{
	bool quick = argc > 1 && !strcmp(argv[1], "--quick");
	struct bench b = { .src = area(), .dst = area(), .secs = quick ? 0.01 : 0.1 };
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
			double probes_per = 0, host = 0, nat = 0;

			/* Alternate, best of each: the VM's other tenants move both. */
			for (unsigned r = 0; r < ROUNDS; r++) {
				host = best(host, host_copy(&b));
				nat = best(nat, native_copy(&b, nm, &probes_per));
			}

			printf("%8llu K %14.2f %14.2f %7.0f%% %14.1f\n", (unsigned long long)b.size >> 10, host / 1e9,
			       nat / 1e9, 100.0 * nat / host, probes_per);
		}
	}
	native_mem_destroy(nm);
	nm = native_mem_create(SVA_NATIVE_FAULTS_NONE, 0);	/* the kernel's best probe */
	if (nm) {
		uint8_t *rec = aligned_alloc(64, 64);

		printf("\nthe whole device (sva_system, one engine, host records), default probe\n%10s %14s %14s %8s\n",
		       "size", "memcpy GB/s", "device GB/s", "ratio");
		for (b.size = 4096; b.size <= (2u << 20); b.size *= 4) {
			double host = 0, dev = 0;

			for (unsigned r = 0; r < ROUNDS; r++) {
				host = best(host, host_copy(&b));
				dev = best(dev, device_copy(&b, nm, rec));
			}

			printf("%8llu K %14.2f %14.2f %7.0f%%\n", (unsigned long long)b.size >> 10, host / 1e9, dev / 1e9,
			       100.0 * dev / host);
		}
		free(rec);
		native_mem_destroy(nm);
	}
	munmap(b.src, AREA);
	munmap(b.dst, AREA);
	return 0;
}
