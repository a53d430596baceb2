// SPDX-License-Identifier: GPL-2.0
/*
 * matrix_test - the errno matrix of the uAPI: every ioctl, in every state a
 * session can be in, through every role that can make the call, against
 * the table in Documentation/userspace-api/cprhold.rst ("Errno matrix").
 *
 * Session fd ioctls (PARK, LIST, INFO, SEAL, RETRIEVE, FINISH, ABORT) are
 * one test each of the fixture "sess", whose variants are a state and the
 * fd making the call: the creator's, the current claimer's, a stale
 * claimer's (it aborted, maybe someone else claimed since), a watcher's;
 * two variants make the call with another effective uid (the fd is the
 * capability, credentials do not matter).  Control fd ioctls (CLAIM, the
 * watcher CLAIM, DESTROY, LIST_SESSIONS, CREATE of a taken name) are the
 * fixture "ctl", whose variants are a state and the caller: the owner,
 * another user, an administrator; each with the right and a wrong secret.
 *
 * Every failing call must leave everything as it was: the session (INFO
 * and LIST through a separate watcher fd, byte for byte), the module's
 * counters, the caller's fd table and poll state, and the caller's struct.
 * Every succeeding call must have its documented effect.
 */
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>

#include "lib/ch.h"
#include "lib/harness.h"
#include "lib/util.h"

enum st {
	S_OPEN,		/* created, two entries parked */
	S_SEALED,
	S_CLAIMED,
	S_RESEALED,	/* claimed, then the claimer aborted */
	S_RECLAIMED,	/* claimed, aborted, claimed again by another fd */
	S_FINISHED,	/* ended: the claimer finished */
	S_DESTROYED,	/* ended: destroyed while claimed */
	S_EXPIRED,	/* ended: its TTL ran out while sealed */
	S_CLOSED,	/* ended: the creator's fd closed while open */
};

enum role { R_CREATOR, R_CLAIMER, R_STALE, R_WATCHER };

enum op { OP_PARK, OP_LIST, OP_INFO, OP_SEAL, OP_RETRIEVE, OP_FINISH, OP_ABORT };

#define NOBODY 65534
#define SOMEBODY 65533

static bool ended(int st)
{
	return st >= S_FINISHED;
}

/* The documented result of a session fd ioctl: 0 or an errno. */
static int sess_expect(int st, int role, int op)
{
	if (op == OP_INFO || op == OP_LIST)
		return 0;		/* any fd, any state */
	if (ended(st))
		return ENOENT;		/* before the fd's role */
	switch (op) {
	case OP_PARK:
	case OP_SEAL:
		return role == R_CREATOR && st == S_OPEN ? 0 : EBUSY;
	default:			/* RETRIEVE, FINISH, ABORT */
		return role == R_CLAIMER ? 0 : EBUSY;
	}
}

/* The state INFO reports in @st. */
static uint32_t st_state(int st)
{
	switch (st) {
	case S_OPEN:
		return CPRHOLD_STATE_OPEN;
	case S_SEALED:
	case S_RESEALED:
		return CPRHOLD_STATE_SEALED;
	case S_CLAIMED:
	case S_RECLAIMED:
		return CPRHOLD_STATE_CLAIMED;
	default:
		return CPRHOLD_STATE_FINISHED;
	}
}

/* Everything a failing call must leave as it was. */
struct snap {
	struct cprhold_session_info info;
	struct cprhold_entry entries[4];
	uint32_t nr_listed;
	long sessions, entries_total;
	int open_fds;
	short revents;
};

static int take_snap(int observer, int fd, struct snap *sn)
{
	struct cprhold_list l = {
		.size = sizeof(l), .count = 4, .entry_size = sizeof(struct cprhold_entry),
	};
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLPRI };

	memset(sn, 0, sizeof(*sn));
	l.entries = (uintptr_t)sn->entries;
	if (ch_info(observer, &sn->info) || ioctl(observer, CPRHOLD_LIST, &l))
		return -1;
	sn->nr_listed = l.count;
	sn->sessions = ch_sysfs("sessions");
	sn->entries_total = ch_sysfs("entries");
	sn->open_fds = count_open_fds();
	if (fd >= 0 && poll(&p, 1, 0) >= 0)
		sn->revents = p.revents;
	return 0;
}

