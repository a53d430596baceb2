// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below prints the guest memory a session holds: its memory
 * entries with the address the old owner mapped each at.
 */
#include <libcprhold.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char *argv[])
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    struct cprhold_entry *entries, *e;
    int ctl, wfd, n, i;

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
    n = cprhold_list_entries_all(wfd, &entries);
    if (n < 0) {
        fprintf(stderr, "%s\n", cprhold_strerror(CPRHOLD_OP_LIST, n));
        return 1;
    }
    for (i = 0; i < n; i++) {
        e = &entries[i];
        if (e->type == CPRHOLD_ENTRY_MEMFD &&
            (e->flags & CPRHOLD_ENTRY_ADDR))
            printf("%-16s %#llx, %llu bytes\n", e->label,
                   (unsigned long long)e->addr,
                   (unsigned long long)e->data.mem.size);
    }
    free(entries);
    return 0;
}
