#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "../../selftest/selftest.h"

/* Format into a memory buffer with open_memstream. */
static char *tap(size_t n, const struct boxed_selftest_result *r, int verbose)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	boxed_selftest_tap_line(f, n, r, verbose);
	fclose(f);
	return buf;
}

static struct boxed_selftest_result make(const char *name, enum boxed_selftest_status s,
					 const char *msg, const char *fix)
{
	struct boxed_selftest_result r;

	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "%s", name);
	boxed_selftest_set(&r, s, fix, "%s", msg);
	r.seconds = 0.25;
	return r;
}

START_TEST(tap_pass_is_one_line)
{
	struct boxed_selftest_result r = make("identity", BOXED_ST_PASS, "uid 5", NULL);
	char *s = tap(3, &r, 0);

	ck_assert_str_eq(s, "ok 3 - identity\n");
	free(s);
	s = tap(3, &r, 1);
	ck_assert_ptr_nonnull(strstr(s, "  ---\n  status: pass\n  message: \"uid 5\"\n"));
	ck_assert_ptr_null(strstr(s, "fix:"));
	free(s);
}
END_TEST

START_TEST(tap_fail_has_yaml)
{
	struct boxed_selftest_result r =
	    make("caller-files", BOXED_ST_FAIL, "read \"x\": READABLE\n\tnext", "chmod go-r x");
	char *s = tap(7, &r, 0);

	ck_assert_str_eq(s, "not ok 7 - caller-files\n"
			    "  ---\n"
			    "  status: fail\n"
			    "  message: \"read \\\"x\\\": READABLE\\n\\x09next\"\n"
			    "  fix: \"chmod go-r x\"\n"
			    "  seconds: 0.250\n"
			    "  ...\n");
	free(s);
}
END_TEST

START_TEST(tap_dubious_fails_and_skip_does_not)
{
	struct boxed_selftest_result d =
	    make("audit", BOXED_ST_DUBIOUS, "cannot read", "run as root");
	struct boxed_selftest_result k = make("capabilities", BOXED_ST_SKIP, "needs root", NULL);
	struct boxed_selftest_result w = make("host-tiocsti", BOXED_ST_WARN, "on", "sysctl");
	char *s = tap(1, &d, 0);

	ck_assert(strncmp(s, "not ok 1 - audit\n", 17) == 0);
	ck_assert_ptr_nonnull(strstr(s, "status: dubious"));
	free(s);
	s = tap(2, &k, 0);
	ck_assert_str_eq(s, "ok 2 - capabilities # SKIP needs root\n");
	free(s);
	/* A warning passes, but says what to fix. */
	s = tap(3, &w, 0);
	ck_assert(strncmp(s, "ok 3 - host-tiocsti\n", 20) == 0);
	ck_assert_ptr_nonnull(strstr(s, "status: warning"));
	ck_assert_ptr_nonnull(strstr(s, "fix: \"sysctl\""));
	free(s);
}
END_TEST

START_TEST(tap_name_cannot_inject_a_directive)
{
	struct boxed_selftest_result r = make("audit:a # SKIP\nok 9", BOXED_ST_FAIL, "m", NULL);
	char *s = tap(1, &r, 0);

	ck_assert(strncmp(s, "not ok 1 - audit:a _ SKIP_ok 9\n", 31) == 0);
	free(s);
}
END_TEST

START_TEST(exit_status)
{
	struct boxed_selftest_result r[3] = {
	    make("a", BOXED_ST_PASS, "", NULL),
	    make("b", BOXED_ST_WARN, "", NULL),
	    make("c", BOXED_ST_SKIP, "", NULL),
	};

	ck_assert_int_eq(boxed_selftest_exit_status(r, 3), 0);
	r[2].status = BOXED_ST_DUBIOUS;
	ck_assert_int_eq(boxed_selftest_exit_status(r, 3), 1);
	r[2].status = BOXED_ST_FAIL;
	ck_assert_int_eq(boxed_selftest_exit_status(r, 3), 1);
	ck_assert_int_eq(boxed_selftest_exit_status(r, 0), 0);
}
END_TEST

