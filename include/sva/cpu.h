/* SPDX-License-Identifier: MIT */
/*
 * sva/cpu.h - a CPU context: the architectural state of one software
 * thread that matters for SVA, and the instructions that use it.
 *
 * State: CR3, CPL, the paging control bits (CR0.WP, EFER.NXE, CR4.SMEP,
 * CR4.SMAP, EFLAGS.AC), the IA32_PASID MSR, CPUID.(7,0):ECX, and a small
 * TLB.  Software running in the simulation loads and stores through the
 * page walker (include/sva/paging.h) and submits work with ENQCMD,
 * ENQCMDS and MOVDIR64B.
 *
 * Exceptions (#UD, #GP, #PF) go to the hook the kernel installs with
 * sva_cpu_set_ops(); the hook runs at CPL 0 and the CPL it interrupted is
 * restored when it returns, as exception delivery and IRET do.  The hook either asks for the instruction to be
 * executed again from the start (after, say, loading IA32_PASID or mapping
 * the page) or gives the exception back: the instruction then returns the
 * vector number and sva_cpu_last_exception() has the details.
 *
 * So every instruction below returns:
 *   0       it retired;
 *   > 0     it raised this exception vector (SVA_VEC_*) and the hook gave
 *           it back (or there is no hook);
 *   < 0     a model error: -EIO for a machine check (sva_phys_mce() has the
 *           address), -ELOOP when the hook re-executed it 1000 times in a
 *           row without progress.
 */
#ifndef SVA_CPU_H
#define SVA_CPU_H

#include <sva/api.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sva/paging.h>
#include <sva/sim.h>

SVA_API_BEGIN

struct sva_machine;
struct sva_cpu;

/* IA32_PASID (SDM vol. 4; Linux msr-index.h). */
#define SVA_MSR_IA32_PASID	0xd93u
#define SVA_PASID_BITS		20
#define SVA_PASID_MASK		0xfffffu
#define SVA_PASID_VALID		(1ull << 31)

/* IA32_UMWAIT_CONTROL (SDM vol. 2, UMWAIT): bits 31:2 the OS's time limit, bit 0 "no C0.2". */
#define SVA_MSR_IA32_UMWAIT_CONTROL	0xe1u
#define SVA_UMWAIT_CONTROL_C02_DISABLE	(1u << 0)
#define SVA_UMWAIT_CONTROL_TIME_MASK	0xfffffffcu

/* CPUID.(EAX=7,ECX=0):ECX feature bits. */
#define SVA_CPUID7_ECX_WAITPKG		(1u << 5)
#define SVA_CPUID7_ECX_MOVDIRI		(1u << 27)
#define SVA_CPUID7_ECX_MOVDIR64B	(1u << 28)
#define SVA_CPUID7_ECX_ENQCMD		(1u << 29)

/* Bits of the first dword of an enqueue-store payload (SDM fig. 3-16). */
#define SVA_ENQ_PASID_MASK	0x000fffffu
#define SVA_ENQ_RSVD_MASK	0x7ff00000u	/* bits 30:20 */
#define SVA_ENQ_PRIV		0x80000000u

enum sva_vector {
	SVA_VEC_UD = 6,
	SVA_VEC_GP = 13,
	SVA_VEC_PF = 14,
};

struct sva_exception {
	unsigned vector;	/* SVA_VEC_* */
	uint32_t error_code;	/* #GP: 0; #PF: SVA_PF_* bits; #UD: none */
	uint64_t cr2;		/* #PF: the faulting linear address */
	const char *insn;	/* "enqcmd", "load", "wrmsr", ... */
	const char *why;	/* short reason, for messages and tests */
	unsigned cpl;		/* privilege level the exception came from */
};

enum sva_exc_action {
	SVA_EXC_GIVE_BACK = 0,	/* the instruction returns the vector */
	SVA_EXC_REEXECUTE,	/* run the instruction again from the start */
};

