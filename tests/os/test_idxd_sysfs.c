// SPDX-License-Identifier: MIT
/*
 * The idxd sysfs model (src/os/idxd_sysfs.h): the state a configuration
 * starts in, show formats, every store rule with its limits on both sides
 * and the errno Linux gives, hostile values, binding and unbinding with
 * cmd_status, module unload and load, the enabled configuration, and the
 * saved state's round trip and refusal of damaged text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/idxd.h>

#include "testutil.h"
#include "os/idxd_config.h"
#include "os/idxd_sysfs.h"

static struct idxd_sysfs *fresh(void)
{
	struct idxd_config *cfg = idxd_config_default();
	char err[IDXD_CFG_ERR_LEN];
	struct idxd_sysfs *s;

	assert_non_null(cfg);
	s = idxd_sysfs_create(cfg, err, sizeof(err));
	idxd_config_free(cfg);
	assert_non_null(s);
	return s;
}

static struct idxd_sysfs_obj obj(const struct idxd_sysfs *s, const char *name)
{
	struct idxd_sysfs_obj o;

	assert_int_equal(idxd_sysfs_lookup(s, name, &o), 0);
	return o;
}

/* Show @attr of @name, NUL-terminated, into a static buffer (or NULL on error, errno in *rc). */
static const char *show(const struct idxd_sysfs *s, const char *name, const char *attr)
{
	static char buf[IDXD_SYSFS_SHOW_MAX];
	struct idxd_sysfs_obj o = obj(s, name);
	int n = idxd_sysfs_show(s, &o, attr, buf, sizeof(buf));

	if (n < 0)
		return NULL;
	buf[n] = 0;
	return buf;
}

static int show_err(const struct idxd_sysfs *s, const char *name, const char *attr)
{
	char buf[IDXD_SYSFS_SHOW_MAX];
	struct idxd_sysfs_obj o = obj(s, name);

	return idxd_sysfs_show(s, &o, attr, buf, sizeof(buf));
}

static int store(struct idxd_sysfs *s, const char *name, const char *attr, const char *val)
{
	struct idxd_sysfs_obj o = obj(s, name);

	return idxd_sysfs_store(s, &o, attr, val, strlen(val));
}

static int bind(struct idxd_sysfs *s, enum idxd_sysfs_drv d, const char *name)
{
	return idxd_sysfs_bind(s, d, name, strlen(name));
}

static int unbind(struct idxd_sysfs *s, enum idxd_sysfs_drv d, const char *name)
{
	return idxd_sysfs_unbind(s, d, name, strlen(name));
}

/* The default device, disabled: free to configure. */
static struct idxd_sysfs *disabled(void)
{
	struct idxd_sysfs *s = fresh();

	assert_int_equal(unbind(s, IDXD_DRV_IDXD, "dsa0\n"), 0);
	return s;
}

static void test_initial_state(void **state)
{
	struct idxd_sysfs *s = fresh();
	struct idxd_sysfs_obj o;

	(void)state;
	assert_string_equal(show(s, "dsa0", "state"), "enabled\n");
	assert_string_equal(show(s, "dsa0", "version"), "0x100\n");
	assert_string_equal(show(s, "dsa0", "gen_cap"), "0x40915f0107\n");
	assert_string_equal(show(s, "dsa0", "max_work_queues_size"), "128\n");
	assert_string_equal(show(s, "dsa0", "configurable"), "1\n");
	assert_string_equal(show(s, "dsa0", "pasid_enabled"), "1\n");
	assert_string_equal(show(s, "dsa0", "cmd_status"), "0\n");
	assert_string_equal(show(s, "dsa0", "op_cap"),
			    "00000000,00000000,00000000,00000000,00000000,00000000,00000001,003f03ff\n");
	assert_string_equal(show(s, "wq0.0", "state"), "enabled\n");
	assert_string_equal(show(s, "wq0.0", "mode"), "shared\n");
	assert_string_equal(show(s, "wq0.0", "size"), "16\n");
	assert_string_equal(show(s, "wq0.0", "threshold"), "15\n");
	assert_string_equal(show(s, "wq0.0", "name"), "app\n");
	assert_string_equal(show(s, "wq0.0", "cdev_minor"), "0\n");
	assert_string_equal(show(s, "wq0.1", "mode"), "dedicated\n");
	assert_string_equal(show(s, "wq0.1", "cdev_minor"), "1\n");
	assert_int_equal(show_err(s, "wq0.1", "enqcmds_retries"), -EOPNOTSUPP);
	assert_string_equal(show(s, "wq0.0", "enqcmds_retries"), "32\n");
	/* WQs the configuration does not name are as the driver's probe leaves them. */
	assert_string_equal(show(s, "wq0.5", "state"), "disabled\n");
	assert_string_equal(show(s, "wq0.5", "size"), "0\n");
	assert_string_equal(show(s, "wq0.5", "group_id"), "-1\n");
	assert_string_equal(show(s, "wq0.5", "type"), "none\n");
	assert_int_equal(show_err(s, "wq0.5", "cdev_minor"), -ENXIO);
	assert_int_equal(show_err(s, "wq0.5", "occupancy"), -EOPNOTSUPP);
	assert_string_equal(show(s, "group0.0", "work_queues"), "wq0.0\n");
	assert_string_equal(show(s, "group0.0", "engines"), "engine0.0 engine0.1\n");
	assert_string_equal(show(s, "group0.2", "work_queues"), "");
	assert_string_equal(show(s, "group0.0", "read_buffers_allowed"), "96\n");
	assert_string_equal(show(s, "group0.0", "traffic_class_a"), "-1\n");
	assert_string_equal(show(s, "engine0.3", "group_id"), "1\n");
	/* Names as sysfs spells them, nothing else. */
	assert_int_equal(idxd_sysfs_lookup(s, "wq0.8", &o), -ENOENT);
	assert_int_equal(idxd_sysfs_lookup(s, "dsa1", &o), -ENOENT);
	assert_int_equal(idxd_sysfs_lookup(s, "wq00.1", &o), -ENOENT);
	assert_int_equal(idxd_sysfs_lookup(s, "wq0.1x", &o), -ENOENT);
	assert_int_equal(idxd_sysfs_lookup(s, "wq0", &o), -ENOENT);
	assert_int_equal(idxd_sysfs_lookup(s, "dsa0.0", &o), -ENOENT);
	assert_int_equal(idxd_sysfs_lookup(s, "iax0", &o), -ENOENT);
	/* DSA 1.0: no attributes for 2.0 features. */
	o = obj(s, "wq0.0");
	for (unsigned int i = 0; idxd_sysfs_attr(s, &o, i, NULL); i++) {
		assert_string_not_equal(idxd_sysfs_attr(s, &o, i, NULL), "op_config");
		assert_string_not_equal(idxd_sysfs_attr(s, &o, i, NULL), "prs_disable");
	}
	idxd_sysfs_free(s);
}

