// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The management layer hands the successor the session's name and the
 * secret file that cprhold_secret_write(3) wrote.  The program below
 * reads the secret and claims the session.
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
    ret = cprhold_secret_read(argv[2], secret);
    if (ret) {
        /* -EINVAL: the file holds no secret */
        fprintf(stderr, "%s: %s\n", argv[2], strerror(-ret));
        return 1;
    }
    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    sfd = cprhold_claim(ctl, argv[1], secret, 0);
    memset(secret, 0, sizeof(secret));
    if (sfd < 0)
        return 1;
    /* ... */
    return cprhold_finish(sfd) != 0;
}
