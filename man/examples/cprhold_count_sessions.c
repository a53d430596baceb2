// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Every session pins the cprhold module.  The program below, run by an
 * administrator (who sees every session), tells whether any are left,
 * e.g. before the module is unloaded.
 */
#include <libcprhold.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    int ctl, n;

    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    n = cprhold_count_sessions(ctl);
    close(ctl);
    if (n < 0) {
        fprintf(stderr, "%s\n",
                cprhold_strerror(CPRHOLD_OP_LIST_SESSIONS, n));
        return 1;
    }
    if (n)
        printf("%d sessions left\n", n);
    return n != 0;
}
