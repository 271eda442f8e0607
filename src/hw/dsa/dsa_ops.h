/* SPDX-License-Identifier: MIT */
/*
 * DSA operations: the op-specific half of a DSA engine.
 *
 * The device model decodes a descriptor, does the checks common to every
 * opcode (opcode supported in OPCAP, common flags, PRIV, completion record
 * alignment, interrupt handle) and handles batch and drain itself.  For
 * every other DSA 1.0 opcode it calls dsa_op_check() and dsa_op_execute()
 * here, which read and write the operands through the device's address
 * translation (struct dsa_mem_ops) and fill the completion record.
 *
 * Layouts and constants are those of <linux/idxd.h>; nothing is redefined.
 * What is modelled (see docs/dsa-ops.md for sources and confidence):
 *
 *  - DSA 1.0 operations only: memory fill uses the 8-byte pattern; the DSA 2.0
 *    16-byte pattern (upper half at byte 40) is not modelled, so bytes 40..63
 *    of a fill descriptor are reserved.
 *  - Flags outside the set meaningful for the opcode give
 *    DSA_COMP_INVALID_FLAGS with the offending bits in invalid_flags; nonzero
 *    reserved bytes in the op-specific area (bytes 40..63) and reserved bits
 *    of the DIF flag bytes give DSA_COMP_NOZERO_RESERVE.  The hardware order
 *    of the checks is not public; ours is flags, reserved, transfer size,
 *    alignment, op-specific ranges, overlap.
 *  - Address ranges that wrap past 2^64 are rejected with
 *    DSA_COMP_XFER_ERANGE (a modelling choice; hardware would fault).
 *  - Partial completion.  A translation fault stops the operation at the
 *    faulting address: status DSA_COMP_PAGE_FAULT_NOBOF (or the code the
 *    accessor asked for, see enum dsa_mem_result) with DSA_COMP_STATUS_WRITE
 *    when the access was a write, fault_addr, bytes_completed and, in
 *    completion-record byte 2 (fault_info, "rsvd" in older headers), the
 *    operand id in bits 3:1.  Per-op meaning of bytes_completed and of the
 *    op-specific fields after a fault is documented at each op in dsa_ops.c
 *    and docs/dsa-ops.md; it is what software needs to resubmit the rest.
 */
#ifndef SVA_HW_DSA_OPS_H
#define SVA_HW_DSA_OPS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <linux/idxd.h>

#include <sva/dsa.h>

/*
 * What dsa_mem_ops.map() returns besides 0 (mapped) and a negative errno:
 * the public enum sva_dsa_map_result (sva/dsa.h), which a back end set with
 * sva_dsa_set_dma() returns too, under the engine's names.
 */
enum dsa_mem_result {
	/* Not present and no block on fault: partial completion, status 0x03. */
	DSA_MEM_FAULT = SVA_DSA_MAP_FAULT,
	/* Blocked on the fault and the page response was Invalid Request: 0x04. */
	DSA_MEM_FAULT_IR = SVA_DSA_MAP_FAULT_IR,
	/* The translation itself failed (ATS error): DSA_COMP_TRANSLATION_FAIL. */
	DSA_MEM_XLAT_ERR = SVA_DSA_MAP_XLAT_ERR,
};

/*
 * Operand ids reported in fault_info bits 3:1: which address field of the
 * descriptor faulted.  The numbering is ours (not found in a public source).
 */
enum dsa_operand {
	DSA_OPND_ADDR1 = 0,	/* bytes 16..23: source, pattern's buffer, delta record to apply */
	DSA_OPND_ADDR2 = 1,	/* bytes 24..31: destination, source 2 */
	DSA_OPND_ADDR3 = 2,	/* bytes 40..47: dualcast dest 2, delta record */
	DSA_OPND_SEED = 3,	/* bytes 48..55: CRC seed address */
	DSA_NR_OPERANDS
};

struct dsa_mem_ops {
	/*
	 * Make up to @len (> 0) bytes at device virtual address @va accessible
	 * for read (@write false) or write.  On success returns 0 and sets
	 * *ptr to a host pointer and *got to the number of contiguous bytes
	 * (1..len; a run never crosses a page unless the translation says the
	 * pages are physically contiguous).  The pointer stays valid until
	 * dsa_op_execute() returns (an op holds a source and a destination
	 * run at once).  On a translation fault returns a positive enum
	 * dsa_mem_result: the access stops at @va.  May block (the device
	 * waits for a page response when block-on-fault is on).  A negative
	 * errno is a hardware error (DSA_COMP_HW_ERR1).  @opnd says which
	 * operand (enum dsa_operand) the bytes belong to: a device streams
	 * each operand on its own.
	 */
	int (*map)(void *ctx, uint64_t va, uint64_t len, bool write, unsigned opnd, void **ptr,
		   uint64_t *got);
};

struct dsa_op_env {
	const struct dsa_mem_ops *mem;
	void *ctx;
	uint64_t max_xfer;	/* bytes, from GENCAP/WQCFG; 0 = 4 GiB - 1 */
	bool overlap_ok;	/* GENCAP overlapping copy support */
	/* out: for timing, bytes read and written (added to, never reset) */
	uint64_t bytes_read, bytes_written;
};

/* The 64 descriptor bytes may come from anywhere: take them by value. */
static inline void dsa_desc_load(struct dsa_hw_desc *d, const void *bytes64)
{
	memcpy(d, bytes64, sizeof(*d));
}

/* True for the opcodes this file executes (DSA 1.0 minus batch and drain). */
bool dsa_op_is_handled(unsigned int opcode);

/*
 * Check the op-specific fields of a non-batch, non-drain descriptor (opcode
 * already known to be supported, common checks done by the device).
 * Returns 0 or a DSA_COMP_* status; fills cr->invalid_flags for
 * DSA_COMP_INVALID_FLAGS.  Touches no memory.
 */
int dsa_op_check(const struct dsa_hw_desc *d, const struct dsa_op_env *env,
		 struct dsa_completion_record *cr);

/*
 * Execute it.  Clears *cr first and fills status, result, bytes_completed,
 * fault_addr, fault info and the op-specific fields exactly as the
 * operation defines them, including partial completion on a fault.  Runs
 * dsa_op_check() first, so any 64 bytes are safe to pass.
 */
void dsa_op_execute(const struct dsa_hw_desc *d, struct dsa_op_env *env,
		    struct dsa_completion_record *cr);

/*
 * The CRC engine: CRC-32C of @len bytes continuing from the *reflected
 * register* @reg (not the seed; see dsa_crc_seed_reg()).  @bypass_data_refl
 * feeds each byte most-significant bit first.  Exposed for tests.
 */
uint32_t dsa_crc_update(uint32_t reg, const void *buf, uint64_t len,
			bool bypass_data_refl);
uint32_t dsa_crc_seed_reg(uint32_t seed, bool bypass_inv_refl);
uint32_t dsa_crc_final(uint32_t reg, bool bypass_inv_refl);

#endif
