// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * backend.c - the kernel backend: the public API over the ioctls of
 * /dev/pasid (pasid.ko). One context is one open file, hence one owner;
 * closing it frees everything it holds. Listing and events go through the
 * generic netlink client in netlink.c.
 *
 * The kernel answers with an errno only. To say which RID, which PASID and
 * whose, the error paths ask the module's netlink dumps; these are read only
 * after a failure, never on a successful call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kernel.h"
#include "own.h"

/**
 * struct kernel_ctx - the kernel backend's part of a context
 * @fd: the open /dev/pasid: the owner
 * @opener: the process that opened it (the one the global belongs to)
 * @mock: the module runs in mock mode
 * @info: GET_INFO at open
 * @nl: netlink sockets, created on first use
 * @own: this context's group allocations (own.c)
 * @global: the global value this context holds, 0 if none
 */
struct kernel_ctx {
	int fd;
	pid_t opener;
	bool mock;
	struct pasid_cmd_get_info info;
	struct kernel_nl *nl;
	struct kown_set own;
	uint32_t global;
};

static struct kernel_ctx *kctx(const struct pasid_ctx *ctx)
{
	return ctx->priv;
}

static int kioctl(const struct kernel_ctx *kc, unsigned long req, void *arg)
{
	int ret;

	do
		ret = ioctl(kc->fd, req, arg);
	while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : 0;
}

/* Where RIDs live, for "does not exist" messages. */
static const char *rid_home(const struct kernel_ctx *kc)
{
	return kc->mock ? "no such mock RID in pasid.ko (add it with pasid_mock_rid_add())"
			: "not a PASID-capable PCI function known to pasid.ko";
}

/* ---- open / close ---------------------------------------------------------- */

static int open_error(struct pasid_ctx *ctx, int err)
{
	switch (err) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		return pasid_set_error(ctx, -ENODEV,
				       "kernel backend: the pasid shim is not loaded (%s: %s): "
				       "modprobe pasid (DKMS package pasid-dkms), or use the "
				       "SIMULATED platform with LIBPASID_BACKEND=sim",
				       PASID_KERNEL_DEV, strerror(err));
	case EACCES:
	case EPERM:
		return pasid_set_error(ctx, -EACCES,
				       "kernel backend: no permission to open %s: join the group "
				       "that its udev rule grants (\"pasidctl grant --group NAME\" "
				       "prints the rule), or run as root", PASID_KERNEL_DEV);
	default:
		return pasid_set_error(ctx, -err, "kernel backend: open %s: %s", PASID_KERNEL_DEV,
				       strerror(err));
	}
}

static int kernel_open(struct pasid_ctx *ctx, const struct pasid_ctx_opts *opts)
{
	struct kernel_ctx *kc = calloc(1, sizeof(*kc));
	int err;

	if (!kc)
		return pasid_set_error(ctx, -ENOMEM, "kernel backend: out of memory");
	kc->fd = open(PASID_KERNEL_DEV, O_RDWR | O_CLOEXEC);
	if (kc->fd < 0) {
		err = open_error(ctx, errno);
		goto err_free;
	}
	kc->info.size = sizeof(kc->info);
	err = kioctl(kc, PASID_IOC_GET_INFO, &kc->info);
	if (err) {
		err = pasid_set_error(ctx, err == -ENOTTY ? -EPROTO : err,
				      "kernel backend: %s does not answer PASID_IOC_GET_INFO (%s): "
				      "it is not the pasid shim, or not this version of it",
				      PASID_KERNEL_DEV, strerror(-err));
		goto err_close;
	}
	if (kc->info.out_abi_version < PASID_ABI_VERSION) {
		err = pasid_set_error(ctx, -EPROTO,
				      "kernel backend: pasid.ko speaks ABI version %u, this "
				      "libpasid needs %u or later: update pasid-dkms",
				      kc->info.out_abi_version, PASID_ABI_VERSION);
		goto err_close;
	}
	err = kernel_nl_new(&kc->nl);
	if (err) {
		err = pasid_set_error(ctx, err, "kernel backend: out of memory");
		goto err_close;
	}
	kc->mock = kc->info.out_mode == PASID_MODE_MOCK;
	kc->opener = getpid();
	ctx->backend_name = kc->mock ? "kernel (mock)" : "kernel";
	ctx->priv = kc;
	return 0;

err_close:
	close(kc->fd);
err_free:
	free(kc);
	return err;
}

