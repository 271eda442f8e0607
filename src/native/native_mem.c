// SPDX-License-Identifier: MIT
/*
 * Native mode's device memory: runs of the program's own address space,
 * checked so that the device never faults the host (native_mem.h).
 *
 * A run is cut at the first page that fails, so a partial completion's
 * fault address is exact: the operation asks again at that page and gets
 * the fault there.  Checking faults pages in as an access would (it is
 * the kernel's own fault path), so what the device then touches is there.
 *
 * What is checked cannot stay true on its own: another thread of the
 * program may unmap or protect a page between the check and the copy.
 * The program is then racing its own DMA (on hardware the IOMMU would
 * fault it); here the copy faults the host.  A single-threaded program,
 * and any program that does not unmap memory it has handed to the device,
 * never sees this.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/fs.h>

#include <sva/iommu.h>

#include "native/native_mem.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif
#ifndef PROCMAP_QUERY
/* Linux 6.11's <linux/fs.h>, for older headers (the kernel answers ENOTTY if it lacks it). */
struct procmap_query {
	uint64_t size, query_flags, query_addr;
	uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
	uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
#define PROCMAP_QUERY _IOWR('f', 17, struct procmap_query)
#define PROCMAP_QUERY_VMA_READABLE 0x01
#define PROCMAP_QUERY_VMA_WRITABLE 0x02
#endif

#define PAGE_SHIFT	12
#define PAGE		(1ull << PAGE_SHIFT)
#define PAGE_MASK	(PAGE - 1)
/* The top of a 4-level user address space: the device faults above it. */
#define USER_TOP	(1ull << 47)
/*
 * A run covers at most this many pages, so one check (and mincore's
 * vector) stays bounded; the operation asks again for the rest.
 */
#define RUN_PAGES	4096u
#define MAX_ENGINES	16u	/* DSA_MAX_ENGINES */
#define IOV_BATCH	1024u	/* IOV_MAX */

/* --faults seed: what one descriptor has touched, per page. */
enum { SEEN_OK = 1, SEEN_INJECTED = 2, SEEN_RESOLVED = 3 };
struct seen_slot {
	uint64_t page;
	uint32_t gen;		/* valid when equal to the table's */
	uint8_t state;
};
struct seen_table {
	uint64_t desc;		/* whose pages these are */
	uint32_t gen;		/* never 0 */
	uint32_t cap, count;	/* cap a power of two, count < cap / 2 */
	struct seen_slot *slot;
};

/*
 * The last private anonymous mapping PROCMAP_QUERY found for an engine's
 * descriptor: its other operands and its record are usually in the same
 * one (the kernel merges neighbouring anonymous mappings).  Kept for one
 * descriptor only, which executes at once: trusting it is no wider a
 * window than the one between any check and its copy (see the top).
 */
struct vma_seen {
	uint64_t desc;
	uint64_t start, end;	/* empty when start == end */
	bool writable;
};

struct native_mem {
	enum sva_native_faults faults;
	enum native_mem_probe probe;
	bool populate_ok;	/* the kernel has MADV_POPULATE_* */
	/*
	 * /proc/self/maps for PROCMAP_QUERY, or -1.  It names the process
	 * that opened it, so a forked child opens its own: the page
	 * @forked is wiped in a child (MADV_WIPEONFORK), which tells
	 * without a system call.
	 */
	int maps_fd;
	volatile uint8_t *forked;
	uint64_t rng;		/* splitmix64 state */
	struct seen_table seen[MAX_ENGINES];
	struct vma_seen vma[MAX_ENGINES];
	struct native_mem_stats st;
	uint8_t vec[RUN_PAGES];	/* mincore's answer */
	char *maps;		/* /proc/self/maps, read whole */
	size_t maps_cap;
};

/* ---- checking a run --------------------------------------------------------------------- */

static enum native_mem_fault fault_of_errno(int e)
{
	switch (e) {
	case ENOMEM: return NATIVE_MEM_UNMAPPED;
	case EFAULT:
	case EHWPOISON: return NATIVE_MEM_BUS;
	default: return NATIVE_MEM_ACCESS;	/* EINVAL: no permission, or a VM_IO/PFNMAP mapping */
	}
}

/* 0, or the errno where an access of [start, +n pages) would fault. */
static int populate(struct native_mem *nm, uint64_t start, uint64_t n, bool write)
{
	for (;;) {
		nm->st.probes++;
		if (!madvise((void *)start, n << PAGE_SHIFT, write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ))
			return 0;
		if (errno != EINTR && errno != EAGAIN)
			return errno;
	}
}

/*
 * Pages of [start, +n) that populate() passes, from the first: all n, or
 * the index of the first failing page, found by halving (a page count
 * fails as soon as one page in it does), with *e its own errno.
 */
static uint64_t populate_prefix(struct native_mem *nm, uint64_t start, uint64_t n, bool write, int *e)
{
	uint64_t lo = 0, hi = n;

	*e = populate(nm, start, n, write);
	if (!*e)
		return n;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (populate(nm, start + (lo << PAGE_SHIFT), mid - lo, write))
			hi = mid;
		else
			lo = mid;
	}
	/* A range's errno is not its first bad page's (holes are reported last): ask for the page. */
	*e = populate(nm, start + (lo << PAGE_SHIFT), 1, write);
	return lo;
}

