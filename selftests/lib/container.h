/* SPDX-License-Identifier: GPL-2.0 */
/*
 * container.h - run a function in a real "container": new user, mount,
 * pid, net, ipc and uts namespaces, its own root (a tmpfs entered with
 * pivot_root) holding only /dev/cprhold (bind-mounted), /proc and the
 * device nodes the caller passes in (ct_opts.devices), the way a container
 * runtime passes a VMM its /dev/kvm or /dev/vfio/<group>.
 *
 * Device access inside follows the host's file modes: the container's root
 * is host_uid/host_gid outside, so give a node to that group (as
 * ct_prepare_device() does for /dev/cprhold with the kvm group) for the
 * container to open it.
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
	const char *const *devices;	/* NULL, or a NULL-terminated list of
				 * absolute paths of device nodes (e.g.
				 * "/dev/vfio/vfio") to bind-mount at the
				 * same path in the container's root */
};

/*
 * Run fn(arg) as pid 1 of a new container and return its exit status
 * (128 + signal if killed), or -errno if the container could not be made.
 * A container that fails to set itself up exits with 48..63 before fn runs
 * (59: a path in o->devices could not be bind-mounted).
 */
int ct_run(const struct ct_opts *o, int (*fn)(void *), void *arg);

/* Prepare /dev/cprhold as the udev rule does: root:kvm 0660. */
int ct_prepare_device(gid_t *kvm_gid);

#endif
