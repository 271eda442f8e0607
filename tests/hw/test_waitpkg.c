// SPDX-License-Identifier: MIT
/* UMONITOR / UMWAIT: what wakes the wait, when, with which carry flag; faults. */
#include <errno.h>
#include <string.h>

#include <sva/cpu.h>
#include <sva/machine.h>
#include <sva/paging.h>
#include <sva/timing.h>

#include "testutil.h"

#define RAM	(32ull << 20)
#define VA	0x0000000000400000ull	/* user page, RW */
#define PA	0x100000ull
#define HOLE_VA	0x0000000000402000ull	/* never mapped */
#define FAR	(1ull << 40)		/* a deadline that never comes */

struct fx {
	struct sva_sim *sim;
	struct sva_machine *m;
	struct sva_phys *phys;
	struct sva_cpu *waiter, *writer;
	uint64_t next, root;
	/* the waiter's view */
	uint64_t arm_va;
	uint32_t ctrl;
	uint64_t deadline;
	int r;
	bool cf;
	sva_time_t t_start, t_woke;
	/* the writer's plan: store at @store_at to @store_va (0 = no store) */
	sva_time_t store_at, t_stored;
	uint64_t store_va;
	bool by_device;		/* report a device write at @store_at instead */
};

static int bump(void *opaque, uint64_t *pa)
{
	struct fx *f = opaque;

	*pa = f->next;
	f->next += SVA_FRAME_SIZE;
	return 0;
}

static struct fx *fx_new(void)
{
	static struct fx f;
	struct sva_pt_alloc alloc = { .alloc = bump, .opaque = &f };
	struct sva_paging_mode mode;

	memset(&f, 0, sizeof(f));
	f.sim = sva_sim_create(&(struct sva_sim_config){ .seed = tu_seed(5) });
	assert_non_null(f.sim);
	f.m = sva_machine_create(f.sim, &(struct sva_machine_config){ .ram_size = RAM });
	assert_non_null(f.m);
	f.phys = sva_machine_phys(f.m);
	f.waiter = sva_cpu_create(f.m, &(struct sva_cpu_config){ .name = "waiter" });
	f.writer = sva_cpu_create(f.m, &(struct sva_cpu_config){ .name = "writer" });
	assert_non_null(f.waiter);
	assert_non_null(f.writer);
	f.next = 8ull << 20;
	sva_cpu_paging(f.waiter, &mode);
	assert_int_equal(sva_pt_create_root(f.phys, &alloc, &f.root), 0);
	assert_int_equal(sva_pt_map(f.phys, &mode, f.root, VA, PA, SVA_PAGE_4K, SVA_PTE_RW | SVA_PTE_US, &alloc), 0);
	for (int i = 0; i < 2; i++) {
		struct sva_cpu *c = i ? f.writer : f.waiter;

		sva_cpu_set_cr3(c, f.root);
		sva_cpu_set_cpl(c, 3);
	}
	f.arm_va = VA + 8;
	f.deadline = FAR;
	return &f;
}

static void fx_free(struct fx *f)
{
	sva_machine_destroy(f->m);
	sva_sim_destroy(f->sim);
}

static void waiter_task(void *arg)
{
	struct fx *f = arg;

	assert_int_equal(sva_cpu_umonitor(f->waiter, f->arm_va), 0);
	f->t_start = sva_now(f->sim);
	f->r = sva_cpu_umwait(f->waiter, f->ctrl, f->deadline, &f->cf);
	f->t_woke = sva_now(f->sim);
}

static void writer_task(void *arg)
{
	struct fx *f = arg;
	uint64_t v = 42;

	sva_sleep_until(f->sim, f->store_at);
	if (f->by_device)
		sva_machine_note_store(f->m, PA + (f->store_va - VA), 32);
	else
		assert_int_equal(sva_cpu_store(f->writer, f->store_va, &v, sizeof(v)), 0);
	f->t_stored = sva_now(f->sim);
}

static void run(struct fx *f)
{
	assert_non_null(sva_task_spawn(f->sim, "waiter", waiter_task, f, NULL));
	if (f->store_va)
		assert_non_null(sva_task_spawn(f->sim, "writer", writer_task, f, NULL));
	assert_int_equal(sva_sim_run(f->sim), 0);
}

