// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * exec.c - what the SIMULATED DSA engine does with one descriptor.
 *
 * Rules and status codes follow docs/dsa-facts.md, sections 'Descriptor
 * checks' to 'Batches' (from the Intel DSA Architecture Specification).
 * Before data are touched, each operand's pages are checked as the IOMMU
 * would find them (span_limit(): resident per mincore() and
 * accessible): without block-on-fault the operation stops at the first page
 * that is not present with a partial completion; with it such a page is
 * made present first. Injected not-present pages
 * (pasid_wq_sim_inject_fault()) act the same way. The data work and the
 * completion-record store always run inside a guard (guard.c), so memory
 * that disappears after the check still ends in a page-fault completion.
 * The completion record is written field by field with the status byte last
 * (release store).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "crc32c.h"
#include "engine.h"
#include "guard.h"
#include "populate.h"

#define COMMON_FLAGS	(IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR | IDXD_OP_FLAG_RCI | \
			 IDXD_OP_FLAG_CRSTS | IDXD_OP_FLAG_CR_TCS)
#define MOVE_FLAGS	(COMMON_FLAGS | IDXD_OP_FLAG_FENCE | IDXD_OP_FLAG_BOF | \
			 IDXD_OP_FLAG_CC | IDXD_OP_FLAG_STORD | IDXD_OP_FLAG_DRDBK | \
			 IDXD_OP_FLAG_DSTS)
#define CHUNK		(64u * 1024u)

/* What goes into the completion record. */
struct cr_out {
	uint8_t status;
	uint8_t result;
	uint32_t bytes;
	uint64_t fault_addr;
	uint32_t invalid_flags;
	uint32_t crc;
	bool has_crc;
};

static uint32_t allowed_flags(uint8_t op)
{
	switch (op) {
	case DSA_OPCODE_NOOP:
		return COMMON_FLAGS | IDXD_OP_FLAG_FENCE;
	case DSA_OPCODE_BATCH:
		return COMMON_FLAGS | IDXD_OP_FLAG_ADDR1_TCS;
	case DSA_OPCODE_DRAIN:
		return COMMON_FLAGS | IDXD_OP_FLAG_ADDR1_TCS | IDXD_OP_FLAG_ADDR2_TCS |
		       (0xfu << 16);
	case DSA_OPCODE_MEMMOVE:
		return MOVE_FLAGS | IDXD_OP_FLAG_ADDR1_TCS | IDXD_OP_FLAG_ADDR2_TCS;
	case DSA_OPCODE_MEMFILL:
		return MOVE_FLAGS | IDXD_OP_FLAG_ADDR2_TCS;
	case DSA_OPCODE_COMPARE:
		return COMMON_FLAGS | IDXD_OP_FLAG_FENCE | IDXD_OP_FLAG_BOF | IDXD_OP_FLAG_CR |
		       IDXD_OP_FLAG_ADDR1_TCS | IDXD_OP_FLAG_ADDR2_TCS;
	case DSA_OPCODE_COMPVAL:
		return COMMON_FLAGS | IDXD_OP_FLAG_FENCE | IDXD_OP_FLAG_BOF | IDXD_OP_FLAG_CR |
		       IDXD_OP_FLAG_ADDR1_TCS;
	case DSA_OPCODE_DUALCAST:
		return MOVE_FLAGS | IDXD_OP_FLAG_ADDR1_TCS | IDXD_OP_FLAG_ADDR2_TCS |
		       IDXD_OP_FLAG_ADDR3_TCS | (1u << 16);
	case DSA_OPCODE_COPY_CRC:
		return MOVE_FLAGS | IDXD_OP_FLAG_ADDR1_TCS | IDXD_OP_FLAG_ADDR2_TCS |
		       IDXD_OP_FLAG_ADDR3_TCS | (7u << 16);
	case DSA_OPCODE_CRCGEN:
		return COMMON_FLAGS | IDXD_OP_FLAG_FENCE | IDXD_OP_FLAG_BOF |
		       IDXD_OP_FLAG_ADDR1_TCS | IDXD_OP_FLAG_ADDR3_TCS | (7u << 16);
	default:
		return 0;
	}
}

static bool op_known(uint8_t op)
{
	return op <= DSA_OPCODE_COMPVAL || op == DSA_OPCODE_DUALCAST ||
	       op == DSA_OPCODE_CRCGEN || op == DSA_OPCODE_COPY_CRC;
}

static bool op_enabled(const struct eng_cfg *c, uint8_t op)
{
	if (c->iaa && op != DSA_OPCODE_NOOP && op != DSA_OPCODE_DRAIN && op != DSA_OPCODE_MEMMOVE)
		return false;
	return op_known(op) && (c->ops[op / 64] >> (op % 64) & 1);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint64_t acc = 0, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		acc |= w;
	}
	for (; i < n; i++)
		acc |= p[i];
	return !acc;
}

