#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/tools/profile-fd.sh [N] - inside the test VM: where the time of an
# fd handover goes.  Runs fdbench's cprhold and scm methods once for N fds
# (default 256) under the function_graph tracer, with the top-level
# ioctl/socket calls (or $PROFILE_ROOTS) as graph roots and one level
# below them, and sums the time of each callee per root.  Not part of make bench (the tracer's own
# overhead is large under TCG: compare shares, not times).  From the host:
#   scripts/vmtest -k REL -m build/bench/kmod/REL/kmod/cprhold.ko \
#	-o build/vm-bench-prof -- bench/tools/profile-fd.sh 256
N=${1:-256}
T=/sys/kernel/tracing
OUT=${CPRHOLD_OUT:-/tmp}
modprobe cprhold || exit 1
ulimit -n 65536
cd "$(dirname "$0")/.." || exit 1
./fdbench -r 1 -m cprhold,scm "$N" > /dev/null || exit 1	# warm up

echo 0 > $T/tracing_on
echo function_graph > $T/current_tracer
echo 2 > $T/max_graph_depth
echo funcgraph-proc > $T/trace_options 2>/dev/null
printf '%s\n' ${PROFILE_ROOTS:-cprhold_park cprhold_retrieve cprhold_seal cprhold_claim \
	unix_stream_sendmsg scm_detach_fds} > $T/set_graph_function
echo 16384 > $T/buffer_size_kb
: > $T/trace
echo 1 > $T/tracing_on
./fdbench -r 1 -m cprhold,scm "$N" > /dev/null
echo 0 > $T/tracing_on
cp $T/trace "$OUT/profile-fd-$N.trace"
echo nop > $T/current_tracer

# Sum the time of each direct callee per root (depth 0 "fn() {" opens a
# root, depth 1 lines carry their durations).
python3 - "$OUT/profile-fd-$N.trace" <<'PY' | tee "$OUT/profile-fd-$N.txt"
import collections, re, sys
tot, cnt, roots, rcnt = (collections.Counter() for _ in range(4))
root = None
for line in open(sys.argv[1]):
    parts = line.rstrip("\n").split("|")
    if len(parts) < 3 or ")" not in parts[0]:
        continue
    m = re.search(r"([\d.]+) us", parts[1])
    us = float(m.group(1)) if m else None
    fn = parts[2]
    depth = (len(fn) - len(fn.lstrip(" ")) - 2) // 2
    name = re.sub(r"\[.*?\]|[(){};]|/\*|\*/", "", fn).strip()
    if depth == 0 and fn.rstrip().endswith("{"):
        root = name
    elif depth == 0 and us is not None:
        roots[name] += us
        rcnt[name] += 1
    elif depth == 1 and us is not None and root:
        tot[(root, name)] += us
        cnt[(root, name)] += 1
for r in roots:
    print("%-24s %10.1f us in %d calls" % (r, roots[r], rcnt[r]))
for (r, n), v in sorted(tot.items(), key=lambda x: (x[0][0], -x[1])):
    print("  %-22s %-34s %9.1f us %5d calls" % (r, n, v, cnt[(r, n)]))
PY
