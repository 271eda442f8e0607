// SPDX-License-Identifier: MIT
/*
 * A plain DSA program, written the way real ones are (no sva headers):
 * open /dev/dsa/wqD.Q, mmap the portal, build descriptors in its own
 * memory, submit with ENQCMD (shared WQ) or MOVDIR64B (dedicated WQ),
 * poll the completion record.  Run under `sva native` it measures what
 * native mode costs: the time from the submitting instruction to a
 * completed record (no-op descriptors), and memmove throughput against
 * the host's memcpy.  bench_native runs it; docs/performance.md has the
 * numbers.
 *
 *   native_submit [--wq /dev/dsa/wqD.Q] [--dedicated] [--iters N] [--no-dsa N]
 *
 * --no-dsa N makes N file-system calls (open/fstat/close of /dev/null
 * and stat of /) and no DSA call: what an unrelated program pays for
 * running under the preloaded library.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/idxd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ZF: 1 when the WQ did not take the descriptor. */
static int enqcmd(void *portal, const struct dsa_hw_desc *d)
{
	uint8_t retry;

	__asm__ volatile(".byte 0xf2, 0x0f, 0x38, 0xf8, 0x02\n\tsetz %0"
			 : "=r"(retry) : "a"(portal), "d"(d) : "memory", "cc");
	return retry;
}

static void movdir64b(void *portal, const struct dsa_hw_desc *d)
{
	__asm__ volatile(".byte 0x66, 0x0f, 0x38, 0xf8, 0x02" : : "a"(portal), "d"(d) : "memory");
}

struct ctx {
	void *portal;
	int dedicated;
	uint64_t retries;
};

static int submit_wait(struct ctx *c, struct dsa_hw_desc *d, volatile struct dsa_completion_record *cr)
{
	cr->status = 0;
	__asm__ volatile("sfence" ::: "memory");
	if (c->dedicated)
		movdir64b(c->portal, d);
	else
		while (enqcmd(c->portal, d))
			c->retries++;
	for (unsigned long spin = 0; !cr->status; spin++)
		if (spin > 2000000000ul)
			return -ETIMEDOUT;
	return cr->status == DSA_COMP_SUCCESS ? 0 : -EIO;
}

static int no_dsa(long n)
{
	double t0 = now_s();
	struct stat st;

	for (long i = 0; i < n; i++) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd < 0 || fstat(fd, &st) || close(fd) || stat("/", &st))
			return 1;
	}
	printf("no-dsa: %ld rounds of open/fstat/close/stat in %.3f s (%.0f ns per round)\n", n,
	       now_s() - t0, (now_s() - t0) * 1e9 / (double)n);
	return 0;
}

int main(int argc, char **argv)
{
	const char *wq = "/dev/dsa/wq0.0";
	static const size_t sizes[] = { 4096, 16384, 65536, 262144, 1048576, 2097152 };
	struct dsa_completion_record *cr;
	struct dsa_hw_desc d;
	struct ctx c = { 0 };
	long iters = 200;
	uint8_t *src, *dst;
	int fd;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--wq") && i + 1 < argc)
			wq = argv[++i];
		else if (!strcmp(argv[i], "--dedicated"))
			c.dedicated = 1;
		else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
			iters = atol(argv[++i]);
		else if (!strcmp(argv[i], "--no-dsa") && i + 1 < argc)
			return no_dsa(atol(argv[++i]));
		else {
			fprintf(stderr, "usage: native_submit [--wq PATH] [--dedicated] [--iters N] [--no-dsa N]\n");
			return 2;
		}
	}
	if (iters < 1)
		iters = 1;
	fd = open(wq, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "native_submit: open %s: %s\n", wq, strerror(errno));
		return 1;
	}
	c.portal = mmap(NULL, 4096, PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (c.portal == MAP_FAILED) {
		fprintf(stderr, "native_submit: mmap %s: %s\n", wq, strerror(errno));
		return 1;
	}
	close(fd);	/* the mapping keeps the WQ file, as DML does */
	cr = aligned_alloc(32, 32);
	src = aligned_alloc(4096, sizes[5]);
	dst = aligned_alloc(4096, sizes[5]);
	if (!cr || !src || !dst)
		return 1;
	memset(src, 0x5a, sizes[5]);
	memset(dst, 0, sizes[5]);

	/* no-ops: the whole round trip of one descriptor */
	memset(&d, 0, sizeof(d));
	d.opcode = DSA_OPCODE_NOOP;
	d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
	d.completion_addr = (uint64_t)(uintptr_t)cr;
	double t0 = now_s();
	for (long i = 0; i < iters * 10; i++)
		if (submit_wait(&c, &d, cr)) {
			fprintf(stderr, "native_submit: noop failed, status 0x%x\n", cr->status);
			return 1;
		}
	printf("%s %s: noop submit-to-completion %.2f us per descriptor\n", wq,
	       c.dedicated ? "MOVDIR64B" : "ENQCMD", (now_s() - t0) * 1e6 / (double)(iters * 10));

	printf("%10s %14s %14s %8s\n", "bytes", "memcpy GB/s", "memmove GB/s", "ratio");
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s];
		long reps = iters * (long)(sizes[5] / n) / 8 + 1;
		double host, dsa;

		t0 = now_s();
		for (long i = 0; i < reps; i++) {
			memcpy(dst, src, n);
			__asm__ volatile("" : : "r"(dst) : "memory");
		}
		host = (double)n * (double)reps / (now_s() - t0) / 1e9;
		memset(&d, 0, sizeof(d));
		d.opcode = DSA_OPCODE_MEMMOVE;
		d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR | IDXD_OP_FLAG_CC;
		d.src_addr = (uint64_t)(uintptr_t)src;
		d.dst_addr = (uint64_t)(uintptr_t)dst;
		d.xfer_size = (uint32_t)n;
		d.completion_addr = (uint64_t)(uintptr_t)cr;
		t0 = now_s();
		for (long i = 0; i < reps; i++)
			if (submit_wait(&c, &d, cr)) {
				fprintf(stderr, "native_submit: memmove of %zu failed, status 0x%x\n", n,
					cr->status);
				return 1;
			}
		dsa = (double)n * (double)reps / (now_s() - t0) / 1e9;
		printf("%10zu %14.2f %14.2f %7.0f%%\n", n, host, dsa, 100.0 * dsa / host);
	}
	if (memcmp(src, dst, sizes[5])) {
		fprintf(stderr, "native_submit: the copied bytes differ\n");
		return 1;
	}
	printf("ENQCMD retries: %llu\n", (unsigned long long)c.retries);
	munmap(c.portal, 4096);
	return 0;
}
