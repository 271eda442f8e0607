// SPDX-License-Identifier: MIT
/*
 * The strict pass over a JSON text (json_strict.h).  It reads the grammar
 * of RFC 8259 and nothing else; keys are checked for duplicates per object
 * with one hash table whose slots of closed objects are reused, so time is
 * linear in the text and memory in the keys of the objects open at once.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json_strict.h"

#define MAX_DEPTH	64	/* json-c's own limit is 32: nothing deeper gets here */

struct frame {
	bool array;
	size_t index;		/* arrays: the element being read */
	size_t key, keylen;	/* objects: raw text of the current key; key SIZE_MAX: none */
	uint64_t serial;	/* objects: their keys' tag in the table */
};

struct key_slot {
	uint64_t serial;	/* 0: empty */
	size_t off, len;	/* the raw key in the text */
	uint32_t hash;
};

struct scan {
	const char *t;
	size_t n, i;
	struct frame f[MAX_DEPTH];
	unsigned depth;
	uint64_t serials;
	struct key_slot *tab;
	size_t cap, filled;	/* filled: slots not empty, of open or closed objects */
	char *dec[2];		/* decoded keys, for comparison */
	size_t deccap[2];
	struct json_strict_error *e;
	struct json_split *split;
};

static int syntax(struct scan *s, size_t off, const char *msg)
{
	s->e->syntax = true;
	s->e->offset = off;
	snprintf(s->e->msg, sizeof(s->e->msg), "%s", msg);
	return -EINVAL;
}

