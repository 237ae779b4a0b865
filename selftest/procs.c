/* The host's processes as the outer side finds them in /proc: a run's
 * processes by a token on their command line, and what a run left behind
 * by its slot uid. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "die.h"
#include "fsutil.h"
#include "outer.h"

/* A /proc scan's pause while waiting: short beside every bound of the
 * probes. */
#define AWAIT_PAUSE 0.005

/* Read /proc/NAME (/proc at dirfd) into p. Returns 0, or -1 when it
 * is gone, a zombie or a kernel thread (an empty command line). */
static int read_proc(int dirfd, const char *name, struct boxed_selftest_proc *p)
{
	char path[300], status[4096], *s;
	ssize_t len;

	snprintf(path, sizeof(path), "%s/cmdline", name);
	len = boxed_read_text(dirfd, path, p->args, sizeof(p->args));
	if (len <= 0)
		return -1;
	p->arglen = (size_t)len;
	/* The uid of the status, not the owner of /proc/PID: that is root for
	 * a process made non-dumpable by its credential change. */
	snprintf(path, sizeof(path), "%s/status", name);
	if (boxed_read_text(dirfd, path, status, sizeof(status)) < 0)
		return -1;
	if ((s = strstr(status, "\nState:\t")) && (s[8] == 'Z' || s[8] == 'X'))
		return -1;
	p->pid = (pid_t)strtol(name, NULL, 10);
	p->ruid = (s = strstr(status, "\nUid:\t")) ? strtol(s + 6, NULL, 10) : -1;
	s = strncmp(status, "Name:\t", 6) == 0 ? status + 6 : status;
	snprintf(p->name, sizeof(p->name), "%.*s", (int)strcspn(s, "\n"), s);
	return 0;
}

int boxed_selftest_procs(int (*match)(const struct boxed_selftest_proc *p, const void *arg),
			 const void *arg, struct boxed_selftest_proc *out, int max)
{
	DIR *dir = opendir("/proc");
	struct boxed_selftest_proc p;
	struct dirent *e;
	int n = 0;

	if (!dir)
		boxed_die_child_errno("opendir(/proc)");
	while ((e = readdir(dir))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		if (read_proc(dirfd(dir), e->d_name, &p) != 0 || !match(&p, arg))
			continue;
		if (out && n < max)
			out[n] = p;
		n++;
	}
	closedir(dir);
	return n;
}

/* Does the command line hold token as one argument? */
static int has_token(const struct boxed_selftest_proc *p, const void *token)
{
	for (size_t i = 0; i < p->arglen; i += strlen(p->args + i) + 1)
		if (strcmp(p->args + i, token) == 0)
			return 1;
	return 0;
}

int boxed_selftest_procs_with_token(const char *token, struct boxed_selftest_proc *out, int max)
{
	int n = boxed_selftest_procs(has_token, token, out, max);

	return n < max ? n : max;
}

struct uid_needle {
	long uid;
	const char *needle;
};

/* Is it of the uid, its command line (arguments joined by spaces)
 * holding the needle? Another run can reuse the slot at once, so the uid
 * alone would blame the wrong run. */
static int of_uid_with(const struct boxed_selftest_proc *p, const void *arg)
{
	const struct uid_needle *w = arg;
	char cmd[sizeof(p->args)];

	if (p->ruid != w->uid)
		return 0;
	memcpy(cmd, p->args, p->arglen);
	cmd[p->arglen] = '\0';
	for (size_t i = 0; i < p->arglen; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	return strstr(cmd, w->needle) != NULL;
}

int boxed_selftest_count_procs(long uid, const char *needle)
{
	struct uid_needle w = {uid, needle};

	return boxed_selftest_procs(of_uid_with, &w, NULL, 0);
}

/* Has pid (our child) exited? It is not reaped: its run's finish does that. */
static int child_exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

struct token_match {
	const char *token;
	int (*match)(const struct boxed_selftest_proc *p, const void *arg);
	const void *arg;
};

static int token_and(const struct boxed_selftest_proc *p, const void *arg)
{
	const struct token_match *t = arg;

	return has_token(p, t->token) && t->match(p, t->arg);
}

int boxed_selftest_await_proc(const char *token,
			      int (*match)(const struct boxed_selftest_proc *p, const void *arg),
			      const void *arg, pid_t run, double seconds,
			      struct boxed_selftest_proc *found)
{
	struct token_match t = {token, match, arg};
	double give_up = boxed_now() + seconds;

	for (;;) {
		if (boxed_selftest_procs(token_and, &t, found, 1) > 0)
			return 1;
		if (child_exited(run) || boxed_now() >= give_up)
			return 0;
		boxed_sleep(AWAIT_PAUSE);
	}
}
