/* Probe mode: the inner side of each probe. It runs as the target of the
 * runner (or, in control mode, directly as the caller), asks the kernel,
 * and prints one verdict line. "isolated" is true when the boundary held.
 * Nothing here trusts its own process: every answer is read back from
 * /proc or from the errno of a real attempt. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "selftest.h"

extern char **environ;

void boxed_selftest_verdict(const char *name, int isolated, const char *detail)
{
	cJSON *v = cJSON_CreateObject();
	char *text;

	if (!v || !cJSON_AddStringToObject(v, "probe", name) ||
	    !cJSON_AddBoolToObject(v, "isolated", isolated) ||
	    !cJSON_AddStringToObject(v, "detail", detail) || !(text = cJSON_PrintUnformatted(v))) {
		cJSON_Delete(v);
		puts("{\"isolated\":null}");
		return;
	}
	printf("%s\n", text);
	fflush(stdout);
	free(text);
	cJSON_Delete(v);
}

/* The first line of /proc/self/status starting with key, value part. */
static int status_field(const char *key, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[512];
	size_t kl = strlen(key);
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			char *v = line + kl + 1;

			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(out, len, "%s", v);
			found = 0;
			break;
		}
	fclose(f);
	return found;
}

static unsigned long arg_ul(int argc, char **argv, int i)
{
	return i < argc ? strtoul(argv[i], NULL, 10) : 0;
}

static int probe_identity(int argc, char **argv)
{
	unsigned long caller = arg_ul(argc, argv, 0);
	char u[128], g[128], d[300];
	unsigned long ids[8];

	if (status_field("Uid", u, sizeof(u)) || status_field("Gid", g, sizeof(g)) ||
	    sscanf(u, "%lu %lu %lu %lu", &ids[0], &ids[1], &ids[2], &ids[3]) != 4 ||
	    sscanf(g, "%lu %lu %lu %lu", &ids[4], &ids[5], &ids[6], &ids[7]) != 4) {
		printf("cannot read /proc/self/status\n");
		return 1;
	}
	int same = 1;
	for (int i = 1; i < 8; i++)
		same &= ids[i] == ids[0];
	snprintf(d, sizeof(d), "Uid: %s; Gid: %s (caller %lu)", u, g, caller);
	boxed_selftest_verdict("identity", same && ids[0] != 0 && ids[0] != caller, d);
	return 0;
}

static int probe_status_zero(const char *name, const char *const *keys, const char *want)
{
	char v[256], d[400] = "";
	int ok = 1;

	for (; *keys; keys++) {
		size_t l = strlen(d);

		if (status_field(*keys, v, sizeof(v))) {
			snprintf(v, sizeof(v), "absent");
			ok = 0;
		} else if (want ? strcmp(v, want) != 0 : strspn(v, "0") != strlen(v)) {
			ok = 0;
		}
		snprintf(d + l, sizeof(d) - l, "%s%s: '%s'", l ? "; " : "", *keys, v);
	}
	boxed_selftest_verdict(name, ok, d);
	return 0;
}

static int probe_groups(void)
{
	static const char *const k[] = {"Groups", NULL};

	return probe_status_zero("groups", k, "");
}

static int probe_caps(void)
{
	static const char *const k[] = {"CapInh", "CapPrm", "CapEff", "CapAmb", NULL};

	return probe_status_zero("capabilities", k, NULL);
}

static int probe_nnp(void)
{
	static const char *const k[] = {"NoNewPrivs", NULL};

	return probe_status_zero("no-new-privs", k, "1");
}

static int probe_seccomp(void)
{
	static const char *const k[] = {"Seccomp", NULL};

	return probe_status_zero("seccomp", k, "2");
}

