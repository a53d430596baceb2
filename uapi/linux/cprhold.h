/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef _UAPI_LINUX_CPRHOLD_H
#define _UAPI_LINUX_CPRHOLD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define CPRHOLD_VERSION_STRING "0.1.0"
#define CPRHOLD_TYPE 0xCE

#endif /* _UAPI_LINUX_CPRHOLD_H */
