// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below claims a session with the secret in a file, tells
 * a session that is not sealed yet apart from other errors, prints how
 * many entries the session holds and finishes it.
 */
#include <libcprhold.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char *argv[])
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    struct cprhold_session_info info;
    int ctl, sfd, ret;

    if (argc != 3) {
        fprintf(stderr, "usage: %s NAME SECRET-FILE\n", argv[0]);
        return 2;
    }
    ret = cprhold_secret_read(argv[2], secret);
    if (ret) {
        fprintf(stderr, "%s: %s\n", argv[2], strerror(-ret));
        return 1;
    }
    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    sfd = cprhold_claim(ctl, argv[1], secret, 0);
    if (sfd == -EBUSY) {
        fprintf(stderr, "%s: not sealed yet, or claimed\n", argv[1]);
        return 3;    /* try again later, or use cprhold_watch() */
    }
    if (sfd < 0) {
        fprintf(stderr, "claim %s: %s\n", argv[1],
                cprhold_strerror(CPRHOLD_OP_CLAIM, sfd));
        return 1;
    }
    if (cprhold_info(sfd, &info) == 0)
        printf("%s: %u entries, claim %u\n", info.name,
               info.nr_entries, info.nr_claims);
    /* ... retrieve the entries ... */
    ret = cprhold_finish(sfd);
    return ret != 0;
}
