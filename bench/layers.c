/* The kernel's price of each layer of a sealed run, one at a time, in the
 * order boxed-run takes them (runner/drop.c, seal.c, init.c, confine.c):
 * each row adds one layer to the row before and is measured in the same
 * rounds, so the difference between two rows is what that layer costs.
 * It does what boxed-run does to the kernel, not boxed-run itself, so that
 * a layer can be left out. Run as root: it drops to an unused uid first,
 * as the runner's child does.
 *
 *   layers [ROUNDS] [UID]
 *
 * Each measure is a fork (as the supervisor's), the layers in a child of
 * it, /bin/true executed as the target, and the wait until everything has
 * ended; the median of ROUNDS (default 300) is printed, in microseconds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum layer {
	L_FLOOR,   /* fork, exec /bin/true, wait */
	L_INIT,	   /* an init process between: the extra clone */
	L_USERNS,  /* + a user namespace and its maps */
	L_NS,	   /* + PID, IPC and mount namespaces */
	L_MOUNTS,  /* + /proc, the tmpfs, /tmp, /dev/shm, mqueue */
	L_CONFINE, /* + Landlock and the seccomp filter in the target */
	L_NET,	   /* + a network namespace (--no-network) */
	L_COUNT
};

static const char *const names[L_COUNT] = {
    "floor: fork, exec, wait",
    "+ the run's init (one more clone)",
    "+ user namespace, uid/gid maps",
    "+ PID, IPC, mount namespaces",
    "+ mounts: /proc, tmpfs, binds, mqueue",
    "+ Landlock, seccomp in the target",
    "+ network namespace (--no-network)",
};

static uid_t uid;
static const char *slot = "/var/tmp/boxed-layers";

static void die(const char *what)
{
	fprintf(stderr, "layers: %s: %s\n", what, strerror(errno));
	_exit(99);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(path);
	close(fd);
}

static void maps(void)
{
	char map[64];

	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)uid, (unsigned)uid);
	write_file("/proc/self/setgroups", "deny");
	write_file("/proc/self/uid_map", map);
	write_file("/proc/self/gid_map", map);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static void mounts(void)
{
	static const char *const sub[] = {"home", "tmp", "shm", "mqueue"};
	char path[256];

	if (mount("tmpfs", slot, "tmpfs", MS_NOSUID | MS_NODEV,
		  "size=64m,nr_inodes=16384,mode=0700"))
		die("mount tmpfs");
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", slot, sub[i]);
		if (mkdir(path, 0700))
			die("mkdir");
	}
	snprintf(path, sizeof(path), "%s/tmp", slot);
	if (mount(path, "/tmp", NULL, MS_BIND, NULL))
		die("bind /tmp");
	snprintf(path, sizeof(path), "%s/shm", slot);
	if (mount(path, "/dev/shm", NULL, MS_BIND, NULL))
		die("bind /dev/shm");
	snprintf(path, sizeof(path), "%s/mqueue", slot);
	if (mount("mqueue", path, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		die("mount mqueue");
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		die("mount proc");
}

/* A filter of the size and kind of the runner's, compiled once, before
 * the rounds, as the runner's is at build time. */
static struct sock_fprog filter;

static void compile_filter(void)
{
	static const char *const denied[] = {"ptrace",
					     "process_vm_readv",
					     "process_vm_writev",
					     "bpf",
					     "perf_event_open",
					     "userfaultfd",
					     "keyctl",
					     "add_key",
					     "request_key",
					     "io_uring_setup",
					     "io_uring_enter",
					     "mount",
					     "umount2",
					     "pivot_root",
					     "kexec_load",
					     "init_module",
					     "finit_module",
					     "delete_module",
					     "unshare",
					     "setns",
					     "memfd_create",
					     "acct",
					     "swapon",
					     "swapoff",
					     "open_tree"};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int fd = memfd_create("filter", 0);
	off_t size;

	for (size_t i = 0; ctx && i < sizeof(denied) / sizeof(denied[0]); i++)
		seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
				 seccomp_syscall_resolve_name(denied[i]), 0);
	if (!ctx || fd < 0 || seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) != 0 ||
	    seccomp_export_bpf(ctx, fd) != 0)
		die("compiling the filter");
	size = lseek(fd, 0, SEEK_END);
	filter.filter = malloc((size_t)size);
	if (!filter.filter || pread(fd, filter.filter, (size_t)size, 0) != size)
		die("reading the filter");
	filter.len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
	close(fd);
	seccomp_release(ctx);
}

