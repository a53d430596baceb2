/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib.h - libcprhold internals shared by the source files (and the unit
 * tests, which check the size tables).  Nothing here is exported: the
 * version script exports cprhold_* only, and these names are hidden.
 */
#ifndef LIBCPRHOLD_LIB_H
#define LIBCPRHOLD_LIB_H

#include <stddef.h>
#include <stdint.h>

#include "libcprhold.h"

#define __hidden __attribute__((visibility("hidden")))

/*
 * The mandatory part of each command's struct: what the kernel requires
 * at least (smaller is EINVAL).  Only CPRHOLD_CREATE's is shorter than its
 * v1 struct: the TTL and the user namespace are optional.
 */
#define CPRHOLD_CREATE_SIZE_MIN		CPRHOLD_CREATE_SIZE_VER0

_Static_assert(sizeof(struct cprhold_create) >= CPRHOLD_CREATE_SIZE_V1,
	       "struct cprhold_create shrank below the library's v1");
_Static_assert(sizeof(struct cprhold_entry) >= CPRHOLD_ENTRY_SIZE_V1,
	       "struct cprhold_entry shrank below v1");

/**
 * struct ch_sizes - the layouts one command's struct is known in
 * @size: the library's (the uAPI header it was built with)
 * @v1: the v1 layout
 * @min: the command's mandatory part
 */
struct ch_sizes {
	uint32_t size;
	uint32_t v1;
	uint32_t min;
};

extern const struct ch_sizes __cprhold_sz_create __hidden;
extern const struct ch_sizes __cprhold_sz_claim __hidden;
extern const struct ch_sizes __cprhold_sz_destroy __hidden;
extern const struct ch_sizes __cprhold_sz_list_sessions __hidden;
extern const struct ch_sizes __cprhold_sz_park __hidden;
extern const struct ch_sizes __cprhold_sz_list __hidden;
extern const struct ch_sizes __cprhold_sz_info __hidden;
extern const struct ch_sizes __cprhold_sz_op __hidden;
extern const struct ch_sizes __cprhold_sz_retrieve __hidden;

/*
 * Issue one cprhold ioctl with size negotiation: @arg starts with the
 * __u32 size, which is set here.  Returns 0 or -errno.
 */
int __cprhold_ioctl(int fd, unsigned long cmd, void *arg,
		    const struct ch_sizes *sz) __hidden;

/* Copy @src into the zeroed array @dst of @size bytes; -ENAMETOOLONG. */
int __cprhold_copy_name(char *dst, size_t size, const char *src) __hidden;

#endif /* LIBCPRHOLD_LIB_H */