static void set_control(struct fx *f, uint64_t v)
{
	sva_cpu_set_cpl(f->waiter, 0);
	assert_int_equal(sva_cpu_wrmsr(f->waiter, SVA_MSR_IA32_UMWAIT_CONTROL, v), 0);
	sva_cpu_set_cpl(f->waiter, 3);
}

/* Another CPU's store to the monitored line ends the wait (C0.2 by default). */
static void test_store_to_the_line_wakes(void **state)
{
	struct fx *f = fx_new();
	const struct sva_timing *t = sva_machine_timing(f->m);
	struct sva_cpu_stats st;

	(void)state;
	f->store_at = 5000;
	f->store_va = VA + 40;		/* same 64-byte line as VA + 8 */
	run(f);
	assert_int_equal(f->r, 0);
	assert_false(f->cf);
	/* The store takes effect when it executes; its own cost is charged after. */
	assert_true(f->t_stored > 5000);
	assert_int_equal(f->t_woke, 5000 + t->umwait_c02_exit);
	sva_cpu_stats(f->waiter, &st);
	assert_int_equal(st.umwait, 1);
	assert_int_equal(st.umwait_store, 1);
	fx_free(f);
}

/* A device's write is reported like a store: C0.1 requested, C0.1's exit paid. */
static void test_device_write_wakes(void **state)
{
	struct fx *f = fx_new();
	const struct sva_timing *t = sva_machine_timing(f->m);

	(void)state;
	f->store_at = 7000;
	f->store_va = VA;
	f->by_device = true;
	f->ctrl = 1;
	run(f);
	assert_int_equal(f->r, 0);
	assert_false(f->cf);
	assert_int_equal(f->t_woke, 7000 + t->umwait_c01_exit);
	fx_free(f);
}

/* The next line is not the monitored one: the deadline ends the wait, CF clear. */
static void test_other_line_does_not_wake(void **state)
{
	struct fx *f = fx_new();
	const struct sva_timing *t = sva_machine_timing(f->m);
	struct sva_cpu_stats st;

	(void)state;
	f->store_at = 1000;
	f->store_va = VA + 64;
	f->deadline = 20000;
	run(f);
	assert_int_equal(f->r, 0);
	assert_false(f->cf);
	assert_int_equal(f->t_woke, 20000 + t->umwait_c02_exit);
	sva_cpu_stats(f->waiter, &st);
	assert_int_equal(st.umwait_deadline, 1);
	fx_free(f);
}

/* The OS's limit comes first: CF set; C0.2 disabled by the MSR means C0.1's exit. */
static void test_os_limit_sets_cf(void **state)
{
	struct fx *f = fx_new();
	const struct sva_timing *t = sva_machine_timing(f->m);
	uint64_t v = 0;

	(void)state;
	set_control(f, 3000 | SVA_UMWAIT_CONTROL_C02_DISABLE);
	sva_cpu_set_cpl(f->waiter, 0);
	assert_int_equal(sva_cpu_rdmsr(f->waiter, SVA_MSR_IA32_UMWAIT_CONTROL, &v), 0);
	sva_cpu_set_cpl(f->waiter, 3);
	assert_int_equal(v, 3000 | SVA_UMWAIT_CONTROL_C02_DISABLE);
	run(f);
	assert_int_equal(f->r, 0);
	assert_true(f->cf);
	assert_int_equal(f->t_woke - f->t_start, 3000 + t->umwait_c01_exit);
	fx_free(f);
}

static void test_returns_at_once_without_a_monitor_or_time(void **state)
{
	struct fx *f = fx_new();
	bool cf = true;

	(void)state;
	/* Outside a task as well: nothing armed, nothing to wait for. */
	assert_int_equal(sva_cpu_umwait(f->waiter, 0, FAR, &cf), 0);
	assert_false(cf);
	/* Armed, but the deadline has passed. */
	f->deadline = 0;
	run(f);
	assert_int_equal(f->r, 0);
	assert_false(f->cf);
	assert_true(f->t_woke - f->t_start < 100);
	fx_free(f);
}

