/* The stage of the outer side: who calls the runner (as root, a throwaway
 * user in the runner's group; else the invoking user) and the files of
 * that caller the probes aim at; becoming that caller; and removing all of
 * it, and whatever a probe killed halfway left, at any exit. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "become.h"
#include "cli.h"
#include "command.h"
#include "die.h"
#include "fsutil.h"
#include "inner.h"
#include "layout.h"
#include "outer.h"

#define USERADD "/usr/sbin/useradd"
#define USERDEL "/usr/sbin/userdel"
/* userdel's status for a user with processes (shadow's E_USER_BUSY). */
#define USERDEL_BUSY 8
/* A child that could not become the caller; no errno is this large. */
#define AS_CALLER_FAILED 255

void boxed_selftest_cannot(const char *fmt, ...)
{
	va_list ap;

	fputs("boxed-selftest: cannot run: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(BOXED_SELFTEST_EXIT_CANNOT);
}

/* ---- becoming the caller ---- */

static struct boxed_identity caller_identity(const struct boxed_selftest_ctx *c)
{
	return (struct boxed_identity){
	    .uid = c->caller, .gid = c->caller_gid, .groups = &c->group, .ngroups = 1};
}

int boxed_selftest_become_caller(const struct boxed_selftest_ctx *c, char *err, size_t errlen)
{
	struct boxed_identity who = caller_identity(c);

	/* A caller that is not root is the caller already; in control mode
	 * root stands for one. */
	if (!c->root || c->control)
		return 0;
	return boxed_become(&who, err, errlen);
}

/* Run fn(arg) in a child that has become the caller. Returns what fn
 * returned (0 to 254), or -1 when the child could not become the caller
 * (said on stderr) or did not exit. */
static int run_as_caller(const struct boxed_selftest_ctx *c, int (*fn)(const char *arg),
			 const char *arg)
{
	pid_t pid = fork();
	char err[256];
	int st = 0;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* A partial drop would answer for root instead of the caller. */
		if (boxed_selftest_become_caller(c, err, sizeof(err)) != 0) {
			fprintf(stderr, "boxed-selftest: becoming the caller: %s\n", err);
			_exit(AS_CALLER_FAILED);
		}
		_exit(fn(arg) & 0xff);
	}
	if (boxed_selftest_wait(pid, &st) != 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) == AS_CALLER_FAILED)
		return -1;
	return WEXITSTATUS(st);
}

int boxed_selftest_as_caller(const struct boxed_selftest_ctx *c, int (*fn)(const char *arg),
			     const char *arg)
{
	int rc = run_as_caller(c, fn, arg);

	if (rc < 0)
		boxed_die_child("a check as the caller failed");
	return rc;
}

void boxed_selftest_token(const struct boxed_selftest_ctx *c, char *buf, size_t len,
			  const char *what)
{
	snprintf(buf, len, "%s-%ld-%s", c->tag, (long)getpid(), what);
}

/* ---- making the stage ---- */

/* A system user without a home or a shell, in group. */
static int useradd(const char *group, const char *user)
{
	const char *argv[] = {USERADD,
			      "--system",
			      "--no-create-home",
			      "--shell",
			      "/usr/sbin/nologin",
			      "--groups",
			      group,
			      user,
			      NULL};

	return boxed_command_run(USERADD, argv, NULL, 1);
}

/* The throwaway caller: in the runner's group, named by the selftest's
 * tag. */
static void make_caller(struct boxed_selftest_ctx *c)
{
	struct group *gr = getgrgid(c->group);
	struct passwd *pw;

	if (!gr)
		boxed_selftest_cannot(
		    "the group of %s (gid %u) has no name in the group database; give it "
		    "one, or rerun boxed-setup install",
		    BOXED_RUNNER_PATH, (unsigned)c->group);
	snprintf(c->user, sizeof(c->user), "%s", c->tag);
	if (useradd(gr->gr_name, c->user) != 0) {
		c->user[0] = '\0';
		boxed_selftest_cannot("useradd of a throwaway caller in group %s failed",
				      gr->gr_name);
	}
	pw = getpwnam(c->user);
	if (!pw)
		boxed_selftest_cannot("the new user %s is not found", c->user);
	c->caller = pw->pw_uid;
	c->caller_gid = pw->pw_gid;
}

static int write_file(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	boxed_autoclose int fd =
	    open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0 || write(fd, "secret\n", 7) != 7 || fchown(fd, uid, gid) || fchmod(fd, mode))
		return -1;
	return 0;
}

