#include <string.h>

#include "check_main.h"
#include "../../runner/runner.h"

static const char *get(const struct boxed_run_env *env, const char *name)
{
	size_t n = strlen(name);

	for (char *const *e = env->envp; *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static size_t count(const struct boxed_run_env *env)
{
	size_t n = 0;

	while (env->envp[n])
		n++;
	return n;
}

START_TEST(allow_list_only)
{
	char *caller[] = {"LD_PRELOAD=/tmp/evil.so", "PYTHONPATH=/tmp",
			  "PATH=/tmp:/usr/bin",	     "HOME=/home/alice",
			  "LD_LIBRARY_PATH=/tmp",    "PYTHONSTARTUP=/tmp/x",
			  "BASH_ENV=/tmp/x",	     "IFS=x",
			  "LANG=de_DE.UTF-8",	     NULL};
	struct boxed_run_env env;

	ck_assert_int_eq(boxed_run_env_build(&env, "/var/lib/boxed/slots/3", caller), 0);
	ck_assert_str_eq(get(&env, "PATH"), "/usr/bin:/bin");
	ck_assert_str_eq(get(&env, "HOME"), "/var/lib/boxed/slots/3");
	ck_assert_str_eq(get(&env, "TMPDIR"), "/var/lib/boxed/slots/3");
	ck_assert_str_eq(get(&env, "LANG"), "de_DE.UTF-8");
	ck_assert_ptr_null(get(&env, "LD_PRELOAD"));
	ck_assert_ptr_null(get(&env, "PYTHONPATH"));
	ck_assert_ptr_null(get(&env, "LD_LIBRARY_PATH"));
	ck_assert_ptr_null(get(&env, "LC_ALL"));
	ck_assert_uint_eq(count(&env), 4);
}
END_TEST

START_TEST(locale_values)
{
	char *caller[] = {"LANG=/tmp/../evil", "LC_ALL=C.UTF-8", NULL};
	struct boxed_run_env env;

	ck_assert_int_eq(boxed_run_env_build(&env, "/s", caller), 0);
	ck_assert_str_eq(get(&env, "LANG"), "C.UTF-8");
	ck_assert_str_eq(get(&env, "LC_ALL"), "C.UTF-8");
	ck_assert_int_eq(boxed_run_env_locale_ok("C"), 1);
	ck_assert_int_eq(boxed_run_env_locale_ok("POSIX"), 1);
	ck_assert_int_eq(boxed_run_env_locale_ok("en_US.UTF-8"), 1);
	ck_assert_int_eq(boxed_run_env_locale_ok("en_US"), 1);
	ck_assert_int_eq(boxed_run_env_locale_ok(""), 0);
	ck_assert_int_eq(boxed_run_env_locale_ok(NULL), 0);
	ck_assert_int_eq(boxed_run_env_locale_ok("/usr/lib/locale/x"), 0);
	ck_assert_int_eq(boxed_run_env_locale_ok("de_DE@euro"), 0);
	ck_assert_int_eq(boxed_run_env_locale_ok("en_US."), 0);
	ck_assert_int_eq(boxed_run_env_locale_ok("en_us.UTF-8"), 0);
	ck_assert_int_eq(boxed_run_env_locale_ok("C.UTF-8\nX=1"), 0);
	ck_assert_int_eq(boxed_run_env_locale_ok("abcdefghijklmnopqrstuvwxyz_ABCDEFGH"), 0);
}
END_TEST

START_TEST(no_caller_env)
{
	struct boxed_run_env env;

	ck_assert_int_eq(boxed_run_env_build(&env, "/s", NULL), 0);
	ck_assert_str_eq(get(&env, "LANG"), "C.UTF-8");
	ck_assert_uint_eq(count(&env), 4);
}
END_TEST

START_TEST(long_home_refused)
{
	static char home[5000];
	struct boxed_run_env env;

	memset(home, 'a', sizeof(home) - 1);
	ck_assert_int_eq(boxed_run_env_build(&env, home, NULL), -1);
}
END_TEST

static Suite *run_env_suite(void)
{
	Suite *s = suite_create("run_env");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, allow_list_only);
	tcase_add_test(tc, locale_values);
	tcase_add_test(tc, no_caller_env);
	tcase_add_test(tc, long_home_refused);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(run_env_suite)
