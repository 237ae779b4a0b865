/* boxed-run's command line: its options, sizes and durations, and the
 * limits they ask for, clamped to the configuration's maxima (pure). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "die.h"
#include "runner.h"
#include "version.h"

/* A duration beyond any maximum the config allows (it bounds them by a
 * day): what a caller asks for above it is clamped like any other value
 * above the maximum, and this keeps the conversion to whole seconds
 * defined. */
#define DURATION_BEYOND_MAX 1e15

enum limit_kind {
	LIMIT_DURATION, /* double seconds, with timeout(1)'s suffixes */
	LIMIT_SECONDS,	/* whole seconds (RLIMIT_CPU), the same syntax, rounded up */
	LIMIT_BYTES,	/* K, M or G */
	LIMIT_COUNT,	/* a plain number */
};

/* The limits a caller may lower. Each row is an option, its bit in
 * boxed_run_args.set, its field of struct boxed_limits, the least a
 * caller may ask for (the config's own minimum, so that no caller can ask
 * for what root's config would reject) and its line of --help. A new limit
 * is one row here. */
static const struct limit {
	const char *name;
	unsigned bit;
	size_t offset;
	enum limit_kind kind;
	uint64_t min;
	const char *arg, *help;
} limits[] = {
    {"timeout", BOXED_RUN_SET_TIMEOUT, offsetof(struct boxed_limits, timeout), LIMIT_DURATION, 0,
     "DURATION", "wall clock, e.g. 0.5, 30s, 2m (s, m, h, d)"},
    {"cpu", BOXED_RUN_SET_CPU, offsetof(struct boxed_limits, cpu), LIMIT_SECONDS, 1, "DURATION",
     "CPU seconds (default: follows --timeout)"},
    {"memory", BOXED_RUN_SET_MEMORY, offsetof(struct boxed_limits, memory), LIMIT_BYTES, 16u << 20,
     "BYTES", "address space: K, M or G (at least 16M)"},
    {"nproc", BOXED_RUN_SET_NPROC, offsetof(struct boxed_limits, nproc), LIMIT_COUNT, 1, "N",
     "processes of the slot uid (1: no fork)"},
    {"nofile", BOXED_RUN_SET_NOFILE, offsetof(struct boxed_limits, nofile), LIMIT_COUNT, 8, "N",
     "open files (at least 8)"},
    {"fsize", BOXED_RUN_SET_FSIZE, offsetof(struct boxed_limits, fsize), LIMIT_BYTES, 0, "BYTES",
     "largest file written: K, M or G"},
    {"output", BOXED_RUN_SET_OUTPUT, offsetof(struct boxed_limits, output), LIMIT_BYTES, 0, "BYTES",
     "captured stdout and stderr, each: K, M, G"},
    {"disk", BOXED_RUN_SET_DISK, offsetof(struct boxed_limits, disk), LIMIT_BYTES, 1u << 20,
     "BYTES", "the run's directory, /tmp and /dev/shm together"},
};
#define N_LIMITS (sizeof(limits) / sizeof(limits[0]))

/* getopt_long's value of limit i; the other options' values are below. */
#define OPT_LIMIT(i) (512 + (int)(i))

enum {
	OPT_NO_NETWORK = 256,
	OPT_WAIT,
	OPT_JSON,
	OPT_REPORT_FD,
	OPT_PYTHON,
};

static const struct option other_options[] = {
    {"no-network", no_argument, NULL, OPT_NO_NETWORK},
    {"wait", optional_argument, NULL, OPT_WAIT},
    {"json", no_argument, NULL, OPT_JSON},
    {"report-fd", required_argument, NULL, OPT_REPORT_FD},
    {"python", no_argument, NULL, OPT_PYTHON},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
};
#define N_OTHER (sizeof(other_options) / sizeof(other_options[0]))

static const char usage_head[] =
    "Usage: boxed-run [LIMITS] [--json | --report-fd N] [--] PROGRAM [ARGS...]\n"
    "       boxed-run --python [LIMITS]\n"
    "\n"
    "Run PROGRAM, or one Python function (request on stdin, response on\n"
    "stdout), as a fresh unprivileged slot uid.\n"
    "\n"
    "Limits (each only lowers the configured maximum; a value above it is\n"
    "lowered to it, with a warning):\n";

