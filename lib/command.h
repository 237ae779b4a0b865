/* Running a program and waiting for it: the tools boxed calls (groupadd,
 * groupdel, useradd, userdel) with nothing to change between fork and
 * exec. A child that must change its identity first forks and calls
 * boxed_become() itself. */
#ifndef BOXED_COMMAND_H
#define BOXED_COMMAND_H

/* Run path with argv and envp (NULL: this process's environment), its
 * stdout on /dev/null when quiet, and wait for it. Returns its exit status
 * (0 to 255), 128 + the signal that killed it, or -1 with errno set when
 * it could not be started or waited for. */
int boxed_command_run(const char *path, const char *const argv[], const char *const envp[],
		      int quiet);

#endif
