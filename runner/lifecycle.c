/* The lifecycle of one run, as the supervisor walks it:
 *
 *   PREPARE   config loaded and trusted, limits clamped, a slot locked
 *   SPAWN     the child forked; it drops to the slot uid and starts init
 *   SEALED    init is up, in the run's own namespaces or named as unsealed
 *   RUNNING   the target reached execve (Python mode: the request goes in)
 *   ANSWERED  the outcome is decided, once (conclude), and written out
 *   CLEANED   nothing of the run is left
 *   REPORTED  the audit-trail line is written; the exit status follows
 *
 * The state only moves forward; a failure jumps ahead to ANSWERED with a
 * sandbox error. The response (or report), the exit status and the syslog
 * line all come from the one conclusion, so they always agree. A slot that
 * cannot be cleaned after its run is a fact about the slot, not the run: it
 * gets a line of its own, and the next run on the slot (or boxed-setup
 * audit) meets it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <syslog.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "die.h"
#include "fsutil.h"
#include "landlock.h"
#include "layout.h"
#include "system.h"

/* The child's setup takes milliseconds; one that has not reached execve by
 * this many seconds is killed. Not the run's timeout, which may be shorter
 * than any setup and which starts, in Python mode, at the request. */
#define SETUP_TIMEOUT 10.0

enum run_state {
	RUN_PREPARE,
	RUN_SPAWN,
	RUN_SEALED,
	RUN_RUNNING,
	RUN_ANSWERED,
	RUN_CLEANED,
	RUN_REPORTED,
};

struct run {
	enum run_state state;
	struct boxed_run_args args;
	struct boxed_config cfg;
	struct boxed_limits limits;
	struct boxed_run_slot slot;
	struct boxed_run_report report;
	struct boxed_run_super super;
	struct boxed_run_facts facts;
	cJSON *result;
	char result_why[256];
	int report_lost; /* the report or response could not be written */
	char target[256];
	uid_t caller;
};

static void advance(struct run *r, enum run_state next)
{
	/* The states are an order: a step back would run a step twice. */
	if (next <= r->state)
		boxed_die("internal error: run state %d after %d", (int)next, (int)r->state);
	r->state = next;
}

static void audit_log(const struct run *r)
{
	char line[512];

	boxed_run_log_line(line, sizeof(line), r->caller, &r->report, r->target);
	openlog("boxed-run", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_INFO, "%s", line);
	closelog();
}

static void log_unclean_slot(const struct run *r)
{
	openlog("boxed-run", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_WARNING,
	       "caller=%u slot_uid=%u reason=slot-unclean: processes or files of the slot uid "
	       "survived the run's cleanup; the next run of the slot retries it",
	       (unsigned)r->caller, (unsigned)r->slot.uid);
	closelog();
}

/* Write doc to fd: framed in Python mode (docs/protocol.md), else one
 * line. Returns 0, or -1 (said on stderr) when it could not be written. */
static int write_doc(int fd, cJSON *doc, int framed)
{
	size_t len = 0;
	char *text = NULL;
	int rc = -1;

	if (doc && framed)
		text = boxed_run_frame_response(doc, &len);
	else if (doc && (text = cJSON_PrintUnformatted(doc)))
		len = strlen(text);
	if (text && boxed_write_all(fd, text, len) == 0 &&
	    (framed || boxed_write_all(fd, "\n", 1) == 0))
		rc = 0;
	else
		fprintf(stderr, "boxed-run: writing the JSON report: %s\n",
			text ? strerror(errno) : "out of memory");
	free(text);
	cJSON_Delete(doc);
	return rc;
}

/* Print the report (or the response) where the mode says. A report that
 * cannot be written turns the run into a sandbox error: the caller must
 * never take a lost report for a success. */
