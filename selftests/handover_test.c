// SPDX-License-Identifier: GPL-2.0
/*
 * handover_test - cprhold between processes: the creator parks and exits,
 * a new process claims and gets the very same open files; crash and
 * rollback semantics; exactly one winner among racing claimers.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "lib/ch.h"
#include "lib/harness.h"
#include "lib/util.h"

/* What a creator tells the test: the session's name and secret. */
struct ticket {
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
};

#define RAM_SIZE (8u << 20)

static unsigned char pattern(size_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13);
}

/*
 * Run @fn in a child; it writes a ticket to the pipe and returns its exit
 * status.  The child's ctl fd and session fd are its own; when @linger is
 * set, it sleeps after the ticket until killed.
 */
typedef int (*creator_fn)(int ctl, struct ticket *t, void *arg);

static pid_t spawn_creator(creator_fn fn, void *arg, struct ticket *t, bool linger)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		int ctl = ch_open(), rc;

		close(p[0]);
		ch_name(t->name, sizeof(t->name), "ho");
		rc = fn(ctl, t, arg);
		if (rc)
			_exit(rc);
		if (write_full(p[1], t, sizeof(*t)))
			_exit(99);
		if (linger)
			for (;;)
				pause();
		_exit(0);
	}
	close(p[1]);
	if (pid > 0 && read_full(p[0], t, sizeof(*t)))
		pid = -1;
	close(p[0]);
	return pid;
}

static int wait_exit(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Create, park @n fds with tokens 1..n, seal. */
static int create_park_seal(int ctl, struct ticket *t, const int *fds, int n)
{
	struct cprhold_entry e[8];
	int sfd, i;

	sfd = ch_create(ctl, t->name, t->secret);
	if (sfd < 0)
		return 20;
	for (i = 0; i < n; i++)
		ch_entry(&e[i], fds[i], i + 1, "e");
	if (ch_park(sfd, e, n))
		return 21;
	if (ch_seal(sfd))
		return 22;
	return 0;
}

static int creator_memfd(int ctl, struct ticket *t, void *arg)
{
	int fd = memfd_create("guest-ram", MFD_CLOEXEC);
	unsigned char *p;
	size_t i;

	(void)arg;
	if (fd < 0 || ftruncate(fd, RAM_SIZE))
		return 10;
	p = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 11;
	for (i = 0; i < RAM_SIZE; i++)
		p[i] = pattern(i);
	return create_park_seal(ctl, t, &fd, 1);
}

/* A claimer in a new process: claim, retrieve token 1..n, call @check. */
typedef int (*claimer_fn)(int *fds, void *arg);

static int run_claimer(const struct ticket *t, int n, claimer_fn check, void *arg,
		       bool finish)
{
	pid_t pid = fork();

	if (pid == 0) {
		uint64_t tokens[8];
		int ctl = ch_open(), cfd, fds[8], i, rc;

		cfd = ch_claim(ctl, t->name, t->secret);
		if (cfd < 0)
			_exit(30);
		for (i = 0; i < n; i++)
			tokens[i] = i + 1;
		if (ch_retrieve(cfd, tokens, fds, n))
			_exit(31);
		rc = check(fds, arg);
		if (rc)
			_exit(rc);
		if (finish && ch_finish(cfd))
			_exit(32);
		_exit(0);
	}
	return pid < 0 ? -1 : wait_exit(pid);
}

static int check_memfd(int *fds, void *arg)
{
	unsigned char *p;
	size_t i;

	(void)arg;
	p = mmap(NULL, RAM_SIZE, PROT_READ, MAP_SHARED, fds[0], 0);
	if (p == MAP_FAILED)
		return 40;
	for (i = 0; i < RAM_SIZE; i++)
		if (p[i] != pattern(i))
			return 41;
	return 0;
}

TEST(memfd_pattern_survives_creator)
{
	struct ticket t;
	pid_t pid;

	pid = spawn_creator(creator_memfd, NULL, &t, false);
	ASSERT_GT(pid, 0);
	/* The creator is gone before anybody claims. */
	ASSERT_EQ(0, wait_exit(pid));
	ASSERT_EQ(0, run_claimer(&t, 1, check_memfd, NULL, true));
}

static int creator_eventfd(int ctl, struct ticket *t, void *arg)
{
	int fd = eventfd(0, EFD_CLOEXEC);
	uint64_t v = 41;

	(void)arg;
	if (fd < 0 || write(fd, &v, sizeof(v)) != sizeof(v))
		return 10;
	return create_park_seal(ctl, t, &fd, 1);
}

static int check_eventfd(int *fds, void *arg)
{
	uint64_t v = 0;

	(void)arg;
	if (read(fds[0], &v, sizeof(v)) != sizeof(v))
		return 40;
	return v == 41 ? 0 : 41;
}

TEST(eventfd_count_preserved)
{
	struct ticket t;
	pid_t pid = spawn_creator(creator_eventfd, NULL, &t, false);

	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, wait_exit(pid));
	ASSERT_EQ(0, run_claimer(&t, 1, check_eventfd, NULL, true));
}

