// SPDX-License-Identifier: MIT
/*
 * Validation of a configuration against the device's capabilities.
 *
 * The rules are the ones Linux's idxd driver applies when accel-config
 * writes the attributes (drivers/dma/idxd/sysfs.c) and when it enables the
 * device and the WQs (device.c, cdev.c, dma.c), plus what the device's
 * enable commands check (CMDSTS codes in docs/dev/verified-facts.md 3.2).
 * Where the kernel's answer depends on the order accel-config happens to
 * write attributes in, the rule is applied to the final configuration.
 *
 * The first problem wins: one message naming the object, the field, the
 * value and the reason.  docs/configuration.md lists every message.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "os/idxd_config.h"
#include "os/idxd_config_internal.h"

struct vctx {
	const struct idxd_caps *caps;
	const struct idxd_cfg_device *dev;
	char *err;
	size_t errlen;
};

static int verr(struct vctx *v, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int verr(struct vctx *v, int rc, const char *fmt, ...)
{
	va_list ap;

	if (v->err && v->errlen) {
		va_start(ap, fmt);
		vsnprintf(v->err, v->errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

static unsigned int group_engines(const struct idxd_cfg_device *dev, int gid)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < dev->nr_engines; i++)
		n += dev->engines[i].group_id == gid;
	return n;
}

/* --- device --- */

static int check_device(struct vctx *v)
{
	const struct idxd_cfg_device *dev = v->dev;
	const struct idxd_caps *c = v->caps;

	const char *kind = idxd_cfg_dev_prefix(dev);

	if (dev->read_buffer_limit > c->max_read_buffers)
		return verr(v, -EINVAL,
			    "%s%d: read_buffer_limit %u is larger than the device's %u read buffers",
			    kind, dev->id, dev->read_buffer_limit, c->max_read_buffers);
	if (dev->read_buffer_limit && !c->read_buffer_limit)
		return verr(v, -EOPNOTSUPP,
			    "%s%d: read_buffer_limit %u: the device has no read buffer limit support",
			    kind, dev->id, dev->read_buffer_limit);
	if (dev->event_log_size >= 0 && (dev->event_log_size < 64 || dev->event_log_size > 65535))
		return verr(v, -EINVAL, "%s%d: event_log_size %d is out of range (64..65535)",
			    kind, dev->id, dev->event_log_size);
	if (!dev->nr_wqs)
		return verr(v, -EINVAL,
			    "%s%d: no WQ is configured (the driver refuses to enable a device without one)",
			    kind, dev->id);
	return 0;
}

/* --- groups --- */

static int check_group_ids(struct vctx *v)
{
	const struct idxd_cfg_device *dev = v->dev;

	for (unsigned int i = 0; i < dev->nr_groups; i++) {
		const struct idxd_cfg_group *g = &dev->groups[i];

		if (g->id < 0 || (unsigned int)g->id >= v->caps->max_groups)
			return verr(v, -EINVAL,
				    "dsa%d/group%d.%d: group id %d is out of range (the device has %u groups, 0..%u)",
				    dev->id, dev->id, g->id, g->id, v->caps->max_groups,
				    v->caps->max_groups - 1);
		for (unsigned int j = 0; j < i; j++)
			if (dev->groups[j].id == g->id)
				return verr(v, -EINVAL, "dsa%d/group%d.%d: group appears twice",
					    dev->id, dev->id, g->id);
	}
	return 0;
}

