/* boxed-setup's command line: the subcommands, the options each accepts
 * and their usage texts. boxed_setup_parse() neither prints nor exits, so
 * the tests call it; boxed_setup_parse_args() is main's. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "die.h"
#include "setup.h"
#include "version.h"

static const char main_usage[] =
    "Usage: boxed-setup COMMAND [OPTION...]\n"
    "Install, audit and remove boxed's privileged runner and pinned interpreter.\n"
    "\n"
    "Commands:\n"
    "  install         copy and verify the interpreter, set up the runner,\n"
    "                  the group, the config and the slot directories\n"
    "  audit, verify   re-check everything install guarantees\n"
    "  status          what is installed, and the slots in use\n"
    "  uninstall       remove what install created\n"
    "  migrate-legacy  strip capabilities from interpreters (python_boxed)\n"
    "  audit-elf       run the ELF audit on files\n"
    "\n"
    "  -h, --help      display this help; COMMAND --help for a command's options\n"
    "  -V, --version   display the version\n"
    "\n"
    "Exit status: 0 success, 1 failure or audit problem, 2 usage error.\n"
    "See boxed-setup(8).\n";

static const struct command {
	const char *name;
	enum boxed_setup_cmd cmd;
	const char *opts; /* which of p r g j u this command accepts */
	const char *usage;
} commands[] = {
    {"install", BOXED_SETUP_INSTALL, "prgj",
     "Usage: boxed-setup install [--python PATH] [--root DIR] [--group NAME] [--json]\n"
     "  --python PATH  source interpreter (default /usr/bin/python3, resolved)\n"
     "  --root DIR     stage everything under DIR (packagers, tests)\n"
     "  --group NAME   the group whose members may run boxed-run\n"
     "  --json         report what was done as JSON on stdout\n"},
    {"audit", BOXED_SETUP_AUDIT, "rj",
     "Usage: boxed-setup audit [--root DIR] [--json]\n"
     "  Re-check the installation; exit 0 only when nothing is above warning.\n"},
    {"verify", BOXED_SETUP_AUDIT, "rj",
     "Usage: boxed-setup verify [--root DIR] [--json]\n"
     "  The same as audit.\n"},
    {"status", BOXED_SETUP_STATUS, "rj",
     "Usage: boxed-setup status [--root DIR] [--json]\n"
     "  What is installed, its versions, the last install, the slots in use.\n"},
    {"uninstall", BOXED_SETUP_UNINSTALL, "ru",
     "Usage: boxed-setup uninstall [--purge] [--root DIR]\n"
     "  Remove what install created, capabilities first. An edited config,\n"
     "  and the group, stay unless --purge.\n"},
    {"migrate-legacy", BOXED_SETUP_MIGRATE_LEGACY, "rj",
     "Usage: boxed-setup migrate-legacy [--root DIR] [--json]\n"
     "  Strip the capabilities of every interpreter that carries any.\n"},
};

