/* The state directory of an installation: its lock files and slot
 * directories, created or repaired by install (boxed_setup_statedir), and
 * judged one slot at a time by audit and status (boxed_setup_slot_problem).
 * A slot that cannot be repaired does not stop the others. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "fsutil.h"
#include "setup.h"
#include "slot.h"
#include "wipe.h"

/* err gets the message and errno's text (errno saved first); returns -1,
 * as boxed_errf() does. */
__attribute__((format(printf, 3, 4))) static int fail_errno(char *err, size_t errlen,
							    const char *fmt, ...)
{
	int saved = errno;
	char msg[PATH_MAX + 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return boxed_errf(err, errlen, "%s: %s", msg, strerror(saved));
}

/* Give the entry open on fd the owner and mode the runner relies on; fixes
 * an existing entry as well as a new one. Returns 1 when it changed, 0
 * when it was right, -1 with the reason in err. */
static int fix_entry(struct boxed_setup_ctx *ctx, int fd, const char *what, mode_t mode, uid_t uid,
		     gid_t gid, char *err, size_t errlen)
{
	struct stat st;
	int changed = 0;

	if (fstat(fd, &st) != 0)
		return fail_errno(err, errlen, "%s: fstat", what);
	if (ctx->privileged && (st.st_uid != uid || st.st_gid != gid)) {
		if (fchown(fd, uid, gid) != 0)
			return fail_errno(err, errlen, "%s: fchown %u:%u", what, (unsigned)uid,
					  (unsigned)gid);
		changed = 1;
	}
	/* fchmod after fchown: chown clears set-id bits, and the mode we want
	 * is then exact. */
	if ((st.st_mode & 07777) != mode || changed) {
		if (fchmod(fd, mode) != 0)
			return fail_errno(err, errlen, "%s: fchmod %04o", what, (unsigned)mode);
		changed |= (st.st_mode & 07777) != mode;
	}
	return changed;
}

/* The owner and mode an entry must have, and its name in messages. */
struct want {
	const char *what;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

/* mkdirat + open without following a symlink: a planted link in the state
 * directory cannot redirect root's chown. Returns the directory fd, or -1
 * with the reason in err. */
static int ensure_dir(struct boxed_setup_ctx *ctx, int parent, const char *name,
		      const struct want *w, int *changed, char *err, size_t errlen)
{
	int created = 0, rc;
	boxed_autoclose int fd = -1;

	if (mkdirat(parent, name, 0700) == 0)
		created = 1;
	else if (errno != EEXIST)
		return fail_errno(err, errlen, "%s: mkdir", w->what);
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail_errno(err, errlen,
				  "%s: open as a directory (a symlink or a file is in the way?)",
				  w->what);
	rc = fix_entry(ctx, fd, w->what, w->mode, w->uid, w->gid, err, errlen);
	if (rc < 0)
		return -1;
	*changed += rc > 0 || created;
	rc = fd;
	fd = -1;
	return rc;
}

static int ensure_file(struct boxed_setup_ctx *ctx, int parent, const char *name,
		       const struct want *w, int *changed, char *err, size_t errlen)
{
	boxed_autoclose int fd = -1;
	struct stat st;
	int created = 0, rc;

	fd = openat(parent, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		fd = openat(parent, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		created = 1;
	}
	if (fd < 0)
		return fail_errno(err, errlen, "%s: open", w->what);
	if (fstat(fd, &st) != 0)
		return fail_errno(err, errlen, "%s: fstat", w->what);
	if (!S_ISREG(st.st_mode))
		return boxed_errf(err, errlen, "%s: not a regular file; remove it and rerun",
				  w->what);
	rc = fix_entry(ctx, fd, w->what, w->mode, w->uid, w->gid, err, errlen);
	if (rc < 0)
		return -1;
	*changed += rc > 0 || created;
	return 0;
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

/* A directory stream of its own over the directory open on fd, from its
 * start; fd stays open. Returns NULL with errno set. */
static DIR *open_stream(int fd)
{
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;

	if (!d && dup_fd >= 0) {
		int saved = errno;

		close(dup_fd);
		errno = saved;
	}
	if (d)
		rewinddir(d);
	return d;
}

/* Remove one entry. boxed_wipe_at() takes what it cannot unlink for a
 * directory, and then reports ENOTDIR rather than why the unlink failed
 * (EPERM for an immutable file): a file is unlinked here, so that its
 * error is the real one. */
static int remove_entry(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) == 0 || errno == ENOENT ? 0 : -1;
	return boxed_wipe_at(dirfd, name);
}

/* Empty dir (open on dirfd) but for the entry keep. Returns how many
 * entries went, or -1 with the first that could not be removed in err. */
static int wipe_all_but(int dirfd, const char *keep, const char *what, char *err, size_t errlen)
{
	DIR *d = open_stream(dirfd);
	struct dirent *e;
	int removed = 0;

	if (!d)
		return fail_errno(err, errlen, "%s: reading it", what);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    (keep && !strcmp(e->d_name, keep)))
			continue;
		if (remove_entry(dirfd, e->d_name) != 0) {
			removed = fail_errno(err, errlen, "%s/%s: removing it", what, e->d_name);
			break;
		}
		removed++;
	}
	closedir(d);
	return removed;
}

/* One slot, repaired as the runner needs it: its lock file
 * STATEDIR/locks/N.lock, root:G 0640, and STATEDIR/slots/N, root:U 0710
 * (only the slot's uid, by its gid, may pass through it, so nobody can
 * reach the run directory even when a run opens it up), and inside it
 * home/, U:U 0700, the run directory of an unsealed run (a sealed run
 * mounts its tmpfs over slots/N and never writes to disk). A slot in use
 * (its lock taken) is left as it is; an idle one is emptied of what an
 * earlier layout or a killed run left. Returns 0, or -1 with the first
 * thing that could not be repaired in err. */
static int repair_slot(struct boxed_setup_ctx *ctx, int slots, int locks, unsigned i, int *changed,
		       char *err, size_t errlen)
{
	const char *state = ctx->paths.statedir;
	char name[32], lock_what[PATH_MAX + 64], dir_what[PATH_MAX + 64], home_what[PATH_MAX + 64];
	uid_t u = boxed_slot_uid(&ctx->cfg, i);
	struct want lock_want = {lock_what, BOXED_SETUP_LOCK_MODE, 0, ctx->gid},
		    dir_want = {dir_what, BOXED_SETUP_SLOT_MODE, 0, u},
		    home_want = {home_what, BOXED_SETUP_HOME_MODE, u, u};
	boxed_autoclose int lock = -1;
	boxed_autoclose int dir = -1;
	boxed_autoclose int home = -1;
	int n;

	snprintf(name, sizeof(name), "%u.lock", i);
	snprintf(lock_what, sizeof(lock_what), "%s/locks/%s", state, name);
	snprintf(dir_what, sizeof(dir_what), "%s/slots/%u", state, i);
	snprintf(home_what, sizeof(home_what), "%s/slots/%u/home", state, i);
	if (ensure_file(ctx, locks, name, &lock_want, changed, err, errlen) != 0)
		return -1;
	lock = openat(locks, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (lock < 0)
		return fail_errno(err, errlen, "%s: open", lock_what);
	if (flock(lock, LOCK_EX | LOCK_NB) != 0)
		return errno == EWOULDBLOCK ? 0 : fail_errno(err, errlen, "%s: flock", lock_what);
	snprintf(name, sizeof(name), "%u", i);
	if ((dir = ensure_dir(ctx, slots, name, &dir_want, changed, err, errlen)) < 0 ||
	    (n = wipe_all_but(dir, "home", dir_what, err, errlen)) < 0)
		return -1;
	*changed += n;
	if ((home = ensure_dir(ctx, dir, "home", &home_want, changed, err, errlen)) < 0 ||
	    (n = wipe_all_but(home, NULL, home_what, err, errlen)) < 0)
		return -1;
	*changed += n;
	return 0;
}

/* A slot install could not repair: said now, named again at the end. */
static void slot_not_repaired(struct boxed_setup_ctx *ctx, unsigned i, const char *why)
{
	unsigned *grown = reallocarray(ctx->unrepaired, ctx->n_unrepaired + 1, sizeof(*grown));

	if (!grown)
		boxed_die("out of memory");
	ctx->unrepaired = grown;
	ctx->unrepaired[ctx->n_unrepaired++] = i;
	boxed_warn("slot %u not repaired: %s; going on with the other slots", i, why);
}

/* The top of the state directory, which every slot needs: dies on failure. */
static int top_dir(struct boxed_setup_ctx *ctx, int parent, const char *name, mode_t mode,
		   gid_t gid, int *changed)
{
	char what[PATH_MAX + 64], err[PATH_MAX + 256];
	struct want w = {what, mode, 0, gid};
	int fd;

	snprintf(what, sizeof(what), "%s/%s", ctx->paths.statedir, name);
	fd = ensure_dir(ctx, parent, name, &w, changed, err, sizeof(err));
	if (fd < 0)
		boxed_die("%s", err);
	return fd;
}

void boxed_setup_statedir(struct boxed_setup_ctx *ctx)
{
	const struct boxed_setup_paths *p = &ctx->paths;
	boxed_autoclose int state = -1;
	boxed_autoclose int locks = -1;
	boxed_autoclose int slots = -1;
	char err[PATH_MAX + 256];
	int changed = 0, rc;

	boxed_setup_mkdirs(ctx, p->statedir);
	state = open(p->statedir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (state < 0)
		boxed_die_errno("%s: open", p->statedir);
	rc = fix_entry(ctx, state, p->statedir, BOXED_SETUP_STATEDIR_MODE, 0, 0, err, sizeof(err));
	if (rc < 0)
		boxed_die("%s", err);
	if (rc > 0)
		boxed_setup_changed(ctx, "repaired %s (0755 0:0)", p->statedir);
	locks = top_dir(ctx, state, "locks", BOXED_SETUP_LOCKS_MODE, ctx->gid, &changed);
	slots = top_dir(ctx, state, "slots", BOXED_SETUP_SLOTS_MODE, 0, &changed);
	for (unsigned i = 0; i < ctx->cfg.slot_count; i++)
		if (repair_slot(ctx, slots, locks, i, &changed, err, sizeof(err)) != 0)
			slot_not_repaired(ctx, i, err);
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
	DIR *d = open_stream(fd);
	struct dirent *e;
	int ok = 1;

	if (!d) {
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
	int problem = 0;
	DIR *d;

	snprintf(name, sizeof(name), "slots/%u", index);
	if (entry_problem(statedir_fd, name, name, BOXED_SETUP_SLOT_MODE, 0, u, msg, msglen))
		return 1;
	dir = openat(statedir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0 || entry_problem(dir, "home", "home of slots/N", BOXED_SETUP_HOME_MODE, u, u,
				     msg, msglen)) {
		if (dir < 0)
			snprintf(msg, msglen, "%s: %s", name, strerror(errno));
		else
			snprintf(msg, msglen, "%s/home: not a directory %u:%u %04o", name,
				 (unsigned)u, (unsigned)u, (unsigned)BOXED_SETUP_HOME_MODE);
		return 1;
	}
	/* Anything beside home/ is the slot's uid's to neither use nor remove:
	 * no run writes there, so something else put it there. */
	d = open_stream(dir);
	if (!d) {
		snprintf(msg, msglen, "%s: cannot be read: %s", name, strerror(errno));
		return 1;
	}
	while (!problem && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, "home")) {
			snprintf(msg, msglen,
				 "%s/%s: not the slot's; boxed-setup install removes it", name,
				 e->d_name);
			problem = 1;
		}
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
