// SPDX-License-Identifier: MIT
/*
 * The runtime demonstration `sva run` shows until the SVA layers land:
 * producers and consumers on a bounded ring, blocking on wait queues,
 * with random think and service times drawn from the seeded PRNG.  It
 * exercises every runtime feature a report can show: tasks, wait queues
 * with and without deadlines, the clock, stats and the trace.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sva/sim.h>
#include <sva/stats.h>
#include <sva/system.h>
#include <sva/trace.h>

#include "sva_cli.h"

#define RING		8
#define PRODUCERS	3
#define CONSUMERS	2
#define ITEMS		2000	/* per producer */

struct demo {
	struct sva_sim *sim;
	sva_time_t ring[RING];		/* production time of each slot */
	unsigned head, tail, count;
	unsigned producers_left;
	struct sva_waitq not_full, not_empty;
	struct sva_counter *produced, *consumed, *full_waits, *idle_timeouts;
	struct sva_hist *latency, *occupancy;
	int ring_track;
};

struct worker {
	struct demo *d;
	int track;
	unsigned id;
};

static void producer(void *arg)
{
	struct worker *w = arg;
	struct demo *d = w->d;
	struct sva_sim *sim = d->sim;

	for (unsigned i = 0; i < ITEMS; i++) {
		sva_sleep(sim, 100 + sva_rand_below(sim, 1000));	/* think */
		if (d->count == RING) {
			sva_time_t t0 = sva_now(sim);

			sva_counter_inc(d->full_waits);
			sva_wait_event(sim, &d->not_full, d->count < RING);
			if (sva_trace_enabled(sim))
				sva_trace_complete(sim, w->track, "demo", "ring full",
						   t0, sva_now(sim) - t0, NULL, 0);
		}
		d->ring[d->tail] = sva_now(sim);
		d->tail = (d->tail + 1) % RING;
		d->count++;
		sva_counter_inc(d->produced);
		sva_hist_record(d->occupancy, d->count);
		sva_trace_counter(sim, d->ring_track, "ring occupancy", d->count);
		sva_wake_one(sim, &d->not_empty);
	}
	if (--d->producers_left == 0)
		sva_wake_all(sim, &d->not_empty);	/* let consumers see the end */
}

static void consumer(void *arg)
{
	struct worker *w = arg;
	struct demo *d = w->d;
	struct sva_sim *sim = d->sim;

	for (;;) {
		sva_time_t born, t0;

		while (d->count == 0) {
			if (d->producers_left == 0)
				return;
			/* A deadline shows timeouts: an idle consumer polls. */
			if (sva_wait_timeout(sim, &d->not_empty, 2 * SVA_USEC) == -ETIMEDOUT)
				sva_counter_inc(d->idle_timeouts);
		}
		born = d->ring[d->head];
		d->head = (d->head + 1) % RING;
		d->count--;
		sva_wake_one(sim, &d->not_full);
		t0 = sva_now(sim);
		sva_sleep(sim, 100 + sva_rand_below(sim, 500));	/* service */
		sva_counter_inc(d->consumed);
		sva_hist_record(d->latency, sva_now(sim) - born);
		if (sva_trace_enabled(sim))
			sva_trace_complete(sim, w->track, "demo", "consume", t0,
					   sva_now(sim) - t0,
					   (struct sva_trace_arg[]){ SVA_TARG_U("waited_ns", t0 - born) }, 1);
	}
}

static void report_human(struct sva_sim *sim, const struct sva_sim_counts *c)
{
	printf("sva run: runtime demonstration (the SVA scenario replaces this as layers land)\n\n");
	printf("  seed %" PRIu64 ", %u producers x %u items -> %u consumers, ring of %u\n",
	       sva_sim_seed(sim), PRODUCERS, ITEMS, CONSUMERS, RING);
	printf("  virtual time %" PRIu64 " ns, %" PRIu64 " task switches, %" PRIu64
	       " events, context switch: %s\n\n",
	       sva_now(sim), c->switches, c->events, sva_sim_ctx_name(sim));
	sva_stats_print(sim, stdout, 1);
}

