/* The outcome of a run in words: classification of what the supervisor
 * saw, reason codes, the JSON report and response, the syslog line
 * (pure). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "runner.h"
#include "version.h"

static const char *const outcome_names[] = {
    [BOXED_RUN_OK] = "ok",
    [BOXED_RUN_ERROR] = "error",
    [BOXED_RUN_TIMEOUT] = "timeout",
    [BOXED_RUN_MEMORY] = "memory",
    [BOXED_RUN_OUTPUT_LIMIT] = "output-limit",
    [BOXED_RUN_SIGNAL] = "signal",
    [BOXED_RUN_SANDBOX_ERROR] = "sandbox-error",
};

const char *boxed_run_outcome_name(enum boxed_run_outcome o)
{
	if ((unsigned)o >= sizeof(outcome_names) / sizeof(outcome_names[0]))
		return "sandbox-error";
	return outcome_names[o];
}

static const char *const reason_names[BOXED_RUN_REASON_COUNT] = {
    [BOXED_RUN_REASON_NONE] = NULL,
    [BOXED_RUN_REASON_NOT_IN_GROUP] = "not-in-group",
    [BOXED_RUN_REASON_NO_CAPABILITIES] = "no-capabilities",
    [BOXED_RUN_REASON_CONFIG_UNTRUSTED] = "config-untrusted",
    [BOXED_RUN_REASON_CONFIG_INVALID] = "config-invalid",
    [BOXED_RUN_REASON_INTERPRETER_UNTRUSTED] = "interpreter-untrusted",
    [BOXED_RUN_REASON_STATE_BROKEN] = "state-broken",
    [BOXED_RUN_REASON_SLOTS_BUSY] = "slots-busy",
    [BOXED_RUN_REASON_SLOT_UNCLEAN] = "slot-unclean",
    [BOXED_RUN_REASON_UNSEALED] = "unsealed",
    [BOXED_RUN_REASON_REQUEST_TOO_LARGE] = "request-too-large",
    [BOXED_RUN_REASON_REQUEST_INVALID] = "request-invalid",
    [BOXED_RUN_REASON_SETUP_FAILED] = "setup-failed",
    [BOXED_RUN_REASON_INTERRUPTED] = "interrupted",
    [BOXED_RUN_REASON_CALLER_GONE] = "caller-gone",
    [BOXED_RUN_REASON_REPORT_UNWRITABLE] = "report-unwritable",
    [BOXED_RUN_REASON_INIT_LOST] = "init-lost",
    [BOXED_RUN_REASON_INTERNAL] = "internal",
    [BOXED_RUN_REASON_EXCEPTION] = "exception",
    [BOXED_RUN_REASON_NO_RESULT] = "no-result",
    [BOXED_RUN_REASON_RESULT_INVALID] = "result-invalid",
    [BOXED_RUN_REASON_RESULT_TOO_LARGE] = "result-too-large",
    [BOXED_RUN_REASON_EXIT_STATUS] = "exit-status",
    [BOXED_RUN_REASON_EXEC_FAILED] = "exec-failed",
    [BOXED_RUN_REASON_WALL_LIMIT] = "wall-limit",
    [BOXED_RUN_REASON_CPU_LIMIT] = "cpu-limit",
    [BOXED_RUN_REASON_MEMORY_LIMIT] = "memory-limit",
    [BOXED_RUN_REASON_OUTPUT_LIMIT] = "output-limit",
    [BOXED_RUN_REASON_SIGNAL] = "signal",
    [BOXED_RUN_REASON_FSIZE_LIMIT] = "fsize-limit",
};

const char *boxed_run_reason_name(enum boxed_run_reason r)
{
	if ((unsigned)r >= BOXED_RUN_REASON_COUNT)
		return "internal";
	return reason_names[r];
}

static void degrade(struct boxed_run_hardening *h, const char *layer, const char *reason,
		    const char *message)
{
	struct boxed_run_degraded *d;

	if (h->ndegraded >= BOXED_RUN_DEGRADED_MAX)
		return;
	d = &h->degraded[h->ndegraded++];
	d->layer = layer;
	d->reason = reason;
	snprintf(d->message, sizeof(d->message), "%s", message);
}

void boxed_run_hardening_plan(int abi, int no_network, struct boxed_run_hardening *h)
{
	memset(h, 0, sizeof(*h));
	/* The target dies rather than exec without these two, so a report of
	 * a run that happened always has them. */
	h->no_new_privs = 1;
	h->seccomp = 1;
	h->sealed = 1;
	h->memory_watchdog = 1;
	h->namespaces = BOXED_RUN_NS_USER | BOXED_RUN_NS_PID | BOXED_RUN_NS_IPC |
			BOXED_RUN_NS_MOUNT | (no_network ? BOXED_RUN_NS_NET : 0);
	h->landlock_abi = abi > 0 ? abi : 0;
	if (abi <= 0) {
		degrade(h, "landlock", "kernel",
			"Landlock unavailable: writes are confined by file permissions and, when "
			"sealed, by the mount namespace only");
		return;
	}
	if (abi < 2)
		degrade(h, "landlock-refer", "kernel",
			"Landlock ABI < 2: renames and links across directories not confined");
	if (abi < 3)
		degrade(h, "landlock-truncate", "kernel",
			"Landlock ABI < 3: truncation not confined");
	if (abi < 4 && no_network)
		degrade(h, "landlock-net", "kernel",
			"Landlock ABI < 4: TCP not denied by Landlock (seccomp still denies "
			"sockets)");
	if (abi < 5)
		degrade(h, "landlock-ioctl", "kernel",
			"Landlock ABI < 5: ioctl on devices not confined");
	if (abi < 6)
		degrade(h, "landlock-scope", "kernel",
			"Landlock ABI < 6: signals and abstract unix sockets not scoped (the run's "
			"namespaces and uid still isolate it)");
	if (abi > BOXED_RUN_LANDLOCK_ABI_KNOWN)
		degrade(h, "landlock-new", "kernel",
			"Landlock ABI newer than 7: rights added since are not restricted");
}

