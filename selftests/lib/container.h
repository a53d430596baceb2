/* SPDX-License-Identifier: GPL-2.0 */
/*
 * container.h - run a function in a real "container": new user, mount,
 * pid, net, ipc and uts namespaces, its own root (a tmpfs entered with
 * pivot_root) holding only /dev/cprhold (bind-mounted) and /proc.
 */
#ifndef CPRHOLD_SELFTEST_CONTAINER_H
#define CPRHOLD_SELFTEST_CONTAINER_H

#include <sys/types.h>

struct ct_opts {
	uid_t host_uid;		/* the container's root is this uid outside */
	gid_t host_gid;		/* and this gid (give it the device's group) */
	const char *hostname;
	int userns_fd;		/* if >= 0: create the container's user
				 * namespace below this one; its root is
				 * then that namespace's root and
				 * host_uid/host_gid are not used */
};

/*
 * Run fn(arg) as pid 1 of a new container and return its exit status
 * (128 + signal if killed), or -errno if the container could not be made.
 */
int ct_run(const struct ct_opts *o, int (*fn)(void *), void *arg);

/* Prepare /dev/cprhold as the udev rule does: root:kvm 0660. */
int ct_prepare_device(gid_t *kvm_gid);

#endif
