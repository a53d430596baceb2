// SPDX-License-Identifier: GPL-2.0
/*
 * module_test - cprhold.ko as a module: loads with modprobe, registers
 * /dev/cprhold, answers unknown ioctls with ENOTTY, carries its modinfo,
 * refuses rmmod while in use and unloads and reloads cleanly.
 */
#include <fcntl.h>
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
