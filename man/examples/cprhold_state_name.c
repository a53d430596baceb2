// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below prints the state of the caller's sessions (all
 * sessions for an administrator) by name.
 */
#include <libcprhold.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    struct cprhold_session_info *s;
    int ctl, n, i;

    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    n = cprhold_list_sessions_all(ctl, &s);
    if (n < 0)
        return 1;
    for (i = 0; i < n; i++) {
        const char *state = cprhold_state_name(s[i].state);

        if (state)
            printf("%s %s\n", s[i].name, state);
        else
            printf("%s %u\n", s[i].name, s[i].state);
    }
    free(s);
    return 0;
}
