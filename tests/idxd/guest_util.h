/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the idxd/DSA tests that run through the whole path: a guest
 * program opens /dev/dsa/wqD.Q, maps the portal, builds descriptors in its
 * own memory, submits them (ENQCMD, MOVDIR64B or write()) and polls the
 * completion records; the host side builds the system, runs it and reads
 * internals.
 *
 * Guest code must not use cmocka's assertions (they would longjmp out of a
 * simulated thread): GU_CHECK() records the first failure, and the host
 * side reports it with gu_assert_clean() after the run.
 */
#ifndef SVA_TESTS_IDXD_GUEST_UTIL_H
#define SVA_TESTS_IDXD_GUEST_UTIL_H

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/idxd.h>

#include <sva/dsa.h>
#include <sva/guest.h>
#include <sva/machine.h>
#include <sva/phys.h>
#include <sva/stats.h>
#include <sva/system.h>

#include "os/idxd.h"
#include "os/kernel.h"
#include "os/mm.h"
#include "os/proc.h"
#include "system_internal.h"
#include "testutil.h"

#define GU_PAGE		4096ull
#define GU_FL		(IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR)
#define GU_SPINS	2000000u	/* x 100 ns of virtual time = 200 ms */

/* ---- failures seen inside the guest ---------------------------------------------------- */

static char gu_failure[512];

#define GU_CHECK(cond) \
	do { \
		if (!(cond) && !gu_failure[0]) \
			snprintf(gu_failure, sizeof(gu_failure), "%s:%d: %s", __FILE__, __LINE__, #cond); \
	} while (0)

#define GU_CHECK_EQ(a, b) \
	do { \
		uint64_t gu_a_ = (uint64_t)(a), gu_b_ = (uint64_t)(b); \
		if (gu_a_ != gu_b_ && !gu_failure[0]) \
			snprintf(gu_failure, sizeof(gu_failure), "%s:%d: %s == %s: 0x%" PRIx64 " != 0x%" PRIx64, \
				 __FILE__, __LINE__, #a, #b, gu_a_, gu_b_); \
	} while (0)

static inline void gu_assert_clean(void)
{
	if (gu_failure[0]) {
		char msg[sizeof(gu_failure)];

		memcpy(msg, gu_failure, sizeof(msg));
		gu_failure[0] = 0;
		fail_msg("in the guest: %s", msg);
	}
}

/* ---- guest side ------------------------------------------------------------------------ */

struct gu_wq {
	int fd;
	uint64_t portal;
};

/* open + mmap of the portal page; 0 or a negative errno */
static inline int gu_open_wq(const char *path, struct gu_wq *w)
{
	int64_t p;

	w->portal = 0;
	w->fd = sva_open(path, SVA_O_RDWR);
	if (w->fd < 0)
		return w->fd;
	p = sva_mmap(0, GU_PAGE, SVA_PROT_WRITE, SVA_MAP_SHARED, w->fd, 0);
	if (p < 0)
		return (int)p;
	w->portal = (uint64_t)p;
	return 0;
}

/* munmap of the portal + close: the file's release (drain, unbind) runs here. */
static inline int gu_close_wq(struct gu_wq *w)
{
	int r = w->portal ? sva_munmap(w->portal, GU_PAGE) : 0;

	w->portal = 0;
	return r ? r : sva_close(w->fd);
}

/* Anonymous read-write memory; with @touch every page is made present. */
static inline uint64_t gu_alloc(uint64_t len, bool touch)
{
	int64_t va = sva_mmap(0, len, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE | SVA_MAP_ANONYMOUS, -1, 0);

	GU_CHECK(va > 0);
	if (va > 0 && touch)
		for (uint64_t p = 0; p < len; p += GU_PAGE)
			sva_store64((uint64_t)va + p, 0);
	return va > 0 ? (uint64_t)va : 0;
}

static inline uint8_t gu_pat(uint32_t seed, uint64_t i)
{
	uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ull ^ seed * 0xbf58476d1ce4e5b9ull;

	return (uint8_t)(x >> 56 ^ x >> 29);
}

/* Fill [va, va+len) with pattern @seed (byte i = gu_pat(seed, i)). */
static inline void gu_fill(uint64_t va, uint64_t len, uint32_t seed)
{
	uint8_t buf[4096];

	for (uint64_t off = 0; off < len; off += sizeof(buf)) {
		uint64_t n = len - off < sizeof(buf) ? len - off : sizeof(buf);

		for (uint64_t i = 0; i < n; i++)
			buf[i] = gu_pat(seed, off + i);
		sva_store(va + off, buf, n);
	}
}

static inline void gu_read(uint64_t va, void *out, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += 4096)
		sva_load(va + off, (uint8_t *)out + off, len - off < 4096 ? len - off : 4096);
}

/* Does [va, va+len) hold pattern @seed starting at pattern index @first? */
static inline bool gu_holds(uint64_t va, uint64_t len, uint32_t seed, uint64_t first)
{
	uint8_t buf[4096];

	for (uint64_t off = 0; off < len; off += sizeof(buf)) {
		uint64_t n = len - off < sizeof(buf) ? len - off : sizeof(buf);

		sva_load(va + off, buf, n);
		for (uint64_t i = 0; i < n; i++)
			if (buf[i] != gu_pat(seed, first + off + i))
				return false;
	}
	return true;
}

/* FNV-1a over guest memory. */
static inline uint64_t gu_hash(uint64_t va, uint64_t len)
{
	uint8_t buf[4096];
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint64_t off = 0; off < len; off += sizeof(buf)) {
		uint64_t n = len - off < sizeof(buf) ? len - off : sizeof(buf);

		sva_load(va + off, buf, n);
		for (uint64_t i = 0; i < n; i++)
			h = (h ^ buf[i]) * 0x100000001b3ull;
	}
	return h;
}

