/* The outer side of the probes of the seal (BLUEPRINT §2a, issue "Sealed
 * runs", items 1-6): what DAC, Landlock and seccomp do not cover, and the
 * run's own namespaces and init do. Each probe starts real runs through
 * the installed runner and looks from the host, while a run lives and
 * after it ends; seal_probe.c is the inner side.
 *
 * In control mode the same inner side runs without the sandbox, as the
 * caller: each probe must then see what the seal would have kept from it
 * (and removes what it made on the host).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "layout.h"
#include "selftest.h"

/* A run is set up in milliseconds; the runner itself gives up on a setup
 * after 10 s. */
#define READY_WAIT 12.0
/* Item 2: every process of a run is gone within this much of its end. */
#define GONE_BOUND 0.100
/* How long past a bound the selftest keeps looking, to say how late. */
#define GONE_LATE 2.0
/* A /proc scan's pause: short beside every bound above. */
static const struct timespec scan_pause = {0, 5 * 1000 * 1000};

#define FIX_SEAL                                                                                   \
	"runs need their own namespaces: see host-userns for what this host lacks and how "        \
	"to allow unprivileged user namespaces"

/* ---- judging ---- */

/* The verdict of a check the outer side made itself, judged as an inner
 * verdict would be: in the sandbox, isolated passes; in control mode, the
 * check must have seen the missing isolation. The run's own outcome has
 * been looked at already. */
__attribute__((format(printf, 5, 6))) static void judge(const struct boxed_selftest_ctx *c,
							struct boxed_selftest_result *res,
							int isolated, const char *fix,
							const char *fmt, ...)
{
	char detail[sizeof(res->message)];
	cJSON *v = cJSON_CreateObject();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (v) {
		cJSON_AddBoolToObject(v, "isolated", isolated);
		cJSON_AddStringToObject(v, "detail", detail);
	}
	boxed_selftest_classify(res, c->control, c->control ? NULL : "ok", NULL, v, fix);
	cJSON_Delete(v);
}

/* Did the run fail to give what the probe needs? In the sandbox, a report
 * with outcome ok; in both modes, a verdict line of the inner side. Sets
 * res and returns 1 when it did. */
static int run_broken(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
		      const struct boxed_selftest_run *r, const char *what, const char *fix)
{
	if (!c->control && !r->outcome) {
		boxed_selftest_set(res, BOXED_ST_FAIL, fix, "%s: the runner gave no report: %s",
				   what, r->message ? r->message : "?");
		return 1;
	}
	if (!c->control && strcmp(r->outcome, "ok") != 0) {
		boxed_selftest_set(res, BOXED_ST_FAIL, fix,
				   "%s did not run to completion: outcome %s (%s)%s%s", what,
				   r->outcome, r->reason ? r->reason : "no reason",
				   r->message ? ": " : "", r->message ? r->message : "");
		return 1;
	}
	if (!r->verdict) {
		boxed_selftest_set(res, BOXED_ST_DUBIOUS, fix,
				   "%s gave no verdict line: isolation unknown", what);
		return 1;
	}
	return 0;
}

static int severity(enum boxed_selftest_status s)
{
	return s == BOXED_ST_FAIL ? 3 : s == BOXED_ST_DUBIOUS ? 2 : s == BOXED_ST_PASS ? 1 : 0;
}

/* One result of several parts: the worst status, its fix, and every
 * part's message after its label. */
static void merge(struct boxed_selftest_result *res, const struct boxed_selftest_result *part,
		  const char *const *label, size_t n)
{
	size_t worst = 0, l = 0;

	for (size_t i = 1; i < n; i++)
		if (severity(part[i].status) > severity(part[worst].status))
			worst = i;
	res->status = part[worst].status;
	snprintf(res->fix, sizeof(res->fix), "%s",
		 boxed_selftest_status_fails(res->status) ? part[worst].fix : "");
	res->message[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		snprintf(res->message + l, sizeof(res->message) - l, "%s%s: %s", i ? "; " : "",
			 label[i], part[i].message);
		l = strlen(res->message);
	}
}

/* ---- runs that the outer side watches while they live ---- */

/* A name unique to this probe process, passed to the inner side: the
 * outer side finds the run's processes by it in /proc/PID/cmdline. */
static void make_token(const struct boxed_selftest_ctx *c, char *buf, size_t len,
		       const char *what)
{
	snprintf(buf, len, "%s-%ld-%s", c->tag, (long)getpid(), what);
}

/* The key of the IPC objects of the ipc probe run by process pid. */
static key_t ipc_key(pid_t pid)
{
	return (key_t)(0x62780000 | (pid & 0xffff));
}

struct proc_entry {
	pid_t pid;
	long ruid;
	char name[32];
};

/* Read /proc/PID/file at dirfd into buf (NUL-terminated). Returns its
 * length, or -1. */
static ssize_t read_small(int dirfd, const char *pid, const char *file, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pid, file);
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* Does the command line (NUL-separated) hold token as one argument? */
static int has_argument(const char *cmd, ssize_t len, const char *token)
{
	for (ssize_t i = 0; i < len; i += (ssize_t)strlen(cmd + i) + 1)
		if (strcmp(cmd + i, token) == 0)
			return 1;
	return 0;
}

/* The live processes (not zombies) whose command line holds token: the
 * runner, the run's init, the target and its children. Returns how many
 * (at most max). */
static int procs_with_token(const char *token, struct proc_entry *out, int max)
{
	DIR *dir = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!dir)
		boxed_die_errno("opendir(/proc)");
	while (n < max && (e = readdir(dir))) {
		char cmd[1024], status[2048], *p;
		ssize_t len;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		len = read_small(dirfd(dir), e->d_name, "cmdline", cmd, sizeof(cmd));
		if (len <= 0 || !has_argument(cmd, len, token) ||
		    read_small(dirfd(dir), e->d_name, "status", status, sizeof(status)) < 0)
			continue;
		if ((p = strstr(status, "\nState:\t")) && (p[8] == 'Z' || p[8] == 'X'))
			continue;
		out[n].pid = (pid_t)strtol(e->d_name, NULL, 10);
		out[n].ruid = (p = strstr(status, "\nUid:\t")) ? strtol(p + 6, NULL, 10) : -1;
		p = strncmp(status, "Name:\t", 6) == 0 ? status + 6 : status;
		snprintf(out[n].name, sizeof(out[n].name), "%.*s", (int)strcspn(p, "\n"), p);
		n++;
	}
	closedir(dir);
	return n;
}

/* Has pid (our child) exited? It is not reaped: finish_run does that. */
static int child_exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* A run the outer side looks at while it lives: its inner side names
 * itself "st-ready" when it has done its part, and ends once the outer
 * side creates the release file. */
