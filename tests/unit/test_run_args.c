#include <stdio.h>
#include <string.h>

#include "capture.h"
#include "check_main.h"
#include "config.h"
#include "../../runner/runner.h"

static char err[256];

static enum boxed_run_parse_result parse(struct boxed_run_args *a, int argc, const char **argv)
{
	return boxed_run_parse_args(argc, (char **)argv, a, err, sizeof(err));
}

START_TEST(program_mode)
{
	const char *argv[] = {"boxed-run", "--timeout", "0.25",	     "--memory", "64M",
			      "--",	   "/bin/echo", "--timeout", NULL};
	struct boxed_run_args a;

	ck_assert_int_eq(parse(&a, 8, argv), BOXED_RUN_PARSE_OK);
	ck_assert_double_eq(a.req.timeout, 0.25);
	ck_assert_uint_eq(a.req.memory, 64u << 20);
	ck_assert_uint_eq(a.set, BOXED_RUN_SET_TIMEOUT | BOXED_RUN_SET_MEMORY);
	ck_assert_int_eq(a.argc, 2);
	ck_assert_str_eq(a.argv[0], "/bin/echo");
	/* The program's own options are never taken for ours. */
	ck_assert_str_eq(a.argv[1], "--timeout");
	ck_assert_int_eq(a.python, 0);
	ck_assert_int_eq(a.report_fd, -1);
}
END_TEST

START_TEST(program_without_dashes)
{
	const char *argv[] = {"boxed-run", "--nproc", "4", "id", "-u", NULL};
	struct boxed_run_args a;

	ck_assert_int_eq(parse(&a, 5, argv), BOXED_RUN_PARSE_OK);
	ck_assert_uint_eq(a.req.nproc, 4);
	ck_assert_str_eq(a.argv[0], "id");
	ck_assert_str_eq(a.argv[1], "-u");
}
END_TEST

START_TEST(python_and_flags)
{
	const char *argv[] = {"boxed-run", "--python", "--no-network", "--wait=2.5", NULL};
	struct boxed_run_args a;

	ck_assert_int_eq(parse(&a, 4, argv), BOXED_RUN_PARSE_OK);
	ck_assert_int_eq(a.python, 1);
	ck_assert_int_eq(a.no_network, 1);
	ck_assert_int_eq(a.wait, 1);
	ck_assert_double_eq(a.wait_secs, 2.5);
	ck_assert_ptr_null(a.argv);
}
END_TEST

START_TEST(wait_default)
{
	const char *argv[] = {"boxed-run", "--wait", "--", "true", NULL};
	struct boxed_run_args a;

	ck_assert_int_eq(parse(&a, 4, argv), BOXED_RUN_PARSE_OK);
	ck_assert_int_eq(a.wait, 1);
	ck_assert_double_eq(a.wait_secs, BOXED_RUN_WAIT_DEFAULT);
}
END_TEST

START_TEST(wait_value_is_attached)
{
	const char *with_suffix[] = {"boxed-run", "--wait=2m", "--", "true", NULL};
	const char *program[] = {"boxed-run", "--wait", "sleep", "1", NULL};
	const char *dashes[] = {"boxed-run", "--wait", "--", "5", NULL};
	struct boxed_run_args a;

	ck_assert_int_eq(parse(&a, 4, with_suffix), BOXED_RUN_PARSE_OK);
	ck_assert_double_eq(a.wait_secs, 120);
	/* A word that is no duration is the program, as before. */
	ck_assert_int_eq(parse(&a, 4, program), BOXED_RUN_PARSE_OK);
	ck_assert_str_eq(a.argv[0], "sleep");
	ck_assert_double_eq(a.wait_secs, BOXED_RUN_WAIT_DEFAULT);
	/* A program named like a number follows "--". */
	ck_assert_int_eq(parse(&a, 4, dashes), BOXED_RUN_PARSE_OK);
	ck_assert_str_eq(a.argv[0], "5");
}
END_TEST

START_TEST(wait_detached_number_is_refused)
{
	const char *argv[] = {"boxed-run", "--wait", "5", "--", "cmd", NULL};
	const char *suffixed[] = {"boxed-run", "--wait", "1.5s", "cmd", NULL};
	struct boxed_run_args a;

	ck_assert_int_eq(parse(&a, 5, argv), BOXED_RUN_PARSE_ERROR);
	ck_assert_str_eq(err, "--wait takes its value after '=': did you mean --wait=5?");
	ck_assert_int_eq(parse(&a, 4, suffixed), BOXED_RUN_PARSE_ERROR);
	ck_assert_str_eq(err, "--wait takes its value after '=': did you mean --wait=1.5s?");
}
END_TEST

