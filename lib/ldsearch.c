/* ld.so's search for DT_NEEDED libraries, modelled (ldsearch.h).
 *
 * The cache is read because it names directories from /etc/ld.so.conf.d,
 * such as /usr/local/lib, that win over the defaults. Every cache entry
 * for a name is judged, since ld.so picks among them by the CPU's hwcaps.
 * A cache that cannot be parsed is a finding: which file ld.so would load
 * could not be told.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfimage.h"
#include "fsutil.h"
#include "ldcache.h"
#include "ldsearch.h"

/* Bounds the walk of the dependency graph (a loop is cut by name anyway). */
#define LDSEARCH_MAX_LIBS 512

#if defined(__x86_64__)
static const char *const host_libdirs[] = {
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib64",
    "/usr/lib64",
    "/lib",
    "/usr/lib",
    NULL,
};
static const char *const host_hwcaps[] = {"x86-64-v4", "x86-64-v3", "x86-64-v2", NULL};
#elif defined(__aarch64__)
static const char *const host_libdirs[] = {
    "/lib/aarch64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/lib64",
    "/usr/lib64",
    "/lib",
    "/usr/lib",
    NULL,
};
static const char *const host_hwcaps[] = {NULL};
#endif

enum cache_state {
	CACHE_UNREAD,
	CACHE_ABSENT, /* no file, or one ld.so could not use either */
	CACHE_LOADED,
};

struct boxed_ldsearch {
	const char *subject;
	const char *exe_rpath;
	struct boxed_findings *out;
	char **names; /* sonames already resolved: ld.so loads each once */
	size_t n_names;
	char **queue; /* resolved paths, handed out by boxed_ldsearch_next() */
	size_t n_queue, next;
	enum cache_state cache_state;
	struct boxed_ldcache cache;
};

/* One object's search list: dirs[0..n_object) come from its RPATH or
 * RUNPATH, the rest are the defaults. */
struct search {
	char **owned; /* the copies of the object's directories */
	size_t n_owned;
	const char **dirs;
	size_t n, n_object;
};

/* A "needed" error under the subject; returns 1, for `bad |= ...`. */
__attribute__((format(printf, 2, 3))) static int needed_error(struct boxed_ldsearch *s,
							      const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	boxed_findings_add(s->out, BOXED_SEV_ERROR, "needed", s->subject, "%s", msg);
	return 1;
}

/* Append str to a vector that owns its strings; str is freed if that
 * fails (and may be NULL: a failed copy). */
static int push_owned(char ***vec, size_t *n, char *str)
{
	char **grown = str ? reallocarray(*vec, *n + 1, sizeof(**vec)) : NULL;

	if (!grown) {
		free(str);
		return -1;
	}
	grown[(*n)++] = str;
	*vec = grown;
	return 0;
}

static void forget_all(char **vec, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(vec[i]);
	free(vec);
}

static int search_add(struct search *l, const char *dir)
{
	const char **grown = reallocarray(l->dirs, l->n + 1, sizeof(*l->dirs));

	if (!grown)
		return -1;
	grown[l->n++] = dir;
	l->dirs = grown;
	return 0;
}

/* Split a colon-separated path into directories; only absolute entries
 * without tokens (the others are already rpath findings and never
 * searched). */
