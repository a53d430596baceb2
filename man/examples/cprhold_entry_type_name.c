// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A newer kernel may know entry types this library does not.  The
 * function below names a type, and falls back to its number.
 */
#include <libcprhold.h>
#include <stdio.h>

static const char *type_name(uint32_t type, char *buf, size_t size)
{
    const char *name = cprhold_entry_type_name(type);

    if (name)
        return name;
    snprintf(buf, size, "type %u", type);
    return buf;
}

int main(void)
{
    char buf[16];
    uint32_t t;

    for (t = CPRHOLD_ENTRY_OTHER; t <= CPRHOLD_ENTRY_REGULAR + 1; t++)
        printf("%2u %s\n", t, type_name(t, buf, sizeof(buf)));
    return 0;
}
