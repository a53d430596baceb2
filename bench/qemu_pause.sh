#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/qemu_pause.sh - guest pause of a QEMU live update: stock
# cpr-transfer over UNIX sockets vs cprhold, on each test kernel.
#
# Builds QEMU with qemu-patches/ (scripts/qemu-build), boots the test VM
# for each kernel and runs selftests/qemu/cprhold_qemu.py --only pause
# --bench N there (nested KVM, the heartbeat guest with its RAM on a
# memfd).  Per kernel and transport it reports the median and the range of
#   qmp    old QEMU's STOP event to new QEMU's RESUME event (host clock)
#   beat   the gap between the guest's heartbeat lines, as the host saw it
#   tsc    the guest's own largest TSC gap (QEMU restores the TSC, so this
#          is the pause the guest can measure by itself)
# Results: bench/results/qemu_pause.{json,txt,dat} and, with gnuplot,
# qemu_pause.png.
#
# Usage: bench/qemu_pause.sh [-n REPS] [-k RELEASE]...   (default: 5 reps,
#        the kernels of scripts/setup's matrix)
# Environment: CPRHOLD_CACHE, VM_TIMEOUT.

set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${CPRHOLD_CACHE:-${HOME:-/root}/.cache/cprhold}
RES=$REPO/bench/results
REPS=5
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
"$REPO/scripts/qemu-build" >/dev/null || {
	echo "qemu_pause: scripts/qemu-build failed" >&2
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
	"$REPO/scripts/vmtest" -k "$rel" -m "$ko" -o "$out" -t "${VM_TIMEOUT:-1800}" -- \
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
lines = ["guest pause in ms: median [min-max] over the runs",
         "%-24s %-28s %-22s %-22s %-22s" % ("kernel", "transport", "qmp STOP->RESUME",
                                           "heartbeat gap", "guest TSC gap")]
dat = ["# kernel transport qmp_median qmp_min qmp_max beat_median tsc_median"]
for k in kernels:
    with open(os.path.join(base, k, "qemu_pause.json")) as f:
        r = json.load(f)
    all_runs[k] = r
    for name, runs in r.get("pause", {}).items():
        cols, med = [], {}
        for key in ("qmp_ms", "beat_gap_ms", "tsc_gap_ms"):
            v = [x[key] for x in runs if key in x]
            if v:
                med[key] = statistics.median(v)
                cols.append("%.1f [%.1f-%.1f]" % (med[key], min(v), max(v)))
            else:
                med[key] = float("nan")
                cols.append("-")
        lines.append("%-24s %-28s %-22s %-22s %-22s" % (k, name, *cols))
        v = [x["qmp_ms"] for x in runs]
        dat.append("%s %s %.2f %.2f %.2f %.2f %.2f" % (
            k, name, med["qmp_ms"], min(v), max(v), med["beat_gap_ms"],
            med["tsc_gap_ms"]))
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
set title "QEMU live update: guest pause (QMP STOP to RESUME, median, min-max)"
set ylabel "ms"
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.6 border -1
set xtics rotate by -20
set key off
plot "$RES/qemu_pause.dat" using 3:4:5:xtic(sprintf("%s\n%s", strcol(2), substr(strcol(1), 1, 6)))
EOF
	echo "qemu_pause: plot in bench/results/qemu_pause.png" >&2
fi
