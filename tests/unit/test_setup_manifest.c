#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "manifest.h"

static char err[512];

static void sample(struct boxed_manifest *m)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->boxed_version, sizeof(m->boxed_version), "0.1.0");
	m->installed_at = 1795417691;
	snprintf(m->root, sizeof(m->root), "/opt/stage");
	m->ownership_applied = 1;
	snprintf(m->group, sizeof(m->group), "boxed");
	m->gid = 995;
	m->group_created = 1;
	m->first_uid = 1879048192;
	m->slot_count = 128;
	snprintf(m->statedir, sizeof(m->statedir), "/var/lib/boxed");
	snprintf(m->runner.path, sizeof(m->runner.path), "/usr/bin/boxed-run");
	m->runner.size = 123456;
	memset(m->runner.sha256, 'a', 64);
	snprintf(m->runner_caps, sizeof(m->runner_caps), "cap_setuid,cap_setgid=ep");
	snprintf(m->interpreter.path, sizeof(m->interpreter.path), "/usr/lib/boxed/python_boxed");
	m->interpreter.size = 6831736;
	memset(m->interpreter.sha256, '0', 64);
	m->source = m->interpreter;
	snprintf(m->source.path, sizeof(m->source.path), "/usr/bin/python3.11");
	snprintf(m->python_version, sizeof(m->python_version), "3.11.2");
	ck_assert_int_eq(boxed_manifest_add_sys_path(m, "/usr/lib/python3.11"), 0);
	ck_assert_int_eq(boxed_manifest_add_sys_path(m, "/usr/lib/python3.11/lib-dynload"), 0);
	snprintf(m->config.path, sizeof(m->config.path), "/etc/boxed/boxed.json");
	m->config.size = 426;
	memset(m->config.sha256, 'f', 64);
	m->config_created = 0;
}

START_TEST(round_trip)
{
	struct boxed_manifest a, b;
	char *t1, *t2;

	sample(&a);
	t1 = boxed_manifest_to_json(&a);
	ck_assert_ptr_nonnull(t1);
	ck_assert_int_eq(boxed_manifest_parse(t1, &b, err, sizeof(err)), 0);
	ck_assert_str_eq(b.boxed_version, "0.1.0");
	ck_assert_int_eq(b.installed_at, 1795417691);
	ck_assert_str_eq(b.root, "/opt/stage");
	ck_assert_int_eq(b.ownership_applied, 1);
	ck_assert_str_eq(b.group, "boxed");
	ck_assert_uint_eq(b.gid, 995);
	ck_assert_int_eq(b.group_created, 1);
	ck_assert_uint_eq(b.first_uid, 1879048192u);
	ck_assert_uint_eq(b.slot_count, 128);
	ck_assert_str_eq(b.runner.sha256, a.runner.sha256);
	ck_assert_uint_eq(b.interpreter.size, 6831736);
	ck_assert_str_eq(b.source.path, "/usr/bin/python3.11");
	ck_assert_str_eq(b.python_version, "3.11.2");
	ck_assert_uint_eq(b.sys_path_count, 2);
	ck_assert_str_eq(b.sys_path[1], "/usr/lib/python3.11/lib-dynload");
	ck_assert_int_eq(b.config_created, 0);
	ck_assert_str_eq(b.runner_caps, "cap_setuid,cap_setgid=ep");
	/* A second trip is byte-identical: install relies on this to say
	 * "no change" without rewriting the file. */
	t2 = boxed_manifest_to_json(&b);
	ck_assert_str_eq(t1, t2);
	free(t1);
	free(t2);
	boxed_manifest_free(&a);
	boxed_manifest_free(&b);
}
END_TEST

static void expect_error(const char *find, const char *replace, const char *needle)
{
	struct boxed_manifest a, b;
	char *text, *at, *edited;

	sample(&a);
	text = boxed_manifest_to_json(&a);
	boxed_manifest_free(&a);
	ck_assert_ptr_nonnull(text);
	at = strstr(text, find);
	ck_assert_msg(at != NULL, "sample lacks '%s'", find);
	edited = malloc(strlen(text) + strlen(replace) + 1);
	ck_assert_ptr_nonnull(edited);
	memcpy(edited, text, (size_t)(at - text));
	strcpy(edited + (at - text), replace);
	strcat(edited, at + strlen(find));
	err[0] = '\0';
	ck_assert_int_eq(boxed_manifest_parse(edited, &b, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, needle), "error '%s' lacks '%s'", err, needle);
	free(text);
	free(edited);
}

START_TEST(rejects_bad_manifests)
{
	struct boxed_manifest b;

	ck_assert_int_eq(boxed_manifest_parse("{", &b, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "not valid JSON"), "%s", err);
	ck_assert_int_eq(boxed_manifest_parse("[]", &b, err, sizeof(err)), -1);
	expect_error("\"format\":\t1", "\"format\":\t2", "format: 2 is not supported");
	expect_error("\"gid\":\t995", "\"gid\":\t-1", "group.gid");
	expect_error("\"count\":\t128", "\"count\":\t\"many\"", "slots.count");
	expect_error("\"sha256\":\t\"aaaa", "\"sha256\":\t\"AAAA", "runner.sha256");
	expect_error("\"created\":\tfalse", "\"created\":\t0", "config.created");
	expect_error("\"/usr/lib/python3.11\"", "7", "sys_path");
	expect_error("\"python_version\"", "\"py_version\"", "interpreter.python_version");
}
END_TEST

START_TEST(load_refuses_symlink_and_reports_missing)
{
	char dir[] = "/tmp/boxed-manifest-XXXXXX", path[128], link[128];
	struct boxed_manifest a, b;
	FILE *f;
	char *text;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	snprintf(link, sizeof(link), "%s/link.json", dir);
	ck_assert_int_eq(boxed_manifest_load(path, &b, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, ENOENT);
	sample(&a);
	text = boxed_manifest_to_json(&a);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(boxed_manifest_load(path, &b, err, sizeof(err)), 0);
	ck_assert_str_eq(b.interpreter.path, "/usr/lib/boxed/python_boxed");
	boxed_manifest_free(&b);
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_int_eq(boxed_manifest_load(link, &b, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, ELOOP);
	unlink(link);
	unlink(path);
	rmdir(dir);
	free(text);
	boxed_manifest_free(&a);
}
END_TEST

START_TEST(sys_path_is_bounded)
{
	struct boxed_manifest m;

	memset(&m, 0, sizeof(m));
	for (int i = 0; i < BOXED_MANIFEST_SYS_PATH_MAX; i++)
		ck_assert_int_eq(boxed_manifest_add_sys_path(&m, "/x"), 0);
	ck_assert_int_eq(boxed_manifest_add_sys_path(&m, "/x"), -1);
	ck_assert_int_eq(errno, E2BIG);
	boxed_manifest_free(&m);
	ck_assert_uint_eq(m.sys_path_count, 0);
}
END_TEST

static Suite *manifest_suite(void)
{
	Suite *s = suite_create("setup_manifest");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, rejects_bad_manifests);
	tcase_add_test(tc, load_refuses_symlink_and_reports_missing);
	tcase_add_test(tc, sys_path_is_bounded);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(manifest_suite)
