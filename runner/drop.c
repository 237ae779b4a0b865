/* The child's way from "forked supervisor with cap_setuid,cap_setgid" to
 * "a process of the slot uid that holds nothing", which then starts the
 * run's init (seal.c). One function per step; run_child() near the end is
 * the checklist of BLUEPRINT §2. Every step that fails dies
 * (boxed_die_child*), so nothing runs after a partial drop.
 *
 * The child is a plain fork(), not a CLONE_VM one as posix_spawn() makes:
 * until its uid is dropped the caller may kill it at any instruction, and a
 * child killed in the middle of a malloc() (libcap allocates) would leave a
 * shared heap corrupt under a supervisor that holds capabilities. It leaves
 * only by execve or _exit(), never exit(), so that it neither runs the
 * atexit handlers nor flushes the stdio buffers it inherited.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/fsuid.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "become.h"
#include "caps.h"
#include "die.h"
#include "fsutil.h"
#include "system.h"

/* Move fd above the range of fds being arranged, close-on-exec. */
static int lift(int fd, const char *what)
{
	int high;

	if (fd < 0)
		return -1;
	high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	if (high < 0)
		boxed_die_child_errno("fcntl(%s, F_DUPFD_CLOEXEC)", what);
	return high;
}

static void place(int from, int to, int cloexec, const char *what)
{
	if (dup3(from, to, cloexec ? O_CLOEXEC : 0) != to)
		boxed_die_child_errno("dup3(%s, %d)", what, to);
}

/* Only the protocol fds cross into the sandbox: any other fd of the
 * caller's (a terminal, a socket, a file opened for writing) would be a
 * way out of it. */
