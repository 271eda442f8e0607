// SPDX-License-Identifier: MIT
/*
 * Reading a scenario file: every problem is reported once, with the JSON
 * path of the offending value and what was expected.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json_strict.h"
#include "scenario.h"
#include "scenario_json.h"
#include "textfile.h"

int scn_fail(struct pctx *c, const char *path, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s: %s: %s", c->origin, path, msg);
	return -EINVAL;
}

const char *scn_type_name(json_object *o)
{
	return o ? json_type_to_name(json_object_get_type(o)) : "null";
}

int scn_get_u64(struct pctx *c, json_object *o, const char *path, uint64_t min, uint64_t max,
		   uint64_t *out)
{
	int64_t v;
	uint64_t u;

	if (!json_object_is_type(o, json_type_int))
		return scn_fail(c, path, "expected an integer, found %s", scn_type_name(o));
	/* json-c keeps integers above INT64_MAX unsigned; int64 reads of them saturate. */
	v = json_object_get_int64(o);
	u = json_object_get_uint64(o);
	if (v < 0)
		return scn_fail(c, path, "%lld is out of range [%llu, %llu]", (long long)v,
			    (unsigned long long)min, (unsigned long long)max);
	if (u < min || u > max)
		return scn_fail(c, path, "%llu is out of range [%llu, %llu]", (unsigned long long)u,
			    (unsigned long long)min, (unsigned long long)max);
	*out = u;
	return 0;
}

int scn_get_bool(struct pctx *c, json_object *o, const char *path, bool *out)
{
	if (!json_object_is_type(o, json_type_boolean))
		return scn_fail(c, path, "expected true or false, found %s", scn_type_name(o));
	*out = json_object_get_boolean(o);
	return 0;
}

int scn_get_name(struct pctx *c, json_object *o, const char *path, char *out, size_t len)
{
	const char *s;

	if (!json_object_is_type(o, json_type_string))
		return scn_fail(c, path, "expected a name (string), found %s", scn_type_name(o));
	s = json_object_get_string(o);
	if (!*s || strlen(s) >= len)
		return scn_fail(c, path, "a name must have 1 to %zu characters", len - 1);
	snprintf(out, len, "%s", s);
	return 0;
}

static int get_prot(struct pctx *c, json_object *o, const char *path, unsigned *out)
{
	const char *s;

	if (!json_object_is_type(o, json_type_string))
		return scn_fail(c, path, "expected \"none\", \"r\", \"w\", \"rw\", \"rx\" or \"rwx\"");
	s = json_object_get_string(o);
	*out = 0;
	if (strcmp(s, "none")) {
		for (const char *p = s; *p; p++) {
			switch (*p) {
			case 'r': *out |= 1; break;
			case 'w': *out |= 2; break;
			case 'x': *out |= 4; break;
			default:
				return scn_fail(c, path, "\"%s\" is not a protection (use r, w, x or none)", s);
			}
		}
		if (!*s)
			return scn_fail(c, path, "empty protection (use \"none\")");
	}
	return 0;
}

static const struct { const char *name; enum step_kind kind; } kinds[] = {
	{ "open", ST_OPEN }, { "close", ST_CLOSE }, { "mmap", ST_MMAP }, { "munmap", ST_MUNMAP },
	{ "mprotect", ST_MPROTECT }, { "touch", ST_TOUCH }, { "submit", ST_SUBMIT },
	{ "thread", ST_THREAD }, { "join", ST_JOIN }, { "fork", ST_FORK }, { "waitpid", ST_WAITPID },
	{ "sleep", ST_SLEEP }, { "migrate", ST_MIGRATE }, { "reclaim", ST_RECLAIM },
	{ "exit", ST_EXIT }, { "enqcmd", ST_ENQCMD }, { "desc", ST_DESC }, { "raw", ST_RAW },
};

static const struct { const char *name; enum submit_op op; } ops[] = {
	{ "memmove", OP_MEMMOVE }, { "fill", OP_FILL }, { "compare", OP_COMPARE },
	{ "crc", OP_CRC }, { "noop", OP_NOOP }, { "cache_flush", OP_CFLUSH },
};

