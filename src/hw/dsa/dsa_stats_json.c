// SPDX-License-Identifier: MIT
/*
 * The device's per-operation counters as JSON, one object keyed by
 * operation name: what `sva run --json` and native mode's report both
 * print, so the two read the same.
 */
#include <json-c/json.h>

#include <sva/dsa.h>

struct json_object *sva_dsa_ops_json(const struct sva_dsa_stats *st)
{
	struct json_object *ops = json_object_new_object();

	for (unsigned op = 0; op < 0x21; op++) {
		struct json_object *o;

		if (!st->op_count[op])
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "executed", json_object_new_uint64(st->op_count[op]));
		json_object_object_add(o, "succeeded", json_object_new_uint64(st->op_ok[op]));
		json_object_object_add(o, "partial", json_object_new_uint64(st->op_partial[op]));
		json_object_object_add(o, "bytes", json_object_new_uint64(st->op_bytes[op]));
		json_object_object_add(ops, sva_dsa_op_name(op), o);
	}
	return ops;
}
