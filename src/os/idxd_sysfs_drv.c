// SPDX-License-Identifier: MIT
/*
 * Enabling and disabling: the drivers of the dsa bus (idxd for devices,
 * user and dmaengine for WQs, and the "dsa" compatibility driver that
 * binds either), the checks Linux makes when one binds (drv_enable_wq,
 * the device's enable command) with the cmd_status it leaves, module
 * unload and load, and the enabled configuration the runtime runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/idxd.h>

#include "os/idxd_config_internal.h"
#include "os/idxd_sysfs.h"
#include "os/idxd_sysfs_internal.h"

/* Device command status codes (CMDSTS) the model can leave in cmd_status. */
#define CMDSTS_DEV_CONFIG	0x11	/* unspecified error in config for device enable */
#define CMDSTS_WQ_PRIORITY	0x23	/* WQ priority is 0 */

static const char *const drv_names[IDXD_DRV_COUNT] = {
	[IDXD_DRV_NONE] = "",
	[IDXD_DRV_IDXD] = "idxd",
	[IDXD_DRV_USER] = "user",
	[IDXD_DRV_DMAENGINE] = "dmaengine",
	[IDXD_DRV_DSA] = "dsa",
};

const char *idxd_sysfs_drv_name(enum idxd_sysfs_drv d)
{
	return d < IDXD_DRV_COUNT ? drv_names[d] : "";
}

enum idxd_sysfs_drv idxd_sysfs_drv_lookup(const char *name)
{
	for (unsigned int i = 1; i < IDXD_DRV_COUNT; i++)
		if (!strcmp(name, drv_names[i]))
			return (enum idxd_sysfs_drv)i;
	return IDXD_DRV_NONE;
}

enum idxd_sysfs_drv idxd_sysfs_bound(const struct idxd_sysfs *s, const struct idxd_sysfs_obj *obj)
{
	const struct idxd_sysfs_dev *d = &s->devs[obj->dev];

	if (obj->kind == IDXD_SYSFS_DEVICE)
		return d->enabled ? IDXD_DRV_IDXD : IDXD_DRV_NONE;
	if (obj->kind == IDXD_SYSFS_WQ)
		return d->wqs[obj->id].driver;
	return IDXD_DRV_NONE;
}

static enum idxd_sysfs_drv wq_driver(enum idxd_cfg_wq_type t)
{
	return t == IDXD_CFG_WQT_USER ? IDXD_DRV_USER :
	       t == IDXD_CFG_WQT_KERNEL ? IDXD_DRV_DMAENGINE : IDXD_DRV_NONE;
}

/* Lowest minor no WQ of any device holds, as the driver's IDA hands them out. */
static int free_minor(const struct idxd_sysfs *s)
{
	for (int m = 0;; m++) {
		bool used = false;

		for (unsigned int i = 0; i < s->nr_devs && !used; i++)
			for (unsigned int j = 0; j < s->caps.max_wqs && !used; j++)
				used = s->devs[i].wqs[j].cdev_minor == m;
		if (!used)
			return m;
	}
}

void idxd_sysfs_wq_start(struct idxd_sysfs *s, struct idxd_sysfs_dev *d, struct idxd_sysfs_wq *wq)
{
	(void)d;
	wq->driver = wq_driver(wq->type);
	wq->cdev_minor = wq->driver == IDXD_DRV_USER ? free_minor(s) : -1;
}

static void wq_stop(struct idxd_sysfs_wq *wq)
{
	wq->driver = IDXD_DRV_NONE;
	wq->cdev_minor = -1;
}

/* ---- configurations ---- */

typedef bool (*wq_pick)(const struct idxd_sysfs_wq *wq, const struct idxd_sysfs_wq *extra);

