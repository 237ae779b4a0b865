/* Cleaning up after a run: the run directory of an unsealed run, the
 * processes and IPC objects of its slot uid, and the reaping of the
 * child and init. A sealed run needs little of it: its processes die with
 * its init, and its files and IPC objects with its namespaces. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "become.h"
#include "clock.h"
#include "die.h"
#include "fsutil.h"
#include "wipe.h"
#include "system.h"

int boxed_run_open_private_dir(const char *path, uid_t uid)
{
	boxed_autoclose int dir = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char self[64];
	struct stat st;

	if (dir < 0 || fstat(dir, &st) != 0)
		return -1;
	if (st.st_uid != uid || st.st_gid != uid) {
		errno = EPERM;
		return -1;
	}
	/* fchmod() refuses an O_PATH fd, and a path relative to it needs the
	 * search permission that may be missing: chmod the fd's own inode. */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", dir);
	if ((st.st_mode & 07777) != 0700 && chmod(self, 0700) != 0)
		return -1;
	return openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Remove the objects of one /proc/sysvipc file that uid owns. */
static int remove_sysvipc(int kind, uid_t uid)
{
	static const char *const files[] = {"/proc/sysvipc/shm", "/proc/sysvipc/msg",
					    "/proc/sysvipc/sem"};
	FILE *f = fopen(files[kind], "re");
	char line[512];
	int rc = 0;

	if (!f)
		return errno == ENOENT ? 0 : -1;
	while (fgets(line, sizeof(line), f)) {
		uid_t owner;
		int id;

		if (boxed_run_sysvipc_owner(kind, line, &id, &owner) != 0 || owner != uid)
			continue;
		if ((kind == 0	 ? shmctl(id, IPC_RMID, NULL)
		     : kind == 1 ? msgctl(id, IPC_RMID, NULL)
				 : semctl(id, 0, IPC_RMID)) != 0 &&
		    errno != EINVAL && errno != EIDRM)
			rc = -1;
	}
	fclose(f);
	return rc;
}

/* Remove the entries of a sticky directory such as /dev/shm that uid owns
 * (POSIX shared memory and semaphores live there). */
static int remove_owned_entries(const char *dir, uid_t uid)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), rc = 0;
	struct dirent *e;
	DIR *d;

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	while ((e = readdir(d))) {
		struct stat st;

		if (e->d_name[0] == '.' ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_uid != uid)
			continue;
		if (unlinkat(dirfd(d), e->d_name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0 &&
		    errno != ENOENT)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int boxed_run_remove_ipc(uid_t uid)
{
	int rc = 0;

	for (int kind = 0; kind < 3; kind++)
		rc |= remove_sysvipc(kind, uid);
	rc |= remove_owned_entries("/dev/shm", uid);
	rc |= remove_owned_entries("/dev/mqueue", uid);
	return rc;
}

/* The killer of an unsealed run: as the slot uid, every process of the uid
 * and every IPC object it owns. */
__attribute__((noreturn)) static void killer(const struct boxed_run_slot *slot)
{
	boxed_run_become_slot(slot->uid);
	if (boxed_kill_own_processes() != 0)
		boxed_die_child_errno("kill(-1, SIGKILL) as uid %u", (unsigned)slot->uid);
	if (boxed_run_remove_ipc(slot->uid) != 0)
		boxed_die_child_errno("removing the IPC objects of uid %u", (unsigned)slot->uid);
	_exit(0);
}

/* Reap every child that has ended. Returns 1 when no child is left. */
static int reap_ready(struct boxed_run_super *s)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG | __WALL)) > 0)
		if (pid == s->init)
			s->init_status = status;
	return pid < 0 && errno == ECHILD;
}

/* Reap for a little while, until no child is left. Returns 1 when none is. */
static int reap_for(struct boxed_run_super *s, double seconds)
{

	for (int i = 0; i < (int)(seconds * 1000); i++) {
		if (reap_ready(s))
			return 1;
		boxed_sleep(0.001);
	}
	return reap_ready(s);
}

/* Wait for the killer, at most KILLER_GRACE seconds: it shares the slot
 * uid with the run, so a process of the run can stop it (SIGSTOP) before
 * its kill(-1), and waitpid() does not report a stopped child. A killer
 * that is not done in time is killed, and counts as a failed attempt. */
#define KILLER_GRACE 2.0

