// SPDX-License-Identifier: MIT
/*
 * accel-config JSON configurations: real files load, round trip, every
 * validation rule with its exact message, malformed input, and the
 * `sva config` command.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "testutil.h"
#include "os/idxd_config.h"

/* Two groups, two queues: a shared and a dedicated user WQ, two engines each. */
static const char base_json[] =
	"[{\"dev\":\"dsa0\",\"read_buffer_limit\":0,\"groups\":["
	"{\"dev\":\"group0.0\",\"read_buffers_reserved\":0,\"use_read_buffer_limit\":0,"
	"\"read_buffers_allowed\":8,\"grouped_workqueues\":["
	"{\"dev\":\"wq0.0\",\"mode\":\"shared\",\"size\":16,\"group_id\":0,\"priority\":10,"
	"\"block_on_fault\":1,\"max_batch_size\":32,\"max_transfer_size\":2097152,"
	"\"type\":\"user\",\"name\":\"swq\",\"driver_name\":\"user\",\"threshold\":15,"
	"\"ats_disable\":0}],"
	"\"grouped_engines\":[{\"dev\":\"engine0.0\",\"group_id\":0},"
	"{\"dev\":\"engine0.1\",\"group_id\":0}]},"
	"{\"dev\":\"group0.1\",\"read_buffers_reserved\":0,\"use_read_buffer_limit\":0,"
	"\"read_buffers_allowed\":8,\"grouped_workqueues\":["
	"{\"dev\":\"wq0.1\",\"mode\":\"dedicated\",\"size\":16,\"group_id\":1,\"priority\":10,"
	"\"block_on_fault\":0,\"max_batch_size\":32,\"max_transfer_size\":2097152,"
	"\"type\":\"user\",\"name\":\"dwq\",\"driver_name\":\"user\",\"threshold\":0,"
	"\"ats_disable\":0}],"
	"\"grouped_engines\":[{\"dev\":\"engine0.2\",\"group_id\":1},"
	"{\"dev\":\"engine0.3\",\"group_id\":1}]}]}]";

#define WQ0 "/0/groups/0/grouped_workqueues/0"
#define WQ1 "/0/groups/1/grouped_workqueues/0"
#define G0 "/0/groups/0"
#define G1 "/0/groups/1"

static char *examples_dir(void)
{
	static char dir[4096];
	char file[4096];

	snprintf(file, sizeof(file), "%s", __FILE__);
	snprintf(dir, sizeof(dir), "%s/../../examples/configs", dirname(file));
	return dir;
}

/*
 * base_json with the values at JSON pointers replaced: pairs of
 * (pointer, JSON text), NULL text deletes the key; the list ends with NULL.
 */
static char *mutate(const char *first, ...)
{
	struct json_object *root = json_tokener_parse(base_json);
	const char *ptr = first;
	va_list ap;
	char *s;

	assert_non_null(root);
	va_start(ap, first);
	while (ptr) {
		const char *val = va_arg(ap, const char *);

		if (val) {
			struct json_object *v = json_tokener_parse(val);

			if (!v && strcmp(val, "null"))
				v = json_object_new_string(val);
			assert_int_equal(json_pointer_set(&root, ptr, v), 0);
		} else {
			char parent[256];
			struct json_object *po;
			char *slash;

			snprintf(parent, sizeof(parent), "%s", ptr);
			slash = strrchr(parent, '/');
			*slash = '\0';
			assert_int_equal(json_pointer_get(root, parent, &po), 0);
			json_object_object_del(po, slash + 1);
		}
		ptr = va_arg(ap, const char *);
	}
	va_end(ap);
	s = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return s;
}

static void expect_err_caps(const char *json, const struct idxd_caps *caps, const char *msg)
{
	char err[IDXD_CFG_ERR_LEN] = "";
	struct idxd_config *cfg = (void *)1;
	int rc = idxd_config_parse_string(json, caps, &cfg, err, sizeof(err));

	if (rc == 0 || strcmp(err, msg))
		fail_msg("input %s\n  rc %d\n  got      \"%s\"\n  expected \"%s\"", json, rc, err, msg);
	assert_true(rc < 0);
	assert_null(cfg);
}

static void expect_err(const char *json, const char *msg)
{
	expect_err_caps(json, NULL, msg);
}

/* mutate(), then expect @msg; frees the text. */
#define EXPECT(msg, ...) do {					\
		char *j_ = mutate(__VA_ARGS__, NULL);		\
		expect_err(j_, msg);				\
		free(j_);					\
	} while (0)

#define EXPECT_CAPS(caps, msg, ...) do {			\
		char *j_ = mutate(__VA_ARGS__, NULL);		\
		expect_err_caps(j_, caps, msg);			\
		free(j_);					\
	} while (0)

static struct idxd_config *parse_ok_caps(const char *json, const struct idxd_caps *caps)
{
	char err[IDXD_CFG_ERR_LEN] = "";
	struct idxd_config *cfg = NULL;
	int rc = idxd_config_parse_string(json, caps, &cfg, err, sizeof(err));

