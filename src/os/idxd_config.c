// SPDX-License-Identifier: MIT
/*
 * accel-config JSON -> struct idxd_config.
 *
 * The walk follows what accel-config's load-config accepts: objects are
 * named by their "dev" string, deprecated token_* aliases are taken, keys
 * that only `accel-config list` prints are skipped, and keys nobody knows
 * are kept as notes (accel-config grows keys across versions; a newer file
 * must still load).  Numbers may come as JSON numbers or as decimal
 * strings, since the kernel's sysfs is strings and both have been seen.
 *
 * Everything is parsed into a fresh structure, then validated; the caller
 * sees it only when both passed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "os/idxd_config.h"
#include "os/idxd_config_internal.h"
#include "json_strict.h"
#include "textfile.h"

struct pctx {
	struct idxd_config *cfg;
	char *err;
	size_t errlen;
};

static int perr(struct pctx *p, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(struct pctx *p, int rc, const char *fmt, ...)
{
	va_list ap;

	if (p->err && p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err, p->errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Keys `accel-config list` prints that are state, not configuration. */
static const char *const list_only_keys[] = {
	"max_groups", "max_work_queues", "max_engines", "work_queue_size",
	"max_work_queues_size", "numa_node", "errors", "op_cap", "iaa_cap",
	"gen_cap", "version", "state", "max_read_buffers", "max_tokens",
	"max_batch_size", "ims_size", "max_transfer_size", "configurable",
	"pasid_enabled", "cdev_major", "clients", "cmd_status", NULL,
};

static bool is_list_only(const char *key)
{
	for (const char *const *k = list_only_keys; *k; k++)
		if (!strcmp(*k, key))
			return true;
	return false;
}

static void note_unknown(struct pctx *p, const char *path, const char *key)
{
	idxd_cfg_note(p->cfg, "%s: unknown key \"%s\" ignored", path, key);
}

static const char *jtype(const struct json_object *o)
{
	return json_type_to_name(json_object_get_type(o));
}

/* "an array", "a string": the JSON type of @o for messages. */
static const char *article(const struct json_object *o)
{
	const char *t = jtype(o);

	return t[0] == 'a' || t[0] == 'o' || t[0] == 'i' ? "an" : "a";
}

/* An unsigned integer from a JSON number or a decimal string, in 0..max. */
static int get_uint(struct pctx *p, const char *path, const char *key,
		    struct json_object *o, uint64_t max, uint64_t *out)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	int64_t v;

	if (json_object_is_type(o, json_type_string)) {
		const char *s = json_object_get_string(o);
		char *end;

		if (!*s || *s == '+' || *s == ' ')
			return perr(p, -EINVAL, "%s: %s %s is not a number", path, key, text);
		errno = 0;
		v = (int64_t)strtoll(s, &end, 10);
		if (*end)
			return perr(p, -EINVAL, "%s: %s %s is not a number", path, key, text);
		if (errno == ERANGE)
			return perr(p, -ERANGE, "%s: %s %s is out of range (0..%" PRIu64 ")",
				    path, key, text, max);
	} else if (json_object_is_type(o, json_type_int)) {
		v = json_object_get_int64(o);
		/* json-c saturates what does not fit; nothing valid is that big. */
		if (v == INT64_MAX || json_object_get_uint64(o) > (uint64_t)INT64_MAX)
			return perr(p, -ERANGE, "%s: %s is too large (at most %" PRIu64 ")",
				    path, key, max);
	} else if (json_object_is_type(o, json_type_double)) {
		return perr(p, -EINVAL, "%s: %s %s must be a whole number", path, key, text);
	} else {
		return perr(p, -EINVAL, "%s: %s must be a number, not %s %s",
			    path, key, article(o),
			    jtype(o));
	}
	if (v < 0)
		return perr(p, -ERANGE, "%s: %s %s must not be negative", path, key, text);
	if ((uint64_t)v > max)
		return perr(p, -ERANGE, "%s: %s %s is out of range (0..%" PRIu64 ")",
			    path, key, text, max);
	*out = (uint64_t)v;
	return 0;
}

