// SPDX-License-Identifier: MIT
/*
 * sva torture: seeded simulation testing.  Every seed is a random
 * configuration, random programs and a random fault plan, run with the
 * invariant checker on, in a child process of its own (so a violation or
 * a crash ends that seed, not the campaign).  Failures are printed with the
 * command that replays them.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sva/system.h>

#include "os/kernel.h"
#include "scenario.h"
#include "sva_cli.h"
#include "system_internal.h"
#include "torture.h"

static void torture_usage(FILE *f)
{
	fprintf(f,
		"usage: sva torture [--seeds N] [--from S] [--jobs J] [--verbose]\n"
		"       sva torture --print [S]\n"
		"\n"
		"Run N random scenarios (seeds S, S+1, ...): random accelerator configurations,\n"
		"processes, threads, mappings, submissions, forks, exits, munmaps, migrations\n"
		"and reclaims, with faults (out of memory, page response failures, IOTLB\n"
		"pressure, full work queues, exits with work in flight), each checked by the\n"
		"invariant checker.  A seed fails on a violated invariant, a crash, a deadlock,\n"
		"or a run that does not end; step errors of the random programs themselves\n"
		"(a SIGSEGV they provoked, say) are not failures.\n"
		"\n"
		"  --seeds N    how many seeds, 1 to 1000000 (default 100)\n"
		"  --from S     first seed (default 1); S+N-1 must not pass 2^63-1\n"
		"  --jobs J     seeds run in parallel processes (default 1)\n"
		"  --print [S]  print the scenario of seed S as JSON; replay it with\n"
		"               'sva torture --print S | sva run -'\n"
		"  --verbose    one line per seed\n"
		"  -h, --help   this text\n"
		"\n"
		"Exit status: 0 all passed, 1 a seed failed, 2 bad usage.\n");
}

/*
 * The child: run one seed; exit 0 passed, 3 did not end or deadlocked, 4
 * setup failed, 5 a WQ's accounting does not add up.
 */
static int run_seed(uint64_t seed)
{
	char err[512], *text = torture_scenario(seed);
	struct scenario *s = NULL;
	struct sva_system *sys;
	struct run_result res;
	struct run_opts ro = { .seed = seed, .seed_given = true };
	struct sva_system_config cfg;
	int r;

	if (!text)
		return 4;
	r = scenario_parse(text, "torture", "", &s, err, sizeof(err));
	free(text);
	if (r) {
		fprintf(stderr, "generated scenario rejected: %s\n", err);
		return 4;
	}
	cfg = scenario_system_config(s, seed);
	cfg.check = 1;
	sys = sva_system_create_err(&cfg, err, sizeof(err));
	if (!sys) {
		fprintf(stderr, "cannot build the system: %s\n", err[0] ? err : strerror(errno));
		scenario_free(s);
		return 4;
	}
	r = scenario_run(s, sys, &ro, &res);
	if (r == -EDEADLK) {
		fprintf(stderr, "deadlock; blocked tasks:\n");
		sva_sim_dump_blocked(sva_system_sim(sys));
	} else if (r == -ETIME) {
		fprintf(stderr, "did not end within the time limit\n");
	} else if (!r && report_check_accounting(sys, err, sizeof(err))) {
		fprintf(stderr, "descriptors unaccounted for: %s\n", err);
		r = -EPROTO;
	}
	printf("STATS %llu %llu %llu\n", (unsigned long long)res.descs_submitted,
	       (unsigned long long)sva_system_kernel(sys)->check.dma_checks,
	       (unsigned long long)res.errors);
	fflush(stdout);
	run_result_free(&res);
	sva_system_destroy(sys);
	scenario_free(s);
	return r == -EPROTO ? 5 : r ? 3 : 0;
}

struct job {
	pid_t pid;
	uint64_t seed;
	int out;		/* the child's stdout and stderr, together */
	char buf[4096];
	size_t len;
};

static void drain(struct job *j)
{
	ssize_t n;

	while (j->len < sizeof(j->buf) - 1 &&
	       (n = read(j->out, j->buf + j->len, sizeof(j->buf) - 1 - j->len)) > 0)
		j->len += (size_t)n;
	j->buf[j->len] = '\0';
}

static int start(struct job *j, uint64_t seed)
{
	int fds[2];

	if (pipe(fds))
		return -errno;
	fflush(NULL);
	j->pid = fork();
	if (j->pid < 0)
		return -errno;
	if (j->pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		_exit(run_seed(seed));
	}
	close(fds[1]);
	j->seed = seed;
	j->out = fds[0];
	j->len = 0;
	return 0;
}

