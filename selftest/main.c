#include <stdio.h>
#include <stdlib.h>

#include "die.h"
#include "selftest.h"

/* A usage error is "could not run", as for any other refusal. */
const int boxed_die_status = BOXED_SELFTEST_EXIT_CANNOT;

int main(int argc, char **argv)
{
	struct boxed_selftest_args a;
	char err[256];

	if (boxed_selftest_parse_args(argc, argv, &a, err, sizeof(err)) !=
	    BOXED_SELFTEST_PARSE_OK) {
		fprintf(stderr, "boxed-selftest: %s\n%s", err, boxed_selftest_usage);
		return BOXED_SELFTEST_EXIT_CANNOT;
	}
	switch (a.mode) {
	case BOXED_SELFTEST_HELP:
		fputs(boxed_selftest_usage, stdout);
		return 0;
	case BOXED_SELFTEST_VERSION:
		printf("boxed-selftest %s\n", BOXED_VERSION);
		return 0;
	case BOXED_SELFTEST_LIST:
		boxed_selftest_list(stdout);
		return 0;
	case BOXED_SELFTEST_PROBE:
		return boxed_selftest_probe_main(a.probe, a.probe_argc, a.probe_argv);
	case BOXED_SELFTEST_RUN:
	case BOXED_SELFTEST_CONTROL:
		break;
	}
	return boxed_selftest_run(&a);
}