/* A signed integer in min..max (group ids, traffic classes: -1 means "none"). */
static int get_int(struct pctx *p, const char *path, const char *key,
		   struct json_object *o, int min, int max, int *out)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	int64_t v;

	if (json_object_is_type(o, json_type_string)) {
		const char *s = json_object_get_string(o);
		char *end;

		errno = 0;
		v = (int64_t)strtoll(s, &end, 10);
		if (!*s || *end || errno)
			return perr(p, -EINVAL, "%s: %s %s is not a number", path, key, text);
	} else if (json_object_is_type(o, json_type_int)) {
		v = json_object_get_int64(o);
	} else {
		return perr(p, -EINVAL, "%s: %s must be a number, not %s %s", path, key,
			    article(o), jtype(o));
	}
	if (v < min || v > max)
		return perr(p, -ERANGE, "%s: %s %s is out of range (%d..%d)",
			    path, key, text, min, max);
	*out = (int)v;
	return 0;
}

/* 0/1, true/false or "0"/"1": what the kernel's kstrtobool takes. */
static int get_bool(struct pctx *p, const char *path, const char *key,
		    struct json_object *o, bool *out)
{
	uint64_t v;
	int rc;

	if (json_object_is_type(o, json_type_boolean)) {
		*out = json_object_get_boolean(o);
		return 0;
	}
	rc = get_uint(p, path, key, o, UINT64_MAX >> 1, &v);
	if (rc)
		return rc;
	if (v > 1)
		return perr(p, -EINVAL, "%s: %s %" PRIu64 " must be 0 or 1", path, key, v);
	*out = v;
	return 0;
}

static int get_str(struct pctx *p, const char *path, const char *key,
		   struct json_object *o, const char **out)
{
	if (!json_object_is_type(o, json_type_string))
		return perr(p, -EINVAL, "%s: %s must be a string, not %s %s", path, key,
			    article(o), jtype(o));
	*out = json_object_get_string(o);
	/* Names go back out in JSON (show --json, reports): no cut-off or broken text. */
	if (strlen(*out) != (size_t)json_object_get_string_len(o))
		return perr(p, -EINVAL, "%s: %s must not contain \\u0000", path, key);
	if (!sva_utf8_valid(*out, strlen(*out)))
		return perr(p, -EINVAL, "%s: %s is not valid UTF-8", path, key);
	return 0;
}

/* "prefixN" or "prefixD.N" with plain decimal numbers, nothing else. */
static bool parse_num(const char **s, unsigned int *out)
{
	unsigned long v = 0;
	const char *c = *s;

	if (*c < '0' || *c > '9')
		return false;
	for (; *c >= '0' && *c <= '9'; c++) {
		v = v * 10 + (unsigned long)(*c - '0');
		if (v > 9999)
			return false;
	}
	*out = (unsigned int)v;
	*s = c;
	return true;
}

static bool parse_dev_name(const char *name, const char *prefix, bool two,
			   unsigned int *d, unsigned int *n)
{
	size_t l = strlen(prefix);
	const char *s = name;

	if (strncmp(s, prefix, l))
		return false;
	s += l;
	if (!parse_num(&s, d))
		return false;
	if (two) {
		if (*s++ != '.' || !parse_num(&s, n))
			return false;
	}
	return *s == '\0';
}

/*
 * The "dev" of an object: required, a string, of the form @prefix D.N, and
 * D must be the enclosing device's number.
 */
