/* The run's init: the first process of a sealed run's PID namespace, and
 * boxed's code, not the target's.
 *
 * It owns the run's end. It keeps the wall clock itself, so a supervisor
 * that its caller stops (SIGSTOP) cannot extend a run; it measures the
 * run's memory as a whole, which per-process limits do not bound; it reaps
 * everything the run leaves; and it reports the end on the event pipe.
 * When it exits, the kernel kills every process left in the namespace, so
 * nothing outlives it, and it dies with the supervisor (parent-death
 * signal, and the end of the control pipe).
 *
 * The run cannot reach it: as the init of a PID namespace it receives from
 * inside only the signals it has a handler for (it has none, so SIGKILL and
 * SIGSTOP included, nothing), it is not dumpable (no ptrace, no
 * /proc/1/mem), and the target's Landlock domain scopes signals to itself.
 *
 * Unsealed (the host refused the namespaces), init is a plain process of
 * the slot uid that the run could signal; the supervisor's own bound and
 * cleanup stand in for it then, and the report names the missing layer.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "become.h"
#include "die.h"
#include "fsutil.h"
#include "sigfd.h"
#include "wipe.h"
#include "system.h"

#define TARGET_STACK_SIZE (64 * 1024)

/* Unsealed, init's parent-death signal: taken on its signalfd, it has init
 * kill the run before it goes (follow_supervisor). */
#define UNSEALED_END_SIGNAL SIGTERM

/* The memory watchdog looks first this soon after the start, then at an
 * interval of at least WATCH_INTERVAL and at least WATCH_BUDGET times what
 * its last look cost, so that it takes no more than a twentieth of a CPU
 * however many processes the run has; but every WATCH_INTERVAL once the
 * run has half its limit, and at least every WATCH_MAX_INTERVAL
 * (watch_memory). */
#define WATCH_FIRST 0.010
#define WATCH_INTERVAL 0.010
#define WATCH_BUDGET 20.0
#define WATCH_MAX_INTERVAL 0.1

/* After the kill of the run's end, how long init waits for every process
 * to be reaped before it reports what is left (a process in an
 * uninterruptible sleep). Its own exit then ends them. */
#define REAP_GRACE 1.0

/* The text files of /proc read here are a few KiB (status, smaps_rollup). */
#define PROC_TEXT_MAX 8192

struct init {
	const struct boxed_run_plan *p;
	struct boxed_run_init_ctx *ctx;
	pid_t target;
	int sig_fd;
	int python;
	int clock_running;
	double timeout, started, deadline;
	double next_watch; /* 0: no watchdog */
	uint64_t peak;
	int target_status;
	int target_reaped;
};

/* Seconds since the run's wall clock started: the time the report gives,
 * taken where the limit is enforced, so that a run ended at its timeout
 * never reports less. */
static double on_the_clock(const struct init *in)
{
	return in->clock_running ? boxed_now() - in->started : 0;
}

static void send(struct init *in, struct boxed_run_event *ev)
{
	boxed_run_send_event(in->ctx->fds.event, ev);
}

/* In a sealed run: everything in the PID namespace but init. Unsealed:
 * every process of the slot uid but init. Either way the run's processes
 * (boxed_kill_own_processes). */
static void kill_the_run(void)
{
	if (boxed_kill_own_processes() != 0)
		boxed_die_child_errno("kill(-1, SIGKILL)");
}

/* The supervisor is gone: nobody is left to report to. */
__attribute__((noreturn)) static void abandon(void)
{
	kill_the_run();
	_exit(0);
}

static int wait_status(const siginfo_t *si)
{
	if (si->si_code == CLD_EXITED)
		return (si->si_status & 0xff) << 8;
	return (si->si_status & 0x7f) | (si->si_code == CLD_DUMPED ? 0x80 : 0);
}

/* Reap every child that has ended, recording the target's status. Returns
 * 1 when no child is left. */
static int reap_ready(struct init *in)
{
	for (;;) {
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | __WALL) != 0)
			return errno == ECHILD;
		if (si.si_pid == 0)
			return 0;
		if (si.si_pid == in->target) {
			in->target_status = wait_status(&si);
			in->target_reaped = 1;
		}
	}
}

/* Wait until every child is reaped, at most REAP_GRACE seconds. Returns 0,
 * or 1 when one is still there. */
