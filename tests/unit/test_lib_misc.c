/* The small shared helpers of lib/: the no-follow wiper, running a tool,
 * the monotonic clock, the Landlock probe. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "clock.h"
#include "command.h"
#include "landlock.h"
#include "sigfd.h"
#include "wipe.h"

static void make_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "x", 1), 1);
	close(fd);
}

/* A tree as a run may leave it: deep, a directory made unreadable, and
 * links to a file outside it, which must survive. */
START_TEST(wipe_removes_the_tree_and_nothing_outside)
{
	char top[] = "/tmp/boxed-wipe.XXXXXX", outside[] = "/tmp/boxed-wipe-out.XXXXXX";
	char path[4096], target[4200];
	size_t n;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(top));
	ck_assert_ptr_nonnull(mkdtemp(outside));
	snprintf(target, sizeof(target), "%s/keep", outside);
	make_file(target);
	/* 100 levels: more than the wiper holds fds for at once, so it moves
	 * the deepest up to the top, under names of its own; the tree's owner
	 * took the first of them already (the chain starts with it). */
	n = (size_t)snprintf(path, sizeof(path), "%s", top);
	for (int i = 0; i < 100; i++) {
		n += (size_t)snprintf(path + n, sizeof(path) - n, i ? "/d" : "/.boxed-wipe-1");
		ck_assert_int_eq(mkdir(path, 0700), 0);
	}
	snprintf(path + n, sizeof(path) - n, "/f");
	make_file(path);
	snprintf(path, sizeof(path), "%s/link-to-dir", top);
	ck_assert_int_eq(symlink(outside, path), 0);
	snprintf(path, sizeof(path), "%s/link-to-file", top);
	ck_assert_int_eq(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/closed", top);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/closed/f", top);
	make_file(path);
	snprintf(path, sizeof(path), "%s/closed", top);
	ck_assert_int_eq(chmod(path, 0), 0);

	fd = open(top, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(boxed_wipe_contents(fd), 0);
	ck_assert_int_eq(rmdir(top), 0); /* empty now */
	close(fd);
	ck_assert_int_eq(access(target, F_OK), 0);

	/* boxed_wipe_at: a file, a tree, and nothing at all. */
	fd = open(outside, O_RDONLY | O_DIRECTORY);
	ck_assert_int_eq(boxed_wipe_at(fd, "keep"), 0);
	ck_assert_int_eq(boxed_wipe_at(fd, "missing"), 0);
	ck_assert_int_eq(mkdirat(fd, "t", 0700), 0);
	ck_assert_int_eq(mkdirat(fd, "t/u", 0700), 0);
	ck_assert_int_eq(boxed_wipe_at(fd, "t"), 0);
	close(fd);
	ck_assert_int_eq(rmdir(outside), 0);
}
END_TEST

START_TEST(command_runs_and_reports)
{
	const char *const t[] = {"true", NULL}, *const f[] = {"false", NULL};
	const char *const sh[] = {"sh", "-c", "echo hidden; kill -TERM $$", NULL};
	int rc;

	ck_assert_int_eq(boxed_command_run("/bin/true", t, NULL, 0), 0);
	ck_assert_int_eq(boxed_command_run("/bin/false", f, NULL, 0), 1);
	ck_assert_int_eq(boxed_command_run("/bin/sh", sh, NULL, 1), 128 + 15);
	/* glibc's posix_spawn() reports a failed exec as ENOENT; under
	 * valgrind, which cannot run its CLONE_VFORK child, the child exits
	 * 127 instead, as a shell would. Either is a failure. */
	errno = 0;
	rc = boxed_command_run("/nonexistent/tool", t, NULL, 0);
	ck_assert_msg((rc == -1 && errno == ENOENT) || rc == 127, "rc %d errno %d", rc, errno);
}
END_TEST

START_TEST(clock_and_timespec)
{
	double a = boxed_now(), b;
	struct timespec ts = boxed_timespec(1.25);

	ck_assert_int_eq(ts.tv_sec, 1);
	ck_assert_int_eq(ts.tv_nsec, 250000000);
	ts = boxed_timespec(-3);
	ck_assert_int_eq(ts.tv_sec, 0);
	ck_assert_int_eq(ts.tv_nsec, 0);
	boxed_sleep(0.01);
	b = boxed_now();
	ck_assert(b - a >= 0.01 && b - a < 5);
}
END_TEST

/* A signal blocked and read as data, the old mask kept. */
START_TEST(signals_on_a_signalfd)
{
	struct signalfd_siginfo si;
	sigset_t old, now;
	int fd = boxed_sigfd(&old, SIGUSR1, SIGUSR2, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sigprocmask(SIG_SETMASK, NULL, &now), 0);
	ck_assert(sigismember(&now, SIGUSR1) && sigismember(&now, SIGUSR2));
	ck_assert(!sigismember(&old, SIGUSR1));
	ck_assert_int_eq(read(fd, &si, sizeof(si)), -1); /* non-blocking, nothing yet */
	ck_assert_int_eq(raise(SIGUSR2), 0);
	ck_assert_int_eq(read(fd, &si, sizeof(si)), (ssize_t)sizeof(si));
	ck_assert_uint_eq(si.ssi_signo, SIGUSR2);
	close(fd);
}
END_TEST

START_TEST(landlock_probe)
{
	int abi = boxed_landlock_abi();

	/* 0 (unavailable) or a version: never negative. */
	ck_assert_int_ge(abi, 0);
}
END_TEST

static Suite *misc_suite(void)
{
	Suite *s = suite_create("lib_misc");
	TCase *tc = tcase_create("misc");

	tcase_add_test(tc, wipe_removes_the_tree_and_nothing_outside);
	tcase_add_test(tc, command_runs_and_reports);
	tcase_add_test(tc, clock_and_timespec);
	tcase_add_test(tc, signals_on_a_signalfd);
	tcase_add_test(tc, landlock_probe);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(misc_suite)
