#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/qemu_pause.sh - guest pause of a QEMU live update: stock
# cpr-transfer over UNIX sockets vs cprhold with new QEMU started beside
# old QEMU (two phases) vs cprhold with old QEMU exiting first (wait=off),
# on each test kernel, in the same VM run.
#
# Builds QEMU with qemu-patches/ (scripts/qemu-build), boots the test VM
# for each kernel and runs selftests/qemu/cprhold_qemu.py --only pause
# --bench N there (nested KVM, the heartbeat guest with its RAM on a
# memfd).  Per kernel and transport it reports the median and quartiles of
#   qmp    old QEMU's STOP event to new QEMU's RESUME event (host clock)
#   beat   the gap between the guest's heartbeat lines, as the host saw it
#   tsc    the guest's own largest TSC gap, the pause the guest can
#          measure by itself; a run in which QEMU set the guest TSC back
#          (stock CPR restores the TSC saved at the stop) has none, and is
#          counted as "set back N" instead
# Results: bench/results/qemu_pause.{json,txt,dat} and, with gnuplot,
# qemu_pause.png.  The last lines give the ratios of cprhold (beside,
# target <= 1.0x) and of cprhold with adopt=on (target <= 0.5x) to stock
# cpr-transfer per kernel, and of the same cprhold modes with the edu
# device passed through (vfio-pci) to those without (target <= 1.2x).
#
# Usage: bench/qemu_pause.sh [-n REPS] [-k RELEASE]...   (default: 7 reps,
#        the kernels of scripts/setup's matrix)
# Environment: CPRHOLD_CACHE, VM_TIMEOUT, BENCH_ICOUNT (as scripts/bench:
# default 0, the test VM counts instructions; "off" for the host clock).

set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${CPRHOLD_CACHE:-${HOME:-/root}/.cache/cprhold}
RES=$REPO/bench/results
REPS=7
KERNELS=()

while getopts n:k:h opt; do
	case $opt in
	n) REPS=$OPTARG ;;
	k) KERNELS+=("$OPTARG") ;;
	*) sed -n '/^# Usage:/,/^# Environment/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
