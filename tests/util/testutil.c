// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "testutil.h"

uint64_t tu_hash(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

int tu_run_child(void (*fn)(void *), void *arg, char **err)
{
	int fds[2], status = -1;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	pid_t pid;
	ssize_t r;

	if (!buf || pipe(fds) != 0)
		abort();
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		fn(arg);
		_exit(0);
	}
	close(fds[1]);
	while ((r = read(fds[0], buf + len, cap - len - 1)) > 0) {
		len += (size_t)r;
		if (cap - len < 2) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				abort();
			buf = nb;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	*err = buf;
	return status;
}

uint64_t tu_seed(uint64_t def)
{
	const char *s = getenv("SVA_TEST_SEED");

	return s && *s ? strtoull(s, NULL, 0) : def;
}

const char *tu_sva_bin(void)
{
	const char *b = getenv("SVA_SVA_BIN");

	if (!b)
		fail_msg("SVA_SVA_BIN is not set (run through ctest)");
	return b;
}

int tu_sva(const char *args, char **out, bool merge)
{
	char cmd[8192];
	int n;

	n = snprintf(cmd, sizeof(cmd), "'%s' %s%s", tu_sva_bin(), args, merge ? " 2>&1" : " 2>/dev/null");
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	return tu_shell(cmd, out);
}

int tu_shell(const char *cmd, char **out)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	FILE *p;
	size_t r;
	int st;

	assert_non_null(buf);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((r = fread(buf + len, 1, cap - len - 1, p)) > 0) {
		len += r;
		if (cap - len < 2) {
			buf = realloc(buf, cap *= 2);
			assert_non_null(buf);
		}
	}
	buf[len] = '\0';
	st = pclose(p);
	*out = buf;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

struct json_object *tu_json_get(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("report has no \"%s\"", key);
	return v;
}

struct json_object *tu_json_proc(struct json_object *report, const char *name)
{
	struct json_object *procs = tu_json_get(report, "processes");

	for (size_t i = 0; i < json_object_array_length(procs); i++) {
		struct json_object *p = json_object_array_get_idx(procs, i);

		if (!strcmp(json_object_get_string(tu_json_get(p, "name")), name))
			return p;
	}
	fail_msg("report has no process \"%s\"", name);
	return NULL;
}

size_t tu_json_events(struct json_object *report, const char *who, const char *what, const char *what2)
{
	struct json_object *tl = tu_json_get(report, "timeline");
	size_t n = 0;

	for (size_t i = 0; i < json_object_array_length(tl); i++) {
		struct json_object *e = json_object_array_get_idx(tl, i);
		const char *s = json_object_get_string(tu_json_get(e, "what"));

		if (strstr(s, what) && (!what2 || strstr(s, what2)) &&
		    (!who || !strcmp(json_object_get_string(tu_json_get(e, "who")), who)))
			n++;
	}
	return n;
}
