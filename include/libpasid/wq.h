/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpasid/wq.h - DSA/IAA work queues: CPU features, open, submit, wait.
 *
 * Included by libpasid/pasid.h. Descriptors and completion records are the
 * kernel's <linux/idxd.h> types (struct dsa_hw_desc, struct
 * dsa_completion_record); this header only passes them as pointers.
 *
 * On a sim context the work queues are SIMULATED: a software DSA engine in
 * this process executes the descriptors (see docs/wq.md); pasid_wq_get_info()
 * sets PASID_WQ_INFO_SIMULATED and the method names say "sim".
 */
#ifndef LIBPASID_WQ_H
#define LIBPASID_WQ_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pasid_ctx;
struct pasid_wq;

/* ---- CPU features ----------------------------------------------------- */

/* What the kernel enables (flags in /proc/cpuinfo): use these. */
#define PASID_CPU_ENQCMD		(1ull << 0)
#define PASID_CPU_MOVDIR64B		(1ull << 1)
#define PASID_CPU_WAITPKG		(1ull << 2)
/* What CPUID.(EAX=7,ECX=0):ECX reports (bits 29, 28, 5). */
#define PASID_CPU_CPUID_ENQCMD		(1ull << 8)
#define PASID_CPU_CPUID_MOVDIR64B	(1ull << 9)
#define PASID_CPU_CPUID_WAITPKG		(1ull << 10)
/* /proc/cpuinfo could be read (else the kernel bits are all 0). */
#define PASID_CPU_KERNEL_VIEW		(1ull << 16)

/**
 * pasid_cpu_features() - The submission instructions this CPU and kernel
 * offer: read once per process (CPUID and /proc/cpuinfo) and cached; never
 * by executing ENQCMD.
 * @ret_mask: receives PASID_CPU_* bits
 *
 * An instruction may be used when its kernel bit is set (the kernel clears
 * "enqcmd" unless it supports user PASIDs); CPUID bits are for diagnosis.
 * The environment variable LIBPASID_CPU_HIDE (a comma-separated list of
 * enqcmd, movdir64b, waitpkg) clears those bits in both views, so that the
 * paths for CPUs without a feature can be tested on CPUs with it.
 *
 * Return: 0; -EINVAL when @ret_mask is NULL, or when LIBPASID_CPU_HIDE names
 * an unknown feature (*@ret_mask is still set, with the known names hidden;
 * pasid_strerror_last() names the bad word).
 */
int pasid_cpu_features(uint64_t *ret_mask);

/* ---- work queues ------------------------------------------------------ */

enum pasid_wq_mode {
	PASID_WQ_MODE_ANY = 0,		/* filters only */
	PASID_WQ_SHARED = 1,
	PASID_WQ_DEDICATED = 2,
};

/** How pasid_wq_submit() reaches the device. */
enum pasid_wq_method {
	PASID_WQ_METHOD_ENQCMD = 1,	/* mmap'd limited portal, ENQCMD */
	PASID_WQ_METHOD_MOVDIR64B = 2,	/* mmap'd limited portal, MOVDIR64B */
	PASID_WQ_METHOD_WRITE = 3,	/* write(2) on the WQ node: the kernel submits */
	PASID_WQ_METHOD_SIM_ENQCMD = 4,	/* SIMULATED: ENQCMD semantics emulated */
	PASID_WQ_METHOD_SIM_MOVDIR64B = 5, /* SIMULATED: real MOVDIR64B into the sim portal */
	PASID_WQ_METHOD_SIM_STORE = 6,	/* SIMULATED: plain 64-byte stores (no MOVDIR64B) */
};

/** pasid_wq_open() flags */
#define PASID_WQ_OPEN_NO_MMAP	(1u << 0)	/* use write(2) even if mmap works */

