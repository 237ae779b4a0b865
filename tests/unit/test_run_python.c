/* The Python protocol as the runner checks it: strict JSON, the request,
 * and the child's result, which must never shape what the caller reads
 * beyond its own value. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "jsonutil.h"
#include "../../runner/runner.h"

static cJSON *strict(const char *text)
{
	char err[256];

	return boxed_json_parse_strict(text, strlen(text), err, sizeof(err));
}

static const char *strict_error(const char *text, size_t len)
{
	static char err[256];
	cJSON *doc = boxed_json_parse_strict(text, len, err, sizeof(err));

	ck_assert_ptr_null(doc);
	return err;
}

START_TEST(strict_json)
{
	cJSON *doc = strict(" {\"a\": [1, {\"b\": 2, \"c\": 3}]} \n");

	ck_assert_ptr_nonnull(doc);
	cJSON_Delete(doc);
	ck_assert_ptr_nonnull(strstr(strict_error("{\"a\":1} {\"a\":2}", 15), "after"));
	ck_assert_ptr_nonnull(strstr(strict_error("{\"a\":1}x", 8), "after"));
	/* A NUL byte ends nothing: it is refused, wherever it is. */
	ck_assert_ptr_nonnull(strstr(strict_error("{\"a\":1}\0{", 9), "control character"));
	ck_assert_ptr_nonnull(strstr(strict_error("{\"a\":", 5), "not valid JSON"));
	ck_assert_ptr_nonnull(strstr(strict_error("", 0), "empty"));
	ck_assert_ptr_nonnull(strstr(strict_error("{\"t\":1,\"u\":2,\"t\":3}", 19), "\"t\""));
	ck_assert_ptr_nonnull(
	    strstr(strict_error("[{\"x\":{\"k\":1,\"k\":2}}]", 21), "\"k\" appears twice"));
}
END_TEST

/* What cJSON alone would take: control characters as whitespace or raw in
 * strings, and \u0000, where it cuts a string short. */
START_TEST(strict_json_lexical)
{
	cJSON *doc;

	ck_assert_ptr_nonnull(
	    strstr(strict_error("{\x01\"a\":1}", 8), "control character at byte 1"));
	ck_assert_ptr_nonnull(strstr(strict_error("[1,\x1f"
						  "2]",
						  6),
				     "control character"));
	ck_assert_ptr_nonnull(strstr(strict_error("[\"a\tb\"]", 7), "control character at byte 3"));
	ck_assert_ptr_nonnull(strstr(strict_error("[\"1\\u0000,{x\"]", 15), "\\u0000 at byte 3"));
	/* An escaped backslash before "u0000" is text, not an escape. */
	doc = strict("[\"\\\\u0000\", \"\\\"\\u0001\"]\r\n");
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(cJSON_GetArrayItem(doc, 0)->valuestring, "\\u0000");
	cJSON_Delete(doc);
	doc = strict("{\"a\":\t[1,\n2]}");
	ck_assert_ptr_nonnull(doc);
	cJSON_Delete(doc);
}
END_TEST

/* Objects too large to compare pairwise are checked by sorting. */
START_TEST(strict_json_large_object)
{
	char text[8192];
	size_t n = 0;
	cJSON *doc;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "{");
	for (int i = 0; i < 200; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "\"k%d\":%d,", i, i);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\"last\":0}");
	doc = strict(text);
	ck_assert_ptr_nonnull(doc);
	cJSON_Delete(doc);
	memcpy(strstr(text, "\"last\""), "\"k117\"", 6);
	ck_assert_ptr_nonnull(strstr(strict_error(text, strlen(text)), "\"k117\""));
}
END_TEST

/* Feed text through a pipe, as the caller's stdin. */
static char *request(const char *text, size_t max, enum boxed_run_reason *reason, double *timeout,
		     char *target)
{
	char err[512];
	size_t len;
	int fds[2];
	char *got;

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
	close(fds[1]);
	*reason = BOXED_RUN_REASON_NONE;
	got = boxed_run_python_request(fds[0], max, &len, timeout, target, 64, reason, err,
				       sizeof(err));
	close(fds[0]);
	return got;
}

