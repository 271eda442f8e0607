// SPDX-License-Identifier: MIT
/*
 * The machine object: owner of physical memory, the timing table and the
 * CPU contexts.  Built bottom-up and torn down top-down like the system.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>

#include <sva/machine.h>

#include "hw_internal.h"

struct sva_machine {
	struct sva_sim *sim;		/* may be NULL: no time is charged */
	struct sva_phys *phys;
	struct sva_timing timing;
	unsigned paging_levels;
	uint64_t mmio_next, mmio_end;	/* the allocation window */
	struct sva_cpu_link cpus;	/* circular list head */
	const struct sva_dma_observer *dma_observer;
	unsigned monitors_armed;
};

void sva_machine_monitor_armed(struct sva_machine *m, int delta)
{
	assert(delta > 0 || m->monitors_armed >= (unsigned)-delta);
	m->monitors_armed += (unsigned)delta;
}

void sva_machine_note_store(struct sva_machine *m, uint64_t pa, uint64_t len)
{
	if (!m->monitors_armed || !len)
		return;
	for (struct sva_cpu_link *l = m->cpus.next; l != &m->cpus; l = l->next)
		cpu_monitor_store(sva_cpu_from_link(l), pa, len);
}

void sva_machine_set_dma_observer(struct sva_machine *m, const struct sva_dma_observer *o)
{
	m->dma_observer = o;
}

const struct sva_dma_observer *sva_machine_dma_observer(const struct sva_machine *m)
{
	return m->dma_observer;
}

struct sva_machine *sva_machine_create(struct sva_sim *sim,
				       const struct sva_machine_config *cfg)
{
	struct sva_machine_config def = { 0 };
	struct sva_phys_config pc;
	struct sva_machine *m;
	unsigned maxpa;

	if (!cfg)
		cfg = &def;
	if (cfg->paging_levels && cfg->paging_levels != 4 && cfg->paging_levels != 5) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->sim = sim;
	m->paging_levels = cfg->paging_levels ? cfg->paging_levels : 4;
	if (cfg->timing)
		m->timing = *cfg->timing;
	else
		sva_timing_default(&m->timing);
	m->cpus.prev = m->cpus.next = &m->cpus;
	pc = (struct sva_phys_config){ .ram_size = cfg->ram_size, .maxphyaddr = cfg->maxphyaddr };
	m->phys = sva_phys_create(&pc);
	if (!m->phys) {
		free(m);
		return NULL;
	}
	maxpa = sva_phys_maxphyaddr(m->phys);
	m->mmio_end = 1ull << maxpa;
	m->mmio_next = cfg->mmio_base ? cfg->mmio_base : 1ull << (maxpa - 1);
	if (m->mmio_next < sva_phys_ram_size(m->phys) || m->mmio_next >= m->mmio_end ||
	    m->mmio_next % SVA_FRAME_SIZE) {
		sva_phys_destroy(m->phys);
		free(m);
		errno = EINVAL;
		return NULL;
	}
	return m;
}

void sva_machine_destroy(struct sva_machine *m)
{
	if (!m)
		return;
	while (m->cpus.next != &m->cpus) {
		struct sva_cpu_link *l = m->cpus.next;

		sva_machine_del_cpu(m, l);
		sva_cpu_free(sva_cpu_from_link(l));
	}
	sva_phys_destroy(m->phys);
	free(m);
}

struct sva_sim *sva_machine_sim(struct sva_machine *m)
{
	return m->sim;
}

struct sva_phys *sva_machine_phys(struct sva_machine *m)
{
	return m->phys;
}

struct sva_timing *sva_machine_timing(struct sva_machine *m)
{
	return &m->timing;
}

unsigned sva_machine_paging_levels(const struct sva_machine *m)
{
	return m->paging_levels;
}

int sva_machine_mmio_alloc(struct sva_machine *m, uint64_t size,
			   uint64_t align, uint64_t *base)
{
	uint64_t b;

	if (!size || size % SVA_FRAME_SIZE || align < SVA_FRAME_SIZE ||
	    (align & (align - 1)))
		return -EINVAL;
	b = (m->mmio_next + align - 1) & ~(align - 1);
	if (b < m->mmio_next || b >= m->mmio_end || size > m->mmio_end - b)
		return -ENOSPC;
	m->mmio_next = b + size;
	*base = b;
	return 0;
}

void sva_machine_charge(struct sva_machine *m, sva_time_t ns)
{
	if (ns && m->sim && sva_current(m->sim))
		sva_sleep(m->sim, ns);
}

void sva_machine_add_cpu(struct sva_machine *m, struct sva_cpu_link *link)
{
	link->next = &m->cpus;
	link->prev = m->cpus.prev;
	m->cpus.prev->next = link;
	m->cpus.prev = link;
}

void sva_machine_del_cpu(struct sva_machine *m, struct sva_cpu_link *link)
{
	(void)m;
	assert(link->next && link->prev);
	link->prev->next = link->next;
	link->next->prev = link->prev;
	link->next = link->prev = NULL;
}
