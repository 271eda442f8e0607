// SPDX-License-Identifier: MIT
/*
 * VT-d scalable-mode remapping unit: registers, table walk from the root
 * table down to the PASID entry, first-level translation through the
 * process's own page tables, the IOTLB and PASID cache, and fault
 * recording.  Invalidation (iommu_qi.c) and page requests (iommu_prq.c)
 * live beside it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sva/paging.h>
#include <sva/timing.h>
#include <sva/trace.h>

#include "iommu_internal.h"

#define CAP_VALUE	((1ull << 24) /* FRO, see below */)

void iommu_charge(struct sva_iommu *iommu, sva_time_t ns)
{
	sva_machine_charge(iommu->m, ns);
}

struct sva_pcidev *iommu_find_dev(struct sva_iommu *iommu, uint16_t rid)
{
	for (struct sva_pcidev *d = iommu->devs; d; d = d->next)
		if (d->rid == rid)
			return d;
	return NULL;
}

/* ---- fault recording ---------------------------------------------------------- */

void iommu_record_fault(struct sva_iommu *iommu, uint16_t rid, uint32_t pasid,
			uint64_t addr, unsigned reason, bool write)
{
	unsigned n = iommu->cfg.nr_fault_records, i;
	bool was_pending = iommu->fsts & (SVA_FSTS_PPF | SVA_FSTS_PFO);

	iommu->st.faults_recorded++;
	sva_counter_inc(iommu->c_faults);
	if (sva_trace_enabled(iommu->sim))
		sva_trace_instant(iommu->sim, iommu->track, "iommu", "fault recorded",
				  (struct sva_trace_arg[]){ SVA_TARG_X("rid", rid), SVA_TARG_U("pasid", pasid),
							    SVA_TARG_X("addr", addr), SVA_TARG_X("reason", reason) }, 4);
	/* Records are used round-robin; a full set overflows (PFO) and drops. */
	for (i = 0; i < n; i++) {
		unsigned idx = (iommu->fri + i) % n;

		if (iommu->frcd[idx][1] & (1ull << 63))
			continue;
		iommu->frcd[idx][0] = addr & ~0xfffull;
		iommu->frcd[idx][1] = (uint64_t)rid | (1ull << 31) /* PASID present */ |
				      ((uint64_t)reason << 32) | ((uint64_t)(pasid & 0xfffff) << 40) |
				      ((uint64_t)!write << 62) | (1ull << 63);
		iommu->fsts = (iommu->fsts & ~0xff00u) | SVA_FSTS_PPF | (idx << 8);
		iommu->fri = (idx + 1) % n;
		break;
	}
	if (i == n)
		iommu->fsts |= SVA_FSTS_PFO;
	if (!was_pending && !(iommu->fectl & (1u << 31)) && iommu->cfg.irq && iommu->cfg.irq->fault)
		iommu->cfg.irq->fault(iommu, iommu->cfg.irq_ctx);
}

/* ---- registers ---------------------------------------------------------------------- */