static void kernel_close(struct pasid_ctx *ctx)
{
	struct kernel_ctx *kc = kctx(ctx);

	kernel_nl_free(kc->nl);
	/* the kernel detaches and frees everything this owner holds */
	close(kc->fd);
	kown_clear(&kc->own);
	free(kc);
}

/* ---- messages: who holds it, how wide is it ------------------------------------ */

/* "a group of pid 42 (app)" and friends, for an allocation that is not ours. */
static void describe(const struct kernel_alloc *a, char *buf, size_t len)
{
	bool global = a->intent == PASID_NL_INTENT_GLOBAL_ENQCMD;
	const char *what = global ? "the global ENQCMD PASID" : "a group";

	if (a->nl_flags & PASID_NL_F_OWN_PROCESS)
		snprintf(buf, len, "%s of another context of this process (pid %d)", what,
			 (int)getpid());
	else if (a->owner_pid)
		snprintf(buf, len, "%s of pid %d (%s)", what, a->owner_pid, a->owner_comm);
	else
		snprintf(buf, len, "%s of another process (owner details need CAP_SYS_ADMIN)",
			 what);
}

/*
 * Who, besides this context, holds @v: asks the allocation dump. With @rids,
 * prefers a global or a group on one of them and reports that RID in
 * *@ret_rid. Falls back to a generic phrase when the dump fails.
 */
static const char *holder_of(struct pasid_ctx *ctx, uint32_t v, const uint32_t *rids,
			     uint32_t nr, uint32_t *ret_rid, char *buf, size_t len)
{
	struct kernel_ctx *kc = kctx(ctx);
	const struct kernel_alloc *pick = NULL;
	struct kernel_alloc_list l;
	size_t i;

	snprintf(buf, len, "%s", kc->mock ? "another owner"
					  : "another owner, or a kernel user outside the shim");
	if (kernel_nl_dump_allocs(ctx, kc->nl, &l))
		return buf;
	for (i = 0; i < l.nr; i++) {
		const struct kernel_alloc *a = &l.v[i];

		if (a->pasid != v || kown_is_mine(&kc->own, kc->global, &l, a))
			continue;
		if (a->intent == PASID_NL_INTENT_GLOBAL_ENQCMD) {
			pick = a;
			break;
		}
		if (!pick)
			pick = a;
		if (rids) {
			const uint32_t *on = kown_first_in(rids, nr, kernel_alloc_rids(&l, a),
							   a->nr_rids);

			if (on) {
				pick = a;
				if (ret_rid)
					*ret_rid = *on;
				break;
			}
		}
	}
	if (pick)
		describe(pick, buf, len);
	kernel_alloc_list_free(&l);
	return buf;
}

/*
 * From the RID dump: the first of @rids that does not exist (*@ret_missing,
 * else left alone) and the narrowest one (*@ret_rid, *@ret_width, else left
 * alone). Return: 0, or the dump's error.
 */
