// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"

#define CT_STACK (1 << 20)

struct ct_ctx {
	const struct ct_opts *o;
	int (*fn)(void *);
	void *arg;
	int sync[2];		/* parent -> child: maps are written */
};

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Map the container's root.  Only a process in the container's parent user
 * namespace (or the container itself) may write the maps, and it gives the
 * outside ids as that namespace sees them.
 */
static int ct_write_maps(pid_t pid, uid_t uid, gid_t gid)
{
	char path[64], map[64];
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
	write_file(path, "deny");
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	snprintf(map, sizeof(map), "0 %u 1\n", uid);
	ret = write_file(path, map);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	snprintf(map, sizeof(map), "0 %u 1\n", gid);
	return write_file(path, map);
}

/*
 * Bind-mount the device node @dev (an absolute path) at the same path under
 * @root, creating the directories on the way.  Only plain paths: no "..",
 * no "//" tricks, at most 127 characters.
 */
static int ct_bind_device(const char *root, const char *dev)
{
	char path[256];
	size_t rl = strlen(root), i;
	struct stat st;

	if (dev[0] != '/' || strstr(dev, "/../") || strstr(dev, "//") ||
	    strlen(dev) > 127 || stat(dev, &st) ||
	    (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)))
		return -1;
	snprintf(path, sizeof(path), "%s%s", root, dev);
	for (i = rl + 1; path[i]; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return -1;
		path[i] = '/';
	}
	close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	return mount(dev, path, NULL, MS_BIND, NULL) ? -1 : 0;
}

/*
 * The new root: tmpfs with dev/cprhold and the requested device nodes
 * bind-mounted, proc, pivot_root.
 */
static int ct_enter_root(const char *hostname, const char *const *devices)
{
	char root[64], path[128];

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return 50;
	snprintf(root, sizeof(root), "/tmp/ct-root-%d", (int)syscall(SYS_gettid));
	if (mkdir(root, 0755) && errno != EEXIST)
		return 51;
	if (mount("ctroot", root, "tmpfs", 0, "mode=0755"))
		return 52;
	snprintf(path, sizeof(path), "%s/dev", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/proc", root);
	mkdir(path, 0555);
	snprintf(path, sizeof(path), "%s/oldroot", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/dev/cprhold", root);
	close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	if (mount("/dev/cprhold", path, NULL, MS_BIND, NULL))
		return 53;
	for (; devices && *devices; devices++)
		if (ct_bind_device(root, *devices))
			return 59;
	snprintf(path, sizeof(path), "%s/oldroot", root);
	if (syscall(SYS_pivot_root, root, path))
		return 54;
	if (chdir("/"))
		return 55;
	/*
	 * A user namespace may mount proc only while a fully visible proc is
	 * in its mount namespace: mount it before the old root goes.
	 */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return 57;
	if (umount2("/oldroot", MNT_DETACH) || rmdir("/oldroot"))
		return 56;
	if (sethostname(hostname, strlen(hostname)))
		return 58;
	return 0;
}

static int ct_child(void *p)
{
	struct ct_ctx *c = p;
	char x;
	int rc;

	close(c->sync[1]);
	if (read(c->sync[0], &x, 1) != 1)
		_exit(49);
	close(c->sync[0]);
	if (setresgid(0, 0, 0) || setresuid(0, 0, 0))
		_exit(48);
	rc = ct_enter_root(c->o->hostname ? c->o->hostname : "container",
			   c->o->devices);
	if (rc)
		_exit(rc);
	_exit(c->fn(c->arg));
}

int ct_run(const struct ct_opts *o, int (*fn)(void *), void *arg)
{
	int flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET |
		    CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD;
	struct ct_ctx c = { .o = o, .fn = fn, .arg = arg };
	void *stack;
	pid_t pid, helper = 0;
	int st, ret = 0;

	if (pipe2(c.sync, O_CLOEXEC))
		return -errno;
	stack = mmap(NULL, CT_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -errno;

	if (o->userns_fd >= 0) {
		/*
		 * The container's user namespace must be a child of the given
		 * one: clone it from a helper process that joined it.
		 */
		int rp[2];

		if (pipe2(rp, O_CLOEXEC))
			return -errno;
		helper = fork();
		if (helper == 0) {
			close(rp[0]);
			/*
			 * Join T, then become its root: a user namespace can
			 * only be created by an id mapped in its parent.
			 */
			if (setns(o->userns_fd, CLONE_NEWUSER) ||
			    setresgid(0, 0, 0) || setresuid(0, 0, 0))
				_exit(60);
			/*
			 * Changing uid made us non-dumpable, and with us the
			 * clone: its /proc files would belong to the real root
			 * and we could not write its maps.
			 */
			if (prctl(PR_SET_DUMPABLE, 1))
				_exit(60);
			pid = clone(ct_child, (char *)stack + CT_STACK, flags, &c);
			if (pid < 0)
				pid = -errno;	/* reported as such */
			/* In T: the container's root is T's root. */
			if (pid > 0 && (ct_write_maps(pid, 0, 0) ||
					write(c.sync[1], "g", 1) != 1)) {
				kill(pid, SIGKILL);
				pid = -EPERM;
			}
			if (write(rp[1], &pid, sizeof(pid)) != sizeof(pid))
				_exit(61);
			if (pid < 0)
				_exit(62);
			close(c.sync[0]);
			close(c.sync[1]);
			/* Wait for the map, then reap and forward the status. */
			if (waitpid(pid, &st, 0) != pid)
				_exit(63);
			_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		}
		close(rp[1]);
		if (read(rp[0], &pid, sizeof(pid)) != sizeof(pid))
			pid = -ECHILD;
		close(rp[0]);
		if (pid < 0)
			errno = -pid;
	} else {
		pid = clone(ct_child, (char *)stack + CT_STACK, flags, &c);
	}
	close(c.sync[0]);
	if (pid < 0) {
		/* Never report success for a container that did not run. */
		ret = errno ? -errno : -ECHILD;
		if (helper)
			waitpid(helper, NULL, 0);
		close(c.sync[1]);
		goto out;
	}
	/* Map the container's root to the host uid/gid it should have. */
	if (!helper) {
		ret = ct_write_maps(pid, o->host_uid, o->host_gid);
		if (ret)
			kill(pid, SIGKILL);
		else if (write(c.sync[1], "g", 1) != 1)
			ret = -EIO;
	}
	close(c.sync[1]);
	if (helper) {
		if (waitpid(helper, &st, 0) != helper)
			ret = ret ? ret : -ECHILD;
	} else if (waitpid(pid, &st, 0) != pid) {
		ret = ret ? ret : -ECHILD;
	}
	if (!ret)
		ret = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
out:
	munmap(stack, CT_STACK);
	return ret;
}

int ct_prepare_device(gid_t *kvm_gid)
{
	struct group *g = getgrnam("kvm");

	if (!g)
		return -ENOENT;
	*kvm_gid = g->gr_gid;
	if (chown("/dev/cprhold", 0, g->gr_gid) || chmod("/dev/cprhold", 0660))
		return -errno;
	return 0;
}
