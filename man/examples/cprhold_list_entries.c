// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below prints the entries of a session page by page,
 * through a watcher fd (any session fd lists them, in any state).
 */
#include <libcprhold.h>
#include <stdio.h>

int main(int argc, char *argv[])
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    struct cprhold_iter it = CPRHOLD_ITER_INIT;
    struct cprhold_entry page[16];
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
    while ((n = cprhold_list_entries(wfd, &it, page, 16)) > 0) {
        for (i = 0; i < n; i++) {
            const char *type = cprhold_entry_type_name(page[i].type);

            printf("%6llu %-16s %s\n",
                   (unsigned long long)page[i].token, page[i].label,
                   type ? type : "?");
        }
    }
    if (n < 0) {
        fprintf(stderr, "%s\n", cprhold_strerror(CPRHOLD_OP_LIST, n));
        return 1;
    }
    printf("%u entries\n", it.total);
    return 0;
}
