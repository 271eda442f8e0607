// SPDX-License-Identifier: MIT
/*
 * Writes to idxd attributes: the rules of Linux's drivers/dma/idxd/sysfs.c
 * stores, checked in the kernel's order so that a write refused for two
 * reasons fails with the errno Linux gives.  Numbers are parsed as the
 * kernel's kstrto*() parse them: an optional '+' (or '-' for signed
 * values), digits in the base the attribute uses, one optional trailing
 * newline and nothing else; a number that does not fit is refused.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "os/idxd_sysfs.h"
#include "os/idxd_sysfs_internal.h"

/* ---- kstrto*() ---- */

static int digit(char c, unsigned int base)
{
	int d = c >= '0' && c <= '9' ? c - '0' :
		c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;

	return d < (int)base ? d : -1;
}

/* kstrtoull: base 0 takes 0x (hex) and 0 (octal) prefixes. */
static int parse_u64(const char *s, unsigned int base, uint64_t *out)
{
	uint64_t v = 0;
	const char *start;

	if (*s == '+')
		s++;
	if (base == 0 || base == 16) {
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && digit(s[2], 16) >= 0) {
			s += 2;
			base = 16;
		} else if (base == 0) {
			base = s[0] == '0' ? 8 : 10;
		}
	}
	start = s;
	for (int d; (d = digit(*s, base)) >= 0; s++) {
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return -ERANGE;
		v = v * base + (uint64_t)d;
	}
	if (s == start)
		return -EINVAL;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_s64(const char *s, unsigned int base, int64_t *out)
{
	uint64_t v;
	int rc;

	if (*s == '-') {
		rc = parse_u64(s + 1, base, &v);
		if (rc)
			return rc;
		if (v > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		*out = v ? -(int64_t)(v - 1) - 1 : 0;
		return 0;
	}
	rc = parse_u64(s, base, &v);
	if (rc)
		return rc;
	if (v > (uint64_t)INT64_MAX)
		return -ERANGE;
	*out = (int64_t)v;
	return 0;
}

/* kstrtouint / kstrtoint: the same, in 32 bits. */
static int parse_u32(const char *s, unsigned int base, unsigned int *out)
{
	uint64_t v;
	int rc = parse_u64(s, base, &v);

	if (!rc && v > UINT_MAX)
		rc = -ERANGE;
	if (!rc)
		*out = (unsigned int)v;
	return rc;
}

static int parse_s32(const char *s, int *out)
{
	int64_t v;
	int rc = parse_s64(s, 10, &v);

	if (!rc && (v < INT_MIN || v > INT_MAX))
		rc = -ERANGE;
	if (!rc)
		*out = (int)v;
	return rc;
}

/* kstrtobool: y/Y/t/T/1, n/N/f/F/0, on/off; only the first characters count. */
static int parse_bool(const char *s, bool *out)
{
	switch (s[0]) {
	case 'y': case 'Y': case 't': case 'T': case '1':
		*out = true;
		return 0;
	case 'n': case 'N': case 'f': case 'F': case '0':
		*out = false;
		return 0;
	case 'o': case 'O':
		if (s[1] == 'n' || s[1] == 'N') {
			*out = true;
			return 0;
		}
		if (s[1] == 'f' || s[1] == 'F') {
			*out = false;
			return 0;
		}
		break;
	default:
		break;
	}
	return -EINVAL;
}

/* sysfs_streq: equal, but a trailing newline on either side does not count. */
static bool streq_nl(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	if (*a == *b)
		return true;
	if (!*a && *b == '\n' && !b[1])
		return true;
	return !*b && *a == '\n' && !a[1];
}

/* strim: without leading and trailing white space. */
static void copy_trimmed(char *dst, size_t len, const char *src)
{
	size_t n;

	while (isspace((unsigned char)*src))
		src++;
	n = strlen(src);
	while (n && isspace((unsigned char)src[n - 1]))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* roundup_pow_of_two for the WQ limits; 0 when the result does not fit. */
static uint64_t roundup_pow2(uint64_t v)
{
	uint64_t p = 1;

	while (p < v) {
		if (p > UINT64_MAX / 2)
			return 0;
		p <<= 1;
	}
	return p;
}

/* ---- device ---- */

static int store_device(struct idxd_sysfs *s, struct idxd_sysfs_dev *d, enum attr_id id,
			const char *buf)
{
	uint64_t v;

	switch (id) {
	case ATTR_DEVICE_cmd_status:
		d->cmd_status = 0;
		return 0;
	case ATTR_DEVICE_token_limit:
	case ATTR_DEVICE_read_buffer_limit:
		if (parse_u64(buf, 10, &v))
			return -EINVAL;
		if (d->enabled || !d->configurable || !s->caps.read_buffer_limit)
			return -EPERM;
		if (v > s->caps.max_read_buffers)
			return -EINVAL;
		d->read_buffer_limit = (unsigned int)v;
		return 0;
	case ATTR_DEVICE_event_log_size:
		if (parse_u64(buf, 10, &v))
			return -EINVAL;
		if (d->enabled || !d->configurable)
			return -EPERM;
		if (v < 64 || v > 65535)
			return -EINVAL;
		d->event_log_size = (unsigned int)v;
		return 0;
	default:
		break;
	}
	return -EACCES;
}

/* ---- groups and engines ---- */

static unsigned int free_read_buffers(const struct idxd_sysfs *s, const struct idxd_sysfs_dev *d)
{
	unsigned int used = 0;

	for (unsigned int i = 0; i < s->caps.max_groups; i++)
		used += d->groups[i].read_buffers_reserved;
	return used > s->caps.max_read_buffers ? 0 : s->caps.max_read_buffers - used;
}

static unsigned int group_engines(const struct idxd_sysfs *s, const struct idxd_sysfs_dev *d,
				  unsigned int gid)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < s->caps.max_engines; i++)
		n += d->engine_group[i] == (int)gid;
	return n;
}

