// SPDX-License-Identifier: MIT
/*
 * The idxd sysfs model: the state, its objects, the attribute table and
 * show().  Stores are in idxd_sysfs_store.c, binding in idxd_sysfs_drv.c,
 * saving in idxd_sysfs_json.c.
 *
 * Attribute names, order, modes, visibility and show formats follow Linux's
 * drivers/dma/idxd/sysfs.c (the kernels accel-config 3.5.3 runs on), plus
 * ims_size, which older kernels showed and accel-config still reads.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/idxd_sysfs.h"
#include "os/idxd_sysfs_internal.h"

/* ---- the attribute table ---- */

#define A(k, n, m, v) { IDXD_SYSFS_##k, #n, m, V_##v, ATTR_##k##_##n }

const struct idxd_sysfs_attr_def idxd_sysfs_attrs[] = {
	A(DEVICE, version, 0444, ALWAYS),
	A(DEVICE, max_groups, 0444, ALWAYS),
	A(DEVICE, max_work_queues, 0444, ALWAYS),
	A(DEVICE, max_work_queues_size, 0444, ALWAYS),
	A(DEVICE, max_engines, 0444, ALWAYS),
	A(DEVICE, numa_node, 0444, ALWAYS),
	A(DEVICE, max_batch_size, 0444, ALWAYS),
	A(DEVICE, max_transfer_size, 0444, ALWAYS),
	A(DEVICE, op_cap, 0444, ALWAYS),
	A(DEVICE, gen_cap, 0444, ALWAYS),
	A(DEVICE, configurable, 0444, ALWAYS),
	A(DEVICE, clients, 0444, ALWAYS),
	A(DEVICE, pasid_enabled, 0444, ALWAYS),
	A(DEVICE, state, 0444, ALWAYS),
	A(DEVICE, errors, 0444, ALWAYS),
	A(DEVICE, max_tokens, 0444, ALWAYS),
	A(DEVICE, max_read_buffers, 0444, ALWAYS),
	A(DEVICE, token_limit, 0644, ALWAYS),
	A(DEVICE, read_buffer_limit, 0644, ALWAYS),
	A(DEVICE, cdev_major, 0444, ALWAYS),
	A(DEVICE, cmd_status, 0644, ALWAYS),
	A(DEVICE, event_log_size, 0644, EVL),
	A(DEVICE, ims_size, 0444, ALWAYS),
	A(WQ, clients, 0444, ALWAYS),
	A(WQ, state, 0444, ALWAYS),
	A(WQ, group_id, 0644, ALWAYS),
	A(WQ, mode, 0644, ALWAYS),
	A(WQ, size, 0644, ALWAYS),
	A(WQ, priority, 0644, ALWAYS),
	A(WQ, block_on_fault, 0644, ALWAYS),
	A(WQ, threshold, 0644, ALWAYS),
	A(WQ, type, 0644, ALWAYS),
	A(WQ, name, 0644, ALWAYS),
	A(WQ, driver_name, 0644, ALWAYS),
	A(WQ, cdev_minor, 0444, ALWAYS),
	A(WQ, max_transfer_size, 0644, ALWAYS),
	A(WQ, max_batch_size, 0644, ALWAYS),
	A(WQ, ats_disable, 0644, ATS),
	A(WQ, prs_disable, 0644, PRS),
	A(WQ, occupancy, 0444, ALWAYS),
	A(WQ, enqcmds_retries, 0644, ALWAYS),
	A(WQ, op_config, 0644, OPCFG),
	A(GROUP, work_queues, 0444, ALWAYS),
	A(GROUP, engines, 0444, ALWAYS),
	A(GROUP, use_token_limit, 0644, ALWAYS),
	A(GROUP, use_read_buffer_limit, 0644, ALWAYS),
	A(GROUP, tokens_allowed, 0644, ALWAYS),
	A(GROUP, read_buffers_allowed, 0644, ALWAYS),
	A(GROUP, tokens_reserved, 0644, ALWAYS),
	A(GROUP, read_buffers_reserved, 0644, ALWAYS),
	A(GROUP, traffic_class_a, 0644, ALWAYS),
	A(GROUP, traffic_class_b, 0644, ALWAYS),
	A(GROUP, desc_progress_limit, 0644, PL),
	A(GROUP, batch_progress_limit, 0644, PL),
	A(ENGINE, group_id, 0644, ALWAYS),
};
const size_t idxd_sysfs_nr_attrs = sizeof(idxd_sysfs_attrs) / sizeof(idxd_sysfs_attrs[0]);

