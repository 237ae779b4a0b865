/* The outer side of the run-ends probe:
 * nothing of a run outlives it. A run with a target and a double-forked
 * daemon is ended three ways the caller controls: its runner SIGKILLed
 * (the run's init dies with it, by its parent-death signal, and with init
 * the PID namespace), its runner SIGSTOPped (init keeps the wall clock),
 * and its caller SIGKILLed (the runner watches it by pidfd). Every process
 * of the run must be gone within 100 ms of that end. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "die.h"
#include "fsutil.h"
#include "seal.h"

/* Every process of a run is gone within this much of its end. */
#define GONE_BOUND 0.100
/* How long past a bound the selftest keeps looking, to say how late. */
#define GONE_LATE 2.0
/* The wall clock of the run that is stopped. */
#define STOP_TIMEOUT 1.0
#define MEMBERS_MAX 16
/* The pause between attempts to reap what the probe orphaned. */
#define REAP_PAUSE 0.005

enum end_how {
	END_KILL,   /* the runner SIGKILLed */
	END_STOP,   /* the runner SIGSTOPped: the run ends at its wall clock anyway */
	END_CALLER, /* the runner's caller SIGKILLed */
};

/* A process of the run, held by a pidfd (not a pid, so that a reused pid
 * is never taken for a survivor). */
struct member {
	int fd;
	int gone;
	char name[32];
};

/* One way of ending a run, and what was seen of its end. */
struct end_case {
	enum end_how how;
	struct boxed_selftest_live l;
	struct member m[MEMBERS_MAX];
	int n, left, stopped;
	double start, t0, deadline, gone;
	char survivors[200];
};

/* The run's processes: every live process with the token but the runner
 * itself (the caller's, named boxed-run). Returns how many. */
