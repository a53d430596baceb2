// SPDX-License-Identifier: GPL-2.0
/*
 * poll_test - waiting on a session without busy polling: poll() and epoll
 * on session fds wake on every state change (seal, claim, abort, the
 * claimer letting go, finish, destroy, expiry, close while open) and
 * report POLLHUP once the session ended; CPRHOLD_INFO marks a change
 * seen.  Watcher fds (CPRHOLD_CLAIM_WATCH): their checks, what they may
 * do, and that they change nothing.
 */
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>

#include "lib/ch.h"
#include "lib/harness.h"
#include "lib/util.h"

#define IN_MASK (POLLIN | POLLRDNORM | POLLPRI)

/* revents of @fd after waiting up to @ms (0: just look). */
static int revents(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDNORM | POLLPRI };
	int n = poll(&p, 1, ms);

	return n < 0 ? -errno : n ? p.revents : 0;
}

/* Wait for @state the way libcprhold does: INFO, then poll, again. */
static int wait_state(int fd, uint32_t state, int ms,
		      struct cprhold_session_info *info)
{
	for (;;) {
		if (ch_info(fd, info))
			return -errno;
		if (info->state == state)
			return 0;
		if (revents(fd, ms) <= 0)
			return -ETIMEDOUT;
	}
}

FIXTURE(w) {
	int ctl;
	int sfd;
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
};

FIXTURE_SETUP(w)
{
	self->ctl = ch_open();
	ASSERT_GE(self->ctl, 0);
	ch_name(self->name, sizeof(self->name), "poll");
	self->sfd = ch_create(self->ctl, self->name, self->secret);
	ASSERT_GE(self->sfd, 0);
}

FIXTURE_TEARDOWN(w)
{
	ch_destroy(self->ctl, self->name);
	close(self->sfd);
	close(self->ctl);
}

TEST_F(w, quiet_until_a_change)
{
	int wfd = ch_watch(self->ctl, self->name, self->secret);

	int efd = eventfd(0, EFD_CLOEXEC);

	ASSERT_GE(wfd, 0);
	ASSERT_GE(efd, 0);
	EXPECT_EQ(0, revents(self->sfd, 0));
	EXPECT_EQ(0, revents(wfd, 0));
	/* Parking is not a change of state. */
	ASSERT_EQ(0, ch_park1(self->sfd, efd, 1, NULL));
	EXPECT_EQ(0, revents(self->sfd, 20));
	EXPECT_EQ(0, revents(wfd, 0));
	close(efd);
	close(wfd);
}

TEST_F(w, seal_wakes_creator_and_watcher_and_info_marks_seen)
{
	struct cprhold_session_info info;
	int wfd = ch_watch(self->ctl, self->name, self->secret);

	ASSERT_GE(wfd, 0);
	ASSERT_EQ(0, ch_seal(self->sfd));
	EXPECT_EQ(IN_MASK, revents(self->sfd, 0));
	EXPECT_EQ(IN_MASK, revents(wfd, 0));
	/* Level-triggered: readable until the fd reads the state. */
	EXPECT_EQ(IN_MASK, revents(wfd, 0));
	ASSERT_EQ(0, ch_info(wfd, &info));
	EXPECT_EQ(CPRHOLD_STATE_SEALED, (int)info.state);
	EXPECT_EQ(0, revents(wfd, 0));
	/* Each fd has seen what it read, not what another fd read. */
	EXPECT_EQ(IN_MASK, revents(self->sfd, 0));
	close(wfd);
}

struct later {
	int fd;
	int ms;
	unsigned long cmd;
};

static void *do_later(void *arg)
{
	struct later *l = arg;

	usleep(l->ms * 1000);
	return (void *)(long)ch_op(l->fd, l->cmd);
}

/* A poll() that sleeps is woken by a change made by another thread. */
TEST_F(w, sleeping_poll_is_woken)
{
	struct later l = { .fd = self->sfd, .ms = 100, .cmd = CPRHOLD_SEAL };
	int wfd = ch_watch(self->ctl, self->name, self->secret);
	pthread_t t;
	void *ret;

	ASSERT_GE(wfd, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, do_later, &l));
	EXPECT_EQ(IN_MASK, revents(wfd, 10000));
	pthread_join(t, &ret);
	EXPECT_EQ(0, (long)ret);
	close(wfd);
}

