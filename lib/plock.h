/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * plock.h - a small futex mutex for the library's hot locks.
 *
 * In a single-threaded process (glibc's __libc_single_threaded, which only
 * pthread_create() clears) a lock and an unlock are plain stores, as glibc
 * does for its own private mutexes: an atomic costs ~5 ns here, more than
 * the allocation it guards. Else an uncontended lock and unlock are one
 * atomic instruction each, inline, where pthread_mutex_lock()/unlock() add
 * two calls and a dispatch on the mutex kind. Contended, a thread spins
 * briefly (critical sections here are a few hundred instructions), then
 * sleeps on the futex. The word: 0 free, 1 held, 2 held and someone may
 * sleep (U. Drepper, "Futexes Are Tricky", 2011, mutex #2).
 * A thread created while the lock is held finds it held (pthread_create()
 * orders the plain store before it), and the unlock then wakes it as usual.
 * Not recursive, not robust.
 */
#ifndef LIBPASID_PLOCK_H
#define LIBPASID_PLOCK_H

#include <stdbool.h>
#include <sys/single_threaded.h>

struct plock {
	int word;
};

#define PLOCK_INIT { 0 }

void plock_lock_contended(struct plock *l);
void plock_wake(struct plock *l);

static inline void plock_lock(struct plock *l)
{
	int free_ = 0;

	if (__libc_single_threaded) {
		l->word = 1;
		return;
	}
	if (__builtin_expect(!__atomic_compare_exchange_n(&l->word, &free_, 1, false,
							 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED), 0))
		plock_lock_contended(l);
}

static inline void plock_unlock(struct plock *l)
{
	if (__libc_single_threaded) {
		l->word = 0;
		return;
	}
	if (__builtin_expect(__atomic_exchange_n(&l->word, 0, __ATOMIC_RELEASE) != 1, 0))
		plock_wake(l);
}

#endif /* LIBPASID_PLOCK_H */
