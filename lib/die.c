/* Dying, and warning, with the program's name (die.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"

static void vreport(const char *prefix, const char *fmt, va_list ap, int errnum)
{
	fprintf(stderr, "%s: %s", program_invocation_short_name, prefix);
	vfprintf(stderr, fmt, ap);
	if (errnum)
		fprintf(stderr, ": %s", strerror(errnum));
	fputc('\n', stderr);
}

/* Report fmt (with errnum's text unless 0), then leave: with exit() in a
 * program, with _exit() in a child between fork and exec. */
#define REPORT_AND_LEAVE(errnum, leave)                                                            \
	do {                                                                                       \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		vreport("", fmt, ap, (errnum));                                                    \
		va_end(ap);                                                                        \
		leave(boxed_die_status);                                                           \
	} while (0)

void boxed_die(const char *fmt, ...)
{
	REPORT_AND_LEAVE(0, exit);
}

void boxed_die_errno(const char *fmt, ...)
{
	int saved = errno;

	REPORT_AND_LEAVE(saved, exit);
}

void boxed_die_child(const char *fmt, ...)
{
	REPORT_AND_LEAVE(0, _exit);
}

void boxed_die_child_errno(const char *fmt, ...)
{
	int saved = errno;

	REPORT_AND_LEAVE(saved, _exit);
}

void boxed_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap, 0);
	va_end(ap);
	errno = saved;
}

int boxed_errf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return -1;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return -1;
}
