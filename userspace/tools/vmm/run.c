// SPDX-License-Identifier: GPL-2.0
/*
 * run.c - cprhold-vmm: the main loop (kicks, signals), the final report and
 * checks, and the three ways to run: fresh, restored, idle
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

#include "gaps.h"
#include "vmm.h"

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
 * Before vCPU @i runs again: have the guest keep its gaps at the counts
 * where it stopped apart from its ring (guest_abi.h, VD_WATCH).
 */
void vmm_watch_resume(struct vmm *vm, struct run_info *ri, int i)
{
	struct guest_vcpu_data *g = vmm_guest_vcpu(vm, i);

	memset(g->resume, 0, sizeof(g->resume));
	g->watch = ri->resume_count[i];
}

/* The whole guest's pause, as measured by vmm_measure_resume_gaps(). */
void vmm_print_resume_stall(struct vmm *vm, const struct run_info *ri)
{
	if (ri->resume_stall_found && vm->tsc_khz)
		vmm_info(vm, "guest-observed pause: no vCPU ran for %.3f ms at the resume point",
			 (double)ri->resume_stall / vm->tsc_khz);
	else
		vmm_info(vm, "guest-observed pause: no stretch in which no vCPU ran found at the "
			 "resume point (a vCPU logged no gap of 0.1 ms or more there)");
}

/*
 * The guest logs every gap of 0.1 ms or more, with its loop count, in a
 * ring, and keeps those at the counts where the VMM stopped it apart, with
 * the TSC that ended them (a busy vCPU wraps its ring before the VMM
 * reads it).  Right after a resume, find each vCPU's gap there: that is
 * the pause as that vCPU saw it.  It also holds the time its thread waited
 * for a CPU, which with more vCPUs than CPUs is most of it; the whole
 * guest's pause is the time in which no vCPU ran at all, from the last one
 * to stop to the first one to run again (the vCPUs share the TSC, adopted
 * or restored): the longest such stretch among those gaps, which may also
 * be one right after the resume in which every vCPU waited for a CPU.
 */
void vmm_measure_resume_gaps(struct vmm *vm, struct run_info *ri)
{
	uint64_t until = now_ns() + 3000000000ULL;
	uint64_t iv[VMM_MAX_VCPUS * VD_RESUME_ENTRIES][3];
	int i, n = 0, done = 0;

	while (done < vm->nr_vcpus && now_ns() < until && !atomic_load(&vm->fatal)) {
		done = 0;
		for (i = 0; i < vm->nr_vcpus; i++)
			if (guest_read_u64(&vmm_guest_vcpu(vm, i)->count) > ri->resume_count[i] + 2)
				done++;
		if (done < vm->nr_vcpus)
			usleep(1000);
	}
	ri->resume_stall_found = true;
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct guest_vcpu_data *g = vmm_guest_vcpu(vm, i);
		int k;

		for (k = 0; k < VD_RESUME_ENTRIES; k++) {
			uint64_t c = guest_read_u64(&g->resume[k].count);
			uint64_t gap = guest_read_u64(&g->resume[k].gap);
			uint64_t end = guest_read_u64(&g->resume[k].end);

			if (!gap || c != ri->resume_count[i] + k || gap > end)
				continue;
			iv[n][0] = end - gap;
			iv[n][1] = end;
			iv[n++][2] = i;
			if (gap >= ri->resume_gap[i]) {
				ri->resume_gap[i] = gap;
				ri->resume_gap_found[i] = true;
			}
		}
		if (!ri->resume_gap_found[i]) {
			ri->resume_gap[i] = vmm_guest_cfg(vm)->gap_thresh;	/* below it */
			ri->resume_stall_found = false;
		}
	}
	ri->resume_stall = ri->resume_stall_found ? vmm_all_stopped(iv, n, vm->nr_vcpus) : 0;
	ri->resume_stall_found = ri->resume_stall != 0;
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
int vmm_run_fresh(struct vmm *vm)
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
int vmm_run_restore(struct vmm *vm)
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
		vmm_watch_resume(vm, &ri, i);
	}
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
	vmm_print_resume_stall(vm, &ri);
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
int vmm_run_idle(struct vmm *vm)
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
