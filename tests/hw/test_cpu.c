// SPDX-License-Identifier: MIT
/* CPU context: IA32_PASID, ENQCMD, ENQCMDS, MOVDIR64B, exceptions, TLB, time. */
#include <errno.h>
#include <string.h>

#include <sva/cpu.h>
#include <sva/machine.h>
#include <sva/paging.h>

#include "testutil.h"

#define RAM		(32ull << 20)
#define SRC_VA		0x0000000000400000ull	/* user page, RW */
#define SRC2_VA		0x0000000000401000ull	/* next page, user RW */
#define HOLE_VA		0x0000000000402000ull	/* never mapped */
#define PORTAL_VA	0x0000000000600000ull	/* user portal, RW */
#define PLAIN_VA	0x0000000000601000ull	/* MMIO without enqcmd */
#define RAMDST_VA	0x0000000000602000ull	/* ordinary RAM */
#define KPORTAL_VA	0xffff800000600000ull	/* kernel portal */
#define BAD_VA		0x0000000000700000ull	/* maps unbacked PA */
#define SRC_PA		0x100000ull
#define SRC2_PA		0x101000ull
#define RAMDST_PA	0x102000ull

struct dev {
	unsigned enq_calls, m64_calls, writes;
	uint64_t last_off;
	uint8_t last[64];
	int status;
};

static int dev_read(void *o, uint64_t off, unsigned size, uint64_t *val)
{
	(void)o; (void)off; (void)size;
	*val = 0;
	return 0;
}

static int dev_write(void *o, uint64_t off, unsigned size, uint64_t val)
{
	struct dev *d = o;

	(void)off; (void)size; (void)val;
	d->writes++;
	return 0;
}

static int dev_enq(void *o, uint64_t off, const uint8_t data[64])
{
	struct dev *d = o;

	d->enq_calls++;
	d->last_off = off;
	memcpy(d->last, data, 64);
	return d->status;
}

static int dev_m64(void *o, uint64_t off, const uint8_t data[64])
{
	struct dev *d = o;

	d->m64_calls++;
	d->last_off = off;
	memcpy(d->last, data, 64);
	return 0;
}

static const struct sva_mmio_ops portal_ops = {
	.read = dev_read, .write = dev_write, .enqcmd = dev_enq, .movdir64b = dev_m64,
};
static const struct sva_mmio_ops plain_ops = { .read = dev_read, .write = dev_write };

struct fx {
	struct sva_machine *m;
	struct sva_phys *phys;
	struct sva_cpu *cpu;
	struct dev dev, plain;
	uint64_t portal_pa, plain_pa, next, root;
	struct sva_pt_alloc alloc;
	struct sva_paging_mode mode;
	/* the exception hook's view */
	unsigned hook_calls;
	struct sva_exception seen;
	uint64_t load_pasid;	/* what the #GP fixup loads; 0 = give back */
};

static int bump(void *opaque, uint64_t *pa)
{
	struct fx *f = opaque;

	*pa = f->next;
	f->next += SVA_FRAME_SIZE;
	return 0;
}

static void map(struct fx *f, uint64_t va, uint64_t pa, uint64_t flags)
{
	assert_int_equal(sva_pt_map(f->phys, &f->mode, f->root, va, pa, SVA_PAGE_4K,
				    flags, &f->alloc), 0);
}

static struct fx *fx_new(struct sva_sim *sim)
{
	static struct fx f;
	struct sva_machine_config c = { .ram_size = RAM };