void boxed_run_hardening_unsealed(struct boxed_run_hardening *h, int err, int no_network)
{
	char why[120];
	char msg[sizeof(h->degraded[0].message)];

	h->sealed = 0;
	h->namespaces = 0;
	if (err)
		snprintf(why, sizeof(why), "the kernel refused new namespaces (%s)", strerror(err));
	else
		snprintf(why, sizeof(why), "the config turns namespaces off");
	snprintf(msg, sizeof(msg), "%s: the run shares the host's user namespace", why);
	degrade(h, "user-namespace", "unsealed", msg);
	degrade(h, "pid-namespace", "unsealed",
		"/proc shows the host's processes; the run's init can be signalled by the run, "
		"and the supervisor stands in for it");
	degrade(h, "ipc-namespace", "unsealed",
		"SysV IPC and POSIX message queues are refused by seccomp; the slot uid's IPC "
		"objects are removed after the run");
	degrade(h, "mount-namespace", "unsealed",
		"no private /tmp or /dev/shm (writes go to the run directory only); the disk limit "
		"is not enforced, only the file size limit");
	if (no_network)
		degrade(h, "network-namespace", "unsealed",
			"no network namespace: seccomp refuses sockets other than AF_UNIX, but "
			"abstract and pathname unix sockets of the host stay reachable");
}

void boxed_run_hardening_no_proc(struct boxed_run_hardening *h, int err)
{
	char msg[sizeof(h->degraded[0].message)];

	snprintf(msg, sizeof(msg),
		 "the run's own /proc could not be mounted (%s): /proc shows the host's "
		 "processes",
		 strerror(err));
	degrade(h, "proc", "unsealed", msg);
}

/* The outcome, with its reason, of one branch of classification. */
static enum boxed_run_outcome verdict(enum boxed_run_outcome o, enum boxed_run_reason why,
				      enum boxed_run_reason *reason)
{
	*reason = why;
	return o;
}

