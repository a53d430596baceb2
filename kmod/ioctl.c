// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl dispatch for the control fd and session fds.
 *
 * Every command is _IO(CPRHOLD_TYPE, nr) with a size-first struct: the
 * caller's struct is copied in with copy_struct_from_user(), so a shorter
 * one is zero-extended and a longer one must have a zero tail (else
 * E2BIG).  A struct shorter than the command's mandatory part is EINVAL.
 */
#include <linux/uaccess.h>

#include "cprhold.h"

union cprhold_ucmd_buffer {
	struct cprhold_create create;
	struct cprhold_claim claim;
	struct cprhold_destroy destroy;
	struct cprhold_list_sessions list_sessions;
	struct cprhold_park park;
	struct cprhold_list list;
	struct cprhold_info info;
	struct cprhold_op op;
	struct cprhold_retrieve retrieve;
};

struct cprhold_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	int (*execute)(struct cprhold_ucmd *ucmd);
};

/* Tables in command number order: entry i serves number base + i. */
#define CPRHOLD_IOCTL_OP(_ioctl, _fn, _struct, _last)			\
	{								\
		.size = sizeof(_struct),				\
		.min_size = offsetofend(_struct, _last),		\
		.ioctl_num = _ioctl,					\
		.execute = _fn,						\
	}

static const struct cprhold_ioctl_op cprhold_ctl_ops[] = {
	CPRHOLD_IOCTL_OP(CPRHOLD_CREATE, cprhold_create, struct cprhold_create,
			 out_secret),
	CPRHOLD_IOCTL_OP(CPRHOLD_CLAIM, cprhold_claim, struct cprhold_claim,
			 __reserved),
	CPRHOLD_IOCTL_OP(CPRHOLD_DESTROY, cprhold_destroy, struct cprhold_destroy,
			 name),
	CPRHOLD_IOCTL_OP(CPRHOLD_LIST_SESSIONS, cprhold_list_sessions,
			 struct cprhold_list_sessions, __reserved),
};

static const struct cprhold_ioctl_op cprhold_session_ops[] = {
	CPRHOLD_IOCTL_OP(CPRHOLD_PARK, cprhold_park, struct cprhold_park, entries),
	CPRHOLD_IOCTL_OP(CPRHOLD_LIST, cprhold_list, struct cprhold_list, __reserved),
	CPRHOLD_IOCTL_OP(CPRHOLD_INFO, cprhold_info, struct cprhold_info, info),
	CPRHOLD_IOCTL_OP(CPRHOLD_SEAL, cprhold_seal, struct cprhold_op, flags),
	CPRHOLD_IOCTL_OP(CPRHOLD_RETRIEVE, cprhold_retrieve,
			 struct cprhold_retrieve, fds),
	CPRHOLD_IOCTL_OP(CPRHOLD_FINISH, cprhold_finish, struct cprhold_op, flags),
	CPRHOLD_IOCTL_OP(CPRHOLD_ABORT, cprhold_abort, struct cprhold_op, flags),
};

/* Copy the (possibly updated) command back, as much as the caller has. */
int cprhold_ucmd_respond(struct cprhold_ucmd *ucmd, size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}

static long cprhold_dispatch(struct file *file, unsigned int cmd,
			     unsigned long arg,
			     const struct cprhold_ioctl_op *ops,
			     unsigned int nr_ops, unsigned int base)
{
	union cprhold_ucmd_buffer buf;
	const struct cprhold_ioctl_op *op;
	struct cprhold_ucmd ucmd = {};
	unsigned int nr = _IOC_NR(cmd);
	int ret;

	if (_IOC_TYPE(cmd) != CPRHOLD_TYPE || nr < base || nr - base >= nr_ops)
		return -ENOTTY;
	op = &ops[nr - base];
	if (!op->execute || op->ioctl_num != cmd)
		return -ENOTTY;

	ucmd.file = file;
	ucmd.ubuffer = (void __user *)arg;
	ret = get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer);
	if (ret)
		return ret;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;

	ucmd.cmd = &buf;
	ret = copy_struct_from_user(ucmd.cmd, op->size, ucmd.ubuffer,
				    ucmd.user_size);
	if (ret)
		return ret;
	return op->execute(&ucmd);
}

long cprhold_ctl_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return cprhold_dispatch(file, cmd, arg, cprhold_ctl_ops,
				ARRAY_SIZE(cprhold_ctl_ops), CPRHOLD_CMD_CREATE);
}

long cprhold_session_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	return cprhold_dispatch(file, cmd, arg, cprhold_session_ops,
				ARRAY_SIZE(cprhold_session_ops), CPRHOLD_CMD_PARK);
}
