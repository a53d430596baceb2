// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below lists the caller's sessions (all of them for an
 * administrator) page by page, one line each.
 */
#include <libcprhold.h>
#include <stdio.h>

int main(void)
{
    struct cprhold_iter it = CPRHOLD_ITER_INIT;
    struct cprhold_session_info page[16];
    int ctl, n, i;

    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    while ((n = cprhold_list_sessions(ctl, &it, page, 16)) > 0) {
        for (i = 0; i < n; i++)
            printf("%-20s %-8s %4u entries %12llu bytes\n",
                   page[i].name, cprhold_state_name(page[i].state),
                   page[i].nr_entries,
                   (unsigned long long)page[i].mem_bytes);
    }
    if (n < 0) {
        fprintf(stderr, "%s\n",
                cprhold_strerror(CPRHOLD_OP_LIST_SESSIONS, n));
        return 1;
    }
    printf("%u sessions\n", it.total);
    return 0;
}