	if (rc)
		fail_msg("input %s\n  failed: %s", json, err);
	assert_non_null(cfg);
	return cfg;
}

static struct idxd_config *parse_ok(const char *json)
{
	return parse_ok_caps(json, NULL);
}

static struct idxd_config *load_ok(const char *path)
{
	char err[IDXD_CFG_ERR_LEN] = "";
	struct idxd_config *cfg = NULL;

	if (idxd_config_load_file(path, NULL, &cfg, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	return cfg;
}

/* parse -> write -> parse gives the same structure, and writing is stable. */
static void round_trip(const struct idxd_config *cfg)
{
	char *s1 = idxd_config_to_json(cfg), *s2;
	struct idxd_config *again;

	assert_non_null(s1);
	again = parse_ok_caps(s1, &cfg->caps);
	assert_true(idxd_config_equal(cfg, again));
	s2 = idxd_config_to_json(again);
	assert_string_equal(s1, s2);
	free(s1);
	free(s2);
	idxd_config_free(again);
}

/* --- files --- */

static void test_examples_load_and_round_trip(void **state)
{
	static const char *const files[] = {
		"default.json", "2g2q_user.json", "kernel_wq.json", "multi_device.json",
		"accel-config/app_profile.conf", "accel-config/net_profile.conf",
		"accel-config/os_profile.conf", "accel-config/storage_profile.conf",
	};
	char path[4200];

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct idxd_config *cfg;

		snprintf(path, sizeof(path), "%s/%s", examples_dir(), files[i]);
		cfg = load_ok(path);
		round_trip(cfg);
		idxd_config_free(cfg);
	}
}

/* The files the accel-config package installs, read where it put them. */
static void test_installed_accel_config_samples(void **state)
{
	static const char *const files[] = {
		"app_profile.conf", "net_profile.conf", "os_profile.conf", "storage_profile.conf",
	};
	char path[256];

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct idxd_config *cfg;

		snprintf(path, sizeof(path), "/etc/accel-config/contrib/configs/%s", files[i]);
		if (access(path, R_OK))
			skip();
		cfg = load_ok(path);
		assert_true(cfg->nr_devices == 1 && cfg->devices[0].nr_wqs >= 1);
		assert_int_equal(cfg->nr_notes, 0);
		idxd_config_free(cfg);
	}
}

static void test_sample_values(void **state)
{
	char path[4200];
	struct idxd_config *cfg;
	const struct idxd_cfg_wq *wq;

	(void)state;
	snprintf(path, sizeof(path), "%s/accel-config/app_profile.conf", examples_dir());
	cfg = load_ok(path);
	wq = idxd_cfg_find_wq(&cfg->devices[0], 0);
	assert_non_null(wq);
	assert_int_equal(wq->mode, IDXD_CFG_WQ_SHARED);
	assert_int_equal(wq->size, 8);
	assert_int_equal(wq->threshold, 6);
	assert_int_equal(wq->max_transfer_size, 16384);
	assert_string_equal(wq->name, "app1");
	assert_int_equal(cfg->devices[0].groups[0].read_buffers_allowed, 96);
	idxd_config_free(cfg);
}

static void test_default_config(void **state)
{
	struct idxd_config *cfg = idxd_config_default(), *file;
	char err[IDXD_CFG_ERR_LEN], path[4200];
	const struct idxd_cfg_wq *s, *d;

	(void)state;
	assert_non_null(cfg);
	assert_int_equal(idxd_config_validate(cfg, err, sizeof(err)), 0);
	s = idxd_cfg_find_wq(&cfg->devices[0], 0);
	d = idxd_cfg_find_wq(&cfg->devices[0], 1);
	assert_int_equal(s->mode, IDXD_CFG_WQ_SHARED);
	assert_int_equal(s->size, 16);
	assert_string_equal(s->name, "app");
	assert_int_equal(d->mode, IDXD_CFG_WQ_DEDICATED);
	assert_int_equal(d->size, 8);
	assert_int_equal(cfg->devices[0].nr_engines, 4);
	round_trip(cfg);
	snprintf(path, sizeof(path), "%s/default.json", examples_dir());
	file = load_ok(path);
	assert_true(idxd_config_equal(cfg, file));
	idxd_config_free(file);
	idxd_config_free(cfg);
}

static void test_base_and_save_config_order(void **state)
{
	struct idxd_config *cfg = parse_ok(base_json);
	char *s = idxd_config_to_json(cfg);

	(void)state;
	/* save-config's key order and json-c's compact pretty print. */
	assert_non_null(strstr(s, "\"dev\":\"wq0.0\",\n            \"mode\":\"shared\",\n"
				  "            \"size\":16,\n            \"group_id\":0,"));
	assert_non_null(strstr(s, "\"name\":\"swq\",\n            \"driver_name\":\"user\",\n"
				  "            \"threshold\":15,"));
	free(s);
	round_trip(cfg);
	idxd_config_free(cfg);
}

