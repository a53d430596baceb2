#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmtest.sh - exercise cprhold-vmm inside the test VM (needs /dev/kvm).
# Run from the host:
#   scripts/vmtest -k 6.12.117+deb12-amd64 -o build/vm-vmm -- \
#       userspace/tools/vmm/vmtest.sh [SCENARIO...]
# Scenarios (default: all): boot smp recreate shm wait tsc-value
# Prints TAP; state files and logs go to $VMM_OUT (default /tmp/vmm-test),
# or to $CPRHOLD_OUT/vmm when the VM runner provides an output directory.

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
VMM=$HERE/cprhold-vmm
OUT=${VMM_OUT:-${CPRHOLD_OUT:+$CPRHOLD_OUT/vmm}}
OUT=${OUT:-/tmp/vmm-test}
mkdir -p "$OUT"
rm -f "$OUT"/*.log
# state files on tmpfs (the output directory may be a slow 9p share)
ST=${VMM_STATE_DIR:-/tmp/vmm-state}
mkdir -p "$ST"
RUN=${VMM_RUN_SECS:-4}
N=0 PASS=0 FAIL=0

tap() {	# tap <status> <name>
	N=$((N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $N $2"; PASS=$((PASS + 1))
	else
		echo "not ok $N $2"; FAIL=$((FAIL + 1))
	fi
}

# run <name> <log> <args...>: run cprhold-vmm with --check, keep the log
run() {
	local name=$1 log=$OUT/$2 rc
	shift 2
	echo "# \$ cprhold-vmm $*"
	"$VMM" --check "$@" > "$log" 2>&1
	rc=$?
	sed 's/^/#   /' "$log"
	tap $rc "$name"
	return $rc
}

# expect <name> <log> <extended regexp>: the log has a matching line
expect() {
	grep -Eq "$3" "$OUT/$2"
	tap $? "$1"
}

# the counters one process saved must be where the next one resumed
continuity() {	# continuity <name> <dump log> <restore log>
	local a b
	a=$(sed -nE 's/^  (vcpu[0-9]+): .* count=([0-9]+) hb=.*/\1 \2/p' "$OUT/$2")
	b=$(sed -nE 's/^cprhold-vmm:   (vcpu[0-9]+): count=([0-9]+) heartbeats=[0-9]+$/\1 \2/p' "$OUT/$3")
	echo "# saved:   $(echo $a)"
	echo "# resumed: $(echo $b)"
	[ -n "$a" ] && [ "$a" = "$b" ]
	tap $? "$1"
}

scenario_boot() {
	run "boot: 1 vCPU runs, heartbeats, irqfd kicks counted" boot.log --run "$RUN"
	expect "boot: heartbeat lines advance" boot.log '^heartbeat vcpu0 seq=2 '
	expect "boot: guest counted the eventfd kicks" boot.log 'every kick arrived: [1-9][0-9]* sent'
}

scenario_smp() {
	run "smp: 4 vCPUs, 2 memslots" smp.log --run "$RUN" --vcpus 4 --mem 32 --mem-split
	expect "smp: vcpu3 heartbeats" smp.log '^heartbeat vcpu3 seq=[1-9]'
	expect "smp: kicks rotate to vcpu3" smp.log 'vcpu3: count=[0-9]+ heartbeats=[0-9]+ \(this process [0-9]+\) irqs=[1-9]'
}

scenario_recreate() {
	local st=$ST/recreate.state
	rm -f "$st"
	run "recreate: 4 vCPUs run, stop, dump" recreate-dump.log \
		--run "$RUN" --vcpus 4 --dump-state "$st"
	run "recreate: second process restores and continues" recreate-restore.log \
		--run "$RUN" --restore-state "$st"
	continuity "recreate: counters resume exactly where they stopped" \
		recreate-dump.log recreate-restore.log
	expect "recreate: registers/sregs/lapic/... identical" recreate-restore.log \
		'verify: restored state is identical'
	expect "recreate: pause measured" recreate-restore.log 'recreate pause: .* = [0-9.]+ ms'
	"$VMM" --show-state "$st" > "$OUT/show.log" 2>&1
	tap $? "recreate: --show-state reads the file"
}

scenario_shm() {
	local st=$ST/shm.state
	rm -f "$st" /dev/shm/cprhold-vmm-test.*
	run "shm: RAM in /dev/shm files, 2 slots, dump" shm-dump.log \
		--run "$RUN" --vcpus 2 --mem 64 --mem-split \
		--mem-path /dev/shm/cprhold-vmm-test --dump-state "$st"
	run "shm: restore maps the same files at the same addresses" shm-restore.log \
		--run "$RUN" --restore-state "$st" --same-hva
	continuity "shm: counters continue" shm-dump.log shm-restore.log
	rm -f /dev/shm/cprhold-vmm-test.*
}