struct live {
	struct boxed_selftest_spawn_opts opts;
	pid_t pid; /* the runner (or in control mode the probe; with via_caller the caller) */
	int fd, efd;
	char token[64];
	char release[160];
	pid_t ready; /* the inner side, as the host numbers it; 0: never ready */
	long uid;    /* its real uid */
};

static void live_start(const struct boxed_selftest_ctx *c, struct live *l, const char *probe,
		       const char *const *args)
{
	double give_up = boxed_selftest_now() + READY_WAIT;
	struct proc_entry procs[16];

	l->opts.direct = c->control;
	l->pid = boxed_selftest_spawn(c, &l->opts, probe, args, &l->fd, &l->efd);
	l->ready = 0;
	while (!l->ready && !child_exited(l->pid) && boxed_selftest_now() < give_up) {
		int n = procs_with_token(l->token, procs, 16);

		for (int i = 0; i < n && !l->ready; i++)
			if (strcmp(procs[i].name, "st-ready") == 0) {
				l->ready = procs[i].pid;
				l->uid = procs[i].ruid;
			}
		if (!l->ready)
			nanosleep(&scan_pause, NULL);
	}
}

/* Release the inner side and collect the run. */
static void live_finish(const struct boxed_selftest_ctx *c, struct live *l,
			struct boxed_selftest_run *r)
{
	int fd = open(l->release, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		boxed_die_errno("creating %s", l->release);
	close(fd);
	if (!l->ready)
		kill(l->pid, SIGTERM); /* a run that never got ready: end it */
	boxed_selftest_finish_run(c, &l->opts, l->pid, l->fd, l->efd, r);
	unlink(l->release);
}

static void live_init(const struct boxed_selftest_ctx *c, struct live *l, const char *what,
		      const char *const *limits)
{
	memset(l, 0, sizeof(*l));
	l->opts.limits = limits;
	make_token(c, l->token, sizeof(l->token), what);
	snprintf(l->release, sizeof(l->release), "%s/release-%s", c->dir, l->token);
}

/* The run never got ready: say what became of it. */
static void not_ready(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
		      const struct boxed_selftest_run *r, const char *fix)
{
	if (!run_broken(c, res, r, "the run", fix))
		boxed_selftest_set(res, BOXED_ST_DUBIOUS, fix,
				   "could not tell: the run ended without getting ready");
}

/* An errno from a verdict's "errno" object; -1 when absent. */
static int verdict_errno(const struct boxed_selftest_run *r, const char *what)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(r->verdict, "errno");
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(e, what);

	return cJSON_IsNumber(x) ? x->valueint : -1;
}

static int verdict_true(const struct boxed_selftest_run *r, const char *what)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->verdict, what));
}

static const char *errno_text(int e)
{
	return e == 0 ? "yes" : e < 0 ? "unknown" : strerror(e);
}

/* Append to a message buffer. */
__attribute__((format(printf, 3, 4))) static void add(char *buf, size_t len, const char *fmt, ...)
{
	size_t l = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + l, len - l, fmt, ap);
	va_end(ap);
}

/* The sealed state of a run, for messages. */
static const char *sealed_text(const struct boxed_selftest_ctx *c,
			       const struct boxed_selftest_run *r)
{
	if (c->control)
		return "unsandboxed";
	return r->sealed == 1 ? "sealed run" : r->sealed == 0 ? "unsealed run" : "run";
}

/* ---- ipc ---- */

/* SysV objects on the host whose key is key or, for uid >= 0, whose owner
 * is uid (/proc/sysvipc lists every object of the host's IPC namespace,
 * whatever its mode). Appends them to seen; returns how many. */
static int sysvipc_listed(key_t key, long uid, char *seen, size_t len)
{
	static const char *const files[] = {"shm", "msg", "sem"};
	int n = 0;

	for (int kind = 0; kind < 3; kind++) {
		char path[64], line[512];
		FILE *f;

		snprintf(path, sizeof(path), "/proc/sysvipc/%s", files[kind]);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			long v[8];
			int got = sscanf(line, "%ld %ld %ld %ld %ld %ld %ld %ld", &v[0], &v[1],
					 &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
			/* The owner is the 8th field of shm and msg lines, the
			 * 5th of sem. */
			long owner = kind == 2 ? v[4] : v[7];

			if (got < (kind == 2 ? 5 : 8))
				continue;
			if ((key_t)v[0] != key && !(uid >= 0 && owner == uid))
				continue;
			add(seen, len, "%s%s (uid %ld)",
			    n ? " " : "; listed in /proc/sysvipc: ", files[kind], owner);
			n++;
		}
		fclose(f);
	}
	return n;
}

/* The kinds that opening by key and name reached (err: 0 or the errno;
 * only ENOENT, and for another run EPERM, mean not reached). Appends
 * them to seen after what; returns how many. */
static int reached(const int *err, int eperm_too, const char *what, char *seen, size_t len)
{
	int n = 0;

	for (int i = 0; i < BOXED_SELFTEST_IPC_KINDS; i++) {
		if (err[i] == ENOENT || (eperm_too && err[i] == EPERM))
			continue;
		add(seen, len, "%s %s", n ? "," : what, boxed_selftest_ipc_kinds[i]);
		if (err[i])
			add(seen, len, " (%s)", err[i] < 0 ? "no answer" : strerror(err[i]));
		n++;
	}
	return n;
}

/* What the host sees of the run's IPC objects: each opened by key or name
 * (anything but ENOENT means it exists), the SysV listing, and the mqueue
 * file system where it is mounted. Returns how many sightings. */
static int host_sees_ipc(key_t key, const char *name, long uid, const char *when, char *seen,
			 size_t len)
{
	int err[BOXED_SELFTEST_IPC_KINDS], n;
	char path[128], what[64];
	struct stat st;

	boxed_selftest_ipc_open(key, name, err);
	snprintf(what, sizeof(what), "; %s, the host opened", when);
	n = reached(err, 0, what, seen, len);
	n += sysvipc_listed(key, uid, seen, len);
	snprintf(path, sizeof(path), "/dev/mqueue%s", name);
	if (stat("/dev/mqueue", &st) == 0 && stat(path, &st) == 0) {
		add(seen, len, "; %s exists", path);
		n++;
	}
	return n;
}

/* Remove what a probe made, wherever it shows: in control mode the inner
 * side made it on the host itself; a leaking sandbox would leave it too. */
static void remove_ipc(key_t key, const char *name)
{
	int id;

	if ((id = shmget(key, 0, 0)) >= 0)
		shmctl(id, IPC_RMID, NULL);
	if ((id = msgget(key, 0)) >= 0)
		msgctl(id, IPC_RMID, NULL);
	if ((id = semget(key, 0, 0)) >= 0)
		semctl(id, 0, IPC_RMID);
	mq_unlink(name);
	shm_unlink(name);
}

/* Another run opens the objects by key and name. Returns how many it
 * reached (-1: it could not tell); describes them in seen. */
