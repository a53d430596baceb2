// SPDX-License-Identifier: GPL-2.0
/*
 * cprhold-vmm - a tiny, real KVM VMM.
 *
 * Guest RAM in memfds (or named files), an in-kernel LAPIC/IOAPIC/PIC and
 * PIT, one thread per vCPU, a COM1 that turns the guest's heartbeat bytes
 * into lines, and an eventfd routed into the guest with KVM_IRQFD.  The VM
 * can be stopped at a safe point, its complete KVM state saved to a file,
 * and rebuilt by a second process (--restore-state): the way QEMU's CPR
 * modes recreate a VM, measured here as the baseline cprhold improves on.
 *
 * See README.md for usage and guest_abi.h / guest.S for the guest.
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
#define DRAIN_MAX_EXITS		4096

static const char *prog = "cprhold-vmm";

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void vmm_err(const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: error: %s\n", prog, buf);
}

void vmm_info(const struct vmm *vm, const char *fmt, ...)
{
	va_list ap;
	char buf[2048];

	if (vm && vm->opts && vm->opts->quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (vm)
		pthread_mutex_lock((pthread_mutex_t *)&vm->log_lock);
	fprintf(stdout, "%s: %s\n", prog, buf);
	fflush(stdout);
	if (vm)
		pthread_mutex_unlock((pthread_mutex_t *)&vm->log_lock);
}

int kvm_ioctl(int fd, unsigned long req, void *arg, const char *reqname,
	      const char *who)
{
	int r = ioctl(fd, req, arg);

	if (r < 0) {
		int e = errno;

		vmm_err("%s: %s failed: %s", who, reqname, strerror(e));
		return -e;
	}
	return r;
}

void *vmm_gpa_to_hva(struct vmm *vm, uint64_t gpa, uint64_t len)
{
	int i;

	for (i = 0; i < vm->nr_mem; i++) {
		struct vmm_mem *m = &vm->mem[i];

		if (gpa >= m->gpa && gpa + len <= m->gpa + m->size && gpa + len >= gpa)
			return (char *)m->hva + (gpa - m->gpa);
	}
	return NULL;
}

struct guest_cfg *vmm_guest_cfg(struct vmm *vm)
{
	return vmm_gpa_to_hva(vm, GUEST_CFG_ADDR, sizeof(struct guest_cfg));
}

struct guest_vcpu_data *vmm_guest_vcpu(struct vmm *vm, int id)
{
	return vmm_gpa_to_hva(vm, GUEST_VCPU_DATA_ADDR +
			      (uint64_t)id * GUEST_VCPU_DATA_STRIDE,
			      sizeof(struct guest_vcpu_data));
}

/* Load a guest-written u64 while the guest runs. */
uint64_t guest_read_u64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

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
	cfg->gap_thresh = vm->tsc_khz;		/* gaps of 1 ms or more */

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

/* ------------------------------------------------------------------ */
/* vCPU threads and exits                                              */
/* ------------------------------------------------------------------ */

static void vcpu_fatal(struct vmm_vcpu *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void vcpu_fatal(struct vmm_vcpu *v, const char *fmt, ...)
{
	struct vmm *vm = v->vm;
	uint64_t one = 1;
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	vmm_err("vcpu%d: %s", v->id, buf);
	vmm_dump_regs(vm, v->id, stderr);
	atomic_store(&vm->fatal, 1);
	if (write(vm->notify_fd, &one, sizeof(one)) < 0)
		vmm_err("notify: %s", strerror(errno));
}

void vmm_dump_regs(struct vmm *vm, int id, FILE *out)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(vm->vcpu[id].fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(vm->vcpu[id].fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(out, "  vcpu%d: cannot read registers: %s\n", id, strerror(errno));
		return;
	}
	fprintf(out, "  vcpu%d: rip=%016llx rsp=%016llx rflags=%016llx\n"
		"         rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n"
		"         rsi=%016llx rdi=%016llx rbp=%016llx\n"
		"         cs=%04x(base %llx l=%u db=%u) ss=%04x cr0=%llx cr3=%llx "
		"cr4=%llx efer=%llx\n", id, r.rip, r.rsp, r.rflags, r.rax, r.rbx,
		r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, s.cs.selector, s.cs.base, s.cs.l,
		s.cs.db, s.ss.selector, s.cr0, s.cr3, s.cr4, s.efer);
}

static void warn_once_port(struct vmm *vm, uint16_t port, bool in)
{
	static uint64_t seen[65536 / 64];
	uint64_t bit = 1ULL << (port % 64);

	if (__atomic_fetch_or(&seen[port / 64], bit, __ATOMIC_RELAXED) & bit)
		return;
	vmm_info(vm, "unhandled port %s %#x (reported once)", in ? "read" : "write", port);
}

static void serial_line(struct vmm_vcpu *v)
{
	struct vmm *vm = v->vm;

	v->line[v->line_len] = 0;
	if (!strncmp(v->line, "heartbeat ", 10))
		v->heartbeats++;
	pthread_mutex_lock(&vm->log_lock);
	if (vm->opts->timestamps)
		fprintf(vm->log, "[%10.3f] ", (now_ns() - vm->start_ns) / 1e9);
	fprintf(vm->log, "%s\n", v->line);
	fflush(vm->log);
	pthread_mutex_unlock(&vm->log_lock);
	v->line_len = 0;
}

static void serial_out(struct vmm_vcpu *v, uint8_t c)
{
	if (c == '\n') {
		serial_line(v);
		return;
	}
	if (c == '\r')
		return;
	v->line[v->line_len++] = c;
	if (v->line_len == VMM_LINE_MAX - 1)
		serial_line(v);
}

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "?9",
	"#TS", "#NP", "#SS", "#GP", "#PF", "?15", "#MF", "#AC", "#MC", "#XM",
	"#VE", "#CP", "?22", "?23", "?24", "?25", "?26", "?27", "?28", "#VC",
	"#SX", "?31",
};

static void guest_panic(struct vmm_vcpu *v, uint32_t vec)
{
	struct kvm_regs regs;
	uint64_t *stk = NULL;
	bool has_err = vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 ||
		       vec == 21 || vec == 29 || vec == 30;

	if (ioctl(v->fd, KVM_GET_REGS, &regs) == 0)
		stk = vmm_gpa_to_hva(v->vm, regs.rsp, 6 * sizeof(uint64_t));
	if (stk && vec < 32)
		vcpu_fatal(v, "guest exception %u %s at rip=%#" PRIx64 " error=%#" PRIx64
			   " (guest stack: %#" PRIx64 " %#" PRIx64 " %#" PRIx64 ")", vec,
			   exc_names[vec], stk[has_err ? 2 : 1], has_err ? stk[1] : 0,
			   stk[1], stk[2], stk[3]);
	else
		vcpu_fatal(v, "guest reported exception %u", vec);
}

