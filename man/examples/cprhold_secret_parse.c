// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below takes a session's secret from the environment
 * variable CPRHOLD_SECRET, in the format of a secret file, instead of
 * from a file, and claims the session named by its argument.
 */
#include <libcprhold.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char *argv[])
{
    const char *hex = getenv("CPRHOLD_SECRET");
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    int ctl, sfd;

    if (argc != 2 || !hex) {
        fprintf(stderr, "usage: CPRHOLD_SECRET=HEX %s NAME\n", argv[0]);
        return 2;
    }
    if (cprhold_secret_parse(hex, strlen(hex), secret)) {
        fprintf(stderr, "CPRHOLD_SECRET: not %d hexadecimal digits\n",
                2 * CPRHOLD_SECRET_SIZE);
        return 2;
    }
    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    sfd = cprhold_claim(ctl, argv[1], secret, 0);
    memset(secret, 0, sizeof(secret));
    if (sfd < 0) {
        fprintf(stderr, "claim %s: %s\n", argv[1],
                cprhold_strerror(CPRHOLD_OP_CLAIM, sfd));
        return 1;
    }
    /* ... */
    return cprhold_finish(sfd) != 0;
}
