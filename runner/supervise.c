#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "fsutil.h"
#include "runner.h"

/* In relay mode the supervisor keeps only this much of stderr, for the
 * report's message when setup fails. */
#define RELAY_KEEP 1024
#define CHUNK 16384

static struct timespec timespec_of(double seconds)
{
	return (struct timespec){.tv_sec = (time_t)seconds,
				 .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
}

int boxed_run_wait_exec(const struct boxed_run_super *s, int status_fd, double seconds,
			int *exec_errno)
{
	char buf[2 + sizeof(int)];
	struct pollfd pfd = {.fd = status_fd, .events = POLLIN};
	struct timespec left = timespec_of(seconds);
	size_t got = 0;
	int killed = 0;

	*exec_errno = 0;
	while (got < sizeof(buf)) {
		ssize_t n;
		int ready = ppoll(&pfd, 1, killed ? NULL : &left, NULL);

		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			boxed_die_errno("ppoll(status pipe)");
		/* A setup that does not end in time (a process of the slot uid
		 * left from an earlier run can stop the child before it kills
		 * it) is ended here; the pipe then reaches its end. */
		if (ready == 0) {
			boxed_run_kill_pidfd(s->pidfd, s->pid);
			killed = 1;
			continue;
		}
		n = read(status_fd, buf + got, sizeof(buf) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (killed)
		return 1;
	if (got == 1 && buf[0] == 'X')
		return 0;
	if (got == sizeof(buf) && buf[0] == 'X' && buf[1] == 'E') {
		memcpy(exec_errno, buf + 2, sizeof(int));
		return 2;
	}
	return 1;
}

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void keep(struct boxed_run_capture *c, const char *data, size_t n, size_t limit)
{
	size_t room = limit > c->len ? limit - c->len : 0, take = n < room ? n : room;
	char *grown;

	if (take == 0)
		return;
	grown = realloc(c->buf, c->len + take + 1);
	if (!grown) {
		c->truncated = 1;
		return;
	}
	c->buf = grown;
	memcpy(c->buf + c->len, data, take);
	c->len += take;
	c->buf[c->len] = '\0';
}

/* One read from a stream. Returns 1 when the stream passed its bound. */
static int read_stream(struct boxed_run_super *s, int *fd, struct boxed_run_capture *c,
		       size_t *seen, size_t limit, int relay_fd)
{
	char buf[CHUNK];
	ssize_t n = read(*fd, buf, sizeof(buf));
	size_t allowed;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return 0;
	}
	allowed = *seen < limit ? limit - *seen : 0;
	if ((size_t)n < allowed)
		allowed = (size_t)n;
	/* A reader that went away (EPIPE; SIGPIPE is ignored) only loses the
	 * relayed copy: the run goes on and is still bounded. */
	if (relay_fd >= 0 && allowed > 0)
		(void)!boxed_write_all(relay_fd, buf, allowed);
	keep(c, buf, allowed, !s->relay ? limit : (c == &s->err ? RELAY_KEEP : 0));
	*seen += (size_t)n;
	if (*seen > limit) {
		c->truncated = 1;
		return 1;
	}
	return 0;
}

static void read_result(struct boxed_run_super *s)
{
	char buf[CHUNK];
	ssize_t n = read(s->result_fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0 && s->result.len + (size_t)n <= s->result_limit) {
		keep(&s->result, buf, (size_t)n, s->result_limit);
		return;
	}
	/* EOF, an error, or a result larger than max_message: in the last
	 * case the result is marked and ignored, and the child gets EPIPE. */
	if (n > 0)
		s->result.truncated = 1;
	close(s->result_fd);
	s->result_fd = -1;
}

static void write_request(struct boxed_run_super *s)
{
	ssize_t n =
	    write(s->request_fd, s->request + s->request_off, s->request_len - s->request_off);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0)
		s->request_off += (size_t)n;
	if (n < 0 || s->request_off == s->request_len) {
		close(s->request_fd);
		s->request_fd = -1;
		/* The wall clock of a Python run starts at delivery. */
		clock_gettime(CLOCK_MONOTONIC, &s->start);
	}
}

static int read_signal(struct boxed_run_super *s)
{
	struct signalfd_siginfo si;

	if (read(s->sig_fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 0;
	if (si.ssi_signo == SIGCHLD) {
		s->child_changed = 1;
		return 0;
	}
	s->interrupted = (int)si.ssi_signo;
	return 1;
}

static struct timespec remaining(const struct boxed_run_super *s, int *expired)
{
	struct timespec now;
	double left;

	clock_gettime(CLOCK_MONOTONIC, &now);
	left = s->timeout - seconds_between(&s->start, &now);
	*expired = left <= 0;
	return timespec_of(left < 0 ? 0 : left);
}

/* Has the child stopped (SIGSTOP), without the stop being consumed? It
 * is ours and unreaped, so its pid is still its own. */
static int child_stopped(const struct boxed_run_super *s)
{
	siginfo_t si = {0};

	return waitid(P_PID, (id_t)s->pid, &si, WSTOPPED | WNOHANG | WNOWAIT) == 0 &&
	       si.si_pid == s->pid && si.si_code == CLD_STOPPED;
}

enum { WATCH_PID, WATCH_OUT, WATCH_ERR, WATCH_RESULT, WATCH_REQUEST, WATCH_SIG, WATCH_COUNT };

static int add_fd(struct pollfd *pfd, int *idx, int *n, int slot, int fd, short events)
{
	idx[slot] = -1;
	if (fd < 0)
		return 0;
	pfd[*n] = (struct pollfd){.fd = fd, .events = events};
	idx[slot] = (*n)++;
	return 1;
}

static int ready(const struct pollfd *pfd, const int *idx, int slot)
{
	return idx[slot] >= 0 && pfd[idx[slot]].revents;
}

void boxed_run_supervise(struct boxed_run_super *s)
{
	while (!s->exited && !s->answered) {
		struct pollfd pfd[WATCH_COUNT];
		int idx[WATCH_COUNT], n = 0, expired;
		struct timespec ts = remaining(s, &expired);

		if (expired) {
			s->timed_out = 1;
			break;
		}
		add_fd(pfd, idx, &n, WATCH_PID, s->pidfd, POLLIN);
		add_fd(pfd, idx, &n, WATCH_OUT, s->out_fd, POLLIN);
		add_fd(pfd, idx, &n, WATCH_ERR, s->err_fd, POLLIN);
		add_fd(pfd, idx, &n, WATCH_RESULT, s->result_fd, POLLIN);
		add_fd(pfd, idx, &n, WATCH_REQUEST, s->request_fd, POLLOUT);
		add_fd(pfd, idx, &n, WATCH_SIG, s->sig_fd, POLLIN);
		if (ppoll(pfd, (nfds_t)n, &ts, NULL) < 0) {
			if (errno == EINTR)
				continue;
			boxed_die_errno("ppoll");
		}
		if (ready(pfd, idx, WATCH_SIG) && read_signal(s))
			break;
		if (ready(pfd, idx, WATCH_OUT) && read_stream(s, &s->out_fd, &s->out, &s->out_seen,
							      s->output_limit, s->relay ? 1 : -1)) {
			s->output_exceeded = 1;
			break;
		}
		if (ready(pfd, idx, WATCH_ERR) && read_stream(s, &s->err_fd, &s->err, &s->err_seen,
							      s->output_limit, s->relay ? 2 : -1)) {
			s->output_exceeded = 1;
			break;
		}
		if (ready(pfd, idx, WATCH_RESULT))
			read_result(s);
		if (ready(pfd, idx, WATCH_REQUEST))
			write_request(s);
		if (ready(pfd, idx, WATCH_PID))
			s->exited = 1;
		else if (s->stop_at_answer && s->request_fd < 0 && s->child_changed)
			s->answered = child_stopped(s);
		s->child_changed = 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &s->end);
}

static void set_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

void boxed_run_drain(struct boxed_run_super *s)
{
	/* Every process that could hold a write end is dead by now, so these
	 * reads end; non-blocking all the same, so that a pipe end that leaked
	 * somewhere cannot hang the supervisor. */
	if (s->out_fd >= 0)
		set_nonblocking(s->out_fd);
	if (s->err_fd >= 0)
		set_nonblocking(s->err_fd);
	if (s->result_fd >= 0)
		set_nonblocking(s->result_fd);
	while (s->out_fd >= 0 || s->err_fd >= 0 || s->result_fd >= 0) {
		int before = (s->out_fd >= 0) + (s->err_fd >= 0) + (s->result_fd >= 0);
		size_t o = s->out_seen, e = s->err_seen, r = s->result.len;

		if (s->out_fd >= 0 && read_stream(s, &s->out_fd, &s->out, &s->out_seen,
						  s->output_limit, s->relay ? 1 : -1))
			s->output_exceeded = 1;
		if (s->err_fd >= 0 && read_stream(s, &s->err_fd, &s->err, &s->err_seen,
						  s->output_limit, s->relay ? 2 : -1))
			s->output_exceeded = 1;
		if (s->result_fd >= 0)
			read_result(s);
		if (before == (s->out_fd >= 0) + (s->err_fd >= 0) + (s->result_fd >= 0) &&
		    o == s->out_seen && e == s->err_seen && r == s->result.len)
			break; /* nothing more without blocking */
		if (s->output_exceeded)
			break;
	}
	if (s->out_fd >= 0)
		close(s->out_fd);
	if (s->err_fd >= 0)
		close(s->err_fd);
	if (s->result_fd >= 0)
		close(s->result_fd);
	s->out_fd = s->err_fd = s->result_fd = -1;
}

long boxed_run_peak_rss_kib(pid_t pid)
{
	char path[64], buf[2048], *p;
	int fd;
	ssize_t n;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "\nVmHWM:");
	return p ? strtol(p + 7, NULL, 10) : -1;
}

/* The child is ours and unreaped, so its pid cannot have been reused. An
 * exiting process has already lost its memory map, and with it VmHWM. */
int boxed_run_sample_child(struct boxed_run_super *s)
{
	clockid_t clock;
	struct timespec cpu;
	long rss;

	if (clock_getcpuclockid(s->pid, &clock) != 0 || clock_gettime(clock, &cpu) != 0)
		return -1;
	rss = boxed_run_peak_rss_kib(s->pid);
	if (rss < 0)
		return -1;
	s->cpu_time = (double)cpu.tv_sec + (double)cpu.tv_nsec / 1e9;
	s->max_rss_kib = rss;
	return 0;
}

void boxed_run_kill_pidfd(int pidfd, pid_t pid)
{
	/* ESRCH: it is gone already, which is what was asked. */
	if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) != 0 && errno != ESRCH)
		boxed_die_errno("pidfd_send_signal(%d, SIGKILL)", (int)pid);
}

int boxed_run_await_pidfd(int pidfd, double seconds)
{
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
	struct timespec ts = timespec_of(seconds);
	int n;

	do
		n = ppoll(&pfd, 1, &ts, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		boxed_die_errno("ppoll(pidfd)");
	return n > 0;
}
