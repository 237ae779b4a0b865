/* The child's way from "forked supervisor with cap_setuid,cap_setgid" to
 * "the target, as a slot uid that holds nothing". One function per step;
 * run_child() near the end is the checklist of BLUEPRINT §2. Every step
 * that fails dies (boxed_die_child*), so nothing runs after a partial drop.
 *
 * The child is a plain fork(), not a CLONE_VM one as posix_spawn() makes:
 * until its uid is dropped the caller may kill it at any instruction, and a
 * child killed in the middle of a malloc() (libcap allocates) would leave a
 * shared heap corrupt under a supervisor that holds capabilities. It leaves
 * only by execve or _exit(), never exit(), so that it neither runs the
 * atexit handlers nor flushes the stdio buffers it inherited.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
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

#include "caps.h"
#include "die.h"
#include "runner.h"
#include "seccomp-filter.h"

/* Landlock constants newer than the build host's linux/landlock.h. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

/* struct landlock_ruleset_attr as of ABI 6. The kernel accepts a larger
 * struct than it knows as long as the unknown tail is zero. */
struct boxed_landlock_ruleset_attr {
	__u64 handled_access_fs;
	__u64 handled_access_net;
	__u64 scoped;
};

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
	long n;

	if (dir < 0)
		boxed_die_child_errno("open(/proc/self/fd)");
	while ((n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			const struct boxed_run_dirent64 *d = (const void *)(buf + off);
			char *end;
			long fd = strtol(d->name, &end, 10);

			off += d->reclen;
			if (d->name[0] == '.' || *end != '\0' || fd == dir)
				continue;
			if (fd > last)
				boxed_die_child("fd %ld is still open after close_range", fd);
		}
	}
	if (n < 0)
		boxed_die_child_errno("getdents64(/proc/self/fd)");
	close(dir);
}

/* Returns the fd number the status pipe now has. */
static int setup_fds(const struct boxed_run_plan *p)
{
	int python = p->request_fd >= 0;
	int status_target = python ? 5 : 3;
	int out = lift(p->stdout_fd, "stdout pipe"), err = lift(p->stderr_fd, "stderr pipe");
	int req = lift(p->request_fd, "request pipe"), res = lift(p->result_fd, "result pipe");
	int status = lift(p->status_fd, "status pipe");
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
	place(status, status_target, 1, "status pipe");
	if (close_range((unsigned)status_target + 1, ~0U, 0) != 0)
		boxed_die_child_errno("close_range(%d, ~0)", status_target + 1);
	verify_fds(status_target);
	return status_target;
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
	if (boxed_run_env_build(env, p->slot->dir, p->caller_env) != 0)
		boxed_die_child_errno("building the environment");
}

/* Handlers and masks survive fork and exec (an ignored SIGPIPE or a
 * blocked SIGTERM would change how the target dies). */
static void reset_signals(void)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
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

static void drop_groups(void)
{
	if (setgroups(0, NULL) != 0)
		boxed_die_child_errno("setgroups(0)");
}

static void drop_gid(gid_t g)
{
	if (setresgid(g, g, g) != 0)
		boxed_die_child_errno("setresgid(%u, %u, %u)", (unsigned)g, (unsigned)g,
				      (unsigned)g);
}

static void drop_uid(uid_t u)
{
	if (setresuid(u, u, u) != 0)
		boxed_die_child_errno("setresuid(%u, %u, %u)", (unsigned)u, (unsigned)u,
				      (unsigned)u);
}

/* setresuid() from a non-zero uid does not clear capabilities (only a
 * transition away from uid 0 does), so clear every set explicitly. */
static void clear_caps(void)
{
	cap_t none = cap_init();

	if (!none)
		boxed_die_child_errno("cap_init");
	if (cap_reset_ambient() != 0)
		boxed_die_child_errno("cap_reset_ambient");
	if (cap_set_proc(none) != 0)
		boxed_die_child_errno("cap_set_proc(empty)");
	cap_free(none);
}

/* The kernel's answer is the truth, not our intent: read every id and
 * capability set back. */
static void assert_dropped(uid_t u)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	cap_t have, none = cap_init();
	cap_value_t max = cap_max_bits();

	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
		boxed_die_child_errno("getresuid/getresgid");
	if (ru != u || eu != u || su != u)
		boxed_die_child("uids are %u/%u/%u, not %u", ru, eu, su, u);
	if (rg != u || eg != u || sg != u)
		boxed_die_child("gids are %u/%u/%u, not %u", rg, eg, sg, u);
	/* setfsuid() reports the previous value and never fails visibly. */
	if ((uid_t)setfsuid((uid_t)-1) != u || (gid_t)setfsgid((gid_t)-1) != u)
		boxed_die_child("fsuid or fsgid is not %u", u);
	if (getgroups(0, NULL) != 0)
		boxed_die_child("supplementary groups remain");
	have = cap_get_proc();
	if (!have || !none)
		boxed_die_child_errno("cap_get_proc");
	if (cap_compare(have, none) != 0)
		boxed_die_child("capabilities remain after clearing them");
	for (cap_value_t c = 0; c < max; c++)
		if (cap_get_ambient(c) != 0)
			boxed_die_child("ambient capability %d remains", c);
	cap_free(have);
	cap_free(none);
}

