// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below claims a session, retrieves all its entries in one
 * call, and only then finishes the session: that drops the parked
 * references, while the retrieved fds stay.
 */
#include <libcprhold.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char *argv[])
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    struct cprhold_entry *entries;
    uint64_t *tokens;
    int ctl, sfd, n, i, ret, *fds;

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
    n = cprhold_list_entries_all(sfd, &entries);
    if (n <= 0)
        return n < 0;
    tokens = calloc(n, sizeof(*tokens));
    fds = calloc(n, sizeof(*fds));
    if (!tokens || !fds)
        return 1;
    for (i = 0; i < n; i++)
        tokens[i] = entries[i].token;
    if (cprhold_retrieve(sfd, tokens, fds, n, 0))
        return 1;    /* the claim ends with the process */

    ret = cprhold_finish(sfd);
    if (ret) {
        /* -ENOENT: the session was destroyed meanwhile */
        fprintf(stderr, "finish: %s\n",
                cprhold_strerror(CPRHOLD_OP_FINISH, ret));
        return 1;
    }
    for (i = 0; i < n; i++)
        printf("%s: fd %d\n", entries[i].label, fds[i]);
    return 0;
}
