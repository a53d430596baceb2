// SPDX-License-Identifier: GPL-2.0
/*
 * fdbench - what it costs to hand N open files to a successor process.
 *
 * The files are a mix like a VMM's (per 16: 3 memfds, 6 eventfds, 4
 * sockets, 3 VFIO fds: container opens, dups of the edu group and of its
 * device fd, as one QEMU holds one group fd and one device fd).  Methods:
 *
 *  cprhold   park the batch (as an fd array, cprhold_park_fds(): tokens
 *            1..N), seal, hand name and secret to the successor, which
 *            claims and retrieves the batch (as a token range,
 *            cprhold_retrieve_range())
 *  scm       SCM_RIGHTS over a UNIX stream socket, 253 fds (SCM_MAX_FD)
 *            per message, the successor receives with MSG_CMSG_CLOEXEC
 *  scm1      SCM_RIGHTS one fd per message with a one-byte payload: what
 *            QEMU 10's cpr-transfer does (qemu_file_put_fd())
 *  pidfd     the successor pulls each fd with pidfd_getfd()
 *  dup       dup() of each fd in the same process: the floor
 *
 * The time of a run is from the old side's first step to the moment the
 * successor holds every fd; the successor then checks (outside the time)
 * that each fd is the very file sent, in order.  cprhold also reports the
 * phase "cprhold.park" (park + seal, old side) and "cprhold.retrieve"
 * (claim + retrieve, from the successor's wake-up).
 *
 * Usage: fdbench [-r REPS] [-m METHODS] [-c CPU] [N...]
 *	REPS runs per point after one warm-up (default 7), METHODS a
 *	comma-separated subset (default cprhold,scm,scm1,pidfd,dup), N fd
 *	counts (default 1 16 64 256 1024).  Everything runs on CPU (default
 *	0, -1 for any: see pin_cpu()).  VFIO: $CPRHOLD_VFIO_GROUP and
 *	$CPRHOLD_EDU (set by the test VM); without them the VFIO share is
 *	container fds only, without /dev/vfio/vfio eventfds.
 */
#include <fcntl.h>
#include <linux/vfio.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <netinet/in.h>

#include <libcprhold.h>

#include "bench.h"

#define MAX_FDS		4096
#define SCM_MAX		253	/* SCM_MAX_FD in include/net/scm.h */

struct fdid {
	int32_t fd;
	uint32_t pad;
	uint64_t dev;
	uint64_t ino;
};

static int vfio_group = -1, vfio_device = -1;
static int vfio_kind;
static int pool[MAX_FDS];
static struct fdid ids[MAX_FDS];

/* ---- the fd mix ---------------------------------------------------- */

static void vfio_setup(void)
{
	const char *g = getenv("CPRHOLD_VFIO_GROUP"), *dev = getenv("CPRHOLD_EDU");
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[64];
	int c;

	if (access("/dev/vfio/vfio", R_OK | W_OK)) {
		fprintf(stderr, "fdbench: no /dev/vfio/vfio: the VFIO share is eventfds\n");
		return;
	}
	if (!g || !*g) {
		fprintf(stderr, "fdbench: no CPRHOLD_VFIO_GROUP: the VFIO share is container fds\n");
		return;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%s", g);
	vfio_group = open(path, O_RDWR | O_CLOEXEC);
	if (vfio_group < 0)
		die("open %s", path);
	if (ioctl(vfio_group, VFIO_GROUP_GET_STATUS, &st) ||
	    !(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		die("VFIO group %s is not viable", g);
	c = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (c < 0)
		die("open /dev/vfio/vfio");
	if (ioctl(vfio_group, VFIO_GROUP_SET_CONTAINER, &c))
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) &&
	    ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU))
		die("VFIO_SET_IOMMU");
	if (dev && *dev) {
		vfio_device = ioctl(vfio_group, VFIO_GROUP_GET_DEVICE_FD, dev);
		if (vfio_device < 0)
			die("VFIO_GROUP_GET_DEVICE_FD %s", dev);
	}
	/* The container stays open through the group's reference. */
	close(c);
}