static int add_device(struct idxd_config *cfg, const struct idxd_sysfs *s,
		      const struct idxd_sysfs_dev *d, wq_pick pick,
		      const struct idxd_sysfs_wq *extra, enum idxd_cfg_wq_state state)
{
	const struct idxd_caps *c = &s->caps;
	struct idxd_cfg_device *cd = &cfg->devices[cfg->nr_devices++];

	cd->id = d->id;
	cd->read_buffer_limit = d->read_buffer_limit;
	cd->event_log_size = c->event_log ? (int)d->event_log_size : -1;
	for (unsigned int i = 0; i < c->max_groups; i++) {
		struct idxd_cfg_group *g = &cd->groups[cd->nr_groups++];
		const struct idxd_sysfs_group *sg = &d->groups[i];

		idxd_cfg_group_init(g, (int)i, c);
		g->read_buffers_reserved = sg->read_buffers_reserved;
		g->read_buffers_allowed = sg->read_buffers_allowed;
		g->use_read_buffer_limit = sg->use_read_buffer_limit;
		g->traffic_class_a = sg->traffic_class_a;
		g->traffic_class_b = sg->traffic_class_b;
		if (c->progress_limit) {
			g->desc_progress_limit = sg->desc_progress_limit;
			g->batch_progress_limit = sg->batch_progress_limit;
		}
	}
	for (unsigned int i = 0; i < c->max_engines; i++) {
		struct idxd_cfg_engine *e = &cd->engines[cd->nr_engines++];

		e->id = (int)i;
		e->group_id = d->engine_group[i];
	}
	for (unsigned int i = 0; i < c->max_wqs; i++) {
		const struct idxd_sysfs_wq *wq = &d->wqs[i];
		struct idxd_cfg_wq *cw;
		const char *drv;

		if (!pick(wq, extra))
			continue;
		cw = &cd->wqs[cd->nr_wqs++];
		idxd_cfg_wq_init(cw, (int)i, wq->group_id);
		cw->mode = wq->dedicated ? IDXD_CFG_WQ_DEDICATED : IDXD_CFG_WQ_SHARED;
		cw->size = wq->size;
		cw->priority = wq->priority;
		cw->block_on_fault = wq->block_on_fault;
		cw->threshold = wq->threshold;
		cw->max_batch_size = wq->max_batch_size;
		cw->max_transfer_size = wq->max_transfer_size;
		cw->type = wq->type;
		cw->ats_disable = wq->ats_disable;
		cw->prs_disable = wq->prs_disable;
		cw->has_op_config = c->op_config;
		memcpy(cw->op_config, wq->op_config, sizeof(cw->op_config));
		cw->state = state;
		/* An unset driver_name is the one the type binds to. */
		drv = wq->driver_name[0] ? wq->driver_name : idxd_sysfs_drv_name(wq_driver(wq->type));
		cw->name = strdup(wq->name);
		cw->driver_name = strdup(drv);
		if (!cw->name || !cw->driver_name)
			return -ENOMEM;
	}
	return 0;
}

static bool pick_enabled(const struct idxd_sysfs_wq *wq, const struct idxd_sysfs_wq *extra)
{
	return wq->driver != IDXD_DRV_NONE || wq == extra;
}

static bool pick_grouped(const struct idxd_sysfs_wq *wq, const struct idxd_sysfs_wq *extra)
{
	(void)extra;
	return wq->group_id >= 0;
}

struct idxd_config *idxd_sysfs_enabled(const struct idxd_sysfs *s)
{
	struct idxd_config *cfg = idxd_cfg_alloc(&s->caps);

	for (unsigned int i = 0; cfg && s->loaded && i < s->nr_devs; i++) {
		if (!s->devs[i].enabled)
			continue;
		if (add_device(cfg, s, &s->devs[i], pick_enabled, NULL, IDXD_CFG_WQS_ENABLED)) {
			idxd_config_free(cfg);
			return NULL;
		}
	}
	return cfg;
}

