// SPDX-License-Identifier: GPL-2.0
/*
 * cprhold - park live file references in kernel-held sessions
 *
 * A VMM that is about to be replaced parks its open files (guest memory
 * memfds, VFIO, KVM, eventfds, vhost, chardevs...) in a named session held
 * by the kernel; its successor, possibly in another container and started
 * later, claims the session with its secret and retrieves the same open
 * files.  See Documentation/userspace-api/cprhold.rst.
 *
 * This file: the /dev/cprhold misc device (the control fd), the limits
 * (module parameters), the live-object counters (sysfs attributes of the
 * misc device), module init and exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/workqueue.h>

#include "cprhold.h"
#include "version.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

unsigned int cprhold_max_sessions_per_user = 64;
module_param_named(max_sessions_per_user, cprhold_max_sessions_per_user, uint, 0644);
MODULE_PARM_DESC(max_sessions_per_user,
		 "Sessions one user may own at a time, its containers' included (default 64)");

unsigned int cprhold_max_entries_per_session = 4096;
module_param_named(max_entries_per_session, cprhold_max_entries_per_session, uint, 0644);
MODULE_PARM_DESC(max_entries_per_session,
		 "Entries one session may hold (default 4096)");

unsigned int cprhold_max_entries_per_user = 16384;
module_param_named(max_entries_per_user, cprhold_max_entries_per_user, uint, 0644);
MODULE_PARM_DESC(max_entries_per_user,
		 "Entries the sessions of one user, its containers' included, may hold together (default 16384)");

unsigned int cprhold_max_entries_total = 65536;
module_param_named(max_entries_total, cprhold_max_entries_total, uint, 0644);
MODULE_PARM_DESC(max_entries_total,
		 "Entries all sessions together may hold (default 65536)");

atomic_t cprhold_nr_sessions = ATOMIC_INIT(0);
atomic_t cprhold_nr_session_objs = ATOMIC_INIT(0);
atomic_t cprhold_nr_items = ATOMIC_INIT(0);

struct workqueue_struct *cprhold_wq;

const struct file_operations cprhold_ctl_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= cprhold_ctl_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static ssize_t sessions_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&cprhold_nr_sessions));
}
static DEVICE_ATTR_RO(sessions);

static ssize_t session_objects_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&cprhold_nr_session_objs));
}
static DEVICE_ATTR_RO(session_objects);

static ssize_t entries_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&cprhold_nr_items));
}
static DEVICE_ATTR_RO(entries);

static struct attribute *cprhold_attrs[] = {
	&dev_attr_sessions.attr,
	&dev_attr_session_objects.attr,
	&dev_attr_entries.attr,
	NULL,
};
ATTRIBUTE_GROUPS(cprhold);

static struct miscdevice cprhold_misc = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= "cprhold",
	.fops		= &cprhold_ctl_fops,
	.mode		= 0660,
	.groups		= cprhold_groups,
};

static int __init cprhold_init(void)
{
	int ret;

	cprhold_wq = alloc_workqueue("cprhold", WQ_UNBOUND, 0);
	if (!cprhold_wq)
		return -ENOMEM;
	ret = cprhold_nl_init();
	if (ret)
		goto err_wq;
	ret = misc_register(&cprhold_misc);
	if (ret)
		goto err_nl;
	pr_debug("version %s loaded\n", CPRHOLD_MODULE_VERSION);
	return 0;

err_nl:
	cprhold_nl_exit();
err_wq:
	destroy_workqueue(cprhold_wq);
	return ret;
}

static void __exit cprhold_exit(void)
{
	misc_deregister(&cprhold_misc);
	cprhold_table_exit();
	cprhold_nl_exit();
	/* TTL works still finishing their last put, then the RCU frees. */
	destroy_workqueue(cprhold_wq);
	rcu_barrier();
}

module_init(cprhold_init);
module_exit(cprhold_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Kernel-held sessions of live file references for VMM live update");
MODULE_AUTHOR("The cprhold developers");
MODULE_VERSION(CPRHOLD_MODULE_VERSION);