	memset(&f, 0, sizeof(f));
	f.m = sva_machine_create(sim, &c);
	assert_non_null(f.m);
	f.phys = sva_machine_phys(f.m);
	f.cpu = sva_cpu_create(f.m, &(struct sva_cpu_config){ .name = "t0" });
	assert_non_null(f.cpu);
	assert_int_equal(sva_machine_mmio_alloc(f.m, 4096, 4096, &f.portal_pa), 0);
	assert_int_equal(sva_machine_mmio_alloc(f.m, 4096, 4096, &f.plain_pa), 0);
	assert_int_equal(sva_mmio_register(f.phys, f.portal_pa, 4096, &portal_ops, &f.dev, "portal"), 0);
	assert_int_equal(sva_mmio_register(f.phys, f.plain_pa, 4096, &plain_ops, &f.plain, "plain"), 0);
	f.next = 8ull << 20;
	f.alloc = (struct sva_pt_alloc){ .alloc = bump, .opaque = &f };
	sva_cpu_paging(f.cpu, &f.mode);
	assert_int_equal(sva_pt_create_root(f.phys, &f.alloc, &f.root), 0);
	map(&f, SRC_VA, SRC_PA, SVA_PTE_RW | SVA_PTE_US | SVA_PTE_NX);
	map(&f, SRC2_VA, SRC2_PA, SVA_PTE_RW | SVA_PTE_US);
	map(&f, PORTAL_VA, f.portal_pa, SVA_PTE_RW | SVA_PTE_US | SVA_PTE_PCD);
	map(&f, PLAIN_VA, f.plain_pa, SVA_PTE_RW | SVA_PTE_US | SVA_PTE_PCD);
	map(&f, RAMDST_VA, RAMDST_PA, SVA_PTE_RW | SVA_PTE_US);
	map(&f, KPORTAL_VA, f.portal_pa, SVA_PTE_RW | SVA_PTE_PCD);
	map(&f, BAD_VA, RAM + (1ull << 30), SVA_PTE_RW | SVA_PTE_US);
	sva_cpu_set_cr3(f.cpu, f.root);
	sva_cpu_set_cpl(f.cpu, 3);
	return &f;
}

static void fx_free(struct fx *f)
{
	sva_machine_destroy(f->m);
}

