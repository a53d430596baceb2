// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The function below retrieves a batch of entries.  It fills the fd
 * array with -1 first: after a failure while the fds were installed
 * (a security module refusing a file), the ones installed so far are in
 * it and must be closed.
 */
#include <libcprhold.h>
#include <stdio.h>
#include <unistd.h>

static int retrieve(int sfd, const uint64_t *tokens, int *fds,
                    unsigned int n)
{
    unsigned int i;
    int ret;

    for (i = 0; i < n; i++)
        fds[i] = -1;
    ret = cprhold_retrieve(sfd, tokens, fds, n, 0);
    if (ret) {
        fprintf(stderr, "retrieve: %s\n",
                cprhold_strerror(CPRHOLD_OP_RETRIEVE, ret));
        for (i = 0; i < n; i++)
            if (fds[i] >= 0)
                close(fds[i]);
    }
    return ret;
}

int main(int argc, char *argv[])
{
    const uint64_t tokens[] = { 1, 2, 3 };
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    int ctl, sfd, fds[3];

    if (argc != 3 || cprhold_secret_read(argv[2], secret)) {
        fprintf(stderr, "usage: %s NAME SECRET-FILE\n", argv[0]);
        return 2;
    }
    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    sfd = cprhold_claim(ctl, argv[1], secret, 0);
    if (sfd < 0 || retrieve(sfd, tokens, fds, 3))
        return 1;
    printf("fds %d, %d, %d\n", fds[0], fds[1], fds[2]);
    return cprhold_finish(sfd) != 0;
}
