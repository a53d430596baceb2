#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmm_handover_test.sh - a real KVM guest (userspace/tools/vmm/cprhold-vmm)
# handed from one container to another through cprhold: with KVM VM
# adoption, and by recreating the VM from its saved state.  Runs inside the
# test VM (nested KVM); prints TAP.
#
# Every VMM runs as pid 1 of its own container (selftests/tools/vmm_ct:
# user, mount with its own root, pid, net, ipc, uts namespaces).  The old
# owner's container has /dev/kvm; an adopter's has only /dev/cprhold.  The
# session's secret goes from one container to the next through a shared
# directory, the way a management layer would pass it.
#
# Usage: vmm_handover_test.sh [SCENARIO...]
#   (default: adopt recreate ebusy enoent enxio mode chain waittmo linger)
# Logs: $CPRHOLD_OUT/vmm-handover/ (or /tmp/vmm-handover-test).

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
VMM=$HERE/../userspace/tools/vmm/cprhold-vmm
CT=$HERE/tools/vmm_ct
# Logs on tmpfs while the VMMs run (the output share is slow), copied after.
LOGS=/tmp/vmm-handover-test
SAVE=${CPRHOLD_OUT:+$CPRHOLD_OUT/vmm-handover}
SH=/tmp/vmm-handover-shared
CHAIN=${VMM_CHAIN_HOPS:-20}
N=0 PASS=0 FAIL=0

tap() {	# tap <0|1|skip> <name> [diagnostic]
	N=$((N + 1))
	case $1 in
	0) echo "ok $N $2"; PASS=$((PASS + 1)) ;;
	skip) echo "ok $N $2 # SKIP ${3:-}" ;;
	*) echo "not ok $N $2"; FAIL=$((FAIL + 1)) ;;
	esac
	[ "$1" != skip ] && [ -n "${3:-}" ] && echo "# $3"
	return 0
}

# ok_if <name> <command...>: one TAP result from a command's status
ok_if() {
	local name=$1
	shift
	"$@"
	tap $? "$name"
}

# has <log> <extended regexp>
has() { grep -Eq "$2" "$LOGS/$1"; }

# field <log> <key>: value of key=value in the log's "result" line
field() { sed -nE "s/.*cprhold-vmm: result .*[ ]$2=([^ ]+).*/\1/p" "$LOGS/$1" | tail -n 1; }

# guest_pause_sane <log>: the guest's pause (no vCPU ran) was found at the
# resume point (every vCPU logged a gap there, with the TSC that ended
# it), is above zero and no longer than the shortest of those gaps: it
# lies within one gap of every vCPU
guest_pause_sane() {
	local p
	has "$1" 'guest-observed pause: no vCPU ran for [0-9]' || return 1
	p=$(field "$1" guest_pause_ms)
	sed -nE 's/.*guest-observed pause: vcpu[0-9]+ saw a TSC gap of ([0-9.]+) ms.*/\1/p' \
		"$LOGS/$1" | awk -v p="$p" '
			{ n++; if (min == "" || $1 + 0 < min) min = $1 + 0 }
			END { exit !(n >= 2 && p > 0 && p <= min) }'
}

# dump <log>: the log as TAP diagnostics (heartbeats thinned out)
dump() {
	grep -v '^heartbeat' "$LOGS/$1" | sed 's/^/#   /'
}

# vmm <log> <ct options...> -- <cprhold-vmm options...>
vmm() {
	local log=$1
	shift
	local ctopts=()
	while [ "$1" != -- ]; do ctopts+=("$1"); shift; done
	shift
	"$CT" "${ctopts[@]}" -s "$SH" -- "$VMM" --check "$@" > "$LOGS/$log" 2>&1
}

# The guest counts on: the counter the successor found in guest RAM is the
# one the old owner stopped at, for every vCPU, and it went on from there.
counters_continue() {	# counters_continue <old log> <new log> <vcpus>
	local i a b c
	for ((i = 0; i < $3; i++)); do
		a=$(sed -nE "s/.*at the stop vcpu$i count=([0-9]+) .*/\1/p" "$LOGS/$1")
		b=$(sed -nE "s/.*vcpu$i counter continues where the old owner stopped it \(([0-9]+), guest RAM has ([0-9]+)\).*/\2/p" "$LOGS/$2")
		c=$(sed -nE "s/.*  vcpu$i: count=([0-9]+) .*/\1/p" "$LOGS/$2" | tail -n 1)
		echo "# vcpu$i: stopped at ${a:-?}, found ${b:-?} by the successor, counted on to ${c:-?}"
		[ -n "$a" ] && [ "$a" = "$b" ] && [ -n "$c" ] && [ "$c" -gt "$b" ] || return 1
	done
}

