/* The outer side of host-userns: what sealing a run needs of this host
 * (unprivileged user namespaces: the sysctls, AppArmor, a real unshare(2)
 * as the caller), what a real run got, and what to change. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "layout.h"
#include "outer.h"

/* Is an AppArmor profile for the runner loaded? 1 yes, 0 no, -1 cannot
 * tell (no AppArmor, or its securityfs is not readable). */
static int apparmor_profile_loaded(void)
{
	FILE *f = fopen("/sys/kernel/security/apparmor/profiles", "re");
	char line[512];
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, BOXED_RUNNER_PATH " ") == line ||
			strncmp(line, "boxed-run ", 10) == 0;
	fclose(f);
	return found;
}

/* Can the caller (a throwaway user, when the selftest runs as root)
 * create a user namespace? 0 yes, else the errno of unshare(2). */
static int try_unshare(const char *unused)
{
	(void)unused;
	return unshare(CLONE_NEWUSER) == 0 ? 0 : errno;
}

static void sysctl_text(char *buf, size_t len, const char *name, long v)
{
	if (v < 0)
		boxed_selftest_append(buf, len, "%s%s absent", buf[0] ? ", " : "", name);
	else
		boxed_selftest_append(buf, len, "%s%s=%ld", buf[0] ? ", " : "", name, v);
}

/* The layers a run went without, from its report's hardening.degraded
 * (reason "unsealed"). Returns how many; names them in buf. */
static int unsealed_layers(const struct boxed_selftest_run *r, char *buf, size_t len, int *no_proc)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(r->doc, "report"), "hardening");
	const cJSON *d;
	int n = 0;

	*no_proc = 0;
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(h, "degraded"))
	{
		const char *layer = cJSON_GetStringValue(cJSON_GetObjectItem(d, "layer"));
		const char *why = cJSON_GetStringValue(cJSON_GetObjectItem(d, "reason"));

		if (!layer || !why || strcmp(why, "unsealed"))
			continue;
		boxed_selftest_append(buf, len, "%s%s", n++ ? ", " : "", layer);
		*no_proc |= !strcmp(layer, "proc");
	}
	return n;
}

/* What to change so that runs are sealed, from the facts. */
static void userns_fix(const struct boxed_selftest_ctx *c, long max, long clone, long aa,
		       int profile, int err, int no_proc, char *fix, size_t len)
{
	long threads = boxed_selftest_sysctl_num("/proc/sys/kernel/threads-max");

	if (c->have_config && !c->cfg.namespaces)
		snprintf(fix, len, "set \"namespaces\": true in %s", BOXED_CONFIG_PATH);
	else if (max == 0 || err == ENOSPC)
		boxed_selftest_sysctl_fix(fix, len, "user.max_user_namespaces",
					  threads > 0 ? threads / 2 : 15000L);
	else if (clone == 0)
		boxed_selftest_sysctl_fix(fix, len, "kernel.unprivileged_userns_clone", 1);
	else if (aa == 1 && profile != 1) {
		char sysctl[320];

		boxed_selftest_sysctl_fix(sysctl, sizeof(sysctl),
					  "kernel.apparmor_restrict_unprivileged_userns", 0);
		snprintf(fix, len,
			 "load the AppArmor profile that allows user namespaces to %s "
			 "(apparmor_parser -r /etc/apparmor.d/boxed-run), or %s",
			 BOXED_RUNNER_PATH, sysctl);
	} else if (no_proc)
		snprintf(fix, len,
			 "the host's /proc is partly covered (a container's masked paths): the "
			 "kernel lets a run mount its own /proc only where the host's is fully "
			 "visible; run boxed on the host or in a container without masked /proc");
	else
		snprintf(fix, len,
			 "a security policy refuses user namespaces to unprivileged processes "
			 "(unshare: %s; a container's seccomp profile, SELinux): allow them for %s",
			 err ? strerror(err) : "allowed", BOXED_RUNNER_PATH);
}

/* The seal needs unprivileged user namespaces: the runner's child, once it
 * is the slot uid, creates one for the run. Say whether this host allows
 * that (the sysctls, AppArmor, a real unshare(2) as the caller) and what
 * a real run under --no-network reports: pass when it is sealed, else the
 * layers runs go without and what to change. */
void boxed_selftest_host_userns(const struct boxed_selftest_ctx *c,
				struct boxed_selftest_result *res)
{
	static const char *const limits[] = {"--no-network", NULL};
	struct boxed_selftest_spawn_opts o = {.limits = limits};
	long max = boxed_selftest_sysctl_num("/proc/sys/user/max_user_namespaces");
	long clone = boxed_selftest_sysctl_num("/proc/sys/kernel/unprivileged_userns_clone");
	long aa =
	    boxed_selftest_sysctl_num("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	int profile = apparmor_profile_loaded(),
	    err = boxed_selftest_as_caller(c, try_unshare, NULL), no_proc;
	char facts[400] = "", layers[200] = "", fix[sizeof(res->fix)];
	struct boxed_selftest_run r;

	sysctl_text(facts, sizeof(facts), "user.max_user_namespaces", max);
	sysctl_text(facts, sizeof(facts), "kernel.unprivileged_userns_clone", clone);
	sysctl_text(facts, sizeof(facts), "kernel.apparmor_restrict_unprivileged_userns", aa);
	if (aa == 1)
		boxed_selftest_append(facts, sizeof(facts), ", the boxed-run AppArmor profile %s",
				      profile == 1   ? "loaded"
				      : profile == 0 ? "NOT loaded"
						     : "unknown");
	boxed_selftest_append(
	    facts, sizeof(facts), "; an unprivileged process %s a user namespace%s%s",
	    err ? "cannot create" : "can create", err ? ": " : "", err ? strerror(err) : "");
	boxed_selftest_run_probe(c, &o, "marker", NULL, &r);
	unsealed_layers(&r, layers, sizeof(layers), &no_proc);
	userns_fix(c, max, clone, aa, profile, err, no_proc, fix, sizeof(fix));
	if (r.reason && !strcmp(r.reason, "unsealed"))
		boxed_selftest_set(res, BOXED_ST_FAIL, fix,
				   "every run is refused: the config has require_sealed and this "
				   "host cannot seal a run (%s); %s",
				   r.message ? r.message : "unsealed", facts);
	else if (!r.outcome || strcmp(r.outcome, "ok") != 0)
		boxed_selftest_set(res, BOXED_ST_DUBIOUS, NULL,
				   "could not tell: a real run ended as %s (%s): %s; %s",
				   r.outcome ? r.outcome : "nothing",
				   r.reason ? r.reason : "no reason", r.message ? r.message : "?",
				   facts);
	else if (r.sealed == 1 && !layers[0])
		boxed_selftest_set(
		    res, BOXED_ST_PASS, NULL,
		    "runs are sealed: a real run under --no-network had its own user, "
		    "PID, IPC, mount and network namespaces; %s; the run's target "
		    "cannot create one of its own (seccomp)",
		    facts);
	else
		boxed_selftest_set(res, BOXED_ST_WARN, fix,
				   "runs are not sealed: a real run went without %s (%s); %s",
				   layers[0] ? layers : "its namespaces",
				   r.sealed == 1 ? "sealed, in part" : "unsealed", facts);
	boxed_selftest_run_free(&r);
}
