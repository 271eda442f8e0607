// SPDX-License-Identifier: MIT
/*
 * CPU context: architectural state, MSRs, the TLB, and loads and stores of
 * simulated software.  The 64-byte store instructions are in cpu_enqcmd.c.
 *
 * The TLB is direct-mapped and caches 4 KiB pieces of translations with the
 * rights accumulated over the walk (SDM vol. 3A 4.10.2).  A hit is used
 * only when those rights allow the access and, for a write, the leaf was
 * already dirty; anything else walks again, which is what lets hardware set
 * D and report a fault from the tables as they are now (4.10.4.1 and 4.8).
 * Like hardware it is not coherent with the tables: software invalidates
 * with INVLPG or a CR3 load after narrowing a mapping.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sva/trace.h>

#include "cpu_internal.h"

#define TLB_DEFAULT_ENTRIES	64
/* Re-executions in a row before an instruction is declared stuck. */
#define MAX_REEXECUTE		1000

struct sva_cpu *sva_cpu_from_link(struct sva_cpu_link *link)
{
	return (struct sva_cpu *)((char *)link - offsetof(struct sva_cpu, link));
}

struct sva_cpu *sva_cpu_create(struct sva_machine *m, const struct sva_cpu_config *cfg)
{
	struct sva_cpu_config def = { 0 };
	struct sva_cpu *cpu;
	unsigned entries;

	if (!cfg)
		cfg = &def;
	entries = cfg->tlb_entries ? cfg->tlb_entries : TLB_DEFAULT_ENTRIES;
	if (entries & (entries - 1)) {
		errno = EINVAL;
		return NULL;
	}
	cpu = calloc(1, sizeof(*cpu));
	if (!cpu)
		return NULL;
	if (!cfg->no_tlb) {
		cpu->tlb = calloc(entries, sizeof(*cpu->tlb));
		if (!cpu->tlb) {
			free(cpu);
			return NULL;
		}
		cpu->tlb_mask = entries - 1;
	}
	cpu->m = m;
	cpu->phys = sva_machine_phys(m);
	snprintf(cpu->name, sizeof(cpu->name), "%s", cfg->name ? cfg->name : "cpu");
	cpu->mode = (struct sva_paging_mode){
		.levels = sva_machine_paging_levels(m),
		.maxphyaddr = sva_phys_maxphyaddr(cpu->phys),
		.wp = true, .nxe = true, .set_ad = true,
	};
	cpu->cpuid7_ecx = SVA_CPUID7_ECX_ENQCMD | SVA_CPUID7_ECX_MOVDIR64B |
			  SVA_CPUID7_ECX_MOVDIRI | SVA_CPUID7_ECX_WAITPKG;
	sva_waitq_init(&cpu->umwait_wq);
	if (sva_machine_sim(m)) {
		cpu->track = sva_trace_track(sva_machine_sim(m), "cpu", cpu->name);
	}
	sva_machine_add_cpu(m, &cpu->link);
	return cpu;
}

void sva_cpu_free(struct sva_cpu *cpu)
{
	/* A task resting in UMWAIT here would wake on freed memory: the caller's bug. */
	assert(cpu->umwait_wq.nr == 0);
	free(cpu->tlb);
	free(cpu);
}

void sva_cpu_destroy(struct sva_cpu *cpu)
{
	if (!cpu)
		return;
	if (cpu->mon.armed)
		sva_machine_monitor_armed(cpu->m, -1);
	sva_machine_del_cpu(cpu->m, &cpu->link);
	sva_cpu_free(cpu);
}

struct sva_machine *sva_cpu_machine(struct sva_cpu *cpu)
{
	return cpu->m;
}

const char *sva_cpu_name(const struct sva_cpu *cpu)
{
	return cpu->name;
}

void sva_cpu_set_ops(struct sva_cpu *cpu, const struct sva_cpu_ops *ops, void *opaque)
{
	cpu->ops = ops;
	cpu->opaque = opaque;
}

void *sva_cpu_data(const struct sva_cpu *cpu)
{
	return cpu->data;
}

