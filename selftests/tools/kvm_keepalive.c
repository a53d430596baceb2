// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_keepalive - hold idle KVM VMs and vCPUs for as long as the test VM runs.
 *
 * KVM flips static keys when the first VM is created and the last one
 * destroyed, and when the first or last vCPU enters or leaves a state:
 * apic_sw_disabled (a LAPIC software-disabled, as every LAPIC is at reset
 * until the guest programs its SVR), apic_hw_disabled (a LAPIC disabled in
 * MSR_IA32_APICBASE) and kvm_has_noapic_vcpu (a vCPU without an in-kernel
 * LAPIC).  Each flip patches kernel text while other CPUs run, and QEMU's
 * TCG sometimes executes the stale code: "Oops: int3" at a static branch in
 * kvm_arch_vcpu_ioctl_run() (apic_sw_disabled, seen with 16-vCPU guests on
 * 6.12) or in the scheduler.  Holding one of each state for the whole run
 * keeps these keys enabled, so tests that create, run and destroy VMs never
 * cause that patching.  Started in the background by scripts/vm-init.
 *
 * The vCPUs never run; they only exist.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MSR_IA32_APICBASE	0x1b
#define APICBASE_BSP		(1ULL << 8)
#define APICBASE_DEFAULT	0xfee00000ULL

static int create(int fd, unsigned long req, unsigned long arg, const char *what)
{
	int r = ioctl(fd, req, arg);

	if (r < 0)
		perror(what);
	return r;
}

/* The LAPIC of vcpu disabled in MSR_IA32_APICBASE (holds apic_hw_disabled). */
static int disable_apic(int vcpu)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.e.index = MSR_IA32_APICBASE;
	m.e.data = APICBASE_DEFAULT | APICBASE_BSP;	/* enable bit clear */
	if (ioctl(vcpu, KVM_SET_MSRS, &m) != 1) {
		perror("kvm_keepalive: KVM_SET_MSRS(APICBASE)");
		return -1;
	}
	return 0;
}

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm, vm_noapic, vcpu;

	if (kvm < 0) {
		perror("kvm_keepalive: /dev/kvm");
		return 1;
	}
	/* A VM with an in-kernel irqchip and two vCPUs: LAPIC sw-disabled
	 * (never run, so the guest never enables it) and LAPIC hw-disabled. */
	vm = create(kvm, KVM_CREATE_VM, 0, "kvm_keepalive: KVM_CREATE_VM");
	if (vm < 0 || create(vm, KVM_CREATE_IRQCHIP, 0, "kvm_keepalive: KVM_CREATE_IRQCHIP") < 0 ||
	    create(vm, KVM_CREATE_VCPU, 0, "kvm_keepalive: KVM_CREATE_VCPU") < 0)
		return 1;
	vcpu = create(vm, KVM_CREATE_VCPU, 1, "kvm_keepalive: KVM_CREATE_VCPU");
	if (vcpu < 0 || disable_apic(vcpu) < 0)
		return 1;
	/* A VM without an in-kernel irqchip and a vCPU (kvm_has_noapic_vcpu). */
	vm_noapic = create(kvm, KVM_CREATE_VM, 0, "kvm_keepalive: KVM_CREATE_VM");
	if (vm_noapic < 0 ||
	    create(vm_noapic, KVM_CREATE_VCPU, 0, "kvm_keepalive: KVM_CREATE_VCPU") < 0)
		return 1;
	for (;;)
		pause();
}
