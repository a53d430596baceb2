// SPDX-License-Identifier: GPL-2.0
/*
 * session_test - the cprhold session uAPI in one process: every ioctl's
 * success path and every errno path, struct size negotiation, and the
 * guarantee that a failing call changes nothing.
 */
#include <linux/magic.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "lib/ch.h"
#include "lib/harness.h"
#include "lib/util.h"

static int make_memfd(size_t size, unsigned char seed)
{
	int fd = memfd_create("guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	unsigned char *p;
	size_t i;

	if (fd < 0 || ftruncate(fd, size))
		return -1;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	for (i = 0; i < size; i++)
		p[i] = (unsigned char)(i * 7 + seed);
	munmap(p, size);
	return fd;
}

FIXTURE(sess) {
	int ctl;
	int sfd;
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
};

FIXTURE_SETUP(sess)
{
	self->ctl = ch_open();
	ASSERT_GE(self->ctl, 0);
	ch_name(self->name, sizeof(self->name), "sess");
	self->sfd = ch_create(self->ctl, self->name, self->secret);
	ASSERT_GE(self->sfd, 0);
}

FIXTURE_TEARDOWN(sess)
{
	ch_destroy(self->ctl, self->name);
	close(self->sfd);
	close(self->ctl);
}

/* ---- create ---------------------------------------------------------- */

TEST_F(sess, create_returns_cloexec_fd_and_secret)
{
	struct cprhold_session_info info;
	uint8_t zero[CPRHOLD_SECRET_SIZE] = {};
	char link[64], target[128];
	ssize_t n;

	EXPECT_EQ(FD_CLOEXEC, fcntl(self->sfd, F_GETFD) & FD_CLOEXEC);
	EXPECT_NE(0, memcmp(self->secret, zero, sizeof(zero)));
	snprintf(link, sizeof(link), "/proc/self/fd/%d", self->sfd);
	n = readlink(link, target, sizeof(target) - 1);
	ASSERT_GT(n, 0);
	target[n] = '\0';
	EXPECT_STREQ("anon_inode:[cprhold-session]", target);

	ASSERT_EQ(0, ch_info(self->sfd, &info));
	EXPECT_STREQ(self->name, info.name);
	EXPECT_EQ(CPRHOLD_STATE_OPEN, (int)info.state);
	EXPECT_EQ(0u, info.nr_entries);
	EXPECT_EQ((uint32_t)getpid(), info.creator_pid);
	EXPECT_EQ(getuid(), info.creator_uid);
	EXPECT_GT(info.created_ns, (uint64_t)1600000000ull * 1000000000ull);
	EXPECT_EQ(0u, info.sealed_ns);
	EXPECT_EQ(0u, info.claimer_pid);
	EXPECT_EQ((uint32_t)CPRHOLD_END_NONE, info.end_reason);
}

TEST_F(sess, create_secrets_differ)
{
	uint8_t secret2[CPRHOLD_SECRET_SIZE];
	char name2[CPRHOLD_NAME_MAX];
	int fd2;

	ch_name(name2, sizeof(name2), "second");
	fd2 = ch_create(self->ctl, name2, secret2);
	ASSERT_GE(fd2, 0);
	EXPECT_NE(0, memcmp(self->secret, secret2, sizeof(secret2)));
	close(fd2);
}

TEST_F(sess, create_no_cloexec)
{
	char name2[CPRHOLD_NAME_MAX];
	int fd2;

	ch_name(name2, sizeof(name2), "nocloexec");
	fd2 = ch_create_ex(self->ctl, name2, CPRHOLD_CREATE_NO_CLOEXEC, 0, NULL);
	ASSERT_GE(fd2, 0);
	EXPECT_EQ(0, fcntl(fd2, F_GETFD) & FD_CLOEXEC);
	close(fd2);
}

TEST_F(sess, create_name_taken_eexist)
{
	int before = (int)ch_sysfs("sessions");

	ASSERT_ERRNO(EEXIST, ch_create(self->ctl, self->name, NULL));
	EXPECT_EQ(before, (int)ch_sysfs("sessions"));
}

TEST_F(sess, create_bad_names_einval)
{
	static const char *const bad[] = { "", "with space", "slash/x", "tab\t",
					   "new\nline", "quote\"", "uml\xc3\xa4ut" };
	struct cprhold_create c;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERRNO(EINVAL, ch_create(self->ctl, bad[i], NULL));

	/* No NUL inside the array. */
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	memset(c.name, 'a', sizeof(c.name));
	EXPECT_ERRNO(EINVAL, ioctl(self->ctl, CPRHOLD_CREATE, &c));
	/* Garbage after the NUL. */
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	strcpy(c.name, "ok-name");
	c.name[20] = 'x';
	EXPECT_ERRNO(EINVAL, ioctl(self->ctl, CPRHOLD_CREATE, &c));
	/* 63 characters is the longest name. */
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	memset(c.name, 'n', CPRHOLD_NAME_MAX - 1);
	c.name[0] = 'Z';
	c.name[1] = (char)('a' + getpid() % 26);
	ASSERT_EQ(0, ioctl(self->ctl, CPRHOLD_CREATE, &c));
	close(c.out_fd);
}

TEST_F(sess, create_flags_and_reserved)
{
	struct cprhold_create c = { .size = sizeof(c) };

	ch_name(c.name, sizeof(c.name), "flags");
	c.flags = 1u << 31;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->ctl, CPRHOLD_CREATE, &c));
	c.flags = 0;
	c.__reserved = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->ctl, CPRHOLD_CREATE, &c));
	c.__reserved = 0;
	c.__reserved2 = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->ctl, CPRHOLD_CREATE, &c));
	c.__reserved2 = 0;
	c.ttl_ms = 1ull << 32;
	EXPECT_ERRNO(EINVAL, ioctl(self->ctl, CPRHOLD_CREATE, &c));
	c.ttl_ms = 0;
	c.userns_fd = 3;	/* without CPRHOLD_CREATE_USERNS */
	EXPECT_ERRNO(EINVAL, ioctl(self->ctl, CPRHOLD_CREATE, &c));
	c.userns_fd = 9999;
	c.flags = CPRHOLD_CREATE_USERNS;
	EXPECT_ERRNO(EBADF, ioctl(self->ctl, CPRHOLD_CREATE, &c));
	c.userns_fd = self->ctl;	/* not a namespace */
	EXPECT_ERRNO(EINVAL, ioctl(self->ctl, CPRHOLD_CREATE, &c));
	c.userns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(c.userns_fd, 0);	/* a namespace, not a user one */
	EXPECT_ERRNO(EINVAL, ioctl(self->ctl, CPRHOLD_CREATE, &c));
	close(c.userns_fd);
	/* Nothing of the above created a session. */
	EXPECT_EQ(1, (int)ch_sysfs("sessions") >= 1);
	EXPECT_ERRNO(ENOENT, ch_destroy(self->ctl, c.name));
}

TEST_F(sess, struct_size_negotiation)
{
	struct {
		struct cprhold_create c;
		uint8_t tail[64];
	} big;
	struct cprhold_create c;

	/* Shorter than the mandatory part. */
	memset(&c, 0, sizeof(c));
	ch_name(c.name, sizeof(c.name), "size");
	c.size = offsetof(struct cprhold_create, out_secret);
	EXPECT_ERRNO(EINVAL, ioctl(self->ctl, CPRHOLD_CREATE, &c));
	c.size = 0;
	EXPECT_ERRNO(EINVAL, ioctl(self->ctl, CPRHOLD_CREATE, &c));

	/* A v1 caller without the optional tail (TTL, userns) is accepted. */
	c.size = offsetofend(struct cprhold_create, out_secret);
	c.ttl_ms = 12345;	/* beyond its size: must not be read */
	ASSERT_EQ(0, ioctl(self->ctl, CPRHOLD_CREATE, &c));
	{
		struct cprhold_session_info info;

		ASSERT_EQ(0, ch_info(c.out_fd, &info));
		EXPECT_EQ(0u, info.ttl_ms);
	}
	close(c.out_fd);

	/* A longer struct with a zero tail is accepted ... */
	memset(&big, 0, sizeof(big));
	big.c.size = sizeof(big);
	ch_name(big.c.name, sizeof(big.c.name), "bigzero");
	ASSERT_EQ(0, ioctl(self->ctl, CPRHOLD_CREATE, &big));
	close(big.c.out_fd);
	/* ... with anything in the tail it is E2BIG, and nothing happens. */
	ch_name(big.c.name, sizeof(big.c.name), "bignonzero");
	big.tail[40] = 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->ctl, CPRHOLD_CREATE, &big));
	EXPECT_ERRNO(ENOENT, ch_destroy(self->ctl, big.c.name));

	/* Bad pointers. */
	EXPECT_ERRNO(EFAULT, ioctl(self->ctl, CPRHOLD_CREATE, NULL));
	EXPECT_ERRNO(EFAULT, ioctl(self->ctl, CPRHOLD_CREATE, (void *)16));
}

TEST_F(sess, ioctl_on_wrong_fd_enotty)
{
	struct cprhold_op op = { .size = sizeof(op) };
	struct cprhold_create c = { .size = sizeof(c) };

	EXPECT_ERRNO(ENOTTY, ioctl(self->ctl, CPRHOLD_SEAL, &op));
	EXPECT_ERRNO(ENOTTY, ioctl(self->sfd, CPRHOLD_CREATE, &c));
	EXPECT_ERRNO(ENOTTY, ioctl(self->sfd, _IO(CPRHOLD_TYPE, 0x2f), &op));
	EXPECT_ERRNO(ENOTTY, ioctl(self->sfd, _IOW(CPRHOLD_TYPE, CPRHOLD_CMD_SEAL, int), &op));
	EXPECT_ERRNO(ENOTTY, ioctl(self->sfd, FIONREAD, &op));
	EXPECT_EQ(CPRHOLD_STATE_OPEN, ch_state(self->sfd));
}

/* ---- park ------------------------------------------------------------ */

