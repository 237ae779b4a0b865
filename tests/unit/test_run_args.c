#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "config.h"
#include "../../runner/runner.h"

static char err[256];

static enum boxed_run_parse_result parse(struct boxed_run_args *a, int argc, const char **argv)
{
	return boxed_run_parse_args(argc, (char **)argv, a, err, sizeof(err));
}

START_TEST(program_mode)
{
	const char *argv[] = {"boxed-run", "--timeout", "0.25",	     "--memory", "64M",
			      "--",	   "/bin/echo", "--timeout", NULL};
	struct boxed_run_args a;

	ck_assert_int_eq(parse(&a, 8, argv), BOXED_RUN_PARSE_OK);
	ck_assert_double_eq(a.req.timeout, 0.25);
	ck_assert_uint_eq(a.req.memory, 64u << 20);
	ck_assert_uint_eq(a.set, BOXED_RUN_SET_TIMEOUT | BOXED_RUN_SET_MEMORY);
	ck_assert_int_eq(a.argc, 2);
	ck_assert_str_eq(a.argv[0], "/bin/echo");
	/* The program's own options are never taken for ours. */
	ck_assert_str_eq(a.argv[1], "--timeout");
	ck_assert_int_eq(a.python, 0);
	ck_assert_int_eq(a.report_fd, -1);
}
END_TEST

START_TEST(program_without_dashes)
{
	const char *argv[] = {"boxed-run", "--nproc", "4", "id", "-u", NULL};
	struct boxed_run_args a;

	ck_assert_int_eq(parse(&a, 5, argv), BOXED_RUN_PARSE_OK);
	ck_assert_uint_eq(a.req.nproc, 4);
	ck_assert_str_eq(a.argv[0], "id");
	ck_assert_str_eq(a.argv[1], "-u");
}
END_TEST

START_TEST(python_and_flags)
{
	const char *argv[] = {"boxed-run", "--python", "--no-network", "--wait=2.5", NULL};
	struct boxed_run_args a;

	ck_assert_int_eq(parse(&a, 4, argv), BOXED_RUN_PARSE_OK);
	ck_assert_int_eq(a.python, 1);
	ck_assert_int_eq(a.no_network, 1);
	ck_assert_int_eq(a.wait, 1);
	ck_assert_double_eq(a.wait_secs, 2.5);
	ck_assert_ptr_null(a.argv);
}
END_TEST

START_TEST(wait_default)
{
	const char *argv[] = {"boxed-run", "--wait", "--", "true", NULL};
	struct boxed_run_args a;

	ck_assert_int_eq(parse(&a, 4, argv), BOXED_RUN_PARSE_OK);
	ck_assert_int_eq(a.wait, 1);
	ck_assert_double_eq(a.wait_secs, BOXED_RUN_WAIT_DEFAULT);
}
END_TEST

START_TEST(help_and_version)
{
	const char *h[] = {"boxed-run", "--help", NULL}, *v[] = {"boxed-run", "-V", NULL};
	struct boxed_run_args a;

	ck_assert_int_eq(parse(&a, 2, h), BOXED_RUN_PARSE_HELP);
	ck_assert_int_eq(parse(&a, 2, v), BOXED_RUN_PARSE_VERSION);
}
END_TEST

static void expect_error(int argc, const char **argv, const char *needle)
{
	struct boxed_run_args a;

	ck_assert_int_eq(parse(&a, argc, argv), BOXED_RUN_PARSE_ERROR);
	ck_assert_msg(strstr(err, needle), "error '%s' lacks '%s'", err, needle);
}

START_TEST(rejects_bad_usage)
{
	const char *a1[] = {"boxed-run", "--timeout", "0", "--", "x", NULL};
	const char *a2[] = {"boxed-run", "--timeout", "nan", "--", "x", NULL};
	const char *a3[] = {"boxed-run", "--memory", "1M", "--", "x", NULL};
	const char *a4[] = {"boxed-run", "--memory", "12Q", "--", "x", NULL};
	const char *a5[] = {"boxed-run", "--nofile", "3", "--", "x", NULL};
	const char *a6[] = {"boxed-run", "--report-fd", "1", "--", "x", NULL};
	const char *a7[] = {"boxed-run", "--json", "--report-fd", "5", "--", "x", NULL};
	const char *a8[] = {"boxed-run", "--python", "--", "x", NULL};
	const char *a9[] = {"boxed-run", "--timeout", "1", NULL};
	const char *a10[] = {"boxed-run", "--bogus", "--", "x", NULL};
	const char *a11[] = {"boxed-run", "--cpu", "-1", "--", "x", NULL};
	const char *a12[] = {"boxed-run", "--wait=0", "--", "x", NULL};
	const char *a13[] = {"boxed-run", "--python", "--json", NULL};
	const char *a14[] = {"boxed-run", "--nproc", "99999999999999999999999", "--", "x", NULL};

	expect_error(5, a1, "--timeout");
	expect_error(5, a2, "--timeout");
	expect_error(5, a3, "--memory: must be at least");
	expect_error(5, a4, "--memory");
	expect_error(5, a5, "--nofile");
	expect_error(5, a6, "--report-fd");
	expect_error(6, a7, "exclude");
	expect_error(4, a8, "takes no program");
	expect_error(3, a9, "no program");
	expect_error(4, a10, "unknown option");
	expect_error(5, a11, "--cpu");
	expect_error(4, a12, "--wait");
	expect_error(3, a13, "--python");
	expect_error(5, a14, "--nproc");
}
END_TEST

