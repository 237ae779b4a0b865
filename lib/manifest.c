/* The installation's manifest, to and from JSON (manifest.h). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "fsutil.h"
#include "manifest.h"

void boxed_manifest_free(struct boxed_manifest *m)
{
	for (size_t i = 0; i < m->sys_path_count; i++)
		free(m->sys_path[i]);
	m->sys_path_count = 0;
}

int boxed_manifest_add_sys_path(struct boxed_manifest *m, const char *entry)
{
	char *copy;

	if (m->sys_path_count == BOXED_MANIFEST_SYS_PATH_MAX) {
		errno = E2BIG;
		return -1;
	}
	copy = strdup(entry);
	if (!copy)
		return -1;
	m->sys_path[m->sys_path_count++] = copy;
	return 0;
}

static cJSON *file_to_json(const struct boxed_manifest_file *f)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddStringToObject(o, "path", f->path) ||
	    !cJSON_AddNumberToObject(o, "size", (double)f->size) ||
	    !cJSON_AddStringToObject(o, "sha256", f->sha256)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int add(cJSON *parent, const char *key, cJSON *child)
{
	if (!child)
		return -1;
	if (!cJSON_AddItemToObject(parent, key, child)) {
		cJSON_Delete(child);
		return -1;
	}
	return 0;
}

static int build(cJSON *root, const struct boxed_manifest *m)
{
	char when[32];
	time_t t = (time_t)m->installed_at;
	struct tm tm;
	cJSON *group, *slots, *runner, *interp, *paths, *config;

	if (!gmtime_r(&t, &tm) || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof(when), "unknown");
	if (!cJSON_AddNumberToObject(root, "format", BOXED_MANIFEST_FORMAT) ||
	    !cJSON_AddStringToObject(root, "boxed_version", m->boxed_version) ||
	    !cJSON_AddNumberToObject(root, "installed_at", (double)m->installed_at) ||
	    !cJSON_AddStringToObject(root, "installed_at_utc", when) ||
	    !cJSON_AddStringToObject(root, "root", m->root) ||
	    !cJSON_AddBoolToObject(root, "ownership_applied", m->ownership_applied))
		return -1;
	group = cJSON_CreateObject();
	if (add(root, "group", group) || !cJSON_AddStringToObject(group, "name", m->group) ||
	    !cJSON_AddNumberToObject(group, "gid", m->gid) ||
	    !cJSON_AddBoolToObject(group, "created", m->group_created))
		return -1;
	slots = cJSON_CreateObject();
	if (add(root, "slots", slots) ||
	    !cJSON_AddNumberToObject(slots, "first_uid", m->first_uid) ||
	    !cJSON_AddNumberToObject(slots, "count", m->slot_count) ||
	    !cJSON_AddStringToObject(slots, "statedir", m->statedir))
		return -1;
	runner = file_to_json(&m->runner);
	if (add(root, "runner", runner) ||
	    !cJSON_AddStringToObject(runner, "capabilities", m->runner_caps))
		return -1;
	interp = file_to_json(&m->interpreter);
	if (add(root, "interpreter", interp) || add(interp, "source", file_to_json(&m->source)) ||
	    !cJSON_AddStringToObject(interp, "python_version", m->python_version))
		return -1;
	paths = cJSON_CreateArray();
	if (add(interp, "sys_path", paths))
		return -1;
	for (size_t i = 0; i < m->sys_path_count; i++) {
		cJSON *s = cJSON_CreateString(m->sys_path[i]);

		if (!s || !cJSON_AddItemToArray(paths, s)) {
			cJSON_Delete(s);
			return -1;
		}
	}
	config = file_to_json(&m->config);
	if (add(root, "config", config) ||
	    !cJSON_AddBoolToObject(config, "created", m->config_created))
		return -1;
	return 0;
}

char *boxed_manifest_to_json(const struct boxed_manifest *m)
{
	cJSON *root = cJSON_CreateObject();
	char *text = NULL;

	if (root && build(root, m) == 0)
		text = cJSON_Print(root);
	cJSON_Delete(root);
	return text;
}

static const cJSON *member(const cJSON *obj, const char *key, const char *where, char *err,
			   size_t errlen)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!item)
		boxed_errf(err, errlen, "%s%s: missing", where, key);
	return item;
}

static int get_string(const cJSON *obj, const char *key, const char *where, char *out,
		      size_t outlen, char *err, size_t errlen)
{
	const cJSON *item = member(obj, key, where, err, errlen);
	const char *s;

	if (!item)
		return -1;
	s = cJSON_GetStringValue(item);
	if (!s)
		return boxed_errf(err, errlen, "%s%s: must be a string", where, key);
	if (strlen(s) >= outlen)
		return boxed_errf(err, errlen, "%s%s: too long", where, key);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static int get_number(const cJSON *obj, const char *key, const char *where, double max, double *out,
		      char *err, size_t errlen)
{
	const cJSON *item = member(obj, key, where, err, errlen);
	double v;

	if (!item)
		return -1;
	v = cJSON_IsNumber(item) ? item->valuedouble : NAN;
	if (!isfinite(v) || v < 0 || v > max || v != floor(v))
		return boxed_errf(err, errlen, "%s%s: must be an integer from 0 to %.0f", where,
				  key, max);
	*out = v;
	return 0;
}

static int get_bool(const cJSON *obj, const char *key, const char *where, int *out, char *err,
		    size_t errlen)
{
	const cJSON *item = member(obj, key, where, err, errlen);

	if (!item)
		return -1;
	if (!cJSON_IsBool(item))
		return boxed_errf(err, errlen, "%s%s: must be true or false", where, key);
	*out = cJSON_IsTrue(item);
	return 0;
}

static const cJSON *get_object(const cJSON *obj, const char *key, char *err, size_t errlen)
{
	const cJSON *item = member(obj, key, "", err, errlen);

	if (item && !cJSON_IsObject(item)) {
		boxed_errf(err, errlen, "%s: must be an object", key);
		return NULL;
	}
	return item;
}

static int get_file(const cJSON *obj, const char *where, struct boxed_manifest_file *f, char *err,
		    size_t errlen)
{
	double size;

	if (get_string(obj, "path", where, f->path, sizeof(f->path), err, errlen) ||
	    get_number(obj, "size", where, 9007199254740992.0, &size, err, errlen) ||
	    get_string(obj, "sha256", where, f->sha256, sizeof(f->sha256), err, errlen))
		return -1;
	/* An empty digest records a file that was not there to hash. */
	if (f->sha256[0] && !boxed_sha256_valid_hex(f->sha256))
		return boxed_errf(err, errlen, "%ssha256: not a SHA-256 digest", where);
	f->size = (uint64_t)size;
	return 0;
}

