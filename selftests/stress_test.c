// SPDX-License-Identifier: GPL-2.0
/*
 * stress_test - a bounded randomized stress test: several processes do
 * random cprhold operations on a small pool of session names while the
 * test SIGKILLs and respawns them at random.  Every failing call must fail
 * with an errno the uAPI documents for it.  Afterwards, with every session
 * destroyed, the live-object counters must be back where they started:
 * no leaked session, entry or file.  (The harness then checks dmesg.)
 */
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>

#include "lib/ch.h"
#include "lib/harness.h"
#include "lib/util.h"

#define NSLOTS		6
#define NWORKERS	4
#define MAXFDS		16
#define SECONDS		20

struct slot {
	uint8_t secret[CPRHOLD_SECRET_SIZE];
};

struct stress_shared {
	struct slot slots[NSLOTS];
	unsigned long ops;
	unsigned long ok;
	int bad_errno;
	int bad_op;
};

static struct stress_shared *sh;

enum { OP_CREATE, OP_PARK, OP_SEAL, OP_CLOSE, OP_CLAIM, OP_RETRIEVE, OP_FINISH,
       OP_ABORT, OP_DESTROY, OP_LIST, OP_INFO, OP_MAX };

static unsigned int rnd(unsigned int n)
{
	return (unsigned int)random() % n;
}

static void slot_name(char *buf, unsigned int slot)
{
	snprintf(buf, CPRHOLD_NAME_MAX, "stress-%u", slot);
}

static bool expected_errno(int op, int err)
{
	switch (err) {
	case EBUSY:	/* wrong state, not the claimer */
	case ENOENT:	/* no such session or token, ended */
	case EEXIST:	/* name or token taken */
	case EACCES:	/* stale secret */
	case ENOSPC:	/* limits */
		return true;
	case EBADF:	/* a parked fd we closed meanwhile: never expected */
	default:
		(void)op;
		return false;
	}
}

static int pick(int *fds, int n)
{
	int i, start = rnd(n);

	for (i = 0; i < n; i++)
		if (fds[(start + i) % n] >= 0)
			return (start + i) % n;
	return -1;
}

static int add(int *fds, int n, int fd)
{
	int i;

	for (i = 0; i < n; i++)
		if (fds[i] < 0) {
			fds[i] = fd;
			return i;
		}
	close(fd);
	return -1;
}

static int park_some(int sfd)
{
	struct cprhold_entry e[4];
	int fds[4], n = 1 + rnd(4), i, ret, p[2];

	for (i = 0; i < n; i++) {
		switch (rnd(3)) {
		case 0:
			fds[i] = memfd_create("stress", MFD_CLOEXEC);
			if (fds[i] >= 0 && ftruncate(fds[i], 65536))
				return -1;
			break;
		case 1:
			fds[i] = eventfd(rnd(100), EFD_CLOEXEC);
			break;
		default:
			if (pipe2(p, O_CLOEXEC))
				return -1;
			close(p[1]);
			fds[i] = p[0];
		}
		ch_entry(&e[i], fds[i], rnd(12), "s");
	}
	ret = ch_park(sfd, e, n);
	for (i = 0; i < n; i++)
		close(fds[i]);
	return ret;
}

