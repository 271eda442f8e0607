/* SPDX-License-Identifier: MIT */
/*
 * sva/sim.h - the deterministic simulation runtime.
 *
 * Everything in sva runs on one host thread against a virtual clock.
 * Software threads and device engines are tasks: coroutines on their own
 * stacks that block on wait queues and advance virtual time.  Hardware
 * that needs no stack (a timer, a posted write landing) uses events:
 * intrusive nodes with a callback.
 *
 * When several tasks or events are ready at the same virtual instant the
 * scheduler picks among them with the simulation's seeded PRNG, so a seed
 * fixes the interleaving and different seeds explore different ones.
 *
 * The interface (tasks, wait queues, time) is deliberately the one a
 * native runtime on host threads could also offer.
 */
#ifndef SVA_SIM_H
#define SVA_SIM_H

#include <sva/api.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

SVA_API_BEGIN

/* Virtual time in nanoseconds since the simulation started. */
typedef uint64_t sva_time_t;

#define SVA_NSEC	1ull
#define SVA_USEC	1000ull
#define SVA_MSEC	1000000ull
#define SVA_SEC		1000000000ull
#define SVA_TIME_NEVER	UINT64_MAX

struct sva_sim;
struct sva_task;

/* How a task's stack is switched to. Both are always built in. */
enum sva_ctx_kind {
	SVA_CTX_DEFAULT = 0,	/* fastest available: asm on x86-64 */
	SVA_CTX_ASM,		/* hand-written x86-64 switch, no syscalls */
	SVA_CTX_UCONTEXT,	/* portable swapcontext(3) fallback */
};

struct sva_sim_config {
	uint64_t seed;			/* PRNG seed; fixes the whole run */
	enum sva_ctx_kind ctx;
	size_t stack_size;		/* default task stack; 0 = 128 KiB */
	/*
	 * Do not install the SIGSEGV/SIGBUS handler that names a task whose
	 * stack overflowed while the simulation runs: native mode's signal
	 * handler owns those signals in the program it runs in.
	 */
	bool no_stack_guard;
};

/* ---- the simulation ---------------------------------------------- */

/* Returns NULL and sets errno on failure. */
struct sva_sim *sva_sim_create(const struct sva_sim_config *cfg);
/* Frees everything, including tasks that never finished. */
void sva_sim_destroy(struct sva_sim *sim);

/*
 * Run until nothing is ready and nothing is scheduled, or sva_sim_stop().
 * Returns 0, or -EDEADLK when tasks are still blocked with nothing left
 * that could wake them (they are listed by sva_sim_dump_blocked()).
 * Must not be called from a task.
 */
int sva_sim_run(struct sva_sim *sim);
/* Same, but stops before the clock would pass @deadline. */
int sva_sim_run_until(struct sva_sim *sim, sva_time_t deadline);
/* Ask the running loop to return after the current task yields. */
void sva_sim_stop(struct sva_sim *sim);

sva_time_t sva_now(const struct sva_sim *sim);
/*
 * When the last foreground event fired: the end of the work, where sva_now()
 * may have been carried on to a deadline (sva_sim_run_until) past it.
 */
sva_time_t sva_sim_last_event_time(const struct sva_sim *sim);
uint64_t sva_sim_seed(const struct sva_sim *sim);
const char *sva_sim_ctx_name(const struct sva_sim *sim);
/* True when nothing is ready and nothing is scheduled (waits without a deadline aside). */
bool sva_sim_idle(const struct sva_sim *sim);
/*
 * When the next thing happens: now if something is ready, else the time of
 * the earliest scheduled event (background ones included), SVA_TIME_NEVER
 * if there is none.  A driver running the simulation in slices skips idle
 * stretches with it instead of stepping through them.
 */
sva_time_t sva_sim_next_event(const struct sva_sim *sim);
/* Number of tasks blocked right now (not ready, not finished). */
unsigned sva_sim_nr_blocked(const struct sva_sim *sim);
/* Print blocked tasks, one per line, to stderr. */
void sva_sim_dump_blocked(const struct sva_sim *sim);

