/* Removing a tree no-follow, with bounded fds (wipe.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wipe.h"

/* Deeper directories are moved up to the top and wiped in a later pass,
 * so a tree of any depth is removed with a bounded number of open fds. */
#define WIPE_MAX_DEPTH 32
#define WIPE_MAX_PASSES 10000
#define WIPE_MAX_NAME_TRIES 10000

/* Open name, which unlinkat() refused with unlink_err, as a directory to
 * empty. When it is no directory after all, unlink_err is the reason it
 * stays (EPERM: an immutable or append-only file), not ENOTDIR. */
static int open_subdir(int dirfd, const char *name, int unlink_err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	/* Its owner may have made it unreadable; we are its owner too (or
	 * root), and may open it up again. */
	if (fd < 0 && errno == EACCES && fchmodat(dirfd, name, 0700, AT_SYMLINK_NOFOLLOW) == 0)
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOTDIR)
		errno = unlink_err;
	return fd;
}

/* Directories moved up in all passes (their names under the top must not
 * repeat: a pass may move one while an earlier one is still there), and in
 * this pass. */
struct moves {
	unsigned long total;
	unsigned long this_pass;
};

/* Move the directory name of dirfd up to topfd, under a name not taken
 * there: the tree's owner may have planted one that the wipe would pick,
 * and a rename over a directory that is not empty fails, every time. */
static int move_up(int dirfd, const char *name, int topfd, struct moves *moved)
{
	for (int tries = 0; tries < WIPE_MAX_NAME_TRIES; tries++) {
		char top_name[64];

		snprintf(top_name, sizeof(top_name), ".boxed-wipe-%lu", ++moved->total);
		if (renameat2(dirfd, name, topfd, top_name, RENAME_NOREPLACE) == 0) {
			moved->this_pass++;
			return 0;
		}
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

/* Remove one entry of dirfd: unlink it, or wipe and remove it as a
 * directory, or move it up to topfd when it sits too deep. */
static int wipe(int dirfd, int topfd, int depth, struct moves *moved);

static int remove_entry(int dirfd, const char *name, int topfd, int depth, struct moves *moved)
{
	int sub, rc;

	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	if (depth >= WIPE_MAX_DEPTH)
		return move_up(dirfd, name, topfd, moved);
	sub = open_subdir(dirfd, name, errno);
	if (sub < 0)
		return -1;
	rc = wipe(sub, topfd, depth + 1, moved);
	close(sub);
	if (rc == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
		rc = -1;
	return rc;
}

/* Remove the entries of dirfd; moved counts directories moved to topfd
 * because they sat too deep. */
static int wipe(int dirfd, int topfd, int depth, struct moves *moved)
{
	struct dirent *e;
	int dup_fd, rc = 0;
	DIR *d;

	if (fchmod(dirfd, 0700) != 0)
		return -1;
	dup_fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return -1;
	d = fdopendir(dup_fd);
	if (!d) {
		close(dup_fd);
		return -1;
	}
	rewinddir(d);
	while (rc == 0 && (errno = 0, e = readdir(d))) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			rc = remove_entry(dirfd, e->d_name, topfd, depth, moved);
	}
	if (rc == 0 && errno != 0)
		rc = -1;
	closedir(d);
	return rc;
}

/* Is the directory open on fd empty? One getdents64() into a small
 * buffer, much cheaper than a directory stream: the usual case (the
 * previous user of the directory wiped it behind it). */
static int dir_is_empty(int fd)
{
	char buf[512];
	ssize_t n = getdents64(fd, buf, sizeof(buf));

	if (lseek(fd, 0, SEEK_SET) != 0)
		return 0;
	for (ssize_t off = 0; n > 0 && off < n;) {
		const struct dirent64 *d = (const void *)(buf + off);

		off += d->d_reclen;
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			return 0;
	}
	return n >= 0;
}

int boxed_wipe_contents(int dirfd)
{
	if (dir_is_empty(dirfd))
		return 0;
	struct moves moved = {0};

	for (int pass = 0; pass < WIPE_MAX_PASSES; pass++) {
		moved.this_pass = 0;
		if (wipe(dirfd, dirfd, 0, &moved) != 0)
			return -1;
		if (moved.this_pass == 0)
			return 0;
	}
	errno = ELOOP;
	return -1;
}

int boxed_wipe_at(int dirfd, const char *name)
{
	int sub, rc;

	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	sub = open_subdir(dirfd, name, errno);
	if (sub < 0)
		return -1;
	rc = boxed_wipe_contents(sub);
	close(sub);
	if (rc == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
		rc = -1;
	return rc;
}
