// SPDX-License-Identifier: MIT
/*
 * Native mode's costs (docs/performance.md, "Native mode"): runs the plain
 * DSA program native_submit under `sva native`, inline and async, on the
 * shared WQ (ENQCMD) and the dedicated one (MOVDIR64B), then a program
 * that makes no DSA call with and without the preloaded library.
 * Wall-clock numbers of this host; nothing here is a pass/fail test.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[PATH_MAX];

static int run(const char *what, char *const argv[])
{
	pid_t pid;
	int status;

	printf("\n== %s\n", what);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(void)
{
	char sva[PATH_MAX + 32], prog[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	int rc = 0;

	if (n <= 0)
		return 1;
	dir[n] = '\0';
	*strrchr(dir, '/') = '\0';
	snprintf(sva, sizeof(sva), "%s/../tools/sva", dir);
	snprintf(prog, sizeof(prog), "%s/native_submit", dir);
	{
		char *a[] = { sva, "native", "--quiet", "--", prog, NULL };
		char *b[] = { sva, "native", "--quiet", "--", prog, "--wq", "/dev/dsa/wq0.1", "--dedicated", NULL };
		char *c[] = { sva, "native", "--quiet", "--mode", "async", "--", prog, NULL };
		char *d[] = { sva, "native", "--quiet", "--mode", "async", "--", prog, "--wq", "/dev/dsa/wq0.1",
			      "--dedicated", NULL };
		char *e[] = { prog, "--no-dsa", "200000", NULL };
		char *f[] = { sva, "native", "--quiet", "--", prog, "--no-dsa", "200000", NULL };

		rc |= run("inline, shared WQ (ENQCMD)", a);
		rc |= run("inline, dedicated WQ (MOVDIR64B)", b);
		rc |= run("async, shared WQ (ENQCMD)", c);
		rc |= run("async, dedicated WQ (MOVDIR64B)", d);
		rc |= run("no DSA calls, plain", e);
		rc |= run("no DSA calls, under sva native", f);
	}
	return rc ? 1 : 0;
}
