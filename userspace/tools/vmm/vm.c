// SPDX-License-Identifier: GPL-2.0
/*
 * vm.c - cprhold-vmm: the VM: /dev/kvm, the VM and its memory, vCPUs, CPUID,
 * the irqfd, the guest image
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

/* The guest image, assembled from guest.S and embedded by guest_blob.S. */
extern const unsigned char guest_image_start[], guest_image_end[];

#define KVM_TSS_ADDR		0xfffbd000ULL
#define PIT_HZ			1193182

static int check_cap(struct vmm *vm, long cap, const char *name, bool required)
{
	int r = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, cap);

	if (r < 0)
		r = 0;
	if (!r && required)
		vmm_err("KVM lacks %s, which cprhold-vmm needs", name);
	return r;
}
#define CHECK_CAP(vm, cap, req) check_cap(vm, cap, #cap, req)

/* ------------------------------------------------------------------ */
/* VM lifecycle                                                        */
/* ------------------------------------------------------------------ */

void vmm_init(struct vmm *vm, const struct vmm_opts *opts)
{
	int i;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->kick_fd = vm->notify_fd = vm->ctl_fd = -1;
	for (i = 0; i < VMM_MAX_VCPUS; i++) {
		vm->vcpu[i].fd = -1;
		vm->vcpu[i].id = i;
		vm->vcpu[i].vm = vm;
	}
	for (i = 0; i < VMM_MAX_MEM; i++)
		vm->mem[i].fd = -1;
	vm->opts = opts;
	vm->log = stdout;
	pthread_mutex_init(&vm->log_lock, NULL);
	pthread_mutex_init(&vm->gate_lock, NULL);
	pthread_cond_init(&vm->gate_cond, NULL);
	vm->start_ns = now_ns();
}

