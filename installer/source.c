/* The source interpreter of install --python: resolved, owned by root
 * under trusted directories, audited and hashed through one fd, and run
 * once as an unused slot uid (with nothing left of root) to learn its
 * version and sys.path. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "become.h"
#include "clock.h"
#include "die.h"
#include "elfaudit.h"
#include "fsutil.h"
#include "layout.h"
#include "setup.h"
#include "sha256.h"
#include "slot.h"

#define DEFAULT_PYTHON "/usr/bin/python3"
#define PROBE_OUTPUT_MAX (64 * 1024)
#define PROBE_TIMEOUT_MS 20000

/* -I ignores PYTHON* variables and the user's site directory, -S skips
 * site.py: the probe runs nothing but the interpreter itself. */
static const char probe_script[] =
    "import json, sys\n"
    "print(json.dumps({'version': sys.version.split()[0], 'path': sys.path}))\n";

static void audit_source_elf(struct boxed_setup_ctx *ctx, struct boxed_source *src)
{
	struct boxed_findings f = {0};
	unsigned flags = ctx->paths.root[0] ? BOXED_ELF_NO_NEEDED : 0;

	if (boxed_setup_audit_interpreter_elf(src->fd, src->path, flags, &f) > BOXED_SEV_WARNING) {
		boxed_findings_print(&f, stderr, 0);
		boxed_die("%s: fails the ELF audit (above); choose another --python", src->path);
	}
	boxed_findings_free(&f);
}

static void open_source(const char *python, struct boxed_source *src)
{
	char err[PATH_MAX + 256];
	struct stat st;

	/* The path as given, symlinks included, and below the resolved file:
	 * whoever can write any directory on either could swap the
	 * interpreter. */
	if (python[0] == '/' && access(python, F_OK) == 0 &&
	    boxed_check_trusted_path(python, err, sizeof(err)) != 0)
		boxed_die("source interpreter not trusted: %s", err);
	if (!realpath(python, src->path))
		boxed_die_errno("--python %s: cannot resolve it", python);
	src->fd = open(src->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (src->fd < 0)
		boxed_die_errno("%s: open", src->path);
	if (fstat(src->fd, &st) != 0)
		boxed_die_errno("%s: fstat", src->path);
	if (!S_ISREG(st.st_mode))
		boxed_die("%s: not a regular file", src->path);
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		boxed_die("%s: must be owned by root and not writable by group or other "
			  "(uid %u, mode %04o)",
			  src->path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	if (!(st.st_mode & S_IXUSR))
		boxed_die("%s: not executable", src->path);
	if (boxed_check_trusted_path(src->path, err, sizeof(err)) != 0)
		boxed_die("source interpreter not trusted: %s", err);
	if (boxed_setup_check_host_elf(src->fd, err, sizeof(err)) != 0)
		boxed_die("%s: %s; --python must name a Python interpreter binary", src->path, err);
	src->size = st.st_size;
	if (boxed_sha256_fd(src->fd, src->sha256) != 0)
		boxed_die_errno("%s: reading it", src->path);
}

/* The probe runs as a slot uid, so it holds the slot's lock: no sandbox
 * shares the uid while it runs. Returns the lock fd, or -1 when the slots
 * do not exist yet (then no sandbox can run as any of them). */
static int lock_probe_slot(struct boxed_setup_ctx *ctx, unsigned *index)
{
	char rel[PATH_MAX], path[PATH_MAX];

	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < ctx->cfg.slot_count; i++) {
			int fd;

			if (boxed_slot_lock_path(rel, sizeof(rel), BOXED_STATEDIR, i) ||
			    boxed_setup_rooted(&ctx->paths, rel, path, sizeof(path)))
				boxed_die("slot lock path too long");
			fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0 && errno == ENOENT && i == 0)
				return -1;
			if (fd < 0)
				continue;
			if (flock(fd, pass == 0 ? LOCK_EX | LOCK_NB : LOCK_EX) == 0) {
				*index = i;
				return fd;
			}
			close(fd);
			if (pass == 1)
				boxed_die_errno("flock %s", path);
		}
	}
	boxed_die("no slot lock could be taken for the interpreter probe");
}

/* In the child: become the slot uid for good, then run the interpreter.
 * Each step is checked; a failure ends the child before exec. */
