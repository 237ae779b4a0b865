/* deny-userns PROGRAM [ARGS...]: run PROGRAM where new user namespaces are
 * refused, as a container's seccomp profile refuses them. Run as root (it
 * loads the filter with CAP_SYS_ADMIN, not no_new_privs, so that a file-
 * capability program it leads to still gets its capabilities). For the
 * tests of boxed-run's unsealed fallback. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc;

	if (argc < 2 || !ctx) {
		fprintf(stderr, "usage: deny-userns PROGRAM [ARGS...]\n");
		return 2;
	}
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (!rc)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
	if (!rc)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
	if (!rc)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (!rc)
		rc = seccomp_load(ctx);
	if (rc) {
		fprintf(stderr, "deny-userns: %s\n", strerror(-rc));
		return 1;
	}
	seccomp_release(ctx);
	execvp(argv[1], argv + 1);
	fprintf(stderr, "deny-userns: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
