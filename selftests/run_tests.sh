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
	# A name may be given without its directory (lib_vm_test) and
	# without the .sh of a script (qemu_cprhold_test).
	read -r -a all <<<"$(make -s list) $(make -s list-debug)"
	progs=()
	for a in "$@"; do
		# No fork per comparison: a fork costs about a second on the
		# debug kernel under TCG (basename here took 6 minutes there).
		for p in "${all[@]}"; do
			case ${p##*/} in
			"$a" | "$a.sh") [ "$p" != "$a" ] && a=$p && break ;;
			esac
		done
		progs+=("$a")
	done
else
	read -r -a progs <<<"$(make -s list)"
fi
if [ ${#progs[@]} -eq 0 ]; then
	echo "run_tests.sh: no test programs to run" >&2
	exit 1
fi

# Tests other than module_test expect the module loaded, as a user would.
modprobe cprhold || echo "run_tests.sh: modprobe cprhold failed" >&2

# A program that does not finish within CPRHOLD_TEST_TIMEOUT seconds is
# diagnosed (its processes' kernel stacks here, blocked tasks in dmesg),
# killed with everything it started, and fails; the programs after it
# still run.  The slowest program takes under two minutes under TCG.
TIMEOUT=${CPRHOLD_TEST_TIMEOUT:-300}

# descendants <pid>: the pid and every process below it, one per line.
descendants() {
	local all=() l pid ppid i
	while read -r pid ppid; do all+=("$pid $ppid"); done < <(ps -e -o pid=,ppid=)
	local -a set=("$1")
	for ((i = 0; i < ${#set[@]}; i++)); do
		for l in "${all[@]}"; do
			[ "${l#* }" = "${set[i]}" ] && set+=("${l%% *}")
		done
	done
	printf '%s\n' "${set[@]}"
}

# hung <name> <pid>: the report of a program that overran, then the kill.
hung() {
	local name=$1 pid=$2 p pids
	: > "$OUT/tap/$name.timeout.tap"
	mapfile -t pids < <(descendants "$pid")
	{
		echo "TAP version 13"
		echo "1..1"
		echo "not ok 1 $name finished within ${TIMEOUT}s (killed; its processes below, blocked tasks in dmesg)"
		ps -o pid,ppid,stat,etimes,wchan:32,args -p "$(IFS=,; echo "${pids[*]}")" | sed 's/^/# /'
		for p in "${pids[@]}"; do
			echo "# kernel stack of $p ($(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | cut -c1-80)):"
			sed 's/^/#   /' "/proc/$p/stack" 2>/dev/null
		done
	} > "$OUT/tap/$name.timeout.tap"
	cat "$OUT/tap/$name.timeout.tap"
	{ echo w > /proc/sysrq-trigger; } 2>/dev/null
	kill -TERM "${pids[@]}" 2>/dev/null
	sleep 5
	mapfile -t pids < <(descendants "$pid")
	kill -KILL "${pids[@]}" 2>/dev/null
}

WDFIFO=$(mktemp -u /tmp/run_tests.XXXXXX)
mkfifo "$WDFIFO" && exec 9<>"$WDFIFO" && rm -f "$WDFIFO"

rc=0
for p in "${progs[@]}"; do
	name=${p##*/}
	echo "# ---- $name ($(uname -r)) ----"
	rm -f "$OUT/tap/$name.timeout.tap"
	if [ ! -x "./$p" ]; then
		printf 'TAP version 13\n1..1\nnot ok 1 %s # not built\n' "$name" > "$OUT/tap/$name.tap"
		cat "$OUT/tap/$name.tap"
		rc=1
		continue
	fi
	t0=$(date +%s%N)
	"./$p" 9<&- > >(tee "$OUT/tap/$name.tap") 2>&1 &
	pid=$!
	# The watchdog waits in a builtin (read on a fifo nobody writes), so
	# that killing it leaves no sleep behind.
	(read -r -t "$TIMEOUT" -u 9 _ || hung "$name" "$pid") &
	wd=$!
	wait "$pid"
	prc=$?
	# Let a watchdog that fired finish its kills; stop any other.
	[ -e "$OUT/tap/$name.timeout.tap" ] || kill "$wd" 2>/dev/null
	# tee writes the last of the output after the program exits.
	wait
	# Seconds per program, for the time table of scripts/check.
	printf '%s\t%d\n' "$name" $(( ($(date +%s%N) - t0) / 1000000000 )) >> "$OUT/times.tsv"
	echo "# exit=$prc" >> "$OUT/tap/$name.tap"
	[ "$prc" -eq 0 ] || rc=1
	# A CPU of the test VM that takes no interrupt any more, not even
	# its timer's (a fault of the emulator; Documentation/dev-tools/
	# testing.rst, "The test VM"): what runs after it would only time
	# out.  Stop here; scripts/check runs this kernel's suite once more.
	if dmesg | grep -q "rcu_preempt kthread timer wakeup didn't happen"; then
		dmesg | grep -E "rcu: .*(stalls|timer|idle=)" | head -n 6 > "$OUT/vm-fault.txt"
		echo "# run_tests.sh: a CPU of the test VM stopped taking interrupts during $name; the suite stops here"
		rc=1
		break
	fi
done
exit $rc
