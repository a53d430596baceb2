/* SPDX-License-Identifier: GPL-2.0 */
/*
 * harness.h - a small kselftest-style test harness with TAP 13 output.
 *
 * The shape follows tools/testing/selftests/kselftest_harness.h so that tests
 * read like kernel selftests:
 *
 *	FIXTURE(sess) { int ctl; };
 *	FIXTURE_SETUP(sess) { self->ctl = open("/dev/cprhold", O_RDWR); }
 *	FIXTURE_TEARDOWN(sess) { close(self->ctl); }
 *	TEST_F(sess, create) { ASSERT_EQ(0, ...); }
 *	TEST(plain) { EXPECT_ERRNO(ENOTTY, ioctl(fd, 0)); }
 *	TEST_HARNESS_MAIN
 *
 * Every test runs in its own forked child, in its own process group, under
 * a timeout (TEST_TIMEOUT / TEST_F_TIMEOUT, or HARNESS_TIMEOUT in the
 * environment as a default).  ASSERT_* ends the test (the teardown still
 * runs), EXPECT_* records a failure and goes on, SKIP() ends it as skipped.
 * The binary exits 0 when nothing failed, 1 otherwise.
 *
 * Options: -l lists the tests, -t NAME runs only tests whose name contains
 * NAME (repeatable).
 */
#ifndef CPRHOLD_SELFTEST_HARNESS_H
#define CPRHOLD_SELFTEST_HARNESS_H

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KSFT_PASS 0
#define KSFT_FAIL 1
#define KSFT_SKIP 4

struct __test_metadata {
	const char *name;
	void (*fn)(struct __test_metadata *m);
	int timeout;
	struct __test_metadata *next;
	/* per-run state, valid in the child */
	bool failed;
	bool skipped;
	char *skip_reason;	/* shared page, read by the parent */
	sigjmp_buf env;
};

static struct __test_metadata *__test_list, **__test_tail = &__test_list;
static unsigned int __test_count;

static inline void __register_test(struct __test_metadata *t)
{
	*__test_tail = t;
	__test_tail = &t->next;
	__test_count++;
}

#define TH_LOG(fmt, ...) do {						\
	fprintf(stdout, "# %s:%d:%s: " fmt "\n", __FILE__, __LINE__,	\
		_metadata->name, ##__VA_ARGS__);			\
	fflush(stdout);							\
} while (0)

#define __HARNESS_DEFAULT_TIMEOUT 120