/* Run path with argument -u, return what it printed as a number, or -1. */
static long run_for_uid(const char *path)
{
	int p[2];
	char buf[64] = "";
	pid_t pid;
	ssize_t n;
	int st;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(p[1], 1);
		execl(path, path, "-u", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	waitpid(pid, &st, 0);
	if (n <= 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static int refused(int err)
{
	return err == EPERM || err == EINVAL;
}

static int probe_reescalate(int argc, char **argv)
{
	uid_t caller = (uid_t)arg_ul(argc, argv, 0);
	gid_t caller_gid = (gid_t)arg_ul(argc, argv, 1);
	const char *suid = argc > 2 ? argv[2] : NULL;
	char d[400];
	int ok = 1, e0, e1, e2, e3;
	long euid = -2;

	/* Each must be the kernel's refusal: EPERM, or EINVAL in a sealed
	 * run, whose user namespace maps neither root's ids nor the caller's.
	 * Any other answer (success, or a filter returning something else)
	 * is not. */
	e0 = setuid(0) ? errno : 0;
	e1 = setuid(caller) ? errno : 0;
	e2 = setgid(0) ? errno : 0;
	e3 = setgid(caller_gid) ? errno : 0;
	if (getuid() == caller && geteuid() == caller)
		e1 = 0; /* already the caller: nothing was refused */
	ok = refused(e0) && refused(e1) && refused(e2) && refused(e3);
	if (suid && suid[0]) {
		/* Unknown (-1: the copy did not run) proves nothing either. */
		euid = run_for_uid(suid);
		if (euid != (long)geteuid())
			ok = 0;
	}
	snprintf(d, sizeof(d),
		 "setuid(0): %s; setuid(%u): %s; setgid(0): %s; setgid(%u): %s; "
		 "setuid-root exec: euid %ld",
		 e0 ? strerror(e0) : "SUCCEEDED", (unsigned)caller, e1 ? strerror(e1) : "SUCCEEDED",
		 e2 ? strerror(e2) : "SUCCEEDED", (unsigned)caller_gid,
		 e3 ? strerror(e3) : "SUCCEEDED", euid);
	boxed_selftest_verdict("re-escalation", ok, d);
	return 0;
}

static int probe_files(int argc, char **argv)
{
	char d[600] = "";
	int ok = argc > 0;

	for (int i = 0; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		size_t l = strlen(d);
		int e = errno;

		if (fd >= 0) {
			ok = 0;
			close(fd);
		}
		snprintf(d + l, sizeof(d) - l, "%sread %s: %s", l ? "; " : "", argv[i],
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

static int probe_write(int argc, char **argv)
{
	const char *home = getenv("HOME");
	char d[800] = "";
	int ok = argc > 0, e;

	for (int i = 0; i < argc; i++) {
		size_t l = strlen(d);

		e = try_write(argv[i]);
		if (e == 0)
			ok = 0;
		snprintf(d + l, sizeof(d) - l, "%swrite %s: %s", l ? "; " : "", argv[i],
			 e ? strerror(e) : "WRITABLE");
	}
	/* The private directory must stay usable, or the sandbox is merely
	 * broken rather than isolating. */
	e = home ? try_write(home) : ENOENT;
	{
		size_t l = strlen(d);

		snprintf(d + l, sizeof(d) - l, "; private %s: %s", home ? home : "(no HOME)",
			 e ? strerror(e) : "writable");
	}
	if (e)
		ok = 0;
	boxed_selftest_verdict("home-and-tmp", ok, d);
	return 0;
}

/* Try signal 0, PTRACE_ATTACH and /proc/PID/environ on pid. Returns 1 when
 * all three were refused. */
static int cannot_touch(pid_t pid, char *d, size_t len)
{
	char path[64];
	int ks, ps, fd, ke, pe, fe;

	ks = kill(pid, 0);
	ke = errno;
	ps = (int)ptrace(PTRACE_ATTACH, pid, NULL, NULL);
	pe = errno;
	if (ps == 0) {
		waitpid(pid, NULL, __WALL);
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	}
	snprintf(path, sizeof(path), "/proc/%ld/environ", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	fe = errno;
	if (fd >= 0) {
		char c;
		/* Opening can succeed where reading is refused (a ptrace check
		 * at read time): only a successful read is a leak. */
		if (read(fd, &c, 1) < 0) {
			fe = errno;
			close(fd);
			fd = -1;
		} else {
			close(fd);
		}
	}
	snprintf(d, len, "pid %ld: kill %s, ptrace %s, environ %s", (long)pid,
		 ks ? strerror(ke) : "ALLOWED", ps ? strerror(pe) : "ALLOWED",
		 fd >= 0 ? "READABLE" : strerror(fe));
	return ks != 0 && ps != 0 && fd < 0;
}

/* argv: the pid of a process of the caller and of a concurrent run's
 * target, as the host numbers them. Neither may be signalled, traced or
 * have its environment read. (What /proc lists is proc-private's.) */
static int probe_procs(int argc, char **argv)
{
	char d[1200] = "", one[300];
	int ok = argc >= 2;
	size_t l;

	for (int i = 0; i < argc && i < 2; i++) {
		pid_t pid = (pid_t)strtol(argv[i], NULL, 10);

		if (!cannot_touch(pid, one, sizeof(one)))
			ok = 0;
		l = strlen(d);
		snprintf(d + l, sizeof(d) - l, "%s%s of %s", l ? "; " : "", one,
			 i ? "a concurrent run" : "the caller");
	}
	boxed_selftest_verdict("signals-ptrace-proc", ok, d);
	return 0;
}

static int probe_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	char d[400] = "";
	int ok = 1;

	if (!dir)
		return 1;
	while ((e = readdir(dir))) {
		int fd;
		char *end;

		fd = (int)strtol(e->d_name, &end, 10);
		if (*end || e->d_name[0] == '\0' || fd == dirfd(dir) || fd <= 2)
			continue;
		size_t l = strlen(d);

		ok = 0;
		snprintf(d + l, sizeof(d) - l, "%s%d", l ? " " : "extra open fds: ", fd);
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

static int probe_env(void)
{
	char d[600] = "";
	int ok = 1;

	for (char **e = environ; *e; e++) {
		if (allowed_env(*e))
			continue;
		size_t l = strlen(d);

		ok = 0;
		snprintf(d + l, sizeof(d) - l, "%s%.*s",
			 l ? ", " : "not in the allow-list: ", (int)strcspn(*e, "="), *e);
	}
	boxed_selftest_verdict("environment", ok,
			       ok ? "only PATH, HOME, TMPDIR, LANG, LC_ALL are set" : d);
	return 0;
}

static int probe_tty(void)
{
	/* Read-only: Landlock refuses a write open of /dev/tty with EACCES,
	 * which would hide the answer that matters (ENXIO: no terminal). */
	int fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC);
	int e = errno;
	pid_t sid = getsid(0);
	char d[200];

	if (fd >= 0)
		close(fd);
	/* A session leader of its own session has no controlling tty until it
	 * opens one: the caller's terminal is out of reach (no TIOCSTI). */
	snprintf(d, sizeof(d), "open /dev/tty: %s; session leader: %s",
		 fd >= 0 ? "OPENED" : strerror(e), sid == getpid() ? "yes" : "no");
	boxed_selftest_verdict("tty", fd < 0 && sid == getpid(), d);
	return 0;
}

static int probe_spin(void)
{
	for (volatile unsigned long i = 0;; i++)
		;
	return 0;
}

static int probe_hog(void)
{
	/* Touch every page, so the address space and the RSS both grow. */
	for (;;) {
		char *p = malloc(4u << 20);

		if (!p)
			return 3;
		memset(p, 1, 4u << 20);
	}
}

static int probe_forkbomb(void)
{
	int forked = 0, e = 0;
	char d[200];

	for (int i = 0; i < 64; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			e = errno;
			break;
		}
		if (pid == 0) {
			pause();
			_exit(0);
		}
		forked++;
	}
	snprintf(d, sizeof(d), "%d fork(s) succeeded, then %s", forked,
		 e ? strerror(e) : "no refusal");
	/* The children are left for the runner to kill: that is part of the test. */
	boxed_selftest_verdict("fork-bomb", e == EAGAIN && forked < 64, d);
	return 0;
}

static int probe_flood(void)
{
	static char buf[65536];

	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < 64; i++)
		if (write(1, buf, sizeof(buf)) < 0)
			return 1;
	return 0;
}

static int probe_fsize(int argc, char **argv)
{
	unsigned long limit = arg_ul(argc, argv, 0);
	static char buf[65536];
	char d[200];
	struct stat st;
	int fd, e = 0;

	signal(SIGXFSZ, SIG_IGN); /* EFBIG instead of death, to measure */
	fd = open("fsize-probe", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return 1;
	for (int i = 0; i < 32; i++)
		if (write(fd, buf, sizeof(buf)) < 0) {
			e = errno;
			break;
		}
	if (fstat(fd, &st))
		return 1;
	close(fd);
	unlink("fsize-probe");
	snprintf(d, sizeof(d), "wrote %lld bytes (limit %lu), then %s", (long long)st.st_size,
		 limit, e ? strerror(e) : "no refusal");
	boxed_selftest_verdict("fsize", e == EFBIG && (unsigned long)st.st_size <= limit, d);
	return 0;
}

static int probe_daemon(void)
{
	pid_t pid = fork();

	if (pid < 0)
		return 1;
	if (pid == 0) {
		setsid();
		if (fork() == 0) {
			sleep(30);
			_exit(0);
		}
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	puts("daemon started");
	return 0;
}

static int probe_sleeper(void)
{
	sleep(10);
	return 0;
}

static int probe_marker(void)
{
	puts("executed");
	return 0;
}

int boxed_selftest_probe_main(const char *name, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn0)(void);
		int (*fn)(int, char **);
	} table[] = {
	    {"identity", NULL, probe_identity},
	    {"groups", probe_groups, NULL},
	    {"capabilities", probe_caps, NULL},
	    {"no-new-privs", probe_nnp, NULL},
	    {"seccomp", probe_seccomp, NULL},
	    {"re-escalation", NULL, probe_reescalate},
	    {"caller-files", NULL, probe_files},
	    {"home-and-tmp", NULL, probe_write},
	    {"signals-ptrace-proc", NULL, probe_procs},
	    {"fds", probe_fds, NULL},
	    {"environment", probe_env, NULL},
	    {"tty", probe_tty, NULL},
	    {"spin", probe_spin, NULL},
	    {"hog", probe_hog, NULL},
	    {"fork-bomb", probe_forkbomb, NULL},
	    {"flood", probe_flood, NULL},
	    {"fsize", NULL, probe_fsize},
	    {"daemon", probe_daemon, NULL},
	    {"sleeper", probe_sleeper, NULL},
	    {"marker", probe_marker, NULL},
	    {"ipc", NULL, boxed_selftest_probe_ipc},
	    {"ipc-open", NULL, boxed_selftest_probe_ipc_open},
	    {"run-ends", NULL, boxed_selftest_probe_run_ends},
	    {"proc-private", NULL, boxed_selftest_probe_proc_private},
	    {"private-files", NULL, boxed_selftest_probe_private_files},
	    {"private-peek", NULL, boxed_selftest_probe_private_peek},
	    {"disk-fill", NULL, boxed_selftest_probe_disk_fill},
	    {"no-network", NULL, boxed_selftest_probe_no_network},
	    {"mem-procs", NULL, boxed_selftest_probe_mem_procs},
	    {"memfd", boxed_selftest_probe_memfd, NULL},
	    {"shm-hog", NULL, boxed_selftest_probe_shm_hog},
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, name) == 0)
			return table[i].fn0 ? table[i].fn0() : table[i].fn(argc, argv);
	fprintf(stderr, "boxed-selftest: unknown probe '%s'\n", name);
	return 2;
}