/* Bytes 40..63 (op-specific) that the operation does not use must be zero. */
static bool reserved_ok(const struct dsa_hw_desc *d)
{
	const uint8_t *raw = (const uint8_t *)d;

	if (d->rsvd || d->rsvd1)
		return false;
	switch (d->opcode) {
	case DSA_OPCODE_COMPARE:
	case DSA_OPCODE_COMPVAL:
		return all_zero(raw + 41, 23);
	case DSA_OPCODE_DUALCAST:
		return all_zero(raw + 48, 16);
	case DSA_OPCODE_CRCGEN:
	case DSA_OPCODE_COPY_CRC:
		if (d->crc_rsvd || !all_zero(raw + 56, 8))
			return false;
		return (d->flags & WQ_CRC_FLAG_SEED_ADDR) || !d->seed_addr;
	default:
		return all_zero(raw + 40, 24);
	}
}

static bool overlap(uint64_t a, uint64_t b, uint64_t len)
{
	return a < b + len && b < a + len;
}

/* ---- completion records --------------------------------------------- */

/*
 * A record's fields, each stored at its offset in struct
 * dsa_completion_record: no staging buffer to read back, whose loads
 * (after a memset and narrower field stores) would wait for those stores
 * to reach the cache on every record.
 */
struct cr_copy {
	uint8_t *dst;
	size_t len;		/* 32, or 64 (IAA) */
	uint8_t status;
	uint8_t result;
	uint32_t bytes;
	uint64_t fault_addr;
	uint64_t w16;		/* bytes 16-23: invalid_flags (24 bits) or crc_val */
};

/* Everything but the status byte, then the status byte (release). */
static void cr_copy_fn(void *arg)
{
	struct cr_copy *c = arg;
	uint16_t rsvd = 0;

	c->dst[1] = c->result;
	memcpy(c->dst + 2, &rsvd, sizeof(rsvd));
	memcpy(c->dst + 4, &c->bytes, sizeof(c->bytes));
	memcpy(c->dst + 8, &c->fault_addr, sizeof(c->fault_addr));
	memcpy(c->dst + 16, &c->w16, sizeof(c->w16));
	memset(c->dst + 24, 0, c->len - 24);
	__atomic_store_n(c->dst, c->status, __ATOMIC_RELEASE);
}

void eng_latch_error(struct engine *e, uint32_t status)
{
	atomic_fetch_add_explicit(&e->errors, 1, memory_order_relaxed);
	atomic_store_explicit(&e->last_error, status, memory_order_relaxed);
}

static void cr_write(struct engine *e, const struct dsa_hw_desc *d, const struct cr_out *o)
{
	uint8_t base = o->status & DSA_COMP_STATUS_MASK;
	bool ok = base == DSA_COMP_SUCCESS;
	struct cr_copy c;

	if (!(d->flags & IDXD_OP_FLAG_CRAV)) {
		if (!ok)
			eng_latch_error(e, o->status);
		return;
	}
	if (ok && !(d->flags & IDXD_OP_FLAG_RCR))
		return;
	if (d->completion_addr & (e->cfg.cr_align - 1)) {	/* 32 or 64 */
		eng_latch_error(e, DSA_COMP_CRA_ALIGN);
		return;
	}
	c.status = o->status;
	c.result = e->cfg.iaa ? 0 : o->result;	/* IAA: byte 1 is error_code */
	c.bytes = o->bytes;
	c.fault_addr = o->fault_addr;
	c.w16 = o->has_crc ? o->crc : o->invalid_flags & 0xffffff;
	if (!eng_page_ok(e, d->completion_addr & ~(ENG_PAGE - 1), true)) {
		eng_latch_error(e, DSA_COMP_CRA_XLAT);
		return;
	}
	/* validated above and aligned, so inside that page */
	c.dst = (uint8_t *)(uintptr_t)d->completion_addr;
	c.len = e->cfg.iaa ? 64 : 32;
	{
		uint64_t fa;
		bool fw;

		if (wq_guard_run(cr_copy_fn, &c, &fa, &fw) < 0)
			eng_latch_error(e, DSA_COMP_CRA_XLAT);
	}
}

/* ---- injected faults -------------------------------------------------- */

int eng_fault_inject(struct engine *e, uint64_t addr)
{
	uint64_t page = addr & ~(ENG_PAGE - 1);

	if (!page)
		return -EINVAL;
	for (int i = 0; i < ENG_MAX_FAULTS; i++) {
		uint64_t zero = 0;

		if (atomic_load(&e->fault_pages[i]) == page)
			return 0;
		if (atomic_compare_exchange_strong(&e->fault_pages[i], &zero, page)) {
			atomic_fetch_add(&e->nr_faults, 1);
			return 0;
		}
	}
	return -ENOSPC;
}

void eng_fault_resolve(struct engine *e, uint64_t addr)
{
	uint64_t page = addr & ~(ENG_PAGE - 1);

	for (int i = 0; i < ENG_MAX_FAULTS; i++) {
		uint64_t p = page;

		if (atomic_compare_exchange_strong(&e->fault_pages[i], &p, 0))
			atomic_fetch_sub(&e->nr_faults, 1);
	}
}

struct span {
	uint64_t addr;
	bool write;
};

