#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture.h"
#include "check_main.h"
#include "../../selftest/inner.h"
#include "../../selftest/outer.h"
#include "../../selftest/selftest.h"

static char err[256];

static enum boxed_selftest_parse_result parse(struct boxed_selftest_args *a, int argc,
					      const char **argv)
{
	return boxed_selftest_parse_args(argc, (char **)argv, a, err, sizeof(err));
}

START_TEST(defaults)
{
	const char *argv[] = {"boxed-selftest", NULL};
	struct boxed_selftest_args a;

	ck_assert_int_eq(parse(&a, 1, argv), BOXED_SELFTEST_PARSE_OK);
	ck_assert_int_eq(a.mode, BOXED_SELFTEST_RUN);
	ck_assert_int_eq(a.json, 0);
	ck_assert_int_eq(a.verbose, 0);
	ck_assert_uint_eq(a.only_count, 0);
	ck_assert(boxed_selftest_selected(&a, "identity"));
}
END_TEST

START_TEST(only_repeatable)
{
	const char *argv[] = {"boxed-selftest", "--only", "fds", "--json",
			      "--only",		"tty",	  "-v",	 NULL};
	struct boxed_selftest_args a;

	ck_assert_int_eq(parse(&a, 7, argv), BOXED_SELFTEST_PARSE_OK);
	ck_assert_uint_eq(a.only_count, 2);
	ck_assert_int_eq(a.json, 1);
	ck_assert_int_eq(a.verbose, 1);
	ck_assert(boxed_selftest_selected(&a, "fds"));
	ck_assert(boxed_selftest_selected(&a, "tty"));
	ck_assert(!boxed_selftest_selected(&a, "identity"));
	ck_assert(!boxed_selftest_selected(&a, "fd"));
}
END_TEST

START_TEST(modes)
{
	const char *c[] = {"boxed-selftest", "--control", NULL};
	const char *l[] = {"boxed-selftest", "--list", NULL};
	const char *h[] = {"boxed-selftest", "--json", "--help", "--bogus", NULL};
	const char *v[] = {"boxed-selftest", "-V", NULL};
	struct boxed_selftest_args a;

	ck_assert_int_eq(parse(&a, 2, c), BOXED_SELFTEST_PARSE_OK);
	ck_assert_int_eq(a.mode, BOXED_SELFTEST_CONTROL);
	ck_assert_int_eq(parse(&a, 2, l), BOXED_SELFTEST_PARSE_OK);
	ck_assert_int_eq(a.mode, BOXED_SELFTEST_LIST);
	/* --help wins at once: what follows is not even looked at. */
	ck_assert_int_eq(parse(&a, 4, h), BOXED_SELFTEST_PARSE_OK);
	ck_assert_int_eq(a.mode, BOXED_SELFTEST_HELP);
	ck_assert_int_eq(parse(&a, 2, v), BOXED_SELFTEST_PARSE_OK);
	ck_assert_int_eq(a.mode, BOXED_SELFTEST_VERSION);
}
END_TEST

START_TEST(probe_keeps_its_arguments)
{
	/* A probe's arguments may look like our options: they stay its own. */
	const char *argv[] = {"boxed-selftest", "--probe", "caller-files", "/a", "--json", NULL};
	struct boxed_selftest_args a;

	ck_assert_int_eq(parse(&a, 5, argv), BOXED_SELFTEST_PARSE_OK);
	ck_assert_int_eq(a.mode, BOXED_SELFTEST_PROBE);
	ck_assert_str_eq(a.probe, "caller-files");
	ck_assert_int_eq(a.probe_argc, 2);
	ck_assert_str_eq(a.probe_argv[0], "/a");
	ck_assert_str_eq(a.probe_argv[1], "--json");
	ck_assert_int_eq(a.json, 0);
}
END_TEST

START_TEST(rejects_bad_usage)
{
	const char *unknown[] = {"boxed-selftest", "--bogus", NULL};
	const char *missing[] = {"boxed-selftest", "--only", NULL};
	const char *value[] = {"boxed-selftest", "--json=yes", NULL};
	const char *extra[] = {"boxed-selftest", "identity", NULL};
	const char *both[] = {"boxed-selftest", "--control", "--list", NULL};
	const char *probe_control[] = {"boxed-selftest", "--control", "--probe", "fds", NULL};
	struct boxed_selftest_args a;

	ck_assert_int_eq(parse(&a, 2, unknown), BOXED_SELFTEST_PARSE_ERROR);
	ck_assert_str_eq(err, "unrecognized option '--bogus'");
	ck_assert_int_eq(parse(&a, 2, missing), BOXED_SELFTEST_PARSE_ERROR);
	ck_assert_str_eq(err, "option '--only' requires an argument");
	ck_assert_int_eq(parse(&a, 2, value), BOXED_SELFTEST_PARSE_ERROR);
	ck_assert_str_eq(err, "option '--json' doesn't allow an argument");
	ck_assert_int_eq(parse(&a, 2, extra), BOXED_SELFTEST_PARSE_ERROR);
	ck_assert_str_eq(err, "unexpected argument 'identity'");
	ck_assert_int_eq(parse(&a, 3, both), BOXED_SELFTEST_PARSE_ERROR);
	ck_assert_str_eq(err, "--control, --list and --probe exclude each other");
	ck_assert_int_eq(parse(&a, 4, probe_control), BOXED_SELFTEST_PARSE_ERROR);
}
END_TEST

