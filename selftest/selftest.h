/* boxed-selftest: prove on this host that the installed runner isolates.
 *
 * Each probe is one function. Isolation probes run twice as a program:
 * the outer selftest starts `boxed-run -- boxed-selftest --probe NAME`, and
 * the inner side (probe mode) looks at the kernel's answer from inside and
 * prints one JSON verdict line. Control mode runs the same inner side
 * without the sandbox, where each probe must see the missing isolation.
 */
#ifndef BOXED_SELFTEST_H
#define BOXED_SELFTEST_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include "config.h"

#define BOXED_SELFTEST_MAX_ONLY 64

enum boxed_selftest_exit {
	BOXED_SELFTEST_EXIT_OK = 0,	/* every probe passed */
	BOXED_SELFTEST_EXIT_FAIL = 1,	/* a probe failed */
	BOXED_SELFTEST_EXIT_CANNOT = 2, /* could not run: not installed, not permitted */
};

enum boxed_selftest_mode {
	BOXED_SELFTEST_RUN,	/* the normal run: probes in the sandbox */
	BOXED_SELFTEST_CONTROL, /* isolation probes without the sandbox */
	BOXED_SELFTEST_LIST,
	BOXED_SELFTEST_PROBE, /* inner side: one probe, from inside */
	BOXED_SELFTEST_HELP,
	BOXED_SELFTEST_VERSION,
};

struct boxed_selftest_args {
	enum boxed_selftest_mode mode;
	int json;
	int verbose;
	const char *only[BOXED_SELFTEST_MAX_ONLY];
	size_t only_count;
	const char *probe; /* probe mode: the probe's name */
	char **probe_argv; /* probe mode: its arguments */
	int probe_argc;
};

enum boxed_selftest_parse_result {
	BOXED_SELFTEST_PARSE_OK,
	BOXED_SELFTEST_PARSE_ERROR,
};

/* Parse argv; on error, fills err and returns BOXED_SELFTEST_PARSE_ERROR. */
__attribute__((warn_unused_result)) enum boxed_selftest_parse_result
boxed_selftest_parse_args(int argc, char **argv, struct boxed_selftest_args *a, char *err,
			  size_t errlen);

/* Parse argv into a. Prints the help or the version (returning 0), or a
 * usage error (returning BOXED_SELFTEST_EXIT_CANNOT); returns -1 when
 * there is a mode to run. */
int boxed_selftest_parse_or_print(int argc, char **argv, struct boxed_selftest_args *a);

/* The usage text. */
extern const char boxed_selftest_usage[];

/* Does the selection (--only) include name? An empty selection includes all. */
int boxed_selftest_selected(const struct boxed_selftest_args *a, const char *name);

/* Results, in the style of isolate-check-environment: pass, fail, dubious
 * (could not tell; fails the run too, since an unproven boundary is not
 * proven), skip (does not apply here) and warn (a host fact: never fails). */
enum boxed_selftest_status {
	BOXED_ST_PASS,
	BOXED_ST_FAIL,
	BOXED_ST_DUBIOUS,
	BOXED_ST_SKIP,
	BOXED_ST_WARN,
};

struct boxed_selftest_result {
	char name[64];
	enum boxed_selftest_status status;
	char message[512]; /* what was observed */
	char fix[512];	   /* how to fix it; empty when there is nothing to do */
	double seconds;
};

/* "pass", "fail", "dubious", "skip" or "warning". */
const char *boxed_selftest_status_name(enum boxed_selftest_status s);

/* Does this status make the run exit 1? */
int boxed_selftest_status_fails(enum boxed_selftest_status s);

/* Set status, message and fix (printf-style message). */
__attribute__((format(printf, 4, 5))) void boxed_selftest_set(struct boxed_selftest_result *r,
							      enum boxed_selftest_status s,
							      const char *fix, const char *fmt,
							      ...);

/* Write one TAP 14 test line (number n) with, on failure or with verbose,
 * a YAML diagnostics block. */
void boxed_selftest_tap_line(FILE *out, size_t n, const struct boxed_selftest_result *r,
			     int verbose);

/* The machine report: {"version","mode","ok","counts","probes":[...]};
 * NULL on ENOMEM. */
cJSON *boxed_selftest_report_json(const struct boxed_selftest_result *r, size_t n,
				  const char *mode);

/* seconds rounded to the millisecond: what the JSON report shows. */
double boxed_selftest_round_ms(double seconds);

/* The complete fix for a sysctl that should be value: set it now, and a
 * file in /etc/sysctl.d that keeps it across reboots. */
