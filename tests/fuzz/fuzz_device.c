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