static int open_vfio(void)
{
	int kinds = vfio_device >= 0 ? 3 : vfio_group >= 0 ? 2 : 1;
	int k = vfio_kind++ % kinds, fd;

	if (access("/dev/vfio/vfio", F_OK))
		return eventfd(0, EFD_CLOEXEC);
	switch (k) {
	case 1:
		return fcntl(vfio_group, F_DUPFD_CLOEXEC, 0);
	case 2:
		return fcntl(vfio_device, F_DUPFD_CLOEXEC, 0);
	default:
		fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
		return fd;
	}
}

/* Per 16 fds: M memfd, E eventfd, S socket, V VFIO. */
static const char mix[] = "MESEVEMSEVESMESV";

static void make_pool(int n)
{
	int i, sp[2] = { -1, -1 }, half = 0;
	struct stat st;

	for (i = 0; i < n; i++) {
		int fd = -1;

		switch (mix[i % 16]) {
		case 'M':
			fd = memfd_create("guest-ram", MFD_CLOEXEC);
			if (fd >= 0 && ftruncate(fd, 1 << 20))
				die("ftruncate");
			break;
		case 'E':
			fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			break;
		case 'S':
			/* UNIX socket pairs (chardevs, vhost-user) and TCP. */
			if ((i / 16) % 4 == 3) {
				fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
				break;
			}
			if (!half && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp))
				die("socketpair");
			fd = sp[half];
			half ^= 1;
			break;
		case 'V':
			fd = open_vfio();
			break;
		}
		if (fd < 0)
			die("making fd %d (%c)", i, mix[i % 16]);
		pool[i] = fd;
		if (fstat(fd, &st))
			die("fstat");
		ids[i].fd = fd;
		ids[i].dev = st.st_dev;
		ids[i].ino = st.st_ino;
	}
	if (half)
		close(sp[1]);
}

static void free_pool(int n)
{
	int i;

	for (i = 0; i < n; i++)
		close(pool[i]);
}

/* ---- the successor --------------------------------------------------- */

static int verify(const int *fds, int n, const struct fdid *want)
{
	struct stat st;
	int i;

	for (i = 0; i < n; i++) {
		if (fstat(fds[i], &st) || st.st_dev != want[i].dev ||
		    st.st_ino != want[i].ino)
			return i;
	}
	return n;
}

