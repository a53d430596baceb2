// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A successor may start before its predecessor has sealed the session.
 * The program below watches the session, waits up to a minute for it to
 * be sealed and then claims it.
 */
#include <libcprhold.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    struct cprhold_session_info info;
    int ctl, wfd, sfd, ret;

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
    wfd = cprhold_watch(ctl, argv[1], secret, 0);
    if (wfd < 0) {
        fprintf(stderr, "watch %s: %s\n", argv[1],
                cprhold_strerror(CPRHOLD_OP_CLAIM, wfd));
        return 1;
    }
    ret = cprhold_wait(wfd, CPRHOLD_STATE_BIT(CPRHOLD_STATE_SEALED),
                       60 * 1000, &info);
    close(wfd);
    if (ret == -ETIMEDOUT) {
        fprintf(stderr, "%s: still %s after a minute\n", argv[1],
                cprhold_state_name(info.state));
        return 1;
    }
    if (ret) {
        fprintf(stderr, "%s: %s\n", argv[1],
                cprhold_strerror(CPRHOLD_OP_NONE, ret));
        return 1;
    }
    sfd = cprhold_claim(ctl, argv[1], secret, 0);
    if (sfd < 0) {
        /* -EBUSY: another successor was faster */
        fprintf(stderr, "claim %s: %s\n", argv[1],
                cprhold_strerror(CPRHOLD_OP_CLAIM, sfd));
        return 1;
    }
    printf("claimed %s\n", argv[1]);
    /* ... retrieve the entries ... */
    return cprhold_finish(sfd) != 0;
}
