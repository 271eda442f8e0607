// SPDX-License-Identifier: MIT
/*
 * memmove.c - one DSA memmove through shared virtual addressing, on sva.
 *
 * The host program builds a simulated system (one DSA with the default
 * accel-config configuration: wq0.0 shared, wq0.1 dedicated) and starts a
 * guest process in it.  The guest does what a Linux program does with a
 * real DSA: it opens /dev/dsa/wq0.0 (the kernel binds its address space
 * and gives it a PASID), maps the WQ's portal, writes a memmove descriptor
 * with a completion record into its own memory, submits it with ENQCMD and
 * polls the record until the device has written it.  The device reads and
 * writes the guest's virtual addresses through the IOMMU; the host then
 * checks the bytes and prints what happened, in virtual time.
 *
 * Build against the installed library:
 *     cc memmove.c $(pkg-config --cflags --libs sva) -o memmove
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <linux/idxd.h>

#include <sva/dsa.h>
#include <sva/guest.h>
#include <sva/sim.h>
#include <sva/system.h>

#define SIZE 4096		/* bytes to move */
#define PAGE 4096

/* What the guest found, for the host to print after the run. */
struct result {
	int fd;
	uint64_t src, dst;
	unsigned retries;	/* ENQCMDs the shared WQ refused (ZF set) */
	uint8_t status;		/* completion record status */
	uint32_t bytes_completed;
	int verified;		/* destination equals source */
	uint64_t submitted_at, completed_at;	/* virtual ns */
};

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 7 + 1);
}

/* Runs inside the simulated machine: only the sva_* guest calls reach memory. */
static void guest_main(void *arg)
{
	struct result *r = arg;
	struct dsa_completion_record rec;
	struct dsa_hw_desc desc;
	uint64_t buf, portal, desc_va, cr_va;
	int64_t addr;
	uint8_t b;
	int rc;

	r->fd = sva_open("/dev/dsa/wq0.0", SVA_O_RDWR);
	if (r->fd < 0)
		sva_exit(1);
	addr = sva_mmap(0, PAGE, SVA_PROT_WRITE, SVA_MAP_SHARED, r->fd, 0);
	if (addr < 0)
		sva_exit(2);
	portal = (uint64_t)addr;
	/* One page for the descriptor and the record (32-byte aligned), then source and destination. */
	addr = sva_mmap(0, PAGE + 2 * SIZE, SVA_PROT_READ | SVA_PROT_WRITE,
			SVA_MAP_PRIVATE | SVA_MAP_ANONYMOUS, -1, 0);
	if (addr < 0)
		sva_exit(3);
	buf = (uint64_t)addr;
	desc_va = buf;
	cr_va = buf + 64;
	r->src = buf + PAGE;
	r->dst = r->src + SIZE;
	for (uint64_t i = 0; i < SIZE; i++) {
		b = pattern(i);
		sva_store(r->src + i, &b, 1);
	}

	memset(&desc, 0, sizeof(desc));
	desc.opcode = DSA_OPCODE_MEMMOVE;
	/* Request a completion record; block on fault lets the device fault the untouched destination in. */
	desc.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR | IDXD_OP_FLAG_BOF;
	desc.src_addr = r->src;
	desc.dst_addr = r->dst;
	desc.xfer_size = SIZE;
	desc.completion_addr = cr_va;
	sva_store(desc_va, &desc, sizeof(desc));

	r->submitted_at = sva_rdtsc();
	while ((rc = sva_enqcmd(portal, desc_va)) == 1)	/* WQ full: try again */
		r->retries++;
	if (rc < 0)
		sva_exit(4);
	do {
		sva_spin(100);	/* a CPU polling its record */
		sva_load(cr_va, &rec, sizeof(rec));
	} while (rec.status == 0);
	r->completed_at = sva_rdtsc();
	r->status = rec.status;
	r->bytes_completed = rec.bytes_completed;

	r->verified = 1;
	for (uint64_t i = 0; i < SIZE; i++) {
		sva_load(r->dst + i, &b, 1);
		if (b != pattern(i))
			r->verified = 0;
	}
	sva_close(r->fd);
	sva_exit(r->verified ? 0 : 5);
}

int main(void)
{
	struct sva_system_config cfg = { .seed = 1, .ram_size = 64 << 20 };
	struct result r = { .fd = -1 };
	struct sva_exit_status es;
	struct sva_dsa_stats st;
	struct sva_system *sys;
	char err[256];
	int pid, rc;

	sys = sva_system_create_err(&cfg, err, sizeof(err));
	if (!sys) {
		fprintf(stderr, "memmove: cannot build the system: %s\n", err[0] ? err : strerror(errno));
		return 1;
	}
	pid = sva_system_spawn(sys, "memmove", guest_main, &r);
	if (pid < 0) {
		fprintf(stderr, "memmove: spawn: %s\n", strerror(-pid));
		sva_system_destroy(sys);
		return 1;
	}
	rc = sva_sim_run(sva_system_sim(sys));
	if (rc) {
		fprintf(stderr, "memmove: run: %s\n", strerror(-rc));
		sva_system_destroy(sys);
		return 1;
	}
	sva_system_proc_status(sys, pid, &es);
	sva_dsa_stats(sva_system_dsa(sys, 0), &st);

	printf("sva %s, seed %" PRIu64 "\n", sva_version(), sva_sim_seed(sva_system_sim(sys)));
	if (es.signal)
		printf("guest pid %d killed by signal %d (%s)\n", pid, es.signal, es.reason);
	else
		printf("guest pid %d exited with %d\n", pid, es.code);
	printf("memmove %d bytes 0x%" PRIx64 " -> 0x%" PRIx64 ": status 0x%02x (%s)\n", SIZE,
	       r.src, r.dst, r.status, sva_dsa_status_name(r.status & 0x7f));
	if ((r.status & 0x7f) != DSA_COMP_SUCCESS)
		printf("%" PRIu32 " bytes completed\n", r.bytes_completed);
	printf("ENQCMD retries %u, completion after %" PRIu64 " ns of virtual time\n", r.retries,
	       r.completed_at - r.submitted_at);
	printf("dsa0: descriptors completed %" PRIu64 ", page requests %" PRIu64 "\n", st.completed,
	       st.page_requests);
	printf("bytes %s\n", r.verified ? "verified" : "DIFFER");
	rc = !es.exited || es.signal || es.code;
	sva_system_destroy(sys);
	return rc;
}