START_TEST(json_report)
{
	struct boxed_selftest_result r[2] = {
	    make("fds", BOXED_ST_PASS, "only 0 1 2", NULL),
	    make("config", BOXED_ST_FAIL, "group-writable", "chmod g-w"),
	};
	cJSON *doc = boxed_selftest_report_json(r, 2, "sandbox");
	cJSON *probes, *p, *counts;

	ck_assert_ptr_nonnull(doc);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(doc, "ok")));
	ck_assert_str_eq(cJSON_GetObjectItem(doc, "mode")->valuestring, "sandbox");
	ck_assert_str_eq(cJSON_GetObjectItem(doc, "version")->valuestring, BOXED_VERSION);
	counts = cJSON_GetObjectItem(doc, "counts");
	ck_assert_int_eq(cJSON_GetObjectItem(counts, "pass")->valueint, 1);
	ck_assert_int_eq(cJSON_GetObjectItem(counts, "fail")->valueint, 1);
	ck_assert_int_eq(cJSON_GetObjectItem(counts, "dubious")->valueint, 0);
	probes = cJSON_GetObjectItem(doc, "probes");
	ck_assert_int_eq(cJSON_GetArraySize(probes), 2);
	p = cJSON_GetArrayItem(probes, 0);
	ck_assert_str_eq(cJSON_GetObjectItem(p, "name")->valuestring, "fds");
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(p, "fix")));
	p = cJSON_GetArrayItem(probes, 1);
	ck_assert_str_eq(cJSON_GetObjectItem(p, "status")->valuestring, "fail");
	ck_assert_str_eq(cJSON_GetObjectItem(p, "fix")->valuestring, "chmod g-w");
	ck_assert_double_eq_tol(cJSON_GetObjectItem(p, "seconds")->valuedouble, 0.25, 1e-9);
	cJSON_Delete(doc);
	doc = boxed_selftest_report_json(r, 1, "control");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(doc, "ok")));
	cJSON_Delete(doc);
}
END_TEST

/* The report's times are milliseconds, not 0.17000000923871994. */
START_TEST(json_times_are_rounded)
{
	struct boxed_selftest_result r = make("fds", BOXED_ST_PASS, "only 0 1 2", NULL);
	cJSON *doc;
	char *text;

	r.seconds = 0.17000000923871994;
	doc = boxed_selftest_report_json(&r, 1, "sandbox");
	ck_assert_ptr_nonnull(doc);
	text = cJSON_PrintUnformatted(cJSON_GetObjectItem(doc, "probes"));
	ck_assert_ptr_nonnull(strstr(text, "\"seconds\":0.17}"));
	cJSON_free(text);
	cJSON_Delete(doc);
	ck_assert_double_eq(boxed_selftest_round_ms(1.23449), 1.234);
	ck_assert_double_eq(boxed_selftest_round_ms(1.2345001), 1.235);
	ck_assert_double_eq(boxed_selftest_round_ms(0), 0);
}
END_TEST

/* A fix is complete: the command for now, and the file that keeps it. */
START_TEST(sysctl_fix_is_complete)
{
	char fix[256];

	boxed_selftest_sysctl_fix(fix, sizeof(fix), "fs.protected_regular", 2);
	ck_assert_str_eq(fix, "sysctl -w fs.protected_regular=2, and keep it across reboots: "
			      "echo 'fs.protected_regular = 2' > "
			      "/etc/sysctl.d/60-boxed-fs.protected_regular.conf");
}
END_TEST

static cJSON *verdict(const char *text)
{
	cJSON *v = cJSON_Parse(text);

	ck_assert_ptr_nonnull(v);
	return v;
}

