/* The outer side of the probes of the installation and the host: the
 * configuration, the runner's mount, the findings of boxed-setup audit,
 * and the kernel features and sysctls the sandbox leans on (warnings: a
 * host fact never fails the run). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "inner.h"
#include "landlock.h"
#include "layout.h"
#include "outer.h"

void boxed_selftest_p_config(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	if (c->have_config)
		boxed_selftest_set(r, BOXED_ST_PASS, NULL, "%s is trusted and valid",
				   BOXED_CONFIG_PATH);
	else
		boxed_selftest_set(r, BOXED_ST_FAIL,
				   "make it root-owned and not writable by group or others "
				   "(chown root:root, chmod 0644), or run boxed-setup install",
				   "%s", c->config_err);
}

void boxed_selftest_p_mount(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	struct statvfs sv;

	(void)c;
	if (statvfs(BOXED_RUNNER_PATH, &sv) != 0)
		boxed_selftest_set(r, BOXED_ST_FAIL, "run boxed-setup install", "statvfs %s: %s",
				   BOXED_RUNNER_PATH, strerror(errno));
	else if (sv.f_flag & ST_NOSUID)
		boxed_selftest_set(
		    r, BOXED_ST_FAIL,
		    "remount without nosuid, or install boxed on another filesystem",
		    "%s is on a nosuid mount: the kernel ignores its file capabilities",
		    BOXED_RUNNER_PATH);
	else
		boxed_selftest_set(r, BOXED_ST_PASS, NULL,
				   "%s's filesystem honours file capabilities", BOXED_RUNNER_PATH);
}

/* One finding of the audit as a result: its severity as the status, its
 * message (which carries its own fix, where it has one) as the message. */
static void audit_finding(const cJSON *it, struct boxed_selftest_result *r)
{
	const char *sev = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "severity"));
	const char *chk = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "check"));
	const char *sub = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "subject"));
	const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "message"));
	enum boxed_selftest_status status = BOXED_ST_PASS;
	const char *fix;

	sev = sev ? sev : "?";
	text = text ? text : "";
	fix = strstr(text, "; fix: ");
	if (!strcmp(sev, "warning"))
		status = BOXED_ST_WARN;
	else if (!strcmp(sev, "unchecked"))
		/* What only root may look at, for a caller who is not: the
		 * audit as root covers it. */
		status = BOXED_ST_SKIP;
	else if (strcmp(sev, "ok") && strcmp(sev, "info"))
		status = BOXED_ST_FAIL;
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "audit:%s", chk ? chk : "?");
	boxed_selftest_set(r, status,
			   status == BOXED_ST_PASS ? NULL
			   : fix		   ? fix + 7
						   : "see boxed-setup audit",
			   "%s: %s: %.*s", sev, sub ? sub : "",
			   fix ? (int)(fix - text) : (int)strlen(text), text);
}

size_t boxed_selftest_p_audit(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
			      size_t room)
{
	const char *argv[] = {BOXED_SETUP_PATH, "audit", "--json", NULL};
	int st = 0;
	boxed_autofree char *out = boxed_selftest_capture(argv, &st);
	cJSON *doc = out ? cJSON_Parse(out) : NULL;
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, "findings"), *it;
	size_t n = 0;

	(void)c;
	snprintf(res[0].name, sizeof(res[0].name), "audit");
	if (!cJSON_IsArray(items)) {
		boxed_selftest_set(&res[0], getuid() ? BOXED_ST_DUBIOUS : BOXED_ST_FAIL,
				   "run boxed-selftest as root to include the audit",
				   "%s audit --json gave no findings (status %d)", BOXED_SETUP_PATH,
				   out && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		cJSON_Delete(doc);
		return 1;
	}
	cJSON_ArrayForEach(it, items)
	{
		if (n == room)
			break;
		audit_finding(it, &res[n++]);
	}
	cJSON_Delete(doc);
	return n;
}

long boxed_selftest_sysctl_num(const char *path)
{
	char buf[64];

	if (boxed_read_text(AT_FDCWD, path, buf, sizeof(buf)) <= 0)
		return -1;
	return strtol(buf, NULL, 10);
}