static void report_json(struct sva_sim *sim, const struct sva_sim_counts *c)
{
	struct json_object *o = json_object_new_object();
	struct json_object *rt = json_object_new_object();

	json_object_object_add(o, "scenario", json_object_new_string("runtime-demo"));
	json_object_object_add(o, "seed", json_object_new_uint64(sva_sim_seed(sim)));
	json_object_object_add(o, "virtual_time_ns", json_object_new_uint64(sva_now(sim)));
	json_object_object_add(rt, "switches", json_object_new_uint64(c->switches));
	json_object_object_add(rt, "events", json_object_new_uint64(c->events));
	json_object_object_add(rt, "tasks", json_object_new_uint64(c->tasks_created));
	json_object_object_add(rt, "context_switch", json_object_new_string(sva_sim_ctx_name(sim)));
	json_object_object_add(o, "runtime", rt);
	json_object_object_add(o, "stats", sva_stats_json(sim));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
	json_object_put(o);
}

int sva_demo_runtime(const struct sva_run_opts *o)
{
	struct sva_system_config cfg = { .seed = o->seed, .trace = o->trace };
	struct worker workers[PRODUCERS + CONSUMERS];
	struct sva_task *tasks[PRODUCERS + CONSUMERS];
	struct sva_system *sys = sva_system_create(&cfg);
	struct sva_sim_counts counts;
	struct demo d = { 0 };
	int ret = SVA_EXIT_OK, err;

	if (!sys) {
		fprintf(stderr, "sva run: cannot create the system: %s\n", strerror(errno));
		return SVA_EXIT_FAIL;
	}
	d.sim = sva_system_sim(sys);
	d.producers_left = PRODUCERS;
	sva_waitq_init(&d.not_full);
	sva_waitq_init(&d.not_empty);
	d.produced = sva_stat_counter(d.sim, "demo.produced");
	d.consumed = sva_stat_counter(d.sim, "demo.consumed");
	d.full_waits = sva_stat_counter(d.sim, "demo.producer_waits_ring_full");
	d.idle_timeouts = sva_stat_counter(d.sim, "demo.consumer_idle_timeouts");
	d.latency = sva_stat_hist(d.sim, "demo.item_latency", "ns");
	d.occupancy = sva_stat_hist(d.sim, "demo.ring_occupancy", "");
	d.ring_track = sva_trace_track(d.sim, "demo", "ring");
	if (!d.produced || !d.consumed || !d.full_waits || !d.idle_timeouts ||
	    !d.latency || !d.occupancy || d.ring_track < 0) {
		fprintf(stderr, "sva run: out of memory\n");
		sva_system_destroy(sys);
		return SVA_EXIT_FAIL;
	}

	for (unsigned i = 0; i < PRODUCERS + CONSUMERS; i++) {
		bool prod = i < PRODUCERS;
		char name[32];

		snprintf(name, sizeof(name), "%s%u", prod ? "producer" : "consumer",
			 prod ? i : i - PRODUCERS);
		workers[i] = (struct worker){ .d = &d, .id = i,
					      .track = sva_trace_track(d.sim, "demo", name) };
		tasks[i] = sva_task_spawn(d.sim, name, prod ? producer : consumer,
					  &workers[i], NULL);
		if (!tasks[i]) {
			fprintf(stderr, "sva run: cannot start task %s: %s\n", name, strerror(errno));
			sva_system_destroy(sys);
			return SVA_EXIT_FAIL;
		}
	}
	err = sva_sim_run(d.sim);
	if (err) {
		fprintf(stderr, "sva run: the simulation stopped: %s\n", strerror(-err));
		sva_sim_dump_blocked(d.sim);
		ret = SVA_EXIT_FAIL;
	}
	for (unsigned i = 0; i < PRODUCERS + CONSUMERS; i++)
		if (sva_task_done(tasks[i]))
			sva_task_join(d.sim, tasks[i]);
	if (d.consumed->value != (uint64_t)PRODUCERS * ITEMS) {
		fprintf(stderr, "sva run: %" PRIu64 " items consumed of %u produced\n",
			d.consumed->value, PRODUCERS * ITEMS);
		ret = SVA_EXIT_FAIL;
	}
	sva_sim_counts(d.sim, &counts);
	if (!o->quiet) {
		if (o->json)
			report_json(d.sim, &counts);
		else
			report_human(d.sim, &counts);
	}
	sva_system_destroy(sys);
	return ret;
}
