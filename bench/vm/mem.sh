#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-title: guest RAM handover vs RAM size
# bench-baseline: copy
# bench-vm-mem: 6G
#
# Runs inside the test VM (scripts/bench-guest.sh); raw samples on stdout.
# The 4 GiB memfd needs the VM's 6G.  The cprhold runs are cheap: 25 of
# them per size, since the successor's wake-up under TCG is noisy.  The copy
# runs only up to 256 MiB (it is linear and takes 10-15 s per 256 MiB under
# TCG on a loaded host), 5 times.
exec "$(dirname "$0")/../membench" -r "${BENCH_MEM_REPS:-25}" -R "${BENCH_COPY_REPS:-5}" \
	-C "${BENCH_COPY_MAX_MIB:-256}" ${BENCH_MEM_SIZES:-64 256 1024 4096}
