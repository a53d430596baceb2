// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below opens the device node given as its argument, e.g.
 * one bind-mounted into a container, and checks that it is cprhold's:
 * on another file, the first call fails with -ENOTTY.
 */
#include <libcprhold.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
    int ctl, n;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DEVICE-NODE\n", argv[0]);
        return 2;
    }
    ctl = cprhold_open_path(argv[1], 0);
    if (ctl < 0) {
        fprintf(stderr, "%s: %s\n", argv[1],
                cprhold_strerror(CPRHOLD_OP_OPEN, ctl));
        return 1;
    }
    n = cprhold_count_sessions(ctl);
    if (n == -ENOTTY)
        fprintf(stderr, "%s: not a cprhold device\n", argv[1]);
    else if (n < 0)
        fprintf(stderr, "%s: %s\n", argv[1],
                cprhold_strerror(CPRHOLD_OP_LIST_SESSIONS, n));
    else
        printf("%s: %d sessions\n", argv[1], n);
    close(ctl);
    return n < 0;
}