/* ---- the fallback: process_vm_readv and /proc/self/maps ---- */

/* Pages of [start, +n) readable from the first, by reading one byte of each (which faults it in). */
static uint64_t read_prefix(struct native_mem *nm, uint64_t start, uint64_t n)
{
	uint8_t sink[IOV_BATCH];
	struct iovec local = { .iov_base = sink }, remote[IOV_BATCH];
	uint64_t done = 0;

	while (done < n) {
		unsigned k = n - done < IOV_BATCH ? (unsigned)(n - done) : IOV_BATCH;
		ssize_t got;

		for (unsigned i = 0; i < k; i++)
			remote[i] = (struct iovec){ .iov_base = (void *)(start + ((done + i) << PAGE_SHIFT)),
						    .iov_len = 1 };
		local.iov_len = k;
		nm->st.probes++;
		/* Partial transfers stop at a whole iovec: the count is the pages read. */
		got = process_vm_readv(getpid(), &local, 1, remote, k, 0);	/* not cached: fork */
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return done;
		done += (uint64_t)got;
		if ((unsigned)got < k)
			return done;
	}
	return n;
}

static const char *read_maps(struct native_mem *nm)
{
	size_t len = 0;
	int fd;

	nm->st.probes++;
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t r;

		if (nm->maps_cap - len < 4096) {
			size_t cap = nm->maps_cap ? nm->maps_cap * 2 : 65536;
			char *p = realloc(nm->maps, cap);

			if (!p)
				break;
			nm->maps = p;
			nm->maps_cap = cap;
		}
		r = read(fd, nm->maps + len, nm->maps_cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close(fd);
			if (r < 0)
				return NULL;
			nm->maps[len] = 0;
			return nm->maps;
		}
		len += (size_t)r;
	}
	close(fd);
	return NULL;
}

/*
 * Pages of [start, +n) that mappings with the permission cover from the
 * first, by /proc/self/maps; when fewer than n, *kind says whether the
 * page is unmapped or mapped without the permission.
 */
static uint64_t maps_prefix(struct native_mem *nm, uint64_t start, uint64_t n, bool write,
			    enum native_mem_fault *kind)
{
	const char *p = read_maps(nm);
	uint64_t at = start, end = start + (n << PAGE_SHIFT);

	*kind = NATIVE_MEM_UNMAPPED;
	if (!p)
		return 0;
	while (*p && at < end) {
		char *q;
		uint64_t lo = strtoull(p, &q, 16), hi = strtoull(q + 1, &q, 16);
		bool perm = q[1] == 'r' && (!write || q[2] == 'w');

		if (lo > at)
			break;		/* a hole at @at (the lines are sorted) */
		if (hi > at) {
			if (!perm) {
				*kind = NATIVE_MEM_ACCESS;
				break;
			}
			at = hi;
		}
		p = strchr(q, '\n');
		if (!p)
			break;
		p++;
	}
	return at >= end ? n : (at - start) >> PAGE_SHIFT;
}