static int other_run_opens(const struct boxed_selftest_ctx *c, const char *key, const char *name,
			   const char *when, char *seen, size_t len)
{
	const char *args[] = {key, name, NULL};
	struct boxed_selftest_spawn_opts o = {0};
	int err[BOXED_SELFTEST_IPC_KINDS], n;
	struct boxed_selftest_run r;
	char what[64];

	boxed_selftest_run_probe(c, &o, "ipc-open", args, &r);
	if ((!c->control && (!r.outcome || strcmp(r.outcome, "ok"))) || !r.verdict) {
		add(seen, len, "; another run %s: no answer (%s)", when,
		    r.outcome	? r.outcome
		    : r.message ? r.message
				: "no report");
		boxed_selftest_run_free(&r);
		return -1;
	}
	/* ENOENT: not there; EPERM: an unsealed run's seccomp refuses the
	 * call before it looks. */
	for (int i = 0; i < BOXED_SELFTEST_IPC_KINDS; i++)
		err[i] = verdict_errno(&r, boxed_selftest_ipc_kinds[i]);
	snprintf(what, sizeof(what), "; another run %s opened", when);
	n = reached(err, 1, what, seen, len);
	boxed_selftest_run_free(&r);
	return n;
}

/* Item 1: a run's SysV and POSIX IPC objects are its own. The run creates
 * each kind with mode 0666 under a known key and name; neither the host
 * nor another run may see or open them, while it lives or after. */
void boxed_selftest_seal_ipc(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res)
{
	static const char *fix = "SysV IPC and POSIX message queues need the run's own IPC "
				 "namespace (see host-userns), or, unsealed, the seccomp filter "
				 "that refuses them: reinstall boxed-run";
	key_t key = ipc_key(getpid());
	char key_s[32], name[80], seen[1500] = "", made[200] = "", refused[300] = "",
				  failed[300] = "";
	int sightings = 0, other_during = 0, other_after = 0;
	struct boxed_selftest_run r;
	struct live l;
	const char *args[5];

	live_init(c, &l, "ipc", NULL);
	snprintf(key_s, sizeof(key_s), "%d", (int)key);
	snprintf(name, sizeof(name), "/%s", l.token);
	args[0] = key_s, args[1] = name, args[2] = l.release, args[3] = l.token, args[4] = NULL;
	live_start(c, &l, "ipc", args);
	if (l.ready) {
		sightings += host_sees_ipc(key, name, c->control ? -1 : l.uid, "meanwhile", seen,
					   sizeof(seen));
		other_during = other_run_opens(c, key_s, name, "meanwhile", seen, sizeof(seen));
	}
	live_finish(c, &l, &r);
	if (!l.ready) {
		not_ready(c, res, &r, fix);
		goto out;
	}
	sightings +=
	    host_sees_ipc(key, name, c->control ? -1 : l.uid, "afterwards", seen, sizeof(seen));
	other_after = other_run_opens(c, key_s, name, "afterwards", seen, sizeof(seen));
	if (run_broken(c, res, &r, "the run that made the objects", fix))
		goto out;
	for (int i = 0; i < BOXED_SELFTEST_IPC_KINDS; i++) {
		int e = verdict_errno(&r, boxed_selftest_ipc_kinds[i]);

		/* Refused: an unsealed run's seccomp (EPERM) or Landlock, which
		 * keeps it out of the host's /dev/shm (EACCES). */
		if (e == 0)
			add(made, sizeof(made), " %s", boxed_selftest_ipc_kinds[i]);
		else if (e == EPERM || e == EACCES)
			add(refused, sizeof(refused), " %s (%s)", boxed_selftest_ipc_kinds[i],
			    strerror(e));
		else
			add(failed, sizeof(failed), " %s (%s)", boxed_selftest_ipc_kinds[i],
			    errno_text(e));
	}
	if (failed[0] || other_during < 0 || other_after < 0)
		boxed_selftest_set(res, BOXED_ST_DUBIOUS, fix,
				   "could not tell: the run failed to make%s%s",
				   failed[0] ? failed : " nothing", seen);
	else if (!verdict_true(&r, "kept"))
		boxed_selftest_set(res, BOXED_ST_DUBIOUS, fix,
				   "could not tell: the run's objects were gone before its end");
	else
		judge(c, res, sightings + other_during + other_after == 0, fix,
		      "%s made:%s%s%s; %s", sealed_text(c, &r), made[0] ? made : " none",
		      refused[0] ? "; refused:" : "", refused,
		      sightings + other_during + other_after
			  ? seen + 2
			  : "none was seen by key or name from the host (shmget, msgget, semget, "
			    "mq_open, shm_open, /proc/sysvipc) or opened by another run, while "
			    "it ran or after");
out:
	remove_ipc(key, name);
	boxed_selftest_run_free(&r);
}

/* ---- run-ends ---- */

enum end_how {
	END_KILL,   /* the runner SIGKILLed */
	END_STOP,   /* the runner SIGSTOPped: the run ends at its wall clock anyway */
	END_CALLER, /* the runner's caller SIGKILLed */
};

#define STOP_TIMEOUT 1.0

/* A process of the run, held by a pidfd (not a pid, so that a reused pid
 * is never taken for a survivor). */
struct member {
	int fd;
	int gone;
	char name[32];
};

/* The run's processes: every live process with the token but the runner
 * itself (the caller's, named boxed-run). Returns how many. */
static int run_members(const struct boxed_selftest_ctx *c, const char *token, struct member *m,
		       int max)
{
	struct proc_entry procs[16];
	int n = procs_with_token(token, procs, 16), k = 0;

	for (int i = 0; i < n && k < max; i++) {
		if (procs[i].ruid == (long)c->caller && strcmp(procs[i].name, "boxed-run") == 0)
			continue;
		m[k].fd = pidfd_open(procs[i].pid, 0);
		m[k].gone = 0;
		snprintf(m[k].name, sizeof(m[k].name), "%s", procs[i].name);
		if (m[k].fd >= 0)
			k++;
	}
	return k;
}

/* Wait until every member has exited, until the time until. Returns how
 * many are still there; *last is when the last one went. */
static int await_gone(struct member *m, int n, double until, double *last)
{
	int left = n;

	*last = boxed_selftest_now();
	while (left > 0) {
		struct pollfd pfd[16];
		int idx[16], k = 0;
		double wait = until - boxed_selftest_now();

		if (wait <= 0)
			break;
		for (int i = 0; i < n && k < 16; i++)
			if (!m[i].gone) {
				pfd[k] = (struct pollfd){.fd = m[i].fd, .events = POLLIN};
				idx[k++] = i;
			}
		if (poll(pfd, (nfds_t)k, (int)(wait * 1000) + 1) < 0 && errno != EINTR)
			boxed_die_errno("poll(pidfds)");
		*last = boxed_selftest_now();
		for (int i = 0; i < k; i++)
			if (pfd[i].revents) {
				m[idx[i]].gone = 1;
				left--;
			}
	}
	return left;
}

