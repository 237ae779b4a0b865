#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "fsutil.h"
#include "setup.h"
#include "wipe.h"
#include "slot.h"

/* Give the entry open on fd the owner and mode the runner relies on; fixes
 * an existing entry as well as a new one. Returns 1 when it changed. */
static int fix_entry(struct boxed_setup_ctx *ctx, int fd, const char *what, mode_t mode, uid_t uid,
		     gid_t gid)
{
	struct stat st;
	int changed = 0;

	if (fstat(fd, &st) != 0)
		boxed_die_errno("%s: fstat", what);
	if (ctx->privileged && (st.st_uid != uid || st.st_gid != gid)) {
		if (fchown(fd, uid, gid) != 0)
			boxed_die_errno("%s: fchown %u:%u", what, (unsigned)uid, (unsigned)gid);
		changed = 1;
	}
	/* fchmod after fchown: chown clears set-id bits, and the mode we want
	 * is then exact. */
	if ((st.st_mode & 07777) != mode || changed) {
		if (fchmod(fd, mode) != 0)
			boxed_die_errno("%s: fchmod %04o", what, (unsigned)mode);
		changed |= (st.st_mode & 07777) != mode;
	}
	return changed;
}

/* mkdirat + open without following a symlink: a planted link in the state
 * directory cannot redirect root's chown. Returns the directory fd. */
static int ensure_dir(struct boxed_setup_ctx *ctx, int parent, const char *name, const char *what,
		      mode_t mode, uid_t uid, gid_t gid, int *changed)
{
	int created = 0, fd;

	if (mkdirat(parent, name, 0700) == 0)
		created = 1;
	else if (errno != EEXIST)
		boxed_die_errno("%s: mkdir", what);
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		boxed_die_errno("%s: open as a directory (a symlink or a file is in the way?)",
				what);
	if (fix_entry(ctx, fd, what, mode, uid, gid) || created)
		*changed += 1;
	return fd;
}

static void ensure_file(struct boxed_setup_ctx *ctx, int parent, const char *name, const char *what,
			mode_t mode, uid_t uid, gid_t gid, int *changed)
{
	boxed_autoclose int fd = -1;
	struct stat st;
	int created = 0;

	fd = openat(parent, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		fd = openat(parent, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		created = 1;
	}
	if (fd < 0)
		boxed_die_errno("%s: open", what);
	if (fstat(fd, &st) != 0)
		boxed_die_errno("%s: fstat", what);
	if (!S_ISREG(st.st_mode))
		boxed_die("%s: not a regular file; remove it and rerun", what);
	if (fix_entry(ctx, fd, what, mode, uid, gid) || created)
		*changed += 1;
}

void boxed_setup_mkdirs(struct boxed_setup_ctx *ctx, const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		boxed_die("%s: path too long", path);
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) == 0) {
			if (ctx->privileged && chown(buf, 0, 0) != 0)
				boxed_die_errno("%s: chown root:root", buf);
			/* The umask may have narrowed it. */
			if (chmod(buf, 0755) != 0)
				boxed_die_errno("%s: chmod 0755", buf);
			boxed_setup_changed(ctx, "created %s", buf);
		} else if (errno != EEXIST) {
			boxed_die_errno("%s: mkdir", buf);
		}
		if (i < len)
			buf[i] = '/';
	}
}

/* Empty dir (open on dirfd) but for the entry keep; returns how many
 * entries went. Dies when one cannot be removed. */
static int wipe_all_but(int dirfd, const char *keep, const char *what)
{
	int dup_fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0), removed = 0;
	struct dirent *e;
	DIR *d;

	if (dup_fd < 0)
		boxed_die_errno("%s: fcntl", what);
	d = fdopendir(dup_fd);
	if (!d)
		boxed_die_errno("%s: fdopendir", what);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    (keep && !strcmp(e->d_name, keep)))
			continue;
		if (boxed_wipe_at(dirfd, e->d_name) != 0)
			boxed_die_errno("%s/%s: removing it", what, e->d_name);
		removed++;
	}
	closedir(d);
	return removed;
}

/* One slot, repaired as the runner needs it: STATEDIR/slots/N root:U 0710
 * (only the slot's uid, by its gid, may pass through it, so nobody can
 * reach the run directory even when a run opens it up) and inside it
 * home/, U:U 0700, the run directory of an unsealed run (a sealed run
 * mounts its tmpfs over slots/N and never writes to disk). A slot in use
 * (its lock taken) is left as it is; an idle one is emptied of what an
 * earlier layout or a killed run left. */