static int reap_all(struct init *in)
{
	double give_up = boxed_now() + REAP_GRACE;

	while (!reap_ready(in)) {
		if (boxed_now() >= give_up)
			return 1;
		boxed_sleep(0.001);
	}
	return 0;
}

/* The run is over: kill what is left of it, reap it all, report, exit. */
__attribute__((noreturn)) static void end_run(struct init *in, enum boxed_run_end cause)
{
	struct boxed_run_event ev = {
	    .kind = BOXED_RUN_EVENT_ENDED, .value = (int32_t)cause, .wall = on_the_clock(in)};
	struct rusage ru;

	kill_the_run();
	ev.left = reap_all(in);
	ev.status = in->target_reaped ? in->target_status : -1;
	if (getrusage(RUSAGE_CHILDREN, &ru) == 0) {
		ev.cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
			 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
		ev.rss_kib = ru.ru_maxrss;
	}
	ev.run_memory = (int64_t)in->peak;
	send(in, &ev);
	_exit(0);
}

/* Python mode: the target stopped itself after its result, as the
 * bootstrap does. Its CPU time and peak RSS are read while it still
 * exists, then the run ends. */
__attribute__((noreturn)) static void answered(struct init *in)
{
	struct boxed_run_event ev = {.kind = BOXED_RUN_EVENT_ANSWERED, .wall = on_the_clock(in)};
	char name[32], text[PROC_TEXT_MAX];
	clockid_t clock;
	struct timespec cpu;

	if (clock_getcpuclockid(in->target, &clock) == 0 && clock_gettime(clock, &cpu) == 0)
		ev.cpu = (double)cpu.tv_sec + (double)cpu.tv_nsec / 1e9;
	snprintf(name, sizeof(name), "/proc/%d/status", (int)in->target);
	if (boxed_read_text(AT_FDCWD, name, text, sizeof(text)) > 0)
		ev.rss_kib = (int64_t)(boxed_run_status_peak(text) / 1024);
	send(in, &ev);
	end_run(in, BOXED_RUN_END_ANSWERED);
}

static void on_signals(struct init *in)
{
	struct signalfd_siginfo ssi;

	while (read(in->sig_fd, &ssi, sizeof(ssi)) == (ssize_t)sizeof(ssi))
		if (ssi.ssi_signo == UNSEALED_END_SIGNAL)
			abandon();
	for (;;) {
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WSTOPPED | WNOHANG | __WALL) != 0 ||
		    si.si_pid == 0)
			return;
		if (si.si_pid != in->target)
			continue; /* an orphan of the run, reaped; or a stop */
		if (si.si_code == CLD_STOPPED) {
			if (in->python && in->clock_running)
				answered(in);
			continue;
		}
		in->target_status = wait_status(&si);
		in->target_reaped = 1;
		end_run(in, BOXED_RUN_END_EXITED);
	}
}

static void start_clock(struct init *in, double timeout)
{
	in->clock_running = 1;
	in->started = boxed_now();
	in->deadline = in->started + timeout;
}

static void on_control(struct init *in)
{
	struct boxed_run_control msg;
	ssize_t n = read(in->ctx->fds.control, &msg, sizeof(msg));

	if (n < 0 && errno == EINTR)
		return;
	if (n != (ssize_t)sizeof(msg))
		abandon();
	if (msg.kind == BOXED_RUN_CONTROL_CLOCK && !in->clock_running)
		start_clock(in, msg.seconds);
}

/* The task to read the memory of process pid from, its status in text: the
 * process itself, or, when its main thread has exited alone (its status
 * then shows no memory, while the other threads keep all of the
 * process's), one of its live threads, whose status replaces text. */
static long memory_task(int procfd, long pid, char *text, size_t size)
{
	char path[64];
	struct dirent *e;
	long tid = pid;
	DIR *d;

	if (strstr(text, "\nRssAnon:"))
		return pid;
	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	d = opendir(path);
	while (d && tid == pid && (e = readdir(d))) {
		char *end;
		long t = strtol(e->d_name, &end, 10);

		if (!*end && t > 0 && t != pid)
			tid = t;
	}
	if (d)
		closedir(d);
	snprintf(path, sizeof(path), "%ld/status", tid);
	if (tid != pid && boxed_read_text(procfd, path, text, size) < 0)
		text[0] = '\0';
	return tid;
}

