/* File helpers for code that runs as root or with capabilities.
 *
 * Root acting on a path that a user can reach is a race; these helpers work
 * on fds where they can and check ownership on every ancestor where they
 * cannot (the rule sshd's secure_filename and sudo apply to config files).
 */
#ifndef BOXED_FSUTIL_H
#define BOXED_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Check that every directory from / down to path, on both the path as
 * written and the path with its symlinks resolved, is owned by root and not
 * writable by group or other, and that path itself is owned by root and not
 * writable by group or other. Returns 0, or -1 with the offending path and
 * the fix in err. */
__attribute__((warn_unused_result)) int boxed_check_trusted_path(const char *path, char *err,
								 size_t errlen);

/* Read the whole of fd into a NUL-terminated malloc'd buffer of at most max
 * bytes. Returns the length, or -1 with errno set (EFBIG when fd holds more
 * than max bytes). */
__attribute__((warn_unused_result)) ssize_t boxed_read_all(int fd, size_t max, char **out);

/* Read the file at path (not following a final symlink) into a
 * NUL-terminated malloc'd buffer of at most max bytes. Returns the length,
 * or -1 with errno kept and "PATH: reason" in err. */
__attribute__((warn_unused_result)) ssize_t boxed_read_file(const char *path, size_t max,
							    char **out, char *err, size_t errlen);

/* Read the small text file at dirfd/path (a /proc file) into buf with one
 * read(2), NUL-terminated; no allocation, for a watchdog or a child.
 * Returns its length, or -1 with errno set. */
ssize_t boxed_read_text(int dirfd, const char *path, char *buf, size_t size);

/* Write all of buf to fd, retrying short writes and EINTR. Returns 0 or -1
 * with errno set. */
__attribute__((warn_unused_result)) int boxed_write_all(int fd, const void *buf, size_t len);

/* Close *fd if it is open; for __attribute__((cleanup)). */
void boxed_closep(int *fd);
/* free(*p); for __attribute__((cleanup)). */
void boxed_freep(void *p);

#define boxed_autoclose __attribute__((cleanup(boxed_closep)))
#define boxed_autofree __attribute__((cleanup(boxed_freep)))

#endif