static ssize_t scm_recv(int sock, int *fds, int max)
{
	char buf[1];
	union {
		char b[CMSG_SPACE(SCM_MAX * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { buf, 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.b, .msg_controllen = sizeof(u.b),
	};
	struct cmsghdr *c;
	ssize_t r;
	int got = 0;

	r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	if (r <= 0)
		return -1;
	if (m.msg_flags & MSG_CTRUNC)
		return -1;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		int k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (got + k > max)
			return -1;
		memcpy(fds + got, CMSG_DATA(c), k * sizeof(int));
		got += k;
	}
	return got;
}

/* argv: --child METHOD N; fd 3 the control socket, fd 4 the data socket */
static int child_main(const char *method, int n)
{
	static struct fdid want[MAX_FDS];
	static int fds[MAX_FDS];
	struct report rep = { 0 };
	int ctl = 3, data = 4, i, got, ret;
	const char ready = 'R';

	ctl_recv(ctl, want, n * sizeof(*want));
	if (!strcmp(method, "cprhold")) {
		struct { char name[CPRHOLD_NAME_MAX]; uint8_t secret[CPRHOLD_SECRET_SIZE]; } h;
		int cfd = cprhold_open(0), sfd;

		if (cfd < 0)
			die_neg(cfd, "cprhold_open");
		ctl_send(ctl, &ready, 1);
		ctl_recv(ctl, &h, sizeof(h));
		rep.t_phase = now_ns();
		sfd = cprhold_claim(cfd, h.name, h.secret, 0);
		if (sfd < 0)
			die_neg(sfd, "cprhold_claim");
		ret = cprhold_retrieve_range(sfd, 1, fds, n, 0);
		if (ret)
			die_neg(ret, "cprhold_retrieve_range");
		rep.t_done = now_ns();
		rep.t_phase = rep.t_done - rep.t_phase;
		ret = cprhold_finish(sfd);
		if (ret)
			die_neg(ret, "cprhold_finish");
	} else if (!strcmp(method, "scm") || !strcmp(method, "scm1")) {
		ctl_send(ctl, &ready, 1);
		for (got = 0; got < n; got += ret) {
			ret = scm_recv(data, fds + got, n - got);
			if (ret <= 0) {
				errno = 0;
				die("scm_recv after %d fds", got);
			}
		}
		rep.t_done = now_ns();
	} else if (!strcmp(method, "pidfd")) {
		int pidfd = syscall(SYS_pidfd_open, getppid(), 0);
		char go;

		if (pidfd < 0)
			die("pidfd_open");
		ctl_send(ctl, &ready, 1);
		ctl_recv(ctl, &go, 1);
		for (i = 0; i < n; i++) {
			fds[i] = syscall(SYS_pidfd_getfd, pidfd, want[i].fd, 0);
			if (fds[i] < 0)
				die("pidfd_getfd %d", want[i].fd);
		}
		rep.t_done = now_ns();
	} else {
		errno = 0;
		die("unknown method %s", method);
	}
	rep.ok = verify(fds, n, want);
	ctl_send(ctl, &rep, sizeof(rep));
	return rep.ok == n ? 0 : 1;
}

/* ---- the old side ---------------------------------------------------- */

static char *self_name;

static void scm_send(int sock, const int *fds, int k)
{
	union {
		char b[CMSG_SPACE(SCM_MAX * sizeof(int))];
		struct cmsghdr align;
	} u;
	char byte = ' ';
	struct iovec iov = { &byte, 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.b, .msg_controllen = CMSG_SPACE(k * sizeof(int)),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(k * sizeof(int));
	memcpy(CMSG_DATA(c), fds, k * sizeof(int));
	if (sendmsg(sock, &m, 0) != 1)
		die("sendmsg of %d fds", k);
}

static uint64_t run_dup(int n)
{
	static int out[MAX_FDS];
	uint64_t t0, t1;
	int i;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		out[i] = dup(pool[i]);
		if (out[i] < 0)
			die("dup");
	}
	t1 = now_ns();
	for (i = 0; i < n; i++)
		close(out[i]);
	return t1 - t0;
}

/* One handover of pool[0..n-1] to a fresh successor; returns ns. */
static uint64_t run_one(const char *method, int n, int rep, uint64_t *phase)
{
	static int seq;
	int ctl[2], data[2] = { -1, -1 }, keep[2], ctl_fd, ret, i;
	char nbuf[16], mbuf[16];
	char *argv[] = { self_name, "--child", mbuf, nbuf, NULL };
	struct report r;
	uint64_t t0, t_sealed = 0;
	char ready;
	pid_t pid;
	int cfd = -1, sfd = -1;
	struct { char name[CPRHOLD_NAME_MAX]; uint8_t secret[CPRHOLD_SECRET_SIZE]; } h;

	if (!strcmp(method, "dup"))
		return run_dup(n);

	snprintf(mbuf, sizeof(mbuf), "%s", method);
	snprintf(nbuf, sizeof(nbuf), "%d", n);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl))
		die("socketpair");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, data))
		die("socketpair");
	keep[0] = ctl[1];
	keep[1] = data[1];
	pid = spawn_child(argv, keep, 2);
	close(ctl[1]);
	close(data[1]);
	ctl_fd = ctl[0];
	ctl_send(ctl_fd, ids, n * sizeof(*ids));

	/* Preparation outside the time: the session, as a socket would be. */
	if (!strcmp(method, "cprhold")) {
		memset(&h, 0, sizeof(h));
		snprintf(h.name, sizeof(h.name), "fdbench-%d-%d", getpid(), seq++);
		cfd = cprhold_open(0);
		if (cfd < 0)
			die_neg(cfd, "cprhold_open");
		sfd = cprhold_create(cfd, h.name, 0, 0, -1, h.secret);
		if (sfd < 0)
			die_neg(sfd, "cprhold_create");
	}
	ctl_recv(ctl_fd, &ready, 1);

	t0 = now_ns();
	if (!strcmp(method, "cprhold")) {
		ret = cprhold_park_fds(sfd, pool, n, 1);
		if (ret)
			die_neg(ret, "cprhold_park_fds of %d fds", n);
		ret = cprhold_seal(sfd);
		if (ret)
			die_neg(ret, "cprhold_seal");
		t_sealed = now_ns();
		ctl_send(ctl_fd, &h, sizeof(h));
	} else if (!strcmp(method, "scm")) {
		for (i = 0; i < n; i += SCM_MAX)
			scm_send(data[0], pool + i, n - i < SCM_MAX ? n - i : SCM_MAX);
	} else if (!strcmp(method, "scm1")) {
		for (i = 0; i < n; i++)
			scm_send(data[0], pool + i, 1);
	} else if (!strcmp(method, "pidfd")) {
		ctl_send(ctl_fd, "g", 1);
	}
	ctl_recv(ctl_fd, &r, sizeof(r));
	reap(pid);
	if (r.ok != n) {
		errno = 0;
		die("%s rep %d: successor got fd %d wrong of %d", method, rep, r.ok, n);
	}
	if (sfd >= 0) {
		close(sfd);
		close(cfd);
		phase[0] = t_sealed - t0;
		phase[1] = r.t_phase;
	}
	close(ctl_fd);
	close(data[0]);
	return r.t_done - t0;
}

