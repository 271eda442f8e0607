// SPDX-License-Identifier: MIT
/*
 * Simulated physical memory.  RAM is one anonymous host mapping made with
 * MAP_NORESERVE: the host commits a page the first time it is touched, so
 * an idle 4 GiB machine costs nothing and frames read as zero until
 * written, like freshly scrubbed DRAM.  MMIO regions are kept in an array
 * sorted by base; a device model is one binary search away.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <sva/phys.h>

struct mmio_region {
	uint64_t base, size;
	const struct sva_mmio_ops *ops;
	void *opaque;
	char name[32];
};

struct sva_phys {
	uint8_t *ram;
	uint64_t ram_size;
	unsigned maxphyaddr;
	struct mmio_region *regions;	/* sorted by base, disjoint */
	unsigned nr_regions, cap_regions;
	struct sva_mce mce;
};

struct sva_phys *sva_phys_create(const struct sva_phys_config *cfg)
{
	struct sva_phys_config def = { 0 };
	struct sva_phys *phys;
	void *ram;

	if (!cfg)
		cfg = &def;
	phys = calloc(1, sizeof(*phys));
	if (!phys)
		return NULL;
	phys->ram_size = cfg->ram_size ? cfg->ram_size : SVA_PHYS_DEFAULT_RAM;
	phys->maxphyaddr = cfg->maxphyaddr ? cfg->maxphyaddr : SVA_PHYS_DEFAULT_MAXPHYADDR;
	/* 52 is the architectural limit of the address field in an entry. */
	if (phys->ram_size % SVA_FRAME_SIZE || phys->maxphyaddr < 32 ||
	    phys->maxphyaddr > 52 || phys->ram_size > (1ull << phys->maxphyaddr)) {
		free(phys);
		errno = EINVAL;
		return NULL;
	}
	ram = mmap(NULL, phys->ram_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED) {
		free(phys);
		errno = ENOMEM;
		return NULL;
	}
	phys->ram = ram;
	return phys;
}

void sva_phys_destroy(struct sva_phys *phys)
{
	if (!phys)
		return;
	munmap(phys->ram, phys->ram_size);
	free(phys->regions);
	free(phys);
}

uint64_t sva_phys_ram_size(const struct sva_phys *phys)
{
	return phys->ram_size;
}

unsigned sva_phys_maxphyaddr(const struct sva_phys *phys)
{
	return phys->maxphyaddr;
}

