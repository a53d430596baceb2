#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# package_test.sh - install cprhold's Debian packages (make deb) the way
# operators do, inside the test VM (its root is a throw-away overlay):
# dpkg -i of the four packages, DKMS installing the module for the running
# kernel from the postinst, modprobe, the udev rule, a program built with
# pkg-config that hands a memfd over between two processes, cprholdctl,
# the man pages; then dpkg --purge, which must leave nothing behind.  TAP.
#
# The packages come from the host (scripts/check runs scripts/deb).  DKMS
# compiling the module inside the emulated VM takes about 6 minutes per
# kernel: scripts/check has DKMS build it on the host, from the very
# sources in cprhold-dkms_*.deb and against this kernel's Debian headers,
# and pack it with "dkms mktarball".  The test puts that archive where the
# package's postinst looks for prebuilt modules (/usr/share/cprhold-dkms/,
# DKMS's binaries-only route): the postinst loads it ("dkms ldtarball")
# and installs the module, as it would after compiling it.

cd "$(dirname "$0")/.." || exit 1
REL=$(uname -r)
DEBS=$PWD/build/deb
N=0
FAILED=0
TMP=$(mktemp -d)

# shellcheck source=selftests/lib/tap.sh
. selftests/lib/tap.sh

echo "TAP version 13"
echo "1..13"

VERSION=$(sed -n 's/^#define CPRHOLD_MODULE_VERSION[^"]*"\(.*\)"/\1/p' kmod/version.h)
PKGS=(cprhold-dkms libcprhold1 libcprhold-dev cprhold-utils)
files=()
for p in "${PKGS[@]}"; do
	f=$(ls "$DEBS/${p}_${VERSION}_"*.deb 2>/dev/null | head -n 1)
	[ -n "$f" ] && files+=("$f")
done

# See install_test.sh: depmod over Debian's 4,000 modules takes ~40 s per
# run in the emulated VM, and DKMS runs it at install and at removal.
mkdir -p /etc/depmod.d
echo "exclude kernel" >/etc/depmod.d/zz-cprhold-package-test.conf
# man-db's trigger rebuilds its index after every dpkg run: minutes in the
# emulated VM, and nothing this test looks at.
rm -f /var/lib/man-db/auto-update
# A system without cprhold: not the VM's own copy (extra/) either.
rmmod cprhold_kvm 2>/dev/null
rmmod cprhold 2>/dev/null
rm -f /lib/modules/"$REL"/extra/cprhold*.ko*

# DKMS's build from the host (see above).
prebuilt=$PWD/build/dkms-deb/$REL/cprhold-$VERSION.dkms.tar.gz
if [ -f "$prebuilt" ]; then
	mkdir -p /usr/share/cprhold-dkms
	cp "$prebuilt" /usr/share/cprhold-dkms/
fi

