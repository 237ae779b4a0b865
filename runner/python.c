#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "fsutil.h"
#include "runner.h"

double boxed_run_python_timeout(double limit, double requested)
{
	if (isfinite(requested) && requested > 0 && requested < limit)
		return requested;
	return limit;
}

char *boxed_run_python_request(int fd, size_t max, size_t *len, double *timeout, char *target,
			       size_t target_len, char *err, size_t errlen)
{
	char *text = NULL;
	ssize_t n = boxed_read_all(fd, max, &text);
	const cJSON *t, *tmo;
	cJSON *req;

	*timeout = 0;
	target[0] = '\0';
	if (n < 0) {
		boxed_errf(err, errlen, "reading the request: %s",
			   errno == EFBIG ? "larger than max_message" : strerror(errno));
		return NULL;
	}
	/* The runner does not interpret the request beyond these checks: the
	 * bootstrap does, inside the sandbox. It only has to be one object. */
	req = cJSON_ParseWithLength(text, (size_t)n);
	if (!cJSON_IsObject(req)) {
		cJSON_Delete(req);
		free(text);
		boxed_errf(err, errlen, "the request is not a JSON object");
		return NULL;
	}
	t = cJSON_GetObjectItemCaseSensitive(req, "target");
	if (!cJSON_IsString(t) || !t->valuestring[0]) {
		cJSON_Delete(req);
		free(text);
		boxed_errf(err, errlen, "the request has no \"target\" string");
		return NULL;
	}
	snprintf(target, target_len, "%s", t->valuestring);
	tmo = cJSON_GetObjectItemCaseSensitive(req, "timeout");
	if (cJSON_IsNumber(tmo))
		*timeout = tmo->valuedouble;
	else if (tmo && !cJSON_IsNull(tmo)) {
		cJSON_Delete(req);
		free(text);
		boxed_errf(err, errlen, "the request's \"timeout\" is not a number");
		return NULL;
	}
	cJSON_Delete(req);
	*len = (size_t)n;
	return text;
}

cJSON *boxed_run_python_result(const struct boxed_run_capture *raw, int *state, int *memory)
{
	char *text;
	cJSON *parsed, *result = NULL;

	*memory = 0;
	if (raw->truncated) {
		*state = BOXED_RUN_RESULT_BAD;
		return NULL;
	}
	if (!raw->buf || raw->len == 0) {
		*state = BOXED_RUN_RESULT_NONE;
		return NULL;
	}
	/* Validated here, in the runner, so the caller never receives
	 * something the child forged beyond the shape. Invalid UTF-8 can only
	 * sit inside strings of a document that parses, so replacing it keeps
	 * the document valid. */
	text = boxed_run_utf8_sanitize(raw->buf, raw->len);
	if (!text) {
		*state = BOXED_RUN_RESULT_BAD;
		return NULL;
	}
	parsed = cJSON_Parse(text);
	*state = boxed_run_result_check(parsed, memory);
	cJSON_Delete(parsed);
	/* Relayed as the child wrote it: re-printing through cJSON would turn
	 * 2.0 into 2 and round integers beyond 2^53. */
	if (*state != BOXED_RUN_RESULT_BAD)
		result = cJSON_CreateRaw(text);
	if (!result && *state != BOXED_RUN_RESULT_BAD)
		*state = BOXED_RUN_RESULT_BAD;
	free(text);
	return result;
}
