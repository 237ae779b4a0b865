/* boxed-run: run a program, or one Python function, as a fresh slot uid,
 * sealed in namespaces of its own. The steps of a run are
 * runner/lifecycle.c; runner/runner.h maps the processes and the files.
 */
#include "system.h"

const int boxed_die_status = BOXED_RUN_EXIT_SANDBOX;

int main(int argc, char **argv)
{
	boxed_run_main(argc, argv);
}
