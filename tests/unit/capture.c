#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture.h"

static void append(int fd, char *buf, size_t size, size_t *len, int *open_fd)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		*open_fd = 0;
		return;
	}
	for (ssize_t i = 0; i < n && *len + 1 < size; i++)
		buf[(*len)++] = tmp[i];
	buf[*len] = '\0';
}

void boxed_capture(struct boxed_capture *c, void (*fn)(void *ctx), void *ctx)
{
	int out[2], err[2], st, out_open = 1, err_open = 1;
	size_t out_len = 0, err_len = 0;
	pid_t pid;

	memset(c, 0, sizeof(*c));
	if (pipe(out) != 0 || pipe(err) != 0)
		abort();
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		if (dup2(out[1], 1) != 1 || dup2(err[1], 2) != 2)
			_exit(126);
		close(out[0]);
		close(err[0]);
		fn(ctx);
		fflush(NULL);
		_exit(0);
	}
	close(out[1]);
	close(err[1]);
	while (out_open || err_open) {
		struct pollfd p[2] = {{out_open ? out[0] : -1, POLLIN, 0},
				      {err_open ? err[0] : -1, POLLIN, 0}};

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			abort();
		}
		if (p[0].revents)
			append(out[0], c->out, sizeof(c->out), &out_len, &out_open);
		if (p[1].revents)
			append(err[0], c->err, sizeof(c->err), &err_len, &err_open);
	}
	close(out[0]);
	close(err[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			abort();
	c->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
