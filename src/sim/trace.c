// SPDX-License-Identifier: MIT
/*
 * Streaming Chrome trace writer.  Every event is one line of JSON written
 * with fixed formatting (integers only, microseconds with three decimals),
 * so output is byte-for-byte reproducible and needs no DOM in memory.
 *
 * Groups become trace "processes" (pid) and tracks become "threads" (tid);
 * their names travel as metadata events, written when the trace opens for
 * tracks made before, and at creation for tracks made after.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

static void put_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':  fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void put_us(FILE *f, sva_time_t ns)
{
	fprintf(f, "%" PRIu64 ".%03u", ns / 1000, (unsigned)(ns % 1000));
}

/* Separator and common head: {"ph":"X","pid":1,"tid":2 */
static void begin(struct sva_tracer *tr, char ph, int pid, int tid)
{
	fputs(tr->count ? ",\n" : "\n", tr->f);
	fprintf(tr->f, "{\"ph\":\"%c\",\"pid\":%d,\"tid\":%d", ph, pid, tid);
	tr->count++;
}

static void put_args(FILE *f, const struct sva_trace_arg *args, unsigned n)
{
	fputs(",\"args\":{", f);
	for (unsigned i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		put_json_string(f, args[i].key);
		fputc(':', f);
		switch (args[i].kind) {
		case SVA_TARG_U64: fprintf(f, "%" PRIu64, args[i].u); break;
		case SVA_TARG_I64: fprintf(f, "%" PRId64, args[i].i); break;
		case SVA_TARG_HEX: fprintf(f, "\"0x%" PRIx64 "\"", args[i].u); break;
		case SVA_TARG_STR: put_json_string(f, args[i].s ? args[i].s : ""); break;
		}
	}
	fputc('}', f);
}

static void meta(struct sva_tracer *tr, int pid, int tid, const char *what, const char *name)
{
	begin(tr, 'M', pid, tid);
	fprintf(tr->f, ",\"name\":\"%s\",\"args\":{\"name\":", what);
	put_json_string(tr->f, name);
	fputs("}}", tr->f);
}

static void announce_group(struct sva_tracer *tr, int pid)
{
	meta(tr, pid, 0, "process_name", tr->groups[pid - 1]);
	begin(tr, 'M', pid, 0);
	fprintf(tr->f, ",\"name\":\"process_sort_index\",\"args\":{\"sort_index\":%d}}", pid);
}

static void announce_track(struct sva_tracer *tr, int tid)
{
	const struct sva_trace_track_info *ti = &tr->tracks[tid - 1];

	meta(tr, ti->pid, tid, "thread_name", ti->name);
	begin(tr, 'M', ti->pid, tid);
	fprintf(tr->f, ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":%d}}", tid);
}

int sva_trace_open(struct sva_sim *sim, FILE *f)
{
	struct sva_tracer *tr = &sim->trace;

	if (tr->f)
		return -EBUSY;
	if (!f)
		return -EINVAL;
	tr->f = f;
	tr->count = 0;
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", f);
	for (unsigned g = 1; g <= tr->nr_groups; g++)
		announce_group(tr, (int)g);
	for (unsigned t = 1; t <= tr->nr_tracks; t++)
		announce_track(tr, (int)t);
	return 0;
}

int sva_trace_close(struct sva_sim *sim)
{
	struct sva_tracer *tr = &sim->trace;
	int bad;

	if (!tr->f)
		return 0;
	fputs("\n]}\n", tr->f);
	bad = fflush(tr->f) != 0 || ferror(tr->f);
	tr->f = NULL;
	return bad ? -EIO : 0;
}

bool sva_trace_enabled(const struct sva_sim *sim)
{
	return sva_tracing(sim);
}

uint64_t sva_trace_count(const struct sva_sim *sim)
{
	return sim->trace.count;
}

void sva_trace_free(struct sva_tracer *tr)
{
	free(tr->tracks);
	free(tr->track_index);
	free(tr->groups);
	*tr = (struct sva_tracer){ 0 };
}

static int group_id(struct sva_tracer *tr, const char *group)
{
	for (unsigned i = 0; i < tr->nr_groups; i++)
		if (strncmp(tr->groups[i], group, sizeof(tr->groups[i]) - 1) == 0)
			return (int)i + 1;
	if (tr->nr_groups == tr->cap_groups) {
		unsigned ncap = tr->cap_groups ? tr->cap_groups * 2 : 8;
		void *nv = realloc(tr->groups, ncap * sizeof(*tr->groups));

		if (!nv)
			return -ENOMEM;
		tr->groups = nv;
		tr->cap_groups = ncap;
	}
	snprintf(tr->groups[tr->nr_groups], sizeof(tr->groups[0]), "%s", group);
	tr->nr_groups++;
	if (tr->f)
		announce_group(tr, (int)tr->nr_groups);
	return (int)tr->nr_groups;
}

/* FNV-1a over the part of the name a track keeps, and the group. */
static unsigned track_hash(int pid, const char *name)
{
	uint32_t h = 2166136261u ^ (uint32_t)pid;

	for (size_t i = 0; i < sizeof(((struct sva_trace_track_info *)0)->name) - 1 && name[i]; i++)
		h = (h ^ (uint8_t)name[i]) * 16777619u;
	return h;
}

