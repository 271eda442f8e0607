// SPDX-License-Identifier: MIT
/*
 * Host-side cost of the whole path: simulated descriptors per host second
 * (ENQCMD from a guest thread, the DSA engine, ATS/ATC, completion record,
 * polling), the data path's bandwidth against the host's memcpy, how the
 * cost grows with processes and descriptors in flight, and - with malloc
 * wrapped by the linker - how many heap allocations the steady state makes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/idxd.h>

#include <sva/guest.h>
#include <sva/sim.h>
#include <sva/stats.h>
#include <sva/system.h>

/* ---- counting heap allocations (-Wl,--wrap=malloc,...) -------------------------------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);

static uint64_t allocs;

void *__wrap_malloc(size_t n)
{
	allocs++;
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	allocs++;
	return __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	allocs++;
	return __real_realloc(p, n);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- the guest ------------------------------------------------------------------------ */

struct job {
	uint64_t size, count;
	unsigned inflight;
	bool umwait;		/* rest on the record with UMONITOR/UMWAIT instead of polling */
	/* measured */
	double t0, t1;
	uint64_t allocs0, allocs1;
	uint64_t done;
};

static void build(uint64_t desc, uint64_t cr, uint64_t src, uint64_t dst, uint32_t size)
{
	struct dsa_hw_desc d;

	memset(&d, 0, sizeof(d));
	d.opcode = DSA_OPCODE_MEMMOVE;
	d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
	d.completion_addr = cr;
	d.src_addr = src;
	d.dst_addr = dst;
	d.xfer_size = size;
	sva_store(desc, &d, sizeof(d));
}

static void guest(void *arg)
{
	struct job *j = arg;
	int fd = sva_open("/dev/dsa/wq0.0", SVA_O_RDWR);
	uint64_t portal = (uint64_t)sva_mmap(0, 4096, SVA_PROT_WRITE, SVA_MAP_SHARED, fd, 0);
	uint64_t area = (uint64_t)sva_mmap(0, 65536, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE, -1, 0);
	uint64_t buf = (uint64_t)sva_mmap(0, 2 * j->size, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE, -1, 0);
	uint64_t rounds = j->count / j->inflight + 1, warm = rounds / 10 + 1;

	for (uint64_t p = 0; p < 2 * j->size; p += 4096)
		sva_store64(buf + p, p);
	for (unsigned i = 0; i < j->inflight; i++)
		build(area + 64 * i, area + 32768 + 32 * i, buf, buf + j->size, (uint32_t)j->size);
	for (uint64_t round = 0; round < warm + rounds; round++) {
		if (round == warm) {	/* steady state from here on */
			j->t0 = now_s();
			j->allocs0 = allocs;
		}
		for (unsigned i = 0; i < j->inflight; i++) {
			sva_store64(area + 32768 + 32 * i, 0);
			while (sva_enqcmd(portal, area + 64 * i) == 1)
				sva_spin(100);
		}
		for (unsigned i = 0; i < j->inflight; i++) {
			uint8_t st = 0;

			while (!st) {
				if (j->umwait)
					sva_umonitor(area + 32768 + 32 * i);
				sva_load(area + 32768 + 32 * i, &st, 1);
				if (st)
					break;
				if (j->umwait)
					sva_umwait(1, sva_rdtsc() + 1000000);
				else	/* poll about as often as a descriptor of this size can finish */
					sva_spin(j->size / 32 + 50);
			}
			if (st != DSA_COMP_SUCCESS) {
				fprintf(stderr, "bench_path: descriptor failed with status 0x%x\n", st);
				exit(1);
			}
		}
		if (round >= warm)
			j->done += j->inflight;
	}
	j->t1 = now_s();
	j->allocs1 = allocs;
	sva_close(fd);
}

/* One DSA, one shared WQ taking transfers up to 16 MiB, all four engines. */
static const char *bench_config =
	"[{\"dev\":\"dsa0\",\"groups\":[{\"dev\":\"group0.0\",\"grouped_workqueues\":[{\"dev\":\"wq0.0\","
	"\"mode\":\"shared\",\"size\":64,\"threshold\":64,\"priority\":10,\"block_on_fault\":1,"
	"\"max_transfer_size\":16777216,\"type\":\"user\",\"name\":\"bench\",\"driver_name\":\"user\"}],"
	"\"grouped_engines\":[{\"dev\":\"engine0.0\",\"group_id\":0},{\"dev\":\"engine0.1\",\"group_id\":0},"
	"{\"dev\":\"engine0.2\",\"group_id\":0},{\"dev\":\"engine0.3\",\"group_id\":0}]}]}]";