/*
 * What the engine remembers about pages, and for how long.
 *
 * On this engine a system call costs more than copying a few pages, and
 * on some hypervisors it also flushes the TLB, so the next large copy
 * pays a page walk per page: the engine cannot ask the kernel about every
 * descriptor's pages. It remembers two facts per page or range:
 *
 * - the mapping allows the access (MADV_POPULATE_* succeeded over it):
 *   forgotten RIGHTS_NS after it was first remembered, after a guarded
 *   fault and when a page turns out absent (a new mapping may have taken
 *   an old address). A right taken away meanwhile (munmap, mprotect) ends in a
 *   guarded fault and an exact page-fault completion (exec_data()), never
 *   in a crash (while the guard is reachable, see guard.c).
 * - the page is resident (mincore()): forgotten after every idle period
 *   and at most RES_NS after it was first remembered (eng_group_residency()
 *   looks at the clock once per group of descriptors). Within that window
 *   a page dropped by the application (MADV_DONTNEED, or munmap() and a
 *   new mapping at the same address) is taken for present, and the copy
 *   faults it in. Without the window every descriptor would ask mincore().
 *
 * A descriptor whose pages are not all remembered asks mincore() once
 * (window_fill(): one call for all operands of the group of descriptors
 * taken from a ring together where they lie in one compact mapped window,
 * else one per operand).
 */
#define RES_NS		1000000ull
#define RIGHTS_NS	64000000ull

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void eng_cache_forget(struct engine *e)
{
	memset(e->vcache, 0, sizeof(e->vcache));
	memset(e->vranges, 0, sizeof(e->vranges));
	e->win_hi = e->win_lo = 0;
	e->res_since_ns = 0;
	e->rights_since_ns = 0;
}

/* Forget access rights only (bits 0-1 of vcache, .rights of vranges). */
static void eng_rights_forget(struct engine *e)
{
	for (unsigned int i = 0; i < ENG_VCACHE; i++)
		e->vcache[i] &= ~3ull;
	for (unsigned int i = 0; i < ENG_VRANGES; i++)
		e->vranges[i].rights = 0;
	e->rights_since_ns = 0;
}

/* Forget residency only (bit 2 of vcache, .resident of vranges). */
void eng_res_forget(struct engine *e)
{
	for (unsigned int i = 0; i < ENG_VCACHE; i++)
		e->vcache[i] &= ~4ull;
	for (unsigned int i = 0; i < ENG_VRANGES; i++)
		e->vranges[i].resident = false;
	e->res_since_ns = 0;
}

/* bits: 1 readable, 2 writable, 4 resident */
static bool cached_bits(struct engine *e, uint64_t first, uint64_t last, unsigned int bits)
{
	uint64_t t;

	if (first == last) {
		t = e->vcache[(first / ENG_PAGE) % ENG_VCACHE];
		return (t & ~(ENG_PAGE - 1)) == first && (t & bits) == bits;
	}
	for (unsigned int i = 0; i < ENG_VRANGES; i++)
		if (e->vranges[i].start <= first && last < e->vranges[i].end &&
		    ((e->vranges[i].rights | (e->vranges[i].resident ? 4 : 0)) & bits) == bits)
			return true;
	return false;
}

static bool cached(struct engine *e, uint64_t first, uint64_t last, bool write)
{
	return cached_bits(e, first, last, write ? 2 : 1);
}

static void cache_add_bits(struct engine *e, uint64_t first, uint64_t last, unsigned int bits)
{
	unsigned int i;
	uint64_t *t;

	if (!e->group_ns && ((bits & 4) ? !e->res_since_ns : !e->rights_since_ns))
		e->group_ns = now_ns();		/* outside a group with data: read it now */
	if ((bits & 4) && !e->res_since_ns)
		e->res_since_ns = e->group_ns;
	if ((bits & 3) && !e->rights_since_ns)
		e->rights_since_ns = e->group_ns;
	if (first == last) {
		t = &e->vcache[(first / ENG_PAGE) % ENG_VCACHE];
		*t = first | ((*t & ~(ENG_PAGE - 1)) == first ? *t & 7 : 0) | bits;
		return;
	}
	for (i = 0; i < ENG_VRANGES; i++)
		if (e->vranges[i].start == first && e->vranges[i].end == last + ENG_PAGE)
			break;
	if (i == ENG_VRANGES) {
		i = e->vrange_next++ % ENG_VRANGES;
		e->vranges[i].start = first;
		e->vranges[i].end = last + ENG_PAGE;
		e->vranges[i].rights = 0;
		e->vranges[i].resident = false;
	}
	e->vranges[i].rights |= bits & 3;
	e->vranges[i].resident |= (bits & 4) != 0;
}

static void cache_add(struct engine *e, uint64_t first, uint64_t last, bool write)
{
	cache_add_bits(e, first, last, write ? 3 : 1);
}

/*
 * Is the page at @page mapped (and writable if @write)? For completion
 * records and readback addresses: MADV_POPULATE_READ/WRITE fail on
 * unmapped, PROT_NONE or (for writes) read-only pages and make the page
 * present otherwise (the kernel resolves completion-record faults itself).
 * Kernels before 5.14 lack them: then only the guard protects.
 */
