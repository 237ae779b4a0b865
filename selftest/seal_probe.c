/* The inner side of the probes of the seal (BLUEPRINT §2a): what a run
 * tries from inside, as the runner's target (or, in control mode, directly
 * as the caller). Each prints one JSON line; the outer side (seal.c)
 * judges it together with what it sees from the host meanwhile.
 *
 * A probe that the outer side must look at while it lives names itself
 * "st-ready" (PR_SET_NAME, seen in /proc/PID/status) once it has done its
 * part, then waits for the outer side to create a release file. A run's
 * stdout reaches the outer side only at its end (boxed-run --json), and its
 * stdin is /dev/null, so the process name and a file are the two ways in
 * and out while it runs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "selftest.h"

/* How long a probe waits for its release, and a hog for the run's end:
 * far longer than either takes, short enough that a broken run ends. */
#define RELEASE_WAIT 20.0
#define END_WAIT 3.0

static const struct timespec poll_pause = {0, 5 * 1000 * 1000};

/* Print v as one line, then free it. */
static void emit(cJSON *v)
{
	char *text = v ? cJSON_PrintUnformatted(v) : NULL;

	puts(text ? text : "{\"isolated\":null}");
	fflush(stdout);
	free(text);
	cJSON_Delete(v);
}

/* {"probe": name, "errno": {}}: the object probes add their answers to. */
static cJSON *answer(const char *name, cJSON **errs)
{
	cJSON *v = cJSON_CreateObject();

	if (!v || !cJSON_AddStringToObject(v, "probe", name) ||
	    !(*errs = cJSON_AddObjectToObject(v, "errno"))) {
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

static void add_errno(cJSON *errs, const char *what, int e)
{
	if (errs)
		cJSON_AddNumberToObject(errs, what, e);
}

/* Tell the outer side that this process has done its part. */
static void set_ready(void)
{
	prctl(PR_SET_NAME, "st-ready", 0, 0, 0);
}

/* Wait until the outer side creates path. Returns 1, or 0 when it did
 * not within RELEASE_WAIT. */
static int await_release(const char *path)
{
	double give_up = boxed_selftest_now() + RELEASE_WAIT;
	struct stat st;

	while (stat(path, &st) != 0) {
		if (boxed_selftest_now() >= give_up)
			return 0;
		nanosleep(&poll_pause, NULL);
	}
	return 1;
}

static unsigned long arg_num(int argc, char **argv, int i)
{
	return i < argc ? strtoul(argv[i], NULL, 0) : 0;
}

static const char *arg_str(int argc, char **argv, int i)
{
	return i < argc ? argv[i] : "";
}

/* ---- ipc ---- */

void boxed_selftest_ipc_open(key_t key, const char *name, int err[BOXED_SELFTEST_IPC_KINDS])
{
	mqd_t mq;
	int fd;

	err[0] = shmget(key, 0, 0) < 0 ? errno : 0;
	err[1] = msgget(key, 0) < 0 ? errno : 0;
	err[2] = semget(key, 0, 0) < 0 ? errno : 0;
	mq = mq_open(name, O_RDONLY | O_CLOEXEC);
	err[3] = mq == (mqd_t)-1 ? errno : 0;
	if (mq != (mqd_t)-1)
		mq_close(mq);
	fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0);
	err[4] = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
}

const char *const boxed_selftest_ipc_kinds[BOXED_SELFTEST_IPC_KINDS] = {
    "sysv-shm", "sysv-msg", "sysv-sem", "posix-mq", "posix-shm"};

/* Create each kind of IPC object under key and name, readable and
 * writable by all (0666), so that only the run's namespaces can keep
 * another process from it. Each err[] is 0 or the errno of the refusal. */
static void create_ipc(key_t key, const char *name, int err[BOXED_SELFTEST_IPC_KINDS])
{
	struct mq_attr attr = {.mq_maxmsg = 1, .mq_msgsize = 64};
	struct {
		long type;
		char text[8];
	} msg = {1, "boxed"};
	mqd_t mq;
	int id, fd;

	id = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0666);
	err[0] = id < 0 ? errno : 0;
	id = msgget(key, IPC_CREAT | IPC_EXCL | 0666);
	err[1] = id < 0 ? errno : 0;
	if (id >= 0 && msgsnd(id, &msg, sizeof(msg.text), IPC_NOWAIT) != 0)
		err[1] = errno;
	id = semget(key, 1, IPC_CREAT | IPC_EXCL | 0666);
	err[2] = id < 0 ? errno : 0;
	mq = mq_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0666, &attr);
	err[3] = mq == (mqd_t)-1 ? errno : 0;
	if (mq != (mqd_t)-1)
		mq_close(mq);
	fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0666);
	err[4] = fd < 0 ? errno : 0;
	if (fd >= 0 && ftruncate(fd, 4096) != 0)
		err[4] = errno;
	if (fd >= 0)
		close(fd);
}

