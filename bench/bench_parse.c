// SPDX-License-Identifier: MIT
/*
 * Reading a large scenario: host time and peak memory of scenario_parse()
 * on generated files, to show that parsing is linear in the file and its
 * memory proportional to it.  Two shapes: many long step lists (bytes), and
 * one process with tens of thousands of named step lists that start each
 * other (the references between lists).  Results go into docs/performance.md.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scenario.h"

struct text {
	char *p;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3)))
static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len)
			break;
		t->cap = t->cap ? t->cap * 2 : 1 << 20;
		t->p = realloc(t->p, t->cap);
		if (!t->p)
			abort();
	}
	t->len += (size_t)n;
}

/* @procs processes of @steps steps each, mostly mmap/touch/submit. */
static char *many_steps(unsigned procs, unsigned steps)
{
	struct text t = { 0 };

	add(&t, "{\"name\": \"bench steps\", \"processes\": [\n");
	for (unsigned p = 0; p < procs; p++) {
		add(&t, "%s{\"name\": \"p%u\", \"main\": [\n", p ? ",\n" : "", p);
		for (unsigned s = 0; s < steps; s++) {
			const char *sep = s + 1 < steps ? ",\n" : "\n";

			switch (s % 4) {
			case 0: add(&t, "  {\"do\": \"mmap\", \"as\": \"b%u\", \"size\": 65536}%s", s % 32, sep); break;
			case 1: add(&t, "  {\"do\": \"touch\", \"buf\": \"b%u\", \"write\": true}%s", s % 32, sep); break;
			case 2: add(&t, "  {\"do\": \"submit\", \"wq\": \"q\", \"op\": \"fill\", \"dst\": \"b%u\", "
				    "\"size\": 4096, \"pattern\": %u}%s", s % 32, s, sep); break;
			default: add(&t, "  {\"do\": \"sleep\", \"ns\": %u}%s", s, sep); break;
			}
		}
		add(&t, "]}");
	}
	add(&t, "\n]}\n");
	return t.p;
}

/* One process whose @lists named lists each start the next one. */
static char *many_lists(unsigned lists)
{
	struct text t = { 0 };

	add(&t, "{\"name\": \"bench lists\", \"processes\": [{\"name\": \"p\", "
		"\"main\": [{\"do\": \"thread\", \"run\": \"l0\"}, {\"do\": \"join\"}], \"threads\": {\n");
	for (unsigned l = 0; l < lists; l++) {
		add(&t, "  \"l%u\": [{\"do\": \"sleep\", \"ns\": 1}", l);
		if (l + 1 < lists)
			add(&t, ", {\"do\": \"thread\", \"run\": \"l%u\"}, {\"do\": \"join\"}],\n", l + 1);
		else
			add(&t, "]\n");
	}
	add(&t, "}}]}\n");
	return t.p;
}

/* CPU time of this process: the build machine is shared, wall time is noise. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Current resident set, in bytes (Linux). */
static size_t rss_now(void)
{
	long pages = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &res) != 2)
			res = 0;
		fclose(f);
	}
	return (size_t)res * 4096;
}

static size_t rss_peak(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (size_t)ru.ru_maxrss * 1024;
}

/*
 * Parse @text in a child process of its own, so that its peak resident set
 * (ru_maxrss) is this parse's, above what it had with the text in memory.
 */
static void run(const char *what, char *(*gen)(unsigned), unsigned n)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		char *text = gen(n), err[512];
		size_t len = strlen(text), before = rss_now();
		struct scenario *s = NULL;
		double t0, t1;

		t0 = now_s();
		if (scenario_parse(text, "bench", "", &s, err, sizeof(err))) {
			fprintf(stderr, "bench_parse: %s: %s\n", what, err);
			_exit(1);
		}
		t1 = now_s();
		printf("| %s | %.1f | %.2f | %.0f | %.0f | %.1f |\n", what, (double)len / 1e6, t1 - t0,
		       (double)len / 1e6 / (t1 - t0), (double)(rss_peak() - before) / 1e6,
		       (double)(rss_peak() - before) / (double)len);
		scenario_free(s);
		free(text);
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		exit(1);
}

static char *steps_1024(unsigned k)
{
	return many_steps(1024 / k, 1000);
}

static char *steps_100(unsigned k)
{
	return many_steps(100 / k, 10000);
}

static char *lists_80k(unsigned k)
{
	return many_lists(80000 / k);
}

static char *lists_20k(unsigned k)
{
	return many_lists(20000 / k);
}

int main(int argc, char **argv)
{
	unsigned k = argc > 1 && !strcmp(argv[1], "--quick") ? 10 : 1;

	printf("| file | MB | parse CPU s | MB/s | peak MB above the text | peak / file size |\n"
	       "|---|---:|---:|---:|---:|---:|\n");
	run("1024 processes x 1000 steps", steps_1024, k);
	run("100 processes x 10000 steps", steps_100, k);
	run("1 process, 20000 step lists", lists_20k, k);
	run("1 process, 80000 step lists", lists_80k, k);
	return 0;
}
