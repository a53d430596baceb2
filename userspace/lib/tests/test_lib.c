// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_lib - cmocka unit tests of libcprhold's core: argument validation,
 * the requests each call sends (struct sizes, fields, one ioctl per batch),
 * struct size negotiation with its E2BIG fallback, -errno returns, and
 * paging.  The kernel is the model in fake_kernel.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "libcprhold.h"
#include "fake_kernel.h"
#include "lib.h"

#define CTL 100	/* the fake kernel does not look at the control fd */

static int setup(void **state)
{
	(void)state;
	fk_reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fk_reset();
	return 0;
}

/* A session in the fake kernel: returns the creator's session fd. */
static int make_session(uint8_t *secret)
{
	uint8_t s[CPRHOLD_SECRET_SIZE];
	int sfd = cprhold_create(CTL, "vm-1", 0, 0, -1, secret ? secret : s);

	assert_true(sfd >= 0);
	return sfd;
}

/* A claimed session with @n memfd entries (distinct inodes) of tokens 1..n. */
static int make_claimed(int n)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE] = { 0 };
	int sfd = make_session(secret), cfd, i;

	for (i = 1; i <= n; i++) {
		int mfd = memfd_create("entry", MFD_CLOEXEC);

		assert_true(mfd >= 0);
		assert_int_equal(cprhold_park_one(sfd, mfd, (uint64_t)i, "m", NULL, NULL), 0);
		close(mfd);
	}
	assert_int_equal(cprhold_seal(sfd), 0);
	cfd = cprhold_claim(CTL, "vm-1", secret, 0);
	assert_true(cfd >= 0);
	return cfd;
}

static void same_file(int a, int b)
{
	struct stat sa, sb;

	assert_int_equal(fstat(a, &sa), 0);
	assert_int_equal(fstat(b, &sb), 0);
	assert_true(sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev);
}

/* ---- open ------------------------------------------------------------- */

static void test_open(void **state)
{
	int fd;

	(void)state;
	assert_int_equal(cprhold_open(1u << 5), -EINVAL);
	assert_int_equal(cprhold_open_path(NULL, 0), -EINVAL);
	assert_int_equal(cprhold_open_path("/nonexistent/cprhold", 0), -ENOENT);
	fd = cprhold_open_path("/dev/null", 0);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	close(fd);
	fd = cprhold_open_path("/dev/null", CPRHOLD_OPEN_NO_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	close(fd);
	fd = cprhold_open(0);	/* no module on the host: some -errno */
	if (fd >= 0)
		close(fd);
	else
		assert_true(fd == -ENOENT || fd == -EACCES || fd == -ENXIO || fd == -ENODEV);
}

/* ---- create ----------------------------------------------------------- */

static void test_create_validation(void **state)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE] = { 0 };
	char longname[CPRHOLD_NAME_MAX + 1];

	(void)state;
	memset(longname, 'n', CPRHOLD_NAME_MAX);
	longname[CPRHOLD_NAME_MAX] = '\0';
	assert_int_equal(cprhold_create(CTL, NULL, 0, 0, -1, secret), -EINVAL);
	assert_int_equal(cprhold_create(CTL, "", 0, 0, -1, secret), -EINVAL);
	assert_int_equal(cprhold_create(CTL, "x", 0, 0, -1, NULL), -EINVAL);
	assert_int_equal(cprhold_create(CTL, longname, 0, 0, -1, secret), -ENAMETOOLONG);
	assert_int_equal(cprhold_create(CTL, "x", CPRHOLD_CREATE_USERNS, 0, -1, secret),
			 -EINVAL);
	/* None of these reached the kernel. */
	assert_int_equal(fk.ncalls, 0);
	/* 63 characters is the longest name. */
	longname[CPRHOLD_NAME_MAX - 1] = '\0';
	assert_true(cprhold_create(CTL, longname, 0, 0, -1, secret) >= 0);
	assert_string_equal(fk.name, longname);
}

static void test_create_request(void **state)
{
	const struct cprhold_create *c;
	uint8_t secret[CPRHOLD_SECRET_SIZE] = { 0 };
	int fd, i;

	(void)state;
	memset(secret, 0, sizeof(secret));
	fd = cprhold_create(CTL, "vm-6f1c", CPRHOLD_CREATE_NO_CLOEXEC |
			    CPRHOLD_CREATE_SAME_KUID, 5000, -1, secret);
	assert_true(fd >= 0);
	assert_int_equal(fk.ncalls, 1);
	assert_int_equal(fk.calls[0].fd, CTL);
	assert_true(fk.calls[0].cmd == CPRHOLD_CREATE);
	assert_int_equal(fk.calls[0].size, sizeof(struct cprhold_create));
	c = fk_arg(0);
	assert_string_equal(c->name, "vm-6f1c");
	assert_int_equal(c->flags, CPRHOLD_CREATE_NO_CLOEXEC | CPRHOLD_CREATE_SAME_KUID);
	assert_int_equal(c->ttl_ms, 5000);
	assert_int_equal(c->userns_fd, 0);
	assert_int_equal(c->__reserved | c->__reserved2, 0);
	/* Nothing but the NUL-terminated name in the name array. */
	for (i = (int)strlen("vm-6f1c"); i < CPRHOLD_NAME_MAX; i++)
		assert_int_equal(c->name[i], 0);
	/* The kernel's fd and secret come back. */
	assert_int_equal(fd, fk.fds[0]);
	assert_memory_equal(secret, fk.secret, CPRHOLD_SECRET_SIZE);
	assert_int_equal(fk.ttl_ms, 5000);
}

static void test_create_userns_implies_flag(void **state)
{
	const struct cprhold_create *c;
	uint8_t secret[CPRHOLD_SECRET_SIZE] = { 0 };

	(void)state;
	assert_true(cprhold_create(CTL, "ns", 0, 0, 7, secret) >= 0);
	c = fk_arg(0);
	assert_int_equal(c->flags, CPRHOLD_CREATE_USERNS);
	assert_int_equal(c->userns_fd, 7);
}