/* The run's memory as a whole (runner.h, "Memory accounting"): the
 * anonymous memory of its processes (or, when that passes the limit, their
 * proportional share: pages that processes share since a fork count once)
 * and their page tables. */
static uint64_t measure_processes(struct init *in, int proportional)
{
	char text[PROC_TEXT_MAX], name[64];
	uid_t uid = in->p->slot->uid;
	pid_t self = getpid();
	uint64_t total = 0;
	struct dirent *e;
	DIR *d = opendir("/proc");

	if (!d)
		boxed_die_child_errno("opendir(/proc)");
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		uint64_t anon;

		if (*end || pid <= 0 || pid == self)
			continue;
		snprintf(name, sizeof(name), "%ld/status", pid);
		if (boxed_read_text(dirfd(d), name, text, sizeof(text)) < 0)
			continue;
		/* Unsealed, /proc is the host's: only the slot uid's count. */
		if (!in->ctx->sealed && boxed_run_status_uid(text) != uid)
			continue;
		pid = memory_task(dirfd(d), pid, text, sizeof(text));
		anon = boxed_run_status_anon(text);
		total += boxed_run_status_page_tables(text);
		snprintf(name, sizeof(name), "%ld/smaps_rollup", pid);
		if (proportional && boxed_read_text(dirfd(d), name, text, sizeof(text)) > 0)
			anon = boxed_run_smaps_proportional(text);
		total += anon;
	}
	closedir(d);
	return total;
}

/* The SysV memory of the run's IPC namespace, from the kernel's own totals
 * (a look that /proc/sysvipc would make cost 70 ms with 40000 objects,
 * which a run could use to slow the watchdog down). */
static uint64_t measure_sysvipc(void)
{
	struct boxed_run_sysv_counts c = {.page_size = (uint64_t)sysconf(_SC_PAGESIZE)};
	struct shm_info shm;
	struct msginfo msg;
	struct seminfo sem;

	if (shmctl(0, SHM_INFO, (struct shmid_ds *)&shm) >= 0) {
		c.segments = (uint64_t)shm.used_ids;
		c.segment_pages = (uint64_t)shm.shm_rss + (uint64_t)shm.shm_swp;
	}
	/* MSG_INFO: msgpool is the number of queues, msgmap of messages,
	 * msgtql of bytes queued (msgctl(2)). */
	if (msgctl(0, MSG_INFO, (struct msqid_ds *)&msg) >= 0) {
		c.queues = (uint64_t)msg.msgpool;
		c.messages = (uint64_t)msg.msgmap;
		c.message_bytes = (uint64_t)msg.msgtql;
	}
	/* SEM_INFO: semusz is the number of sets, semaem of semaphores. */
	if (semctl(0, 0, SEM_INFO, &sem) >= 0) {
		c.sets = (uint64_t)sem.semusz;
		c.semaphores = (uint64_t)sem.semaem;
	}
	return boxed_run_sysv_memory(&c);
}

static uint64_t measure(struct init *in, int proportional)
{
	uint64_t total = measure_processes(in, proportional);

	/* Unsealed, SysV IPC is refused (runner/filter.c). */
	if (in->ctx->sealed)
		total += measure_sysvipc();
	return total;
}

static void watch_memory(struct init *in)
{
	double began = boxed_now(), cost, interval;
	uint64_t total = measure(in, 0);

	if (total > in->p->limits->memory)
		total = measure(in, 1);
	if (total > in->peak)
		in->peak = total;
	if (total > in->p->limits->memory)
		end_run(in, BOXED_RUN_END_MEMORY);
	cost = boxed_now() - began;
	interval = cost * WATCH_BUDGET > WATCH_INTERVAL ? cost * WATCH_BUDGET : WATCH_INTERVAL;
	/* What the run can add between two looks is the slack: past half the
	 * limit, look at the shortest interval, and never wait longer than
	 * the longest, whatever it costs (a run can make looks dear with many
	 * processes or SysV objects, and would otherwise buy time with it). */
	if (total > in->p->limits->memory / 2)
		interval = WATCH_INTERVAL;
	if (interval > WATCH_MAX_INTERVAL)
		interval = WATCH_MAX_INTERVAL;
	in->next_watch = boxed_now() + interval;
}

