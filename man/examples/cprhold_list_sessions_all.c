// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below prints the sealed sessions that nobody has claimed
 * yet, from the whole listing in one array.
 */
#include <libcprhold.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    struct cprhold_session_info *infos;
    int ctl, n, i;

    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    n = cprhold_list_sessions_all(ctl, &infos);
    if (n < 0) {
        fprintf(stderr, "%s\n",
                cprhold_strerror(CPRHOLD_OP_LIST_SESSIONS, n));
        return 1;
    }
    for (i = 0; i < n; i++)
        if (infos[i].state == CPRHOLD_STATE_SEALED &&
            !infos[i].nr_claims)
            printf("%s\n", infos[i].name);
    free(infos);
    return 0;
}
