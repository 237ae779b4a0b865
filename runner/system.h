/* boxed-run's system interfaces: the slot lock, the child's drop, the
 * seal and the run's init, the target's confinement, supervision and
 * cleanup. Each of these calls the kernel; the pure logic they use is in
 * runner.h.
 */
#ifndef BOXED_RUN_SYSTEM_H
#define BOXED_RUN_SYSTEM_H

#include <sys/types.h>

#include "runner.h"

/* A locked slot: the lock fd stays open (and flock()ed) until the runner
 * exits, so the kernel releases the slot even when the runner is killed.
 * dir is STATEDIR/slots/N (root:U 0710), home its run directory (U:U
 * 0700), the run's HOME, TMPDIR and working directory. */
struct boxed_run_slot {
	unsigned index;
	uid_t uid; /* also the gid */
	int lock_fd;
	char dir[4096];
	char home[4096];
};

/* Lock a free slot of cfg under statedir, waiting up to wait_secs (0: do
 * not wait) with a bounded retry. Returns BOXED_RUN_REASON_NONE, or the
 * code (slots-busy, not-in-group, state-broken) with the message in err. */
enum boxed_run_reason boxed_run_slot_acquire(const struct boxed_config *cfg, const char *statedir,
					     double wait_secs, struct boxed_run_slot *slot,
					     char *err, size_t errlen);

/* --- Process setup --- */

/* Everything the child, init and the target need, prepared by the
 * supervisor before fork. */
struct boxed_run_plan {
	const struct boxed_run_args *args;
	const struct boxed_limits *limits;
	const struct boxed_config *cfg;
	const struct boxed_run_slot *slot;
	const char *const *argv; /* what to execve */
	const char *exec_path;	 /* python mode: the interpreter */
	char *const *caller_env;
	uid_t caller_uid;
	gid_t caller_gid;
	pid_t supervisor;
	int landlock_abi;
	int event_fd;	/* write end of the event pipe, CLOEXEC */
	int control_fd; /* read end of the control pipe, CLOEXEC */
	int stdout_fd, stderr_fd;
	int request_fd, result_fd; /* python mode, else -1 */
};

/* Fork the child that drops, seals and starts the run (drop.c). Returns
 * its pid, with a pidfd for it in *pidfd. Dies if it cannot be started. */
pid_t boxed_run_spawn(const struct boxed_run_plan *plan, int *pidfd);

/* The fds of the run, as the child arranges them for init and the target:
 * 0 /dev/null, 1 and 2 the output pipes, 3 and 4 the request and result in
 * Python mode; the event and control pipes above, close-on-exec. */
struct boxed_run_fds {
	int event;
	int control;
};

/* In the child, dropped for good: clone the run's init, in new namespaces
 * unless they are refused or turned off (seal.c). Returns only when init
 * has ended (the child is then done). */
void boxed_run_start_init(const struct boxed_run_plan *p, const struct boxed_run_env *env,
			  const struct boxed_run_fds *fds);

/* The run's init (init.c), entered by the clone of start_init: seal when
 * sealed (maps, mounts, capabilities dropped), start the target, watch the
 * run to its end, report it on the event pipe. Never returns. */
struct boxed_run_init_ctx {
	const struct boxed_run_plan *plan;
	const struct boxed_run_env *env;
	struct boxed_run_fds fds;
	int sealed;
	pid_t host_pid; /* init's pid in the supervisor's namespace (CLONE_PARENT_SETTID) */
};
__attribute__((noreturn)) void boxed_run_init_main(struct boxed_run_init_ctx *ctx);

/* In init, sealed: map the slot uid and gid alone into the new user
 * namespace, then mount the run's /proc, its tmpfs (run directory, /tmp,
 * /dev/shm) and, without network, cover the host's socket paths (seal.c).
 * Returns 0, or the errno of mounting /proc when only that failed. Dies on
 * any other failure. */
/* A stack of size bytes for a clone()d process, with a guard page below
 * it; what names it in the message of a failure. Returns its top. Dies on
 * failure (a child's death). */
void *boxed_run_new_stack(size_t size, const char *what);

int boxed_run_seal_filesystem(const struct boxed_run_plan *p);

/* In the target, last: limits, Landlock, seccomp, then execve (confine.c).
 * Never returns. */