static void respond(struct run *r)
{
	int rc = 0;

	if (r->args.python || r->args.json || r->args.report_fd >= 0)
		r->report.supervisor_max_rss_kib = boxed_run_own_peak_rss_kib();
	if (r->args.python || r->args.json) {
		cJSON *doc =
		    boxed_run_response_json(r->result, &r->super.out, &r->super.err, &r->report);

		r->result = NULL;
		if (doc && !r->args.python)
			cJSON_DeleteItemFromObjectCaseSensitive(doc, "result");
		rc = write_doc(1, doc, r->args.python);
	} else if (r->args.report_fd >= 0) {
		rc = write_doc(r->args.report_fd, boxed_run_report_json(&r->report), 0);
	}
	if (rc != 0) {
		r->report.outcome = BOXED_RUN_SANDBOX_ERROR;
		r->report.reason = BOXED_RUN_REASON_REPORT_UNWRITABLE;
		r->report_lost = 1;
	}
}

/* The run's wall time: init's, where it measured the run to its end (its
 * clock is the one that enforces the timeout; the supervisor learns of the
 * target's start and end a little later), else the supervisor's. */
static double wall_time(const struct boxed_run_super *s)
{
	const struct boxed_run_event *end = s->answered.kind ? &s->answered : &s->ended;

	if (end->kind && end->wall > 0)
		return end->wall;
	return s->end > 0 ? s->end - s->start : 0;
}

/* The first line the run wrote to stderr: the child's or init's words when
 * setup failed. */
static void message_from_stderr(struct run *r)
{
	const struct boxed_run_capture *e = &r->super.err;
	size_t n;

	if (!e->buf || !e->len)
		return;
	snprintf(r->report.message, sizeof(r->report.message), "%.*s", (int)e->len, e->buf);
	n = strcspn(r->report.message, "\n\r");
	r->report.message[n] = '\0';
}

/* Gather what the supervisor saw into the facts of classification. */
static void gather_facts(struct run *r)
{
	struct boxed_run_facts *f = &r->facts;
	const struct boxed_run_super *s = &r->super;
	const struct boxed_run_event *end = s->answered.kind ? &s->answered : &s->ended;

	f->python = r->args.python;
	f->exec_errno = s->exec_errno;
	f->output_exceeded = s->output_exceeded;
	f->interrupted = s->interrupted;
	f->caller_gone = s->caller_gone;
	f->timed_out = s->timed_out || (s->ended.kind && s->ended.value == BOXED_RUN_END_WALL);
	f->memory_exceeded = s->ended.kind && s->ended.value == BOXED_RUN_END_MEMORY;
	f->answered = s->answered.kind != 0;
	f->reaped = s->ended.kind && s->ended.status >= 0;
	f->status = s->ended.status;
	f->cpu_time = end->cpu;
	f->max_rss_kib = (long)end->rss_kib;
	f->run_memory = (uint64_t)s->ended.run_memory;
	f->init_lost = s->started && !s->ended.kind && !s->answered.kind;
	f->memory_limit = r->limits.memory;
	f->cpu_limit = r->limits.cpu;
	f->wall_limit = s->timeout;
	f->nproc_limit = r->limits.nproc;
	f->fork_refused = s->fork_refused;
	if (s->unclean_errno && f->setup_failed)
		f->setup_reason = BOXED_RUN_REASON_SLOT_UNCLEAN;
	if (!s->sealed && r->cfg.require_sealed && f->setup_failed)
		f->setup_reason = BOXED_RUN_REASON_UNSEALED;
	if (r->args.python && !f->setup_failed && !r->result)
		r->result = boxed_run_python_result(&s->result, &f->result_state, &f->result_memory,
						    r->result_why, sizeof(r->result_why));
}

static void record_hardening(struct run *r)
{
	const struct boxed_run_super *s = &r->super;

	if (!s->sealed)
		boxed_run_hardening_unsealed(&r->report.hardening, s->unsealed_errno,
					     r->args.no_network);
	if (s->no_proc_errno)
		boxed_run_hardening_no_proc(&r->report.hardening, s->no_proc_errno);
}

