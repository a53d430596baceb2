// SPDX-License-Identifier: GPL-2.0
/*
 * state.c - save, restore and verify the full KVM state of a cprhold-vmm VM,
 * and the state file that carries it to a second process (the "recreate"
 * path that QEMU's CPR modes use, and cprhold's comparison baseline).
 *
 * Saved per vCPU: CPUID, REGS, SREGS, FPU, XSAVE (XSAVE2 when larger),
 * XCRS, every MSR of KVM_GET_MSR_INDEX_LIST, LAPIC, VCPU_EVENTS, MP_STATE,
 * DEBUGREGS and the KVM_VCPU_TSC_OFFSET attribute.  Per VM: IRQCHIP (PIC
 * master, PIC slave, IOAPIC), PIT2 and CLOCK.  Guest RAM either stays in a
 * named file (--mem-path) or is copied into the state file.
 *
 * File format (host endian, this host only):
 *   struct state_file_header
 *   records: struct state_rec { type, index, len } + len bytes, padded to 8
 *   REC_END
 * Unknown record types are skipped, so the format can grow.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "vmm.h"

#define STATE_MAGIC		"CPRHVMM"
#define STATE_VERSION		1

enum {
	REC_END = 0,
	REC_META = 1,
	REC_MEMDESC = 2,
	REC_RAM = 3,
	REC_TIMES = 4,
	REC_VCPU_META = 10,
	REC_CPUID = 11,
	REC_REGS = 12,
	REC_SREGS = 13,
	REC_FPU = 14,
	REC_XSAVE = 15,
	REC_XCRS = 16,
	REC_MSRS = 17,
	REC_LAPIC = 18,
	REC_EVENTS = 19,
	REC_MP_STATE = 20,
	REC_DEBUGREGS = 21,
	REC_TSC_OFFSET = 22,
	REC_PIC = 40,		/* index 0 master, 1 slave */
	REC_IOAPIC = 41,
	REC_PIT2 = 42,
	REC_CLOCK = 43,
};

struct state_file_header {
	char magic[8];
	uint32_t version;
	uint32_t header_size;
};

struct state_rec {
	uint32_t type;
	uint32_t index;
	uint64_t len;
};

struct state_meta {
	uint32_t nr_vcpus;
	uint32_t nr_mem;
	uint64_t mem_size;
	uint32_t kick_gsi;
	uint32_t tsc_khz;
	uint64_t kicks_sent;
	uint32_t xsave_size;
	uint32_t flags;
	uint64_t realtime_ns;		/* CLOCK_REALTIME when saved */
	char mem_path[VMM_PATH_MAX];	/* --mem-path prefix, or "" */
	char kernel[72];		/* uname -r of the saving host */
};

#define META_F_TSC_OFFSET	0x1	/* per-vCPU TSC offsets recorded */
#define META_F_PIT		0x2

struct state_memdesc {
	uint64_t gpa;
	uint64_t size;
	uint64_t hva;			/* where the saving process had it mapped */
	uint32_t slot;
	uint32_t backing;		/* enum vmm_mem_backing */
	char path[VMM_PATH_MAX];
};

struct state_times {
	uint64_t stop_req_ns;		/* CLOCK_MONOTONIC, all of them */
	uint64_t stopped_ns;
	uint64_t saved_ns;
	uint64_t written_ns;
};

struct state_vcpu_meta {
	uint64_t count;			/* guest counter when stopped */
	uint64_t hb_seq;
	uint64_t irqs;
	uint64_t maxgap;
	uint64_t stopped_ns;
	uint64_t nr_exits;
	uint32_t drained;		/* stopped at the end of a heartbeat line */
	uint32_t pad;
};

struct vcpu_state {
	bool valid;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_xsave *xsave;
	uint32_t xsave_size;
	struct kvm_xcrs xcrs;
	bool has_xcrs;
	struct kvm_msrs *msrs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp_state;
	struct kvm_debugregs debugregs;
	bool has_debugregs;
	struct kvm_cpuid2 *cpuid;
	uint64_t tsc_offset;
	bool has_tsc_offset;
	struct state_vcpu_meta meta;
};

struct vmm_state {
	struct state_meta meta;
	struct state_memdesc mem[VMM_MAX_MEM];
	uint64_t ram_offset[VMM_MAX_MEM];	/* inline RAM: file offset */
	bool ram_inline[VMM_MAX_MEM];
	struct kvm_irqchip pic[2];
	struct kvm_irqchip ioapic;
	struct kvm_pit_state2 pit;
	struct kvm_clock_data clock;
	struct vcpu_state vcpu[VMM_MAX_VCPUS];
	struct state_times times;
	bool has_times;
	char path[VMM_PATH_MAX];		/* file read from / written to */
};

static size_t msrs_size(uint32_t n)
{
	return sizeof(struct kvm_msrs) + n * sizeof(struct kvm_msr_entry);
}

static size_t cpuid_size(uint32_t n)
{
	return sizeof(struct kvm_cpuid2) + n * sizeof(struct kvm_cpuid_entry2);
}

struct vmm_state *state_alloc(void)
{
	struct vmm_state *st = calloc(1, sizeof(*st));

	if (!st)
		vmm_err("out of memory");
	return st;
}

void state_free(struct vmm_state *st)
{
	int i;

	if (!st)
		return;
	for (i = 0; i < VMM_MAX_VCPUS; i++) {
		free(st->vcpu[i].xsave);
		free(st->vcpu[i].msrs);
		free(st->vcpu[i].cpuid);
	}
	free(st);
}

/* ------------------------------------------------------------------ */
/* MSRs                                                                */
/* ------------------------------------------------------------------ */

/*
 * Read every MSR of the index list.  KVM_GET_MSRS stops at the first MSR it
 * cannot read and returns how many it did; such an MSR is reported and left
 * out, and the rest is read.
 */
static int get_msrs(struct vmm *vm, int id, struct kvm_msrs **out)
{
	uint32_t n = vm->msr_list->nmsrs, done = 0, kept = 0, i;
	struct kvm_msrs *all, *work;
	char who[16];
	int r;

	snprintf(who, sizeof(who), "vcpu%d", id);
	all = calloc(1, msrs_size(n));
	work = calloc(1, msrs_size(n));
	if (!all || !work) {
		free(all);
		free(work);
		vmm_err("out of memory");
		return -ENOMEM;
	}
	while (done < n) {
		work->nmsrs = n - done;
		for (i = 0; i < work->nmsrs; i++) {
			memset(&work->entries[i], 0, sizeof(work->entries[i]));
			work->entries[i].index = vm->msr_list->indices[done + i];
		}
		r = KVM_IOCTL(vm->vcpu[id].fd, KVM_GET_MSRS, work, who);
		if (r < 0) {
			free(all);
			free(work);
			return r;
		}
		for (i = 0; i < (uint32_t)r; i++)
			all->entries[kept++] = work->entries[i];
		done += r;
		if (done < n) {
			vmm_info(vm, "vcpu%d: MSR %#x is not readable, not saved",
				 id, vm->msr_list->indices[done]);
			done++;
		}
	}
	all->nmsrs = kept;
	free(work);
	*out = all;
	return 0;
}