static int parse_header(const cJSON *root, struct boxed_manifest *m, char *err, size_t errlen)
{
	double v;

	if (get_number(root, "format", "", 1000, &v, err, errlen))
		return -1;
	if (v != BOXED_MANIFEST_FORMAT)
		return boxed_errf(err, errlen, "format: %.0f is not supported (this is %d)", v,
				  BOXED_MANIFEST_FORMAT);
	if (get_string(root, "boxed_version", "", m->boxed_version, sizeof(m->boxed_version), err,
		       errlen) ||
	    get_number(root, "installed_at", "", 9007199254740992.0, &v, err, errlen))
		return -1;
	m->installed_at = (int64_t)v;
	if (get_string(root, "root", "", m->root, sizeof(m->root), err, errlen) ||
	    get_bool(root, "ownership_applied", "", &m->ownership_applied, err, errlen))
		return -1;
	return 0;
}

static int parse_group_and_slots(const cJSON *root, struct boxed_manifest *m, char *err,
				 size_t errlen)
{
	const cJSON *group, *slots;
	double v;

	if (!(group = get_object(root, "group", err, errlen)) ||
	    get_string(group, "name", "group.", m->group, sizeof(m->group), err, errlen) ||
	    get_number(group, "gid", "group.", 4294967294.0, &v, err, errlen))
		return -1;
	m->gid = (uint32_t)v;
	if (get_bool(group, "created", "group.", &m->group_created, err, errlen))
		return -1;
	if (!(slots = get_object(root, "slots", err, errlen)) ||
	    get_number(slots, "first_uid", "slots.", 4294967294.0, &v, err, errlen))
		return -1;
	m->first_uid = (uint32_t)v;
	if (get_number(slots, "count", "slots.", 65536, &v, err, errlen))
		return -1;
	m->slot_count = (uint32_t)v;
	return get_string(slots, "statedir", "slots.", m->statedir, sizeof(m->statedir), err,
			  errlen);
}

