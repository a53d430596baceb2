#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ynl_test.sh - the generic netlink spec (Documentation/netlink/specs/
# cprhold.yaml) against the running module, inside the test VM, through
# the kernel's own YNL tools: the generic netlink controller's view of the
# family (its operations with their do/dump capabilities, their request
# policies, its groups) is the one the spec declares; the kernel's
# tools/net/ynl/cli.py, given nothing but the spec, runs each operation
# (get-session do and dump, get-entry dump) on scripted sessions and
# decodes every reply (an attribute the spec lacks fails the decoding),
# whose attributes and values are checked; requests the spec's checks
# forbid fail as it predicts; the "events" group delivers a handover's
# events, decoded by the YNL library.  TAP output.
#
# cli.py and its library come from Debian's linux-source-6.12: scripts/setup
# unpacks them on the host into ~/.cache/cprhold/ynl (scripts/ynl-dir),
# which the VM sees through the host root, as it sees python3 and PyYAML
# (python3-yaml).  Without them every test is skipped, with the reason.
# Sessions are made by userspace/cprholdctl/tests/ch-helper.  Run as root
# with cprhold loaded.

cd "$(dirname "$0")/.." || exit 1
SPEC=$PWD/Documentation/netlink/specs/cprhold.yaml
HELPER=$PWD/userspace/cprholdctl/tests/ch-helper
CTL=$PWD/userspace/cprholdctl/cprholdctl
YSPEC=$PWD/selftests/lib/ynl_spec.py
P=ynl$$			# prefix of our session names
N=0
FAILED=0
NTESTS=17
T=$(mktemp -d)
export PYTHONDONTWRITEBYTECODE=1

# shellcheck source=selftests/lib/tap.sh
. selftests/lib/tap.sh

cleanup() {
	local s

	for s in "$P-a" "$P-b" "$P-c"; do
		"$CTL" destroy "$s" >/dev/null 2>&1
	done
	rm -rf "$T"
}
trap cleanup EXIT

echo "TAP version 13"

# ---- what the test needs -----------------------------------------------------
PY=
for p in ${PYTHON:-} /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import yaml' 2>/dev/null; then
		PY=$p
		break
	fi
done
YNL=$(scripts/ynl-dir)
missing=
[ -n "$PY" ] || missing="no python3 with PyYAML (python3-yaml)"
[ -n "$missing" ] || [ -n "$YNL" ] ||
	missing="no kernel YNL tools (scripts/setup unpacks tools/net/ynl of linux-source-6.12 into ~/.cache/cprhold/ynl)"
command -v jq >/dev/null || missing=${missing:-"no jq"}
if [ -n "$missing" ]; then
	echo "1..1"
	skip "cli.py drives cprhold from its spec" "$missing"
	exit 0
fi
echo "1..$NTESTS"
echo "# YNL: $YNL ($(cat "$YNL/source-version" 2>/dev/null || echo "a kernel tree")), $PY"
CLI=$YNL/tools/net/ynl/cli.py
NLCTRL=$YNL/Documentation/netlink/specs/nlctrl.yaml

# cli <tag> ARGS...: cli.py with our spec (validated on the host by
# scripts/ynl-check, not here), stdout (JSON, or the error) to
# $T/<tag>.out, stderr to $T/<tag>.err, exit status in $rc.
cli() {
	local tag=$1

	shift
	"$PY" "$CLI" --spec "$SPEC" --no-schema --output-json "$@" >"$T/$tag.out" 2>"$T/$tag.err"
	rc=$?
}

# ctrl <tag> ARGS...: the same with the controller's spec (nlctrl.yaml).
ctrl() {
	local tag=$1

	shift
	"$PY" "$CLI" --spec "$NLCTRL" --no-schema --output-json "$@" >"$T/$tag.out" 2>"$T/$tag.err"
	rc=$?
}

# expect_err <tag> <strerror> <description> [pattern...]: the last cli call
# failed (exit 1) with that errno and every pattern in its report (the
# extended ack, as cli.py prints it).
expect_err() {
	local tag=$1 err=$2 desc=$3 r=0 pat

	shift 3
	[ "$rc" -eq 1 ] || { r=1; echo "# exit status $rc, want 1"; }
	grep -q "^Netlink error: $err\$" "$T/$tag.out" || { r=1; echo "# not: $err"; }
	for pat in "$@"; do
		grep -qF -- "$pat" "$T/$tag.out" || { r=1; echo "# lacks: $pat"; }
	done
	ok $r "$desc" "$T/$tag.out" "$T/$tag.err"
}

