/* The seccomp program compiled into boxed-run is the one runner/filter.c's
 * rules give today, and the kernel enforces it as intended. Each test runs
 * in its own forked process (CK_FORK), so a filter loaded here ends with it. */
#include <errno.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <fcntl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "../../runner/filter.h"
#include "seccomp-filter.h"

static void assert_matches_rules(int no_network, int sealed, const struct sock_filter *prog,
				 size_t count)
{
	char err[256], buf[65536];
	scmp_filter_ctx ctx = boxed_run_filter_build(no_network, sealed, err, sizeof(err));
	int fd = memfd_create("filter", 0);
	ssize_t n;

	ck_assert_msg(ctx != NULL, "%s", err);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(seccomp_export_bpf(ctx, fd), 0);
	seccomp_release(ctx);
	n = pread(fd, buf, sizeof(buf), 0);
	close(fd);
	ck_assert_int_eq(n, (ssize_t)(count * sizeof(*prog)));
	ck_assert_msg(memcmp(buf, prog, (size_t)n) == 0,
		      "the compiled-in filter differs from runner/filter.c's rules");
}

START_TEST(compiled_filter_is_current)
{
#define X(name, no_network, sealed)                                                                \
	assert_matches_rules(no_network, sealed, name, sizeof(name) / sizeof(struct sock_filter));
	BOXED_RUN_FILTER_VARIANTS
#undef X
}
END_TEST

/* The checks run in a child that leaves with _exit(): LeakSanitizer's exit
 * hook uses ptrace, which the loaded filter refuses. The child reports the
 * first failed check through a pipe. */
struct probe {
	int fd;
	int failed;
};

static void expect(struct probe *p, int ok, const char *what)
{
	char line[256];
	int n;

	if (ok || p->failed)
		return;
	p->failed = 1;
	n = snprintf(line, sizeof(line), "%s (errno %d)", what, errno);
	(void)!write(p->fd, line, (size_t)n);
}

static void expect_denied(struct probe *p, long rc, int expected_errno, const char *call)
{
	expect(p, rc == -1 && errno == expected_errno, call);
}

static void run_filtered(const struct sock_filter *prog, size_t size,
			 void (*checks)(struct probe *))
{
	struct sock_fprog fprog = {.len = (unsigned short)(size / sizeof(*prog)),
				   .filter = (struct sock_filter *)prog};
	char report[256] = "";
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct probe p = {.fd = fds[1]};

		close(fds[0]);
		expect(&p, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "PR_SET_NO_NEW_PRIVS");
		expect(&p, syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == 0,
		       "loading the filter");
		expect(&p, prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2, "Seccomp mode 2");
		if (!p.failed)
			checks(&p);
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], report, sizeof(report) - 1);
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(n <= 0, "%s", report);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* clone(2) itself, as the filter sees it: a child that it makes leaves at
 * once, and is reaped here. */
static long raw_clone(unsigned long flags)
{
	long rc = syscall(SYS_clone, flags, NULL, NULL, NULL, 0);

	if (rc == 0)
		_exit(0);
	if (rc > 0)
		waitpid((pid_t)rc, NULL, 0);
	return rc;
}

/* Memory that nothing would count: shared anonymous objects, pages held
 * by pipe buffers. What is like it but counted stays. */
