// SPDX-License-Identifier: MIT
/*
 * Tasks: coroutines on mmap'd stacks with a PROT_NONE guard below.  A task
 * always switches back to the scheduler's context when it blocks, and the
 * scheduler switches into the next one; this keeps the run loop a plain
 * loop and every hand-off two cheap switches.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim_internal.h"

#ifdef SVA_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#define GUARD_SIZE	(64 * 1024)	/* frames bigger than this could jump it */
#define POOL_MAX	256

/* ---- stacks --------------------------------------------------------------- */

static size_t page_round(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (n + pg - 1) & ~(pg - 1);
}

static int stack_alloc(struct sva_sim *sim, size_t size, struct sva_stack *st)
{
	size = page_round(size);
	if (size == sim->default_stack && sim->nr_pool > 0) {
		*st = sim->stack_pool[--sim->nr_pool];
	} else {
		size_t map_size = size + GUARD_SIZE;
		void *map = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
				 -1, 0);

		if (map == MAP_FAILED)
			return -errno;
		if (mprotect(map, GUARD_SIZE, PROT_NONE) != 0) {
			int err = -errno;

			munmap(map, map_size);
			return err;
		}
		*st = (struct sva_stack){
			.map = map, .map_size = map_size,
			.lo = (char *)map + GUARD_SIZE, .size = size,
		};
	}
#ifdef SVA_ASAN
	/* A dead task's frames leave poisoned redzones behind. */
	ASAN_UNPOISON_MEMORY_REGION(st->lo, st->size);
#endif
	return 0;
}

static void stack_release(struct sva_sim *sim, struct sva_stack *st)
{
	if (!st->map)
		return;
#ifdef SVA_ASAN
	ASAN_UNPOISON_MEMORY_REGION(st->lo, st->size);
#endif
	if (st->size == sim->default_stack) {
		if (sim->nr_pool == sim->cap_pool && sim->cap_pool < POOL_MAX) {
			unsigned ncap = sim->cap_pool ? sim->cap_pool * 2 : 16;
			struct sva_stack *np = realloc(sim->stack_pool, ncap * sizeof(*np));

			if (np) {
				sim->stack_pool = np;
				sim->cap_pool = ncap;
			}
		}
		if (sim->nr_pool < sim->cap_pool) {
			sim->stack_pool[sim->nr_pool++] = *st;
			st->map = NULL;
			return;
		}
	}
	munmap(st->map, st->map_size);
	st->map = NULL;
}

void sva_stacks_free_pool(struct sva_sim *sim)
{
	for (unsigned i = 0; i < sim->nr_pool; i++)
		munmap(sim->stack_pool[i].map, sim->stack_pool[i].map_size);
	free(sim->stack_pool);
	sim->stack_pool = NULL;
	sim->nr_pool = sim->cap_pool = 0;
}

/* ---- guard pages: turn an overflow into a clear fatal error ------------------ */

/*
 * The one piece of mutable state outside a struct sva_sim: a signal handler
 * cannot be handed an argument, so the host thread remembers which
 * simulation it is running.  Set only inside sva_sim_run().
 */
static _Thread_local struct sva_sim *running_sim;
static struct sigaction prev_segv, prev_bus;

static void put_str(const char *s)
{
	ssize_t r = write(STDERR_FILENO, s, strlen(s));

	(void)r;
}

static void put_u64(uint64_t v)
{
	char buf[24];
	int i = (int)sizeof(buf);

	buf[--i] = '\0';
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 0);
	put_str(&buf[i]);
}

static void chain(const struct sigaction *prev, int sig, siginfo_t *si, void *uc)
{
	if ((prev->sa_flags & SA_SIGINFO) && prev->sa_sigaction) {
		prev->sa_sigaction(sig, si, uc);
	} else if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
		prev->sa_handler(sig);
	} else {
		/* Returning re-executes the access, which now kills us. */
		signal(sig, SIG_DFL);
	}
}