/* argv: KEY NAME RELEASE. Creates the objects, waits to be released, and
 * says which it created and whether they were all still there (opened
 * again by key and name) when it was released. */
int boxed_selftest_probe_ipc(int argc, char **argv)
{
	key_t key = (key_t)arg_num(argc, argv, 0);
	const char *name = arg_str(argc, argv, 1);
	int made[BOXED_SELFTEST_IPC_KINDS], again[BOXED_SELFTEST_IPC_KINDS], kept = 1;
	cJSON *errs = NULL, *v = answer("ipc", &errs);

	create_ipc(key, name, made);
	set_ready();
	cJSON_AddBoolToObject(v, "released", await_release(arg_str(argc, argv, 2)));
	boxed_selftest_ipc_open(key, name, again);
	for (int i = 0; i < BOXED_SELFTEST_IPC_KINDS; i++) {
		add_errno(errs, boxed_selftest_ipc_kinds[i], made[i]);
		kept &= made[i] != 0 || again[i] == 0;
	}
	cJSON_AddBoolToObject(v, "kept", kept);
	emit(v);
	return 0;
}

/* argv: KEY NAME. Another run: what opening the first run's objects by
 * key and name gives. */
int boxed_selftest_probe_ipc_open(int argc, char **argv)
{
	int err[BOXED_SELFTEST_IPC_KINDS];
	cJSON *errs = NULL, *v = answer("ipc-open", &errs);

	boxed_selftest_ipc_open((key_t)arg_num(argc, argv, 0), arg_str(argc, argv, 1), err);
	for (int i = 0; i < BOXED_SELFTEST_IPC_KINDS; i++)
		add_errno(errs, boxed_selftest_ipc_kinds[i], err[i]);
	emit(v);
	return 0;
}

/* ---- run-ends ---- */

/* Start a daemon: a double fork into a session of its own, its output
 * closed (a daemon that outlived the run must not hold the runner's
 * pipes), named "st-daemon". Returns 0 once it is up, or the errno. */
static int start_daemon(void)
{
	int p[2], st;
	char c;
	pid_t pid;

	if (pipe(p) != 0)
		return errno;
	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		setsid();
		if (fork() != 0)
			_exit(0);
		prctl(PR_SET_NAME, "st-daemon", 0, 0, 0);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
			_exit(1);
		close(p[0]);
		if (write(p[1], "u", 1) != 1)
			_exit(1);
		close(p[1]);
		sleep(20);
		_exit(0);
	}
	close(p[1]);
	waitpid(pid, &st, 0);
	st = read(p[0], &c, 1) == 1 ? 0 : EIO;
	close(p[0]);
	return st;
}

/* argv: TOKEN (only for the outer side to find the run by its command
 * line). A target and a daemon, both sleeping: the outer side ends the
 * run around them and times their end. */
int boxed_selftest_probe_run_ends(int argc, char **argv)
{
	int e = start_daemon();

	(void)argc;
	(void)argv;
	if (e) {
		printf("cannot start the daemon: %s\n", strerror(e));
		return 1;
	}
	set_ready();
	sleep(20);
	return 0;
}

/* ---- proc-private ---- */

/* What reading /proc/PID/file gives: 0 when some of it was read. Opening
 * can succeed where reading is refused (environ checks ptrace access at
 * read time): only a read counts. */
