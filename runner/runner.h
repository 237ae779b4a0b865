/* boxed-run's internal interfaces. main.c only glues these together.
 *
 * Pure logic (argument parsing and clamping, the environment allow-list,
 * slot choice, outcome classification, report building) lives apart from the
 * code that calls the kernel, so that it can be unit-tested.
 */
#ifndef BOXED_RUN_H
#define BOXED_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "config.h"

/* Exit statuses of boxed-run itself, documented in boxed-run(1). */
enum {
	BOXED_RUN_EXIT_TIMEOUT = 124,	  /* outcome timeout */
	BOXED_RUN_EXIT_SANDBOX = 125,	  /* usage or sandbox error */
	BOXED_RUN_EXIT_NOEXEC = 126,	  /* target found but not executable */
	BOXED_RUN_EXIT_NOTFOUND = 127,	  /* target not found */
	BOXED_RUN_EXIT_SIGNAL_BASE = 128, /* 128+N: killed by signal N */
	BOXED_RUN_EXIT_MEMORY = 122,	  /* outcome memory */
	BOXED_RUN_EXIT_OUTPUT = 123,	  /* outcome output-limit */
};

/* The --wait bound when none is given, and its maximum, in seconds. */
#define BOXED_RUN_WAIT_DEFAULT 30.0
#define BOXED_RUN_WAIT_MAX 3600.0

/* Which limits the caller asked for (bits of boxed_run_args.set). */
enum {
	BOXED_RUN_SET_TIMEOUT = 1 << 0,
	BOXED_RUN_SET_CPU = 1 << 1,
	BOXED_RUN_SET_MEMORY = 1 << 2,
	BOXED_RUN_SET_NPROC = 1 << 3,
	BOXED_RUN_SET_NOFILE = 1 << 4,
	BOXED_RUN_SET_FSIZE = 1 << 5,
	BOXED_RUN_SET_OUTPUT = 1 << 6,
};

struct boxed_run_args {
	int python;	/* --python */
	int json;	/* --json */
	int report_fd;	/* --report-fd N, -1: none */
	int no_network; /* --no-network */
	int wait;	/* --wait[=SECONDS] */
	double wait_secs;
	unsigned set;		 /* BOXED_RUN_SET_* */
	struct boxed_limits req; /* what the caller asked for, where set */
	char **argv;		 /* program mode: PROGRAM ARGS..., NULL-terminated */
	int argc;
};

enum boxed_run_parse_result {
	BOXED_RUN_PARSE_OK,
	BOXED_RUN_PARSE_HELP,
	BOXED_RUN_PARSE_VERSION,
	BOXED_RUN_PARSE_ERROR, /* err holds the reason */
};

/* Parse argv into a without side effects (no printing, no exit). Returns
 * what to do; on BOXED_RUN_PARSE_ERROR err names the bad option. */
enum boxed_run_parse_result boxed_run_parse_args(int argc, char **argv, struct boxed_run_args *a,
						 char *err, size_t errlen);

/* Parse argv; print help or the version and exit 0, or print the problem and
 * exit BOXED_RUN_EXIT_SANDBOX on a usage error. Returns only for a run. */
void boxed_run_args_or_exit(int argc, char **argv, struct boxed_run_args *a);

/* Print boxed-run's --help text to f. */
void boxed_run_usage(FILE *f);

/* The limits of this run: the config's defaults, replaced by what the
 * caller asked for, each clamped to the config's maximum. Where only
 * --timeout is given, the CPU limit follows it (whole seconds, rounded
 * up). When clamped is not NULL, it gets the BOXED_RUN_SET_* bits of the
 * limits that were lowered to the maximum. */
void boxed_run_clamp(const struct boxed_run_args *a, const struct boxed_config *cfg,
		     struct boxed_limits *out, unsigned *clamped);

/* The one-line warning for the limits boxed_run_clamp() lowered (clamped
 * its mask, applied its result), without program name or newline: each
 * limit's option, the value asked for and the maximum applied. Returns how
 * many limits it names; 0 leaves buf empty. */
