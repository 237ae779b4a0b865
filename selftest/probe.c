/* Probe mode: boxed-selftest --probe NAME ARGS, the inner side of each
 * probe, and what the inner probes share. It runs as the target of the
 * runner (or, in control mode, directly as the caller), asks the kernel,
 * and prints one verdict line; "isolated" is true when the boundary held.
 * Nothing here trusts its own process: every answer is read back from
 * /proc or from the errno of a real attempt.
 *
 * A probe that the outer side must look at while it lives names itself
 * "st-ready" once it has done its part, then waits for the outer side to
 * create a release file. A run's stdout reaches the outer side only at its
 * end (boxed-run --json), and its stdin is /dev/null, so the process name
 * and a file are the two ways in and out while it runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "fsutil.h"
#include "inner.h"

/* Far longer than the outer side takes to look, short enough that a
 * broken run ends. */
#define RELEASE_WAIT 20.0
#define RELEASE_PAUSE 0.005

/* What a program may print, at most: far more than any report. */
#define OUTPUT_MAX (1u << 20)

unsigned long boxed_selftest_arg_num(int argc, char **argv, int i)
{
	return i < argc ? strtoul(argv[i], NULL, 10) : 0;
}

const char *boxed_selftest_arg_str(int argc, char **argv, int i)
{
	return i < argc ? argv[i] : "";
}

cJSON *boxed_selftest_answer(const char *name, cJSON **errs)
{
	cJSON *v = cJSON_CreateObject();

	if (!v || !cJSON_AddStringToObject(v, "probe", name) ||
	    !(*errs = cJSON_AddObjectToObject(v, "errno"))) {
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

void boxed_selftest_add_errno(cJSON *errs, const char *what, int e)
{
	if (errs)
		cJSON_AddNumberToObject(errs, what, e);
}

void boxed_selftest_set_ready(void)
{
	prctl(PR_SET_NAME, "st-ready", 0, 0, 0);
}

int boxed_selftest_await_release(const char *path)
{
	double give_up = boxed_now() + RELEASE_WAIT;
	struct stat st;

	while (stat(path, &st) != 0) {
		if (boxed_now() >= give_up)
			return 0;
		boxed_sleep(RELEASE_PAUSE);
	}
	return 1;
}

int boxed_selftest_proc_read_errno(long pid, const char *file)
{
	char path[128], buf[64];
	boxed_autoclose int fd = -1;

	snprintf(path, sizeof(path), "/proc/%ld/%s", pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	return read(fd, buf, sizeof(buf)) < 0 ? errno : 0;
}

int boxed_selftest_start_daemon(void)
{
	int p[2], st;
	char c;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0)
		return errno;
	pid = fork();
	if (pid < 0) {
		st = errno;
		close(p[0]);
		close(p[1]);
		return st;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		setsid();
		if (fork() != 0)
			_exit(0);
		prctl(PR_SET_NAME, "st-daemon", 0, 0, 0);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
			_exit(1);
		close(p[0]);
		if (write(p[1], "u", 1) != 1)
			_exit(1);
		close(p[1]);
		sleep(20);
		_exit(0);
	}
	close(p[1]);
	boxed_selftest_wait(pid, NULL);
	st = read(p[0], &c, 1) == 1 ? 0 : EIO;
	close(p[0]);
	return st;
}

char *boxed_selftest_read_output(int fd)
{
	char *text = NULL;

	if (boxed_read_all(fd, OUTPUT_MAX, &text) < 0)
		text = NULL;
	close(fd);
	return text ? text : strdup("");
}

int boxed_selftest_wait(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

char *boxed_selftest_capture(const char *const argv[], int *status)
{
	char *text;
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0)
		return NULL;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return NULL;
	}
	if (pid == 0) {
		if (dup2(p[1], 1) != 1)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	text = boxed_selftest_read_output(p[0]);
	if (boxed_selftest_wait(pid, status) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

int boxed_selftest_probe_main(const char *name, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} table[] = {
	    {"identity", boxed_selftest_probe_identity},
	    {"groups", boxed_selftest_probe_groups},
	    {"capabilities", boxed_selftest_probe_caps},
	    {"no-new-privs", boxed_selftest_probe_nnp},
	    {"seccomp", boxed_selftest_probe_seccomp},
	    {"re-escalation", boxed_selftest_probe_reescalate},
	    {"caller-files", boxed_selftest_probe_files},
	    {"home-and-tmp", boxed_selftest_probe_write},
	    {"signals-ptrace-proc", boxed_selftest_probe_procs},
	    {"fds", boxed_selftest_probe_fds},
	    {"environment", boxed_selftest_probe_env},
	    {"tty", boxed_selftest_probe_tty},
	    {"spin", boxed_selftest_probe_spin},
	    {"hog", boxed_selftest_probe_hog},
	    {"fork-bomb", boxed_selftest_probe_forkbomb},
	    {"flood", boxed_selftest_probe_flood},
	    {"fsize", boxed_selftest_probe_fsize},
	    {"daemon", boxed_selftest_probe_daemon},
	    {"sleeper", boxed_selftest_probe_sleeper},
	    {"marker", boxed_selftest_probe_marker},
	    {"ipc", boxed_selftest_probe_ipc},
	    {"ipc-open", boxed_selftest_probe_ipc_open},
	    {"run-ends", boxed_selftest_probe_run_ends},
	    {"proc-private", boxed_selftest_probe_proc_private},
	    {"private-files", boxed_selftest_probe_private_files},
	    {"private-peek", boxed_selftest_probe_private_peek},
	    {"disk-fill", boxed_selftest_probe_disk_fill},
	    {"no-network", boxed_selftest_probe_no_network},
	    {"mem-procs", boxed_selftest_probe_mem_procs},
	    {"memfd", boxed_selftest_probe_memfd},
	    {"shm-hog", boxed_selftest_probe_shm_hog},
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, name) == 0)
			return table[i].fn(argc, argv);
	fprintf(stderr, "boxed-selftest: unknown probe '%s'\n", name);
	return 2;
}
