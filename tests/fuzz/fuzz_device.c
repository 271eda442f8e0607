// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the whole device path.  Per input, a fresh system with
 * the default accelerator configuration (one DSA: wq0.0 shared, wq0.1
 * dedicated), one guest process that opens a WQ, maps its portal and a
 * 64 KiB buffer at a fixed address, copies the fuzzer's memory image into
 * the buffer, and submits the fuzzer's descriptors (ENQCMD on wq0.0, or
 * MOVDIR64B on wq0.1); it polls their completion records for a while and
 * exits, possibly with work in flight.  The invariant checker is on (test
 * build), so an isolation, stale-translation, lost-completion or PASID
 * violation aborts, and so does any sanitizer report.
 *
 * Input layout (anything shorter is zero-padded):
 *
 *   byte 0      bits 2:0 number of descriptors - 1 (1..8); bit 3 submit to
 *               the dedicated wq0.1 with MOVDIR64B (descriptor bytes 0..3
 *               kept as given) instead of ENQCMD to wq0.0 (bytes 0..3 zeroed:
 *               ENQCMD needs them zero); bit 4 touch every buffer page
 *               first (else the device meets not-present pages); bit 5 exit
 *               without waiting for completions; bit 6 make the buffer's
 *               second half read-only
 *   byte 1      polling budget, in units of 8 x 1 us of virtual time
 *   then        the descriptors, 64 bytes each
 *   then        the memory image, copied to the buffer at DBUF (at most
 *               64 KiB; only nonzero bytes are stored, so untouched pages
 *               can stay not present)
 *
 * Descriptor addresses are plain guest virtual addresses: DBUF is fixed so
 * the fuzzer (and the seeds) can point into the buffer, at the completion
 * records in it, or at batch lists in it.
 *
 * The bytes are checked too: when the input is one memmove or fill, inside
 * the buffer, whose completion record (also inside, not in its
 * destination) says success, the destination must hold exactly what the
 * memory image and the operation make of it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/idxd.h>

#include <sva/guest.h>
#include <sva/sim.h>
#include <sva/system.h>

#include "fuzz_util.h"

#define DBUF	0x10000000ull		/* the fuzzer's buffer */
#define DSIZE	(64ull << 10)
#define DDESC	0x0fff0000ull		/* where the descriptors are built */
#define PAGE	4096ull
#define MAXDESC	8u
#define HDR	2u

struct job {
	uint8_t mode;
	unsigned polls;
	unsigned ndesc;
	uint8_t desc[MAXDESC][64];
	const uint8_t *image;
	size_t nimage;
	/* what the guest saw, for the host side */
	int setup_failed;
	unsigned accepted;
};

static uint8_t image_byte(const struct job *j, uint64_t off)
{
	return off < j->nimage ? j->image[off] : 0;
}

static bool in_buf(uint64_t a, uint64_t n)
{
	return a >= DBUF && n <= DSIZE && a - DBUF <= DSIZE - n;
}

/* The oracle for a lone memmove or fill (see the top); aborts on a wrong byte. */
static void check_result(const struct job *j)
{
	static uint8_t want[DSIZE];
	struct dsa_hw_desc hd;
	uint8_t st = 0, got[256];
	uint64_t dst, n;

	memcpy(&hd, j->desc[0], sizeof(hd));
	if ((hd.opcode != DSA_OPCODE_MEMMOVE && hd.opcode != DSA_OPCODE_MEMFILL) ||
	    !(hd.flags & IDXD_OP_FLAG_RCR) || !(hd.flags & IDXD_OP_FLAG_CRAV) || !in_buf(hd.completion_addr, 32))
		return;
	n = hd.xfer_size;
	dst = hd.dst_addr;
	if (!n || !in_buf(dst, n) || (hd.opcode == DSA_OPCODE_MEMMOVE && !in_buf(hd.src_addr, n)) ||
	    (hd.completion_addr < dst + n && dst < hd.completion_addr + 32))
		return;
	/* The record must have been blank, or its "success" may be the image's own byte. */
	if (image_byte(j, hd.completion_addr - DBUF) || sva_load(hd.completion_addr, &st, 1) ||
	    st != DSA_COMP_SUCCESS)
		return;
	for (uint64_t i = 0; i < n; i++)
		want[i] = hd.opcode == DSA_OPCODE_MEMFILL ? (uint8_t)(hd.pattern >> (8 * (i % 8))) :
			  image_byte(j, hd.src_addr - DBUF + i);
	for (uint64_t off = 0; off < n; off += sizeof(got)) {
		uint64_t k = n - off < sizeof(got) ? n - off : sizeof(got);

		CHECK(sva_load(dst + off, got, k) == 0);
		if (memcmp(got, want + off, k)) {
			fprintf(stderr, "fuzz_device: %s of %llu bytes succeeded but left wrong bytes near +%llu\n",
				hd.opcode == DSA_OPCODE_MEMFILL ? "fill" : "memmove", (unsigned long long)n,
				(unsigned long long)off);
			abort();
		}
	}
}

