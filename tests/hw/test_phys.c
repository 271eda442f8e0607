// SPDX-License-Identifier: MIT
/* Physical memory: RAM, the MMIO map, machine checks, 64-byte stores. */
#include <errno.h>
#include <string.h>

#include <sva/machine.h>
#include <sva/phys.h>

#include "testutil.h"

#define RAM	(16ull << 20)

/* A device that logs every access and keeps a 4 KiB register file. */
struct mock {
	uint8_t regs[2 * 4096];
	struct { uint64_t off; unsigned size; bool write; } log[1100];
	unsigned nlog;
	unsigned enq_calls, m64_calls;
	uint8_t last64[64];
	int enq_status;
};

static int mock_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
	struct mock *m = opaque;

	assert_true(off % size == 0);
	assert_true(m->nlog < sizeof(m->log) / sizeof(m->log[0]));
	m->log[m->nlog].off = off;
	m->log[m->nlog].size = size;
	m->log[m->nlog++].write = false;
	*val = 0;
	for (unsigned i = 0; i < size; i++)
		*val |= (uint64_t)m->regs[off + i] << (8 * i);
	return 0;
}

static int mock_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct mock *m = opaque;

	assert_true(off % size == 0);
	assert_true(m->nlog < sizeof(m->log) / sizeof(m->log[0]));
	m->log[m->nlog].off = off;
	m->log[m->nlog].size = size;
	m->log[m->nlog++].write = true;
	for (unsigned i = 0; i < size; i++)
		m->regs[off + i] = (uint8_t)(val >> (8 * i));
	return 0;
}

static int mock_enq(void *opaque, uint64_t off, const uint8_t data[64])
{
	struct mock *m = opaque;

	(void)off;
	m->enq_calls++;
	memcpy(m->last64, data, 64);
	return m->enq_status;
}

static int mock_m64(void *opaque, uint64_t off, const uint8_t data[64])
{
	struct mock *m = opaque;

	m->m64_calls++;
	memcpy(m->last64, data, 64);
	memcpy(m->regs + off, data, 64);
	return 0;
}

static const struct sva_mmio_ops plain_ops = { .read = mock_read, .write = mock_write };
static const struct sva_mmio_ops full_ops = {
	.read = mock_read, .write = mock_write, .enqcmd = mock_enq, .movdir64b = mock_m64,
};

static struct sva_phys *mk(void)
{
	struct sva_phys_config c = { .ram_size = RAM };
	struct sva_phys *p = sva_phys_create(&c);

	assert_non_null(p);
	return p;
}

static void test_default_is_4g_lazy(void **state)
{
	struct sva_phys *p = sva_phys_create(NULL);
	uint64_t top = (4ull << 30) - 8, v = 0x1122334455667788ull, r = 0;

	(void)state;
	assert_non_null(p);
	assert_int_equal(sva_phys_ram_size(p), 4ull << 30);
	assert_int_equal(sva_phys_maxphyaddr(p), 46);
	/* The last 8 bytes of RAM work; untouched RAM reads as zero. */
	assert_int_equal(sva_phys_write_u64(p, top, v), 0);
	assert_int_equal(sva_phys_read_u64(p, top, &r), 0);
	assert_int_equal(r, v);
	assert_int_equal(sva_phys_read_u64(p, 2ull << 30, &r), 0);
	assert_int_equal(r, 0);
	sva_phys_destroy(p);
}

static void test_bad_config(void **state)
{
	struct sva_phys_config c = { .ram_size = 4096 + 1 };

	(void)state;
	assert_null(sva_phys_create(&c));
	assert_int_equal(errno, EINVAL);
	c = (struct sva_phys_config){ .ram_size = 1ull << 40, .maxphyaddr = 36 };
	assert_null(sva_phys_create(&c));
}

static void test_ram_across_frames(void **state)
{
	struct sva_phys *p = mk();
	uint8_t in[10000], out[10000];

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 3);
	/* Starts mid-frame, covers one whole frame, ends mid-frame. */
	assert_int_equal(sva_phys_write(p, 4096 - 123, in, sizeof(in)), 0);
	assert_int_equal(sva_phys_read(p, 4096 - 123, out, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(in));
	/* The fast path sees the same bytes. */
	assert_memory_equal(sva_phys_ptr(p, 4096 - 123, sizeof(in)), in, sizeof(in));
	assert_true(sva_phys_is_ram(p, 0, RAM));
	assert_false(sva_phys_is_ram(p, RAM - 8, 9));
	assert_null(sva_phys_ptr(p, RAM - 8, 9));
	assert_non_null(sva_phys_ptr(p, RAM - 8, 8));
	sva_phys_destroy(p);
}