/* The session's entries: tokens 1 and 2, two eventfds. */
#define NR_PARKED 2

FIXTURE(sess) {
	int ctl;
	int creator, claimer, stale, watcher, observer;
	int efd[NR_PARKED + 1];		/* the last one is parked by PARK */
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	int fd;				/* the fd of the variant's role */
};

FIXTURE_VARIANT(sess) {
	int state;
	int role;
	uid_t euid;			/* 0: as root */
};

#define SESS_VARIANT(_name, _st, _role, _euid)				\
	FIXTURE_VARIANT_ADD(sess, _name) {				\
		.state = _st, .role = _role, .euid = _euid,		\
	}

SESS_VARIANT(open_creator, S_OPEN, R_CREATOR, 0);
SESS_VARIANT(open_creator_other_uid, S_OPEN, R_CREATOR, NOBODY);
SESS_VARIANT(open_watcher, S_OPEN, R_WATCHER, 0);
SESS_VARIANT(sealed_creator, S_SEALED, R_CREATOR, 0);
SESS_VARIANT(sealed_watcher, S_SEALED, R_WATCHER, 0);
SESS_VARIANT(claimed_creator, S_CLAIMED, R_CREATOR, 0);
SESS_VARIANT(claimed_claimer, S_CLAIMED, R_CLAIMER, 0);
SESS_VARIANT(claimed_claimer_other_uid, S_CLAIMED, R_CLAIMER, NOBODY);
SESS_VARIANT(claimed_watcher, S_CLAIMED, R_WATCHER, 0);
SESS_VARIANT(resealed_creator, S_RESEALED, R_CREATOR, 0);
SESS_VARIANT(resealed_stale, S_RESEALED, R_STALE, 0);
SESS_VARIANT(resealed_watcher, S_RESEALED, R_WATCHER, 0);
SESS_VARIANT(reclaimed_creator, S_RECLAIMED, R_CREATOR, 0);
SESS_VARIANT(reclaimed_claimer, S_RECLAIMED, R_CLAIMER, 0);
SESS_VARIANT(reclaimed_stale, S_RECLAIMED, R_STALE, 0);
SESS_VARIANT(reclaimed_watcher, S_RECLAIMED, R_WATCHER, 0);
SESS_VARIANT(finished_creator, S_FINISHED, R_CREATOR, 0);
SESS_VARIANT(finished_claimer, S_FINISHED, R_CLAIMER, 0);
SESS_VARIANT(finished_watcher, S_FINISHED, R_WATCHER, 0);
SESS_VARIANT(destroyed_creator, S_DESTROYED, R_CREATOR, 0);
SESS_VARIANT(destroyed_claimer, S_DESTROYED, R_CLAIMER, 0);
SESS_VARIANT(destroyed_watcher, S_DESTROYED, R_WATCHER, 0);
SESS_VARIANT(expired_creator, S_EXPIRED, R_CREATOR, 0);
SESS_VARIANT(expired_stale, S_EXPIRED, R_STALE, 0);
SESS_VARIANT(expired_watcher, S_EXPIRED, R_WATCHER, 0);
SESS_VARIANT(closed_watcher, S_CLOSED, R_WATCHER, 0);

/*
 * Wait until the session behind @fd has ended (POLLHUP), up to 10 s.  A
 * change it has not seen keeps the fd readable: INFO marks it seen.
 */
static bool wait_ended(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct cprhold_session_info info;
	int i;

	for (i = 0; i < 100; i++) {
		if (poll(&p, 1, 100) < 0)
			return false;
		if (p.revents & POLLHUP)
			return true;
		if ((p.revents & POLLIN) && ch_info(fd, &info))
			return false;
	}
	return false;
}