START_TEST(classify_sandbox)
{
	struct boxed_selftest_result r;
	cJSON *yes = verdict("{\"isolated\":true,\"detail\":\"held\"}");
	cJSON *no = verdict("{\"isolated\":false,\"detail\":\"READABLE\"}");
	cJSON *bad = verdict("{\"isolated\":\"yes\"}");

	memset(&r, 0, sizeof(r));
	boxed_selftest_classify(&r, 0, "ok", NULL, yes, "fix it");
	ck_assert_int_eq(r.status, BOXED_ST_PASS);
	ck_assert_str_eq(r.message, "held");
	ck_assert_str_eq(r.fix, "");
	boxed_selftest_classify(&r, 0, "ok", NULL, no, "fix it");
	ck_assert_int_eq(r.status, BOXED_ST_FAIL);
	ck_assert_str_eq(r.message, "READABLE");
	ck_assert_str_eq(r.fix, "fix it");
	/* A verdict of isolation means nothing if the run itself failed. */
	boxed_selftest_classify(&r, 0, "sandbox-error", "no caps", yes, "fix it");
	ck_assert_int_eq(r.status, BOXED_ST_FAIL);
	ck_assert_ptr_nonnull(strstr(r.message, "sandbox-error: no caps"));
	boxed_selftest_classify(&r, 0, NULL, NULL, yes, "fix it");
	ck_assert_int_eq(r.status, BOXED_ST_FAIL);
	/* No verdict, or a malformed one: unknown, never a pass. */
	boxed_selftest_classify(&r, 0, "ok", NULL, NULL, "fix it");
	ck_assert_int_eq(r.status, BOXED_ST_DUBIOUS);
	boxed_selftest_classify(&r, 0, "ok", NULL, bad, "fix it");
	ck_assert_int_eq(r.status, BOXED_ST_DUBIOUS);
	cJSON_Delete(yes);
	cJSON_Delete(no);
	cJSON_Delete(bad);
}
END_TEST

START_TEST(classify_control)
{
	struct boxed_selftest_result r;
	cJSON *yes = verdict("{\"isolated\":true,\"detail\":\"held\"}");
	cJSON *no = verdict("{\"isolated\":false,\"detail\":\"READABLE\"}");

	memset(&r, 0, sizeof(r));
	/* Unsandboxed, detecting the missing isolation is the pass. */
	boxed_selftest_classify(&r, 1, NULL, NULL, no, "fix it");
	ck_assert_int_eq(r.status, BOXED_ST_PASS);
	ck_assert_str_eq(r.message, "detected: READABLE");
	boxed_selftest_classify(&r, 1, NULL, NULL, yes, "fix it");
	ck_assert_int_eq(r.status, BOXED_ST_FAIL);
	ck_assert_ptr_nonnull(strstr(r.fix, "broken"));
	boxed_selftest_classify(&r, 1, NULL, NULL, NULL, "fix it");
	ck_assert_int_eq(r.status, BOXED_ST_DUBIOUS);
	cJSON_Delete(yes);
	cJSON_Delete(no);
}
END_TEST

START_TEST(verdict_line)
{
	char buf[512] = "";
	int p[2], saved = dup(1);
	ssize_t n;
	cJSON *v;

	ck_assert_int_eq(pipe(p), 0);
	fflush(stdout);
	dup2(p[1], 1);
	boxed_selftest_verdict("fds", 0, "extra \"fd\" 7\n");
	fflush(stdout);
	dup2(saved, 1);
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(buf[n - 1], '\n');
	ck_assert_ptr_null(memchr(buf, '\n', (size_t)n - 1)); /* one line */
	v = cJSON_Parse(buf);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(v, "isolated")));
	ck_assert_str_eq(cJSON_GetObjectItem(v, "detail")->valuestring, "extra \"fd\" 7\n");
	cJSON_Delete(v);
}
END_TEST

/* Messages are built by appending: what does not fit is cut, and the
 * text stays terminated. */
START_TEST(append_truncates)
{
	char buf[12] = "";

	boxed_selftest_append(buf, sizeof(buf), "%s%d", "ab", 12);
	ck_assert_str_eq(buf, "ab12");
	boxed_selftest_append(buf, sizeof(buf), "; %s", "longer than the rest");
	ck_assert_str_eq(buf, "ab12; longe");
	boxed_selftest_append(buf, sizeof(buf), "more");
	ck_assert_str_eq(buf, "ab12; longe");
}
END_TEST

static Suite *selftest_format_suite(void)
{
	Suite *s = suite_create("selftest_format");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, tap_pass_is_one_line);
	tcase_add_test(tc, tap_fail_has_yaml);
	tcase_add_test(tc, tap_dubious_fails_and_skip_does_not);
	tcase_add_test(tc, tap_name_cannot_inject_a_directive);
	tcase_add_test(tc, exit_status);
	tcase_add_test(tc, json_report);
	tcase_add_test(tc, json_times_are_rounded);
	tcase_add_test(tc, sysctl_fix_is_complete);
	tcase_add_test(tc, classify_sandbox);
	tcase_add_test(tc, classify_control);
	tcase_add_test(tc, verdict_line);
	tcase_add_test(tc, append_truncates);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(selftest_format_suite)
