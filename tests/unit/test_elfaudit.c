/* The ELF audit against fixtures built to fail one check each
 * (tests/fixtures/elf/fixtures.mk), and boxed-setup audit-elf, its
 * command. Malformed input: test_elfaudit_malformed.c. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../../installer/audit_elf.h"
#include "../../installer/setup.h"
#include "check_main.h"
#include "elf_fixtures.h"
#include "elfaudit.h"
#include "findings.h"
#include "fsutil.h"

START_TEST(good_passes_everything)
{
	struct boxed_findings f = {0};

	ck_assert_int_eq(audit_fixture("good", &f), BOXED_SEV_OK);
	assert_only_fails(&f, NULL);
	ck_assert_int_eq(boxed_findings_worst(&f), BOXED_SEV_OK);
	boxed_findings_free(&f);
}
END_TEST

static const struct {
	const char *fixture, *check;
} one_bad[] = {
    {"execstack", "nx-stack"}, {"nopie", "pie"},	{"lazy", "bindnow"},
    {"norelro", "relro"},      {"origin", "rpath"},	{"rpath", "rpath"},
    {"relrunpath", "rpath"},   {"emptyrpath", "rpath"}, {"textrel", "textrel"},
    {"wx", "wx-segment"},      {"needed", "needed"},
};

START_TEST(fixture_fails_exactly_its_check)
{
	struct boxed_findings f = {0};

	ck_assert_int_eq(audit_fixture(one_bad[_i].fixture, &f), BOXED_SEV_ERROR);
	if (errors(&f, one_bad[_i].check) == 0)
		dump(&f);
	assert_only_fails(&f, one_bad[_i].check);
	boxed_findings_free(&f);
}
END_TEST

/* ld.so makes the stack executable for a library that asks. The fixture's
 * library sits in the build tree, trusted when the tree is (root-owned, not
 * writable by others); otherwise "needed" rightly fails as well. */
START_TEST(library_execstack)
{
	struct boxed_findings f = {0};
	char dir[4096], err[512];

	fixture_path(dir, sizeof(dir), "lib/libboxedfix.so");
	ck_assert_int_eq(audit_fixture("libexecstack", &f), BOXED_SEV_ERROR);
	if (boxed_check_trusted_path(dir, err, sizeof(err)) == 0) {
		assert_only_fails(&f, "nx-stack");
	} else {
		ck_assert_uint_ge(errors(&f, "nx-stack"), 1);
		ck_assert_uint_ge(errors(&f, "needed"), 1);
	}
	ck_assert_uint_eq(boxed_findings_count(&f, BOXED_SEV_OK, "nx-stack"), 1);
	boxed_findings_free(&f);
}
END_TEST

START_TEST(without_record_ok_only_failures)
{
	struct boxed_findings f = {0};
	int fd = open_fixture("good");

	ck_assert_int_eq(boxed_elf_audit_fd(fd, "good", 0, &f), BOXED_SEV_OK);
	ck_assert_uint_eq(f.count, 0);
	ck_assert_int_eq(
	    boxed_elf_audit_fd(fd, "good", BOXED_ELF_NO_NEEDED | BOXED_ELF_RECORD_OK, &f),
	    BOXED_SEV_OK);
	ck_assert_uint_eq(boxed_findings_count(&f, BOXED_SEV_OK, "needed"), 0);
	ck_assert_uint_eq(boxed_findings_count(&f, BOXED_SEV_OK, "pie"), 1);
	close(fd);
	boxed_findings_free(&f);
}
END_TEST

/* boxed-setup audits and then copies through the same fd. */
START_TEST(fd_offset_is_not_moved)
{
	struct boxed_findings f = {0};
	int fd = open_fixture("good");

	ck_assert_int_eq(lseek(fd, 123, SEEK_SET), 123);
	boxed_elf_audit_fd(fd, "good", 0, &f);
	ck_assert_int_eq(boxed_elf_is_elf(fd), 1);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 123);
	close(fd);
	boxed_findings_free(&f);
}
END_TEST

/* Run boxed-setup audit-elf with stdout and stderr in a file; returns the
 * status and the output (malloc'd) in *text. */