/* Write MSRs; one KVM refuses is reported and skipped. */
static int set_msrs(struct vmm *vm, int id, const struct kvm_msrs *msrs,
		    int *skipped)
{
	uint32_t n = msrs->nmsrs, done = 0, i;
	struct kvm_msrs *work;
	char who[16];
	int r;

	*skipped = 0;
	snprintf(who, sizeof(who), "vcpu%d", id);
	work = calloc(1, msrs_size(n));
	if (!work) {
		vmm_err("out of memory");
		return -ENOMEM;
	}
	while (done < n) {
		work->nmsrs = n - done;
		for (i = 0; i < work->nmsrs; i++)
			work->entries[i] = msrs->entries[done + i];
		r = KVM_IOCTL(vm->vcpu[id].fd, KVM_SET_MSRS, work, who);
		if (r < 0) {
			free(work);
			return r;
		}
		done += r;
		if (done < n) {
			vmm_info(vm, "vcpu%d: KVM_SET_MSRS refused MSR %#x = %#llx, skipped",
				 id, msrs->entries[done].index,
				 (unsigned long long)msrs->entries[done].data);
			(*skipped)++;
			done++;
		}
	}
	free(work);
	return 0;
}

/*
 * MSRs whose value is derived from time: after a restore they legitimately
 * differ from the saved value (they are not stored state but clocks).
 */
static const char *time_msr_name(uint32_t index)
{
	switch (index) {
	case 0x00000010: return "IA32_TSC";
	case 0x40000010: return "HV_VP_RUNTIME";
	case 0x40000020: return "HV_TIME_REF_COUNT";
	default: return NULL;
	}
}

static const struct kvm_msr_entry *find_msr(const struct kvm_msrs *m, uint32_t index)
{
	uint32_t i;

	for (i = 0; i < m->nmsrs; i++)
		if (m->entries[i].index == index)
			return &m->entries[i];
	return NULL;
}

