#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "check_main.h"
#include "../../installer/audit_elf.h"
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
		/* The words are checked by the tests above; here the status. */                   \
		ck_assert_ptr_nonnull(freopen("/dev/null", "w", stdout));                          \
		ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr));                          \
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

	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr));
	parse(&a, 1, argv);
}
END_TEST

static char err[512];

static void run_audit_elf(void *ctx)
{
	char **argv = ctx;
	int argc = 0;

	while (argv[argc])
		argc++;
	exit(boxed_setup_audit_elf(argc, argv));
}

/* The message of a usage error, as boxed_setup_parse() reports it. */
static const char *error_of(int argc, char **argv)
{
	struct boxed_setup_args a;

	ck_assert_int_eq(boxed_setup_parse(argc, argv, &a, err, sizeof(err)),
			 BOXED_SETUP_PARSE_ERROR);
	return err;
}

#define ERROR_OF(...)                                                                              \
	({                                                                                         \
		char *argv_[] = {"boxed-setup", __VA_ARGS__, NULL};                                \
		error_of((int)(sizeof(argv_) / sizeof(argv_[0])) - 1, argv_);                      \
	})

START_TEST(error_messages)
{
	ck_assert_str_eq(ERROR_OF("instal"), "unknown command 'instal'");
	ck_assert_str_eq(ERROR_OF("--json", "audit"), "'--json': give a command first");
	ck_assert_str_eq(ERROR_OF("install", "--pyhton", "/usr/bin/python3"),
			 "install: unrecognized option '--pyhton'");
	ck_assert_str_eq(ERROR_OF("install", "--python"),
			 "install: option '--python' requires an argument");
	ck_assert_str_eq(ERROR_OF("status", "--json=1"),
			 "status: option '--json' doesn't allow an argument");
	ck_assert_str_eq(ERROR_OF("audit", "-x"), "audit: invalid option -- 'x'");
	ck_assert_str_eq(ERROR_OF("audit", "--purge"),
			 "audit: option '--purge' does not apply to this command");
	ck_assert_str_eq(ERROR_OF("install", "extra"), "install: unexpected argument 'extra'");
	ck_assert_str_eq(ERROR_OF("install", "--root", "stage"),
			 "install: --root needs an absolute path, not 'stage'");
	ck_assert_str_eq(ERROR_OF("install", "--python", ""), "install: --python needs a path");
	ck_assert_str_eq(ERROR_OF("install", "--group", "a-group-name-longer-than-32-chars-x"),
			 "install: --group needs a name of 1 to 32 characters");
}
END_TEST

static void run_parse(void *ctx)
{
	char **argv = ctx;
	struct boxed_setup_args a;
	int argc = 0;

	while (argv[argc])
		argc++;
	boxed_setup_parse_args(argc, argv, &a);
}

START_TEST(printed_errors_and_help)
{
	char *none[] = {"boxed-setup", NULL};
	char *unknown[] = {"boxed-setup", "install", "--pyhton", "/x", NULL};
	char *top_help_argv[] = {"boxed-setup", "--help", NULL};
	char *cmd_help[] = {"boxed-setup", "status", "--help", NULL};
	char *version_argv[] = {"boxed-setup", "-V", NULL};
	char *elf_unknown[] = {"boxed-setup", "audit-elf", "--x", NULL};
	char *elf_none[] = {"boxed-setup", "audit-elf", NULL};
	struct boxed_capture c;

	boxed_capture(&c, run_parse, none);
	ck_assert_int_eq(c.status, BOXED_SETUP_EXIT_USAGE);
	ck_assert_str_eq(c.out, "");
	ck_assert_str_eq(c.err, "boxed-setup: no command given\n"
				"Try 'boxed-setup --help' for more information.\n");
	/* A command's error points at the command's own help. */
	boxed_capture(&c, run_parse, unknown);
	ck_assert_int_eq(c.status, BOXED_SETUP_EXIT_USAGE);
	ck_assert_str_eq(c.err, "boxed-setup: install: unrecognized option '--pyhton'\n"
				"Try 'boxed-setup install --help' for more information.\n");
	boxed_capture(&c, run_parse, top_help_argv);
	ck_assert_int_eq(c.status, BOXED_SETUP_EXIT_OK);
	ck_assert_str_eq(c.err, "");
	ck_assert_msg(strncmp(c.out, "Usage: boxed-setup COMMAND", 26) == 0, "%s", c.out);
	boxed_capture(&c, run_parse, cmd_help);
	ck_assert_int_eq(c.status, BOXED_SETUP_EXIT_OK);
	ck_assert_msg(strncmp(c.out, "Usage: boxed-setup status ", 26) == 0, "%s", c.out);
	boxed_capture(&c, run_parse, version_argv);
	ck_assert_int_eq(c.status, BOXED_SETUP_EXIT_OK);
	ck_assert_str_eq(c.out, "boxed-setup " BOXED_VERSION "\n");
	/* audit-elf parses its own options, in the same words. */
	ck_assert_int_eq(
	    boxed_setup_parse(3, elf_unknown, &(struct boxed_setup_args){0}, err, sizeof(err)),
	    BOXED_SETUP_PARSE_OK);
	boxed_capture(&c, run_audit_elf, elf_unknown + 1);
	ck_assert_int_eq(c.status, BOXED_SETUP_EXIT_USAGE);
	ck_assert_str_eq(c.err, "boxed-setup: audit-elf: unrecognized option '--x'\n"
				"Try 'boxed-setup audit-elf --help' for more information.\n");
	boxed_capture(&c, run_audit_elf, elf_none + 1);
	ck_assert_int_eq(c.status, BOXED_SETUP_EXIT_USAGE);
	ck_assert_str_eq(c.err, "boxed-setup: audit-elf: give at least one FILE\n"
				"Try 'boxed-setup audit-elf --help' for more information.\n");
}
END_TEST

static Suite *args_suite(void)
{
	Suite *s = suite_create("setup_args");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, install_options);
	tcase_add_test(tc, aliases_and_commands);
	tcase_add_test(tc, error_messages);
	tcase_add_test(tc, printed_errors_and_help);
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