static int get_sub_dev(struct pctx *p, const char *where, struct json_object *o,
		       const char *prefix, const struct idxd_cfg_device *dev, int *id)
{
	struct json_object *d;
	const char *name;
	unsigned int dn, n;
	int rc;

	if (!json_object_is_type(o, json_type_object))
		return perr(p, -EINVAL, "%s: expected an object, not %s %s", where,
			    article(o), jtype(o));
	if (!json_object_object_get_ex(o, "dev", &d))
		return perr(p, -EINVAL, "%s: missing required key \"dev\"", where);
	rc = get_str(p, where, "dev", d, &name);
	if (rc)
		return rc;
	if (!parse_dev_name(name, prefix, true, &dn, &n))
		return perr(p, -EINVAL, "%s: dev \"%s\" is not of the form \"%sD.N\"",
			    where, name, prefix);
	if ((int)dn != dev->id)
		return perr(p, -EINVAL, "%s: dev \"%s\" belongs to device %u, not to %s%d",
			    where, name, dn, idxd_cfg_dev_prefix(dev), dev->id);
	*id = (int)n;
	return 0;
}

static int get_array(struct pctx *p, const char *path, const char *key,
		     struct json_object *o)
{
	if (!json_object_is_type(o, json_type_array))
		return perr(p, -EINVAL, "%s: %s must be an array, not %s %s", path, key,
			    article(o), jtype(o));
	return 0;
}

/* A parsed "group_id" must agree with the list the object sits in. */
static int check_container(struct pctx *p, const char *path, int gid, int container)
{
	if (gid == container)
		return 0;
	if (container < 0)
		return perr(p, -EINVAL,
			    "%s: group_id %d, but the object is in an ungrouped list",
			    path, gid);
	return perr(p, -EINVAL,
		    "%s: group_id %d, but the object is listed in group %d",
		    path, gid, container);
}

/*
 * Start an engine, WQ or group object: its "dev" names it, and the device
 * must have room for one more.  @path gets "dsaD/<dev>" for messages.
 */
static int open_sub(struct pctx *p, const struct idxd_cfg_device *dev, struct json_object *o,
		    const char *where, const char *prefix, unsigned int nr, unsigned int max,
		    char path[64], int *id)
{
	int rc = get_sub_dev(p, where, o, prefix, dev, id);

	if (rc)
		return rc;
	snprintf(path, 64, "%s%d/%s%d.%d", idxd_cfg_dev_prefix(dev), dev->id, prefix, dev->id, *id);
	if (nr == max)
		return perr(p, -ERANGE, "%s: too many %ss in %s%d (at most %u)", path,
			    prefix, idxd_cfg_dev_prefix(dev), dev->id, max);
	return 0;
}

/* --- engines --- */

static int parse_engine(struct pctx *p, struct idxd_cfg_device *dev,
			struct json_object *o, const char *where, int container)
{
	struct idxd_cfg_engine *e;
	char path[64];
	int id, rc;