static int rid_facts(struct pasid_ctx *ctx, const uint32_t *rids, uint32_t nr,
		     uint32_t *ret_missing, uint32_t *ret_rid, unsigned int *ret_width)
{
	struct kernel_rid_list l;
	unsigned int minw = PASID_WIDTH_MAX + 1;
	bool missing = false;
	uint32_t i;
	size_t k;
	int err;

	err = kernel_nl_dump_rids(ctx, kctx(ctx)->nl, &l);
	if (err)
		return err;
	for (i = 0; i < nr; i++) {
		const struct pasid_rid_info *r = NULL;

		for (k = 0; k < l.nr && !r; k++)
			if (l.v[k].rid == rids[i])
				r = &l.v[k];
		if (!r) {
			if (!missing && ret_missing)
				*ret_missing = rids[i];
			missing = true;
			continue;
		}
		if (r->width < minw) {
			minw = r->width;
			if (ret_rid)
				*ret_rid = r->rid;
			if (ret_width)
				*ret_width = r->width;
		}
	}
	kernel_rid_list_free(&l);
	return 0;
}

static const char *nomem_why(const struct kernel_ctx *kc)
{
	return kc->mock ? "pasid.ko is out of memory (or a fail-nth injection fired)"
			: "pasid.ko is out of memory";
}

/* ---- allocation ------------------------------------------------------------------ */

static bool has_duplicate(const uint32_t *rids, uint32_t nr, uint32_t *ret_dup)
{
	uint32_t i, j;

	for (i = 0; i < nr; i++) {
		for (j = i + 1; j < nr; j++) {
			if (rids[i] == rids[j]) {
				*ret_dup = rids[i];
				return true;
			}
		}
	}
	return false;
}

static int group_error(struct pasid_ctx *ctx, int err, const uint32_t *rids, uint32_t nr,
		       uint32_t flags, uint32_t want)
{
	struct kernel_ctx *kc = kctx(ctx);
	char rb[PASID_RID_STRLEN], hb[128];
	uint32_t bad = rids[0], narrow = rids[0];
	unsigned int minw = 0;
	bool exact = flags & PASID_ALLOC_EXACT;

	switch (err) {
	case -ENODEV:
		rid_facts(ctx, rids, nr, &bad, NULL, NULL);
		return pasid_set_error(ctx, err, "RID %s does not exist: %s",
				       pasid_rid_str(bad, rb), rid_home(kc));
	case -EINVAL:
		if (exact && (!want || want >= PASID_LIMIT))
			return pasid_set_error(ctx, err, "PASID %u is outside 1..%u", want,
					       PASID_LIMIT - 1);
		if (has_duplicate(rids, nr, &bad))
			return pasid_set_error(ctx, err, "the RID list names %s twice",
					       pasid_rid_str(bad, rb));
		return pasid_set_error(ctx, err, "pasid.ko refused the group request as malformed");
	case -ERANGE:
		rid_facts(ctx, rids, nr, NULL, &narrow, &minw);
		if (!minw)
			return pasid_set_error(ctx, err, "PASID %u does not fit one of the %u RIDs",
					       want, nr);
		return pasid_set_error(ctx, err,
				       "PASID %u does not fit RID %s (width %u: values < %u)",
				       want, pasid_rid_str(narrow, rb), minw, 1u << minw);
	case -EEXIST:
		if (kc->global && kc->global == want)
			return pasid_set_error(ctx, err,
					       "PASID %u is this context's global ENQCMD PASID, "
					       "already valid on every RID", want);
		return pasid_set_error(ctx, err,
				       "this context already holds PASID %u: use pasid_extend() to "
				       "add RIDs", want);
	case -EBUSY:
		holder_of(ctx, want, rids, nr, &bad, hb, sizeof(hb));
		return pasid_set_error(ctx, err, "PASID %u is in use on RID %s by %s", want,
				       pasid_rid_str(bad, rb), hb);
	case -ENOSPC:
		rid_facts(ctx, rids, nr, NULL, &narrow, &minw);
		if (!minw)
			return pasid_set_error(ctx, err, "no PASID is free on all %u RIDs", nr);
		return pasid_set_error(ctx, err,
				       "no PASID below %u is free on all %u RIDs (narrowest: %s, "
				       "width %u)%s",
				       1u << minw, nr, pasid_rid_str(narrow, rb), minw,
				       kc->mock ? "" : ", or the kernel's allocator has none left");
	case -ENOMEM:
		return pasid_set_error(ctx, err, "group allocation: %s", nomem_why(kc));
	default:
		return pasid_set_error(ctx, err, "group allocation: %s", strerror(-err));
	}
}

