/* boxed-setup audit (and verify): everything install guarantees, checked
 * again as findings: the manifest, the config, the runner (mode,
 * capabilities, digest, ELF audit), the pinned interpreter and its source,
 * the state directory and each slot, the slot range, and interpreters
 * that carry capabilities. What this process may not read is "not
 * checked", never an error. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "cli.h"
#include "config.h"
#include "die.h"
#include "elfaudit.h"
#include "fsutil.h"
#include "idrange.h"
#include "layout.h"
#include "manifest.h"
#include "setup.h"
#include "sha256.h"
#include "slot.h"

struct audit {
	struct boxed_setup_paths paths;
	struct boxed_findings f;
	struct boxed_manifest m;
	int have_manifest;
	struct boxed_config cfg;
	int have_gid;
	gid_t gid;
	unsigned elf_flags;
	int privileged; /* euid 0: every file is readable */
};

/* Did an access fail only because this audit runs without root? Then the
 * check is "not checked", never an error with repair advice. */
static int denied(const struct audit *au, int err)
{
	return !au->privileged && (err == EACCES || err == EPERM);
}

static void not_checked(struct audit *au, const char *check, const char *subject, const char *why)
{
	char user[64];

	boxed_cli_user_name(geteuid(), user, sizeof(user));
	boxed_findings_add(&au->f, BOXED_SEV_UNCHECKED, check, subject,
			   "not checked: %s, and this audit runs as %s; run it as root", why, user);
}

static void check_manifest(struct audit *au)
{
	char err[PATH_MAX + 256];

	if (boxed_manifest_load(au->paths.manifest, &au->m, err, sizeof(err)) == 0) {
		char when[32];
		time_t t = (time_t)au->m.installed_at;
		struct tm tm;

		if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
			snprintf(when, sizeof(when), "%lld", (long long)au->m.installed_at);
		au->have_manifest = 1;
		boxed_findings_add(&au->f, BOXED_SEV_OK, "manifest", au->paths.manifest,
				   "installed %s by boxed %s", when, au->m.boxed_version);
		return;
	}
	boxed_findings_add(&au->f, BOXED_SEV_ERROR, "manifest", au->paths.manifest,
			   "%s; run boxed-setup install", err);
}

static void check_config(struct audit *au)
{
	char err[PATH_MAX + 256];

	boxed_config_defaults(&au->cfg);
	/* boxed_config_load refuses a file that anyone but root could have
	 * written, on the file and on every ancestor. */
	if (boxed_config_load(au->paths.config, &au->cfg, err, sizeof(err)) != 0) {
		boxed_findings_add(&au->f, BOXED_SEV_ERROR, "config", au->paths.config, "%s", err);
		if (au->have_manifest) {
			au->cfg.first_uid = au->m.first_uid;
			au->cfg.slot_count = au->m.slot_count;
			snprintf(au->cfg.group, sizeof(au->cfg.group), "%s", au->m.group);
		}
	} else {
		boxed_findings_add(&au->f, BOXED_SEV_OK, "config", au->paths.config,
				   "root-owned, not writable by others, valid");
	}
	if (boxed_setup_group_lookup(au->paths.root, au->cfg.group, &au->gid) == 0)
		au->have_gid = 1;
	else
		boxed_findings_add(&au->f, BOXED_SEV_ERROR, "group", au->cfg.group,
				   "group does not exist; run boxed-setup install");
}

typedef enum boxed_severity (*elf_audit_fn)(int fd, const char *subject, unsigned flags,
					    struct boxed_findings *out);

/* What the runner and the copy are checked for alike: fd's digest against
 * the manifest's (check names the finding), and the ELF audit as audit_elf
 * weighs the file. */