FIXTURE_SETUP(sess)
{
	struct cprhold_entry e[NR_PARKED];
	int st = variant->state, i;

	self->creator = self->claimer = self->stale = self->watcher = -1;
	self->observer = self->fd = -1;
	self->ctl = ch_open();
	ASSERT_GE(self->ctl, 0);
	for (i = 0; i <= NR_PARKED; i++) {
		self->efd[i] = eventfd(0, EFD_CLOEXEC);
		ASSERT_GE(self->efd[i], 0);
	}
	ch_name(self->name, sizeof(self->name), "matrix");
	self->creator = ch_create_ex(self->ctl, self->name, 0,
				     st == S_EXPIRED ? 400 : 0, self->secret);
	ASSERT_GE(self->creator, 0);
	self->observer = ch_watch(self->ctl, self->name, self->secret);
	ASSERT_GE(self->observer, 0);
	self->watcher = ch_watch(self->ctl, self->name, self->secret);
	ASSERT_GE(self->watcher, 0);
	for (i = 0; i < NR_PARKED; i++)
		ch_entry(&e[i], self->efd[i], i + 1, "m");
	ASSERT_EQ(0, ch_park(self->creator, e, NR_PARKED));

	if (st == S_CLOSED) {
		close(self->creator);
		self->creator = -1;
	} else if (st != S_OPEN) {
		ASSERT_EQ(0, ch_seal(self->creator));
	}
	if (st == S_RESEALED || st == S_RECLAIMED || st == S_EXPIRED) {
		self->stale = ch_claim(self->ctl, self->name, self->secret);
		ASSERT_GE(self->stale, 0);
		ASSERT_EQ(0, ch_abort(self->stale));
	}
	if (st == S_CLAIMED || st == S_RECLAIMED || st == S_FINISHED ||
	    st == S_DESTROYED) {
		self->claimer = ch_claim(self->ctl, self->name, self->secret);
		ASSERT_GE(self->claimer, 0);
	}
	if (st == S_FINISHED)
		ASSERT_EQ(0, ch_finish(self->claimer));
	if (st == S_DESTROYED)
		ASSERT_EQ(0, ch_destroy(self->ctl, self->name));
	if (ended(st))
		ASSERT_TRUE(wait_ended(self->observer));
	ASSERT_EQ(st_state(st), (uint32_t)ch_state(self->observer));

	switch (variant->role) {
	case R_CREATOR:
		self->fd = self->creator;
		break;
	case R_CLAIMER:
		self->fd = self->claimer;
		break;
	case R_STALE:
		self->fd = self->stale;
		break;
	default:
		self->fd = self->watcher;
	}
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(sess)
{
	int fds[] = { self->claimer, self->stale, self->watcher, self->observer,
		      self->creator, self->ctl };
	unsigned int i;

	/* A sealed session outlives its fds: do not leave it behind. */
	if (self->ctl >= 0)
		ch_destroy(self->ctl, self->name);
	for (i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	for (i = 0; i <= NR_PARKED; i++)
		if (self->efd[i] > 0)
			close(self->efd[i]);
}

static const char *const op_names[] = {
	"PARK", "LIST", "INFO", "SEAL", "RETRIEVE", "FINISH", "ABORT",
};

/*
 * Make the call with the variant's euid, check the documented result, and
 * on failure that nothing changed.  @arg is the ioctl's struct, @extra an
 * output array the call may write (RETRIEVE's fds), compared as well.
 */
static int sess_call(struct __test_metadata *_metadata,
		     FIXTURE_DATA(sess) *self,
		     const FIXTURE_VARIANT(sess) *variant,
		     int op, unsigned long cmd, void *arg, size_t len,
		     void *extra, size_t extra_len)
{
	int want = sess_expect(variant->state, variant->role, op);
	unsigned char copy[512], extra_copy[256];
	struct snap before, after;
	int ret, err;

	ASSERT_LE(len, sizeof(copy));
	ASSERT_LE(extra_len, sizeof(extra_copy));
	memcpy(copy, arg, len);
	if (extra)
		memcpy(extra_copy, extra, extra_len);
	ASSERT_EQ(0, take_snap(self->observer, self->fd, &before));

	if (variant->euid)
		ASSERT_EQ(0, seteuid(variant->euid));
	errno = 0;
	ret = ioctl(self->fd, cmd, arg);
	err = errno;
	if (variant->euid)
		ASSERT_EQ(0, seteuid(0));

	if (ret != (want ? -1 : 0) || (want && err != want)) {
		TH_LOG("%s: expected %s, got %d (%s)", op_names[op],
		       want ? strerror(want) : "success", ret,
		       ret ? strerror(err) : "-");
		_metadata->exit_code = KSFT_FAIL;
		return -1;
	}
	if (!want)
		return 0;

	/* A failing call changed nothing. */
	EXPECT_EQ(0, memcmp(copy, arg, len));
	if (extra)
		EXPECT_EQ(0, memcmp(extra_copy, extra, extra_len));
	ASSERT_EQ(0, take_snap(self->observer, self->fd, &after));
	EXPECT_EQ(0, memcmp(&before.info, &after.info, sizeof(before.info)));
	EXPECT_EQ(before.nr_listed, after.nr_listed);
	EXPECT_EQ(0, memcmp(before.entries, after.entries, sizeof(before.entries)));
	EXPECT_EQ(before.sessions, after.sessions);
	EXPECT_EQ(before.entries_total, after.entries_total);
	EXPECT_EQ(before.open_fds, after.open_fds);
	EXPECT_EQ(before.revents, after.revents);
	return 1;
}

TEST_F(sess, park)
{
	struct cprhold_entry e;
	struct cprhold_park p = {
		.size = sizeof(p), .count = 1, .entry_size = sizeof(e),
		.entries = (uintptr_t)&e,
	};

	ch_entry(&e, self->efd[NR_PARKED], 3, "new");
	if (sess_call(_metadata, self, variant, OP_PARK, CPRHOLD_PARK,
		      &p, sizeof(p), &e, sizeof(e)) == 0)
		EXPECT_EQ(NR_PARKED + 1, ch_nr_entries(self->observer));
}

TEST_F(sess, list)
{
	struct cprhold_entry e[4];
	struct cprhold_list l = {
		.size = sizeof(l), .count = 4, .entry_size = sizeof(e[0]),
		.entries = (uintptr_t)e,
	};

	memset(e, 0, sizeof(e));
	if (sess_call(_metadata, self, variant, OP_LIST, CPRHOLD_LIST,
		      &l, sizeof(l), NULL, 0) == 0) {
		/* An ended session holds nothing any more. */
		EXPECT_EQ(ended(variant->state) ? 0 : NR_PARKED, l.total);
		EXPECT_EQ(l.total, l.count);
		if (l.count == NR_PARKED) {
			EXPECT_EQ(1, e[0].token);
			EXPECT_EQ(2, e[1].token);
			EXPECT_EQ(CPRHOLD_ENTRY_EVENTFD, e[0].type);
		}
	}
}

TEST_F(sess, info)
{
	struct cprhold_info i = { .size = sizeof(i) };

	if (sess_call(_metadata, self, variant, OP_INFO, CPRHOLD_INFO,
		      &i, sizeof(i), NULL, 0) == 0) {
		EXPECT_EQ(st_state(variant->state), i.info.state);
		EXPECT_STREQ(self->name, i.info.name);
		EXPECT_EQ(ended(variant->state) ? 0 : NR_PARKED, i.info.nr_entries);
	}
}

TEST_F(sess, seal)
{
	struct cprhold_op o = { .size = sizeof(o) };

	if (sess_call(_metadata, self, variant, OP_SEAL, CPRHOLD_SEAL,
		      &o, sizeof(o), NULL, 0) == 0)
		EXPECT_EQ(CPRHOLD_STATE_SEALED, ch_state(self->observer));
}

TEST_F(sess, retrieve)
{
	uint64_t tokens[NR_PARKED] = { 2, 1 };
	int fds[NR_PARKED] = { -7, -7 };
	struct cprhold_retrieve r = {
		.size = sizeof(r), .count = NR_PARKED,
		.tokens = (uintptr_t)tokens, .fds = (uintptr_t)fds,
	};

	if (sess_call(_metadata, self, variant, OP_RETRIEVE, CPRHOLD_RETRIEVE,
		      &r, sizeof(r), fds, sizeof(fds)) == 0) {
		EXPECT_EQ(0, kcmp_same_file(fds[0], self->efd[1]));
		EXPECT_EQ(0, kcmp_same_file(fds[1], self->efd[0]));
		/* Retrieving leaves the entries parked and the claim held. */
		EXPECT_EQ(NR_PARKED, ch_nr_entries(self->observer));
		EXPECT_EQ(CPRHOLD_STATE_CLAIMED, ch_state(self->observer));
		close(fds[0]);
		close(fds[1]);
	}
}

TEST_F(sess, finish)
{
	struct cprhold_session_info info;
	struct cprhold_op o = { .size = sizeof(o) };

	if (sess_call(_metadata, self, variant, OP_FINISH, CPRHOLD_FINISH,
		      &o, sizeof(o), NULL, 0) == 0) {
		ASSERT_EQ(0, ch_info(self->observer, &info));
		EXPECT_EQ(CPRHOLD_STATE_FINISHED, info.state);
		EXPECT_EQ(CPRHOLD_END_FINISHED, info.end_reason);
	}
}

TEST_F(sess, abort)
{
	struct cprhold_op o = { .size = sizeof(o) };

	if (sess_call(_metadata, self, variant, OP_ABORT, CPRHOLD_ABORT,
		      &o, sizeof(o), NULL, 0) == 0) {
		EXPECT_EQ(CPRHOLD_STATE_SEALED, ch_state(self->observer));
		/* The aborted fd is stale now. */
		EXPECT_ERRNO(EBUSY, ch_abort(self->fd));
	}
}

/* ---- control fd ioctls ------------------------------------------------- */

enum caller { C_OWNER, C_OTHER, C_ADMIN };

FIXTURE(ctl) {
	int ctl;
	int creator, claimer, observer, efd;
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
};

FIXTURE_VARIANT(ctl) {
	int state;		/* S_OPEN, S_SEALED, S_CLAIMED or S_FINISHED */
	int caller;
	bool same_kuid;		/* created with CPRHOLD_CREATE_SAME_KUID */
};

#define CTL_VARIANT(_name, _st, _caller, _same)				\
	FIXTURE_VARIANT_ADD(ctl, _name) {				\
		.state = _st, .caller = _caller, .same_kuid = _same,	\
	}

CTL_VARIANT(open_owner, S_OPEN, C_OWNER, false);
CTL_VARIANT(open_other, S_OPEN, C_OTHER, false);
CTL_VARIANT(open_admin, S_OPEN, C_ADMIN, false);
CTL_VARIANT(sealed_owner, S_SEALED, C_OWNER, false);
CTL_VARIANT(sealed_other, S_SEALED, C_OTHER, false);
CTL_VARIANT(sealed_admin, S_SEALED, C_ADMIN, false);
CTL_VARIANT(sealed_same_kuid_owner, S_SEALED, C_OWNER, true);
CTL_VARIANT(sealed_same_kuid_other, S_SEALED, C_OTHER, true);
CTL_VARIANT(sealed_same_kuid_admin, S_SEALED, C_ADMIN, true);
CTL_VARIANT(claimed_owner, S_CLAIMED, C_OWNER, false);
CTL_VARIANT(claimed_other, S_CLAIMED, C_OTHER, false);
CTL_VARIANT(claimed_admin, S_CLAIMED, C_ADMIN, false);
CTL_VARIANT(finished_owner, S_FINISHED, C_OWNER, false);
CTL_VARIANT(finished_other, S_FINISHED, C_OTHER, false);
CTL_VARIANT(finished_admin, S_FINISHED, C_ADMIN, false);

/* The session's owner is NOBODY; "other" is SOMEBODY; the admin is root. */
static uid_t caller_euid(int caller)
{
	return caller == C_OWNER ? NOBODY : caller == C_OTHER ? SOMEBODY : 0;
}

FIXTURE_SETUP(ctl)
{
	int st = variant->state;

	self->creator = self->claimer = self->observer = self->efd = -1;
	self->ctl = ch_open();
	ASSERT_GE(self->ctl, 0);
	self->efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_GE(self->efd, 0);
	ch_name(self->name, sizeof(self->name), "mctl");
	/* Everything of the session is done by its owner, NOBODY. */
	ASSERT_EQ(0, seteuid(NOBODY));
	self->creator = ch_create_ex(self->ctl, self->name,
				     variant->same_kuid ? CPRHOLD_CREATE_SAME_KUID : 0,
				     0, self->secret);
	ASSERT_GE(self->creator, 0);
	self->observer = ch_watch(self->ctl, self->name, self->secret);
	ASSERT_GE(self->observer, 0);
	ASSERT_EQ(0, ch_park1(self->creator, self->efd, 1, NULL));
	if (st != S_OPEN)
		ASSERT_EQ(0, ch_seal(self->creator));
	if (st == S_CLAIMED || st == S_FINISHED) {
		self->claimer = ch_claim(self->ctl, self->name, self->secret);
		ASSERT_GE(self->claimer, 0);
	}
	if (st == S_FINISHED)
		ASSERT_EQ(0, ch_finish(self->claimer));
	ASSERT_EQ(0, seteuid(0));
	ASSERT_EQ(st_state(st), (uint32_t)ch_state(self->observer));
}

FIXTURE_TEARDOWN(ctl)
{
	int fds[] = { self->claimer, self->observer, self->creator, self->efd };
	unsigned int i;

	if (geteuid())
		seteuid(0);
	/* Not left behind for the next test: destroy it (root may). */
	if (self->ctl >= 0)
		ch_destroy(self->ctl, self->name);
	for (i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (self->ctl >= 0)
		close(self->ctl);
}

/*
 * As the variant's caller, make the control call and check it against
 * @want; on failure the session and the caller's struct stay as they were.
 * Returns the call's result.
 */
static int ctl_call(struct __test_metadata *_metadata, FIXTURE_DATA(ctl) *self,
		    const FIXTURE_VARIANT(ctl) *variant, const char *what,
		    unsigned long cmd, void *arg, size_t len, int want)
{
	unsigned char copy[512];
	struct snap before, after;
	int ret, err;

	ASSERT_LE(len, sizeof(copy));
	memcpy(copy, arg, len);
	ASSERT_EQ(0, take_snap(self->observer, -1, &before));
	ASSERT_EQ(0, seteuid(caller_euid(variant->caller)));
	errno = 0;
	ret = ioctl(self->ctl, cmd, arg);
	err = errno;
	ASSERT_EQ(0, seteuid(0));
	if (ret != (want ? -1 : 0) || (want && err != want)) {
		TH_LOG("%s: expected %s, got %d (%s)", what,
		       want ? strerror(want) : "success", ret,
		       ret ? strerror(err) : "-");
		_metadata->exit_code = KSFT_FAIL;
		return ret;
	}
	if (!want)
		return ret;
	EXPECT_EQ(0, memcmp(copy, arg, len));
	ASSERT_EQ(0, take_snap(self->observer, -1, &after));
	EXPECT_EQ(0, memcmp(&before.info, &after.info, sizeof(before.info)));
	EXPECT_EQ(0, memcmp(before.entries, after.entries, sizeof(before.entries)));
	EXPECT_EQ(before.sessions, after.sessions);
	EXPECT_EQ(before.entries_total, after.entries_total);
	EXPECT_EQ(before.open_fds, after.open_fds);
	return ret;
}

/* The documented result of a claim (@watch: CPRHOLD_CLAIM_WATCH). */
static int claim_expect(const FIXTURE_VARIANT(ctl) *v, bool good_secret, bool watch)
{
	if (ended(v->state))
		return ENOENT;
	if (!good_secret || (v->same_kuid && v->caller != C_OWNER))
		return EACCES;
	if (watch)
		return 0;
	return v->state == S_SEALED ? 0 : EBUSY;
}

static void claim_case(struct __test_metadata *_metadata, FIXTURE_DATA(ctl) *self,
		       const FIXTURE_VARIANT(ctl) *variant, bool good, bool watch)
{
	struct cprhold_claim c = {
		.size = sizeof(c), .flags = watch ? CPRHOLD_CLAIM_WATCH : 0,
		.out_fd = 0x5a5a5a5a,
	};
	int want = claim_expect(variant, good, watch);

	ch_strcpy(c.name, sizeof(c.name), self->name);
	memcpy(c.secret, self->secret, sizeof(c.secret));
	if (!good)
		c.secret[CPRHOLD_SECRET_SIZE - 1] ^= 1;
	if (ctl_call(_metadata, self, variant, watch ? "CLAIM_WATCH" : "CLAIM",
		     CPRHOLD_CLAIM, &c, sizeof(c), want) || want)
		return;
	ASSERT_GE((int)c.out_fd, 0);
	EXPECT_EQ(watch ? st_state(variant->state) : CPRHOLD_STATE_CLAIMED,
		  (uint32_t)ch_state(self->observer));
	/* A watcher's fd cannot act on the session. */
	if (watch) {
		EXPECT_ERRNO(EBUSY, ch_abort(c.out_fd));
	} else {
		EXPECT_EQ(0, ch_abort(c.out_fd));
	}
	close(c.out_fd);
}

TEST_F(ctl, claim) { claim_case(_metadata, self, variant, true, false); }
TEST_F(ctl, claim_wrong_secret) { claim_case(_metadata, self, variant, false, false); }
TEST_F(ctl, watch) { claim_case(_metadata, self, variant, true, true); }
TEST_F(ctl, watch_wrong_secret) { claim_case(_metadata, self, variant, false, true); }

TEST_F(ctl, destroy)
{
	struct cprhold_destroy d = { .size = sizeof(d) };
	struct cprhold_session_info info;
	int want = ended(variant->state) ? ENOENT :
		   variant->caller == C_OTHER ? EACCES : 0;

	ch_strcpy(d.name, sizeof(d.name), self->name);
	if (ctl_call(_metadata, self, variant, "DESTROY", CPRHOLD_DESTROY,
		     &d, sizeof(d), want) || want)
		return;
	ASSERT_EQ(0, ch_info(self->observer, &info));
	EXPECT_EQ(CPRHOLD_STATE_FINISHED, info.state);
	EXPECT_EQ(CPRHOLD_END_DESTROYED, info.end_reason);
}

TEST_F(ctl, list_sessions)
{
	struct cprhold_session_info infos[64];
	struct cprhold_list_sessions l = {
		.size = sizeof(l), .info_size = sizeof(infos[0]),
		.sessions = (uintptr_t)infos,
	};
	bool visible = !ended(variant->state) && variant->caller != C_OTHER;
	bool seen = false;
	uint32_t i;

	l.count = ARRAY_SIZE(infos);
	ASSERT_EQ(0, ctl_call(_metadata, self, variant, "LIST_SESSIONS",
			      CPRHOLD_LIST_SESSIONS, &l, sizeof(l), 0));
	ASSERT_LE(l.total, ARRAY_SIZE(infos));
	ASSERT_EQ(l.total, l.count);
	for (i = 0; i < l.count; i++) {
		if (!strcmp(infos[i].name, self->name)) {
			seen = true;
			EXPECT_EQ(st_state(variant->state), infos[i].state);
			EXPECT_EQ(NOBODY, infos[i].creator_uid);
		}
		/* Another user sees only its own sessions. */
		if (variant->caller == C_OTHER)
			EXPECT_EQ(SOMEBODY, infos[i].creator_uid);
	}
	EXPECT_EQ(visible, seen);
}

TEST_F(ctl, create_taken_name)
{
	struct cprhold_create c = { .size = sizeof(c), .out_fd = 0x5a5a5a5a };
	int want = ended(variant->state) ? 0 : EEXIST;

	ch_strcpy(c.name, sizeof(c.name), self->name);
	if (ctl_call(_metadata, self, variant, "CREATE", CPRHOLD_CREATE,
		     &c, sizeof(c), want) || want)
		return;
	/* The name of an ended session is free again. */
	ASSERT_GE((int)c.out_fd, 0);
	EXPECT_EQ(CPRHOLD_STATE_OPEN, (uint32_t)ch_state(c.out_fd));
	close(c.out_fd);
}

TEST_HARNESS_MAIN
