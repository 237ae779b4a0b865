/* boxed-run: run a program, or one Python function, as a fresh slot uid.
 *
 * The supervisor (this process) keeps cap_setuid,cap_setgid permitted but
 * not effective; it forks the child that drops and execs the target
 * (drop.c), watches it (supervise.c), has a second short-lived child kill
 * and wipe the slot (cleanup.c), and reports (report.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "die.h"
#include "fsutil.h"
#include "layout.h"
#include "runner.h"

const int boxed_die_status = BOXED_RUN_EXIT_SANDBOX;

/* After a Python child's stop, how long the killed interpreter gets to be
 * gone before the cleanup looks for what is left. */
#define EXIT_GRACE 0.1

/* The child's setup takes milliseconds; one that has not reached execve
 * by this many seconds (stopped by a process left from an earlier run of
 * its slot) is killed. Not the run's timeout, which may be shorter than
 * any setup and which starts, in Python mode, at the request. */
#define SETUP_TIMEOUT 10.0

struct run {
	struct boxed_run_args args;
	struct boxed_config cfg;
	struct boxed_limits limits;
	struct boxed_run_slot slot;
	struct boxed_run_report report;
	struct boxed_run_super super;
	struct boxed_run_facts facts;
	cJSON *result;
	int result_taken; /* python mode: result parsed into facts */
	char target[256];
	uid_t caller;
};

static void write_doc(int fd, cJSON *doc)
{
	char *text = doc ? cJSON_PrintUnformatted(doc) : NULL;

	if (!text || boxed_write_all(fd, text, strlen(text)) != 0 || boxed_write_all(fd, "\n", 1))
		fprintf(stderr, "boxed-run: writing the JSON report: %s\n",
			text ? strerror(errno) : "out of memory");
	free(text);
	cJSON_Delete(doc);
}

static void audit_log(struct run *r)
{
	char line[512];

	boxed_run_log_line(line, sizeof(line), r->caller, &r->report, r->target);
	openlog("boxed-run", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_INFO, "%s", line);
	closelog();
}

/* Print the report (or the response) where the mode says. */
static void respond(struct run *r)
{
	if (r->args.python || r->args.json || r->args.report_fd >= 0)
		r->report.supervisor_max_rss_kib = boxed_run_peak_rss_kib(0);
	if (r->args.python || r->args.json) {
		cJSON *doc =
		    boxed_run_response_json(r->result, &r->super.out, &r->super.err, &r->report);

		r->result = NULL;
		if (doc && !r->args.python)
			cJSON_DeleteItemFromObjectCaseSensitive(doc, "result");
		write_doc(1, doc);
	} else if (r->args.report_fd >= 0) {
		write_doc(r->args.report_fd, boxed_run_report_json(&r->report));
	}
}

/* Before anything ran: say why, report sandbox-error, exit 125. */
__attribute__((noreturn)) static void fail_early(struct run *r, const char *msg)
{
	fprintf(stderr, "boxed-run: %s\n", msg);
	r->report.outcome = BOXED_RUN_SANDBOX_ERROR;
	snprintf(r->report.message, sizeof(r->report.message), "%s", msg);
	respond(r);
	audit_log(r);
	exit(BOXED_RUN_EXIT_SANDBOX);
}

static void init_report(struct run *r)
{
	memset(&r->report, 0, sizeof(r->report));
	r->report.outcome = BOXED_RUN_SANDBOX_ERROR;
	r->report.exit_code = -1;
	r->report.limits = r->cfg.dflt;
	r->report.network = !r->args.no_network;
	r->super.out_fd = r->super.err_fd = r->super.result_fd = r->super.request_fd = -1;
	r->super.sig_fd = -1;
	r->caller = getuid();
	snprintf(r->target, sizeof(r->target), "%s", r->args.python ? "(python)" : r->args.argv[0]);
}