/* Python mode: what the function's result says. */
static enum boxed_run_outcome classify_result(const struct boxed_run_facts *f, int exit_code,
					      enum boxed_run_reason *reason, char *msg,
					      size_t msglen)
{
	const char *what;

	switch (f->result_state) {
	case BOXED_RUN_RESULT_OK:
		return verdict(BOXED_RUN_OK, BOXED_RUN_REASON_NONE, reason);
	case BOXED_RUN_RESULT_EXCEPTION:
		if (f->result_memory) {
			snprintf(msg, msglen, "MemoryError (memory limit %llu bytes)",
				 (unsigned long long)f->memory_limit);
			return verdict(BOXED_RUN_MEMORY, BOXED_RUN_REASON_MEMORY_LIMIT, reason);
		}
		snprintf(msg, msglen, "the function raised an exception");
		return verdict(BOXED_RUN_ERROR, BOXED_RUN_REASON_EXCEPTION, reason);
	case BOXED_RUN_RESULT_TOO_LARGE:
		snprintf(msg, msglen, "the function's result is larger than max_message");
		return verdict(BOXED_RUN_ERROR, BOXED_RUN_REASON_RESULT_TOO_LARGE, reason);
	}
	what = f->result_state == BOXED_RUN_RESULT_BAD ? "a well-formed" : "a";
	if (exit_code >= 0)
		snprintf(msg, msglen, "the function exited (status %d) without %s result",
			 exit_code, what);
	else
		snprintf(msg, msglen, "the function ended without %s result", what);
	return verdict(BOXED_RUN_ERROR,
		       f->result_state == BOXED_RUN_RESULT_BAD ? BOXED_RUN_REASON_RESULT_INVALID
							       : BOXED_RUN_REASON_NO_RESULT,
		       reason);
}

static enum boxed_run_outcome classify_status(const struct boxed_run_facts *f, int sig,
					      enum boxed_run_reason *reason, char *msg,
					      size_t msglen)
{
	int exit_code = WIFEXITED(f->status) ? WEXITSTATUS(f->status) : -1;
	int rss_near_limit =
	    f->memory_limit && (uint64_t)f->max_rss_kib * 1024 >= f->memory_limit / 2;

	if (f->python && f->result_state == BOXED_RUN_RESULT_EXCEPTION && f->result_memory)
		return classify_result(f, exit_code, reason, msg, msglen);
	/* RLIMIT_CPU sends SIGXCPU at the soft limit and SIGKILL at the hard
	 * one, a second later, to a process that caught the first. */
	if (sig == SIGXCPU ||
	    (sig == SIGKILL && f->cpu_limit && f->cpu_time >= (double)f->cpu_limit)) {
		snprintf(msg, msglen, "CPU time limit of %llu s reached (raise it with --cpu)",
			 (unsigned long long)f->cpu_limit);
		return verdict(BOXED_RUN_TIMEOUT, BOXED_RUN_REASON_CPU_LIMIT, reason);
	}
	/* RLIMIT_AS makes an allocation fail rather than kill: a program then
	 * aborts, segfaults or exits non-zero (the kernel's OOM killer would
	 * SIGKILL it). With half the limit resident at that point, the limit
	 * is the likely cause. */
	if ((sig == SIGKILL || sig == SIGSEGV || sig == SIGABRT || sig == SIGBUS ||
	     (exit_code > 0 && !f->python)) &&
	    rss_near_limit) {
		snprintf(msg, msglen,
			 "memory limit of %llu bytes reached (max RSS %ld KiB; raise it with "
			 "--memory)",
			 (unsigned long long)f->memory_limit, f->max_rss_kib);
		return verdict(BOXED_RUN_MEMORY, BOXED_RUN_REASON_MEMORY_LIMIT, reason);
	}
	if (sig) {
		snprintf(msg, msglen, "killed by signal %d (%s)%s", sig, strsignal(sig),
			 sig == SIGXFSZ ? ": file size limit reached (raise it with --fsize)" : "");
		return verdict(BOXED_RUN_SIGNAL,
			       sig == SIGXFSZ ? BOXED_RUN_REASON_FSIZE_LIMIT
					      : BOXED_RUN_REASON_SIGNAL,
			       reason);
	}
	if (f->python)
		return classify_result(f, exit_code, reason, msg, msglen);
	if (exit_code == 0)
		return verdict(BOXED_RUN_OK, BOXED_RUN_REASON_NONE, reason);
	if (f->fork_refused && f->nproc_limit == 1)
		snprintf(msg, msglen,
			 "exited with status %d, and its stderr says a fork or a new thread was "
			 "refused: the run is limited to one process, without threads (raise it "
			 "with --nproc)",
			 exit_code);
	else if (f->fork_refused)
		snprintf(msg, msglen,
			 "exited with status %d, and its stderr says a fork or a new thread was "
			 "refused: the run is limited to %llu processes and threads in all (raise "
			 "it with --nproc)",
			 exit_code, (unsigned long long)f->nproc_limit);
	else
		snprintf(msg, msglen, "exited with status %d", exit_code);
	return verdict(BOXED_RUN_ERROR, BOXED_RUN_REASON_EXIT_STATUS, reason);
}

