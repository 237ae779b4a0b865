/* boxed-setup install: everything that can refuse the install is checked
 * before the first change (the config, the slot range, the source
 * interpreter, the runner's ELF audit); then the group, the config, the
 * state directory, the interpreter's copy, the runner's owner, mode and
 * capabilities, and last the manifest. A rerun changes nothing. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "config.h"
#include "die.h"
#include "elfaudit.h"
#include "fsutil.h"
#include "idrange.h"
#include "layout.h"
#include "manifest.h"
#include "setup.h"
#include "sha256.h"
#include "tmpfile.h"
#include "version.h"

static void lock_fd(int fd, const char *path)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return;
	if (errno != EWOULDBLOCK)
		boxed_die_errno("flock %s", path);
	fprintf(stderr, "boxed-setup: waiting for another boxed-setup (%s)\n", path);
	if (flock(fd, LOCK_EX) != 0)
		boxed_die_errno("flock %s", path);
}

/* Concurrent installs would interleave their renames and chowns; the
 * second one waits here and then finds nothing left to do. The lock file
 * lives in the state directory. The first install of all locks the root
 * of the installation ("/" or --root), the one directory every concurrent
 * run agrees on, creates the state directory, and puts the lock file in
 * place already locked: a run that found the lock file but had not locked
 * it before the first did would run first, and the first, with the
 * directories it created counted as changes, would not find "no change". */
