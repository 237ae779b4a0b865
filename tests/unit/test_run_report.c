#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "check_main.h"
#include "../../runner/runner.h"

static struct boxed_run_report sample(void)
{
	struct boxed_run_report r;

	memset(&r, 0, sizeof(r));
	r.outcome = BOXED_RUN_OK;
	r.exit_code = 0;
	r.wall_time = 0.5;
	r.cpu_time = 0.25;
	r.max_rss_kib = 9120;
	r.supervisor_max_rss_kib = 1800;
	r.have_slot = 1;
	r.slot_uid = 1879048193;
	r.limits.timeout = 5;
	r.limits.memory = 536870912;
	r.limits.nproc = 1;
	r.network = 1;
	boxed_run_hardening_plan(7, 0, &r.hardening);
	return r;
}

START_TEST(report_fields)
{
	struct boxed_run_report r = sample();
	cJSON *o = boxed_run_report_json(&r), *h;

	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(cJSON_GetObjectItem(o, "outcome")->valuestring, "ok");
	ck_assert_double_eq(cJSON_GetObjectItem(o, "exit_code")->valuedouble, 0);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(o, "signal")));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(o, "message")));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(o, "reason")));
	ck_assert_double_eq(cJSON_GetObjectItem(o, "slot_uid")->valuedouble, 1879048193.0);
	ck_assert_double_eq(cJSON_GetObjectItem(o, "wall_time")->valuedouble, 0.5);
	ck_assert_double_eq(cJSON_GetObjectItem(o, "max_rss_kib")->valuedouble, 9120);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "limits"), "network")));
	h = cJSON_GetObjectItem(o, "hardening");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(h, "sealed")));
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(h, "namespaces")), 4);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(h, "no_new_privs")));
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(h, "seccomp")));
	ck_assert_double_eq(cJSON_GetObjectItem(h, "landlock_abi")->valuedouble, 7);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(h, "degraded")), 0);
	ck_assert_str_eq(cJSON_GetObjectItem(o, "version")->valuestring, BOXED_VERSION);
	cJSON_Delete(o);
}
END_TEST

START_TEST(report_sandbox_error)
{
	struct boxed_run_report r = sample();
	cJSON *o;

	r.outcome = BOXED_RUN_SANDBOX_ERROR;
	r.reason = BOXED_RUN_REASON_SLOTS_BUSY;
	r.exit_code = -1;
	r.have_slot = 0;
	strcpy(r.message, "bad \xff byte");
	o = boxed_run_report_json(&r);
	ck_assert_str_eq(cJSON_GetObjectItem(o, "outcome")->valuestring, "sandbox-error");
	ck_assert_str_eq(cJSON_GetObjectItem(o, "reason")->valuestring, "slots-busy");
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(o, "exit_code")));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(o, "slot_uid")));
	ck_assert_str_eq(cJSON_GetObjectItem(o, "message")->valuestring, "bad \xEF\xBF\xBD byte");
	cJSON_Delete(o);
}
END_TEST

START_TEST(degradation_listed)
{
	struct boxed_run_hardening h;

	boxed_run_hardening_plan(0, 1, &h);
	ck_assert_int_eq(h.landlock_abi, 0);
	ck_assert_uint_eq(h.ndegraded, 1);
	ck_assert_str_eq(h.degraded[0].layer, "landlock");
	ck_assert_str_eq(h.degraded[0].reason, "kernel");
	ck_assert_ptr_nonnull(strstr(h.degraded[0].message, "Landlock unavailable"));
	boxed_run_hardening_plan(3, 1, &h);
	ck_assert_uint_eq(h.ndegraded, 3); /* net, ioctl, scoping */
	boxed_run_hardening_plan(3, 0, &h);
	ck_assert_uint_eq(h.ndegraded, 2);
	boxed_run_hardening_plan(6, 1, &h);
	ck_assert_uint_eq(h.ndegraded, 0);
	boxed_run_hardening_plan(9, 0, &h);
	ck_assert_uint_eq(h.ndegraded, 1);
	ck_assert_ptr_nonnull(strstr(h.degraded[0].message, "newer"));
}
END_TEST

