// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below maps the guest memory that the example of
 * cprhold_park_memfd(3) parked at the address the old owner used, so
 * that KVM memslots and VFIO DMA mappings keep their addresses.
 */
#include <libcprhold.h>
#include <stdio.h>
#include <sys/mman.h>

int main(int argc, char *argv[])
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    int ctl, sfd, ramfd;
    size_t len;
    void *ram;

    if (argc != 3 || cprhold_secret_read(argv[2], secret)) {
        fprintf(stderr, "usage: %s NAME SECRET-FILE\n", argv[0]);
        return 2;
    }
    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    sfd = cprhold_claim(ctl, argv[1], secret, 0);
    if (sfd < 0)
        return 1;
    ramfd = cprhold_map_fixed(sfd, 1, PROT_READ | PROT_WRITE, 0, &ram,
                              &len);
    if (ramfd < 0) {
        /* -EEXIST: "the recorded address range is already mapped in
           this process" */
        fprintf(stderr, "ram0: %s\n",
                cprhold_strerror(CPRHOLD_OP_MAP_FIXED, ramfd));
        cprhold_abort(sfd);
        return 1;
    }
    printf("ram0 at %p, %zu bytes: %s\n", ram, len, (char *)ram);
    return cprhold_finish(sfd) != 0;
}
