// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-wq-bad-cr.c - a descriptor whose completion record address is a
 * read-only (or PROT_NONE) page must not crash the process: the engine
 * latches CRA_XLAT (pasid_wq_info.errors) as a device reports a completion
 * write that faults.
 *
 * Found by fuzz-desc (tests/fuzz/corpus/desc/regress-noop-cr-*): cr_write()
 * trusted eng_page_ok(), and madvise(MADV_POPULATE_WRITE) answers EINVAL
 * (then taken as "kernel too old, trust the guard") for read-only and
 * PROT_NONE pages, so the engine thread stored into the page and the whole
 * process died with SIGSEGV. Fixed in 36d2f72. The descriptor is submitted
 * through the public API in a child process; the parent checks the child.
 */
#include <errno.h>
#include <linux/idxd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpasid/pasid.h>

static int child(int prot)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_SIM };
	_Alignas(64) struct dsa_hw_desc d;
	struct pasid_wq_info info = { .size = sizeof(info) };
	struct pasid_ctx *ctx = NULL;
	struct pasid_wq *wq = NULL;
	uint8_t *page;

	if (pasid_ctx_new(&o, &ctx) || pasid_wq_open(ctx, "dsa0/wq0.0", 0, &wq)) {
		fprintf(stderr, "setup: %s %s\n", pasid_strerror_last(),
			ctx ? pasid_ctx_last_error(ctx) : "");
		return 2;
	}
	page = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return 2;
	memset(&d, 0, sizeof(d));
	d.opcode = DSA_OPCODE_NOOP;
	d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
	d.completion_addr = (uintptr_t)page + 64;
	if (pasid_wq_submit(wq, &d))
		return 2;
	for (int i = 0; i < 2000; i++) {	/* up to 2 s for the error */
		struct timespec ts = { 0, 1000000 };

		pasid_wq_get_info(wq, &info);
		if (info.errors)
			break;
		nanosleep(&ts, NULL);
	}
	printf("prot %d: engine errors %llu, last status %#x\n", prot,
	       (unsigned long long)info.errors, info.last_error);
	pasid_wq_close(wq);
	pasid_ctx_unref(ctx);
	return info.errors && info.last_error == DSA_COMP_CRA_XLAT ? 0 : 1;
}

int main(void)
{
	static const int prots[] = { PROT_READ, PROT_NONE };
	int bad = 0;

	for (unsigned int i = 0; i < 2; i++) {
		int st;
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			st = child(prots[i]);
			fflush(stdout);
			_exit(st);
		}
		waitpid(pid, &st, 0);
		if (WIFSIGNALED(st)) {
			printf("prot %d: the process died with signal %d\n", prots[i],
			       WTERMSIG(st));
			bad = 1;
		} else if (WEXITSTATUS(st)) {
			printf("prot %d: exit %d\n", prots[i], WEXITSTATUS(st));
			bad = 1;
		}
	}
	return bad;
}
