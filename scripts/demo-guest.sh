#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of scripts/demo: runs inside the test VM.
#
# A real KVM guest (userspace/tools/vmm/cprhold-vmm: 2 vCPUs counting in
# guest RAM, TSC-stamping every step, a serial heartbeat, an irqfd kick)
# runs in container A.  Container B, started beside it with nothing but
# /dev/cprhold (no /dev/kvm), takes the running VM over through a cprhold
# session with KVM VM adoption.  Then the same handover is done the way
# QEMU's CPR modes do it (--recreate: new VM and vCPUs, state copied with
# KVM_SET_*) for comparison.  Writes $CPRHOLD_OUT/summary.txt.
set -u
cd "$(dirname "$0")/.." || exit 1
S=$CPRHOLD_OUT/summary.txt
VMM=$PWD/userspace/tools/vmm/cprhold-vmm
CT=$PWD/selftests/tools/vmm_ct
L=/tmp/demo			# logs on tmpfs while the guest runs
SH=/tmp/demo-shared		# the "management layer": passes the secret on
MEM=${DEMO_MEM_MB:-256}
VCPUS=${DEMO_VCPUS:-2}
rm -rf "$L" "$SH"
mkdir -p "$L" "$SH"
chmod 1777 "$SH"

say() { echo "$*" | tee -a "$S"; }
val() { sed -nE "s/.*cprhold-vmm: result .*[ ]$2=([^ ]+).*/\1/p" "$1" | tail -n 1; }

{
	echo
	echo "=== cprhold demo on $(uname -r) ==="
	echo "modprobe cprhold cprhold_kvm"
	modprobe cprhold && modprobe cprhold_kvm
	echo "  module:  $(modinfo -F description cprhold), version $(cat /sys/module/cprhold/version)"
	echo "  device:  $(ls -l /dev/cprhold)"
	echo "  kvm:     $(ls -l /dev/kvm)"
	echo "  vfio:    edu $CPRHOLD_EDU in IOMMU group $CPRHOLD_VFIO_GROUP -> /dev/vfio/$CPRHOLD_VFIO_GROUP"
} > "$S" 2>&1
cat "$S"

# handover <tag> <mode options...>: A runs the guest for 4 s and hands it
# over; B is pre-started, waits for the secret, resumes the guest, runs 3 s.
handover() {
	local tag=$1 a b
	shift
	"$CT" -n "container-A" -k -s "$SH" -- "$VMM" --check --vcpus "$VCPUS" --mem "$MEM" \
		--prefault --run 4 --handover-out "demo-$tag" --secret-out "/shared/$tag.secret" \
		--kick-in-gap "$@" > "$L/$tag-A.log" 2>&1 &
	a=$!
	"$CT" -n "container-B" "${B_CT[@]}" -s "$SH" -- "$VMM" --check --vcpus "$VCPUS" \
		--handover-in "demo-$tag" --secret-file "/shared/$tag.secret" --run 3 "$@" \
		> "$L/$tag-B.log" 2>&1
	b=$?
	wait $a
	RC_A=$? RC_B=$b
}

say ""
say "--- 1. live handover with KVM VM adoption: container A -> container B ---"
say "A: cprhold-vmm --vcpus $VCPUS --mem $MEM --handover-out demo-adopt  (has /dev/kvm)"
say "B: cprhold-vmm --handover-in demo-adopt  (started beside A; only /dev/cprhold, no /dev/kvm)"
B_CT=()
handover adopt
A=$L/adopt-A.log B=$L/adopt-B.log
say ""
say "guest heartbeat in A, before:"
grep '^heartbeat' "$A" | tail -n 2 | sed 's/^/  A| /' | tee -a "$S"
say "A: $(sed -nE 's/^cprhold-vmm: handover-out: (session .*)/\1/p' "$A" | head -n 1)"
sed -nE 's/^cprhold-vmm: handover-out: (at the stop .*)/   \1/p' "$A" | tee -a "$S"
say "B: $(sed -nE 's/^cprhold-vmm: handover-in: //p' "$B")"
say "guest heartbeat in B, after (the same guest, counting on):"
grep '^heartbeat' "$B" | head -n 2 | sed 's/^/  B| /' | tee -a "$S"
grep -E 'check: (ok|FAIL) - (vcpu[0-9] (counter|registers)|the interrupt)' "$B" |
	sed 's/^cprhold-vmm: /  /' | tee -a "$S"
