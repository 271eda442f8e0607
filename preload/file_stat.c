// SPDX-License-Identifier: MIT
/*
 * The file layer's path calls that open nothing: access, the stat family
 * (including the __xstat entry points older binaries call), readlink,
 * realpath, the directory walkers (opendir, scandir, nftw, ftw), chdir,
 * fchdir and getcwd.  Each maps its path into the tree; the ones that
 * return a path (realpath, getcwd, readlink, nftw's callback) return it
 * as the program would see it in /sys, so that the program's next call
 * with it is mapped again.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

#define MAPPED(dirfd, path) \
	char mbuf_[PATH_MAX]; \
	bool in_tree_; \
	const char *m_ = file_map(dirfd, path, mbuf_, sizeof(mbuf_), &in_tree_, false); \
	if (!m_) \
		return -1

DEFINE_REAL(access)
DEFINE_REAL(faccessat)
DEFINE_REAL(euidaccess)
DEFINE_REAL(eaccess)
DEFINE_REAL(stat)
DEFINE_REAL(stat64)
DEFINE_REAL(lstat)
DEFINE_REAL(lstat64)
DEFINE_REAL(fstatat)
DEFINE_REAL(fstatat64)
DEFINE_REAL(statx)
DEFINE_REAL(readlink)
DEFINE_REAL(readlinkat)
DEFINE_REAL(realpath)
DEFINE_REAL(canonicalize_file_name)
DEFINE_REAL(opendir)
DEFINE_REAL(scandir)
DEFINE_REAL(scandir64)
DEFINE_REAL(scandirat)
DEFINE_REAL(nftw)
DEFINE_REAL(nftw64)
DEFINE_REAL(ftw)
DEFINE_REAL(ftw64)
DEFINE_REAL(chdir)
DEFINE_REAL(fchdir)
DEFINE_REAL(getcwd)
DEFINE_REAL(get_current_dir_name)

/* ---- access ---- */

NATIVE_EXPORT int access(const char *path, int mode)
{
	MAPPED(AT_FDCWD, path);
	return REAL(access)(m_, mode);
}

NATIVE_EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	MAPPED(dirfd, path);
	return REAL(faccessat)(dirfd, m_, mode, flags);
}

NATIVE_EXPORT int euidaccess(const char *path, int mode)
{
	MAPPED(AT_FDCWD, path);
	return REAL(euidaccess)(m_, mode);
}

NATIVE_EXPORT int eaccess(const char *path, int mode)
{
	MAPPED(AT_FDCWD, path);
	return REAL(eaccess)(m_, mode);
}

/* ---- stat ---- */

NATIVE_EXPORT int stat(const char *path, struct stat *st)
{
	MAPPED(AT_FDCWD, path);
	return REAL(stat)(m_, st);
}

NATIVE_EXPORT int stat64(const char *path, struct stat64 *st)
{
	MAPPED(AT_FDCWD, path);
	return REAL(stat64)(m_, st);
}

NATIVE_EXPORT int lstat(const char *path, struct stat *st)
{
	MAPPED(AT_FDCWD, path);
	return REAL(lstat)(m_, st);
}

NATIVE_EXPORT int lstat64(const char *path, struct stat64 *st)
{
	MAPPED(AT_FDCWD, path);
	return REAL(lstat64)(m_, st);
}

NATIVE_EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	MAPPED(dirfd, path);
	return REAL(fstatat)(dirfd, m_, st, flags);
}

NATIVE_EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	MAPPED(dirfd, path);
	return REAL(fstatat64)(dirfd, m_, st, flags);
}

NATIVE_EXPORT int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *st)
{
	MAPPED(dirfd, path);
	return REAL(statx)(dirfd, m_, flags, mask, st);
}

/*
 * Binaries built before glibc 2.33 call these instead of stat(): compat
 * symbols, found by version.
 */
static void *real_xstat(const char *name)
{
	void *p = dlvsym(RTLD_NEXT, name, "GLIBC_2.2.5");

	return p ? p : file_real(name);
}

