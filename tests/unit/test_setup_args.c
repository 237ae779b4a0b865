#include <string.h>

#include "check_main.h"
#include "../../installer/setup.h"

static void parse(struct boxed_setup_args *a, int argc, char **argv)
{
	boxed_setup_parse_args(argc, argv, a);
}

START_TEST(install_options)
{
	char *argv[] = {"boxed-setup", "install",    "--python", "/usr/bin/python3.11",
			"--root",      "/opt/stage", "--group",	 "sandbox",
			"--json",      NULL};
	struct boxed_setup_args a;

	parse(&a, 9, argv);
	ck_assert_int_eq(a.cmd, BOXED_SETUP_INSTALL);
	ck_assert_str_eq(a.python, "/usr/bin/python3.11");
	ck_assert_str_eq(a.root, "/opt/stage");
	ck_assert_str_eq(a.group, "sandbox");
	ck_assert_int_eq(a.json, 1);
	ck_assert_int_eq(a.purge, 0);
}
END_TEST

START_TEST(aliases_and_commands)
{
	char *verify[] = {"boxed-setup", "verify", "--json", NULL};
	char *uninstall[] = {"boxed-setup", "uninstall", "--purge", "--root=/x", NULL};
	char *legacy[] = {"boxed-setup", "migrate-legacy", NULL};
	char *elf[] = {"boxed-setup", "audit-elf", "--json", "/bin/true", NULL};
	struct boxed_setup_args a;

	parse(&a, 3, verify);
	ck_assert_int_eq(a.cmd, BOXED_SETUP_AUDIT);
	ck_assert_int_eq(a.json, 1);
	parse(&a, 4, uninstall);
	ck_assert_int_eq(a.cmd, BOXED_SETUP_UNINSTALL);
	ck_assert_int_eq(a.purge, 1);
	ck_assert_str_eq(a.root, "/x");
	parse(&a, 2, legacy);
	ck_assert_int_eq(a.cmd, BOXED_SETUP_MIGRATE_LEGACY);
	ck_assert_ptr_null(a.root);
	/* audit-elf's options are its own: passed through untouched. */
	parse(&a, 4, elf);
	ck_assert_int_eq(a.cmd, BOXED_SETUP_AUDIT_ELF);
	ck_assert_int_eq(a.sub_argc, 3);
	ck_assert_str_eq(a.sub_argv[0], "audit-elf");
	ck_assert_str_eq(a.sub_argv[1], "--json");
}
END_TEST

#define EXIT_CASE(name, ...)                                                                       \
	START_TEST(name)                                                                           \
	{                                                                                          \
		char *argv[] = {"boxed-setup", __VA_ARGS__, NULL};                                 \
		struct boxed_setup_args a;                                                         \
		parse(&a, (int)(sizeof(argv) / sizeof(argv[0])) - 1, argv);                        \
	}                                                                                          \
	END_TEST

EXIT_CASE(unknown_command, "instal")
EXIT_CASE(option_before_command, "--json", "audit")
EXIT_CASE(unknown_option, "install", "--pyhton", "/usr/bin/python3")
EXIT_CASE(missing_argument, "install", "--python")
EXIT_CASE(option_of_another_command, "audit", "--purge")
EXIT_CASE(python_on_status, "status", "--python", "/x")
EXIT_CASE(extra_operand, "install", "extra")
EXIT_CASE(relative_root, "install", "--root", "stage")
EXIT_CASE(empty_python, "install", "--python", "")
EXIT_CASE(long_group, "install", "--group", "a-group-name-longer-than-32-chars-x")
EXIT_CASE(help, "install", "--help")
EXIT_CASE(top_help, "--help")
EXIT_CASE(version, "--version")

START_TEST(no_command)
{
	char *argv[] = {"boxed-setup", NULL};
	struct boxed_setup_args a;

	parse(&a, 1, argv);
}
END_TEST

static Suite *args_suite(void)
{
	Suite *s = suite_create("setup_args");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, install_options);
	tcase_add_test(tc, aliases_and_commands);
	tcase_add_exit_test(tc, no_command, BOXED_SETUP_EXIT_USAGE);
	tcase_add_exit_test(tc, unknown_command, BOXED_SETUP_EXIT_USAGE);
	tcase_add_exit_test(tc, option_before_command, BOXED_SETUP_EXIT_USAGE);
	tcase_add_exit_test(tc, unknown_option, BOXED_SETUP_EXIT_USAGE);
	tcase_add_exit_test(tc, missing_argument, BOXED_SETUP_EXIT_USAGE);
	tcase_add_exit_test(tc, option_of_another_command, BOXED_SETUP_EXIT_USAGE);
	tcase_add_exit_test(tc, python_on_status, BOXED_SETUP_EXIT_USAGE);
	tcase_add_exit_test(tc, extra_operand, BOXED_SETUP_EXIT_USAGE);
	tcase_add_exit_test(tc, relative_root, BOXED_SETUP_EXIT_USAGE);
	tcase_add_exit_test(tc, empty_python, BOXED_SETUP_EXIT_USAGE);
	tcase_add_exit_test(tc, long_group, BOXED_SETUP_EXIT_USAGE);
	tcase_add_exit_test(tc, help, BOXED_SETUP_EXIT_OK);
	tcase_add_exit_test(tc, top_help, BOXED_SETUP_EXIT_OK);
	tcase_add_exit_test(tc, version, BOXED_SETUP_EXIT_OK);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(args_suite)
