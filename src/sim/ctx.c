// SPDX-License-Identifier: MIT
/*
 * The two ways a task's stack is entered: a hand-written x86-64 switch and
 * the portable ucontext(3) one.  bench/bench_sim measures both; the asm one
 * is the default where it exists because it makes no system call.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

#if defined(__x86_64__)
void sva_ctx_asm_switch(void **save_sp, void *load_sp);
void sva_ctx_asm_trampoline(void);

static void asm_make(struct sva_ctx *ctx, void *stack_lo, size_t size,
		     void (*entry)(void *), void *arg)
{
	uintptr_t top = ((uintptr_t)stack_lo + size) & ~(uintptr_t)15;
	/*
	 * 8 saved words below the return address; after `ret` pops the
	 * trampoline's address rsp must be 16-byte aligned so that its
	 * `call` gives the entry a correctly aligned frame.
	 */
	uint64_t *sp = (uint64_t *)(top - 16 - 8 * 8);

	assert(((uintptr_t)sp & 15) == 0);
	memset(sp, 0, 8 * 8);
	sp[0] = 0x1F80 | ((uint64_t)0x037F << 32);	/* default mxcsr, x87 cw */
	sp[1] = 0;				/* r15 */
	sp[2] = 0;				/* r14 */
	sp[3] = (uint64_t)(uintptr_t)arg;	/* r13 */
	sp[4] = (uint64_t)(uintptr_t)entry;	/* r12 */
	sp[5] = 0;				/* rbx */
	sp[6] = 0;				/* rbp: ends frame-pointer walks */
	sp[7] = (uint64_t)(uintptr_t)sva_ctx_asm_trampoline;
	ctx->sp = sp;
}

static void asm_swap(struct sva_ctx *from, struct sva_ctx *to)
{
	sva_ctx_asm_switch(&from->sp, to->sp);
}

const struct sva_ctx_ops sva_ctx_asm_ops = {
	.name = "asm",
	.make = asm_make,
	.swap = asm_swap,
};
#else
const struct sva_ctx_ops sva_ctx_asm_ops = { .name = NULL };
#endif

/* makecontext() passes only ints: split the pointers in two. */
static void uc_entry(unsigned int e_lo, unsigned int e_hi,
		     unsigned int a_lo, unsigned int a_hi)
{
	uintptr_t e = (uintptr_t)e_lo | ((uintptr_t)e_hi << 16 << 16);
	uintptr_t a = (uintptr_t)a_lo | ((uintptr_t)a_hi << 16 << 16);
	void (*entry)(void *);

	memcpy(&entry, &e, sizeof(entry));
	entry((void *)a);
	abort();	/* entries never return */
}

static void uc_make(struct sva_ctx *ctx, void *stack_lo, size_t size,
		    void (*entry)(void *), void *arg)
{
	uintptr_t e, a = (uintptr_t)arg;

	memcpy(&e, &entry, sizeof(e));
	if (getcontext(&ctx->uc) != 0)
		abort();
	ctx->uc.uc_stack.ss_sp = stack_lo;
	ctx->uc.uc_stack.ss_size = size;
	ctx->uc.uc_link = NULL;
	makecontext(&ctx->uc, (void (*)(void))uc_entry, 4,
		    (unsigned int)e, (unsigned int)(e >> 16 >> 16),
		    (unsigned int)a, (unsigned int)(a >> 16 >> 16));
}

static void uc_swap(struct sva_ctx *from, struct sva_ctx *to)
{
	if (swapcontext(&from->uc, &to->uc) != 0)
		abort();
}

const struct sva_ctx_ops sva_ctx_ucontext_ops = {
	.name = "ucontext",
	.make = uc_make,
	.swap = uc_swap,
};