/* A setuid-root copy of id(1): running it must not give euid 0. */
static int make_suid(struct boxed_selftest_ctx *c)
{
	boxed_autoclose int in = open("/usr/bin/id", O_RDONLY | O_CLOEXEC);
	boxed_autoclose int out = -1;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return -1;
	snprintf(c->suid, sizeof(c->suid), "%s/suid-id", c->dir);
	out = open(c->suid, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	if (out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return -1;
	if (n < 0 || fchown(out, 0, 0) || fchmod(out, 04755))
		return -1;
	return 0;
}

static void make_files(struct boxed_selftest_ctx *c)
{
	/* Not /tmp: a sealed run has its own, and would not see these. */
	snprintf(c->dir, sizeof(c->dir), "/var/tmp/boxed-selftest.%ld.XXXXXX", (long)getpid());
	if (!mkdtemp(c->dir))
		boxed_selftest_cannot("mkdtemp: %s", strerror(errno));
	snprintf(c->secret600, sizeof(c->secret600), "%s/secret-0600", c->dir);
	snprintf(c->secret640, sizeof(c->secret640), "%s/secret-0640", c->dir);
	snprintf(c->open_dir, sizeof(c->open_dir), "%s/open", c->dir);
	/* Traversable, so only the files' own modes (and the slot's lack of the
	 * caller's groups) stand between the sandbox and their content. */
	if (chmod(c->dir, 0755) || write_file(c->secret600, 0600, c->caller, c->caller_gid) ||
	    write_file(c->secret640, 0640, c->caller, c->group))
		boxed_selftest_cannot("creating the caller's files in %s: %s", c->dir,
				      strerror(errno));
	/* World-writable: only Landlock can keep the sandbox out. */
	if (mkdir(c->open_dir, 0700) || chmod(c->open_dir, 01777))
		boxed_selftest_cannot("mkdir %s: %s", c->open_dir, strerror(errno));
	if (c->root && make_suid(c))
		boxed_selftest_cannot("creating a setuid-root copy of /usr/bin/id: %s",
				      strerror(errno));
}

/* Is this process in the runner's group? */
static int in_group(gid_t group)
{
	gid_t groups[256];
	int n = getgroups(256, groups);

	for (int i = 0; i < n; i++)
		if (groups[i] == group)
			return 1;
	return getgid() == group;
}

void boxed_selftest_stage_check(struct boxed_selftest_ctx *c, const struct boxed_selftest_args *a)
{
	struct stat st;

	memset(c, 0, sizeof(*c));
	c->control = a->mode == BOXED_SELFTEST_CONTROL;
	c->root = geteuid() == 0;
	c->caller = getuid();
	c->caller_gid = getgid();
	snprintf(c->tag, sizeof(c->tag), "boxed-st-%ld", (long)getpid());
	if (stat(BOXED_RUNNER_PATH, &st) != 0)
		boxed_selftest_cannot("%s: %s (is boxed installed? boxed-setup install)",
				      BOXED_RUNNER_PATH, strerror(errno));
	if (access(BOXED_SELFTEST_PATH, X_OK) != 0)
		boxed_selftest_cannot("%s: %s (the probes run the installed selftest)",
				      BOXED_SELFTEST_PATH, strerror(errno));
	c->group = st.st_gid;
	c->have_config = boxed_config_load(BOXED_CONFIG_PATH, &c->cfg, c->config_err,
					   sizeof(c->config_err)) == 0;
	if (!c->root && !in_group(c->group)) {
		char user[64], group[64], msg[256];

		boxed_cli_user_name(getuid(), user, sizeof(user));
		boxed_cli_group_name(c->group, group, sizeof(group));
		boxed_cli_not_member(msg, sizeof(msg), user, group);
		boxed_selftest_cannot("%s (or run boxed-selftest as root)", msg);
	}
}

/* ---- removing it ---- */

static struct boxed_selftest_ctx *stage;
static pid_t stage_pid;

/* As the caller: every process of the caller ends. */
static int kill_own(const char *unused)
{
	(void)unused;
	return boxed_kill_own_processes() == 0 ? 0 : errno;
}

static void remove_user(struct boxed_selftest_ctx *c)
{
	const char *argv[] = {USERDEL, c->user, NULL};
	int rc = 0;

	if (!c->user[0])
		return;
	/* Runners of an interrupted selftest may still be going, and userdel
	 * refuses a user with processes: end them first, as the caller, so
	 * that nothing else can be hit (their targets follow by PDEATHSIG).
	 * A second round: a probe process killed between its fork and its
	 * drop may have become the caller after the first. */
	for (int round = 0; round < 2; round++) {
		if (run_as_caller(c, kill_own, NULL) != 0)
			boxed_warn("could not end the processes of %s", c->user);
		rc = boxed_command_run(USERDEL, argv, NULL, 1);
		if (rc != USERDEL_BUSY)
			break;
	}
	if (rc != 0)
		boxed_warn("userdel %s failed (status %d): remove the user by hand", c->user, rc);
	c->user[0] = '\0';
}

/* The exit handler: only the process that made the stage removes it. */
static void remove_stage(void)
{
	struct boxed_selftest_ctx *c = stage;

	if (!c || getpid() != stage_pid)
		return;
	if (c->dir[0]) {
		unlink(c->secret600);
		unlink(c->secret640);
		if (c->suid[0])
			unlink(c->suid);
		rmdir(c->open_dir);
		rmdir(c->dir);
	}
	remove_user(c);
}

void boxed_selftest_stage_make(struct boxed_selftest_ctx *c)
{
	stage = c;
	stage_pid = getpid();
	if (atexit(remove_stage))
		boxed_selftest_cannot("atexit");
	if (c->root && !c->control)
		make_caller(c);
	else if (c->root)
		c->caller = 0, c->caller_gid = 0;
	make_files(c);
}

/* Remove the entries of dir whose names start with prefix. */
static void remove_prefixed(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
}

void boxed_selftest_remove_leftovers(const struct boxed_selftest_ctx *c, pid_t job)
{
	char prefix[96], release[112], name[112];

	/* Every file a probe names starts with the tag, whichever process of
	 * this selftest made it; an IPC object is found by its job's key. */
	snprintf(prefix, sizeof(prefix), "%s-", c->tag);
	snprintf(release, sizeof(release), "release-%s", prefix);
	snprintf(name, sizeof(name), "/%s%ld-ipc", prefix, (long)job);
	remove_prefixed("/tmp", prefix);
	remove_prefixed("/dev/shm", prefix);
	remove_prefixed("/run", prefix);
	if (c->dir[0]) {
		remove_prefixed(c->dir, prefix);
		remove_prefixed(c->dir, release);
	}
	boxed_selftest_ipc_remove(boxed_selftest_ipc_key(job), name);
}