static int reg_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
	struct sva_iommu *iommu = opaque;
	uint64_t v = 0;

	switch (off & ~7ull) {
	case SVA_DMAR_VER: v = 0x60; break;		/* version 6.0 */
	case SVA_DMAR_CAP:
		/* FRO (fault recording offset / 16) in bits 33:24, NFR-1 in 47:40. */
		v = ((uint64_t)(SVA_DMAR_FRCD / 16) << 24) |
		    ((uint64_t)(iommu->cfg.nr_fault_records - 1) << 40);
		break;
	case SVA_DMAR_ECAP:
		/* QI, DT (device TLB), PASID, PRS, SMTS, FLTS, SRS, 20-bit PASIDs */
		v = (1ull << 1) | (1ull << 2) | (1ull << 40) | (1ull << 29) |
		    (1ull << 43) | (1ull << 47) | (1ull << 31) | (19ull << 35);
		break;
	case SVA_DMAR_GCMD: v = (uint64_t)iommu->gsts << 32; break;	/* GCMD is write-only */
	case SVA_DMAR_RTADDR: v = iommu->rtaddr; break;
	case 0x30: v = (uint64_t)iommu->fsts << 32; break;		/* FSTS at 0x34 */
	case SVA_DMAR_FECTL: v = iommu->fectl; break;
	case SVA_DMAR_IQH: v = iommu->iqh; break;
	case SVA_DMAR_IQT: v = iommu->iqt; break;
	case SVA_DMAR_IQA: v = iommu->iqa; break;
	case 0x98: v = (uint64_t)iommu->ics << 32; break;		/* ICS at 0x9c */
	case SVA_DMAR_PQH: v = iommu->pqh; break;
	case SVA_DMAR_PQT: v = iommu->pqt; break;
	case SVA_DMAR_PQA: v = iommu->pqa; break;
	case 0xd8: v = (uint64_t)iommu->prs << 32; break;		/* PRS at 0xdc */
	case SVA_DMAR_PECTL: v = iommu->pectl; break;
	default:
		if (off >= SVA_DMAR_FRCD && off < SVA_DMAR_FRCD + 16ull * iommu->cfg.nr_fault_records) {
			unsigned i = (unsigned)((off - SVA_DMAR_FRCD) / 16);

			v = iommu->frcd[i][((off - SVA_DMAR_FRCD) % 16) / 8];
		}
	}
	if (size == 4)
		v = (off & 4) ? v >> 32 : v & 0xffffffffu;
	*val = v;
	return 0;
}

static uint64_t merge(uint64_t old, uint64_t off, unsigned size, uint64_t val)
{
	if (size == 8)
		return val;
	if (off & 4)
		return (old & 0xffffffffull) | (val << 32);
	return (old & ~0xffffffffull) | (val & 0xffffffffull);
}

static void write_gcmd(struct sva_iommu *iommu, uint32_t cmd)
{
	/* One-shot SRTP latches the root table; TE and QIE are levels. */
	if (cmd & SVA_GCMD_SRTP) {
		iommu->rtaddr_latched = iommu->rtaddr;
		iommu->gsts |= SVA_GCMD_SRTP;	/* RTPS */
		/* A new root table invalidates every cached translation. */
		iommu_pasid_cache_inv(iommu, 3, 0, 0);
		iommu_iotlb_inv(iommu, 0, 0, 0, 0, 0);
	}
	iommu->gsts = (iommu->gsts & ~(SVA_GCMD_TE | SVA_GCMD_QIE)) |
		      (cmd & (SVA_GCMD_TE | SVA_GCMD_QIE));
	if (!(cmd & SVA_GCMD_QIE))
		iommu->iqh = 0;		/* disabling QI resets the head */
	iommu_qi_kick(iommu);
}

