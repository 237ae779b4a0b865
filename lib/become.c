/* The one privilege drop (become.h): one function per step, in order, each
 * checked; then the read-back and the attempts to regain. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "become.h"
#include "die.h"

/* More supplementary groups than any identity boxed becomes keeps. */
#define GROUPS_MAX 64

struct from {
	uid_t uid;
	gid_t gid;
};

static int set_groups(const struct boxed_identity *who, char *err, size_t errlen)
{
	if (setgroups(who->ngroups, who->ngroups ? who->groups : NULL) != 0)
		return boxed_errf(err, errlen, "setgroups(%zu groups): %s", who->ngroups,
				  strerror(errno));
	return 0;
}

static int set_gid(gid_t g, char *err, size_t errlen)
{
	if (setresgid(g, g, g) != 0)
		return boxed_errf(err, errlen, "setresgid(%u, %u, %u): %s", (unsigned)g,
				  (unsigned)g, (unsigned)g, strerror(errno));
	return 0;
}

static int set_uid(uid_t u, char *err, size_t errlen)
{
	if (setresuid(u, u, u) != 0)
		return boxed_errf(err, errlen, "setresuid(%u, %u, %u): %s", (unsigned)u,
				  (unsigned)u, (unsigned)u, strerror(errno));
	return 0;
}

/* Only a transition away from uid 0 makes the kernel clear capabilities,
 * and SECBIT_NO_SETUID_FIXUP turns even that off: clear every set
 * explicitly. The ambient set in one call (libcap's cap_reset_ambient()
 * asks about each capability in turn). */
static int clear_caps(char *err, size_t errlen)
{
	cap_t none = cap_init();
	int rc = 0;

	if (!none)
		return boxed_errf(err, errlen, "cap_init: %s", strerror(errno));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
		rc =
		    boxed_errf(err, errlen, "prctl(PR_CAP_AMBIENT_CLEAR_ALL): %s", strerror(errno));
	else if (cap_set_proc(none) != 0)
		rc = boxed_errf(err, errlen, "cap_set_proc(empty): %s", strerror(errno));
	cap_free(none);
	return rc;
}

static int same_groups(const struct boxed_identity *who, const gid_t *have, int n)
{
	if (n < 0 || (size_t)n != who->ngroups)
		return 0;
	for (size_t i = 0; i < who->ngroups; i++) {
		int found = 0;

		for (int j = 0; j < n && !found; j++)
			found = have[j] == who->groups[i];
		if (!found)
			return 0;
	}
	return 1;
}

/* The kernel's answer is the truth, not our intent. */
static int check_ids(const struct boxed_identity *who, char *err, size_t errlen)
{
	uid_t ru, eu, su, u = who->uid;
	gid_t rg, eg, sg, g = who->gid, have[GROUPS_MAX];

	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
		return boxed_errf(err, errlen, "getresuid/getresgid: %s", strerror(errno));
	if (ru != u || eu != u || su != u)
		return boxed_errf(err, errlen, "uids are %u/%u/%u, not %u", (unsigned)ru,
				  (unsigned)eu, (unsigned)su, (unsigned)u);
	if (rg != g || eg != g || sg != g)
		return boxed_errf(err, errlen, "gids are %u/%u/%u, not %u", (unsigned)rg,
				  (unsigned)eg, (unsigned)sg, (unsigned)g);
	/* setfsuid() reports the previous value and never fails visibly. */
	if ((uid_t)setfsuid((uid_t)-1) != u || (gid_t)setfsgid((gid_t)-1) != g)
		return boxed_errf(err, errlen, "the filesystem uid or gid is not %u/%u",
				  (unsigned)u, (unsigned)g);
	if (!same_groups(who, have, getgroups(GROUPS_MAX, have)))
		return boxed_errf(err, errlen, "the supplementary groups are not the %zu asked for",
				  who->ngroups);
	return 0;
}

static int check_caps(char *err, size_t errlen)
{
	cap_t have = cap_get_proc(), none = cap_init();
	uint64_t ambient;
	int rc = 0;

	if (!have || !none)
		rc = boxed_errf(err, errlen, "cap_get_proc: %s", strerror(errno));
	else if (cap_compare(have, none) != 0)
		rc = boxed_errf(err, errlen, "capabilities remain after clearing them");
	else if (boxed_self_status_mask("CapAmb", &ambient) != 0)
		rc = boxed_errf(err, errlen, "reading CapAmb in /proc/self/status: %s",
				strerror(errno));
	else if (ambient != 0)
		rc = boxed_errf(err, errlen, "ambient capabilities %#llx remain",
				(unsigned long long)ambient);
	cap_free(have);
	cap_free(none);
	return rc;
}

/* OpenSSH's permanently_set_uid(): prove the drop by trying to undo it. */
static int try_regain(const struct boxed_identity *who, const struct from *before, char *err,
		      size_t errlen)
{
	gid_t zero = 0;

	if (setuid(0) == 0)
		return boxed_errf(err, errlen, "was able to regain uid 0");
	if (before->uid != who->uid && setuid(before->uid) == 0)
		return boxed_errf(err, errlen, "was able to regain uid %u", (unsigned)before->uid);
	if (setgid(0) == 0)
		return boxed_errf(err, errlen, "was able to regain gid 0");
	if (before->gid != who->gid && setgid(before->gid) == 0)
		return boxed_errf(err, errlen, "was able to regain gid %u", (unsigned)before->gid);
	if (setgroups(1, &zero) == 0)
		return boxed_errf(err, errlen, "was able to set supplementary groups");
	return 0;
}

int boxed_become(const struct boxed_identity *who, char *err, size_t errlen)
{
	struct from before = {.uid = getuid(), .gid = getgid()};

	if (who->ngroups > GROUPS_MAX)
		return boxed_errf(err, errlen, "%zu supplementary groups: at most %d", who->ngroups,
				  GROUPS_MAX);
	if (set_groups(who, err, errlen) != 0 || set_gid(who->gid, err, errlen) != 0 ||
	    set_uid(who->uid, err, errlen) != 0 || clear_caps(err, errlen) != 0 ||
	    check_ids(who, err, errlen) != 0 || check_caps(err, errlen) != 0 ||
	    try_regain(who, &before, err, errlen) != 0)
		return -1;
	return 0;
}

int boxed_kill_own_processes(void)
{
	/* ESRCH: nothing else of the uid exists. */
	if (kill(-1, SIGKILL) != 0 && errno != ESRCH)
		return -1;
	return 0;
}

int boxed_status_hex(const char *text, const char *name, uint64_t *out)
{
	size_t n = strlen(name);
	const char *p = text;
	char *end;

	while (p && *p) {
		if (strncmp(p, name, n) == 0 && p[n] == ':') {
			*out = strtoull(p + n + 1, &end, 16);
			return end == p + n + 1 ? -1 : 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

int boxed_self_status_mask(const char *name, uint64_t *out)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (boxed_status_hex(buf, name, out) != 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
