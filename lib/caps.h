/* File capabilities, on libcap (cap_set_fd / cap_get_fd / cap_get_file).
 *
 * The runner is the only file that may carry capabilities, and then exactly
 * cap_setuid,cap_setgid=ep: cap_setuid and cap_setgid are what it needs to
 * move into a slot's uid and gid, and nothing else. Every other file, above
 * all an interpreter, must carry none.
 */
#ifndef BOXED_CAPS_H
#define BOXED_CAPS_H

#include <stddef.h>

/* The runner's file capabilities, in cap_to_text() form. */
#define BOXED_RUNNER_CAPS_TEXT "cap_setuid,cap_setgid=ep"

/* What a file carries, as read back from the kernel. */
enum boxed_fcaps_state {
	BOXED_FCAPS_NONE,    /* no security.capability xattr */
	BOXED_FCAPS_RUNNER,  /* exactly BOXED_RUNNER_CAPS_TEXT */
	BOXED_FCAPS_OTHER,   /* any other set */
	BOXED_FCAPS_UNKNOWN, /* the xattr could not be read (errno kept) */
};

/* Apply exactly cap_setuid,cap_setgid=ep to the file open on fd, then read
 * the set back and compare. Returns 0, or -1 with errno set (EOPNOTSUPP,
 * ENOTSUP or EINVAL when the filesystem cannot store the xattr; EIO when the
 * read-back differs). */
__attribute__((warn_unused_result)) int boxed_fcaps_apply_runner_fd(int fd);

/* Remove every file capability from fd; a file without any is success.
 * Returns 0, or -1 with errno set. */
__attribute__((warn_unused_result)) int boxed_fcaps_clear_fd(int fd);

/* Read the capabilities of fd (or of path, not following a final symlink
 * when path is one: cap_get_file follows, so callers pass regular files).
 * With text non-NULL and a set present, *text is a malloc'd cap_to_text()
 * string. A filesystem without xattr support reads as BOXED_FCAPS_NONE. */
enum boxed_fcaps_state boxed_fcaps_get_fd(int fd, char **text);
enum boxed_fcaps_state boxed_fcaps_get_path(const char *path, char **text);

/* Does errno, after a failed xattr write, mean "this filesystem cannot
 * store file capabilities"? 1 yes, 0 no. */
int boxed_fcaps_unsupported_errno(int err);

#endif
