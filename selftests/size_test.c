// SPDX-License-Identifier: GPL-2.0
/*
 * size_test - struct size negotiation of every ioctl, in the way of
 * iommufd's TEST_LENGTH: shorter than the first layout (EINVAL), the
 * first layout (CPRHOLD_*_SIZE_VER0, as an old caller), today's size, a
 * future caller's larger struct with a zero tail (accepted) and with a
 * non-zero tail (E2BIG); a failing call leaves the caller's bytes as they
 * were.  Output arrays: element sizes from the first layout up, the
 * caller's bytes beyond the kernel's element zeroed.
 */
#include <sys/eventfd.h>

#include "lib/ch.h"
#include "lib/harness.h"

#define TAIL 16

struct sess {
	int ctl, sfd, cfd;
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
};

enum stage { OPEN, SEALED, CLAIMED };

static void sess_new(struct sess *s, enum stage st)
{
	int efd;

	s->cfd = -1;
	ch_name(s->name, sizeof(s->name), "size");
	s->sfd = ch_create(s->ctl, s->name, s->secret);
	efd = eventfd(0, EFD_CLOEXEC);
	if (s->sfd < 0 || ch_park1(s->sfd, efd, 1, NULL))
		abort();
	close(efd);
	if (st >= SEALED && ch_seal(s->sfd))
		abort();
	if (st >= CLAIMED) {
		s->cfd = ch_claim(s->ctl, s->name, s->secret);
		if (s->cfd < 0)
			abort();
	}
}

static void sess_end(struct sess *s)
{
	ch_destroy(s->ctl, s->name);
	if (s->cfd >= 0)
		close(s->cfd);
	close(s->sfd);
}

/*
 * One call of @cmd on @fd with @arg (@ksize bytes, today's struct) sent
 * as @usize bytes, the bytes beyond @ksize set to @tail.  Returns 0 or
 * errno; on error checks the caller's bytes did not change.
 */
static int call_sized(struct __test_metadata *_metadata, int fd, unsigned long cmd,
		      const void *arg, size_t ksize, size_t usize, unsigned char tail)
{
	unsigned char buf[512], copy[512];
	uint32_t size = usize;
	int ret;

	ASSERT_LE(usize, sizeof(buf));
	memset(buf, tail, sizeof(buf));
	memcpy(buf, arg, ksize < usize ? ksize : usize);
	memcpy(buf, &size, sizeof(size));
	memcpy(copy, buf, sizeof(buf));
	ret = ioctl(fd, cmd, buf) ? errno : 0;
	if (ret)
		EXPECT_EQ(0, memcmp(buf, copy, usize));
	return ret;
}

/*
 * The five sizes for one command.  @setup gives a fresh @fd on which the
 * call succeeds with good input, @teardown undoes a success.
 */
#define SIZES(ver0, type, mkarg, getfd, teardown) do {			\
		type a;							\
		size_t k = sizeof(a);					\
		int fd;							\
									\
		mkarg;							\
		fd = getfd;						\
		EXPECT_EQ(EINVAL, call_sized(_metadata, fd, CMD, &a, k, (ver0) - 1, 0)); \
		EXPECT_EQ(EINVAL, call_sized(_metadata, fd, CMD, &a, k, 0, 0)); \
		EXPECT_EQ(0, call_sized(_metadata, fd, CMD, &a, k, (ver0), 0)); \
		teardown;						\
		mkarg;							\
		fd = getfd;						\
		EXPECT_EQ(0, call_sized(_metadata, fd, CMD, &a, k, k, 0)); \
		teardown;						\
		mkarg;							\
		fd = getfd;						\
		EXPECT_EQ(E2BIG, call_sized(_metadata, fd, CMD, &a, k, k + TAIL, 0x5a)); \
		EXPECT_EQ(0, call_sized(_metadata, fd, CMD, &a, k, k + TAIL, 0)); \
		teardown;						\
	} while (0)

FIXTURE(sz) {
	struct sess s;
};

FIXTURE_SETUP(sz)
{
	self->s.ctl = ch_open();
	ASSERT_GE(self->s.ctl, 0);
}

FIXTURE_TEARDOWN(sz)
{
	close(self->s.ctl);
}

TEST_F(sz, create)
{
	char name[CPRHOLD_NAME_MAX];
	struct cprhold_create out;
#define CMD CPRHOLD_CREATE
	SIZES(CPRHOLD_CREATE_SIZE_VER0, struct cprhold_create,
	      (memset(&a, 0, k), ch_name(name, sizeof(name), "szc"),
	       ch_strcpy(a.name, sizeof(a.name), name)),
	      self->s.ctl, ch_destroy(self->s.ctl, name));
#undef CMD
	(void)out;
}