say "timeline (B's view, ms after A's stop request):"
sed -nE 's/^cprhold-vmm: timeline, ms after the stop request: //p' "$B" |
	sed -E 's/, (new:|old:|session )/\n\1/g' | sed 's/^/  /' | tee -a "$S"

say ""
say "--- 2. the same handover by recreating the VM (as QEMU's CPR modes do) ---"
say "B builds a new VM and vCPUs before the pause, then restores regs, sregs, FPU, XSAVE,"
say "XCRs, MSRs, LAPIC, events, MP state, IRQCHIP, PIT2, CLOCK with KVM_SET_*"
B_CT=(-k)
handover recreate --recreate
RA=$L/recreate-A.log RB=$L/recreate-B.log
say "B: $(sed -nE 's/^cprhold-vmm: handover-in: //p' "$RB")"

say ""
say "--- summary ---"
ok=1
for f in "$A" "$B" "$RA" "$RB"; do
	grep -q 'checks: [0-9]* passed, 0 failed' "$f" || ok=0
done
[ "$RC_A$RC_B" = 00 ] || ok=0
c_stop=$(sed -nE 's/.*at the stop vcpu0 count=([0-9]+) .*/\1/p' "$A")
c_end=$(sed -nE 's/.*  vcpu0: count=([0-9]+) .*/\1/p' "$B" | tail -n 1)
ap=$(val "$B" pause_ms) ag=$(val "$B" guest_pause_ms)
rp=$(val "$RB" pause_ms) rg=$(val "$RB" guest_pause_ms)
{
	printf '  guest vcpu0 counter: %s when A stopped it, %s found by B, %s when B stopped\n' \
		"$c_stop" "$(sed -nE 's/.*vcpu0 counter continues .*guest RAM has ([0-9]+)\).*/\1/p' "$B")" "$c_end"
	printf '  registers %s, counters %s, interrupt raised in the gap %s\n' \
		"$(val "$B" regs)" "$(val "$B" counters)" "$(val "$B" gap_irq)"
	printf '  handed over: %s fds; guest RAM kept in place: %s MiB; KVM state copied: %s bytes\n' \
		"$(val "$B" fds_moved)" "$(( $(val "$B" ram_bytes) >> 20 ))" "$(val "$B" state_bytes)"
	printf '\n  %-34s %12s %12s\n' "" adopt recreate
	printf '  %-34s %12s %12s\n' "host pause (stop -> vCPU runs), ms" "$ap" "$rp"
	printf '  %-34s %12s %12s\n' "guest pause (no vCPU ran, TSC), ms" "$ag" "$rg"
	printf '  %-34s %12s %12s\n' "fds moved" "$(val "$B" fds_moved)" "$(val "$RB" fds_moved)"
	printf '  %-34s %12s %12s\n' "KVM state copied, bytes" "$(val "$B" state_bytes)" "$(val "$RB" state_bytes)"
	printf '  %-34s %12s %12s\n' "successor opened /dev/kvm" "$(val "$B" kvm_fd)" "$(val "$RB" kvm_fd)"
	awk -v a="$ap" -v r="$rp" -v ga="$ag" -v gr="$rg" 'BEGIN {
		if (a > 0 && r > 0 && ga > 0 && gr > 0)
			printf "  pause ratio adopt/recreate in this one run: host %.2f, guest %.2f\n", a / r, ga / gr
		else if (a > 0 && r > 0)
			printf "  pause ratio adopt/recreate in this one run: host %.2f\n", a / r }'
	echo "  One run is not a measurement: under nested KVM in an emulated VM single"
	echo "  pauses spread 2-4x and a ratio can change sides from run to run."
	echo "  \"make bench\" takes medians of repeated runs and ends with the targets"
	echo "  table (bench/results/targets.txt, Documentation/performance.rst)."
	if [ $ok = 1 ]; then
		echo "demo: OK - the guest survived the handover; every check passed"
	else
		echo "demo: FAILED - see build/demo/logs/"
	fi
} | tee -a "$S"
mkdir -p "$CPRHOLD_OUT/logs" && cp "$L"/*.log "$CPRHOLD_OUT/logs/"
[ $ok = 1 ]
