/* Runs of the outer side: starting `boxed-run ... -- boxed-selftest
 * --probe NAME` as the caller (or, in control mode, the probe alone),
 * collecting what it printed, and parsing the runner's report and the
 * probe's verdict line. Runs in a probe process: a fatal error leaves
 * through boxed_die_child*(). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "inner.h"
#include "layout.h"
#include "outer.h"

void boxed_selftest_run_free(struct boxed_selftest_run *r)
{
	free(r->out);
	free(r->err);
	cJSON_Delete(r->doc);
	cJSON_Delete(r->verdict);
	memset(r, 0, sizeof(*r));
}

/* Plant what the sandbox must not inherit: variables that would steer an
 * interpreter, and an open fd without close-on-exec. LD_PRELOAD is not
 * among them: it would steer the runner itself (the kernel's secure-exec
 * mode drops it for a binary with file capabilities anyway). */
static void plant(void)
{
	int fd;

	if (setenv("BOXED_SELFTEST_SECRET", "1", 1) || setenv("PYTHONPATH", "/nonexistent", 1))
		boxed_die_child_errno("setenv");
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 7) != 7)
		boxed_die_child_errno("open /dev/null as fd 7");
	if (fd != 7)
		close(fd);
}

/* With via_caller, the forked process stays as the runner's caller: it
 * forks the runner and waits for it, holding none of its pipes, so that a
 * probe can kill the caller alone. Returns in the runner's process. */
static void become_parent_of_runner(void)
{
	pid_t pid = fork();
	int null;

	if (pid < 0)
		boxed_die_child_errno("fork");
	if (pid == 0)
		return;
	null = open("/dev/null", O_WRONLY);
	if (null < 0 || dup2(null, 1) != 1 || dup2(null, 2) != 2)
		_exit(127);
	_exit(boxed_selftest_wait(pid, NULL) == 0 ? 0 : 127);
}

/* In the child, between fork and exec: its output to the pipes, then the
 * caller's identity and whatever o asks for. */
__attribute__((noreturn)) static void exec_run(const struct boxed_selftest_ctx *c,
					       const struct boxed_selftest_spawn_opts *o,
					       const char *const *argv, int out, int err)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char why[256];

	if (null < 0 || dup2(null, 0) != 0 || dup2(out, 1) != 1 || dup2(err, 2) != 2)
		boxed_die_child_errno("redirect");
	if (o->plant)
		plant();
	/* Unsandboxed, root stands for a caller in the runner's group, so
	 * that the groups probe has a membership to detect. */
	if (o->direct && c->control && c->root && setgroups(1, &c->group) != 0)
		boxed_die_child_errno("setgroups");
	/* A partial drop would make the probe test root instead of a caller. */
	if (boxed_selftest_become_caller(c, why, sizeof(why)) != 0)
		boxed_die_child("becoming the caller: %s", why);
	if (o->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		boxed_die_child_errno("prctl(PR_SET_NO_NEW_PRIVS)");
	if (o->via_caller)
		become_parent_of_runner();
	execv(argv[0], (char *const *)argv);
	boxed_die_child_errno("execv %s", argv[0]);
}