static int reg_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct sva_iommu *iommu = opaque;
	uint32_t v32 = (uint32_t)val;

	/* A 64-bit write to the qword holding a 32-bit register at +4. */
	if (size == 8 && (off == 0x30 || off == 0x98 || off == 0xd8)) {
		off += 4;
		v32 = (uint32_t)(val >> 32);
		size = 4;
	}

	switch (off) {
	case SVA_DMAR_GCMD: write_gcmd(iommu, v32); break;
	case SVA_DMAR_RTADDR: case SVA_DMAR_RTADDR + 4:
		iommu->rtaddr = merge(iommu->rtaddr, off, size, val);
		break;
	case SVA_DMAR_FSTS:
		/* Write 1 to clear; clearing IQE or ITE lets the queue run again. */
		iommu->fsts &= ~(v32 & (SVA_FSTS_PFO | SVA_FSTS_IQE | SVA_FSTS_ICE | SVA_FSTS_ITE));
		iommu_qi_kick(iommu);
		break;
	case SVA_DMAR_FECTL: iommu->fectl = v32 & (1u << 31); break;
	case SVA_DMAR_IQT: case SVA_DMAR_IQT + 4:
		iommu->iqt = merge(iommu->iqt, off, size, val) & 0x7fff0ull;
		iommu_qi_kick(iommu);
		break;
	case SVA_DMAR_IQA: case SVA_DMAR_IQA + 4:
		iommu->iqa = merge(iommu->iqa, off, size, val);
		iommu->iqh = iommu->iqt = 0;
		break;
	case SVA_DMAR_ICS: iommu->ics &= ~(v32 & SVA_ICS_IWC); break;
	case SVA_DMAR_PQH: case SVA_DMAR_PQH + 4:
		iommu->pqh = merge(iommu->pqh, off, size, val) & 0x7ffe0ull;
		break;
	case SVA_DMAR_PQA: case SVA_DMAR_PQA + 4:
		iommu->pqa = merge(iommu->pqa, off, size, val);
		iommu->pqh = iommu->pqt = 0;
		break;
	case SVA_DMAR_PRS: iommu->prs &= ~(v32 & (SVA_PRS_PPR | SVA_PRS_PRO)); break;
	case SVA_DMAR_PECTL: iommu->pectl = v32 & (1u << 31); break;
	default:
		if (off >= SVA_DMAR_FRCD && off < SVA_DMAR_FRCD + 16ull * iommu->cfg.nr_fault_records &&
		    (off % 16) >= 8) {
			unsigned i = (unsigned)((off - SVA_DMAR_FRCD) / 16);
			uint64_t w = size == 8 ? val : (off & 4) ? val << 32 : val;

			if (w & (1ull << 63)) {	/* F is write-1-to-clear */
				iommu->frcd[i][1] &= ~(1ull << 63);
				bool any = false;

				for (unsigned j = 0; j < iommu->cfg.nr_fault_records; j++)
					any |= (iommu->frcd[j][1] >> 63) & 1;
				if (!any)
					iommu->fsts &= ~SVA_FSTS_PPF;
			}
		}
		/* Other registers are read-only or not modelled: writes are ignored. */
	}
	return 0;
}

static const struct sva_mmio_ops iommu_mmio = { .read = reg_read, .write = reg_write };

/* ---- caches -------------------------------------------------------------------------- */

static unsigned iotlb_set(const struct sva_iommu *iommu, uint32_t pasid, uint64_t vpn, unsigned shift)
{
	uint64_t h = (vpn * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)pasid << 7) ^ shift;

	unsigned n = iommu->cfg.iotlb_sets;

	/* A mask when the set count is a power of two (the default): no division on the hot path. */
	return (unsigned)((n & (n - 1)) ? (h >> 32) % n : (h >> 32) & (n - 1));
}

static struct iotlb_entry *iotlb_lookup(struct sva_iommu *iommu, uint16_t did, uint32_t pasid,
					uint64_t va)
{
	static const uint8_t shifts[] = { 12, 21, 30 };

	for (unsigned s = 0; s < 3; s++) {
		uint64_t vpn = va >> shifts[s];
		struct iotlb_entry *set;

		if (!(iommu->iotlb_sizes & (1u << s)))
			continue;	/* no entry of this size since the last global flush */
		set = &iommu->iotlb[iotlb_set(iommu, pasid, vpn, shifts[s]) * iommu->cfg.iotlb_ways];

		for (unsigned w = 0; w < iommu->cfg.iotlb_ways; w++) {
			struct iotlb_entry *e = &set[w];

			if (e->valid && e->size_shift == shifts[s] && e->vpn == vpn &&
			    e->pasid == pasid && e->did == did) {
				e->stamp = ++iommu->lru_clock;
				return e;
			}
		}
	}
	return NULL;
}

static void iotlb_fill(struct sva_iommu *iommu, const struct iotlb_entry *n)
{
	struct iotlb_entry *set = &iommu->iotlb[iotlb_set(iommu, n->pasid, n->vpn, n->size_shift) *
						iommu->cfg.iotlb_ways];
	struct iotlb_entry *victim = NULL;

	assert(n->size_shift == 12 || n->size_shift == 21 || n->size_shift == 30);
	iommu->iotlb_sizes |= 1u << (n->size_shift == 12 ? 0 : n->size_shift == 21 ? 1 : 2);
	for (unsigned w = 0; w < iommu->cfg.iotlb_ways; w++) {
		struct iotlb_entry *e = &set[w];

		if (e->valid && e->size_shift == n->size_shift && e->vpn == n->vpn &&
		    e->pasid == n->pasid && e->did == n->did) {
			victim = e;	/* refresh in place */
			break;
		}
		if (!e->valid) {
			if (!victim || victim->valid)
				victim = e;
		} else if (!victim || (victim->valid && e->stamp < victim->stamp)) {
			victim = e;
		}
	}
	if (victim->valid && !(victim->vpn == n->vpn && victim->pasid == n->pasid))
		iommu->st.iotlb_evictions++;
	*victim = *n;
	victim->valid = true;
	victim->stamp = ++iommu->lru_clock;
}