static int read_proc(const char *pid, const char *file)
{
	char path[128], buf[64];
	int fd, e = 0;

	snprintf(path, sizeof(path), "/proc/%s/%s", pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (read(fd, buf, sizeof(buf)) < 0)
		e = errno;
	close(fd);
	return e;
}

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
		size_t l = strlen(list);

		if (*end || pid <= 0 || pid == 1 || pid == (long)getpid())
			continue;
		if (n++ < 8)
			snprintf(list + l, len - l, "%s%ld", l ? " " : "", pid);
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
			int e = read_proc(argv[i], files[f]);
			size_t l = strlen(d);

			ok &= e != 0;
			snprintf(d + l, sizeof(d) - l, "; %s/%s: %s", argv[i], files[f],
				 e ? strerror(e) : "READ");
		}
	boxed_selftest_verdict("proc-private", ok, d);
	return 0;
}

/* ---- private-files, disk-limit ---- */

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
	cJSON *errs = NULL, *v = answer("private-files", &errs);
	char path[4096];

	for (int place = 0; place < 3; place++) {
		int fd, e = 0;

		place_path(path, sizeof(path), place, arg_str(argc, argv, 0),
			   arg_str(argc, argv, 1));
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || fchmod(fd, 0644) != 0 || write(fd, "boxed\n", 6) != 6)
			e = errno;
		if (fd >= 0)
			close(fd);
		add_errno(errs, place_names[place], e);
	}
	set_ready();
	cJSON_AddBoolToObject(v, "released", await_release(arg_str(argc, argv, 2)));
	emit(v);
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
		size_t l = strlen(d);
		int e;

		if (i < 3)
			place_path(path, sizeof(path), i, ".", arg_str(argc, argv, 0));
		else
			snprintf(path, sizeof(path), "%s", argv[i - 2]);
		e = stat(path, &st) != 0 ? errno : 0;
		ok &= e == ENOENT || e == EACCES;
		snprintf(d + l, sizeof(d) - l, "%s%.200s: %s", l ? "; " : "", path,
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

/* argv: LIMIT DIR NAME. Writes 4 MiB more than LIMIT in all: a quarter to
 * /tmp, a quarter to /dev/shm and the rest (with what those refused) to
 * DIR, so that only the sum of the three passes LIMIT. The run's disk
 * limit must stop it with ENOSPC, at LIMIT at the most. */
int boxed_selftest_probe_disk_fill(int argc, char **argv)
{
	unsigned long long limit = arg_num(argc, argv, 0), goal = limit + (4ull << 20), total = 0,
			   wrote[3] = {0, 0, 0};
	char path[4096], d[600];
	int err[3] = {0, 0, 0}, full = 0;

	/* EFBIG instead of death, should a file pass --fsize first. */
	signal(SIGXFSZ, SIG_IGN);
	for (int place = 1; place <= 3 && !full; place++) {
		int p = place % 3; /* /tmp, /dev/shm, then the directory */
		unsigned long long share = p ? goal / 4 : goal - total;

		place_path(path, sizeof(path), p, arg_str(argc, argv, 1), arg_str(argc, argv, 2));
		wrote[p] = fill(path, share, &err[p]);
		total += wrote[p];
		full = err[p] == ENOSPC;
	}
	for (int place = 0; place < 3; place++) {
		place_path(path, sizeof(path), place, arg_str(argc, argv, 1),
			   arg_str(argc, argv, 2));
		unlink(path);
	}
	snprintf(d, sizeof(d),
		 "wrote %llu KiB to /tmp (%s), %llu KiB to /dev/shm (%s), %llu KiB to its "
		 "directory (%s): %llu KiB in all, limit %llu KiB",
		 wrote[1] >> 10, err[1] ? strerror(err[1]) : "no error", wrote[2] >> 10,
		 err[2] ? strerror(err[2]) : "no error", wrote[0] >> 10,
		 err[0] ? strerror(err[0]) : "no error", total >> 10, limit >> 10);
	boxed_selftest_verdict("disk-limit", full && total <= limit, d);
	return 0;
}

/* ---- no-network ---- */

socklen_t boxed_selftest_unix_addr(struct sockaddr_un *a, const char *name, int abstract)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (!abstract) {
		snprintf(a->sun_path, sizeof(a->sun_path), "%s", name);
		return (socklen_t)sizeof(*a);
	}
	/* An abstract name: a NUL, then the name, its length in the address
	 * length (no terminator). */
	snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "%s", name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a->sun_path + 1));
}

