/* Loading, validating and writing the configuration (config.h). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "die.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "layout.h"

/* Slot ids stay below 2^31: some tools still read ids as signed ints, and
 * systemd reserves everything above (see its UIDS-GIDS document). */
#define SLOT_ID_LIMIT 2147483647ul
#define MIB (1024ull * 1024ull)

void boxed_config_defaults(struct boxed_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->group, sizeof(cfg->group), "%s", BOXED_DEFAULT_GROUP);
	cfg->first_uid = BOXED_DEFAULT_UID_BASE;
	cfg->slot_count = BOXED_DEFAULT_SLOT_COUNT;
	cfg->max_message = 16 * MIB;
	cfg->dflt = (struct boxed_limits){
	    .timeout = 5.0,
	    .cpu = 5,
	    .memory = 512 * MIB,
	    .nproc = 1,
	    .nofile = 64,
	    .fsize = 16 * MIB,
	    .output = 64 * 1024,
	    .disk = 64 * MIB,
	};
	cfg->max = (struct boxed_limits){
	    .timeout = 600.0,
	    .cpu = 600,
	    .memory = 8192 * MIB,
	    .nproc = 256,
	    .nofile = 4096,
	    .fsize = 1024 * MIB,
	    .output = 64 * MIB,
	    .disk = 4096 * MIB,
	};
	cfg->namespaces = 1;
	cfg->require_sealed = 0;
	/* The host's socket directories and the syslog socket. /var/run is a
	 * link to /run on most hosts, and links are skipped. */
	static const char *const hide[] = {"/run", "/var/run", "/dev/log"};
	for (size_t i = 0; i < sizeof(hide) / sizeof(hide[0]); i++)
		snprintf(cfg->no_network_hide[i], BOXED_HIDE_PATH_MAX, "%s", hide[i]);
	cfg->no_network_hide_count = sizeof(hide) / sizeof(hide[0]);
}

static int get_uint(const cJSON *item, const char *key, uint64_t lo, uint64_t hi, uint64_t *out,
		    char *err, size_t errlen)
{
	double v;

	if (!cJSON_IsNumber(item))
		return boxed_errf(err, errlen, "%s: must be a number", key);
	v = item->valuedouble;
	if (!isfinite(v) || v != floor(v) || v < (double)lo || v > (double)hi)
		return boxed_errf(err, errlen, "%s: must be an integer from %llu to %llu", key,
				  (unsigned long long)lo, (unsigned long long)hi);
	*out = (uint64_t)v;
	return 0;
}

static int parse_limits(const cJSON *obj, const char *name, struct boxed_limits *lim, char *err,
			size_t errlen)
{
	const cJSON *item;
	char key[64];

	if (!cJSON_IsObject(obj))
		return boxed_errf(err, errlen, "limits.%s: must be an object", name);
	cJSON_ArrayForEach(item, obj)
	{
		const char *k = item->string;
		uint64_t *field = NULL;
		uint64_t lo = 1, hi = UINT64_C(1) << 50;

		snprintf(key, sizeof(key), "limits.%s.%s", name, k);
		if (strcmp(k, "timeout") == 0) {
			if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble) ||
			    item->valuedouble <= 0 || item->valuedouble > 86400)
				return boxed_errf(err, errlen,
						  "%s: must be a number of seconds in (0, 86400]",
						  key);
			lim->timeout = item->valuedouble;
			continue;
		}
		if (strcmp(k, "cpu") == 0) {
			field = &lim->cpu;
			hi = 86400;
		} else if (strcmp(k, "memory") == 0) {
			field = &lim->memory;
			lo = 16 * MIB;
		} else if (strcmp(k, "nproc") == 0) {
			field = &lim->nproc;
			hi = 65536;
		} else if (strcmp(k, "nofile") == 0) {
			field = &lim->nofile;
			lo = 8;
			hi = 1 << 20;
		} else if (strcmp(k, "fsize") == 0) {
			field = &lim->fsize;
			lo = 0;
		} else if (strcmp(k, "output") == 0) {
			field = &lim->output;
			lo = 0;
		} else if (strcmp(k, "disk") == 0) {
			field = &lim->disk;
			lo = MIB;
			hi = UINT64_C(1) << 40;
		} else {
			return boxed_errf(err, errlen, "%s: unknown key", key);
		}
		if (get_uint(item, key, lo, hi, field, err, errlen) != 0)
			return -1;
	}
	return 0;
}

