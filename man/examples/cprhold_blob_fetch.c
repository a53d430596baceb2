// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The function below loads the device state that the example of
 * cprhold_blob_store(3) saved, and checks its size and version before
 * using it.
 */
#include <libcprhold.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct device_state {
    uint32_t version;
    uint32_t irq_mask;
    uint64_t counter;
};

static int load_state(int sfd, struct device_state *st)
{
    void *data;
    size_t len;
    int ret;

    ret = cprhold_blob_fetch(sfd, 2, &data, &len);
    if (ret) {
        /* -EPERM: "the entry is not sealed against changes ..." */
        fprintf(stderr, "device state: %s\n",
                cprhold_strerror(CPRHOLD_OP_BLOB_FETCH, ret));
        return ret;
    }
    if (len == sizeof(*st))
        memcpy(st, data, len);
    if (len != sizeof(*st) || st->version != 1)
        ret = -1;
    free(data);
    return ret;
}

int main(int argc, char *argv[])
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    struct device_state st;
    int ctl, sfd;

    if (argc != 3 || cprhold_secret_read(argv[2], secret)) {
        fprintf(stderr, "usage: %s NAME SECRET-FILE\n", argv[0]);
        return 2;
    }
    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    sfd = cprhold_claim(ctl, argv[1], secret, 0);
    if (sfd < 0 || load_state(sfd, &st))
        return 1;
    printf("counter %llu\n", (unsigned long long)st.counter);
    return cprhold_finish(sfd) != 0;
}