TEST_F(w, claim_wakes_others_not_the_claimer)
{
	struct cprhold_session_info info;
	int cfd;

	ASSERT_EQ(0, ch_seal(self->sfd));
	ASSERT_EQ(0, ch_info(self->sfd, &info));
	cfd = ch_claim(self->ctl, self->name, self->secret);
	ASSERT_GE(cfd, 0);
	EXPECT_EQ(IN_MASK, revents(self->sfd, 0));
	EXPECT_EQ(0, revents(cfd, 0));
	ASSERT_EQ(0, ch_info(self->sfd, &info));
	EXPECT_EQ(CPRHOLD_STATE_CLAIMED, (int)info.state);

	/* Abort: back to SEALED, a change for both. */
	ASSERT_EQ(0, ch_abort(cfd));
	EXPECT_EQ(IN_MASK, revents(self->sfd, 0));
	EXPECT_EQ(IN_MASK, revents(cfd, 0));
	ASSERT_EQ(0, ch_info(self->sfd, &info));
	EXPECT_EQ(CPRHOLD_STATE_SEALED, (int)info.state);
	close(cfd);
	/* Closing an aborted claim changes nothing. */
	EXPECT_EQ(0, revents(self->sfd, 0));
}

TEST_F(w, claimer_that_dies_wakes_the_creator)
{
	struct cprhold_session_info info;
	int status;
	pid_t pid;

	ASSERT_EQ(0, ch_seal(self->sfd));
	ASSERT_EQ(0, ch_info(self->sfd, &info));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(ch_claim(self->ctl, self->name, self->secret) < 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	/* Claimed, then given back when the child exited: two changes, one wake. */
	EXPECT_EQ(IN_MASK, revents(self->sfd, 0));
	ASSERT_EQ(0, ch_info(self->sfd, &info));
	EXPECT_EQ(CPRHOLD_STATE_SEALED, (int)info.state);
	EXPECT_EQ(1u, info.nr_claims);
	EXPECT_EQ(0, revents(self->sfd, 0));
}

TEST_F(w, finish_is_readable_and_hangup)
{
	struct cprhold_session_info info;
	int wfd, cfd;

	ASSERT_EQ(0, ch_seal(self->sfd));
	cfd = ch_claim(self->ctl, self->name, self->secret);
	ASSERT_GE(cfd, 0);
	wfd = ch_watch(self->ctl, self->name, self->secret);
	ASSERT_GE(wfd, 0);
	ASSERT_EQ(0, ch_finish(cfd));
	EXPECT_EQ(IN_MASK | POLLHUP, revents(wfd, 0));
	EXPECT_EQ(IN_MASK | POLLHUP, revents(cfd, 0));
	ASSERT_EQ(0, ch_info(wfd, &info));
	EXPECT_EQ(CPRHOLD_STATE_FINISHED, (int)info.state);
	EXPECT_EQ(CPRHOLD_END_FINISHED, (int)info.end_reason);
	/* Seen, but the hang-up stays. */
	EXPECT_EQ(POLLHUP, revents(wfd, 0));
	close(wfd);
	close(cfd);
}

TEST_F(w, destroy_hangs_up_every_fd)
{
	struct cprhold_session_info info;
	int wfd = ch_watch(self->ctl, self->name, self->secret);

	ASSERT_GE(wfd, 0);
	ASSERT_EQ(0, ch_destroy(self->ctl, self->name));
	EXPECT_EQ(IN_MASK | POLLHUP, revents(self->sfd, 0));
	ASSERT_EQ(0, ch_info(wfd, &info));
	EXPECT_EQ(CPRHOLD_END_DESTROYED, (int)info.end_reason);
	EXPECT_EQ(POLLHUP, revents(wfd, 0));
	close(wfd);
}

TEST(close_while_open_hangs_up_the_watcher)
{
	struct cprhold_session_info info;
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	char name[CPRHOLD_NAME_MAX];
	int ctl = ch_open(), sfd, wfd;

	ASSERT_GE(ctl, 0);
	ch_name(name, sizeof(name), "pollclose");
	sfd = ch_create(ctl, name, secret);
	ASSERT_GE(sfd, 0);
	wfd = ch_watch(ctl, name, secret);
	ASSERT_GE(wfd, 0);
	close(sfd);
	EXPECT_EQ(IN_MASK | POLLHUP, revents(wfd, 0));
	ASSERT_EQ(0, ch_info(wfd, &info));
	EXPECT_EQ(CPRHOLD_END_CLOSED, (int)info.end_reason);
	close(wfd);
	close(ctl);
}

TEST(expiry_wakes_an_epoll_waiter)
{
	struct cprhold_session_info info;
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	char name[CPRHOLD_NAME_MAX];
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	int ctl = ch_open(), sfd, ep;

	ASSERT_GE(ctl, 0);
	ch_name(name, sizeof(name), "pollttl");
	sfd = ch_create_ex(ctl, name, 0, 100, secret);
	ASSERT_GE(sfd, 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_GE(ep, 0);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev));
	ASSERT_EQ(0, ch_seal(sfd));
	ASSERT_EQ(1, epoll_wait(ep, &ev, 1, 5000));
	EXPECT_TRUE(ev.events & EPOLLIN);
	ASSERT_EQ(0, ch_info(sfd, &info));
	if (info.state == CPRHOLD_STATE_SEALED) {
		/* Edge-triggered: the next edge is the expiry. */
		ASSERT_EQ(1, epoll_wait(ep, &ev, 1, 10000));
		EXPECT_TRUE(ev.events & EPOLLHUP);
		ASSERT_EQ(0, ch_info(sfd, &info));
	}
	EXPECT_EQ(CPRHOLD_STATE_FINISHED, (int)info.state);
	EXPECT_EQ(CPRHOLD_END_EXPIRED, (int)info.end_reason);
	/* Nothing changes any more: no further edge. */
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 50));
	close(ep);
	close(sfd);
	close(ctl);
}