#define __TEST_IMPL(test_name, tmo)					\
	static void test_name(struct __test_metadata *_metadata);	\
	static struct __test_metadata __meta_##test_name = {		\
		.name = #test_name, .fn = test_name, .timeout = tmo,	\
	};								\
	static void __attribute__((constructor)) __reg_##test_name(void) \
	{								\
		__register_test(&__meta_##test_name);			\
	}								\
	static void test_name(struct __test_metadata __attribute__((unused)) *_metadata)

#define TEST(name) __TEST_IMPL(name, 0)
#define TEST_TIMEOUT(name, secs) __TEST_IMPL(name, secs)

#define FIXTURE(fx) struct _fixture_##fx
#define FIXTURE_SETUP(fx)						\
	static void _setup_##fx(struct __test_metadata __attribute__((unused)) *_metadata, \
				struct _fixture_##fx __attribute__((unused)) *self)
#define FIXTURE_TEARDOWN(fx)						\
	static void _teardown_##fx(struct __test_metadata __attribute__((unused)) *_metadata, \
				   struct _fixture_##fx __attribute__((unused)) *self)

#define __TEST_F_IMPL(fx, test_name, tmo)				\
	static void fx##_##test_name(struct __test_metadata *_metadata, \
				     struct _fixture_##fx *self);	\
	static void __wrap_##fx##_##test_name(struct __test_metadata *_metadata) \
	{								\
		struct _fixture_##fx self;				\
		memset(&self, 0, sizeof(self));				\
		if (sigsetjmp(_metadata->env, 0) == 0) {		\
			_setup_##fx(_metadata, &self);			\
			if (sigsetjmp(_metadata->env, 0) == 0)		\
				fx##_##test_name(_metadata, &self);	\
		}							\
		_teardown_##fx(_metadata, &self);			\
	}								\
	static struct __test_metadata __meta_##fx##_##test_name = {	\
		.name = #fx "." #test_name,				\
		.fn = __wrap_##fx##_##test_name, .timeout = tmo,	\
	};								\
	static void __attribute__((constructor)) __reg_##fx##_##test_name(void) \
	{								\
		__register_test(&__meta_##fx##_##test_name);		\
	}								\
	static void fx##_##test_name(struct __test_metadata __attribute__((unused)) *_metadata, \
				     struct _fixture_##fx __attribute__((unused)) *self)

#define TEST_F(fx, name) __TEST_F_IMPL(fx, name, 0)
#define TEST_F_TIMEOUT(fx, name, secs) __TEST_F_IMPL(fx, name, secs)

/* End the test now; a TEST_F's teardown still runs. */
#define __ABORT_TEST() siglongjmp(_metadata->env, 1)

#define SKIP(statement, fmt, ...) do {					\
	snprintf(_metadata->skip_reason, 256, fmt, ##__VA_ARGS__);	\
	_metadata->skipped = true;					\
	statement;							\
} while (0)

#define __CMP(is_assert, exp, op, seen) do {				\
	__typeof__(exp) __exp = (exp);					\
	__typeof__(seen) __seen = (seen);				\
	if (!(__exp op __seen)) {					\
		fprintf(stdout, "# %s:%d: expected %s (%lld) %s %s (%lld)\n", \
			__FILE__, __LINE__, #exp, (long long)__exp, #op, \
			#seen, (long long)__seen);			\
		fflush(stdout);						\
		_metadata->failed = true;				\
		if (is_assert)						\
			__ABORT_TEST();					\
	}								\
} while (0)

#define ASSERT_EQ(e, s) __CMP(1, e, ==, s)
#define ASSERT_NE(e, s) __CMP(1, e, !=, s)
#define ASSERT_LT(e, s) __CMP(1, e, <, s)
#define ASSERT_LE(e, s) __CMP(1, e, <=, s)
#define ASSERT_GT(e, s) __CMP(1, e, >, s)
#define ASSERT_GE(e, s) __CMP(1, e, >=, s)
#define EXPECT_EQ(e, s) __CMP(0, e, ==, s)
#define EXPECT_NE(e, s) __CMP(0, e, !=, s)
#define EXPECT_LT(e, s) __CMP(0, e, <, s)
#define EXPECT_LE(e, s) __CMP(0, e, <=, s)
#define EXPECT_GT(e, s) __CMP(0, e, >, s)
#define EXPECT_GE(e, s) __CMP(0, e, >=, s)
#define ASSERT_TRUE(c) __CMP(1, 0, !=, !!(c))
#define ASSERT_FALSE(c) __CMP(1, 0, ==, !!(c))
#define EXPECT_TRUE(c) __CMP(0, 0, !=, !!(c))
#define EXPECT_FALSE(c) __CMP(0, 0, ==, !!(c))

#define __STRCMP(is_assert, exp, seen) do {				\
	const char *__e = (exp), *__s = (seen);				\
	if (!__e || !__s || strcmp(__e, __s)) {				\
		fprintf(stdout, "# %s:%d: expected \"%s\" == \"%s\"\n",	\
			__FILE__, __LINE__, __e ? __e : "(null)",	\
			__s ? __s : "(null)");				\
		fflush(stdout);						\
		_metadata->failed = true;				\
		if (is_assert)						\
			__ABORT_TEST();					\
	}								\
} while (0)
#define ASSERT_STREQ(e, s) __STRCMP(1, e, s)
#define EXPECT_STREQ(e, s) __STRCMP(0, e, s)

/*
 * The call must fail with -1 and errno == err (a syscall's convention), or
 * return -err (a library's convention).
 */
#define __ERRNO(is_assert, err, call) do {				\
	long __r;							\
	errno = 0;							\
	__r = (long)(call);						\
	if (!((__r == -1 && errno == (err)) || __r == -(long)(err))) {	\
		fprintf(stdout, "# %s:%d: %s: expected errno %s, got return %ld errno %s\n", \
			__FILE__, __LINE__, #call, strerror(err), __r,	\
			errno ? strerror(errno) : "0");			\
		fflush(stdout);						\
		_metadata->failed = true;				\
		if (is_assert)						\
			__ABORT_TEST();					\
	}								\
} while (0)
#define ASSERT_ERRNO(err, call) __ERRNO(1, err, call)
#define EXPECT_ERRNO(err, call) __ERRNO(0, err, call)

