// SPDX-License-Identifier: MIT
/* The one bounded reader behind every input file (textfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "textfile.h"

static int say(char *err, size_t errlen, int rc, const char *fmt, const char *arg)
{
	snprintf(err, errlen, fmt, arg);
	return rc;
}

/* "64 MiB", "512 KiB" or "100 bytes": the cap as a person would write it. */
static void cap_text(size_t cap, char *buf, size_t len)
{
	if (cap >= (1u << 20) && !(cap % (1u << 20)))
		snprintf(buf, len, "%zu MiB", cap >> 20);
	else if (cap >= 1024 && !(cap % 1024))
		snprintf(buf, len, "%zu KiB", cap >> 10);
	else
		snprintf(buf, len, "%zu bytes", cap);
}

int sva_read_text_file(const char *path, size_t cap, const char *what, char **out,
		       char *err, size_t errlen)
{
	char *buf, limit[32];
	size_t len = 0;
	struct stat st;
	int fd, rc = 0;

	*out = NULL;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return say(err, errlen, errno == ENOENT ? -ENOENT : -EIO, "cannot open: %s",
			   strerror(errno));
	if (fstat(fd, &st)) {
		rc = say(err, errlen, -EIO, "cannot open: %s", strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = say(err, errlen, -EISDIR, "%s", "is a directory, not a file");
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = say(err, errlen, -EINVAL, "%s",
			 "not a regular file (a FIFO, device or socket cannot be read as input)");
		goto out;
	}
	cap_text(cap, limit, sizeof(limit));
	if ((unsigned long long)st.st_size > cap) {
		snprintf(err, errlen, "larger than the %s limit for %s", limit, what);
		rc = -EFBIG;
		goto out;
	}
	/* One byte more than its size: a file that grows while read is caught. */
	buf = malloc((size_t)st.st_size + 2);
	if (!buf) {
		rc = say(err, errlen, -ENOMEM, "%s", "out of memory");
		goto out;
	}
	for (;;) {
		size_t want = (size_t)st.st_size + 1 - len;
		ssize_t n;

		if (!want)
			break;
		n = read(fd, buf + len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = say(err, errlen, -EIO, "read error: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (!rc && len > (size_t)st.st_size)
		rc = say(err, errlen, -EIO, "%s", "read error: the file grew while it was read");
	if (!rc) {
		buf[len] = '\0';
		if (strlen(buf) != len)
			rc = say(err, errlen, -EINVAL, "%s", "contains a NUL byte: not a JSON text file");
	}
	if (rc)
		free(buf);
	else
		*out = buf;
out:
	close(fd);
	return rc;
}
