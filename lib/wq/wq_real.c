// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * wq_real.c - work queues of a real DSA/IAA device (idxd user char device).
 *
 * open(/dev/dsa/wqX.Y) SVA-binds the caller's mm when the device has user
 * PASIDs; a dedicated WQ allows one opener (EBUSY). mmap of exactly one page
 * gives the limited portal; it is refused (EPERM) without CAP_SYS_RAWIO on
 * devices that are not submission-safe (INTEL-SA-01084), and then write(2)
 * of 64-byte descriptors makes the kernel submit them (it fills in the PASID
 * for shared WQs and retries ENQCMDS itself). Dedicated WQ + mmap: MOVDIR64B.
 * Shared WQ + mmap: ENQCMD, but only when the kernel enables it for user
 * space ("enqcmd" in /proc/cpuinfo); otherwise write(2).
 *
 * The idxd behaviour relied on is in docs/kernel-facts.md, 'idxd user path'.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libpasid/portal.h>

#include "../internal.h"
#include "wq_internal.h"

static int real_submit_movdir64b(struct pasid_wq *wq, const void *desc)
{
	pasid_movdir64b(pasid_portal_next(wq->portal, &wq->portal_off), desc);
	return 0;
}

static int real_submit_enqcmd(struct pasid_wq *wq, const void *desc)
{
	return pasid_enqcmd(pasid_portal_next(wq->portal, &wq->portal_off), desc);
}

/*
 * write(2) of n x 64 bytes: idxd submits them in order and returns the
 * bytes it accepted before a failure (so a short count is no error).
 */
static int real_submit_write_many(struct pasid_wq *wq, const void *descs, unsigned int n)
{
	ssize_t r = write(wq->fd, descs, (size_t)n * PASID_DESC_SIZE);

	if (r >= (ssize_t)PASID_DESC_SIZE)
		return (int)(r / PASID_DESC_SIZE);
	if (r >= 0)
		return -EIO;
	if (errno == EAGAIN || errno == EBUSY)
		return 0;	/* the kernel's ENQCMDS retries ran out: retry later */
	return -errno;
}

static int real_submit_write(struct pasid_wq *wq, const void *desc)
{
	ssize_t n = write(wq->fd, desc, PASID_DESC_SIZE);

	if (n == PASID_DESC_SIZE)
		return 0;
	if (n >= 0)
		return -EIO;
	if (errno == EAGAIN || errno == EBUSY)
		return 1;	/* the kernel's ENQCMDS retries ran out: retry later */
	return -errno;
}

static void real_close(struct pasid_wq *wq)
{
	if (wq->portal)
		munmap(wq->portal, PASID_PORTAL_SIZE);
	if (wq->fd >= 0)
		close(wq->fd);
}

static void use_write(struct pasid_wq *wq, const char *why)
{
	if (wq->portal) {
		munmap(wq->portal, PASID_PORTAL_SIZE);
		wq->portal = NULL;
	}
	wq->submit = real_submit_write;
	wq->submit_many = real_submit_write_many;
	wq->info.method = PASID_WQ_METHOD_WRITE;
	snprintf(wq->info.reason, sizeof(wq->info.reason), "%s", why);
}

/*
 * May this handle submit BATCH descriptors? The WQ must offer opcode 1.
 * Kernels with the INTEL-SA-01084 fix hide it from op_cap on devices that
 * are not user-submission-safe, and the same kernels' write() refuses BATCH
 * on exactly those devices (and refuse them the portal mmap without
 * CAP_SYS_RAWIO), so op_cap answers for every path.
 */
static void batch_decide(struct pasid_wq *wq, const struct pasid_wq_entry *e)
{
	const char *why = NULL;

	if (e->dev_type == PASID_DEV_IAA)
		why = "IAA work queues take no BATCH descriptors";
	else if (!(e->ops[0] & 2))
		why = e->flags & PASID_DEV_HAS_OP_CONFIG ? "BATCH (opcode 1) is not in op_config" :
			"BATCH (opcode 1) is not in the device's op_cap (kernels hide it on "
			"devices that are not user-submission-safe, INTEL-SA-01084)";
	else if (e->max_batch_size < 2)
		why = "max_batch_size is below 2";
	wq->batch_ok = !why;
	snprintf(wq->batch_why, sizeof(wq->batch_why), "%s", why ? why : "");
}

