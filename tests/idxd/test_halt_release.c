// SPDX-License-Identifier: MIT
/*
 * A device that halts while a file release drains its PASID.  A halted
 * DSA starts nothing more, but what an engine had started still finishes;
 * the drain (Drain PASID on a shared WQ, Disable WQ on a dedicated one)
 * must wait for that work even on a halted device, or the release unbinds
 * and the PASID is freed - and handed to the next mm - while an engine
 * still writes with it (torture seeds 4087 and 9500).  The halt is swept
 * across the release so it lands before, inside and after the drain.
 */
#include "guest_util.h"
#include "hw/dsa/dsa_internal.h"

#define N_DESC	6
#define SZ	(256 * 1024)

struct hr {
	struct sva_system *sys;
	struct sva_kernel *k;
	const char *wq;
	bool dedicated;
	uint32_t pasid;
	sva_time_t halt_after;	/* from the close */
	sva_time_t closed_at;
	bool closing, done;
	unsigned samples, freed_while_running;
};

static void user(void *arg)
{
	struct hr *t = arg;
	struct gu_wq w;
	uint64_t crs = gu_alloc(GU_PAGE, true), desc = gu_alloc(GU_PAGE, true);
	uint64_t src = gu_alloc(SZ, true), dst = gu_alloc((uint64_t)N_DESC * SZ, true);

	GU_CHECK_EQ(gu_open_wq(t->wq, &w), 0);
	t->pasid = gu_pasid(t->k);
	for (unsigned i = 0; i < N_DESC; i++) {
		struct dsa_hw_desc d = gu_desc(DSA_OPCODE_MEMMOVE, src, dst + (uint64_t)i * SZ, SZ, GU_FL,
					       crs + 32ull * i);

		if (t->dedicated) {	/* MOVDIR64B: the WQ holds all of them */
			gu_prepare(desc, &d);
			GU_CHECK_EQ(sva_movdir64b(w.portal, desc), 0);
		} else {
			GU_CHECK(gu_submit(w.portal, desc, &d) >= 0);
		}
	}
	t->closing = true;
	t->closed_at = sva_now(sva_system_sim(t->sys));
	GU_CHECK_EQ(gu_close_wq(&w), 0);	/* release: drain, unbind */
	t->done = true;
	sva_exit(0);
}

/* The fault: a fatal error at a chosen moment after the close began. */
static void admin(void *arg)
{
	struct hr *t = arg;
	struct sva_sim *sim = sva_system_sim(t->sys);

	while (!t->closing)
		sva_sleep(sim, 100);
	sva_sleep(sim, t->halt_after);
	sva_dsa_inject_halt(gu_dsa(t->sys));
}

/* While an engine still holds work of the PASID, the PASID must not be free. */
static void watcher(void *arg)
{
	struct hr *t = arg;
	struct sva_sim *sim = sva_system_sim(t->sys);

	while (!t->closing)
		sva_sleep(sim, 100);
	for (unsigned n = 0; n < 4000; n++) {
		if (dsa_running(gu_dsa(t->sys), -1, true, t->pasid, UINT64_MAX)) {
			t->samples++;
			t->freed_while_running += sva_pasid_state(&t->k->pasids, t->pasid) == SVA_PASID_FREE;
		}
		sva_sleep(sim, 100);
	}
}

static void sweep(const char *wq, bool dedicated)
{
	unsigned samples = 0;

	for (sva_time_t after = 0; after <= 60000; after += 2000) {
		struct hr t = { .wq = wq, .dedicated = dedicated, .halt_after = after };
		int pids[1];

		t.sys = gu_sys(tu_seed(77), NULL);
		t.k = sva_system_kernel(t.sys);
		pids[0] = sva_system_spawn(t.sys, "user", user, &t);
		assert_non_null(sva_task_spawn(sva_system_sim(t.sys), "admin", admin, &t,
					       &(struct sva_task_attr){ .detached = true }));
		assert_non_null(sva_task_spawn(sva_system_sim(t.sys), "watcher", watcher, &t,
					       &(struct sva_task_attr){ .detached = true }));
		gu_run_sim(t.sys, pids, 1);
		if (t.freed_while_running)
			fail_msg("%s, halt %llu ns into the release: PASID %u free while an engine ran its work "
				 "(%u of %u samples)", wq, (unsigned long long)after, t.pasid,
				 t.freed_while_running, t.samples);
		assert_true(t.done);
		samples += t.samples;
		sva_system_destroy(t.sys);
	}
	assert_true(samples > 0);	/* the window was reached */
}

static void test_halt_during_drain_pasid_of_a_shared_wq(void **state)
{
	(void)state;
	sweep("/dev/dsa/wq0.0", false);
}

static void test_halt_during_disable_of_a_dedicated_wq(void **state)
{
	(void)state;
	sweep("/dev/dsa/wq0.1", true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_halt_during_drain_pasid_of_a_shared_wq),
		cmocka_unit_test(test_halt_during_disable_of_a_dedicated_wq),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