static void prepare(struct run *r)
{
	char err[1024];

	if (boxed_run_caps_prepare(err, sizeof(err)) != 0)
		fail_early(r, err);
	if (boxed_config_load(BOXED_CONFIG_PATH, &r->cfg, err, sizeof(err)) != 0)
		fail_early(r, err);
	boxed_run_clamp(&r->args, &r->cfg, &r->limits, NULL);
	r->report.limits = r->limits;
	boxed_run_hardening_plan(boxed_run_landlock_abi(), r->args.no_network,
				 &r->report.hardening);
	if (r->args.report_fd >= 0 && fcntl(r->args.report_fd, F_SETFD, FD_CLOEXEC) != 0) {
		snprintf(err, sizeof(err), "--report-fd %d: %s", r->args.report_fd,
			 strerror(errno));
		r->args.report_fd = -1;
		fail_early(r, err);
	}
	/* The interpreter and the bootstrap run as the slot uid, but they
	 * are what stands between the caller's data and the function: both
	 * must be root's. */
	if (r->args.python &&
	    (boxed_check_trusted_path(BOXED_INTERPRETER_PATH, err, sizeof(err)) != 0 ||
	     boxed_check_trusted_path(BOXED_BOOTSTRAP_PATH, err, sizeof(err)) != 0))
		fail_early(r, err);
	if (boxed_run_slot_acquire(&r->cfg, BOXED_STATEDIR, r->args.wait ? r->args.wait_secs : 0,
				   &r->slot, err, sizeof(err)) != 0)
		fail_early(r, err);
	r->report.have_slot = 1;
	r->report.slot_uid = r->slot.uid;
}

static void make_pipe(int fds[2], const char *what)
{
	if (pipe2(fds, O_CLOEXEC) != 0)
		boxed_die_errno("pipe2(%s)", what);
}

/* SIGINT, SIGTERM and SIGHUP to the runner end the run cleanly (killed,
 * slot wiped, reported) instead of leaving it to the next run of the slot.
 * SIGCHLD only wakes the supervisor: it is how a Python child that stopped
 * itself after its result is noticed (the pidfd tells of exits only). */
static int block_supervisor_signals(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		boxed_die_errno("sigprocmask");
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		boxed_die_errno("signalfd");
	return fd;
}

static void start_child(struct run *r, int *status_fd)
{
	static const char *python_argv[] = {"python_boxed", "-I", "-S", BOXED_BOOTSTRAP_PATH, NULL};
	int status[2], out[2], err[2], req[2] = {-1, -1}, res[2] = {-1, -1};
	struct boxed_run_plan plan = {
	    .args = &r->args,
	    .limits = &r->limits,
	    .slot = &r->slot,
	    .argv = r->args.python ? python_argv : (const char *const *)r->args.argv,
	    .exec_path = r->args.python ? BOXED_INTERPRETER_PATH : NULL,
	    .caller_uid = getuid(),
	    .caller_gid = getgid(),
	    .supervisor = getpid(),
	    .landlock_abi = r->report.hardening.landlock_abi,
	};
	extern char **environ;
	pid_t pid;

	make_pipe(status, "status");
	make_pipe(out, "stdout");
	make_pipe(err, "stderr");
	if (r->args.python) {
		make_pipe(req, "request");
		make_pipe(res, "result");
	}
	plan.caller_env = environ;
	plan.status_fd = status[1];
	plan.stdout_fd = out[1];
	plan.stderr_fd = err[1];
	plan.request_fd = req[0];
	plan.result_fd = res[1];
	r->super.sig_fd = block_supervisor_signals();
	/* Orphans of the run are re-parented to us, not to init, so the
	 * cleanup can reap them and no zombie of the slot uid outlives us. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
		boxed_die_errno("prctl(PR_SET_CHILD_SUBREAPER)");
	/* Before the fork, so that there is no moment at which the child
	 * exists and our death could not signal it. */
	boxed_run_supervisor_take_euid(r->slot.uid);
	clock_gettime(CLOCK_MONOTONIC, &r->super.start);
	pid = boxed_run_spawn(&plan, &r->super.pidfd);
	close(status[1]);
	close(out[1]);
	close(err[1]);
	if (r->args.python) {
		close(req[0]);
		close(res[1]);
	}
	r->super.pid = pid;
	r->super.out_fd = out[0];
	r->super.err_fd = err[0];
	r->super.request_fd = req[1];
	r->super.result_fd = res[0];
	*status_fd = status[0];
}

