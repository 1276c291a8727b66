// SPDX-License-Identifier: GPL-2.0-only
/*
 * The allocator core's environment in the kernel, and the
 * fail-nth countdown.
 *
 * Debian kernels have no fault-injection framework, so the shim carries its
 * own: PASID_TEST_OP_SET_FAIL_NTH arms a countdown that makes the Nth
 * internal allocation from then on (the core's and the shim's) fail, once.
 */
#include <linux/atomic.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "pasid_internal.h"

static atomic_t pasid_fail_countdown = ATOMIC_INIT(0);
static atomic_t pasid_fail_hit_count = ATOMIC_INIT(0);

/**
 * pasid_should_fail() - Count one allocation against the fail-nth countdown.
 *
 * Return: true when this allocation is the one to fail.
 */
bool pasid_should_fail(void)
{
	int left = atomic_read(&pasid_fail_countdown);

	while (left > 0) {
		if (atomic_try_cmpxchg(&pasid_fail_countdown, &left, left - 1)) {
			if (left == 1) {
				atomic_inc(&pasid_fail_hit_count);
				return true;
			}
			return false;
		}
	}
	return false;
}

/**
 * pasid_fail_nth_set() - Arm (or with 0 disarm) the fail-nth countdown.
 * @nth: fail the @nth allocation from now on, 1 being the next one
 */
void pasid_fail_nth_set(u32 nth)
{
	atomic_set(&pasid_fail_countdown, min_t(u32, nth, INT_MAX));
}

/**
 * pasid_fail_nth_left() - Allocations left before the injected failure.
 *
 * Return: 0 when disarmed or already fired.
 */
u32 pasid_fail_nth_left(void)
{
	return atomic_read(&pasid_fail_countdown);
}

/**
 * pasid_fail_nth_hits() - Failures injected since the module loaded.
 *
 * Return: the count.
 */
u32 pasid_fail_nth_hits(void)
{
	return atomic_read(&pasid_fail_hit_count);
}

/**
 * pasid_kvzalloc() - Zeroed memory for the shim, subject to fail-nth.
 * @size: bytes
 *
 * Return: the memory (free with kvfree()), or NULL.
 */
void *pasid_kvzalloc(size_t size)
{
	if (pasid_should_fail())
		return NULL;
	return kvzalloc(size, GFP_KERNEL);
}

/**
 * pcore_env_alloc() - The allocator core's memory, subject to fail-nth.
 * @size: bytes
 *
 * Return: zeroed memory, or NULL.
 */
void *pcore_env_alloc(size_t size)
{
	return pasid_kvzalloc(size);
}

/**
 * pcore_env_free() - Free memory from pcore_env_alloc(). NULL-safe.
 * @ptr: the memory
 */
void pcore_env_free(void *ptr)
{
	kvfree(ptr);
}