START_TEST(requests)
{
	enum boxed_run_reason why;
	char target[64];
	double timeout;
	char *got;

	got = request("{\"target\": \"math.sqrt\", \"args\": [4], \"timeout\": 2.5}", 1024, &why,
		      &timeout, target);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(target, "math.sqrt");
	ck_assert_double_eq(timeout, 2.5);
	free(got);
	/* Two targets: the runner would log one and the bootstrap run the
	 * other. */
	ck_assert_ptr_null(request("{\"target\": \"math.sqrt\", \"target\": \"os.system\"}", 1024,
				   &why, &timeout, target));
	ck_assert_int_eq(why, BOXED_RUN_REASON_REQUEST_INVALID);
	ck_assert_ptr_null(request("{\"target\": \"a.b\", \"kwargs\": {\"x\": 1, \"x\": 2}}", 1024,
				   &why, &timeout, target));
	ck_assert_int_eq(why, BOXED_RUN_REASON_REQUEST_INVALID);
	ck_assert_ptr_null(
	    request("{\"target\": \"a.b\"}\n{\"target\": \"c.d\"}", 1024, &why, &timeout, target));
	ck_assert_int_eq(why, BOXED_RUN_REASON_REQUEST_INVALID);
	ck_assert_ptr_null(request("[\"a.b\"]", 1024, &why, &timeout, target));
	ck_assert_int_eq(why, BOXED_RUN_REASON_REQUEST_INVALID);
	ck_assert_ptr_null(
	    request("{\"target\": \"a.b\", \"timeout\": -1}", 1024, &why, &timeout, target));
	ck_assert_int_eq(why, BOXED_RUN_REASON_REQUEST_INVALID);
	ck_assert_ptr_null(request("{\"target\": \"a.b\", \"pad\": \"xxxxxxxxxxxxxxxx\"}", 16, &why,
				   &timeout, target));
	ck_assert_int_eq(why, BOXED_RUN_REASON_REQUEST_TOO_LARGE);
}
END_TEST

static int check_result(const char *text, int *memory)
{
	struct boxed_run_capture raw = {.buf = (char *)text, .len = strlen(text)};
	char why[256];
	int state;
	cJSON *r = boxed_run_python_result(&raw, &state, memory, why, sizeof(why));

	ck_assert(r ? state == BOXED_RUN_RESULT_OK || state == BOXED_RUN_RESULT_EXCEPTION
		    : state != BOXED_RUN_RESULT_OK && state != BOXED_RUN_RESULT_EXCEPTION);
	cJSON_Delete(r);
	return state;
}

START_TEST(result_shapes)
{
	int mem;

	ck_assert_int_eq(check_result("{\"ok\":true,\"json\":\"null\"}", &mem),
			 BOXED_RUN_RESULT_OK);
	ck_assert_int_eq(check_result("{\"ok\":true,\"json\":\"[1, 2.0, {\\\"a\\\": 1}]\"}", &mem),
			 BOXED_RUN_RESULT_OK);
	ck_assert_int_eq(check_result("{\"ok\":true,\"payload\":\"AA==\"}", &mem),
			 BOXED_RUN_RESULT_OK);
	ck_assert_int_eq(check_result("{\"ok\":true}", &mem), BOXED_RUN_RESULT_BAD);
	/* The value's text must be exactly one JSON value, itself strict. */
	ck_assert_int_eq(check_result("{\"ok\":true,\"json\":\"1 2\"}", &mem),
			 BOXED_RUN_RESULT_BAD);
	ck_assert_int_eq(check_result("{\"ok\":true,\"json\":\"{\\\"a\\\":1,\\\"a\\\":2}\"}", &mem),
			 BOXED_RUN_RESULT_BAD);
	ck_assert_int_eq(check_result("{\"ok\":true,\"json\":2}", &mem), BOXED_RUN_RESULT_BAD);
	ck_assert_int_eq(check_result("{\"ok\":true,\"json\":\"1\",\"payload\":\"AA==\"}", &mem),
			 BOXED_RUN_RESULT_BAD);
	ck_assert_int_eq(check_result("{\"ok\":true,\"json\":\"1\",\"report\":{}}", &mem),
			 BOXED_RUN_RESULT_BAD);
	ck_assert_int_eq(check_result("{\"ok\":1,\"json\":\"1\"}", &mem), BOXED_RUN_RESULT_BAD);
	ck_assert_int_eq(check_result("[1]", &mem), BOXED_RUN_RESULT_BAD);
	ck_assert_int_eq(check_result("{\"ok\":false,\"exception\":{\"type\":\"ValueError\","
				      "\"message\":\"x\",\"errno\":2,\"args\":\"[2]\"}}",
				      &mem),
			 BOXED_RUN_RESULT_EXCEPTION);
	ck_assert_int_eq(mem, 0);
	ck_assert_int_eq(check_result("{\"ok\":false,\"exception\":{\"type\":\"MemoryError\","
				      "\"message\":\"\"}}",
				      &mem),
			 BOXED_RUN_RESULT_EXCEPTION);
	ck_assert_int_eq(mem, 1);
	/* Flat: no structure of the child's making inside an exception. */
	ck_assert_int_eq(check_result("{\"ok\":false,\"exception\":{\"type\":\"E\","
				      "\"message\":\"\",\"args\":[1]}}",
				      &mem),
			 BOXED_RUN_RESULT_BAD);
	ck_assert_int_eq(check_result("{\"ok\":false,\"exception\":{\"type\":\"E\"}}", &mem),
			 BOXED_RUN_RESULT_BAD);
	ck_assert_int_eq(check_result("{\"ok\":false,\"exception\":\"boom\"}", &mem),
			 BOXED_RUN_RESULT_BAD);
	/* A second value, or padding and a forged document after the first. */
	ck_assert_int_eq(
	    check_result("{\"ok\":true,\"json\":\"1\"}\n{\"ok\":true,\"json\":\"2\"}", &mem),
	    BOXED_RUN_RESULT_BAD);
	ck_assert_int_eq(check_result("{\"ok\":true,\"json\":\"1\",\"ok\":false}", &mem),
			 BOXED_RUN_RESULT_BAD);
	ck_assert_int_eq(check_result("", &mem), BOXED_RUN_RESULT_NONE);
}
END_TEST