/* Python mode: the child is already started and dropped; now read the
 * caller's request. Returns 0, or -1 with the reason in the report. */
static int take_request(struct run *r)
{
	char err[512];
	double requested;
	char *text =
	    boxed_run_python_request(0, r->cfg.max_message, &r->super.request_len, &requested,
				     r->target, sizeof(r->target), err, sizeof(err));

	if (!text) {
		snprintf(r->report.message, sizeof(r->report.message), "%s", err);
		return -1;
	}
	r->super.request = text;
	r->super.timeout = boxed_run_python_timeout(r->limits.timeout, requested);
	r->report.limits.timeout = r->super.timeout;
	if (fcntl(r->super.request_fd, F_SETFL, O_NONBLOCK) != 0)
		boxed_die_errno("fcntl(request pipe, O_NONBLOCK)");
	/* Until the request is delivered this bounds the wait for the child
	 * to read it; at delivery the clock starts again. */
	clock_gettime(CLOCK_MONOTONIC, &r->super.start);
	return 0;
}

/* A caller that starts us with fd 0, 1 or 2 closed would have the next
 * open() (a pipe of the run, a lock) take its place, and output relayed to
 * "stdout" would land there. */
static void ensure_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		int null;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		null = open("/dev/null", O_RDWR | O_NOCTTY);
		if (null != fd)
			_exit(BOXED_RUN_EXIT_SANDBOX);
	}
}

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void trim_message(struct run *r)
{
	const struct boxed_run_capture *e = &r->super.err;
	size_t n;

	if (!e->buf || !e->len)
		return;
	snprintf(r->report.message, sizeof(r->report.message), "%.*s", (int)e->len, e->buf);
	n = strlen(r->report.message);
	while (n > 0 && (r->report.message[n - 1] == '\n' || r->report.message[n - 1] == '\r'))
		r->report.message[--n] = '\0';
}

static void conclude(struct run *r)
{
	struct boxed_run_facts *f = &r->facts;
	struct boxed_run_super *s = &r->super;
	char msg[sizeof(r->report.message)];
	int exit_code, sig, memory = 0;

	if (r->args.python && !f->setup_failed && !r->report.message[0] && !r->result_taken) {
		r->result = boxed_run_python_result(&s->result, &f->result_state, &memory);
		f->result_memory = memory;
		r->result_taken = 1;
	}
	f->python = r->args.python;
	f->timed_out = s->timed_out;
	f->output_exceeded = s->output_exceeded;
	f->interrupted = s->interrupted;
	f->status = s->status;
	f->reaped = s->reaped;
	f->max_rss_kib = s->max_rss_kib;
	f->cpu_time = s->cpu_time;
	f->memory_limit = r->limits.memory;
	f->cpu_limit = r->limits.cpu;
	r->report.outcome = boxed_run_classify(f, &exit_code, &sig, msg, sizeof(msg));
	r->report.exit_code = exit_code;
	r->report.signal = sig;
	r->report.cpu_time = f->cpu_time;
	r->report.max_rss_kib = f->max_rss_kib;
	r->report.wall_time = s->end.tv_sec ? since(&s->start, &s->end) : 0;
	if (f->setup_failed && !r->report.message[0])
		trim_message(r);
	if (!r->report.message[0] && r->report.outcome != BOXED_RUN_OK)
		snprintf(r->report.message, sizeof(r->report.message), "%s", msg);
	/* Only a run that ended on its own has a result to relay. */
	if (r->result && r->report.outcome != BOXED_RUN_OK &&
	    r->report.outcome != BOXED_RUN_ERROR && r->report.outcome != BOXED_RUN_MEMORY) {
		cJSON_Delete(r->result);
		r->result = NULL;
	}
}

