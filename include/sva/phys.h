/* SPDX-License-Identifier: MIT */
/*
 * sva/phys.h - simulated physical memory: RAM and the MMIO map.
 *
 * RAM is one range [0, ram_size) of 4 KiB frames, backed by host memory
 * that is reserved up front and only committed when touched, so a 4 GiB
 * machine costs what its software actually uses.  Devices claim MMIO
 * regions [base, base+size) outside RAM and get called for every access
 * to them.  An access to an address that is neither RAM nor MMIO is what
 * hardware reports as a machine check: here it fails with -EIO and is
 * recorded (sva_phys_mce()) so the caller can say what went wrong.
 *
 * Accesses may be of any length and may cross frames and region
 * boundaries; they are split where needed.
 */
#ifndef SVA_PHYS_H
#define SVA_PHYS_H

#include <sva/api.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

SVA_API_BEGIN

#define SVA_FRAME_SHIFT		12
#define SVA_FRAME_SIZE		(1ull << SVA_FRAME_SHIFT)
#define SVA_FRAME_MASK		(~(SVA_FRAME_SIZE - 1))

#define SVA_PHYS_DEFAULT_RAM	(4ull << 30)
#define SVA_PHYS_DEFAULT_MAXPHYADDR 46

/* Size of the payload of an enqueue store and of MOVDIR64B. */
#define SVA_ENQ_SIZE		64

struct sva_phys;

struct sva_phys_config {
	uint64_t ram_size;	/* bytes, multiple of 4 KiB; 0 = 4 GiB */
	unsigned maxphyaddr;	/* physical address width; 0 = 46 */
};

/* Status of an enqueue store (ENQCMD/ENQCMDS), as the device reports it. */
enum sva_enq_status {
	SVA_ENQ_ACCEPTED = 0,	/* the instruction clears ZF */
	SVA_ENQ_RETRY = 1,	/* the instruction sets ZF */
	/*
	 * The DMWr carrying the store was answered Unsupported Request by a
	 * port on the path or by the device (sva/pcie.h): nothing was queued.
	 * The instruction sets ZF as for retry - the SDM's "not an enqueue
	 * register" case; that UR maps to it is our reading (unverified).
	 */
	SVA_ENQ_UR = 2,
};

/* Does the enqueue store's status set ZF (the instruction reports retry)? */
static inline bool sva_enq_zf(int status)
{
	return status == SVA_ENQ_RETRY || status == SVA_ENQ_UR;
}

/*
 * What a device implements for its MMIO region.  @off is relative to the
 * region's base.  Handlers return 0 or a negative errno; an error is the
 * device's way of signalling a bus error and is passed up unchanged.
 */
struct sva_mmio_ops {
	/* Ordinary loads and stores of 1, 2, 4 or 8 naturally aligned bytes. */
	int (*read)(void *opaque, uint64_t off, unsigned size, uint64_t *val);
	int (*write)(void *opaque, uint64_t off, unsigned size, uint64_t val);
	/*
	 * A 64-byte non-posted enqueue store (@off is 64-byte aligned).
	 * Returns SVA_ENQ_ACCEPTED, SVA_ENQ_RETRY, SVA_ENQ_UR or a negative errno.  NULL
	 * means the region has no enqueue registers: the store is dropped and
	 * the instruction reports retry, as the SDM says for ENQCMD to
	 * anything but an enqueue register.
	 */
	int (*enqcmd)(void *opaque, uint64_t off, const uint8_t data[SVA_ENQ_SIZE]);
	/*
	 * A 64-byte posted write with 64-byte atomicity (MOVDIR64B).  NULL
	 * means the device does not care about the atomicity: the write is
	 * then delivered as eight 8-byte writes in ascending order.  Nothing
	 * else runs in between (one host thread, no yield), so the device
	 * still sees all 64 bytes arrive at one instant.
	 */
	int (*movdir64b)(void *opaque, uint64_t off, const uint8_t data[SVA_ENQ_SIZE]);
};