START_TEST(sizes)
{
	uint64_t v;

	ck_assert_int_eq(boxed_run_parse_size("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(boxed_run_parse_size("4k", &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(boxed_run_parse_size("3G", &v), 0);
	ck_assert_uint_eq(v, 3ull << 30);
	ck_assert_int_eq(boxed_run_parse_size("", &v), -1);
	ck_assert_int_eq(boxed_run_parse_size("-5", &v), -1);
	ck_assert_int_eq(boxed_run_parse_size("5MB", &v), -1);
	ck_assert_int_eq(boxed_run_parse_size(" 5", &v), -1);
	ck_assert_int_eq(boxed_run_parse_size("17179869184G", &v), -1);
}
END_TEST

START_TEST(each_limit_sets_its_own_field)
{
	const char *argv[] = {"boxed-run", "--cpu",    "3", "--memory", "20M", "--nproc",
			      "5",	   "--nofile", "9", "--fsize",	"7K",  "--output",
			      "11",	   "--",       "x", NULL};
	struct boxed_run_args a;

	ck_assert_int_eq(parse(&a, 15, argv), BOXED_RUN_PARSE_OK);
	ck_assert_uint_eq(a.req.cpu, 3);
	ck_assert_uint_eq(a.req.memory, 20u << 20);
	ck_assert_uint_eq(a.req.nproc, 5);
	ck_assert_uint_eq(a.req.nofile, 9);
	ck_assert_uint_eq(a.req.fsize, 7u << 10);
	ck_assert_uint_eq(a.req.output, 11);
	ck_assert_uint_eq(a.set, BOXED_RUN_SET_CPU | BOXED_RUN_SET_MEMORY | BOXED_RUN_SET_NPROC |
				     BOXED_RUN_SET_NOFILE | BOXED_RUN_SET_FSIZE |
				     BOXED_RUN_SET_OUTPUT);
}
END_TEST

START_TEST(clamping)
{
	const char *argv[] = {"boxed-run", "--timeout", "9999",	    "--cpu", "2",
			      "--memory",  "1G",	"--output", "1",     "--nproc",
			      "100000",	   "--",	"x",	    NULL};
	struct boxed_run_args a;
	struct boxed_config cfg;
	struct boxed_limits l;

	boxed_config_defaults(&cfg);
	cfg.max.memory = 256u << 20;
	ck_assert_int_eq(parse(&a, 13, argv), BOXED_RUN_PARSE_OK);
	boxed_run_clamp(&a, &cfg, &l);
	ck_assert_double_eq(l.timeout, cfg.max.timeout); /* clamped down */
	ck_assert_uint_eq(l.cpu, 2);			 /* lowered */
	ck_assert_uint_eq(l.memory, 256u << 20);	 /* clamped */
	ck_assert_uint_eq(l.output, 1);
	ck_assert_uint_eq(l.nproc, cfg.max.nproc);
	ck_assert_uint_eq(l.nofile, cfg.dflt.nofile); /* not asked: default */
	ck_assert_uint_eq(l.fsize, cfg.dflt.fsize);
}
END_TEST

START_TEST(usage_error_exits_125)
{
	const char *argv[] = {"boxed-run", "--memory", "lots", "--", "x", NULL};
	struct boxed_run_args a;

	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr));
	boxed_run_args_or_exit(5, (char **)argv, &a);
}
END_TEST

START_TEST(help_exits_0)
{
	const char *argv[] = {"boxed-run", "--help", NULL};
	struct boxed_run_args a;

	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stdout));
	boxed_run_args_or_exit(2, (char **)argv, &a);
}
END_TEST

START_TEST(valid_args_return)
{
	const char *argv[] = {"boxed-run", "--", "true", NULL};
	struct boxed_run_args a;

	boxed_run_args_or_exit(3, (char **)argv, &a);
	ck_assert_str_eq(a.argv[0], "true");
}
END_TEST

static Suite *run_args_suite(void)
{
	Suite *s = suite_create("run_args");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, program_mode);
	tcase_add_test(tc, program_without_dashes);
	tcase_add_test(tc, python_and_flags);
	tcase_add_test(tc, wait_default);
	tcase_add_test(tc, help_and_version);
	tcase_add_test(tc, rejects_bad_usage);
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, each_limit_sets_its_own_field);
	tcase_add_test(tc, clamping);
	tcase_add_exit_test(tc, usage_error_exits_125, BOXED_RUN_EXIT_SANDBOX);
	tcase_add_exit_test(tc, help_exits_0, 0);
	tcase_add_test(tc, valid_args_return);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(run_args_suite)
