// SPDX-License-Identifier: MIT
/*
 * Reading the "desc" step (one descriptor of any DSA operation, its
 * parameters by name) and the "raw" step (a descriptor field by field):
 * both become 64 bytes plus the addresses to resolve when the step runs
 * (struct scn_desc).  docs/scenarios.md says what each accepts.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/idxd.h>

#include "scenario.h"
#include "scenario_json.h"

static const struct { const char *name; unsigned opcode; } opnames[] = {
	{ "noop", DSA_OPCODE_NOOP }, { "batch", DSA_OPCODE_BATCH }, { "drain", DSA_OPCODE_DRAIN },
	{ "memmove", DSA_OPCODE_MEMMOVE }, { "fill", DSA_OPCODE_MEMFILL },
	{ "compare", DSA_OPCODE_COMPARE }, { "compare_pattern", DSA_OPCODE_COMPVAL },
	{ "create_delta", DSA_OPCODE_CR_DELTA }, { "apply_delta", DSA_OPCODE_AP_DELTA },
	{ "dualcast", DSA_OPCODE_DUALCAST }, { "crc", DSA_OPCODE_CRCGEN },
	{ "copy_crc", DSA_OPCODE_COPY_CRC }, { "dif_check", DSA_OPCODE_DIF_CHECK },
	{ "dif_insert", DSA_OPCODE_DIF_INS }, { "dif_strip", DSA_OPCODE_DIF_STRP },
	{ "dif_update", DSA_OPCODE_DIF_UPDT }, { "cache_flush", DSA_OPCODE_CFLUSH },
};
#define NOPS (sizeof(opnames) / sizeof(opnames[0]))
#define OPLIST "noop, batch, drain, memmove, fill, compare, compare_pattern, create_delta, " \
	"apply_delta, dualcast, crc, copy_crc, dif_check, dif_insert, dif_strip, dif_update, cache_flush"

static const struct { const char *name; uint32_t bit; } flagnames[] = {
	{ "fence", IDXD_OP_FLAG_FENCE }, { "bof", IDXD_OP_FLAG_BOF }, { "crav", IDXD_OP_FLAG_CRAV },
	{ "rcr", IDXD_OP_FLAG_RCR }, { "rci", IDXD_OP_FLAG_RCI }, { "crsts", IDXD_OP_FLAG_CRSTS },
	{ "cr", IDXD_OP_FLAG_CR }, { "cc", IDXD_OP_FLAG_CC }, { "addr1_tcs", IDXD_OP_FLAG_ADDR1_TCS },
	{ "addr2_tcs", IDXD_OP_FLAG_ADDR2_TCS }, { "addr3_tcs", IDXD_OP_FLAG_ADDR3_TCS },
	{ "cr_tcs", IDXD_OP_FLAG_CR_TCS }, { "stord", IDXD_OP_FLAG_STORD }, { "drdbk", IDXD_OP_FLAG_DRDBK },
	{ "dsts", IDXD_OP_FLAG_DSTS },
	/* op-specific bits 16..18 (docs/dsa-ops.md) */
	{ "crc_seed_from_addr", 1u << 16 }, { "crc_bypass_inversion", 1u << 17 },
	{ "crc_bypass_data_reflection", 1u << 18 }, { "dst2_steering_tag", 1u << 16 },
};

