/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tap.h - count the results of a TAP 13 stream (kselftest or cmocka output).
 */
#ifndef CPRHOLD_TAP_H
#define CPRHOLD_TAP_H

#include <stdbool.h>

struct tap_counts {
	unsigned int pass;
	unsigned int fail;
	unsigned int skip;
	int plan;		/* "1..N", -1 when absent */
	int exit_status;	/* "# exit=N" added by run_tests.sh, -1 when absent */
	unsigned int missing;	/* planned results that never came */
	bool bail_out;		/* "Bail out!" seen */
};

void tap_init(struct tap_counts *c);
/* Feed one line (without or with its newline). */
void tap_line(struct tap_counts *c, const char *line);
/*
 * Close the stream: results missing from the plan, a non-zero exit without
 * a failing result, a bail-out or an empty stream count as failures.
 */
void tap_finish(struct tap_counts *c);

#endif