/*
 * gran: 0 global, 1 domain (did), 2 all of a PASID, 3 range within a PASID,
 * 4 range within a PASID in any domain (the implicit invalidation before a
 * page request).  A large page overlapping the range goes whole.
 */
void iommu_iotlb_inv(struct sva_iommu *iommu, int gran, uint16_t did, uint32_t pasid,
		     uint64_t addr, uint64_t size)
{
	unsigned n = iommu->cfg.iotlb_sets * iommu->cfg.iotlb_ways;

	if (gran == 0)
		iommu->iotlb_sizes = 0;	/* everything goes below */
	for (unsigned i = 0; i < n; i++) {
		struct iotlb_entry *e = &iommu->iotlb[i];
		uint64_t base, len;

		if (!e->valid)
			continue;
		if (gran >= 1 && gran <= 3 && e->did != did)
			continue;
		if (gran >= 2 && e->pasid != pasid)
			continue;
		if (gran >= 3) {
			base = e->vpn << e->size_shift;
			len = 1ull << e->size_shift;
			if (base >= addr + size || addr >= base + len)
				continue;
		}
		e->valid = false;
	}
}

static struct pasid_cache_entry *pc_slot(struct sva_iommu *iommu, uint16_t rid, uint32_t pasid)
{
	unsigned h = pasid * 31u + rid, n = iommu->cfg.pasid_cache_entries;

	/* Every ATS request comes here: a mask, not a division, for the usual power of two. */
	return &iommu->pc[(n & (n - 1)) ? h % n : h & (n - 1)];
}

/* gran: 0 domain-selective, 1 PASID-selective (within did), 3 global */
void iommu_pasid_cache_inv(struct sva_iommu *iommu, int gran, uint16_t did, uint32_t pasid)
{
	for (unsigned i = 0; i < iommu->cfg.pasid_cache_entries; i++) {
		struct pasid_cache_entry *e = &iommu->pc[i];

		if (!e->valid)
			continue;
		if (gran != 3 && e->did != did)
			continue;
		if (gran == 1 && e->pasid != pasid)
			continue;
		e->valid = false;
	}
}

/* ---- walking the tables to a PASID entry ----------------------------------------------- */

static int rd(struct sva_iommu *iommu, uint64_t pa, uint64_t *v)
{
	return sva_phys_read_u64(iommu->phys, pa, v);
}

/* Returns 0, or a fault reason (> 0). */
static unsigned lookup_pasid_entry(struct sva_iommu *iommu, uint16_t rid, uint32_t pasid,
				   struct pasid_cache_entry *out, sva_time_t *cost)
{
	const struct sva_timing *t = sva_machine_timing(iommu->m);
	struct pasid_cache_entry *pc = pc_slot(iommu, rid, pasid);
	uint64_t re, ce, pde, pte0, pte1, pte2, ctx_table, dir, table;
	unsigned bus = rid >> 8, devfn = rid & 0xff, pdts;

