/* The inner side of the memory-run-wide probe: memory held in ways no
 * per-process limit sees (several processes, detached SysV segments,
 * memfd), which only a bound on the run as a whole can end. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "inner.h"

/* How long a hog waits for the run's end, and for its children's answers:
 * far longer than either takes, short enough that a broken run ends. */
#define END_WAIT 3.0
#define ANSWER_WAIT 20.0

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
	cJSON *v = boxed_selftest_verdict_new(name, 0, detail);

	if (v)
		cJSON_AddNumberToObject(v, "held_mib", (double)mib);
	boxed_selftest_emit(v);
}

/* Read one answer of a child from fd, waiting ANSWER_WAIT at the most.
 * Returns it, or 0 when none came. */
static char read_answer(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	char c = 0;

	if (poll(&pfd, 1, (int)(ANSWER_WAIT * 1000)) == 1 && read(fd, &c, 1) != 1)
		c = 0;
	return c;
}

/* argv: N MIB. N processes each hold MIB MiB, each below the run's
 * memory limit, together above it. Only a run-wide bound ends the run;
 * a run still there END_WAIT after they all hold it says so. */
int boxed_selftest_probe_mem_procs(int argc, char **argv)
{
	unsigned long n = boxed_selftest_arg_num(argc, argv, 0),
		      mib = boxed_selftest_arg_num(argc, argv, 1), held = 0;
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
		boxed_sleep(END_WAIT); /* the run's end kills this process */
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
int boxed_selftest_probe_memfd(int argc, char **argv)
{
	int fd = memfd_create("boxed-selftest", MFD_CLOEXEC), e = errno;
	char d[120];

	(void)argc, (void)argv;
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
	unsigned long n = boxed_selftest_arg_num(argc, argv, 0),
		      mib = boxed_selftest_arg_num(argc, argv, 1), made = 0;
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
		boxed_sleep(END_WAIT); /* the run's end kills this process */
	snprintf(d, sizeof(d),
		 "%lu detached segment(s) of %lu MiB (%lu MiB) held%s%s; the run was not ended",
		 made, mib, made * mib, e ? ", then " : "", e ? strerror(e) : "");
	for (unsigned long i = 0; i < made; i++)
		shmctl(ids[i], IPC_RMID, NULL);
	emit_held("shm-hog", d, made * mib);
	return 0;
}