/* The state letter of pid in /proc/PID/stat ('T': stopped), '?' if gone. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "re");
	if (!f)
		return '?';
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
	fclose(f);
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* What the runner reported, checked against what this way of ending the
 * run must give. Returns 1 when it does; describes it in d. */
static int end_reported(enum end_how how, const struct boxed_selftest_run *r, char *d, size_t len)
{
	int code = WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1;

	switch (how) {
	case END_KILL:
		return 1; /* a killed runner reports nothing */
	case END_STOP:
		add(d, len, "; continued, the runner reported %s (%s), exit %d",
		    r->outcome ? r->outcome : "nothing", r->reason ? r->reason : "no reason", code);
		return r->outcome && !strcmp(r->outcome, "timeout") && r->reason &&
		       !strcmp(r->reason, "wall-limit") && code == 124;
	case END_CALLER:
		add(d, len, "; the runner reported %s (%s)", r->outcome ? r->outcome : "nothing",
		    r->reason ? r->reason : "no reason");
		return r->outcome && !strcmp(r->outcome, "sandbox-error") && r->reason &&
		       !strcmp(r->reason, "caller-gone");
	}
	return 0;
}

/* One way of ending a run around a sleeping target and a double-forked
 * daemon. Returns 1 when every process of the run was gone in time (and
 * the runner reported it as it should), 0 when not, -1 when it could not
 * tell; says what it saw in d. */
static int run_ends_case(const struct boxed_selftest_ctx *c, enum end_how how, char *d, size_t len)
{
	static const char *const kill_limits[] = {"--nproc", "4", "--timeout", "20", NULL};
	static const char *const stop_limits[] = {"--nproc", "4", "--timeout", "1", NULL};
	static const char *const what[] = {"killed", "stopped", "caller"};
	int n, left, ok, reported, stopped = 0;
	double start = boxed_selftest_now(), t0, deadline, gone;
	struct boxed_selftest_run r;
	struct member m[16];
	char survivors[200] = "";
	const char *args[2];
	struct live l;

	live_init(c, &l, what[how], how == END_STOP ? stop_limits : kill_limits);
	l.opts.via_caller = how == END_CALLER;
	args[0] = l.token, args[1] = NULL;
	live_start(c, &l, "run-ends", args);
	n = l.ready ? run_members(c, l.token, m, 16) : 0;
	if (n < 2) {
		kill(l.pid, SIGKILL);
		live_finish(c, &l, &r);
		snprintf(d, len, "the run with a daemon did not start (%s)",
			 r.message	     ? r.message
			 : r.err && r.err[0] ? r.err
					     : "no report");
		boxed_selftest_run_free(&r);
		for (int i = 0; i < n; i++)
			close(m[i].fd);
		return -1;
	}
	kill(l.pid, how == END_STOP ? SIGSTOP : SIGKILL);
	t0 = boxed_selftest_now();
	/* Stopped, the run ends at its wall clock, which started before it
	 * was ready: start + timeout is a lower bound, ready + timeout an
	 * upper one. */
	deadline = (how == END_STOP ? t0 + STOP_TIMEOUT : t0) + GONE_BOUND;
	left = await_gone(m, n, c->control ? deadline : deadline + GONE_LATE, &gone);
	if (how == END_STOP)
		stopped = proc_state(l.pid) == 'T';
	/* What is left is ended here: in control mode, the probe's own
	 * processes; in a leaking sandbox, what the seal should have ended. */
	for (int i = 0; i < n; i++) {
		if (!m[i].gone)
			add(survivors, sizeof(survivors), " %s", m[i].name);
		pidfd_send_signal(m[i].fd, SIGKILL, NULL, 0);
		close(m[i].fd);
	}
	if (how == END_STOP)
		kill(l.pid, SIGCONT);
	live_finish(c, &l, &r);
	if (left)
		snprintf(d, len, "%d of the run's %d processes (%s) still there %.0f ms later",
			 left, n, survivors + 1, (gone - t0) * 1000);
	else if (how == END_STOP)
		snprintf(d, len,
			 "the run's %d processes were gone %.0f ms after its start (timeout "
			 "%.0f ms), the runner %s",
			 n, (gone - start) * 1000, STOP_TIMEOUT * 1000,
			 stopped ? "still stopped" : "NOT STOPPED");
	else
		snprintf(d, len, "the run's %d processes were gone in %.0f ms", n,
			 (gone - t0) * 1000);
	ok = !left && gone <= deadline;
	if (how == END_STOP)
		ok = ok && stopped && gone >= start + STOP_TIMEOUT;
	reported = c->control || end_reported(how, &r, d, len);
	boxed_selftest_run_free(&r);
	return ok && reported;
}

/* Item 2: nothing of a run outlives it. A run with a target and a
 * double-forked daemon is ended three ways the caller controls: its runner
 * SIGKILLed (the run's init dies with it, by its parent-death signal, and
 * with init the PID namespace), its runner SIGSTOPped (init keeps the wall
 * clock), and its caller SIGKILLed (the runner watches it by pidfd). Every
 * process of the run must be gone within 100 ms of that end. */
void boxed_selftest_seal_run_ends(const struct boxed_selftest_ctx *c,
				  struct boxed_selftest_result *res)
{
	static const char *const label[] = {"SIGKILL of the runner", "SIGSTOP of the runner",
					    "SIGKILL of its caller"};
	static const char *const fix[] = {
	    "the run's init must die with the runner (parent-death signal) and take its PID "
	    "namespace with it: " FIX_SEAL,
	    "the run's init must keep the wall clock itself: " FIX_SEAL,
	    "boxed-run must end the run when its caller exits: reinstall boxed-run"};
	struct boxed_selftest_result part[3];
	double give_up;

	/* The processes this probe orphans (a killed caller's runner, in
	 * control mode the daemon) are reparented to it, to be reaped here
	 * rather than left to the host's init. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
		boxed_die_errno("prctl(PR_SET_CHILD_SUBREAPER)");
	for (int how = END_KILL; how <= END_CALLER; how++) {
		char d[sizeof(part[0].message)] = "";
		int ok = run_ends_case(c, (enum end_how)how, d, sizeof(d));

		memset(&part[how], 0, sizeof(part[how]));
		if (ok < 0)
			boxed_selftest_set(&part[how], BOXED_ST_DUBIOUS, fix[how], "%s", d);
		else
			judge(c, &part[how], ok, fix[how], "%s", d);
	}
	merge(res, part, label, 3);
	give_up = boxed_selftest_now() + GONE_LATE;
	while (waitpid(-1, NULL, WNOHANG) >= 0 && boxed_selftest_now() < give_up)
		nanosleep(&scan_pause, NULL);
}

/* ---- proc-private ---- */

/* Item 3: /proc inside a run lists the run alone, and no host process's
 * cmdline, environ or status can be read: those of this probe process and
 * of the selftest that started it (root's when run as root), whose
 * numbers the run is told. */
void boxed_selftest_seal_proc_private(const struct boxed_selftest_ctx *c,
				      struct boxed_selftest_result *res)
{
	struct boxed_selftest_spawn_opts o = {0};
	struct boxed_selftest_run r;
	char self[24], parent[24];
	const char *args[] = {self, parent, NULL};

