// SPDX-License-Identifier: MIT
/*
 * Test double of the runtime's two trap hooks (preload.h), linked with
 * root.c and trap*.c into libsva-native-trap-test.so, the trap layer
 * without the file layer and the model.  The program under test tells it
 * where its "portals" are (pages it mapped PROT_NONE itself) and reads
 * back every descriptor the handler submitted.  The answer is chosen by
 * the descriptor's last byte: 'R' not accepted (ZF=1), 'P' refused with
 * -EPERM (the handler raises #GP), anything else accepted.  A descriptor
 * holding TRAP_DOUBLE_NULL is accepted at once and not recorded: a null
 * runtime, for measuring the trap layer alone (patch_prog's bench).
 */
#include <cpuid.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "preload.h"
#include "trap_double.h"

#define MAX_PORTALS	8

static struct {
	pthread_mutex_t lock;
	uint64_t base[MAX_PORTALS], len[MAX_PORTALS];
	int nportals;
	struct trap_double_rec *recs;
	size_t n, cap;
} dbl = { .lock = PTHREAD_MUTEX_INITIALIZER };

void trap_double_add_portal(void *base, size_t len)
{
	pthread_mutex_lock(&dbl.lock);
	if (dbl.nportals < MAX_PORTALS) {
		dbl.base[dbl.nportals] = (uint64_t)(uintptr_t)base;
		dbl.len[dbl.nportals++] = len;
	}
	pthread_mutex_unlock(&dbl.lock);
}

/* The portal at @base is one no more (the program unmapped it). */
void trap_double_remove_portal(void *base)
{
	pthread_mutex_lock(&dbl.lock);
	for (int i = 0; i < dbl.nportals; i++) {
		if (dbl.base[i] == (uint64_t)(uintptr_t)base) {
			dbl.base[i] = dbl.base[--dbl.nportals];
			dbl.len[i] = dbl.len[dbl.nportals];
			break;
		}
	}
	pthread_mutex_unlock(&dbl.lock);
}

size_t trap_double_count(void)
{
	size_t n;

	pthread_mutex_lock(&dbl.lock);
	n = dbl.n;
	pthread_mutex_unlock(&dbl.lock);
	return n;
}

int trap_double_get(size_t i, struct trap_double_rec *out)
{
	int ok;

	pthread_mutex_lock(&dbl.lock);
	ok = i < dbl.n;
	if (ok)
		*out = dbl.recs[i];
	pthread_mutex_unlock(&dbl.lock);
	return ok;
}

bool native_portal_lookup(uint64_t addr)
{
	bool hit = false;

	pthread_mutex_lock(&dbl.lock);
	for (int i = 0; i < dbl.nportals; i++)
		hit |= addr >= dbl.base[i] && addr - dbl.base[i] < dbl.len[i];
	pthread_mutex_unlock(&dbl.lock);
	return hit;
}

/* patch_double.c */
void trap_double_clobber_vec(int level);

/* 0 SSE, 1 AVX, 2 AVX-512 (F and BW), as the CPU and the OS have them; asked once. */
static int vec_level;

__attribute__((constructor)) static void vec_level_init(void)
{
	unsigned a, b, c, d;
	uint32_t xcr0 = 0, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !((c >> 27) & 1))
		return;
	__asm__ volatile("xgetbv" : "=a"(xcr0), "=d"(hi) : "c"(0));
	if (((c >> 28) & 1) && (xcr0 & 6) == 6)
		vec_level = 1;
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && ((b >> 16) & 1) && ((b >> 30) & 1) &&
	    (xcr0 & 0xe6) == 0xe6)
		vec_level = 2;
}

int native_submit(uint64_t portal, const void *desc, enum native_submit_kind kind)
{
	/* As deep as the model may go in inline mode: more than a small sigaltstack holds. */
	volatile char depth[TRAP_DOUBLE_STACK_USE];
	const uint8_t *d = desc;
	int ret = d[63] == 'R' ? 1 : d[63] == 'P' ? -EPERM : 0;

	if (memcmp(d + TRAP_DOUBLE_NULL_AT, TRAP_DOUBLE_NULL, sizeof(TRAP_DOUBLE_NULL) - 1) == 0)
		return 0;
	memset((char *)depth, 0x5a, sizeof(depth));
	if (depth[sizeof(depth) - 1] != 0x5a)
		abort();
	pthread_mutex_lock(&dbl.lock);
	if (dbl.n == dbl.cap) {
		dbl.cap = dbl.cap ? 2 * dbl.cap : 64;
		dbl.recs = realloc(dbl.recs, dbl.cap * sizeof(*dbl.recs));
		if (!dbl.recs)
			abort();
	}
	dbl.recs[dbl.n].portal = portal;
	memcpy(dbl.recs[dbl.n].desc, desc, 64);
	dbl.recs[dbl.n].kind = (int)kind;
	dbl.recs[dbl.n].sp = (uintptr_t)&depth[0];
	dbl.n++;
	pthread_mutex_unlock(&dbl.lock);
	trap_double_clobber_vec(vec_level);	/* as a runtime may (patch_double.c) */
	return ret;
}