int boxed_run_clamp_warning(const struct boxed_run_args *a, const struct boxed_limits *applied,
			    unsigned clamped, char *buf, size_t len);

/* The same as the report's "clamped" object: {"LIMIT": {"requested": N,
 * "max": N}, ...} ({} when nothing was lowered), or NULL on allocation
 * failure. Durations in seconds, sizes in bytes. */
cJSON *boxed_run_clamped_json(const struct boxed_run_args *a, const struct boxed_limits *applied,
			      unsigned clamped);

/* Parse a size with an optional K, M or G suffix (powers of 1024) into
 * *out. Returns 0, or -1 if s is not such a size or overflows. */
__attribute__((warn_unused_result)) int boxed_run_parse_size(const char *s, uint64_t *out);

/* Parse a duration as timeout(1) does: a decimal number of seconds,
 * optionally with the suffix s, m, h or d. Returns 0, or -1 if s is not
 * one. */
__attribute__((warn_unused_result)) int boxed_run_parse_duration(const char *s, double *out);

/* The environment allow-list. The target gets exactly PATH, HOME, TMPDIR,
 * LANG (the caller's when it is a plain locale name, else C.UTF-8) and
 * LC_ALL (only the caller's, when it is a plain locale name); never LD_*,
 * PYTHON* or anything else of the caller's. */
#define BOXED_RUN_ENV_MAX 6
#define BOXED_RUN_PATH "/usr/bin:/bin"
struct boxed_run_env {
	char *envp[BOXED_RUN_ENV_MAX + 1];
	char storage[4 * 4096 + 256];
};

/* Build env for a run whose private directory is home, reading only LANG
 * and LC_ALL from caller_env. Returns 0, or -1 (ENAMETOOLONG) if home does
 * not fit. */
__attribute__((warn_unused_result)) int
boxed_run_env_build(struct boxed_run_env *env, const char *home, char *const *caller_env);

/* Is value a plain locale name such as C, POSIX, C.UTF-8 or en_US.UTF-8
 * (no path, no modifier that could name a file)? 1 yes, 0 no. */
int boxed_run_env_locale_ok(const char *value);

/* Slot choice. The candidate order starts at an offset derived from the pid
 * so that concurrent runners do not all contend for slot 0. */
unsigned boxed_run_slot_start(pid_t pid, unsigned count);

/* Try slots start, start+1, ... (mod count) with try_one until it returns 1
 * (taken). Returns the index, -1 when every slot is busy (try_one returned
 * 0 for all), or -2 when try_one failed (-1) for one, errno kept. */
int boxed_run_slot_pick(unsigned count, unsigned start, int (*try_one)(unsigned index, void *ctx),
			void *ctx);

/* A locked slot: the lock fd stays open (and flock()ed) until the runner
 * exits, so the kernel releases the slot even when the runner is killed. */
struct boxed_run_slot {
	unsigned index;
	uid_t uid; /* also the gid */
	int lock_fd;
	char dir[4096];
};

/* Lock a free slot of cfg under statedir, waiting up to wait_secs (0: do
 * not wait) with a bounded retry. Returns 0, or -1 with the reason in err
 * (every slot busy, or the state directory is broken). */
__attribute__((warn_unused_result)) int
boxed_run_slot_acquire(const struct boxed_config *cfg, const char *statedir, double wait_secs,
		       struct boxed_run_slot *slot, char *err, size_t errlen);

enum boxed_run_outcome {
	BOXED_RUN_OK,
	BOXED_RUN_ERROR,
	BOXED_RUN_TIMEOUT,
	BOXED_RUN_MEMORY,
	BOXED_RUN_OUTPUT_LIMIT,
	BOXED_RUN_SIGNAL,
	BOXED_RUN_SANDBOX_ERROR,
};

/* The protocol name of an outcome ("ok", "output-limit", ...). */
const char *boxed_run_outcome_name(enum boxed_run_outcome o);

