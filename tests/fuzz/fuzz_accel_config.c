// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the accel-config JSON loader (src/os/idxd_config.h).
 *
 * Any bytes (NUL-terminated copy) go to idxd_config_parse_string() with
 * the default capabilities.  When they parse, the configuration is written
 * back with idxd_config_to_json(), which must parse again to an equal
 * configuration, and writing that one must give the same text.  A refused
 * input must come back with a message and no configuration.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/idxd_config.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct idxd_config *cfg = NULL, *again = NULL;
	char err[IDXD_CFG_ERR_LEN], err2[IDXD_CFG_ERR_LEN];
	char *text, *json, *json2;
	int rc;

	if (size > 256 * 1024)
		return -1;	/* not worth the time; keep it out of the corpus */
	text = malloc(size + 1);
	CHECK(text);
	memcpy(text, data, size);
	text[size] = '\0';

	err[0] = '\0';
	cfg = (struct idxd_config *)(uintptr_t)1;	/* must be cleared on failure */
	rc = idxd_config_parse_string(text, NULL, &cfg, err, sizeof(err));
	free(text);
	if (rc) {
		CHECK(rc < 0);
		CHECK(cfg == NULL);
		CHECK(err[0] != '\0');
		CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		return 0;
	}
	CHECK(cfg != NULL);
	CHECK(idxd_config_validate(cfg, err, sizeof(err)) == 0);

	json = idxd_config_to_json(cfg);
	CHECK(json);
	err2[0] = '\0';
	rc = idxd_config_parse_string(json, NULL, &again, err2, sizeof(err2));
	if (rc) {
		fprintf(stderr, "fuzz_accel_config: written config does not parse: %s\n%s\n",
			err2, json);
		abort();
	}
	if (!idxd_config_equal(cfg, again)) {
		fprintf(stderr, "fuzz_accel_config: round trip changed the configuration\n%s\n",
			json);
		abort();
	}
	json2 = idxd_config_to_json(again);
	CHECK(json2);
	if (strcmp(json, json2) != 0) {
		fprintf(stderr, "fuzz_accel_config: second write differs\n%s\n---\n%s\n",
			json, json2);
		abort();
	}
	free(json2);
	free(json);
	idxd_config_free(again);
	idxd_config_free(cfg);
	return 0;
}