/* Unsealed, every missing layer is named, with the reason code. */
START_TEST(unsealed_layers_named)
{
	struct boxed_run_hardening h;
	struct boxed_run_report r;
	cJSON *o, *deg;

	boxed_run_hardening_plan(7, 1, &h);
	ck_assert(h.sealed);
	ck_assert_uint_eq(h.ndegraded, 0);
	boxed_run_hardening_unsealed(&h, EPERM, 1);
	ck_assert(!h.sealed);
	ck_assert_uint_eq(h.namespaces, 0);
	ck_assert_uint_eq(h.ndegraded, 5);
	for (unsigned i = 0; i < h.ndegraded; i++)
		ck_assert_str_eq(h.degraded[i].reason, "unsealed");
	ck_assert_str_eq(h.degraded[0].layer, "user-namespace");
	ck_assert_ptr_nonnull(strstr(h.degraded[0].message, strerror(EPERM)));
	ck_assert_str_eq(h.degraded[4].layer, "network-namespace");
	memset(&r, 0, sizeof(r));
	r.hardening = h;
	o = boxed_run_report_json(&r);
	deg = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "hardening"), "degraded");
	ck_assert_int_eq(cJSON_GetArraySize(deg), 5);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(deg, 2), "layer")->valuestring,
			 "ipc-namespace");
	ck_assert(
	    cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "hardening"), "sealed")));
	cJSON_Delete(o);
	boxed_run_hardening_plan(7, 0, &h);
	boxed_run_hardening_unsealed(&h, 0, 0);
	ck_assert_uint_eq(h.ndegraded, 4);
	ck_assert_ptr_nonnull(strstr(h.degraded[0].message, "config"));
}
END_TEST

START_TEST(response_shape)
{
	struct boxed_run_report r = sample();
	struct boxed_run_capture out = {.buf = "hi\x80\n", .len = 4, .truncated = 1};
	struct boxed_run_capture err = {.buf = "a\0b", .len = 3};
	cJSON *result = cJSON_Parse("{\"ok\":true,\"value\":2.0}");
	cJSON *o = boxed_run_response_json(result, &out, &err, &r);

	ck_assert_ptr_nonnull(o);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "result"), "ok")));
	ck_assert_str_eq(cJSON_GetObjectItem(o, "stdout")->valuestring, "hi\xEF\xBF\xBD\n");
	ck_assert_str_eq(cJSON_GetObjectItem(o, "stderr")->valuestring, "a\xEF\xBF\xBD"
									"b");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(o, "stdout_truncated")));
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(o, "stderr_truncated")));
	ck_assert_ptr_nonnull(cJSON_GetObjectItem(o, "report"));
	cJSON_Delete(o);
	o = boxed_run_response_json(NULL, &out, &err, &r);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(o, "result")));
	cJSON_Delete(o);
}
END_TEST

/* The frame gives the exact length of the body, whatever the body holds. */
START_TEST(response_frame)
{
	cJSON *doc = cJSON_CreateObject();
	size_t len = 0, head;
	char *framed, *end;

	cJSON_AddStringToObject(doc, "stdout", "line\n}\nboxed-response 2\n{}");
	framed = boxed_run_frame_response(doc, &len);
	ck_assert_ptr_nonnull(framed);
	ck_assert(strncmp(framed, "boxed-response ", 15) == 0);
	head = (size_t)(strchr(framed, '\n') - framed) + 1;
	ck_assert_uint_eq(strtoul(framed + 15, &end, 10), len - head);
	ck_assert_ptr_eq(end, framed + head - 1);
	/* The body is one line: the child's newlines are escaped in it. */
	ck_assert_ptr_null(memchr(framed + head, '\n', len - head));
	free(framed);
	cJSON_Delete(doc);
}
END_TEST