static inline struct dsa_hw_desc gu_desc(uint8_t op, uint64_t src, uint64_t dst, uint32_t n,
					 uint32_t flags, uint64_t cr)
{
	struct dsa_hw_desc d;

	memset(&d, 0, sizeof(d));
	d.opcode = op;
	d.flags = flags;
	d.completion_addr = cr;
	d.src_addr = src;
	d.dst_addr = dst;
	d.xfer_size = n;
	return d;
}

/* Zero the record @d names (when it has one) and store @d at @desc_va. */
static inline void gu_prepare(uint64_t desc_va, const struct dsa_hw_desc *d)
{
	static const uint8_t zero[32];

	if ((d->flags & IDXD_OP_FLAG_CRAV) && !(d->completion_addr & 31))
		sva_store(d->completion_addr, zero, sizeof(zero));
	sva_store(desc_va, d, sizeof(*d));
}

/* ENQCMD until accepted; returns the number of retries, or a negative errno. */
static inline int gu_enq(uint64_t portal, uint64_t desc_va)
{
	for (int retries = 0; retries < 1000000; retries++) {
		int r = sva_enqcmd(portal, desc_va);

		if (r <= 0)
			return r < 0 ? r : retries;
		sva_spin(50);
	}
	return -EAGAIN;
}

static inline int gu_submit(uint64_t portal, uint64_t desc_va, const struct dsa_hw_desc *d)
{
	gu_prepare(desc_va, d);
	return gu_enq(portal, desc_va);
}

/* Poll a record's status byte; 0 when nothing came. */
static inline uint8_t gu_poll(uint64_t cr_va)
{
	uint8_t status = 0;

	for (unsigned spins = 0; spins < GU_SPINS; spins++) {
		sva_load(cr_va, &status, 1);
		if (status)
			break;
		sva_spin(100);
	}
	return status;
}

static inline struct dsa_completion_record gu_rec(uint64_t cr_va)
{
	struct dsa_completion_record r;

	sva_load(cr_va, &r, sizeof(r));
	return r;
}

/* Submit @d at @desc_va by ENQCMD, wait for its record and return it. */
static inline struct dsa_completion_record gu_run(uint64_t portal, uint64_t desc_va,
						   const struct dsa_hw_desc *d)
{
	int r = gu_submit(portal, desc_va, d);

	GU_CHECK(r >= 0);
	gu_poll(d->completion_addr);
	return gu_rec(d->completion_addr);
}