static void verify_fds(int last)
{
	char buf[1024];
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ssize_t n;

	if (dir < 0)
		boxed_die_child_errno("open(/proc/self/fd)");
	while ((n = getdents64(dir, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			const struct dirent64 *d = (const void *)(buf + off);
			char *end;
			long fd = strtol(d->d_name, &end, 10);

			off += d->d_reclen;
			if (d->d_name[0] == '.' || *end != '\0' || fd == dir)
				continue;
			if (fd > last)
				boxed_die_child("fd %ld is still open after close_range", fd);
		}
	}
	if (n < 0)
		boxed_die_child_errno("getdents64(/proc/self/fd)");
	close(dir);
}

/* Arrange the fds of the run (struct boxed_run_fds): the target's 0-4,
 * then the event and control pipes, close-on-exec, and nothing else. */
static void setup_fds(const struct boxed_run_plan *p, struct boxed_run_fds *fds)
{
	int python = p->request_fd >= 0;
	int first_private = python ? 5 : 3;
	int out = lift(p->stdout_fd, "stdout pipe"), err = lift(p->stderr_fd, "stderr pipe");
	int req = lift(p->request_fd, "request pipe"), res = lift(p->result_fd, "result pipe");
	int event = lift(p->event_fd, "event pipe"), control = lift(p->control_fd, "control pipe");
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (null < 0)
		boxed_die_child_errno("open(/dev/null)");
	null = lift(null, "/dev/null");
	/* From here on fd 2 is the run's stderr, so every failure message
	 * below reaches whoever reads the run's output. */
	place(err, 2, 0, "stderr pipe");
	place(null, 0, 0, "/dev/null");
	place(out, 1, 0, "stdout pipe");
	if (python) {
		place(req, 3, 0, "request pipe");
		place(res, 4, 0, "result pipe");
	}
	place(event, first_private, 1, "event pipe");
	place(control, first_private + 1, 1, "control pipe");
	if (close_range((unsigned)first_private + 2, ~0U, 0) != 0)
		boxed_die_child_errno("close_range(%d, ~0)", first_private + 2);
	verify_fds(first_private + 1);
	fds->event = first_private;
	fds->control = first_private + 1;
}

static int set_effective(cap_flag_value_t value)
{
	cap_t caps = cap_get_proc();
	cap_value_t want[] = {CAP_SETUID, CAP_SETGID};
	int rc;

	if (!caps)
		return -1;
	rc = cap_set_flag(caps, CAP_EFFECTIVE, 2, want, value);
	if (rc == 0)
		rc = cap_set_proc(caps);
	cap_free(caps);
	return rc;
}

int boxed_run_caps_raise(void)
{
	return set_effective(CAP_SET);
}

int boxed_run_caps_lower(void)
{
	return set_effective(CAP_CLEAR);
}

static void raise_effective(void)
{
	if (boxed_run_caps_raise() != 0)
		boxed_die_child_errno("cap_set_proc(raise cap_setuid,cap_setgid)");
}

/* Fail closed: a runner without exactly its capabilities (nosuid mount,
 * no_new_privs caller, capabilities lost on upgrade) must not go on with
 * whatever it happens to hold. */
static void assert_expected_caps(void)
{
	cap_t have = cap_get_proc(), want = cap_from_text(BOXED_RUNNER_CAPS_TEXT);

	if (!have || !want)
		boxed_die_child_errno("cap_get_proc");
	if (cap_compare(have, want) != 0) {
		char *text = cap_to_text(have, NULL);

		boxed_die_child("holds capabilities '%s' instead of '%s'", text ? text : "?",
				BOXED_RUNNER_CAPS_TEXT);
	}
	cap_free(have);
	cap_free(want);
}

static void build_env(const struct boxed_run_plan *p, struct boxed_run_env *env)
{
	if (boxed_run_env_build(env, p->slot->home, p->caller_env) != 0)
		boxed_die_child_errno("building the environment");
}

/* Handlers and masks survive fork, and ignored signals survive exec (an
 * ignored SIGPIPE or a blocked SIGTERM would change how the target dies).
 * Only the signals the kernel lists as ignored or caught are reset: one
 * read of /proc/self/status instead of a sigaction() for each of 64. */
static void reset_signals(void)
{
	struct sigaction sa;
	uint64_t ignored, caught;
	char status[4096];
	sigset_t none;

	if (boxed_read_text(AT_FDCWD, "/proc/self/status", status, sizeof(status)) <= 0)
		boxed_die_child_errno("reading /proc/self/status");
	if (boxed_status_hex(status, "SigIgn", &ignored) != 0 ||
	    boxed_status_hex(status, "SigCgt", &caught) != 0)
		boxed_die_child("no SigIgn or SigCgt in /proc/self/status");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG && sig <= 64; sig++) {
		if (!((ignored | caught) & (UINT64_C(1) << (sig - 1))))
			continue;
		/* glibc reserves a few real-time signals and refuses them. */
		if (sigaction(sig, &sa, NULL) != 0 && errno != EINVAL)
			boxed_die_child_errno("sigaction(%d, SIG_DFL)", sig);
	}
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
		boxed_die_child_errno("sigprocmask");
}

/* A process that shares the caller's controlling terminal can push input
 * into it (TIOCSTI); a new session has no controlling terminal. */
static void new_session(void)
{
	if (setsid() < 0)
		boxed_die_child_errno("setsid");
}

/* Groups, gid, uid and every capability, for good, read back and proven
 * by trying to undo it (lib/become.c). The ids before are the caller's
 * real ones: the supervisor changed only its effective ids. */
static void become_slot(uid_t u)
{
	struct boxed_identity slot = {.uid = u, .gid = (gid_t)u};
	char err[256];

	if (boxed_become(&slot, err, sizeof(err)) != 0)
		boxed_die_child("dropping to the slot uid %u: %s", (unsigned)u, err);
}

/* No exec may gain privilege from here on: a setuid-root or file-capability
 * binary runs with the slot's ids and nothing else. */
static void set_no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		boxed_die_child_errno("prctl(PR_SET_NO_NEW_PRIVS)");
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		boxed_die_child("no_new_privs did not stick");
}