static void test_mmio_register_rules(void **state)
{
	struct sva_phys *p = mk();
	struct mock m = { 0 };
	struct sva_mmio_ops noread = { .write = mock_write };

	(void)state;
	assert_int_equal(sva_mmio_register(p, RAM - 4096, 8192, &plain_ops, &m, "x"), -EBUSY);
	assert_int_equal(sva_mmio_register(p, RAM + 100, 4096, &plain_ops, &m, "x"), -EINVAL);
	assert_int_equal(sva_mmio_register(p, RAM, 100, &plain_ops, &m, "x"), -EINVAL);
	assert_int_equal(sva_mmio_register(p, RAM, 0, &plain_ops, &m, "x"), -EINVAL);
	assert_int_equal(sva_mmio_register(p, RAM, 4096, &noread, &m, "x"), -EINVAL);
	assert_int_equal(sva_mmio_register(p, 1ull << 46, 4096, &plain_ops, &m, "x"), -EINVAL);
	assert_int_equal(sva_mmio_register(p, RAM + 8192, 8192, &plain_ops, &m, "b"), 0);
	assert_int_equal(sva_mmio_register(p, RAM + 4096, 8192, &plain_ops, &m, "x"), -EBUSY);
	assert_int_equal(sva_mmio_register(p, RAM + 12288, 4096, &plain_ops, &m, "x"), -EBUSY);
	assert_int_equal(sva_mmio_register(p, RAM, 8192, &plain_ops, &m, "a"), 0);
	assert_string_equal(sva_mmio_name(p, RAM + 5), "a");
	assert_string_equal(sva_mmio_name(p, RAM + 8192 + 4095), "b");
	assert_null(sva_mmio_name(p, RAM + 16384));
	assert_int_equal(sva_mmio_unregister(p, RAM + 4096), -ENOENT);
	assert_int_equal(sva_mmio_unregister(p, RAM), 0);
	assert_null(sva_mmio_name(p, RAM));
	assert_string_equal(sva_mmio_name(p, RAM + 8192), "b");
	sva_phys_destroy(p);
}

/* One access spans the end of RAM, region a and region b. */
static void test_access_across_ram_and_regions(void **state)
{
	struct sva_phys *p = mk();
	static struct mock a, b;
	uint8_t in[3 * 4096 + 64], out[sizeof(in)];
	uint64_t start = RAM - 13;
	unsigned wrote = 0;

	(void)state;
	assert_int_equal(sva_mmio_register(p, RAM, 8192, &plain_ops, &a, "a"), 0);
	assert_int_equal(sva_mmio_register(p, RAM + 8192, 8192, &plain_ops, &b, "b"), 0);
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i ^ 0x5a);
	assert_int_equal(sva_phys_write(p, start, in, sizeof(in)), 0);
	/* RAM got its 13 bytes, each device its share, byte for byte. */
	assert_memory_equal(sva_phys_ptr(p, start, 13), in, 13);
	assert_memory_equal(a.regs, in + 13, 8192);
	assert_memory_equal(b.regs, in + 13 + 8192, sizeof(in) - 13 - 8192);
	/* Devices saw naturally aligned accesses of at most 8 bytes. */
	for (unsigned i = 0; i < a.nlog; i++) {
		assert_true(a.log[i].write);
		assert_true(a.log[i].size <= 8);
		wrote += a.log[i].size;
	}
	assert_int_equal(wrote, 8192);
	assert_int_equal(a.log[0].off, 0);
	assert_int_equal(a.log[0].size, 8);
	a.nlog = b.nlog = 0;
	assert_int_equal(sva_phys_read(p, start, out, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(in));
	assert_null(sva_phys_ptr(p, RAM, 8));
	sva_phys_destroy(p);
}