static void check_contents(struct audit *au, int fd, const char *path, const char *check,
			   const char *want, elf_audit_fn audit_elf)
{
	char hex[BOXED_SHA256_HEX_LEN];
	size_t before;

	/* Without a manifest there is nothing to compare with (check_manifest()
	 * says so). */
	if (au->have_manifest) {
		if (boxed_sha256_fd(fd, hex) != 0)
			boxed_findings_add(&au->f, BOXED_SEV_ERROR, check, path,
					   "cannot read it: %s", strerror(errno));
		else if (strcmp(hex, want) != 0)
			boxed_findings_add(&au->f, BOXED_SEV_ERROR, check, path,
					   "sha256 %s differs from the manifest's %s: the file was "
					   "replaced after install; rerun boxed-setup install",
					   hex, want);
		else
			boxed_findings_add(&au->f, BOXED_SEV_OK, check, path,
					   "matches the manifest");
	}
	before = au->f.count;
	audit_elf(fd, path, au->elf_flags, &au->f);
	if (au->f.count == before)
		boxed_findings_add(&au->f, BOXED_SEV_OK, "elf", path, "passes the ELF audit");
}

static int open_checked(struct audit *au, const char *path, const char *check, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		if (denied(au, errno))
			return -1;
		boxed_findings_add(&au->f, BOXED_SEV_ERROR, check, path, "cannot open it: %s%s",
				   strerror(errno),
				   errno == ENOENT ? "; run boxed-setup install" : "");
		return -1;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		boxed_findings_add(&au->f, BOXED_SEV_ERROR, check, path, "not a regular file");
		close(fd);
		return -1;
	}
	return fd;
}

static void check_runner_mode(struct audit *au, const struct stat *st)
{
	const char *path = au->paths.runner;
	char group[64];

	boxed_cli_group_name(st->st_gid, group, sizeof(group));
	if (st->st_mode & (S_ISUID | S_ISGID))
		boxed_findings_add(&au->f, BOXED_SEV_CRITICAL, "runner-mode", path,
				   "has a set-id bit (mode %04o); boxed never runs setuid: "
				   "chmod 0750 %s and rerun boxed-setup install",
				   (unsigned)(st->st_mode & 07777), path);
	else if (st->st_uid != 0 || (au->have_gid && st->st_gid != au->gid) ||
		 (st->st_mode & 07777) != 0750)
		boxed_findings_add(&au->f, BOXED_SEV_ERROR, "runner-mode", path,
				   "is %u:%s %04o, expected root:%s 0750; rerun boxed-setup "
				   "install",
				   (unsigned)st->st_uid, group, (unsigned)(st->st_mode & 07777),
				   au->cfg.group);
	else
		boxed_findings_add(&au->f, BOXED_SEV_OK, "runner-mode", path, "root:%s 0750",
				   au->cfg.group);
}

static void check_runner_caps(struct audit *au, enum boxed_fcaps_state cs, const char *caps)
{
	const char *path = au->paths.runner;

	if (cs == BOXED_FCAPS_RUNNER)
		boxed_findings_add(&au->f, BOXED_SEV_OK, "runner-caps", path,
				   BOXED_RUNNER_CAPS_TEXT);
	else if (cs == BOXED_FCAPS_OTHER)
		boxed_findings_add(&au->f, BOXED_SEV_CRITICAL, "runner-caps", path,
				   "carries '%s', expected exactly " BOXED_RUNNER_CAPS_TEXT
				   "; rerun boxed-setup install",
				   caps ? caps : "?");
	else
		boxed_findings_add(&au->f, BOXED_SEV_ERROR, "runner-caps", path,
				   "carries no capabilities, so it cannot work; rerun boxed-setup "
				   "install");
}