bool eng_page_ok(struct engine *e, uint64_t page, bool write)
{
	int err;

	if (cached(e, page, page, write))
		return true;
	if (page < ENG_PAGE || page >= (1ull << 47))
		return false;
	err = wq_populate((void *)(uintptr_t)page, ENG_PAGE, write);
	if (err == -EFAULT)
		return false;
	if (!err)
		cache_add(e, page, page, write);
	return true;	/* -ENOSYS: the guard catches faults */
}

/* mincore() of one page: 1 resident, 0 mapped but not resident, -1 not mapped. */
static int page_state(uint64_t page)
{
	unsigned char v;

	if (page < ENG_PAGE || page >= (1ull << 47))
		return -1;
	if (mincore((void *)(uintptr_t)page, ENG_PAGE, &v))
		return -1;
	return v & 1;
}

static bool span_pages(const struct span *s, uint64_t len, uint64_t *first, uint64_t *last)
{
	*first = s->addr & ~(ENG_PAGE - 1);
	*last = (s->addr + len - 1) & ~(ENG_PAGE - 1);
	return len && s->addr + len - 1 >= s->addr && *first >= ENG_PAGE &&
	       *last < (1ull << 47);
}

/*
 * Residency of every page of @n operands (@len bytes each, or @lens[k])
 * with one mincore() over the window from the lowest to the highest page,
 * when that window is compact (at most twice the operands' pages plus 64
 * pages, so a stack and a heap buffer are not joined) and fits e->resvec.
 * A hole in it fails the call (ENOMEM): span_limit() then asks per operand.
 */
static void window_fill(struct engine *e, const struct span *s, int n, uint64_t len,
			const uint64_t *lens)
{
	uint64_t lo = ~0ull, hi = 0, pages = 0, first, last;

	e->win_lo = e->win_hi = 0;
	for (int k = 0; k < n; k++) {
		if (!span_pages(&s[k], lens ? lens[k] : len, &first, &last))
			return;
		lo = first < lo ? first : lo;
		hi = last + ENG_PAGE > hi ? last + ENG_PAGE : hi;
		pages += (last - first) / ENG_PAGE + 1;
	}
	if (!n || (hi - lo) / ENG_PAGE > ENG_RESVEC || (hi - lo) / ENG_PAGE > 2 * pages + 64)
		return;
	if (!mincore((void *)(uintptr_t)lo, hi - lo, e->resvec)) {
		e->win_lo = lo;
		e->win_hi = hi;
	}
}


/* Is the residency of every page of the @n operands known (remembered, or in the window)? */
static bool res_known(struct engine *e, const struct span *s, int n, uint64_t len)
{
	uint64_t first, last;

	for (int k = 0; k < n; k++) {
		if (!span_pages(&s[k], len, &first, &last))
			return false;
		if ((first < e->win_lo || last >= e->win_hi) && !cached_bits(e, first, last, 4))
			return false;
	}
	return true;
}

/* The operands of @d (none for NOOP, BATCH, DRAIN). */
static int desc_spans(const struct dsa_hw_desc *d, struct span *s)
{
	int n = 0;

	switch (d->opcode) {
	case DSA_OPCODE_MEMMOVE:
	case DSA_OPCODE_COPY_CRC:
		s[n++] = (struct span){ d->src_addr, false };
		s[n++] = (struct span){ d->dst_addr, true };
		break;
	case DSA_OPCODE_MEMFILL:
		s[n++] = (struct span){ d->dst_addr, true };
		break;
	case DSA_OPCODE_COMPARE:
		s[n++] = (struct span){ d->src_addr, false };
		s[n++] = (struct span){ d->src2_addr, false };
		break;
	case DSA_OPCODE_COMPVAL:
	case DSA_OPCODE_CRCGEN:
		s[n++] = (struct span){ d->src_addr, false };
		break;
	case DSA_OPCODE_DUALCAST:
		s[n++] = (struct span){ d->src_addr, false };
		s[n++] = (struct span){ d->dst_addr, true };
		s[n++] = (struct span){ d->dest2, true };
		break;
	}
	return n;
}

/*
 * Residency for a group of @k descriptors just taken from a ring: one
 * mincore() for all their operands where they lie in one compact window.
 * Valid for these descriptors only, until eng_group_end(): each of them
 * was submitted before the check, and a device may translate a queued
 * descriptor's pages at any moment before it completes. Residency is
 * never carried to a descriptor submitted after the check.
 */
