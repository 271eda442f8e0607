// SPDX-License-Identifier: MIT
/*
 * Processes, threads and the ENQCMD #GP fixup, through the guest API on a
 * whole system with a mock enqueue-capable device.  Each test is named
 * after the sentence of the seed (Documentation/arch/x86/sva.rst) it shows.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <sva/machine.h>
#include <sva/phys.h>
#include <sva/system.h>

#include "os/mm.h"
#include "os/proc.h"
#include "system_internal.h"
#include "testutil.h"

/* ---- a mock device: one enqueue portal page, bound on open ---------------------- */

#define MAX_SEEN 256

struct mock {
	struct sva_system *sys;
	struct sva_kernel *k;
	uint64_t base;			/* physical address of the portal */
	unsigned retry_every;		/* answer retry to every n-th store */
	unsigned n;
	uint32_t seen_pasid[MAX_SEEN];	/* bits 31:0 of each accepted store */
	uint8_t seen_byte[MAX_SEEN];	/* byte 8 (a payload byte) */
	struct sva_chardev cdev;
	struct sva_file file;
	unsigned opens, releases;
};

static int mock_read(void *o, uint64_t off, unsigned size, uint64_t *val)
{
	(void)o; (void)off; (void)size;
	*val = 0;
	return 0;
}

static int mock_write(void *o, uint64_t off, unsigned size, uint64_t val)
{
	(void)o; (void)off; (void)size; (void)val;
	return 0;
}

static int mock_enqcmd(void *o, uint64_t off, const uint8_t data[SVA_ENQ_SIZE])
{
	struct mock *m = o;
	uint32_t dw;

	(void)off;
	if (m->retry_every && (m->n + 1) % m->retry_every == 0) {
		m->n++;
		return SVA_ENQ_RETRY;
	}
	memcpy(&dw, data, 4);
	if (m->n < MAX_SEEN) {
		m->seen_pasid[m->n] = dw;
		m->seen_byte[m->n] = data[8];
	}
	m->n++;
	return SVA_ENQ_ACCEPTED;
}

static const struct sva_mmio_ops mock_mmio = {
	.read = mock_read, .write = mock_write, .enqcmd = mock_enqcmd,
};

static int mock_mmap(struct sva_file *f, struct sva_proc *p, uint64_t *addr, uint64_t len,
		     unsigned prot, unsigned flags, uint64_t pgoff)
{
	struct mock *m = f->private_data;

	(void)pgoff;
	if (len != 4096)
		return -EINVAL;
	return sva_mm_mmap(p->mm, addr, len, prot, flags, SVA_VM_IO, m->base, "[mock portal]");
}

static void mock_release(struct sva_file *f)
{
	struct mock *m = f->private_data;

	m->releases++;
}

static const struct sva_file_ops mock_fops = { .mmap = mock_mmap, .release = mock_release };

/* open() binds the caller's mm: it gets its PASID here, as with a real SVA device. */
static int mock_open(struct sva_chardev *c, struct sva_proc *p, struct sva_file **out)
{
	struct mock *m = c->private_data;
	uint32_t pasid;
	int r = sva_mm_get_pasid(p->mm, &pasid);

	if (r)
		return r;
	m->opens++;
	m->file.refs++;
	*out = &m->file;
	return 0;
}

static struct mock *mock_new(const struct sva_system_config *cfg)
{
	struct mock *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->sys = sva_system_create(cfg);
	assert_non_null(m->sys);
	m->k = sva_system_kernel(m->sys);
	assert_int_equal(sva_machine_mmio_alloc(m->sys->machine, 4096, 4096, &m->base), 0);
	assert_int_equal(sva_mmio_register(sva_machine_phys(m->sys->machine), m->base, 4096,
					   &mock_mmio, m, "mock"), 0);
	snprintf(m->cdev.path, sizeof(m->cdev.path), "/dev/mock");
	m->cdev.open = mock_open;
	m->cdev.private_data = m;
	m->file = (struct sva_file){ .ops = &mock_fops, .private_data = m };
	assert_int_equal(sva_chardev_register(m->k, &m->cdev), 0);
	return m;
}