static void test_create_errno(void **state)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE] = { 0 };

	(void)state;
	assert_true(cprhold_create(CTL, "dup", 0, 0, -1, secret) >= 0);
	assert_int_equal(cprhold_create(CTL, "dup", 0, 0, -1, secret), -EEXIST);
	assert_int_equal(cprhold_create(CTL, "x", 1u << 20, 0, -1, secret), -EOPNOTSUPP);
	fk.fail_cmd = CPRHOLD_CREATE;
	fk.fail_errno = ENOSPC;
	assert_int_equal(cprhold_create(CTL, "y", 0, 0, -1, secret), -ENOSPC);
}

/* ---- size negotiation ------------------------------------------------- */

/* An older kernel that knows only the mandatory part and rejects more. */
static void older_create_kernel(int strict)
{
	fk.kernel_size[CPRHOLD_CMD_CREATE] = CPRHOLD_CREATE_SIZE_MIN;
	fk.strict_size = strict;
}

static void test_sizes_v1(void **state)
{
	(void)state;
	/* This library is v1: its structs are the v1 layouts. */
	assert_int_equal(__cprhold_sz_create.size, CPRHOLD_CREATE_SIZE_V1);
	assert_int_equal(__cprhold_sz_create.v1, offsetof(struct cprhold_create, __reserved2) + 4);
	assert_int_equal(__cprhold_sz_create.min, offsetof(struct cprhold_create, ttl_ms));
	assert_int_equal(__cprhold_sz_claim.size, CPRHOLD_CLAIM_SIZE_V1);
	assert_int_equal(__cprhold_sz_destroy.size, CPRHOLD_DESTROY_SIZE_V1);
	assert_int_equal(__cprhold_sz_list_sessions.size, CPRHOLD_LIST_SESSIONS_SIZE_V1);
	assert_int_equal(__cprhold_sz_park.size, CPRHOLD_PARK_SIZE_V1);
	assert_int_equal(__cprhold_sz_list.size, CPRHOLD_LIST_SIZE_V1);
	assert_int_equal(__cprhold_sz_info.size, CPRHOLD_INFO_SIZE_V1);
	assert_int_equal(__cprhold_sz_op.size, CPRHOLD_OP_SIZE_V1);
	assert_int_equal(__cprhold_sz_retrieve.size, CPRHOLD_RETRIEVE_SIZE_V1);
	assert_int_equal(sizeof(struct cprhold_entry), CPRHOLD_ENTRY_SIZE_V1);
	assert_int_equal(sizeof(struct cprhold_session_info), CPRHOLD_SESSION_INFO_SIZE_V1);
}

static void test_e2big_fallback_retry(void **state)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE] = { 0 };
	int fd;

	(void)state;
	older_create_kernel(1);
	fd = cprhold_create(CTL, "old-kernel", 0, 0, -1, secret);
	assert_true(fd >= 0);
	/* First the library's size, then the mandatory part. */
	assert_int_equal(fk.ncalls, 2);
	assert_int_equal(fk.calls[0].size, sizeof(struct cprhold_create));
	assert_int_equal(fk.calls[1].size, CPRHOLD_CREATE_SIZE_MIN);
	assert_string_equal(((const struct cprhold_create *)fk_arg(1))->name, "old-kernel");
	/* The outputs of the retried call come back. */
	assert_int_equal(fd, fk.fds[0]);
	assert_memory_equal(secret, fk.secret, CPRHOLD_SECRET_SIZE);
}

static void test_e2big_new_fields_pass_through(void **state)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE] = { 0 };

	(void)state;
	older_create_kernel(1);
	/* The caller wants a TTL the old kernel does not know: no retry. */
	assert_int_equal(cprhold_create(CTL, "ttl", 0, 1000, -1, secret), -E2BIG);
	assert_int_equal(fk.ncalls, 1);
	assert_false(fk.exists);
	/* Same for the user namespace. */
	assert_int_equal(cprhold_create(CTL, "ns", 0, 0, 3, secret), -E2BIG);
	assert_int_equal(fk.ncalls, 2);
	assert_false(fk.exists);
}

static void test_e2big_copy_struct_semantics(void **state)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE] = { 0 };

	(void)state;
	/* An older kernel that accepts a zero tail: no retry is needed ... */
	older_create_kernel(0);
	assert_true(cprhold_create(CTL, "zero-tail", 0, 0, -1, secret) >= 0);
	assert_int_equal(fk.ncalls, 1);
	/* ... and a non-zero one is E2BIG, passed through. */
	assert_int_equal(cprhold_create(CTL, "ttl", 0, 1, -1, secret), -E2BIG);
	assert_int_equal(fk.ncalls, 2);
}

static void test_e2big_no_smaller_layout(void **state)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE] = { 0 };

	(void)state;
	/* CLAIM's v1 struct is all mandatory: nothing smaller to try. */
	fk.kernel_size[CPRHOLD_CMD_CLAIM] = sizeof(struct cprhold_claim) - 8;
	fk.strict_size = 1;
	assert_int_equal(cprhold_claim(CTL, "x", secret, 0), -E2BIG);
	assert_int_equal(fk.ncalls, 1);
}

static void test_no_retry_on_other_errors(void **state)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE] = { 0 };

	(void)state;
	fk.fail_cmd = CPRHOLD_CREATE;
	fk.fail_errno = EINVAL;
	assert_int_equal(cprhold_create(CTL, "x", 0, 0, -1, secret), -EINVAL);
	assert_int_equal(fk.ncalls, 1);
}