__attribute__((noreturn)) void boxed_run_confine_and_exec(const struct boxed_run_plan *p,
							  const struct boxed_run_env *env,
							  int sealed, int event_fd);

/* Write one event; dies (as a child) if the pipe refuses it. */
void boxed_run_send_event(int fd, const struct boxed_run_event *ev);

/* Check that the process holds exactly cap_setuid and cap_setgid in its
 * permitted set, nothing inheritable or ambient, no no_new_privs. When the
 * caller is root, first reduce the sets to exactly that. Then lower the
 * effective set (children raise it again). Returns 0, or -1 with the reason
 * in err. */
__attribute__((warn_unused_result)) int boxed_run_caps_prepare(char *err, size_t errlen);

/* Raise cap_setuid,cap_setgid into the effective set, or lower them out
 * of it again. Return 0, or -1 with errno set. */
__attribute__((warn_unused_result)) int boxed_run_caps_raise(void);
__attribute__((warn_unused_result)) int boxed_run_caps_lower(void);

/* In a child of the supervisor: raise the runner's capabilities, check
 * they are exactly its own, and become the slot uid for good (lib/become.h).
 * Dies on any failure. */
void boxed_run_become_slot(uid_t uid);

/* --- Supervision --- */

/* The whole of boxed-run: parse argv, walk the run's lifecycle
 * (lifecycle.c), exit with the status of its outcome. */
__attribute__((noreturn)) void boxed_run_main(int argc, char **argv);

/* A supervised run. */
struct boxed_run_super {
	pid_t child, init;
	int child_pidfd, init_pidfd;		   /* -1 when gone */
	int event_fd, control_fd;		   /* -1 when closed */
	int out_fd, err_fd, result_fd, request_fd; /* -1 when closed */
	int sig_fd;				   /* signalfd of SIGINT, SIGTERM, SIGHUP */
	int caller_fd; /* pidfd of the process that started us, -1: none */
	int relay;     /* program mode without --json */
	struct boxed_run_capture out, err, result;
	size_t out_seen, err_seen; /* bytes read, kept or not */
	size_t output_limit, result_limit;
	const char *request;
	size_t request_len, request_off;
	double timeout;	    /* the run's wall clock, enforced by init */
	double start, end;  /* of the run (boxed_now): spawn, or delivery in Python mode */
	int clock_started;  /* init has been told to start the clock */
	int sealed;	    /* the child reported no UNSEALED */
	int unsealed_errno; /* its errno, 0 when turned off by config */
	int no_proc_errno;  /* a sealed run without its own /proc */
	int unclean_errno;  /* an unsealed slot that could not be cleaned */
	int started;	    /* the target reached execve */
	int exec_errno;
	struct boxed_run_event answered, ended; /* kind 0 until received */
	int timed_out; /* the supervisor's own bound ran out (init did not) */
	int output_exceeded;
	int fork_refused; /* the run's stderr said "Cannot fork" or the like */
	int interrupted;  /* signal number that stopped the supervisor, 0: none */
	int caller_gone;
	int init_status; /* wait status of init, once reaped */
};

/* --- The supervisor process (supervisor.c) --- */

/* Before anything else: fds 0, 1 and 2 open (a caller may start us with one
 * closed, and the next open() would take its place). Exits 125 if not. */
void boxed_run_supervisor_ground(void);

/* The signal dispositions the supervisor works with: SIGPIPE ignored,
 * SIGCHLD default, not dumpable. Dies on failure. */
void boxed_run_supervisor_settle(void);

/* Block SIGINT, SIGTERM and SIGHUP and return a signalfd for them: they
 * end the run cleanly. Dies on failure. */
int boxed_run_supervisor_signals(void);

/* A pidfd for the process that started us, -1 when there is none to
 * watch (re-parented already). Dies on failure. */
int boxed_run_watch_caller(void);

/* The pipes of a run, both ends, until the child has its own copies. */
struct boxed_run_pipes {
	int event[2], control[2], out[2], err[2], req[2], res[2];
};

/* Make the pipes (close-on-exec; request and result in Python mode only)
 * and give the child's ends to the plan. Dies on failure. */
void boxed_run_pipes_open(struct boxed_run_pipes *p, int python, struct boxed_run_plan *plan);

