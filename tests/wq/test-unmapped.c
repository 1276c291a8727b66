// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-unmapped.c - the SIMULATED engine never takes the process down.
 *
 * A MEMMOVE from A succeeds, A is unmapped, the same descriptor is submitted
 * again at once (the engine has just seen A's pages): the second run must
 * complete with a page-fault status naming A, not kill the process with
 * SIGSEGV. The scenario runs in a child process so that a crash is reported
 * as such (signal number) instead of ending the test program. Plain C, not
 * cmocka: cmocka replaces the SIGSEGV handler around every test.
 */
#include <errno.h>
#include <linux/idxd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpasid/pasid.h>

#define LEN	(64 * 1024)
#define ROUNDS	50
#define SEC	1000000000ull

static _Alignas(64) struct dsa_hw_desc D;
static _Alignas(64) struct dsa_completion_record C;

static int fail(const char *what, struct pasid_ctx *ctx)
{
	fprintf(stderr, "child: %s%s%s\n", what, ctx ? ": " : "",
		ctx ? pasid_ctx_last_error(ctx) : "");
	return 1;
}

static int submit_wait(struct pasid_wq *wq, struct pasid_ctx *ctx)
{
	memset(&C, 0, sizeof(C));
	if (pasid_wq_submit(wq, &D))
		return fail("submit", ctx);
	if (pasid_wq_wait(wq, &C, 2 * SEC))
		return fail("wait", ctx);
	return 0;
}

/* One WQ, @rounds times: copy from a fresh mapping, unmap it, copy again. */
static int scenario(const char *name)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_SIM };
	struct pasid_ctx *ctx = NULL;
	struct pasid_wq *wq = NULL;
	uint8_t *b = aligned_alloc(4096, LEN);

	if (!b || pasid_ctx_new(&o, &ctx))
		return fail("context", NULL);
	memset(b, 0, LEN);	/* resident: a destination never touched faults */
	if (pasid_wq_open(ctx, name, 0, &wq))
		return fail(name, ctx);
	for (int r = 0; r < ROUNDS; r++) {
		uint8_t *a = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (a == MAP_FAILED)
			return fail("mmap", NULL);
		memset(a, 0x5a, LEN);
		memset(&D, 0, sizeof(D));
		D.opcode = DSA_OPCODE_MEMMOVE;
		D.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
		D.completion_addr = (uintptr_t)&C;
		D.src_addr = (uintptr_t)a;
		D.dst_addr = (uintptr_t)b;
		D.xfer_size = LEN;
		if (submit_wait(wq, ctx))
			return 1;
		if (C.status != DSA_COMP_SUCCESS) {
			fprintf(stderr, "child: %s: first copy: status %#x\n", name, C.status);
			return 1;
		}
		munmap(a, LEN);
		if (submit_wait(wq, ctx))
			return 1;
		if ((C.status & DSA_COMP_STATUS_MASK) != DSA_COMP_PAGE_FAULT_NOBOF ||
		    C.fault_addr != (uintptr_t)a || C.bytes_completed) {
			fprintf(stderr, "child: %s: copy from unmapped memory: status %#x, "
				"fault_addr %#llx (wanted %p), bytes_completed %u\n", name,
				C.status, (unsigned long long)C.fault_addr, (void *)a,
				C.bytes_completed);
			return 1;
		}
	}
	pasid_wq_close(wq);
	pasid_ctx_unref(ctx);
	free(b);
	return 0;
}

int main(void)
{
	static const char *const wqs[] = { "dsa2/wq2.0", "dsa2/wq2.1" };
	int bad = 0;

	for (size_t i = 0; i < sizeof(wqs) / sizeof(wqs[0]); i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (!pid)
			_exit(scenario(wqs[i]));
		if (waitpid(pid, &status, 0) != pid) {
			perror("waitpid");
			return 1;
		}
		if (WIFSIGNALED(status)) {
			printf("not ok %zu - %s: the process died of signal %d (%s)\n", i + 1,
			       wqs[i], WTERMSIG(status), strsignal(WTERMSIG(status)));
			bad++;
		} else if (WEXITSTATUS(status)) {
			printf("not ok %zu - %s: exit %d\n", i + 1, wqs[i], WEXITSTATUS(status));
			bad++;
		} else {
			printf("ok %zu - %s: unmapped source gives a page-fault completion\n",
			       i + 1, wqs[i]);
		}
	}
	return bad ? 1 : 0;
}
