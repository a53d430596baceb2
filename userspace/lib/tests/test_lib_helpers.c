// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_lib_helpers - cmocka unit tests of the VMM helpers: guest memory as
 * a parked memfd (cprhold_park_memfd), sealed state blobs (store, fetch,
 * map) and the fixed-address map (cprhold_map_fixed) with its
 * MAP_FIXED_NOREPLACE flags and EEXIST paths.  Real memfds, real mappings;
 * the kernel is fake_kernel.c and mmap() goes through its recorder.
 */
#include <ctype.h>
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

#define CTL 100
#define MB (1UL << 20)

#define BLOB_SEALS (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL)

static uint8_t secret[CPRHOLD_SECRET_SIZE];

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

static int make_session(void)
{
	int sfd = cprhold_create(CTL, "vm-1", 0, 0, -1, secret);

	assert_true(sfd >= 0);
	return sfd;
}

/* Seal the fake session and claim it: the claimer's fd. */
static int seal_and_claim(int sfd)
{
	int cfd;

	assert_int_equal(cprhold_seal(sfd), 0);
	cfd = cprhold_claim(CTL, "vm-1", secret, 0);
	assert_true(cfd >= 0);
	return cfd;
}

static void fill(void *p, size_t len, unsigned int seed)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		c[i] = (unsigned char)(i * 31 + seed);
}

static int check(const void *p, size_t len, unsigned int seed)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i] != (unsigned char)(i * 31 + seed))
			return 0;
	return 1;
}

/* Is anything mapped at @addr?  (MAP_FIXED_NOREPLACE probes it.) */
static int mapped_at(void *addr)
{
	long ps = sysconf(_SC_PAGESIZE);
	void *p = mmap(addr, (size_t)ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return errno == EEXIST;
	munmap(p, (size_t)ps);
	return p != addr;
}

/* ---- cprhold_park_memfd ------------------------------------------------ */

static void test_park_memfd_validation(void **state)
{
	void *addr;
	int sfd, fds;

	(void)state;
	sfd = make_session();
	fds = fk_open_fds();
	assert_int_equal(cprhold_park_memfd(sfd, 1, "ram", MB, NULL, 0, NULL), -EINVAL);
	assert_int_equal(cprhold_park_memfd(sfd, 1, "ram", 0, NULL, 0, &addr), -EINVAL);
	assert_int_equal(cprhold_park_memfd(sfd, 1, "ram", MB, (void *)0x200001, 0, &addr),
			 -EINVAL);
	assert_int_equal(cprhold_park_memfd(sfd, 1, "ram", MB, NULL, 1u << 9, &addr), -EINVAL);
	assert_int_equal(cprhold_park_memfd(sfd, 1, "ram", MB, NULL, CPRHOLD_MEMFD_REPLACE,
					    &addr), -EINVAL);
	assert_int_equal(cprhold_park_memfd(sfd, 1, "a-label-that-is-far-too-long-for-it",
					    MB, NULL, 0, &addr), -ENAMETOOLONG);
	/* Nothing was created, mapped or parked. */
	assert_int_equal(fk.nmemfd, 0);
	assert_int_equal(fk.nmmap, 0);
	assert_int_equal(fk_count(CPRHOLD_PARK), 0);
	assert_int_equal(fk_open_fds(), fds);
}

static void test_park_memfd_anywhere(void **state)
{
	struct stat st;
	void *addr = NULL;
	int sfd, fd;
	char buf[16];

	(void)state;
	sfd = make_session();
	fd = cprhold_park_memfd(sfd, 7, "ram0", 2 * MB, NULL, 0, &addr);
	assert_true(fd >= 0);
	assert_non_null(addr);
	/* memfd_create(label, MFD_CLOEXEC), sized, mapped shared read-write. */
	assert_int_equal(fk.nmemfd, 1);
	assert_string_equal(fk.memfd_name, "ram0");
	assert_int_equal(fk.memfd_flags, MFD_CLOEXEC);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 2 * MB);
	assert_int_equal(fk.nmmap, 1);
	assert_null(fk.mmaps[0].addr);
	assert_int_equal(fk.mmaps[0].flags, MAP_SHARED);
	assert_int_equal(fk.mmaps[0].prot, PROT_READ | PROT_WRITE);
	assert_int_equal(fk.mmaps[0].len, 2 * MB);
	assert_int_equal(fk.mmaps[0].fd, fd);
	/* Parked with the mapping's address recorded. */
	assert_int_equal(fk.nentries, 1);
	assert_int_equal(fk.entries[0].e.token, 7);
	assert_string_equal(fk.entries[0].e.label, "ram0");
	assert_int_equal(fk.entries[0].e.flags, CPRHOLD_ENTRY_ADDR);
	assert_true(fk.entries[0].e.addr == (uintptr_t)addr);
	assert_int_equal(fk.entries[0].e.type, CPRHOLD_ENTRY_MEMFD);
	/* The mapping is the parked file. */
	memcpy((char *)addr + MB, "guest-ram", 10);
	assert_int_equal(pread(fk.entries[0].file, buf, 10, MB), 10);
	assert_string_equal(buf, "guest-ram");
	munmap(addr, 2 * MB);
	close(fd);
}