static int kernel_alloc_group(struct pasid_ctx *ctx, const uint32_t *rids, uint32_t nr,
			      uint32_t flags, uint32_t *inout)
{
	struct kernel_ctx *kc = kctx(ctx);
	struct pasid_cmd_alloc cmd = {
		.size = sizeof(cmd),
		.flags = PASID_CMD_ALLOC_GROUP,
		.nr_rids = nr,
		.rids_uptr = (uintptr_t)rids,
	};
	struct kown o;
	int err;

	if (flags & PASID_ALLOC_EXACT) {
		cmd.flags |= PASID_CMD_ALLOC_EXACT;
		cmd.out_pasid = *inout;
	}
	/* make room first: once the kernel said yes, remembering it cannot fail */
	if (kown_prepare(&kc->own, rids, nr, &o)) {
		kown_discard(&o);
		return pasid_set_error(ctx, -ENOMEM, "group allocation: out of memory");
	}
	err = kioctl(kc, PASID_IOC_ALLOC, &cmd);
	if (err) {
		kown_discard(&o);
		return group_error(ctx, err, rids, nr, flags, *inout);
	}
	kown_commit(&kc->own, &o, cmd.out_pasid);
	*inout = cmd.out_pasid;
	return 0;
}

/* The value of this process's global from the dump, 0 if none is listed. */
static uint32_t process_global(struct pasid_ctx *ctx)
{
	struct kernel_alloc_list l;
	uint32_t v = 0;
	size_t i;

	if (kernel_nl_dump_allocs(ctx, kctx(ctx)->nl, &l))
		return 0;
	for (i = 0; i < l.nr && !v; i++)
		if (l.v[i].intent == PASID_NL_INTENT_GLOBAL_ENQCMD &&
		    l.v[i].nl_flags & PASID_NL_F_OWN_PROCESS)
			v = l.v[i].pasid;
	kernel_alloc_list_free(&l);
	return v;
}

static int global_error(struct pasid_ctx *ctx, int err, uint32_t flags, uint32_t want)
{
	struct kernel_ctx *kc = kctx(ctx);
	struct pasid_cmd_get_info info = { .size = sizeof(info) };
	char hb[128];
	uint32_t held;

	/* the width that counts is today's, not the one at open */
	if (kioctl(kc, PASID_IOC_GET_INFO, &info))
		info = kc->info;
	switch (err) {
	case -EINVAL:
		if ((flags & PASID_ALLOC_EXACT) && (!want || want >= PASID_LIMIT))
			return pasid_set_error(ctx, err, "PASID %u is outside 1..%u", want,
					       PASID_LIMIT - 1);
		return pasid_set_error(ctx, err,
				       "pasid.ko refused the global request as malformed");
	case -ERANGE:
		return pasid_set_error(ctx, err,
				       "PASID %u does not fit the narrowest PASID-capable RID "
				       "(width %u): a global ENQCMD PASID must be below %u", want,
				       info.out_min_width, 1u << info.out_min_width);
	case -EEXIST:
		held = process_global(ctx);
		if (held)
			return pasid_set_error(ctx, err,
					       "this process already holds the global ENQCMD "
					       "PASID %u", held);
		return pasid_set_error(ctx, err,
				       "this context already holds PASID %u as a group: free "
				       "it first", want);
	case -EBUSY:
		return pasid_set_error(ctx, err, "PASID %u is in use by %s", want,
				       holder_of(ctx, want, NULL, 0, NULL, hb, sizeof(hb)));
	case -ENOSPC:
		return pasid_set_error(ctx, err, "no PASID below %u is free on every RID%s",
				       1u << info.out_min_width,
				       kc->mock ? "" : ", or the kernel's allocator has none left");
	case -EPERM:
		return pasid_set_error(ctx, err,
				       "the global ENQCMD PASID belongs to the process that opened "
				       "the context (pid %d), not to pid %d: open a new context "
				       "after fork()", (int)kc->opener, (int)getpid());
	case -ENODEV:
		return pasid_set_error(ctx, err,
				       "no PASID-capable device the kernel can take an ENQCMD "
				       "PASID for: real mode needs an SVA-capable device behind "
				       "an IOMMU");
	case -EOVERFLOW:
		return pasid_set_error(ctx, err,
				       "the kernel already gave this process PASID %u, too wide "
				       "for the narrowest PASID-capable RID (width %u)",
				       info.out_mm_pasid, info.out_min_width);
	case -ENOMEM:
		return pasid_set_error(ctx, err, "global allocation: %s", nomem_why(kc));
	default:
		return pasid_set_error(ctx, err, "global allocation: %s", strerror(-err));
	}
}

