// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
