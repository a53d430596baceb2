#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# qemu_cprhold_test.sh - QEMU live update through cprhold, inside the test
# VM (nested KVM): QEMU with qemu-patches/ (scripts/qemu-build; make check
# builds it on the host first) runs a tiny heartbeat guest with its RAM on
# memory-backend-memfd,share=on.  Old QEMU in container A migrates in
# cpr-transfer mode through a cprhold session and exits; new QEMU started
# afterwards in container B claims it and the guest keeps counting; a wrong
# secret is refused; after a new QEMU is killed mid-way, old QEMU takes the
# guest back; with adopt=on new QEMU keeps the KVM VM itself, and old QEMU
# can take it back; and the guest pause is measured for stock cpr-transfer over
# UNIX sockets and for cprhold.  TAP output (selftests/qemu/cprhold_qemu.py).
#
# No skips: a QEMU that is not built, or no /dev/kvm, is a failure.
# Environment: QEMU (a binary to use instead of scripts/qemu-build's).

cd "$(dirname "$0")" || exit 1
modprobe cprhold 2>/dev/null
exec /usr/bin/python3 qemu/cprhold_qemu.py "$@"