	snprintf(self, sizeof(self), "%ld", (long)getpid());
	snprintf(parent, sizeof(parent), "%ld", (long)getppid());
	boxed_selftest_run_probe(c, &o, "proc-private", args, &r);
	boxed_selftest_classify(res, c->control, c->control ? NULL : r.outcome, r.message,
				r.verdict,
				"a run needs its own PID namespace and /proc: " FIX_SEAL);
	boxed_selftest_run_free(&r);
}

/* ---- private-files, disk-limit ---- */

/* What opening path gives to the caller (a throwaway user when the
 * selftest runs as root): 0 when it opened, else the errno. */
static int open_as_caller(const struct boxed_selftest_ctx *c, const char *path)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		boxed_die_errno("fork");
	if (pid == 0) {
		int fd;

		boxed_selftest_become_caller(c);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		_exit(fd >= 0 ? 0 : errno & 0xff);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		boxed_die("checking %s as the caller failed", path);
	return WEXITSTATUS(st);
}

/* What the host sees of the run's files: NAME in the host's /tmp and
 * /dev/shm (their mere existence), and in the run's directory: while it
 * runs, whether the caller can read it; after, whether it is gone (only
 * root can look into a slot directory). Appends to seen; returns how many
 * sightings. */
static int host_sees_files(const struct boxed_selftest_ctx *c, const char *name,
			   const char *dir_file, int after, char *seen, size_t len)
{
	const char *places[] = {"/tmp", "/dev/shm"};
	char path[256];
	struct stat st;
	int n = 0, e;

	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", places[i], name);
		if (lstat(path, &st) == 0) {
			add(seen, len, "; %s exists on the host", path);
			n++;
		}
	}
	if (!dir_file[0])
		return n;
	if (!after && (e = open_as_caller(c, dir_file)) != ENOENT && e != EACCES) {
		add(seen, len, "; the caller %s %s", e ? "could not tell about" : "READ", dir_file);
		n++;
	}
	if (after && (c->root || c->control) && lstat(dir_file, &st) == 0) {
		add(seen, len, "; %s is still there", dir_file);
		n++;
	}
	return n;
}

/* Another run looks for NAME in its own directory, /tmp and /dev/shm, and
 * at dir_file. Returns 1 when it found something, 0 when not, -1 when it
 * could not tell. */
static int other_run_finds(const struct boxed_selftest_ctx *c, const char *name,
			   const char *dir_file, const char *when, char *seen, size_t len)
{
	const char *args[] = {name, dir_file[0] ? dir_file : NULL, NULL};
	struct boxed_selftest_spawn_opts o = {0};
	struct boxed_selftest_run r;
	int found = -1;
	const cJSON *iso, *det;

	boxed_selftest_run_probe(c, &o, "private-peek", args, &r);
	iso = cJSON_GetObjectItemCaseSensitive(r.verdict, "isolated");
	det = cJSON_GetObjectItemCaseSensitive(r.verdict, "detail");
	if ((c->control || (r.outcome && !strcmp(r.outcome, "ok"))) && cJSON_IsBool(iso))
		found = !cJSON_IsTrue(iso);
	if (found)
		add(seen, len, "; another run %s: %s", when,
		    found < 0		  ? "no answer"
		    : cJSON_IsString(det) ? det->valuestring
					  : "?");
	boxed_selftest_run_free(&r);
	return found;
}

/* Item 4: what a run writes to its directory, /tmp and /dev/shm is its
 * own: the host's /tmp and /dev/shm never hold it, the caller cannot read
 * it, another run does not see it, and it is gone after the run. */
void boxed_selftest_seal_private_files(const struct boxed_selftest_ctx *c,
				       struct boxed_selftest_result *res)
{
	static const char *fix = "a run needs its own mount namespace, where its directory, /tmp "
				 "and /dev/shm are tmpfs of its own: " FIX_SEAL;
	char dir_file[256] = "", seen[1500] = "", wrote[200] = "", refused[200] = "", path[256];
	static const char *const places[] = {"dir", "tmp", "shm"};
	static const char *const shown[] = {"its directory", "/tmp", "/dev/shm"};
	int sightings = 0, other_during = 0, other_after = 0, failed = 0;
	struct boxed_selftest_run r;
	const char *args[5];
	struct live l;

	live_init(c, &l, "files", NULL);
	/* Unsandboxed, the stage stands for the run's directory. */
	args[0] = c->control ? c->dir : ".", args[1] = l.token, args[2] = l.release;
	args[3] = l.token, args[4] = NULL;
	live_start(c, &l, "private-files", args);
	if (c->control)
		snprintf(dir_file, sizeof(dir_file), "%s/%s", c->dir, l.token);
	else if (l.ready && c->have_config && l.uid >= (long)c->cfg.first_uid)
		snprintf(dir_file, sizeof(dir_file), "%s/%lu/home/%s", BOXED_SLOTS_DIR,
			 (unsigned long)(l.uid - (long)c->cfg.first_uid), l.token);
	if (l.ready) {
		sightings += host_sees_files(c, l.token, dir_file, 0, seen, sizeof(seen));
		other_during =
		    other_run_finds(c, l.token, dir_file, "meanwhile", seen, sizeof(seen));
	}
	live_finish(c, &l, &r);
	if (!l.ready) {
		not_ready(c, res, &r, fix);
		goto out;
	}
	sightings += host_sees_files(c, l.token, dir_file, 1, seen, sizeof(seen));
	other_after = other_run_finds(c, l.token, dir_file, "afterwards", seen, sizeof(seen));
	if (run_broken(c, res, &r, "the run that wrote the files", fix))
		goto out;
	for (int i = 0; i < 3; i++) {
		int e = verdict_errno(&r, places[i]);

		/* Unsealed, Landlock keeps the run out of the host's /tmp and
		 * /dev/shm: refused, nothing to leak. */
		if (e == 0)
			add(wrote, sizeof(wrote), "%s %s", wrote[0] ? "," : "", shown[i]);
		else if (i && (e == EACCES || e == EROFS))
			add(refused, sizeof(refused), " %s (%s)", shown[i], strerror(e));
		else
			failed = 1;
	}
	if (failed || other_during < 0 || other_after < 0)
		boxed_selftest_set(res, BOXED_ST_DUBIOUS, fix,
				   "could not tell: the run wrote%s, refused%s%s", wrote, refused,
				   seen);
	else
		judge(c, res, sightings + other_during + other_after == 0, fix,
		      "%s wrote:%s%s%s; %s%s", sealed_text(c, &r), wrote,
		      refused[0] ? "; refused:" : "", refused,
		      sightings + other_during + other_after
			  ? seen + 2
			  : "nothing of it was in the host's /tmp or /dev/shm, readable by the "
			    "caller or seen by another run, while it ran or after",
		      !dir_file[0] || c->root || c->control || sightings
			  ? ""
			  : " (its directory not looked into after the run: that needs root)");
out:
	for (int i = 0; i < 3; i++) {
		if (i == 0 && !c->control)
			continue;
		snprintf(path, sizeof(path), "%s/%s",
			 i == 0	  ? c->dir
			 : i == 1 ? "/tmp"
				  : "/dev/shm",
			 l.token);
		unlink(path);
	}
	boxed_selftest_run_free(&r);
}

