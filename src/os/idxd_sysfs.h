/* SPDX-License-Identifier: MIT */
/*
 * The idxd driver's sysfs, as a model: what /sys/bus/dsa shows and what
 * writes to it do (native mode's fake sysfs, docs/native.md).
 *
 * One struct idxd_sysfs holds every device of a run: per device the
 * attributes of the device, its WQs, groups and engines (all of them, as
 * the driver registers them at probe), which driver each is bound to and
 * the cdev minor of each enabled user WQ.  Reading an attribute is
 * show(), writing one is store(), each following the rules of Linux's
 * drivers/dma/idxd/sysfs.c: which attributes are writable, when (device or
 * WQ disabled, device configurable), the ranges against the device's
 * capabilities, and the errno a refused write fails with.  Enabling and
 * disabling are writes of a device name to a driver's bind/unbind file.
 *
 * Enabling goes further than Linux in one respect: a WQ is enabled only if
 * the model can run it, i.e. the enabled configuration passes
 * idxd_config_validate (docs/configuration.md); what the kernel would
 * accept and sva would not is refused with -EINVAL.
 *
 * The state is plain data: idxd_sysfs_save/load write and read it as
 * JSON, so that every process of a native run sees the same devices.
 */
#ifndef SVA_OS_IDXD_SYSFS_H
#define SVA_OS_IDXD_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "os/idxd_config.h"

#define IDXD_SYSFS_VERSION	1	/* of the saved state */
#define IDXD_SYSFS_CDEV_MAJOR	237	/* what cdev_major shows */
#define IDXD_SYSFS_STORE_MAX	4096	/* sysfs takes at most a page per write (-E2BIG) */
#define IDXD_SYSFS_SHOW_MAX	4096	/* a show never gives more than a page */

enum idxd_sysfs_drv {
	IDXD_DRV_NONE = 0,
	IDXD_DRV_IDXD,		/* devices */
	IDXD_DRV_USER,		/* user WQs: /dev/dsa/wqD.Q */
	IDXD_DRV_DMAENGINE,	/* kernel WQs */
	IDXD_DRV_DSA,		/* the compatibility driver: binds either through the others */
	IDXD_DRV_COUNT,
};

struct idxd_sysfs_wq {
	int group_id;			/* -1: none */
	bool dedicated;
	unsigned int size, priority, threshold;
	bool block_on_fault, ats_disable, prs_disable;
	uint32_t max_batch_size;
	uint64_t max_transfer_size;
	enum idxd_cfg_wq_type type;
	char name[IDXD_WQ_NAME_MAX + 1];
	char driver_name[IDXD_DRIVER_NAME_MAX + 1];
	uint32_t op_config[8];		/* word 0 = bits 31:0 */
	unsigned int enqcmds_retries;
	enum idxd_sysfs_drv driver;	/* bound to; NONE = disabled */
	int cdev_minor;			/* -1: no char device */
};

struct idxd_sysfs_group {
	unsigned int read_buffers_reserved, read_buffers_allowed;
	bool use_read_buffer_limit;
	int traffic_class_a, traffic_class_b;
	int desc_progress_limit, batch_progress_limit;
};

struct idxd_sysfs_dev {
	int id;				/* N of dsaN */
	bool configurable;		/* GENCAP bit 31 */
	bool enabled;			/* bound to the idxd driver */
	uint32_t cmd_status;
	unsigned int read_buffer_limit;
	unsigned int event_log_size;
	struct idxd_sysfs_wq wqs[IDXD_CFG_MAX_WQS];		/* caps.max_wqs of them */
	struct idxd_sysfs_group groups[IDXD_CFG_MAX_GROUPS];	/* caps.max_groups */
	int engine_group[IDXD_CFG_MAX_ENGINES];			/* caps.max_engines; -1: none */
};

struct idxd_sysfs {
	struct idxd_caps caps;		/* every device has these */
	bool loaded;			/* the idxd module is loaded (rmmod/modprobe) */
	unsigned int nr_devs;
	struct idxd_sysfs_dev *devs;	/* sorted by id */
};

/*
 * The state a run starts in: the devices of @cfg configured as the file
 * says and enabled, with the WQs that are enabled in it (idxd_cfg_wq_enabled)
 * bound to their drivers; everything else as the driver leaves it at probe.
 * NULL when out of memory or @cfg is not valid (@err says why).
 */
struct idxd_sysfs *idxd_sysfs_create(const struct idxd_config *cfg, char *err, size_t errlen);
void idxd_sysfs_free(struct idxd_sysfs *s);
struct idxd_sysfs *idxd_sysfs_clone(const struct idxd_sysfs *s);

/* ---- objects and attributes ---- */

