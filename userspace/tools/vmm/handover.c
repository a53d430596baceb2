// SPDX-License-Identifier: GPL-2.0
/*
 * handover.c - cprhold-vmm hands its running VM to a successor process
 * through a cprhold session (--handover-out), and takes one over
 * (--handover-in), possibly in another container started later.
 *
 * Outgoing, while the guest still runs: create the session and park every
 * fd the successor needs in one batch - the guest RAM memfds with their
 * addresses (CPRHOLD_ENTRY_ADDR), the kick eventfd and, for adoption, the
 * KVM VM and vCPU fds.  Then the pause begins: stop the vCPUs at a safe
 * point, read the registers, store a sealed blob with what the successor
 * needs (struct ho_meta: layout, kvm_run size, GSI, counters, timestamps)
 * and, for --recreate (or --verify-state), a second blob with the full KVM
 * state; let go of the VM (unmap kvm_run, close the VM and vCPU fds: the
 * successor can only adopt a VM nobody else holds), seal, write the secret,
 * exit.
 *
 * Incoming: claim, fetch the blob(s), map every memfd at its recorded
 * address (cprhold_map_fixed(), MAP_FIXED_NOREPLACE), then either
 *   adopt: retrieve the VM and vCPU fds with CPRHOLD_RETRIEVE_ADOPT_KVM and
 *	mmap each vCPU's kvm_run again.  The in-kernel VM is the same: vCPU
 *	registers, LAPIC/IOAPIC/PIT, memslots and the irqfd stay as they
 *	were; /dev/kvm is never opened.  Or
 *   recreate: open /dev/kvm, create a new VM and vCPUs on the same memory
 *	and put the saved state back (KVM_SET_*, as QEMU's CPR modes do),
 *	then assign the irqfd again.
 * Then retrieve the kick eventfd, resume the vCPUs, finish the session,
 * report (counter continuity, registers, the interrupt signalled in the gap,
 * the pause, fds moved, guest RAM kept in place), run, and either stop or
 * hand the VM over again (--handover-out: chains A -> B -> C ...).
 *
 * All times that cross processes are CLOCK_REALTIME (as the session's own
 * sealed_ns/claimed_ns), so they compare across containers.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <libcprhold.h>

#include "vmm.h"

/* Tokens of the session's entries. */
enum {
	TOK_META = 1,		/* struct ho_meta, a sealed blob */
	TOK_STATE = 2,		/* the full KVM state (state.c's format), a sealed blob */
	TOK_KICK = 3,		/* the kick eventfd (KVM_IRQFD-routed) */
	TOK_VM = 4,		/* the KVM VM fd (adoption) */
	TOK_MEM0 = 0x10,	/* + region: guest RAM memfds, with their address */
	TOK_VCPU0 = 0x100,	/* + vCPU id: the KVM vCPU fds (adoption) */
};

#define HO_MAGIC	"CPRHVHO"
#define HO_VERSION	1
#define HO_MAX_MSRS	1024

enum { HO_ADOPT = 1, HO_RECREATE = 2 };

#define HO_F_KICK_IN_GAP	(1u << 0)	/* one kick written while stopped */
#define HO_F_STATE		(1u << 1)	/* TOK_STATE is parked */
#define HO_F_XSAVE2		(1u << 2)	/* KVM facts the adopter cannot ask */
#define HO_F_XCRS		(1u << 3)	/* /dev/kvm for (it need not have it) */
#define HO_F_DEBUGREGS		(1u << 4)
#define HO_F_TSC_CTRL		(1u << 5)
#define HO_F_PIT		(1u << 6)

struct ho_mem {
	uint64_t gpa;
	uint64_t size;
	uint64_t hva;			/* where every owner maps it */
	uint64_t token;
	uint32_t slot;
	uint32_t pad;
};

struct ho_vcpu {
	struct kvm_regs regs;		/* at the stop */
	struct kvm_sregs sregs;
	uint64_t count;			/* guest counters at the stop */
	uint64_t hb_seq;
	uint64_t irqs;
	uint64_t maxgap;
	uint64_t token;
	uint32_t parked;		/* its fd is in the session */
	uint32_t drained;		/* stopped at the end of a heartbeat line */
};

/* CLOCK_REALTIME, ns */
struct ho_times {
	uint64_t parked;		/* session created, fds parked (guest running) */
	uint64_t stop_req;		/* the pause begins */
	uint64_t stopped;		/* every vCPU out of KVM_RUN, at a safe point */
	uint64_t saved;			/* KVM state read (recreate, --verify-state) */
	uint64_t blobs;			/* this blob written */
};

/* What the successor needs besides the fds: the TOK_META blob. */
struct ho_meta {
	char magic[8];
	uint32_t version;
	uint32_t size;			/* sizeof(struct ho_meta) */
	uint32_t mode;			/* HO_ADOPT, HO_RECREATE */
	uint32_t flags;			/* HO_F_* */
	uint32_t hop;			/* 1 for the first handover of a chain */
	uint32_t nr_vcpus;
	uint32_t nr_mem;
	uint32_t kick_gsi;
	uint32_t tsc_khz;
	uint32_t xsave_size;
	uint64_t run_size;		/* KVM_GET_VCPU_MMAP_SIZE */
	uint64_t mem_size;
	uint64_t kicks_sent;		/* by every owner so far, the gap kick included */
	uint64_t irqs_at_stop;		/* kick interrupts the guest had taken */
	uint64_t state_len;		/* bytes of TOK_STATE, 0 if none */
	uint32_t nr_entries;		/* in the session, the blobs included */
	int32_t pid;			/* of the old owner, as its pid namespace sees it */
	char kernel[72];
	char host[72];			/* the old owner's hostname (its container) */
	struct ho_times t;
	struct ho_mem mem[VMM_MAX_MEM];
	struct ho_vcpu vcpu[VMM_MAX_VCPUS];
	uint32_t nr_msrs;		/* KVM_GET_MSR_INDEX_LIST, for --verify-state */
	uint32_t pad;
	uint32_t msr_index[HO_MAX_MSRS];
};

/* The meta this process took the VM over with (for the next hop). */
static struct ho_meta *ho_prev;

static const char *mode_name(bool adopt)
{
	return adopt ? "adopt" : "recreate";
}

static double ms_since(uint64_t t, uint64_t base)
{
	return (double)(int64_t)(t - base) / 1e6;
}

