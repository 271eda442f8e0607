/* SPDX-License-Identifier: MIT */
/*
 * The runners of tests/native: one case of a test program in its own
 * process, with the trap layer preloaded and SVA_NATIVE_ROOT set, and how
 * it ended.  Include after <cmocka.h>.
 */
#ifndef SVA_TESTS_NATIVE_RUN_PROG_H
#define SVA_TESTS_NATIVE_RUN_PROG_H

#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * `@prog @name` with @lib preloaded and SVA_NATIVE_PATCH=@patch (unset
 * when NULL); it must exit 0 (@want_sig 0) or die of signal @want_sig.
 */
static void run_prog(const char *prog, const char *lib, const char *name, const char *patch,
		     int want_sig)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &no_core);
		setenv("LD_PRELOAD", lib, 1);
		setenv("SVA_NATIVE_ROOT", "/nonexistent-sva-native-root", 1);
		if (patch)
			setenv("SVA_NATIVE_PATCH", patch, 1);
		else
			unsetenv("SVA_NATIVE_PATCH");
		execl(prog, prog, name, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (want_sig) {
		if (!WIFSIGNALED(st))
			fail_msg("%s: exited %d, expected death by signal %d", name,
				 WIFEXITED(st) ? WEXITSTATUS(st) : -1, want_sig);
		assert_int_equal(WTERMSIG(st), want_sig);
	} else {
		if (!WIFEXITED(st))
			fail_msg("%s: died of signal %d", name, WTERMSIG(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
}

#endif
