#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The guest half of scripts/demo: runs inside the test VM.
set -eu
S=$CPRHOLD_OUT/summary.txt
{
	echo
	echo "=== cprhold demo on $(uname -r) ==="
	echo "modprobe cprhold"
	modprobe cprhold
	echo "  module:  $(modinfo -F description cprhold), version $(cat /sys/module/cprhold/version)"
	echo "  device:  $(ls -l /dev/cprhold)"
	echo "  kvm:     $(ls -l /dev/kvm)"
	echo "  vfio:    edu $CPRHOLD_EDU in IOMMU group $CPRHOLD_VFIO_GROUP -> /dev/vfio/$CPRHOLD_VFIO_GROUP"
} > "$S"
cat "$S"