enum idxd_sysfs_kind {
	IDXD_SYSFS_DEVICE,
	IDXD_SYSFS_WQ,
	IDXD_SYSFS_GROUP,
	IDXD_SYSFS_ENGINE,
};

/* An object named as sysfs names it: "dsa0", "wq0.1", "group0.0", "engine0.3". */
struct idxd_sysfs_obj {
	enum idxd_sysfs_kind kind;
	unsigned int dev;		/* index into devs[] */
	unsigned int id;		/* WQ, group or engine number */
};

/* 0, or -ENOENT when @name names no object of @s (or the module is not loaded). */
int idxd_sysfs_lookup(const struct idxd_sysfs *s, const char *name, struct idxd_sysfs_obj *obj);
/* The object's name into @buf (at least 32 bytes). */
void idxd_sysfs_obj_name(const struct idxd_sysfs *s, const struct idxd_sysfs_obj *obj,
			 char *buf, size_t len);

/*
 * The attributes an object shows, in the driver's order: the @i-th name and
 * its mode (0444 or 0644), or NULL past the last.  Attributes a device
 * lacks the capability for are not listed, as Linux hides them.
 */
const char *idxd_sysfs_attr(const struct idxd_sysfs *s, const struct idxd_sysfs_obj *obj,
			    unsigned int i, unsigned int *mode);

/*
 * Read attribute @attr: its text (with the newline) into @buf, the length,
 * or a negative errno: -ENOENT no such attribute, and the errors Linux's
 * show fails a read with (-ENXIO cdev_minor of a WQ without a char device,
 * -EOPNOTSUPP enqcmds_retries of a dedicated WQ, occupancy).
 */
int idxd_sysfs_show(const struct idxd_sysfs *s, const struct idxd_sysfs_obj *obj,
		    const char *attr, char *buf, size_t len);

/*
 * Write @len bytes of @buf to attribute @attr, as one write(2): 0 when
 * accepted, or the negative errno the write fails with (-EACCES read-only
 * attribute, -E2BIG more than a page, -EINVAL, -EPERM, -ENXIO, -EOPNOTSUPP
 * as Linux's store decides).  Nothing changes on failure.
 */
int idxd_sysfs_store(struct idxd_sysfs *s, const struct idxd_sysfs_obj *obj,
		     const char *attr, const char *buf, size_t len);

/* ---- drivers ---- */

const char *idxd_sysfs_drv_name(enum idxd_sysfs_drv d);
/* IDXD_DRV_NONE when @name is no driver of the dsa bus. */
enum idxd_sysfs_drv idxd_sysfs_drv_lookup(const char *name);
/* The driver @obj is bound to (devices and WQs; NONE for the others). */
enum idxd_sysfs_drv idxd_sysfs_bound(const struct idxd_sysfs *s, const struct idxd_sysfs_obj *obj);

/*
 * A write of @buf (an object name, as with `echo wq0.0 > bind`) to driver
 * @drv's bind or unbind file: enable or disable a device or a WQ.  0, or
 * -ENODEV no such object or wrong driver for it, -EBUSY already bound,
 * -ENXIO device not enabled (cmd_status tells more, as in Linux),
 * -EINVAL / -EOPNOTSUPP the configuration is refused.
 */
int idxd_sysfs_bind(struct idxd_sysfs *s, enum idxd_sysfs_drv drv, const char *buf, size_t len);
int idxd_sysfs_unbind(struct idxd_sysfs *s, enum idxd_sysfs_drv drv, const char *buf, size_t len);

/*
 * rmmod idxd: every device and WQ is unbound, and the devices disappear.
 * modprobe idxd: they come back as the driver's probe leaves them: reset,
 * disabled, unconfigured.  Loading a loaded module changes nothing.
 */
void idxd_sysfs_module_unload(struct idxd_sysfs *s);
void idxd_sysfs_module_load(struct idxd_sysfs *s);

/* ---- what the runtime needs ---- */

/*
 * The enabled part as a configuration: the enabled devices with all their
 * groups and engines and only their enabled WQs (state enabled).  Returns
 * a configuration with nr_devices 0 when nothing is enabled; NULL only on
 * ENOMEM.  Free with idxd_config_free.
 */
struct idxd_config *idxd_sysfs_enabled(const struct idxd_sysfs *s);
/* The same as accel-config JSON ("[]" when nothing is enabled); malloc'd, NULL on ENOMEM. */
char *idxd_sysfs_enabled_json(const struct idxd_sysfs *s);

/* ---- saving ---- */

/* The whole state as JSON text; malloc'd, NULL on ENOMEM. */
char *idxd_sysfs_save(const struct idxd_sysfs *s);
/* Parse idxd_sysfs_save's text; NULL with @err set when it is not one. */
struct idxd_sysfs *idxd_sysfs_load(const char *json, char *err, size_t errlen);

#endif
