/* The rules of the target's seccomp filter, written with libseccomp and
 * compiled to BPF at build time (filter.h). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "die.h"
#include "filter.h"

struct rules {
	scmp_filter_ctx ctx;
	char *err;
	size_t errlen;
	int failed;
};

static void add(struct rules *r, int errno_value, int nr, const char *name, unsigned nargs,
		const struct scmp_arg_cmp *arg)
{
	int rc;

	if (r->failed)
		return;
	rc = nargs ? seccomp_rule_add_array(r->ctx, SCMP_ACT_ERRNO(errno_value), nr, nargs, arg)
		   : seccomp_rule_add(r->ctx, SCMP_ACT_ERRNO(errno_value), nr, 0);
	if (rc != 0) {
		boxed_errf(r->err, r->errlen, "seccomp_rule_add(%s): %s", name, strerror(-rc));
		r->failed = 1;
	}
}

#define DENY(r, sys) add(r, EPERM, SCMP_SYS(sys), #sys, 0, NULL)

static void deny_if(struct rules *r, int nr, const char *name, struct scmp_arg_cmp cmp)
{
	add(r, EPERM, nr, name, 1, &cmp);
}

/* Kernel code that has been a steady source of privilege escalations, or
 * that inspects other processes. EPERM rather than a kill: programs probe
 * for io_uring, bpf or userfaultfd and fall back when refused, and a kill
 * would turn such a probe into a crash without making the sandbox any
 * tighter. */
static void deny_attack_surface(struct rules *r)
{
	DENY(r, ptrace);
	DENY(r, process_vm_readv);
	DENY(r, process_vm_writev);
	DENY(r, bpf);
	DENY(r, perf_event_open);
	DENY(r, userfaultfd);
	DENY(r, keyctl);
	DENY(r, add_key);
	DENY(r, request_key);
	DENY(r, io_uring_setup);
	DENY(r, io_uring_enter);
	DENY(r, io_uring_register);
	DENY(r, mount);
	DENY(r, umount2);
	DENY(r, pivot_root);
	DENY(r, move_mount);
	DENY(r, open_tree);
	DENY(r, fsopen);
	DENY(r, fsconfig);
	DENY(r, fsmount);
	DENY(r, fspick);
	DENY(r, mount_setattr);
	DENY(r, kexec_load);
	DENY(r, kexec_file_load);
	DENY(r, init_module);
	DENY(r, finit_module);
	DENY(r, delete_module);
	DENY(r, acct);
	DENY(r, swapon);
	DENY(r, swapoff);
}

/* Terminal injection, should a terminal fd ever reach the run. */
static void deny_terminal_injection(struct rules *r)
{
	deny_if(r, SCMP_SYS(ioctl), "ioctl(TIOCSTI)",
		SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
	deny_if(r, SCMP_SYS(ioctl), "ioctl(TIOCLINUX)",
		SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX));
}

/* A new user namespace is how an unprivileged uid becomes "root"
 * somewhere: it hands out every capability inside it and exposes kernel
 * code (mount, netfilter, ...) that is otherwise root-only. The run's own
 * namespaces are made by boxed before the target starts; the target gets
 * none of its own, and cannot enter or leave one: every CLONE_NEW* flag of
 * clone(2) is refused (each needs its own rule: a filter can test a mask
 * for equality, not for "any bit"), and so are unshare(2) and setns(2) as
 * a whole. */
static void deny_namespaces(struct rules *r)
{
	static const struct {
		unsigned long flag;
		const char *name;
	} ns[] = {
	    {CLONE_NEWUSER, "clone(CLONE_NEWUSER)"},	 {CLONE_NEWPID, "clone(CLONE_NEWPID)"},
	    {CLONE_NEWNS, "clone(CLONE_NEWNS)"},	 {CLONE_NEWIPC, "clone(CLONE_NEWIPC)"},
	    {CLONE_NEWNET, "clone(CLONE_NEWNET)"},	 {CLONE_NEWUTS, "clone(CLONE_NEWUTS)"},
	    {CLONE_NEWCGROUP, "clone(CLONE_NEWCGROUP)"},
	};

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		deny_if(r, SCMP_SYS(clone), ns[i].name,
			SCMP_A0(SCMP_CMP_MASKED_EQ, ns[i].flag, ns[i].flag));
	DENY(r, unshare);
	DENY(r, setns);
	/* clone3 passes its flags in memory, out of a filter's sight: ENOSYS
	 * makes glibc fall back to clone(), whose flags are checked above. */
	add(r, ENOSYS, SCMP_SYS(clone3), "clone3", 0, NULL);
}

#define ABSENT(sys)                                                                                \
	{                                                                                          \
		SCMP_SYS(sys), #sys                                                                \
	}