enum boxed_run_outcome boxed_run_classify(const struct boxed_run_facts *f, int *exit_code, int *sig,
					  enum boxed_run_reason *reason, char *msg, size_t msglen)
{
	/* An answered run ended with its result; the interpreter was killed
	 * after it, which says nothing about the run. */
	int status_known = f->reaped && !f->answered;

	*exit_code = status_known && WIFEXITED(f->status) ? WEXITSTATUS(f->status) : -1;
	*sig = status_known && WIFSIGNALED(f->status) ? WTERMSIG(f->status) : 0;
	msg[0] = '\0';
	if (f->setup_failed) {
		snprintf(msg, msglen, "the sandbox could not be set up");
		return verdict(BOXED_RUN_SANDBOX_ERROR,
			       f->setup_reason ? f->setup_reason : BOXED_RUN_REASON_SETUP_FAILED,
			       reason);
	}
	if (f->interrupted) {
		snprintf(msg, msglen, "boxed-run was stopped by signal %d (%s); the run was killed",
			 f->interrupted, strsignal(f->interrupted));
		return verdict(BOXED_RUN_SANDBOX_ERROR, BOXED_RUN_REASON_INTERRUPTED, reason);
	}
	if (f->caller_gone) {
		snprintf(msg, msglen,
			 "the process that started boxed-run exited; the run was killed");
		return verdict(BOXED_RUN_SANDBOX_ERROR, BOXED_RUN_REASON_CALLER_GONE, reason);
	}
	if (f->exec_errno) {
		snprintf(msg, msglen, "cannot execute the program: %s", strerror(f->exec_errno));
		return verdict(BOXED_RUN_ERROR, BOXED_RUN_REASON_EXEC_FAILED, reason);
	}
	if (f->output_exceeded) {
		snprintf(msg, msglen,
			 "output passed its limit; the first bytes are kept (raise it with "
			 "--output)");
		return verdict(BOXED_RUN_OUTPUT_LIMIT, BOXED_RUN_REASON_OUTPUT_LIMIT, reason);
	}
	if (f->timed_out) {
		snprintf(msg, msglen, "wall-clock limit of %g s reached (raise it with --timeout)",
			 f->wall_limit);
		return verdict(BOXED_RUN_TIMEOUT, BOXED_RUN_REASON_WALL_LIMIT, reason);
	}
	if (f->memory_exceeded) {
		snprintf(msg, msglen,
			 "the run used %llu bytes in all, over its memory limit of %llu bytes "
			 "(raise it with --memory)",
			 (unsigned long long)f->run_memory, (unsigned long long)f->memory_limit);
		return verdict(BOXED_RUN_MEMORY, BOXED_RUN_REASON_MEMORY_LIMIT, reason);
	}
	if (f->answered)
		return classify_result(f, -1, reason, msg, msglen);
	if (f->init_lost) {
		snprintf(msg, msglen, "the run's init died before it reported the run's end");
		return verdict(BOXED_RUN_SANDBOX_ERROR, BOXED_RUN_REASON_INIT_LOST, reason);
	}
	if (!f->reaped) {
		snprintf(msg, msglen, "the target's exit status was lost");
		return verdict(BOXED_RUN_SANDBOX_ERROR, BOXED_RUN_REASON_INTERNAL, reason);
	}
	return classify_status(f, *sig, reason, msg, msglen);
}

int boxed_run_exit_status(enum boxed_run_outcome o, int exit_code, int sig, int exec_errno)
{
	switch (o) {
	case BOXED_RUN_OK:
		return 0;
	case BOXED_RUN_TIMEOUT:
		return BOXED_RUN_EXIT_TIMEOUT;
	case BOXED_RUN_MEMORY:
		return BOXED_RUN_EXIT_MEMORY;
	case BOXED_RUN_OUTPUT_LIMIT:
		return BOXED_RUN_EXIT_OUTPUT;
	case BOXED_RUN_SIGNAL:
		return BOXED_RUN_EXIT_SIGNAL_BASE + (sig > 0 && sig < 128 ? sig : 0);
	case BOXED_RUN_SANDBOX_ERROR:
		return BOXED_RUN_EXIT_SANDBOX;
	case BOXED_RUN_ERROR:
		if (exec_errno)
			return exec_errno == ENOENT ? BOXED_RUN_EXIT_NOTFOUND
						    : BOXED_RUN_EXIT_NOEXEC;
		return exit_code >= 0 ? exit_code : BOXED_RUN_EXIT_SANDBOX;
	}
	return BOXED_RUN_EXIT_SANDBOX;
}