static bool visible(const struct idxd_caps *c, enum attr_vis v)
{
	switch (v) {
	case V_ATS:
		return c->wq_ats_disable;
	case V_PRS:
		return c->wq_prs_disable;
	case V_OPCFG:
		return c->op_config;
	case V_EVL:
		return c->event_log;
	case V_PL:
		return c->progress_limit;
	case V_ALWAYS:
		break;
	}
	return true;
}

const struct idxd_sysfs_attr_def *idxd_sysfs_attr_find(const struct idxd_sysfs *s,
							enum idxd_sysfs_kind kind,
							const char *name)
{
	for (size_t i = 0; i < idxd_sysfs_nr_attrs; i++) {
		const struct idxd_sysfs_attr_def *a = &idxd_sysfs_attrs[i];

		if (a->kind == kind && !strcmp(a->name, name))
			return visible(&s->caps, a->vis) ? a : NULL;
	}
	return NULL;
}

const char *idxd_sysfs_attr(const struct idxd_sysfs *s, const struct idxd_sysfs_obj *obj,
			    unsigned int i, unsigned int *mode)
{
	for (size_t k = 0; k < idxd_sysfs_nr_attrs; k++) {
		const struct idxd_sysfs_attr_def *a = &idxd_sysfs_attrs[k];

		if (a->kind != obj->kind || !visible(&s->caps, a->vis))
			continue;
		if (i-- == 0) {
			if (mode)
				*mode = a->mode;
			return a->name;
		}
	}
	return NULL;
}

/* ---- state ---- */

uint32_t idxd_sysfs_version(const struct idxd_caps *c)
{
	/* The DSA 2.0 features imply a 2.0 device; otherwise Sapphire Rapids' 1.0. */
	return c->op_config || c->event_log || c->progress_limit || c->wq_prs_disable ? 0x200 : 0x100;
}

