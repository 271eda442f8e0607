// SPDX-License-Identifier: MIT
/*
 * The file layer's descriptors: the open family and stdio's fopen family,
 * write, close, fclose, dup, fcntl, mmap and munmap (docs/native.md, "The
 * file layer").
 *
 * A write-open of an attribute, bind or unbind file of the tree does not
 * open the rendered file: it hands out a memfd and remembers what the file
 * was, and each write(2) to it becomes one store through the driver model,
 * failing with the errno Linux's store gives.  Data that reaches the memfd
 * some other way (stdio buffers, dprintf, which glibc writes with its
 * internal write) is stored when the stream or descriptor is closed.
 * An open of /dev/dsa/wqD.Q opens the tree's stand-in file and hands the
 * descriptor to the runtime.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "file.h"
#include "native/sysfs_tree.h"

/*
 * The runtime's hooks (rt_glue.c).  Weak: without a runtime the layer
 * still serves the tree (accel-config needs nothing else), and a WQ file
 * is then just a file.
 */
#pragma weak native_wq_open
#pragma weak native_wq_is_fd
#pragma weak native_wq_mmap
#pragma weak native_wq_close
#pragma weak native_wq_dup
#pragma weak native_portal_munmap
#pragma weak native_wq_write

DEFINE_REAL(openat)
DEFINE_REAL(close)
DEFINE_REAL(write)
DEFINE_REAL(dup)
DEFINE_REAL(dup2)
DEFINE_REAL(dup3)
DEFINE_REAL(fcntl)
DEFINE_REAL(mmap)
DEFINE_REAL(munmap)
DEFINE_REAL(fopen)
DEFINE_REAL(freopen)
DEFINE_REAL(fclose)
DEFINE_REAL(fflush)

/* ---- stores ---- */

#define MAX_STORES 64

struct store_slot {
	int fd;				/* -1: free */
	struct sysfs_tree_target t;
};

static struct store_slot stores[MAX_STORES] = { [0 ... MAX_STORES - 1] = { .fd = -1 } };
static pthread_mutex_t stores_lock = PTHREAD_MUTEX_INITIALIZER;

static int store_add(int fd, const struct sysfs_tree_target *t)
{
	int rc = -ENFILE;

	pthread_mutex_lock(&stores_lock);
	for (unsigned int i = 0; i < MAX_STORES; i++) {
		if (stores[i].fd < 0) {
			stores[i].fd = fd;
			stores[i].t = *t;
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&stores_lock);
	if (!rc)
		file_fd_set(fd, FILE_FD_STORE);
	return rc;
}

/* The target of store descriptor @fd into @t (and forget it when @drop). */
static bool store_get(int fd, struct sysfs_tree_target *t, bool drop)
{
	bool found = false;

	pthread_mutex_lock(&stores_lock);
	for (unsigned int i = 0; i < MAX_STORES && !found; i++) {
		if (stores[i].fd != fd)
			continue;
		*t = stores[i].t;
		if (drop)
			stores[i].fd = -1;
		found = true;
	}
	pthread_mutex_unlock(&stores_lock);
	return found;
}

static int store_apply(const struct sysfs_tree_target *t, const void *buf, size_t len)
{
	int rc;

	file_busy_set(true);
	rc = sysfs_tree_write(native_root(), t, buf, len);
	file_busy_set(false);
	return rc;
}

/*
 * The memfd's name says what it stores to, so that a program exec'd with
 * it (a shell's `cat x > /sys/...`: the shell opens, the program writes)
 * knows it too: "sva-sysfs:OP:DRV:OBJ:ATTR".
 */
#define STORE_MEMFD "sva-sysfs:"

static int open_store(const struct sysfs_tree_target *t, int flags)
{
	char name[160];
	int fd, rc;

	snprintf(name, sizeof(name), STORE_MEMFD "%d:%d:%s:%s", (int)t->op, (int)t->drv, t->obj, t->attr);
	file_busy_set(true);
	fd = memfd_create(name, flags & O_CLOEXEC ? MFD_CLOEXEC : 0);
	file_busy_set(false);
	if (fd < 0)
		return -1;
	rc = fd >= FILE_FD_MAX ? -EMFILE : store_add(fd, t);
	if (rc) {
		REAL(close)(fd);
		errno = -rc;
		return -1;
	}
	return fd;
}

/* A store descriptor inherited through exec: its target from the memfd's name. */
static void store_adopt(int fd, const char *link)
{
	static const char prefix[] = "/memfd:" STORE_MEMFD;
	struct sysfs_tree_target t;
	int op, drv, n = 0;

	memset(&t, 0, sizeof(t));
	if (strncmp(link, prefix, sizeof(prefix) - 1) ||
	    sscanf(link + sizeof(prefix) - 1, "%d:%d:%31[^:]:%63[^: ]%n", &op, &drv, t.obj, t.attr, &n) < 4 ||
	    op < SYSFS_TREE_STORE || op > SYSFS_TREE_MODULE || drv < 0 || drv >= IDXD_DRV_COUNT)
		return;
	t.op = (enum sysfs_tree_op)op;
	t.drv = (enum idxd_sysfs_drv)drv;
	store_add(fd, &t);
}

__attribute__((constructor)) static void stores_inherit(void)
{
	struct dirent *e;
	DIR *d;

	if (!native_root())
		return;
	file_busy_set(true);
	d = opendir("/proc/self/fd");
	while (d && (e = readdir(d))) {
		char path[64], link[256];
		int fd = atoi(e->d_name);
		ssize_t n;

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd == dirfd(d) || fd >= FILE_FD_MAX)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		store_adopt(fd, link);
	}
	if (d)
		closedir(d);
	file_busy_set(false);
}

