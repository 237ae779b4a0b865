/* The outer side of the isolation probes of the runner's drop and reach:
 * each runs its inner side in a real run, as the caller, with something
 * planted that the run must not inherit, and judges the verdict. */
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "outer.h"

/* How long the concurrent run to aim at may take to show up. */
#define SLEEPER_WAIT 2.0

/* Run the inner side of probe, with a variable and an fd planted, and
 * judge its verdict. fork: room for one child (the setuid-root exec). */
static void isolation_run(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
			  const char *probe, const char *const *args, const char *fix, int fork,
			  struct boxed_selftest_run *r)
{
	static const char *const nproc2[] = {"--nproc", "2", NULL};
	struct boxed_selftest_spawn_opts opts = {.plant = 1, .limits = fork ? nproc2 : NULL};

	boxed_selftest_run_probe(c, &opts, probe, args, r);
	boxed_selftest_judge_run(c, res, r, fix);
}

static void isolation(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
		      const char *probe, const char *const *args, const char *fix)
{
	struct boxed_selftest_run r;

	isolation_run(c, res, probe, args, fix, 0, &r);
	boxed_selftest_run_free(&r);
}

void boxed_selftest_p_identity(const struct boxed_selftest_ctx *c,
			       struct boxed_selftest_result *res)
{
	char caller[24];
	const char *args[] = {caller, NULL};
	struct boxed_selftest_run r;

	snprintf(caller, sizeof(caller), "%lu", (unsigned long)c->caller);
	isolation_run(c, res, "identity", args, BOXED_SELFTEST_FIX_DROP, 0, &r);
	/* Not root, not the caller, and the slot's: an id outside the range
	 * may belong to an account. */
	if (!c->control && res->status == BOXED_ST_PASS && c->have_config &&
	    !boxed_config_slot_contains(&c->cfg, (unsigned long)r.slot_uid))
		boxed_selftest_set(res, BOXED_ST_FAIL, BOXED_SELFTEST_FIX_DROP,
				   "slot uid %ld is outside the range", r.slot_uid);
	boxed_selftest_run_free(&r);
}

void boxed_selftest_p_groups(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	isolation(c, r, "groups", NULL, BOXED_SELFTEST_FIX_DROP);
}

void boxed_selftest_p_caps(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	if (c->control && !c->root) {
		boxed_selftest_set(
		    r, BOXED_ST_SKIP, NULL,
		    "a non-root caller has no capabilities to detect; run --control as root");
		return;
	}
	isolation(c, r, "capabilities", NULL, BOXED_SELFTEST_FIX_DROP);
}

void boxed_selftest_p_nnp(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	isolation(c, r, "no-new-privs", NULL, BOXED_SELFTEST_FIX_DROP);
}

void boxed_selftest_p_seccomp(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	isolation(c, r, "seccomp", NULL,
		  "the kernel must have CONFIG_SECCOMP_FILTER; reinstall boxed-run");
}

void boxed_selftest_p_reescalate(const struct boxed_selftest_ctx *c,
				 struct boxed_selftest_result *res)
{
	char uid[24], gid[24];
	const char *args[] = {uid, gid, c->suid, NULL};
	struct boxed_selftest_run r;

	snprintf(uid, sizeof(uid), "%lu", (unsigned long)c->caller);
	snprintf(gid, sizeof(gid), "%lu", (unsigned long)c->caller_gid);
	isolation_run(c, res, "re-escalation", args, BOXED_SELFTEST_FIX_DROP, 1, &r);
	boxed_selftest_run_free(&r);
	if (!c->suid[0] && res->status == BOXED_ST_PASS)
		boxed_selftest_append(
		    res->message, sizeof(res->message),
		    " (setuid-root exec not tested: needs root to plant the binary)");
}

void boxed_selftest_p_files(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	const char *args[] = {c->secret600, c->secret640, NULL};

	isolation(c, r, "caller-files", args,
		  "the sandbox must run as a uid outside every group of the caller: check "
		  "that the slot range holds no account (boxed-setup audit)");
}

void boxed_selftest_p_write(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	const char *args[] = {c->open_dir, "/var/tmp", NULL, NULL};
	struct passwd *pw = getpwuid(c->caller);

	if (pw && pw->pw_dir && access(pw->pw_dir, F_OK) == 0 && strcmp(pw->pw_dir, "/"))
		args[2] = pw->pw_dir;
	isolation(c, r, "home-and-tmp", args,
		  "Landlock must be enabled: boot with lsm=...,landlock and check the "
		  "report's hardening.degraded");
}

/* The target of a run, named boxed-selftest, of a slot uid (not its
 * runner, nor the run's init, which hold the token too). */
static int sleeper_target(const struct boxed_selftest_proc *p, const void *arg)
{
	const struct boxed_selftest_ctx *c = arg;

	return strcmp(p->name, "boxed-selftest") == 0 && c->have_config &&
	       boxed_config_slot_contains(&c->cfg, (unsigned long)p->ruid);
}

/* The pid, as the host numbers it, of the sleeper started as pid with
 * token (a run's target, or in control mode the probe itself). 0 when it
 * does not show up within SLEEPER_WAIT. */
static pid_t find_sleeper(const struct boxed_selftest_ctx *c, pid_t pid, const char *token)
{
	struct boxed_selftest_proc target;

	if (c->control)
		return pid;
	if (!boxed_selftest_await_proc(token, sleeper_target, c, pid, SLEEPER_WAIT, &target))
		return 0;
	return target.pid;
}

/* A concurrent run to aim at, and a process of the caller's (its runner):
 * both must be out of reach. */
void boxed_selftest_p_procs(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	static const char *const sleeper_limits[] = {"--timeout", "8", NULL};
	struct boxed_selftest_spawn_opts so = {.limits = sleeper_limits, .direct = c->control};
	char token[64], runner[24], target[24];
	const char *sleeper_args[] = {token, NULL}, *args[] = {runner, target, NULL};
	int fd, efd;
	pid_t pid, found;
	struct boxed_selftest_run s;

	boxed_selftest_token(c, token, sizeof(token), "sleeper");
	pid = boxed_selftest_spawn(c, &so, "sleeper", sleeper_args, &fd, &efd);
	found = find_sleeper(c, pid, token);
	if (!found) {
		boxed_selftest_set(r, BOXED_ST_DUBIOUS, NULL,
				   "the concurrent run to test against did not start");
	} else {
		snprintf(runner, sizeof(runner), "%ld", (long)pid);
		snprintf(target, sizeof(target), "%ld", (long)found);
		isolation(c, r, "signals-ptrace-proc", args,
			  "each run needs its own PID namespace (unprivileged user namespaces) or, "
			  "unsealed, its own uid and Landlock ABI 6 scoping");
	}
	kill(pid, c->control ? SIGKILL : SIGTERM);
	boxed_selftest_finish_run(c, &so, pid, fd, efd, &s);
	boxed_selftest_run_free(&s);
}

void boxed_selftest_p_fds(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	isolation(c, r, "fds", NULL, "boxed-run must close every fd but the protocol's");
}

void boxed_selftest_p_env(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	isolation(c, r, "environment", NULL,
		  "boxed-run must build the environment from its allow-list");
}

void boxed_selftest_p_tty(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	isolation(c, r, "tty", NULL,
		  "boxed-run must call setsid() before exec; set dev.tty.legacy_tiocsti=0");
}