static void ensure_slot(struct boxed_setup_ctx *ctx, int slots, int locks, unsigned i,
			int *changed)
{
	char name[32], what[PATH_MAX + 64];
	uid_t u = boxed_slot_uid(&ctx->cfg, i);
	boxed_autoclose int lock = -1;
	boxed_autoclose int dir = -1;
	boxed_autoclose int home = -1;

	snprintf(name, sizeof(name), "%u.lock", i);
	lock = openat(locks, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (lock < 0)
		boxed_die_errno("%s/locks/%s: open", ctx->paths.statedir, name);
	if (flock(lock, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK)
			boxed_die_errno("%s/locks/%s: flock", ctx->paths.statedir, name);
		return;
	}
	snprintf(name, sizeof(name), "%u", i);
	snprintf(what, sizeof(what), "%s/slots/%s", ctx->paths.statedir, name);
	dir = ensure_dir(ctx, slots, name, what, 0710, 0, u, changed);
	*changed += wipe_all_but(dir, "home", what);
	snprintf(what, sizeof(what), "%s/slots/%s/home", ctx->paths.statedir, name);
	home = ensure_dir(ctx, dir, "home", what, 0700, u, u, changed);
	*changed += wipe_all_but(home, NULL, what);
}

void boxed_setup_statedir(struct boxed_setup_ctx *ctx)
{
	const struct boxed_setup_paths *p = &ctx->paths;
	boxed_autoclose int state = -1;
	boxed_autoclose int locks = -1;
	boxed_autoclose int slots = -1;
	gid_t gid = ctx->gid;
	char what[PATH_MAX + 64], name[32];
	int changed = 0;

	boxed_setup_mkdirs(ctx, p->statedir);
	state = open(p->statedir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (state < 0)
		boxed_die_errno("%s: open", p->statedir);
	if (fix_entry(ctx, state, p->statedir, 0755, 0, 0))
		boxed_setup_changed(ctx, "repaired %s (0755 0:0)", p->statedir);
	snprintf(what, sizeof(what), "%s/locks", p->statedir);
	locks = ensure_dir(ctx, state, "locks", what, 0750, 0, gid, &changed);
	snprintf(what, sizeof(what), "%s/slots", p->statedir);
	slots = ensure_dir(ctx, state, "slots", what, 0711, 0, 0, &changed);
	for (unsigned i = 0; i < ctx->cfg.slot_count; i++) {
		snprintf(name, sizeof(name), "%u.lock", i);
		snprintf(what, sizeof(what), "%s/locks/%s", p->statedir, name);
		ensure_file(ctx, locks, name, what, 0640, 0, gid, &changed);
		ensure_slot(ctx, slots, locks, i, &changed);
	}
	if (changed)
		boxed_setup_changed(ctx,
				    "created or repaired %d entries of %s/locks and %s/slots "
				    "(%u slots, uids %u-%u)",
				    changed, p->statedir, p->statedir, ctx->cfg.slot_count,
				    (unsigned)ctx->cfg.first_uid,
				    (unsigned)(ctx->cfg.first_uid + ctx->cfg.slot_count - 1));
}

/* Is every entry beneath dirfd owned by uid, so that uid can remove it?
 * Returns 1, or 0 with the first other owner's entry named in msg. */
static int owned_throughout(int fd, uid_t uid, const char *what, int depth, char *msg,
			    size_t msglen)
{
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0), ok = 1;
	struct dirent *e;
	DIR *d;

	if (dup_fd < 0 || !(d = fdopendir(dup_fd))) {
		if (dup_fd >= 0)
			close(dup_fd);
		snprintf(msg, msglen, "%s: cannot be read: %s", what, strerror(errno));
		return 0;
	}
	while (ok && (e = readdir(d))) {
		struct stat st;
		int sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (st.st_uid != uid) {
			snprintf(msg, msglen,
				 "%s/%s belongs to uid %u, so the slot's uid cannot remove it",
				 what, e->d_name, (unsigned)st.st_uid);
			ok = 0;
		} else if (S_ISDIR(st.st_mode) && depth < 64 &&
			   (sub = openat(dirfd(d), e->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
			ok = owned_throughout(sub, uid, what, depth + 1, msg, msglen);
			close(sub);
		}
	}
	closedir(d);
	return ok;
}

static int entry_problem(int dirfd, const char *name, const char *what, mode_t mode, uid_t uid,
			 gid_t gid, char *msg, size_t msglen)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		snprintf(msg, msglen, "%s: %s", what, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode) || (st.st_mode & 07777) != mode || st.st_uid != uid ||
	    st.st_gid != gid) {
		snprintf(msg, msglen, "%s is %s %u:%u %04o, expected a directory %u:%u %04o", what,
			 S_ISDIR(st.st_mode) ? "a directory" : "not a directory",
			 (unsigned)st.st_uid, (unsigned)st.st_gid, (unsigned)(st.st_mode & 07777),
			 (unsigned)uid, (unsigned)gid, (unsigned)mode);
		return 1;
	}
	return 0;
}

int boxed_setup_slot_problem(int statedir_fd, const struct boxed_config *cfg, unsigned index,
			     char *msg, size_t msglen)
{
	uid_t u = boxed_slot_uid(cfg, index);
	char name[64];
	boxed_autoclose int dir = -1;
	boxed_autoclose int home = -1;
	struct dirent *e;
	int dup_fd, problem = 0;
	DIR *d;

	snprintf(name, sizeof(name), "slots/%u", index);
	if (entry_problem(statedir_fd, name, name, 0710, 0, u, msg, msglen))
		return 1;
	dir = openat(statedir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0 || entry_problem(dir, "home", "home of slots/N", 0700, u, u, msg, msglen)) {
		if (dir < 0)
			snprintf(msg, msglen, "%s: %s", name, strerror(errno));
		else
			snprintf(msg, msglen, "%s/home: not a directory %u:%u 0700", name,
				 (unsigned)u, (unsigned)u);
		return 1;
	}
	/* Anything beside home/ is the slot's uid's to neither use nor remove:
	 * no run writes there, so something else put it there. */
	dup_fd = fcntl(dir, F_DUPFD_CLOEXEC, 0);
	d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	while (d && !problem && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "home")) {
			snprintf(msg, msglen, "%s/%s: not the slot's; boxed-setup install removes it",
				 name, e->d_name);
			problem = 1;
		}
	if (d)
		closedir(d);
	if (problem)
		return 1;
	home = openat(dir, "home", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	snprintf(name, sizeof(name), "slots/%u/home", index);
	if (home < 0 || !owned_throughout(home, u, name, 0, msg, msglen)) {
		if (home < 0)
			snprintf(msg, msglen, "%s: %s", name, strerror(errno));
		return 1;
	}
	return 0;
}