/* Item 4: one bound, --disk, on all a run writes to its directory, /tmp
 * and /dev/shm together: past it, ENOSPC. */
void boxed_selftest_seal_disk_limit(const struct boxed_selftest_ctx *c,
				    struct boxed_selftest_result *res)
{
	static const char *const limits[] = {"--disk", "8M", NULL};
	struct boxed_selftest_spawn_opts o = {.limits = limits};
	char name[64];
	const char *args[] = {"8388608", c->control ? c->dir : ".", name, NULL};
	struct boxed_selftest_run r;

	make_token(c, name, sizeof(name), "disk");

	boxed_selftest_run_probe(c, &o, "disk-fill", args, &r);
	boxed_selftest_classify(res, c->control, c->control ? NULL : r.outcome, r.message,
				r.verdict,
				"the disk limit is the size of the run's own tmpfs: " FIX_SEAL);
	boxed_selftest_run_free(&r);
}

/* ---- no-network ---- */

/* A TCP listener on the loopback address of family; its port in *port
 * (0: take any). Returns the fd, or -1 (this host has no such loopback). */
static int tcp_listener(int family, int *port)
{
	struct sockaddr_in in4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)*port)};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)*port)};
	struct sockaddr_storage got;
	socklen_t len = sizeof(got);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1, rc;

	if (fd < 0)
		return -1;
	in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	in6.sin6_addr = in6addr_loopback;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	rc = family == AF_INET ? bind(fd, (struct sockaddr *)&in4, sizeof(in4))
			       : bind(fd, (struct sockaddr *)&in6, sizeof(in6));
	if (rc != 0 || listen(fd, 4) != 0 || getsockname(fd, (struct sockaddr *)&got, &len) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&got)->sin_port
					: ((struct sockaddr_in6 *)&got)->sin6_port);
	return fd;
}

