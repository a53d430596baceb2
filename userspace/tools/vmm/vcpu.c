// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu.c - cprhold-vmm: vCPU threads and their exits (COM1, guest exceptions),
 * starting and stopping them, tearing the VM down
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

#define DRAIN_MAX_EXITS		4096

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
static void name_thread(struct vmm_vcpu *v)
{
	char name[16];

	snprintf(name, sizeof(name), "vcpu%d", v->id);
	pthread_setname_np(pthread_self(), name);
}

static void *vcpu_loop(struct vmm_vcpu *v)
{
	struct vmm *vm = v->vm;
	struct kvm_run *run = v->run;
	unsigned int drain_left = 0;

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
				/*
				 * The stop request's SIGUSR1, delivered after its
				 * immediate_exit started the drain: the line is
				 * not complete yet (that sets immediate_exit).
				 */
				if (v->draining && !run->immediate_exit)
					continue;
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

static void *vcpu_thread(void *arg)
{
	name_thread(arg);
	return vcpu_loop(arg);
}

void vmm_sigusr1_handler(int sig)
{
	(void)sig;	/* only there to interrupt KVM_RUN */
}

/*
 * A vCPU thread started before its vCPU exists, as QEMU's are during an
 * incoming migration: it waits until vmm_start_vcpus() has the vCPU (fd
 * and kvm_run) and opens the gate, so that resuming costs a wake-up, not
 * a thread creation.  A stop before that lets it go without running.
 */
static void *vcpu_thread_waiting(void *arg)
{
	struct vmm_vcpu *v = arg;
	struct vmm *vm = v->vm;

	name_thread(v);
	pthread_mutex_lock(&vm->gate_lock);
	while (!vm->gate_open)
		pthread_cond_wait(&vm->gate_cond, &vm->gate_lock);
	pthread_mutex_unlock(&vm->gate_lock);
	if (atomic_load(&vm->stop))
		return NULL;
	return vcpu_loop(v);
}

static void open_gate(struct vmm *vm)
{
	pthread_mutex_lock(&vm->gate_lock);
	vm->gate_open = true;
	pthread_cond_broadcast(&vm->gate_cond);
	pthread_mutex_unlock(&vm->gate_lock);
	vm->nr_waiting = 0;
}

static int start_thread(struct vmm_vcpu *v, void *(*fn)(void *))
{
	int r = pthread_create(&v->thread, NULL, fn, v);

	if (r) {
		vmm_err("vcpu%d: pthread_create: %s", v->id, strerror(r));
		return -r;
	}
	v->thread_started = true;
	return 0;
}

/* Threads for vCPUs 0..@n-1, waiting; vmm_start_vcpus() lets them run. */
int vmm_prestart_vcpus(struct vmm *vm, int n)
{
	int i, r;

	if (n < 1 || n > VMM_MAX_VCPUS || vm->vcpu[0].thread_started)
		return -EINVAL;
	vm->gate_open = false;
	for (i = 0; i < n; i++) {
		r = start_thread(&vm->vcpu[i], vcpu_thread_waiting);
		if (r)
			return r;
		vm->nr_waiting++;
	}
	vmm_info(vm, "%d vCPU thread(s) started, waiting for their vCPUs", n);
	return 0;
}

int vmm_start_vcpus(struct vmm *vm)
{
	int i, r;

	if (vm->nr_waiting && vm->nr_waiting != vm->nr_vcpus) {
		vmm_err("%d vCPU threads wait, but the VM has %d vCPUs", vm->nr_waiting,
			vm->nr_vcpus);
		return -EINVAL;
	}
	atomic_store(&vm->stop, 0);
	for (i = 0; i < vm->nr_vcpus; i++)
		vm->vcpu[i].run->immediate_exit = 0;
	if (vm->nr_waiting) {
		open_gate(vm);
		return 0;
	}
	for (i = 0; i < vm->nr_vcpus; i++) {
		r = start_thread(&vm->vcpu[i], vcpu_thread);
		if (r)
			return r;
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
	if (vm->nr_waiting)
		open_gate(vm);	/* they see the stop and end */
	for (i = 0; i < VMM_MAX_VCPUS; i++) {
		struct vmm_vcpu *v = &vm->vcpu[i];

		if (!v->thread_started || !v->run)
			continue;
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		pthread_kill(v->thread, SIGUSR1);
	}
	for (i = 0; i < VMM_MAX_VCPUS; i++) {
		struct vmm_vcpu *v = &vm->vcpu[i];

		if (!v->thread_started)
			continue;
		pthread_join(v->thread, NULL);
		v->thread_started = false;
	}
	vm->stopped_ns = now_ns();
	return 0;
}

/* Let go of the VM: unmap every kvm_run, close the vCPU and VM fds. */
void vmm_release_kvm(struct vmm *vm)
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
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	vm->vm_fd = -1;
}

void vmm_destroy(struct vmm *vm)
{
	int i;

	vmm_release_kvm(vm);
	if (vm->kick_fd >= 0)
		close(vm->kick_fd);
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
