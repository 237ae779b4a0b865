/* boxed-setup audit-elf: the ELF audit (lib/elfaudit.h) on any files,
 * as text or JSON, for check-elf and for administrators. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "audit_elf.h"
#include "cli.h"
#include "die.h"
#include "elfaudit.h"
#include "findings.h"
#include "fsutil.h"
#include "setup.h"

static const char usage[] =
    "Usage: boxed-setup audit-elf [--json] [--verbose] FILE...\n"
    "Run the ELF audit (class, machine, PIE, RELRO, BIND_NOW, NX stack,\n"
    "W+X segments, TEXTREL, RPATH/RUNPATH, DT_NEEDED) on each FILE.\n"
    "\n"
    "  --json      one JSON object: {\"files\":[{\"path\",\"findings\"}],\"worst\"}\n"
    "  --verbose   list the checks that passed too\n"
    "\n"
    "Exit status: 0 no finding above warning, 1 otherwise, 2 usage error.\n";

/* O_NOFOLLOW: the audit judges the file named, not what a symlink there
 * points to at the moment of opening. */
static enum boxed_severity audit_path(const char *path, unsigned flags, struct boxed_findings *out)
{
	boxed_autoclose int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		boxed_findings_add(out, BOXED_SEV_ERROR, "elf", path, "open: %s", strerror(errno));
		return BOXED_SEV_ERROR;
	}
	return boxed_elf_audit_fd(fd, path, flags, out);
}

static int add_file_json(cJSON *files, const char *path, const struct boxed_findings *f)
{
	cJSON *obj = cJSON_CreateObject();
	cJSON *list = boxed_findings_to_json(f);

	if (!obj || !list || !cJSON_AddStringToObject(obj, "path", path)) {
		cJSON_Delete(obj);
		cJSON_Delete(list);
		return -1;
	}
	cJSON_AddItemToObject(obj, "findings", list);
	cJSON_AddItemToArray(files, obj);
	return 0;
}

static int run(char **paths, int n, int json, int verbose)
{
	enum boxed_severity worst = BOXED_SEV_OK;
	cJSON *root = json ? cJSON_CreateObject() : NULL;
	cJSON *files = root ? cJSON_AddArrayToObject(root, "files") : NULL;
	unsigned flags = (json || verbose) ? BOXED_ELF_RECORD_OK : 0;

	if (json && !files)
		boxed_die("out of memory");
	for (int i = 0; i < n; i++) {
		struct boxed_findings f = {0};
		enum boxed_severity w = audit_path(paths[i], flags, &f);

		if (w > worst)
			worst = w;
		if (!json) {
			boxed_findings_print(&f, stdout, verbose);
			if (w <= BOXED_SEV_WARNING)
				printf("%-9s %-14s %s: %s\n", "OK", "elf-audit", paths[i],
				       "passes the ELF audit");
		} else if (add_file_json(files, paths[i], &f) != 0) {
			boxed_die("out of memory");
		}
		boxed_findings_free(&f);
	}
	if (json) {
		if (!cJSON_AddStringToObject(root, "worst", boxed_severity_name(worst)))
			boxed_die("out of memory");
		boxed_setup_print_json(root);
	}
	if (fflush(stdout) != 0)
		return BOXED_SETUP_EXIT_FAIL;
	return worst > BOXED_SEV_WARNING ? BOXED_SETUP_EXIT_FAIL : BOXED_SETUP_EXIT_OK;
}

static int usage_error(const char *msg)
{
	boxed_cli_usage_error(stderr, "boxed-setup", "boxed-setup audit-elf --help", msg);
	return BOXED_SETUP_EXIT_USAGE;
}

int boxed_setup_audit_elf(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int json = 0, verbose = 0, c;
	char err[256], msg[300];

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:jvh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return fflush(stdout) == 0 ? BOXED_SETUP_EXIT_OK : BOXED_SETUP_EXIT_FAIL;
		default:
			boxed_cli_getopt_error(c, argv, opts, err, sizeof(err));
			snprintf(msg, sizeof(msg), "audit-elf: %s", err);
			return usage_error(msg);
		}
	}
	if (optind >= argc)
		return usage_error("audit-elf: give at least one FILE");
	return run(argv + optind, argc - optind, json, verbose);
}
