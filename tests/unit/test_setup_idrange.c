/* The slot-range check (lib/idrange.h): the file parsers on text, the
 * files under a staging root, and the name service, faked and real. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "idrange.h"

static char err[512];

#define FIRST 1879048192ul
#define COUNT 128ul

static const char passwd_ok[] = "root:x:0:0:root:/root:/bin/bash\n"
				"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
				"\n"
				"# a comment\n"
				"+@nis::::::\n"
				"alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash";

START_TEST(passwd_free)
{
	ck_assert_int_eq(boxed_idrange_check_text(BOXED_IDFILE_PASSWD, passwd_ok, "passwd", FIRST,
						  COUNT, err, sizeof(err)),
			 0);
}
END_TEST

START_TEST(passwd_uid_inside)
{
	const char text[] = "root:x:0:0:root:/root:/bin/bash\n"
			    "svc:x:1879048200:100::/:/bin/false\n";

	ck_assert_int_eq(boxed_idrange_check_text(BOXED_IDFILE_PASSWD, text, "/etc/passwd", FIRST,
						  COUNT, err, sizeof(err)),
			 1);
	ck_assert_msg(strstr(err, "/etc/passwd:2") && strstr(err, "'svc'") &&
			  strstr(err, "uid 1879048200"),
		      "%s", err);
}
END_TEST

START_TEST(passwd_gid_inside)
{
	const char text[] = "svc:x:5000:1879048319::/:/bin/false\n";

	ck_assert_int_eq(boxed_idrange_check_text(BOXED_IDFILE_PASSWD, text, "passwd", FIRST, COUNT,
						  err, sizeof(err)),
			 1);
	ck_assert_msg(strstr(err, "gid 1879048319"), "%s", err);
}
END_TEST

START_TEST(range_edges)
{
	/* first - 1 and first + count are outside; first and the last are in. */
	ck_assert_int_eq(boxed_idrange_check_text(BOXED_IDFILE_GROUP, "a:x:1879048191:\n", "g",
						  FIRST, COUNT, err, sizeof(err)),
			 0);
	ck_assert_int_eq(boxed_idrange_check_text(BOXED_IDFILE_GROUP, "a:x:1879048320:\n", "g",
						  FIRST, COUNT, err, sizeof(err)),
			 0);
	ck_assert_int_eq(boxed_idrange_check_text(BOXED_IDFILE_GROUP, "a:x:1879048192:\n", "g",
						  FIRST, COUNT, err, sizeof(err)),
			 1);
	ck_assert_int_eq(boxed_idrange_check_text(BOXED_IDFILE_GROUP, "a:x:1879048319:x,y\n", "g",
						  FIRST, COUNT, err, sizeof(err)),
			 1);
	ck_assert_msg(strstr(err, "group 'a'"), "%s", err);
}
END_TEST

START_TEST(subuid_ranges)
{
	/* A subordinate range that ends just before, one that starts just
	 * after, one that straddles the start, and one that covers it all. */
	ck_assert_int_eq(boxed_idrange_check_text(BOXED_IDFILE_SUBUID,
						  "alice:100000:65536\n"
						  "bob:1879048128:64\n"
						  "carol:1879048320:65536\n",
						  "subuid", FIRST, COUNT, err, sizeof(err)),
			 0);
	ck_assert_int_eq(boxed_idrange_check_text(BOXED_IDFILE_SUBUID, "bob:1879048128:65\n",
						  "/etc/subuid", FIRST, COUNT, err, sizeof(err)),
			 1);
	ck_assert_msg(strstr(err, "/etc/subuid:1") && strstr(err, "'bob'"), "%s", err);
	ck_assert_int_eq(boxed_idrange_check_text(BOXED_IDFILE_SUBGID, "x:1000000000:1000000000\n",
						  "subgid", FIRST, COUNT, err, sizeof(err)),
			 1);
	/* An empty range overlaps nothing. */
	ck_assert_int_eq(boxed_idrange_check_text(BOXED_IDFILE_SUBGID, "x:1879048192:0\n", "subgid",
						  FIRST, COUNT, err, sizeof(err)),
			 0);
}
END_TEST