/* The calling process's mm, its PASID. */
static inline struct sva_proc *gu_proc(struct sva_kernel *k)
{
	return sva_thread_current(k)->proc;
}

static inline uint32_t gu_pasid(struct sva_kernel *k)
{
	return gu_proc(k)->mm->pasid;
}

/* A signal handler that makes the faulting instruction fail (-EFAULT). */
static inline enum sva_sig_action gu_sig_fail(const struct sva_siginfo *info, void *arg)
{
	unsigned *count = arg;

	(void)info;
	if (count)
		(*count)++;
	return SVA_SIG_FAIL;
}

/* ---- host side --------------------------------------------------------------------------- */

static inline struct sva_system *gu_sys(uint64_t seed, const char *accel_config)
{
	char err[512] = "";
	struct sva_system *sys = sva_system_create_err(&(struct sva_system_config){
		.seed = seed, .ram_size = 256ull << 20, .accel_config = accel_config }, err, sizeof(err));

	if (!sys)
		fail_msg("system: %s", err);
	return sys;
}

static inline struct sva_idxd *gu_idxd(struct sva_system *sys)
{
	return sva_system_kernel(sys)->idxds;
}

static inline struct sva_dsa *gu_dsa(struct sva_system *sys)
{
	return gu_idxd(sys)->dsa;
}

static inline uint64_t gu_counter(struct sva_system *sys, const char *name)
{
	const struct sva_counter *c = sva_stat_find_counter(sva_system_sim(sys), name);

	return c ? c->value : 0;
}

static inline uint64_t gu_bar0(struct sva_system *sys, unsigned off, unsigned size)
{
	uint64_t v = 0;

	sva_phys_read(sva_system_kernel(sys)->phys, sva_dsa_bar0(gu_dsa(sys)) + off, &v, size);
	return v;
}

/* Run everything to the end; every process listed must have exited normally. */
static inline void gu_run_sim(struct sva_system *sys, const int *pids, unsigned n)
{
	assert_int_equal(sva_sim_run(sva_system_sim(sys)), 0);
	for (unsigned i = 0; i < n; i++) {
		struct sva_exit_status es;

		assert_int_equal(sva_system_proc_status(sys, pids[i], &es), 0);
		assert_true(es.exited);
		if (es.signal)
			fail_msg("pid %d died: signal %d, %s", pids[i], es.signal, es.reason);
	}
	gu_assert_clean();
}

/* Spawn one guest program and run the system to the end. */
static inline void gu_run_one(struct sva_system *sys, sva_guest_fn fn, void *arg)
{
	int pid = sva_system_spawn(sys, "guest", fn, arg);

	assert_true(pid > 0);
	gu_run_sim(sys, &pid, 1);
}

/*
 * accel-config JSON for one device with one group: WQ wq0.0 (@mode
 * "shared"/"dedicated", @size, @threshold, @bof) and @engines engines.
 */
static inline const char *gu_config_1wq(char *buf, size_t len, const char *mode, unsigned size,
					unsigned threshold, int bof, unsigned engines)
{
	int n = snprintf(buf, len,
			 "[{\"dev\":\"dsa0\",\"groups\":[{\"dev\":\"group0.0\",\"grouped_workqueues\":["
			 "{\"dev\":\"wq0.0\",\"mode\":\"%s\",\"size\":%u,\"group_id\":0,\"priority\":10,"
			 "\"block_on_fault\":%d,\"max_batch_size\":32,\"max_transfer_size\":2097152,"
			 "\"type\":\"user\",\"name\":\"app\",\"driver_name\":\"user\",\"threshold\":%u}],"
			 "\"grouped_engines\":[",
			 mode, size, bof, threshold);

	for (unsigned e = 0; e < engines; e++)
		n += snprintf(buf + n, len - (size_t)n, "%s{\"dev\":\"engine0.%u\",\"group_id\":0}",
			      e ? "," : "", e);
	snprintf(buf + n, len - (size_t)n, "]}]}]");
	return buf;
}

#endif