void eng_group_residency(struct engine *e, const struct dsa_hw_desc *d, unsigned int k)
{
	struct span s[3 * 16];
	uint64_t lens[3 * 16], first, last;
	int n = 0;

	e->win_lo = e->win_hi = 0;
	e->group_ns = 0;
	for (unsigned int i = 0; i < k && n + 3 <= (int)(sizeof(s) / sizeof(s[0])); i++) {
		struct span ds[3];
		int m = desc_spans(&d[i], ds);

		if (!m)
			continue;
		if (!e->group_ns) {
			/* the residency window: once per group with data */
			e->group_ns = now_ns();
			if (e->rights_since_ns && e->group_ns - e->rights_since_ns > RIGHTS_NS)
				eng_cache_forget(e);
			else if (e->res_since_ns && e->group_ns - e->res_since_ns > RES_NS)
				eng_res_forget(e);
		}
		for (int j = 0; j < m; j++) {
			if (span_pages(&ds[j], d[i].xfer_size, &first, &last) &&
			    cached_bits(e, first, last, 4))
				continue;	/* known resident */
			lens[n] = d[i].xfer_size;
			s[n++] = ds[j];
		}
	}
	if (n)
		window_fill(e, s, n, 0, lens);
}

void eng_group_end(struct engine *e)
{
	e->win_lo = e->win_hi = 0;
}

/*
 * Bytes of @s (@len bytes, forward or from the end) that the device could
 * process before a page fault, and the faulting address.
 *
 * Present means what the IOMMU would find: the page is resident (mincore(),
 * which neither faults a page in nor changes it) and the mapping allows the
 * access (MADV_POPULATE_READ/WRITE over pages already resident, which then
 * leaves their residency as it is; remembered per range, see above).
 * Without block-on-fault the device stops at the first page that is not
 * present; with it (@bof) the device waits for the page request, so a
 * mapped page is made present here and only a page that cannot be
 * (unmapped, PROT_NONE, read-only for a write) stops it.
 */
static uint64_t span_limit(struct engine *e, const struct span *s, uint64_t len, bool backward,
			   bool bof, uint64_t *ret_addr)
{
	uint64_t first = s->addr & ~(ENG_PAGE - 1), last = (s->addr + len - 1) & ~(ENG_PAGE - 1);
	uint64_t npages, bad = 0, lo, hi;
	bool have_bad = false, in_win, res_known;

	if (!len)
		return 0;
	if (s->addr + len - 1 < s->addr)
		last = ~(ENG_PAGE - 1);		/* wraps: fails at the top */
	npages = (last - first) / ENG_PAGE + 1;
	res_known = cached_bits(e, first, last, 4);
	if (res_known && cached(e, first, last, s->write))
		return len;
	in_win = e->win_lo <= first && last < e->win_hi;
	/* 1. residency, in the order the device touches the pages */
	for (uint64_t done = 0; done < npages && !have_bad && !res_known;) {
		uint64_t n = npages - done < ENG_RESVEC ? npages - done : ENG_RESVEC;
		uint64_t cs = backward ? last - (done + n - 1) * ENG_PAGE : first + done * ENG_PAGE;
		const unsigned char *vec = in_win ? e->resvec + (cs - e->win_lo) / ENG_PAGE :
						    e->resvec;
		bool whole = in_win ||
			     (cs >= ENG_PAGE && cs + n * ENG_PAGE <= (1ull << 47) &&
			      !mincore((void *)(uintptr_t)cs, n * ENG_PAGE, e->resvec));

		if (!in_win)
			e->win_hi = e->win_lo = 0;	/* e->resvec now holds this chunk */
		for (uint64_t k = 0; k < n; k++) {
			uint64_t i = backward ? n - 1 - k : k, p = cs + i * ENG_PAGE;
			int st = whole ? vec[i] & 1 : page_state(p);

			if (st == 1)
				continue;
			if (st == 0 && bof &&
			    wq_populate((void *)(uintptr_t)p, ENG_PAGE, s->write) != -EFAULT)
				continue;	/* the page request is answered */
			bad = p;
			have_bad = true;
			break;
		}
		done += n;
	}
	/*
	 * A page not resident (or not mapped) where rights were remembered may
	 * belong to a new mapping at the old address: forget the rights.
	 */
	if (have_bad)
		eng_rights_forget(e);
	/* 2. the mapping allows the access: one call over the present pages */
	lo = backward ? (have_bad ? bad + ENG_PAGE : first) : first;
	hi = backward ? last + ENG_PAGE : (have_bad ? bad : last + ENG_PAGE);
	if (lo < hi && !cached(e, lo, hi - ENG_PAGE, s->write)) {
		int err = wq_populate((void *)(uintptr_t)lo, hi - lo, s->write);

		if (!err)
			cache_add(e, lo, hi - ENG_PAGE, s->write);
		for (uint64_t k = 0; err == -EFAULT && k < (hi - lo) / ENG_PAGE; k++) {
			uint64_t p = backward ? hi - (k + 1) * ENG_PAGE : lo + k * ENG_PAGE;

			if (wq_populate((void *)(uintptr_t)p, ENG_PAGE, s->write) == -EFAULT) {
				bad = p;
				have_bad = true;
				break;
			}
		}
	}
	if (!have_bad) {
		cache_add_bits(e, first, last, 4);
		return len;
	}
	if (!backward) {
		uint64_t at = bad > s->addr ? bad : s->addr;

		*ret_addr = at;
		return at - s->addr;
	} else {
		uint64_t top = bad + ENG_PAGE < s->addr + len ? bad + ENG_PAGE : s->addr + len;

		*ret_addr = top - 1;
		return s->addr + len - top;
	}
}