/* ANSWERED: decide the outcome, once, and write it out. */
static void conclude(struct run *r)
{
	struct boxed_run_facts *f = &r->facts;
	char msg[sizeof(r->report.message)];
	int exit_code, sig;

	advance(r, RUN_ANSWERED);
	gather_facts(r);
	record_hardening(r);
	r->report.outcome =
	    boxed_run_classify(f, &exit_code, &sig, &r->report.reason, msg, sizeof(msg));
	r->report.exit_code = exit_code;
	r->report.signal = sig;
	r->report.cpu_time = f->cpu_time;
	r->report.max_rss_kib = f->max_rss_kib;
	r->report.run_memory = f->run_memory;
	r->report.wall_time = wall_time(&r->super);
	if (f->setup_failed && !r->report.message[0])
		message_from_stderr(r);
	if (!r->report.message[0] && r->report.reason == BOXED_RUN_REASON_RESULT_INVALID &&
	    r->result_why[0])
		snprintf(r->report.message, sizeof(r->report.message),
			 "the function's result is malformed: %s", r->result_why);
	if (!r->report.message[0] && r->report.outcome != BOXED_RUN_OK)
		snprintf(r->report.message, sizeof(r->report.message), "%s", msg);
	/* Only a run that ended on its own has a result to relay. */
	if (r->result && r->report.outcome != BOXED_RUN_OK &&
	    r->report.outcome != BOXED_RUN_ERROR && r->report.outcome != BOXED_RUN_MEMORY) {
		cJSON_Delete(r->result);
		r->result = NULL;
	}
	respond(r);
}

static int exit_status(const struct run *r)
{
	if (r->report_lost)
		return BOXED_RUN_EXIT_SANDBOX;
	if (r->args.python)
		return r->report.outcome == BOXED_RUN_SANDBOX_ERROR ? BOXED_RUN_EXIT_SANDBOX : 0;
	return boxed_run_exit_status(r->report.outcome, r->report.exit_code, r->report.signal,
				     r->facts.exec_errno);
}

/* A program run that a limit ended, or that failed where a fork was
 * refused, says so on stderr, with the option that raises the limit: the
 * caller of a program reads its stderr, not a report. (Python mode's
 * client names its own parameters.) */
static void say_limit(const struct run *r)
{
	static const enum boxed_run_reason limits[] = {
	    BOXED_RUN_REASON_WALL_LIMIT, BOXED_RUN_REASON_CPU_LIMIT, BOXED_RUN_REASON_MEMORY_LIMIT,
	    BOXED_RUN_REASON_OUTPUT_LIMIT, BOXED_RUN_REASON_FSIZE_LIMIT};
	int say = r->facts.fork_refused && r->report.reason == BOXED_RUN_REASON_EXIT_STATUS;

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		say |= r->report.reason == limits[i];
	if (say && !r->args.python && r->report.message[0])
		fprintf(stderr, "boxed-run: %s\n", r->report.message);
}

/* REPORTED: the audit-trail line, then leave with the status the
 * conclusion gives. */
__attribute__((noreturn)) static void finish(struct run *r)
{
	advance(r, RUN_REPORTED);
	say_limit(r);
	audit_log(r);
	exit(exit_status(r));
}

/* Before anything ran: say why, report sandbox-error, exit 125. */
__attribute__((noreturn)) static void fail_early(struct run *r, enum boxed_run_reason reason,
						 const char *msg)
{
	fprintf(stderr, "boxed-run: %s\n", msg);
	snprintf(r->report.message, sizeof(r->report.message), "%s", msg);
	r->facts.setup_failed = 1;
	r->facts.setup_reason = reason;
	conclude(r);
	advance(r, RUN_CLEANED);
	finish(r);
}

static void init_report(struct run *r)
{
	memset(&r->report, 0, sizeof(r->report));
	r->report.outcome = BOXED_RUN_SANDBOX_ERROR;
	r->report.exit_code = -1;
	r->report.limits = r->cfg.dflt;
	r->report.network = !r->args.no_network;
	r->super.out_fd = r->super.err_fd = r->super.result_fd = r->super.request_fd = -1;
	r->super.sig_fd = r->super.caller_fd = r->super.event_fd = r->super.control_fd = -1;
	r->super.child_pidfd = r->super.init_pidfd = -1;
	r->super.sealed = 1;
	r->caller = getuid();
	snprintf(r->target, sizeof(r->target), "%s", r->args.python ? "(python)" : r->args.argv[0]);
}

