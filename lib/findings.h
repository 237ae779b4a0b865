/* Findings: what an audit observed, one line each, with a severity.
 * Shared by boxed-setup audit, the ELF audit and boxed-selftest. */
#ifndef BOXED_FINDINGS_H
#define BOXED_FINDINGS_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

enum boxed_severity {
	BOXED_SEV_OK,	     /* a check that passed, recorded for the report */
	BOXED_SEV_INFO,	     /* a fact worth knowing */
	BOXED_SEV_UNCHECKED, /* could not be checked with this process's rights */
	BOXED_SEV_WARNING,   /* weakens isolation; does not fail an audit */
	BOXED_SEV_ERROR,     /* the installation does not hold its guarantees */
	BOXED_SEV_CRITICAL,  /* a privilege escalation is possible */
};

struct boxed_finding {
	enum boxed_severity severity;
	char *check;   /* short stable name, e.g. "relro" */
	char *subject; /* the file or object concerned */
	char *message; /* what is wrong and, where there is one, the fix */
};

struct boxed_findings {
	struct boxed_finding *items;
	size_t count, cap;
};

/* Append a finding; dies on allocation failure. */
__attribute__((format(printf, 5, 6))) void
boxed_findings_add(struct boxed_findings *f, enum boxed_severity sev, const char *check,
		   const char *subject, const char *fmt, ...);

/* The highest severity present, BOXED_SEV_OK when empty. */
enum boxed_severity boxed_findings_worst(const struct boxed_findings *f);

/* Number of findings with exactly this severity and check name (NULL: any). */
size_t boxed_findings_count(const struct boxed_findings *f, enum boxed_severity sev,
			    const char *check);

/* "ok", "info", "unchecked", "warning", "error" or "critical". */
const char *boxed_severity_name(enum boxed_severity sev);

/* A JSON array of {severity, check, subject, message}; NULL on ENOMEM. */
cJSON *boxed_findings_to_json(const struct boxed_findings *f);

/* One line per finding: "SEVERITY  check  subject: message". With
 * show_ok == 0, passing checks are left out. */
void boxed_findings_print(const struct boxed_findings *f, FILE *out, int show_ok);

void boxed_findings_free(struct boxed_findings *f);

#endif
