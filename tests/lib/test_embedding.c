// SPDX-License-Identifier: MIT
/*
 * What docs/embedding.md promises a program embedding sva, through the
 * public headers only: a system's run depends on its seed alone (the same
 * seed twice gives the same virtual times, addresses and counters, another
 * seed another interleaving), and two systems live in one process - one
 * after the other, side by side on one host thread, and running at the
 * same time on two host threads.
 */
#include <pthread.h>
#include <string.h>

#include <linux/idxd.h>

#include <sva/dsa.h>
#include <sva/guest.h>
#include <sva/sim.h>
#include <sva/stats.h>
#include <sva/system.h>

#include "testutil.h"

#define LEN 8192
#define NTHREADS 3

/* Everything a run leaves behind that must repeat with its seed. */
struct outcome {
	uint64_t end, done_at[NTHREADS], buf;
	uint8_t status[NTHREADS];
	uint64_t completed, page_requests, switches;
	int exit_code, verified;
};

struct guest {
	struct outcome *out;
	uint64_t portal, buf;
	int idx;
};

/* One guest thread: fill its slice with its own pattern and poll the record. */
static void filler(void *arg)
{
	struct guest *g = arg;
	uint64_t slice = g->buf + 4096 + (uint64_t)g->idx * (LEN / NTHREADS);
	uint64_t desc = g->buf + (uint64_t)g->idx * 128, cr = desc + 64;
	struct dsa_hw_desc d = {
		.opcode = DSA_OPCODE_MEMFILL, .flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR | IDXD_OP_FLAG_BOF,
		.pattern = 0x0101010101010101ull * (uint64_t)(g->idx + 1), .dst_addr = slice,
		.xfer_size = LEN / NTHREADS, .completion_addr = cr,
	};
	uint8_t st = 0;

	sva_store(desc, &d, sizeof(d));
	while (sva_enqcmd(g->portal, desc) == 1)
		sva_spin(50);
	while (!st) {
		sva_spin(100);
		sva_load(cr, &st, 1);
	}
	g->out->status[g->idx] = st;
	g->out->done_at[g->idx] = sva_rdtsc();
}

static void guest_main(void *arg)
{
	struct outcome *out = arg;
	struct guest g[NTHREADS];
	int fd = sva_open("/dev/dsa/wq0.0", SVA_O_RDWR), tid[NTHREADS];
	uint64_t portal = (uint64_t)sva_mmap(0, 4096, SVA_PROT_WRITE, SVA_MAP_SHARED, fd, 0);
	uint64_t buf = (uint64_t)sva_mmap(0, 4096 + LEN, SVA_PROT_READ | SVA_PROT_WRITE,
					  SVA_MAP_PRIVATE | SVA_MAP_ANONYMOUS, -1, 0);

	assert_true(fd >= 0);
	out->buf = buf;
	for (int i = 0; i < NTHREADS; i++) {
		g[i] = (struct guest){ .out = out, .portal = portal, .buf = buf, .idx = i };
		tid[i] = sva_thread_create(filler, &g[i], "filler");
		assert_true(tid[i] > 0);
	}
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(sva_thread_join(tid[i]), 0);
	out->verified = 1;
	for (int i = 0; i < NTHREADS; i++)
		for (uint64_t off = 0; off < LEN / NTHREADS; off += 97) {
			uint8_t b = 0;

			sva_load(buf + 4096 + (uint64_t)i * (LEN / NTHREADS) + off, &b, 1);
			out->verified &= b == i + 1;
		}
	sva_exit(out->verified ? 0 : 1);
}

static struct sva_system *make(uint64_t seed, bool no_stack_guard, struct outcome *out, int *pid)
{
	struct sva_system *sys = sva_system_create(&(struct sva_system_config){
		.seed = seed, .ram_size = 64 << 20, .no_stack_guard = no_stack_guard });

	assert_non_null(sys);
	memset(out, 0, sizeof(*out));
	*pid = sva_system_spawn(sys, "fill", guest_main, out);
	assert_true(*pid > 0);
	return sys;
}

