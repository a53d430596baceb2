// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below prints the message of one errno for every
 * operation, as a table; cprhold_op_name() gives NULL after the last
 * operation.
 */
#include <libcprhold.h>
#include <errno.h>
#include <stdio.h>

int main(void)
{
    const char *name;
    int op;

    for (op = CPRHOLD_OP_NONE; (name = cprhold_op_name(op)); op++)
        printf("%-14s %s\n", name, cprhold_strerror(op, -ENOENT));
    return 0;
}