START_TEST(durations)
{
	static const struct {
		const char *text;
		double seconds;
	} good[] = {{"10", 10},	  {"0.5", 0.5}, {".25", 0.25}, {"0.5s", 0.5}, {"1m", 60},
		    {"1.5m", 90}, {"2h", 7200}, {"1d", 86400}, {"30s", 30},   {"007", 7}};
	static const char *const bad[] = {"",	  "s",	 "1x",	"1mm",	 "-1", "+1", "1e3",
					  "0x10", "inf", "nan", "1.2.3", " 1", "1 ", "."};
	double d;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(boxed_run_parse_duration(good[i].text, &d) == 0, "'%s' refused",
			      good[i].text);
		ck_assert_double_eq(d, good[i].seconds);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(boxed_run_parse_duration(bad[i], &d) == -1, "'%s' taken", bad[i]);
}
END_TEST

START_TEST(duration_options)
{
	const char *argv[] = {"boxed-run", "--timeout", "1m", "--cpu", "0.2", "--", "x", NULL};
	const char *minutes[] = {"boxed-run", "--cpu", "2m", "--", "x", NULL};
	struct boxed_run_args a;

	ck_assert_int_eq(parse(&a, 7, argv), BOXED_RUN_PARSE_OK);
	ck_assert_double_eq(a.req.timeout, 60);
	/* RLIMIT_CPU counts whole seconds: a fraction is rounded up. */
	ck_assert_uint_eq(a.req.cpu, 1);
	ck_assert_int_eq(parse(&a, 5, minutes), BOXED_RUN_PARSE_OK);
	ck_assert_uint_eq(a.req.cpu, 120);
}
END_TEST

START_TEST(help_and_version)
{
	const char *h[] = {"boxed-run", "--help", NULL}, *v[] = {"boxed-run", "-V", NULL};
	struct boxed_run_args a;

	ck_assert_int_eq(parse(&a, 2, h), BOXED_RUN_PARSE_HELP);
	ck_assert_int_eq(parse(&a, 2, v), BOXED_RUN_PARSE_VERSION);
}
END_TEST

static void expect_exact(int argc, const char **argv, const char *message)
{
	struct boxed_run_args a;

	ck_assert_int_eq(parse(&a, argc, argv), BOXED_RUN_PARSE_ERROR);
	ck_assert_str_eq(err, message);
}

START_TEST(rejects_bad_usage)
{
	const char *a1[] = {"boxed-run", "--timeout", "0", "--", "x", NULL};
	const char *a2[] = {"boxed-run", "--timeout", "nan", "--", "x", NULL};
	const char *a3[] = {"boxed-run", "--memory", "1M", "--", "x", NULL};
	const char *a4[] = {"boxed-run", "--memory", "12Q", "--", "x", NULL};
	const char *a5[] = {"boxed-run", "--nofile", "3", "--", "x", NULL};
	const char *a6[] = {"boxed-run", "--report-fd", "1", "--", "x", NULL};
	const char *a7[] = {"boxed-run", "--json", "--report-fd", "5", "--", "x", NULL};
	const char *a8[] = {"boxed-run", "--python", "--", "x", NULL};
	const char *a9[] = {"boxed-run", "--timeout", "1", NULL};
	const char *a11[] = {"boxed-run", "--cpu", "-1", "--", "x", NULL};
	const char *a12[] = {"boxed-run", "--wait=0", "--", "x", NULL};
	const char *a13[] = {"boxed-run", "--python", "--json", NULL};
	const char *a14[] = {"boxed-run", "--nproc", "99999999999999999999999", "--", "x", NULL};
	const char *a15[] = {"boxed-run", "--nproc", "4k", "--", "x", NULL};

	expect_exact(5, a1, "--timeout: '0' must be more than 0");
	expect_exact(5, a2,
		     "--timeout: 'nan' is not a duration: give seconds, or a number with s, m, h "
		     "or d (0.5, 30s, 2m)");
	expect_exact(5, a3, "--memory: '1M' is less than 16M, the least allowed");
	expect_exact(5, a4,
		     "--memory: '12Q' is not a size: use a number, with K, M or G (at least 16M)");
	expect_exact(5, a5, "--nofile: '3' is less than 8, the least allowed");
	expect_exact(5, a6, "--report-fd: '1' is not a file descriptor >= 3");
	expect_exact(6, a7, "--json and --report-fd exclude each other");
	expect_exact(4, a8, "--python takes no program");
	expect_exact(3, a9, "no program given (boxed-run [LIMITS] -- PROGRAM)");
	expect_exact(5, a11,
		     "--cpu: '-1' is not a duration: give seconds, or a number with s, m, h or d "
		     "(0.5, 30s, 2m)");
	expect_exact(4, a12,
		     "--wait: '0' is not a duration in (0, 3600s]: give seconds, or a number "
		     "with s, m or h");
	expect_exact(3, a13, "--python always answers in JSON; drop --json/--report-fd");
	expect_exact(5, a14, "--nproc: '99999999999999999999999' is not a whole number");
	expect_exact(5, a15, "--nproc: '4k' is not a whole number");
}
END_TEST