static void test_store_while_enabled(void **state)
{
	struct idxd_sysfs *s = fresh();
	char big[IDXD_SYSFS_STORE_MAX + 1];

	(void)state;
	/* The device decides for size; the WQ for the rest, with Linux's errnos. */
	assert_int_equal(store(s, "wq0.0", "size", "8"), -EPERM);
	assert_int_equal(store(s, "wq0.2", "size", "8"), -EPERM);
	assert_int_equal(store(s, "wq0.0", "priority", "3"), -EPERM);
	assert_int_equal(store(s, "wq0.0", "mode", "dedicated"), -EPERM);
	assert_int_equal(store(s, "wq0.0", "group_id", "1"), -EPERM);
	assert_int_equal(store(s, "wq0.0", "block_on_fault", "0"), -ENXIO);
	assert_int_equal(store(s, "wq0.0", "threshold", "3"), -ENXIO);
	/* threshold checks its value before the state. */
	assert_int_equal(store(s, "wq0.0", "threshold", "0"), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "name", "x"), -EPERM);
	assert_int_equal(store(s, "wq0.0", "type", "kernel"), -EPERM);
	assert_int_equal(store(s, "wq0.0", "max_batch_size", "64"), -EPERM);
	assert_int_equal(store(s, "dsa0", "read_buffer_limit", "4"), -EPERM);
	assert_int_equal(store(s, "group0.0", "read_buffers_allowed", "8"), -EPERM);
	/* A disabled WQ of an enabled device takes WQ attributes. */
	assert_int_equal(store(s, "wq0.2", "priority", "3"), 0);
	/* Engines move whenever; it counts at the next enable. */
	assert_int_equal(store(s, "engine0.3", "group_id", "0"), 0);
	/* Read-only, unknown, too long. */
	assert_int_equal(store(s, "dsa0", "state", "disabled"), -EACCES);
	assert_int_equal(store(s, "wq0.0", "cdev_minor", "3"), -EACCES);
	assert_int_equal(store(s, "group0.0", "engines", "x"), -EACCES);
	assert_int_equal(store(s, "wq0.0", "no_such", "1"), -ENOENT);
	memset(big, '1', sizeof(big));
	assert_int_equal(idxd_sysfs_store(s, &(struct idxd_sysfs_obj){ IDXD_SYSFS_WQ, 0, 2 },
					  "priority", big, sizeof(big)), -E2BIG);
	/* cmd_status takes anything and becomes 0. */
	assert_int_equal(store(s, "dsa0", "cmd_status", "whatever"), 0);
	idxd_sysfs_free(s);
}

