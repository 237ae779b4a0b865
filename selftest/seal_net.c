/* The outer side of the no-network probe:
 * under --no-network a run reaches no socket of the host: no AF_INET or
 * AF_INET6 socket at all (loopback included), no abstract unix socket
 * either way (they are per network namespace), and no pathname socket of
 * the host: a 0777 one in the host's /tmp, one in the stage and, as root,
 * one under /run (hidden under --no-network). The outer side listens on
 * each and counts who got through, besides what the run says. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inner.h"
#include "seal.h"

#define FIX_NET                                                                                    \
	"--no-network needs the run's own network namespace and a seccomp filter that refuses "    \
	"socket(2): " FIX_SEAL

enum { L_TCP, L_TCP6, L_ABSTRACT, L_TMP, L_RUN, L_STAGE, L_COUNT };

/* The host's listeners, and the names the run is told. */
struct net_stage {
	int fds[L_COUNT]; /* -1: none */
	char port_s[16], out_name[96], in_name[96], tmp_sock[128], run_sock[128], stage_sock[200];
};

/* A TCP listener on the loopback address of family; its port in *port
 * (0: take any). Returns the fd, or -1 (this host has no such loopback). */
static int tcp_listener(int family, int *port)
{
	struct sockaddr_storage a, got;
	socklen_t len = boxed_selftest_loopback(&a, family, *port), got_len = sizeof(got);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, len) != 0 || listen(fd, 4) != 0 ||
	    getsockname(fd, (struct sockaddr *)&got, &got_len) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&got)->sin_port
					: ((struct sockaddr_in6 *)&got)->sin6_port);
	return fd;
}

/* A pathname socket listening at path, mode 0777: anyone may connect. */
static int path_listener(const char *path)
{
	int fd = boxed_selftest_unix_listen(path, 0);

	if (fd >= 0 && chmod(path, 0777) != 0) {
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/* Listen on everything the run must not reach. Returns 0, or the errno
 * when a listener could not be set up (a host without IPv6 loopback goes
 * without that one). */
static int listen_all(const struct boxed_selftest_ctx *c, struct net_stage *s, const char *token)
{
	int port = 0, port6;

	snprintf(s->out_name, sizeof(s->out_name), "%s-out", token);
	snprintf(s->in_name, sizeof(s->in_name), "%s-in", token);
	snprintf(s->tmp_sock, sizeof(s->tmp_sock), "/tmp/%s.sock", token);
	/* A socket any user could leave in a directory the run can read: the
	 * stage, under /var/tmp. */
	snprintf(s->stage_sock, sizeof(s->stage_sock), "%s/%s.sock", c->dir, token);
	snprintf(s->run_sock, sizeof(s->run_sock), "-");
	s->fds[L_TCP] = tcp_listener(AF_INET, &port);
	port6 = port;
	s->fds[L_TCP6] = tcp_listener(AF_INET6, &port6);
	s->fds[L_ABSTRACT] = boxed_selftest_unix_listen(s->out_name, 1);
	s->fds[L_TMP] = path_listener(s->tmp_sock);
	s->fds[L_RUN] = -1;
	s->fds[L_STAGE] = path_listener(s->stage_sock);
	/* Only root can make a socket under /run, as a host service would. */
	if (c->root) {
		snprintf(s->run_sock, sizeof(s->run_sock), "/run/%s.sock", token);
		s->fds[L_RUN] = path_listener(s->run_sock);
	}
	snprintf(s->port_s, sizeof(s->port_s), "%d", port);
	if (s->fds[L_TCP] < 0 || s->fds[L_ABSTRACT] < 0 || s->fds[L_TMP] < 0 ||
	    (c->root && s->fds[L_RUN] < 0) || s->fds[L_STAGE] < 0)
		return errno ? errno : EIO;
	return 0;
}

static void close_all(const struct boxed_selftest_ctx *c, struct net_stage *s)
{
	for (int i = 0; i < L_COUNT; i++)
		if (s->fds[i] >= 0)
			close(s->fds[i]);
	unlink(s->tmp_sock);
	unlink(s->stage_sock);
	if (c->root)
		unlink(s->run_sock);
}

/* What got through: the run's own attempts that succeeded, the host's
 * connection to the run's abstract socket (in_err 0), and the connections
 * the host's listeners accepted. Describes each in seen; returns how many. */
static int count_leaks(const struct net_stage *s, const struct boxed_selftest_run *r, int in_err,
		       char *seen, size_t len)
{
	static const char *const refused[] = {
	    "inet-stream",   "inet-dgram",   "inet6-stream", "inet6-dgram", "tcp-loopback",
	    "tcp6-loopback", "abstract-out", "tmp-socket",   "run-socket",  "stage-socket"};
	int leaks = 0, accepted = 0;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		/* -1: not tried (no socket to connect, or no /run socket). */
		if (boxed_selftest_verdict_errno(r, refused[i]) == 0) {
			boxed_selftest_append(seen, len, "; %s: %s", refused[i],
					      i < 4 ? "socket created" : "connected");
			leaks++;
		}
	}
	if (in_err == 0) {
		boxed_selftest_append(seen, len,
				      "; the host connected to the run's abstract socket");
		leaks++;
	}
	for (int i = 0; i < L_COUNT; i++)
		accepted += boxed_selftest_accepted(s->fds[i]);
	accepted += (int)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(r->verdict, "abstract-in-accepted"));
	if (accepted) {
		boxed_selftest_append(seen, len, "; %d connection(s) got through", accepted);
		leaks++;
	}
	return leaks;
}

