#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "runner.h"
#include "version.h"

static const char usage_text[] =
    "usage: boxed-run [LIMITS] [--json | --report-fd N] -- PROGRAM [ARGS...]\n"
    "       boxed-run --python [LIMITS]\n"
    "\n"
    "Run PROGRAM, or one Python function (request on stdin, response on\n"
    "stdout), as a fresh unprivileged slot uid. LIMITS only lower the\n"
    "configured maxima:\n"
    "  --timeout SECONDS   wall clock (sub-second, e.g. 0.5)\n"
    "  --cpu SECONDS       CPU time\n"
    "  --memory BYTES      address space (suffix K, M, G)\n"
    "  --nproc N           processes of the slot uid\n"
    "  --nofile N          open files\n"
    "  --fsize BYTES       largest file written\n"
    "  --output BYTES      captured stdout and stderr, each\n"
    "  --disk BYTES        the run's directory, /tmp and /dev/shm together\n"
    "  --no-network        no sockets but AF_UNIX\n"
    "  --wait[=SECONDS]    wait for a free slot (default 30 s)\n"
    "  --json              print one JSON object (output and report)\n"
    "  --report-fd N       write the JSON report to fd N\n"
    "  -h, --help          this help\n"
    "  -V, --version       the version\n"
    "Exit status: the program's, or 122 memory, 123 output-limit, 124 timeout,\n"
    "125 usage or sandbox error, 126 not executable, 127 not found,\n"
    "128+N killed by signal N. See boxed-run(1).\n";

enum {
	OPT_TIMEOUT = 256,
	OPT_CPU,
	OPT_MEMORY,
	OPT_NPROC,
	OPT_NOFILE,
	OPT_FSIZE,
	OPT_OUTPUT,
	OPT_DISK,
	OPT_NO_NETWORK,
	OPT_WAIT,
	OPT_JSON,
	OPT_REPORT_FD,
	OPT_PYTHON,
};

static const struct option long_options[] = {
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"cpu", required_argument, NULL, OPT_CPU},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"nproc", required_argument, NULL, OPT_NPROC},
    {"nofile", required_argument, NULL, OPT_NOFILE},
    {"fsize", required_argument, NULL, OPT_FSIZE},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"disk", required_argument, NULL, OPT_DISK},
    {"no-network", no_argument, NULL, OPT_NO_NETWORK},
    {"wait", optional_argument, NULL, OPT_WAIT},
    {"json", no_argument, NULL, OPT_JSON},
    {"report-fd", required_argument, NULL, OPT_REPORT_FD},
    {"python", no_argument, NULL, OPT_PYTHON},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

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

static int parse_seconds(const char *s, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v <= 0 || v > max)
		return -1;
	*out = v;
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

/* The integer limits: each an option, its bit in boxed_run_args.set, its
 * field of struct boxed_limits, and the least a caller may ask for (the
 * config's own minimum, so no caller can ask for what root's config would
 * reject). */
static const struct int_limit {
	int opt;
	const char *name;
	unsigned bit;
	size_t offset;
	uint64_t min;
} int_limits[] = {
    {OPT_CPU, "cpu", BOXED_RUN_SET_CPU, offsetof(struct boxed_limits, cpu), 1},
    {OPT_MEMORY, "memory", BOXED_RUN_SET_MEMORY, offsetof(struct boxed_limits, memory), 16u << 20},
    {OPT_NPROC, "nproc", BOXED_RUN_SET_NPROC, offsetof(struct boxed_limits, nproc), 1},
    {OPT_NOFILE, "nofile", BOXED_RUN_SET_NOFILE, offsetof(struct boxed_limits, nofile), 8},
    {OPT_FSIZE, "fsize", BOXED_RUN_SET_FSIZE, offsetof(struct boxed_limits, fsize), 0},
    {OPT_OUTPUT, "output", BOXED_RUN_SET_OUTPUT, offsetof(struct boxed_limits, output), 0},
    {OPT_DISK, "disk", BOXED_RUN_SET_DISK, offsetof(struct boxed_limits, disk), 1u << 20},
};
#define N_INT_LIMITS (sizeof(int_limits) / sizeof(int_limits[0]))

static uint64_t *limit_field(struct boxed_limits *l, const struct int_limit *il)
{
	return (uint64_t *)((char *)l + il->offset);
}