/** struct pasid_wq_info flags */
#define PASID_WQ_INFO_SIMULATED	(1u << 0)	/* software engine, not hardware */
#define PASID_WQ_INFO_IAA	(1u << 1)	/* an IAA (iax) device, else DSA */
#define PASID_WQ_INFO_BOF	(1u << 2)	/* block_on_fault enabled on the WQ */
#define PASID_WQ_INFO_IDXD_ONLY	(1u << 3)	/* opened without the shim: idxd bound
						 * the process and chose the PASID */
#define PASID_WQ_INFO_BATCH	(1u << 4)	/* pasid_wq_batch_prepare() allowed */

/**
 * struct pasid_wq_info - what pasid_wq_get_info() reports
 * @size: set by the caller to sizeof(struct pasid_wq_info); the library
 *	fills at most that many bytes and sets it to what it filled
 * @flags: PASID_WQ_INFO_*
 * @mode: enum pasid_wq_mode
 * @method: enum pasid_wq_method actually used
 * @pasid: the PASID descriptors run under: the process's global ENQCMD
 *	PASID (pasid_alloc_global_enqcmd()), 0 if the device has PASID off or
 *	the WQ was opened without a context (PASID_WQ_INFO_IDXD_ONLY: idxd
 *	chose it and does not tell user space)
 * @rid: the device's RID
 * @wq_size: WQ entries (for a dedicated WQ, the most that may be in flight)
 * @max_batch_size: descriptors per batch
 * @max_transfer_size: bytes per descriptor
 * @numa_node: the device's node, -1 if unknown
 * @cr_align: completion record alignment the device requires (32 or 64)
 * @dropped: SIMULATED dedicated WQ: descriptors dropped because it was full
 * @errors: SIMULATED: errors the engine could not report in a completion
 *	record (like the SWERROR register), @last_error the last such status
 * @name: "dsa0/wq0.0"
 * @devnode: "/dev/dsa/wq0.0", or "(simulated)"
 * @method_name: "enqcmd", "movdir64b", "write", "sim-enqcmd", ...
 * @reason: why this method was chosen, in words
 * @fd: the WQ's open file, -1 when SIMULATED: poll() it for POLLIN, which
 *	idxd raises when the device latched an error (see also
 *	pasid_wq_get_portal()); it stays open until pasid_wq_close()
 */
struct pasid_wq_info {
	uint32_t size;
	uint32_t flags;
	uint32_t mode;
	uint32_t method;
	uint32_t pasid;
	uint32_t rid;
	uint32_t wq_size;
	uint32_t max_batch_size;
	uint64_t max_transfer_size;
	int32_t numa_node;
	uint32_t cr_align;
	uint64_t dropped;
	uint64_t errors;
	uint32_t last_error;
	char name[64];
	char devnode[64];
	char method_name[32];
	char reason[192];
	int32_t fd;
};

/**
 * struct pasid_wq_submit_opts - how hard pasid_wq_submit() tries
 * @size: sizeof(struct pasid_wq_submit_opts): set it before
 *	pasid_wq_get_submit_opts() and pasid_wq_set_submit_opts()
 * @max_retries: retries after a "retry" answer (ENQCMD ZF=1, or write()
 *	failing with EAGAIN/EBUSY); default 32, the kernel's enqcmds_retries
 * @backoff_min_ns: wait before the first retry, doubled each retry;
 *	default 64
 * @backoff_max_ns: cap of that wait; default 8192
 * @deadline_ns: time budget of one submission including retries, 0 for none
 *	(then only @max_retries bounds it); default 1000000 (1 ms)
 *
 * The first limit reached ends the submission with -EAGAIN. Dedicated WQs
 * never answer "retry" (MOVDIR64B is posted).
 */
struct pasid_wq_submit_opts {
	uint32_t size;
	uint32_t max_retries;
	uint32_t backoff_min_ns;
	uint32_t backoff_max_ns;
	uint64_t deadline_ns;
};

#define PASID_WQ_DEFAULT_RETRIES	32u
#define PASID_WQ_DEFAULT_BACKOFF_MIN_NS	64u
#define PASID_WQ_DEFAULT_BACKOFF_MAX_NS	8192u
#define PASID_WQ_DEFAULT_DEADLINE_NS	1000000ull