/* A pathname socket listening at path, mode 0777: anyone may connect. */
static int path_listener(const char *path)
{
	int fd = boxed_selftest_unix_listen(path, 0);

	if (fd >= 0 && chmod(path, 0777) != 0) {
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/* Item 5: under --no-network a run reaches no socket of the host: no
 * AF_INET or AF_INET6 socket at all (loopback included), no abstract unix
 * socket either way (they are per network namespace), and no pathname
 * socket of the host: a 0777 one in the host's /tmp and, as root, one
 * under /run (hidden under --no-network). The outer side listens on each
 * and counts who got through, besides what the run says. */
void boxed_selftest_seal_no_network(const struct boxed_selftest_ctx *c,
				    struct boxed_selftest_result *res)
{
	static const char *const limits[] = {"--no-network", NULL};
	static const char *fix =
	    "--no-network needs the run's own network namespace and a seccomp filter "
	    "that refuses socket(2): " FIX_SEAL;
	static const char *const refused[] = {
	    "inet-stream",  "inet-dgram",   "inet6-stream", "inet6-dgram", "tcp-loopback",
	    "tcp6-loopback", "abstract-out", "tmp-socket",   "run-socket",  "stage-socket"};
	char port_s[16], out_name[96], in_name[96], tmp_sock[128], run_sock[128] = "-";
	char stage_sock[200], seen[1500] = "";
	int port = 0, port6, fds[6], in_err = -1, leaks = 0, accepted = 0, listen_err;
	struct boxed_selftest_run r;
	const char *args[9];
	struct live l;

	live_init(c, &l, "net", limits);
	snprintf(out_name, sizeof(out_name), "%s-out", l.token);
	snprintf(in_name, sizeof(in_name), "%s-in", l.token);
	snprintf(tmp_sock, sizeof(tmp_sock), "/tmp/%s.sock", l.token);
	fds[0] = tcp_listener(AF_INET, &port);
	port6 = port;
	fds[1] = tcp_listener(AF_INET6, &port6);
	fds[2] = boxed_selftest_unix_listen(out_name, 1);
	fds[3] = path_listener(tmp_sock);
	fds[4] = -1;
	/* A socket any user could leave in a directory the run can read: the
	 * stage, under /var/tmp. */
	snprintf(stage_sock, sizeof(stage_sock), "%s/%s.sock", c->dir, l.token);
	fds[5] = path_listener(stage_sock);
	/* Only root can make a socket under /run, as a host service would. */
	if (c->root) {
		snprintf(run_sock, sizeof(run_sock), "/run/%s.sock", l.token);
		fds[4] = path_listener(run_sock);
	}
	if (fds[0] < 0 || fds[2] < 0 || fds[3] < 0 || (c->root && fds[4] < 0) || fds[5] < 0) {
		boxed_selftest_set(res, BOXED_ST_DUBIOUS, NULL,
				   "the host's listeners could not be set up: %s", strerror(errno));
		goto close;
	}
	snprintf(port_s, sizeof(port_s), "%d", port);
	args[0] = port_s, args[1] = out_name, args[2] = in_name, args[3] = tmp_sock;
	args[4] = run_sock, args[5] = l.release, args[6] = stage_sock, args[7] = l.token;
	args[8] = NULL;
	live_start(c, &l, "no-network", args);
	if (l.ready)
		in_err = boxed_selftest_unix_connect(in_name, 1);
	live_finish(c, &l, &r);
	if (!l.ready) {
		not_ready(c, res, &r, fix);
		goto free;
	}
	if (run_broken(c, res, &r, "the run under --no-network", fix))
		goto free;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		int e = verdict_errno(&r, refused[i]);

		/* -1: not tried (no socket to connect, or no /run socket). */
		if (e == 0) {
			add(seen, sizeof(seen), "; %s: %s", refused[i],
			    i < 4 ? "socket created" : "connected");
			leaks++;
		}
	}
	if (in_err == 0) {
		add(seen, sizeof(seen), "; the host connected to the run's abstract socket");
		leaks++;
	}
	/* Refused to listen at all (no socket under --no-network) is as good
	 * as a listener nobody reaches; failing otherwise, it could not tell. */
	listen_err = verdict_errno(&r, "abstract-listen");
	if (listen_err != 0 && listen_err != EPERM) {
		boxed_selftest_set(
		    res, BOXED_ST_DUBIOUS, fix,
		    "could not tell: the run could not listen on an abstract socket");
		goto free;
	}
	for (int i = 0; i < 6; i++)
		accepted += boxed_selftest_accepted(fds[i]);
	accepted += (int)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(r.verdict, "abstract-in-accepted"));
	if (accepted) {
		add(seen, sizeof(seen), "; %d connection(s) got through", accepted);
		leaks++;
	}
	if (!leaks)
		snprintf(seen, sizeof(seen),
			 "; socket(AF_INET): %s, socket(AF_INET6): %s; abstract socket out: %s, "
			 "in: %s; the host's socket in /tmp: %s, under /run: %s, in /var/tmp: %s",
			 errno_text(verdict_errno(&r, "inet-stream")),
			 errno_text(verdict_errno(&r, "inet6-stream")),
			 errno_text(verdict_errno(&r, "abstract-out")), errno_text(in_err),
			 errno_text(verdict_errno(&r, "tmp-socket")),
			 c->root ? errno_text(verdict_errno(&r, "run-socket"))
				 : "not tried (needs root)",
			 errno_text(verdict_errno(&r, "stage-socket")));
	judge(c, res, leaks == 0, fix, "%s: %s", sealed_text(c, &r), seen + 2);
free:
	boxed_selftest_run_free(&r);
close:
	for (int i = 0; i < 6; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	unlink(tmp_sock);
	unlink(stage_sock);
	if (c->root)
		unlink(run_sock);
}

/* ---- memory-run-wide ---- */

#define FIX_MEMORY                                                                                 \
	"the run's init must bound the run's memory as a whole (hardening.memory_watchdog): "      \
	"reinstall boxed-run; " FIX_SEAL

/* A hog that the run's memory bound must end: in the sandbox, outcome
 * memory with reason memory-limit; a run that was not ended says how much
 * it held. Unsealed, a hog that is refused outright (isolated: true) holds
 * nothing either. */
/* In control mode the SysV hog ran on the host: should it have died
 * before it removed its segments, remove those it created (cpid). */
static void remove_segments_of(pid_t cpid)
{
	FILE *f = fopen("/proc/sysvipc/shm", "re");
	char line[512];

	while (f && fgets(line, sizeof(line), f)) {
		long v[6];

		/* key shmid perms size cpid ... */
		if (sscanf(line, "%ld %ld %ld %ld %ld", &v[0], &v[1], &v[2], &v[3], &v[4]) == 5 &&
		    v[4] == (long)cpid)
			shmctl((int)v[1], IPC_RMID, NULL);
	}
	if (f)
		fclose(f);
}

/* A hog that the run's memory bound must end: in the sandbox, outcome
 * memory with reason memory-limit; a run that was not ended says how much
 * it held. Unsealed, a hog that is refused outright (isolated: true) holds
 * nothing either. */
static void hog(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
		const char *probe, const char *const *args, const char *const *limits,
		unsigned long want_mib)
{
	struct boxed_selftest_spawn_opts o = {.limits = limits, .direct = c->control};
	struct boxed_selftest_run r;
	const cJSON *held = NULL;
	int fd, efd;
	pid_t pid = boxed_selftest_spawn(c, &o, probe, args, &fd, &efd);

	boxed_selftest_finish_run(c, &o, pid, fd, efd, &r);
	if (c->control)
		remove_segments_of(pid);
	if (r.verdict)
		held = cJSON_GetObjectItemCaseSensitive(r.verdict, "held_mib");
	if (!c->control && r.outcome && !strcmp(r.outcome, "memory"))
		boxed_selftest_set(
		    res,
		    r.reason && !strcmp(r.reason, "memory-limit") ? BOXED_ST_PASS : BOXED_ST_FAIL,
		    r.reason && !strcmp(r.reason, "memory-limit") ? NULL : FIX_MEMORY,
		    "ended as memory (%s) at %s", r.reason ? r.reason : "no reason", limits[1]);
	else if (cJSON_IsNumber(held) && held->valuedouble < (double)want_mib)
		boxed_selftest_set(
		    res, BOXED_ST_DUBIOUS, FIX_MEMORY,
		    "could not tell: the hog could not get its memory: %s",
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r.verdict, "detail")));
	else
		boxed_selftest_classify(res, c->control, c->control ? NULL : r.outcome, r.message,
					r.verdict, FIX_MEMORY);
	boxed_selftest_run_free(&r);
}

/* Item 6: a run's memory is bounded as a whole. Three processes that each
 * stay under --memory but together pass it end as memory; memfd, whose
 * pages no process needs to map, is refused (ENOSYS); SysV segments that
 * are created, touched and detached, mapped by no process at all, end as
 * memory too in a sealed run (unsealed, SysV IPC is refused). Small sizes,
 * so that control mode does not hurt the host. */
void boxed_selftest_seal_memory(const struct boxed_selftest_ctx *c,
				struct boxed_selftest_result *res)
{
	static const char *const label[] = {
	    "3 processes of 40 MiB under --memory 64M", "memfd",
	    "5 detached SysV segments of 16 MiB under --memory 64M"};
	static const char *const procs_limits[] = {"--memory", "64M", "--nproc", "4", NULL};
	static const char *const shm_limits[] = {"--memory", "64M", NULL};
	static const char *const procs_args[] = {"3", "40", NULL};
	static const char *const shm_args[] = {"5", "16", NULL};
	struct boxed_selftest_spawn_opts o = {0};
	struct boxed_selftest_result part[3];
	struct boxed_selftest_run r;

	memset(part, 0, sizeof(part));
	hog(c, &part[0], "mem-procs", procs_args, procs_limits, 120);
	boxed_selftest_run_probe(c, &o, "memfd", NULL, &r);
	boxed_selftest_classify(
	    &part[1], c->control, c->control ? NULL : r.outcome, r.message, r.verdict,
	    "boxed-run's seccomp filter must refuse memfd_create: reinstall it");
	boxed_selftest_run_free(&r);
	hog(c, &part[2], "shm-hog", shm_args, shm_limits, 80);
	merge(res, part, label, 3);
}

/* ---- host-userns ---- */

/* Is an AppArmor profile for the runner loaded? 1 yes, 0 no, -1 cannot
 * tell (no AppArmor, or its securityfs is not readable). */
static int apparmor_profile_loaded(void)
{
	FILE *f = fopen("/sys/kernel/security/apparmor/profiles", "re");
	char line[512];
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, BOXED_RUNNER_PATH " ") == line ||
			strncmp(line, "boxed-run ", 10) == 0;
	fclose(f);
	return found;
}