static int store_pending(int fd, const struct sysfs_tree_target *t);

/*
 * A program that ends without closing a store (stdout redirected to an
 * attribute, flushed by exit() after the destructors): its stdio buffers
 * are flushed and stored here.  A refusal can only be said on stderr.
 */
__attribute__((destructor)) static void stores_flush(void)
{
	bool flushed = false;

	for (unsigned int i = 0; i < MAX_STORES; i++) {
		struct sysfs_tree_target t;
		int fd = stores[i].fd, rc;

		if (fd < 0 || !store_get(fd, &t, false))
			continue;
		if (!flushed) {
			REAL(fflush)(NULL);
			flushed = true;
		}
		rc = store_pending(fd, &t);
		if (rc) {
			char msg[160];
			int len = snprintf(msg, sizeof(msg), "write error: %s\n", strerror(-rc));

			if (len > 0 && REAL(write)(2, msg, (size_t)len) < 0)
				break;
		}
	}
}

/* ---- open ---- */

/* Is the file open as @fd the tree's /dev/dsa/wqD.Q?  Then D and Q. */
static bool wq_node(int fd, unsigned int *dev, unsigned int *wq)
{
	char link[64], path[PATH_MAX], tail;
	const char *root = native_root();
	size_t rl = strlen(root);
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	file_busy_set(true);
	n = readlink(link, path, sizeof(path) - 1);
	file_busy_set(false);
	if (n < 0)
		return false;
	path[n] = 0;
	/* The readlink interposer may already have named the node as the program sees it. */
	if (!strncmp(path, root, rl))
		memmove(path, path + rl, (size_t)n - rl + 1);
	return !strncmp(path, "/dev/dsa/wq", 11) &&
	       sscanf(path + 11, "%u.%u%c", dev, wq, &tail) == 2;
}

/* A write-open of the tree: a store target?  1 yes (*t), 0 no, -errno refused. */
static int write_target(int dirfd, const char *m, struct sysfs_tree_target *t)
{
	char whole[PATH_MAX + 64], res[PATH_MAX];
	const char *p = m;
	int rc;

	if (m[0] != '/' && dirfd != AT_FDCWD) {
		if ((size_t)snprintf(whole, sizeof(whole), "/proc/self/fd/%d/%s", dirfd, m) >=
		    sizeof(whole))
			return 0;
		p = whole;
	}
	file_busy_set(true);
	rc = realpath(p, res) ? sysfs_tree_target(native_root(), res, t) : -ENOENT;
	file_busy_set(false);
	/* A file that is not there is no store (sysfs has no O_CREAT): open it as usual. */
	return rc == -ENOENT ? 0 : rc ? rc : 1;
}

