// SPDX-License-Identifier: MIT
/*
 * Runaway scenarios: what a scenario that asks for a lot costs the host.
 * Each case is a scenario run by `sva run` in a child process, so its host
 * time (wall clock, and CPU - user + system - which a busy machine does
 * not inflate) and peak resident memory are its own (wait4's rusage):
 *
 *   join     20,032 threads that each sleep 1 ms, joined by main
 *   joiners  the same on 256 CPUs, and every thread joins too: they wait
 *            for each other, so the run ends at its 2 ms time limit
 *   forkbomb every process forks two more, for 2 ms of virtual time
 *            (ends in fork's -EAGAIN once pid_max is reached)
 *   idle     one thread asleep for 1000 s of virtual time
 *
 * Usage: bench_runaway [SVA-BINARY [CASE]]; by default the sva built beside
 * this program (../tools/sva), and every case.  Results go into
 * docs/performance.md.
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void write_join(FILE *f)
{
	fprintf(f, "{\"name\":\"join\",\"processes\":[{\"name\":\"p\",\"main\":[");
	for (int i = 0; i < 313; i++)
		fprintf(f, "{\"do\":\"thread\",\"run\":\"w\",\"count\":64},");
	fprintf(f, "{\"do\":\"join\"}],\"threads\":{\"w\":[{\"do\":\"sleep\",\"ns\":1000000}]}}]}\n");
}

/* Every thread joins too: they wait for each other (a deadlock), until the 2 ms time limit. */
static void write_joiners(FILE *f)
{
	fprintf(f, "{\"name\":\"joiners\",\"machine\":{\"cpus\":256},\"faults\":{\"time_limit_ns\":2000000},"
		   "\"processes\":[{\"name\":\"p\",\"main\":[");
	for (int i = 0; i < 313; i++)
		fprintf(f, "{\"do\":\"thread\",\"run\":\"w\",\"count\":64},");
	fprintf(f, "{\"do\":\"join\"}],\"threads\":{\"w\":[{\"do\":\"sleep\",\"ns\":1000000},{\"do\":\"join\"}]}}]}\n");
}

static void write_forkbomb(FILE *f)
{
	fprintf(f, "{\"name\":\"forkbomb\",\"faults\":{\"time_limit_ns\":2000000},"
		   "\"processes\":[{\"name\":\"p\",\"main\":[{\"do\":\"fork\",\"run\":\"b\"},{\"do\":\"waitpid\"}],"
		   "\"threads\":{\"b\":[{\"do\":\"fork\",\"run\":\"b\"},{\"do\":\"fork\",\"run\":\"b\"},"
		   "{\"do\":\"sleep\",\"ns\":1000}]}}]}\n");
}

static void write_idle(FILE *f)
{
	fprintf(f, "{\"name\":\"idle\",\"faults\":{\"time_limit_ns\":2000000000000},"
		   "\"processes\":[{\"name\":\"p\",\"main\":[{\"do\":\"sleep\",\"ns\":1000000000000}]}]}\n");
}

static const struct runaway {
	const char *name, *what;
	void (*write)(FILE *f);
} cases[] = {
	{ "join", "20,032 threads sleep 1 ms, main joins", write_join },
	{ "joiners", "the same, 256 CPUs, every thread joins", write_joiners },
	{ "forkbomb", "each process forks two, 2 ms", write_forkbomb },
	{ "idle", "one thread sleeps 1000 s", write_idle },
};

int main(int argc, char **argv)
{
	char bin[PATH_MAX], self[PATH_MAX], dir[] = "/tmp/sva-runaway-XXXXXX", path[PATH_MAX];

	if (argc > 1) {
		snprintf(bin, sizeof(bin), "%s", argv[1]);
	} else {
		snprintf(self, sizeof(self), "%s", argv[0]);
		snprintf(bin, sizeof(bin), "%s/../tools/sva", dirname(self));
	}
	if (access(bin, X_OK) || !mkdtemp(dir)) {
		fprintf(stderr, "bench_runaway: no sva binary at %s (give its path)\n", bin);
		return 2;
	}
	printf("%-9s %-40s %8s %8s %12s %6s\n", "case", "what", "wall s", "CPU s", "peak RSS MiB", "exit");
	printf("(sva: %s)\n", bin);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct runaway *c = &cases[i];
		struct rusage ru;
		FILE *f;
		pid_t pid;
		double t0;
		int st;

		if (argc > 2 && strcmp(argv[2], c->name))
			continue;
		snprintf(path, sizeof(path), "%s/%s.json", dir, c->name);
		f = fopen(path, "w");
		if (!f)
			return 2;
		c->write(f);
		if (fclose(f))
			return 2;
		fflush(stdout);		/* or the child's stdout would print it again */
		t0 = now_s();
		pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0) {
			if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
				_exit(97);
			execl(bin, "sva", "run", path, "--quiet", (char *)NULL);
			_exit(98);
		}
		if (wait4(pid, &st, 0, &ru) != pid)
			return 2;
		printf("%-9s %-40s %8.2f %8.2f %12.1f %6d\n", c->name, c->what, now_s() - t0,
		       (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6,
		       (double)ru.ru_maxrss / 1024.0, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		fflush(stdout);
		unlink(path);
	}
	rmdir(dir);
	return 0;
}
