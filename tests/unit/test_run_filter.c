/* The seccomp program compiled into boxed-run is the one runner/filter.c's
 * rules give today, and the kernel enforces it as intended. Each test runs
 * in its own forked process (CK_FORK), so a filter loaded here ends with it. */
#include <errno.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check_main.h"
#include "../../runner/filter.h"
#include "seccomp-filter.h"

static void assert_matches_rules(int no_network, const struct sock_filter *prog, size_t count)
{
	char err[256], buf[65536];
	scmp_filter_ctx ctx = boxed_run_filter_build(no_network, err, sizeof(err));
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
	assert_matches_rules(0, boxed_filter_network,
			     sizeof(boxed_filter_network) / sizeof(struct sock_filter));
	assert_matches_rules(1, boxed_filter_no_network,
			     sizeof(boxed_filter_no_network) / sizeof(struct sock_filter));
}
END_TEST

static void load(const struct sock_filter *prog, size_t size)
{
	struct sock_fprog fprog = {.len = (unsigned short)(size / sizeof(*prog)),
				   .filter = (struct sock_filter *)prog};

	ck_assert_int_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	ck_assert_int_eq(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog), 0);
	ck_assert_int_eq(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 2);
}

static void assert_denied(long rc, int expected_errno, const char *call)
{
	ck_assert_msg(rc == -1 && errno == expected_errno, "%s: rc %ld errno %d, expected %d",
		      call, rc, errno, expected_errno);
}

START_TEST(kernel_enforces_filter)
{
	int fd;

	load(boxed_filter_network, sizeof(boxed_filter_network));
	assert_denied(ptrace(PTRACE_TRACEME, 0, NULL, NULL), EPERM, "ptrace");
	assert_denied(syscall(SYS_bpf, 0, NULL, 0), EPERM, "bpf");
	assert_denied(syscall(SYS_io_uring_setup, 1, NULL), EPERM, "io_uring_setup");
	assert_denied(syscall(SYS_unshare, CLONE_NEWUSER), EPERM, "unshare(CLONE_NEWUSER)");
	assert_denied(syscall(SYS_clone3, NULL, 0), ENOSYS, "clone3");
	assert_denied(syscall(SYS_ioctl, 0, 0x5412 /* TIOCSTI */, "x"), EPERM, "ioctl(TIOCSTI)");
	/* What is not denied still works. */
	ck_assert_int_eq(syscall(SYS_getpid), getpid());
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_msg(fd >= 0 || errno != EPERM, "socket(AF_INET) refused with network allowed");
	if (fd >= 0)
		close(fd);
}
END_TEST

START_TEST(no_network_denies_inet_only)
{
	int fd;

	load(boxed_filter_no_network, sizeof(boxed_filter_no_network));
	assert_denied(socket(AF_INET, SOCK_STREAM, 0), EPERM, "socket(AF_INET)");
	assert_denied(socket(AF_INET6, SOCK_DGRAM, 0), EPERM, "socket(AF_INET6)");
	assert_denied(socket(AF_NETLINK, SOCK_RAW, 0), EPERM, "socket(AF_NETLINK)");
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
}
END_TEST

static Suite *filter_suite(void)
{
	Suite *s = suite_create("run_filter");
	TCase *tc = tcase_create("filter");

	tcase_add_test(tc, compiled_filter_is_current);
	tcase_add_test(tc, kernel_enforces_filter);
	tcase_add_test(tc, no_network_denies_inet_only);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(filter_suite)
