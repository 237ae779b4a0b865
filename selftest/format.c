/* What both sides report, kept apart from the system calls so that the
 * unit tests can check it: a probe's result, the TAP and JSON reports, the
 * classification of a run's answer, and the inner side's verdict line. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "selftest.h"

const char *boxed_selftest_status_name(enum boxed_selftest_status s)
{
	switch (s) {
	case BOXED_ST_PASS:
		return "pass";
	case BOXED_ST_FAIL:
		return "fail";
	case BOXED_ST_DUBIOUS:
		return "dubious";
	case BOXED_ST_SKIP:
		return "skip";
	case BOXED_ST_WARN:
		return "warning";
	}
	return "fail";
}

/* Dubious fails too: a boundary the selftest could not prove is not proven. */
int boxed_selftest_status_fails(enum boxed_selftest_status s)
{
	return s == BOXED_ST_FAIL || s == BOXED_ST_DUBIOUS;
}

void boxed_selftest_set(struct boxed_selftest_result *r, enum boxed_selftest_status s,
			const char *fix, const char *fmt, ...)
{
	va_list ap;

	r->status = s;
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
	snprintf(r->fix, sizeof(r->fix), "%s", fix ? fix : "");
}

void boxed_selftest_append(char *buf, size_t len, const char *fmt, ...)
{
	size_t l = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + l, len - l, fmt, ap);
	va_end(ap);
}

/* A YAML double-quoted scalar: the message comes from the kernel or from a
 * sandboxed program, so every control character is escaped. */
static void yaml_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* The TAP description must not hold '#' (a directive) or a newline. */
static void tap_description(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc(*s == '#' || *s == '\n' ? '_' : *s, out);
}

void boxed_selftest_tap_line(FILE *out, size_t n, const struct boxed_selftest_result *r,
			     int verbose)
{
	int fails = boxed_selftest_status_fails(r->status);

	fprintf(out, "%s %zu - ", fails ? "not ok" : "ok", n);
	tap_description(out, r->name);
	if (r->status == BOXED_ST_SKIP) {
		fputs(" # SKIP ", out);
		tap_description(out, r->message);
	}
	fputc('\n', out);
	if (!fails && r->status != BOXED_ST_WARN && !verbose)
		return;
	if (r->status == BOXED_ST_SKIP)
		return;
	fputs("  ---\n  status: ", out);
	fputs(boxed_selftest_status_name(r->status), out);
	fputs("\n  message: ", out);
	yaml_quoted(out, r->message);
	if (r->fix[0]) {
		fputs("\n  fix: ", out);
		yaml_quoted(out, r->fix);
	}
	fprintf(out, "\n  seconds: %.3f\n  ...\n", r->seconds);
}

cJSON *boxed_selftest_report_json(const struct boxed_selftest_result *r, size_t n, const char *mode)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON *counts = cJSON_AddObjectToObject(doc, "counts");
	cJSON *probes = cJSON_AddArrayToObject(doc, "probes");
	size_t per[BOXED_ST_WARN + 1] = {0};

	if (!doc || !probes || !counts || !cJSON_AddStringToObject(doc, "version", BOXED_VERSION) ||
	    !cJSON_AddStringToObject(doc, "mode", mode) ||
	    !cJSON_AddBoolToObject(doc, "ok", boxed_selftest_exit_status(r, n) == 0))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		cJSON *p = cJSON_CreateObject();

		if (!p || !cJSON_AddItemToArray(probes, p) ||
		    !cJSON_AddStringToObject(p, "name", r[i].name) ||
		    !cJSON_AddStringToObject(p, "status",
					     boxed_selftest_status_name(r[i].status)) ||
		    !cJSON_AddStringToObject(p, "message", r[i].message) ||
		    !(r[i].fix[0] ? cJSON_AddStringToObject(p, "fix", r[i].fix)
				  : cJSON_AddNullToObject(p, "fix")) ||
		    !cJSON_AddNumberToObject(p, "seconds", boxed_selftest_round_ms(r[i].seconds)))
			goto fail;
		per[r[i].status]++;
	}
	for (int s = BOXED_ST_PASS; s <= BOXED_ST_WARN; s++)
		if (!cJSON_AddNumberToObject(counts, boxed_selftest_status_name(s), (double)per[s]))
			goto fail;
	return doc;
