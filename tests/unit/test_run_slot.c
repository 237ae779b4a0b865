#include <errno.h>

#include "check_main.h"
#include "../../runner/runner.h"

struct fake {
	int busy[8];
	int fail_at;
	int tried[16];
	int ntried;
};

static int try_fake(unsigned index, void *opaque)
{
	struct fake *f = opaque;

	f->tried[f->ntried++] = (int)index;
	if ((int)index == f->fail_at) {
		errno = EACCES;
		return -1;
	}
	return f->busy[index] ? 0 : 1;
}

START_TEST(start_offset)
{
	ck_assert_uint_eq(boxed_run_slot_start(1000, 128), 1000 % 128);
	ck_assert_uint_eq(boxed_run_slot_start(5, 1), 0);
	ck_assert_uint_eq(boxed_run_slot_start(5, 0), 0);
	/* Consecutive pids spread over consecutive slots. */
	ck_assert_uint_ne(boxed_run_slot_start(41, 8), boxed_run_slot_start(42, 8));
}
END_TEST

START_TEST(first_free_from_start_wrapping)
{
	struct fake f = {.busy = {0, 1, 1, 1, 1, 1, 1, 1}, .fail_at = -1};

	ck_assert_int_eq(boxed_run_slot_pick(8, 5, try_fake, &f), 0);
	ck_assert_int_eq(f.ntried, 4); /* 5, 6, 7, 0 */
	ck_assert_int_eq(f.tried[0], 5);
	ck_assert_int_eq(f.tried[3], 0);
}
END_TEST

START_TEST(takes_start_when_free)
{
	struct fake f = {.fail_at = -1};

	ck_assert_int_eq(boxed_run_slot_pick(8, 3, try_fake, &f), 3);
	ck_assert_int_eq(f.ntried, 1);
}
END_TEST

START_TEST(all_busy)
{
	struct fake f = {.busy = {1, 1, 1, 1, 1, 1, 1, 1}, .fail_at = -1};

	ck_assert_int_eq(boxed_run_slot_pick(8, 2, try_fake, &f), -1);
	ck_assert_int_eq(f.ntried, 8); /* each slot exactly once */
}
END_TEST

START_TEST(error_stops)
{
	struct fake f = {.busy = {1, 1, 1, 1, 1, 1, 1, 1}, .fail_at = 4};

	ck_assert_int_eq(boxed_run_slot_pick(8, 2, try_fake, &f), -2);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_int_eq(f.ntried, 3);
}
END_TEST

static Suite *run_slot_suite(void)
{
	Suite *s = suite_create("run_slot");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, start_offset);
	tcase_add_test(tc, first_free_from_start_wrapping);
	tcase_add_test(tc, takes_start_when_free);
	tcase_add_test(tc, all_busy);
	tcase_add_test(tc, error_stops);
	suite_add_tcase(s, tc);
	return s;
}

BOXED_CHECK_MAIN(run_slot_suite)