static int check_default_within_max(const struct boxed_config *cfg, char *err, size_t errlen)
{
	const struct boxed_limits *d = &cfg->dflt, *m = &cfg->max;
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
	    {"cpu", offsetof(struct boxed_limits, cpu)},
	    {"memory", offsetof(struct boxed_limits, memory)},
	    {"nproc", offsetof(struct boxed_limits, nproc)},
	    {"nofile", offsetof(struct boxed_limits, nofile)},
	    {"fsize", offsetof(struct boxed_limits, fsize)},
	    {"output", offsetof(struct boxed_limits, output)},
	    {"disk", offsetof(struct boxed_limits, disk)},
	};

	if (d->timeout > m->timeout)
		return boxed_errf(err, errlen,
				  "limits.default.timeout: exceeds limits.max.timeout");
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		uint64_t dv, mv;

		memcpy(&dv, (const char *)d + fields[i].off, sizeof(dv));
		memcpy(&mv, (const char *)m + fields[i].off, sizeof(mv));
		if (dv > mv)
			return boxed_errf(err, errlen, "limits.default.%s: exceeds limits.max.%s",
					  fields[i].name, fields[i].name);
	}
	return 0;
}

static int parse_group(const cJSON *item, struct boxed_config *cfg, char *err, size_t errlen)
{
	const char *s = cJSON_GetStringValue(item);
	size_t len;

	if (!s)
		return boxed_errf(err, errlen, "group: must be a string");
	len = strlen(s);
	if (len == 0 || len > BOXED_GROUP_NAME_MAX)
		return boxed_errf(err, errlen, "group: must be 1 to %d characters",
				  BOXED_GROUP_NAME_MAX);
	/* The portable group-name set; anything else could smuggle a path or
	 * an option into the commands that mention it. */
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		      (i > 0 && ((c >= '0' && c <= '9') || c == '-' || c == '.'))))
			return boxed_errf(err, errlen, "group: '%s' is not a valid group name", s);
	}
	memcpy(cfg->group, s, len + 1);
	return 0;
}

static int parse_slots(const cJSON *obj, struct boxed_config *cfg, char *err, size_t errlen)
{
	const cJSON *item;
	uint64_t v;

	if (!cJSON_IsObject(obj))
		return boxed_errf(err, errlen, "slots: must be an object");
	cJSON_ArrayForEach(item, obj)
	{
		if (strcmp(item->string, "first_uid") == 0) {
			/* Below 1000 are system accounts on every distribution. */
			if (get_uint(item, "slots.first_uid", 1000, SLOT_ID_LIMIT, &v, err,
				     errlen) != 0)
				return -1;
			cfg->first_uid = (uid_t)v;
		} else if (strcmp(item->string, "count") == 0) {
			if (get_uint(item, "slots.count", 1, 65536, &v, err, errlen) != 0)
				return -1;
			cfg->slot_count = (unsigned)v;
		} else {
			return boxed_errf(err, errlen, "slots.%s: unknown key", item->string);
		}
	}
	if ((uint64_t)cfg->first_uid + cfg->slot_count > SLOT_ID_LIMIT)
		return boxed_errf(err, errlen, "slots: range ends above %lu", SLOT_ID_LIMIT);
	/* 65534 is nobody and 65535 is the 16-bit -1: never a sandbox. */
	if (boxed_config_slot_contains(cfg, 65534) || boxed_config_slot_contains(cfg, 65535))
		return boxed_errf(err, errlen, "slots: range contains 65534 (nobody) or 65535");
	return 0;
}

