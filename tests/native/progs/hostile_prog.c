// SPDX-License-Identifier: MIT
/*
 * A hostile DSA program for `sva native` (tests/cli/native_hostile.sh):
 * seeded random descriptors - any opcode, any flags, sizes from 0 to
 * 4 GiB - 1, batches with random lists - whose addresses point at good
 * buffers, holes, read-only and PROT_NONE pages, NULL, kernel and
 * non-canonical addresses and the portal itself, submitted with ENQCMD
 * to the shared WQ and MOVDIR64B to the dedicated one.
 *
 * What must hold, whatever the descriptors: the program is never killed
 * by the emulator, every descriptor whose completion record is valid
 * gets a status, and a guard buffer no descriptor names is never
 * written.  Prints a status histogram; exit 0 when all of that held.
 *
 *   hostile_prog SEED COUNT
 *   hostile_prog gp       ENQCMD with bits 31:0 of its source set: #GP, the
 *                         program must die of SIGSEGV as on hardware
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/idxd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE	4096ul
#define BUF	(64 * PAGE)
#define GUARD	(16 * PAGE)

static uint64_t rng;

static uint64_t next(void)
{
	/* splitmix64: the program's own, so it needs nothing from sva */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return n ? next() % n : 0;
}

struct arena {
	uint8_t *good;		/* BUF bytes, read-write */
	uint8_t *ro;		/* a read-only page */
	uint8_t *none;		/* a PROT_NONE page */
	uint8_t *hole;		/* an unmapped page */
	uint8_t *guard;		/* never named by a descriptor */
	void *portal[2];
};

static uint64_t pick_addr(struct arena *a, uint64_t len)
{
	uint64_t off = below(BUF);

	switch (below(12)) {
	case 0: return 0;
	case 1: return (uint64_t)(uintptr_t)a->ro + below(PAGE);
	case 2: return (uint64_t)(uintptr_t)a->none + below(PAGE);
	case 3: return (uint64_t)(uintptr_t)a->hole + below(PAGE);
	case 4: return 0xffff888000000000ull + below(1ull << 30);	/* kernel half */
	case 5: return 0x0000800000000000ull + below(1ull << 40);	/* non-canonical */
	case 6: return (uint64_t)(uintptr_t)a->portal[below(2)] + below(PAGE);
	case 7: return next();
	case 8: /* runs off the end of the good buffer into whatever follows */
		return (uint64_t)(uintptr_t)a->good + BUF - below(PAGE);
	default:
		/* inside the good buffer, keeping short runs inside it */
		if (len < BUF && off + len > BUF)
			off = BUF - len;
		return (uint64_t)(uintptr_t)a->good + off;
	}
}

static uint32_t pick_size(void)
{
	switch (below(6)) {
	case 0: return 0;
	case 1: return (uint32_t)next();
	case 2: return (uint32_t)below(PAGE * 4);
	default: return (uint32_t)below(256) + 1;
	}
}

static void random_desc(struct arena *a, struct dsa_hw_desc *d, uint64_t comp)
{
	uint64_t w[8];

	memset(d, 0, sizeof(*d));
	if (below(8) == 0) {
		/* anything at all */
		for (int i = 0; i < 8; i++)
			w[i] = next();
		memcpy(d, w, sizeof(w));
	} else {
		d->opcode = below(4) ? (uint8_t)below(0x21) : (uint8_t)next();
		d->flags = (uint32_t)(below(3) ? (IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR) |
						 (below(2) ? IDXD_OP_FLAG_BOF : 0) |
						 (below(4) ? 0 : (uint32_t)next() & 0xffffff)
					      : (uint32_t)next() & 0xffffff);
		d->xfer_size = pick_size();
		d->src_addr = pick_addr(a, d->xfer_size);
		d->dst_addr = pick_addr(a, d->xfer_size);
		/* op-specific bytes 40..63: sometimes garbage */
		if (below(4) == 0) {
			for (int i = 5; i < 8; i++)
				w[i] = next();
			memcpy((uint8_t *)d + 40, &w[5], 24);
		}
		if (d->opcode == DSA_OPCODE_BATCH) {
			d->desc_list_addr = pick_addr(a, 64 * 32);
			d->desc_count = (uint32_t)below(40);
		}
	}
	/* descriptor bytes 0..3 carry the PASID of an ENQCMD: the CPU fills them */
	d->completion_addr = comp;
}

