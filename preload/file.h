/* SPDX-License-Identifier: MIT */
/*
 * The file layer of libsva-native.so (docs/native.md, "The file layer"):
 * shared between the file_*.c interposers.
 *
 * Paths under /sys/bus/dsa, /sys/bus/iax, /sys/module/idxd,
 * /sys/devices/sva_native, /dev/dsa and /dev/iax are sent to the same
 * paths under $SVA_NATIVE_ROOT; paths the tree gives back (realpath,
 * getcwd, nftw) lose the root again, so the program only ever sees /sys
 * names and its later calls are sent again.
 *
 * A small table says, per descriptor, what the layer knows about it: a
 * directory or file of the tree (so that openat() below it is known to be
 * in the tree), a sysfs store (a memfd whose write()s become stores), or a
 * WQ file (handed to the runtime).  Looking an fd up is one byte load, so
 * a program that never touches the tree pays nothing else.
 */
#ifndef SVA_PRELOAD_FILE_H
#define SVA_PRELOAD_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "preload.h"

/* Descriptors the table covers; others are never the layer's. */
#define FILE_FD_MAX	65536

enum file_fd_kind {
	FILE_FD_NONE = 0,
	FILE_FD_TREE,		/* a file or directory of the tree, opened for reading */
	FILE_FD_STORE,		/* an attribute, bind or unbind file opened for writing */
	FILE_FD_WQ,		/* /dev/dsa/wqD.Q */
};

extern unsigned char file_fd_kind[FILE_FD_MAX];

static inline enum file_fd_kind file_fd(int fd)
{
	return (unsigned int)fd < FILE_FD_MAX ? (enum file_fd_kind)file_fd_kind[fd] : FILE_FD_NONE;
}

/* Set (or clear, with FILE_FD_NONE) what @fd is. */
void file_fd_set(int fd, enum file_fd_kind kind);

/*
 * True while the layer itself calls libc (rendering the tree, loading its
 * state): the interposers then go straight to libc.  Thread-local.
 */
bool file_busy(void);
void file_busy_set(bool busy);

/* The next definition of @name after this library (dlsym(RTLD_NEXT)); aborts if there is none. */
void *file_real(const char *name);
#define REAL(fn) ((__typeof__(&fn))real_##fn())
#define DEFINE_REAL(fn) \
	static void *real_##fn(void) \
	{ \
		static void *p; \
		void *r = __atomic_load_n(&p, __ATOMIC_RELAXED); \
		if (!r) { \
			r = file_real(#fn); \
			__atomic_store_n(&p, r, __ATOMIC_RELAXED); \
		} \
		return r; \
	}

/*
 * Where @path (relative to @dirfd as in openat) really is: @path itself
 * when it is not the tree's, or the tree's path in @buf.  NULL with errno
 * set when the tree's path does not fit.  *@in_tree says whether the
 * result lies in the tree (also when the program named a tree path
 * directly or its working directory is in the tree).  @thorough: also ask
 * the kernel where a directory descriptor not opened through the layer
 * is (writes must never miss the tree; reads may take the fast path).
 */
const char *file_map(int dirfd, const char *path, char *buf, size_t len, bool *in_tree,
		     bool thorough);

/* @path, a real path, as the program sees it: the root taken off when it is in the tree. */
void file_unmap(char *path);

/* The working directory is in the tree (chdir/fchdir keep it up to date). */
void file_cwd_update(void);

/*
 * open() as the layer does it, for every entry point of the open family:
 * a store, a WQ file, a tree file or the real thing.
 */
int file_open(int dirfd, const char *path, int flags, mode_t mode);

/* Before a tracked @fd is closed (close, fclose, dup2 over it): apply a pending store. */
int file_fd_release(int fd);

#endif
