#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "fsutil.h"
#include "setup.h"
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
		uid_t u = boxed_slot_uid(&ctx->cfg, i);

		snprintf(name, sizeof(name), "%u.lock", i);
		snprintf(what, sizeof(what), "%s/locks/%s", p->statedir, name);
		ensure_file(ctx, locks, name, what, 0640, 0, gid, &changed);
		snprintf(name, sizeof(name), "%u", i);
		snprintf(what, sizeof(what), "%s/slots/%s", p->statedir, name);
		close(ensure_dir(ctx, slots, name, what, 0700, u, u, &changed));
	}
	if (changed)
		boxed_setup_changed(ctx,
				    "created or repaired %d entries of %s/locks and %s/slots "
				    "(%u slots, uids %u-%u)",
				    changed, p->statedir, p->statedir, ctx->cfg.slot_count,
				    (unsigned)ctx->cfg.first_uid,
				    (unsigned)(ctx->cfg.first_uid + ctx->cfg.slot_count - 1));
}
