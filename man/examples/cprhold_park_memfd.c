// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below creates 256 MiB of guest memory at an address of
 * the kernel's choice, with its size sealed, parks it as token 1 with
 * that address, and seals the session.  Its successor maps the memory at
 * the same address with cprhold_map_fixed().
 */
#include <libcprhold.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char *argv[])
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    int ctl, sfd, ramfd;
    void *ram;

    if (argc != 3) {
        fprintf(stderr, "usage: %s NAME SECRET-FILE\n", argv[0]);
        return 2;
    }
    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    sfd = cprhold_create(ctl, argv[1], 0, 0, -1, secret);
    if (sfd < 0 || cprhold_secret_write(argv[2], secret, 0600))
        return 1;
    ramfd = cprhold_park_memfd(sfd, 1, "ram0", 256UL << 20, NULL,
                               CPRHOLD_MEMFD_SEAL_SIZE, &ram);
    if (ramfd < 0) {
        fprintf(stderr, "guest memory: %s\n",
                cprhold_strerror(CPRHOLD_OP_PARK_MEMFD, ramfd));
        return 1;
    }
    strcpy(ram, "hello from the old owner");
    printf("ram0 at %p\n", ram);
    return cprhold_seal(sfd) != 0;
}
