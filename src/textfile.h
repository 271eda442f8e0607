/* SPDX-License-Identifier: MIT */
/*
 * Reading an input file (scenario, accel-config, timing table) whole, with
 * a size cap: a file named by a user must not be able to take the host's
 * memory (/dev/zero), block forever (a FIFO) or smuggle binary data in.
 */
#ifndef SVA_TEXTFILE_H
#define SVA_TEXTFILE_H

#include <stddef.h>

/* The caps, in bytes; docs/sva.1 lists them. */
#define SVA_SCENARIO_MAX	(64u << 20)
#define SVA_ACCEL_CONFIG_MAX	(16u << 20)
#define SVA_TIMING_MAX		(1u << 20)

/*
 * Read the regular file @path (at most @cap bytes) as NUL-terminated text
 * into *@out (free() it).  Returns 0, or a negative errno with the reason
 * in @err - without the path: callers put it in front, as they name it.
 * @what names the kind of file in the "larger than" message.
 */
int sva_read_text_file(const char *path, size_t cap, const char *what, char **out,
		       char *err, size_t errlen);

/*
 * The same for a stream already open (standard input for "sva run -"): read
 * until end of file, refusing more than @cap bytes or a NUL byte.
 */
int sva_read_text_fd(int fd, size_t cap, const char *what, char **out, char *err, size_t errlen);

#endif