START_TEST(utf8)
{
	char *s;

	s = boxed_run_utf8_sanitize("\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80", 10);
	ck_assert_str_eq(s, "\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80");
	free(s);
	s = boxed_run_utf8_sanitize("\xC0\xAF", 2); /* overlong '/' */
	ck_assert_str_eq(s, "\xEF\xBF\xBD\xEF\xBF\xBD");
	free(s);
	s = boxed_run_utf8_sanitize("\xED\xA0\x80", 3); /* surrogate */
	ck_assert_str_eq(s, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	free(s);
	s = boxed_run_utf8_sanitize("\xE2\x82", 2); /* truncated */
	ck_assert_str_eq(s, "\xEF\xBF\xBD\xEF\xBF\xBD");
	free(s);
	s = boxed_run_utf8_sanitize("", 0);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

static enum boxed_run_reason last_reason;

static enum boxed_run_outcome classify(struct boxed_run_facts *f, int *code, int *sig)
{
	char msg[256];

	return boxed_run_classify(f, code, sig, &last_reason, msg, sizeof(msg));
}

#define REASON(name) ck_assert_str_eq(boxed_run_reason_name(last_reason), name)

START_TEST(classification)
{
	struct boxed_run_facts f = {.reaped = 1, .memory_limit = 64u << 20, .cpu_limit = 5};
	int code, sig;

	f.status = 0;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_OK);
	ck_assert_int_eq(code, 0);
	ck_assert_ptr_null(boxed_run_reason_name(last_reason));
	f.status = 3 << 8;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_ERROR);
	ck_assert_int_eq(code, 3);
	REASON("exit-status");
	f.status = SIGSEGV; /* little RSS: a plain crash */
	f.max_rss_kib = 1000;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_SIGNAL);
	ck_assert_int_eq(sig, SIGSEGV);
	ck_assert_int_eq(code, -1);
	REASON("signal");
	f.status = SIGXFSZ;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_SIGNAL);
	REASON("fsize-limit");
	f.status = SIGSEGV;
	f.max_rss_kib = 40000; /* above half of 64 MiB */
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_MEMORY);
	REASON("memory-limit");
	f.status = 1 << 8;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_MEMORY);
	f.status = SIGKILL; /* with most of the limit resident: the OOM killer */
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_MEMORY);
	f.max_rss_kib = 10; /* a plain kill -9 */
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_SIGNAL);
	f.status = SIGXCPU;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_TIMEOUT);
	REASON("cpu-limit");
	f.status = SIGKILL;
	f.cpu_time = 6.0;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_TIMEOUT);
	REASON("cpu-limit");
	f.timed_out = 1;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_TIMEOUT);
	REASON("wall-limit");
	f.output_exceeded = 1;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_OUTPUT_LIMIT);
	REASON("output-limit");
	f.exec_errno = ENOENT;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_ERROR);
	REASON("exec-failed");
	/* The run as a whole over its memory: after the clock, before the
	 * target's own status. */
	f.exec_errno = 0;
	f.output_exceeded = 0;
	f.memory_exceeded = 1;
	f.run_memory = 200u << 20;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_TIMEOUT);
	REASON("wall-limit");
	f.timed_out = 0;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_MEMORY);
	REASON("memory-limit");
	f.memory_exceeded = 0;
	f.reaped = 0;
	f.init_lost = 1;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_SANDBOX_ERROR);
	REASON("init-lost");
	f.setup_failed = 1;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_SANDBOX_ERROR);
	REASON("setup-failed");
	f.setup_reason = BOXED_RUN_REASON_REQUEST_TOO_LARGE;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_SANDBOX_ERROR);
	REASON("request-too-large");
}
END_TEST

/* A limit that ends a run names the option that raises it; a failure
 * after a refused fork names --nproc. */
