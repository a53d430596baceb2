// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The function below prints an error of a libcprhold call the way
 * cprholdctl(8) does: the operation, the session, and what the error
 * means for that operation.
 */
#include <libcprhold.h>
#include <stdio.h>

static void report(int op, const char *name, int err)
{
    fprintf(stderr, "%s %s: %s\n", cprhold_op_name(op), name,
            cprhold_strerror(op, err));
}

int main(int argc, char *argv[])
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    int ctl, sfd;

    if (argc != 3 || cprhold_secret_read(argv[2], secret)) {
        fprintf(stderr, "usage: %s NAME SECRET-FILE\n", argv[0]);
        return 2;
    }
    ctl = cprhold_open(0);
    if (ctl < 0) {
        report(CPRHOLD_OP_OPEN, CPRHOLD_DEVICE_PATH, ctl);
        return 1;
    }
    sfd = cprhold_claim(ctl, argv[1], secret, 0);
    if (sfd < 0) {
        /* e.g. "claim vm-1: session is not sealed yet or already
           claimed" */
        report(CPRHOLD_OP_CLAIM, argv[1], sfd);
        return 1;
    }
    return 0;
}
