#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cprholdctl_test.sh - the admin CLI against the real module, inside the
# test VM: list/show output (human, and JSON checked with jq), watch seeing
# the events of scripted handovers in order, run handing a session's fds to
# a plain shell script in the LISTEN_FDS convention, destroy, and the error
# paths (unknown session, wrong secret, bad arguments) with their messages
# and exit statuses.  TAP output.
#
# Sessions are made by userspace/cprholdctl/tests/ch-helper (create, park,
# seal; claim and finish/abort).  Run as root with cprhold loaded.

# shellcheck disable=SC2016 # $-expressions for the commands run
cd "$(dirname "$0")/.." || exit 1
CTL=$PWD/userspace/cprholdctl/cprholdctl
HELPER=$PWD/userspace/cprholdctl/tests/ch-helper
P=ctl$$			# prefix of our session names
N=0
FAILED=0
T=$(mktemp -d)
chmod 755 "$T"
WATCH_PIDS=()

cleanup() {
	local p s

	for p in "${WATCH_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for s in $("$CTL" list -j 2>/dev/null | jq -r '.[].name' 2>/dev/null); do
		case $s in "$P"-*) "$CTL" destroy "$s" 2>/dev/null ;; esac
	done
	rm -rf "$T"
}
trap cleanup EXIT

# shellcheck source=selftests/lib/tap.sh
. selftests/lib/tap.sh

# ctl <tag> ARGS...: run cprholdctl, stdout to $T/<tag>.out, stderr to
# $T/<tag>.err, exit status in $rc.
ctl() {
	local tag=$1

	shift
	"$CTL" "$@" >"$T/$tag.out" 2>"$T/$tag.err"
	rc=$?
}

# expect_fail <tag> <want status> <stderr pattern> <description>: the last
# ctl call failed with that status, said something matching the pattern on
# stderr (one "cprholdctl: " line) and printed nothing on stdout.
expect_fail() {
	local r=0

	[ "$rc" -eq "$2" ] || { r=1; echo "# exit status $rc, want $2"; }
	grep -q -- "$3" "$T/$1.err" || { r=1; echo "# stderr lacks: $3"; }
	grep -q '^cprholdctl: ' "$T/$1.err" || { r=1; echo "# no 'cprholdctl: ' message"; }
	[ -s "$T/$1.out" ] && { r=1; echo "# unexpected stdout"; }
	ok $r "$4 (exit $rc: $(head -n 1 "$T/$1.err"))" "$T/$1.err" "$T/$1.out"
}

