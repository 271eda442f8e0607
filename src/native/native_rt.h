/* SPDX-License-Identifier: MIT */
/* Inside native mode's runtime: the object behind struct sva_native. */
#ifndef SVA_NATIVE_RT_H
#define SVA_NATIVE_RT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <sva/guest.h>
#include <sva/sim.h>

#include "native/native.h"
#include "native/native_mem.h"

#define NATIVE_MAX_PORTALS	64
#define NATIVE_STAGING		4096	/* the shadow's page for descriptors on their way */

enum native_req_op {
	NREQ_NONE = 0,
	NREQ_OPEN, NREQ_CLOSE, NREQ_MMAP, NREQ_MUNMAP, NREQ_SUBMIT, NREQ_WRITE, NREQ_EXIT,
	NREQ_NR
};

/* What the program asked for, carried out by the shadow process. */
struct native_req {
	enum native_req_op op;
	char path[32];
	int fd, prot, flags;
	uint64_t addr, len, off;
	const void *buf;
	uint8_t desc[64];
	enum sva_native_submit kind;
	int tid;			/* the host thread that asked */
	bool handed;			/* passed on to that thread's shadow */
	int64_t ret;
	bool done;
};

#define NATIVE_MAX_THREADS	256

/* The shadow of one of the program's threads (beyond the first). */
struct native_thread {
	struct sva_native *n;
	int host_tid;
	struct sva_waitq wq;
};

/* A portal the program mapped: where it is in the program, where in the shadow. */
struct native_portal {
	uint64_t host, model, len;
};

struct native_stats {
	uint64_t requests[NREQ_NR];
	uint64_t accepted, retried;	/* submissions (ENQCMD and MOVDIR64B) */
};

struct sva_native {
	struct sva_system *sys;
	struct sva_sim *sim;
	struct native_mem *mem;
	enum sva_native_mode mode;
	enum sva_native_faults faults;
	uint64_t seed;
	char program[64];
	int pid;

	/* the shadow process */
	int shadow_pid;
	bool shadow_ready;
	uint64_t staging;
	struct sva_waitq req_wq;
	struct native_req req;
	struct sva_siginfo last_fault;
	struct native_portal portals[NATIVE_MAX_PORTALS];
	int main_tid;			/* the host thread shadow_main stands for */
	struct native_thread threads[NATIVE_MAX_THREADS];
	unsigned nr_threads;
	unsigned nr_portals;

	/* who drives the simulation */
	pthread_mutex_t call_lock;	/* one request at a time */
	pthread_mutex_t lock;		/* async: hand-over to the device thread */
	pthread_cond_t cv, done_cv;
	pthread_t thread;
	bool posted, waiting_caller, stopping;
	int drive_rc;
	bool finished;

	struct native_stats st;
};

const char *native_req_name(enum native_req_op op);

#endif
