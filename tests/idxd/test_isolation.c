// SPDX-License-Identifier: MIT
/*
 * Isolation, as a property (issue 9 item 3): an attacker process submits
 * 100,000 descriptors per seed whose 64 bytes are random - completion
 * addresses in its own buffer half the time and in the victim's address
 * range the other half, random PASID and PRIV bits, crafted batch lists,
 * by ENQCMD, write() and MOVDIR64B - and tries the WQs it did not open.
 * The victim's memory never changes, nothing crashes, nothing hangs, and
 * the device still serves the victim afterwards.
 */
#include "guest_util.h"

/* Fast enough under ASan too (about a second), so never fewer. */
#define ISO_DESCS 100000u

#define V_LEN	(256u * 1024)
#define A_LEN	(1024u * 1024)

struct iso {
	struct sva_kernel *k;
	uint64_t seed;
	/* published by the victim */
	volatile int victim_ready, attacker_done;
	uint64_t v_base, v_hash;
	uint32_t v_pasid;
	/* results */
	int open_busy, open_none, mmap_badf;
	uint64_t v_hash_after;
	int victim_ok;
	unsigned enq_ok, enq_retry, enq_gp, writes, movdirs, batches;
	uint32_t a_pasid;
};

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

static const uint8_t valid_ops[] = {
	DSA_OPCODE_NOOP, DSA_OPCODE_BATCH, DSA_OPCODE_DRAIN, DSA_OPCODE_MEMMOVE, DSA_OPCODE_MEMFILL,
	DSA_OPCODE_COMPARE, DSA_OPCODE_COMPVAL, DSA_OPCODE_CR_DELTA, DSA_OPCODE_AP_DELTA,
	DSA_OPCODE_DUALCAST, DSA_OPCODE_CRCGEN, DSA_OPCODE_COPY_CRC, DSA_OPCODE_DIF_CHECK,
	DSA_OPCODE_DIF_INS, DSA_OPCODE_DIF_STRP, DSA_OPCODE_DIF_UPDT, DSA_OPCODE_CFLUSH,
};

/* An address the attacker might aim at. */
static uint64_t target(struct iso *t, uint64_t *s, uint64_t own, uint64_t portal)
{
	switch (rnd(s) % 8) {
	case 0: case 1: case 2:
		return own + rnd(s) % A_LEN;
	case 3: case 4: case 5:
		return t->v_base + rnd(s) % V_LEN;
	case 6:
		return portal + rnd(s) % 4096;	/* MMIO: write-only, not RAM */
	default:
		return rnd(s);
	}
}

/* 64 random bytes, then some fields bent towards what gets past the checks. */
static void craft(struct iso *t, uint64_t *s, uint64_t own, uint64_t portal, struct dsa_hw_desc *d)
{
	uint64_t raw[8];

	for (int i = 0; i < 8; i++)
		raw[i] = rnd(s);
	memcpy(d, raw, sizeof(*d));
	/* PASIDs near the ones in use, so a PASID that got through would hit the victim */
	if (rnd(s) % 4)
		d->pasid = (uint32_t)(rnd(s) % 5);
	if (rnd(s) % 4)
		d->opcode = valid_ops[rnd(s) % sizeof(valid_ops)];
	if (rnd(s) % 2)
		d->flags = (d->flags & (IDXD_OP_FLAG_FENCE | IDXD_OP_FLAG_BOF | IDXD_OP_FLAG_RCI |
					IDXD_OP_FLAG_CR | IDXD_OP_FLAG_CC | 0x300000)) | GU_FL;
	/* completion record: own buffer half the time, the victim's range the other half */
	d->completion_addr = (rnd(s) % 2 ? own + rnd(s) % A_LEN : t->v_base + rnd(s) % V_LEN) & ~31ull;
	if (rnd(s) % 4) {
		d->src_addr = target(t, s, own, portal);
		d->dst_addr = target(t, s, own, portal);
		d->xfer_size = (uint32_t)(rnd(s) % 4 ? rnd(s) % 65536 : rnd(s) % (1u << 22));
	}
	if (rnd(s) % 3 == 0) {
		/* the op-specific address fields (delta record, dest2, seed address...) */
		uint64_t a = target(t, s, own, portal);

		memcpy(d->op_specific, &a, 8);
	}
}

