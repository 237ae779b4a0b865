/* The outer side: sets the stage (a caller uid, files of the caller), runs
 * each probe through the installed runner, and judges the answers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "die.h"
#include "fsutil.h"
#include "landlock.h"
#include "layout.h"
#include "selftest.h"

#define OUTPUT_MAX (1u << 20)

void boxed_selftest_run_free(struct boxed_selftest_run *r)
{
	free(r->out);
	free(r->err);
	cJSON_Delete(r->doc);
	cJSON_Delete(r->verdict);
	memset(r, 0, sizeof(*r));
}

double boxed_selftest_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* In the child, before exec: become the caller. Every call is checked; a
 * partial drop would make the probe test root instead of a caller. */
void boxed_selftest_become_caller(const struct boxed_selftest_ctx *c)
{
	if (!c->root || c->control)
		return;
	if (setgroups(1, &c->group) != 0)
		boxed_die_errno("setgroups");
	if (setresgid(c->caller_gid, c->caller_gid, c->caller_gid) != 0)
		boxed_die_errno("setresgid(%u)", (unsigned)c->caller_gid);
	if (setresuid(c->caller, c->caller, c->caller) != 0)
		boxed_die_errno("setresuid(%u)", (unsigned)c->caller);
	gid_t g[2];
	if (getuid() != c->caller || geteuid() != c->caller || getegid() != c->caller_gid ||
	    getgroups(2, g) != 1 || g[0] != c->group)
		boxed_die("the drop to uid %u did not hold", (unsigned)c->caller);
}

/* Plant what the sandbox must not inherit: variables that would steer an
 * interpreter, and an open fd without close-on-exec. LD_PRELOAD is not
 * among them: it would steer the runner itself (the kernel's secure-exec
 * mode drops it for a binary with file capabilities anyway). */
static void plant(void)
{
	int fd;

	if (setenv("BOXED_SELFTEST_SECRET", "1", 1) || setenv("PYTHONPATH", "/nonexistent", 1))
		boxed_die_errno("setenv");
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 7) != 7)
		boxed_die_errno("open /dev/null as fd 7");
	if (fd != 7)
		close(fd);
}

/* With via_caller, the forked process stays as the runner's caller: it
 * forks the runner and waits for it, holding none of its pipes, so that a
 * probe can kill the caller alone. Returns in the runner's process. */