/* The completion statuses by their <linux/idxd.h> names, lower case. */
static const struct { const char *name; uint8_t code; } statusnames[] = {
	{ "none", DSA_COMP_NONE }, { "success", DSA_COMP_SUCCESS }, { "success_pred", DSA_COMP_SUCCESS_PRED },
	{ "page_fault_nobof", DSA_COMP_PAGE_FAULT_NOBOF }, { "page_fault_ir", DSA_COMP_PAGE_FAULT_IR },
	{ "batch_fail", DSA_COMP_BATCH_FAIL }, { "batch_page_fault", DSA_COMP_BATCH_PAGE_FAULT },
	{ "dr_offset_noinc", DSA_COMP_DR_OFFSET_NOINC }, { "dr_offset_erange", DSA_COMP_DR_OFFSET_ERANGE },
	{ "dif_err", DSA_COMP_DIF_ERR }, { "bad_opcode", DSA_COMP_BAD_OPCODE },
	{ "invalid_flags", DSA_COMP_INVALID_FLAGS }, { "nozero_reserve", DSA_COMP_NOZERO_RESERVE },
	{ "xfer_erange", DSA_COMP_XFER_ERANGE }, { "desc_cnt_erange", DSA_COMP_DESC_CNT_ERANGE },
	{ "dr_erange", DSA_COMP_DR_ERANGE }, { "overlap_buffers", DSA_COMP_OVERLAP_BUFFERS },
	{ "dcast_err", DSA_COMP_DCAST_ERR }, { "desclist_align", DSA_COMP_DESCLIST_ALIGN },
	{ "int_handle_inval", DSA_COMP_INT_HANDLE_INVAL }, { "cra_xlat", DSA_COMP_CRA_XLAT },
	{ "cra_align", DSA_COMP_CRA_ALIGN }, { "addr_align", DSA_COMP_ADDR_ALIGN },
	{ "priv_bad", DSA_COMP_PRIV_BAD }, { "traffic_class_conf", DSA_COMP_TRAFFIC_CLASS_CONF },
	{ "pfault_rdba", DSA_COMP_PFAULT_RDBA }, { "hw_err1", DSA_COMP_HW_ERR1 },
	{ "hw_err_drb", DSA_COMP_HW_ERR_DRB }, { "translation_fail", DSA_COMP_TRANSLATION_FAIL },
};

/*
 * The parameters of the "desc" step: where each goes in the descriptor
 * for the operations named in @ops (space-separated), an address (width
 * 0) or a number of @width bytes, and whether the operation needs it.
 */
#define DIF "dif_check dif_insert dif_strip dif_update"
static const struct param {
	const char *name, *ops;
	uint8_t at, width;
	bool required;
} params[] = {
	{ "src", "memmove compare compare_pattern create_delta dualcast crc copy_crc " DIF, 16, 0, true },
	{ "delta", "apply_delta", 16, 0, true },
	{ "delta", "create_delta", 40, 0, true },
	{ "dst", "memmove fill apply_delta dualcast copy_crc dif_insert dif_strip dif_update cache_flush",
	  24, 0, true },
	{ "src2", "compare create_delta", 24, 0, true },
	{ "dst2", "dualcast", 40, 0, true },
	{ "seed_addr", "crc copy_crc", 48, 0, false },
	{ "size", "memmove fill compare compare_pattern create_delta apply_delta dualcast crc copy_crc "
	  DIF " cache_flush", 32, 4, true },
	{ "pattern", "fill", 16, 8, false },
	{ "pattern", "compare_pattern", 24, 8, false },
	{ "expected_result", "compare compare_pattern", 40, 1, false },
	{ "max_delta_size", "create_delta", 48, 4, true },
	{ "expected_result_mask", "create_delta", 56, 1, false },
	{ "delta_size", "apply_delta", 40, 4, true },
	{ "seed", "crc copy_crc", 40, 4, false },
	{ "dif_flags", DIF, 42, 1, false },
	{ "src_dif_flags", "dif_check dif_strip dif_update", 40, 1, false },
	{ "dst_dif_flags", "dif_insert dif_update", 41, 1, false },
	{ "ref_tag", "dif_check dif_strip dif_update", 48, 4, false },
	{ "app_tag_mask", "dif_check dif_strip dif_update", 52, 2, false },
	{ "app_tag", "dif_check dif_strip dif_update", 54, 2, false },
	{ "ref_tag", "dif_insert", 56, 4, false },
	{ "app_tag_mask", "dif_insert", 60, 2, false },
	{ "app_tag", "dif_insert", 62, 2, false },
	{ "dst_ref_tag", "dif_update", 56, 4, false },
	{ "dst_app_tag_mask", "dif_update", 60, 2, false },
	{ "dst_app_tag", "dif_update", 62, 2, false },
};
#define NPARAMS (sizeof(params) / sizeof(params[0]))