/* The last machine check, for error messages. */
struct sva_mce {
	uint64_t count;		/* machine checks so far */
	uint64_t addr;		/* first unbacked byte of the last one */
	uint64_t size;		/* length of the access that hit it */
	bool write;
};

/* Returns NULL and sets errno on failure (EINVAL, ENOMEM). */
struct sva_phys *sva_phys_create(const struct sva_phys_config *cfg);
void sva_phys_destroy(struct sva_phys *phys);

uint64_t sva_phys_ram_size(const struct sva_phys *phys);
unsigned sva_phys_maxphyaddr(const struct sva_phys *phys);

/*
 * Claim [base, base+size) for a device.  @ops and @opaque must outlive the
 * registration; @name is copied.  Returns 0, -EINVAL (empty, wraps, not
 * 4 KiB aligned, beyond MAXPHYADDR, no read/write handler), -EBUSY
 * (overlaps RAM or another region) or -ENOMEM.
 */
int sva_mmio_register(struct sva_phys *phys, uint64_t base, uint64_t size,
		      const struct sva_mmio_ops *ops, void *opaque,
		      const char *name);
/* Returns 0 or -ENOENT when no region starts at @base. */
int sva_mmio_unregister(struct sva_phys *phys, uint64_t base);
/* Name of the region containing @pa, or NULL. */
const char *sva_mmio_name(const struct sva_phys *phys, uint64_t pa);

/* True when [pa, pa+n) is all RAM. */
bool sva_phys_is_ram(const struct sva_phys *phys, uint64_t pa, uint64_t n);

/*
 * Copy between simulated physical memory and a host buffer.  Returns 0,
 * -EIO (machine check: part of the range is neither RAM nor MMIO; nothing
 * after the unbacked byte is accessed) or a device's error.
 */
int sva_phys_read(struct sva_phys *phys, uint64_t pa, void *buf, size_t n);
int sva_phys_write(struct sva_phys *phys, uint64_t pa, const void *buf, size_t n);

/* Little-endian 64-bit helpers (page-table entries, descriptors). */
int sva_phys_read_u64(struct sva_phys *phys, uint64_t pa, uint64_t *val);
int sva_phys_write_u64(struct sva_phys *phys, uint64_t pa, uint64_t val);

/*
 * Host pointer to [pa, pa+n) when all of it is RAM, else NULL.  RAM is one
 * contiguous host mapping, so the pointer is good for the whole range and
 * for the life of @phys.  Devices use it to move bytes with memcpy.
 */
void *sva_phys_ptr(struct sva_phys *phys, uint64_t pa, size_t n);

/* Zero [pa, pa+n) of RAM and give the host memory back. -EINVAL if not RAM. */
int sva_phys_discard(struct sva_phys *phys, uint64_t pa, uint64_t n);

/*
 * The 64-byte stores.  @pa must be 64-byte aligned (-EINVAL otherwise: the
 * CPU checks alignment before it gets here).
 *
 * sva_phys_enqueue() returns SVA_ENQ_ACCEPTED, SVA_ENQ_RETRY or (from a
 * device whose PCIe path refuses the DMWr) SVA_ENQ_UR.  RETRY with
 * nothing written when @pa is RAM or a region without an enqcmd handler
 * (SDM vol. 2, ENQCMD: such stores are dropped).  -EIO (machine check) when
 * @pa is unbacked; a device's negative errno is passed up.
 *
 * sva_phys_movdir64b() writes RAM like any store, or calls the region's
 * movdir64b handler (see struct sva_mmio_ops).  Returns 0 or negative errno.
 */
int sva_phys_enqueue(struct sva_phys *phys, uint64_t pa,
		     const uint8_t data[SVA_ENQ_SIZE]);
int sva_phys_movdir64b(struct sva_phys *phys, uint64_t pa,
		       const uint8_t data[SVA_ENQ_SIZE]);

/* Copy of the machine-check record. */
void sva_phys_mce(const struct sva_phys *phys, struct sva_mce *out);

SVA_API_END
#endif /* SVA_PHYS_H */
