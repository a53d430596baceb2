// SPDX-License-Identifier: GPL-2.0
/*
 * harden_test - regressions of the hardening round: each test failed (or
 * crashed the kernel) before its fix.  Races are bounded in time and
 * repeated enough to hit the old window reliably on the test VM.
 */
#include <linux/io_uring.h>
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "lib/ch.h"
#include "lib/harness.h"
#include "lib/util.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- names: ASCII only ------------------------------------------------- */

TEST(names_and_labels_are_ascii_only)
{
	char name[CPRHOLD_NAME_MAX];
	struct cprhold_entry e;
	int ctl = ch_open(), sfd, efd;

	ASSERT_GE(ctl, 0);
	/* Latin-1 letters pass the kernel's isalnum(): not ours. */
	EXPECT_ERRNO(EINVAL, ch_create(ctl, "caf\xe9", NULL));
	EXPECT_ERRNO(EINVAL, ch_create(ctl, "\xc0\xff", NULL));
	EXPECT_ERRNO(EINVAL, ch_create(ctl, "a\x7f", NULL));
	ch_name(name, sizeof(name), "ascii");
	sfd = ch_create(ctl, name, NULL);
	ASSERT_GE(sfd, 0);
	efd = eventfd(0, EFD_CLOEXEC);
	ch_entry(&e, efd, 1, "lab\xe9l");
	EXPECT_ERRNO(EINVAL, ch_park(sfd, &e, 1));
	EXPECT_EQ(0, ch_nr_entries(sfd));
	ch_entry(&e, efd, 1, "label.ok_1-2@3+4");
	EXPECT_EQ(0, ch_park(sfd, &e, 1));
	close(efd);
	close(sfd);
	close(ctl);
}

/* ---- CLAIM leaves the caller's struct alone on failure ------------------ */

TEST(failed_claim_keeps_the_struct_reusable)
{
	struct cprhold_claim c = { .size = sizeof(c) }, copy;
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	char name[CPRHOLD_NAME_MAX];
	int ctl = ch_open(), sfd, cfd, cfd2;

	ASSERT_GE(ctl, 0);
	ch_name(name, sizeof(name), "reclaim");
	sfd = ch_create(ctl, name, secret);
	ASSERT_GE(sfd, 0);
	ASSERT_EQ(0, ch_seal(sfd));
	cfd = ch_claim(ctl, name, secret);
	ASSERT_GE(cfd, 0);

	ch_strcpy(c.name, sizeof(c.name), name);
	memcpy(c.secret, secret, sizeof(secret));
	c.out_fd = 0x5a5a5a5a;
	copy = c;
	EXPECT_ERRNO(EBUSY, ioctl(ctl, CPRHOLD_CLAIM, &c));
	EXPECT_EQ(0, memcmp(&c, &copy, sizeof(c)));
	ASSERT_EQ(0, ch_abort(cfd));
	/* The very same struct claims now. */
	ASSERT_EQ(0, ioctl(ctl, CPRHOLD_CLAIM, &c));
	cfd2 = c.out_fd;
	EXPECT_EQ(CPRHOLD_STATE_CLAIMED, ch_state(cfd2));
	/* A wrong secret changes nothing either. */
	copy.secret[0] ^= 1;
	c = copy;
	EXPECT_ERRNO(EACCES, ioctl(ctl, CPRHOLD_CLAIM, &c));
	EXPECT_EQ(0, memcmp(&c, &copy, sizeof(c)));
	ch_destroy(ctl, name);
	close(cfd2);
	close(cfd);
	close(sfd);
	close(ctl);
}

/* ---- CREATE publishes its fd last --------------------------------------- */

struct closer {
	volatile int stop;
	int lo, hi;
	unsigned long closes;
};

static void *close_guessed_fds(void *arg)
{
	struct closer *c = arg;

	while (!c->stop) {
		int fd;

		for (fd = c->lo; fd < c->hi; fd++)
			if (close(fd) == 0)
				c->closes++;
	}
	return NULL;
}

/*
 * Another thread closes the new session fd the moment it appears (fd
 * numbers are guessable).  CREATE used the session after fd_install():
 * with slub_debug's poisoning that was a use-after-free in dmesg.
 */
