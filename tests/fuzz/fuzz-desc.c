// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz-desc.c - the SIMULATED DSA engine's validation and execution of one
 * descriptor (eng_exec(), lib/wq/exec.c), batches included, on a WQ whose
 * configuration (DSA or IAA, block-on-fault, batch size) and injected
 * not-present pages also come from the input.
 *
 * The engine works on addresses of this process (shared virtual memory), so
 * every address field the opcode uses is folded into a sandbox window:
 *
 *   [none][list: read-only view, 2 pages][data: 4 pages rw][none]
 *
 * inside a PROT_NONE reservation wider than the largest transfer (64 KiB
 * here), so nothing a descriptor names can reach other memory. Batch members
 * come only from the read-only list view (the harness writes them, folded,
 * through a second, writable mapping of the same memfd), so data operations
 * cannot plant raw addresses in them. What must hold: no crash, no ASan or
 * UBSan report, no hang; a descriptor whose PASID is not bound runs nothing
 * and reports a translation fault.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wq/engine.h"
#include "wq/guard.h"
#include "fuzz.h"

#define PG		4096u
#define LIST_PAGES	2u
#define DATA_PAGES	4u
#define WIN_PAGES	(1u + LIST_PAGES + DATA_PAGES + 1u)
#define WIN		(WIN_PAGES * PG)
#define MAX_XFER	(64u * 1024u)
#define MARGIN		(2u * MAX_XFER)

