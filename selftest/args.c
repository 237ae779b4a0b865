/* The command line of boxed-selftest: its options, parsed into a mode and
 * a selection of probes, kept apart from main() so that the unit tests can
 * call it. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "die.h"
#include "selftest.h"
#include "version.h"

const char boxed_selftest_usage[] =
    "Usage: boxed-selftest [--json] [--verbose] [--only NAME]... [--control]\n"
    "       boxed-selftest --list | --help | --version\n"
    "\n"
    "Prove that this host's boxed installation isolates: each probe runs inside\n"
    "a real sandbox through the installed boxed-run and checks the kernel's answer.\n"
    "\n"
    "  --json         a JSON report instead of TAP\n"
    "  --verbose      YAML diagnostics for passing probes too\n"
    "  --only NAME    run only this probe (repeatable)\n"
    "  --control      run the isolation probes without the sandbox: each must\n"
    "                 detect the missing isolation\n"
    "  --list         list the probes\n"
    "  -h, --help     display this help\n"
    "  -V, --version  display the version\n"
    "\n"
    "Exit status: 0 all passed, 1 a probe failed, 2 could not run.\n";

enum { OPT_JSON = 256, OPT_ONLY, OPT_CONTROL, OPT_LIST, OPT_PROBE };

static const struct option options[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"verbose", no_argument, NULL, 'v'},
    {"only", required_argument, NULL, OPT_ONLY},
    {"control", no_argument, NULL, OPT_CONTROL},
    {"list", no_argument, NULL, OPT_LIST},
    {"probe", required_argument, NULL, OPT_PROBE},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static int set_mode(struct boxed_selftest_args *a, enum boxed_selftest_mode m, char *err,
		    size_t errlen)
{
	if (a->mode != BOXED_SELFTEST_RUN && a->mode != m)
		return boxed_errf(err, errlen, "--control, --list and --probe exclude each other");
	a->mode = m;
	return 0;
}

static enum boxed_selftest_mode mode_of(int option)
{
	return option == OPT_CONTROL ? BOXED_SELFTEST_CONTROL
	       : option == OPT_LIST  ? BOXED_SELFTEST_LIST
				     : BOXED_SELFTEST_PROBE;
}

enum boxed_selftest_parse_result boxed_selftest_parse_args(int argc, char **argv,
							   struct boxed_selftest_args *a, char *err,
							   size_t errlen)
{
	int c;

	memset(a, 0, sizeof(*a));
	a->mode = BOXED_SELFTEST_RUN;
	optind = 0; /* reset getopt, so tests can parse several times */
	opterr = 0;
	/* "+": stop at the first non-option, so a probe's arguments stay its own. */
	/* ":": a missing argument is told apart from an unknown option. */
	while ((c = getopt_long(argc, argv, "+:vhV", options, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			a->json = 1;
			break;
		case 'v':
			a->verbose = 1;
			break;
		case OPT_ONLY:
			if (a->only_count == BOXED_SELFTEST_MAX_ONLY) {
				boxed_errf(err, errlen, "--only: at most %d names",
					   BOXED_SELFTEST_MAX_ONLY);
				return BOXED_SELFTEST_PARSE_ERROR;
			}
			a->only[a->only_count++] = optarg;
			break;
		case OPT_CONTROL:
		case OPT_LIST:
		case OPT_PROBE:
			if (set_mode(a, mode_of(c), err, errlen))
				return BOXED_SELFTEST_PARSE_ERROR;
			if (c == OPT_PROBE)
				a->probe = optarg;
			break;
		case 'h':
			a->mode = BOXED_SELFTEST_HELP;
			return BOXED_SELFTEST_PARSE_OK;
		case 'V':
			a->mode = BOXED_SELFTEST_VERSION;
			return BOXED_SELFTEST_PARSE_OK;
		default:
			boxed_cli_getopt_error(c, argv, options, err, errlen);
			return BOXED_SELFTEST_PARSE_ERROR;
		}
	}
	if (a->mode == BOXED_SELFTEST_PROBE) {
		a->probe_argc = argc - optind;
		a->probe_argv = argv + optind;
		return BOXED_SELFTEST_PARSE_OK;
	}
	if (optind < argc) {
		boxed_errf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return BOXED_SELFTEST_PARSE_ERROR;
	}
	return BOXED_SELFTEST_PARSE_OK;
}

int boxed_selftest_selected(const struct boxed_selftest_args *a, const char *name)
{
	if (a->only_count == 0)
		return 1;
	for (size_t i = 0; i < a->only_count; i++)
		if (strcmp(a->only[i], name) == 0)
			return 1;
	return 0;
}

int boxed_selftest_parse_or_print(int argc, char **argv, struct boxed_selftest_args *a)
{
	char err[256];

	if (boxed_selftest_parse_args(argc, argv, a, err, sizeof(err)) != BOXED_SELFTEST_PARSE_OK) {
		boxed_cli_usage_error(stderr, "boxed-selftest", NULL, err);
		return BOXED_SELFTEST_EXIT_CANNOT;
	}
	if (a->mode == BOXED_SELFTEST_HELP)
		fputs(boxed_selftest_usage, stdout);
	else if (a->mode == BOXED_SELFTEST_VERSION)
		printf("boxed-selftest %s\n", boxed_version());
	else
		return -1;
	return fflush(stdout) == 0 ? BOXED_SELFTEST_EXIT_OK : BOXED_SELFTEST_EXIT_CANNOT;
}
