// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The function below is an old VMM's last step before it hands a KVM VM
 * over: the VM, its vCPUs and its memory are parked and the vCPUs
 * stopped; it lets go of the VM (the successor adopts it) and seals,
 * asking the kernel to start moving the VM off its address space at
 * once.  If the module is older and does not know the flag, it seals
 * without it.
 */
#include <errno.h>
#include <libcprhold.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static int let_go_and_seal(int sfd, int vm_fd, const int *vcpu_fds,
                           void *const *kvm_runs, size_t run_size,
                           int nr)
{
    int i, ret;

    for (i = 0; i < nr; i++) {
        munmap(kvm_runs[i], run_size);
        close(vcpu_fds[i]);
    }
    close(vm_fd);
    ret = cprhold_seal_flags(sfd, CPRHOLD_SEAL_PREPARE_ADOPT);
    if (ret == -EOPNOTSUPP)
        ret = cprhold_seal(sfd);
    if (ret)
        fprintf(stderr, "seal: %s\n",
                cprhold_strerror(CPRHOLD_OP_SEAL, ret));
    return ret;
}

int main(void)
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    int ctl, sfd;

    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    sfd = cprhold_create(ctl, "seal-flags-example", 0, 0, -1, secret);
    if (sfd < 0)
        return 1;
    /* No VM here: nothing to prepare, the seal is an ordinary one. */
    return let_go_and_seal(sfd, -1, NULL, NULL, 0, 0) != 0;
}