static void check_runner(struct audit *au)
{
	const char *path = au->paths.runner;
	boxed_autofree char *caps = NULL;
	boxed_autoclose int fd = -1;
	struct stat st;
	char why[128];

	fd = open_checked(au, path, "runner", &st);
	if (fd < 0) {
		/* Only root and the group may read the runner (0750). Its
		 * owner, mode and capabilities are still visible to anyone:
		 * stat, and the security.* xattrs, need no read right. */
		if (!denied(au, errno) || lstat(path, &st) != 0)
			return;
		check_runner_mode(au, &st);
		check_runner_caps(au, boxed_fcaps_get_path(path, &caps), caps);
		snprintf(why, sizeof(why), "only root and group %s may read the runner",
			 au->cfg.group);
		not_checked(au, "runner-sha256", path, why);
		not_checked(au, "elf", path, why);
		return;
	}
	check_runner_mode(au, &st);
	check_runner_caps(au, boxed_fcaps_get_fd(fd, &caps), caps);
	check_contents(au, fd, path, "runner-sha256", au->m.runner.sha256,
		       boxed_setup_audit_runner_elf);
}

static void check_source(struct audit *au)
{
	const char *path = au->m.source.path;
	char hex[BOXED_SHA256_HEX_LEN], rooted[PATH_MAX];
	boxed_autoclose int fd = -1;

	/* The source path was recorded resolved, on the host (the staging
	 * root never holds the source). */
	snprintf(rooted, sizeof(rooted), "%s", path);
	fd = open(rooted, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || boxed_sha256_fd(fd, hex) != 0) {
		boxed_findings_add(&au->f, BOXED_SEV_ERROR, "stale", path,
				   "STALE: the source interpreter is gone (%s); the pinned copy "
				   "no longer gets its security fixes; run boxed-setup install "
				   "--python NEW",
				   strerror(errno));
		return;
	}
	if (strcmp(hex, au->m.source.sha256) != 0)
		boxed_findings_add(&au->f, BOXED_SEV_ERROR, "stale", au->paths.interpreter,
				   "STALE: %s changed since it was pinned (Python upgraded?); the "
				   "copy lacks its fixes; rerun boxed-setup install to re-pin",
				   path);
	else
		boxed_findings_add(&au->f, BOXED_SEV_OK, "stale", au->paths.interpreter,
				   "same as its source %s", path);
}

static void check_copy(struct audit *au)
{
	const char *path = au->paths.interpreter;
	boxed_autoclose int fd = -1;
	struct stat st;

	fd = open_checked(au, path, "interpreter", &st);
	if (fd < 0) {
		if (denied(au, errno))
			not_checked(au, "interpreter", path, strerror(errno));
		return;
	}
	if (st.st_uid != 0 || st.st_gid != 0 || (st.st_mode & 07777) != 0755)
		boxed_findings_add(&au->f, BOXED_SEV_ERROR, "interpreter-mode", path,
				   "is %u:%u %04o, expected root:root 0755; rerun boxed-setup "
				   "install",
				   (unsigned)st.st_uid, (unsigned)st.st_gid,
				   (unsigned)(st.st_mode & 07777));
	else
		boxed_findings_add(&au->f, BOXED_SEV_OK, "interpreter-mode", path,
				   "root:root 0755");
	check_contents(au, fd, path, "interpreter-sha256", au->m.interpreter.sha256,
		       boxed_setup_audit_interpreter_elf);
	if (au->have_manifest)
		check_source(au);
}

/* Check one entry of the state directory; returns 0 when it is as the
 * runner expects, 1 when not, -1 when this audit may not look. */
static int expect_entry(struct audit *au, int dirfd, const char *name, const char *what,
			mode_t type, mode_t mode, uid_t uid, gid_t gid)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (denied(au, errno))
			return -1;
		boxed_findings_add(&au->f, BOXED_SEV_ERROR, "statedir", what,
				   "%s; rerun "
				   "boxed-setup install",
				   strerror(errno));
		return 1;
	}
	if ((st.st_mode & S_IFMT) != type || (st.st_mode & 07777) != mode || st.st_uid != uid ||
	    st.st_gid != gid) {
		boxed_findings_add(&au->f, BOXED_SEV_ERROR, "statedir", what,
				   "is %u:%u %04o, expected %u:%u %04o (%s); rerun boxed-setup "
				   "install",
				   (unsigned)st.st_uid, (unsigned)st.st_gid,
				   (unsigned)(st.st_mode & 07777), (unsigned)uid, (unsigned)gid,
				   (unsigned)mode, S_ISDIR(type) ? "directory" : "file");
		return 1;
	}
	return 0;
}