/* Counters the runtime keeps about itself. */
struct sva_sim_counts {
	uint64_t switches;	/* task switches (into a task) */
	uint64_t events;	/* events fired, task resumptions included */
	uint64_t tasks_created;
	uint64_t tasks_live;
	uint64_t fast_sleeps;	/* of those, sleeps that moved the clock without switching (runtime.md) */
};
void sva_sim_counts(const struct sva_sim *sim, struct sva_sim_counts *out);

/*
 * The host ran out of memory where the run cannot go on coherently (a
 * queue or table the model must keep whole): one line on stderr,
 * "sva: out of host memory (@what)", and exit status 1 - never a bare
 * abort.  Where a failed allocation has a meaning in the model (fork,
 * mmap, a frame), callers return -ENOMEM instead.
 */
SVA_NORETURN void sva_out_of_memory(const char *what);

/* ---- randomness ---------------------------------------------------- */

/* xoshiro256** owned by the simulation; never use rand(3) in sva. */
uint64_t sva_rand64(struct sva_sim *sim);
/* Uniform in [0, n); n > 0. */
uint64_t sva_rand_below(struct sva_sim *sim, uint64_t n);
/* True with probability num/den. */
bool sva_rand_chance(struct sva_sim *sim, uint32_t num, uint32_t den);

/* ---- events -------------------------------------------------------- */

struct sva_event;
typedef void (*sva_event_fn)(struct sva_sim *sim, struct sva_event *ev);

/* Embed in the owning object; container_of() gets back to it. */
struct sva_event {
	sva_time_t when;
	uint64_t seq;		/* internal: order of arming, breaks ties in the heap */
	uint32_t slot;		/* index in the timer heap or ready set */
	uint8_t where;		/* internal: idle, timed or ready */
	/*
	 * A background event (a watchdog's timer) does not keep
	 * the simulation alive: a run ends when only background events are
	 * left scheduled.
	 */
	bool background;
	sva_event_fn fire;
};

void sva_event_init(struct sva_event *ev, sva_event_fn fire);
/* Mark an idle event as background (see struct sva_event). */
void sva_event_set_background(struct sva_event *ev, bool background);
/* (Re)schedule at absolute time @when (>= now). */
void sva_event_at(struct sva_sim *sim, struct sva_event *ev, sva_time_t when);
void sva_event_after(struct sva_sim *sim, struct sva_event *ev, sva_time_t delay);
/* Harmless on an idle event. */
void sva_event_cancel(struct sva_sim *sim, struct sva_event *ev);
bool sva_event_pending(const struct sva_event *ev);

/* ---- tasks ----------------------------------------------------------- */

typedef void (*sva_task_fn)(void *arg);

struct sva_task_attr {
	size_t stack_size;	/* 0 = the simulation's default */
	bool detached;		/* reaped on exit; cannot be joined */
	/*
	 * A service loop (a device engine, a kernel worker) that waits for
	 * work forever: its waiting is not a deadlock, so sva_sim_run() does
	 * not count it as blocked.
	 */
	bool daemon;
};

/*
 * Create a task; it becomes ready at the current instant.  Callable from
 * tasks and from outside.  Returns NULL (errno set) when no stack can be
 * had.  @name is copied (truncated to 31 bytes) and names the task in
 * traces and in fatal errors such as a stack overflow.
 */
struct sva_task *sva_task_spawn(struct sva_sim *sim, const char *name,
				sva_task_fn fn, void *arg,
				const struct sva_task_attr *attr);

/*
 * The simulation being run on this host thread (inside sva_sim_run), or
 * NULL: the equivalent of the kernel's `current`, for code such as the
 * guest API that has no handle passed to it.
 */
struct sva_sim *sva_sim_running(void);

/* The running task, or NULL outside any task. */
struct sva_task *sva_current(const struct sva_sim *sim);
const char *sva_task_name(const struct sva_task *t);
uint64_t sva_task_id(const struct sva_task *t);
bool sva_task_done(const struct sva_task *t);
/* Per-task pointer for the layer that owns the task (e.g. a thread). */
void *sva_task_data(const struct sva_task *t);
void sva_task_set_data(struct sva_task *t, void *data);

/* End the calling task with @code.  Returning from fn is exit(0). */
SVA_NORETURN void sva_task_exit(struct sva_sim *sim, int code);

