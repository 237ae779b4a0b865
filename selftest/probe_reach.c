/* The inner side of the probes of what a run can reach: the caller's
 * files and directories, the caller's and another run's processes, the
 * fds, the environment and the terminal it was started with. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "inner.h"

extern char **environ;

/* argv: files of the caller (0600, and 0640 of a group of the caller):
 * none may be opened. */
int boxed_selftest_probe_files(int argc, char **argv)
{
	char d[600] = "";
	int ok = argc > 0;

	for (int i = 0; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		int e = errno;

		if (fd >= 0) {
			ok = 0;
			close(fd);
		}
		boxed_selftest_append(d, sizeof(d), "%sread %s: %s", d[0] ? "; " : "", argv[i],
				      fd >= 0 ? "READABLE" : strerror(e));
	}
	boxed_selftest_verdict("caller-files", ok, d);
	return 0;
}

/* Create and remove a file in dir; returns 0 or the errno. */
static int try_write(const char *dir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/.boxed-selftest-%ld", dir, (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	close(fd);
	unlink(path);
	return 0;
}

/* argv: directories of the caller and the host: none may be written to. */
int boxed_selftest_probe_write(int argc, char **argv)
{
	const char *home = getenv("HOME");
	char d[800] = "";
	int ok = argc > 0, e;

	for (int i = 0; i < argc; i++) {
		e = try_write(argv[i]);
		if (e == 0)
			ok = 0;
		boxed_selftest_append(d, sizeof(d), "%swrite %s: %s", d[0] ? "; " : "", argv[i],
				      e ? strerror(e) : "WRITABLE");
	}
	/* The private directory must stay usable, or the sandbox is merely
	 * broken rather than isolating. */
	e = home ? try_write(home) : ENOENT;
	boxed_selftest_append(d, sizeof(d), "; private %s: %s", home ? home : "(no HOME)",
			      e ? strerror(e) : "writable");
	if (e)
		ok = 0;
	boxed_selftest_verdict("home-and-tmp", ok, d);
	return 0;
}

/* Try signal 0, PTRACE_ATTACH and /proc/PID/environ on pid. Returns 1 when
 * all three were refused. */
static int cannot_touch(pid_t pid, char *d, size_t len)
{
	int ks, ps, ke, pe, fe;

	ks = kill(pid, 0);
	ke = errno;
	ps = (int)ptrace(PTRACE_ATTACH, pid, NULL, NULL);
	pe = errno;
	if (ps == 0) {
		waitpid(pid, NULL, __WALL);
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	}
	fe = boxed_selftest_proc_read_errno(pid, "environ");
	snprintf(d, len, "pid %ld: kill %s, ptrace %s, environ %s", (long)pid,
		 ks ? strerror(ke) : "ALLOWED", ps ? strerror(pe) : "ALLOWED",
		 fe ? strerror(fe) : "READABLE");
	return ks != 0 && ps != 0 && fe != 0;
}

/* argv: the pid of a process of the caller and of a concurrent run's
 * target, as the host numbers them. Neither may be signalled, traced or
 * have its environment read. (What /proc lists is proc-private's.) */
int boxed_selftest_probe_procs(int argc, char **argv)
{
	char d[1200] = "", one[300];
	int ok = argc >= 2;

	for (int i = 0; i < argc && i < 2; i++) {
		pid_t pid = (pid_t)strtol(argv[i], NULL, 10);

		if (!cannot_touch(pid, one, sizeof(one)))
			ok = 0;
		boxed_selftest_append(d, sizeof(d), "%s%s of %s", d[0] ? "; " : "", one,
				      i ? "a concurrent run" : "the caller");
	}
	boxed_selftest_verdict("signals-ptrace-proc", ok, d);
	return 0;
}

/* Only 0, 1 and 2 are open: the runner closed every other fd. */
int boxed_selftest_probe_fds(int argc, char **argv)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	char d[400] = "";
	int ok = 1;

	(void)argc, (void)argv;
	if (!dir)
		return 1;
	while ((e = readdir(dir))) {
		char *end;
		int fd = (int)strtol(e->d_name, &end, 10);

		if (*end || e->d_name[0] == '\0' || fd == dirfd(dir) || fd <= 2)
			continue;
		ok = 0;
		boxed_selftest_append(d, sizeof(d), "%s%d", d[0] ? " " : "extra open fds: ", fd);
	}
	closedir(dir);
	boxed_selftest_verdict("fds", ok, ok ? "only 0, 1 and 2 are open" : d);
	return 0;
}

/* The runner's allow-list (docs: boxed-run(1), ENVIRONMENT). */
static int allowed_env(const char *kv)
{
	static const char *const names[] = {"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", NULL};

	for (const char *const *n = names; *n; n++) {
		size_t l = strlen(*n);

		if (strncmp(kv, *n, l) == 0 && kv[l] == '=')
			return 1;
	}
	return 0;
}

/* Only the allow-listed variables arrive: the outer side planted others. */
int boxed_selftest_probe_env(int argc, char **argv)
{
	char d[600] = "";
	int ok = 1;

	(void)argc, (void)argv;
	for (char **e = environ; *e; e++) {
		if (allowed_env(*e))
			continue;
		ok = 0;
		boxed_selftest_append(
		    d, sizeof(d), "%s%.*s",
		    d[0] ? ", " : "not in the allow-list: ", (int)strcspn(*e, "="), *e);
	}
	boxed_selftest_verdict("environment", ok,
			       ok ? "only PATH, HOME, TMPDIR, LANG, LC_ALL are set" : d);
	return 0;
}

/* No controlling terminal: the caller's terminal is out of reach (no
 * TIOCSTI into it). */
int boxed_selftest_probe_tty(int argc, char **argv)
{
	/* Read-only: Landlock refuses a write open of /dev/tty with EACCES,
	 * which would hide the answer that matters (ENXIO: no terminal). */
	int fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC);
	int e = errno;
	pid_t sid = getsid(0);
	char d[200];

	(void)argc, (void)argv;
	if (fd >= 0)
		close(fd);
	/* A session leader of its own session has no controlling tty until it
	 * opens one. */
	snprintf(d, sizeof(d), "open /dev/tty: %s; session leader: %s",
		 fd >= 0 ? "OPENED" : strerror(e), sid == getpid() ? "yes" : "no");
	boxed_selftest_verdict("tty", fd < 0 && sid == getpid(), d);
	return 0;
}