static void test_numbers(void **state)
{
	struct idxd_sysfs *s = disabled();

	(void)state;
	/* Total WQ size: 128 entries, wq0.1 holds 8. */
	assert_int_equal(store(s, "wq0.0", "size", "120"), 0);
	assert_int_equal(store(s, "wq0.0", "size", "121"), -EINVAL);
	assert_int_equal(store(s, "wq0.2", "size", "1"), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "size", "0"), 0);
	assert_int_equal(store(s, "wq0.2", "size", "120"), 0);
	assert_string_equal(show(s, "wq0.2", "size"), "120\n");
	assert_int_equal(store(s, "wq0.2", "size", "0"), 0);
	/* Parsing as kstrtoul: sign, base, one newline, nothing else. */
	assert_int_equal(store(s, "wq0.0", "size", "16\n"), 0);
	assert_int_equal(store(s, "wq0.0", "size", "+16"), 0);
	assert_int_equal(store(s, "wq0.0", "size", "16\n\n"), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "size", " 16"), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "size", "16 "), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "size", "0x10"), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "size", "-1"), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "size", ""), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "size", "18446744073709551615"), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "size", "18446744073709551616"), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "size", "99999999999999999999999999"), -EINVAL);
	assert_string_equal(show(s, "wq0.0", "size"), "16\n");
	/* Priority 0..15; group -1..3; engine likewise. */
	assert_int_equal(store(s, "wq0.0", "priority", "15"), 0);
	assert_int_equal(store(s, "wq0.0", "priority", "16"), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "priority", "0"), 0);
	assert_int_equal(store(s, "wq0.0", "group_id", "3"), 0);
	assert_int_equal(store(s, "wq0.0", "group_id", "4"), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "group_id", "-1"), 0);
	assert_int_equal(store(s, "wq0.0", "group_id", "-2"), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "group_id", "-9223372036854775809"), -EINVAL);
	assert_string_equal(show(s, "wq0.0", "group_id"), "-1\n");
	assert_int_equal(store(s, "engine0.0", "group_id", "3"), 0);
	assert_int_equal(store(s, "engine0.0", "group_id", "4"), -EINVAL);
	assert_int_equal(store(s, "engine0.0", "group_id", "-1"), 0);
	assert_int_equal(store(s, "engine0.0", "group_id", "x"), -EINVAL);
	/* Threshold: base 0, 1..size, shared WQs only. */
	assert_int_equal(store(s, "wq0.0", "threshold", "16"), 0);
	assert_int_equal(store(s, "wq0.0", "threshold", "17"), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "threshold", "0x10"), 0);
	assert_int_equal(store(s, "wq0.0", "threshold", "010"), 0);
	assert_string_equal(show(s, "wq0.0", "threshold"), "8\n");
	assert_int_equal(store(s, "wq0.1", "threshold", "1"), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "mode", "dedicated\n"), 0);
	assert_string_equal(show(s, "wq0.0", "threshold"), "0\n");
	assert_int_equal(store(s, "wq0.0", "mode", "Shared"), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "mode", "shared\n"), 0);
	/* Limits: nonzero, rounded up to a power of two, at most the device's. */
	assert_int_equal(store(s, "wq0.0", "max_batch_size", "1000"), 0);
	assert_string_equal(show(s, "wq0.0", "max_batch_size"), "1024\n");
	assert_int_equal(store(s, "wq0.0", "max_batch_size", "1025"), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "max_batch_size", "0"), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "max_batch_size", "0x400"), 0);
	assert_int_equal(store(s, "wq0.0", "max_batch_size", "18446744073709551615"), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "max_transfer_size", "2147483648"), 0);
	assert_int_equal(store(s, "wq0.0", "max_transfer_size", "2147483649"), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "max_transfer_size", "3"), 0);
	assert_string_equal(show(s, "wq0.0", "max_transfer_size"), "4\n");
	/* Flags as kstrtobool. */
	assert_int_equal(store(s, "wq0.0", "block_on_fault", "n"), 0);
	assert_string_equal(show(s, "wq0.0", "block_on_fault"), "0\n");
	assert_int_equal(store(s, "wq0.0", "block_on_fault", "on"), 0);
	assert_string_equal(show(s, "wq0.0", "block_on_fault"), "1\n");
	assert_int_equal(store(s, "wq0.0", "block_on_fault", "2"), -EINVAL);
	assert_int_equal(store(s, "wq0.0", "ats_disable", "Yes"), 0);
	assert_int_equal(store(s, "wq0.0", "ats_disable", "o"), -EINVAL);
	/* enqcmds_retries: clamped, dedicated WQs have none. */
	assert_int_equal(store(s, "wq0.0", "enqcmds_retries", "1000"), 0);
	assert_string_equal(show(s, "wq0.0", "enqcmds_retries"), "64\n");
	assert_int_equal(store(s, "wq0.1", "enqcmds_retries", "1"), -EOPNOTSUPP);
	idxd_sysfs_free(s);
}

