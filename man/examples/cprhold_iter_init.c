// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * An iterator that is part of an allocated structure cannot take the
 * CPRHOLD_ITER_INIT initialiser.  The program below keeps one in its
 * own listing state, and resets it to list the sessions twice.
 */
#include <libcprhold.h>
#include <stdio.h>
#include <stdlib.h>

struct lister {
    int ctl;
    struct cprhold_iter it;
    struct cprhold_session_info page[8];
};

static int list(struct lister *l)
{
    int n, i, total = 0;

    cprhold_iter_init(&l->it);
    while ((n = cprhold_list_sessions(l->ctl, &l->it, l->page,
                                      8)) > 0) {
        for (i = 0; i < n; i++)
            printf("%s\n", l->page[i].name);
        total += n;
    }
    return n < 0 ? n : total;
}

int main(void)
{
    struct lister *l = malloc(sizeof(*l));

    if (!l)
        return 1;
    l->ctl = cprhold_open(0);
    if (l->ctl < 0)
        return 1;
    if (list(l) < 0 || list(l) < 0)
        return 1;
    free(l);
    return 0;
}