TEST_F(sess, park_classifies_types)
{
	int mfd = make_memfd(1 << 20, 1), efd = eventfd(5, EFD_CLOEXEC);
	int sp[2], pp[2], null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int reg = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int shm = open("/dev/shm/cprhold-test", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	int ptm = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	struct cprhold_entry e[8];

	ASSERT_GE(mfd, 0);
	ASSERT_GE(efd, 0);
	ASSERT_GE(null, 0);
	ASSERT_GE(reg, 0);
	ASSERT_GE(shm, 0);
	ASSERT_GE(ptm, 0);
	unlink("/dev/shm/cprhold-test");
	ASSERT_EQ(0, ftruncate(shm, 8192));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp));
	ASSERT_EQ(0, pipe2(pp, O_CLOEXEC));
	ASSERT_EQ(0, fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));

	ch_entry(&e[0], mfd, 1, "ram0");
	ch_entry(&e[1], efd, 2, "irq");
	ch_entry(&e[2], sp[0], 3, "sock");
	ch_entry(&e[3], pp[0], 4, "pipe");
	ch_entry(&e[4], null, 5, "null");
	ch_entry(&e[5], reg, 6, "exe");
	ch_entry(&e[6], shm, 7, "shm");
	ch_entry(&e[7], ptm, 8, "tty");
	ASSERT_EQ(0, ch_park(self->sfd, e, 8));

	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_MEMFD, e[0].type);
	EXPECT_EQ((uint64_t)(1 << 20), e[0].data.mem.size);
	EXPECT_EQ((uint32_t)(F_SEAL_SHRINK | F_SEAL_GROW), e[0].data.mem.seals);
	EXPECT_EQ((uint32_t)getpagesize(), e[0].data.mem.page_size);
	EXPECT_EQ((uint64_t)(1 << 20), e[0].data.mem.resident);
	EXPECT_EQ((uint32_t)O_RDWR, e[0].f_flags & O_ACCMODE);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_EVENTFD, e[1].type);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_SOCKET, e[2].type);
	EXPECT_EQ((uint32_t)AF_UNIX, e[2].data.socket.family);
	EXPECT_EQ((uint32_t)SOCK_SEQPACKET, e[2].data.socket.type);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_PIPE, e[3].type);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_CHARDEV, e[4].type);
	EXPECT_EQ(1u, e[4].data.chardev.major);
	EXPECT_EQ(3u, e[4].data.chardev.minor);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_REGULAR, e[5].type);
	EXPECT_GT(e[5].data.mem.size, (uint64_t)0);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_SHMEM, e[6].type);
	EXPECT_EQ(8192u, e[6].data.mem.size);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_TTY, e[7].type);

	{
		struct cprhold_session_info info;

		ASSERT_EQ(0, ch_info(self->sfd, &info));
		EXPECT_EQ(8u, info.nr_entries);
		/* memfd + shmem file: the memory the session keeps alive */
		EXPECT_EQ((uint64_t)(1 << 20) + 8192, info.mem_bytes);
	}
	close(mfd);
	close(efd);
	close(sp[0]);
	close(sp[1]);
	close(pp[0]);
	close(pp[1]);
	close(null);
	close(reg);
	close(shm);
	close(ptm);
}

TEST_F(sess, park_hugetlb_memfd)
{
	struct cprhold_entry e;
	int fd;

	if (run_cmd("echo 4 > /proc/sys/vm/nr_hugepages") ||
	    ch_sysfs("/proc/sys/vm/nr_hugepages") < 1)
		SKIP(return, "no huge pages can be reserved");
	fd = memfd_create("huge", MFD_CLOEXEC | MFD_HUGETLB);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ftruncate(fd, 2 << 20));
	ch_entry(&e, fd, 1, "hugeram");
	ASSERT_EQ(0, ch_park(self->sfd, &e, 1));
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_MEMFD, e.type);
	EXPECT_EQ((uint32_t)(2 << 20), e.data.mem.page_size);
	EXPECT_EQ((uint64_t)(2 << 20), e.data.mem.size);
	close(fd);
	ch_destroy(self->ctl, self->name);
	run_cmd("echo 0 > /proc/sys/vm/nr_hugepages");
}

TEST_F(sess, park_errors_change_nothing)
{
	int efd = eventfd(0, EFD_CLOEXEC), efd2 = eventfd(0, EFD_CLOEXEC);
	struct cprhold_entry e[3];
	struct cprhold_park p;
	uint32_t type;

	ASSERT_GE(efd, 0);
	ASSERT_EQ(0, ch_park1(self->sfd, efd, 100, &type));

	/* Bad fd, last in a batch: the good ones before it are not parked. */
	ch_entry(&e[0], efd, 1, "a");
	ch_entry(&e[1], efd2, 2, "b");
	ch_entry(&e[2], 9999, 3, "c");
	EXPECT_ERRNO(EBADF, ch_park(self->sfd, e, 3));
	/* Duplicate token in the batch, or against a parked entry. */
	ch_entry(&e[2], efd, 1, "c");
	EXPECT_ERRNO(EEXIST, ch_park(self->sfd, e, 3));
	ch_entry(&e[2], efd, 100, "c");
	EXPECT_ERRNO(EEXIST, ch_park(self->sfd, e, 3));
	/* cprhold's own fds. */
	ch_entry(&e[2], self->sfd, 3, "self");
	EXPECT_ERRNO(EINVAL, ch_park(self->sfd, e, 3));
	ch_entry(&e[2], self->ctl, 3, "ctl");
	EXPECT_ERRNO(EINVAL, ch_park(self->sfd, e, 3));
	/* Entry fields. */
	ch_entry(&e[2], efd, 3, "c");
	e[2].flags = 1u << 7;
	EXPECT_ERRNO(EOPNOTSUPP, ch_park(self->sfd, e, 3));
	e[2].flags = 0;
	e[2].addr = 0x10000;	/* without CPRHOLD_ENTRY_ADDR */
	EXPECT_ERRNO(EINVAL, ch_park(self->sfd, e, 3));
	e[2].flags = CPRHOLD_ENTRY_ADDR;
	e[2].addr = 0x10001;	/* not page aligned */
	EXPECT_ERRNO(EINVAL, ch_park(self->sfd, e, 3));
	e[2].flags = 0;
	e[2].addr = 0;
	strcpy(e[2].label, "has:colon");
	EXPECT_ERRNO(EINVAL, ch_park(self->sfd, e, 3));
	memset(e[2].label, 'x', sizeof(e[2].label));
	EXPECT_ERRNO(EINVAL, ch_park(self->sfd, e, 3));

	/* The command itself. */
	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.entry_size = sizeof(e[0]);
	p.entries = (uintptr_t)e;
	p.count = 0;
	EXPECT_ERRNO(EINVAL, ioctl(self->sfd, CPRHOLD_PARK, &p));
	p.count = 1;
	p.flags = CPRHOLD_PARK_FDS << 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->sfd, CPRHOLD_PARK, &p));
	p.flags = 0;
	p.first_token = 5;	/* only with CPRHOLD_PARK_FDS */
	EXPECT_ERRNO(EINVAL, ioctl(self->sfd, CPRHOLD_PARK, &p));
	p.first_token = 0;
	p.flags = 1u << 31;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->sfd, CPRHOLD_PARK, &p));
	p.flags = 0;
	p.entry_size = offsetof(struct cprhold_entry, data);
	EXPECT_ERRNO(EINVAL, ioctl(self->sfd, CPRHOLD_PARK, &p));
	p.entry_size = 8192;
	EXPECT_ERRNO(E2BIG, ioctl(self->sfd, CPRHOLD_PARK, &p));
	p.entry_size = sizeof(e[0]);
	p.entries = 8;
	EXPECT_ERRNO(EFAULT, ioctl(self->sfd, CPRHOLD_PARK, &p));

	/* Only the first park is there. */
	EXPECT_EQ(1, ch_nr_entries(self->sfd));
	close(efd);
	close(efd2);
}

TEST_F(sess, park_larger_entries)
{
	struct {
		struct cprhold_entry e;
		uint64_t future[2];
	} big[2];
	struct cprhold_park p = { .size = sizeof(p), .flags = CPRHOLD_PARK_REPORT, .count = 2,
				  .entry_size = sizeof(big[0]), .entries = (uintptr_t)big };
	int efd = eventfd(0, EFD_CLOEXEC);

	memset(big, 0, sizeof(big));
	ch_entry(&big[0].e, efd, 1, "one");
	ch_entry(&big[1].e, efd, 2, "two");
	big[1].future[1] = 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->sfd, CPRHOLD_PARK, &p));
	EXPECT_EQ(0, ch_nr_entries(self->sfd));
	big[1].future[1] = 0;
	ASSERT_EQ(0, ioctl(self->sfd, CPRHOLD_PARK, &p));
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_EVENTFD, big[1].e.type);
	EXPECT_EQ(2, ch_nr_entries(self->sfd));
	close(efd);
}

/*
 * Without CPRHOLD_PARK_REPORT park only reads the entries: their output
 * fields are ignored and left as they are, a read-only array will do,
 * and the kernel classifies each file when first asked: INFO's memory
 * total, LIST.  With the flag the same read-only array is EFAULT and
 * parks nothing.
 */
TEST_F(sess, park_without_report)
{
	size_t len = 2 * sizeof(struct cprhold_entry);
	struct cprhold_entry *ro, out[2];
	struct cprhold_session_info info;
	struct cprhold_list l;
	int mfd = memfd_create("ram", MFD_CLOEXEC);
	int efd = eventfd(0, EFD_CLOEXEC);

	ASSERT_GE(mfd, 0);
	ASSERT_GE(efd, 0);
	ASSERT_EQ(0, ftruncate(mfd, 3 * getpagesize()));
	ro = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ch_entry(&ro[0], mfd, 1, "ram");
	ch_entry(&ro[1], efd, 2, NULL);
	ro[0].type = 12345;
	ro[0].f_flags = 0xdead;
	memset(&ro[0].data, 0xaa, sizeof(ro[0].data));
	ASSERT_EQ(0, mprotect(ro, len, PROT_READ));

	EXPECT_ERRNO(EFAULT, ch_park_ex(self->sfd, ro, 2, CPRHOLD_PARK_REPORT));
	EXPECT_EQ(0, ch_nr_entries(self->sfd));
	ASSERT_EQ(0, ch_park_ex(self->sfd, ro, 2, 0));
	EXPECT_EQ(12345u, ro[0].type);
	EXPECT_EQ(0xdeadu, ro[0].f_flags);
	EXPECT_EQ(0xaau, ro[0].data.raw[31]);

	/* INFO classifies first here: the memfd counts as memory. */
	ASSERT_EQ(0, ch_info(self->sfd, &info));
	EXPECT_EQ(2u, info.nr_entries);
	EXPECT_EQ((uint64_t)3 * getpagesize(), info.mem_bytes);

	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	l.count = 2;
	l.entry_size = sizeof(out[0]);
	l.entries = (uintptr_t)out;
	ASSERT_EQ(0, ioctl(self->sfd, CPRHOLD_LIST, &l));
	ASSERT_EQ(2u, l.count);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_MEMFD, out[0].type);
	EXPECT_EQ((uint64_t)3 * getpagesize(), out[0].data.mem.size);
	EXPECT_EQ((uint32_t)O_RDWR, out[0].f_flags & O_ACCMODE);
	EXPECT_STREQ("ram", out[0].label);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_EVENTFD, out[1].type);
	munmap(ro, len);
	close(mfd);
	close(efd);
}