/* Paths that must stay visible to every run: covering them would hide the
 * run's own directory, the interpreter, or what the seal itself mounts. */
static int hide_would_break_the_run(const char *path)
{
	static const char *const needed[] = {BOXED_STATEDIR, BOXED_PKGLIBDIR, "/proc", "/tmp",
					     "/dev/shm",     "/dev/null",     "/usr",  "/etc"};
	size_t n = strlen(path);

	if (strcmp(path, "/") == 0)
		return 1;
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		if (strncmp(needed[i], path, n) == 0 && (needed[i][n] == '/' || !needed[i][n]))
			return 1;
	return 0;
}

static int parse_hide(const cJSON *list, struct boxed_config *cfg, char *err, size_t errlen)
{
	const cJSON *item;
	unsigned n = 0;

	if (!cJSON_IsArray(list))
		return boxed_errf(err, errlen, "no_network_hide: must be an array of paths");
	cJSON_ArrayForEach(item, list)
	{
		const char *p = cJSON_GetStringValue(item);

		if (n == BOXED_HIDE_MAX)
			return boxed_errf(err, errlen, "no_network_hide: at most %d paths",
					  BOXED_HIDE_MAX);
		if (!p || p[0] != '/' || strlen(p) >= BOXED_HIDE_PATH_MAX || strstr(p, "/../") ||
		    strstr(p, "/./") || strstr(p, "//") ||
		    (strlen(p) > 1 && p[strlen(p) - 1] == '/'))
			return boxed_errf(err, errlen,
					  "no_network_hide: '%s' is not a normalized absolute path",
					  p ? p : "(not a string)");
		if (hide_would_break_the_run(p))
			return boxed_errf(err, errlen,
					  "no_network_hide: '%s' would hide what every run needs",
					  p);
		snprintf(cfg->no_network_hide[n++], BOXED_HIDE_PATH_MAX, "%s", p);
	}
	cfg->no_network_hide_count = n;
	return 0;
}

static int parse_root(const cJSON *root, struct boxed_config *cfg, char *err, size_t errlen)
{
	const cJSON *item;

	if (!cJSON_IsObject(root))
		return boxed_errf(err, errlen, "top level: must be an object");
	cJSON_ArrayForEach(item, root)
	{
		const char *k = item->string;
		uint64_t v;

		if (strcmp(k, "group") == 0) {
			if (parse_group(item, cfg, err, errlen) != 0)
				return -1;
		} else if (strcmp(k, "slots") == 0) {
			if (parse_slots(item, cfg, err, errlen) != 0)
				return -1;
		} else if (strcmp(k, "max_message") == 0) {
			if (get_uint(item, k, 1024, 1ull << 30, &v, err, errlen) != 0)
				return -1;
			cfg->max_message = v;
		} else if (strcmp(k, "namespaces") == 0 || strcmp(k, "require_sealed") == 0) {
			if (!cJSON_IsBool(item))
				return boxed_errf(err, errlen, "%s: must be true or false", k);
			*(k[0] == 'n' ? &cfg->namespaces : &cfg->require_sealed) =
			    cJSON_IsTrue(item);
		} else if (strcmp(k, "no_network_hide") == 0) {
			if (parse_hide(item, cfg, err, errlen) != 0)
				return -1;
		} else if (strcmp(k, "limits") == 0) {
			const cJSON *sub;

			if (!cJSON_IsObject(item))
				return boxed_errf(err, errlen, "limits: must be an object");
			cJSON_ArrayForEach(sub, item)
			{
				struct boxed_limits *lim;

				if (strcmp(sub->string, "default") == 0)
					lim = &cfg->dflt;
				else if (strcmp(sub->string, "max") == 0)
					lim = &cfg->max;
				else
					return boxed_errf(err, errlen, "limits.%s: unknown key",
							  sub->string);
				if (parse_limits(sub, sub->string, lim, err, errlen) != 0)
					return -1;
			}
		} else {
			return boxed_errf(err, errlen, "%s: unknown key", k);
		}
	}
	if (cfg->require_sealed && !cfg->namespaces)
		return boxed_errf(
		    err, errlen,
		    "require_sealed: true needs namespaces: true (the seal is made of "
		    "them)");
	return check_default_within_max(cfg, err, errlen);
}