/* The hardening that the child applied. */
#define BOXED_RUN_DEGRADED_MAX 6
struct boxed_run_hardening {
	int no_new_privs;
	int seccomp;
	int landlock_abi; /* 0: no Landlock */
	unsigned ndegraded;
	const char *degraded[BOXED_RUN_DEGRADED_MAX];
};

/* The newest Landlock ABI whose access rights boxed-run knows and handles. */
#define BOXED_RUN_LANDLOCK_ABI_KNOWN 7

/* Fill h for a kernel whose Landlock ABI is abi (0 or less: none): what a
 * run will have, and in h->degraded what it lacks, each as a sentence. */
void boxed_run_hardening_plan(int abi, int no_network, struct boxed_run_hardening *h);

/* What the supervisor saw, the input of classification. */
struct boxed_run_facts {
	int setup_failed;    /* the child died before exec (message in stderr) */
	int exec_errno;	     /* execve failed with this errno, 0: it ran */
	int timed_out;	     /* the wall clock ran out and we killed it */
	int output_exceeded; /* stdout or stderr passed its bound */
	int cleanup_failed;  /* processes of the slot uid could not be killed */
	int interrupted;     /* the supervisor was stopped by this signal */
	int status;	     /* wait status of the target */
	int reaped;	     /* status is valid */
	long max_rss_kib;    /* of the target and its waited-for children */
	double cpu_time;
	uint64_t memory_limit;
	uint64_t cpu_limit;
	int answered;	   /* python mode: ended by the child's stop after its result */
	int python;	   /* python mode: result_state is meaningful */
	int result_state;  /* BOXED_RUN_RESULT_* */
	int result_memory; /* the exception was a MemoryError */
};

enum {
	BOXED_RUN_RESULT_NONE,	    /* no result at all */
	BOXED_RUN_RESULT_BAD,	    /* something, but not a well-formed result */
	BOXED_RUN_RESULT_OK,	    /* {"ok": true, ...} */
	BOXED_RUN_RESULT_EXCEPTION, /* {"ok": false, "exception": {...}} */
};

/* Classify a run. Sets *exit_code (-1: none) and *sig (0: none) from the
 * wait status, and writes an explanation for anything but ok into msg.
 * Order: sandbox error, output limit, timeout, memory, signal, error. */
enum boxed_run_outcome boxed_run_classify(const struct boxed_run_facts *f, int *exit_code, int *sig,
					  char *msg, size_t msglen);

/* The exit status of boxed-run for an outcome in program mode. */
int boxed_run_exit_status(enum boxed_run_outcome o, int exit_code, int sig, int exec_errno);

struct boxed_run_report {
	enum boxed_run_outcome outcome;
	int exit_code; /* -1: none */
	int signal;    /* 0: none */
	double wall_time;
	double cpu_time;
	long max_rss_kib;
	long supervisor_max_rss_kib;
	int have_slot;
	uid_t slot_uid;
	char message[1024];
	struct boxed_limits limits;
	int network;
	struct boxed_run_hardening hardening;
};

/* The report of docs/protocol.md as a cJSON object, or NULL on allocation
 * failure. */
cJSON *boxed_run_report_json(const struct boxed_run_report *r);

/* The captured output of a stream. */
struct boxed_run_capture {
	char *buf;
	size_t len;
	int truncated;
};

/* The response object: {"result", "stdout", "stderr", "stdout_truncated",
 * "stderr_truncated", "report"}; result may be NULL (JSON null) and is
 * taken over. Returns NULL on allocation failure. */
cJSON *boxed_run_response_json(cJSON *result, const struct boxed_run_capture *out,
			       const struct boxed_run_capture *err,
			       const struct boxed_run_report *r);

/* Copy len bytes of s into a malloc'd NUL-terminated string where every
 * byte that is not part of well-formed UTF-8, and every NUL, is replaced by
 * U+FFFD. Returns NULL on allocation failure. */