/* A descriptor with a recognisable body and the given first dword. */
static void put_desc(struct fx *f, uint64_t pa, uint32_t dword0, uint8_t desc[64])
{
	for (int i = 0; i < 64; i++)
		desc[i] = (uint8_t)(0x40 + 3 * i);
	desc[0] = (uint8_t)dword0;
	desc[1] = (uint8_t)(dword0 >> 8);
	desc[2] = (uint8_t)(dword0 >> 16);
	desc[3] = (uint8_t)(dword0 >> 24);
	assert_int_equal(sva_phys_write(f->phys, pa, desc, 64), 0);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int set_msr(struct fx *f, uint64_t v)
{
	unsigned cpl = sva_cpu_cpl(f->cpu);
	int r;

	sva_cpu_set_cpl(f->cpu, 0);
	r = sva_cpu_wrmsr(f->cpu, SVA_MSR_IA32_PASID, v);
	sva_cpu_set_cpl(f->cpu, cpl);
	return r;
}

/* The kernel's lazy fixup, in miniature: load the MSR once, re-execute. */
static enum sva_exc_action hook(struct sva_cpu *cpu, const struct sva_exception *exc, void *opaque)
{
	struct fx *f = opaque;

	assert_ptr_equal(cpu, f->cpu);
	/* The handler runs in ring 0 whatever the faulting code ran at. */
	assert_int_equal(sva_cpu_cpl(cpu), 0);
	f->hook_calls++;
	f->seen = *exc;
	if (exc->vector == SVA_VEC_GP && f->load_pasid &&
	    !(sva_cpu_pasid_msr(cpu) & SVA_PASID_VALID)) {
		assert_int_equal(sva_cpu_wrmsr(cpu, SVA_MSR_IA32_PASID, f->load_pasid), 0);
		return SVA_EXC_REEXECUTE;
	}
	return SVA_EXC_GIVE_BACK;
}

static const struct sva_cpu_ops hook_ops = { .exception = hook };

static void test_msr(void **state)
{
	struct fx *f = fx_new(NULL);
	uint64_t v = 1;

	(void)state;
	assert_int_equal(sva_cpu_pasid_msr(f->cpu), 0);
	/* Valid values, then every reserved bit on its own → #GP, no change. */
	assert_int_equal(set_msr(f, SVA_PASID_VALID | 0xfffff), 0);
	assert_int_equal(set_msr(f, SVA_PASID_VALID | 42), 0);
	for (unsigned bit = 20; bit < 64; bit++) {
		if (bit == 31)
			continue;
		assert_int_equal(set_msr(f, SVA_PASID_VALID | 42 | 1ull << bit), SVA_VEC_GP);
		assert_int_equal(sva_cpu_last_exception(f->cpu)->error_code, 0);
		assert_int_equal(sva_cpu_pasid_msr(f->cpu), SVA_PASID_VALID | 42);
	}
	assert_string_equal(sva_cpu_last_exception(f->cpu)->insn, "wrmsr");
	sva_cpu_set_cpl(f->cpu, 0);
	assert_int_equal(sva_cpu_rdmsr(f->cpu, SVA_MSR_IA32_PASID, &v), 0);
	assert_int_equal(v, SVA_PASID_VALID | 42);
	assert_int_equal(sva_cpu_rdmsr(f->cpu, 0x10, &v), SVA_VEC_GP);
	assert_int_equal(sva_cpu_wrmsr(f->cpu, 0x10, 0), SVA_VEC_GP);
	/* User mode may neither read nor write MSRs. */
	sva_cpu_set_cpl(f->cpu, 3);
	assert_int_equal(sva_cpu_rdmsr(f->cpu, SVA_MSR_IA32_PASID, &v), SVA_VEC_GP);
	assert_int_equal(sva_cpu_wrmsr(f->cpu, SVA_MSR_IA32_PASID, 0), SVA_VEC_GP);
	assert_int_equal(sva_cpu_pasid_msr(f->cpu), SVA_PASID_VALID | 42);
	fx_free(f);
}

static void test_enqcmd_replaces_pasid_and_priv(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t desc[64];
	bool zf = true;

	(void)state;
	put_desc(f, SRC_PA, 0, desc);
	assert_int_equal(set_msr(f, SVA_PASID_VALID | 0xabcde), 0);
	f->dev.status = SVA_ENQ_ACCEPTED;
	/* Same result at CPL 3 and CPL 0: PRIV is always user. */
	for (unsigned cpl = 0; cpl <= 3; cpl += 3) {
		sva_cpu_set_cpl(f->cpu, cpl);
		memset(f->dev.last, 0, 64);
		assert_int_equal(sva_cpu_enqcmd(f->cpu, PORTAL_VA + 0x40, SRC_VA, &zf), 0);
		assert_false(zf);
		assert_int_equal(f->dev.last_off, 0x40);
		assert_int_equal(le32(f->dev.last), 0xabcde);
		assert_int_equal(f->dev.last[3] & 0x80, 0);
		assert_memory_equal(f->dev.last + 4, desc + 4, 60);
	}
	assert_int_equal(f->dev.enq_calls, 2);
	/* The source in memory is not modified. */
	assert_memory_equal(sva_phys_ptr(f->phys, SRC_PA, 64), desc, 64);
	/* An unaligned source spanning two pages works. */
	put_desc(f, SRC_PA + 4096 - 20, 0, desc);
	sva_cpu_set_cpl(f->cpu, 3);
	assert_int_equal(sva_cpu_enqcmd(f->cpu, PORTAL_VA, SRC_VA + 4096 - 20, &zf), 0);
	assert_memory_equal(f->dev.last + 4, desc + 4, 60);
	assert_int_equal(le32(f->dev.last), 0xabcde);
	fx_free(f);
}

static void test_enqcmd_faults(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t desc[64];
	bool zf = false;

	(void)state;
	sva_cpu_set_ops(f->cpu, &hook_ops, f);
	put_desc(f, SRC_PA, 0, desc);
	/* MSR invalid → #GP(0), even before the (bad) source is read. */
	assert_int_equal(sva_cpu_enqcmd(f->cpu, PORTAL_VA, HOLE_VA, &zf), SVA_VEC_GP);
	assert_string_equal(sva_cpu_last_exception(f->cpu)->why, "IA32_PASID not valid");
	assert_int_equal(f->hook_calls, 1);
	assert_int_equal(set_msr(f, SVA_PASID_VALID | 7), 0);
	/* Misaligned destination → #GP(0). */
	for (unsigned off = 1; off < 64; off += 7) {
		assert_int_equal(sva_cpu_enqcmd(f->cpu, PORTAL_VA + off, SRC_VA, &zf), SVA_VEC_GP);
		assert_int_equal(sva_cpu_last_exception(f->cpu)->error_code, 0);
	}
	assert_string_equal(sva_cpu_last_exception(f->cpu)->why, "destination not 64-byte aligned");
	/* Non-canonical destination → #GP. */
	assert_int_equal(sva_cpu_enqcmd(f->cpu, 0x0000800000000000ull, SRC_VA, &zf), SVA_VEC_GP);
	/* Unmapped source → #PF, CR2 = the address, user read of a missing page. */
	assert_int_equal(sva_cpu_enqcmd(f->cpu, PORTAL_VA, HOLE_VA + 8, &zf), SVA_VEC_PF);
	assert_int_equal(sva_cpu_last_exception(f->cpu)->cr2, HOLE_VA + 8);
	assert_int_equal(sva_cpu_last_exception(f->cpu)->error_code, SVA_PF_U);
	/* Source straddling into the hole: CR2 is the first byte of the hole. */
	assert_int_equal(sva_cpu_enqcmd(f->cpu, PORTAL_VA, HOLE_VA - 32, &zf), SVA_VEC_PF);
	assert_int_equal(sva_cpu_last_exception(f->cpu)->cr2, HOLE_VA);
	/* Source bits 31:0 not zero → #GP: user code cannot pick a PASID. */
	put_desc(f, SRC_PA, 0x80000005, desc);
	assert_int_equal(sva_cpu_enqcmd(f->cpu, PORTAL_VA, SRC_VA, &zf), SVA_VEC_GP);
	assert_string_equal(sva_cpu_last_exception(f->cpu)->why, "source bits 31:0 not zero");
	/* Supervisor-only destination → #PF with W and U. */
	put_desc(f, SRC_PA, 0, desc);
	assert_int_equal(sva_cpu_enqcmd(f->cpu, KPORTAL_VA, SRC_VA, &zf), SVA_VEC_PF);
	assert_int_equal(sva_cpu_last_exception(f->cpu)->error_code, SVA_PF_P | SVA_PF_W | SVA_PF_U);
	assert_int_equal(sva_cpu_last_exception(f->cpu)->cr2, KPORTAL_VA);
	/* None of that reached the device. */
	assert_int_equal(f->dev.enq_calls, 0);
	assert_int_equal(f->dev.writes, 0);
	fx_free(f);
}

static void test_enqcmd_retry_and_non_enqueue_destinations(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t desc[64], zero[64] = { 0 };
	struct sva_cpu_stats st;
	struct sva_mce mce;
	bool zf = false;

	(void)state;
	put_desc(f, SRC_PA, 0, desc);
	assert_int_equal(set_msr(f, SVA_PASID_VALID | 9), 0);
	f->dev.status = SVA_ENQ_RETRY;
	assert_int_equal(sva_cpu_enqcmd(f->cpu, PORTAL_VA, SRC_VA, &zf), 0);
	assert_true(zf);
	assert_int_equal(f->dev.enq_calls, 1);
	f->dev.status = SVA_ENQ_ACCEPTED;
	assert_int_equal(sva_cpu_enqcmd(f->cpu, PORTAL_VA, SRC_VA, &zf), 0);
	assert_false(zf);
	/* SDM: not an enqueue register (MMIO or memory) → dropped, ZF = 1. */
	zf = false;
	assert_int_equal(sva_cpu_enqcmd(f->cpu, PLAIN_VA, SRC_VA, &zf), 0);
	assert_true(zf);
	assert_int_equal(f->plain.writes, 0);
	zf = false;
	assert_int_equal(sva_cpu_enqcmd(f->cpu, RAMDST_VA, SRC_VA, &zf), 0);
	assert_true(zf);
	assert_memory_equal(sva_phys_ptr(f->phys, RAMDST_PA, 64), zero, 64);
	sva_cpu_stats(f->cpu, &st);
	assert_int_equal(st.enq_accepted, 1);
	assert_int_equal(st.enq_retry, 3);
	/* A portal mapped to nothing: machine check, reported, no crash. */
	assert_int_equal(sva_cpu_enqcmd(f->cpu, BAD_VA, SRC_VA, &zf), -EIO);
	sva_phys_mce(f->phys, &mce);
	assert_int_equal(mce.addr, RAM + (1ull << 30));
	assert_true(mce.write);
	fx_free(f);
}

static void test_gp_fixup_reexecutes(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t desc[64];
	struct sva_cpu_stats st;
	bool zf = true;

	(void)state;
	sva_cpu_set_ops(f->cpu, &hook_ops, f);
	f->load_pasid = SVA_PASID_VALID | 0x1234;
	f->dev.status = SVA_ENQ_ACCEPTED;
	put_desc(f, SRC_PA, 0, desc);
	assert_int_equal(sva_cpu_enqcmd(f->cpu, PORTAL_VA, SRC_VA, &zf), 0);
	assert_false(zf);
	assert_int_equal(f->hook_calls, 1);
	assert_int_equal(f->seen.vector, SVA_VEC_GP);
	assert_string_equal(f->seen.insn, "enqcmd");
	assert_int_equal(le32(f->dev.last), 0x1234);
	assert_int_equal(sva_cpu_cpl(f->cpu), 3);
	sva_cpu_stats(f->cpu, &st);
	assert_int_equal(st.exceptions, 1);
	assert_int_equal(st.reexecutions, 1);
	/* Second ENQCMD: no fault at all. */
	assert_int_equal(sva_cpu_enqcmd(f->cpu, PORTAL_VA, SRC_VA, &zf), 0);
	assert_int_equal(f->hook_calls, 1);
	fx_free(f);
}

static enum sva_exc_action always_again(struct sva_cpu *cpu, const struct sva_exception *exc,
					void *opaque)
{
	(void)cpu; (void)exc; (void)opaque;
	return SVA_EXC_REEXECUTE;
}

static void test_hook_that_never_fixes(void **state)
{
	struct fx *f = fx_new(NULL);
	const struct sva_cpu_ops ops = { .exception = always_again };
	bool zf;

	(void)state;
	sva_cpu_set_ops(f->cpu, &ops, NULL);
	assert_int_equal(sva_cpu_enqcmd(f->cpu, PORTAL_VA, SRC_VA, &zf), -ELOOP);
	fx_free(f);
}

static void test_enqcmds(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t desc[64];
	bool zf = true;

	(void)state;
	/* Bits 30:20 set in the source: cleared, not a fault. */
	put_desc(f, SRC_PA, 0x80000000u | 0x7ff00000u | 0x54321, desc);
	f->dev.status = SVA_ENQ_ACCEPTED;
	assert_int_equal(sva_cpu_enqcmds(f->cpu, PORTAL_VA, SRC_VA, &zf), SVA_VEC_GP);
	assert_string_equal(sva_cpu_last_exception(f->cpu)->why, "CPL is not 0");
	assert_int_equal(f->dev.enq_calls, 0);
	sva_cpu_set_cpl(f->cpu, 0);
	/* No valid IA32_PASID needed: the kernel names the PASID. */
	assert_int_equal(sva_cpu_enqcmds(f->cpu, KPORTAL_VA, SRC_VA, &zf), 0);
	assert_false(zf);
	assert_int_equal(le32(f->dev.last), 0x80000000u | 0x54321);
	assert_memory_equal(f->dev.last + 4, desc + 4, 60);
	put_desc(f, SRC_PA, 0x00000077, desc);
	assert_int_equal(sva_cpu_enqcmds(f->cpu, KPORTAL_VA, SRC_VA, &zf), 0);
	assert_int_equal(le32(f->dev.last), 0x77);
	assert_int_equal(sva_cpu_enqcmds(f->cpu, KPORTAL_VA + 32, SRC_VA, &zf), SVA_VEC_GP);
	f->dev.status = SVA_ENQ_RETRY;
	assert_int_equal(sva_cpu_enqcmds(f->cpu, KPORTAL_VA, SRC_VA, &zf), 0);
	assert_true(zf);
	fx_free(f);
}

static void test_movdir64b(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t desc[64];
	struct sva_cpu_stats st;

	(void)state;
	/* Bytes arrive unchanged: no PASID substitution, no PRIV clearing. */
	put_desc(f, SRC_PA, 0x800abcde, desc);
	assert_int_equal(set_msr(f, SVA_PASID_VALID | 5), 0);
	assert_int_equal(sva_cpu_movdir64b(f->cpu, PORTAL_VA + 128, SRC_VA), 0);
	assert_int_equal(f->dev.m64_calls, 1);
	assert_int_equal(f->dev.enq_calls, 0);
	assert_int_equal(f->dev.writes, 0);
	assert_int_equal(f->dev.last_off, 128);
	assert_memory_equal(f->dev.last, desc, 64);
	/* Works without a valid IA32_PASID, and to RAM like a store. */
	assert_int_equal(set_msr(f, 0), 0);
	assert_int_equal(sva_cpu_movdir64b(f->cpu, RAMDST_VA + 64, SRC_VA), 0);
	assert_memory_equal(sva_phys_ptr(f->phys, RAMDST_PA + 64, 64), desc, 64);
	assert_int_equal(sva_cpu_movdir64b(f->cpu, PORTAL_VA + 8, SRC_VA), SVA_VEC_GP);
	assert_int_equal(sva_cpu_movdir64b(f->cpu, PORTAL_VA, HOLE_VA), SVA_VEC_PF);
	assert_int_equal(sva_cpu_movdir64b(f->cpu, KPORTAL_VA, SRC_VA), SVA_VEC_PF);
	sva_cpu_stats(f->cpu, &st);
	assert_int_equal(st.movdir64b, 2);
	assert_int_equal(f->dev.m64_calls, 1);
	fx_free(f);
}

static void test_cpuid_ud(void **state)
{
	struct fx *f = fx_new(NULL);
	uint32_t ecx;
	bool zf;

	(void)state;
	ecx = sva_cpu_cpuid7_ecx(f->cpu);
	assert_true(ecx & SVA_CPUID7_ECX_ENQCMD);
	assert_true(ecx & SVA_CPUID7_ECX_MOVDIR64B);
	sva_cpu_set_cpuid7_ecx(f->cpu, ecx & ~SVA_CPUID7_ECX_ENQCMD);
	/* #UD is checked first: it wins over the invalid MSR and misalignment. */
	assert_int_equal(sva_cpu_enqcmd(f->cpu, PORTAL_VA + 1, SRC_VA, &zf), SVA_VEC_UD);
	sva_cpu_set_cpl(f->cpu, 0);
	assert_int_equal(sva_cpu_enqcmds(f->cpu, KPORTAL_VA, SRC_VA, &zf), SVA_VEC_UD);
	assert_int_equal(sva_cpu_movdir64b(f->cpu, KPORTAL_VA, SRC_VA), 0);
	sva_cpu_set_cpuid7_ecx(f->cpu, ecx & ~SVA_CPUID7_ECX_MOVDIR64B);
	assert_int_equal(sva_cpu_movdir64b(f->cpu, KPORTAL_VA, SRC_VA), SVA_VEC_UD);
	assert_int_equal(sva_cpu_enqcmds(f->cpu, KPORTAL_VA, SRC_VA, &zf), 0);
	assert_int_equal(f->dev.enq_calls + f->dev.m64_calls, 2);
	fx_free(f);
}

static void test_loads_stores(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t buf[200], back[200];
	struct sva_mce mce;
	uint64_t ent, epa, size;

	(void)state;
	for (int i = 0; i < 200; i++)
		buf[i] = (uint8_t)i;
	/* Across the page boundary. */
	assert_int_equal(sva_cpu_store(f->cpu, SRC2_VA - 100, buf, 200), 0);
	assert_memory_equal(sva_phys_ptr(f->phys, SRC_PA + 4096 - 100, 100), buf, 100);
	assert_memory_equal(sva_phys_ptr(f->phys, SRC2_PA, 100), buf + 100, 100);
	assert_int_equal(sva_cpu_load(f->cpu, SRC2_VA - 100, back, 200), 0);
	assert_memory_equal(back, buf, 200);
	assert_int_equal(sva_pt_lookup(f->phys, &f->mode, f->root, SRC2_VA, &ent, &epa, &size), 0);
	assert_true(ent & SVA_PTE_D);
	/* A store that faults on its second page writes nothing. */
	memset(sva_phys_ptr(f->phys, SRC2_PA + 4000, 96), 0xee, 96);
	assert_int_equal(sva_cpu_store(f->cpu, HOLE_VA - 96, buf, 200), SVA_VEC_PF);
	assert_int_equal(sva_cpu_last_exception(f->cpu)->error_code, SVA_PF_W | SVA_PF_U);
	assert_int_equal(sva_cpu_last_exception(f->cpu)->cr2, HOLE_VA);
	for (int i = 0; i < 96; i++)
		assert_int_equal(((uint8_t *)sva_phys_ptr(f->phys, SRC2_PA + 4000, 96))[i], 0xee);
	/* Fetch from an XD page: #PF with I/D. */
	assert_int_equal(sva_cpu_fetch(f->cpu, SRC_VA, back, 16), SVA_VEC_PF);
	assert_int_equal(sva_cpu_last_exception(f->cpu)->error_code,
			 SVA_PF_P | SVA_PF_U | SVA_PF_ID);
	assert_int_equal(sva_cpu_fetch(f->cpu, SRC2_VA, back, 16), 0);
	/* User access to a kernel page. */
	assert_int_equal(sva_cpu_load(f->cpu, KPORTAL_VA, back, 8), SVA_VEC_PF);
	/* Machine check through a mapping to nothing: an error, not a crash. */
	assert_int_equal(sva_cpu_load(f->cpu, BAD_VA, back, 8), -EIO);
	sva_phys_mce(f->phys, &mce);
	assert_int_equal(mce.addr, RAM + (1ull << 30));
	assert_false(mce.write);
	/* MMIO through paging reaches the device. */
	assert_int_equal(sva_cpu_store(f->cpu, PLAIN_VA + 8, buf, 8), 0);
	assert_int_equal(f->plain.writes, 1);
	fx_free(f);
}

static void test_tlb(void **state)
{
	struct fx *f = fx_new(NULL);
	uint64_t v = 0, epa, ent, size;
	struct sva_cpu_stats st;

	(void)state;
	assert_int_equal(sva_cpu_load(f->cpu, SRC2_VA, &v, 8), 0);
	assert_int_equal(sva_cpu_load(f->cpu, SRC2_VA + 8, &v, 8), 0);
	sva_cpu_stats(f->cpu, &st);
	assert_int_equal(st.walks, 1);
	assert_int_equal(st.tlb_hits, 1);
	/* Unmapped behind the TLB's back: stale, as on hardware... */
	assert_int_equal(sva_pt_lookup(f->phys, &f->mode, f->root, SRC2_VA, &ent, &epa, &size), 0);
	assert_int_equal(sva_phys_write_u64(f->phys, epa, 0), 0);
	assert_int_equal(sva_cpu_load(f->cpu, SRC2_VA, &v, 8), 0);
	/* ...until INVLPG (kernel only). */
	assert_int_equal(sva_cpu_invlpg(f->cpu, SRC2_VA + 100), SVA_VEC_GP);
	sva_cpu_set_cpl(f->cpu, 0);
	assert_int_equal(sva_cpu_invlpg(f->cpu, SRC2_VA + 100), 0);
	sva_cpu_set_cpl(f->cpu, 3);
	assert_int_equal(sva_cpu_load(f->cpu, SRC2_VA, &v, 8), SVA_VEC_PF);
	/* A CR3 load flushes too.  (D already set, so a write can hit.) */
	assert_int_equal(sva_phys_write_u64(f->phys, epa, ent | SVA_PTE_D), 0);
	assert_int_equal(sva_cpu_load(f->cpu, SRC2_VA, &v, 8), 0);
	assert_int_equal(sva_phys_write_u64(f->phys, epa, (ent | SVA_PTE_D) & ~SVA_PTE_RW), 0);
	assert_int_equal(sva_cpu_store(f->cpu, SRC2_VA, &v, 8), 0);	/* stale RW */
	sva_cpu_set_cr3(f->cpu, f->root);
	assert_int_equal(sva_cpu_store(f->cpu, SRC2_VA, &v, 8), SVA_VEC_PF);
	assert_int_equal(sva_cpu_last_exception(f->cpu)->error_code, SVA_PF_P | SVA_PF_W | SVA_PF_U);
	/* A write through a clean cached entry walks again to set D. */
	assert_int_equal(sva_phys_write_u64(f->phys, epa, (ent | SVA_PTE_RW) & ~SVA_PTE_D), 0);
	sva_cpu_tlb_flush(f->cpu);
	assert_int_equal(sva_cpu_load(f->cpu, SRC2_VA, &v, 8), 0);
	assert_int_equal(sva_cpu_store(f->cpu, SRC2_VA, &v, 8), 0);
	assert_int_equal(sva_phys_read_u64(f->phys, epa, &ent), 0);
	assert_true(ent & SVA_PTE_D);
	fx_free(f);
}

/* ---- virtual time -------------------------------------------------------- */

struct timed {
	struct fx *f;
	struct sva_sim *sim;
	sva_time_t before, after;
	int r;
	bool zf;
};

static void enq_task(void *arg)
{
	struct timed *t = arg;

	t->before = sva_now(t->sim);
	t->r = sva_cpu_enqcmd(t->f->cpu, PORTAL_VA, SRC_VA, &t->zf);
	t->after = sva_now(t->sim);
}

static void test_time_is_charged(void **state)
{
	struct sva_sim_config sc = { .seed = 1 };
	struct sva_sim *sim = sva_sim_create(&sc);
	struct timed t = { 0 };
	struct sva_cpu_stats st0, st1;
	const struct sva_timing *tm;
	uint8_t desc[64];

	(void)state;
	assert_non_null(sim);
	t.f = fx_new(sim);
	t.sim = sim;
	tm = sva_machine_timing(t.f->m);
	put_desc(t.f, SRC_PA, 0, desc);
	assert_int_equal(set_msr(t.f, SVA_PASID_VALID | 3), 0);
	/* Outside a task: accounted, but the clock does not move. */
	sva_cpu_stats(t.f->cpu, &st0);
	assert_true(st0.charged >= tm->msr_write);
	assert_int_equal(sva_now(sim), 0);
	/* Warm the TLB, then time one ENQCMD inside a task. */
	assert_int_equal(sva_cpu_enqcmd(t.f->cpu, PORTAL_VA, SRC_VA, &t.zf), 0);
	assert_int_equal(sva_now(sim), 0);
	sva_cpu_stats(t.f->cpu, &st0);
	assert_non_null(sva_task_spawn(sim, "enq", enq_task, &t, NULL));
	assert_int_equal(sva_sim_run(sim), 0);
	assert_int_equal(t.r, 0);
	sva_cpu_stats(t.f->cpu, &st1);
	/* Two TLB hits (source, destination) and a cache hit on the source. */
	assert_int_equal(t.after - t.before, tm->enqcmd_rtt + 2 * tm->tlb_hit + tm->mem_access);
	assert_int_equal(st1.charged - st0.charged, t.after - t.before);
	fx_free(t.f);
	sva_sim_destroy(sim);
}

static void test_destroy_cpu_early(void **state)
{
	struct sva_machine *m = sva_machine_create(NULL, &(struct sva_machine_config){ .ram_size = RAM });
	struct sva_cpu *a, *b, *c;

	(void)state;
	a = sva_cpu_create(m, NULL);
	b = sva_cpu_create(m, NULL);
	c = sva_cpu_create(m, NULL);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_null(sva_cpu_create(m, &(struct sva_cpu_config){ .tlb_entries = 3 }));
	sva_cpu_destroy(b);
	assert_ptr_equal(sva_cpu_machine(a), m);
	sva_machine_destroy(m);	/* frees a and c */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msr),
		cmocka_unit_test(test_enqcmd_replaces_pasid_and_priv),
		cmocka_unit_test(test_enqcmd_faults),
		cmocka_unit_test(test_enqcmd_retry_and_non_enqueue_destinations),
		cmocka_unit_test(test_gp_fixup_reexecutes),
		cmocka_unit_test(test_hook_that_never_fixes),
		cmocka_unit_test(test_enqcmds),
		cmocka_unit_test(test_movdir64b),
		cmocka_unit_test(test_cpuid_ud),
		cmocka_unit_test(test_loads_stores),
		cmocka_unit_test(test_tlb),
		cmocka_unit_test(test_time_is_charged),
		cmocka_unit_test(test_destroy_cpu_early),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
