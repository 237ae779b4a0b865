/* The floor under any runner built like boxed-run: a program with the same
 * file capabilities and the same shared libraries (libc and libcjson) that
 * only starts its arguments with posix_spawn and waits for them. bench/run
 * measures it beside boxed-run, so that the table shows apart what one more
 * privileged exec costs and what the drop, the confinement and the
 * supervision cost on top of it.
 *
 *   floor -- PROGRAM [ARGS...]
 */
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>

extern char **environ;

int main(int argc, char **argv)
{
	pid_t pid;
	int status, rc;

	if (argc < 3 || strcmp(argv[1], "--") != 0) {
		/* The one cJSON call keeps libcjson a load-time dependency. */
		fprintf(stderr, "usage: floor -- PROGRAM [ARGS...] (cJSON %s)\n", cJSON_Version());
		return 2;
	}
	rc = posix_spawn(&pid, argv[2], NULL, NULL, argv + 2, environ);
	if (rc != 0) {
		fprintf(stderr, "floor: %s: %s\n", argv[2], strerror(rc));
		return 127;
	}
	if (waitpid(pid, &status, 0) != pid)
		return 125;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