static int store_group(struct idxd_sysfs *s, struct idxd_sysfs_dev *d, unsigned int gid,
		       enum attr_id id, const char *buf)
{
	struct idxd_sysfs_group *g = &d->groups[gid];
	bool locked = !d->configurable || d->enabled;
	uint64_t v;
	int64_t sv;
	int iv;

	switch (id) {
	case ATTR_GROUP_tokens_reserved:
	case ATTR_GROUP_read_buffers_reserved:
		if (parse_u64(buf, 10, &v))
			return -EINVAL;
		if (locked)
			return -EPERM;
		if (v > s->caps.max_read_buffers ||
		    v > (uint64_t)free_read_buffers(s, d) + g->read_buffers_reserved)
			return -EINVAL;
		g->read_buffers_reserved = (unsigned int)v;
		return 0;
	case ATTR_GROUP_tokens_allowed:
	case ATTR_GROUP_read_buffers_allowed:
		if (parse_u64(buf, 10, &v))
			return -EINVAL;
		if (locked)
			return -EPERM;
		if (v < 4ull * group_engines(s, d, gid) ||
		    v > (uint64_t)g->read_buffers_reserved + free_read_buffers(s, d))
			return -EINVAL;
		g->read_buffers_allowed = (unsigned int)v;
		return 0;
	case ATTR_GROUP_use_token_limit:
	case ATTR_GROUP_use_read_buffer_limit:
		if (parse_u64(buf, 10, &v))
			return -EINVAL;
		if (locked || !d->read_buffer_limit)
			return -EPERM;
		g->use_read_buffer_limit = v != 0;
		return 0;
	case ATTR_GROUP_traffic_class_a:
	case ATTR_GROUP_traffic_class_b:
		if (parse_s64(buf, 10, &sv))
			return -EINVAL;
		/*
		 * Linux takes traffic classes only from a device newer than
		 * 2.0 or with the tc_override module parameter, which the
		 * model does not have.
		 */
		if (locked || idxd_sysfs_version(&s->caps) <= 0x200)
			return -EPERM;
		if (sv < 0 || sv > 7)
			return -EINVAL;
		*(id == ATTR_GROUP_traffic_class_a ? &g->traffic_class_a : &g->traffic_class_b) = (int)sv;
		return 0;
	case ATTR_GROUP_desc_progress_limit:
	case ATTR_GROUP_batch_progress_limit:
		if (parse_s32(buf, &iv) || (iv & ~3))
			return -EINVAL;
		*(id == ATTR_GROUP_desc_progress_limit ? &g->desc_progress_limit :
		  &g->batch_progress_limit) = iv;
		return 0;
	default:
		break;
	}
	return -EACCES;
}

