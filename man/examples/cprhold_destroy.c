// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below destroys the sessions named on its command line,
 * as "cprholdctl destroy" does.
 */
#include <libcprhold.h>
#include <stdio.h>

int main(int argc, char *argv[])
{
    int ctl, i, ret, status = 0;

    ctl = cprhold_open(0);
    if (ctl < 0) {
        fprintf(stderr, "%s\n", cprhold_strerror(CPRHOLD_OP_OPEN, ctl));
        return 1;
    }
    for (i = 1; i < argc; i++) {
        ret = cprhold_destroy(ctl, argv[i]);
        if (ret) {
            /* -EACCES: "only the session's creator ... or
               CAP_SYS_ADMIN may destroy it" */
            fprintf(stderr, "destroy %s: %s\n", argv[i],
                    cprhold_strerror(CPRHOLD_OP_DESTROY, ret));
            status = 1;
        }
    }
    return status;
}
