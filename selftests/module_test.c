// SPDX-License-Identifier: GPL-2.0
/*
 * module_test - cprhold.ko as a module: loads with modprobe, registers
 * /dev/cprhold, answers unknown ioctls with ENOTTY, carries its modinfo,
 * refuses rmmod while in use and unloads and reloads cleanly; cprhold_kvm
 * is loaded on demand, for a session that holds a KVM VM only.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include <linux/cprhold.h>

#include "../kmod/version.h"
#include "lib/ch.h"
#include "lib/harness.h"
#include "lib/util.h"

TEST(modprobe_loads_module)
{
	/* cprhold_kvm (loaded by earlier tests) pins cprhold. */
	if (module_loaded("cprhold_kvm"))
		ASSERT_EQ(0, run_cmd("rmmod cprhold_kvm"));
	if (module_loaded("cprhold"))
		ASSERT_EQ(0, run_cmd("rmmod cprhold"));
	ASSERT_FALSE(module_loaded("cprhold"));
	ASSERT_EQ(0, run_cmd("modprobe cprhold"));
	ASSERT_TRUE(module_loaded("cprhold"));
	ASSERT_TRUE(wait_for_path("/dev/cprhold", 5000));
}

TEST(device_node)
{
	struct stat st;

	ASSERT_EQ(0, stat("/dev/cprhold", &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(10, (int)major(st.st_rdev));
	EXPECT_EQ(0660, (int)(st.st_mode & 0777));
}

TEST(modinfo_fields)
{
	char buf[256];

	ASSERT_EQ(0, read_file_str("/sys/module/cprhold/version", buf, sizeof(buf)));
	EXPECT_STREQ(CPRHOLD_MODULE_VERSION, buf);
	ASSERT_EQ(0, cmd_output("modinfo -F license cprhold", buf, sizeof(buf)));
	EXPECT_STREQ("GPL", buf);
	ASSERT_EQ(0, cmd_output("modinfo -F description cprhold", buf, sizeof(buf)));
	EXPECT_GT(strlen(buf), (size_t)10);
	ASSERT_EQ(0, cmd_output("modinfo -F version cprhold", buf, sizeof(buf)));
	EXPECT_STREQ(CPRHOLD_MODULE_VERSION, buf);
}

TEST(unknown_ioctl_enotty)
{
	/* Wrong type, unused numbers of our type, and odd sizes. */
	static const unsigned long cmds[] = {
		0, 1, _IO('x', 0), _IO(CPRHOLD_TYPE, 0xff),
		_IOWR(CPRHOLD_TYPE, 0xfe, __u64), _IOR(CPRHOLD_TYPE, 0x7f, char[64]),
		FIONREAD, TCGETS,
	};
	unsigned int i;
	int fd;

	fd = open("/dev/cprhold", O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		EXPECT_ERRNO(ENOTTY, ioctl(fd, cmds[i], 0));
	close(fd);
}

TEST(rmmod_refused_while_open)
{
	int fd = open("/dev/cprhold", O_RDWR | O_CLOEXEC);

	ASSERT_GE(fd, 0);
	/* rmmod's own call: an open file pins the module. */
	ASSERT_ERRNO(EWOULDBLOCK, syscall(SYS_delete_module, "cprhold", O_NONBLOCK));
	ASSERT_TRUE(module_loaded("cprhold"));
	close(fd);
}

TEST(rmmod_refused_with_live_session)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	char name[CPRHOLD_NAME_MAX];
	int ctl = ch_open(), sfd;

	ASSERT_GE(ctl, 0);
	ch_name(name, sizeof(name), "pin");
	sfd = ch_create(ctl, name, secret);
	ASSERT_GE(sfd, 0);
	ASSERT_EQ(0, ch_seal(sfd));
	close(sfd);
	close(ctl);
	/* No fd is open, yet a SEALED session holds guest memory: refused. */
	ASSERT_ERRNO(EWOULDBLOCK, syscall(SYS_delete_module, "cprhold", O_NONBLOCK));
	ASSERT_TRUE(module_loaded("cprhold"));
	ctl = ch_open();
	ASSERT_EQ(0, ch_destroy(ctl, name));
	close(ctl);
	ASSERT_EQ(0, run_cmd("rmmod cprhold"));
	ASSERT_EQ(0, run_cmd("modprobe cprhold"));
	ASSERT_TRUE(wait_for_path("/dev/cprhold", 5000));
}

/*
 * CPRHOLD_SEAL_PREPARE_ADOPT needs cprhold_kvm only for a session that
 * holds a KVM VM: a seal without one leaves it unloaded, a seal with one
 * loads it (and the session's end lets it go again).
 */
TEST(seal_prepare_loads_kvm_module_for_a_vm_only)
{
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	char name[CPRHOLD_NAME_MAX];
	int ctl, sfd, efd, kvm, vm;

	if (module_loaded("cprhold_kvm"))
		ASSERT_EQ(0, run_cmd("rmmod cprhold_kvm"));
	ctl = ch_open();
	ASSERT_GE(ctl, 0);
	ch_name(name, sizeof(name), "noprep");
	sfd = ch_create(ctl, name, secret);
	ASSERT_GE(sfd, 0);
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_GE(efd, 0);
	ASSERT_EQ(0, ch_park1(sfd, efd, 1, NULL));
	ASSERT_EQ(0, ch_op_ex(sfd, CPRHOLD_SEAL, CPRHOLD_SEAL_PREPARE_ADOPT));
	EXPECT_EQ(CPRHOLD_STATE_SEALED, ch_state(sfd));
	EXPECT_FALSE(module_loaded("cprhold_kvm"));
	close(sfd);
	ASSERT_EQ(0, ch_destroy(ctl, name));

	/* The test VM runs KVM (nested SVM): no /dev/kvm is a failure. */
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	ASSERT_GE(kvm, 0);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	ch_name(name, sizeof(name), "prep");
	sfd = ch_create(ctl, name, secret);
	ASSERT_GE(sfd, 0);
	ASSERT_EQ(0, ch_park1(sfd, vm, 1, NULL));
	close(vm);
	ASSERT_EQ(0, ch_op_ex(sfd, CPRHOLD_SEAL, CPRHOLD_SEAL_PREPARE_ADOPT));
	EXPECT_TRUE(module_loaded("cprhold_kvm"));
	close(sfd);
	ASSERT_EQ(0, ch_destroy(ctl, name));
	close(kvm);
	close(efd);
	close(ctl);
	/* The session's end dropped its reference: the module unloads. */
	ASSERT_EQ(0, run_cmd("rmmod cprhold_kvm"));
}

TEST(rmmod_and_reload)
{
	int i;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, run_cmd("rmmod cprhold"));
		ASSERT_FALSE(module_loaded("cprhold"));
		ASSERT_TRUE(wait_for_path_gone("/dev/cprhold", 5000));
		ASSERT_EQ(0, run_cmd("modprobe cprhold"));
		ASSERT_TRUE(wait_for_path("/dev/cprhold", 5000));
	}
}

TEST_HARNESS_MAIN