TEST_TIMEOUT(create_fd_closed_by_another_thread, 60)
{
	struct closer c = {};
	char name[CPRHOLD_NAME_MAX];
	int ctl = ch_open(), probe, n;
	long before = ch_sysfs("sessions");
	pthread_t t;
	double end;

	ASSERT_GE(ctl, 0);
	probe = eventfd(0, EFD_CLOEXEC);
	ASSERT_GE(probe, 0);
	close(probe);
	/* New fds land at the lowest free numbers: probe and up. */
	c.lo = probe;
	c.hi = probe + 4;
	ASSERT_EQ(0, pthread_create(&t, NULL, close_guessed_fds, &c));
	end = now_s() + 3;
	for (n = 0; now_s() < end; n++) {
		int fd;

		ch_name(name, sizeof(name), "race");
		fd = ch_create(ctl, name, NULL);
		if (fd < 0 && errno != EMFILE)
			break;
		ch_destroy(ctl, name);
		/*
		 * Ours, unless the other thread closed it first (EBADF) or
		 * closed it and it was reused: never the next create's fd,
		 * none is made in between.  Left open, the fds the other
		 * thread missed filled the table (EMFILE, then even the
		 * sysfs read below failed, on the slower debug kernel).
		 */
		if (fd >= 0)
			close(fd);
	}
	c.stop = 1;
	pthread_join(t, NULL);
	TH_LOG("%d creates, %lu fds closed under them", n, c.closes);
	EXPECT_GT(c.closes, 0ul);
	/* Every session ended when its fd was closed: nothing left OPEN. */
	EXPECT_EQ(before, ch_sysfs("sessions"));
	close(ctl);
}

/* ---- RETRIEVE never closes an fd it handed out -------------------------- */

#define NR_RETRIEVE 400

struct dupper {
	volatile int stop;
	int file, lo, hi;
	struct stat want;
	unsigned long replaced;
	unsigned char taken[NR_RETRIEVE];	/* fd lo + i is ours now */
};

static bool is_file(int fd, const struct stat *want)
{
	struct stat st;

	return !fstat(fd, &st) && st.st_ino == want->st_ino && st.st_dev == want->st_dev;
}

/*
 * Put our own file on every fd of the range that someone else opened
 * (the retrieve's new fds), as a thread reusing freed fd numbers would.
 */
static void *take_over_fds(void *arg)
{
	struct dupper *d = arg;

	while (!d->stop) {
		int fd;

		for (fd = d->lo; fd < d->hi; fd++) {
			if (fcntl(fd, F_GETFD) < 0 || is_file(fd, &d->want))
				continue;
			if (dup2(d->file, fd) == fd) {
				d->taken[fd - d->lo] = 1;
				d->replaced++;
			}
		}
	}
	return NULL;
}

/*
 * A retrieve that fails at the end (an @fds array it cannot write) while
 * another thread takes over the fds it installs: the old code then closed
 * every fd number it had installed, the other thread's files included.
 * Now it fails before it installs anything, and never closes an fd.
 */
