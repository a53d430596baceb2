#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-title: guest pause of a VMM handover, KVM VM adoption vs recreating the VM
# bench-baseline: recreate
# bench-vm-mem: 2G
#
# Runs inside the test VM (scripts/bench-guest.sh, or by hand there); raw
# samples "vmm_pause,kernel,method,param,rep,ns" on stdout, param = vCPUs.
# A real guest (userspace/tools/vmm/cprhold-vmm) runs in container A and is
# handed to a pre-started successor in container B through cprhold:
#   adopt           B adopts the VM (CPRHOLD_RETRIEVE_ADOPT_KVM)
#   recreate        B creates a new VM and vCPUs before the pause and
#                   restores the state with KVM_SET_* (QEMU's CPR modes)
# Methods: the host-measured pause (A's stop request -> first vCPU back in
# KVM_RUN in B), ".guest": the guest's pause, the time in which none of
# its vCPUs ran at the resume point (from their TSC gaps there: from the
# last vCPU to stop to the first to run again), ".vcpugap": the largest
# TSC gap one vCPU saw there (which also holds the time its thread waited
# for a CPU: more vCPUs than the test VM has CPUs), and "adopt.ioctl": the kernel's adoption alone (B's
# CPRHOLD_RETRIEVE_ADOPT_KVM call), split by the cprhold_kvm_adopt
# tracepoint (in a trace instance of its own) into "adopt.checks" (locks,
# preconditions), "adopt.notifier" (KVM's MMU notifier moved to B's
# address space; A seals with CPRHOLD_SEAL_PREPARE_ADOPT, so this is its
# registration there, the SRCU grace period of leaving A's mm having
# passed in the background: "adopt.detach" from the cprhold_kvm_detach
# tracepoint, and "adopt.wait" what of it B still waited for) and
# "adopt.commit" (on 6.1 with the NX kthread's cgroup move); each for
# every guest RAM size, as
# "@<MiB>M" (e.g. "adopt.guest@256M"), param = vCPUs.  summarize.py compares each method
# with the recreate method of the same variant and RAM size; the medians
# and ratios also go to stderr.
# One untimed handover of each mode comes first: the first adoption after
# boot waits for SRCU's first grace period (10-18 ms, once).
# Environment: BENCH_VMM_TIMEOUT (s per side of one handover, default
# 120), BENCH_VMM_REPS (default 5), BENCH_VMM_VCPUS (default
# "1 4 16"), BENCH_VMM_MEM_MB (guest RAM sizes, default "64").
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
VMM=$REPO/userspace/tools/vmm/cprhold-vmm
CT=$REPO/selftests/tools/vmm_ct
REPS=${BENCH_VMM_REPS:-5}
HANDOVER_TIMEOUT=${BENCH_VMM_TIMEOUT:-120}
MEMS=${BENCH_VMM_MEM_MB:-64}
L=/tmp/vmm-pause
SH=/tmp/vmm-pause-shared
REL=$(uname -r)

[ -x "$VMM" ] && [ -x "$CT" ] || { echo "vmm_pause: cprhold-vmm or vmm_ct not built" >&2; exit 1; }
[ -c /dev/kvm ] || { echo "vmm_pause: no /dev/kvm" >&2; exit 1; }
modprobe cprhold && modprobe cprhold_kvm || { echo "vmm_pause: no cprhold_kvm" >&2; exit 1; }
rm -rf "$L" "$SH"
mkdir -p "$L" "$SH"
chmod 1777 "$SH"

# The adoption's phases, from the cprhold_kvm_adopt tracepoint
TI=/sys/kernel/tracing/instances/vmm_pause-$$
if mkdir "$TI" 2>/dev/null && echo 1 >"$TI/events/cprhold/cprhold_kvm_adopt/enable" &&
	echo 1 >"$TI/events/cprhold/cprhold_kvm_detach/enable"; then
	trap 'rmdir "$TI" 2>/dev/null' EXIT
else
	echo "vmm_pause: no cprhold_kvm_adopt tracepoint, no adoption phases" >&2
	TI=
fi
# phases <mem> <vcpus> <rep> <tag>: the samples of the one adoption traced
# since the last call
phases() {
	local f=$L/$4.trace
	[ -n "$TI" ] || return 0
	cat "$TI/trace" >"$f"
	echo >"$TI/trace"
	awk -v pre="vmm_pause,$REL" -v m="$1" -v p="$2,$3" '
		/cprhold_kvm_detach:.* ret 0:/ {
			for (i = 1; i < NF; i++)
				if ($i == "detach") d = $(i + 1)
		}
		/cprhold_kvm_adopt:.* ret 0:/ {
			for (i = 1; i < NF; i++) {
				if ($i == "checks") c = $(i + 1)
				if ($i == "move") v = $(i + 1)
				if ($i == "commit") k = $(i + 1)
				if ($i == "cgroup") g = $(i + 1)
				if ($i == "(waited") w = $(i + 1)
			}
			n++
		}
		END {
			if (n != 1) {
				printf "vmm_pause: %d adoptions traced, not 1\n", n > "/dev/stderr"
				exit 1
			}
			printf "%s,adopt.checks@%sM,%s,%d\n", pre, m, p, c
			printf "%s,adopt.notifier@%sM,%s,%d\n", pre, m, p, v
			printf "%s,adopt.commit@%sM,%s,%d\n", pre, m, p, k + g
			# Sealed with CPRHOLD_SEAL_PREPARE_ADOPT: the notifier left
			# the old mm in the background (detach); B waited this long.
			if (d != "") {
				printf "%s,adopt.detach@%sM,%s,%d\n", pre, m, p, d
				printf "%s,adopt.wait@%sM,%s,%d\n", pre, m, p, w
			}
		}' "$f"
}

