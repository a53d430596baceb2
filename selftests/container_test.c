// SPDX-License-Identifier: GPL-2.0
/*
 * container_test - handovers between real containers: each side in its
 * own user, mount (pivot_root into its own root), pid, net, ipc and uts
 * namespaces, with /dev/cprhold bind-mounted in.  Container A creates and
 * parks; B with the secret claims; C with a wrong secret gets EACCES; the
 * creation flags SAME_KUID and USERNS narrow who may claim.
 */
#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/utsname.h>

#include "lib/ch.h"
#include "lib/container.h"
#include "lib/harness.h"
#include "lib/util.h"

struct shared {
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	uint32_t flags;
	int userns_fd;
	uint32_t seen_creator_pid;	/* as the claimer sees it */
	int claim_errno;
	int claimer_ran;		/* the claim-only container ran */
	char hostname[65];
};

static struct shared *shm;

static int map_shared(void)
{
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return shm == MAP_FAILED ? -1 : 0;
}

#define RAM (4u << 20)

/* Container A: a memfd with a pattern and an eventfd, parked and sealed. */
static int ct_creator(void *arg)
{
	struct cprhold_entry e[2];
	struct utsname u;
	int ctl, sfd, mfd, efd;
	uint64_t one = 1;
	unsigned char *p;
	size_t i;

	(void)arg;
	/* Pid 1 of its own pid namespace, on its own root. */
	if (getpid() != 1 || access("/proc/self", F_OK) || !access("/tmp", F_OK))
		return 10;
	uname(&u);
	snprintf(shm->hostname, sizeof(shm->hostname), "%s", u.nodename);
	ctl = open("/dev/cprhold", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return 11;
	mfd = memfd_create("ram", MFD_CLOEXEC);
	efd = eventfd(0, EFD_CLOEXEC);
	if (mfd < 0 || efd < 0 || ftruncate(mfd, RAM))
		return 12;
	p = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (p == MAP_FAILED)
		return 13;
	for (i = 0; i < RAM; i++)
		p[i] = (unsigned char)(i ^ (i >> 9));
	if (write(efd, &one, sizeof(one)) != sizeof(one))
		return 14;
	sfd = ch_create_ex(ctl, shm->name, shm->flags, 0, shm->secret);
	if (sfd < 0)
		return 15;
	ch_entry(&e[0], mfd, 1, "ram");
	ch_entry(&e[1], efd, 2, "irq");
	if (ch_park(sfd, e, 2) || ch_seal(sfd))
		return 16;
	return 0;
}

static int ct_creator_userns(void *arg)
{
	struct cprhold_create c = { .size = sizeof(c) };
	int ctl, sfd;

	(void)arg;
	ctl = open("/dev/cprhold", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return 11;
	strcpy(c.name, shm->name);
	c.flags = CPRHOLD_CREATE_USERNS;
	c.userns_fd = shm->userns_fd;	/* inherited across clone */
	if (ioctl(ctl, CPRHOLD_CREATE, &c))
		return 15;
	memcpy(shm->secret, c.out_secret, sizeof(shm->secret));
	sfd = c.out_fd;
	return ch_seal(sfd) ? 16 : 0;
}

/* Container B: claim, verify the memory byte by byte and the eventfd. */
static int ct_claimer(void *arg)
{
	struct cprhold_session_info info;
	uint64_t tokens[2] = { 1, 2 }, v = 0;
	int ctl, cfd, fds[2];
	unsigned char *p;
	size_t i;

	(void)arg;
	ctl = open("/dev/cprhold", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return 21;
	cfd = ch_claim(ctl, shm->name, shm->secret);
	if (cfd < 0) {
		shm->claim_errno = errno;
		return 22;
	}
	if (ch_info(cfd, &info))
		return 23;
	shm->seen_creator_pid = info.creator_pid;
	if (ch_retrieve(cfd, tokens, fds, 2))
		return 24;
	p = mmap(NULL, RAM, PROT_READ, MAP_SHARED, fds[0], 0);
	if (p == MAP_FAILED)
		return 25;
	for (i = 0; i < RAM; i++)
		if (p[i] != (unsigned char)(i ^ (i >> 9)))
			return 26;
	if (read(fds[1], &v, sizeof(v)) != sizeof(v) || v != 1)
		return 27;
	return ch_finish(cfd) ? 28 : 0;
}

/* Container C: a claim that must be refused; records the errno. */
static int ct_claim_only(void *arg)
{
	int ctl = open("/dev/cprhold", O_RDWR | O_CLOEXEC), cfd;

	(void)arg;
	if (ctl < 0)
		return 21;
	shm->claimer_ran++;
	errno = 0;
	cfd = ch_claim(ctl, shm->name, shm->secret);
	shm->claim_errno = cfd < 0 ? errno : 0;
	if (cfd >= 0)
		ch_abort(cfd);
	return 0;
}

FIXTURE(ct) {
	gid_t kvm;
	int ctl;
};

FIXTURE_SETUP(ct)
{
	ASSERT_EQ(0, map_shared());
	memset(shm, 0, sizeof(*shm));
	ASSERT_EQ(0, ct_prepare_device(&self->kvm));
	self->ctl = ch_open();
	ASSERT_GE(self->ctl, 0);
	ch_name(shm->name, sizeof(shm->name), "ct");
}

FIXTURE_TEARDOWN(ct)
{
	ch_destroy(self->ctl, shm->name);
	close(self->ctl);
}

TEST_F(ct, handover_between_containers)
{
	struct ct_opts a = { .host_uid = 100000, .host_gid = self->kvm,
			     .hostname = "ct-a", .userns_fd = -1 };
	struct ct_opts b = { .host_uid = 200000, .host_gid = self->kvm,
			     .hostname = "ct-b", .userns_fd = -1 };
	struct ct_opts c = b;
	uint8_t good[CPRHOLD_SECRET_SIZE];

	ASSERT_EQ(0, ct_run(&a, ct_creator, NULL));
	EXPECT_STREQ("ct-a", shm->hostname);
	/* C, with a wrong secret, is refused; the session stays SEALED. */
	memcpy(good, shm->secret, sizeof(good));
	shm->secret[0] ^= 0x80;
	c.hostname = "ct-c";
	ASSERT_EQ(0, ct_run(&c, ct_claim_only, NULL));
	EXPECT_EQ(EACCES, shm->claim_errno);
	memcpy(shm->secret, good, sizeof(good));
	/* B, with the secret, gets the memory and the eventfd. */
	ASSERT_EQ(0, ct_run(&b, ct_claimer, NULL));
	/* A's pid namespace is not B's: the creator's pid is not visible. */
	EXPECT_EQ(0u, shm->seen_creator_pid);
	EXPECT_ERRNO(ENOENT, ch_destroy(self->ctl, shm->name));
}

TEST_F(ct, same_kuid_flag)
{
	struct ct_opts a = { .host_uid = 100000, .host_gid = self->kvm, .userns_fd = -1 };
	struct ct_opts other = { .host_uid = 200000, .host_gid = self->kvm, .userns_fd = -1 };

	shm->flags = CPRHOLD_CREATE_SAME_KUID;
	ASSERT_EQ(0, ct_run(&a, ct_creator, NULL));
	/* Right secret, another kuid: refused. */
	ASSERT_EQ(0, ct_run(&other, ct_claim_only, NULL));
	EXPECT_EQ(EACCES, shm->claim_errno);
	/* Host root is another kuid as well. */
	EXPECT_ERRNO(EACCES, ch_claim(self->ctl, shm->name, shm->secret));
	/* A second container mapped to the same kuid may. */
	ASSERT_EQ(0, ct_run(&a, ct_claimer, NULL));
}

TEST_F(ct, userns_flag)
{
	struct ct_opts a = { .host_uid = 100000, .host_gid = self->kvm, .userns_fd = -1 };
	struct ct_opts outside = { .host_uid = 300000, .host_gid = self->kvm, .userns_fd = -1 };
	struct ct_opts inside = { .host_uid = 300000, .host_gid = self->kvm };
	char path[64], map[64];
	int ready[2], fd;
	pid_t tenant;
	char c;

	/* The tenant's user namespace T: uids 300000.., the kvm group. */
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	tenant = fork();
	ASSERT_GE(tenant, 0);
	if (tenant == 0) {
		if (unshare(CLONE_NEWUSER) || write(ready[1], "u", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	snprintf(path, sizeof(path), "/proc/%d/uid_map", tenant);
	fd = open(path, O_WRONLY);
	ASSERT_EQ(15, write(fd, "0 300000 65536\n", 15));
	close(fd);
	snprintf(path, sizeof(path), "/proc/%d/setgroups", tenant);
	fd = open(path, O_WRONLY);
	ASSERT_EQ(4, write(fd, "deny", 4));
	close(fd);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", tenant);
	fd = open(path, O_WRONLY);
	snprintf(map, sizeof(map), "0 %u 1\n", self->kvm);
	ASSERT_EQ((ssize_t)strlen(map), write(fd, map, strlen(map)));
	close(fd);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", tenant);
	shm->userns_fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(shm->userns_fd, 0);
	/* Container A inherits the fd: clone() copies the fd table. */

	ASSERT_EQ(0, ct_run(&a, ct_creator_userns, NULL));
	/* A container outside T, same kuid even: refused. */
	ASSERT_EQ(0, ct_run(&outside, ct_claim_only, NULL));
	EXPECT_EQ(EACCES, shm->claim_errno);
	/* A container whose user namespace is below T: allowed. */
	inside.userns_fd = shm->userns_fd;
	ASSERT_EQ(0, ct_run(&inside, ct_claim_only, NULL));
	EXPECT_EQ(2, shm->claimer_ran);
	EXPECT_EQ(0, shm->claim_errno);

	kill(tenant, SIGKILL);
	waitpid(tenant, NULL, 0);
	close(shm->userns_fd);
}

TEST_HARNESS_MAIN
