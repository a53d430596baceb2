// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below creates a session and writes its secret to a file
 * that the members of the file's group may read too (mode 0640, whatever
 * the umask), for a successor that runs under another user of that
 * group.
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
    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    sfd = cprhold_create(ctl, argv[1], 0, 0, -1, secret);
    if (sfd < 0)
        return 1;
    ret = cprhold_secret_write(argv[2], secret, 0640);
    memset(secret, 0, sizeof(secret));
    if (ret) {
        /* e.g. -EACCES: no write permission in the file's directory */
        fprintf(stderr, "%s: %s\n", argv[2], strerror(-ret));
        return 1;
    }
    /* ... park ... */
    return cprhold_seal(sfd) != 0;
}