/* The slot of (pid, name) in the index: its id, or the empty slot it would take. */
static int *track_slot(struct sva_tracer *tr, int pid, const char *name)
{
	unsigned mask = tr->index_cap - 1;

	for (unsigned i = track_hash(pid, name) & mask;; i = (i + 1) & mask) {
		int *slot = &tr->track_index[i];
		const struct sva_trace_track_info *ti = *slot ? &tr->tracks[*slot - 1] : NULL;

		if (!ti || (ti->pid == pid && strncmp(ti->name, name, sizeof(ti->name) - 1) == 0))
			return slot;
	}
}

/* Room for one more track in the index, kept at most half full. */
static int track_index_reserve(struct sva_tracer *tr)
{
	unsigned ncap = tr->index_cap ? 2 * tr->index_cap : 64;
	int *old = tr->track_index;

	if (2 * (tr->nr_tracks + 1) <= tr->index_cap)
		return 0;
	tr->track_index = calloc(ncap, sizeof(*tr->track_index));
	if (!tr->track_index) {
		tr->track_index = old;
		return -ENOMEM;
	}
	tr->index_cap = ncap;
	for (unsigned id = 1; id <= tr->nr_tracks; id++)
		*track_slot(tr, tr->tracks[id - 1].pid, tr->tracks[id - 1].name) = (int)id;
	free(old);
	return 0;
}

int sva_trace_track(struct sva_sim *sim, const char *group, const char *name)
{
	struct sva_tracer *tr = &sim->trace;
	struct sva_trace_track_info *ti;
	int pid, *slot;

	if (!group || !name)
		return -EINVAL;
	pid = group_id(tr, group);
	if (pid < 0)
		return pid;
	if (track_index_reserve(tr))
		return -ENOMEM;
	slot = track_slot(tr, pid, name);
	if (*slot)
		return *slot;
	if (tr->nr_tracks == tr->cap_tracks) {
		unsigned ncap = tr->cap_tracks ? tr->cap_tracks * 2 : 16;
		void *nv = realloc(tr->tracks, ncap * sizeof(*tr->tracks));

		if (!nv)
			return -ENOMEM;
		tr->tracks = nv;
		tr->cap_tracks = ncap;
	}
	ti = &tr->tracks[tr->nr_tracks++];
	memset(ti, 0, sizeof(*ti));
	snprintf(ti->group, sizeof(ti->group), "%s", group);
	snprintf(ti->name, sizeof(ti->name), "%s", name);
	ti->pid = pid;
	*slot = (int)tr->nr_tracks;
	if (tr->f)
		announce_track(tr, (int)tr->nr_tracks);
	return (int)tr->nr_tracks;
}

static int track_pid(const struct sva_tracer *tr, int track)
{
	assert(track >= 1 && (unsigned)track <= tr->nr_tracks);
	if (track < 1 || (unsigned)track > tr->nr_tracks)
		return 0;
	return tr->tracks[track - 1].pid;
}

static void name_cat(FILE *f, const char *cat, const char *name)
{
	fputs(",\"name\":", f);
	put_json_string(f, name);
	if (cat) {
		fputs(",\"cat\":", f);
		put_json_string(f, cat);
	}
}

void sva_trace_complete(struct sva_sim *sim, int track, const char *cat,
			const char *name, sva_time_t start, sva_time_t dur,
			const struct sva_trace_arg *args, unsigned nargs)
{
	struct sva_tracer *tr = &sim->trace;

	if (!sva_tracing(sim))
		return;
	begin(tr, 'X', track_pid(tr, track), track);
	fputs(",\"ts\":", tr->f);
	put_us(tr->f, start);
	fputs(",\"dur\":", tr->f);
	put_us(tr->f, dur);
	name_cat(tr->f, cat, name);
	if (nargs)
		put_args(tr->f, args, nargs);
	fputc('}', tr->f);
}

void sva_trace_instant(struct sva_sim *sim, int track, const char *cat,
		       const char *name, const struct sva_trace_arg *args,
		       unsigned nargs)
{
	struct sva_tracer *tr = &sim->trace;

	if (!sva_tracing(sim))
		return;
	begin(tr, 'i', track_pid(tr, track), track);
	fputs(",\"s\":\"t\",\"ts\":", tr->f);
	put_us(tr->f, sim->now);
	name_cat(tr->f, cat, name);
	if (nargs)
		put_args(tr->f, args, nargs);
	fputc('}', tr->f);
}

/*
 * Perfetto's JSON importer keys a counter track by (pid, name) and ignores
 * the tid: two tracks of one group writing "occupancy" would merge into one
 * line.  The series is named after its track ("wq0.1 occupancy"), which is
 * unique in its group, so every (track, name) pair is a series of its own.
 */
void sva_trace_counter(struct sva_sim *sim, int track, const char *name, int64_t value)
{
	struct sva_tracer *tr = &sim->trace;
	char series[sizeof(tr->tracks[0].name) + 64];

	if (!sva_tracing(sim))
		return;
	begin(tr, 'C', track_pid(tr, track), track);
	fputs(",\"ts\":", tr->f);
	put_us(tr->f, sim->now);
	if (track_pid(tr, track))
		snprintf(series, sizeof(series), "%s %s", tr->tracks[track - 1].name, name);
	else
		snprintf(series, sizeof(series), "%s", name);
	name_cat(tr->f, NULL, series);
	fprintf(tr->f, ",\"args\":{\"value\":%" PRId64 "}}", value);
}