/*
 * Wait for @t to finish and free it; returns its exit code.  From a task
 * this blocks; from outside, @t must already be done (else -EBUSY).
 * Joining a detached task or oneself returns -EINVAL.
 */
int sva_task_join(struct sva_sim *sim, struct sva_task *t);

/*
 * End a task that is not running (blocked, sleeping or ready) where it
 * stands: it is taken off whatever it waits on and never resumes; its exit
 * code is -ECANCELED.  For tearing down service loops; a detached task is
 * freed at once.  Returns -EINVAL for the running task or a finished one.
 */
int sva_task_kill(struct sva_sim *sim, struct sva_task *t);

/*
 * Free every task that is not a daemon, wherever it stands, while the
 * objects it waits on still exist (tearing down a system that stopped
 * mid-run).  Daemons are left to the objects that own them.
 */
void sva_sim_free_tasks(struct sva_sim *sim);

void sva_sleep(struct sva_sim *sim, sva_time_t ns);
void sva_sleep_until(struct sva_sim *sim, sva_time_t when);
/* Let other tasks ready at this instant run first. */
void sva_yield(struct sva_sim *sim);

/* ---- wait queues ------------------------------------------------------ */

struct sva_waitq {
	struct sva_task *head, *tail;	/* FIFO of waiters */
	unsigned nr;
};

void sva_waitq_init(struct sva_waitq *wq);
/* Block the current task until woken. */
void sva_wait(struct sva_sim *sim, struct sva_waitq *wq);
/* Returns 0 when woken, -ETIMEDOUT when the time ran out first. */
int sva_wait_timeout(struct sva_sim *sim, struct sva_waitq *wq, sva_time_t ns);
int sva_wait_deadline(struct sva_sim *sim, struct sva_waitq *wq, sva_time_t when);
/*
 * sva_wait_timeout() for a watchdog: the timer is a background event, so a
 * run that has nothing else left to do ends instead of ticking forever.
 */
int sva_wait_watchdog(struct sva_sim *sim, struct sva_waitq *wq, sva_time_t ns);
/* Return how many tasks were woken.  Woken tasks run at this instant. */
unsigned sva_wake_one(struct sva_sim *sim, struct sva_waitq *wq);
unsigned sva_wake_all(struct sva_sim *sim, struct sva_waitq *wq);

/* Sleep on @wq until @cond holds (re-checked after every wake-up). */
#define sva_wait_event(sim, wq, cond)				\
	do {							\
		while (!(cond))					\
			sva_wait((sim), (wq));			\
	} while (0)

/* ---- sleeping mutex --------------------------------------------------- */

/*
 * A lock that blocks the calling task while someone else holds it, like a
 * kernel mutex.  Outside any task (set-up code, unit tests) it may only be
 * taken when free.
 */
struct sva_mutex {
	struct sva_task *owner;
	bool locked;
	struct sva_waitq wq;
};

void sva_mutex_init(struct sva_mutex *m);
void sva_mutex_lock(struct sva_sim *sim, struct sva_mutex *m);
/* Returns true when the lock was free and is now held. */
bool sva_mutex_trylock(struct sva_sim *sim, struct sva_mutex *m);
void sva_mutex_unlock(struct sva_sim *sim, struct sva_mutex *m);
bool sva_mutex_held(const struct sva_mutex *m);

/* ---- journal: the story of a run -------------------------------------- */

/*
 * Key events in plain words (a PASID allocated, a #GP fixed up, a range
 * invalidated, a process killed...), kept with their virtual time for the
 * report's timeline.  The first SVA_JOURNAL_MAX entries are kept; later
 * ones are only counted.  Formatting happens only while there is room.
 */
#define SVA_JOURNAL_MAX 1024

struct sva_journal_entry {
	sva_time_t time;
	char who[24];
	char what[136];
};

__attribute__((format(printf, 3, 4)))
void sva_journal(struct sva_sim *sim, const char *who, const char *fmt, ...);
unsigned sva_journal_count(const struct sva_sim *sim);
uint64_t sva_journal_dropped(const struct sva_sim *sim);
const struct sva_journal_entry *sva_journal_entry(const struct sva_sim *sim, unsigned i);

SVA_API_END
#endif /* SVA_SIM_H */