int boxed_selftest_unix_connect(const char *name, int abstract)
{
	struct sockaddr_un a;
	socklen_t len = boxed_selftest_unix_addr(&a, name, abstract);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), e = 0;

	if (fd < 0)
		return errno;
	if (connect(fd, (struct sockaddr *)&a, len) != 0)
		e = errno;
	close(fd);
	return e;
}

int boxed_selftest_unix_listen(const char *name, int abstract)
{
	struct sockaddr_un a;
	socklen_t len = boxed_selftest_unix_addr(&a, name, abstract);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, len) != 0 || listen(fd, 4) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int boxed_selftest_accepted(int fd)
{
	int n = 0, c;

	while (fd >= 0 && (c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		close(c);
		n++;
	}
	return n;
}

/* A socket of family and type: 0 when it could be made (then, for TCP,
 * *tcp is what connecting to the outer side's listener on loopback port
 * gave: 0 connected, else the errno), else the errno of socket(). */
static int try_inet(int family, int type, int port, int *tcp)
{
	struct sockaddr_in in4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
	int fd = socket(family, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return errno;
	in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	in6.sin6_addr = in6addr_loopback;
	if (type == SOCK_STREAM && family == AF_INET)
		*tcp = connect(fd, (struct sockaddr *)&in4, sizeof(in4)) == 0 ? 0 : errno;
	else if (type == SOCK_STREAM)
		*tcp = connect(fd, (struct sockaddr *)&in6, sizeof(in6)) == 0 ? 0 : errno;
	close(fd);
	return 0;
}

/* argv: PORT ABSTRACT-OUT ABSTRACT-IN TMP-SOCKET RUN-SOCKET RELEASE. Run
 * under --no-network: every attempt to reach the host must fail. It
 * listens on ABSTRACT-IN meanwhile, for the outer side to try the other
 * direction, and counts who got through. RUN-SOCKET "-": not tried. */
int boxed_selftest_probe_no_network(int argc, char **argv)
{
	static const struct {
		const char *name;
		int family, type;
	} inet[] = {{"inet-stream", AF_INET, SOCK_STREAM},
		    {"inet-dgram", AF_INET, SOCK_DGRAM},
		    {"inet6-stream", AF_INET6, SOCK_STREAM},
		    {"inet6-dgram", AF_INET6, SOCK_DGRAM}};
	int port = (int)arg_num(argc, argv, 0), listener, tcp4 = -1, tcp6 = -1;
	const char *run_sock = arg_str(argc, argv, 4);
	cJSON *errs = NULL, *v = answer("no-network", &errs);

	for (size_t i = 0; i < sizeof(inet) / sizeof(inet[0]); i++)
		add_errno(errs, inet[i].name,
			  try_inet(inet[i].family, inet[i].type, port,
				   inet[i].family == AF_INET ? &tcp4 : &tcp6));
	add_errno(errs, "tcp-loopback", tcp4);
	add_errno(errs, "tcp6-loopback", tcp6);
	add_errno(errs, "abstract-out", boxed_selftest_unix_connect(arg_str(argc, argv, 1), 1));
	add_errno(errs, "tmp-socket", boxed_selftest_unix_connect(arg_str(argc, argv, 3), 0));
	if (strcmp(run_sock, "-") != 0)
		add_errno(errs, "run-socket", boxed_selftest_unix_connect(run_sock, 0));
	listener = boxed_selftest_unix_listen(arg_str(argc, argv, 2), 1);
	add_errno(errs, "abstract-listen", listener < 0 ? errno : 0);
	set_ready();
	cJSON_AddBoolToObject(v, "released", await_release(arg_str(argc, argv, 5)));
	cJSON_AddNumberToObject(v, "abstract-in-accepted", boxed_selftest_accepted(listener));
	emit(v);
	return 0;
}

/* ---- memory-run-wide ---- */

/* Wait for the run to be ended from outside, END_WAIT at the most.
 * Returns only when it was not. */
static void await_end(void)
{
	double give_up = boxed_selftest_now() + END_WAIT;

	while (boxed_selftest_now() < give_up)
		nanosleep(&poll_pause, NULL);
}

/* One process that maps and touches mib MiB of anonymous memory, tells
 * fd, and sleeps until it is killed (by the run's end, or its parent). */
__attribute__((noreturn)) static void hold_memory(int fd, unsigned long mib)
{
	size_t size = (size_t)mib << 20;
	char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char ok = 'k';

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (m == MAP_FAILED)
		ok = 'f';
	else
		memset(m, 1, size);
	if (write(fd, &ok, 1) != 1)
		_exit(1);
	sleep(30);
	_exit(0);
}

/* The verdict of a hog that was not ended: how much it held. */
static void emit_held(const char *name, const char *detail, unsigned long mib)
{
	cJSON *v = cJSON_CreateObject();

	if (v && cJSON_AddStringToObject(v, "probe", name) &&
	    cJSON_AddBoolToObject(v, "isolated", 0) && cJSON_AddStringToObject(v, "detail", detail))
		cJSON_AddNumberToObject(v, "held_mib", (double)mib);
	emit(v);
}

/* Read one answer of a child from fd, waiting RELEASE_WAIT at the most.
 * Returns it, or 0 when none came. */
static char read_answer(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	char c = 0;

	if (poll(&pfd, 1, (int)(RELEASE_WAIT * 1000)) == 1 && read(fd, &c, 1) != 1)
		c = 0;
	return c;
}

/* argv: N MIB. N processes each hold MIB MiB, each below the run's
 * memory limit, together above it. Only a run-wide bound ends the run;
 * a run still there END_WAIT after they all hold it says so. */
int boxed_selftest_probe_mem_procs(int argc, char **argv)
{
	unsigned long n = arg_num(argc, argv, 0), mib = arg_num(argc, argv, 1), held = 0;
	unsigned long started = 0;
	pid_t kids[16];
	char d[300];
	int p[2];

	if (n > 16 || pipe(p) != 0)
		return 1;
	for (; started < n; started++) {
		kids[started] = fork();
		if (kids[started] < 0)
			break;
		if (kids[started] == 0)
			hold_memory(p[1], mib);
	}
	for (unsigned long i = 0; i < started; i++)
		held += read_answer(p[0]) == 'k';
	if (held == n)
		await_end();
	snprintf(d, sizeof(d),
		 "%lu of %lu process(es) held %lu MiB each (%lu MiB together) and the run was "
		 "not ended",
		 held, n, mib, held * mib);
	for (unsigned long i = 0; i < started; i++)
		kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	emit_held("mem-procs", d, held * mib);
	return 0;
}

/* memfd pages belong to no file system the disk limit bounds: the run
 * must get ENOSYS, as on a kernel without memfd. */
int boxed_selftest_probe_memfd(void)
{
	int fd = memfd_create("boxed-selftest", MFD_CLOEXEC), e = errno;
	char d[120];

	if (fd >= 0)
		close(fd);
	snprintf(d, sizeof(d), "memfd_create: %s", fd >= 0 ? "CREATED" : strerror(e));
	boxed_selftest_verdict("memfd", fd < 0 && e == ENOSYS, d);
	return 0;
}

/* argv: N MIB. N SysV segments of MIB MiB each, created, touched and
 * detached: no process maps them, only a watchdog that counts the IPC
 * namespace's memory can see them. Unsealed, SysV IPC is refused. */
int boxed_selftest_probe_shm_hog(int argc, char **argv)
{
	unsigned long n = arg_num(argc, argv, 0), mib = arg_num(argc, argv, 1), made = 0;
	size_t size = (size_t)mib << 20;
	int ids[16], e = 0;
	char d[300];

	for (; made < n && made < 16; made++) {
		char *m;

		ids[made] = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
		if (ids[made] < 0) {
			e = errno;
			break;
		}
		m = shmat(ids[made], NULL, 0);
		if (m == (void *)-1) {
			e = errno;
			shmctl(ids[made], IPC_RMID, NULL);
			break;
		}
		memset(m, 1, size);
		shmdt(m);
	}
	if (made == 0 && e == EPERM) {
		snprintf(d, sizeof(d), "shmget refused: %s", strerror(e));
		boxed_selftest_verdict("shm-hog", 1, d);
		return 0;
	}
	if (made == n)
		await_end();
	snprintf(d, sizeof(d),
		 "%lu detached segment(s) of %lu MiB (%lu MiB) held%s%s; the run was not ended",
		 made, mib, made * mib, e ? ", then " : "", e ? strerror(e) : "");
	for (unsigned long i = 0; i < made; i++)
		shmctl(ids[i], IPC_RMID, NULL);
	emit_held("shm-hog", d, made * mib);
	return 0;
}
