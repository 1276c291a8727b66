// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * plock.c - the contended half of plock.h.
 */
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "plock.h"

/* Tries before sleeping: about a critical section's length on one core. */
#define PLOCK_SPINS 200

static void futex(int *word, int op, int val)
{
	(void)syscall(SYS_futex, word, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

void plock_lock_contended(struct plock *l)
{
	int spins, c;

	for (spins = 0; spins < PLOCK_SPINS; spins++) {
		c = 0;
		if (__atomic_load_n(&l->word, __ATOMIC_RELAXED) == 0 &&
		    __atomic_compare_exchange_n(&l->word, &c, 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return;
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
	}
	/* from here on the word says 2 while held: the unlocker wakes someone */
	while (__atomic_exchange_n(&l->word, 2, __ATOMIC_ACQUIRE) != 0)
		futex(&l->word, FUTEX_WAIT, 2);
}

void plock_wake(struct plock *l)
{
	futex(&l->word, FUTEX_WAKE, 1);
}