static cJSON *limits_json(const struct boxed_run_report *r)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "timeout", r->limits.timeout);
	cJSON_AddNumberToObject(o, "cpu", (double)r->limits.cpu);
	cJSON_AddNumberToObject(o, "memory", (double)r->limits.memory);
	cJSON_AddNumberToObject(o, "nproc", (double)r->limits.nproc);
	cJSON_AddNumberToObject(o, "nofile", (double)r->limits.nofile);
	cJSON_AddNumberToObject(o, "fsize", (double)r->limits.fsize);
	cJSON_AddNumberToObject(o, "output", (double)r->limits.output);
	cJSON_AddNumberToObject(o, "disk", (double)r->limits.disk);
	cJSON_AddBoolToObject(o, "network", r->network);
	return o;
}

static cJSON *hardening_json(const struct boxed_run_hardening *h)
{
	static const struct {
		unsigned bit;
		const char *name;
	} ns[] = {{BOXED_RUN_NS_USER, "user"},
		  {BOXED_RUN_NS_PID, "pid"},
		  {BOXED_RUN_NS_IPC, "ipc"},
		  {BOXED_RUN_NS_MOUNT, "mount"},
		  {BOXED_RUN_NS_NET, "net"}};
	cJSON *o = cJSON_CreateObject(), *list;

	if (!o)
		return NULL;
	cJSON_AddBoolToObject(o, "no_new_privs", h->no_new_privs);
	cJSON_AddBoolToObject(o, "seccomp", h->seccomp);
	cJSON_AddNumberToObject(o, "landlock_abi", h->landlock_abi);
	cJSON_AddBoolToObject(o, "sealed", h->sealed);
	list = cJSON_AddArrayToObject(o, "namespaces");
	for (size_t i = 0; list && i < sizeof(ns) / sizeof(ns[0]); i++)
		if (h->namespaces & ns[i].bit)
			cJSON_AddItemToArray(list, cJSON_CreateString(ns[i].name));
	cJSON_AddBoolToObject(o, "memory_watchdog", h->memory_watchdog);
	list = cJSON_AddArrayToObject(o, "degraded");
	for (unsigned i = 0; list && i < h->ndegraded; i++) {
		cJSON *d = cJSON_CreateObject();

		cJSON_AddStringToObject(d, "layer", h->degraded[i].layer);
		cJSON_AddStringToObject(d, "reason", h->degraded[i].reason);
		cJSON_AddStringToObject(d, "message", h->degraded[i].message);
		cJSON_AddItemToArray(list, d);
	}
	return o;
}

static void add_nullable_int(cJSON *o, const char *key, int present, double v)
{
	if (present)
		cJSON_AddNumberToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

cJSON *boxed_run_report_json(const struct boxed_run_report *r)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "outcome", boxed_run_outcome_name(r->outcome));
	if (boxed_run_reason_name(r->reason))
		cJSON_AddStringToObject(o, "reason", boxed_run_reason_name(r->reason));
	else
		cJSON_AddNullToObject(o, "reason");
	add_nullable_int(o, "exit_code", r->exit_code >= 0, r->exit_code);
	add_nullable_int(o, "signal", r->signal > 0, r->signal);
	cJSON_AddNumberToObject(o, "wall_time", r->wall_time);
	cJSON_AddNumberToObject(o, "cpu_time", r->cpu_time);
	cJSON_AddNumberToObject(o, "max_rss_kib", (double)r->max_rss_kib);
	add_nullable_int(o, "run_memory", r->run_memory > 0, (double)r->run_memory);
	cJSON_AddNumberToObject(o, "supervisor_max_rss_kib", (double)r->supervisor_max_rss_kib);
	add_nullable_int(o, "slot_uid", r->have_slot, r->slot_uid);
	if (r->message[0]) {
		char *m = boxed_run_utf8_sanitize(r->message, strlen(r->message));

		cJSON_AddStringToObject(o, "message", m ? m : "");
		free(m);
	} else {
		cJSON_AddNullToObject(o, "message");
	}
	cJSON_AddItemToObject(o, "limits", limits_json(r));
	cJSON_AddItemToObject(o, "clamped",
			      r->clamped ? cJSON_Duplicate(r->clamped, 1) : cJSON_CreateObject());
	cJSON_AddItemToObject(o, "hardening", hardening_json(&r->hardening));
	cJSON_AddStringToObject(o, "version", boxed_version());
	return o;
}

