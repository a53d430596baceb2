// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_keepalive - hold one idle KVM VM for as long as the test VM runs.
 *
 * Creating the first KVM VM and destroying the last one flip static keys,
 * which patches kernel text while other CPUs run.  QEMU's TCG sometimes
 * executes the stale code (seen as "Oops: int3" in KVM or the scheduler).
 * With one VM alive all the time, tests that create and destroy VMs never
 * cause that patching.  Started in the background by scripts/vm-init.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm;

	if (kvm < 0) {
		perror("kvm_keepalive: /dev/kvm");
		return 1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		perror("kvm_keepalive: KVM_CREATE_VM");
		return 1;
	}
	for (;;)
		pause();
}