static int handle_io(struct vmm_vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint16_t port = run->io.port;
	uint32_t i;

	v->nr_io++;
	for (i = 0; i < run->io.count; i++, data += run->io.size) {
		if (run->io.direction == KVM_EXIT_IO_OUT) {
			uint32_t val = 0;

			memcpy(&val, data, run->io.size);
			if (port == PORT_COM1)
				serial_out(v, val & 0xff);
			else if (port > PORT_COM1 && port <= PORT_COM1 + 7)
				;	/* UART control registers: accepted, ignored */
			else if (port == PORT_GUEST_PANIC) {
				guest_panic(v, val);
				return -1;
			} else if (port == 0x80)
				;	/* POST/delay port */
			else
				warn_once_port(v->vm, port, false);
		} else {
			uint8_t val = 0xff;

			if (port == PORT_COM1 + 5)
				val = 0x60;	/* LSR: transmitter empty */
			else if (port == PORT_COM1 + 6)
				val = 0xb0;	/* MSR: DCD, DSR, CTS */
			else if (port >= PORT_COM1 && port <= PORT_COM1 + 7)
				val = 0;
			else
				warn_once_port(v->vm, port, true);
			memset(data, val, run->io.size);
		}
	}
	return 0;
}

static int handle_exit(struct vmm_vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return handle_io(v);
	case KVM_EXIT_MMIO:
		v->nr_mmio++;
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
		vmm_info(v->vm, "vcpu%d: unhandled MMIO %s %#llx len %u", v->id,
			 run->mmio.is_write ? "write" : "read", run->mmio.phys_addr,
			 run->mmio.len);
		return 0;
	case KVM_EXIT_INTR:
		return 0;
	case KVM_EXIT_HLT:
		vcpu_fatal(v, "unexpected KVM_EXIT_HLT (the in-kernel LAPIC should handle HLT)");
		return -1;
	case KVM_EXIT_SHUTDOWN:
		vcpu_fatal(v, "guest shutdown (triple fault)");
		return -1;
	case KVM_EXIT_FAIL_ENTRY:
		vcpu_fatal(v, "VM entry failed: hardware reason %#llx on cpu %u",
			   run->fail_entry.hardware_entry_failure_reason,
			   run->fail_entry.cpu);
		return -1;
	case KVM_EXIT_INTERNAL_ERROR:
		vcpu_fatal(v, "KVM internal error, suberror %u (ndata %u, data0 %#llx)",
			   run->internal.suberror, run->internal.ndata,
			   run->internal.ndata ? run->internal.data[0] : 0);
		return -1;
	case KVM_EXIT_SYSTEM_EVENT:
		vcpu_fatal(v, "guest system event type %u", run->system_event.type);
		return -1;
	default:
		vcpu_fatal(v, "unhandled exit reason %u", run->exit_reason);
		return -1;
	}
}

/*
 * The vCPU loop.  A stop request (vm->stop, run->immediate_exit and a
 * SIGUSR1 from vmm_stop_vcpus()) makes KVM_RUN return -EINTR; KVM completes
 * any pending PIO/MMIO first, so the state is consistent for saving.  If the
 * vCPU is in the middle of a heartbeat line it keeps running until the line
 * is complete (at most DRAIN_MAX_EXITS exits), so that the guest's TSC gap
 * accounting sees the pause: this is the "safe point".
 */
static void *vcpu_thread(void *arg)
{
	struct vmm_vcpu *v = arg;
	struct vmm *vm = v->vm;
	struct kvm_run *run = v->run;
	unsigned int drain_left = 0;
	char name[16];

	snprintf(name, sizeof(name), "vcpu%d", v->id);
	pthread_setname_np(pthread_self(), name);
	v->draining = false;

	for (;;) {
		int r;

		if (!v->ran) {
			uint64_t t = now_ns(), zero = 0;

			v->first_run_ns = t;
			atomic_compare_exchange_strong(&vm->first_run_ns, &zero, t);
			v->ran = true;
		}
		r = ioctl(v->fd, KVM_RUN, 0);
		if (r < 0) {
			int e = errno;

			if (e == EINTR || e == EAGAIN) {
				v->nr_intr++;
				if (!atomic_load(&vm->stop))
					continue;
				if (!v->draining && v->line_len && !vm->opts->no_drain) {
					v->draining = true;
					drain_left = DRAIN_MAX_EXITS;
					run->immediate_exit = 0;
					continue;
				}
				break;
			}
			vcpu_fatal(v, "KVM_RUN failed: %s", strerror(e));
			break;
		}
		v->nr_exits++;
		if (handle_exit(v) < 0)
			break;
		if (v->draining && (!v->line_len || !--drain_left))
			run->immediate_exit = 1;	/* complete this exit, then stop */
	}
	v->stopped_ns = now_ns();
	return NULL;
}

static void sigusr1_handler(int sig)
{
	(void)sig;	/* only there to interrupt KVM_RUN */
}

int vmm_start_vcpus(struct vmm *vm)
{
	int i, r;

	atomic_store(&vm->stop, 0);
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vmm_vcpu *v = &vm->vcpu[i];

		v->run->immediate_exit = 0;
		r = pthread_create(&v->thread, NULL, vcpu_thread, v);
		if (r) {
			vmm_err("vcpu%d: pthread_create: %s", i, strerror(r));
			return -r;
		}
		v->thread_started = true;
	}
	return 0;
}

/* Stop every vCPU at its next safe point and join the threads. */
int vmm_stop_vcpus(struct vmm *vm)
{
	int i;

	if (!vm->stop_req_ns)
		vm->stop_req_ns = now_ns();
	atomic_store(&vm->stop, 1);
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vmm_vcpu *v = &vm->vcpu[i];

		if (!v->thread_started)
			continue;
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		pthread_kill(v->thread, SIGUSR1);
	}
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vmm_vcpu *v = &vm->vcpu[i];

		if (!v->thread_started)
			continue;
		pthread_join(v->thread, NULL);
		v->thread_started = false;
	}
	vm->stopped_ns = now_ns();
	return 0;
}

