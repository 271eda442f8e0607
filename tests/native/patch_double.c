// SPDX-License-Identifier: MIT
/*
 * The fast path's counters (preload/trap_patch.c), exported from the test
 * variant of the library so that tests/native/progs/patch_prog.c can count
 * how many executions took a signal.
 */
#include "trap.h"
#include "trap_double.h"

void trap_double_patch_stats(uint64_t *traps, uint64_t *sites)
{
	trap_patch_stats(traps, sites);
}

/*
 * What a runtime may do to the registers the ABI leaves to the callee:
 * every vector register and opmask the CPU has is overwritten, so that
 * the fast path's tests see any one of them it fails to preserve.  Called
 * by native_submit().  @level: 0 XMM0-15, 1 YMM0-15, 2 ZMM0-31 and k0-k7.
 */
void trap_double_clobber_vec(int level);
__asm__(".text\n"
	".globl trap_double_clobber_vec\n"
	".hidden trap_double_clobber_vec\n"
	".type trap_double_clobber_vec, @function\n"
	"trap_double_clobber_vec:\n"
	"	cmpl $2, %edi\n"
	"	jb 1f\n"
	"	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
	"	vpternlogd $0xff, %zmm\\i, %zmm\\i, %zmm\\i\n"
	"	.endr\n"
	"	.irp i,0,1,2,3,4,5,6,7\n"
	"	kxnorq %k\\i, %k\\i, %k\\i\n"
	"	.endr\n"
	"	vzeroupper\n"
	"	ret\n"
	"1:	cmpl $1, %edi\n"
	"	jb 2f\n"
	"	vpcmpeqd %ymm0, %ymm0, %ymm0\n"
	"	.irp i,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	vmovdqa %ymm0, %ymm\\i\n"
	"	.endr\n"
	"	ret\n"
	"2:	pcmpeqd %xmm0, %xmm0\n"
	"	.irp i,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	movdqa %xmm0, %xmm\\i\n"
	"	.endr\n"
	"	ret\n"
	".size trap_double_clobber_vec, .-trap_double_clobber_vec\n");