/* Each slot's lock file, and (root only) whether its uid can clean it:
 * the findings of at most 8 problems in all, counting the bad ones seen
 * before. Returns how many it found; *locks_hidden when the lock directory
 * cannot be looked into. */
static int check_slots(struct audit *au, int fd, gid_t gid, int bad_before, int *locks_hidden)
{
	const char *dir = au->paths.statedir;
	char name[64], what[PATH_MAX + 64], problem[PATH_MAX + 256];
	int bad = 0, rc;

	for (unsigned i = 0; i < au->cfg.slot_count && bad_before + bad < 8; i++) {
		if (!*locks_hidden) {
			snprintf(name, sizeof(name), "locks/%u.lock", i);
			snprintf(what, sizeof(what), "%s/%s", dir, name);
			rc = expect_entry(au, fd, name, what, S_IFREG, BOXED_SETUP_LOCK_MODE, 0,
					  gid);
			*locks_hidden = rc < 0;
			bad += rc > 0;
		}
		/* Only root can look into a slot (root:U 0710, U:U 0700). */
		if (au->privileged &&
		    boxed_setup_slot_problem(fd, &au->cfg, i, problem, sizeof(problem))) {
			boxed_findings_add(
			    &au->f, BOXED_SEV_ERROR, "slot", dir,
			    "slot %u cannot be cleaned by its uid: %s; run boxed-setup "
			    "install",
			    i, problem);
			bad++;
		}
	}
	return bad;
}

static void check_statedir(struct audit *au)
{
	const char *dir = au->paths.statedir;
	boxed_autoclose int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char what[PATH_MAX + 64], why[128];
	gid_t gid = au->have_gid ? au->gid : (gid_t)-1;
	int bad = 0, locks_hidden = 0;

	if (fd < 0) {
		boxed_findings_add(&au->f, BOXED_SEV_ERROR, "statedir", dir,
				   "%s; run boxed-setup "
				   "install",
				   strerror(errno));
		return;
	}
	bad += expect_entry(au, fd, ".", dir, S_IFDIR, BOXED_SETUP_STATEDIR_MODE, 0, 0) > 0;
	snprintf(what, sizeof(what), "%s/locks", dir);
	bad += expect_entry(au, fd, "locks", what, S_IFDIR, BOXED_SETUP_LOCKS_MODE, 0, gid) > 0;
	snprintf(what, sizeof(what), "%s/slots", dir);
	bad += expect_entry(au, fd, "slots", what, S_IFDIR, BOXED_SETUP_SLOTS_MODE, 0, 0) > 0;
	bad += check_slots(au, fd, gid, bad, &locks_hidden);
	if (locks_hidden) {
		snprintf(what, sizeof(what), "%s/locks", dir);
		snprintf(why, sizeof(why), "only root and group %s may look into it",
			 au->cfg.group);
		not_checked(au, "statedir", what, why);
	}
	if (!au->privileged) {
		snprintf(what, sizeof(what), "%s/slots", dir);
		not_checked(au, "slot", what, "only root may look into a slot");
	}
	if (bad)
		return;
	if (au->privileged)
		boxed_findings_add(&au->f, BOXED_SEV_OK, "statedir", dir,
				   "%u slot locks and directories as the runner expects",
				   au->cfg.slot_count);
	else
		boxed_findings_add(&au->f, BOXED_SEV_OK, "statedir", dir,
				   "as the runner expects, as far as it could be checked%s",
				   locks_hidden ? "" : " (the slot locks included)");
}