static int store_engine(struct idxd_sysfs *s, struct idxd_sysfs_dev *d, unsigned int eid,
			const char *buf)
{
	int64_t v;

	if (parse_s64(buf, 10, &v))
		return -EINVAL;
	if (!d->configurable)
		return -EPERM;
	/* The kernel lets an engine move while the device runs; it counts at the next enable. */
	if (v < -1 || v > (int64_t)s->caps.max_groups - 1)
		return -EINVAL;
	d->engine_group[eid] = (int)v;
	return 0;
}

/* ---- WQs ---- */

static unsigned int total_wq_size(const struct idxd_sysfs *s, const struct idxd_sysfs_dev *d)
{
	unsigned int t = 0;

	for (unsigned int i = 0; i < s->caps.max_wqs; i++)
		t += d->wqs[i].size;
	return t;
}

/* max_batch_size and max_transfer_size: nonzero, rounded up, at most the device's. */
static int parse_wq_limit(const char *buf, uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (parse_u64(buf, 0, &v) || !v)
		return -EINVAL;
	v = roundup_pow2(v);
	if (!v || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* op_config: up to eight comma-separated 32-bit hex words, within the device's op_cap. */
static int parse_op_config(const struct idxd_caps *c, const char *buf, uint32_t w[8])
{
	uint32_t cap[8], words[8], mask[8];
	unsigned int n = 0;
	const char *p = buf;

	for (;;) {
		uint64_t v = 0;
		const char *start = p;

		for (int d; (d = digit(*p, 16)) >= 0; p++) {
			v = v * 16 + (uint64_t)d;
			if (v > UINT32_MAX)
				return -EOVERFLOW;
		}
		if (p == start || n == 8)
			return -EINVAL;
		words[n++] = (uint32_t)v;
		if (*p != ',')
			break;
		p++;
	}
	if (*p == '\n')
		p++;
	if (*p)
		return -EINVAL;
	idxd_sysfs_op_cap(c, cap);
	memset(mask, 0, sizeof(mask));
	for (unsigned int i = 0; i < n; i++) {
		mask[i] = words[n - 1 - i];
		if (mask[i] & ~cap[i])
			return -EINVAL;
	}
	memcpy(w, mask, sizeof(mask));
	return 0;
}

static int store_wq(struct idxd_sysfs *s, struct idxd_sysfs_dev *d, struct idxd_sysfs_wq *wq,
		    enum attr_id id, const char *buf)
{
	bool running = wq->driver != IDXD_DRV_NONE;
	unsigned int u;
	uint64_t v;
	int64_t sv;
	bool b;
	int rc;

	switch (id) {
	case ATTR_WQ_group_id:
		if (parse_s64(buf, 10, &sv))
			return -EINVAL;
		if (!d->configurable || running)
			return -EPERM;
		if (sv < -1 || sv > (int64_t)s->caps.max_groups - 1)
			return -EINVAL;
		wq->group_id = (int)sv;
		return 0;
	case ATTR_WQ_mode:
		if (!d->configurable || running)
			return -EPERM;
		if (streq_nl(buf, "dedicated")) {
			wq->dedicated = true;
			wq->threshold = 0;
		} else if (streq_nl(buf, "shared")) {
			wq->dedicated = false;
		} else {
			return -EINVAL;
		}
		return 0;
	case ATTR_WQ_size:
		if (parse_u64(buf, 10, &v))
			return -EINVAL;
		/* The device, not the WQ: sizes are carved from WQCAP's total at device enable. */
		if (!d->configurable || d->enabled)
			return -EPERM;
		if (v > s->caps.max_wq_size ||
		    v + total_wq_size(s, d) - wq->size > s->caps.max_wq_size)
			return -EINVAL;
		wq->size = (unsigned int)v;
		return 0;
	case ATTR_WQ_priority:
		if (parse_u64(buf, 10, &v))
			return -EINVAL;
		if (!d->configurable || running)
			return -EPERM;
		if (v > IDXD_SYSFS_MAX_PRIORITY)
			return -EINVAL;
		wq->priority = (unsigned int)v;
		return 0;
	case ATTR_WQ_block_on_fault:
		if (!s->caps.block_on_fault)
			return -EOPNOTSUPP;
		if (!d->configurable)
			return -EPERM;
		if (running)
			return -ENXIO;
		if (parse_bool(buf, &b))
			return -EINVAL;
		if (b && wq->prs_disable)
			return -EOPNOTSUPP;
		wq->block_on_fault = b;
		return 0;
	case ATTR_WQ_threshold:
		if (parse_u32(buf, 0, &u))
			return -EINVAL;
		if (u > wq->size || u == 0)
			return -EINVAL;
		if (!d->configurable)
			return -EPERM;
		if (running)
			return -ENXIO;
		if (wq->dedicated)
			return -EINVAL;
		wq->threshold = u;
		return 0;
	case ATTR_WQ_type: {
		enum idxd_cfg_wq_type t;

		if (running)
			return -EPERM;
		if (streq_nl(buf, "none"))
			t = IDXD_CFG_WQT_NONE;
		else if (streq_nl(buf, "kernel"))
			t = IDXD_CFG_WQT_KERNEL;
		else if (streq_nl(buf, "user"))
			t = IDXD_CFG_WQT_USER;
		else
			return -EINVAL;
		/* A WQ that changes type loses its name, as in Linux. */
		if (t != wq->type)
			wq->name[0] = 0;
		wq->type = t;
		return 0;
	}
	case ATTR_WQ_name:
		if (running)
			return -EPERM;
		if (!buf[0] || strlen(buf) > IDXD_WQ_NAME_MAX)
			return -EINVAL;
		copy_trimmed(wq->name, sizeof(wq->name), buf);
		return 0;
	case ATTR_WQ_driver_name:
		if (running)
			return -EPERM;
		if (!buf[0] || strlen(buf) > IDXD_DRIVER_NAME_MAX)
			return -EINVAL;
		copy_trimmed(wq->driver_name, sizeof(wq->driver_name), buf);
		return 0;
	case ATTR_WQ_max_transfer_size:
		if (!d->configurable || running)
			return -EPERM;
		rc = parse_wq_limit(buf, s->caps.max_transfer_size, &v);
		if (!rc)
			wq->max_transfer_size = v;
		return rc;
	case ATTR_WQ_max_batch_size:
		if (!d->configurable || running)
			return -EPERM;
		rc = parse_wq_limit(buf, s->caps.max_batch_size, &v);
		if (!rc)
			wq->max_batch_size = (uint32_t)v;
		return rc;
	case ATTR_WQ_ats_disable:
		if (running || !d->configurable)
			return -EPERM;
		if (parse_bool(buf, &b))
			return -EINVAL;
		wq->ats_disable = b;
		return 0;
	case ATTR_WQ_prs_disable:
		if (running)
			return -EPERM;
		if (parse_bool(buf, &b))
			return -EINVAL;
		wq->prs_disable = b;
		if (b)
			wq->block_on_fault = false;	/* blocking on a fault needs page requests */
		return 0;
	case ATTR_WQ_enqcmds_retries:
		if (wq->dedicated)
			return -EOPNOTSUPP;
		rc = parse_u32(buf, 10, &u);
		if (rc)
			return rc;
		wq->enqcmds_retries = u > IDXD_SYSFS_ENQCMDS_MAX ? IDXD_SYSFS_ENQCMDS_MAX : u;
		return 0;
	case ATTR_WQ_op_config:
		if (running)
			return -EPERM;
		return parse_op_config(&s->caps, buf, wq->op_config);
	default:
		break;
	}
	return -EACCES;
}

int idxd_sysfs_store(struct idxd_sysfs *s, const struct idxd_sysfs_obj *obj,
		     const char *attr, const char *buf, size_t len)
{
	const struct idxd_sysfs_attr_def *a = idxd_sysfs_attr_find(s, obj->kind, attr);
	char text[IDXD_SYSFS_STORE_MAX + 1];
	struct idxd_sysfs_dev *d;

	if (!a || !s->loaded || obj->dev >= s->nr_devs)
		return -ENOENT;
	if (!(a->mode & 0200))
		return -EACCES;
	if (len > IDXD_SYSFS_STORE_MAX)
		return -E2BIG;
	/* The kernel hands a store a NUL-terminated copy; a NUL inside ends it. */
	memcpy(text, buf, len);
	text[len] = 0;
	d = &s->devs[obj->dev];
	switch (obj->kind) {
	case IDXD_SYSFS_DEVICE:
		return store_device(s, d, a->id, text);
	case IDXD_SYSFS_WQ:
		return store_wq(s, d, &d->wqs[obj->id], a->id, text);
	case IDXD_SYSFS_GROUP:
		return store_group(s, d, obj->id, a->id, text);
	case IDXD_SYSFS_ENGINE:
		return store_engine(s, d, obj->id, text);
	}
	return -ENOENT;
}
