// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The function below parks a VMM's tap device under token 10 and reports
 * it in the kernel's terms; parking takes a reference on the open file,
 * as dup() would, and the VMM's fd stays open.
 */
#include <libcprhold.h>
#include <stdio.h>

static int park_tap(int sfd, int tapfd)
{
    struct cprhold_entry e;
    int ret;

    ret = cprhold_park_one(sfd, tapfd, 10, "net0", NULL, &e);
    if (ret) {
        fprintf(stderr, "park net0: %s\n",
                cprhold_strerror(CPRHOLD_OP_PARK, ret));
        return ret;
    }
    if (e.type != CPRHOLD_ENTRY_TUN)
        fprintf(stderr, "net0 is a %s, not a tap device\n",
                cprhold_entry_type_name(e.type));
    return 0;
}

int main(void)
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    int ctl, sfd;

    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    sfd = cprhold_create(ctl, "park-one-example", 0, 0, -1, secret);
    if (sfd < 0)
        return 1;
    return park_tap(sfd, 0) != 0;    /* stdin, for the example */
}