pid_t boxed_selftest_spawn(const struct boxed_selftest_ctx *c,
			   const struct boxed_selftest_spawn_opts *o, const char *probe,
			   const char *const *args, int *outfd, int *errfd)
{
	const char *argv[64];
	int n = 0, p[2], e[2];
	pid_t pid;

	if (!o->direct) {
		argv[n++] = BOXED_RUNNER_PATH;
		for (const char *const *l = o->limits; l && *l; l++)
			argv[n++] = *l;
		argv[n++] = "--wait=10";
		argv[n++] = "--json";
		argv[n++] = "--";
	}
	argv[n++] = BOXED_SELFTEST_PATH;
	argv[n++] = "--probe";
	argv[n++] = probe;
	for (; args && *args && n < 62; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	if (pipe2(p, O_CLOEXEC) || pipe2(e, O_CLOEXEC))
		boxed_die_child_errno("pipe2");
	pid = fork();
	if (pid < 0)
		boxed_die_child_errno("fork");
	if (pid == 0)
		exec_run(c, o, argv, p[1], e[1]);
	close(p[1]);
	close(e[1]);
	*outfd = p[0];
	*errfd = e[0];
	return pid;
}

static char *read_output(int fd)
{
	char *text = boxed_selftest_read_output(fd);

	if (!text)
		boxed_die_child("out of memory");
	return text;
}

/* The verdict is the last line of the probe's stdout that parses. */
static cJSON *parse_verdict(const char *text)
{
	const char *nl, *line = text;
	cJSON *v = NULL;

	while (line && *line) {
		cJSON *x;

		nl = strchr(line, '\n');
		x = cJSON_ParseWithLength(line, nl ? (size_t)(nl - line) : strlen(line));
		if (x && cJSON_IsObject(x)) {
			cJSON_Delete(v);
			v = x;
		} else {
			cJSON_Delete(x);
		}
		line = nl ? nl + 1 : NULL;
	}
	return v;
}

static const char *report_string(const cJSON *report, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(report, name));
}

static double report_number(const cJSON *report, const char *name)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(report, name);

	return cJSON_IsNumber(x) ? x->valuedouble : -1;
}

/* The runner's --json object: {"report": {...}, "stdout": ...}. */
static void parse_report(struct boxed_selftest_run *r)
{
	const cJSON *rep, *sealed;

	r->doc = cJSON_Parse(r->out);
	rep = cJSON_GetObjectItemCaseSensitive(r->doc, "report");
	r->outcome = report_string(rep, "outcome");
	r->reason = report_string(rep, "reason");
	r->message = report_string(rep, "message");
	sealed = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(rep, "hardening"), "sealed");
	r->sealed = cJSON_IsBool(sealed) ? cJSON_IsTrue(sealed) : -1;
	r->wall = report_number(rep, "wall_time");
	r->slot_uid = (long)report_number(rep, "slot_uid");
	r->target_stdout = report_string(r->doc, "stdout");
	if (!r->outcome)
		r->message = r->err[0] ? r->err : "the runner printed no JSON report";
}

void boxed_selftest_finish_run(const struct boxed_selftest_ctx *c,
			       const struct boxed_selftest_spawn_opts *o, pid_t pid, int fd,
			       int efd, struct boxed_selftest_run *r)
{
	memset(r, 0, sizeof(*r));
	/* stdout first, then stderr: in --json mode the runner captures the
	 * target's stderr, so its own stderr is a few lines at most. */
	r->out = read_output(fd);
	r->err = read_output(efd);
	r->err[strcspn(r->err, "\n")] = '\0';
	if (boxed_selftest_wait(pid, &r->status) != 0)
		boxed_die_child_errno("waitpid");
	r->slot_uid = -1;
	r->sealed = -1;
	if (o->direct || c->control)
		r->target_stdout = r->out;
	else
		parse_report(r);
	if (r->target_stdout)
		r->verdict = parse_verdict(r->target_stdout);
}

void boxed_selftest_run_probe(const struct boxed_selftest_ctx *c,
			      const struct boxed_selftest_spawn_opts *o, const char *probe,
			      const char *const *args, struct boxed_selftest_run *r)
{
	int fd, efd;
	struct boxed_selftest_spawn_opts d = *o;
	pid_t pid;

	d.direct = o->direct || c->control;
	pid = boxed_selftest_spawn(c, &d, probe, args, &fd, &efd);
	boxed_selftest_finish_run(c, &d, pid, fd, efd, r);
}

void boxed_selftest_judge_run(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
			      const struct boxed_selftest_run *r, const char *fix)
{
	boxed_selftest_classify(res, c->control, c->control ? NULL : r->outcome, r->message,
				r->verdict, fix);
}
