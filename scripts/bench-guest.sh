#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/bench-guest.sh NAME... - inside the test VM (scripts/bench): load
# cprhold, then run each bench/vm/NAME.sh with its raw samples to
# $CPRHOLD_OUT/raw/NAME.csv, its messages to raw/NAME.log and its exit
# status to raw/NAME.rc.  Exits non-zero if any benchmark failed.
cd "$(dirname "$0")/../bench/vm" || exit 1
OUT=${CPRHOLD_OUT:?not in the test VM}
mkdir -p "$OUT/raw"
modprobe cprhold || { echo "bench-guest.sh: modprobe cprhold failed" >&2; exit 1; }
ulimit -n 65536
rc=0
for name in "$@"; do
	echo "# ---- bench $name ($(uname -r)) ----"
	start=$(date +%s)
	bash "./$name.sh" > "$OUT/raw/$name.csv" 2> >(tee "$OUT/raw/$name.log" >&2)
	brc=$?
	echo "# bench $name: exit $brc after $(( $(date +%s) - start ))s"
	echo "$brc" > "$OUT/raw/$name.rc"
	[ "$brc" -eq 0 ] || rc=1
done
exit $rc