	rc = open_sub(p, dev, o, where, "engine", dev->nr_engines, IDXD_CFG_MAX_ENGINES, path, &id);
	if (rc)
		return rc;
	e = &dev->engines[dev->nr_engines++];
	e->id = id;
	e->group_id = container;
	json_object_object_foreach(o, key, val) {
		if (!strcmp(key, "dev"))
			continue;
		if (!strcmp(key, "group_id")) {
			rc = get_int(p, path, key, val, -1, 9999, &e->group_id);
			if (!rc)
				rc = check_container(p, path, e->group_id, container);
		} else if (!is_list_only(key)) {
			note_unknown(p, path, key);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* --- WQs --- */

static int parse_wq_mode(struct pctx *p, const char *path, struct json_object *v,
			 struct idxd_cfg_wq *wq)
{
	const char *s;
	int rc = get_str(p, path, "mode", v, &s);

	if (rc)
		return rc;
	if (!strcmp(s, "shared"))
		wq->mode = IDXD_CFG_WQ_SHARED;
	else if (!strcmp(s, "dedicated"))
		wq->mode = IDXD_CFG_WQ_DEDICATED;
	else
		return perr(p, -EINVAL, "%s: mode \"%s\" is not \"shared\" or \"dedicated\"",
			    path, s);
	return 0;
}

/* Index of @s in @names, or -1. */
static int name_index(const char *const *names, unsigned int n, const char *s)
{
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

static int parse_wq_type(struct pctx *p, const char *path, struct json_object *v,
			 struct idxd_cfg_wq *wq)
{
	static const char *const names[] = { "none", "kernel", "user", "mdev" };
	const char *s;
	int rc = get_str(p, path, "type", v, &s);

	if (rc)
		return rc;
	rc = name_index(names, sizeof(names) / sizeof(names[0]), s);
	if (rc >= 0) {
		wq->type = (enum idxd_cfg_wq_type)rc;
		return 0;
	}
	return perr(p, -EINVAL,
		    "%s: type \"%s\" is not \"user\", \"kernel\", \"mdev\" or \"none\"",
		    path, s);
}

static int parse_wq_state(struct pctx *p, const char *path, struct json_object *v,
			  struct idxd_cfg_wq *wq)
{
	static const char *const names[] = {
		"enabled", "disabled", "quiescing", "locked", "unknown",
	};
	const char *s;
	int rc = get_str(p, path, "state", v, &s);

	if (rc)
		return rc;
	rc = name_index(names, sizeof(names) / sizeof(names[0]), s);
	if (rc >= 0) {
		wq->state = (enum idxd_cfg_wq_state)rc;
		return 0;
	}
	return perr(p, -EINVAL, "%s: state \"%s\" is not one accel-config writes", path, s);
}

/* "hhhhhhhh,hhhhhhhh,..." most significant word first, as the kernel prints it. */
static int parse_op_config(struct pctx *p, const char *path, struct json_object *v,
			   struct idxd_cfg_wq *wq)
{
	uint32_t words[8];
	unsigned int n = 0;
	const char *s;
	int rc = get_str(p, path, "op_config", v, &s);

	if (rc)
		return rc;
	for (const char *c = s;;) {
		uint32_t w = 0;
		unsigned int digits = 0;

		for (; *c && *c != ','; c++, digits++) {
			int h;

			if (*c >= '0' && *c <= '9')
				h = *c - '0';
			else if (*c >= 'a' && *c <= 'f')
				h = *c - 'a' + 10;
			else if (*c >= 'A' && *c <= 'F')
				h = *c - 'A' + 10;
			else
				h = -1;
			if (h < 0 || digits == 8 || n == 8)
				return perr(p, -EINVAL,
					    "%s: op_config \"%s\" is not up to 8 comma-separated 32-bit hex words",
					    path, s);
			w = w << 4 | (uint32_t)h;
		}
		if (!digits)
			return perr(p, -EINVAL,
				    "%s: op_config \"%s\" is not up to 8 comma-separated 32-bit hex words",
				    path, s);
		words[n++] = w;
		if (!*c++)
			break;
	}
	memset(wq->op_config, 0, sizeof(wq->op_config));
	for (unsigned int i = 0; i < n; i++)
		wq->op_config[i] = words[n - 1 - i];
	wq->has_op_config = true;
	return 0;
}

static uint64_t roundup_pow2(uint64_t v)
{
	uint64_t r = 1;

	while (r < v && r)
		r <<= 1;
	return r;
}

/*
 * max_batch_size / max_transfer_size: the kernel refuses 0, rounds up to a
 * power of two, and compares the rounded value with the device maximum.
 */
static int parse_pow2(struct pctx *p, const char *path, const char *key,
		      struct json_object *v, uint64_t cap, uint64_t *out)
{
	uint64_t raw, r;
	int rc = get_uint(p, path, key, v, UINT64_MAX >> 1, &raw);

	if (rc)
		return rc;
	if (!raw)
		return perr(p, -EINVAL, "%s: %s 0 must be at least 1", path, key);
	if (raw > cap)
		return perr(p, -EINVAL, "%s: %s %" PRIu64 " is larger than the device maximum %" PRIu64,
			    path, key, raw, cap);
	r = roundup_pow2(raw);
	if (r > cap)
		return perr(p, -EINVAL,
			    "%s: %s %" PRIu64 " rounds up to %" PRIu64 ", larger than the device maximum %" PRIu64,
			    path, key, raw, r, cap);
	if (r != raw)
		idxd_cfg_note(p->cfg, "%s: %s %" PRIu64 " rounded up to %" PRIu64
			      " (the kernel keeps powers of two)", path, key, raw, r);
	*out = r;
	return 0;
}

static int set_string(struct pctx *p, const char *path, const char *key,
		      struct json_object *v, char **dst)
{
	const char *s;
	char *copy;
	int rc = get_str(p, path, key, v, &s);

	if (rc)
		return rc;
	copy = strdup(s);
	if (!copy)
		return perr(p, -ENOMEM, "%s: out of memory", path);
	free(*dst);
	*dst = copy;
	return 0;
}

/*
 * A DSA 2.0 attribute set on a device the model does not give it to: kept
 * (written back, shown) and noted, since the model does not act on it.
 * IAA devices are not modelled as a whole; their attributes need no note.
 */
static void dsa2_attr(struct pctx *p, const char *path, const char *key, bool modelled)
{
	if (!modelled && strncmp(path, "iax", 3))
		idxd_cfg_unmodelled(p->cfg, "%s: %s (a DSA 2.0 attribute)", path, key);
}

static int parse_wq_key(struct pctx *p, const char *path, const char *key,
			struct json_object *v, struct idxd_cfg_wq *wq, int container)
{
	const struct idxd_caps *caps = &p->cfg->caps;
	uint64_t u;
	int rc;

	if (!strcmp(key, "mode"))
		return parse_wq_mode(p, path, v, wq);
	if (!strcmp(key, "type"))
		return parse_wq_type(p, path, v, wq);
	if (!strcmp(key, "state"))
		return parse_wq_state(p, path, v, wq);
	if (!strcmp(key, "op_config")) {
		dsa2_attr(p, path, key, caps->op_config);
		return parse_op_config(p, path, v, wq);
	}
	if (!strcmp(key, "name"))
		return set_string(p, path, key, v, &wq->name);
	if (!strcmp(key, "driver_name"))
		return set_string(p, path, key, v, &wq->driver_name);
	if (!strcmp(key, "block_on_fault"))
		return get_bool(p, path, key, v, &wq->block_on_fault);
	if (!strcmp(key, "ats_disable"))
		return get_bool(p, path, key, v, &wq->ats_disable);
	if (!strcmp(key, "prs_disable")) {
		rc = get_bool(p, path, key, v, &wq->prs_disable);
		/* 0 is what a device without the feature does anyway. */
		if (!rc && wq->prs_disable)
			dsa2_attr(p, path, "prs_disable 1", caps->wq_prs_disable);
		return rc;
	}
	if (!strcmp(key, "group_id")) {
		rc = get_int(p, path, key, v, -1, 9999, &wq->group_id);
		return rc ? rc : check_container(p, path, wq->group_id, container);
	}
	if (!strcmp(key, "cdev_minor"))
		return get_int(p, path, key, v, -1, 1 << 20, &wq->cdev_minor);
	if (!strcmp(key, "max_batch_size")) {
		rc = parse_pow2(p, path, key, v, caps->max_batch_size, &u);
		wq->max_batch_size = (uint32_t)u;
		return rc;
	}
	if (!strcmp(key, "max_transfer_size"))
		return parse_pow2(p, path, key, v, caps->max_transfer_size,
				  &wq->max_transfer_size);
	if (!strcmp(key, "size") || !strcmp(key, "priority") || !strcmp(key, "threshold")) {
		rc = get_uint(p, path, key, v, UINT32_MAX, &u);
		if (rc)
			return rc;
		if (key[0] == 's')
			wq->size = (unsigned int)u;
		else if (key[0] == 'p')
			wq->priority = (unsigned int)u;
		else
			wq->threshold = (unsigned int)u;
		return 0;
	}
	if (!is_list_only(key) && strcmp(key, "occupancy") && strcmp(key, "enqcmds_retries"))
		note_unknown(p, path, key);
	return 0;
}

/* The driver a WQ binds to when the file does not say (older accel-config). */
static const char *default_driver(enum idxd_cfg_wq_type t)
{
	switch (t) {
	case IDXD_CFG_WQT_USER:
		return "user";
	case IDXD_CFG_WQT_KERNEL:
		return "dmaengine";
	case IDXD_CFG_WQT_MDEV:
		return "mdev";
	default:
		return "";
	}
}

static int parse_wq(struct pctx *p, struct idxd_cfg_device *dev,
		    struct json_object *o, const char *where, int container)
{
	static const char *const required[] = { "mode", "size", "priority", "type" };
	struct idxd_cfg_wq *wq;
	char path[64];
	int id, rc;

	rc = open_sub(p, dev, o, where, "wq", dev->nr_wqs, IDXD_CFG_MAX_WQS, path, &id);
	if (rc)
		return rc;
	for (unsigned int i = 0; i < 4; i++)
		if (!json_object_object_get_ex(o, required[i], NULL))
			return perr(p, -EINVAL, "%s: missing required key \"%s\"",
				    path, required[i]);
	wq = &dev->wqs[dev->nr_wqs++];
	idxd_cfg_wq_init(wq, id, container);
	json_object_object_foreach(o, key, val) {
		if (strcmp(key, "dev")) {
			rc = parse_wq_key(p, path, key, val, wq, container);
			if (rc)
				return rc;
		}
	}
	if (!wq->name)
		wq->name = strdup("");
	if (!wq->driver_name)
		wq->driver_name = strdup(default_driver(wq->type));
	if (!wq->name || !wq->driver_name)
		return perr(p, -ENOMEM, "%s: out of memory", path);
	return 0;
}

/* --- groups --- */

static int parse_list(struct pctx *p, struct idxd_cfg_device *dev, const char *path,
		      const char *key, struct json_object *arr, int container, bool wqs)
{
	char where[96];
	int rc = get_array(p, path, key, arr);

	for (size_t i = 0; !rc && i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);

		snprintf(where, sizeof(where), "%s/%s[%zu]", path, key, i);
		rc = wqs ? parse_wq(p, dev, o, where, container) :
			   parse_engine(p, dev, o, where, container);
	}
	return rc;
}

static int parse_group_key(struct pctx *p, struct idxd_cfg_device *dev, const char *path,
			   const char *key, struct json_object *v, struct idxd_cfg_group *g)
{
	uint64_t u;
	int rc;

	if (!strcmp(key, "grouped_workqueues"))
		return parse_list(p, dev, path, key, v, g->id, true);
	if (!strcmp(key, "grouped_engines"))
		return parse_list(p, dev, path, key, v, g->id, false);
	if (!strcmp(key, "read_buffers_reserved") || !strcmp(key, "tokens_reserved")) {
		rc = get_uint(p, path, key, v, UINT32_MAX, &u);
		g->read_buffers_reserved = (unsigned int)u;
		return rc;
	}
	if (!strcmp(key, "read_buffers_allowed") || !strcmp(key, "tokens_allowed")) {
		rc = get_uint(p, path, key, v, UINT32_MAX, &u);
		g->read_buffers_allowed = (unsigned int)u;
		return rc;
	}
	if (!strcmp(key, "use_read_buffer_limit") || !strcmp(key, "use_token_limit"))
		return get_bool(p, path, key, v, &g->use_read_buffer_limit);
	if (!strcmp(key, "traffic_class_a"))
		return get_int(p, path, key, v, -1, 7, &g->traffic_class_a);
	if (!strcmp(key, "traffic_class_b"))
		return get_int(p, path, key, v, -1, 7, &g->traffic_class_b);
	if (!strcmp(key, "desc_progress_limit") || !strcmp(key, "batch_progress_limit")) {
		dsa2_attr(p, path, key, p->cfg->caps.progress_limit);
		return get_int(p, path, key, v, 0, 3, key[0] == 'd' ? &g->desc_progress_limit :
							       &g->batch_progress_limit);
	}
	if (strcmp(key, "work_queues") && strcmp(key, "engines") && !is_list_only(key))
		note_unknown(p, path, key);
	return 0;
}

static int parse_group(struct pctx *p, struct idxd_cfg_device *dev,
		       struct json_object *o, const char *where)
{
	struct idxd_cfg_group *g;
	char path[64];
	int id, rc;

	rc = open_sub(p, dev, o, where, "group", dev->nr_groups, IDXD_CFG_MAX_GROUPS, path, &id);
	if (rc)
		return rc;
	g = &dev->groups[dev->nr_groups++];
	idxd_cfg_group_init(g, id, &p->cfg->caps);
	json_object_object_foreach(o, key, val) {
		if (strcmp(key, "dev")) {
			rc = parse_group_key(p, dev, path, key, val, g);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* --- devices --- */

static int parse_device_key(struct pctx *p, struct idxd_cfg_device *dev, const char *path,
			    const char *key, struct json_object *v)
{
	char where[96];
	uint64_t u;
	int rc = 0;

	if (!strcmp(key, "groups")) {
		rc = get_array(p, path, key, v);
		for (size_t i = 0; !rc && i < json_object_array_length(v); i++) {
			snprintf(where, sizeof(where), "%s/groups[%zu]", path, i);
			rc = parse_group(p, dev, json_object_array_get_idx(v, i), where);
		}
		return rc;
	}
	if (!strcmp(key, "ungrouped_engines"))
		return parse_list(p, dev, path, key, v, -1, false);
	if (!strcmp(key, "ungrouped_workqueues") || !strcmp(key, "ungrouped workqueues"))
		return parse_list(p, dev, path, key, v, -1, true);
	if (!strcmp(key, "read_buffer_limit") || !strcmp(key, "token_limit")) {
		rc = get_uint(p, path, key, v, UINT32_MAX, &u);
		dev->read_buffer_limit = (unsigned int)u;
		return rc;
	}
	if (!strcmp(key, "event_log_size")) {
		dsa2_attr(p, path, key, p->cfg->caps.event_log);
		rc = get_uint(p, path, key, v, INT32_MAX, &u);
		dev->event_log_size = (int)u;
		return rc;
	}
	if (!is_list_only(key))
		note_unknown(p, path, key);
	return 0;
}

static int parse_device(struct pctx *p, struct json_object *o, size_t idx)
{
	struct idxd_config *cfg = p->cfg;
	struct idxd_cfg_device *dev;
	struct json_object *d;
	unsigned int n, unused;
	char where[32], path[32];
	const char *name;
	bool iaa;
	int rc;

	snprintf(where, sizeof(where), "device [%zu]", idx);
	if (!json_object_is_type(o, json_type_object))
		return perr(p, -EINVAL, "%s: expected an object, not %s %s", where,
			    article(o), jtype(o));
	if (!json_object_object_get_ex(o, "dev", &d))
		return perr(p, -EINVAL, "%s: missing required key \"dev\"", where);
	rc = get_str(p, where, "dev", d, &name);
	if (rc)
		return rc;
	iaa = parse_dev_name(name, "iax", false, &n, &unused);
	if (!iaa && !parse_dev_name(name, "dsa", false, &n, &unused))
		return perr(p, -EINVAL, "%s: dev \"%s\" is not of the form \"dsaN\" or \"iaxN\"",
			    where, name);
	/* DSA and IAA devices share the idxd driver's numbers: dsa0, iax1, dsa2, ... */
	if (idxd_cfg_find_device(cfg, (int)n))
		return perr(p, -EINVAL, "%s: device number %u appears twice (%s)", where, n, name);
	if (cfg->nr_devices == IDXD_CFG_MAX_DEVICES)
		return perr(p, -ERANGE, "%s: too many devices (at most %d)", where,
			    IDXD_CFG_MAX_DEVICES);
	dev = &cfg->devices[cfg->nr_devices++];
	dev->id = (int)n;
	dev->iaa = iaa;
	dev->event_log_size = -1;
	snprintf(path, sizeof(path), "%s", name);
	if (iaa)
		idxd_cfg_unmodelled(cfg, "%s: an IAA device (its WQs cannot be opened)", name);
	json_object_object_foreach(o, key, val) {
		if (strcmp(key, "dev")) {
			rc = parse_device_key(p, dev, path, key, val);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* 1-based line and column of byte @off, for tokener errors. */
static void line_col(const char *s, size_t off, unsigned int *line, unsigned int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && s[i]; i++) {
		if (s[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static bool only_space(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

static int tokenize(struct pctx *p, const char *json, struct json_object **root)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	unsigned int line, col;
	size_t end;

	if (only_space(json))
		return perr(p, -EINVAL, "line 1, column 1: malformed JSON: the input is empty");
	tok = json_tokener_new();
	if (!tok)
		return perr(p, -ENOMEM, "out of memory");
	*root = json_tokener_parse_ex(tok, json, (int)strlen(json));
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!*root || jerr != json_tokener_success) {
		line_col(json, end, &line, &col);
		if (jerr == json_tokener_continue)
			return perr(p, -EINVAL,
				    "line %u, column %u: malformed JSON: unexpected end of data",
				    line, col);
		return perr(p, -EINVAL, "line %u, column %u: malformed JSON: %s", line, col,
			    json_tokener_error_desc(jerr));
	}
	if (!only_space(json + end)) {
		/* Point at the extra text itself, not at the blanks before it. */
		end += strspn(json + end, " \t\r\n");
		line_col(json, end, &line, &col);
		json_object_put(*root);
		*root = NULL;
		return perr(p, -EINVAL,
			    "line %u, column %u: malformed JSON: text after the end of the document",
			    line, col);
	}
	return 0;
}

static int parse_root(struct pctx *p, struct json_object *root)
{
	int rc = 0;

	if (!json_object_is_type(root, json_type_array))
		return perr(p, -EINVAL,
			    "the top level must be an array of devices (as accel-config save-config writes), not %s %s",
			    article(root), jtype(root));
	for (size_t i = 0; !rc && i < json_object_array_length(root); i++)
		rc = parse_device(p, json_object_array_get_idx(root, i), i);
	return rc;
}

int idxd_config_parse_string(const char *json, const struct idxd_caps *caps,
			     struct idxd_config **out, char *err, size_t errlen)
{
	struct pctx p = { .err = err, .errlen = errlen };
	struct json_object *root = NULL;
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	p.cfg = idxd_cfg_alloc(caps);
	if (!p.cfg)
		return perr(&p, -ENOMEM, "out of memory");
	rc = tokenize(&p, json, &root);
	if (!rc)
		rc = parse_root(&p, root);
	json_object_put(root);
	if (!rc)
		rc = idxd_config_validate(p.cfg, err, errlen);
	if (rc) {
		idxd_config_free(p.cfg);
		return rc;
	}
	*out = p.cfg;
	return 0;
}

int idxd_config_load_file(const char *path, const struct idxd_caps *caps,
			  struct idxd_config **out, char *err, size_t errlen)
{
	char *buf;
	int rc;

	*out = NULL;
	rc = sva_read_text_file(path, SVA_ACCEL_CONFIG_MAX, "an accel-config file", &buf, err, errlen);
	if (rc)
		return rc;
	rc = idxd_config_parse_string(buf, caps, out, err, errlen);
	free(buf);
	return rc;
}