void sva_cpu_set_data(struct sva_cpu *cpu, void *data)
{
	cpu->data = data;
}

/* ---- TLB ---------------------------------------------------------------- */

void sva_cpu_tlb_flush(struct sva_cpu *cpu)
{
	if (cpu->tlb)
		memset(cpu->tlb, 0, (cpu->tlb_mask + 1) * sizeof(*cpu->tlb));
}

/* Drop every entry that came from a page containing @va. */
static void tlb_flush_va(struct sva_cpu *cpu, uint64_t va)
{
	if (!cpu->tlb)
		return;
	for (unsigned i = 0; i <= cpu->tlb_mask; i++) {
		struct tlb_entry *e = &cpu->tlb[i];

		if (e->valid && va - e->base < e->size)
			e->valid = false;
	}
}

/*
 * Set index: fold higher page-number bits in, so that addresses a multiple
 * of 64 pages apart (stack, heap and portal often are) do not collide.
 */
static struct tlb_entry *tlb_slot(struct sva_cpu *cpu, uint64_t va)
{
	uint64_t vpn = va >> 12;

	return &cpu->tlb[(vpn ^ (vpn >> 6) ^ (vpn >> 12) ^ (vpn >> 18)) & cpu->tlb_mask];
}

static void tlb_fill(struct sva_cpu *cpu, uint64_t va, const struct sva_walk_result *res)
{
	struct tlb_entry *e;

	if (!cpu->tlb)
		return;
	e = tlb_slot(cpu, va);
	*e = (struct tlb_entry){
		.vpn = va >> 12,
		.pa = res->pa & SVA_FRAME_MASK,
		.base = va & ~(res->page_size - 1),
		.size = res->page_size,
		.valid = true,
		.writable = res->writable,
		.user = res->user,
		.nx = res->nx,
		.dirty = res->dirty,
	};
}

/* ---- state ---------------------------------------------------------------- */

void sva_cpu_set_cr3(struct sva_cpu *cpu, uint64_t cr3)
{
	cpu->cr3 = cr3;
	sva_cpu_tlb_flush(cpu);
	cpu_charge(cpu, sva_machine_timing(cpu->m)->tlb_flush);
	cpu_settle(cpu);
}

uint64_t sva_cpu_cr3(const struct sva_cpu *cpu)
{
	return cpu->cr3;
}

void sva_cpu_set_cpl(struct sva_cpu *cpu, unsigned cpl)
{
	assert(cpl == 0 || cpl == 3);
	cpu->cpl = cpl;
}

unsigned sva_cpu_cpl(const struct sva_cpu *cpu)
{
	return cpu->cpl;
}

void sva_cpu_set_paging(struct sva_cpu *cpu, const struct sva_paging_mode *mode)
{
	cpu->mode.wp = mode->wp;
	cpu->mode.nxe = mode->nxe;
	cpu->mode.smep = mode->smep;
	cpu->mode.smap = mode->smap;
	cpu->mode.ac = mode->ac;
	/* Cached rights were computed under the old rules (NXE changes
	 * whether bit 63 is even legal), so start over, as a CR0/CR4/EFER
	 * write that changes paging does. */
	sva_cpu_tlb_flush(cpu);
}

void sva_cpu_paging(const struct sva_cpu *cpu, struct sva_paging_mode *out)
{
	*out = cpu->mode;
}

uint32_t sva_cpu_cpuid7_ecx(const struct sva_cpu *cpu)
{
	return cpu->cpuid7_ecx;
}

void sva_cpu_set_cpuid7_ecx(struct sva_cpu *cpu, uint32_t ecx)
{
	cpu->cpuid7_ecx = ecx;
}

uint64_t sva_cpu_pasid_msr(const struct sva_cpu *cpu)
{
	return cpu->pasid_msr;
}

const struct sva_exception *sva_cpu_last_exception(const struct sva_cpu *cpu)
{
	return &cpu->last_exc;
}