static uint8_t *win;		/* the window, as the engine sees it */
static uint8_t *list_rw;	/* writable view of the list pages */
static struct engine *eng;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t *res;
	int fd;

	(void)argc;
	(void)argv;
	res = mmap(NULL, MARGIN + WIN + MARGIN, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	FUZZ_CHECK(res != MAP_FAILED, "reserve");
	win = res + MARGIN;
	fd = memfd_create("fuzz-desc-list", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0 && !ftruncate(fd, LIST_PAGES * PG), "memfd");
	FUZZ_CHECK(mmap(win + PG, LIST_PAGES * PG, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) ==
		   win + PG, "list view");
	list_rw = mmap(NULL, LIST_PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	FUZZ_CHECK(list_rw != MAP_FAILED, "list rw view");
	close(fd);
	FUZZ_CHECK(mmap(win + (1 + LIST_PAGES) * PG, DATA_PAGES * PG, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		   win + (1 + LIST_PAGES) * PG, "data");
	eng = aligned_alloc(64, (sizeof(*eng) + 63) & ~(size_t)63);
	FUZZ_CHECK(eng, "engine");
	return 0;
}

static uint64_t fold(uint64_t a)
{
	return (uint64_t)(uintptr_t)win + a % WIN;
}

static uint64_t fold_list(uint64_t a)
{
	/* starts in the first list page: 32 members of 64 bytes stay in the list */
	return (uint64_t)(uintptr_t)(win + PG) + a % PG;
}

/* Fold the address fields @d's opcode uses (others are data, left alone). */
static void fold_desc(struct dsa_hw_desc *d)
{
	d->completion_addr = fold(d->completion_addr);
	switch (d->opcode) {
	case DSA_OPCODE_BATCH:
		d->desc_list_addr = fold_list(d->desc_list_addr);
		break;
	case DSA_OPCODE_DRAIN:
		d->rdback_addr = fold(d->rdback_addr);
		d->rdback_addr2 = fold(d->rdback_addr2);
		break;
	case DSA_OPCODE_MEMMOVE:
	case DSA_OPCODE_COMPARE:
	case DSA_OPCODE_COPY_CRC:
		d->src_addr = fold(d->src_addr);
		d->dst_addr = fold(d->dst_addr);	/* src2_addr for COMPARE */
		if (d->opcode == DSA_OPCODE_COPY_CRC && d->seed_addr)
			d->seed_addr = fold(d->seed_addr);
		break;
	case DSA_OPCODE_MEMFILL:
		d->dst_addr = fold(d->dst_addr);	/* src_addr is the pattern */
		break;
	case DSA_OPCODE_COMPVAL:
		d->src_addr = fold(d->src_addr);	/* dst_addr is the pattern */
		break;
	case DSA_OPCODE_DUALCAST:
		d->src_addr = fold(d->src_addr);
		d->dst_addr = fold(d->dst_addr);
		/* keep dest2's low 12 bits: they must equal dst's */
		d->dest2 = fold(d->dest2);
		break;
	case DSA_OPCODE_CRCGEN:
		d->src_addr = fold(d->src_addr);
		if (d->seed_addr)
			d->seed_addr = fold(d->seed_addr);
		break;
	default:
		break;	/* unknown opcodes must be refused untouched */
	}
}

static size_t take(uint8_t *dst, size_t want, const uint8_t **data, size_t *size)
{
	size_t n = *size < want ? *size : want;

	memcpy(dst, *data, n);
	memset(dst + n, 0, want - n);
	*data += n;
	*size -= n;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_Alignas(64) struct dsa_hw_desc d;
	uint8_t hdr[4], *cr_at;
	uint64_t faults[3];
	unsigned int nf;
	bool pasid_ok, cr_in_data;

	if (!win)
		LLVMFuzzerInitialize(NULL, NULL);
	/*
	 * As eng_start() does: faults inside guards become statuses. Installed
	 * here, after libFuzzer's own SIGSEGV handler: installed before it, the
	 * guard's siglongjmp() would leave SIGSEGV blocked and the next fault
	 * would kill the process (the bug tests/stress/test-guard-chain shows).
	 */
	wq_guard_install();
	take(hdr, sizeof(hdr), &data, &size);
	take((uint8_t *)&d, sizeof(d), &data, &size);
	take(list_rw, LIST_PAGES * PG, &data, &size);
	take(win + (1 + LIST_PAGES) * PG, DATA_PAGES * PG, &data, &size);

	/* the WQ: DSA or IAA, block-on-fault, batch size */
	memset(eng, 0, sizeof(*eng));
	eng->cfg.iaa = hdr[0] & 1;
	eng->cfg.bof = hdr[0] & 2;
	eng->cfg.dedicated = hdr[0] & 4;
	pasid_ok = !(hdr[0] & 8) || (hdr[0] & 0x80);
	eng->cfg.size = 32;
	eng->cfg.max_xfer = MAX_XFER;
	eng->cfg.max_batch = 2 + hdr[1] % 31;
	eng->cfg.cr_align = eng->cfg.iaa ? 64 : 32;
	eng->cfg.rid = 0x6a08;
	for (unsigned int op = 0; op < 0x20; op++)
		eng->cfg.ops[0] |= 1ull << op;
	/* up to three injected not-present pages in the window */
	nf = (hdr[0] >> 4) & 3;
	for (unsigned int i = 0; i < nf; i++) {
		faults[i] = (uint64_t)(uintptr_t)win + (uint64_t)(hdr[2 + (i & 1)] >> (i * 2)) %
			    WIN_PAGES * PG;
		FUZZ_CHECK(eng_fault_inject(eng, faults[i]) == 0, "inject");
	}

	fold_desc(&d);
	for (size_t off = 0; off + 64 <= LIST_PAGES * PG; off += 64)
		fold_desc((struct dsa_hw_desc *)(void *)(list_rw + off));
	cr_at = (uint8_t *)(uintptr_t)d.completion_addr;
	cr_in_data = cr_at >= win + (1 + LIST_PAGES) * PG &&
		     cr_at + 64 <= win + (WIN_PAGES - 1) * PG;
	if (cr_in_data)
		memset(cr_at, 0, 64);

	eng_exec(eng, &d, 1, pasid_ok);

	/* a PASID not bound on the RID: nothing runs, the record says so */
	if (!pasid_ok && (d.flags & IDXD_OP_FLAG_CRAV) && cr_in_data &&
	    !(d.completion_addr % eng->cfg.cr_align))
		FUZZ_CHECK(cr_at[0] == DSA_COMP_TRANSLATION_FAIL, "status %#x", cr_at[0]);
	FUZZ_CHECK(pasid_ok || atomic_load(&eng->errors) >= 1, "translation fault not latched");
	for (unsigned int i = 0; i < nf; i++)
		eng_fault_resolve(eng, faults[i]);
	return 0;
}