# wait_file <file> <seconds>: until the file is not empty.
wait_file() {
	local i

	for ((i = 0; i < $2 * 10; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# start_watch <tag> ARGS...: cprholdctl watch ARGS in the background, once
# it listens (--ready-fd).
start_watch() {
	local tag=$1

	shift
	rm -f "$T/$tag.ready"
	"$CTL" watch --ready-fd 3 "$@" >"$T/$tag.out" 2>"$T/$tag.err" 3>"$T/$tag.ready" &
	WATCH_PID=$!
	WATCH_PIDS+=("$WATCH_PID")
	wait_file "$T/$tag.ready" 60
}

echo "TAP version 13"
echo "1..49"

# ---- basics -----------------------------------------------------------------
ctl version --version
[ $rc -eq 0 ] && grep -q '^cprholdctl [0-9]' "$T/version.out"
ok $? "--version ($(cat "$T/version.out"))" "$T/version.err"

ctl help -h
[ $rc -eq 0 ] && grep -q 'Usage: cprholdctl' "$T/help.out" &&
	grep -q 'run --claim NAME --secret-file FILE' "$T/help.out"
ok $? "-h prints the usage" "$T/help.err"

if command -v groff >/dev/null; then
	w=$(groff -man -Tutf8 -ww -z man/cprholdctl.8 2>&1)
	[ -z "$w" ] && grep -q '^\.TH CPRHOLDCTL 8' man/cprholdctl.8
	ok $? "man page cprholdctl(8) renders without warnings${w:+: $w}"
else
	skip "man page cprholdctl(8) renders without warnings" "no groff"
fi

# ---- a session to look at ---------------------------------------------------
A=$P-a
"$HELPER" create "$A" --secret-out "$T/a.secret" \
	-e memfd,label=ram0,size=1M,data=hello-memfd,seals,addr \
	-e eventfd,label=irq0,value=42 \
	-e pipe,label=p0,data=pipedata \
	-e socket,label=sock \
	-e udp,label=udp \
	-e file,path=/dev/null,label=null \
	-e memfd,size=8K >"$T/helper.log" 2>&1
ok $? "ch-helper creates, parks 7 entries in and seals $A" "$T/helper.log"

# ---- list -------------------------------------------------------------------
ctl list -j list
[ $rc -eq 0 ] && jq -e 'type == "array"' "$T/list.out" >/dev/null
ok $? "list -j is a JSON array" "$T/list.err" "$T/list.out"

jq -e --arg n "$A" '
	[.[] | select(.name == $n)] | length == 1 and (.[0] |
	.state == "sealed" and .nr_entries == 7 and .creator_uid == 0 and
	.nr_claims == 0 and .claimer_pid == 0 and .end_reason == "none" and
	.flags == [] and .ttl_ms == 0 and .expires == null and
	.mem_bytes >= 1048576 + 8192 and (.creator_pid | type) == "number" and
	(.id | type) == "number" and .claimed == null and .claimed_ns == 0 and
	(.created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")) and
	.created_ns > 0 and .sealed_ns >= .created_ns)' "$T/list.out" >/dev/null
ok $? "list -j describes $A: sealed, 7 entries, memory, uid, times" "$T/list.out"

jq -e 'all(.[]; keys == (["claimed", "claimed_ns", "claimer_pid", "created",
	"created_ns", "creator_pid", "creator_uid", "end_reason", "expires",
	"expires_ns", "flags", "id", "mem_bytes", "name", "nr_claims",
	"nr_entries", "sealed", "sealed_ns", "state", "ttl_ms"]))' \
	"$T/list.out" >/dev/null
ok $? "list -j: every session object has the documented keys" "$T/list.out"

ctl listp -p list
ctl listp2 list --pretty
[ $rc -eq 0 ] && [ "$(wc -l <"$T/listp.out")" -gt 20 ] &&
	cmp -s "$T/listp.out" "$T/listp2.out" &&
	[ "$(jq -cS . "$T/listp.out")" = "$(jq -cS . "$T/list.out")" ]
ok $? "-p (before or after the command) is the same JSON, indented" "$T/listp.out" "$T/listp.err"

ctl listh list
[ $rc -eq 0 ] &&
	head -n 1 "$T/listh.out" | grep -Eq '^NAME +STATE +ENTRIES +MEMORY +UID +PID +AGE +CLAIMS +TTL$' &&
	grep -Eq "^$A +sealed +7 +1(\\.0)?MiB +0 +[0-9]+ +[0-9.]+m?s +0 +-$" "$T/listh.out"
ok $? "list: a table with a header and a row for $A" "$T/listh.out" "$T/listh.err"

# ---- show -------------------------------------------------------------------
ctl show show -j "$A"
[ $rc -eq 0 ] && jq -e --arg n "$A" '
	.name == $n and .state == "sealed" and (.entries | length) == 7 and
	([.entries[].token] == [1, 2, 3, 4, 5, 6, 7]) and
	([.entries[].label] == ["ram0", "irq0", "p0", "sock", "udp", "null", ""]) and
	([.entries[].type] == ["memfd", "eventfd", "pipe", "socket", "socket",
			       "chardev", "memfd"])' "$T/show.out" >/dev/null
ok $? "show -j: the session and its 7 entries in token order" "$T/show.out" "$T/show.err"

jq -e '.entries[0] | .mem.size == 1048576 and .mem.seals == ["shrink", "grow"] and
	.mem.page_size == 4096 and .mem.resident >= 4096 and .flags == ["addr"] and
	(.addr | type) == "number" and .addr > 0 and .access == "rw"' \
	"$T/show.out" >/dev/null
ok $? "show -j: memfd size, seals, page size, residency, recorded address" "$T/show.out"

jq -e '.entries[1].addr == null and .entries[2].access == "r" and
	.entries[3].socket == {"family": "unix", "type": "stream", "protocol": 0} and
	.entries[4].socket == {"family": "inet", "type": "dgram", "protocol": 17} and
	.entries[5].dev == {"major": 1, "minor": 3} and
	.entries[6].mem.size == 8192 and .entries[6].flags == []' \
	"$T/show.out" >/dev/null
ok $? "show -j: pipe access, socket families/types, chardev numbers" "$T/show.out"

ctl showh show "$A"
[ $rc -eq 0 ] && grep -q "^session  $A\$" "$T/showh.out" &&
	grep -q '^state    sealed$' "$T/showh.out" &&
	grep -q '^entries  7, memory 1' "$T/showh.out" &&
	grep -Eq '^TOKEN +LABEL +TYPE +FLAGS +ADDRESS +DETAILS$' "$T/showh.out" &&
	grep -Eq '^ +1 +ram0 +memfd +rw +0x[0-9a-f]+ +size 1MiB, seals shrink,grow, page 4KiB' "$T/showh.out" &&
	grep -Eq '^ +6 +null +chardev +rw +- +dev 1:3$' "$T/showh.out"
ok $? "show: key/value lines and the entries' table" "$T/showh.out" "$T/showh.err"

# ---- errors of list/show/destroy --------------------------------------------
ctl nosuch show "$P-nosuch"
expect_fail nosuch 1 "show $P-nosuch: no such session" "show of an unknown session fails"

ctl nosuchj show -j "$P-nosuch"
expect_fail nosuchj 1 "no such session" "show -j of an unknown session fails, no JSON"

ctl badname show 'bad name!'
expect_fail badname 1 "session names are 1-63 characters" "show of an invalid name says what names are"

ctl longname show "$(printf 'x%.0s' {1..70})"
expect_fail longname 1 "session names are 1-63 characters" "show of a 70-character name fails cleanly"

ctl noname show
expect_fail noname 2 "show: a session NAME is required" "show without NAME is a usage error"

ctl extra list foo
expect_fail extra 2 "list: unexpected argument 'foo'" "list with an argument is a usage error"

ctl badcmd frobnicate
expect_fail badcmd 2 "unknown command 'frobnicate'" "an unknown command is a usage error"

ctl badopt list --frob
expect_fail badopt 2 "unknown option" "an unknown option is a usage error"

ctl nocmd
expect_fail nocmd 2 "a command is required" "no command is a usage error"

ctl dnosuch destroy "$P-nosuch"
expect_fail dnosuch 1 "destroy $P-nosuch: no such session" "destroy of an unknown session fails"

# ---- watch: a scripted handover ---------------------------------------------
B=$P-b
if start_watch watchb -j --count 6 --timeout 120 "$B"; then
	"$HELPER" create "$B" --secret-out "$T/b.secret" --hex -e memfd,label=m,size=64K \
		>"$T/hb.log" 2>&1 &&
		"$HELPER" claim "$B" --secret-file "$T/b.secret" --abort >>"$T/hb.log" 2>&1 &&
		"$CTL" run --claim "$B" --secret-file "$T/b.secret" -- true >>"$T/hb.log" 2>&1
	hrc=$?
	wait "$WATCH_PID"
	wrc=$?
	[ $hrc -eq 0 ] && [ $wrc -eq 0 ]
	ok $? "handover of $B: create, seal, claim, abort, run (claim, finish) (watch exit $wrc)" \
		"$T/hb.log" "$T/watchb.err"
else
	ok 1 "watch did not report ready" "$T/watchb.err"
	wrc=1
fi

ev=$(jq -r '.event' "$T/watchb.out" 2>/dev/null | tr '\n' ' ')
[ "$ev" = "created sealed claimed aborted claimed finished " ]
ok $? "watch -j saw the events in order: $ev" "$T/watchb.out"

jq -s -e --arg n "$B" '
	all(.[]; .name == $n and (.time | test("Z$")) and .time_ns > 0) and
	[.[].state] == ["open", "sealed", "claimed", "sealed", "claimed", "finished"] and
	[.[].nr_claims] == [0, 0, 1, 1, 2, 2] and
	.[5].end_reason == "finished" and .[2].claimer_pid > 0 and
	[.[0:5][].nr_entries] == [0, 1, 1, 1, 1]' "$T/watchb.out" >/dev/null
ok $? "watch -j: one JSON object per line, states and claim counts per event" "$T/watchb.out"

C=$P-c
if start_watch watchc --count 3 --timeout 120 "$C"; then
	"$HELPER" create "$C" >"$T/hc.log" 2>&1 && "$CTL" destroy "$C" >>"$T/hc.log" 2>&1
	hrc=$?
	wait "$WATCH_PID"
	wrc=$?
else
	hrc=1 wrc=1
fi
awk '{ print $2 }' "$T/watchc.out" >"$T/watchc.ev"
[ $hrc -eq 0 ] && [ $wrc -eq 0 ] && [ "$(tr '\n' ' ' <"$T/watchc.ev")" = "created sealed destroyed " ] &&
	grep -Eq "^[0-9-]+T[0-9:.]+Z destroyed +$C state finished .* end destroyed\$" "$T/watchc.out"
ok $? "watch (human): created, sealed, destroyed by cprholdctl destroy" \
	"$T/hc.log" "$T/watchc.out" "$T/watchc.err"

D=$P-d
if start_watch watchd -j --count 3 --timeout 120 "$D"; then
	"$HELPER" create "$D" --ttl 1000 >"$T/hd.log" 2>&1
	hrc=$?
	wait "$WATCH_PID"
	wrc=$?
else
	hrc=1 wrc=1
fi
ev=$(jq -r '.event' "$T/watchd.out" 2>/dev/null | tr '\n' ' ')
[ $hrc -eq 0 ] && [ $wrc -eq 0 ] && [ "$ev" = "created sealed expired " ] &&
	jq -s -e '.[2].end_reason == "expired" and .[1].ttl_ms == 1000 and
		.[1].expires_ns > .[1].sealed_ns and (.[1].expires | test("Z$"))' "$T/watchd.out" >/dev/null
ok $? "watch: a session with a 1s TTL expires ($ev)" "$T/hd.log" "$T/watchd.out" "$T/watchd.err"

E=$P-e
if start_watch watche -j --count 2 --timeout 120 "$E"; then
	"$HELPER" create "$E" --open </dev/null >"$T/he.log" 2>&1
	hrc=$?
	wait "$WATCH_PID"
	wrc=$?
else
	hrc=1 wrc=1
fi
[ $hrc -eq 0 ] && [ $wrc -eq 0 ] &&
	jq -s -e '[.[].event] == ["created", "destroyed"] and .[1].end_reason == "closed"' \
		"$T/watche.out" >/dev/null
ok $? "watch: an OPEN session whose creator exits is destroyed (closed)" \
	"$T/he.log" "$T/watche.out" "$T/watche.err"

ctl wto watch --count 1 --timeout 0.5 "$P-nosuch"
expect_fail wto 1 "timed out after 0.5s with 0 of 1 events" "watch --count with --timeout fails when the events do not come"

ctl wbad watch --count 0
expect_fail wbad 2 "needs a positive number" "watch --count 0 is a usage error"

# ---- run: the session's fds to a plain shell script -------------------------
cat >"$T/check-fds.sh" <<'EOF'
#!/bin/bash
# Started by cprholdctl run with session A's 7 entries.
bad() { echo "check-fds: $*"; exit 10; }
[ "$LISTEN_PID" = "$$" ] || bad "LISTEN_PID=$LISTEN_PID, pid $$"
[ "$LISTEN_FDS" = 7 ] || bad "LISTEN_FDS=$LISTEN_FDS"
[ "$LISTEN_FDNAMES" = "ram0:irq0:p0:sock:udp:null:unknown" ] || bad "LISTEN_FDNAMES=$LISTEN_FDNAMES"
[ "$CPRHOLD_SESSION" = "$WANT_SESSION" ] || bad "CPRHOLD_SESSION=$CPRHOLD_SESSION"
# fd 3: the memfd, read through /proc like any file.
[ "$(head -c 11 /proc/self/fd/3)" = "hello-memfd" ] || bad "fd 3 content"
case $(readlink /proc/$$/fd/3) in /memfd:ram0*) ;; *) bad "fd 3 is $(readlink /proc/$$/fd/3)" ;; esac
[ "$(stat -L -c %s /proc/$$/fd/3)" = 1048576 ] || bad "fd 3 size"
# fd 4: the eventfd with its counter.
[ "$(readlink /proc/$$/fd/4)" = "anon_inode:[eventfd]" ] || bad "fd 4 is $(readlink /proc/$$/fd/4)"
grep -q '^eventfd-count: *2a$' /proc/$$/fdinfo/4 || bad "fd 4 counter: $(grep count /proc/$$/fdinfo/4)"
# fd 5: the pipe's read end, with the data the old owner wrote.
[ "$(cat <&5)" = "$WANT_PIPE" ] || bad "fd 5 content"
case $(readlink /proc/$$/fd/6) in socket:*) ;; *) bad "fd 6 is not a socket" ;; esac
case $(readlink /proc/$$/fd/7) in socket:*) ;; *) bad "fd 7 is not a socket" ;; esac
[ "$(readlink /proc/$$/fd/8)" = /dev/null ] || bad "fd 8 is $(readlink /proc/$$/fd/8)"
[ "$(stat -L -c %s /proc/$$/fd/9)" = 8192 ] || bad "fd 9 size"
# Nothing else leaked: 0-2, 3-9, and bash's own fd for this script (ls, a
# child, lists this shell's fds; a redirection opens nothing here).
ls /proc/$$/fd >"$OUT_DIR/fds.$$" || bad "ls /proc/$$/fd"
for n in $(cat "$OUT_DIR/fds.$$"); do
	{ [ "$n" -le 9 ] || [ "$n" = 255 ]; } || bad "unexpected fd $n -> $(readlink /proc/$$/fd/$n)"
