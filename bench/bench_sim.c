// SPDX-License-Identifier: MIT
/*
 * Runtime benchmarks: raw context-switch cost of each switch mechanism,
 * task hand-offs per second through the scheduler, and timer events per
 * second.  Host wall-clock time; results go into docs/performance.md.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <sva/sim.h>

#include "sim/sim_internal.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- raw swap: main <-> one coroutine, no scheduler --------------------- */

struct pingpong {
	const struct sva_ctx_ops *ops;
	struct sva_ctx main, co;
	uint64_t n;
};

static void co_entry(void *arg)
{
	struct pingpong *p = arg;

	for (;;) {
		p->n++;
		p->ops->swap(&p->co, &p->main);
	}
}

static double raw_switch_ns(const struct sva_ctx_ops *ops, uint64_t iters)
{
	size_t size = 64 * 1024;
	void *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct pingpong p = { .ops = ops };
	double t0, t1;

	if (stack == MAP_FAILED)
		abort();
	ops->make(&p.co, stack, size, co_entry, &p);
	t0 = now_s();
	for (uint64_t i = 0; i < iters; i++)
		ops->swap(&p.main, &p.co);
	t1 = now_s();
	if (p.n != iters)
		abort();
	munmap(stack, size);
	return (t1 - t0) * 1e9 / (double)(iters * 2);	/* two switches per round */
}

/* ---- task hand-offs through the scheduler ------------------------------- */

struct yielder {
	struct sva_sim *sim;
	uint64_t rounds;
};

static void yielder_fn(void *arg)
{
	struct yielder *y = arg;

	for (uint64_t i = 0; i < y->rounds; i++)
		sva_yield(y->sim);
}

static double task_switches_per_s(enum sva_ctx_kind ctx, unsigned ntasks, uint64_t rounds)
{
	struct sva_sim *sim = sva_sim_create(&(struct sva_sim_config){ .seed = 1, .ctx = ctx });
	struct yielder y = { .sim = sim, .rounds = rounds };
	struct sva_sim_counts c;
	double t0, t1;

	for (unsigned i = 0; i < ntasks; i++)
		sva_task_spawn(sim, "yielder", yielder_fn, &y, &(struct sva_task_attr){ .detached = true });
	t0 = now_s();
	sva_sim_run(sim);
	t1 = now_s();
	sva_sim_counts(sim, &c);
	sva_sim_destroy(sim);
	return (double)c.switches / (t1 - t0);
}

/* ---- timer events ------------------------------------------------------------- */

struct ticker {
	struct sva_event ev;
	uint64_t left;
};

static void tick(struct sva_sim *sim, struct sva_event *ev)
{
	struct ticker *t = container_of(ev, struct ticker, ev);

	if (--t->left)
		sva_event_after(sim, ev, 1 + sva_rand_below(sim, 1000));
}

static double events_per_s(unsigned nevents, uint64_t per_event)
{
	struct sva_sim *sim = sva_sim_create(&(struct sva_sim_config){ .seed = 1 });
	struct ticker *t = calloc(nevents, sizeof(*t));
	struct sva_sim_counts c;
	double t0, t1;

	for (unsigned i = 0; i < nevents; i++) {
		t[i].left = per_event;
		sva_event_init(&t[i].ev, tick);
		sva_event_at(sim, &t[i].ev, 1 + i % 1000);
	}
	t0 = now_s();
	sva_sim_run(sim);
	t1 = now_s();
	sva_sim_counts(sim, &c);
	sva_sim_destroy(sim);
	free(t);
	return (double)c.events / (t1 - t0);
}

int main(int argc, char **argv)
{
	uint64_t scale = argc > 1 && !strcmp(argv[1], "--quick") ? 10 : 1;
	uint64_t iters = 20000000 / scale;

	printf("sva runtime benchmarks (host wall clock, one core)\n\n");
	printf("| measurement | asm | ucontext |\n|---|---:|---:|\n");
	printf("| raw context switch (ns) | %.1f | %.1f |\n",
	       raw_switch_ns(&sva_ctx_asm_ops, iters),
	       raw_switch_ns(&sva_ctx_ucontext_ops, iters / 10));
	printf("| task switches/s, 2 tasks yielding (M/s) | %.2f | %.2f |\n",
	       task_switches_per_s(SVA_CTX_ASM, 2, 2000000 / scale) / 1e6,
	       task_switches_per_s(SVA_CTX_UCONTEXT, 2, 200000 / scale) / 1e6);
	printf("| task switches/s, 1000 tasks yielding (M/s) | %.2f | %.2f |\n",
	       task_switches_per_s(SVA_CTX_ASM, 1000, 4000 / scale) / 1e6,
	       task_switches_per_s(SVA_CTX_UCONTEXT, 1000, 400 / scale) / 1e6);
	printf("\n| measurement | value |\n|---|---:|\n");
	printf("| timer events/s, 1,000 pending (M/s) | %.2f |\n", events_per_s(1000, 10000 / scale) / 1e6);
	printf("| timer events/s, 100,000 pending (M/s) | %.2f |\n", events_per_s(100000, 100 / scale) / 1e6);
	return 0;
}
