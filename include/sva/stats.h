/* SPDX-License-Identifier: MIT */
/*
 * sva/stats.h - named counters and latency histograms.
 *
 * Components look a statistic up once, at set-up, and keep the pointer;
 * updating it is then an add, with no lookup or allocation.  Statistics are
 * printed in registration order, so output is deterministic.
 */
#ifndef SVA_STATS_H
#define SVA_STATS_H

#include <sva/api.h>

#include <stdint.h>
#include <stdio.h>

#include <sva/sim.h>

SVA_API_BEGIN

struct json_object;

struct sva_counter {
	uint64_t value;
	char name[48];
};

#define SVA_HIST_BUCKETS 65	/* bucket b holds values with bit length b */

/* Log2 histogram: exact count/sum/min/max, percentiles within a bucket. */
struct sva_hist {
	uint64_t count, sum, min, max;
	uint64_t bucket[SVA_HIST_BUCKETS];
	char name[48];
	char unit[8];		/* "ns", "B", ... for printing */
};

/* Find or create; NULL only when out of memory. Names are truncated to 47. */
struct sva_counter *sva_stat_counter(struct sva_sim *sim, const char *name);
struct sva_hist *sva_stat_hist(struct sva_sim *sim, const char *name, const char *unit);

static inline void sva_counter_add(struct sva_counter *c, uint64_t n)
{
	c->value += n;
}

static inline void sva_counter_inc(struct sva_counter *c)
{
	c->value++;
}

void sva_hist_record(struct sva_hist *h, uint64_t v);
/* Estimate of the @p-th percentile (0 < p <= 100); 0 when empty. */
uint64_t sva_hist_percentile(const struct sva_hist *h, double p);
uint64_t sva_hist_mean(const struct sva_hist *h);

/* Look-ups that never create; NULL when absent. */
const struct sva_counter *sva_stat_find_counter(const struct sva_sim *sim, const char *name);
const struct sva_hist *sva_stat_find_hist(const struct sva_sim *sim, const char *name);

/* Human table; counters with value 0 are skipped unless @all. */
void sva_stats_print(const struct sva_sim *sim, FILE *f, int all);
/* {"counters":{name:value...},"histograms":{name:{count,sum,min,max,mean,p50,p90,p99,unit}}} */
struct json_object *sva_stats_json(const struct sva_sim *sim);

SVA_API_END
#endif /* SVA_STATS_H */