/* Open /dev/kvm and learn what this KVM offers. */
int vmm_open_kvm(struct vmm *vm)
{
	struct kvm_msr_list probe = { .nmsrs = 0 };
	uint32_t nent;
	int r;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		vmm_err("open /dev/kvm: %s (is kvm_intel/kvm_amd loaded?)", strerror(errno));
		return -errno;
	}
	r = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (r != KVM_API_VERSION) {
		vmm_err("KVM API version %d, expected %d", r, KVM_API_VERSION);
		return -EINVAL;
	}
	if (!CHECK_CAP(vm, KVM_CAP_IRQCHIP, true) ||
	    !CHECK_CAP(vm, KVM_CAP_IRQFD, true) ||
	    !CHECK_CAP(vm, KVM_CAP_IMMEDIATE_EXIT, true) ||
	    !CHECK_CAP(vm, KVM_CAP_USER_MEMORY, true) ||
	    !CHECK_CAP(vm, KVM_CAP_VCPU_EVENTS, true) ||
	    !CHECK_CAP(vm, KVM_CAP_MP_STATE, true) ||
	    !CHECK_CAP(vm, KVM_CAP_ADJUST_CLOCK, true) ||
	    !CHECK_CAP(vm, KVM_CAP_XSAVE, true) ||
	    !CHECK_CAP(vm, KVM_CAP_EXT_CPUID, true))
		return -EOPNOTSUPP;
	vm->has_pit = CHECK_CAP(vm, KVM_CAP_PIT2, false) &&
		      CHECK_CAP(vm, KVM_CAP_PIT_STATE2, false);
	vm->has_xcrs = CHECK_CAP(vm, KVM_CAP_XCRS, false);
	vm->has_debugregs = CHECK_CAP(vm, KVM_CAP_DEBUGREGS, false);
	r = CHECK_CAP(vm, KVM_CAP_XSAVE2, false);
	vm->has_xsave2 = r > 0;
	vm->xsave_size = r > (int)sizeof(struct kvm_xsave) ? (uint32_t)r :
			 sizeof(struct kvm_xsave);
	vm->max_vcpus = CHECK_CAP(vm, KVM_CAP_MAX_VCPUS, false);
	if (vm->max_vcpus <= 0)
		vm->max_vcpus = CHECK_CAP(vm, KVM_CAP_NR_VCPUS, false);
	if (vm->max_vcpus <= 0)
		vm->max_vcpus = 4;

	r = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r < (int)sizeof(struct kvm_run)) {
		vmm_err("KVM_GET_VCPU_MMAP_SIZE: %s", r < 0 ? strerror(errno) : "too small");
		return -EINVAL;
	}
	vm->run_size = r;

	/* MSRs to save: first ask for the count, then the list */
	if (ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 && errno != E2BIG) {
		vmm_err("KVM_GET_MSR_INDEX_LIST: %s", strerror(errno));
		return -errno;
	}
	vm->msr_list = calloc(1, sizeof(*vm->msr_list) + probe.nmsrs * sizeof(uint32_t));
	if (!vm->msr_list)
		return -ENOMEM;
	vm->msr_list->nmsrs = probe.nmsrs;
	if ((r = KVM_IOCTL(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, vm->msr_list, "kvm")) < 0)
		return r;

	for (nent = 64;; nent *= 2) {
		vm->cpuid = calloc(1, sizeof(*vm->cpuid) +
				   nent * sizeof(struct kvm_cpuid_entry2));
		if (!vm->cpuid)
			return -ENOMEM;
		vm->cpuid->nent = nent;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, vm->cpuid) == 0)
			break;
		free(vm->cpuid);
		vm->cpuid = NULL;
		if (errno != E2BIG || nent >= 4096) {
			vmm_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* The VM itself and its in-kernel interrupt controllers and PIT. */
int vmm_create_vm(struct vmm *vm)
{
	struct kvm_pit_config pit = { .flags = 0 };
	int r;

	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		vmm_err("KVM_CREATE_VM: %s", strerror(errno));
		return -errno;
	}
	/* Needed by VMX for real mode; harmless on SVM.  Before any vCPU. */
	r = ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR);
	if (r < 0) {
		vmm_err("vm: KVM_SET_TSS_ADDR failed: %s", strerror(errno));
		return -errno;
	}
	if ((r = KVM_IOCTL(vm->vm_fd, KVM_CREATE_IRQCHIP, NULL, "vm")) < 0)
		return r;
	if (vm->has_pit && (r = KVM_IOCTL(vm->vm_fd, KVM_CREATE_PIT2, &pit, "vm")) < 0)
		return r;
	return 0;
}

/*
 * Guest RAM: one region, or two (--mem-split), each a memfd or the file
 * "<path>.<n>", mapped MAP_SHARED and registered as memslot n.  With
 * @reopen the files must exist already (a restorer maps the same memory).
 */