static void confine(void)
{
	struct landlock_ruleset_attr attr = {.handled_access_fs = LANDLOCK_ACCESS_FS_WRITE_FILE |
								  LANDLOCK_ACCESS_FS_MAKE_REG |
								  LANDLOCK_ACCESS_FS_REMOVE_FILE};
	struct landlock_path_beneath_attr pb = {.allowed_access = attr.handled_access_fs};
	static const char *const places[] = {"/tmp", "/dev/shm", "/dev/null"};
	int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);

	for (int i = 0; ruleset >= 0 && i < 3; i++) {
		pb.parent_fd = open(places[i], O_PATH | O_CLOEXEC);
		syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
		close(pb.parent_fd);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		die("no_new_privs");
	if (ruleset >= 0 && syscall(SYS_landlock_restrict_self, ruleset, 0) != 0)
		die("landlock_restrict_self");
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &filter) != 0)
		die("seccomp");
}

static enum layer current;

static int target(void *arg)
{
	(void)arg;
	if (current >= L_CONFINE)
		confine();
	execl("/bin/true", "true", (char *)NULL);
	die("exec /bin/true");
	return 0;
}

static int init_main(void *arg)
{
	char *stack = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t t;
	int status;

	(void)arg;
	if (current >= L_USERNS)
		maps();
	if (current >= L_MOUNTS)
		mounts();
	t = clone(target, stack + 65536, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
	if (t < 0 || waitpid(t, &status, 0) != t)
		die("target");
	_exit(0);
}

static double one_run(void)
{
	struct timespec a, b;
	pid_t child;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &a);
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		int flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
		char *stack;

		if (current == L_FLOOR)
			target(NULL);
		if (current >= L_USERNS)
			flags |= CLONE_NEWUSER;
		if (current >= L_NS)
			flags |= CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNS;
		if (current >= L_NET)
			flags |= CLONE_NEWNET;
		stack =
		    mmap(NULL, 262144, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (clone(init_main, stack + 262144, flags, NULL) < 0)
			die("clone");
		_exit(0);
	}
	if (waitpid(child, &status, 0) != child || status != 0)
		die("the measured run failed");
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 300;
	static double t[L_COUNT][100000];

	uid = argc > 2 ? (uid_t)strtoul(argv[2], NULL, 10) : 1879900000u;
	if (rounds < 10 || rounds > 100000) {
		fprintf(stderr, "usage: layers [ROUNDS] [UID]\n");
		return 2;
	}
	mkdir(slot, 0711);
	compile_filter();
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		die("dropping to the uid (run as root)");
	/* Interleaved: a drift of the host's speed weighs on every row alike. */
	for (int r = 0; r < rounds; r++)
		for (current = 0; current < L_COUNT; current++)
			t[current][r] = one_run();
	printf("%-40s %10s %10s\n", "layer", "median us", "added us");
	for (int l = 0; l < L_COUNT; l++)
		qsort(t[l], (size_t)rounds, sizeof(double), by_value);
	for (int l = 0; l < L_COUNT; l++) {
		double med = t[l][rounds / 2];
		/* The network namespace is added to the full seal, not to the
		 * row before it; the others to the row above. */
		double prev = l == 0 ? 0 : t[l == L_NET ? L_CONFINE : l - 1][rounds / 2];

		printf("%-40s %10.0f %10.0f\n", names[l], med, l ? med - prev : 0);
	}
	return 0;
}