static int kernel_alloc_global(struct pasid_ctx *ctx, uint32_t flags, uint32_t *inout)
{
	struct kernel_ctx *kc = kctx(ctx);
	struct pasid_cmd_alloc cmd = {
		.size = sizeof(cmd),
		.flags = PASID_CMD_ALLOC_GLOBAL_ENQCMD,
	};
	int err;

	if (flags & PASID_ALLOC_EXACT) {
		cmd.flags |= PASID_CMD_ALLOC_EXACT;
		cmd.out_pasid = *inout;
	}
	err = kioctl(kc, PASID_IOC_ALLOC, &cmd);
	if (err)
		return global_error(ctx, err, flags, *inout);
	kc->global = cmd.out_pasid;
	*inout = cmd.out_pasid;
	return 0;
}

/* ---- calls on a held value ---------------------------------------------------------- */

enum value_op { OP_EXTEND, OP_FREE, OP_ATTACH, OP_DETACH };

static const char *const op_name[] = {
	[OP_EXTEND] = "extend",
	[OP_FREE] = "free",
	[OP_ATTACH] = "attach",
	[OP_DETACH] = "detach",
};

static int value_error(struct pasid_ctx *ctx, int err, enum value_op op, uint32_t v, uint32_t rid)
{
	struct kernel_ctx *kc = kctx(ctx);
	const char *what = op_name[op];
	char rb[PASID_RID_STRLEN], hb[128];
	unsigned int width = 0;

	pasid_rid_str(rid, rb);
	switch (err) {
	case -EINVAL:
		if (op == OP_EXTEND)
			return pasid_set_error(ctx, err, "%s: PASID %u is the global ENQCMD PASID, "
					       "already valid on every RID", what, v);
		return pasid_set_error(ctx, err,
				       "%s: PASID %u is a group that does not name RID %s",
				       what, v, rb);
	case -ENOENT:
		if (!v || v >= PASID_LIMIT)
			return pasid_set_error(ctx, err, "%s: PASID %u is outside 1..%u", what, v,
					       PASID_LIMIT - 1);
		if (op == OP_DETACH)
			return pasid_set_error(ctx, err,
					       "%s: this context holds no PASID %u attached on "
					       "RID %s", what, v, rb);
		return pasid_set_error(ctx, err, "%s: this context holds no PASID %u", what, v);
	case -EPERM:
		if (getpid() != kc->opener)
			return pasid_set_error(ctx, err,
					       "%s: PASID %u: this context was opened by pid %d, "
					       "not by this process (pid %d): open a new context "
					       "after fork()", what, v, (int)kc->opener,
					       (int)getpid());
		return pasid_set_error(ctx, err, "%s: PASID %u belongs to %s", what, v,
				       holder_of(ctx, v, NULL, 0, NULL, hb, sizeof(hb)));
	case -ENODEV:
		return pasid_set_error(ctx, err, "%s: RID %s does not exist: %s", what, rb,
				       rid_home(kc));
	case -EALREADY:
		return pasid_set_error(ctx, err, "%s: PASID %u is already %s RID %s", what, v,
				       op == OP_EXTEND ? "valid on" : "attached on", rb);
	case -ERANGE:
		rid_facts(ctx, &rid, 1, NULL, NULL, &width);
		if (!width)
			return pasid_set_error(ctx, err, "%s: PASID %u does not fit RID %s",
					       what, v, rb);
		return pasid_set_error(ctx, err, "%s: PASID %u does not fit RID %s (width %u)",
				       what, v, rb, width);
	case -EBUSY:
		holder_of(ctx, v, &rid, 1, NULL, hb, sizeof(hb));
		return pasid_set_error(ctx, err, "%s: PASID %u is already in use on RID %s by %s",
				       what, v, rb, hb);
	case -E2BIG:
		return pasid_set_error(ctx, err,
				       "%s: the group of PASID %u already has %u RIDs",
				       what, v, PASID_MAX_GROUP_RIDS);
	case -EOPNOTSUPP:
		return pasid_set_error(ctx, err,
				       "%s: the kernel cannot bind PASID %u on RID %s: in real "
				       "mode only the global ENQCMD PASID can be bound (an SVA "
				       "bind), on a device whose driver enabled SVA", what, v, rb);
	case -ENOMEM:
		return pasid_set_error(ctx, err, "%s: %s", what, nomem_why(kc));
	default:
		return pasid_set_error(ctx, err, "%s: %s", what, strerror(-err));
	}
}