static int search_add_path(struct search *l, const char *path)
{
	const char *p = path;

	for (;;) {
		size_t len = strcspn(p, ":");

		if (len > 0 && p[0] == '/' && !memchr(p, '$', len)) {
			if (push_owned(&l->owned, &l->n_owned, strndup(p, len)) != 0 ||
			    search_add(l, l->owned[l->n_owned - 1]) != 0)
				return -1;
		}
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

/* The search list of one object: its RUNPATH, or else its RPATH and the
 * executable's, then the defaults. */
static int search_init(struct search *l, const struct boxed_ldsearch *s,
		       const struct boxed_ldsearch_object *obj)
{
	int oom = 0;

	memset(l, 0, sizeof(*l));
	if (obj->runpath) {
		oom |= search_add_path(l, obj->runpath);
	} else {
		if (obj->rpath)
			oom |= search_add_path(l, obj->rpath);
		if (s->exe_rpath)
			oom |= search_add_path(l, s->exe_rpath);
	}
	l->n_object = l->n;
	for (size_t i = 0; host_libdirs[i]; i++)
		oom |= search_add(l, host_libdirs[i]);
	return oom ? -1 : 0;
}

static void search_free(struct search *l)
{
	forget_all(l->owned, l->n_owned);
	free(l->dirs);
}

/* Does ld.so accept path as a candidate? */
static int candidate_ok(const char *path)
{
	boxed_autoclose int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	return fd >= 0 && boxed_elf_host_object_fd(fd);
}

static int dir_exists(const char *dir)
{
	struct stat st;

	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

int boxed_ldsearch_judge_trusted(struct boxed_ldsearch *s, const char *what, const char *from,
				 const char *path)
{
	char err[512];

	if (boxed_check_trusted_path(path, err, sizeof(err)) == 0)
		return 0;
	return needed_error(s, "%s %s (needed by %s): %s", what, path, from, err);
}

/* Find name in dir the way ld.so does: hwcaps subdirectories first. A
 * directory ld.so searches and finds nothing in still must not be
 * writable by others, or a library planted there wins next time. */
static int try_dir(struct boxed_ldsearch *s, const char *from, const char *dir, const char *name,
		   char *found, size_t foundlen, int *bad)
{
	char path[PATH_MAX];

	if (!dir_exists(dir))
		return 0;
	for (size_t h = 0; host_hwcaps[h]; h++) {
		snprintf(path, sizeof(path), "%s/glibc-hwcaps/%s/%s", dir, host_hwcaps[h], name);
		if (candidate_ok(path)) {
			snprintf(found, foundlen, "%s", path);
			return 1;
		}
	}
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path) &&
	    candidate_ok(path)) {
		snprintf(found, foundlen, "%s", path);
		return 1;
	}
	if (boxed_check_trusted_path(dir, path, sizeof(path)) != 0)
		*bad |= needed_error(s,
				     "%s needs %s; ld.so first searches %s, where another user "
				     "could plant it: %s",
				     from, name, dir, path);
	return 0;
}

/* Load the cache once per search. A missing cache is no cache, as for
 * ld.so; one that cannot be parsed is a finding. The cache decides which
 * file is loaded, so it must be trusted itself. */
static void cache_load(struct boxed_ldsearch *s, int *bad)
{
	char err[512];
	boxed_autoclose int fd = -1;

	if (s->cache_state != CACHE_UNREAD)
		return;
	s->cache_state = CACHE_ABSENT;
	fd = open(BOXED_LDCACHE_PATH, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return;
	if (fd < 0 || boxed_ldcache_read_fd(&s->cache, fd, err, sizeof(err)) != 0) {
		*bad |= needed_error(s,
				     "the loader cache %s cannot be read (%s), so which libraries "
				     "ld.so loads cannot be told; run ldconfig",
				     BOXED_LDCACHE_PATH, fd < 0 ? strerror(errno) : err);
		return;
	}
	s->cache_state = CACHE_LOADED;
	*bad |= boxed_ldsearch_judge_trusted(s, "loader cache", "ld.so", BOXED_LDCACHE_PATH);
}

/* Every cache entry for name that ld.so would consider on this host: the
 * first that is a usable candidate is what loads (into found); all of
 * them are judged. Returns 1 when found. */
static int try_cache(struct boxed_ldsearch *s, const char *from, const char *name, char *found,
		     size_t foundlen, int *bad)
{
	struct boxed_ldcache_entry e;
	int hit = 0;

	cache_load(s, bad);
	if (s->cache_state != CACHE_LOADED)
		return 0;
	for (size_t i = 0; boxed_ldcache_entry(&s->cache, i, &e) == 0; i++) {
		if (!boxed_ldcache_host_flags(e.flags) ||
		    !boxed_ldcache_name_matches(e.name, name) || !candidate_ok(e.path))
			continue;
		if (!hit)
			snprintf(found, foundlen, "%s", e.path);
		else if (strcmp(found, e.path) != 0)
			*bad |= boxed_ldsearch_judge_trusted(s, "library", from, e.path);
		hit = 1;
	}
	return hit;
}

/* ld.so's order: the object's RPATH/RUNPATH, the cache, the defaults. */
static int find_library(struct boxed_ldsearch *s, const char *from, const char *name,
			const struct search *l, char *found, size_t foundlen, int *bad)
{
	size_t i;

	for (i = 0; i < l->n_object; i++)
		if (try_dir(s, from, l->dirs[i], name, found, foundlen, bad))
			return 1;
	if (try_cache(s, from, name, found, foundlen, bad))
		return 1;
	for (; i < l->n; i++)
		if (try_dir(s, from, l->dirs[i], name, found, foundlen, bad))
			return 1;
	return 0;
}

static int seen_name(const struct boxed_ldsearch *s, const char *name)
{
	for (size_t i = 0; i < s->n_names; i++)
		if (strcmp(s->names[i], name) == 0)
			return 1;
	return 0;
}

/* One DT_NEEDED name: found (and judged, and queued) or a finding. */
static int resolve_one(struct boxed_ldsearch *s, const char *from, const char *name,
		       const struct search *l)
{
	char found[PATH_MAX];
	int bad = 0;

	if (seen_name(s, name))
		return 0;
	if (push_owned(&s->names, &s->n_names, strdup(name)) != 0)
		return needed_error(s, "out of memory");
	if (strchr(name, '/')) {
		/* ld.so opens a name with a slash as it is, relative to the cwd. */
		if (name[0] != '/')
			return needed_error(
			    s, "%s needs \"%s\", a relative path: the current directory chooses it",
			    from, name);
		snprintf(found, sizeof(found), "%s", name);
	} else if (!find_library(s, from, name, l, found, sizeof(found), &bad)) {
		return needed_error(s, "%s needs %s, which the loader would not find on this host",
				    from, name);
	}
	bad |= boxed_ldsearch_judge_trusted(s, "library", from, found);
	if (s->n_queue < LDSEARCH_MAX_LIBS &&
	    push_owned(&s->queue, &s->n_queue, strdup(found)) != 0)
		bad |= needed_error(s, "out of memory");
	return bad;
}

int boxed_ldsearch_resolve(struct boxed_ldsearch *s, const struct boxed_ldsearch_object *obj)
{
	struct search l;
	int bad = 0;

	if (search_init(&l, s, obj) != 0)
		bad = needed_error(s, "out of memory");
	else
		for (size_t i = 0; i < obj->n_needed; i++)
			bad |= resolve_one(s, obj->path, obj->needed[i], &l);
	search_free(&l);
	return bad;
}

struct boxed_ldsearch *boxed_ldsearch_new(const char *subject, const char *exe_rpath,
					  struct boxed_findings *out)
{
	struct boxed_ldsearch *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->subject = subject;
	s->exe_rpath = exe_rpath;
	s->out = out;
	return s;
}

const char *boxed_ldsearch_next(struct boxed_ldsearch *s)
{
	return s->next < s->n_queue ? s->queue[s->next++] : NULL;
}

size_t boxed_ldsearch_found(const struct boxed_ldsearch *s)
{
	return s->n_queue;
}

void boxed_ldsearch_free(struct boxed_ldsearch *s)
{
	if (!s)
		return;
	forget_all(s->names, s->n_names);
	forget_all(s->queue, s->n_queue);
	boxed_ldcache_free(&s->cache);
	free(s);
}