	if (pc->valid && pc->rid == rid && pc->pasid == pasid) {
		iommu->st.pasid_cache_hits++;
		*out = *pc;
		return 0;
	}
	iommu->st.pasid_cache_misses++;
	*cost += t->pasid_cache_miss;
	if (!(iommu->gsts & SVA_GCMD_SRTP) || !(iommu->rtaddr_latched & SVA_RTADDR_SMT))
		return FR_ROOT_NOT_PRESENT;
	if (rd(iommu, (iommu->rtaddr_latched & RE_CTP) + bus * 16 + (devfn >= 128 ? 8 : 0), &re))
		return FR_TABLE_READ;
	if (!(re & RE_LP))
		return FR_ROOT_NOT_PRESENT;
	ctx_table = re & RE_CTP;
	if (rd(iommu, ctx_table + (devfn % 128) * 32, &ce))
		return FR_TABLE_READ;
	if (!(ce & SMCE_P))
		return FR_CTX_NOT_PRESENT;
	if (!(ce & SMCE_PASIDE))
		return FR_PASID_DISABLED;
	pdts = (unsigned)((ce & SMCE_PDTS_MASK) >> SMCE_PDTS_SHIFT);
	if ((pasid >> 6) >= (1u << (pdts + 7)))
		return FR_PASID_DIR_NOT_PRESENT;
	dir = ce & SMCE_PDP;
	if (rd(iommu, dir + (uint64_t)(pasid >> 6) * 8, &pde))
		return FR_TABLE_READ;
	if (!(pde & PDE_P))
		return FR_PASID_DIR_NOT_PRESENT;
	table = (pde & PDE_PTP) + (uint64_t)(pasid & 63) * 64;
	if (rd(iommu, table, &pte0) || rd(iommu, table + 8, &pte1) || rd(iommu, table + 16, &pte2))
		return FR_TABLE_READ;
	if (!(pte0 & PTE0_P))
		return FR_PASID_ENTRY_NOT_PRESENT;
	if (((pte0 & PTE0_PGTT_MASK) >> PTE0_PGTT_SHIFT) != PGTT_FL)
		return FR_PGTT_UNSUPPORTED;
	*out = (struct pasid_cache_entry){
		.valid = true, .rid = rid, .pasid = pasid,
		.did = (uint16_t)(pte1 & PTE1_DID_MASK),
		.flptr = pte2 & PTE2_FLPTR,
		.sre = pte2 & PTE2_SRE, .wpe = pte2 & PTE2_WPE,
		.five_level = ((pte2 & PTE2_FLPM_MASK) >> PTE2_FLPM_SHIFT) == 1,
		.dte = ce & SMCE_DTE, .pre = ce & SMCE_PRE,
	};
	*pc = *out;
	return 0;
}

/* ---- ATS ------------------------------------------------------------------------------- */

static int blocked(struct sva_iommu *iommu, struct sva_pcidev *dev, uint32_t pasid,
		   uint64_t va, unsigned reason, bool write)
{
	iommu->st.blocked++;
	iommu_record_fault(iommu, dev->rid, pasid, va, reason, write);
	return -ENXIO;
}