/*
 * How many bytes of a forward operation over @n operands of @len bytes can
 * run before an injected not-present page. With block-on-fault the pages are
 * made present instead (the device waits for the page).
 */
static uint64_t inj_limit(struct engine *e, const struct span *s, int n, uint64_t len, bool bof,
			  bool backward, uint64_t *ret_addr, bool *ret_write)
{
	uint64_t limit = len;

	if (!len)
		return 0;
	for (int k = 0; k < n; k++) {
		uint64_t fa = 0, v = span_limit(e, &s[k], len, backward, bof, &fa);

		if (v < limit) {
			limit = v;
			*ret_addr = fa;
			*ret_write = s[k].write;
		}
	}
	if (!atomic_load_explicit(&e->nr_faults, memory_order_acquire))
		return limit;
	for (int i = 0; i < ENG_MAX_FAULTS; i++) {
		uint64_t p = atomic_load_explicit(&e->fault_pages[i], memory_order_relaxed);

		if (!p)
			continue;
		for (int k = 0; k < n; k++) {
			uint64_t a = s[k].addr, done;

			if (!(p < a + len && a < p + ENG_PAGE))
				continue;
			if (bof) {
				eng_fault_resolve(e, p);
				continue;
			}
			if (!backward) {
				done = p > a ? p - a : 0;
				if (done >= len)
					continue;
				if (done < limit) {
					limit = done;
					*ret_addr = a + done;
					*ret_write = s[k].write;
				}
			} else {
				uint64_t top = p + ENG_PAGE < a + len ? p + ENG_PAGE - a : len;

				done = len - top;
				if (done < limit) {
					limit = done;
					*ret_addr = a + top - 1;
					*ret_write = s[k].write;
				}
			}
		}
	}
	return limit;
}

/* ---- data work, guarded, in chunks so a real fault reports progress --- */

struct job {
	const struct dsa_hw_desc *d;
	uint64_t len;		/* bytes to do now */
	uint64_t done;		/* bytes done (from the end when backward) */
	bool backward;
	uint8_t result;
	uint64_t diff;		/* compare: offset of the first difference */
	uint32_t crc_reg;
	bool crc_b17, crc_rev;
};

static uint8_t pat_byte(uint64_t pattern, uint64_t i)
{
	return (uint8_t)(pattern >> (8 * (i % 8)));
}

static void crc_update(struct job *j, const void *p, size_t n)
{
	if (!j->crc_b17)
		j->crc_reg = wq_crc32c_reflected(j->crc_reg, p, n, j->crc_rev);
	else
		j->crc_reg = wq_crc32c_msb(j->crc_reg, p, n, j->crc_rev);
}

static void job_fn(void *arg)
{
	struct job *j = arg;
	const struct dsa_hw_desc *d = j->d;
	uint8_t *src = (uint8_t *)(uintptr_t)d->src_addr;
	uint8_t *dst = (uint8_t *)(uintptr_t)d->dst_addr;
	uint64_t total = d->xfer_size;

	while (j->done < j->len) {
		uint64_t n = j->len - j->done < CHUNK ? j->len - j->done : CHUNK;
		uint64_t off = j->backward ? total - j->done - n : j->done;

		switch (d->opcode) {
		case DSA_OPCODE_MEMMOVE:
			memmove(dst + off, src + off, n);
			break;
		case DSA_OPCODE_MEMFILL:
			for (uint64_t i = 0; i < n; i++)
				dst[off + i] = pat_byte(d->pattern, off + i);
			break;
		case DSA_OPCODE_COMPARE: {
			const uint8_t *s2 = (const uint8_t *)(uintptr_t)d->src2_addr;

			if (memcmp(src + off, s2 + off, n)) {
				for (uint64_t i = 0; i < n; i++)
					if (src[off + i] != s2[off + i]) {
						j->diff = off + i;
						break;
					}
				j->result = 1;
				return;
			}
			break;
		}
		case DSA_OPCODE_COMPVAL:
			for (uint64_t i = 0; i < n; i++)
				if (src[off + i] != pat_byte(d->comp_pattern, off + i)) {
					uint64_t at = off + i;

					/* the 8-byte chunk, or the byte in a final partial chunk */
					j->diff = (at & ~7ull) + 8 <= total ? at & ~7ull : at;
					j->result = 1;
					return;
				}
			break;
		case DSA_OPCODE_DUALCAST:
			memcpy(dst + off, src + off, n);
			memcpy((uint8_t *)(uintptr_t)d->dest2 + off, src + off, n);
			break;
		case DSA_OPCODE_COPY_CRC:
			memcpy(dst + off, src + off, n);
			/* fallthrough */
		case DSA_OPCODE_CRCGEN:
			crc_update(j, src + off, n);
			break;
		}
		j->done += n;
	}
}

static void seed_fn(void *arg)
{
	struct job *j = arg;
	uint32_t v;

	memcpy(&v, (const void *)(uintptr_t)j->d->seed_addr, 4);
	j->crc_reg = v;
}

static void rdback_fn(void *arg)
{
	volatile const uint8_t *p = arg;

	(void)*p;
}

