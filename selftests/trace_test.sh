#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# trace_test.sh - the "cprhold" trace system inside the test VM: every
# change of a session's state (cprhold_state), every ioctl with its result
# and duration (cprhold_ioctl), and the phases of a KVM VM's adoption
# (cprhold_kvm_adopt), as scripted sessions (ch-helper, cprholdctl) and an
# adoption (adopt_test) produce them.  TAP output.  Run as root with
# cprhold loaded.

cd "$(dirname "$0")/.." || exit 1
TR=/sys/kernel/tracing
HELPER=$PWD/userspace/cprholdctl/tests/ch-helper
CTL=$PWD/userspace/cprholdctl/cprholdctl
P=tr$$
N=0
FAILED=0
T=$(mktemp -d)

# shellcheck source=selftests/lib/tap.sh
. selftests/lib/tap.sh

echo "TAP version 13"
echo "1..8"

modprobe cprhold_kvm 2>/dev/null
missing=
for e in cprhold_state cprhold_ioctl cprhold_kvm_adopt; do
	[ -d "$TR/events/cprhold/$e" ] || missing="$missing $e"
done
[ -z "$missing" ]
ok $? "trace system cprhold has cprhold_state, cprhold_ioctl, cprhold_kvm_adopt${missing:+ (missing:$missing)}"

echo 0 >"$TR/tracing_on"
echo >"$TR/trace"
echo 1 >"$TR/events/cprhold/enable"
echo 1 >"$TR/tracing_on"
{
	# A: created, parked, sealed, claimed and aborted, claimed and finished
	"$HELPER" create "$P-a" --secret-out "$T/a.secret" -e memfd,label=m,size=64K &&
		"$HELPER" claim "$P-a" --secret-file "$T/a.secret" --abort &&
		"$HELPER" claim "$P-a" --secret-file "$T/a.secret" --finish
	# B: destroyed by name
	"$HELPER" create "$P-b" && "$CTL" destroy "$P-b"
	# C: expired (TTL 100 ms)
	"$HELPER" create "$P-c" --ttl 100 && sleep 0.5
	# D: its creator lets go while it is open
	echo | "$HELPER" create "$P-d" --open
} >"$T/helpers.log" 2>&1
ok $? "scripted sessions ran" "$T/helpers.log"
echo 0 >"$TR/events/cprhold/enable"
cp "$TR/trace" "$T/trace"
cat "$T/trace" >"$T/trace.log"

# The state events of one session, in order: "from->to/end" words.
states() {	# states <name>
	sed -n "s/.*cprhold_state: session [0-9]* $1: \([a-z]*\) -> \([a-z]*\) end \([a-z-]*\).*/\1->\2\/\3/p" \
		"$T/trace" | tr '\n' ' '
}
a=$(states "$P-a")
[ "$a" = "none->open/- open->sealed/- sealed->claimed/- claimed->sealed/- sealed->claimed/- claimed->finished/finished " ]
ok $? "A's life in cprhold_state: created, sealed, claimed, aborted, claimed, finished (got: $a)" "$T/trace.log"
b=$(states "$P-b")
[ "$b" = "none->open/- open->sealed/- sealed->finished/destroyed " ]
ok $? "B ends destroyed (got: $b)" "$T/trace.log"
c=$(states "$P-c")
[ "$c" = "none->open/- open->sealed/- sealed->finished/expired " ]
ok $? "C ends expired (got: $c)" "$T/trace.log"
d=$(states "$P-d")
[ "$d" = "none->open/- open->finished/closed " ]
ok $? "D ends closed when its creator lets go (got: $d)" "$T/trace.log"

# A's ioctls on its session fds: its id from its first state event.
id=$(sed -n "s/.*cprhold_state: session \([0-9]*\) $P-a: none.*/\1/p" "$T/trace")
ops=$(sed -n "s/.*cprhold_ioctl: \([a-z_]*\) session $id ret 0 in [0-9]* ns.*/\1/p" "$T/trace" | tr '\n' ' ')
bad=$(grep -c "cprhold_ioctl: .* session $id ret -" "$T/trace")
[ -n "$id" ] && [ "$ops" = "park seal abort finish " ] && [ "$bad" = 0 ]
ok $? "cprhold_ioctl: A's park, seal, abort, finish with their durations (session $id: $ops)" "$T/trace.log"

# An adoption: its phases, the notifier's move (SRCU) timed.
echo >"$TR/trace"
echo 1 >"$TR/events/cprhold/cprhold_kvm_adopt/enable"
selftests/adopt_test -t repeated_handovers >"$T/adopt.log" 2>&1
echo 0 >"$TR/events/cprhold/cprhold_kvm_adopt/enable"
cp "$TR/trace" "$T/trace"
cat "$T/trace" >>"$T/adopt.log"
n=$(grep -cE "cprhold_kvm_adopt: [0-9]+ vCPUs ret 0: checks [0-9]+ ns, notifier move [1-9][0-9]* ns, commit [0-9]+ ns" "$T/trace")
[ "$n" -ge 2 ]
ok $? "cprhold_kvm_adopt: adopt_test's adoptions, each with its phases timed ($n events)" "$T/adopt.log"
grep -m 1 "cprhold_kvm_adopt:" "$T/trace" | sed 's/.*cprhold_kvm_adopt: /# /'

echo 1 >"$TR/tracing_on"
"$CTL" list >/dev/null 2>&1
rm -rf "$T"
[ "$FAILED" -eq 0 ]