static void become_parent_of_runner(void)
{
	pid_t pid = fork();
	int null;

	if (pid < 0)
		boxed_die_errno("fork");
	if (pid == 0)
		return;
	null = open("/dev/null", O_WRONLY);
	if (null < 0 || dup2(null, 1) != 1 || dup2(null, 2) != 2)
		_exit(127);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* Start the runner (or the probe directly); stdout to *outfd. */
pid_t boxed_selftest_spawn(const struct boxed_selftest_ctx *c,
			   const struct boxed_selftest_spawn_opts *o, const char *probe,
			   const char *const *args, int *outfd, int *errfd)
{
	const char *argv[64];
	int n = 0, p[2], e[2];
	pid_t pid;

	if (!o->direct) {
		argv[n++] = BOXED_RUNNER_PATH;
		for (const char *const *l = o->limits; l && *l; l++)
			argv[n++] = *l;
		argv[n++] = "--wait=10";
		argv[n++] = "--json";
		argv[n++] = "--";
	}
	argv[n++] = BOXED_SELFTEST_PATH;
	argv[n++] = "--probe";
	argv[n++] = probe;
	for (; args && *args && n < 62; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	if (pipe2(p, O_CLOEXEC) || pipe2(e, O_CLOEXEC))
		boxed_die_errno("pipe2");
	pid = fork();
	if (pid < 0)
		boxed_die_errno("fork");
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null < 0 || dup2(null, 0) != 0 || dup2(p[1], 1) != 1 || dup2(e[1], 2) != 2)
			boxed_die_errno("redirect");
		if (o->plant)
			plant();
		/* Unsandboxed, root stands for a caller in the runner's group,
		 * so that the groups probe has a membership to detect. */
		if (o->direct && c->control && c->root && setgroups(1, &c->group) != 0)
			boxed_die_errno("setgroups");
		boxed_selftest_become_caller(c);
		if (o->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
			boxed_die_errno("prctl(PR_SET_NO_NEW_PRIVS)");
		if (o->via_caller)
			become_parent_of_runner();
		execv(argv[0], (char **)argv);
		boxed_die_errno("execv %s", argv[0]);
	}
	close(p[1]);
	close(e[1]);
	*outfd = p[0];
	*errfd = e[0];
	return pid;
}

static char *read_bounded(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;

	if (!buf)
		boxed_die("out of memory");
	for (;;) {
		if (len + 1 == cap) {
			if (cap >= OUTPUT_MAX)
				break;
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				boxed_die("out of memory");
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	return buf;
}

/* The verdict is the last line of the probe's stdout that parses. */
static cJSON *parse_verdict(const char *text)
{
	const char *nl, *line = text;
	cJSON *v = NULL;

	while (line && *line) {
		nl = strchr(line, '\n');
		cJSON *x = cJSON_ParseWithLength(line, nl ? (size_t)(nl - line) : strlen(line));

		if (x && cJSON_IsObject(x)) {
			cJSON_Delete(v);
			v = x;
		} else {
			cJSON_Delete(x);
		}
		line = nl ? nl + 1 : NULL;
	}
	return v;
}

void boxed_selftest_finish_run(const struct boxed_selftest_ctx *c,
			       const struct boxed_selftest_spawn_opts *o, pid_t pid, int fd,
			       int efd, struct boxed_selftest_run *r)
{
	memset(r, 0, sizeof(*r));
	/* stdout first, then stderr: in --json mode the runner captures the
	 * target's stderr, so its own stderr is a few lines at most. */
	r->out = read_bounded(fd);
	r->err = read_bounded(efd);
	r->err[strcspn(r->err, "\n")] = '\0';
	while (waitpid(pid, &r->status, 0) < 0)
		if (errno != EINTR)
			boxed_die_errno("waitpid");
	r->slot_uid = -1;
	r->sealed = -1;
	if (o->direct || c->control) {
		r->target_stdout = r->out;
	} else {
		cJSON *rep, *x;

		r->doc = cJSON_Parse(r->out);
		rep = cJSON_GetObjectItemCaseSensitive(r->doc, "report");
		x = cJSON_GetObjectItemCaseSensitive(rep, "outcome");
		r->outcome = cJSON_IsString(x) ? x->valuestring : NULL;
		x = cJSON_GetObjectItemCaseSensitive(rep, "reason");
		r->reason = cJSON_IsString(x) ? x->valuestring : NULL;
		x = cJSON_GetObjectItemCaseSensitive(rep, "message");
		r->message = cJSON_IsString(x) ? x->valuestring : NULL;
		x = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(rep, "hardening"), "sealed");
		r->sealed = cJSON_IsBool(x) ? cJSON_IsTrue(x) : -1;
		x = cJSON_GetObjectItemCaseSensitive(rep, "wall_time");
		r->wall = cJSON_IsNumber(x) ? x->valuedouble : -1;
		x = cJSON_GetObjectItemCaseSensitive(rep, "slot_uid");
		r->slot_uid = cJSON_IsNumber(x) ? (long)x->valuedouble : -1;
		x = cJSON_GetObjectItemCaseSensitive(r->doc, "stdout");
		r->target_stdout = cJSON_IsString(x) ? x->valuestring : NULL;
		if (!r->outcome)
			r->message = r->err[0] ? r->err : "the runner printed no JSON report";
	}
	if (r->target_stdout)
		r->verdict = parse_verdict(r->target_stdout);
}

void boxed_selftest_run_probe(const struct boxed_selftest_ctx *c,
			      const struct boxed_selftest_spawn_opts *o, const char *probe,
			      const char *const *args, struct boxed_selftest_run *r)
{
	int fd, efd;
	struct boxed_selftest_spawn_opts d = *o;
	pid_t pid;

	d.direct = o->direct || c->control;
	pid = boxed_selftest_spawn(c, &d, probe, args, &fd, &efd);
	boxed_selftest_finish_run(c, &d, pid, fd, efd, r);
}

/* An isolation probe: the same inner side, judged by boxed_selftest_classify. */
static void isolation_run(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
			  const char *probe, const char *const *args, const char *fix, int fork)
{
	/* Room for one child: the setuid-root exec needs a fork. */
	static const char *const nproc2[] = {"--nproc", "2", NULL};
	struct boxed_selftest_spawn_opts opts = {.plant = 1, .limits = fork ? nproc2 : NULL};
	struct boxed_selftest_run r;

	boxed_selftest_run_probe(c, &opts, probe, args, &r);
	boxed_selftest_classify(res, c->control, c->control ? NULL : r.outcome, r.message,
				r.verdict, fix);
	if (!c->control && res->status == BOXED_ST_PASS && !strcmp(probe, "identity") &&
	    c->have_config && !boxed_config_slot_contains(&c->cfg, (unsigned long)r.slot_uid))
		boxed_selftest_set(res, BOXED_ST_FAIL, fix, "slot uid %ld is outside the range",
				   r.slot_uid);
	boxed_selftest_run_free(&r);
}

static void isolation(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
		      const char *probe, const char *const *args, const char *fix)
{
	isolation_run(c, res, probe, args, fix, 0);
}

#define FIX_DROP                                                                                   \
	"reinstall the runner (boxed-setup install) and check its log; the drop "                  \
	"in boxed-run did not hold"

static char num_buf[8][32];

static const char *num(int i, unsigned long v)
{
	snprintf(num_buf[i], sizeof(num_buf[i]), "%lu", v);
	return num_buf[i];
}

static void p_identity(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	const char *args[] = {num(0, c->caller), NULL};

	isolation(c, r, "identity", args, FIX_DROP);
}

static void p_groups(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	isolation(c, r, "groups", NULL, FIX_DROP);
}

static void p_caps(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	if (c->control && !c->root) {
		boxed_selftest_set(
		    r, BOXED_ST_SKIP, NULL,
		    "a non-root caller has no capabilities to detect; run --control as root");
		return;
	}
	isolation(c, r, "capabilities", NULL, FIX_DROP);
}

static void p_nnp(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	isolation(c, r, "no-new-privs", NULL, FIX_DROP);
}

static void p_seccomp(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	isolation(c, r, "seccomp", NULL,
		  "the kernel must have CONFIG_SECCOMP_FILTER; reinstall boxed-run");
}

static void p_reescalate(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	const char *args[] = {num(1, c->caller), num(2, c->caller_gid), c->suid, NULL};

	isolation_run(c, r, "re-escalation", args, FIX_DROP, 1);
	if (!c->suid[0] && r->status == BOXED_ST_PASS) {
		size_t l = strlen(r->message);

		snprintf(r->message + l, sizeof(r->message) - l,
			 " (setuid-root exec not tested: needs root to plant the binary)");
	}
}

static void p_files(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	const char *args[] = {c->secret600, c->secret640, NULL};

	isolation(c, r, "caller-files", args,
		  "the sandbox must run as a uid outside every group of the caller: check "
		  "that the slot range holds no account (boxed-setup audit)");
}

static void p_write(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	const char *args[] = {c->open_dir, "/var/tmp", NULL, NULL};
	struct passwd *pw = getpwuid(c->caller);

	if (pw && pw->pw_dir && access(pw->pw_dir, F_OK) == 0 && strcmp(pw->pw_dir, "/"))
		args[2] = pw->pw_dir;
	isolation(c, r, "home-and-tmp", args,
		  "Landlock must be enabled: boot with lsm=...,landlock and check the "
		  "report's hardening.degraded");
}

/* The pid, as the host numbers it, of the sleeper probe started as pid
 * (a run's supervisor, or in control mode the probe itself): the process
 * named boxed-selftest of a slot uid whose parent's parent is pid, or pid
 * itself when it is one. 0 when it does not show up within 2 s. */
static pid_t find_sleeper(const struct boxed_selftest_ctx *c, pid_t pid)
{
	struct timespec pause = {0, 20 * 1000 * 1000};

	if (c->control)
		return pid;
	for (int attempt = 0; attempt < 100; attempt++) {
		DIR *dir = opendir("/proc");
		struct dirent *e;
		pid_t found = 0;

		while (dir && !found && (e = readdir(dir))) {
			char path[64], text[2048];
			long p = strtol(e->d_name, NULL, 10), ruid = -1;
			FILE *f;

			snprintf(path, sizeof(path), "/proc/%ld/status", p);
			if (p <= 0 || !(f = fopen(path, "re")))
				continue;
			text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
			fclose(f);
			if (strstr(text, "Name:\tboxed-selftest") && strstr(text, "\nUid:\t"))
				ruid = strtol(strstr(text, "\nUid:\t") + 6, NULL, 10);
			if (c->have_config && ruid >= (long)c->cfg.first_uid &&
			    ruid < (long)(c->cfg.first_uid + c->cfg.slot_count))
				found = (pid_t)p;
		}
		if (dir)
			closedir(dir);
		if (found)
			return found;
		nanosleep(&pause, NULL);
	}
	return 0;
}

static void p_procs(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	static const char *const sleeper_limits[] = {"--timeout", "8", NULL};
	struct boxed_selftest_spawn_opts so = {.limits = sleeper_limits};
	const char *args[] = {NULL, NULL, NULL};
	int fd, efd;
	pid_t pid, target;
	struct boxed_selftest_run s;

	/* A concurrent run to aim at, and a process of the caller's (its
	 * runner): both must be out of reach. */
	so.direct = c->control;
	pid = boxed_selftest_spawn(c, &so, "sleeper", NULL, &fd, &efd);
	target = find_sleeper(c, pid);
	if (!target) {
		boxed_selftest_set(r, BOXED_ST_DUBIOUS, NULL,
				   "the concurrent run to test against did not start");
	} else {
		args[0] = num(3, (unsigned long)pid);
		args[1] = num(4, (unsigned long)target);
		isolation(c, r, "signals-ptrace-proc", args,
			  "each run needs its own PID namespace (unprivileged user namespaces) or, "
			  "unsealed, its own uid and Landlock ABI 6 scoping");
	}
	kill(pid, c->control ? SIGKILL : SIGTERM);
	boxed_selftest_finish_run(c, &so, pid, fd, efd, &s);
	boxed_selftest_run_free(&s);
}

static void p_fds(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	isolation(c, r, "fds", NULL, "boxed-run must close every fd but the protocol's");
}

static void p_env(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	isolation(c, r, "environment", NULL,
		  "boxed-run must build the environment from its allow-list");
}

static void p_tty(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	isolation(c, r, "tty", NULL,
		  "boxed-run must call setsid() before exec; set dev.tty.legacy_tiocsti=0");
}

/* A limit: the runner's outcome is what is judged. */
static void limit_run(const struct boxed_selftest_ctx *c, const char *const *limits,
		      const char *probe, const char *const *args, struct boxed_selftest_run *r)
{
	struct boxed_selftest_spawn_opts o = {.limits = limits};

	boxed_selftest_run_probe(c, &o, probe, args, r);
}

#define FIX_LIMIT "check the limits in the configuration and the runner's log"

static int no_report(struct boxed_selftest_result *res, const struct boxed_selftest_run *r)
{
	if (r->outcome)
		return 0;
	boxed_selftest_set(res, BOXED_ST_FAIL, FIX_DROP, "no report: %s",
			   r->message ? r->message : "?");
	return 1;
}

static void p_timeout(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res)
{
	static const char *const l[] = {"--timeout", "0.3", NULL};
	struct boxed_selftest_run r;

	limit_run(c, l, "spin", NULL, &r);
	if (no_report(res, &r))
		;
	else if (strcmp(r.outcome, "timeout") || r.wall < 0.3 || r.wall > 0.4)
		boxed_selftest_set(
		    res, BOXED_ST_FAIL, FIX_LIMIT,
		    "--timeout 0.3: outcome %s after %.3f s (want timeout in 0.3-0.4 s)", r.outcome,
		    r.wall);
	else
		boxed_selftest_set(res, BOXED_ST_PASS, NULL,
				   "--timeout 0.3: outcome timeout after %.3f s", r.wall);
	boxed_selftest_run_free(&r);
}

static void p_memory(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res)
{
	static const char *const l[] = {"--memory", "64M", NULL};
	struct boxed_selftest_run r;

	limit_run(c, l, "hog", NULL, &r);
	if (no_report(res, &r))
		;
	else if (strcmp(r.outcome, "memory"))
		boxed_selftest_set(res, BOXED_ST_FAIL, FIX_LIMIT,
				   "--memory 64M: a memory hog ended as %s (want memory)",
				   r.outcome);
	else
		boxed_selftest_set(res, BOXED_ST_PASS, NULL,
				   "--memory 64M: a memory hog ended as memory");
	boxed_selftest_run_free(&r);
}

/* Processes of uid whose command line holds probe (another run can reuse
 * the slot at once, so the uid alone would blame the wrong run). */
int boxed_selftest_count_procs(long uid, const char *probe)
{
	DIR *dir = opendir("/proc");
	struct dirent *e;
	char path[300], cmd[512], status[4096], *line;
	int n = 0;

	if (!dir)
		return 0;
	while ((e = readdir(dir))) {
		int fd;
		ssize_t len;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		/* Not the owner of /proc/PID: that is root for a process made
		 * non-dumpable by its credential change. */
		snprintf(path, sizeof(path), "%s/status", e->d_name);
		fd = openat(dirfd(dir), path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, status, sizeof(status) - 1);
		close(fd);
		if (len <= 0)
			continue;
		status[len] = '\0';
		line = strstr(status, "\nUid:");
		if (!line || strtol(line + 5, NULL, 10) != uid)
			continue;
		snprintf(path, sizeof(path), "%s/cmdline", e->d_name);
		fd = openat(dirfd(dir), path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		if (len <= 0)
			continue;
		for (ssize_t i = 0; i < len; i++)
			if (cmd[i] == '\0')
				cmd[i] = ' ';
		cmd[len] = '\0';
		if (strstr(cmd, probe))
			n++;
	}
	closedir(dir);
	return n;
}

static void p_nproc(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res)
{
	static const char *const l[] = {"--nproc", "4", NULL};
	struct boxed_selftest_run r;

	limit_run(c, l, "fork-bomb", NULL, &r);
	boxed_selftest_classify(res, 0, r.outcome, r.message, r.verdict, FIX_LIMIT);
	if (res->status == BOXED_ST_PASS && r.slot_uid >= 0 &&
	    boxed_selftest_count_procs(r.slot_uid, "fork-bomb"))
		boxed_selftest_set(res, BOXED_ST_FAIL, FIX_LIMIT,
				   "fork-bomb processes of uid %ld survived the run", r.slot_uid);
	boxed_selftest_run_free(&r);
}

static void p_output(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res)
{
	static const char *const l[] = {"--output", "4096", NULL};
	struct boxed_selftest_run r;
	size_t kept;

	limit_run(c, l, "flood", NULL, &r);
	/* Kept means the first bytes, intact: the flood is all 'x'. */
	kept = r.target_stdout ? strspn(r.target_stdout, "x") : 0;
	if (r.target_stdout && r.target_stdout[kept] != '\0')
		kept = 0;
	if (no_report(res, &r))
		;
	else if (strcmp(r.outcome, "output-limit") || kept != 4096)
		boxed_selftest_set(
		    res, BOXED_ST_FAIL, FIX_LIMIT,
		    "--output 4096: outcome %s, %zu bytes kept (want output-limit, 4096)",
		    r.outcome, kept);
	else
		boxed_selftest_set(res, BOXED_ST_PASS, NULL,
				   "--output 4096: outcome output-limit, first 4096 bytes kept");
	boxed_selftest_run_free(&r);
}

static void p_fsize(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res)
{
	static const char *const l[] = {"--fsize", "65536", NULL};
	static const char *const a[] = {"65536", NULL};
	struct boxed_selftest_run r;

	limit_run(c, l, "fsize", a, &r);
	boxed_selftest_classify(res, 0, r.outcome, r.message, r.verdict, FIX_LIMIT);
	boxed_selftest_run_free(&r);
}

static void p_leftover(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res)
{
	static const char *const l[] = {"--nproc", "4", NULL};
	struct boxed_selftest_run r;
	int left;

	limit_run(c, l, "daemon", NULL, &r);
	if (no_report(res, &r))
		;
	else if (strcmp(r.outcome, "ok") || r.slot_uid < 0)
		boxed_selftest_set(res, BOXED_ST_DUBIOUS, FIX_LIMIT,
				   "the daemon probe ended as %s: nothing to check", r.outcome);
	else if ((left = boxed_selftest_count_procs(r.slot_uid, "daemon")) != 0)
		boxed_selftest_set(res, BOXED_ST_FAIL,
				   "boxed-run must kill every process of the slot uid at the end",
				   "%d double-forked daemon(s) of slot uid %ld survived the run",
				   left, r.slot_uid);
	else
		boxed_selftest_set(res, BOXED_ST_PASS, NULL,
				   "a double-forked daemon of slot uid %ld is gone after the run",
				   r.slot_uid);
	boxed_selftest_run_free(&r);
}

static void p_failclosed(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res)
{
	struct boxed_selftest_spawn_opts o = {.no_new_privs = 1};
	struct boxed_selftest_run r;

	/* Under no_new_privs the kernel grants no file capabilities: the
	 * runner must notice and refuse, not run the target half-dropped. */
	boxed_selftest_run_probe(c, &o, "marker", NULL, &r);
	if (r.out && strstr(r.out, "executed"))
		boxed_selftest_set(
		    res, BOXED_ST_FAIL, FIX_DROP,
		    "under no_new_privs (no file capabilities) the target was executed");
	else if (!r.outcome || strcmp(r.outcome, "sandbox-error"))
		boxed_selftest_set(res, BOXED_ST_FAIL, FIX_DROP,
				   "under no_new_privs: outcome %s (want sandbox-error)",
				   r.outcome ? r.outcome : "none");
	else
		boxed_selftest_set(res, BOXED_ST_PASS, NULL,
				   "under no_new_privs: sandbox-error, target not executed (%s)",
				   r.message ? r.message : "");
	boxed_selftest_run_free(&r);
}

static void p_config(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	if (c->have_config)
		boxed_selftest_set(r, BOXED_ST_PASS, NULL, "%s is trusted and valid",
				   BOXED_CONFIG_PATH);
	else
		boxed_selftest_set(r, BOXED_ST_FAIL,
				   "make it root-owned and not writable by group or others "
				   "(chown root:root, chmod 0644), or run boxed-setup install",
				   "%s", c->config_err);
}

static void p_mount(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	struct statvfs sv;

	(void)c;
	if (statvfs(BOXED_RUNNER_PATH, &sv) != 0)
		boxed_selftest_set(r, BOXED_ST_FAIL, "run boxed-setup install", "statvfs %s: %s",
				   BOXED_RUNNER_PATH, strerror(errno));
	else if (sv.f_flag & ST_NOSUID)
		boxed_selftest_set(
		    r, BOXED_ST_FAIL,
		    "remount without nosuid, or install boxed on another filesystem",
		    "%s is on a nosuid mount: the kernel ignores its file capabilities",
		    BOXED_RUNNER_PATH);
	else
		boxed_selftest_set(r, BOXED_ST_PASS, NULL,
				   "%s's filesystem honours file capabilities", BOXED_RUNNER_PATH);
}

/* The installation audit: each finding is its own result. */
static size_t p_audit(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
		      size_t room)
{
	const char *argv[] = {BOXED_SETUP_PATH, "audit", "--json", NULL};
	int p[2], st;
	pid_t pid;
	char *out;
	cJSON *doc, *items, *it;
	size_t n = 0;

	(void)c;
	snprintf(res[0].name, sizeof(res[0].name), "audit");
	if (pipe2(p, O_CLOEXEC))
		boxed_die_errno("pipe2");
	pid = fork();
	if (pid < 0)
		boxed_die_errno("fork");
	if (pid == 0) {
		if (dup2(p[1], 1) != 1)
			_exit(127);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	close(p[1]);
	out = read_bounded(p[0]);
	waitpid(pid, &st, 0);
	doc = cJSON_Parse(out);
	items = cJSON_GetObjectItemCaseSensitive(doc, "findings");
	if (!cJSON_IsArray(items)) {
		boxed_selftest_set(&res[0], getuid() ? BOXED_ST_DUBIOUS : BOXED_ST_FAIL,
				   "run boxed-selftest as root to include the audit",
				   "%s audit --json gave no findings (status %d)", BOXED_SETUP_PATH,
				   WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		free(out);
		cJSON_Delete(doc);
		return 1;
	}
	cJSON_ArrayForEach(it, items)
	{
		const cJSON *sev = cJSON_GetObjectItemCaseSensitive(it, "severity");
		const cJSON *chk = cJSON_GetObjectItemCaseSensitive(it, "check");
		const cJSON *sub = cJSON_GetObjectItemCaseSensitive(it, "subject");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(it, "message");
		const char *s = cJSON_IsString(sev) ? sev->valuestring : "?";
		enum boxed_selftest_status status = BOXED_ST_PASS;
		struct boxed_selftest_result *r = &res[n];

		if (n == room)
			break;
		if (!strcmp(s, "warning"))
			status = BOXED_ST_WARN;
		else if (!strcmp(s, "unchecked"))
			/* What only root may look at, for a caller who is not:
			 * the audit as root covers it. */
			status = BOXED_ST_SKIP;
		else if (strcmp(s, "ok") && strcmp(s, "info"))
			status = BOXED_ST_FAIL;
		const char *text = cJSON_IsString(msg) ? msg->valuestring : "";
		const char *fix = strstr(text, "; fix: ");

		memset(r, 0, sizeof(*r));
		snprintf(r->name, sizeof(r->name), "audit:%s",
			 cJSON_IsString(chk) ? chk->valuestring : "?");
		/* The audit's message carries its own fix, where it has one. */
		boxed_selftest_set(r, status,
				   status == BOXED_ST_PASS ? NULL
				   : fix		   ? fix + 7
							   : "see boxed-setup audit",
				   "%s: %s: %.*s", s, cJSON_IsString(sub) ? sub->valuestring : "",
				   fix ? (int)(fix - text) : (int)strlen(text), text);
		n++;
	}
	free(out);
	cJSON_Delete(doc);
	return n;
}

/* A /proc/sys value as a number; -1 when absent. */
long boxed_selftest_sysctl_num(const char *path)
{
	char buf[64] = "";
	FILE *f = fopen(path, "re");
	long v = -1;

	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, 10);
	fclose(f);
	return v;
}

static void host_landlock(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	long abi = boxed_landlock_abi();

	(void)c;
	if (abi < 1)
		boxed_selftest_set(
		    r, BOXED_ST_WARN,
		    "boot with Landlock enabled: add landlock to the kernel's lsm= list (for "
		    "example in GRUB_CMDLINE_LINUX of /etc/default/grub, then update-grub) and "
		    "reboot",
		    "Landlock unavailable (%s): the sandbox can write wherever its uid may",
		    strerror(errno));
	else if (abi < 6)
		boxed_selftest_set(r, BOXED_ST_WARN, "upgrade to Linux 6.12 or later",
				   "Landlock ABI %ld: signals and abstract sockets are not scoped",
				   abi);
	else
		boxed_selftest_set(r, BOXED_ST_PASS, NULL, "Landlock ABI %ld", abi);
}

static void host_seccomp(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	(void)c;
	if (access("/proc/sys/kernel/seccomp/actions_avail", R_OK) != 0)
		boxed_selftest_set(r, BOXED_ST_WARN, "use a kernel with CONFIG_SECCOMP_FILTER",
				   "seccomp filters unavailable");
	else
		boxed_selftest_set(r, BOXED_ST_PASS, NULL, "seccomp filters available");
}

static void host_one(struct boxed_selftest_result *r, const char *path, const char *key, long want,
		     const char *why)
{
	long v = boxed_selftest_sysctl_num(path);
	char fix[320];

	boxed_selftest_sysctl_fix(fix, sizeof(fix), key, want);
	if (v < 0)
		boxed_selftest_set(r, BOXED_ST_WARN, NULL, "%s is absent on this kernel: %s", key,
				   why);
	else if (v < want)
		boxed_selftest_set(r, BOXED_ST_WARN, fix, "%s=%ld: %s", key, v, why);
	else
		boxed_selftest_set(r, BOXED_ST_PASS, NULL, "%s=%ld", key, v);
}

static void host_tiocsti(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	long v = boxed_selftest_sysctl_num("/proc/sys/dev/tty/legacy_tiocsti");

	(void)c;
	if (v == 1) {
		char fix[320];

		boxed_selftest_sysctl_fix(fix, sizeof(fix), "dev.tty.legacy_tiocsti", 0);
		boxed_selftest_set(r, BOXED_ST_WARN, fix,
				   "dev.tty.legacy_tiocsti=1: a process with a terminal fd can "
				   "inject input into it");
	} else
		boxed_selftest_set(r, BOXED_ST_PASS, NULL, "dev.tty.legacy_tiocsti=%ld%s", v,
				   v < 0 ? " (absent: TIOCSTI predates the switch)" : "");
}

static void host_ptrace(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	(void)c;
	host_one(r, "/proc/sys/kernel/yama/ptrace_scope", "kernel.yama.ptrace_scope", 1,
		 "without Yama, ptrace is limited only by uid and the runner's seccomp filter");
}

static void host_symlinks(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	(void)c;
	host_one(r, "/proc/sys/fs/protected_symlinks", "fs.protected_symlinks", 1,
		 "symlinks in sticky directories such as /tmp can redirect other users");
}

static void host_hardlinks(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	(void)c;
	host_one(r, "/proc/sys/fs/protected_hardlinks", "fs.protected_hardlinks", 1,
		 "a sandbox can hard-link files it cannot write, e.g. setuid binaries");
}

static void host_regular(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	(void)c;
	host_one(r, "/proc/sys/fs/protected_regular", "fs.protected_regular", 2,
		 "O_CREAT on another user's file in a sticky directory is allowed");
}

enum kind { K_ISOLATION, K_LIMIT, K_INSTALL, K_HOST };

static const struct probe_def {
	const char *name;
	enum kind kind;
	void (*fn)(const struct boxed_selftest_ctx *, struct boxed_selftest_result *);
	const char *what;
} probes[] = {
    {"identity", K_ISOLATION, p_identity, "uids and gids (r/e/s/fs) are the slot's"},
    {"groups-empty", K_ISOLATION, p_groups, "no supplementary groups"},
    {"capabilities", K_ISOLATION, p_caps, "CapInh, CapPrm, CapEff, CapAmb are 0"},
    {"no-new-privs", K_ISOLATION, p_nnp, "NoNewPrivs is 1"},
    {"seccomp", K_ISOLATION, p_seccomp, "Seccomp is 2 (filter)"},
    {"re-escalation", K_ISOLATION, p_reescalate,
     "setuid(0), setuid(caller), setgid(0) are refused; a setuid-root exec does not elevate"},
    {"caller-files", K_ISOLATION, p_files,
     "a 0600 and a 0640 group file of the caller are unreadable"},
    {"home-and-tmp", K_ISOLATION, p_write,
     "the caller's directories and /var/tmp are not writable; the private dir is"},
    {"signals-ptrace-proc", K_ISOLATION, p_procs,
     "no kill, ptrace or environ of the caller or another run"},
    {"fds", K_ISOLATION, p_fds, "only fds 0, 1, 2 are open"},
    {"environment", K_ISOLATION, p_env, "only the allow-listed variables arrive"},
    {"tty", K_ISOLATION, p_tty, "no controlling tty"},
    {"ipc", K_ISOLATION, boxed_selftest_seal_ipc,
     "SysV and POSIX IPC of a run: invisible to the host and other runs, gone after it"},
    {"run-ends", K_ISOLATION, boxed_selftest_seal_run_ends,
     "nothing of a run outlives its runner's SIGKILL or SIGSTOP, or its caller, by 100 ms"},
    {"proc-private", K_ISOLATION, boxed_selftest_seal_proc_private,
     "/proc lists the run alone; no host process's cmdline, environ or status is readable"},
    {"private-files", K_ISOLATION, boxed_selftest_seal_private_files,
     "the run's directory, /tmp and /dev/shm are its own and gone after it"},
    {"disk-limit", K_ISOLATION, boxed_selftest_seal_disk_limit,
     "--disk bounds the run's directory, /tmp and /dev/shm together (ENOSPC)"},
    {"no-network", K_ISOLATION, boxed_selftest_seal_no_network,
     "--no-network: no inet socket, no abstract or host unix socket either way"},
    {"memory-run-wide", K_ISOLATION, boxed_selftest_seal_memory,
     "--memory bounds the run as a whole: several processes, SysV shm; no memfd"},
    {"limit-timeout", K_LIMIT, p_timeout, "an endless loop ends as timeout within 100 ms"},
    {"limit-memory", K_LIMIT, p_memory, "a memory hog ends as memory"},
    {"limit-nproc", K_LIMIT, p_nproc, "a fork bomb is contained and leaves nothing"},
    {"limit-output", K_LIMIT, p_output, "an output flood ends as output-limit, first N bytes kept"},
    {"limit-fsize", K_LIMIT, p_fsize, "a file cannot grow past the fsize limit"},
    {"leftover-processes", K_LIMIT, p_leftover, "a double-forked daemon is killed with the run"},
    {"fail-closed", K_LIMIT, p_failclosed, "under no_new_privs the runner gives sandbox-error"},
    {"config", K_INSTALL, p_config, "the configuration is trusted and valid"},
    {"runner-mount", K_INSTALL, p_mount, "the runner's filesystem is not nosuid"},
    {"audit", K_INSTALL, NULL, "each finding of boxed-setup audit"},
    {"host-landlock", K_HOST, host_landlock, "Landlock ABI (warning)"},
    {"host-seccomp", K_HOST, host_seccomp, "seccomp filters (warning)"},
    {"host-userns", K_HOST, boxed_selftest_host_userns,
     "what sealing runs needs of this host, and whether a real run is sealed"},
    {"host-tiocsti", K_HOST, host_tiocsti, "dev.tty.legacy_tiocsti (warning)"},
    {"host-ptrace-scope", K_HOST, host_ptrace, "kernel.yama.ptrace_scope (warning)"},
    {"host-protected-symlinks", K_HOST, host_symlinks, "fs.protected_symlinks (warning)"},
    {"host-protected-hardlinks", K_HOST, host_hardlinks, "fs.protected_hardlinks (warning)"},
    {"host-protected-regular", K_HOST, host_regular, "fs.protected_regular (warning)"},
};

#define NPROBES (sizeof(probes) / sizeof(probes[0]))
#define AUDIT_ROOM 96

void boxed_selftest_list(FILE *out)
{
	for (size_t i = 0; i < NPROBES; i++)
		fprintf(out, "%-26s %s\n", probes[i].name, probes[i].what);
}

/* ---- the stage ---- */

static struct boxed_selftest_ctx *cleanup_ctx;

static void remove_user(void)
{
	struct boxed_selftest_ctx *c = cleanup_ctx;
	pid_t pid;

	if (!c || !c->user[0])
		return;
	/* Interrupted, runners of the throwaway caller may still be going,
	 * and userdel refuses a user with processes: end them first, as that
	 * uid, so nothing else can be hit (their targets follow by
	 * PDEATHSIG). */
	pid = fork();
	if (pid == 0) {
		if (setresuid(c->caller, c->caller, c->caller) != 0)
			_exit(1);
		kill(-1, SIGKILL);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	pid = fork();
	if (pid == 0) {
		execl("/usr/sbin/userdel", "userdel", c->user, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	c->user[0] = '\0';
}

static pid_t main_pid;
static pid_t job_pids[64]; /* the probe processes, to end on a signal */
static size_t job_count;

static void on_exit_cleanup(void)
{
	struct boxed_selftest_ctx *c = cleanup_ctx;

	if (getpid() != main_pid || !c)
		return;
	/* On a signal, probe processes may still be starting runners. */
	for (size_t i = 0; i < job_count; i++)
		if (job_pids[i] > 0 && kill(job_pids[i], SIGKILL) == 0) {
			waitpid(job_pids[i], NULL, 0);
			boxed_selftest_seal_leftovers(c, job_pids[i]);
		}
	if (c->dir[0]) {
		unlink(c->secret600);
		unlink(c->secret640);
		if (c->suid[0])
			unlink(c->suid);
		rmdir(c->open_dir);
		rmdir(c->dir);
	}
	remove_user();
}

static void on_signal(int sig)
{
	(void)sig;
	exit(BOXED_SELFTEST_EXIT_CANNOT); /* runs on_exit_cleanup: the user goes */
}

static int run_cmd(const char *const *argv)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, 1);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Refuse to run (exit 2) with the reason. */
__attribute__((noreturn, format(printf, 1, 2))) static void cannot(const char *fmt, ...)
{
	va_list ap;

	fputs("boxed-selftest: cannot run: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(BOXED_SELFTEST_EXIT_CANNOT);
}

static void make_caller(struct boxed_selftest_ctx *c)
{
	struct group *gr = getgrgid(c->group);
	struct passwd *pw;
	const char *argv[] = {"/usr/sbin/useradd",
			      "--system",
			      "--no-create-home",
			      "--shell",
			      "/usr/sbin/nologin",
			      "--groups",
			      NULL,
			      NULL,
			      NULL};

	if (!gr)
		cannot("the group of %s (gid %u) has no name in the group database; give it "
		       "one, or rerun boxed-setup install",
		       BOXED_RUNNER_PATH, (unsigned)c->group);
	snprintf(c->user, sizeof(c->user), "%s", c->tag);
	argv[6] = gr->gr_name;
	argv[7] = c->user;
	if (run_cmd(argv) != 0) {
		c->user[0] = '\0';
		cannot("useradd of a throwaway caller in group %s failed", gr->gr_name);
	}
	pw = getpwnam(c->user);
	if (!pw)
		cannot("the new user %s is not found", c->user);
	c->caller = pw->pw_uid;
	c->caller_gid = pw->pw_gid;
}

static int write_file(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return -1;
	if (write(fd, "secret\n", 7) != 7 || fchown(fd, uid, gid) || fchmod(fd, mode)) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* A setuid-root copy of id(1): running it must not give euid 0. */
static int make_suid(struct boxed_selftest_ctx *c)
{
	int in = open("/usr/bin/id", O_RDONLY | O_CLOEXEC), out;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return -1;
	snprintf(c->suid, sizeof(c->suid), "%s/suid-id", c->dir);
	out = open(c->suid, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			n = -1;
	close(in);
	if (n < 0 || fchown(out, 0, 0) || fchmod(out, 04755)) {
		close(out);
		return -1;
	}
	return close(out);
}

static void make_stage(struct boxed_selftest_ctx *c)
{
	/* Not /tmp: a sealed run has its own, and would not see these. */
	snprintf(c->dir, sizeof(c->dir), "/var/tmp/boxed-selftest.%ld.XXXXXX", (long)getpid());
	if (!mkdtemp(c->dir))
		cannot("mkdtemp: %s", strerror(errno));
	snprintf(c->secret600, sizeof(c->secret600), "%s/secret-0600", c->dir);
	snprintf(c->secret640, sizeof(c->secret640), "%s/secret-0640", c->dir);
	snprintf(c->open_dir, sizeof(c->open_dir), "%s/open", c->dir);
	/* Traversable, so only the files' own modes (and the slot's lack of the
	 * caller's groups) stand between the sandbox and their content. */
	if (chmod(c->dir, 0755) || write_file(c->secret600, 0600, c->caller, c->caller_gid) ||
	    write_file(c->secret640, 0640, c->caller, c->group))
		cannot("creating the caller's files in %s: %s", c->dir, strerror(errno));
	/* World-writable: only Landlock can keep the sandbox out. */
	if (mkdir(c->open_dir, 0700) || chmod(c->open_dir, 01777))
		cannot("mkdir %s: %s", c->open_dir, strerror(errno));
	if (c->root && make_suid(c))
		cannot("creating a setuid-root copy of /usr/bin/id: %s", strerror(errno));
}

static void make_ctx(struct boxed_selftest_ctx *c, const struct boxed_selftest_args *a)
{
	struct stat st;
	int member = 0;
	gid_t groups[256];
	int ng;
	sigset_t stop, old;

	memset(c, 0, sizeof(*c));
	c->control = a->mode == BOXED_SELFTEST_CONTROL;
	c->root = geteuid() == 0;
	c->caller = getuid();
	c->caller_gid = getgid();
	snprintf(c->tag, sizeof(c->tag), "boxed-st-%ld", (long)getpid());
	if (stat(BOXED_RUNNER_PATH, &st) != 0)
		cannot("%s: %s (is boxed installed? boxed-setup install)", BOXED_RUNNER_PATH,
		       strerror(errno));
	if (access(BOXED_SELFTEST_PATH, X_OK) != 0)
		cannot("%s: %s (the probes run the installed selftest)", BOXED_SELFTEST_PATH,
		       strerror(errno));
	c->group = st.st_gid;
	c->have_config = boxed_config_load(BOXED_CONFIG_PATH, &c->cfg, c->config_err,
					   sizeof(c->config_err)) == 0;
	ng = getgroups(256, groups);
	for (int i = 0; i < ng; i++)
		member |= groups[i] == c->group;
	if (!c->root && !member && getgid() != c->group) {
		char user[64], group[64], msg[256];

		boxed_cli_user_name(getuid(), user, sizeof(user));
		boxed_cli_group_name(c->group, group, sizeof(group));
		boxed_cli_not_member(msg, sizeof(msg), user, group);
		cannot("%s (or run boxed-selftest as root)", msg);
	}
	main_pid = getpid();
	cleanup_ctx = c;
	if (atexit(on_exit_cleanup))
		cannot("atexit");
	/* Held off while the user and the stage are made, so an interruption
	 * never finds them half made (a useradd still running when userdel
	 * comes); delivered, and cleaned up, right after. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &stop, &old) != 0)
		cannot("sigprocmask: %s", strerror(errno));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (c->root && !c->control)
		make_caller(c);
	else if (c->root)
		c->caller = 0, c->caller_gid = 0;
	make_stage(c);
	if (sigprocmask(SIG_SETMASK, &old, NULL) != 0)
		cannot("sigprocmask: %s", strerror(errno));
}

/* ---- running the probes ---- */

struct job {
	const struct probe_def *def;
	pid_t pid;
	int fd;
	double start;
};

/* Each probe runs in its own process, so they overlap; the results come
 * back as raw structs over a pipe (the same binary reads them). */
static void start_job(const struct boxed_selftest_ctx *c, struct job *j)
{
	sigset_t stop, old;
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		boxed_die_errno("pipe2");
	j->start = boxed_selftest_now();
	/* A stop signal between the fork and the record would leave a probe
	 * process that the cleanup does not know of, and whatever it made. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &stop, &old) != 0)
		boxed_die_errno("sigprocmask");
	j->pid = fork();
	if (j->pid < 0)
		boxed_die_errno("fork");
	if (j->pid > 0 && job_count < sizeof(job_pids) / sizeof(job_pids[0]))
		job_pids[job_count++] = j->pid;
	if (sigprocmask(SIG_SETMASK, &old, NULL) != 0)
		boxed_die_errno("sigprocmask");
	if (j->pid == 0) {
		static struct boxed_selftest_result res[AUDIT_ROOM];
		size_t n = 1;
		double t0 = boxed_selftest_now();

		close(p[0]);
		memset(res, 0, sizeof(res));
		if (j->def->fn) {
			snprintf(res[0].name, sizeof(res[0].name), "%s", j->def->name);
			j->def->fn(c, &res[0]);
		} else {
			n = p_audit(c, res, AUDIT_ROOM);
		}
		for (size_t i = 0; i < n; i++)
			res[i].seconds = boxed_selftest_now() - t0;
		if (boxed_write_all(p[1], res, n * sizeof(res[0])))
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	j->fd = p[0];
}

/* Read a job's results into out (room entries); returns how many. */
static size_t finish_job(struct job *j, struct boxed_selftest_result *out, size_t room)
{
	size_t want = room * sizeof(*out), got = 0;
	ssize_t n;
	int st;

	while (got < want) {
		n = read(j->fd, (char *)out + got, want - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(j->fd);
	waitpid(j->pid, &st, 0);
	if (got == 0 || got % sizeof(*out) != 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		memset(out, 0, sizeof(*out));
		snprintf(out->name, sizeof(out->name), "%s", j->def->name);
		boxed_selftest_set(out, BOXED_ST_FAIL, NULL,
				   "the probe process failed (status 0x%x); run with --only %s",
				   (unsigned)st, j->def->name);
		out->seconds = boxed_selftest_now() - j->start;
		return 1;
	}
	return got / sizeof(*out);
}

static void print_results(const struct boxed_selftest_args *a,
			  const struct boxed_selftest_result *res, size_t n, const char *mode)
{
	if (a->json) {
		cJSON *doc = boxed_selftest_report_json(res, n, mode);
		char *text = doc ? cJSON_Print(doc) : NULL;

		if (!text)
			boxed_die("out of memory");
		printf("%s\n", text);
		free(text);
		cJSON_Delete(doc);
		return;
	}
	printf("TAP version 14\n1..%zu\n", n);
	for (size_t i = 0; i < n; i++)
		boxed_selftest_tap_line(stdout, i + 1, &res[i], a->verbose);
}

/* The probes that measure time to 100 ms run alone, one after the other
 * and after the rest, so that no load of the selftest's own blurs the
 * measurement. */
static int runs_alone(const struct probe_def *d)
{
	return !strcmp(d->name, "limit-timeout") || !strcmp(d->name, "run-ends");
}

int boxed_selftest_run(const struct boxed_selftest_args *a)
{
	static struct boxed_selftest_result res[NPROBES + AUDIT_ROOM];
	static struct job jobs[NPROBES];
	size_t nj = 0, n = 0;
	/* Static: the exit handler that removes the user and the stage runs
	 * after this function has returned. */
	static struct boxed_selftest_ctx c;
	const char *mode = a->mode == BOXED_SELFTEST_CONTROL ? "control" : "sandbox";

	for (size_t i = 0; i < a->only_count; i++) {
		size_t k = 0;

		while (k < NPROBES && strcmp(probes[k].name, a->only[i]))
			k++;
		if (k == NPROBES)
			cannot("--only %s: no such probe (see --list)", a->only[i]);
	}
	make_ctx(&c, a);
	fflush(stdout);
	for (int phase = 0; phase < 2; phase++) {
		size_t first = nj;

		for (size_t i = 0; i < NPROBES; i++) {
			if (!boxed_selftest_selected(a, probes[i].name) ||
			    runs_alone(&probes[i]) != phase)
				continue;
			/* Control mode checks the probes, not the host: only the
			 * isolation probes have an unsandboxed case to detect. */
			if (c.control && probes[i].kind != K_ISOLATION)
				continue;
			jobs[nj].def = &probes[i];
			start_job(&c, &jobs[nj++]);
			/* Alone: each waits for the one before it. */
			if (phase == 1)
				n += finish_job(&jobs[nj - 1], &res[n],
						sizeof(res) / sizeof(res[0]) - n);
		}
		for (size_t i = first; phase == 0 && i < nj; i++)
			n += finish_job(&jobs[i], &res[n], sizeof(res) / sizeof(res[0]) - n);
	}
	print_results(a, res, n, mode);
	fflush(stdout);
	return boxed_selftest_exit_status(res, n);
}
