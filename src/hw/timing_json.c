// SPDX-License-Identifier: MIT
/*
 * The timing table as JSON: one object, one member per parameter, named as
 * the struct field.  Times are integers (virtual ns), bandwidths numbers
 * (B/ns = GB/s).  A file names only what it changes; the rest keeps the
 * defaults.  An unknown member, a wrong type or a value out of range is an
 * error that names the member (a misspelt key would otherwise be a silent
 * no-op, the worst kind of calibration bug).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <sva/timing.h>

#include "textfile.h"

enum kind { K_TIME, K_BW };

struct field {
	const char *name;
	size_t off;
	enum kind kind;
};

#define T(f) { #f, offsetof(struct sva_timing, f), K_TIME }
#define B(f) { #f, offsetof(struct sva_timing, f), K_BW }

static const struct field fields[] = {
	T(enqcmd_rtt), T(movdir64b), T(mmio_read), T(mmio_write), T(mem_access),
	T(walk_per_level), T(tlb_hit), T(exception), T(msr_write), T(msr_read),
	T(tlb_flush), T(pf_handling), B(cpu_memcpy_bw), T(umwait_c01_exit), T(umwait_c02_exit),
	T(iotlb_hit), T(iotlb_miss), T(pasid_cache_miss), T(inv_wait),
	T(atc_hit), T(atc_miss), T(ats_rtt), T(pri_rtt), T(iopf_handling),
	T(desc_dispatch), T(dev_read_lat), T(desc_fetch), T(desc_overhead), B(engine_bw), B(device_bw),
	T(completion_write), T(interrupt),
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* Every member is 8 bytes: a field added to the struct but not here fails the build. */
_Static_assert(sizeof(struct sva_timing) == NFIELDS * 8, "timing_json.c: fields[] misses a member");
_Static_assert(sizeof(sva_time_t) == 8 && sizeof(double) == 8, "timing members are 8 bytes");

/* Largest time accepted: an hour of virtual time; more is surely a typo. */
#define MAX_TIME 3600000000000ull

static const struct field *find(const char *name)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (!strcmp(fields[i].name, name))
			return &fields[i];
	return NULL;
}

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int set_member(struct sva_timing *t, const char *src, const char *key, struct json_object *v,
		      char *err, size_t errlen)
{
	const struct field *f = find(key);
	char *p = (char *)t + (f ? f->off : 0);

	if (!f) {
		if (!strcmp(key, "comment") && json_object_is_type(v, json_type_string))
			return 0;
		return fail(err, errlen, "%s: $.%s: unknown timing parameter (see docs/calibration.md "
			    "for the names)", src, key);
	}
	if (f->kind == K_TIME) {
		int64_t n;

		if (!json_object_is_type(v, json_type_int))
			return fail(err, errlen, "%s: $.%s: must be a whole number of nanoseconds, not %s",
				    src, key, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		errno = 0;
		n = json_object_get_int64(v);
		if (n < 0 || errno || (uint64_t)n > MAX_TIME)
			return fail(err, errlen, "%s: $.%s: %s is out of range (0 .. %llu ns)", src, key,
				    json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), MAX_TIME);
		memcpy(p, &(sva_time_t){ (sva_time_t)n }, sizeof(sva_time_t));
	} else {
		double d;

		if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
			return fail(err, errlen, "%s: $.%s: must be a number of bytes per ns (GB/s), not %s",
				    src, key, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		d = json_object_get_double(v);
		if (!isfinite(d) || d < 0.001 || d > 100000.0)
			return fail(err, errlen, "%s: $.%s: %s is out of range (0.001 .. 100000 B/ns)", src, key,
				    json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		memcpy(p, &d, sizeof(d));
	}
	return 0;
}

int sva_timing_parse_json(const char *text, const char *name, struct sva_timing *t, char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root;
	struct sva_timing tmp;
	enum json_tokener_error je;
	int r = 0;

	if (!tok)
		return fail(err, errlen, "%s: out of memory", name);
	root = json_tokener_parse_ex(tok, text, (int)strlen(text));
	je = json_tokener_get_error(tok);
	if (!root || je != json_tokener_success || tok->char_offset < (int)strlen(text)) {
		size_t off = (size_t)tok->char_offset;

		json_object_put(root);
		json_tokener_free(tok);
		return fail(err, errlen, "%s: not valid JSON at byte %zu: %s", name, off,
			    je != json_tokener_success ? json_tokener_error_desc(je) : "trailing text");
	}
	json_tokener_free(tok);
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return fail(err, errlen, "%s: $: the timing table must be a JSON object", name);
	}
	tmp = *t;
	json_object_object_foreach(root, key, val) {
		r = set_member(&tmp, name, key, val, err, errlen);
		if (r)
			break;
	}
	if (!r && (tmp.engine_bw <= 0 || tmp.device_bw <= 0 || tmp.cpu_memcpy_bw <= 0))
		r = fail(err, errlen, "%s: bandwidths must be positive", name);
	if (!r)
		*t = tmp;
	json_object_put(root);
	return r;
}

int sva_timing_load_json(const char *path, struct sva_timing *t, char *err, size_t errlen)
{
	char *buf, why[160];
	int r;

	r = sva_read_text_file(path, SVA_TIMING_MAX, "a timing table", &buf, why, sizeof(why));
	if (r)
		return fail(err, errlen, "%s: %s", path, why);
	r = sva_timing_parse_json(buf, path, t, err, errlen);
	free(buf);
	return r;
}

char *sva_timing_to_json(const struct sva_timing *t)
{
	size_t cap = 64 + NFIELDS * 48, len = 0;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	len += (size_t)snprintf(s + len, cap - len, "{\n");
	for (size_t i = 0; i < NFIELDS; i++) {
		const char *p = (const char *)t + fields[i].off;
		const char *sep = i + 1 < NFIELDS ? "," : "";

		if (fields[i].kind == K_TIME) {
			sva_time_t v;

			memcpy(&v, p, sizeof(v));
			len += (size_t)snprintf(s + len, cap - len, "  \"%s\": %llu%s\n", fields[i].name,
						(unsigned long long)v, sep);
		} else {
			double v;

			char num[40];

			memcpy(&v, p, sizeof(v));
			/* The shortest %g that reads back as the same double (17 digits always do). */
			for (int prec = 6; prec <= 17; prec++) {
				snprintf(num, sizeof(num), "%.*g", prec, v);
				if (strtod(num, NULL) == v)
					break;
			}
			/* A whole number gets a ".0" so it reads back as a bandwidth, not a time. */
			len += (size_t)snprintf(s + len, cap - len, "  \"%s\": %s%s%s\n", fields[i].name, num,
						strpbrk(num, ".eEn") ? "" : ".0", sep);
		}
	}
	snprintf(s + len, cap - len, "}\n");
	return s;
}

size_t sva_timing_nparams(void)
{
	return NFIELDS;
}

const char *sva_timing_param_name(size_t i)
{
	return i < NFIELDS ? fields[i].name : NULL;
}