static int kernel_extend(struct pasid_ctx *ctx, uint32_t v, uint32_t rid)
{
	struct kernel_ctx *kc = kctx(ctx);
	struct pasid_cmd_extend cmd = { .size = sizeof(cmd), .pasid = v, .rid = rid };
	struct kown *o = kown_find(&kc->own, v);
	int err;

	/* room for the RID first, so that a success is always remembered */
	if (o && kown_reserve_rid(o))
		return pasid_set_error(ctx, -ENOMEM, "extend: out of memory");
	err = kioctl(kc, PASID_IOC_EXTEND, &cmd);
	if (err)
		return value_error(ctx, err, OP_EXTEND, v, rid);
	if (o)
		kown_insert_rid(o, rid);
	return 0;
}

static int kernel_free(struct pasid_ctx *ctx, uint32_t v)
{
	struct kernel_ctx *kc = kctx(ctx);
	struct pasid_cmd_free cmd = { .size = sizeof(cmd), .pasid = v };
	int err;

	err = kioctl(kc, PASID_IOC_FREE, &cmd);
	if (err)
		return value_error(ctx, err, OP_FREE, v, 0);
	if (kc->global == v)
		kc->global = 0;
	else
		kown_remove(&kc->own, v);
	return 0;
}

static int kernel_attach(struct pasid_ctx *ctx, uint32_t v, uint32_t rid)
{
	struct pasid_cmd_attach cmd = { .size = sizeof(cmd), .pasid = v, .rid = rid };
	int err = kioctl(kctx(ctx), PASID_IOC_ATTACH, &cmd);

	return err ? value_error(ctx, err, OP_ATTACH, v, rid) : 0;
}

static int kernel_detach(struct pasid_ctx *ctx, uint32_t v, uint32_t rid)
{
	struct pasid_cmd_attach cmd = { .size = sizeof(cmd), .pasid = v, .rid = rid };
	int err = kioctl(kctx(ctx), PASID_IOC_DETACH, &cmd);

	return err ? value_error(ctx, err, OP_DETACH, v, rid) : 0;
}

/* ---- mock RIDs ------------------------------------------------------------------------ */

