// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below prints the version of libcprhold it was built with
 * and the version of the library it runs with.
 */
#include <libcprhold.h>
#include <stdio.h>

int main(void)
{
    printf("built with libcprhold %d.%d.%d, running with %s\n",
           LIBCPRHOLD_VERSION_MAJOR, LIBCPRHOLD_VERSION_MINOR,
           LIBCPRHOLD_VERSION_PATCH, cprhold_version());
    return 0;
}
