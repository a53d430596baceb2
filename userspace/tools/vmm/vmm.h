/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmm.h - cprhold-vmm: a tiny KVM VMM that hands its running VM to a
 * successor process through a cprhold session (handover.c), either by KVM VM
 * adoption or by recreating the VM from its saved state (the way QEMU's CPR
 * modes do, also available through a state file: --dump-state).
 *
 * Everything a successor process needs to take over - the KVM fds, the
 * guest-memory fds and mappings, the irqfd eventfd - lives in struct vmm
 * (see "the fd set" below), and each lifecycle step is its own function.
 */
#ifndef CPRHOLD_VMM_H
#define CPRHOLD_VMM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "guest_abi.h"

#define VMM_MAX_VCPUS		GUEST_MAX_VCPUS
#define VMM_MAX_MEM		2
#define VMM_PATH_MAX		256
#define VMM_LINE_MAX		512

enum vmm_mem_backing {
	VMM_MEM_MEMFD = 0,	/* anonymous memfd; contents go into the state file */
	VMM_MEM_PATH = 1,	/* a named file (e.g. on /dev/shm); reopened by path */
	VMM_MEM_CPRHOLD = 2,	/* a memfd parked in a cprhold session: its
				 * contents stay in place, not in the state */
};

/* Where guest RAM is mapped when the VM will be handed over (--handover-out):
 * a fixed address far from the heap, libraries and stacks, so that every
 * successor can map it at the same place (the memslots keep their hva). */
#define VMM_HANDOVER_HVA	0x300000000000ULL

/* One guest RAM region: one fd, one mapping, one memslot. */
struct vmm_mem {
	int fd;
	uint32_t slot;
	uint64_t gpa;
	uint64_t size;
	void *hva;
	void *hva_hint;		/* map exactly here (--same-hva), or NULL */
	enum vmm_mem_backing backing;
	char path[VMM_PATH_MAX];
};

struct vmm;

struct vmm_vcpu {
	struct vmm *vm;
	int id;
	int fd;				/* KVM vCPU fd */
	struct kvm_run *run;		/* mmap of fd, vm->run_size bytes */
	pthread_t thread;
	bool thread_started;
	bool ran;			/* KVM_RUN issued at least once */
	bool draining;			/* stop requested, finishing a line */

	/* COM1 line assembly (each vCPU has its own line) */
	char line[VMM_LINE_MAX];
	size_t line_len;

	/* statistics */
	uint64_t nr_exits;
	uint64_t nr_io;
	uint64_t nr_mmio;
	uint64_t nr_intr;
	uint64_t heartbeats;
	uint64_t first_run_ns;		/* CLOCK_MONOTONIC */
	uint64_t stopped_ns;
};

struct vmm_opts {
	int nr_vcpus;
	uint64_t mem_mb;
	bool mem_split;
	const char *mem_path;		/* NULL: memfd */
	double run_secs;		/* <= 0: until SIGINT/SIGTERM */
	unsigned int wait_timeout_s;	/* waiting for a file; 0: forever */
	unsigned int kick_ms;		/* 0: no periodic kick */
	unsigned int kick_gsi;
	unsigned int hb_ms;
	unsigned int pit_hz;		/* 0: PIT not programmed */
	const char *dump_path;
	const char *restore_path;
	bool wait_for_state;		/* --wait: pre-create, then wait for the file */
	bool tsc_keep_value;		/* --tsc-mode value */
	bool no_drain;
	bool no_verify;
	bool idle;
	bool same_hva;
	bool timestamps;
	bool check;
	bool quiet;
	const char *log_path;
	const char *show_path;
	bool mem_split_set, nr_vcpus_set, mem_set;
	bool prefault;			/* allocate all guest RAM up front */

	/* cprhold handover (handover.c) */
	const char *handover_out;	/* session to hand the VM over in */
	const char *secret_out;		/* write its secret here (hex) */
	uint64_t ttl_ms;
	bool kick_in_gap;		/* write the kick eventfd once while stopped */
	const char *handover_in;	/* session to take the VM over from */
	const char *secret_file;	/* its secret (waited for if missing) */
	bool recreate;			/* new VM + saved state instead of adoption */
	bool verify_state;		/* save/compare the full KVM state */
	unsigned int linger_ms;		/* handover-out: stay until the successor
					 * finished the session, at most this long */
	bool no_prepare;		/* test: seal without PREPARE_ADOPT */
	const char *hold_until;		/* test: keep the fds, wait for this file,
					 * then run the VM again (old owner) */
	int park_vcpus;			/* test: park only the first N vCPUs (-1 all) */
	bool fault_unmapped;		/* test: adopt once before mapping memory */
	int expect_adopt_errno;		/* test: adoption must fail with this */
};

