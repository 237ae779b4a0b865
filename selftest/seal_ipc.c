/* The outer side of the ipc probe: a run's
 * SysV and POSIX IPC objects are its own. The run creates each kind with
 * mode 0666 under a known key and name; neither the host nor another run
 * may see or open them, while it lives or after. Also the host's SysV
 * listing, which the memory probe reads too. */
#include <errno.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inner.h"
#include "seal.h"

#define FIX_IPC                                                                                    \
	"SysV IPC and POSIX message queues need the run's own IPC namespace (see host-userns), "   \
	"or, unsealed, the seccomp filter that refuses them: reinstall boxed-run"

key_t boxed_selftest_ipc_key(pid_t pid)
{
	return (key_t)(0x62780000 | (pid & 0xffff));
}

void boxed_selftest_sysvipc_each(const char *kind, void (*fn)(const long *v, int n, void *arg),
				 void *arg)
{
	char path[64], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sysvipc/%s", kind);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		long v[8];
		int n = sscanf(line, "%ld %ld %ld %ld %ld %ld %ld %ld", &v[0], &v[1], &v[2], &v[3],
			       &v[4], &v[5], &v[6], &v[7]);

		if (n > 0)
			fn(v, n, arg);
	}
	fclose(f);
}

struct listed {
	key_t key;
	long uid;
	int kind; /* 0 shm, 1 msg, 2 sem */
	char *seen;
	size_t len;
	int n;
};

static const char *const sysv_files[] = {"shm", "msg", "sem"};

static void note_listed(const long *v, int got, void *arg)
{
	struct listed *w = arg;
	/* The owner is the 8th field of shm and msg lines, the 5th of sem. */
	long owner = w->kind == 2 ? v[4] : v[7];

	if (got < (w->kind == 2 ? 5 : 8))
		return;
	if ((key_t)v[0] != w->key && !(w->uid >= 0 && owner == w->uid))
		return;
	boxed_selftest_append(w->seen, w->len, "%s%s (uid %ld)",
			      w->n ? " " : "; listed in /proc/sysvipc: ", sysv_files[w->kind],
			      owner);
	w->n++;
}

/* SysV objects on the host whose key is key or, for uid >= 0, whose owner
 * is uid (/proc/sysvipc lists every object of the host's IPC namespace,
 * whatever its mode). Appends them to seen; returns how many. */
static int sysvipc_listed(key_t key, long uid, char *seen, size_t len)
{
	struct listed w = {.key = key, .uid = uid, .seen = seen, .len = len};

	for (w.kind = 0; w.kind < 3; w.kind++)
		boxed_selftest_sysvipc_each(sysv_files[w.kind], note_listed, &w);
	return w.n;
}

/* The kinds that opening by key and name reached (err: 0 or the errno;
 * only ENOENT, and for another run EPERM, mean not reached). Appends
 * them to seen after what; returns how many. */
static int reached(const int *err, int eperm_too, const char *what, char *seen, size_t len)
{
	int n = 0;

	for (int i = 0; i < BOXED_SELFTEST_IPC_KINDS; i++) {
		if (err[i] == ENOENT || (eperm_too && err[i] == EPERM))
			continue;
		boxed_selftest_append(seen, len, "%s %s", n ? "," : what,
				      boxed_selftest_ipc_kinds[i]);
		if (err[i])
			boxed_selftest_append(seen, len, " (%s)",
					      err[i] < 0 ? "no answer" : strerror(err[i]));
		n++;
	}
	return n;
}

/* What the host sees of the run's IPC objects: each opened by key or name
 * (anything but ENOENT means it exists), the SysV listing, and the mqueue
 * file system where it is mounted. Returns how many sightings. */
static int host_sees_ipc(key_t key, const char *name, long uid, const char *when, char *seen,
			 size_t len)
{
	int err[BOXED_SELFTEST_IPC_KINDS], n;
	char path[128], what[64];
	struct stat st;

	boxed_selftest_ipc_open(key, name, err);
	snprintf(what, sizeof(what), "; %s, the host opened", when);
	n = reached(err, 0, what, seen, len);
	n += sysvipc_listed(key, uid, seen, len);
	snprintf(path, sizeof(path), "/dev/mqueue%s", name);
	if (stat("/dev/mqueue", &st) == 0 && stat(path, &st) == 0) {
		boxed_selftest_append(seen, len, "; %s exists", path);
		n++;
	}
	return n;
}

/* Remove what a probe made, wherever it shows: in control mode the inner
 * side made it on the host itself; a leaking sandbox would leave it too. */
void boxed_selftest_ipc_remove(key_t key, const char *name)
{
	int id;

	if ((id = shmget(key, 0, 0)) >= 0)
		shmctl(id, IPC_RMID, NULL);
	if ((id = msgget(key, 0)) >= 0)
		msgctl(id, IPC_RMID, NULL);
	if ((id = semget(key, 0, 0)) >= 0)
		semctl(id, 0, IPC_RMID);
	mq_unlink(name);
	shm_unlink(name);
}

/* What the probe watches: the objects' key and name, and what was seen. */
struct ipc_watch {
	key_t key;
	char key_s[32], name[80];
	char seen[1500];
	int sightings, other_during, other_after;
};

