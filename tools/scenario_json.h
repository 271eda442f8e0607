/* SPDX-License-Identifier: MIT */
/*
 * What the readers of a scenario share (scenario_parse.c, scenario_desc_parse.c):
 * the parse context and the checked getters, each failing with one
 * message "origin: path: reason".
 */
#ifndef SVA_TOOLS_SCENARIO_JSON_H
#define SVA_TOOLS_SCENARIO_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

struct json_split;
struct step;
struct scn_desc;

struct pctx {
	char *err;
	size_t errlen;
	const char *origin;
	const char *base_dir;
	const char *text;
	const struct json_split *split;	/* processes read one at a time; NULL: in the tree */
};

__attribute__((format(printf, 3, 4)))
int scn_fail(struct pctx *c, const char *path, const char *fmt, ...);
const char *scn_type_name(json_object *o);
int scn_get_u64(struct pctx *c, json_object *o, const char *path, uint64_t min, uint64_t max,
		uint64_t *out);
int scn_get_bool(struct pctx *c, json_object *o, const char *path, bool *out);
int scn_get_name(struct pctx *c, json_object *o, const char *path, char *out, size_t len);

/* The "desc" and "raw" steps (scenario_desc_parse.c): @st->kind is set, the rest is filled in. */
int scn_parse_desc_step(struct pctx *c, json_object *o, const char *path, struct step *st);

void scn_free_desc(struct scn_desc *d);

#endif