void vmm_destroy(struct vmm *vm)
{
	int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vmm_vcpu *v = &vm->vcpu[i];

		if (v->run)
			munmap(v->run, vm->run_size);
		if (v->fd >= 0)
			close(v->fd);
		v->run = NULL;
		v->fd = -1;
	}
	if (vm->kick_fd >= 0)
		close(vm->kick_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	for (i = 0; i < vm->nr_mem; i++) {
		if (vm->mem[i].hva)
			munmap(vm->mem[i].hva, vm->mem[i].size);
		if (vm->mem[i].fd >= 0)
			close(vm->mem[i].fd);
		vm->mem[i].hva = NULL;
		vm->mem[i].fd = -1;
	}
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->notify_fd >= 0)
		close(vm->notify_fd);
	if (vm->ctl_fd >= 0)
		close(vm->ctl_fd);
	vm->kick_fd = vm->vm_fd = vm->kvm_fd = vm->notify_fd = vm->ctl_fd = -1;
	free(vm->cpuid);
	free(vm->msr_list);
	vm->cpuid = NULL;
	vm->msr_list = NULL;
}

/* ------------------------------------------------------------------ */
/* Main loop, reporting, checks                                        */
/* ------------------------------------------------------------------ */

int vmm_sig_fd = -1;

/*
 * Write the kick eventfd.  Periodic kicks keep at most one kick in flight:
 * the kick interrupt is edge-triggered, and an edge raised while the last
 * one is still pending would merge with it and the exact kick accounting
 * would break.  So a tick is skipped while the guest has not yet counted
 * every kick sent (a lost kick therefore stalls the kicks visibly).
 */
int vmm_kick(struct vmm *vm, bool periodic)
{
	uint64_t one = 1;

	if (periodic &&
	    guest_read_u64(&vmm_guest_cfg(vm)->irqs_total) < vm->kicks_sent) {
		vm->kicks_deferred++;
		return 0;
	}
	if (write(vm->kick_fd, &one, sizeof(one)) != sizeof(one)) {
		vmm_err("kick eventfd write: %s", strerror(errno));
		return -1;
	}
	vm->kicks_sent++;
	return 0;
}

/* Wait for the deadline, a signal or a fatal vCPU error; kick on schedule. */
int vmm_main_loop(struct vmm *vm, double secs)
{
	const struct vmm_opts *o = vm->opts;
	uint64_t deadline = 0;
	int tfd = -1, ret;

	if (secs > 0)
		deadline = now_ns() + (uint64_t)(secs * 1e9);
	if (o->kick_ms) {
		struct itimerspec its = {
			.it_interval = { o->kick_ms / 1000, (o->kick_ms % 1000) * 1000000L },
			.it_value = { o->kick_ms / 1000, (o->kick_ms % 1000) * 1000000L },
		};

		tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0) {
			vmm_err("timerfd: %s", strerror(errno));
			return LOOP_FATAL;
		}
	}
	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = vmm_sig_fd, .events = POLLIN },
			{ .fd = vm->notify_fd, .events = POLLIN },
			{ .fd = tfd, .events = POLLIN },
		};
		int timeout = -1;

		if (atomic_load(&vm->fatal)) {
			ret = LOOP_FATAL;
			break;
		}
		if (deadline) {
			uint64_t t = now_ns();

			if (t >= deadline) {
				ret = LOOP_DEADLINE;
				break;
			}
			timeout = (deadline - t + 999999) / 1000000;
		}
		if (poll(pfd, tfd >= 0 ? 3 : 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			vmm_err("poll: %s", strerror(errno));
			ret = LOOP_FATAL;
			break;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(vmm_sig_fd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGUSR2) {
					vmm_kick(vm, false);
				} else {
					vmm_info(vm, "signal %u: stopping", si.ssi_signo);
					ret = LOOP_SIGNAL;
					break;
				}
			}
		}
		if (pfd[1].revents & POLLIN) {
			ret = LOOP_FATAL;
			break;
		}
		if (tfd >= 0 && (pfd[2].revents & POLLIN)) {
			uint64_t n;

			if (read(tfd, &n, sizeof(n)) == sizeof(n))
				vmm_kick(vm, true);
		}
	}
	if (tfd >= 0)
		close(tfd);
	return ret;
}

/* Give the last kicks time to arrive, so the accounting can be exact. */
void vmm_settle_kicks(struct vmm *vm)
{
	struct guest_cfg *cfg = vmm_guest_cfg(vm);
	uint64_t until = now_ns() + 2000000000ULL;

	while (now_ns() < until &&
	       guest_read_u64(&cfg->irqs_total) < vm->kicks_sent &&
	       !atomic_load(&vm->fatal))
		usleep(5000);
}

void vmm_print_final(struct vmm *vm, const struct run_info *ri)
{
	struct guest_cfg *cfg = vmm_guest_cfg(vm);
	int i;

	vmm_info(vm, "final state: %d vCPUs, %u started in the guest, kicks sent %" PRIu64
		 " (%" PRIu64 " ticks skipped, a kick was in flight), kick interrupts "
		 "received by the guest %" PRIu64, vm->nr_vcpus, cfg->started,
		 vm->kicks_sent, vm->kicks_deferred, cfg->irqs_total);
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct guest_vcpu_data *g = vmm_guest_vcpu(vm, i);
		struct vmm_vcpu *v = &vm->vcpu[i];
		struct kvm_regs regs;
		uint64_t *mirror = vmm_gpa_to_hva(vm, cfg->hi_mirror + 8ULL * i, 8);

		if (ioctl(v->fd, KVM_GET_REGS, &regs) < 0)
			memset(&regs, 0, sizeof(regs));
		vmm_info(vm, "  vcpu%d: count=%" PRIu64 " heartbeats=%" PRIu64
			 " (this process %" PRIu64 ") irqs=%" PRIu64 " ticks=%" PRIu64
			 " maxgap=%.3f ms at count %" PRIu64 " spurious=%" PRIu64
			 " unexpected=%" PRIu64 " mirror=%" PRIu64 " exits=%" PRIu64
			 " (io %" PRIu64 ") rip=%#llx%s",
			 i, g->count, g->hb_seq, v->heartbeats, g->irqs, g->ticks,
			 vm->tsc_khz ? (double)g->maxgap / vm->tsc_khz : 0.0,
			 g->maxgap_at, g->spurious, g->unexpected, mirror ? *mirror : 0,
			 v->nr_exits, v->nr_io, regs.rip,
			 v->draining ? " (stopped at the end of a heartbeat line)" : "");
		if (ri->restored && vm->tsc_khz)
			vmm_info(vm, "  vcpu%d: resumed at count %" PRIu64 ", +%" PRIu64
				 " since; guest-observed pause at the resume point %s%.3f ms"
				 " (largest gap of the whole run %.3f ms)", i,
				 ri->resume_count[i], g->count - ri->resume_count[i],
				 ri->resume_gap_found[i] ? "" : "not found, <= ",
				 (double)ri->resume_gap[i] / vm->tsc_khz,
				 (double)g->maxgap / vm->tsc_khz);
	}
}

/*
 * The guest logs every gap of 1 ms or more with its loop count in a ring
 * (guest_abi.h).  Right after a resume, find the gap at the counts where
 * each vCPU stopped: that is the pause as the guest saw it.
 */
