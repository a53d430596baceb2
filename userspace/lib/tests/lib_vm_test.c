// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib_vm_test - libcprhold against the real cprhold module, inside the test
 * VM (kselftest-style harness, TAP output):
 *
 *	scripts/vmtest -k REL -m cprhold.ko -- \
 *		'modprobe cprhold && userspace/lib/tests/lib_vm_test'
 *
 * The handover test is the VMM use case end to end: an old owner process
 * creates guest memory with cprhold_park_memfd() at a fixed address,
 * stores a state blob, seals and exits; a successor - a freshly exec()ed
 * process, so a new address space - claims, maps the memory back at the
 * very same address with cprhold_map_fixed(), checks its content, fetches
 * the blob and finishes.  A first successor that dies after mapping shows
 * that the session goes back to SEALED and can be claimed again.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libcprhold.h>

#include "harness.h"

#define MB (1UL << 20)
/* 32 TiB: far from the program, its heap and the mmap area, in any process. */
#define GUEST_ADDR ((void *)0x200000000000UL)
#define GUEST_SIZE (8 * MB)
#define TOK_RAM 1
#define TOK_BLOB 2
#define TOK_IRQ 3
#define BLOB_SIZE (3 * 4096 + 17)
#define BLOB_SEALS (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL)

static void pattern(void *p, size_t len, unsigned int seed)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		c[i] = (unsigned char)((i >> 12) * 131 + i * 7 + seed);
}

/* Bytes [from, to) of a pattern()ed buffer are intact. */
static int pattern_ok_at(const void *p, size_t from, size_t to, unsigned int seed)
{
	const unsigned char *c = p;
	size_t i;

	for (i = from; i < to; i++)
		if (c[i] != (unsigned char)((i >> 12) * 131 + i * 7 + seed))
			return 0;
	return 1;
}

static int pattern_ok(const void *p, size_t len, unsigned int seed)
{
	return pattern_ok_at(p, 0, len, seed);
}

static const char *session_name(char *buf, size_t len, const char *tag)
{
	static unsigned int seq;

	snprintf(buf, len, "lib-%s-%d-%u", tag, getpid(), seq++);
	return buf;
}

static void to_hex(const uint8_t *in, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", in[i]);
}