# What the spec says: each operation's attributes, the attributes' checks.
"$PY" "$YSPEC" "$YNL" "$SPEC" facts >"$T/facts.json" 2>"$T/facts.err" ||
	{ cat "$T/facts.err"; echo "Bail out! cannot read $SPEC"; exit 1; }
spec() { jq -c "$1" "$T/facts.json"; }
SESSION_DO=$(spec '.ops["get-session"].do.reply')
SESSION_DUMP=$(spec '.ops["get-session"].dump.reply')
ENTRY_DUMP=$(spec '.ops["get-entry"].dump.reply')
EVENT=$(spec '.ops.event.event')
NAME_MAX_LEN=$(spec '.checks.name["max-len"]')

# ---- the controller's view of the family ----------------------------------
ctrl family --do getfamily --json '{"family-name": "cprhold"}'
[ $rc -eq 0 ] && "$PY" "$YSPEC" "$YNL" "$SPEC" family "$T/family.out" >"$T/family.log" 2>&1
r=$?
grep "^# " "$T/family.log"
ok $r "the controller's cprhold: version, last attribute, operations (do/dump, flags), groups as the spec declares" \
	"$T/family.log" "$T/family.out" "$T/family.err"

r=0
: >"$T/policy.log"
for op in $(jq -r '.ops | to_entries[] | select(.value.do or .value.dump) | .key' "$T/facts.json"); do
	ctrl "policy-$op" --dump getpolicy \
		--json "{\"family-name\": \"cprhold\", \"op\": $(spec ".ops[\"$op\"].value")}"
	if [ $rc -ne 0 ]; then
		r=1
		cat "$T/policy-$op.out" "$T/policy-$op.err" >>"$T/policy.log"
		continue
	fi
	"$PY" "$YSPEC" "$YNL" "$SPEC" policy "$op" "$T/policy-$op.out" >>"$T/policy.log" 2>&1 || r=1
done
grep "^# " "$T/policy.log"
ok $r "the controller's request policies: each operation's do and dump accept the spec's request attributes, of its types and lengths" \
	"$T/policy.log"

# ---- sessions to look at ---------------------------------------------------
A=$P-a
B=$P-b
{
	"$HELPER" create "$A" --same-kuid --ttl 600000 \
		-e memfd,label=ram,size=64K,seals,addr \
		-e eventfd,label=ev \
		-e pipe,label=p \
		-e socket,label=sk \
		-e udp,label=u \
		-e file,path=/dev/null,label=null \
		-e memfd,size=8K &&
		"$HELPER" create "$B"
} >"$T/helper.log" 2>&1
ok $? "ch-helper creates $A (7 entries) and $B (none), sealed" "$T/helper.log"

# ---- get-session -----------------------------------------------------------
cli sdo --do get-session --json "{\"name\": \"$A\"}"
[ $rc -eq 0 ] && jq -e --argjson want "$SESSION_DO" 'keys == ($want | sort)' "$T/sdo.out" >/dev/null
ok $? "cli.py --do get-session: the reply has exactly the spec's attributes ($(jq -c 'keys | length' "$T/sdo.out" 2>/dev/null))" \
	"$T/sdo.out" "$T/sdo.err"

jq -e --arg n "$A" '.name == $n and .state == "sealed" and .flags == ["same-kuid"] and
	.["end-reason"] == "none" and .["nr-entries"] == 7 and .["nr-claims"] == 0 and
	.["claimer-pid"] == 0 and .["creator-uid"] == 0 and (.["creator-pid"] | type) == "number" and
	.["ttl-ms"] == 600000 and .["created-ns"] > 0 and .["sealed-ns"] >= .["created-ns"] and
	.["claimed-ns"] == 0 and .["mem-bytes"] >= 65536 + 8192 and .id > 0' "$T/sdo.out" >/dev/null
ok $? "get-session decodes $A: sealed, same-kuid, TTL, 7 entries, uid, times, memory" "$T/sdo.out"

