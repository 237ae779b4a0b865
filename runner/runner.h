/* boxed-run's pure interfaces: argument parsing and clamping, the
 * environment allow-list, slot choice, outcome classification, report and
 * response building, the Python protocol's checks, the events of the run's
 * init, memory accounting. No system call is made behind them but reading
 * what they are given, so the unit tests link them alone. The code that
 * calls the kernel is declared in system.h.
 *
 * The processes of a run, from the caller down:
 *
 *   supervisor   boxed-run itself: the caller's uid, cap_setuid,cap_setgid
 *                permitted. Talks to the caller, reports, cleans up.
 *   child        its fork: drops to the slot uid for good (drop.c), then
 *                clones the run's init and is done.
 *   init         the first process of the run's own user, PID, IPC, mount
 *                (and network) namespaces, boxed's code (seal.c, init.c):
 *                mounts the run's private /proc and tmpfs, enforces the wall
 *                clock and the run-wide memory bound, reaps, reports.
 *   target       init's child: confines itself (confine.c) and execs the
 *                program, or the pinned interpreter in Python mode.
 *
 * Where the host refuses the namespaces, init is a plain process of the
 * slot uid and every missing layer is named in the report (BLUEPRINT §2a).
 */
#ifndef BOXED_RUN_H
#define BOXED_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>

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
	BOXED_RUN_SET_DISK = 1 << 7,
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

/* Why a run did not end "ok": a stable code beside the human message, so
 * that a client maps codes, never text (docs/protocol.md lists them). The
 * comment names the outcome each belongs to. */
enum boxed_run_reason {
	BOXED_RUN_REASON_NONE, /* ok */
	/* sandbox-error */
	BOXED_RUN_REASON_NOT_IN_GROUP,
	BOXED_RUN_REASON_NO_CAPABILITIES,
	BOXED_RUN_REASON_CONFIG_UNTRUSTED,
	BOXED_RUN_REASON_CONFIG_INVALID,
	BOXED_RUN_REASON_INTERPRETER_UNTRUSTED,
	BOXED_RUN_REASON_STATE_BROKEN,
	BOXED_RUN_REASON_SLOTS_BUSY,
	BOXED_RUN_REASON_SLOT_UNCLEAN,
	BOXED_RUN_REASON_UNSEALED,
	BOXED_RUN_REASON_REQUEST_TOO_LARGE,
	BOXED_RUN_REASON_REQUEST_INVALID,
	BOXED_RUN_REASON_SETUP_FAILED,
	BOXED_RUN_REASON_INTERRUPTED,
	BOXED_RUN_REASON_CALLER_GONE,
	BOXED_RUN_REASON_REPORT_UNWRITABLE,
	BOXED_RUN_REASON_INIT_LOST,
	BOXED_RUN_REASON_INTERNAL,
	/* error */
	BOXED_RUN_REASON_EXCEPTION,
	BOXED_RUN_REASON_NO_RESULT,
	BOXED_RUN_REASON_RESULT_INVALID,
	BOXED_RUN_REASON_RESULT_TOO_LARGE,
	BOXED_RUN_REASON_EXIT_STATUS,
	BOXED_RUN_REASON_EXEC_FAILED,
	/* timeout */
	BOXED_RUN_REASON_WALL_LIMIT,
	BOXED_RUN_REASON_CPU_LIMIT,
	/* memory */
	BOXED_RUN_REASON_MEMORY_LIMIT,
	/* output-limit */
	BOXED_RUN_REASON_OUTPUT_LIMIT,
	/* signal */
	BOXED_RUN_REASON_SIGNAL,
	BOXED_RUN_REASON_FSIZE_LIMIT,
	BOXED_RUN_REASON_COUNT
};

/* The protocol code of a reason ("slots-busy", ...); NULL for NONE. */
const char *boxed_run_reason_name(enum boxed_run_reason r);