/* util-linux's distinction: an unknown option, a missing argument and a
 * value given to an option that takes none each read differently. */
START_TEST(unknown_option_and_missing_argument)
{
	const char *unknown[] = {"boxed-run", "--bogus", "--", "x", NULL};
	const char *missing[] = {"boxed-run", "--", NULL};
	const char *missing_memory[] = {"boxed-run", "--memory", NULL};
	const char *json_value[] = {"boxed-run", "--json=1", "--", "x", NULL};
	const char *short_unknown[] = {"boxed-run", "-x", "--", "x", NULL};

	expect_exact(4, unknown, "unrecognized option '--bogus'");
	expect_exact(2, missing_memory, "option '--memory' requires an argument");
	expect_exact(4, json_value, "option '--json' doesn't allow an argument");
	expect_exact(4, short_unknown, "invalid option -- 'x'");
	expect_exact(2, missing, "no program given (boxed-run [LIMITS] -- PROGRAM)");
}
END_TEST

START_TEST(sizes)
{
	uint64_t v;

	ck_assert_int_eq(boxed_run_parse_size("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(boxed_run_parse_size("4k", &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(boxed_run_parse_size("3G", &v), 0);
	ck_assert_uint_eq(v, 3ull << 30);
	ck_assert_int_eq(boxed_run_parse_size("", &v), -1);
	ck_assert_int_eq(boxed_run_parse_size("-5", &v), -1);
	ck_assert_int_eq(boxed_run_parse_size("5MB", &v), -1);
	ck_assert_int_eq(boxed_run_parse_size(" 5", &v), -1);
	ck_assert_int_eq(boxed_run_parse_size("17179869184G", &v), -1);
}
END_TEST

START_TEST(each_limit_sets_its_own_field)
{
	const char *argv[] = {"boxed-run", "--cpu",    "3", "--memory", "20M", "--nproc",
			      "5",	   "--nofile", "9", "--fsize",	"7K",  "--output",
			      "11",	   "--",       "x", NULL};
	struct boxed_run_args a;

	ck_assert_int_eq(parse(&a, 15, argv), BOXED_RUN_PARSE_OK);
	ck_assert_uint_eq(a.req.cpu, 3);
	ck_assert_uint_eq(a.req.memory, 20u << 20);
	ck_assert_uint_eq(a.req.nproc, 5);
	ck_assert_uint_eq(a.req.nofile, 9);
	ck_assert_uint_eq(a.req.fsize, 7u << 10);
	ck_assert_uint_eq(a.req.output, 11);
	ck_assert_uint_eq(a.set, BOXED_RUN_SET_CPU | BOXED_RUN_SET_MEMORY | BOXED_RUN_SET_NPROC |
				     BOXED_RUN_SET_NOFILE | BOXED_RUN_SET_FSIZE |
				     BOXED_RUN_SET_OUTPUT);
}
END_TEST

START_TEST(clamping)
{
	const char *argv[] = {"boxed-run", "--timeout", "9999",	    "--cpu", "2",
			      "--memory",  "1G",	"--output", "1",     "--nproc",
			      "100000",	   "--",	"x",	    NULL};
	struct boxed_run_args a;
	struct boxed_config cfg;
	struct boxed_limits l;
	unsigned clamped = ~0u;

	boxed_config_defaults(&cfg);
	cfg.max.memory = 256u << 20;
	ck_assert_int_eq(parse(&a, 13, argv), BOXED_RUN_PARSE_OK);
	boxed_run_clamp(&a, &cfg, &l, &clamped);
	ck_assert_double_eq(l.timeout, cfg.max.timeout); /* clamped down */
	ck_assert_uint_eq(l.cpu, 2);			 /* lowered, and not following --timeout */
	ck_assert_uint_eq(l.memory, 256u << 20);	 /* clamped */
	ck_assert_uint_eq(l.output, 1);
	ck_assert_uint_eq(l.nproc, cfg.max.nproc);
	ck_assert_uint_eq(l.nofile, cfg.dflt.nofile); /* not asked: default */
	ck_assert_uint_eq(l.fsize, cfg.dflt.fsize);
	ck_assert_uint_eq(clamped,
			  BOXED_RUN_SET_TIMEOUT | BOXED_RUN_SET_MEMORY | BOXED_RUN_SET_NPROC);
	/* The mask is optional. */
	boxed_run_clamp(&a, &cfg, &l, NULL);
	ck_assert_uint_eq(l.memory, 256u << 20);
}
END_TEST

START_TEST(nothing_asked_nothing_clamped)
{
	const char *argv[] = {"boxed-run", "--", "x", NULL};
	struct boxed_run_args a;
	struct boxed_config cfg;
	struct boxed_limits l;
	unsigned clamped = ~0u;
	char buf[256] = "stale";

	boxed_config_defaults(&cfg);
	ck_assert_int_eq(parse(&a, 3, argv), BOXED_RUN_PARSE_OK);
	boxed_run_clamp(&a, &cfg, &l, &clamped);
	ck_assert_uint_eq(clamped, 0);
	ck_assert_double_eq(l.timeout, cfg.dflt.timeout);
	ck_assert_uint_eq(l.cpu, cfg.dflt.cpu);
	ck_assert_int_eq(boxed_run_clamp_warning(&a, &l, clamped, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(cpu_follows_timeout)
{
	const char *t20[] = {"boxed-run", "--timeout", "20", "--", "x", NULL};
	const char *t_half[] = {"boxed-run", "--timeout", "0.5", "--", "x", NULL};
	const char *t_long[] = {"boxed-run", "--timeout", "400", "--", "x", NULL};
	struct boxed_run_args a;
	struct boxed_config cfg;
	struct boxed_limits l;
	unsigned clamped;

	boxed_config_defaults(&cfg);
	ck_assert_int_eq(parse(&a, 5, t20), BOXED_RUN_PARSE_OK);
	boxed_run_clamp(&a, &cfg, &l, &clamped);
	ck_assert_uint_eq(l.cpu, 20);
	ck_assert_uint_eq(clamped, 0);
	/* Whole seconds, rounded up: never a CPU limit of 0. */
	ck_assert_int_eq(parse(&a, 5, t_half), BOXED_RUN_PARSE_OK);
	boxed_run_clamp(&a, &cfg, &l, &clamped);
	ck_assert_uint_eq(l.cpu, 1);
	/* Up to the maximum, and a followed limit that is lowered says so. */
	cfg.max.cpu = 300;
	ck_assert_int_eq(parse(&a, 5, t_long), BOXED_RUN_PARSE_OK);
	boxed_run_clamp(&a, &cfg, &l, &clamped);
	ck_assert_double_eq(l.timeout, 400);
	ck_assert_uint_eq(l.cpu, 300);
	ck_assert_uint_eq(clamped, BOXED_RUN_SET_CPU);
}
END_TEST

/* Above the maximum is clamped, never refused, however far above: the
 * Python client passes what its caller asked for. */
START_TEST(far_above_the_maximum_is_clamped)
{
	const char *argv[] = {"boxed-run", "--timeout", "2d", "--cpu", "1073741824", "--memory",
			      "99999G",	   "--wait=5",	"--", "x",     NULL};
	const char *huge[] = {"boxed-run", "--cpu", "99999999999999999999999", "--", "x", NULL};
	struct boxed_run_args a;
	struct boxed_config cfg;
	struct boxed_limits l;
	unsigned clamped;
	char buf[512];

	boxed_config_defaults(&cfg);
	ck_assert_int_eq(parse(&a, 10, argv), BOXED_RUN_PARSE_OK);
	boxed_run_clamp(&a, &cfg, &l, &clamped);
	ck_assert_double_eq(l.timeout, cfg.max.timeout);
	ck_assert_uint_eq(l.cpu, cfg.max.cpu);
	ck_assert_uint_eq(l.memory, cfg.max.memory);
	ck_assert_uint_eq(clamped,
			  BOXED_RUN_SET_TIMEOUT | BOXED_RUN_SET_CPU | BOXED_RUN_SET_MEMORY);
	ck_assert_int_eq(boxed_run_clamp_warning(&a, &l, clamped, buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "lowered to the configured maximum: --timeout 172800s to 600s, --cpu "
			      "1073741824s to 600s, --memory 99999G to 8G");
	ck_assert_int_eq(parse(&a, 5, huge), BOXED_RUN_PARSE_OK);
	boxed_run_clamp(&a, &cfg, &l, &clamped);
	ck_assert_uint_eq(l.cpu, cfg.max.cpu);
	ck_assert_uint_eq(clamped, BOXED_RUN_SET_CPU);
}
END_TEST

START_TEST(clamp_warning_names_each_limit)
{
	const char *argv[] = {"boxed-run", "--timeout", "9999", "--memory", "1G", "--nproc",
			      "100000",	   "--output",	"1",	"--",	    "x",  NULL};
	const char *followed[] = {"boxed-run", "--timeout", "400", "--", "x", NULL};
	struct boxed_run_args a;
	struct boxed_config cfg;
	struct boxed_limits l;
	unsigned clamped;
	char buf[512];

	boxed_config_defaults(&cfg);
	cfg.max.memory = 256u << 20;
	ck_assert_int_eq(parse(&a, 11, argv), BOXED_RUN_PARSE_OK);
	boxed_run_clamp(&a, &cfg, &l, &clamped);
	ck_assert_int_eq(boxed_run_clamp_warning(&a, &l, clamped, buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "lowered to the configured maximum: --timeout 9999s to 600s, "
			      "--memory 1G to 256M, --nproc 100000 to 256");

	cfg.max.cpu = 300;
	ck_assert_int_eq(parse(&a, 5, followed), BOXED_RUN_PARSE_OK);
	boxed_run_clamp(&a, &cfg, &l, &clamped);
	ck_assert_int_eq(boxed_run_clamp_warning(&a, &l, clamped, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "lowered to the configured maximum: --cpu 400s (following "
			      "--timeout) to 300s");
	/* A short buffer is cut, still terminated. */
	ck_assert_int_eq(boxed_run_clamp_warning(&a, &l, clamped, buf, 10), 1);
	ck_assert_str_eq(buf, "lowered t");
}
END_TEST

START_TEST(clamped_json)
{
	const char *argv[] = {"boxed-run", "--timeout", "9999", "--memory", "1G", "--", "x", NULL};
	const char *followed[] = {"boxed-run", "--timeout", "400", "--", "x", NULL};
	struct boxed_run_args a;
	struct boxed_config cfg;
	struct boxed_limits l;
	unsigned clamped;
	cJSON *obj;
	char *text;

	boxed_config_defaults(&cfg);
	cfg.max.memory = 256u << 20;
	ck_assert_int_eq(parse(&a, 7, argv), BOXED_RUN_PARSE_OK);
	boxed_run_clamp(&a, &cfg, &l, &clamped);
	obj = boxed_run_clamped_json(&a, &l, clamped);
	text = cJSON_PrintUnformatted(obj);
	ck_assert_str_eq(text, "{\"timeout\":{\"requested\":9999,\"max\":600},"
			       "\"memory\":{\"requested\":1073741824,\"max\":268435456}}");
	cJSON_free(text);
	cJSON_Delete(obj);

	cfg.max.cpu = 300;
	ck_assert_int_eq(parse(&a, 5, followed), BOXED_RUN_PARSE_OK);
	boxed_run_clamp(&a, &cfg, &l, &clamped);
	obj = boxed_run_clamped_json(&a, &l, clamped);
	text = cJSON_PrintUnformatted(obj);
	ck_assert_str_eq(text,
			 "{\"cpu\":{\"requested\":400,\"max\":300,\"following\":\"timeout\"}}");
	cJSON_free(text);
	cJSON_Delete(obj);

	obj = boxed_run_clamped_json(&a, &l, 0);
	text = cJSON_PrintUnformatted(obj);
	ck_assert_str_eq(text, "{}");
	cJSON_free(text);
	cJSON_Delete(obj);
}
END_TEST

static void run_args(void *ctx)
{
	const char **argv = ctx;
	struct boxed_run_args a;
	int argc = 0;

	while (argv[argc])
		argc++;
	boxed_run_args_or_exit(argc, (char **)argv, &a);
}

START_TEST(usage_error_exits_125)
{
	const char *argv[] = {"boxed-run", "--memory", "lots", "--", "x", NULL};

	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr));
	run_args(argv);
}
END_TEST

START_TEST(help_exits_0)
{
	const char *argv[] = {"boxed-run", "--help", NULL};

	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stdout));
	run_args(argv);
}
END_TEST

START_TEST(usage_error_text)
{
	const char *unknown[] = {"boxed-run", "--bogus", "--", "x", NULL};
	const char *missing[] = {"boxed-run", "--timeout", NULL};
	const char *wait[] = {"boxed-run", "--wait", "5", "--", "cmd", NULL};
	struct boxed_capture c;

	boxed_capture(&c, run_args, unknown);
	ck_assert_int_eq(c.status, BOXED_RUN_EXIT_SANDBOX);
	ck_assert_str_eq(c.out, "");
	ck_assert_str_eq(c.err, "boxed-run: unrecognized option '--bogus'\n"
				"Try 'boxed-run --help' for more information.\n");
	boxed_capture(&c, run_args, missing);
	ck_assert_int_eq(c.status, BOXED_RUN_EXIT_SANDBOX);
	ck_assert_str_eq(c.err, "boxed-run: option '--timeout' requires an argument\n"
				"Try 'boxed-run --help' for more information.\n");
	boxed_capture(&c, run_args, wait);
	ck_assert_int_eq(c.status, BOXED_RUN_EXIT_SANDBOX);
	ck_assert_str_eq(c.err, "boxed-run: --wait takes its value after '=': did you mean "
				"--wait=5?\nTry 'boxed-run --help' for more information.\n");
}
END_TEST

START_TEST(help_and_version_text)
{
	const char *help[] = {"boxed-run", "--help", NULL};
	const char *version[] = {"boxed-run", "--version", NULL};
	struct boxed_capture c;

	boxed_capture(&c, run_args, help);
	ck_assert_int_eq(c.status, 0);
	ck_assert_str_eq(c.err, "");
	ck_assert_msg(strncmp(c.out, "Usage: boxed-run ", 17) == 0, "help: %s", c.out);
	/* Every limit of the table has its line, with its value's form. */
	ck_assert_ptr_nonnull(strstr(c.out, "\n  --timeout DURATION    wall clock"));
	ck_assert_ptr_nonnull(strstr(c.out, "\n  --memory BYTES        address space: K, M or G"));
	ck_assert_ptr_nonnull(strstr(c.out, "\n  --output BYTES        "));
	ck_assert_ptr_nonnull(strstr(c.out, "\n  --wait[=DURATION]     "));
	boxed_capture(&c, run_args, version);
	ck_assert_int_eq(c.status, 0);
	ck_assert_str_eq(c.out, "boxed-run " BOXED_VERSION "\n");
}
END_TEST

START_TEST(valid_args_return)
{
	const char *argv[] = {"boxed-run", "--", "true", NULL};
	struct boxed_run_args a;

	boxed_run_args_or_exit(3, (char **)argv, &a);
	ck_assert_str_eq(a.argv[0], "true");
}
END_TEST

static Suite *run_args_suite(void)
{
	Suite *s = suite_create("run_args");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, program_mode);
	tcase_add_test(tc, program_without_dashes);
	tcase_add_test(tc, python_and_flags);
	tcase_add_test(tc, wait_default);
	tcase_add_test(tc, wait_value_is_attached);
	tcase_add_test(tc, wait_detached_number_is_refused);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, duration_options);
	tcase_add_test(tc, help_and_version);
	tcase_add_test(tc, rejects_bad_usage);
	tcase_add_test(tc, unknown_option_and_missing_argument);
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, each_limit_sets_its_own_field);
	tcase_add_test(tc, clamping);
	tcase_add_test(tc, nothing_asked_nothing_clamped);
	tcase_add_test(tc, cpu_follows_timeout);
	tcase_add_test(tc, far_above_the_maximum_is_clamped);
	tcase_add_test(tc, clamp_warning_names_each_limit);
	tcase_add_test(tc, clamped_json);
	tcase_add_exit_test(tc, usage_error_exits_125, BOXED_RUN_EXIT_SANDBOX);
	tcase_add_exit_test(tc, help_exits_0, 0);
	tcase_add_test(tc, usage_error_text);
	tcase_add_test(tc, help_and_version_text);
	tcase_add_test(tc, valid_args_return);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(run_args_suite)