static int not_mock(struct pasid_ctx *ctx, uint32_t rid)
{
	char rb[PASID_RID_STRLEN];

	return pasid_set_error(ctx, -EOPNOTSUPP,
			       "RID %s: mock RIDs need a test build of pasid.ko (make -C kmod "
			       "PASID_TEST=y) loaded with mock=1; the loaded one is in real mode",
			       pasid_rid_str(rid, rb));
}

/* PASID_IOC_TEST_CMD for RID_ADD (@width used) or RID_REMOVE. */
static int mock_rid_cmd(struct pasid_ctx *ctx, uint32_t op, uint32_t rid, unsigned int width)
{
	struct kernel_ctx *kc = kctx(ctx);
	struct pasid_cmd_test cmd = {
		.size = sizeof(cmd),
		.op = op,
		.rid = rid,
		.width = op == PASID_TEST_OP_RID_ADD ? width : 0,
	};
	char rb[PASID_RID_STRLEN];
	int err;

	if (!kc->mock)
		return not_mock(ctx, rid);
	pasid_rid_str(rid, rb);
	err = kioctl(kc, PASID_IOC_TEST_CMD, &cmd);
	switch (err) {
	case 0:
		return 0;
	case -EINVAL:	/* RID_ADD */
		return pasid_set_error(ctx, err, "RID %s: width %u is outside 1..%u", rb, width,
				       PASID_WIDTH_MAX);
	case -EEXIST:	/* RID_ADD */
		return pasid_set_error(ctx, err, "RID %s already exists", rb);
	case -ENODEV:	/* RID_REMOVE */
		return pasid_set_error(ctx, err, "RID %s does not exist", rb);
	case -EOPNOTSUPP:
		return not_mock(ctx, rid);
	case -ENOMEM:
		return pasid_set_error(ctx, err, "RID %s: %s", rb, nomem_why(kc));
	default:
		return pasid_set_error(ctx, err, "RID %s: %s", rb, strerror(-err));
	}
}

static int kernel_mock_rid_add(struct pasid_ctx *ctx, uint32_t rid, unsigned int width)
{
	return mock_rid_cmd(ctx, PASID_TEST_OP_RID_ADD, rid, width);
}

static int kernel_mock_rid_remove(struct pasid_ctx *ctx, uint32_t rid)
{
	return mock_rid_cmd(ctx, PASID_TEST_OP_RID_REMOVE, rid, 0);
}

/* ---- listing ---------------------------------------------------------------------------- */

static int kernel_list_allocs(struct pasid_ctx *ctx, pasid_alloc_cb cb, void *data)
{
	struct kernel_ctx *kc = kctx(ctx);
	struct kernel_alloc_list l;
	size_t i;
	int ret;

	ret = kernel_nl_dump_allocs(ctx, kc->nl, &l);
	if (ret)
		return ret;
	for (i = 0; i < l.nr && !ret; i++) {
		const struct kernel_alloc *a = &l.v[i];
		struct pasid_alloc_info info = {
			.pasid = a->pasid,
			.intent = a->intent,
			.nr_rids = a->nr_rids,
			.rids = kernel_alloc_rids(&l, a),
			.nr_attached = a->nr_attached,
			.attached = kernel_alloc_attached(&l, a),
			.owner_pid = a->owner_pid,
		};

		if (kown_is_mine(&kc->own, kc->global, &l, a)) {
			info.flags |= PASID_INFO_MINE;
			kown_refresh(&kc->own, &l, a);
		}
		if (a->nl_flags & PASID_NL_F_EXTERNAL)
			info.flags |= PASID_INFO_EXTERNAL;
		memcpy(info.owner_comm, a->owner_comm, sizeof(info.owner_comm));
		ret = cb(&info, data);
	}
	kernel_alloc_list_free(&l);
	return ret;
}

