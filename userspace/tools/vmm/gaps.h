/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CPRHOLD_VMM_GAPS_H
#define CPRHOLD_VMM_GAPS_H

#include <stdint.h>

uint64_t vmm_all_stopped(const uint64_t (*iv)[3], int n, int nr_vcpus);

#endif