int vmm_setup_memory(struct vmm *vm, uint64_t size, bool split,
		     const char *path, bool reopen)
{
	uint64_t sizes[VMM_MAX_MEM], gpa = 0;
	int i, nr = split ? 2 : 1;

	if (size < (2ULL << 20) || size > (2048ULL << 20)) {
		vmm_err("guest memory must be 2..2048 MiB");
		return -EINVAL;
	}
	sizes[0] = split ? (size / 2) & ~((1ULL << 20) - 1) : size;
	sizes[1] = size - sizes[0];
	vm->mem_size = size;

	for (i = 0; i < nr; i++) {
		struct vmm_mem *m = &vm->mem[i];
		char name[32];

		m->slot = i;
		m->gpa = gpa;
		m->size = sizes[i];
		if (path) {
			struct stat sb;

			m->backing = VMM_MEM_PATH;
			if (snprintf(m->path, sizeof(m->path), "%s.%d", path, i) >=
			    (int)sizeof(m->path)) {
				vmm_err("--mem-path too long");
				return -ENAMETOOLONG;
			}
			m->fd = open(m->path, O_RDWR | O_CLOEXEC | (reopen ? 0 : O_CREAT), 0600);
			if (m->fd < 0) {
				vmm_err("open %s: %s", m->path, strerror(errno));
				return -errno;
			}
			if (reopen) {
				if (fstat(m->fd, &sb) < 0 || (uint64_t)sb.st_size != m->size) {
					vmm_err("%s: size %lld, expected %" PRIu64, m->path,
						(long long)sb.st_size, m->size);
					return -EINVAL;
				}
			} else if (ftruncate(m->fd, 0) < 0 || ftruncate(m->fd, m->size) < 0) {
				vmm_err("ftruncate %s: %s", m->path, strerror(errno));
				return -errno;
			}
		} else {
			m->backing = VMM_MEM_MEMFD;
			snprintf(name, sizeof(name), "cprhold-vmm-ram%d", i);
			m->fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
			if (m->fd < 0) {
				vmm_err("memfd_create: %s", strerror(errno));
				return -errno;
			}
			if (ftruncate(m->fd, m->size) < 0) {
				vmm_err("ftruncate memfd: %s", strerror(errno));
				return -errno;
			}
			/* --prefault: RAM resident from the start, as a used guest's */
			if (vm->opts && vm->opts->prefault && fallocate(m->fd, 0, 0, m->size) < 0) {
				vmm_err("fallocate memfd (--prefault): %s", strerror(errno));
				return -errno;
			}
			/* the size is part of the VM now: forbid shrinking/growing */
			if (fcntl(m->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0) {
				vmm_err("F_ADD_SEALS: %s", strerror(errno));
				return -errno;
			}
		}
		/* a VM that will be handed over lives at a fixed address */
		if (vm->opts && vm->opts->handover_out && !m->hva_hint)
			m->hva_hint = (void *)(uintptr_t)(VMM_HANDOVER_HVA + m->gpa);
		vm->nr_mem = i + 1;
		gpa += m->size;
	}
	return vmm_map_memory(vm, true);
}

/*
 * Map every region's fd and, with @register_slots, register it as a memslot.
 * A region with a hva_hint is mapped exactly there (MAP_FIXED_NOREPLACE) or
 * not at all.  Separate from vmm_setup_memory() so that fds obtained some
 * other way (inherited, or retrieved from a cprhold session) can be mapped
 * the same; an adopted VM keeps its memslots and only needs the mappings.
 */
int vmm_map_memory(struct vmm *vm, bool register_slots)
{
	int i;

	for (i = 0; i < vm->nr_mem; i++) {
		struct vmm_mem *m = &vm->mem[i];
		int flags = MAP_SHARED;

		if (m->hva_hint)
			flags |= MAP_FIXED_NOREPLACE;
		m->hva = mmap(m->hva_hint, m->size, PROT_READ | PROT_WRITE, flags, m->fd, 0);
		if (m->hva == MAP_FAILED) {
			m->hva = NULL;
			vmm_err("mmap guest RAM region %d (%" PRIu64 " bytes%s): %s", i, m->size,
				m->hva_hint ? " at the saved address" : "", strerror(errno));
			return -errno;
		}
		if (m->hva_hint && m->hva != m->hva_hint) {
			vmm_err("region %d mapped at %p, not at %p (kernel without "
				"MAP_FIXED_NOREPLACE?)", i, m->hva, m->hva_hint);
			return -EADDRINUSE;
		}
	}
	return register_slots ? vmm_register_memory(vm) : 0;
}

/* Register every mapped region as its memslot. */
int vmm_register_memory(struct vmm *vm)
{
	int i, r;

	for (i = 0; i < vm->nr_mem; i++) {
		struct vmm_mem *m = &vm->mem[i];
		struct kvm_userspace_memory_region region;

		region = (struct kvm_userspace_memory_region) {
			.slot = m->slot,
			.flags = 0,
			.guest_phys_addr = m->gpa,
			.memory_size = m->size,
			.userspace_addr = (uint64_t)(uintptr_t)m->hva,
		};
		if ((r = KVM_IOCTL(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region, "vm")) < 0)
			return r;
	}
	return 0;
}

int vmm_create_vcpus(struct vmm *vm, int nr)
{
	int i, r;

	if (nr < 1 || nr > VMM_MAX_VCPUS || nr > vm->max_vcpus) {
		vmm_err("--vcpus must be 1..%d (KVM allows %d)", VMM_MAX_VCPUS,
			vm->max_vcpus);
		return -EINVAL;
	}
	for (i = 0; i < nr; i++) {
		struct vmm_vcpu *v = &vm->vcpu[i];

		v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)i);
		if (v->fd < 0) {
			vmm_err("vcpu%d: KVM_CREATE_VCPU: %s", i, strerror(errno));
			return -errno;
		}
		vm->nr_vcpus = i + 1;
		if ((r = vmm_map_vcpu(vm, i)) < 0)
			return r;
	}
	return 0;
}

