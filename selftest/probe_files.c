/* The inner side of the probes of a run's own /proc and files: what /proc
 * lists and lets it read of the host, what it writes to its directory,
 * /tmp and /dev/shm and whether another run sees it, and the one disk
 * limit on all three. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inner.h"

/* The pids /proc lists other than 1 and this process's own. Returns how
 * many, -1 if /proc cannot be read; the first of them in list. */
static int other_pids(char *list, size_t len)
{
	DIR *dir = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!dir)
		return -1;
	list[0] = '\0';
	while ((e = readdir(dir))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end || pid <= 0 || pid == 1 || pid == (long)getpid())
			continue;
		if (n++ < 8)
			boxed_selftest_append(list, len, "%s%ld", list[0] ? " " : "", pid);
	}
	closedir(dir);
	return n;
}

/* argv: pids of host processes (as the host numbers them). /proc must
 * list the run alone, and none of their cmdline, environ and status may
 * be read. */
int boxed_selftest_probe_proc_private(int argc, char **argv)
{
	static const char *const files[] = {"cmdline", "environ", "status"};
	char d[900], list[128];
	int others = other_pids(list, sizeof(list)), ok = others == 0 && argc > 0;

	if (others < 0)
		snprintf(d, sizeof(d), "/proc cannot be listed: %s", strerror(errno));
	else
		snprintf(d, sizeof(d), "/proc lists %d process(es) besides 1 and itself%s%s%s",
			 others, others ? " (" : "", list, others ? ")" : "");
	for (int i = 0; i < argc; i++)
		for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
			int e = boxed_selftest_proc_read_errno(strtol(argv[i], NULL, 10), files[f]);

			ok &= e != 0;
			boxed_selftest_append(d, sizeof(d), "; %s/%s: %s", argv[i], files[f],
					      e ? strerror(e) : "READ");
		}
	boxed_selftest_verdict("proc-private", ok, d);
	return 0;
}

/* The places a run writes to: its directory (dir: "." in a run, the stage
 * in control mode), /tmp and /dev/shm. */
static void place_path(char *buf, size_t len, int place, const char *dir, const char *name)
{
	static const char *const fixed[] = {NULL, "/tmp", "/dev/shm"};

	snprintf(buf, len, "%s/%s", place ? fixed[place] : dir, name);
}

static const char *const place_names[] = {"dir", "tmp", "shm"};

/* argv: DIR NAME RELEASE. Writes a world-readable file NAME in each
 * place, says which it wrote, and waits to be released. */
int boxed_selftest_probe_private_files(int argc, char **argv)
{
	cJSON *errs = NULL, *v = boxed_selftest_answer("private-files", &errs);
	char path[4096];

	for (int place = 0; place < 3; place++) {
		int fd, e = 0;

		place_path(path, sizeof(path), place, boxed_selftest_arg_str(argc, argv, 0),
			   boxed_selftest_arg_str(argc, argv, 1));
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || fchmod(fd, 0644) != 0 || write(fd, "boxed\n", 6) != 6)
			e = errno;
		if (fd >= 0)
			close(fd);
		boxed_selftest_add_errno(errs, place_names[place], e);
	}
	boxed_selftest_set_ready();
	cJSON_AddBoolToObject(v, "released",
			      boxed_selftest_await_release(boxed_selftest_arg_str(argc, argv, 2)));
	boxed_selftest_emit(v);
	return 0;
}

/* argv: NAME PATH...: another run looks for the first run's files: NAME
 * in its own directory, /tmp and /dev/shm, and each PATH. */
int boxed_selftest_probe_private_peek(int argc, char **argv)
{
	char path[4096], d[1200] = "";
	int ok = argc > 0;
	struct stat st;

	for (int i = 0; i < argc + 2; i++) {
		int e;

		if (i < 3)
			place_path(path, sizeof(path), i, ".",
				   boxed_selftest_arg_str(argc, argv, 0));
		else
			snprintf(path, sizeof(path), "%s", argv[i - 2]);
		e = stat(path, &st) != 0 ? errno : 0;
		ok &= e == ENOENT || e == EACCES;
		boxed_selftest_append(d, sizeof(d), "%s%.200s: %s", d[0] ? "; " : "", path,
				      e ? strerror(e) : "FOUND");
	}
	boxed_selftest_verdict("private-peek", ok, d);
	return 0;
}

/* Write up to want bytes to path. Returns what was written; *err is the
 * errno that stopped it, 0 if none. */
static unsigned long long fill(const char *path, unsigned long long want, int *err)
{
	static char chunk[65536];
	unsigned long long done = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	*err = 0;
	if (fd < 0) {
		*err = errno;
		return 0;
	}
	memset(chunk, 'd', sizeof(chunk));
	while (done < want) {
		size_t n = want - done < sizeof(chunk) ? (size_t)(want - done) : sizeof(chunk);
		ssize_t w = write(fd, chunk, n);

		if (w <= 0) {
			*err = w < 0 ? errno : ENOSPC;
			break;
		}
		done += (unsigned long long)w;
	}
	close(fd);
	return done;
}

static const char *error_text(int e)
{
	return e ? strerror(e) : "no error";
}

/* argv: LIMIT DIR NAME. Writes 4 MiB more than LIMIT in all: a quarter to
 * /tmp, a quarter to /dev/shm and the rest (with what those refused) to
 * DIR, so that only the sum of the three passes LIMIT. The run's disk
 * limit must stop it with ENOSPC, at LIMIT at the most. */
int boxed_selftest_probe_disk_fill(int argc, char **argv)
{
	unsigned long long limit = boxed_selftest_arg_num(argc, argv, 0),
			   goal = limit + (4ull << 20), total = 0, wrote[3] = {0, 0, 0};
	char path[4096], d[600];
	int err[3] = {0, 0, 0}, full = 0;

	/* EFBIG instead of death, should a file pass --fsize first. */
	signal(SIGXFSZ, SIG_IGN);
	for (int place = 1; place <= 3 && !full; place++) {
		int p = place % 3; /* /tmp, /dev/shm, then the directory */
		unsigned long long share = p ? goal / 4 : goal - total;

		place_path(path, sizeof(path), p, boxed_selftest_arg_str(argc, argv, 1),
			   boxed_selftest_arg_str(argc, argv, 2));
		wrote[p] = fill(path, share, &err[p]);
		total += wrote[p];
		full = err[p] == ENOSPC;
	}
	for (int place = 0; place < 3; place++) {
		place_path(path, sizeof(path), place, boxed_selftest_arg_str(argc, argv, 1),
			   boxed_selftest_arg_str(argc, argv, 2));
		unlink(path);
	}
	snprintf(d, sizeof(d),
		 "wrote %llu KiB to /tmp (%s), %llu KiB to /dev/shm (%s), %llu KiB to its "
		 "directory (%s): %llu KiB in all, limit %llu KiB",
		 wrote[1] >> 10, error_text(err[1]), wrote[2] >> 10, error_text(err[2]),
		 wrote[0] >> 10, error_text(err[0]), total >> 10, limit >> 10);
	boxed_selftest_verdict("disk-limit", full && total <= limit, d);
	return 0;
}
