/* SPDX-License-Identifier: MIT */
/* Shared by the libFuzzer targets in tests/fuzz/. */
#ifndef SVA_TESTS_FUZZ_UTIL_H
#define SVA_TESTS_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An assertion that holds in every build: the fuzzer reports the abort. */
#define CHECK(c)                                                              \
	do {                                                                  \
		if (!(c)) {                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,  \
				__LINE__, #c);                                \
			abort();                                              \
		}                                                             \
	} while (0)

#endif