done
# The fds are not close-on-exec (fdinfo's flags show O_CLOEXEC, 02000000).
for n in 3 4 5 6 7 8 9; do
	fl=$(awk '/^flags:/ { print $2 }' /proc/$$/fdinfo/$n)
	[ $(( 8#$fl & 8#2000000 )) -eq 0 ] || bad "fd $n is close-on-exec"
done
exit "${EXIT_WITH:-0}"
EOF
chmod +x "$T/check-fds.sh"

export OUT_DIR=$T
WANT_PIPE=pipedata WANT_SESSION=$A EXIT_WITH=3 "$CTL" run --claim "$A" --secret-file "$T/a.secret" -- \
	"$T/check-fds.sh" >"$T/run1.out" 2>&1
rc=$?
[ $rc -eq 3 ]
ok $? "run: the script sees LISTEN_FDS/LISTEN_FDNAMES/LISTEN_PID and the 7 fds; its status 3 is run's" \
	"$T/run1.out"

ctl after1 show -j "$A"
[ $rc -eq 0 ] && jq -e '.state == "sealed" and .nr_claims == 1 and .claimer_pid == 0' \
	"$T/after1.out" >/dev/null
ok $? "run: a failing command aborts the claim (sealed again, 1 claim)" "$T/after1.out" "$T/after1.err"

WANT_PIPE='' WANT_SESSION=$A "$CTL" run --claim "$A" --secret-file "$T/a.secret" --no-finish -- \
	"$T/check-fds.sh" >"$T/run2.out" 2>&1
rc=$?
ctl after2 show -j "$A"
[ $rc -eq 0 ] && jq -e '.state == "sealed" and .nr_claims == 2' "$T/after2.out" >/dev/null
ok $? "run --no-finish: success, and the session is sealed again (claims again)" \
	"$T/run2.out" "$T/after2.out"

# Wrong secret: B's secret for A.
ctl wrongsecret run --claim "$A" --secret-file "$T/b.secret" -- true
expect_fail wrongsecret 1 "claim $A: wrong secret" "run with a wrong secret fails and says so"

ctl after3 show -j "$A"
jq -e '.state == "sealed" and .nr_claims == 2' "$T/after3.out" >/dev/null
ok $? "... and leaves the session as it was" "$T/after3.out"

ctl runnosuch run --claim "$P-nosuch" --secret-file "$T/a.secret" -- true
expect_fail runnosuch 1 "claim $P-nosuch: no such session" "run --claim of an unknown session fails"

printf 'not a secret\n' >"$T/bad.secret"
ctl badsecret run --claim "$A" --secret-file "$T/bad.secret" -- true
expect_fail badsecret 1 "expected 32 raw bytes or 64 hexadecimal characters" \
	"run with a malformed secret file says what a secret file is"

ctl nosecretfile run --claim "$A" --secret-file "$T/none" -- true
expect_fail nosecretfile 1 "secret file $T/none: No such file or directory" \
	"run with a missing secret file fails"

r=0
ctl u1 run --secret-file "$T/a.secret" -- true
[ $rc -eq 2 ] && grep -q -- '--claim NAME is required' "$T/u1.err" || r=1
ctl u2 run --claim "$A" -- true
[ $rc -eq 2 ] && grep -q -- '--secret-file FILE is required' "$T/u2.err" || r=1
ctl u3 run --claim "$A" --secret-file "$T/a.secret"
[ $rc -eq 2 ] && grep -q 'no command given' "$T/u3.err" || r=1
ctl u4 run --claim "$A" --secret-file "$T/a.secret" --finish --no-finish -- true
[ $rc -eq 2 ] && grep -q 'exclude each other' "$T/u4.err" || r=1
ok $r "run: missing --claim, --secret-file, command; conflicting options: usage errors (2)" \
	"$T/u1.err" "$T/u2.err" "$T/u3.err" "$T/u4.err"

ctl notfound run --claim "$A" --secret-file "$T/a.secret" -- /nonexistent/cmd
nrc=$rc
ctl after4 show -j "$A"
[ $nrc -eq 127 ] && [ $rc -eq 0 ] && jq -e '.state == "sealed"' "$T/after4.out" >/dev/null &&
	grep -q 'run: /nonexistent/cmd: No such file or directory' "$T/notfound.err"
ok $? "run of a missing command: exit 127 (got $nrc), the claim aborted" "$T/notfound.err" "$T/after4.out"

"$CTL" run --claim "$A" --secret-file "$T/a.secret" -- sh -c 'kill -TERM $$' 2>"$T/sig.err"
src=$?
ctl after5 show -j "$A"
[ $src -eq 143 ] && jq -e '.state == "sealed"' "$T/after5.out" >/dev/null
ok $? "run: a command killed by SIGTERM gives 143 and aborts (exit $src)" "$T/sig.err" "$T/after5.out"

# The handover completes: finish, the session is gone.
WANT_PIPE='' WANT_SESSION=$A "$CTL" run --claim "$A" --secret-file "$T/a.secret" -- \
	"$T/check-fds.sh" >"$T/run3.out" 2>&1
rrc=$?
ctl after6 show "$A"
[ $rrc -eq 0 ] && grep -q 'no such session' "$T/after6.err" &&
	! "$CTL" list -j | jq -e --arg n "$A" 'any(.[]; .name == $n)' >/dev/null
ok $? "run: a successful command finishes the session (gone from list/show)" \
	"$T/run3.out" "$T/after6.err"

# A hex secret file (64 digits and a newline), and from stdin.
F=$P-f
"$HELPER" create "$F" --secret-out "$T/f.secret" --hex -e eventfd,label=only >"$T/hf.log" 2>&1
"$CTL" run --claim "$F" --secret-file - -- sh -c \
	'[ "$LISTEN_FDS" = 1 ] && [ "$LISTEN_FDNAMES" = only ] && [ "$LISTEN_PID" = $$ ]' \
	<"$T/f.secret" >"$T/runf.out" 2>&1
ok $? "run --secret-file - reads a hex secret from stdin" "$T/hf.log" "$T/runf.out"

# ---- KVM: a VM and its vCPUs (fds only: see NOTES in cprholdctl(8)) ---------
if [ -c /dev/kvm ]; then
	K=$P-k
	"$HELPER" create "$K" --secret-out "$T/k.secret" -e kvm,vcpus=2 >"$T/hk.log" 2>&1
	"$CTL" run --claim "$K" --secret-file "$T/k.secret" -- sh -c \
		'[ "$LISTEN_FDNAMES" = vm:vcpu0:vcpu1 ] &&
		 [ "$(readlink /proc/$$/fd/3)" = anon_inode:kvm-vm ] &&
		 [ "$(readlink /proc/$$/fd/5)" = anon_inode:kvm-vcpu:1 ]' >>"$T/hk.log" 2>&1
	ok $? "run hands over the fds of a KVM VM and its 2 vCPUs" "$T/hk.log"
else
	skip "run hands over the fds of a KVM VM and its 2 vCPUs" "no /dev/kvm"
fi

ctl noadopt run --adopt-kvm --claim "$A" --secret-file "$T/a.secret" -- true
expect_fail noadopt 2 "unknown option" "run --adopt-kvm is an unknown option (no adoption for a command)"

# ---- destroy and scoping ----------------------------------------------------
G=$P-g
"$HELPER" create "$G" -e memfd >"$T/hg.log" 2>&1
cp "$CTL" "$T/cprholdctl"
chmod 755 "$T/cprholdctl"
setpriv --reuid 65534 --regid 65534 --clear-groups "$T/cprholdctl" list -j \
	>"$T/nobody.out" 2>"$T/nobody.err"
rc=$?
[ $rc -eq 0 ] && jq -e --arg n "$G" 'all(.[]; .name != $n)' "$T/nobody.out" >/dev/null
ok $? "list as another user does not show root's sessions" "$T/nobody.out" "$T/nobody.err"

setpriv --reuid 65534 --regid 65534 --clear-groups "$T/cprholdctl" watch --count 1 \
	>"$T/wnobody.out" 2>"$T/wnobody.err"
rc=$?
expect_fail wnobody 1 "not permitted" "watch without CAP_SYS_ADMIN fails with a clear message"

ctl destroy destroy "$G"
drc=$rc
ctl gone show "$G"
[ $drc -eq 0 ] && [ "$(cat "$T/destroy.out" "$T/destroy.err")" = "" ] && grep -q 'no such session' "$T/gone.err"
ok $? "destroy ends a sealed session" "$T/destroy.err" "$T/gone.err"

rm -rf "$T"
[ "$FAILED" -eq 0 ]
