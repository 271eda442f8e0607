// SPDX-License-Identifier: MIT
/*
 * Native mode's runtime: a struct sva_system and, inside it, the shadow
 * process that does in the model what the real program does to the
 * device (src/native/native.h).
 *
 * The program's thread never runs model code directly: it posts one
 * request (open, mmap, submit ...) and the shadow process's thread, a
 * guest thread like any scenario's, carries it out with the guest API, so
 * PASID allocation, the #GP fixup of IA32_PASID, the DMWr path, WQ
 * admission and retry, engines, batches, faults and completion records
 * are exactly those of `sva run`.
 *
 * Who drives the simulation depends on the mode.  Inline: the caller's
 * thread runs it until nothing is left to do - the descriptor has
 * completed before the instruction retires.  Async: a device thread owns
 * it; a request is answered as soon as the shadow has done it (ENQCMD's
 * ZF is known), and the descriptor executes afterwards, concurrently with
 * the program.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sva/dsa.h>
#include <sva/guest.h>
#include <sva/machine.h>
#include <sva/system.h>
#include <sva/timing.h>

#include "native/native.h"
#include "native/native_rt.h"
#include "os/idxd.h"
#include "os/proc.h"
#include "system_internal.h"

static const char *const req_name[] = {
	[NREQ_OPEN] = "open", [NREQ_CLOSE] = "close", [NREQ_MMAP] = "mmap",
	[NREQ_MUNMAP] = "munmap", [NREQ_SUBMIT] = "submit", [NREQ_WRITE] = "write",
	[NREQ_EXIT] = "exit",
};

/* ---- the shadow process (guest code, runs as a simulated thread) ---------------- */

static enum sva_sig_action shadow_fault(const struct sva_siginfo *info, void *arg)
{
	struct sva_native *n = arg;

	/* The instruction fails with -EFAULT; the request reports it. */
	n->last_fault = *info;
	return SVA_SIG_FAIL;
}

static struct native_portal *portal_of(struct sva_native *n, uint64_t host)
{
	for (unsigned i = 0; i < n->nr_portals; i++) {
		struct native_portal *p = &n->portals[i];

		if (host >= p->host && host - p->host < p->len)
			return p;
	}
	return NULL;
}

static int64_t shadow_submit(struct sva_native *n, struct native_req *r)
{
	struct native_portal *p = portal_of(n, r->addr);
	uint64_t model;
	int rc;

	if (!p)
		return -EFAULT;
	model = p->model + (r->addr - p->host);
	n->last_fault = (struct sva_siginfo){ 0 };
	rc = sva_store(n->staging, r->desc, sizeof(r->desc));
	if (rc)
		return rc;
	switch (r->kind) {
	case SVA_NATIVE_ENQCMD:
		rc = sva_enqcmd(model, n->staging);
		break;
	case SVA_NATIVE_MOVDIR64B:
		rc = sva_movdir64b(model, n->staging);
		break;
	default:
		/* ENQCMDS is a supervisor instruction: #GP from user mode. */
		return -EPERM;
	}
	if (rc == 0)
		n->st.accepted++;
	else if (rc == 1)
		n->st.retried++;
	else if (rc < 0 && n->last_fault.signo == SIGSEGV && n->last_fault.code == SI_KERNEL)
		return -EINVAL;	/* the model's CPU raised #GP (say, ENQCMD bits 31:0 not zero): so must the program's */
	return rc;
}

static int64_t shadow_write(struct sva_native *n, struct native_req *r)
{
	uint64_t off = 0;
	int64_t rc = 0;

	/* The kernel copies the descriptors from user memory: stage them in the model's. */
	while (off < r->len) {
		uint64_t chunk = r->len - off < NATIVE_STAGING ? r->len - off : NATIVE_STAGING;

		rc = sva_store(n->staging, (const uint8_t *)r->buf + off, chunk);
		if (rc)
			return off ? (int64_t)off : rc;
		rc = sva_write(r->fd, n->staging, chunk);
		if (rc < 0)
			return off ? (int64_t)off : rc;
		off += (uint64_t)rc;
		if ((uint64_t)rc < chunk)
			break;
	}
	return (int64_t)off;
}