TEST_F(sz, claim)
{
	struct sess *s = &self->s;
#define CMD CPRHOLD_CLAIM
	SIZES(CPRHOLD_CLAIM_SIZE_VER0, struct cprhold_claim,
	      (sess_new(s, SEALED), memset(&a, 0, k),
	       ch_strcpy(a.name, sizeof(a.name), s->name),
	       memcpy(a.secret, s->secret, sizeof(a.secret))),
	      s->ctl, sess_end(s));
#undef CMD
}

TEST_F(sz, destroy)
{
	struct sess *s = &self->s;
#define CMD CPRHOLD_DESTROY
	SIZES(CPRHOLD_DESTROY_SIZE_VER0, struct cprhold_destroy,
	      (sess_new(s, OPEN), memset(&a, 0, k), ch_strcpy(a.name, sizeof(a.name), s->name)),
	      s->ctl, sess_end(s));
#undef CMD
}

TEST_F(sz, list_sessions)
{
	struct cprhold_session_info infos[2];
	struct sess *s = &self->s;
#define CMD CPRHOLD_LIST_SESSIONS
	SIZES(CPRHOLD_LIST_SESSIONS_SIZE_VER0, struct cprhold_list_sessions,
	      (memset(&a, 0, k), a.count = 2, a.info_size = sizeof(infos[0]),
	       a.sessions = (uintptr_t)infos),
	      s->ctl, (void)0);
#undef CMD
}

TEST_F(sz, park)
{
	struct sess *s = &self->s;
	struct cprhold_entry e;
	int efd = eventfd(0, EFD_CLOEXEC);
	uint64_t token = 100;

	sess_new(s, OPEN);
#define CMD CPRHOLD_PARK
	SIZES(CPRHOLD_PARK_SIZE_VER0, struct cprhold_park,
	      (ch_entry(&e, efd, token++, NULL), memset(&a, 0, k), a.count = 1,
	       a.entry_size = sizeof(e), a.entries = (uintptr_t)&e),
	      s->sfd, (void)0);
#undef CMD
	sess_end(s);
	close(efd);
}

TEST_F(sz, list)
{
	struct sess *s = &self->s;
	struct cprhold_entry e[2];

	sess_new(s, OPEN);
#define CMD CPRHOLD_LIST
	SIZES(CPRHOLD_LIST_SIZE_VER0, struct cprhold_list,
	      (memset(&a, 0, k), a.count = 2, a.entry_size = sizeof(e[0]),
	       a.entries = (uintptr_t)e),
	      s->sfd, (void)0);
#undef CMD
	sess_end(s);
}

TEST_F(sz, info)
{
	struct sess *s = &self->s;

	sess_new(s, OPEN);
#define CMD CPRHOLD_INFO
	SIZES(CPRHOLD_INFO_SIZE_VER0, struct cprhold_info, memset(&a, 0, k), s->sfd, (void)0);
#undef CMD
	sess_end(s);
}

TEST_F(sz, seal)
{
	struct sess *s = &self->s;
#define CMD CPRHOLD_SEAL
	SIZES(CPRHOLD_OP_SIZE_VER0, struct cprhold_op, (sess_new(s, OPEN), memset(&a, 0, k)),
	      s->sfd, sess_end(s));
#undef CMD
}

TEST_F(sz, retrieve)
{
	struct sess *s = &self->s;
	uint64_t token = 1;
	int out = -1;
#define CMD CPRHOLD_RETRIEVE
	SIZES(CPRHOLD_RETRIEVE_SIZE_VER0, struct cprhold_retrieve,
	      (sess_new(s, CLAIMED), memset(&a, 0, k), a.count = 1,
	       a.tokens = (uintptr_t)&token, a.fds = (uintptr_t)&out),
	      s->cfd, (close(out), sess_end(s)));
#undef CMD
}

TEST_F(sz, finish)
{
	struct sess *s = &self->s;
#define CMD CPRHOLD_FINISH
	SIZES(CPRHOLD_OP_SIZE_VER0, struct cprhold_op, (sess_new(s, CLAIMED), memset(&a, 0, k)),
	      s->cfd, sess_end(s));
#undef CMD
}

TEST_F(sz, abort)
{
	struct sess *s = &self->s;
#define CMD CPRHOLD_ABORT
	SIZES(CPRHOLD_OP_SIZE_VER0, struct cprhold_op, (sess_new(s, CLAIMED), memset(&a, 0, k)),
	      s->cfd, sess_end(s));
#undef CMD
}