void sva_cpu_stats(const struct sva_cpu *cpu, struct sva_cpu_stats *out)
{
	*out = cpu->stats;
}

/* ---- running instructions ------------------------------------------------ */

void cpu_settle(struct sva_cpu *cpu)
{
	sva_time_t ns = cpu->pending;

	cpu->pending = 0;
	sva_machine_charge(cpu->m, ns);
}

int cpu_raise(struct sva_exception *exc, unsigned vector, uint32_t error_code,
	      uint64_t cr2, const char *insn, const char *why)
{
	*exc = (struct sva_exception){
		.vector = vector, .error_code = error_code, .cr2 = cr2,
		.insn = insn, .why = why,
	};
	return CPU_RAISED;
}

static void trace_exception(struct sva_cpu *cpu, const struct sva_exception *exc)
{
	struct sva_sim *sim = sva_machine_sim(cpu->m);
	const char *name = exc->vector == SVA_VEC_PF ? "#PF" :
			   exc->vector == SVA_VEC_GP ? "#GP" : "#UD";
	struct sva_trace_arg args[4] = {
		SVA_TARG_S("insn", exc->insn),
		SVA_TARG_S("why", exc->why),
		SVA_TARG_X("error", exc->error_code),
		SVA_TARG_X("cr2", exc->cr2),
	};

	if (sim && cpu->track > 0 && sva_trace_enabled(sim))
		sva_trace_instant(sim, cpu->track, "cpu", name, args, 4);
}

int cpu_run(struct sva_cpu *cpu, cpu_insn_fn fn, void *args)
{
	unsigned again = 0;

	for (;;) {
		struct sva_exception exc = { 0 };
		enum sva_exc_action act = SVA_EXC_GIVE_BACK;
		int r = fn(cpu, args, &exc);

		if (r != CPU_RAISED) {
			assert(r <= 0);
			cpu_settle(cpu);
			return r;
		}
		exc.cpl = cpu->cpl;
		cpu->stats.exceptions++;
		cpu_charge(cpu, sva_machine_timing(cpu->m)->exception);
		cpu_settle(cpu);
		trace_exception(cpu, &exc);
		if (cpu->ops && cpu->ops->exception) {
			/* Delivery enters ring 0; IRET goes back to where we were. */
			unsigned cpl = cpu->cpl;

			cpu->cpl = 0;
			act = cpu->ops->exception(cpu, &exc, cpu->opaque);
			cpu->cpl = cpl;
		}
		if (act != SVA_EXC_REEXECUTE) {
			cpu->last_exc = exc;
			return (int)exc.vector;
		}
		if (++again > MAX_REEXECUTE)
			return -ELOOP;
		cpu->stats.reexecutions++;
	}
}

/* ---- translation ------------------------------------------------------------ */

static int translate(struct sva_cpu *cpu, uint64_t va, enum sva_access acc,
		     uint64_t *pa, struct sva_exception *exc, const char *insn,
		     bool account)
{
	const struct sva_timing *t = sva_machine_timing(cpu->m);
	struct sva_walk_req req = {
		.root = cpu->cr3, .va = va, .access = acc, .user = cpu->cpl == 3,
	};
	struct sva_walk_result res;
	int r;

	if (cpu->tlb) {
		struct tlb_entry *e = tlb_slot(cpu, va);

		if (e->valid && e->vpn == va >> 12 &&
		    sva_rights_allow(&cpu->mode, &req, e->writable, e->user, e->nx) &&
		    (acc != SVA_ACC_WRITE || e->dirty)) {
			if (account) {
				cpu->stats.tlb_hits++;
				cpu_charge(cpu, t->tlb_hit);
			}
			*pa = e->pa | (va & (SVA_FRAME_SIZE - 1));
			return 0;
		}
	}
	r = sva_walk(cpu->phys, &cpu->mode, &req, &res);
	if (account) {
		cpu->stats.tlb_misses += cpu->tlb != NULL;
		cpu->stats.walks++;
		cpu_charge(cpu, t->walk_per_level * res.entries_read);
	}
	switch (r) {
	case SVA_WALK_OK:
		tlb_fill(cpu, va, &res);
		*pa = res.pa;
		return 0;
	case SVA_WALK_NONCANONICAL:
		return cpu_raise(exc, SVA_VEC_GP, 0, 0, insn, "non-canonical address");
	case SVA_WALK_PF:
		/* A #PF drops what the TLB held for the address (4.10.4.1). */
		tlb_flush_va(cpu, va);
		return cpu_raise(exc, SVA_VEC_PF, res.pf_error, res.fault_addr, insn,
				 res.pf_error & SVA_PF_RSVD ? "reserved bit set" :
				 res.pf_error & SVA_PF_P ? "protection violation" :
				 "page not present");
	default:
		assert(r < 0);
		return r;
	}
}

