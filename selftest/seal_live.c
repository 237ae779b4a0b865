/* The seal's probes' common part (seal.h): judging what the outer side
 * saw itself, and runs it watches while they live, found on the host by
 * a token on their command line. */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "die.h"
#include "seal.h"

/* A run is set up in milliseconds; the runner itself gives up on a setup
 * after 10 s. */
#define READY_WAIT 12.0

void boxed_selftest_judge(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
			  int isolated, const char *fix, const char *fmt, ...)
{
	char detail[sizeof(res->message)];
	cJSON *v;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	v = boxed_selftest_verdict_new("", isolated, detail);
	boxed_selftest_classify(res, c->control, c->control ? NULL : "ok", NULL, v, fix);
	cJSON_Delete(v);
}

int boxed_selftest_run_broken(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
			      const struct boxed_selftest_run *r, const char *what, const char *fix)
{
	if (!c->control && !r->outcome) {
		boxed_selftest_set(res, BOXED_ST_FAIL, fix, "%s: the runner gave no report: %s",
				   what, r->message ? r->message : "?");
		return 1;
	}
	if (!c->control && strcmp(r->outcome, "ok") != 0) {
		boxed_selftest_set(res, BOXED_ST_FAIL, fix,
				   "%s did not run to completion: outcome %s (%s)%s%s", what,
				   r->outcome, r->reason ? r->reason : "no reason",
				   r->message ? ": " : "", r->message ? r->message : "");
		return 1;
	}
	if (!r->verdict) {
		boxed_selftest_set(res, BOXED_ST_DUBIOUS, fix,
				   "%s gave no verdict line: isolation unknown", what);
		return 1;
	}
	return 0;
}

static int severity(enum boxed_selftest_status s)
{
	return s == BOXED_ST_FAIL ? 3 : s == BOXED_ST_DUBIOUS ? 2 : s == BOXED_ST_PASS ? 1 : 0;
}

void boxed_selftest_merge(struct boxed_selftest_result *res,
			  const struct boxed_selftest_result *part, const char *const *label,
			  size_t n)
{
	size_t worst = 0;

	for (size_t i = 1; i < n; i++)
		if (severity(part[i].status) > severity(part[worst].status))
			worst = i;
	res->status = part[worst].status;
	snprintf(res->fix, sizeof(res->fix), "%s",
		 boxed_selftest_status_fails(res->status) ? part[worst].fix : "");
	res->message[0] = '\0';
	for (size_t i = 0; i < n; i++)
		boxed_selftest_append(res->message, sizeof(res->message), "%s%s: %s", i ? "; " : "",
				      label[i], part[i].message);
}

int boxed_selftest_verdict_errno(const struct boxed_selftest_run *r, const char *what)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(r->verdict, "errno");
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(e, what);

	return cJSON_IsNumber(x) ? x->valueint : -1;
}

int boxed_selftest_verdict_true(const struct boxed_selftest_run *r, const char *what)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->verdict, what));
}

const char *boxed_selftest_errno_text(int e)
{
	return e == 0 ? "yes" : e < 0 ? "unknown" : strerror(e);
}

const char *boxed_selftest_sealed_text(const struct boxed_selftest_ctx *c,
				       const struct boxed_selftest_run *r)
{
	if (c->control)
		return "unsandboxed";
	return r->sealed == 1 ? "sealed run" : r->sealed == 0 ? "unsealed run" : "run";
}

static int is_ready(const struct boxed_selftest_proc *p, const void *unused)
{
	(void)unused;
	return strcmp(p->name, "st-ready") == 0;
}

void boxed_selftest_live_init(const struct boxed_selftest_ctx *c, struct boxed_selftest_live *l,
			      const char *what, const char *const *limits)
{
	memset(l, 0, sizeof(*l));
	l->opts.limits = limits;
	boxed_selftest_token(c, l->token, sizeof(l->token), what);
	snprintf(l->release, sizeof(l->release), "%s/release-%s", c->dir, l->token);
}

void boxed_selftest_live_start(const struct boxed_selftest_ctx *c, struct boxed_selftest_live *l,
			       const char *probe, const char *const *args)
{
	struct boxed_selftest_proc ready;

	l->opts.direct = c->control;
	l->pid = boxed_selftest_spawn(c, &l->opts, probe, args, &l->fd, &l->efd);
	l->ready = 0;
	if (boxed_selftest_await_proc(l->token, is_ready, NULL, l->pid, READY_WAIT, &ready)) {
		l->ready = ready.pid;
		l->uid = ready.ruid;
	}
}

void boxed_selftest_live_finish(const struct boxed_selftest_ctx *c, struct boxed_selftest_live *l,
				struct boxed_selftest_run *r)
{
	int fd = open(l->release, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		boxed_die_child_errno("creating %s", l->release);
	close(fd);
	if (!l->ready)
		kill(l->pid, SIGTERM); /* a run that never got ready: end it */
	boxed_selftest_finish_run(c, &l->opts, l->pid, l->fd, l->efd, r);
	unlink(l->release);
}

void boxed_selftest_not_ready(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
			      const struct boxed_selftest_run *r, const char *fix)
{
	if (!boxed_selftest_run_broken(c, res, r, "the run", fix))
		boxed_selftest_set(res, BOXED_ST_DUBIOUS, fix,
				   "could not tell: the run ended without getting ready");
}
