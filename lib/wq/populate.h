/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* populate.h - make pages present (and check they may be accessed) without touching them. */
#ifndef LIBPASID_WQ_POPULATE_H
#define LIBPASID_WQ_POPULATE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * MADV_POPULATE_READ/WRITE over [@addr, @addr + @len) (@addr page aligned).
 * Return: 0 present and accessible; -EFAULT unmapped, PROT_NONE or (for
 * @write) read-only; -ENOSYS the kernel has no MADV_POPULATE_* (before 5.14).
 */
int wq_populate(void *addr, size_t len, bool write);

/* Act as a kernel before 5.14 (tests of the fallback paths). */
void wq_populate_force_unsupported(bool off);

#endif
