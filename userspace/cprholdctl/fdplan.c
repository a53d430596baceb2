// SPDX-License-Identifier: GPL-2.0
/*
 * fdplan.c - move retrieved fds into the socket activation block (see
 * fdplan.h).
 *
 * fd_plan() is the "parallel move" problem: move i copies src[i] to
 * base + i.  A move is ready when its target is no pending move's source
 * (overwriting it loses nothing).  When no move is ready, the pending
 * moves form cycles only (sources and targets are distinct); one of them
 * goes through a scratch fd above everything, which makes the rest of its
 * cycle a chain.  The move from the scratch fd cannot still be pending
 * when the next cycle needs breaking (nothing targets the scratch fd, so
 * it is on no cycle), so a single scratch fd serves all cycles.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "fdplan.h"

int fd_plan(const int *src, size_t n, int base, struct fd_op *ops)
{
	int cur[n ? n : 1];	/* where move i currently takes its file from */
	bool done[n ? n : 1];
	size_t i, k, left = n;
	int nops = 0, scratch = base + (int)n;

	if (base < 0)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (src[i] < 0)
			return -EINVAL;
		for (k = 0; k < i; k++)
			if (src[k] == src[i])
				return -EINVAL;
		if (src[i] >= scratch)
			scratch = src[i] + 1;
		cur[i] = src[i];
		done[i] = false;
	}

	while (left) {
		bool progress = false;

		for (i = 0; i < n; i++) {
			int to = base + (int)i;
			bool blocked = false;

			if (done[i])
				continue;
			for (k = 0; k < n && !blocked; k++)
				blocked = k != i && !done[k] && cur[k] == to;
			if (blocked)
				continue;
			ops[nops].kind = cur[i] == to ? FD_OP_KEEP : FD_OP_DUP2;
			ops[nops].from = cur[i];
			ops[nops].to = to;
			nops++;
			done[i] = true;
			left--;
			progress = true;
		}
		if (progress || !left)
			continue;
		/* Only cycles left: send the first pending move via scratch. */
		for (i = 0; done[i]; i++)
			;
		ops[nops].kind = FD_OP_DUP2;
		ops[nops].from = cur[i];
		ops[nops].to = scratch;
		nops++;
		cur[i] = scratch;
	}
	return nops;
}

int fd_plan_apply(const struct fd_op *ops, int nops)
{
	int i;

	for (i = 0; i < nops; i++) {
		int ret;

		if (ops[i].kind == FD_OP_KEEP)
			ret = fcntl(ops[i].to, F_SETFD, 0);
		else
			ret = dup2(ops[i].from, ops[i].to);
		if (ret < 0)
			return -errno;
	}
	return 0;
}

size_t fd_names_build(const char *const *labels, size_t n, char *buf,
		      size_t size)
{
	size_t len = 0, i;

	for (i = 0; i < n; i++) {
		const char *l = labels[i] && labels[i][0] ? labels[i] : "unknown";

		if (i) {
			if (len + 1 < size)
				buf[len] = ':';
			len++;
		}
		for (; *l; l++, len++)
			if (len + 1 < size)
				buf[len] = *l == ':' ? '_' : *l;
	}
	if (size)
		buf[len < size ? len : size - 1] = '\0';
	return len;
}