static const char *errno_name(int err)
{
	switch (err < 0 ? -err : err) {
	case EBUSY: return "EBUSY";
	case ENOENT: return "ENOENT";
	case ENXIO: return "ENXIO";
	case EINVAL: return "EINVAL";
	case EIO: return "EIO";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EACCES: return "EACCES";
	case EINTR: return "EINTR";
	case EEXIST: return "EEXIST";
	case EMFILE: return "EMFILE";
	case ENOSPC: return "ENOSPC";
	default: return "E?";
	}
}

/* What an adoption refusal means (Documentation/userspace-api/cprhold.rst). */
static const char *adopt_errno_meaning(int err)
{
	switch (-err) {
	case ENXIO: return "guest memory is not mapped (shared, writable) at the memslots' "
			   "addresses in this process";
	case EBUSY: return "the old owner still holds the VM or a vCPU (or a vCPU is busy)";
	case ENOENT: return "a vCPU of the VM is not parked in the session";
	case EOPNOTSUPP: return "adoption is not supported for this kernel, CPU or VM";
	case EIO: return "the VM is dead or bugged";
	case EINVAL: return "no KVM VM among the tokens";
	default: return "see cprhold(4)";
	}
}

/* ------------------------------------------------------------------ */
/* Checks, as run.c's: "check: ok|FAIL - ..." lines, counted            */
/* ------------------------------------------------------------------ */

static void check(struct vmm *vm, int *pass, int *fail, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * While the guest is paused, check results are kept here and printed once
 * it runs again: writing a line (to a pipe, or a log on a slow share) must
 * not make the measured pause longer.
 */
static char deferred[8192];
static size_t deferred_len;
static bool deferring;

static void check(struct vmm *vm, int *pass, int *fail, bool ok, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ok)
		(*pass)++;
	else
		(*fail)++;
	if (deferring && deferred_len < sizeof(deferred) - 1) {
		deferred_len += snprintf(deferred + deferred_len, sizeof(deferred) - deferred_len,
					 "check: %s - %s\n", ok ? "ok" : "FAIL", msg);
		if (deferred_len >= sizeof(deferred))
			deferred_len = sizeof(deferred) - 1;
		return;
	}
	vmm_info(vm, "check: %s - %s", ok ? "ok" : "FAIL", msg);
}

/* Print what check() kept back during the pause. */
static void flush_deferred(struct vmm *vm)
{
	char *line = deferred, *nl;

	deferring = false;
	deferred[deferred_len] = 0;
	while ((nl = strchr(line, '\n'))) {
		*nl = 0;
		vmm_info(vm, "%s", line);
		line = nl + 1;
	}
	deferred_len = 0;
}

/* ------------------------------------------------------------------ */
/* The secret: libcprhold's file (hex, written by rename)              */
/* ------------------------------------------------------------------ */

static int write_secret(const char *path, const uint8_t *secret)
{
	/* group-readable: the successor runs as another uid of group kvm */
	int r = cprhold_secret_write(path, secret, 0640);

	if (r)
		vmm_err("write the secret to %s: %s", path, strerror(-r));
	return r;
}

