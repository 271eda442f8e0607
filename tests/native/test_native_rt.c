// SPDX-License-Identifier: MIT
/*
 * Native mode's runtime, in-process: the shadow process opens and maps
 * the WQs, submits what a program stored, and the device model executes
 * it on this process's own memory (host pointers in the descriptors).
 * Both modes; the errors a program can provoke.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/idxd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "native/native.h"
#include "os/idxd_config.h"
#include "testutil.h"

#define SHARED_WQ	0	/* the default configuration: wq0.0 shared, wq0.1 dedicated */
#define DEDICATED_WQ	1

struct fixture {
	struct sva_native *n;
	void *portal[2];
	int h[2];
};

static char *default_json(void)
{
	struct idxd_config *c = idxd_config_default();
	char *j;

	assert_non_null(c);
	j = idxd_config_to_json(c);
	idxd_config_free(c);
	assert_non_null(j);
	return j;
}

static void fixture_up(struct fixture *f, enum sva_native_mode mode)
{
	char *json = default_json(), err[256] = "";
	struct sva_native_config cfg = { .accel_config = json, .mode = mode, .seed = 7,
					 .program = "test", .pid = 1 };

	f->n = sva_native_create(&cfg, err, sizeof(err));
	free(json);
	if (!f->n)
		fail_msg("sva_native_create: %s", err);
	for (unsigned wq = 0; wq < 2; wq++) {
		f->h[wq] = sva_native_wq_open(f->n, "dsa0", wq, O_RDWR);
		assert_true(f->h[wq] >= 0);
		f->portal[wq] = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		assert_true(f->portal[wq] != MAP_FAILED);
		assert_int_equal(sva_native_wq_mmap(f->n, f->h[wq], (uint64_t)(uintptr_t)f->portal[wq],
						    4096, PROT_WRITE, MAP_SHARED | MAP_POPULATE, 0), 0);
		assert_true(sva_native_is_portal(f->n, (uint64_t)(uintptr_t)f->portal[wq] + 100));
	}
}

static void fixture_down(struct fixture *f)
{
	for (unsigned wq = 0; wq < 2; wq++) {
		assert_int_equal(sva_native_munmap(f->n, (uint64_t)(uintptr_t)f->portal[wq], 4096), 0);
		assert_false(sva_native_is_portal(f->n, (uint64_t)(uintptr_t)f->portal[wq]));
		munmap(f->portal[wq], 4096);
		assert_int_equal(sva_native_wq_close(f->n, f->h[wq]), 0);
	}
	sva_native_destroy(f->n);
}

static void memmove_desc(struct dsa_hw_desc *d, void *dst, const void *src, uint32_t n,
			 struct dsa_completion_record *cr)
{
	memset(d, 0, sizeof(*d));
	d->opcode = DSA_OPCODE_MEMMOVE;
	d->flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR | IDXD_OP_FLAG_CC;
	d->src_addr = (uint64_t)(uintptr_t)src;
	d->dst_addr = (uint64_t)(uintptr_t)dst;
	d->xfer_size = n;
	d->completion_addr = (uint64_t)(uintptr_t)cr;
}

static uint8_t wait_status(volatile struct dsa_completion_record *cr)
{
	struct timespec ts = { 0, 100000 };

	for (int i = 0; i < 50000 && !cr->status; i++)
		nanosleep(&ts, NULL);
	return cr->status;
}

static void run_memmove(enum sva_native_mode mode)
{
	struct fixture f;
	struct dsa_completion_record *cr = aligned_alloc(32, 64);
	size_t n = 64 * 1024;
	uint8_t *src = malloc(n), *dst = calloc(1, n);

	assert_non_null(cr);
	for (size_t i = 0; i < n; i++)
		src[i] = (uint8_t)(i * 7 + 3);
	fixture_up(&f, mode);
	for (unsigned wq = 0; wq < 2; wq++) {
		struct dsa_hw_desc d;

		memset(cr, 0, 64);
		memset(dst, 0, n);
		memmove_desc(&d, dst, src, (uint32_t)n, cr);
		assert_int_equal(sva_native_submit(f.n, (uint64_t)(uintptr_t)f.portal[wq], &d,
						   wq == SHARED_WQ ? SVA_NATIVE_ENQCMD : SVA_NATIVE_MOVDIR64B), 0);
		if (mode == SVA_NATIVE_INLINE)
			assert_int_equal(cr->status, DSA_COMP_SUCCESS);	/* before the instruction retired */
		assert_int_equal(wait_status(cr), DSA_COMP_SUCCESS);
		assert_memory_equal(dst, src, n);
	}
	fixture_down(&f);
	free(cr);
	free(src);
	free(dst);
}

static void test_memmove_inline(void **state)
{
	(void)state;
	run_memmove(SVA_NATIVE_INLINE);
}

static void test_memmove_async(void **state)
{
	(void)state;
	run_memmove(SVA_NATIVE_ASYNC);
}