static void test_strings(void **state)
{
	struct idxd_sysfs *s = disabled();
	char name[IDXD_WQ_NAME_MAX + 2];

	(void)state;
	memset(name, 'n', sizeof(name));
	name[IDXD_WQ_NAME_MAX] = 0;
	assert_int_equal(store(s, "wq0.2", "name", name), 0);
	name[IDXD_WQ_NAME_MAX] = 'n';
	name[IDXD_WQ_NAME_MAX + 1] = 0;
	assert_int_equal(store(s, "wq0.2", "name", name), -EINVAL);
	assert_int_equal(store(s, "wq0.2", "name", ""), -EINVAL);
	/* Trimmed on both sides; a NUL ends the text as in the kernel's copy. */
	assert_int_equal(store(s, "wq0.2", "name", "  spaced out \n"), 0);
	assert_string_equal(show(s, "wq0.2", "name"), "spaced out\n");
	assert_int_equal(idxd_sysfs_store(s, &(struct idxd_sysfs_obj){ IDXD_SYSFS_WQ, 0, 2 },
					  "name", "ab\0cd", 5), 0);
	assert_string_equal(show(s, "wq0.2", "name"), "ab\n");
	/* A new type clears the name; the same type keeps it. */
	assert_int_equal(store(s, "wq0.2", "type", "none"), 0);
	assert_string_equal(show(s, "wq0.2", "name"), "ab\n");
	assert_int_equal(store(s, "wq0.2", "type", "user\n"), 0);
	assert_string_equal(show(s, "wq0.2", "name"), "\n");
	assert_int_equal(store(s, "wq0.2", "type", "mdev"), -EINVAL);
	memset(name, 'd', IDXD_DRIVER_NAME_MAX + 1);
	name[IDXD_DRIVER_NAME_MAX + 1] = 0;
	assert_int_equal(store(s, "wq0.2", "driver_name", name), -EINVAL);
	name[IDXD_DRIVER_NAME_MAX] = 0;
	assert_int_equal(store(s, "wq0.2", "driver_name", name), 0);
	idxd_sysfs_free(s);
}

static void test_groups(void **state)
{
	struct idxd_sysfs *s = disabled();

	(void)state;
	assert_int_equal(store(s, "group0.0", "read_buffers_reserved", "97"), -EINVAL);
	assert_int_equal(store(s, "group0.0", "read_buffers_reserved", "90"), 0);
	assert_int_equal(store(s, "group0.1", "read_buffers_reserved", "7"), -EINVAL);
	assert_int_equal(store(s, "group0.1", "tokens_reserved", "6"), 0);
	assert_string_equal(show(s, "group0.1", "read_buffers_reserved"), "6\n");
	/* Allowed: at least 4 per engine, at most reserved plus the free ones (0 left). */
	assert_int_equal(store(s, "group0.0", "read_buffers_allowed", "90"), 0);
	assert_int_equal(store(s, "group0.0", "read_buffers_allowed", "91"), -EINVAL);
	assert_int_equal(store(s, "group0.1", "read_buffers_allowed", "7"), -EINVAL);
	assert_int_equal(store(s, "group0.1", "read_buffers_allowed", "8"), -EINVAL);
	assert_int_equal(store(s, "group0.1", "read_buffers_reserved", "0"), 0);
	assert_int_equal(store(s, "group0.1", "read_buffers_allowed", "8"), -EINVAL);
	assert_int_equal(store(s, "group0.0", "read_buffers_reserved", "88"), 0);
	assert_int_equal(store(s, "group0.1", "read_buffers_allowed", "8"), 0);
	/* use_read_buffer_limit needs a device limit; the limit is at most the total. */
	assert_int_equal(store(s, "group0.0", "use_read_buffer_limit", "1"), -EPERM);
	assert_int_equal(store(s, "dsa0", "read_buffer_limit", "97"), -EINVAL);
	assert_int_equal(store(s, "dsa0", "token_limit", "96"), 0);
	assert_int_equal(store(s, "group0.0", "use_token_limit", "1"), 0);
	/* Traffic classes: not on a DSA 1.0 without the module's override. */
	assert_int_equal(store(s, "group0.0", "traffic_class_a", "1"), -EPERM);
	assert_int_equal(store(s, "group0.0", "traffic_class_b", "x"), -EINVAL);
	idxd_sysfs_free(s);
}

static void test_not_configurable(void **state)
{
	struct idxd_sysfs *s = disabled();

	(void)state;
	s->devs[0].configurable = false;
	assert_int_equal(store(s, "wq0.2", "size", "1"), -EPERM);
	assert_int_equal(store(s, "wq0.2", "group_id", "1"), -EPERM);
	assert_int_equal(store(s, "wq0.2", "mode", "shared"), -EPERM);
	assert_int_equal(store(s, "wq0.2", "block_on_fault", "1"), -EPERM);
	assert_int_equal(store(s, "engine0.0", "group_id", "1"), -EPERM);
	assert_int_equal(store(s, "group0.0", "read_buffers_allowed", "8"), -EPERM);
	/* The value is parsed first where Linux parses it first. */
	assert_int_equal(store(s, "wq0.2", "size", "x"), -EINVAL);
	/* Names and types are not configuration of the device. */
	assert_int_equal(store(s, "wq0.2", "name", "x"), 0);
	assert_int_equal(store(s, "wq0.2", "type", "user"), 0);
	assert_string_equal(show(s, "dsa0", "configurable"), "0\n");
	idxd_sysfs_free(s);
}

