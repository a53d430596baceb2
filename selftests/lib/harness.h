/* SPDX-License-Identifier: GPL-2.0 */
/*
 * harness.h - the kernel's selftest harness, plus what cprhold's tests add.
 *
 * The tests are written against tools/testing/selftests/kselftest_harness.h
 * itself, taken from Debian's linux-source by scripts/setup (see
 * scripts/ksft-dir; the selftests Makefile puts it on the include path):
 *
 *	FIXTURE(sess) { int ctl; };
 *	FIXTURE_SETUP(sess) { self->ctl = open("/dev/cprhold", O_RDWR); }
 *	FIXTURE_TEARDOWN(sess) { close(self->ctl); }
 *	TEST_F(sess, create) { ASSERT_EQ(0, ...); }
 *	TEST(plain) { EXPECT_ERRNO(ENOTTY, ioctl(fd, 0)); }
 *	TEST_HARNESS_MAIN
 *
 * This header only adds:
 *  - diagnostics on stdout, so that they interleave with the TAP lines in
 *    the logs (TH_LOG_STREAM);
 *  - a default timeout of 120 s instead of 30 (the tests run in an
 *    emulated VM on a shared machine), TEST_TIMEOUT() for plain tests;
 *  - ASSERT_ERRNO()/EXPECT_ERRNO(): a call fails with a given errno.
 */
#ifndef CPRHOLD_SELFTEST_HARNESS_H
#define CPRHOLD_SELFTEST_HARNESS_H

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define TH_LOG_STREAM stdout
#include <kselftest_harness.h>

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 120

/*
 * TEST() with its own timeout in seconds (the kernel's harness has
 * TEST_F_TIMEOUT() only).  The test's metadata object is declared first, so
 * that a constructor can set its timeout before main() runs the tests.
 */
#define TEST_TIMEOUT(test_name, secs)					\
	static struct __test_metadata _##test_name##_object;		\
	static void __attribute__((constructor))			\
	_timeout_##test_name(void)					\
	{								\
		_##test_name##_object.timeout = (secs);			\
	}								\
	TEST(test_name)

/* Whether the test has failed so far (for helpers that return a status). */
#define TEST_FAILED() (_metadata->exit_code == KSFT_FAIL)

/*
 * The call must fail with -1 and errno == err (a syscall's convention), or
 * return -err (a library's convention).
 */
#define __ERRNO(err, call, is_assert) do {				\
	long __r;							\
	int __e;							\
	errno = 0;							\
	__r = (long)(call);						\
	__e = errno;							\
	if (!((__r == -1 && __e == (err)) || __r == -(long)(err))) {	\
		__TH_LOG("%s: expected errno %s, got return %ld errno %s", \
			 #call, strerror(err), __r,			\
			 __e ? strerror(__e) : "0");			\
		_metadata->exit_code = KSFT_FAIL;			\
		_metadata->trigger = 1;					\
	}								\
} while (0); OPTIONAL_HANDLER(is_assert)

#define ASSERT_ERRNO(err, call) __ERRNO(err, call, 1)
#define EXPECT_ERRNO(err, call) __ERRNO(err, call, 0)

#endif /* CPRHOLD_SELFTEST_HARNESS_H */
