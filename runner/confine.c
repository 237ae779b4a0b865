/* The target's last steps before execve, in the order of BLUEPRINT §2
 * step 5: resource limits, Landlock, and the seccomp filter, last. The
 * target runs them itself, on its own stack in init's memory (init.c):
 * they are system calls only, with nothing allocated. Every step that
 * fails dies before the target runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "die.h"
#include "fsutil.h"
#include "system.h"
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

/* Signals queued at once, and POSIX timers, a run may have. */
#define SIGPENDING_MAX 1024

static void set_limit(int resource, const char *name, rlim_t soft, rlim_t hard)
{
	struct rlimit rl = {.rlim_cur = soft, .rlim_max = hard};

	if (setrlimit(resource, &rl) != 0)
		boxed_die_child_errno("setrlimit(%s, %llu)", name, (unsigned long long)soft);
}

/* Soft and hard alike, so the target cannot raise them back. NPROC counts
 * every process of the slot uid (in a sealed run, of its user namespace),
 * which is what contains a fork bomb; the run's init is one of them, so the
 * target gets one more than --nproc. */
static void apply_rlimits(const struct boxed_limits *l)
{
	set_limit(RLIMIT_CORE, "RLIMIT_CORE", 0, 0);
	set_limit(RLIMIT_NPROC, "RLIMIT_NPROC", l->nproc + 1, l->nproc + 1);
	set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", l->nofile, l->nofile);
	set_limit(RLIMIT_FSIZE, "RLIMIT_FSIZE", l->fsize, l->fsize);
	set_limit(RLIMIT_AS, "RLIMIT_AS", l->memory, l->memory);
	/* SIGXCPU at the limit, SIGKILL a second later if it is caught. */
	set_limit(RLIMIT_CPU, "RLIMIT_CPU", l->cpu, l->cpu + 1);
	/* Queued signals and POSIX timers are kernel memory; the host's limit
	 * (RAM-sized, about 100000) would let a run hold tens of MiB of it. */
	set_limit(RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING", SIGPENDING_MAX, SIGPENDING_MAX);
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

static void landlock_allow(int ruleset, const char *path, __u64 rights)
{
	struct landlock_path_beneath_attr pb = {.allowed_access = rights};
	boxed_autoclose int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0)
		boxed_die_child_errno("open(%s) for landlock", path);
	pb.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0)
		boxed_die_child_errno("landlock_add_rule(%s)", path);
}

/* Write only beneath the run's own places and into the null devices: its
 * directory, and in a sealed run its private /tmp, /dev/shm and POSIX
 * message queues (the mount and IPC namespaces already make them the run's; Landlock keeps every
 * other directory of the host read-only, whatever its mode). Every right of the ABI but reading and
 * executing is handled, so a write right not granted here is denied. Reading and executing are left
 * to the uid's file permissions (BLUEPRINT §2 asks Landlock for write confinement): handling them,
 * with a rule granting them beneath "/", would only add a rule lookup from every file opened up to
 * the root, about 0.1 ms of a Python start, and would still allow everything beneath the root. */
static void apply_landlock(int abi, int no_network, int sealed, const char *home,
			   const char *mqueue)
{
	struct boxed_landlock_ruleset_attr attr = {0};
	__u64 handled =
	    landlock_fs_rights(abi) & ~(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE |
					LANDLOCK_ACCESS_FS_READ_DIR);
	/* No device nodes and no device ioctls in the run's own places. */
	__u64 private = handled & ~(LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
				    LANDLOCK_ACCESS_FS_IOCTL_DEV);
	__u64 dev_write =
	    LANDLOCK_ACCESS_FS_WRITE_FILE | (abi >= 3 ? LANDLOCK_ACCESS_FS_TRUNCATE : 0);
	/* Not /dev/zero: a shared writable mapping of it is a shared
	 * anonymous object, which runner/filter.c refuses. */
	static const char *const devices[] = {"/dev/null", "/dev/full"};
	static const char *const sealed_places[] = {"/tmp", "/dev/shm"};
	int ruleset;

	if (abi <= 0)
		return;
	attr.handled_access_fs = handled;
	if (abi >= 4 && no_network)
		attr.handled_access_net =
		    LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
	/* Signals and abstract unix sockets are not files: scope them to the
	 * run, so it cannot reach the caller, its own init, or a service
	 * listening on an abstract name. */
	if (abi >= 6)
		attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0)
		boxed_die_child_errno("landlock_create_ruleset(ABI %d)", abi);
	landlock_allow(ruleset, home, private);
	for (size_t i = 0; sealed && i < sizeof(sealed_places) / sizeof(sealed_places[0]); i++)
		if (access(sealed_places[i], F_OK) == 0)
			landlock_allow(ruleset, sealed_places[i], private);
	if (sealed)
		landlock_allow(ruleset, mqueue, private);
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		landlock_allow(ruleset, devices[i], dev_write);
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0)
		boxed_die_child_errno("landlock_restrict_self");
	close(ruleset);
}

