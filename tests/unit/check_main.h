/* One Check binary per tests/unit/test_*.c: each file ends with
 * BOXED_CHECK_MAIN(its_suite). CK_FORK stays on (the default) so a crash
 * in one test is a failure, not the end of the run. */
#ifndef BOXED_CHECK_MAIN_H
#define BOXED_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

const int boxed_die_status = 99;

#define BOXED_CHECK_MAIN(suite_fn)                                                                 \
	int main(void)                                                                             \
	{                                                                                          \
		SRunner *sr = srunner_create(suite_fn());                                          \
		int failed;                                                                        \
		srunner_set_fork_status(sr, CK_FORK);                                              \
		srunner_run_all(sr, CK_NORMAL);                                                    \
		failed = srunner_ntests_failed(sr);                                                \
		srunner_free(sr);                                                                  \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;                                       \
	}

#endif
