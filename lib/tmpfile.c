/* Atomic replacement of a file (tmpfile.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "tmpfile.h"

#define TMP_INFIX ".boxed-tmp."

static int temp_name(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, ".%s" TMP_INFIX "%ld", name, (long)getpid());

	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int boxed_tmpfile_open(int dirfd, const char *name, struct boxed_tmpfile *t)
{
	memset(t, 0, sizeof(*t));
	t->fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (t->fd >= 0) {
		t->anonymous = 1;
		return 0;
	}
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return -1;
	if (temp_name(t->name, sizeof(t->name), name) != 0)
		return -1;
	/* A stale name of ours from a killed run with the same pid. */
	(void)unlinkat(dirfd, t->name, 0);
	t->fd = openat(dirfd, t->name, O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (t->fd < 0) {
		t->name[0] = '\0';
		return -1;
	}
	return 0;
}

int boxed_tmpfile_publish(int dirfd, struct boxed_tmpfile *t, const char *name)
{
	int saved;

	if (t->anonymous) {
		char proc[64];

		if (temp_name(t->name, sizeof(t->name), name) != 0)
			return -1;
		(void)unlinkat(dirfd, t->name, 0);
		/* linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; the /proc
		 * path does not, so a staging run as a user works too. */
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", t->fd);
		if (linkat(AT_FDCWD, proc, dirfd, t->name, AT_SYMLINK_FOLLOW) != 0) {
			t->name[0] = '\0';
			return -1;
		}
	}
	if (renameat(dirfd, t->name, dirfd, name) != 0) {
		saved = errno;
		(void)unlinkat(dirfd, t->name, 0);
		t->name[0] = '\0';
		errno = saved;
		return -1;
	}
	t->name[0] = '\0';
	return fsync(dirfd);
}

int boxed_tmpfile_publish_new(int dirfd, struct boxed_tmpfile *t, const char *name)
{
	int rc, saved;

	if (t->anonymous) {
		char proc[64];

		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", t->fd);
		rc = linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW);
	} else {
		rc = linkat(dirfd, t->name, dirfd, name, 0);
		saved = errno;
		(void)unlinkat(dirfd, t->name, 0);
		t->name[0] = '\0';
		errno = saved;
	}
	if (rc != 0)
		return -1;
	return fsync(dirfd);
}

void boxed_tmpfile_discard(int dirfd, struct boxed_tmpfile *t)
{
	int saved = errno;

	if (t->name[0])
		(void)unlinkat(dirfd, t->name, 0);
	t->name[0] = '\0';
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	errno = saved;
}

int boxed_tmpfile_sweep(int dirfd, const char *name)
{
	char prefix[256];
	struct dirent *de;
	DIR *dir;
	int dup_fd, removed = 0, n;

	n = snprintf(prefix, sizeof(prefix), ".%s" TMP_INFIX, name);
	if (n < 0 || (size_t)n >= sizeof(prefix)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	dup_fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dup_fd < 0)
		return -1;
	dir = fdopendir(dup_fd);
	if (!dir) {
		close(dup_fd);
		return -1;
	}
	while ((de = readdir(dir))) {
		struct stat st;

		if (strncmp(de->d_name, prefix, (size_t)n) != 0)
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dirfd, de->d_name, 0) == 0)
			removed++;
	}
	closedir(dir);
	return removed;
}

int boxed_tmpfile_write(int dirfd, const char *name, const void *buf, size_t len, mode_t mode,
			uid_t uid, gid_t gid, int replace)
{
	struct boxed_tmpfile t;

	if (boxed_tmpfile_open(dirfd, name, &t) != 0)
		return -1;
	if (boxed_write_all(t.fd, buf, len) != 0 || fchmod(t.fd, mode) != 0 ||
	    ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(t.fd, uid, gid) != 0) ||
	    fsync(t.fd) != 0 ||
	    (replace ? boxed_tmpfile_publish(dirfd, &t, name)
		     : boxed_tmpfile_publish_new(dirfd, &t, name)) != 0) {
		boxed_tmpfile_discard(dirfd, &t);
		return -1;
	}
	close(t.fd);
	return 0;
}