struct sva_cpu_ops {
	enum sva_exc_action (*exception)(struct sva_cpu *cpu,
					 const struct sva_exception *exc,
					 void *opaque);
};

struct sva_cpu_config {
	const char *name;	/* for traces; copied */
	unsigned tlb_entries;	/* power of two; 0 = 64 */
	bool no_tlb;		/* walk on every access */
};

/* Counters of one CPU context. */
struct sva_cpu_stats {
	sva_time_t charged;	/* virtual time its instructions cost */
	uint64_t tlb_hits, tlb_misses, walks;
	uint64_t exceptions, reexecutions;
	uint64_t enq_accepted, enq_retry, movdir64b;
	uint64_t enq_ur;	/* of enq_retry: answered Unsupported Request (no DMWr on the path) */
	/* UMWAIT: executed, woken by a store to the monitored line, by the deadline, by the OS limit */
	uint64_t umwait, umwait_store, umwait_deadline, umwait_os_limit;
};

/*
 * A new context in the reset-like state: CPL 0, CR3 0, CR0.WP and
 * EFER.NXE set, SMEP/SMAP clear, IA32_PASID 0 (invalid), ENQCMD,
 * MOVDIR64B and WAITPKG enumerated, IA32_UMWAIT_CONTROL 0.  Owned by @m; destroyed with it or by
 * sva_cpu_destroy().  Returns NULL and sets errno on failure.
 */
struct sva_cpu *sva_cpu_create(struct sva_machine *m, const struct sva_cpu_config *cfg);
void sva_cpu_destroy(struct sva_cpu *cpu);

struct sva_machine *sva_cpu_machine(struct sva_cpu *cpu);
const char *sva_cpu_name(const struct sva_cpu *cpu);
void sva_cpu_set_ops(struct sva_cpu *cpu, const struct sva_cpu_ops *ops, void *opaque);
/* A pointer for the layer that owns the thread (the kernel's task). */
void *sva_cpu_data(const struct sva_cpu *cpu);
void sva_cpu_set_data(struct sva_cpu *cpu, void *data);

/* ---- architectural state ------------------------------------------- */

/* Loading CR3 flushes the TLB (no PCID, no global pages kept). */
void sva_cpu_set_cr3(struct sva_cpu *cpu, uint64_t cr3);
uint64_t sva_cpu_cr3(const struct sva_cpu *cpu);
/* 0 (kernel) or 3 (user). */
void sva_cpu_set_cpl(struct sva_cpu *cpu, unsigned cpl);
unsigned sva_cpu_cpl(const struct sva_cpu *cpu);
/*
 * Paging controls: wp, nxe, smep, smap, ac are taken from @mode; levels and
 * MAXPHYADDR are the machine's.  Changing them flushes the TLB.
 */
void sva_cpu_set_paging(struct sva_cpu *cpu, const struct sva_paging_mode *mode);
void sva_cpu_paging(const struct sva_cpu *cpu, struct sva_paging_mode *out);

uint32_t sva_cpu_cpuid7_ecx(const struct sva_cpu *cpu);
void sva_cpu_set_cpuid7_ecx(struct sva_cpu *cpu, uint32_t ecx);

/* IA32_PASID as it is now, without executing RDMSR (no cost, no checks). */
uint64_t sva_cpu_pasid_msr(const struct sva_cpu *cpu);

/* ---- instructions ----------------------------------------------------- */

/*
 * RDMSR / WRMSR.  #GP at CPL 3, for an MSR the model does not have (only
 * IA32_PASID and IA32_UMWAIT_CONTROL), and for WRMSR of reserved bits
 * (IA32_PASID 30:20 and 63:32; IA32_UMWAIT_CONTROL 1 and 63:32).
 */
int sva_cpu_rdmsr(struct sva_cpu *cpu, uint32_t msr, uint64_t *val);
int sva_cpu_wrmsr(struct sva_cpu *cpu, uint32_t msr, uint64_t val);