static int run_members(const struct boxed_selftest_ctx *c, const char *token, struct member *m,
		       int max)
{
	struct boxed_selftest_proc procs[MEMBERS_MAX];
	int n = boxed_selftest_procs_with_token(token, procs, MEMBERS_MAX), k = 0;

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

	*last = boxed_now();
	while (left > 0) {
		struct pollfd pfd[MEMBERS_MAX];
		int idx[MEMBERS_MAX], k = 0;
		double wait = until - boxed_now();

		if (wait <= 0)
			break;
		for (int i = 0; i < n && k < MEMBERS_MAX; i++)
			if (!m[i].gone) {
				pfd[k] = (struct pollfd){.fd = m[i].fd, .events = POLLIN};
				idx[k++] = i;
			}
		if (poll(pfd, (nfds_t)k, (int)(wait * 1000) + 1) < 0 && errno != EINTR)
			boxed_die_child_errno("poll(pidfds)");
		*last = boxed_now();
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

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (boxed_read_text(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return '?';
	/* After the name, which may hold anything but its closing bracket. */
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
		boxed_selftest_append(d, len, "; continued, the runner reported %s (%s), exit %d",
				      r->outcome ? r->outcome : "nothing",
				      r->reason ? r->reason : "no reason", code);
		return r->outcome && !strcmp(r->outcome, "timeout") && r->reason &&
		       !strcmp(r->reason, "wall-limit") && code == 124;
	case END_CALLER:
		boxed_selftest_append(d, len, "; the runner reported %s (%s)",
				      r->outcome ? r->outcome : "nothing",
				      r->reason ? r->reason : "no reason");
		return r->outcome && !strcmp(r->outcome, "sandbox-error") && r->reason &&
		       !strcmp(r->reason, "caller-gone");
	}
	return 0;
}

/* Start the run and find its processes. Returns 1 when there are at
 * least two: the target and its daemon. */
static int start_case(const struct boxed_selftest_ctx *c, struct end_case *e)
{
	static const char *const kill_limits[] = {"--nproc", "4", "--timeout", "20", NULL};
	static const char *const stop_limits[] = {"--nproc", "4", "--timeout", "1", NULL};
	static const char *const what[] = {"killed", "stopped", "caller"};
	const char *args[2];

	boxed_selftest_live_init(c, &e->l, what[e->how],
				 e->how == END_STOP ? stop_limits : kill_limits);
	e->l.opts.via_caller = e->how == END_CALLER;
	args[0] = e->l.token, args[1] = NULL;
	boxed_selftest_live_start(c, &e->l, "run-ends", args);
	e->n = e->l.ready ? run_members(c, e->l.token, e->m, MEMBERS_MAX) : 0;
	return e->n >= 2;
}

/* End the run as e says, and time its members' end. */
static void end_run(const struct boxed_selftest_ctx *c, struct end_case *e)
{
	kill(e->l.pid, e->how == END_STOP ? SIGSTOP : SIGKILL);
	e->t0 = boxed_now();
	/* Stopped, the run ends at its wall clock, which started before it
	 * was ready: start + timeout is a lower bound, ready + timeout an
	 * upper one. */
	e->deadline = (e->how == END_STOP ? e->t0 + STOP_TIMEOUT : e->t0) + GONE_BOUND;
	e->left =
	    await_gone(e->m, e->n, c->control ? e->deadline : e->deadline + GONE_LATE, &e->gone);
	if (e->how == END_STOP)
		e->stopped = proc_state(e->l.pid) == 'T';
	/* What is left is ended here: in control mode, the probe's own
	 * processes; in a leaking sandbox, what the seal should have ended. */
	for (int i = 0; i < e->n; i++) {
		if (!e->m[i].gone)
			boxed_selftest_append(e->survivors, sizeof(e->survivors), " %s",
					      e->m[i].name);
		pidfd_send_signal(e->m[i].fd, SIGKILL, NULL, 0);
		close(e->m[i].fd);
	}
	if (e->how == END_STOP)
		kill(e->l.pid, SIGCONT);
}

static void describe_end(const struct end_case *e, char *d, size_t len)
{
	if (e->left)
		snprintf(d, len, "%d of the run's %d processes (%s) still there %.0f ms later",
			 e->left, e->n, e->survivors + 1, (e->gone - e->t0) * 1000);
	else if (e->how == END_STOP)
		snprintf(d, len,
			 "the run's %d processes were gone %.0f ms after its start (timeout "
			 "%.0f ms), the runner %s",
			 e->n, (e->gone - e->start) * 1000, STOP_TIMEOUT * 1000,
			 e->stopped ? "still stopped" : "NOT STOPPED");
	else
		snprintf(d, len, "the run's %d processes were gone in %.0f ms", e->n,
			 (e->gone - e->t0) * 1000);
}

/* One way of ending a run around a sleeping target and a double-forked
 * daemon. Returns 1 when every process of the run was gone in time (and
 * the runner reported it as it should), 0 when not, -1 when it could not
 * tell; says what it saw in d. */
static int run_ends_case(const struct boxed_selftest_ctx *c, enum end_how how, char *d, size_t len)
{
	struct end_case e = {.how = how, .start = boxed_now()};
	struct boxed_selftest_run r;
	int ok, reported;

	if (!start_case(c, &e)) {
		kill(e.l.pid, SIGKILL);
		boxed_selftest_live_finish(c, &e.l, &r);
		snprintf(d, len, "the run with a daemon did not start (%s)",
			 r.message	     ? r.message
			 : r.err && r.err[0] ? r.err
					     : "no report");
		boxed_selftest_run_free(&r);
		for (int i = 0; i < e.n; i++)
			close(e.m[i].fd);
		return -1;
	}
	end_run(c, &e);
	boxed_selftest_live_finish(c, &e.l, &r);
	describe_end(&e, d, len);
	ok = !e.left && e.gone <= e.deadline;
	if (how == END_STOP)
		ok = ok && e.stopped && e.gone >= e.start + STOP_TIMEOUT;
	reported = c->control || end_reported(how, &r, d, len);
	boxed_selftest_run_free(&r);
	return ok && reported;
}

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
		boxed_die_child_errno("prctl(PR_SET_CHILD_SUBREAPER)");
	for (int how = END_KILL; how <= END_CALLER; how++) {
		char d[sizeof(part[0].message)] = "";
		int ok = run_ends_case(c, (enum end_how)how, d, sizeof(d));

		memset(&part[how], 0, sizeof(part[how]));
		if (ok < 0)
			boxed_selftest_set(&part[how], BOXED_ST_DUBIOUS, fix[how], "%s", d);
		else
			boxed_selftest_judge(c, &part[how], ok, fix[how], "%s", d);
	}
	boxed_selftest_merge(res, part, label, 3);
	give_up = boxed_now() + GONE_LATE;
	while (waitpid(-1, NULL, WNOHANG) >= 0 && boxed_now() < give_up)
		boxed_sleep(REAP_PAUSE);
}