int file_open(int dirfd, const char *path, int flags, mode_t mode)
{
	bool writing = (flags & O_ACCMODE) != O_RDONLY && !(flags & O_PATH);
	struct sysfs_tree_target t;
	char buf[PATH_MAX];
	unsigned int dev, q;
	const char *m, *base;
	bool in_tree;
	int fd, rc;

	if (file_busy())
		return REAL(openat)(dirfd, path, flags, mode);
	m = file_map(dirfd, path, buf, sizeof(buf), &in_tree, writing);
	if (!m)
		return -1;
	if (in_tree && writing) {
		rc = write_target(dirfd, m, &t);
		if (rc < 0) {
			errno = -rc;
			return -1;
		}
		if (rc)
			return open_store(&t, flags);
	}
	fd = REAL(openat)(dirfd, m, flags, mode);
	if (fd < 0)
		return fd;
	if (!in_tree) {
		/* A number the layer knew may come back after a close it did not see. */
		if (file_fd(fd))
			file_fd_set(fd, FILE_FD_NONE);
		return fd;
	}
	/* Only a file named wqD.Q can be a WQ node: the others cost no readlink. */
	base = strrchr(m, '/');
	if (strncmp(base ? base + 1 : m, "wq", 2) || !wq_node(fd, &dev, &q)) {
		file_fd_set(fd, FILE_FD_TREE);
		return fd;
	}
	if (native_wq_open) {
		char name[24];

		snprintf(name, sizeof(name), "dsa%u", dev);
		file_busy_set(true);
		rc = native_wq_open(fd, name, q, flags);
		file_busy_set(false);
		if (rc < 0) {
			REAL(close)(fd);
			errno = -rc;
			return -1;
		}
	}
	file_fd_set(fd, native_wq_open ? FILE_FD_WQ : FILE_FD_TREE);
	return fd;
}

static mode_t open_mode(int flags, va_list ap)
{
	return flags & O_CREAT || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

/* open, open64, openat, openat64: the mode is there only with O_CREAT or O_TMPFILE. */
#define OPEN_VARIADIC(fn, params, dirfd) \
	NATIVE_EXPORT int fn params \
	{ \
		va_list ap; \
		mode_t mode; \
		va_start(ap, flags); \
		mode = open_mode(flags, ap); \
		va_end(ap); \
		return file_open(dirfd, path, flags, mode); \
	}

OPEN_VARIADIC(open, (const char *path, int flags, ...), AT_FDCWD)
OPEN_VARIADIC(open64, (const char *path, int flags, ...), AT_FDCWD)
OPEN_VARIADIC(openat, (int dirfd, const char *path, int flags, ...), dirfd)
OPEN_VARIADIC(openat64, (int dirfd, const char *path, int flags, ...), dirfd)

/* The fortified entry points (_FORTIFY_SOURCE), which take no mode. */
NATIVE_EXPORT int __open_2(const char *path, int flags);
NATIVE_EXPORT int __open64_2(const char *path, int flags);
NATIVE_EXPORT int __openat_2(int dirfd, const char *path, int flags);
NATIVE_EXPORT int __openat64_2(int dirfd, const char *path, int flags);

NATIVE_EXPORT int __open_2(const char *path, int flags)
{
	return file_open(AT_FDCWD, path, flags, 0);
}

NATIVE_EXPORT int __open64_2(const char *path, int flags)
{
	return file_open(AT_FDCWD, path, flags, 0);
}

NATIVE_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return file_open(dirfd, path, flags, 0);
}

NATIVE_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return file_open(dirfd, path, flags, 0);
}

