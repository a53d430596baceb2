// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A migration stream of many megabytes need not be copied: the program
 * below maps the blob of token 2 read-only, writes it to its standard
 * output and unmaps it.
 */
#include <libcprhold.h>
#include <stdio.h>
#include <sys/mman.h>

int main(int argc, char *argv[])
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    int ctl, sfd, ret;
    const void *data;
    size_t len;

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
    ret = cprhold_blob_map(sfd, 2, &data, &len);
    if (ret) {
        fprintf(stderr, "%s\n",
                cprhold_strerror(CPRHOLD_OP_BLOB_FETCH, ret));
        return 1;
    }
    if (len && fwrite(data, len, 1, stdout) != 1)
        return 1;
    if (len)
        munmap((void *)data, len);
    return cprhold_finish(sfd) != 0;
}
