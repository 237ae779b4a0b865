/* The monotonic clock in seconds (clock.h). */
#include <errno.h>

#include "clock.h"

double boxed_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct timespec boxed_timespec(double seconds)
{
	if (seconds < 0)
		seconds = 0;
	return (struct timespec){.tv_sec = (time_t)seconds,
				 .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
}

void boxed_sleep(double seconds)
{
	struct timespec ts = boxed_timespec(seconds);

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}
