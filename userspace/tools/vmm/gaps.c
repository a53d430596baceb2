// SPDX-License-Identifier: GPL-2.0
/*
 * gaps.c - when did the whole guest stop?  Pure logic, unit-tested on the
 * host (tests/test_gaps.c).
 */
#include <stdbool.h>
#include <stdint.h>

#include "gaps.h"

/*
 * The longest stretch in which each of @nr_vcpus vCPUs was in one of its
 * gaps, from @n intervals {start, end, vcpu} (TSC, end exclusive; the
 * intervals of one vCPU do not overlap): 0 if there is none.  Such a
 * stretch begins where its last vCPU stopped, at some interval's start,
 * and ends where the first of them ran again.
 */
uint64_t vmm_all_stopped(const uint64_t (*iv)[3], int n, int nr_vcpus)
{
	uint64_t best = 0;
	int a, b, k;

	if (nr_vcpus <= 0)
		return 0;
	for (a = 0; a < n; a++) {
		uint64_t t = iv[a][0], end = UINT64_MAX;
		int in = 0;

		for (k = 0; k < nr_vcpus; k++) {
			bool covered = false;

			for (b = 0; b < n; b++) {
				if (iv[b][2] != (uint64_t)k || iv[b][0] > t || iv[b][1] <= t)
					continue;
				covered = true;
				if (iv[b][1] < end)
					end = iv[b][1];
			}
			in += covered;
		}
		if (in == nr_vcpus && end - t > best)
			best = end - t;
	}
	return best;
}
