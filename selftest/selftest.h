/* boxed-selftest: prove on this host that the installed runner isolates.
 *
 * Each probe is one function. Isolation probes run twice as a program:
 * the outer selftest starts `boxed-run -- boxed-selftest --probe NAME`, and
 * the inner side (probe mode) looks at the kernel's answer from inside and
 * prints one JSON verdict line. Control mode runs the same inner side
 * without the sandbox, where each probe must see the missing isolation.
 *
 * This header holds what main.c calls and the pure logic (arguments,
 * results and their reports), which the unit tests exercise; outer.h is
 * the outer side's API, inner.h the inner side's.
 */
#ifndef BOXED_SELFTEST_H
#define BOXED_SELFTEST_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

#define BOXED_SELFTEST_MAX_ONLY 64

enum boxed_selftest_exit {
	BOXED_SELFTEST_EXIT_OK = 0,	/* every probe passed */
	BOXED_SELFTEST_EXIT_FAIL = 1,	/* a probe failed */
	BOXED_SELFTEST_EXIT_CANNOT = 2, /* could not run: not installed, not permitted */
};

enum boxed_selftest_mode {
	BOXED_SELFTEST_RUN,	/* the normal run: probes in the sandbox */
	BOXED_SELFTEST_CONTROL, /* isolation probes without the sandbox */
	BOXED_SELFTEST_LIST,
	BOXED_SELFTEST_PROBE, /* inner side: one probe, from inside */
	BOXED_SELFTEST_HELP,
	BOXED_SELFTEST_VERSION,
};

struct boxed_selftest_args {
	enum boxed_selftest_mode mode;
	int json;
	int verbose;
	const char *only[BOXED_SELFTEST_MAX_ONLY];
	size_t only_count;
	const char *probe; /* probe mode: the probe's name */
	char **probe_argv; /* probe mode: its arguments */
	int probe_argc;
};

enum boxed_selftest_parse_result {
	BOXED_SELFTEST_PARSE_OK,
	BOXED_SELFTEST_PARSE_ERROR,
};

/* Parse argv; on error, fills err and returns BOXED_SELFTEST_PARSE_ERROR. */
__attribute__((warn_unused_result)) enum boxed_selftest_parse_result
boxed_selftest_parse_args(int argc, char **argv, struct boxed_selftest_args *a, char *err,
			  size_t errlen);

/* Parse argv into a. Prints the help or the version (returning 0), or a
 * usage error (returning BOXED_SELFTEST_EXIT_CANNOT); returns -1 when
 * there is a mode to run. */
int boxed_selftest_parse_or_print(int argc, char **argv, struct boxed_selftest_args *a);

/* The usage text. */
extern const char boxed_selftest_usage[];

/* Does the selection (--only) include name? An empty selection includes all. */
int boxed_selftest_selected(const struct boxed_selftest_args *a, const char *name);

/* Results, in the style of isolate-check-environment: pass, fail, dubious
 * (could not tell; fails the run too, since an unproven boundary is not
 * proven), skip (does not apply here) and warn (a host fact: never fails). */
enum boxed_selftest_status {
	BOXED_ST_PASS,
	BOXED_ST_FAIL,
	BOXED_ST_DUBIOUS,
	BOXED_ST_SKIP,
	BOXED_ST_WARN,
};

struct boxed_selftest_result {
	char name[64];
	enum boxed_selftest_status status;
	char message[512]; /* what was observed */
	char fix[512];	   /* how to fix it; empty when there is nothing to do */
	double seconds;
};

/* "pass", "fail", "dubious", "skip" or "warning". */
const char *boxed_selftest_status_name(enum boxed_selftest_status s);

/* Does this status make the run exit 1? */
int boxed_selftest_status_fails(enum boxed_selftest_status s);

/* Set status, message and fix (printf-style message). */
__attribute__((format(printf, 4, 5))) void boxed_selftest_set(struct boxed_selftest_result *r,
							      enum boxed_selftest_status s,
							      const char *fix, const char *fmt,
							      ...);

/* Append to the NUL-terminated text in buf (len bytes in all), truncating. */
__attribute__((format(printf, 3, 4))) void boxed_selftest_append(char *buf, size_t len,
								 const char *fmt, ...);

/* Write one TAP 14 test line (number n) with, on failure or with verbose,
 * a YAML diagnostics block. */
void boxed_selftest_tap_line(FILE *out, size_t n, const struct boxed_selftest_result *r,
			     int verbose);

/* The machine report: {"version","mode","ok","counts","probes":[...]};
 * NULL on ENOMEM. */
cJSON *boxed_selftest_report_json(const struct boxed_selftest_result *r, size_t n,
				  const char *mode);

/* seconds rounded to the millisecond: what the JSON report shows. */
double boxed_selftest_round_ms(double seconds);

/* The complete fix for a sysctl that should be value: set it now, and a
 * file in /etc/sysctl.d that keeps it across reboots. */
void boxed_selftest_sysctl_fix(char *buf, size_t len, const char *key, long value);

/* Exit status for a set of results: 0 or 1. */
int boxed_selftest_exit_status(const struct boxed_selftest_result *r, size_t n);

/* What the runner's report and the inner verdict mean for one isolation
 * probe. report_outcome is the runner's outcome (NULL in control mode),
 * verdict the parsed inner line (NULL if none arrived). In the sandbox,
 * pass needs outcome "ok" and isolated:true; in control mode, pass needs
 * isolated:false (the probe saw the missing isolation). */
void boxed_selftest_classify(struct boxed_selftest_result *r, int control,
			     const char *report_outcome, const char *report_message,
			     const cJSON *verdict, const char *fix);

/* The verdict object {"probe","isolated","detail"}; NULL on ENOMEM. */
cJSON *boxed_selftest_verdict_new(const char *name, int isolated, const char *detail);

/* Print v as one line on stdout (or {"isolated":null} when v is NULL or
 * cannot be printed), flush, and free v. */
void boxed_selftest_emit(cJSON *v);

/* Print a verdict line {"probe","isolated","detail"} on stdout. */
void boxed_selftest_verdict(const char *name, int isolated, const char *detail);

/* Probe mode: run the inner side of one probe and print its verdict line.
 * Returns the process exit status. */
int boxed_selftest_probe_main(const char *name, int argc, char **argv);

/* The outer side: run every selected probe; returns the exit status. */
int boxed_selftest_run(const struct boxed_selftest_args *a);

/* Print the probe names and what each proves, one a line. */
void boxed_selftest_list(FILE *out);

#endif