/* Every call sends its struct's size and the v1 element sizes. */
static void test_sizes_sent(void **state)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE] = { 0 };
	struct cprhold_session_info info, infos[2];
	struct cprhold_entry e;
	struct cprhold_iter it = CPRHOLD_ITER_INIT;
	int sfd, cfd, efd = eventfd(0, EFD_CLOEXEC), fd, i;

	(void)state;
	fk.nsessions = 1;
	sfd = cprhold_create(CTL, "sizes", 0, 0, -1, secret);
	assert_int_equal(cprhold_park_one(sfd, efd, 1, NULL, NULL, NULL), 0);
	assert_int_equal(cprhold_info(sfd, &info), 0);
	assert_int_equal(cprhold_seal(sfd), 0);
	assert_true(cprhold_list_sessions(CTL, &it, infos, 2) > 0);
	assert_int_equal(cprhold_find_entry(sfd, 1, &e), 0);
	cfd = cprhold_claim(CTL, "sizes", secret, 0);
	fd = cprhold_retrieve_one(cfd, 1, 0);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(cprhold_abort(cfd), 0);
	cfd = cprhold_claim(CTL, "sizes", secret, 0);
	assert_int_equal(cprhold_finish(cfd), 0);
	assert_int_equal(cprhold_destroy(CTL, "sizes"), -ENOENT);
	close(efd);

	for (i = 0; i < fk.ncalls; i++) {
		uint32_t want = 0;

		switch (fk.calls[i].cmd) {
		case CPRHOLD_CREATE:
			want = sizeof(struct cprhold_create);
			break;
		case CPRHOLD_CLAIM:
			want = sizeof(struct cprhold_claim);
			break;
		case CPRHOLD_DESTROY:
			want = sizeof(struct cprhold_destroy);
			break;
		case CPRHOLD_LIST_SESSIONS:
			want = sizeof(struct cprhold_list_sessions);
			assert_int_equal(((const struct cprhold_list_sessions *)
					  fk_arg(i))->info_size, sizeof(info));
			break;
		case CPRHOLD_PARK:
			want = sizeof(struct cprhold_park);
			assert_int_equal(((const struct cprhold_park *)fk_arg(i))->entry_size,
					 sizeof(e));
			break;
		case CPRHOLD_LIST:
			want = sizeof(struct cprhold_list);
			assert_int_equal(((const struct cprhold_list *)fk_arg(i))->entry_size,
					 sizeof(e));
			break;
		case CPRHOLD_INFO:
			want = sizeof(struct cprhold_info);
			break;
		case CPRHOLD_SEAL:
		case CPRHOLD_FINISH:
		case CPRHOLD_ABORT:
			want = sizeof(struct cprhold_op);
			break;
		case CPRHOLD_RETRIEVE:
			want = sizeof(struct cprhold_retrieve);
			break;
		default:
			fail_msg("unexpected command %#lx", fk.calls[i].cmd);
		}
		assert_int_equal(fk.calls[i].size, want);
	}
	/* Every command was exercised. */
	assert_int_equal(fk.ncalls, 12);
}

/* ---- -errno for every operation -------------------------------------- */

static void test_errno_every_op(void **state)
{
	static const struct {
		unsigned long cmd;
		int err;
	} cases[] = {
		{ CPRHOLD_CLAIM, EACCES }, { CPRHOLD_DESTROY, EPERM },
		{ CPRHOLD_LIST_SESSIONS, EFAULT }, { CPRHOLD_PARK, EBADF },
		{ CPRHOLD_LIST, EOPNOTSUPP }, { CPRHOLD_INFO, ENOTTY },
		{ CPRHOLD_SEAL, EBUSY }, { CPRHOLD_FINISH, ENOENT },
		{ CPRHOLD_ABORT, EBUSY }, { CPRHOLD_RETRIEVE, EMFILE },
	};
	uint8_t secret[CPRHOLD_SECRET_SIZE] = { 0 };
	struct cprhold_session_info info, *infos = (void *)1;
	struct cprhold_entry e, *entries = (void *)1;
	struct cprhold_iter it;
	uint64_t tok = 1;
	int fds[1];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r1, r2 = -cases[i].err;

		fk.fail_cmd = cases[i].cmd;
		fk.fail_errno = cases[i].err;
		cprhold_iter_init(&it);
		switch (cases[i].cmd) {
		case CPRHOLD_CLAIM:
			r1 = cprhold_claim(CTL, "x", secret, 0);
			break;
		case CPRHOLD_DESTROY:
			r1 = cprhold_destroy(CTL, "x");
			break;
		case CPRHOLD_LIST_SESSIONS:
			r1 = cprhold_list_sessions(CTL, &it, &info, 1);
			r2 = cprhold_list_sessions_all(CTL, &infos);
			assert_null(infos);
			assert_int_equal(cprhold_count_sessions(CTL), -cases[i].err);
			break;
		case CPRHOLD_PARK:
			r1 = cprhold_park_one(5, 0, 1, NULL, NULL, NULL);
			cprhold_entry_init(&e, 0, 1, NULL, NULL);
			r2 = cprhold_park(5, &e, 1);
			break;
		case CPRHOLD_LIST:
			r1 = cprhold_list_entries(5, &it, &e, 1);
			r2 = cprhold_list_entries_all(5, &entries);
			assert_null(entries);
			assert_int_equal(cprhold_find_entry(5, 1, &e), -cases[i].err);
			break;
		case CPRHOLD_INFO:
			r1 = cprhold_info(5, &info);
			break;
		case CPRHOLD_SEAL:
			r1 = cprhold_seal(5);
			break;
		case CPRHOLD_FINISH:
			r1 = cprhold_finish(5);
			break;
		case CPRHOLD_ABORT:
			r1 = cprhold_abort(5);
			break;
		default:
			r1 = cprhold_retrieve(5, &tok, fds, 1, 0);
			r2 = cprhold_retrieve_one(5, 1, 0);
		}
		assert_int_equal(r1, -cases[i].err);
		assert_int_equal(r2, -cases[i].err);
	}
}

/* ---- claim, destroy, session ops ------------------------------------- */