char *boxed_run_utf8_sanitize(const char *s, size_t len);

/* Check that result is one of the result shapes of docs/protocol.md.
 * Returns BOXED_RUN_RESULT_OK, _EXCEPTION or _BAD; *memory is set when the
 * exception is a MemoryError. */
int boxed_run_result_check(const cJSON *result, int *memory);

/* The syslog line of a run, with the target's control characters replaced
 * and its length bounded. */
void boxed_run_log_line(char *buf, size_t len, uid_t caller, const struct boxed_run_report *r,
			const char *target);

/* Everything the child needs, prepared by the supervisor before fork. */
struct boxed_run_plan {
	const struct boxed_run_args *args;
	const struct boxed_limits *limits;
	const struct boxed_run_slot *slot;
	const char *const *argv; /* what to execve */
	const char *exec_path;	 /* python mode: the interpreter */
	char *const *caller_env;
	uid_t caller_uid;
	gid_t caller_gid;
	pid_t supervisor;
	int landlock_abi;
	int status_fd; /* CLOEXEC; see boxed_run_wait_exec() */
	int stdout_fd, stderr_fd;
	int request_fd, result_fd; /* python mode, else -1 */
};

/* Fork the child that drops, confines and execs the target (drop.c).
 * Returns its pid, with a pidfd for it in *pidfd. Dies if the child cannot
 * be started. */
pid_t boxed_run_spawn(const struct boxed_run_plan *plan, int *pidfd);

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

/* Set the supervisor's effective uid (and so its filesystem uid) to the
 * slot's, keeping its real and saved uid. The parent-death signal is sent
 * with the credentials of the dying parent and must pass the usual kill()
 * permission check, which a supervisor running as the caller fails against
 * the slot uid: without this, PR_SET_PDEATHSIG would never reach the run.
 * The run still cannot signal or ptrace the supervisor (its real and saved
 * uid are the caller's, and it is not dumpable). Dies on failure. */
void boxed_run_supervisor_take_euid(uid_t slot_uid);

/* The kernel's Landlock ABI version, 0 when Landlock is unavailable. */
int boxed_run_landlock_abi(void);

/* A supervised run. */
struct boxed_run_super {
	pid_t pid;
	int pidfd;
	int out_fd, err_fd, result_fd, request_fd; /* -1 when closed */
	int sig_fd;	    /* signalfd of SIGINT, SIGTERM, SIGHUP (stop) and SIGCHLD (wake) */
	int relay;	    /* program mode without --json */
	int stop_at_answer; /* python mode: return once answered */
	struct boxed_run_capture out, err, result;
	size_t out_seen, err_seen; /* bytes read, kept or not */
	size_t output_limit, result_limit;
	const char *request;
	size_t request_len, request_off;
	double timeout;
	struct timespec start, end;
	int timed_out, output_exceeded, exited;
	int answered;	   /* python mode: the child stopped itself after its request */
	int child_changed; /* a SIGCHLD came since the last look */
	int interrupted;   /* signal number that stopped the supervisor, 0: none */
	int status;
	int reaped;
	double cpu_time;  /* of the target: from wait4, or sampled when answered */
	long max_rss_kib; /* likewise */
};

/* Read the child's status pipe to EOF (its write end closes at exec or at
 * the child's death): "X" when setup completed and execve succeeded, "XE"
 * and an errno when execve failed, anything else when setup failed. A
 * child that has not got that far within seconds is killed (pidfd), and
 * its setup failed. Returns 0 when the target runs, 1 when setup failed
 * (the reason is on the run's stderr), 2 when execve failed (*exec_errno
 * set). */
int boxed_run_wait_exec(const struct boxed_run_super *s, int status_fd, double seconds,
			int *exec_errno);

/* Watch the child until it exits, the wall clock runs out, an output bound
 * is passed or the supervisor is told to stop (SIGINT, SIGTERM, SIGHUP);
 * with stop_at_answer also until the child, its request delivered, stops
 * itself (s->answered), as the bootstrap does after its result. Relays or
 * captures output, delivers the request and collects the result. Dies only
 * on a failure of poll itself. */
