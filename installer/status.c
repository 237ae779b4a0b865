#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "die.h"
#include "fsutil.h"
#include "layout.h"
#include "manifest.h"
#include "setup.h"
#include "slot.h"

#define MAX_HELD 4096

struct held_lock {
	unsigned major, minor;
	unsigned long ino;
};

/* The flock()s held right now, from /proc/locks. Reading them there, rather
 * than trying each lock, never delays a runner that is choosing a slot. */
static size_t read_flocks(struct held_lock *held, size_t max)
{
	FILE *f = fopen("/proc/locks", "re");
	char line[512];
	size_t n = 0;

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		char type[16];
		unsigned maj, min;
		unsigned long ino;

		/* "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; a blocked
		 * waiter's line starts "1: -> FLOCK" and does not parse. */
		if (sscanf(line, "%*u: %15s %*s %*s %*d %x:%x:%lu", type, &maj, &min, &ino) == 4 &&
		    strcmp(type, "FLOCK") == 0)
			held[n++] = (struct held_lock){maj, min, ino};
	}
	fclose(f);
	return n;
}

static cJSON *slots_in_use(const struct boxed_setup_paths *p, const struct boxed_manifest *m)
{
	struct held_lock *held = calloc(MAX_HELD, sizeof(*held));
	size_t nheld;
	cJSON *busy = cJSON_CreateArray();
	char rel[PATH_MAX], path[PATH_MAX];

	if (!held || !busy)
		boxed_die("out of memory");
	nheld = read_flocks(held, MAX_HELD);
	for (unsigned i = 0; i < m->slot_count; i++) {
		struct stat st;

		if (boxed_slot_lock_path(rel, sizeof(rel), BOXED_STATEDIR, i) ||
		    boxed_setup_rooted(p, rel, path, sizeof(path)) || stat(path, &st) != 0)
			continue;
		for (size_t k = 0; k < nheld; k++) {
			if (held[k].ino == st.st_ino && held[k].major == major(st.st_dev) &&
			    held[k].minor == minor(st.st_dev)) {
				cJSON_AddItemToArray(busy, cJSON_CreateNumber(i));
				break;
			}
		}
	}
	free(held);
	return busy;
}

static const char *caps_state(const char *path)
{
	switch (boxed_fcaps_get_path(path, NULL)) {
	case BOXED_FCAPS_RUNNER:
		return BOXED_RUNNER_CAPS_TEXT;
	case BOXED_FCAPS_NONE:
		return "none";
	case BOXED_FCAPS_OTHER:
		return "unexpected";
	default:
		return "unreadable";
	}
}

static void print_human(const struct boxed_manifest *m, const struct boxed_setup_paths *p,
			cJSON *busy)
{
	char when[64];
	time_t t = (time_t)m->installed_at;
	struct tm tm;
	const cJSON *it;

	if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(when, sizeof(when), "%lld", (long long)m->installed_at);
	printf("boxed %s, installed %s%s%s\n", m->boxed_version, when, m->root[0] ? " under " : "",
	       m->root);
	printf("runner:       %s (capabilities: %s; group %s)\n", p->runner, caps_state(p->runner),
	       m->group);
	printf("interpreter:  %s (Python %s, from %s, sha256 %.16s...)\n", p->interpreter,
	       m->python_version, m->source.path, m->interpreter.sha256);
	printf("config:       %s%s\n", p->config,
	       m->config_created ? " (written by boxed-setup)" : " (the admin's)");
	printf("slots:        %u, uids %u-%u, in %s\n", m->slot_count, (unsigned)m->first_uid,
	       (unsigned)(m->first_uid + m->slot_count - 1), p->statedir);
	printf("in use:       %d", cJSON_GetArraySize(busy));
	if (cJSON_GetArraySize(busy) > 0) {
		printf(" (slots");
		cJSON_ArrayForEach(it, busy) printf(" %d", it->valueint);
		printf(")");
	}
	printf("\n");
}

int boxed_setup_status(const struct boxed_setup_args *a)
{
	struct boxed_setup_paths p;
	struct boxed_manifest m;
	char err[PATH_MAX + 256];
	cJSON *busy;

	if (boxed_setup_paths_init(&p, a->root, err, sizeof(err)) != 0)
		boxed_die("%s", err);
	if (boxed_manifest_load(p.manifest, &m, err, sizeof(err)) != 0) {
		if (errno == ENOENT)
			boxed_die("not installed (no %s); run boxed-setup install", p.manifest);
		boxed_die("%s", err);
	}
	busy = slots_in_use(&p, &m);
	if (a->json) {
		boxed_autofree char *text = boxed_manifest_to_json(&m);
		cJSON *doc = cJSON_CreateObject();
		cJSON *man = text ? cJSON_Parse(text) : NULL;

		if (!doc || !man || !cJSON_AddItemToObject(doc, "manifest", man) ||
		    !cJSON_AddStringToObject(doc, "runner_capabilities", caps_state(p.runner)) ||
		    !cJSON_AddItemToObject(doc, "slots_in_use", busy))
			boxed_die("out of memory");
		boxed_setup_print_json(doc);
	} else {
		print_human(&m, &p, busy);
		cJSON_Delete(busy);
	}
	boxed_manifest_free(&m);
	return BOXED_SETUP_EXIT_OK;
}