static int target_entry(void *arg)
{
	struct init *in = arg;
	sigset_t none;

	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
		boxed_die_child_errno("sigprocmask");
	/* A session of its own, as a program started from a shell expects:
	 * the child's (made to leave the caller's terminal) has its leader
	 * outside the run's PID namespace. */
	if (setsid() < 0)
		boxed_die_child_errno("setsid");
	/* Init is its parent and sleeps in clone(CLONE_VFORK) until the exec,
	 * so it is there to die first. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
		boxed_die_child_errno("prctl(PR_SET_PDEATHSIG)");
	if (chdir(in->p->slot->home) != 0)
		boxed_die_child_errno("chdir(%s)", in->p->slot->home);
	boxed_run_confine_and_exec(in->p, in->ctx->env, in->ctx->sealed, in->ctx->fds.event);
}

/* The target shares init's memory until its execve (CLONE_VM |
 * CLONE_VFORK, as posix_spawn does): no page tables to copy, and nothing
 * else of the run exists yet that could interrupt it. */
static void start_target(struct init *in)
{
	char *top = boxed_run_new_stack(TARGET_STACK_SIZE, "target");

	in->target = clone(target_entry, top, CLONE_VM | CLONE_VFORK | SIGCHLD, in);
	if (in->target < 0)
		boxed_die_child_errno("clone(target)");
	munmap(top - TARGET_STACK_SIZE, TARGET_STACK_SIZE);
}

/* Capabilities of the run's user namespace: init needed them to mount,
 * and needs none from here on. The target, its child, starts without.
 * The ambient set is empty in a new user namespace, and the kernel keeps
 * it within the permitted and inheritable sets, so clearing those clears
 * it; it is read back all the same. */
static void drop_namespace_caps(void)
{
	cap_t none = cap_init(), have;
	uint64_t ambient;

	if (!none)
		boxed_die_child_errno("cap_init");
	if (cap_set_proc(none) != 0)
		boxed_die_child_errno("cap_set_proc(empty)");
	have = cap_get_proc();
	if (!have)
		boxed_die_child_errno("cap_get_proc");
	if (cap_compare(have, none) != 0)
		boxed_die_child("capabilities remain in the run's namespace after clearing them");
	if (boxed_self_status_mask("CapAmb", &ambient) != 0 || ambient != 0)
		boxed_die_child("ambient capabilities remain in the run's namespace");
	cap_free(have);
	cap_free(none);
}

/* Die with the supervisor: the parent-death signal, set now that no
 * credential change is left to clear it, and, should it have died before
 * that, the end of the control pipe it alone holds. Sealed, the signal is
 * SIGKILL, and init's death ends every process of its PID namespace.
 * Unsealed, nothing ends the run's processes with init, so the signal is
 * the end signal init reads on its signalfd, and init kills them first. */
static void follow_supervisor(int control_fd, int sealed)
{
	struct pollfd pfd = {.fd = control_fd, .events = POLLIN};

	if (prctl(PR_SET_PDEATHSIG, sealed ? SIGKILL : UNSEALED_END_SIGNAL, 0, 0, 0) != 0)
		boxed_die_child_errno("prctl(PR_SET_PDEATHSIG)");
	if (poll(&pfd, 1, 0) < 0)
		boxed_die_child_errno("poll(control pipe)");
	if (pfd.revents & (POLLHUP | POLLERR))
		boxed_die_child("the supervisor is gone");
}

/* The slot holds what an earlier run left and cannot remove: say so
 * (reason slot-unclean), then die before the target runs. */
__attribute__((noreturn, format(printf, 2, 3))) static void unclean(struct init *in,
								    const char *fmt, ...)
{
	struct boxed_run_event ev = {.kind = BOXED_RUN_EVENT_UNCLEAN, .value = errno};
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	send(in, &ev);
	boxed_die_child("the slot cannot be cleaned: %s", msg);
}

/* Unsealed: init waits for the supervisor to have reaped the child, which
 * counts as a process of the slot uid until then and would take one of the
 * target's --nproc; then it clears what an earlier run of the uid may have
 * left on the host. */
static void prepare_unsealed(struct init *in)
{
	const struct boxed_run_slot *slot = in->p->slot;
	struct boxed_run_control msg;
	int fd, rc;

	if (read(in->ctx->fds.control, &msg, sizeof(msg)) != (ssize_t)sizeof(msg) ||
	    msg.kind != BOXED_RUN_CONTROL_START)
		abandon();
	fd = boxed_run_open_private_dir(slot->home, slot->uid);
	if (fd < 0 && errno == EPERM)
		unclean(in, "%s is not the slot's (uid and gid %u); run boxed-setup install",
			slot->home, (unsigned)slot->uid);
	if (fd < 0)
		unclean(in, "open(%s): %s", slot->home, strerror(errno));
	rc = boxed_wipe_contents(fd);
	if (rc != 0)
		unclean(in, "emptying %s: %s; run boxed-setup install", slot->home,
			strerror(errno));
	close(fd);
	if (boxed_run_remove_ipc(slot->uid) != 0)
		unclean(in, "removing the IPC objects of uid %u: %s", (unsigned)slot->uid,
			strerror(errno));
}

/* SIGCHLD, and unsealed the supervisor's death, come in through a
 * signalfd. Sealed, the end signal is not taken: a signal that init blocks
 * is queued for it even from inside its PID namespace, which could then
 * end the run's init. */
static int make_signalfd(int sealed)
{
	int fd = sealed ? boxed_sigfd(NULL, SIGCHLD, 0)
			: boxed_sigfd(NULL, SIGCHLD, UNSEALED_END_SIGNAL, 0);

	if (fd < 0)
		boxed_die_child_errno("signalfd(SIGCHLD)");
	return fd;
}

/* Init keeps the run's stderr for its own messages, and lets go of every
 * other end of the run's pipes, so that the supervisor sees their end when
 * the run's processes are gone. */
static void close_run_fds(int python)
{
	close(1);
	if (python) {
		close(3);
		close(4);
	}
}

__attribute__((noreturn)) static void watch(struct init *in)
{
	for (;;) {
		struct pollfd pfd[2] = {{.fd = in->ctx->fds.control, .events = POLLIN},
					{.fd = in->sig_fd, .events = POLLIN}};
		double wake = in->next_watch ? in->next_watch : boxed_now() + 3600;
		double left;
		struct timespec ts;

		if (in->clock_running && in->deadline < wake)
			wake = in->deadline;
		left = wake - boxed_now();
		if (left < 0)
			left = 0;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		if (ppoll(pfd, 2, &ts, NULL) < 0 && errno != EINTR)
			boxed_die_child_errno("ppoll");
		/* The control pipe first: the clock's start is written before
		 * the request, so it is there when the answer's stop is, and a
		 * stop taken before it would be lost to an idle worker's. */
		if (pfd[0].revents)
			on_control(in);
		if (pfd[1].revents)
			on_signals(in);
		if (in->clock_running && boxed_now() >= in->deadline)
			end_run(in, BOXED_RUN_END_WALL);
		if (in->next_watch && boxed_now() >= in->next_watch)
			watch_memory(in);
	}
}

void boxed_run_init_main(struct boxed_run_init_ctx *ctx)
{
	static struct init in;
	struct boxed_run_event ev = {.kind = BOXED_RUN_EVENT_INIT, .value = ctx->host_pid};
	int proc_err = 0;

	in.ctx = ctx;
	in.p = ctx->plan;
	in.python = ctx->plan->args->python;
	in.timeout = ctx->plan->limits->timeout;
	if (ctx->sealed) {
		proc_err = boxed_run_seal_filesystem(in.p);
		drop_namespace_caps();
	}
	in.sig_fd = make_signalfd(ctx->sealed);
	follow_supervisor(ctx->fds.control, ctx->sealed);
	send(&in, &ev);
	if (proc_err) {
		struct boxed_run_event no_proc = {.kind = BOXED_RUN_EVENT_NO_PROC,
						  .value = proc_err};

		send(&in, &no_proc);
	}
	if (!ctx->sealed)
		prepare_unsealed(&in);
	start_target(&in);
	close_run_fds(in.python);
	if (!in.python)
		start_clock(&in, in.timeout);
	/* Unsealed with one process, the target's address-space limit bounds
	 * the run, and SysV IPC and memfd are refused: nothing to watch. */
	if (ctx->sealed || in.p->limits->nproc > 1)
		in.next_watch = boxed_now() + WATCH_FIRST;
	watch(&in);
}
