/* Run code that prints and exits, and look at what it printed: the CLI
 * tests check the exact words a user reads, and the exit status. */
#ifndef BOXED_TEST_CAPTURE_H
#define BOXED_TEST_CAPTURE_H

#include <stddef.h>

struct boxed_capture {
	int status;		   /* the exit status, or 128 + N when killed by signal N */
	char out[8192], err[8192]; /* NUL-terminated, truncated */
};

/* Run fn(ctx) in a child whose stdout and stderr are captured into c; a
 * child that returns from fn exits 0. Aborts the test on a failure of
 * fork, pipe or wait. */
void boxed_capture(struct boxed_capture *c, void (*fn)(void *ctx), void *ctx);

#endif