static uint64_t procfs_prefix(struct native_mem *nm, uint64_t start, uint64_t n, bool write,
			      enum native_mem_fault *kind)
{
	uint64_t r = read_prefix(nm, start, n), m;

	/* Readable pages are mapped readable; a write needs the mapping's permission too. */
	if (r == n && !write)
		return n;
	m = maps_prefix(nm, start, r < n ? r + 1 : n, write, kind);
	if (m <= r)
		return m;
	*kind = NATIVE_MEM_BUS;	/* mapped with the permission, and still the read failed */
	return r;
}

/* ---- the fast one: the mapping, by PROCMAP_QUERY ---- */

/* In a forked child, forget what the parent saw of its mappings and open our own maps file. */
static void after_fork(struct native_mem *nm)
{
	if (*nm->forked)
		return;
	*nm->forked = 1;
	memset(nm->vma, 0, sizeof(nm->vma));
	/* The child's copy of the descriptor still shows the parent's mappings. */
	if (nm->maps_fd >= 0)
		close(nm->maps_fd);
	nm->maps_fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
}

/*
 * Pages of [start, +n) that private anonymous mappings with the permission
 * cover, from the first: one system call per mapping, whatever n is; -1
 * when the first page is not in one (a file mapping, which can raise
 * SIGBUS past its end, no mapping, no permission, or no PROCMAP_QUERY):
 * the caller checks that page by page.  An anonymous mapping that permits
 * an access never faults it (the kernel brings the page in).
 */
static int64_t vma_prefix(struct native_mem *nm, struct vma_seen *vs, uint64_t start, uint64_t n, bool write)
{
	uint64_t need = PROCMAP_QUERY_VMA_READABLE | (write ? PROCMAP_QUERY_VMA_WRITABLE : 0);
	uint64_t at = start, end = start + (n << PAGE_SHIFT);

	after_fork(nm);
	while (at < end) {
		struct procmap_query q = { .size = sizeof(q), .query_addr = at };

		if (vs && at >= vs->start && at < vs->end && (!write || vs->writable)) {
			at = vs->end;
			continue;
		}
		if (nm->maps_fd < 0)
			break;
		nm->st.probes++;
		if (ioctl(nm->maps_fd, PROCMAP_QUERY, &q)) {
			/*
			 * ENOENT: nothing mapped at @at, which the page check
			 * reports exactly.  Anything else: the descriptor is
			 * gone or no longer ours (the program may close or
			 * reuse any number); forget it without closing it.
			 */
			if (errno != ENOENT && errno != EINTR)
				nm->maps_fd = -1;
			break;
		}
		if ((q.vma_flags & need) != need || q.inode || q.dev_major || q.dev_minor || q.vma_start > at)
			break;
		if (vs) {
			vs->start = q.vma_start;
			vs->end = q.vma_end;
			vs->writable = q.vma_flags & PROCMAP_QUERY_VMA_WRITABLE;
		}
		at = q.vma_end;
	}
	if (at > end)
		at = end;
	return at > start ? (int64_t)((at - start) >> PAGE_SHIFT) : -1;
}

/* What @req's engine saw of the mappings during this descriptor. */
static struct vma_seen *vma_seen_of(struct native_mem *nm, const struct sva_dsa_dma_req *req)
{
	struct vma_seen *vs = &nm->vma[req->engine % MAX_ENGINES];

	if (vs->desc != req->desc)
		*vs = (struct vma_seen){ .desc = req->desc };
	return vs;
}

