/* Choosing and locking a free slot, STATEDIR/locks/N.lock, with a bounded
 * wait; and the one sentence for a caller outside the group. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "cli.h"
#include "die.h"
#include "fsutil.h"
#include "system.h"
#include "slot.h"

unsigned boxed_run_slot_start(pid_t pid, unsigned count)
{
	if (count == 0)
		return 0;
	/* Consecutive pids land on consecutive slots, so a burst of runners
	 * started together mostly finds a free slot on the first try. */
	return (unsigned)((unsigned long)pid % count);
}

int boxed_run_slot_pick(unsigned count, unsigned start, int (*try_one)(unsigned index, void *ctx),
			void *ctx)
{
	for (unsigned i = 0; i < count; i++) {
		unsigned index = (start + i) % count;
		int rc = try_one(index, ctx);

		if (rc == 1)
			return (int)index;
		if (rc < 0)
			return -2;
	}
	return -1;
}

struct try_ctx {
	int locks_fd;
	int fd; /* the locked fd on success */
};

static int try_lock(unsigned index, void *opaque)
{
	struct try_ctx *ctx = opaque;
	char name[32];
	int fd;

	snprintf(name, sizeof(name), "%u.lock", index);
	fd = openat(ctx->locks_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return errno == EWOULDBLOCK ? 0 : -1;
	}
	ctx->fd = fd;
	return 1;
}

/* Is the caller a member of group (by its effective or a supplementary
 * gid)? Asked only once the lock directory has refused us, since the name
 * lookup goes through NSS. */
static int caller_in_group(const char *group)
{
	struct group *g = getgrnam(group);
	gid_t groups[NGROUPS_MAX];
	int n;

	if (!g)
		return 0;
	if (getegid() == g->gr_gid)
		return 1;
	n = getgroups(NGROUPS_MAX, groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == g->gr_gid)
			return 1;
	return 0;
}

/* The lock directory decides who owns a slot: a directory anyone but root
 * could write would let them plant or swap lock files. Returns the fd, or
 * -1 with the code in *why and the message in err. */
static int open_locks_dir(const struct boxed_config *cfg, const char *statedir,
			  enum boxed_run_reason *why, char *err, size_t errlen)
{
	char path[4096];
	struct stat st;
	int fd;

	*why = BOXED_RUN_REASON_STATE_BROKEN;
	if (snprintf(path, sizeof(path), "%s/locks", statedir) >= (int)sizeof(path))
		return boxed_errf(err, errlen, "%s/locks: path too long", statedir);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == EACCES && !caller_in_group(cfg->group)) {
		char user[64];

		*why = BOXED_RUN_REASON_NOT_IN_GROUP;
		boxed_cli_user_name(getuid(), user, sizeof(user));
		return boxed_cli_not_member(err, errlen, user, cfg->group);
	}
	if (fd < 0)
		return boxed_errf(err, errlen, "%s: %s (is boxed set up? run boxed-setup install)",
				  path, strerror(errno));
	if (fstat(fd, &st) != 0 || st.st_uid != 0 || (st.st_mode & S_IWOTH) ||
	    (st.st_mode & S_IWGRP)) {
		close(fd);
		return boxed_errf(
		    err, errlen,
		    "%s: not a root-owned directory closed to writers; run boxed-setup "
		    "install",
		    path);
	}
	return fd;
}

enum boxed_run_reason boxed_run_slot_acquire(const struct boxed_config *cfg, const char *statedir,
					     double wait_secs, struct boxed_run_slot *slot,
					     char *err, size_t errlen)
{
	struct try_ctx ctx = {.fd = -1};
	double deadline = boxed_now() + wait_secs, pause = 0.005;
	enum boxed_run_reason why;
	int index;

	ctx.locks_fd = open_locks_dir(cfg, statedir, &why, err, errlen);
	if (ctx.locks_fd < 0)
		return why;
	for (;;) {
		index = boxed_run_slot_pick(cfg->slot_count,
					    boxed_run_slot_start(getpid(), cfg->slot_count),
					    try_lock, &ctx);
		if (index != -1 || boxed_now() >= deadline)
			break;
		/* A bounded back-off: flock has no timeout, and blocking on
		 * one slot would miss the others coming free. */
		boxed_sleep(pause);
		if (pause < 0.1)
			pause *= 2;
	}
	close(ctx.locks_fd);
	if (index == -2) {
		boxed_errf(err, errlen, "%s/locks: cannot lock a slot: %s", statedir,
			   strerror(errno));
		return BOXED_RUN_REASON_STATE_BROKEN;
	}
	if (index == -1) {
		boxed_errf(err, errlen,
			   wait_secs > 0 ? "all %u slots stayed busy for %g s"
					 : "all %u slots are busy (use --wait to wait for one)",
			   cfg->slot_count, wait_secs);
		return BOXED_RUN_REASON_SLOTS_BUSY;
	}
	slot->index = (unsigned)index;
	slot->uid = boxed_slot_uid(cfg, slot->index);
	slot->lock_fd = ctx.fd;
	if (boxed_slot_dir_path(slot->dir, sizeof(slot->dir), statedir, slot->index) != 0 ||
	    snprintf(slot->home, sizeof(slot->home), "%s/home", slot->dir) >=
		(int)sizeof(slot->home)) {
		boxed_errf(err, errlen, "%s/slots/%u: path too long", statedir, slot->index);
		return BOXED_RUN_REASON_STATE_BROKEN;
	}
	return BOXED_RUN_REASON_NONE;
}