START_TEST(malformed_lines_refused)
{
	static const struct {
		enum boxed_idfile kind;
		const char *text;
	} bad[] = {
	    {BOXED_IDFILE_PASSWD, "root:x:0:0:root:/root\n"},
	    {BOXED_IDFILE_PASSWD, "root:x:zero:0:root:/root:/bin/sh\n"},
	    {BOXED_IDFILE_PASSWD, "root:x:-1:0:root:/root:/bin/sh\n"},
	    {BOXED_IDFILE_GROUP, "g:x:99999999999:\n"},
	    {BOXED_IDFILE_GROUP, "g:x:12a:\n"},
	    {BOXED_IDFILE_SUBUID, "alice:100000\n"},
	    {BOXED_IDFILE_SUBUID, "alice:100000:65536:extra\n"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_int_eq(boxed_idrange_check_text(bad[i].kind, bad[i].text, "f", FIRST,
							  COUNT, err, sizeof(err)),
				 -1);
		ck_assert_msg(strstr(err, "f:1: cannot parse"), "%zu: %s", i, err);
	}
}
END_TEST

START_TEST(files_under_root)
{
	char dir[] = "/tmp/boxed-idrange-XXXXXX";
	char path[256];
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* No etc/ at all: nothing can collide. */
	ck_assert_int_eq(boxed_idrange_check_files(dir, FIRST, COUNT, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/etc", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/etc/subgid", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("alice:100000:65536\nsvc:1879048250:10\n", f);
	fclose(f);
	ck_assert_int_eq(boxed_idrange_check_files(dir, FIRST, COUNT, err, sizeof(err)), 1);
	ck_assert_msg(strstr(err, "etc/subgid:2") && strstr(err, "'svc'"), "%s", err);
	ck_assert_int_eq(boxed_idrange_check_files(dir, FIRST + COUNT * 2, COUNT, err, sizeof(err)),
			 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/etc", dir);
	rmdir(path);
	rmdir(dir);
}
END_TEST

/* A fake name service, which knows one user and one group and fails on
 * one id; by default a user at FIRST + 70, a group at the last id of the
 * range, and no failure (fake_reset(), before each test). */
static unsigned long fake_user_id, fake_group_id, fake_error_id;

static void fake_reset(void)
{
	fake_user_id = FIRST + 70;
	fake_group_id = FIRST + COUNT - 1;
	fake_error_id = 0;
}

static int fake_lookup(unsigned long id, unsigned long want, const char *name, char *out,
		       size_t len)
{
	if (fake_error_id && id == fake_error_id) {
		errno = ECONNREFUSED;
		return -1;
	}
	if (id != want)
		return 0;
	snprintf(out, len, "%s", name);
	return 1;
}

static int fake_user(unsigned long id, char *name, size_t len)
{
	return fake_lookup(id, fake_user_id, "ldapuser", name, len);
}

static int fake_group(unsigned long id, char *name, size_t len)
{
	return fake_lookup(id, fake_group_id, "ldapgroup", name, len);
}

static const struct boxed_idrange_nss fake = {fake_user, fake_group};

START_TEST(nss_user_inside)
{
	ck_assert_int_eq(boxed_idrange_check_nss(&fake, FIRST, COUNT, err, sizeof(err)), 1);
	ck_assert_msg(strstr(err, "name service") && strstr(err, "user 'ldapuser'") &&
			  strstr(err, "uid 1879048262") && strstr(err, "1879048192-1879048319"),
		      "%s", err);
	/* A range that ends just below it, one that starts just above. */
	ck_assert_int_eq(boxed_idrange_check_nss(&fake, FIRST, 70, err, sizeof(err)), 0);
	ck_assert_int_eq(boxed_idrange_check_nss(&fake, FIRST + 71, 56, err, sizeof(err)), 0);
	ck_assert_int_eq(boxed_idrange_check_nss(&fake, FIRST, 0, err, sizeof(err)), 0);
}
END_TEST

START_TEST(nss_group_inside)
{
	fake_user_id = 5;
	ck_assert_int_eq(boxed_idrange_check_nss(&fake, FIRST, COUNT, err, sizeof(err)), 1);
	ck_assert_msg(strstr(err, "group 'ldapgroup'") && strstr(err, "gid 1879048319"), "%s", err);
}
END_TEST

/* Several threads ask at once; the answer is still the lowest id. */
START_TEST(nss_lowest_id_wins)
{
	fake_user_id = FIRST + COUNT * 100 - 1;
	fake_group_id = FIRST + 40;
	ck_assert_int_eq(boxed_idrange_check_nss(&fake, FIRST, COUNT * 100, err, sizeof(err)), 1);
	ck_assert_msg(strstr(err, "gid 1879048232"), "%s", err);
	fake_group_id = 1;
	ck_assert_int_eq(boxed_idrange_check_nss(&fake, FIRST, 65536, err, sizeof(err)), 1);
	ck_assert_msg(strstr(err, "uid 1879060991"), "%s", err);
}
END_TEST

/* A lookup the service could not answer might hide an account. */
START_TEST(nss_failure_refuses)
{
	fake_error_id = FIRST + 9;
	ck_assert_int_eq(boxed_idrange_check_nss(&fake, FIRST, COUNT, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "could not say whether a user has uid 1879048201") &&
			  strstr(err, strerror(ECONNREFUSED)),
		      "%s", err);
}
END_TEST

/* The host's own name service knows root; a staging root's check does not
 * ask it, since it describes another system. */
START_TEST(nss_of_the_host)
{
	char dir[] = "/tmp/boxed-idrange-XXXXXX";

	ck_assert_int_eq(boxed_idrange_check_nss(NULL, 0, 10, err, sizeof(err)), 1);
	ck_assert_msg(strstr(err, "user 'root' with uid 0"), "%s", err);
	ck_assert_int_eq(boxed_idrange_check_nss(NULL, FIRST, COUNT, err, sizeof(err)), 0);
	ck_assert_int_eq(boxed_idrange_check("/", 0, 10, err, sizeof(err)), 1);
	ck_assert_int_eq(boxed_idrange_check("", 0, 10, err, sizeof(err)), 1);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(boxed_idrange_check(dir, 0, 10, err, sizeof(err)), 0);
	rmdir(dir);
}
END_TEST

static Suite *idrange_suite(void)
{
	Suite *s = suite_create("setup_idrange");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, passwd_free);
	tcase_add_test(tc, passwd_uid_inside);
	tcase_add_test(tc, passwd_gid_inside);
	tcase_add_test(tc, range_edges);
	tcase_add_test(tc, subuid_ranges);
	tcase_add_test(tc, malformed_lines_refused);
	tcase_add_test(tc, files_under_root);
	tcase_add_checked_fixture(tc, fake_reset, NULL);
	tcase_add_test(tc, nss_user_inside);
	tcase_add_test(tc, nss_group_inside);
	tcase_add_test(tc, nss_lowest_id_wins);
	tcase_add_test(tc, nss_failure_refuses);
	tcase_add_test(tc, nss_of_the_host);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(idrange_suite)