static int take_setup_lock(struct boxed_setup_ctx *ctx)
{
	const char *top = ctx->paths.root[0] ? ctx->paths.root : "/";
	const char *name = strrchr(ctx->paths.lock, '/') + 1;
	boxed_autoclose int ancestor = -1;
	boxed_autoclose int dirfd = -1;
	struct boxed_tmpfile t;
	int fd;

	fd = open(ctx->paths.lock, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		ancestor = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (ancestor < 0)
			boxed_die_errno("%s: open", top);
		lock_fd(ancestor, top);
		/* Another first install may have come first. */
		fd = open(ctx->paths.lock, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd >= 0) {
		lock_fd(fd, ctx->paths.lock);
		return fd;
	}
	if (errno != ENOENT)
		boxed_die_errno("%s: open", ctx->paths.lock);
	boxed_setup_mkdirs(ctx, ctx->paths.statedir);
	dirfd = open(ctx->paths.statedir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0 || boxed_tmpfile_open(dirfd, name, &t) != 0)
		boxed_die_errno("%s: creating it", ctx->paths.lock);
	if (flock(t.fd, LOCK_EX) != 0 || boxed_tmpfile_publish_new(dirfd, &t, name) != 0) {
		boxed_tmpfile_discard(dirfd, &t);
		boxed_die_errno("%s: creating it locked", ctx->paths.lock);
	}
	return t.fd;
}

static void read_config_unchecked(const char *path, struct boxed_config *cfg)
{
	boxed_autofree char *text = NULL;
	char err[512];

	if (boxed_read_file(path, BOXED_CONFIG_MAX_SIZE, &text, err, sizeof(err)) < 0)
		boxed_die("%s", err);
	if (boxed_config_parse(text, cfg, err, sizeof(err)) != 0)
		boxed_die("%s: %s", path, err);
}

/* An existing config is the admin's: it is loaded and validated, never
 * rewritten. Without one, the defaults (and --group) are what install
 * will write. */
static void plan_config(struct boxed_setup_ctx *ctx)
{
	const char *path = ctx->paths.config;
	const char *group = ctx->args->group;
	char err[PATH_MAX + 256];
	struct stat st;

	if (lstat(path, &st) != 0) {
		if (errno != ENOENT)
			boxed_die_errno("%s: lstat", path);
		boxed_config_defaults(&ctx->cfg);
		if (group) {
			boxed_autofree char *text = NULL;

			/* The group name goes through the config's own
			 * validation, so install cannot write a config that the
			 * runner would reject. */
			snprintf(ctx->cfg.group, sizeof(ctx->cfg.group), "%s", group);
			text = boxed_config_to_json(&ctx->cfg);
			if (!text)
				boxed_die("out of memory");
			if (boxed_config_parse(text, &ctx->cfg, err, sizeof(err)) != 0)
				boxed_die("--group %s: %s", group, err);
		}
		return;
	}
	ctx->config_exists = 1;
	if (ctx->privileged) {
		if (boxed_config_load(path, &ctx->cfg, err, sizeof(err)) != 0)
			boxed_die("%s", err);
	} else {
		read_config_unchecked(path, &ctx->cfg);
	}
	if (group && strcmp(group, ctx->cfg.group) != 0) {
		/* An explicit --group is the admin's word, or the package's on
		 * their behalf (a dpkg-statoverride on the runner): the config
		 * follows it, and keeps everything else. */
		boxed_autoclose int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

		/* The manifest keeps calling it boxed-setup's own when nobody
		 * had edited it (uninstall then removes it). */
		if (fd < 0 || boxed_sha256_fd(fd, ctx->config_sha256_before) != 0)
			boxed_die_errno("%s: hashing it", path);
		snprintf(ctx->old_group, sizeof(ctx->old_group), "%s", ctx->cfg.group);
		snprintf(ctx->cfg.group, sizeof(ctx->cfg.group), "%s", group);
	}
}

/* The config's text with "group" set to the new group, every other key as
 * the admin left it; validated as the runner will read it. */
static char *regrouped_config(const char *path, const char *group)
{
	boxed_autofree char *text = NULL;
	struct boxed_config check;
	cJSON *doc, *name;
	char err[512], *out;

	if (boxed_read_file(path, BOXED_CONFIG_MAX_SIZE, &text, err, sizeof(err)) < 0)
		boxed_die("%s", err);
	doc = cJSON_Parse(text);
	name = cJSON_CreateString(group);
	if (!doc || !name)
		boxed_die("%s: cannot parse it again", path);
	if (cJSON_GetObjectItemCaseSensitive(doc, "group")
		? !cJSON_ReplaceItemInObjectCaseSensitive(doc, "group", name)
		: !cJSON_AddItemToObject(doc, "group", name))
		boxed_die("out of memory");
	out = cJSON_Print(doc);
	cJSON_Delete(doc);
	if (!out)
		boxed_die("out of memory");
	boxed_config_defaults(&check);
	if (boxed_config_parse(out, &check, err, sizeof(err)) != 0)
		boxed_die("--group %s: %s", group, err);
	return out;
}

static void check_slot_range(struct boxed_setup_ctx *ctx)
{
	char err[PATH_MAX + 256];
	int rc = boxed_idrange_check(ctx->paths.root, ctx->cfg.first_uid, ctx->cfg.slot_count, err,
				     sizeof(err));

	if (rc < 0)
		boxed_die("checking the slot range: %s", err);
	if (rc > 0)
		boxed_die("%s; choose a free range in %s (slots.first_uid) and rerun", err,
			  ctx->paths.config);
}

/* The existing config gets the group of --group, in place (atomically). */
static void regroup_config(struct boxed_setup_ctx *ctx, int dirfd, const char *name, uid_t uid)
{
	boxed_autofree char *text = regrouped_config(ctx->paths.config, ctx->cfg.group);

	if (boxed_tmpfile_write(dirfd, name, text, strlen(text), 0644, uid, uid, 1) != 0)
		boxed_die_errno("%s: write", ctx->paths.config);
	boxed_setup_changed(ctx, "set the group of %s to %s (was %s)", ctx->paths.config,
			    ctx->cfg.group, ctx->old_group);
}

static void write_config(struct boxed_setup_ctx *ctx)
{
	boxed_autoclose int dirfd = -1;
	boxed_autofree char *text = NULL;
	const char *name = strrchr(ctx->paths.config, '/') + 1;
	uid_t uid = ctx->privileged ? 0 : (uid_t)-1;

	if (ctx->config_exists && !ctx->old_group[0])
		return;
	boxed_setup_mkdirs(ctx, ctx->paths.configdir);
	dirfd = open(ctx->paths.configdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		boxed_die_errno("%s: open", ctx->paths.configdir);
	boxed_setup_sweep(ctx, dirfd, ctx->paths.configdir, name);
	if (ctx->config_exists) {
		regroup_config(ctx, dirfd, name, uid);
		return;
	}
	text = boxed_config_to_json(&ctx->cfg);
	if (!text)
		boxed_die("out of memory");
	/* Created, never replaced: a config that appeared since plan_config()
	 * is the admin's. */
	if (boxed_tmpfile_write(dirfd, name, text, strlen(text), 0644, uid, uid, 0) != 0) {
		if (errno == EEXIST)
			boxed_die("%s appeared while installing; rerun to use it",
				  ctx->paths.config);
		boxed_die_errno("%s: write", ctx->paths.config);
	}
	boxed_setup_changed(ctx, "wrote %s (group %s, slot uids %u-%u)", ctx->paths.config,
			    ctx->cfg.group, (unsigned)ctx->cfg.first_uid,
			    (unsigned)(ctx->cfg.first_uid + ctx->cfg.slot_count - 1));
}

/* Open the runner once; the audit, the chown and the capabilities all act
 * on this fd, so the file that was audited is the file that is granted. */
static int open_runner(struct boxed_setup_ctx *ctx)
{
	const char *path = ctx->paths.runner;
	struct boxed_findings f = {0};
	unsigned flags = ctx->paths.root[0] ? BOXED_ELF_NO_NEEDED : 0;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		boxed_die_errno("%s: open (install boxed first: make install, or the package)",
				path);
	if (fstat(fd, &st) != 0)
		boxed_die_errno("%s: fstat", path);
	if (!S_ISREG(st.st_mode))
		boxed_die("%s: not a regular file", path);
	if (ctx->privileged && st.st_uid != 0)
		boxed_die("%s: owned by uid %u, not root; reinstall it", path, (unsigned)st.st_uid);
	if (boxed_setup_audit_runner_elf(fd, path, flags, &f) > BOXED_SEV_WARNING) {
		boxed_findings_print(&f, stderr, 0);
		boxed_die("%s: fails the ELF audit (above); it gets no capabilities", path);
	}
	boxed_findings_free(&f);
	return fd;
}

__attribute__((noreturn)) static void caps_failed(const char *path)
{
	if (boxed_fcaps_unsupported_errno(errno))
		boxed_die("%s: this filesystem cannot store file capabilities (the "
			  "security.capability xattr: %s). The runner is left without "
			  "capabilities and cannot be used; boxed never falls back to setuid "
			  "root. Install onto a filesystem with extended attributes",
			  path, strerror(errno));
	boxed_die_errno("%s: cap_set_fd(" BOXED_RUNNER_CAPS_TEXT ")", path);
}

/* Order: fchown, fchmod, then the capabilities. The kernel clears the
 * security.capability xattr on every chown, so granting first would be
 * undone by the chown. */
static void setup_runner(struct boxed_setup_ctx *ctx, int fd)
{
	const char *path = ctx->paths.runner;
	enum boxed_fcaps_state caps = boxed_fcaps_get_fd(fd, NULL);
	struct stat st;
	int changed = 0;

	if (fstat(fd, &st) != 0)
		boxed_die_errno("%s: fstat", path);
	if (ctx->privileged && (st.st_uid != 0 || st.st_gid != ctx->gid)) {
		if (fchown(fd, 0, ctx->gid) != 0)
			boxed_die_errno("%s: fchown root:%s", path, ctx->cfg.group);
		changed = 1;
		caps = BOXED_FCAPS_UNKNOWN;
	}
	/* 0750: members of the group may run it, nobody else; never set-id. */
	if ((st.st_mode & 07777) != 0750 || changed) {
		if (fchmod(fd, 0750) != 0)
			boxed_die_errno("%s: fchmod 0750", path);
		changed = 1;
	}
	if (!ctx->privileged) {
		if (changed)
			boxed_setup_changed(ctx, "set %s to mode 0750", path);
		return;
	}
	if (caps != BOXED_FCAPS_RUNNER) {
		if (boxed_fcaps_apply_runner_fd(fd) != 0)
			caps_failed(path);
		changed = 1;
	}
	if (changed)
		boxed_setup_changed(ctx, "set %s to root:%s 0750 with " BOXED_RUNNER_CAPS_TEXT,
				    path, ctx->cfg.group);
}

static void file_record(struct boxed_manifest_file *f, const char *installed_path, int fd)
{
	struct stat st;

	snprintf(f->path, sizeof(f->path), "%s", installed_path);
	if (fd < 0 || fstat(fd, &st) != 0 || boxed_sha256_fd(fd, f->sha256) != 0)
		boxed_die_errno("%s: hashing it for the manifest", installed_path);
	f->size = (uint64_t)st.st_size;
}

static void path_record(struct boxed_manifest_file *f, const char *installed_path, const char *path)
{
	boxed_autoclose int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		boxed_die_errno("%s: open", path);
	file_record(f, installed_path, fd);
}

static void build_manifest(struct boxed_setup_ctx *ctx, const struct boxed_source *src,
			   int runner_fd, struct boxed_manifest *m)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->boxed_version, sizeof(m->boxed_version), "%s", boxed_version());
	m->installed_at = (int64_t)time(NULL);
	snprintf(m->root, sizeof(m->root), "%s", ctx->paths.root);
	m->ownership_applied = ctx->privileged;
	snprintf(m->group, sizeof(m->group), "%s", ctx->cfg.group);
	m->gid = (uint32_t)ctx->gid;
	m->group_created = ctx->group_created;
	m->first_uid = ctx->cfg.first_uid;
	m->slot_count = ctx->cfg.slot_count;
	snprintf(m->statedir, sizeof(m->statedir), "%s", BOXED_STATEDIR);
	file_record(&m->runner, BOXED_RUNNER_PATH, runner_fd);
	snprintf(m->runner_caps, sizeof(m->runner_caps), "%s",
		 ctx->privileged ? BOXED_RUNNER_CAPS_TEXT : "");
	path_record(&m->interpreter, BOXED_INTERPRETER_PATH, ctx->paths.interpreter);
	file_record(&m->source, src->path, src->fd);
	snprintf(m->python_version, sizeof(m->python_version), "%s", src->version);
	for (size_t i = 0; i < src->sys_path_count; i++)
		if (boxed_manifest_add_sys_path(m, src->sys_path[i]) != 0)
			boxed_die_errno("manifest: sys.path");
	path_record(&m->config, BOXED_CONFIG_PATH, ctx->paths.config);
	m->config_created = !ctx->config_exists;
}

