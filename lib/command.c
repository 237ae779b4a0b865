/* posix_spawn() and wait (command.h). */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "command.h"

extern char **environ;

int boxed_command_run(const char *path, const char *const argv[], const char *const envp[],
		      int quiet)
{
	posix_spawn_file_actions_t actions;
	int rc, status;
	pid_t pid;

	/* What this process buffered must not come out twice, or after the
	 * child's own output. */
	fflush(NULL);
	if (posix_spawn_file_actions_init(&actions) != 0)
		return -1;
	rc = quiet ? posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) : 0;
	if (rc == 0)
		rc = posix_spawn(&pid, path, &actions, NULL, (char *const *)argv,
				 envp ? (char *const *)envp : environ);
	posix_spawn_file_actions_destroy(&actions);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