/* --- leniency: what accel-config writes or accepts --- */

static void test_lenient_inputs(void **state)
{
	struct idxd_config *cfg;
	char *j;

	(void)state;
	/* Numbers as strings, booleans, deprecated token_* names, no driver_name. */
	j = mutate(WQ0 "/size", "\"16\"", WQ0 "/block_on_fault", "true", WQ1 "/driver_name", NULL,
		   G0 "/read_buffers_allowed", NULL, G0 "/tokens_allowed", "8",
		   "/0/read_buffer_limit", NULL, "/0/token_limit", "0", NULL);
	cfg = parse_ok(j);
	assert_int_equal(cfg->devices[0].wqs[0].size, 16);
	assert_true(cfg->devices[0].wqs[0].block_on_fault);
	assert_string_equal(idxd_cfg_find_wq(&cfg->devices[0], 1)->driver_name, "user");
	assert_int_equal(cfg->devices[0].groups[0].read_buffers_allowed, 8);
	idxd_config_free(cfg);
	free(j);

	/* Unknown keys are kept as notes; list-only keys are skipped silently. */
	j = mutate(WQ0 "/future_knob", "3", "/0/max_groups", "4", WQ0 "/clients", "0", NULL);
	cfg = parse_ok(j);
	assert_int_equal(cfg->nr_notes, 1);
	assert_string_equal(cfg->notes[0], "dsa0/wq0.0: unknown key \"future_knob\" ignored");
	idxd_config_free(cfg);
	free(j);

	/* The kernel rounds up to a power of two; so do we, and say so. */
	j = mutate(WQ0 "/max_batch_size", "48", WQ0 "/max_transfer_size", "3000", NULL);
	cfg = parse_ok(j);
	assert_int_equal(cfg->devices[0].wqs[0].max_batch_size, 64);
	assert_int_equal(cfg->devices[0].wqs[0].max_transfer_size, 4096);
	assert_int_equal(cfg->nr_notes, 2);
	assert_string_equal(cfg->notes[0],
			    "dsa0/wq0.0: max_batch_size 48 rounded up to 64 (the kernel keeps powers of two)");
	round_trip(cfg);
	idxd_config_free(cfg);
	free(j);

	/* A disabled WQ (accel-config list) need not be enableable. */
	j = mutate(WQ1 "/state", "\"disabled\"", WQ1 "/size", "0", WQ1 "/name", "\"\"", NULL);
	cfg = parse_ok(j);
	assert_false(idxd_cfg_wq_enabled(idxd_cfg_find_wq(&cfg->devices[0], 1)));
	round_trip(cfg);
	idxd_config_free(cfg);
	free(j);
}

static void test_list_output_shape(void **state)
{
	static const char list[] =
		"[{\"dev\":\"dsa0\",\"max_groups\":4,\"max_work_queues\":8,\"max_engines\":4,"
		"\"work_queue_size\":128,\"numa_node\":0,\"op_cap\":\"00000000,00000000\","
		"\"gen_cap\":\"0x40915f0107\",\"version\":\"0x100\",\"state\":\"enabled\","
		"\"max_read_buffers\":96,\"max_batch_size\":1024,\"max_transfer_size\":2147483648,"
		"\"configurable\":1,\"pasid_enabled\":1,\"cdev_major\":236,\"clients\":0,"
		"\"groups\":[{\"dev\":\"group0.0\",\"grouped_workqueues\":[{\"dev\":\"wq0.0\","
		"\"mode\":\"dedicated\",\"size\":16,\"group_id\":0,\"priority\":10,"
		"\"block_on_fault\":1,\"max_batch_size\":32,\"max_transfer_size\":2097152,"
		"\"cdev_minor\":0,\"type\":\"user\",\"name\":\"app1\",\"threshold\":0,"
		"\"state\":\"enabled\",\"clients\":0}],\"grouped_engines\":[{\"dev\":\"engine0.0\","
		"\"group_id\":0}]}],\"ungrouped workqueues\":[{\"dev\":\"wq0.1\",\"mode\":\"shared\","
		"\"size\":0,\"priority\":0,\"type\":\"none\",\"state\":\"disabled\"}],"
		"\"ungrouped_engines\":[{\"dev\":\"engine0.1\"}]}]";
	struct idxd_config *cfg = parse_ok(list);

	(void)state;
	assert_int_equal(cfg->nr_notes, 0);
	assert_int_equal(cfg->devices[0].nr_wqs, 2);
	assert_int_equal(idxd_cfg_find_wq(&cfg->devices[0], 0)->cdev_minor, 0);
	assert_int_equal(idxd_cfg_find_wq(&cfg->devices[0], 1)->group_id, -1);
	idxd_config_free(cfg);
}

/* --- every validation rule, with its message --- */