int boxed_config_parse(const char *text, struct boxed_config *cfg, char *err, size_t errlen)
{
	cJSON *root;
	int rc;

	boxed_config_defaults(cfg);
	root = boxed_json_parse_strict(text, strlen(text), err, errlen);
	if (!root)
		return -1;
	rc = parse_root(root, cfg, err, errlen);
	cJSON_Delete(root);
	return rc;
}

int boxed_config_load(const char *path, struct boxed_config *cfg, char *err, size_t errlen)
{
	boxed_autofree char *text = NULL;
	char why[512];

	if (boxed_check_trusted_path(path, why, sizeof(why)) != 0) {
		boxed_errf(err, errlen, "refusing config %s: %s", path, why);
		return BOXED_CONFIG_UNTRUSTED;
	}
	if (boxed_read_file(path, BOXED_CONFIG_MAX_SIZE, &text, err, errlen) < 0)
		return BOXED_CONFIG_INVALID;
	if (boxed_config_parse(text, cfg, why, sizeof(why)) != 0) {
		boxed_errf(err, errlen, "%s: %s", path, why);
		return BOXED_CONFIG_INVALID;
	}
	return 0;
}

static cJSON *limits_to_json(const struct boxed_limits *lim)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "timeout", lim->timeout);
	cJSON_AddNumberToObject(o, "cpu", (double)lim->cpu);
	cJSON_AddNumberToObject(o, "memory", (double)lim->memory);
	cJSON_AddNumberToObject(o, "nproc", (double)lim->nproc);
	cJSON_AddNumberToObject(o, "nofile", (double)lim->nofile);
	cJSON_AddNumberToObject(o, "fsize", (double)lim->fsize);
	cJSON_AddNumberToObject(o, "output", (double)lim->output);
	cJSON_AddNumberToObject(o, "disk", (double)lim->disk);
	return o;
}

char *boxed_config_to_json(const struct boxed_config *cfg)
{
	cJSON *root = cJSON_CreateObject(), *slots, *limits, *hide;
	char *text;

	if (!root)
		return NULL;
	cJSON_AddStringToObject(root, "group", cfg->group);
	slots = cJSON_AddObjectToObject(root, "slots");
	cJSON_AddNumberToObject(slots, "first_uid", (double)cfg->first_uid);
	cJSON_AddNumberToObject(slots, "count", (double)cfg->slot_count);
	cJSON_AddNumberToObject(root, "max_message", (double)cfg->max_message);
	limits = cJSON_AddObjectToObject(root, "limits");
	cJSON_AddItemToObject(limits, "default", limits_to_json(&cfg->dflt));
	cJSON_AddItemToObject(limits, "max", limits_to_json(&cfg->max));
	cJSON_AddBoolToObject(root, "namespaces", cfg->namespaces);
	cJSON_AddBoolToObject(root, "require_sealed", cfg->require_sealed);
	hide = cJSON_AddArrayToObject(root, "no_network_hide");
	for (unsigned i = 0; hide && i < cfg->no_network_hide_count; i++)
		cJSON_AddItemToArray(hide, cJSON_CreateString(cfg->no_network_hide[i]));
	text = cJSON_Print(root);
	cJSON_Delete(root);
	return text;
}

int boxed_config_slot_contains(const struct boxed_config *cfg, unsigned long id)
{
	return id >= cfg->first_uid && id - cfg->first_uid < cfg->slot_count;
}