/* Memory that belongs to no file system the run's disk limit bounds and,
 * once unmapped or closed, to no process the memory watchdog measures, so
 * that a run could pin gigabytes in it. What can be refused as absent gets
 * ENOSYS, as on a kernel without it, which sends the code that probes for
 * it to its fallback:
 * - memfd: shm_open(), in the run's /dev/shm;
 * - legacy AIO: a poll request that waits for ever keeps the file it polls
 *   (a socket with its queue, a pipe) alive after its last fd is closed,
 *   so that --nofile no longer bounds them, and the host's fs.aio-max-nr is
 *   the only limit: one run could take all of it;
 * - inotify and fanotify: events queued in kernel memory, up to 16384 of
 *   512 bytes an instance and 128 instances a uid, a gigabyte; file
 *   watchers poll instead;
 * - pages spliced into a pipe: a pipe buffer counts as one page of the
 *   uid's pipe quota but holds the whole folio behind it, a 2 MiB huge page
 *   for a vmsplice() of one byte; callers of splice, tee and vmsplice copy
 *   instead. F_SETPIPE_SZ, which would multiply it, gets the EPERM of a
 *   size over the limit.
 * A shared anonymous mapping (MAP_SHARED or MAP_SHARED_VALIDATE with
 * MAP_ANONYMOUS) gets EPERM: its object keeps every page it ever had while
 * one page of it is mapped. A file of /dev/shm or /tmp serves instead, and
 * counts against the disk limit. (A shared mapping of /dev/zero is the same
 * object; Landlock keeps /dev/zero from being opened for writing.) */
static void deny_unbounded_memory(struct rules *r)
{
	static const struct {
		int nr;
		const char *name;
	} absent[] = {
	    ABSENT(memfd_create), ABSENT(memfd_secret),	 ABSENT(io_setup),	ABSENT(io_submit),
	    ABSENT(io_getevents), ABSENT(io_pgetevents), ABSENT(io_cancel),	ABSENT(io_destroy),
	    ABSENT(inotify_init), ABSENT(inotify_init1), ABSENT(fanotify_init), ABSENT(vmsplice),
	    ABSENT(splice),	  ABSENT(tee),
	};

	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		add(r, ENOSYS, absent[i].nr, absent[i].name, 0, NULL);
	deny_if(
	    r, SCMP_SYS(mmap), "mmap(MAP_SHARED|MAP_ANONYMOUS)",
	    SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_SHARED | MAP_ANONYMOUS, MAP_SHARED | MAP_ANONYMOUS));
	deny_if(r, SCMP_SYS(fcntl), "fcntl(F_SETPIPE_SZ)",
		SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, F_SETPIPE_SZ));
}

/* Without an IPC namespace of its own, SysV objects and POSIX message
 * queues would be the host's: they would outlive the run and could be
 * shared with other runs of the uid, or opened by other users. */
static void deny_host_ipc(struct rules *r)
{
	DENY(r, shmget);
	DENY(r, shmat);
	DENY(r, shmctl);
	DENY(r, msgget);
	DENY(r, msgsnd);
	DENY(r, msgrcv);
	DENY(r, msgctl);
	DENY(r, semget);
	DENY(r, semop);
	DENY(r, semtimedop);
	DENY(r, semctl);
	DENY(r, mq_open);
	DENY(r, mq_unlink);
}

/* No socket at all, of any family: the network namespace takes care of
 * addresses and abstract names, but a pathname unix socket is a file, and
 * any user of the host can leave one, world-connectable, in a directory
 * the run can read (/var/tmp, a home directory). Connecting to one needs
 * a socket of the run's own, so none is made. socketpair(2) stays, for
 * AF_UNIX alone: a pair is connected to itself only, and Python's own
 * machinery (asyncio, multiprocessing's duplex pipes) uses it.
 *
 * A pair must also stay a pair. Its queues are charged to the sender, who
 * may close its end with the data still queued: what bounds them is that
 * each end sends to its own peer alone, within its default buffer. So
 * nothing may give a pair's end a name or another peer (bind, connect,
 * listen, accept; setsockopt, whose SO_PASSCRED makes a send bind one),
 * send to an address (sendto with one; sendmsg and sendmmsg, whose address
 * and SCM_RIGHTS lie in memory a filter cannot read), or grow a buffer
 * (setsockopt again). */
static void deny_network(struct rules *r)
{
	DENY(r, socket);
	deny_if(r, SCMP_SYS(socketpair), "socketpair(!AF_UNIX)", SCMP_A0(SCMP_CMP_NE, AF_UNIX));
	DENY(r, bind);
	DENY(r, connect);
	DENY(r, listen);
	DENY(r, accept);
	DENY(r, accept4);
	DENY(r, setsockopt);
	DENY(r, sendmsg);
	DENY(r, sendmmsg);
	deny_if(r, SCMP_SYS(sendto), "sendto(address)", SCMP_A4(SCMP_CMP_NE, 0));
}

scmp_filter_ctx boxed_run_filter_build(int no_network, int sealed, char *err, size_t errlen)
{
	struct rules r = {.err = err, .errlen = errlen};
	int rc;

	r.ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!r.ctx) {
		boxed_errf(err, errlen, "seccomp_init failed");
		return NULL;
	}
	/* A 32-bit or x32 system call would bypass a filter written for the
	 * native numbers. */
	rc = seccomp_attr_set(r.ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	/* A binary tree of syscall numbers: every allowed call of the target
	 * pays a few comparisons instead of one per rule. */
	if (rc == 0)
		rc = seccomp_attr_set(r.ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (rc != 0) {
		boxed_errf(err, errlen, "seccomp_attr_set: %s", strerror(-rc));
		seccomp_release(r.ctx);
		return NULL;
	}
	deny_attack_surface(&r);
	deny_terminal_injection(&r);
	deny_namespaces(&r);
	deny_unbounded_memory(&r);
	if (!sealed)
		deny_host_ipc(&r);
	if (no_network)
		deny_network(&r);
	if (r.failed) {
		seccomp_release(r.ctx);
		return NULL;
	}
	return r.ctx;
}
