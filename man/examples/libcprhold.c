// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below plays both sides of a handover.  "handover old NAME
 * FILE" creates guest memory and an interrupt eventfd, parks them with
 * the device state in a session called NAME, writes the session's secret
 * to FILE, seals the session and exits: the session outlives it.
 * "handover new NAME FILE", started later, claims the session, maps the
 * memory at the same address, reads the state, retrieves the eventfd and
 * finishes the session.
 */
#define _GNU_SOURCE
#include <libcprhold.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

/* Where the guest memory lives, free in both processes */
#define RAM_ADDR ((void *)0x200000000000UL)
#define RAM_SIZE (64UL << 20)

enum { TOKEN_RAM = 1, TOKEN_STATE, TOKEN_IRQ };

static int fail(int op, int err)
{
    fprintf(stderr, "handover: %s: %s\n", cprhold_op_name(op),
            cprhold_strerror(op, err));
    return 1;
}

static int old_owner(int ctl, const char *name, const char *file)
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    const char state[] = "device state";
    int sfd, ramfd, irqfd, ret;
    void *ram;

    sfd = cprhold_create(ctl, name, 0, 0, -1, secret);
    if (sfd < 0)
        return fail(CPRHOLD_OP_CREATE, sfd);
    ramfd = cprhold_park_memfd(sfd, TOKEN_RAM, "ram0", RAM_SIZE,
                               RAM_ADDR, 0, &ram);
    if (ramfd < 0)
        return fail(CPRHOLD_OP_PARK_MEMFD, ramfd);
    strcpy(ram, "guest memory");    /* ... the guest runs ... */

    ret = cprhold_blob_store(sfd, TOKEN_STATE, "vmstate", state,
                             sizeof(state));
    if (ret)
        return fail(CPRHOLD_OP_BLOB_STORE, ret);
    irqfd = eventfd(0, EFD_CLOEXEC);
    if (irqfd < 0) {
        perror("eventfd");
        return 1;
    }
    ret = cprhold_park_one(sfd, irqfd, TOKEN_IRQ, "irq0", NULL, NULL);
    if (ret)
        return fail(CPRHOLD_OP_PARK, ret);
    ret = cprhold_secret_write(file, secret, 0600);
    if (ret) {
        fprintf(stderr, "handover: %s: %s\n", file, strerror(-ret));
        return 1;
    }
    ret = cprhold_seal(sfd);
    if (ret)
        return fail(CPRHOLD_OP_SEAL, ret);
    return 0;    /* the sealed session outlives this process */
}

static int new_owner(int ctl, const char *name, const char *file)
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    int sfd, ramfd, irqfd, ret;
    size_t ram_len, state_len;
    void *ram, *state;

    ret = cprhold_secret_read(file, secret);
    if (ret) {
        fprintf(stderr, "handover: %s: %s\n", file, strerror(-ret));
        return 1;
    }
    sfd = cprhold_claim(ctl, name, secret, 0);
    if (sfd < 0)
        return fail(CPRHOLD_OP_CLAIM, sfd);
    ramfd = cprhold_map_fixed(sfd, TOKEN_RAM, PROT_READ | PROT_WRITE, 0,
                              &ram, &ram_len);
    if (ramfd < 0) {
        cprhold_abort(sfd);    /* back to SEALED, for a rollback */
        return fail(CPRHOLD_OP_MAP_FIXED, ramfd);
    }
    ret = cprhold_blob_fetch(sfd, TOKEN_STATE, &state, &state_len);
    if (ret)
        return fail(CPRHOLD_OP_BLOB_FETCH, ret);
    irqfd = cprhold_retrieve_one(sfd, TOKEN_IRQ, 0);
    if (irqfd < 0)
        return fail(CPRHOLD_OP_RETRIEVE, irqfd);

    printf("%s at %p (%zu bytes), %s, irqfd %d\n", (char *)ram, ram,
           ram_len, (char *)state, irqfd);
    free(state);
    /* ... the guest runs on ... */
    ret = cprhold_finish(sfd);
    if (ret)
        return fail(CPRHOLD_OP_FINISH, ret);
    return 0;
}

int main(int argc, char *argv[])
{
    int ctl;

    if (argc != 4 ||
        (strcmp(argv[1], "old") && strcmp(argv[1], "new"))) {
        fprintf(stderr, "usage: handover old|new NAME SECRET-FILE\n");
        return 2;
    }
    ctl = cprhold_open(0);
    if (ctl < 0)
        return fail(CPRHOLD_OP_OPEN, ctl);
    if (!strcmp(argv[1], "old"))
        return old_owner(ctl, argv[2], argv[3]);
    return new_owner(ctl, argv[2], argv[3]);
}