/* Keys each step accepts besides "do". */
static const char *allowed[] = {
	[ST_OPEN] = "wq as",
	[ST_CLOSE] = "wq",
	[ST_MMAP] = "as size prot shared",
	[ST_MUNMAP] = "buf offset size",
	[ST_MPROTECT] = "buf offset size prot",
	[ST_TOUCH] = "buf offset size write",
	[ST_SUBMIT] = "wq op src dst size count batch bof wait resubmit verify pattern",
	[ST_THREAD] = "run count",
	[ST_JOIN] = "",
	[ST_FORK] = "run",
	[ST_WAITPID] = "",
	[ST_SLEEP] = "ns",
	[ST_MIGRATE] = "buf offset",
	[ST_RECLAIM] = "buf offset",
	[ST_EXIT] = "code",
	[ST_ENQCMD] = "wq",
	/* ST_DESC and ST_RAW: scenario_desc_parse.c checks their keys */
};

/* Whether @key is one of the space-separated words of the step's list, exactly. */
static bool key_allowed(enum step_kind k, const char *key)
{
	size_t n = strlen(key);

	if (!strcmp(key, "do") || !strcmp(key, "comment"))
		return true;
	for (const char *p = allowed[k]; *p; ) {
		size_t w = strcspn(p, " ");

		if (w == n && !memcmp(p, key, n))
			return true;
		p += w;
		p += *p == ' ';
	}
	return false;
}

static int parse_step(struct pctx *c, json_object *o, const char *path, struct step *st)
{
	json_object *v;
	char sub[200];
	int r = 0;

	memset(st, 0, sizeof(*st));
	snprintf(st->path, sizeof(st->path), "%s", path);
	if (!json_object_is_type(o, json_type_object))
		return scn_fail(c, path, "a step must be an object such as {\"do\": \"mmap\", ...}");
	if (!json_object_object_get_ex(o, "do", &v) || !json_object_is_type(v, json_type_string))
		return scn_fail(c, path, "missing \"do\": what the step does (open, mmap, submit, ...)");
	{
		const char *d = json_object_get_string(v);
		size_t i;

		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (!strcmp(d, kinds[i].name))
				break;
		if (i == sizeof(kinds) / sizeof(kinds[0]))
			return scn_fail(c, path, "unknown step \"%s\"", d);
		st->kind = kinds[i].kind;
	}
	if (st->kind == ST_DESC || st->kind == ST_RAW)
		return scn_parse_desc_step(c, o, path, st);
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (!key_allowed(st->kind, key))
			return scn_fail(c, path, "\"%s\" is not a field of this step (fields: %s)", key,
				    allowed[st->kind][0] ? allowed[st->kind] : "none");
	}
	st->count = 1;
	st->prot = 3;
	st->verify = false;
	st->resubmit = true;