/* The "raw" step's fields, whatever the opcode. */
static const struct param rawfields[] = {
	{ "src", "", 16, 0, false }, { "dst", "", 24, 0, false }, { "addr3", "", 40, 0, false },
	{ "addr4", "", 48, 0, false }, { "size", "", 32, 4, false }, { "int_handle", "", 36, 2, false },
};
#define NRAW (sizeof(rawfields) / sizeof(rawfields[0]))

/* Keys of every descriptor besides its parameters; top: those of the step itself. */
static const char *const common_keys[] = { "do", "comment", "op", "flags", "completion", "expect", "members" };
static const char *const top_keys[] = { "wq", "submit", "wait", "check" };
static const char *const raw_keys[] = { "pasid", "priv", "bytes" };

static bool word_in(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = list; *p;) {
		size_t l = strcspn(p, " ");

		if (l == n && !memcmp(p, w, n))
			return true;
		p += l;
		p += *p == ' ';
	}
	return false;
}

static bool in(const char *const *keys, size_t n, const char *k)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(keys[i], k))
			return true;
	return false;
}

static uint64_t width_max(unsigned width)
{
	return width >= 8 ? UINT64_MAX : (1ull << (8 * width)) - 1;
}

static void put(struct scn_desc *d, unsigned at, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width; i++) {
		d->bytes[at + i] = (uint8_t)(v >> (8 * i));
		d->set[at + i] = 1;
	}
}

static void put_addr(struct scn_desc *d, unsigned at, const struct scn_addr *a)
{
	for (unsigned i = 0; i < d->naddr; i++)
		if (d->addr_at[i] == at) {
			d->addr[i] = *a;
			return;
		}
	assert(d->naddr < SCN_DESC_ADDRS);
	d->addr_at[d->naddr] = (uint8_t)at;
	d->addr[d->naddr++] = *a;
}

/* "buf", "buf+OFFSET" (decimal or 0x hex) or an absolute virtual address. */
static int get_addr(struct pctx *c, json_object *o, const char *path, struct scn_addr *a)
{
	const char *s, *plus;
	char *end;
	size_t n;

	memset(a, 0, sizeof(*a));
	if (json_object_is_type(o, json_type_int))
		return scn_get_u64(c, o, path, 0, UINT64_MAX, &a->off);
	if (!json_object_is_type(o, json_type_string))
		return scn_fail(c, path, "expected an address: \"buffer\", \"buffer+offset\" or a number, found %s",
				scn_type_name(o));
	s = json_object_get_string(o);
	plus = strchr(s, '+');
	n = plus ? (size_t)(plus - s) : strlen(s);
	if (!n || n >= SCN_NAME)
		return scn_fail(c, path, "\"%s\": a buffer name has 1 to %d characters", s, SCN_NAME - 1);
	memcpy(a->buf, s, n);
	if (plus) {
		errno = 0;
		if (plus[1] < '0' || plus[1] > '9')
			return scn_fail(c, path, "\"%s\": the offset after '+' must be a number", s);
		a->off = strtoull(plus + 1, &end, 0);
		if (*end || errno)
			return scn_fail(c, path, "\"%s\": the offset after '+' is not a number below 2^64", s);
	}
	return 0;
}

/* A number, or a list of flag names and numbers, OR'ed; 24 bits. */
static int get_flags(struct pctx *c, json_object *o, const char *path, uint32_t *out)
{
	uint64_t v;
	char sub[200];

	*out = 0;
	if (json_object_is_type(o, json_type_int)) {
		int r = scn_get_u64(c, o, path, 0, 0xffffff, &v);

		*out = (uint32_t)v;
		return r;
	}
	if (!json_object_is_type(o, json_type_array))
		return scn_fail(c, path, "expected a number (bits 23:0) or a list of flag names such as "
				"[\"bof\", \"cr\"]");
	for (size_t i = 0; i < json_object_array_length(o); i++) {
		json_object *e = json_object_array_get_idx(o, i);
		size_t k;

		snprintf(sub, sizeof(sub), "%.150s[%zu]", path, i);
		if (json_object_is_type(e, json_type_int)) {
			int r = scn_get_u64(c, e, sub, 0, 0xffffff, &v);

			if (r)
				return r;
			*out |= (uint32_t)v;
			continue;
		}
		for (k = 0; k < sizeof(flagnames) / sizeof(flagnames[0]); k++)
			if (json_object_is_type(e, json_type_string) &&
			    !strcmp(json_object_get_string(e), flagnames[k].name))
				break;
		if (k == sizeof(flagnames) / sizeof(flagnames[0]))
			return scn_fail(c, sub, "expected a flag name (fence, bof, crav, rcr, rci, crsts, cr, cc, "
					"addr1_tcs, addr2_tcs, addr3_tcs, cr_tcs, stord, drdbk, dsts, "
					"crc_seed_from_addr, crc_bypass_inversion, crc_bypass_data_reflection, "
					"dst2_steering_tag) or a number");
		*out |= flagnames[k].bit;
	}
	return 0;
}

