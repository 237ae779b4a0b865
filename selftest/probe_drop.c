/* The inner side of the probes of the runner's privilege drop: the ids,
 * groups, capabilities, no_new_privs and seccomp that /proc/self/status
 * shows, and the attempts to get back what was dropped. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "inner.h"

/* The first line of /proc/self/status starting with key, value part. */
static int status_field(const char *key, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[512];
	size_t kl = strlen(key);
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			char *v = line + kl + 1;

			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(out, len, "%s", v);
			found = 0;
			break;
		}
	fclose(f);
	return found;
}

/* argv: the caller's uid. The real, effective, saved and filesystem uids
 * and gids are one id, neither root nor the caller. */
int boxed_selftest_probe_identity(int argc, char **argv)
{
	unsigned long caller = boxed_selftest_arg_num(argc, argv, 0);
	char u[128], g[128], d[300];
	unsigned long ids[8];
	int same = 1;

	if (status_field("Uid", u, sizeof(u)) || status_field("Gid", g, sizeof(g)) ||
	    sscanf(u, "%lu %lu %lu %lu", &ids[0], &ids[1], &ids[2], &ids[3]) != 4 ||
	    sscanf(g, "%lu %lu %lu %lu", &ids[4], &ids[5], &ids[6], &ids[7]) != 4) {
		printf("cannot read /proc/self/status\n");
		return 1;
	}
	for (int i = 1; i < 8; i++)
		same &= ids[i] == ids[0];
	snprintf(d, sizeof(d), "Uid: %s; Gid: %s (caller %lu)", u, g, caller);
	boxed_selftest_verdict("identity", same && ids[0] != 0 && ids[0] != caller, d);
	return 0;
}

/* Each of keys in /proc/self/status is want (NULL: all zeros). */
static int status_is(const char *name, const char *const *keys, const char *want)
{
	char v[256], d[400] = "";
	int ok = 1;

	for (; *keys; keys++) {
		if (status_field(*keys, v, sizeof(v))) {
			snprintf(v, sizeof(v), "absent");
			ok = 0;
		} else if (want ? strcmp(v, want) != 0 : strspn(v, "0") != strlen(v)) {
			ok = 0;
		}
		boxed_selftest_append(d, sizeof(d), "%s%s: '%s'", d[0] ? "; " : "", *keys, v);
	}
	boxed_selftest_verdict(name, ok, d);
	return 0;
}

int boxed_selftest_probe_groups(int argc, char **argv)
{
	static const char *const k[] = {"Groups", NULL};

	(void)argc, (void)argv;
	return status_is("groups", k, "");
}

int boxed_selftest_probe_caps(int argc, char **argv)
{
	static const char *const k[] = {"CapInh", "CapPrm", "CapEff", "CapAmb", NULL};

	(void)argc, (void)argv;
	return status_is("capabilities", k, NULL);
}

int boxed_selftest_probe_nnp(int argc, char **argv)
{
	static const char *const k[] = {"NoNewPrivs", NULL};

	(void)argc, (void)argv;
	return status_is("no-new-privs", k, "1");
}

int boxed_selftest_probe_seccomp(int argc, char **argv)
{
	static const char *const k[] = {"Seccomp", NULL};

	(void)argc, (void)argv;
	return status_is("seccomp", k, "2");
}

/* Run path with argument -u, return what it printed as a number, or -1. */
static long run_for_uid(const char *path)
{
	const char *argv[] = {path, "-u", NULL};
	int st;
	char *out = boxed_selftest_capture(argv, &st);
	long uid = -1;

	if (out && out[0] && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		uid = strtol(out, NULL, 10);
	free(out);
	return uid;
}

/* Each must be the kernel's refusal: EPERM, or EINVAL in a sealed run,
 * whose user namespace maps neither root's ids nor the caller's. Any other
 * answer (success, or a filter returning something else) is not. */
static int refused(int err)
{
	return err == EPERM || err == EINVAL;
}

static const char *refusal_text(int err)
{
	return err ? strerror(err) : "SUCCEEDED";
}

/* argv: the caller's uid and gid, and a setuid-root copy of id(1) ("":
 * none). */
int boxed_selftest_probe_reescalate(int argc, char **argv)
{
	uid_t caller = (uid_t)boxed_selftest_arg_num(argc, argv, 0);
	gid_t caller_gid = (gid_t)boxed_selftest_arg_num(argc, argv, 1);
	const char *suid = boxed_selftest_arg_str(argc, argv, 2);
	char d[400];
	int ok, e0, e1, e2, e3;
	long euid = -2;

	e0 = setuid(0) ? errno : 0;
	e1 = setuid(caller) ? errno : 0;
	e2 = setgid(0) ? errno : 0;
	e3 = setgid(caller_gid) ? errno : 0;
	if (getuid() == caller && geteuid() == caller)
		e1 = 0; /* already the caller: nothing was refused */
	ok = refused(e0) && refused(e1) && refused(e2) && refused(e3);
	if (suid[0]) {
		/* Unknown (-1: the copy did not run) proves nothing either. */
		euid = run_for_uid(suid);
		if (euid != (long)geteuid())
			ok = 0;
	}
	snprintf(d, sizeof(d),
		 "setuid(0): %s; setuid(%u): %s; setgid(0): %s; setgid(%u): %s; "
		 "setuid-root exec: euid %ld",
		 refusal_text(e0), (unsigned)caller, refusal_text(e1), refusal_text(e2),
		 (unsigned)caller_gid, refusal_text(e3), euid);
	boxed_selftest_verdict("re-escalation", ok, d);
	return 0;
}