static void test_claim(void **state)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE] = { 0 }, wrong[CPRHOLD_SECRET_SIZE];
	const struct cprhold_claim *c;
	int sfd, cfd;

	(void)state;
	assert_int_equal(cprhold_claim(CTL, NULL, secret, 0), -EINVAL);
	assert_int_equal(cprhold_claim(CTL, "vm-1", NULL, 0), -EINVAL);
	assert_int_equal(cprhold_claim(CTL, "", secret, 0), -EINVAL);
	assert_int_equal(fk.ncalls, 0);

	sfd = make_session(secret);
	memcpy(wrong, secret, sizeof(wrong));
	wrong[5] ^= 0x40;
	assert_int_equal(cprhold_claim(CTL, "vm-1", secret, 0), -EBUSY);
	assert_int_equal(cprhold_seal(sfd), 0);
	assert_int_equal(cprhold_claim(CTL, "vm-1", wrong, 0), -EACCES);
	assert_int_equal(cprhold_claim(CTL, "vm-2", secret, 0), -ENOENT);
	cfd = cprhold_claim(CTL, "vm-1", secret, CPRHOLD_CLAIM_NO_CLOEXEC);
	assert_true(cfd >= 0);
	assert_int_equal(cfd, fk.fds[1]);
	c = fk_arg(fk.ncalls - 1);
	assert_int_equal(c->flags, CPRHOLD_CLAIM_NO_CLOEXEC);
	assert_string_equal(c->name, "vm-1");
	assert_memory_equal(c->secret, secret, CPRHOLD_SECRET_SIZE);
	assert_int_equal(fk.state, CPRHOLD_STATE_CLAIMED);
	assert_int_equal(cprhold_claim(CTL, "vm-1", secret, 0), -EBUSY);
}

static void test_seal_flags(void **state)
{
	int sfd;

	(void)state;
	sfd = make_session(NULL);
	assert_int_equal(cprhold_seal_flags(sfd, 1u << 31), -EOPNOTSUPP);
	assert_int_equal(fk.state, CPRHOLD_STATE_OPEN);
	assert_int_equal(cprhold_seal_flags(sfd, CPRHOLD_SEAL_PREPARE_ADOPT), 0);
	assert_int_equal(((const struct cprhold_op *)fk_arg(fk.ncalls - 1))->flags,
			 CPRHOLD_SEAL_PREPARE_ADOPT);
	assert_int_equal(fk.state, CPRHOLD_STATE_SEALED);
	/* cprhold_seal() is the same call without flags. */
	assert_int_equal(cprhold_seal(sfd), -EBUSY);
	assert_int_equal(((const struct cprhold_op *)fk_arg(fk.ncalls - 1))->flags, 0);
}

static void test_destroy(void **state)
{
	char longname[CPRHOLD_NAME_MAX + 8];

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(cprhold_destroy(CTL, NULL), -EINVAL);
	assert_int_equal(cprhold_destroy(CTL, ""), -EINVAL);
	assert_int_equal(cprhold_destroy(CTL, longname), -ENAMETOOLONG);
	assert_int_equal(fk.ncalls, 0);
	assert_int_equal(cprhold_destroy(CTL, "vm-1"), -ENOENT);
	make_session(NULL);
	assert_int_equal(cprhold_destroy(CTL, "vm-1"), 0);
	assert_string_equal(((const struct cprhold_destroy *)fk_arg(fk.ncalls - 1))->name,
			    "vm-1");
	assert_false(fk.exists);
}

static void test_session_ops(void **state)
{
	struct cprhold_session_info info;
	uint8_t secret[CPRHOLD_SECRET_SIZE] = { 0 };
	int sfd, cfd;

	(void)state;
	assert_int_equal(cprhold_info(5, NULL), -EINVAL);
	assert_int_equal(fk.ncalls, 0);
	sfd = make_session(secret);
	memset(&info, 0xff, sizeof(info));
	assert_int_equal(cprhold_info(sfd, &info), 0);
	assert_string_equal(info.name, "vm-1");
	assert_int_equal(info.state, CPRHOLD_STATE_OPEN);
	assert_int_equal(info.creator_pid, getpid());
	assert_int_equal(cprhold_finish(sfd), -EBUSY);
	assert_int_equal(cprhold_abort(sfd), -EBUSY);
	assert_int_equal(cprhold_seal(sfd), 0);
	assert_int_equal(cprhold_seal(sfd), -EBUSY);
	assert_int_equal(cprhold_info(sfd, &info), 0);
	assert_int_equal(info.state, CPRHOLD_STATE_SEALED);
	cfd = cprhold_claim(CTL, "vm-1", secret, 0);
	assert_int_equal(cprhold_abort(cfd), 0);
	assert_int_equal(fk.state, CPRHOLD_STATE_SEALED);
	cfd = cprhold_claim(CTL, "vm-1", secret, 0);
	assert_int_equal(cprhold_finish(cfd), 0);
	assert_int_equal(cprhold_info(cfd, &info), 0);
	assert_int_equal(info.state, CPRHOLD_STATE_FINISHED);
	assert_int_equal(cprhold_seal(sfd), -ENOENT);
}

static void test_watch(void **state)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE] = { 0 }, wrong[CPRHOLD_SECRET_SIZE];
	const struct cprhold_claim *c;
	int wfd;

	(void)state;
	assert_int_equal(cprhold_watch(CTL, NULL, secret, 0), -EINVAL);
	assert_int_equal(cprhold_watch(CTL, "vm-1", NULL, 0), -EINVAL);
	assert_int_equal(cprhold_watch(CTL, "vm-1", secret, CPRHOLD_CLAIM_WATCH), -EINVAL);
	assert_int_equal(fk.ncalls, 0);
	assert_int_equal(cprhold_watch(CTL, "vm-1", secret, 0), -ENOENT);
	make_session(secret);
	memcpy(wrong, secret, sizeof(wrong));
	wrong[0] ^= 1;
	assert_int_equal(cprhold_watch(CTL, "vm-1", wrong, 0), -EACCES);
	/* OPEN: watchable, and nothing changes. */
	wfd = cprhold_watch(CTL, "vm-1", secret, CPRHOLD_CLAIM_NO_CLOEXEC);
	assert_true(wfd >= 0);
	c = fk_arg(fk.ncalls - 1);
	assert_int_equal(c->flags, CPRHOLD_CLAIM_WATCH | CPRHOLD_CLAIM_NO_CLOEXEC);
	assert_int_equal(fk.state, CPRHOLD_STATE_OPEN);
}

