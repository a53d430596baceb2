// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The function below checks, before retrieving anything, that the entry
 * of a token is the file the successor expects: here a KVM VM.
 */
#include <libcprhold.h>
#include <errno.h>
#include <stdio.h>

static int check_vm(int sfd, uint64_t token)
{
    struct cprhold_entry e;
    int ret;

    ret = cprhold_find_entry(sfd, token, &e);
    if (ret == -ENOENT) {
        fprintf(stderr, "no entry %llu\n", (unsigned long long)token);
        return ret;
    }
    if (ret)
        return ret;
    if (e.type != CPRHOLD_ENTRY_KVM_VM) {
        fprintf(stderr, "entry %llu (%s) is a %s\n",
                (unsigned long long)token, e.label,
                cprhold_entry_type_name(e.type));
        return -EMEDIUMTYPE;
    }
    return 0;
}

int main(int argc, char *argv[])
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    int ctl, wfd;

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
    return check_vm(wfd, 2) != 0;
}
