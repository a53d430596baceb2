// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A session fd outlives its session.  The program below watches a
 * session until it ends and prints why it ended: "finished",
 * "destroyed", "expired" or "closed".
 */
#include <libcprhold.h>
#include <stdio.h>

int main(int argc, char *argv[])
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    struct cprhold_session_info info;
    const char *reason;
    int ctl, wfd;

    if (argc != 3 || cprhold_secret_read(argv[2], secret)) {
        fprintf(stderr, "usage: %s NAME SECRET-FILE\n", argv[0]);
        return 2;
    }
    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    wfd = cprhold_watch(ctl, argv[1], secret, 0);
    if (wfd < 0)
        return 1;
    if (cprhold_wait(wfd, CPRHOLD_STATE_BIT(CPRHOLD_STATE_FINISHED), -1,
                     &info))
        return 1;
    reason = cprhold_end_name(info.end_reason);
    printf("%s %s\n", argv[1], reason ? reason : "ended");
    return 0;
}