/* Output elements: first layout, today's, larger (tail zeroed), too big. */
TEST_F(sz, list_elements)
{
	struct sess *s = &self->s;
	unsigned char buf[2 * 4200];
	size_t ks = sizeof(struct cprhold_entry), i;
	struct cprhold_list l;
	const size_t sizes[] = { CPRHOLD_ENTRY_SIZE_VER0, ks, ks + TAIL };

	sess_new(s, OPEN);
	for (i = 0; i < 3; i++) {
		memset(buf, 0xab, sizeof(buf));
		memset(&l, 0, sizeof(l));
		l.size = sizeof(l);
		l.count = 1;
		l.entry_size = sizes[i];
		l.entries = (uintptr_t)buf;
		ASSERT_EQ(0, ioctl(s->sfd, CPRHOLD_LIST, &l));
		EXPECT_EQ(1u, l.count);
		EXPECT_EQ(1u, ((struct cprhold_entry *)buf)->token);
		/* The kernel's element, the rest zeroed, nothing beyond. */
		EXPECT_EQ(0, buf[sizes[i] - 1] == 0xab);
		EXPECT_EQ(0xab, buf[sizes[i]]);
	}
	l.entry_size = CPRHOLD_ENTRY_SIZE_VER0 - 1;
	EXPECT_ERRNO(EINVAL, ioctl(s->sfd, CPRHOLD_LIST, &l));
	l.entry_size = 4097;
	EXPECT_ERRNO(E2BIG, ioctl(s->sfd, CPRHOLD_LIST, &l));
	sess_end(s);
}

TEST_F(sz, list_sessions_elements)
{
	struct sess *s = &self->s;
	unsigned char buf[4200];
	size_t ks = sizeof(struct cprhold_session_info), i;
	struct cprhold_list_sessions l;
	const size_t sizes[] = { CPRHOLD_SESSION_INFO_SIZE_VER0, ks, ks + TAIL };

	sess_new(s, OPEN);
	for (i = 0; i < 3; i++) {
		memset(buf, 0xab, sizeof(buf));
		memset(&l, 0, sizeof(l));
		l.size = sizeof(l);
		l.count = 1;
		l.info_size = sizes[i];
		l.sessions = (uintptr_t)buf;
		ASSERT_EQ(0, ioctl(s->ctl, CPRHOLD_LIST_SESSIONS, &l));
		EXPECT_EQ(1u, l.count);
		EXPECT_EQ(0, buf[sizes[i] - 1] == 0xab);
		EXPECT_EQ(0xab, buf[sizes[i]]);
	}
	l.count = 1;
	l.info_size = CPRHOLD_SESSION_INFO_SIZE_VER0 - 1;
	EXPECT_ERRNO(EINVAL, ioctl(s->ctl, CPRHOLD_LIST_SESSIONS, &l));
	l.info_size = 4097;
	EXPECT_ERRNO(E2BIG, ioctl(s->ctl, CPRHOLD_LIST_SESSIONS, &l));
	sess_end(s);
}

/* The documented errno order: an ended session is ENOENT, whatever the fd. */
TEST_F(sz, errno_order_ended_session)
{
	struct sess *s = &self->s;
	int efd = eventfd(0, EFD_CLOEXEC);

	sess_new(s, CLAIMED);
	ASSERT_EQ(0, ch_destroy(s->ctl, s->name));
	/* PARK through the claimer's fd: ended beats wrong role. */
	EXPECT_ERRNO(ENOENT, ch_park1(s->cfd, efd, 7, NULL));
	EXPECT_ERRNO(ENOENT, ch_park1(s->sfd, efd, 7, NULL));
	EXPECT_ERRNO(ENOENT, ch_retrieve1(s->sfd, 1));
	EXPECT_ERRNO(ENOENT, ch_seal(s->cfd));
	close(efd);
	close(s->cfd);
	close(s->sfd);
}

/* State before limits: a too-large batch on a sealed session is EBUSY. */
TEST_F(sz, errno_order_state_before_limits)
{
	struct sess *s = &self->s;
	struct cprhold_park p = { .size = sizeof(p), .count = 1u << 30,
				  .entry_size = sizeof(struct cprhold_entry) };
	uint64_t tokens[1] = { 1 };
	struct cprhold_retrieve r = { .size = sizeof(r), .count = 1u << 30,
				      .tokens = (uintptr_t)tokens };

	sess_new(s, SEALED);
	EXPECT_ERRNO(EBUSY, ioctl(s->sfd, CPRHOLD_PARK, &p));
	EXPECT_ERRNO(EBUSY, ioctl(s->sfd, CPRHOLD_RETRIEVE, &r));
	sess_end(s);
}

TEST_HARNESS_MAIN