/* The namespaces of a sealed run (bits of boxed_run_hardening.namespaces). */
enum {
	BOXED_RUN_NS_USER = 1 << 0,
	BOXED_RUN_NS_PID = 1 << 1,
	BOXED_RUN_NS_IPC = 1 << 2,
	BOXED_RUN_NS_MOUNT = 1 << 3,
	BOXED_RUN_NS_NET = 1 << 4,
};

/* The clone(2) flags of the namespaces in mask (BOXED_RUN_NS_*). */
int boxed_run_ns_clone_flags(unsigned mask);

/* The hardening that a run had, and each layer it went without: its name,
 * a code ("unsealed": the namespaces were refused or turned off; "kernel":
 * this kernel lacks the feature) and a sentence. */
#define BOXED_RUN_DEGRADED_MAX 20
struct boxed_run_degraded {
	const char *layer;
	const char *reason;
	char message[200];
};
struct boxed_run_hardening {
	int no_new_privs;
	int seccomp;
	int landlock_abi; /* 0: no Landlock */
	int sealed;	  /* the run had its own namespaces */
	unsigned namespaces;
	int memory_watchdog; /* init bounds the run's memory as a whole */
	unsigned ndegraded;
	struct boxed_run_degraded degraded[BOXED_RUN_DEGRADED_MAX];
};

/* The newest Landlock ABI whose access rights boxed-run knows and handles. */
#define BOXED_RUN_LANDLOCK_ABI_KNOWN 7

/* Fill h for a sealed run on a kernel whose Landlock ABI is abi (0 or
 * less: none): what the run will have, and in h->degraded what the kernel
 * lacks. */
void boxed_run_hardening_plan(int abi, int no_network, struct boxed_run_hardening *h);

/* The run could not be sealed (err: the errno of clone(2); 0: namespaces
 * are turned off in the config): name every layer it goes without. */
void boxed_run_hardening_unsealed(struct boxed_run_hardening *h, int err, int no_network);

/* The sealed run could not mount its own /proc (err: the errno). */
void boxed_run_hardening_no_proc(struct boxed_run_hardening *h, int err);

/* What the supervisor saw, the input of classification. */
struct boxed_run_facts {
	int setup_failed;		    /* the child died before exec (message in stderr) */
	enum boxed_run_reason setup_reason; /* its code, when more precise than setup-failed */
	int exec_errno;			    /* execve failed with this errno, 0: it ran */
	int timed_out;			    /* the wall clock ran out and the run was killed */
	int memory_exceeded;		    /* the run as a whole passed its memory limit */
	int output_exceeded;		    /* stdout or stderr passed its bound */
	int init_lost;			    /* the run's init died without reporting */
	int interrupted;		    /* the supervisor was stopped by this signal */
	int caller_gone;		    /* the caller exited during the run */
	int status;			    /* wait status of the target */
	int reaped;			    /* status is valid */
	long max_rss_kib;		    /* of the target and its waited-for children */
	double cpu_time;
	uint64_t run_memory; /* the run's peak as init's watchdog measured it */
	uint64_t memory_limit;
	uint64_t cpu_limit;
	double wall_limit;
	uint64_t nproc_limit;
	int fork_refused;  /* the run's stderr said a fork or a thread was refused */
	int answered;	   /* python mode: ended by the child's stop after its result */
	int python;	   /* python mode: result_state is meaningful */
	int result_state;  /* BOXED_RUN_RESULT_* */
	int result_memory; /* the exception was a MemoryError */
};

enum {
	BOXED_RUN_RESULT_NONE,	    /* no result at all */
	BOXED_RUN_RESULT_BAD,	    /* something, but not a well-formed result */
	BOXED_RUN_RESULT_TOO_LARGE, /* more than max_message */
	BOXED_RUN_RESULT_OK,	    /* {"ok": true, ...} */
	BOXED_RUN_RESULT_EXCEPTION, /* {"ok": false, "exception": {...}} */
};

