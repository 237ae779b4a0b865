/* The supervisor's side of a run: following its setup through the events
 * of its child, init and target, then relaying or capturing its output,
 * delivering the Python request and collecting the result until init
 * reports the end. Every wait is bounded; the only thing this code does to
 * the run is kill its init through a pidfd.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "die.h"
#include "fsutil.h"
#include "system.h"

/* In relay mode the supervisor keeps only this much of stderr, for the
 * report's message when setup fails. */
#define RELAY_KEEP 1024
#define CHUNK 16384

/* How much later than init the supervisor enforces the wall clock itself:
 * only an unsealed run can stop or kill its init, and a sealed one cannot
 * outlive it. */
#define BACKSTOP_GRACE 0.5

/* How long a killed child gets to be gone. */
#define CHILD_GRACE 2.0

void boxed_run_kill_pidfd(int pidfd, pid_t pid)
{
	/* ESRCH: it is gone already, which is what was asked. */
	if (pidfd >= 0 && pidfd_send_signal(pidfd, SIGKILL, NULL, 0) != 0 && errno != ESRCH)
		boxed_die_errno("pidfd_send_signal(%d, SIGKILL)", (int)pid);
}

int boxed_run_await_pidfd(int pidfd, double seconds)
{
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
	struct timespec ts = boxed_timespec(seconds);
	int n;

	do
		n = ppoll(&pfd, 1, &ts, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		boxed_die_errno("ppoll(pidfd)");
	return n > 0;
}

/* The child (the supervisor's fork) has done its part once init is up:
 * it sleeps until init ends. It is killed now, so that it holds no end of
 * the run's pipes; it is reaped at the cleanup, except unsealed, where it
 * must be gone before the target starts: until it is reaped it counts as a
 * process of the slot uid, and would take one of the target's --nproc. */
static void end_child(struct boxed_run_super *s)
{
	if (s->child_pidfd < 0)
		return;
	boxed_run_kill_pidfd(s->child_pidfd, s->child);
	if (s->sealed)
		return;
	if (!boxed_run_await_pidfd(s->child_pidfd, CHILD_GRACE) ||
	    waitpid(s->child, NULL, __WALL) != s->child)
		boxed_die_errno("waitpid(child %d)", (int)s->child);
	close(s->child_pidfd);
	s->child_pidfd = -1;
}

static void send_control(struct boxed_run_super *s, int kind, double seconds)
{
	struct boxed_run_control msg = {.kind = kind, .seconds = seconds};

	/* A write to a pipe of less than PIPE_BUF is whole or fails; it fails
	 * when init is gone, which its pidfd will tell. */
	if (s->control_fd >= 0 && write(s->control_fd, &msg, sizeof(msg)) != (ssize_t)sizeof(msg) &&
	    errno != EPIPE)
		boxed_die_errno("write(control pipe)");
}

static void on_init(struct boxed_run_super *s, pid_t pid)
{
	/* init is our child (CLONE_PARENT) and not reaped, so its pid is
	 * still its own. */
	s->init = pid;
	s->init_pidfd = pidfd_open(pid, 0);
	if (s->init_pidfd < 0)
		boxed_die_errno("pidfd_open(init %d)", (int)pid);
	end_child(s);
	if (!s->sealed)
		send_control(s, BOXED_RUN_CONTROL_START, 0);
}

static void on_event(struct boxed_run_super *s, const struct boxed_run_event *ev)
{
	switch (ev->kind) {
	case BOXED_RUN_EVENT_UNSEALED:
		s->sealed = 0;
		s->unsealed_errno = ev->value;
		break;
	case BOXED_RUN_EVENT_INIT:
		if (s->init_pidfd < 0)
			on_init(s, (pid_t)ev->value);
		break;
	case BOXED_RUN_EVENT_NO_PROC:
		s->no_proc_errno = ev->value;
		break;
	case BOXED_RUN_EVENT_UNCLEAN:
		s->unclean_errno = ev->value;
		break;
	case BOXED_RUN_EVENT_EXEC:
		s->started = 1;
		break;
	case BOXED_RUN_EVENT_EXEC_FAILED:
		s->exec_errno = ev->value;
		break;
	case BOXED_RUN_EVENT_ANSWERED:
		s->answered = *ev;
		break;
	case BOXED_RUN_EVENT_ENDED:
		s->ended = *ev;
		break;
	}
}

int boxed_run_read_events(struct boxed_run_super *s)
{
	struct boxed_run_event evs[16];
	ssize_t n = read(s->event_fd, evs, sizeof(evs));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1;
	/* Every record is written whole (less than PIPE_BUF), so a read
	 * returns whole records. */
	for (size_t i = 0; i < (size_t)n / sizeof(evs[0]); i++)
		on_event(s, &evs[i]);
	return 0;
}

static int pidfd_ready(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	return fd >= 0 && poll(&pfd, 1, 0) > 0;
}

int boxed_run_wait_started(struct boxed_run_super *s, double seconds)
{
	double began = boxed_now();

	while (!s->started && !s->exec_errno && !s->ended.kind) {
		/* The child's end matters until init is up: then the child is
		 * ended on purpose, and its pidfd stays readable. */
		struct pollfd pfd[3] = {
		    {.fd = s->event_fd, .events = POLLIN},
		    {.fd = s->init_pidfd < 0 ? s->child_pidfd : -1, .events = POLLIN},
		    {.fd = s->init_pidfd, .events = POLLIN}};
		struct timespec left = boxed_timespec(seconds - (boxed_now() - began));
		int ready = ppoll(pfd, 3, &left, NULL);

		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			boxed_die_errno("ppoll(setup)");
		/* A setup that does not end in time (a process left from an
		 * earlier unsealed run of the slot can stop it) is ended here. */
		if (ready == 0) {
			boxed_run_kill_pidfd(s->init_pidfd, s->init);
			boxed_run_kill_pidfd(s->child_pidfd, s->child);
			return 1;
		}
		if (pfd[0].revents && boxed_run_read_events(s) != 0)
			return s->started ? 0 : 1;
		if (s->started || s->exec_errno || s->ended.kind)
			break;
		/* The child or init died before the target's execve: events
		 * already in the pipe come first. */
		if (pfd[1].revents || pfd[2].revents) {
			while (!s->started && boxed_run_read_events(s) == 0 &&
			       pidfd_ready(s->event_fd))
				;
			if (!s->started)
				return 1;
		}
	}
	if (s->exec_errno)
		return 2;
	return s->started ? 0 : 1;
}

void boxed_run_start_clock(struct boxed_run_super *s)
{
	s->start = boxed_now();
	s->clock_started = 1;
	send_control(s, BOXED_RUN_CONTROL_CLOCK, s->timeout);
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

/* What shells, libc's callers and Python print when fork(2) or a new
 * thread fails with EAGAIN, which under the run's RLIMIT_NPROC means its
 * limit of processes and threads. Seen on stderr, the report says which
 * limit it was. A text split across two reads goes unnoticed: a hint,
 * never a verdict. */
static int says_fork_refused(const char *buf, size_t n)
{
	static const char *const texts[] = {"Cannot fork", "fork: Resource temporarily unavailable",
					    "can't start new thread",
					    "BlockingIOError: [Errno 11]"};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (memmem(buf, n, texts[i], strlen(texts[i])))
			return 1;
	return 0;
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
	if (c == &s->err && !s->fork_refused)
		s->fork_refused = says_fork_refused(buf, (size_t)n);
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
	}
}

static int read_signal(struct boxed_run_super *s)
{
	struct signalfd_siginfo si;

	if (read(s->sig_fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 0;
	s->interrupted = (int)si.ssi_signo;
	return 1;
}

enum {
	WATCH_EVENT,
	WATCH_INIT,
	WATCH_OUT,
	WATCH_ERR,
	WATCH_RESULT,
	WATCH_REQUEST,
	WATCH_SIG,
	WATCH_CALLER,
	WATCH_COUNT
};

static void add_fd(struct pollfd *pfd, int *idx, int *n, int slot, int fd, short events)
{
	idx[slot] = -1;
	if (fd < 0)
		return;
	pfd[*n] = (struct pollfd){.fd = fd, .events = events};
	idx[slot] = (*n)++;
}

static int ready(const struct pollfd *pfd, const int *idx, int slot)
{
	return idx[slot] >= 0 && pfd[idx[slot]].revents;
}

/* How long to wait: until the supervisor's own bound, BACKSTOP_GRACE after
 * init's, once the clock runs. Sets *expired when it has passed. */
static struct timespec backstop(const struct boxed_run_super *s, int *expired)
{
	double left = 3600;

	*expired = 0;
	if (s->clock_started) {
		left = s->timeout + BACKSTOP_GRACE - (boxed_now() - s->start);
		*expired = left <= 0;
	}
	return boxed_timespec(left);
}

/* One pass over what poll found. Returns 1 when the run is over for the
 * supervisor. */
static int serve(struct boxed_run_super *s, const struct pollfd *pfd, const int *idx)
{
	if (ready(pfd, idx, WATCH_SIG) && read_signal(s))
		return 1;
	if (ready(pfd, idx, WATCH_CALLER)) {
		s->caller_gone = 1;
		return 1;
	}
	if (ready(pfd, idx, WATCH_OUT) &&
	    read_stream(s, &s->out_fd, &s->out, &s->out_seen, s->output_limit, s->relay ? 1 : -1)) {
		s->output_exceeded = 1;
		return 1;
	}
	if (ready(pfd, idx, WATCH_ERR) &&
	    read_stream(s, &s->err_fd, &s->err, &s->err_seen, s->output_limit, s->relay ? 2 : -1)) {
		s->output_exceeded = 1;
		return 1;
	}
	if (ready(pfd, idx, WATCH_RESULT))
		read_result(s);
	if (ready(pfd, idx, WATCH_REQUEST))
		write_request(s);
	if (ready(pfd, idx, WATCH_EVENT) && boxed_run_read_events(s) != 0) {
		close(s->event_fd);
		s->event_fd = -1;
	}
	if (s->ended.kind || s->answered.kind)
		return 1;
	/* init gone without a word: its last events, if any, are read first. */
	return ready(pfd, idx, WATCH_INIT) && (s->event_fd < 0 || !pidfd_ready(s->event_fd));
}

void boxed_run_supervise(struct boxed_run_super *s)
{
	for (;;) {
		struct pollfd pfd[WATCH_COUNT];
		int idx[WATCH_COUNT], n = 0, expired;
		struct timespec ts = backstop(s, &expired);

		if (expired) {
			s->timed_out = 1;
			break;
		}
		add_fd(pfd, idx, &n, WATCH_EVENT, s->event_fd, POLLIN);
		add_fd(pfd, idx, &n, WATCH_INIT, s->init_pidfd, POLLIN);
		add_fd(pfd, idx, &n, WATCH_OUT, s->out_fd, POLLIN);
		add_fd(pfd, idx, &n, WATCH_ERR, s->err_fd, POLLIN);
		add_fd(pfd, idx, &n, WATCH_RESULT, s->result_fd, POLLIN);
		add_fd(pfd, idx, &n, WATCH_REQUEST, s->request_fd, POLLOUT);
		add_fd(pfd, idx, &n, WATCH_SIG, s->sig_fd, POLLIN);
		add_fd(pfd, idx, &n, WATCH_CALLER, s->caller_fd, POLLIN);
		if (ppoll(pfd, (nfds_t)n, &ts, NULL) < 0) {
			if (errno == EINTR)
				continue;
			boxed_die_errno("ppoll");
		}
		if (serve(s, pfd, idx))
			break;
	}
	s->end = boxed_now();
}

static void set_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

void boxed_run_drain(struct boxed_run_super *s)
{
	/* Non-blocking: a process of the run that outlived its init (only an
	 * unsealed run has one) may still hold a write end. */
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

long boxed_run_own_peak_rss_kib(void)
{
	char text[4096];

	if (boxed_read_text(AT_FDCWD, "/proc/self/status", text, sizeof(text)) <= 0)
		return -1;
	return (long)(boxed_run_status_peak(text) / 1024);
}
