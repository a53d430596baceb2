// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * helpers.c - what a VMM needs on top of the raw operations: guest memory
 * as a parked memfd with its address, sealed state blobs, and mapping a
 * parked memfd back at the address its old owner used.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* The seals that make a blob immutable for good. */
#define CH_BLOB_SEALS (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL)

#define CH_MEMFD_FLAGS (CPRHOLD_MEMFD_HUGETLB | CPRHOLD_MEMFD_REPLACE | \
			CPRHOLD_MEMFD_SEAL_SIZE)

static int page_aligned(const void *addr)
{
	long ps = sysconf(_SC_PAGESIZE);

	return !((uintptr_t)addr & (uintptr_t)(ps > 0 ? ps - 1 : 4095));
}

/* Close @fd keeping errno (the caller's error) intact. */
static void close_keep_errno(int fd)
{
	int saved = errno;

	close(fd);
	errno = saved;
}

int cprhold_park_memfd(int sfd, uint64_t token, const char *label, size_t size,
		       void *addr, unsigned int flags, void **out_addr)
{
	char name[CPRHOLD_LABEL_MAX];
	unsigned int mfd_flags = MFD_CLOEXEC;
	int fd, mflags, ret;
	void *p;

	if (!out_addr || !size || (flags & ~(unsigned int)CH_MEMFD_FLAGS))
		return -EINVAL;
	if (addr && !page_aligned(addr))
		return -EINVAL;
	if ((flags & CPRHOLD_MEMFD_REPLACE) && !addr)
		return -EINVAL;
	ret = __cprhold_copy_name(name, sizeof(name), label ? label : "");
	if (ret)
		return ret;

	if (flags & CPRHOLD_MEMFD_HUGETLB)
		mfd_flags |= MFD_HUGETLB;
	if (flags & CPRHOLD_MEMFD_SEAL_SIZE)
		mfd_flags |= MFD_ALLOW_SEALING;
	fd = memfd_create(name[0] ? name : "cprhold", mfd_flags);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size))
		goto err_close;
	if ((flags & CPRHOLD_MEMFD_SEAL_SIZE) &&
	    fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK))
		goto err_close;

	mflags = MAP_SHARED;
	if (addr)
		mflags |= flags & CPRHOLD_MEMFD_REPLACE ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	p = mmap(addr, size, PROT_READ | PROT_WRITE, mflags, fd, 0);
	if (p == MAP_FAILED)
		goto err_close;
	if (addr && p != addr) {
		/* A kernel without MAP_FIXED_NOREPLACE took it as a hint. */
		munmap(p, size);
		close(fd);
		return -EEXIST;
	}

	ret = cprhold_park_one(sfd, fd, token, name, p, NULL);
	if (ret) {
		if (flags & CPRHOLD_MEMFD_REPLACE)
			/* Give the caller's reservation back, not a hole. */
			mmap(p, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
			     MAP_FIXED | MAP_NORESERVE, -1, 0);
		else
			munmap(p, size);
		close(fd);
		return ret;
	}
	*out_addr = p;
	return fd;

err_close:
	close_keep_errno(fd);
	return -errno;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	off_t off = 0;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!n)
			return -EIO;
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, void *data, size_t len)
{
	char *p = data;
	off_t off = 0;

	while (len) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!n)
			return -EIO;	/* cannot happen: the size is sealed */
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