int sva_cmd_torture(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seeds", required_argument, NULL, 'n' },
		{ "from", required_argument, NULL, 'f' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "print", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t seeds = 100, from = 1, jobs = 1, last, next, done = 0, failed = 0, descs = 0, checks = 0;
	bool print = false, verbose = false;
	struct job *js;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:f:j:pvh", longopts, NULL)) != -1) {
		uint64_t *dst = c == 'n' ? &seeds : &jobs;

		switch (c) {
		case 'n': case 'j':
			if (!sva_parse_u64(optarg, dst) || *dst == 0 || *dst > 1000000) {
				fprintf(stderr, "sva torture: --%s: '%s' is not a count from 1 to 1000000\n",
					c == 'n' ? "seeds" : "jobs", optarg);
				return SVA_EXIT_USAGE;
			}
			break;
		case 'f':
			if (!sva_parse_seed(optarg, &from)) {
				fprintf(stderr, "sva torture: --from: '%s' is not a seed (0 to %lld, decimal or 0x hex)\n",
					optarg, (long long)SVA_SEED_MAX);
				return SVA_EXIT_USAGE;
			}
			break;
		case 'p': print = true; break;
		case 'v': verbose = true; break;
		case 'h': torture_usage(stdout); return SVA_EXIT_OK;
		default: torture_usage(stderr); return SVA_EXIT_USAGE;
		}
	}
	/* sva torture --print SEED: the seed named right there, as a replay reads it. */
	if (print && optind == argc - 1) {
		if (!sva_parse_seed(argv[optind], &from)) {
			fprintf(stderr, "sva torture: --print: '%s' is not a seed (0 to %lld, decimal or 0x hex)\n",
				argv[optind], (long long)SVA_SEED_MAX);
			return SVA_EXIT_USAGE;
		}
		optind++;
	}
	if (optind < argc) {
		fprintf(stderr, "sva torture: unexpected argument '%s'\n", argv[optind]);
		return SVA_EXIT_USAGE;
	}
	if (!print && seeds - 1 > SVA_SEED_MAX - from) {
		fprintf(stderr, "sva torture: --from %llu --seeds %llu: the last seed would be past %lld\n",
			(unsigned long long)from, (unsigned long long)seeds, (long long)SVA_SEED_MAX);
		return SVA_EXIT_USAGE;
	}
	last = from + seeds - 1;
	if (print) {
		char *t = torture_scenario(from);

		if (!t)
			return SVA_EXIT_FAIL;
		puts(t);
		free(t);
		return SVA_EXIT_OK;
	}
	if (jobs > 64)
		jobs = 64;
	js = calloc(jobs, sizeof(*js));
	if (!js)
		return SVA_EXIT_FAIL;
	next = from;
	while (done < seeds) {
		int status = 0;
		pid_t pid = 0;

		for (uint64_t i = 0; i < jobs && next <= last; i++)
			if (!js[i].pid) {
				if (start(&js[i], next) < 0) {
					fprintf(stderr, "sva torture: cannot fork: %s\n", strerror(errno));
					return SVA_EXIT_FAIL;
				}
				next++;
			}
		/* Read outputs while waiting, so a chatty child never blocks on its pipe. */
		for (;;) {
			struct pollfd pf[64];
			nfds_t n = 0;

			for (uint64_t i = 0; i < jobs; i++)
				if (js[i].pid)
					pf[n++] = (struct pollfd){ .fd = js[i].out, .events = POLLIN };
			assert(n > 0);	/* seeds left to finish are running: poll() cannot wait on nothing */
			if (poll(pf, n, -1) < 0 && errno != EINTR)
				break;
			for (uint64_t i = 0; i < jobs; i++)
				if (js[i].pid)
					drain(&js[i]);
			pid = waitpid(-1, &status, WNOHANG);
			if (pid > 0)
				break;
		}
		for (uint64_t i = 0; i < jobs; i++) {
			struct job *j = &js[i];
			unsigned long long d = 0, k = 0, e = 0;
			const char *st;
			bool ok;

			if (j->pid != pid)
				continue;
			drain(j);
			close(j->out);
			j->pid = 0;
			done++;
			ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
			st = strstr(j->buf, "STATS ");
			if (st && sscanf(st, "STATS %llu %llu %llu", &d, &k, &e) == 3) {
				descs += d;
				checks += k;
			}
			if (ok) {
				if (verbose)
					printf("seed %llu: ok (%llu descriptors, %llu device accesses checked)\n",
					       (unsigned long long)j->seed, d, k);
				continue;
			}
			failed++;
			printf("seed %llu: FAILED (%s %d)\n%s", (unsigned long long)j->seed,
			       WIFSIGNALED(status) ? "signal" : "exit status",
			       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), j->buf);
			printf("  replay: sva torture --from %llu --seeds 1   "
			       "(or as a scenario: sva torture --print %llu | sva run -)\n",
			       (unsigned long long)j->seed, (unsigned long long)j->seed);
		}
	}
	free(js);
	printf("torture: seeds %llu..%llu, %llu descriptors, %llu device accesses checked\n",
	       (unsigned long long)from, (unsigned long long)last,
	       (unsigned long long)descs, (unsigned long long)checks);
	printf("%llu passed, %llu failed\n", (unsigned long long)(seeds - failed), (unsigned long long)failed);
	return failed ? SVA_EXIT_FAIL : SVA_EXIT_OK;
}
