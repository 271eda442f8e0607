// SPDX-License-Identifier: MIT
/*
 * The simulation object and its run loop.
 *
 * The loop has one rule: run something ready at the current instant, chosen
 * by the seeded PRNG; when nothing is, advance the clock to the earliest
 * timed event and make everything due then ready.  Virtual time therefore
 * only moves when every task has blocked, as in a discrete-event simulator.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sim_internal.h"

#define DEFAULT_STACK	(128 * 1024)

struct sva_sim *sva_sim_create(const struct sva_sim_config *cfg)
{
	struct sva_sim_config def = { 0 };
	struct sva_sim *sim;

	if (!cfg)
		cfg = &def;
	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return NULL;

	switch (cfg->ctx) {
	case SVA_CTX_DEFAULT:
	case SVA_CTX_ASM:
		sim->ctx_ops = sva_ctx_asm_ops.name ? &sva_ctx_asm_ops
						    : &sva_ctx_ucontext_ops;
		break;
	case SVA_CTX_UCONTEXT:
		sim->ctx_ops = &sva_ctx_ucontext_ops;
		break;
	default:
		free(sim);
		errno = EINVAL;
		return NULL;
	}
	sim->seed = cfg->seed;
	sva_rand_seed(sim, cfg->seed);
	sim->default_stack = cfg->stack_size ? cfg->stack_size : DEFAULT_STACK;
	sim->no_stack_guard = cfg->no_stack_guard;
	sim->default_stack = (sim->default_stack + 4095) & ~(size_t)4095;
	return sim;
}

void sva_sim_destroy(struct sva_sim *sim)
{
	if (!sim)
		return;
	assert(!sim->running && "destroying a running simulation");
	sva_tasks_free_all(sim);
	sva_stacks_free_pool(sim);
	sva_events_free(sim);
	sva_stats_free(&sim->stats);
	sva_trace_free(&sim->trace);
	if (sim->altstack)
		munmap(sim->altstack, sim->altstack_size);
	free(sim->journal);
	free(sim);
}

/* Move everything due at the next instant into the ready set. */
static bool advance_clock(struct sva_sim *sim, sva_time_t deadline)
{
	sva_time_t t;

	/*
	 * Only background events left (watchdogs): a run to the end is over;
	 * a run to a deadline still lets them fire on the way.
	 */
	if (sim->heap.n == 0 || (deadline == SVA_TIME_NEVER && sim->heap.foreground == 0))
		return false;
	t = sim->heap.v[0]->when;
	/* A wait with no deadline never fires: it is not "something to do". */
	if (t == SVA_TIME_NEVER || t > deadline)
		return false;
	assert(t >= sim->now);
	sim->now = t;
	while (sim->heap.n > 0 && sim->heap.v[0]->when == t)
		sva_ready_push(sim, sva_heap_pop(sim));
	return true;
}

int sva_sim_run_until(struct sva_sim *sim, sva_time_t deadline)
{
	int ret = 0;

	assert(!sim->current && "sva_sim_run called from a task");
	if (sim->running)
		return -EBUSY;
	sim->running = true;
	sim->stop = false;
	sim->run_deadline = deadline;
	sva_stack_guard_install(sim);
	while (!sim->stop) {
		struct sva_event *ev;

		if (sim->ready.n == 0 && !advance_clock(sim, deadline))
			break;
		ev = sva_ready_pick(sim);
		sim->counts.events++;
		if (!ev->background)
			sim->last_event = sim->now;
		ev->fire(sim, ev);
	}
	sva_stack_guard_remove(sim);
	sim->running = false;
	if (sim->stop)
		return 0;
	if (deadline != SVA_TIME_NEVER && sim->now < deadline)
		sim->now = deadline;
	if (deadline == SVA_TIME_NEVER && sim->nr_blocked > 0)
		ret = -EDEADLK;
	return ret;
}

int sva_sim_run(struct sva_sim *sim)
{
	return sva_sim_run_until(sim, SVA_TIME_NEVER);
}

void sva_sim_stop(struct sva_sim *sim)
{
	sim->stop = true;
}

_Noreturn void sva_out_of_memory(const char *what)
{
	fprintf(stderr, "sva: out of host memory (%s)\n", what);
	fflush(stderr);
	exit(1);
}

sva_time_t sva_now(const struct sva_sim *sim)
{
	return sim->now;
}

sva_time_t sva_sim_last_event_time(const struct sva_sim *sim)
{
	return sim->last_event;
}

uint64_t sva_sim_seed(const struct sva_sim *sim)
{
	return sim->seed;
}

const char *sva_sim_ctx_name(const struct sva_sim *sim)
{
	return sim->ctx_ops->name;
}

bool sva_sim_idle(const struct sva_sim *sim)
{
	return sim->ready.n == 0 &&
	       (sim->heap.foreground == 0 || sim->heap.v[0]->when == SVA_TIME_NEVER);
}

sva_time_t sva_sim_next_event(const struct sva_sim *sim)
{
	if (sim->ready.n)
		return sim->now;
	return sim->heap.n ? sim->heap.v[0]->when : SVA_TIME_NEVER;
}

unsigned sva_sim_nr_blocked(const struct sva_sim *sim)
{
	return sim->nr_blocked;
}

void sva_sim_dump_blocked(const struct sva_sim *sim)
{
	for (const struct sva_task *t = sim->all_tasks; t; t = t->all_next) {
		if (t->state != SVA_TASK_BLOCKED || t->daemon)
			continue;
		fprintf(stderr, "  task %llu '%s' blocked%s\n",
			(unsigned long long)t->id, t->name,
			t->wq ? " on a wait queue" : "");
	}
}

void sva_sim_counts(const struct sva_sim *sim, struct sva_sim_counts *out)
{
	*out = sim->counts;
}