/* INVLPG (CPL 0 only, else #GP): drop the TLB entries covering @va. */
int sva_cpu_invlpg(struct sva_cpu *cpu, uint64_t va);

/*
 * Loads, stores and instruction fetches of @n bytes at linear address @va,
 * like one instruction: every page is translated (and may fault) before
 * any byte moves, so a faulting store writes nothing.
 */
int sva_cpu_load(struct sva_cpu *cpu, uint64_t va, void *buf, size_t n);
int sva_cpu_store(struct sva_cpu *cpu, uint64_t va, const void *buf, size_t n);
int sva_cpu_fetch(struct sva_cpu *cpu, uint64_t va, void *buf, size_t n);

/*
 * ENQCMD dst, src (SDM vol. 2A).  *zf gets ZF: false = accepted, true =
 * retry.  #UD without CPUID ENQCMD; #GP for a destination not 64-byte
 * aligned, a non-canonical address, IA32_PASID not valid, or source bits
 * 31:0 not zero; #PF from the source read or the destination translation.
 * The device sees the source with bits 19:0 = IA32_PASID[19:0] and bits
 * 31:20 = 0 (PRIV = user, whatever the CPL).
 */
int sva_cpu_enqcmd(struct sva_cpu *cpu, uint64_t dst, uint64_t src, bool *zf);
/*
 * ENQCMDS dst, src: CPL 0 only (#GP otherwise).  PASID and PRIV come from
 * the source; bits 30:20 are cleared.
 */
int sva_cpu_enqcmds(struct sva_cpu *cpu, uint64_t dst, uint64_t src, bool *zf);
/*
 * MOVDIR64B dst, src: #UD without CPUID MOVDIR64B; #GP for a misaligned
 * or non-canonical destination.  The 64 bytes reach the destination
 * unchanged as one posted write; no status comes back.
 */
int sva_cpu_movdir64b(struct sva_cpu *cpu, uint64_t dst, uint64_t src);

/*
 * UMONITOR va: #UD without CPUID WAITPKG; translates @va like a byte load
 * (#GP non-canonical, #PF) and arms the monitor on its 64-byte line.  A
 * store to that line by any CPU, or a device's write to it, triggers it.
 */
int sva_cpu_umonitor(struct sva_cpu *cpu, uint64_t va);
/*
 * UMWAIT ctrl, deadline: #UD without WAITPKG; #GP when @ctrl has a bit
 * other than 0 set.  With the monitor armed, waits (inside the running
 * task, keeping the CPU) until the monitor triggers, virtual time reaches
 * @deadline (the model's TSC counts nanoseconds), or the OS time limit of
 * IA32_UMWAIT_CONTROL passes - then *cf = true - and pays the wake-up of
 * C0.1 (@ctrl bit 0 set, or C0.2 disabled by the MSR) or C0.2.  Without an
 * armed monitor, or with the deadline passed, it returns at once.  The
 * monitor is disarmed on return.  Waking sva_cpu_umwait_queue() ends
 * the wait early, as an interrupt would (*cf = false).
 */
int sva_cpu_umwait(struct sva_cpu *cpu, uint32_t ctrl, uint64_t deadline, bool *cf);
/* The wait queue a UMWAIT sleeps on, for whoever must interrupt it (a kill). */
struct sva_waitq *sva_cpu_umwait_queue(struct sva_cpu *cpu);
/* Forget the armed monitor (the kernel does when the thread leaves the CPU). */
void sva_cpu_umonitor_disarm(struct sva_cpu *cpu);

/* The last exception an instruction gave back to its caller. */
const struct sva_exception *sva_cpu_last_exception(const struct sva_cpu *cpu);

/* ---- TLB and statistics ------------------------------------------------ */

void sva_cpu_tlb_flush(struct sva_cpu *cpu);
void sva_cpu_stats(const struct sva_cpu *cpu, struct sva_cpu_stats *out);

SVA_API_END
#endif /* SVA_CPU_H */
