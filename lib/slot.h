/* The on-disk layout of sandbox slots, shared by boxed-setup (which creates
 * it), boxed-run (which locks and uses it) and boxed-selftest.
 *
 *   STATEDIR/locks/         root:GROUP 0750
 *   STATEDIR/locks/N.lock   root:GROUP 0640  flock()ed by the runner that
 *                                            owns slot N; the kernel drops
 *                                            the lock if that runner dies
 *   STATEDIR/slots/         root:root  0711  no listing for anyone
 *   STATEDIR/slots/N/       root:U     0710  only the slot's uid passes:
 *                                            nobody can reach home/ or
 *                                            plant anything beside it
 *   STATEDIR/slots/N/home/  U:U        0700  an unsealed run's private
 *                                            directory; a sealed run mounts
 *                                            its own tmpfs over slots/N
 *
 * where U = first_uid + N is both the uid and the gid of slot N.
 */
#ifndef BOXED_SLOT_H
#define BOXED_SLOT_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"

/* The uid (and gid) of slot index; index < cfg->slot_count. */
uid_t boxed_slot_uid(const struct boxed_config *cfg, unsigned index);

/* Format STATEDIR-relative paths into buf, under statedir. Return 0, or -1
 * (ENAMETOOLONG) if buf is too small. */
__attribute__((warn_unused_result)) int boxed_slot_lock_path(char *buf, size_t len,
							     const char *statedir, unsigned index);
__attribute__((warn_unused_result)) int boxed_slot_dir_path(char *buf, size_t len,
							    const char *statedir, unsigned index);

#endif