TEST_F(sess, park_after_seal_ebusy)
{
	int efd = eventfd(0, EFD_CLOEXEC);

	ASSERT_EQ(0, ch_seal(self->sfd));
	EXPECT_ERRNO(EBUSY, ch_park1(self->sfd, efd, 1, NULL));
	EXPECT_EQ(0, ch_nr_entries(self->sfd));
	close(efd);
}

/* Every token of @sfd's session, in LIST order; returns how many. */
static int list_tokens(int sfd, uint64_t *tokens, int max)
{
	struct cprhold_entry out[16];
	struct cprhold_list l;
	int n = 0;
	unsigned int i;

	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	l.entry_size = sizeof(out[0]);
	l.entries = (uintptr_t)out;
	do {
		l.count = 16;
		if (ioctl(sfd, CPRHOLD_LIST, &l))
			return -1;
		for (i = 0; i < l.count && n < max; i++)
			tokens[n++] = out[i].token;
	} while (l.cursor);
	return n;
}

/*
 * The kernel keeps a session's entries in page-sized batches and its
 * tokens in a sorted index: batches of any order, parked over several
 * calls, are found by LIST (in token order) and by RETRIEVE; a batch
 * that repeats a token, in itself or against the session, changes
 * nothing.
 */
TEST_F(sess, park_tokens_in_any_order)
{
	static const uint64_t first[] = { 50, 30, 90 };		/* unsorted */
	static const uint64_t merged[] = { 40, 10, 35 };	/* between */
	static const uint64_t after[] = { 100, 101 };		/* appended */
	static const uint64_t overlap[] = { 60, 70, 80 };	/* ascending, between */
	static const uint64_t want[] = { 10, 30, 35, 40, 50, 60, 70, 80, 90, 100, 101 };
	uint64_t seen[16], back[] = { 101, 10, 60, 60, 35 };
	int efd = eventfd(0, EFD_CLOEXEC), fds[5], cfd, i;
	struct cprhold_entry e[3];
	struct stat a, b;

	ASSERT_GE(efd, 0);
#define PARK(arr) ({							\
	for (i = 0; i < (int)ARRAY_SIZE(arr); i++)			\
		ch_entry(&e[i], efd, (arr)[i], NULL);			\
	ch_park(self->sfd, e, ARRAY_SIZE(arr)); })
	ASSERT_EQ(0, PARK(first));
	ASSERT_EQ(0, PARK(merged));
	ASSERT_EQ(0, PARK(after));
	ASSERT_EQ(0, PARK(overlap));
	ASSERT_EQ(11, list_tokens(self->sfd, seen, 16));
	for (i = 0; i < 11; i++)
		EXPECT_EQ(want[i], seen[i]);

	/* Repeats: in an unsorted batch, in a sorted one, against the session. */
	{
		static const uint64_t rep_unsorted[] = { 7, 5, 7 };
		static const uint64_t rep_sorted[] = { 200, 200 };
		static const uint64_t rep_old[] = { 300, 90 };
		static const uint64_t rep_old_sorted[] = { 1, 2, 10 };
		static const uint64_t rep_tail[] = { 101, 102 };

		EXPECT_ERRNO(EEXIST, PARK(rep_unsorted));
		EXPECT_ERRNO(EEXIST, PARK(rep_sorted));
		EXPECT_ERRNO(EEXIST, PARK(rep_old));
		EXPECT_ERRNO(EEXIST, PARK(rep_old_sorted));
		EXPECT_ERRNO(EEXIST, PARK(rep_tail));
	}
#undef PARK
	ASSERT_EQ(11, list_tokens(self->sfd, seen, 16));
	for (i = 0; i < 11; i++)
		EXPECT_EQ(want[i], seen[i]);
	EXPECT_EQ(11, ch_nr_entries(self->sfd));

	/* Retrieved in any order, a token twice too. */
	ASSERT_EQ(0, ch_seal(self->sfd));
	cfd = ch_claim(self->ctl, self->name, self->secret);
	ASSERT_GE(cfd, 0);
	ASSERT_EQ(0, ch_retrieve(cfd, back, fds, 5));
	ASSERT_EQ(0, fstat(efd, &a));
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, fstat(fds[i], &b));
		EXPECT_EQ(a.st_ino, b.st_ino);
		close(fds[i]);
	}
	close(cfd);
	close(efd);
}

/* Enough entries for several batches, over one call and over many. */
#define MANY 300

TEST_F(sess, park_many_entries)
{
	static struct cprhold_entry e[MANY];
	static int fds[MANY], got[MANY];
	static uint64_t tokens[MANY], seen[MANY];
	int i, cfd, sfd2;
	struct stat a, b;
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];

	for (i = 0; i < MANY; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC);
		ASSERT_GE(fds[i], 0);
		tokens[i] = 1000 + i;
		ch_entry(&e[i], fds[i], tokens[i], "ev");
	}
	/* A bad fd late in the batch: the entries before it are dropped. */
	e[250].fd = -1;
	EXPECT_ERRNO(EBADF, ch_park(self->sfd, e, MANY));
	EXPECT_EQ(0, ch_nr_entries(self->sfd));
	e[250].fd = fds[250];
	ASSERT_EQ(0, ch_park(self->sfd, e, MANY));
	EXPECT_EQ(MANY, ch_nr_entries(self->sfd));
	for (i = 0; i < MANY; i++)
		EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_EVENTFD, e[i].type);
	ASSERT_EQ(MANY, list_tokens(self->sfd, seen, MANY));
	for (i = 0; i < MANY; i++)
		EXPECT_EQ(tokens[i], seen[i]);

	/* One at a time, in descending order, into a second session. */
	ch_name(name, sizeof(name), "sess-many");
	sfd2 = ch_create(self->ctl, name, secret);
	ASSERT_GE(sfd2, 0);
	for (i = MANY - 1; i >= 0; i--)
		ASSERT_EQ(0, ch_park1(sfd2, fds[i], tokens[i], NULL));
	EXPECT_ERRNO(EEXIST, ch_park1(sfd2, fds[0], tokens[MANY / 2], NULL));
	ASSERT_EQ(MANY, list_tokens(sfd2, seen, MANY));
	for (i = 0; i < MANY; i++)
		EXPECT_EQ(tokens[i], seen[i]);
	ASSERT_EQ(0, ch_seal(sfd2));
	cfd = ch_claim(self->ctl, name, secret);
	ASSERT_GE(cfd, 0);
	ASSERT_EQ(0, ch_retrieve(cfd, tokens, got, MANY));
	for (i = 0; i < MANY; i++) {
		ASSERT_EQ(0, fstat(fds[i], &a));
		ASSERT_EQ(0, fstat(got[i], &b));
		EXPECT_EQ(a.st_ino, b.st_ino);
		close(got[i]);
		close(fds[i]);
	}
	close(cfd);
	close(sfd2);
	ch_destroy(self->ctl, name);
}

/*
 * The entries are read, and their reports written, one by one: an array
 * that faults part-way, or that cannot take the reports, parks nothing.
 */
TEST_F(sess, park_faults_change_nothing)
{
	size_t pg = sysconf(_SC_PAGESIZE);
	struct cprhold_entry *e;
	int efd = eventfd(0, EFD_CLOEXEC);
	char *map;

	map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	/* Two entries, the second across the end of a page that is gone. */
	e = (struct cprhold_entry *)(map + pg - sizeof(*e) - 8);
	ch_entry(&e[0], efd, 1, "a");
	ASSERT_EQ(0, munmap(map + pg, pg));
	EXPECT_ERRNO(EFAULT, ch_park(self->sfd, e, 2));
	EXPECT_EQ(0, ch_nr_entries(self->sfd));
	/* Readable, not writable: the reports cannot be written. */
	ASSERT_EQ(0, mprotect(map, pg, PROT_READ));
	EXPECT_ERRNO(EFAULT, ch_park(self->sfd, e, 1));
	EXPECT_EQ(0, ch_nr_entries(self->sfd));
	ASSERT_EQ(0, mprotect(map, pg, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, ch_park(self->sfd, e, 1));
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_EVENTFD, e[0].type);
	EXPECT_EQ(1, ch_nr_entries(self->sfd));
	munmap(map, pg);
	close(efd);
}

/* The entry with @token (CPRHOLD_LIST from it), or -1 if there is none. */
static int find_entry(int sfd, uint64_t token, struct cprhold_entry *e)
{
	struct cprhold_list l;

	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	l.count = 1;
	l.entry_size = sizeof(*e);
	l.entries = (uintptr_t)e;
	l.cursor = token;
	if (ioctl(sfd, CPRHOLD_LIST, &l))
		return -1;
	return l.count == 1 && e->token == token ? 0 : -1;
}

/*
 * CPRHOLD_PARK_FDS: an fd array as SCM_RIGHTS takes it, parked under
 * consecutive tokens, is the same as entries without label or address.
 */
TEST_F(sess, park_fds_consecutive_tokens)
{
	int fds[130], got[130], i, cfd;
	uint64_t tokens[130];
	struct cprhold_entry e;

	for (i = 0; i < 130; i++) {
		fds[i] = i % 2 ? eventfd(i, EFD_CLOEXEC) : make_memfd(4096, i);
		ASSERT_GE(fds[i], 0);
	}
	/* Two batches, the second below the first: tokens 1000.., 10.. */
	ASSERT_EQ(0, ch_park_fds(self->sfd, fds, 100, 1000));
	ASSERT_EQ(0, ch_park_fds(self->sfd, fds + 100, 30, 10));
	EXPECT_EQ(130, ch_nr_entries(self->sfd));
	/* As parked with entries: no label, no address, classified on use. */
	ASSERT_EQ(0, find_entry(self->sfd, 1001, &e));
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_EVENTFD, e.type);
	EXPECT_EQ(0, e.label[0]);
	EXPECT_EQ(0u, e.flags);
	EXPECT_EQ(0u, e.addr);
	ASSERT_EQ(0, find_entry(self->sfd, 1000, &e));
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_MEMFD, e.type);
	ASSERT_EQ(0, find_entry(self->sfd, 39, &e));
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_EVENTFD, e.type);
	EXPECT_EQ(-1, find_entry(self->sfd, 1100, &e));
	EXPECT_EQ(-1, find_entry(self->sfd, 40, &e));

	ASSERT_EQ(0, ch_seal(self->sfd));
	cfd = ch_claim(self->ctl, self->name, self->secret);
	ASSERT_GE(cfd, 0);
	for (i = 0; i < 130; i++)
		tokens[i] = i < 100 ? 1000 + i : 10 + i - 100;
	ASSERT_EQ(0, ch_retrieve(cfd, tokens, got, 130));
	for (i = 0; i < 130; i++) {
		ASSERT_EQ(0, kcmp_same_file(fds[i], got[i]));
		close(got[i]);
		close(fds[i]);
	}
	close(cfd);
}

