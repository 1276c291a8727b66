// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * guard.c - SIGSEGV/SIGBUS turned into an error return on engine threads.
 *
 * sigsetjmp() does not save the signal mask (no system call per guard); the
 * handler runs with SA_NODEFER and unblocks SIGSEGV/SIGBUS itself before
 * siglongjmp() (it may be called from another handler that blocked them). Faults outside an armed guard are passed to the previous
 * handler, or to the default action, so the application sees its own
 * crashes unchanged.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>

#include "guard.h"

/*
 * Under valgrind, memcheck reports an access to memory the application
 * unmapped or protected as an error even when the guard turns it into a
 * page-fault completion, as designed. A guarded access is the device's
 * DMA into the application's buffers, not the library's own memory, so
 * memcheck's reporting is off inside a guard (per thread; the client
 * requests cost a few instructions outside valgrind).
 */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef VALGRIND_DISABLE_ERROR_REPORTING
#define VALGRIND_DISABLE_ERROR_REPORTING	do { } while (0)
#define VALGRIND_ENABLE_ERROR_REPORTING		do { } while (0)
#endif

struct guard_tls {
	sigjmp_buf env;
	volatile sig_atomic_t armed;
	volatile uint64_t addr;
	volatile bool write;
};

static __thread struct guard_tls guard;
static struct sigaction old_segv, old_bus;
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;

static void guard_chain(int sig, siginfo_t *si, void *uc)
{
	const struct sigaction *old = sig == SIGSEGV ? &old_segv : &old_bus;

	if (old->sa_flags & SA_SIGINFO) {
		old->sa_sigaction(sig, si, uc);
		return;
	}
	if (old->sa_handler == SIG_DFL || old->sa_handler == SIG_IGN) {
		/* the faulting instruction runs again and takes the default action */
		signal(sig, SIG_DFL);
		return;
	}
	old->sa_handler(sig);
}

static void guard_handler(int sig, siginfo_t *si, void *uc)
{
	sigset_t set;

	if (guard.armed) {
		guard.armed = 0;
		guard.addr = (uint64_t)(uintptr_t)si->si_addr;
#if defined(__x86_64__)
		/* page-fault error code bit 1: the access was a write */
		guard.write = (((ucontext_t *)uc)->uc_mcontext.gregs[REG_ERR] & 2) != 0;
#else
		guard.write = false;
#endif
		/*
		 * Called through another handler installed without SA_NODEFER,
		 * the signal is blocked now and siglongjmp() (no saved mask)
		 * would leave it blocked: the next fault would kill the process.
		 */
		sigemptyset(&set);
		sigaddset(&set, SIGSEGV);
		sigaddset(&set, SIGBUS);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
		siglongjmp(guard.env, 1);
	}
	guard_chain(sig, si, uc);
}

static void guard_do_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = guard_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
}

void wq_guard_install(void)
{
	pthread_once(&guard_once, guard_do_install);
}

int wq_guard_run(void (*fn)(void *arg), void *arg, uint64_t *ret_addr, bool *ret_write)
{
	if (sigsetjmp(guard.env, 0)) {
		VALGRIND_ENABLE_ERROR_REPORTING;
		*ret_addr = guard.addr;
		*ret_write = guard.write;
		return -EFAULT;
	}
	VALGRIND_DISABLE_ERROR_REPORTING;
	guard.armed = 1;
	fn(arg);
	guard.armed = 0;
	VALGRIND_ENABLE_ERROR_REPORTING;
	return 0;
}
