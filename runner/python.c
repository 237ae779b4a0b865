/* The Python-function protocol as the runner sees it (docs/protocol.md):
 * the caller's request, checked before it reaches the child, and the
 * child's result, checked whole and rebuilt before it reaches the caller.
 * Nothing here touches the kernel, so all of it is unit-tested.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "runner.h"

double boxed_run_python_timeout(double limit, double requested)
{
	if (isfinite(requested) && requested > 0 && requested < limit)
		return requested;
	return limit;
}

/* Give up on a request: the code in *reason, the message in err. */
#define REFUSE(code, ...)                                                                          \
	do {                                                                                       \
		cJSON_Delete(req);                                                                 \
		free(text);                                                                        \
		*reason = (code);                                                                  \
		boxed_errf(err, errlen, __VA_ARGS__);                                              \
		return NULL;                                                                       \
	} while (0)

char *boxed_run_python_request(int fd, size_t max, size_t *len, double *timeout, char *target,
			       size_t target_len, enum boxed_run_reason *reason, char *err,
			       size_t errlen)
{
	char *text = NULL, why[256];
	ssize_t n = boxed_read_all(fd, max, &text);
	const cJSON *t, *tmo;
	cJSON *req = NULL;

	*timeout = 0;
	target[0] = '\0';
	if (n < 0 && errno == EFBIG)
		REFUSE(BOXED_RUN_REASON_REQUEST_TOO_LARGE,
		       "the request is larger than max_message (%zu bytes)", max);
	if (n < 0)
		REFUSE(BOXED_RUN_REASON_REQUEST_INVALID, "reading the request: %s",
		       strerror(errno));
	/* The runner interprets only "target" and "timeout"; the bootstrap
	 * reads the rest. Both must read the same document, hence the strict
	 * parse: one value, no trailing bytes, no key twice. */
	req = boxed_json_parse_strict(text, (size_t)n, why, sizeof(why));
	if (!req)
		REFUSE(BOXED_RUN_REASON_REQUEST_INVALID, "the request is refused: %s", why);
	if (!cJSON_IsObject(req))
		REFUSE(BOXED_RUN_REASON_REQUEST_INVALID, "the request is not a JSON object");
	t = cJSON_GetObjectItemCaseSensitive(req, "target");
	if (!cJSON_IsString(t) || !t->valuestring[0])
		REFUSE(BOXED_RUN_REASON_REQUEST_INVALID, "the request has no \"target\" string");
	snprintf(target, target_len, "%s", t->valuestring);
	tmo = cJSON_GetObjectItemCaseSensitive(req, "timeout");
	if (cJSON_IsNumber(tmo) && isfinite(tmo->valuedouble) && tmo->valuedouble > 0)
		*timeout = tmo->valuedouble;
	else if (tmo && !cJSON_IsNull(tmo))
		REFUSE(BOXED_RUN_REASON_REQUEST_INVALID,
		       "the request's \"timeout\" is not a positive number");
	cJSON_Delete(req);
	*len = (size_t)n;
	return text;
}

#undef REFUSE

/* Does object have members other than those named (a NULL-terminated
 * list)? */
static int has_other_members(const cJSON *object, const char *const *names)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, object)
	{
		const char *const *n = names;

		while (*n && strcmp(*n, m->string) != 0)
			n++;
		if (!*n)
			return 1;
	}
	return 0;
}

/* An exception is flat: scalars only, so the caller never has to walk a
 * structure of the child's making, and "type" and "message" are strings. */
static int exception_ok(const cJSON *exc, int *memory)
{
	const cJSON *m, *type;

	if (!cJSON_IsObject(exc))
		return 0;
	cJSON_ArrayForEach(m, exc)
	{
		if (cJSON_IsObject(m) || cJSON_IsArray(m) || cJSON_IsRaw(m))
			return 0;
		if (cJSON_IsNumber(m) && !isfinite(m->valuedouble))
			return 0;
	}
	type = cJSON_GetObjectItemCaseSensitive(exc, "type");
	if (!cJSON_IsString(type) ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(exc, "message")))
		return 0;
	*memory = strcmp(type->valuestring, "MemoryError") == 0;
	return 1;
}

/* A return value in JSON travels as a string holding its JSON text: the
 * runner's parser holds numbers as doubles, so a value it re-printed would
 * lose 2.0's fraction and the digits of integers beyond 2^53. The text is
 * still checked to be exactly one JSON value. */
static int json_value_ok(const cJSON *value)
{
	char why[128];
	cJSON *inner;

	if (!cJSON_IsString(value))
		return 0;
	inner = boxed_json_parse_strict(value->valuestring, strlen(value->valuestring), why,
					sizeof(why));
	cJSON_Delete(inner);
	return inner != NULL;
}

int boxed_run_result_check(const cJSON *result, int *memory)
{
	static const char *const ok_members[] = {"ok", "json", "payload", NULL};
	static const char *const error_members[] = {"ok", "exception", NULL};
	const cJSON *ok, *json, *payload;

	*memory = 0;
	if (!cJSON_IsObject(result))
		return BOXED_RUN_RESULT_BAD;
	ok = cJSON_GetObjectItemCaseSensitive(result, "ok");
	if (cJSON_IsTrue(ok)) {
		json = cJSON_GetObjectItemCaseSensitive(result, "json");
		payload = cJSON_GetObjectItemCaseSensitive(result, "payload");
		if (has_other_members(result, ok_members) || !json == !payload)
			return BOXED_RUN_RESULT_BAD;
		if (json ? json_value_ok(json) : cJSON_IsString(payload))
			return BOXED_RUN_RESULT_OK;
		return BOXED_RUN_RESULT_BAD;
	}
	if (!cJSON_IsFalse(ok) || has_other_members(result, error_members) ||
	    !exception_ok(cJSON_GetObjectItemCaseSensitive(result, "exception"), memory))
		return BOXED_RUN_RESULT_BAD;
	return BOXED_RUN_RESULT_EXCEPTION;
}

cJSON *boxed_run_python_result(const struct boxed_run_capture *raw, int *state, int *memory,
			       char *why, size_t whylen)
{
	char *text, err[256];
	cJSON *result;

	*memory = 0;
	why[0] = '\0';
	if (raw->truncated) {
		*state = BOXED_RUN_RESULT_TOO_LARGE;
		return NULL;
	}
	if (!raw->buf || raw->len == 0) {
		*state = BOXED_RUN_RESULT_NONE;
		return NULL;
	}
	/* Invalid UTF-8 can only sit inside strings of a document that
	 * parses, so replacing it keeps the document what it was. */
	text = boxed_run_utf8_sanitize(raw->buf, raw->len);
	if (!text) {
		*state = BOXED_RUN_RESULT_BAD;
		boxed_errf(why, whylen, "out of memory checking the result");
		return NULL;
	}
	result = boxed_json_parse_strict(text, strlen(text), err, sizeof(err));
	free(text);
	*state = result ? boxed_run_result_check(result, memory) : BOXED_RUN_RESULT_BAD;
	if (*state == BOXED_RUN_RESULT_BAD) {
		boxed_errf(why, whylen, "%s", result ? "not one of the result shapes" : err);
		cJSON_Delete(result);
		return NULL;
	}
	/* The tree is the runner's own: whatever the caller receives is
	 * printed from it, never copied from the child's bytes. */
	return result;
}