TEST_F(sess, park_fds_errors_change_nothing)
{
	int efd = eventfd(0, EFD_CLOEXEC), fds[3];
	size_t pg = sysconf(_SC_PAGESIZE);
	int *map;

	ASSERT_GE(efd, 0);
	ASSERT_EQ(0, ch_park_fds(self->sfd, &efd, 1, 100));
	fds[0] = efd;
	fds[1] = efd;

	/* A bad fd last: the two before it are not parked. */
	fds[2] = 9999;
	EXPECT_ERRNO(EBADF, ch_park_fds(self->sfd, fds, 3, 1));
	fds[2] = -1;
	EXPECT_ERRNO(EBADF, ch_park_fds(self->sfd, fds, 3, 1));
	/* cprhold's own fds. */
	fds[2] = self->sfd;
	EXPECT_ERRNO(EINVAL, ch_park_fds(self->sfd, fds, 3, 1));
	fds[2] = self->ctl;
	EXPECT_ERRNO(EINVAL, ch_park_fds(self->sfd, fds, 3, 1));
	fds[2] = efd;
	/* Tokens 99..101 meet the parked 100. */
	EXPECT_ERRNO(EEXIST, ch_park_fds(self->sfd, fds, 3, 99));
	/* The command: count, entry_size, REPORT, the struct's size. */
	EXPECT_ERRNO(EINVAL, ch_park_fds(self->sfd, fds, 0, 1));
	{
		struct cprhold_park p = {
			.size = sizeof(p), .flags = CPRHOLD_PARK_FDS, .count = 3,
			.entry_size = sizeof(struct cprhold_entry),
			.entries = (uintptr_t)fds, .first_token = 1,
		};

		EXPECT_ERRNO(EINVAL, ioctl(self->sfd, CPRHOLD_PARK, &p));
		p.entry_size = 4;
		EXPECT_ERRNO(EINVAL, ioctl(self->sfd, CPRHOLD_PARK, &p));
	}
	EXPECT_ERRNO(EINVAL, ch_park_fds_ex(self->sfd, fds, 3, 1, CPRHOLD_PARK_REPORT,
					    sizeof(struct cprhold_park)));
	/* The first layout has no first_token: the tokens are not said. */
	EXPECT_ERRNO(EINVAL, ch_park_fds_ex(self->sfd, fds, 3, 0, 0,
					    CPRHOLD_PARK_SIZE_VER0));
	EXPECT_ERRNO(EINVAL, ch_park_fds_ex(self->sfd, fds, 3, 0, 0,
					    CPRHOLD_PARK_SIZE_VER1 - 1));
	/* The last token must not pass U64_MAX. */
	EXPECT_ERRNO(EOVERFLOW, ch_park_fds(self->sfd, fds, 3, UINT64_MAX - 1));
	EXPECT_ERRNO(EOVERFLOW, ch_park_fds(self->sfd, fds, 2, UINT64_MAX));
	/* Unreadable array: at once, or from its third fd on. */
	EXPECT_ERRNO(EFAULT, ch_park_fds(self->sfd, (int *)8, 3, 1));
	map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, mprotect((char *)map + pg, pg, PROT_NONE));
	map = (int *)((char *)map + pg - 2 * sizeof(int));
	map[0] = efd;
	map[1] = efd;
	EXPECT_ERRNO(EFAULT, ch_park_fds(self->sfd, map, 3, 1));
	EXPECT_EQ(1, ch_nr_entries(self->sfd));

	/* A longer struct: a zero tail is fine, anything else E2BIG. */
	{
		struct {
			struct cprhold_park p;
			uint64_t tail;
		} big = {
			.p = { .size = sizeof(big), .flags = CPRHOLD_PARK_FDS, .count = 1,
			       .entries = (uintptr_t)&efd, .first_token = 40 },
			.tail = 1,
		};

		EXPECT_ERRNO(E2BIG, ioctl(self->sfd, CPRHOLD_PARK, &big));
		EXPECT_EQ(1, ch_nr_entries(self->sfd));
		big.tail = 0;
		ASSERT_EQ(0, ioctl(self->sfd, CPRHOLD_PARK, &big));
	}

	/* The edges that work: the largest token, the array's readable end. */
	ASSERT_EQ(0, ch_park_fds(self->sfd, fds, 2, UINT64_MAX - 1));
	ASSERT_EQ(0, ch_park_fds(self->sfd, map, 2, 1));
	EXPECT_EQ(6, ch_nr_entries(self->sfd));
	munmap((char *)map - pg + 2 * sizeof(int), 2 * pg);

	/* Sealed: no more parks; a bad request says so first (errno order). */
	ASSERT_EQ(0, ch_seal(self->sfd));
	EXPECT_ERRNO(EBUSY, ch_park_fds(self->sfd, fds, 1, 50));
	EXPECT_ERRNO(EINVAL, ch_park_fds_ex(self->sfd, fds, 1, 50, CPRHOLD_PARK_REPORT,
					    sizeof(struct cprhold_park)));
	EXPECT_ERRNO(EOVERFLOW, ch_park_fds(self->sfd, fds, 2, UINT64_MAX));
	EXPECT_EQ(6, ch_nr_entries(self->sfd));
	close(efd);
}

/*
 * Entries keep their address and label in every batch of items, and
 * beside an fd array's (which have neither) in the same session.
 */
TEST_F(sess, park_keeps_labels_and_addresses_across_batches)
{
	enum { N = 300 };
	static struct cprhold_entry e[N];
	int efd = eventfd(0, EFD_CLOEXEC), fds[N], i;
	char label[CPRHOLD_LABEL_MAX];
	struct cprhold_entry got;

	ASSERT_GE(efd, 0);
	for (i = 0; i < N; i++) {
		snprintf(label, sizeof(label), "entry-%d", i);
		ch_entry(&e[i], efd, 2 * i, i % 3 ? label : NULL);
		if (i % 2) {
			e[i].flags = CPRHOLD_ENTRY_ADDR;
			e[i].addr = (uint64_t)i << 20;
		}
		fds[i] = efd;
	}
	ASSERT_EQ(0, ch_park(self->sfd, e, N));
	ASSERT_EQ(0, ch_park_fds(self->sfd, fds, N, 2 * N));
	EXPECT_EQ(2 * N, ch_nr_entries(self->sfd));
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, find_entry(self->sfd, 2 * i, &got));
		EXPECT_EQ(e[i].flags, got.flags);
		EXPECT_EQ(e[i].addr, got.addr);
		EXPECT_STREQ(e[i].label, got.label);
		ASSERT_EQ(0, find_entry(self->sfd, 2 * N + i, &got));
		EXPECT_EQ(0u, got.flags);
		EXPECT_EQ(0u, got.addr);
		EXPECT_EQ(0, got.label[0]);
	}
	close(efd);
}

/*
 * CPRHOLD_PARK_FDS reads the array a chunk at a time: an unreadable fd,
 * a bad one or one of cprhold's, on either side of a chunk's edge,
 * parks nothing and keeps no reference on the files taken before it.
 */
TEST_F(sess, park_fds_chunk_edges_keep_nothing)
{
	static const int lens[] = { 1, 63, 64, 65, 127, 128, 129, 300 };
	size_t pg = sysconf(_SC_PAGESIZE);
	struct cprhold_entry e;
	int p[2], i, k, n, efd, *fds;
	char *map, c;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC | O_NONBLOCK));
	map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, mprotect(map + pg, pg, PROT_NONE));
	for (k = 0; k < (int)ARRAY_SIZE(lens); k++) {
		n = lens[k];
		/* n readable fds, ending where the page does. */
		fds = (int *)(map + pg) - n;
		for (i = 0; i < n; i++)
			fds[i] = p[1];
		EXPECT_ERRNO(EFAULT, ch_park_fds(self->sfd, fds, n + 1, 1));
		fds[n - 1] = 9999;
		EXPECT_ERRNO(EBADF, ch_park_fds(self->sfd, fds, n, 1));
		fds[n - 1] = self->ctl;
		EXPECT_ERRNO(EINVAL, ch_park_fds(self->sfd, fds, n, 1));
		fds[n - 1] = p[1];
		/*
		 * A bad fd before the unreadable one wins: with both in one
		 * chunk (n = 63, 127, 300) only if the fds before the
		 * unreadable one are still taken.
		 */
		if (n > 1) {
			fds[n - 2] = -1;
			EXPECT_ERRNO(EBADF, ch_park_fds(self->sfd, fds, n + 1, 1));
			fds[n - 2] = p[1];
		}
	}
	EXPECT_EQ(0, ch_nr_entries(self->sfd));
	/* No reference to the write end is left: the read end sees EOF. */
	close(p[1]);
	EXPECT_EQ(0, read(p[0], &c, 1));
	close(p[0]);

	/* The last length's fds park, up to the page's end. */
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_GE(efd, 0);
	n = 300;
	fds = (int *)(map + pg) - n;
	for (i = 0; i < n; i++)
		fds[i] = efd;
	ASSERT_EQ(0, ch_park_fds(self->sfd, fds, n, 7));
	EXPECT_EQ(300, ch_nr_entries(self->sfd));
	EXPECT_EQ(0, find_entry(self->sfd, 306, &e));
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_EVENTFD, e.type);
	EXPECT_EQ(-1, find_entry(self->sfd, 307, &e));
	munmap(map, 2 * pg);
	close(efd);
}

/* ---- list ------------------------------------------------------------ */

