// SPDX-License-Identifier: MIT
/*
 * The private tree of a native run (src/native/sysfs_tree.h): what it
 * renders (files, modes, symlinks, /dev/dsa nodes, stand-ins), which of
 * its files take writes, writes through the model and the files they
 * change, module unload and load, the enabled configuration, and writes
 * from several processes at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "native/sysfs_tree.h"
#include "os/idxd_config.h"

static char root[256], base[256];

static int setup(void **state)
{
	struct idxd_config *cfg = idxd_config_default();
	char err[512];
	char tmpl[] = "/tmp/sva-tree-XXXXXX";

	(void)state;
	if (!cfg || !mkdtemp(tmpl))
		return -1;
	snprintf(base, sizeof(base), "%s", tmpl);
	snprintf(root, sizeof(root), "%s/root", tmpl);
	if (sysfs_tree_create(root, cfg, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		idxd_config_free(cfg);
		return -1;
	}
	idxd_config_free(cfg);
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 32];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) ? -1 : 0;
}

/* ROOT/@rel read whole, NUL-terminated (static buffer); NULL when it cannot be read. */
static const char *slurp(const char *rel)
{
	static char buf[8192];
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = 0;
	return buf;
}

static unsigned int mode_of(const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	if (lstat(path, &st))
		return 0;
	return st.st_mode & 07777;
}

static bool exists(const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	return !lstat(path, &st);
}

/* realpath of ROOT/@rel, relative to ROOT again. */
static const char *resolve(const char *rel)
{
	static char out[PATH_MAX];
	char path[PATH_MAX];
	size_t rl = strlen(root);

	snprintf(path, sizeof(path), "%s%s", root, rel);
	if (!realpath(path, out))
		return NULL;
	assert_memory_equal(out, root, rl);
	return out + rl;
}

static int write_to(const char *rel, const char *text)
{
	struct sysfs_tree_target t;
	char path[PATH_MAX];
	int rc;

	snprintf(path, sizeof(path), "%s%s", root, resolve(rel));
	rc = sysfs_tree_target(root, path, &t);
	if (rc)
		return rc;
	return sysfs_tree_write(root, &t, text, strlen(text));
}

#define DEV "/sys/bus/dsa/devices/"

static void test_render(void **state)
{
	(void)state;
	assert_string_equal(slurp(DEV "dsa0/state"), "enabled\n");
	assert_string_equal(slurp(DEV "dsa0/max_work_queues"), "8\n");
	assert_string_equal(slurp(DEV "wq0.0/name"), "app\n");
	assert_string_equal(slurp(DEV "wq0.0/cdev_minor"), "0\n");
	/* A show that fails leaves the file empty: a read gets nothing. */
	assert_string_equal(slurp(DEV "wq0.4/cdev_minor"), "");
	assert_string_equal(slurp(DEV "group0.1/engines"), "engine0.2 engine0.3\n");
	/* Modes as sysfs has them. */
	assert_int_equal(mode_of(DEV "dsa0/state"), 0444);
	assert_int_equal(mode_of(DEV "dsa0/cmd_status"), 0644);
	assert_int_equal(mode_of(DEV "wq0.0/size"), 0644);
	assert_int_equal(mode_of(DEV "wq0.0/clients"), 0444);
	assert_int_equal(mode_of("/sys/bus/dsa/drivers/idxd/bind"), 0200);
	assert_int_equal(mode_of("/sys/bus/dsa/drivers/user/unbind"), 0200);
	/* The links real sysfs has: the bus's, the drivers', subsystem. */
	assert_string_equal(resolve(DEV "dsa0"), SYSFS_TREE_DEVICES "/dsa0");
	assert_string_equal(resolve(DEV "wq0.1"), SYSFS_TREE_DEVICES "/dsa0/wq0.1");
	assert_string_equal(resolve(DEV "wq0.0/driver/unbind"), "/sys/bus/dsa/drivers/user/unbind");
	assert_string_equal(resolve(DEV "dsa0/driver"), "/sys/bus/dsa/drivers/idxd");
	assert_string_equal(resolve("/sys/bus/dsa/drivers/user/wq0.1"), SYSFS_TREE_DEVICES "/dsa0/wq0.1");
	assert_string_equal(resolve(DEV "engine0.2/subsystem"), "/sys/bus/dsa");
	assert_false(exists(DEV "wq0.2/driver"));
	assert_true(exists("/sys/bus/iax/devices"));
	assert_true(exists("/sys/module/idxd"));
	/* Char devices for the enabled user WQs only. */
	assert_true(exists("/dev/dsa/wq0.0"));
	assert_true(exists("/dev/dsa/wq0.1"));
	assert_false(exists("/dev/dsa/wq0.2"));
	/* Stand-ins, executable. */
	assert_int_equal(mode_of("/bin/lsmod"), 0755);
	assert_int_equal(mode_of("/bin/modprobe"), 0755);
	assert_int_equal(mode_of("/bin/rmmod"), 0755);
}