static void test_wait(void **state)
{
	struct cprhold_session_info info;
	uint8_t secret[CPRHOLD_SECRET_SIZE] = { 0 };
	uint32_t sealed = CPRHOLD_STATE_BIT(CPRHOLD_STATE_SEALED);
	int sfd;

	(void)state;
	sfd = make_session(secret);
	fk.ncalls = 0;
	assert_int_equal(cprhold_wait(sfd, 0, -1, NULL), -EINVAL);
	assert_int_equal(cprhold_wait(sfd, 1u << 9, -1, NULL), -EINVAL);
	assert_int_equal(fk.ncalls, 0);

	/* Already there: one INFO, no sleep. */
	assert_int_equal(cprhold_wait(sfd, CPRHOLD_STATE_BIT(CPRHOLD_STATE_OPEN), -1, &info), 0);
	assert_int_equal(info.state, CPRHOLD_STATE_OPEN);
	assert_int_equal(fk.npoll, 0);

	/* 0 only looks. */
	assert_int_equal(cprhold_wait(sfd, sealed, 0, NULL), -ETIMEDOUT);
	assert_int_equal(fk.npoll, 0);

	/* Sleeps through changes it does not wait for, and signals. */
	fk.ncalls = 0;
	fk.poll_eintr = 2;
	fk.poll_script[0] = CPRHOLD_STATE_OPEN;		/* a spurious wake-up */
	fk.poll_script[1] = CPRHOLD_STATE_SEALED;
	fk.npoll_script = 2;
	assert_int_equal(cprhold_wait(sfd, sealed, -1, &info), 0);
	assert_int_equal(info.state, CPRHOLD_STATE_SEALED);
	assert_int_equal(fk.npoll, 4);
	assert_int_equal(fk.poll_timeouts[0], -1);
	assert_int_equal(fk.poll_timeouts[3], -1);
	assert_int_equal(fk_count(CPRHOLD_INFO), 5);

	/* Nothing more changes: the timeout, counted down across wake-ups. */
	fk.npoll = 0;
	fk.poll_eintr = 1;
	fk.npoll_script = 0;
	assert_int_equal(cprhold_wait(sfd, CPRHOLD_STATE_BIT(CPRHOLD_STATE_CLAIMED),
				      5000, NULL), -ETIMEDOUT);
	assert_int_equal(fk.npoll, 2);
	assert_true(fk.poll_timeouts[0] > 4000 && fk.poll_timeouts[0] <= 5000);
	assert_true(fk.poll_timeouts[1] <= fk.poll_timeouts[0]);

	/* It ended instead: -ENOENT, with the state to tell. */
	fk.npoll = 0;
	fk.poll_eintr = 0;
	fk.poll_script[0] = CPRHOLD_STATE_FINISHED;
	fk.npoll_script = 1;
	assert_int_equal(cprhold_wait(sfd, CPRHOLD_STATE_BIT(CPRHOLD_STATE_CLAIMED),
				      -1, &info), -ENOENT);
	assert_int_equal(info.state, CPRHOLD_STATE_FINISHED);
	/* ... unless that is what it waits for. */
	assert_int_equal(cprhold_wait(sfd, CPRHOLD_STATE_BIT(CPRHOLD_STATE_FINISHED),
				      -1, &info), 0);

	/* INFO fails (not a session fd): its error. */
	fk.fail_cmd = CPRHOLD_INFO;
	fk.fail_errno = ENOTTY;
	assert_int_equal(cprhold_wait(sfd, sealed, -1, NULL), -ENOTTY);
}

/* ---- park ------------------------------------------------------------- */

static void test_entry_init(void **state)
{
	struct cprhold_entry e;
	char label[CPRHOLD_LABEL_MAX + 1];

	(void)state;
	assert_int_equal(cprhold_entry_init(NULL, 3, 1, NULL, NULL), -EINVAL);
	memset(&e, 0xee, sizeof(e));
	assert_int_equal(cprhold_entry_init(&e, 3, 42, "ram0", NULL), 0);
	assert_int_equal(e.fd, 3);
	assert_int_equal(e.token, 42);
	assert_string_equal(e.label, "ram0");
	assert_int_equal(e.flags, 0);
	assert_int_equal(e.addr, 0);
	assert_int_equal(e.type, 0);
	assert_int_equal(e.label[CPRHOLD_LABEL_MAX - 1], 0);
	assert_int_equal(cprhold_entry_init(&e, 3, 42, NULL, (void *)0x200000), 0);
	assert_int_equal(e.flags, CPRHOLD_ENTRY_ADDR);
	assert_int_equal(e.addr, 0x200000);
	assert_int_equal(e.label[0], 0);
	memset(label, 'l', sizeof(label) - 1);
	label[sizeof(label) - 1] = '\0';
	assert_int_equal(cprhold_entry_init(&e, 3, 1, label, NULL), -ENAMETOOLONG);
	label[CPRHOLD_LABEL_MAX - 1] = '\0';	/* 31 characters fit */
	assert_int_equal(cprhold_entry_init(&e, 3, 1, label, NULL), 0);
	assert_int_equal(fk.ncalls, 0);
}

static void test_park_batch_one_ioctl(void **state)
{
	struct cprhold_entry e[3];
	const struct cprhold_park *p;
	int sfd, efd = eventfd(0, EFD_CLOEXEC);
	int mfd = memfd_create("ram", MFD_CLOEXEC);

	(void)state;
	assert_int_equal(ftruncate(mfd, 65536), 0);
	sfd = make_session(NULL);
	assert_int_equal(cprhold_park(sfd, NULL, 1), -EINVAL);
	assert_int_equal(cprhold_park(sfd, e, 0), -EINVAL);
	assert_int_equal(fk.ncalls, 1);	/* the create */

	cprhold_entry_init(&e[0], mfd, 10, "ram0", NULL);
	cprhold_entry_init(&e[1], efd, 11, "irq0", NULL);
	cprhold_entry_init(&e[2], efd, 12, "irq1", NULL);
	assert_int_equal(cprhold_park(sfd, e, 3), 0);
	assert_int_equal(fk_count(CPRHOLD_PARK), 1);
	p = fk_arg(1);
	assert_int_equal(p->count, 3);
	assert_int_equal(p->entry_size, sizeof(struct cprhold_entry));
	assert_true(p->entries == (uintptr_t)e);
	/* No report asked for: the entries are only read. */
	assert_int_equal(p->flags, 0);
	assert_int_equal(e[0].type, CPRHOLD_ENTRY_OTHER);
	assert_int_equal(e[0].data.mem.size, 0);
	assert_int_equal(fk.nentries, 3);
	/* A failing batch parks nothing and says why. */
	cprhold_entry_init(&e[0], efd, 13, NULL, NULL);
	cprhold_entry_init(&e[1], efd, 10, NULL, NULL);
	assert_int_equal(cprhold_park(sfd, e, 2), -EEXIST);
	cprhold_entry_init(&e[1], 999, 14, NULL, NULL);
	assert_int_equal(cprhold_park(sfd, e, 2), -EBADF);
	assert_int_equal(fk.nentries, 3);
	close(efd);
	close(mfd);
}

