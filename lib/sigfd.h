/* Signals taken as data: blocked, and read from a signalfd in the same
 * poll as everything else, so that what a signal starts (a cleanup, the
 * end of a run) runs in normal context, never in a handler. */
#ifndef BOXED_SIGFD_H
#define BOXED_SIGFD_H

#include <signal.h>

/* Block the signals of the 0-terminated list (saving the mask before in
 * *old when old is not NULL) and return a signalfd for them, close-on-exec
 * and non-blocking. Returns -1 with errno set on failure. */
int boxed_sigfd(sigset_t *old, int sig, ...);

#endif
