// SPDX-License-Identifier: MIT
/*
 * ENQCMD, ENQCMDS and MOVDIR64B (Intel SDM vol. 2A, instruction pages).
 *
 * The checks run in this order: #UD when CPUID does not enumerate the
 * instruction; #GP for CPL (ENQCMDS), a misaligned or non-canonical
 * destination and, for ENQCMD, an invalid IA32_PASID - the SDM's operation
 * section tests the MSR before it reads anything, which is what lets the
 * kernel's lazy #GP fixup load the MSR before the source is touched; then
 * the 64-byte source load (#PF); then the source's low dword (ENQCMD #GP);
 * then the destination is translated as a write (#PF).  Only then does the
 * store leave the core, so an exception never has a visible effect and
 * re-executing the instruction is always safe.  The enqueue store travels
 * as a PCIe Deferrable Memory Write (sva/pcie.h); MOVDIR64B as a posted
 * write.
 */
#include <string.h>

#include <sva/trace.h>

#include "cpu_internal.h"

struct enq_args {
	uint64_t dst, src;
	bool supervisor;	/* ENQCMDS */
	bool *zf;
};

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Checks common to all three: destination alignment and canonical form. */
static int check_dst(struct sva_cpu *cpu, uint64_t dst, struct sva_exception *exc,
		     const char *insn)
{
	unsigned levels = sva_machine_paging_levels(cpu->m);

	if (dst % SVA_ENQ_SIZE)
		return cpu_raise(exc, SVA_VEC_GP, 0, 0, insn,
				 "destination not 64-byte aligned");
	if (!sva_va_canonical(dst, levels))
		return cpu_raise(exc, SVA_VEC_GP, 0, 0, insn, "non-canonical address");
	return 0;
}

static void trace_enq(struct sva_cpu *cpu, const char *insn, sva_time_t start,
		      uint64_t pa, uint32_t dword0, const char *status)
{
	struct sva_sim *sim = sva_machine_sim(cpu->m);
	struct sva_trace_arg args[3] = {
		SVA_TARG_X("pa", pa),
		SVA_TARG_X("dword0", dword0),
		SVA_TARG_S("status", status),
	};

	if (sim && cpu->track > 0 && sva_trace_enabled(sim))
		sva_trace_complete(sim, cpu->track, "cpu", insn, start,
				   sva_now(sim) - start, args, 3);
}

static int enq_once(struct sva_cpu *cpu, void *a, struct sva_exception *exc)
{
	struct enq_args *e = a;
	const char *insn = e->supervisor ? "enqcmds" : "enqcmd";
	const struct sva_timing *t = sva_machine_timing(cpu->m);
	struct sva_sim *sim = sva_machine_sim(cpu->m);
	uint8_t cmd[SVA_ENQ_SIZE];
	sva_time_t start, half;
	uint32_t dword0;
	uint64_t pa;
	int r;

	if (!(cpu->cpuid7_ecx & SVA_CPUID7_ECX_ENQCMD))
		return cpu_raise(exc, SVA_VEC_UD, 0, 0, insn, "CPUID does not enumerate ENQCMD");
	if (e->supervisor && cpu->cpl != 0)
		return cpu_raise(exc, SVA_VEC_GP, 0, 0, insn, "CPL is not 0");
	r = check_dst(cpu, e->dst, exc, insn);
	if (r)
		return r;
	if (!e->supervisor && !(cpu->pasid_msr & SVA_PASID_VALID))
		return cpu_raise(exc, SVA_VEC_GP, 0, 0, insn, "IA32_PASID not valid");

	r = cpu_access(cpu, e->src, cmd, sizeof(cmd), SVA_ACC_READ, exc, insn);
	if (r)
		return r;
	dword0 = get_le32(cmd);
	if (e->supervisor) {
		/* The kernel names PASID and PRIV; bits 30:20 are forced to 0. */
		dword0 &= ~SVA_ENQ_RSVD_MASK;
	} else {
		/* User software may not choose either: bits 31:0 must be 0. */
		if (dword0)
			return cpu_raise(exc, SVA_VEC_GP, 0, 0, insn,
					 "source bits 31:0 not zero");
		dword0 = (uint32_t)(cpu->pasid_msr & SVA_PASID_MASK);
	}
	put_le32(cmd, dword0);

	r = cpu_translate(cpu, e->dst, SVA_ACC_WRITE, &pa, exc, insn);
	if (r)
		return r;

	/* Non-posted: the device answers at mid-trip, the core sees ZF at the end. */
	start = sim ? sva_now(sim) : 0;
	half = t->enqcmd_rtt / 2;
	cpu_charge(cpu, half);
	cpu_settle(cpu);
	r = sva_phys_enqueue(cpu->phys, pa, cmd);
	cpu_charge(cpu, t->enqcmd_rtt - half);
	cpu_settle(cpu);
	trace_enq(cpu, insn, start, pa, dword0,
		  r == SVA_ENQ_ACCEPTED ? "accepted" : r == SVA_ENQ_RETRY ? "retry" :
		  r == SVA_ENQ_UR ? "unsupported request" : "error");
	if (r < 0)
		return r;
	/*
	 * An Unsupported Request completion (a path without DMWr) is no
	 * exception: the store was dropped and ZF says retry, so software
	 * that retries forever spins - the OS must not hand out such a portal.
	 */
	if (r == SVA_ENQ_ACCEPTED)
		cpu->stats.enq_accepted++;
	else
		cpu->stats.enq_retry++;
	if (r == SVA_ENQ_UR)
		cpu->stats.enq_ur++;
	*e->zf = sva_enq_zf(r);
	return 0;
}