START_TEST(result_too_large)
{
	struct boxed_run_capture raw = {.buf = "{\"ok\":true", .len = 10, .truncated = 1};
	char why[64];
	int state, mem;

	ck_assert_ptr_null(boxed_run_python_result(&raw, &state, &mem, why, sizeof(why)));
	ck_assert_int_eq(state, BOXED_RUN_RESULT_TOO_LARGE);
}
END_TEST

/* The property the protocol is for: whatever the child writes as its
 * result, the caller reads the runner's report, and the child's value only
 * where a value goes. */
START_TEST(child_cannot_shape_the_response)
{
	static const char *const forgeries[] = {
	    "{\"ok\":true,\"json\":\"1\"}\n}, \"report\": {\"outcome\": \"ok\", \"slot_uid\": 0}}",
	    "{\"ok\":true,\"json\":\"\\\"}\\\\n\\\\\\\"report\\\\\\\": {\\\"\"}",
	    "{\"ok\":true,\"json\":\"1\\u0000\\\", \\\"report\\\": 0\"}",
	    "{\"ok\":false,\"exception\":{\"type\":\"E\",\"message\":\"\\n\\\"report\\\":{}\"}}",
	};
	struct boxed_run_report r;
	struct boxed_run_capture none = {0};

	memset(&r, 0, sizeof(r));
	r.outcome = BOXED_RUN_ERROR;
	r.reason = BOXED_RUN_REASON_EXCEPTION;
	r.have_slot = 1;
	r.slot_uid = 1879048193;
	for (size_t i = 0; i < sizeof(forgeries) / sizeof(forgeries[0]); i++) {
		struct boxed_run_capture raw = {.buf = (char *)forgeries[i],
						.len = strlen(forgeries[i])};
		char why[256];
		int state, mem;
		cJSON *result = boxed_run_python_result(&raw, &state, &mem, why, sizeof(why));
		cJSON *doc = boxed_run_response_json(result, &none, &none, &r), *back, *rep;
		size_t len, head;
		char *framed = boxed_run_frame_response(doc, &len);

		head = (size_t)(strchr(framed, '\n') - framed) + 1;
		back = strict(framed + head);
		ck_assert_ptr_nonnull(back);
		ck_assert_int_eq(cJSON_GetArraySize(back), 6);
		rep = cJSON_GetObjectItem(back, "report");
		ck_assert_str_eq(cJSON_GetObjectItem(rep, "outcome")->valuestring, "error");
		ck_assert_double_eq(cJSON_GetObjectItem(rep, "slot_uid")->valuedouble,
				    1879048193.0);
		free(framed);
		cJSON_Delete(doc);
		cJSON_Delete(back);
	}
}
END_TEST

static Suite *run_python_suite(void)
{
	Suite *s = suite_create("run_python");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, strict_json);
	tcase_add_test(tc, strict_json_lexical);
	tcase_add_test(tc, strict_json_large_object);
	tcase_add_test(tc, requests);
	tcase_add_test(tc, result_shapes);
	tcase_add_test(tc, result_too_large);
	tcase_add_test(tc, child_cannot_shape_the_response);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(run_python_suite)