#define FIELD(k) (snprintf(sub, sizeof(sub), "%s.%s", path, k), json_object_object_get_ex(o, k, &v))
#define NEED(k) do { if (!FIELD(k)) return scn_fail(c, path, "missing \"%s\"", k); } while (0)
	switch (st->kind) {
	case ST_OPEN:
		NEED("wq");
		r = scn_get_name(c, v, sub, st->b, sizeof(st->b));
		if (!r) {
			NEED("as");
			r = scn_get_name(c, v, sub, st->a, sizeof(st->a));
		}
		break;
	case ST_CLOSE:
	case ST_ENQCMD:
		NEED("wq");
		r = scn_get_name(c, v, sub, st->a, sizeof(st->a));
		break;
	case ST_MMAP:
		NEED("as");
		r = scn_get_name(c, v, sub, st->a, sizeof(st->a));
		if (!r) {
			NEED("size");
			r = scn_get_u64(c, v, sub, 1, 1ull << 32, &st->size);
		}
		if (!r && FIELD("prot"))
			r = get_prot(c, v, sub, &st->prot);
		if (!r && FIELD("shared"))
			r = scn_get_bool(c, v, sub, &st->shared);
		break;
	case ST_MUNMAP:
	case ST_MPROTECT:
	case ST_TOUCH:
	case ST_MIGRATE:
	case ST_RECLAIM:
		NEED("buf");
		r = scn_get_name(c, v, sub, st->a, sizeof(st->a));
		if (!r && FIELD("offset"))
			r = scn_get_u64(c, v, sub, 0, 1ull << 32, &st->offset);
		if (!r && FIELD("size"))
			r = scn_get_u64(c, v, sub, 1, 1ull << 32, &st->size);
		if (!r && st->kind == ST_MPROTECT) {
			NEED("prot");
			r = get_prot(c, v, sub, &st->prot);
		}
		if (!r && FIELD("write"))
			r = scn_get_bool(c, v, sub, &st->write);
		break;
	case ST_SUBMIT: {
		const char *opn;
		size_t i;

		NEED("wq");
		r = scn_get_name(c, v, sub, st->a, sizeof(st->a));
		if (r)
			break;
		NEED("op");
		opn = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
		for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			if (!strcmp(opn, ops[i].name))
				break;
		if (i == sizeof(ops) / sizeof(ops[0]))
			return scn_fail(c, sub, "expected one of memmove, fill, compare, crc, noop, cache_flush");
		st->op = ops[i].op;
		if (FIELD("src"))
			r = scn_get_name(c, v, sub, st->run, sizeof(st->run));
		else if (st->op == OP_MEMMOVE || st->op == OP_COMPARE || st->op == OP_CRC)
			return scn_fail(c, path, "missing \"src\": the buffer to read");
		if (!r && FIELD("dst"))
			r = scn_get_name(c, v, sub, st->b, sizeof(st->b));
		else if (!r && (st->op == OP_MEMMOVE || st->op == OP_FILL || st->op == OP_COMPARE ||
				st->op == OP_CFLUSH))
			return scn_fail(c, path, "missing \"dst\": the buffer to write (or compare with)");
		if (!r && FIELD("size"))
			r = scn_get_u64(c, v, sub, 1, 1u << 31, &st->size);
		else if (!r && st->op != OP_NOOP)
			return scn_fail(c, path, "missing \"size\": bytes per descriptor");
		if (!r && FIELD("count"))
			r = scn_get_u64(c, v, sub, 1, 1000000, &st->count);
		if (!r && FIELD("batch")) {
			uint64_t b;

			r = scn_get_u64(c, v, sub, 0, 1024, &b);
			if (!r && b == 1)
				return scn_fail(c, sub, "a batch holds 2 to 1024 descriptors (0: no batch)");
			st->batch = (unsigned)b;
		}
		if (!r && FIELD("bof"))
			r = scn_get_bool(c, v, sub, &st->bof);
		if (!r && FIELD("resubmit"))
			r = scn_get_bool(c, v, sub, &st->resubmit);
		if (!r && FIELD("verify"))
			r = scn_get_bool(c, v, sub, &st->verify);
		if (!r && FIELD("pattern"))
			r = scn_get_u64(c, v, sub, 0, UINT64_MAX, &st->pattern);
		if (!r && FIELD("wait")) {
			const char *w = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";

			if (!strcmp(w, "none"))
				st->nowait = true;
			else if (!strcmp(w, "umwait"))
				st->umwait = true;
			else if (strcmp(w, "poll"))
				return scn_fail(c, sub, "expected \"poll\" (read each completion record until "
					    "written), \"umwait\" (rest on it in UMWAIT) or \"none\" "
					    "(leave them in flight)");
		}
		break;
	}
	case ST_THREAD:
	case ST_FORK:
		NEED("run");
		r = scn_get_name(c, v, sub, st->run, sizeof(st->run));
		if (!r && st->kind == ST_THREAD && FIELD("count"))
			r = scn_get_u64(c, v, sub, 1, 64, &st->count);
		break;
	case ST_SLEEP:
		NEED("ns");
		r = scn_get_u64(c, v, sub, 0, 1000ull * SVA_SEC, &st->ns);
		break;
	case ST_EXIT:
		if (FIELD("code")) {
			uint64_t code;

			r = scn_get_u64(c, v, sub, 0, 255, &code);
			st->code = (int)code;
		}
		break;
	case ST_JOIN:
	case ST_WAITPID:
	case ST_DESC:
	case ST_RAW:
		break;
	}
#undef FIELD
#undef NEED
	return r;
}

static int parse_list(struct pctx *c, json_object *o, const char *path, const char *name,
		      struct steplist *l)
{
	size_t n;

	snprintf(l->name, sizeof(l->name), "%s", name);
	if (!json_object_is_type(o, json_type_array))
		return scn_fail(c, path, "expected a list of steps, found %s", scn_type_name(o));
	n = json_object_array_length(o);
	if (n > 10000)
		return scn_fail(c, path, "at most 10000 steps");
	l->steps = calloc(n ? n : 1, sizeof(*l->steps));
	if (!l->steps)
		return -ENOMEM;
	l->n = (unsigned)n;
	for (size_t i = 0; i < n; i++) {
		char sub[128];
		int r;

		snprintf(sub, sizeof(sub), "%.100s[%zu]", path, i);
		r = parse_step(c, json_object_array_get_idx(o, i), sub, &l->steps[i]);
		if (r)
			return r;
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(const struct steplist *const *)a)->name, (*(const struct steplist *const *)b)->name);
}

