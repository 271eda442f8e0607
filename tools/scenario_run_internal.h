/* SPDX-License-Identifier: MIT */
/*
 * What the scenario runner (scenario_run.c) shares with the runner of the
 * "desc" and "raw" steps (scenario_desc_run.c).
 */
#ifndef SVA_TOOLS_SCENARIO_RUN_INTERNAL_H
#define SVA_TOOLS_SCENARIO_RUN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "scenario.h"

#define MAX_VARS	64
#define MAX_INFLIGHT	64
#define AREA_SIZE	(1u << 20)	/* per thread: descriptors, records, batch lists */
#define CR_OFF		(64u * 1024)
#define LIST_OFF	(128u * 1024)
#define LIST_SLOT	(64u * 1024)	/* 1024 descriptors */
#define MAX_BATCH_INFLIGHT 8
#define POLL_NS		100
#define POLL_LIMIT	(50 * SVA_MSEC)
/* The "desc" and "raw" steps' place in the thread's area: their list, descriptor and records. */
#define DESC_LIST_OFF	(896u * 1024)
#define DESC_OFF	(960u * 1024)
#define DESC_CR_OFF	(DESC_OFF + 64)
#define DESC_MEMBER_CR_OFF (DESC_OFF + 128)	/* 32 bytes per batch member */

struct run {
	const struct scenario *s;
	struct sva_system *sys;
	struct sva_kernel *k;
	struct run_result *res;
	/* States of threads and forked children: a thread killed by a signal
	 * never returns to free its own, so the run owns them all. */
	void **owned;
	unsigned nowned, capowned;
};

struct pvar {
	char name[SCN_NAME];
	bool is_wq;
	uint64_t addr, size;		/* buffer */
	int fd;				/* wq */
	uint64_t portal;
	bool dedicated;
	unsigned wq_size;
	char wq[SCN_NAME];
};

struct pstate {
	struct run *run;
	const struct scn_proc *sp;
	struct pvar vars[MAX_VARS];
	unsigned nvars;
	unsigned rec;			/* index in run->res->recs */
	/* Threads started and not yet joined (the array is run-owned). */
	int *tids;
	unsigned ntids, captids;
	int last_child;
};

struct tstate {
	struct pstate *ps;
	const struct steplist *list;
	uint64_t area;			/* descriptor area, mapped on first submit */
	const struct step *retry_noted;	/* the step whose first ENQCMD retry is in the timeline */
};

/* The process's record (never kept across a call that may block: forks realloc the array). */
struct proc_record *rec_of(struct pstate *ps);
__attribute__((format(printf, 3, 4)))
void step_error(struct pstate *ps, const struct step *st, const char *fmt, ...);
/* The buffer or WQ named @name, or NULL after a step error. */
struct pvar *scn_var(struct pstate *ps, const struct step *st, const char *name, bool want_wq);
/* The thread's area for descriptors and records (mapped on first use); 0 after a step error. */
uint64_t scn_area(struct tstate *ts, const struct step *st);
/*
 * Submit the descriptor at @desc through @path (PATH_DEFAULT: MOVDIR64B to
 * a dedicated WQ, ENQCMD with retries to a shared one).  0 accepted (or
 * posted), 1 refused (ENQCMD retry, or write() failed: *@err the errno),
 * negative after a step error or a handled signal.  With @once, ENQCMD
 * is not retried.
 */
int scn_push(struct tstate *ts, const struct step *st, const struct pvar *wq, uint64_t desc,
	     enum scn_path path, bool once, int *err);
/*
 * Poll (or UMWAIT on, when the step says so) the record at @cr until its
 * status byte is set; 0 with *@status, or -ETIME after a step error, or
 * another negative value after a signal.
 */
int scn_wait_record(struct tstate *ts, const struct step *st, uint64_t cr, uint8_t *status);
void scn_run_desc(struct tstate *ts, const struct step *st);

#endif