static const struct option long_opts[] = {
    {"python", required_argument, NULL, 'p'}, {"root", required_argument, NULL, 'r'},
    {"group", required_argument, NULL, 'g'},  {"json", no_argument, NULL, 'j'},
    {"purge", no_argument, NULL, 'u'},	      {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
};

static const char *opt_name(int opt)
{
	for (const struct option *o = long_opts; o->name; o++)
		if (o->val == opt)
			return o->name;
	return "?";
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* A command's error, prefixed with its name; the hint then names the
 * command's own --help. */
__attribute__((format(printf, 5, 6))) static enum boxed_setup_parse_result
command_error(const struct command *c, struct boxed_setup_args *a, char *err, size_t errlen,
	      const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	boxed_errf(err, errlen, "%s: %s", c->name, msg);
	a->command = c->name;
	return BOXED_SETUP_PARSE_ERROR;
}

static enum boxed_setup_parse_result parse_command(const struct command *c, int argc, char **argv,
						   struct boxed_setup_args *a, char *err,
						   size_t errlen)
{
	char msg[256];
	int opt;

	/* optind = 0 re-initialises getopt, so the parser can run again (the
	 * unit tests call it repeatedly). "+" stops at the first operand,
	 * ":" tells a missing argument apart. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:hV", long_opts, NULL)) != -1) {
		if (opt == 'h') {
			a->usage = c->usage;
			return BOXED_SETUP_PARSE_HELP;
		}
		if (opt == 'V')
			return BOXED_SETUP_PARSE_VERSION;
		if (opt == '?' || opt == ':') {
			boxed_cli_getopt_error(opt, argv, long_opts, msg, sizeof(msg));
			return command_error(c, a, err, errlen, "%s", msg);
		}
		if (!strchr(c->opts, opt))
			return command_error(c, a, err, errlen,
					     "option '--%s' does not apply to this command",
					     opt_name(opt));
		switch (opt) {
		case 'p':
			a->python = optarg;
			break;
		case 'r':
			a->root = optarg;
			break;
		case 'g':
			a->group = optarg;
			break;
		case 'j':
			a->json = 1;
			break;
		case 'u':
			a->purge = 1;
			break;
		}
	}
	if (optind < argc)
		return command_error(c, a, err, errlen, "unexpected argument '%s'", argv[optind]);
	if (a->python && a->python[0] == '\0')
		return command_error(c, a, err, errlen, "--python needs a path");
	if (a->root && a->root[0] != '/')
		return command_error(c, a, err, errlen, "--root needs an absolute path, not '%s'",
				     a->root);
	if (a->group && (a->group[0] == '\0' || strlen(a->group) > BOXED_GROUP_NAME_MAX))
		return command_error(c, a, err, errlen,
				     "--group needs a name of 1 to %d characters",
				     BOXED_GROUP_NAME_MAX);
	return BOXED_SETUP_PARSE_OK;
}

enum boxed_setup_parse_result boxed_setup_parse(int argc, char **argv, struct boxed_setup_args *a,
						char *err, size_t errlen)
{
	const struct command *c;

	memset(a, 0, sizeof(*a));
	err[0] = '\0';
	if (argc < 2) {
		boxed_errf(err, errlen, "no command given");
		return BOXED_SETUP_PARSE_ERROR;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		a->usage = main_usage;
		return BOXED_SETUP_PARSE_HELP;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)
		return BOXED_SETUP_PARSE_VERSION;
	if (strcmp(argv[1], "audit-elf") == 0) {
		/* Its options are its own (installer/audit_elf.c). */
		a->cmd = BOXED_SETUP_AUDIT_ELF;
		a->sub_argc = argc - 1;
		a->sub_argv = argv + 1;
		return BOXED_SETUP_PARSE_OK;
	}
	if (argv[1][0] == '-') {
		boxed_errf(err, errlen, "'%s': give a command first", argv[1]);
		return BOXED_SETUP_PARSE_ERROR;
	}
	c = find_command(argv[1]);
	if (!c) {
		boxed_errf(err, errlen, "unknown command '%s'", argv[1]);
		return BOXED_SETUP_PARSE_ERROR;
	}
	a->cmd = c->cmd;
	return parse_command(c, argc - 1, argv + 1, a, err, errlen);
}

void boxed_setup_parse_args(int argc, char **argv, struct boxed_setup_args *a)
{
	char err[512], help[64];

	switch (boxed_setup_parse(argc, argv, a, err, sizeof(err))) {
	case BOXED_SETUP_PARSE_OK:
		return;
	case BOXED_SETUP_PARSE_HELP:
		fputs(a->usage, stdout);
		exit(fflush(stdout) == 0 ? BOXED_SETUP_EXIT_OK : BOXED_SETUP_EXIT_FAIL);
	case BOXED_SETUP_PARSE_VERSION:
		printf("boxed-setup %s\n", boxed_version());
		exit(fflush(stdout) == 0 ? BOXED_SETUP_EXIT_OK : BOXED_SETUP_EXIT_FAIL);
	case BOXED_SETUP_PARSE_ERROR:
		break;
	}
	if (a->command)
		snprintf(help, sizeof(help), "boxed-setup %s --help", a->command);
	boxed_cli_usage_error(stderr, "boxed-setup", a->command ? help : NULL, err);
	exit(BOXED_SETUP_EXIT_USAGE);
}
