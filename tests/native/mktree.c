// SPDX-License-Identifier: MIT
/*
 * Test helper for tests/cli/native_accel_config.sh: create the private
 * tree of a native run, as `sva native` does, without running anything.
 *
 *   native_mktree ROOT [CONFIG.json]     (no CONFIG: the default configuration)
 *   native_mktree --enabled ROOT         print the enabled configuration's JSON
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "native/sysfs_tree.h"
#include "os/idxd_config.h"

int main(int argc, char **argv)
{
	char err[IDXD_CFG_ERR_LEN];
	struct idxd_config *cfg = NULL;
	int rc;

	if (argc == 3 && !strcmp(argv[1], "--enabled")) {
		char *json = sysfs_tree_enabled_config(argv[2], err, sizeof(err));

		if (!json) {
			fprintf(stderr, "native_mktree: %s\n", err);
			return 1;
		}
		fputs(json, stdout);
		free(json);
		return 0;
	}
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: native_mktree ROOT [CONFIG] | --enabled ROOT\n");
		return 2;
	}
	if (argc == 3)
		rc = idxd_config_load_file(argv[2], NULL, &cfg, err, sizeof(err));
	else
		rc = (cfg = idxd_config_default()) ? 0 : -1;
	if (rc) {
		fprintf(stderr, "native_mktree: %s: %s\n", argc == 3 ? argv[2] : "default", err);
		return 2;
	}
	rc = sysfs_tree_create(argv[1], cfg, err, sizeof(err));
	idxd_config_free(cfg);
	if (rc) {
		fprintf(stderr, "native_mktree: %s\n", err);
		return 1;
	}
	return 0;
}
