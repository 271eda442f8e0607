// SPDX-License-Identifier: MIT
/*
 * accel-config files with what sva does not model - IAA (iaxN) devices,
 * DSA 2.0 attributes on the DSA 1.0 model - load: kept, written back,
 * shown as not modelled, noted once on stderr, refused only when used.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sva/dsa.h>
#include <sva/system.h>

#include "os/idxd_config.h"
#include "system_internal.h"
#include "testutil.h"

static const char *path_of(const char *rel)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/examples/configs/%s", getenv("SVA_SOURCE_DIR"), rel);
	return buf;
}

static struct idxd_config *load(const char *rel)
{
	struct idxd_config *cfg = NULL;
	char err[IDXD_CFG_ERR_LEN];

	if (idxd_config_load_file(path_of(rel), NULL, &cfg, err, sizeof(err)))
		fail_msg("%s: %s", rel, err);
	return cfg;
}

/* Written back and read again, nothing is lost. */
static void round_trip(const struct idxd_config *cfg)
{
	char *json = idxd_config_to_json(cfg), err[IDXD_CFG_ERR_LEN];
	struct idxd_config *again = NULL;

	assert_non_null(json);
	if (idxd_config_parse_string(json, NULL, &again, err, sizeof(err)))
		fail_msg("written back, refused: %s\n%s", err, json);
	assert_true(idxd_config_equal(cfg, again));
	idxd_config_free(again);
	free(json);
}

static void test_host_with_an_iax_device(void **state)
{
	struct idxd_config *cfg;

	(void)state;
	cfg = load("dsa_iax_host.json");
	assert_int_equal(cfg->nr_devices, 2);
	assert_false(cfg->devices[0].iaa);
	assert_true(cfg->devices[1].iaa);
	assert_int_equal(cfg->devices[1].id, 1);
	assert_int_equal(cfg->devices[1].nr_engines, 8);
	assert_int_equal(cfg->nr_unmodelled, 1);
	assert_non_null(strstr(cfg->unmodelled[0], "iax1: an IAA device"));
	round_trip(cfg);
	idxd_config_free(cfg);
}

/* accel-config's own test configurations: one an IAA device, one with trailing commas. */
static void test_accel_config_test_configs(void **state)
{
	struct idxd_config *cfg;

	(void)state;
	cfg = load("accel-config/2g2q_user_2.conf");
	assert_int_equal(cfg->nr_devices, 1);
	assert_true(cfg->devices[0].iaa);
	assert_string_equal(idxd_cfg_find_wq(&cfg->devices[0], 4)->name, "wq1.4");
	round_trip(cfg);
	idxd_config_free(cfg);
	cfg = load("accel-config/2g2q_user_1.conf");
	assert_false(cfg->devices[0].iaa);
	assert_int_equal(cfg->nr_unmodelled, 0);
	idxd_config_free(cfg);
}

static void test_dsa2_attributes_are_kept(void **state)
{
	struct idxd_config *cfg;
	const struct idxd_cfg_wq *wq;
	char *json;

	(void)state;
	cfg = load("dsa2_attributes.json");
	assert_int_equal(cfg->devices[0].event_log_size, 64);
	assert_int_equal(cfg->devices[0].groups[1].desc_progress_limit, 1);
	assert_int_equal(cfg->devices[0].groups[1].batch_progress_limit, 2);
	wq = idxd_cfg_find_wq(&cfg->devices[0], 1);
	assert_true(wq->prs_disable && wq->has_op_config);
	assert_int_equal(wq->op_config[0], 0x00ff01ff);
	assert_int_equal(wq->op_config[1], 0x7b);
	/* prs_disable 0 is what DSA 1.0 does anyway: no note for it */
	assert_int_equal(cfg->nr_unmodelled, 8);
	json = idxd_config_to_json(cfg);
	assert_non_null(strstr(json, "\"prs_disable\":1"));
	assert_non_null(strstr(json, "\"event_log_size\":64"));
	assert_non_null(strstr(json, "\"op_config\":\"00000000,00000000,00000000,00000000,00000000,00000000,0000007b,00ff01ff\""));
	free(json);
	round_trip(cfg);
	idxd_config_free(cfg);
}