/* Hex digits, two per byte, 1 to @max bytes (malloc'd into *out). */
static int get_hex(struct pctx *c, json_object *o, const char *path, size_t max, uint8_t **out, size_t *n)
{
	const char *s = json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
	size_t len = s ? strlen(s) : 0;

	if (!s || !len || len % 2 || len / 2 > max)
		return scn_fail(c, path, "expected a string of hex digits, two per byte, 1 to %zu bytes", max);
	*out = malloc(len / 2);
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < len / 2; i++) {
		unsigned v = 0;

		for (int j = 0; j < 2; j++) {
			char ch = s[2 * i + j];
			unsigned d = ch >= '0' && ch <= '9' ? (unsigned)(ch - '0') :
				     ch >= 'a' && ch <= 'f' ? (unsigned)(ch - 'a' + 10) :
				     ch >= 'A' && ch <= 'F' ? (unsigned)(ch - 'A' + 10) : 16;

			if (d == 16) {
				free(*out);
				*out = NULL;
				return scn_fail(c, path, "'%c' is not a hex digit", ch);
			}
			v = v * 16 + d;
		}
		(*out)[i] = (uint8_t)v;
	}
	*n = len / 2;
	return 0;
}

/* "bytes": [{"at": N, "hex": "..."}, ...] - any bytes of the descriptor, last. */
static int get_bytes(struct pctx *c, json_object *o, const char *path, struct scn_desc *d)
{
	char sub[200];

	if (!json_object_is_type(o, json_type_array))
		return scn_fail(c, path, "expected a list of {\"at\": offset, \"hex\": \"bytes\"}");
	for (size_t i = 0; i < json_object_array_length(o); i++) {
		json_object *e = json_object_array_get_idx(o, i), *v;
		uint64_t at;
		uint8_t *hex;
		size_t n;
		int r;

		snprintf(sub, sizeof(sub), "%.150s[%zu]", path, i);
		if (!json_object_is_type(e, json_type_object))
			return scn_fail(c, sub, "expected {\"at\": offset, \"hex\": \"bytes\"}");
		json_object_object_foreach(e, k, kv) {
			(void)kv;
			if (strcmp(k, "at") && strcmp(k, "hex"))
				return scn_fail(c, sub, "\"%s\" is not a field here (at, hex)", k);
		}
		if (!json_object_object_get_ex(e, "at", &v))
			return scn_fail(c, sub, "missing \"at\": the byte offset in the descriptor");
		if ((r = scn_get_u64(c, v, sub, 0, 63, &at)))
			return r;
		if (!json_object_object_get_ex(e, "hex", &v))
			return scn_fail(c, sub, "missing \"hex\"");
		if ((r = get_hex(c, v, sub, 64 - at, &hex, &n)))
			return r;
		for (size_t j = 0; j < n; j++) {
			/* Over an address given by name: the bytes win. */
			for (unsigned a = 0; a < d->naddr; a++)
				if (at + j >= d->addr_at[a] && at + j < d->addr_at[a] + 8u)
					return free(hex), scn_fail(c, sub, "byte %llu is inside an address field "
								   "given by name", (unsigned long long)(at + j));
			d->bytes[at + j] = hex[j];
			d->set[at + j] = 1;
		}
		free(hex);
	}
	return 0;
}

