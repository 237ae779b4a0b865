/* Pinning the interpreter: the verified source copied to
 * PKGLIBDIR/python_boxed through a temp file, read back and compared with
 * the source, given root:root 0755 and no capability, then renamed into
 * place. A failure leaves the old copy (or none), and no temp file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "die.h"
#include "fsutil.h"
#include "layout.h"
#include "setup.h"
#include "sha256.h"
#include "tmpfile.h"

#define COPY_CHUNK (1024 * 1024)
#define INTERPRETER_NAME "python_boxed"

/* Is the installed copy already what install would write? */
static int copy_is_current(int dirfd, const struct boxed_source *src, int privileged)
{
	boxed_autoclose int fd =
	    openat(dirfd, INTERPRETER_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	char hex[BOXED_SHA256_HEX_LEN];
	struct stat st;

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != src->size)
		return 0;
	if ((st.st_mode & 07777) != 0755 || (privileged && (st.st_uid != 0 || st.st_gid != 0)))
		return 0;
	if (boxed_fcaps_get_fd(fd, NULL) != BOXED_FCAPS_NONE)
		return 0;
	return boxed_sha256_fd(fd, hex) == 0 && strcmp(hex, src->sha256) == 0;
}

__attribute__((noreturn)) static void copy_failed(int dirfd, struct boxed_tmpfile *t,
						  const char *path, const char *what)
{
	int saved = errno;

	boxed_tmpfile_discard(dirfd, t);
	errno = saved;
	if (saved == ENOSPC || saved == EDQUOT)
		boxed_die("%s: %s: %s; the filesystem is full, nothing was replaced and no "
			  "temp file is left; free space and rerun",
			  path, what, strerror(saved));
	boxed_die_errno("%s: %s; nothing was replaced", path, what);
}

static void copy_data(int dirfd, struct boxed_tmpfile *t, const struct boxed_source *src,
		      const char *dest, char *buf)
{
	off_t off = 0;

	for (;;) {
		ssize_t n = pread(src->fd, buf, COPY_CHUNK, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			copy_failed(dirfd, t, src->path, "reading the source");
		if (n == 0)
			break;
		if (boxed_write_all(t->fd, buf, (size_t)n) != 0)
			copy_failed(dirfd, t, dest, "writing the copy");
		off += n;
	}
	if (off != src->size) {
		errno = EIO;
		copy_failed(dirfd, t, src->path, "the source changed size while being copied");
	}
}

/* Byte for byte, then by digest: the copy is the file that was verified. */
static void verify_copy(int dirfd, struct boxed_tmpfile *t, const struct boxed_source *src,
			const char *dest, char *a, char *b)
{
	char hex[BOXED_SHA256_HEX_LEN];
	struct stat st;
	off_t off = 0;

	if (fstat(t->fd, &st) != 0)
		copy_failed(dirfd, t, dest, "fstat of the copy");
	if (st.st_size != src->size) {
		errno = EIO;
		copy_failed(dirfd, t, dest, "the copy has the wrong size");
	}
	while (off < src->size) {
		ssize_t n = pread(src->fd, a, COPY_CHUNK, off);
		ssize_t m = n > 0 ? pread(t->fd, b, (size_t)n, off) : -1;

		if (n <= 0 || m != n) {
			if (n == 0 || m >= 0)
				errno = EIO;
			copy_failed(dirfd, t, dest, "reading back the copy");
		}
		if (memcmp(a, b, (size_t)n) != 0) {
			errno = EIO;
			copy_failed(dirfd, t, dest, "the copy differs from the source");
		}
		off += n;
	}
	if (boxed_sha256_fd(t->fd, hex) != 0)
		copy_failed(dirfd, t, dest, "hashing the copy");
	if (strcmp(hex, src->sha256) != 0) {
		errno = EIO;
		copy_failed(dirfd, t, dest, "the copy's SHA-256 differs from the source's");
	}
}

static void finish_copy(struct boxed_setup_ctx *ctx, int dirfd, struct boxed_tmpfile *t,
			const char *dest)
{
	if (fsync(t->fd) != 0)
		copy_failed(dirfd, t, dest, "fsync");
	if (ctx->privileged && fchown(t->fd, 0, 0) != 0)
		copy_failed(dirfd, t, dest, "fchown root:root");
	if (fchmod(t->fd, 0755) != 0)
		copy_failed(dirfd, t, dest, "fchmod 0755");
	/* A fresh file has no capability; clearing anyway makes "the copy
	 * carries none" a fact read back from the kernel, not an assumption. */
	if (boxed_fcaps_clear_fd(t->fd) != 0)
		copy_failed(dirfd, t, dest, "removing file capabilities");
	if (boxed_tmpfile_publish(dirfd, t, INTERPRETER_NAME) != 0)
		copy_failed(dirfd, t, dest, "renaming the copy into place");
}

void boxed_setup_copy_interpreter(struct boxed_setup_ctx *ctx, const struct boxed_source *src)
{
	const char *dest = ctx->paths.interpreter;
	boxed_autoclose int dirfd = -1;
	boxed_autofree char *a = NULL;
	boxed_autofree char *b = NULL;
	struct boxed_tmpfile t;

	boxed_setup_mkdirs(ctx, ctx->paths.pkglibdir);
	dirfd = open(ctx->paths.pkglibdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		boxed_die_errno("%s: open", ctx->paths.pkglibdir);
	boxed_setup_sweep(ctx, dirfd, ctx->paths.pkglibdir, INTERPRETER_NAME);
	if (copy_is_current(dirfd, src, ctx->privileged))
		return;
	a = malloc(COPY_CHUNK);
	b = malloc(COPY_CHUNK);
	if (!a || !b)
		boxed_die("out of memory");
	if (boxed_tmpfile_open(dirfd, INTERPRETER_NAME, &t) != 0) {
		if (errno == ENOSPC || errno == EDQUOT)
			boxed_die_errno("%s: creating the temp file: the filesystem is full", dest);
		boxed_die_errno("%s: creating the temp file", ctx->paths.pkglibdir);
	}
	copy_data(dirfd, &t, src, dest, a);
	verify_copy(dirfd, &t, src, dest, a, b);
	finish_copy(ctx, dirfd, &t, dest);
	close(t.fd);
	boxed_setup_changed(ctx, "installed %s from %s (%lld bytes, sha256 %s)", dest, src->path,
			    (long long)src->size, src->sha256);
}