char *idxd_sysfs_enabled_json(const struct idxd_sysfs *s)
{
	struct idxd_config *cfg = idxd_sysfs_enabled(s);
	char *json;

	if (!cfg)
		return NULL;
	json = cfg->nr_devices ? idxd_config_to_json(cfg) : strdup("[]\n");
	idxd_config_free(cfg);
	return json;
}

/*
 * Would the model run device @d with @wq enabled too?  The enabled
 * configuration, written as the runtime receives it and read back, must
 * pass validation: that catches what sysfs lets through and the model
 * refuses (a name used twice, a name that is not UTF-8, a group without
 * engines).
 */
static int model_accepts(const struct idxd_sysfs *s, const struct idxd_sysfs_dev *d,
			 const struct idxd_sysfs_wq *wq)
{
	struct idxd_config *cfg = idxd_cfg_alloc(&s->caps), *back = NULL;
	char err[IDXD_CFG_ERR_LEN];
	char *json = NULL;
	int rc = cfg ? add_device(cfg, s, d, pick_enabled, wq, IDXD_CFG_WQS_ENABLED) : -ENOMEM;

	if (!rc)
		rc = idxd_config_validate(cfg, err, sizeof(err));
	if (!rc)
		rc = (json = idxd_config_to_json(cfg)) ? 0 : -ENOMEM;
	if (!rc)
		rc = idxd_config_parse_string(json, &s->caps, &back, err, sizeof(err));
	free(json);
	idxd_config_free(back);
	idxd_config_free(cfg);
	return rc == -ENOMEM ? rc : rc ? -EINVAL : 0;
}

/* ---- bind and unbind ---- */

/* The object written to bind/unbind (newline allowed) and its device; -ENODEV when none. */
static int written_obj(struct idxd_sysfs *s, const char *buf, size_t len,
		       struct idxd_sysfs_obj *obj, struct idxd_sysfs_dev **d)
{
	char name[64];

	if (len && buf[len - 1] == '\n')
		len--;
	if (!len || len >= sizeof(name) || memchr(buf, 0, len))
		return -ENODEV;
	memcpy(name, buf, len);
	name[len] = 0;
	if (idxd_sysfs_lookup(s, name, obj))
		return -ENODEV;
	*d = &s->devs[obj->dev];
	return 0;
}

static int enable_device(struct idxd_sysfs *s, struct idxd_sysfs_dev *d)
{
	struct idxd_config *cfg;
	int rc;

	if (d->enabled)
		return -EBUSY;
	cfg = idxd_cfg_alloc(&s->caps);
	rc = cfg ? add_device(cfg, s, d, pick_grouped, NULL, IDXD_CFG_WQS_DISABLED) : -ENOMEM;
	if (!rc && !cfg->devices[0].nr_wqs) {
		d->cmd_status = IDXD_SCMD_WQ_NONE_CONFIGURED;
		rc = -EINVAL;
	} else if (!rc && idxd_config_validate(cfg, NULL, 0)) {
		/* The device's enable command refuses the group and WQ tables. */
		d->cmd_status = CMDSTS_DEV_CONFIG;
		rc = -ENXIO;
	}
	idxd_config_free(cfg);
	if (!rc) {
		d->enabled = true;
		d->cmd_status = 0;
	}
	return rc;
}

static int enable_wq(struct idxd_sysfs *s, enum idxd_sysfs_drv drv, struct idxd_sysfs_dev *d,
		     struct idxd_sysfs_wq *wq)
{
	int rc;

