// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl dispatch for the control fd and session fds.
 *
 * Every command is _IO(CPRHOLD_TYPE, nr) with a size-first struct: the
 * caller's struct is copied in with copy_struct_from_user(), so a shorter
 * one is zero-extended and a longer one must have a zero tail (else
 * E2BIG).  A struct shorter than its first layout (the uAPI's fixed
 * CPRHOLD_*_SIZE_VER0) is EINVAL.
 */
#include <linux/uaccess.h>

#include "cprhold.h"
#include "trace.h"

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
	int (*execute)(struct cprhold_ucmd *ucmd);
};

/*
 * Tables keyed by command number (minus the table's base).  The first
 * layout of a struct can never be larger than today's, and the command
 * buffer must hold every struct.
 */
#define CPRHOLD_IOCTL_OP(_fn, _struct, _ver0)				\
	{								\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(_struct) >		\
					  sizeof(union cprhold_ucmd_buffer)), \
		.min_size = (_ver0),					\
		.execute = _fn,						\
	}

/* The first layouts are fixed numbers: today's structs hold them. */
static_assert(offsetofend(struct cprhold_create, out_secret) == CPRHOLD_CREATE_SIZE_VER0);
static_assert(sizeof(struct cprhold_claim) >= CPRHOLD_CLAIM_SIZE_VER0);
static_assert(sizeof(struct cprhold_destroy) >= CPRHOLD_DESTROY_SIZE_VER0);
static_assert(sizeof(struct cprhold_list_sessions) >= CPRHOLD_LIST_SESSIONS_SIZE_VER0);
static_assert(sizeof(struct cprhold_park) >= CPRHOLD_PARK_SIZE_VER0);
static_assert(offsetofend(struct cprhold_park, first_token) == CPRHOLD_PARK_SIZE_VER1);
static_assert(sizeof(struct cprhold_list) >= CPRHOLD_LIST_SIZE_VER0);
static_assert(sizeof(struct cprhold_info) >= CPRHOLD_INFO_SIZE_VER0);
static_assert(sizeof(struct cprhold_op) >= CPRHOLD_OP_SIZE_VER0);
static_assert(sizeof(struct cprhold_retrieve) >= CPRHOLD_RETRIEVE_SIZE_VER0);
static_assert(offsetofend(struct cprhold_retrieve, first_token) == CPRHOLD_RETRIEVE_SIZE_VER1);
static_assert(sizeof(struct cprhold_session_info) >= CPRHOLD_SESSION_INFO_SIZE_VER0);

static const struct cprhold_ioctl_op cprhold_ctl_ops[] = {
	[CPRHOLD_CMD_CREATE] = CPRHOLD_IOCTL_OP(cprhold_create, struct cprhold_create,
						CPRHOLD_CREATE_SIZE_VER0),
	[CPRHOLD_CMD_CLAIM] = CPRHOLD_IOCTL_OP(cprhold_claim, struct cprhold_claim,
					       CPRHOLD_CLAIM_SIZE_VER0),
	[CPRHOLD_CMD_DESTROY] = CPRHOLD_IOCTL_OP(cprhold_destroy, struct cprhold_destroy,
						 CPRHOLD_DESTROY_SIZE_VER0),
	[CPRHOLD_CMD_LIST_SESSIONS] = CPRHOLD_IOCTL_OP(cprhold_list_sessions,
						       struct cprhold_list_sessions,
						       CPRHOLD_LIST_SESSIONS_SIZE_VER0),
};

#define CPRHOLD_SOP(_cmd) (CPRHOLD_CMD_##_cmd - CPRHOLD_CMD_PARK)
static const struct cprhold_ioctl_op cprhold_session_ops[] = {
	[CPRHOLD_SOP(PARK)] = CPRHOLD_IOCTL_OP(cprhold_park, struct cprhold_park,
					       CPRHOLD_PARK_SIZE_VER0),
	[CPRHOLD_SOP(LIST)] = CPRHOLD_IOCTL_OP(cprhold_list, struct cprhold_list,
					       CPRHOLD_LIST_SIZE_VER0),
	[CPRHOLD_SOP(INFO)] = CPRHOLD_IOCTL_OP(cprhold_info, struct cprhold_info,
					       CPRHOLD_INFO_SIZE_VER0),
	[CPRHOLD_SOP(SEAL)] = CPRHOLD_IOCTL_OP(cprhold_seal, struct cprhold_op,
					       CPRHOLD_OP_SIZE_VER0),
	[CPRHOLD_SOP(RETRIEVE)] = CPRHOLD_IOCTL_OP(cprhold_retrieve, struct cprhold_retrieve,
						   CPRHOLD_RETRIEVE_SIZE_VER0),
	[CPRHOLD_SOP(FINISH)] = CPRHOLD_IOCTL_OP(cprhold_finish, struct cprhold_op,
						 CPRHOLD_OP_SIZE_VER0),
	[CPRHOLD_SOP(ABORT)] = CPRHOLD_IOCTL_OP(cprhold_abort, struct cprhold_op,
						CPRHOLD_OP_SIZE_VER0),
};

/*
 * Copy @count elements of @ksize bytes to a user array of @usize-byte
 * elements: min(@usize, @ksize) bytes each, the caller's bytes beyond the
 * kernel's element zeroed.  @usize was checked to be at least the first
 * layout's size and at most a page.
 */
int cprhold_copy_elems(void __user *dst, size_t usize, const void *src,
		       size_t ksize, u32 count)
{
	size_t n = min(usize, ksize);
	u32 i;

	for (i = 0; i < count; i++, dst += usize, src += ksize) {
		if (copy_to_user(dst, src, n))
			return -EFAULT;
		if (usize > n && clear_user(dst + n, usize - n))
			return -EFAULT;
	}
	return 0;
}

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
	u64 start;
	int ret;

	/* _IO() only: no direction or size bits in the command. */
	if (cmd != _IO(CPRHOLD_TYPE, nr) || nr < base || nr - base >= nr_ops)
		return -ENOTTY;
	op = &ops[nr - base];
	if (!op->execute)
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
	if (!trace_cprhold_ioctl_enabled())
		return op->execute(&ucmd);
	start = ktime_get_ns();
	ret = op->execute(&ucmd);
	trace_cprhold_ioctl(nr, base == CPRHOLD_CMD_PARK ?
			    cprhold_ucmd_handle(&ucmd)->session->id : 0,
			    ret, ktime_get_ns() - start);
	return ret;
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