int sva_iommu_ats_translate(struct sva_pcidev *dev, uint32_t pasid, bool priv,
			    uint64_t va, bool write, struct sva_ats_xlat *out)
{
	struct sva_iommu *iommu = dev->iommu;
	const struct sva_timing *t;
	struct pasid_cache_entry pe;
	struct iotlb_entry *e;
	struct sva_walk_result res;
	struct sva_paging_mode mode;
	struct sva_walk_req req;
	unsigned reason;
	int r;

	assert(iommu && "device not attached to an IOMMU");
	t = sva_machine_timing(iommu->m);
	memset(out, 0, sizeof(*out));
	iommu->st.translations++;
	sva_counter_inc(iommu->c_translations);
	out->cost = t->ats_rtt;
	if (!(iommu->gsts & SVA_GCMD_TE) || !dev->pasid_enabled)
		return blocked(iommu, dev, pasid, va, FR_PASID_DISABLED, write);
	reason = lookup_pasid_entry(iommu, dev->rid, pasid, &pe, &out->cost);
	if (reason)
		return blocked(iommu, dev, pasid, va, reason, write);
	if (!pe.dte || !dev->ats_enabled)
		return blocked(iommu, dev, pasid, va, FR_ATS_DISABLED, write);
	if (priv && !pe.sre)
		return blocked(iommu, dev, pasid, va, FR_SUPERVISOR_BLOCKED, write);

	e = iotlb_lookup(iommu, pe.did, pasid, va);
	/* A write through a clean entry must walk again so D gets set. */
	if (e && (!write || e->dirty)) {
		iommu->st.iotlb_hits++;
		sva_counter_inc(iommu->c_iotlb_hits);
		out->cost += t->iotlb_hit;
		if (!priv && !e->user)
			goto not_present;	/* user request, supervisor page */
		out->pa = e->pa;
		out->size = 1ull << e->size_shift;
		out->r = true;
		out->w = e->w && e->dirty;
		out->x = e->x;
		out->priv = priv;
		out->global = e->global;
		return 0;
	}
	iommu->st.iotlb_misses++;
	sva_counter_inc(iommu->c_iotlb_misses);
	mode = (struct sva_paging_mode){
		.levels = pe.five_level ? 5 : 4,
		.wp = pe.wpe, .nxe = true, .set_ad = true,
	};
	req = (struct sva_walk_req){
		.root = pe.flptr, .va = va, .access = write ? SVA_ACC_WRITE : SVA_ACC_READ,
		.user = !priv,
	};
	iommu->st.walks++;
	r = sva_walk(iommu->phys, &mode, &req, &res);
	out->cost += t->iotlb_miss + res.entries_read * t->walk_per_level;
	if (r < 0)
		return blocked(iommu, dev, pasid, va, FR_TABLE_READ, write);
	if (r != SVA_WALK_OK)
		goto not_present;
	iotlb_fill(iommu, &(struct iotlb_entry){
		.r = true, .w = res.writable, .x = !res.nx, .user = res.user,
		.dirty = res.dirty, .global = res.global,
		.size_shift = (uint8_t)__builtin_ctzll(res.page_size),
		.did = pe.did, .pasid = pasid, .vpn = va >> __builtin_ctzll(res.page_size),
		.pa = res.pa & ~(res.page_size - 1),
	});
	out->pa = res.pa & ~(res.page_size - 1);
	out->size = res.page_size;
	out->r = true;
	out->w = res.writable && res.dirty;
	out->x = !res.nx;
	out->priv = priv;
	out->global = res.global;
	return 0;

not_present:
	iommu->st.not_present++;
	return 0;
}

/* ---- life cycle ------------------------------------------------------------------------ */

struct sva_iommu *sva_iommu_create(struct sva_machine *m, uint64_t base,
				   const struct sva_iommu_config *cfg)
{
	struct sva_iommu_config def = { 0 };
	struct sva_iommu *iommu;
	struct sva_sim *sim = sva_machine_sim(m);
	int r;

	if (!cfg)
		cfg = &def;
	iommu = calloc(1, sizeof(*iommu));
	if (!iommu)
		return NULL;
	iommu->m = m;
	iommu->phys = sva_machine_phys(m);
	iommu->sim = sim;
	iommu->base = base;
	iommu->cfg = *cfg;
	if (!iommu->cfg.iotlb_sets)
		iommu->cfg.iotlb_sets = 64;
	if (!iommu->cfg.iotlb_ways)
		iommu->cfg.iotlb_ways = 8;
	if (!iommu->cfg.pasid_cache_entries)
		iommu->cfg.pasid_cache_entries = 64;
	if (!iommu->cfg.nr_fault_records)
		iommu->cfg.nr_fault_records = 8;
	if (!iommu->cfg.devtlb_timeout)
		iommu->cfg.devtlb_timeout = SVA_MSEC;
	snprintf(iommu->name, sizeof(iommu->name), "%s", cfg->name ? cfg->name : "dmar0");
	iommu->iotlb = calloc((size_t)iommu->cfg.iotlb_sets * iommu->cfg.iotlb_ways, sizeof(*iommu->iotlb));
	iommu->pc = calloc(iommu->cfg.pasid_cache_entries, sizeof(*iommu->pc));
	iommu->frcd = calloc(iommu->cfg.nr_fault_records, sizeof(*iommu->frcd));
	if (!iommu->iotlb || !iommu->pc || !iommu->frcd)
		goto fail;
	sva_waitq_init(&iommu->qi_wq);
	sva_waitq_init(&iommu->devtlb_wq);
	iommu->track = sva_trace_track(sim, "iommu", iommu->name);
	iommu->c_translations = sva_stat_counter(sim, "iommu.ats_translations");
	iommu->c_iotlb_hits = sva_stat_counter(sim, "iommu.iotlb_hits");
	iommu->c_iotlb_misses = sva_stat_counter(sim, "iommu.iotlb_misses");
	iommu->c_page_requests = sva_stat_counter(sim, "iommu.page_requests");
	iommu->c_prq_overflows = sva_stat_counter(sim, "iommu.prq_overflows");
	iommu->c_invs = sva_stat_counter(sim, "iommu.inv_descriptors");
	iommu->c_devtlb_invs = sva_stat_counter(sim, "iommu.devtlb_invalidations");
	iommu->c_faults = sva_stat_counter(sim, "iommu.faults_recorded");
	if (!iommu->c_translations || !iommu->c_iotlb_hits || !iommu->c_iotlb_misses ||
	    !iommu->c_page_requests || !iommu->c_prq_overflows || !iommu->c_invs ||
	    !iommu->c_devtlb_invs || !iommu->c_faults)
		goto fail;
	r = sva_mmio_register(iommu->phys, base, SVA_DMAR_SIZE, &iommu_mmio, iommu, iommu->name);
	if (r) {
		errno = -r;
		goto fail;
	}
	r = iommu_qi_start(iommu);
	if (r) {
		sva_mmio_unregister(iommu->phys, base);
		errno = -r;
		goto fail;
	}
	return iommu;
fail:
	free(iommu->iotlb);
	free(iommu->pc);
	free(iommu->frcd);
	free(iommu);
	return NULL;
}

