// SPDX-License-Identifier: MIT
/*
 * The file layer's paths and descriptor table (file.h).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "native/sysfs_tree.h"

unsigned char file_fd_kind[FILE_FD_MAX];

static __thread bool busy __attribute__((tls_model("initial-exec")));
static bool cwd_in_tree;

bool file_busy(void)
{
	return busy;
}

void file_busy_set(bool b)
{
	busy = b;
}

void file_fd_set(int fd, enum file_fd_kind kind)
{
	if ((unsigned int)fd < FILE_FD_MAX)
		__atomic_store_n(&file_fd_kind[fd], (unsigned char)kind, __ATOMIC_RELAXED);
}

void *file_real(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (!p) {
		static const char msg[] = "libsva-native: a libc function is missing\n";

		if (write(2, msg, sizeof(msg) - 1) < 0)
			abort();
		abort();
	}
	return p;
}

static size_t root_len(void)
{
	static size_t len = (size_t)-1;
	const char *r;

	if (len != (size_t)-1)
		return len;
	r = native_root();
	len = r ? strlen(r) : 0;
	return len;
}

static bool in_root(const char *p)
{
	const char *r = native_root();
	size_t n = root_len();

	return r && !strncmp(p, r, n) && (p[n] == '/' || !p[n]);
}

void file_unmap(char *path)
{
	size_t n = root_len();

	if (path && in_root(path) && path[n] == '/')
		memmove(path, path + n, strlen(path + n) + 1);
}

void file_cwd_update(void)
{
	char cwd[PATH_MAX];

	file_busy_set(true);
	cwd_in_tree = getcwd(cwd, sizeof(cwd)) && in_root(cwd);
	file_busy_set(false);
}

__attribute__((constructor)) static void file_init(void)
{
	if (native_root())
		file_cwd_update();
}

static bool under_prefix(const char *p)
{
	for (const char *const *pre = sysfs_tree_prefixes; *pre; pre++) {
		size_t n = strlen(*pre);

		if (!strncmp(p, *pre, n) && (p[n] == '/' || !p[n]))
			return true;
	}
	return false;
}

/*
 * @path made absolute and lexically clean ("//", ".", ".." resolved
 * without looking at symlinks) into @out.  False when it does not fit.
 */
static bool normalize(const char *base, const char *path, char *out, size_t len)
{
	char tmp[PATH_MAX * 2];
	size_t o = 0;
	int n = snprintf(tmp, sizeof(tmp), "%s/%s", path[0] == '/' ? "" : base, path);

	if (n < 0 || (size_t)n >= sizeof(tmp))
		return false;
	for (char *p = tmp; *p;) {
		char *e;
		size_t cl;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchr(p, '/');
		cl = e ? (size_t)(e - p) : strlen(p);
		if (cl == 1 && p[0] == '.') {
			/* nothing */
		} else if (cl == 2 && p[0] == '.' && p[1] == '.') {
			while (o && out[o - 1] != '/')
				o--;
			if (o)
				o--;
		} else {
			if (o + 1 + cl + 1 > len)
				return false;
			out[o++] = '/';
			memcpy(out + o, p, cl);
			o += cl;
		}
		p += cl;
	}
	if (!o)
		out[o++] = '/';
	out[o] = 0;
	return true;
}

/* A relative path worth a look: one that could climb into one of the prefixes. */
static bool maybe_tree_relative(const char *path)
{
	return strstr(path, "sys") || strstr(path, "dev");
}

/* The directory @dirfd refers to, from /proc/self/fd. */
static bool fd_dir(int dirfd, char *out, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
	n = readlink(link, out, len - 1);
	if (n < 0)
		return false;
	out[n] = 0;
	return true;
}

const char *file_map(int dirfd, const char *path, char *buf, size_t len, bool *in_tree,
		     bool thorough)
{
	const char *root = native_root();
	char abs[PATH_MAX], base[PATH_MAX];
	bool absolute;

	*in_tree = false;
	if (!root || !path || busy)
		return path;
	absolute = path[0] == '/';
	if (absolute) {
		if (in_root(path)) {
			*in_tree = true;
			return path;
		}
		/* The fast no: almost every path a program opens is elsewhere. */
		if (path[1] != 's' && path[1] != 'd' && path[1] != '/' && path[1] != '.')
			return path;
		if (!normalize("/", path, abs, sizeof(abs)))
			return path;
	} else {
		if (dirfd == AT_FDCWD) {
			if (cwd_in_tree) {
				*in_tree = true;
				return path;
			}
			if (!maybe_tree_relative(path))
				return path;
			busy = true;
			if (!getcwd(base, sizeof(base)))
				base[0] = 0;
			busy = false;
		} else {
			if (file_fd(dirfd) == FILE_FD_TREE) {
				*in_tree = true;
				return path;
			}
			if (!thorough && !maybe_tree_relative(path))
				return path;
			busy = true;
			if (!fd_dir(dirfd, base, sizeof(base)))
				base[0] = 0;
			busy = false;
			if (in_root(base)) {
				*in_tree = true;
				return path;
			}
		}
		if (!base[0] || !normalize(base, path, abs, sizeof(abs)))
			return path;
	}
	if (!under_prefix(abs))
		return path;
	if ((size_t)snprintf(buf, len, "%s%s", root, abs) >= len) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	*in_tree = true;
	return buf;
}
