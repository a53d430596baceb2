// SPDX-License-Identifier: GPL-2.0
/*
 * types_test - parking the fds a VMM really holds: a KVM VM and its
 * vCPUs, KVM device and stats fds, the VFIO container, group and device
 * of the edu PCI device, vhost-net and tun.  Each comes back with
 * the right type, and a successor retrieves the same files.  (A retrieved
 * KVM fd is refused by KVM in another process until it is adopted: that
 * is a separate feature, shown here as the baseline.)
 */
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/vfio.h>
#include <net/if.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "lib/ch.h"
#include "lib/harness.h"
#include "lib/util.h"

FIXTURE(types) {
	int ctl;
	int sfd;
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
};

FIXTURE_SETUP(types)
{
	self->ctl = ch_open();
	ASSERT_GE(self->ctl, 0);
	ch_name(self->name, sizeof(self->name), "types");
	self->sfd = ch_create(self->ctl, self->name, self->secret);
	ASSERT_GE(self->sfd, 0);
}

FIXTURE_TEARDOWN(types)
{
	ch_destroy(self->ctl, self->name);
	close(self->sfd);
	close(self->ctl);
}

TEST_F(types, kvm_vm_and_vcpus)
{
	struct cprhold_entry e[6], out[6];
	struct cprhold_list l = { .size = sizeof(l), .count = 6,
				  .entry_size = sizeof(out[0]), .entries = (uintptr_t)out };
	struct kvm_create_device dev = { .type = KVM_DEV_TYPE_VFIO };
	int kvm, vm, vcpu0, vcpu3, stats;
	pid_t pid;
	int st;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	ASSERT_GE(kvm, 0);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	vcpu0 = ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(vcpu0, 0);
	vcpu3 = ioctl(vm, KVM_CREATE_VCPU, 3);
	ASSERT_GE(vcpu3, 0);
	stats = ioctl(vm, KVM_GET_STATS_FD, NULL);
	ASSERT_GE(stats, 0);
	ASSERT_EQ(0, ioctl(vm, KVM_CREATE_DEVICE, &dev));

	ch_entry(&e[0], vm, 1, "vm");
	ch_entry(&e[1], vcpu0, 2, "vcpu0");
	ch_entry(&e[2], vcpu3, 3, "vcpu3");
	ch_entry(&e[3], kvm, 4, "kvm");
	ch_entry(&e[4], stats, 5, "stats");
	ch_entry(&e[5], dev.fd, 6, "kvm-vfio");
	ASSERT_EQ(0, ch_park(self->sfd, e, 6));
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_KVM_VM, e[0].type);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_KVM_VCPU, e[1].type);
	EXPECT_EQ(0u, e[1].data.kvm_vcpu.vcpu_id);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_KVM_VCPU, e[2].type);
	EXPECT_EQ(3u, e[2].data.kvm_vcpu.vcpu_id);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_CHARDEV, e[3].type);
	EXPECT_EQ(10u, e[3].data.chardev.major);
	EXPECT_EQ(232u, e[3].data.chardev.minor);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_KVM_DEVICE, e[4].type);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_KVM_DEVICE, e[5].type);
	ASSERT_EQ(0, ioctl(self->sfd, CPRHOLD_LIST, &l));
	EXPECT_EQ(3u, out[2].data.kvm_vcpu.vcpu_id);
	ASSERT_EQ(0, ch_seal(self->sfd));

	/* A successor gets the same VM file; KVM itself still refuses it. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int ctl = ch_open(), cfd = ch_claim(ctl, self->name, self->secret), fd;

		if (cfd < 0)
			_exit(30);
		fd = ch_retrieve1(cfd, 1);
		if (fd < 0 || kcmp_same_file(fd, vm))
			_exit(31);
		errno = 0;
		if (ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) != -1 || errno != EIO)
			_exit(32);
		fd = ch_retrieve1(cfd, 2);
		if (fd < 0 || ioctl(fd, KVM_RUN, 0) != -1 || errno != EIO)
			_exit(33);
		_exit(ch_finish(cfd) ? 34 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	/* The creator's own fds are untouched. */
	EXPECT_EQ(1, ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	close(dev.fd);
	close(stats);
	close(vcpu3);
	close(vcpu0);
	close(vm);
	close(kvm);
}

TEST_F(types, vfio_edu)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	struct cprhold_entry e[3];
	const char *group = getenv("CPRHOLD_VFIO_GROUP");
	const char *bdf = getenv("CPRHOLD_EDU");
	int container, grp, dev;
	char path[64];

	if (!group || !bdf)
		SKIP(return, "no vfio-bound edu device (CPRHOLD_VFIO_GROUP)");
	container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ASSERT_GE(container, 0);
	snprintf(path, sizeof(path), "/dev/vfio/%s", group);
	grp = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_GE(grp, 0);
	ASSERT_EQ(0, ioctl(grp, VFIO_GROUP_GET_STATUS, &gs));
	ASSERT_TRUE(gs.flags & VFIO_GROUP_FLAGS_VIABLE);
	ASSERT_EQ(0, ioctl(grp, VFIO_GROUP_SET_CONTAINER, &container));
	ASSERT_EQ(0, ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	dev = ioctl(grp, VFIO_GROUP_GET_DEVICE_FD, bdf);
	ASSERT_GE(dev, 0);

	ch_entry(&e[0], container, 1, "vfio-container");
	ch_entry(&e[1], grp, 2, "vfio-group");
	ch_entry(&e[2], dev, 3, "vfio-device");
	ASSERT_EQ(0, ch_park(self->sfd, e, 3));
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_VFIO_CONTAINER, e[0].type);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_VFIO_GROUP, e[1].type);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_VFIO_DEVICE, e[2].type);
	close(dev);
	close(grp);
	close(container);

	/* The group stays held by the session: a second open is refused. */
	ASSERT_EQ(0, ch_seal(self->sfd));
	EXPECT_ERRNO(EBUSY, open(path, O_RDWR | O_CLOEXEC));
}

TEST_F(types, vhost_net_and_tun)
{
	struct cprhold_entry e[2];
	struct ifreq ifr = {};
	int vhost, tun;

	run_cmd("modprobe vhost_net 2>/dev/null; modprobe tun 2>/dev/null");
	vhost = open("/dev/vhost-net", O_RDWR | O_CLOEXEC);
	ASSERT_GE(vhost, 0);
	tun = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	ASSERT_GE(tun, 0);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	strcpy(ifr.ifr_name, "cprtap0");
	ASSERT_EQ(0, ioctl(tun, TUNSETIFF, &ifr));
	ch_entry(&e[0], vhost, 1, "vhost-net");
	ch_entry(&e[1], tun, 2, "tap0");
	ASSERT_EQ(0, ch_park(self->sfd, e, 2));
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_VHOST, e[0].type);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_TUN, e[1].type);
	close(tun);
	/* The tap device lives on while the session holds its queue. */
	EXPECT_EQ(0, run_cmd("ip link show cprtap0 >/dev/null"));
	ch_destroy(self->ctl, self->name);
	EXPECT_TRUE(wait_for_path_gone("/sys/class/net/cprtap0", 5000));
	close(vhost);
}

TEST_HARNESS_MAIN
