/* SPDX-License-Identifier: MIT */
/*
 * The private tree of a native run (docs/native.md, "The fake sysfs"): a
 * directory that mirrors /sys/bus/dsa, /sys/bus/iax, /sys/module/idxd and
 * /dev/dsa with regular files, directories and symlinks, rendered from the
 * idxd sysfs model (src/os/idxd_sysfs.h) whose state lives in the tree's
 * state.json.  Reads of the tree are plain file reads; every write goes
 * through sysfs_tree_write, which applies it to the model under flock(2)
 * on the tree's lock file and renders what changed, so that all the
 * processes of a run (accel-config load-config, then enable-device, then
 * the program) see one device.
 *
 *   ROOT/sys/devices/sva_native/dsaN/{attributes, wqN.Q/, groupN.G/, engineN.E/, driver, subsystem}
 *   ROOT/sys/bus/dsa/devices/NAME -> ../../../devices/sva_native/...
 *   ROOT/sys/bus/dsa/drivers/{idxd,user,dmaengine,dsa}/{bind,unbind,NAME -> device}
 *   ROOT/sys/bus/iax/{devices,drivers}/   (empty: the model has no IAA)
 *   ROOT/sys/module/idxd/                 (while the module is "loaded")
 *   ROOT/dev/dsa/wqN.Q                    (regular files, one per enabled user WQ)
 *   ROOT/bin/{lsmod,modprobe,rmmod}       (stand-ins; they write ROOT/module)
 *   ROOT/state.json, ROOT/lock, ROOT/module
 */
#ifndef SVA_NATIVE_SYSFS_TREE_H
#define SVA_NATIVE_SYSFS_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "os/idxd_config.h"
#include "os/idxd_sysfs.h"

/* Where the devices' directories are, as the program sees it (realpath results). */
#define SYSFS_TREE_DEVICES	"/sys/devices/sva_native"

/* The absolute paths the file layer sends to the tree, NULL-terminated. */
extern const char *const sysfs_tree_prefixes[];

/* The file under ROOT the modprobe/rmmod stand-ins write "load" or "unload" to. */
#define SYSFS_TREE_MODULE_CTL	"/module"

/*
 * Create the tree for @cfg under @root (created if absent; it must be
 * empty if present): state.json with @cfg's devices enabled as at boot,
 * the rendered files, the stand-ins.  0 or a negative errno with @err set.
 */
int sysfs_tree_create(const char *root, const struct idxd_config *cfg, char *err, size_t errlen);

/*
 * The enabled devices and WQs of the tree at @root as accel-config JSON,
 * the text sva_native_config.accel_config takes ("[]\n" when nothing is
 * enabled); malloc'd.  NULL with @err set on failure.
 */
char *sysfs_tree_enabled_config(const char *root, char *err, size_t errlen);

/* What a write to a file of the tree does. */
enum sysfs_tree_op {
	SYSFS_TREE_STORE,	/* an attribute of obj */
	SYSFS_TREE_BIND,	/* drivers/DRV/bind */
	SYSFS_TREE_UNBIND,	/* drivers/DRV/unbind */
	SYSFS_TREE_MODULE,	/* ROOT/module: "load" or "unload" */
};

struct sysfs_tree_target {
	enum sysfs_tree_op op;
	enum idxd_sysfs_drv drv;
	char obj[32];
	char attr[64];
};

/*
 * Is @resolved (a canonical path, symlinks resolved) a file of the tree at
 * @root that takes writes?  0 with @t filled in; -EACCES a read-only
 * attribute; -ENOENT not a writable file of the tree (open it as usual).
 */
int sysfs_tree_target(const char *root, const char *resolved, struct sysfs_tree_target *t);

/* One write(2) of @len bytes to @t: 0 when accepted, or the negative errno it fails with. */
int sysfs_tree_write(const char *root, const struct sysfs_tree_target *t, const void *buf,
		     size_t len);

/* Bring the files under @root in line with @s (only what differs is written). */
int sysfs_tree_render(const char *root, const struct idxd_sysfs *s);

/* The state.json of @root; NULL with @err set. */
struct idxd_sysfs *sysfs_tree_load(const char *root, char *err, size_t errlen);

#endif