static void test_targets(void **state)
{
	struct sysfs_tree_target t;
	char path[PATH_MAX];

	(void)state;
	snprintf(path, sizeof(path), "%s" SYSFS_TREE_DEVICES "/dsa0/wq0.3/size", root);
	assert_int_equal(sysfs_tree_target(root, path, &t), 0);
	assert_int_equal(t.op, SYSFS_TREE_STORE);
	assert_string_equal(t.obj, "wq0.3");
	assert_string_equal(t.attr, "size");
	snprintf(path, sizeof(path), "%s" SYSFS_TREE_DEVICES "/dsa0/cmd_status", root);
	assert_int_equal(sysfs_tree_target(root, path, &t), 0);
	assert_string_equal(t.obj, "dsa0");
	snprintf(path, sizeof(path), "%s" SYSFS_TREE_DEVICES "/dsa0/state", root);
	assert_int_equal(sysfs_tree_target(root, path, &t), -EACCES);
	snprintf(path, sizeof(path), "%s" SYSFS_TREE_DEVICES "/dsa0/wq0.3/nonsense", root);
	assert_int_equal(sysfs_tree_target(root, path, &t), -ENOENT);
	snprintf(path, sizeof(path), "%s" SYSFS_TREE_DEVICES "/dsa0/wq0.3/x/size", root);
	assert_int_equal(sysfs_tree_target(root, path, &t), -ENOENT);
	snprintf(path, sizeof(path), "%s" SYSFS_TREE_DEVICES "/dsa7/size", root);
	assert_int_equal(sysfs_tree_target(root, path, &t), -ENOENT);
	snprintf(path, sizeof(path), "%s/sys/bus/dsa/drivers/user/unbind", root);
	assert_int_equal(sysfs_tree_target(root, path, &t), 0);
	assert_int_equal(t.op, SYSFS_TREE_UNBIND);
	assert_int_equal(t.drv, IDXD_DRV_USER);
	snprintf(path, sizeof(path), "%s/sys/bus/dsa/drivers/bind", root);
	assert_int_equal(sysfs_tree_target(root, path, &t), -ENOENT);
	snprintf(path, sizeof(path), "%s/sys/bus/dsa/drivers/user/x/bind", root);
	assert_int_equal(sysfs_tree_target(root, path, &t), -ENOENT);
	snprintf(path, sizeof(path), "%s" SYSFS_TREE_DEVICES "/", root);
	assert_int_equal(sysfs_tree_target(root, path, &t), -ENOENT);
	snprintf(path, sizeof(path), "%s" SYSFS_TREE_DEVICES "/dsa0/", root);
	assert_int_equal(sysfs_tree_target(root, path, &t), -ENOENT);
	snprintf(path, sizeof(path), "%s/sys/bus/dsa/drivers/nope/bind", root);
	assert_int_equal(sysfs_tree_target(root, path, &t), -ENOENT);
	snprintf(path, sizeof(path), "%s/sys/bus/dsa/drivers/idxd/uevent", root);
	assert_int_equal(sysfs_tree_target(root, path, &t), -ENOENT);
	snprintf(path, sizeof(path), "%s" SYSFS_TREE_MODULE_CTL, root);
	assert_int_equal(sysfs_tree_target(root, path, &t), 0);
	assert_int_equal(t.op, SYSFS_TREE_MODULE);
	assert_int_equal(sysfs_tree_target(root, "/sys/bus/dsa/devices/dsa0/size", &t), -ENOENT);
	snprintf(path, sizeof(path), "%s/state.json", root);
	assert_int_equal(sysfs_tree_target(root, path, &t), -ENOENT);
}