static int get_status(struct pctx *c, json_object *o, const char *path, uint8_t *out)
{
	uint64_t v;

	if (json_object_is_type(o, json_type_string)) {
		for (size_t i = 0; i < sizeof(statusnames) / sizeof(statusnames[0]); i++)
			if (!strcmp(json_object_get_string(o), statusnames[i].name)) {
				*out = statusnames[i].code;
				return 0;
			}
		return scn_fail(c, path, "\"%s\" is not a completion status (success, success_pred, "
				"page_fault_nobof, xfer_erange, ... as in <linux/idxd.h>'s DSA_COMP_*, "
				"lower case), or give the code", json_object_get_string(o));
	}
	if (scn_get_u64(c, o, path, 0, 0x7f, &v))
		return -EINVAL;
	*out = (uint8_t)v;
	return 0;
}

static int get_expect(struct pctx *c, json_object *o, const char *path, struct scn_expect *e)
{
	static const struct { const char *key; unsigned bit; } keys[] = {
		{ "status", EX_STATUS }, { "write", EX_WRITE }, { "result", EX_RESULT },
		{ "dif_status", EX_RESULT }, { "bytes_completed", EX_BYTES }, { "fault_addr", EX_FAULT_ADDR },
		{ "invalid_flags", EX_INVALID_FLAGS }, { "delta_size", EX_DELTA_SIZE }, { "crc", EX_CRC },
		{ "accepted", 0 },
	};
	char sub[200];
	uint64_t v;
	int r = 0;

	memset(e, 0, sizeof(*e));
	if (!json_object_is_type(o, json_type_object))
		return scn_fail(c, path, "expected an object (status, write, result, dif_status, "
				"bytes_completed, fault_addr, invalid_flags, delta_size, crc, accepted)");
	json_object_object_foreach(o, k, kv) {
		size_t i;

		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strcmp(k, keys[i].key))
				break;
		snprintf(sub, sizeof(sub), "%.150s.%s", path, k);
		if (i == sizeof(keys) / sizeof(keys[0]))
			return scn_fail(c, path, "\"%s\" is not a field of \"expect\" (status, write, result, "
					"dif_status, bytes_completed, fault_addr, invalid_flags, delta_size, crc, "
					"accepted)", k);
		if (e->what & keys[i].bit)
			return scn_fail(c, sub, "\"result\" and \"dif_status\" are the same byte: give one");
		e->what |= keys[i].bit;
		switch (keys[i].bit) {
		case EX_STATUS: r = get_status(c, kv, sub, &e->status); break;
		case EX_WRITE: r = scn_get_bool(c, kv, sub, &e->write); break;
		case EX_RESULT: r = scn_get_u64(c, kv, sub, 0, 0xff, &v); e->result = (uint8_t)v; break;
		case EX_BYTES: r = scn_get_u64(c, kv, sub, 0, UINT32_MAX, &v); e->bytes = (uint32_t)v; break;
		case EX_FAULT_ADDR: r = get_addr(c, kv, sub, &e->fault_addr); break;
		case EX_INVALID_FLAGS:
			r = scn_get_u64(c, kv, sub, 0, 0xffffff, &v);
			e->invalid_flags = (uint32_t)v;
			break;
		case EX_DELTA_SIZE:
			r = scn_get_u64(c, kv, sub, 0, UINT32_MAX, &v);
			e->delta_size = (uint32_t)v;
			break;
		case EX_CRC: r = scn_get_u64(c, kv, sub, 0, UINT64_MAX, &e->crc); break;
		default: {
			bool acc = true;

			r = scn_get_bool(c, kv, sub, &acc);
			e->refused = !acc;
		}
		}
		if (r)
			return r;
	}
	if (e->refused && e->what)
		return scn_fail(c, path, "a descriptor that is not accepted has no completion record to check");
	return 0;
}