/* Index of the first region whose end is above @pa (nr_regions if none). */
static unsigned region_lower_bound(const struct sva_phys *phys, uint64_t pa)
{
	unsigned lo = 0, hi = phys->nr_regions;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct mmio_region *r = &phys->regions[mid];

		if (r->base + r->size <= pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct mmio_region *region_find(const struct sva_phys *phys, uint64_t pa)
{
	unsigned i = region_lower_bound(phys, pa);

	if (i < phys->nr_regions && phys->regions[i].base <= pa)
		return &phys->regions[i];
	return NULL;
}

int sva_mmio_register(struct sva_phys *phys, uint64_t base, uint64_t size,
		      const struct sva_mmio_ops *ops, void *opaque,
		      const char *name)
{
	struct mmio_region *r;
	unsigned i;

	if (!size || base + size < base || base % SVA_FRAME_SIZE ||
	    size % SVA_FRAME_SIZE || base + size > (1ull << phys->maxphyaddr) ||
	    !ops || !ops->read || !ops->write)
		return -EINVAL;
	if (base < phys->ram_size)
		return -EBUSY;
	i = region_lower_bound(phys, base);
	if (i < phys->nr_regions && phys->regions[i].base < base + size)
		return -EBUSY;
	if (phys->nr_regions == phys->cap_regions) {
		unsigned ncap = phys->cap_regions ? phys->cap_regions * 2 : 8;
		void *nv = realloc(phys->regions, ncap * sizeof(*phys->regions));

		if (!nv)
			return -ENOMEM;
		phys->regions = nv;
		phys->cap_regions = ncap;
	}
	memmove(&phys->regions[i + 1], &phys->regions[i],
		(phys->nr_regions - i) * sizeof(*phys->regions));
	phys->nr_regions++;
	r = &phys->regions[i];
	*r = (struct mmio_region){ .base = base, .size = size, .ops = ops, .opaque = opaque };
	snprintf(r->name, sizeof(r->name), "%s", name ? name : "mmio");
	return 0;
}

int sva_mmio_unregister(struct sva_phys *phys, uint64_t base)
{
	struct mmio_region *r = region_find(phys, base);
	unsigned i;

	if (!r || r->base != base)
		return -ENOENT;
	i = (unsigned)(r - phys->regions);
	memmove(&phys->regions[i], &phys->regions[i + 1],
		(phys->nr_regions - i - 1) * sizeof(*phys->regions));
	phys->nr_regions--;
	return 0;
}

const char *sva_mmio_name(const struct sva_phys *phys, uint64_t pa)
{
	const struct mmio_region *r = region_find(phys, pa);

	return r ? r->name : NULL;
}

bool sva_phys_is_ram(const struct sva_phys *phys, uint64_t pa, uint64_t n)
{
	return pa < phys->ram_size && n <= phys->ram_size - pa;
}

void *sva_phys_ptr(struct sva_phys *phys, uint64_t pa, size_t n)
{
	if (!sva_phys_is_ram(phys, pa, n))
		return NULL;
	return phys->ram + pa;
}

static int machine_check(struct sva_phys *phys, uint64_t pa, uint64_t n, bool write)
{
	phys->mce.count++;
	phys->mce.addr = pa;
	phys->mce.size = n;
	phys->mce.write = write;
	return -EIO;
}

void sva_phys_mce(const struct sva_phys *phys, struct sva_mce *out)
{
	*out = phys->mce;
}

/* Largest naturally aligned access size (8, 4, 2, 1) at @pa that fits @n. */
static unsigned chunk_size(uint64_t pa, uint64_t n)
{
	unsigned sz = 8;

	while (sz > 1 && (pa % sz || sz > n))
		sz >>= 1;
	return sz;
}

static int mmio_read(struct mmio_region *r, uint64_t pa, uint8_t *buf, uint64_t n)
{
	while (n) {
		unsigned sz = chunk_size(pa, n);
		uint64_t val = 0;
		int err = r->ops->read(r->opaque, pa - r->base, sz, &val);

		if (err)
			return err;
		for (unsigned i = 0; i < sz; i++)
			buf[i] = (uint8_t)(val >> (8 * i));
		pa += sz;
		buf += sz;
		n -= sz;
	}
	return 0;
}

static int mmio_write(struct mmio_region *r, uint64_t pa, const uint8_t *buf, uint64_t n)
{
	while (n) {
		unsigned sz = chunk_size(pa, n);
		uint64_t val = 0;
		int err;

		for (unsigned i = 0; i < sz; i++)
			val |= (uint64_t)buf[i] << (8 * i);
		err = r->ops->write(r->opaque, pa - r->base, sz, val);
		if (err)
			return err;
		pa += sz;
		buf += sz;
		n -= sz;
	}
	return 0;
}

/*
 * Walk [pa, pa+n) piece by piece: RAM, then each region in turn.  One
 * function for both directions so the splitting rules cannot diverge.
 */
static int phys_access(struct sva_phys *phys, uint64_t pa, uint8_t *buf,
		       uint64_t n, bool write)
{
	if (pa + n < pa)
		return machine_check(phys, pa, n, write);
	while (n) {
		struct mmio_region *r;
		uint64_t len;
		int err;

		if (pa < phys->ram_size) {
			len = phys->ram_size - pa;
			if (len > n)
				len = n;
			if (write)
				memcpy(phys->ram + pa, buf, len);
			else
				memcpy(buf, phys->ram + pa, len);
		} else {
			r = region_find(phys, pa);
			if (!r)
				return machine_check(phys, pa, n, write);
			len = r->base + r->size - pa;
			if (len > n)
				len = n;
			err = write ? mmio_write(r, pa, buf, len) : mmio_read(r, pa, buf, len);
			if (err)
				return err;
		}
		pa += len;
		buf += len;
		n -= len;
	}
	return 0;
}

int sva_phys_read(struct sva_phys *phys, uint64_t pa, void *buf, size_t n)
{
	return phys_access(phys, pa, buf, n, false);
}

int sva_phys_write(struct sva_phys *phys, uint64_t pa, const void *buf, size_t n)
{
	/* phys_access() only reads from @buf when @write is set. */
	return phys_access(phys, pa, (uint8_t *)buf, n, true);
}

int sva_phys_read_u64(struct sva_phys *phys, uint64_t pa, uint64_t *val)
{
	uint8_t b[8];
	uint64_t v = 0;
	int err = sva_phys_read(phys, pa, b, sizeof(b));

	if (err)
		return err;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | b[i];
	*val = v;
	return 0;
}

int sva_phys_write_u64(struct sva_phys *phys, uint64_t pa, uint64_t val)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(val >> (8 * i));
	return sva_phys_write(phys, pa, b, sizeof(b));
}

int sva_phys_discard(struct sva_phys *phys, uint64_t pa, uint64_t n)
{
	uint64_t lo, hi;

	if (!sva_phys_is_ram(phys, pa, n))
		return -EINVAL;
	/* Whole host pages go back to the host (and read as zero again). */
	lo = (pa + SVA_FRAME_SIZE - 1) & SVA_FRAME_MASK;
	hi = (pa + n) & SVA_FRAME_MASK;
	if (lo < hi) {
		memset(phys->ram + pa, 0, lo - pa);
		if (madvise(phys->ram + lo, hi - lo, MADV_DONTNEED))
			memset(phys->ram + lo, 0, hi - lo);
		memset(phys->ram + hi, 0, pa + n - hi);
	} else {
		memset(phys->ram + pa, 0, n);
	}
	return 0;
}

int sva_phys_enqueue(struct sva_phys *phys, uint64_t pa,
		     const uint8_t data[SVA_ENQ_SIZE])
{
	struct mmio_region *r;

	if (pa % SVA_ENQ_SIZE)
		return -EINVAL;
	/* SDM vol. 2, ENQCMD: a store to memory is dropped and reports retry. */
	if (pa < phys->ram_size)
		return SVA_ENQ_RETRY;
	r = region_find(phys, pa);
	if (!r)
		return machine_check(phys, pa, SVA_ENQ_SIZE, true);
	/* A region is 4 KiB aligned and sized, so 64 aligned bytes fit. */
	assert(pa + SVA_ENQ_SIZE <= r->base + r->size);
	if (!r->ops->enqcmd)
		return SVA_ENQ_RETRY;
	return r->ops->enqcmd(r->opaque, pa - r->base, data);
}

int sva_phys_movdir64b(struct sva_phys *phys, uint64_t pa,
		       const uint8_t data[SVA_ENQ_SIZE])
{
	struct mmio_region *r;

	if (pa % SVA_ENQ_SIZE)
		return -EINVAL;
	if (pa < phys->ram_size) {
		memcpy(phys->ram + pa, data, SVA_ENQ_SIZE);
		return 0;
	}
	r = region_find(phys, pa);
	if (!r)
		return machine_check(phys, pa, SVA_ENQ_SIZE, true);
	assert(pa + SVA_ENQ_SIZE <= r->base + r->size);
	if (r->ops->movdir64b)
		return r->ops->movdir64b(r->opaque, pa - r->base, data);
	return mmio_write(r, pa, data, SVA_ENQ_SIZE);
}