static void mock_free(struct mock *m)
{
	sva_system_destroy(m->sys);
	free(m);
}

static void run(struct mock *m)
{
	assert_int_equal(sva_sim_run(m->sys->sim), 0);
}

static struct sva_proc *proc_of(struct mock *m, int pid)
{
	struct sva_proc *p = sva_proc_find(m->k, pid);

	assert_non_null(p);
	return p;
}

/* ---- guest programs ------------------------------------------------------------------- */

struct prog {
	struct mock *m;
	int nthreads, per_thread;
	bool open_first, bind_late;
	uint64_t portal, desc;
	int result;
	int status;
	uint32_t pasid_seen;
};

/* Map the portal and a descriptor buffer; optionally open (bind) first. */
static void setup_portal(struct prog *g)
{
	int fd = sva_open("/dev/mock", SVA_O_RDWR);
	int64_t a;

	assert_true(fd >= 0);
	a = sva_mmap(0, 4096, SVA_PROT_WRITE, SVA_MAP_SHARED, fd, 0);
	assert_true(a > 0);
	g->portal = (uint64_t)a;
	a = sva_mmap(0, 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE, -1, 0);
	assert_true(a > 0);
	g->desc = (uint64_t)a;
}

static void submit_some(struct prog *g, int n, uint8_t tag)
{
	uint8_t d[64] = { 0 };

	d[8] = tag;
	assert_int_equal(sva_store(g->desc, d, sizeof(d)), 0);
	for (int i = 0; i < n; i++) {
		assert_int_equal(sva_enqcmd(g->portal, g->desc), 0);
		sva_nanosleep(100);	/* off CPU: forces context switches */
	}
}

static void worker(void *arg)
{
	struct prog *g = arg;

	submit_some(g, g->per_thread, (uint8_t)sva_gettid());
}

static void threads_main(void *arg)
{
	struct prog *g = arg;

	setup_portal(g);
	for (int i = 0; i < g->nthreads; i++)
		assert_true(sva_thread_create(worker, g, "worker") > 0);
	submit_some(g, g->per_thread, 0xAA);
}

static void test_first_enqcmd_on_each_thread_takes_exactly_one_gp_fixup(void **state)
{
	struct mock *m = mock_new(&(struct sva_system_config){ .seed = tu_seed(1), .nr_cpus = 2 });
	struct prog g = { .m = m, .nthreads = 3, .per_thread = 5 };
	struct sva_thread_stats st;
	struct sva_proc *p;
	int pid;

	(void)state;
	pid = sva_system_spawn(m->sys, "app", threads_main, &g);
	assert_true(pid > 0);
	p = proc_of(m, pid);
	run(m);
	assert_int_equal(p->state, SVA_PROC_ZOMBIE);
	assert_int_equal(p->exit.signal, 0);
	sva_proc_stats(p, &st);
	assert_int_equal(st.gp_fixups, 4);		/* one per thread, main included */
	assert_int_equal(st.enq_accepted, 20);
	for (struct sva_thread *t = p->threads; t; t = t->next)
		assert_int_equal(t->st.gp_fixups, 1);
	assert_int_equal(m->n, 20);
	/* "the PASID field in the descriptor is auto-filled with the value from MSR_IA32_PASID" */
	for (unsigned i = 0; i < m->n; i++)
		assert_int_equal(m->seen_pasid[i], 1);	/* PASID 1, PRIV 0, reserved 0 */
	mock_free(m);
}

static void early_worker_waits(void *arg)
{
	struct prog *g = arg;

	while (!g->desc)
		sva_nanosleep(50);
	worker(g);
}

static void late_main(void *arg)
{
	struct prog *g = arg;

	/* A thread made before the bind, then the bind, then another thread. */
	assert_true(sva_thread_create(early_worker_waits, g, "early") > 0);
	sva_nanosleep(1000);	/* "early" is running and polling by now */
	setup_portal(g);
	assert_true(sva_thread_create(worker, g, "late") > 0);
}