/* Pages of [start, +n) the device may access, from the first; *kind for the one after. */
static uint64_t checked_prefix(struct native_mem *nm, struct vma_seen *vs, uint64_t start, uint64_t n,
			       bool write, enum native_mem_fault *kind)
{
	uint64_t ok;
	int64_t v;
	int e;

	if (nm->probe == NATIVE_MEM_PROBE_PROCFS)
		return procfs_prefix(nm, start, n, write, kind);
	if (nm->probe == NATIVE_MEM_PROBE_VMA && (v = vma_prefix(nm, vs, start, n, write)) > 0)
		return (uint64_t)v;
	ok = populate_prefix(nm, start, n, write, &e);
	if (ok < n)
		*kind = fault_of_errno(e);
	return ok;
}

/* --faults touch: pages of [start, +n) mapped and resident, from the first (no page is touched). */
static uint64_t resident_prefix(struct native_mem *nm, uint64_t start, uint64_t n, enum native_mem_fault *kind)
{
	uint64_t lo = 0, hi = n;

	nm->st.probes++;
	if (mincore((void *)start, n << PAGE_SHIFT, nm->vec)) {
		/* A hole: find the first unmapped page by halving, then ask for what is before it. */
		while (hi - lo > 1) {
			uint64_t mid = lo + (hi - lo) / 2;

			nm->st.probes++;
			if (mincore((void *)(start + (lo << PAGE_SHIFT)), (mid - lo) << PAGE_SHIFT, nm->vec))
				hi = mid;
			else
				lo = mid;
		}
		n = lo;
		*kind = NATIVE_MEM_UNMAPPED;
		nm->st.probes++;
		if (n && mincore((void *)start, n << PAGE_SHIFT, nm->vec))
			return 0;	/* unmapped meanwhile: treat the first page as the hole */
	}
	for (uint64_t i = 0; i < n; i++)
		if (!(nm->vec[i] & 1)) {
			*kind = NATIVE_MEM_NOT_RESIDENT;
			return i;
		}
	return n;
}

/* ---- --faults seed ---------------------------------------------------------------------- */

