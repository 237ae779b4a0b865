/* The supervisor process itself: the ground it stands on (its standard
 * fds, its signal dispositions), the signals and the caller's exit that
 * end a run, the pipes of the run, and its effective ids. Everything else
 * it does follows the run's lifecycle (lifecycle.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "die.h"
#include "sigfd.h"
#include "system.h"

/* A caller may start us with fd 0, 1 or 2 closed: the next open() (a pipe
 * of the run, a lock) would take its place, and output relayed to
 * "stdout" would land there. */
static void ensure_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		int null;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		null = open("/dev/null", O_RDWR | O_NOCTTY);
		if (null != fd)
			_exit(BOXED_RUN_EXIT_SANDBOX);
	}
}

/* Signal dispositions that would change how the supervisor works. */
void boxed_run_supervisor_settle(void)
{
	/* A reader of our output that goes away must not kill the supervisor
	 * in the middle of a run. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		boxed_die_errno("signal(SIGPIPE, SIG_IGN)");
	/* A caller may start us with SIGCHLD ignored, which survives execve:
	 * the kernel would then reap our children itself, taking their exit
	 * status (and their pid) with them. */
	if (signal(SIGCHLD, SIG_DFL) == SIG_ERR)
		boxed_die_errno("signal(SIGCHLD, SIG_DFL)");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		boxed_die_errno("prctl(PR_SET_DUMPABLE, 0)");
}

void boxed_run_supervisor_ground(void)
{
	ensure_std_fds();
}

static void make_pipe(int fds[2], const char *what)
{
	if (pipe2(fds, O_CLOEXEC) != 0)
		boxed_die_errno("pipe2(%s)", what);
}

/* SIGINT, SIGTERM and SIGHUP to the runner end the run cleanly (killed,
 * cleaned, reported) instead of leaving it to the next run of the slot. */
int boxed_run_supervisor_signals(void)
{
	int fd = boxed_sigfd(NULL, SIGINT, SIGTERM, SIGHUP, 0);

	if (fd < 0)
		boxed_die_errno("signalfd(SIGINT, SIGTERM, SIGHUP)");
	return fd;
}

/* Nothing of a run outlives its caller: the process that started us is
 * watched through a pidfd (a process, not the thread that forked us, as
 * PR_SET_PDEATHSIG would), and its exit ends the run. getppid() is read
 * again after pidfd_open(): a parent that died in between is not watched
 * by the pid of whatever process reused it. Returns -1 when there is no
 * caller to watch (reparented to init already). */
int boxed_run_watch_caller(void)
{
	pid_t parent = getppid();
	int fd;

	if (parent <= 1)
		return -1;
	fd = pidfd_open(parent, 0);
	if (fd < 0)
		boxed_die_errno("pidfd_open(caller %d)", (int)parent);
	if (getppid() != parent) {
		close(fd);
		return -1;
	}
	return fd;
}

void boxed_run_pipes_open(struct boxed_run_pipes *p, int python, struct boxed_run_plan *plan)
{
	p->req[0] = p->req[1] = p->res[0] = p->res[1] = -1;
	make_pipe(p->event, "events");
	make_pipe(p->control, "control");
	make_pipe(p->out, "stdout");
	make_pipe(p->err, "stderr");
	if (python) {
		make_pipe(p->req, "request");
		make_pipe(p->res, "result");
	}
	plan->event_fd = p->event[1];
	plan->control_fd = p->control[0];
	plan->stdout_fd = p->out[1];
	plan->stderr_fd = p->err[1];
	plan->request_fd = p->req[0];
	plan->result_fd = p->res[1];
}

static void close_if_open(int fd)
{
	if (fd >= 0)
		close(fd);
}

void boxed_run_pipes_keep_ours(struct boxed_run_pipes *p, struct boxed_run_super *s)
{
	close(p->event[1]);
	close(p->control[0]);
	close(p->out[1]);
	close(p->err[1]);
	close_if_open(p->req[0]);
	close_if_open(p->res[1]);
	s->event_fd = p->event[0];
	s->control_fd = p->control[1];
	s->out_fd = p->out[0];
	s->err_fd = p->err[0];
	s->request_fd = p->req[1];
	s->result_fd = p->res[0];
}

void boxed_run_supervisor_take_slot_ids(uid_t slot_uid)
{
	uid_t r, e, su;
	gid_t rg, eg, sg;

	if (boxed_run_caps_raise() != 0)
		boxed_die_errno("cap_set_proc(raise cap_setuid)");
	if (setresgid((gid_t)-1, (gid_t)slot_uid, (gid_t)-1) != 0)
		boxed_die_errno("setresgid(-1, %u, -1)", (unsigned)slot_uid);
	if (setresuid((uid_t)-1, slot_uid, (uid_t)-1) != 0)
		boxed_die_errno("setresuid(-1, %u, -1)", (unsigned)slot_uid);
	if (getresuid(&r, &e, &su) != 0 || e != slot_uid || getresgid(&rg, &eg, &sg) != 0 ||
	    eg != (gid_t)slot_uid)
		boxed_die("effective ids are not %u after setresgid and setresuid",
			  (unsigned)slot_uid);
	/* A root caller loses its effective set with euid 0: nothing to lower. */
	if (boxed_run_caps_lower() != 0)
		boxed_die_errno("cap_set_proc(lower effective)");
}