fail:
	cJSON_Delete(doc);
	return NULL;
}

int boxed_selftest_exit_status(const struct boxed_selftest_result *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (boxed_selftest_status_fails(r[i].status))
			return BOXED_SELFTEST_EXIT_FAIL;
	return BOXED_SELFTEST_EXIT_OK;
}

void boxed_selftest_classify(struct boxed_selftest_result *r, int control,
			     const char *report_outcome, const char *report_message,
			     const cJSON *verdict, const char *fix)
{
	const cJSON *iso = verdict ? cJSON_GetObjectItemCaseSensitive(verdict, "isolated") : NULL;
	const cJSON *det = verdict ? cJSON_GetObjectItemCaseSensitive(verdict, "detail") : NULL;
	const char *detail = cJSON_IsString(det) ? det->valuestring : "";

	if (!control && report_outcome && strcmp(report_outcome, "ok") != 0) {
		boxed_selftest_set(r, BOXED_ST_FAIL, fix,
				   "the sandboxed probe did not run to completion: outcome %s%s%s",
				   report_outcome, report_message ? ": " : "",
				   report_message ? report_message : "");
		return;
	}
	if (!control && !report_outcome) {
		boxed_selftest_set(r, BOXED_ST_FAIL, fix, "the runner gave no report");
		return;
	}
	if (!cJSON_IsBool(iso)) {
		boxed_selftest_set(r, BOXED_ST_DUBIOUS, fix,
				   "the probe gave no verdict line (isolation unknown)");
		return;
	}
	if (control) {
		if (cJSON_IsTrue(iso))
			boxed_selftest_set(r, BOXED_ST_FAIL,
					   "the probe is broken: it passes without the sandbox",
					   "unsandboxed, the probe saw isolation: %s", detail);
		else
			boxed_selftest_set(r, BOXED_ST_PASS, NULL, "detected: %s", detail);
		return;
	}
	if (cJSON_IsTrue(iso))
		boxed_selftest_set(r, BOXED_ST_PASS, NULL, "%s", detail);
	else
		boxed_selftest_set(r, BOXED_ST_FAIL, fix, "%s", detail);
}

double boxed_selftest_round_ms(double seconds)
{
	/* Without libm: times are never negative. */
	return (double)(long long)(seconds * 1000.0 + 0.5) / 1000.0;
}

void boxed_selftest_sysctl_fix(char *buf, size_t len, const char *key, long value)
{
	snprintf(buf, len,
		 "sysctl -w %s=%ld, and keep it across reboots: echo '%s = %ld' > "
		 "/etc/sysctl.d/60-boxed-%s.conf",
		 key, value, key, value, key);
}

cJSON *boxed_selftest_verdict_new(const char *name, int isolated, const char *detail)
{
	cJSON *v = cJSON_CreateObject();

	if (!v || !cJSON_AddStringToObject(v, "probe", name) ||
	    !cJSON_AddBoolToObject(v, "isolated", isolated) ||
	    !cJSON_AddStringToObject(v, "detail", detail)) {
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

void boxed_selftest_emit(cJSON *v)
{
	char *text = v ? cJSON_PrintUnformatted(v) : NULL;

	/* The outer side takes a line without a boolean "isolated" for "no
	 * verdict": never a pass. */
	puts(text ? text : "{\"isolated\":null}");
	fflush(stdout);
	free(text);
	cJSON_Delete(v);
}

void boxed_selftest_verdict(const char *name, int isolated, const char *detail)
{
	boxed_selftest_emit(boxed_selftest_verdict_new(name, isolated, detail));
}