__attribute__((noreturn)) static void probe_child(struct boxed_setup_ctx *ctx, int fd,
						  const char *path, uid_t uid, int out)
{
	char *const argv[] = {(char *)path, "-I", "-S", "-c", (char *)probe_script, NULL};
	char *const envp[] = {"PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8", NULL};
	struct boxed_identity nobody = {.uid = uid, .gid = (gid_t)uid};
	struct rlimit cpu = {10, 10};
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char err[256];

	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	if (chdir("/") != 0)
		boxed_die_child_errno("probe: chdir /");
	/* The interpreter is not trusted yet: it runs as an unused uid with
	 * nothing left of root (lib/become.c). */
	if (ctx->privileged && boxed_become(&nobody, err, sizeof(err)) != 0)
		boxed_die_child("probe: dropping to uid %u: %s", (unsigned)uid, err);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		boxed_die_child_errno("probe: prctl(PR_SET_NO_NEW_PRIVS)");
	if (setrlimit(RLIMIT_CPU, &cpu) != 0)
		boxed_die_child_errno("probe: setrlimit(RLIMIT_CPU)");
	/* Run the very file that was verified, not whatever the path names
	 * by now. */
	execveat(fd, "", argv, envp, AT_EMPTY_PATH);
	boxed_die_child_errno("probe: execveat %s", path);
}

static char *read_probe(int in, pid_t pid, int *timed_out)
{
	double start = boxed_now();
	size_t len = 0;
	char *buf = malloc(PROBE_OUTPUT_MAX + 1);

	if (!buf)
		boxed_die("out of memory");
	*timed_out = 0;
	for (;;) {
		struct pollfd pfd = {.fd = in, .events = POLLIN};
		long waited = (long)((boxed_now() - start) * 1000);
		ssize_t n;
		int rc;

		if (waited >= PROBE_TIMEOUT_MS) {
			*timed_out = 1;
			kill(pid, SIGKILL);
			break;
		}
		rc = poll(&pfd, 1, (int)(PROBE_TIMEOUT_MS - waited));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			boxed_die_errno("poll");
		if (rc == 0)
			continue;
		n = read(in, buf + len, PROBE_OUTPUT_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (len += (size_t)n) == PROBE_OUTPUT_MAX)
			break;
	}
	buf[len] = '\0';
	return buf;
}

static void parse_probe(const char *path, const char *out, struct boxed_source *src)
{
	cJSON *doc = cJSON_Parse(out), *p, *entry;
	const char *version;
	size_t n;

	version =
	    doc ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "version")) : NULL;
	p = doc ? cJSON_GetObjectItemCaseSensitive(doc, "path") : NULL;
	if (!version || !cJSON_IsArray(p))
		boxed_die("%s: ran, but did not print what a Python interpreter prints: %.200s",
			  path, out);
	n = strlen(version);
	if (n == 0 || n >= sizeof(src->version))
		boxed_die("%s: implausible version '%.60s'", path, version);
	memcpy(src->version, version, n + 1);
	cJSON_ArrayForEach(entry, p)
	{
		if (!cJSON_IsString(entry))
			continue;
		if (src->sys_path_count == BOXED_MANIFEST_SYS_PATH_MAX)
			break;
		src->sys_path[src->sys_path_count] = strdup(entry->valuestring);
		if (!src->sys_path[src->sys_path_count++])
			boxed_die("out of memory");
	}
	cJSON_Delete(doc);
}

/* The one fork of boxed-setup. boxed_command_run() (posix_spawn) cannot
 * serve here: the child must become the slot uid (boxed_become()) and set
 * no_new_privs and a CPU limit between fork and exec, and the parent reads
 * its output under a time limit; lib/command.h leaves such a child to its
 * caller. */
static void probe(struct boxed_setup_ctx *ctx, struct boxed_source *src)
{
	boxed_autoclose int lock = -1;
	boxed_autofree char *out = NULL;
	unsigned index = 0;
	int pipefd[2], status, timed_out;
	uid_t uid;
	pid_t pid;

	if (ctx->privileged)
		lock = lock_probe_slot(ctx, &index);
	uid = boxed_slot_uid(&ctx->cfg, index);
	if (pipe2(pipefd, O_CLOEXEC) != 0)
		boxed_die_errno("pipe2");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		boxed_die_errno("fork");
	if (pid == 0)
		probe_child(ctx, src->fd, src->path, uid, pipefd[1]);
	close(pipefd[1]);
	out = read_probe(pipefd[0], pid, &timed_out);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			boxed_die_errno("waitpid");
	if (timed_out)
		boxed_die("%s: the unprivileged test run did not finish in %d s", src->path,
			  PROBE_TIMEOUT_MS / 1000);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		boxed_die("%s: the unprivileged test run (uid %u) failed (%s %d): %.300s",
			  src->path, ctx->privileged ? (unsigned)uid : (unsigned)getuid(),
			  WIFEXITED(status) ? "exit status" : "signal",
			  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), out);
	parse_probe(src->path, out, src);
}

void boxed_setup_source_verify(struct boxed_setup_ctx *ctx, const char *python,
			       struct boxed_source *src)
{
	memset(src, 0, sizeof(*src));
	src->fd = -1;
	open_source(python ? python : DEFAULT_PYTHON, src);
	audit_source_elf(ctx, src);
	probe(ctx, src);
}

void boxed_setup_source_free(struct boxed_source *src)
{
	for (size_t i = 0; i < src->sys_path_count; i++)
		free(src->sys_path[i]);
	src->sys_path_count = 0;
	boxed_closep(&src->fd);
}
