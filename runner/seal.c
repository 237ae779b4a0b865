/* The seal (BLUEPRINT §2a): the run's own user, PID, IPC, mount and (under
 * --no-network) network namespaces, and what its init mounts in them.
 *
 * No privilege is added for it. The child has dropped to the slot uid for
 * good before it clones init into new namespaces, so the user namespace is
 * owned by the slot uid, never by the caller (who could otherwise enter
 * it), and maps that uid and its gid alone. Init's capabilities in it reach
 * only the run's own namespaces, and init drops them before the target
 * starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "fsutil.h"
#include "system.h"

/* Init's stack. It runs libcap, stdio and directory reads; the target it
 * starts has a stack of its own (init.c). */
#define INIT_STACK_SIZE (256 * 1024)

/* The tmpfs of a run has one inode per this many bytes of its disk limit,
 * and at least INODES_MIN: an empty file costs a page of no file system's
 * size, only an inode, and inodes are kernel memory. */
#define BYTES_PER_INODE 4096
#define INODES_MIN 1024

int boxed_run_ns_clone_flags(unsigned mask)
{
	int flags = 0;

	if (mask & BOXED_RUN_NS_USER)
		flags |= CLONE_NEWUSER;
	if (mask & BOXED_RUN_NS_PID)
		flags |= CLONE_NEWPID;
	if (mask & BOXED_RUN_NS_IPC)
		flags |= CLONE_NEWIPC;
	if (mask & BOXED_RUN_NS_MOUNT)
		flags |= CLONE_NEWNS;
	if (mask & BOXED_RUN_NS_NET)
		flags |= CLONE_NEWNET;
	return flags;
}

void *boxed_run_new_stack(size_t size, const char *what)
{
	char *base = mmap(NULL, size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

	if (base == MAP_FAILED)
		boxed_die_child_errno("mmap(%s stack)", what);
	if (mprotect(base, 4096, PROT_NONE) != 0)
		boxed_die_child_errno("mprotect(%s stack guard)", what);
	return base + size;
}

static int init_entry(void *arg)
{
	boxed_run_init_main(arg);
}

static void send_unsealed(int event_fd, int err)
{
	struct boxed_run_event ev = {.kind = BOXED_RUN_EVENT_UNSEALED, .value = err};

	boxed_run_send_event(event_fd, &ev);
}

/* init is cloned with CLONE_VM | CLONE_VFORK: it runs in the child's
 * memory, which is already a private copy of the supervisor's, without a
 * second copy of the page tables, while the child sleeps until it ends;
 * and with CLONE_PARENT, so that its parent, the one its parent-death
 * signal follows, is the supervisor. CLONE_PARENT_SETTID tells init its own
 * pid as the supervisor sees it, before it runs: getpid() in a new PID
 * namespace says 1. */
void boxed_run_start_init(const struct boxed_run_plan *p, const struct boxed_run_env *env,
			  const struct boxed_run_fds *fds)
{
	static struct boxed_run_init_ctx ctx;
	int base = CLONE_VM | CLONE_VFORK | CLONE_PARENT | CLONE_PARENT_SETTID | SIGCHLD;
	unsigned ns = BOXED_RUN_NS_USER | BOXED_RUN_NS_PID | BOXED_RUN_NS_IPC | BOXED_RUN_NS_MOUNT |
		      (p->args->no_network ? BOXED_RUN_NS_NET : 0);
	void *stack = boxed_run_new_stack(INIT_STACK_SIZE, "init");
	pid_t pid = -1;
	int err = 0;

	ctx = (struct boxed_run_init_ctx){.plan = p, .env = env, .fds = *fds, .sealed = 1};
	if (p->cfg->namespaces) {
		pid = clone(init_entry, stack, base | boxed_run_ns_clone_flags(ns), &ctx,
			    &ctx.host_pid);
		err = errno;
		if (pid >= 0)
			return;
		if (p->cfg->require_sealed) {
			send_unsealed(fds->event, err);
			boxed_die_child(
			    "cannot create the run's namespaces (%s) and the config has "
			    "require_sealed: the run is refused",
			    strerror(err));
		}
	}
	/* Refused (user namespaces off, or an AppArmor or seccomp policy) or
	 * turned off: the run goes on unsealed, and says so. */
	send_unsealed(fds->event, err);
	ctx.sealed = 0;
	pid = clone(init_entry, stack, base, &ctx, &ctx.host_pid);
	if (pid < 0)
		boxed_die_child_errno("clone(init)");
}

static void write_proc_self(const char *file, const char *text)
{
	boxed_autoclose int fd = open(file, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		boxed_die_child_errno("open(%s)", file);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		boxed_die_child_errno("write(%s, \"%s\")", file, text);
}

/* Map the slot uid and gid, and nothing else, to themselves. The kernel
 * lets an unprivileged process map exactly its own ids into a namespace it
 * owns, after giving up setgroups(2) in it. The files of /proc/self belong
 * to root while the process is not dumpable (and the credential change
 * made it so), so init is dumpable for the three writes: nothing of the
 * slot uid but the child and init exists to ptrace it then (the child
 * killed the uid's leftovers, and the target is not started), and init
 * holds no privilege outside its own namespaces. */
static void map_slot_ids(uid_t u)
{
	char map[64];

	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0)
		boxed_die_child_errno("prctl(PR_SET_DUMPABLE, 1)");
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)u, (unsigned)u);
	write_proc_self("/proc/self/setgroups", "deny");
	write_proc_self("/proc/self/uid_map", map);
	write_proc_self("/proc/self/gid_map", map);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		boxed_die_child_errno("prctl(PR_SET_DUMPABLE, 0)");
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		boxed_die_child("init is still dumpable");
	if (getuid() != u || geteuid() != u || getgid() != u || getegid() != u)
		boxed_die_child("the slot ids are not mapped in the run's user namespace");
}

