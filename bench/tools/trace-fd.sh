#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/tools/trace-fd.sh [N] [REPS] - inside the test VM: how much of
# cprhold's fd handover is the kernel's work.  Runs fdbench's cprhold
# method REPS times (default 11) for N fds (default 256) with the
# cprhold_ioctl tracepoint on (a trace instance of its own) and prints,
# next to fdbench's end-to-end and phase medians, the median time each
# ioctl took in the kernel (park, seal, claim, retrieve, per session).
# The rest of the end-to-end time is userspace and the successor's
# wake-up.  Not part of make bench; from the host (as make bench runs,
# instruction counting on):
#   scripts/vmtest -k REL -i 0 -m build/bench/kmod/REL/kmod/cprhold.ko \
#	-o build/vm-trace-fd -- bench/tools/trace-fd.sh 256
N=${1:-256}
REPS=${2:-11}
TI=/sys/kernel/tracing/instances/trace-fd-$$
modprobe cprhold || exit 1
ulimit -n 65536
cd "$(dirname "$0")/.." || exit 1
./fdbench -r 1 -m cprhold "$N" > /dev/null || exit 1	# warm up

mkdir "$TI" || exit 1
trap 'rmdir "$TI"' EXIT
echo 1 > "$TI/events/cprhold/cprhold_ioctl/enable"
./fdbench -r "$REPS" -m cprhold "$N" > /tmp/trace-fd.csv || exit 1
echo 0 > "$TI/events/cprhold/cprhold_ioctl/enable"
cat "$TI/trace" > /tmp/trace-fd.trace

python3 - /tmp/trace-fd.csv /tmp/trace-fd.trace "$N" <<'PY'
import collections, re, statistics, sys
csvf, tracef, n = sys.argv[1], sys.argv[2], sys.argv[3]
e2e = collections.defaultdict(list)
for line in open(csvf):
    f = line.strip().split(",")
    if len(f) == 6 and f[3] == n:
        e2e[f[2]].append(int(f[5]) / 1e3)
ioc = collections.defaultdict(list)
pat = re.compile(r"cprhold_ioctl: (\S+) session (\d+) ret (-?\d+) in (\d+) ns")
for line in open(tracef):
    m = pat.search(line)
    if m and int(m.group(3)) >= 0:
        ioc[m.group(1)].append(int(m.group(4)) / 1e3)
print("trace-fd: %s fds, medians in us (runs)" % n)
for k in sorted(e2e):
    print("  fdbench %-18s %9.1f (%d)" % (k, statistics.median(e2e[k]), len(e2e[k])))
tot = 0
for k in ("create", "park", "seal", "claim", "retrieve", "finish"):
    if k in ioc:
        med = statistics.median(ioc[k])
        if k in ("park", "seal", "claim", "retrieve"):
            tot += med
        print("  kernel  %-18s %9.1f (%d)" % (k, med, len(ioc[k])))
print("  kernel  park+seal+claim+retrieve %.1f us of cprhold's %.1f"
      % (tot, statistics.median(e2e.get("cprhold", [0]))))
PY