static int read_secret(const char *path, uint8_t *secret)
{
	int r = cprhold_secret_read(path, secret);

	if (r)
		vmm_err("secret file %s: %s", path, r == -EINVAL ?
			"not a secret (32 raw bytes or 64 hex digits)" : strerror(-r));
	return r;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static int open_device(struct vmm *vm)
{
	int r;

	if (vm->ctl_fd >= 0)
		return 0;
	r = cprhold_open(0);
	if (r < 0) {
		vmm_err("%s: %s", CPRHOLD_DEVICE_PATH, cprhold_strerror(CPRHOLD_OP_OPEN, r));
		return r;
	}
	vm->ctl_fd = r;
	return 0;
}

/* Guest RAM: bytes in the memfds and bytes actually allocated (resident). */
static void ram_bytes(const struct vmm *vm, uint64_t *size, uint64_t *resident)
{
	int i;

	*size = *resident = 0;
	for (i = 0; i < vm->nr_mem; i++) {
		struct stat sb;

		*size += vm->mem[i].size;
		if (vm->mem[i].fd >= 0 && fstat(vm->mem[i].fd, &sb) == 0)
			*resident += (uint64_t)sb.st_blocks * 512;
	}
}

/* The state in state.c's format, in memory (guest RAM not included). */
static int state_to_buf(struct vmm *vm, struct vmm_state *st, void **buf, size_t *len)
{
	struct stat sb;
	void *p;
	int fd, r;

	fd = memfd_create("kvm-state", MFD_CLOEXEC);
	if (fd < 0) {
		vmm_err("memfd_create: %s", strerror(errno));
		return -errno;
	}
	r = state_write_fd(vm, st, fd, "kvm-state");
	if (!r && fstat(fd, &sb) < 0)
		r = -errno;
	if (r) {
		close(fd);
		return r;
	}
	p = mmap(NULL, sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
	r = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (r) {
		vmm_err("mmap the state: %s", strerror(-r));
		return r;
	}
	*buf = p;
	*len = sb.st_size;
	return 0;
}

static void fill_meta(struct vmm *vm, struct ho_meta *m, bool adopt)
{
	struct utsname u;
	int i;

	memcpy(m->magic, HO_MAGIC, sizeof(HO_MAGIC));
	m->version = HO_VERSION;
	m->size = sizeof(*m);
	m->mode = adopt ? HO_ADOPT : HO_RECREATE;
	m->hop = ho_prev ? ho_prev->hop + 1 : 1;
	m->nr_vcpus = vm->nr_vcpus;
	m->nr_mem = vm->nr_mem;
	m->kick_gsi = vm->kick_gsi;
	m->tsc_khz = vm->tsc_khz;
	m->xsave_size = vm->xsave_size;
	m->run_size = vm->run_size;
	m->mem_size = vm->mem_size;
	m->kicks_sent = vm->kicks_sent;
	m->pid = getpid();
	m->flags |= (vm->has_xsave2 ? HO_F_XSAVE2 : 0) | (vm->has_xcrs ? HO_F_XCRS : 0) |
		    (vm->has_debugregs ? HO_F_DEBUGREGS : 0) |
		    (vm->has_tsc_ctrl ? HO_F_TSC_CTRL : 0) | (vm->has_pit ? HO_F_PIT : 0);
	if (uname(&u) == 0) {
		snprintf(m->kernel, sizeof(m->kernel), "%s", u.release);
		snprintf(m->host, sizeof(m->host), "%s", u.nodename);
	}
	for (i = 0; i < vm->nr_mem; i++) {
		m->mem[i].gpa = vm->mem[i].gpa;
		m->mem[i].size = vm->mem[i].size;
		m->mem[i].hva = (uintptr_t)vm->mem[i].hva;
		m->mem[i].slot = vm->mem[i].slot;
		m->mem[i].token = TOK_MEM0 + i;
	}
	if (vm->msr_list && vm->msr_list->nmsrs <= HO_MAX_MSRS) {
		m->nr_msrs = vm->msr_list->nmsrs;
		memcpy(m->msr_index, vm->msr_list->indices, m->nr_msrs * sizeof(uint32_t));
	}
}

/* ------------------------------------------------------------------ */
/* Outgoing                                                            */
/* ------------------------------------------------------------------ */

/*
 * --hold-until (tests): the old owner keeps every fd after sealing, so a
 * successor's adoption must be refused; when the file appears, run the VM
 * again (it is still ours), then destroy the session and stop.
 */
static int hold_and_resume(struct vmm *vm, struct run_info *ri, int sfd,
			   const struct ho_meta *m, bool adopt)
{
	const struct vmm_opts *o = vm->opts;
	struct cprhold_session_info info;
	int ifd = -1, i, r, pass = 0, fail = 0;

	vmm_info(vm, "hold: keeping every fd; waiting for %s", o->hold_until);
	if (wait_for_file(vm, o->hold_until, &ifd) < 0)
		return 1;
	close(ifd);
	r = cprhold_info(sfd, &info);
	check(vm, &pass, &fail, r == 0 && info.state == CPRHOLD_STATE_SEALED,
	      "session %s is sealed again after the successor's attempt (state %s, %u claims)",
	      o->handover_out, r ? "?" : cprhold_state_name(info.state),
	      r ? 0 : info.nr_claims);
	/* the VM is still this process's: run it again */
	if (!adopt && vmm_setup_irqfd(vm, vm->kick_gsi) < 0)
		return 1;
	if (vmm_start_vcpus(vm) < 0)
		return 1;
	vmm_main_loop(vm, o->run_secs > 0 && o->run_secs < 2 ? o->run_secs : 1.0);
	if (o->kick_ms)
		vmm_settle_kicks(vm);
	vm->stop_req_ns = now_ns();
	vmm_stop_vcpus(vm);
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct guest_vcpu_data *g = vmm_guest_vcpu(vm, i);

		check(vm, &pass, &fail, g->count > m->vcpu[i].count,
		      "old owner ran its VM again after the refused adoption: vcpu%d count %"
		      PRIu64 " -> %" PRIu64, i, m->vcpu[i].count, g->count);
	}
	r = cprhold_destroy(vm->ctl_fd, o->handover_out);
	check(vm, &pass, &fail, r == 0, "old owner destroyed session %s%s%s", o->handover_out,
	      r ? ": " : "", r ? cprhold_strerror(CPRHOLD_OP_DESTROY, r) : "");
	close(sfd);
	ri->extra_pass += pass;
	ri->extra_fail += fail;
	vmm_print_final(vm, ri);
	return vmm_run_checks(vm, ri, o->kick_ms != 0) < 0 && o->check ? 1 : 0;
}

int handover_out(struct vmm *vm, struct run_info *ri)
{
	const struct vmm_opts *o = vm->opts;
	const bool adopt = !o->recreate, with_state = o->recreate || o->verify_state;
	struct cprhold_entry e[2 + VMM_MAX_MEM + VMM_MAX_VCPUS];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	uint64_t t_closed = 0, t_sealed = 0, t_secret = 0, kicks_before, size, resident;
	struct vmm_state *st = NULL;
	struct ho_meta *m;
	void *state_buf = NULL;
	size_t state_len = 0;
	int sfd = -1, n = 0, i, r, rc = 1, park_vcpus, nr_parked_vcpus = 0;
	int pass = 0, fail = 0;
	bool sealed = false, handed = false;
	char label[CPRHOLD_LABEL_MAX], saved_at[48];

	m = calloc(1, sizeof(*m));
	if (!m) {
		vmm_err("out of memory");
		return 1;
	}
	park_vcpus = o->park_vcpus >= 0 && o->park_vcpus < vm->nr_vcpus ?
		     o->park_vcpus : vm->nr_vcpus;

	/* Exact kick accounting: no kick in flight when the vCPUs stop. */
	if (o->kick_ms)
		vmm_settle_kicks(vm);
	kicks_before = vm->kicks_sent;

	/* 1. While the guest still runs: the session, every fd in one batch. */
	if (open_device(vm) < 0)
		goto out;
	sfd = cprhold_create(vm->ctl_fd, o->handover_out, 0, o->ttl_ms, -1, secret);
	if (sfd < 0) {
		vmm_err("create session %s: %s", o->handover_out,
			cprhold_strerror(CPRHOLD_OP_CREATE, sfd));
		goto out;
	}
	for (i = 0; i < vm->nr_mem; i++) {
		snprintf(label, sizeof(label), "ram%d", i);
		cprhold_entry_init(&e[n++], vm->mem[i].fd, TOK_MEM0 + i, label, vm->mem[i].hva);
		vm->mem[i].backing = VMM_MEM_CPRHOLD;
	}
	cprhold_entry_init(&e[n++], vm->kick_fd, TOK_KICK, "kick", NULL);
	if (adopt) {
		cprhold_entry_init(&e[n++], vm->vm_fd, TOK_VM, "vm", NULL);
		for (i = 0; i < park_vcpus; i++) {
			snprintf(label, sizeof(label), "vcpu%d", i);
			cprhold_entry_init(&e[n++], vm->vcpu[i].fd, TOK_VCPU0 + i, label, NULL);
			nr_parked_vcpus++;
		}
	}
	r = cprhold_park(sfd, e, n);
	if (r < 0) {
		vmm_err("park %d fds: %s", n, cprhold_strerror(CPRHOLD_OP_PARK, r));
		goto out;
	}
	m->t.parked = realtime_ns();

	/* 2. The pause: stop at a safe point, record, store the blobs. */
	m->t.stop_req = realtime_ns();
	vm->stop_req_ns = now_ns();
	vmm_stop_vcpus(vm);
	m->t.stopped = realtime_ns();
	if (atomic_load(&vm->fatal)) {
		vmm_err("a vCPU failed: not handing the VM over");
		goto out;
	}
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct guest_vcpu_data *g = vmm_guest_vcpu(vm, i);
		struct ho_vcpu *hv = &m->vcpu[i];
		char who[16];

		snprintf(who, sizeof(who), "vcpu%d", i);
		if (KVM_IOCTL(vm->vcpu[i].fd, KVM_GET_REGS, &hv->regs, who) < 0 ||
		    KVM_IOCTL(vm->vcpu[i].fd, KVM_GET_SREGS, &hv->sregs, who) < 0)
			goto out;
		hv->count = g->count;
		hv->hb_seq = g->hb_seq;
		hv->irqs = g->irqs;
		hv->maxgap = g->maxgap;
		hv->token = TOK_VCPU0 + i;
		hv->parked = adopt && i < park_vcpus;
		hv->drained = vm->vcpu[i].draining;
	}
	m->irqs_at_stop = vmm_guest_cfg(vm)->irqs_total;
	/* recreate: KVM flushes the irqfd's pending injection into the state */
	if (!adopt && vmm_detach_irqfd(vm) < 0)
		goto out;
	if (with_state) {
		st = state_alloc();
		if (!st || vmm_save_state(vm, st) < 0 || state_to_buf(vm, st, &state_buf,
								      &state_len) < 0)
			goto out;
		m->t.saved = realtime_ns();
		r = cprhold_blob_store(sfd, TOK_STATE, "kvm-state", state_buf, state_len);
		if (r < 0) {
			vmm_err("store the KVM state: %s",
				cprhold_strerror(CPRHOLD_OP_BLOB_STORE, r));
			goto out;
		}
		n++;
		m->flags |= HO_F_STATE;
		m->state_len = state_len;
	}
	/*
	 * An interrupt in the gap: adoption keeps the irqfd assigned, so KVM
	 * injects it into the stopped VM right now; for recreate the eventfd
	 * keeps the count until the successor assigns the irqfd again.
	 */
	if (o->kick_in_gap) {
		if (vmm_kick(vm, false) < 0)
			goto out;
		m->flags |= HO_F_KICK_IN_GAP;
	}
	fill_meta(vm, m, adopt);
	m->nr_entries = n + 1;
	m->t.blobs = realtime_ns();
	r = cprhold_blob_store(sfd, TOK_META, "vmm-meta", m, sizeof(*m));
	if (r < 0) {
		vmm_err("store the handover blob: %s", cprhold_strerror(CPRHOLD_OP_BLOB_STORE, r));
		goto out;
	}
	n++;

	/*
	 * 3. Let go of the VM (adoption needs it), seal, hand out the secret.
	 * Sealed with CPRHOLD_SEAL_PREPARE_ADOPT, the kernel moves the VM off
	 * this mm (an SRCU grace period) while B wakes, claims and maps the
	 * RAM, and B's adoption only binds it to B's mm.
	 */
	if (adopt && !o->hold_until)
		vmm_release_kvm(vm);
	t_closed = realtime_ns();
	r = cprhold_seal_flags(sfd, adopt && !o->hold_until && !o->no_prepare ?
				    CPRHOLD_SEAL_PREPARE_ADOPT : 0);
	if (r == -EOPNOTSUPP)	/* a module older than the flag */
		r = cprhold_seal(sfd);
	if (r < 0) {
		vmm_err("seal %s: %s", o->handover_out, cprhold_strerror(CPRHOLD_OP_SEAL, r));
		goto out;
	}
	sealed = true;
	t_sealed = realtime_ns();
	if (write_secret(o->secret_out, secret) < 0)
		goto out;
	t_secret = realtime_ns();
	handed = true;

	ram_bytes(vm, &size, &resident);
	vmm_info(vm, "handover-out: session %s sealed (%s, hop %u): %d entries: %d memfd(s) "
		 "with their addresses, the kick eventfd%s%s, %s%s; guest RAM %" PRIu64
		 " MiB (%" PRIu64 " MiB resident) stays in place", o->handover_out,
		 mode_name(adopt), m->hop, n, vm->nr_mem,
		 adopt ? ", the VM and " : "",
		 adopt ? (nr_parked_vcpus == vm->nr_vcpus ? "every vCPU" : "some vCPUs") : "",
		 "the handover blob",
		 with_state ? " and the KVM state blob" : "", size >> 20, resident >> 20);
	if (adopt && nr_parked_vcpus != vm->nr_vcpus)
		vmm_info(vm, "handover-out: only %d of %d vCPUs parked (--park-vcpus)",
			 nr_parked_vcpus, vm->nr_vcpus);
	if (with_state)
		snprintf(saved_at, sizeof(saved_at), ", KVM state saved %.3f",
			 ms_since(m->t.saved, m->t.stop_req));
	else
		saved_at[0] = 0;
	vmm_info(vm, "handover-out: ms after the stop request: vCPUs stopped %.3f%s, "
		 "blobs stored %.3f, %s %.3f, sealed %.3f, secret written %.3f (fds parked "
		 "%.3f, before the stop)", ms_since(m->t.stopped, m->t.stop_req), saved_at,
		 ms_since(m->t.blobs, m->t.stop_req),
		 adopt && !o->hold_until ? "VM fds closed" : "(VM fds kept)",
		 ms_since(t_closed, m->t.stop_req), ms_since(t_sealed, m->t.stop_req),
		 ms_since(t_secret, m->t.stop_req), ms_since(m->t.parked, m->t.stop_req));
	if (with_state)
		vmm_info(vm, "handover-out: KVM state blob %zu bytes (%d vCPUs: regs, sregs, "
			 "FPU, XSAVE, XCRs, MSRs, LAPIC, events, MP state; IRQCHIP, PIT2, "
			 "CLOCK)", state_len, vm->nr_vcpus);
	for (i = 0; i < vm->nr_vcpus; i++)
		vmm_info(vm, "handover-out: at the stop vcpu%d count=%" PRIu64 " heartbeats=%"
			 PRIu64 " irqs=%" PRIu64 " rip=%#llx rsp=%#llx rflags=%#llx%s", i,
			 m->vcpu[i].count, m->vcpu[i].hb_seq, m->vcpu[i].irqs,
			 m->vcpu[i].regs.rip, m->vcpu[i].regs.rsp, m->vcpu[i].regs.rflags,
			 m->vcpu[i].drained ? " (end of a heartbeat line)" : "");
	vmm_info(vm, "handover-out: kicks sent %" PRIu64 "%s, taken by the guest at the stop %"
		 PRIu64, vm->kicks_sent, o->kick_in_gap ? " (the last one in the gap)" : "",
		 m->irqs_at_stop);

	/* This process's own checks, on what it saw at the stop. */
	check(vm, &pass, &fail, !atomic_load(&vm->fatal), "no fatal vCPU exits");
	check(vm, &pass, &fail, (int)vmm_guest_cfg(vm)->started == vm->nr_vcpus,
	      "%d vCPUs reached the guest loop", vm->nr_vcpus);
	for (i = 0; i < vm->nr_vcpus; i++)
		check(vm, &pass, &fail, m->vcpu[i].count > (ri->restored ? ri->resume_count[i] : 0),
		      "vcpu%d counted to %" PRIu64 " here", i, m->vcpu[i].count);
	check(vm, &pass, &fail, m->irqs_at_stop == kicks_before,
	      "every kick sent before the stop arrived: %" PRIu64 " sent, %" PRIu64 " received",
	      kicks_before, m->irqs_at_stop);

	if (o->hold_until) {
		ri->extra_pass += pass;
		ri->extra_fail += fail;
		rc = hold_and_resume(vm, ri, sfd, m, adopt);
		sfd = -1;
		goto out;
	}
	vmm_info(vm, "checks: %d passed, %d failed", pass, fail);
	rc = fail && o->check ? 1 : 0;

	/* 4. The rest of this process's hold on the VM: mappings and fds. */
	vmm_destroy(vm);
	vmm_info(vm, "handover-out: done; the VM lives on in session %s", o->handover_out);
	/*
	 * 5. --linger-ms: exit only once the successor runs the guest.  The
	 * exit of a process KVM's MMU notifier was registered on waits for
	 * an SRCU grace period (mmu_notifier_release); during the
	 * successor's adoption, whose notifier move waits for one too, the
	 * two make the adoption's wait take SRCU's slow path (~12 ms in the
	 * test VM instead of 0.1 ms).
	 */
	if (o->linger_ms) {
		struct cprhold_session_info info = { 0 };
		uint64_t t0 = realtime_ns();

		r = cprhold_wait(sfd, CPRHOLD_STATE_BIT(CPRHOLD_STATE_FINISHED),
				 (int)o->linger_ms, &info);
		vmm_info(vm, "handover-out: %s after %.1f ms",
			 r < 0 ? cprhold_strerror(CPRHOLD_OP_NONE, r) :
			 info.end_reason == CPRHOLD_END_FINISHED ?
			 "the successor finished the session" :
			 "the session ended without being finished",
			 ms_since(realtime_ns(), t0));
	}
out:
	if (sealed && !handed) {
		/* Nobody will get the secret: do not leave the guest's memory behind. */
		r = cprhold_destroy(vm->ctl_fd, o->handover_out);
		vmm_err("handover failed after sealing; session %s destroyed (%s)",
			o->handover_out, r ? cprhold_strerror(CPRHOLD_OP_DESTROY, r) : "ok");
	}
	if (sfd >= 0)
		close(sfd);	/* an OPEN session goes away with it */
	if (state_buf)
		munmap(state_buf, state_len);
	state_free(st);
	free(m);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Incoming                                                            */
/* ------------------------------------------------------------------ */

struct tl_ev {
	const char *what;
	uint64_t t;			/* CLOCK_REALTIME */
};

static int tl_cmp(const void *a, const void *b)
{
	const struct tl_ev *x = a, *y = b;

	return x->t < y->t ? -1 : x->t > y->t;
}

static void print_timeline(struct vmm *vm, struct tl_ev *ev, int n, uint64_t base)
{
	char line[2048];
	size_t used = 0;
	int i;

	qsort(ev, n, sizeof(ev[0]), tl_cmp);
	for (i = 0; i < n && used < sizeof(line) - 96; i++)
		if (ev[i].t)
			used += snprintf(line + used, sizeof(line) - used, "%s%s %+.3f",
					 used ? ", " : "", ev[i].what, ms_since(ev[i].t, base));
	vmm_info(vm, "timeline, ms after the stop request: %s", line);
}

/*
 * Retrieve the VM, its parked vCPUs and the kick eventfd in one batch, with
 * adoption; -errno on refusal (then nothing was installed).  fds[0] is the
 * VM, fds[1..] the vCPUs, the last one the eventfd.
 */
static int adopt_retrieve(int cfd, const struct ho_meta *m, int *fds, int *nr)
{
	uint64_t tokens[2 + VMM_MAX_VCPUS];
	unsigned int i;
	int n = 0;

	tokens[n++] = TOK_VM;
	for (i = 0; i < m->nr_vcpus; i++)
		if (m->vcpu[i].parked)
			tokens[n++] = m->vcpu[i].token;
	tokens[n++] = TOK_KICK;
	*nr = n;
	return cprhold_retrieve(cfd, tokens, fds, n, CPRHOLD_RETRIEVE_ADOPT_KVM);
}

static void unmap_memory(struct vmm *vm)
{
	int i;

	for (i = 0; i < vm->nr_mem; i++) {
		if (vm->mem[i].hva)
			munmap(vm->mem[i].hva, vm->mem[i].size);
		if (vm->mem[i].fd >= 0)
			close(vm->mem[i].fd);
		vm->mem[i].hva = NULL;
		vm->mem[i].fd = -1;
	}
}

int run_handover_in(struct vmm *vm)
{
	const struct vmm_opts *o = vm->opts;
	const bool adopt = !o->recreate;
	const uint64_t rt_off = realtime_ns() - now_ns();	/* monotonic -> realtime */
	struct run_info ri = { .restored = true };
	struct cprhold_session_info info = { 0 };
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	uint64_t t_ready, t_seen = 0, t_claimed, t_fetched, t_mapped, t_vm = 0, t_restored = 0;
	uint64_t t_adopted = 0;
	uint64_t t_verified = 0, t_irqfd, t_first, t_last, t_finished, last_run = 0;
	uint64_t size, resident, gap_max = 0;
	char stall[32];
	struct vmm_state *st = NULL;
	struct ho_meta *m = NULL;
	const void *sbuf;
	size_t mlen, slen;
	int cfd = -1, ifd = -1, i, r, rc = 1, nfds = 0, nkvm, pass = 0, fail = 0;
	int fds[2 + VMM_MAX_VCPUS];
	bool prepared = false, regs_ok = true, cont_ok = true, gap_ok = true;

	/* Before the handover: what does not need the session. */
	if (open_device(vm) < 0)
		return 1;
	if (!adopt) {
		if (vmm_open_kvm(vm) < 0)
			return 1;
		/* with the shape given, the VM and vCPUs exist before the pause */
		if (o->nr_vcpus_set) {
			if (vmm_create_vm(vm) < 0 || vmm_create_vcpus(vm, o->nr_vcpus) < 0)
				return 1;
			prepared = true;
		}
	}
	/*
	 * With the shape given, the vCPU threads too, as QEMU's: they wait
	 * for their vCPUs, and the resume wakes them instead of creating them.
	 */
	if (o->nr_vcpus_set && vmm_prestart_vcpus(vm, o->nr_vcpus) < 0)
		return 1;
	t_ready = realtime_ns();
	if (access(o->secret_file, F_OK) != 0) {
		if (wait_for_file(vm, o->secret_file, &ifd) < 0)
			return 1;
		t_seen = realtime_ns();
	}
	if (read_secret(o->secret_file, secret) < 0)
		goto out;
	deferring = true;	/* the pause: check results are printed after it */

	cfd = cprhold_claim(vm->ctl_fd, o->handover_in, secret, 0);
	if (cfd < 0) {
		vmm_err("claim %s: %s", o->handover_in, cprhold_strerror(CPRHOLD_OP_CLAIM, cfd));
		cfd = -1;
		goto out;
	}
	t_claimed = realtime_ns();
	r = cprhold_blob_fetch(cfd, TOK_META, (void **)&m, &mlen);
	if (r < 0) {
		vmm_err("fetch the handover blob: %s", cprhold_strerror(CPRHOLD_OP_BLOB_FETCH, r));
		goto out;
	}
	nfds++;
	if (mlen != sizeof(*m) || memcmp(m->magic, HO_MAGIC, sizeof(HO_MAGIC)) ||
	    m->version != HO_VERSION || !m->nr_vcpus || m->nr_vcpus > VMM_MAX_VCPUS ||
	    !m->nr_mem || m->nr_mem > VMM_MAX_MEM || m->nr_msrs > HO_MAX_MSRS) {
		vmm_err("session %s: not a cprhold-vmm handover of this version", o->handover_in);
		goto out;
	}
	if ((m->mode == HO_ADOPT) != adopt) {
		vmm_err("session %s was prepared for %s; run with%s --recreate", o->handover_in,
			m->mode == HO_ADOPT ? "adoption" : "recreation",
			m->mode == HO_ADOPT ? "out" : "");
		goto out;
	}
	if (o->nr_vcpus_set && o->nr_vcpus != (int)m->nr_vcpus) {
		vmm_err("--vcpus %d, but the VM has %u", o->nr_vcpus, m->nr_vcpus);
		goto out;
	}
	if (m->flags & HO_F_STATE) {
		r = cprhold_blob_map(cfd, TOK_STATE, &sbuf, &slen);
		if (r < 0) {
			vmm_err("fetch the KVM state: %s",
				cprhold_strerror(CPRHOLD_OP_BLOB_FETCH, r));
			goto out;
		}
		nfds++;
		st = state_alloc();
		r = st ? state_parse(st, sbuf, slen, "kvm-state blob") : -ENOMEM;
		munmap((void *)sbuf, slen);
		if (r < 0)
			goto out;
	} else if (!adopt || o->verify_state) {
		vmm_err("session %s carries no KVM state (the old owner ran without "
			"--recreate/--verify-state)", o->handover_in);
		goto out;
	}
	t_fetched = realtime_ns();
	r = cprhold_info(cfd, &info);
	if (r < 0)
		memset(&info, 0, sizeof(info));

	/* What KVM told the old owner; an adopter has no /dev/kvm to ask. */
	if (adopt) {
		vm->run_size = m->run_size;
		vm->tsc_khz = m->tsc_khz;
		vm->xsave_size = m->xsave_size;
		vm->has_xsave2 = m->flags & HO_F_XSAVE2;
		vm->has_xcrs = m->flags & HO_F_XCRS;
		vm->has_debugregs = m->flags & HO_F_DEBUGREGS;
		vm->has_tsc_ctrl = m->flags & HO_F_TSC_CTRL;
		vm->has_pit = m->flags & HO_F_PIT;
		if (m->nr_msrs) {
			vm->msr_list = calloc(1, sizeof(*vm->msr_list) +
					      m->nr_msrs * sizeof(uint32_t));
			if (!vm->msr_list)
				goto out;
			vm->msr_list->nmsrs = m->nr_msrs;
			memcpy(vm->msr_list->indices, m->msr_index, m->nr_msrs * sizeof(uint32_t));
		} else if (st) {
			vm->msr_list = state_msr_list(st);
		}
	} else if (vm->run_size != m->run_size) {
		vmm_info(vm, "note: kvm_run is %zu bytes here, %" PRIu64 " for the old owner",
			 vm->run_size, m->run_size);
	}
	vm->mem_size = m->mem_size;
	vm->kick_gsi = m->kick_gsi;

	/* Test: adoption with no guest memory mapped must be refused, harmlessly. */
	if (adopt && o->fault_unmapped) {
		r = adopt_retrieve(cfd, m, fds, &nkvm);
		check(vm, &pass, &fail, r == -ENXIO,
		      "adoption with no guest memory mapped is refused with ENXIO (got %s)",
		      r ? errno_name(r) : "success");
		if (r == 0)
			goto out;	/* adopted without memory: not something to run */
		vmm_info(vm, "fault test: %s (%s); mapping the memory and retrying",
			 errno_name(r), adopt_errno_meaning(r));
	}

	/* Guest RAM at the addresses the memslots name. */
	vm->nr_mem = m->nr_mem;
	for (i = 0; i < vm->nr_mem; i++) {
		struct vmm_mem *mem = &vm->mem[i];
		void *addr;
		size_t len;

		r = cprhold_map_fixed(cfd, m->mem[i].token, PROT_READ | PROT_WRITE, 0, &addr, &len);
		if (r < 0) {
			vmm_err("map guest RAM region %d at %#" PRIx64 ": %s", i, m->mem[i].hva,
				cprhold_strerror(CPRHOLD_OP_MAP_FIXED, r));
			goto out;
		}
		nfds++;
		mem->fd = r;
		mem->hva = addr;
		mem->size = len;
		mem->gpa = m->mem[i].gpa;
		mem->slot = m->mem[i].slot;
		mem->backing = VMM_MEM_CPRHOLD;
		if (len != m->mem[i].size || (uintptr_t)addr != m->mem[i].hva) {
			vmm_err("guest RAM region %d: %zu bytes at %p, the old owner had %" PRIu64
				" at %#" PRIx64, i, len, addr, m->mem[i].size, m->mem[i].hva);
			goto out;
		}
	}
	t_mapped = realtime_ns();

	if (adopt) {
		r = adopt_retrieve(cfd, m, fds, &nkvm);
		t_adopted = realtime_ns();
		if (r < 0) {
			vmm_info(vm, "adoption refused: %s: %s", errno_name(r),
				 adopt_errno_meaning(r));
			if (o->expect_adopt_errno && r == -o->expect_adopt_errno) {
				vmm_info(vm, "check: ok - adoption refused with %s as expected; "
					 "session given back (abort)", errno_name(r));
				rc = 0;
			} else {
				vmm_err("adopt the VM from %s: %s", o->handover_in,
					cprhold_strerror(CPRHOLD_OP_RETRIEVE, r));
			}
			goto out;
		}
		if (o->expect_adopt_errno) {
			vmm_err("check: FAIL - adoption succeeded, expected %s",
				errno_name(o->expect_adopt_errno));
			for (i = 0; i < nkvm; i++)
				close(fds[i]);
			goto out;
		}
		nfds += nkvm;
		vm->vm_fd = fds[0];
		vm->kick_fd = fds[nkvm - 1];
		vm->nr_vcpus = m->nr_vcpus;
		for (i = 0; i < vm->nr_vcpus; i++) {
			vm->vcpu[i].fd = fds[1 + i];
			if (vmm_map_vcpu(vm, i) < 0)
				goto out;
		}
		t_vm = realtime_ns();
	} else {
		/* prepared: --vcpus, already checked against the VM's */
		if (!prepared &&
		    (vmm_create_vm(vm) < 0 || vmm_create_vcpus(vm, m->nr_vcpus) < 0))
			goto out;
		if (vmm_register_memory(vm) < 0)
			goto out;
		t_vm = realtime_ns();
		if (vmm_restore_state(vm, st) < 0)
			goto out;
		t_restored = realtime_ns();
	}

	/* Before any vCPU runs: the guest is exactly where it stopped. */
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct guest_vcpu_data *g = vmm_guest_vcpu(vm, i);
		const struct ho_vcpu *hv = &m->vcpu[i];
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		char who[16];
		bool eq_regs, eq_sregs;

		ri.resume_count[i] = g->count;
		ri.resume_hb[i] = g->hb_seq;
		if (g->count != hv->count)
			cont_ok = false;
		check(vm, &pass, &fail, g->count == hv->count,
		      "vcpu%d counter continues where the old owner stopped it (%" PRIu64
		      ", guest RAM has %" PRIu64 ")", i, hv->count, g->count);
		vmm_watch_resume(vm, &ri, i);
		snprintf(who, sizeof(who), "vcpu%d", i);
		if (KVM_IOCTL(vm->vcpu[i].fd, KVM_GET_REGS, &regs, who) < 0 ||
		    KVM_IOCTL(vm->vcpu[i].fd, KVM_GET_SREGS, &sregs, who) < 0)
			goto out;
		eq_regs = !memcmp(&regs, &hv->regs, sizeof(regs));
		eq_sregs = !memcmp(&sregs, &hv->sregs, sizeof(sregs));
		if (!eq_regs || !eq_sregs)
			regs_ok = false;
		check(vm, &pass, &fail, eq_regs && eq_sregs,
		      "vcpu%d registers identical to the old owner's at the stop: regs %s, "
		      "sregs %s (rip=%#llx rsp=%#llx rflags=%#llx cr3=%#llx)", i,
		      eq_regs ? "same" : "DIFFERENT", eq_sregs ? "same" : "DIFFERENT",
		      regs.rip, regs.rsp, regs.rflags, sregs.cr3);
		if (!eq_regs)
			vmm_info(vm, "  vcpu%d at the stop: rip=%#llx rsp=%#llx rflags=%#llx "
				 "rax=%#llx", i, hv->regs.rip, hv->regs.rsp, hv->regs.rflags,
				 hv->regs.rax);
	}
	if (o->verify_state) {
		vm->verify_gap_irqs = adopt;
		ri.verify_failed = vmm_verify_state(vm, st) < 0;
		check(vm, &pass, &fail, !ri.verify_failed,
		      "full KVM state (regs, sregs, FPU, XSAVE, XCRs, LAPIC, events, MP state, "
		      "debug registers, CPUID, MSRs, PIC, IOAPIC, PIT) equals the old owner's");
		t_verified = realtime_ns();
	}

	/*
	 * The kick eventfd: retrieved with the VM and still wired to it
	 * (adoption), or retrieved now and wired again.
	 */
	if (adopt) {
		vm->irqfd_assigned = true;	/* in the kernel all along */
	} else {
		r = cprhold_retrieve_one(cfd, TOK_KICK, 0);
		if (r < 0) {
			vmm_err("retrieve the kick eventfd: %s",
				cprhold_strerror(CPRHOLD_OP_RETRIEVE, r));
			goto out;
		}
		nfds++;
		vm->kick_fd = r;
		if (vmm_setup_irqfd(vm, m->kick_gsi) < 0)
			goto out;
	}
	t_irqfd = realtime_ns();

	vm->kicks_sent = m->kicks_sent;
	ri.kicks_at_start = vm->kicks_sent;
	ri.resume_irqs_total = vmm_guest_cfg(vm)->irqs_total;
	if (vmm_start_vcpus(vm) < 0)
		goto out;
	vmm_wait_vcpus_running(vm, &last_run);
	t_first = atomic_load(&vm->first_run_ns) + rt_off;
	t_last = last_run + rt_off;
	flush_deferred(vm);

	/* The VM runs here now: the session has done its job. */
	r = cprhold_finish(cfd);
	if (r < 0)
		vmm_err("finish %s: %s", o->handover_in, cprhold_strerror(CPRHOLD_OP_FINISH, r));
	close(cfd);
	cfd = -1;
	t_finished = realtime_ns();
	if (ifd >= 0)
		close(ifd);	/* not earlier: waits for an SRCU grace period */
	ifd = -1;

	{
		struct tl_ev ev[] = {
			{ "old: fds parked", m->t.parked },
			{ "old: vCPUs stopped", m->t.stopped },
			{ "old: KVM state saved", m->t.saved },
			{ "old: blobs stored", m->t.blobs },
			{ "session sealed", info.sealed_ns },
			{ "new: process started", vm->start_ns + rt_off },
			{ adopt ? "new: device open" : "new: /dev/kvm open, VM prepared", t_ready },
			{ "new: secret appeared", t_seen },
			{ "new: claimed", t_claimed },
			{ "new: blobs fetched", t_fetched },
			{ "new: guest RAM mapped", t_mapped },
			{ adopt ? "new: VM adopted, kvm_run mapped" : "new: VM, vCPUs, memslots",
			  t_vm },
			{ "new: KVM state restored", t_restored },
			{ "new: state verified", t_verified },
			{ adopt ? "new: registers checked (irqfd still wired)" :
			  "new: eventfd retrieved, irqfd assigned", t_irqfd },
			{ "new: first vCPU in KVM_RUN", t_first },
			{ "new: last vCPU in KVM_RUN", t_last },
			{ "new: session finished", t_finished },
		};

		print_timeline(vm, ev, sizeof(ev) / sizeof(ev[0]), m->t.stop_req);
	}
	vmm_measure_resume_gaps(vm, &ri);
	for (i = 0; i < vm->nr_vcpus; i++) {
		if (ri.resume_gap[i] > gap_max)
			gap_max = ri.resume_gap[i];
		vmm_info(vm, "guest-observed pause: vcpu%d saw a TSC gap of %s%.3f ms at the "
			 "resume point", i, ri.resume_gap_found[i] ? "" : "< ",
			 vm->tsc_khz ? (double)ri.resume_gap[i] / vm->tsc_khz : 0.0);
	}
	vmm_print_resume_stall(vm, &ri);

	/* The interrupt signalled while the VM was stopped must arrive. */
	{
		struct guest_cfg *cfg = vmm_guest_cfg(vm);
		uint64_t until = now_ns() + 3000000000ULL;

		while (guest_read_u64(&cfg->irqs_total) < m->kicks_sent && now_ns() < until &&
		       !atomic_load(&vm->fatal))
			usleep(1000);
		gap_ok = guest_read_u64(&cfg->irqs_total) == m->kicks_sent;
		if (m->flags & HO_F_KICK_IN_GAP)
			check(vm, &pass, &fail, gap_ok,
			      "the interrupt signalled on the eventfd in the gap was delivered: "
			      "guest kick interrupts %" PRIu64 " at the stop, %" PRIu64 " now, %"
			      PRIu64 " sent", m->irqs_at_stop, guest_read_u64(&cfg->irqs_total),
			      m->kicks_sent);
		else
			check(vm, &pass, &fail, gap_ok,
			      "kick interrupts: %" PRIu64 " sent, %" PRIu64 " received",
			      m->kicks_sent, guest_read_u64(&cfg->irqs_total));
	}

	/* not found: "NA", which no reader takes for a time */
	if (ri.resume_stall_found && vm->tsc_khz)
		snprintf(stall, sizeof(stall), "%.3f", (double)ri.resume_stall / vm->tsc_khz);
	else
		snprintf(stall, sizeof(stall), "NA");
	ram_bytes(vm, &size, &resident);
	vmm_info(vm, "handover-in: %s of session %s (hop %u) from pid %d on %s: %d fds moved "
		 "(%s%d memfd(s), the kick eventfd, %d blob(s)), guest RAM kept in place: %"
		 PRIu64 " bytes (%" PRIu64 " resident), KVM state copied: %" PRIu64 " bytes; "
		 "/dev/kvm %s", adopt ? "adoption" : "recreation", o->handover_in, m->hop, m->pid,
		 m->host, nfds, adopt ? "the VM and its vCPUs, " : "", vm->nr_mem,
		 (m->flags & HO_F_STATE) ? 2 : 1, size, resident,
		 adopt ? (uint64_t)0 : m->state_len,
		 vm->kvm_fd >= 0 ? "opened" :
		 access("/dev/kvm", F_OK) ? "never opened (absent here)" : "never opened");
	vmm_info(vm, "result mode=%s hop=%u vcpus=%d mem_mib=%" PRIu64 " pause_ms=%.3f "
		 "pause_all_ms=%.3f adopt_ioctl_ms=%.3f guest_pause_ms=%s guest_gap_ms=%.3f "
		 "guest_gap_vcpu0_ms=%.3f fds_moved=%d "
		 "ram_bytes=%" PRIu64 " ram_resident_bytes=%" PRIu64 " state_bytes=%" PRIu64
		 " regs=%s counters=%s gap_irq=%s kvm_fd=%s", mode_name(adopt), m->hop,
		 vm->nr_vcpus, m->mem_size >> 20, ms_since(t_first, m->t.stop_req),
		 ms_since(t_last, m->t.stop_req),
		 adopt ? ms_since(t_adopted, t_mapped) : 0.0,
		 stall,
		 vm->tsc_khz ? (double)gap_max / vm->tsc_khz : 0.0,
		 vm->tsc_khz ? (double)ri.resume_gap[0] / vm->tsc_khz : 0.0, nfds, size, resident,
		 adopt ? (uint64_t)0 : m->state_len, regs_ok ? "identical" : "DIFFERENT",
		 cont_ok ? "continuous" : "BROKEN",
		 !(m->flags & HO_F_KICK_IN_GAP) ? "none" : gap_ok ? "delivered" : "LOST",
		 vm->kvm_fd >= 0 ? "opened" : "none");

	ri.extra_pass = pass;
	ri.extra_fail = fail;
	ho_prev = m;
	m = NULL;
	rc = vmm_run_and_finish(vm, &ri);
out:
	flush_deferred(vm);
	if (cfd >= 0) {
		/* Give the session back (SEALED) for the old owner or another try. */
		r = cprhold_abort(cfd);
		if (r < 0)
			vmm_err("abort %s: %s", o->handover_in, cprhold_strerror(CPRHOLD_OP_ABORT, r));
		close(cfd);
		unmap_memory(vm);
	}
	if (ifd >= 0)
		close(ifd);
	state_free(st);
	free(m);
	return rc;
}