/* What a program can get wrong: not a portal, ENQCMDS from user mode, a bad opcode. */
static void test_errors(void **state)
{
	struct fixture f;
	struct dsa_completion_record *cr = aligned_alloc(32, 64);
	struct dsa_hw_desc d;
	uint8_t buf[64];

	(void)state;
	fixture_up(&f, SVA_NATIVE_INLINE);
	memmove_desc(&d, buf, buf + 32, 16, cr);
	assert_int_equal(sva_native_submit(f.n, (uint64_t)(uintptr_t)buf, &d, SVA_NATIVE_ENQCMD), -EFAULT);
	assert_int_equal(sva_native_submit(f.n, (uint64_t)(uintptr_t)f.portal[SHARED_WQ], &d,
					   SVA_NATIVE_ENQCMDS), -EPERM);
	memset(cr, 0, 64);
	d.opcode = 0x1f;	/* not a DSA 1.0 operation */
	assert_int_equal(sva_native_submit(f.n, (uint64_t)(uintptr_t)f.portal[SHARED_WQ], &d,
					   SVA_NATIVE_ENQCMD), 0);
	assert_int_equal(cr->status, DSA_COMP_BAD_OPCODE);
	/* A WQ that is not there: the open fails as the real open() would. */
	assert_true(sva_native_wq_open(f.n, "dsa0", 7, O_RDWR) < 0);
	assert_true(sva_native_wq_open(f.n, "dsa9", 0, O_RDWR) < 0);
	fixture_down(&f);
	free(cr);
}

/* A batch: the descriptor list and every record are in this process's memory. */
static void test_batch(void **state)
{
	enum { N = 8 };
	struct fixture f;
	struct dsa_hw_desc *list = aligned_alloc(64, N * sizeof(*list)), b;
	struct dsa_completion_record *crs = aligned_alloc(32, (N + 1) * 32);
	uint8_t src[N][256], dst[N][256];

	(void)state;
	memset(crs, 0, (N + 1) * 32);
	memset(dst, 0, sizeof(dst));
	for (int i = 0; i < N; i++) {
		memset(src[i], i + 1, sizeof(src[i]));
		memmove_desc(&list[i], dst[i], src[i], sizeof(src[i]), &crs[i + 1]);
	}
	memset(&b, 0, sizeof(b));
	b.opcode = DSA_OPCODE_BATCH;
	b.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
	b.desc_list_addr = (uint64_t)(uintptr_t)list;
	b.desc_count = N;
	b.completion_addr = (uint64_t)(uintptr_t)&crs[0];
	fixture_up(&f, SVA_NATIVE_INLINE);
	assert_int_equal(sva_native_submit(f.n, (uint64_t)(uintptr_t)f.portal[SHARED_WQ], &b,
					   SVA_NATIVE_ENQCMD), 0);
	assert_int_equal(crs[0].status, DSA_COMP_SUCCESS);
	for (int i = 0; i < N; i++) {
		assert_int_equal(crs[i + 1].status, DSA_COMP_SUCCESS);
		assert_memory_equal(dst[i], src[i], sizeof(src[i]));
	}
	fixture_down(&f);
	free(list);
	free(crs);
}

/* The report counts what happened, and the same seed gives the same modelled time. */
static void test_report(void **state)
{
	struct fixture f;
	struct dsa_completion_record *cr = aligned_alloc(32, 64);
	uint8_t src[4096], dst[4096];
	struct dsa_hw_desc d;
	char *text[2];
	size_t len[2];

	(void)state;
	memset(src, 5, sizeof(src));
	for (int run = 0; run < 2; run++) {
		FILE *mem = open_memstream(&text[run], &len[run]);

		fixture_up(&f, SVA_NATIVE_INLINE);
		for (int i = 0; i < 3; i++) {
			memset(cr, 0, 64);
			memmove_desc(&d, dst, src, sizeof(src), cr);
			assert_int_equal(sva_native_submit(f.n, (uint64_t)(uintptr_t)f.portal[SHARED_WQ], &d,
							   SVA_NATIVE_ENQCMD), 0);
		}
		for (unsigned wq = 0; wq < 2; wq++) {
			sva_native_munmap(f.n, (uint64_t)(uintptr_t)f.portal[wq], 4096);
			munmap(f.portal[wq], 4096);
			sva_native_wq_close(f.n, f.h[wq]);
		}
		sva_native_finish(f.n);
		assert_int_equal(sva_native_report_json(f.n, mem), 0);
		sva_native_destroy(f.n);
		fclose(mem);
	}
	assert_non_null(strstr(text[0], "\"accepted\":3"));
	assert_non_null(strstr(text[0], "\"memmove\":{\n          \"executed\":3"));
	/* pid and program are the same in both runs, so the whole report must match */
	assert_string_equal(text[0], text[1]);
	free(text[0]);
	free(text[1]);
	free(cr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memmove_inline),
		cmocka_unit_test(test_memmove_async),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
