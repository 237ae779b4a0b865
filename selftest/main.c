/* boxed-selftest: the mode the command line asks for, run. */
#include <stdio.h>
#include <stdlib.h>

#include "die.h"
#include "selftest.h"

/* A usage error is "could not run", as for any other refusal. */
const int boxed_die_status = BOXED_SELFTEST_EXIT_CANNOT;

int main(int argc, char **argv)
{
	struct boxed_selftest_args a;
	int status = boxed_selftest_parse_or_print(argc, argv, &a);

	if (status >= 0)
		return status;
	switch (a.mode) {
	case BOXED_SELFTEST_LIST:
		boxed_selftest_list(stdout);
		return 0;
	case BOXED_SELFTEST_PROBE:
		return boxed_selftest_probe_main(a.probe, a.probe_argc, a.probe_argv);
	default:
		return boxed_selftest_run(&a);
	}
}