static void guest_main(void *arg)
{
	struct job *j = arg;
	bool dedicated = j->mode & 8u;
	int fd = sva_open(dedicated ? "/dev/dsa/wq0.1" : "/dev/dsa/wq0.0", SVA_O_RDWR);
	int64_t portal, buf, descs;

	if (fd < 0) {
		j->setup_failed = 1;
		return;
	}
	portal = sva_mmap(0, PAGE, SVA_PROT_WRITE, SVA_MAP_SHARED, fd, 0);
	buf = sva_mmap(DBUF, DSIZE, SVA_PROT_READ | SVA_PROT_WRITE,
		       SVA_MAP_PRIVATE | SVA_MAP_ANONYMOUS | SVA_MAP_FIXED, -1, 0);
	descs = sva_mmap(DDESC, PAGE, SVA_PROT_READ | SVA_PROT_WRITE,
			 SVA_MAP_PRIVATE | SVA_MAP_ANONYMOUS | SVA_MAP_FIXED, -1, 0);
	if (portal < 0 || buf != (int64_t)DBUF || descs != (int64_t)DDESC) {
		j->setup_failed = 2;
		return;
	}
	if (j->mode & 16u)
		for (uint64_t p = 0; p < DSIZE; p += PAGE)
			sva_store64(DBUF + p, 0);
	/* the image: nonzero 8-byte words only, so zero pages stay untouched */
	for (size_t off = 0; off < j->nimage; off += 8) {
		uint8_t w[8] = { 0 };
		size_t n = j->nimage - off < 8 ? j->nimage - off : 8;

		memcpy(w, j->image + off, n);
		for (size_t k = 0; k < 8; k++)
			if (w[k]) {
				sva_store(DBUF + off, w, 8);
				break;
			}
	}
	if (j->mode & 64u)
		sva_mprotect(DBUF + DSIZE / 2, DSIZE / 2, SVA_PROT_READ);

	for (unsigned i = 0; i < j->ndesc; i++) {
		uint64_t d = DDESC + 64u * i;

		if (!dedicated)
			memset(j->desc[i], 0, 4);
		sva_store(d, j->desc[i], 64);
		if (dedicated) {
			if (sva_movdir64b((uint64_t)portal, d) == 0)
				j->accepted++;
			continue;
		}
		for (int tries = 0; tries < 16; tries++) {
			int rc = sva_enqcmd((uint64_t)portal, d);

			if (rc != 1) {
				if (rc == 0)
					j->accepted++;
				break;
			}
			sva_spin(1000);
		}
	}
	if (j->mode & 32u)
		sva_exit(0);	/* with whatever is in flight */

	/* poll every completion record that was asked for and is in the buffer */
	for (unsigned round = 0; round < j->polls; round++) {
		bool all = true;

		for (unsigned i = 0; i < j->ndesc; i++) {
			struct dsa_hw_desc hd;
			uint8_t st = 0;

			memcpy(&hd, j->desc[i], sizeof(hd));
			if (!(hd.flags & IDXD_OP_FLAG_RCR) || hd.completion_addr < DBUF ||
			    hd.completion_addr >= DBUF + DSIZE)
				continue;
			if (sva_load(hd.completion_addr, &st, 1) == 0 && !st)
				all = false;
		}
		if (all)
			break;
		sva_spin(1000);
	}
	if (j->ndesc == 1)
		check_result(j);
	sva_close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct job j;
	struct sva_system *sys;
	uint8_t hdr[HDR] = { 0 };
	size_t dn;
	struct sva_exit_status es;
	int pid, rc;

	memset(&j, 0, sizeof(j));
	memcpy(hdr, data, size < HDR ? size : HDR);
	data += size < HDR ? size : HDR;
	size -= size < HDR ? size : HDR;
	j.mode = hdr[0];
	j.ndesc = (hdr[0] & 7u) + 1;
	j.polls = 8u * hdr[1] + 8u;
	dn = j.ndesc * 64u;
	memcpy(j.desc, data, size < dn ? size : dn);
	data += size < dn ? size : dn;
	size -= size < dn ? size : dn;
	j.image = data;
	j.nimage = size < DSIZE ? size : DSIZE;

	sys = sva_system_create(&(struct sva_system_config){
		.seed = 1, .ram_size = 64ull << 20, .nr_cpus = 2, .check = 1 });
	CHECK(sys);
	pid = sva_system_spawn(sys, "fuzz", guest_main, &j);
	CHECK(pid > 0);
	rc = sva_sim_run(sva_system_sim(sys));
	if (rc != 0) {
		fprintf(stderr, "fuzz_device: sva_sim_run: %d (tasks blocked for good)\n", rc);
		abort();
	}
	CHECK(sva_system_proc_status(sys, pid, &es) == 0);
	CHECK(es.exited);
	if (es.signal) {
		/* the guest only touches its own mappings: it must not die */
		fprintf(stderr, "fuzz_device: guest died: signal %d, %s\n", es.signal, es.reason);
		abort();
	}
	CHECK(j.setup_failed == 0);
	sva_system_destroy(sys);
	return 0;
}