/**
 * pasid_wq_open() - Open a work queue for submission.
 * @ctx: NULL: the work queue alone, through the kernel's idxd driver (no
 *	/dev/pasid, no libnl): open() of the node makes idxd bind the process
 *	and choose its PASID. With LIBPASID_BACKEND=sim in the environment
 *	(read with secure_getenv()) NULL means the process's SIMULATED
 *	context instead, so a program runs unchanged against the simulator.
 *	A kernel context: the same, after making sure the process's global
 *	ENQCMD PASID exists (pasid_alloc_global_enqcmd()) and is attached on
 *	the device's RID (the shim's intent). A sim context: a SIMULATED WQ of
 *	its topology.
 * @name: "dsa0/wq0.0", "wq0.0", "iax1/wq1.0" or "/dev/dsa/wq0.0"
 * @flags: 0 or PASID_WQ_OPEN_NO_MMAP
 * @ret_wq: receives the handle (it holds a reference on the context)
 *
 * Then opens the device node and maps the limited portal. A refused mmap
 * (EPERM: no CAP_SYS_RAWIO) falls back to write(2); a shared WQ without a
 * kernel-enabled ENQCMD also uses write(2). pasid_wq_get_info() says which.
 *
 * Return: 0; -EINVAL (flags, name, LIBPASID_BACKEND); -ENOENT (no such WQ);
 * -EBUSY (a dedicated WQ is already open); -ENODEV (WQ disabled or not a
 * user WQ); -EACCES (node permissions); errors of
 * pasid_alloc_global_enqcmd() and pasid_attach(); -ENOMEM. The message says
 * which step failed: pasid_ctx_last_error(@ctx), or with a NULL @ctx
 * pasid_strerror_last().
 */
int pasid_wq_open(struct pasid_ctx *ctx, const char *name, uint32_t flags,
		  struct pasid_wq **ret_wq);

/**
 * pasid_wq_close() - Close a work queue. Wait for your descriptors first:
 * completions of descriptors still in flight are not written afterwards.
 * NULL-safe. Return: NULL.
 */
struct pasid_wq *pasid_wq_close(struct pasid_wq *wq);

/**
 * pasid_wq_submit() - Submit one 64-byte descriptor (struct dsa_hw_desc).
 * @wq: work queue
 * @desc: the descriptor, 64-byte aligned; zero its completion record's
 *	status before submitting. Not modified (ENQCMD replaces the PASID in
 *	the copy the device receives).
 *
 * A descriptor that asks for a completion record (flag CRAV) must name one
 * aligned as the device requires (pasid_wq_info.cr_align: 32, IAA 64):
 * every submission path refuses it with -EINVAL otherwise, as idxd's
 * write() does, so the error does not depend on the method.
 *
 * Return: 0 submitted; -EAGAIN the shared WQ kept answering "retry" until
 * the retries or the deadline ran out; -ENODEV the WQ is no longer enabled
 * (the message gives its state); -EINVAL (misaligned descriptor or
 * completion record, or write(2) refused it); other -errno from write(2).
 */
int pasid_wq_submit(struct pasid_wq *wq, const void *desc);

/**
 * pasid_wq_submit_many() - Submit @n descriptors, in order.
 * @wq: work queue
 * @descs: @n contiguous 64-byte descriptors, 64-byte aligned
 * @n: how many (1..65536)
 *
 * write(2) WQs pass them in one write() of n x 64 bytes (idxd submits each
 * and returns what it accepted before a failure); portals take them one by
 * one, rotating over the portal page, each with pasid_wq_submit()'s retry
 * policy. Stops at the first descriptor that does not go in.
 *
 * Return: how many went in (the first ones, @n when all did); when that is
 * fewer than @n, the message says why the next did not and submitting the
 * rest returns its error. -errno (as pasid_wq_submit()) when none went in.
 */
int pasid_wq_submit_many(struct pasid_wq *wq, const void *descs, unsigned int n);

