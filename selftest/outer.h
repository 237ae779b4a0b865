/* The outer side of boxed-selftest: the stage it sets (a caller, files of
 * the caller), the runs it starts through the installed runner, and the
 * probes that judge them. The main process only sets the stage and runs
 * the jobs (jobs.c); each probe runs in a forked job process, so
 * everything a probe calls leaves, on a fatal error, through
 * boxed_die_child*() and never through exit().
 */
#ifndef BOXED_SELFTEST_OUTER_H
#define BOXED_SELFTEST_OUTER_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "selftest.h"

/* ---- the stage (stage.c) ---- */

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

/* Refuse to run: "boxed-selftest: cannot run: MESSAGE", exit 2. Only in
 * the main process. */
__attribute__((noreturn, format(printf, 1, 2))) void boxed_selftest_cannot(const char *fmt, ...);

/* Fill c for the mode of a, or refuse (exit 2) when the runner or the
 * selftest is not installed or the caller may not run the runner. Changes
 * nothing on the host. */
void boxed_selftest_stage_check(struct boxed_selftest_ctx *c, const struct boxed_selftest_args *a);

/* Make the throwaway caller (as root) and the stage, or refuse (exit 2).
 * From here on, an exit of this process removes both (an exit handler):
 * c must outlive the caller's return. */
void boxed_selftest_stage_make(struct boxed_selftest_ctx *c);

/* Remove what probe process job of this selftest, killed halfway, left on
 * the host: its files and sockets, its release files, its IPC objects. */
void boxed_selftest_remove_leftovers(const struct boxed_selftest_ctx *c, pid_t job);

/* Become the caller for good (as root, not in control mode; otherwise
 * nothing to do): boxed_become() to the throwaway user, with the runner's
 * group as its one supplementary group. Returns 0, or -1 with err. */
__attribute__((warn_unused_result)) int
boxed_selftest_become_caller(const struct boxed_selftest_ctx *c, char *err, size_t errlen);

/* Run fn(arg) in a child that has become the caller; fn returns 0 or an
 * errno. Returns that. Dies (boxed_die_child) if the child could not
 * become the caller or did not exit. */
int boxed_selftest_as_caller(const struct boxed_selftest_ctx *c, int (*fn)(const char *arg),
			     const char *arg);

/* A name unique to this probe process and what it names, passed to the
 * inner side: the outer side finds the run's processes by it in
 * /proc/PID/cmdline, and an interrupted selftest its files (all start
 * with the tag). */
void boxed_selftest_token(const struct boxed_selftest_ctx *c, char *buf, size_t len,
			  const char *what);

/* ---- runs (spawn.c) ---- */

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

/* Judge r by its inner verdict (boxed_selftest_classify), in the sandbox
 * after the runner's outcome. */
void boxed_selftest_judge_run(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
			      const struct boxed_selftest_run *r, const char *fix);

/* ---- processes (procs.c) ---- */

/* A live process, as /proc shows it. */
struct boxed_selftest_proc {
	pid_t pid;
	long ruid;	 /* the real uid of its status, -1 if unknown */
	char name[32];	 /* its Name (comm) */
	char args[1024]; /* its command line, NUL-separated */
	size_t arglen;
};

/* The live processes (neither zombies nor kernel threads) for which
 * match(p, arg) is true, up to max of them into out. Returns how many
 * matched (all of them, even beyond max). Dies when /proc cannot be read. */
int boxed_selftest_procs(int (*match)(const struct boxed_selftest_proc *p, const void *arg),
			 const void *arg, struct boxed_selftest_proc *out, int max);

/* The processes holding token as one argument of their command line (a
 * name unique to one run): up to max into out; returns how many. */
int boxed_selftest_procs_with_token(const char *token, struct boxed_selftest_proc *out, int max);

/* Wait until a process holding token on its command line shows up for
 * which match(p, arg) is true: into *found, returning 1. Returns 0 when
 * none did within seconds, or once run (a child, not reaped: the run
 * that would show it) has exited. */
int boxed_selftest_await_proc(const char *token,
			      int (*match)(const struct boxed_selftest_proc *p, const void *arg),
			      const void *arg, pid_t run, double seconds,
			      struct boxed_selftest_proc *found);

/* Processes whose real uid is uid and whose command line holds needle
 * (the uid from /proc/PID/status, not the owner of /proc/PID, which is
 * root for a non-dumpable process). */