static int64_t shadow_serve(struct sva_native *n, struct native_req *r)
{
	int64_t rc;

	switch (r->op) {
	case NREQ_OPEN:
		return sva_open(r->path, SVA_O_RDWR);
	case NREQ_CLOSE:
		return sva_close(r->fd);
	case NREQ_MMAP:
		rc = sva_mmap(0, r->len, r->prot, r->flags, r->fd, r->off);
		if (rc >= 0) {
			if (n->nr_portals == NATIVE_MAX_PORTALS) {
				sva_munmap((uint64_t)rc, r->len);
				return -ENOMEM;
			}
			n->portals[n->nr_portals++] = (struct native_portal){
				.host = r->addr, .model = (uint64_t)rc, .len = r->len,
			};
			rc = 0;
		}
		return rc;
	case NREQ_MUNMAP:
		for (unsigned i = 0; i < n->nr_portals;) {
			struct native_portal *p = &n->portals[i];
			uint64_t lo = r->addr > p->host ? r->addr : p->host;
			uint64_t hi = r->addr + r->len < p->host + p->len ? r->addr + r->len : p->host + p->len;

			if (lo >= hi) {
				i++;
				continue;
			}
			rc = sva_munmap(p->model + (lo - p->host), hi - lo);
			if (rc)
				return rc;
			if (lo == p->host && hi == p->host + p->len)
				*p = n->portals[--n->nr_portals];	/* all of it: forget it */
			else
				i++;	/* a hole in it: the model faults there as the host does */
		}
		return 0;
	case NREQ_SUBMIT:
		return shadow_submit(n, r);
	case NREQ_WRITE:
		return shadow_write(n, r);
	case NREQ_EXIT:
		return 0;
	case NREQ_NONE:
	case NREQ_NR:
		break;
	}
	return -EINVAL;
}

/*
 * Wait for the next request off the CPU, as a thread sleeping in the
 * kernel does: the program may have more threads than the model has
 * CPUs, and a shadow thread that kept its CPU while idle would starve
 * the others.
 */
static void shadow_wait(struct sva_native *n, struct sva_waitq *wq)
{
	struct sva_thread *t = sva_thread_current(sva_system_kernel(n->sys));

	sva_thread_off_cpu(t);
	sva_wait(n->sim, wq);
	sva_thread_on_cpu(t);
}

static void serve_one(struct sva_native *n, struct sva_sim *sim)
{
	struct native_req *r = &n->req;

	r->ret = n->staging ? shadow_serve(n, r) : -ENOMEM;
	r->done = true;
	/* Async: the device thread answers the caller now, then lets the device go on. */
	if (n->mode == SVA_NATIVE_ASYNC)
		sva_sim_stop(sim);
}

/*
 * The shadow of one more thread of the program: its own simulated
 * thread, so its IA32_PASID starts cleared and its first ENQCMD takes
 * the #GP fixup, as the real thread's would.
 */
static void shadow_thread(void *arg)
{
	struct native_thread *t = arg;
	struct sva_native *n = t->n;
	struct sva_sim *sim = sva_sim_running();

	for (;;) {
		struct native_req *r = &n->req;

		while (!(r->handed && !r->done && r->tid == t->host_tid))
			shadow_wait(n, &t->wq);
		serve_one(n, sim);
	}
}

/* The shadow thread of host thread @tid, started on its first request; NULL when out of room. */
static struct native_thread *thread_of(struct sva_native *n, int tid)
{
	struct native_thread *t;
	char name[24];

	for (unsigned i = 0; i < n->nr_threads; i++)
		if (n->threads[i].host_tid == tid)
			return &n->threads[i];
	if (n->nr_threads == NATIVE_MAX_THREADS)
		return NULL;
	t = &n->threads[n->nr_threads];
	*t = (struct native_thread){ .n = n, .host_tid = tid };
	sva_waitq_init(&t->wq);
	snprintf(name, sizeof(name), "tid %d", tid);
	if (sva_thread_create(shadow_thread, t, name) < 0)
		return NULL;
	n->nr_threads++;
	return t;
}

static void shadow_main(void *arg)
{
	struct sva_native *n = arg;
	struct sva_sim *sim = sva_sim_running();
	int64_t staging;

	sva_signal(SIGSEGV, shadow_fault, n);
	sva_signal(SIGBUS, shadow_fault, n);
	staging = sva_mmap(0, NATIVE_STAGING, SVA_PROT_READ | SVA_PROT_WRITE,
			   SVA_MAP_PRIVATE | SVA_MAP_ANONYMOUS, -1, 0);
	n->staging = staging > 0 ? (uint64_t)staging : 0;
	n->shadow_ready = true;
	for (;;) {
		struct native_req *r = &n->req;
		struct native_thread *t;

		while (r->op == NREQ_NONE || r->done || r->handed)
			shadow_wait(n, &n->req_wq);
		if (r->op == NREQ_EXIT) {
			serve_one(n, sim);
			sva_exit(0);	/* every shadow thread ends, files close, the PASID goes */
		}
		/* This thread shadows the program's first caller; every other thread gets its own. */
		if (!n->main_tid)
			n->main_tid = r->tid;
		t = r->tid == n->main_tid ? NULL : thread_of(n, r->tid);
		if (!t) {
			serve_one(n, sim);
			continue;
		}
		r->handed = true;
		sva_wake_all(sim, &t->wq);
	}
}

