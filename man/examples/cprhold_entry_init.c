// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The function below parks a VMM's interrupt eventfds in one batch: it
 * fills in an entry for each with cprhold_entry_init(), tokens 100,
 * 101, ... and labels "irq0", "irq1", ..., and parks them all or none.
 */
#include <libcprhold.h>
#include <stdio.h>
#include <sys/eventfd.h>

#define NR_IRQS 4

static int park_irqfds(int sfd, const int *irqfds)
{
    struct cprhold_entry e[NR_IRQS];
    char label[CPRHOLD_LABEL_MAX];
    int i, ret;

    for (i = 0; i < NR_IRQS; i++) {
        snprintf(label, sizeof(label), "irq%d", i);
        ret = cprhold_entry_init(&e[i], irqfds[i], 100 + i, label,
                                 NULL);
        if (ret)
            return ret;
    }
    return cprhold_park(sfd, e, NR_IRQS);
}

int main(void)
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    int ctl, sfd, i, ret, irqfds[NR_IRQS];

    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    sfd = cprhold_create(ctl, "entry-init-example", 0, 0, -1, secret);
    if (sfd < 0)
        return 1;
    for (i = 0; i < NR_IRQS; i++)
        if ((irqfds[i] = eventfd(0, EFD_CLOEXEC)) < 0)
            return 1;
    ret = park_irqfds(sfd, irqfds);
    if (ret)
        fprintf(stderr, "%s\n", cprhold_strerror(CPRHOLD_OP_PARK, ret));
    return ret != 0;    /* exiting destroys the OPEN session */
}