static void test_thread_created_after_binding_also_gets_the_pasid_lazily(void **state)
{
	struct mock *m = mock_new(&(struct sva_system_config){ .seed = 3, .nr_cpus = 1 });
	struct prog g = { .m = m, .per_thread = 3 };
	struct sva_thread_stats st;
	struct sva_proc *p;

	(void)state;
	p = proc_of(m, sva_system_spawn(m->sys, "late", late_main, &g));
	run(m);
	assert_int_equal(p->exit.signal, 0);
	sva_proc_stats(p, &st);
	/* Three threads submitted (main did not): early, late... and each took one fixup. */
	for (struct sva_thread *t = p->threads; t; t = t->next)
		assert_int_equal(t->st.gp_fixups, t->st.enq_accepted ? 1 : 0);
	assert_int_equal(st.gp_fixups, 2);
	assert_int_equal(st.enq_accepted, 6);
	mock_free(m);
}

/* ---- no PASID: SIGSEGV ------------------------------------------------------------------ */

static void no_pasid_main(void *arg)
{
	struct prog *g = arg;
	int64_t a;

	/* Map a portal without binding: build it by hand from the kernel side. */
	a = sva_mmap(0, 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE, -1, 0);
	g->desc = (uint64_t)a;
	g->result = sva_enqcmd(g->portal, g->desc);
	g->result = 12345;	/* never reached: the process dies first */
}

static void test_enqcmd_with_no_pasid_is_sigsegv(void **state)
{
	struct mock *m = mock_new(&(struct sva_system_config){ .seed = 1 });
	struct prog g = { .m = m, .portal = 0 };
	struct sva_exit_status es;
	struct sva_proc *p;
	int pid;

	(void)state;
	pid = sva_system_spawn(m->sys, "nopasid", no_pasid_main, &g);
	p = proc_of(m, pid);
	/* Map the portal into its mm directly: no open, so no PASID. */
	g.portal = 0;
	assert_int_equal(sva_mm_mmap(p->mm, &g.portal, 4096, SVA_PROT_WRITE, SVA_MAP_SHARED,
				     SVA_VM_IO, m->base, "[portal]"), 0);
	run(m);
	assert_int_equal(sva_system_proc_status(m->sys, pid, &es), 0);
	assert_true(es.exited);
	assert_int_equal(es.signal, SIGSEGV);
	assert_non_null(strstr(es.reason, "#GP in enqcmd"));
	assert_int_not_equal(g.result, 12345);
	assert_int_equal(m->n, 0);			/* nothing reached the device */
	assert_int_equal(p->mm, NULL);
	mock_free(m);
}

/* ---- fork ----------------------------------------------------------------------------------- */

static void child_enqcmd(void *arg)
{
	struct prog *g = arg;

	/* Same portal and descriptor addresses, copied by fork; no PASID. */
	(void)sva_enqcmd(g->portal, g->desc);
	sva_exit(0);	/* not reached */
}

static void fork_main(void *arg)
{
	struct prog *g = arg;
	int pid, status = -1;

	setup_portal(g);
	submit_some(g, 1, 1);
	pid = sva_fork(child_enqcmd, g);
	assert_true(pid > 0);
	assert_int_equal(sva_waitpid(pid, &status), pid);
	g->status = status;
	submit_some(g, 1, 2);	/* the parent is unaffected */
}

static void test_fork_child_mm_has_no_pasid_and_its_enqcmd_is_sigsegv(void **state)
{
	struct mock *m = mock_new(&(struct sva_system_config){ .seed = 5 });
	struct prog g = { .m = m };
	struct sva_proc *p;

	(void)state;
	p = proc_of(m, sva_system_spawn(m->sys, "parent", fork_main, &g));
	run(m);
	assert_int_equal(g.status, 128 + SIGSEGV);
	assert_int_equal(p->exit.signal, 0);
	assert_int_equal(m->n, 2);
	assert_int_equal(m->seen_pasid[0], m->seen_pasid[1]);
	mock_free(m);
}

/* ---- PASID lifetime ---------------------------------------------------------------------------- */

struct life {
	struct mock *m;
	uint32_t pasid_open, pasid_after_close;
	int owner_after_close;
};