static int run_cli(char **argv, char **text)
{
	char tmpl[] = "/tmp/boxed-elf-cli.XXXXXX";
	int out = mkstemp(tmpl), saved = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
	int argc = 0, rc;
	struct stat st;

	ck_assert_int_ge(out, 0);
	unlink(tmpl);
	while (argv[argc])
		argc++;
	fflush(stdout);
	ck_assert_int_ge(dup2(out, STDOUT_FILENO), 0);
	ck_assert_int_ge(dup2(out, STDERR_FILENO), 0);
	rc = boxed_setup_audit_elf(argc, argv);
	fflush(stdout);
	fflush(stderr);
	ck_assert_int_ge(dup2(saved, STDOUT_FILENO), 0);
	ck_assert_int_ge(dup2(saved_err, STDERR_FILENO), 0);
	close(saved);
	close(saved_err);
	ck_assert_int_eq(fstat(out, &st), 0);
	*text = calloc(1, (size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(*text);
	ck_assert_int_eq(pread(out, *text, (size_t)st.st_size, 0), st.st_size);
	close(out);
	return rc;
}

START_TEST(cli_exit_status_and_json)
{
	char good[4096], bad[4096], *text;
	char *usage[] = {"audit-elf", NULL};
	char *unknown[] = {"audit-elf", "--frobnicate", "x", NULL};
	char *pass[] = {"audit-elf", good, NULL};
	char *fail[] = {"audit-elf", bad, NULL};
	char *json[] = {"audit-elf", "--json", good, bad, NULL};
	cJSON *root, *files, *findings, *it;
	int seen = 0;

	fixture_path(good, sizeof(good), "good");
	fixture_path(bad, sizeof(bad), "execstack");
	ck_assert_int_eq(run_cli(usage, &text), 2);
	ck_assert_str_eq(text, "boxed-setup: audit-elf: give at least one FILE\n"
			       "Try 'boxed-setup audit-elf --help' for more information.\n");
	free(text);
	ck_assert_int_eq(run_cli(unknown, &text), 2);
	ck_assert_str_eq(text, "boxed-setup: audit-elf: unrecognized option '--frobnicate'\n"
			       "Try 'boxed-setup audit-elf --help' for more information.\n");
	free(text);
	ck_assert_int_eq(run_cli(pass, &text), 0);
	free(text);
	ck_assert_int_eq(run_cli(fail, &text), 1);
	ck_assert_ptr_nonnull(strstr(text, "nx-stack"));
	free(text);

	ck_assert_int_eq(run_cli(json, &text), 1);
	root = cJSON_Parse(text);
	ck_assert_msg(root != NULL, "not JSON: %s", text);
	ck_assert_str_eq(cJSON_GetObjectItem(root, "worst")->valuestring, "error");
	files = cJSON_GetObjectItem(root, "files");
	ck_assert_int_eq(cJSON_GetArraySize(files), 2);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(files, 1), "path")->valuestring,
			 bad);
	findings = cJSON_GetObjectItem(cJSON_GetArrayItem(files, 1), "findings");
	cJSON_ArrayForEach(it, findings)
	{
		if (strcmp(cJSON_GetObjectItem(it, "check")->valuestring, "nx-stack") == 0 &&
		    strcmp(cJSON_GetObjectItem(it, "severity")->valuestring, "error") == 0)
			seen = 1;
	}
	ck_assert_int_eq(seen, 1);
	cJSON_Delete(root);
	free(text);
}
END_TEST

START_TEST(cli_does_not_follow_symlinks)
{
	char good[4096], link[] = "/tmp/boxed-elf-link.XXXXXX", *text;
	char *argv[] = {"audit-elf", link, NULL};
	int fd = mkstemp(link);

	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(link);
	fixture_path(good, sizeof(good), "good");
	ck_assert_int_eq(symlink(good, link), 0);
	ck_assert_int_eq(run_cli(argv, &text), 1);
	unlink(link);
	ck_assert_ptr_nonnull(strstr(text, "open"));
	free(text);
}
END_TEST

/* On the interpreter, which carries no capability, the hardening of a
 * privileged process is a fact (info) without build advice; on the runner
 * the same file fails. Other checks keep their severity on both. */
START_TEST(interpreter_hardening_is_informational)
{
	static const char *const soft[] = {"nopie", "lazy", "norelro"};
	char path[4096];

	for (size_t i = 0; i < sizeof(soft) / sizeof(soft[0]); i++) {
		struct boxed_findings f = {0}, r = {0};
		int fd;

		fixture_path(path, sizeof(path), soft[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(boxed_setup_audit_interpreter_elf(fd, path, 0, &f),
				 BOXED_SEV_INFO);
		ck_assert_int_eq(boxed_setup_audit_runner_elf(fd, path, 0, &r), BOXED_SEV_ERROR);
		close(fd);
		ck_assert_uint_eq(boxed_findings_count(&f, BOXED_SEV_WARNING, NULL), 0);
		ck_assert_uint_eq(boxed_findings_count(&f, BOXED_SEV_INFO, NULL), 1);
		for (size_t k = 0; k < f.count; k++) {
			if (f.items[k].severity != BOXED_SEV_INFO)
				continue;
			ck_assert_msg(strstr(f.items[k].message,
					     "(informational: the interpreter carries no "
					     "capability; the privileged runner must pass this "
					     "check)"),
				      "%s", f.items[k].message);
			ck_assert_msg(!strstr(f.items[k].message, "build with") &&
					  !strstr(f.items[k].message, "link with"),
				      "advice left: %s", f.items[k].message);
		}
		boxed_findings_free(&f);
		boxed_findings_free(&r);
	}
	fixture_path(path, sizeof(path), "execstack");
	{
		struct boxed_findings f = {0};
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(boxed_setup_audit_interpreter_elf(fd, path, 0, &f),
				 BOXED_SEV_ERROR);
		close(fd);
		boxed_findings_free(&f);
	}
}
END_TEST

static Suite *elfaudit_suite(void)
{
	Suite *s = suite_create("elfaudit");
	TCase *t = tcase_create("fixtures");
	TCase *c = tcase_create("audit-elf");

	tcase_set_timeout(t, 30);
	tcase_add_test(t, good_passes_everything);
	tcase_add_loop_test(t, fixture_fails_exactly_its_check, 0,
			    (int)(sizeof(one_bad) / sizeof(one_bad[0])));
	tcase_add_test(t, library_execstack);
	tcase_add_test(t, without_record_ok_only_failures);
	tcase_add_test(t, fd_offset_is_not_moved);
	tcase_add_test(t, interpreter_hardening_is_informational);
	suite_add_tcase(s, t);
	tcase_add_test(c, cli_exit_status_and_json);
	tcase_add_test(c, cli_does_not_follow_symlinks);
	suite_add_tcase(s, c);
	return s;
}

BOXED_CHECK_MAIN(elfaudit_suite)