static void exec_data(struct engine *e, const struct dsa_hw_desc *d, struct cr_out *o)
{
	struct span s[3];
	int n = 0;
	uint64_t len = d->xfer_size, fa = 0, limit;
	bool fw = false, bof = d->flags & IDXD_OP_FLAG_BOF;
	struct job j = { .d = d };
	uint32_t seed = d->crc_seed;

	n = desc_spans(d, s);
	j.backward = d->opcode == DSA_OPCODE_MEMMOVE && d->dst_addr > d->src_addr &&
		     overlap(d->src_addr, d->dst_addr, len);
	if (d->opcode == DSA_OPCODE_CRCGEN || d->opcode == DSA_OPCODE_COPY_CRC) {
		j.crc_b17 = d->flags & WQ_CRC_FLAG_BYPASS_INV;
		/* default: reflected register ~seed; bit 18 reverses data into it;
		 * bit 17: MSB-first register = seed, data reflected unless bit 18 */
		j.crc_rev = j.crc_b17 ? !(d->flags & WQ_CRC_FLAG_BYPASS_DATA)
				      : !!(d->flags & WQ_CRC_FLAG_BYPASS_DATA);
		if (d->flags & WQ_CRC_FLAG_SEED_ADDR) {
			struct span ss = { d->seed_addr, false };

			if (span_limit(e, &ss, 4, false, bof && e->cfg.bof, &fa) < 4 ||
			    wq_guard_run(seed_fn, &j, &fa, &fw) < 0) {
				o->status = DSA_COMP_PAGE_FAULT_NOBOF;
				o->fault_addr = fa;
				return;
			}
			seed = j.crc_reg;
		}
		j.crc_reg = j.crc_b17 ? seed : ~seed;
		o->has_crc = true;
	}

	/*
	 * Residency: remembered, or from the group's mincore()
	 * (eng_group_residency()), else one call here for all operands.
	 */
	if (!res_known(e, s, n, len))
		window_fill(e, s, n, len, NULL);
	limit = inj_limit(e, s, n, len, bof && e->cfg.bof, j.backward, &fa, &fw);
	j.len = limit;
	/*
	 * Always guarded: the checks above can be outdated by another thread
	 * (munmap, mprotect) or by the page cache, and a fault must end in a
	 * completion record, not in the death of the process.
	 */
	if (wq_guard_run(job_fn, &j, &fa, &fw) < 0) {
		uint64_t fa2 = 0;
		bool fw2 = false;

		/* report what finished, and the first page not present in device order */
		eng_cache_forget(e);
		if (inj_limit(e, s, n, len, bof && e->cfg.bof, j.backward, &fa2, &fw2) < len) {
			fa = fa2;
			fw = fw2;
		}
		limit = j.done;
	}
	o->crc = j.crc_b17 ? j.crc_reg : ~j.crc_reg;
	if (j.result) {			/* compare found a difference first */
		o->result = 1;
		o->bytes = (uint32_t)j.diff;
		o->status = (d->flags & IDXD_OP_FLAG_CR) && d->expected_res != 1 ?
			    DSA_COMP_SUCCESS_PRED : DSA_COMP_SUCCESS;
		return;
	}
	if (limit < len) {
		/* with block-on-fault only a page that cannot be made present stops it */
		o->status = bof && e->cfg.bof ? DSA_COMP_PAGE_FAULT_IR : DSA_COMP_PAGE_FAULT_NOBOF;
		o->status |= fw ? DSA_COMP_STATUS_WRITE : 0;
		o->fault_addr = fa;
		o->bytes = (uint32_t)limit;
		o->result = j.backward;
		return;
	}
	o->result = (d->opcode == DSA_OPCODE_MEMMOVE) ? j.backward : 0;
	if ((d->opcode == DSA_OPCODE_COMPARE || d->opcode == DSA_OPCODE_COMPVAL) &&
	    (d->flags & IDXD_OP_FLAG_CR) && d->expected_res != 0)
		o->status = DSA_COMP_SUCCESS_PRED;
	else
		o->status = DSA_COMP_SUCCESS;
}

/* ---- checks common to every descriptor -------------------------------- */