START_TEST(limit_messages_name_the_option)
{
	struct boxed_run_facts f = {.reaped = 1,
				    .memory_limit = 64u << 20,
				    .cpu_limit = 5,
				    .wall_limit = 2.5,
				    .nproc_limit = 1};
	char msg[256];
	int code, sig;

#define MESSAGE(text)                                                                              \
	do {                                                                                       \
		boxed_run_classify(&f, &code, &sig, &last_reason, msg, sizeof(msg));               \
		ck_assert_msg(strstr(msg, text), "\"%s\" not in \"%s\"", text, msg);               \
	} while (0)

	f.status = SIGXCPU;
	MESSAGE("CPU time limit of 5 s reached (raise it with --cpu)");
	f.status = SIGXFSZ;
	MESSAGE("raise it with --fsize");
	f.status = 2 << 8;
	MESSAGE("exited with status 2");
	ck_assert_ptr_null(strstr(msg, "--nproc"));
	f.fork_refused = 1;
	MESSAGE("exited with status 2, and its stderr says a fork or a new thread was refused: "
		"the run is limited to one process, without threads (raise it with --nproc)");
	f.nproc_limit = 4;
	MESSAGE("limited to 4 processes and threads in all (raise it with --nproc)");
	f.memory_exceeded = 1;
	f.run_memory = 100u << 20;
	MESSAGE("over its memory limit of 67108864 bytes (raise it with --memory)");
	f.output_exceeded = 1;
	MESSAGE("raise it with --output");
	f.output_exceeded = 0;
	f.timed_out = 1;
	MESSAGE("wall-clock limit of 2.5 s reached (raise it with --timeout)");
#undef MESSAGE
}
END_TEST

START_TEST(classification_python)
{
	struct boxed_run_facts f = {.reaped = 1, .python = 1, .memory_limit = 64u << 20};
	int code, sig;

	f.result_state = BOXED_RUN_RESULT_OK;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_OK);
	f.result_state = BOXED_RUN_RESULT_NONE;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_ERROR);
	REASON("no-result");
	f.result_state = BOXED_RUN_RESULT_BAD;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_ERROR);
	REASON("result-invalid");
	f.result_state = BOXED_RUN_RESULT_TOO_LARGE;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_ERROR);
	REASON("result-too-large");
	f.result_state = BOXED_RUN_RESULT_EXCEPTION;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_ERROR);
	REASON("exception");
	f.result_memory = 1;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_MEMORY);
	REASON("memory-limit");
	f.result_memory = 0;
	f.status = 1 << 8; /* exit 1 with big RSS but a result: still the result's word */
	f.max_rss_kib = 60000;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_ERROR);
	f.exec_errno = 0;
	f.interrupted = SIGTERM;
	ck_assert_int_eq(classify(&f, &code, &sig), BOXED_RUN_SANDBOX_ERROR);
	REASON("interrupted");
}
END_TEST

/* Answered at the result: the interpreter's end, a kill by the runner, says
 * nothing about the run, even once it is reaped. */
START_TEST(classification_answered)
{
	struct boxed_run_facts f = {.answered = 1, .python = 1, .memory_limit = 64u << 20};
	char msg[256];
	int code, sig;

	f.result_state = BOXED_RUN_RESULT_OK;
	ck_assert_int_eq(boxed_run_classify(&f, &code, &sig, &last_reason, msg, sizeof(msg)),
			 BOXED_RUN_OK);
	ck_assert_int_eq(code, -1);
	ck_assert_int_eq(sig, 0);
	f.reaped = 1;
	f.status = SIGKILL;
	f.max_rss_kib = 60000;
	ck_assert_int_eq(boxed_run_classify(&f, &code, &sig, &last_reason, msg, sizeof(msg)),
			 BOXED_RUN_OK);
	ck_assert_int_eq(sig, 0);
	f.result_state = BOXED_RUN_RESULT_BAD;
	ck_assert_int_eq(boxed_run_classify(&f, &code, &sig, &last_reason, msg, sizeof(msg)),
			 BOXED_RUN_ERROR);
	ck_assert_str_eq(msg, "the function ended without a well-formed result");
	f.caller_gone = 1;
	ck_assert_int_eq(boxed_run_classify(&f, &code, &sig, &last_reason, msg, sizeof(msg)),
			 BOXED_RUN_SANDBOX_ERROR);
	REASON("caller-gone");
}
END_TEST