/* OpenSSH's permanently_set_uid(): prove the drop by trying to undo it. */
static void try_regain(uid_t caller, gid_t caller_gid)
{
	gid_t zero = 0;

	if (setuid(0) == 0)
		boxed_die_child("was able to regain uid 0");
	if (setuid(caller) == 0)
		boxed_die_child("was able to regain the caller's uid %u", caller);
	if (setgid(0) == 0)
		boxed_die_child("was able to regain gid 0");
	if (setgid(caller_gid) == 0)
		boxed_die_child("was able to regain the caller's gid %u", caller_gid);
	if (setgroups(1, &zero) == 0)
		boxed_die_child("was able to set supplementary groups");
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

/* A runner killed with SIGKILL cannot clean its slot: kill whatever an
 * earlier run of this uid left. As the slot uid, kill(-1) reaches only
 * processes of that uid. One round is enough: it signals every process
 * under the tasklist lock, and a fork that races with it either adds its
 * child before (and the child is signalled) or sees SIGKILL pending in the
 * parent and fails. */
static void kill_leftovers(void)
{
	if (kill(-1, SIGKILL) != 0 && errno != ESRCH)
		boxed_die_child_errno("kill(-1, SIGKILL)");
}

static int open_private_dir(const struct boxed_run_slot *slot)
{
	int fd = boxed_run_open_private_dir(slot->dir, slot->uid);

	if (fd < 0 && errno == EPERM)
		boxed_die_child("%s is not the slot's (uid and gid %u; run boxed-setup install)",
				slot->dir, (unsigned)slot->uid);
	if (fd < 0)
		boxed_die_child_errno("open(%s)", slot->dir);
	/* A runner killed with SIGKILL could not wipe what its run left. */
	if (boxed_run_wipe_dir(fd) != 0)
		boxed_die_child_errno("emptying %s", slot->dir);
	if (fchdir(fd) != 0)
		boxed_die_child_errno("fchdir(%s)", slot->dir);
	return fd;
}

static void set_limit(int resource, const char *name, rlim_t soft, rlim_t hard)
{
	struct rlimit rl = {.rlim_cur = soft, .rlim_max = hard};

	if (setrlimit(resource, &rl) != 0)
		boxed_die_child_errno("setrlimit(%s, %llu)", name, (unsigned long long)soft);
}

/* Soft and hard alike, so the target cannot raise them back; NPROC counts
 * every process of the slot uid, which is what contains a fork bomb. */
static void apply_rlimits(const struct boxed_limits *l)
{
	set_limit(RLIMIT_CORE, "RLIMIT_CORE", 0, 0);
	set_limit(RLIMIT_NPROC, "RLIMIT_NPROC", l->nproc, l->nproc);
	set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", l->nofile, l->nofile);
	set_limit(RLIMIT_FSIZE, "RLIMIT_FSIZE", l->fsize, l->fsize);
	set_limit(RLIMIT_AS, "RLIMIT_AS", l->memory, l->memory);
	/* SIGXCPU at the limit, SIGKILL a second later if it is caught. */
	set_limit(RLIMIT_CPU, "RLIMIT_CPU", l->cpu, l->cpu + 1);
}

static __u64 landlock_fs_rights(int abi)
{
	__u64 r = ((LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1);

	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return r;
}

static void landlock_allow(int ruleset, int dirfd, const char *path, __u64 rights)
{
	struct landlock_path_beneath_attr pb = {.allowed_access = rights};
	int fd = dirfd;

	if (fd < 0)
		fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		boxed_die_child_errno("open(%s) for landlock", path);
	pb.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0)
		boxed_die_child_errno("landlock_add_rule(%s)", path);
	if (fd != dirfd)
		close(fd);
}

/* Write only beneath the private directory and into the null devices.
 * Every right of the ABI but reading and executing is handled, so a write
 * right not granted here is denied. Reading and executing are left to the
 * uid's file permissions (BLUEPRINT §2 asks Landlock for write confinement):
 * handling them, with a rule granting them beneath "/", would only add a
 * rule lookup from every file opened up to the root, about 0.1 ms of a
 * Python start, and would still allow everything beneath the root. */
static void apply_landlock(int abi, int no_network, int private_dir, const char *dir_name)
{
	struct boxed_landlock_ruleset_attr attr = {0};
	__u64 handled =
	    landlock_fs_rights(abi) & ~(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE |
					LANDLOCK_ACCESS_FS_READ_DIR);
	/* No device nodes and no device ioctls in the private directory. */
	__u64 private = handled & ~(LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
				    LANDLOCK_ACCESS_FS_IOCTL_DEV);
	__u64 dev_write =
	    LANDLOCK_ACCESS_FS_WRITE_FILE | (abi >= 3 ? LANDLOCK_ACCESS_FS_TRUNCATE : 0);
	static const char *const devices[] = {"/dev/null", "/dev/zero", "/dev/full"};
	int ruleset;

	if (abi <= 0)
		return;
	attr.handled_access_fs = handled;
	if (abi >= 4 && no_network)
		attr.handled_access_net =
		    LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
	/* Signals and abstract unix sockets are not files: scope them to the
	 * run, so it cannot reach the caller or a service listening on an
	 * abstract name. */
	if (abi >= 6)
		attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0)
		boxed_die_child_errno("landlock_create_ruleset(ABI %d)", abi);
	landlock_allow(ruleset, private_dir, dir_name, private);
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		landlock_allow(ruleset, -1, devices[i], dev_write);
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0)
		boxed_die_child_errno("landlock_restrict_self");
	close(ruleset);
}

