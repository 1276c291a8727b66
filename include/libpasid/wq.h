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

/**
 * struct pasid_wq_info - what pasid_wq_get_info() reports
 * @flags: PASID_WQ_INFO_*
 * @mode: enum pasid_wq_mode
 * @method: enum pasid_wq_method actually used
 * @pasid: the PASID descriptors run under: the process's global ENQCMD
 *	PASID (pasid_alloc_global_enqcmd()), 0 if the device has PASID off
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
 */
struct pasid_wq_info {
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
};

/**
 * struct pasid_wq_submit_opts - how hard pasid_wq_submit() tries
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
 * @ctx: context; a sim context opens a SIMULATED WQ of its topology
 * @name: "dsa0/wq0.0", "wq0.0", "iax1/wq1.0" or "/dev/dsa/wq0.0"
 * @flags: 0 or PASID_WQ_OPEN_NO_MMAP
 * @ret_wq: receives the handle (it holds a reference on @ctx)
 *
 * Makes sure the process's global ENQCMD PASID exists
 * (pasid_alloc_global_enqcmd()) and is attached on the device's RID, then
 * opens the device node and maps the limited portal. A refused mmap (EPERM:
 * no CAP_SYS_RAWIO) falls back to write(2); a shared WQ without a
 * kernel-enabled ENQCMD also uses write(2). pasid_wq_get_info() says which.
 *
 * Return: 0; -EINVAL (flags, name); -ENOENT (no such WQ); -EBUSY (a
 * dedicated WQ is already open); -ENODEV (WQ disabled or not a user WQ);
 * -EACCES (node permissions); errors of pasid_alloc_global_enqcmd() and
 * pasid_attach(); -ENOMEM. The context's message says which step failed.
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
 *	status before submitting
 *
 * Return: 0 submitted; -EAGAIN the shared WQ kept answering "retry" until
 * the retries or the deadline ran out; -EINVAL (misaligned descriptor, or
 * write(2) refused it); other -errno from write(2).
 */
int pasid_wq_submit(struct pasid_wq *wq, void *desc);

/**
 * pasid_wq_wait() - Wait until a completion record's status is non-zero.
 * @wq: work queue
 * @comp: the completion record (struct dsa_completion_record)
 * @timeout_ns: at most this long; 0 checks once
 *
 * UMWAIT when the kernel enables WAITPKG, else a PAUSE loop that yields the
 * CPU after a while. Never waits without a bound.
 *
 * Return: 0 (read the status), -ETIMEDOUT.
 */
int pasid_wq_wait(struct pasid_wq *wq, volatile void *comp, uint64_t timeout_ns);

/**
 * pasid_wq_get_info() - Mode, method and why, PASID, limits.
 * Return: 0; -EINVAL on NULL.
 */
int pasid_wq_get_info(const struct pasid_wq *wq, struct pasid_wq_info *ret_info);

/**
 * pasid_wq_get_submit_opts() / pasid_wq_set_submit_opts() - Retry policy.
 * Return: 0; -EINVAL (NULL, or backoff_min_ns > backoff_max_ns).
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

/**
 * pasid_wq_sim_inject_fault() - SIMULATED WQs only: make the page holding
 * @addr "not present" to the engine until pasid_wq_fault_continue() (or a
 * block-on-fault descriptor) makes it present again.
 * Return: 0; -EOPNOTSUPP on a real WQ; -ENOSPC (too many injected pages).
 */
int pasid_wq_sim_inject_fault(struct pasid_wq *wq, const void *addr);

/** pasid_wq_method_name() - "enqcmd", "sim-movdir64b", ... Return: static. */
const char *pasid_wq_method_name(uint32_t method);

#ifdef __cplusplus
}
#endif

#endif /* LIBPASID_WQ_H */