static int from_hex(const char *in, uint8_t *out, size_t n)
{
	size_t i;

	if (strlen(in) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned int v;

		if (sscanf(in + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* Is anything mapped over [addr, addr + len)? */
static int range_busy(void *addr, size_t len)
{
	void *p = mmap(addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	munmap(p, len);
	return p != addr;
}

/* ---- the successor: a new program image, run by exec() ----------------- */

#define FAIL(code, what, ret) do {					\
	printf("# successor: %s: %d (%s)\n", what, (int)(ret),		\
	       cprhold_strerror(op, (int)(ret)));			\
	fflush(stdout);							\
	return code;							\
} while (0)

/*
 * lib_vm_test --successor NAME SECRET-HEX MODE: claim, map the RAM at its
 * recorded address, check it, fetch the blob, read the interrupt counter
 * and finish.  MODE "crash" dies after mapping, without finishing.
 */
static int successor(const char *name, const char *hex, const char *mode)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE], *blob = NULL;
	const void *bmap = NULL;
	size_t len = 0, blen = 0, mlen = 0;
	int op = CPRHOLD_OP_OPEN, ctl, sfd, ramfd, irq, ret;
	void *ram = NULL;
	uint64_t v;

	if (from_hex(hex, secret, sizeof(secret)))
		return 10;
	/* A fresh address space: nothing at the guest address yet. */
	if (range_busy(GUEST_ADDR, GUEST_SIZE))
		return 11;
	ctl = cprhold_open(0);
	if (ctl < 0)
		FAIL(12, "open", ctl);
	op = CPRHOLD_OP_CLAIM;
	sfd = cprhold_claim(ctl, name, secret, 0);
	if (sfd < 0)
		FAIL(13, "claim", sfd);
	op = CPRHOLD_OP_MAP_FIXED;
	ramfd = cprhold_map_fixed(sfd, TOK_RAM, PROT_READ | PROT_WRITE, 0, &ram, &len);
	if (ramfd < 0)
		FAIL(14, "map_fixed", ramfd);
	if (ram != GUEST_ADDR || len != GUEST_SIZE)
		return 15;
	if (!strcmp(mode, "after-crash")) {
		/* What the crashed predecessor wrote is there: same pages. */
		for (v = 0; v < 4096; v++)
			if (((unsigned char *)ram)[v] != 0xee)
				return 16;
		if (!pattern_ok_at(ram, 4096, len, 3))
			return 16;
	} else if (!pattern_ok(ram, len, 3)) {
		return 16;
	}
	if (!strcmp(mode, "crash")) {
		/* Scribble, then die unfinished: the session must survive. */
		memset(ram, 0xee, 4096);
		kill(getpid(), SIGKILL);
	}
	op = CPRHOLD_OP_BLOB_FETCH;
	ret = cprhold_blob_fetch(sfd, TOK_BLOB, (void **)&blob, &blen);
	if (ret)
		FAIL(17, "blob_fetch", ret);
	if (blen != BLOB_SIZE || !pattern_ok(blob, blen, 99))
		return 18;
	ret = cprhold_blob_map(sfd, TOK_BLOB, &bmap, &mlen);
	if (ret)
		FAIL(19, "blob_map", ret);
	if (mlen != BLOB_SIZE || memcmp(bmap, blob, blen))
		return 20;
	op = CPRHOLD_OP_RETRIEVE;
	irq = cprhold_retrieve_one(sfd, TOK_IRQ, 0);
	if (irq < 0)
		FAIL(21, "retrieve", irq);
	/* Interrupts signalled while nobody owned the eventfd are there. */
	if (read(irq, &v, sizeof(v)) != sizeof(v) || v != 42)
		return 22;
	op = CPRHOLD_OP_FINISH;
	ret = cprhold_finish(sfd);
	if (ret)
		FAIL(23, "finish", ret);
	/* The memory stays mapped and shared after the session ended. */
	((volatile unsigned char *)ram)[len - 1] = 0x5a;
	if (pread(ramfd, &v, 1, (off_t)len - 1) != 1 || (v & 0xff) != 0x5a)
		return 24;
	printf("# successor: mapped %zu MiB at %p, blob %zu bytes, irq count %d\n",
	       len >> 20, ram, blen, 42);
	free(blob);
	return 0;
}

/* Run the successor in a new program image; its exit status. */
static int run_successor(const char *name, const uint8_t *secret, const char *mode)
{
	char hex[2 * CPRHOLD_SECRET_SIZE + 1];
	int status;
	pid_t pid;

	to_hex(secret, CPRHOLD_SECRET_SIZE, hex);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl("/proc/self/exe", "lib_vm_test", "--successor", name, hex, mode,
		      (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* ---- tests ---------------------------------------------------------------- */

FIXTURE(lib) {
	int ctl;
	int sfd;
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
};

FIXTURE_SETUP(lib)
{
	self->ctl = cprhold_open(0);
	ASSERT_GE(self->ctl, 0);
	session_name(self->name, sizeof(self->name), "fx");
	self->sfd = cprhold_create(self->ctl, self->name, 0, 0, -1, self->secret);
	ASSERT_GE(self->sfd, 0);
}

FIXTURE_TEARDOWN(lib)
{
	cprhold_destroy(self->ctl, self->name);
	close(self->sfd);
	close(self->ctl);
}

/* The state of session @name as listed, 0 if it is not listed. */
static uint32_t session_state(int ctl, const char *name)
{
	struct cprhold_session_info *infos = NULL;
	uint32_t state = 0;
	int n, i;

	n = cprhold_list_sessions_all(ctl, &infos);
	for (i = 0; i < n; i++)
		if (!strcmp(infos[i].name, name))
			state = infos[i].state;
	free(infos);
	return state;
}

/* The old owner's half of the handover, in a child that then exits. */
static int old_owner(const char *name, int pipe_w)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	unsigned char blob[BLOB_SIZE];
	uint64_t irqs = 42;
	void *ram = NULL;
	int ctl, sfd, ramfd, irq;

	ctl = cprhold_open(0);
	if (ctl < 0)
		return 1;
	sfd = cprhold_create(ctl, name, 0, 0, -1, secret);
	if (sfd < 0)
		return 2;
	ramfd = cprhold_park_memfd(sfd, TOK_RAM, "ram0", GUEST_SIZE, GUEST_ADDR,
				   CPRHOLD_MEMFD_SEAL_SIZE, &ram);
	if (ramfd < 0 || ram != GUEST_ADDR)
		return 3;
	pattern(ram, GUEST_SIZE, 3);	/* the guest's memory */
	pattern(blob, sizeof(blob), 99);
	if (cprhold_blob_store(sfd, TOK_BLOB, "vmstate", blob, sizeof(blob)))
		return 4;
	irq = eventfd(0, EFD_CLOEXEC);
	if (irq < 0 || cprhold_park_one(sfd, irq, TOK_IRQ, "irq0", NULL, NULL))
		return 5;
	if (cprhold_seal(sfd))
		return 6;
	/* An interrupt after the handover started: counted in the eventfd. */
	if (write(irq, &irqs, sizeof(irqs)) != sizeof(irqs))
		return 7;
	if (write(pipe_w, secret, sizeof(secret)) != sizeof(secret))
		return 8;
	return 0;	/* exit: the sealed session lives on */
}

TEST(handover_same_address)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	struct cprhold_session_info *infos = NULL;
	char name[CPRHOLD_NAME_MAX];
	int pfd[2], status, ctl, n, i, found = 0;
	pid_t pid;

	session_name(name, sizeof(name), "handover");
	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(old_owner(name, pfd[1]));
	close(pfd[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ((ssize_t)sizeof(secret), read(pfd[0], secret, sizeof(secret)));
	close(pfd[0]);

	/* The old owner is gone; its session is SEALED and holds it all. */
	ctl = cprhold_open(0);
	ASSERT_GE(ctl, 0);
	n = cprhold_list_sessions_all(ctl, &infos);
	ASSERT_GE(n, 1);
	for (i = 0; i < n; i++)
		if (!strcmp(infos[i].name, name)) {
			found = 1;
			EXPECT_STREQ("sealed", cprhold_state_name(infos[i].state));
			EXPECT_EQ(3u, infos[i].nr_entries);
			EXPECT_EQ((uint64_t)GUEST_SIZE + BLOB_SIZE, infos[i].mem_bytes);
		}
	free(infos);
	EXPECT_TRUE(found);

	/* A successor that dies after mapping: the session is SEALED again. */
	EXPECT_EQ(128 + SIGKILL, run_successor(name, secret, "crash"));
	EXPECT_STREQ("sealed", cprhold_state_name(session_state(ctl, name)));
	/* The next successor: same address, same memory, including the
	 * crashed one's scribble (shared pages, nothing was copied). */
	ASSERT_EQ(0, run_successor(name, secret, "after-crash"));
	EXPECT_EQ(-ENOENT, cprhold_claim(ctl, name, secret, 0));
	close(ctl);
}

TEST(handover_successor_sees_same_memory)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	char name[CPRHOLD_NAME_MAX];
	int pfd[2], status;
	pid_t pid;

	/* Without a crashed predecessor: the full successor path passes. */
	session_name(name, sizeof(name), "handover2");
	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(old_owner(name, pfd[1]));
	close(pfd[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ((ssize_t)sizeof(secret), read(pfd[0], secret, sizeof(secret)));
	close(pfd[0]);
	ASSERT_EQ(0, run_successor(name, secret, "finish"));
	{
		int ctl = cprhold_open(0);

		EXPECT_EQ(-ENOENT, cprhold_destroy(ctl, name));
		close(ctl);
	}
}

TEST_F(lib, map_fixed_eexist_when_range_taken)
{
	void *ram = NULL, *again = NULL;
	size_t len = 0;
	int ramfd, cfd, fd;

	ramfd = cprhold_park_memfd(self->sfd, TOK_RAM, "ram0", 2 * MB,
				   (char *)GUEST_ADDR + 64 * MB, 0, &ram);
	ASSERT_GE(ramfd, 0);
	ASSERT_EQ((char *)GUEST_ADDR + 64 * MB, (char *)ram);
	pattern(ram, 2 * MB, 7);
	/* The same range again: taken. */
	EXPECT_EQ(-EEXIST, cprhold_park_memfd(self->sfd, 9, NULL, 2 * MB, ram, 0, &again));
	ASSERT_EQ(0, cprhold_seal(self->sfd));
	cfd = cprhold_claim(self->ctl, self->name, self->secret, 0);
	ASSERT_GE(cfd, 0);

	/* The old mapping is still there in this process: EEXIST. */
	EXPECT_EQ(-EEXIST, cprhold_map_fixed(cfd, TOK_RAM, PROT_READ, 0, &again, &len));
	EXPECT_STREQ("the recorded address range is already mapped in this process",
		     cprhold_strerror(CPRHOLD_OP_MAP_FIXED, -EEXIST));
	EXPECT_EQ(NULL, again);
	EXPECT_TRUE(pattern_ok(ram, 2 * MB, 7));	/* not replaced */

	/* Unmapped: now it maps at exactly that address, same pages. */
	ASSERT_EQ(0, munmap(ram, 2 * MB));
	fd = cprhold_map_fixed(cfd, TOK_RAM, PROT_READ | PROT_WRITE, 0, &again, &len);
	ASSERT_GE(fd, 0);
	EXPECT_EQ((char *)GUEST_ADDR + 64 * MB, (char *)again);
	EXPECT_EQ(2 * MB, len);
	EXPECT_TRUE(pattern_ok(again, len, 7));
	((unsigned char *)again)[100] = 0x77;
	{
		unsigned char c = 0;

		ASSERT_EQ(1, pread(ramfd, &c, 1, 100));
		EXPECT_EQ(0x77, c);
	}
	/* A partly taken range (one page in the middle) is EEXIST too. */
	ASSERT_EQ(0, munmap(again, len));
	{
		void *block = mmap((char *)GUEST_ADDR + 65 * MB, 4096, PROT_READ,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		ASSERT_EQ((char *)GUEST_ADDR + 65 * MB, (char *)block);
		EXPECT_EQ(-EEXIST, cprhold_map_fixed(cfd, TOK_RAM, PROT_READ, 0, &again, &len));
		munmap(block, 4096);
	}
	close(fd);
	EXPECT_EQ(0, cprhold_finish(cfd));
	close(cfd);
	close(ramfd);
}

TEST_F(lib, lifecycle_and_errors)
{
	struct cprhold_session_info info;
	struct cprhold_entry e[2], *all = NULL;
	uint8_t wrong[CPRHOLD_SECRET_SIZE];
	uint64_t tokens[2] = { 20, 10 }, v = 5;
	int efd = eventfd(0, EFD_CLOEXEC), mfd = memfd_create("m", MFD_CLOEXEC);
	int cfd, fds[2], n;

	ASSERT_GE(efd, 0);
	ASSERT_EQ(0, ftruncate(mfd, 65536));
	ASSERT_EQ((ssize_t)sizeof(v), write(efd, &v, sizeof(v)));
	ASSERT_EQ(0, cprhold_entry_init(&e[0], efd, 20, "irq0", NULL));
	ASSERT_EQ(0, cprhold_entry_init(&e[1], mfd, 10, "ram0", NULL));
	ASSERT_EQ(0, cprhold_park(self->sfd, e, 2));
	/* Only read: the kernel's view of each is a lookup away. */
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_OTHER, e[0].type);
	{
		struct cprhold_entry k;

		ASSERT_EQ(0, cprhold_find_entry(self->sfd, 20, &k));
		EXPECT_STREQ("eventfd", cprhold_entry_type_name(k.type));
		ASSERT_EQ(0, cprhold_find_entry(self->sfd, 10, &k));
		EXPECT_STREQ("memfd", cprhold_entry_type_name(k.type));
		EXPECT_EQ(65536u, k.data.mem.size);
	}
	EXPECT_EQ(-EEXIST, cprhold_park_one(self->sfd, efd, 10, NULL, NULL, NULL));
	EXPECT_EQ(-EBADF, cprhold_park_one(self->sfd, 9999, 11, NULL, NULL, NULL));
	EXPECT_EQ(-EINVAL, cprhold_park_one(self->sfd, self->ctl, 11, NULL, NULL, NULL));
	EXPECT_EQ(-EINVAL, cprhold_park_one(self->sfd, efd, 11, "bad:label", NULL, NULL));

	ASSERT_EQ(0, cprhold_info(self->sfd, &info));
	EXPECT_STREQ("open", cprhold_state_name(info.state));
	EXPECT_EQ(2u, info.nr_entries);
	EXPECT_EQ(-ENOTTY, cprhold_info(self->ctl, &info));
	n = cprhold_list_entries_all(self->sfd, &all);
	ASSERT_EQ(2, n);
	EXPECT_EQ(10u, all[0].token);
	EXPECT_STREQ("ram0", all[0].label);
	EXPECT_EQ(20u, all[1].token);
	EXPECT_EQ(-1, all[1].fd);
	free(all);

	EXPECT_EQ(-EBUSY, cprhold_claim(self->ctl, self->name, self->secret, 0));
	EXPECT_STREQ("session is not sealed yet or already claimed",
		     cprhold_strerror(CPRHOLD_OP_CLAIM, -EBUSY));
	EXPECT_EQ(-EEXIST, cprhold_create(self->ctl, self->name, 0, 0, -1, wrong));
	ASSERT_EQ(0, cprhold_seal(self->sfd));
	EXPECT_EQ(-EBUSY, cprhold_seal(self->sfd));
	EXPECT_EQ(-EBUSY, cprhold_park_one(self->sfd, efd, 30, NULL, NULL, NULL));
	EXPECT_EQ(-EBUSY, cprhold_retrieve(self->sfd, tokens, fds, 2, 0));
	memcpy(wrong, self->secret, sizeof(wrong));
	wrong[0] ^= 1;
	EXPECT_EQ(-EACCES, cprhold_claim(self->ctl, self->name, wrong, 0));
	EXPECT_EQ(-ENOENT, cprhold_claim(self->ctl, "lib-no-such-session", self->secret, 0));

	cfd = cprhold_claim(self->ctl, self->name, self->secret, 0);
	ASSERT_GE(cfd, 0);
	ASSERT_EQ(0, cprhold_retrieve(cfd, tokens, fds, 2, 0));
	ASSERT_EQ((ssize_t)sizeof(v), read(fds[0], &v, sizeof(v)));
	EXPECT_EQ(5u, v);
	EXPECT_EQ(-ENOENT, cprhold_retrieve_one(cfd, 99, 0));
	close(fds[0]);
	close(fds[1]);
	ASSERT_EQ(0, cprhold_abort(cfd));
	EXPECT_EQ(-EBUSY, cprhold_finish(cfd));
	close(cfd);
	cfd = cprhold_claim(self->ctl, self->name, self->secret, 0);
	ASSERT_GE(cfd, 0);
	ASSERT_EQ(0, cprhold_finish(cfd));
	ASSERT_EQ(0, cprhold_info(cfd, &info));
	EXPECT_STREQ("finished", cprhold_state_name(info.state));
	EXPECT_STREQ("finished", cprhold_end_name(info.end_reason));
	EXPECT_EQ(2u, info.nr_claims);
	EXPECT_EQ(-ENOENT, cprhold_destroy(self->ctl, self->name));
	close(cfd);
	close(efd);
	close(mfd);
}

TEST_F(lib, blobs_sealed_and_checked)
{
	unsigned char data[5000];
	struct cprhold_entry e;
	const void *map = NULL;
	void *copy = NULL, *ram = NULL;
	size_t len = 0;
	int efd = eventfd(0, EFD_CLOEXEC), ramfd, cfd, fd;

	pattern(data, sizeof(data), 1);
	ASSERT_EQ(0, cprhold_blob_store(self->sfd, 1, "state", data, sizeof(data)));
	ASSERT_EQ(0, cprhold_blob_store(self->sfd, 2, "empty", NULL, 0));
	ramfd = cprhold_park_memfd(self->sfd, 3, "ram", MB, NULL, 0, &ram);
	ASSERT_GE(ramfd, 0);
	/* An address on an eventfd is allowed, but it is no memory. */
	ASSERT_EQ(0, cprhold_park_one(self->sfd, efd, 4, "irq", (void *)0x400000, NULL));
	/* The kernel sees the four seals on the blob. */
	ASSERT_EQ(0, cprhold_find_entry(self->sfd, 1, &e));
	EXPECT_EQ((uint32_t)BLOB_SEALS, e.data.mem.seals);
	EXPECT_EQ(sizeof(data), e.data.mem.size);
	EXPECT_STREQ("memfd", cprhold_entry_type_name(e.type));
	ASSERT_EQ(0, cprhold_find_entry(self->sfd, 3, &e));
	EXPECT_EQ((uintptr_t)ram, e.addr);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_ADDR, e.flags);
	EXPECT_EQ(-ENOENT, cprhold_find_entry(self->sfd, 5, &e));

	ASSERT_EQ(0, cprhold_seal(self->sfd));
	cfd = cprhold_claim(self->ctl, self->name, self->secret, 0);
	ASSERT_GE(cfd, 0);
	ASSERT_EQ(0, cprhold_blob_fetch(cfd, 1, &copy, &len));
	ASSERT_EQ(sizeof(data), len);
	EXPECT_EQ(0, memcmp(copy, data, len));
	free(copy);
	ASSERT_EQ(0, cprhold_blob_map(cfd, 1, &map, &len));
	EXPECT_EQ(0, memcmp(map, data, len));
	EXPECT_EQ(-1, mprotect((void *)map, len, PROT_READ | PROT_WRITE));
	munmap((void *)map, len);
	ASSERT_EQ(0, cprhold_blob_fetch(cfd, 2, &copy, &len));
	EXPECT_EQ(NULL, copy);
	EXPECT_EQ(0u, len);
	/* Not blobs. */
	EXPECT_EQ(-EPERM, cprhold_blob_fetch(cfd, 3, &copy, &len));
	EXPECT_EQ(-EMEDIUMTYPE, cprhold_blob_fetch(cfd, 4, &copy, &len));
	EXPECT_EQ(-EMEDIUMTYPE, cprhold_map_fixed(cfd, 4, PROT_READ, 0, &ram, NULL));
	EXPECT_EQ(-ENXIO, cprhold_map_fixed(cfd, 1, PROT_READ, 0, &ram, NULL));
	/* The blob cannot be written through a retrieved fd either. */
	fd = cprhold_retrieve_one(cfd, 1, 0);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, pwrite(fd, "x", 1, 0));
	EXPECT_EQ(EPERM, errno);
	close(fd);
	EXPECT_EQ(0, cprhold_finish(cfd));
	close(cfd);
	close(ramfd);
	close(efd);
}

TEST_F(lib, listings_in_pages)
{
	struct cprhold_entry batch[150], page[100], *all = NULL;
	struct cprhold_iter it = CPRHOLD_ITER_INIT;
	int efd = eventfd(0, EFD_CLOEXEC), i, n, seen = 0;

	for (i = 0; i < 150; i++)
		ASSERT_EQ(0, cprhold_entry_init(&batch[i], efd, 1000 - (uint64_t)i * 5,
						"ev", NULL));
	ASSERT_EQ(0, cprhold_park(self->sfd, batch, 150));
	/* The kernel's page is 64 at most. */
	EXPECT_EQ(64, cprhold_list_entries(self->sfd, &it, page, 100));
	EXPECT_EQ(150u, it.total);
	cprhold_iter_init(&it);
	while ((n = cprhold_list_entries(self->sfd, &it, page, 7)) > 0)
		for (i = 0; i < n; i++, seen++)
			ASSERT_EQ(255 + (uint64_t)seen * 5, page[i].token);
	EXPECT_EQ(150, seen);
	EXPECT_EQ(150, cprhold_list_entries_all(self->sfd, &all));
	EXPECT_EQ(1000u, all[149].token);
	free(all);
	EXPECT_GE(cprhold_count_sessions(self->ctl), 1);
	close(efd);
}

TEST(create_optional_fields)
{
	struct cprhold_session_info info;
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	char name[CPRHOLD_NAME_MAX];
	int ctl = cprhold_open(0), sfd, ns;

	ASSERT_GE(ctl, 0);
	/* The full v1 struct is accepted: the TTL arrives. */
	sfd = cprhold_create(ctl, session_name(name, sizeof(name), "ttl"),
			     CPRHOLD_CREATE_SAME_KUID, 60000, -1, secret);
	ASSERT_GE(sfd, 0);
	ASSERT_EQ(0, cprhold_info(sfd, &info));
	EXPECT_EQ(60000u, info.ttl_ms);
	EXPECT_EQ((uint32_t)CPRHOLD_CREATE_SAME_KUID, info.flags);
	close(sfd);
	/* A user namespace fd implies CPRHOLD_CREATE_USERNS. */
	ns = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(ns, 0);
	sfd = cprhold_create(ctl, session_name(name, sizeof(name), "ns"), 0, 0, ns, secret);
	ASSERT_GE(sfd, 0);
	ASSERT_EQ(0, cprhold_info(sfd, &info));
	EXPECT_EQ((uint32_t)CPRHOLD_CREATE_USERNS, info.flags);
	close(sfd);
	close(ns);
	/* Kernel-side refusals come back as -errno. */
	EXPECT_EQ(-EINVAL, cprhold_create(ctl, "bad name", 0, 0, -1, secret));
	EXPECT_EQ(-EINVAL, cprhold_create(ctl, name, 0, 1ull << 32, -1, secret));
	EXPECT_EQ(-EOPNOTSUPP, cprhold_create(ctl, name, 1u << 30, 0, -1, secret));
	EXPECT_EQ(-EBADF, cprhold_create(ctl, name, 0, 0, 9999, secret));
	close(ctl);
}

TEST(hugetlb_memfd)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	char name[CPRHOLD_NAME_MAX];
	struct cprhold_entry e;
	void *ram = NULL, *again = NULL;
	int ctl = cprhold_open(0), sfd, fd, cfd, rfd;

	ASSERT_GE(ctl, 0);
	if (system("echo 2 > /proc/sys/vm/nr_hugepages 2>/dev/null"))
		SKIP(return, "cannot reserve huge pages");
	sfd = cprhold_create(ctl, session_name(name, sizeof(name), "huge"), 0, 0, -1, secret);
	ASSERT_GE(sfd, 0);
	fd = cprhold_park_memfd(sfd, 1, "huge", 2 * MB, NULL, CPRHOLD_MEMFD_HUGETLB, &ram);
	if (fd == -ENOMEM || fd == -ENOSPC || fd == -EINVAL) {
		close(sfd);
		SKIP(return, "no 2 MiB huge page: %s", cprhold_strerror(CPRHOLD_OP_PARK_MEMFD, fd));
	}
	ASSERT_GE(fd, 0);
	memset(ram, 0xab, 2 * MB);
	ASSERT_EQ(0, cprhold_find_entry(sfd, 1, &e));
	EXPECT_STREQ("memfd", cprhold_entry_type_name(e.type));
	EXPECT_EQ(2 * MB, e.data.mem.page_size);
	ASSERT_EQ(0, cprhold_seal(sfd));
	cfd = cprhold_claim(ctl, name, secret, 0);
	ASSERT_GE(cfd, 0);
	ASSERT_EQ(0, munmap(ram, 2 * MB));
	rfd = cprhold_map_fixed(cfd, 1, PROT_READ, 0, &again, NULL);
	ASSERT_GE(rfd, 0);
	EXPECT_EQ(ram, again);
	EXPECT_EQ(0xab, ((unsigned char *)again)[2 * MB - 1]);
	munmap(again, 2 * MB);
	EXPECT_EQ(0, cprhold_finish(cfd));
	close(rfd);
	close(cfd);
	close(fd);
	close(sfd);
	close(ctl);
	if (system("echo 0 > /proc/sys/vm/nr_hugepages 2>/dev/null"))
		TH_LOG("could not release the huge pages");
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "--successor"))
		return successor(argv[2], argv[3], argv[4]);
	return test_harness_run(argc, argv);
}