static void memory_checks(struct probe *p)
{
	unsigned long aio = 0;
	int fds[2];
	void *m;

	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	expect(p, m == MAP_FAILED && errno == EPERM, "mmap(MAP_SHARED|MAP_ANONYMOUS) refused");
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0);
	expect(p, m == MAP_FAILED && errno == EPERM,
	       "mmap(MAP_SHARED_VALIDATE|MAP_ANONYMOUS) refused");
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	expect(p, m != MAP_FAILED, "mmap(MAP_PRIVATE|MAP_ANONYMOUS) allowed");
	if (m != MAP_FAILED)
		munmap(m, 4096);
	expect_denied(p, syscall(SYS_io_setup, 1, &aio), ENOSYS, "io_setup");
	expect_denied(p, syscall(SYS_io_submit, 0, 0, NULL), ENOSYS, "io_submit");
	expect_denied(p, syscall(SYS_inotify_init1, 0), ENOSYS, "inotify_init1");
	expect_denied(p, syscall(SYS_fanotify_init, 0, 0), ENOSYS, "fanotify_init");
	expect_denied(p, syscall(SYS_vmsplice, 0, NULL, 0, 0), ENOSYS, "vmsplice");
	expect_denied(p, syscall(SYS_splice, 0, NULL, 1, NULL, 1, 0), ENOSYS, "splice");
	expect_denied(p, syscall(SYS_tee, 0, 1, 1, 0), ENOSYS, "tee");
	if (pipe(fds) != 0) {
		expect(p, 0, "pipe");
		return;
	}
	expect_denied(p, fcntl(fds[0], F_SETPIPE_SZ, 1 << 20), EPERM, "fcntl(F_SETPIPE_SZ)");
	expect(p, fcntl(fds[0], F_GETPIPE_SZ) > 0, "fcntl(F_GETPIPE_SZ) allowed");
	expect(p, fcntl(fds[0], F_GETFD) >= 0, "fcntl(F_GETFD) allowed");
	close(fds[0]);
	close(fds[1]);
}

/* What every variant refuses. */
static void common_checks(struct probe *p)
{
	static const unsigned long new_ns[] = {CLONE_NEWUSER,  CLONE_NEWPID, CLONE_NEWNS,
					       CLONE_NEWIPC,   CLONE_NEWNET, CLONE_NEWUTS,
					       CLONE_NEWCGROUP};

	expect_denied(p, ptrace(PTRACE_TRACEME, 0, NULL, NULL), EPERM, "ptrace");
	expect_denied(p, syscall(SYS_bpf, 0, NULL, 0), EPERM, "bpf");
	expect_denied(p, syscall(SYS_io_uring_setup, 1, NULL), EPERM, "io_uring_setup");
	expect_denied(p, syscall(SYS_unshare, CLONE_NEWUSER), EPERM, "unshare(CLONE_NEWUSER)");
	expect_denied(p, syscall(SYS_unshare, CLONE_FILES), EPERM, "unshare(CLONE_FILES)");
	expect_denied(p, syscall(SYS_setns, 0, 0), EPERM, "setns");
	for (size_t i = 0; i < sizeof(new_ns) / sizeof(new_ns[0]); i++)
		expect_denied(p, raw_clone(new_ns[i] | SIGCHLD), EPERM, "clone(CLONE_NEW*)");
	expect(p, raw_clone(SIGCHLD) > 0, "clone() without CLONE_NEW* allowed");
	expect_denied(p, syscall(SYS_clone3, NULL, 0), ENOSYS, "clone3");
	expect_denied(p, syscall(SYS_memfd_create, "x", 0), ENOSYS, "memfd_create");
	expect_denied(p, syscall(SYS_mount, "none", "/", "tmpfs", 0, NULL), EPERM, "mount");
	memory_checks(p);
}

static void network_checks(struct probe *p)
{
	int fd;

	common_checks(p);
	expect_denied(p, syscall(SYS_ioctl, 0, 0x5412 /* TIOCSTI */, "x"), EPERM, "ioctl(TIOCSTI)");
	/* What is not denied still works. */
	expect(p, syscall(SYS_getpid) == getpid(), "getpid allowed");
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	expect(p, fd >= 0 || errno != EPERM, "socket(AF_INET) allowed with network");
	if (fd >= 0)
		close(fd);
}

START_TEST(kernel_enforces_filter)
{
	run_filtered(boxed_filter_sealed_network, sizeof(boxed_filter_sealed_network),
		     network_checks);
}
END_TEST

/* A sealed run has its own IPC namespace, so SysV IPC stays; an unsealed
 * one would reach the host's, so it is refused. */
static void sealed_ipc_checks(struct probe *p)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);

	expect(p, id >= 0, "shmget allowed when sealed");
	if (id >= 0)
		shmctl(id, IPC_RMID, NULL);
}