struct vmm {
	/* ---- the fd set: what cprhold would park and hand over ---- */
	int kvm_fd;			/* /dev/kvm */
	int vm_fd;			/* KVM_CREATE_VM */
	int nr_vcpus;
	struct vmm_vcpu vcpu[VMM_MAX_VCPUS];	/* vCPU fds and kvm_run maps */
	int nr_mem;
	struct vmm_mem mem[VMM_MAX_MEM];	/* guest RAM fds, maps, slots */
	int kick_fd;			/* eventfd, KVM_IRQFD-routed to kick_gsi */
	uint32_t kick_gsi;
	bool irqfd_assigned;

	/* ---- KVM facts ---- */
	size_t run_size;		/* KVM_GET_VCPU_MMAP_SIZE */
	uint64_t mem_size;
	uint32_t tsc_khz;
	struct kvm_cpuid2 *cpuid;	/* KVM_GET_SUPPORTED_CPUID */
	struct kvm_msr_list *msr_list;	/* KVM_GET_MSR_INDEX_LIST */
	uint32_t xsave_size;		/* 4096, or KVM_CAP_XSAVE2 */
	bool has_xsave2;
	bool has_xcrs;
	bool has_debugregs;
	bool has_tsc_ctrl;		/* KVM_VCPU_TSC_OFFSET attribute */
	bool has_pit;
	int max_vcpus;

	/* ---- control ---- */
	const struct vmm_opts *opts;
	atomic_int stop;		/* vCPU threads: stop at the next safe point */
	atomic_int fatal;		/* a vCPU thread hit an unrecoverable exit */
	int notify_fd;			/* eventfd: wakes the main loop on fatal */
	FILE *log;			/* heartbeat lines */
	pthread_mutex_t log_lock;
	uint64_t start_ns;		/* process start, CLOCK_MONOTONIC */
	_Atomic uint64_t first_run_ns;	/* first KVM_RUN of any vCPU */
	/* vmm_prestart_vcpus(): threads waiting for their vCPUs */
	pthread_mutex_t gate_lock;
	pthread_cond_t gate_cond;
	bool gate_open;
	int nr_waiting;
	uint64_t stop_req_ns;
	uint64_t stopped_ns;
	uint64_t kicks_sent;
	uint64_t kicks_deferred;

	/* ---- cprhold ---- */
	int ctl_fd;			/* /dev/cprhold */
	bool verify_gap_irqs;		/* verify: interrupts raised while the VM
					 * was stopped may be pending (adoption) */
};

/* What a run reports at the end (run.c); filled by the resume paths. */
struct run_info {
	bool restored;
	bool verify_failed;
	bool resume_gap_found[VMM_MAX_VCPUS];
	uint64_t resume_gap[VMM_MAX_VCPUS];	/* guest TSC ticks */
	uint64_t resume_count[VMM_MAX_VCPUS];
	/*
	 * The whole guest's pause at the resume point: the longest time in
	 * which every vCPU was in one of its gaps there, i.e. no vCPU ran
	 * (guest TSC ticks; 0 when not found).
	 */
	bool resume_stall_found;
	uint64_t resume_stall;
	uint64_t resume_hb[VMM_MAX_VCPUS];
	uint64_t resume_irqs_total;
	uint64_t kicks_at_start;
	int extra_pass, extra_fail;		/* checks made by the handover */
};