/* Every reference to a step list must name one that exists (@sorted: the lists by name). */
static int check_refs(struct pctx *c, const struct steplist *const *sorted, unsigned n,
		      const struct steplist *l)
{
	for (unsigned i = 0; i < l->n; i++) {
		const struct step *st = &l->steps[i];
		struct steplist key, *kp = &key;

		if (st->kind != ST_THREAD && st->kind != ST_FORK)
			continue;
		memcpy(key.name, st->run, sizeof(key.name));
		if (!n || !bsearch(&kp, sorted, n, sizeof(*sorted), by_name))
			return scn_fail(c, st->path, "\"run\": no step list \"%s\" in this process's \"threads\"",
				    st->run);
	}
	return 0;
}

/* check_refs() for every list of @p: sorted names, so that 80000 lists stay linear-ish. */
static int check_all_refs(struct pctx *c, const struct scn_proc *p)
{
	const struct steplist **sorted = calloc(p->nlists ? p->nlists : 1, sizeof(*sorted));
	int r;

	if (!sorted)
		return -ENOMEM;
	for (unsigned i = 0; i < p->nlists; i++)
		sorted[i] = &p->lists[i];
	qsort(sorted, p->nlists, sizeof(*sorted), by_name);
	r = check_refs(c, sorted, p->nlists, &p->main);
	for (unsigned i = 0; !r && i < p->nlists; i++)
		r = check_refs(c, sorted, p->nlists, &p->lists[i]);
	free(sorted);
	return r;
}

static int parse_proc(struct pctx *c, json_object *o, const char *path, struct scn_proc *p)
{
	json_object *v;
	char sub[96];
	int r;

	if (!json_object_is_type(o, json_type_object))
		return scn_fail(c, path, "a process must be an object with \"name\" and \"main\"");
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (strcmp(key, "name") && strcmp(key, "main") && strcmp(key, "threads") &&
		    strcmp(key, "start_ns") && strcmp(key, "comment"))
			return scn_fail(c, path, "\"%s\" is not a field of a process (name, start_ns, main, threads)", key);
	}
	snprintf(sub, sizeof(sub), "%.60s.name", path);
	if (!json_object_object_get_ex(o, "name", &v))
		return scn_fail(c, path, "missing \"name\"");
	r = scn_get_name(c, v, sub, p->name, sizeof(p->name));
	if (r)
		return r;
	if (json_object_object_get_ex(o, "start_ns", &v)) {
		snprintf(sub, sizeof(sub), "%.60s.start_ns", path);
		r = scn_get_u64(c, v, sub, 0, 1000ull * SVA_SEC, &p->start);
		if (r)
			return r;
	}
	if (json_object_object_get_ex(o, "threads", &v)) {
		size_t n = 0, i = 0;

		snprintf(sub, sizeof(sub), "%.60s.threads", path);
		if (!json_object_is_type(v, json_type_object))
			return scn_fail(c, sub, "expected an object of named step lists");
		{
			json_object_object_foreach(v, k2, v2) {
				(void)k2;
				(void)v2;
				n++;
			}
		}
		p->lists = calloc(n ? n : 1, sizeof(*p->lists));
		if (!p->lists)
			return -ENOMEM;
		p->nlists = (unsigned)n;
		json_object_object_foreach(v, lname, lv) {
			char lpath[128];

			if (strlen(lname) >= SCN_NAME)
				return scn_fail(c, sub, "step list name \"%s\" is too long", lname);
			snprintf(lpath, sizeof(lpath), "%.60s.%.40s", sub, lname);
			r = parse_list(c, lv, lpath, lname, &p->lists[i++]);
			if (r)
				return r;
		}
	}
	snprintf(sub, sizeof(sub), "%.60s.main", path);
	if (!json_object_object_get_ex(o, "main", &v))
		return scn_fail(c, path, "missing \"main\": the steps of the process's first thread");
	r = parse_list(c, v, sub, "main", &p->main);
	if (r)
		return r;
	return check_all_refs(c, p);
}

