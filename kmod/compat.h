/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels cprhold supports (Debian 6.1 and 6.12
 * LTS).  Features are probed from the kernel headers by kmod/Kbuild, so a
 * backport that changes an API is followed without a version table.
 */
#ifndef _CPRHOLD_COMPAT_H
#define _CPRHOLD_COMPAT_H

#include <linux/file.h>
#include <linux/uaccess.h>

/*
 * Install a new fd to @file in the current task and store its number at
 * @ufd, as SCM_RIGHTS does: runs the LSM file_receive hook and updates a
 * socket's cgroup data.  Newer kernels store the number before they
 * install the fd (a fault installs nothing); 6.1 exports only
 * receive_fd(file, flags), so there the number is stored after, and a
 * fault leaves the fd installed (never closed: another thread may have
 * replaced it already).  Returns the fd or -errno.
 */
static inline int cprhold_receive_fd_user(struct file *file, int __user *ufd,
					  unsigned int o_flags)
{
#ifdef CPRHOLD_HAVE_RECEIVE_FD_UFD
	return receive_fd(file, ufd, o_flags);
#else
	int fd = receive_fd(file, o_flags);

	if (fd >= 0 && put_user(fd, ufd))
		return -EFAULT;
	return fd;
#endif
}

#endif /* _CPRHOLD_COMPAT_H */
