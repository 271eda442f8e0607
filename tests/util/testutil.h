/* SPDX-License-Identifier: MIT */
/* Helpers shared by the cmocka tests. */
#ifndef SVA_TESTUTIL_H
#define SVA_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* FNV-1a 64 over a buffer: a cheap fingerprint for "byte-identical". */
uint64_t tu_hash(const void *p, size_t n);

/*
 * Run fn(arg) in a forked child with stderr captured.  Returns the raw
 * wait status; *err gets the child's stderr (malloc'd, NUL-terminated).
 */
int tu_run_child(void (*fn)(void *), void *arg, char **err);

/* A test seed from SVA_TEST_SEED when set, else @def: lets a failure be replayed. */
uint64_t tu_seed(uint64_t def);

/* The sva binary under test: $SVA_SVA_BIN, which ctest sets (fails the test otherwise). */
const char *tu_sva_bin(void);

/* Run @cmd through the shell; its stdout into *out (malloc'd).  The exit status, 128 if none. */
int tu_shell(const char *cmd, char **out);

/*
 * Run `sva ARGS` through the shell (ARGS as is).  Its stdout, and its
 * stderr too when @merge (else discarded), goes into *out (malloc'd,
 * NUL-terminated).  Returns the exit status, 128 when it did not exit.
 */
int tu_sva(const char *args, char **out, bool merge);

/*
 * Reports of `sva run --json`: the member @key of @o (fails the test when
 * there is none), and the process named @name of a report.
 */
struct json_object;
struct json_object *tu_json_get(struct json_object *o, const char *key);
struct json_object *tu_json_proc(struct json_object *report, const char *name);
/* How many timeline events say @what (and @what2), by @who; NULL matches anything. */
size_t tu_json_events(struct json_object *report, const char *who, const char *what, const char *what2);

#endif