/* The filter of runner/filter.c, compiled at build time (tools/seccomp-gen).
 * no_new_privs is already set, which is what lets an unprivileged process
 * install it. */
static void apply_seccomp(int no_network)
{
	struct sock_fprog prog = {
	    .len = no_network ? sizeof(boxed_filter_no_network) / sizeof(struct sock_filter)
			      : sizeof(boxed_filter_network) / sizeof(struct sock_filter),
	    .filter =
		(struct sock_filter *)(no_network ? boxed_filter_no_network : boxed_filter_network),
	};

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
		boxed_die_child_errno("seccomp(SECCOMP_SET_MODE_FILTER)");
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 2)
		boxed_die_child("seccomp filter mode is not active after loading the filter");
}

static void tell_status(int status_fd, const char *mark, size_t len)
{
	if (write(status_fd, mark, len) != (ssize_t)len)
		boxed_die_child_errno("write(status pipe)");
}

/* The status protocol of boxed_run_wait_exec(): 'X' says that setup is
 * complete and execve comes next, 'E' and the errno follow if it fails. A
 * child that dies before 'X' failed its setup (the reason is on the run's
 * stderr), so a target that itself exits 125 is never taken for a sandbox
 * failure. */
__attribute__((noreturn)) static void exec_target(const struct boxed_run_plan *p,
						  struct boxed_run_env *env, int status_fd)
{
	extern char **environ;
	int err;
	char mark[1 + sizeof(int)];

	tell_status(status_fd, "X", 1);
	environ = env->envp;
	if (p->exec_path)
		execve(p->exec_path, (char *const *)p->argv, env->envp);
	else
		/* execvp() searches the PATH of environ, which is now ours. */
		execvp(p->argv[0], (char *const *)p->argv);
	err = errno;
	mark[0] = 'E';
	memcpy(mark + 1, &err, sizeof(err));
	tell_status(status_fd, mark, sizeof(mark));
	fprintf(stderr, "boxed-run: %s: %s\n", p->exec_path ? p->exec_path : p->argv[0],
		strerror(err));
	_exit(err == ENOENT ? BOXED_RUN_EXIT_NOTFOUND : BOXED_RUN_EXIT_NOEXEC);
}

/* The child: check caps, drop, confine and execve the target, in the order
 * of BLUEPRINT §2. Any failure dies with BOXED_RUN_EXIT_SANDBOX before
 * exec. */
__attribute__((noreturn)) static void run_child(const struct boxed_run_plan *p)
{
	struct boxed_run_env env;
	uid_t u = p->slot->uid;
	int private_dir, status_fd;

	status_fd = setup_fds(p);
	raise_effective();
	assert_expected_caps();
	build_env(p, &env);
	reset_signals();
	new_session();
	drop_groups();
	drop_gid(u);
	drop_uid(u);
	clear_caps();
	assert_dropped(u);
	try_regain(p->caller_uid, p->caller_gid);
	set_no_new_privs();
	set_pdeathsig(p->supervisor);
	kill_leftovers();
	private_dir = open_private_dir(p->slot);
	apply_rlimits(p->limits);
	apply_landlock(p->landlock_abi, p->args->no_network, private_dir, p->slot->dir);
	apply_seccomp(p->args->no_network);
	exec_target(p, &env, status_fd);
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

int boxed_run_landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return abi > 0 ? (int)abi : 0;
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

void boxed_run_become_slot(uid_t uid, uid_t caller_uid, gid_t caller_gid)
{
	raise_effective();
	assert_expected_caps();
	drop_groups();
	drop_gid(uid);
	drop_uid(uid);
	clear_caps();
	assert_dropped(uid);
	try_regain(caller_uid, caller_gid);
}

void boxed_run_supervisor_take_euid(uid_t slot_uid)
{
	uid_t r, e, su;

	if (boxed_run_caps_raise() != 0)
		boxed_die_errno("cap_set_proc(raise cap_setuid)");
	if (setresuid((uid_t)-1, slot_uid, (uid_t)-1) != 0)
		boxed_die_errno("setresuid(-1, %u, -1)", (unsigned)slot_uid);
	if (getresuid(&r, &e, &su) != 0 || e != slot_uid)
		boxed_die("effective uid is not %u after setresuid", (unsigned)slot_uid);
	/* A root caller loses its effective set with euid 0: nothing to lower. */
	if (boxed_run_caps_lower() != 0)
		boxed_die_errno("cap_set_proc(lower effective)");
}