/* Map a vCPU fd's struct kvm_run (also for vCPU fds obtained elsewhere). */
int vmm_map_vcpu(struct vmm *vm, int id)
{
	struct vmm_vcpu *v = &vm->vcpu[id];

	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		vmm_err("vcpu%d: mmap kvm_run: %s", id, strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * CPUID: @cpuid as saved, or (NULL) what KVM supports, with this vCPU's
 * APIC ID patched into leaves 1, 0xb and 0x1f.
 */
int vmm_set_cpuid(struct vmm *vm, int id, const struct kvm_cpuid2 *cpuid)
{
	struct kvm_cpuid2 *c;
	size_t size;
	char who[16];
	uint32_t i;
	int r;

	if (!cpuid) {
		cpuid = vm->cpuid;
		size = sizeof(*c) + cpuid->nent * sizeof(c->entries[0]);
		c = malloc(size);
		if (!c)
			return -ENOMEM;
		memcpy(c, cpuid, size);
		for (i = 0; i < c->nent; i++) {
			struct kvm_cpuid_entry2 *e = &c->entries[i];

			if (e->function == 1)
				e->ebx = (e->ebx & 0x00ffffff) | ((uint32_t)id << 24);
			if (e->function == 0xb || e->function == 0x1f)
				e->edx = id;
		}
	} else {
		size = sizeof(*c) + cpuid->nent * sizeof(c->entries[0]);
		c = malloc(size);
		if (!c)
			return -ENOMEM;
		memcpy(c, cpuid, size);
	}
	snprintf(who, sizeof(who), "vcpu%d", id);
	r = KVM_IOCTL(vm->vcpu[id].fd, KVM_SET_CPUID2, c, who);
	free(c);
	if (r < 0)
		return r;

	if (id == 0) {
		r = ioctl(vm->vcpu[0].fd, KVM_GET_TSC_KHZ, 0);
		if (r <= 0) {
			vmm_info(vm, "KVM_GET_TSC_KHZ failed (%s); assuming 1 GHz",
				 r < 0 ? strerror(errno) : "0");
			r = 1000000;
		}
		vm->tsc_khz = r;
	}
	if (id == 0) {
		struct kvm_device_attr attr = {
			.group = KVM_VCPU_TSC_CTRL,
			.attr = KVM_VCPU_TSC_OFFSET,
		};

		vm->has_tsc_ctrl = ioctl(vm->vcpu[0].fd, KVM_HAS_DEVICE_ATTR, &attr) == 0;
	}
	return 0;
}

/* The kick: an eventfd that KVM turns into an edge on GSI @gsi. */
int vmm_setup_irqfd(struct vmm *vm, uint32_t gsi)
{
	struct kvm_irqfd irqfd;
	int r;

	if (gsi == 0 || gsi >= KVM_IOAPIC_NUM_PINS) {
		vmm_err("--kick-gsi must be 1..%d (GSI 0 is the PIT)", KVM_IOAPIC_NUM_PINS - 1);
		return -EINVAL;
	}
	vm->kick_gsi = gsi;
	if (vm->kick_fd < 0) {
		vm->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vm->kick_fd < 0) {
			vmm_err("eventfd: %s", strerror(errno));
			return -errno;
		}
	}
	memset(&irqfd, 0, sizeof(irqfd));
	irqfd.fd = vm->kick_fd;
	irqfd.gsi = gsi;
	if ((r = KVM_IOCTL(vm->vm_fd, KVM_IRQFD, &irqfd, "vm")) < 0)
		return r;
	vm->irqfd_assigned = true;
	return 0;
}

/*
 * Take the irqfd off the VM.  KVM flushes the irqfd's pending injection
 * work on deassign, so every event the VM consumed from the eventfd is in
 * the IOAPIC/LAPIC state afterwards (and gets saved); later writes stay in
 * the eventfd's counter for whoever assigns it next.
 */
int vmm_detach_irqfd(struct vmm *vm)
{
	struct kvm_irqfd irqfd;
	int r;

	if (!vm->irqfd_assigned)
		return 0;
	memset(&irqfd, 0, sizeof(irqfd));
	irqfd.fd = vm->kick_fd;
	irqfd.gsi = vm->kick_gsi;
	irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
	if ((r = KVM_IOCTL(vm->vm_fd, KVM_IRQFD, &irqfd, "vm")) < 0)
		return r;
	vm->irqfd_assigned = false;
	return 0;
}

/*
 * A fresh boot: copy the image to GUEST_LOAD_ADDR, fill struct guest_cfg and
 * point the BSP at the image in real mode (CS = 0x1000, IP = 0).  The APs
 * stay in wait-for-SIPI until the guest starts them.
 */
int vmm_load_guest(struct vmm *vm)
{
	size_t size = guest_image_end - guest_image_start;
	const struct vmm_opts *o = vm->opts;
	struct guest_cfg *cfg;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	void *dst;
	int r;

	if (size > GUEST_STACK_BASE - GUEST_LOAD_ADDR) {
		vmm_err("guest image too large (%zu bytes)", size);
		return -EINVAL;
	}
	dst = vmm_gpa_to_hva(vm, GUEST_LOAD_ADDR, size);
	cfg = vmm_guest_cfg(vm);
	if (!dst || !cfg || !vmm_gpa_to_hva(vm, 0, GUEST_LOW_END)) {
		vmm_err("guest RAM does not cover the fixed layout");
		return -EINVAL;
	}
	memset(vmm_gpa_to_hva(vm, 0, GUEST_LOW_END), 0, GUEST_LOW_END);
	memcpy(dst, guest_image_start, size);

	cfg->magic = GUEST_CFG_MAGIC;
	cfg->nr_vcpus = vm->nr_vcpus;
	cfg->tsc_khz = vm->tsc_khz;
	cfg->hb_interval = (uint64_t)vm->tsc_khz * o->hb_ms;
	cfg->pit_divisor = o->pit_hz ? PIT_HZ / o->pit_hz : 0;
	cfg->kick_pin = vm->kick_gsi;	/* default routing: GSI n = IOAPIC pin n */
	cfg->hi_mirror = vm->mem_size - 4096;
	cfg->gap_thresh = vm->tsc_khz / 10;	/* gaps of 0.1 ms or more */

	if ((r = KVM_IOCTL(vm->vcpu[0].fd, KVM_GET_SREGS, &sregs, "vcpu0")) < 0)
		return r;
	sregs.cs.selector = GUEST_LOAD_ADDR >> 4;
	sregs.cs.base = GUEST_LOAD_ADDR;
	if ((r = KVM_IOCTL(vm->vcpu[0].fd, KVM_SET_SREGS, &sregs, "vcpu0")) < 0)
		return r;
	memset(&regs, 0, sizeof(regs));
	regs.rip = 0;
	regs.rflags = 0x2;
	return KVM_IOCTL(vm->vcpu[0].fd, KVM_SET_REGS, &regs, "vcpu0");
}