/* Every reason has a code of its own, in the protocol's spelling. */
START_TEST(reason_names)
{
	for (int a = 1; a < BOXED_RUN_REASON_COUNT; a++) {
		const char *name = boxed_run_reason_name((enum boxed_run_reason)a);

		ck_assert_ptr_nonnull(name);
		ck_assert(strspn(name, "abcdefghijklmnopqrstuvwxyz-") == strlen(name));
		for (int b = 1; b < a; b++)
			ck_assert_str_ne(name, boxed_run_reason_name((enum boxed_run_reason)b));
	}
	ck_assert_ptr_null(boxed_run_reason_name(BOXED_RUN_REASON_NONE));
}
END_TEST

START_TEST(exit_statuses)
{
	ck_assert_int_eq(boxed_run_exit_status(BOXED_RUN_OK, 0, 0, 0), 0);
	ck_assert_int_eq(boxed_run_exit_status(BOXED_RUN_ERROR, 7, 0, 0), 7);
	ck_assert_int_eq(boxed_run_exit_status(BOXED_RUN_ERROR, -1, 0, ENOENT), 127);
	ck_assert_int_eq(boxed_run_exit_status(BOXED_RUN_ERROR, -1, 0, EACCES), 126);
	ck_assert_int_eq(boxed_run_exit_status(BOXED_RUN_TIMEOUT, -1, 9, 0), 124);
	ck_assert_int_eq(boxed_run_exit_status(BOXED_RUN_SANDBOX_ERROR, -1, 0, 0), 125);
	ck_assert_int_eq(boxed_run_exit_status(BOXED_RUN_SIGNAL, -1, SIGSEGV, 0), 128 + SIGSEGV);
	ck_assert_int_eq(boxed_run_exit_status(BOXED_RUN_MEMORY, -1, 9, 0), 122);
	ck_assert_int_eq(boxed_run_exit_status(BOXED_RUN_OUTPUT_LIMIT, -1, 9, 0), 123);
}
END_TEST

START_TEST(log_line)
{
	struct boxed_run_report r = sample();
	char line[512];

	boxed_run_log_line(line, sizeof(line), 1000, &r, "/bin/evil\nfake line");
	ck_assert_str_eq(line, "caller=1000 slot_uid=1879048193 target=/bin/evil?fake line "
			       "outcome=ok reason=- duration=0.500");
	r.outcome = BOXED_RUN_TIMEOUT;
	r.reason = BOXED_RUN_REASON_WALL_LIMIT;
	boxed_run_log_line(line, sizeof(line), 1000, &r, "t");
	ck_assert_ptr_nonnull(strstr(line, "outcome=timeout reason=wall-limit "));
	ck_assert_ptr_null(strchr(line, '\n'));
}
END_TEST

static Suite *run_report_suite(void)
{
	Suite *s = suite_create("run_report");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, report_fields);
	tcase_add_test(tc, report_sandbox_error);
	tcase_add_test(tc, degradation_listed);
	tcase_add_test(tc, unsealed_layers_named);
	tcase_add_test(tc, response_shape);
	tcase_add_test(tc, response_frame);
	tcase_add_test(tc, utf8);
	tcase_add_test(tc, reason_names);
	tcase_add_test(tc, classification);
	tcase_add_test(tc, limit_messages_name_the_option);
	tcase_add_test(tc, classification_python);
	tcase_add_test(tc, classification_answered);
	tcase_add_test(tc, exit_statuses);
	tcase_add_test(tc, log_line);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(run_report_suite)
