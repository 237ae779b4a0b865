/* Replace a file atomically: write a temp file in the target's directory,
 * then rename it over the target. Readers, and a crash, see the old file or
 * the new one, never half of one.
 *
 * The temp file is anonymous (O_TMPFILE) where the filesystem supports it,
 * so a process killed while writing leaves nothing behind; it only gets a
 * name, ".NAME.boxed-tmp.PID", for the instant between linkat() and
 * renameat(). Where O_TMPFILE is not supported it is named from the start.
 */
#ifndef BOXED_TMPFILE_H
#define BOXED_TMPFILE_H

#include <stddef.h>
#include <sys/types.h>

struct boxed_tmpfile {
	int fd;		/* open O_RDWR, mode 0600 until the caller fchmods */
	int anonymous;	/* O_TMPFILE: nothing to clean up but the fd */
	char name[256]; /* the temp name in dirfd once it has one */
};

/* Open a temp file in dirfd for the final name `name`. Returns 0, or -1
 * with errno set. */
__attribute__((warn_unused_result)) int boxed_tmpfile_open(int dirfd, const char *name,
							   struct boxed_tmpfile *t);

/* Give the temp file the final name (rename over any old file), then fsync
 * the directory so the rename survives a crash. The fd stays open. Returns
 * 0, or -1 with errno set and no temp name left behind. */
__attribute__((warn_unused_result)) int boxed_tmpfile_publish(int dirfd, struct boxed_tmpfile *t,
							      const char *name);

/* Give the temp file the final name only if nothing has that name yet
 * (linkat never replaces), then fsync the directory. Returns 0, or -1 with
 * errno set (EEXIST when the name is taken) and no temp name left. */
__attribute__((warn_unused_result)) int
boxed_tmpfile_publish_new(int dirfd, struct boxed_tmpfile *t, const char *name);

/* Close the fd and remove the temp name if any; for error paths. */
void boxed_tmpfile_discard(int dirfd, struct boxed_tmpfile *t);

/* Remove temp files of `name` that a killed run left in dirfd. Returns the
 * number removed, or -1 with errno set. */
__attribute__((warn_unused_result)) int boxed_tmpfile_sweep(int dirfd, const char *name);

/* Write buf to dirfd/name through a temp file: mode, owner (uid, gid; -1
 * keeps the caller's), fsync, rename, fsync of the directory. With
 * replace == 0 an existing name is never overwritten (EEXIST). Returns 0,
 * or -1 with errno set and the old file untouched. */
__attribute__((warn_unused_result)) int boxed_tmpfile_write(int dirfd, const char *name,
							    const void *buf, size_t len,
							    mode_t mode, uid_t uid, gid_t gid,
							    int replace);

#endif