#define XSTAT(fn, st_t) \
	NATIVE_EXPORT int fn(int ver, const char *path, st_t *st); \
	NATIVE_EXPORT int fn(int ver, const char *path, st_t *st) \
	{ \
		static int (*real)(int, const char *, st_t *); \
		MAPPED(AT_FDCWD, path); \
		if (!real) \
			real = (int (*)(int, const char *, st_t *))real_xstat(#fn); \
		return real(ver, m_, st); \
	}

XSTAT(__xstat, struct stat)
XSTAT(__xstat64, struct stat64)
XSTAT(__lxstat, struct stat)
XSTAT(__lxstat64, struct stat64)

#define FXSTATAT(fn, st_t) \
	NATIVE_EXPORT int fn(int ver, int dirfd, const char *path, st_t *st, int flags); \
	NATIVE_EXPORT int fn(int ver, int dirfd, const char *path, st_t *st, int flags) \
	{ \
		static int (*real)(int, int, const char *, st_t *, int); \
		MAPPED(dirfd, path); \
		if (!real) \
			real = (int (*)(int, int, const char *, st_t *, int))real_xstat(#fn); \
		return real(ver, dirfd, m_, st, flags); \
	}

FXSTATAT(__fxstatat, struct stat)
FXSTATAT(__fxstatat64, struct stat64)

/* ---- links and canonical names ---- */

/* A link's text that names a place in the tree, as the program sees it. */
static ssize_t unmap_link(char *buf, ssize_t n)
{
	const char *root = native_root();
	size_t rl = root ? strlen(root) : 0;

	if (n <= 0 || !rl || (size_t)n <= rl || strncmp(buf, root, rl) || buf[rl] != '/')
		return n;
	memmove(buf, buf + rl, (size_t)n - rl);
	return n - (ssize_t)rl;
}

NATIVE_EXPORT ssize_t readlink(const char *path, char *buf, size_t size)
{
	MAPPED(AT_FDCWD, path);
	return unmap_link(buf, REAL(readlink)(m_, buf, size));
}

NATIVE_EXPORT ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t size)
{
	MAPPED(dirfd, path);
	return unmap_link(buf, REAL(readlinkat)(dirfd, m_, buf, size));
}

NATIVE_EXPORT char *realpath(const char *path, char *resolved)
{
	char mbuf[PATH_MAX];
	bool in_tree;
	const char *m = file_map(AT_FDCWD, path, mbuf, sizeof(mbuf), &in_tree, false);
	char *r;

	if (!m)
		return NULL;
	r = REAL(realpath)(m, resolved);
	if (!file_busy())
		file_unmap(r);
	return r;
}

NATIVE_EXPORT char *__realpath_chk(const char *path, char *resolved, size_t resolvedlen);
NATIVE_EXPORT char *__realpath_chk(const char *path, char *resolved, size_t resolvedlen)
{
	if (resolvedlen < PATH_MAX)
		abort();	/* what glibc's check does: the buffer is too small for any answer */
	return realpath(path, resolved);
}

NATIVE_EXPORT char *canonicalize_file_name(const char *path)
{
	char mbuf[PATH_MAX];
	bool in_tree;
	const char *m = file_map(AT_FDCWD, path, mbuf, sizeof(mbuf), &in_tree, false);
	char *r;

	if (!m)
		return NULL;
	r = REAL(canonicalize_file_name)(m);
	if (!file_busy())
		file_unmap(r);
	return r;
}

/* ---- directories ---- */

NATIVE_EXPORT DIR *opendir(const char *path)
{
	char mbuf[PATH_MAX];
	bool in_tree;
	const char *m = file_map(AT_FDCWD, path, mbuf, sizeof(mbuf), &in_tree, false);

	return m ? REAL(opendir)(m) : NULL;
}

NATIVE_EXPORT int scandir(const char *path, struct dirent ***list,
			  int (*filter)(const struct dirent *),
			  int (*compar)(const struct dirent **, const struct dirent **))
{
	MAPPED(AT_FDCWD, path);
	return REAL(scandir)(m_, list, filter, compar);
}

NATIVE_EXPORT int scandir64(const char *path, struct dirent64 ***list,
			    int (*filter)(const struct dirent64 *),
			    int (*compar)(const struct dirent64 **, const struct dirent64 **))
{
	MAPPED(AT_FDCWD, path);
	return REAL(scandir64)(m_, list, filter, compar);
}

NATIVE_EXPORT int scandirat(int dirfd, const char *path, struct dirent ***list,
			    int (*filter)(const struct dirent *),
			    int (*compar)(const struct dirent **, const struct dirent **))
{
	MAPPED(dirfd, path);
	return REAL(scandirat)(dirfd, m_, list, filter, compar);
}

/*
 * nftw and ftw hand their callback paths below the one given: in the tree,
 * those are the tree's, so a trampoline gives the callback /sys names.
 * One walk per thread at a time, as the trampoline's callback is the
 * thread's (a callback that walks again gets the outer callback back).
 */
static __thread int (*walk_nftw)(const char *, const struct stat *, int, struct FTW *);
static __thread int (*walk_nftw64)(const char *, const struct stat64 *, int, struct FTW *);
static __thread int (*walk_ftw)(const char *, const struct stat *, int);
static __thread int (*walk_ftw64)(const char *, const struct stat64 *, int);

#define UNMAPPED_PATH(p) \
	char ubuf_[PATH_MAX]; \
	const char *u_ = p; \
	if (strlen(p) < sizeof(ubuf_)) { \
		strcpy(ubuf_, p); \
		file_unmap(ubuf_); \
		u_ = ubuf_; \
	}

static int tramp_nftw(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	UNMAPPED_PATH(p);
	/* base is an offset into the path: the root's length comes off it too. */
	struct FTW f = *ftw;

	f.base -= (int)(strlen(p) - strlen(u_));
	return walk_nftw(u_, st, flag, &f);
}

static int tramp_nftw64(const char *p, const struct stat64 *st, int flag, struct FTW *ftw)
{
	UNMAPPED_PATH(p);
	struct FTW f = *ftw;

	f.base -= (int)(strlen(p) - strlen(u_));
	return walk_nftw64(u_, st, flag, &f);
}

static int tramp_ftw(const char *p, const struct stat *st, int flag)
{
	UNMAPPED_PATH(p);
	return walk_ftw(u_, st, flag);
}

static int tramp_ftw64(const char *p, const struct stat64 *st, int flag)
{
	UNMAPPED_PATH(p);
	return walk_ftw64(u_, st, flag);
}

NATIVE_EXPORT int nftw(const char *path,
		       int (*fn)(const char *, const struct stat *, int, struct FTW *),
		       int nopenfd, int flags)
{
	MAPPED(AT_FDCWD, path);
	if (!in_tree_)
		return REAL(nftw)(m_, fn, nopenfd, flags);
	__typeof__(walk_nftw) outer = walk_nftw;
	int rc;

	walk_nftw = fn;
	rc = REAL(nftw)(m_, tramp_nftw, nopenfd, flags);
	walk_nftw = outer;
	return rc;
}

NATIVE_EXPORT int nftw64(const char *path,
			 int (*fn)(const char *, const struct stat64 *, int, struct FTW *),
			 int nopenfd, int flags)
{
	MAPPED(AT_FDCWD, path);
	if (!in_tree_)
		return REAL(nftw64)(m_, fn, nopenfd, flags);
	__typeof__(walk_nftw64) outer = walk_nftw64;
	int rc;

	walk_nftw64 = fn;
	rc = REAL(nftw64)(m_, tramp_nftw64, nopenfd, flags);
	walk_nftw64 = outer;
	return rc;
}

NATIVE_EXPORT int ftw(const char *path, int (*fn)(const char *, const struct stat *, int), int nopenfd)
{
	MAPPED(AT_FDCWD, path);
	if (!in_tree_)
		return REAL(ftw)(m_, fn, nopenfd);
	__typeof__(walk_ftw) outer = walk_ftw;
	int rc;

	walk_ftw = fn;
	rc = REAL(ftw)(m_, tramp_ftw, nopenfd);
	walk_ftw = outer;
	return rc;
}

NATIVE_EXPORT int ftw64(const char *path, int (*fn)(const char *, const struct stat64 *, int),
			int nopenfd)
{
	MAPPED(AT_FDCWD, path);
	if (!in_tree_)
		return REAL(ftw64)(m_, fn, nopenfd);
	__typeof__(walk_ftw64) outer = walk_ftw64;
	int rc;

	walk_ftw64 = fn;
	rc = REAL(ftw64)(m_, tramp_ftw64, nopenfd);
	walk_ftw64 = outer;
	return rc;
}

/* ---- the working directory ---- */

NATIVE_EXPORT int chdir(const char *path)
{
	MAPPED(AT_FDCWD, path);
	int rc = REAL(chdir)(m_);

	if (!rc && native_root() && !file_busy())
		file_cwd_update();
	return rc;
}

NATIVE_EXPORT int fchdir(int fd)
{
	int rc = REAL(fchdir)(fd);

	if (!rc && native_root() && !file_busy())
		file_cwd_update();
	return rc;
}

NATIVE_EXPORT char *getcwd(char *buf, size_t size)
{
	char *r = REAL(getcwd)(buf, size);

	if (!file_busy())
		file_unmap(r);
	return r;
}

NATIVE_EXPORT char *get_current_dir_name(void)
{
	char *r = REAL(get_current_dir_name)();

	if (!file_busy())
		file_unmap(r);
	return r;
}