/* "origin:line:column: not valid JSON: reason" for byte @off of @text. */
static int not_json(const char *text, size_t off, const char *origin, const char *why, char *err,
		    size_t errlen)
{
	size_t line = 1, col = 1;

	for (size_t i = 0; i < off && text[i]; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	snprintf(err, errlen, "%s:%zu:%zu: not valid JSON: %s", origin, line, col, why);
	return -EINVAL;
}

/*
 * json-c, strict, on @len bytes at @text + @off; *@end gets the offset it
 * stopped at.  -EINVAL with json-c's message when it refuses them.
 */
static int tokenize(const char *text, size_t off, size_t len, const char *origin, json_object **out,
		    size_t *end, char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new();
	enum json_tokener_error jerr;

	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
	*out = json_tokener_parse_ex(tok, text + off, (int)len);
	*end = off + (size_t)tok->char_offset;
	jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (*out && jerr == json_tokener_success)
		return 0;
	json_object_put(*out);
	*out = NULL;
	return not_json(text, *end, origin, jerr == json_tokener_continue ?
			"unexpected end of file" : json_tokener_error_desc(jerr), err, errlen);
}

/* Process @i: from the tree, or parsed from its own text (json_split). */
static int proc_json(struct pctx *c, json_object *procs, unsigned i, json_object **out)
{
	size_t end;

	if (!c->split) {
		*out = json_object_get(json_object_array_get_idx(procs, i));
		return 0;
	}
	/* One byte more, the ',' or ']' after it: json-c cannot end a bare number at end of input. */
	return tokenize(c->text, c->split->elems[i].off, c->split->elems[i].len + 1, c->origin, out, &end,
			c->err, c->errlen);
}

static int parse_top(struct pctx *c, json_object *root, struct scenario *s)
{
	json_object *v;
	int r;

	if (!json_object_is_type(root, json_type_object))
		return scn_fail(c, "$", "a scenario is a JSON object");
	json_object_object_foreach(root, key, val) {
		(void)val;
		if (strcmp(key, "name") && strcmp(key, "description") && strcmp(key, "seed") &&
		    strcmp(key, "accel_config") && strcmp(key, "machine") && strcmp(key, "iommu") &&
		    strcmp(key, "processes") && strcmp(key, "comment") && strcmp(key, "faults"))
			return scn_fail(c, "$", "\"%s\" is not a scenario field (name, description, seed, "
				    "accel_config, machine, iommu, faults, processes)", key);
	}
	if (json_object_object_get_ex(root, "name", &v)) {
		if (!json_object_is_type(v, json_type_string))
			return scn_fail(c, "$.name", "expected a string");
		sva_utf8_copy(s->name, sizeof(s->name), json_object_get_string(v));
	}
	if (json_object_object_get_ex(root, "description", &v)) {
		if (!json_object_is_type(v, json_type_string))
			return scn_fail(c, "$.description", "expected a string");
		sva_utf8_copy(s->description, sizeof(s->description), json_object_get_string(v));
	}
	if (json_object_object_get_ex(root, "seed", &v)) {
		r = scn_get_u64(c, v, "$.seed", 0, INT64_MAX, &s->seed);
		if (r)
			return r;
		s->has_seed = true;
	}
	if (json_object_object_get_ex(root, "accel_config", &v)) {
		if (json_object_is_type(v, json_type_string)) {
			const char *f = json_object_get_string(v);
			size_t n = strlen(c->base_dir) + strlen(f) + 2;

			s->accel_config = malloc(n);
			if (!s->accel_config)
				return -ENOMEM;
			if (f[0] == '/' || !c->base_dir[0])
				snprintf(s->accel_config, n, "%s", f);
			else
				snprintf(s->accel_config, n, "%s/%s", c->base_dir, f);
		} else if (json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array)) {
			s->accel_config = strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
			if (!s->accel_config)
				return -ENOMEM;
		} else {
			return scn_fail(c, "$.accel_config", "expected a file name or an accel-config JSON object");
		}
	}
	if (json_object_object_get_ex(root, "machine", &v)) {
		json_object *m;
		uint64_t x;

		if (!json_object_is_type(v, json_type_object))
			return scn_fail(c, "$.machine", "expected an object (cpus, ram_mb, pasid_max, frames, atc_entries, "
				    "pcie_path)");
		json_object_object_foreach(v, key2, val2) {
			(void)val2;
			if (strcmp(key2, "cpus") && strcmp(key2, "ram_mb") && strcmp(key2, "pasid_max") &&
			    strcmp(key2, "frames") && strcmp(key2, "atc_entries") && strcmp(key2, "pcie_path"))
				return scn_fail(c, "$.machine", "\"%s\" is not a machine field (cpus, ram_mb, "
					    "pasid_max, frames, atc_entries, pcie_path)", key2);
		}
		if (json_object_object_get_ex(v, "cpus", &m)) {
			if ((r = scn_get_u64(c, m, "$.machine.cpus", 1, 256, &x)))
				return r;
			s->cpus = (unsigned)x;
		}
		if (json_object_object_get_ex(v, "ram_mb", &m)) {
			if ((r = scn_get_u64(c, m, "$.machine.ram_mb", 16, 1u << 20, &x)))
				return r;
			s->ram = x << 20;
		}
		if (json_object_object_get_ex(v, "frames", &m)) {
			if ((r = scn_get_u64(c, m, "$.machine.frames", 64, 1ull << 30, &s->frames)))
				return r;
		}
		if (json_object_object_get_ex(v, "atc_entries", &m)) {
			if ((r = scn_get_u64(c, m, "$.machine.atc_entries", 4, 4096, &x)))
				return r;
			s->atc_entries = (unsigned)x;
		}
		if (json_object_object_get_ex(v, "pasid_max", &m)) {
			if ((r = scn_get_u64(c, m, "$.machine.pasid_max", 2, 1u << 20, &x)))
				return r;
			s->pasid_max = (uint32_t)x;
		}
		/* [{"type": "root_port", "dmwr": B}, {"type": "switch", "dmwr": B}, ...], root side first */
		if (json_object_object_get_ex(v, "pcie_path", &m)) {
			size_t n = json_object_is_type(m, json_type_array) ? json_object_array_length(m) : 0;

			if (n < 1 || n > 1 + SVA_PCIE_MAX_SWITCHES)
				return scn_fail(c, "$.machine.pcie_path", "expected an array of 1..%d ports: a root_port, "
					    "then switches", 1 + SVA_PCIE_MAX_SWITCHES);
			for (size_t i = 0; i < n; i++) {
				json_object *port = json_object_array_get_idx(m, i), *f;
				const char *want = i ? "switch" : "root_port", *type;
				char sub[64];
				bool dmwr = true;

				snprintf(sub, sizeof(sub), "$.machine.pcie_path[%zu]", i);
				if (!json_object_is_type(port, json_type_object) ||
				    !json_object_object_get_ex(port, "type", &f) ||
				    !json_object_is_type(f, json_type_string))
					return scn_fail(c, sub, "expected an object with \"type\" (root_port, switch) "
						    "and \"dmwr\" (true or false)");
				type = json_object_get_string(f);
				if (strcmp(type, want))
					return scn_fail(c, sub, "type \"%s\": expected \"%s\" (the root port comes "
						    "first, only switches follow)", type, want);
				json_object_object_foreach(port, key3, val3) {
					(void)val3;
					if (strcmp(key3, "type") && strcmp(key3, "dmwr"))
						return scn_fail(c, sub, "\"%s\" is not a port field (type, dmwr)", key3);
				}
				if (json_object_object_get_ex(port, "dmwr", &f)) {
					snprintf(sub + strlen(sub), sizeof(sub) - strlen(sub), ".dmwr");
					if ((r = scn_get_bool(c, f, sub, &dmwr)))
						return r;
				}
				if (i)
					s->pcie_path.switch_no_dmwr[i - 1] = !dmwr;
				else
					s->pcie_path.root_no_dmwr = !dmwr;
			}
			s->pcie_path.nr_switches = (unsigned)n - 1;
		}
	}
	if (json_object_object_get_ex(root, "iommu", &v)) {
		json_object *m;
		uint64_t x;

		if (!json_object_is_type(v, json_type_object))
			return scn_fail(c, "$.iommu", "expected an object (iotlb_sets, iotlb_ways, prq_overflow)");
		json_object_object_foreach(v, key2, val2) {
			(void)val2;
			if (strcmp(key2, "iotlb_sets") && strcmp(key2, "iotlb_ways") && strcmp(key2, "prq_overflow") &&
			    strcmp(key2, "prq_limit"))
				return scn_fail(c, "$.iommu", "\"%s\" is not an iommu field (iotlb_sets, iotlb_ways, "
					    "prq_overflow, prq_limit)", key2);
		}
		if (json_object_object_get_ex(v, "iotlb_sets", &m)) {
			if ((r = scn_get_u64(c, m, "$.iommu.iotlb_sets", 1, 4096, &x)))
				return r;
			s->iommu.iotlb_sets = (unsigned)x;
		}
		if (json_object_object_get_ex(v, "iotlb_ways", &m)) {
			if ((r = scn_get_u64(c, m, "$.iommu.iotlb_ways", 1, 64, &x)))
				return r;
			s->iommu.iotlb_ways = (unsigned)x;
		}
		if (json_object_object_get_ex(v, "prq_limit", &m)) {
			if ((r = scn_get_u64(c, m, "$.iommu.prq_limit", 1, 127, &x)))
				return r;
			s->iommu.prq_limit = (unsigned)x;
		}
		if (json_object_object_get_ex(v, "prq_overflow", &m)) {
			const char *p = json_object_is_type(m, json_type_string) ? json_object_get_string(m) : "";

			if (!strcmp(p, "success"))
				s->iommu.prq_overflow = SVA_PRQ_OVF_AUTO_SUCCESS;
			else if (!strcmp(p, "invalid"))
				s->iommu.prq_overflow = SVA_PRQ_OVF_AUTO_INVALID;
			else if (!strcmp(p, "drop"))
				s->iommu.prq_overflow = SVA_PRQ_OVF_DROP;
			else
				return scn_fail(c, "$.iommu.prq_overflow", "expected \"success\", \"invalid\" or \"drop\"");
		}
	}
	if (json_object_object_get_ex(root, "faults", &v)) {
		json_object *m;
		uint64_t x;

		if (!json_object_is_type(v, json_type_object))
			return scn_fail(c, "$.faults", "expected an object (iopf_response_failures, time_limit_ns)");
		json_object_object_foreach(v, key2, val2) {
			(void)val2;
			if (strcmp(key2, "iopf_response_failures") && strcmp(key2, "time_limit_ns") &&
			    strcmp(key2, "device_reset_at_ns") && strcmp(key2, "irq_lost_every") &&
			    strcmp(key2, "device_halt_at_ns") &&
			    strcmp(key2, "irq_spurious_every") && strcmp(key2, "poll_limit_ns"))
				return scn_fail(c, "$.faults", "\"%s\" is not a fault (iopf_response_failures, "
					    "device_reset_at_ns, device_halt_at_ns, irq_lost_every, irq_spurious_every, "
					    "poll_limit_ns, time_limit_ns)", key2);
		}
		if (json_object_object_get_ex(v, "iopf_response_failures", &m)) {
			if ((r = scn_get_u64(c, m, "$.faults.iopf_response_failures", 0, 1000000, &x)))
				return r;
			s->iopf_failures = (unsigned)x;
		}
		if (json_object_object_get_ex(v, "device_reset_at_ns", &m) &&
		    (r = scn_get_u64(c, m, "$.faults.device_reset_at_ns", 1, 3600ull * SVA_SEC, &s->reset_at)))
			return r;
		if (json_object_object_get_ex(v, "device_halt_at_ns", &m) &&
		    (r = scn_get_u64(c, m, "$.faults.device_halt_at_ns", 1, 3600ull * SVA_SEC, &s->halt_at)))
			return r;
		if (json_object_object_get_ex(v, "irq_lost_every", &m)) {
			if ((r = scn_get_u64(c, m, "$.faults.irq_lost_every", 1, 1000000, &x)))
				return r;
			s->irq_lost_every = (unsigned)x;
		}
		if (json_object_object_get_ex(v, "irq_spurious_every", &m)) {
			if ((r = scn_get_u64(c, m, "$.faults.irq_spurious_every", 1, 1000000, &x)))
				return r;
			s->irq_spurious_every = (unsigned)x;
		}
		if (json_object_object_get_ex(v, "poll_limit_ns", &m) &&
		    (r = scn_get_u64(c, m, "$.faults.poll_limit_ns", 1000, 3600ull * SVA_SEC, &s->poll_limit)))
			return r;
		if (json_object_object_get_ex(v, "time_limit_ns", &m)) {
			if ((r = scn_get_u64(c, m, "$.faults.time_limit_ns", 1000, 3600ull * SVA_SEC, &s->time_limit)))
				return r;
		}
	}
	if (!json_object_object_get_ex(root, "processes", &v))
		return scn_fail(c, "$", "missing \"processes\": the programs to run");
	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0)
		return scn_fail(c, "$.processes", "expected a non-empty list of processes");
	if (json_object_array_length(v) > 1024)
		return scn_fail(c, "$.processes", "at most 1024 processes");
	/* The count only with its array: scenario_free() walks what it says. */
	s->procs = calloc(json_object_array_length(v), sizeof(*s->procs));
	if (!s->procs)
		return -ENOMEM;
	s->nprocs = (unsigned)json_object_array_length(v);
	for (unsigned i = 0; i < s->nprocs; i++) {
		char sub[64];

		json_object *po;

		snprintf(sub, sizeof(sub), "$.processes[%u]", i);
		r = proc_json(c, v, i, &po);
		if (r)
			return r;
		r = parse_proc(c, po, sub, &s->procs[i]);
		json_object_put(po);
		if (r)
			return r;
	}
	return 0;
}