void vmm_measure_resume_gaps(struct vmm *vm, struct run_info *ri)
{
	uint64_t until = now_ns() + 3000000000ULL;
	int i, done = 0;

	while (done < vm->nr_vcpus && now_ns() < until && !atomic_load(&vm->fatal)) {
		done = 0;
		for (i = 0; i < vm->nr_vcpus; i++)
			if (guest_read_u64(&vmm_guest_vcpu(vm, i)->count) > ri->resume_count[i] + 2)
				done++;
		if (done < vm->nr_vcpus)
			usleep(1000);
	}
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct guest_vcpu_data *g = vmm_guest_vcpu(vm, i);
		int k;

		for (k = 0; k < VD_RING_ENTRIES; k++) {
			uint64_t c = guest_read_u64(&g->ring[k].count);
			uint64_t gap = guest_read_u64(&g->ring[k].gap);

			if (c >= ri->resume_count[i] && c <= ri->resume_count[i] + 2 &&
			    gap >= ri->resume_gap[i]) {
				ri->resume_gap[i] = gap;
				ri->resume_gap_found[i] = true;
			}
		}
		if (!ri->resume_gap_found[i])
			ri->resume_gap[i] = vm->tsc_khz;	/* below the 1 ms threshold */
	}
}

int vmm_run_checks(struct vmm *vm, const struct run_info *ri, bool settled)
{
	struct guest_cfg *cfg = vmm_guest_cfg(vm);
	double secs = vm->opts->run_secs;
	int pass = 0, fail = 0, i;
	bool ok;

#define CHECK(cond, ...) do { \
	ok = (cond); \
	if (ok) pass++; else fail++; \
	char _m[512]; snprintf(_m, sizeof(_m), __VA_ARGS__); \
	vmm_info(vm, "check: %s - %s", ok ? "ok" : "FAIL", _m); \
} while (0)

	CHECK(!atomic_load(&vm->fatal), "no fatal vCPU exits");
	if (ri->restored && !vm->opts->no_verify && !vm->opts->handover_in)
		CHECK(!ri->verify_failed, "restored KVM state equals the saved state");
	CHECK((int)cfg->started == vm->nr_vcpus, "%u/%d vCPUs reached the guest loop",
	      cfg->started, vm->nr_vcpus);
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct guest_vcpu_data *g = vmm_guest_vcpu(vm, i);
		uint64_t want = secs * 1000 >= 2.0 * vm->opts->hb_ms ? 1 : 0;

		CHECK(g->count > 0 && vm->vcpu[i].heartbeats >= want,
		      "vcpu%d counts (%" PRIu64 ") and sent %" PRIu64 " heartbeats here",
		      i, g->count, vm->vcpu[i].heartbeats);
		if (ri->restored)
			CHECK(g->count > ri->resume_count[i] && g->hb_seq >= ri->resume_hb[i],
			      "vcpu%d continued from the saved counter %" PRIu64 " to %" PRIu64,
			      i, ri->resume_count[i], g->count);
	}
	if (vm->kicks_sent > ri->kicks_at_start) {
		if (settled)
			CHECK(cfg->irqs_total == vm->kicks_sent,
			      "every kick arrived: %" PRIu64 " sent, %" PRIu64 " received",
			      vm->kicks_sent, cfg->irqs_total);
		else
			CHECK(cfg->irqs_total + 1 >= vm->kicks_sent &&
			      cfg->irqs_total <= vm->kicks_sent,
			      "kicks: %" PRIu64 " sent, %" PRIu64 " received (one may be in flight)",
			      vm->kicks_sent, cfg->irqs_total);
	}
	/* the handover's own checks were printed as they were made */
	pass += ri->extra_pass;
	fail += ri->extra_fail;
	vmm_info(vm, "checks: %d passed, %d failed", pass, fail);
#undef CHECK
	return fail ? -1 : 0;
}

/* Run until the deadline/signal, stop, report, dump if asked. */
int vmm_run_and_finish(struct vmm *vm, struct run_info *ri)
{
	const struct vmm_opts *o = vm->opts;
	uint64_t t_saved = 0, t_written = 0;
	struct vmm_state *st = NULL;
	bool settled = false;
	int why, rc = 0;

	why = vmm_main_loop(vm, o->run_secs);
	/* hand the VM over to a successor through a cprhold session */
	if (o->handover_out && why != LOOP_FATAL)
		return handover_out(vm, ri);
	if (why != LOOP_FATAL && !o->dump_path && o->kick_ms) {
		vmm_settle_kicks(vm);
		settled = true;
	}

	/* the pause starts here: nothing but stop, quiesce, save, write */
	vm->stop_req_ns = now_ns();
	vmm_stop_vcpus(vm);
	if (atomic_load(&vm->fatal))
		rc = 1;
	if (o->dump_path && !rc) {
		st = state_alloc();
		if (st && vmm_detach_irqfd(vm) == 0 && vmm_save_state(vm, st) == 0) {
			t_saved = now_ns();
			if (state_write(vm, st, o->dump_path) == 0)
				t_written = now_ns();
		}
	}

	vmm_info(vm, "stopped %d vCPUs in %.3f ms", vm->nr_vcpus,
		 (vm->stopped_ns - vm->stop_req_ns) / 1e6);
	vmm_print_final(vm, ri);
	if (o->dump_path && !rc) {
		if (!t_written) {
			vmm_err("saving the VM state to %s failed", o->dump_path);
			rc = 1;
		} else {
			struct stat sb;

			if (stat(o->dump_path, &sb) < 0)
				sb.st_size = -1;
			vmm_info(vm, "state saved to %s (%lld bytes); ms after the stop request: "
				 "vCPUs stopped %.3f, KVM state read %.3f, file written %.3f",
				 o->dump_path, (long long)sb.st_size,
				 (vm->stopped_ns - vm->stop_req_ns) / 1e6,
				 (t_saved - vm->stop_req_ns) / 1e6,
				 (t_written - vm->stop_req_ns) / 1e6);
			if (!o->quiet)
				state_print(st, stdout);
		}
	}
	state_free(st);
	if (vmm_run_checks(vm, ri, settled) < 0 && o->check)
		rc = 1;
	return rc;
}

