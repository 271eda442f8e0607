// SPDX-License-Identifier: MIT
/*
 * Out of host memory, `sva run` says so in one line and exits with 1:
 * never a bare abort, a crash, a pile of step failures or a "bad
 * configuration" (exit 2).  The run is a scenario that needs far more host
 * memory than it gets - 20,032 threads, each with its own stack - started
 * under a range of address-space limits (RLIMIT_AS), so the memory runs
 * out at different places: building the system, creating threads, growing
 * the event queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static char dir[64], scn[96], errf[96];

/* `sva run SCN --quiet` with its address space limited to @kib; stderr in *err. */
static int run_limited(unsigned long kib, char **err)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { .rlim_cur = kib * 1024, .rlim_max = kib * 1024 };
		int fd = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd < 0 || dup2(fd, 2) < 0 || setrlimit(RLIMIT_AS, &rl))
			_exit(99);
		execl(tu_sva_bin(), "sva", "run", scn, "--quiet", (char *)NULL);
		_exit(98);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	{
		FILE *f = fopen(errf, "r");
		long n;

		assert_non_null(f);
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		rewind(f);
		*err = calloc(1, (size_t)n + 1);
		assert_non_null(*err);
		assert_int_equal(fread(*err, 1, (size_t)n, f), (size_t)n);
		fclose(f);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_out_of_host_memory_is_one_line_and_exit_1(void **state)
{
	unsigned oom = 0;

	(void)state;
#ifdef UNDER_ASAN
	skip();		/* ASan reserves terabytes of shadow: no address-space limit fits */
#endif
	for (unsigned long kib = 40 * 1024; kib <= 400 * 1024; kib += 6 * 1024) {
		char *err = NULL;
		int rc = run_limited(kib, &err);
		char *nl = strchr(err, '\n');

		if (rc == 0) {
			free(err);
			continue;
		}
		if (rc != 1 || !nl || nl[1] || !strstr(err, ": out of host memory ("))
			fail_msg("with %lu KiB of address space: exit %d, stderr:\n%.2000s", kib, rc, err);
		oom++;
		free(err);
	}
	assert_true(oom > 0);
}

static int setup(void **state)
{
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sva-oom-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(scn, sizeof(scn), "%s/many_threads.json", dir);
	snprintf(errf, sizeof(errf), "%s/stderr", dir);
	f = fopen(scn, "w");
	if (!f)
		return -1;
	fprintf(f, "{\"machine\":{\"ram_mb\":64},\"processes\":[{\"name\":\"p\",\"main\":[");
	for (int i = 0; i < 313; i++)
		fprintf(f, "{\"do\":\"thread\",\"run\":\"w\",\"count\":64},");
	fprintf(f, "{\"do\":\"join\"}],\"threads\":{\"w\":[{\"do\":\"sleep\",\"ns\":1000000}]}}]}\n");
	return fclose(f) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(scn);
	unlink(errf);
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_out_of_host_memory_is_one_line_and_exit_1),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