static unsigned int log2u(uint64_t v)
{
	unsigned int n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

uint64_t idxd_sysfs_gen_cap(const struct idxd_caps *c)
{
	/*
	 * GENCAP as a Sapphire Rapids DSA shows it (0x40915f0107 with the
	 * default caps, docs/dev/verified-facts.md 3.1), with the fields the
	 * capabilities decide filled from them.
	 */
	uint64_t g = (1ull << 38) | (1ull << 31) | (8ull << 25) | (1u << 8) | (1u << 2) | (1u << 1);

	g |= (uint64_t)(log2u(c->max_batch_size) & 0xf) << 21;
	g |= (uint64_t)(log2u(c->max_transfer_size) & 0x1f) << 16;
	g |= c->block_on_fault;
	return g;
}

void idxd_sysfs_wq_reset(struct idxd_sysfs_wq *wq)
{
	memset(wq, 0, sizeof(*wq));
	wq->group_id = -1;
	wq->max_batch_size = IDXD_WQ_DEFAULT_MAX_BATCH;
	wq->max_transfer_size = IDXD_WQ_DEFAULT_MAX_XFER;
	wq->enqcmds_retries = IDXD_SYSFS_ENQCMDS_RETRIES;
	wq->cdev_minor = -1;
}

void idxd_sysfs_dev_reset(struct idxd_sysfs_dev *d, const struct idxd_caps *c)
{
	int id = d->id;

	memset(d, 0, sizeof(*d));
	d->id = id;
	d->configurable = true;
	d->event_log_size = c->event_log ? 64 : 0;
	for (unsigned int i = 0; i < IDXD_CFG_MAX_WQS; i++)
		idxd_sysfs_wq_reset(&d->wqs[i]);
	for (unsigned int i = 0; i < IDXD_CFG_MAX_GROUPS; i++) {
		struct idxd_sysfs_group *g = &d->groups[i];

		g->read_buffers_allowed = c->max_read_buffers;
		g->traffic_class_a = g->traffic_class_b = -1;
	}
	for (unsigned int i = 0; i < IDXD_CFG_MAX_ENGINES; i++)
		d->engine_group[i] = -1;
}

static void apply_cfg_device(struct idxd_sysfs_dev *d, const struct idxd_cfg_device *cd)
{
	d->read_buffer_limit = cd->read_buffer_limit;
	if (cd->event_log_size >= 0)
		d->event_log_size = (unsigned int)cd->event_log_size;
	for (unsigned int i = 0; i < cd->nr_groups; i++) {
		const struct idxd_cfg_group *cg = &cd->groups[i];
		struct idxd_sysfs_group *g = &d->groups[cg->id];

		g->read_buffers_reserved = cg->read_buffers_reserved;
		g->read_buffers_allowed = cg->read_buffers_allowed;
		g->use_read_buffer_limit = cg->use_read_buffer_limit;
		g->traffic_class_a = cg->traffic_class_a;
		g->traffic_class_b = cg->traffic_class_b;
		g->desc_progress_limit = cg->desc_progress_limit < 0 ? 0 : cg->desc_progress_limit;
		g->batch_progress_limit = cg->batch_progress_limit < 0 ? 0 : cg->batch_progress_limit;
	}
	for (unsigned int i = 0; i < cd->nr_engines; i++)
		d->engine_group[cd->engines[i].id] = cd->engines[i].group_id;
	for (unsigned int i = 0; i < cd->nr_wqs; i++) {
		const struct idxd_cfg_wq *cw = &cd->wqs[i];
		struct idxd_sysfs_wq *wq = &d->wqs[cw->id];

		wq->group_id = cw->group_id;
		wq->dedicated = cw->mode == IDXD_CFG_WQ_DEDICATED;
		wq->size = cw->size;
		wq->priority = cw->priority;
		wq->threshold = cw->threshold;
		wq->block_on_fault = cw->block_on_fault;
		wq->ats_disable = cw->ats_disable;
		wq->prs_disable = cw->prs_disable;
		wq->max_batch_size = cw->max_batch_size;
		wq->max_transfer_size = cw->max_transfer_size;
		wq->type = cw->type;
		snprintf(wq->name, sizeof(wq->name), "%s", cw->name);
		snprintf(wq->driver_name, sizeof(wq->driver_name), "%s", cw->driver_name);
		if (cw->has_op_config)
			memcpy(wq->op_config, cw->op_config, sizeof(wq->op_config));
	}
}

static int dev_cmp(const void *a, const void *b)
{
	const struct idxd_cfg_device *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

struct idxd_sysfs *idxd_sysfs_create(const struct idxd_config *cfg, char *err, size_t errlen)
{
	struct idxd_cfg_device *sorted;
	struct idxd_sysfs *s;

	if (idxd_config_validate(cfg, err, errlen))
		return NULL;
	s = calloc(1, sizeof(*s));
	sorted = calloc(cfg->nr_devices, sizeof(*sorted));
	if (!s || !sorted || !(s->devs = calloc(cfg->nr_devices, sizeof(*s->devs)))) {
		free(sorted);
		idxd_sysfs_free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* IAA devices are not modelled: the tree has the DSAs only. */
	for (unsigned int i = 0; i < cfg->nr_devices; i++)
		if (!cfg->devices[i].iaa)
			sorted[s->nr_devs++] = cfg->devices[i];
	qsort(sorted, s->nr_devs, sizeof(*sorted), dev_cmp);
	s->caps = cfg->caps;
	s->loaded = true;
	for (unsigned int i = 0; i < s->nr_devs; i++) {
		s->devs[i].id = sorted[i].id;
		idxd_sysfs_dev_reset(&s->devs[i], &s->caps);
	}
	for (unsigned int i = 0; i < s->nr_devs; i++) {
		struct idxd_sysfs_dev *d = &s->devs[i];

		apply_cfg_device(d, &sorted[i]);
		/* Configured at boot: the device is enabled, then the WQs the file enables. */
		d->enabled = true;
		for (unsigned int j = 0; j < sorted[i].nr_wqs; j++) {
			const struct idxd_cfg_wq *cw = &sorted[i].wqs[j];

			if (idxd_cfg_wq_enabled(cw))
				idxd_sysfs_wq_start(s, d, &d->wqs[cw->id]);
		}
	}
	free(sorted);
	return s;
}

void idxd_sysfs_free(struct idxd_sysfs *s)
{
	if (!s)
		return;
	free(s->devs);
	free(s);
}

struct idxd_sysfs *idxd_sysfs_clone(const struct idxd_sysfs *s)
{
	struct idxd_sysfs *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	*c = *s;
	c->devs = calloc(s->nr_devs ? s->nr_devs : 1, sizeof(*c->devs));
	if (!c->devs) {
		free(c);
		return NULL;
	}
	memcpy(c->devs, s->devs, s->nr_devs * sizeof(*c->devs));
	return c;
}

/* ---- objects ---- */

static const char *const kind_prefix[] = {
	[IDXD_SYSFS_DEVICE] = "dsa",
	[IDXD_SYSFS_WQ] = "wq",
	[IDXD_SYSFS_GROUP] = "group",
	[IDXD_SYSFS_ENGINE] = "engine",
};

/* A decimal number without sign or leading zeros, as sysfs names print it. */
static const char *parse_id(const char *p, unsigned int *out)
{
	unsigned long v = 0;

	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 1000000)
			return NULL;
	}
	*out = (unsigned int)v;
	return p;
}

static unsigned int kind_count(const struct idxd_sysfs *s, enum idxd_sysfs_kind k)
{
	switch (k) {
	case IDXD_SYSFS_WQ:
		return s->caps.max_wqs;
	case IDXD_SYSFS_GROUP:
		return s->caps.max_groups;
	case IDXD_SYSFS_ENGINE:
		return s->caps.max_engines;
	case IDXD_SYSFS_DEVICE:
		break;
	}
	return 1;
}

int idxd_sysfs_dev_index(const struct idxd_sysfs *s, unsigned int id)
{
	for (unsigned int i = 0; i < s->nr_devs; i++)
		if ((unsigned int)s->devs[i].id == id)
			return (int)i;
	return -1;
}

int idxd_sysfs_lookup(const struct idxd_sysfs *s, const char *name, struct idxd_sysfs_obj *obj)
{
	if (!s->loaded)
		return -ENOENT;
	for (unsigned int k = 0; k < sizeof(kind_prefix) / sizeof(kind_prefix[0]); k++) {
		size_t pl = strlen(kind_prefix[k]);
		unsigned int dev, id = 0;
		const char *p;
		int di;

		if (strncmp(name, kind_prefix[k], pl))
			continue;
		p = parse_id(name + pl, &dev);
		if (!p)
			return -ENOENT;
		if (k != IDXD_SYSFS_DEVICE) {
			if (*p != '.' || !(p = parse_id(p + 1, &id)))
				return -ENOENT;
		}
		di = idxd_sysfs_dev_index(s, dev);
		if (*p || di < 0 || id >= kind_count(s, k))
			return -ENOENT;
		*obj = (struct idxd_sysfs_obj){ .kind = k, .dev = (unsigned int)di, .id = id };
		return 0;
	}
	return -ENOENT;
}

void idxd_sysfs_obj_name(const struct idxd_sysfs *s, const struct idxd_sysfs_obj *obj,
			 char *buf, size_t len)
{
	int d = s->devs[obj->dev].id;

	if (obj->kind == IDXD_SYSFS_DEVICE)
		snprintf(buf, len, "dsa%d", d);
	else
		snprintf(buf, len, "%s%d.%u", kind_prefix[obj->kind], d, obj->id);
}

/* ---- show ---- */

static int emit(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int emit(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -EOVERFLOW : n;
}

/* A 256-bit bitmap as Linux's "%*pb": eight 32-bit words, most significant first. */
static int emit_bitmap(char *buf, size_t len, const uint32_t w[8])
{
	return emit(buf, len, "%08" PRIx32 ",%08" PRIx32 ",%08" PRIx32 ",%08" PRIx32
		    ",%08" PRIx32 ",%08" PRIx32 ",%08" PRIx32 ",%08" PRIx32 "\n",
		    w[7], w[6], w[5], w[4], w[3], w[2], w[1], w[0]);
}

void idxd_sysfs_op_cap(const struct idxd_caps *c, uint32_t w[8])
{
	(void)c;
	memset(w, 0, 8 * sizeof(w[0]));
	/* The operations the DSA model runs: 0x00-0x09, 0x10-0x15, cache flush 0x20. */
	w[0] = 0x003f03ff;
	w[1] = 0x00000001;
}

/* "wq0.0 wq0.1\n" or nothing at all, as the group's lists show. */
static int emit_members(const struct idxd_sysfs *s, const struct idxd_sysfs_dev *d,
			unsigned int gid, bool wqs, char *buf, size_t len)
{
	unsigned int n = wqs ? s->caps.max_wqs : s->caps.max_engines;
	size_t used = 0;

	for (unsigned int i = 0; i < n; i++) {
		int g = wqs ? d->wqs[i].group_id : d->engine_group[i];
		int rc;

		if (g != (int)gid)
			continue;
		rc = emit(buf + used, len - used, "%s%s%d.%u", used ? " " : "",
			  wqs ? "wq" : "engine", d->id, i);
		if (rc < 0)
			return rc;
		used += (size_t)rc;
	}
	if (!used) {
		if (len)
			buf[0] = 0;
		return 0;
	}
	return used + 1 < len ? (int)(used + (size_t)emit(buf + used, len - used, "\n")) : -EOVERFLOW;
}

static unsigned int dev_clients(const struct idxd_sysfs_dev *d)
{
	(void)d;
	/* Clients live in each process's runtime; the shared state counts none. */
	return 0;
}

static int show_device(const struct idxd_sysfs *s, const struct idxd_sysfs_dev *d,
		       enum attr_id id, char *buf, size_t len)
{
	const struct idxd_caps *c = &s->caps;
	uint32_t w[8] = { 0 };

	switch (id) {
	case ATTR_DEVICE_version:
		return emit(buf, len, "%#x\n", idxd_sysfs_version(c));
	case ATTR_DEVICE_max_groups:
		return emit(buf, len, "%u\n", c->max_groups);
	case ATTR_DEVICE_max_work_queues:
		return emit(buf, len, "%u\n", c->max_wqs);
	case ATTR_DEVICE_max_work_queues_size:
		return emit(buf, len, "%u\n", c->max_wq_size);
	case ATTR_DEVICE_max_engines:
		return emit(buf, len, "%u\n", c->max_engines);
	case ATTR_DEVICE_numa_node:
		return emit(buf, len, "0\n");
	case ATTR_DEVICE_max_batch_size:
		return emit(buf, len, "%" PRIu32 "\n", c->max_batch_size);
	case ATTR_DEVICE_max_transfer_size:
		return emit(buf, len, "%" PRIu64 "\n", c->max_transfer_size);
	case ATTR_DEVICE_op_cap:
		idxd_sysfs_op_cap(c, w);
		return emit_bitmap(buf, len, w);
	case ATTR_DEVICE_gen_cap:
		return emit(buf, len, "%#" PRIx64 "\n", idxd_sysfs_gen_cap(c));
	case ATTR_DEVICE_configurable:
		return emit(buf, len, "%u\n", d->configurable);
	case ATTR_DEVICE_clients:
		return emit(buf, len, "%u\n", dev_clients(d));
	case ATTR_DEVICE_pasid_enabled:
		return emit(buf, len, "%u\n", c->pasid);
	case ATTR_DEVICE_state:
		return emit(buf, len, "%s\n", d->enabled ? "enabled" : "disabled");
	case ATTR_DEVICE_errors:
		return emit_bitmap(buf, len, w);
	case ATTR_DEVICE_max_tokens:
	case ATTR_DEVICE_max_read_buffers:
		return emit(buf, len, "%u\n", c->max_read_buffers);
	case ATTR_DEVICE_token_limit:
	case ATTR_DEVICE_read_buffer_limit:
		return emit(buf, len, "%u\n", d->read_buffer_limit);
	case ATTR_DEVICE_cdev_major:
		return emit(buf, len, "%u\n", IDXD_SYSFS_CDEV_MAJOR);
	case ATTR_DEVICE_cmd_status:
		return emit(buf, len, "%#" PRIx32 "\n", d->cmd_status);
	case ATTR_DEVICE_event_log_size:
		return emit(buf, len, "%u\n", d->event_log_size);
	case ATTR_DEVICE_ims_size:
		return emit(buf, len, "%u\n", 2048u);	/* GENCAP 30:25 = 8, times 256 */
	default:
		break;
	}
	return -ENOENT;
}

static int show_wq(const struct idxd_sysfs *s, const struct idxd_sysfs_wq *wq,
		   enum attr_id id, char *buf, size_t len)
{
	switch (id) {
	case ATTR_WQ_clients:
		return emit(buf, len, "0\n");
	case ATTR_WQ_state:
		return emit(buf, len, "%s\n", wq->driver ? "enabled" : "disabled");
	case ATTR_WQ_group_id:
		return emit(buf, len, "%d\n", wq->group_id);
	case ATTR_WQ_mode:
		return emit(buf, len, "%s\n", wq->dedicated ? "dedicated" : "shared");
	case ATTR_WQ_size:
		return emit(buf, len, "%u\n", wq->size);
	case ATTR_WQ_priority:
		return emit(buf, len, "%u\n", wq->priority);
	case ATTR_WQ_block_on_fault:
		return emit(buf, len, "%u\n", wq->block_on_fault);
	case ATTR_WQ_threshold:
		return emit(buf, len, "%u\n", wq->threshold);
	case ATTR_WQ_type:
		return emit(buf, len, "%s\n", idxd_cfg_wq_type_name(wq->type));
	case ATTR_WQ_name:
		return emit(buf, len, "%s\n", wq->name);
	case ATTR_WQ_driver_name:
		return emit(buf, len, "%s\n", wq->driver_name);
	case ATTR_WQ_cdev_minor:
		return wq->cdev_minor < 0 ? -ENXIO : emit(buf, len, "%d\n", wq->cdev_minor);
	case ATTR_WQ_max_transfer_size:
		return emit(buf, len, "%" PRIu64 "\n", wq->max_transfer_size);
	case ATTR_WQ_max_batch_size:
		return emit(buf, len, "%" PRIu32 "\n", wq->max_batch_size);
	case ATTR_WQ_ats_disable:
		return emit(buf, len, "%u\n", wq->ats_disable);
	case ATTR_WQ_prs_disable:
		return emit(buf, len, "%u\n", wq->prs_disable);
	case ATTR_WQ_occupancy:
		/* WQCAP's occupancy support comes with DSA 2.0; the model's WQs start empty. */
		return idxd_sysfs_version(&s->caps) < 0x200 ? -EOPNOTSUPP : emit(buf, len, "0\n");
	case ATTR_WQ_enqcmds_retries:
		return wq->dedicated ? -EOPNOTSUPP : emit(buf, len, "%u\n", wq->enqcmds_retries);
	case ATTR_WQ_op_config:
		return emit_bitmap(buf, len, wq->op_config);
	default:
		break;
	}
	return -ENOENT;
}

static int show_group(const struct idxd_sysfs *s, const struct idxd_sysfs_dev *d, unsigned int gid,
		      enum attr_id id, char *buf, size_t len)
{
	const struct idxd_sysfs_group *g = &d->groups[gid];

	switch (id) {
	case ATTR_GROUP_work_queues:
		return emit_members(s, d, gid, true, buf, len);
	case ATTR_GROUP_engines:
		return emit_members(s, d, gid, false, buf, len);
	case ATTR_GROUP_use_token_limit:
	case ATTR_GROUP_use_read_buffer_limit:
		return emit(buf, len, "%u\n", g->use_read_buffer_limit);
	case ATTR_GROUP_tokens_allowed:
	case ATTR_GROUP_read_buffers_allowed:
		return emit(buf, len, "%u\n", g->read_buffers_allowed);
	case ATTR_GROUP_tokens_reserved:
	case ATTR_GROUP_read_buffers_reserved:
		return emit(buf, len, "%u\n", g->read_buffers_reserved);
	case ATTR_GROUP_traffic_class_a:
		return emit(buf, len, "%d\n", g->traffic_class_a);
	case ATTR_GROUP_traffic_class_b:
		return emit(buf, len, "%d\n", g->traffic_class_b);
	case ATTR_GROUP_desc_progress_limit:
		return emit(buf, len, "%d\n", g->desc_progress_limit);
	case ATTR_GROUP_batch_progress_limit:
		return emit(buf, len, "%d\n", g->batch_progress_limit);
	default:
		break;
	}
	return -ENOENT;
}

int idxd_sysfs_show(const struct idxd_sysfs *s, const struct idxd_sysfs_obj *obj,
		    const char *attr, char *buf, size_t len)
{
	const struct idxd_sysfs_attr_def *a = idxd_sysfs_attr_find(s, obj->kind, attr);
	const struct idxd_sysfs_dev *d;

	if (!a || !s->loaded || obj->dev >= s->nr_devs)
		return -ENOENT;
	d = &s->devs[obj->dev];
	switch (obj->kind) {
	case IDXD_SYSFS_DEVICE:
		return show_device(s, d, a->id, buf, len);
	case IDXD_SYSFS_WQ:
		return show_wq(s, &d->wqs[obj->id], a->id, buf, len);
	case IDXD_SYSFS_GROUP:
		return show_group(s, d, obj->id, a->id, buf, len);
	case IDXD_SYSFS_ENGINE:
		return emit(buf, len, "%d\n", d->engine_group[obj->id]);
	}
	return -ENOENT;
}
