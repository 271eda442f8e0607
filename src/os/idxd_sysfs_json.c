// SPDX-License-Identifier: MIT
/*
 * The idxd sysfs state as JSON (state.json of a native run): written after
 * every store, read by every process that stores or renders.  Each field
 * is described once, in a table, so that writing and reading cannot drift;
 * reading checks every value against its range and every array against
 * the capabilities, so a damaged file is refused, never half believed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "os/idxd_sysfs.h"
#include "os/idxd_sysfs_internal.h"

#define FORMAT_NAME "sva-idxd-sysfs"

enum ftype { F_BOOL, F_U32, F_I32, F_U64, F_STR };

struct field {
	const char *key;
	enum ftype type;
	size_t off;
	int64_t min;
	uint64_t max;		/* F_STR: buffer size */
};

#define FB(st, m) { #m, F_BOOL, offsetof(struct st, m), 0, 1 }
#define FU(st, m, lo, hi) { #m, F_U32, offsetof(struct st, m), lo, hi }
#define FI(st, m, lo, hi) { #m, F_I32, offsetof(struct st, m), lo, hi }
#define FL(st, m, hi) { #m, F_U64, offsetof(struct st, m), 0, hi }
#define FS(st, m) { #m, F_STR, offsetof(struct st, m), 0, sizeof(((struct st *)0)->m) }
#define END { NULL, F_BOOL, 0, 0, 0 }

static const struct field caps_fields[] = {
	FU(idxd_caps, max_wqs, 1, IDXD_CFG_MAX_WQS),
	FU(idxd_caps, max_wq_size, 1, 65535),
	FU(idxd_caps, max_groups, 1, IDXD_CFG_MAX_GROUPS),
	FU(idxd_caps, max_engines, 1, IDXD_CFG_MAX_ENGINES),
	FU(idxd_caps, max_read_buffers, 0, 255),
	FU(idxd_caps, max_batch_size, 1, 1u << 15),
	FL(idxd_caps, max_transfer_size, 1ull << 31),
	FU(idxd_caps, min_priority, 0, 15),
	FU(idxd_caps, max_priority, 0, 15),
	FB(idxd_caps, shared_mode),
	FB(idxd_caps, dedicated_mode),
	FB(idxd_caps, pasid),
	FB(idxd_caps, block_on_fault),
	FB(idxd_caps, read_buffer_limit),
	FB(idxd_caps, wq_ats_disable),
	FB(idxd_caps, wq_prs_disable),
	FB(idxd_caps, op_config),
	FB(idxd_caps, progress_limit),
	FB(idxd_caps, event_log),
	END,
};

static const struct field dev_fields[] = {
	FI(idxd_sysfs_dev, id, 0, 1000000),
	FB(idxd_sysfs_dev, configurable),
	FB(idxd_sysfs_dev, enabled),
	FU(idxd_sysfs_dev, cmd_status, 0, UINT32_MAX),
	FU(idxd_sysfs_dev, read_buffer_limit, 0, 255),
	FU(idxd_sysfs_dev, event_log_size, 0, 65535),
	END,
};

static const struct field wq_fields[] = {
	FI(idxd_sysfs_wq, group_id, -1, IDXD_CFG_MAX_GROUPS - 1),
	FB(idxd_sysfs_wq, dedicated),
	FU(idxd_sysfs_wq, size, 0, 65535),
	FU(idxd_sysfs_wq, priority, 0, 15),
	FU(idxd_sysfs_wq, threshold, 0, 65535),
	FB(idxd_sysfs_wq, block_on_fault),
	FB(idxd_sysfs_wq, ats_disable),
	FB(idxd_sysfs_wq, prs_disable),
	FU(idxd_sysfs_wq, max_batch_size, 1, UINT32_MAX),
	FL(idxd_sysfs_wq, max_transfer_size, UINT64_MAX),
	FU(idxd_sysfs_wq, type, 0, IDXD_CFG_WQT_MDEV),
	FS(idxd_sysfs_wq, name),
	FS(idxd_sysfs_wq, driver_name),
	FU(idxd_sysfs_wq, op_config[0], 0, UINT32_MAX),
	FU(idxd_sysfs_wq, op_config[1], 0, UINT32_MAX),
	FU(idxd_sysfs_wq, op_config[2], 0, UINT32_MAX),
	FU(idxd_sysfs_wq, op_config[3], 0, UINT32_MAX),
	FU(idxd_sysfs_wq, op_config[4], 0, UINT32_MAX),
	FU(idxd_sysfs_wq, op_config[5], 0, UINT32_MAX),
	FU(idxd_sysfs_wq, op_config[6], 0, UINT32_MAX),
	FU(idxd_sysfs_wq, op_config[7], 0, UINT32_MAX),
	FU(idxd_sysfs_wq, enqcmds_retries, 0, IDXD_SYSFS_ENQCMDS_MAX),
	FU(idxd_sysfs_wq, driver, 0, IDXD_DRV_DMAENGINE),
	FI(idxd_sysfs_wq, cdev_minor, -1, 1 << 20),
	END,
};