/* A fresh VM: boot the guest from its real-mode entry. */
static int run_fresh(struct vmm *vm)
{
	const struct vmm_opts *o = vm->opts;
	struct run_info ri = { 0 };
	int i, r;

	if ((r = vmm_open_kvm(vm)) < 0 || (r = vmm_create_vm(vm)) < 0 ||
	    (r = vmm_setup_memory(vm, o->mem_mb << 20, o->mem_split, o->mem_path, false)) < 0 ||
	    (r = vmm_create_vcpus(vm, o->nr_vcpus)) < 0)
		return 1;
	for (i = 0; i < vm->nr_vcpus; i++)
		if (vmm_set_cpuid(vm, i, NULL) < 0)
			return 1;
	if (vmm_setup_irqfd(vm, o->kick_gsi) < 0 || vmm_load_guest(vm) < 0)
		return 1;
	vmm_info(vm, "booting: %d vCPUs, %" PRIu64 " MiB in %d %s region(s), kick eventfd "
		 "-> GSI %u every %u ms, PIT %u Hz, heartbeat %u ms, TSC %u kHz, "
		 "tsc-offset attr %s", vm->nr_vcpus, vm->mem_size >> 20, vm->nr_mem,
		 o->mem_path ? "file" : "memfd", vm->kick_gsi, o->kick_ms, o->pit_hz,
		 o->hb_ms, vm->tsc_khz, vm->has_tsc_ctrl ? "yes" : "no");
	if (vmm_start_vcpus(vm) < 0)
		return 1;
	return vmm_run_and_finish(vm, &ri);
}

/*
 * Wait (up to 5 s) until every vCPU thread has entered KVM_RUN; the time the
 * last one did goes to @last_run_ns.  Returns how many did.
 */
int vmm_wait_vcpus_running(struct vmm *vm, uint64_t *last_run_ns)
{
	int i, n, ran = 0;

	for (i = 0; i < 5000; i++) {
		*last_run_ns = 0;
		ran = 0;
		for (n = 0; n < vm->nr_vcpus; n++) {
			uint64_t t = __atomic_load_n(&vm->vcpu[n].first_run_ns, __ATOMIC_ACQUIRE);

			if (t) {
				ran++;
				if (t > *last_run_ns)
					*last_run_ns = t;
			}
		}
		if (ran == vm->nr_vcpus)
			break;
		usleep(1000);
	}
	return ran;
}

/*
 * Wait until @path exists (it is created by rename, so it is complete).
 * The inotify fd is handed back open: closing it waits for an SRCU grace
 * period (~16 ms measured), which must not land inside the pause.
 */
int wait_for_file(struct vmm *vm, const char *path, int *ifd_out)
{
	char dir[VMM_PATH_MAX], *slash;
	uint64_t deadline;
	int ifd, r = -1;

	/* watch the directory: the file appears there by rename() */
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = 0;
		if (!dir[0])
			strcpy(dir, "/");
	} else {
		strcpy(dir, ".");
	}
	ifd = inotify_init1(IN_CLOEXEC);
	if (ifd < 0 || inotify_add_watch(ifd, dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		vmm_err("inotify on %s: %s", dir, strerror(errno));
		goto out;
	}
	vmm_info(vm, "waiting for %s", path);
	deadline = vm->opts->wait_timeout_s ?
		now_ns() + vm->opts->wait_timeout_s * 1000000000ULL : 0;
	while (access(path, F_OK) != 0) {
		struct pollfd pfd[2] = {
			{ .fd = ifd, .events = POLLIN },
			{ .fd = vmm_sig_fd, .events = POLLIN },
		};
		char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

		if (poll(pfd, 2, 1000) < 0 && errno != EINTR) {
			vmm_err("poll: %s", strerror(errno));
			goto out;
		}
		if (pfd[1].revents & POLLIN) {
			vmm_err("interrupted while waiting for %s", path);
			goto out;
		}
		if (deadline && now_ns() > deadline) {
			vmm_err("%s did not appear within %u s (--wait-timeout)",
				path, vm->opts->wait_timeout_s);
			goto out;
		}
		if ((pfd[0].revents & POLLIN) && read(ifd, buf, sizeof(buf)) < 0 &&
		    errno != EAGAIN) {
			vmm_err("inotify read: %s", strerror(errno));
			goto out;
		}
	}
	r = 0;
	*ifd_out = ifd;
	ifd = -1;
out:
	if (ifd >= 0)
		close(ifd);
	return r;
}

/*
 * The recreate path: a new VM and new vCPUs, the same guest memory, and all
 * the saved KVM state put back.  With --wait everything that does not need
 * the state is done first, then the process waits for the file.
 */
static int run_restore(struct vmm *vm)
{
	const struct vmm_opts *o = vm->opts;
	struct run_info ri = { .restored = true };
	uint64_t created_ns, read_ns, restored_ns, last_run = 0, seen_ns = 0;
	int ifd = -1;
	struct vmm_state *st = state_alloc();
	const char *mem_path;
	int i, rc = 1;

	if (!st || vmm_open_kvm(vm) < 0)
		goto out;
	if (o->wait_for_state) {
		if (vmm_create_vm(vm) < 0 ||
		    vmm_setup_memory(vm, o->mem_mb << 20, o->mem_split, o->mem_path, true) < 0 ||
		    vmm_create_vcpus(vm, o->nr_vcpus) < 0)
			goto out;
		created_ns = now_ns();
		if (wait_for_file(vm, o->restore_path, &ifd) < 0)
			goto out;
		seen_ns = now_ns();
		if (state_read(st, o->restore_path) < 0)
			goto out;
		read_ns = now_ns();
	} else {
		if (state_read(st, o->restore_path) < 0)
			goto out;
		read_ns = now_ns();
		mem_path = state_mem_path(st);
		if (o->mem_path)
			mem_path = o->mem_path;
		/* cprhold's KVM adoption needs guest RAM at the same addresses */
		for (i = 0; o->same_hva && i < state_nr_mem(st); i++)
			vm->mem[i].hva_hint = state_mem_hva(st, i);
		if (vmm_create_vm(vm) < 0 ||
		    vmm_setup_memory(vm, state_mem_size(st), state_nr_mem(st) > 1,
				     mem_path, mem_path != NULL) < 0 ||
		    vmm_create_vcpus(vm, state_nr_vcpus(st)) < 0)
			goto out;
		created_ns = now_ns();
	}
	/* with --wait the VM was shaped by the options; the check below compares */
	vm->kick_gsi = o->wait_for_state ? o->kick_gsi : state_kick_gsi(st);
	if (state_check_compat(vm, st) < 0 || state_load_ram(vm, st) < 0)
		goto out;
	/* RAM and registers must be from the same stop (a file-backed RAM
	 * that ran on after the dump does not match the state any more) */
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct guest_vcpu_data *g = vmm_guest_vcpu(vm, i);

		ri.resume_count[i] = g->count;
		ri.resume_hb[i] = g->hb_seq;
		if (g->count != state_vcpu_count(st, i)) {
			vmm_err("vcpu%d: guest RAM has count %" PRIu64 ", the state file %" PRIu64
				": the memory does not belong to this state", i, g->count,
				state_vcpu_count(st, i));
			goto out;
		}
	}
	for (i = 0; i < vm->nr_vcpus; i++)
		if (state_set_vcpu_cpuid(vm, st, i) < 0)
			goto out;
	if (vmm_restore_state(vm, st) < 0)
		goto out;
	/* the irqfd goes on after the IOAPIC has its state back */
	if (vmm_setup_irqfd(vm, vm->kick_gsi) < 0)
		goto out;
	restored_ns = now_ns();
	if (!o->no_verify) {
		ri.verify_failed = vmm_verify_state(vm, st) < 0;
		vmm_info(vm, "verify took %.3f ms (part of the pause below; --no-verify "
			 "leaves it out)", (now_ns() - restored_ns) / 1e6);
	}

	vm->kicks_sent = state_kicks_sent(st);
	ri.kicks_at_start = vm->kicks_sent;
	ri.resume_irqs_total = vmm_guest_cfg(vm)->irqs_total;

	if (vmm_start_vcpus(vm) < 0)
		goto out;
	/* report the pause once every vCPU has entered KVM_RUN */
	vmm_wait_vcpus_running(vm, &last_run);
	state_print_timeline(vm, st, created_ns, seen_ns, read_ns, restored_ns, last_run);
	if (ifd >= 0)
		close(ifd);
	ifd = -1;
	vmm_measure_resume_gaps(vm, &ri);
	for (i = 0; i < vm->nr_vcpus; i++)
		vmm_info(vm, "guest-observed pause: vcpu%d saw a TSC gap of %s%.3f ms at the "
			 "resume point (tsc-mode %s)", i, ri.resume_gap_found[i] ? "" : "< ",
			 vm->tsc_khz ? (double)ri.resume_gap[i] / vm->tsc_khz : 0.0,
			 o->tsc_keep_value ? "value: the guest TSC stood still while stopped" :
			 "offset");
	vmm_info(vm, "resumed %d vCPUs from %s; counters at resume:", vm->nr_vcpus,
		 o->restore_path);
	for (i = 0; i < vm->nr_vcpus; i++)
		vmm_info(vm, "  vcpu%d: count=%" PRIu64 " heartbeats=%" PRIu64, i,
			 ri.resume_count[i], ri.resume_hb[i]);
	if (o->dump_path && !strcmp(o->dump_path, o->restore_path))
		vmm_info(vm, "note: --dump-state overwrites the file restored from");

	rc = vmm_run_and_finish(vm, &ri);