NATIVE_EXPORT int creat(const char *path, mode_t mode)
{
	return file_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

NATIVE_EXPORT int creat64(const char *path, mode_t mode)
{
	return file_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

/* ---- write, close, dup ---- */

NATIVE_EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	enum file_fd_kind k = file_fd(fd);
	struct sysfs_tree_target t;
	ssize_t n;
	int rc;

	if (!k || k == FILE_FD_TREE || file_busy())
		return REAL(write)(fd, buf, len);
	if (k == FILE_FD_WQ && native_wq_write) {
		file_busy_set(true);
		n = native_wq_write(fd, buf, len);
		file_busy_set(false);
		return n;
	}
	if (k != FILE_FD_STORE || !store_get(fd, &t, false))
		return REAL(write)(fd, buf, len);
	rc = store_apply(&t, buf, len);
	if (rc) {
		errno = -rc;
		return -1;
	}
	return (ssize_t)len;
}

/*
 * What reached store descriptor @fd behind the layer's back (stdio's
 * buffer, dprintf: glibc writes those with its internal write) is one
 * store now; the memfd is emptied for the next.
 */
static int store_pending(int fd, const struct sysfs_tree_target *t)
{
	char pending[IDXD_SYSFS_STORE_MAX + 1];
	ssize_t n;
	int rc = 0;

	file_busy_set(true);
	n = pread(fd, pending, sizeof(pending), 0);
	if (n > 0 && (ftruncate(fd, 0) || lseek(fd, 0, SEEK_SET) < 0))
		n = -1;
	file_busy_set(false);
	if (n > 0)
		rc = store_apply(t, pending, (size_t)n);
	return rc;
}

int file_fd_release(int fd)
{
	enum file_fd_kind k = file_fd(fd);
	struct sysfs_tree_target t;

	file_fd_set(fd, FILE_FD_NONE);
	if (k == FILE_FD_WQ && native_wq_close) {
		file_busy_set(true);
		if (!native_wq_is_fd || native_wq_is_fd(fd))
			native_wq_close(fd);
		file_busy_set(false);
	}
	if (k != FILE_FD_STORE || !store_get(fd, &t, true))
		return 0;
	return store_pending(fd, &t);
}

NATIVE_EXPORT int close(int fd)
{
	int rc, r, saved = errno;

	if (!file_fd(fd) || file_busy())
		return REAL(close)(fd);
	rc = file_fd_release(fd);
	r = REAL(close)(fd);
	if (rc) {
		errno = -rc;
		return -1;
	}
	/*
	 * A close that succeeds leaves errno alone, as libc's does: callers
	 * such as libaccel-config read the errno of a failed write() after
	 * closing the descriptor.
	 */
	if (r == 0)
		errno = saved;
	return r;
}

/* @newfd now refers to what @oldfd does. */
static void fd_copy(int oldfd, int newfd)
{
	enum file_fd_kind k = file_fd(oldfd);
	struct sysfs_tree_target t;

	if (newfd < 0)
		return;
	if (file_fd(newfd))
		file_fd_set(newfd, FILE_FD_NONE);
	switch (k) {
	case FILE_FD_STORE:
		if (store_get(oldfd, &t, false) && !store_add(newfd, &t))
			return;
		break;
	case FILE_FD_WQ:
		if (native_wq_dup) {
			file_busy_set(true);
			native_wq_dup(oldfd, newfd);
			file_busy_set(false);
		}
		file_fd_set(newfd, k);
		break;
	case FILE_FD_TREE:
		file_fd_set(newfd, k);
		break;
	case FILE_FD_NONE:
		break;
	}
}

NATIVE_EXPORT int dup(int oldfd)
{
	int fd = REAL(dup)(oldfd);

	if (file_fd(oldfd) && !file_busy())
		fd_copy(oldfd, fd);
	else if (file_fd(fd))
		file_fd_set(fd, FILE_FD_NONE);
	return fd;
}

static int dup_over(int oldfd, int newfd, int flags, bool three)
{
	int fd;

	if (file_busy())
		return three ? REAL(dup3)(oldfd, newfd, flags) : REAL(dup2)(oldfd, newfd);
	/* dup2 closes what @newfd was first, without a word: the layer's close happens here. */
	if (oldfd != newfd && file_fd(newfd) && fcntl(oldfd, F_GETFD) >= 0)
		file_fd_release(newfd);
	fd = three ? REAL(dup3)(oldfd, newfd, flags) : REAL(dup2)(oldfd, newfd);
	if (fd >= 0 && oldfd != newfd)
		fd_copy(oldfd, fd);
	return fd;
}

NATIVE_EXPORT int dup2(int oldfd, int newfd)
{
	return dup_over(oldfd, newfd, 0, false);
}

NATIVE_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	return dup_over(oldfd, newfd, flags, true);
}

static int do_fcntl(int fd, int cmd, void *arg)
{
	int r = REAL(fcntl)(fd, cmd, arg);

	if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && !file_busy()) {
		if (file_fd(fd))
			fd_copy(fd, r);
		else if (file_fd(r))
			file_fd_set(r, FILE_FD_NONE);
	}
	return r;
}

NATIVE_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	/* Every fcntl argument is an int, a long or a pointer: one register either way. */
	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(fd, cmd, arg);
}

NATIVE_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(fd, cmd, arg);
}

/* ---- mmap ---- */

NATIVE_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p;

	if (file_fd(fd) != FILE_FD_WQ || !native_wq_mmap || file_busy())
		return REAL(mmap)(addr, len, prot, flags, fd, off);
	file_busy_set(true);
	p = native_wq_mmap(fd, addr, len, prot, flags, off);
	file_busy_set(false);
	return p;
}

NATIVE_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

