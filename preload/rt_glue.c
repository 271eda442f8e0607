// SPDX-License-Identifier: MIT
/*
 * The process's one native runtime and the hooks the file and trap layers
 * call (preload/preload.h).
 *
 * The runtime is built on the first open of a WQ node, not at load time:
 * most processes of a run (the shell, cat, accel-config) never touch a
 * portal and should not pay for a model.  It is finished at exit, when
 * the process's report is written to $SVA_NATIVE_ROOT/reports/PID.json.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "native/native.h"
#include "native/sysfs_tree.h"
#include "preload.h"

/* Descriptors up to this number are looked up in a table; WQ files above it are refused. */
#define GLUE_MAX_FD	4096

struct glue {
	pthread_mutex_t lock;
	struct sva_native *rt;
	bool failed;			/* building the runtime failed once: say so once */
	FILE *trace;
	/* fd -> runtime handle + 1 (0: not a WQ file) */
	int handle[GLUE_MAX_FD];
};

static struct glue glue = { .lock = PTHREAD_MUTEX_INITIALIZER };

static enum sva_native_mode env_mode(void)
{
	const char *m = getenv(NATIVE_ENV_MODE);

	return m && !strcmp(m, "async") ? SVA_NATIVE_ASYNC : SVA_NATIVE_INLINE;
}

static enum sva_native_faults env_faults(void)
{
	const char *f = getenv(NATIVE_ENV_FAULTS);

	if (f && !strcmp(f, "touch"))
		return SVA_NATIVE_FAULTS_TOUCH;
	if (f && !strcmp(f, "seed"))
		return SVA_NATIVE_FAULTS_SEED;
	return SVA_NATIVE_FAULTS_NONE;
}

static uint64_t env_seed(void)
{
	const char *s = getenv(NATIVE_ENV_SEED);

	return s ? strtoull(s, NULL, 10) : 1;
}

/* The runtime, built on first use; NULL when it cannot be (said once on stderr). */
static struct sva_native *runtime(void)
{
	struct sva_native_config cfg = { 0 };
	char err[512] = "", path[4096];
	char *json = NULL;
	const char *root = native_root();

	if (glue.rt || glue.failed || !root)
		return glue.rt;
	json = sysfs_tree_enabled_config(root, err, sizeof(err));
	if (!json) {
		fprintf(stderr, "sva native: %s\n", err);
		glue.failed = true;
		return NULL;
	}
	const char *tr = getenv(NATIVE_ENV_TRACE);
	if (tr && !strcmp(tr, "1")) {
		snprintf(path, sizeof(path), "%s/traces/%d.json", root, (int)getpid());
		glue.trace = fopen(path, "we");
	}
	cfg.accel_config = json;
	cfg.mode = env_mode();
	cfg.faults = env_faults();
	cfg.seed = env_seed();
	cfg.timing = getenv(NATIVE_ENV_TIMING);
	cfg.trace = glue.trace;
	cfg.program = program_invocation_short_name;
	cfg.pid = (int)getpid();
	glue.rt = sva_native_create(&cfg, err, sizeof(err));
	free(json);
	if (!glue.rt) {
		fprintf(stderr, "sva native: %s\n", err);
		glue.failed = true;
		if (glue.trace)
			fclose(glue.trace);
		glue.trace = NULL;
	}
	return glue.rt;
}

int native_wq_open(int fd, const char *dev, unsigned wq_id, int flags)
{
	struct sva_native *rt;
	int h;

	if (fd < 0 || fd >= GLUE_MAX_FD)
		return -EMFILE;
	pthread_mutex_lock(&glue.lock);
	rt = runtime();
	h = rt ? sva_native_wq_open(rt, dev, wq_id, flags) : -ENODEV;
	if (h >= 0)
		glue.handle[fd] = h + 1;
	pthread_mutex_unlock(&glue.lock);
	return h < 0 ? h : 0;
}

bool native_wq_is_fd(int fd)
{
	return fd >= 0 && fd < GLUE_MAX_FD && __atomic_load_n(&glue.handle[fd], __ATOMIC_RELAXED);
}

void *native_wq_mmap(int fd, void *addr, size_t len, int prot, int flags, off_t off)
{
	void *p;
	int rc;

	pthread_mutex_lock(&glue.lock);
	if (!native_wq_is_fd(fd) || !glue.rt) {
		pthread_mutex_unlock(&glue.lock);
		errno = EBADF;
		return MAP_FAILED;
	}
	/*
	 * The program's view of the portal: a page whose every access traps,
	 * so the trap layer sees each ENQCMD/MOVDIR64B (even where the CPU
	 * executes MOVDIR64B itself).  Not inherited by fork, like the
	 * kernel's VM_DONTCOPY portal.
	 */
	p = mmap(addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | (flags & MAP_FIXED), -1, 0);
	if (p == MAP_FAILED) {
		pthread_mutex_unlock(&glue.lock);
		return MAP_FAILED;
	}
	rc = sva_native_wq_mmap(glue.rt, glue.handle[fd] - 1, (uint64_t)(uintptr_t)p, len, prot,
				flags, (uint64_t)off);
	if (rc == 0)
		madvise(p, len, MADV_DONTFORK);
	pthread_mutex_unlock(&glue.lock);
	if (rc) {
		munmap(p, len);
		errno = -rc;
		return MAP_FAILED;
	}
	return p;
}

