/* The configuration, /etc/boxed/boxed.json: the slot range, the group and
 * the limits. It is root's policy: the runner refuses a config file that
 * anyone but root could have written, and callers can only lower limits.
 *
 * Parsing is strict (isolate's rule): an unknown key, a wrong type or a
 * number out of range is an error that names the key.
 */
#ifndef BOXED_CONFIG_H
#define BOXED_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BOXED_CONFIG_MAX_SIZE (64 * 1024)
#define BOXED_GROUP_NAME_MAX 32

struct boxed_limits {
	double timeout;	 /* wall clock, seconds, > 0 */
	uint64_t cpu;	 /* RLIMIT_CPU, seconds */
	uint64_t memory; /* RLIMIT_AS, bytes */
	uint64_t nproc;	 /* RLIMIT_NPROC, processes of the slot uid */
	uint64_t nofile; /* RLIMIT_NOFILE */
	uint64_t fsize;	 /* RLIMIT_FSIZE, bytes */
	uint64_t output; /* captured stdout + stderr, bytes each */
	uint64_t disk;	 /* the run's private directory, /tmp and /dev/shm together, bytes */
};

/* Paths hidden from a run under --no-network (no_network_hide). */
#define BOXED_HIDE_MAX 16
#define BOXED_HIDE_PATH_MAX 256

struct boxed_config {
	char group[BOXED_GROUP_NAME_MAX + 1]; /* members may run boxed-run */
	uid_t first_uid;		      /* slot i runs as first_uid + i */
	unsigned slot_count;
	uint64_t max_message;	  /* request and result size bound, bytes */
	struct boxed_limits dflt; /* used when the caller asks for nothing */
	struct boxed_limits max;  /* what a caller may ask for at most */
	int namespaces;		  /* give each run its own namespaces (the seal) */
	int require_sealed;	  /* refuse to run where the seal cannot be made */
	/* Under --no-network, these host paths are covered: a directory by an
	 * empty read-only tmpfs, anything else by /dev/null. Absolute. */
	char no_network_hide[BOXED_HIDE_MAX][BOXED_HIDE_PATH_MAX];
	unsigned no_network_hide_count;
};

/* Fill cfg with the built-in defaults. */
void boxed_config_defaults(struct boxed_config *cfg);

/* Parse and validate JSON text into cfg; keys that are absent keep their
 * built-in defaults. Returns 0, or -1 with a message naming the key. */
__attribute__((warn_unused_result)) int
boxed_config_parse(const char *text, struct boxed_config *cfg, char *err, size_t errlen);

/* What boxed_config_load() returns besides 0. */
enum {
	BOXED_CONFIG_UNTRUSTED = -1, /* path or an ancestor writable by others */
	BOXED_CONFIG_INVALID = -2,   /* unreadable, not JSON, or a bad key */
};

/* Check that path and its ancestors are root-owned and not writable by
 * others, then read and parse it. Returns 0, or BOXED_CONFIG_UNTRUSTED or
 * BOXED_CONFIG_INVALID with the reason in err. */
__attribute__((warn_unused_result)) int
boxed_config_load(const char *path, struct boxed_config *cfg, char *err, size_t errlen);

/* The config as formatted JSON (malloc'd), or NULL on allocation failure. */
char *boxed_config_to_json(const struct boxed_config *cfg);

/* Does the slot range [first_uid, first_uid + slot_count) contain id? */
int boxed_config_slot_contains(const struct boxed_config *cfg, unsigned long id);

#endif