/* After the fork: close the child's ends and keep ours in s. */
void boxed_run_pipes_keep_ours(struct boxed_run_pipes *p, struct boxed_run_super *s);

/* Set the supervisor's effective uid and gid (and so its filesystem ids)
 * to the slot's, keeping its real and saved ids. A signal is sent with the
 * credentials of its sender and must pass the usual kill() permission
 * check, which a supervisor running as the caller fails against the slot
 * uid: without this, neither init's parent-death signal nor the
 * supervisor's SIGKILL through a pidfd would reach the run. The gid is for
 * the files: the slot's directory is root:slot 0710, and the wipe after an
 * unsealed run goes through it. The run still cannot signal or ptrace the
 * supervisor (its real and saved uid are the caller's, and it is not
 * dumpable). Dies on failure. */
void boxed_run_supervisor_take_slot_ids(uid_t slot_uid);

/* Follow the run's setup through its events until the target has reached
 * execve, or setup has failed, or seconds have passed (the run is then
 * killed). Returns 0 when the target runs, 1 when setup failed (the reason
 * is on the run's stderr, or in s->unsealed_errno under require_sealed),
 * 2 when execve failed (s->exec_errno). */
int boxed_run_wait_started(struct boxed_run_super *s, double seconds);

/* Read the events that are in the event pipe now (it may be blocking or
 * not). Returns 0, or -1 at its end (every writer gone). */
int boxed_run_read_events(struct boxed_run_super *s);

/* Python mode: the request is about to be delivered; tell init to start the
 * run's wall clock. */
void boxed_run_start_clock(struct boxed_run_super *s);

/* Watch the run until init reports its end (or, in Python mode, the
 * target's stop after its result), init dies, an output bound is passed,
 * the supervisor is told to stop (SIGINT, SIGTERM, SIGHUP) or the caller
 * exits. Relays or captures output, delivers the request and collects the
 * result. Init keeps the wall clock; the supervisor's own bound, a little
 * later, stands in should init be stopped or killed (an unsealed run can
 * do both). Dies only on a failure of poll itself. */
void boxed_run_supervise(struct boxed_run_super *s);

/* Send SIGKILL to the process of pidfd (pid: for the message). Dies if that
 * fails for any reason but the process being gone. */
void boxed_run_kill_pidfd(int pidfd, pid_t pid);

/* Wait up to seconds for the process of pidfd to exit. Returns 1 when it
 * has, 0 when the time ran out. */
int boxed_run_await_pidfd(int pidfd, double seconds);

/* The supervisor's own peak resident set (VmHWM, not getrusage()'s
 * ru_maxrss, which the kernel carries across execve from whatever started
 * us), in KiB; -1 when /proc cannot tell. */
long boxed_run_own_peak_rss_kib(void);

/* End the run for good. Sealed: once init has reported that it reaped
 * every process of the run, nothing of the run is left, and init's own
 * exit (the namespaces' teardown, most of a millisecond) is not waited
 * for; else init is killed, and with it every process of the namespace.
 * Unsealed: also kill every process of the slot uid from a short-lived
 * child that drops fully to it, remove the IPC objects it owns, and wipe
 * the run directory. Returns 0, or -1 when the slot could not be
 * cleaned. */
__attribute__((warn_unused_result)) int boxed_run_cleanup(struct boxed_run_super *s,
							  const struct boxed_run_slot *slot);

/* Drain what is left in the output and result pipes without waiting,
 * within the bounds, then close them. */
void boxed_run_drain(struct boxed_run_super *s);

/* Open a slot's run directory (path) for reading, as its uid. The run
 * owned it and may have opened it up (0777) or shut it (000): the
 * directory itself is opened first, without following a symlink, its owner
 * checked (EPERM if it is not uid:uid) and its mode set back to 0700
 * through that fd, and only then is it opened for reading. Returns the fd,
 * or -1 with errno set. */
int boxed_run_open_private_dir(const char *path, uid_t uid);

/* As the slot uid, unsealed: remove the SysV shared memory, message queues
 * and semaphores and the POSIX shared memory and message queues that the
 * uid owns. Returns 0, or -1 with errno set. */
__attribute__((warn_unused_result)) int boxed_run_remove_ipc(uid_t uid);

#endif
