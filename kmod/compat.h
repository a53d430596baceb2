/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels cprhold supports (Debian 6.1 and 6.12
 * LTS).  Features are probed from the kernel headers by kmod/Kbuild, so a
 * backport that changes an API is followed without a version table.
 */
#ifndef _CPRHOLD_COMPAT_H
#define _CPRHOLD_COMPAT_H

#include <linux/file.h>

/*
 * Install a new fd to @file in the current task, as SCM_RIGHTS and
 * pidfd_getfd() do: runs the LSM file_receive hook and updates a
 * socket's cgroup data.  6.1 has receive_fd(file, flags); newer kernels
 * take a user pointer to store the fd in first.
 */
static inline int cprhold_receive_fd(struct file *file, unsigned int o_flags)
{
#ifdef CPRHOLD_HAVE_RECEIVE_FD_UFD
	return receive_fd(file, NULL, o_flags);
#else
	return receive_fd(file, o_flags);
#endif
}

#endif /* _CPRHOLD_COMPAT_H */