"$CTL" show -j "$A" >"$T/show.out" 2>"$T/show.err" &&
	jq -e -n --slurpfile y "$T/sdo.out" --slurpfile c "$T/show.out" '
	$y[0] as $y | $c[0] as $c |
	$y.id == $c.id and $y["creator-pid"] == $c.creator_pid and
	$y["created-ns"] == $c.created_ns and $y["sealed-ns"] == $c.sealed_ns and
	$y["mem-bytes"] == $c.mem_bytes and $y["ttl-ms"] == $c.ttl_ms and
	$y.state == $c.state and $y["end-reason"] == $c.end_reason' >/dev/null
ok $? "get-session through cli.py and the spec says what cprholdctl show -j (libnl) says" \
	"$T/sdo.out" "$T/show.out" "$T/show.err"

cli dump --dump get-session
[ $rc -eq 0 ] && jq -e --slurpfile one "$T/sdo.out" --argjson want "$SESSION_DUMP" --arg a "$A" --arg b "$B" '
	all(.[]; keys == ($want | sort)) and
	([.[] | select(.name == $a)] == $one) and
	([.[] | select(.name == $b)] | length == 1 and .[0]["nr-entries"] == 0)' \
	"$T/dump.out" >/dev/null
ok $? "cli.py --dump get-session: every message has exactly the spec's attributes; $A as the do, $B" \
	"$T/dump.out" "$T/dump.err"

# ---- get-entry --------------------------------------------------------------
# The attributes an entry carries: the spec's documented groups by type.
ENTRY_KEYS='def want:
	["name", "entry-token", "entry-label", "entry-type", "entry-flags", "entry-f-flags"] +
	(if (.["entry-flags"] | index("addr")) then ["entry-addr"] else [] end) +
	(if .["entry-type"] | IN("memfd", "shmem", "hugetlbfs", "regular")
	 then ["mem-size", "mem-seals", "mem-page-size", "mem-resident"]
	 elif .["entry-type"] == "kvm-vcpu" then ["vcpu-id"]
	 elif .["entry-type"] == "socket" then ["sock-family", "sock-type", "sock-protocol"]
	 elif .["entry-type"] | IN("tty", "chardev", "vfio-container", "vfio-group", "tun",
				    "vhost", "iommufd") then ["dev-major", "dev-minor"]
	 else [] end);'
cli entries --dump get-entry --json "{\"name\": \"$A\"}"
[ $rc -eq 0 ] && jq -e --argjson spec "$ENTRY_DUMP" "$ENTRY_KEYS"'
	length == 7 and ([.[]["entry-token"]] == [1, 2, 3, 4, 5, 6, 7]) and
	all(.[]; (keys - $spec) == [] and keys == (want | sort))' "$T/entries.out" >/dev/null
ok $? "cli.py --dump get-entry: 7 entries in token order, each with the spec's attributes for its type" \
	"$T/entries.out" "$T/entries.err"

jq -e --arg a "$A" '
	all(.[]; .name == $a and (.["entry-f-flags"] | startswith("0x"))) and
	(.[0] | .["entry-type"] == "memfd" and .["entry-label"] == "ram" and
	 .["entry-flags"] == ["addr"] and (.["entry-addr"] | test("^0x[0-9a-f]+000$")) and
	 .["mem-size"] == 65536 and .["mem-seals"] == 6 and .["mem-page-size"] == 4096) and
	(.[1] | .["entry-type"] == "eventfd" and .["entry-label"] == "ev" and .["entry-flags"] == []) and
	(.[2] | .["entry-type"] == "pipe" and .["entry-label"] == "p") and
	(.[3] | .["entry-type"] == "socket" and .["sock-family"] == 1 and .["sock-type"] == 1 and
	 .["sock-protocol"] == 0) and
	(.[4] | .["entry-type"] == "socket" and .["sock-family"] == 2 and .["sock-type"] == 2 and
	 .["sock-protocol"] == 17) and
	(.[5] | .["entry-type"] == "chardev" and .["dev-major"] == 1 and .["dev-minor"] == 3) and
	(.[6] | .["entry-type"] == "memfd" and .["entry-label"] == "" and .["mem-size"] == 8192)' \
	"$T/entries.out" >/dev/null &&
	jq -e -n --slurpfile y "$T/entries.out" --slurpfile c "$T/show.out" '
	[$y[0][] | [.["entry-token"], .["entry-label"], .["entry-type"], .["mem-size"]]] ==
	[$c[0].entries[] | [.token, .label, (.type | gsub("_"; "-")), .mem.size]]' >/dev/null
