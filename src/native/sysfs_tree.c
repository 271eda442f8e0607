// SPDX-License-Identifier: MIT
/*
 * The private tree: creating it, rendering the model into files, and
 * applying writes to the model under the tree's lock (sysfs_tree.h).
 *
 * Rendering compares each file with what is on disk and rewrites only what
 * differs, each through a temporary name and rename(2), so a process that
 * reads while another stores sees the old or the new text, never half.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "native/sysfs_tree.h"
#include "os/idxd_sysfs.h"
#include "textfile.h"

const char *const sysfs_tree_prefixes[] = {
	"/sys/bus/dsa", "/sys/bus/iax", "/sys/module/idxd", SYSFS_TREE_DEVICES,
	"/dev/dsa", "/dev/iax", NULL,
};

#define STATE_FILE	"/state.json"
#define LOCK_FILE	"/lock"
#define STATE_MAX	(16u << 20)

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* ---- files ---- */

static int path_of(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int path_of(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int ensure_dir(const char *path)
{
	return mkdir(path, 0755) && errno != EEXIST ? -errno : 0;
}

/* Replace @path by @len bytes of @text with @mode, unless it holds them already. */
static int sync_file(const char *path, const char *text, size_t len, mode_t mode)
{
	char cur[IDXD_SYSFS_SHOW_MAX + 1], tmp[PATH_MAX];
	struct stat st;
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int rc;

	if (fd >= 0) {
		if (!fstat(fd, &st) && (st.st_mode & 07777) == mode)
			n = read(fd, cur, sizeof(cur));
		close(fd);
		if (n >= 0 && (size_t)n == len && !memcmp(cur, text, len))
			return 0;
	}
	rc = path_of(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	if (rc)
		return rc;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	rc = write(fd, text, len) == (ssize_t)len && !fchmod(fd, mode) ? 0 : -EIO;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

/* @path is a symlink to @target, or absent when @target is NULL. */
static int sync_link(const char *path, const char *target)
{
	char cur[PATH_MAX], tmp[PATH_MAX];
	ssize_t n = readlink(path, cur, sizeof(cur) - 1);
	int rc;

	if (n >= 0) {
		cur[n] = 0;
		if (target && !strcmp(cur, target))
			return 0;
	}
	if (!target)
		return unlink(path) && errno != ENOENT ? -errno : 0;
	rc = path_of(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	if (rc)
		return rc;
	unlink(tmp);
	if (symlink(target, tmp))
		return -errno;
	if (rename(tmp, path)) {
		rc = -errno;
		unlink(tmp);
	}
	return rc;
}

/* Remove every entry of directory @path, keep the directory. */
static int empty_dir(const char *path)
{
	DIR *d = opendir(path);
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	for (struct dirent *e; (e = readdir(d));) {
		char sub[PATH_MAX];
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    path_of(sub, sizeof(sub), "%s/%s", path, e->d_name) || lstat(sub, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			rc = empty_dir(sub) ?: (rmdir(sub) ? -errno : 0) ?: rc;
		else if (unlink(sub))
			rc = -errno;
	}
	closedir(d);
	return rc;
}

static int rm_rf(const char *path)
{
	int rc = empty_dir(path);

	return rc ?: rmdir(path) && errno != ENOENT ? -errno : 0;
}

/* ---- rendering ---- */

static const enum idxd_sysfs_drv tree_drivers[] = {
	IDXD_DRV_IDXD, IDXD_DRV_USER, IDXD_DRV_DMAENGINE, IDXD_DRV_DSA,
};
#define NR_TREE_DRIVERS (sizeof(tree_drivers) / sizeof(tree_drivers[0]))

/* Every attribute of @obj into directory @dir; a show that fails leaves the file empty. */
static int render_attrs(const struct idxd_sysfs *s, const struct idxd_sysfs_obj *obj,
			const char *dir)
{
	char buf[IDXD_SYSFS_SHOW_MAX], path[PATH_MAX];
	unsigned int mode;
	const char *a;
	int rc = 0;

	for (unsigned int i = 0; !rc && (a = idxd_sysfs_attr(s, obj, i, &mode)); i++) {
		int n = idxd_sysfs_show(s, obj, a, buf, sizeof(buf));

		rc = path_of(path, sizeof(path), "%s/%s", dir, a);
		if (!rc)
			rc = sync_file(path, buf, n < 0 ? 0 : (size_t)n, mode);
	}
	return rc;
}

/*
 * One device object (dsaN, wqN.Q, ...): its directory, attributes, the
 * bus's link to it, its driver link and the driver's link back.  @depth is
 * how deep its directory sits below sys/ (3 for a device, 4 below one).
 */
static int render_obj(const char *root, const struct idxd_sysfs *s,
		      const struct idxd_sysfs_obj *obj)
{
	char name[32], devname[32], dir[PATH_MAX], rel[PATH_MAX], path[PATH_MAX], up[16];
	enum idxd_sysfs_drv bound = idxd_sysfs_bound(s, obj);
	const struct idxd_sysfs_obj dev = { IDXD_SYSFS_DEVICE, obj->dev, 0 };
	bool top = obj->kind == IDXD_SYSFS_DEVICE;
	int rc;

	idxd_sysfs_obj_name(s, obj, name, sizeof(name));
	idxd_sysfs_obj_name(s, &dev, devname, sizeof(devname));
	rc = top ? path_of(rel, sizeof(rel), "devices/sva_native/%s", name) :
		   path_of(rel, sizeof(rel), "devices/sva_native/%s/%s", devname, name);
	snprintf(up, sizeof(up), "%s", top ? "../../.." : "../../../..");
	if (!rc)
		rc = path_of(dir, sizeof(dir), "%s/sys/%s", root, rel);
	if (!rc)
		rc = ensure_dir(dir);
	if (!rc)
		rc = render_attrs(s, obj, dir);
	if (!rc)
		rc = path_of(path, sizeof(path), "%s/subsystem", dir) ?:
		     sync_link(path, top ? "../../../bus/dsa" : "../../../../bus/dsa");
	if (!rc && (obj->kind == IDXD_SYSFS_DEVICE || obj->kind == IDXD_SYSFS_WQ)) {
		char target[PATH_MAX];

		rc = path_of(path, sizeof(path), "%s/driver", dir);
		if (!rc && bound)
			rc = path_of(target, sizeof(target), "%s/bus/dsa/drivers/%s", up,
				     idxd_sysfs_drv_name(bound));
		if (!rc)
			rc = sync_link(path, bound ? target : NULL);
		for (unsigned int i = 0; !rc && i < NR_TREE_DRIVERS; i++) {
			bool here = tree_drivers[i] == bound;

			rc = path_of(path, sizeof(path), "%s/sys/bus/dsa/drivers/%s/%s", root,
				     idxd_sysfs_drv_name(tree_drivers[i]), name);
			if (!rc && here)
				rc = path_of(target, sizeof(target), "../../../../%s", rel);
			if (!rc)
				rc = sync_link(path, here ? target : NULL);
		}
	}
	if (!rc) {
		char target[PATH_MAX];

		rc = path_of(path, sizeof(path), "%s/sys/bus/dsa/devices/%s", root, name);
		if (!rc)
			rc = path_of(target, sizeof(target), "../../../%s", rel);
		if (!rc)
			rc = sync_link(path, target);
	}
	return rc;
}

/* ROOT/dev/dsa/wqN.Q: present while the WQ is bound to the user driver. */
static int render_cdev(const char *root, const struct idxd_sysfs *s, unsigned int di, unsigned int q)
{
	const struct idxd_sysfs_dev *d = &s->devs[di];
	char path[PATH_MAX];
	int rc = path_of(path, sizeof(path), "%s/dev/dsa/wq%d.%u", root, d->id, q);
	int fd;

	if (rc)
		return rc;
	if (d->wqs[q].driver != IDXD_DRV_USER)
		return unlink(path) && errno != ENOENT ? -errno : 0;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int render_loaded(const char *root, const struct idxd_sysfs *s)
{
	char path[PATH_MAX];
	int rc = 0;

	static const char *const dirs[] = {
		"/sys/devices/sva_native", "/sys/module/idxd", "/sys/module/idxd/parameters",
	};
	for (unsigned int i = 0; !rc && i < sizeof(dirs) / sizeof(dirs[0]); i++)
		rc = path_of(path, sizeof(path), "%s%s", root, dirs[i]) ?: ensure_dir(path);
	if (!rc)
		rc = path_of(path, sizeof(path), "%s/sys/module/idxd/initstate", root) ?:
		     sync_file(path, "live\n", 5, 0444);
	if (!rc)
		rc = path_of(path, sizeof(path), "%s/sys/module/idxd/parameters/sva", root) ?:
		     sync_file(path, s->caps.pasid ? "Y\n" : "N\n", 2, 0444);
	for (unsigned int i = 0; !rc && i < NR_TREE_DRIVERS; i++) {
		const char *drv = idxd_sysfs_drv_name(tree_drivers[i]);

		rc = path_of(path, sizeof(path), "%s/sys/bus/dsa/drivers/%s", root, drv) ?:
		     ensure_dir(path);
		if (!rc)
			rc = path_of(path, sizeof(path), "%s/sys/bus/dsa/drivers/%s/bind", root, drv) ?:
			     sync_file(path, "", 0, 0200);
		if (!rc)
			rc = path_of(path, sizeof(path), "%s/sys/bus/dsa/drivers/%s/unbind", root, drv) ?:
			     sync_file(path, "", 0, 0200);
	}
	for (unsigned int di = 0; !rc && di < s->nr_devs; di++) {
		struct idxd_sysfs_obj obj = { IDXD_SYSFS_DEVICE, di, 0 };

		rc = render_obj(root, s, &obj);
		for (obj.id = 0, obj.kind = IDXD_SYSFS_WQ; !rc && obj.id < s->caps.max_wqs; obj.id++)
			rc = render_obj(root, s, &obj) ?: render_cdev(root, s, di, obj.id);
		for (obj.id = 0, obj.kind = IDXD_SYSFS_GROUP; !rc && obj.id < s->caps.max_groups; obj.id++)
			rc = render_obj(root, s, &obj);
		for (obj.id = 0, obj.kind = IDXD_SYSFS_ENGINE; !rc && obj.id < s->caps.max_engines; obj.id++)
			rc = render_obj(root, s, &obj);
	}
	return rc;
}

int sysfs_tree_render(const char *root, const struct idxd_sysfs *s)
{
	char path[PATH_MAX];
	int rc = 0;

	static const char *const dirs[] = {
		"/sys", "/sys/bus", "/sys/bus/dsa", "/sys/bus/dsa/devices", "/sys/bus/dsa/drivers",
		"/sys/bus/iax", "/sys/bus/iax/devices", "/sys/bus/iax/drivers", "/sys/devices",
		"/sys/module", "/dev", "/dev/dsa",
	};
	for (unsigned int i = 0; !rc && i < sizeof(dirs) / sizeof(dirs[0]); i++)
		rc = path_of(path, sizeof(path), "%s%s", root, dirs[i]) ?: ensure_dir(path);
	if (rc || s->loaded)
		return rc ?: render_loaded(root, s);
	/* rmmod idxd: the devices, the drivers and the module go away. */
	static const char *const gone[] = {
		"/sys/bus/dsa/devices", "/sys/bus/dsa/drivers", "/sys/devices/sva_native", "/dev/dsa",
	};
	for (unsigned int i = 0; !rc && i < sizeof(gone) / sizeof(gone[0]); i++)
		rc = path_of(path, sizeof(path), "%s%s", root, gone[i]) ?: empty_dir(path);
	if (!rc)
		rc = path_of(path, sizeof(path), "%s/sys/devices/sva_native", root) ?: rm_rf(path);
	if (!rc)
		rc = path_of(path, sizeof(path), "%s/sys/module/idxd", root) ?: rm_rf(path);
	return rc;
}

/* ---- state ---- */

struct idxd_sysfs *sysfs_tree_load(const char *root, char *err, size_t errlen)
{
	char path[PATH_MAX], why[256];
	struct idxd_sysfs *s;
	char *text = NULL;
	int rc = path_of(path, sizeof(path), "%s%s", root, STATE_FILE);

	if (!rc)
		rc = sva_read_text_file(path, STATE_MAX, "state file", &text, why, sizeof(why));
	if (rc) {
		fail(err, errlen, rc, "%s: %s", path, rc == -ENAMETOOLONG ? "path too long" : why);
		return NULL;
	}
	s = idxd_sysfs_load(text, why, sizeof(why));
	free(text);
	if (!s)
		fail(err, errlen, -EINVAL, "%s: %s", path, why);
	return s;
}

static int save_state(const char *root, const struct idxd_sysfs *s)
{
	char path[PATH_MAX];
	char *text = idxd_sysfs_save(s);
	int rc = text ? path_of(path, sizeof(path), "%s%s", root, STATE_FILE) : -ENOMEM;

	if (!rc)
		rc = sync_file(path, text, strlen(text), 0644);
	free(text);
	return rc;
}

/* flock(2) on ROOT/lock; the descriptor to close, or -errno. */
static int lock_tree(const char *root, int how)
{
	char path[PATH_MAX];
	int fd, rc = path_of(path, sizeof(path), "%s%s", root, LOCK_FILE);

	if (rc)
		return rc;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (flock(fd, how)) {
		if (errno != EINTR) {
			rc = -errno;
			close(fd);
			return rc;
		}
	}
	return fd;
}

/* ---- the stand-ins ---- */

static int write_standin(const char *root, const char *name, const char *body)
{
	char path[PATH_MAX], text[8192];
	int n = snprintf(text, sizeof(text),
			 "#!/bin/sh\n"
			 "# %s stand-in of sva native (docs/native.md): the idxd modules are\n"
			 "# the model's, nothing else is here.\n"
			 "ctl='%s" SYSFS_TREE_MODULE_CTL "'\n"
			 "modroot='%s/sys/module'\n%s",
			 name, root, root, body);

	if (n < 0 || (size_t)n >= sizeof(text))
		return -ENAMETOOLONG;
	return path_of(path, sizeof(path), "%s/bin/%s", root, name) ?:
	       sync_file(path, text, (size_t)n, 0755);
}

static const char lsmod_body[] =
	"echo 'Module                  Size  Used by'\n"
	"if [ -d \"$modroot/idxd\" ]; then\n"
	"\techo 'idxd                  159744  0'\n"
	"\techo 'idxd_bus               20480  1 idxd'\n"
	"fi\n"
	"echo 'crc32_pclmul           16384  0'\n"
	"echo 'ghash_clmulni_intel    16384  0'\n";

/* modprobe [-q] [-v] [-r] NAME...: idxd loads or unloads the model's driver. */
static const char modprobe_body[] =
	"remove=0\n"
	"for a in \"$@\"; do\n"
	"\tcase \"$a\" in\n"
	"\t-r|--remove) remove=1 ;;\n"
	"\t-*) ;;\n"
	"\tidxd) if [ $remove = 1 ]; then echo unload > \"$ctl\"; else echo load > \"$ctl\"; fi ;;\n"
	"\tidxd_*|idxd-*) ;;\n"
	"\t*) echo \"modprobe: FATAL: Module $a not found in directory /lib/modules/$(uname -r)\" >&2; exit 1 ;;\n"
	"\tesac\n"
	"done\n";

static const char rmmod_body[] =
	"for a in \"$@\"; do\n"
	"\tcase \"$a\" in\n"
	"\t-*) ;;\n"
	"\tidxd) echo unload > \"$ctl\" ;;\n"
	"\tidxd_*|idxd-*) ;;\n"
	"\t*) echo \"rmmod: ERROR: Module $a is not currently loaded\" >&2; exit 1 ;;\n"
	"\tesac\n"
	"done\n";

/* ---- the interface ---- */

int sysfs_tree_create(const char *root, const struct idxd_config *cfg, char *err, size_t errlen)
{
	char path[PATH_MAX], why[IDXD_CFG_ERR_LEN];
	struct idxd_sysfs *s;
	DIR *d;
	int rc;

	if (root[0] != '/')
		return fail(err, errlen, -EINVAL, "%s: the tree's root must be an absolute path", root);
	/* The file layer compares paths with the root as given: one spelling only. */
	if (strchr(root, '\'') || strlen(root) > PATH_MAX / 2 || root[strlen(root) - 1] == '/' ||
	    strstr(root, "//") || strstr(root, "/./") || strstr(root, "/../"))
		return fail(err, errlen, -EINVAL, "%s: unusable as the tree's root", root);
	if (mkdir(root, 0755) && errno != EEXIST)
		return fail(err, errlen, -errno, "%s: %s", root, strerror(errno));
	/* realpath() results are compared with the root: it must be its own canonical name. */
	if (!realpath(root, path) || strcmp(path, root))
		return fail(err, errlen, -EINVAL, "%s: not a canonical path (a symlink on the way?)", root);
	d = opendir(root);
	if (!d)
		return fail(err, errlen, -errno, "%s: %s", root, strerror(errno));
	rc = 0;
	for (struct dirent *e; !rc && (e = readdir(d));)
		rc = strcmp(e->d_name, ".") && strcmp(e->d_name, "..") ? -EEXIST : 0;
	closedir(d);
	if (rc)
		return fail(err, errlen, rc, "%s: not empty; the tree needs a directory of its own", root);
	s = idxd_sysfs_create(cfg, why, sizeof(why));
	if (!s)
		return fail(err, errlen, -EINVAL, "%s", why);
	rc = save_state(root, s);
	if (!rc)
		rc = sysfs_tree_render(root, s);
	if (!rc)
		rc = path_of(path, sizeof(path), "%s/bin", root) ?: ensure_dir(path);
	if (!rc)
		rc = write_standin(root, "lsmod", lsmod_body) ?:
		     write_standin(root, "modprobe", modprobe_body) ?:
		     write_standin(root, "rmmod", rmmod_body);
	if (!rc)
		rc = path_of(path, sizeof(path), "%s%s", root, LOCK_FILE) ?:
		     sync_file(path, "", 0, 0644);
	if (!rc)
		rc = path_of(path, sizeof(path), "%s" SYSFS_TREE_MODULE_CTL, root) ?:
		     sync_file(path, "", 0, 0200);
	idxd_sysfs_free(s);
	return rc ? fail(err, errlen, rc, "%s: cannot create the tree: %s", root, strerror(-rc)) : 0;
}

char *sysfs_tree_enabled_config(const char *root, char *err, size_t errlen)
{
	int lk = lock_tree(root, LOCK_SH);
	struct idxd_sysfs *s;
	char *json = NULL;

	if (lk < 0) {
		fail(err, errlen, lk, "%s%s: %s", root, LOCK_FILE, strerror(-lk));
		return NULL;
	}
	s = sysfs_tree_load(root, err, errlen);
	close(lk);
	if (s && !(json = idxd_sysfs_enabled_json(s)))
		fail(err, errlen, -ENOMEM, "out of memory");
	idxd_sysfs_free(s);
	return json;
}

/* "/sys/devices/sva_native/dsa0[/wq0.0]/ATTR" -> object and attribute. */
static int attr_target(const char *rel, struct sysfs_tree_target *t)
{
	const char *p = rel + strlen(SYSFS_TREE_DEVICES "/");
	const char *first = strchr(p, '/'), *last = strrchr(p, '/');
	const char *obj = p;
	size_t n;

	if (!first)
		return -ENOENT;
	if (first != last) {		/* an attribute of a WQ, group or engine */
		if (strchr(first + 1, '/') != last)
			return -ENOENT;
		obj = first + 1;
	}
	n = (size_t)(last - obj);
	if (!n || n >= sizeof(t->obj) || strlen(last + 1) >= sizeof(t->attr))
		return -ENOENT;
	memcpy(t->obj, obj, n);
	t->obj[n] = 0;
	strcpy(t->attr, last + 1);
	t->op = SYSFS_TREE_STORE;
	return 0;
}

int sysfs_tree_target(const char *root, const char *resolved, struct sysfs_tree_target *t)
{
	size_t rl = strlen(root);
	const char *rel = resolved + rl;
	const char *drv;
	struct idxd_sysfs_obj obj;
	struct idxd_sysfs *s;
	unsigned int mode = 0;
	const char *a;
	int rc;

	memset(t, 0, sizeof(*t));
	if (strncmp(resolved, root, rl) || rel[0] != '/')
		return -ENOENT;
	if (!strcmp(rel, SYSFS_TREE_MODULE_CTL)) {
		t->op = SYSFS_TREE_MODULE;
		return 0;
	}
	if (!strncmp(rel, "/sys/bus/dsa/drivers/", 21)) {
		const char *leaf = strrchr(rel, '/');

		drv = rel + 21;
		if (leaf <= drv || leaf - drv >= (ptrdiff_t)sizeof(t->obj))
			return -ENOENT;
		memcpy(t->obj, drv, (size_t)(leaf - drv));
		t->drv = idxd_sysfs_drv_lookup(t->obj);
		t->obj[0] = 0;
		if (!t->drv || memchr(drv, '/', (size_t)(leaf - drv)))
			return -ENOENT;
		if (!strcmp(leaf, "/bind"))
			t->op = SYSFS_TREE_BIND;
		else if (!strcmp(leaf, "/unbind"))
			t->op = SYSFS_TREE_UNBIND;
		else
			return -ENOENT;
		return 0;
	}
	if (strncmp(rel, SYSFS_TREE_DEVICES "/", strlen(SYSFS_TREE_DEVICES "/")) ||
	    attr_target(rel, t))
		return -ENOENT;
	s = sysfs_tree_load(root, NULL, 0);
	if (!s)
		return -ENOENT;
	rc = idxd_sysfs_lookup(s, t->obj, &obj);
	for (unsigned int i = 0; !rc && (a = idxd_sysfs_attr(s, &obj, i, &mode)); i++)
		if (!strcmp(a, t->attr))
			break;
	idxd_sysfs_free(s);
	if (rc || !a)
		return -ENOENT;
	return mode & 0200 ? 0 : -EACCES;
}

static int apply(struct idxd_sysfs *s, const struct sysfs_tree_target *t, const char *buf, size_t len)
{
	struct idxd_sysfs_obj obj;

	switch (t->op) {
	case SYSFS_TREE_STORE:
		return idxd_sysfs_lookup(s, t->obj, &obj) ?: idxd_sysfs_store(s, &obj, t->attr, buf, len);
	case SYSFS_TREE_BIND:
		return s->loaded ? idxd_sysfs_bind(s, t->drv, buf, len) : -ENODEV;
	case SYSFS_TREE_UNBIND:
		return s->loaded ? idxd_sysfs_unbind(s, t->drv, buf, len) : -ENODEV;
	case SYSFS_TREE_MODULE:
		if (len >= 4 && !strncmp(buf, "load", 4) && (len == 4 || buf[4] == '\n'))
			idxd_sysfs_module_load(s);
		else if (len >= 6 && !strncmp(buf, "unload", 6) && (len == 6 || buf[6] == '\n'))
			idxd_sysfs_module_unload(s);
		else
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

int sysfs_tree_write(const char *root, const struct sysfs_tree_target *t, const void *buf,
		     size_t len)
{
	int lk = lock_tree(root, LOCK_EX);
	struct idxd_sysfs *s;
	char *before = NULL, *after = NULL;
	int rc, wrc;

	if (lk < 0)
		return lk;
	s = sysfs_tree_load(root, NULL, 0);
	if (!s) {
		close(lk);
		return -EIO;
	}
	before = idxd_sysfs_save(s);
	rc = apply(s, t, buf, len);
	/* A refused bind may still leave a cmd_status: save whatever changed. */
	after = idxd_sysfs_save(s);
	wrc = before && after ? 0 : -ENOMEM;
	if (!wrc && strcmp(before, after))
		wrc = save_state(root, s) ?: sysfs_tree_render(root, s);
	free(before);
	free(after);
	idxd_sysfs_free(s);
	close(lk);
	return rc ?: (wrc ? -EIO : 0);
}