static void run_parse(void *ctx)
{
	const char **argv = ctx;
	struct boxed_selftest_args a;
	int argc = 0;

	while (argv[argc])
		argc++;
	exit(boxed_selftest_parse_or_print(argc, (char **)argv, &a));
}

/* A usage error is two lines, not the whole usage; --help is on stdout. */
START_TEST(printed_errors_and_help)
{
	const char *unknown[] = {"boxed-selftest", "--bogus", NULL};
	const char *help_argv[] = {"boxed-selftest", "--help", NULL};
	const char *version_argv[] = {"boxed-selftest", "--version", NULL};
	const char *run[] = {"boxed-selftest", "--json", NULL};
	struct boxed_capture c;

	boxed_capture(&c, run_parse, unknown);
	ck_assert_int_eq(c.status, BOXED_SELFTEST_EXIT_CANNOT);
	ck_assert_str_eq(c.out, "");
	ck_assert_str_eq(c.err, "boxed-selftest: unrecognized option '--bogus'\n"
				"Try 'boxed-selftest --help' for more information.\n");
	boxed_capture(&c, run_parse, help_argv);
	ck_assert_int_eq(c.status, 0);
	ck_assert_str_eq(c.err, "");
	ck_assert_str_eq(c.out, boxed_selftest_usage);
	ck_assert_msg(strncmp(c.out, "Usage: boxed-selftest ", 22) == 0, "%s", c.out);
	boxed_capture(&c, run_parse, version_argv);
	ck_assert_int_eq(c.status, 0);
	ck_assert_str_eq(c.out, "boxed-selftest " BOXED_VERSION "\n");
	/* A mode to run: nothing printed, -1. */
	boxed_capture(&c, run_parse, run);
	ck_assert_int_eq(c.status, 255);
	ck_assert_str_eq(c.out, "");
	ck_assert_str_eq(c.err, "");
}
END_TEST

START_TEST(too_many_only)
{
	const char *argv[2 * BOXED_SELFTEST_MAX_ONLY + 4];
	struct boxed_selftest_args a;
	int n = 0;

	argv[n++] = "boxed-selftest";
	for (int i = 0; i <= BOXED_SELFTEST_MAX_ONLY; i++) {
		argv[n++] = "--only";
		argv[n++] = "fds";
	}
	argv[n] = NULL;
	ck_assert_int_eq(parse(&a, n, argv), BOXED_SELFTEST_PARSE_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "at most"));
}
END_TEST

/* An unknown probe name is "could not run": exit 2, before any user or
 * file is created. */
START_TEST(unknown_only_exits_2)
{
	const char *argv[] = {"boxed-selftest", "--only", "no-such-probe", NULL};
	struct boxed_selftest_args a;

	ck_assert_int_eq(parse(&a, 3, argv), BOXED_SELFTEST_PARSE_OK);
	boxed_selftest_run(&a);
}
END_TEST

START_TEST(unknown_probe_returns_2)
{
	ck_assert_int_eq(boxed_selftest_probe_main("no-such-probe", 0, NULL), 2);
}
END_TEST

START_TEST(count_procs_sees_a_live_process)
{
	/* sleep adds its arguments up: the odd one only makes the command
	 * line unique on a shared host. */
	const char *needle = "sleep 5 0.0123457";
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execl("/bin/sleep", "sleep", "5", "0.0123457", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && boxed_selftest_count_procs(getuid(), needle) == 0; i++)
		usleep(10000);
	ck_assert_int_eq(boxed_selftest_count_procs(getuid(), needle), 1);
	/* Another uid's count is its own: none of ours. */
	ck_assert_int_eq(boxed_selftest_count_procs(4000000000L, needle), 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(boxed_selftest_count_procs(getuid(), needle), 0);
}
END_TEST

/* Both sides capture a program's output: all of it, and its status; a
 * program that cannot be executed is status 127, not an error. */
START_TEST(capture_output_and_status)
{
	const char *echo[] = {"/bin/echo", "one", "two", NULL};
	const char *missing[] = {"/nonexistent/tool", NULL};
	int st = -1;
	char *out = boxed_selftest_capture(echo, &st);

	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, "one two\n");
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	free(out);
	out = boxed_selftest_capture(missing, &st);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, "");
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 127);
	free(out);
}
END_TEST

static Suite *selftest_args_suite(void)
{
	Suite *s = suite_create("selftest_args");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, only_repeatable);
	tcase_add_test(tc, modes);
	tcase_add_test(tc, probe_keeps_its_arguments);
	tcase_add_test(tc, rejects_bad_usage);
	tcase_add_test(tc, printed_errors_and_help);
	tcase_add_test(tc, too_many_only);
	tcase_add_exit_test(tc, unknown_only_exits_2, BOXED_SELFTEST_EXIT_CANNOT);
	tcase_add_test(tc, unknown_probe_returns_2);
	tcase_add_test(tc, count_procs_sees_a_live_process);
	tcase_add_test(tc, capture_output_and_status);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(selftest_args_suite)