	if (wq->driver)
		return -EBUSY;
	/* The bus matches a WQ to the driver of its type (and of its driver_name). */
	if (wq_driver(wq->type) != drv ||
	    (wq->driver_name[0] && strcmp(wq->driver_name, idxd_sysfs_drv_name(drv))))
		return -ENODEV;
	if (!d->enabled) {
		d->cmd_status = IDXD_SCMD_DEV_NOT_ENABLED;
		return -ENXIO;
	}
	if (wq->group_id < 0) {
		d->cmd_status = IDXD_SCMD_WQ_NO_GRP;
		return -EINVAL;
	}
	if (!wq->name[0]) {
		d->cmd_status = IDXD_SCMD_WQ_NO_NAME;
		return -EINVAL;
	}
	if (!wq->dedicated && (!s->caps.shared_mode || !s->caps.pasid)) {
		d->cmd_status = IDXD_SCMD_WQ_NO_SWQ_SUPPORT;
		return -ENODEV;
	}
	if (!wq->dedicated && !wq->threshold) {
		d->cmd_status = IDXD_SCMD_WQ_NO_THRESH;
		return -EINVAL;
	}
	if (!wq->size) {
		d->cmd_status = IDXD_SCMD_WQ_NO_SIZE;
		return -EINVAL;
	}
	if (drv == IDXD_DRV_USER && !s->caps.pasid) {
		d->cmd_status = IDXD_SCMD_WQ_USER_NO_IOMMU;
		return -EOPNOTSUPP;
	}
	if (!wq->priority) {
		d->cmd_status = CMDSTS_WQ_PRIORITY;
		return -ENXIO;
	}
	rc = model_accepts(s, d, wq);
	if (rc)
		return rc;
	idxd_sysfs_wq_start(s, d, wq);
	return 0;
}

int idxd_sysfs_bind(struct idxd_sysfs *s, enum idxd_sysfs_drv drv, const char *buf, size_t len)
{
	struct idxd_sysfs_obj obj;
	struct idxd_sysfs_dev *d;
	int rc = written_obj(s, buf, len, &obj, &d);

	if (rc)
		return rc;
	if (obj.kind == IDXD_SYSFS_DEVICE && (drv == IDXD_DRV_IDXD || drv == IDXD_DRV_DSA))
		return enable_device(s, d);
	if (obj.kind == IDXD_SYSFS_WQ && drv != IDXD_DRV_IDXD) {
		struct idxd_sysfs_wq *wq = &d->wqs[obj.id];

		/* The compatibility driver binds a WQ with the driver of its type. */
		if (drv == IDXD_DRV_DSA)
			drv = wq_driver(wq->type);
		return drv == IDXD_DRV_NONE ? -ENODEV : enable_wq(s, drv, d, wq);
	}
	return -ENODEV;
}

int idxd_sysfs_unbind(struct idxd_sysfs *s, enum idxd_sysfs_drv drv, const char *buf, size_t len)
{
	struct idxd_sysfs_obj obj;
	struct idxd_sysfs_dev *d;
	int rc = written_obj(s, buf, len, &obj, &d);

	if (rc)
		return rc;
	if (idxd_sysfs_bound(s, &obj) == IDXD_DRV_NONE ||
	    (drv != IDXD_DRV_DSA && idxd_sysfs_bound(s, &obj) != drv))
		return -ENODEV;
	if (obj.kind == IDXD_SYSFS_WQ) {
		wq_stop(&d->wqs[obj.id]);
		return 0;
	}
	/* A device's remove disables its WQs first. */
	for (unsigned int i = 0; i < s->caps.max_wqs; i++)
		wq_stop(&d->wqs[i]);
	d->enabled = false;
	return 0;
}

void idxd_sysfs_module_unload(struct idxd_sysfs *s)
{
	for (unsigned int i = 0; i < s->nr_devs; i++) {
		for (unsigned int j = 0; j < s->caps.max_wqs; j++)
			wq_stop(&s->devs[i].wqs[j]);
		s->devs[i].enabled = false;
	}
	s->loaded = false;
}

void idxd_sysfs_module_load(struct idxd_sysfs *s)
{
	if (s->loaded)
		return;
	/* Probe resets each device; a configurable one comes up unconfigured. */
	for (unsigned int i = 0; i < s->nr_devs; i++)
		idxd_sysfs_dev_reset(&s->devs[i], &s->caps);
	s->loaded = true;
}