int cpu_translate(struct sva_cpu *cpu, uint64_t va, enum sva_access acc,
		  uint64_t *pa, struct sva_exception *exc, const char *insn)
{
	return translate(cpu, va, acc, pa, exc, insn, true);
}

/* Cost of moving @n bytes at @pa, by what lies there. */
static sva_time_t data_cost(struct sva_cpu *cpu, uint64_t pa, size_t n, bool write)
{
	const struct sva_timing *t = sva_machine_timing(cpu->m);

	if (sva_phys_is_ram(cpu->phys, pa, n))
		return n <= 64 ? t->mem_access : sva_timing_xfer(n, t->cpu_memcpy_bw);
	return ((n + 7) / 8) * (write ? t->mmio_write : t->mmio_read);
}

int cpu_access(struct sva_cpu *cpu, uint64_t va, void *buf, size_t n,
	       enum sva_access acc, struct sva_exception *exc, const char *insn)
{
	uint8_t *p = buf;
	uint64_t pa;
	size_t done;
	int r;

	/* Pass 1: every page must translate before any byte moves. */
	for (done = 0; done < n; ) {
		uint64_t a = va + done;
		size_t len = SVA_FRAME_SIZE - (a & (SVA_FRAME_SIZE - 1));

		r = translate(cpu, a, acc, &pa, exc, insn, true);
		if (r)
			return r;
		done += len < n - done ? len : n - done;
	}
	/* Pass 2: the same translations again, silently, and move the bytes. */
	for (done = 0; done < n; ) {
		uint64_t a = va + done;
		size_t len = SVA_FRAME_SIZE - (a & (SVA_FRAME_SIZE - 1));

		if (len > n - done)
			len = n - done;
		r = translate(cpu, a, acc, &pa, exc, insn, false);
		assert(r <= 0);	/* nothing changed since pass 1 */
		if (r)
			return r;
		cpu_charge(cpu, data_cost(cpu, pa, len, acc == SVA_ACC_WRITE));
		if (acc == SVA_ACC_WRITE) {
			r = sva_phys_write(cpu->phys, pa, p + done, len);
			sva_machine_note_store(cpu->m, pa, len);
		} else
			r = sva_phys_read(cpu->phys, pa, p + done, len);
		if (r)
			return r;
		done += len;
	}
	return 0;
}

/* ---- loads, stores, MSRs, INVLPG --------------------------------------------- */

struct mem_args {
	uint64_t va;
	void *buf;
	size_t n;
	enum sva_access acc;
	const char *insn;
};

static int mem_once(struct sva_cpu *cpu, void *a, struct sva_exception *exc)
{
	struct mem_args *m = a;

	return cpu_access(cpu, m->va, m->buf, m->n, m->acc, exc, m->insn);
}

int sva_cpu_load(struct sva_cpu *cpu, uint64_t va, void *buf, size_t n)
{
	struct mem_args a = { va, buf, n, SVA_ACC_READ, "load" };

	return cpu_run(cpu, mem_once, &a);
}

int sva_cpu_store(struct sva_cpu *cpu, uint64_t va, const void *buf, size_t n)
{
	/* cpu_access() only reads @buf for a write. */
	struct mem_args a = { va, (void *)buf, n, SVA_ACC_WRITE, "store" };

	return cpu_run(cpu, mem_once, &a);
}