/**
 * pasid_wq_batch_prepare() - Build a DSA BATCH descriptor for @n
 * descriptors, if this WQ may take one.
 * @wq: a DSA work queue
 * @batch: receives the 64-byte batch descriptor (64-byte aligned); submit
 *	it with pasid_wq_submit()
 * @descs: the member descriptors, 64-byte aligned, contiguous; they stay
 *	in place until the batch completes
 * @n: 2 .. max_batch_size
 * @comp: the batch's completion record (aligned as cr_align), or NULL
 *
 * Batches need BATCH (opcode 1) in the WQ's operations (op_config, else
 * op_cap). Kernels with the INTEL-SA-01084 fix hide it from op_cap on
 * devices that are not user-submission-safe, and their write() refuses
 * BATCH on exactly those devices, so such a WQ gets -EOPNOTSUPP here, with
 * the reason, instead of a failed submission. PASID_WQ_INFO_BATCH says in
 * advance.
 *
 * Return: 0; -EOPNOTSUPP (IAA, or BATCH not offered: the message says
 * which); -EINVAL (@n, alignment, NULL).
 */
int pasid_wq_batch_prepare(struct pasid_wq *wq, void *batch, const void *descs, unsigned int n,
			   void *comp);

/**
 * struct pasid_wq_portal - the submission fast path, for callers that
 *	submit with portal.h's inline functions themselves
 * @size: set by the caller to sizeof(struct pasid_wq_portal)
 * @method: enum pasid_wq_method: PASID_WQ_METHOD_ENQCMD (use pasid_enqcmd())
 *	or PASID_WQ_METHOD_MOVDIR64B (pasid_movdir64b())
 * @fd: the WQ's open file: poll() it for POLLIN, which idxd raises when the
 *	device latched an error (software error register); -1 if none
 * @portal: the mapped limited portal page (PASID_PORTAL_SIZE bytes)
 * @portal_off: where pasid_portal_next() continues the 64-byte rotation
 */
struct pasid_wq_portal {
	uint32_t size;
	uint32_t method;
	int32_t fd;
	uint32_t portal_off;
	void *portal;
};

/**
 * pasid_wq_get_portal() - Hand the mapped portal (and the fd) to the caller.
 * @wq: an open real work queue whose method is ENQCMD or MOVDIR64B
 * @ret: filled up to @ret->size bytes
 *
 * Contract: the portal stays mapped and the fd open until pasid_wq_close();
 * the caller submits with the instruction @method names and nothing else
 * (the kernel enabled exactly that one), one thread at a time per handle
 * (the rotation offset is the caller's, start at @portal_off), follows
 * portal.h's ordering rule (the SFENCE inside pasid_enqcmd() and
 * pasid_movdir64b() is what makes data visible first), handles ENQCMD's
 * "retry" answer itself, and keeps at most wq_size descriptors in flight on
 * a dedicated WQ. Completion records and pasid_wq_wait() work as with
 * pasid_wq_submit(); do not mix both on one handle without ordering them.
 *
 * Return: 0; -EOPNOTSUPP (the WQ submits through write(), or is SIMULATED:
 * the simulator has no MMIO portal); -EINVAL (NULL, size too small).
 */
int pasid_wq_get_portal(struct pasid_wq *wq, struct pasid_wq_portal *ret);

/**
 * pasid_wq_wait() - Wait until a completion record's status is non-zero.
 * @wq: work queue
 * @comp: the completion record (struct dsa_completion_record)
 * @timeout_ns: at most this long; 0 checks once
 *
 * UMWAIT when the kernel enables WAITPKG, else a PAUSE loop that yields the
 * CPU after a while. Never waits without a bound: the clock is read every
 * round and each UMWAIT ends by the time left (counted as if the TSC ran at
 * 1 GHz, the slowest it runs on CPUs with WAITPKG, so a UMWAIT ends early
 * rather than late, and the next round starts).
 *
 * Return: 0 (read the status); -ETIMEDOUT; -ENODEV / -EIO when the time
 * ran out and the WQ is no longer enabled / its device halted (the message
 * gives the state): the record will never be written. The state is read
 * from sysfs at most every 10 ms per handle, so polling with @timeout_ns 0
 * stays cheap and still learns of it.
 */
