// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The function below saves a device's state as a sealed blob under
 * token 2.  Nobody can change a blob once it is parked, so the successor
 * reads exactly these bytes.
 */
#include <libcprhold.h>
#include <stdint.h>
#include <stdio.h>

struct device_state {
    uint32_t version;
    uint32_t irq_mask;
    uint64_t counter;
};

static int save_state(int sfd, const struct device_state *st)
{
    int ret = cprhold_blob_store(sfd, 2, "devstate", st, sizeof(*st));

    if (ret)
        fprintf(stderr, "device state: %s\n",
                cprhold_strerror(CPRHOLD_OP_BLOB_STORE, ret));
    return ret;
}

int main(void)
{
    struct device_state st = { 1, 0xff, 42 };
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    int ctl, sfd;

    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    sfd = cprhold_create(ctl, "blob-store-example", 0, 0, -1, secret);
    if (sfd < 0)
        return 1;
    return save_state(sfd, &st) != 0;
}
