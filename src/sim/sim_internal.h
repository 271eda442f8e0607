/* SPDX-License-Identifier: MIT */
/*
 * Internal layout of the simulation runtime.  Only src/ includes this;
 * the public API is in include/sva/sim.h, trace.h and stats.h.
 */
#ifndef SVA_SIM_INTERNAL_H
#define SVA_SIM_INTERNAL_H

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <ucontext.h>

#include <sva/sim.h>
#include <sva/stats.h>
#include <sva/trace.h>

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#define SVA_LIKELY(x)	__builtin_expect(!!(x), 1)
#define SVA_UNLIKELY(x)	__builtin_expect(!!(x), 0)

#if defined(__SANITIZE_ADDRESS__)
#define SVA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SVA_ASAN 1
#endif
#endif

/* ---- context switching (ctx.c, ctx_x86_64.S) ------------------------- */

struct sva_ctx {
	void *sp;		/* asm backend: saved stack pointer */
	ucontext_t uc;		/* ucontext backend */
};

/* One implementation of "run this stack from here". */
struct sva_ctx_ops {
	const char *name;
	/* Prepare @ctx so the first switch to it calls entry(arg) on the stack. */
	void (*make)(struct sva_ctx *ctx, void *stack_lo, size_t size,
		     void (*entry)(void *), void *arg);
	/* Save the running context in @from, continue in @to. */
	void (*swap)(struct sva_ctx *from, struct sva_ctx *to);
};

extern const struct sva_ctx_ops sva_ctx_asm_ops;
extern const struct sva_ctx_ops sva_ctx_ucontext_ops;

/* ---- events (event.c) --------------------------------------------------- */

enum { SVA_EV_IDLE = 0, SVA_EV_TIMED, SVA_EV_READY };

/* Binary min-heap on ->when; grows by doubling, never shrinks. */
struct sva_heap {
	struct sva_event **v;
	uint32_t n, cap;
	uint32_t foreground;	/* entries that keep the run alive */
	uint64_t seq;		/* pushes so far: the tie-break of equal times */
};

/* Things runnable at the current instant; picked at random. */
struct sva_ready {
	struct sva_event **v;
	uint32_t n, cap;
};

void sva_ready_push(struct sva_sim *sim, struct sva_event *ev);
struct sva_event *sva_ready_pick(struct sva_sim *sim);
void sva_ready_remove(struct sva_sim *sim, struct sva_event *ev);
void sva_heap_push(struct sva_sim *sim, struct sva_event *ev);
struct sva_event *sva_heap_pop(struct sva_sim *sim);
void sva_heap_remove(struct sva_sim *sim, struct sva_event *ev);
void sva_events_free(struct sva_sim *sim);

/* ---- tasks (task.c) ------------------------------------------------------ */

enum sva_task_state { SVA_TASK_READY, SVA_TASK_RUNNING, SVA_TASK_BLOCKED, SVA_TASK_DONE };

struct sva_stack {
	void *map;		/* whole mapping, guard included */
	size_t map_size;
	void *lo;		/* lowest usable byte, just above the guard */
	size_t size;		/* usable bytes */
};

struct sva_task {
	struct sva_event ev;	/* resumption: timed while sleeping, ready when runnable */
	struct sva_sim *sim;
	struct sva_ctx ctx;
	struct sva_stack stack;
	sva_task_fn fn;
	void *arg;
	void *data;

	/* wait-queue membership; wq != NULL while queued */
	struct sva_waitq *wq;
	struct sva_task *wq_next, *wq_prev;

	struct sva_waitq joiners;
	struct sva_task *all_next, *all_prev;	/* every unreaped task */

	uint64_t id;
	int exit_code;
	uint8_t state;
	bool detached;
	bool daemon;
	bool join_claimed;
#ifdef SVA_ASAN
	void *asan_fake_stack;
#endif
	char name[32];
};

void sva_tasks_free_all(struct sva_sim *sim);
/* Switch from the running task back to the scheduler. */
void sva_sched_block(struct sva_sim *sim);
/* Make a blocked task runnable at this instant (cancels its timer). */
void sva_task_make_ready(struct sva_sim *sim, struct sva_task *t);
/* waitq.c: take a blocked task off the wait queue it is on. */
void sva_waitq_dequeue(struct sva_task *t);
void sva_stack_guard_install(struct sva_sim *sim);
void sva_stack_guard_remove(struct sva_sim *sim);
void sva_stacks_free_pool(struct sva_sim *sim);

/* ---- stats and trace ------------------------------------------------------ */

struct sva_stats {
	struct sva_counter **counters;
	unsigned nr_counters, cap_counters;
	struct sva_hist **hists;
	unsigned nr_hists, cap_hists;
};

struct sva_trace_track_info {
	char group[32];
	char name[48];
	int pid;
};

struct sva_tracer {
	FILE *f;			/* NULL when off */
	uint64_t count;
	struct sva_trace_track_info *tracks;	/* index = track id - 1 */
	unsigned nr_tracks, cap_tracks;
	/*
	 * Track ids by (group, name), open addressing, 0 = empty: every
	 * thread has a track of its own, so a run with tens of thousands of
	 * threads must not look them up one by one.
	 */
	int *track_index;
	unsigned index_cap;		/* a power of two, or 0 */
	char (*groups)[32];		/* index = pid - 1 */
	unsigned nr_groups, cap_groups;
};

void sva_rand_seed(struct sva_sim *sim, uint64_t seed);
void sva_stats_free(struct sva_stats *st);
void sva_trace_free(struct sva_tracer *tr);

/* ---- the simulation -------------------------------------------------------- */

struct sva_sim {
	sva_time_t now;
	sva_time_t last_event;	/* when the last foreground event fired */
	sva_time_t run_deadline;	/* of the sva_sim_run_until() in progress */
	uint64_t seed;
	uint64_t rng[4];		/* xoshiro256** state */

	struct sva_heap heap;
	struct sva_ready ready;

	const struct sva_ctx_ops *ctx_ops;
	struct sva_ctx main_ctx;	/* the scheduler's own context */
#ifdef SVA_ASAN
	const void *main_stack_lo;
	size_t main_stack_size;
#endif
	struct sva_task *current;
	struct sva_task *all_tasks;
	size_t default_stack;
	struct sva_stack *stack_pool;	/* free stacks of default size */
	unsigned nr_pool, cap_pool;
	uint64_t next_task_id;
	unsigned nr_blocked;
	bool running;
	bool stop;

	struct sva_sim_counts counts;

	/* SIGSEGV on a guard page: alternate signal stack while running */
	void *altstack;
	size_t altstack_size;
	bool no_stack_guard;	/* sva_sim_config.no_stack_guard */
	struct sva_sim *prev_running;

	struct sva_stats stats;
	struct sva_tracer trace;

	struct sva_journal_entry *journal;	/* allocated on first use */
	unsigned nr_journal;
	uint64_t journal_dropped;
};

static inline bool sva_tracing(const struct sva_sim *sim)
{
	return SVA_UNLIKELY(sim->trace.f != NULL);
}

#endif /* SVA_SIM_INTERNAL_H */