int main(int argc, char **argv)
{
	static const char *const wq[2] = { "/dev/dsa/wq0.0", "/dev/dsa/wq0.1" };
	uint64_t count, statuses[256] = { 0 }, retries = 0, waited = 0;
	bool verbose;
	struct dsa_completion_record *crs;
	struct arena a;
	uint8_t *pages;

	if (argc == 2 && !strcmp(argv[1], "gp")) {
		struct dsa_hw_desc d;
		int fd = open(wq[0], O_RDWR);
		void *portal = fd < 0 ? MAP_FAILED :
			       mmap(NULL, PAGE, PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);

		if (portal == MAP_FAILED)
			return 1;
		memset(&d, 0, sizeof(d));
		d.opcode = DSA_OPCODE_NOOP;
		d.pasid = 5;	/* not the CPU's to be given */
		__asm__ volatile(".byte 0xf2, 0x0f, 0x38, 0xf8, 0x02" : : "a"(portal), "d"(&d) : "memory", "cc");
		fprintf(stderr, "hostile_prog: ENQCMD with a PASID in its source did not fault\n");
		return 1;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: hostile_prog SEED COUNT\n");
		return 2;
	}
	rng = strtoull(argv[1], NULL, 0);
	verbose = getenv("HOSTILE_VERBOSE") != NULL;
	count = strtoull(argv[2], NULL, 0);
	for (int i = 0; i < 2; i++) {
		int fd = open(wq[i], O_RDWR);

		if (fd < 0) {
			fprintf(stderr, "hostile_prog: open %s: %s\n", wq[i], strerror(errno));
			return 1;
		}
		a.portal[i] = mmap(NULL, PAGE, PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
		if (a.portal[i] == MAP_FAILED) {
			fprintf(stderr, "hostile_prog: mmap %s: %s\n", wq[i], strerror(errno));
			return 1;
		}
		close(fd);
	}
	/* good | ro | none | hole | guard, in one reservation so the layout is fixed */
	pages = mmap(NULL, BUF + 3 * PAGE + GUARD, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	crs = aligned_alloc(PAGE, PAGE);
	if (pages == MAP_FAILED || !crs)
		return 1;
	a.good = pages;
	a.ro = pages + BUF;
	a.none = a.ro + PAGE;
	a.hole = a.none + PAGE;
	a.guard = a.hole + PAGE;
	memset(a.good, 0x11, BUF);
	memset(a.ro, 0x22, PAGE);
	memset(a.guard, 0x5a, GUARD);
	if (mprotect(a.ro, PAGE, PROT_READ) || mprotect(a.none, PAGE, PROT_NONE) ||
	    munmap(a.hole, PAGE))
		return 1;

	for (uint64_t i = 0; i < count; i++) {
		volatile struct dsa_completion_record *cr = &crs[below(PAGE / 32)];
		bool valid_cr = below(8) != 0;
		uint64_t comp = valid_cr ? (uint64_t)(uintptr_t)cr : pick_addr(&a, 32) | below(2);
		int dedicated = (int)below(2);
		struct dsa_hw_desc d;
		uint8_t zf = 0;

		random_desc(&a, &d, comp);
		/* ENQCMD wants bits 31:0 of its source zero (the CPU puts the PASID there), else #GP */
		if (!dedicated)
			memset(&d, 0, 4);
		if (verbose) {
			uint64_t q[8];

			memcpy(q, &d, sizeof(q));
			fprintf(stderr, "desc %llu %s:", (unsigned long long)i, dedicated ? "MOVDIR64B" : "ENQCMD");
			for (int k = 0; k < 8; k++)
				fprintf(stderr, " %016llx", (unsigned long long)q[k]);
			fprintf(stderr, "\n");
		}
		if (!valid_cr || !(d.flags & IDXD_OP_FLAG_RCR) || !(d.flags & IDXD_OP_FLAG_CRAV))
			valid_cr = false;
		cr->status = 0;
		__asm__ volatile("sfence" ::: "memory");
		if (dedicated) {
			__asm__ volatile(".byte 0x66, 0x0f, 0x38, 0xf8, 0x02"
					 : : "a"(a.portal[1]), "d"(&d) : "memory");
		} else {
			for (int tries = 0; tries < 100; tries++) {
				__asm__ volatile(".byte 0xf2, 0x0f, 0x38, 0xf8, 0x02\n\tsetz %0"
						 : "=r"(zf) : "a"(a.portal[0]), "d"(&d) : "memory", "cc");
				if (!zf)
					break;
				retries++;
			}
			if (zf)
				continue;	/* the WQ stayed full: nothing to wait for */
		}
		if (!valid_cr)
			continue;
		/* A valid record gets a status: at once inline, soon async. */
		struct timespec ts = { 0, 20000 };

		for (int spin = 0; !cr->status && spin < 250000; spin++)
			nanosleep(&ts, NULL);
		waited++;
		if (!cr->status && d.opcode != DSA_OPCODE_DRAIN) {
			fprintf(stderr, "hostile_prog: descriptor %llu (opcode 0x%x flags 0x%x) never "
				"completed\n", (unsigned long long)i, d.opcode, d.flags);
			return 1;
		}
		statuses[cr->status]++;
	}
	/* A drain at the end, so async work is over before the guard is checked. */
	{
		struct dsa_hw_desc d;
		volatile struct dsa_completion_record *cr = &crs[0];

		for (int w = 0; w < 2; w++) {
			memset(&d, 0, sizeof(d));
			d.opcode = DSA_OPCODE_DRAIN;
			d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
			d.completion_addr = (uint64_t)(uintptr_t)cr;
			cr->status = 0;
			if (w)
				__asm__ volatile(".byte 0x66, 0x0f, 0x38, 0xf8, 0x02"
						 : : "a"(a.portal[1]), "d"(&d) : "memory");
			else
				for (uint8_t zf = 1; zf;)
					__asm__ volatile(".byte 0xf2, 0x0f, 0x38, 0xf8, 0x02\n\tsetz %0"
							 : "=r"(zf) : "a"(a.portal[0]), "d"(&d) : "memory", "cc");
			for (int spin = 0; !cr->status && spin < 1000000; spin++)
				usleep(10);
			if (cr->status != DSA_COMP_SUCCESS) {
				fprintf(stderr, "hostile_prog: the final drain on %s gave status 0x%x\n",
					wq[w], cr->status);
				return 1;
			}
		}
	}
	for (uint64_t i = 0; i < GUARD; i++)
		if (a.guard[i] != 0x5a) {
			fprintf(stderr, "hostile_prog: guard byte %llu was written (0x%02x)\n",
				(unsigned long long)i, a.guard[i]);
			return 1;
		}
	printf("hostile_prog: %llu descriptors, %llu waited for, %llu ENQCMD retries; statuses:",
	       (unsigned long long)count, (unsigned long long)waited, (unsigned long long)retries);
	for (int s = 0; s < 256; s++)
		if (statuses[s])
			printf(" 0x%02x:%llu", s, (unsigned long long)statuses[s]);
	printf("\n");
	return 0;
}
