// SPDX-License-Identifier: MIT
/*
 * The other half of idxd_config: capabilities, the default configuration,
 * writing accel-config JSON, comparison, lookups and freeing.
 *
 * The writer emits what `accel-config save-config` would for this device:
 * same keys, same order, same types, json-c's two-space pretty print.  Keys
 * a DSA 1.0 device has no attribute for (prs_disable, op_config,
 * event_log_size, progress limits) are written only when the capabilities
 * say the device has them, as save-config does.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "os/idxd_config.h"
#include "os/idxd_config_internal.h"

struct idxd_caps idxd_caps_default(void)
{
	return (struct idxd_caps){
		.max_wqs = 8,
		.max_wq_size = 128,
		.max_groups = 4,
		.max_engines = 4,
		.max_read_buffers = 96,
		.max_batch_size = 1024,
		.max_transfer_size = 2ull << 30,
		.min_priority = 1,
		.max_priority = 15,
		.shared_mode = true,
		.dedicated_mode = true,
		.pasid = true,
		.block_on_fault = true,
		.read_buffer_limit = true,
		.wq_ats_disable = true,
	};
}

struct idxd_config *idxd_cfg_alloc(const struct idxd_caps *caps)
{
	struct idxd_config *cfg = calloc(1, sizeof(*cfg));

	if (cfg)
		cfg->caps = caps ? *caps : idxd_caps_default();
	return cfg;
}

void idxd_cfg_wq_init(struct idxd_cfg_wq *wq, int id, int group_id)
{
	memset(wq, 0, sizeof(*wq));
	wq->id = id;
	wq->group_id = group_id;
	wq->max_batch_size = IDXD_WQ_DEFAULT_MAX_BATCH;
	wq->max_transfer_size = IDXD_WQ_DEFAULT_MAX_XFER;
	wq->cdev_minor = -1;
	wq->state = IDXD_CFG_WQS_ENABLED;
}

void idxd_cfg_group_init(struct idxd_cfg_group *g, int id, const struct idxd_caps *caps)
{
	memset(g, 0, sizeof(*g));
	g->id = id;
	g->read_buffers_allowed = caps->max_read_buffers;
	g->traffic_class_a = -1;
	g->traffic_class_b = -1;
	g->desc_progress_limit = -1;
	g->batch_progress_limit = -1;
}

/* One more line in a bounded list; past the end, lines are counted, not kept. */
static void add_line(char (*lines)[IDXD_CFG_NOTE_LEN], unsigned int *n, unsigned int *dropped,
		     const char *fmt, va_list ap)
{
	if (*n == IDXD_CFG_MAX_NOTES) {
		(*dropped)++;
		return;
	}
	vsnprintf(lines[(*n)++], IDXD_CFG_NOTE_LEN, fmt, ap);
}

void idxd_cfg_note(struct idxd_config *cfg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(cfg->notes, &cfg->nr_notes, &cfg->notes_dropped, fmt, ap);
	va_end(ap);
}

void idxd_cfg_unmodelled(struct idxd_config *cfg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(cfg->unmodelled, &cfg->nr_unmodelled, &cfg->unmodelled_dropped, fmt, ap);
	va_end(ap);
}

const char *idxd_cfg_dev_prefix(const struct idxd_cfg_device *dev)
{
	return dev->iaa ? "iax" : "dsa";
}

const struct idxd_cfg_device *idxd_cfg_find_device(const struct idxd_config *cfg, int id)
{
	for (unsigned int i = 0; i < cfg->nr_devices; i++)
		if (cfg->devices[i].id == id)
			return &cfg->devices[i];
	return NULL;
}

void idxd_config_free(struct idxd_config *cfg)
{
	if (!cfg)
		return;
	for (unsigned int i = 0; i < cfg->nr_devices; i++) {
		struct idxd_cfg_device *dev = &cfg->devices[i];

		for (unsigned int j = 0; j < dev->nr_wqs; j++) {
			free(dev->wqs[j].name);
			free(dev->wqs[j].driver_name);
		}
	}
	free(cfg);
}

/* --- the default configuration --- */