TEST_TIMEOUT(failed_retrieve_leaves_other_threads_fds, 120)
{
	struct cprhold_entry *e = calloc(NR_RETRIEVE, sizeof(*e));
	uint64_t tokens[NR_RETRIEVE];
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	int ctl = ch_open(), sfd, cfd, efd, fd, round, lost = 0;
	struct dupper *d = calloc(1, sizeof(*d));
	pthread_t t;
	int *ro;

	ASSERT_NE(NULL, e);
	ASSERT_NE(NULL, d);
	ASSERT_GE(ctl, 0);
	ch_name(name, sizeof(name), "nocloses");
	sfd = ch_create(ctl, name, secret);
	ASSERT_GE(sfd, 0);
	efd = eventfd(0, EFD_CLOEXEC);
	for (fd = 0; fd < NR_RETRIEVE; fd++) {
		ch_entry(&e[fd], efd, fd + 1, NULL);
		tokens[fd] = fd + 1;
	}
	ASSERT_EQ(0, ch_park(sfd, e, NR_RETRIEVE));
	ASSERT_EQ(0, ch_seal(sfd));
	cfd = ch_claim(ctl, name, secret);
	ASSERT_GE(cfd, 0);
	/* The other thread's file; the retrieve's fds land above it. */
	d->file = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(d->file, 0);
	ASSERT_EQ(0, fstat(d->file, &d->want));
	d->lo = d->file + 1;
	d->hi = d->file + 1 + NR_RETRIEVE;
	ro = mmap(NULL, NR_RETRIEVE * sizeof(int), PROT_READ,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);

	for (round = 0; round < 50 && !lost; round++) {
		d->stop = 0;
		memset(d->taken, 0, sizeof(d->taken));
		ASSERT_EQ(0, pthread_create(&t, NULL, take_over_fds, d));
		EXPECT_ERRNO(EFAULT, ch_retrieve(cfd, tokens, ro, NR_RETRIEVE));
		usleep(1000);
		d->stop = 1;
		pthread_join(t, NULL);
		/* What the other thread took over is still its own. */
		for (fd = d->lo; fd < d->hi; fd++) {
			if (d->taken[fd - d->lo] && !is_file(fd, &d->want))
				lost++;
			close(fd);
		}
	}
	TH_LOG("%d rounds, %lu fds taken over, %d of them closed under the taker",
	       round, d->replaced, lost);
	EXPECT_EQ(0, lost);
	EXPECT_EQ(CPRHOLD_STATE_CLAIMED, ch_state(cfd));
	ch_destroy(ctl, name);
	close(d->file);
	close(efd);
	close(cfd);
	close(sfd);
	close(ctl);
	free(d);
	free(e);
}

/* An @fds array that cannot be written: no fd installed, none leaked. */
TEST(retrieve_unwritable_fds_installs_nothing)
{
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	uint64_t tokens[2] = { 1, 2 };
	int ctl = ch_open(), sfd, cfd, fds[2], probe, *ro;
	struct cprhold_entry e[2];

	ASSERT_GE(ctl, 0);
	ch_name(name, sizeof(name), "rofds");
	sfd = ch_create(ctl, name, secret);
	ASSERT_GE(sfd, 0);
	fds[0] = eventfd(0, EFD_CLOEXEC);
	fds[1] = eventfd(0, EFD_CLOEXEC);
	ch_entry(&e[0], fds[0], 1, NULL);
	ch_entry(&e[1], fds[1], 2, NULL);
	ASSERT_EQ(0, ch_park(sfd, e, 2));
	close(fds[0]);
	close(fds[1]);
	ASSERT_EQ(0, ch_seal(sfd));
	cfd = ch_claim(ctl, name, secret);
	ASSERT_GE(cfd, 0);
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	probe = dup(0);
	close(probe);
	EXPECT_ERRNO(EFAULT, ch_retrieve(cfd, tokens, ro, 2));
	/* The lowest free fd is still the same: nothing was installed. */
	EXPECT_EQ(probe, dup(0));
	/* And the retry with a good array gets both. */
	EXPECT_EQ(0, ch_retrieve(cfd, tokens, fds, 2));
	EXPECT_GE(fds[0], 0);
	EXPECT_GE(fds[1], 0);
	ch_destroy(ctl, name);
	close(cfd);
	close(sfd);
	close(ctl);
}

/* ---- the TTL: decided and ended atomically; no timer outlives rmmod ---- */

struct flipper {
	const char *name;
	const uint8_t *secret;
	volatile int stop;
	unsigned long flips;
};

static void *claim_abort_loop(void *arg)
{
	struct flipper *f = arg;
	int ctl = ch_open();

	while (!f->stop) {
		int cfd = ch_claim(ctl, f->name, f->secret);

		if (cfd < 0) {
			if (errno == ENOENT)
				break;
			continue;
		}
		ch_abort(cfd);
		close(cfd);
		f->flips++;
	}
	close(ctl);
	return NULL;
}

/*
 * Sessions with a 1 ms TTL, claimed and aborted in a loop until they
 * expire: an abort re-arms the TTL while its work runs.  The old work
 * ended the session without cancelling the re-armed timer, which then
 * fired after rmmod (a NULL dereference in __queue_work).  After the
 * loop the module must unload and no timer may fire into it.
 */
