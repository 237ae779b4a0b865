/* The outer side of the probes of a run's own /proc and files: /proc lists the run alone; what it
 * writes to its directory, /tmp and /dev/shm is its own and gone after it; and one bound, --disk,
 * holds for the three together. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layout.h"
#include "seal.h"

#define FIX_FILES                                                                                  \
	"a run needs its own mount namespace, where its directory, /tmp and /dev/shm are tmpfs "   \
	"of its own: " FIX_SEAL

/* /proc inside a run lists the run alone, and no host process's cmdline,
 * environ or status can be read: those of this probe process and of the
 * selftest that started it (root's when run as root), whose numbers the
 * run is told. */
void boxed_selftest_seal_proc_private(const struct boxed_selftest_ctx *c,
				      struct boxed_selftest_result *res)
{
	struct boxed_selftest_spawn_opts o = {0};
	struct boxed_selftest_run r;
	char self[24], parent[24];
	const char *args[] = {self, parent, NULL};

	snprintf(self, sizeof(self), "%ld", (long)getpid());
	snprintf(parent, sizeof(parent), "%ld", (long)getppid());
	boxed_selftest_run_probe(c, &o, "proc-private", args, &r);
	boxed_selftest_judge_run(c, res, &r,
				 "a run needs its own PID namespace and /proc: " FIX_SEAL);
	boxed_selftest_run_free(&r);
}

/* What opening path gives: 0 when it opened, else the errno. */
static int open_errno(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* What the host sees of the run's files: NAME in the host's /tmp and
 * /dev/shm (their mere existence), and in the run's directory: while it
 * runs, whether the caller can read it; after, whether it is gone (only
 * root can look into a slot directory). Appends to seen; returns how many
 * sightings. */
static int host_sees_files(const struct boxed_selftest_ctx *c, const char *name,
			   const char *dir_file, int after, char *seen, size_t len)
{
	const char *places[] = {"/tmp", "/dev/shm"};
	char path[256];
	struct stat st;
	int n = 0, e;

	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", places[i], name);
		if (lstat(path, &st) == 0) {
			boxed_selftest_append(seen, len, "; %s exists on the host", path);
			n++;
		}
	}
	if (!dir_file[0])
		return n;
	/* As the caller: a throwaway user when the selftest runs as root. */
	if (!after && (e = boxed_selftest_as_caller(c, open_errno, dir_file)) != ENOENT &&
	    e != EACCES) {
		boxed_selftest_append(seen, len, "; the caller %s %s",
				      e ? "could not tell about" : "READ", dir_file);
		n++;
	}
	if (after && (c->root || c->control) && lstat(dir_file, &st) == 0) {
		boxed_selftest_append(seen, len, "; %s is still there", dir_file);
		n++;
	}
	return n;
}

/* Another run looks for NAME in its own directory, /tmp and /dev/shm, and
 * at dir_file. Returns 1 when it found something, 0 when not, -1 when it
 * could not tell. */
static int other_run_finds(const struct boxed_selftest_ctx *c, const char *name,
			   const char *dir_file, const char *when, char *seen, size_t len)
{
	const char *args[] = {name, dir_file[0] ? dir_file : NULL, NULL};
	struct boxed_selftest_spawn_opts o = {0};
	struct boxed_selftest_run r;
	int found = -1;
	const cJSON *iso, *det;

	boxed_selftest_run_probe(c, &o, "private-peek", args, &r);
	iso = cJSON_GetObjectItemCaseSensitive(r.verdict, "isolated");
	det = cJSON_GetObjectItemCaseSensitive(r.verdict, "detail");
	if ((c->control || (r.outcome && !strcmp(r.outcome, "ok"))) && cJSON_IsBool(iso))
		found = !cJSON_IsTrue(iso);
	if (found)
		boxed_selftest_append(seen, len, "; another run %s: %s", when,
				      found < 0		    ? "no answer"
				      : cJSON_IsString(det) ? det->valuestring
							    : "?");
	boxed_selftest_run_free(&r);
	return found;
}

/* What the probe watches: the file in the run's directory as the host
 * names it ("" when it cannot), and what was seen of the run's files. */
struct files_watch {
	char dir_file[256];
	char seen[1500];
	int sightings, other_during, other_after;
};

/* Look from the host and from another run; *other is what that run saw. */
static void look(const struct boxed_selftest_ctx *c, struct files_watch *w,
		 const struct boxed_selftest_live *l, int after, int *other)
{
	w->sightings += host_sees_files(c, l->token, w->dir_file, after, w->seen, sizeof(w->seen));
	*other = other_run_finds(c, l->token, w->dir_file, after ? "afterwards" : "meanwhile",
				 w->seen, sizeof(w->seen));
}

