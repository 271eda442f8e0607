// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the scenario loader (tools/scenario_parse.c).
 *
 * Any bytes (NUL-terminated copy) go to scenario_parse().  It must not
 * crash, trip a sanitizer or leak (LeakSanitizer runs after every input);
 * it returns 0 with a scenario, or -EINVAL with a one-line message and no
 * scenario.  A parsed scenario is freed with scenario_free().
 *
 * An "accel_config" given as a file name is kept as a path, not opened, so
 * the loader touches no file.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario *s = NULL;
	char err[512];
	char *text;
	int rc;

	if (size > 256 * 1024)
		return -1;
	text = malloc(size + 1);
	CHECK(text);
	memcpy(text, data, size);
	text[size] = '\0';

	err[0] = '\0';
	rc = scenario_parse(text, "fuzz.json", "/nonexistent", &s, err, sizeof(err));
	free(text);
	if (rc) {
		CHECK(rc == -EINVAL || rc == -ENOMEM);
		CHECK(s == NULL);
		CHECK(err[0] != '\0');
		return 0;
	}
	CHECK(s != NULL);
	CHECK(s->nprocs > 0 ? s->procs != NULL : 1);
	for (unsigned i = 0; i < s->nprocs; i++)
		CHECK(s->procs[i].main.n == 0 || s->procs[i].main.steps != NULL);
	scenario_free(s);
	return 0;
}