static void test_unaligned_mmio_split(void **state)
{
	struct sva_phys *p = mk();
	struct mock a = { 0 };
	uint8_t buf[11] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	unsigned want[][2] = { { 3, 1 }, { 4, 4 }, { 8, 4 }, { 12, 2 } };

	(void)state;
	assert_int_equal(sva_mmio_register(p, RAM, 4096, &plain_ops, &a, "a"), 0);
	assert_int_equal(sva_phys_write(p, RAM + 3, buf, sizeof(buf)), 0);
	assert_int_equal(a.nlog, 4);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(a.log[i].off, want[i][0]);
		assert_int_equal(a.log[i].size, want[i][1]);
	}
	assert_memory_equal(a.regs + 3, buf, sizeof(buf));
	sva_phys_destroy(p);
}

static void test_machine_check(void **state)
{
	struct sva_phys *p = mk();
	struct mock a = { 0 };
	struct sva_mce mce;
	uint8_t buf[64] = { 0 };
	uint64_t v;

	(void)state;
	sva_phys_mce(p, &mce);
	assert_int_equal(mce.count, 0);
	assert_int_equal(sva_phys_read(p, RAM + 4096, buf, 4), -EIO);
	sva_phys_mce(p, &mce);
	assert_int_equal(mce.count, 1);
	assert_int_equal(mce.addr, RAM + 4096);
	assert_int_equal(mce.size, 4);
	assert_false(mce.write);

	/* A write running off the end of RAM: recorded at the first bad byte. */
	assert_int_equal(sva_phys_write(p, RAM - 16, buf, 32), -EIO);
	sva_phys_mce(p, &mce);
	assert_int_equal(mce.count, 2);
	assert_int_equal(mce.addr, RAM);
	assert_int_equal(mce.size, 16);
	assert_true(mce.write);

	/* Hole between two regions; an address that wraps. */
	assert_int_equal(sva_mmio_register(p, RAM + 8192, 4096, &plain_ops, &a, "a"), 0);
	assert_int_equal(sva_phys_read(p, RAM + 4096 + 4090, buf, 12), -EIO);
	assert_int_equal(sva_phys_read_u64(p, UINT64_MAX - 3, &v), -EIO);
	assert_int_equal(sva_phys_read_u64(p, 1ull << 60, &v), -EIO);
	sva_phys_mce(p, &mce);
	assert_int_equal(mce.count, 5);
	assert_int_equal(a.nlog, 0);
	sva_phys_destroy(p);
}

static void test_enqueue_store(void **state)
{
	struct sva_phys *p = mk();
	struct mock plain = { 0 }, full = { 0 };
	uint8_t d[64], zero[64] = { 0 };
	struct sva_mce mce;

	(void)state;
	for (int i = 0; i < 64; i++)
		d[i] = (uint8_t)(0xc0 + i);
	assert_int_equal(sva_mmio_register(p, RAM, 4096, &plain_ops, &plain, "plain"), 0);
	assert_int_equal(sva_mmio_register(p, RAM + 4096, 4096, &full_ops, &full, "full"), 0);

	/* RAM is not an enqueue register: dropped, retry. */
	assert_int_equal(sva_phys_enqueue(p, 128, d), SVA_ENQ_RETRY);
	assert_memory_equal(sva_phys_ptr(p, 128, 64), zero, 64);
	/* Neither is a region without an enqcmd handler. */
	assert_int_equal(sva_phys_enqueue(p, RAM + 64, d), SVA_ENQ_RETRY);
	assert_int_equal(plain.nlog, 0);
	/* A real one answers for itself. */
	full.enq_status = SVA_ENQ_ACCEPTED;
	assert_int_equal(sva_phys_enqueue(p, RAM + 4096 + 192, d), SVA_ENQ_ACCEPTED);
	assert_memory_equal(full.last64, d, 64);
	full.enq_status = SVA_ENQ_RETRY;
	assert_int_equal(sva_phys_enqueue(p, RAM + 4096, d), SVA_ENQ_RETRY);
	full.enq_status = -ENODEV;
	assert_int_equal(sva_phys_enqueue(p, RAM + 4096, d), -ENODEV);
	assert_int_equal(full.enq_calls, 3);
	assert_int_equal(sva_phys_enqueue(p, RAM + 4096 + 8, d), -EINVAL);
	assert_int_equal(sva_phys_enqueue(p, RAM + 8192, d), -EIO);
	sva_phys_mce(p, &mce);
	assert_int_equal(mce.addr, RAM + 8192);
	assert_int_equal(mce.size, 64);
	sva_phys_destroy(p);
}

