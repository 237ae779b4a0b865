/* boxed-setup's internal interfaces: one file per subcommand, plus the
 * steps install is made of. Only main.c parses argv and exits. */
#ifndef BOXED_SETUP_H
#define BOXED_SETUP_H

#include <limits.h>
#include <stdio.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "findings.h"
#include "manifest.h"

/* Exit statuses, documented in boxed-setup(8). */
enum {
	BOXED_SETUP_EXIT_OK = 0,
	BOXED_SETUP_EXIT_FAIL = 1,  /* failed, or audit found an error */
	BOXED_SETUP_EXIT_USAGE = 2, /* bad command line */
	/* audit, status: nothing checked was wrong, but some checks need
	 * rights this process lacks (root, or membership of the group) */
	BOXED_SETUP_EXIT_INCOMPLETE = 3,
};

enum boxed_setup_cmd {
	BOXED_SETUP_INSTALL,
	BOXED_SETUP_AUDIT,
	BOXED_SETUP_STATUS,
	BOXED_SETUP_UNINSTALL,
	BOXED_SETUP_MIGRATE_LEGACY,
	BOXED_SETUP_AUDIT_ELF,
};

struct boxed_setup_args {
	enum boxed_setup_cmd cmd;
	const char *python; /* install --python, NULL: the default */
	const char *root;   /* --root, NULL: the host */
	const char *group;  /* install --group, NULL: the config's or default */
	int json;
	int purge;
	int sub_argc; /* audit-elf: its own argv, from its name on */
	char **sub_argv;
	const char *usage;   /* BOXED_SETUP_PARSE_HELP: the text to print */
	const char *command; /* BOXED_SETUP_PARSE_ERROR in a command: its name */
};

enum boxed_setup_parse_result {
	BOXED_SETUP_PARSE_OK,
	BOXED_SETUP_PARSE_HELP,
	BOXED_SETUP_PARSE_VERSION,
	BOXED_SETUP_PARSE_ERROR, /* err holds the reason */
};

/* Parse argv into a without printing or exiting. */
enum boxed_setup_parse_result boxed_setup_parse(int argc, char **argv, struct boxed_setup_args *a,
						char *err, size_t errlen);

/* Parse argv into a. Prints help or the version and exits 0 for --help and
 * --version; prints the problem and exits BOXED_SETUP_EXIT_USAGE on a usage
 * error. Returns only for a command to run. */
void boxed_setup_parse_args(int argc, char **argv, struct boxed_setup_args *a);

/* Every path the installation touches, under the staging root. */
struct boxed_setup_paths {
	char root[PATH_MAX]; /* "" for the host */
	char runner[PATH_MAX];
	char pkglibdir[PATH_MAX];
	char interpreter[PATH_MAX];
	char configdir[PATH_MAX];
	char config[PATH_MAX];
	char statedir[PATH_MAX];
	char manifest[PATH_MAX];
	char lock[PATH_MAX];
	char legacy[PATH_MAX];
};

/* Resolve root (NULL or "/": the host; otherwise an existing directory,
 * made absolute) and prefix every layout path with it. Returns 0, or -1
 * with the reason in err. */
__attribute__((warn_unused_result)) int
boxed_setup_paths_init(struct boxed_setup_paths *p, const char *root, char *err, size_t errlen);

/* Prefix an installed path with the root into buf. Returns 0, or -1
 * (ENAMETOOLONG). */
__attribute__((warn_unused_result)) int boxed_setup_rooted(const struct boxed_setup_paths *p,
							   const char *path, char *buf, size_t len);

/* What install learns about the source interpreter before touching
 * anything. */
struct boxed_source {
	char path[PATH_MAX]; /* resolved */
	int fd;		     /* O_RDONLY, the file that was verified */
	off_t size;
	char sha256[65];
	char version[128];
	char *sys_path[BOXED_MANIFEST_SYS_PATH_MAX];
	size_t sys_path_count;
};

/* The running state of one install. */
struct boxed_setup_ctx {
	struct boxed_setup_paths paths;
	const struct boxed_setup_args *args;
	int privileged; /* euid 0: ownership, group and capabilities apply */
	int changes;
	struct boxed_config cfg;
	int config_exists;
	char old_group[BOXED_GROUP_NAME_MAX + 1]; /* --group changes the config's: the old */
	char config_sha256_before[65];		  /* of the config as install found it */
	gid_t gid;
	int group_created;
	cJSON *actions;	      /* --json: what was done */
	unsigned *unrepaired; /* the slots boxed_setup_statedir() could not repair */
	size_t n_unrepaired;
};

/* Record one change (printed at once, or kept for --json). */
__attribute__((format(printf, 2, 3))) void boxed_setup_changed(struct boxed_setup_ctx *ctx,
							       const char *fmt, ...);

/* Verify the source interpreter (ELF for this host, root-owned, trusted
 * ancestors), hash it and run it once without privilege. Dies with the
 * reason on failure, before anything is changed. */