TEST_TIMEOUT(ttl_rearmed_by_abort_then_rmmod, 120)
{
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	unsigned long flips = 0;
	int ctl, sfd, i;

	for (i = 0; i < 40; i++) {
		struct flipper f = { .name = name, .secret = secret };
		pthread_t t[2];
		double end;

		ctl = ch_open();
		ASSERT_GE(ctl, 0);
		ch_name(name, sizeof(name), "ttl");
		sfd = ch_create_ex(ctl, name, 0, 1 + i % 3, secret);
		ASSERT_GE(sfd, 0);
		ASSERT_EQ(0, ch_seal(sfd));
		ASSERT_EQ(0, pthread_create(&t[0], NULL, claim_abort_loop, &f));
		ASSERT_EQ(0, pthread_create(&t[1], NULL, claim_abort_loop, &f));
		/* It expires between two claims sooner or later. */
		end = now_s() + 2;
		while (now_s() < end && ch_state(sfd) != CPRHOLD_STATE_FINISHED)
			usleep(1000);
		f.stop = 1;
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		flips += f.flips;
		ch_destroy(ctl, name);
		close(sfd);
		close(ctl);
	}
	TH_LOG("%lu claim/abort pairs around expiries", flips);
	/* Nothing may be queued for the module now: unload, wait, reload. */
	ASSERT_EQ(0, ch_sysfs("sessions"));
	ASSERT_EQ(0, run_cmd("rmmod cprhold_kvm 2>/dev/null; rmmod cprhold"));
	usleep(200000);
	ASSERT_EQ(0, run_cmd("modprobe cprhold"));
}

/* The TTL work must not end a session that was claimed and re-sealed. */
TEST_TIMEOUT(ttl_counts_from_the_last_seal, 60)
{
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	int ctl = ch_open(), sfd, cfd;

	ASSERT_GE(ctl, 0);
	ch_name(name, sizeof(name), "ttl2");
	sfd = ch_create_ex(ctl, name, 0, 400, secret);
	ASSERT_GE(sfd, 0);
	ASSERT_EQ(0, ch_seal(sfd));
	usleep(300000);
	cfd = ch_claim(ctl, name, secret);
	ASSERT_GE(cfd, 0);
	ASSERT_EQ(0, ch_abort(cfd));	/* SEALED again: 400 ms from now */
	close(cfd);
	usleep(250000);			/* 550 ms after the first seal */
	EXPECT_EQ(CPRHOLD_STATE_SEALED, ch_state(sfd));
	usleep(400000);
	EXPECT_EQ(CPRHOLD_STATE_FINISHED, ch_state(sfd));
	close(sfd);
	close(ctl);
}

/* ---- reference cycles through parked files ----------------------------- */

static int uring_setup(void)
{
	struct io_uring_params p = {};

	return syscall(__NR_io_uring_setup, 4, &p);
}

/*
 * An io_uring whose fixed files hold the session's own fd, parked in that
 * session: once the creator closes its fds, the OPEN session must end and
 * release everything (it used to stay, holding its memory, forever).
 */
TEST(open_session_in_parked_uring_ends_on_close)
{
	char name[CPRHOLD_NAME_MAX];
	int ctl = ch_open(), sfd, ring, memfd;
	long before = ch_sysfs("sessions");
	struct cprhold_entry e[2];

	ASSERT_GE(ctl, 0);
	ch_name(name, sizeof(name), "uring");
	sfd = ch_create(ctl, name, NULL);
	ASSERT_GE(sfd, 0);
	ring = uring_setup();
	if (ring < 0)
		SKIP(return, "io_uring_setup: %s", strerror(errno));
	ASSERT_EQ(0, syscall(__NR_io_uring_register, ring, IORING_REGISTER_FILES, &sfd, 1));
	memfd = memfd_create("ram", MFD_CLOEXEC);
	ASSERT_EQ(0, ftruncate(memfd, 1 << 20));
	ch_entry(&e[0], ring, 1, "ring");
	ch_entry(&e[1], memfd, 2, "ram");
	ASSERT_EQ(0, ch_park(sfd, e, 2));
	EXPECT_EQ(before + 1, ch_sysfs("sessions"));
	close(ring);
	close(memfd);
	close(sfd);
	/* Gone, although the ring still holds the session file. */
	EXPECT_EQ(before, ch_sysfs("sessions"));
	EXPECT_ERRNO(ENOENT, ch_destroy(ctl, name));
	close(ctl);
}

