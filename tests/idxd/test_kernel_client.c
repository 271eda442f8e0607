// SPDX-License-Identifier: MIT
/*
 * The in-kernel client of a kernel WQ: ENQCMDS with its own PASID and
 * PRIV set, bounded retries under a busy WQ, and the CPU fallback.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sva/system.h>

#include "os/idxd.h"
#include "os/idxd_dmaengine.h"
#include "os/kernel.h"
#include "system_internal.h"
#include "testutil.h"

struct kc {
	struct sva_kernel *k;
	bool disable_first;
	int r1, r2;
	uint8_t status;
	bool equal;
	uint32_t pasid;
};

static void fill(struct sva_dmaengine *e, uint64_t off, uint8_t seed)
{
	uint8_t *p = sva_dmaengine_buf(e, off, 4096);

	for (int i = 0; i < 4096; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static bool same(struct sva_dmaengine *e, uint64_t a, uint64_t b)
{
	return !memcmp(sva_dmaengine_buf(e, a, 4096), sva_dmaengine_buf(e, b, 4096), 4096);
}

static void client(void *arg)
{
	struct kc *c = arg;
	struct sva_idxd *idxd = c->k->idxds;
	struct sva_dmaengine *e;

	assert_int_equal(sva_dmaengine_create(idxd, 0, 64 * 1024, &e), 0);
	c->pasid = e->pasid;
	fill(e, 0, 1);
	c->r1 = sva_dmaengine_memcpy(e, 8192, 0, 4096, &c->status);
	c->equal = same(e, 0, 8192);
	/* Now the WQ stays busy (disabled): bounded retries, then the CPU does it. */
	assert_int_equal(sva_idxd_cmd(idxd, SVA_DSA_CMD_DISABLE_WQ, 0), 0);
	fill(e, 4096, 9);
	c->r2 = sva_dmaengine_memcpy(e, 16384, 4096, 4096, NULL);
	c->equal = c->equal && same(e, 4096, 16384);
	assert_int_equal(sva_idxd_cmd(idxd, SVA_DSA_CMD_ENABLE_WQ, 0), 0);
	sva_dmaengine_destroy(e);
}

static void test_kernel_client_submits_with_enqcmds_and_falls_back_when_busy(void **state)
{
	char path[512];
	struct sva_system *sys;
	struct kc c = { 0 };
	const struct sva_counter *retries;
	const char *src = getenv("SVA_SOURCE_DIR");

	(void)state;
	snprintf(path, sizeof(path), "%s/examples/configs/kernel_wq.json", src ? src : ".");
	sys = sva_system_create(&(struct sva_system_config){ .seed = 1, .ram_size = 128 << 20,
							    .accel_config = path });
	assert_non_null(sys);
	c.k = sva_system_kernel(sys);
	assert_non_null(sva_task_spawn(sva_system_sim(sys), "kclient", client, &c,
				       &(struct sva_task_attr){ .detached = true }));
	assert_int_equal(sva_sim_run(sva_system_sim(sys)), 0);
	assert_int_equal(c.r1, 0);
	assert_int_equal(c.status, 1);
	assert_int_equal(c.r2, -EBUSY);
	assert_true(c.equal);
	assert_int_not_equal(c.pasid, 0);
	retries = sva_stat_find_counter(sva_system_sim(sys), "dmaengine.enqcmds_retries");
	assert_non_null(retries);
	assert_int_equal(retries->value, SVA_DMAENGINE_RETRIES);
	assert_int_equal(sva_stat_find_counter(sva_system_sim(sys), "dmaengine.cpu_fallbacks")->value, 1);
	sva_system_destroy(sys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_client_submits_with_enqcmds_and_falls_back_when_busy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
