// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-guard-chain.c - the engine's SIGSEGV guard (lib/wq/guard.c) when the
 * application installs its own handler afterwards and chains to the
 * previous one, as crash reporters and libFuzzer do.
 *
 * The guard relies on SA_NODEFER on ITS handler so that siglongjmp() (which
 * does not restore the signal mask: sigsetjmp(env, 0)) leaves SIGSEGV
 * unblocked. Called from a chaining handler installed without SA_NODEFER,
 * the kernel blocked SIGSEGV on entry; the guard jumps out, SIGSEGV stays
 * blocked, and the next fault in a guard kills the process (found by
 * fuzz-desc, whose libFuzzer handler is such a handler); so the
 * guard unblocks the signal before siglongjmp(). Run in a child.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif

#include "wq/guard.h"

static struct sigaction prev;

static void app_handler(int sig, siginfo_t *si, void *uc)
{
	/* a crash reporter: record, then hand over to whoever was there */
	if (prev.sa_flags & SA_SIGINFO)
		prev.sa_sigaction(sig, si, uc);
	else
		_exit(3);
}

static void touch(void *arg)
{
	*(volatile uint8_t *)arg = 1;
}

static int child(void)
{
	struct sigaction sa;
	uint64_t addr;
	bool write;
	uint8_t *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

#ifdef VALGRIND_DISABLE_ERROR_REPORTING
	/* the faults are the point, not memcheck errors (tests/run's pass) */
	VALGRIND_DISABLE_ERROR_REPORTING;
#endif
	wq_guard_install();
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = app_handler;
	sa.sa_flags = SA_SIGINFO;		/* no SA_NODEFER, like most */
	sigaction(SIGSEGV, &sa, &prev);
	for (int i = 0; i < 3; i++) {
		if (wq_guard_run(touch, p, &addr, &write) != -14 || addr != (uintptr_t)p)
			return 1;
		printf("guarded fault %d caught\n", i + 1);
		fflush(stdout);
	}
	return 0;
}

int main(void)
{
	int st;
	pid_t pid = fork();

	if (pid == 0)
		_exit(child());
	waitpid(pid, &st, 0);
	if (WIFSIGNALED(st)) {
		printf("the process died with signal %d on a guarded fault\n", WTERMSIG(st));
		return 1;
	}
	return WEXITSTATUS(st) ? 1 : 0;
}