int sva_cpu_enqcmd(struct sva_cpu *cpu, uint64_t dst, uint64_t src, bool *zf)
{
	struct enq_args a = { .dst = dst, .src = src, .zf = zf };

	return cpu_run(cpu, enq_once, &a);
}

int sva_cpu_enqcmds(struct sva_cpu *cpu, uint64_t dst, uint64_t src, bool *zf)
{
	struct enq_args a = { .dst = dst, .src = src, .supervisor = true, .zf = zf };

	return cpu_run(cpu, enq_once, &a);
}

static int movdir64b_once(struct sva_cpu *cpu, void *a, struct sva_exception *exc)
{
	const uint64_t *ops = a;	/* { dst, src } */
	uint8_t data[SVA_ENQ_SIZE];
	struct sva_sim *sim = sva_machine_sim(cpu->m);
	sva_time_t start = sim ? sva_now(sim) : 0;
	uint64_t pa;
	int r;

	if (!(cpu->cpuid7_ecx & SVA_CPUID7_ECX_MOVDIR64B))
		return cpu_raise(exc, SVA_VEC_UD, 0, 0, "movdir64b",
				 "CPUID does not enumerate MOVDIR64B");
	r = check_dst(cpu, ops[0], exc, "movdir64b");
	if (r)
		return r;
	r = cpu_access(cpu, ops[1], data, sizeof(data), SVA_ACC_READ, exc, "movdir64b");
	if (r)
		return r;
	r = cpu_translate(cpu, ops[0], SVA_ACC_WRITE, &pa, exc, "movdir64b");
	if (r)
		return r;
	/* Posted: the core pays the issue cost only; the bytes land now. */
	r = sva_phys_movdir64b(cpu->phys, pa, data);
	if (r)
		return r;
	sva_machine_note_store(cpu->m, pa, sizeof(data));	/* RAM: a store like any other */
	cpu->stats.movdir64b++;
	cpu_charge(cpu, sva_machine_timing(cpu->m)->movdir64b);
	/* Posted: no answer comes back, so the trace can only say it was sent. */
	trace_enq(cpu, "movdir64b", start, pa, get_le32(data), "posted");
	return 0;
}

int sva_cpu_movdir64b(struct sva_cpu *cpu, uint64_t dst, uint64_t src)
{
	uint64_t ops[2] = { dst, src };

	return cpu_run(cpu, movdir64b_once, ops);
}