/* The limits of the run, from the caller's options and the config; a
 * limit asked for above the maximum is lowered to it, and said so, on
 * stderr and in the report. */
static void clamp_limits(struct run *r)
{
	unsigned clamped = 0;
	char warning[512];

	boxed_run_clamp(&r->args, &r->cfg, &r->limits, &clamped);
	r->report.limits = r->limits;
	if (boxed_run_clamp_warning(&r->args, &r->limits, clamped, warning, sizeof(warning)))
		boxed_warn("%s", warning);
	if (clamped)
		r->report.clamped = boxed_run_clamped_json(&r->args, &r->limits, clamped);
}

/* PREPARE: everything that can refuse the run, before anything starts. */
static void prepare(struct run *r)
{
	enum boxed_run_reason why;
	char err[1024];
	int rc;

	if (boxed_run_caps_prepare(err, sizeof(err)) != 0)
		fail_early(r, BOXED_RUN_REASON_NO_CAPABILITIES, err);
	rc = boxed_config_load(BOXED_CONFIG_PATH, &r->cfg, err, sizeof(err));
	if (rc != 0)
		fail_early(r,
			   rc == BOXED_CONFIG_UNTRUSTED ? BOXED_RUN_REASON_CONFIG_UNTRUSTED
							: BOXED_RUN_REASON_CONFIG_INVALID,
			   err);
	clamp_limits(r);
	boxed_run_hardening_plan(boxed_landlock_abi(), r->args.no_network, &r->report.hardening);
	if (r->args.report_fd >= 0 && fcntl(r->args.report_fd, F_SETFD, FD_CLOEXEC) != 0) {
		snprintf(err, sizeof(err), "--report-fd %d: %s", r->args.report_fd,
			 strerror(errno));
		r->args.report_fd = -1;
		fail_early(r, BOXED_RUN_REASON_REPORT_UNWRITABLE, err);
	}
	/* The interpreter and the bootstrap run as the slot uid, but they
	 * are what stands between the caller's data and the function: both
	 * must be root's. */
	if (r->args.python &&
	    (boxed_check_trusted_path(BOXED_INTERPRETER_PATH, err, sizeof(err)) != 0 ||
	     boxed_check_trusted_path(BOXED_BOOTSTRAP_PATH, err, sizeof(err)) != 0))
		fail_early(r, BOXED_RUN_REASON_INTERPRETER_UNTRUSTED, err);
	why = boxed_run_slot_acquire(&r->cfg, BOXED_STATEDIR, r->args.wait ? r->args.wait_secs : 0,
				     &r->slot, err, sizeof(err));
	if (why != BOXED_RUN_REASON_NONE)
		fail_early(r, why, err);
	r->report.have_slot = 1;
	r->report.slot_uid = r->slot.uid;
}

