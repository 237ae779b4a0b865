/* boxed-setup uninstall: remove what the manifest says install created,
 * the runner's capabilities first and the manifest last; an edited config
 * and the group stay unless --purge. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "die.h"
#include "fsutil.h"
#include "layout.h"
#include "manifest.h"
#include "setup.h"
#include "sha256.h"
#include "tmpfile.h"
#include "wipe.h"

static void removed(const char *what)
{
	printf("boxed-setup: removed %s\n", what);
}

/* Capabilities first: whatever else fails afterwards, the runner no longer
 * grants anything. */
static void strip_runner(const struct boxed_setup_paths *p, int privileged)
{
	boxed_autoclose int fd = open(p->runner, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		if (errno != ENOENT)
			boxed_die_errno("%s: open", p->runner);
		return;
	}
	if (boxed_fcaps_get_fd(fd, NULL) != BOXED_FCAPS_NONE) {
		if (boxed_fcaps_clear_fd(fd) != 0)
			boxed_die_errno("%s: removing its capabilities", p->runner);
		printf("boxed-setup: removed the capabilities of %s\n", p->runner);
	}
	/* Back to what make install shipped: root:root 0750. */
	if (privileged && fchown(fd, 0, 0) != 0)
		boxed_die_errno("%s: fchown root:root", p->runner);
}

static void remove_file(const char *path)
{
	if (unlink(path) == 0)
		removed(path);
	else if (errno != ENOENT)
		boxed_die_errno("%s: unlink", path);
}

static void remove_statedir(const struct boxed_setup_paths *p)
{
	boxed_autoclose int fd = open(p->statedir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return;
		boxed_die_errno("%s: open", p->statedir);
	}
	if (boxed_wipe_at(fd, "slots") != 0)
		boxed_die_errno("%s/slots: remove", p->statedir);
	if (boxed_wipe_at(fd, "locks") != 0)
		boxed_die_errno("%s/locks: remove", p->statedir);
	printf("boxed-setup: removed %s/locks and %s/slots\n", p->statedir, p->statedir);
}

/* The config goes when setup wrote it and nobody edited it since, or on
 * --purge. */
static void remove_config(const struct boxed_setup_paths *p, const struct boxed_manifest *m,
			  int purge)
{
	boxed_autoclose int fd = open(p->config, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char hex[BOXED_SHA256_HEX_LEN];

	if (fd < 0) {
		if (errno != ENOENT)
			boxed_die_errno("%s: open", p->config);
		return;
	}
	if (!purge && (!m->config_created || boxed_sha256_fd(fd, hex) != 0 ||
		       strcmp(hex, m->config.sha256) != 0)) {
		printf("boxed-setup: kept %s (%s); --purge removes it\n", p->config,
		       m->config_created ? "edited since install" : "it was there before install");
		return;
	}
	remove_file(p->config);
	if (rmdir(p->configdir) == 0)
		removed(p->configdir);
}

static void remove_group(const struct boxed_setup_paths *p, const struct boxed_manifest *m)
{
	gid_t gid;

	if (!m->group_created || boxed_setup_group_lookup(p->root, m->group, &gid) != 0)
		return;
	if (boxed_setup_group_tool("/usr/sbin/groupdel", NULL, p->root, m->group) != 0)
		boxed_warn("groupdel %s failed; remove the group by hand", m->group);
	else
		printf("boxed-setup: removed group %s\n", m->group);
}

int boxed_setup_uninstall(const struct boxed_setup_args *a)
{
	struct boxed_setup_paths p;
	struct boxed_manifest m;
	boxed_autoclose int lock = -1;
	char err[PATH_MAX + 256];
	int privileged = geteuid() == 0;

	if (!privileged && !a->root)
		boxed_die("uninstall needs root");
	if (boxed_setup_paths_init(&p, a->root, err, sizeof(err)) != 0)
		boxed_die("%s", err);
	lock = open(p.lock, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (lock >= 0 && flock(lock, LOCK_EX) != 0)
		boxed_die_errno("flock %s", p.lock);
	if (boxed_manifest_load(p.manifest, &m, err, sizeof(err)) != 0) {
		/* Without a manifest nothing says what install created; the
		 * runner's capabilities are removed anyway, as they are the
		 * hazard. */
		strip_runner(&p, privileged);
		if (errno == ENOENT)
			boxed_die("nothing recorded to remove (no %s)", p.manifest);
		boxed_die("%s; remove the files by hand (see boxed-setup(8))", err);
	}
	strip_runner(&p, privileged);
	remove_file(p.interpreter);
	remove_statedir(&p);
	remove_config(&p, &m, a->purge);
	if (a->purge)
		remove_group(&p, &m);
	/* The manifest goes last: until then a rerun knows what is left. */
	remove_file(p.manifest);
	if (unlink(p.lock) != 0 && errno != ENOENT)
		boxed_die_errno("%s: unlink", p.lock);
	if (rmdir(p.statedir) == 0)
		removed(p.statedir);
	boxed_manifest_free(&m);
	return BOXED_SETUP_EXIT_OK;
}