void boxed_selftest_host_landlock(const struct boxed_selftest_ctx *c,
				  struct boxed_selftest_result *r)
{
	long abi = boxed_landlock_abi();

	(void)c;
	if (abi < 1)
		boxed_selftest_set(
		    r, BOXED_ST_WARN,
		    "boot with Landlock enabled: add landlock to the kernel's lsm= list (for "
		    "example in GRUB_CMDLINE_LINUX of /etc/default/grub, then update-grub) and "
		    "reboot",
		    "Landlock unavailable (%s): the sandbox can write wherever its uid may",
		    strerror(errno));
	else if (abi < 6)
		boxed_selftest_set(r, BOXED_ST_WARN, "upgrade to Linux 6.12 or later",
				   "Landlock ABI %ld: signals and abstract sockets are not scoped",
				   abi);
	else
		boxed_selftest_set(r, BOXED_ST_PASS, NULL, "Landlock ABI %ld", abi);
}

void boxed_selftest_host_seccomp(const struct boxed_selftest_ctx *c,
				 struct boxed_selftest_result *r)
{
	(void)c;
	if (access("/proc/sys/kernel/seccomp/actions_avail", R_OK) != 0)
		boxed_selftest_set(r, BOXED_ST_WARN, "use a kernel with CONFIG_SECCOMP_FILTER",
				   "seccomp filters unavailable");
	else
		boxed_selftest_set(r, BOXED_ST_PASS, NULL, "seccomp filters available");
}

static void host_one(struct boxed_selftest_result *r, const char *path, const char *key, long want,
		     const char *why)
{
	long v = boxed_selftest_sysctl_num(path);
	char fix[320];

	boxed_selftest_sysctl_fix(fix, sizeof(fix), key, want);
	if (v < 0)
		boxed_selftest_set(r, BOXED_ST_WARN, NULL, "%s is absent on this kernel: %s", key,
				   why);
	else if (v < want)
		boxed_selftest_set(r, BOXED_ST_WARN, fix, "%s=%ld: %s", key, v, why);
	else
		boxed_selftest_set(r, BOXED_ST_PASS, NULL, "%s=%ld", key, v);
}

void boxed_selftest_host_tiocsti(const struct boxed_selftest_ctx *c,
				 struct boxed_selftest_result *r)
{
	long v = boxed_selftest_sysctl_num("/proc/sys/dev/tty/legacy_tiocsti");

	(void)c;
	if (v == 1) {
		char fix[320];

		boxed_selftest_sysctl_fix(fix, sizeof(fix), "dev.tty.legacy_tiocsti", 0);
		boxed_selftest_set(r, BOXED_ST_WARN, fix,
				   "dev.tty.legacy_tiocsti=1: a process with a terminal fd can "
				   "inject input into it");
	} else
		boxed_selftest_set(r, BOXED_ST_PASS, NULL, "dev.tty.legacy_tiocsti=%ld%s", v,
				   v < 0 ? " (absent: TIOCSTI predates the switch)" : "");
}

void boxed_selftest_host_ptrace(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *r)
{
	(void)c;
	host_one(r, "/proc/sys/kernel/yama/ptrace_scope", "kernel.yama.ptrace_scope", 1,
		 "without Yama, ptrace is limited only by uid and the runner's seccomp filter");
}

void boxed_selftest_host_symlinks(const struct boxed_selftest_ctx *c,
				  struct boxed_selftest_result *r)
{
	(void)c;
	host_one(r, "/proc/sys/fs/protected_symlinks", "fs.protected_symlinks", 1,
		 "symlinks in sticky directories such as /tmp can redirect other users");
}

void boxed_selftest_host_hardlinks(const struct boxed_selftest_ctx *c,
				   struct boxed_selftest_result *r)
{
	(void)c;
	host_one(r, "/proc/sys/fs/protected_hardlinks", "fs.protected_hardlinks", 1,
		 "a sandbox can hard-link files it cannot write, e.g. setuid binaries");
}

void boxed_selftest_host_regular(const struct boxed_selftest_ctx *c,
				 struct boxed_selftest_result *r)
{
	(void)c;
	host_one(r, "/proc/sys/fs/protected_regular", "fs.protected_regular", 2,
		 "O_CREAT on another user's file in a sticky directory is allowed");
}
