/* Is the slot uid range free? Slot i runs as uid and gid first + i, so the
 * range must hold no account, no group and no subordinate id range of
 * /etc/subuid or /etc/subgid: a slot sharing an id with anything else could
 * signal, ptrace or read the files of that other thing.
 *
 * Accounts come from two places. The files (passwd, group, subuid, subgid)
 * are read under the installation's root, so a staged --root is judged by
 * its own. The name service (nsswitch.conf: LDAP, sssd, systemd's userdb)
 * knows accounts no file lists; it is asked id by id over the range, but
 * only for the host's root, since it describes the host. Asking by id is
 * what works everywhere (LDAP and sssd often refuse to enumerate); its
 * limit is an account whose primary gid alone is in the range, without a
 * group of that gid, which only the files show.
 *
 * The parsers work on text, so they are tested on fixtures; the file
 * wrapper only reads the four files; the name service is reached through
 * lookup functions a test can replace.
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

/* One lookup of the name service: whether an account (user) or a group
 * has id. Returns 1 with its name in name, 0 when none has, -1 with errno
 * set when the service could not answer. Called from several threads at
 * once. */
typedef int (*boxed_idrange_lookup_fn)(unsigned long id, char *name, size_t namelen);

struct boxed_idrange_nss {
	boxed_idrange_lookup_fn user, group;
};

/* Ask the name service (nss NULL: the host's, through getpwuid_r and
 * getgrgid_r) about every id of [first, first + count), several ids at a
 * time. Returns 0 when it knows none; 1 when it does, with err naming the
 * lowest such id and its user or group; -1 when a lookup failed, with err
 * naming it (an account there could hide in the range). */
__attribute__((warn_unused_result)) int boxed_idrange_check_nss(const struct boxed_idrange_nss *nss,
								unsigned long first,
								unsigned long count, char *err,
								size_t errlen);

/* The whole check: the files under root, then, when root is the host's
 * ("" or "/"), the name service. Returns as the two above. */
__attribute__((warn_unused_result)) int boxed_idrange_check(const char *root, unsigned long first,
							    unsigned long count, char *err,
							    size_t errlen);

#endif
