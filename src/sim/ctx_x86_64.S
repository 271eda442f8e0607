/* SPDX-License-Identifier: MIT */
/*
 * x86-64 System V coroutine switch.  Only callee-saved state is saved:
 * everything else the C caller of sva_ctx_asm_switch already treats as
 * clobbered.  No signal mask, no syscall: that is the whole point, since
 * swapcontext(3) makes an rt_sigprocmask call on every switch.
 *
 * Frame left on a suspended stack, from the saved stack pointer upwards:
 *   [mxcsr:4][x87 cw:2][pad:2] r15 r14 r13 r12 rbx rbp return-address
 */
#if defined(__x86_64__)
	.text

/* void sva_ctx_asm_switch(void **save_sp, void *load_sp) */
	.globl	sva_ctx_asm_switch
	.hidden	sva_ctx_asm_switch
	.type	sva_ctx_asm_switch, @function
	.p2align 4
sva_ctx_asm_switch:
	.cfi_startproc
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$8, %rsp
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.cfi_endproc
	.size	sva_ctx_asm_switch, .-sva_ctx_asm_switch

/*
 * First code run on a new stack: sva_ctx_asm_make() put the entry point in
 * r12 and its argument in r13.  The entry never returns (a task ends by
 * switching away for good); ud2 makes a bug loud instead of silent.
 */
	.globl	sva_ctx_asm_trampoline
	.hidden	sva_ctx_asm_trampoline
	.type	sva_ctx_asm_trampoline, @function
	.p2align 4
sva_ctx_asm_trampoline:
	.cfi_startproc
	.cfi_undefined rip
	movq	%r13, %rdi
	callq	*%r12
	ud2
	.cfi_endproc
	.size	sva_ctx_asm_trampoline, .-sva_ctx_asm_trampoline
#endif

	.section .note.GNU-stack,"",@progbits