static int parse_interpreter(const cJSON *root, struct boxed_manifest *m, char *err, size_t errlen)
{
	const cJSON *interp, *source, *paths, *p;

	if (!(interp = get_object(root, "interpreter", err, errlen)) ||
	    get_file(interp, "interpreter.", &m->interpreter, err, errlen))
		return -1;
	source = cJSON_GetObjectItemCaseSensitive(interp, "source");
	if (!cJSON_IsObject(source))
		return boxed_errf(err, errlen, "interpreter.source: must be an object");
	if (get_file(source, "interpreter.source.", &m->source, err, errlen) ||
	    get_string(interp, "python_version", "interpreter.", m->python_version,
		       sizeof(m->python_version), err, errlen))
		return -1;
	paths = cJSON_GetObjectItemCaseSensitive(interp, "sys_path");
	if (!cJSON_IsArray(paths))
		return boxed_errf(err, errlen, "interpreter.sys_path: must be an array");
	cJSON_ArrayForEach(p, paths)
	{
		if (!cJSON_IsString(p))
			return boxed_errf(err, errlen, "interpreter.sys_path: must hold strings");
		if (boxed_manifest_add_sys_path(m, p->valuestring) != 0)
			return boxed_errf(err, errlen, "interpreter.sys_path: %s", strerror(errno));
	}
	return 0;
}

static int parse_tree(const cJSON *root, struct boxed_manifest *m, char *err, size_t errlen)
{
	const cJSON *runner, *config;

	if (!cJSON_IsObject(root))
		return boxed_errf(err, errlen, "the top level must be an object");
	if (parse_header(root, m, err, errlen) || parse_group_and_slots(root, m, err, errlen))
		return -1;
	if (!(runner = get_object(root, "runner", err, errlen)) ||
	    get_file(runner, "runner.", &m->runner, err, errlen) ||
	    get_string(runner, "capabilities", "runner.", m->runner_caps, sizeof(m->runner_caps),
		       err, errlen))
		return -1;
	if (parse_interpreter(root, m, err, errlen))
		return -1;
	if (!(config = get_object(root, "config", err, errlen)) ||
	    get_file(config, "config.", &m->config, err, errlen) ||
	    get_bool(config, "created", "config.", &m->config_created, err, errlen))
		return -1;
	return 0;
}

int boxed_manifest_parse(const char *text, struct boxed_manifest *m, char *err, size_t errlen)
{
	cJSON *root;
	int rc;

	memset(m, 0, sizeof(*m));
	root = cJSON_Parse(text);
	if (!root)
		return boxed_errf(err, errlen, "not valid JSON");
	rc = parse_tree(root, m, err, errlen);
	cJSON_Delete(root);
	if (rc != 0)
		boxed_manifest_free(m);
	return rc;
}

int boxed_manifest_load(const char *path, struct boxed_manifest *m, char *err, size_t errlen)
{
	boxed_autofree char *text = NULL;
	char why[256];

	memset(m, 0, sizeof(*m));
	if (boxed_read_file(path, BOXED_MANIFEST_MAX_SIZE, &text, err, errlen) < 0)
		return -1;
	if (boxed_manifest_parse(text, m, why, sizeof(why)) != 0) {
		boxed_errf(err, errlen, "%s: %s", path, why);
		errno = EINVAL;
		return -1;
	}
	return 0;
}
