// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * An eventfd keeps counting while it is parked: nothing is lost between
 * the old owner and its successor.  The program below retrieves one
 * (token 3), signals it as a device model would and finishes the
 * session.
 */
#include <libcprhold.h>
#include <stdio.h>
#include <sys/eventfd.h>

int main(int argc, char *argv[])
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    int ctl, sfd, irqfd;

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
    irqfd = cprhold_retrieve_one(sfd, 3, 0);
    if (irqfd < 0) {
        /* -ENOENT: "a token is not parked in the session, or ..." */
        fprintf(stderr, "retrieve: %s\n",
                cprhold_strerror(CPRHOLD_OP_RETRIEVE, irqfd));
        return 1;
    }
    if (eventfd_write(irqfd, 1))
        perror("eventfd_write");
    return cprhold_finish(sfd) != 0;
}