[ ${#files[@]} -eq 4 ] && dpkg -i "${files[@]}" >"$TMP/dpkg.log" 2>&1
ok $? "dpkg -i ${PKGS[*]} ($VERSION)" "$TMP/dpkg.log"
grep -E "^(Building|Loading|Done|Installing)|dkms" "$TMP/dpkg.log" | head -n 5 | sed 's/^/# /'

dkms status -m cprhold -v "$VERSION" -k "$REL" >"$TMP/status" 2>&1
grep -q "cprhold/$VERSION, $REL, .*: installed" "$TMP/status"
ok $? "DKMS installed cprhold/$VERSION for $REL from the package" "$TMP/status"
case "$(modinfo -n cprhold 2>/dev/null)" in
*/updates/dkms/*) r=0 ;;
*) r=1; echo "# modinfo -n cprhold: $(modinfo -n cprhold 2>&1)" ;;
esac
ok $r "modprobe finds the DKMS module (updates/dkms/)"
modprobe cprhold 2>"$TMP/modprobe.err" && [ -c /dev/cprhold ] &&
	modprobe cprhold_kvm 2>>"$TMP/modprobe.err"
ok $? "modprobe cprhold and cprhold_kvm load the packaged modules" "$TMP/modprobe.err"

# udev applies the rule from cprhold-utils (started here: no init system).
/lib/systemd/systemd-udevd --daemon >"$TMP/udevd.log" 2>&1
udevadm trigger --action=add --subsystem-match=misc --sysname-match=cprhold
udevadm settle --timeout=30
mode=$(stat -c '%a %G' /dev/cprhold 2>/dev/null)
[ "$mode" = "660 kvm" ]
ok $? "udev gives /dev/cprhold 0660 root:kvm from the packaged rule (got: $mode)"
udevadm control --exit 2>/dev/null

# A program of a user of libcprhold-dev: a memfd handed over to a child.
cat >"$TMP/handover.c" <<'EOF'
#define _GNU_SOURCE
#include <libcprhold.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	unsigned char secret[CPRHOLD_SECRET_SIZE];
	char buf[32] = "";
	int ctl = cprhold_open(0), sfd, mfd, st;
	pid_t pid;

	if (ctl < 0)
		return 1;
	sfd = cprhold_create(ctl, "package-test", 0, 0, -1, secret);
	mfd = memfd_create("package-test", MFD_CLOEXEC);
	if (sfd < 0 || mfd < 0 || write(mfd, "handed over", 11) != 11 ||
	    cprhold_park_one(sfd, mfd, 1, "data", NULL, NULL) ||
	    cprhold_seal(sfd))
		return 2;
	close(mfd);
	pid = fork();
	if (pid == 0) {
		int c = cprhold_claim(ctl, "package-test", secret, 0), fd;

		fd = c < 0 ? c : cprhold_retrieve_one(c, 1, 0);
		if (fd < 0 || pread(fd, buf, sizeof(buf) - 1, 0) != 11 ||
		    strcmp(buf, "handed over") || cprhold_finish(c))
			_exit(3);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return 4;
	printf("libcprhold %s: a memfd handed over to pid %d: %s\n",
	       cprhold_version(), (int)pid, WEXITSTATUS(st) ? "failed" : "ok");
	return WEXITSTATUS(st);
}
EOF
# shellcheck disable=SC2046
gcc -Wall -Werror -o "$TMP/handover" "$TMP/handover.c" \
	$(pkg-config --cflags --libs libcprhold) >"$TMP/cc.log" 2>&1
ok $? "a program builds against libcprhold-dev with pkg-config" "$TMP/cc.log"
"$TMP/handover" >"$TMP/handover.out" 2>&1
ok $? "... and hands a memfd over through /dev/cprhold ($(head -c 200 "$TMP/handover.out"))" \
	"$TMP/handover.out"
lib=$(ldd "$TMP/handover" | awk '/libcprhold/ {print $3}')
dpkg -S "$(realpath "$lib" 2>/dev/null)" 2>/dev/null | grep -q '^libcprhold1:'
ok $? "... linked to libcprhold1's shared library ($lib)"

/usr/sbin/cprholdctl list >"$TMP/ctl.out" 2>&1
ok $? "cprholdctl (cprhold-utils) lists sessions" "$TMP/ctl.out"
man_ok=0
for page in /usr/share/man/man4/cprhold.4.gz /usr/share/man/man8/cprholdctl.8.gz \
	/usr/share/man/man3/libcprhold.3.gz /usr/share/man/man3/cprhold_claim.3.gz; do
	[ -f "$page" ] || { man_ok=1; echo "# missing: $page"; }
done
ok $man_ok "man pages: cprhold(4), cprholdctl(8), libcprhold(3) and its functions"

# ---- purge ----------------------------------------------------------------
for p in "${PKGS[@]}"; do
	dpkg -L "$p" 2>/dev/null
done | sort -u >"$TMP/owned"
rmmod cprhold_kvm 2>/dev/null
rmmod cprhold 2>/dev/null
dpkg --purge "${PKGS[@]}" >"$TMP/purge.log" 2>&1
ok $? "dpkg --purge ${PKGS[*]}" "$TMP/purge.log"
# The test's own prebuilt archive is not the package's to remove.
rm -f /usr/share/cprhold-dkms/cprhold-"$VERSION".dkms.tar.gz
rmdir /usr/share/cprhold-dkms 2>/dev/null

left=()
while read -r f; do
	# directories shared with the system (/usr, /usr/lib, ...) stay
	[ -e "$f" ] && [ ! -d "$f" ] && left+=("$f")
done <"$TMP/owned"
left+=($(ls -d /usr/src/cprhold-* /var/lib/dkms/cprhold /usr/share/cprhold-dkms \
	/lib/modules/"$REL"/updates/dkms/cprhold*.ko* 2>/dev/null))
[ ${#left[@]} -eq 0 ]
ok $? "purging leaves nothing behind ${left[*]:+(left: ${left[*]})}"
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "installed" && echo "# still known to dpkg: $p"
done >"$TMP/known"
[ ! -s "$TMP/known" ]
ok $? "dpkg knows none of the packages any more" "$TMP/known"

rm -f /etc/depmod.d/zz-cprhold-package-test.conf
rm -rf "$TMP"
[ "$FAILED" -eq 0 ]
