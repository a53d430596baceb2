// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A successor that cannot take over gives the session back, so that the
 * old owner (or another successor) can claim it again.  The program
 * below claims a session and maps its guest memory (token 1) at the
 * recorded address; if it cannot, it aborts the claim.
 */
#include <libcprhold.h>
#include <stdio.h>
#include <sys/mman.h>

int main(int argc, char *argv[])
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    int ctl, sfd, fd, ret;
    size_t len;
    void *ram;

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
    fd = cprhold_map_fixed(sfd, 1, PROT_READ | PROT_WRITE, 0, &ram,
                           &len);
    if (fd < 0) {
        fprintf(stderr, "map: %s\n",
                cprhold_strerror(CPRHOLD_OP_MAP_FIXED, fd));
        ret = cprhold_abort(sfd);
        if (ret)
            fprintf(stderr, "abort: %s\n",
                    cprhold_strerror(CPRHOLD_OP_ABORT, ret));
        return 1;
    }
    /* ... take over ... */
    return cprhold_finish(sfd) != 0;
}
