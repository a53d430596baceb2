// SPDX-License-Identifier: GPL-2.0
/*
 * vmm_ct - run a program (cprhold-vmm) as pid 1 of a real container:
 * selftests/lib/container.c's user, mount (own tmpfs root entered with
 * pivot_root), pid, net, ipc and uts namespaces, with /dev/cprhold and
 * nothing else of the host's file system.
 *
 *   vmm_ct [-n HOSTNAME] [-u UID] [-k] [-s DIR] -- PROGRAM [ARGS...]
 *
 *   -n  the container's hostname (default "container")
 *   -u  host uid of the container's root (default 100000); its gid is the
 *       kvm group, which may open /dev/cprhold (0660 root:kvm, as the udev
 *       rule makes it)
 *   -k  give the container /dev/kvm (also made 0660 root:kvm, as Debian's
 *       udev rules do), the way a runtime passes a VMM its device
 *   -s  give the container the host directory DIR as /shared (to pass the
 *       session's secret from one container to the next)
 *
 * The container's root holds no libraries, so PROGRAM must be statically
 * linked; it is opened before entering and executed with execveat().
 * /dev/kvm and /shared are symlinks to /proc/self/fd/N of descriptors
 * opened outside (O_PATH), which is all a bind mount would give here.
 * Exit status: PROGRAM's, or 48..63 if the container could not be set up
 * (see container.h), 70 + n for this tool's own setup failures.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../lib/container.h"

extern char **environ;

struct ct_args {
	int prog_fd;
	int kvm_fd;		/* O_PATH /dev/kvm, or -1 */
	int shared_fd;		/* O_PATH DIR, or -1 */
	char **argv;
};

static int fd_link(int fd, const char *path)
{
	char target[64];

	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	return symlink(target, path);
}

static int ct_main(void *p)
{
	struct ct_args *a = p;

	if (a->kvm_fd >= 0 && fd_link(a->kvm_fd, "/dev/kvm")) {
		perror("vmm_ct: /dev/kvm");
		return 71;
	}
	if (a->shared_fd >= 0 && fd_link(a->shared_fd, "/shared")) {
		perror("vmm_ct: /shared");
		return 72;
	}
	syscall(SYS_execveat, a->prog_fd, "", a->argv, environ, AT_EMPTY_PATH);
	perror("vmm_ct: execveat");
	return 73;
}

static int usage(void)
{
	fprintf(stderr, "usage: vmm_ct [-n HOSTNAME] [-u UID] [-k] [-s DIR] -- PROGRAM [ARGS...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct ct_opts o = { .host_uid = 100000, .hostname = "container", .userns_fd = -1 };
	struct ct_args a = { .kvm_fd = -1, .shared_fd = -1 };
	bool kvm = false;
	const char *shared = NULL;
	int c, rc;

	while ((c = getopt(argc, argv, "+n:u:ks:")) != -1) {
		switch (c) {
		case 'n':
			o.hostname = optarg;
			break;
		case 'u':
			o.host_uid = strtoul(optarg, NULL, 0);
			break;
		case 'k':
			kvm = true;
			break;
		case 's':
			shared = optarg;
			break;
		default:
			return usage();
		}
	}
	if (optind >= argc)
		return usage();
	a.argv = argv + optind;

	if (ct_prepare_device(&o.host_gid)) {
		fprintf(stderr, "vmm_ct: /dev/cprhold: cannot make it root:kvm 0660\n");
		return 74;
	}
	if (kvm) {
		/* As Debian's udev rules: root:kvm 0660. */
		if (chown("/dev/kvm", 0, o.host_gid) || chmod("/dev/kvm", 0660)) {
			perror("vmm_ct: /dev/kvm");
			return 75;
		}
		a.kvm_fd = open("/dev/kvm", O_PATH);
		if (a.kvm_fd < 0) {
			perror("vmm_ct: /dev/kvm");
			return 75;
		}
	}
	if (shared) {
		a.shared_fd = open(shared, O_PATH | O_DIRECTORY);
		if (a.shared_fd < 0) {
			fprintf(stderr, "vmm_ct: %s: %s\n", shared, strerror(errno));
			return 76;
		}
	}
	a.prog_fd = open(a.argv[0], O_PATH | O_CLOEXEC);
	if (a.prog_fd < 0) {
		fprintf(stderr, "vmm_ct: %s: %s\n", a.argv[0], strerror(errno));
		return 77;
	}
	fflush(NULL);
	rc = ct_run(&o, ct_main, &a);
	if (rc < 0) {
		fprintf(stderr, "vmm_ct: no container: %s\n", strerror(-rc));
		return 78;
	}
	return rc;
}