/*
 * The strict pass (json_strict.h), then json-c in strict mode: json-c's
 * messages for what both refuse, so they stay the same.  Processes are
 * left out of json-c's tree (an array of as many 0s stands in for them) and
 * parsed one at a time later: json-c takes some 20 bytes of memory for
 * each byte of a step, which for the whole file at once was gigabytes.
 */
static int parse_json(struct pctx *c, struct json_split *split, json_object **out)
{
	const char *text = c->text;
	struct json_strict_error je;
	size_t len = strlen(text), end;
	char *top = NULL;
	int r = sva_json_strict_check(text, len, &je, split);

	if (r == -ENOMEM)
		return r;
	if (r && !je.syntax) {
		snprintf(c->err, c->errlen, "%s: %s: %s", c->origin, je.path, je.msg);
		return r;
	}
	if (!r && split->found && split->n) {
		size_t tail = split->whole.off + split->whole.len, n;

		top = malloc(split->whole.off + 2 * split->n + 1 + (len - tail) + 1);
		if (!top)
			return -ENOMEM;
		memcpy(top, text, split->whole.off);
		n = split->whole.off;
		for (size_t i = 0; i < split->n; i++) {
			top[n++] = i ? ',' : '[';
			top[n++] = '0';
		}
		top[n++] = ']';
		memcpy(top + n, text + tail, len - tail + 1);
		text = top;
		len = n + len - tail;
		c->split = split;
	}
	r = tokenize(text, 0, len, c->origin, out, &end, c->err, c->errlen);
	if (!r) {
		/* A complete value followed by more text is also malformed. */
		end += strspn(text + end, " \t\r\n");
		if (end < len)
			r = not_json(text, end, c->origin, "unexpected text after the scenario", c->err, c->errlen);
		else if (je.syntax)	/* json-c took what the strict pass refuses */
			r = not_json(text, je.offset, c->origin, je.msg, c->err, c->errlen);
		if (r) {
			json_object_put(*out);
			*out = NULL;
		}
	}
	free(top);
	return r;
}