val() { sed -nE "s/.*cprhold-vmm: result .*[ ]$2=([^ ]+).*/\1/p" "$1" | tail -n 1; }
ns() { awk -v ms="$1" 'BEGIN { printf "%d", ms * 1e6 }'; }

# one <mode> <vcpus> <MiB> <rep>: one handover, prints its sample lines
one() {
	local mode=$1 vcpus=$2 mem=$3 rep=$4 tag=$1-$2-$3-$4 extra=() bct=() a gp rc=0
	[ "$mode" = recreate ] && extra=(--recreate) bct=(-k)
	# A handover that hangs is a failure with its logs, not a silent VM
	# timeout: each side gets HANDOVER_TIMEOUT seconds.
	timeout -k 5 "$HANDOVER_TIMEOUT" "$CT" -n A -k -s "$SH" -- "$VMM" --quiet --vcpus "$vcpus" --mem "$mem" --prefault --linger-ms 30000 \
		--run 2 --handover-out "p-$tag" --secret-out "/shared/$tag" "${extra[@]}" \
		> "$L/$tag-A.log" 2>&1 &
	a=$!
	timeout -k 5 "$HANDOVER_TIMEOUT" "$CT" -n B "${bct[@]}" -s "$SH" -- "$VMM" --vcpus "$vcpus" --handover-in "p-$tag" \
		--secret-file "/shared/$tag" --run 1 "${extra[@]}" > "$L/$tag-B.log" 2>&1 || rc=1
	wait $a || rc=1
	if [ $rc != 0 ] || [ "$(val "$L/$tag-B.log" counters)" != continuous ]; then
		echo "vmm_pause: $tag failed:" >&2
		grep -v '^heartbeat' "$L/$tag-B.log" | tail -n 5 >&2
		return 1
	fi
	echo "vmm_pause,$REL,$mode@${mem}M,$vcpus,$rep,$(ns "$(val "$L/$tag-B.log" pause_ms)")"
	# NA: a vCPU logged no gap at the resume point, no guest pause to record
	gp=$(val "$L/$tag-B.log" guest_pause_ms)
	if [ "$gp" = NA ]; then
		echo "vmm_pause: $tag: no guest pause found (a vCPU logged no gap there)" >&2
	else
		echo "vmm_pause,$REL,$mode.guest@${mem}M,$vcpus,$rep,$(ns "$gp")"
	fi
	echo "vmm_pause,$REL,$mode.vcpugap@${mem}M,$vcpus,$rep,$(ns "$(val "$L/$tag-B.log" guest_gap_ms)")"
	# the kernel's adoption alone: the CPRHOLD_RETRIEVE_ADOPT_KVM call
	if [ "$mode" = adopt ]; then
		echo "vmm_pause,$REL,adopt.ioctl@${mem}M,$vcpus,$rep,$(ns "$(val "$L/$tag-B.log" adopt_ioctl_ms)")"
		phases "$mem" "$vcpus" "$rep" "$tag" || return 1
	fi
	return 0
}

fail=0
# warm-up, not recorded
for mode in adopt recreate; do
	one "$mode" 1 "${MEMS%% *}" 0 >/dev/null || fail=1
done
[ -n "$TI" ] && echo >"$TI/trace"
for mem in $MEMS; do
	for vcpus in ${BENCH_VMM_VCPUS:-1 4 16}; do
		for ((rep = 1; rep <= REPS; rep++)); do
			# alternate, so that load changes hit both methods alike
			one adopt "$vcpus" "$mem" "$rep" || fail=1
			one recreate "$vcpus" "$mem" "$rep" || fail=1
		done
	done
done > "$L/samples.csv"
cat "$L/samples.csv"

# medians and ratios, for the log
awk -F, '
	{
		split($3, mg, "@"); g = "@" mg[2]
		v[$3 "," $4] = v[$3 "," $4] " " $6 / 1e6; keys[$4 "," g] = 1
	}
	function median(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++)
			for (j = i + 1; j <= n; j++)
				if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	END {
		for (k in keys) {
			split(k, kg, ","); p = kg[1]; g = kg[2]
			ah = median(v["adopt" g "," p]); rh = median(v["recreate" g "," p])
			ag = median(v["adopt.guest" g "," p]); rg = median(v["recreate.guest" g "," p])
			printf "vmm_pause: %s vCPUs, RAM %s, median ms: host adopt %.1f recreate %.1f (ratio %.2f); guest adopt %.1f recreate %.1f (ratio %.2f)\n",
				p, substr(g, 2), ah, rh, rh ? ah / rh : 0, ag, rg, rg ? ag / rg : 0
			if (v["adopt.notifier" g "," p] != "")
				printf "vmm_pause: %s vCPUs, RAM %s, adoption ioctl %.2f ms: checks %.2f, notifier move %.2f, commit %.2f\n",
					p, substr(g, 2), median(v["adopt.ioctl" g "," p]),
					median(v["adopt.checks" g "," p]), median(v["adopt.notifier" g "," p]),
					median(v["adopt.commit" g "," p])
		}
	}' "$L/samples.csv" >&2
[ -n "${CPRHOLD_OUT:-}" ] && mkdir -p "$CPRHOLD_OUT/vmm_pause" && cp "$L"/*.log "$CPRHOLD_OUT/vmm_pause/" 2>/dev/null
[ $fail = 0 ] && [ -s "$L/samples.csv" ]