static int get_cpuid(struct vmm *vm, int id, struct kvm_cpuid2 **out)
{
	uint32_t nent = 64;
	struct kvm_cpuid2 *c;
	char who[16];

	snprintf(who, sizeof(who), "vcpu%d", id);
	for (;;) {
		c = calloc(1, cpuid_size(nent));
		if (!c) {
			vmm_err("out of memory");
			return -ENOMEM;
		}
		c->nent = nent;
		if (ioctl(vm->vcpu[id].fd, KVM_GET_CPUID2, c) == 0)
			break;
		if (errno != E2BIG || nent >= 4096) {
			vmm_err("%s: KVM_GET_CPUID2 failed: %s", who, strerror(errno));
			free(c);
			return -errno;
		}
		free(c);
		nent *= 2;
	}
	*out = c;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Save                                                                */
/* ------------------------------------------------------------------ */

static int save_vcpu(struct vmm *vm, int id, struct vcpu_state *s)
{
	struct vmm_vcpu *v = &vm->vcpu[id];
	struct guest_vcpu_data *gd = vmm_guest_vcpu(vm, id);
	char who[16];
	int fd = v->fd, r;

	snprintf(who, sizeof(who), "vcpu%d", id);
	if ((r = KVM_IOCTL(fd, KVM_GET_MP_STATE, &s->mp_state, who)) < 0 ||
	    (r = KVM_IOCTL(fd, KVM_GET_VCPU_EVENTS, &s->events, who)) < 0 ||
	    (r = KVM_IOCTL(fd, KVM_GET_REGS, &s->regs, who)) < 0 ||
	    (r = KVM_IOCTL(fd, KVM_GET_SREGS, &s->sregs, who)) < 0 ||
	    (r = KVM_IOCTL(fd, KVM_GET_FPU, &s->fpu, who)) < 0 ||
	    (r = KVM_IOCTL(fd, KVM_GET_LAPIC, &s->lapic, who)) < 0)
		return r;

	s->xsave_size = vm->xsave_size;
	s->xsave = calloc(1, s->xsave_size);
	if (!s->xsave) {
		vmm_err("out of memory");
		return -ENOMEM;
	}
	if (vm->has_xsave2)
		r = KVM_IOCTL(fd, KVM_GET_XSAVE2, s->xsave, who);
	else
		r = KVM_IOCTL(fd, KVM_GET_XSAVE, s->xsave, who);
	if (r < 0)
		return r;

	s->has_xcrs = vm->has_xcrs;
	if (s->has_xcrs && (r = KVM_IOCTL(fd, KVM_GET_XCRS, &s->xcrs, who)) < 0)
		return r;
	s->has_debugregs = vm->has_debugregs;
	if (s->has_debugregs &&
	    (r = KVM_IOCTL(fd, KVM_GET_DEBUGREGS, &s->debugregs, who)) < 0)
		return r;

	if ((r = get_cpuid(vm, id, &s->cpuid)) < 0)
		return r;
	if ((r = get_msrs(vm, id, &s->msrs)) < 0)
		return r;

	s->has_tsc_offset = vm->has_tsc_ctrl;
	if (s->has_tsc_offset) {
		struct kvm_device_attr attr = {
			.group = KVM_VCPU_TSC_CTRL,
			.attr = KVM_VCPU_TSC_OFFSET,
			.addr = (uint64_t)(uintptr_t)&s->tsc_offset,
		};

		if ((r = KVM_IOCTL(fd, KVM_GET_DEVICE_ATTR, &attr, who)) < 0)
			return r;
	}

	s->meta.count = gd->count;
	s->meta.hb_seq = gd->hb_seq;
	s->meta.irqs = gd->irqs;
	s->meta.maxgap = gd->maxgap;
	s->meta.stopped_ns = v->stopped_ns;
	s->meta.nr_exits = v->nr_exits;
	s->meta.drained = v->draining;
	s->valid = true;
	return 0;
}

int vmm_save_state(struct vmm *vm, struct vmm_state *st)
{
	struct utsname u;
	int i, r;

	st->times.stop_req_ns = vm->stop_req_ns;
	st->times.stopped_ns = vm->stopped_ns;

	st->meta.nr_vcpus = vm->nr_vcpus;
	st->meta.nr_mem = vm->nr_mem;
	st->meta.mem_size = vm->mem_size;
	st->meta.kick_gsi = vm->kick_gsi;
	st->meta.tsc_khz = vm->tsc_khz;
	st->meta.kicks_sent = vm->kicks_sent;
	st->meta.xsave_size = vm->xsave_size;
	if (vm->has_tsc_ctrl)
		st->meta.flags |= META_F_TSC_OFFSET;
	if (vm->has_pit)
		st->meta.flags |= META_F_PIT;
	if (vm->opts->mem_path)
		snprintf(st->meta.mem_path, sizeof(st->meta.mem_path), "%s",
			 vm->opts->mem_path);
	if (uname(&u) == 0)
		snprintf(st->meta.kernel, sizeof(st->meta.kernel), "%s", u.release);

	for (i = 0; i < vm->nr_mem; i++) {
		struct vmm_mem *m = &vm->mem[i];

		st->mem[i].gpa = m->gpa;
		st->mem[i].size = m->size;
		st->mem[i].slot = m->slot;
		st->mem[i].backing = m->backing;
		st->mem[i].hva = (uint64_t)(uintptr_t)m->hva;
		memcpy(st->mem[i].path, m->path, sizeof(m->path));
	}

	for (i = 0; i < vm->nr_vcpus; i++) {
		r = save_vcpu(vm, i, &st->vcpu[i]);
		if (r < 0)
			return r;
	}

	st->pic[0].chip_id = KVM_IRQCHIP_PIC_MASTER;
	st->pic[1].chip_id = KVM_IRQCHIP_PIC_SLAVE;
	st->ioapic.chip_id = KVM_IRQCHIP_IOAPIC;
	if ((r = KVM_IOCTL(vm->vm_fd, KVM_GET_IRQCHIP, &st->pic[0], "vm")) < 0 ||
	    (r = KVM_IOCTL(vm->vm_fd, KVM_GET_IRQCHIP, &st->pic[1], "vm")) < 0 ||
	    (r = KVM_IOCTL(vm->vm_fd, KVM_GET_IRQCHIP, &st->ioapic, "vm")) < 0)
		return r;
	if (vm->has_pit &&
	    (r = KVM_IOCTL(vm->vm_fd, KVM_GET_PIT2, &st->pit, "vm")) < 0)
		return r;
	if ((r = KVM_IOCTL(vm->vm_fd, KVM_GET_CLOCK, &st->clock, "vm")) < 0)
		return r;
	st->meta.realtime_ns = realtime_ns();
	st->times.saved_ns = now_ns();
	st->has_times = true;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Restore                                                             */
/* ------------------------------------------------------------------ */

static int restore_vcpu(struct vmm *vm, int id, struct vcpu_state *s,
			int *msr_skipped)
{
	int fd = vm->vcpu[id].fd, r;
	struct kvm_vcpu_events ev;
	char who[16];

	snprintf(who, sizeof(who), "vcpu%d", id);
	if (!s->valid) {
		vmm_err("%s: no saved state in the file", who);
		return -EINVAL;
	}
	/* CPUID was set when the vCPU was created: it gates XSAVE/XCR0/MSRs. */
	if ((r = KVM_IOCTL(fd, KVM_SET_SREGS, &s->sregs, who)) < 0)
		return r;
	if ((r = set_msrs(vm, id, s->msrs, msr_skipped)) < 0)
		return r;
	if (s->has_xcrs && vm->has_xcrs &&
	    (r = KVM_IOCTL(fd, KVM_SET_XCRS, &s->xcrs, who)) < 0)
		return r;
	if ((r = KVM_IOCTL(fd, KVM_SET_FPU, &s->fpu, who)) < 0)
		return r;
	if (s->xsave_size > vm->xsave_size) {
		vmm_err("%s: saved XSAVE area is %u bytes, this KVM takes %u",
			who, s->xsave_size, vm->xsave_size);
		return -EINVAL;
	}
	if ((r = KVM_IOCTL(fd, KVM_SET_XSAVE, s->xsave, who)) < 0)
		return r;
	if ((r = KVM_IOCTL(fd, KVM_SET_LAPIC, &s->lapic, who)) < 0)
		return r;
	ev = s->events;
	ev.flags |= KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR;
	if ((r = KVM_IOCTL(fd, KVM_SET_VCPU_EVENTS, &ev, who)) < 0)
		return r;
	if ((r = KVM_IOCTL(fd, KVM_SET_MP_STATE, &s->mp_state, who)) < 0)
		return r;
	if (s->has_debugregs && vm->has_debugregs &&
	    (r = KVM_IOCTL(fd, KVM_SET_DEBUGREGS, &s->debugregs, who)) < 0)
		return r;
	if ((r = KVM_IOCTL(fd, KVM_SET_REGS, &s->regs, who)) < 0)
		return r;

	/*
	 * TSC.  KVM_SET_MSRS above put IA32_TSC back to the saved value, i.e.
	 * the guest's TSC stood still while the VM was down (--tsc-mode value).
	 * By default the saved TSC offset is applied instead: on the same host
	 * the guest TSC then keeps tracking the host TSC, and the guest sees
	 * the real length of the pause (--tsc-mode offset).
	 */
	if (!vm->opts->tsc_keep_value && s->has_tsc_offset && vm->has_tsc_ctrl) {
		struct kvm_device_attr attr = {
			.group = KVM_VCPU_TSC_CTRL,
			.attr = KVM_VCPU_TSC_OFFSET,
			.addr = (uint64_t)(uintptr_t)&s->tsc_offset,
		};

		if ((r = KVM_IOCTL(fd, KVM_SET_DEVICE_ATTR, &attr, who)) < 0)
			return r;
	}
	return 0;
}

/*
 * Put @st into the VM: each vCPU's CPUID first (what KVM accepts of the
 * MSRs and registers depends on it), then its registers, the irqchips,
 * the PIT and kvmclock.
 */
int vmm_restore_state(struct vmm *vm, struct vmm_state *st)
{
	struct kvm_clock_data clock;
	int i, r, skipped, total_skipped = 0;

	if ((r = state_check_compat(vm, st)) < 0)
		return r;
	for (i = 0; i < vm->nr_vcpus; i++)
		if ((r = state_set_vcpu_cpuid(vm, st, i)) < 0)
			return r;
	for (i = 0; i < vm->nr_vcpus; i++) {
		r = restore_vcpu(vm, i, &st->vcpu[i], &skipped);
		if (r < 0)
			return r;
		total_skipped += skipped;
	}
	if ((r = KVM_IOCTL(vm->vm_fd, KVM_SET_IRQCHIP, &st->pic[0], "vm")) < 0 ||
	    (r = KVM_IOCTL(vm->vm_fd, KVM_SET_IRQCHIP, &st->pic[1], "vm")) < 0 ||
	    (r = KVM_IOCTL(vm->vm_fd, KVM_SET_IRQCHIP, &st->ioapic, "vm")) < 0)
		return r;
	if ((st->meta.flags & META_F_PIT) && vm->has_pit &&
	    (r = KVM_IOCTL(vm->vm_fd, KVM_SET_PIT2, &st->pit, "vm")) < 0)
		return r;

	/*
	 * kvmclock: with KVM_CLOCK_REALTIME KVM advances the clock by the
	 * CLOCK_REALTIME elapsed since the save (offset mode); without it the
	 * clock resumes at the saved value (value mode).
	 */
	memset(&clock, 0, sizeof(clock));
	clock.clock = st->clock.clock;
	if (!vm->opts->tsc_keep_value && (st->clock.flags & KVM_CLOCK_REALTIME)) {
		clock.flags = KVM_CLOCK_REALTIME;
		clock.realtime = st->clock.realtime;
	}
	if ((r = KVM_IOCTL(vm->vm_fd, KVM_SET_CLOCK, &clock, "vm")) < 0)
		return r;
	if (total_skipped)
		vmm_info(vm, "restore: %d MSR value(s) refused by KVM (see above)",
			 total_skipped);
	return 0;
}

int state_check_compat(const struct vmm *vm, const struct vmm_state *st)
{
	int i;

	if ((int)st->meta.nr_vcpus != vm->nr_vcpus) {
		vmm_err("state has %u vCPUs, this VM %d (use --vcpus %u)",
			st->meta.nr_vcpus, vm->nr_vcpus, st->meta.nr_vcpus);
		return -EINVAL;
	}
	if (st->meta.mem_size != vm->mem_size || (int)st->meta.nr_mem != vm->nr_mem) {
		vmm_err("state has %" PRIu64 " MiB in %u region(s), this VM %" PRIu64
			" MiB in %d (use --mem/--mem-split to match)",
			st->meta.mem_size >> 20, st->meta.nr_mem, vm->mem_size >> 20,
			vm->nr_mem);
		return -EINVAL;
	}
	for (i = 0; i < vm->nr_mem; i++) {
		if (st->mem[i].gpa != vm->mem[i].gpa || st->mem[i].size != vm->mem[i].size) {
			vmm_err("memory region %d differs from the saved layout", i);
			return -EINVAL;
		}
		if (st->mem[i].backing == VMM_MEM_PATH &&
		    (vm->mem[i].backing != VMM_MEM_PATH ||
		     strcmp(st->mem[i].path, vm->mem[i].path))) {
			vmm_err("memory region %d was %s; map the same file (--mem-path)",
				i, st->mem[i].path);
			return -EINVAL;
		}
		if (st->mem[i].backing == VMM_MEM_CPRHOLD && vm->mem[i].backing != VMM_MEM_CPRHOLD) {
			vmm_err("memory region %d was parked in a cprhold session: map it from there",
				i);
			return -EINVAL;
		}
		if (st->mem[i].backing == VMM_MEM_MEMFD && !st->ram_inline[i]) {
			vmm_err("memory region %d was a memfd but its contents are not in the file",
				i);
			return -EINVAL;
		}
	}
	if (st->meta.kick_gsi != vm->kick_gsi) {
		vmm_err("state routes the kick to GSI %u, this VM to %u (use --kick-gsi)",
			st->meta.kick_gsi, vm->kick_gsi);
		return -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Verify: read everything back and compare with what was restored    */
/* ------------------------------------------------------------------ */

static const char *same(bool eq)
{
	return eq ? "same" : "DIFFERENT";
}

#define LAPIC_PPR	0xa0	/* derived from TPR and ISR */
#define LAPIC_IRR	0x200	/* 8 registers, 16 bytes apart */
#define LAPIC_TMCCT	0x390	/* derived from the timer's deadline */

static uint32_t lapic_reg(const struct kvm_lapic_state *l, size_t off)
{
	uint32_t v;

	memcpy(&v, l->regs + off, sizeof(v));
	return v;
}

/*
 * Compare two LAPIC pages register by register.  PPR and the timer current
 * count are computed by KVM, not stored: a difference there is reported but
 * is not a restore error.  Returns true if the stored registers are equal.
 */
static bool lapic_compare(const struct kvm_lapic_state *a,
			  const struct kvm_lapic_state *b, char *buf, size_t len,
			  bool gap_irqs)
{
	size_t off, used = 0;
	bool eq = true;

	buf[0] = 0;
	for (off = 0; off < sizeof(a->regs); off += 16) {
		bool derived = off == LAPIC_PPR || off == LAPIC_TMCCT;
		uint32_t mask = ~0u;

		/*
		 * An adopted VM's in-kernel PIT and irqfd go on raising their
		 * interrupts while no vCPU runs: they wait in the IRR.
		 */
		if (gap_irqs && off == LAPIC_IRR + (VEC_TIMER / 32) * 16)
			mask &= ~(1u << (VEC_TIMER % 32));
		if (gap_irqs && off == LAPIC_IRR + (VEC_KICK / 32) * 16)
			mask &= ~(1u << (VEC_KICK % 32));
		if (((lapic_reg(a, off) ^ lapic_reg(b, off)) & mask) == 0) {
			if (lapic_reg(a, off) != lapic_reg(b, off) && used < len - 48)
				used += snprintf(buf + used, len - used,
						 " pending-in-the-gap %#zx:%#x->%#x", off,
						 lapic_reg(a, off), lapic_reg(b, off));
			continue;
		}
		if (!derived)
			eq = false;
		if (used < len - 48)
			used += snprintf(buf + used, len - used, " %s%#zx:%#x->%#x",
					 derived ? "derived " : "", off,
					 lapic_reg(a, off), lapic_reg(b, off));
	}
	return eq;
}

int vmm_verify_state(struct vmm *vm, const struct vmm_state *st)
{
	struct kvm_clock_data clk;
	bool tsc_stable;
	int i, bad = 0;

	/*
	 * Without a stable host TSC (KVM_CLOCK_TSC_STABLE clear, e.g. when the
	 * host marked its TSC unstable), KVM re-bases a vCPU's TSC offset each
	 * time the vCPU is loaded on a CPU; the offset is then a clock, too.
	 */
	if (KVM_IOCTL(vm->vm_fd, KVM_GET_CLOCK, &clk, "vm") < 0)
		return -1;
	tsc_stable = clk.flags & KVM_CLOCK_TSC_STABLE;

	for (i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu_state *s = &st->vcpu[i];
		struct vcpu_state now;
		char msrdiff[256] = "", timediff[128] = "", lapicdiff[256];
		uint32_t k, nsame = 0, ndiff = 0, ntime = 0, used = 0, tused = 0;
		bool eq_regs, eq_sregs, eq_fpu, eq_xsave, eq_xcrs = true, eq_lapic,
		     eq_events, eq_mp, eq_dr = true, eq_cpuid, eq_tsc = true;
		bool saved_valid;

		memset(&now, 0, sizeof(now));
		saved_valid = s->valid;
		if (!saved_valid)
			continue;
		if (save_vcpu(vm, i, &now) < 0) {
			bad++;
			continue;
		}
		eq_regs = !memcmp(&now.regs, &s->regs, sizeof(s->regs));
		eq_sregs = !memcmp(&now.sregs, &s->sregs, sizeof(s->sregs));
		eq_fpu = !memcmp(&now.fpu, &s->fpu, sizeof(s->fpu));
		eq_xsave = !memcmp(now.xsave, s->xsave, s->xsave_size);
		if (s->has_xcrs && now.has_xcrs)
			eq_xcrs = !memcmp(&now.xcrs, &s->xcrs, sizeof(s->xcrs));
		eq_lapic = lapic_compare(&s->lapic, &now.lapic, lapicdiff, sizeof(lapicdiff),
					 vm->verify_gap_irqs);
		eq_events = !memcmp(&now.events, &s->events, sizeof(s->events));
		eq_mp = now.mp_state.mp_state == s->mp_state.mp_state;
		if (s->has_debugregs && now.has_debugregs)
			eq_dr = !memcmp(&now.debugregs, &s->debugregs, sizeof(s->debugregs));
		eq_cpuid = now.cpuid->nent == s->cpuid->nent &&
			!memcmp(now.cpuid->entries, s->cpuid->entries,
				s->cpuid->nent * sizeof(s->cpuid->entries[0]));
		if (s->has_tsc_offset && now.has_tsc_offset && !vm->opts->tsc_keep_value)
			eq_tsc = now.tsc_offset == s->tsc_offset;

		for (k = 0; k < s->msrs->nmsrs; k++) {
			const struct kvm_msr_entry *e = &s->msrs->entries[k];
			const struct kvm_msr_entry *n = find_msr(now.msrs, e->index);
			const char *clk = time_msr_name(e->index);

			if (n && n->data == e->data) {
				nsame++;
				continue;
			}
			if (clk) {
				ntime++;
				if (tused < sizeof(timediff) - 40)
					tused += snprintf(timediff + tused,
							  sizeof(timediff) - tused,
							  " %s", clk);
				continue;
			}
			ndiff++;
			if (used < sizeof(msrdiff) - 40)
				used += snprintf(msrdiff + used, sizeof(msrdiff) - used,
						 " %#x=%#llx->%#llx", e->index, e->data,
						 n ? n->data : 0ULL);
		}

		vmm_info(vm, "verify vcpu%d: regs=%s sregs=%s fpu=%s xsave=%s xcrs=%s "
			 "lapic=%s%s%s%s events=%s mp_state=%s debugregs=%s cpuid=%s "
			 "tsc_offset=%s%s msrs=%u/%u same%s%s%s%s",
			 i, same(eq_regs), same(eq_sregs), same(eq_fpu), same(eq_xsave),
			 same(eq_xcrs), same(eq_lapic), lapicdiff[0] ? " (" : "",
			 lapicdiff[0] ? lapicdiff + 1 : "", lapicdiff[0] ? ")" : "", same(eq_events), same(eq_mp),
			 same(eq_dr), same(eq_cpuid),
			 eq_tsc || tsc_stable ? same(eq_tsc) : "moved", "", nsame,
			 s->msrs->nmsrs, ntime ? ", clocks moved on:" : "", timediff,
			 ndiff ? ", DIFFER:" : "", msrdiff);
		if (!eq_tsc)
			vmm_info(vm, "verify vcpu%d: TSC offset saved %#llx, now %#llx (%+.3f ms)%s",
				 i, (unsigned long long)s->tsc_offset,
				 (unsigned long long)now.tsc_offset,
				 vm->tsc_khz ? (double)(int64_t)(now.tsc_offset - s->tsc_offset) /
				 vm->tsc_khz : 0.0,
				 tsc_stable ? "" : ": host TSC not stable, KVM re-based it");
		vmm_info(vm, "verify vcpu%d: saved    rip=%#llx rsp=%#llx rflags=%#llx "
			 "rax=%#llx rcx=%#llx cr0=%#llx cr3=%#llx efer=%#llx gs.base=%#llx",
			 i, s->regs.rip, s->regs.rsp, s->regs.rflags, s->regs.rax,
			 s->regs.rcx, s->sregs.cr0, s->sregs.cr3, s->sregs.efer,
			 s->sregs.gs.base);
		vmm_info(vm, "verify vcpu%d: restored rip=%#llx rsp=%#llx rflags=%#llx "
			 "rax=%#llx rcx=%#llx cr0=%#llx cr3=%#llx efer=%#llx gs.base=%#llx",
			 i, now.regs.rip, now.regs.rsp, now.regs.rflags, now.regs.rax,
			 now.regs.rcx, now.sregs.cr0, now.sregs.cr3, now.sregs.efer,
			 now.sregs.gs.base);
		if (ntime) {
			const struct kvm_msr_entry *a = find_msr(s->msrs, 0x10);
			const struct kvm_msr_entry *b = find_msr(now.msrs, 0x10);

			if (a && b && vm->tsc_khz)
				vmm_info(vm, "verify vcpu%d: IA32_TSC saved %#llx now %#llx "
					 "(+%.3f ms: %s)", i, a->data, b->data,
					 ((double)(int64_t)(b->data - a->data)) / vm->tsc_khz,
					 vm->opts->tsc_keep_value ?
					 "guest TSC was frozen" :
					 "TSC offset kept, the guest TSC ran on");
		}
		/* Everything except the clock MSRs must come back bit for bit. */
		if (!eq_regs || !eq_sregs || !eq_fpu || !eq_xsave || !eq_xcrs ||
		    !eq_lapic || !eq_events || !eq_mp || !eq_dr || !eq_cpuid ||
		    (!eq_tsc && tsc_stable) || ndiff)
			bad++;
		free(now.xsave);
		free(now.msrs);
		free(now.cpuid);
	}

	/* VM-level devices */
	{
		struct kvm_irqchip pic0 = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
		struct kvm_irqchip pic1 = { .chip_id = KVM_IRQCHIP_PIC_SLAVE };
		struct kvm_irqchip ioapic = { .chip_id = KVM_IRQCHIP_IOAPIC };
		struct kvm_pit_state2 pit;
		struct kvm_clock_data clock;
		bool eq_pic0, eq_pic1, eq_ioapic, eq_pit = true;
		int c;

		if (KVM_IOCTL(vm->vm_fd, KVM_GET_IRQCHIP, &pic0, "vm") < 0 ||
		    KVM_IOCTL(vm->vm_fd, KVM_GET_IRQCHIP, &pic1, "vm") < 0 ||
		    KVM_IOCTL(vm->vm_fd, KVM_GET_IRQCHIP, &ioapic, "vm") < 0 ||
		    KVM_IOCTL(vm->vm_fd, KVM_GET_CLOCK, &clock, "vm") < 0)
			return -1;
		struct kvm_irqchip spic0 = st->pic[0], spic1 = st->pic[1], sioapic = st->ioapic;

		/* adoption: lines the PIT and the irqfd raised in the gap (see above) */
		if (vm->verify_gap_irqs) {
			spic0.chip.pic.irr = pic0.chip.pic.irr;
			spic0.chip.pic.last_irr = pic0.chip.pic.last_irr;
			spic1.chip.pic.irr = pic1.chip.pic.irr;
			spic1.chip.pic.last_irr = pic1.chip.pic.last_irr;
			sioapic.chip.ioapic.irr = ioapic.chip.ioapic.irr;
		}
		eq_pic0 = !memcmp(&pic0, &spic0, sizeof(pic0));
		eq_pic1 = !memcmp(&pic1, &spic1, sizeof(pic1));
		eq_ioapic = !memcmp(&ioapic, &sioapic, sizeof(ioapic));
		if (vm->has_pit && (st->meta.flags & META_F_PIT)) {
			if (KVM_IOCTL(vm->vm_fd, KVM_GET_PIT2, &pit, "vm") < 0)
				return -1;
			/* count_load_time is host ktime: it is reset on load */
			for (c = 0; c < 3; c++) {
				struct kvm_pit_channel_state a = st->pit.channels[c];
				struct kvm_pit_channel_state b = pit.channels[c];

				a.count_load_time = b.count_load_time = 0;
				if (memcmp(&a, &b, sizeof(a)))
					eq_pit = false;
			}
			if (pit.flags != st->pit.flags)
				eq_pit = false;
		}
		vmm_info(vm, "verify vm: pic_master=%s pic_slave=%s ioapic=%s pit2=%s "
			 "(count_load_time excluded) kvmclock %+.3f ms vs saved",
			 same(eq_pic0), same(eq_pic1), same(eq_ioapic), same(eq_pit),
			 ((double)(int64_t)(clock.clock - st->clock.clock)) / 1e6);
		if (!eq_pic0 || !eq_pic1 || !eq_ioapic || !eq_pit)
			bad++;
	}
	vmm_info(vm, "verify: %s%s", bad ? "RESTORED STATE DIFFERS from the saved state" :
		 "restored state is identical to the saved state (clock MSRs aside)",
		 vm->verify_gap_irqs ? " [adopted VM: interrupt lines raised while stopped "
		 "are left out]" : "");
	return bad ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* File I/O                                                            */
/* ------------------------------------------------------------------ */

static int write_all(int fd, const void *buf, size_t len, const char *path)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			vmm_err("write %s: %s", path, strerror(errno));
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int put_rec(int fd, uint32_t type, uint32_t index, const void *data,
		   uint64_t len, const char *path)
{
	static const char zero[8];
	struct state_rec rec = { .type = type, .index = index, .len = len };
	int r;

	if ((r = write_all(fd, &rec, sizeof(rec), path)) < 0)
		return r;
	if (len && (r = write_all(fd, data, len, path)) < 0)
		return r;
	if (len & 7)
		return write_all(fd, zero, 8 - (len & 7), path);
	return 0;
}

/*
 * Write the state to @fd (any file; @name for messages).  Guest RAM goes in
 * only for VMM_MEM_MEMFD regions: files (--mem-path) and memfds parked in a
 * cprhold session stay where they are.
 */
int state_write_fd(struct vmm *vm, struct vmm_state *st, int fd, const char *name)
{
	struct state_file_header hdr = { .version = STATE_VERSION,
					  .header_size = sizeof(hdr) };
	int i, r = 0;

	memcpy(hdr.magic, STATE_MAGIC, sizeof(STATE_MAGIC));
#define PUT(type, idx, ptr, len) \
	do { if ((r = put_rec(fd, type, idx, ptr, len, name)) < 0) return r; } while (0)

	if ((r = write_all(fd, &hdr, sizeof(hdr), name)) < 0)
		return r;
	PUT(REC_META, 0, &st->meta, sizeof(st->meta));
	for (i = 0; i < (int)st->meta.nr_mem; i++) {
		PUT(REC_MEMDESC, i, &st->mem[i], sizeof(st->mem[i]));
		if (st->mem[i].backing == VMM_MEM_MEMFD)
			PUT(REC_RAM, i, vm->mem[i].hva, vm->mem[i].size);
	}
	for (i = 0; i < (int)st->meta.nr_vcpus; i++) {
		struct vcpu_state *s = &st->vcpu[i];

		PUT(REC_VCPU_META, i, &s->meta, sizeof(s->meta));
		PUT(REC_CPUID, i, s->cpuid, cpuid_size(s->cpuid->nent));
		PUT(REC_REGS, i, &s->regs, sizeof(s->regs));
		PUT(REC_SREGS, i, &s->sregs, sizeof(s->sregs));
		PUT(REC_FPU, i, &s->fpu, sizeof(s->fpu));
		PUT(REC_XSAVE, i, s->xsave, s->xsave_size);
		if (s->has_xcrs)
			PUT(REC_XCRS, i, &s->xcrs, sizeof(s->xcrs));
		PUT(REC_MSRS, i, s->msrs, msrs_size(s->msrs->nmsrs));
		PUT(REC_LAPIC, i, &s->lapic, sizeof(s->lapic));
		PUT(REC_EVENTS, i, &s->events, sizeof(s->events));
		PUT(REC_MP_STATE, i, &s->mp_state, sizeof(s->mp_state));
		if (s->has_debugregs)
			PUT(REC_DEBUGREGS, i, &s->debugregs, sizeof(s->debugregs));
		if (s->has_tsc_offset)
			PUT(REC_TSC_OFFSET, i, &s->tsc_offset, sizeof(s->tsc_offset));
	}
	PUT(REC_PIC, 0, &st->pic[0], sizeof(st->pic[0]));
	PUT(REC_PIC, 1, &st->pic[1], sizeof(st->pic[1]));
	PUT(REC_IOAPIC, 0, &st->ioapic, sizeof(st->ioapic));
	if (st->meta.flags & META_F_PIT)
		PUT(REC_PIT2, 0, &st->pit, sizeof(st->pit));
	PUT(REC_CLOCK, 0, &st->clock, sizeof(st->clock));
	st->times.written_ns = now_ns();
	PUT(REC_TIMES, 0, &st->times, sizeof(st->times));
	PUT(REC_END, 0, NULL, 0);
#undef PUT
	return 0;
}

int state_write(struct vmm *vm, struct vmm_state *st, const char *path)
{
	char tmp[VMM_PATH_MAX + 8];
	int fd, r;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		vmm_err("create %s: %s", tmp, strerror(errno));
		return -errno;
	}
	r = state_write_fd(vm, st, fd, tmp);
	if (close(fd) < 0 && !r) {
		vmm_err("close %s: %s", tmp, strerror(errno));
		r = -errno;
	}
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	/* rename: a waiting restorer sees the complete file or nothing */
	if (rename(tmp, path) < 0) {
		vmm_err("rename %s -> %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
		return -errno;
	}
	snprintf(st->path, sizeof(st->path), "%s", path);
	return 0;
}

/* A cursor over a state image in memory. */
struct state_cur {
	const char *buf;
	size_t len, pos;
	const char *name;
};

static int cur_read(struct state_cur *c, void *dst, size_t len)
{
	if (len > c->len - c->pos) {
		vmm_err("%s: truncated state", c->name);
		return -EIO;
	}
	memcpy(dst, c->buf + c->pos, len);
	c->pos += len;
	return 0;
}

static int cur_skip(struct state_cur *c, uint64_t len)
{
	if (len > c->len - c->pos) {
		vmm_err("%s: truncated state", c->name);
		return -EIO;
	}
	c->pos += len;
	return 0;
}

/* Read a record whose size must be exactly @want. */
static int get_fixed(struct state_cur *c, const struct state_rec *rec, void *dst,
		     size_t want)
{
	if (rec->len != want) {
		vmm_err("%s: record type %u has %" PRIu64 " bytes, expected %zu",
			c->name, rec->type, (uint64_t)rec->len, want);
		return -EINVAL;
	}
	return cur_read(c, dst, want);
}

static void *get_var(struct state_cur *c, const struct state_rec *rec, size_t min, int *err)
{
	void *p;

	*err = 0;
	if (rec->len < min || rec->len > (64u << 20)) {
		vmm_err("%s: record type %u has a bad size %" PRIu64, c->name, rec->type,
			(uint64_t)rec->len);
		*err = -EINVAL;
		return NULL;
	}
	p = calloc(1, rec->len);
	if (!p) {
		vmm_err("out of memory");
		*err = -ENOMEM;
		return NULL;
	}
	if ((*err = cur_read(c, p, rec->len)) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

/*
 * Parse a state image (a state file's bytes, or a state blob from a cprhold
 * session).  Inline RAM is not copied: its offset in the image is recorded
 * for state_load_ram(), which reads it from st->path.
 */
int state_parse(struct vmm_state *st, const void *buf, size_t len, const char *name)
{
	struct state_cur cur = { .buf = buf, .len = len, .name = name };
	struct state_cur *c = &cur;
	struct state_file_header hdr;
	struct state_rec rec;
	int r;

	if ((r = cur_read(c, &hdr, sizeof(hdr))) < 0)
		return r;
	if (memcmp(hdr.magic, STATE_MAGIC, sizeof(STATE_MAGIC)) ||
	    hdr.version != STATE_VERSION || hdr.header_size != sizeof(hdr)) {
		vmm_err("%s: not a cprhold-vmm state (version %d)", name, STATE_VERSION);
		return -EINVAL;
	}
	for (;;) {
		struct vcpu_state *s = NULL;
		uint64_t pad;

		if ((r = cur_read(c, &rec, sizeof(rec))) < 0)
			return r;
		if (rec.type == REC_END)
			break;
		pad = (8 - (rec.len & 7)) & 7;
		if (rec.type >= REC_VCPU_META && rec.type <= REC_TSC_OFFSET) {
			if (rec.index >= VMM_MAX_VCPUS) {
				vmm_err("%s: vCPU index %u out of range", name, rec.index);
				return -EINVAL;
			}
			s = &st->vcpu[rec.index];
			s->valid = true;
		}
		if ((rec.type == REC_MEMDESC || rec.type == REC_RAM || rec.type == REC_PIC) &&
		    rec.index >= VMM_MAX_MEM) {
			vmm_err("%s: record index %u out of range", name, rec.index);
			return -EINVAL;
		}
		switch (rec.type) {
		case REC_META:
			r = get_fixed(c, &rec, &st->meta, sizeof(st->meta));
			break;
		case REC_MEMDESC:
			r = get_fixed(c, &rec, &st->mem[rec.index], sizeof(st->mem[0]));
			break;
		case REC_RAM:
			if (rec.len != st->mem[rec.index].size) {
				vmm_err("%s: RAM record %u does not match its region",
					name, rec.index);
				return -EINVAL;
			}
			st->ram_offset[rec.index] = c->pos;
			st->ram_inline[rec.index] = true;
			r = cur_skip(c, rec.len);
			break;
		case REC_TIMES:
			r = get_fixed(c, &rec, &st->times, sizeof(st->times));
			st->has_times = true;
			break;
		case REC_VCPU_META:
			r = get_fixed(c, &rec, &s->meta, sizeof(s->meta));
			break;
		case REC_CPUID:
			free(s->cpuid);
			s->cpuid = get_var(c, &rec, sizeof(struct kvm_cpuid2), &r);
			if (s->cpuid && cpuid_size(s->cpuid->nent) != rec.len) {
				vmm_err("%s: inconsistent CPUID record", name);
				r = -EINVAL;
			}
			break;
		case REC_REGS:
			r = get_fixed(c, &rec, &s->regs, sizeof(s->regs));
			break;
		case REC_SREGS:
			r = get_fixed(c, &rec, &s->sregs, sizeof(s->sregs));
			break;
		case REC_FPU:
			r = get_fixed(c, &rec, &s->fpu, sizeof(s->fpu));
			break;
		case REC_XSAVE:
			free(s->xsave);
			s->xsave = get_var(c, &rec, sizeof(struct kvm_xsave), &r);
			s->xsave_size = rec.len;
			break;
		case REC_XCRS:
			r = get_fixed(c, &rec, &s->xcrs, sizeof(s->xcrs));
			s->has_xcrs = true;
			break;
		case REC_MSRS:
			free(s->msrs);
			s->msrs = get_var(c, &rec, sizeof(struct kvm_msrs), &r);
			if (s->msrs && msrs_size(s->msrs->nmsrs) != rec.len) {
				vmm_err("%s: inconsistent MSR record", name);
				r = -EINVAL;
			}
			break;
		case REC_LAPIC:
			r = get_fixed(c, &rec, &s->lapic, sizeof(s->lapic));
			break;
		case REC_EVENTS:
			r = get_fixed(c, &rec, &s->events, sizeof(s->events));
			break;
		case REC_MP_STATE:
			r = get_fixed(c, &rec, &s->mp_state, sizeof(s->mp_state));
			break;
		case REC_DEBUGREGS:
			r = get_fixed(c, &rec, &s->debugregs, sizeof(s->debugregs));
			s->has_debugregs = true;
			break;
		case REC_TSC_OFFSET:
			r = get_fixed(c, &rec, &s->tsc_offset, sizeof(s->tsc_offset));
			s->has_tsc_offset = true;
			break;
		case REC_PIC:
			r = get_fixed(c, &rec, &st->pic[rec.index], sizeof(st->pic[0]));
			break;
		case REC_IOAPIC:
			r = get_fixed(c, &rec, &st->ioapic, sizeof(st->ioapic));
			break;
		case REC_PIT2:
			r = get_fixed(c, &rec, &st->pit, sizeof(st->pit));
			break;
		case REC_CLOCK:
			r = get_fixed(c, &rec, &st->clock, sizeof(st->clock));
			break;
		default:	/* newer record: skip */
			r = cur_skip(c, rec.len);
			break;
		}
		if (r < 0)
			return r;
		if (pad && (r = cur_skip(c, pad)) < 0)
			return r;
	}
	if (!st->meta.nr_vcpus || st->meta.nr_vcpus > VMM_MAX_VCPUS ||
	    !st->meta.nr_mem || st->meta.nr_mem > VMM_MAX_MEM) {
		vmm_err("%s: bad or missing META record", name);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < st->meta.nr_vcpus; i++) {
		struct vcpu_state *s = &st->vcpu[i];

		if (!s->valid || !s->cpuid || !s->msrs || !s->xsave) {
			vmm_err("%s: vcpu%u state is incomplete", name, i);
			return -EINVAL;
		}
	}
	return 0;
}

/* Read a state file: map it and parse it (RAM stays in the file). */
int state_read(struct vmm_state *st, const char *path)
{
	struct stat sb;
	void *p;
	int fd, r;

	snprintf(st->path, sizeof(st->path), "%s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		vmm_err("open %s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &sb) < 0) {
		r = -errno;
		vmm_err("stat %s: %s", path, strerror(errno));
		close(fd);
		return r;
	}
	if (sb.st_size < (off_t)sizeof(struct state_file_header)) {
		vmm_err("read %s: truncated file", path);
		close(fd);
		return -EIO;
	}
	p = mmap(NULL, sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		vmm_err("mmap %s: %s", path, strerror(errno));
		return -errno;
	}
	r = state_parse(st, p, sb.st_size, path);
	munmap(p, sb.st_size);
	return r;
}

int state_load_ram(struct vmm *vm, const struct vmm_state *st)
{
	int fd, i;

	for (i = 0; i < vm->nr_mem && !st->ram_inline[i]; i++)
		;
	if (i == vm->nr_mem)
		return 0;	/* no RAM in the state: nothing to read */

	fd = open(st->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		vmm_err("open %s: %s", st->path, strerror(errno));
		return -errno;
	}
	for (i = 0; i < vm->nr_mem; i++) {
		char *p = vm->mem[i].hva;
		uint64_t left = vm->mem[i].size, off = st->ram_offset[i];

		if (!st->ram_inline[i])
			continue;
		while (left) {
			ssize_t n = pread(fd, p, left > (1u << 30) ? (1u << 30) : left, off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				vmm_err("read RAM from %s: %s", st->path,
					n ? strerror(errno) : "truncated");
				close(fd);
				return -EIO;
			}
			p += n;
			off += n;
			left -= n;
		}
	}
	close(fd);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reporting                                                           */
/* ------------------------------------------------------------------ */

static const char *mp_state_name(uint32_t s)
{
	switch (s) {
	case KVM_MP_STATE_RUNNABLE: return "runnable";
	case KVM_MP_STATE_UNINITIALIZED: return "uninitialized";
	case KVM_MP_STATE_INIT_RECEIVED: return "init-received";
	case KVM_MP_STATE_HALTED: return "halted";
	case KVM_MP_STATE_SIPI_RECEIVED: return "sipi-received";
	default: return "?";
	}
}

void state_print(const struct vmm_state *st, FILE *out)
{
	unsigned int i;

	fprintf(out, "state %s: %u vCPUs, %" PRIu64 " MiB in %u region(s), kick GSI %u, "
		"tsc %u kHz, %" PRIu64 " kicks sent, saved on %s\n", st->path,
		st->meta.nr_vcpus, st->meta.mem_size >> 20, st->meta.nr_mem,
		st->meta.kick_gsi, st->meta.tsc_khz, st->meta.kicks_sent,
		st->meta.kernel);
	for (i = 0; i < st->meta.nr_mem; i++)
		fprintf(out, "  mem%u: gpa %#" PRIx64 " size %" PRIu64 " MiB slot %u hva %#" PRIx64
			" %s%s\n", i, st->mem[i].gpa, st->mem[i].size >> 20, st->mem[i].slot,
			st->mem[i].hva,
			st->mem[i].backing == VMM_MEM_PATH ? "file " :
			st->mem[i].backing == VMM_MEM_CPRHOLD ? "memfd parked in a cprhold session" :
			"memfd, contents in the state file",
			st->mem[i].backing == VMM_MEM_PATH ? st->mem[i].path : "");
	for (i = 0; i < st->meta.nr_vcpus; i++) {
		const struct vcpu_state *s = &st->vcpu[i];

		fprintf(out, "  vcpu%u: %s rip=%#llx rsp=%#llx rflags=%#llx cr0=%#llx "
			"cr3=%#llx cr4=%#llx efer=%#llx apic_base=%#llx msrs=%u "
			"tsc_offset=%#llx count=%" PRIu64 " hb=%" PRIu64 " irqs=%" PRIu64 "\n",
			i, mp_state_name(s->mp_state.mp_state), s->regs.rip,
			s->regs.rsp, s->regs.rflags, s->sregs.cr0, s->sregs.cr3,
			s->sregs.cr4, s->sregs.efer, s->sregs.apic_base,
			s->msrs ? s->msrs->nmsrs : 0,
			(unsigned long long)s->tsc_offset, s->meta.count,
			s->meta.hb_seq, s->meta.irqs);
	}
	fprintf(out, "  ioapic: id %u, pin%u redir %#llx; pit ch0 mode %u count %u\n",
		st->ioapic.chip.ioapic.id, st->meta.kick_gsi,
		st->meta.kick_gsi < KVM_IOAPIC_NUM_PINS ?
		(unsigned long long)st->ioapic.chip.ioapic.redirtbl[st->meta.kick_gsi].bits : 0ULL,
		st->pit.channels[0].mode, st->pit.channels[0].count);
	if (st->has_times)
		fprintf(out, "  times: stopped %.3f ms, saved %.3f ms, written %.3f ms "
			"after the stop request\n",
			(st->times.stopped_ns - st->times.stop_req_ns) / 1e6,
			(st->times.saved_ns - st->times.stop_req_ns) / 1e6,
			(st->times.written_ns - st->times.stop_req_ns) / 1e6);
}

struct tl_event {
	const char *what;
	uint64_t t;
};

static int tl_cmp(const void *a, const void *b)
{
	const struct tl_event *x = a, *y = b;

	return x->t < y->t ? -1 : x->t > y->t;
}

void state_print_timeline(struct vmm *vm, const struct vmm_state *st,
			  uint64_t created_ns, uint64_t seen_ns, uint64_t read_ns,
			  uint64_t restored_ns, uint64_t last_run_ns)
{
	const struct state_times *t = &st->times;
	uint64_t first = atomic_load(&vm->first_run_ns);
	struct tl_event ev[] = {
		{ "old: vCPUs stopped", t->stopped_ns },
		{ "old: KVM state read", t->saved_ns },
		{ "old: state file written", t->written_ns },
		{ "new: process started", vm->start_ns },
		{ "new: VM, memory, vCPUs created", created_ns },
		{ "new: state file seen", seen_ns },
		{ "new: state file read", read_ns },
		{ "new: KVM state restored", restored_ns },
		{ "new: first vCPU in KVM_RUN", first },
		{ "new: last vCPU in KVM_RUN", last_run_ns },
	};
	char line[1024];
	size_t i, used = 0;

	if (!st->has_times || !t->stop_req_ns) {
		vmm_info(vm, "pause: the state file has no stop timestamps");
		return;
	}
	qsort(ev, sizeof(ev) / sizeof(ev[0]), sizeof(ev[0]), tl_cmp);
	for (i = 0; i < sizeof(ev) / sizeof(ev[0]) && used < sizeof(line) - 64; i++)
		if (ev[i].t)
			used += snprintf(line + used, sizeof(line) - used, "%s%s %+.3f",
				 used ? ", " : "", ev[i].what,
				 (double)(int64_t)(ev[i].t - t->stop_req_ns) / 1e6);
	vmm_info(vm, "timeline, ms after the stop request: %s", line);
	vmm_info(vm, "recreate pause: stop requested -> first vCPU resumed = %.3f ms "
		 "(all %d vCPUs: %.3f ms)",
		 (double)(int64_t)(first - t->stop_req_ns) / 1e6, vm->nr_vcpus,
		 (double)(int64_t)(last_run_ns - t->stop_req_ns) / 1e6);
}

int state_nr_vcpus(const struct vmm_state *st) { return st->meta.nr_vcpus; }
uint64_t state_mem_size(const struct vmm_state *st) { return st->meta.mem_size; }
int state_nr_mem(const struct vmm_state *st) { return st->meta.nr_mem; }
uint32_t state_kick_gsi(const struct vmm_state *st) { return st->meta.kick_gsi; }
uint64_t state_kicks_sent(const struct vmm_state *st) { return st->meta.kicks_sent; }

const char *state_mem_path(const struct vmm_state *st)
{
	return st->meta.mem_path[0] ? st->meta.mem_path : NULL;
}

void *state_mem_hva(const struct vmm_state *st, int i)
{
	return (void *)(uintptr_t)st->mem[i].hva;
}

uint64_t state_vcpu_count(const struct vmm_state *st, int id)
{
	return st->vcpu[id].meta.count;
}

int state_set_vcpu_cpuid(struct vmm *vm, const struct vmm_state *st, int id)
{
	return vmm_set_cpuid(vm, id, st->vcpu[id].cpuid);
}

/* The MSR indices saved for vCPU 0: what a process without /dev/kvm
 * (an adopter) reads to compare, instead of KVM_GET_MSR_INDEX_LIST. */
struct kvm_msr_list *state_msr_list(const struct vmm_state *st)
{
	const struct kvm_msrs *m = st->vcpu[0].msrs;
	struct kvm_msr_list *l;
	uint32_t i;

	if (!m)
		return NULL;
	l = calloc(1, sizeof(*l) + m->nmsrs * sizeof(uint32_t));
	if (!l)
		return NULL;
	l->nmsrs = m->nmsrs;
	for (i = 0; i < m->nmsrs; i++)
		l->indices[i] = m->entries[i].index;
	return l;
}