static const char usage_tail[] =
    "\n"
    "Options:\n"
    "  --no-network          no sockets but AF_UNIX\n"
    "  --wait[=DURATION]     wait for a free slot (default 30s)\n"
    "  --json                print one JSON object (output and report)\n"
    "  --report-fd N         write the JSON report to fd N\n"
    "  --python              run one Python function (see boxed-run(1))\n"
    "  -h, --help            display this help\n"
    "  -V, --version         display the version\n"
    "\n"
    "Exit status: the program's, or 122 memory, 123 output-limit, 124 timeout,\n"
    "125 usage or sandbox error, 126 not executable, 127 not found,\n"
    "128+N killed by signal N. See boxed-run(1).\n";

void boxed_run_usage(FILE *f)
{
	fputs(usage_head, f);
	for (size_t i = 0; i < N_LIMITS; i++) {
		int n = fprintf(f, "  --%s %s", limits[i].name, limits[i].arg);

		fprintf(f, "%*s%s\n", n < 24 ? 24 - n : 1, "", limits[i].help);
	}
	fputs(usage_tail, f);
}

int boxed_run_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	default:
		return -1;
	}
	if (shift && end[1] != '\0')
		return -1;
	if (v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

/* timeout(1)'s syntax, which boxed-run follows as it follows its exit
 * codes: a decimal number of seconds, or one with the suffix s, m, h or d.
 * Only digits and one point: no sign, exponent, hex, inf or nan. */
int boxed_run_parse_duration(const char *s, double *out)
{
	static const struct {
		char suffix;
		double seconds;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
	size_t digits = strspn(s ? s : "", "0123456789.");
	double v, mult = 1;
	char *end;

	if (!s || digits == 0 || strchr(s, '.') != strrchr(s, '.') || strcmp(s, ".") == 0)
		return -1;
	if (s[digits] != '\0') {
		size_t k;

		for (k = 0; k < sizeof(units) / sizeof(units[0]); k++)
			if (s[digits] == units[k].suffix)
				break;
		if (k == sizeof(units) / sizeof(units[0]) || s[digits + 1] != '\0')
			return -1;
		mult = units[k].seconds;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end != s + digits || !isfinite(v * mult))
		return -1;
	*out = v * mult;
	return 0;
}

/* A size as the user would write it: the largest exact suffix. */
static void format_bytes(char *buf, size_t len, uint64_t v)
{
	static const char suffix[] = "GMK";

	for (int shift = 30, i = 0; shift > 0; shift -= 10, i++) {
		if (v && v % (UINT64_C(1) << shift) == 0) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(v >> shift), suffix[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)v);
}

static void format_value(char *buf, size_t len, enum limit_kind kind, double d, uint64_t v)
{
	switch (kind) {
	case LIMIT_DURATION:
		snprintf(buf, len, "%gs", d);
		break;
	case LIMIT_SECONDS:
		snprintf(buf, len, "%llus", (unsigned long long)v);
		break;
	case LIMIT_BYTES:
		format_bytes(buf, len, v);
		break;
	case LIMIT_COUNT:
		snprintf(buf, len, "%llu", (unsigned long long)v);
		break;
	}
}

/* Whole seconds, rounded up (RLIMIT_CPU counts whole seconds). */
static uint64_t whole_seconds(double d)
{
	uint64_t s = (uint64_t)d;

	return (double)s < d ? s + 1 : s;
}

static double *duration_field(struct boxed_limits *l, const struct limit *lim)
{
	return (double *)((char *)l + lim->offset);
}

static uint64_t *int_field(struct boxed_limits *l, const struct limit *lim)
{
	return (uint64_t *)((char *)l + lim->offset);
}

static double duration_value(const struct boxed_limits *l, const struct limit *lim)
{
	return *(const double *)((const char *)l + lim->offset);
}

static uint64_t int_value(const struct boxed_limits *l, const struct limit *lim)
{
	return *(const uint64_t *)((const char *)l + lim->offset);
}

static int parse_limit(const struct limit *lim, const char *arg, struct boxed_run_args *a,
		       char *err, size_t errlen)
{
	char min[32];
	double d;

	a->set |= lim->bit;
	switch (lim->kind) {
	case LIMIT_DURATION:
	case LIMIT_SECONDS:
		if (boxed_run_parse_duration(arg, &d) != 0)
			return boxed_errf(err, errlen,
					  "--%s: '%s' is not a duration: give seconds, or a number "
					  "with s, m, h or d (0.5, 30s, 2m)",
					  lim->name, arg);
		if (d <= 0)
			return boxed_errf(err, errlen, "--%s: '%s' must be more than 0", lim->name,
					  arg);
		if (d > DURATION_BEYOND_MAX)
			d = DURATION_BEYOND_MAX;
		if (lim->kind == LIMIT_DURATION)
			*duration_field(&a->req, lim) = d;
		else
			*int_field(&a->req, lim) = whole_seconds(d);
		return 0;
	case LIMIT_BYTES:
		format_bytes(min, sizeof(min), lim->min);
		if (boxed_run_parse_size(arg, int_field(&a->req, lim)) != 0)
			return boxed_errf(err, errlen,
					  "--%s: '%s' is not a size: use a number, with K, M or G "
					  "(at least %s)",
					  lim->name, arg, min);
		break;
	case LIMIT_COUNT:
		snprintf(min, sizeof(min), "%llu", (unsigned long long)lim->min);
		if (arg[strspn(arg, "0123456789")] != '\0' ||
		    boxed_run_parse_size(arg, int_field(&a->req, lim)) != 0)
			return boxed_errf(err, errlen, "--%s: '%s' is not a whole number",
					  lim->name, arg);
		break;
	}
	if (int_value(&a->req, lim) < lim->min)
		return boxed_errf(err, errlen, "--%s: '%s' is less than %s, the least allowed",
				  lim->name, arg, min);
	return 0;
}

static int parse_report_fd(const char *s, int *out, char *err, size_t errlen)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	/* 0-2 are the runner's own stdio; the report goes elsewhere. */
	if (errno != 0 || *end != '\0' || end == s || v < 3 || v > 65535)
		return boxed_errf(err, errlen, "--report-fd: '%s' is not a file descriptor >= 3",
				  s);
	*out = (int)v;
	return 0;
}

/* --wait's value is optional, so it must be attached ("--wait=5"): getopt
 * would take "--wait 5" as --wait and the program 5. A duration there is
 * refused, never run; a program of that name follows "--". */
static int parse_wait(const char *arg, int argc, char **argv, struct boxed_run_args *a, char *err,
		      size_t errlen)
{
	double d;

	a->wait = 1;
	if (!arg) {
		if (optind < argc && boxed_run_parse_duration(argv[optind], &d) == 0)
			return boxed_errf(err, errlen,
					  "--wait takes its value after '=': did you mean "
					  "--wait=%s?",
					  argv[optind]);
		return 0;
	}
	if (boxed_run_parse_duration(arg, &a->wait_secs) != 0 || a->wait_secs <= 0 ||
	    a->wait_secs > BOXED_RUN_WAIT_MAX)
		return boxed_errf(err, errlen,
				  "--wait: '%s' is not a duration in (0, %gs]: give seconds, or a "
				  "number with s, m or h",
				  arg, BOXED_RUN_WAIT_MAX);
	return 0;
}

static int parse_option(int opt, const char *arg, int argc, char **argv, struct boxed_run_args *a,
			char *err, size_t errlen)
{
	switch (opt) {
	case OPT_NO_NETWORK:
		a->no_network = 1;
		return 0;
	case OPT_WAIT:
		return parse_wait(arg, argc, argv, a, err, errlen);
	case OPT_JSON:
		a->json = 1;
		return 0;
	case OPT_REPORT_FD:
		return parse_report_fd(arg, &a->report_fd, err, errlen);
	case OPT_PYTHON:
		a->python = 1;
		return 0;
	}
	if (opt >= OPT_LIMIT(0) && opt < OPT_LIMIT(N_LIMITS))
		return parse_limit(&limits[opt - OPT_LIMIT(0)], arg, a, err, errlen);
	return boxed_errf(err, errlen, "internal error: option %d has no parser", opt);
}

static int check_mode(struct boxed_run_args *a, int argc, char **argv, char *err, size_t errlen)
{
	if (a->python) {
		if (optind < argc)
			return boxed_errf(err, errlen, "--python takes no program");
		if (a->json || a->report_fd >= 0)
			return boxed_errf(
			    err, errlen,
			    "--python always answers in JSON; drop --json/--report-fd");
		return 0;
	}
	if (a->json && a->report_fd >= 0)
		return boxed_errf(err, errlen, "--json and --report-fd exclude each other");
	if (optind >= argc)
		return boxed_errf(err, errlen, "no program given (boxed-run [LIMITS] -- PROGRAM)");
	if (argv[optind][0] == '\0')
		return boxed_errf(err, errlen, "empty program name");
	a->argv = argv + optind;
	a->argc = argc - optind;
	return 0;
}

enum boxed_run_parse_result boxed_run_parse_args(int argc, char **argv, struct boxed_run_args *a,
						 char *err, size_t errlen)
{
	struct option opts[N_LIMITS + N_OTHER + 1];
	int opt;

	for (size_t i = 0; i < N_LIMITS; i++)
		opts[i] = (struct option){limits[i].name, required_argument, NULL, OPT_LIMIT(i)};
	memcpy(opts + N_LIMITS, other_options, sizeof(other_options));
	opts[N_LIMITS + N_OTHER] = (struct option){NULL, 0, NULL, 0};

	memset(a, 0, sizeof(*a));
	a->report_fd = -1;
	a->wait_secs = BOXED_RUN_WAIT_DEFAULT;
	err[0] = '\0';
	optind = 0;
	opterr = 0;
	/* "+": stop at the first non-option, so PROGRAM's own options are
	 * never taken for ours. ":": a missing argument is told apart. */
	while ((opt = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			return BOXED_RUN_PARSE_HELP;
		case 'V':
			return BOXED_RUN_PARSE_VERSION;
		case '?':
		case ':':
			boxed_cli_getopt_error(opt, argv, opts, err, errlen);
			return BOXED_RUN_PARSE_ERROR;
		default:
			if (parse_option(opt, optarg, argc, argv, a, err, errlen) != 0)
				return BOXED_RUN_PARSE_ERROR;
		}
	}
	if (check_mode(a, argc, argv, err, errlen) != 0)
		return BOXED_RUN_PARSE_ERROR;
	return BOXED_RUN_PARSE_OK;
}

void boxed_run_args_or_exit(int argc, char **argv, struct boxed_run_args *a)
{
	char err[256];

	switch (boxed_run_parse_args(argc, argv, a, err, sizeof(err))) {
	case BOXED_RUN_PARSE_OK:
		return;
	case BOXED_RUN_PARSE_HELP:
		boxed_run_usage(stdout);
		exit(fflush(stdout) == 0 ? 0 : BOXED_RUN_EXIT_SANDBOX);
	case BOXED_RUN_PARSE_VERSION:
		printf("boxed-run %s\n", boxed_version());
		exit(fflush(stdout) == 0 ? 0 : BOXED_RUN_EXIT_SANDBOX);
	case BOXED_RUN_PARSE_ERROR:
		break;
	}
	boxed_cli_usage_error(stderr, "boxed-run", NULL, err);
	exit(BOXED_RUN_EXIT_SANDBOX);
}

/* Where --cpu is not given but --timeout is, the CPU limit follows the
 * wall clock (rounded up to whole seconds): a caller who allows a run 20 s
 * means it to compute for 20 s, not for the default CPU limit. */
static int cpu_follows_timeout(const struct boxed_run_args *a)
{
	return (a->set & BOXED_RUN_SET_TIMEOUT) && !(a->set & BOXED_RUN_SET_CPU);
}

void boxed_run_clamp(const struct boxed_run_args *a, const struct boxed_config *cfg,
		     struct boxed_limits *out, unsigned *clamped)
{
	const struct boxed_limits *d = &cfg->dflt, *m = &cfg->max;
	struct boxed_limits want = cfg->dflt;
	unsigned over = 0;

	for (size_t i = 0; i < N_LIMITS; i++) {
		const struct limit *lim = &limits[i];
		const struct boxed_limits *from = (a->set & lim->bit) ? &a->req : d;

		if (lim->kind == LIMIT_DURATION)
			*duration_field(&want, lim) = duration_value(from, lim);
		else
			*int_field(&want, lim) = int_value(from, lim);
	}
	*out = want;
	for (size_t i = 0; i < N_LIMITS; i++) {
		const struct limit *lim = &limits[i];

		if (lim->kind == LIMIT_DURATION &&
		    duration_value(&want, lim) > duration_value(m, lim))
			*duration_field(out, lim) = duration_value(m, lim);
		else if (lim->kind != LIMIT_DURATION && int_value(&want, lim) > int_value(m, lim))
			*int_field(out, lim) = int_value(m, lim);
		else
			continue;
		/* The defaults are within the maxima (the config checks), so
		 * only what the caller asked for can be lowered. */
		over |= lim->bit & a->set;
	}
	if (cpu_follows_timeout(a)) {
		uint64_t cpu = whole_seconds(out->timeout);

		out->cpu = cpu < m->cpu ? cpu : m->cpu;
		if (cpu > m->cpu)
			over |= BOXED_RUN_SET_CPU;
	}
	if (clamped)
		*clamped = over;
}

/* What the caller asked for, for a limit that was lowered: for a CPU limit
 * that follows --timeout, the whole seconds of the applied wall clock. */
static void requested(const struct boxed_run_args *a, const struct boxed_limits *applied,
		      const struct limit *lim, double *d, uint64_t *v)
{
	*d = 0;
	*v = 0;
	if (lim->bit == BOXED_RUN_SET_CPU && cpu_follows_timeout(a))
		*v = whole_seconds(applied->timeout);
	else if (lim->kind == LIMIT_DURATION)
		*d = duration_value(&a->req, lim);
	else
		*v = int_value(&a->req, lim);
}

/* The value a limit was lowered to, formatted. */
static void applied_text(char *buf, size_t len, const struct boxed_limits *applied,
			 const struct limit *lim)
{
	if (lim->kind == LIMIT_DURATION)
		format_value(buf, len, lim->kind, duration_value(applied, lim), 0);
	else
		format_value(buf, len, lim->kind, 0, int_value(applied, lim));
}

int boxed_run_clamp_warning(const struct boxed_run_args *a, const struct boxed_limits *applied,
			    unsigned clamped, char *buf, size_t len)
{
	size_t used = 0;
	int count = 0;

	if (!len)
		return 0;
	buf[0] = '\0';
	for (size_t i = 0; i < N_LIMITS; i++) {
		const struct limit *lim = &limits[i];
		char want[32], max[32];
		double d;
		uint64_t v;
		int n;

		if (!(clamped & lim->bit))
			continue;
		requested(a, applied, lim, &d, &v);
		format_value(want, sizeof(want), lim->kind, d, v);
		applied_text(max, sizeof(max), applied, lim);
		count++;
		if (used >= len - 1)
			continue;
		/* What does not fit is cut; snprintf keeps buf terminated. */
		n = snprintf(buf + used, len - used, "%s--%s %s%s to %s",
			     count > 1 ? ", " : "lowered to the configured maximum: ", lim->name,
			     want,
			     lim->bit == BOXED_RUN_SET_CPU && cpu_follows_timeout(a)
				 ? " (following --timeout)"
				 : "",
			     max);
		used = n < 0 || (size_t)n >= len - used ? len - 1 : used + (size_t)n;
	}
	return count;
}

cJSON *boxed_run_clamped_json(const struct boxed_run_args *a, const struct boxed_limits *applied,
			      unsigned clamped)
{
	cJSON *obj = cJSON_CreateObject();

	for (size_t i = 0; obj && i < N_LIMITS; i++) {
		const struct limit *lim = &limits[i];
		int dur = lim->kind == LIMIT_DURATION;
		cJSON *item;
		double d;
		uint64_t v;

		if (!(clamped & lim->bit))
			continue;
		requested(a, applied, lim, &d, &v);
		item = cJSON_AddObjectToObject(obj, lim->name);
		if (!item || !cJSON_AddNumberToObject(item, "requested", dur ? d : (double)v) ||
		    !cJSON_AddNumberToObject(item, "max",
					     dur ? duration_value(applied, lim)
						 : (double)int_value(applied, lim)) ||
		    (lim->bit == BOXED_RUN_SET_CPU && cpu_follows_timeout(a) &&
		     !cJSON_AddStringToObject(item, "following", "timeout"))) {
			cJSON_Delete(obj);
			return NULL;
		}
	}
	return obj;
}