/* The filters of runner/filter.c, compiled at build time
 * (tools/seccomp-gen): the unsealed ones also refuse SysV IPC and POSIX
 * message queues, which only a sealed run has a namespace of its own for.
 * no_new_privs is already set, which is what lets an unprivileged process
 * install a filter. */
static void apply_seccomp(int no_network, int sealed)
{
#define PROGRAM(name)                                                                              \
	{                                                                                          \
		.len = sizeof(name) / sizeof(struct sock_filter),                                  \
		.filter = (struct sock_filter *)(name)                                             \
	}
	static const struct sock_fprog programs[2][2] = {
	    {PROGRAM(boxed_filter_unsealed_network), PROGRAM(boxed_filter_unsealed_no_network)},
	    {PROGRAM(boxed_filter_sealed_network), PROGRAM(boxed_filter_sealed_no_network)},
	};
#undef PROGRAM
	const struct sock_fprog *prog = &programs[!!sealed][!!no_network];

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) != 0)
		boxed_die_child_errno("seccomp(SECCOMP_SET_MODE_FILTER)");
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 2)
		boxed_die_child("seccomp filter mode is not active after loading the filter");
}

void boxed_run_send_event(int fd, const struct boxed_run_event *ev)
{
	if (write(fd, ev, sizeof(*ev)) != (ssize_t)sizeof(*ev))
		boxed_die_child_errno("write(event pipe)");
}

/* EXEC says that setup is complete and execve comes next; EXEC_FAILED and
 * the errno follow if it fails. A target that ends before EXEC failed its
 * setup (the reason is on the run's stderr), so a target that itself exits
 * 125 is never taken for a sandbox failure. */
__attribute__((noreturn)) static void exec_target(const struct boxed_run_plan *p,
						  const struct boxed_run_env *env, int event_fd)
{
	extern char **environ;
	struct boxed_run_event ev = {.kind = BOXED_RUN_EVENT_EXEC};
	int err;

	boxed_run_send_event(event_fd, &ev);
	environ = (char **)env->envp;
	if (p->exec_path)
		execve(p->exec_path, (char *const *)p->argv, (char *const *)env->envp);
	else
		/* execvp() searches the PATH of environ, which is now ours. */
		execvp(p->argv[0], (char *const *)p->argv);
	err = errno;
	ev.kind = BOXED_RUN_EVENT_EXEC_FAILED;
	ev.value = err;
	boxed_run_send_event(event_fd, &ev);
	fprintf(stderr, "boxed-run: %s: %s\n", p->exec_path ? p->exec_path : p->argv[0],
		strerror(err));
	_exit(err == ENOENT ? BOXED_RUN_EXIT_NOTFOUND : BOXED_RUN_EXIT_NOEXEC);
}

void boxed_run_confine_and_exec(const struct boxed_run_plan *p, const struct boxed_run_env *env,
				int sealed, int event_fd)
{
	char mqueue[sizeof(p->slot->dir) + 8];

	snprintf(mqueue, sizeof(mqueue), "%s/mqueue", p->slot->dir);
	apply_rlimits(p->limits);
	apply_landlock(p->landlock_abi, p->args->no_network, sealed, p->slot->home, mqueue);
	apply_seccomp(p->args->no_network, sealed);
	exec_target(p, env, event_fd);
}
