/* The inner side of the limits: loads that a limit of the runner must end
 * or contain (a loop, a memory hog, a fork bomb, an output flood, a large
 * file, a daemon), and runs for the outer side to aim at or to end. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inner.h"

int boxed_selftest_probe_spin(int argc, char **argv)
{
	(void)argc, (void)argv;
	for (volatile unsigned long i = 0;; i++)
		;
	return 0;
}

int boxed_selftest_probe_hog(int argc, char **argv)
{
	(void)argc, (void)argv;
	/* Touch every page, so the address space and the RSS both grow. */
	for (;;) {
		char *p = malloc(4u << 20);

		if (!p)
			return 3;
		memset(p, 1, 4u << 20);
	}
}

int boxed_selftest_probe_forkbomb(int argc, char **argv)
{
	int forked = 0, e = 0;
	char d[200];

	(void)argc, (void)argv;
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

int boxed_selftest_probe_flood(int argc, char **argv)
{
	static char buf[65536];

	(void)argc, (void)argv;
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < 64; i++)
		if (write(1, buf, sizeof(buf)) < 0)
			return 1;
	return 0;
}

/* argv: the fsize limit. A file written past it stops at it with EFBIG. */
int boxed_selftest_probe_fsize(int argc, char **argv)
{
	unsigned long limit = boxed_selftest_arg_num(argc, argv, 0);
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

/* A double-forked daemon that the runner must kill with the run. */
int boxed_selftest_probe_daemon(int argc, char **argv)
{
	(void)argc, (void)argv;
	if (boxed_selftest_start_daemon() != 0)
		return 1;
	puts("daemon started");
	return 0;
}

/* argv: a token, only for the outer side to find the run by its command
 * line. A concurrent run to aim at. */
int boxed_selftest_probe_sleeper(int argc, char **argv)
{
	(void)argc, (void)argv;
	sleep(10);
	return 0;
}

/* Says it ran: the outer side looks for the word. */
int boxed_selftest_probe_marker(int argc, char **argv)
{
	(void)argc, (void)argv;
	puts("executed");
	return 0;
}

/* argv: TOKEN (only for the outer side to find the run by its command
 * line). A target and a daemon, both sleeping: the outer side ends the
 * run around them and times their end. */
int boxed_selftest_probe_run_ends(int argc, char **argv)
{
	int e = boxed_selftest_start_daemon();

	(void)argc, (void)argv;
	if (e) {
		printf("cannot start the daemon: %s\n", strerror(e));
		return 1;
	}
	boxed_selftest_set_ready();
	sleep(20);
	return 0;
}
