// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below is a successor: it claims the session named on its
 * command line with the secret in a file, whose creator parked 64 fds
 * with cprhold_park_fds(3) under tokens 1000 to 1063 and sealed it, takes
 * the 64 fds in one call, and finishes the handover.
 */
#include <libcprhold.h>
#include <stdio.h>

#define NR 64

int main(int argc, char *argv[])
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    int ctl, sfd, ret, fds[NR];

    if (argc != 3 || cprhold_secret_read(argv[2], secret)) {
        fprintf(stderr, "usage: %s NAME SECRET-FILE\n", argv[0]);
        return 2;
    }
    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    sfd = cprhold_claim(ctl, argv[1], secret, 0);
    if (sfd < 0)
        return 1;
    ret = cprhold_retrieve_range(sfd, 1000, fds, NR, 0);
    if (ret) {
        fprintf(stderr, "retrieve: %s\n",
                cprhold_strerror(CPRHOLD_OP_RETRIEVE, ret));
        return 1;
    }
    printf("fds %d to %d\n", fds[0], fds[NR - 1]);
    return cprhold_finish(sfd) != 0;
}