static int get_checks(struct pctx *c, json_object *o, const char *path, struct scn_desc *d)
{
	char sub[200];

	if (!json_object_is_type(o, json_type_array) || !json_object_array_length(o) ||
	    json_object_array_length(o) > 64)
		return scn_fail(c, path, "expected a list of 1 to 64 checks such as "
				"{\"at\": \"dst\", \"size\": 4096, \"same_as\": \"src\"}");
	d->checks = calloc(json_object_array_length(o), sizeof(*d->checks));
	if (!d->checks)
		return -ENOMEM;
	for (size_t i = 0; i < json_object_array_length(o); i++) {
		json_object *e = json_object_array_get_idx(o, i), *v;
		struct scn_check *ck = &d->checks[d->nchecks++];
		int kinds = 0, r;

		snprintf(sub, sizeof(sub), "%.150s[%zu]", path, i);
		if (!json_object_is_type(e, json_type_object))
			return scn_fail(c, sub, "expected {\"at\": address, \"size\": n, and one of same_as, "
					"byte, pattern, hex}");
		json_object_object_foreach(e, k, kv) {
			(void)kv;
			if (strcmp(k, "at") && strcmp(k, "size") && strcmp(k, "same_as") && strcmp(k, "byte") &&
			    strcmp(k, "pattern") && strcmp(k, "hex"))
				return scn_fail(c, sub, "\"%s\" is not a field of a check (at, size, same_as, byte, "
						"pattern, hex)", k);
			kinds += strcmp(k, "at") && strcmp(k, "size");
		}
		if (kinds != 1)
			return scn_fail(c, sub, "give exactly one of same_as, byte, pattern, hex");
		if (!json_object_object_get_ex(e, "at", &v))
			return scn_fail(c, sub, "missing \"at\": the address of the bytes to check");
		if ((r = get_addr(c, v, sub, &ck->at)))
			return r;
		if (json_object_object_get_ex(e, "hex", &v)) {
			size_t n;

			ck->kind = CHK_HEX;
			if ((r = get_hex(c, v, sub, 4096, &ck->hex, &n)))
				return r;
			ck->size = n;
			if (json_object_object_get_ex(e, "size", &v))
				return scn_fail(c, sub, "\"hex\" gives the size itself");
			continue;
		}
		if (!json_object_object_get_ex(e, "size", &v))
			return scn_fail(c, sub, "missing \"size\": how many bytes to check");
		if ((r = scn_get_u64(c, v, sub, 1, 1ull << 32, &ck->size)))
			return r;
		if (json_object_object_get_ex(e, "same_as", &v)) {
			ck->kind = CHK_SAME_AS;
			r = get_addr(c, v, sub, &ck->other);
		} else if (json_object_object_get_ex(e, "byte", &v)) {
			ck->kind = CHK_BYTE;
			r = scn_get_u64(c, v, sub, 0, 0xff, &ck->value);
		} else {
			json_object_object_get_ex(e, "pattern", &v);
			ck->kind = CHK_PATTERN;
			r = scn_get_u64(c, v, sub, 0, UINT64_MAX, &ck->value);
		}
		if (r)
			return r;
	}
	return 0;
}

static int parse_desc(struct pctx *c, json_object *o, const char *path, bool raw, bool top,
		      struct scn_desc *d);

static int get_members(struct pctx *c, json_object *o, const char *path, bool raw, struct scn_desc *d)
{
	size_t n = json_object_is_type(o, json_type_array) ? json_object_array_length(o) : 0;
	char sub[200];

	if (!json_object_is_type(o, json_type_array) || n > 1024)
		return scn_fail(c, path, "expected a list of 0 to 1024 descriptors (the batch's members)");
	d->members = calloc(n ? n : 1, sizeof(*d->members));
	if (!d->members)
		return -ENOMEM;
	d->nmembers = (unsigned)n;
	for (size_t i = 0; i < n; i++) {
		int r;

		snprintf(sub, sizeof(sub), "%.150s[%zu]", path, i);
		r = parse_desc(c, json_object_array_get_idx(o, i), sub, raw, false, &d->members[i]);
		if (r)
			return r;
	}
	return 0;
}

static int parse_desc(struct pctx *c, json_object *o, const char *path, bool raw, bool top,
		      struct scn_desc *d)
{
	json_object *v;
	const char *opname = NULL;
	unsigned opcode = 0;
	uint32_t flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
	uint64_t x;
	char sub[200];
	int r;

