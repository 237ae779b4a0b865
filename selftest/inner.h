/* The inner side of boxed-selftest (probe mode): what a probe tries from
 * inside a run, as the runner's target (or, in control mode, directly as
 * the caller), each printing one JSON verdict line. Also the kernel
 * objects that both sides open, the outer side from the host: IPC objects
 * by key and name, unix and loopback sockets, a program's output.
 */
#ifndef BOXED_SELFTEST_INNER_H
#define BOXED_SELFTEST_INNER_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <sys/ipc.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include "selftest.h"

/* ---- helpers of the probes (probe.c) ---- */

/* Argument i as a decimal number (0 when absent) or a string ("" when
 * absent): the outer side made them, so no further check. */
unsigned long boxed_selftest_arg_num(int argc, char **argv, int i);
const char *boxed_selftest_arg_str(int argc, char **argv, int i);

/* {"probe": name, "errno": {}}: the object probes add their answers to,
 * with the "errno" object in *errs; NULL on ENOMEM. */
cJSON *boxed_selftest_answer(const char *name, cJSON **errs);

/* Add what: e to an "errno" object (nothing when errs is NULL). */
void boxed_selftest_add_errno(cJSON *errs, const char *what, int e);

/* Tell the outer side that this process has done its part: it names
 * itself "st-ready" (PR_SET_NAME, seen in /proc/PID/status). */
void boxed_selftest_set_ready(void);

/* Wait until the outer side creates path. Returns 1, or 0 when it did
 * not within 20 s. */
int boxed_selftest_await_release(const char *path);

/* What reading /proc/PID/file gives: 0 when some of it was read, else the
 * errno. Opening can succeed where reading is refused (environ checks
 * ptrace access at read time): only a read counts. */
int boxed_selftest_proc_read_errno(long pid, const char *file);

/* Start a daemon: a double fork into a session of its own, its output
 * closed (a daemon that outlived the run must not hold the runner's
 * pipes), named "st-daemon", sleeping 20 s. Returns 0 once it is up, or
 * the errno. */
int boxed_selftest_start_daemon(void);

/* All of fd, NUL-terminated, then closed: at most 1 MiB, past which
 * nothing ("" then). Closed before a wait for the writer, a writer with
 * more to say gets EPIPE rather than block. NULL only without memory. */
char *boxed_selftest_read_output(int fd);

/* Reap the child pid, through EINTR; its wait status in *status (may be
 * NULL). Returns 0, or -1 with errno set. */
int boxed_selftest_wait(pid_t pid, int *status);

/* Run a program and capture its stdout: argv[0] is its path. Returns the
 * output (boxed_selftest_read_output()) and its wait status in *status,
 * or NULL with errno set when it could not be run. The outer side uses it
 * too. */
char *boxed_selftest_capture(const char *const argv[], int *status);

/* ---- IPC (probe_ipc.c) ---- */

/* The kinds of IPC object, in the order of the arrays below. */
#define BOXED_SELFTEST_IPC_KINDS 5
extern const char *const boxed_selftest_ipc_kinds[BOXED_SELFTEST_IPC_KINDS];

/* Open the SysV shm, message queue and semaphore set of key, the POSIX
 * message queue and shared memory object of name; err[] is 0 for each
 * that opened (and was closed again), else the errno. */
void boxed_selftest_ipc_open(key_t key, const char *name, int err[BOXED_SELFTEST_IPC_KINDS]);

/* ---- sockets (probe_net.c) ---- */

/* Fill a with the unix socket address of name (abstract: in the abstract
 * namespace); returns its length. */
socklen_t boxed_selftest_unix_addr(struct sockaddr_un *a, const char *name, int abstract);

/* Fill a with the loopback address of family (AF_INET or AF_INET6) at
 * port; returns its length. */
socklen_t boxed_selftest_loopback(struct sockaddr_storage *a, int family, int port);

/* Connect a stream socket to name. Returns 0, or the errno. */
int boxed_selftest_unix_connect(const char *name, int abstract);

/* A non-blocking stream socket listening on name; -1 with errno set. */
int boxed_selftest_unix_listen(const char *name, int abstract);

/* Accept and close every pending connection of listener fd (-1: none).
 * Returns how many there were. */
int boxed_selftest_accepted(int fd);

/* ---- the inner probes (boxed-selftest --probe NAME ARGS) ----
 * Each returns the exit status, its verdict line on stdout. */

/* probe_drop.c: what the runner's drop leaves. */
int boxed_selftest_probe_identity(int argc, char **argv);
int boxed_selftest_probe_groups(int argc, char **argv);
int boxed_selftest_probe_caps(int argc, char **argv);
int boxed_selftest_probe_nnp(int argc, char **argv);
int boxed_selftest_probe_seccomp(int argc, char **argv);
int boxed_selftest_probe_reescalate(int argc, char **argv);

/* probe_reach.c: what the run can reach of the caller and the host. */
int boxed_selftest_probe_files(int argc, char **argv);
int boxed_selftest_probe_write(int argc, char **argv);
int boxed_selftest_probe_procs(int argc, char **argv);
int boxed_selftest_probe_fds(int argc, char **argv);
int boxed_selftest_probe_env(int argc, char **argv);
int boxed_selftest_probe_tty(int argc, char **argv);

/* probe_limits.c: loads for the limits, and runs for the outer side to
 * aim at or end. */
int boxed_selftest_probe_spin(int argc, char **argv);
int boxed_selftest_probe_hog(int argc, char **argv);
int boxed_selftest_probe_forkbomb(int argc, char **argv);
int boxed_selftest_probe_flood(int argc, char **argv);
int boxed_selftest_probe_fsize(int argc, char **argv);
int boxed_selftest_probe_daemon(int argc, char **argv);
int boxed_selftest_probe_sleeper(int argc, char **argv);
int boxed_selftest_probe_marker(int argc, char **argv);
int boxed_selftest_probe_run_ends(int argc, char **argv);

/* The seal's inner side: probe_ipc.c, probe_files.c, probe_net.c,
 * probe_memory.c. */
int boxed_selftest_probe_ipc(int argc, char **argv);
int boxed_selftest_probe_ipc_open(int argc, char **argv);
int boxed_selftest_probe_proc_private(int argc, char **argv);
int boxed_selftest_probe_private_files(int argc, char **argv);
int boxed_selftest_probe_private_peek(int argc, char **argv);
int boxed_selftest_probe_disk_fill(int argc, char **argv);
int boxed_selftest_probe_no_network(int argc, char **argv);
int boxed_selftest_probe_mem_procs(int argc, char **argv);
int boxed_selftest_probe_memfd(int argc, char **argv);
int boxed_selftest_probe_shm_hog(int argc, char **argv);

#endif