static void guard_handler(int sig, siginfo_t *si, void *uc)
{
	struct sva_sim *sim = running_sim;
	struct sva_task *t = sim ? sim->current : NULL;
	const struct sigaction *prev = sig == SIGBUS ? &prev_bus : &prev_segv;

	if (t && t->stack.map) {
		char *a = si->si_addr, *g = t->stack.map;

		if (a >= g && a < g + GUARD_SIZE) {
			put_str("sva: fatal: stack overflow in task '");
			put_str(t->name);
			put_str("' (id ");
			put_u64(t->id);
			put_str(", stack ");
			put_u64(t->stack.size / 1024);
			put_str(" KiB) at virtual time ");
			put_u64(sim->now);
			put_str(" ns; give the task a larger stack_size\n");
			signal(sig, SIG_DFL);
			return;
		}
	}
	chain(prev, sig, si, uc);
}

void sva_stack_guard_install(struct sva_sim *sim)
{
	struct sigaction sa;
	stack_t ss, old;

	sim->prev_running = running_sim;
	running_sim = sim;
	if (sim->prev_running || sim->no_stack_guard)
		return;		/* nested run: handler and alt stack already set */

	if (!sim->altstack) {
		sim->altstack_size = 64 * 1024;
		sim->altstack = mmap(NULL, sim->altstack_size, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (sim->altstack == MAP_FAILED)
			sim->altstack = NULL;
	}
	/* Keep an alternate stack someone (a sanitizer) already set up. */
	if (sim->altstack && sigaltstack(NULL, &old) == 0 && (old.ss_flags & SS_DISABLE)) {
		ss = (stack_t){ .ss_sp = sim->altstack, .ss_size = sim->altstack_size };
		sigaltstack(&ss, NULL);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = guard_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &prev_segv);
	sigaction(SIGBUS, &sa, &prev_bus);
}

void sva_stack_guard_remove(struct sva_sim *sim)
{
	stack_t cur;

	running_sim = sim->prev_running;
	if (sim->prev_running || sim->no_stack_guard)
		return;
	sigaction(SIGSEGV, &prev_segv, NULL);
	sigaction(SIGBUS, &prev_bus, NULL);
	if (sim->altstack && sigaltstack(NULL, &cur) == 0 && cur.ss_sp == sim->altstack) {
		stack_t off = { .ss_flags = SS_DISABLE };

		sigaltstack(&off, NULL);
	}
}

/* ---- switching ------------------------------------------------------------------ */

static void switch_to_task(struct sva_sim *sim, struct sva_task *t)
{
#ifdef SVA_ASAN
	void *fake = NULL;

	__sanitizer_start_switch_fiber(&fake, t->stack.lo, t->stack.size);
#endif
	sim->ctx_ops->swap(&sim->main_ctx, &t->ctx);
#ifdef SVA_ASAN
	__sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
}

/* @dying: this stack is never resumed, so ASan may drop its fake frames. */
static void switch_to_main(struct sva_sim *sim, struct sva_task *t, bool dying)
{
#ifdef SVA_ASAN
	__sanitizer_start_switch_fiber(dying ? NULL : &t->asan_fake_stack,
				       sim->main_stack_lo, sim->main_stack_size);
#else
	(void)dying;
#endif
	sim->ctx_ops->swap(&t->ctx, &sim->main_ctx);
#ifdef SVA_ASAN
	__sanitizer_finish_switch_fiber(t->asan_fake_stack, NULL, NULL);
#endif
}

static void task_free(struct sva_sim *sim, struct sva_task *t)
{
	assert(t->wq == NULL && t->ev.where == SVA_EV_IDLE);
	if (t->all_prev)
		t->all_prev->all_next = t->all_next;
	else
		sim->all_tasks = t->all_next;
	if (t->all_next)
		t->all_next->all_prev = t->all_prev;
	stack_release(sim, &t->stack);
	free(t);
}

/* Event callback: the scheduler resumes a task. */
static void task_fire(struct sva_sim *sim, struct sva_event *ev)
{
	struct sva_task *t = container_of(ev, struct sva_task, ev);

	assert(t->state == SVA_TASK_READY || t->state == SVA_TASK_BLOCKED);
	if (t->state == SVA_TASK_BLOCKED && !t->daemon)
		sim->nr_blocked--;
	t->state = SVA_TASK_RUNNING;
	sim->current = t;
	sim->counts.switches++;
	switch_to_task(sim, t);
	sim->current = NULL;
	/* Back on the scheduler's stack: a finished detached task can go. */
	if (t->state == SVA_TASK_DONE && t->detached)
		task_free(sim, t);
}

static void task_entry(void *arg)
{
	struct sva_task *t = arg;

#ifdef SVA_ASAN
	__sanitizer_finish_switch_fiber(NULL, &t->sim->main_stack_lo,
					&t->sim->main_stack_size);
#endif
	t->fn(t->arg);
	sva_task_exit(t->sim, 0);
}

void sva_sched_block(struct sva_sim *sim)
{
	struct sva_task *t = sim->current;

	assert(t && t->state == SVA_TASK_RUNNING);
	if (t->ev.where == SVA_EV_READY) {
		t->state = SVA_TASK_READY;
	} else {
		t->state = SVA_TASK_BLOCKED;
		if (!t->daemon)
			sim->nr_blocked++;
	}
	switch_to_main(sim, t, false);
	assert(sim->current == t && t->state == SVA_TASK_RUNNING);
}

void sva_task_make_ready(struct sva_sim *sim, struct sva_task *t)
{
	assert(t->state != SVA_TASK_DONE);
	if (t->ev.where == SVA_EV_READY)
		return;
	if (t->ev.where == SVA_EV_TIMED)
		sva_heap_remove(sim, &t->ev);
	sva_ready_push(sim, &t->ev);
}

/* ---- public API ---------------------------------------------------------------------- */

struct sva_task *sva_task_spawn(struct sva_sim *sim, const char *name,
				sva_task_fn fn, void *arg,
				const struct sva_task_attr *attr)
{
	size_t size = attr && attr->stack_size ? attr->stack_size : sim->default_stack;
	struct sva_task *t;
	int err;

	if (!fn) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	err = stack_alloc(sim, size, &t->stack);
	if (err) {
		free(t);
		errno = -err;
		return NULL;
	}
	t->sim = sim;
	t->fn = fn;
	t->arg = arg;
	t->id = ++sim->next_task_id;
	t->detached = attr && attr->detached;
	t->daemon = attr && attr->daemon;
	snprintf(t->name, sizeof(t->name), "%s", name ? name : "task");
	sva_waitq_init(&t->joiners);
	sva_event_init(&t->ev, task_fire);
	sim->ctx_ops->make(&t->ctx, t->stack.lo, t->stack.size, task_entry, t);

	t->all_next = sim->all_tasks;
	if (sim->all_tasks)
		sim->all_tasks->all_prev = t;
	sim->all_tasks = t;
	sim->counts.tasks_created++;
	sim->counts.tasks_live++;

	t->state = SVA_TASK_READY;
	sva_ready_push(sim, &t->ev);
	return t;
}

_Noreturn void sva_task_exit(struct sva_sim *sim, int code)
{
	struct sva_task *t = sim->current;

	assert(t && "sva_task_exit outside a task");
	t->exit_code = code;
	t->state = SVA_TASK_DONE;
	sim->counts.tasks_live--;
	sva_wake_all(sim, &t->joiners);
	switch_to_main(sim, t, true);
	/* The scheduler never resumes a finished task. */
	abort();
}

int sva_task_join(struct sva_sim *sim, struct sva_task *t)
{
	int code;

	if (!t || t->detached || t == sim->current || t->join_claimed)
		return -EINVAL;
	if (t->state != SVA_TASK_DONE) {
		if (!sim->current)
			return -EBUSY;
		t->join_claimed = true;
		sva_wait_event(sim, &t->joiners, t->state == SVA_TASK_DONE);
	}
	code = t->exit_code;
	task_free(sim, t);
	return code;
}

/* Take an abandoned task off whatever it waits on. */
static void task_unhook(struct sva_sim *sim, struct sva_task *t)
{
	if (t->wq)
		sva_waitq_dequeue(t);
	sva_event_cancel(sim, &t->ev);
}

void sva_tasks_free_all(struct sva_sim *sim)
{
	while (sim->all_tasks) {
		struct sva_task *t = sim->all_tasks;

		task_unhook(sim, t);
		task_free(sim, t);
	}
}

void sva_sim_free_tasks(struct sva_sim *sim)
{
	struct sva_task *t = sim->all_tasks;

	while (t) {
		struct sva_task *next = t->all_next;

		if (!t->daemon && t != sim->current) {
			if (t->state == SVA_TASK_BLOCKED)
				sim->nr_blocked--;
			if (t->state != SVA_TASK_DONE)
				sim->counts.tasks_live--;
			task_unhook(sim, t);
			task_free(sim, t);
		}
		t = next;
	}
}

int sva_task_kill(struct sva_sim *sim, struct sva_task *t)
{
	if (!t || t == sim->current || t->state == SVA_TASK_DONE)
		return -EINVAL;
	task_unhook(sim, t);
	if (t->state == SVA_TASK_BLOCKED && !t->daemon)
		sim->nr_blocked--;
	t->state = SVA_TASK_DONE;
	t->exit_code = -ECANCELED;
	sim->counts.tasks_live--;
	sva_wake_all(sim, &t->joiners);
	if (t->detached)
		task_free(sim, t);
	return 0;
}

struct sva_task *sva_current(const struct sva_sim *sim)
{
	return sim->current;
}

const char *sva_task_name(const struct sva_task *t)
{
	return t->name;
}

uint64_t sva_task_id(const struct sva_task *t)
{
	return t->id;
}

bool sva_task_done(const struct sva_task *t)
{
	return t->state == SVA_TASK_DONE;
}

void *sva_task_data(const struct sva_task *t)
{
	return t->data;
}

void sva_task_set_data(struct sva_task *t, void *data)
{
	t->data = data;
}

void sva_sleep_until(struct sva_sim *sim, sva_time_t when)
{
	struct sva_task *t = sim->current;

	assert(t && "sva_sleep outside a task");
	if (when <= sim->now)
		when = sim->now;
	/*
	 * Nothing is ready and every timed event comes strictly later, so the
	 * scheduler would move the clock to @when, find this task alone in the
	 * ready set (no random draw) and resume it.  Do just that, without the
	 * two context switches: most sleeps are a CPU or an engine charging
	 * time for its own work while nothing else is due.  The counts stay as
	 * if the task had been switched out and back.
	 */
	if (sim->ready.n == 0 && !sim->stop && !t->ev.background && when != SVA_TIME_NEVER &&
	    when <= sim->run_deadline && (sim->heap.n == 0 || sim->heap.v[0]->when > when)) {
		assert(t->ev.where == SVA_EV_IDLE && t->state == SVA_TASK_RUNNING);
		sim->now = when;
		sim->last_event = when;
		sim->counts.events++;
		sim->counts.switches++;
		sim->counts.fast_sleeps++;
		return;
	}
	sva_event_at(sim, &t->ev, when);
	sva_sched_block(sim);
}

void sva_sleep(struct sva_sim *sim, sva_time_t ns)
{
	sva_time_t when = sim->now + ns;

	sva_sleep_until(sim, when < sim->now ? SVA_TIME_NEVER : when);
}

void sva_yield(struct sva_sim *sim)
{
	sva_sleep_until(sim, sim->now);
}

struct sva_sim *sva_sim_running(void)
{
	return running_sim;
}