int sva_cpu_fetch(struct sva_cpu *cpu, uint64_t va, void *buf, size_t n)
{
	struct mem_args a = { va, buf, n, SVA_ACC_EXEC, "fetch" };

	return cpu_run(cpu, mem_once, &a);
}

struct msr_args {
	uint32_t msr;
	uint64_t val;
	uint64_t *out;
};

static int rdmsr_once(struct sva_cpu *cpu, void *a, struct sva_exception *exc)
{
	struct msr_args *m = a;

	if (cpu->cpl != 0)
		return cpu_raise(exc, SVA_VEC_GP, 0, 0, "rdmsr", "CPL is not 0");
	if (m->msr != SVA_MSR_IA32_PASID && m->msr != SVA_MSR_IA32_UMWAIT_CONTROL)
		return cpu_raise(exc, SVA_VEC_GP, 0, 0, "rdmsr", "MSR not implemented");
	cpu_charge(cpu, sva_machine_timing(cpu->m)->msr_read);
	*m->out = m->msr == SVA_MSR_IA32_PASID ? cpu->pasid_msr : cpu->umwait_control;
	return 0;
}

static int wrmsr_once(struct sva_cpu *cpu, void *a, struct sva_exception *exc)
{
	struct msr_args *m = a;

	if (cpu->cpl != 0)
		return cpu_raise(exc, SVA_VEC_GP, 0, 0, "wrmsr", "CPL is not 0");
	if (m->msr == SVA_MSR_IA32_UMWAIT_CONTROL) {
		/* Bits 31:2 (the limit) and 0 (no C0.2) exist; 1 and 63:32 are reserved. */
		if (m->val & ~(uint64_t)(SVA_UMWAIT_CONTROL_TIME_MASK | SVA_UMWAIT_CONTROL_C02_DISABLE))
			return cpu_raise(exc, SVA_VEC_GP, 0, 0, "wrmsr",
					 "reserved IA32_UMWAIT_CONTROL bit set");
		cpu_charge(cpu, sva_machine_timing(cpu->m)->msr_write);
		cpu->umwait_control = m->val;
		return 0;
	}
	if (m->msr != SVA_MSR_IA32_PASID)
		return cpu_raise(exc, SVA_VEC_GP, 0, 0, "wrmsr", "MSR not implemented");
	/* Only the PASID (19:0) and valid (31) bits exist. */
	if (m->val & ~(uint64_t)(SVA_PASID_MASK | SVA_PASID_VALID))
		return cpu_raise(exc, SVA_VEC_GP, 0, 0, "wrmsr", "reserved IA32_PASID bit set");
	cpu_charge(cpu, sva_machine_timing(cpu->m)->msr_write);
	cpu->pasid_msr = m->val;
	return 0;
}

int sva_cpu_rdmsr(struct sva_cpu *cpu, uint32_t msr, uint64_t *val)
{
	struct msr_args a = { .msr = msr, .out = val };

	return cpu_run(cpu, rdmsr_once, &a);
}

int sva_cpu_wrmsr(struct sva_cpu *cpu, uint32_t msr, uint64_t val)
{
	struct msr_args a = { .msr = msr, .val = val };

	return cpu_run(cpu, wrmsr_once, &a);
}

static int invlpg_once(struct sva_cpu *cpu, void *a, struct sva_exception *exc)
{
	uint64_t va = *(uint64_t *)a;

	if (cpu->cpl != 0)
		return cpu_raise(exc, SVA_VEC_GP, 0, 0, "invlpg", "CPL is not 0");
	/* INVLPG of a non-canonical address is a no-op, not a fault. */
	tlb_flush_va(cpu, va);
	cpu_charge(cpu, sva_machine_timing(cpu->m)->tlb_flush);
	return 0;
}

int sva_cpu_invlpg(struct sva_cpu *cpu, uint64_t va)
{
	return cpu_run(cpu, invlpg_once, &va);
}