static int creator_socket(int ctl, struct ticket *t, void *arg)
{
	int *sp = arg;

	close(sp[0]);
	return create_park_seal(ctl, t, &sp[1], 1);
}

static int check_socket(int *fds, void *arg)
{
	char buf[16] = {};

	(void)arg;
	/* Written by the test while nobody but the session held this end. */
	if (read(fds[0], buf, 5) != 5 || memcmp(buf, "hello", 5))
		return 40;
	if (write(fds[0], "world", 5) != 5)
		return 41;
	return 0;
}

TEST(unix_socketpair_keeps_working)
{
	struct ticket t;
	char buf[8] = {};
	int sp[2];
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp));
	pid = spawn_creator(creator_socket, sp, &t, false);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, wait_exit(pid));
	close(sp[1]);
	ASSERT_EQ(5, write(sp[0], "hello", 5));
	ASSERT_EQ(0, run_claimer(&t, 1, check_socket, NULL, true));
	ASSERT_EQ(5, read(sp[0], buf, 5));
	EXPECT_STREQ("world", buf);
	close(sp[0]);
}

static int creator_pipe(int ctl, struct ticket *t, void *arg)
{
	int p[2];

	(void)arg;
	if (pipe2(p, O_CLOEXEC) || write(p[1], "unread data", 11) != 11)
		return 10;
	return create_park_seal(ctl, t, p, 2);
}

static int check_pipe(int *fds, void *arg)
{
	char buf[16] = {};

	(void)arg;
	close(fds[1]);
	if (read(fds[0], buf, sizeof(buf)) != 11 || memcmp(buf, "unread data", 11))
		return 40;
	return 0;
}

TEST(pipe_keeps_unread_data)
{
	struct ticket t;
	pid_t pid = spawn_creator(creator_pipe, NULL, &t, false);

	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, wait_exit(pid));
	ASSERT_EQ(0, run_claimer(&t, 2, check_pipe, NULL, true));
}

#define BIG_RAM (64u << 20)