struct flipper {
	int ctl;
	const char *name;
	const uint8_t *secret;
	int rounds;
	int err;
};

/* Claim and abort @rounds times, then claim and finish. */
static void *flip(void *arg)
{
	struct flipper *f = arg;
	int i, cfd;

	for (i = 0; i <= f->rounds; i++) {
		cfd = ch_claim(f->ctl, f->name, f->secret);
		if (cfd < 0 || (i < f->rounds ? ch_abort(cfd) : ch_finish(cfd))) {
			f->err = errno;
			return NULL;
		}
		close(cfd);
	}
	return NULL;
}

/* INFO-then-poll never misses the end, however fast the changes come. */
TEST_F(w, waiter_misses_no_change)
{
	struct flipper f = { self->ctl, self->name, self->secret, 2000, 0 };
	struct cprhold_session_info info;
	unsigned long wakes = 0;
	pthread_t t;

	ASSERT_EQ(0, ch_seal(self->sfd));
	ASSERT_EQ(0, pthread_create(&t, NULL, flip, &f));
	for (;;) {
		ASSERT_EQ(0, ch_info(self->sfd, &info));
		if (info.state == CPRHOLD_STATE_FINISHED)
			break;
		ASSERT_LT(0, revents(self->sfd, 10000));
		wakes++;
	}
	pthread_join(t, NULL);
	EXPECT_EQ(0, f.err);
	EXPECT_EQ(CPRHOLD_END_FINISHED, (int)info.end_reason);
	TH_LOG("%lu wake-ups for %d changes", wakes, 2 * f.rounds + 2);
}

/* The handover's own wait: old owner waits until a successor finished. */
TEST_F(w, owner_waits_for_the_successor_to_finish)
{
	struct cprhold_session_info info;
	int status;
	pid_t pid;

	ASSERT_EQ(0, ch_seal(self->sfd));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int cfd;

		usleep(100 * 1000);
		cfd = ch_claim(self->ctl, self->name, self->secret);
		usleep(100 * 1000);
		_exit(cfd < 0 || ch_finish(cfd));
	}
	ASSERT_EQ(0, wait_state(self->sfd, CPRHOLD_STATE_FINISHED, 10000, &info));
	EXPECT_EQ(CPRHOLD_END_FINISHED, (int)info.end_reason);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
}

/* ---- watcher fds -------------------------------------------------------- */

TEST_F(w, watch_checks_like_claim)
{
	struct cprhold_claim c = { .size = sizeof(c), .flags = CPRHOLD_CLAIM_WATCH };
	uint8_t bad[CPRHOLD_SECRET_SIZE];

	memcpy(bad, self->secret, sizeof(bad));
	bad[0] ^= 1;
	EXPECT_ERRNO(EACCES, ch_watch(self->ctl, self->name, bad));
	EXPECT_ERRNO(ENOENT, ch_watch(self->ctl, "poll-no-such-session", self->secret));
	EXPECT_ERRNO(EINVAL, ch_watch(self->ctl, "bad name", self->secret));
	EXPECT_ERRNO(EOPNOTSUPP, ch_claim_ex(self->ctl, self->name, self->secret,
					     CPRHOLD_CLAIM_WATCH << 1));
	/* Reserved field. */
	ch_strcpy(c.name, sizeof(c.name), self->name);
	memcpy(c.secret, self->secret, sizeof(c.secret));
	c.__reserved = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->ctl, CPRHOLD_CLAIM, &c));
	/* Ended: no such session. */
	ASSERT_EQ(0, ch_destroy(self->ctl, self->name));
	EXPECT_ERRNO(ENOENT, ch_watch(self->ctl, self->name, self->secret));
}

