/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake_kernel.h - a small model of the cprhold module behind the linker's
 * --wrap=ioctl (and mmap, munmap, memfd_create, poll wrappers with knobs), so
 * that the unit tests run the library against the uAPI's rules on a host
 * without the module.
 *
 * The model follows Documentation/userspace-api/cprhold.rst: size-first
 * structs (shorter than the mandatory part: EINVAL; longer than the
 * kernel's with a non-zero tail: E2BIG), one session with its state
 * machine and the roles of the creator's and the claimer's session fds,
 * parked entries holding real dup()ed files, token-ordered
 * listings in pages, retrieve as dup().
 */
#ifndef LIBCPRHOLD_FAKE_KERNEL_H
#define LIBCPRHOLD_FAKE_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "libcprhold.h"

#define FK_MAX_CALLS	64
#define FK_MAX_ENTRIES	256
#define FK_NR_CMDS	0x30

struct fk_call {
	int fd;
	unsigned long cmd;
	uint32_t size;			/* the size the library sent */
	unsigned char arg[256] __attribute__((aligned(8)));	/* the request */
};

struct fk_entry {
	struct cprhold_entry e;
	int file;			/* the session's reference: a dup() */
};

struct fk_mmap_call {
	void *addr;
	size_t len;
	int prot;
	int flags;
	int fd;
	void *ret;
};

enum fk_mmap_mode {
	FK_MMAP_REAL = 0,	/* pass through */
	FK_MMAP_FAIL,		/* fail with fk.mmap_errno */
	FK_MMAP_HINT,		/* a kernel without MAP_FIXED_NOREPLACE: the
				 * address is a hint, and is not taken */
};

struct fake_kernel {
	/* knobs */
	uint32_t kernel_size[FK_NR_CMDS];	/* the emulated kernel's struct
						 * size per command nr; 0: ours */
	int strict_size;	/* E2BIG for any larger struct, even a zero tail */
	unsigned long fail_cmd;	/* fail this command with fail_errno */
	int fail_errno;
	uint32_t page_max;	/* listing page limit (64) */
	int bogus_count;	/* answer listings with count + 1 */
	uint32_t nsessions;	/* sessions LIST_SESSIONS reports */
	enum fk_mmap_mode mmap_mode;
	int mmap_errno;
	int memfd_errno;	/* memfd_create() fails with it if set */
	/* poll() (--wrap=poll): each call that sleeps applies the next
	 * state of the script, as another process would, and reports the fd
	 * readable; after the script it times out.  The first poll_eintr
	 * calls fail with EINTR instead. */
	uint32_t poll_script[8];
	int npoll_script;
	int poll_eintr;

	/* what the library did */
	int ncalls;
	struct fk_call calls[FK_MAX_CALLS];
	int nmmap;
	struct fk_mmap_call mmaps[16];
	int nmunmap;
	struct fk_mmap_call munmaps[16];
	int npoll;
	int poll_timeouts[16];	/* the timeout of each poll() call */
	int nmemfd;
	char memfd_name[64];
	unsigned int memfd_flags;

	/* the session */
	int exists;
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	uint32_t state;
	uint32_t create_flags;
	uint64_t ttl_ms;
	int32_t userns_fd;
	int nentries;
	struct fk_entry entries[FK_MAX_ENTRIES];
	int creator_fd;		/* the fd PARK and SEAL need */
	int claimer_fd;		/* the fd holding the claim, -1 if none */
	int fds[8];		/* session fds handed out, closed by fk_reset() */
	int nfds;
};

extern struct fake_kernel fk;

/* Back to a fresh kernel: no session, default knobs, log cleared. */
void fk_reset(void);

/* The n-th recorded ioctl request as its struct (NULL past the log). */
const void *fk_arg(int n);

/* Number of recorded calls of @cmd. */
int fk_count(unsigned long cmd);

/* Open fds of this process right now. */
int fk_open_fds(void);

/* A page-aligned range of @len bytes that is free right now. */
void *fk_free_range(size_t len);

#endif /* LIBCPRHOLD_FAKE_KERNEL_H */
