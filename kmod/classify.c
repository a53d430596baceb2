// SPDX-License-Identifier: GPL-2.0
/*
 * Classify a parked file: what is it, and the few facts a successor (or an
 * operator) wants to know about it.
 *
 * The module must not depend on the modules whose files it holds (kvm,
 * vfio, tun, vhost...), so files are recognised by what the VFS shows of
 * them: the file system (shmem, hugetlbfs, anon inodes and their names),
 * the inode type, character device numbers, the class of the device behind
 * a cdev, and the module that owns the file operations.  Exported helpers
 * are used where the core kernel offers them (sockets, eventfds).
 */
#include <linux/anon_inodes.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/eventfd.h>
#include <linux/hugetlb.h>
#include <linux/kdev_t.h>
#include <linux/magic.h>
#include <linux/major.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/shmem_fs.h>
#include <net/sock.h>

#include "cprhold.h"

static const char *cprhold_fop_owner(struct file *file)
{
	struct module *owner = file->f_op ? file->f_op->owner : NULL;

	return owner ? module_name(owner) : "";
}

/* Majors of common serial drivers not named in <linux/major.h>. */
#define CPRHOLD_USB_SERIAL_MAJOR	188
#define CPRHOLD_HVC_MAJOR		229

static bool cprhold_is_tty_major(unsigned int major)
{
	return major == PTY_MASTER_MAJOR || major == PTY_SLAVE_MAJOR ||
	       major == TTY_MAJOR || major == TTYAUX_MAJOR ||
	       (major >= UNIX98_PTY_MASTER_MAJOR &&
		major < UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT) ||
	       major == CPRHOLD_USB_SERIAL_MAJOR || major == CPRHOLD_HVC_MAJOR;
}

/* The class of the device whose cdev backs @inode, if it has one. */
static const char *cprhold_cdev_class(struct inode *inode)
{
	struct kobject *parent;
	struct device *dev;

	if (!inode->i_cdev)
		return "";
	parent = inode->i_cdev->kobj.parent;
	/*
	 * cdev_device_add() parents the cdev to its device; other parents
	 * (cdev_set_parent()) are not devices.  Devices are in the "devices"
	 * kset, whose ktype the driver core keeps private.
	 */
	if (!parent || !parent->kset ||
	    strcmp(kobject_name(&parent->kset->kobj), "devices"))
		return "";
	dev = kobj_to_dev(parent);
	return dev->class ? dev->class->name : "";
}

static u32 cprhold_classify_chr(struct file *file, struct inode *inode,
				struct cprhold_entry *e)
{
	unsigned int major = imajor(inode), minor = iminor(inode);
	const char *owner = cprhold_fop_owner(file);
	const char *class = cprhold_cdev_class(inode);

	e->data.chardev.major = major;
	e->data.chardev.minor = minor;
	if (major == MISC_MAJOR) {
		switch (minor) {
		case VFIO_MINOR:
			return CPRHOLD_ENTRY_VFIO_CONTAINER;
		case TUN_MINOR:
			return CPRHOLD_ENTRY_TUN;
		case VHOST_NET_MINOR:
		case VHOST_VSOCK_MINOR:
			return CPRHOLD_ENTRY_VHOST;
		}
	}
	if (!strcmp(owner, "iommufd"))
		return CPRHOLD_ENTRY_IOMMUFD;
	if (!strcmp(class, "vfio"))
		return CPRHOLD_ENTRY_VFIO_GROUP;
	if (!strcmp(class, "vfio-dev"))
		return CPRHOLD_ENTRY_VFIO_DEVICE;
	if (!strncmp(owner, "vhost", 5))
		return CPRHOLD_ENTRY_VHOST;
	if (!strcmp(owner, "tap") || !strcmp(owner, "tun"))
		return CPRHOLD_ENTRY_TUN;
	if (cprhold_is_tty_major(major))
		return CPRHOLD_ENTRY_TTY;
	return CPRHOLD_ENTRY_CHARDEV;
}

/*
 * kvm_vm_fops and kvm_vcpu_fops are owned by the vendor module on newer
 * kernels and by nobody (NULL) on 6.1.
 */
static bool cprhold_kvm_owner(const char *owner)
{
	return !*owner || !strcmp(owner, "kvm") || !strcmp(owner, "kvm_amd") ||
	       !strcmp(owner, "kvm_intel");
}