int pasid_wq_wait(struct pasid_wq *wq, volatile void *comp, uint64_t timeout_ns);

/**
 * pasid_wq_wait_many() - Wait for @n completion records under one deadline.
 * @wq: work queue
 * @comps: @n pointers to completion records
 * @n: how many (NULL entries are skipped)
 * @timeout_ns: for all of them together; 0 checks once
 * @ret_done: optional: how many records have a non-zero status on return
 *
 * Return: 0 when all completed; -ETIMEDOUT, -ENODEV, -EIO as
 * pasid_wq_wait() when some did not (*@ret_done says how many did).
 */
int pasid_wq_wait_many(struct pasid_wq *wq, volatile void *const *comps, unsigned int n,
		       uint64_t timeout_ns, unsigned int *ret_done);

/**
 * pasid_wq_get_info() - Mode, method and why, PASID, limits.
 * @ret_info: its @size set by the caller; filled up to that many bytes
 * Return: 0; -EINVAL on NULL or a size below the first version's (8 bytes).
 */
int pasid_wq_get_info(const struct pasid_wq *wq, struct pasid_wq_info *ret_info);

/**
 * pasid_wq_get_submit_opts() / pasid_wq_set_submit_opts() - Retry policy.
 * Both take @size from the caller: get fills that many bytes, set accepts a
 * larger struct whose bytes unknown to the library are zero.
 * Return: 0; -EINVAL (NULL, size below the first version's, or
 * backoff_min_ns > backoff_max_ns); -E2BIG (unknown non-zero tail).
 */
int pasid_wq_get_submit_opts(const struct pasid_wq *wq, struct pasid_wq_submit_opts *ret_opts);
int pasid_wq_set_submit_opts(struct pasid_wq *wq, const struct pasid_wq_submit_opts *opts);

/**
 * pasid_wq_fault_continue() - Continue a descriptor that completed partially
 * with a page fault.
 * @wq: work queue it ran on
 * @desc: the descriptor as submitted; rewritten to cover the rest
 * @comp: its completion record, status DSA_COMP_PAGE_FAULT_NOBOF,
 *	DSA_COMP_PAGE_FAULT_IR or DSA_COMP_BATCH_PAGE_FAULT; zeroed before the
 *	resubmission
 *
 * Checks first that @comp fits @desc (bytes_completed below xfer_size, or a
 * batch member index leaving at least two members) and changes nothing
 * when it does not. Makes the faulting page present (writable when status
 * bit 0x80 says the fault was a write; MADV_POPULATE_READ/WRITE, else, before
 * Linux 5.14, a touch after checking the mapping allows it), advances every
 * address by bytes_completed and shrinks xfer_size (a backward MEMMOVE,
 * result 1, only shrinks), rotates fill/compare patterns to the new start,
 * continues CRCs from crc_val, skips completed batch members, and
 * resubmits. Wait on @comp again afterwards; it may fault again.
 *
 * For COMPARE and COMPVAL the final bytes_completed is relative to the last
 * resubmission: add the distance @desc's source moved.
 *
 * Return: 1 resubmitted; 0 @comp is not a page fault (nothing done);
 * -EINVAL @comp does not fit @desc; -EFAULT the page cannot be made present
 * (bad address); -EOPNOTSUPP an operation it cannot continue;
 * pasid_wq_submit() errors. On every error @desc and @comp are unchanged.
 */
int pasid_wq_fault_continue(struct pasid_wq *wq, void *desc, void *comp);

/** pasid_wq_method_name() - "enqcmd", "sim-movdir64b", ... Return: static. */
const char *pasid_wq_method_name(uint32_t method);

#ifdef __cplusplus
}
#endif

#endif /* LIBPASID_WQ_H */