static void test_wq_rules(void **state)
{
	char name[1100];

	(void)state;
	EXPECT("dsa0/wq0.0: threshold 20 is larger than the WQ size 16 (shared WQs need threshold <= size)",
	       WQ0 "/threshold", "20");
	EXPECT("dsa0/wq0.1: threshold 4 on a dedicated WQ (only shared WQs have a threshold; use 0)",
	       WQ1 "/threshold", "4");
	EXPECT("dsa0/wq0.0: threshold 0 on a shared WQ (it must be 1..size, here 1..16)",
	       WQ0 "/threshold", "0");
	EXPECT("dsa0/wq0.0: threshold 0 on a shared WQ (it must be 1..size, here 1..16)",
	       WQ0 "/threshold", NULL);
	EXPECT("dsa0/wq0.1: size 16 brings the device's total WQ size to 136, more than its 128 entries (WQCAP)",
	       WQ0 "/size", "120");
	EXPECT("dsa0/wq0.1: size 0: an enabled WQ needs at least one entry", WQ1 "/size", "0");
	EXPECT("dsa0/wq0.0: priority 16 is out of range (1..15)", WQ0 "/priority", "16");
	EXPECT("dsa0/wq0.0: priority 0 is out of range (1..15)", WQ0 "/priority", "0");
	EXPECT("dsa0/wq0.1: name \"swq\" is already used by wq0.0 (names must be unique per device)",
	       WQ1 "/name", "\"swq\"");
	memset(name, 'n', 1025);
	name[1025] = '\0';
	EXPECT("dsa0/wq0.0: name is 1025 characters long (at most 1024)", WQ0 "/name", name);
	name[129] = '\0';
	EXPECT("dsa0/wq0.0: driver_name is 129 characters long (at most 128)",
	       WQ0 "/driver_name", name);
	EXPECT("dsa0/wq0.0: name is missing or empty (the kernel does not enable a WQ without a name)",
	       WQ0 "/name", NULL);
	EXPECT("dsa0/wq0.0: driver_name \"dmaengine\" does not match type \"user\" (a user WQ binds to the \"user\" driver)",
	       WQ0 "/driver_name", "\"dmaengine\"");
	EXPECT("dsa0/wq0.0: driver_name \"user\" does not match type \"kernel\" (a kernel WQ binds to the \"dmaengine\" driver)",
	       WQ0 "/type", "\"kernel\"");
	EXPECT("dsa0/wq0.0: type \"mdev\": mediated (guest pass-through) WQs are not modelled",
	       WQ0 "/type", "\"mdev\"");
	EXPECT("dsa0/wq0.0: max_batch_size 2048 is larger than the device maximum 1024",
	       WQ0 "/max_batch_size", "2048");
	EXPECT("dsa0/wq0.0: max_batch_size 0 must be at least 1", WQ0 "/max_batch_size", "0");
	EXPECT("dsa0/wq0.0: max_transfer_size 4294967296 is larger than the device maximum 2147483648",
	       WQ0 "/max_transfer_size", "4294967296");
	EXPECT("dsa0/wq0.0: max_transfer_size 0 must be at least 1", WQ0 "/max_transfer_size", "0");
	EXPECT("dsa0/wq0.1: group 1 has no engines (an enabled WQ's group needs at least one engine)",
	       G1 "/grouped_engines", NULL);
	EXPECT("dsa0/wq0.0: group_id 1, but the object is listed in group 0", WQ0 "/group_id", "1");
	EXPECT("dsa0/wq0.0: WQ appears twice", WQ1 "/dev", "\"wq0.0\"");
	EXPECT("dsa0/wq0.9: WQ id 9 is out of range (the device has 8 WQs, 0..7)",
	       WQ1 "/dev", "\"wq0.9\"");
	EXPECT("dsa0/wq0.2: group_id -1: an enabled WQ must belong to a group",
	       "/0/ungrouped_workqueues",
	       "[{\"dev\":\"wq0.2\",\"mode\":\"dedicated\",\"size\":4,\"priority\":1,"
	       "\"type\":\"user\",\"name\":\"x\"}]");
	EXPECT("dsa0/wq0.2: group_id 0, but the object is in an ungrouped list",
	       "/0/ungrouped_workqueues",
	       "[{\"dev\":\"wq0.2\",\"group_id\":0,\"mode\":\"dedicated\",\"size\":4,"
	       "\"priority\":1,\"type\":\"user\",\"name\":\"x\"}]");
}