int boxed_selftest_count_procs(long uid, const char *needle);

/* ---- the probes: the table (probes.c) and each kind ---- */

/* The fix when the runner's drop did not hold. */
#define BOXED_SELFTEST_FIX_DROP                                                                    \
	"reinstall the runner (boxed-setup install) and check its log; the drop "                  \
	"in boxed-run did not hold"

enum boxed_selftest_kind {
	BOXED_SELFTEST_ISOLATION,
	BOXED_SELFTEST_LIMIT,
	BOXED_SELFTEST_INSTALL,
	BOXED_SELFTEST_HOST,
};

typedef void boxed_selftest_probe_fn(const struct boxed_selftest_ctx *c,
				     struct boxed_selftest_result *r);

struct boxed_selftest_probe {
	const char *name;
	enum boxed_selftest_kind kind;
	boxed_selftest_probe_fn *fn; /* NULL: the audit, one result a finding */
	const char *what;	     /* what it proves, for --list */
};

/* Room for the audit's findings. */
#define BOXED_SELFTEST_AUDIT_ROOM 96

/* Every probe, in the order of the report; their number in *n. */
const struct boxed_selftest_probe *boxed_selftest_probe_table(size_t *n);

/* The isolation probes (isolation.c), the inner side's answers judged. */
boxed_selftest_probe_fn boxed_selftest_p_identity, boxed_selftest_p_groups, boxed_selftest_p_caps,
    boxed_selftest_p_nnp, boxed_selftest_p_seccomp, boxed_selftest_p_reescalate,
    boxed_selftest_p_files, boxed_selftest_p_write, boxed_selftest_p_procs, boxed_selftest_p_fds,
    boxed_selftest_p_env, boxed_selftest_p_tty;

/* The limits (limits.c): the runner's outcome is what is judged. */
boxed_selftest_probe_fn boxed_selftest_p_timeout, boxed_selftest_p_memory, boxed_selftest_p_nproc,
    boxed_selftest_p_output, boxed_selftest_p_fsize, boxed_selftest_p_leftover,
    boxed_selftest_p_failclosed;

/* The installation and the host (host.c). */
boxed_selftest_probe_fn boxed_selftest_p_config, boxed_selftest_p_mount,
    boxed_selftest_host_landlock, boxed_selftest_host_seccomp, boxed_selftest_host_tiocsti,
    boxed_selftest_host_ptrace, boxed_selftest_host_symlinks, boxed_selftest_host_hardlinks,
    boxed_selftest_host_regular;

/* audit: each finding of boxed-setup audit is its own result, up to room
 * of them. Returns how many. */
size_t boxed_selftest_p_audit(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
			      size_t room);

/* A /proc/sys value as a number; -1 when absent. */
long boxed_selftest_sysctl_num(const char *path);

/* host-userns (host_userns.c): what the seal needs of this host, and
 * what a real run got. */
boxed_selftest_probe_fn boxed_selftest_host_userns;

/* The seal's probes (BLUEPRINT §2a), seal_*.c. Each runs real runs
 * through the runner and looks from the host; in control mode, the inner
 * side runs without the sandbox and each must see what the seal keeps
 * from it.
 * ipc: SysV and POSIX IPC objects of a run are invisible to the host and
 * to another run, while it lives and after.
 * run-ends: the run's processes are gone within 100 ms of the runner's
 * SIGKILL, of its caller's, and of the wall clock of a stopped runner.
 * proc-private: /proc lists the run alone; no host process is readable.
 * private-files: the run's directory, /tmp and /dev/shm are its own, and
 * gone after it. disk-limit: --disk bounds the three together (ENOSPC).
 * no-network: under --no-network, no socket of the host is reachable.
 * memory-run-wide: the run's memory is bounded as a whole. */
boxed_selftest_probe_fn boxed_selftest_seal_ipc, boxed_selftest_seal_run_ends,
    boxed_selftest_seal_proc_private, boxed_selftest_seal_private_files,
    boxed_selftest_seal_disk_limit, boxed_selftest_seal_no_network, boxed_selftest_seal_memory;

/* The key of the IPC objects of the ipc probe run by process pid. */
key_t boxed_selftest_ipc_key(pid_t pid);

/* Remove the IPC objects of key and name, wherever they show. */
void boxed_selftest_ipc_remove(key_t key, const char *name);

#endif