static u32 cprhold_classify_anon(struct file *file, struct cprhold_entry *e)
{
	const char *name = file->f_path.dentry->d_name.name;
	const char *owner = cprhold_fop_owner(file);
	struct eventfd_ctx *ctx;
	unsigned int id;

	ctx = eventfd_ctx_fileget(file);
	if (!IS_ERR(ctx)) {
		eventfd_ctx_put(ctx);
		return CPRHOLD_ENTRY_EVENTFD;
	}
	if (cprhold_kvm_owner(owner)) {
		if (!strcmp(name, "kvm-vm"))
			return CPRHOLD_ENTRY_KVM_VM;
		if (sscanf(name, "kvm-vcpu:%u", &id) == 1) {
			e->data.kvm_vcpu.vcpu_id = id;
			return CPRHOLD_ENTRY_KVM_VCPU;
		}
	}
	if (!strncmp(name, "kvm-", 4) || !strncmp(name, "[kvm-", 5))
		return CPRHOLD_ENTRY_KVM_DEVICE;
	if (!strcmp(name, "[vfio-device]"))
		return CPRHOLD_ENTRY_VFIO_DEVICE;
	return CPRHOLD_ENTRY_OTHER;
}

static void cprhold_classify_mem(struct file *file, struct inode *inode,
				 struct cprhold_entry *e)
{
	e->data.mem.size = i_size_read(inode);
	e->data.mem.page_size = PAGE_SIZE;
	/* i_blocks counts 512-byte units of what is allocated to the file. */
	e->data.mem.resident = (u64)inode->i_blocks << 9;
}

static bool cprhold_is_memfd(struct file *file)
{
	return !strncmp(file->f_path.dentry->d_name.name, "memfd:", 6);
}

void cprhold_classify(struct file *file, struct cprhold_entry *e)
{
	struct inode *inode = file_inode(file);
	unsigned long magic = inode->i_sb->s_magic;
	umode_t mode = inode->i_mode;
	struct socket *sock;

	memset(&e->data, 0, sizeof(e->data));
	e->f_flags = file->f_flags;
	e->type = CPRHOLD_ENTRY_OTHER;

	if (S_ISSOCK(mode)) {
		sock = sock_from_file(file);
		if (sock && sock->sk) {
			e->data.socket.family = sock->sk->sk_family;
			e->data.socket.type = sock->sk->sk_type;
			e->data.socket.protocol = sock->sk->sk_protocol;
		}
		e->type = CPRHOLD_ENTRY_SOCKET;
	} else if (S_ISFIFO(mode)) {
		e->type = CPRHOLD_ENTRY_PIPE;
	} else if (S_ISCHR(mode)) {
		e->type = cprhold_classify_chr(file, inode, e);
	} else if (magic == ANON_INODE_FS_MAGIC) {
		e->type = cprhold_classify_anon(file, e);
	} else if (S_ISREG(mode) && magic == TMPFS_MAGIC && shmem_mapping(file->f_mapping)) {
		cprhold_classify_mem(file, inode, e);
		if (cprhold_is_memfd(file)) {
			e->type = CPRHOLD_ENTRY_MEMFD;
			e->data.mem.seals = SHMEM_I(inode)->seals;
		} else {
			e->type = CPRHOLD_ENTRY_SHMEM;
		}
#ifdef CONFIG_HUGETLBFS
	} else if (S_ISREG(mode) && magic == HUGETLBFS_MAGIC) {
		cprhold_classify_mem(file, inode, e);
		e->data.mem.page_size = huge_page_size(hstate_inode(inode));
		if (cprhold_is_memfd(file)) {
			e->type = CPRHOLD_ENTRY_MEMFD;
			e->data.mem.seals = HUGETLBFS_I(inode)->seals;
		} else {
			e->type = CPRHOLD_ENTRY_HUGETLBFS;
		}
#endif
	} else if (S_ISREG(mode)) {
		e->type = CPRHOLD_ENTRY_REGULAR;
		cprhold_classify_mem(file, inode, e);
	}
}

/*
 * The type of a parked file, classified on first use and kept: a file's
 * type never changes.  Under the session lock or its info lock (INFO),
 * which do not exclude each other: both may classify, and store the same.
 */
u32 cprhold_item_type(struct cprhold_item *it)
{
	struct cprhold_entry e;
	u32 type = READ_ONCE(it->type);

	if (type == CPRHOLD_TYPE_UNKNOWN) {
		cprhold_classify(it->file, &e);
		type = e.type;
		WRITE_ONCE(it->type, type);
	}
	return type;
}

bool cprhold_type_is_memory(u32 type)
{
	return type == CPRHOLD_ENTRY_MEMFD || type == CPRHOLD_ENTRY_SHMEM ||
	       type == CPRHOLD_ENTRY_HUGETLBFS;
}
