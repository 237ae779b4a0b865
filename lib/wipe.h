/* Removing a directory tree that someone else may have shaped: the run
 * directory of an unsealed run (shaped by the run), the slots and locks of
 * an installation (shaped by earlier runs). Every call is relative to a
 * directory fd and follows no symlink, so a link planted in the tree never
 * leads the removal outside it; a directory made unreadable by its owner
 * is opened up again first (the caller owns it, or is root); a tree of any
 * depth is removed with a bounded number of open fds.
 */
#ifndef BOXED_WIPE_H
#define BOXED_WIPE_H

/* Remove everything beneath the directory open on dirfd (read access),
 * keeping the directory itself. Returns 0, or -1 with errno set. */
__attribute__((warn_unused_result)) int boxed_wipe_contents(int dirfd);

/* Remove name beneath dirfd, whatever it is: a file, or a directory and
 * everything in it. A missing name is not an error. Returns 0, or -1 with
 * errno set. */
__attribute__((warn_unused_result)) int boxed_wipe_at(int dirfd, const char *name);

#endif
