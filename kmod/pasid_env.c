// SPDX-License-Identifier: GPL-2.0-only
/*
 * The allocator core's environment in the kernel.
 *
 * Everything the core and the shim allocate is made by some user's request
 * (an open, an ALLOC, an EXTEND, an ATTACH), so it is charged to that user's
 * memory cgroup (GFP_KERNEL_ACCOUNT): a memcg limit bounds what one user can
 * pin in the kernel through /dev/pasid. In the test build the fail-nth
 * countdown (pasid_test.c) can fail any of these allocations.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "pasid_internal.h"

/**
 * pasid_kvzalloc() - Zeroed memory for the shim, charged to the caller's memcg.
 * @size: bytes
 *
 * Return: the memory (free with kvfree()), or NULL.
 */
void *pasid_kvzalloc(size_t size)
{
	if (pasid_should_fail())
		return NULL;
	return kvzalloc(size, GFP_KERNEL_ACCOUNT);
}

/**
 * pcore_env_alloc() - The allocator core's memory, as pasid_kvzalloc().
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

/**
 * pcore_env_table_alloc() - No lazily backed tables in the kernel.
 * @size: bytes
 *
 * The shim's values are bounded by its quotas: leaves are enough.
 *
 * Return: NULL.
 */
void *pcore_env_table_alloc(size_t size)
{
	return NULL;
}

/**
 * pcore_env_table_free() - Never called in the kernel.
 * @ptr: the table
 * @size: bytes
 */
void pcore_env_table_free(void *ptr, size_t size)
{
}