int cprhold_blob_store(int sfd, uint64_t token, const char *label,
		       const void *data, size_t len)
{
	char name[CPRHOLD_LABEL_MAX];
	int fd, ret;

	if (!data && len)
		return -EINVAL;
	ret = __cprhold_copy_name(name, sizeof(name), label ? label : "");
	if (ret)
		return ret;
	fd = memfd_create(name[0] ? name : "cprhold-blob",
			  MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	/*
	 * Written with pwrite(), never mapped: F_SEAL_WRITE is refused while
	 * a writable shared mapping exists.
	 */
	if (ftruncate(fd, (off_t)len)) {
		ret = -errno;
		goto out;
	}
	ret = write_all(fd, data, len);
	if (ret)
		goto out;
	if (fcntl(fd, F_ADD_SEALS, CH_BLOB_SEALS)) {
		ret = -errno;
		goto out;
	}
	ret = cprhold_park_one(sfd, fd, token, name, NULL, NULL);
out:
	close(fd);
	return ret;
}

/*
 * Retrieve a blob: an fd whose seals are all of CH_BLOB_SEALS, and its
 * size.  Returns the fd or -errno.
 */
static int blob_open(int sfd, uint64_t token, size_t *len)
{
	struct stat st;
	int fd, seals, ret;

	fd = cprhold_retrieve_one(sfd, token, 0);
	if (fd < 0)
		return fd;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0) {
		/* EINVAL: not a file that knows seals (not a memfd). */
		ret = errno == EINVAL ? -EMEDIUMTYPE : -errno;
		goto err;
	}
	if ((seals & CH_BLOB_SEALS) != CH_BLOB_SEALS) {
		ret = -EPERM;
		goto err;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		goto err;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > (uint64_t)SIZE_MAX) {
		ret = -EFBIG;
		goto err;
	}
	*len = (size_t)st.st_size;
	return fd;
err:
	close(fd);
	return ret;
}

int cprhold_blob_fetch(int sfd, uint64_t token, void **data, size_t *len)
{
	void *buf = NULL;
	size_t size;
	int fd, ret;

	if (!data || !len)
		return -EINVAL;
	*data = NULL;
	*len = 0;
	fd = blob_open(sfd, token, &size);
	if (fd < 0)
		return fd;
	if (size) {
		buf = malloc(size);
		if (!buf) {
			ret = -ENOMEM;
			goto out;
		}
		ret = read_all(fd, buf, size);
		if (ret) {
			free(buf);
			goto out;
		}
	}
	*data = buf;
	*len = size;
	ret = 0;
out:
	close(fd);
	return ret;
}

int cprhold_blob_map(int sfd, uint64_t token, const void **addr, size_t *len)
{
	size_t size;
	void *p = NULL;
	int fd, ret = 0;

	if (!addr || !len)
		return -EINVAL;
	*addr = NULL;
	*len = 0;
	fd = blob_open(sfd, token, &size);
	if (fd < 0)
		return fd;
	if (size) {
		/*
		 * Shared and read-only: with F_SEAL_WRITE the kernel also
		 * refuses to make it writable later (no VM_MAYWRITE).
		 */
		p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			ret = -errno;
	}
	close(fd);
	if (ret)
		return ret;
	*addr = p;
	*len = size;
	return 0;
}

static int is_memory_type(uint32_t type)
{
	switch (type) {
	case CPRHOLD_ENTRY_MEMFD:
	case CPRHOLD_ENTRY_SHMEM:
	case CPRHOLD_ENTRY_HUGETLBFS:
	case CPRHOLD_ENTRY_REGULAR:
		return 1;
	default:
		return 0;
	}
}

int cprhold_map_fixed(int sfd, uint64_t token, int prot, uint32_t flags,
		      void **addr, size_t *len)
{
	struct cprhold_entry e;
	void *want, *p;
	int fd, ret;

	if (!addr)
		return -EINVAL;
	ret = cprhold_find_entry(sfd, token, &e);
	if (ret)
		return ret;
	if (!(e.flags & CPRHOLD_ENTRY_ADDR))
		return -ENXIO;
	if (!is_memory_type(e.type))
		return -EMEDIUMTYPE;
	if (!e.data.mem.size)
		return -EINVAL;
	if (e.data.mem.size > (uint64_t)SIZE_MAX ||
	    e.addr > (uint64_t)UINTPTR_MAX)
		return -EFBIG;
	want = (void *)(uintptr_t)e.addr;

	fd = cprhold_retrieve_one(sfd, token, flags);
	if (fd < 0)
		return fd;
	p = mmap(want, (size_t)e.data.mem.size, prot,
		 MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if (p != want) {
		/* Before 4.17 the flag is unknown and only a hint. */
		munmap(p, (size_t)e.data.mem.size);
		close(fd);
		return -EEXIST;
	}
	*addr = p;
	if (len)
		*len = (size_t)e.data.mem.size;
	return fd;
}
