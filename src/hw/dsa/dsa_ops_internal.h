/* SPDX-License-Identifier: MIT */
/*
 * Shared by the dsa_ops*.c files; not used by the device model.
 */
#ifndef SVA_HW_DSA_OPS_INTERNAL_H
#define SVA_HW_DSA_OPS_INTERNAL_H

#include "dsa_ops.h"

/* Op-specific flag bits (descriptor bits 55:48 = flags bits 23:16). */
#define DSA_CRC_FLAG_READ_SEED		0x010000u
#define DSA_CRC_FLAG_BYPASS_INV_REFL	0x020000u
#define DSA_CRC_FLAG_BYPASS_DATA_REFL	0x040000u
#define DSA_DCAST_FLAG_DST2_STS		0x010000u

/* DIF flags byte (descriptor byte 42). */
#define DSA_DIF_BLKSZ_MASK		0x03u
#define DSA_DIF_INVERT_SEED		0x04u
#define DSA_DIF_INVERT_RESULT		0x08u
#define DSA_DIF_FLAGS_RSVD		0xf0u

/* Source DIF flags (byte 40). */
#define DSA_DIF_SRC_ALLF_ERR		0x01u
#define DSA_DIF_SRC_ALLF_DETECT		0x02u
#define DSA_DIF_SRC_APP_F_DETECT	0x04u
#define DSA_DIF_SRC_APPREF_F_DETECT	0x08u
#define DSA_DIF_SRC_INC_APP		0x10u
#define DSA_DIF_SRC_GUARD_DIS		0x20u
#define DSA_DIF_SRC_REF_DIS		0x40u
#define DSA_DIF_SRC_FIXED_REF		0x80u

/* Destination DIF flags (byte 41). */
#define DSA_DIF_DST_APP_PASS		0x08u
#define DSA_DIF_DST_INC_APP		0x10u
#define DSA_DIF_DST_GUARD_PASS		0x20u
#define DSA_DIF_DST_REF_PASS		0x40u
#define DSA_DIF_DST_FIXED_REF		0x80u
#define DSA_DIF_DST_RSVD		0x07u

/* dif_status bits (completion record byte 1) on DSA_COMP_DIF_ERR. */
#define DSA_DIF_ERR_GUARD		0x01u
#define DSA_DIF_ERR_APP			0x02u
#define DSA_DIF_ERR_REF			0x04u
#define DSA_DIF_ERR_ALLF		0x08u

/* Delta records: 10-byte entries, 16-bit word offsets. */
#define DSA_DELTA_ENTRY		10u
#define DSA_DELTA_MAX_XFER	0x80000u
#define DSA_DELTA_MIN_MAX_SIZE	80u

static inline uint64_t dsa_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline void dsa_cr_set_fault_info(struct dsa_completion_record *cr,
					 uint8_t info)
{
	/* Byte 2 is fault_info in newer uapi headers, rsvd in older ones. */
	((unsigned char *)cr)[2] = info;
}

static inline uint8_t dsa_cr_fault_info(const struct dsa_completion_record *cr)
{
	return ((const unsigned char *)cr)[2];
}

/*
 * Map a run of @va for the op.  Returns 0 with the run in p and got, or 1 after
 * recording the fault (status, R/W bit, fault_addr, fault_info) in @cr; the
 * caller then fills bytes_completed and the op-specific fields.
 */
int dsa_ops_map(struct dsa_op_env *env, struct dsa_completion_record *cr,
		uint64_t va, uint64_t len, bool write, enum dsa_operand opnd,
		uint8_t **p, uint64_t *got);

/*
 * Small, unaligned items (a seed, a DIF tuple, delta entries): copy @n bytes
 * between @buf and @va.  Returns 0, or 1 after a fault with *done bytes
 * moved.  Counts the bytes in env->bytes_read / bytes_written.
 */
int dsa_ops_read(struct dsa_op_env *env, struct dsa_completion_record *cr,
		 uint64_t va, void *buf, uint64_t n, enum dsa_operand opnd,
		 uint64_t *done);
int dsa_ops_write(struct dsa_op_env *env, struct dsa_completion_record *cr,
		  uint64_t va, const void *buf, uint64_t n,
		  enum dsa_operand opnd, uint64_t *done);

void dsa_op_crc(const struct dsa_hw_desc *d, struct dsa_op_env *env,
		struct dsa_completion_record *cr, bool copy);
void dsa_op_dif(const struct dsa_hw_desc *d, struct dsa_op_env *env,
		struct dsa_completion_record *cr);
void dsa_op_cr_delta(const struct dsa_hw_desc *d, struct dsa_op_env *env,
		     struct dsa_completion_record *cr);
void dsa_op_ap_delta(const struct dsa_hw_desc *d, struct dsa_op_env *env,
		     struct dsa_completion_record *cr);

/* Block size selected by the DIF flags byte. */
uint32_t dsa_dif_block_size(uint8_t dif_flags);

#endif