static void test_writes(void **state)
{
	char *json;

	(void)state;
	/* Refused: the errno, and no file changes. */
	assert_int_equal(write_to(DEV "wq0.0/size", "8"), -EPERM);
	assert_string_equal(slurp(DEV "wq0.0/size"), "16\n");
	assert_int_equal(write_to(DEV "dsa0/state", "disabled"), -EACCES);
	/* Disable a WQ: state, node, links follow. */
	assert_int_equal(write_to(DEV "wq0.1/driver/unbind", "wq0.1\n"), 0);
	assert_string_equal(slurp(DEV "wq0.1/state"), "disabled\n");
	assert_false(exists("/dev/dsa/wq0.1"));
	assert_false(exists(DEV "wq0.1/driver"));
	assert_false(exists("/sys/bus/dsa/drivers/user/wq0.1"));
	assert_string_equal(slurp(DEV "wq0.1/cdev_minor"), "");
	json = sysfs_tree_enabled_config(root, NULL, 0);
	assert_non_null(json);
	assert_non_null(strstr(json, "\"wq0.0\""));
	assert_null(strstr(json, "\"wq0.1\""));
	free(json);
	/* Disable the device, configure, enable again. */
	assert_int_equal(write_to(DEV "dsa0/driver/unbind", "dsa0"), 0);
	assert_string_equal(slurp(DEV "wq0.0/state"), "disabled\n");
	assert_false(exists("/dev/dsa/wq0.0"));
	assert_int_equal(write_to(DEV "wq0.1/size", "113"), -EINVAL);
	assert_int_equal(write_to(DEV "wq0.1/size", "112"), 0);
	assert_string_equal(slurp(DEV "wq0.1/size"), "112\n");
	assert_int_equal(write_to(DEV "wq0.1/name", "big"), 0);
	assert_int_equal(write_to("/sys/bus/dsa/drivers/user/bind", "wq0.1"), -ENXIO);
	assert_string_equal(slurp(DEV "dsa0/cmd_status"), "0x80000020\n");
	assert_int_equal(write_to(DEV "dsa0/cmd_status", "1"), 0);
	assert_string_equal(slurp(DEV "dsa0/cmd_status"), "0\n");
	assert_int_equal(write_to("/sys/bus/dsa/drivers/idxd/bind", "dsa0"), 0);
	assert_int_equal(write_to("/sys/bus/dsa/drivers/user/bind", "wq0.1"), 0);
	assert_string_equal(slurp(DEV "wq0.1/cdev_minor"), "0\n");
	assert_true(exists("/dev/dsa/wq0.1"));
	assert_string_equal(resolve(DEV "wq0.1/driver"), "/sys/bus/dsa/drivers/user");
	json = sysfs_tree_enabled_config(root, NULL, 0);
	assert_non_null(strstr(json, "\"name\":\"big\""));
	assert_non_null(strstr(json, "\"size\":112"));
	free(json);
}