/* A user WQ wq0.2 in group 0, ready but for what each case takes away. */
static struct idxd_sysfs *ready_wq(void)
{
	struct idxd_sysfs *s = fresh();

	assert_int_equal(unbind(s, IDXD_DRV_IDXD, "dsa0"), 0);
	assert_int_equal(store(s, "wq0.1", "size", "4"), 0);
	assert_int_equal(store(s, "wq0.2", "size", "4"), 0);
	assert_int_equal(store(s, "wq0.2", "group_id", "0"), 0);
	assert_int_equal(store(s, "wq0.2", "mode", "dedicated"), 0);
	assert_int_equal(store(s, "wq0.2", "priority", "1"), 0);
	assert_int_equal(store(s, "wq0.2", "type", "user"), 0);
	assert_int_equal(store(s, "wq0.2", "name", "third"), 0);
	return s;
}

static void test_bind_wq(void **state)
{
	struct idxd_sysfs *s = ready_wq();

	(void)state;
	/* The device first. */
	assert_int_equal(bind(s, IDXD_DRV_USER, "wq0.2"), -ENXIO);
	assert_string_equal(show(s, "dsa0", "cmd_status"), "0x80000020\n");
	assert_int_equal(bind(s, IDXD_DRV_IDXD, "dsa0\n"), 0);
	assert_string_equal(show(s, "dsa0", "cmd_status"), "0\n");
	assert_int_equal(bind(s, IDXD_DRV_IDXD, "dsa0"), -EBUSY);
	assert_string_equal(show(s, "wq0.0", "state"), "disabled\n");
	/* Wrong driver or name: the bus finds no match. */
	assert_int_equal(bind(s, IDXD_DRV_DMAENGINE, "wq0.2"), -ENODEV);
	assert_int_equal(bind(s, IDXD_DRV_IDXD, "wq0.2"), -ENODEV);
	assert_int_equal(bind(s, IDXD_DRV_USER, "dsa0"), -ENODEV);
	assert_int_equal(bind(s, IDXD_DRV_USER, "wq0.9"), -ENODEV);
	assert_int_equal(bind(s, IDXD_DRV_USER, ""), -ENODEV);
	assert_int_equal(idxd_sysfs_bind(s, IDXD_DRV_USER, "wq0.2\0", 6), -ENODEV);
	/* What drv_enable_wq checks, in its order, with its cmd_status. */
	assert_int_equal(store(s, "wq0.2", "group_id", "-1"), 0);
	assert_int_equal(bind(s, IDXD_DRV_USER, "wq0.2"), -EINVAL);
	assert_int_equal(s->devs[0].cmd_status, IDXD_SCMD_WQ_NO_GRP);
	assert_int_equal(store(s, "wq0.2", "group_id", "0"), 0);
	assert_int_equal(store(s, "wq0.2", "type", "none"), 0);
	assert_int_equal(store(s, "wq0.2", "type", "user"), 0);	/* the name is gone */
	assert_int_equal(bind(s, IDXD_DRV_USER, "wq0.2"), -EINVAL);
	assert_int_equal(s->devs[0].cmd_status, IDXD_SCMD_WQ_NO_NAME);
	assert_int_equal(store(s, "wq0.2", "name", "third"), 0);
	assert_int_equal(store(s, "wq0.2", "mode", "shared"), 0);
	assert_int_equal(bind(s, IDXD_DRV_USER, "wq0.2"), -EINVAL);
	assert_int_equal(s->devs[0].cmd_status, IDXD_SCMD_WQ_NO_THRESH);
	assert_int_equal(store(s, "wq0.2", "mode", "dedicated"), 0);
	assert_int_equal(store(s, "wq0.2", "priority", "0"), 0);
	assert_int_equal(bind(s, IDXD_DRV_USER, "wq0.2"), -ENXIO);
	assert_int_equal(s->devs[0].cmd_status, 0x23);
	assert_int_equal(store(s, "wq0.2", "priority", "1"), 0);
	/* What the model cannot run: a second WQ named "app". */
	assert_int_equal(store(s, "wq0.2", "name", "app"), 0);
	assert_int_equal(bind(s, IDXD_DRV_USER, "wq0.0"), 0);
	assert_int_equal(bind(s, IDXD_DRV_USER, "wq0.2"), -EINVAL);
	assert_int_equal(store(s, "wq0.2", "name", "third"), 0);
	/* A name that is not UTF-8 would not survive the trip to the runtime. */
	assert_int_equal(store(s, "wq0.2", "name", "\xff\xfe"), 0);
	assert_int_equal(bind(s, IDXD_DRV_USER, "wq0.2"), -EINVAL);
	assert_int_equal(store(s, "wq0.2", "name", "third"), 0);
	/* A group without engines runs nothing. */
	assert_int_equal(store(s, "wq0.2", "group_id", "2"), 0);
	assert_int_equal(bind(s, IDXD_DRV_USER, "wq0.2"), -EINVAL);
	assert_int_equal(store(s, "wq0.2", "group_id", "0"), 0);
	/* At last: the lowest free minor (wq0.0 holds 0). */
	assert_int_equal(bind(s, IDXD_DRV_USER, "wq0.2\n"), 0);
	assert_string_equal(show(s, "wq0.2", "state"), "enabled\n");
	assert_string_equal(show(s, "wq0.2", "cdev_minor"), "1\n");
	assert_int_equal(bind(s, IDXD_DRV_USER, "wq0.2"), -EBUSY);
	assert_int_equal(bind(s, IDXD_DRV_DSA, "wq0.1"), 0);	/* the compat driver */
	assert_string_equal(show(s, "wq0.1", "cdev_minor"), "2\n");
	/* Unbinding: only from the driver it is bound to. */
	assert_int_equal(unbind(s, IDXD_DRV_DMAENGINE, "wq0.2"), -ENODEV);
	assert_int_equal(unbind(s, IDXD_DRV_USER, "wq0.2"), 0);
	assert_int_equal(unbind(s, IDXD_DRV_USER, "wq0.2"), -ENODEV);
	assert_int_equal(show_err(s, "wq0.2", "cdev_minor"), -ENXIO);
	assert_int_equal(unbind(s, IDXD_DRV_DSA, "wq0.0"), 0);
	/* The device's unbind takes its WQs down. */
	assert_int_equal(unbind(s, IDXD_DRV_USER, "dsa0"), -ENODEV);
	assert_int_equal(unbind(s, IDXD_DRV_IDXD, "dsa0"), 0);
	assert_string_equal(show(s, "wq0.1", "state"), "disabled\n");
	assert_int_equal(unbind(s, IDXD_DRV_IDXD, "dsa0"), -ENODEV);
	idxd_sysfs_free(s);
}