static void close_main(void *arg)
{
	struct life *l = arg;
	struct sva_thread *t = sva_thread_current(l->m->k);
	int fd = sva_open("/dev/mock", SVA_O_RDWR);

	assert_true(fd >= 0);
	l->pasid_open = t->proc->mm->pasid;
	assert_int_equal(sva_close(fd), 0);
	l->pasid_after_close = t->proc->mm->pasid;
	l->owner_after_close = sva_pasid_owner(&l->m->k->pasids, l->pasid_open) == t->proc->mm;
	/* Reopening keeps it too. */
	fd = sva_open("/dev/mock", SVA_O_RDWR);
	assert_int_equal(t->proc->mm->pasid, l->pasid_open);
	sva_close(fd);
}

static void test_pasid_survives_close_and_is_freed_only_at_mm_teardown(void **state)
{
	struct mock *m = mock_new(&(struct sva_system_config){ .seed = 1 });
	struct life l = { .m = m };

	(void)state;
	sva_system_spawn(m->sys, "closer", close_main, &l);
	run(m);
	assert_int_not_equal(l.pasid_open, SVA_PASID_INVALID);
	assert_int_equal(l.pasid_after_close, l.pasid_open);
	assert_true(l.owner_after_close);
	assert_int_equal(m->releases, 2);
	/* The process exited: its mm went, and the PASID with it. */
	assert_int_equal(sva_pasid_state(&m->k->pasids, l.pasid_open), SVA_PASID_FREE);
	assert_int_equal(m->k->st.pasid_frees->value, 1);
	mock_free(m);
}

struct pair {
	struct mock *m;
	uint32_t pasid[4];
	int rc[4];
	int idx;
};

struct member {
	struct pair *pr;
	int idx;
	uint64_t hold_ns;
};

static void member_main(void *arg)
{
	struct member *mb = arg;
	struct sva_thread *t = sva_thread_current(mb->pr->m->k);

	mb->pr->rc[mb->idx] = sva_open("/dev/mock", SVA_O_RDWR);
	mb->pr->pasid[mb->idx] = t->proc->mm->pasid;
	sva_nanosleep(mb->hold_ns);
}

static void test_a_second_process_never_gets_a_live_pasid_and_exhaustion_is_enospc(void **state)
{
	/* pasid_max = 4: PASIDs 1, 2 and 3 exist. */
	struct mock *m = mock_new(&(struct sva_system_config){ .seed = 2, .pasid_max = 4 });
	struct pair pr = { .m = m };
	struct member mb[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		mb[i] = (struct member){ &pr, i, 1000 };
		sva_system_spawn(m->sys, "member", member_main, &mb[i]);
	}
	run(m);
	int ok = 0, full = 0;

	for (int i = 0; i < 4; i++) {
		if (pr.rc[i] >= 0) {
			ok++;
			for (int j = 0; j < i; j++)
				if (pr.rc[j] >= 0)
					assert_int_not_equal(pr.pasid[i], pr.pasid[j]);
			assert_true(pr.pasid[i] >= 1 && pr.pasid[i] <= 3);
		} else {
			full++;
			assert_int_equal(pr.rc[i], -ENOSPC);
			assert_int_equal(pr.pasid[i], SVA_PASID_INVALID);
		}
	}
	assert_int_equal(ok, 3);
	assert_int_equal(full, 1);
	mock_free(m);
}

/* ---- context switches ---------------------------------------------------------------------------- */

static void switch_main(void *arg)
{
	struct prog *g = arg;

	setup_portal(g);
	g->pasid_seen = sva_thread_current(g->m->k)->proc->mm->pasid;
	g->status = sva_getpid();
	submit_some(g, g->per_thread, (uint8_t)sva_getpid());
}