TEST_F(sess, list_pages_in_token_order)
{
	static const uint64_t tokens[] = { 900, 5, 77, 1ull << 63, 0, 6, 42 };
	struct cprhold_entry e[7], out[3];
	struct cprhold_list l;
	uint64_t seen[8];
	int efd = eventfd(0, EFD_CLOEXEC), n = 0;
	unsigned int i;

	for (i = 0; i < 7; i++)
		ch_entry(&e[i], efd, tokens[i], "ev");
	ASSERT_EQ(0, ch_park(self->sfd, e, 7));

	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	l.entry_size = sizeof(out[0]);
	l.entries = (uintptr_t)out;
	do {
		l.count = 3;
		ASSERT_EQ(0, ioctl(self->sfd, CPRHOLD_LIST, &l));
		EXPECT_EQ(7u, l.total);
		for (i = 0; i < l.count; i++) {
			ASSERT_LT(n, 8);
			seen[n++] = out[i].token;
			EXPECT_EQ(-1, out[i].fd);
			EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_EVENTFD, out[i].type);
			EXPECT_STREQ("ev", out[i].label);
		}
	} while (l.cursor);
	ASSERT_EQ(7, n);
	EXPECT_EQ(0u, seen[0]);
	EXPECT_EQ(5u, seen[1]);
	EXPECT_EQ(6u, seen[2]);
	EXPECT_EQ(42u, seen[3]);
	EXPECT_EQ(77u, seen[4]);
	EXPECT_EQ(900u, seen[5]);
	EXPECT_EQ(1ull << 63, seen[6]);

	/* Errors. */
	l.cursor = 0;
	l.count = 1;
	l.entry_size = 16;
	EXPECT_ERRNO(EINVAL, ioctl(self->sfd, CPRHOLD_LIST, &l));
	l.entry_size = sizeof(out[0]);
	l.__reserved = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->sfd, CPRHOLD_LIST, &l));
	l.__reserved = 0;
	l.flags = 2;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->sfd, CPRHOLD_LIST, &l));
	l.flags = 0;
	l.entries = 8;
	EXPECT_ERRNO(EFAULT, ioctl(self->sfd, CPRHOLD_LIST, &l));
	close(efd);
}

TEST_F(sess, list_larger_elements_zero_filled)
{
	struct {
		struct cprhold_entry e;
		uint8_t future[24];
	} out[2];
	struct cprhold_list l = { .size = sizeof(l), .count = 2,
				  .entry_size = sizeof(out[0]), .entries = (uintptr_t)out };
	int efd = eventfd(0, EFD_CLOEXEC);

	ASSERT_EQ(0, ch_park1(self->sfd, efd, 1, NULL));
	ASSERT_EQ(0, ch_park1(self->sfd, efd, 2, NULL));
	memset(out, 0xff, sizeof(out));
	ASSERT_EQ(0, ioctl(self->sfd, CPRHOLD_LIST, &l));
	ASSERT_EQ(2u, l.count);
	EXPECT_EQ(2u, out[1].e.token);
	EXPECT_EQ(0, out[0].future[0] | out[0].future[23] | out[1].future[11]);
	close(efd);
}

/* ---- seal, claim, retrieve, finish, abort ----------------------------- */

TEST_F(sess, claim_errors)
{
	uint8_t wrong[CPRHOLD_SECRET_SIZE];
	struct cprhold_claim c = { .size = sizeof(c) };
	int cfd, efd = eventfd(0, EFD_CLOEXEC);

	memcpy(wrong, self->secret, sizeof(wrong));
	wrong[31] ^= 1;
	ASSERT_EQ(0, ch_park1(self->sfd, efd, 1, NULL));

	/* OPEN: not claimable, whatever the secret. */
	EXPECT_ERRNO(EBUSY, ch_claim(self->ctl, self->name, self->secret));
	EXPECT_ERRNO(EACCES, ch_claim(self->ctl, self->name, wrong));
	EXPECT_ERRNO(ENOENT, ch_claim(self->ctl, "no-such-session", self->secret));
	EXPECT_ERRNO(EINVAL, ch_claim(self->ctl, "bad name", self->secret));
	strcpy(c.name, self->name);
	c.flags = 4;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->ctl, CPRHOLD_CLAIM, &c));
	c.flags = 0;
	c.__reserved = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->ctl, CPRHOLD_CLAIM, &c));

	ASSERT_EQ(0, ch_seal(self->sfd));
	EXPECT_ERRNO(EBUSY, ch_seal(self->sfd));
	EXPECT_ERRNO(EACCES, ch_claim(self->ctl, self->name, wrong));
	EXPECT_EQ(CPRHOLD_STATE_SEALED, ch_state(self->sfd));
	cfd = ch_claim(self->ctl, self->name, self->secret);
	ASSERT_GE(cfd, 0);
	EXPECT_EQ(FD_CLOEXEC, fcntl(cfd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(CPRHOLD_STATE_CLAIMED, ch_state(self->sfd));
	/* Exactly one claimer. */
	EXPECT_ERRNO(EBUSY, ch_claim(self->ctl, self->name, self->secret));
	EXPECT_ERRNO(EACCES, ch_claim(self->ctl, self->name, wrong));
	/* The claimer cannot park or seal. */
	EXPECT_ERRNO(EBUSY, ch_park1(cfd, efd, 2, NULL));
	EXPECT_ERRNO(EBUSY, ch_seal(cfd));
	close(cfd);
	/* The claimer's fd closed without finishing: SEALED again. */
	EXPECT_EQ(CPRHOLD_STATE_SEALED, ch_state(self->sfd));
	close(efd);
}

TEST_F(sess, retrieve_same_files)
{
	int mfd = make_memfd(65536, 3), efd = eventfd(7, EFD_CLOEXEC);
	uint64_t tokens[3] = { 11, 22, 11 }, val;
	struct stat a, b;
	int fds[3], cfd;
	unsigned char *p;

	ASSERT_GE(mfd, 0);
	ASSERT_EQ(0, ch_park1(self->sfd, mfd, 11, NULL));
	ASSERT_EQ(0, ch_park1(self->sfd, efd, 22, NULL));
	/* Not claimed: no retrieve, even for the creator. */
	EXPECT_ERRNO(EBUSY, ch_retrieve(self->sfd, tokens, fds, 2));
	ASSERT_EQ(0, ch_seal(self->sfd));
	EXPECT_ERRNO(EBUSY, ch_retrieve(self->sfd, tokens, fds, 2));
	cfd = ch_claim(self->ctl, self->name, self->secret);
	ASSERT_GE(cfd, 0);
	EXPECT_ERRNO(EBUSY, ch_retrieve(self->sfd, tokens, fds, 2));

	ASSERT_EQ(0, ch_retrieve(cfd, tokens, fds, 3));
	/* The very same open files: same inode, shared offset and state. */
	ASSERT_EQ(0, fstat(mfd, &a));
	ASSERT_EQ(0, fstat(fds[0], &b));
	EXPECT_EQ(a.st_ino, b.st_ino);
	EXPECT_EQ(a.st_dev, b.st_dev);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, kcmp_same_file(mfd, fds[0]));
	ASSERT_EQ(0, kcmp_same_file(mfd, fds[2]));
	ASSERT_EQ(0, kcmp_same_file(efd, fds[1]));
	ASSERT_EQ((ssize_t)sizeof(val), read(fds[1], &val, sizeof(val)));
	EXPECT_EQ(7u, val);
	p = mmap(NULL, 65536, PROT_READ, MAP_SHARED, fds[0], 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ((unsigned char)(1000 * 7 + 3), p[1000]);
	munmap(p, 65536);

	/* Repeatable; NO_CLOEXEC. */
	ASSERT_EQ(0, ch_retrieve_ex(cfd, tokens, fds, 1, CPRHOLD_RETRIEVE_NO_CLOEXEC));
	EXPECT_EQ(0, fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	close(fds[0]);
	close(fds[1]);
	close(fds[2]);
	close(cfd);
	close(mfd);
	close(efd);
}

/*
 * The RLIMIT_NOFILE that leaves exactly @want fd numbers free below it.
 * Open fds need not be numbered 0..n-1: the harness and the fixture may
 * have closed some, and those holes are free numbers too.
 */
static rlim_t fd_limit_for_free(int want)
{
	int n, free = 0;

	for (n = 0;; n++) {
		if (fcntl(n, F_GETFD) < 0 && errno == EBADF && ++free == want)
			return n + 1;
	}
}

TEST_F(sess, retrieve_errors_leave_no_fd)
{
	int efd = eventfd(0, EFD_CLOEXEC), fds[4], cfd, before;
	uint64_t tokens[4] = { 1, 2, 3, 999 };
	struct cprhold_retrieve r;
	struct rlimit rl, low;

	ASSERT_EQ(0, ch_park1(self->sfd, efd, 1, NULL));
	ASSERT_EQ(0, ch_park1(self->sfd, efd, 2, NULL));
	ASSERT_EQ(0, ch_park1(self->sfd, efd, 3, NULL));
	ASSERT_EQ(0, ch_seal(self->sfd));
	cfd = ch_claim(self->ctl, self->name, self->secret);
	ASSERT_GE(cfd, 0);
	before = count_open_fds();

	EXPECT_ERRNO(ENOENT, ch_retrieve(cfd, tokens, fds, 4));
	EXPECT_EQ(before, count_open_fds());
	EXPECT_ERRNO(EINVAL, ch_retrieve(cfd, tokens, fds, 0));
	EXPECT_ERRNO(EOPNOTSUPP, ch_retrieve_ex(cfd, tokens, fds, 1, 1u << 9));
	EXPECT_ERRNO(EFAULT, ch_retrieve(cfd, (uint64_t *)8, fds, 1));
	/* The fds cannot be written back: none stays installed. */
	EXPECT_ERRNO(EFAULT, ch_retrieve(cfd, tokens, (int *)8, 3));
	EXPECT_EQ(before, count_open_fds());
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.count = 1;
	r.tokens = (uintptr_t)tokens;
	r.fds = (uintptr_t)fds;
	r.__reserved = 1;
	EXPECT_ERRNO(EINVAL, ioctl(cfd, CPRHOLD_RETRIEVE, &r));

	/* Not room for all: EMFILE, and none is installed. */
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	low = rl;
	low.rlim_cur = fd_limit_for_free(2);	/* room for two fds */
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &low));
	EXPECT_ERRNO(EMFILE, ch_retrieve(cfd, tokens, fds, 3));
	EXPECT_EQ(before, count_open_fds());
	/* Room for exactly three: all of them. */
	low.rlim_cur = fd_limit_for_free(3);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &low));
	EXPECT_EQ(0, ch_retrieve(cfd, tokens, fds, 3));
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	EXPECT_EQ(before + 3, count_open_fds());
	close(fds[0]);
	close(fds[1]);
	close(fds[2]);
	EXPECT_EQ(before, count_open_fds());

	EXPECT_EQ(CPRHOLD_STATE_CLAIMED, ch_state(cfd));
	EXPECT_EQ(3, ch_nr_entries(cfd));
	close(cfd);
	close(efd);
}