/* The credential change cleared any parent-death signal, so set it now;
 * if the supervisor died before this point, nobody would ever kill us. */
static void set_pdeathsig(pid_t supervisor)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
		boxed_die_child_errno("prctl(PR_SET_PDEATHSIG)");
	if (getppid() != supervisor)
		boxed_die_child("the supervisor is gone");
}

/* An unsealed run whose runner was killed with SIGKILL could not be
 * cleaned: kill whatever an earlier run of this uid left, before it can
 * signal or ptrace the new run (a sealed run's leftovers die with its init,
 * but the host may have refused the namespaces last time). */
static void kill_leftovers(void)
{
	if (boxed_kill_own_processes() != 0)
		boxed_die_child_errno("kill(-1, SIGKILL)");
}

/* The child: check caps, drop, and start the run's init, in the order of
 * BLUEPRINT §2 (init and the target do the rest: seal.c, init.c,
 * confine.c). Any failure dies with BOXED_RUN_EXIT_SANDBOX before the
 * target runs. */
__attribute__((noreturn)) static void run_child(const struct boxed_run_plan *p)
{
	struct boxed_run_fds fds;
	struct boxed_run_env env;
	uid_t u = p->slot->uid;

	setup_fds(p, &fds);
	raise_effective();
	assert_expected_caps();
	build_env(p, &env);
	reset_signals();
	new_session();
	become_slot(u);
	set_no_new_privs();
	set_pdeathsig(p->supervisor);
	kill_leftovers();
	boxed_run_start_init(p, &env, &fds);
	_exit(0);
}

pid_t boxed_run_spawn(const struct boxed_run_plan *plan, int *pidfd)
{
	pid_t pid = fork();

	if (pid < 0)
		boxed_die_errno("fork");
	if (pid == 0)
		run_child(plan);
	*pidfd = pidfd_open(pid, 0);
	if (*pidfd < 0)
		boxed_die_errno("pidfd_open(%d)", (int)pid);
	return pid;
}

int boxed_run_caps_prepare(char *err, size_t errlen)
{
	cap_t have, want;
	int rc = 0;

	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
		return boxed_errf(err, errlen,
				  "the caller runs with no_new_privs, so the kernel did not grant "
				  "boxed-run its capabilities; run it without no_new_privs");
	want = cap_from_text(BOXED_RUNNER_CAPS_TEXT);
	if (!want)
		return boxed_errf(err, errlen, "cap_from_text: %s", strerror(errno));
	/* Root starts with every capability: keep only the two we need. */
	if ((getuid() == 0 || geteuid() == 0) && cap_set_proc(want) != 0) {
		cap_free(want);
		return boxed_errf(err, errlen, "cap_set_proc(%s): %s", BOXED_RUNNER_CAPS_TEXT,
				  strerror(errno));
	}
	have = cap_get_proc();
	if (!have || cap_compare(have, want) != 0) {
		char *text = have ? cap_to_text(have, NULL) : NULL;

		rc = boxed_errf(err, errlen,
				"boxed-run holds capabilities '%s' instead of '%s' (missing file "
				"capabilities, a nosuid mount or an unprivileged copy); run "
				"boxed-setup install",
				text && *text ? text : "none", BOXED_RUNNER_CAPS_TEXT);
		cap_free(text);
	} else if (cap_clear_flag(have, CAP_EFFECTIVE) != 0 || cap_set_proc(have) != 0) {
		/* The supervisor itself needs no capability in effect: only the
		 * children it forks raise them, to drop to the slot uid. */
		rc = boxed_errf(err, errlen, "cap_set_proc(lower effective): %s", strerror(errno));
	}
	cap_free(have);
	cap_free(want);
	return rc;
}

void boxed_run_become_slot(uid_t uid)
{
	raise_effective();
	assert_expected_caps();
	become_slot(uid);
}
