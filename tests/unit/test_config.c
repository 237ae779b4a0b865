#include <string.h>

#include "check_main.h"
#include "config.h"

static char err[512];

START_TEST(defaults_round_trip)
{
	struct boxed_config a, b;
	char *text;

	boxed_config_defaults(&a);
	text = boxed_config_to_json(&a);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(boxed_config_parse(text, &b, err, sizeof(err)), 0);
	ck_assert_str_eq(a.group, b.group);
	ck_assert_uint_eq(a.first_uid, b.first_uid);
	ck_assert_uint_eq(a.slot_count, b.slot_count);
	ck_assert_uint_eq(a.dflt.memory, b.dflt.memory);
	ck_assert_uint_eq(a.max.output, b.max.output);
	ck_assert_double_eq(a.dflt.timeout, b.dflt.timeout);
	free(text);
}
END_TEST

START_TEST(partial_keeps_defaults)
{
	struct boxed_config c;

	ck_assert_int_eq(boxed_config_parse("{\"limits\":{\"default\":{\"timeout\":1.5}}}", &c, err,
					    sizeof(err)),
			 0);
	ck_assert_double_eq(c.dflt.timeout, 1.5);
	ck_assert_uint_eq(c.slot_count, BOXED_DEFAULT_SLOT_COUNT);
}
END_TEST

static void expect_error(const char *json, const char *needle)
{
	struct boxed_config c;

	err[0] = '\0';
	ck_assert_int_eq(boxed_config_parse(json, &c, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, needle), "error '%s' does not mention '%s'", err, needle);
}

START_TEST(rejects_bad_input)
{
	expect_error("{", "not valid JSON");
	expect_error("[]", "top level");
	expect_error("{\"grop\":\"boxed\"}", "grop: unknown key");
	expect_error("{\"group\":\"../etc\"}", "not a valid group name");
	expect_error("{\"group\":\"\"}", "group");
	expect_error("{\"group\":7}", "group: must be a string");
	expect_error("{\"slots\":{\"first_uid\":0}}", "slots.first_uid");
	expect_error("{\"slots\":{\"first_uid\":999}}", "slots.first_uid");
	expect_error("{\"slots\":{\"first_uid\":65000,\"count\":600}}", "65534");
	expect_error("{\"slots\":{\"first_uid\":2147483600,\"count\":100}}", "range ends");
	expect_error("{\"slots\":{\"count\":0}}", "slots.count");
	expect_error("{\"slots\":{\"count\":1.5}}", "slots.count");
	expect_error("{\"slots\":{\"bogus\":1}}", "slots.bogus: unknown key");
	expect_error("{\"limits\":{\"default\":{\"timeout\":-1}}}", "limits.default.timeout");
	expect_error("{\"limits\":{\"default\":{\"memory\":\"1G\"}}}", "limits.default.memory");
	expect_error("{\"limits\":{\"max\":{\"nofile\":1e300}}}", "limits.max.nofile");
	expect_error("{\"limits\":{\"max\":{\"cpuu\":1}}}", "limits.max.cpuu: unknown key");
	expect_error("{\"limits\":{\"min\":{}}}", "limits.min: unknown key");
	expect_error("{\"limits\":{\"default\":{\"nproc\":300}}}", "exceeds limits.max.nproc");
	expect_error("{\"limits\":{\"max\":{\"timeout\":1}}}", "exceeds limits.max.timeout");
	expect_error("{\"max_message\":10}", "max_message");
	expect_error("{\"group\":\"a\",\"group\":\"b\"}", "\"group\" appears twice");
	expect_error("{\"namespaces\":1}", "namespaces: must be true or false");
	expect_error("{\"namespaces\":false,\"require_sealed\":true}", "require_sealed");
	expect_error("{\"no_network_hide\":\"/run\"}", "must be an array");
	expect_error("{\"no_network_hide\":[\"run\"]}", "not a normalized absolute path");
	expect_error("{\"no_network_hide\":[\"/run/../etc\"]}", "not a normalized");
	expect_error("{\"no_network_hide\":[\"/var\"]}", "would hide what every run needs");
	expect_error("{\"no_network_hide\":[\"/\"]}", "would hide what every run needs");
	expect_error("{\"limits\":{\"default\":{\"disk\":1000}}}", "limits.default.disk");
	expect_error("{\"limits\":{\"default\":{\"disk\":8589934592}}}", "exceeds limits.max.disk");
}
END_TEST

START_TEST(seal_keys)
{
	struct boxed_config c;

	boxed_config_defaults(&c);
	ck_assert(c.namespaces);
	ck_assert(!c.require_sealed);
	ck_assert_uint_eq(c.dflt.disk, 64u << 20);
	ck_assert_uint_eq(c.no_network_hide_count, 3);
	ck_assert_str_eq(c.no_network_hide[0], "/run");
	ck_assert_int_eq(boxed_config_parse("{\"require_sealed\":true,\"no_network_hide\":"
					    "[\"/run\",\"/srv/sockets\"],\"limits\":{\"max\":"
					    "{\"disk\":1048576},\"default\":{\"disk\":1048576}}}",
					    &c, err, sizeof(err)),
			 0);
	ck_assert(c.require_sealed && c.namespaces);
	ck_assert_uint_eq(c.no_network_hide_count, 2);
	ck_assert_str_eq(c.no_network_hide[1], "/srv/sockets");
	ck_assert_uint_eq(c.max.disk, 1048576);
}
END_TEST

START_TEST(slot_contains)
{
	struct boxed_config c;

	boxed_config_defaults(&c);
	c.first_uid = 100000;
	c.slot_count = 10;
	ck_assert(!boxed_config_slot_contains(&c, 99999));
	ck_assert(boxed_config_slot_contains(&c, 100000));
	ck_assert(boxed_config_slot_contains(&c, 100009));
	ck_assert(!boxed_config_slot_contains(&c, 100010));
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, defaults_round_trip);
	tcase_add_test(tc, partial_keeps_defaults);
	tcase_add_test(tc, rejects_bad_input);
	tcase_add_test(tc, seal_keys);
	tcase_add_test(tc, slot_contains);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(config_suite)