out:
	if (ifd >= 0)
		close(ifd);
	state_free(st);
	return rc;
}

/*
 * --idle: a VM with one vCPU that never runs, kept until SIGINT/SIGTERM.
 * While it exists, creating and destroying other VMs does not flip KVM's
 * static keys (preempt notifiers, apic_sw_disabled) between 0 and 1, so no
 * kernel text is patched at run time.  vmtest.sh uses it because cross-CPU
 * text patching is not reliable under QEMU TCG (sporadic int3 Oopses).
 */
static int run_idle(struct vmm *vm)
{
	struct signalfd_siginfo si;
	struct pollfd pfd = { .fd = vmm_sig_fd, .events = POLLIN };

	if (vmm_open_kvm(vm) < 0 || vmm_create_vm(vm) < 0 ||
	    vmm_setup_memory(vm, 2ULL << 20, false, NULL, false) < 0 ||
	    vmm_create_vcpus(vm, 1) < 0)
		return 1;
	vmm_info(vm, "idle VM created (pid %d); waiting for SIGTERM", (int)getpid());
	for (;;) {
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
			vmm_err("poll: %s", strerror(errno));
			return 1;
		}
		if ((pfd.revents & POLLIN) && read(vmm_sig_fd, &si, sizeof(si)) == sizeof(si) &&
		    si.ssi_signo != SIGUSR2)
			return 0;
	}
}

/* ------------------------------------------------------------------ */
/* Options                                                             */
/* ------------------------------------------------------------------ */

static void usage(FILE *out)
{
	fprintf(out,
"usage: %s [options]\n"
"  --vcpus N             vCPUs, 1..16 (default 1)\n"
"  --mem MB              guest RAM in MiB, 2..2048 (default 16)\n"
"  --mem-split           two memfds/memslots instead of one\n"
"  --mem-path PREFIX     back RAM with files PREFIX.0[, PREFIX.1] (e.g. on\n"
"                        /dev/shm) instead of memfds; a restorer reopens them\n"
"  --run SECONDS         run this long, then stop (default: until SIGINT/SIGTERM)\n"
"  --kick-interval MS    write the irqfd eventfd every MS ms (default 200, 0 off);\n"
"                        SIGUSR2 kicks once\n"
"  --kick-gsi N          GSI/IOAPIC pin of the kick (default 10)\n"
"  --heartbeat-ms MS     guest heartbeat period (default 1000)\n"
"  --pit-hz HZ           guest programs the PIT at HZ, 19..1000 (default 20, 0 off)\n"
"  --dump-state FILE     when stopping, save the full VM state to FILE\n"
"  --restore-state FILE  build a new VM from FILE and resume it\n"
"  --wait                with --restore-state: create the VM first, then wait for\n"
"                        FILE to appear (pass matching --vcpus/--mem/--mem-split)\n"
"  --tsc-mode MODE       restore: 'offset' (default) keeps the TSC offset, the\n"
"                        guest sees the pause; 'value' freezes the guest TSC\n"
"  --no-drain            stop vCPUs immediately, even in the middle of a line\n"
"  --no-verify           restore: do not read the state back and compare it\n"
"  --same-hva            restore: map guest RAM at the saving process's addresses\n"
"  --show-state FILE     print a state file and exit\n"
"  --idle                only hold a VM with one never-run vCPU until SIGTERM\n"
"                        (keeps KVM's static keys steady; see README)\n"
"  --log FILE            heartbeat lines to FILE instead of stdout\n"
"  --timestamps          prefix heartbeat lines with seconds since start\n"
"  --check               exit 1 if a built-in check fails\n"
"  --quiet               only heartbeats and errors\n"
"  --prefault            allocate all guest RAM up front (resident, as in use)\n"
"cprhold handover (see README.md):\n"
"  --handover-out NAME   after the run (--run, or SIGTERM) stop the vCPUs and hand\n"
"                        the VM over in cprhold session NAME, then exit\n"
"  --secret-out FILE     write the session's secret to FILE (hex, after sealing)\n"
"  --ttl-ms N            the sealed session expires after N ms unclaimed (0: never)\n"
"  --kick-in-gap         signal the kick eventfd once while the VM is stopped\n"
"  --handover-in NAME    take over the VM parked in session NAME and resume it\n"
"  --secret-file FILE    its secret; waits for FILE to appear\n"
"  --wait-timeout SECS   give up waiting for a file (--secret-file, --hold-until,\n"
"                        --wait) after SECS seconds (default 120; 0: never)\n"
"  --recreate            hand over by recreating the VM from its saved KVM state\n"
"                        (new VM and vCPUs, as QEMU's CPR modes) instead of\n"
"                        adopting it; both sides must agree\n"
"  --verify-state        also save the full KVM state and compare it after resuming\n"
"test options:\n"
"  --hold-until FILE     handover-out: keep every fd after sealing, wait for FILE,\n"
"                        then run the VM again, destroy the session and exit\n"
"  --park-vcpus N        handover-out: park only the first N vCPUs\n"
"  --fault-unmapped      handover-in: first try to adopt with no guest memory\n"
"                        mapped (must fail with ENXIO), then do it right\n"
"  --expect-adopt-errno E  handover-in: adoption must fail with errno E (EBUSY,\n"
"                        ENOENT, ...); give the session back and exit 0 if it did\n", prog);
}