/* dsa0 and iax0 cannot both exist: the driver numbers both kinds from one space. */
static void test_numbers_are_shared(void **state)
{
	struct idxd_config *cfg = NULL;
	char err[IDXD_CFG_ERR_LEN];

	(void)state;
	assert_int_equal(idxd_config_parse_string("[{\"dev\":\"dsa0\"},{\"dev\":\"iax0\"}]", NULL, &cfg,
						  err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "device [1]: device number 0 appears twice (iax0)");
}

/* The system has dsa0 only; nothing answers for the IAA device. */
static void test_system_builds_the_dsa_only(void **state)
{
	struct sva_system_config sc = { .seed = 1, .accel_config = path_of("dsa_iax_host.json") };
	struct sva_system *sys;
	char err[256];

	(void)state;
	sys = sva_system_create_err(&sc, err, sizeof(err));
	if (!sys)
		fail_msg("%s", err);
	assert_non_null(sva_system_dsa(sys, 0));
	assert_string_equal(sva_dsa_name(sva_system_dsa(sys, 0)), "dsa0");
	assert_null(sva_system_dsa(sys, 1));
	sva_system_destroy(sys);
}

static void test_config_commands(void **state)
{
	char args[4200], *o;

	(void)state;
	snprintf(args, sizeof(args), "config show '%s'", path_of("dsa_iax_host.json"));
	assert_int_equal(tu_sva(args, &o, 0), 0);
	assert_non_null(strstr(o, "iax1 (IAA device, not modelled): 1 group, 1 WQ, 8 engines"));
	assert_non_null(strstr(o, "not modelled (kept): iax1: an IAA device"));
	free(o);
	/* once, on stderr, as one note */
	snprintf(args, sizeof(args), "'%s' config validate '%s' 2>&1 >/dev/null", tu_sva_bin(),
		 path_of("dsa2_attributes.json"));
	assert_int_equal(tu_shell(args, &o), 0);
	assert_non_null(strstr(o, "sva config validate: note: "));
	assert_non_null(strstr(o, "kept but not modelled: dsa0: event_log_size (a DSA 2.0 attribute); "));
	assert_non_null(strstr(o, "dsa0/wq0.1: op_config (a DSA 2.0 attribute)\n"));
	assert_true(strchr(o, '\n') + 1 == o + strlen(o));	/* one line */
	free(o);
}

static void write_scenario(const char *path, const char *wq)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "{\"name\":\"iax host\",\"accel_config\":\"%s\",\"processes\":[{\"name\":\"p\",\"main\":["
		"{\"do\":\"mmap\",\"as\":\"b\",\"size\":4096},{\"do\":\"open\",\"wq\":\"%s\",\"as\":\"q\"},"
		"{\"do\":\"submit\",\"wq\":\"q\",\"op\":\"fill\",\"dst\":\"b\",\"size\":4096,\"verify\":true}]}]}\n",
		path_of("dsa_iax_host.json"), wq);
	fclose(f);
}

/* A scenario on a host with an IAA device runs on its DSA; opening the IAA's WQ is refused by name. */
static void test_run_refuses_only_what_is_used(void **state)
{
	char *o;

	(void)state;
	write_scenario("unmodelled_dsa.json", "wq0.0");
	assert_int_equal(tu_sva("run unmodelled_dsa.json --quiet", &o, 1), 0);
	assert_non_null(strstr(o, "sva run: note: "));
	assert_non_null(strstr(o, "kept but not modelled: iax1: an IAA device (its WQs cannot be opened)\n"));
	free(o);
	write_scenario("unmodelled_iax.json", "wq1.0");
	assert_int_equal(tu_sva("run unmodelled_iax.json --quiet", &o, 1), 2);
	assert_non_null(strstr(o, "sva run: unmodelled_iax.json: $.processes[0].main[1]: wq1.0 is a WQ of iax1, "
			       "an IAA device; sva models DSA devices only"));
	free(o);
	remove("unmodelled_dsa.json");
	remove("unmodelled_iax.json");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_with_an_iax_device),
		cmocka_unit_test(test_accel_config_test_configs),
		cmocka_unit_test(test_dsa2_attributes_are_kept),
		cmocka_unit_test(test_numbers_are_shared),
		cmocka_unit_test(test_system_builds_the_dsa_only),
		cmocka_unit_test(test_config_commands),
		cmocka_unit_test(test_run_refuses_only_what_is_used),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
