/* Is the slot uid range free? Slot i runs as uid and gid first + i, so the
 * range must hold no account, no group and no subordinate id range of
 * /etc/subuid or /etc/subgid: a slot sharing an id with anything else could
 * signal, ptrace or read the files of that other thing.
 *
 * The parsers work on text, so they are tested on fixtures; the file
 * wrapper only reads the four files.
 */
#ifndef BOXED_IDRANGE_H
#define BOXED_IDRANGE_H

#include <stddef.h>

enum boxed_idfile {
	BOXED_IDFILE_PASSWD, /* name:pw:uid:gid:gecos:home:shell */
	BOXED_IDFILE_GROUP,  /* name:pw:gid:members */
	BOXED_IDFILE_SUBUID, /* owner:start:count */
	BOXED_IDFILE_SUBGID, /* owner:start:count */
};

/* Check the text of one file, named filename in messages, against
 * [first, first + count). Returns 0 when no entry overlaps; 1 when one does,
 * with err naming the file, line and entry; -1 when a line cannot be parsed,
 * with err naming it (a line we cannot read could hide an overlap). */
__attribute__((warn_unused_result)) int
boxed_idrange_check_text(enum boxed_idfile kind, const char *text, const char *filename,
			 unsigned long first, unsigned long count, char *err, size_t errlen);

/* Check ROOT/etc/passwd, group, subuid and subgid (root "" for the host).
 * A file that does not exist holds no entry. Returns as above, or -1 when
 * a file cannot be read. */
__attribute__((warn_unused_result)) int boxed_idrange_check_files(const char *root,
								  unsigned long first,
								  unsigned long count, char *err,
								  size_t errlen);

#endif
