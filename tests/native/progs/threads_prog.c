// SPDX-License-Identifier: MIT
/*
 * Four threads of one DSA program submit 300 memmoves each through one
 * shared WQ portal and check every result (tests/cli/native_controls.sh):
 * under sva native each thread has its own shadow thread, so each takes
 * its own #GP fixup of IA32_PASID.
 */
#include <fcntl.h>
#include <linux/idxd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
static void *portal;
static void *worker(void *arg)
{
	long id = (long)arg;
	struct dsa_completion_record *cr = aligned_alloc(32, 32);
	uint8_t *src = malloc(65536), *dst = malloc(65536);
	for (int it = 0; it < 300; it++) {
		memset(src, (int)(id * 31 + it), 65536);
		struct dsa_hw_desc d; memset(&d, 0, sizeof d);
		d.opcode = DSA_OPCODE_MEMMOVE; d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR | IDXD_OP_FLAG_CC;
		d.src_addr = (uint64_t)src; d.dst_addr = (uint64_t)dst; d.xfer_size = 65536; d.completion_addr = (uint64_t)cr;
		cr->status = 0;
		uint8_t zf;
		do __asm__ volatile(".byte 0xf2,0x0f,0x38,0xf8,0x02\n\tsetz %0" : "=r"(zf) : "a"(portal), "d"(&d) : "memory", "cc"); while (zf);
		while (!((volatile struct dsa_completion_record *)cr)->status) ;
		if (cr->status != 1 || memcmp(src, dst, 65536)) { printf("thread %ld it %d: status %d\n", id, it, cr->status); exit(1); }
	}
	return NULL;
}
int main(void)
{
	int fd = open("/dev/dsa/wq0.0", O_RDWR);
	portal = mmap(NULL, 4096, PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (portal == MAP_FAILED) return 2;
	pthread_t t[4];
	for (long i = 0; i < 4; i++) pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
	printf("ok\n");
	return 0;
}