static void test_bind_device(void **state)
{
	struct idxd_sysfs *s = disabled();

	(void)state;
	/* No WQ in a group: nothing to enable. */
	assert_int_equal(store(s, "wq0.0", "group_id", "-1"), 0);
	assert_int_equal(store(s, "wq0.1", "group_id", "-1"), 0);
	assert_int_equal(bind(s, IDXD_DRV_IDXD, "dsa0"), -EINVAL);
	assert_int_equal(s->devs[0].cmd_status, IDXD_SCMD_WQ_NONE_CONFIGURED);
	assert_string_equal(show(s, "dsa0", "state"), "disabled\n");
	/* Read buffers the device's enable command refuses: 4 per engine. */
	assert_int_equal(store(s, "wq0.0", "group_id", "0"), 0);
	assert_int_equal(store(s, "group0.0", "read_buffers_allowed", "8"), 0);
	assert_int_equal(store(s, "engine0.2", "group_id", "0"), 0);
	assert_int_equal(bind(s, IDXD_DRV_IDXD, "dsa0"), -ENXIO);
	assert_string_equal(show(s, "dsa0", "cmd_status"), "0x11\n");
	assert_int_equal(store(s, "engine0.2", "group_id", "1"), 0);
	assert_int_equal(bind(s, IDXD_DRV_DSA, "dsa0"), 0);
	/* Enabling the device enables no WQ. */
	assert_string_equal(show(s, "wq0.0", "state"), "disabled\n");
	idxd_sysfs_free(s);
}

static void test_module(void **state)
{
	struct idxd_sysfs *s = fresh();
	struct idxd_sysfs_obj o;

	(void)state;
	assert_int_equal(store(s, "dsa0", "cmd_status", "0"), 0);
	idxd_sysfs_module_unload(s);
	assert_int_equal(idxd_sysfs_lookup(s, "dsa0", &o), -ENOENT);
	assert_int_equal(idxd_sysfs_bind(s, IDXD_DRV_IDXD, "dsa0", 4), -ENODEV);
	idxd_sysfs_module_load(s);
	assert_string_equal(show(s, "dsa0", "state"), "disabled\n");
	assert_string_equal(show(s, "wq0.0", "state"), "disabled\n");
	assert_string_equal(show(s, "wq0.0", "size"), "0\n");
	assert_string_equal(show(s, "wq0.0", "name"), "\n");
	assert_string_equal(show(s, "wq0.0", "max_batch_size"), "32\n");
	assert_string_equal(show(s, "engine0.0", "group_id"), "-1\n");
	assert_string_equal(show(s, "group0.0", "read_buffers_allowed"), "96\n");
	/* Loading a loaded module changes nothing. */
	assert_int_equal(store(s, "wq0.0", "size", "5"), 0);
	idxd_sysfs_module_load(s);
	assert_string_equal(show(s, "wq0.0", "size"), "5\n");
	idxd_sysfs_free(s);
}