	if (!json_object_is_type(o, json_type_object))
		return scn_fail(c, path, "a descriptor must be an object such as {\"op\": \"memmove\", ...}");
	/* the operation first: it decides which keys belong */
	if (!json_object_object_get_ex(o, "op", &v))
		return scn_fail(c, path, "missing \"op\": the operation (%s%s)", OPLIST,
				raw ? ", or an opcode number" : "");
	snprintf(sub, sizeof(sub), "%.150s.op", path);
	if (raw && json_object_is_type(v, json_type_int)) {
		if ((r = scn_get_u64(c, v, sub, 0, 255, &x)))
			return r;
		opcode = (unsigned)x;
	} else {
		size_t i;

		for (i = 0; i < NOPS; i++)
			if (json_object_is_type(v, json_type_string) && !strcmp(json_object_get_string(v), opnames[i].name))
				break;
		if (i == NOPS)
			return scn_fail(c, sub, "expected one of %s%s", OPLIST, raw ? ", or an opcode 0..255" : "");
		opname = opnames[i].name;
		opcode = opnames[i].opcode;
	}
	json_object_object_foreach(o, key, kval) {
		bool ok = in(common_keys, sizeof(common_keys) / sizeof(common_keys[0]), key) ||
			  (top && in(top_keys, sizeof(top_keys) / sizeof(top_keys[0]), key)) ||
			  (raw && in(raw_keys, sizeof(raw_keys) / sizeof(raw_keys[0]), key));

		(void)kval;
		for (size_t i = 0; !ok && raw && i < NRAW; i++)
			ok = !strcmp(rawfields[i].name, key);
		for (size_t i = 0; !ok && !raw && i < NPARAMS; i++)
			ok = !strcmp(params[i].name, key) && word_in(params[i].ops, opname);
		ok = ok || (!raw && !strcmp(key, "block") && !strncmp(opname, "dif_", 4));
		if (!ok || (!strcmp(key, "members") && opcode != DSA_OPCODE_BATCH))
			return scn_fail(c, path, "\"%s\" is not a field of %s%s%s", key,
					raw ? "a raw descriptor" : "operation ", raw ? "" : opname,
					top ? "" : " (a batch member)");
		if (!top && !strcmp(key, "members"))
			return scn_fail(c, path, "a batch member cannot hold a batch list itself");
	}
	put(d, 7, 1, opcode);
#define FIELD(k) (snprintf(sub, sizeof(sub), "%.150s.%s", path, k), json_object_object_get_ex(o, k, &v))
	if (FIELD("flags")) {
		uint32_t f;

		if ((r = get_flags(c, v, sub, &f)))
			return r;
		/* "desc" adds to the record request; "raw" says every bit */
		flags = raw ? f : flags | f;
	}
	put(d, 4, 3, flags);
	if (FIELD("completion")) {
		struct scn_addr a;

		if ((r = get_addr(c, v, sub, &a)))
			return r;
		put_addr(d, 8, &a);
		d->cr_given = true;
	}
	if (raw) {
		uint32_t dw0 = 0;

		if (FIELD("pasid")) {
			if ((r = scn_get_u64(c, v, sub, 0, 0xfffff, &x)))
				return r;
			dw0 |= (uint32_t)x;
		}
		if (FIELD("priv")) {
			bool p;

			if ((r = scn_get_bool(c, v, sub, &p)))
				return r;
			dw0 |= p ? 1u << 31 : 0;
		}
		put(d, 0, 4, dw0);
		for (size_t i = 0; i < NRAW; i++) {
			if (!FIELD(rawfields[i].name))
				continue;
			if (rawfields[i].width) {
				if ((r = scn_get_u64(c, v, sub, 0, width_max(rawfields[i].width), &x)))
					return r;
				put(d, rawfields[i].at, rawfields[i].width, x);
			} else {
				struct scn_addr a;

				if ((r = get_addr(c, v, sub, &a)))
					return r;
				put_addr(d, rawfields[i].at, &a);
			}
		}
		d->list_given = json_object_object_get_ex(o, "src", NULL);
		d->count_given = json_object_object_get_ex(o, "size", NULL);
	} else {
		uint8_t block = 0;

		for (size_t i = 0; i < NPARAMS; i++) {
			const struct param *p = &params[i];

			if (!word_in(p->ops, opname))
				continue;
			if (!FIELD(p->name)) {
				if (p->required)
					return scn_fail(c, path, "missing \"%s\" (operation %s needs it)", p->name,
							opname);
				continue;
			}
			if (p->width) {
				if ((r = scn_get_u64(c, v, sub, 0, width_max(p->width), &x)))
					return r;
				put(d, p->at, p->width, x);
			} else {
				struct scn_addr a;

				if ((r = get_addr(c, v, sub, &a)))
					return r;
				put_addr(d, p->at, &a);
			}
		}
		if (!strncmp(opname, "dif_", 4)) {
			if (!FIELD("block"))
				return scn_fail(c, path, "missing \"block\": the DIF block size (512, 520, 4096 "
						"or 4104)");
			if ((r = scn_get_u64(c, v, sub, 0, UINT64_MAX, &x)))
				return r;
			switch (x) {
			case 512: block = 0; break;
			case 520: block = 1; break;
			case 4096: block = 2; break;
			case 4104: block = 3; break;
			default:
				return scn_fail(c, sub, "%llu: a DIF block is 512, 520, 4096 or 4104 bytes",
						(unsigned long long)x);
			}
			d->bytes[42] |= block;
			d->set[42] = 1;
		}
	}
	if (opcode == DSA_OPCODE_BATCH) {
		if (!FIELD("members") && !raw)
			return scn_fail(c, path, "missing \"members\": the batch's descriptors");
		if (json_object_object_get_ex(o, "members", &v) && (r = get_members(c, v, sub, raw, d)))
			return r;
	}
	if (FIELD("expect")) {
		if ((r = get_expect(c, v, sub, &d->expect)))
			return r;
		d->has_expect = true;
	}
	if (top && FIELD("submit")) {
		const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";

		if (!strcmp(s, "enqcmd"))
			d->path = PATH_ENQCMD;
		else if (!strcmp(s, "movdir64b"))
			d->path = PATH_MOVDIR64B;
		else if (!strcmp(s, "write"))
			d->path = PATH_WRITE;
		else
			return scn_fail(c, sub, "expected \"enqcmd\", \"movdir64b\" or \"write\"");
	}
	if (top && FIELD("check") && (r = get_checks(c, v, sub, d)))
		return r;
	if (raw && FIELD("bytes") && (r = get_bytes(c, v, sub, d)))
		return r;
#undef FIELD
	return 0;
}

