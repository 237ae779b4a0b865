/* Time as boxed measures it: seconds of CLOCK_MONOTONIC, which an
 * administrator or NTP cannot step, as a double. */
#ifndef BOXED_CLOCK_H
#define BOXED_CLOCK_H

#include <time.h>

/* Now, in seconds since an arbitrary start (boot). */
double boxed_now(void);

/* seconds (0 when negative) as a struct timespec, for ppoll(2). */
struct timespec boxed_timespec(double seconds);

/* Sleep for seconds, through signals that interrupt it. */
void boxed_sleep(double seconds);

#endif
