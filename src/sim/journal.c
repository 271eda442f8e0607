// SPDX-License-Identifier: MIT
/* The run's journal of key events (see sva/sim.h). */
#include <stdarg.h>
#include <stdlib.h>

#include "sim_internal.h"

void sva_journal(struct sva_sim *sim, const char *who, const char *fmt, ...)
{
	struct sva_journal_entry *e;
	va_list ap;

	if (sim->nr_journal >= SVA_JOURNAL_MAX) {
		sim->journal_dropped++;
		return;
	}
	if (!sim->journal) {
		sim->journal = calloc(SVA_JOURNAL_MAX, sizeof(*sim->journal));
		if (!sim->journal) {
			sim->journal_dropped++;
			return;
		}
	}
	e = &sim->journal[sim->nr_journal++];
	e->time = sim->now;
	snprintf(e->who, sizeof(e->who), "%s", who ? who : "");
	va_start(ap, fmt);
	vsnprintf(e->what, sizeof(e->what), fmt, ap);
	va_end(ap);
}

unsigned sva_journal_count(const struct sva_sim *sim)
{
	return sim->nr_journal;
}

uint64_t sva_journal_dropped(const struct sva_sim *sim)
{
	return sim->journal_dropped;
}

const struct sva_journal_entry *sva_journal_entry(const struct sva_sim *sim, unsigned i)
{
	return i < sim->nr_journal ? &sim->journal[i] : NULL;
}
