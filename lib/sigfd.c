/* Blocked signals on a signalfd (sigfd.h). */
#include <stdarg.h>
#include <sys/signalfd.h>

#include "sigfd.h"

int boxed_sigfd(sigset_t *old, int sig, ...)
{
	sigset_t set;
	va_list ap;

	sigemptyset(&set);
	va_start(ap, sig);
	for (; sig; sig = va_arg(ap, int))
		sigaddset(&set, sig);
	va_end(ap);
	if (sigprocmask(SIG_BLOCK, &set, old) != 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}
