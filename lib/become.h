/* Becoming another user for good: the one privilege drop of boxed.
 *
 * The runner's child drops to the slot uid with it, the installer's probe
 * of the interpreter to an unused uid, the selftest to its throwaway
 * caller. Each step is checked, and the kernel's answer is read back, not
 * assumed: a kernel that keeps a capability across setresuid()
 * (SECBIT_NO_SETUID_FIXUP, or a start from a non-zero uid) must not leave
 * one behind. Then the drop is proven by trying to undo it (OpenSSH's
 * permanently_set_uid()).
 */
#ifndef BOXED_BECOME_H
#define BOXED_BECOME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Who to become: a uid, a gid, and the supplementary groups to keep
 * (none when ngroups is 0). */
struct boxed_identity {
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t ngroups;
};

/* Become who for good: supplementary groups, then the real, effective and
 * saved gid, then the uid (in that order: the first two need the privilege
 * the third gives up), then clear every capability set, the ambient one
 * included. Read all of it back (the ids, the filesystem ids, the groups,
 * the capability sets, and CapAmb as /proc/self/status gives it), and try
 * to regain uid 0, gid 0, the ids held before and a group list: each must
 * fail. Returns 0, or -1 with the failed step in err (and nothing after it
 * done). It allocates (libcap): in a child, call it only after a fork of a
 * single-threaded process. */
__attribute__((warn_unused_result)) int boxed_become(const struct boxed_identity *who, char *err,
						     size_t errlen);

/* As the uid just become: kill(-1, SIGKILL), which reaches exactly the
 * processes of that uid (in a PID namespace, those of the namespace). One
 * round is enough: the kernel signals every process under the tasklist
 * lock, and a fork racing with it has either linked its child before (and
 * the child is signalled) or sees SIGKILL pending when it links, and fails.
 * Returns 0 (also when there was nothing to kill), or -1 with errno set.
 * Whether something survived, only reaping tells. */
int boxed_kill_own_processes(void);

/* The hexadecimal mask "name" (SigIgn, CapAmb, ...) of a /proc/PID/status
 * text into *out. Returns 0, or -1 when it is absent or not a number. */
int boxed_status_hex(const char *text, const char *name, uint64_t *out);

/* The same, read from this process's own /proc/self/status. Returns 0, or
 * -1 with errno set (EINVAL when the field is missing). */
int boxed_self_status_mask(const char *name, uint64_t *out);

#endif