ok $? "get-entry decodes the memfds (size, seals, address), eventfd, pipe, sockets, /dev/null as cprholdctl show -j does" \
	"$T/entries.out" "$T/show.out"

cli none --dump get-entry --json "{\"name\": \"$B\"}"
[ $rc -eq 0 ] && jq -e '. == []' "$T/none.out" >/dev/null
ok $? "cli.py --dump get-entry of $B: no entries" "$T/none.out" "$T/none.err"

# ---- what the spec refuses ----------------------------------------------------
cli enoent --do get-session --json "{\"name\": \"$P-none\"}"
expect_err enoent "No such file or directory" "get-session of an unknown session: ENOENT, 'no such session' at .name" \
	"'msg': 'no such session'" "'bad-attr': '.name'"

# The spec's max-len: a name that long gets past the policy to the
# lookup, one character more is the policy's EINVAL, which names the limit.
long=$(printf "%${NAME_MAX_LEN}s" "" | tr ' ' x)
cli maxlen --do get-session --json "{\"name\": \"$long\"}"
r=0
if ! { [ $rc -eq 1 ] && grep -q '^Netlink error: No such file or directory$' "$T/maxlen.out"; }; then
	r=1
	echo "# a name of $NAME_MAX_LEN characters is not ENOENT"
fi
cli toolong --do get-session --json "{\"name\": \"${long}x\"}"
if ! { [ $rc -eq 1 ] && grep -q '^Netlink error: Invalid argument$' "$T/toolong.out" &&
       grep -qF "'max-length': $NAME_MAX_LEN" "$T/toolong.out" &&
       grep -qF "'bad-attr': '.name'" "$T/toolong.out"; }; then
	r=1
	echo "# a name of $((NAME_MAX_LEN + 1)) characters is not EINVAL with max-length $NAME_MAX_LEN at .name"
fi
ok $r "names of the spec's max-len ($NAME_MAX_LEN) pass the policy, longer ones are EINVAL with the policy's max-length" \
	"$T/maxlen.out" "$T/toolong.out"

cli badname --do get-session --json '{"name": "bad/name"}'
expect_err badname "Invalid argument" "a name with a character outside [A-Za-z0-9._:@+-]: EINVAL" \
	"session names are 1-63 characters"

# The module says why in the extended ack; 6.1 drops the message a dump's
# start callback sets (the errno comes through), later kernels pass it.
noname_msg="a session name (CPRHOLD_NL_A_NAME) is required"
case $(uname -r) in 6.1.*) noname_msg= ;; esac
cli noname --dump get-entry
expect_err noname "Invalid argument" "get-entry without a name: EINVAL when the dump starts" \
	${noname_msg:+"$noname_msg"}

cli extra --do get-session --json "{\"name\": \"$A\", \"id\": 1}"
expect_err extra "Invalid argument" "get-session with an attribute its request does not list (id): EINVAL" \
	"'bad-attr': '.id'"

cli doentry --do get-entry --json "{\"name\": \"$A\"}"
expect_err doentry "Operation not supported" "get-entry as a do, which the spec does not declare: EOPNOTSUPP"

# ---- events -------------------------------------------------------------------
C=$P-c
"$PY" "$YSPEC" "$YNL" "$SPEC" events events "name=$C" 4 60 sh -c \
	"'$HELPER' create '$C' --secret-out '$T/c.secret' -e memfd &&
	 '$HELPER' claim '$C' --secret-file '$T/c.secret' --finish" >"$T/events.out" 2>"$T/events.err" &&
	jq -e --argjson want "$EVENT" '
	[.[].name] == ["event", "event", "event", "event"] and
	[.[].msg.event] == ["created", "sealed", "claimed", "finished"] and
	[.[].msg.state] == ["open", "sealed", "claimed", "finished"] and
	.[3].msg["end-reason"] == "finished" and .[2].msg["claimer-pid"] > 0 and
	all(.[]; .msg | keys == ($want | sort))' "$T/events.out" >/dev/null
ok $? "the events group: a handover's created, sealed, claimed, finished, each with the spec's event attributes" \
	"$T/events.out" "$T/events.err"

[ "$FAILED" -eq 0 ]