static void attacker(void *arg)
{
	struct iso *t = arg;
	uint64_t s = t->seed * 0x9e3779b97f4a7c15ull | 1;
	struct gu_wq sw;
	uint64_t own, list, desc;
	unsigned sigs = 0;

	while (!t->victim_ready)
		sva_nanosleep(1000);
	/* No portal without an open, and the victim's dedicated WQ is taken. */
	t->mmap_badf = (int)sva_mmap(0, 4096, SVA_PROT_WRITE, SVA_MAP_SHARED, 7, 0);
	t->open_busy = sva_open("/dev/dsa/wq0.1", SVA_O_RDWR);
	t->open_none = sva_open("/dev/dsa/wq0.5", SVA_O_RDWR);
	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	GU_CHECK_EQ(sva_signal(SIGSEGV, gu_sig_fail, &sigs), 0);
	/* Our buffer: the first half present, the rest to be faulted in, then a hole. */
	own = gu_alloc(A_LEN + 64 * 1024, false);
	for (uint64_t p = 0; p < A_LEN / 2; p += 4096)
		sva_store64(own + p, 0);
	GU_CHECK_EQ(sva_munmap(own + A_LEN - 64 * 1024, 128 * 1024), 0);
	desc = own;
	list = own + 4096;
	for (unsigned n = 0; n < ISO_DESCS; n++) {
		struct dsa_hw_desc d;
		unsigned how = (unsigned)(rnd(&s) % 16);
		int r;

		craft(t, &s, own, sw.portal, &d);
		if (rnd(&s) % 20 == 0) {
			/* a batch with a crafted list, in our memory or aimed at the victim's */
			unsigned cnt = 2 + (unsigned)(rnd(&s) % 7);

			for (unsigned i = 0; i < cnt; i++) {
				struct dsa_hw_desc sub;

				craft(t, &s, own, sw.portal, &sub);
				sva_store(list + 64 * i, &sub, sizeof(sub));
			}
			d.opcode = DSA_OPCODE_BATCH;
			d.desc_list_addr = rnd(&s) % 4 ? list : t->v_base + (rnd(&s) % V_LEN & ~63ull);
			d.desc_count = rnd(&s) % 8 ? cnt : (uint32_t)rnd(&s);
			t->batches++;
		}
		if (how < 11) {
			/* ENQCMD: most with bits 31:0 clear, the rest #GP */
			if (rnd(&s) % 5)
				memset(&d, 0, 4);
			else
				t->enq_gp++;
			sva_store(desc, &d, sizeof(d));
			for (int tries = 0;; tries++) {
				r = sva_enqcmd(sw.portal, desc);
				if (r != 1 || tries == 50)
					break;
				t->enq_retry++;
				sva_spin(500);
			}
			t->enq_ok += r == 0;
		} else if (how < 15) {
			sva_store(desc, &d, sizeof(d));
			(void)sva_write(sw.fd, desc, 64);
			t->writes++;
		} else {
			/* MOVDIR64B to the shared WQ's portal: the device drops it */
			sva_store(desc, &d, sizeof(d));
			(void)sva_movdir64b(sw.portal, desc);
			t->movdirs++;
		}
	}
	t->a_pasid = gu_pasid(t->k);
	sva_nanosleep(20 * 1000 * 1000);	/* let the device finish with it all */
	t->attacker_done = 1;
	(void)sigs;
}

static void victim(void *arg)
{
	struct iso *t = arg;
	struct gu_wq sw, dw;
	uint64_t v = gu_alloc(V_LEN, true), buf = gu_alloc(4 * 4096, true), mine = gu_alloc(8192, true);
	struct dsa_hw_desc d;

	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.0", &sw), 0);
	GU_CHECK_EQ(gu_open_wq("/dev/dsa/wq0.1", &dw), 0);
	gu_fill(v, V_LEN, 55);
	d = gu_desc(DSA_OPCODE_NOOP, 0, 0, 0, GU_FL, buf + 4096);
	GU_CHECK_EQ(gu_run(sw.portal, buf, &d).status, DSA_COMP_SUCCESS);	/* PASID live */
	t->v_base = v;
	t->v_hash = gu_hash(v, V_LEN);
	t->v_pasid = gu_pasid(t->k);
	t->victim_ready = 1;
	while (!t->attacker_done)
		sva_nanosleep(100 * 1000);
	t->v_hash_after = gu_hash(v, V_LEN);
	/* The device still works for us. */
	d = gu_desc(DSA_OPCODE_MEMMOVE, v, mine, 4096, GU_FL, buf + 4096);
	t->victim_ok = gu_run(sw.portal, buf, &d).status == DSA_COMP_SUCCESS && gu_holds(mine, 4096, 55, 0);
}

static void iso_run(uint64_t seed)
{
	struct sva_system *sys = gu_sys(seed, NULL);
	struct iso *t = calloc(1, sizeof(*t));
	struct sva_dsa_stats ds;
	int pids[2];

	assert_non_null(t);
	t->k = sva_system_kernel(sys);
	t->seed = seed;
	pids[0] = sva_system_spawn(sys, "victim", victim, t);
	pids[1] = sva_system_spawn(sys, "attacker", attacker, t);
	gu_run_sim(sys, pids, 2);
	assert_true(t->v_hash == t->v_hash_after);
	assert_int_equal(gu_bar0(sys, SVA_DSA_GENSTS, 4) & 3, SVA_DSA_ENABLED);	/* not halted by a user */
	assert_true(t->victim_ok);
	assert_int_equal(t->mmap_badf, -EBADF);
	assert_int_equal(t->open_busy, -EBUSY);
	assert_int_equal(t->open_none, -ENOENT);
	assert_int_not_equal(t->a_pasid, t->v_pasid);
	sva_dsa_stats(gu_dsa(sys), &ds);
	/* The run did what it claims: many accepted, all ways tried. */
	assert_true(t->enq_ok > ISO_DESCS / 2);
	assert_true(t->writes > 0 && t->movdirs > 0 && t->batches > 0 && t->enq_gp > 0);
	assert_true(ds.completed > ISO_DESCS / 2);
	assert_true(ds.batch_descs > 0);
	print_message("seed %#llx: %u ENQCMD accepted, %u retries, %u #GP, %u write(), %u MOVDIR64B, "
		      "%u batches; device: %llu completed, %llu failed, %llu swerrs, %llu PRs\n",
		      (unsigned long long)seed, t->enq_ok, t->enq_retry, t->enq_gp, t->writes, t->movdirs,
		      t->batches, (unsigned long long)ds.completed, (unsigned long long)ds.failed,
		      (unsigned long long)ds.swerrs, (unsigned long long)ds.page_requests);
	free(t);
	sva_system_destroy(sys);
}

static void test_random_descriptors_never_reach_another_process(void **state)
{
	(void)state;
	iso_run(tu_seed(0x15017a7e));
}

static void test_random_descriptors_second_seed(void **state)
{
	(void)state;
	iso_run(tu_seed(0x15017a7e) + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_descriptors_never_reach_another_process),
		cmocka_unit_test(test_random_descriptors_second_seed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