TEST_F(sess, retrieve_token_range)
{
	int efd = eventfd(0, EFD_CLOEXEC), mfd = make_memfd(4096, 1), cfd, before, i;
	int pool[6], fds[6], set[6];
	uint64_t tokens[2] = { 11, 12 };

	ASSERT_GE(efd, 0);
	ASSERT_GE(mfd, 0);
	for (i = 0; i < 6; i++)
		pool[i] = i % 2 ? mfd : efd;
	ASSERT_EQ(0, ch_park_fds(self->sfd, pool, 6, 10));	/* tokens 10..15 */
	ASSERT_EQ(0, ch_park_fds(self->sfd, pool, 1, UINT64_MAX));
	/* Not claimed: no retrieve, range or not. */
	EXPECT_ERRNO(EBUSY, ch_retrieve_range(self->sfd, 10, fds, 6));
	ASSERT_EQ(0, ch_seal(self->sfd));
	cfd = ch_claim(self->ctl, self->name, self->secret);
	ASSERT_GE(cfd, 0);
	before = count_open_fds();

	/* The command: field errors first, and no fd, no write to @fds. */
	for (i = 0; i < 6; i++)
		set[i] = fds[i] = 1000 + i;
	EXPECT_ERRNO(EINVAL, ch_retrieve_range(cfd, 10, fds, 0));
	{
		struct cprhold_retrieve r = {
			.size = sizeof(r), .flags = CPRHOLD_RETRIEVE_TOKEN_RANGE, .count = 2,
			.tokens = (uintptr_t)tokens, .fds = (uintptr_t)fds, .first_token = 11,
		};

		/* A range and an array. */
		EXPECT_ERRNO(EINVAL, ioctl(cfd, CPRHOLD_RETRIEVE, &r));
		/* A first token without the flag. */
		r.flags = 0;
		EXPECT_ERRNO(EINVAL, ioctl(cfd, CPRHOLD_RETRIEVE, &r));
		/* ...before the caller's role (EBUSY). */
		EXPECT_ERRNO(EINVAL, ioctl(self->sfd, CPRHOLD_RETRIEVE, &r));
		r.first_token = 0;
		ASSERT_EQ(0, ioctl(cfd, CPRHOLD_RETRIEVE, &r));
		ASSERT_EQ(0, kcmp_same_file(mfd, fds[0]));
		ASSERT_EQ(0, kcmp_same_file(efd, fds[1]));
		close(fds[0]);
		close(fds[1]);
		fds[0] = set[0];
		fds[1] = set[1];
	}
	/* The first layout has no first_token: the tokens are not said. */
	EXPECT_ERRNO(EINVAL, ch_retrieve_range_ex(cfd, 0, fds, 2, 0,
						  CPRHOLD_RETRIEVE_SIZE_VER0));
	EXPECT_ERRNO(EINVAL, ch_retrieve_range_ex(cfd, 0, fds, 2, 0,
						  CPRHOLD_RETRIEVE_SIZE_VER1 - 1));
	/* The last token must not pass U64_MAX, before the role check too. */
	EXPECT_ERRNO(EOVERFLOW, ch_retrieve_range(cfd, UINT64_MAX, fds, 2));
	EXPECT_ERRNO(EOVERFLOW, ch_retrieve_range(cfd, UINT64_MAX - 4, fds, 6));
	EXPECT_ERRNO(EOVERFLOW, ch_retrieve_range(self->sfd, UINT64_MAX, fds, 2));
	EXPECT_ERRNO(EOPNOTSUPP, ch_retrieve_range_ex(cfd, 10, fds, 2, 1u << 9,
						      sizeof(struct cprhold_retrieve)));
	/* A token of the range not parked: 9, 16. */
	EXPECT_ERRNO(ENOENT, ch_retrieve_range(cfd, 9, fds, 6));
	EXPECT_ERRNO(ENOENT, ch_retrieve_range(cfd, 11, fds, 6));
	EXPECT_ERRNO(ENOSPC, ch_retrieve_range(cfd, 10, fds, 1u << 30));
	EXPECT_EQ(before, count_open_fds());
	EXPECT_EQ(0, memcmp(set, fds, sizeof(set)));

	/* The whole range, in order; the edge token; NO_CLOEXEC. */
	ASSERT_EQ(0, ch_retrieve_range(cfd, 10, fds, 6));
	EXPECT_EQ(before + 6, count_open_fds());
	for (i = 0; i < 6; i++) {
		EXPECT_EQ(0, kcmp_same_file(pool[i], fds[i]));
		EXPECT_EQ(FD_CLOEXEC, fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
		close(fds[i]);
	}
	ASSERT_EQ(0, ch_retrieve_range_ex(cfd, UINT64_MAX, fds, 1, CPRHOLD_RETRIEVE_NO_CLOEXEC,
					  sizeof(struct cprhold_retrieve)));
	EXPECT_EQ(0, kcmp_same_file(efd, fds[0]));
	EXPECT_EQ(0, fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	close(fds[0]);
	EXPECT_EQ(before, count_open_fds());
	EXPECT_EQ(7, ch_nr_entries(cfd));
	close(cfd);
	close(mfd);
	close(efd);
}

/*
 * @fds is written only once every token was found: then it is filled
 * with -1, and every element that got no fd keeps it.  Its writability
 * is checked before any fd is installed, every page of it.
 */
#define SPAN 1100	/* fds: more than a page of them (4096 / 4) */

static int *int_at(char *p)	/* an int array anywhere, aligned or not */
{
	return (int *)(void *)p;
}

static int int_get(const int *at, int i)
{
	int v;

	memcpy(&v, (const char *)at + i * sizeof(int), sizeof(v));
	return v;
}

TEST_F(sess, retrieve_fds_written_when_found)
{
	int efd = eventfd(0, EFD_CLOEXEC), fds[3], cfd, before, i;
	static int pool[SPAN];
	size_t pg = sysconf(_SC_PAGESIZE);
	struct rlimit rl, low;
	uint64_t tokens[3] = { 1, 2, 3 };
	char *map;
	int *at;

	ASSERT_GE(efd, 0);
	ASSERT_LE(SPAN * sizeof(int), 2 * pg);
	ASSERT_GT(SPAN * sizeof(int), pg);
	for (i = 0; i < SPAN; i++)
		pool[i] = efd;
	ASSERT_EQ(0, ch_park_fds(self->sfd, pool, SPAN, 1));
	ASSERT_EQ(0, ch_seal(self->sfd));
	cfd = ch_claim(self->ctl, self->name, self->secret);
	ASSERT_GE(cfd, 0);
	before = count_open_fds();

	/* Not found: @fds untouched. */
	fds[0] = fds[1] = fds[2] = 77;
	EXPECT_ERRNO(ENOENT, ch_retrieve_range(cfd, SPAN - 1, fds, 3));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(77, fds[i]);
	/* Found, but no room: -1 in each. */
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	low = rl;
	low.rlim_cur = fd_limit_for_free(2);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &low));
	EXPECT_ERRNO(EMFILE, ch_retrieve_range(cfd, 1, fds, 3));
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(-1, fds[i]);
	EXPECT_EQ(before, count_open_fds());

	/* Four pages: writable, read-only, writable, none. */
	map = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, mprotect(map + pg, pg, PROT_READ));
	ASSERT_EQ(0, mprotect(map + 3 * pg, pg, PROT_NONE));

	/* Across into the read-only page: EFAULT, no fd; range or array. */
	at = int_at(map + pg - 2 * sizeof(int));
	EXPECT_ERRNO(EFAULT, ch_retrieve_range(cfd, 1, at, 3));
	EXPECT_EQ(before, count_open_fds());
	/* What could be written before the fault holds -1. */
	EXPECT_EQ(-1, int_get(at, 0));
	EXPECT_EQ(-1, int_get(at, 1));
	EXPECT_ERRNO(EFAULT, ch_retrieve(cfd, tokens, at, 3));
	EXPECT_EQ(before, count_open_fds());
	/* Misaligned, only its last element across the boundary. */
	EXPECT_ERRNO(EFAULT, ch_retrieve_range(cfd, 1, int_at(map + pg - 2 * sizeof(int) - 2), 3));
	EXPECT_ERRNO(EFAULT, ch_retrieve_range(cfd, 1, int_at(map + pg), 1));
	/* From the first page over the read-only one into the third. */
	EXPECT_ERRNO(EFAULT, ch_retrieve_range(cfd, 1, int_at(map + pg - 64), SPAN));
	/* Ending where the read-only page starts: all of them. */
	at = int_at(map + pg - 2 * sizeof(int));
	ASSERT_EQ(0, ch_retrieve_range(cfd, 1, at, 2));
	EXPECT_EQ(before + 2, count_open_fds());
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, kcmp_same_file(efd, int_get(at, i)));
		close(int_get(at, i));
	}
	/* Ending in the page with no access. */
	EXPECT_ERRNO(EFAULT, ch_retrieve_range(cfd, 1, int_at(map + 3 * pg - 4), 2));
	EXPECT_EQ(before, count_open_fds());

	EXPECT_EQ(before, count_open_fds());

	/* Writable, misaligned across two boundaries: every fd, in order. */
	ASSERT_EQ(0, mprotect(map + pg, pg, PROT_READ | PROT_WRITE));
	low = rl;
	low.rlim_cur = 4 * SPAN;
	if (low.rlim_max < low.rlim_cur)
		low.rlim_max = low.rlim_cur;	/* root may raise it */
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &low));
	at = int_at(map + pg - 64 - 2);
	ASSERT_EQ(0, ch_retrieve_range(cfd, 1, at, SPAN));
	EXPECT_EQ(before + SPAN, count_open_fds());
	for (i = 0; i < SPAN; i++) {
		EXPECT_EQ(0, kcmp_same_file(efd, int_get(at, i)));
		close(int_get(at, i));
	}
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	munmap(map, 4 * pg);
	EXPECT_EQ(before, count_open_fds());
	close(cfd);
	close(efd);
}

/*
 * When the fd table has to grow for the fds, it grows before the first
 * is installed: a table that cannot grow (fs.nr_open lowered below the
 * caller's RLIMIT_NOFILE) is EMFILE with no fd installed, not a retrieve
 * that stops half-way.
 */
#define GROW 130