/* ---- driving the simulation ------------------------------------------------------ */

/* Run until nothing is left to do but wait for the next request. */
static int drive(struct sva_native *n)
{
	int rc = sva_sim_run(n->sim);

	/* The shadow's threads waiting for their next request is the normal end, not a deadlock. */
	if (rc == -EDEADLK && sva_sim_nr_blocked(n->sim) <= 1 + n->nr_threads)
		rc = 0;
	return rc;
}

static void *device_thread(void *arg)
{
	struct sva_native *n = arg;

	/*
	 * Only this thread touches the simulation.  The caller's request is
	 * handed over under n->lock while the shadow is blocked waiting for
	 * it (requests are serialised by call_lock), so the shadow never
	 * reads a request being written.
	 */
	pthread_mutex_lock(&n->lock);
	for (;;) {
		while (!n->posted && !n->stopping && sva_sim_idle(n->sim))
			pthread_cond_wait(&n->cv, &n->lock);
		if (n->posted) {
			n->posted = false;
			sva_wake_all(n->sim, &n->req_wq);
		} else if (n->stopping && sva_sim_idle(n->sim)) {
			break;
		}
		pthread_mutex_unlock(&n->lock);
		/* Returns early once the shadow has answered (sva_sim_stop), else when the model runs dry. */
		n->drive_rc = drive(n);
		pthread_mutex_lock(&n->lock);
		if (n->req.done && n->waiting_caller) {
			n->waiting_caller = false;
			pthread_cond_broadcast(&n->done_cv);
		}
	}
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

static int64_t call(struct sva_native *n, struct native_req *r)
{
	int64_t ret;

	pthread_mutex_lock(&n->call_lock);	/* one request at a time, whatever the thread */
	r->done = false;
	r->handed = false;
	r->tid = (int)syscall(SYS_gettid);
	if (n->mode == SVA_NATIVE_INLINE) {
		n->req = *r;
		sva_wake_all(n->sim, &n->req_wq);
		n->drive_rc = drive(n);
		assert(n->req.done || n->drive_rc);
	} else {
		pthread_mutex_lock(&n->lock);
		n->req = *r;
		n->posted = true;
		n->waiting_caller = true;
		pthread_cond_broadcast(&n->cv);
		while (!n->req.done)
			pthread_cond_wait(&n->done_cv, &n->lock);
		pthread_mutex_unlock(&n->lock);
	}
	n->st.requests[r->op]++;
	ret = n->req.done ? n->req.ret : -EIO;
	n->req.op = NREQ_NONE;
	pthread_mutex_unlock(&n->call_lock);
	return ret;
}

/* ---- the API ------------------------------------------------------------------------ */

static void plug_devices(struct sva_native *n)
{
	for (struct sva_idxd *idxd = n->sys->kernel.idxds; idxd; idxd = idxd->next)
		sva_dsa_set_dma(idxd->dsa, &native_mem_dma_ops, n->mem);
}

struct sva_native *sva_native_create(const struct sva_native_config *cfg, char *err, size_t errlen)
{
	struct sva_system_config sc = {
		.seed = cfg->seed,
		.trace = cfg->trace,
		.ram_size = 64ull << 20,	/* the shadow needs a few pages */
		.accel_config = cfg->accel_config,
		.check = -1,			/* the checker watches simulated memory only */
		.no_stack_guard = true,
	};
	struct sva_timing timing;
	struct sva_native *n;

	sva_timing_default(&timing);
	if (cfg->timing && sva_timing_load_json(cfg->timing, &timing, err, errlen))
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n->mode = cfg->mode;
	snprintf(n->program, sizeof(n->program), "%s", cfg->program ? cfg->program : "program");
	n->pid = cfg->pid;
	n->seed = cfg->seed;
	n->faults = cfg->faults;
	n->mem = native_mem_create(cfg->faults, cfg->seed);
	if (!n->mem) {
		snprintf(err, errlen, "out of memory");
		free(n);
		return NULL;
	}
	n->sys = sva_system_create_err(&sc, err, errlen);
	if (!n->sys) {
		if (!err[0])
			snprintf(err, errlen, "cannot build the model: %s", strerror(errno));
		native_mem_destroy(n->mem);
		free(n);
		return NULL;
	}
	n->sim = sva_system_sim(n->sys);
	*sva_machine_timing(sva_system_machine(n->sys)) = timing;
	plug_devices(n);
	sva_waitq_init(&n->req_wq);
	pthread_mutex_init(&n->call_lock, NULL);
	pthread_mutex_init(&n->lock, NULL);
	pthread_cond_init(&n->cv, NULL);
	pthread_cond_init(&n->done_cv, NULL);
	n->shadow_pid = sva_system_spawn(n->sys, n->program, shadow_main, n);
	if (n->shadow_pid < 0 || drive(n) || !n->shadow_ready) {
		snprintf(err, errlen, "cannot start the shadow process: %s",
			 strerror(n->shadow_pid < 0 ? -n->shadow_pid : EIO));
		sva_system_destroy(n->sys);
		native_mem_destroy(n->mem);
		free(n);
		return NULL;
	}
	if (n->mode == SVA_NATIVE_ASYNC && pthread_create(&n->thread, NULL, device_thread, n)) {
		snprintf(err, errlen, "cannot start the device thread");
		sva_system_destroy(n->sys);
		native_mem_destroy(n->mem);
		free(n);
		return NULL;
	}
	return n;
}

void sva_native_finish(struct sva_native *n)
{
	if (n->finished)
		return;
	n->finished = true;
	call(n, &(struct native_req){ .op = NREQ_EXIT });
	if (n->mode == SVA_NATIVE_ASYNC) {
		pthread_mutex_lock(&n->lock);
		n->stopping = true;	/* the thread runs the model dry, then ends */
		pthread_cond_broadcast(&n->cv);
		pthread_mutex_unlock(&n->lock);
		pthread_join(n->thread, NULL);
	} else {
		drive(n);
	}
}

void sva_native_destroy(struct sva_native *n)
{
	if (!n)
		return;
	sva_native_finish(n);
	sva_system_destroy(n->sys);
	native_mem_destroy(n->mem);
	pthread_mutex_destroy(&n->call_lock);
	pthread_mutex_destroy(&n->lock);
	pthread_cond_destroy(&n->cv);
	pthread_cond_destroy(&n->done_cv);
	free(n);
}

int sva_native_wq_open(struct sva_native *n, const char *dev, unsigned wq, int flags)
{
	struct native_req r = { .op = NREQ_OPEN };
	const char *kind = strncmp(dev, "iax", 3) ? "dsa" : "iax";

	(void)flags;	/* the idxd cdev takes any access mode; mmap checks PROT_WRITE */
	if (strlen(dev) > 12)
		return -ENOENT;
	snprintf(r.path, sizeof(r.path), "/dev/%s/wq%s.%u", kind, dev + 3, wq);
	return (int)call(n, &r);
}

int sva_native_wq_close(struct sva_native *n, int handle)
{
	return (int)call(n, &(struct native_req){ .op = NREQ_CLOSE, .fd = handle });
}

int sva_native_wq_mmap(struct sva_native *n, int handle, uint64_t portal, uint64_t len,
		       int prot, int flags, uint64_t off)
{
	return (int)call(n, &(struct native_req){ .op = NREQ_MMAP, .fd = handle, .addr = portal,
						  .len = len, .prot = prot, .flags = flags,
						  .off = off });
}

int sva_native_munmap(struct sva_native *n, uint64_t addr, uint64_t len)
{
	return (int)call(n, &(struct native_req){ .op = NREQ_MUNMAP, .addr = addr, .len = len });
}

bool sva_native_is_portal(const struct sva_native *n, uint64_t addr)
{
	/* Read by the trap layer without the lock: portals change only on the program's own calls. */
	return portal_of((struct sva_native *)n, addr) != NULL;
}

int sva_native_submit(struct sva_native *n, uint64_t portal, const void *desc64,
		      enum sva_native_submit kind)
{
	struct native_req r = { .op = NREQ_SUBMIT, .addr = portal, .kind = kind };

	memcpy(r.desc, desc64, sizeof(r.desc));
	return (int)call(n, &r);
}

int64_t sva_native_wq_write(struct sva_native *n, int handle, const void *buf, uint64_t len)
{
	return call(n, &(struct native_req){ .op = NREQ_WRITE, .fd = handle, .buf = buf, .len = len });
}

const char *native_req_name(enum native_req_op op)
{
	return op < sizeof(req_name) / sizeof(req_name[0]) && req_name[op] ? req_name[op] : "none";
}
