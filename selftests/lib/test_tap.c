// SPDX-License-Identifier: LGPL-2.1-or-later
/* cmocka tests of the TAP counter behind "make check"'s verdict. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tap.h"

static struct tap_counts feed(const char *const *lines)
{
	struct tap_counts c;

	tap_init(&c);
	for (; *lines; lines++)
		tap_line(&c, *lines);
	tap_finish(&c);
	return c;
}

static void test_all_pass(void **state)
{
	const char *in[] = { "TAP version 13", "1..3", "ok 1 a # 0.1s", "ok 2 b",
			     "ok 3 c\n", "# Totals: pass:3 fail:0 skip:0", "# exit=0", NULL };
	struct tap_counts c = feed(in);

	(void)state;
	assert_int_equal(c.pass, 3);
	assert_int_equal(c.fail, 0);
	assert_int_equal(c.skip, 0);
	assert_int_equal(c.plan, 3);
}

static void test_results_without_numbers(void **state)
{
	const char *in[] = { "TAP version 13", "ok - exports", "not ok - soname", "ok",
			     "ok - skipped one # SKIP no groff", NULL };
	struct tap_counts c = feed(in);

	(void)state;
	assert_int_equal(c.pass, 2);
	assert_int_equal(c.fail, 1);
	assert_int_equal(c.skip, 1);
}

static void test_fail_and_skip(void **state)
{
	const char *in[] = { "1..4", "ok 1 a", "not ok 2 b", "ok 3 c # SKIP no kvm",
			     "ok 4 d # skip lower case", NULL };
	struct tap_counts c = feed(in);

	(void)state;
	assert_int_equal(c.pass, 1);
	assert_int_equal(c.fail, 1);
	assert_int_equal(c.skip, 2);
}

static void test_crash_counts_missing(void **state)
{
	/* The binary died after two of five results: three are failures. */
	const char *in[] = { "TAP version 13", "1..5", "ok 1 a", "ok 2 b", "# exit=139", NULL };
	struct tap_counts c = feed(in);

	(void)state;
	assert_int_equal(c.pass, 2);
	assert_int_equal(c.missing, 3);
	assert_int_equal(c.fail, 3);
}

static void test_nonzero_exit_without_failure(void **state)
{
	const char *in[] = { "1..1", "ok 1 a", "# exit=1", NULL };
	struct tap_counts c = feed(in);

	(void)state;
	assert_int_equal(c.fail, 1);
}

static void test_empty_stream_fails(void **state)
{
	const char *in[] = { "TAP version 13", NULL };
	struct tap_counts c = feed(in);

	(void)state;
	assert_int_equal(c.pass, 0);
	assert_int_equal(c.fail, 1);
}

static void test_zero_plan_is_empty_not_failure(void **state)
{
	const char *in[] = { "1..0 # SKIP nothing to do", NULL };
	struct tap_counts c = feed(in);

	(void)state;
	assert_int_equal(c.fail, 0);
}

static void test_ignores_subtests_and_diagnostics(void **state)
{
	const char *in[] = { "1..1", "    not ok 1 inner", "# not ok 7 in a comment",
			     "okay this is not a result", "ok 1 outer", "Bail out! later", NULL };
	struct tap_counts c = feed(in);

	(void)state;
	assert_int_equal(c.pass, 1);
	/* The bail-out fails the stream even though every result passed. */
	assert_int_equal(c.fail, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_pass),
		cmocka_unit_test(test_fail_and_skip),
		cmocka_unit_test(test_results_without_numbers),
		cmocka_unit_test(test_crash_counts_missing),
		cmocka_unit_test(test_nonzero_exit_without_failure),
		cmocka_unit_test(test_empty_stream_fails),
		cmocka_unit_test(test_zero_plan_is_empty_not_failure),
		cmocka_unit_test(test_ignores_subtests_and_diagnostics),
	};

	return cmocka_run_group_tests_name("tap", tests, NULL, NULL);
}
