// SPDX-License-Identifier: GPL-2.0
/*
 * cprhold-vmm - a tiny, real KVM VMM (main.c: options and main()).
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
"                        (with --vcpus N: the vCPU threads are started before\n"
"                        it, and a VM with another number of vCPUs is refused)\n"
"  --wait-timeout SECS   give up waiting for a file (--secret-file, --hold-until,\n"
"                        --wait) after SECS seconds (default 120; 0: never)\n"
"  --recreate            hand over by recreating the VM from its saved KVM state\n"
"                        (new VM and vCPUs, as QEMU's CPR modes) instead of\n"
"                        adopting it; both sides must agree\n"
"  --verify-state        also save the full KVM state and compare it after resuming\n"
"test options:\n"
"  --linger-ms MS        handover-out: after letting go of the VM, stay until the\n"
"                        successor finished the session (it runs the guest), at\n"
"                        most MS ms, as QEMU's old process does; exiting at once\n"
"                        tears this address space down during its pause\n"
"  --no-prepare          handover-out: seal without CPRHOLD_SEAL_PREPARE_ADOPT, so\n"
"                        that the successor's adoption moves the VM whole\n"
"  --hold-until FILE     handover-out: keep every fd after sealing, wait for FILE,\n"
"                        then run the VM again, destroy the session and exit\n"
"  --park-vcpus N        handover-out: park only the first N vCPUs\n"
"  --fault-unmapped      handover-in: first try to adopt with no guest memory\n"
"                        mapped (must fail with ENXIO), then do it right\n"
"  --expect-adopt-errno E  handover-in: adoption must fail with errno E (EBUSY,\n"
"                        ENOENT, ...); give the session back and exit 0 if it did\n", vmm_prog);
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
	       O_VSTATE, O_HOLD, O_PARKV, O_FUNMAP, O_EXPECT, O_WAITTMO, O_LINGER,
	       O_NOPREP };
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
		{ "linger-ms", required_argument, NULL, O_LINGER },
		{ "no-prepare", no_argument, NULL, O_NOPREP },
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
		case O_NOPREP:
			o->no_prepare = true;
			break;
		case O_LINGER:
			if (parse_uint(optarg, 0, 3600000, "--linger-ms", &v))
				return -1;
			o->linger_ms = v;
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
	     o->park_vcpus >= 0 || o->linger_ms || o->no_prepare) && !o->handover_out) {
		vmm_err("--secret-out, --ttl-ms, --kick-in-gap, --hold-until, --park-vcpus, "
			"--linger-ms and --no-prepare go with --handover-out");
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
	if (o->hold_until && o->linger_ms) {
		vmm_err("--hold-until keeps the VM: --linger-ms does not go with it");
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
	sa.sa_handler = vmm_sigusr1_handler;
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
		rc = vmm_run_idle(&vm);
	else if (o.handover_in)
		rc = run_handover_in(&vm);
	else if (o.restore_path)
		rc = vmm_run_restore(&vm);
	else
		rc = vmm_run_fresh(&vm);
	if (vm.vcpu[0].thread_started)
		vmm_stop_vcpus(&vm);
	vmm_destroy(&vm);
	if (vm.log != stdout)
		fclose(vm.log);
	return rc;
}