/* After the run: the counters and how the process ended, then free it all. */
static void finish(struct sva_system *sys, int pid, struct outcome *out)
{
	struct sva_sim *sim = sva_system_sim(sys);
	struct sva_exit_status es;
	struct sva_dsa_stats st;
	struct sva_sim_counts sc;

	assert_int_equal(sva_system_proc_status(sys, pid, &es), 0);
	assert_true(es.exited);
	out->exit_code = es.signal ? 128 + es.signal : es.code;
	sva_dsa_stats(sva_system_dsa(sys, 0), &st);
	assert_null(sva_system_dsa(sys, 1));
	out->completed = st.completed;
	out->page_requests = st.page_requests;
	sva_sim_counts(sim, &sc);
	out->switches = sc.switches;
	out->end = sva_sim_last_event_time(sim);
	sva_system_destroy(sys);
}

static void run_one(uint64_t seed, bool no_stack_guard, struct outcome *out)
{
	int pid;
	struct sva_system *sys = make(seed, no_stack_guard, out, &pid);

	assert_int_equal(sva_sim_run(sva_system_sim(sys)), 0);
	finish(sys, pid, out);
	assert_int_equal(out->exit_code, 0);
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(out->status[i], DSA_COMP_SUCCESS);
	assert_int_equal(out->completed, NTHREADS);
}

static void test_same_seed_same_run(void **state)
{
	uint64_t seed = tu_seed(11);
	struct outcome a, b, c;
	bool other = false;

	(void)state;
	run_one(seed, false, &a);
	run_one(seed, false, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	/* Another seed interleaves the threads differently: some seed near it shows it. */
	for (uint64_t s = seed + 1; s < seed + 8 && !other; s++) {
		run_one(s, false, &c);
		other = memcmp(a.done_at, c.done_at, sizeof(a.done_at)) != 0;
	}
	assert_true(other);
}

/* Two systems at once on one host thread, run in slices of virtual time in turn. */
static void test_two_systems_one_thread(void **state)
{
	uint64_t seed = tu_seed(11);
	struct outcome alone, x, y;
	struct sva_system *sx, *sy;
	int px, py;

	(void)state;
	run_one(seed, false, &alone);
	sx = make(seed, false, &x, &px);
	sy = make(seed, false, &y, &py);
	for (sva_time_t t = 500; !sva_sim_idle(sva_system_sim(sx)) || !sva_sim_idle(sva_system_sim(sy)); t += 500) {
		assert_int_equal(sva_sim_run_until(sva_system_sim(sx), t), 0);
		assert_int_equal(sva_sim_run_until(sva_system_sim(sy), t), 0);
	}
	finish(sx, px, &x);
	finish(sy, py, &y);
	assert_memory_equal(&x, &alone, sizeof(x));
	assert_memory_equal(&y, &alone, sizeof(y));
}

struct host_thread {
	uint64_t seed;
	struct outcome want;
	pthread_barrier_t *start;
	unsigned mismatches;
};

/* Many runs back to back, so that the two host threads' runs overlap. */
static void *host_main(void *arg)
{
	struct host_thread *h = arg;
	struct outcome out;

	pthread_barrier_wait(h->start);
	for (int round = 0; round < 50; round++) {
		run_one(h->seed, true, &out);
		h->mismatches += memcmp(&out, &h->want, sizeof(out)) != 0;
	}
	return NULL;
}

/* Two systems running at the same time on two host threads (stack guard off, as documented). */
static void test_two_host_threads(void **state)
{
	struct host_thread h[2] = { { .seed = tu_seed(11) }, { .seed = tu_seed(11) + 1 } };
	pthread_barrier_t start;
	pthread_t th[2];

	(void)state;
	assert_int_equal(pthread_barrier_init(&start, NULL, 2), 0);
	for (int i = 0; i < 2; i++) {
		run_one(h[i].seed, false, &h[i].want);
		h[i].start = &start;
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, host_main, &h[i]), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(h[i].mismatches, 0);
	}
	pthread_barrier_destroy(&start);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_same_run),
		cmocka_unit_test(test_two_systems_one_thread),
		cmocka_unit_test(test_two_host_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