static uint64_t next_rand(struct native_mem *nm)
{
	uint64_t z = (nm->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static struct seen_slot *seen_find(struct seen_table *t, uint64_t page)
{
	uint32_t i = (uint32_t)((page * 0x9e3779b97f4a7c15ull) >> 32) & (t->cap - 1);

	while (t->slot[i].gen == t->gen && t->slot[i].page != page)
		i = (i + 1) & (t->cap - 1);
	return &t->slot[i];
}

static int seen_grow(struct seen_table *t)
{
	struct seen_table n = { .desc = t->desc, .gen = 1, .cap = t->cap ? t->cap * 2 : 64 };

	n.slot = calloc(n.cap, sizeof(*n.slot));
	if (!n.slot)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->cap; i++)
		if (t->slot[i].gen == t->gen) {
			struct seen_slot *d = seen_find(&n, t->slot[i].page);

			*d = t->slot[i];
			d->gen = n.gen;
			n.count++;
		}
	free(t->slot);
	*t = n;
	return 0;
}

/* The table of @req's engine, emptied when it starts another descriptor. */
static struct seen_table *seen_of(struct native_mem *nm, const struct sva_dsa_dma_req *req)
{
	struct seen_table *t = &nm->seen[req->engine % MAX_ENGINES];

	if (t->desc != req->desc) {
		t->desc = req->desc;
		t->count = 0;
		if (++t->gen == 0) {	/* wrapped: really clear */
			memset(t->slot, 0, t->cap * sizeof(*t->slot));
			t->gen = 1;
		}
	}
	return t;
}

/*
 * Pages of the checked run [start, +n) the seed lets through, from the
 * first: a page this descriptor touches for the first time faults with
 * probability 1/NATIVE_MEM_SEED_RATE, drawn in the order of first touches,
 * so the same program and seed give the same faults whatever the
 * addresses.  A page a page request resolved stays resolved for the rest
 * of the descriptor.
 */
static uint64_t seed_prefix(struct native_mem *nm, const struct sva_dsa_dma_req *req, uint64_t start, uint64_t n)
{
	struct seen_table *t = seen_of(nm, req);

	for (uint64_t i = 0; i < n; i++) {
		uint64_t page = (start >> PAGE_SHIFT) + i;
		struct seen_slot *s;

		if ((t->count + 1) * 2 > t->cap && seen_grow(t))
			return i;	/* out of memory: stop the run here, the device faults */
		s = seen_find(t, page);
		if (s->gen != t->gen) {
			*s = (struct seen_slot){ .page = page, .gen = t->gen,
						 .state = next_rand(nm) % NATIVE_MEM_SEED_RATE ? SEEN_OK : SEEN_INJECTED };
			t->count++;
		}
		if (s->state == SEEN_INJECTED)
			return i;
	}
	return n;
}

/* ---- the back end ------------------------------------------------------------------------- */

static int mem_map(void *ctx, const struct sva_dsa_dma_req *req, uint64_t va, uint64_t len, bool write,
		   void **ptr, uint64_t *got)
{
	struct native_mem *nm = ctx;
	uint64_t start = va & ~PAGE_MASK, n, ok, bytes;
	enum native_mem_fault kind = NATIVE_MEM_UNMAPPED;

	nm->st.maps++;
	if (va >= USER_TOP || !len) {
		nm->st.faults[NATIVE_MEM_UNMAPPED]++;
		return DSA_MEM_FAULT;
	}
	if (len > USER_TOP - va)
		len = USER_TOP - va;
	n = ((va + len - start) + PAGE_MASK) >> PAGE_SHIFT;
	if (n > RUN_PAGES)
		n = RUN_PAGES;
	ok = n;
	/* --faults touch: stop before a page that is not there yet, and check no further. */
	if (nm->faults == SVA_NATIVE_FAULTS_TOUCH)
		ok = resident_prefix(nm, start, n, &kind);
	if (ok) {
		enum native_mem_fault k2;
		uint64_t c = checked_prefix(nm, vma_seen_of(nm, req), start, ok, write, &k2);

		if (c < ok) {
			ok = c;
			kind = k2;
		}
	}
	/* Injected faults hit the operands only: a lost record or batch list would hang the program. */
	if (ok && nm->faults == SVA_NATIVE_FAULTS_SEED && req->access == SVA_DSA_ACCESS_DATA) {
		uint64_t s = seed_prefix(nm, req, start, ok);

		if (s < ok) {
			ok = s;
			kind = NATIVE_MEM_INJECTED;
		}
	}
	if (!ok) {
		nm->st.faults[kind]++;
		return DSA_MEM_FAULT;
	}
	bytes = (ok << PAGE_SHIFT) - (va - start);
	*ptr = (void *)va;
	*got = bytes < len ? bytes : len;
	nm->st.bytes += *got;
	return 0;
}

/* Bring the page at @page in for @write, as the kernel's fault handler would: false if it cannot be. */
static bool fault_in(struct native_mem *nm, uint64_t page, bool write, enum native_mem_fault *kind)
{
	int e;

	if (nm->populate_ok) {
		e = populate(nm, page, 1, write);
		if (e)
			*kind = fault_of_errno(e);
		return !e;
	}
	return procfs_prefix(nm, page, 1, write, kind) == 1;
}

static int mem_page_request(void *ctx, const struct sva_dsa_dma_req *req, uint64_t va, bool write)
{
	struct native_mem *nm = ctx;
	uint64_t page = va & ~PAGE_MASK;
	enum native_mem_fault kind;

	nm->st.page_requests++;
	if (nm->faults == SVA_NATIVE_FAULTS_SEED && page < USER_TOP) {
		struct seen_slot *s;
		struct seen_table *t = seen_of(nm, req);

		if (t->cap) {
			s = seen_find(t, page >> PAGE_SHIFT);
			if (s->gen == t->gen && s->state == SEEN_INJECTED)
				s->state = SEEN_RESOLVED;
		}
	}
	/* The kernel's fault path, as for a device page request: in, or Invalid if it cannot be. */
	if (page < USER_TOP && fault_in(nm, page, write, &kind)) {
		nm->st.pages_faulted_in++;
		return SVA_PRG_SUCCESS;
	}
	nm->st.page_requests_invalid++;
	return SVA_PRG_INVALID;
}

const struct sva_dsa_dma_ops native_mem_dma_ops = {
	.map = mem_map,
	.page_request = mem_page_request,
};

static int op_map(void *ctx, uint64_t va, uint64_t len, bool write, unsigned opnd, void **ptr, uint64_t *got)
{
	struct native_mem_op *op = ctx;

	(void)opnd;
	return mem_map(op->nm, &op->req, va, len, write, ptr, got);
}

const struct dsa_mem_ops native_mem_op_mem = { .map = op_map };

/* ---- life cycle ----------------------------------------------------------------------------- */

static bool has_populate(void)
{
	void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool ok;

	if (p == MAP_FAILED)
		return false;
	ok = !madvise(p, PAGE, MADV_POPULATE_READ) && !madvise(p, PAGE, MADV_POPULATE_WRITE);
	munmap(p, PAGE);
	return ok;
}

struct native_mem *native_mem_create(enum sva_native_faults faults, uint64_t seed)
{
	struct native_mem *nm;

	if (faults > SVA_NATIVE_FAULTS_SEED) {
		errno = EINVAL;
		return NULL;
	}
	nm = calloc(1, sizeof(*nm));
	if (!nm)
		return NULL;
	nm->faults = faults;
	nm->rng = seed;
	for (unsigned i = 0; i < MAX_ENGINES; i++)
		nm->seen[i].gen = 1;	/* never 0: calloc'd slots are 0 */
	nm->populate_ok = has_populate();
	nm->probe = nm->populate_ok ? NATIVE_MEM_PROBE_POPULATE : NATIVE_MEM_PROBE_PROCFS;
	nm->maps_fd = -1;
	nm->forked = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (nm->forked == MAP_FAILED) {
		free(nm);
		return NULL;
	}
	/* Without MADV_WIPEONFORK (Linux 4.14) a child could not tell: no PROCMAP_QUERY then. */
	*nm->forked = 1;
	if (!madvise((void *)nm->forked, PAGE, MADV_WIPEONFORK))
		nm->maps_fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (nm->populate_ok && vma_prefix(nm, NULL, (uint64_t)nm->forked, 1, true) == 1)
		nm->probe = NATIVE_MEM_PROBE_VMA;
	memset(&nm->st, 0, sizeof(nm->st));	/* what finding out cost is nobody's */
	return nm;
}

void native_mem_destroy(struct native_mem *nm)
{
	if (!nm)
		return;
	for (unsigned i = 0; i < MAX_ENGINES; i++)
		free(nm->seen[i].slot);
	if (nm->maps_fd >= 0)
		close(nm->maps_fd);
	munmap((void *)nm->forked, PAGE);
	free(nm->maps);
	free(nm);
}

void native_mem_stats(const struct native_mem *nm, struct native_mem_stats *out)
{
	*out = nm->st;
}

const char *native_mem_fault_name(enum native_mem_fault kind)
{
	switch (kind) {
	case NATIVE_MEM_UNMAPPED: return "unmapped";
	case NATIVE_MEM_ACCESS: return "no access";
	case NATIVE_MEM_BUS: return "bus error";
	case NATIVE_MEM_NOT_RESIDENT: return "not resident";
	case NATIVE_MEM_INJECTED: return "injected";
	default: return "unknown";
	}
}

enum native_mem_probe native_mem_probe(const struct native_mem *nm)
{
	return nm->probe;
}

int native_mem_set_probe(struct native_mem *nm, enum native_mem_probe probe)
{
	if (probe > NATIVE_MEM_PROBE_PROCFS)
		return -EINVAL;
	if (probe != NATIVE_MEM_PROBE_PROCFS && !nm->populate_ok)
		return -EOPNOTSUPP;
	if (probe == NATIVE_MEM_PROBE_VMA && vma_prefix(nm, NULL, (uint64_t)nm->forked, 1, true) != 1)
		return -EOPNOTSUPP;
	nm->probe = probe;
	return 0;
}
