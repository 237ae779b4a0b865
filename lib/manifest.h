/* STATEDIR/manifest.json: what boxed-setup installed, so that audit can
 * re-check it and uninstall can remove exactly it. Written last by install,
 * atomically, so its presence means the rest was done.
 *
 * Paths are the installed paths (without a staging root); `root` records
 * the staging root the files were written under, "" for the host.
 */
#ifndef BOXED_MANIFEST_H
#define BOXED_MANIFEST_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "sha256.h"

#define BOXED_MANIFEST_FORMAT 1
#define BOXED_MANIFEST_MAX_SIZE (1024 * 1024)
#define BOXED_MANIFEST_SYS_PATH_MAX 64

struct boxed_manifest_file {
	char path[PATH_MAX];
	uint64_t size;
	char sha256[BOXED_SHA256_HEX_LEN];
};

struct boxed_manifest {
	char boxed_version[32];
	int64_t installed_at; /* seconds since the epoch, UTC */
	char root[PATH_MAX];
	int ownership_applied; /* 0: staged by a non-root user */
	char group[BOXED_GROUP_NAME_MAX + 1];
	uint32_t gid;
	int group_created;
	uint32_t first_uid, slot_count;
	char statedir[PATH_MAX];
	struct boxed_manifest_file runner;
	char runner_caps[64]; /* "" when none were applied */
	struct boxed_manifest_file interpreter;
	struct boxed_manifest_file source;
	char python_version[128];
	char *sys_path[BOXED_MANIFEST_SYS_PATH_MAX]; /* malloc'd */
	size_t sys_path_count;
	struct boxed_manifest_file config; /* the config as setup wrote or found it */
	int config_created;
};

/* The manifest as formatted JSON (malloc'd), or NULL on ENOMEM. */
char *boxed_manifest_to_json(const struct boxed_manifest *m);

/* Parse text into m (zeroed first). Returns 0, or -1 with a message naming
 * the key. On error m holds nothing to free. */
__attribute__((warn_unused_result)) int
boxed_manifest_parse(const char *text, struct boxed_manifest *m, char *err, size_t errlen);

/* Read and parse path (a final symlink is refused). Returns 0; -1 with errno
 * ENOENT and a message when there is none; -1 with a message otherwise. */
__attribute__((warn_unused_result)) int
boxed_manifest_load(const char *path, struct boxed_manifest *m, char *err, size_t errlen);

/* Add one sys.path entry (copied). Returns 0, or -1 (E2BIG, ENOMEM). */
__attribute__((warn_unused_result)) int boxed_manifest_add_sys_path(struct boxed_manifest *m,
								    const char *entry);

/* Free what the manifest owns; m may be reused after. */
void boxed_manifest_free(struct boxed_manifest *m);

#endif