static void test_context_switch_saves_and_restores_ia32_pasid(void **state)
{
	/* One CPU, three processes: every sleep is a switch to another PASID. */
	struct mock *m = mock_new(&(struct sva_system_config){ .seed = tu_seed(9), .nr_cpus = 1 });
	struct prog g[3];
	int pids[3];

	(void)state;
	for (int i = 0; i < 3; i++) {
		g[i] = (struct prog){ .m = m, .per_thread = 20 };
		pids[i] = sva_system_spawn(m->sys, "switcher", switch_main, &g[i]);
	}
	run(m);
	assert_int_equal(m->n, 60);
	assert_int_not_equal(g[0].pasid_seen, g[1].pasid_seen);
	assert_int_not_equal(g[1].pasid_seen, g[2].pasid_seen);
	for (unsigned i = 0; i < m->n; i++) {
		/* Each descriptor carries the PASID of the process that sent it. */
		int sender = -1;

		for (int j = 0; j < 3; j++)
			if ((uint8_t)g[j].status == m->seen_byte[i])
				sender = j;
		assert_true(sender >= 0);
		assert_int_equal(m->seen_pasid[i], g[sender].pasid_seen);
	}
	for (int i = 0; i < 3; i++) {
		struct sva_thread_stats st;

		sva_proc_stats(proc_of(m, pids[i]), &st);
		assert_int_equal(st.gp_fixups, 1);	/* never lost across switches */
		assert_true(st.switches >= 20);
	}
	mock_free(m);
}

/* ---- OOM, signals, exit ------------------------------------------------------------------------- */

struct hog {
	uint64_t pages;
	int done;
};

static void hog_main(void *arg)
{
	struct hog *h = arg;
	int64_t a = sva_mmap(0, h->pages * 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_PRIVATE, -1, 0);

	assert_true(a > 0);
	for (uint64_t i = 0; i < h->pages; i++)
		sva_store64((uint64_t)a + i * 4096, i + 1);
	h->done = 1;
}

static void test_oom_in_a_fault_kills_only_that_task(void **state)
{
	struct mock *m = mock_new(&(struct sva_system_config){ .seed = 4, .frame_limit = 64 });
	struct hog big = { .pages = 200 }, small = { .pages = 4 };
	struct sva_exit_status eb, es;
	uint64_t boot_frames = m->k->frames.nr_used;	/* the IOMMU's tables */
	int pb, ps;

	(void)state;
	ps = sva_system_spawn(m->sys, "small", hog_main, &small);
	pb = sva_system_spawn(m->sys, "big", hog_main, &big);
	run(m);
	assert_int_equal(sva_system_proc_status(m->sys, pb, &eb), 0);
	assert_int_equal(sva_system_proc_status(m->sys, ps, &es), 0);
	assert_int_equal(eb.signal, SIGKILL);
	assert_non_null(strstr(eb.reason, "out of memory"));
	assert_int_equal(big.done, 0);
	assert_int_equal(es.signal, 0);
	assert_int_equal(small.done, 1);
	assert_int_equal(m->k->frames.nr_used, boot_frames);	/* both address spaces are gone */
	mock_free(m);
}

struct fixer {
	uint64_t page;
	unsigned handled;
	uint64_t addr;
	int code;
	int store_rc, load_rc;
};

static enum sva_sig_action fix_it(const struct sva_siginfo *info, void *arg)
{
	struct fixer *f = arg;

	f->handled++;
	f->addr = info->addr;
	f->code = info->code;
	if (info->addr >= f->page && info->addr < f->page + 4096 && f->handled == 1) {
		assert_int_equal(sva_mprotect(f->page, 4096, SVA_PROT_READ | SVA_PROT_WRITE), 0);
		return SVA_SIG_RETRY;
	}
	return SVA_SIG_FAIL;
}

static void handler_main(void *arg)
{
	struct fixer *f = arg;
	uint64_t v = 7;

	f->page = (uint64_t)sva_mmap(0, 4096, SVA_PROT_READ, SVA_MAP_PRIVATE, -1, 0);
	assert_int_equal(sva_signal(SIGSEGV, fix_it, f), 0);
	f->store_rc = sva_store(f->page + 8, &v, sizeof(v));	/* fixed, then retried */
	f->load_rc = sva_load(0x1000, &v, sizeof(v));		/* nothing mapped: fails */
}