TEST_F(sess, retrieve_grows_the_fd_table_first)
{
	static struct cprhold_entry e[GROW];
	static uint64_t tokens[GROW];
	static int fds[GROW];
	struct rlimit rl, high;
	int efd = eventfd(0, EFD_CLOEXEC), cfd, before, i, nfd;
	char old_nr_open[32] = "";
	ssize_t len;

	ASSERT_GE(efd, 0);
	for (i = 0; i < GROW; i++) {
		tokens[i] = i + 1;
		ch_entry(&e[i], efd, tokens[i], NULL);
	}
	ASSERT_EQ(0, ch_park(self->sfd, e, GROW));
	ASSERT_EQ(0, ch_seal(self->sfd));
	cfd = ch_claim(self->ctl, self->name, self->secret);
	ASSERT_GE(cfd, 0);
	/* A new process's table: 64 fds, so 130 more need it to grow. */
	ASSERT_LT(count_open_fds(), 32);

	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	high = rl;
	high.rlim_cur = high.rlim_max = 1024;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &high));
	/* Opened first: restoring it must not need a free fd. */
	nfd = open("/proc/sys/fs/nr_open", O_RDWR | O_CLOEXEC);
	ASSERT_GE(nfd, 0);
	len = pread(nfd, old_nr_open, sizeof(old_nr_open) - 1, 0);
	ASSERT_GT(len, 0);
	ASSERT_EQ(4, pwrite(nfd, "128\n", 4, 0));

	before = count_open_fds();
	EXPECT_ERRNO(EMFILE, ch_retrieve(cfd, tokens, fds, GROW));
	EXPECT_EQ(before, count_open_fds());

	ASSERT_EQ(len, pwrite(nfd, old_nr_open, len, 0));
	close(nfd);
	before = count_open_fds();
	ASSERT_EQ(0, ch_retrieve(cfd, tokens, fds, GROW));
	EXPECT_EQ(before + GROW, count_open_fds());
	for (i = 0; i < GROW; i++)
		close(fds[i]);
	setrlimit(RLIMIT_NOFILE, &rl);
	close(cfd);
	close(efd);
}

TEST_F(sess, finish_ends_session)
{
	struct cprhold_session_info info;
	int efd = eventfd(3, EFD_CLOEXEC), cfd, fd;
	long entries = ch_sysfs("entries");
	uint64_t v;

	ASSERT_EQ(0, ch_park1(self->sfd, efd, 1, NULL));
	EXPECT_EQ(entries + 1, ch_sysfs("entries"));
	ASSERT_EQ(0, ch_seal(self->sfd));
	cfd = ch_claim(self->ctl, self->name, self->secret);
	ASSERT_GE(cfd, 0);
	EXPECT_ERRNO(EBUSY, ch_finish(self->sfd));	/* not the claimer */
	fd = ch_retrieve1(cfd, 1);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ch_finish(cfd));

	ASSERT_EQ(0, ch_info(cfd, &info));
	EXPECT_EQ((uint32_t)CPRHOLD_STATE_FINISHED, info.state);
	EXPECT_EQ((uint32_t)CPRHOLD_END_FINISHED, info.end_reason);
	EXPECT_EQ(0u, info.nr_entries);
	EXPECT_EQ(CPRHOLD_STATE_FINISHED, ch_state(self->sfd));
	EXPECT_EQ(entries, ch_sysfs("entries"));
	EXPECT_ERRNO(ENOENT, ch_finish(cfd));
	EXPECT_ERRNO(ENOENT, ch_abort(cfd));
	EXPECT_ERRNO(ENOENT, ch_retrieve1(cfd, 1));
	EXPECT_ERRNO(ENOENT, ch_seal(self->sfd));
	EXPECT_ERRNO(ENOENT, ch_park1(self->sfd, efd, 2, NULL));
	EXPECT_ERRNO(ENOENT, ch_claim(self->ctl, self->name, self->secret));
	EXPECT_ERRNO(ENOENT, ch_destroy(self->ctl, self->name));
	EXPECT_EQ(0, ch_nr_entries(cfd));
	/* The retrieved fd is the claimer's own and still works. */
	ASSERT_EQ((ssize_t)sizeof(v), read(fd, &v, sizeof(v)));
	EXPECT_EQ(3u, v);
	/* The name is free again. */
	close(ch_create(self->ctl, self->name, NULL));
	close(fd);
	close(cfd);
	close(efd);
}

TEST_F(sess, abort_returns_to_sealed)
{
	struct cprhold_session_info info;
	int efd = eventfd(0, EFD_CLOEXEC), cfd, cfd2;

	ASSERT_EQ(0, ch_park1(self->sfd, efd, 1, NULL));
	ASSERT_EQ(0, ch_seal(self->sfd));
	cfd = ch_claim(self->ctl, self->name, self->secret);
	ASSERT_GE(cfd, 0);
	EXPECT_ERRNO(EBUSY, ch_abort(self->sfd));
	ASSERT_EQ(0, ch_abort(cfd));
	EXPECT_EQ(CPRHOLD_STATE_SEALED, ch_state(self->sfd));
	/* The aborted claim is dead for good. */
	EXPECT_ERRNO(EBUSY, ch_retrieve1(cfd, 1));
	EXPECT_ERRNO(EBUSY, ch_abort(cfd));
	EXPECT_ERRNO(EBUSY, ch_finish(cfd));

	cfd2 = ch_claim(self->ctl, self->name, self->secret);
	ASSERT_GE(cfd2, 0);
	/* The old claim still cannot act, even though CLAIMED again. */
	EXPECT_ERRNO(EBUSY, ch_retrieve1(cfd, 1));
	close(cfd);	/* and closing it does not unclaim the new one */
	EXPECT_EQ(CPRHOLD_STATE_CLAIMED, ch_state(cfd2));
	ASSERT_EQ(0, ch_info(cfd2, &info));
	EXPECT_EQ(2u, info.nr_claims);
	EXPECT_EQ((uint32_t)getpid(), info.claimer_pid);
	EXPECT_GE(info.claimed_ns, info.sealed_ns);
	close(cfd2);
	close(efd);
}

TEST_F(sess, open_session_closed_is_destroyed)
{
	long sessions = ch_sysfs("sessions"), entries = ch_sysfs("entries");
	int efd = eventfd(0, EFD_CLOEXEC);

	ASSERT_EQ(0, ch_park1(self->sfd, efd, 1, NULL));
	EXPECT_EQ(entries + 1, ch_sysfs("entries"));
	close(self->sfd);
	self->sfd = -1;
	EXPECT_EQ(sessions - 1, ch_sysfs("sessions"));
	EXPECT_EQ(entries, ch_sysfs("entries"));
	EXPECT_ERRNO(ENOENT, ch_destroy(self->ctl, self->name));
	close(efd);
}

/*
 * SEAL takes CPRHOLD_SEAL_PREPARE_ADOPT (a session without a KVM VM has
 * nothing to prepare and seals as usual), and no other flag; FINISH and
 * ABORT take none.  A refused flag changes nothing.
 */
TEST_F(sess, seal_flags)
{
	int efd = eventfd(0, EFD_CLOEXEC), cfd;

	ASSERT_EQ(0, ch_park1(self->sfd, efd, 1, NULL));
	EXPECT_ERRNO(EOPNOTSUPP, ch_op_ex(self->sfd, CPRHOLD_SEAL, CPRHOLD_SEAL_PREPARE_ADOPT << 1));
	EXPECT_ERRNO(EOPNOTSUPP, ch_op_ex(self->sfd, CPRHOLD_SEAL, 1u << 31));
	EXPECT_EQ(CPRHOLD_STATE_OPEN, ch_state(self->sfd));
	ASSERT_EQ(0, ch_op_ex(self->sfd, CPRHOLD_SEAL, CPRHOLD_SEAL_PREPARE_ADOPT));
	EXPECT_EQ(CPRHOLD_STATE_SEALED, ch_state(self->sfd));
	EXPECT_ERRNO(EBUSY, ch_op_ex(self->sfd, CPRHOLD_SEAL, CPRHOLD_SEAL_PREPARE_ADOPT));

	cfd = ch_claim(self->ctl, self->name, self->secret);
	ASSERT_GE(cfd, 0);
	EXPECT_ERRNO(EOPNOTSUPP, ch_op_ex(cfd, CPRHOLD_ABORT, CPRHOLD_SEAL_PREPARE_ADOPT));
	EXPECT_ERRNO(EOPNOTSUPP, ch_op_ex(cfd, CPRHOLD_FINISH, CPRHOLD_SEAL_PREPARE_ADOPT));
	EXPECT_EQ(CPRHOLD_STATE_CLAIMED, ch_state(self->sfd));
	/* Nothing prepared: the eventfd comes out without adoption. */
	{
		uint64_t tok = 1;
		int fd;

		ASSERT_EQ(0, ch_retrieve(cfd, &tok, &fd, 1));
		close(fd);
	}
	EXPECT_EQ(0, ch_finish(cfd));
	close(cfd);
	close(efd);
}

TEST_F(sess, sealed_session_outlives_fds)
{
	long sessions = ch_sysfs("sessions");
	int cfd;

	ASSERT_EQ(0, ch_seal(self->sfd));
	close(self->sfd);
	self->sfd = -1;
	EXPECT_EQ(sessions, ch_sysfs("sessions"));
	cfd = ch_claim(self->ctl, self->name, self->secret);
	ASSERT_GE(cfd, 0);
	EXPECT_EQ(CPRHOLD_STATE_CLAIMED, ch_state(cfd));
	close(cfd);
}

TEST_F(sess, destroy_any_state)
{
	struct cprhold_destroy d = { .size = sizeof(d), .flags = 1 };
	int cfd;

	strcpy(d.name, self->name);
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->ctl, CPRHOLD_DESTROY, &d));
	EXPECT_ERRNO(EINVAL, ch_destroy(self->ctl, ""));
	EXPECT_ERRNO(ENOENT, ch_destroy(self->ctl, "never-created"));
	ASSERT_EQ(0, ch_seal(self->sfd));
	cfd = ch_claim(self->ctl, self->name, self->secret);
	ASSERT_GE(cfd, 0);
	ASSERT_EQ(0, ch_destroy(self->ctl, self->name));
	EXPECT_EQ(CPRHOLD_STATE_FINISHED, ch_state(cfd));
	{
		struct cprhold_session_info info;

		ASSERT_EQ(0, ch_info(cfd, &info));
		EXPECT_EQ((uint32_t)CPRHOLD_END_DESTROYED, info.end_reason);
	}
	EXPECT_ERRNO(ENOENT, ch_retrieve1(cfd, 1));
	close(cfd);
}

TEST_F(sess, destroy_by_other_user_eacces)
{
	pid_t pid;
	int st;

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* Another uid without CAP_SYS_ADMIN. */
		if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
			_exit(10);
		errno = 0;
		if (ch_destroy(self->ctl, self->name) == -1 && errno == EACCES)
			_exit(0);
		_exit(11);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(CPRHOLD_STATE_OPEN, ch_state(self->sfd));
	/* root (CAP_SYS_ADMIN) may destroy anybody's: see list_sessions_scoped. */
}

