/* Interpreters that carry file capabilities, as the original boxed left
 * python_boxed: found for audit, stripped by boxed-setup migrate-legacy. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "die.h"
#include "fsutil.h"
#include "layout.h"
#include "setup.h"

/* Where an interpreter with capabilities has been seen: the original
 * boxed's python_boxed, the distribution's and the admin's interpreters,
 * and everything in boxed's own library directory. */
static const char *const interpreter_globs[] = {
    BOXED_LEGACY_INTERPRETER,
    "/usr/bin/python*",
    "/usr/local/bin/python*",
    BOXED_PKGLIBDIR "/*",
};

typedef void (*capable_fn)(const char *path, const char *caps, void *data);

/* Call fn for every regular file of interpreter_globs that carries a file
 * capability. Symlinks are skipped: their targets are regular files that
 * the same globs reach. Returns the number of files looked at. */
static size_t for_each_capable(const struct boxed_setup_paths *p, capable_fn fn, void *data)
{
	glob_t g;
	char pattern[PATH_MAX];
	size_t seen = 0;

	memset(&g, 0, sizeof(g));
	for (size_t i = 0; i < sizeof(interpreter_globs) / sizeof(interpreter_globs[0]); i++) {
		if (boxed_setup_rooted(p, interpreter_globs[i], pattern, sizeof(pattern)) != 0)
			continue;
		if (glob(pattern, i ? GLOB_APPEND : 0, NULL, &g) == GLOB_NOSPACE)
			boxed_die("out of memory");
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *path = g.gl_pathv[i];
		boxed_autofree char *caps = NULL;
		enum boxed_fcaps_state st;
		struct stat sb;
		int dup = 0;

		for (size_t k = 0; k < i && !dup; k++)
			dup = strcmp(g.gl_pathv[k], path) == 0;
		if (dup || lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		seen++;
		st = boxed_fcaps_get_path(path, &caps);
		if (st == BOXED_FCAPS_OTHER || st == BOXED_FCAPS_RUNNER)
			fn(path, caps ? caps : "?", data);
		else if (st == BOXED_FCAPS_UNKNOWN)
			fn(path, NULL, data);
	}
	globfree(&g);
	return seen;
}

static void add_finding(const char *path, const char *caps, void *data)
{
	struct boxed_findings *f = data;

	if (!caps)
		boxed_findings_add(f, BOXED_SEV_ERROR, "interpreter-caps", path,
				   "cannot read its file capabilities: %s", strerror(errno));
	else
		boxed_findings_add(f, BOXED_SEV_CRITICAL, "interpreter-caps", path,
				   "interpreter carries file capabilities '%s': anyone "
				   "who can run it can take them (os.setuid(0)); fix: "
				   "boxed-setup migrate-legacy",
				   caps);
}

void boxed_setup_scan_capable_interpreters(const struct boxed_setup_paths *p,
					   struct boxed_findings *out)
{
	size_t before = out->count;
	size_t seen = for_each_capable(p, add_finding, out);
	struct stat st;

	if (out->count == before)
		boxed_findings_add(out, BOXED_SEV_OK, "interpreter-caps", "interpreters",
				   "none of %zu interpreter files carries a capability", seen);
	if (lstat(p->legacy, &st) == 0 && boxed_fcaps_get_path(p->legacy, NULL) == BOXED_FCAPS_NONE)
		boxed_findings_add(out, BOXED_SEV_INFO, "legacy", p->legacy,
				   "left by the original boxed, without capabilities; it can be "
				   "removed");
}

struct strip_state {
	int stripped, failed;
	cJSON *done;
};

static void strip_one(const char *path, const char *caps, void *data)
{
	struct strip_state *s = data;
	boxed_autoclose int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	char msg[PATH_MAX + 128];

	if (fd < 0 || boxed_fcaps_clear_fd(fd) != 0) {
		boxed_warn("%s: could not remove its capabilities: %s", path, strerror(errno));
		s->failed++;
		return;
	}
	snprintf(msg, sizeof(msg), "removed capabilities '%s' from %s", caps ? caps : "?", path);
	s->stripped++;
	if (s->done) {
		cJSON *o = cJSON_CreateObject();

		if (!o || !cJSON_AddStringToObject(o, "path", path) ||
		    !cJSON_AddStringToObject(o, "removed", caps ? caps : "?") ||
		    !cJSON_AddItemToArray(s->done, o))
			boxed_die("out of memory");
	} else {
		printf("boxed-setup: %s\n", msg);
	}
}

int boxed_setup_migrate_legacy(const struct boxed_setup_args *a)
{
	struct boxed_setup_paths p;
	struct strip_state s = {0};
	char err[PATH_MAX + 64];
	struct stat st;
	size_t seen;

	if (boxed_setup_paths_init(&p, a->root, err, sizeof(err)) != 0)
		boxed_die("%s", err);
	if (a->json) {
		s.done = cJSON_CreateArray();
		if (!s.done)
			boxed_die("out of memory");
	}
	seen = for_each_capable(&p, strip_one, &s);
	if (a->json) {
		cJSON *doc = cJSON_CreateObject();

		if (!doc || !cJSON_AddNumberToObject(doc, "examined", (double)seen) ||
		    !cJSON_AddNumberToObject(doc, "failed", s.failed) ||
		    !cJSON_AddItemToObject(doc, "stripped", s.done))
			boxed_die("out of memory");
		boxed_setup_print_json(doc);
	} else if (s.stripped == 0 && s.failed == 0) {
		printf("boxed-setup: no change: none of %zu interpreter files carries a "
		       "capability\n",
		       seen);
	}
	if (!a->json && lstat(p.legacy, &st) == 0)
		printf("boxed-setup: %s is a leftover of the original boxed; it is now harmless "
		       "and can be removed (rm %s)\n",
		       p.legacy, p.legacy);
	return s.failed ? BOXED_SETUP_EXIT_FAIL : BOXED_SETUP_EXIT_OK;
}