static int check_group(struct vctx *v, const struct idxd_cfg_group *g, unsigned int reserved_total)
{
	const struct idxd_cfg_device *dev = v->dev;
	const struct idxd_caps *c = v->caps;
	unsigned int free_bufs = c->max_read_buffers - reserved_total;
	unsigned int min_allowed = 4 * group_engines(dev, g->id);

	if (g->traffic_class_a < -1 || g->traffic_class_a > 7 ||
	    g->traffic_class_b < -1 || g->traffic_class_b > 7)
		return verr(v, -EINVAL, "dsa%d/group%d.%d: traffic_class_%c %d is out of range (0..7, or -1 for the default)",
			    dev->id, dev->id, g->id,
			    g->traffic_class_a < -1 || g->traffic_class_a > 7 ? 'a' : 'b',
			    g->traffic_class_a < -1 || g->traffic_class_a > 7 ?
			    g->traffic_class_a : g->traffic_class_b);
	if (g->desc_progress_limit > 3 || g->batch_progress_limit > 3)
		return verr(v, -EINVAL, "dsa%d/group%d.%d: %s %d is out of range (0..3)",
			    dev->id, dev->id, g->id,
			    g->desc_progress_limit > 3 ? "desc_progress_limit" : "batch_progress_limit",
			    g->desc_progress_limit > 3 ? g->desc_progress_limit : g->batch_progress_limit);
	if (g->use_read_buffer_limit && !dev->read_buffer_limit)
		return verr(v, -EPERM,
			    "dsa%d/group%d.%d: use_read_buffer_limit 1 needs a nonzero read_buffer_limit on dsa%d",
			    dev->id, dev->id, g->id, dev->id);
	if (g->read_buffers_allowed < min_allowed)
		return verr(v, -EINVAL,
			    "dsa%d/group%d.%d: read_buffers_allowed %u is less than 4 per engine (%u for %u engines)",
			    dev->id, dev->id, g->id, g->read_buffers_allowed, min_allowed, min_allowed / 4);
	if (g->read_buffers_allowed > g->read_buffers_reserved + free_bufs)
		return verr(v, -EINVAL,
			    "dsa%d/group%d.%d: read_buffers_allowed %u is more than this group's reserved %u plus the %u unreserved read buffers",
			    dev->id, dev->id, g->id, g->read_buffers_allowed,
			    g->read_buffers_reserved, free_bufs);
	return 0;
}

static int check_groups(struct vctx *v)
{
	const struct idxd_cfg_device *dev = v->dev;
	unsigned int reserved = 0;
	int rc = check_group_ids(v);

	for (unsigned int i = 0; !rc && i < dev->nr_groups; i++) {
		const struct idxd_cfg_group *g = &dev->groups[i];

		reserved += g->read_buffers_reserved;
		if (reserved > v->caps->max_read_buffers)
			return verr(v, -EINVAL,
				    "dsa%d/group%d.%d: read_buffers_reserved %u brings the device's reserved read buffers to %u, more than its %u",
				    dev->id, dev->id, g->id, g->read_buffers_reserved, reserved,
				    v->caps->max_read_buffers);
	}
	for (unsigned int i = 0; !rc && i < dev->nr_groups; i++)
		rc = check_group(v, &dev->groups[i], reserved);
	return rc;
}

/* A group_id of an engine or WQ: -1, or a group the configuration lists. */
static int check_group_ref(struct vctx *v, const char *what, int id, int gid)
{
	const struct idxd_cfg_device *dev = v->dev;

	if (gid < -1 || gid >= (int)v->caps->max_groups)
		return verr(v, -EINVAL,
			    "dsa%d/%s%d.%d: group_id %d is out of range (the device has %u groups, 0..%u)",
			    dev->id, what, dev->id, id, gid, v->caps->max_groups,
			    v->caps->max_groups - 1);
	if (gid >= 0 && !idxd_cfg_find_group(dev, gid))
		return verr(v, -EINVAL,
			    "dsa%d/%s%d.%d: group_id %d names a group the configuration does not list",
			    dev->id, what, dev->id, id, gid);
	return 0;
}

/* --- engines --- */

static int check_engines(struct vctx *v)
{
	const struct idxd_cfg_device *dev = v->dev;

	for (unsigned int i = 0; i < dev->nr_engines; i++) {
		const struct idxd_cfg_engine *e = &dev->engines[i];
		int rc;

		if (e->id < 0 || (unsigned int)e->id >= v->caps->max_engines)
			return verr(v, -EINVAL,
				    "dsa%d/engine%d.%d: engine id %d is out of range (the device has %u engines, 0..%u)",
				    dev->id, dev->id, e->id, e->id, v->caps->max_engines,
				    v->caps->max_engines - 1);
		for (unsigned int j = 0; j < i; j++)
			if (dev->engines[j].id == e->id)
				return verr(v, -EINVAL, "dsa%d/engine%d.%d: engine appears twice",
					    dev->id, dev->id, e->id);
		rc = check_group_ref(v, "engine", e->id, e->group_id);
		if (rc)
			return rc;
	}
	return 0;
}

