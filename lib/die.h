/* Error reporting shared by every boxed program.
 *
 * One helper dies with errno, one without. A program that holds privilege
 * never "logs and goes on": a partial privilege drop is worse than none.
 */
#ifndef BOXED_DIE_H
#define BOXED_DIE_H

#include <stdarg.h>

/* Exit status of boxed_die*(); each program defines it once, so a sandbox
 * failure and the target's own failure never share a status. */
extern const int boxed_die_status;

/* Print "PROGRAM: MESSAGE" to stderr and exit with boxed_die_status. */
__attribute__((noreturn, format(printf, 1, 2))) void boxed_die(const char *fmt, ...);

/* As boxed_die(), appending ": strerror(errno)" (errno saved first). */
__attribute__((noreturn, format(printf, 1, 2))) void boxed_die_errno(const char *fmt, ...);

/* As boxed_die() and boxed_die_errno(), for a child between fork and exec:
 * it leaves with _exit(), so that it never runs the atexit handlers or
 * flushes the stdio buffers it inherited from its parent. */
__attribute__((noreturn, format(printf, 1, 2))) void boxed_die_child(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2))) void boxed_die_child_errno(const char *fmt, ...);

/* Print "PROGRAM: warning: MESSAGE" to stderr and return. */
__attribute__((format(printf, 1, 2))) void boxed_warn(const char *fmt, ...);

/* Format into buf (always NUL-terminated, truncated if needed); returns -1,
 * so that configuration code can write `return boxed_errf(...)`. */
__attribute__((format(printf, 3, 4))) int boxed_errf(char *buf, size_t len, const char *fmt, ...);

#endif
