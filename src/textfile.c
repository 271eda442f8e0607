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

/* Terminate @buf's @len bytes; text has no NUL byte in it. */
static int text_only(char *buf, size_t len, char *err, size_t errlen)
{
	buf[len] = '\0';
	if (strlen(buf) != len)
		return say(err, errlen, -EINVAL, "%s", "contains a NUL byte: not a JSON text file");
	return 0;
}

/* One read(2), retried on EINTR: 0 with *got bytes (0 at the end), or -EIO said in @err. */
static int read_some(int fd, char *p, size_t want, ssize_t *got, char *err, size_t errlen)
{
	do
		*got = read(fd, p, want);
	while (*got < 0 && errno == EINTR);
	return *got < 0 ? say(err, errlen, -EIO, "read error: %s", strerror(errno)) : 0;
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
		rc = read_some(fd, buf + len, want, &n, err, errlen);
		if (rc || n == 0)
			break;
		len += (size_t)n;
	}
	if (!rc && len > (size_t)st.st_size)
		rc = say(err, errlen, -EIO, "%s", "read error: the file grew while it was read");
	if (!rc)
		rc = text_only(buf, len, err, errlen);
	if (rc)
		free(buf);
	else
		*out = buf;
out:
	close(fd);
	return rc;
}

int sva_read_text_fd(int fd, size_t cap, const char *what, char **out, char *err, size_t errlen)
{
	size_t len = 0, size = 0;
	char *buf = NULL, limit[32];
	int rc = 0;

	*out = NULL;
	cap_text(cap, limit, sizeof(limit));
	for (;;) {
		ssize_t n;

		/* Room for one byte past the cap: that byte is what proves the input too long. */
		if (size - len < 2) {
			size_t nsize = size ? 2 * size : 64 * 1024;
			char *nb;

			if (nsize > cap + 2)
				nsize = cap + 2;
			nb = nsize > size ? realloc(buf, nsize) : NULL;
			if (!nb) {
				rc = say(err, errlen, -ENOMEM, "%s", "out of memory");
				break;
			}
			buf = nb;
			size = nsize;
		}
		rc = read_some(fd, buf + len, size - 1 - len, &n, err, errlen);
		if (rc || n == 0)
			break;
		len += (size_t)n;
		if (len > cap) {
			snprintf(err, errlen, "larger than the %s limit for %s", limit, what);
			rc = -EFBIG;
			break;
		}
	}
	if (!rc && !buf)
		rc = say(err, errlen, -ENOMEM, "%s", "out of memory");
	if (!rc)
		rc = text_only(buf, len, err, errlen);
	if (rc)
		free(buf);
	else
		*out = buf;
	return rc;
}