/* A problem of the value being read (or, while a key is read, of its object). */
__attribute__((format(printf, 3, 4)))
static int content(struct scan *s, size_t off, const char *fmt, ...)
{
	char *p = s->e->path;
	size_t len = sizeof(s->e->path), n = 0;
	va_list ap;

	s->e->syntax = false;
	s->e->offset = off;
	n += (size_t)snprintf(p, len, "$");
	for (unsigned d = 0; d < s->depth && n < len; d++) {
		const struct frame *f = &s->f[d];

		if (f->array)
			n += (size_t)snprintf(p + n, len - n, "[%zu]", f->index);
		else if (f->key != SIZE_MAX)
			n += (size_t)snprintf(p + n, len - n, ".%.*s", (int)f->keylen, s->t + f->key);
	}
	va_start(ap, fmt);
	vsnprintf(s->e->msg, sizeof(s->e->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool more(const struct scan *s, size_t k)
{
	return s->n - s->i >= k;
}

static int peek(const struct scan *s)
{
	return s->i < s->n ? (unsigned char)s->t[s->i] : -1;
}

static void ws(struct scan *s)
{
	while (s->i < s->n && (s->t[s->i] == ' ' || s->t[s->i] == '\t' || s->t[s->i] == '\n' ||
			       s->t[s->i] == '\r'))
		s->i++;
}

/* Length of the well-formed UTF-8 sequence at @p, or 0. */
static size_t utf8_seq(const unsigned char *p, size_t avail)
{
	unsigned need;
	uint32_t cp, min;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		need = 1, cp = p[0] & 0x1f, min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		need = 2, cp = p[0] & 0x0f, min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 3, cp = p[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (avail < need + 1)
		return 0;
	for (unsigned k = 1; k <= need; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need + 1;
}

bool sva_utf8_valid(const char *s, size_t len)
{
	for (size_t i = 0; i < len; ) {
		size_t k = utf8_seq((const unsigned char *)s + i, len - i);

		if (!k)
			return false;
		i += k;
	}
	return true;
}

/* The four hex digits at @p (at least 4 bytes readable), or -1. */
static long hex4(const char *p)
{
	long v = 0;

	for (int k = 0; k < 4; k++) {
		char c = p[k];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* A string starting at the opening quote; on return s->i is past the closing one. */
static int string(struct scan *s)
{
	size_t start = s->i++;

	for (;;) {
		unsigned char c;
		long u, lo;

		if (s->i >= s->n)
			return syntax(s, start, "unterminated string");
		c = (unsigned char)s->t[s->i];
		if (c == '"') {
			s->i++;
			return 0;
		}
		if (c < 0x20)
			return syntax(s, s->i, "a control character in a string (write it as an escape such as \\n)");
		if (c >= 0x80) {
			size_t k = utf8_seq((const unsigned char *)s->t + s->i, s->n - s->i);

			if (!k)
				return content(s, s->i, "a string that is not valid UTF-8 (byte 0x%02x)", c);
			s->i += k;
			continue;
		}
		if (c != '\\') {
			s->i++;
			continue;
		}
		if (!more(s, 2))
			return syntax(s, start, "unterminated string");
		c = (unsigned char)s->t[s->i + 1];
		if (c && strchr("\"\\/bfnrt", c)) {
			s->i += 2;
			continue;
		}
		if (c != 'u' || !more(s, 6) || (u = hex4(s->t + s->i + 2)) < 0)
			return syntax(s, s->i, "invalid escape in a string");
		if (u == 0)
			return content(s, s->i, "a string must not contain \\u0000");
		s->i += 6;
		if (u >= 0xdc00 && u <= 0xdfff)
			return content(s, s->i - 6, "\\u%04lx is half of a UTF-16 surrogate pair, not a character", u);
		if (u >= 0xd800 && u <= 0xdbff) {
			if (!more(s, 6) || s->t[s->i] != '\\' || s->t[s->i + 1] != 'u' ||
			    (lo = hex4(s->t + s->i + 2)) < 0xdc00 || lo > 0xdfff)
				return content(s, s->i - 6, "\\u%04lx is half of a UTF-16 surrogate pair, not a character", u);
			s->i += 6;
		}
	}
}

/* Decode the (checked) raw string text @raw[0..len) into @out; returns its length. */
static size_t decode(const char *raw, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; ) {
		uint32_t cp;

		if (raw[i] != '\\') {
			out[o++] = raw[i++];
			continue;
		}
		switch (raw[i + 1]) {
		case 'b': out[o++] = '\b'; i += 2; continue;
		case 'f': out[o++] = '\f'; i += 2; continue;
		case 'n': out[o++] = '\n'; i += 2; continue;
		case 'r': out[o++] = '\r'; i += 2; continue;
		case 't': out[o++] = '\t'; i += 2; continue;
		case 'u': break;
		default: out[o++] = raw[i + 1]; i += 2; continue;
		}
		cp = (uint32_t)hex4(raw + i + 2);
		i += 6;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + ((uint32_t)hex4(raw + i + 2) - 0xdc00);
			i += 6;
		}
		if (cp < 0x80) {
			out[o++] = (char)cp;
		} else if (cp < 0x800) {
			out[o++] = (char)(0xc0 | cp >> 6);
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			out[o++] = (char)(0xe0 | cp >> 12);
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[o++] = (char)(0xf0 | cp >> 18);
			out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	return o;
}

/* Decode a raw key into scratch buffer @which (a decoded key is never longer). */
static int decode_key(struct scan *s, int which, size_t off, size_t len, size_t *out)
{
	if (s->deccap[which] < len + 1) {
		char *nb = realloc(s->dec[which], len + 1);

		if (!nb)
			return -ENOMEM;
		s->dec[which] = nb;
		s->deccap[which] = len + 1;
	}
	*out = decode(s->t + off, len, s->dec[which]);
	return 0;
}

static bool object_open(const struct scan *s, uint64_t serial)
{
	for (unsigned d = 0; d < s->depth; d++)
		if (!s->f[d].array && s->f[d].serial == serial)
			return true;
	return false;
}

/* A bigger table with only the keys of objects still open. */
static int grow(struct scan *s)
{
	size_t live = 0, cap = 16;
	struct key_slot *nt;

	for (size_t j = 0; j < s->cap; j++)
		live += s->tab[j].serial && object_open(s, s->tab[j].serial);
	while (cap < 4 * (live + 1))
		cap *= 2;
	nt = calloc(cap, sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	for (size_t j = 0; j < s->cap; j++) {
		size_t k;

		if (!s->tab[j].serial || !object_open(s, s->tab[j].serial))
			continue;
		for (k = s->tab[j].hash & (cap - 1); nt[k].serial; k = (k + 1) & (cap - 1))
			;
		nt[k] = s->tab[j];
	}
	free(s->tab);
	s->tab = nt;
	s->cap = cap;
	s->filled = live;
	return 0;
}

/* Record key [off, off+len) of the innermost object; a second one is an error. */
static int add_key(struct scan *s, size_t off, size_t len)
{
	struct frame *f = &s->f[s->depth - 1];
	size_t dlen, free_slot = SIZE_MAX, j;
	uint32_t h = 2166136261u;
	int r;

	if ((s->filled + 1) * 2 > s->cap && (r = grow(s)))
		return r;
	if ((r = decode_key(s, 0, off, len, &dlen)))
		return r;
	for (size_t k = 0; k < dlen; k++)
		h = (h ^ (unsigned char)s->dec[0][k]) * 16777619u;
	h ^= (uint32_t)(f->serial * 0x9e3779b97f4a7c15ull >> 32);
	for (j = h & (s->cap - 1); s->tab[j].serial; j = (j + 1) & (s->cap - 1)) {
		const struct key_slot *k = &s->tab[j];
		size_t olen;

		if (k->serial == f->serial) {
			if (k->hash != h)
				continue;
			if ((r = decode_key(s, 1, k->off, k->len, &olen)))
				return r;
			if (olen == dlen && !memcmp(s->dec[0], s->dec[1], dlen))
				return content(s, off, "duplicate key \"%.*s\"", (int)(len > 60 ? 60 : len),
					       s->t + off);
		} else if (free_slot == SIZE_MAX && !object_open(s, k->serial)) {
			free_slot = j;	/* a closed object's: reuse it, the chain stays intact */
		}
	}
	if (free_slot == SIZE_MAX) {
		free_slot = j;
		s->filled++;
	}
	s->tab[free_slot] = (struct key_slot){ .serial = f->serial, .off = off, .len = len, .hash = h };
	return 0;
}

static int value(struct scan *s);

static int push(struct scan *s, bool array)
{
	if (s->depth == MAX_DEPTH)
		return syntax(s, s->i, "nested too deeply");
	s->f[s->depth++] = (struct frame){ .array = array, .key = SIZE_MAX,
					   .serial = array ? 0 : ++s->serials };
	s->i++;
	return 0;
}

/* An object or an array, from its opening bracket to past its closing one. */
static int container(struct scan *s, bool array)
{
	char end = array ? ']' : '}';
	struct frame *f;
	int r;

	if ((r = push(s, array)))
		return r;
	f = &s->f[s->depth - 1];
	ws(s);
	for (bool first = true;; first = false) {
		if (first && peek(s) == end)
			break;
		if (!array) {
			size_t k;

			ws(s);
			if (peek(s) != '"')
				return syntax(s, s->i, "a key (a string in double quotes) expected");
			k = s->i + 1;
			f->key = SIZE_MAX;
			if ((r = string(s)) || (r = add_key(s, k, s->i - 1 - k)))
				return r;
			f->key = k;
			f->keylen = s->i - 1 - k;
			ws(s);
			if (peek(s) != ':')
				return syntax(s, s->i, "':' expected after a key");
			s->i++;
		}
		if ((r = value(s)))
			return r;
		ws(s);
		if (peek(s) != ',')
			break;
		s->i++;
		f->index++;
	}
	if (peek(s) != end)
		return syntax(s, s->i, array ? "',' or ']' expected" : "',' or '}' expected");
	s->i++;
	s->depth--;
	return 0;
}

static bool digit(const struct scan *s)
{
	return s->i < s->n && s->t[s->i] >= '0' && s->t[s->i] <= '9';
}

static bool word(const struct scan *s, const char *w)
{
	size_t n = strlen(w);

	return more(s, n) && !strncasecmp(s->t + s->i, w, n);
}

static int not_a_number(struct scan *s)
{
	return syntax(s, s->i, "NaN and Infinity are not JSON numbers");
}

/* An integer json-c would saturate: more than 2^64-1, or less than -2^63. */
static bool fits_64(const char *p, size_t len)
{
	bool neg = *p == '-';
	const char *lim = neg ? "9223372036854775808" : "18446744073709551615";
	size_t ll = strlen(lim);

	if (neg) {
		p++;
		len--;
	}
	return len < ll || (len == ll && memcmp(p, lim, ll) <= 0);
}

static int number(struct scan *s)
{
	size_t start = s->i;
	bool integer = true;

	if (peek(s) == '-')
		s->i++;
	if (word(s, "infinity"))
		return not_a_number(s);
	if (!digit(s))
		return syntax(s, s->i, "a digit expected");
	if (s->t[s->i] == '0') {
		s->i++;
		if (digit(s))
			return syntax(s, start, "a number must not start with 0 (no leading zeros in JSON)");
	} else {
		while (digit(s))
			s->i++;
	}
	if (peek(s) == '.') {
		integer = false;
		s->i++;
		if (!digit(s))
			return syntax(s, s->i, "digits expected after the decimal point");
		while (digit(s))
			s->i++;
	}
	if (peek(s) == 'e' || peek(s) == 'E') {
		integer = false;
		s->i++;
		if (peek(s) == '+' || peek(s) == '-')
			s->i++;
		if (!digit(s))
			return syntax(s, s->i, "digits expected in the exponent");
		while (digit(s))
			s->i++;
	}
	if (integer && !fits_64(s->t + start, s->i - start))
		return content(s, start, "%.*s%s does not fit in 64 bits", (int)(s->i - start > 40 ? 40 : s->i - start),
			       s->t + start, s->i - start > 40 ? "..." : "");
	return 0;
}

static int literal(struct scan *s, const char *w)
{
	size_t n = strlen(w);

	if (!more(s, n) || memcmp(s->t + s->i, w, n))
		return syntax(s, s->i, "unexpected character");
	s->i += n;
	return 0;
}

/* 1: the value about to be read is the split array; 2: one of its elements; else 0. */
static int split_level(const struct scan *s)
{
	const struct frame *f = s->f;

	if (!s->split || !s->depth || f[0].array || f[0].key == SIZE_MAX ||
	    f[0].keylen != strlen(s->split->key) || memcmp(s->t + f[0].key, s->split->key, f[0].keylen))
		return 0;
	if (s->depth == 1)
		return peek(s) == '[';
	return s->depth == 2 && f[1].array ? 2 : 0;
}

static int value_at(struct scan *s)
{
	switch (peek(s)) {
	case -1: return syntax(s, s->i, "unexpected end of file");
	case '{': return container(s, false);
	case '[': return container(s, true);
	case '"': return string(s);
	case 't': return literal(s, "true");
	case 'f': return literal(s, "false");
	case '-': return number(s);
	default:
		if (digit(s))
			return number(s);
		if (word(s, "nan") || word(s, "infinity"))
			return not_a_number(s);
		return literal(s, "null");
	}
}

static int value(struct scan *s)
{
	struct json_split *sp = s->split;
	size_t start;
	int level, r;

	ws(s);
	start = s->i;
	level = split_level(s);
	r = value_at(s);
	if (r || !level)
		return r;
	if (level == 1) {
		sp->found = true;
		sp->whole = (struct json_span){ start, s->i - start };
		return 0;
	}
	if (sp->n == sp->cap) {
		size_t cap = sp->cap ? 2 * sp->cap : 64;
		struct json_span *ne = realloc(sp->elems, cap * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		sp->elems = ne;
		sp->cap = cap;
	}
	sp->elems[sp->n++] = (struct json_span){ start, s->i - start };
	return 0;
}

int sva_json_strict_check(const char *text, size_t len, struct json_strict_error *e,
			  struct json_split *split)
{
	struct scan s = { .t = text, .n = len, .e = e, .split = split };
	int r;

	memset(e, 0, sizeof(*e));
	r = value(&s);
	if (!r) {
		ws(&s);
		if (s.i < s.n)
			r = syntax(&s, s.i, "unexpected text after the document");
	}
	free(s.tab);
	free(s.dec[0]);
	free(s.dec[1]);
	return r;
}

size_t sva_utf8_copy(char *dst, size_t size, const char *src)
{
	size_t o = 0, len = strlen(src);

	for (size_t i = 0; i < len; ) {
		size_t k = utf8_seq((const unsigned char *)src + i, len - i);

		if (!k) {
			if (o + 1 >= size)
				break;
			dst[o++] = '?';	/* a byte that is no character */
			i++;
			continue;
		}
		if (o + k >= size)
			break;	/* cut before the character, never inside it */
		memcpy(dst + o, src + i, k);
		o += k;
		i += k;
	}
	if (size)
		dst[o] = '\0';
	return o;
}