/*
 * A claimer whose claim fd sits in the queue of a socket parked in the
 * session (sent over SCM_RIGHTS): when the claimer lets go, the session
 * must go back to SEALED and be claimable again.
 */
TEST(claimer_fd_queued_in_parked_socket_aborts_on_close)
{
	char name[CPRHOLD_NAME_MAX], cbuf[CMSG_SPACE(sizeof(int))] = {};
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	uint64_t token = 2;
	int ctl = ch_open(), sfd, sv[2], cfd, b, cfd2;
	struct cprhold_entry e[2];
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	pid_t pid;

	ASSERT_GE(ctl, 0);
	ch_name(name, sizeof(name), "sockcycle");
	sfd = ch_create(ctl, name, secret);
	ASSERT_GE(sfd, 0);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ch_entry(&e[0], sv[0], 1, "a");
	ch_entry(&e[1], sv[1], 2, "b");
	ASSERT_EQ(0, ch_park(sfd, e, 2));
	close(sv[0]);
	close(sv[1]);
	ASSERT_EQ(0, ch_seal(sfd));

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int c = ch_open();

		cfd = ch_claim(c, name, secret);
		if (cfd < 0 || ch_retrieve(cfd, &token, &b, 1))
			_exit(1);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &cfd, sizeof(int));
		/* Queued on the parked peer: the session holds it now. */
		_exit(sendmsg(b, &msg, 0) == 1 ? 0 : 2);
	}
	ASSERT_EQ(0, waitpid(pid, &b, 0) == pid && WIFEXITED(b) ? WEXITSTATUS(b) : -1);
	EXPECT_EQ(CPRHOLD_STATE_SEALED, ch_state(sfd));
	cfd2 = ch_claim(ctl, name, secret);
	EXPECT_GE(cfd2, 0);
	ch_destroy(ctl, name);
	close(cfd2);
	close(sfd);
	close(ctl);
}