void boxed_selftest_sysctl_fix(char *buf, size_t len, const char *key, long value);

/* Exit status for a set of results: 0 or 1. */
int boxed_selftest_exit_status(const struct boxed_selftest_result *r, size_t n);

/* What the runner's report and the inner verdict mean for one isolation
 * probe. report_outcome is the runner's outcome (NULL in control mode),
 * verdict the parsed inner line (NULL if none arrived). In the sandbox,
 * pass needs outcome "ok" and isolated:true; in control mode, pass needs
 * isolated:false (the probe saw the missing isolation). */
void boxed_selftest_classify(struct boxed_selftest_result *r, int control,
			     const char *report_outcome, const char *report_message,
			     const cJSON *verdict, const char *fix);

/* Probe mode: run the inner side of one probe and print its verdict line.
 * Returns the process exit status. */
int boxed_selftest_probe_main(const char *name, int argc, char **argv);

/* Print a verdict line {"probe","isolated","detail"} on stdout. */
void boxed_selftest_verdict(const char *name, int isolated, const char *detail);

/* The outer side: run every selected probe; returns the exit status. */
int boxed_selftest_run(const struct boxed_selftest_args *a);

/* ---- The outer side's stage and runs (outer.c), shared by its probes ---- */

/* The stage: who calls the runner, and the caller's files. */
struct boxed_selftest_ctx {
	int control;
	int root;     /* invoked as root: run the runner as a throwaway caller */
	uid_t caller; /* the uid that invokes the runner */
	gid_t caller_gid;
	gid_t group;   /* the group that may execute the runner */
	char tag[32];  /* boxed-st-PID: what this selftest names on the host starts so */
	char user[64]; /* the throwaway user (named tag), when root */
	int have_config;
	struct boxed_config cfg;
	char config_err[512];
	char dir[80]; /* the caller's stage: files it owns, readable by all */
	char secret600[128], secret640[128], open_dir[128], suid[128];
};

/* One finished run of the runner (or, in control mode, of the probe). */
struct boxed_selftest_run {
	int status; /* wait status of the runner */
	char *out;  /* all the runner printed on stdout */
	char *err;  /* and on stderr */
	cJSON *doc; /* the --json object, NULL if none */
	const char *outcome, *reason, *message;
	double wall;
	long slot_uid;
	int sealed; /* the report's hardening.sealed; -1: no report */
	const char *target_stdout;
	cJSON *verdict; /* the probe's verdict line, NULL if none */
};

struct boxed_selftest_spawn_opts {
	const char *const *limits; /* runner options, NULL-terminated */
	int direct;		   /* run the probe itself, not the runner */
	int no_new_privs;	   /* set no_new_privs before exec */
	int plant;
	int via_caller; /* a process of the caller in between, which stays */
};

/* CLOCK_MONOTONIC in seconds. */
double boxed_selftest_now(void);

/* In a child of a root selftest (not in control mode): become the
 * throwaway caller, groups, gid and uid, read back. Dies on failure. */
void boxed_selftest_become_caller(const struct boxed_selftest_ctx *c);

/* Start `boxed-run LIMITS --wait=10 --json -- boxed-selftest --probe
 * PROBE ARGS` as the caller (or, with direct, the probe alone). Returns
 * the pid of the runner (with via_caller: of the caller in between), its
 * stdout in *outfd and stderr in *errfd. Dies if it cannot start it. */
pid_t boxed_selftest_spawn(const struct boxed_selftest_ctx *c,
			   const struct boxed_selftest_spawn_opts *o, const char *probe,
			   const char *const *args, int *outfd, int *errfd);

/* Read both outputs to their end, reap pid and parse the report and the
 * probe's verdict into r. */
void boxed_selftest_finish_run(const struct boxed_selftest_ctx *c,
			       const struct boxed_selftest_spawn_opts *o, pid_t pid, int fd,
			       int efd, struct boxed_selftest_run *r);

/* Spawn and finish one run; in control mode, of the probe alone. */
void boxed_selftest_run_probe(const struct boxed_selftest_ctx *c,
			      const struct boxed_selftest_spawn_opts *o, const char *probe,
			      const char *const *args, struct boxed_selftest_run *r);

/* Free what r holds and clear it. */
void boxed_selftest_run_free(struct boxed_selftest_run *r);

/* A /proc/sys value as a number; -1 when absent. */
long boxed_selftest_sysctl_num(const char *path);