static int add_capture(cJSON *o, const char *key, const char *tkey,
		       const struct boxed_run_capture *c)
{
	char *s = boxed_run_utf8_sanitize(c->buf ? c->buf : "", c->buf ? c->len : 0);

	if (!s)
		return -1;
	cJSON_AddStringToObject(o, key, s);
	free(s);
	cJSON_AddBoolToObject(o, tkey, c->truncated);
	return 0;
}

cJSON *boxed_run_response_json(cJSON *result, const struct boxed_run_capture *out,
			       const struct boxed_run_capture *err,
			       const struct boxed_run_report *r)
{
	cJSON *o = cJSON_CreateObject(), *rep;

	if (!o) {
		cJSON_Delete(result);
		return NULL;
	}
	cJSON_AddItemToObject(o, "result", result ? result : cJSON_CreateNull());
	if (add_capture(o, "stdout", "stdout_truncated", out) != 0 ||
	    add_capture(o, "stderr", "stderr_truncated", err) != 0) {
		cJSON_Delete(o);
		return NULL;
	}
	rep = boxed_run_report_json(r);
	if (!rep) {
		cJSON_Delete(o);
		return NULL;
	}
	cJSON_AddItemToObject(o, "report", rep);
	return o;
}

/* The length of the well-formed UTF-8 sequence at s (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xBF;

	if (c >= 0x01 && c <= 0x7F)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (left < n)
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

char *boxed_run_utf8_sanitize(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	char *out, *p;

	/* At most three output bytes (U+FFFD) per input byte. */
	if (len > (SIZE_MAX - 1) / 3)
		return NULL;
	out = malloc(len * 3 + 1);
	if (!out)
		return NULL;
	p = out;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(u + i, len - i);

		if (n == 0) {
			memcpy(p, "\xEF\xBF\xBD", 3);
			p += 3;
			i++;
			continue;
		}
		memcpy(p, u + i, n);
		p += n;
		i += n;
	}
	*p = '\0';
	return out;
}

char *boxed_run_frame_response(const cJSON *doc, size_t *len)
{
	char *body = cJSON_PrintUnformatted(doc), *framed;
	size_t body_len;
	int head;

	if (!body)
		return NULL;
	body_len = strlen(body);
	head = snprintf(NULL, 0, "boxed-response %zu\n", body_len);
	framed = head > 0 ? malloc((size_t)head + body_len + 1) : NULL;
	if (framed) {
		snprintf(framed, (size_t)head + 1, "boxed-response %zu\n", body_len);
		memcpy(framed + head, body, body_len + 1);
		*len = (size_t)head + body_len;
	}
	free(body);
	return framed;
}

void boxed_run_log_line(char *buf, size_t len, uid_t caller, const struct boxed_run_report *r,
			const char *target)
{
	char safe[160];
	size_t i = 0;

	/* The target comes from the caller: a newline in it would forge a
	 * second line in the audit trail. */
	for (; target && target[i] && i < sizeof(safe) - 4; i++) {
		unsigned char c = (unsigned char)target[i];

		safe[i] = (c < 0x20 || c == 0x7F) ? '?' : (char)c;
	}
	if (target && target[i])
		memcpy(safe + i, "...", 3), i += 3;
	safe[i] = '\0';
	const char *reason = boxed_run_reason_name(r->reason);

	if (r->have_slot)
		snprintf(buf, len,
			 "caller=%u slot_uid=%u target=%s outcome=%s reason=%s duration=%.3f",
			 (unsigned)caller, (unsigned)r->slot_uid, safe,
			 boxed_run_outcome_name(r->outcome), reason ? reason : "-", r->wall_time);
	else
		snprintf(buf, len,
			 "caller=%u slot_uid=none target=%s outcome=%s reason=%s duration=%.3f",
			 (unsigned)caller, safe, boxed_run_outcome_name(r->outcome),
			 reason ? reason : "-", r->wall_time);
}
