/* What boxed-setup's subcommands share: the installation's paths under
 * --root, the record of each change (printed, or kept for --json), JSON
 * output, and the group (looked up, or created with groupadd). */
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "fsutil.h"
#include "layout.h"
#include "setup.h"
#include "tmpfile.h"
#include "command.h"

int boxed_setup_rooted(const struct boxed_setup_paths *p, const char *path, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s%s", p->root, path);

	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int dirname_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (n == 0 || n >= len)
		return -1;
	memcpy(buf, path, n);
	buf[n] = '\0';
	return 0;
}

int boxed_setup_paths_init(struct boxed_setup_paths *p, const char *root, char *err, size_t errlen)
{
	struct stat st;

	memset(p, 0, sizeof(*p));
	if (root) {
		if (!realpath(root, p->root))
			return boxed_errf(err, errlen, "--root %s: %s", root, strerror(errno));
		if (stat(p->root, &st) != 0 || !S_ISDIR(st.st_mode))
			return boxed_errf(err, errlen, "--root %s: not a directory", root);
		if (strcmp(p->root, "/") == 0)
			p->root[0] = '\0';
	}
	if (boxed_setup_rooted(p, BOXED_RUNNER_PATH, p->runner, sizeof(p->runner)) ||
	    boxed_setup_rooted(p, BOXED_PKGLIBDIR, p->pkglibdir, sizeof(p->pkglibdir)) ||
	    boxed_setup_rooted(p, BOXED_INTERPRETER_PATH, p->interpreter, sizeof(p->interpreter)) ||
	    boxed_setup_rooted(p, BOXED_CONFIG_PATH, p->config, sizeof(p->config)) ||
	    boxed_setup_rooted(p, BOXED_STATEDIR, p->statedir, sizeof(p->statedir)) ||
	    boxed_setup_rooted(p, BOXED_MANIFEST_PATH, p->manifest, sizeof(p->manifest)) ||
	    boxed_setup_rooted(p, BOXED_SETUP_LOCK_PATH, p->lock, sizeof(p->lock)) ||
	    boxed_setup_rooted(p, BOXED_LEGACY_INTERPRETER, p->legacy, sizeof(p->legacy)) ||
	    dirname_of(p->config, p->configdir, sizeof(p->configdir)))
		return boxed_errf(err, errlen, "--root %s: path too long", root);
	return 0;
}

void boxed_setup_changed(struct boxed_setup_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	boxed_autofree char *msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		boxed_die("out of memory");
	va_end(ap);
	ctx->changes++;
	if (ctx->actions) {
		cJSON *s = cJSON_CreateString(msg);

		if (!s || !cJSON_AddItemToArray(ctx->actions, s))
			boxed_die("out of memory");
	} else {
		printf("boxed-setup: %s\n", msg);
		fflush(stdout);
	}
}

void boxed_setup_sweep(struct boxed_setup_ctx *ctx, int dirfd, const char *dir, const char *name)
{
	int n = boxed_tmpfile_sweep(dirfd, name);

	if (n < 0)
		boxed_die_errno("%s: removing temp files of an interrupted run", dir);
	if (n > 0)
		boxed_setup_changed(ctx,
				    "removed %d temp file(s) of %s/%s left by an interrupted run",
				    n, dir, name);
}

void boxed_setup_print_json(cJSON *doc)
{
	boxed_autofree char *text = doc ? cJSON_Print(doc) : NULL;

	if (!text)
		boxed_die("out of memory");
	puts(text);
	cJSON_Delete(doc);
}

int boxed_setup_group_lookup(const char *root, const char *name, gid_t *gid)
{
	char path[PATH_MAX];
	struct group *gr;
	FILE *f;
	int n;

	n = snprintf(path, sizeof(path), "%s/etc/group", root);
	if (root[0] == '\0' || n < 0 || (size_t)n >= sizeof(path) || access(path, F_OK) != 0) {
		/* The host, or a staging root without its own group file,
		 * which the host's database then describes. */
		errno = 0;
		gr = getgrnam(name);
		if (!gr)
			return errno && errno != ENOENT && errno != ESRCH ? -1 : 1;
		*gid = gr->gr_gid;
		return 0;
	}
	f = fopen(path, "re");
	if (!f)
		return -1;
	while ((gr = fgetgrent(f))) {
		if (strcmp(gr->gr_name, name) == 0) {
			*gid = gr->gr_gid;
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return 1;
}

/* groupadd and groupdel are the distribution's tools for this: they know
 * the system gid range, the locking of /etc/group and /etc/gshadow, and
 * nscd. */
int boxed_setup_group_tool(const char *path, const char *option, const char *root, const char *name)
{
	const char *argv[6] = {strrchr(path, '/') + 1};
	const char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
	int i = 1;

	if (option)
		argv[i++] = option;
	if (root[0]) {
		argv[i++] = "--prefix";
		argv[i++] = root;
	}
	argv[i] = name;
	return boxed_command_run(path, argv, envp, 0);
}

void boxed_setup_group(struct boxed_setup_ctx *ctx)
{
	const char *root = ctx->paths.root, *name = ctx->cfg.group;
	char path[PATH_MAX];
	int rc = boxed_setup_group_lookup(root, name, &ctx->gid);

	if (rc < 0)
		boxed_die_errno("looking up group %s", name);
	if (rc == 0)
		return;
	if (!ctx->privileged) {
		/* A staging run by a user cannot create groups; the files it
		 * stages keep the user's group, and the package's postinst runs
		 * the real install. */
		boxed_warn("group %s does not exist; staging without it (run install as root on "
			   "the target)",
			   name);
		ctx->gid = getegid();
		return;
	}
	if (root[0] && (boxed_setup_rooted(&ctx->paths, "/etc/group", path, sizeof(path)) ||
			access(path, F_OK) != 0))
		boxed_die("group %s: missing on the host, and %s has no etc/group to add it to; "
			  "create it with groupadd --system %s",
			  name, root, name);
	rc = boxed_setup_group_tool("/usr/sbin/groupadd", "--system", root, name);
	if (rc < 0)
		boxed_die_errno("starting /usr/sbin/groupadd");
	if (rc != 0)
		boxed_die("groupadd --system %s%s%s%s failed; create the group by hand and rerun",
			  root[0] ? "--prefix " : "", root, root[0] ? " " : "", name);
	if (boxed_setup_group_lookup(root, name, &ctx->gid) != 0)
		boxed_die("groupadd reported success, but group %s is not there", name);
	ctx->group_created = 1;
	boxed_setup_changed(ctx, "created group %s (gid %u)", name, (unsigned)ctx->gid);
}
