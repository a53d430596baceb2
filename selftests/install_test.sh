#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# install_test.sh - install cprhold the way users do, inside the test VM
# (its root is a throw-away overlay): make install for the running kernel,
# udev applying the rule, a program built against the installed library
# with pkg-config, the man pages, make uninstall.  TAP output.  DKMS is
# tested through the Debian packages (package_test.sh).

cd "$(dirname "$0")/.." || exit 1
REL=$(uname -r)
PREFIX=/usr/local
N=0
FAILED=0
TMP=$(mktemp -d)

# shellcheck source=selftests/lib/tap.sh
. selftests/lib/tap.sh

echo "TAP version 13"
echo "1..14"

# depmod reads every module of the tree: Debian's 4,000 compressed
# modules take it about 40 s per run in the emulated VM, and make install,
# make uninstall and dkms install each run it.  What this test checks is
# where cprhold lands and that modprobe finds it, not the distribution's
# drivers (cprhold depends on none): in the VM's throw-away root, depmod
# leaves out the distribution's own kernel/ tree.  Run last: the modules
# loaded now stay loaded, but modprobe no longer knows them.
mkdir -p /etc/depmod.d
echo "exclude kernel" > /etc/depmod.d/zz-cprhold-install-test.conf

# Start from a clean slate: the harness loaded extra/cprhold.ko.
rmmod cprhold_kvm 2>/dev/null
rmmod cprhold 2>/dev/null

# ---- make install ---------------------------------------------------------
# The module as "make check" built it for this kernel (same headers, same
# paths, same flags): kbuild finds it up to date, and the emulated VM is
# spared a compile.  Without it, make install builds it here.
built=$PWD/build/kmod/$REL
if [ -f "$built/kmod/cprhold.ko" ]; then
	make install KMOD_TREE="$built" W=1 KCFLAGS=-Werror >"$TMP/install.log" 2>&1
else
	make install >"$TMP/install.log" 2>&1
fi
ok $? "make install for $REL" "$TMP/install.log"
grep -c '^  CC \[M\]' "$TMP/install.log" | sed 's/^/# make install compiled: /'

path=$(modinfo -n cprhold 2>/dev/null)
case "$path" in
*/updates/*) r=0 ;;
*) r=1; echo "# modinfo -n cprhold: $path" ;;
esac
ok $r "the installed module is the one modprobe finds (updates/)"

modprobe cprhold 2>"$TMP/modprobe.err"
ok $? "modprobe cprhold loads the installed module" "$TMP/modprobe.err"

# udev applies 60-cprhold.rules (started here: the VM has no init system).
/lib/systemd/systemd-udevd --daemon >"$TMP/udevd.log" 2>&1
udevadm trigger --action=add --subsystem-match=misc --sysname-match=cprhold
udevadm settle --timeout=30
mode=$(stat -c '%a %G' /dev/cprhold 2>/dev/null)
[ "$mode" = "660 kvm" ]
ok $? "udev gives /dev/cprhold 0660 root:kvm (got: $mode)"
udevadm control --exit 2>/dev/null

[ -f "$PREFIX/include/libcprhold.h" ] && [ -f "$PREFIX/include/linux/cprhold.h" ]
ok $? "headers installed (<libcprhold.h>, <linux/cprhold.h>)"

cat >"$TMP/consumer.c" <<'EOF'
#include <libcprhold.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	unsigned char secret[CPRHOLD_SECRET_SIZE];
	struct cprhold_session_info info;
	int ctl = cprhold_open(0), sfd;

	if (ctl < 0) {
		fprintf(stderr, "open: %s\n", strerror(-ctl));
		return 1;
	}
	sfd = cprhold_create(ctl, "install-test", 0, 0, -1, secret);
	if (sfd < 0 || cprhold_info(sfd, &info) || info.state != CPRHOLD_STATE_OPEN)
		return 2;
	printf("libcprhold %s: session %s is %s\n", cprhold_version(), info.name,
	       cprhold_state_name(info.state));
	return 0;
}
EOF
export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
# shellcheck disable=SC2046
gcc -Wall -Werror -o "$TMP/consumer" "$TMP/consumer.c" $(pkg-config --cflags --libs libcprhold) \
	>"$TMP/cc.log" 2>&1
ok $? "a program builds against the installed library with pkg-config" "$TMP/cc.log"
ldconfig
"$TMP/consumer" >"$TMP/consumer.out" 2>&1
ok $? "... and runs with the installed shared library ($(cat "$TMP/consumer.out"))" "$TMP/consumer.out"
ldd "$TMP/consumer" | grep -q "$PREFIX/lib/libcprhold.so.1"
ok $? "... linked to $PREFIX/lib/libcprhold.so.1"

for page in man4/cprhold.4 man3/libcprhold.3 man3/cprhold_claim.3; do
	[ -f "$PREFIX/share/man/$page" ]
	ok $? "man page $page installed"
done

if [ -d userspace/cprholdctl ]; then
	"$PREFIX/sbin/cprholdctl" list >"$TMP/ctl.out" 2>&1
	ok $? "cprholdctl installed and lists sessions" "$TMP/ctl.out"
else
	ok 1 "cprholdctl installed (userspace/cprholdctl missing)"
fi

# ---- make uninstall ---------------------------------------------------------
rmmod cprhold 2>/dev/null
make uninstall >"$TMP/uninstall.log" 2>&1
ok $? "make uninstall" "$TMP/uninstall.log"
left=$(ls "$PREFIX"/lib/libcprhold* "$PREFIX"/include/libcprhold.h \
	"$PREFIX"/include/linux/cprhold.h "$PREFIX"/lib/pkgconfig/libcprhold.pc \
	"$PREFIX"/share/man/man4/cprhold.4 "$PREFIX"/share/man/man3/libcprhold.3 \
	"$PREFIX"/share/man/man3/cprhold_*.3 /lib/modules/"$REL"/updates/kmod/cprhold*.ko* \
	/etc/udev/rules.d/60-cprhold.rules 2>/dev/null)
[ -z "$left" ]
ok $? "uninstall removes everything it installed ${left:+(left: $left)}"

rm -rf "$TMP"
[ "$FAILED" -eq 0 ]