int scenario_parse(const char *text, const char *origin, const char *base_dir,
		   struct scenario **out, char *err, size_t errlen)
{
	struct pctx c = { .err = err, .errlen = errlen, .origin = origin,
			  .base_dir = base_dir ? base_dir : "", .text = text };
	struct json_split split = { .key = "processes" };
	struct scenario *s = NULL;
	json_object *root = NULL;
	int r;

	r = parse_json(&c, &split, &root);
	if (!r) {
		s = calloc(1, sizeof(*s));
		r = s ? 0 : -ENOMEM;
	}
	if (!r) {
		sva_utf8_copy(s->name, sizeof(s->name), origin);
		r = parse_top(&c, root, s);
	}
	json_object_put(root);
	free(split.elems);
	if (r) {
		if (r == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", origin);
		scenario_free(s);
		return r;
	}
	*out = s;
	return 0;
}

int scenario_load(const char *path, struct scenario **out, char *err, size_t errlen)
{
	char *buf, dir[512], why[160];
	const char *slash;
	int r;

	r = sva_read_text_file(path, SVA_SCENARIO_MAX, "a scenario", &buf, why, sizeof(why));
	if (r) {
		snprintf(err, errlen, "%s: %s", path, why);
		return r;
	}
	slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 0, path);
	r = scenario_parse(buf, path, dir, out, err, errlen);
	free(buf);
	return r;
}

static void free_steps(struct steplist *l)
{
	for (unsigned i = 0; l->steps && i < l->n; i++)
		scn_free_desc(l->steps[i].desc);
	free(l->steps);
}

void scenario_free(struct scenario *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->nprocs; i++) {
		free_steps(&s->procs[i].main);
		for (unsigned j = 0; j < s->procs[i].nlists; j++)
			free_steps(&s->procs[i].lists[j]);
		free(s->procs[i].lists);
	}
	free(s->procs);
	free(s->accel_config);
	free(s);
}