static void test_module(void **state)
{
	char path[PATH_MAX];
	struct sysfs_tree_target t;
	char *json;

	(void)state;
	snprintf(path, sizeof(path), "%s" SYSFS_TREE_MODULE_CTL, root);
	assert_int_equal(sysfs_tree_target(root, path, &t), 0);
	assert_int_equal(sysfs_tree_write(root, &t, "reload", 6), -EINVAL);
	assert_int_equal(sysfs_tree_write(root, &t, "unload\n", 7), 0);
	assert_false(exists("/sys/module/idxd"));
	assert_false(exists(DEV "dsa0"));
	assert_false(exists("/sys/bus/dsa/drivers/idxd"));
	assert_false(exists(SYSFS_TREE_DEVICES));
	assert_false(exists("/dev/dsa/wq0.0"));
	assert_true(exists("/sys/bus/dsa/devices"));
	json = sysfs_tree_enabled_config(root, NULL, 0);
	assert_string_equal(json, "[]\n");
	free(json);
	assert_int_equal(sysfs_tree_write(root, &t, "load", 4), 0);
	assert_string_equal(slurp(DEV "dsa0/state"), "disabled\n");
	assert_string_equal(slurp(DEV "wq0.0/size"), "0\n");
	assert_string_equal(slurp("/sys/module/idxd/initstate"), "live\n");
	assert_true(exists("/sys/bus/dsa/drivers/idxd/bind"));
}

/* Several processes store at once: every store lands, state and files agree. */
static void test_concurrent(void **state)
{
	enum { KIDS = 4, EACH = 20 };
	pid_t pids[KIDS];

	(void)state;
	for (int k = 0; k < KIDS; k++) {
		pids[k] = fork();
		assert_true(pids[k] >= 0);
		if (!pids[k]) {
			char val[16], rel[64];
			int bad = 0;

			for (int i = 1; i <= EACH; i++) {
				snprintf(rel, sizeof(rel), DEV "wq0.%d/priority", k + 2);
				snprintf(val, sizeof(val), "%d", i % 16);
				bad |= write_to(rel, val) != 0;
			}
			_exit(bad);
		}
	}
	for (int k = 0; k < KIDS; k++) {
		int st;

		assert_int_equal(waitpid(pids[k], &st, 0), pids[k]);
		assert_true(WIFEXITED(st) && !WEXITSTATUS(st));
	}
	for (int k = 0; k < KIDS; k++) {
		char rel[64], want[8];

		snprintf(rel, sizeof(rel), DEV "wq0.%d/priority", k + 2);
		snprintf(want, sizeof(want), "%d\n", EACH % 16);
		assert_string_equal(slurp(rel), want);
	}
	assert_non_null(strstr(slurp("/state.json"), "\"priority\": 4"));
}

static void test_create_refuses(void **state)
{
	struct idxd_config *cfg = idxd_config_default();
	char err[512], path[PATH_MAX];

	(void)state;
	assert_int_equal(sysfs_tree_create(root, cfg, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "not empty"));
	assert_int_equal(sysfs_tree_create("relative/root", cfg, err, sizeof(err)), -EINVAL);
	assert_int_equal(sysfs_tree_create("/tmp/sva-tree-x/", cfg, err, sizeof(err)), -EINVAL);
	assert_int_equal(sysfs_tree_create("/tmp//sva-tree-x", cfg, err, sizeof(err)), -EINVAL);
	snprintf(path, sizeof(path), "%s/../it's", root);
	assert_int_equal(sysfs_tree_create(path, cfg, err, sizeof(err)), -EINVAL);
	cfg->devices[0].wqs[0].size = 200;
	snprintf(path, sizeof(path), "%s/other", base);
	assert_int_equal(sysfs_tree_create(path, cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "128 entries"));
	idxd_config_free(cfg);
	assert_null(sysfs_tree_enabled_config("/nonexistent/sva", err, sizeof(err)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_render, setup, teardown),
		cmocka_unit_test_setup_teardown(test_targets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_module, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_refuses, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
