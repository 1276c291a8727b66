// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * populate.c - MADV_POPULATE_READ/WRITE (Linux 5.14) as an access check.
 *
 * Kernels answer a bad range with ENOMEM (unmapped), EFAULT, or EINVAL
 * (PROT_NONE, writing a read-only mapping, VM_IO/PFNMAP): EINVAL is also
 * what a kernel without the advice says, so support is probed once on a
 * page known to be fine.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>

#include "populate.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

static bool supported, forced_off;
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static _Alignas(4096) unsigned char probe_page[4096];

static void probe(void)
{
	supported = !madvise(probe_page, sizeof(probe_page), MADV_POPULATE_WRITE);
}

int wq_populate(void *addr, size_t len, bool write)
{
	pthread_once(&probe_once, probe);
	if (!supported || __atomic_load_n(&forced_off, __ATOMIC_RELAXED))
		return -ENOSYS;
	if (madvise(addr, len, write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ))
		return -EFAULT;
	return 0;
}

void wq_populate_force_unsupported(bool off)
{
	__atomic_store_n(&forced_off, off, __ATOMIC_RELAXED);
}