static int parse_uint(const char *s, unsigned long min, unsigned long max,
		      const char *opt, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max) {
		vmm_err("%s: '%s' is not a number in %lu..%lu", opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* The errno a name like "EBUSY" stands for, or -1. */
static int errno_by_name(const char *name)
{
	static const struct { const char *name; int err; } tab[] = {
		{ "EBUSY", EBUSY }, { "ENOENT", ENOENT }, { "ENXIO", ENXIO },
		{ "EINVAL", EINVAL }, { "EIO", EIO }, { "EOPNOTSUPP", EOPNOTSUPP },
		{ "EACCES", EACCES }, { "EINTR", EINTR },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strcmp(name, tab[i].name))
			return tab[i].err;
	return -1;
}

static int parse_opts(int argc, char **argv, struct vmm_opts *o)
{
	enum { O_VCPUS = 256, O_MEM, O_SPLIT, O_MEMPATH, O_RUN, O_KICK, O_GSI, O_HB,
	       O_PIT, O_DUMP, O_RESTORE, O_WAIT, O_TSC, O_NODRAIN, O_SHOW, O_LOG,
	       O_TS, O_CHECK, O_QUIET, O_HELP, O_NOVERIFY, O_IDLE, O_SAMEHVA,
	       O_PREFAULT, O_HOUT, O_SOUT, O_TTL, O_KGAP, O_HIN, O_SFILE, O_RECREATE,
	       O_VSTATE, O_HOLD, O_PARKV, O_FUNMAP, O_EXPECT, O_WAITTMO };
	static const struct option lo[] = {
		{ "vcpus", required_argument, NULL, O_VCPUS },
		{ "mem", required_argument, NULL, O_MEM },
		{ "mem-split", no_argument, NULL, O_SPLIT },
		{ "mem-path", required_argument, NULL, O_MEMPATH },
		{ "run", required_argument, NULL, O_RUN },
		{ "kick-interval", required_argument, NULL, O_KICK },
		{ "kick-gsi", required_argument, NULL, O_GSI },
		{ "heartbeat-ms", required_argument, NULL, O_HB },
		{ "pit-hz", required_argument, NULL, O_PIT },
		{ "dump-state", required_argument, NULL, O_DUMP },
		{ "restore-state", required_argument, NULL, O_RESTORE },
		{ "wait", no_argument, NULL, O_WAIT },
		{ "tsc-mode", required_argument, NULL, O_TSC },
		{ "no-drain", no_argument, NULL, O_NODRAIN },
		{ "no-verify", no_argument, NULL, O_NOVERIFY },
		{ "idle", no_argument, NULL, O_IDLE },
		{ "same-hva", no_argument, NULL, O_SAMEHVA },
		{ "show-state", required_argument, NULL, O_SHOW },
		{ "log", required_argument, NULL, O_LOG },
		{ "timestamps", no_argument, NULL, O_TS },
		{ "check", no_argument, NULL, O_CHECK },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "help", no_argument, NULL, O_HELP },
		{ "prefault", no_argument, NULL, O_PREFAULT },
		{ "handover-out", required_argument, NULL, O_HOUT },
		{ "secret-out", required_argument, NULL, O_SOUT },
		{ "ttl-ms", required_argument, NULL, O_TTL },
		{ "kick-in-gap", no_argument, NULL, O_KGAP },
		{ "handover-in", required_argument, NULL, O_HIN },
		{ "secret-file", required_argument, NULL, O_SFILE },
		{ "recreate", no_argument, NULL, O_RECREATE },
		{ "verify-state", no_argument, NULL, O_VSTATE },
		{ "hold-until", required_argument, NULL, O_HOLD },
		{ "park-vcpus", required_argument, NULL, O_PARKV },
		{ "fault-unmapped", no_argument, NULL, O_FUNMAP },
		{ "expect-adopt-errno", required_argument, NULL, O_EXPECT },
		{ "wait-timeout", required_argument, NULL, O_WAITTMO },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case O_VCPUS:
			if (parse_uint(optarg, 1, VMM_MAX_VCPUS, "--vcpus", &v))
				return -1;
			o->nr_vcpus = v;
			o->nr_vcpus_set = true;
			break;
		case O_MEM:
			if (parse_uint(optarg, 2, 2048, "--mem", &v))
				return -1;
			o->mem_mb = v;
			o->mem_set = true;
			break;
		case O_SPLIT:
			o->mem_split = true;
			o->mem_split_set = true;
			break;
		case O_MEMPATH:
			o->mem_path = optarg;
			break;
		case O_RUN:
			o->run_secs = strtod(optarg, &end);
			if (end == optarg || *end || o->run_secs <= 0) {
				vmm_err("--run: '%s' is not a positive number of seconds", optarg);
				return -1;
			}
			break;
		case O_KICK:
			if (parse_uint(optarg, 0, 3600000, "--kick-interval", &v))
				return -1;
			o->kick_ms = v;
			break;
		case O_GSI:
			if (parse_uint(optarg, 1, KVM_IOAPIC_NUM_PINS - 1, "--kick-gsi", &v))
				return -1;
			o->kick_gsi = v;
			break;
		case O_HB:
			if (parse_uint(optarg, 10, 3600000, "--heartbeat-ms", &v))
				return -1;
			o->hb_ms = v;
			break;
		case O_PIT:
			if (parse_uint(optarg, 0, 1000, "--pit-hz", &v))
				return -1;
			if (v && v < 19) {
				vmm_err("--pit-hz: the PIT cannot go below 19 Hz (0 turns it off)");
				return -1;
			}
			o->pit_hz = v;
			break;
		case O_DUMP:
			o->dump_path = optarg;
			break;
		case O_RESTORE:
			o->restore_path = optarg;
			break;
		case O_WAIT:
			o->wait_for_state = true;
			break;
		case O_TSC:
			if (!strcmp(optarg, "offset"))
				o->tsc_keep_value = false;
			else if (!strcmp(optarg, "value"))
				o->tsc_keep_value = true;
			else {
				vmm_err("--tsc-mode: 'offset' or 'value'");
				return -1;
			}
			break;
		case O_NODRAIN:
			o->no_drain = true;
			break;
		case O_SAMEHVA:
			o->same_hva = true;
			break;
		case O_IDLE:
			o->idle = true;
			break;
		case O_NOVERIFY:
			o->no_verify = true;
			break;
		case O_SHOW:
			o->show_path = optarg;
			break;
		case O_LOG:
			o->log_path = optarg;
			break;
		case O_TS:
			o->timestamps = true;
			break;
		case O_CHECK:
			o->check = true;
			break;
		case O_QUIET:
			o->quiet = true;
			break;
		case O_PREFAULT:
			o->prefault = true;
			break;
		case O_HOUT:
			o->handover_out = optarg;
			break;
		case O_SOUT:
			o->secret_out = optarg;
			break;
		case O_TTL:
			if (parse_uint(optarg, 0, 0xffffffffUL, "--ttl-ms", &v))
				return -1;
			o->ttl_ms = v;
			break;
		case O_KGAP:
			o->kick_in_gap = true;
			break;
		case O_HIN:
			o->handover_in = optarg;
			break;
		case O_SFILE:
			o->secret_file = optarg;
			break;
		case O_RECREATE:
			o->recreate = true;
			break;
		case O_VSTATE:
			o->verify_state = true;
			break;
		case O_HOLD:
			o->hold_until = optarg;
			break;
		case O_WAITTMO:
			if (parse_uint(optarg, 0, 86400, "--wait-timeout", &v))
				return -1;
			o->wait_timeout_s = v;
			break;
		case O_PARKV:
			if (parse_uint(optarg, 0, VMM_MAX_VCPUS, "--park-vcpus", &v))
				return -1;
			o->park_vcpus = v;
			break;
		case O_FUNMAP:
			o->fault_unmapped = true;
			break;
		case O_EXPECT:
			o->expect_adopt_errno = errno_by_name(optarg);
			if (o->expect_adopt_errno <= 0) {
				vmm_err("--expect-adopt-errno: unknown errno name '%s'", optarg);
				return -1;
			}
			break;
		case O_HELP:
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		vmm_err("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (o->wait_for_state && !o->restore_path) {
		vmm_err("--wait needs --restore-state");
		return -1;
	}
	if (o->same_hva && (!o->restore_path || o->wait_for_state)) {
		vmm_err("--same-hva needs --restore-state without --wait");
		return -1;
	}
	if (o->mem_path && strlen(o->mem_path) > VMM_PATH_MAX - 8) {
		vmm_err("--mem-path too long");
		return -1;
	}
	if (o->dump_path && strlen(o->dump_path) > VMM_PATH_MAX - 8) {
		vmm_err("--dump-state path too long");
		return -1;
	}
	if (o->handover_out && !o->secret_out) {
		vmm_err("--handover-out needs --secret-out FILE (the successor's capability)");
		return -1;
	}
	if (o->handover_in && !o->secret_file) {
		vmm_err("--handover-in needs --secret-file FILE");
		return -1;
	}
	if ((o->handover_out || o->handover_in) &&
	    (o->restore_path || o->dump_path || o->idle || o->mem_path)) {
		vmm_err("--handover-in/--handover-out do not go with --restore-state, "
			"--dump-state, --idle or --mem-path");
		return -1;
	}
	if ((o->secret_out || o->ttl_ms || o->kick_in_gap || o->hold_until ||
	     o->park_vcpus >= 0) && !o->handover_out) {
		vmm_err("--secret-out, --ttl-ms, --kick-in-gap, --hold-until and --park-vcpus "
			"go with --handover-out");
		return -1;
	}
	if ((o->secret_file || o->fault_unmapped || o->expect_adopt_errno) && !o->handover_in) {
		vmm_err("--secret-file, --fault-unmapped and --expect-adopt-errno go with "
			"--handover-in");
		return -1;
	}
	if ((o->recreate || o->verify_state) && !o->handover_in && !o->handover_out) {
		vmm_err("--recreate and --verify-state go with --handover-in/--handover-out");
		return -1;
	}
	if (o->recreate && (o->fault_unmapped || o->expect_adopt_errno ||
			    o->park_vcpus >= 0)) {
		vmm_err("--fault-unmapped, --expect-adopt-errno and --park-vcpus test adoption: "
			"not with --recreate");
		return -1;
	}
	if (o->hold_until && o->kick_in_gap) {
		vmm_err("--hold-until and --kick-in-gap do not go together");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct vmm_opts o = {
		.nr_vcpus = 1,
		.mem_mb = 16,
		.kick_ms = 200,
		.kick_gsi = 10,
		.hb_ms = 1000,
		.wait_timeout_s = 120,
		.pit_hz = 20,
		.park_vcpus = -1,
	};
	struct sigaction sa;
	struct vmm vm;
	sigset_t set;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_opts(argc, argv, &o) < 0)
		return 2;

	if (o.show_path) {
		struct vmm_state *st = state_alloc();

		rc = st && state_read(st, o.show_path) == 0 ? 0 : 1;
		if (!rc)
			state_print(st, stdout);
		state_free(st);
		return rc;
	}

	vmm_init(&vm, &o);
	if (o.log_path) {
		vm.log = fopen(o.log_path, "a");
		if (!vm.log) {
			vmm_err("open %s: %s", o.log_path, strerror(errno));
			return 1;
		}
		setvbuf(vm.log, NULL, _IOLBF, 0);
	}

	/* SIGUSR1 interrupts KVM_RUN; the rest is read from a signalfd */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sigusr1_handler;
	sa.sa_flags = SA_RESTART;	/* KVM_RUN still returns -EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);	/* inherited by vCPU threads */
	vmm_sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	vm.notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vmm_sig_fd < 0 || vm.notify_fd < 0) {
		vmm_err("signalfd/eventfd: %s", strerror(errno));
		return 1;
	}

	if (o.idle)
		rc = run_idle(&vm);
	else if (o.handover_in)
		rc = run_handover_in(&vm);
	else if (o.restore_path)
		rc = run_restore(&vm);
	else
		rc = run_fresh(&vm);
	if (vm.vcpu[0].thread_started)
		vmm_stop_vcpus(&vm);
	vmm_destroy(&vm);
	if (vm.log != stdout)
		fclose(vm.log);
	return rc;
}