/* --- WQs --- */

#define WQ_FMT "%s%d/wq%d.%d: "
#define WQ_ARGS(v, wq) idxd_cfg_dev_prefix((v)->dev), (v)->dev->id, (v)->dev->id, (wq)->id

/* Rules that hold for every WQ the file lists, enabled or not. */
static int check_wq_static(struct vctx *v, const struct idxd_cfg_wq *wq, unsigned int idx)
{
	const struct idxd_cfg_device *dev = v->dev;
	const struct idxd_caps *c = v->caps;

	if (wq->id < 0 || (unsigned int)wq->id >= c->max_wqs)
		return verr(v, -EINVAL,
			    WQ_FMT "WQ id %d is out of range (the device has %u WQs, 0..%u)",
			    WQ_ARGS(v, wq), wq->id, c->max_wqs, c->max_wqs - 1);
	for (unsigned int j = 0; j < idx; j++)
		if (dev->wqs[j].id == wq->id)
			return verr(v, -EINVAL, WQ_FMT "WQ appears twice", WQ_ARGS(v, wq));
	if (wq->mode == IDXD_CFG_WQ_DEDICATED && wq->threshold)
		return verr(v, -EINVAL,
			    WQ_FMT "threshold %u on a dedicated WQ (only shared WQs have a threshold; use 0)",
			    WQ_ARGS(v, wq), wq->threshold);
	if (wq->threshold > wq->size)
		return verr(v, -EINVAL,
			    WQ_FMT "threshold %u is larger than the WQ size %u (shared WQs need threshold <= size)",
			    WQ_ARGS(v, wq), wq->threshold, wq->size);
	return 0;
}

static int check_wq_limits(struct vctx *v, const struct idxd_cfg_wq *wq)
{
	const struct idxd_caps *c = v->caps;

	if (!is_pow2(wq->max_batch_size))
		return verr(v, -EINVAL, WQ_FMT "max_batch_size %" PRIu32 " is not a power of two",
			    WQ_ARGS(v, wq), wq->max_batch_size);
	if (wq->max_batch_size > c->max_batch_size)
		return verr(v, -EINVAL,
			    WQ_FMT "max_batch_size %" PRIu32 " is larger than the device maximum %" PRIu32,
			    WQ_ARGS(v, wq), wq->max_batch_size, c->max_batch_size);
	if (!is_pow2(wq->max_transfer_size))
		return verr(v, -EINVAL, WQ_FMT "max_transfer_size %" PRIu64 " is not a power of two",
			    WQ_ARGS(v, wq), wq->max_transfer_size);
	if (wq->max_transfer_size > c->max_transfer_size)
		return verr(v, -EINVAL,
			    WQ_FMT "max_transfer_size %" PRIu64 " is larger than the device maximum %" PRIu64,
			    WQ_ARGS(v, wq), wq->max_transfer_size, c->max_transfer_size);
	return 0;
}

static int check_wq_features(struct vctx *v, const struct idxd_cfg_wq *wq)
{
	const struct idxd_caps *c = v->caps;

	if (wq->block_on_fault && !c->block_on_fault)
		return verr(v, -EOPNOTSUPP,
			    WQ_FMT "block_on_fault 1: the device does not support block on fault (GENCAP bit 0)",
			    WQ_ARGS(v, wq));
	if (wq->block_on_fault && wq->prs_disable)
		return verr(v, -EINVAL,
			    WQ_FMT "block_on_fault 1 with prs_disable 1 (blocking on a fault needs page requests)",
			    WQ_ARGS(v, wq));
	if (wq->ats_disable && !c->wq_ats_disable)
		return verr(v, -EOPNOTSUPP,
			    WQ_FMT "ats_disable 1: the device has no per-WQ ATS disable",
			    WQ_ARGS(v, wq));
	return 0;
}

