// SPDX-License-Identifier: MIT
/*
 * Where the private tree is.  Read once, before main(): a program may
 * change its environment later (setenv, clearenv), but the tree it was
 * started with is the one its children inherit through the environment
 * they are given, and the one this process keeps using.
 */
#include <stdlib.h>
#include <string.h>

#include "preload.h"

static const char *root;

/*
 * Priority 101, the first a program may use: the other layers' constructors
 * (unordered among themselves) ask native_root() whether to install
 * anything, so it must be set before any of them runs.
 */
__attribute__((constructor(101))) static void root_init(void)
{
	const char *r = getenv(NATIVE_ENV_ROOT);

	/* An empty or relative root would redirect paths into the working directory. */
	root = r && r[0] == '/' ? strdup(r) : NULL;
}

const char *native_root(void)
{
	return root;
}