static void test_sigsegv_handler_reports_the_address_and_may_retry(void **state)
{
	struct mock *m = mock_new(&(struct sva_system_config){ .seed = 1 });
	struct fixer f = { 0 };
	struct sva_exit_status es;
	int pid;

	(void)state;
	pid = sva_system_spawn(m->sys, "handler", handler_main, &f);
	run(m);
	assert_int_equal(f.store_rc, 0);
	assert_int_equal(f.load_rc, -EFAULT);
	assert_int_equal(f.handled, 2);
	assert_int_equal(f.addr, 0x1000);
	assert_int_equal(f.code, SEGV_MAPERR);
	assert_int_equal(sva_system_proc_status(m->sys, pid, &es), 0);
	assert_int_equal(es.signal, 0);
	mock_free(m);
}

static void spinner(void *arg)
{
	unsigned *alive = arg;

	for (;;) {
		(*alive)++;
		sva_nanosleep(100);
	}
}

static void exit_main(void *arg)
{
	unsigned *alive = arg;

	for (int i = 0; i < 3; i++)
		assert_true(sva_thread_create(spinner, alive, "spinner") > 0);
	sva_nanosleep(1000);
	sva_exit(3);
}

static void test_exit_with_threads_still_running_ends_them_all(void **state)
{
	struct mock *m = mock_new(&(struct sva_system_config){ .seed = 6, .nr_cpus = 2 });
	struct sva_exit_status es;
	unsigned alive = 0;
	struct sva_proc *p;
	int pid;

	(void)state;
	pid = sva_system_spawn(m->sys, "exiter", exit_main, &alive);
	p = proc_of(m, pid);
	run(m);		/* returns: nobody is left spinning */
	assert_int_equal(sva_system_proc_status(m->sys, pid, &es), 0);
	assert_true(es.exited);
	assert_int_equal(es.code, 3);
	assert_int_equal(es.signal, 0);
	assert_true(alive >= 3 && alive < 60);
	assert_int_equal(p->nr_threads, 0);
	assert_int_equal(sva_sim_nr_blocked(m->sys->sim), 0);
	mock_free(m);
}

static void retry_main(void *arg)
{
	struct prog *g = arg;
	int r[4];

	setup_portal(g);
	for (int i = 0; i < 4; i++)
		r[i] = sva_enqcmd(g->portal, g->desc);
	g->result = r[0] * 1000 + r[1] * 100 + r[2] * 10 + r[3];
}

static void test_enqcmd_retry_sets_zf_and_has_no_effect(void **state)
{
	struct mock *m = mock_new(&(struct sva_system_config){ .seed = 1 });
	struct prog g = { .m = m };

	(void)state;
	m->retry_every = 2;
	sva_system_spawn(m->sys, "retry", retry_main, &g);
	run(m);
	assert_int_equal(g.result, 101);	/* accepted, retry, accepted, retry */
	assert_int_equal(m->n, 4);
	assert_int_equal(m->seen_pasid[0], 1);
	assert_int_equal(m->seen_pasid[2], 1);
	assert_int_equal(m->seen_pasid[1], 0);	/* the retried stores left nothing */
	assert_int_equal(m->seen_pasid[3], 0);
	mock_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_enqcmd_on_each_thread_takes_exactly_one_gp_fixup),
		cmocka_unit_test(test_thread_created_after_binding_also_gets_the_pasid_lazily),
		cmocka_unit_test(test_enqcmd_with_no_pasid_is_sigsegv),
		cmocka_unit_test(test_fork_child_mm_has_no_pasid_and_its_enqcmd_is_sigsegv),
		cmocka_unit_test(test_pasid_survives_close_and_is_freed_only_at_mm_teardown),
		cmocka_unit_test(test_a_second_process_never_gets_a_live_pasid_and_exhaustion_is_enospc),
		cmocka_unit_test(test_context_switch_saves_and_restores_ia32_pasid),
		cmocka_unit_test(test_oom_in_a_fault_kills_only_that_task),
		cmocka_unit_test(test_sigsegv_handler_reports_the_address_and_may_retry),
		cmocka_unit_test(test_exit_with_threads_still_running_ends_them_all),
		cmocka_unit_test(test_enqcmd_retry_sets_zf_and_has_no_effect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