/* Another run opens the objects by key and name. Returns how many it
 * reached (-1: it could not tell); describes them in w->seen. */
static int other_run_opens(const struct boxed_selftest_ctx *c, struct ipc_watch *w,
			   const char *when)
{
	const char *args[] = {w->key_s, w->name, NULL};
	struct boxed_selftest_spawn_opts o = {0};
	int err[BOXED_SELFTEST_IPC_KINDS], n;
	struct boxed_selftest_run r;
	char what[64];

	boxed_selftest_run_probe(c, &o, "ipc-open", args, &r);
	if ((!c->control && (!r.outcome || strcmp(r.outcome, "ok"))) || !r.verdict) {
		boxed_selftest_append(w->seen, sizeof(w->seen), "; another run %s: no answer (%s)",
				      when,
				      r.outcome	  ? r.outcome
				      : r.message ? r.message
						  : "no report");
		boxed_selftest_run_free(&r);
		return -1;
	}
	/* ENOENT: not there; EPERM: an unsealed run's seccomp refuses the
	 * call before it looks. */
	for (int i = 0; i < BOXED_SELFTEST_IPC_KINDS; i++)
		err[i] = boxed_selftest_verdict_errno(&r, boxed_selftest_ipc_kinds[i]);
	snprintf(what, sizeof(what), "; another run %s opened", when);
	n = reached(err, 1, what, w->seen, sizeof(w->seen));
	boxed_selftest_run_free(&r);
	return n;
}

/* Look from the host and from another run; *other is what that run saw. */
static void look(const struct boxed_selftest_ctx *c, struct ipc_watch *w,
		 const struct boxed_selftest_live *l, const char *when, int *other)
{
	w->sightings += host_sees_ipc(w->key, w->name, c->control ? -1 : l->uid, when, w->seen,
				      sizeof(w->seen));
	*other = other_run_opens(c, w, when);
}

/* Judge the run that made the objects, and what was seen of them. */
static void judge_ipc(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
		      const struct boxed_selftest_run *r, const struct ipc_watch *w)
{
	char made[200] = "", refused[300] = "", failed[300] = "";
	int seen = w->sightings + w->other_during + w->other_after;

	for (int i = 0; i < BOXED_SELFTEST_IPC_KINDS; i++) {
		const char *kind = boxed_selftest_ipc_kinds[i];
		int e = boxed_selftest_verdict_errno(r, kind);

		/* Refused: an unsealed run's seccomp (EPERM) or Landlock, which
		 * keeps it out of the host's /dev/shm (EACCES). */
		if (e == 0)
			boxed_selftest_append(made, sizeof(made), " %s", kind);
		else if (e == EPERM || e == EACCES)
			boxed_selftest_append(refused, sizeof(refused), " %s (%s)", kind,
					      strerror(e));
		else
			boxed_selftest_append(failed, sizeof(failed), " %s (%s)", kind,
					      boxed_selftest_errno_text(e));
	}
	if (failed[0] || w->other_during < 0 || w->other_after < 0)
		boxed_selftest_set(res, BOXED_ST_DUBIOUS, FIX_IPC,
				   "could not tell: the run failed to make%s%s",
				   failed[0] ? failed : " nothing", w->seen);
	else if (!boxed_selftest_verdict_true(r, "kept"))
		boxed_selftest_set(res, BOXED_ST_DUBIOUS, FIX_IPC,
				   "could not tell: the run's objects were gone before its end");
	else
		boxed_selftest_judge(
		    c, res, seen == 0, FIX_IPC, "%s made:%s%s%s; %s",
		    boxed_selftest_sealed_text(c, r), made[0] ? made : " none",
		    refused[0] ? "; refused:" : "", refused,
		    seen ? w->seen + 2
			 : "none was seen by key or name from the host (shmget, msgget, semget, "
			   "mq_open, shm_open, /proc/sysvipc) or opened by another run, while "
			   "it ran or after");
}

void boxed_selftest_seal_ipc(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res)
{
	struct ipc_watch w = {.key = boxed_selftest_ipc_key(getpid())};
	struct boxed_selftest_run r;
	struct boxed_selftest_live l;
	const char *args[5];

	boxed_selftest_live_init(c, &l, "ipc", NULL);
	snprintf(w.key_s, sizeof(w.key_s), "%d", (int)w.key);
	snprintf(w.name, sizeof(w.name), "/%s", l.token);
	args[0] = w.key_s, args[1] = w.name, args[2] = l.release, args[3] = l.token;
	args[4] = NULL;
	boxed_selftest_live_start(c, &l, "ipc", args);
	if (l.ready)
		look(c, &w, &l, "meanwhile", &w.other_during);
	boxed_selftest_live_finish(c, &l, &r);
	if (!l.ready) {
		boxed_selftest_not_ready(c, res, &r, FIX_IPC);
	} else {
		look(c, &w, &l, "afterwards", &w.other_after);
		if (!boxed_selftest_run_broken(c, res, &r, "the run that made the objects",
					       FIX_IPC))
			judge_ipc(c, res, &r, &w);
	}
	boxed_selftest_ipc_remove(w.key, w.name);
	boxed_selftest_run_free(&r);
}