/* Written last and atomically: a manifest means the rest is in place. On a
 * rerun that changed nothing, an identical manifest is left alone, with its
 * time, so that "no change" holds for every file. */
static void write_manifest(struct boxed_setup_ctx *ctx, struct boxed_manifest *m)
{
	struct boxed_manifest old;
	boxed_autofree char *text = NULL;
	boxed_autofree char *old_text = NULL;
	boxed_autoclose int dirfd = -1;
	char err[PATH_MAX + 256];
	uid_t uid = ctx->privileged ? 0 : (uid_t)-1;

	dirfd = open(ctx->paths.statedir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		boxed_die_errno("%s: open", ctx->paths.statedir);
	boxed_setup_sweep(ctx, dirfd, ctx->paths.statedir, "manifest.json");
	if (boxed_manifest_load(ctx->paths.manifest, &old, err, sizeof(err)) == 0) {
		/* The config was created by an earlier run if that run says so
		 * and the file is still the one it wrote. */
		if (old.config_created &&
		    (strcmp(old.config.sha256, m->config.sha256) == 0 ||
		     strcmp(old.config.sha256, ctx->config_sha256_before) == 0))
			m->config_created = 1;
		if (old.group_created && strcmp(old.group, m->group) == 0)
			m->group_created = 1;
		if (ctx->changes == 0)
			m->installed_at = old.installed_at;
		old_text = boxed_manifest_to_json(&old);
		boxed_manifest_free(&old);
	}
	text = boxed_manifest_to_json(m);
	if (!text)
		boxed_die("out of memory");
	if (old_text && strcmp(old_text, text) == 0)
		return;
	if (boxed_tmpfile_write(dirfd, "manifest.json", text, strlen(text), 0644, uid, uid, 1) != 0)
		boxed_die_errno("%s: write", ctx->paths.manifest);
	boxed_setup_changed(ctx, "wrote %s", ctx->paths.manifest);
}

static void report(struct boxed_setup_ctx *ctx)
{
	cJSON *doc, *slots;

	if (!ctx->actions) {
		/* With slots left unrepaired, fail_unrepaired() has the last word. */
		if (ctx->changes == 0 && ctx->n_unrepaired == 0)
			printf("boxed-setup: no change: %s%s is installed and up to date\n",
			       ctx->paths.root, BOXED_RUNNER_PATH);
		else if (ctx->changes > 0)
			printf("boxed-setup: installed (%d change%s)\n", ctx->changes,
			       ctx->changes == 1 ? "" : "s");
		if (!ctx->privileged)
			printf("boxed-setup: staged as uid %u: ownership, the group and file "
			       "capabilities were not applied; run boxed-setup install as root "
			       "on the target\n",
			       (unsigned)geteuid());
		return;
	}
	doc = cJSON_CreateObject();
	slots = cJSON_CreateArray();
	for (size_t i = 0; slots && i < ctx->n_unrepaired; i++)
		if (!cJSON_AddItemToArray(slots, cJSON_CreateNumber(ctx->unrepaired[i])))
			boxed_die("out of memory");
	if (!doc || !slots || !cJSON_AddItemToObject(doc, "unrepaired_slots", slots) ||
	    !cJSON_AddBoolToObject(doc, "changed", ctx->changes > 0) ||
	    !cJSON_AddBoolToObject(doc, "ownership_applied", ctx->privileged) ||
	    !cJSON_AddStringToObject(doc, "root", ctx->paths.root) ||
	    !cJSON_AddStringToObject(doc, "manifest", ctx->paths.manifest) ||
	    !cJSON_AddItemToObject(doc, "actions", ctx->actions))
		boxed_die("out of memory");
	ctx->actions = NULL;
	boxed_setup_print_json(doc);
}

/* Every other step is done; the slots boxed_setup_statedir() could not
 * repair, each named above with its reason, fail the install now. */
static void fail_unrepaired(struct boxed_setup_ctx *ctx)
{
	char list[256] = "";
	size_t len = 0, n = ctx->n_unrepaired, i;

	if (n == 0)
		return;
	/* Each number takes at most 12 bytes with its comma; ", ..." 6. */
	for (i = 0; i < n && len + 12 + 6 < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%u", i ? ", " : "",
					ctx->unrepaired[i]);
	if (i < n)
		snprintf(list + len, sizeof(list) - len, ", ...");
	fflush(stdout); /* the report first: this is the last word */
	boxed_die("%zu slot%s not repaired (%s; why is above): everything else is in place; "
		  "remove what is named there and rerun boxed-setup install",
		  n, n == 1 ? "" : "s", list);
}

int boxed_setup_install(const struct boxed_setup_args *a)
{
	struct boxed_setup_ctx ctx = {.args = a, .privileged = geteuid() == 0};
	struct boxed_source src;
	struct boxed_manifest m;
	boxed_autoclose int lock = -1;
	boxed_autoclose int runner = -1;
	char err[PATH_MAX + 64];

	if (!ctx.privileged && !a->root)
		boxed_die("install needs root (or --root DIR to stage files as a user)");
	if (boxed_setup_paths_init(&ctx.paths, a->root, err, sizeof(err)) != 0)
		boxed_die("%s", err);
	if (a->json) {
		ctx.actions = cJSON_CreateArray();
		if (!ctx.actions)
			boxed_die("out of memory");
	}
	lock = take_setup_lock(&ctx);

	/* Everything that can refuse the install is checked before the first
	 * change: a bad --python, a taken uid range or a bad runner leave the
	 * system as it was. */
	plan_config(&ctx);
	check_slot_range(&ctx);
	boxed_setup_source_verify(&ctx, a->python, &src);
	runner = open_runner(&ctx);

	boxed_setup_group(&ctx);
	write_config(&ctx);
	boxed_setup_statedir(&ctx);
	boxed_setup_copy_interpreter(&ctx, &src);
	setup_runner(&ctx, runner);
	build_manifest(&ctx, &src, runner, &m);
	write_manifest(&ctx, &m);
	boxed_manifest_free(&m);
	boxed_setup_source_free(&src);
	report(&ctx);
	fail_unrepaired(&ctx);
	return BOXED_SETUP_EXIT_OK;
}