static void test_park_fds(void **state)
{
	const struct cprhold_park *p;
	int sfd, fds[2] = { 0, 1 };

	(void)state;
	sfd = make_session(NULL);
	assert_int_equal(cprhold_park_fds(sfd, NULL, 2, 1), -EINVAL);
	assert_int_equal(cprhold_park_fds(sfd, fds, 0, 1), -EINVAL);
	assert_int_equal(fk.ncalls, 1);	/* the create */

	/* One CPRHOLD_PARK with the fd array (this fake kernel lacks it). */
	assert_int_equal(cprhold_park_fds(sfd, fds, 2, 7), -EOPNOTSUPP);
	assert_int_equal(fk.ncalls, 2);
	assert_int_equal(fk.calls[1].size, CPRHOLD_PARK_SIZE_VER1);
	p = fk_arg(1);
	assert_int_equal(p->flags, CPRHOLD_PARK_FDS);
	assert_int_equal(p->count, 2);
	assert_int_equal(p->entry_size, 0);
	assert_true(p->entries == (uintptr_t)fds);
	assert_true(p->first_token == 7);

	/*
	 * A kernel whose struct ends before first_token: a token it cannot
	 * see is E2BIG, which no retry hides and the library reports as the
	 * missing feature; with first token 0 the zero tail is accepted and
	 * its answer (no such flag) comes back.
	 */
	fk.kernel_size[CPRHOLD_CMD_PARK] = CPRHOLD_PARK_SIZE_VER0;
	assert_int_equal(cprhold_park_fds(sfd, fds, 2, 7), -EOPNOTSUPP);
	assert_int_equal(fk.ncalls, 3);
	assert_int_equal(cprhold_park_fds(sfd, fds, 2, 0), -EOPNOTSUPP);
	assert_int_equal(fk.ncalls, 4);
	assert_int_equal(fk.nentries, 0);
}

static void test_park_one(void **state)
{
	struct cprhold_entry out;
	const struct cprhold_entry *sent;
	char label[40];
	int sfd, mfd = memfd_create("ram", MFD_CLOEXEC);

	(void)state;
	assert_int_equal(ftruncate(mfd, 8192), 0);
	sfd = make_session(NULL);
	memset(label, 'x', sizeof(label) - 1);
	label[sizeof(label) - 1] = '\0';
	assert_int_equal(cprhold_park_one(sfd, mfd, 1, label, NULL, NULL), -ENAMETOOLONG);
	assert_int_equal(fk_count(CPRHOLD_PARK), 0);
	assert_int_equal(cprhold_park_one(sfd, mfd, 7, "ram", (void *)0x7f0000000000, &out), 0);
	/* @out asks the kernel for its report. */
	assert_int_equal(((const struct cprhold_park *)fk_arg(fk.ncalls - 1))->flags,
			 CPRHOLD_PARK_REPORT);
	assert_int_equal(out.type, CPRHOLD_ENTRY_MEMFD);
	assert_int_equal(out.data.mem.size, 8192);
	assert_int_equal(out.token, 7);
	sent = &fk.entries[0].e;
	assert_int_equal(sent->flags, CPRHOLD_ENTRY_ADDR);
	assert_int_equal(sent->addr, 0x7f0000000000);
	assert_string_equal(sent->label, "ram");
	/* Without @out it works the same, without a report. */
	assert_int_equal(cprhold_park_one(sfd, mfd, 8, NULL, NULL, NULL), 0);
	assert_int_equal(((const struct cprhold_park *)fk_arg(fk.ncalls - 1))->flags, 0);
	assert_int_equal(fk.entries[1].e.flags, 0);
	close(mfd);
}

/* ---- listings --------------------------------------------------------- */

static void test_list_sessions_paging(void **state)
{
	struct cprhold_session_info buf[16];
	struct cprhold_iter it = CPRHOLD_ITER_INIT;
	int n, seen = 0, calls, i;

	(void)state;
	assert_int_equal(cprhold_list_sessions(CTL, NULL, buf, 16), -EINVAL);
	assert_int_equal(cprhold_list_sessions(CTL, &it, NULL, 16), -EINVAL);
	assert_int_equal(cprhold_list_sessions(CTL, &it, buf, 0), -EINVAL);
	assert_int_equal(fk.ncalls, 0);

	fk.nsessions = 150;
	while ((n = cprhold_list_sessions(CTL, &it, buf, 16)) > 0) {
		assert_true(n <= 16);
		for (i = 0; i < n; i++) {
			char want[16];

			snprintf(want, sizeof(want), "s%d", ++seen);
			assert_string_equal(buf[i].name, want);
		}
		assert_int_equal(it.total, 150);
	}
	assert_int_equal(n, 0);
	assert_int_equal(seen, 150);
	/* Done: no more ioctls. */
	calls = fk.ncalls;
	assert_int_equal(cprhold_list_sessions(CTL, &it, buf, 16), 0);
	assert_int_equal(fk.ncalls, calls);
	/* A fresh iterator starts again; the kernel's page limit holds. */
	cprhold_iter_init(&it);
	{
		struct cprhold_session_info *big = calloc(100, sizeof(*big));

		assert_int_equal(cprhold_list_sessions(CTL, &it, big, 100), 64);
		assert_string_equal(big[0].name, "s1");
		assert_int_equal(cprhold_list_sessions(CTL, &it, big, 100), 64);
		assert_string_equal(big[0].name, "s65");
		free(big);
	}
	/* A kernel that claims more than asked is refused. */
	fk.bogus_count = 1;
	cprhold_iter_init(&it);
	assert_int_equal(cprhold_list_sessions(CTL, &it, buf, 16), -EPROTO);
}