static int creator_open_big(int ctl, struct ticket *t, void *arg)
{
	int fd = memfd_create("big", MFD_CLOEXEC), sfd;
	void *p;

	(void)arg;
	if (fd < 0 || ftruncate(fd, BIG_RAM))
		return 10;
	p = mmap(NULL, BIG_RAM, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 11;
	memset(p, 0x5a, BIG_RAM);
	munmap(p, BIG_RAM);
	sfd = ch_create(ctl, t->name, t->secret);
	if (sfd < 0 || ch_park1(sfd, fd, 1, NULL))
		return 12;
	close(fd);	/* only the session holds the memory now */
	return 0;	/* OPEN, and lingering */
}

TEST(creator_killed_while_open_releases_all)
{
	long shmem0 = meminfo_kb("Shmem"), shmem1, sessions = ch_sysfs("sessions");
	long entries = ch_sysfs("entries"), objs = ch_sysfs("session_objects");
	struct ticket t;
	int ctl = ch_open();
	pid_t pid;
	int i;

	pid = spawn_creator(creator_open_big, NULL, &t, true);
	ASSERT_GT(pid, 0);
	shmem1 = meminfo_kb("Shmem");
	EXPECT_GE(shmem1 - shmem0, (long)(BIG_RAM >> 10) - 1024);
	EXPECT_EQ(sessions + 1, ch_sysfs("sessions"));
	EXPECT_EQ(entries + 1, ch_sysfs("entries"));

	kill(pid, SIGKILL);
	ASSERT_EQ(128 + SIGKILL, wait_exit(pid));
	/* The final fput may run a moment later (delayed fput work). */
	for (i = 0; i < 100 && meminfo_kb("Shmem") > shmem0 + 4096; i++)
		usleep(20000);
	EXPECT_LT(meminfo_kb("Shmem"), shmem0 + 4096);
	EXPECT_EQ(sessions, ch_sysfs("sessions"));
	EXPECT_EQ(entries, ch_sysfs("entries"));
	EXPECT_EQ(objs, ch_sysfs("session_objects"));
	EXPECT_ERRNO(ENOENT, ch_claim(ctl, t.name, t.secret));
	close(ctl);
}

TEST(claimer_killed_returns_to_sealed)
{
	struct ticket t;
	int ready[2], ctl = ch_open(), cfd = -1, i;
	char c;
	pid_t pid, claimer;

	pid = spawn_creator(creator_eventfd, NULL, &t, false);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, wait_exit(pid));
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	claimer = fork();
	ASSERT_GE(claimer, 0);
	if (claimer == 0) {
		int cctl = ch_open(), fd;

		fd = ch_claim(cctl, t.name, t.secret);
		if (fd < 0 || ch_retrieve1(fd, 1) < 0 || write(ready[1], "x", 1) != 1)
			_exit(30);
		for (;;)
			pause();
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	/* Claimed: nobody else gets it. */
	EXPECT_ERRNO(EBUSY, ch_claim(ctl, t.name, t.secret));
	kill(claimer, SIGKILL);
	ASSERT_EQ(128 + SIGKILL, wait_exit(claimer));
	/* The dead claimer's session fd is released as the process exits. */
	for (i = 0; i < 200; i++) {
		cfd = ch_claim(ctl, t.name, t.secret);
		if (cfd >= 0 || errno != EBUSY)
			break;
		usleep(20000);
	}
	ASSERT_GE(cfd, 0);
	ASSERT_EQ(0, ch_finish(cfd));
	close(cfd);
	close(ready[0]);
	close(ctl);
}

TEST(abort_rolls_back_to_old_owner)
{
	struct ticket t;
	pid_t pid;

	pid = spawn_creator(creator_memfd, NULL, &t, false);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, wait_exit(pid));

	/* The successor claims, checks, then fails and aborts. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int ctl = ch_open(), cfd = ch_claim(ctl, t.name, t.secret), fd;

		if (cfd < 0)
			_exit(30);
		fd = ch_retrieve1(cfd, 1);
		if (fd < 0 || check_memfd(&fd, NULL))
			_exit(31);
		_exit(ch_abort(cfd) ? 32 : 0);
	}
	ASSERT_EQ(0, wait_exit(pid));

	/* The old owner (anyone with the secret) takes it back and finishes. */
	ASSERT_EQ(0, run_claimer(&t, 1, check_memfd, NULL, true));
}

struct race {
	pthread_barrier_t barrier;
	const struct ticket *t;
	int ctl[2];
	int fd[2];
	int err[2];
};

static struct race race;

static void *racer(void *arg)
{
	int i = (int)(intptr_t)arg;

	pthread_barrier_wait(&race.barrier);
	race.fd[i] = ch_claim(race.ctl[i], race.t->name, race.t->secret);
	race.err[i] = race.fd[i] < 0 ? errno : 0;
	return NULL;
}

TEST_TIMEOUT(claim_race_exactly_one_wins, 600)
{
	struct ticket t;
	pthread_t th[2];
	int i, winners_0 = 0, winners_1 = 0;
	pid_t pid;

	pid = spawn_creator(creator_eventfd, NULL, &t, false);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, wait_exit(pid));
	race.t = &t;
	race.ctl[0] = ch_open();
	race.ctl[1] = ch_open();
	for (i = 0; i < 1000; i++) {
		pthread_barrier_init(&race.barrier, NULL, 2);
		pthread_create(&th[0], NULL, racer, (void *)0);
		pthread_create(&th[1], NULL, racer, (void *)1);
		pthread_join(th[0], NULL);
		pthread_join(th[1], NULL);
		pthread_barrier_destroy(&race.barrier);
		/* Exactly one fd, and the other saw EBUSY. */
		ASSERT_EQ(1, (race.fd[0] >= 0) + (race.fd[1] >= 0));
		ASSERT_EQ(EBUSY, race.err[race.fd[0] >= 0 ? 1 : 0]);
		winners_0 += race.fd[0] >= 0;
		winners_1 += race.fd[1] >= 0;
		/* The winner gives it back for the next round. */
		ASSERT_EQ(0, ch_abort(race.fd[0] >= 0 ? race.fd[0] : race.fd[1]));
		close(race.fd[0] >= 0 ? race.fd[0] : race.fd[1]);
	}
	TH_LOG("1000 rounds: thread 0 won %d, thread 1 won %d", winners_0, winners_1);
	ASSERT_EQ(0, ch_destroy(race.ctl[0], t.name));
	close(race.ctl[0]);
	close(race.ctl[1]);
}

TEST_HARNESS_MAIN