static void test_enabled_config(void **state)
{
	struct idxd_sysfs *s = fresh();
	struct idxd_config *back = NULL;
	char err[IDXD_CFG_ERR_LEN];
	char *json;

	(void)state;
	assert_int_equal(unbind(s, IDXD_DRV_USER, "wq0.1"), 0);
	json = idxd_sysfs_enabled_json(s);
	assert_non_null(json);
	assert_int_equal(idxd_config_parse_string(json, NULL, &back, err, sizeof(err)), 0);
	assert_int_equal(back->nr_devices, 1);
	assert_int_equal(back->devices[0].nr_wqs, 1);
	assert_int_equal(back->devices[0].wqs[0].id, 0);
	assert_string_equal(back->devices[0].wqs[0].name, "app");
	assert_int_equal(back->devices[0].wqs[0].size, 16);
	assert_int_equal(back->devices[0].nr_engines, 4);
	idxd_config_free(back);
	free(json);
	assert_int_equal(unbind(s, IDXD_DRV_IDXD, "dsa0"), 0);
	json = idxd_sysfs_enabled_json(s);
	assert_string_equal(json, "[]\n");
	free(json);
	idxd_sysfs_free(s);
}

static void test_create_from_config(void **state)
{
	static const char cfg_json[] =
		"[{\"dev\":\"dsa2\",\"groups\":[{\"dev\":\"group2.0\",\"grouped_workqueues\":["
		"{\"dev\":\"wq2.3\",\"mode\":\"dedicated\",\"size\":4,\"priority\":1,\"type\":\"user\","
		"\"name\":\"a\"},"
		"{\"dev\":\"wq2.1\",\"mode\":\"dedicated\",\"size\":4,\"priority\":1,\"type\":\"user\","
		"\"name\":\"b\",\"state\":\"disabled\"}],"
		"\"grouped_engines\":[{\"dev\":\"engine2.0\"}]}]},"
		"{\"dev\":\"dsa0\",\"groups\":[{\"dev\":\"group0.0\",\"grouped_workqueues\":["
		"{\"dev\":\"wq0.0\",\"mode\":\"dedicated\",\"size\":4,\"priority\":1,\"type\":\"user\","
		"\"name\":\"c\"}],\"grouped_engines\":[{\"dev\":\"engine0.0\"}]}]}]";
	struct idxd_config *cfg = NULL, *bad;
	char err[IDXD_CFG_ERR_LEN];
	struct idxd_sysfs *s;

	(void)state;
	assert_int_equal(idxd_config_parse_string(cfg_json, NULL, &cfg, err, sizeof(err)), 0);
	s = idxd_sysfs_create(cfg, err, sizeof(err));
	assert_non_null(s);
	/* Sorted by id; minors handed out in device order. */
	assert_int_equal(s->nr_devs, 2);
	assert_int_equal(s->devs[0].id, 0);
	assert_string_equal(show(s, "wq0.0", "cdev_minor"), "0\n");
	assert_string_equal(show(s, "wq2.3", "cdev_minor"), "1\n");
	assert_string_equal(show(s, "wq2.1", "state"), "disabled\n");
	assert_string_equal(show(s, "wq2.1", "name"), "b\n");
	assert_string_equal(show(s, "dsa2", "state"), "enabled\n");
	idxd_sysfs_free(s);
	/* An invalid configuration makes no state. */
	bad = idxd_config_default();
	bad->devices[0].wqs[0].size = 1000;
	assert_null(idxd_sysfs_create(bad, err, sizeof(err)));
	assert_non_null(strstr(err, "more than its 128 entries"));
	idxd_config_free(bad);
	idxd_config_free(cfg);
}

/* Save, load, save: the same text; the loaded state shows the same. */
static void round_trip(const struct idxd_sysfs *s)
{
	char err[256];
	char *a = idxd_sysfs_save(s), *b;
	struct idxd_sysfs *t;

	assert_non_null(a);
	t = idxd_sysfs_load(a, err, sizeof(err));
	if (!t)
		fail_msg("%s", err);
	b = idxd_sysfs_save(t);
	assert_string_equal(a, b);
	free(a);
	free(b);
	idxd_sysfs_free(t);
}

