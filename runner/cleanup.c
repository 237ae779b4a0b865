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

#include "die.h"
#include "runner.h"

/* Cleaning up after a run: the run directory of an unsealed run, the
 * processes and IPC objects of its slot uid, and the reaping of the
 * child and init. A sealed run needs little of it: its processes die with
 * its init, and its files and IPC objects with its namespaces. */

/* Deeper directories are moved up to the top and wiped in a later pass,
 * so a tree of any depth is removed with a bounded number of open fds. */
#define WIPE_MAX_DEPTH 32
#define WIPE_MAX_PASSES 10000

static int open_subdir(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	/* The run may have made its own directory unreadable; it still owns
	 * it, and so do we. */
	if (fd < 0 && errno == EACCES && fchmodat(dirfd, name, 0700, 0) == 0)
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd;
}

/* Remove the entries of dirfd; *moved counts directories moved to topfd
 * because they sat too deep. */
static int wipe(int dirfd, int topfd, int depth, unsigned long *moved)
{
	DIR *d;
	struct dirent *e;
	int dup_fd, rc = 0;

	if (fchmod(dirfd, 0700) != 0)
		return -1;
	dup_fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return -1;
	d = fdopendir(dup_fd);
	if (!d) {
		close(dup_fd);
		return -1;
	}
	rewinddir(d);
	while (rc == 0 && (errno = 0, e = readdir(d))) {
		const char *name = e->d_name;
		int sub;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
			continue;
		if (errno != EISDIR && errno != EPERM) {
			rc = -1;
			break;
		}
		if (depth >= WIPE_MAX_DEPTH) {
			char top_name[64];

			snprintf(top_name, sizeof(top_name), ".boxed-wipe-%lu", ++*moved);
			if (renameat(dirfd, name, topfd, top_name) != 0)
				rc = -1;
			continue;
		}
		sub = open_subdir(dirfd, name);
		if (sub < 0) {
			rc = -1;
			break;
		}
		rc = wipe(sub, topfd, depth + 1, moved);
		close(sub);
		if (rc == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
			rc = -1;
	}
	if (rc == 0 && errno != 0)
		rc = -1;
	closedir(d);
	return rc;
}

/* Is the directory open on fd empty? One getdents64 into a small buffer,
 * much cheaper than a directory stream: the usual case, as the supervisor
 * of the previous run wiped the directory behind it. */
static int dir_is_empty(int fd)
{
	char buf[512];
	long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));

	if (lseek(fd, 0, SEEK_SET) != 0)
		return 0;
	for (long off = 0; n > 0 && off < n;) {
		const struct boxed_run_dirent64 *d = (const void *)(buf + off);

		off += d->reclen;
		if (strcmp(d->name, ".") != 0 && strcmp(d->name, "..") != 0)
			return 0;
	}
	return n >= 0;
}

int boxed_run_open_private_dir(const char *path, uid_t uid)
{
	int dir = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), fd = -1, saved;
	char self[64];
	struct stat st;

	if (dir < 0)
		return -1;
	if (fstat(dir, &st) != 0)
		goto out;
	if (st.st_uid != uid || st.st_gid != uid) {
		errno = EPERM;
		goto out;
	}
	/* fchmod() refuses an O_PATH fd, and a path relative to it needs the
	 * search permission that may be missing: chmod the fd's own inode. */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", dir);
	if ((st.st_mode & 07777) != 0700 && chmod(self, 0700) != 0)
		goto out;
	fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
out:
	saved = errno;
	close(dir);
	errno = saved;
	return fd;
}

int boxed_run_wipe_dir(int dirfd)
{
	if (dir_is_empty(dirfd))
		return 0;
	for (int pass = 0; pass < WIPE_MAX_PASSES; pass++) {
		unsigned long moved = 0;

		if (wipe(dirfd, dirfd, 0, &moved) != 0)
			return -1;
		if (moved == 0)
			return 0;
	}
	errno = ELOOP;
	return -1;
}

int boxed_run_kill_all(void)
{
	/* As the slot uid, kill(-1) reaches exactly the processes of that uid
	 * (in a PID namespace, exactly those of the namespace). One round is
	 * enough: the kernel signals every process under the tasklist lock,
	 * and a fork that races with it either has linked its child before
	 * (and the child is signalled) or sees SIGKILL pending in its parent
	 * when it links, and fails. Its return value says nothing useful (0
	 * while any other process exists); the caller checks by reaping. */
	if (kill(-1, SIGKILL) != 0 && errno != ESRCH)
		return -1;
	return 0;
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
		if ((kind == 0 ? shmctl(id, IPC_RMID, NULL)
			       : kind == 1 ? msgctl(id, IPC_RMID, NULL) : semctl(id, 0, IPC_RMID)) != 0 &&
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
	boxed_run_become_slot(slot->uid, getuid(), getgid());
	if (boxed_run_kill_all() != 0)
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
	struct timespec pause = {.tv_nsec = 1000000};

	for (int i = 0; i < (int)(seconds * 1000); i++) {
		if (reap_ready(s))
			return 1;
		nanosleep(&pause, NULL);
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
	rc = boxed_run_wipe_dir(fd);
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
	struct timespec pause = {.tv_nsec = 1000000};

	for (int i = 0; i < (int)(INIT_GRACE * 1000) && !s->ended.kind && s->event_fd >= 0;
	     i++) {
		if (boxed_run_await_pidfd(s->init_pidfd, 0) ||
		    boxed_run_read_events(s) != 0)
			break;
		if (!s->ended.kind)
			nanosleep(&pause, NULL);
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
