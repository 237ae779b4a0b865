/* The outer side's main process: it sets the stage, runs each selected
 * probe in a process of its own (so that they overlap), collects their
 * results and prints the report.
 *
 * A stop signal (SIGINT, SIGTERM, SIGHUP) is blocked from the start and
 * read from a signalfd in the same wait as the results: the selftest then
 * leaves through exit() in normal context, and the exit handlers end the
 * probe processes and remove the throwaway user, the stage and what the
 * probes left. A handler could do none of that: the cleanup forks, runs
 * userdel and touches stdio, which a signal handler must not. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "die.h"
#include "sigfd.h"
#include "fsutil.h"
#include "inner.h"
#include "outer.h"

#define JOBS_MAX 64

/* A probe process, and the pipe its results come back on. */
struct job {
	const struct boxed_selftest_probe *def;
	pid_t pid; /* > 0 until it is reaped */
	int fd;
	double start;
};

/* What the exit handler needs, after boxed_selftest_run() has returned. */
static struct {
	const struct boxed_selftest_ctx *c;
	struct job list[JOBS_MAX];
	size_t n;
	int sigfd;	   /* the stop signals */
	sigset_t old_mask; /* the mask this process was started with */
	pid_t main_pid;
} jobs = {.sigfd = -1};

/* Block the stop signals and take them on a signalfd instead. */
static void block_stops(void)
{
	jobs.sigfd = boxed_sigfd(&jobs.old_mask, SIGINT, SIGTERM, SIGHUP, 0);
	if (jobs.sigfd < 0)
		boxed_die_errno("signalfd(SIGINT, SIGTERM, SIGHUP)");
}

/* A stop signal came: the selftest ends here, with "could not run". */
static void stop_if_signalled(void)
{
	struct signalfd_siginfo si;

	if (read(jobs.sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		exit(BOXED_SELFTEST_EXIT_CANNOT);
}

/* Wait until fd has something to read (or its end), or a stop signal. */
static void await_readable(int fd)
{
	struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = jobs.sigfd, .events = POLLIN}};

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			boxed_die_errno("poll");
		}
		if (p[1].revents)
			stop_if_signalled();
		if (p[0].revents)
			return;
	}
}

/* The exit handler: a probe process still running (the selftest was
 * stopped, or died) may be starting runners and making files; it is
 * killed, and what it left is removed. Runs before the stage's handler,
 * which removes the caller these processes run as. */
static void end_jobs(void)
{
	if (getpid() != jobs.main_pid)
		return;
	for (size_t i = 0; i < jobs.n; i++) {
		struct job *j = &jobs.list[i];

		if (j->pid <= 0)
			continue;
		kill(j->pid, SIGKILL);
		boxed_selftest_wait(j->pid, NULL);
		boxed_selftest_remove_leftovers(jobs.c, j->pid);
		j->pid = 0;
	}
}

/* In the probe process: run the probe, send its results up fd, leave. */
__attribute__((noreturn)) static void run_job(const struct boxed_selftest_ctx *c,
					      const struct boxed_selftest_probe *def, int fd)
{
	static struct boxed_selftest_result res[BOXED_SELFTEST_AUDIT_ROOM];
	size_t n = 1;
	double t0 = boxed_now();

	/* The stop signals are the main process's: what this process starts
	 * takes them as the selftest was started. */
	close(jobs.sigfd);
	if (sigprocmask(SIG_SETMASK, &jobs.old_mask, NULL) != 0)
		boxed_die_child_errno("sigprocmask");
	memset(res, 0, sizeof(res));
	if (def->fn) {
		snprintf(res[0].name, sizeof(res[0].name), "%s", def->name);
		def->fn(c, &res[0]);
	} else {
		n = boxed_selftest_p_audit(c, res, BOXED_SELFTEST_AUDIT_ROOM);
	}
	for (size_t i = 0; i < n; i++)
		res[i].seconds = boxed_now() - t0;
	/* The results go up as raw structs: the same binary reads them. */
	_exit(boxed_write_all(fd, res, n * sizeof(res[0])) ? 3 : 0);
}

static struct job *start_job(const struct boxed_selftest_ctx *c,
			     const struct boxed_selftest_probe *def)
{
	struct job *j = &jobs.list[jobs.n++];
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		boxed_die_errno("pipe2");
	j->def = def;
	j->start = boxed_now();
	/* The stop signals are blocked: none can come between the fork and
	 * this record, which the exit handler reads. */
	j->pid = fork();
	if (j->pid < 0)
		boxed_die_errno("fork");
	if (j->pid == 0) {
		close(p[0]);
		run_job(c, def, p[1]);
	}
	close(p[1]);
	j->fd = p[0];
	return j;
}