void boxed_run_supervise(struct boxed_run_super *s);

/* Python mode, s->answered: read the CPU time and peak RSS of the stopped
 * child, which has not been reaped, into s. Returns 0, or -1 when it is
 * already gone (it is then reaped as usual). */
int boxed_run_sample_child(struct boxed_run_super *s);

/* Send SIGKILL to the process of pidfd (pid: for the message). Dies if that
 * fails for any reason but the process being gone. */
void boxed_run_kill_pidfd(int pidfd, pid_t pid);

/* Wait up to seconds for the process of pidfd to exit. Returns 1 when it
 * has, 0 when the time ran out. */
int boxed_run_await_pidfd(int pidfd, double seconds);

/* The peak RSS (VmHWM) of pid, or of this process when pid is 0, in KiB;
 * -1 when unknown. Not getrusage()'s ru_maxrss for ourselves: the kernel
 * carries that across execve, so it holds the peak of whatever program
 * exec'd us (a shell, setpriv, a benchmark harness). */
long boxed_run_peak_rss_kib(pid_t pid);

/* Make sure no process of the run survives (reaping every child of the
 * supervisor, and when any is left, killing them from a short-lived child
 * that drops fully to the slot uid), record the target's status in s, then
 * wipe the slot's private directory. Returns 0, or -1 when the slot could
 * not be cleaned. */
__attribute__((warn_unused_result)) int boxed_run_cleanup(struct boxed_run_super *s,
							  const struct boxed_run_slot *slot);

/* Drain what is left in the output and result pipes after every writer
 * has died, within the bounds, then close them. */
void boxed_run_drain(struct boxed_run_super *s);

/* The record getdents64(2) fills in: read raw, because readdir() allocates
 * and one small buffer is enough for the directories looked at this way. */
struct boxed_run_dirent64 {
	unsigned long long ino;
	long long off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* Open a slot's private directory (path) for reading, as its uid. The run
 * owned it and may have opened it up (0777) or shut it (000): the
 * directory itself is opened first, without following a symlink, its owner
 * checked (EPERM if it is not uid:uid) and its mode set back to 0700
 * through that fd, and only then is it opened for reading. Returns the fd,
 * or -1 with errno set. */
int boxed_run_open_private_dir(const char *path, uid_t uid);

/* Remove everything beneath the directory open on dirfd without following
 * symlinks. Returns 0, or -1 with errno set. */
__attribute__((warn_unused_result)) int boxed_run_wipe_dir(int dirfd);

/* Send SIGKILL to every process of the caller's uid except itself (two
 * rounds). Must run with all three uids set to the slot's. Returns 0, or -1
 * with errno set. */
__attribute__((warn_unused_result)) int boxed_run_kill_all(void);

/* Drop the calling process fully to the slot uid: groups, gid, uid and all
 * capabilities, read back and tried to regain. Dies on any failure. */
void boxed_run_become_slot(uid_t uid, uid_t caller_uid, gid_t caller_gid);

/* Python mode: read the request from fd (at most max bytes), check that it
 * is a JSON object and take its "timeout" and "target". Returns the text
 * to deliver (malloc'd) or NULL with the reason in err. */
char *boxed_run_python_request(int fd, size_t max, size_t *len, double *timeout, char *target,
			       size_t target_len, char *err, size_t errlen);

/* Python mode: check the child's result text. Returns it as a raw cJSON
 * item (the child's own text, with invalid UTF-8 replaced) when it is
 * well-formed (*state OK or EXCEPTION), else NULL (*state NONE or BAD). */
cJSON *boxed_run_python_result(const struct boxed_run_capture *raw, int *state, int *memory);

/* Python mode: take the timeout of the request into account. Returns the
 * lower of limit and the request's timeout when that is a positive number. */
double boxed_run_python_timeout(double limit, double requested);

#endif
