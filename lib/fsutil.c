/* Paths checked root's all the way up, whole writes, cleanup attributes
 * (fsutil.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "fsutil.h"

ssize_t boxed_read_text(int dirfd, const char *path, char *buf, size_t size)
{
	boxed_autoclose int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

void boxed_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
		*fd = -1;
	}
}

void boxed_freep(void *p)
{
	free(*(void **)p);
}

/* A directory another user can write lets that user swap the entries in it
 * (rename the file we checked, plant a new one); a sticky directory such as
 * /tmp still lets them plant. Either way nothing below it can be trusted. */
static int check_one(const char *path, int want_dir, int *symlinks, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return boxed_errf(err, errlen, "%s: %s", path, strerror(errno));
	if (S_ISLNK(st.st_mode)) {
		if (st.st_uid != 0)
			return boxed_errf(err, errlen, "%s: symlink is not owned by root", path);
		*symlinks = 1;
		return 0;
	}
	if (want_dir && !S_ISDIR(st.st_mode))
		return boxed_errf(err, errlen, "%s: not a directory", path);
	if (st.st_uid != 0)
		return boxed_errf(err, errlen, "%s: owned by uid %u, not root; chown root %s", path,
				  (unsigned)st.st_uid, path);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return boxed_errf(err, errlen, "%s: writable by %s (mode %04o); chmod go-w %s",
				  path, (st.st_mode & S_IWOTH) ? "others" : "its group",
				  (unsigned)(st.st_mode & 07777), path);
	return 0;
}

/* Check path and each of its ancestors; *symlinks is set when one of them
 * is a (root-owned) symlink, whose target must be checked in turn. */
static int check_components(const char *path, int *symlinks, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (path[0] != '/')
		return boxed_errf(err, errlen, "%s: not an absolute path", path);
	if (len >= sizeof(buf))
		return boxed_errf(err, errlen, "%s: path too long", path);
	memcpy(buf, path, len + 1);
	if (check_one("/", 1, symlinks, err, errlen) != 0)
		return -1;
	for (size_t i = 1; i < len; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (check_one(buf, 0, symlinks, err, errlen) != 0)
			return -1;
		buf[i] = '/';
	}
	return check_one(buf, 0, symlinks, err, errlen);
}

int boxed_check_trusted_path(const char *path, char *err, size_t errlen)
{
	char resolved[PATH_MAX];
	int symlinks = 0;

	if (check_components(path, &symlinks, err, errlen) != 0)
		return -1;
	if (!symlinks)
		return 0;
	if (!realpath(path, resolved))
		return boxed_errf(err, errlen, "%s: %s", path, strerror(errno));
	if (strcmp(resolved, path) == 0)
		return 0;
	return check_components(resolved, &symlinks, err, errlen);
}

ssize_t boxed_read_all(int fd, size_t max, char **out)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);

	if (!buf)
		return -1;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *grown;

			if (cap > max) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			cap *= 2;
			grown = realloc(buf, cap + 1);
			if (!grown) {
				free(buf);
				return -1;
			}
			buf = grown;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			free(buf);
			errno = EFBIG;
			return -1;
		}
	}
	buf[len] = '\0';
	*out = buf;
	return (ssize_t)len;
}

ssize_t boxed_read_file(const char *path, size_t max, char **out, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY), saved;
	ssize_t n;

	if (fd < 0) {
		saved = errno;
		boxed_errf(err, errlen, "%s: %s", path, strerror(saved));
		errno = saved;
		return -1;
	}
	n = boxed_read_all(fd, max, out);
	saved = errno;
	close(fd);
	if (n < 0) {
		if (saved == EFBIG)
			boxed_errf(err, errlen, "%s: larger than %zu KiB", path, max / 1024);
		else
			boxed_errf(err, errlen, "%s: %s", path, strerror(saved));
		errno = saved;
	}
	return n;
}

int boxed_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
