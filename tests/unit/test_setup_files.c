#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "check_main.h"
#include "sha256.h"
#include "tmpfile.h"

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/boxed-files-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int open_dir(void)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	ck_assert_int_ge(fd, 0);
	return fd;
}

START_TEST(sha256_known_vectors)
{
	char hex[BOXED_SHA256_HEX_LEN];
	char path[128];
	int fd;

	/* FIPS 180-2, appendix B.1, and the empty message. */
	boxed_sha256_buf("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	boxed_sha256_buf("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	ck_assert_int_eq(boxed_sha256_valid_hex(hex), 1);
	ck_assert_int_eq(boxed_sha256_valid_hex("abc"), 0);
	hex[3] = 'G';
	ck_assert_int_eq(boxed_sha256_valid_hex(hex), 0);

	/* Over an fd, larger than one read, and the offset is left alone. */
	make_dir();
	snprintf(path, sizeof(path), "%s/big", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	for (int i = 0; i < 100000; i++)
		ck_assert_int_eq(write(fd, "abc", 3), 3);
	{
		char *buf = malloc(300000), want[BOXED_SHA256_HEX_LEN];

		ck_assert_ptr_nonnull(buf);
		for (int i = 0; i < 100000; i++)
			memcpy(buf + 3 * i, "abc", 3);
		boxed_sha256_buf(buf, 300000, want);
		ck_assert_int_eq(boxed_sha256_fd(fd, hex), 0);
		ck_assert_str_eq(hex, want);
		free(buf);
	}
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 300000);
	close(fd);
	ck_assert_int_eq(boxed_sha256_fd(fd, hex), -1);
	ck_assert_int_eq(errno, EBADF);
	remove_dir();
}
END_TEST

static size_t count_entries(void)
{
	char cmd[160];
	FILE *p;
	size_t n = 0;
	char line[256];

	snprintf(cmd, sizeof(cmd), "ls -A '%s'", dir);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while (fgets(line, sizeof(line), p))
		n++;
	pclose(p);
	return n;
}

START_TEST(replace_is_atomic_and_leaves_no_temp)
{
	char path[128], buf[64] = {0};
	struct stat st;
	int dfd, fd;

	make_dir();
	dfd = open_dir();
	snprintf(path, sizeof(path), "%s/conf", dir);
	ck_assert_int_eq(boxed_tmpfile_write(dfd, "conf", "old\n", 4, 0644, -1, -1, 0), 0);
	/* Create-only never replaces, and leaves nothing behind. */
	ck_assert_int_eq(boxed_tmpfile_write(dfd, "conf", "other\n", 6, 0644, -1, -1, 0), -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_uint_eq(count_entries(), 1);
	ck_assert_int_eq(boxed_tmpfile_write(dfd, "conf", "new text\n", 9, 0640, -1, -1, 1), 0);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 9);
	ck_assert_str_eq(buf, "new text\n");
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	close(fd);
	ck_assert_uint_eq(count_entries(), 1);
	close(dfd);
	remove_dir();
}
END_TEST

START_TEST(discarded_temp_leaves_nothing)
{
	struct boxed_tmpfile t;
	int dfd;

	make_dir();
	dfd = open_dir();
	ck_assert_int_eq(boxed_tmpfile_open(dfd, "python_boxed", &t), 0);
	ck_assert_int_eq(write(t.fd, "partial", 7), 7);
	boxed_tmpfile_discard(dfd, &t);
	ck_assert_uint_eq(count_entries(), 0);
	close(dfd);
	remove_dir();
}
END_TEST

START_TEST(sweep_removes_only_our_stale_temps)
{
	char path[160];
	int dfd, fd;

	make_dir();
	dfd = open_dir();
	snprintf(path, sizeof(path), "%s/.python_boxed.boxed-tmp.4242", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/.other.boxed-tmp.4242", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/python_boxed", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(boxed_tmpfile_sweep(dfd, "python_boxed"), 1);
	ck_assert_int_eq(boxed_tmpfile_sweep(dfd, "python_boxed"), 0);
	ck_assert_uint_eq(count_entries(), 2);
	close(dfd);
	remove_dir();
}
END_TEST

/* The kernel's answers about file capabilities. As root: apply, read back,
 * watch chown clear them (why install chowns first), clear. As a user:
 * setting them needs CAP_SETFCAP, and the kernel says EPERM. */
START_TEST(file_caps_kernel_answers)
{
	char path[128];
	char *text = NULL;
	int fd;

	make_dir();
	snprintf(path, sizeof(path), "%s/runner", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0750);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(boxed_fcaps_get_fd(fd, NULL), BOXED_FCAPS_NONE);
	ck_assert_int_eq(boxed_fcaps_clear_fd(fd), 0);
	if (geteuid() != 0) {
		ck_assert_int_eq(boxed_fcaps_apply_runner_fd(fd), -1);
		ck_assert_int_eq(errno, EPERM);
		close(fd);
		remove_dir();
		return;
	}
	ck_assert_int_eq(boxed_fcaps_apply_runner_fd(fd), 0);
	ck_assert_int_eq(boxed_fcaps_get_fd(fd, &text), BOXED_FCAPS_RUNNER);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(boxed_fcaps_get_path(path, NULL), BOXED_FCAPS_RUNNER);
	free(text);
	ck_assert_int_eq(fchown(fd, 0, 0), 0);
	ck_assert_int_eq(boxed_fcaps_get_fd(fd, NULL), BOXED_FCAPS_NONE);
	ck_assert_int_eq(boxed_fcaps_apply_runner_fd(fd), 0);
	ck_assert_int_eq(boxed_fcaps_clear_fd(fd), 0);
	ck_assert_int_eq(boxed_fcaps_get_path(path, NULL), BOXED_FCAPS_NONE);
	close(fd);
	remove_dir();
}
END_TEST

START_TEST(unsupported_errnos)
{
	ck_assert_int_eq(boxed_fcaps_unsupported_errno(EOPNOTSUPP), 1);
	ck_assert_int_eq(boxed_fcaps_unsupported_errno(ENOTSUP), 1);
	ck_assert_int_eq(boxed_fcaps_unsupported_errno(EINVAL), 1);
	ck_assert_int_eq(boxed_fcaps_unsupported_errno(EPERM), 0);
	ck_assert_int_eq(boxed_fcaps_unsupported_errno(ENOSPC), 0);
}
END_TEST

static Suite *files_suite(void)
{
	Suite *s = suite_create("setup_files");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, sha256_known_vectors);
	tcase_add_test(tc, replace_is_atomic_and_leaves_no_temp);
	tcase_add_test(tc, discarded_temp_leaves_nothing);
	tcase_add_test(tc, sweep_removes_only_our_stale_temps);
	tcase_add_test(tc, file_caps_kernel_answers);
	tcase_add_test(tc, unsupported_errnos);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(files_suite)