/* Judge the run that wrote the files, and what was seen of them. */
static void judge_files(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
			const struct boxed_selftest_run *r, const struct files_watch *w)
{
	static const char *const places[] = {"dir", "tmp", "shm"};
	static const char *const shown[] = {"its directory", "/tmp", "/dev/shm"};
	char wrote[200] = "", refused[200] = "";
	int failed = 0, seen = w->sightings + w->other_during + w->other_after;

	for (int i = 0; i < 3; i++) {
		int e = boxed_selftest_verdict_errno(r, places[i]);

		/* Unsealed, Landlock keeps the run out of the host's /tmp and
		 * /dev/shm: refused, nothing to leak. */
		if (e == 0)
			boxed_selftest_append(wrote, sizeof(wrote), "%s %s", wrote[0] ? "," : "",
					      shown[i]);
		else if (i && (e == EACCES || e == EROFS))
			boxed_selftest_append(refused, sizeof(refused), " %s (%s)", shown[i],
					      strerror(e));
		else
			failed = 1;
	}
	if (failed || w->other_during < 0 || w->other_after < 0)
		boxed_selftest_set(res, BOXED_ST_DUBIOUS, FIX_FILES,
				   "could not tell: the run wrote%s, refused%s%s", wrote, refused,
				   w->seen);
	else
		boxed_selftest_judge(
		    c, res, seen == 0, FIX_FILES, "%s wrote:%s%s%s; %s%s",
		    boxed_selftest_sealed_text(c, r), wrote, refused[0] ? "; refused:" : "",
		    refused,
		    seen ? w->seen + 2
			 : "nothing of it was in the host's /tmp or /dev/shm, readable by the "
			   "caller or seen by another run, while it ran or after",
		    !w->dir_file[0] || c->root || c->control || w->sightings
			? ""
			: " (its directory not looked into after the run: that needs root)");
}

/* Remove what the run wrote, wherever it shows: in control mode, the
 * stage stood for its directory, and the host's /tmp and /dev/shm for its
 * own. */
static void remove_files(const struct boxed_selftest_ctx *c, const char *token)
{
	char path[256];

	if (c->control) {
		snprintf(path, sizeof(path), "%s/%s", c->dir, token);
		unlink(path);
	}
	snprintf(path, sizeof(path), "/tmp/%s", token);
	unlink(path);
	snprintf(path, sizeof(path), "/dev/shm/%s", token);
	unlink(path);
}

/* What a run writes to its directory, /tmp and /dev/shm is its own: the
 * host's /tmp and /dev/shm never hold it, the caller cannot read it,
 * another run does not see it, and it is gone after the run. */
void boxed_selftest_seal_private_files(const struct boxed_selftest_ctx *c,
				       struct boxed_selftest_result *res)
{
	struct files_watch w = {.dir_file = ""};
	struct boxed_selftest_run r;
	struct boxed_selftest_live l;
	const char *args[5];

	boxed_selftest_live_init(c, &l, "files", NULL);
	/* Unsandboxed, the stage stands for the run's directory. */
	args[0] = c->control ? c->dir : ".", args[1] = l.token, args[2] = l.release;
	args[3] = l.token, args[4] = NULL;
	boxed_selftest_live_start(c, &l, "private-files", args);
	if (c->control)
		snprintf(w.dir_file, sizeof(w.dir_file), "%s/%s", c->dir, l.token);
	else if (l.ready && c->have_config && l.uid >= (long)c->cfg.first_uid)
		snprintf(w.dir_file, sizeof(w.dir_file), "%s/%lu/home/%s", BOXED_SLOTS_DIR,
			 (unsigned long)(l.uid - (long)c->cfg.first_uid), l.token);
	if (l.ready)
		look(c, &w, &l, 0, &w.other_during);
	boxed_selftest_live_finish(c, &l, &r);
	if (!l.ready) {
		boxed_selftest_not_ready(c, res, &r, FIX_FILES);
	} else {
		look(c, &w, &l, 1, &w.other_after);
		if (!boxed_selftest_run_broken(c, res, &r, "the run that wrote the files",
					       FIX_FILES))
			judge_files(c, res, &r, &w);
	}
	remove_files(c, l.token);
	boxed_selftest_run_free(&r);
}

/* One bound, --disk, on all a run writes to its directory, /tmp and
 * /dev/shm together: past it, ENOSPC. */
void boxed_selftest_seal_disk_limit(const struct boxed_selftest_ctx *c,
				    struct boxed_selftest_result *res)
{
	static const char *const limits[] = {"--disk", "8M", NULL};
	struct boxed_selftest_spawn_opts o = {.limits = limits};
	char name[64];
	const char *args[] = {"8388608", c->control ? c->dir : ".", name, NULL};
	struct boxed_selftest_run r;

	boxed_selftest_token(c, name, sizeof(name), "disk");
	boxed_selftest_run_probe(c, &o, "disk-fill", args, &r);
	boxed_selftest_judge_run(c, res, &r,
				 "the disk limit is the size of the run's own tmpfs: " FIX_SEAL);
	boxed_selftest_run_free(&r);
}
