// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below parks its standard input, output and error in one
 * call, then looks each up to print how the kernel classified it (a
 * terminal, a pipe, a regular file, ...).  Entries stay parked until the
 * session ends: it exits without sealing, so the session is destroyed.
 */
#include <libcprhold.h>
#include <fcntl.h>
#include <stdio.h>

int main(void)
{
    static const char *const labels[] = { "stdin", "stdout", "stderr" };
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    struct cprhold_entry e[3];
    int ctl, sfd, i, ret;

    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    sfd = cprhold_create(ctl, "park-example", 0, 0, -1, secret);
    if (sfd < 0)
        return 1;
    for (i = 0; i < 3; i++)
        cprhold_entry_init(&e[i], i, i + 1, labels[i], NULL);
    ret = cprhold_park(sfd, e, 3);
    if (ret) {
        /* -EEXIST: "a token is repeated in the batch or already
           parked in the session" */
        fprintf(stderr, "park: %s\n",
                cprhold_strerror(CPRHOLD_OP_PARK, ret));
        return 1;
    }
    for (i = 0; i < 3; i++) {
        struct cprhold_entry k;
        const char *type;

        if (cprhold_find_entry(sfd, e[i].token, &k))
            return 1;
        type = cprhold_entry_type_name(k.type);
        printf("%s: %s, %s\n", k.label, type ? type : "?",
               (k.f_flags & O_ACCMODE) == O_RDONLY ? "read-only" :
               "writable");
    }
    return 0;
}