/* Python mode: the child has stopped itself, as the bootstrap does once
 * it has written its result, so the run is over. Its CPU time and peak RSS
 * are read while the stopped child still exists, its result and what it
 * printed taken as far as they go without waiting (a process it left
 * behind may hold the pipes open), and it is killed before anything is
 * written: a process of its uid could continue it (SIGCONT) while we wait
 * on the caller. A missing or malformed result is an error at once.
 *
 * With nothing else of the run alive (one process allowed: the child could
 * not fork) and its usage read, the answer is written now, and the end of
 * the interpreter (unmapping a Python process takes about half a
 * millisecond) and the slot's cleanup come after it, the slot still
 * locked. Returns 1 then; 0 when the answer must wait for the cleanup. */
static int answer_at_stop(struct run *r)
{
	struct boxed_run_facts *f = &r->facts;
	int sampled = boxed_run_sample_child(&r->super) == 0;

	boxed_run_drain(&r->super);
	boxed_run_kill_pidfd(r->super.pidfd, r->super.pid);
	r->result = boxed_run_python_result(&r->super.result, &f->result_state, &f->result_memory);
	r->result_taken = 1;
	f->answered = 1;
	if (!sampled || r->limits.nproc > 1)
		return 0;
	conclude(r);
	respond(r);
	return 1;
}

static int exit_status(const struct run *r)
{
	if (r->args.python)
		return r->report.outcome == BOXED_RUN_SANDBOX_ERROR ? BOXED_RUN_EXIT_SANDBOX : 0;
	return boxed_run_exit_status(r->report.outcome, r->report.exit_code, r->report.signal,
				     r->facts.exec_errno);
}

int main(int argc, char **argv)
{
	static struct run r;
	int status_fd, started, responded = 0;

	ensure_std_fds();
	boxed_run_args_or_exit(argc, argv, &r.args);
	/* A reader of our output that goes away must not kill the supervisor
	 * in the middle of a run. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		boxed_die_errno("signal(SIGPIPE, SIG_IGN)");
	/* A caller may start us with SIGCHLD ignored, which survives execve:
	 * the kernel would then reap our children itself, taking their exit
	 * status (and their pid) with them, and not report a child's stop. */
	if (signal(SIGCHLD, SIG_DFL) == SIG_ERR)
		boxed_die_errno("signal(SIGCHLD, SIG_DFL)");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		boxed_die_errno("prctl(PR_SET_DUMPABLE, 0)");
	boxed_config_defaults(&r.cfg);
	init_report(&r);
	prepare(&r);
	r.super.timeout = r.limits.timeout;
	r.super.output_limit = r.limits.output;
	r.super.result_limit = r.cfg.max_message;
	r.super.relay = !r.args.python && !r.args.json;
	r.super.stop_at_answer = r.args.python;
	start_child(&r, &status_fd);
	started = boxed_run_wait_exec(&r.super, status_fd, SETUP_TIMEOUT, &r.facts.exec_errno);
	close(status_fd);
	r.facts.setup_failed = started == 1;
	if (started == 0 && r.args.python && take_request(&r) != 0)
		r.facts.setup_failed = 1;
	if (started == 0 && !r.facts.setup_failed)
		boxed_run_supervise(&r.super);
	else
		clock_gettime(CLOCK_MONOTONIC, &r.super.end);
	if (r.super.answered) {
		responded = answer_at_stop(&r);
		boxed_run_await_pidfd(r.super.pidfd, EXIT_GRACE);
	}
	if (r.super.request_fd >= 0)
		close(r.super.request_fd);
	r.super.request_fd = -1;
	r.facts.cleanup_failed = boxed_run_cleanup(&r.super, &r.slot) != 0;
	boxed_run_drain(&r.super);
	/* Once more, for the audit line and our exit status, which also say
	 * whether the slot could be cleaned. */
	if (responded)
		r.report.message[0] = '\0';
	conclude(&r);
	if (!responded)
		respond(&r);
	audit_log(&r);
	return exit_status(&r);
}