static void test_caps_rules(void **state)
{
	struct idxd_caps c;

	(void)state;
	c = idxd_caps_default();
	c.block_on_fault = false;
	EXPECT_CAPS(&c, "dsa0/wq0.0: block_on_fault 1: the device does not support block on fault (GENCAP bit 0)",
		    WQ0 "/block_on_fault", "1");
	c = idxd_caps_default();
	c.pasid = false;
	EXPECT_CAPS(&c, "dsa0/wq0.0: mode shared needs PASID support (ENQCMD tags each descriptor with a PASID), and PASID is disabled",
		    WQ0 "/mode", "\"shared\"");
	EXPECT_CAPS(&c, "dsa0/wq0.0: type user needs PASID support (SVA); the kernel does not enable user WQs without it",
		    WQ0 "/mode", "\"dedicated\"", WQ0 "/threshold", "0");
	c = idxd_caps_default();
	c.shared_mode = false;
	EXPECT_CAPS(&c, "dsa0/wq0.0: mode shared: the device does not support shared WQs",
		    WQ0 "/mode", "\"shared\"");
	c = idxd_caps_default();
	c.dedicated_mode = false;
	EXPECT_CAPS(&c, "dsa0/wq0.1: mode dedicated: the device does not support dedicated WQs",
		    WQ1 "/mode", "\"dedicated\"");
	/* Kept, not modelled, on the DSA 1.0 model; the kernel's rule still holds (config.unmodelled). */
	EXPECT("dsa0/wq0.0: block_on_fault 1 with prs_disable 1 (blocking on a fault needs page requests)",
	       WQ0 "/prs_disable", "1");
	c = idxd_caps_default();
	c.wq_prs_disable = true;
	EXPECT_CAPS(&c, "dsa0/wq0.0: block_on_fault 1 with prs_disable 1 (blocking on a fault needs page requests)",
		    WQ0 "/prs_disable", "1");
	c = idxd_caps_default();
	c.wq_ats_disable = false;
	EXPECT_CAPS(&c, "dsa0/wq0.0: ats_disable 1: the device has no per-WQ ATS disable",
		    WQ0 "/ats_disable", "1");
	c = idxd_caps_default();
	c.event_log = true;
	EXPECT_CAPS(&c, "dsa0: event_log_size 32 is out of range (64..65535)", "/0/event_log_size", "32");
	c = idxd_caps_default();
	c.max_batch_size = 1000;
	EXPECT_CAPS(&c, "dsa0/wq0.0: max_batch_size 600 rounds up to 1024, larger than the device maximum 1000",
		    WQ0 "/max_batch_size", "600");
	c = idxd_caps_default();
	c.read_buffer_limit = false;
	EXPECT_CAPS(&c, "dsa0: read_buffer_limit 10: the device has no read buffer limit support",
		    "/0/read_buffer_limit", "10");
}

static void test_dsa2_features_round_trip(void **state)
{
	struct idxd_caps c = idxd_caps_default();
	struct idxd_config *cfg;
	char *j;

	(void)state;
	c.op_config = c.wq_prs_disable = c.progress_limit = c.event_log = true;
	j = mutate(WQ1 "/op_config", "\"00000000,00000000,00000000,00000000,00000000,00000000,0000007b,00bf07ff\"",
		   WQ1 "/prs_disable", "1", G0 "/batch_progress_limit", "2",
		   "/0/event_log_size", "4096", NULL);
	cfg = parse_ok_caps(j, &c);
	assert_int_equal(cfg->devices[0].wqs[1].op_config[0], 0x00bf07ff);
	assert_int_equal(cfg->devices[0].wqs[1].op_config[1], 0x7b);
	round_trip(cfg);
	idxd_config_free(cfg);
	free(j);
}

static void test_group_and_device_rules(void **state)
{
	(void)state;
	EXPECT("dsa0: read_buffer_limit 97 is larger than the device's 96 read buffers",
	       "/0/read_buffer_limit", "97");
	EXPECT("dsa0/group0.0: use_read_buffer_limit 1 needs a nonzero read_buffer_limit on dsa0",
	       G0 "/use_read_buffer_limit", "1");
	EXPECT("dsa0/group0.0: read_buffers_allowed 7 is less than 4 per engine (8 for 2 engines)",
	       G0 "/read_buffers_allowed", "7");
	EXPECT("dsa0/group0.1: read_buffers_reserved 50 brings the device's reserved read buffers to 100, more than its 96",
	       G0 "/read_buffers_reserved", "50", G1 "/read_buffers_reserved", "50");
	EXPECT("dsa0/group0.0: read_buffers_allowed 60 is more than this group's reserved 40 plus the 16 unreserved read buffers",
	       G0 "/read_buffers_reserved", "40", G1 "/read_buffers_reserved", "40",
	       G0 "/read_buffers_allowed", "60");
	EXPECT("dsa0/group0.0: traffic_class_a 8 is out of range (-1..7)", G0 "/traffic_class_a", "8");
	EXPECT("dsa0/group0.0: group appears twice", G1 "/dev", "\"group0.0\"", WQ1 "/group_id", NULL,
	       G1 "/grouped_engines/0/group_id", NULL, G1 "/grouped_engines/1/group_id", NULL);
	EXPECT("dsa0/group0.4: group id 4 is out of range (the device has 4 groups, 0..3)",
	       G1 "/dev", "\"group0.4\"", WQ1 "/group_id", NULL,
	       G1 "/grouped_engines/0/group_id", NULL, G1 "/grouped_engines/1/group_id", NULL);
	EXPECT("dsa0/engine0.4: engine id 4 is out of range (the device has 4 engines, 0..3)",
	       G1 "/grouped_engines/1/dev", "\"engine0.4\"");
	EXPECT("dsa0/engine0.2: engine appears twice", G1 "/grouped_engines/1/dev", "\"engine0.2\"");
	EXPECT("dsa0: no WQ is configured (the driver refuses to enable a device without one)",
	       G0 "/grouped_workqueues", NULL, G1 "/grouped_workqueues", NULL);
	expect_err("[]", "the configuration has no devices");
}