static void worker(unsigned int seed)
{
	int sfds[MAXFDS], cfds[MAXFDS], ctl = ch_open(), i, ret, op;
	char name[CPRHOLD_NAME_MAX];
	unsigned int s;

	srandom(seed);
	for (i = 0; i < MAXFDS; i++)
		sfds[i] = cfds[i] = -1;
	for (;;) {
		op = rnd(OP_MAX);
		s = rnd(NSLOTS);
		slot_name(name, s);
		errno = 0;
		ret = 0;
		switch (op) {
		case OP_CREATE: {
			uint8_t secret[CPRHOLD_SECRET_SIZE];
			int fd = ch_create_ex(ctl, name, 0, rnd(4) ? 0 : 50 + rnd(200), secret);

			ret = fd < 0 ? -1 : 0;
			if (fd >= 0) {
				memcpy(sh->slots[s].secret, secret, sizeof(secret));
				add(sfds, MAXFDS, fd);
			}
			break;
		}
		case OP_PARK:
			i = pick(sfds, MAXFDS);
			if (i >= 0)
				ret = park_some(sfds[i]);
			break;
		case OP_SEAL:
			i = pick(sfds, MAXFDS);
			if (i >= 0)
				ret = ch_seal(sfds[i]);
			break;
		case OP_CLOSE:
			i = pick(rnd(2) ? sfds : cfds, MAXFDS);
			if (i >= 0) {
				int *arr = sfds[i] >= 0 ? sfds : cfds;

				close(arr[i]);
				arr[i] = -1;
			}
			break;
		case OP_CLAIM: {
			uint8_t secret[CPRHOLD_SECRET_SIZE];
			int fd;

			memcpy(secret, sh->slots[s].secret, sizeof(secret));
			fd = ch_claim(ctl, name, secret);
			ret = fd < 0 ? -1 : 0;
			if (fd >= 0)
				add(cfds, MAXFDS, fd);
			break;
		}
		case OP_RETRIEVE: {
			uint64_t tokens[3] = { rnd(12), rnd(12), rnd(12) };
			int fds[3], n = 1 + rnd(3);

			i = pick(cfds, MAXFDS);
			if (i < 0)
				break;
			ret = ch_retrieve(cfds[i], tokens, fds, n);
			if (!ret)
				for (int k = 0; k < n; k++)
					close(fds[k]);
			break;
		}
		case OP_FINISH:
			i = pick(cfds, MAXFDS);
			if (i >= 0)
				ret = ch_finish(cfds[i]);
			break;
		case OP_ABORT:
			i = pick(cfds, MAXFDS);
			if (i >= 0)
				ret = ch_abort(cfds[i]);
			break;
		case OP_DESTROY:
			ret = ch_destroy(ctl, name);
			break;
		case OP_LIST:
			i = pick(rnd(2) ? sfds : cfds, MAXFDS);
			if (i >= 0) {
				ret = ch_nr_entries(sfds[i] >= 0 ? sfds[i] : cfds[i]);
				ret = ret < 0 ? -1 : 0;
			}
			break;
		case OP_INFO: {
			struct cprhold_session_info info;

			i = pick(cfds, MAXFDS);
			if (i >= 0)
				ret = ch_info(cfds[i], &info);
			break;
		}
		}
		__atomic_add_fetch(&sh->ops, 1, __ATOMIC_RELAXED);
		if (ret == 0) {
			__atomic_add_fetch(&sh->ok, 1, __ATOMIC_RELAXED);
		} else if (!expected_errno(op, errno)) {
			sh->bad_errno = errno;
			sh->bad_op = op;
			_exit(1);
		}
	}
}

static pid_t spawn_worker(unsigned int seed)
{
	pid_t pid = fork();

	if (pid == 0)
		worker(seed);
	return pid;
}

TEST_TIMEOUT(random_ops_with_sigkill_leak_nothing, 300)
{
	long sessions0 = ch_sysfs("sessions"), objs0 = ch_sysfs("session_objects");
	long entries0 = ch_sysfs("entries"), shmem0 = meminfo_kb("Shmem");
	pid_t workers[NWORKERS];
	unsigned int seed = (unsigned int)time(NULL), kills = 0, i;
	char name[CPRHOLD_NAME_MAX];
	struct timespec t0, t;
	int ctl = ch_open(), st;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
	TH_LOG("seed %u", seed);
	srandom(seed);
	for (i = 0; i < NWORKERS; i++)
		workers[i] = spawn_worker(seed + i + 1);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		usleep(20000 + rnd(200000));
		i = rnd(NWORKERS);
		kill(workers[i], SIGKILL);
		ASSERT_EQ(workers[i], waitpid(workers[i], &st, 0));
		/* A worker that exited by itself saw an unexpected errno. */
		if (!WIFSIGNALED(st)) {
			TH_LOG("op %d failed with unexpected errno %d (%s)",
			       sh->bad_op, sh->bad_errno, strerror(sh->bad_errno));
			ASSERT_TRUE(WIFSIGNALED(st));
		}
		kills++;
		workers[i] = spawn_worker(seed + 1000 + kills);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < SECONDS);

	for (i = 0; i < NWORKERS; i++) {
		kill(workers[i], SIGKILL);
		waitpid(workers[i], &st, 0);
		EXPECT_TRUE(WIFSIGNALED(st));
	}
	TH_LOG("%lu operations (%lu succeeded), %u kills", sh->ops, sh->ok, kills);
	EXPECT_GT(sh->ok, 100ul);

	/* SEALED sessions legitimately outlive their creators: destroy them. */
	for (i = 0; i < NSLOTS; i++) {
		slot_name(name, i);
		ch_destroy(ctl, name);
	}
	/* Final fputs of killed processes may lag a little. */
	for (i = 0; i < 250 && (ch_sysfs("session_objects") != objs0 ||
				ch_sysfs("entries") != entries0); i++)
		usleep(20000);
	EXPECT_EQ(sessions0, ch_sysfs("sessions"));
	EXPECT_EQ(objs0, ch_sysfs("session_objects"));
	EXPECT_EQ(entries0, ch_sysfs("entries"));
	EXPECT_LT(meminfo_kb("Shmem"), shmem0 + 2048);
	close(ctl);
}

TEST_HARNESS_MAIN