/* A forked child's inherited copy is not the creator letting go. */
TEST(creator_fd_in_a_child_keeps_the_session)
{
	char name[CPRHOLD_NAME_MAX];
	int ctl = ch_open(), sfd, st;
	pid_t pid;

	ASSERT_GE(ctl, 0);
	ch_name(name, sizeof(name), "forked");
	sfd = ch_create(ctl, name, NULL);
	ASSERT_GE(sfd, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(close(sfd) ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(CPRHOLD_STATE_OPEN, ch_state(sfd));
	/* A dup in the creator keeps it too. */
	st = dup(sfd);
	close(sfd);
	EXPECT_EQ(CPRHOLD_STATE_OPEN, ch_state(st));
	close(st);
	EXPECT_ERRNO(ENOENT, ch_destroy(ctl, name));
	close(ctl);
}

/* ---- a container's uids count against the user that created it -------- */

#define CT_OWNER 65534		/* owns the container's user namespace */
#define CT_BASE 300000		/* its uids 0-15 are these kuids */
#define CT_MEMBERS 5

/*
 * In the container, as its uid @uid: create session @name, park
 * @nr_park entries and seal it (so that it outlives the process).
 * Writes to @out: 0 all done, 1 CREATE failed with ENOSPC, 2 PARK failed
 * with ENOSPC, 9 anything else.
 */
static void ct_member(int ctl, const char *name, uid_t uid, int nr_park,
		      int out)
{
	struct cprhold_entry e[2];
	int sfd, efd = eventfd(0, EFD_CLOEXEC);
	char res = 9;

	if (efd < 0 || setresuid(uid, uid, uid))
		goto out;
	sfd = ch_create(ctl, name, NULL);
	if (sfd < 0) {
		res = errno == ENOSPC ? 1 : 9;
		goto out;
	}
	ch_entry(&e[0], efd, 1, NULL);
	ch_entry(&e[1], efd, 2, NULL);
	if (nr_park && ch_park(sfd, e, nr_park)) {
		res = errno == ENOSPC ? 2 : 9;
		goto out;
	}
	res = ch_seal(sfd) ? 9 : 0;
out:
	_exit(write(out, &res, 1) == 1 ? 0 : 1);
}

/* As @uid (no container): create session @name and park @nr_park entries */
static int as_user(int ctl, const char *name, uid_t uid, int nr_park)
{
	struct cprhold_entry e[2];
	int status, sfd, efd;
	pid_t pid = fork();

	if (pid == 0) {
		efd = eventfd(0, EFD_CLOEXEC);
		if (efd < 0 || setresuid(uid, uid, uid))
			_exit(9);
		sfd = ch_create(ctl, name, NULL);
		if (sfd < 0)
			_exit(errno == ENOSPC ? 1 : 9);
		ch_entry(&e[0], efd, 1, NULL);
		ch_entry(&e[1], efd, 2, NULL);
		_exit(nr_park && ch_park(sfd, e, nr_park) ?
		      (errno == ENOSPC ? 2 : 9) : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST(container_uids_count_against_their_creator)
{
	/* Entries each member parks, and what it must get (see ct_member) */
	static const int nr_park[CT_MEMBERS] = { 2, 2, 1, 0, 0 };
	static const char want[CT_MEMBERS] = { 0, 0, 2, 0, 1 };
	long old_s = ch_get_param("max_sessions_per_user");
	long old_e = ch_get_param("max_entries_per_user");
	int ctl = ch_open(), ready[2], mapped[2], res[2], status, fd, n, i;
	char names[CT_MEMBERS + 1][CPRHOLD_NAME_MAX], map[64], path[64];
	char got[CT_MEMBERS];
	pid_t pid;

	ASSERT_GE(ctl, 0);
	ASSERT_GT(old_s, 0);
	ASSERT_GT(old_e, 0);
	for (i = 0; i <= CT_MEMBERS; i++)
		ch_name(names[i], sizeof(names[i]), "ct");
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(mapped));
	ASSERT_EQ(0, pipe(res));
	/* Three sessions and four entries per user, its containers' included */
	ASSERT_EQ(0, ch_set_param("max_sessions_per_user", 3));
	ASSERT_EQ(0, ch_set_param("max_entries_per_user", 4));

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char c = 0;

		/* A user namespace of CT_OWNER's, as a rootless runtime makes */
		if (setresuid(CT_OWNER, CT_OWNER, CT_OWNER) ||
		    unshare(CLONE_NEWUSER) || write(ready[1], &c, 1) != 1 ||
		    read(mapped[0], &c, 1) != 1)
			_exit(1);
		/* Its uids 0, 1, 2, ... one after the other */
		for (i = 0; i < CT_MEMBERS; i++) {
			pid_t m = fork();

			if (m == 0)
				ct_member(ctl, names[i], i, nr_park[i], res[1]);
			if (m < 0 || waitpid(m, &status, 0) != m || status)
				_exit(1);
		}
		_exit(0);
	}
	/* The container's uids 0-15 are kuids CT_BASE to CT_BASE + 15 */
	ASSERT_EQ(1, read(ready[0], map, 1));
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	n = snprintf(map, sizeof(map), "0 %d 16\n", CT_BASE);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(n, write(fd, map, n));
	close(fd);
	ASSERT_EQ(1, write(mapped[1], "m", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(CT_MEMBERS, read(res[0], got, sizeof(got)));
	/*
	 * uids 0 and 1 park 4 entries in 2 sessions; uid 2's entry would be
	 * the fifth; uid 3 seals a third session; uid 4 gets no fourth.
	 * Each kuid had a room of its own before, and all got everything.
	 */
	for (i = 0; i < CT_MEMBERS; i++) {
		if (got[i] != want[i]) {
			TH_LOG("container uid %d: got %d, expected %d", i,
			       got[i], want[i]);
			_metadata->exit_code = KSFT_FAIL;
		}
	}
	/* The container's owner itself has no session left either */
	EXPECT_EQ(1, as_user(ctl, names[CT_MEMBERS], CT_OWNER, 1));
	/* Another user keeps its whole room */
	EXPECT_EQ(0, as_user(ctl, names[CT_MEMBERS], CT_OWNER - 1, 2));

	for (i = 0; i <= CT_MEMBERS; i++)
		ch_destroy(ctl, names[i]);
	ASSERT_EQ(0, ch_set_param("max_sessions_per_user", old_s));
	ASSERT_EQ(0, ch_set_param("max_entries_per_user", old_e));
	close(ctl);
}

TEST_HARNESS_MAIN
