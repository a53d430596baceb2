#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-title: fd handover cost vs fd count
# bench-baseline: scm
# bench-vm-mem: 2G
#
# Runs inside the test VM (scripts/bench-guest.sh); raw samples on stdout.
# 11 runs per point: the successor's wake-up under TCG on a loaded host
# is noisy (milliseconds).
exec "$(dirname "$0")/../fdbench" -r "${BENCH_REPS:-11}" ${BENCH_FD_COUNTS:-1 16 64 256 1024}