/* ---- helpers (util.c) ---- */
uint64_t now_ns(void);
uint64_t realtime_ns(void);
void vmm_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vmm_info(const struct vmm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int kvm_ioctl(int fd, unsigned long req, void *arg, const char *reqname,
	      const char *who);
#define KVM_IOCTL(fd, req, arg, who) kvm_ioctl(fd, req, arg, #req, who)
void *vmm_gpa_to_hva(struct vmm *vm, uint64_t gpa, uint64_t len);
struct guest_cfg *vmm_guest_cfg(struct vmm *vm);
struct guest_vcpu_data *vmm_guest_vcpu(struct vmm *vm, int id);

/* ---- lifecycle (vm.c, vcpu.c) ---- */
void vmm_init(struct vmm *vm, const struct vmm_opts *opts);
int vmm_open_kvm(struct vmm *vm);
int vmm_create_vm(struct vmm *vm);
int vmm_setup_memory(struct vmm *vm, uint64_t size, bool split,
		     const char *path, bool reopen);
int vmm_map_memory(struct vmm *vm, bool register_slots);
int vmm_create_vcpus(struct vmm *vm, int nr);
int vmm_map_vcpu(struct vmm *vm, int id);
int vmm_set_cpuid(struct vmm *vm, int id, const struct kvm_cpuid2 *cpuid);
int vmm_setup_irqfd(struct vmm *vm, uint32_t gsi);
int vmm_detach_irqfd(struct vmm *vm);
int vmm_load_guest(struct vmm *vm);
int vmm_prestart_vcpus(struct vmm *vm, int n);
int vmm_start_vcpus(struct vmm *vm);
int vmm_stop_vcpus(struct vmm *vm);
void vmm_release_kvm(struct vmm *vm);
void vmm_destroy(struct vmm *vm);
void vmm_dump_regs(struct vmm *vm, int id, FILE *out);
int vmm_register_memory(struct vmm *vm);

/* ---- run (run.c) ---- */
extern int vmm_sig_fd;			/* SIGINT/SIGTERM/SIGHUP/SIGUSR2 */
uint64_t guest_read_u64(const uint64_t *p);
int vmm_kick(struct vmm *vm, bool periodic);
enum { LOOP_DEADLINE, LOOP_SIGNAL, LOOP_FATAL };
int vmm_main_loop(struct vmm *vm, double secs);
void vmm_settle_kicks(struct vmm *vm);
void vmm_print_final(struct vmm *vm, const struct run_info *ri);
void vmm_watch_resume(struct vmm *vm, struct run_info *ri, int i);
void vmm_measure_resume_gaps(struct vmm *vm, struct run_info *ri);
void vmm_print_resume_stall(struct vmm *vm, const struct run_info *ri);
int vmm_run_checks(struct vmm *vm, const struct run_info *ri, bool settled);
int vmm_run_and_finish(struct vmm *vm, struct run_info *ri);
int vmm_wait_vcpus_running(struct vmm *vm, uint64_t *last_run_ns);
int wait_for_file(struct vmm *vm, const char *path, int *ifd_out);

/* run.c: the three ways to run, for main() */
int vmm_run_fresh(struct vmm *vm);
int vmm_run_restore(struct vmm *vm);
int vmm_run_idle(struct vmm *vm);

/* vcpu.c: SIGUSR1 only interrupts KVM_RUN (vmm_stop_vcpus()) */
void vmm_sigusr1_handler(int sig);

/* util.c: the program's name in messages */
extern const char *vmm_prog;

/* ---- cprhold handover (handover.c) ---- */
int handover_out(struct vmm *vm, struct run_info *ri);
int run_handover_in(struct vmm *vm);

/* ---- state (state.c) ---- */
struct vmm_state;
struct vmm_state *state_alloc(void);
void state_free(struct vmm_state *st);
int vmm_save_state(struct vmm *vm, struct vmm_state *st);
int vmm_restore_state(struct vmm *vm, struct vmm_state *st);
int vmm_verify_state(struct vmm *vm, const struct vmm_state *st);
int state_write(struct vmm *vm, struct vmm_state *st, const char *path);
int state_write_fd(struct vmm *vm, struct vmm_state *st, int fd, const char *name);
int state_read(struct vmm_state *st, const char *path);
int state_parse(struct vmm_state *st, const void *buf, size_t len, const char *name);
int state_load_ram(struct vmm *vm, const struct vmm_state *st);
int state_check_compat(const struct vmm *vm, const struct vmm_state *st);
void state_print(const struct vmm_state *st, FILE *out);
void state_print_timeline(struct vmm *vm, const struct vmm_state *st,
			  uint64_t created_ns, uint64_t seen_ns, uint64_t read_ns,
			  uint64_t restored_ns, uint64_t last_run_ns);

/* Accessors used by main() to rebuild a VM from a state file. */
int state_nr_vcpus(const struct vmm_state *st);
uint64_t state_mem_size(const struct vmm_state *st);
int state_nr_mem(const struct vmm_state *st);
const char *state_mem_path(const struct vmm_state *st);
uint32_t state_kick_gsi(const struct vmm_state *st);
uint64_t state_kicks_sent(const struct vmm_state *st);
uint64_t state_vcpu_count(const struct vmm_state *st, int id);
void *state_mem_hva(const struct vmm_state *st, int i);
int state_set_vcpu_cpuid(struct vmm *vm, const struct vmm_state *st, int id);
struct kvm_msr_list *state_msr_list(const struct vmm_state *st);

#endif /* CPRHOLD_VMM_H */
