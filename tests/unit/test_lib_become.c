/* lib/become.c, the one privilege drop, against the kernel: as root (make
 * check runs as root), a forked child becomes an unused uid and reads its
 * own /proc/self/status; as anyone, a drop that the kernel refuses names
 * its step, and the /proc status parsers read this kernel's format. */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "become.h"
#include "check_main.h"

/* Far above any uid or gid a system hands out. */
#define NOBODY_UID 1879999001u
#define NOBODY_GID 1879999002u
#define EXTRA_GID 1879999003u

/* The value of "key" in /proc/self/status, whitespace squeezed. */
static void status_line(const char *key, char *out, size_t len)
{
	char line[512];
	FILE *f = fopen("/proc/self/status", "re");

	out[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		size_t k = strlen(key);

		if (strncmp(line, key, k) == 0 && line[k] == ':') {
			size_t n = 0;

			for (char *p = line + k + 1; *p && *p != '\n' && n + 1 < len; p++)
				if (*p != ' ' && *p != '\t')
					out[n++] = *p;
				else if (n && out[n - 1] != ' ')
					out[n++] = ' ';
			out[n] = '\0';
		}
	}
	if (f)
		fclose(f);
}

/* Run fn in a child; its exit status 0 is the pass, anything else carries
 * a message on the pipe. */
static void in_child(int (*fn)(char *msg, size_t len))
{
	char msg[512] = "";
	int p[2], status;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int rc;

		close(p[0]);
		rc = fn(msg, sizeof(msg));
		if (write(p[1], msg, strlen(msg)) < 0)
			_exit(3);
		_exit(rc);
	}
	close(p[1]);
	if (read(p[0], msg, sizeof(msg) - 1) < 0)
		msg[0] = '\0';
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", msg);
}

static int drop_and_look(char *msg, size_t len)
{
	const gid_t keep[] = {EXTRA_GID};
	struct boxed_identity who = {
	    .uid = NOBODY_UID, .gid = NOBODY_GID, .groups = keep, .ngroups = 1};
	char err[256], uid[128], gid[128], groups[128], caps[5][64];
	const char *const cap_keys[] = {"CapInh", "CapPrm", "CapEff", "CapAmb", NULL};

	if (boxed_become(&who, err, sizeof(err)) != 0)
		return snprintf(msg, len, "boxed_become: %s", err), 1;
	status_line("Uid", uid, sizeof(uid));
	status_line("Gid", gid, sizeof(gid));
	status_line("Groups", groups, sizeof(groups));
	if (strcmp(uid, "1879999001 1879999001 1879999001 1879999001") != 0 ||
	    strcmp(gid, "1879999002 1879999002 1879999002 1879999002") != 0 ||
	    (strcmp(groups, "1879999003 ") != 0 && strcmp(groups, "1879999003") != 0))
		return snprintf(msg, len, "Uid %s, Gid %s, Groups %s", uid, gid, groups), 1;
	for (int i = 0; cap_keys[i]; i++) {
		status_line(cap_keys[i], caps[i], sizeof(caps[i]));
		if (strcmp(caps[i], "0000000000000000") != 0)
			return snprintf(msg, len, "%s is %s", cap_keys[i], caps[i]), 1;
	}
	/* And the kernel refuses the way back. */
	if (setuid(0) == 0 || errno != EPERM || setgid(0) == 0 || errno != EPERM)
		return snprintf(msg, len, "setuid(0) or setgid(0) did not fail with EPERM"), 1;
	return 0;
}

START_TEST(root_becomes_a_user_for_good)
{
	if (geteuid() != 0)
		return; /* the next test covers the refusal as a user */
	in_child(drop_and_look);
}
END_TEST

/* Root keeps capabilities across setresuid() with SECBIT_NO_SETUID_FIXUP:
 * only the explicit clearing and its read-back catch that. */
static int drop_with_fixup_off(char *msg, size_t len)
{
	struct boxed_identity who = {.uid = NOBODY_UID, .gid = NOBODY_GID};
	char err[256], eff[64];

	if (prctl(PR_SET_SECUREBITS, 1 << 2 /* SECBIT_NO_SETUID_FIXUP */, 0, 0, 0) != 0)
		return snprintf(msg, len, "PR_SET_SECUREBITS: %s", strerror(errno)), 1;
	if (boxed_become(&who, err, sizeof(err)) != 0)
		return snprintf(msg, len, "boxed_become: %s", err), 1;
	status_line("CapEff", eff, sizeof(eff));
	if (strcmp(eff, "0000000000000000") != 0)
		return snprintf(msg, len, "CapEff %s after the drop", eff), 1;
	return 0;
}

START_TEST(no_setuid_fixup_leaves_nothing)
{
	if (geteuid() != 0)
		return;
	in_child(drop_with_fixup_off);
}
END_TEST

/* Without privilege the first step that needs it fails, and says so. */
static int refused_drop(char *msg, size_t len)
{
	struct boxed_identity who = {.uid = NOBODY_UID, .gid = NOBODY_GID};
	char err[256];

	if (geteuid() == 0) {
		/* Give up root first, as a caller without privilege would. */
		struct boxed_identity user = {.uid = NOBODY_UID + 10, .gid = NOBODY_GID + 10};

		if (boxed_become(&user, err, sizeof(err)) != 0)
			return snprintf(msg, len, "becoming a user first: %s", err), 1;
	}
	if (boxed_become(&who, err, sizeof(err)) == 0)
		return snprintf(msg, len, "a user became another user"), 1;
	if (!strstr(err, "setgroups(") || !strstr(err, "Operation not permitted"))
		return snprintf(msg, len, "the error does not name its step: %s", err), 1;
	return 0;
}

START_TEST(a_refused_drop_names_its_step)
{
	in_child(refused_drop);
}
END_TEST

START_TEST(status_parsers)
{
	uint64_t v = 0;

	ck_assert_int_eq(boxed_status_hex("Name:\tx\nSigIgn:\t0000000001001000\n", "SigIgn", &v),
			 0);
	ck_assert_uint_eq(v, 0x1001000);
	ck_assert_int_eq(boxed_status_hex("Name:\tx\nSigIgn:\tzz\n", "SigIgn", &v), -1);
	ck_assert_int_eq(boxed_status_hex("Name:\tx\n", "CapAmb", &v), -1);
	/* The live file of this process has both. */
	ck_assert_int_eq(boxed_self_status_mask("CapBnd", &v), 0);
	errno = 0;
	ck_assert_int_eq(boxed_self_status_mask("NoSuchKey", &v), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

static Suite *become_suite(void)
{
	Suite *s = suite_create("lib_become");
	TCase *tc = tcase_create("become");

	tcase_add_test(tc, root_becomes_a_user_for_good);
	tcase_add_test(tc, no_setuid_fixup_leaves_nothing);
	tcase_add_test(tc, a_refused_drop_names_its_step);
	tcase_add_test(tc, status_parsers);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(become_suite)
