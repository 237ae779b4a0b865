/* The outer side of the limits: a load that a limit of the runner must
 * end or contain, judged by the runner's outcome and by what is left of
 * the run on the host afterwards. */
#include <stdio.h>
#include <string.h>

#include "outer.h"

/* A limit: the runner's outcome is what is judged. */
static void limit_run(const struct boxed_selftest_ctx *c, const char *const *limits,
		      const char *probe, const char *const *args, struct boxed_selftest_run *r)
{
	struct boxed_selftest_spawn_opts o = {.limits = limits};

	boxed_selftest_run_probe(c, &o, probe, args, r);
}

#define FIX_LIMIT "check the limits in the configuration and the runner's log"

static int no_report(struct boxed_selftest_result *res, const struct boxed_selftest_run *r)
{
	if (r->outcome)
		return 0;
	boxed_selftest_set(res, BOXED_ST_FAIL, BOXED_SELFTEST_FIX_DROP, "no report: %s",
			   r->message ? r->message : "?");
	return 1;
}

void boxed_selftest_p_timeout(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res)
{
	static const char *const l[] = {"--timeout", "0.3", NULL};
	struct boxed_selftest_run r;

	limit_run(c, l, "spin", NULL, &r);
	if (no_report(res, &r))
		;
	else if (strcmp(r.outcome, "timeout") || r.wall < 0.3 || r.wall > 0.4)
		boxed_selftest_set(
		    res, BOXED_ST_FAIL, FIX_LIMIT,
		    "--timeout 0.3: outcome %s after %.3f s (want timeout in 0.3-0.4 s)", r.outcome,
		    r.wall);
	else
		boxed_selftest_set(res, BOXED_ST_PASS, NULL,
				   "--timeout 0.3: outcome timeout after %.3f s", r.wall);
	boxed_selftest_run_free(&r);
}

void boxed_selftest_p_memory(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res)
{
	static const char *const l[] = {"--memory", "64M", NULL};
	struct boxed_selftest_run r;

	limit_run(c, l, "hog", NULL, &r);
	if (no_report(res, &r))
		;
	else if (strcmp(r.outcome, "memory"))
		boxed_selftest_set(res, BOXED_ST_FAIL, FIX_LIMIT,
				   "--memory 64M: a memory hog ended as %s (want memory)",
				   r.outcome);
	else
		boxed_selftest_set(res, BOXED_ST_PASS, NULL,
				   "--memory 64M: a memory hog ended as memory");
	boxed_selftest_run_free(&r);
}

void boxed_selftest_p_nproc(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res)
{
	static const char *const l[] = {"--nproc", "4", NULL};
	struct boxed_selftest_run r;

	limit_run(c, l, "fork-bomb", NULL, &r);
	boxed_selftest_judge_run(c, res, &r, FIX_LIMIT);
	if (res->status == BOXED_ST_PASS && r.slot_uid >= 0 &&
	    boxed_selftest_count_procs(r.slot_uid, "fork-bomb"))
		boxed_selftest_set(res, BOXED_ST_FAIL, FIX_LIMIT,
				   "fork-bomb processes of uid %ld survived the run", r.slot_uid);
	boxed_selftest_run_free(&r);
}

void boxed_selftest_p_output(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res)
{
	static const char *const l[] = {"--output", "4096", NULL};
	struct boxed_selftest_run r;
	size_t kept;

	limit_run(c, l, "flood", NULL, &r);
	/* Kept means the first bytes, intact: the flood is all 'x'. */
	kept = r.target_stdout ? strspn(r.target_stdout, "x") : 0;
	if (r.target_stdout && r.target_stdout[kept] != '\0')
		kept = 0;
	if (no_report(res, &r))
		;
	else if (strcmp(r.outcome, "output-limit") || kept != 4096)
		boxed_selftest_set(
		    res, BOXED_ST_FAIL, FIX_LIMIT,
		    "--output 4096: outcome %s, %zu bytes kept (want output-limit, 4096)",
		    r.outcome, kept);
	else
		boxed_selftest_set(res, BOXED_ST_PASS, NULL,
				   "--output 4096: outcome output-limit, first 4096 bytes kept");
	boxed_selftest_run_free(&r);
}

void boxed_selftest_p_fsize(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res)
{
	static const char *const l[] = {"--fsize", "65536", NULL};
	static const char *const a[] = {"65536", NULL};
	struct boxed_selftest_run r;

	limit_run(c, l, "fsize", a, &r);
	boxed_selftest_judge_run(c, res, &r, FIX_LIMIT);
	boxed_selftest_run_free(&r);
}

void boxed_selftest_p_leftover(const struct boxed_selftest_ctx *c,
			       struct boxed_selftest_result *res)
{
	static const char *const l[] = {"--nproc", "4", NULL};
	struct boxed_selftest_run r;
	int left;

	limit_run(c, l, "daemon", NULL, &r);
	if (no_report(res, &r))
		;
	else if (strcmp(r.outcome, "ok") || r.slot_uid < 0)
		boxed_selftest_set(res, BOXED_ST_DUBIOUS, FIX_LIMIT,
				   "the daemon probe ended as %s: nothing to check", r.outcome);
	else if ((left = boxed_selftest_count_procs(r.slot_uid, "daemon")) != 0)
		boxed_selftest_set(res, BOXED_ST_FAIL,
				   "boxed-run must kill every process of the slot uid at the end",
				   "%d double-forked daemon(s) of slot uid %ld survived the run",
				   left, r.slot_uid);
	else
		boxed_selftest_set(res, BOXED_ST_PASS, NULL,
				   "a double-forked daemon of slot uid %ld is gone after the run",
				   r.slot_uid);
	boxed_selftest_run_free(&r);
}

void boxed_selftest_p_failclosed(const struct boxed_selftest_ctx *c,
				 struct boxed_selftest_result *res)
{
	struct boxed_selftest_spawn_opts o = {.no_new_privs = 1};
	struct boxed_selftest_run r;

	/* Under no_new_privs the kernel grants no file capabilities: the
	 * runner must notice and refuse, not run the target half-dropped. */
	boxed_selftest_run_probe(c, &o, "marker", NULL, &r);
	if (r.out && strstr(r.out, "executed"))
		boxed_selftest_set(
		    res, BOXED_ST_FAIL, BOXED_SELFTEST_FIX_DROP,
		    "under no_new_privs (no file capabilities) the target was executed");
	else if (!r.outcome || strcmp(r.outcome, "sandbox-error"))
		boxed_selftest_set(res, BOXED_ST_FAIL, BOXED_SELFTEST_FIX_DROP,
				   "under no_new_privs: outcome %s (want sandbox-error)",
				   r.outcome ? r.outcome : "none");
	else
		boxed_selftest_set(res, BOXED_ST_PASS, NULL,
				   "under no_new_privs: sandbox-error, target not executed (%s)",
				   r.message ? r.message : "");
	boxed_selftest_run_free(&r);
}