static bool check(struct engine *e, const struct dsa_hw_desc *d, bool in_batch, struct cr_out *o)
{
	const struct eng_cfg *c = &e->cfg;
	uint32_t bad;

	if (!op_enabled(c, d->opcode) || (in_batch && (d->opcode == DSA_OPCODE_BATCH ||
						       d->opcode == DSA_OPCODE_DRAIN))) {
		o->status = DSA_COMP_BAD_OPCODE;
		return false;
	}
	bad = d->flags & ~allowed_flags(d->opcode);
	if ((d->flags & IDXD_OP_FLAG_BOF) && !c->bof)
		bad |= IDXD_OP_FLAG_BOF;
	if (bad) {
		o->status = DSA_COMP_INVALID_FLAGS;
		o->invalid_flags = bad;
		return false;
	}
	if (!reserved_ok(d)) {
		o->status = DSA_COMP_NOZERO_RESERVE;
		return false;
	}
	switch (d->opcode) {
	case DSA_OPCODE_NOOP:
	case DSA_OPCODE_DRAIN:
		return true;
	case DSA_OPCODE_BATCH:
		if (d->desc_count < 2 || d->desc_count > c->max_batch) {
			o->status = DSA_COMP_DESC_CNT_ERANGE;
			return false;
		}
		if (d->desc_list_addr % 64) {
			o->status = DSA_COMP_DESCLIST_ALIGN;
			return false;
		}
		return true;
	default:
		break;
	}
	if (!d->xfer_size || d->xfer_size > c->max_xfer) {
		o->status = DSA_COMP_XFER_ERANGE;
		return false;
	}
	if (d->opcode == DSA_OPCODE_DUALCAST) {
		if ((d->dst_addr & 0xfff) != (d->dest2 & 0xfff)) {
			o->status = DSA_COMP_DCAST_ERR;
			return false;
		}
		if (overlap(d->src_addr, d->dst_addr, d->xfer_size) ||
		    overlap(d->src_addr, d->dest2, d->xfer_size) ||
		    overlap(d->dst_addr, d->dest2, d->xfer_size)) {
			o->status = DSA_COMP_OVERLAP_BUFFERS;
			return false;
		}
	}
	if (d->opcode == DSA_OPCODE_COPY_CRC && overlap(d->src_addr, d->dst_addr, d->xfer_size)) {
		o->status = DSA_COMP_OVERLAP_BUFFERS;
		return false;
	}
	return true;
}

/* ---- one descriptor ---------------------------------------------------- */

static void exec_one(struct engine *e, const struct dsa_hw_desc *d, bool in_batch,
		     struct cr_out *o)
{
	memset(o, 0, sizeof(*o));
	if (!check(e, d, in_batch, o))
		return;
	switch (d->opcode) {
	case DSA_OPCODE_NOOP:
		o->status = DSA_COMP_SUCCESS;
		return;
	case DSA_OPCODE_DRAIN: {
		/* engine.c ran everything submitted to the WQ before it */
		uint64_t fa;
		bool fw;

		for (int k = 0; k < 2; k++) {
			uint64_t a = k ? d->rdback_addr2 : d->rdback_addr;

			if (!(d->flags & (1u << (16 + k))))
				continue;
			if (!eng_page_ok(e, a & ~(ENG_PAGE - 1), false) ||
			    wq_guard_run(rdback_fn, (void *)(uintptr_t)a, &fa, &fw) < 0) {
				o->status = DSA_COMP_PFAULT_RDBA;
				o->fault_addr = a;
				return;
			}
		}
		o->status = DSA_COMP_SUCCESS;
		return;
	}
	default:
		exec_data(e, d, o);
	}
}

struct member_copy {
	struct dsa_hw_desc *dst;
	uint64_t src;
};

static void member_copy_fn(void *arg)
{
	struct member_copy *m = arg;

	memcpy(m->dst, (const void *)(uintptr_t)m->src, sizeof(*m->dst));
}

static void exec_batch(struct engine *e, const struct dsa_hw_desc *b, struct cr_out *o)
{
	uint32_t count = b->desc_count;
	bool failed = false;

	for (uint32_t i = 0; i < count; i++) {
		_Alignas(64) struct dsa_hw_desc m;
		struct member_copy mc = { &m, b->desc_list_addr + 64ull * i };
		uint64_t fa = 0;
		bool fw = false;
		struct span s = { mc.src, false };
		struct cr_out mo;

		if (inj_limit(e, &s, 1, 64, false, false, &fa, &fw) < 64 ||
		    wq_guard_run(member_copy_fn, &mc, &fa, &fw) < 0) {
			o->status = DSA_COMP_BATCH_PAGE_FAULT;
			o->bytes = i;
			o->fault_addr = fa;
			return;
		}
		if ((m.flags & IDXD_OP_FLAG_FENCE) && failed) {
			o->status = DSA_COMP_BATCH_FAIL;
			o->bytes = i;
			o->result = 1;
			return;
		}
		exec_one(e, &m, true, &mo);
		cr_write(e, &m, &mo);
		if (mo.status != DSA_COMP_SUCCESS)
			failed = true;
	}
	o->bytes = count;
	o->status = failed ? DSA_COMP_BATCH_FAIL : DSA_COMP_SUCCESS;
	o->result = failed;
}

void eng_exec(struct engine *e, const struct dsa_hw_desc *d, uint32_t pasid, bool pasid_ok)
{
	struct cr_out o;

	(void)pasid;
	if (!pasid_ok) {
		/* the IOMMU has no table entry for this PASID on this RID */
		memset(&o, 0, sizeof(o));
		o.status = DSA_COMP_TRANSLATION_FAIL;
		o.fault_addr = d->completion_addr;
		eng_latch_error(e, o.status);
	} else if (d->opcode == DSA_OPCODE_BATCH) {
		memset(&o, 0, sizeof(o));
		if (check(e, d, false, &o))
			exec_batch(e, d, &o);
	} else {
		exec_one(e, d, false, &o);
	}
	cr_write(e, d, &o);
}