# handover <tag> <vcpus> <extra restore args...>: a VM runs with RAM in
# /dev/shm, a successor is pre-started with --wait, SIGTERM makes the old
# process stop and dump; logs are $OUT/<tag>-dump.log, <tag>-restore.log
handover() {
	local tag=$1 vcpus=$2 st=$ST/$1.state mem=/dev/shm/cprhold-vmm-$1 pid rpid
	shift 2
	rm -f "$st" $mem.*
	"$VMM" --check --vcpus "$vcpus" --mem-path $mem --dump-state "$st" --run 600 \
		> "$OUT/$tag-dump.log" 2>&1 &
	pid=$!
	sleep 3
	"$VMM" --check --restore-state "$st" --wait --vcpus "$vcpus" --mem-path $mem \
		"$@" > "$OUT/$tag-restore.log" 2>&1 &
	rpid=$!
	sleep 2		# the successor has its VM and vCPUs by now
	kill -TERM $pid
	wait $pid
	HANDOVER_DUMP_RC=$?
	wait $rpid
	HANDOVER_RESTORE_RC=$?
	rm -f $mem.*
}

scenario_wait() {
	# the successor is started first and waits, like cpr-transfer's target;
	# RAM stays in /dev/shm and nothing is verified: the best-case recreate
	handover wait 2 --run "$RUN" --no-verify
	sed 's/^/#   /' "$OUT/wait-dump.log"
	tap $HANDOVER_DUMP_RC "wait: SIGTERM stops the VM and dumps it"
	sed 's/^/#   /' "$OUT/wait-restore.log"
	tap $HANDOVER_RESTORE_RC "wait: the pre-started successor resumed the VM"
	continuity "wait: counters continue" wait-dump.log wait-restore.log
}

pause_of() {	# pause_of <restore log>: "<host ms> <guest vcpu0 ms>"
	echo "$(sed -nE 's/.*recreate pause: stop requested -> first vCPU resumed = ([0-9.]+) ms.*/\1/p' "$1")" \
	     "$(sed -nE 's/.*guest-observed pause: vcpu0 saw a TSC gap of <? ?([0-9.]+) ms.*/\1/p' "$1")"
}

# repeated measurements: pre-started successor (--wait) and a successor
# started after the dump, both with RAM in /dev/shm and no verification
scenario_bench() {
	local i cold="" warm="" st=$ST/bench.state mem=/dev/shm/cprhold-vmm-bench
	for i in 1 2 3; do
		handover bench-warm$i 2 --run 2 --no-verify
		[ "$HANDOVER_DUMP_RC$HANDOVER_RESTORE_RC" = 00 ]
		tap $? "bench: warm handover $i"
		warm="$warm [$(pause_of "$OUT/bench-warm$i-restore.log")]"
		rm -f "$st" $mem.*
		"$VMM" --vcpus 2 --mem-path $mem --dump-state "$st" --run 3 \
			> "$OUT/bench-cold$i-dump.log" 2>&1 &&
		"$VMM" --restore-state "$st" --run 2 --no-verify \
			> "$OUT/bench-cold$i-restore.log" 2>&1
		tap $? "bench: cold restore $i"
		cold="$cold [$(pause_of "$OUT/bench-cold$i-restore.log")]"
		rm -f $mem.*
	done
	echo "# bench [host-measured ms, guest-observed ms]:"
	echo "#   successor pre-started (--wait):$warm"
	echo "#   successor started after the dump:$cold"
}

scenario_tsc_value() {
	local st=$ST/tscv.state
	rm -f "$st"
	run "tsc-value: dump" tscv-dump.log --run "$RUN" --vcpus 2 --dump-state "$st"
	run "tsc-value: restore with the TSC frozen" tscv-restore.log \
		--run "$RUN" --restore-state "$st" --tsc-mode value
	expect "tsc-value: state identical" tscv-restore.log 'verify: restored state is identical'
}

[ -c /dev/kvm ] || { echo "1..0 # SKIP no /dev/kvm"; exit 0; }
[ -x "$VMM" ] || { echo "Bail out! $VMM not built (run make on the host)"; exit 1; }
# Keep one idle VM for the whole run: then the VMs the scenarios create and
# destroy never flip KVM's static keys, and no kernel text gets patched while
# vCPUs run.  Under QEMU TCG that patching sporadically ends in an "Oops:
# int3" panic of the test VM.  Inside scripts/vmtest the holder is left to
# die with the VM (stopping it would patch text once more); elsewhere it is
# stopped on exit.
"$VMM" --idle --quiet &
HOLDER=$!
if [ -z "${CPRHOLD_OUT:-}" ]; then
	trap 'kill -TERM $HOLDER 2>/dev/null; wait $HOLDER 2>/dev/null' EXIT
fi
sleep 1
echo "TAP version 13"
echo "# kernel $(uname -r), $(nproc) CPUs, output in $OUT"
scenarios=${*:-boot smp recreate shm wait tsc-value}
for s in $scenarios; do
	"scenario_${s//-/_}"
done
echo "# recreate pauses (stop requested -> first vCPU resumed):"
for f in "$OUT"/*-restore.log; do
	[ -f "$f" ] || continue
	echo "#   $(basename "$f" -restore.log): $(sed -nE 's/.*recreate pause: stop requested -> first vCPU resumed = ([0-9.]+ ms).*/\1/p' "$f")," \
		"guest (vcpu0) saw $(sed -nE 's/.*guest-observed pause: vcpu0 saw a TSC gap of ([<0-9. ]+ ms).*/\1/p' "$f")"
done
echo "1..$N"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