static void await_killer(pid_t killer_pid)
{
	int fd = pidfd_open(killer_pid, 0), status;

	if (fd < 0)
		boxed_die_errno("pidfd_open(killer %d)", (int)killer_pid);
	if (!boxed_run_await_pidfd(fd, KILLER_GRACE))
		boxed_run_kill_pidfd(fd, killer_pid);
	close(fd);
	if (waitpid(killer_pid, &status, __WALL) != killer_pid)
		boxed_die_errno("waitpid(killer %d)", (int)killer_pid);
}

/* Unsealed, the run's processes are the slot uid's, wherever they are:
 * the supervisor is a subreaper, so an orphan of the run is re-parented to
 * it, and "no child left" (ECHILD) proves that none survives. A killer is
 * started only when one is left, and always for the IPC objects. */
static int kill_unsealed_run(struct boxed_run_super *s, const struct boxed_run_slot *slot)
{
	for (int attempt = 0; attempt < 5; attempt++) {
		pid_t pid;

		fflush(NULL);
		pid = fork();
		if (pid < 0)
			boxed_die_errno("fork (killer)");
		if (pid == 0)
			killer(slot);
		/* A process of the run shares the killer's uid and can kill
		 * or stop it first; that only costs another attempt. */
		await_killer(pid);
		if (reap_for(s, 0.05))
			return 0;
	}
	return -1;
}

/* The run directory of an unsealed run is wiped by the supervisor itself:
 * its effective, and so its filesystem, uid and gid are the slot's since
 * the fork (see boxed_run_supervisor_take_slot_ids), every process of the
 * slot uid is dead by now, and the wipe uses *at() calls that follow no
 * symlink. */
static int wipe_run_dir(const struct boxed_run_slot *slot)
{
	int fd = boxed_run_open_private_dir(slot->home, slot->uid), rc;

	if (fd < 0)
		return -1;
	rc = boxed_wipe_contents(fd);
	close(fd);
	return rc;
}

/* How long init gets to report the end after the answer, or to be gone
 * once killed. */
#define INIT_GRACE 2.0

/* After an answer, init is killing and reaping the rest of the run:
 * wait for its report. Returns 1 once it is in. */
static int await_ended(struct boxed_run_super *s)
{

	for (int i = 0; i < (int)(INIT_GRACE * 1000) && !s->ended.kind && s->event_fd >= 0; i++) {
		if (boxed_run_await_pidfd(s->init_pidfd, 0) || boxed_run_read_events(s) != 0)
			break;
		if (!s->ended.kind)
			boxed_sleep(0.001);
	}
	if (!s->ended.kind)
		(void)!boxed_run_read_events(s);
	return s->ended.kind != 0;
}

/* Sealed: init's word that the run is gone, or init's death, which takes
 * the namespace's every process with it. Returns 0 when nothing of the run
 * is left. */
static int end_sealed_run(struct boxed_run_super *s)
{
	if (s->init_pidfd < 0)
		return 0;
	if (s->answered.kind && !s->ended.kind && s->event_fd >= 0) {
		int fl = fcntl(s->event_fd, F_GETFL);

		if (fl >= 0)
			fcntl(s->event_fd, F_SETFL, fl | O_NONBLOCK);
		await_ended(s);
	}
	if (s->ended.kind && s->ended.left == 0)
		return 0;
	boxed_run_kill_pidfd(s->init_pidfd, s->init);
	return boxed_run_await_pidfd(s->init_pidfd, INIT_GRACE) ? 0 : -1;
}

int boxed_run_cleanup(struct boxed_run_super *s, const struct boxed_run_slot *slot)
{
	int rc;

	if (s->sealed) {
		rc = end_sealed_run(s);
		/* Killed when init came up, long gone by now; or, when init
		 * never did, still to be killed. */
		if (s->child_pidfd >= 0) {
			boxed_run_kill_pidfd(s->child_pidfd, s->child);
			boxed_run_await_pidfd(s->child_pidfd, INIT_GRACE);
		}
		reap_ready(s);
		return rc;
	}
	if (s->init_pidfd >= 0) {
		boxed_run_kill_pidfd(s->init_pidfd, s->init);
		boxed_run_await_pidfd(s->init_pidfd, INIT_GRACE);
	}
	/* The child, when init never came up to have it ended. */
	if (s->child_pidfd >= 0)
		boxed_run_kill_pidfd(s->child_pidfd, s->child);
	if (kill_unsealed_run(s, slot) != 0)
		return -1;
	return wipe_run_dir(slot);
}
