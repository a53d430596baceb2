/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fdplan.h - hand file descriptors to a command in the systemd socket
 * activation convention: fds SD_LISTEN_FDS_START (3) .. 3 + N - 1, with
 * LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES (see sd_listen_fds(3)).
 *
 * The plan is pure: it computes the dup2() steps that move N distinct fds
 * to a contiguous block without losing one to another (the sources may lie
 * inside the block, in any order, even in cycles).  fd_plan_apply() runs
 * it, in the child between fork() and exec().
 */
#ifndef CPRHOLDCTL_FDPLAN_H
#define CPRHOLDCTL_FDPLAN_H

#include <stddef.h>

#define FD_LISTEN_START 3

enum fd_op_kind {
	FD_OP_DUP2,	/* dup2(from, to): @to gets the file, without CLOEXEC */
	FD_OP_KEEP,	/* @to already is the file: clear its FD_CLOEXEC */
};

struct fd_op {
	enum fd_op_kind kind;
	int from;
	int to;
};

/* The most steps fd_plan() needs for @n fds. */
#define FD_PLAN_MAX_OPS(n) (2 * (n))

/*
 * Plan moving @src[i] to @base + i for every i < @n.  The plan may use one
 * scratch fd above every source and target (it is left open: close what
 * lies above the block afterwards).  Returns the number of steps written
 * to @ops (room for FD_PLAN_MAX_OPS(@n)), or -EINVAL if a source is
 * negative or repeated, or @base is negative.
 */
int fd_plan(const int *src, size_t n, int base, struct fd_op *ops);

/*
 * Run a plan.  Async-signal-safe (for use after fork()).  Returns 0 or
 * -errno of the failing step.
 */
int fd_plan_apply(const struct fd_op *ops, int nops);

/*
 * LISTEN_FDNAMES: the labels joined with ':', an empty label (or NULL) as
 * "unknown" (as systemd names unnamed fds); a ':' (which labels cannot
 * hold) as '_'.  Writes at most @size bytes including the NUL (if @size is
 * not 0) and returns the length of the full string, as snprintf().
 */
size_t fd_names_build(const char *const *labels, size_t n, char *buf,
		      size_t size);

#endif /* CPRHOLDCTL_FDPLAN_H */
