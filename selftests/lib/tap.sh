# SPDX-License-Identifier: GPL-2.0
#
# selftests/lib/tap.sh - TAP output for the shell tests, sourced by them:
# ok() counts in N and FAILED, which the caller initialises to 0.

# On failure, the last 20 lines of each diagnostic file that exists, as
# TAP comments ("# line", or "# file: line" when there are several).
ok() {	# ok <status> <description> [diagnostic file...]
	local f pre

	N=$((N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $N - $2"
	else
		echo "not ok $N - $2"
		FAILED=$((FAILED + 1))
		shift 2
		for f in "$@"; do
			pre=
			[ $# -gt 1 ] && pre="${f##*/}: "
			[ -n "$f" ] && [ -f "$f" ] && tail -n 20 "$f" | sed "s|^|# $pre|"
		done
	fi
	return 0
}

skip() {	# skip <description> <reason>
	N=$((N + 1))
	echo "ok $N - $1 # SKIP $2"
}
