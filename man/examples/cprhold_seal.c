// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below parks its standard output in a new session and
 * seals it.  From then on the session lives without it: the program
 * closes the creator's fd and exits.  Closing that fd before sealing
 * would destroy the session.
 */
#include <libcprhold.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    int ctl, sfd, ret;

    if (argc != 3) {
        fprintf(stderr, "usage: %s NAME SECRET-FILE\n", argv[0]);
        return 2;
    }
    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    sfd = cprhold_create(ctl, argv[1], 0, 0, -1, secret);
    if (sfd < 0 || cprhold_secret_write(argv[2], secret, 0600))
        return 1;
    ret = cprhold_park_one(sfd, STDOUT_FILENO, 1, "stdout", NULL, NULL);
    if (ret)
        return 1;
    ret = cprhold_seal(sfd);
    if (ret) {
        /* -EBUSY: "sealing needs the creator's session fd of an OPEN
           session ..." */
        fprintf(stderr, "seal: %s\n",
                cprhold_strerror(CPRHOLD_OP_SEAL, ret));
        return 1;
    }
    close(sfd);    /* the session lives on */
    printf("%s sealed\n", argv[1]);
    return 0;
}