static void unsealed_ipc_checks(struct probe *p)
{
	common_checks(p);
	expect_denied(p, shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600), EPERM, "shmget");
	expect_denied(p, msgget(IPC_PRIVATE, IPC_CREAT | 0600), EPERM, "msgget");
	expect_denied(p, semget(IPC_PRIVATE, 1, IPC_CREAT | 0600), EPERM, "semget");
	expect_denied(p, syscall(SYS_mq_open, "q", O_CREAT | O_RDWR, 0600, NULL), EPERM, "mq_open");
}

START_TEST(ipc_follows_the_seal)
{
	run_filtered(boxed_filter_sealed_network, sizeof(boxed_filter_sealed_network),
		     sealed_ipc_checks);
	run_filtered(boxed_filter_unsealed_network, sizeof(boxed_filter_unsealed_network),
		     unsealed_ipc_checks);
}
END_TEST

/* No socket of any family: a pathname unix socket of the host is a file
 * that any user can leave where the run can reach it. A socketpair is
 * connected to itself only, and stays: but nothing may name it, give it
 * another peer, send elsewhere or grow its buffers. */
static void no_network_checks(struct probe *p)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int pair[2], one = 1;
	char c = 'x';

	expect_denied(p, socket(AF_INET, SOCK_STREAM, 0), EPERM, "socket(AF_INET)");
	expect_denied(p, socket(AF_INET6, SOCK_DGRAM, 0), EPERM, "socket(AF_INET6)");
	expect_denied(p, socket(AF_NETLINK, SOCK_RAW, 0), EPERM, "socket(AF_NETLINK)");
	expect_denied(p, socket(AF_UNIX, SOCK_STREAM, 0), EPERM, "socket(AF_UNIX)");
	expect_denied(p, socket(AF_UNIX, SOCK_DGRAM, 0), EPERM, "socket(AF_UNIX, SOCK_DGRAM)");
	expect_denied(p, socketpair(AF_INET, SOCK_STREAM, 0, pair), EPERM, "socketpair(AF_INET)");
	expect(p, socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) == 0, "socketpair(AF_UNIX) allowed");
	expect_denied(p, bind(pair[0], (struct sockaddr *)&addr, sizeof(sa_family_t)), EPERM,
		      "bind (autobind)");
	expect_denied(p, connect(pair[0], (struct sockaddr *)&addr, sizeof(addr)), EPERM,
		      "connect");
	expect_denied(p, listen(pair[0], 1), EPERM, "listen");
	expect_denied(p, accept(pair[0], NULL, NULL), EPERM, "accept");
	expect_denied(p, setsockopt(pair[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), EPERM,
		      "setsockopt(SO_PASSCRED)");
	expect_denied(p, setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &one, sizeof(one)), EPERM,
		      "setsockopt(SO_SNDBUF)");
	expect_denied(p, sendto(pair[0], &c, 1, 0, (struct sockaddr *)&addr, sizeof(addr)), EPERM,
		      "sendto(an address)");
	{
		struct msghdr m = {0};

		expect_denied(p, sendmsg(pair[0], &m, 0), EPERM, "sendmsg");
	}
	/* To its own peer, as send() and Python's socket.send do. */
	expect(p, sendto(pair[0], &c, 1, 0, NULL, 0) == 1, "sendto(its peer) allowed");
	expect(p, recv(pair[1], &c, 1, 0) == 1 && c == 'x', "recv from the pair");
	close(pair[0]);
	close(pair[1]);
}

START_TEST(no_network_denies_every_socket)
{
	run_filtered(boxed_filter_sealed_no_network, sizeof(boxed_filter_sealed_no_network),
		     no_network_checks);
	run_filtered(boxed_filter_unsealed_no_network, sizeof(boxed_filter_unsealed_no_network),
		     no_network_checks);
}
END_TEST

static Suite *filter_suite(void)
{
	Suite *s = suite_create("run_filter");
	TCase *tc = tcase_create("filter");

	tcase_add_test(tc, compiled_filter_is_current);
	tcase_add_test(tc, kernel_enforces_filter);
	tcase_add_test(tc, ipc_follows_the_seal);
	tcase_add_test(tc, no_network_denies_every_socket);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(filter_suite)
