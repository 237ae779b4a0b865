#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../installer/setup.h"
#include "check_main.h"
#include "layout.h"

static char err[PATH_MAX + 64];

START_TEST(host_paths_are_the_layout)
{
	struct boxed_setup_paths p;

	ck_assert_int_eq(boxed_setup_paths_init(&p, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(p.root, "");
	ck_assert_str_eq(p.runner, BOXED_RUNNER_PATH);
	ck_assert_str_eq(p.interpreter, BOXED_INTERPRETER_PATH);
	ck_assert_str_eq(p.manifest, BOXED_MANIFEST_PATH);
	ck_assert_str_eq(p.legacy, "/usr/bin/python_boxed");
	/* "/" is the host too. */
	ck_assert_int_eq(boxed_setup_paths_init(&p, "/", err, sizeof(err)), 0);
	ck_assert_str_eq(p.config, BOXED_CONFIG_PATH);
}
END_TEST

START_TEST(root_prefixes_everything)
{
	struct boxed_setup_paths p;
	char want[PATH_MAX];

	/* The root is resolved: "/tmp/../tmp" is "/tmp". */
	ck_assert_int_eq(boxed_setup_paths_init(&p, "/tmp/../tmp", err, sizeof(err)), 0);
	ck_assert_str_eq(p.root, "/tmp");
	snprintf(want, sizeof(want), "/tmp%s", BOXED_STATEDIR);
	ck_assert_str_eq(p.statedir, want);
	snprintf(want, sizeof(want), "/tmp%s", BOXED_SETUP_LOCK_PATH);
	ck_assert_str_eq(p.lock, want);
	ck_assert_ptr_nonnull(strstr(p.configdir, "/tmp/"));
	ck_assert_ptr_null(strstr(p.configdir, "boxed.json"));
	ck_assert_int_eq(boxed_setup_paths_init(&p, "/nonexistent-root", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent-root"));
	ck_assert_int_eq(boxed_setup_paths_init(&p, "/etc/passwd", err, sizeof(err)), -1);
}
END_TEST

static void expect_elf(const char *path, int ok, const char *needle)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "%s", path);
	err[0] = '\0';
	ck_assert_int_eq(boxed_setup_check_host_elf(fd, err, sizeof(err)), ok ? 0 : -1);
	if (needle)
		ck_assert_msg(strstr(err, needle), "%s: '%s' lacks '%s'", path, err, needle);
	close(fd);
}

START_TEST(host_elf_check)
{
	char text[] = "/tmp/boxed-elf-XXXXXX";
	int fd = mkstemp(text);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "#!/bin/sh\necho hi\n", 18), 18);
	close(fd);
	expect_elf("/usr/bin/python3", 1, NULL);
	expect_elf("/proc/self/exe", 1, NULL);
	expect_elf(text, 0, "not an ELF executable");
	/* A library has no program interpreter: ELF, but not an executable. */
	expect_elf("/usr/lib/x86_64-linux-gnu/libm.so.6", 0, "not an executable");
	unlink(text);
}
END_TEST

static Suite *paths_suite(void)
{
	Suite *s = suite_create("setup_paths");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, host_paths_are_the_layout);
	tcase_add_test(tc, root_prefixes_everything);
	tcase_add_test(tc, host_elf_check);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(paths_suite)
