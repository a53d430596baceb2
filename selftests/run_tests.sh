#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/run_tests.sh - run inside the test VM (scripts/vmtest): each test
# program in turn, its TAP output to the console and to $CPRHOLD_OUT/tap/.
# Usage: run_tests.sh [PROGRAM...]   (default: every program, in order)
# Each program's wall-clock seconds go to $CPRHOLD_OUT/times.tsv.

cd "$(dirname "$0")" || exit 1
OUT=${CPRHOLD_OUT:-/tmp/cprhold-selftests}
mkdir -p "$OUT/tap"

if [ $# -gt 0 ]; then
	progs=("$@")
else
	read -r -a progs <<<"$(make -s list)"
fi
if [ ${#progs[@]} -eq 0 ]; then
	echo "run_tests.sh: no test programs to run" >&2
	exit 1
fi

# Tests other than module_test expect the module loaded, as a user would.
modprobe cprhold || echo "run_tests.sh: modprobe cprhold failed" >&2

rc=0
for p in "${progs[@]}"; do
	name=$(basename "$p")
	echo "# ---- $name ($(uname -r)) ----"
	if [ ! -x "./$p" ]; then
		printf 'TAP version 13\n1..1\nnot ok 1 %s # not built\n' "$name" > "$OUT/tap/$name.tap"
		cat "$OUT/tap/$name.tap"
		rc=1
		continue
	fi
	t0=$(date +%s%N)
	"./$p" 2>&1 | tee "$OUT/tap/$name.tap"
	prc=${PIPESTATUS[0]}
	# Seconds per program, for the time table of scripts/check.
	printf '%s\t%d\n' "$name" $(( ($(date +%s%N) - t0) / 1000000000 )) >> "$OUT/times.tsv"
	echo "# exit=$prc" >> "$OUT/tap/$name.tap"
	[ "$prc" -eq 0 ] || rc=1
done
exit $rc