TEST_F(sess, list_sessions_scoped)
{
	struct cprhold_session_info infos[4];
	struct cprhold_list_sessions l;
	char uname[CPRHOLD_NAME_MAX];
	int pfd[2], st;
	unsigned int i;
	bool found = false;
	pid_t pid;

	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	ch_name(uname, sizeof(uname), "uid1000");
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct cprhold_list_sessions cl = { .size = sizeof(cl),
			.count = 4, .info_size = sizeof(infos[0]), .sessions = (uintptr_t)infos };
		int fd;

		if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
			_exit(10);
		fd = ch_create(self->ctl, uname, NULL);
		if (fd < 0 || ch_seal(fd))
			_exit(11);
		/* A plain user sees only its own session. */
		if (ioctl(self->ctl, CPRHOLD_LIST_SESSIONS, &cl) || cl.total != 1 ||
		    cl.count != 1 || strcmp(infos[0].name, uname) || infos[0].creator_uid != 1000)
			_exit(12);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_EQ(0, WEXITSTATUS(st));

	/* root sees both, in pages of one. */
	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	l.info_size = sizeof(infos[0]);
	l.sessions = (uintptr_t)infos;
	do {
		l.count = 1;
		ASSERT_EQ(0, ioctl(self->ctl, CPRHOLD_LIST_SESSIONS, &l));
		EXPECT_GE(l.total, 2u);
		for (i = 0; i < l.count; i++)
			if (!strcmp(infos[i].name, uname)) {
				found = true;
				EXPECT_EQ((uint32_t)CPRHOLD_STATE_SEALED, infos[i].state);
				EXPECT_EQ(1000u, infos[i].creator_uid);
			}
	} while (l.count);
	EXPECT_TRUE(found);
	/* ... and may destroy another user's session. */
	ASSERT_EQ(0, ch_destroy(self->ctl, uname));

	l.count = 1;
	l.info_size = 8;
	EXPECT_ERRNO(EINVAL, ioctl(self->ctl, CPRHOLD_LIST_SESSIONS, &l));
	l.info_size = sizeof(infos[0]);
	l.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->ctl, CPRHOLD_LIST_SESSIONS, &l));
	close(pfd[0]);
	close(pfd[1]);
}

/* ---- TTL ------------------------------------------------------------- */

TEST_F(sess, ttl_expires_sealed_only)
{
	struct cprhold_session_info info;
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	int sfd, cfd;

	ch_name(name, sizeof(name), "ttl");
	sfd = ch_create_ex(self->ctl, name, 0, 300, secret);
	ASSERT_GE(sfd, 0);
	/* OPEN: the TTL does not run. */
	usleep(600 * 1000);
	EXPECT_EQ(CPRHOLD_STATE_OPEN, ch_state(sfd));
	ASSERT_EQ(0, ch_seal(sfd));
	/* CLAIMED: the TTL does not run either. */
	cfd = ch_claim(self->ctl, name, secret);
	ASSERT_GE(cfd, 0);
	usleep(600 * 1000);
	EXPECT_EQ(CPRHOLD_STATE_CLAIMED, ch_state(cfd));
	/* Back to SEALED: it runs again, and expires the session. */
	ASSERT_EQ(0, ch_abort(cfd));
	usleep(1200 * 1000);
	ASSERT_EQ(0, ch_info(sfd, &info));
	EXPECT_EQ((uint32_t)CPRHOLD_STATE_FINISHED, info.state);
	EXPECT_EQ((uint32_t)CPRHOLD_END_EXPIRED, info.end_reason);
	EXPECT_EQ(300u, info.ttl_ms);
	EXPECT_ERRNO(ENOENT, ch_claim(self->ctl, name, secret));
	close(cfd);
	close(sfd);
}

/* ---- limits ---------------------------------------------------------- */

TEST_F(sess, limit_entries_per_session)
{
	long old = ch_get_param("max_entries_per_session");
	struct cprhold_entry e[3];
	int efd = eventfd(0, EFD_CLOEXEC);

	ASSERT_GT(old, 0);
	ASSERT_EQ(0, ch_set_param("max_entries_per_session", 2));
	ch_entry(&e[0], efd, 1, NULL);
	ch_entry(&e[1], efd, 2, NULL);
	ch_entry(&e[2], efd, 3, NULL);
	EXPECT_ERRNO(ENOSPC, ch_park(self->sfd, e, 3));
	EXPECT_ERRNO(ENOSPC, ch_park_fds(self->sfd, (int[]){ efd, efd, efd }, 3, 1));
	/* A bad token range is the request's error, before the limit's. */
	EXPECT_ERRNO(EOVERFLOW, ch_park_fds(self->sfd, (int[]){ efd, efd, efd }, 3,
					    UINT64_MAX - 1));
	EXPECT_EQ(0, ch_nr_entries(self->sfd));
	EXPECT_EQ(0, ch_park(self->sfd, e, 2));
	EXPECT_ERRNO(ENOSPC, ch_park(self->sfd, &e[2], 1));
	EXPECT_ERRNO(ENOSPC, ch_park_fds(self->sfd, &efd, 1, 3));
	EXPECT_EQ(2, ch_nr_entries(self->sfd));
	ASSERT_EQ(0, ch_set_param("max_entries_per_session", old));
	close(efd);
}

TEST_F(sess, limit_entries_total)
{
	long old = ch_get_param("max_entries_total"), now = ch_sysfs("entries");
	struct cprhold_entry e[2];
	int efd = eventfd(0, EFD_CLOEXEC);

	ASSERT_GT(old, 0);
	ASSERT_EQ(0, ch_set_param("max_entries_total", now + 1));
	ch_entry(&e[0], efd, 1, NULL);
	ch_entry(&e[1], efd, 2, NULL);
	EXPECT_ERRNO(ENOSPC, ch_park(self->sfd, e, 2));
	EXPECT_EQ(now, ch_sysfs("entries"));
	EXPECT_EQ(0, ch_park(self->sfd, e, 1));
	ASSERT_EQ(0, ch_set_param("max_entries_total", old));
	close(efd);
}

/* Entries root's sessions hold right now. */
static long root_entries(int ctl)
{
	struct cprhold_session_info infos[64];
	struct cprhold_list_sessions l = { .size = sizeof(l), .count = 64,
					   .info_size = sizeof(infos[0]),
					   .sessions = (uintptr_t)infos };
	long n = 0;
	uint32_t i;

	for (;;) {
		if (ioctl(ctl, CPRHOLD_LIST_SESSIONS, &l))
			return -1;
		if (!l.count)
			return n;
		for (i = 0; i < l.count; i++)
			if (infos[i].creator_uid == 0)
				n += infos[i].nr_entries;
		l.count = 64;
	}
}

/*
 * One user cannot take the whole entry pool: its sessions together stop
 * at max_entries_per_user, and another user's first PARK still works.
 */
TEST_F(sess, limit_entries_per_user)
{
	long old = ch_get_param("max_entries_per_user");
	long mine = root_entries(self->ctl);
	struct cprhold_entry e[2];
	char other[CPRHOLD_NAME_MAX];
	int efd = eventfd(0, EFD_CLOEXEC), sfd2, status;
	pid_t pid;

	ASSERT_GT(old, 0);
	ASSERT_GE(mine, 0);
	ASSERT_EQ(0, ch_set_param("max_entries_per_user", mine + 3));
	ch_name(other, sizeof(other), "peruser");
	sfd2 = ch_create(self->ctl, other, NULL);
	ASSERT_GE(sfd2, 0);
	ch_entry(&e[0], efd, 1, NULL);
	ch_entry(&e[1], efd, 2, NULL);
	EXPECT_EQ(0, ch_park(self->sfd, e, 2));
	/* The second session of the same user: 2 more would be 4 > 3. */
	EXPECT_ERRNO(ENOSPC, ch_park(sfd2, e, 2));
	EXPECT_EQ(0, ch_nr_entries(sfd2));
	EXPECT_EQ(0, ch_park(sfd2, e, 1));
	EXPECT_ERRNO(ENOSPC, ch_park(sfd2, &e[1], 1));
	/* A batch larger than the limit fails before any work. */
	ASSERT_EQ(0, ch_set_param("max_entries_per_user", 1));
	EXPECT_ERRNO(ENOSPC, ch_park(sfd2, e, 2));
	ASSERT_EQ(0, ch_set_param("max_entries_per_user", mine + 3));

	/* Another user is not affected. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char name[CPRHOLD_NAME_MAX];
		int s;

		if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
			_exit(2);
		ch_name(name, sizeof(name), "peruser-b");
		s = ch_create(self->ctl, name, NULL);
		if (s < 0)
			_exit(3);
		_exit(ch_park(s, e, 2) ? 4 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	/* Ending a session gives its entries back to its user. */
	close(sfd2);
	sfd2 = ch_create(self->ctl, other, NULL);
	ASSERT_GE(sfd2, 0);
	EXPECT_EQ(0, ch_park(sfd2, e, 1));
	close(sfd2);
	ASSERT_EQ(0, ch_set_param("max_entries_per_user", old));
	close(efd);
}

TEST_F(sess, limit_sessions_per_user)
{
	long old = ch_get_param("max_sessions_per_user");
	char names[3][CPRHOLD_NAME_MAX];
	int fds[3], i, mine = 0;
	struct cprhold_list_sessions l = { .size = sizeof(l),
					   .info_size = sizeof(struct cprhold_session_info) };

	/* Count this user's (root's) sessions right now. */
	ASSERT_EQ(0, ioctl(self->ctl, CPRHOLD_LIST_SESSIONS, &l));
	mine = l.total;
	ASSERT_GT(old, 0);
	ASSERT_EQ(0, ch_set_param("max_sessions_per_user", mine + 2));
	for (i = 0; i < 3; i++)
		ch_name(names[i], sizeof(names[i]), "limit");
	fds[0] = ch_create(self->ctl, names[0], NULL);
	fds[1] = ch_create(self->ctl, names[1], NULL);
	EXPECT_GE(fds[0], 0);
	EXPECT_GE(fds[1], 0);
	EXPECT_ERRNO(ENOSPC, ch_create(self->ctl, names[2], NULL));
	EXPECT_ERRNO(ENOENT, ch_destroy(self->ctl, names[2]));
	close(fds[0]);
	/* One freed: one more fits. */
	fds[2] = ch_create(self->ctl, names[2], NULL);
	EXPECT_GE(fds[2], 0);
	ASSERT_EQ(0, ch_set_param("max_sessions_per_user", old));
	close(fds[1]);
	close(fds[2]);
}

TEST_HARNESS_MAIN