void boxed_setup_source_verify(struct boxed_setup_ctx *ctx, const char *python,
			       struct boxed_source *src);
void boxed_setup_source_free(struct boxed_source *src);

/* Is the ELF open on fd an executable for this host's class and machine?
 * Returns 0, or -1 with the reason in err. */
__attribute__((warn_unused_result)) int boxed_setup_check_host_elf(int fd, char *err,
								   size_t errlen);

/* Run the ELF audit on an interpreter: hardening that only matters for a
 * privileged process (PIE, RELRO, BIND_NOW) is at most a warning there,
 * because the interpreter holds no privilege. Returns the worst severity. */
enum boxed_severity boxed_setup_audit_interpreter_elf(int fd, const char *subject, unsigned flags,
						      struct boxed_findings *out);

/* Run the ELF audit on the runner, every finding at its own severity.
 * Returns the worst severity. */
enum boxed_severity boxed_setup_audit_runner_elf(int fd, const char *subject, unsigned flags,
						 struct boxed_findings *out);

/* Copy the verified source to the interpreter path, atomically. Dies on
 * failure, leaving the old copy (or none) in place. */
void boxed_setup_copy_interpreter(struct boxed_setup_ctx *ctx, const struct boxed_source *src);

/* The state directory as the runner relies on it (G: the group, U: the
 * slot's uid and gid): made by boxed_setup_statedir(), checked by audit
 * and by boxed_setup_slot_problem(). */
enum {
	BOXED_SETUP_STATEDIR_MODE = 0755, /* STATEDIR, root:root */
	BOXED_SETUP_LOCKS_MODE = 0750,	  /* locks/, root:G */
	BOXED_SETUP_LOCK_MODE = 0640,	  /* locks/N.lock, root:G */
	BOXED_SETUP_SLOTS_MODE = 0711,	  /* slots/, root:root: no listing */
	BOXED_SETUP_SLOT_MODE = 0710,	  /* slots/N, root:U: only U passes */
	BOXED_SETUP_HOME_MODE = 0700,	  /* slots/N/home, U:U: the run's */
};

/* Create or repair the state directory, the lock files and the slot
 * directories (lib/slot.h). Dies when the state directory or its locks/ or
 * slots/ cannot be made right. A slot that cannot be repaired is named on
 * stderr with the reason and added to ctx->unrepaired, and the other slots
 * are still repaired: install fails at its end. */
void boxed_setup_statedir(struct boxed_setup_ctx *ctx);

/* What is wrong with slot index of statedir (open on statedir_fd), as the
 * runner would meet it: its directory and run directory (owner, mode, type)
 * and what they hold that the slot's uid could not remove. Writes the
 * first problem into msg and returns 1, or returns 0 when the slot is
 * sound. Leftovers that the next run removes itself are not a problem. */
int boxed_setup_slot_problem(int statedir_fd, const struct boxed_config *cfg, unsigned index,
			     char *msg, size_t msglen);

/* Make `path` and its missing parents as root-owned 0755 directories. */
void boxed_setup_mkdirs(struct boxed_setup_ctx *ctx, const char *path);

/* Find the group's gid, creating the group if it is missing. Dies on
 * failure. */
void boxed_setup_group(struct boxed_setup_ctx *ctx);

/* Look a group up in root's group file (or the host's database when root
 * has none). Returns 0 and the gid, 1 when absent, -1 on error. */
__attribute__((warn_unused_result)) int boxed_setup_group_lookup(const char *root, const char *name,
								 gid_t *gid);

/* The subcommands; each returns the process exit status. */
int boxed_setup_install(const struct boxed_setup_args *a);
int boxed_setup_audit(const struct boxed_setup_args *a);
int boxed_setup_status(const struct boxed_setup_args *a);
int boxed_setup_uninstall(const struct boxed_setup_args *a);
int boxed_setup_migrate_legacy(const struct boxed_setup_args *a);

/* Add the findings of every interpreter-like file that carries a file
 * capability (the original python_boxed layout) to out: CRITICAL each. */
void boxed_setup_scan_capable_interpreters(const struct boxed_setup_paths *p,
					   struct boxed_findings *out);

/* A run killed between naming a temp file for dir/name (lib/tmpfile.h)
 * and renaming it leaves the name behind; the next run, holding the setup
 * lock, removes it here. Dies on failure. */
void boxed_setup_sweep(struct boxed_setup_ctx *ctx, int dirfd, const char *dir, const char *name);

/* Run the group tool at path (groupadd, groupdel) on name, with option
 * (or NULL) and, for a staging root, --prefix root, in a fixed
 * environment. Returns its exit status, or -1 with errno set when it could
 * not be started. */
int boxed_setup_group_tool(const char *path, const char *option, const char *root,
			   const char *name);

/* Print a cJSON document on stdout and free it. */
void boxed_setup_print_json(cJSON *doc);

#endif