/* What a run that reached nothing was told, each way. */
static void describe_refusals(const struct boxed_selftest_ctx *c,
			      const struct boxed_selftest_run *r, int in_err, char *seen,
			      size_t len)
{
	snprintf(seen, len,
		 "; socket(AF_INET): %s, socket(AF_INET6): %s; abstract socket out: %s, "
		 "in: %s; the host's socket in /tmp: %s, under /run: %s, in /var/tmp: %s",
		 boxed_selftest_errno_text(boxed_selftest_verdict_errno(r, "inet-stream")),
		 boxed_selftest_errno_text(boxed_selftest_verdict_errno(r, "inet6-stream")),
		 boxed_selftest_errno_text(boxed_selftest_verdict_errno(r, "abstract-out")),
		 boxed_selftest_errno_text(in_err),
		 boxed_selftest_errno_text(boxed_selftest_verdict_errno(r, "tmp-socket")),
		 c->root ? boxed_selftest_errno_text(boxed_selftest_verdict_errno(r, "run-socket"))
			 : "not tried (needs root)",
		 boxed_selftest_errno_text(boxed_selftest_verdict_errno(r, "stage-socket")));
}

/* Judge the run, once it ran to completion. */
static void judge_net(const struct boxed_selftest_ctx *c, struct boxed_selftest_result *res,
		      const struct net_stage *s, const struct boxed_selftest_run *r, int in_err)
{
	char seen[1500] = "";
	int leaks, listen_err = boxed_selftest_verdict_errno(r, "abstract-listen");

	leaks = count_leaks(s, r, in_err, seen, sizeof(seen));
	/* Refused to listen at all (no socket under --no-network) is as good
	 * as a listener nobody reaches; failing otherwise, it could not tell. */
	if (listen_err != 0 && listen_err != EPERM) {
		boxed_selftest_set(
		    res, BOXED_ST_DUBIOUS, FIX_NET,
		    "could not tell: the run could not listen on an abstract socket");
		return;
	}
	if (!leaks)
		describe_refusals(c, r, in_err, seen, sizeof(seen));
	boxed_selftest_judge(c, res, leaks == 0, FIX_NET, "%s: %s",
			     boxed_selftest_sealed_text(c, r), seen + 2);
}

void boxed_selftest_seal_no_network(const struct boxed_selftest_ctx *c,
				    struct boxed_selftest_result *res)
{
	static const char *const limits[] = {"--no-network", NULL};
	struct net_stage s;
	struct boxed_selftest_run r;
	struct boxed_selftest_live l;
	const char *args[9];
	int in_err = -1, e;

	boxed_selftest_live_init(c, &l, "net", limits);
	e = listen_all(c, &s, l.token);
	if (e) {
		boxed_selftest_set(res, BOXED_ST_DUBIOUS, NULL,
				   "the host's listeners could not be set up: %s", strerror(e));
		close_all(c, &s);
		return;
	}
	args[0] = s.port_s, args[1] = s.out_name, args[2] = s.in_name, args[3] = s.tmp_sock;
	args[4] = s.run_sock, args[5] = l.release, args[6] = s.stage_sock, args[7] = l.token;
	args[8] = NULL;
	boxed_selftest_live_start(c, &l, "no-network", args);
	if (l.ready)
		in_err = boxed_selftest_unix_connect(s.in_name, 1);
	boxed_selftest_live_finish(c, &l, &r);
	if (!l.ready)
		boxed_selftest_not_ready(c, res, &r, FIX_NET);
	else if (!boxed_selftest_run_broken(c, res, &r, "the run under --no-network", FIX_NET))
		judge_net(c, res, &s, &r, in_err);
	boxed_selftest_run_free(&r);
	close_all(c, &s);
}