/* A store between UMONITOR and UMWAIT: the wait returns at once, counted as woken by it. */
static void early_task(void *arg)
{
	struct fx *f = arg;
	uint64_t v = 1;

	assert_int_equal(sva_cpu_umonitor(f->waiter, VA), 0);
	assert_int_equal(sva_cpu_store(f->waiter, VA + 56, &v, sizeof(v)), 0);
	f->t_start = sva_now(f->sim);
	f->r = sva_cpu_umwait(f->waiter, 0, FAR, &f->cf);
	f->t_woke = sva_now(f->sim);
}

static void test_store_before_umwait(void **state)
{
	struct fx *f = fx_new();
	struct sva_cpu_stats st;

	(void)state;
	assert_non_null(sva_task_spawn(f->sim, "early", early_task, f, NULL));
	assert_int_equal(sva_sim_run(f->sim), 0);
	assert_int_equal(f->r, 0);
	assert_false(f->cf);
	assert_true(f->t_woke - f->t_start <= sva_machine_timing(f->m)->mem_access);
	sva_cpu_stats(f->waiter, &st);
	assert_int_equal(st.umwait_store, 1);
	fx_free(f);
}

static void test_faults(void **state)
{
	struct fx *f = fx_new();
	bool cf;

	(void)state;
	assert_int_equal(sva_cpu_umwait(f->waiter, 2, FAR, &cf), SVA_VEC_GP);
	assert_int_equal(sva_cpu_umonitor(f->waiter, HOLE_VA), SVA_VEC_PF);
	assert_int_equal(sva_cpu_last_exception(f->waiter)->cr2, HOLE_VA);
	assert_int_equal(sva_cpu_umonitor(f->waiter, 0x0000800000000000ull), SVA_VEC_GP);
	sva_cpu_set_cpl(f->waiter, 0);
	assert_int_equal(sva_cpu_wrmsr(f->waiter, SVA_MSR_IA32_UMWAIT_CONTROL, 2), SVA_VEC_GP);
	assert_int_equal(sva_cpu_wrmsr(f->waiter, SVA_MSR_IA32_UMWAIT_CONTROL, 1ull << 32), SVA_VEC_GP);
	sva_cpu_set_cpl(f->waiter, 3);
	assert_int_equal(sva_cpu_wrmsr(f->waiter, SVA_MSR_IA32_UMWAIT_CONTROL, 0), SVA_VEC_GP);
	sva_cpu_set_cpuid7_ecx(f->waiter, sva_cpu_cpuid7_ecx(f->waiter) & ~SVA_CPUID7_ECX_WAITPKG);
	assert_int_equal(sva_cpu_umonitor(f->waiter, VA), SVA_VEC_UD);
	assert_int_equal(sva_cpu_umwait(f->waiter, 0, FAR, &cf), SVA_VEC_UD);
	fx_free(f);
}

/* Waking the UMWAIT queue from outside (a kill's interrupt) ends the wait early, CF clear. */
static void interrupter(void *arg)
{
	struct fx *f = arg;

	sva_sleep_until(f->sim, 2500);
	sva_wake_all(f->sim, sva_cpu_umwait_queue(f->waiter));
}

static void test_interrupt_ends_the_wait(void **state)
{
	struct fx *f = fx_new();
	const struct sva_timing *t = sva_machine_timing(f->m);

	(void)state;
	assert_non_null(sva_task_spawn(f->sim, "irq", interrupter, f, NULL));
	run(f);
	assert_int_equal(f->r, 0);
	assert_false(f->cf);
	assert_int_equal(f->t_woke, 2500 + t->umwait_c02_exit);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_to_the_line_wakes),
		cmocka_unit_test(test_device_write_wakes),
		cmocka_unit_test(test_other_line_does_not_wake),
		cmocka_unit_test(test_os_limit_sets_cf),
		cmocka_unit_test(test_returns_at_once_without_a_monitor_or_time),
		cmocka_unit_test(test_store_before_umwait),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_interrupt_ends_the_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