static void test_list_sessions_all(void **state)
{
	struct cprhold_session_info *infos = (void *)1;
	int n, i;

	(void)state;
	assert_int_equal(cprhold_list_sessions_all(CTL, NULL), -EINVAL);
	assert_int_equal(cprhold_list_sessions_all(CTL, &infos), 0);
	assert_null(infos);
	fk.nsessions = 300;
	n = cprhold_list_sessions_all(CTL, &infos);
	assert_int_equal(n, 300);
	assert_non_null(infos);
	for (i = 0; i < n; i++)
		assert_int_equal(infos[i].nr_entries, (uint32_t)i + 1);
	free(infos);
	/* An error half-way frees and reports it. */
	fk.page_max = 10;
	fk.fail_cmd = CPRHOLD_LIST_SESSIONS;
	fk.fail_errno = ENOMEM;
	infos = (void *)1;
	assert_int_equal(cprhold_list_sessions_all(CTL, &infos), -ENOMEM);
	assert_null(infos);
}

static void test_count_sessions(void **state)
{
	const struct cprhold_list_sessions *l;

	(void)state;
	fk.nsessions = 77;
	assert_int_equal(cprhold_count_sessions(CTL), 77);
	assert_int_equal(fk.ncalls, 1);
	l = fk_arg(0);
	assert_int_equal(l->count, 0);
	assert_int_equal(l->info_size, sizeof(struct cprhold_session_info));
}

static void park_tokens(int sfd, const uint64_t *tokens, int n)
{
	struct cprhold_entry e[200];
	int efd = eventfd(0, EFD_CLOEXEC), i;

	assert_true(n <= 200);
	for (i = 0; i < n; i++)
		cprhold_entry_init(&e[i], efd, tokens[i], "t", NULL);
	assert_int_equal(cprhold_park(sfd, e, (unsigned int)n), 0);
	close(efd);
}

static void test_list_entries_paging(void **state)
{
	uint64_t tokens[130];
	struct cprhold_entry buf[7];
	struct cprhold_iter it = CPRHOLD_ITER_INIT;
	int sfd, n, seen = 0, i, calls;
	uint64_t last = 0;

	(void)state;
	/* Token 0 and the largest token included: edge cases of the cursor. */
	for (i = 0; i < 129; i++)
		tokens[i] = (uint64_t)i * 3;
	tokens[129] = UINT64_MAX;
	sfd = make_session(NULL);
	park_tokens(sfd, tokens, 130);
	assert_int_equal(cprhold_list_entries(sfd, NULL, buf, 7), -EINVAL);
	assert_int_equal(cprhold_list_entries(sfd, &it, NULL, 7), -EINVAL);
	assert_int_equal(cprhold_list_entries(sfd, &it, buf, 0), -EINVAL);
	calls = fk.ncalls;
	while ((n = cprhold_list_entries(sfd, &it, buf, 7)) > 0) {
		for (i = 0; i < n; i++, seen++) {
			assert_true(seen < 130);
			assert_int_equal(buf[i].token, tokens[seen]);
			assert_true(seen == 0 || buf[i].token > last);
			last = buf[i].token;
		}
	}
	assert_int_equal(n, 0);
	assert_int_equal(seen, 130);
	assert_int_equal(it.total, 130);
	/* 130 entries in pages of 7: 19 calls, no extra empty round trip. */
	assert_int_equal(fk.ncalls - calls, 19);
	assert_int_equal(cprhold_list_entries(sfd, &it, buf, 7), 0);
	assert_int_equal(fk.ncalls - calls, 19);
}

static void test_list_entries_all(void **state)
{
	uint64_t tokens[150];
	struct cprhold_entry *entries = (void *)1;
	int sfd, n, i;

	(void)state;
	sfd = make_session(NULL);
	assert_int_equal(cprhold_list_entries_all(sfd, NULL), -EINVAL);
	assert_int_equal(cprhold_list_entries_all(sfd, &entries), 0);
	assert_null(entries);
	for (i = 0; i < 150; i++)
		tokens[i] = 1000 - (uint64_t)i;
	park_tokens(sfd, tokens, 150);
	n = cprhold_list_entries_all(sfd, &entries);
	assert_int_equal(n, 150);
	for (i = 0; i < n; i++) {
		assert_int_equal(entries[i].token, 851 + (uint64_t)i);
		assert_int_equal(entries[i].fd, -1);
		assert_string_equal(entries[i].label, "t");
	}
	free(entries);
}

static void test_find_entry(void **state)
{
	static const uint64_t tokens[] = { 5, 10, 20 };
	struct cprhold_entry e;
	const struct cprhold_list *l;
	int sfd;

	(void)state;
	sfd = make_session(NULL);
	park_tokens(sfd, tokens, 3);
	assert_int_equal(cprhold_find_entry(sfd, 10, NULL), -EINVAL);
	assert_int_equal(cprhold_find_entry(sfd, 10, &e), 0);
	assert_int_equal(e.token, 10);
	l = fk_arg(fk.ncalls - 1);
	assert_int_equal(l->cursor, 10);
	assert_int_equal(l->count, 1);
	/* Between tokens, before and after all of them; @e stays as it was. */
	assert_int_equal(cprhold_find_entry(sfd, 11, &e), -ENOENT);
	assert_int_equal(e.token, 10);
	assert_int_equal(cprhold_find_entry(sfd, 0, &e), -ENOENT);
	assert_int_equal(cprhold_find_entry(sfd, 21, &e), -ENOENT);
	assert_int_equal(cprhold_find_entry(sfd, 20, &e), 0);
}

/* ---- retrieve --------------------------------------------------------- */