TEST_F(w, watch_changes_nothing)
{
	struct cprhold_session_info before, after;
	int wfd, cfd, w2;

	ASSERT_EQ(0, ch_seal(self->sfd));
	ASSERT_EQ(0, ch_info(self->sfd, &before));
	wfd = ch_watch(self->ctl, self->name, self->secret);
	ASSERT_GE(wfd, 0);
	EXPECT_EQ(FD_CLOEXEC, fcntl(wfd, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, ch_info(self->sfd, &after));
	EXPECT_EQ(CPRHOLD_STATE_SEALED, (int)after.state);
	EXPECT_EQ(before.nr_claims, after.nr_claims);
	EXPECT_EQ(0u, after.claimer_pid);
	EXPECT_EQ(0, revents(self->sfd, 0));
	/* A real claim still works, and a watch of a claimed session too. */
	cfd = ch_claim(self->ctl, self->name, self->secret);
	ASSERT_GE(cfd, 0);
	w2 = ch_watch(self->ctl, self->name, self->secret);
	ASSERT_GE(w2, 0);
	EXPECT_EQ(0, revents(w2, 0));
	/* Closing watchers gives nothing back and ends nothing. */
	close(w2);
	close(wfd);
	EXPECT_EQ(CPRHOLD_STATE_CLAIMED, ch_state(self->sfd));
	ASSERT_EQ(0, ch_finish(cfd));
	close(cfd);
}

TEST_F(w, watcher_of_open_session_does_not_keep_it)
{
	int wfd = ch_watch(self->ctl, self->name, self->secret);

	ASSERT_GE(wfd, 0);
	close(wfd);
	EXPECT_EQ(CPRHOLD_STATE_OPEN, ch_state(self->sfd));
	ASSERT_EQ(0, ch_seal(self->sfd));
}

TEST_F(w, watcher_may_only_look)
{
	struct cprhold_entry e;
	struct cprhold_retrieve r = { .size = sizeof(r) };
	struct cprhold_list l = { .size = sizeof(l) };
	uint64_t token = 1;
	int fd, wfd, efd = eventfd(0, EFD_CLOEXEC);

	ASSERT_GE(efd, 0);
	ASSERT_EQ(0, ch_park1(self->sfd, efd, 1, NULL));
	wfd = ch_watch(self->ctl, self->name, self->secret);
	ASSERT_GE(wfd, 0);
	ch_entry(&e, efd, 2, "x");
	EXPECT_ERRNO(EBUSY, ch_park(wfd, &e, 1));
	EXPECT_ERRNO(EBUSY, ch_seal(wfd));
	ASSERT_EQ(0, ch_seal(self->sfd));
	EXPECT_ERRNO(EBUSY, ch_retrieve(wfd, &token, &fd, 1));
	r.count = 1;
	r.tokens = (uintptr_t)&token;
	r.fds = (uintptr_t)&fd;
	EXPECT_ERRNO(EBUSY, ioctl(wfd, CPRHOLD_RETRIEVE, &r));
	EXPECT_ERRNO(EBUSY, ch_finish(wfd));
	EXPECT_ERRNO(EBUSY, ch_abort(wfd));
	/* Looking is allowed. */
	EXPECT_EQ(CPRHOLD_STATE_SEALED, ch_state(wfd));
	EXPECT_EQ(1, ch_nr_entries(wfd));
	EXPECT_EQ(0, ioctl(wfd, CPRHOLD_LIST, &l));
	EXPECT_EQ(1u, l.total);
	EXPECT_EQ(CPRHOLD_STATE_SEALED, ch_state(self->sfd));
	close(wfd);
	close(efd);
}

TEST(watch_respects_same_kuid)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	char name[CPRHOLD_NAME_MAX];
	int ctl = ch_open(), sfd, status;
	pid_t pid;

	ASSERT_GE(ctl, 0);
	ch_name(name, sizeof(name), "pollkuid");
	sfd = ch_create_ex(ctl, name, CPRHOLD_CREATE_SAME_KUID, 0, secret);
	ASSERT_GE(sfd, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
			_exit(2);
		_exit(ch_watch(ctl, name, secret) < 0 && errno == EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(CPRHOLD_STATE_OPEN, ch_state(sfd));
	close(sfd);
	close(ctl);
}

TEST_HARNESS_MAIN