static void check_slot_range(struct audit *au)
{
	char err[PATH_MAX + 256];
	int rc = boxed_idrange_check(au->paths.root, au->cfg.first_uid, au->cfg.slot_count, err,
				     sizeof(err));
	char etc[PATH_MAX];

	if (boxed_setup_rooted(&au->paths, "/etc", etc, sizeof(etc)) != 0)
		snprintf(etc, sizeof(etc), "/etc");

	if (rc != 0)
		boxed_findings_add(&au->f, BOXED_SEV_ERROR, "slot-range", etc, "%s", err);
	else
		boxed_findings_add(&au->f, BOXED_SEV_OK, "slot-range", etc,
				   "uids %u-%u hold no account, group or subordinate id",
				   (unsigned)au->cfg.first_uid,
				   (unsigned)(au->cfg.first_uid + au->cfg.slot_count - 1));
}

static int report(struct audit *au, int json)
{
	enum boxed_severity worst = boxed_findings_worst(&au->f);
	size_t unchecked = boxed_findings_count(&au->f, BOXED_SEV_UNCHECKED, NULL);
	int rc = worst > BOXED_SEV_WARNING ? BOXED_SETUP_EXIT_FAIL
		 : unchecked		   ? BOXED_SETUP_EXIT_INCOMPLETE
					   : BOXED_SETUP_EXIT_OK;

	if (json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON *items = boxed_findings_to_json(&au->f);

		if (!doc || !items ||
		    !cJSON_AddStringToObject(doc, "boxed_version", BOXED_VERSION) ||
		    !cJSON_AddStringToObject(doc, "root", au->paths.root) ||
		    !cJSON_AddStringToObject(doc, "worst", boxed_severity_name(worst)) ||
		    !cJSON_AddBoolToObject(doc, "ok", rc == BOXED_SETUP_EXIT_OK) ||
		    !cJSON_AddBoolToObject(doc, "complete", unchecked == 0) ||
		    !cJSON_AddItemToObject(doc, "findings", items))
			boxed_die("out of memory");
		boxed_setup_print_json(doc);
		return rc;
	}
	boxed_findings_print(&au->f, stdout, 1);
	printf("audit: %zu checks, %zu informational, %zu warning(s), %zu error(s), %zu critical",
	       au->f.count, boxed_findings_count(&au->f, BOXED_SEV_INFO, NULL),
	       boxed_findings_count(&au->f, BOXED_SEV_WARNING, NULL),
	       boxed_findings_count(&au->f, BOXED_SEV_ERROR, NULL),
	       boxed_findings_count(&au->f, BOXED_SEV_CRITICAL, NULL));
	if (unchecked)
		printf(", %zu not checked", unchecked);
	printf(": %s\n", rc == BOXED_SETUP_EXIT_OK	     ? "ok"
			 : rc == BOXED_SETUP_EXIT_INCOMPLETE ? "INCOMPLETE (run it as root)"
							     : "FAILED");
	if (boxed_findings_count(&au->f, BOXED_SEV_CRITICAL, "interpreter-caps"))
		printf("fix: boxed-setup migrate-legacy removes the capabilities from the "
		       "interpreters above\n");
	return rc;
}

int boxed_setup_audit(const struct boxed_setup_args *a)
{
	struct audit au = {.privileged = geteuid() == 0};
	char err[PATH_MAX + 64];
	int rc;

	if (boxed_setup_paths_init(&au.paths, a->root, err, sizeof(err)) != 0)
		boxed_die("%s", err);
	/* A staged tree's libraries are the target's, not this host's. */
	au.elf_flags = au.paths.root[0] ? BOXED_ELF_NO_NEEDED : 0;
	check_manifest(&au);
	check_config(&au);
	check_runner(&au);
	check_copy(&au);
	check_statedir(&au);
	check_slot_range(&au);
	boxed_setup_scan_capable_interpreters(&au.paths, &au.f);
	rc = report(&au, a->json);
	boxed_manifest_free(&au.m);
	boxed_findings_free(&au.f);
	return rc;
}
