# SPDX-License-Identifier: GPL-2.0
#
# selftests/lib/tap.sh - TAP output for the shell tests, sourced by them:
# ok() counts in N and FAILED, which the caller initialises to 0.

ok() {	# ok <status> <description> [diagnostic file]
	N=$((N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $N - $2"
	else
		echo "not ok $N - $2"
		FAILED=$((FAILED + 1))
		[ -n "$3" ] && [ -f "$3" ] && tail -n 20 "$3" | sed 's/^/# /'
	fi
}