kvm_vms() { ls -d /sys/kernel/debug/kvm/*-* 2>/dev/null | wc -l; }
sysfs() { cat "/sys/class/misc/cprhold/$1"; }
shmem_kb() { awk '/^Shmem:/ { print $2 }' /proc/meminfo; }

# ---- scenarios ----------------------------------------------------------

# A VM with 2 vCPUs runs in container A, is handed over with adoption and
# keeps running in container B, which has no /dev/kvm.
scenario_adopt() {
	vmm adopt-a.log -n ctA -k -- --vcpus 2 --mem 32 --run 3 \
		--handover-out t-adopt --secret-out /shared/t-adopt.secret \
		--kick-in-gap --verify-state --linger-ms 60000 &
	local a=$!
	vmm adopt-b.log -n ctB -- --handover-in t-adopt \
		--secret-file /shared/t-adopt.secret --verify-state --run 3
	local rb=$?
	wait $a
	local ra=$?
	dump adopt-a.log
	dump adopt-b.log
	tap $ra "adopt: container A runs a 2-vCPU guest and hands it over (VM, vCPUs, memfd, eventfd parked)"
	tap $rb "adopt: container B (no /dev/kvm) adopts the VM and runs it; every built-in check passes"
	ok_if "adopt: guest counter continues, monotonic, no reset (every vCPU)" \
		counters_continue adopt-a.log adopt-b.log 2
	ok_if "adopt: vCPU registers identical before and after" \
		test "$(field adopt-b.log regs)" = identical
	ok_if "adopt: full KVM state (FPU, XSAVE, MSRs, LAPIC, IOAPIC, PIT, ...) identical" \
		has adopt-b.log 'check: ok - full KVM state'
	ok_if "adopt: irqfd still wired: the interrupt signalled in the gap is delivered" \
		test "$(field adopt-b.log gap_irq)" = delivered
	ok_if "adopt: the successor never opened /dev/kvm" \
		has adopt-b.log '/dev/kvm never opened \(absent here\)'
	ok_if "adopt: guest RAM stayed in place, no KVM state copied" \
		test "$(field adopt-b.log state_bytes)" = 0
	ok_if "adopt: with --linger-ms the old owner exits once the successor finished the session" \
		has adopt-a.log 'handover-out: the successor finished the session after'
	ok_if "adopt: the guest's pause (no vCPU ran) is measured, within every vCPU's gap" \
		guest_pause_sane adopt-b.log
	echo "# adopt: host pause $(field adopt-b.log pause_ms) ms, guest pause" \
		"$(field adopt-b.log guest_pause_ms) ms, largest vCPU gap" \
		"$(field adopt-b.log guest_gap_ms) ms (with --verify-state in the pause)"
}

# The same handover by recreating the VM: new VM and vCPUs, KVM_SET_*.
scenario_recreate() {
	vmm recreate-a.log -n ctA -k -- --vcpus 2 --mem 32 --run 3 --recreate \
		--handover-out t-recreate --secret-out /shared/t-recreate.secret --kick-in-gap &
	local a=$!
	vmm recreate-b.log -n ctB -k -- --handover-in t-recreate --recreate --vcpus 2 \
		--secret-file /shared/t-recreate.secret --verify-state --run 3
	local rb=$?
	wait $a
	local ra=$?
	dump recreate-a.log
	dump recreate-b.log
	tap $ra "recreate: container A saves the KVM state and hands over memfd and eventfd"
	tap $rb "recreate: container B builds a new VM, restores the state and runs it"
	ok_if "recreate: guest counter continues (every vCPU)" \
		counters_continue recreate-a.log recreate-b.log 2
	ok_if "recreate: registers identical, full KVM state restored" \
		eval 'test "$(field recreate-b.log regs)" = identical && has recreate-b.log "check: ok - full KVM state"'
	ok_if "recreate: the interrupt signalled in the gap is delivered after KVM_IRQFD" \
		test "$(field recreate-b.log gap_irq)" = delivered
	ok_if "recreate: the guest's pause (no vCPU ran) is measured, within every vCPU's gap" \
		guest_pause_sane recreate-b.log
	echo "# recreate: host pause $(field recreate-b.log pause_ms) ms, guest pause" \
		"$(field recreate-b.log guest_pause_ms) ms, largest vCPU gap" \
		"$(field recreate-b.log guest_gap_ms) ms (with --verify-state in the pause)"
}

# hold <tag> <errno> <extra old-owner options...>: the old owner keeps its
# fds after sealing; the successor's adoption must fail with <errno>, give
# the session back, and the old owner then runs its VM again.
hold() {
	local tag=$1 err=$2
	shift 2
	rm -f "$SH/go-$tag"
	vmm $tag-a.log -n ctA -k -- --vcpus 2 --mem 16 --run 2 \
		--handover-out t-$tag --secret-out /shared/t-$tag.secret \
		--hold-until /shared/go-$tag "$@" &
	local a=$!
	vmm $tag-b.log -n ctB -- --handover-in t-$tag --secret-file /shared/t-$tag.secret \
		--expect-adopt-errno "$err" --run 1
	local rb=$?
	touch "$SH/go-$tag"
	wait $a
	local ra=$?
	dump $tag-a.log
	dump $tag-b.log
	HOLD_RB=$rb HOLD_RA=$ra
}

scenario_ebusy() {
	hold ebusy EBUSY
	ok_if "EBUSY: adoption refused while the old owner still holds the VM fds" \
		eval '[ $HOLD_RB = 0 ] && has ebusy-b.log "adoption refused: EBUSY"'
	ok_if "EBUSY: the session is SEALED again and the old owner runs its VM on" \
		eval '[ $HOLD_RA = 0 ] && has ebusy-a.log "check: ok - old owner ran its VM again" &&
		      has ebusy-a.log "check: ok - session t-ebusy is sealed again"'
}

scenario_enoent() {
	hold enoent ENOENT --park-vcpus 1
	ok_if "ENOENT: adoption refused when a vCPU of the VM is not parked" \
		eval '[ $HOLD_RB = 0 ] && has enoent-b.log "adoption refused: ENOENT"'
	ok_if "ENOENT: the old owner runs its VM on (both vCPUs count)" \
		eval '[ $HOLD_RA = 0 ] && has enoent-a.log "check: ok - old owner ran its VM again after the refused adoption: vcpu1"'
}

# The successor first adopts before mapping guest RAM: ENXIO, nothing
# changed; it maps the memfds at the recorded addresses and adopts.
scenario_enxio() {
	vmm enxio-a.log -n ctA -k -- --vcpus 1 --mem 16 --run 2 \
		--handover-out t-enxio --secret-out /shared/t-enxio.secret &
	local a=$!
	vmm enxio-b.log -n ctB -- --handover-in t-enxio --secret-file /shared/t-enxio.secret \
		--fault-unmapped --run 2
	local rb=$?
	wait $a
	dump enxio-b.log
	ok_if "ENXIO: adoption without guest RAM mapped is refused, harmlessly" \
		has enxio-b.log 'check: ok - adoption with no guest memory mapped is refused with ENXIO'
	ok_if "ENXIO: after mapping the memfds the same process adopts and runs the guest" \
		eval '[ $rb = 0 ] && [ "$(field enxio-b.log counters)" = continuous ]'
}

# A successor that expects the other kind of handover gives up and aborts;
# the session is claimable again and the right successor takes the VM.
scenario_mode() {
	vmm mode-a.log -n ctA -k -- --vcpus 1 --mem 16 --run 2 \
		--handover-out t-mode --secret-out /shared/t-mode.secret &
	local a=$!
	vmm mode-b.log -n ctB -k -- --handover-in t-mode --recreate \
		--secret-file /shared/t-mode.secret --run 1
	local rb=$?
	# Its vCPU threads started for 2 vCPUs, before the claim: they end.
	vmm mode-v.log -n ctV -- --handover-in t-mode --vcpus 2 \
		--secret-file /shared/t-mode.secret --run 1
	local rv=$?
	vmm mode-c.log -n ctC -- --handover-in t-mode --vcpus 1 \
		--secret-file /shared/t-mode.secret --run 2
	local rc=$?
	wait $a
	dump mode-b.log
	dump mode-v.log
	dump mode-c.log
	ok_if "mode: a --recreate successor refuses an adoption session and gives it back" \
		eval '[ $rb != 0 ] && has mode-b.log "was prepared for adoption"'
	ok_if "mode: a successor whose --vcpus is not the VM's refuses it and gives it back" \
		eval '[ $rv != 0 ] && has mode-v.log "[-]-vcpus 2, but the VM has 1"'
	ok_if "mode: the next successor adopts the VM from the same session (vCPU threads started before the claim)" \
		eval '[ $rc = 0 ] && [ "$(field mode-c.log counters)" = continuous ] &&
		      has mode-c.log "1 vCPU thread\(s\) started, waiting for their vCPUs"'
}

# A -> B -> C ... : $CHAIN adoptions, each in a new container, the guest
# running all along; then the last owner exits and everything is freed.
# The hops of scenario_chain: sets rc=1 if one of them failed.
chain_hops() {
	local i prev next
	# Each successor is started while its predecessor still runs and waits
	# for the secret, as a management layer would pre-start it.
	local pids=()
	vmm chain-0.log -n hop0 -k -- --vcpus 2 --mem 64 --prefault --run 2 \
		--handover-out chain1 --secret-out /shared/chain1.secret --kick-in-gap &
	pids[0]=$!
	for ((i = 1; i <= CHAIN; i++)); do
		prev=chain$i next=chain$((i + 1))
		if [ $i -lt $CHAIN ]; then
			vmm chain-$i.log -n hop$i -- --handover-in $prev \
				--secret-file /shared/$prev.secret --run 0.5 \
				--handover-out $next --secret-out /shared/$next.secret \
				--kick-in-gap &
		else
			vmm chain-$i.log -n hop$i -- --handover-in $prev \
				--secret-file /shared/$prev.secret --run 2 &
		fi
		pids[i]=$!
		wait ${pids[i - 1]} || { rc=1; dump chain-$((i - 1)).log; }
	done
	wait ${pids[CHAIN]} || { rc=1; dump chain-$CHAIN.log; }
}

# emulator_fault LOG...: does a log show a vCPU whose registers were
# replaced by the test VM kernel's own, with RIP right after the VMRUN in
# kvm_amd's __svm_vcpu_run (and that kernel's stack and flags)?  A fault
# of the emulated nested SVM (Documentation/dev-tools/testing.rst, "The
# test VM"): nothing of cprhold writes a vCPU's registers, and the guest
# runs at low addresses only.
emulator_fault() {
	local base rip off
	base=$(awk '$3 == "__svm_vcpu_run" && $4 == "[kvm_amd]" { print $1; exit }' /proc/kallsyms)
	[ -n "$base" ] && [ "$base" != 0000000000000000 ] || return 1
	for rip in $(grep -ohE "vcpu[0-9]+:? count=[0-9]+ .*rip=0xffff[0-9a-f]{12}" "$@" |
		     sed -E 's/.*rip=0x//'); do
		off=$((0x$rip - 0x$base))
		if [ $off -gt 0 ] && [ $off -lt $((0x400)) ]; then
			echo "# a vCPU's registers became the test VM kernel's: rip=0x$rip is __svm_vcpu_run+$(printf %#x $off) (after its VMRUN)"
			return 0
		fi
	done
	return 1
}

# Wait (25 s at most) for scenario_chain's baseline: its session objects,
# KVM VMs and Shmem as they were before the first hop.
chain_settle() {
	local i
	for ((i = 0; i < 250; i++)); do
		[ "$(sysfs session_objects)" = "$objs0" ] && [ "$(kvm_vms)" = "$vms0" ] &&
			[ "$(shmem_kb)" -lt $((shm0 + 1024)) ] && break
		sleep 0.1
	done
}

scenario_chain() {
	local sess0 objs0 ent0 vms0 shm0 i rc=0 hops=0 cont=0 c0 c1 shm1 vms1 try
	sess0=$(sysfs sessions) objs0=$(sysfs session_objects) ent0=$(sysfs entries)
	vms0=$(kvm_vms) shm0=$(shmem_kb)
	for try in 1 2; do
		rc=0
		chain_hops
		# The emulator's fault, once: the chain runs again.
		[ $try = 1 ] && emulator_fault "$LOGS"/chain-*.log || break
		echo "# chain: the test VM's nested SVM gave a vCPU its own registers (not cprhold's doing); the chain runs once more"
		chain_settle
		rm -rf "$LOGS/chain-fault"
		mkdir -p "$LOGS/chain-fault" && mv "$LOGS"/chain-*.log "$LOGS/chain-fault/"
	done
	for ((i = 1; i <= CHAIN; i++)); do
		has chain-$i.log "result mode=adopt hop=$i " && hops=$i
		[ "$(field chain-$i.log counters)" = continuous ] &&
			[ "$(field chain-$i.log regs)" = identical ] &&
			[ "$(field chain-$i.log gap_irq)" = delivered ] && cont=$((cont + 1))
	done
	c0=$(sed -nE 's/.*at the stop vcpu0 count=([0-9]+) .*/\1/p' "$LOGS/chain-0.log")
	c1=$(sed -nE 's/.*  vcpu0: count=([0-9]+) .*/\1/p' "$LOGS/chain-$hops.log" | tail -n 1)
	echo "# chain: $hops hops, guest vcpu0 counted from ${c0:-?} (first handover) to ${c1:-?};" \
		"host pauses (ms): $(for ((i = 1; i <= hops; i++)); do printf '%s ' "$(field chain-$i.log pause_ms)"; done)"
	ok_if "chain: $CHAIN handovers A->B->C..., each into a new container, all succeed" \
		eval '[ $rc = 0 ] && [ $hops = $CHAIN ] && has chain-$CHAIN.log "hop=$CHAIN "'
	ok_if "chain: at every hop the counter continued, registers identical, the gap interrupt delivered" \
		test "$cont" = "$CHAIN"
	ok_if "chain: the guest kept counting across all hops" \
		eval '[ -n "$c0" ] && [ -n "$c1" ] && [ "$c1" -gt "$c0" ]'
	# The last owner exited: VM, vCPUs, memory and session are gone.
	chain_settle
	shm1=$(shmem_kb) vms1=$(kvm_vms)
	echo "# after the last owner exited: sessions $(sysfs sessions) (was $sess0)," \
		"session objects $(sysfs session_objects) ($objs0), entries $(sysfs entries) ($ent0)," \
		"KVM VMs $vms1 ($vms0), Shmem $shm1 kB ($shm0 kB before a 64 MiB prefaulted guest)"
	ok_if "chain: closing everything freed the session and its entries (live-object counters at baseline)" \
		eval '[ "$(sysfs sessions)" = "$sess0" ] && [ "$(sysfs session_objects)" = "$objs0" ] &&
		      [ "$(sysfs entries)" = "$ent0" ]'
	ok_if "chain: the KVM VM is destroyed and guest memory freed (Shmem back to baseline)" \
		eval '[ "$vms1" = "$vms0" ] && [ "$shm1" -lt $((shm0 + 1024)) ]'
}

