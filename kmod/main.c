// SPDX-License-Identifier: GPL-2.0
/*
 * cprhold - park live file references in kernel-held sessions
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include <linux/cprhold.h>

static long cprhold_ctl_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	return -ENOTTY;
}

static const struct file_operations cprhold_ctl_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= cprhold_ctl_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice cprhold_misc = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= "cprhold",
	.fops		= &cprhold_ctl_fops,
	.mode		= 0660,
};

static int __init cprhold_init(void)
{
	return misc_register(&cprhold_misc);
}

static void __exit cprhold_exit(void)
{
	misc_deregister(&cprhold_misc);
}

module_init(cprhold_init);
module_exit(cprhold_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Kernel-held sessions of live file references for VMM live update");
MODULE_AUTHOR("The cprhold developers");
MODULE_VERSION(CPRHOLD_VERSION_STRING);