[ ${#KERNELS[@]} -gt 0 ] || read -r -a KERNELS <<<"$(cat "$CACHE/kernels/matrix")"

mkdir -p "$RES"
ICOUNT=()
[ "${BENCH_ICOUNT:-0}" = off ] || ICOUNT=(-i "${BENCH_ICOUNT:-0}")
"$REPO/scripts/qemu-build" >/dev/null || {
	echo "qemu_pause: scripts/qemu-build failed" >&2
	exit 1
}
# cprholdctl and the selftests' container tools (a fresh checkout has none)
make -s -C "$REPO" selftests >/dev/null || {
	echo "qemu_pause: make selftests failed" >&2
	exit 1
}

for rel in "${KERNELS[@]}"; do
	out=$REPO/build/bench-qemu/$rel
	src=$REPO/build/bench-qemu/kmod/$rel
	ko=$src/kmod/cprhold.ko
	rm -rf "$src"
	mkdir -p "$src"
	cp -r "$REPO/Kbuild" "$REPO/kmod" "$REPO/uapi" "$src/"
	make -s -C "$("$REPO/scripts/kdir" "$rel")" M="$src" modules >/dev/null ||
		{ echo "qemu_pause: the module does not build for $rel" >&2; exit 1; }
	echo "qemu_pause: $rel, $REPS runs per transport" >&2
	# cprhold_kvm.ko too: without it adopt=on falls back to a new VM
	"$REPO/scripts/vmtest" -k "$rel" -m "$ko" -m "${ko%/*}/cprhold_kvm.ko" "${ICOUNT[@]}" \
		-o "$out" -t "${VM_TIMEOUT:-1800}" -- \
		"modprobe cprhold && /usr/bin/python3 $REPO/selftests/qemu/cprhold_qemu.py --only pause --bench $REPS --json $out/qemu_pause.json" \
		>"$out.log" 2>&1 || {
		echo "qemu_pause: the VM run on $rel failed (log: $out.log)" >&2
		tail -n 20 "$out.log" >&2
		exit 1
	}
done

/usr/bin/python3 - "$RES" "$REPO/build/bench-qemu" "${KERNELS[@]}" <<'EOF'
import json, os, statistics, sys

res, base, kernels = sys.argv[1], sys.argv[2], sys.argv[3:]
all_runs = {}
def quart(v):
    v = sorted(v)
    if len(v) < 2:
        return v[0], v[0], v[0]
    q = statistics.quantiles(v, n=4, method="inclusive")
    return q[0], statistics.median(v), q[2]

lines = ["guest pause in ms: median [first-third quartile] (n runs)",
         "%-24s %-26s %-26s %-26s %-26s" % ("kernel", "transport",
                                           "qmp STOP->RESUME",
                                           "heartbeat gap", "guest TSC gap")]
dat = ["# kernel transport n qmp_q1 qmp_median qmp_q3 beat_median tsc_median"]
ratios = []
for k in kernels:
    with open(os.path.join(base, k, "qemu_pause.json")) as f:
        r = json.load(f)
    all_runs[k] = r
    med_of = {}
    for name, runs in r.get("pause", {}).items():
        cols, med = [], {}
        for key in ("qmp_ms", "beat_gap_ms", "tsc_gap_ms"):
            v = [x[key] for x in runs if key in x]
            if v:
                q1, m, q3 = quart(v)
                med[key] = m
                cols.append("%.0f [%.0f-%.0f] (%d)" % (m, q1, q3, len(v)))
            else:
                med[key] = float("nan")
                cols.append("-")
        med_of[name] = med
        back = sum(1 for x in runs if x.get("tsc_set_back"))
        if back:
            cols[-1] += " set back %d" % back
        lines.append("%-24s %-26s %-26s %-26s %-26s" % (k, name, *cols))
        v = [x["qmp_ms"] for x in runs]
        q1, m, q3 = quart(v)
        dat.append("%s %s %d %.2f %.2f %.2f %.2f %.2f" % (
            k, name, len(v), q1, m, q3, med["beat_gap_ms"],
            med["tsc_gap_ms"]))
    base_m = med_of.get("cpr-transfer-unix", {})
    for mode, label, target in (("cprhold-prestarted", "cprhold (beside)", 1.0),
                                ("cprhold-adopt", "cprhold + adopt", 0.5)):
        ours = med_of.get(mode, {})
        for key, what in (("qmp_ms", "QMP STOP->RESUME"),
                          ("tsc_gap_ms", "guest TSC gap")):
            have = all(x.get(key, 0) > 0 for x in (base_m, ours))
            if key == "tsc_gap_ms" and not have:
                ratios.append("%-24s %s / cpr-transfer, %-17s n/a: no TSC "
                              "gap where the guest TSC was set back" % (
                                  k, label, what + ":"))
            elif have:
                ratio = ours[key] / base_m[key]
                ratios.append("%-24s %s / cpr-transfer, %-17s "
                              "%.2fx  target <= %.1fx: %s" % (
                                  k, label, what + ":", ratio, target,
                                  "met" if ratio <= target else "MISSED"))
    # A VFIO device's share: the same mode with edu passed through
    for mode, label in (("cprhold-prestarted", "cprhold (beside)"),
                        ("cprhold-adopt", "cprhold + adopt")):
        a = med_of.get(mode + "-vfio", {}).get("qmp_ms", 0)
        b = med_of.get(mode, {}).get("qmp_ms", 0)
        if a > 0 and b > 0:
            ratios.append("%-24s %s with VFIO edu / without, QMP "
                          "STOP->RESUME: %.2fx  target <= 1.2x: %s" % (
                              k, label, a / b,
                              "met" if a / b <= 1.2 else "MISSED"))
lines += [""] + ratios
with open(os.path.join(res, "qemu_pause.json"), "w") as f:
    json.dump(all_runs, f, indent=1)
with open(os.path.join(res, "qemu_pause.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
with open(os.path.join(res, "qemu_pause.dat"), "w") as f:
    f.write("\n".join(dat) + "\n")
print("\n".join(lines))
EOF

if command -v gnuplot >/dev/null; then
	gnuplot <<EOF
set terminal pngcairo size 900,480
set output "$RES/qemu_pause.png"
set title "QEMU live update: guest pause (QMP STOP to RESUME, median, quartiles)"
set ylabel "ms"
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.6 border -1
set xtics rotate by -20
set key off
plot "$RES/qemu_pause.dat" using 5:4:6:xtic(sprintf("%s\n%s", strcol(2), substr(strcol(1), 1, 6)))
EOF
	echo "qemu_pause: plot in bench/results/qemu_pause.png" >&2
fi