/* Rules a parsed file cannot break but a configuration built in C can. */
static void test_rules_for_c_built_configs(void **state)
{
	struct idxd_config *cfg = idxd_config_default();
	struct idxd_cfg_device *dev = &cfg->devices[0];
	char err[IDXD_CFG_ERR_LEN];

	(void)state;
#define CHECK(msg) do {							\
		assert_true(idxd_config_validate(cfg, err, sizeof(err)) < 0);	\
		assert_string_equal(err, msg);				\
	} while (0)
	dev->wqs[0].max_batch_size = 48;
	CHECK("dsa0/wq0.0: max_batch_size 48 is not a power of two");
	dev->wqs[0].max_batch_size = 2048;
	CHECK("dsa0/wq0.0: max_batch_size 2048 is larger than the device maximum 1024");
	dev->wqs[0].max_batch_size = 32;
	dev->wqs[0].max_transfer_size = 3000;
	CHECK("dsa0/wq0.0: max_transfer_size 3000 is not a power of two");
	dev->wqs[0].max_transfer_size = 4ull << 30;
	CHECK("dsa0/wq0.0: max_transfer_size 4294967296 is larger than the device maximum 2147483648");
	dev->wqs[0].max_transfer_size = 4096;
	dev->wqs[1].group_id = 5;
	CHECK("dsa0/wq0.1: group_id 5 is out of range (the device has 4 groups, 0..3)");
	dev->wqs[1].group_id = 2;
	CHECK("dsa0/wq0.1: group_id 2 names a group the configuration does not list");
	dev->wqs[1].group_id = 1;
	dev->engines[3].group_id = 3;
	CHECK("dsa0/engine0.3: group_id 3 names a group the configuration does not list");
	dev->engines[3].group_id = 1;
	dev->groups[1].traffic_class_b = 9;
	CHECK("dsa0/group0.1: traffic_class_b 9 is out of range (0..7, or -1 for the default)");
	dev->groups[1].traffic_class_b = -1;
	cfg->nr_devices = 2;
	cfg->devices[1] = cfg->devices[0];
	CHECK("dsa0: device appears twice");
	cfg->nr_devices = 1;	/* devices[1] shares the strings; never freed twice */
	assert_int_equal(idxd_config_validate(cfg, err, sizeof(err)), 0);
#undef CHECK
	idxd_config_free(cfg);
}

/* --- malformed input --- */

static void test_malformed_json(void **state)
{
	(void)state;
	expect_err("", "line 1, column 1: malformed JSON: the input is empty");
	expect_err("[{\"dev\":\"dsa0\",\n  \"groups\":[",
		   "line 2, column 13: malformed JSON: unexpected end of data");
	expect_err("[{\"dev\" \"dsa0\"}]",
		   "line 1, column 9: malformed JSON: object property name separator ':' expected");
	expect_err("[{\"dev\":dsa0}]", "line 1, column 9: malformed JSON: unexpected character");
	expect_err("[] []", "line 1, column 4: malformed JSON: text after the end of the document");
	expect_err("{\"dev\":\"dsa0\"}",
		   "the top level must be an array of devices (as accel-config save-config writes), not an object");
	expect_err("[1]", "device [0]: expected an object, not an int");
	expect_err("[{}]", "device [0]: missing required key \"dev\"");
	expect_err("[{\"dev\":7}]", "device [0]: dev must be a string, not an int");
	expect_err("[{\"dev\":\"dsa\"}]", "device [0]: dev \"dsa\" is not of the form \"dsaN\" or \"iaxN\"");
	expect_err("[{\"dev\":\"dsa0x\"}]", "device [0]: dev \"dsa0x\" is not of the form \"dsaN\" or \"iaxN\"");
	expect_err("[{\"dev\":\"DSA0\"}]", "device [0]: dev \"DSA0\" is not of the form \"dsaN\" or \"iaxN\"");
	/* An IAA device is kept (not modelled), and checked like any other. */
	expect_err("[{\"dev\":\"iax1\"}]",
		   "iax1: no WQ is configured (the driver refuses to enable a device without one)");
	expect_err("[{\"dev\":\"dsa0\",\"groups\":{}}]", "dsa0: groups must be an array, not an object");
	expect_err("[{\"dev\":\"dsa0\",\"groups\":[{\"dev\":\"group1.0\"}]}]",
		   "dsa0/groups[0]: dev \"group1.0\" belongs to device 1, not to dsa0");
	expect_err("[{\"dev\":\"dsa0\",\"groups\":[{\"dev\":\"group0\"}]}]",
		   "dsa0/groups[0]: dev \"group0\" is not of the form \"groupD.N\"");
	expect_err("[{\"dev\":\"dsa0\",\"groups\":[{\"dev\":\"group0.-1\"}]}]",
		   "dsa0/groups[0]: dev \"group0.-1\" is not of the form \"groupD.N\"");
	expect_err("[{\"dev\":\"dsa0\",\"groups\":[{\"read_buffers_allowed\":8}]}]",
		   "dsa0/groups[0]: missing required key \"dev\"");
}