int wq_real_open(struct pasid_wq *wq, const char *name, uint32_t flags)
{
	struct pasid_ctx *ctx = wq->ctx;
	struct pasid_wq_info *in = &wq->info;
	struct pasid_wq_entry e;
	uint64_t cpu = wq_cpu_mask();
	char msg[PASID_ERRMSG_LEN], why[192];
	uint32_t pasid = 0;
	bool already;
	void *p;
	int err;

	err = wq_discover_find(name, &e);
	if (err)
		return pasid_set_error(ctx, err, "pasid_wq_open: %s: %s", name,
				       err == -EINVAL ? "bad work queue name" :
				       "no such work queue (udev subsystems dsa, iax)");
	if (strcmp(e.state, "enabled") || strcmp(e.type, "user"))
		return pasid_set_error(ctx, -ENODEV, "pasid_wq_open: %s: state %s, type %s: only "
				       "enabled user work queues can be opened", e.name, e.state,
				       e.type);
	/* no context: idxd binds the process on open() and supplies the PASID */
	if (ctx && (e.flags & PASID_DEV_PASID_ENABLED)) {
		err = pasid_alloc_global_enqcmd(ctx, 0, &pasid);
		if (err) {
			snprintf(msg, sizeof(msg), "%s", pasid_ctx_last_error(ctx));
			return pasid_set_error(ctx, err, "pasid_wq_open %s: no global ENQCMD "
					       "PASID: %s", e.name, msg);
		}
		err = wq_attach_get(wq, pasid, e.rid, &already);
		/* idxd binds the mm itself on open: a shim that cannot bind is no error */
		if (err && err != -EOPNOTSUPP) {
			snprintf(msg, sizeof(msg), "%s", pasid_ctx_last_error(ctx));
			return pasid_set_error(ctx, err, "pasid_wq_open %s: attach PASID %u: %s",
					       e.name, pasid, msg);
		}
	}
	wq->fd = open(e.devnode, O_RDWR | O_CLOEXEC);
	if (wq->fd < 0) {
		err = -errno;
		wq_attach_put(wq);
		return pasid_set_error(ctx, err, "pasid_wq_open: open %s: %s%s", e.devnode,
				       strerror(-err), err == -EBUSY ? " (a dedicated work queue "
				       "has one opener)" : "");
	}

	in->flags = (e.dev_type == PASID_DEV_IAA ? PASID_WQ_INFO_IAA : 0) |
		    (e.block_on_fault ? PASID_WQ_INFO_BOF : 0) |
		    (ctx ? 0 : PASID_WQ_INFO_IDXD_ONLY);
	snprintf(wq->dev, sizeof(wq->dev), "%s", e.device);
	snprintf(wq->wqname, sizeof(wq->wqname), "%s", strchr(e.name, '/') + 1);
	in->mode = e.mode;
	in->pasid = pasid;
	in->rid = e.rid;
	in->wq_size = e.size;
	in->max_batch_size = e.max_batch_size;
	in->max_transfer_size = e.max_transfer_size;
	in->numa_node = e.numa_node;
	in->cr_align = e.dev_type == PASID_DEV_IAA ? 64 : 32;
	snprintf(in->name, sizeof(in->name), "%s", e.name);
	snprintf(in->devnode, sizeof(in->devnode), "%s", e.devnode);
	wq->close = real_close;

	if (flags & PASID_WQ_OPEN_NO_MMAP) {
		use_write(wq, "PASID_WQ_OPEN_NO_MMAP: the kernel submits through write()");
		batch_decide(wq, &e);
		return 0;
	}
	p = mmap(NULL, PASID_PORTAL_SIZE, PROT_WRITE, MAP_SHARED | MAP_POPULATE, wq->fd, 0);
	if (p == MAP_FAILED) {
		err = errno;
		snprintf(why, sizeof(why), err == EPERM ?
			 "portal mmap refused (EPERM: no CAP_SYS_RAWIO and the device is not "
			 "submission-safe): the kernel submits through write()" :
			 "portal mmap failed (%s): the kernel submits through write()",
			 strerror(err));
		use_write(wq, why);
		batch_decide(wq, &e);
		return 0;
	}
	wq->portal = p;
	if (e.mode == PASID_WQ_DEDICATED) {
		if (cpu & PASID_CPU_MOVDIR64B) {
			wq->submit = real_submit_movdir64b;
			in->method = PASID_WQ_METHOD_MOVDIR64B;
			snprintf(in->reason, sizeof(in->reason), "dedicated WQ, portal mapped, "
				 "MOVDIR64B enabled: direct 64-byte stores, rotating over the "
				 "page");
		} else {
			use_write(wq, "dedicated WQ but no MOVDIR64B in /proc/cpuinfo: the kernel "
				  "submits through write()");
		}
	} else if (cpu & PASID_CPU_ENQCMD) {
		wq->submit = real_submit_enqcmd;
		in->method = PASID_WQ_METHOD_ENQCMD;
		snprintf(in->reason, sizeof(in->reason), "shared WQ, portal mapped, the kernel "
			 "enables ENQCMD: PASID %u comes from IA32_PASID", pasid);
	} else {
		snprintf(why, sizeof(why), "shared WQ but the kernel does not enable ENQCMD for "
			 "user space (no \"enqcmd\" in /proc/cpuinfo; CPUID says %s): the kernel "
			 "submits with ENQCMDS through write()",
			 cpu & PASID_CPU_CPUID_ENQCMD ? "yes" : "no");
		use_write(wq, why);
	}
	batch_decide(wq, &e);
	return 0;
}