# A successor whose predecessor never hands over gives up, with a message,
# instead of waiting for ever (a test harness must see a failure, not a hang).
scenario_waittmo() {
	local r t0=$SECONDS
	vmm waittmo.log -n ctB -- --handover-in t-never \
		--secret-file /shared/t-never.secret --wait-timeout 2 --run 1
	r=$?
	dump waittmo.log
	ok_if "wait-timeout: a successor whose secret never appears gives up (exit $r after $((SECONDS - t0)) s)" \
		eval '[ $r != 0 ] && [ $((SECONDS - t0)) -lt 30 ] &&
		      has waittmo.log "t-never.secret did not appear within 2 s"'
}

# --linger-ms is an option of the old owner only.
scenario_linger() {
	local r
	vmm linger.log -n ctB -- --handover-in t-linger --secret-file /shared/t-linger.secret \
		--linger-ms 100 --run 1
	r=$?
	dump linger.log
	ok_if "linger: --linger-ms without --handover-out is refused (exit $r)" \
		eval '[ $r != 0 ] && has linger.log "go with --handover-out"'
	vmm linger-hold.log -n ctA -k -- --vcpus 1 --mem 16 --run 1 \
		--handover-out t-linger --secret-out /shared/t-linger.secret \
		--hold-until /shared/t-linger.never --linger-ms 100
	r=$?
	dump linger-hold.log
	ok_if "linger: --linger-ms with --hold-until (which keeps the VM) is refused (exit $r)" \
		eval '[ $r != 0 ] && has linger-hold.log "does not go with it"'
}

# ---- main ----------------------------------------------------------------

echo "TAP version 13"
echo "# vmm_handover_test on $(uname -r), $(nproc) CPUs"
if [ ! -c /dev/kvm ]; then
	echo "1..0 # SKIP no /dev/kvm"
	exit 0
fi
if [ ! -x "$VMM" ] || [ ! -x "$CT" ]; then
	echo "1..1"
	echo "not ok 1 cprhold-vmm and selftests/tools/vmm_ct are built"
	exit 1
fi
modprobe cprhold
# Adoption loads cprhold_kvm on first use; load it now so that the first
# handover's pause does not include a module load.
modprobe cprhold_kvm || echo "# modprobe cprhold_kvm failed"
rm -rf "$LOGS" "$SH"
mkdir -p "$LOGS" "$SH"
chmod 1777 "$SH"

scenarios=${*:-adopt recreate ebusy enoent enxio mode chain waittmo linger}
for s in $scenarios; do
	echo "# ---- $s"
	"scenario_$s"
done
if [ -n "$SAVE" ]; then
	mkdir -p "$SAVE" && cp "$LOGS"/*.log "$SAVE/"
fi
echo "1..$N"
echo "# $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