static void test_retrieve(void **state)
{
	uint64_t tokens[3] = { 2, 1, 2 };
	const struct cprhold_retrieve *r;
	int cfd, fds[3] = { -1, -1, -1 }, fd, before;

	(void)state;
	cfd = make_claimed(2);
	assert_int_equal(cprhold_retrieve(cfd, NULL, fds, 1, 0), -EINVAL);
	assert_int_equal(cprhold_retrieve(cfd, tokens, NULL, 1, 0), -EINVAL);
	assert_int_equal(cprhold_retrieve(cfd, tokens, fds, 0, 0), -EINVAL);
	assert_int_equal(fk_count(CPRHOLD_RETRIEVE), 0);

	assert_int_equal(cprhold_retrieve(cfd, tokens, fds, 3, 0), 0);
	assert_int_equal(fk_count(CPRHOLD_RETRIEVE), 1);
	r = fk_arg(fk.ncalls - 1);
	assert_int_equal(r->count, 3);
	assert_int_equal(r->flags, 0);
	assert_true(r->tokens == (uintptr_t)tokens);
	assert_true(r->fds == (uintptr_t)fds);
	same_file(fds[0], fk.entries[1].file);
	same_file(fds[1], fk.entries[0].file);
	same_file(fds[2], fk.entries[1].file);
	assert_true(fds[0] != fds[2]);
	assert_int_equal(fcntl(fds[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fds[0]);
	close(fds[1]);
	close(fds[2]);

	fd = cprhold_retrieve_one(cfd, 1, CPRHOLD_RETRIEVE_NO_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	same_file(fd, fk.entries[0].file);
	close(fd);
	before = fk_open_fds();
	assert_int_equal(cprhold_retrieve_one(cfd, 99, 0), -ENOENT);
	assert_int_equal(fk_open_fds(), before);
}

static void test_retrieve_range(void **state)
{
	const struct cprhold_retrieve *r;
	int cfd, fds[2] = { -1, -1 }, before;

	(void)state;
	cfd = make_claimed(2);
	assert_int_equal(cprhold_retrieve_range(cfd, 1, NULL, 2, 0), -EINVAL);
	assert_int_equal(cprhold_retrieve_range(cfd, 1, fds, 0, 0), -EINVAL);
	assert_int_equal(fk_count(CPRHOLD_RETRIEVE), 0);

	/* One CPRHOLD_RETRIEVE with the range, no token array. */
	assert_int_equal(cprhold_retrieve_range(cfd, 1, fds, 2, CPRHOLD_RETRIEVE_NO_CLOEXEC), 0);
	assert_int_equal(fk_count(CPRHOLD_RETRIEVE), 1);
	assert_int_equal(fk.calls[fk.ncalls - 1].size, CPRHOLD_RETRIEVE_SIZE_VER1);
	r = fk_arg(fk.ncalls - 1);
	assert_int_equal(r->flags, CPRHOLD_RETRIEVE_TOKEN_RANGE | CPRHOLD_RETRIEVE_NO_CLOEXEC);
	assert_int_equal(r->count, 2);
	assert_true(r->tokens == 0);
	assert_true(r->first_token == 1);
	assert_true(r->fds == (uintptr_t)fds);
	same_file(fds[0], fk.entries[0].file);
	same_file(fds[1], fk.entries[1].file);
	assert_int_equal(fcntl(fds[0], F_GETFD) & FD_CLOEXEC, 0);
	close(fds[0]);
	close(fds[1]);

	before = fk_open_fds();
	assert_int_equal(cprhold_retrieve_range(cfd, 2, fds, 2, 0), -ENOENT);
	assert_int_equal(cprhold_retrieve_range(cfd, UINT64_MAX, fds, 2, 0), -EOVERFLOW);
	assert_int_equal(fk_open_fds(), before);

	/*
	 * A kernel whose struct ends before first_token: a range it cannot
	 * see is E2BIG, reported as the missing feature, while the kernel
	 * takes an array retrieve's zero tail as it is.
	 */
	fk.kernel_size[CPRHOLD_CMD_RETRIEVE] = CPRHOLD_RETRIEVE_SIZE_VER0;
	assert_int_equal(cprhold_retrieve_range(cfd, 1, fds, 2, 0), -EOPNOTSUPP);
	fds[0] = cprhold_retrieve_one(cfd, 2, 0);
	assert_true(fds[0] >= 0);
	assert_int_equal(fk.calls[fk.ncalls - 1].size, CPRHOLD_RETRIEVE_SIZE_VER1);
	same_file(fds[0], fk.entries[1].file);
	close(fds[0]);
	assert_int_equal(fk_open_fds(), before);
}

static void test_version(void **state)
{
	char want[32];

	(void)state;
	snprintf(want, sizeof(want), "%d.%d.%d", LIBCPRHOLD_VERSION_MAJOR,
		 LIBCPRHOLD_VERSION_MINOR, LIBCPRHOLD_VERSION_PATCH);
	assert_string_equal(cprhold_version(), want);
	assert_int_equal(LIBCPRHOLD_VERSION_MAJOR, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open),
		T(test_create_validation),
		T(test_create_request),
		T(test_create_userns_implies_flag),
		T(test_create_errno),
		T(test_sizes_v1),
		T(test_e2big_fallback_retry),
		T(test_e2big_new_fields_pass_through),
		T(test_e2big_copy_struct_semantics),
		T(test_e2big_no_smaller_layout),
		T(test_no_retry_on_other_errors),
		T(test_sizes_sent),
		T(test_errno_every_op),
		T(test_claim),
		T(test_seal_flags),
		T(test_destroy),
		T(test_session_ops),
		T(test_watch),
		T(test_wait),
		T(test_entry_init),
		T(test_park_batch_one_ioctl),
		T(test_park_fds),
		T(test_park_one),
		T(test_list_sessions_paging),
		T(test_list_sessions_all),
		T(test_count_sessions),
		T(test_list_entries_paging),
		T(test_list_entries_all),
		T(test_find_entry),
		T(test_retrieve),
		T(test_retrieve_range),
		T(test_version),
	};

	return cmocka_run_group_tests_name("libcprhold", tests, NULL, NULL);
}
