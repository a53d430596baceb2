// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below creates a session that expires if nobody claims it
 * within an hour of being sealed, writes its secret to a file for the
 * successor, parks its standard input and seals the session.
 */
#include <libcprhold.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char *argv[])
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    int ctl, sfd, ret;

    if (argc != 3) {
        fprintf(stderr, "usage: %s NAME SECRET-FILE\n", argv[0]);
        return 2;
    }
    ctl = cprhold_open(0);
    if (ctl < 0) {
        fprintf(stderr, "%s\n", cprhold_strerror(CPRHOLD_OP_OPEN, ctl));
        return 1;
    }
    sfd = cprhold_create(ctl, argv[1], 0, 3600 * 1000, -1, secret);
    if (sfd < 0) {
        /* -EEXIST: "a session with this name exists already ..." */
        fprintf(stderr, "create %s: %s\n", argv[1],
                cprhold_strerror(CPRHOLD_OP_CREATE, sfd));
        return 1;
    }
    ret = cprhold_secret_write(argv[2], secret, 0600);
    memset(secret, 0, sizeof(secret));
    if (ret) {
        fprintf(stderr, "%s: %s\n", argv[2], strerror(-ret));
        return 1;    /* exiting closes sfd: the session is destroyed */
    }
    ret = cprhold_park_one(sfd, 0, 1, "stdin", NULL, NULL);
    if (!ret)
        ret = cprhold_seal(sfd);
    if (ret) {
        fprintf(stderr, "%s\n", cprhold_strerror(CPRHOLD_OP_NONE, ret));
        return 1;
    }
    return 0;
}