static const uint64_t *limit_value(const struct boxed_limits *l, const struct int_limit *il)
{
	return (const uint64_t *)((const char *)l + il->offset);
}

static int parse_limit(int opt, const char *arg, struct boxed_run_args *a, char *err, size_t errlen)
{
	if (opt == OPT_TIMEOUT) {
		if (parse_seconds(arg, 86400, &a->req.timeout) != 0)
			return boxed_errf(
			    err, errlen, "--timeout: '%s' is not a number of seconds in (0, 86400]",
			    arg);
		a->set |= BOXED_RUN_SET_TIMEOUT;
		return 0;
	}
	for (size_t i = 0; i < N_INT_LIMITS; i++) {
		const struct int_limit *il = &int_limits[i];
		uint64_t *v = limit_field(&a->req, il);

		if (il->opt != opt)
			continue;
		a->set |= il->bit;
		if (boxed_run_parse_size(arg, v) != 0)
			return boxed_errf(err, errlen, "--%s: '%s' is not a number", il->name, arg);
		if (*v < il->min)
			return boxed_errf(err, errlen, "--%s: must be at least %llu", il->name,
					  (unsigned long long)il->min);
		return 0;
	}
	return boxed_errf(err, errlen, "unknown option");
}

static int parse_option(int opt, const char *arg, struct boxed_run_args *a, char *err,
			size_t errlen)
{
	switch (opt) {
	case OPT_NO_NETWORK:
		a->no_network = 1;
		return 0;
	case OPT_WAIT:
		a->wait = 1;
		if (arg && parse_seconds(arg, BOXED_RUN_WAIT_MAX, &a->wait_secs) != 0)
			return boxed_errf(err, errlen,
					  "--wait: '%s' is not a number of seconds in (0, %g]", arg,
					  BOXED_RUN_WAIT_MAX);
		return 0;
	case OPT_JSON:
		a->json = 1;
		return 0;
	case OPT_REPORT_FD:
		return parse_report_fd(arg, &a->report_fd, err, errlen);
	case OPT_PYTHON:
		a->python = 1;
		return 0;
	}
	return parse_limit(opt, arg, a, err, errlen);
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
	int opt;

	memset(a, 0, sizeof(*a));
	a->report_fd = -1;
	a->wait_secs = BOXED_RUN_WAIT_DEFAULT;
	err[0] = '\0';
	optind = 0;
	opterr = 0;
	/* "+": stop at the first non-option, so PROGRAM's own options are
	 * never taken for ours. */
	while ((opt = getopt_long(argc, argv, "+hV", long_options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			return BOXED_RUN_PARSE_HELP;
		case 'V':
			return BOXED_RUN_PARSE_VERSION;
		case '?':
			if (optopt)
				boxed_errf(err, errlen, "unknown option -%c", optopt);
			else
				boxed_errf(err, errlen, "unknown option or missing argument: %s",
					   argv[optind - 1]);
			return BOXED_RUN_PARSE_ERROR;
		default:
			if (parse_option(opt, optarg, a, err, errlen) != 0)
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
		fputs(usage_text, stdout);
		exit(fflush(stdout) == 0 ? 0 : BOXED_RUN_EXIT_SANDBOX);
	case BOXED_RUN_PARSE_VERSION:
		printf("boxed-run %s\n", boxed_version());
		exit(fflush(stdout) == 0 ? 0 : BOXED_RUN_EXIT_SANDBOX);
	case BOXED_RUN_PARSE_ERROR:
		break;
	}
	fprintf(stderr, "boxed-run: %s\nTry 'boxed-run --help'.\n", err);
	exit(BOXED_RUN_EXIT_SANDBOX);
}

void boxed_run_clamp(const struct boxed_run_args *a, const struct boxed_config *cfg,
		     struct boxed_limits *out)
{
	const struct boxed_limits *d = &cfg->dflt, *m = &cfg->max;
	double t = (a->set & BOXED_RUN_SET_TIMEOUT) ? a->req.timeout : d->timeout;

	out->timeout = t < m->timeout ? t : m->timeout;
	for (size_t i = 0; i < N_INT_LIMITS; i++) {
		const struct int_limit *il = &int_limits[i];
		uint64_t v = *limit_value((a->set & il->bit) ? &a->req : d, il);
		uint64_t max = *limit_value(m, il);

		*limit_field(out, il) = v < max ? v : max;
	}
}