/* Can the caller (a throwaway user, when the selftest runs as root)
 * create a user namespace? 0 yes, else the errno of unshare(2). */
static int caller_unshare(const struct boxed_selftest_ctx *c)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		boxed_die_errno("fork");
	if (pid == 0) {
		boxed_selftest_become_caller(c);
		_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : errno & 0xff);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		boxed_die("unshare as the caller: the child failed");
	return WEXITSTATUS(st);
}

static void sysctl_text(char *buf, size_t len, const char *name, long v)
{
	if (v < 0)
		add(buf, len, "%s%s absent", buf[0] ? ", " : "", name);
	else
		add(buf, len, "%s%s=%ld", buf[0] ? ", " : "", name, v);
}

/* The layers a run went without, from its report's hardening.degraded
 * (reason "unsealed"). Returns how many; names them in buf. */
static int unsealed_layers(const struct boxed_selftest_run *r, char *buf, size_t len, int *no_proc)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(r->doc, "report"), "hardening");
	const cJSON *d;
	int n = 0;

	*no_proc = 0;
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(h, "degraded"))
	{
		const char *layer = cJSON_GetStringValue(cJSON_GetObjectItem(d, "layer"));
		const char *why = cJSON_GetStringValue(cJSON_GetObjectItem(d, "reason"));

		if (!layer || !why || strcmp(why, "unsealed"))
			continue;
		add(buf, len, "%s%s", n++ ? ", " : "", layer);
		*no_proc |= !strcmp(layer, "proc");
	}
	return n;
}

/* What to change so that runs are sealed, from the facts. */
static void userns_fix(const struct boxed_selftest_ctx *c, long max, long clone, long aa,
		       int profile, int err, int no_proc, char *fix, size_t len)
{
	long threads = boxed_selftest_sysctl_num("/proc/sys/kernel/threads-max");

	if (c->have_config && !c->cfg.namespaces)
		snprintf(fix, len, "set \"namespaces\": true in %s", BOXED_CONFIG_PATH);
	else if (max == 0 || err == ENOSPC)
		boxed_selftest_sysctl_fix(fix, len, "user.max_user_namespaces",
					  threads > 0 ? threads / 2 : 15000L);
	else if (clone == 0)
		boxed_selftest_sysctl_fix(fix, len, "kernel.unprivileged_userns_clone", 1);
	else if (aa == 1 && profile != 1) {
		char sysctl[320];

		boxed_selftest_sysctl_fix(sysctl, sizeof(sysctl),
					  "kernel.apparmor_restrict_unprivileged_userns", 0);
		snprintf(fix, len,
			 "load the AppArmor profile that allows user namespaces to %s "
			 "(apparmor_parser -r /etc/apparmor.d/boxed-run), or %s",
			 BOXED_RUNNER_PATH, sysctl);
	} else if (no_proc)
		snprintf(fix, len,
			 "the host's /proc is partly covered (a container's masked paths): the "
			 "kernel lets a run mount its own /proc only where the host's is fully "
			 "visible; run boxed on the host or in a container without masked /proc");
	else
		snprintf(fix, len,
			 "a security policy refuses user namespaces to unprivileged processes "
			 "(unshare: %s; a container's seccomp profile, SELinux): allow them for %s",
			 err ? strerror(err) : "allowed", BOXED_RUNNER_PATH);
}

/* The seal needs unprivileged user namespaces: the runner's child, once it
 * is the slot uid, creates one for the run. Say whether this host allows
 * that (the sysctls, AppArmor, a real unshare(2) as the caller) and what
 * a real run under --no-network reports: pass when it is sealed, else the
 * layers runs go without and what to change. */
void boxed_selftest_host_userns(const struct boxed_selftest_ctx *c,
				struct boxed_selftest_result *res)
{
	static const char *const limits[] = {"--no-network", NULL};
	struct boxed_selftest_spawn_opts o = {.limits = limits};
	long max = boxed_selftest_sysctl_num("/proc/sys/user/max_user_namespaces");
	long clone = boxed_selftest_sysctl_num("/proc/sys/kernel/unprivileged_userns_clone");
	long aa =
	    boxed_selftest_sysctl_num("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	int profile = apparmor_profile_loaded(), err = caller_unshare(c), no_proc;
	char facts[400] = "", layers[200] = "", fix[sizeof(res->fix)];
	struct boxed_selftest_run r;

	sysctl_text(facts, sizeof(facts), "user.max_user_namespaces", max);
	sysctl_text(facts, sizeof(facts), "kernel.unprivileged_userns_clone", clone);
	sysctl_text(facts, sizeof(facts), "kernel.apparmor_restrict_unprivileged_userns", aa);
	if (aa == 1)
		add(facts, sizeof(facts), ", the boxed-run AppArmor profile %s",
		    profile == 1   ? "loaded"
		    : profile == 0 ? "NOT loaded"
				   : "unknown");
	add(facts, sizeof(facts), "; an unprivileged process %s a user namespace%s%s",
	    err ? "cannot create" : "can create", err ? ": " : "", err ? strerror(err) : "");
	boxed_selftest_run_probe(c, &o, "marker", NULL, &r);
	unsealed_layers(&r, layers, sizeof(layers), &no_proc);
	userns_fix(c, max, clone, aa, profile, err, no_proc, fix, sizeof(fix));
	if (r.reason && !strcmp(r.reason, "unsealed"))
		boxed_selftest_set(res, BOXED_ST_FAIL, fix,
				   "every run is refused: the config has require_sealed and this "
				   "host cannot seal a run (%s); %s",
				   r.message ? r.message : "unsealed", facts);
	else if (!r.outcome || strcmp(r.outcome, "ok") != 0)
		boxed_selftest_set(res, BOXED_ST_DUBIOUS, NULL,
				   "could not tell: a real run ended as %s (%s): %s; %s",
				   r.outcome ? r.outcome : "nothing",
				   r.reason ? r.reason : "no reason", r.message ? r.message : "?",
				   facts);
	else if (r.sealed == 1 && !layers[0])
		boxed_selftest_set(
		    res, BOXED_ST_PASS, NULL,
		    "runs are sealed: a real run under --no-network had its own user, "
		    "PID, IPC, mount and network namespaces; %s; the run's target "
		    "cannot create one of its own (seccomp)",
		    facts);
	else
		boxed_selftest_set(res, BOXED_ST_WARN, fix,
				   "runs are not sealed: a real run went without %s (%s); %s",
				   layers[0] ? layers : "its namespaces",
				   r.sealed == 1 ? "sealed, in part" : "unsealed", facts);
	boxed_selftest_run_free(&r);
}

/* ---- an interrupted selftest ---- */

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

void boxed_selftest_seal_leftovers(const struct boxed_selftest_ctx *c, pid_t job)
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
	remove_ipc(ipc_key(job), name);
}