static bool add_wq(struct idxd_cfg_device *dev, int id, int gid, enum idxd_cfg_wq_mode mode,
		   unsigned int size, bool bof, const char *name)
{
	struct idxd_cfg_wq *wq = &dev->wqs[dev->nr_wqs++];

	idxd_cfg_wq_init(wq, id, gid);
	wq->mode = mode;
	wq->size = size;
	/* One slot stays free of the limited portal, as accel-config advises. */
	wq->threshold = mode == IDXD_CFG_WQ_SHARED ? size - 1 : 0;
	wq->priority = 10;
	wq->block_on_fault = bof;
	wq->type = IDXD_CFG_WQT_USER;
	wq->name = strdup(name);
	wq->driver_name = strdup("user");
	return wq->name && wq->driver_name;
}

struct idxd_config *idxd_config_default(void)
{
	struct idxd_config *cfg = idxd_cfg_alloc(NULL);
	struct idxd_cfg_device *dev;
	bool ok;

	if (!cfg)
		return NULL;
	cfg->nr_devices = 1;
	dev = &cfg->devices[0];
	dev->event_log_size = -1;
	dev->nr_groups = 2;
	idxd_cfg_group_init(&dev->groups[0], 0, &cfg->caps);
	idxd_cfg_group_init(&dev->groups[1], 1, &cfg->caps);
	/* Shared: faults become page requests.  Dedicated: partial completions. */
	ok = add_wq(dev, 0, 0, IDXD_CFG_WQ_SHARED, 16, true, "app");
	ok = add_wq(dev, 1, 1, IDXD_CFG_WQ_DEDICATED, 8, false, "app_dedicated") && ok;
	dev->nr_engines = 4;
	for (int i = 0; i < 4; i++)
		dev->engines[i] = (struct idxd_cfg_engine){ .id = i, .group_id = i / 2 };
	if (!ok) {
		idxd_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* --- names and lookups --- */

const char *idxd_cfg_wq_mode_name(enum idxd_cfg_wq_mode m)
{
	return m == IDXD_CFG_WQ_SHARED ? "shared" : "dedicated";
}

const char *idxd_cfg_wq_type_name(enum idxd_cfg_wq_type t)
{
	static const char *const n[] = { "none", "kernel", "user", "mdev" };

	return (unsigned int)t < 4 ? n[t] : "?";
}

const char *idxd_cfg_wq_state_name(enum idxd_cfg_wq_state s)
{
	static const char *const n[] = { "enabled", "disabled", "quiescing", "locked", "unknown" };

	return (unsigned int)s < 5 ? n[s] : "?";
}

bool idxd_cfg_wq_enabled(const struct idxd_cfg_wq *wq)
{
	return wq->state == IDXD_CFG_WQS_ENABLED && wq->type != IDXD_CFG_WQT_NONE;
}

const struct idxd_cfg_wq *idxd_cfg_find_wq(const struct idxd_cfg_device *dev, int id)
{
	for (unsigned int i = 0; i < dev->nr_wqs; i++)
		if (dev->wqs[i].id == id)
			return &dev->wqs[i];
	return NULL;
}

const struct idxd_cfg_group *idxd_cfg_find_group(const struct idxd_cfg_device *dev, int id)
{
	for (unsigned int i = 0; i < dev->nr_groups; i++)
		if (dev->groups[i].id == id)
			return &dev->groups[i];
	return NULL;
}

/* --- writing --- */

static void put(struct json_object *o, const char *k, struct json_object *v)
{
	json_object_object_add(o, k, v);
}

static struct json_object *dev_name(const char *prefix, int d, int n)
{
	char buf[32];

	if (n < 0)
		snprintf(buf, sizeof(buf), "%s%d", prefix, d);
	else
		snprintf(buf, sizeof(buf), "%s%d.%d", prefix, d, n);
	return json_object_new_string(buf);
}

static struct json_object *op_config_json(const uint32_t w[8])
{
	char buf[8 * 9 + 1];
	size_t n = 0;

	for (int i = 7; i >= 0; i--)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%08x%s", w[i], i ? "," : "");
	return json_object_new_string(buf);
}

static struct json_object *wq_json(const struct idxd_config *cfg, int d,
				   const struct idxd_cfg_wq *wq)
{
	struct json_object *o = json_object_new_object();

	put(o, "dev", dev_name("wq", d, wq->id));
	put(o, "mode", json_object_new_string(idxd_cfg_wq_mode_name(wq->mode)));
	put(o, "size", json_object_new_int64(wq->size));
	put(o, "group_id", json_object_new_int(wq->group_id));
	put(o, "priority", json_object_new_int64(wq->priority));
	put(o, "block_on_fault", json_object_new_int(wq->block_on_fault));
	put(o, "max_batch_size", json_object_new_int64(wq->max_batch_size));
	put(o, "max_transfer_size", json_object_new_int64((int64_t)wq->max_transfer_size));
	put(o, "type", json_object_new_string(idxd_cfg_wq_type_name(wq->type)));
	put(o, "name", json_object_new_string(wq->name));
	if (wq->driver_name[0])
		put(o, "driver_name", json_object_new_string(wq->driver_name));
	put(o, "threshold", json_object_new_int64(wq->threshold));
	if (cfg->caps.wq_prs_disable || wq->prs_disable)
		put(o, "prs_disable", json_object_new_int(wq->prs_disable));
	put(o, "ats_disable", json_object_new_int(wq->ats_disable));
	if (wq->has_op_config)
		put(o, "op_config", op_config_json(wq->op_config));
	if (wq->cdev_minor >= 0)
		put(o, "cdev_minor", json_object_new_int(wq->cdev_minor));
	if (wq->state != IDXD_CFG_WQS_ENABLED)
		put(o, "state", json_object_new_string(idxd_cfg_wq_state_name(wq->state)));
	return o;
}

static struct json_object *engine_json(int d, const struct idxd_cfg_engine *e)
{
	struct json_object *o = json_object_new_object();

	put(o, "dev", dev_name("engine", d, e->id));
	if (e->group_id >= 0)
		put(o, "group_id", json_object_new_int(e->group_id));
	return o;
}

/* The WQs (or engines) of group @gid, in file order; NULL when there are none. */
static struct json_object *members_json(const struct idxd_config *cfg,
					const struct idxd_cfg_device *dev, int gid, bool wqs)
{
	struct json_object *a = json_object_new_array();
	unsigned int n = wqs ? dev->nr_wqs : dev->nr_engines;

	for (unsigned int i = 0; i < n; i++) {
		if (wqs && dev->wqs[i].group_id == gid)
			json_object_array_add(a, wq_json(cfg, dev->id, &dev->wqs[i]));
		else if (!wqs && dev->engines[i].group_id == gid)
			json_object_array_add(a, engine_json(dev->id, &dev->engines[i]));
	}
	if (!json_object_array_length(a)) {
		json_object_put(a);
		return NULL;
	}
	return a;
}

static struct json_object *group_json(const struct idxd_config *cfg,
				      const struct idxd_cfg_device *dev,
				      const struct idxd_cfg_group *g)
{
	struct json_object *o = json_object_new_object(), *m;

	put(o, "dev", dev_name("group", dev->id, g->id));
	put(o, "read_buffers_reserved", json_object_new_int64(g->read_buffers_reserved));
	put(o, "use_read_buffer_limit", json_object_new_int(g->use_read_buffer_limit));
	put(o, "read_buffers_allowed", json_object_new_int64(g->read_buffers_allowed));
	if (g->traffic_class_a >= 0 || g->traffic_class_b >= 0) {
		put(o, "traffic_class_a", json_object_new_int(g->traffic_class_a));
		put(o, "traffic_class_b", json_object_new_int(g->traffic_class_b));
	}
	if (g->desc_progress_limit >= 0)
		put(o, "desc_progress_limit", json_object_new_int(g->desc_progress_limit));
	if (g->batch_progress_limit >= 0)
		put(o, "batch_progress_limit", json_object_new_int(g->batch_progress_limit));
	m = members_json(cfg, dev, g->id, true);
	if (m)
		put(o, "grouped_workqueues", m);
	m = members_json(cfg, dev, g->id, false);
	if (m)
		put(o, "grouped_engines", m);
	return o;
}

static struct json_object *device_json(const struct idxd_config *cfg,
				       const struct idxd_cfg_device *dev)
{
	struct json_object *o = json_object_new_object(), *groups, *m;

	put(o, "dev", dev_name(idxd_cfg_dev_prefix(dev), dev->id, -1));
	put(o, "read_buffer_limit", json_object_new_int64(dev->read_buffer_limit));
	if (dev->event_log_size >= 0)
		put(o, "event_log_size", json_object_new_int(dev->event_log_size));
	groups = json_object_new_array();
	for (unsigned int i = 0; i < dev->nr_groups; i++)
		json_object_array_add(groups, group_json(cfg, dev, &dev->groups[i]));
	put(o, "groups", groups);
	m = members_json(cfg, dev, -1, false);
	if (m)
		put(o, "ungrouped_engines", m);
	m = members_json(cfg, dev, -1, true);
	if (m)
		put(o, "ungrouped_workqueues", m);
	return o;
}

char *idxd_config_to_json(const struct idxd_config *cfg)
{
	struct json_object *root = json_object_new_array();
	char *s;

	if (!root)
		return NULL;
	for (unsigned int i = 0; i < cfg->nr_devices; i++)
		json_object_array_add(root, device_json(cfg, &cfg->devices[i]));
	s = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
						  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return s;
}

/* --- comparison --- */

static bool wq_equal(const struct idxd_cfg_wq *a, const struct idxd_cfg_wq *b)
{
	return a->id == b->id && a->group_id == b->group_id && a->mode == b->mode &&
	       a->size == b->size && a->priority == b->priority &&
	       a->block_on_fault == b->block_on_fault && a->threshold == b->threshold &&
	       a->max_batch_size == b->max_batch_size &&
	       a->max_transfer_size == b->max_transfer_size && a->type == b->type &&
	       !strcmp(a->name, b->name) && !strcmp(a->driver_name, b->driver_name) &&
	       a->ats_disable == b->ats_disable && a->prs_disable == b->prs_disable &&
	       a->has_op_config == b->has_op_config &&
	       !memcmp(a->op_config, b->op_config, sizeof(a->op_config)) &&
	       a->cdev_minor == b->cdev_minor && a->state == b->state;
}

static bool group_equal(const struct idxd_cfg_group *a, const struct idxd_cfg_group *b)
{
	return a->id == b->id && a->read_buffers_reserved == b->read_buffers_reserved &&
	       a->use_read_buffer_limit == b->use_read_buffer_limit &&
	       a->read_buffers_allowed == b->read_buffers_allowed &&
	       a->traffic_class_a == b->traffic_class_a &&
	       a->traffic_class_b == b->traffic_class_b &&
	       a->desc_progress_limit == b->desc_progress_limit &&
	       a->batch_progress_limit == b->batch_progress_limit;
}

/*
 * Same devices, groups, WQs and engines.  WQs and engines are compared by
 * id, not by position: the writer regroups them under their groups.
 */
static bool device_equal(const struct idxd_cfg_device *a, const struct idxd_cfg_device *b)
{
	if (a->id != b->id || a->iaa != b->iaa || a->read_buffer_limit != b->read_buffer_limit ||
	    a->event_log_size != b->event_log_size || a->nr_groups != b->nr_groups ||
	    a->nr_wqs != b->nr_wqs || a->nr_engines != b->nr_engines)
		return false;
	for (unsigned int i = 0; i < a->nr_groups; i++)
		if (!group_equal(&a->groups[i], &b->groups[i]))
			return false;
	for (unsigned int i = 0; i < a->nr_wqs; i++) {
		const struct idxd_cfg_wq *o = idxd_cfg_find_wq(b, a->wqs[i].id);

		if (!o || !wq_equal(&a->wqs[i], o))
			return false;
	}
	for (unsigned int i = 0; i < a->nr_engines; i++) {
		bool found = false;

		for (unsigned int j = 0; j < b->nr_engines; j++)
			found |= a->engines[i].id == b->engines[j].id &&
				 a->engines[i].group_id == b->engines[j].group_id;
		if (!found)
			return false;
	}
	return true;
}

bool idxd_config_equal(const struct idxd_config *a, const struct idxd_config *b)
{
	if (a->nr_devices != b->nr_devices)
		return false;
	for (unsigned int i = 0; i < a->nr_devices; i++)
		if (!device_equal(&a->devices[i], &b->devices[i]))
			return false;
	return true;
}
