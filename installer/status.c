/* boxed-setup status: what the manifest says is installed, the slots in
 * use (read from /proc/locks, which delays no runner), and whether the
 * runner, the copy and the idle slots are still as install left them. */
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
#include "cli.h"
#include "die.h"
#include "fsutil.h"
#include "layout.h"
#include "manifest.h"
#include "setup.h"
#include "sha256.h"
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
	boxed_autofree struct held_lock *held = calloc(MAX_HELD, sizeof(*held));
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

static int slot_busy(const cJSON *busy, unsigned index)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, busy) if (cJSON_IsNumber(it) &&
					 (unsigned)it->valueint == index) return 1;
	return 0;
}

static void unchecked(struct boxed_findings *f, const char *check, const char *subject, int err)
{
	char user[64];

	boxed_cli_user_name(geteuid(), user, sizeof(user));
	boxed_findings_add(f, BOXED_SEV_UNCHECKED, check, subject,
			   "not checked: %s as %s; run boxed-setup status as root", strerror(err),
			   user);
}

/* Size first, then the digest: a changed size is a changed file, and
 * reading a few megabytes is still cheap enough for status. */
static void check_file(struct boxed_findings *f, int privileged, const char *check,
		       const char *path, const struct boxed_manifest_file *want)
{
	boxed_autoclose int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	char hex[BOXED_SHA256_HEX_LEN];
	struct stat st;

	if (fd < 0) {
		if (!privileged && (errno == EACCES || errno == EPERM))
			unchecked(f, check, path, errno);
		else
			boxed_findings_add(f, BOXED_SEV_ERROR, check, path, "%s", strerror(errno));
		return;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		boxed_findings_add(f, BOXED_SEV_ERROR, check, path, "not a regular file");
	else if ((uint64_t)st.st_size != want->size)
		boxed_findings_add(f, BOXED_SEV_ERROR, check, path,
				   "%llu bytes where the manifest says %llu: changed since "
				   "install; rerun boxed-setup install",
				   (unsigned long long)st.st_size, (unsigned long long)want->size);
	else if (boxed_sha256_fd(fd, hex) != 0)
		boxed_findings_add(f, BOXED_SEV_ERROR, check, path, "cannot read it: %s",
				   strerror(errno));
	else if (strcmp(hex, want->sha256) != 0)
		boxed_findings_add(f, BOXED_SEV_ERROR, check, path,
				   "sha256 differs from the manifest's: changed since install; "
				   "rerun boxed-setup install");
	else
		boxed_findings_add(f, BOXED_SEV_OK, check, path, "matches the manifest");
}

/* Each idle slot as the runner would meet it (lib/slot.h): its directory
 * and run directory with their owners and modes, and nothing in them that
 * the slot's uid could not remove. Only root can look into a slot. */
static void check_slots(struct boxed_findings *f, const struct boxed_setup_paths *p,
			const struct boxed_manifest *m, const cJSON *busy)
{
	boxed_autoclose int fd = open(p->statedir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct boxed_config cfg;
	char problem[PATH_MAX + 256];
	size_t before = f->count;

	if (fd < 0) {
		boxed_findings_add(f, BOXED_SEV_ERROR, "slot", p->statedir,
				   "%s; rerun boxed-setup install", strerror(errno));
		return;
	}
	if (geteuid() != 0) {
		unchecked(f, "slot", p->statedir, EACCES);
		return;
	}
	boxed_config_defaults(&cfg);
	cfg.first_uid = m->first_uid;
	cfg.slot_count = m->slot_count;
	for (unsigned i = 0; i < m->slot_count; i++)
		if (!slot_busy(busy, i) &&
		    boxed_setup_slot_problem(fd, &cfg, i, problem, sizeof(problem)))
			boxed_findings_add(f, BOXED_SEV_ERROR, "slot", p->statedir,
					   "slot %u cannot be cleaned by its uid: %s; rerun "
					   "boxed-setup install",
					   i, problem);
	if (f->count == before)
		boxed_findings_add(f, BOXED_SEV_OK, "slot", p->statedir,
				   "%u slots as the runner needs them", m->slot_count);
}

static void check_health(const struct boxed_setup_paths *p, const struct boxed_manifest *m,
			 const cJSON *busy, struct boxed_findings *f)
{
	int privileged = geteuid() == 0;

	if (boxed_fcaps_get_path(p->runner, NULL) != BOXED_FCAPS_RUNNER)
		boxed_findings_add(f, BOXED_SEV_ERROR, "runner-caps", p->runner,
				   "does not carry exactly " BOXED_RUNNER_CAPS_TEXT
				   "; rerun boxed-setup install");
	check_file(f, privileged, "runner", p->runner, &m->runner);
	check_file(f, privileged, "interpreter", p->interpreter, &m->interpreter);
	check_slots(f, p, m, busy);
}

static int health_status(const struct boxed_findings *f)
{
	if (boxed_findings_worst(f) > BOXED_SEV_WARNING)
		return BOXED_SETUP_EXIT_FAIL;
	if (boxed_findings_count(f, BOXED_SEV_UNCHECKED, NULL))
		return BOXED_SETUP_EXIT_INCOMPLETE;
	return BOXED_SETUP_EXIT_OK;
}

static void print_health(const struct boxed_findings *f, int rc)
{
	if (rc == BOXED_SETUP_EXIT_OK) {
		printf("health:       ok (runner and interpreter match the manifest; idle slots "
		       "can be cleaned)\n");
		return;
	}
	printf("health:       %s\n", rc == BOXED_SETUP_EXIT_FAIL
					 ? "PROBLEMS (below; boxed-setup audit checks more)"
					 : "not fully checked (below)");
	for (size_t i = 0; i < f->count; i++)
		if (f->items[i].severity > BOXED_SEV_INFO)
			printf("  %s: %s\n", f->items[i].subject, f->items[i].message);
}

int boxed_setup_status(const struct boxed_setup_args *a)
{
	struct boxed_setup_paths p;
	struct boxed_manifest m;
	struct boxed_findings f = {0};
	char err[PATH_MAX + 256];
	cJSON *busy;
	int rc;

	if (boxed_setup_paths_init(&p, a->root, err, sizeof(err)) != 0)
		boxed_die("%s", err);
	if (boxed_manifest_load(p.manifest, &m, err, sizeof(err)) != 0) {
		if (errno == ENOENT)
			boxed_die("not installed (no %s); run boxed-setup install", p.manifest);
		boxed_die("%s", err);
	}
	busy = slots_in_use(&p, &m);
	check_health(&p, &m, busy, &f);
	rc = health_status(&f);
	if (a->json) {
		boxed_autofree char *text = boxed_manifest_to_json(&m);
		cJSON *doc = cJSON_CreateObject();
		cJSON *man = text ? cJSON_Parse(text) : NULL;
		cJSON *health = cJSON_CreateObject();
		cJSON *items = boxed_findings_to_json(&f);

		if (!doc || !man || !health || !items ||
		    !cJSON_AddItemToObject(doc, "manifest", man) ||
		    !cJSON_AddStringToObject(doc, "runner_capabilities", caps_state(p.runner)) ||
		    !cJSON_AddItemToObject(doc, "slots_in_use", busy) ||
		    !cJSON_AddBoolToObject(health, "ok", rc == BOXED_SETUP_EXIT_OK) ||
		    !cJSON_AddBoolToObject(health, "complete", rc != BOXED_SETUP_EXIT_INCOMPLETE) ||
		    !cJSON_AddItemToObject(health, "findings", items) ||
		    !cJSON_AddItemToObject(doc, "health", health))
			boxed_die("out of memory");
		boxed_setup_print_json(doc);
	} else {
		print_human(&m, &p, busy);
		print_health(&f, rc);
		cJSON_Delete(busy);
	}
	boxed_findings_free(&f);
	boxed_manifest_free(&m);
	return rc;
}