static int kernel_list_rids(struct pasid_ctx *ctx, pasid_rid_cb cb, void *data)
{
	struct kernel_rid_list l;
	size_t i;
	int ret;

	ret = kernel_nl_dump_rids(ctx, kctx(ctx)->nl, &l);
	if (ret)
		return ret;
	for (i = 0; i < l.nr && !ret; i++)
		ret = cb(&l.v[i], data);
	kernel_rid_list_free(&l);
	return ret;
}

/* ---- events ------------------------------------------------------------------------------ */

static int kernel_event_fd(struct pasid_ctx *ctx)
{
	return kernel_nl_event_fd(ctx, kctx(ctx)->nl);
}

static int kernel_dispatch(struct pasid_ctx *ctx, pasid_event_cb cb, void *data)
{
	return kernel_nl_dispatch(ctx, kctx(ctx)->nl, cb, data);
}

static int kernel_get_info(struct pasid_ctx *ctx, struct pasid_ctx_info *info)
{
	struct pasid_cmd_get_info gi = { .size = sizeof(gi) };
	int err = kioctl(kctx(ctx), PASID_IOC_GET_INFO, &gi);

	if (err)
		return pasid_set_error(ctx, err, "GET_INFO on %s: %s", PASID_KERNEL_DEV,
				       strerror(-err));
	info->abi_version = gi.out_abi_version;
	info->flags = (gi.out_mode == PASID_MODE_MOCK ? PASID_CTX_INFO_MOCK : 0) |
		      (gi.out_caps & PASID_CAP_GLOBAL_ENQCMD ? PASID_CTX_INFO_GLOBAL_OK : 0);
	info->min_width = gi.out_min_width;
	info->nr_rids = gi.out_nr_rids;
	info->nr_owners = gi.out_nr_owners;
	info->nr_groups = gi.out_nr_groups;
	info->nr_globals = gi.out_nr_globals;
	info->nr_values = gi.out_nr_values;
	snprintf(info->source, sizeof(info->source), "%s",
		 gi.out_kernel_alloc == PASID_KALLOC_IOASID	    ? "ioasid"
		 : gi.out_kernel_alloc == PASID_KALLOC_GLOBAL_IDA ? "global-ida"
								   : "mock");
	return 0;
}

const struct pasid_backend_ops pasid_kernel_backend = {
	.name = "kernel",
	.open = kernel_open,
	.close = kernel_close,
	.alloc_group = kernel_alloc_group,
	.alloc_global = kernel_alloc_global,
	.extend = kernel_extend,
	.free = kernel_free,
	.attach = kernel_attach,
	.detach = kernel_detach,
	.mock_rid_add = kernel_mock_rid_add,
	.mock_rid_remove = kernel_mock_rid_remove,
	.list_allocs = kernel_list_allocs,
	.list_rids = kernel_list_rids,
	.event_fd = kernel_event_fd,
	.dispatch = kernel_dispatch,
	.get_info = kernel_get_info,
};

/* ---- for pasidctl doctor -------------------------------------------------------------------- */

int pasid_kernel_get_info(struct pasid_ctx *ctx, struct pasid_cmd_get_info *ret_info)
{
	struct pasid_cmd_get_info info = { .size = sizeof(info) };
	int err;

	if (!ctx || !ret_info)
		return -EINVAL;
	pthread_mutex_lock(&ctx->lock);
	pasid_clear_error(ctx);
	if (ctx->ops != &pasid_kernel_backend) {
		err = pasid_set_error(ctx, -EOPNOTSUPP, "GET_INFO: %s is not the kernel backend",
				      ctx->backend_name);
		goto out;
	}
	err = kioctl(kctx(ctx), PASID_IOC_GET_INFO, &info);
	if (err) {
		pasid_set_error(ctx, err, "GET_INFO on %s: %s", PASID_KERNEL_DEV, strerror(-err));
		goto out;
	}
	*ret_info = info;
out:
	pthread_mutex_unlock(&ctx->lock);
	return err;
}