static int check_wq_strings(struct vctx *v, const struct idxd_cfg_wq *wq)
{
	size_t nl = strlen(wq->name), dl = strlen(wq->driver_name);

	if (nl > IDXD_WQ_NAME_MAX)
		return verr(v, -EINVAL, WQ_FMT "name is %zu characters long (at most %d)",
			    WQ_ARGS(v, wq), nl, IDXD_WQ_NAME_MAX);
	if (dl > IDXD_DRIVER_NAME_MAX)
		return verr(v, -EINVAL, WQ_FMT "driver_name is %zu characters long (at most %d)",
			    WQ_ARGS(v, wq), dl, IDXD_DRIVER_NAME_MAX);
	for (unsigned int j = 0; nl && &v->dev->wqs[j] != wq; j++)
		if (!strcmp(v->dev->wqs[j].name, wq->name))
			return verr(v, -EINVAL,
				    WQ_FMT "name \"%s\" is already used by wq%d.%d (names must be unique per device)",
				    WQ_ARGS(v, wq), wq->name, v->dev->id, v->dev->wqs[j].id);
	return 0;
}

/* The driver that binds decides the type; the file must agree with itself. */
static int check_wq_driver(struct vctx *v, const struct idxd_cfg_wq *wq)
{
	const char *want = NULL;

	switch (wq->type) {
	case IDXD_CFG_WQT_USER:
		want = "user";
		break;
	case IDXD_CFG_WQT_KERNEL:
		want = "dmaengine";
		break;
	case IDXD_CFG_WQT_MDEV:
		return verr(v, -EOPNOTSUPP,
			    WQ_FMT "type \"mdev\": mediated (guest pass-through) WQs are not modelled",
			    WQ_ARGS(v, wq));
	default:
		return 0;
	}
	if (strcmp(wq->driver_name, want))
		return verr(v, -EINVAL,
			    WQ_FMT "driver_name \"%s\" does not match type \"%s\" (a %s WQ binds to the \"%s\" driver)",
			    WQ_ARGS(v, wq), wq->driver_name, idxd_cfg_wq_type_name(wq->type),
			    idxd_cfg_wq_type_name(wq->type), want);
	return 0;
}

/* What enabling the WQ checks (drv_enable_wq, the user/dmaengine probes, WQ enable). */
static int check_wq_enable(struct vctx *v, const struct idxd_cfg_wq *wq)
{
	const struct idxd_caps *c = v->caps;
	int rc;

	if (wq->group_id < 0)
		return verr(v, -EINVAL, WQ_FMT "group_id -1: an enabled WQ must belong to a group",
			    WQ_ARGS(v, wq));
	if (!wq->size)
		return verr(v, -EINVAL, WQ_FMT "size 0: an enabled WQ needs at least one entry",
			    WQ_ARGS(v, wq));
	/* sysfs takes 0..15; the device's WQ enable refuses 0 (CMDSTS 0x23). */
	if (wq->priority < c->min_priority || wq->priority > c->max_priority)
		return verr(v, -EINVAL, WQ_FMT "priority %u is out of range (%u..%u)",
			    WQ_ARGS(v, wq), wq->priority, c->min_priority, c->max_priority);
	if (wq->mode == IDXD_CFG_WQ_SHARED && !c->shared_mode)
		return verr(v, -EOPNOTSUPP, WQ_FMT "mode shared: the device does not support shared WQs",
			    WQ_ARGS(v, wq));
	if (wq->mode == IDXD_CFG_WQ_SHARED && !c->pasid)
		return verr(v, -EOPNOTSUPP,
			    WQ_FMT "mode shared needs PASID support (ENQCMD tags each descriptor with a PASID), and PASID is disabled",
			    WQ_ARGS(v, wq));
	if (wq->mode == IDXD_CFG_WQ_DEDICATED && !c->dedicated_mode)
		return verr(v, -EOPNOTSUPP,
			    WQ_FMT "mode dedicated: the device does not support dedicated WQs",
			    WQ_ARGS(v, wq));
	if (wq->mode == IDXD_CFG_WQ_SHARED && !wq->threshold)
		return verr(v, -EINVAL, WQ_FMT "threshold 0 on a shared WQ (it must be 1..size, here 1..%u)",
			    WQ_ARGS(v, wq), wq->size);
	if (!wq->name[0])
		return verr(v, -EINVAL, WQ_FMT "name is missing or empty (the kernel does not enable a WQ without a name)",
			    WQ_ARGS(v, wq));
	rc = check_wq_driver(v, wq);
	if (rc)
		return rc;
	if (wq->type == IDXD_CFG_WQT_USER && !c->pasid)
		return verr(v, -EOPNOTSUPP,
			    WQ_FMT "type user needs PASID support (SVA); the kernel does not enable user WQs without it",
			    WQ_ARGS(v, wq));
	if (!group_engines(v->dev, wq->group_id))
		return verr(v, -EINVAL,
			    WQ_FMT "group %d has no engines (an enabled WQ's group needs at least one engine)",
			    WQ_ARGS(v, wq), wq->group_id);
	return 0;
}