void sva_iommu_destroy(struct sva_iommu *iommu)
{
	if (!iommu)
		return;
	iommu->stopping = true;
	if (iommu->qi_task)
		sva_task_kill(iommu->sim, iommu->qi_task);
	sva_mmio_unregister(iommu->phys, iommu->base);
	free(iommu->iotlb);
	free(iommu->pc);
	free(iommu->frcd);
	free(iommu);
}

uint64_t sva_iommu_base(const struct sva_iommu *iommu)
{
	return iommu->base;
}

const char *sva_iommu_name(const struct sva_iommu *iommu)
{
	return iommu->name;
}

int sva_iommu_attach(struct sva_iommu *iommu, struct sva_pcidev *dev)
{
	if (iommu_find_dev(iommu, dev->rid))
		return -EEXIST;
	dev->iommu = iommu;
	dev->next = iommu->devs;
	iommu->devs = dev;
	return 0;
}

void sva_iommu_detach(struct sva_iommu *iommu, struct sva_pcidev *dev)
{
	for (struct sva_pcidev **p = &iommu->devs; *p; p = &(*p)->next)
		if (*p == dev) {
			*p = dev->next;
			dev->iommu = NULL;
			return;
		}
}

void sva_iommu_stats(const struct sva_iommu *iommu, struct sva_iommu_stats *out)
{
	*out = iommu->st;
}

bool sva_iommu_holds_pasid(const struct sva_iommu *iommu, uint32_t pasid)
{
	uint64_t size = 4096ull << (iommu->pqa & 7);

	for (unsigned i = 0; i < iommu->cfg.iotlb_sets * iommu->cfg.iotlb_ways; i++)
		if (iommu->iotlb[i].valid && iommu->iotlb[i].pasid == pasid)
			return true;
	for (unsigned i = 0; i < iommu->cfg.pasid_cache_entries; i++)
		if (iommu->pc[i].valid && iommu->pc[i].pasid == pasid)
			return true;
	for (uint64_t h = iommu->pqh; iommu->pqa && h != iommu->pqt; h = (h + PRQ_DESC_SIZE) % size) {
		uint64_t qw0 = 0;

		if (sva_phys_read_u64(iommu->phys, (iommu->pqa & ~0xfffull) + h, &qw0) == 0 &&
		    PRQ0_PASID(qw0) == pasid)
			return true;
	}
	return false;
}

bool sva_iommu_caches_frame(const struct sva_iommu *iommu, uint64_t pa)
{
	for (unsigned i = 0; i < iommu->cfg.iotlb_sets * iommu->cfg.iotlb_ways; i++) {
		const struct iotlb_entry *e = &iommu->iotlb[i];

		if (e->valid && pa >= e->pa && pa - e->pa < (1ull << e->size_shift))
			return true;
	}
	return false;
}
