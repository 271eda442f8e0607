/* SPDX-License-Identifier: MIT */
/*
 * sva/trace.h - Chrome/Perfetto trace of a simulation.
 *
 * The trace is the JSON object format that chrome://tracing and
 * ui.perfetto.dev open: {"traceEvents":[...]}.  Each component asks for a
 * track (a "thread" in the viewer) inside a group (a "process"); events go
 * to a track.  Timestamps are virtual time.  Output is streamed to a FILE
 * as events happen, in a fixed format, so the same seed writes the same
 * bytes.
 *
 * Tracing is off until sva_trace_open(); while off every call below
 * returns after one test, and callers in hot paths check
 * sva_trace_enabled() first so that not even the arguments are built.
 */
#ifndef SVA_TRACE_H
#define SVA_TRACE_H

#include <sva/api.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sva/sim.h>

SVA_API_BEGIN

enum sva_trace_arg_kind { SVA_TARG_U64, SVA_TARG_I64, SVA_TARG_HEX, SVA_TARG_STR };

struct sva_trace_arg {
	const char *key;
	enum sva_trace_arg_kind kind;
	union {
		uint64_t u;
		int64_t i;
		const char *s;
	};
};

#define SVA_TARG_U(k, v)  ((struct sva_trace_arg){ .key = (k), .kind = SVA_TARG_U64, .u = (v) })
#define SVA_TARG_I(k, v)  ((struct sva_trace_arg){ .key = (k), .kind = SVA_TARG_I64, .i = (v) })
#define SVA_TARG_X(k, v)  ((struct sva_trace_arg){ .key = (k), .kind = SVA_TARG_HEX, .u = (v) })
#define SVA_TARG_S(k, v)  ((struct sva_trace_arg){ .key = (k), .kind = SVA_TARG_STR, .s = (v) })

/*
 * Start writing to @f (not closed by sva; sva_trace_close() finishes the
 * JSON).  Tracks made before this are announced now.  Returns 0 or -EBUSY
 * when a trace is already open.
 */
int sva_trace_open(struct sva_sim *sim, FILE *f);
/* Write the closing bracket and flush; returns 0 or -EIO. */
int sva_trace_close(struct sva_sim *sim);
bool sva_trace_enabled(const struct sva_sim *sim);
/* Events written so far. */
uint64_t sva_trace_count(const struct sva_sim *sim);

/*
 * A track named @name in group @group ("cpu", "iommu", "dsa0", ...).
 * Works whether or not a trace is open; the same pair returns the same id.
 * Returns a positive id, or a negative errno.
 */
int sva_trace_track(struct sva_sim *sim, const char *group, const char *name);

/* A span [start, start+dur) on @track. */
void sva_trace_complete(struct sva_sim *sim, int track, const char *cat,
			const char *name, sva_time_t start, sva_time_t dur,
			const struct sva_trace_arg *args, unsigned nargs);
/* A point in time on @track, now. */
void sva_trace_instant(struct sva_sim *sim, int track, const char *cat,
		       const char *name, const struct sva_trace_arg *args,
		       unsigned nargs);
/*
 * A counter sample, now (drawn as a graph in the group).  The series is
 * named "<track's name> <name>" ("wq0.1 occupancy"): viewers key counters by
 * group and name, so each track's counters stay series of their own.
 */
void sva_trace_counter(struct sva_sim *sim, int track, const char *name,
		       int64_t value);

SVA_API_END
#endif /* SVA_TRACE_H */
