// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below parks 64 eventfds in one call, as a VMM parks the
 * fds of its device queues, under tokens 1000 to 1063, and prints how
 * many entries the session holds.  It exits without sealing, so the
 * session is destroyed.
 */
#include <libcprhold.h>
#include <stdio.h>
#include <sys/eventfd.h>

#define NR 64

int main(void)
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    struct cprhold_session_info info;
    int ctl, sfd, i, ret, fds[NR];

    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    sfd = cprhold_create(ctl, "park-fds-example", 0, 0, -1, secret);
    if (sfd < 0)
        return 1;
    for (i = 0; i < NR; i++) {
        fds[i] = eventfd(0, EFD_CLOEXEC);
        if (fds[i] < 0)
            return 1;
    }
    ret = cprhold_park_fds(sfd, fds, NR, 1000);
    if (ret) {
        fprintf(stderr, "park: %s\n",
                cprhold_strerror(CPRHOLD_OP_PARK, ret));
        return 1;
    }
    if (cprhold_info(sfd, &info))
        return 1;
    printf("%u entries parked\n", info.nr_entries);
    return 0;
}
