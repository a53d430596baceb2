// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below opens the control fd, says what is wrong if it
 * cannot, and prints how many sessions the caller can see.
 */
#include <libcprhold.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    int ctl, n;

    ctl = cprhold_open(0);
    if (ctl < 0) {
        /* e.g. -ENOENT: "no /dev/cprhold: the cprhold module is not
           loaded (modprobe cprhold) or ..." */
        fprintf(stderr, "cprhold: %s\n",
                cprhold_strerror(CPRHOLD_OP_OPEN, ctl));
        return 1;
    }
    n = cprhold_count_sessions(ctl);
    if (n >= 0)
        printf("%d sessions\n", n);
    close(ctl);
    return n < 0;
}
