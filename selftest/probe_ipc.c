/* The inner side of the ipc probe: a run makes one IPC object of each
 * kind, SysV and POSIX, open to all (0666), and another run (or the host)
 * tries to open them by key and name. */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

#include "inner.h"

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
	key_t key = (key_t)boxed_selftest_arg_num(argc, argv, 0);
	const char *name = boxed_selftest_arg_str(argc, argv, 1);
	int made[BOXED_SELFTEST_IPC_KINDS], again[BOXED_SELFTEST_IPC_KINDS], kept = 1;
	cJSON *errs = NULL, *v = boxed_selftest_answer("ipc", &errs);

	create_ipc(key, name, made);
	boxed_selftest_set_ready();
	cJSON_AddBoolToObject(v, "released",
			      boxed_selftest_await_release(boxed_selftest_arg_str(argc, argv, 2)));
	boxed_selftest_ipc_open(key, name, again);
	for (int i = 0; i < BOXED_SELFTEST_IPC_KINDS; i++) {
		boxed_selftest_add_errno(errs, boxed_selftest_ipc_kinds[i], made[i]);
		kept &= made[i] != 0 || again[i] == 0;
	}
	cJSON_AddBoolToObject(v, "kept", kept);
	boxed_selftest_emit(v);
	return 0;
}

/* argv: KEY NAME. Another run: what opening the first run's objects by
 * key and name gives. */
int boxed_selftest_probe_ipc_open(int argc, char **argv)
{
	int err[BOXED_SELFTEST_IPC_KINDS];
	cJSON *errs = NULL, *v = boxed_selftest_answer("ipc-open", &errs);

	boxed_selftest_ipc_open((key_t)boxed_selftest_arg_num(argc, argv, 0),
				boxed_selftest_arg_str(argc, argv, 1), err);
	for (int i = 0; i < BOXED_SELFTEST_IPC_KINDS; i++)
		boxed_selftest_add_errno(errs, boxed_selftest_ipc_kinds[i], err[i]);
	boxed_selftest_emit(v);
	return 0;
}
