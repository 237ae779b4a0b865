/* The outer side of the memory-run-wide probe: a run's memory is bounded as a whole. Three
 * processes that each stay under --memory but together pass it end as memory; memfd, whose pages no
 * process needs to map, is refused (ENOSYS); SysV segments that are created, touched and detached,
 * mapped by no process at all, end as memory too in a sealed run (unsealed, SysV IPC is refused).
 * Small sizes, so that control mode does not hurt the host. */
#include <string.h>
#include <sys/shm.h>

#include "seal.h"

#define FIX_MEMORY                                                                                 \
	"the run's init must bound the run's memory as a whole (hardening.memory_watchdog): "      \
	"reinstall boxed-run; " FIX_SEAL

/* A segment of /proc/sysvipc/shm ("key shmid perms size cpid ...")
 * created by the process *arg: removed. */
static void remove_if_created_by(const long *v, int n, void *arg)
{
	if (n >= 5 && v[4] == (long)*(const pid_t *)arg)
		shmctl((int)v[1], IPC_RMID, NULL);
}

/* A hog that the run's memory bound must end: in the sandbox, outcome
 * memory with reason memory-limit; a run that was not ended says how much
 * it held. Unsealed, a hog that is refused outright (isolated: true) holds
 * nothing either. */
static void hog(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
		const char *probe, const char *const *args, const char *const *limits,
		unsigned long want_mib)
{
	struct boxed_selftest_spawn_opts o = {.limits = limits, .direct = c->control};
	struct boxed_selftest_run r;
	const cJSON *held = NULL;
	int fd, efd, ended;
	pid_t pid = boxed_selftest_spawn(c, &o, probe, args, &fd, &efd);

	boxed_selftest_finish_run(c, &o, pid, fd, efd, &r);
	/* In control mode the SysV hog ran on the host: should it have died
	 * before it removed its segments, remove those it created. */
	if (c->control)
		boxed_selftest_sysvipc_each("shm", remove_if_created_by, &pid);
	if (r.verdict)
		held = cJSON_GetObjectItemCaseSensitive(r.verdict, "held_mib");
	ended = r.reason && !strcmp(r.reason, "memory-limit");
	if (!c->control && r.outcome && !strcmp(r.outcome, "memory"))
		boxed_selftest_set(res, ended ? BOXED_ST_PASS : BOXED_ST_FAIL,
				   ended ? NULL : FIX_MEMORY, "ended as memory (%s) at %s",
				   r.reason ? r.reason : "no reason", limits[1]);
	else if (cJSON_IsNumber(held) && held->valuedouble < (double)want_mib)
		boxed_selftest_set(
		    res, BOXED_ST_DUBIOUS, FIX_MEMORY,
		    "could not tell: the hog could not get its memory: %s",
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r.verdict, "detail")));
	else
		boxed_selftest_judge_run(c, res, &r, FIX_MEMORY);
	boxed_selftest_run_free(&r);
}

void boxed_selftest_seal_memory(const struct boxed_selftest_ctx *c,
				struct boxed_selftest_result *res)
{
	static const char *const label[] = {
	    "3 processes of 40 MiB under --memory 64M", "memfd",
	    "5 detached SysV segments of 16 MiB under --memory 64M"};
	static const char *const procs_limits[] = {"--memory", "64M", "--nproc", "4", NULL};
	static const char *const shm_limits[] = {"--memory", "64M", NULL};
	static const char *const procs_args[] = {"3", "40", NULL};
	static const char *const shm_args[] = {"5", "16", NULL};
	struct boxed_selftest_spawn_opts o = {0};
	struct boxed_selftest_result part[3];
	struct boxed_selftest_run r;

	memset(part, 0, sizeof(part));
	hog(c, &part[0], "mem-procs", procs_args, procs_limits, 120);
	boxed_selftest_run_probe(c, &o, "memfd", NULL, &r);
	boxed_selftest_judge_run(
	    c, &part[1], &r, "boxed-run's seccomp filter must refuse memfd_create: reinstall it");
	boxed_selftest_run_free(&r);
	hog(c, &part[2], "shm-hog", shm_args, shm_limits, 80);
	boxed_selftest_merge(res, part, label, 3);
}
