/* The command-line language every boxed program speaks (util-linux's).
 *
 * --help prints the usage on stdout and exits 0. A usage error prints
 * "PROG: MESSAGE" and "Try 'PROG --help' for more information." on stderr.
 * The message of a bad option uses glibc getopt's own wording, so that an
 * unknown option and a missing argument read as they do in every other
 * tool of the system.
 */
#ifndef BOXED_CLI_H
#define BOXED_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* Describe the error getopt_long() reported by returning ret ('?' or ':';
 * the optstring must start with ':' after any '+', and opterr be 0), with
 * argv, optind and optopt as getopt left them and longopts the table it
 * was given. One of: "unrecognized option '--x'", "option '--x' is
 * ambiguous", "invalid option -- 'x'", "option '--x' requires an argument",
 * "option requires an argument -- 'x'", "option '--x' doesn't allow an
 * argument". Writes it into err and returns -1. */
int boxed_cli_getopt_error(int ret, char **argv, const struct option *longopts, char *err,
			   size_t errlen);

/* Print "PROG: MESSAGE\nTry 'HELP' for more information.\n" to f, where
 * HELP is "PROG --help", or help_cmd when given (a command's own help, such
 * as "boxed-setup install --help"). */
void boxed_cli_usage_error(FILE *f, const char *prog, const char *help_cmd, const char *msg);

/* The name of user uid (of group gid) into buf, or "uid N" ("gid N") when
 * it has none: messages name accounts, never bare numbers, where they can. */
void boxed_cli_user_name(uid_t uid, char *buf, size_t len);
void boxed_cli_group_name(gid_t gid, char *buf, size_t len);

/* The one sentence every boxed program and the Python client say to a
 * caller outside the group: "you are not in group GROUP: ask an
 * administrator to run `usermod -a -G GROUP USER`, then log in again".
 * Returns -1, so a configuration-time check can return it. */
int boxed_cli_not_member(char *buf, size_t len, const char *user, const char *group);

#endif
