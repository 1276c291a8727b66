/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * guard.h - let the software engine touch memory named by descriptors
 * without crashing: a SIGSEGV/SIGBUS on an engine thread while a guard is
 * armed returns to the guard with the faulting address, like a DMA that
 * faulted. Faults anywhere else go to the handler installed before ours.
 */
#ifndef LIBPASID_WQ_GUARD_H
#define LIBPASID_WQ_GUARD_H

#include <stdbool.h>
#include <stdint.h>

/* Install the process-wide handler (once; safe to call repeatedly). */
void wq_guard_install(void);

/*
 * Run @fn(@arg) guarded. Return: 0, or -EFAULT with the faulting address in
 * *@ret_addr and whether it was a write in *@ret_write.
 */
int wq_guard_run(void (*fn)(void *arg), void *arg, uint64_t *ret_addr, bool *ret_write);

#endif