static void test_duplicate_device(void **state)
{
	char *two = malloc(2 * sizeof(base_json) + 8);

	(void)state;
	/* base_json twice in one array. */
	snprintf(two, 2 * sizeof(base_json) + 8, "%.*s,%s", (int)strlen(base_json) - 1,
		 base_json, base_json + 1);
	expect_err(two, "device [1]: device number 0 appears twice (dsa0)");
	free(two);
}

static void test_wrong_values(void **state)
{
	(void)state;
	EXPECT("dsa0/group0.0/grouped_workqueues[0]: dev \"wq1.0\" belongs to device 1, not to dsa0",
	       WQ0 "/dev", "\"wq1.0\"");
	EXPECT("dsa0/group0.0/grouped_workqueues[0]: dev \"wq0\" is not of the form \"wqD.N\"",
	       WQ0 "/dev", "\"wq0\"");
	EXPECT("dsa0/group0.0/grouped_workqueues[0]: dev \"queue0.0\" is not of the form \"wqD.N\"",
	       WQ0 "/dev", "\"queue0.0\"");
	EXPECT("dsa0/group0.0/grouped_engines[0]: dev \"engine0.x\" is not of the form \"engineD.N\"",
	       G0 "/grouped_engines/0/dev", "\"engine0.x\"");
	EXPECT("dsa0/wq0.0: missing required key \"mode\"", WQ0 "/mode", NULL);
	EXPECT("dsa0/wq0.0: missing required key \"size\"", WQ0 "/size", NULL);
	EXPECT("dsa0/wq0.0: missing required key \"priority\"", WQ0 "/priority", NULL);
	EXPECT("dsa0/wq0.0: missing required key \"type\"", WQ0 "/type", NULL);
	EXPECT("dsa0/wq0.0: size \"abc\" is not a number", WQ0 "/size", "\"abc\"");
	EXPECT("dsa0/wq0.0: size must be a number, not an array", WQ0 "/size", "[16]");
	EXPECT("dsa0/wq0.0: size must be a number, not a null", WQ0 "/size", "null");
	EXPECT("dsa0/wq0.0: size 1.5 must be a whole number", WQ0 "/size", "1.5");
	EXPECT("dsa0/wq0.0: size -5 must not be negative", WQ0 "/size", "-5");
	EXPECT("dsa0/wq0.0: size \"-5\" must not be negative", WQ0 "/size", "\"-5\"");
	EXPECT("dsa0/wq0.0: size 5000000000 is out of range (0..4294967295)", WQ0 "/size", "5000000000");
	EXPECT("dsa0/wq0.0: size is too large (at most 4294967295)",
	       WQ0 "/size", "99999999999999999999");
	EXPECT("dsa0/wq0.0: max_transfer_size is too large (at most 9223372036854775807)",
	       WQ0 "/max_transfer_size", "18446744073709551615");
	EXPECT("dsa0/wq0.0: mode must be a string, not an int", WQ0 "/mode", "1");
	EXPECT("dsa0/wq0.0: mode \"both\" is not \"shared\" or \"dedicated\"", WQ0 "/mode", "\"both\"");
	EXPECT("dsa0/wq0.0: type \"app\" is not \"user\", \"kernel\", \"mdev\" or \"none\"",
	       WQ0 "/type", "\"app\"");
	EXPECT("dsa0/wq0.0: block_on_fault 2 must be 0 or 1", WQ0 "/block_on_fault", "2");
	EXPECT("dsa0/wq0.0: state \"running\" is not one accel-config writes", WQ0 "/state", "\"running\"");
	EXPECT("dsa0/wq0.0: group_id -2 is out of range (-1..9999)", WQ0 "/group_id", "-2");
	EXPECT("dsa0/wq0.0: op_config \"xyz\" is not up to 8 comma-separated 32-bit hex words",
	       WQ0 "/op_config", "\"xyz\"");
	EXPECT("dsa0/wq0.0: op_config \"1,2,3,4,5,6,7,8,9\" is not up to 8 comma-separated 32-bit hex words",
	       WQ0 "/op_config", "\"1,2,3,4,5,6,7,8,9\"");
	EXPECT("dsa0/group0.0: grouped_workqueues must be an array, not an object",
	       G0 "/grouped_workqueues", "{}");
}