/* SPAWN: the pipes of the run, then the child. */
static void spawn(struct run *r)
{
	static const char *python_argv[] = {"python_boxed", "-I", "-S", BOXED_BOOTSTRAP_PATH, NULL};
	struct boxed_run_super *s = &r->super;
	static struct boxed_run_plan plan;
	struct boxed_run_pipes pipes;
	extern char **environ;

	advance(r, RUN_SPAWN);
	plan = (struct boxed_run_plan){
	    .args = &r->args,
	    .limits = &r->limits,
	    .cfg = &r->cfg,
	    .slot = &r->slot,
	    .argv = r->args.python ? python_argv : (const char *const *)r->args.argv,
	    .exec_path = r->args.python ? BOXED_INTERPRETER_PATH : NULL,
	    .caller_env = environ,
	    .caller_uid = getuid(),
	    .caller_gid = getgid(),
	    .supervisor = getpid(),
	    .landlock_abi = r->report.hardening.landlock_abi,
	};
	boxed_run_pipes_open(&pipes, r->args.python, &plan);
	s->sig_fd = boxed_run_supervisor_signals();
	s->caller_fd = boxed_run_watch_caller();
	/* Orphans of an unsealed run are re-parented to us, not to init, so
	 * the cleanup can reap them; a sealed run's are its init's. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
		boxed_die_errno("prctl(PR_SET_CHILD_SUBREAPER)");
	/* Before the fork, so that there is no moment at which init exists
	 * and our death could not signal it. */
	boxed_run_supervisor_take_slot_ids(r->slot.uid);
	s->start = boxed_now();
	s->child = boxed_run_spawn(&plan, &s->child_pidfd);
	boxed_run_pipes_keep_ours(&pipes, s);
	s->timeout = r->limits.timeout;
	s->output_limit = r->limits.output;
	s->result_limit = r->cfg.max_message;
	s->relay = !r->args.python && !r->args.json;
}

/* SEALED, RUNNING: follow the setup to the target's execve. Returns 0 when
 * the target runs. */
static int await_target(struct run *r)
{
	int started = boxed_run_wait_started(&r->super, SETUP_TIMEOUT);

	if (r->super.init_pidfd >= 0)
		advance(r, RUN_SEALED);
	r->facts.setup_failed = started == 1;
	if (started != 0)
		return -1;
	advance(r, RUN_RUNNING);
	/* Program mode: init started the wall clock at the target's start. */
	if (!r->args.python) {
		r->super.clock_started = 1;
		r->super.start = boxed_now();
	}
	return 0;
}

/* Python mode: the child is already started and dropped; now read the
 * caller's request. Returns 0, or -1 with the reason in the facts. */
static int take_request(struct run *r)
{
	struct boxed_run_super *s = &r->super;
	char err[512];
	double requested;
	char *text =
	    boxed_run_python_request(0, r->cfg.max_message, &s->request_len, &requested, r->target,
				     sizeof(r->target), &r->facts.setup_reason, err, sizeof(err));

	if (!text) {
		snprintf(r->report.message, sizeof(r->report.message), "%s", err);
		r->facts.setup_failed = 1;
		return -1;
	}
	s->request = text;
	s->timeout = boxed_run_python_timeout(r->limits.timeout, requested);
	r->report.limits.timeout = s->timeout;
	if (fcntl(s->request_fd, F_SETFL, O_NONBLOCK) != 0)
		boxed_die_errno("fcntl(request pipe, O_NONBLOCK)");
	/* The wall clock starts as delivery starts: a caller that stopped
	 * us right after could not keep the function running past it. */
	boxed_run_start_clock(s);
	return 0;
}

/* The run itself: from the target's start to its end. */
static void watch_run(struct run *r)
{
	struct boxed_run_super *s = &r->super;

	if (r->args.python && take_request(r) != 0) {
		s->end = boxed_now();
		return;
	}
	boxed_run_supervise(s);
	boxed_run_drain(s);
}

/* CLEANED: nothing of the run left. */
static void clean(struct run *r)
{
	struct boxed_run_super *s = &r->super;

	if (s->request_fd >= 0)
		close(s->request_fd);
	s->request_fd = -1;
	if (boxed_run_cleanup(s, &r->slot) != 0)
		log_unclean_slot(r);
	advance(r, RUN_CLEANED);
}

void boxed_run_main(int argc, char **argv)
{
	static struct run r;

	boxed_run_supervisor_ground();
	boxed_run_args_or_exit(argc, argv, &r.args);
	boxed_run_supervisor_settle();
	boxed_config_defaults(&r.cfg);
	init_report(&r);
	prepare(&r);
	spawn(&r);
	if (await_target(&r) == 0)
		watch_run(&r);
	else
		r.super.end = boxed_now();
	if (!r.super.answered.kind)
		boxed_run_drain(&r.super);
	conclude(&r);
	clean(&r);
	finish(&r);
}