/* Classify a run. Sets *exit_code (-1: none) and *sig (0: none) from the
 * wait status, *reason to the code of anything but ok, and writes an
 * explanation into msg. Order: sandbox error, output limit, timeout,
 * memory, signal, error. */
enum boxed_run_outcome boxed_run_classify(const struct boxed_run_facts *f, int *exit_code, int *sig,
					  enum boxed_run_reason *reason, char *msg, size_t msglen);

/* The exit status of boxed-run for an outcome in program mode. */
int boxed_run_exit_status(enum boxed_run_outcome o, int exit_code, int sig, int exec_errno);

struct boxed_run_report {
	enum boxed_run_outcome outcome;
	enum boxed_run_reason reason;
	int exit_code; /* -1: none */
	int signal;    /* 0: none */
	double wall_time;
	double cpu_time;
	long max_rss_kib;
	uint64_t run_memory; /* bytes; 0: not measured */
	long supervisor_max_rss_kib;
	int have_slot;
	uid_t slot_uid;
	char message[1024];
	struct boxed_limits limits;
	cJSON *clamped; /* the limits lowered to the maximum (boxed_run_clamped_json); NULL: none */
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

/* Check that result is one of the result shapes of docs/protocol.md, with
 * no member besides theirs and a flat exception. Returns
 * BOXED_RUN_RESULT_OK, _EXCEPTION or _BAD; *memory is set when the
 * exception is a MemoryError. */
int boxed_run_result_check(const cJSON *result, int *memory);

/* The Python-mode response as the caller reads it: the header line
 * "boxed-response LENGTH\n", then LENGTH bytes of doc, unformatted. No
 * content can end it early. Returns a malloc'd buffer and its length in
 * *len, or NULL on allocation failure. */
char *boxed_run_frame_response(const cJSON *doc, size_t *len);

/* The syslog line of a run, with the target's control characters replaced
 * and its length bounded. */
void boxed_run_log_line(char *buf, size_t len, uid_t caller, const struct boxed_run_report *r,
			const char *target);

/* Python mode: read the request from fd (at most max bytes), check that it
 * is exactly one JSON object with no key twice, and take its "timeout" and
 * "target". Returns the text to deliver (malloc'd), or NULL with the code
 * in *reason (request-too-large, request-invalid) and the message in err. */
char *boxed_run_python_request(int fd, size_t max, size_t *len, double *timeout, char *target,
			       size_t target_len, enum boxed_run_reason *reason, char *err,
			       size_t errlen);

/* Python mode: check the child's whole result text. Returns the parsed
 * tree (the runner's own, to print from) when it is well-formed (*state OK
 * or EXCEPTION), else NULL (*state NONE, BAD with the reason in why, or
 * TOO_LARGE). */
cJSON *boxed_run_python_result(const struct boxed_run_capture *raw, int *state, int *memory,
			       char *why, size_t whylen);

/* Python mode: take the timeout of the request into account. Returns the
 * lower of limit and the request's timeout when that is a positive number. */
double boxed_run_python_timeout(double limit, double requested);

/* --- The events of a run: child, init and target to the supervisor ---
 *
 * One pipe carries fixed-size records, each written with one write(2) of
 * less than PIPE_BUF, so records from several writers never interleave. */
enum boxed_run_event_kind {
	BOXED_RUN_EVENT_UNSEALED = 1, /* child: value errno of clone (0: turned off) */
	BOXED_RUN_EVENT_INIT,	      /* init is up: value its pid as the supervisor sees it */
	BOXED_RUN_EVENT_NO_PROC,      /* init: value errno of mounting /proc */
	BOXED_RUN_EVENT_UNCLEAN,      /* init, unsealed: the slot cannot be cleaned (errno) */
	BOXED_RUN_EVENT_EXEC,	      /* target: setup done, execve comes next */
	BOXED_RUN_EVENT_EXEC_FAILED,  /* target: value errno of execve */
	BOXED_RUN_EVENT_ANSWERED,     /* init: the target stopped after its request */
	BOXED_RUN_EVENT_ENDED,	      /* init: the run is over, nothing of it is left */
};

/* Why init ended the run (value of BOXED_RUN_EVENT_ENDED). */
enum boxed_run_end {
	BOXED_RUN_END_EXITED,	/* the target ended: status is its wait status */
	BOXED_RUN_END_ANSWERED, /* the target stopped after its result, then was killed */
	BOXED_RUN_END_WALL,	/* the wall clock ran out */
	BOXED_RUN_END_MEMORY,	/* the run as a whole passed its memory limit */
};

struct boxed_run_event {
	int32_t kind;	    /* BOXED_RUN_EVENT_* */
	int32_t value;	    /* pid, errno or BOXED_RUN_END_* */
	int32_t status;	    /* ENDED: the target's wait status, -1 if never reaped */
	int32_t left;	    /* ENDED: processes still alive when init gave up waiting */
	double cpu;	    /* ANSWERED, ENDED: CPU seconds */
	int64_t rss_kib;    /* ANSWERED, ENDED: peak resident set */
	int64_t run_memory; /* ENDED: the watchdog's highest total, bytes */
	double wall;	    /* ANSWERED, ENDED: seconds on init's wall clock, 0 if unstarted */
};

/* Messages of the supervisor to init on the control pipe, fixed-size as
 * the events are. Its end of file says that the supervisor is gone. */
enum {
	BOXED_RUN_CONTROL_START = 1, /* unsealed: the child is reaped, start the target */
	BOXED_RUN_CONTROL_CLOCK,     /* Python mode: the request is being delivered,
					start the wall clock of seconds */
};
struct boxed_run_control {
	int32_t kind;
	int32_t pad;
	double seconds;
};

/* --- Memory accounting, for init's run-wide watchdog (pure parsers) ---
 *
 * The run's memory is what it can pin in RAM outside its tmpfs (whose
 * pages count against the disk limit): the anonymous memory of its
 * processes and their page tables, and every SysV object of its IPC
 * namespace, whether a process maps it or not. Shared memory has no other
 * home: memfd and shared anonymous mappings are refused (filter.c), and a
 * page of a tmpfs file that a process maps is the tmpfs's. */

/* RssAnon, and VmPTE, of a /proc/PID/status text, in bytes (0 if absent:
 * a zombie or a kernel thread). Page tables count because a run can make
 * them as large as what they map: one touched page in each 2 MiB. */
uint64_t boxed_run_status_anon(const char *text);
uint64_t boxed_run_status_page_tables(const char *text);

/* VmHWM of a /proc/PID/status text, the peak resident set, in bytes. */
uint64_t boxed_run_status_peak(const char *text);

/* Uid (real) of a /proc/PID/status text, (uid_t)-1 if absent. */
uid_t boxed_run_status_uid(const char *text);

/* Pss_Anon of a /proc/PID/smaps_rollup text, in bytes: anonymous pages
 * that processes share since a fork count once, in shares. */
uint64_t boxed_run_smaps_proportional(const char *text);

/* What the SysV objects of an IPC namespace hold, as the kernel counts it
 * for the namespace (shmctl SHM_INFO, msgctl MSG_INFO, semctl SEM_INFO):
 * in constant time, however many objects a run makes. */
struct boxed_run_sysv_counts {
	uint64_t segments, segment_pages, page_size; /* resident and swapped pages */
	uint64_t queues, messages, message_bytes;
	uint64_t sets, semaphores;
};

/* Their memory in bytes: the segments' pages, the bytes queued and a header
 * for each message, each semaphore, and each object's own header. */
uint64_t boxed_run_sysv_memory(const struct boxed_run_sysv_counts *c);

/* The id and owner uid of the object on one line of /proc/sysvipc/shm
 * (kind 0), msg (1) or sem (2). Returns 0, or -1 for the header line. */
int boxed_run_sysvipc_owner(int kind, const char *line, int *id, uid_t *uid);

#endif
