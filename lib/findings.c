/* The list of findings an audit gathers (findings.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "findings.h"

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		boxed_die("out of memory");
	return d;
}

void boxed_findings_add(struct boxed_findings *f, enum boxed_severity sev, const char *check,
			const char *subject, const char *fmt, ...)
{
	struct boxed_finding *it;
	va_list ap;
	char *msg;

	if (f->count == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct boxed_finding *grown = reallocarray(f->items, cap, sizeof(*grown));

		if (!grown)
			boxed_die("out of memory");
		f->items = grown;
		f->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		boxed_die("out of memory");
	va_end(ap);
	it = &f->items[f->count++];
	it->severity = sev;
	it->check = xstrdup(check);
	it->subject = xstrdup(subject);
	it->message = msg;
}

enum boxed_severity boxed_findings_worst(const struct boxed_findings *f)
{
	enum boxed_severity worst = BOXED_SEV_OK;

	for (size_t i = 0; i < f->count; i++)
		if (f->items[i].severity > worst)
			worst = f->items[i].severity;
	return worst;
}

size_t boxed_findings_count(const struct boxed_findings *f, enum boxed_severity sev,
			    const char *check)
{
	size_t n = 0;

	for (size_t i = 0; i < f->count; i++)
		if (f->items[i].severity == sev &&
		    (!check || strcmp(f->items[i].check, check) == 0))
			n++;
	return n;
}

const char *boxed_severity_name(enum boxed_severity sev)
{
	static const char *const names[] = {"ok",      "info",	"unchecked",
					    "warning", "error", "critical"};

	return sev <= BOXED_SEV_CRITICAL ? names[sev] : "unknown";
}

cJSON *boxed_findings_to_json(const struct boxed_findings *f)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; arr && i < f->count; i++) {
		cJSON *o = cJSON_CreateObject();

		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			return NULL;
		}
		cJSON_AddStringToObject(o, "severity", boxed_severity_name(f->items[i].severity));
		cJSON_AddStringToObject(o, "check", f->items[i].check);
		cJSON_AddStringToObject(o, "subject", f->items[i].subject);
		cJSON_AddStringToObject(o, "message", f->items[i].message);
	}
	return arr;
}

void boxed_findings_print(const struct boxed_findings *f, FILE *out, int show_ok)
{
	for (size_t i = 0; i < f->count; i++) {
		const struct boxed_finding *it = &f->items[i];
		char sev[16];
		size_t j;

		if (it->severity == BOXED_SEV_OK && !show_ok)
			continue;
		snprintf(sev, sizeof(sev), "%s", boxed_severity_name(it->severity));
		for (j = 0; sev[j]; j++)
			sev[j] = (char)(sev[j] >= 'a' && sev[j] <= 'z' ? sev[j] - 32 : sev[j]);
		fprintf(out, "%-9s %-14s %s: %s\n", sev, it->check, it->subject, it->message);
	}
}

void boxed_findings_free(struct boxed_findings *f)
{
	for (size_t i = 0; i < f->count; i++) {
		free(f->items[i].check);
		free(f->items[i].subject);
		free(f->items[i].message);
	}
	free(f->items);
	memset(f, 0, sizeof(*f));
}