/* Read a job's results into out (room entries); returns how many. */
static size_t finish_job(struct job *j, struct boxed_selftest_result *out, size_t room)
{
	size_t want = room * sizeof(*out), got = 0;
	int st = 0;

	while (got < want) {
		ssize_t n;

		await_readable(j->fd);
		n = read(j->fd, (char *)out + got, want - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(j->fd);
	boxed_selftest_wait(j->pid, &st);
	j->pid = 0;
	if (got == 0 || got % sizeof(*out) != 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		memset(out, 0, sizeof(*out));
		snprintf(out->name, sizeof(out->name), "%s", j->def->name);
		boxed_selftest_set(out, BOXED_ST_FAIL, NULL,
				   "the probe process failed (status 0x%x); run with --only %s",
				   (unsigned)st, j->def->name);
		out->seconds = boxed_now() - j->start;
		return 1;
	}
	return got / sizeof(*out);
}

/* The probes that measure time to 100 ms run alone, one after the other
 * and after the rest, so that no load of the selftest's own blurs the
 * measurement. */
static int runs_alone(const struct boxed_selftest_probe *d)
{
	return !strcmp(d->name, "limit-timeout") || !strcmp(d->name, "run-ends");
}

/* Run the selected probes: all but those that run alone at once, then
 * those one by one. Returns how many results came back in res (room). */
static size_t run_probes(const struct boxed_selftest_args *a, const struct boxed_selftest_ctx *c,
			 struct boxed_selftest_result *res, size_t room)
{
	size_t nprobes, n = 0;
	const struct boxed_selftest_probe *probes = boxed_selftest_probe_table(&nprobes);

	for (int alone = 0; alone < 2; alone++) {
		size_t first = jobs.n;

		for (size_t i = 0; i < nprobes; i++) {
			struct job *j;

			if (!boxed_selftest_selected(a, probes[i].name) ||
			    runs_alone(&probes[i]) != alone)
				continue;
			/* Control mode checks the probes, not the host: only the
			 * isolation probes have an unsandboxed case to detect. */
			if (c->control && probes[i].kind != BOXED_SELFTEST_ISOLATION)
				continue;
			stop_if_signalled();
			j = start_job(c, &probes[i]);
			if (alone)
				n += finish_job(j, &res[n], room - n);
		}
		for (size_t i = first; !alone && i < jobs.n; i++)
			n += finish_job(&jobs.list[i], &res[n], room - n);
	}
	return n;
}

static void print_results(const struct boxed_selftest_args *a,
			  const struct boxed_selftest_result *res, size_t n, const char *mode)
{
	if (a->json) {
		cJSON *doc = boxed_selftest_report_json(res, n, mode);
		boxed_autofree char *text = doc ? cJSON_Print(doc) : NULL;

		if (!text)
			boxed_die("out of memory");
		printf("%s\n", text);
		cJSON_Delete(doc);
		return;
	}
	printf("TAP version 14\n1..%zu\n", n);
	for (size_t i = 0; i < n; i++)
		boxed_selftest_tap_line(stdout, i + 1, &res[i], a->verbose);
}

/* Every --only names a probe, or the selftest refuses before it makes
 * anything. */
static void check_only(const struct boxed_selftest_args *a)
{
	size_t nprobes;
	const struct boxed_selftest_probe *probes = boxed_selftest_probe_table(&nprobes);

	if (nprobes > JOBS_MAX)
		boxed_die("%zu probes: at most %d", nprobes, JOBS_MAX);
	for (size_t i = 0; i < a->only_count; i++) {
		size_t k = 0;

		while (k < nprobes && strcmp(probes[k].name, a->only[i]))
			k++;
		if (k == nprobes)
			boxed_selftest_cannot("--only %s: no such probe (see --list)", a->only[i]);
	}
}

int boxed_selftest_run(const struct boxed_selftest_args *a)
{
	/* Static: the exit handlers that remove the stage run after this
	 * function has returned. */
	static struct boxed_selftest_ctx c;
	const char *mode = a->mode == BOXED_SELFTEST_CONTROL ? "control" : "sandbox";
	size_t nprobes, room, n;
	boxed_autofree struct boxed_selftest_result *res = NULL;

	check_only(a);
	boxed_selftest_stage_check(&c, a);
	boxed_selftest_probe_table(&nprobes);
	room = nprobes + BOXED_SELFTEST_AUDIT_ROOM;
	res = calloc(room, sizeof(*res));
	if (!res)
		boxed_die("out of memory");
	/* From before the stage is made: an interruption never finds it half
	 * made (a useradd still running when userdel comes). */
	block_stops();
	boxed_selftest_stage_make(&c);
	jobs.c = &c;
	jobs.main_pid = getpid();
	if (atexit(end_jobs))
		boxed_selftest_cannot("atexit");
	fflush(stdout);
	n = run_probes(a, &c, res, room);
	stop_if_signalled();
	print_results(a, res, n, mode);
	fflush(stdout);
	return boxed_selftest_exit_status(res, n);
}