static void test_park_memfd_at_address(void **state)
{
	void *want = fk_free_range(4 * MB), *addr = NULL;
	int sfd, fd;

	(void)state;
	sfd = make_session();
	fd = cprhold_park_memfd(sfd, 1, NULL, 4 * MB, want, CPRHOLD_MEMFD_SEAL_SIZE, &addr);
	assert_true(fd >= 0);
	assert_ptr_equal(addr, want);
	assert_ptr_equal(fk.mmaps[0].addr, want);
	assert_int_equal(fk.mmaps[0].flags, MAP_SHARED | MAP_FIXED_NOREPLACE);
	assert_true(fk.entries[0].e.addr == (uintptr_t)want);
	/* No label: a default memfd name; SEAL_SIZE: sealable and size sealed. */
	assert_string_equal(fk.memfd_name, "cprhold");
	assert_int_equal(fk.memfd_flags, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_int_equal(fcntl(fd, F_GET_SEALS), F_SEAL_GROW | F_SEAL_SHRINK);
	assert_int_equal(fk.entries[0].e.data.mem.seals, F_SEAL_GROW | F_SEAL_SHRINK);
	munmap(addr, 4 * MB);
	close(fd);
}

static void test_park_memfd_range_taken(void **state)
{
	long ps = sysconf(_SC_PAGESIZE);
	void *want = fk_free_range(MB), *addr = (void *)1, *block;
	int sfd, fds;

	(void)state;
	sfd = make_session();
	/* Something sits in the last page of the range. */
	block = mmap((char *)want + MB - ps, (size_t)ps, PROT_READ,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	assert_ptr_equal(block, (char *)want + MB - ps);
	fds = fk_open_fds();
	assert_int_equal(cprhold_park_memfd(sfd, 1, "ram", MB, want, 0, &addr), -EEXIST);
	assert_ptr_equal(addr, (void *)1);
	assert_int_equal(fk_count(CPRHOLD_PARK), 0);
	assert_int_equal(fk_open_fds(), fds);	/* the memfd was closed */
	assert_true(mapped_at(block));		/* and the block left alone */
	munmap(block, (size_t)ps);
}

static void test_park_memfd_old_kernel_hint(void **state)
{
	void *want = fk_free_range(MB), *addr = NULL;
	int sfd, fds;

	(void)state;
	sfd = make_session();
	fk.mmap_mode = FK_MMAP_HINT;
	fds = fk_open_fds();
	assert_int_equal(cprhold_park_memfd(sfd, 1, "ram", MB, want, 0, &addr), -EEXIST);
	/* The misplaced mapping was unmapped again. */
	assert_int_equal(fk.nmmap, 1);
	assert_ptr_not_equal(fk.mmaps[0].ret, want);
	assert_int_equal(fk.nmunmap, 1);
	assert_ptr_equal(fk.munmaps[0].addr, fk.mmaps[0].ret);
	assert_int_equal(fk.munmaps[0].len, MB);
	assert_int_equal(fk_count(CPRHOLD_PARK), 0);
	assert_int_equal(fk_open_fds(), fds);
}

static void test_park_memfd_replace(void **state)
{
	void *resv, *addr = NULL;
	int sfd, fd;

	(void)state;
	sfd = make_session();
	/* The caller reserved the range, as QEMU does for its RAM blocks. */
	resv = mmap(NULL, MB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(resv != MAP_FAILED);
	fd = cprhold_park_memfd(sfd, 1, "ram", MB, resv, CPRHOLD_MEMFD_REPLACE, &addr);
	assert_true(fd >= 0);
	assert_ptr_equal(addr, resv);
	assert_int_equal(fk.mmaps[1].flags, MAP_SHARED | MAP_FIXED);
	munmap(addr, MB);
	close(fd);
}

static void test_park_memfd_park_fails_undoes(void **state)
{
	void *resv, *want = fk_free_range(MB), *addr = NULL;
	int sfd, fds;

	(void)state;
	sfd = make_session();
	fk.fail_cmd = CPRHOLD_PARK;
	fk.fail_errno = ENOSPC;
	fds = fk_open_fds();
	/* Free range: the mapping goes away again. */
	assert_int_equal(cprhold_park_memfd(sfd, 1, "ram", MB, want, 0, &addr), -ENOSPC);
	assert_null(addr);
	assert_false(mapped_at(want));
	assert_int_equal(fk_open_fds(), fds);
	/* A reserved range stays reserved (inaccessible), not a hole. */
	resv = mmap(NULL, MB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(resv != MAP_FAILED);
	assert_int_equal(cprhold_park_memfd(sfd, 1, "ram", MB, resv, CPRHOLD_MEMFD_REPLACE,
					    &addr), -ENOSPC);
	assert_true(mapped_at(resv));
	assert_true(mapped_at((char *)resv + MB - 4096));
	assert_int_equal(fk_open_fds(), fds);
	munmap(resv, MB);
}

static void test_park_memfd_memfd_fails(void **state)
{
	void *addr = NULL;
	int sfd;

	(void)state;
	sfd = make_session();
	fk.memfd_errno = EMFILE;
	assert_int_equal(cprhold_park_memfd(sfd, 1, "ram", MB, NULL, 0, &addr), -EMFILE);
	fk.memfd_errno = 0;
	fk.mmap_mode = FK_MMAP_FAIL;
	fk.mmap_errno = ENOMEM;
	assert_int_equal(cprhold_park_memfd(sfd, 1, "ram", MB, NULL, 0, &addr), -ENOMEM);
	assert_int_equal(fk_count(CPRHOLD_PARK), 0);
}

/* ---- blobs ------------------------------------------------------------ */

static void test_blob_round_trip(void **state)
{
	size_t len = 3 * 4096 + 123, got_len = 0;
	unsigned char *data = malloc(len);
	void *copy = NULL;
	const void *map = NULL;
	int sfd, cfd, fds;

	(void)state;
	fill(data, len, 5);
	sfd = make_session();
	fds = fk_open_fds();
	assert_int_equal(cprhold_blob_store(sfd, 99, "vmstate", data, len), 0);
	/* The library's memfd is gone; the session holds the only reference. */
	assert_int_equal(fk_open_fds(), fds + 1);
	assert_int_equal(fk.memfd_flags, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_string_equal(fk.memfd_name, "vmstate");
	assert_int_equal(fk.nentries, 1);
	assert_int_equal(fk.entries[0].e.token, 99);
	assert_string_equal(fk.entries[0].e.label, "vmstate");
	assert_int_equal(fk.entries[0].e.flags, 0);
	assert_int_equal(fk.entries[0].e.data.mem.size, len);
	/* Sealed for good: no write, no resize, no unsealing. */
	assert_int_equal(fcntl(fk.entries[0].file, F_GET_SEALS), BLOB_SEALS);
	assert_int_equal(pwrite(fk.entries[0].file, "x", 1, 0), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(ftruncate(fk.entries[0].file, 1), -1);

	cfd = seal_and_claim(sfd);
	fds = fk_open_fds();
	assert_int_equal(cprhold_blob_fetch(cfd, 99, &copy, &got_len), 0);
	assert_int_equal(got_len, len);
	assert_non_null(copy);
	assert_memory_equal(copy, data, len);
	free(copy);
	assert_int_equal(fk_open_fds(), fds);

	got_len = 0;
	assert_int_equal(cprhold_blob_map(cfd, 99, &map, &got_len), 0);
	assert_int_equal(got_len, len);
	assert_memory_equal(map, data, len);
	assert_int_equal(fk.mmaps[fk.nmmap - 1].prot, PROT_READ);
	assert_int_equal(fk.mmaps[fk.nmmap - 1].flags, MAP_SHARED);
	/* It cannot be made writable (F_SEAL_WRITE). */
	assert_int_equal(mprotect((void *)map, got_len, PROT_READ | PROT_WRITE), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(fk_open_fds(), fds);
	munmap((void *)map, got_len);
	free(data);
}

static void test_blob_empty(void **state)
{
	void *copy = (void *)1;
	const void *map = (void *)1;
	size_t len = 7;
	int sfd, cfd;

	(void)state;
	sfd = make_session();
	assert_int_equal(cprhold_blob_store(sfd, 1, NULL, NULL, 5), -EINVAL);
	assert_int_equal(fk.nmemfd, 0);
	assert_int_equal(cprhold_blob_store(sfd, 1, NULL, NULL, 0), 0);
	assert_string_equal(fk.memfd_name, "cprhold-blob");
	cfd = seal_and_claim(sfd);
	assert_int_equal(cprhold_blob_fetch(cfd, 1, &copy, &len), 0);
	assert_null(copy);
	assert_int_equal(len, 0);
	len = 7;
	assert_int_equal(cprhold_blob_map(cfd, 1, &map, &len), 0);
	assert_null(map);
	assert_int_equal(len, 0);
	assert_int_equal(cprhold_blob_fetch(cfd, 1, NULL, &len), -EINVAL);
	assert_int_equal(cprhold_blob_fetch(cfd, 1, &copy, NULL), -EINVAL);
	assert_int_equal(cprhold_blob_map(cfd, 1, NULL, &len), -EINVAL);
}

static void test_blob_refuses_unsealed(void **state)
{
	void *copy = (void *)1;
	const void *map = (void *)1;
	size_t len = 5;
	int sfd, cfd, fds, plain, partial, efd;

	(void)state;
	sfd = make_session();
	plain = memfd_create("plain", MFD_CLOEXEC);
	assert_int_equal(ftruncate(plain, 100), 0);
	partial = memfd_create("partial", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_int_equal(ftruncate(partial, 100), 0);
	/* Three of the four: without F_SEAL_SEAL, seals could still be added,
	 * but without F_SEAL_WRITE the content could change: both refused. */
	assert_int_equal(fcntl(partial, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL), 0);
	efd = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(cprhold_park_one(sfd, plain, 1, NULL, NULL, NULL), 0);
	assert_int_equal(cprhold_park_one(sfd, partial, 2, NULL, NULL, NULL), 0);
	assert_int_equal(cprhold_park_one(sfd, efd, 3, NULL, NULL, NULL), 0);
	close(plain);
	close(partial);
	close(efd);
	cfd = seal_and_claim(sfd);
	fds = fk_open_fds();
	assert_int_equal(cprhold_blob_fetch(cfd, 1, &copy, &len), -EPERM);
	assert_null(copy);
	assert_int_equal(len, 0);
	assert_int_equal(cprhold_blob_map(cfd, 1, &map, &len), -EPERM);
	assert_null(map);
	assert_int_equal(cprhold_blob_fetch(cfd, 2, &copy, &len), -EPERM);
	assert_int_equal(cprhold_blob_fetch(cfd, 3, &copy, &len), -EMEDIUMTYPE);
	assert_int_equal(cprhold_blob_map(cfd, 3, &map, &len), -EMEDIUMTYPE);
	assert_int_equal(cprhold_blob_fetch(cfd, 4, &copy, &len), -ENOENT);
	/* No retrieved fd was left behind by any of them. */
	assert_int_equal(fk_open_fds(), fds);
	/* Not claimed: the retrieve's EBUSY comes through. */
	assert_int_equal(cprhold_blob_fetch(sfd, 1, &copy, &len), -EBUSY);
}

static void test_blob_store_errors(void **state)
{
	int sfd, fds;
	char buf[64] = "state";

	(void)state;
	sfd = make_session();
	fds = fk_open_fds();
	fk.memfd_errno = ENFILE;
	assert_int_equal(cprhold_blob_store(sfd, 1, "s", buf, sizeof(buf)), -ENFILE);
	fk.memfd_errno = 0;
	assert_int_equal(cprhold_blob_store(sfd, 1, "label:colon-is-fine-here-but-too-long",
					    buf, sizeof(buf)), -ENAMETOOLONG);
	assert_int_equal(cprhold_blob_store(sfd, 1, "s", buf, sizeof(buf)), 0);
	assert_int_equal(cprhold_blob_store(sfd, 1, "s", buf, sizeof(buf)), -EEXIST);
	assert_int_equal(cprhold_seal(sfd), 0);
	assert_int_equal(cprhold_blob_store(sfd, 2, "s", buf, sizeof(buf)), -EBUSY);
	/* Failures leave no memfd open: only the one parked entry's file. */
	assert_int_equal(fk_open_fds(), fds + 1);
}

/* ---- cprhold_map_fixed ------------------------------------------------ */

/* A memfd of @len with a pattern, parked at a free address; returns it. */
static void *park_ram(int sfd, uint64_t token, size_t len, unsigned int seed)
{
	void *at = fk_free_range(len);
	int mfd = memfd_create("ram", MFD_CLOEXEC);
	void *p;

	assert_int_equal(ftruncate(mfd, (off_t)len), 0);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	assert_true(p != MAP_FAILED);
	fill(p, len, seed);
	munmap(p, len);
	assert_int_equal(cprhold_park_one(sfd, mfd, token, "ram", at, NULL), 0);
	close(mfd);
	fk.nmmap = 0;
	fk.nmunmap = 0;
	return at;
}

static void test_map_fixed(void **state)
{
	void *at, *addr = NULL;
	size_t len = 0;
	int sfd, cfd, fd;

	(void)state;
	sfd = make_session();
	at = park_ram(sfd, 5, 2 * MB, 9);
	cfd = seal_and_claim(sfd);
	fd = cprhold_map_fixed(cfd, 5, PROT_READ | PROT_WRITE, 0, &addr, &len);
	assert_true(fd >= 0);
	/* Exactly the recorded address, MAP_SHARED | MAP_FIXED_NOREPLACE. */
	assert_int_equal(fk.nmmap, 1);
	assert_ptr_equal(fk.mmaps[0].addr, at);
	assert_int_equal(fk.mmaps[0].flags, MAP_SHARED | MAP_FIXED_NOREPLACE);
	assert_int_equal(fk.mmaps[0].prot, PROT_READ | PROT_WRITE);
	assert_int_equal(fk.mmaps[0].len, 2 * MB);
	assert_int_equal(fk.mmaps[0].fd, fd);
	assert_ptr_equal(addr, at);
	assert_int_equal(len, 2 * MB);
	assert_true(check(addr, len, 9));
	/* The fd is the parked file; close-on-exec by default. */
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	{
		struct stat a, b;

		assert_int_equal(fstat(fd, &a), 0);
		assert_int_equal(fstat(fk.entries[0].file, &b), 0);
		assert_int_equal(a.st_ino, b.st_ino);
	}
	/* The lookup went by token through CPRHOLD_LIST, then one retrieve. */
	assert_int_equal(fk_count(CPRHOLD_LIST), 1);
	assert_int_equal(fk_count(CPRHOLD_RETRIEVE), 1);
	munmap(addr, len);
	close(fd);

	/* Retrieve flags pass through; @len is optional. */
	fd = cprhold_map_fixed(cfd, 5, PROT_READ, CPRHOLD_RETRIEVE_NO_CLOEXEC, &addr, NULL);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	munmap(addr, 2 * MB);
	close(fd);
}

static void test_map_fixed_range_taken(void **state)
{
	long ps = sysconf(_SC_PAGESIZE);
	void *at, *addr = (void *)1, *block;
	size_t len = 3;
	int sfd, cfd, fds;

	(void)state;
	sfd = make_session();
	at = park_ram(sfd, 5, MB, 1);
	cfd = seal_and_claim(sfd);
	block = mmap((char *)at + 16 * ps, (size_t)ps, PROT_READ,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	assert_ptr_equal(block, (char *)at + 16 * ps);
	fds = fk_open_fds();
	assert_int_equal(cprhold_map_fixed(cfd, 5, PROT_READ, 0, &addr, &len), -EEXIST);
	assert_ptr_equal(fk.mmaps[fk.nmmap - 1].addr, at);
	assert_int_equal(fk.mmaps[fk.nmmap - 1].flags, MAP_SHARED | MAP_FIXED_NOREPLACE);
	assert_string_equal(cprhold_strerror(CPRHOLD_OP_MAP_FIXED, -EEXIST),
			    "the recorded address range is already mapped in this process");
	assert_ptr_equal(addr, (void *)1);
	assert_int_equal(len, 3);
	assert_int_equal(fk_open_fds(), fds);	/* the retrieved fd was closed */
	assert_true(mapped_at(block));		/* nothing replaced */
	munmap(block, (size_t)ps);
	/* Freed: now it maps. */
	{
		int fd = cprhold_map_fixed(cfd, 5, PROT_READ, 0, &addr, &len);

		assert_true(fd >= 0);
		assert_ptr_equal(addr, at);
		assert_true(check(addr, len, 1));
		munmap(addr, len);
		close(fd);
	}
}

static void test_map_fixed_old_kernel_hint(void **state)
{
	void *addr = (void *)1;
	int sfd, cfd, fds;

	(void)state;
	sfd = make_session();
	park_ram(sfd, 5, MB, 1);
	cfd = seal_and_claim(sfd);
	fk.mmap_mode = FK_MMAP_HINT;
	fds = fk_open_fds();
	assert_int_equal(cprhold_map_fixed(cfd, 5, PROT_READ, 0, &addr, NULL), -EEXIST);
	assert_int_equal(fk.nmmap, 1);
	assert_int_equal(fk.nmunmap, 1);
	assert_ptr_equal(fk.munmaps[0].addr, fk.mmaps[0].ret);
	assert_int_equal(fk.munmaps[0].len, MB);
	assert_ptr_equal(addr, (void *)1);
	assert_int_equal(fk_open_fds(), fds);
}

static void test_map_fixed_refusals(void **state)
{
	void *addr = NULL;
	int sfd, cfd, efd, mfd;

	(void)state;
	sfd = make_session();
	park_ram(sfd, 1, MB, 0);
	/* A memfd parked without an address. */
	mfd = memfd_create("noaddr", MFD_CLOEXEC);
	assert_int_equal(ftruncate(mfd, 4096), 0);
	assert_int_equal(cprhold_park_one(sfd, mfd, 2, NULL, NULL, NULL), 0);
	/* An eventfd with an address: not memory. */
	efd = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(cprhold_park_one(sfd, efd, 3, NULL, (void *)0x400000, NULL), 0);
	/* A memfd of size 0 with an address. */
	close(mfd);
	mfd = memfd_create("empty", MFD_CLOEXEC);
	assert_int_equal(cprhold_park_one(sfd, mfd, 4, NULL, (void *)0x400000, NULL), 0);
	close(mfd);
	close(efd);

	/* Not claimed yet: the retrieve says so. */
	assert_int_equal(cprhold_map_fixed(sfd, 1, PROT_READ, 0, &addr, NULL), -EBUSY);
	cfd = seal_and_claim(sfd);
	fk.ncalls = 0;
	assert_int_equal(cprhold_map_fixed(cfd, 1, PROT_READ, 0, NULL, NULL), -EINVAL);
	assert_int_equal(fk.ncalls, 0);
	assert_int_equal(cprhold_map_fixed(cfd, 2, PROT_READ, 0, &addr, NULL), -ENXIO);
	assert_int_equal(cprhold_map_fixed(cfd, 3, PROT_READ, 0, &addr, NULL), -EMEDIUMTYPE);
	assert_int_equal(cprhold_map_fixed(cfd, 4, PROT_READ, 0, &addr, NULL), -EINVAL);
	assert_int_equal(cprhold_map_fixed(cfd, 9, PROT_READ, 0, &addr, NULL), -ENOENT);
	/* None of the refusals retrieved or mapped anything. */
	assert_int_equal(fk_count(CPRHOLD_RETRIEVE), 0);
	assert_int_equal(fk.nmmap, 0);
	assert_null(addr);
	/* An mmap error comes through as -errno, and the fd is closed. */
	fk.mmap_mode = FK_MMAP_FAIL;
	fk.mmap_errno = ENOMEM;
	{
		int fds = fk_open_fds();

		assert_int_equal(cprhold_map_fixed(cfd, 1, PROT_READ, 0, &addr, NULL), -ENOMEM);
		assert_int_equal(fk_open_fds(), fds);
	}
}

/* ---- the secret in a file ---- */

static const char hex64[] =
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

static void expect_ramp(const uint8_t *s)
{
	int i;

	for (i = 0; i < CPRHOLD_SECRET_SIZE; i++)
		assert_int_equal(s[i], i);
}

static void test_secret_parse(void **state)
{
	uint8_t raw[CPRHOLD_SECRET_SIZE], out[CPRHOLD_SECRET_SIZE];
	char buf[200];
	int i;

	(void)state;
	for (i = 0; i < CPRHOLD_SECRET_SIZE; i++)
		raw[i] = (uint8_t)i;
	/* raw bytes, even when they look like white space */
	raw[0] = ' ';
	assert_int_equal(cprhold_secret_parse(raw, sizeof(raw), out), 0);
	assert_memory_equal(out, raw, sizeof(raw));
	raw[0] = 0;
	/* hex, bare, with a newline, surrounded by white space, upper case */
	assert_int_equal(cprhold_secret_parse(hex64, 64, out), 0);
	expect_ramp(out);
	snprintf(buf, sizeof(buf), "%s\n", hex64);
	memset(out, 0xff, sizeof(out));
	assert_int_equal(cprhold_secret_parse(buf, strlen(buf), out), 0);
	expect_ramp(out);
	snprintf(buf, sizeof(buf), " \t\r\n%s\n\n ", hex64);
	memset(out, 0xff, sizeof(out));
	assert_int_equal(cprhold_secret_parse(buf, strlen(buf), out), 0);
	expect_ramp(out);
	for (i = 0; i < 64; i++)
		buf[i] = (char)toupper((unsigned char)hex64[i]);
	memset(out, 0xff, sizeof(out));
	assert_int_equal(cprhold_secret_parse(buf, 64, out), 0);
	expect_ramp(out);
	/* refusals leave the output alone */
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(cprhold_secret_parse(hex64, 63, out), -EINVAL);
	assert_int_equal(cprhold_secret_parse(hex64, 31, out), -EINVAL);
	assert_int_equal(cprhold_secret_parse(hex64, 0, out), -EINVAL);
	snprintf(buf, sizeof(buf), "%s0", hex64);
	assert_int_equal(cprhold_secret_parse(buf, 65, out), -EINVAL);
	memcpy(buf, hex64, 64);
	buf[17] = 'g';
	assert_int_equal(cprhold_secret_parse(buf, 64, out), -EINVAL);
	buf[17] = ' ';		/* white space inside is not allowed */
	assert_int_equal(cprhold_secret_parse(buf, 64, out), -EINVAL);
	/* 32 raw bytes and a newline, a NUL among the digits */
	memset(raw, 7, sizeof(raw));
	memcpy(buf, raw, 32);
	buf[32] = '\n';
	assert_int_equal(cprhold_secret_parse(buf, 33, out), -EINVAL);
	memcpy(buf, hex64, 64);
	buf[40] = '\0';
	assert_int_equal(cprhold_secret_parse(buf, 64, out), -EINVAL);
	for (i = 0; i < CPRHOLD_SECRET_SIZE; i++)
		assert_int_equal(out[i], 0xaa);
	assert_int_equal(cprhold_secret_parse(hex64, 64, NULL), -EINVAL);
	assert_int_equal(cprhold_secret_parse(NULL, 64, out), -EINVAL);
	assert_int_equal(cprhold_secret_parse(NULL, 0, out), -EINVAL);
	/* \v, \f and CRLF are white space too */
	snprintf(buf, sizeof(buf), "\v\f%s\r\n", hex64);
	assert_int_equal(cprhold_secret_parse(buf, strlen(buf), out), 0);
	expect_ramp(out);
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static int files_in(const char *dir)
{
	char cmd[300];
	FILE *f;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &n), 1);
	pclose(f);
	return n;
}

static void test_secret_files(void **state)
{
	char dir[] = "/tmp/libcprhold-secret.XXXXXX", path[200], big[5000];
	uint8_t in[CPRHOLD_SECRET_SIZE], out[CPRHOLD_SECRET_SIZE];
	char text[100];
	struct stat st;
	int fd, i;
	ssize_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < CPRHOLD_SECRET_SIZE; i++)
		in[i] = (uint8_t)(0xf0 ^ i);
	snprintf(path, sizeof(path), "%s/s", dir);

	/* written as hex and a newline, 0600 by default, nothing else left */
	assert_int_equal(cprhold_secret_write(path, in, 0), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = read(fd, text, sizeof(text));
	close(fd);
	assert_int_equal(n, 65);
	assert_int_equal(text[64], '\n');
	assert_int_equal(files_in(dir), 1);
	assert_int_equal(cprhold_secret_read(path, out), 0);
	assert_memory_equal(out, in, sizeof(in));

	/* replaced whole, with the mode asked for */
	in[5] ^= 0xff;
	assert_int_equal(cprhold_secret_write(path, in, 0640), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(cprhold_secret_read(path, out), 0);
	assert_memory_equal(out, in, sizeof(in));
	assert_int_equal(files_in(dir), 1);

	/* the mode asked for, whatever the umask */
	{
		mode_t old = umask(022);

		assert_int_equal(cprhold_secret_write(path, in, 0666), 0);
		umask(old);
	}
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0666);

	/* a symbolic link is followed when reading, replaced when writing */
	{
		char lnk[220], other[220];
		uint8_t in2[CPRHOLD_SECRET_SIZE];
		struct stat lst;

		snprintf(lnk, sizeof(lnk), "%s/l", dir);
		assert_int_equal(symlink("s", lnk), 0);
		memset(out, 0, sizeof(out));
		assert_int_equal(cprhold_secret_read(lnk, out), 0);
		assert_memory_equal(out, in, sizeof(in));
		memcpy(in2, in, sizeof(in));
		in2[0] ^= 0x5a;
		assert_int_equal(cprhold_secret_write(lnk, in2, 0), 0);
		assert_int_equal(lstat(lnk, &lst), 0);
		assert_true(S_ISREG(lst.st_mode));
		assert_int_equal(cprhold_secret_read(path, out), 0);
		assert_memory_equal(out, in, sizeof(in));	/* s untouched */
		/* a hard link keeps the old content */
		snprintf(other, sizeof(other), "%s/h", dir);
		assert_int_equal(link(path, other), 0);
		assert_int_equal(cprhold_secret_write(path, in2, 0), 0);
		assert_int_equal(cprhold_secret_read(other, out), 0);
		assert_memory_equal(out, in, sizeof(in));
		assert_int_equal(cprhold_secret_read(path, out), 0);
		assert_memory_equal(out, in2, sizeof(in2));
		unlink(lnk);
		unlink(other);
		assert_int_equal(cprhold_secret_write(path, in, 0640), 0);
	}

	/* raw bytes are read too */
	write_file(path, in, sizeof(in));
	memset(out, 0, sizeof(out));
	assert_int_equal(cprhold_secret_read(path, out), 0);
	assert_memory_equal(out, in, sizeof(in));

	/* refusals: the output stays as it was */
	memset(out, 0x55, sizeof(out));
	write_file(path, "not a secret\n", 13);
	assert_int_equal(cprhold_secret_read(path, out), -EINVAL);
	memset(big, 'a', sizeof(big));
	write_file(path, big, sizeof(big));
	assert_int_equal(cprhold_secret_read(path, out), -EFBIG);
	write_file(path, big, CPRHOLD_SECRET_FILE_MAX);	/* at the limit */
	assert_int_equal(cprhold_secret_read(path, out), -EINVAL);
	write_file(path, "", 0);
	assert_int_equal(cprhold_secret_read(path, out), -EINVAL);
	assert_int_equal(cprhold_secret_read(dir, out), -EISDIR);
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(cprhold_secret_read(path, out), -ENOENT);
	assert_int_equal(cprhold_secret_read(NULL, out), -EINVAL);
	assert_int_equal(cprhold_secret_read(path, NULL), -EINVAL);
	for (i = 0; i < CPRHOLD_SECRET_SIZE; i++)
		assert_int_equal(out[i], 0x55);

	/* write refusals create nothing */
	assert_int_equal(cprhold_secret_write(path, in, 01600), -EINVAL);
	assert_int_equal(cprhold_secret_write("", in, 0), -EINVAL);
	assert_int_equal(cprhold_secret_write(NULL, in, 0), -EINVAL);
	assert_int_equal(cprhold_secret_write(path, NULL, 0), -EINVAL);
	snprintf(path, sizeof(path), "%s/no/such/dir", dir);
	assert_int_equal(cprhold_secret_write(path, in, 0), -ENOENT);
	/* over a directory: the rename fails, the temporary file goes */
	snprintf(path, sizeof(path), "%s/d", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(cprhold_secret_write(path, in, 0), -EISDIR);
	assert_int_equal(files_in(dir), 2);	/* s and d */
	rmdir(path);
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = 0;
	assert_int_equal(cprhold_secret_write(big, in, 0), -ENAMETOOLONG);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_park_memfd_validation),
		T(test_park_memfd_anywhere),
		T(test_park_memfd_at_address),
		T(test_park_memfd_range_taken),
		T(test_park_memfd_old_kernel_hint),
		T(test_park_memfd_replace),
		T(test_park_memfd_park_fails_undoes),
		T(test_park_memfd_memfd_fails),
		T(test_blob_round_trip),
		T(test_blob_empty),
		T(test_blob_refuses_unsealed),
		T(test_blob_store_errors),
		T(test_map_fixed),
		T(test_map_fixed_range_taken),
		T(test_map_fixed_old_kernel_hint),
		T(test_map_fixed_refusals),
		T(test_secret_parse),
		T(test_secret_files),
	};

	return cmocka_run_group_tests_name("libcprhold-helpers", tests, NULL, NULL);
}
