// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-plock.c - the library's futex mutex (lib/plock.h): exclusion under
 * contention, the single-threaded form handing over to the atomic one when
 * a thread is created with the lock held, and sleepers woken.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/single_threaded.h>
#include <unistd.h>

#include <cmocka.h>

#include "plock.h"

#define THREADS 4
#define ROUNDS 200000

static struct plock lock = PLOCK_INIT;
static unsigned long counter;		/* plain: only the lock orders it */
static int inside;			/* threads inside the section, plain */

static void *hammer(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < ROUNDS; i++) {
		plock_lock(&lock);
		inside++;
		counter++;
		if (inside != 1)
			counter = 0;	/* two inside: the final count says so */
		inside--;
		plock_unlock(&lock);
	}
	return NULL;
}

static void test_exclusion(void **state)
{
	pthread_t t[THREADS];
	int i;

	(void)state;
	counter = 0;
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, NULL), 0);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(counter, (unsigned long)THREADS * ROUNDS);
	assert_int_equal(lock.word, 0);
}

static void *take_once(void *arg)
{
	plock_lock(&lock);
	*(int *)arg = 1;
	plock_unlock(&lock);
	return NULL;
}

/*
 * Taken while the process may still be single-threaded, held across a
 * pthread_create(): the new thread must wait (it sleeps on the futex after
 * spinning) until the unlock, which must wake it.
 */
static void test_held_across_create(void **state)
{
	pthread_t t;
	int done = 0, early, word, i;

	(void)state;
	assert_true(__libc_single_threaded);	/* the plain-store form takes it */
	plock_lock(&lock);
	assert_int_equal(lock.word, 1);
	assert_int_equal(pthread_create(&t, NULL, take_once, &done), 0);
	/*
	 * Past the spin it marks the word 2 and sleeps; a loaded machine may
	 * take long to run it at all, so wait for the mark (10 s at most), and
	 * unlock before any verdict: a failure must not leave the lock held
	 * for the next test.
	 */
	for (i = 0; i < 10000 && __atomic_load_n(&lock.word, __ATOMIC_RELAXED) != 2; i++)
		usleep(1000);
	word = __atomic_load_n(&lock.word, __ATOMIC_RELAXED);
	early = __atomic_load_n(&done, __ATOMIC_ACQUIRE);
	plock_unlock(&lock);
	assert_int_equal(early, 0);
	assert_int_equal(word, 2);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(done, 1);
	assert_int_equal(lock.word, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_held_across_create),
		cmocka_unit_test(test_exclusion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