static void test_missing_file(void **state)
{
	char err[IDXD_CFG_ERR_LEN];
	struct idxd_config *cfg;

	(void)state;
	assert_int_equal(idxd_config_load_file("/nonexistent/x.json", NULL, &cfg, err, sizeof(err)),
			 -ENOENT);
	assert_null(cfg);
	assert_string_equal(err, "cannot open: No such file or directory");
}

/* --- the command --- */

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/sva-config-test-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_cli(void **state)
{
	char args[4400], want[4400], *o, *bad, *json;
	struct idxd_config *cfg;

	(void)state;
	snprintf(args, sizeof(args), "config validate %s/2g2q_user.json", examples_dir());
	assert_int_equal(tu_sva(args, &o, true), 0);
	snprintf(want, sizeof(want), "%s/2g2q_user.json: ok (1 device, 2 groups, 2 WQs, 4 engines)\n",
		 examples_dir());
	assert_string_equal(o, want);
	free(o);

	json = mutate(WQ0 "/threshold", "20", NULL);
	bad = write_tmp(json);
	snprintf(args, sizeof(args), "config validate %s", bad);
	assert_int_equal(tu_sva(args, &o, true), 2);
	snprintf(want, sizeof(want),
		 "sva config validate: %s: dsa0/wq0.0: threshold 20 is larger than the WQ size 16 (shared WQs need threshold <= size)\n",
		 bad);
	assert_string_equal(o, want);
	free(o);
	snprintf(args, sizeof(args), "config show %s", bad);
	assert_int_equal(tu_sva(args, &o, true), 2);
	free(o);
	unlink(bad);
	free(bad);
	free(json);

	bad = write_tmp("[{\"dev\":\"dsa0\",");
	snprintf(args, sizeof(args), "config validate %s", bad);
	assert_int_equal(tu_sva(args, &o, true), 2);
	assert_non_null(strstr(o, "line 1, column 16: malformed JSON: unexpected end of data"));
	free(o);
	unlink(bad);
	free(bad);

	assert_int_equal(tu_sva("config validate /nonexistent/c.json", &o, true), 2);
	assert_string_equal(o, "sva config validate: /nonexistent/c.json: cannot open: No such file or directory\n");
	free(o);

	snprintf(args, sizeof(args), "config show %s/kernel_wq.json", examples_dir());
	assert_int_equal(tu_sva(args, &o, true), 0);
	assert_non_null(strstr(o, "group0.0"));
	assert_non_null(strstr(o, "wq0.0"));
	assert_non_null(strstr(o, "dmaengine"));
	assert_non_null(strstr(o, "shared"));
	assert_non_null(strstr(o, "engine0.3"));
	free(o);

	snprintf(args, sizeof(args), "config show --json %s/multi_device.json", examples_dir());
	assert_int_equal(tu_sva(args, &o, true), 0);
	cfg = parse_ok(o);
	assert_int_equal(cfg->nr_devices, 2);
	idxd_config_free(cfg);
	free(o);

	assert_int_equal(tu_sva("config --help", &o, true), 0);
	assert_non_null(strstr(o, "usage: sva config validate FILE"));
	free(o);
	assert_int_equal(tu_sva("config validate --help", &o, true), 0);
	assert_non_null(strstr(o, "usage: sva config validate FILE"));
	free(o);
	assert_int_equal(tu_sva("config show --help", &o, true), 0);
	assert_non_null(strstr(o, "--json"));
	free(o);
	assert_int_equal(tu_sva("config", &o, true), 2);
	free(o);
	assert_int_equal(tu_sva("config validate", &o, true), 2);
	free(o);
	assert_int_equal(tu_sva("config validate a b", &o, true), 2);
	free(o);
	assert_int_equal(tu_sva("config show --bogus x", &o, true), 2);
	free(o);
	assert_int_equal(tu_sva("config frob", &o, true), 2);
	assert_non_null(strstr(o, "'frob' is not a subcommand"));
	free(o);
	assert_int_equal(tu_sva("--help", &o, true), 0);
	assert_non_null(strstr(o, "config"));
	free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples_load_and_round_trip),
		cmocka_unit_test(test_installed_accel_config_samples),
		cmocka_unit_test(test_sample_values),
		cmocka_unit_test(test_default_config),
		cmocka_unit_test(test_base_and_save_config_order),
		cmocka_unit_test(test_lenient_inputs),
		cmocka_unit_test(test_list_output_shape),
		cmocka_unit_test(test_wq_rules),
		cmocka_unit_test(test_caps_rules),
		cmocka_unit_test(test_dsa2_features_round_trip),
		cmocka_unit_test(test_group_and_device_rules),
		cmocka_unit_test(test_rules_for_c_built_configs),
		cmocka_unit_test(test_malformed_json),
		cmocka_unit_test(test_duplicate_device),
		cmocka_unit_test(test_wrong_values),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_cli),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