int main(int argc, char **argv)
{
	static const char *all[] = { "cprhold", "scm", "scm1", "pidfd", "dup" };
	int counts[16], ncounts = 0, reps = 7, cpu = 0, opt, rep, c, m, maxn = 0;
	const char *methods[8];
	int nmethods = 0;
	char *mlist = NULL;
	struct rlimit rl = { MAX_FDS * 4, MAX_FDS * 4 };

	self_name = argv[0];
	if (argc >= 4 && !strcmp(argv[1], "--child"))
		return child_main(argv[2], atoi(argv[3]));

	while ((opt = getopt(argc, argv, "r:m:c:")) != -1) {
		switch (opt) {
		case 'r':
			reps = atoi(optarg);
			break;
		case 'm':
			mlist = optarg;
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: fdbench [-r REPS] [-m METHODS] [-c CPU] [N...]\n");
			return 2;
		}
	}
	for (; optind < argc && ncounts < 16; optind++)
		counts[ncounts++] = atoi(argv[optind]);
	if (!ncounts) {
		static const int def[] = { 1, 16, 64, 256, 1024 };

		for (c = 0; c < 5; c++)
			counts[ncounts++] = def[c];
	}
	for (c = 0; c < ncounts; c++) {
		if (counts[c] < 1 || counts[c] > MAX_FDS) {
			fprintf(stderr, "fdbench: N must be 1..%d\n", MAX_FDS);
			return 2;
		}
		if (counts[c] > maxn)
			maxn = counts[c];
	}
	if (mlist) {
		char *tok;

		for (tok = strtok(mlist, ","); tok && nmethods < 8; tok = strtok(NULL, ","))
			methods[nmethods++] = tok;
	} else {
		for (m = 0; m < 5; m++)
			methods[nmethods++] = all[m];
	}
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit NOFILE");

	pin_cpu(cpu);
	vfio_setup();
	make_pool(maxn);
	fprintf(stderr, "fdbench: %s, %d fds in the pool, %d runs per point\n",
		kernel_release(), maxn, reps);

	/* Rep 0 warms up; methods interleave so that drift hits all alike. */
	for (rep = 0; rep <= reps; rep++) {
		for (c = 0; c < ncounts; c++) {
			for (m = 0; m < nmethods; m++) {
				uint64_t phase[2] = { 0, 0 }, ns;

				ns = run_one(methods[m], counts[c], rep, phase);
				if (!rep)
					continue;
				sample("fd", methods[m], counts[c], rep, ns);
				if (phase[0]) {
					sample("fd", "cprhold.park", counts[c], rep, phase[0]);
					sample("fd", "cprhold.retrieve", counts[c], rep, phase[1]);
				}
			}
		}
		fprintf(stderr, "fdbench: run %d of %d done\n", rep, reps);
	}
	free_pool(maxn);
	return 0;
}