static void test_save_load(void **state)
{
	struct idxd_sysfs *s = ready_wq();
	char err[256];
	char *text, *bad;

	(void)state;
	assert_int_equal(store(s, "wq0.2", "name", "\xc3\xa9t\xc3\xa9"), 0);
	round_trip(s);
	idxd_sysfs_module_unload(s);
	round_trip(s);
	idxd_sysfs_module_load(s);
	text = idxd_sysfs_save(s);
	assert_non_null(text);
	/* Damage: each is refused, with a reason. */
	static const struct { const char *from, *to; } damage[] = {
		{ "\"version\": 1", "\"version\": 2" },
		{ "\"max_wqs\": 8", "\"max_wqs\": 9" },
		{ "\"max_wqs\": 8", "\"max_wqs\": 65" },
		{ "\"size\": 0", "\"size\": -1" },
		{ "\"size\": 0", "\"size\": \"0\"" },
		{ "\"group_id\": -1", "\"group_id\": 4" },
		{ "\"loaded\": true", "\"loaded\": 1" },
		{ "\"enabled\": false", "\"enabled\": null" },
		{ "\"max_transfer_size\": 2097152", "\"max_transfer_size\": -5" },
		{ "\"driver\": 0", "\"driver\": 9" },
		{ "\"format\": \"sva-idxd-sysfs\"", "\"format\": \"x\"" },
	};
	for (size_t i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
		const char *at = strstr(text, damage[i].from);
		size_t fl = strlen(damage[i].from), tl = strlen(damage[i].to);

		assert_non_null(at);
		bad = malloc(strlen(text) + tl + 1);
		memcpy(bad, text, (size_t)(at - text));
		strcpy(bad + (at - text), damage[i].to);
		strcat(bad, at + fl);
		err[0] = 0;
		if (idxd_sysfs_load(bad, err, sizeof(err)))
			fail_msg("damage %zu accepted", i);
		assert_true(err[0]);
		free(bad);
	}
	/* Truncated anywhere: refused. */
	for (size_t n = 0; n < strlen(text); n += 97) {
		bad = strndup(text, n);
		assert_null(idxd_sysfs_load(bad, NULL, 0));
		free(bad);
	}
	/* A name longer than a WQ name. */
	bad = malloc(strlen(text) + 2000);
	{
		const char *at = strstr(text, "\"name\": \"");

		assert_non_null(at);
		at += 9;
		memcpy(bad, text, (size_t)(at - text));
		memset(bad + (at - text), 'x', 1100);
		strcpy(bad + (at - text) + 1100, at);
		assert_null(idxd_sysfs_load(bad, err, sizeof(err)));
	}
	free(bad);
	free(text);
	idxd_sysfs_free(s);
}

/* Hostile writes everywhere: never a crash, never a state that does not round trip. */
static void test_hostile(void **state)
{
	static const char *const values[] = {
		"", "\n", "0", "1", "-1", "15", "16", "128", "129", "4294967296", "-2147483649",
		"18446744073709551616", "0x", "0x10", "+", "-", "1e3", " ", "yes", "off", "shared",
		"dedicated", "user", "kernel", "none", "\xff\xfe\xfd", "a\nb", "wq0.0", "dsa0",
		"00000001,003f03ff", "ffffffff,ffffffff,ffffffff,ffffffff,ffffffff,ffffffff,ffffffff,ffffffff,f",
	};
	static const char *const objs[] = {
		"dsa0", "wq0.0", "wq0.1", "wq0.2", "wq0.7", "group0.0", "group0.3", "engine0.0", "engine0.3",
	};
	struct idxd_sysfs *s = fresh();
	uint64_t seed = tu_seed(15);

	(void)state;
	for (unsigned int i = 0; i < 3000; i++) {
		struct idxd_sysfs_obj o;
		const char *a, *v;
		unsigned int n = 0;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		o = obj(s, objs[(seed >> 33) % (sizeof(objs) / sizeof(objs[0]))]);
		while (idxd_sysfs_attr(s, &o, n, NULL))
			n++;
		a = idxd_sysfs_attr(s, &o, (unsigned int)((seed >> 17) % n), NULL);
		v = values[(seed >> 7) % (sizeof(values) / sizeof(values[0]))];
		switch ((seed >> 50) % 8) {
		case 0:
			idxd_sysfs_bind(s, (enum idxd_sysfs_drv)((seed >> 40) % IDXD_DRV_COUNT),
					objs[(seed >> 44) % 9], strlen(objs[(seed >> 44) % 9]));
			break;
		case 1:
			idxd_sysfs_unbind(s, (enum idxd_sysfs_drv)((seed >> 40) % IDXD_DRV_COUNT),
					  objs[(seed >> 44) % 9], strlen(objs[(seed >> 44) % 9]));
			break;
		default:
			idxd_sysfs_store(s, &o, a, v, strlen(v));
			break;
		}
		if (i % 100 == 0)
			round_trip(s);
	}
	round_trip(s);
	idxd_sysfs_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initial_state),
		cmocka_unit_test(test_store_while_enabled),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_not_configurable),
		cmocka_unit_test(test_bind_wq),
		cmocka_unit_test(test_bind_device),
		cmocka_unit_test(test_module),
		cmocka_unit_test(test_enabled_config),
		cmocka_unit_test(test_create_from_config),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