/* ---- The seal's probes (BLUEPRINT §2a): outer side, seal.c ----
 * Each runs real runs through the runner and looks from the host; in
 * control mode, the inner side runs without the sandbox and each must see
 * what the seal keeps from it. */

/* ipc: SysV and POSIX IPC objects of a run are invisible to the host and
 * to another run, while it lives and after. */
void boxed_selftest_seal_ipc(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r);

/* run-ends: the run's processes are gone within 100 ms of the runner's
 * SIGKILL, of its caller's, and of the wall clock of a stopped runner. */
void boxed_selftest_seal_run_ends(const struct boxed_selftest_ctx *c,
				  struct boxed_selftest_result *r);

/* proc-private: /proc lists the run alone; no host process is readable. */
void boxed_selftest_seal_proc_private(const struct boxed_selftest_ctx *c,
				      struct boxed_selftest_result *r);

/* private-files: the run's directory, /tmp and /dev/shm are its own, and
 * gone after it. */
void boxed_selftest_seal_private_files(const struct boxed_selftest_ctx *c,
				       struct boxed_selftest_result *r);

/* disk-limit: --disk bounds the three together (ENOSPC). */
void boxed_selftest_seal_disk_limit(const struct boxed_selftest_ctx *c,
				    struct boxed_selftest_result *r);

/* no-network: under --no-network, no socket of the host is reachable. */
void boxed_selftest_seal_no_network(const struct boxed_selftest_ctx *c,
				    struct boxed_selftest_result *r);

/* memory-run-wide: the run's memory is bounded as a whole. */
void boxed_selftest_seal_memory(const struct boxed_selftest_ctx *c,
				struct boxed_selftest_result *r);

/* host-userns: what the seal needs of this host, and what a real run got. */
void boxed_selftest_host_userns(const struct boxed_selftest_ctx *c,
				struct boxed_selftest_result *r);

/* Remove what a probe process of the seal, killed halfway, left on the
 * host: its files and sockets, its release files, its IPC objects. */
void boxed_selftest_seal_leftovers(const struct boxed_selftest_ctx *c, pid_t job);

/* ---- The seal's probes: inner side, seal_probe.c ---- */

/* The kinds of IPC object, in the order of the arrays below. */
#define BOXED_SELFTEST_IPC_KINDS 5
extern const char *const boxed_selftest_ipc_kinds[BOXED_SELFTEST_IPC_KINDS];

/* Open the SysV shm, message queue and semaphore set of key, the POSIX
 * message queue and shared memory object of name; err[] is 0 for each
 * that opened (and was closed again), else the errno. */
void boxed_selftest_ipc_open(key_t key, const char *name, int err[BOXED_SELFTEST_IPC_KINDS]);

/* Fill a with the unix socket address of name (abstract: in the abstract
 * namespace); returns its length. */
socklen_t boxed_selftest_unix_addr(struct sockaddr_un *a, const char *name, int abstract);

/* Connect a stream socket to name. Returns 0, or the errno. */
int boxed_selftest_unix_connect(const char *name, int abstract);

/* A non-blocking stream socket listening on name; -1 with errno set. */
int boxed_selftest_unix_listen(const char *name, int abstract);

/* Accept and close every pending connection of listener fd (-1: none).
 * Returns how many there were. */
int boxed_selftest_accepted(int fd);

/* The inner probes (boxed-selftest --probe NAME ARGS); each returns the
 * exit status, its verdict line on stdout. */
int boxed_selftest_probe_ipc(int argc, char **argv);
int boxed_selftest_probe_ipc_open(int argc, char **argv);
int boxed_selftest_probe_run_ends(int argc, char **argv);
int boxed_selftest_probe_proc_private(int argc, char **argv);
int boxed_selftest_probe_private_files(int argc, char **argv);
int boxed_selftest_probe_private_peek(int argc, char **argv);
int boxed_selftest_probe_disk_fill(int argc, char **argv);
int boxed_selftest_probe_no_network(int argc, char **argv);
int boxed_selftest_probe_mem_procs(int argc, char **argv);
int boxed_selftest_probe_memfd(void);
int boxed_selftest_probe_shm_hog(int argc, char **argv);

/* Processes whose real uid is uid and whose command line holds needle
 * (the uid from /proc/PID/status, not the owner of /proc/PID, which is
 * root for a non-dumpable process). */
int boxed_selftest_count_procs(long uid, const char *needle);

/* Print the probe names and what each proves, one a line. */
void boxed_selftest_list(FILE *out);

#endif