NATIVE_EXPORT int munmap(void *addr, size_t len)
{
	int ret, done;

	if (!native_portal_munmap || file_busy())
		return REAL(munmap)(addr, len);
	file_busy_set(true);
	done = native_portal_munmap(addr, len, &ret);
	file_busy_set(false);
	return done ? ret : REAL(munmap)(addr, len);
}

/* ---- stdio ---- */

/* open(2) flags of an fopen mode string. */
static int mode_flags(const char *mode)
{
	int f = mode[0] == 'r' ? O_RDONLY : mode[0] == 'w' ? O_WRONLY | O_CREAT | O_TRUNC :
		mode[0] == 'a' ? O_WRONLY | O_CREAT | O_APPEND : -1;

	if (f < 0)
		return -1;
	if (strchr(mode, '+'))
		f = (f & ~O_ACCMODE) | O_RDWR;
	if (strchr(mode, 'e'))
		f |= O_CLOEXEC;
	if (strchr(mode, 'x'))
		f |= O_EXCL;
	return f;
}

static FILE *tree_fopen(const char *path, const char *mode)
{
	int flags = mode ? mode_flags(mode) : -1;
	char buf[PATH_MAX];
	bool in_tree;
	const char *m;
	FILE *f;
	int fd;

	if (file_busy() || flags < 0)
		return REAL(fopen)(path, mode);
	if ((flags & O_ACCMODE) == O_RDONLY) {
		m = file_map(AT_FDCWD, path, buf, sizeof(buf), &in_tree, false);
		return m ? REAL(fopen)(m, mode) : NULL;
	}
	/* Writing: through the layer's open, so that a store is a store. */
	fd = file_open(AT_FDCWD, path, flags, 0666);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, mode);
	if (!f) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return f;
}

NATIVE_EXPORT FILE *fopen(const char *path, const char *mode)
{
	return tree_fopen(path, mode);
}

NATIVE_EXPORT FILE *fopen64(const char *path, const char *mode)
{
	return tree_fopen(path, mode);
}

static FILE *tree_freopen(const char *path, const char *mode, FILE *stream)
{
	int flags = mode ? mode_flags(mode) : -1;
	char buf[PATH_MAX];
	bool in_tree;
	const char *m;
	FILE *f;
	int fd;

	if (file_busy() || !path || flags < 0)
		return REAL(freopen)(path, mode, stream);
	if (file_fd(fileno(stream)))
		file_fd_release(fileno(stream));
	m = file_map(AT_FDCWD, path, buf, sizeof(buf), &in_tree, (flags & O_ACCMODE) != O_RDONLY);
	if (!m)
		return NULL;
	if (!in_tree || (flags & O_ACCMODE) == O_RDONLY)
		return REAL(freopen)(m, mode, stream);
	/* A stream reopened onto a writable tree file: put the layer's descriptor under it. */
	fd = file_open(AT_FDCWD, path, flags, 0666);
	if (fd < 0)
		return NULL;
	f = REAL(freopen)("/dev/null", mode, stream);
	if (f && dup2(fd, fileno(f)) < 0)
		f = NULL;
	close(fd);
	return f;
}

NATIVE_EXPORT FILE *freopen(const char *path, const char *mode, FILE *stream)
{
	return tree_freopen(path, mode, stream);
}

NATIVE_EXPORT FILE *freopen64(const char *path, const char *mode, FILE *stream)
{
	return tree_freopen(path, mode, stream);
}

/*
 * A stream on a store: its flush is the write(2) sysfs would fail, so a
 * refused store is the flush's error, and the stream's (ferror), as a
 * shell's echo checks it.
 */
NATIVE_EXPORT int fflush(FILE *f)
{
	int r = REAL(fflush)(f);
	struct sysfs_tree_target t;
	int fd, rc;

	if (!f || file_busy() || file_fd(fd = fileno(f)) != FILE_FD_STORE || !store_get(fd, &t, false))
		return r;
	rc = store_pending(fd, &t);
	if (!rc)
		return r;
	f->_flags |= _IO_ERR_SEEN;
	errno = -rc;
	return EOF;
}

NATIVE_EXPORT int fclose(FILE *f)
{
	int fd = f ? fileno(f) : -1;
	int rc, r;

	if (!file_fd(fd) || file_busy())
		return REAL(fclose)(f);
	/* The buffer reaches the memfd first; then it is one store. */
	REAL(fflush)(f);
	rc = file_fd_release(fd);
	r = REAL(fclose)(f);
	if (rc) {
		errno = -rc;
		return EOF;
	}
	return r;
}
