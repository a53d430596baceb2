// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka unit tests of gaps.c: the whole guest's pause, from the gaps each
 * vCPU saw around a resume.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../gaps.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* One vCPU: its own gap is the guest's pause. */
static void one_vcpu(void **state)
{
	const uint64_t iv[][3] = { { 100, 250, 0 } };

	(void)state;
	assert_int_equal(150, vmm_all_stopped(iv, N(iv), 1));
}

/*
 * Two vCPUs time-sharing one CPU: vCPU 1 was off its CPU long before the
 * stop and ran again long after the resume; the guest stopped from vCPU
 * 0's stop (100) to its resume (250).
 */
static void time_sharing(void **state)
{
	const uint64_t iv[][3] = { { 100, 250, 0 }, { 40, 900, 1 } };

	(void)state;
	assert_int_equal(150, vmm_all_stopped(iv, N(iv), 2));
	/* the same, listed the other way round */
	{
		const uint64_t rev[][3] = { { 40, 900, 1 }, { 100, 250, 0 } };

		assert_int_equal(150, vmm_all_stopped(rev, N(rev), 2));
	}
}

/* From the last vCPU to stop to the first to run again. */
static void last_stop_first_run(void **state)
{
	const uint64_t iv[][3] = {
		{ 100, 400, 0 }, { 130, 380, 1 }, { 90, 420, 2 }, { 120, 390, 3 },
	};

	(void)state;
	assert_int_equal(380 - 130, vmm_all_stopped(iv, N(iv), 4));
}

/*
 * Several gaps per vCPU near the resume (the handover's, then waits for
 * a CPU): every stretch in which all were stopped counts, the longest
 * wins, whichever gap of a vCPU it lies in.
 */
static void several_gaps_per_vcpu(void **state)
{
	const uint64_t iv[][3] = {
		{ 100, 200, 0 }, { 210, 800, 0 },
		{ 110, 190, 1 }, { 500, 600, 1 },
	};
	/* the stretch is in vCPU 0's shorter gap, not its largest one */
	const uint64_t not_largest[][3] = {
		{ 100, 300, 0 }, { 400, 1000, 0 },
		{ 120, 290, 1 }, { 900, 950, 1 },
	};

	(void)state;
	/* 110-190 (both), then 500-600 (both again, vCPU 0 off its CPU) */
	assert_int_equal(100, vmm_all_stopped(iv, N(iv), 2));
	/* 120-290: 170; 900-950: 50 */
	assert_int_equal(170, vmm_all_stopped(not_largest, N(not_largest), 2));
}

/*
 * Ends are exclusive: a vCPU whose gap ends at 200 ran at 200, even if
 * its next gap starts there (one iteration apart), so the stretch with
 * the other vCPU ends at 200 and a new one begins.
 */
static void ends_exclusive(void **state)
{
	const uint64_t iv[][3] = {
		{ 100, 200, 0 }, { 200, 400, 0 },
		{ 150, 350, 1 },
	};

	(void)state;
	/* 150-200 (50), then 200-350 (150) */
	assert_int_equal(150, vmm_all_stopped(iv, N(iv), 2));
}

/* No time in which every vCPU was stopped, or a vCPU without a gap. */
static void none(void **state)
{
	const uint64_t apart[][3] = { { 100, 200, 0 }, { 200, 300, 1 } };
	const uint64_t only0[][3] = { { 100, 200, 0 } };

	(void)state;
	assert_int_equal(0, vmm_all_stopped(apart, N(apart), 2));
	assert_int_equal(0, vmm_all_stopped(only0, N(only0), 2));
	assert_int_equal(0, vmm_all_stopped(only0, 0, 1));
	assert_int_equal(0, vmm_all_stopped(only0, N(only0), 0));
}

/* Intervals of vCPUs beyond @nr_vcpus are ignored, not counted in. */
static void other_vcpus_ignored(void **state)
{
	const uint64_t iv[][3] = { { 100, 200, 0 }, { 0, 1000, 5 } };

	(void)state;
	assert_int_equal(100, vmm_all_stopped(iv, N(iv), 1));
	assert_int_equal(0, vmm_all_stopped(iv, N(iv), 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_vcpu),
		cmocka_unit_test(time_sharing),
		cmocka_unit_test(last_stop_first_run),
		cmocka_unit_test(several_gaps_per_vcpu),
		cmocka_unit_test(ends_exclusive),
		cmocka_unit_test(none),
		cmocka_unit_test(other_vcpus_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