static void mount_or_die(const char *source, const char *target, const char *type,
			 unsigned long flags, const char *data)
{
	if (mount(source, target, type, flags, data) != 0)
		boxed_die_child_errno("mount(%s on %s)", type ? type : source, target);
}

static int is_directory(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* One tmpfs, bounded by the disk limit, holds the run directory, /tmp and
 * /dev/shm, so the limit bounds their sum; beside them is the mount point
 * of the run's POSIX message queues. It is mounted over the slot
 * directory: the directory on disk is never written by a sealed run, so
 * nothing is left in it to wipe, and nobody can plant anything in it for
 * a later run. It vanishes with the mount namespace. */
static void mount_run_tmpfs(const struct boxed_run_plan *p)
{
	const char *dir = p->slot->dir;
	uint64_t inodes = p->limits->disk / BYTES_PER_INODE;
	char opts[128], path[sizeof(p->slot->dir) + 8];
	static const char *const subdirs[] = {"home", "tmp", "shm", "mqueue"};
	mode_t old_mask;

	if (inodes < INODES_MIN)
		inodes = INODES_MIN;
	/* huge=never whatever the host's shmem_enabled says: a huge page of a
	 * file is 2 MiB that one pipe buffer or one mapped byte could hold. */
	snprintf(opts, sizeof(opts), "size=%llu,nr_inodes=%llu,mode=0700,huge=never",
		 (unsigned long long)p->limits->disk, (unsigned long long)inodes);
	mount_or_die("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts);
	old_mask = umask(077);
	for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subdirs[i]);
		if (mkdir(path, 0700) != 0)
			boxed_die_child_errno("mkdir(%s)", path);
	}
	umask(old_mask);
	snprintf(path, sizeof(path), "%s/tmp", dir);
	mount_or_die(path, "/tmp", NULL, MS_BIND, NULL);
	if (is_directory("/dev/shm")) {
		snprintf(path, sizeof(path), "%s/shm", dir);
		mount_or_die(path, "/dev/shm", NULL, MS_BIND, NULL);
	}
	/* The run's IPC namespace keeps its POSIX message queues on a file
	 * system of its own. Mounted where the run may write (Landlock rules
	 * are on paths), mq_open() works; the queues die with the namespace. */
	snprintf(path, sizeof(path), "%s/mqueue", dir);
	mount_or_die("mqueue", path, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

/* Under --no-network the run reaches no socket of the host. The network
 * namespace takes care of addresses and of abstract unix sockets; pathname
 * sockets live in the file system, so the places that hold them (or where
 * any user could leave one) are covered: a directory by an empty read-only
 * tmpfs, a socket or other file by /dev/null. A link is skipped: what it
 * points to is covered under its own name (/var/run -> /run). */
static void hide_host_sockets(const struct boxed_config *cfg)
{
	for (unsigned i = 0; i < cfg->no_network_hide_count; i++) {
		const char *path = cfg->no_network_hide[i];
		struct stat st;

		if (lstat(path, &st) != 0 || S_ISLNK(st.st_mode))
			continue;
		if (S_ISDIR(st.st_mode))
			mount_or_die("tmpfs", path, "tmpfs",
				     MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				     "size=4k,nr_inodes=2,mode=0755");
		else
			mount_or_die("/dev/null", path, NULL, MS_BIND, NULL);
	}
}

int boxed_run_seal_filesystem(const struct boxed_run_plan *p)
{
	int proc_err = 0;

	map_slot_ids(p->slot->uid);
	mount_run_tmpfs(p);
	/* A proc of the run's own PID namespace: it lists the run's processes
	 * alone. The kernel allows it only where the host's /proc is fully
	 * visible (not partly covered, as in some containers); there the
	 * run keeps the host's /proc, and the report says so, or the run is
	 * refused under require_sealed. */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) {
		proc_err = errno;
		if (p->cfg->require_sealed)
			boxed_die_child("mount(proc on /proc): %s, and the config has "
					"require_sealed: the run is refused",
					strerror(proc_err));
	}
	/* The host's POSIX message queues, should the host show them there;
	 * the run's own are in its IPC namespace. */
	if (is_directory("/dev/mqueue"))
		mount_or_die("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			     NULL);
	if (p->args->no_network)
		hide_host_sockets(p->cfg);
	return proc_err;
}
