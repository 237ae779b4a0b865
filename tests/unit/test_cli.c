#include <stdio.h>
#include <string.h>

#include "capture.h"
#include "check_main.h"
#include "cli.h"

static const struct option opts[] = {
    {"json", no_argument, NULL, 'j'},
    {"jsonl", no_argument, NULL, 302},
    {"timeout", required_argument, NULL, 301},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The message for the first bad argument of argv, as a program that uses
 * cli.h reports it. */
static const char *first_error(int argc, const char **argv)
{
	static char err[256];
	int ret;

	optind = 0;
	opterr = 0;
	err[0] = '\0';
	while ((ret = getopt_long(argc, (char **)argv, "+:hv", opts, NULL)) != -1) {
		if (ret == '?' || ret == ':') {
			ck_assert_int_eq(
			    boxed_cli_getopt_error(ret, (char **)argv, opts, err, sizeof(err)), -1);
			return err;
		}
	}
	return "(no error)";
}

START_TEST(getopt_wording)
{
	const char *unknown[] = {"prog", "--bogus", NULL};
	const char *unknown_value[] = {"prog", "--bogus=1", NULL};
	const char *ambiguous[] = {"prog", "--js", NULL};
	const char *missing[] = {"prog", "--timeout", NULL};
	const char *missing_abbrev[] = {"prog", "--time", NULL};
	const char *no_value[] = {"prog", "--json=yes", NULL};
	const char *short_unknown[] = {"prog", "-x", NULL};
	const char *short_in_cluster[] = {"prog", "-xv", NULL};
	const char *after_long[] = {"prog", "--timeout=5", "-q", NULL};

	ck_assert_str_eq(first_error(2, unknown), "unrecognized option '--bogus'");
	ck_assert_str_eq(first_error(2, unknown_value), "unrecognized option '--bogus=1'");
	ck_assert_str_eq(first_error(2, ambiguous), "option '--js' is ambiguous");
	ck_assert_str_eq(first_error(2, missing), "option '--timeout' requires an argument");
	ck_assert_str_eq(first_error(2, missing_abbrev), "option '--timeout' requires an argument");
	ck_assert_str_eq(first_error(2, no_value), "option '--json' doesn't allow an argument");
	ck_assert_str_eq(first_error(2, short_unknown), "invalid option -- 'x'");
	/* getopt has not moved past "-xv" yet: the option is named by optopt. */
	ck_assert_str_eq(first_error(2, short_in_cluster), "invalid option -- 'x'");
	/* A valid long option before a bad short one is not blamed. */
	ck_assert_str_eq(first_error(3, after_long), "invalid option -- 'q'");
}
END_TEST

static void print_usage_error(void *ctx)
{
	const char *help_cmd = ctx;

	boxed_cli_usage_error(stderr, "boxed-x", help_cmd, "something is wrong");
}

START_TEST(usage_error_lines)
{
	struct boxed_capture c;

	boxed_capture(&c, print_usage_error, NULL);
	ck_assert_str_eq(c.err, "boxed-x: something is wrong\n"
				"Try 'boxed-x --help' for more information.\n");
	ck_assert_str_eq(c.out, "");
	boxed_capture(&c, print_usage_error, "boxed-x install --help");
	ck_assert_str_eq(c.err, "boxed-x: something is wrong\n"
				"Try 'boxed-x install --help' for more information.\n");
}
END_TEST

START_TEST(not_member_sentence)
{
	char buf[256];

	ck_assert_int_eq(boxed_cli_not_member(buf, sizeof(buf), "alice", "boxed"), -1);
	ck_assert_str_eq(buf, "you are not in group boxed: ask an administrator to run "
			      "`usermod -a -G boxed alice`, then log in again");
}
END_TEST

START_TEST(names_not_numbers)
{
	char buf[64];

	boxed_cli_user_name(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "root");
	boxed_cli_group_name(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "root");
	/* An id without an entry is named as an id, not left blank. */
	boxed_cli_user_name(4000000001u, buf, sizeof(buf));
	ck_assert_str_eq(buf, "uid 4000000001");
	boxed_cli_group_name(4000000001u, buf, sizeof(buf));
	ck_assert_str_eq(buf, "gid 4000000001");
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, getopt_wording);
	tcase_add_test(tc, usage_error_lines);
	tcase_add_test(tc, not_member_sentence);
	tcase_add_test(tc, names_not_numbers);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(cli_suite)
