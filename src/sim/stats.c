// SPDX-License-Identifier: MIT
/*
 * Statistics registry.  Look-up is linear, which is fine because it happens
 * at set-up; the hot path holds the returned pointer.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "sim_internal.h"

static void *grow_array(void *v, unsigned *cap, size_t elem)
{
	unsigned ncap = *cap ? *cap * 2 : 32;
	void *nv = realloc(v, ncap * elem);

	if (nv)
		*cap = ncap;
	return nv;
}

const struct sva_counter *sva_stat_find_counter(const struct sva_sim *sim, const char *name)
{
	for (unsigned i = 0; i < sim->stats.nr_counters; i++)
		if (strncmp(sim->stats.counters[i]->name, name, sizeof(sim->stats.counters[i]->name) - 1) == 0)
			return sim->stats.counters[i];
	return NULL;
}

const struct sva_hist *sva_stat_find_hist(const struct sva_sim *sim, const char *name)
{
	for (unsigned i = 0; i < sim->stats.nr_hists; i++)
		if (strncmp(sim->stats.hists[i]->name, name, sizeof(sim->stats.hists[i]->name) - 1) == 0)
			return sim->stats.hists[i];
	return NULL;
}

struct sva_counter *sva_stat_counter(struct sva_sim *sim, const char *name)
{
	struct sva_stats *st = &sim->stats;
	struct sva_counter *c = (struct sva_counter *)sva_stat_find_counter(sim, name);

	if (c)
		return c;
	if (st->nr_counters == st->cap_counters) {
		void *nv = grow_array(st->counters, &st->cap_counters, sizeof(*st->counters));

		if (!nv)
			return NULL;
		st->counters = nv;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	snprintf(c->name, sizeof(c->name), "%s", name);
	st->counters[st->nr_counters++] = c;
	return c;
}

struct sva_hist *sva_stat_hist(struct sva_sim *sim, const char *name, const char *unit)
{
	struct sva_stats *st = &sim->stats;
	struct sva_hist *h = (struct sva_hist *)sva_stat_find_hist(sim, name);

	if (h)
		return h;
	if (st->nr_hists == st->cap_hists) {
		void *nv = grow_array(st->hists, &st->cap_hists, sizeof(*st->hists));

		if (!nv)
			return NULL;
		st->hists = nv;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	snprintf(h->name, sizeof(h->name), "%s", name);
	snprintf(h->unit, sizeof(h->unit), "%s", unit ? unit : "");
	h->min = UINT64_MAX;
	st->hists[st->nr_hists++] = h;
	return h;
}

void sva_stats_free(struct sva_stats *st)
{
	for (unsigned i = 0; i < st->nr_counters; i++)
		free(st->counters[i]);
	for (unsigned i = 0; i < st->nr_hists; i++)
		free(st->hists[i]);
	free(st->counters);
	free(st->hists);
	*st = (struct sva_stats){ 0 };
}

static unsigned bit_length(uint64_t v)
{
	return v ? 64u - (unsigned)__builtin_clzll(v) : 0;
}

void sva_hist_record(struct sva_hist *h, uint64_t v)
{
	h->bucket[bit_length(v)]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

uint64_t sva_hist_mean(const struct sva_hist *h)
{
	return h->count ? h->sum / h->count : 0;
}

uint64_t sva_hist_percentile(const struct sva_hist *h, double p)
{
	uint64_t rank, seen = 0;

	if (h->count == 0)
		return 0;
	if (p <= 0)
		return h->min;
	if (p >= 100)
		return h->max;
	/* Nearest-rank, then linear interpolation inside the log2 bucket. */
	rank = (uint64_t)((p / 100.0) * (double)h->count + 0.999999);
	if (rank == 0)
		rank = 1;
	for (unsigned b = 0; b < SVA_HIST_BUCKETS; b++) {
		uint64_t lo, hi, n = h->bucket[b];
		double frac;
		uint64_t v;

		if (seen + n < rank) {
			seen += n;
			continue;
		}
		lo = b == 0 ? 0 : 1ull << (b - 1);
		hi = b == 0 ? 0 : (b == 64 ? UINT64_MAX : (1ull << b) - 1);
		if (lo < h->min)
			lo = h->min;
		if (hi > h->max)
			hi = h->max;
		frac = (double)(rank - seen) / (double)n;
		v = lo + (uint64_t)(frac * (double)(hi - lo));
		return v;
	}
	return h->max;
}

void sva_stats_print(const struct sva_sim *sim, FILE *f, int all)
{
	const struct sva_stats *st = &sim->stats;
	int printed = 0;

	for (unsigned i = 0; i < st->nr_counters; i++) {
		const struct sva_counter *c = st->counters[i];

		if (!all && c->value == 0)
			continue;
		if (!printed++)
			fprintf(f, "  %-40s %16s\n", "counter", "value");
		fprintf(f, "  %-40s %16" PRIu64 "\n", c->name, c->value);
	}
	printed = 0;
	for (unsigned i = 0; i < st->nr_hists; i++) {
		const struct sva_hist *h = st->hists[i];

		if (!all && h->count == 0)
			continue;
		if (!printed++)
			fprintf(f, "\n  %-28s %9s %10s %10s %10s %10s %10s %4s\n",
				"histogram", "count", "min", "mean", "p50", "p99", "max", "unit");
		fprintf(f, "  %-28s %9" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64
			" %10" PRIu64 " %10" PRIu64 " %4s\n",
			h->name, h->count, h->count ? h->min : 0, sva_hist_mean(h),
			sva_hist_percentile(h, 50), sva_hist_percentile(h, 99), h->max, h->unit);
	}
}

struct json_object *sva_stats_json(const struct sva_sim *sim)
{
	const struct sva_stats *st = &sim->stats;
	struct json_object *root = json_object_new_object();
	struct json_object *cs = json_object_new_object();
	struct json_object *hs = json_object_new_object();

	for (unsigned i = 0; i < st->nr_counters; i++)
		json_object_object_add(cs, st->counters[i]->name,
				       json_object_new_uint64(st->counters[i]->value));
	for (unsigned i = 0; i < st->nr_hists; i++) {
		const struct sva_hist *h = st->hists[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "count", json_object_new_uint64(h->count));
		json_object_object_add(o, "sum", json_object_new_uint64(h->sum));
		json_object_object_add(o, "min", json_object_new_uint64(h->count ? h->min : 0));
		json_object_object_add(o, "max", json_object_new_uint64(h->max));
		json_object_object_add(o, "mean", json_object_new_uint64(sva_hist_mean(h)));
		json_object_object_add(o, "p50", json_object_new_uint64(sva_hist_percentile(h, 50)));
		json_object_object_add(o, "p90", json_object_new_uint64(sva_hist_percentile(h, 90)));
		json_object_object_add(o, "p99", json_object_new_uint64(sva_hist_percentile(h, 99)));
		json_object_object_add(o, "unit", json_object_new_string(h->unit));
		json_object_object_add(hs, h->name, o);
	}
	json_object_object_add(root, "counters", cs);
	json_object_object_add(root, "histograms", hs);
	return root;
}