void native_wq_close(int fd)
{
	int h;

	pthread_mutex_lock(&glue.lock);
	h = native_wq_is_fd(fd) ? glue.handle[fd] - 1 : -1;
	if (h >= 0) {
		glue.handle[fd] = 0;
		/* Another descriptor may still refer to the same handle (dup). */
		for (int i = 0; i < GLUE_MAX_FD; i++)
			if (glue.handle[i] == h + 1)
				h = -1;
		if (h >= 0 && glue.rt)
			sva_native_wq_close(glue.rt, h);
	}
	pthread_mutex_unlock(&glue.lock);
}

void native_wq_dup(int oldfd, int newfd)
{
	if (newfd < 0 || newfd >= GLUE_MAX_FD || oldfd == newfd)
		return;
	pthread_mutex_lock(&glue.lock);
	if (native_wq_is_fd(oldfd))
		glue.handle[newfd] = glue.handle[oldfd];
	pthread_mutex_unlock(&glue.lock);
}

int native_portal_munmap(void *addr, size_t len, int *ret)
{
	uint64_t a = (uint64_t)(uintptr_t)addr;
	bool portal = false;

	if (!glue.rt)
		return 0;
	pthread_mutex_lock(&glue.lock);
	for (uint64_t p = a & ~4095ull; p < a + len && !portal; p += 4096)
		portal = sva_native_is_portal(glue.rt, p);
	if (portal)
		sva_native_munmap(glue.rt, a, len);
	pthread_mutex_unlock(&glue.lock);
	if (!portal)
		return 0;
	*ret = munmap(addr, len);
	return 1;
}

ssize_t native_wq_write(int fd, const void *buf, size_t len)
{
	int64_t rc;

	pthread_mutex_lock(&glue.lock);
	rc = native_wq_is_fd(fd) && glue.rt ?
	     sva_native_wq_write(glue.rt, glue.handle[fd] - 1, buf, len) : -EBADF;
	pthread_mutex_unlock(&glue.lock);
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return (ssize_t)rc;
}

bool native_portal_lookup(uint64_t addr)
{
	struct sva_native *rt = __atomic_load_n(&glue.rt, __ATOMIC_ACQUIRE);

	return rt && sva_native_is_portal(rt, addr);
}

int native_submit(uint64_t portal, const void *desc, enum native_submit_kind kind)
{
	static const enum sva_native_submit map[] = {
		[NATIVE_ENQCMD] = SVA_NATIVE_ENQCMD,
		[NATIVE_ENQCMDS] = SVA_NATIVE_ENQCMDS,
		[NATIVE_MOVDIR64B] = SVA_NATIVE_MOVDIR64B,
	};
	struct sva_native *rt = __atomic_load_n(&glue.rt, __ATOMIC_ACQUIRE);

	/* No lock: the runtime serialises requests itself, and a fault handler must not wait on ours. */
	return rt ? sva_native_submit(rt, portal, desc, map[kind]) : -EFAULT;
}

/* A forked child has a new address space: no portals, no PASID; it builds its own runtime. */
static void glue_atfork_child(void)
{
	pthread_mutex_init(&glue.lock, NULL);
	glue.rt = NULL;		/* the parent's model: its copy is left alone, never used */
	glue.failed = false;
	glue.trace = NULL;
	memset(glue.handle, 0, sizeof(glue.handle));
}

/*
 * accel-config 3.5.3 reads its configuration file into a malloc'd buffer
 * of exactly the file's size and hands it to json_tokener_parse() without
 * a terminating NUL, so the parse runs into whatever the heap left after
 * the buffer; a leftover '/' (any path string) reads as a broken comment
 * and load-config fails with -12, depending only on the heap's history -
 * which the layers' own allocations change.  In that program only, freed
 * memory is filled with 0xff (and new allocations with zeros, which no
 * correct program can tell from uninitialised memory), so what follows
 * the buffer is never a '/'.  Nothing else is touched.
 */
static void accel_config_workaround(void)
{
	if (!strcmp(program_invocation_short_name, "accel-config"))
		mallopt(M_PERTURB, 0xff);
}

__attribute__((constructor)) static void glue_init(void)
{
	if (!native_root())
		return;
	pthread_atfork(NULL, NULL, glue_atfork_child);
	accel_config_workaround();
}

__attribute__((destructor)) static void glue_fini(void)
{
	char path[4096];
	const char *root = native_root();
	FILE *f;

	if (!glue.rt)
		return;
	sva_native_finish(glue.rt);
	snprintf(path, sizeof(path), "%s/reports/%d.json", root, (int)getpid());
	f = fopen(path, "we");
	if (!f || sva_native_report_json(glue.rt, f) || fclose(f))
		fprintf(stderr, "sva native: cannot write the report %s: %s\n", path, strerror(errno));
	sva_native_destroy(glue.rt);
	glue.rt = NULL;
	if (glue.trace)
		fclose(glue.trace);
}
