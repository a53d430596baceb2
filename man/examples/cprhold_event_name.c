// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The events come from the cprhold generic netlink family, which
 * "cprholdctl watch" reads.  The program below prints the value and the
 * name of each event this library knows.
 */
#include <libcprhold.h>
#include <stdio.h>

int main(void)
{
    const char *name;
    uint32_t ev;

    ev = CPRHOLD_EVENT_CREATED;
    for (; (name = cprhold_event_name(ev)); ev++)
        printf("%u %s\n", ev, name);
    return 0;
}