static inline bool __test_selected(const char *name, int nfilt, char **filt)
{
	int i;

	if (!nfilt)
		return true;
	for (i = 0; i < nfilt; i++)
		if (strstr(name, filt[i]))
			return true;
	return false;
}

static inline int __run_one(struct __test_metadata *t, unsigned int idx,
			    int default_timeout)
{
	int timeout = t->timeout ? t->timeout : default_timeout;
	struct timespec t0, t1;
	int status = 0, result;
	bool timed_out = false;
	pid_t pid, w;

	t->skip_reason = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t->skip_reason == MAP_FAILED) {
		printf("not ok %u %s # mmap: %s\n", idx, t->name, strerror(errno));
		return KSFT_FAIL;
	}
	t->skip_reason[0] = '\0';
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		printf("not ok %u %s # fork: %s\n", idx, t->name, strerror(errno));
		return KSFT_FAIL;
	}
	if (pid == 0) {
		setpgid(0, 0);
		t->failed = false;
		t->skipped = false;
		if (sigsetjmp(t->env, 0) == 0)
			t->fn(t);
		fflush(stdout);
		_exit(t->failed ? KSFT_FAIL : t->skipped ? KSFT_SKIP : KSFT_PASS);
	}
	setpgid(pid, pid);
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (t1.tv_sec - t0.tv_sec >= timeout) {
			timed_out = true;
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		usleep(w == 0 ? 2000 : 0);
	}
	/* Reap anything the test left behind in its process group. */
	kill(-pid, SIGKILL);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	if (timed_out) {
		printf("# %s: timed out after %d s\n", t->name, timeout);
		result = KSFT_FAIL;
	} else if (WIFSIGNALED(status)) {
		printf("# %s: died of signal %d (%s)\n", t->name,
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
		result = KSFT_FAIL;
	} else {
		result = WEXITSTATUS(status);
		if (result != KSFT_PASS && result != KSFT_SKIP)
			result = KSFT_FAIL;
	}
	if (result == KSFT_SKIP)
		printf("ok %u %s # SKIP %s\n", idx, t->name, t->skip_reason);
	else
		printf("%s %u %s # %.3fs\n", result == KSFT_PASS ? "ok" : "not ok",
		       idx, t->name, (t1.tv_sec - t0.tv_sec) +
		       (t1.tv_nsec - t0.tv_nsec) / 1e9);
	fflush(stdout);
	munmap(t->skip_reason, 4096);
	return result;
}

static inline int test_harness_run(int argc, char **argv)
{
	unsigned int pass = 0, fail = 0, skip = 0, idx = 0, total = 0;
	int default_timeout = __HARNESS_DEFAULT_TIMEOUT, nfilt = 0, opt;
	struct __test_metadata *t;
	char **filt = calloc(argc + 1, sizeof(char *));
	const char *env = getenv("HARNESS_TIMEOUT");

	if (env && atoi(env) > 0)
		default_timeout = atoi(env);
	while ((opt = getopt(argc, argv, "lt:")) != -1) {
		switch (opt) {
		case 'l':
			for (t = __test_list; t; t = t->next)
				printf("%s\n", t->name);
			return 0;
		case 't':
			filt[nfilt++] = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-l] [-t NAME]...\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (t = __test_list; t; t = t->next)
		total += __test_selected(t->name, nfilt, filt);
	printf("TAP version 13\n1..%u\n", total);
	for (t = __test_list; t; t = t->next) {
		if (!__test_selected(t->name, nfilt, filt))
			continue;
		switch (__run_one(t, ++idx, default_timeout)) {
		case KSFT_PASS:
			pass++;
			break;
		case KSFT_SKIP:
			skip++;
			break;
		default:
			fail++;
		}
	}
	printf("# Totals: pass:%u fail:%u skip:%u\n", pass, fail, skip);
	free(filt);
	return fail ? KSFT_FAIL : KSFT_PASS;
}

#define TEST_HARNESS_MAIN						\
	int main(int argc, char **argv)					\
	{								\
		return test_harness_run(argc, argv);			\
	}

#endif /* CPRHOLD_SELFTEST_HARNESS_H */