int scn_parse_desc_step(struct pctx *c, json_object *o, const char *path, struct step *st)
{
	json_object *v;
	char sub[200];
	int r;

	st->desc = calloc(1, sizeof(*st->desc));
	if (!st->desc)
		return -ENOMEM;
	snprintf(sub, sizeof(sub), "%.150s.wq", path);
	if (!json_object_object_get_ex(o, "wq", &v))
		return scn_fail(c, path, "missing \"wq\": the work queue to submit to");
	if ((r = scn_get_name(c, v, sub, st->a, sizeof(st->a))))
		return r;
	if (json_object_object_get_ex(o, "wait", &v)) {
		const char *w = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";

		snprintf(sub, sizeof(sub), "%.150s.wait", path);
		if (!strcmp(w, "none"))
			st->nowait = true;
		else if (strcmp(w, "poll"))
			return scn_fail(c, sub, "expected \"poll\" (read the completion record until written) or "
					"\"none\" (leave it in flight, check nothing)");
	}
	r = parse_desc(c, o, path, st->kind == ST_RAW, true, st->desc);
	if (!r && st->nowait && (st->desc->has_expect || st->desc->nchecks))
		return scn_fail(c, path, "\"wait\": \"none\" checks nothing: drop \"expect\" and \"check\"");
	return r;
}

static void free_desc(struct scn_desc *d)
{
	for (unsigned i = 0; i < d->nmembers; i++)
		free_desc(&d->members[i]);
	free(d->members);
	for (unsigned i = 0; i < d->nchecks; i++)
		free(d->checks[i].hex);
	free(d->checks);
}

void scn_free_desc(struct scn_desc *d)
{
	if (d) {
		free_desc(d);
		free(d);
	}
}
