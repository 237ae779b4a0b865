/* The inner side of the no-network probe, and the sockets both sides
 * make: under --no-network a run must reach no socket of the host, by
 * inet, loopback, abstract or pathname unix socket, in either direction. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "inner.h"

socklen_t boxed_selftest_unix_addr(struct sockaddr_un *a, const char *name, int abstract)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (!abstract) {
		snprintf(a->sun_path, sizeof(a->sun_path), "%s", name);
		return (socklen_t)sizeof(*a);
	}
	/* An abstract name: a NUL, then the name, its length in the address
	 * length (no terminator). */
	snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "%s", name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a->sun_path + 1));
}

socklen_t boxed_selftest_loopback(struct sockaddr_storage *a, int family, int port)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)a;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)a;

	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return (socklen_t)sizeof(*in4);
	}
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons((uint16_t)port);
	in6->sin6_addr = in6addr_loopback;
	return (socklen_t)sizeof(*in6);
}

int boxed_selftest_unix_connect(const char *name, int abstract)
{
	struct sockaddr_un a;
	socklen_t len = boxed_selftest_unix_addr(&a, name, abstract);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), e = 0;

	if (fd < 0)
		return errno;
	if (connect(fd, (struct sockaddr *)&a, len) != 0)
		e = errno;
	close(fd);
	return e;
}

int boxed_selftest_unix_listen(const char *name, int abstract)
{
	struct sockaddr_un a;
	socklen_t len = boxed_selftest_unix_addr(&a, name, abstract);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, len) != 0 || listen(fd, 4) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int boxed_selftest_accepted(int fd)
{
	int n = 0, c;

	while (fd >= 0 && (c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		close(c);
		n++;
	}
	return n;
}

/* A socket of family and type: 0 when it could be made (then, for TCP,
 * *tcp is what connecting to the outer side's listener on loopback port
 * gave: 0 connected, else the errno), else the errno of socket(). */
static int try_inet(int family, int type, int port, int *tcp)
{
	struct sockaddr_storage a;
	socklen_t len = boxed_selftest_loopback(&a, family, port);
	int fd = socket(family, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return errno;
	if (type == SOCK_STREAM)
		*tcp = connect(fd, (struct sockaddr *)&a, len) == 0 ? 0 : errno;
	close(fd);
	return 0;
}

/* argv: PORT ABSTRACT-OUT ABSTRACT-IN TMP-SOCKET RUN-SOCKET RELEASE
 * STAGE-SOCKET. Run under --no-network: every attempt to reach the host
 * must fail. It listens on ABSTRACT-IN meanwhile, if it can, for the outer
 * side to try the other direction, and counts who got through. RUN-SOCKET
 * "-": not tried. */
int boxed_selftest_probe_no_network(int argc, char **argv)
{
	static const struct {
		const char *name;
		int family, type;
	} inet[] = {{"inet-stream", AF_INET, SOCK_STREAM},
		    {"inet-dgram", AF_INET, SOCK_DGRAM},
		    {"inet6-stream", AF_INET6, SOCK_STREAM},
		    {"inet6-dgram", AF_INET6, SOCK_DGRAM}};
	int port = (int)boxed_selftest_arg_num(argc, argv, 0), listener, tcp4 = -1, tcp6 = -1;
	const char *run_sock = boxed_selftest_arg_str(argc, argv, 4);
	cJSON *errs = NULL, *v = boxed_selftest_answer("no-network", &errs);

	for (size_t i = 0; i < sizeof(inet) / sizeof(inet[0]); i++)
		boxed_selftest_add_errno(errs, inet[i].name,
					 try_inet(inet[i].family, inet[i].type, port,
						  inet[i].family == AF_INET ? &tcp4 : &tcp6));
	boxed_selftest_add_errno(errs, "tcp-loopback", tcp4);
	boxed_selftest_add_errno(errs, "tcp6-loopback", tcp6);
	boxed_selftest_add_errno(
	    errs, "abstract-out",
	    boxed_selftest_unix_connect(boxed_selftest_arg_str(argc, argv, 1), 1));
	boxed_selftest_add_errno(
	    errs, "tmp-socket",
	    boxed_selftest_unix_connect(boxed_selftest_arg_str(argc, argv, 3), 0));
	if (strcmp(run_sock, "-") != 0)
		boxed_selftest_add_errno(errs, "run-socket",
					 boxed_selftest_unix_connect(run_sock, 0));
	boxed_selftest_add_errno(
	    errs, "stage-socket",
	    boxed_selftest_unix_connect(boxed_selftest_arg_str(argc, argv, 6), 0));
	listener = boxed_selftest_unix_listen(boxed_selftest_arg_str(argc, argv, 2), 1);
	boxed_selftest_add_errno(errs, "abstract-listen", listener < 0 ? errno : 0);
	boxed_selftest_set_ready();
	cJSON_AddBoolToObject(v, "released",
			      boxed_selftest_await_release(boxed_selftest_arg_str(argc, argv, 5)));
	cJSON_AddNumberToObject(v, "abstract-in-accepted", boxed_selftest_accepted(listener));
	boxed_selftest_emit(v);
	return 0;
}