static void test_movdir64b_store(void **state)
{
	struct sva_phys *p = mk();
	struct mock plain = { 0 }, full = { 0 };
	uint8_t d[64];

	(void)state;
	for (int i = 0; i < 64; i++)
		d[i] = (uint8_t)(3 * i + 1);
	assert_int_equal(sva_mmio_register(p, RAM, 4096, &plain_ops, &plain, "plain"), 0);
	assert_int_equal(sva_mmio_register(p, RAM + 4096, 4096, &full_ops, &full, "full"), 0);
	/* RAM: an ordinary store. */
	assert_int_equal(sva_phys_movdir64b(p, 4096 * 3, d), 0);
	assert_memory_equal(sva_phys_ptr(p, 4096 * 3, 64), d, 64);
	/* A capable device gets one 64-byte write. */
	assert_int_equal(sva_phys_movdir64b(p, RAM + 4096 + 64, d), 0);
	assert_int_equal(full.m64_calls, 1);
	assert_int_equal(full.nlog, 0);
	assert_memory_equal(full.last64, d, 64);
	/* Another one sees eight ascending 8-byte writes. */
	assert_int_equal(sva_phys_movdir64b(p, RAM + 256, d), 0);
	assert_int_equal(plain.nlog, 8);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(plain.log[i].off, 256 + 8 * i);
		assert_int_equal(plain.log[i].size, 8);
	}
	assert_memory_equal(plain.regs + 256, d, 64);
	assert_int_equal(sva_phys_movdir64b(p, RAM + 32, d), -EINVAL);
	assert_int_equal(sva_phys_movdir64b(p, RAM + 8192, d), -EIO);
	sva_phys_destroy(p);
}

static void test_discard(void **state)
{
	struct sva_phys *p = mk();
	uint8_t *ram = sva_phys_ptr(p, 0, RAM);

	(void)state;
	memset(ram, 0xab, 5 * 4096);
	assert_int_equal(sva_phys_discard(p, 100, 3 * 4096), 0);
	assert_int_equal(ram[99], 0xab);
	for (uint64_t i = 100; i < 100 + 3 * 4096; i++)
		if (ram[i])
			fail_msg("byte %llu not zeroed", (unsigned long long)i);
	assert_int_equal(ram[100 + 3 * 4096], 0xab);
	assert_int_equal(sva_phys_discard(p, RAM - 4096, 8192), -EINVAL);
	sva_phys_destroy(p);
}

static void test_machine_owns_phys(void **state)
{
	struct sva_machine_config c = { .ram_size = RAM };
	struct sva_machine *m = sva_machine_create(NULL, &c);
	uint64_t b1, b2;

	(void)state;
	assert_non_null(m);
	assert_int_equal(sva_phys_ram_size(sva_machine_phys(m)), RAM);
	assert_int_equal(sva_machine_paging_levels(m), 4);
	assert_int_equal(sva_machine_timing(m)->enqcmd_rtt > 0, 1);
	assert_int_equal(sva_machine_mmio_alloc(m, 4096, 1 << 20, &b1), 0);
	assert_int_equal(sva_machine_mmio_alloc(m, 8192, 4096, &b2), 0);
	assert_true(b1 >= RAM && b1 % (1 << 20) == 0);
	assert_true(b2 >= b1 + 4096);
	assert_int_equal(sva_machine_mmio_alloc(m, 100, 4096, &b2), -EINVAL);
	assert_int_equal(sva_machine_mmio_alloc(m, 1ull << 50, 4096, &b2), -ENOSPC);
	sva_machine_destroy(m);
	c.paging_levels = 3;
	assert_null(sva_machine_create(NULL, &c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_is_4g_lazy),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_ram_across_frames),
		cmocka_unit_test(test_mmio_register_rules),
		cmocka_unit_test(test_access_across_ram_and_regions),
		cmocka_unit_test(test_unaligned_mmio_split),
		cmocka_unit_test(test_machine_check),
		cmocka_unit_test(test_enqueue_store),
		cmocka_unit_test(test_movdir64b_store),
		cmocka_unit_test(test_discard),
		cmocka_unit_test(test_machine_owns_phys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
