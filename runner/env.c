/* The target's environment: an allow-list of the caller's variables, and
 * the run's own HOME, TMPDIR and PATH (pure). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "runner.h"

/* A locale name of the form lang[_TERRITORY][.codeset]: glibc treats a
 * value with a '/' as a path to load locale data from, and a modifier or
 * an over-long value buys nothing, so only this shape passes. */
int boxed_run_env_locale_ok(const char *v)
{
	size_t i = 0, n;

	if (!v)
		return 0;
	n = strlen(v);
	if (n == 0 || n > 32)
		return 0;
	while (i < n && ((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z')))
		i++;
	if (i == 0 || i > 8)
		return 0;
	if (v[i] == '_') {
		size_t t = ++i;

		while (i < n && v[i] >= 'A' && v[i] <= 'Z')
			i++;
		if (i - t < 2 || i - t > 3)
			return 0;
	}
	if (v[i] == '.') {
		size_t c = ++i;

		while (i < n && ((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
				 (v[i] >= '0' && v[i] <= '9') || v[i] == '-'))
			i++;
		if (i == c)
			return 0;
	}
	return i == n;
}

static const char *caller_value(char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (; env && *env; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

struct env_builder {
	struct boxed_run_env *env;
	size_t count, used;
};

static int add(struct env_builder *b, const char *name, const char *value)
{
	size_t room = sizeof(b->env->storage) - b->used;
	char *p = b->env->storage + b->used;
	int n = snprintf(p, room, "%s=%s", name, value);

	if (n < 0 || (size_t)n >= room || b->count >= BOXED_RUN_ENV_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	b->env->envp[b->count++] = p;
	b->env->envp[b->count] = NULL;
	b->used += (size_t)n + 1;
	return 0;
}

int boxed_run_env_build(struct boxed_run_env *env, const char *home, char *const *caller_env)
{
	struct env_builder b = {.env = env};
	const char *lang = caller_value(caller_env, "LANG");
	const char *lc_all = caller_value(caller_env, "LC_ALL");

	env->envp[0] = NULL;
	if (strlen(home) >= 4096) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* A fixed PATH of root-owned directories: the caller's PATH could
	 * name directories that the slot uid can write. */
	if (add(&b, "PATH", BOXED_RUN_PATH) != 0 || add(&b, "HOME", home) != 0 ||
	    add(&b, "TMPDIR", home) != 0 ||
	    add(&b, "LANG", boxed_run_env_locale_ok(lang) ? lang : "C.UTF-8") != 0)
		return -1;
	if (boxed_run_env_locale_ok(lc_all) && add(&b, "LC_ALL", lc_all) != 0)
		return -1;
	return 0;
}
