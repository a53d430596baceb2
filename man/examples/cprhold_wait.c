// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The old owner may keep its session fd after sealing to learn how the
 * handover ends.  The program below creates and seals a session, then
 * waits up to ten minutes for its end, and tells a finished handover
 * from a destroyed or expired session.  An abort (back to SEALED) does
 * not end the wait.
 */
#include <libcprhold.h>
#include <errno.h>
#include <stdio.h>

int main(int argc, char *argv[])
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    struct cprhold_session_info info;
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
    /* ... park ... */
    if (cprhold_seal(sfd))
        return 1;

    ret = cprhold_wait(sfd, CPRHOLD_STATE_BIT(CPRHOLD_STATE_FINISHED),
                       10 * 60 * 1000, &info);
    if (ret == -ETIMEDOUT) {
        fprintf(stderr, "%s: still %s\n", argv[1],
                cprhold_state_name(info.state));
        return 1;
    }
    if (ret) {
        fprintf(stderr, "%s\n", cprhold_strerror(CPRHOLD_OP_INFO, ret));
        return 1;
    }
    printf("%s: %s\n", argv[1], cprhold_end_name(info.end_reason));
    return info.end_reason != CPRHOLD_END_FINISHED;
}
