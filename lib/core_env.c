// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * core_env.c - the allocator core's environment in userspace, with a
 * fail-nth countdown so tests can fail any internal allocation.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "pcore_env.h"
#include "core_env.h"

static atomic_long fail_countdown;	/* 0: off; n: the nth allocation fails */

void pasid_test_fail_nth(long nth)
{
	atomic_store(&fail_countdown, nth);
}

bool pasid_test_should_fail(void)
{
	long left = atomic_load_explicit(&fail_countdown, memory_order_relaxed);

	/* the hot path: disarmed, one relaxed load */
	while (pcore_unlikely(left > 0)) {
		if (atomic_compare_exchange_weak(&fail_countdown, &left, left - 1))
			return left == 1;
	}
	return false;
}

void *pcore_env_alloc(size_t size)
{
	if (pasid_test_should_fail())
		return NULL;
	return calloc(1, size);
}

void pcore_env_free(void *ptr)
{
	free(ptr);
}

/* Huge pages need 2 MiB-aligned ranges inside the mapping. */
#define TABLE_ALIGN	(2ul << 20)

void *pcore_env_table_alloc(size_t size)
{
	uintptr_t p, a;

	/*
	 * Not a fail-nth point: without the table the core takes leaves one
	 * by one, and nothing it shows changes.
	 */
	/* address space only: pages come (zeroed) when first touched */
	p = (uintptr_t)mmap(NULL, size + TABLE_ALIGN, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if ((void *)p == MAP_FAILED)
		return NULL;
	a = (p + TABLE_ALIGN - 1) & ~(TABLE_ALIGN - 1);
	if (a > p)
		munmap((void *)p, a - p);
	munmap((void *)(a + size), p + TABLE_ALIGN - a);
	/* best effort: without transparent huge pages it works on small ones */
	(void)madvise((void *)a, size, MADV_HUGEPAGE);
	return (void *)a;
}

void pcore_env_table_free(void *ptr, size_t size)
{
	munmap(ptr, size);
}