static void run(const char *label, uint64_t size, uint64_t count, unsigned inflight, unsigned procs,
		bool umwait)
{
	struct sva_system *sys = sva_system_create(&(struct sva_system_config){
		.seed = 1, .ram_size = 1ull << 30, .check = -1, .accel_config = bench_config });
	struct job jobs[16];
	double host = 0, t0 = 1e300, t1 = 0;
	uint64_t done = 0, a = 0;

	for (unsigned p = 0; p < procs; p++) {
		jobs[p] = (struct job){ .size = size, .count = count / procs, .inflight = inflight, .umwait = umwait };
		sva_system_spawn(sys, "bench", guest, &jobs[p]);
	}
	sva_sim_run(sva_system_sim(sys));
	for (unsigned p = 0; p < procs; p++) {
		done += jobs[p].done;
		a += jobs[p].allocs1 - jobs[p].allocs0;
		if (jobs[p].t0 < t0)
			t0 = jobs[p].t0;
		if (jobs[p].t1 > t1)
			t1 = jobs[p].t1;
	}
	host = t1 - t0;
	if (getenv("BENCH_PATH_STATS")) {
		struct sva_sim_counts c;

		sva_sim_counts(sva_system_sim(sys), &c);
		fprintf(stderr, "%s: %.1f events, %.1f task switches (%.1f of them sleeps without a switch) per descriptor\n",
			label, (double)c.events / (double)count, (double)c.switches / (double)count,
			(double)c.fast_sleeps / (double)count);
		sva_stats_print(sva_system_sim(sys), stderr, 0);
	}
	printf("| %s | %" PRIu64 " B | %u | %u | %.0f | %.2f | %" PRIu64 " |\n", label, size, procs, inflight,
	       (double)done / host, (double)done * (double)size / host / 1e9, a);
	sva_system_destroy(sys);
}

static double host_memcpy(uint64_t size)
{
	char *a = malloc(size), *b = malloc(size);
	uint64_t iters = (1ull << 31) / size + 1, sum = 0;
	double t0, t1;

	memset(a, 1, size);
	memset(b, 2, size);
	t0 = now_s();
	for (uint64_t i = 0; i < iters; i++) {
		memcpy(b, a, size);
		sum += (unsigned char)b[i % size];
		a[0] = (char)i;
	}
	t1 = now_s();
	free(a);
	free(b);
	if (!sum)
		printf(" ");
	return (double)iters * (double)size / (t1 - t0) / 1e9;
}

int main(int argc, char **argv)
{
	int quick = argc > 1 && !strcmp(argv[1], "--quick");
	uint64_t scale = quick ? 10 : 1;

	const char *only = getenv("BENCH_PATH_SIZE");	/* profile one size of the bandwidth table */

	printf("sva whole-path benchmarks (host wall clock, one core, checker off)\n\n");
	/* BENCH_PATH_SIZE=64: the descriptor-rate table alone; another size: one bandwidth row. */
	if (only && strtoull(only, NULL, 0) != 64)
		goto sizes;
	printf("| run | size | processes | in flight | descriptors/s | GB/s moved | heap allocations in steady state |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|\n");
	run("64 B memmove, sync, polling", 64, 200000 / scale, 1, 1, false);
	run("64 B memmove, sync, UMWAIT", 64, 200000 / scale, 1, 1, true);
	run("64 B memmove, async, polling", 64, 400000 / scale, 16, 1, false);
	run("64 B memmove, async, UMWAIT", 64, 400000 / scale, 16, 1, true);
	run("64 B memmove, 4 processes, UMWAIT", 64, 400000 / scale, 4, 4, true);
	run("64 B memmove, 16 processes, UMWAIT", 64, 400000 / scale, 4, 16, true);
	if (only)
		return 0;
sizes:
	printf("\n| size | simulated memmove GB/s (host) | host memcpy GB/s | ratio |\n|---:|---:|---:|---:|\n");
	for (uint64_t size = 4096; size <= (16u << 20); size *= 4) {
		if (only && strtoull(only, NULL, 0) != size)
			continue;
		struct sva_system *sys = sva_system_create(&(struct sva_system_config){
			.seed = 1, .ram_size = 1ull << 30, .check = -1, .accel_config = bench_config });
		struct job j = { .size = size, .count = (2ull << 30) / size / scale + 4, .inflight = 1 };
		double sim, mc;

		sva_system_spawn(sys, "bw", guest, &j);
		sva_sim_run(sva_system_sim(sys));
		sim = (double)j.done * (double)size / (j.t1 - j.t0) / 1e9;
		mc = getenv("BENCH_PATH_NO_MEMCPY") ? 1.0 : host_memcpy(size);
		printf("| %" PRIu64 " KiB | %.2f | %.2f | %.0f%% |\n", size >> 10, sim, mc, 100 * sim / mc);
		if (getenv("BENCH_PATH_STATS"))
			sva_stats_print(sva_system_sim(sys), stderr, 0);
		sva_system_destroy(sys);
	}
	return 0;
}
