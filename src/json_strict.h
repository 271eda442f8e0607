/* SPDX-License-Identifier: MIT */
/*
 * What json-c lets through and a scenario must not contain: duplicate keys
 * (json-c keeps the last one silently), integers that do not fit in 64
 * bits (json-c saturates them), strings with \u0000 (C strings end there),
 * invalid UTF-8 or lone surrogates (they would reach --json output), raw
 * control characters, NaN / Infinity, and numbers such as "1." - none of
 * which RFC 8259 allows.  One linear pass over the text, before json-c.
 */
#ifndef SVA_JSON_STRICT_H
#define SVA_JSON_STRICT_H

#include <stdbool.h>
#include <stddef.h>

struct json_strict_error {
	bool syntax;		/* not JSON at all: report with line and column of @offset */
	size_t offset;		/* byte offset of the problem in the text */
	char path[160];		/* JSON path ($.a[0].b) of the value or object, when !syntax */
	char msg[160];
};

struct json_span {
	size_t off, len;
};

/*
 * Where the elements of one big array are, so that a reader can hand them
 * to json-c one at a time instead of building one tree of the whole file.
 */
struct json_split {
	const char *key;		/* in: a member of the top-level object */
	bool found;			/* out: it is there and is an array */
	struct json_span whole;		/* out: the array, brackets included */
	struct json_span *elems;	/* out: its elements (free() it) */
	size_t n, cap;
};

/* 0, or -EINVAL with @e filled in, or -ENOMEM.  @split may be NULL. */
int sva_json_strict_check(const char *text, size_t len, struct json_strict_error *e,
			  struct json_split *split);

/* Whether @s[0..len) is well-formed UTF-8 (no overlong forms, surrogates or > U+10FFFF). */
bool sva_utf8_valid(const char *s, size_t len);

/*
 * Copy the C string @src into @dst[size] as valid UTF-8: cut at a character
 * boundary when it does not fit, a byte that is no character becomes '?'
 * (file names, which nobody checked).  Returns the length copied.
 */
size_t sva_utf8_copy(char *dst, size_t size, const char *src);

#endif