static const struct field group_fields[] = {
	FU(idxd_sysfs_group, read_buffers_reserved, 0, 255),
	FU(idxd_sysfs_group, read_buffers_allowed, 0, 255),
	FB(idxd_sysfs_group, use_read_buffer_limit),
	FI(idxd_sysfs_group, traffic_class_a, -1, 7),
	FI(idxd_sysfs_group, traffic_class_b, -1, 7),
	FI(idxd_sysfs_group, desc_progress_limit, 0, 3),
	FI(idxd_sysfs_group, batch_progress_limit, 0, 3),
	END,
};

/* ---- writing ---- */

static struct json_object *fields_json(const struct field *f, const void *base)
{
	struct json_object *o = json_object_new_object();
	const char *p = base;

	for (; o && f->key; f++) {
		struct json_object *v = NULL;

		switch (f->type) {
		case F_BOOL:
			v = json_object_new_boolean(*(const bool *)(p + f->off));
			break;
		case F_U32:
			v = json_object_new_int64(*(const uint32_t *)(p + f->off));
			break;
		case F_I32:
			v = json_object_new_int(*(const int32_t *)(p + f->off));
			break;
		case F_U64:
			v = json_object_new_uint64(*(const uint64_t *)(p + f->off));
			break;
		case F_STR:
			v = json_object_new_string(p + f->off);
			break;
		}
		if (!v || json_object_object_add(o, f->key, v)) {
			json_object_put(v);
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

static bool add(struct json_object *o, const char *k, struct json_object *v)
{
	if (!v || (json_object_is_type(o, json_type_array) ? json_object_array_add(o, v) :
		   json_object_object_add(o, k, v))) {
		json_object_put(v);
		return false;
	}
	return true;
}

static struct json_object *dev_json(const struct idxd_sysfs *s, const struct idxd_sysfs_dev *d)
{
	struct json_object *o = fields_json(dev_fields, d);
	struct json_object *wqs = json_object_new_array(), *groups = json_object_new_array(),
			   *engines = json_object_new_array();
	bool ok = o && wqs && groups && engines;

	for (unsigned int i = 0; ok && i < s->caps.max_wqs; i++)
		ok = add(wqs, NULL, fields_json(wq_fields, &d->wqs[i]));
	for (unsigned int i = 0; ok && i < s->caps.max_groups; i++)
		ok = add(groups, NULL, fields_json(group_fields, &d->groups[i]));
	for (unsigned int i = 0; ok && i < s->caps.max_engines; i++)
		ok = add(engines, NULL, json_object_new_int(d->engine_group[i]));
	ok = ok && add(o, "wqs", wqs);
	wqs = NULL;
	ok = ok && add(o, "groups", groups);
	groups = NULL;
	ok = ok && add(o, "engines", engines);
	engines = NULL;
	json_object_put(wqs);
	json_object_put(groups);
	json_object_put(engines);
	if (!ok) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

char *idxd_sysfs_save(const struct idxd_sysfs *s)
{
	struct json_object *root = json_object_new_object(), *devs = json_object_new_array();
	bool ok = root && devs;
	char *text = NULL;

	ok = ok && add(root, "format", json_object_new_string(FORMAT_NAME));
	ok = ok && add(root, "version", json_object_new_int(IDXD_SYSFS_VERSION));
	ok = ok && add(root, "loaded", json_object_new_boolean(s->loaded));
	ok = ok && add(root, "caps", fields_json(caps_fields, &s->caps));
	for (unsigned int i = 0; ok && i < s->nr_devs; i++)
		ok = add(devs, NULL, dev_json(s, &s->devs[i]));
	ok = ok && add(root, "devices", devs);
	if (!ok)
		json_object_put(devs);
	if (ok) {
		const char *t = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_SPACED);

		text = t ? malloc(strlen(t) + 2) : NULL;
		if (text)
			sprintf(text, "%s\n", t);
	}
	json_object_put(root);
	return text;
}

/* ---- reading ---- */

struct lctx {
	char *err;
	size_t errlen;
};

static int lerr(struct lctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int lerr(struct lctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err && c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int fields_load(struct lctx *c, const char *where, const struct field *f,
		       struct json_object *o, void *base)
{
	char *p = base;

	if (!json_object_is_type(o, json_type_object))
		return lerr(c, "%s: not an object", where);
	for (; f->key; f++) {
		struct json_object *v;

		if (!json_object_object_get_ex(o, f->key, &v))
			return lerr(c, "%s: missing \"%s\"", where, f->key);
		if (f->type == F_STR) {
			const char *sv = json_object_get_string(v);

			if (!json_object_is_type(v, json_type_string) ||
			    (size_t)json_object_get_string_len(v) >= f->max ||
			    strlen(sv) != (size_t)json_object_get_string_len(v))
				return lerr(c, "%s: \"%s\" is not a string that fits", where, f->key);
			memcpy(p + f->off, sv, strlen(sv) + 1);
			continue;
		}
		if (f->type == F_BOOL) {
			if (!json_object_is_type(v, json_type_boolean))
				return lerr(c, "%s: \"%s\" is not true or false", where, f->key);
			*(bool *)(p + f->off) = json_object_get_boolean(v);
			continue;
		}
		if (!json_object_is_type(v, json_type_int))
			return lerr(c, "%s: \"%s\" is not a whole number", where, f->key);
		if (f->type == F_U64) {
			errno = 0;
			uint64_t u = json_object_get_uint64(v);

			if (errno || json_object_get_int64(v) < 0 || u > f->max)
				return lerr(c, "%s: \"%s\" is out of range", where, f->key);
			*(uint64_t *)(p + f->off) = u;
			continue;
		}
		int64_t iv = json_object_get_int64(v);

		if (iv < f->min || (iv >= 0 && (uint64_t)iv > f->max))
			return lerr(c, "%s: \"%s\" %" PRId64 " is out of range", where, f->key, iv);
		if (f->type == F_U32)
			*(uint32_t *)(p + f->off) = (uint32_t)iv;
		else
			*(int32_t *)(p + f->off) = (int32_t)iv;
	}
	return 0;
}

static struct json_object *get_array(struct lctx *c, struct json_object *o, const char *where,
				     const char *key, size_t want, int *rc)
{
	struct json_object *a;

	if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array)) {
		*rc = lerr(c, "%s: \"%s\" must be an array", where, key);
		return NULL;
	}
	if (want != (size_t)-1 && json_object_array_length(a) != want) {
		*rc = lerr(c, "%s: \"%s\" has %zu entries, the capabilities say %zu", where, key,
			   json_object_array_length(a), want);
		return NULL;
	}
	return a;
}

static int dev_load(struct lctx *c, const struct idxd_caps *caps, struct json_object *o,
		    struct idxd_sysfs_dev *d, unsigned int idx)
{
	struct json_object *wqs, *groups, *engines;
	char where[64];
	int rc = 0;

	snprintf(where, sizeof(where), "devices[%u]", idx);
	idxd_sysfs_dev_reset(d, caps);
	rc = fields_load(c, where, dev_fields, o, d);
	if (rc)
		return rc;
	if (!(wqs = get_array(c, o, where, "wqs", caps->max_wqs, &rc)) ||
	    !(groups = get_array(c, o, where, "groups", caps->max_groups, &rc)) ||
	    !(engines = get_array(c, o, where, "engines", caps->max_engines, &rc)))
		return rc;
	for (unsigned int i = 0; !rc && i < caps->max_wqs; i++) {
		snprintf(where, sizeof(where), "dsa%d/wq%d.%u", d->id, d->id, i);
		rc = fields_load(c, where, wq_fields, json_object_array_get_idx(wqs, i), &d->wqs[i]);
		if (!rc && d->wqs[i].group_id >= (int)caps->max_groups)
			rc = lerr(c, "%s: group_id out of range", where);
	}
	for (unsigned int i = 0; !rc && i < caps->max_groups; i++) {
		snprintf(where, sizeof(where), "dsa%d/group%d.%u", d->id, d->id, i);
		rc = fields_load(c, where, group_fields, json_object_array_get_idx(groups, i),
				 &d->groups[i]);
	}
	for (unsigned int i = 0; !rc && i < caps->max_engines; i++) {
		struct json_object *v = json_object_array_get_idx(engines, i);
		int64_t g = json_object_get_int64(v);

		if (!json_object_is_type(v, json_type_int) || g < -1 || g >= caps->max_groups)
			rc = lerr(c, "dsa%d/engine%d.%u: group out of range", d->id, d->id, i);
		else
			d->engine_group[i] = (int)g;
	}
	return rc;
}

static int state_load(struct lctx *c, struct json_object *root, struct idxd_sysfs *s)
{
	struct json_object *v, *devs;
	int rc = 0;

	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "format", &v) ||
	    strcmp(json_object_get_string(v), FORMAT_NAME))
		return lerr(c, "not an sva idxd sysfs state");
	if (!json_object_object_get_ex(root, "version", &v) ||
	    json_object_get_int(v) != IDXD_SYSFS_VERSION)
		return lerr(c, "state version is not %d", IDXD_SYSFS_VERSION);
	if (!json_object_object_get_ex(root, "loaded", &v) || !json_object_is_type(v, json_type_boolean))
		return lerr(c, "\"loaded\" must be true or false");
	s->loaded = json_object_get_boolean(v);
	if (!json_object_object_get_ex(root, "caps", &v))
		return lerr(c, "missing \"caps\"");
	rc = fields_load(c, "caps", caps_fields, v, &s->caps);
	if (rc)
		return rc;
	devs = get_array(c, root, "state", "devices", (size_t)-1, &rc);
	if (!devs)
		return rc;
	if (json_object_array_length(devs) > IDXD_CFG_MAX_DEVICES)
		return lerr(c, "more than %d devices", IDXD_CFG_MAX_DEVICES);
	s->nr_devs = (unsigned int)json_object_array_length(devs);
	s->devs = calloc(s->nr_devs ? s->nr_devs : 1, sizeof(*s->devs));
	if (!s->devs)
		return -ENOMEM;
	for (unsigned int i = 0; !rc && i < s->nr_devs; i++) {
		rc = dev_load(c, &s->caps, json_object_array_get_idx(devs, i), &s->devs[i], i);
		if (!rc && i && s->devs[i].id <= s->devs[i - 1].id)
			rc = lerr(c, "devices must be in increasing id order");
	}
	return rc;
}

struct idxd_sysfs *idxd_sysfs_load(const char *json, char *err, size_t errlen)
{
	struct lctx c = { err, errlen };
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root = NULL;
	struct idxd_sysfs *s = calloc(1, sizeof(*s));
	int rc = 0;

	if (!tok || !s) {
		rc = -ENOMEM;
		lerr(&c, "out of memory");
	} else {
		root = json_tokener_parse_ex(tok, json, (int)strlen(json));
		if (!root || json_tokener_get_error(tok) != json_tokener_success)
			rc = lerr(&c, "malformed JSON");
		else
			rc = state_load(&c, root, s);
	}
	json_object_put(root);
	if (tok)
		json_tokener_free(tok);
	if (rc) {
		idxd_sysfs_free(s);
		return NULL;
	}
	return s;
}
