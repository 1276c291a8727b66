// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fault.c - page-fault continuation (docs/dsa-facts.md, 'Page faults and
 * continuation', 'Batches'): make the faulting page present, advance the
 * descriptor past what completed, resubmit the rest.
 */
#include <errno.h>
#include <linux/idxd.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../internal.h"
#include "populate.h"
#include "wq_internal.h"

#define CRC_SEED_ADDR	(1u << 16)

/*
 * Before Linux 5.14 there is no MADV_POPULATE_WRITE: whether the mapping
 * may be written is read from /proc/self/maps, so that a write fault on a
 * read-only page is refused instead of touching it (SIGSEGV).
 */
static int writable(uint64_t addr)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");
	int ret = -EFAULT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi;
		char perms[5];

		if (sscanf(line, "%llx-%llx %4s", &lo, &hi, perms) != 3)
			continue;
		if (addr >= lo && addr < hi) {
			ret = perms[1] == 'w' ? 0 : -EFAULT;
			break;
		}
	}
	fclose(f);
	return ret;
}

static int make_present(uint64_t addr, bool write)
{
	long psz = sysconf(_SC_PAGESIZE);
	void *page = (void *)(uintptr_t)(addr & ~(uint64_t)(psz - 1));
	uint8_t byte;
	struct iovec local = { &byte, 1 }, remote = { (void *)(uintptr_t)addr, 1 };
	int err = wq_populate(page, (size_t)psz, write);

	if (err != -ENOSYS)
		return err;
	/* before Linux 5.14: check the access is allowed, then touch it */
	if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != 1)
		return -EFAULT;
	if (write) {
		err = writable(addr);
		if (err)
			return err;
		__atomic_fetch_add((uint8_t *)(uintptr_t)addr, 0, __ATOMIC_RELAXED);
	} else {
		(void)*(volatile uint8_t *)(uintptr_t)addr;
	}
	return 0;
}

static bool continuable(uint8_t op)
{
	return op == DSA_OPCODE_MEMMOVE || op == DSA_OPCODE_MEMFILL || op == DSA_OPCODE_COMPARE ||
	       op == DSA_OPCODE_COMPVAL || op == DSA_OPCODE_DUALCAST || op == DSA_OPCODE_CRCGEN ||
	       op == DSA_OPCODE_COPY_CRC;
}

/* Pattern byte i of the continued op = byte (i + @done) of the old one. */
static uint64_t rotate_pattern(uint64_t pat, uint32_t done)
{
	unsigned int k = 8 * (done % 8);

	return k ? pat >> k | pat << (64 - k) : pat;
}

PASID_EXPORT int pasid_wq_fault_continue(struct pasid_wq *wq, void *descp, void *compp)
{
	struct dsa_hw_desc *d = descp;
	struct dsa_completion_record *c = compp;
	uint8_t st, base;
	uint32_t done;
	int err;

	if (!wq || !d || !c)
		return -EINVAL;
	st = c->status;
	base = st & DSA_COMP_STATUS_MASK;
	done = c->bytes_completed;
	/* everything is checked before anything changes */
	if (base == DSA_COMP_BATCH_PAGE_FAULT) {
		if (d->opcode != DSA_OPCODE_BATCH || done >= d->desc_count)
			return pasid_set_error(wq->ctx, -EINVAL, "%s: batch page fault at member "
					       "%u does not fit this descriptor (opcode %#x, %u "
					       "members)", wq->info.name, done, d->opcode,
					       d->desc_count);
		if (d->desc_count - done < 2)
			return pasid_set_error(wq->ctx, -EOPNOTSUPP, "%s: batch fault leaves one "
					       "member: submit it on its own", wq->info.name);
	} else if (base == DSA_COMP_PAGE_FAULT_NOBOF || base == DSA_COMP_PAGE_FAULT_IR) {
		if (!continuable(d->opcode))
			return pasid_set_error(wq->ctx, -EOPNOTSUPP, "%s: cannot continue opcode "
					       "%#x", wq->info.name, d->opcode);
		if (done >= d->xfer_size)
			return pasid_set_error(wq->ctx, -EINVAL, "%s: page fault after %u of %u "
					       "bytes: nothing is left to continue", wq->info.name,
					       done, d->xfer_size);
	} else {
		return 0;
	}
	err = make_present(c->fault_addr, st & DSA_COMP_STATUS_WRITE);
	if (err)
		return pasid_set_error(wq->ctx, err, "%s: fault address %#llx cannot be made "
				       "present", wq->info.name, (unsigned long long)c->fault_addr);
	wq_sim_resolve(wq, c->fault_addr);

	switch (d->opcode) {
	case DSA_OPCODE_BATCH:
		d->desc_list_addr += 64ull * done;
		d->desc_count -= done;
		break;
	case DSA_OPCODE_MEMMOVE:
		if (!c->result) {	/* forward; backward: the tail is done */
			d->src_addr += done;
			d->dst_addr += done;
		}
		d->xfer_size -= done;
		break;
	case DSA_OPCODE_MEMFILL:
		d->dst_addr += done;
		d->pattern = rotate_pattern(d->pattern, done);
		d->xfer_size -= done;
		break;
	case DSA_OPCODE_COMPARE:
		d->src_addr += done;
		d->src2_addr += done;
		d->xfer_size -= done;
		break;
	case DSA_OPCODE_COMPVAL:
		d->src_addr += done;
		d->comp_pattern = rotate_pattern(d->comp_pattern, done);
		d->xfer_size -= done;
		break;
	case DSA_OPCODE_DUALCAST:
		d->src_addr += done;
		d->dst_addr += done;
		d->dest2 += done;
		d->xfer_size -= done;
		break;
	case DSA_OPCODE_COPY_CRC:
		d->dst_addr += done;
		/* fallthrough */
	case DSA_OPCODE_CRCGEN:
		d->src_addr += done;
		d->crc_seed = (uint32_t)c->crc_val;	/* CRC of the completed part */
		d->flags &= ~CRC_SEED_ADDR;
		d->seed_addr = 0;
		d->xfer_size -= done;
		break;
	}
	memset(c, 0, wq->info.cr_align ? wq->info.cr_align : 32);
	err = pasid_wq_submit(wq, d);
	return err ? err : 1;
}
