/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl.h - what the commands of cprholdctl share.
 */
#ifndef CPRHOLDCTL_CTL_H
#define CPRHOLDCTL_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "nl.h"

/* cprhold's version, from kmod/version.h (the Makefile passes it) */
#ifndef CTL_VERSION
#error "CTL_VERSION is set by the Makefile"
#endif

/* Exit statuses. */
enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_ERROR = 1,
	CTL_EXIT_USAGE = 2,
};

struct ctl {
	bool json;
	bool pretty;
};

/* "cprholdctl: <message>" on stderr. */
void ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A usage error: the message, a hint at -h; returns CTL_EXIT_USAGE. */
int ctl_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A netlink failure of @what ("show vm-1"); returns CTL_EXIT_ERROR. */
int ctl_nl_fail(const char *what, const struct ctl_nl_err *e);

/* CLOCK_REALTIME in nanoseconds. */
uint64_t ctl_now_ns(void);

/* Flush stdout; CTL_EXIT_ERROR (with a message) if writing failed. */
int ctl_flush(void);

/*
 * The options every command takes: -j, -p, -h (@opt as getopt_long()
 * returned it for @argv, with an optstring starting "+:" or ":" and
 * opterr 0).  Returns -1 to go on, or an exit status: CTL_EXIT_OK after
 * printing the help, CTL_EXIT_USAGE for an unknown option or a missing
 * argument (with a message naming the option).
 */
int ctl_common_opt(struct ctl *c, int opt, const char *cmd, char **argv);

int cmd_list(struct ctl *c, int argc, char **argv);
int cmd_show(struct ctl *c, int argc, char **argv);
int cmd_destroy(struct ctl *c, int argc, char **argv);
int cmd_watch(struct ctl *c, int argc, char **argv);
int cmd_run(struct ctl *c, int argc, char **argv);

/* The help text of one command (NULL: the whole usage) on stdout. */
void ctl_help(const char *cmd);

#endif /* CPRHOLDCTL_CTL_H */
