/* The command-line language of the three programs (cli.h). */
#include <grp.h>
#include <pwd.h>
#include <string.h>

#include "cli.h"
#include "die.h"

/* The long options whose name starts with the n bytes of name: how many,
 * and the exact match or the only one in *found. */
static int long_matches(const struct option *longopts, const char *name, size_t n,
			const struct option **found)
{
	int count = 0;

	*found = NULL;
	for (const struct option *o = longopts; o && o->name; o++) {
		if (strncmp(o->name, name, n) != 0)
			continue;
		if (o->name[n] == '\0') {
			*found = o;
			return 1;
		}
		*found = o;
		count++;
	}
	if (count != 1)
		*found = NULL;
	return count;
}

int boxed_cli_getopt_error(int ret, char **argv, const struct option *longopts, char *err,
			   size_t errlen)
{
	/* glibc has moved optind past a long option when it reports it, but
	 * not past a cluster of short ones ("-xv"): for those, optopt alone
	 * names the option. */
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	const struct option *o = NULL;
	size_t n = 0;
	int count = 0;

	if (arg && strncmp(arg, "--", 2) == 0 && arg[2] != '\0') {
		n = strcspn(arg + 2, "=");
		count = long_matches(longopts, arg + 2, n, &o);
	}
	if (ret == ':') {
		if (o && o->val == optopt)
			return boxed_errf(err, errlen, "option '--%s' requires an argument",
					  o->name);
		return boxed_errf(err, errlen, "option requires an argument -- '%c'", optopt);
	}
	if (optopt == 0) {
		if (count > 1)
			return boxed_errf(err, errlen, "option '%.*s' is ambiguous", (int)n + 2,
					  arg);
		return boxed_errf(err, errlen, "unrecognized option '%s'", arg ? arg : "");
	}
	if (o && o->val == optopt && o->has_arg == no_argument && arg[n + 2] == '=')
		return boxed_errf(err, errlen, "option '--%s' doesn't allow an argument", o->name);
	return boxed_errf(err, errlen, "invalid option -- '%c'", optopt);
}

void boxed_cli_usage_error(FILE *f, const char *prog, const char *help_cmd, const char *msg)
{
	fprintf(f, "%s: %s\n", prog, msg);
	if (help_cmd)
		fprintf(f, "Try '%s' for more information.\n", help_cmd);
	else
		fprintf(f, "Try '%s --help' for more information.\n", prog);
}

void boxed_cli_user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw && pw->pw_name)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "uid %u", (unsigned)uid);
}

void boxed_cli_group_name(gid_t gid, char *buf, size_t len)
{
	struct group *gr = getgrgid(gid);

	if (gr && gr->gr_name)
		snprintf(buf, len, "%s", gr->gr_name);
	else
		snprintf(buf, len, "gid %u", (unsigned)gid);
}

int boxed_cli_not_member(char *buf, size_t len, const char *user, const char *group)
{
	return boxed_errf(buf, len,
			  "you are not in group %s: ask an administrator to run `usermod -a -G %s "
			  "%s`, then log in again",
			  group, group, user);
}
