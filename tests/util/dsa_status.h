/* SPDX-License-Identifier: MIT */
/* Shared by the operation-library tests and the fuzz target. */
#ifndef SVA_TEST_DSA_STATUS_H
#define SVA_TEST_DSA_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/idxd.h>

/* Is @st (write bit ignored) a status the operations library may complete with? */
static inline bool dsa_op_status_known(uint8_t st)
{
	switch (st & DSA_COMP_STATUS_MASK) {
	case DSA_COMP_SUCCESS: case DSA_COMP_SUCCESS_PRED:
	case DSA_COMP_PAGE_FAULT_NOBOF: case DSA_COMP_PAGE_FAULT_IR:
	case DSA_COMP_DR_OFFSET_NOINC: case DSA_COMP_DR_OFFSET_ERANGE:
	case DSA_COMP_DIF_ERR: case DSA_COMP_BAD_OPCODE:
	case DSA_COMP_INVALID_FLAGS: case DSA_COMP_NOZERO_RESERVE:
	case DSA_COMP_XFER_ERANGE: case DSA_COMP_DR_ERANGE:
	case DSA_COMP_OVERLAP_BUFFERS: case DSA_COMP_DCAST_ERR:
	case DSA_COMP_ADDR_ALIGN: case DSA_COMP_HW_ERR1:
	case DSA_COMP_TRANSLATION_FAIL:
		return true;
	default:
		return false;
	}
}

#endif