static int check_wqs(struct vctx *v)
{
	const struct idxd_cfg_device *dev = v->dev;
	unsigned int total = 0;

	for (unsigned int i = 0; i < dev->nr_wqs; i++) {
		const struct idxd_cfg_wq *wq = &dev->wqs[i];
		int rc;

		rc = check_wq_static(v, wq, i);
		if (!rc)
			rc = check_group_ref(v, "wq", wq->id, wq->group_id);
		if (!rc && wq->size > v->caps->max_wq_size - total)
			rc = verr(v, -EINVAL,
				  WQ_FMT "size %u brings the device's total WQ size to %u, more than its %u entries (WQCAP)",
				  WQ_ARGS(v, wq), wq->size, total + wq->size, v->caps->max_wq_size);
		total += wq->size;
		if (!rc)
			rc = check_wq_limits(v, wq);
		if (!rc)
			rc = check_wq_features(v, wq);
		if (!rc)
			rc = check_wq_strings(v, wq);
		if (!rc && idxd_cfg_wq_enabled(wq))
			rc = check_wq_enable(v, wq);
		else if (!rc)
			rc = check_wq_driver(v, wq);
		if (rc)
			return rc;
	}
	return 0;
}

static int check_caps(struct vctx *v)
{
	const struct idxd_caps *c = v->caps;

	if (!c->max_wqs || c->max_wqs > IDXD_CFG_MAX_WQS || !c->max_groups ||
	    c->max_groups > IDXD_CFG_MAX_GROUPS || !c->max_engines ||
	    c->max_engines > IDXD_CFG_MAX_ENGINES || c->min_priority > c->max_priority)
		return verr(v, -EINVAL, "device capabilities out of the model's range");
	return 0;
}

/*
 * An IAA device is not modelled, but its file must still make sense: it is
 * checked like a DSA with the IAA's eight engines (Sapphire Rapids IAA 1.0:
 * 8 WQs, 128 entries, 4 groups, 8 engines).
 */
static struct idxd_caps iaa_caps(const struct idxd_caps *dsa)
{
	struct idxd_caps c = *dsa;

	c.max_engines = 8;
	return c;
}

int idxd_config_validate(const struct idxd_config *cfg, char *err, size_t errlen)
{
	struct idxd_caps iaa = iaa_caps(&cfg->caps);
	struct vctx v = { .caps = &cfg->caps, .err = err, .errlen = errlen };
	int rc = check_caps(&v);

	if (!rc && !cfg->nr_devices)
		rc = verr(&v, -EINVAL, "the configuration has no devices");
	for (unsigned int i = 0; !rc && i < cfg->nr_devices; i++) {
		v.dev = &cfg->devices[i];
		v.caps = v.dev->iaa ? &iaa : &cfg->caps;
		for (unsigned int j = 0; j < i; j++)
			if (cfg->devices[j].id == v.dev->id)
				return verr(&v, -EINVAL, "%s%d: device appears twice",
					    idxd_cfg_dev_prefix(v.dev), v.dev->id);
		rc = check_device(&v);
		if (!rc)
			rc = check_groups(&v);
		if (!rc)
			rc = check_engines(&v);
		if (!rc)
			rc = check_wqs(&v);
	}
	return rc;
}
