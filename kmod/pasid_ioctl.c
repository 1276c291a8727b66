// SPDX-License-Identifier: GPL-2.0-only
/*
 * The /dev/pasid ioctl table.
 *
 * Table-driven like iommufd: each command has a frozen minimum size (the end
 * of its last field in ABI v1); the user struct is read with
 * copy_struct_from_user(), so older (shorter) and newer (longer, zero tail)
 * callers both work, and a non-zero unknown tail gives -E2BIG. Outputs are
 * written back only on success, at most the caller's size.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "pasid_internal.h"

union pasid_ucmd_buffer {
	struct pasid_cmd_get_info info;
	struct pasid_cmd_alloc alloc;
	struct pasid_cmd_free free;
	struct pasid_cmd_extend extend;
	struct pasid_cmd_attach attach;
#ifdef PASID_TEST_BUILD
	struct pasid_cmd_test test;
#endif
};

/*
 * The kernel's copy of a command, and what a failed copy-out must undo:
 * @new_hold: ALLOC of the global intent took a hold this file did not have.
 */
struct pasid_ucmd {
	union pasid_ucmd_buffer buf;
	bool new_hold;
};

/* FREE, EXTEND, ATTACH, DETACH: a value no allocation can have is -ENOENT. */
static inline bool pasid_value_in_range(u32 v)
{
	return v != 0 && v < PCORE_PASID_LIMIT;
}

static int pasid_cmd_get_info(struct pasid_file *pf, void *buf)
{
	struct pasid_cmd_get_info *cmd = buf;
	struct pcore_stats st;
	u32 caps;

	if (cmd->flags || cmd->__reserved || cmd->__reserved2)
		return -EINVAL;

	caps = PASID_CAP_GROUP | PASID_CAP_EXACT | PASID_CAP_ATTACH | PASID_CAP_HOTPLUG;
	if (pasid_genl_registered())
		caps |= PASID_CAP_GENL;

	mutex_lock(&pasid_lock);
	pcore_get_stats(&pasid_core, &st);
	cmd->out_min_width = pcore_min_width(&pasid_core);
	cmd->out_nr_held = pasid_nr_held;
	if (pasid_mock) {
		caps |= PASID_CAP_GLOBAL_ENQCMD | PASID_CAP_TEST_CMD;
		cmd->out_mode = PASID_MODE_MOCK;
		cmd->out_kernel_alloc = PASID_KALLOC_MOCK;
	} else {
		cmd->out_mode = PASID_MODE_REAL;
#ifndef PASID_REAL_NONE
		cmd->out_kernel_alloc = pasid_source_real.kind;
		if (pasid_real_global_possible())
			caps |= PASID_CAP_GLOBAL_ENQCMD;
		caps |= PASID_CAP_MM_PASID;
		cmd->out_mm_pasid = pasid_real_mm_pasid(pf->mm);
#endif
	}
	mutex_unlock(&pasid_lock);

	cmd->out_abi_version = PASID_ABI_VERSION;
	cmd->out_caps = caps;
	cmd->out_max_width = PASID_UAPI_WIDTH_MAX;
	cmd->out_nr_rids = st.nr_rids;
	cmd->out_max_group_rids = PASID_UAPI_MAX_GROUP_RIDS;
	cmd->out_nr_owners = st.nr_owners;
	cmd->out_nr_groups = st.nr_groups;
	cmd->out_nr_globals = st.nr_globals;
	cmd->out_nr_values = st.nr_values;
	return 0;
}

static int pasid_cmd_alloc(struct pasid_file *pf, void *buf)
{
	struct pasid_ucmd *ucmd = container_of(buf, struct pasid_ucmd, buf);
	struct pasid_cmd_alloc *cmd = buf;
	u32 intent = cmd->flags & (PASID_CMD_ALLOC_GROUP | PASID_CMD_ALLOC_GLOBAL_ENQCMD);
	bool exact = cmd->flags & PASID_CMD_ALLOC_EXACT;
	u32 v = exact ? cmd->out_pasid : 0;
	u32 *rids = NULL;
	int err;

	if (cmd->flags & ~(PASID_CMD_ALLOC_GROUP | PASID_CMD_ALLOC_GLOBAL_ENQCMD |
			   PASID_CMD_ALLOC_EXACT))
		return -EINVAL;
	if (intent != PASID_CMD_ALLOC_GROUP && intent != PASID_CMD_ALLOC_GLOBAL_ENQCMD)
		return -EINVAL;
	if (cmd->__reserved || cmd->__reserved2)
		return -EINVAL;
	if (exact && !pasid_value_in_range(v))
		return -EINVAL;

	if (intent == PASID_CMD_ALLOC_GLOBAL_ENQCMD) {
		if (cmd->nr_rids || cmd->rids_uptr)
			return -EINVAL;
		if (current->mm != pf->mm)
			return -EPERM;
		mutex_lock(&pasid_lock);
		ucmd->new_hold = !pf->owner.global;
		err = pasid_quota_alloc(pf, true);
		if (!err && pasid_mock)
			err = pcore_alloc_global(&pasid_core, &pf->owner,
						 exact ? PCORE_ALLOC_EXACT : 0, &v);
		else if (!err)
#ifndef PASID_REAL_NONE
			err = pasid_real_alloc_global(pf, cmd->flags, &v);
#else
			err = -EOPNOTSUPP;
#endif
		pasid_quota_sync(pf);
		mutex_unlock(&pasid_lock);
		goto out;
	}

	if (!cmd->nr_rids || cmd->nr_rids > PASID_UAPI_MAX_GROUP_RIDS)
		return -EINVAL;
	err = pasid_quota_rids(cmd->nr_rids);
	if (err)
		return err;
	rids = pasid_kvzalloc(array_size(cmd->nr_rids, sizeof(*rids)));
	if (!rids)
		return -ENOMEM;
	if (copy_from_user(rids, u64_to_user_ptr(cmd->rids_uptr),
			   array_size(cmd->nr_rids, sizeof(*rids)))) {
		err = -EFAULT;
		goto out;
	}
	mutex_lock(&pasid_lock);
	err = pasid_quota_alloc(pf, false);
	if (!err)
		err = pcore_alloc_group(&pasid_core, &pf->owner, rids, cmd->nr_rids,
					exact ? PCORE_ALLOC_EXACT : 0, &v);
	pasid_quota_sync(pf);
	mutex_unlock(&pasid_lock);
out:
	kvfree(rids);
	if (!err)
		cmd->out_pasid = v;
	return err;
}

typedef int (*pasid_value_op)(struct pcore *c, struct pcore_owner *o, u32 v, u32 rid);

/*
 * What every call on a held value shares: unknown flags or reserved bits
 * (@must_be_zero) are EINVAL, a value out of range is not held (ENOENT),
 * a call that binds to the address space must come from the opener's
 * process (EPERM); then @op runs under the lock.
 */
static int pasid_value_cmd(struct pasid_file *pf, u32 must_be_zero, u32 pasid, u32 rid,
			   bool same_mm, pasid_value_op op)
{
	int err;

	if (must_be_zero)
		return -EINVAL;
	if (!pasid_value_in_range(pasid))
		return -ENOENT;
	if (same_mm && current->mm != pf->mm)
		return -EPERM;
	mutex_lock(&pasid_lock);
	err = op(&pasid_core, &pf->owner, pasid, rid);
	pasid_quota_sync(pf);
	mutex_unlock(&pasid_lock);
	return err;
}

static int pasid_free_op(struct pcore *c, struct pcore_owner *o, u32 v, u32 rid)
{
	return pcore_free(c, o, v);
}

/* Mock mode binds in the core only; real mode SVA-binds the mm first. */
static int pasid_attach_op(struct pcore *c, struct pcore_owner *o, u32 v, u32 rid)
{
	if (pasid_mock)
		return pcore_attach(c, o, v, rid);
#ifndef PASID_REAL_NONE
	return pasid_real_attach(pasid_file_of(o), v, rid);
#else
	return -EOPNOTSUPP;
#endif
}

static int pasid_cmd_free(struct pasid_file *pf, void *buf)
{
	struct pasid_cmd_free *cmd = buf;

	return pasid_value_cmd(pf, cmd->flags | cmd->__reserved, cmd->pasid, 0, false,
			       pasid_free_op);
}

/* max_rids_per_alloc bounds a group however it grew: by ALLOC or by EXTEND. */
static int pasid_extend_op(struct pcore *c, struct pcore_owner *o, u32 v, u32 rid)
{
	const struct pcore_alloc *a = pcore_find(c, o, v);

	/* a full group keeps its E2BIG */
	if (a && a->intent == PCORE_INTENT_GROUP && a->nr < PASID_UAPI_MAX_GROUP_RIDS &&
	    !pcore_value_on_rid(c, v, rid) && pasid_quota_rids(a->nr + 1))
		return -EDQUOT;
	return pcore_extend(c, o, v, rid);
}

static int pasid_cmd_extend(struct pasid_file *pf, void *buf)
{
	struct pasid_cmd_extend *cmd = buf;

	return pasid_value_cmd(pf, cmd->flags, cmd->pasid, cmd->rid, false, pasid_extend_op);
}

static int pasid_cmd_attach(struct pasid_file *pf, void *buf)
{
	struct pasid_cmd_attach *cmd = buf;

	/* a binding is to the opener's address space, in mock mode too */
	return pasid_value_cmd(pf, cmd->flags, cmd->pasid, cmd->rid, true, pasid_attach_op);
}

/* In real mode the core's detach event performs the SVA unbind. */
static int pasid_cmd_detach(struct pasid_file *pf, void *buf)
{
	struct pasid_cmd_attach *cmd = buf;

	return pasid_value_cmd(pf, cmd->flags, cmd->pasid, cmd->rid, false, pcore_detach);
}

/**
 * struct pasid_ioctl_op - one entry of the dispatch table
 * @size: the kernel's struct size
 * @min_size: the frozen minimum a caller may pass
 * @ioctl_num: the full ioctl number
 * @has_out: write the struct back on success
 * @execute: the handler, on a kernel copy of the struct
 */
struct pasid_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	bool has_out;
	int (*execute)(struct pasid_file *pf, void *buf);
};

#define PASID_IOCTL_OP(_ioctl, _fn, _struct, _last, _out)			\
	[_IOC_NR(_ioctl) - PASID_CMD_BASE] = {					\
		.size = sizeof(_struct) +					\
			BUILD_BUG_ON_ZERO(sizeof(union pasid_ucmd_buffer) <	\
					  sizeof(_struct)),			\
		.min_size = offsetofend(_struct, _last),			\
		.ioctl_num = _ioctl,						\
		.has_out = _out,						\
		.execute = _fn,							\
	}

static const struct pasid_ioctl_op pasid_ioctl_ops[] = {
	PASID_IOCTL_OP(PASID_IOC_GET_INFO, pasid_cmd_get_info, struct pasid_cmd_get_info,
		       __reserved2, true),
	PASID_IOCTL_OP(PASID_IOC_ALLOC, pasid_cmd_alloc, struct pasid_cmd_alloc,
		       __reserved2, true),
	PASID_IOCTL_OP(PASID_IOC_FREE, pasid_cmd_free, struct pasid_cmd_free,
		       __reserved, false),
	PASID_IOCTL_OP(PASID_IOC_EXTEND, pasid_cmd_extend, struct pasid_cmd_extend,
		       rid, false),
	PASID_IOCTL_OP(PASID_IOC_ATTACH, pasid_cmd_attach, struct pasid_cmd_attach,
		       rid, false),
	PASID_IOCTL_OP(PASID_IOC_DETACH, pasid_cmd_detach, struct pasid_cmd_attach,
		       rid, false),
#ifdef PASID_TEST_BUILD
	PASID_IOCTL_OP(PASID_IOC_TEST_CMD, pasid_cmd_test, struct pasid_cmd_test,
		       out_value2, true),
#endif
};

/*
 * ALLOC succeeded but its result could not be written back: nobody learnt
 * the value, so what the call took is given back (a group allocation, or a
 * hold on the global the file did not have before; an existing hold stays).
 */
static void pasid_alloc_undo(struct pasid_file *pf, const struct pasid_ucmd *ucmd)
{
	const struct pasid_cmd_alloc *cmd = &ucmd->buf.alloc;

	if ((cmd->flags & PASID_CMD_ALLOC_GLOBAL_ENQCMD) && !ucmd->new_hold)
		return;
	mutex_lock(&pasid_lock);
	pcore_free(&pasid_core, &pf->owner, cmd->out_pasid);
	pasid_quota_sync(pf);
	mutex_unlock(&pasid_lock);
}

/**
 * pasid_fops_ioctl() - Dispatch one /dev/pasid ioctl.
 * @file: the owner's file
 * @cmd: the ioctl number
 * @arg: user pointer to the command struct
 *
 * Return: 0 or -errno (see the DOC: table in uapi/linux/pasid.h).
 */
long pasid_fops_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct pasid_file *pf = file->private_data;
	void __user *uarg = (void __user *)arg;
	const struct pasid_ioctl_op *op;
	struct pasid_ucmd ucmd = {};
	unsigned int nr = _IOC_NR(cmd);
	u32 user_size;
	int err;

	if (nr < PASID_CMD_BASE || nr - PASID_CMD_BASE >= ARRAY_SIZE(pasid_ioctl_ops))
		return -ENOTTY;
	op = &pasid_ioctl_ops[nr - PASID_CMD_BASE];
	if (op->ioctl_num != cmd)
		return -ENOTTY;

	if (get_user(user_size, (u32 __user *)uarg))
		return -EFAULT;
	if (user_size < op->min_size)
		return -EINVAL;
	if (user_size > PAGE_SIZE)
		return -E2BIG;
	err = copy_struct_from_user(&ucmd.buf, op->size, uarg, user_size);
	if (err)
		return err;

	err = op->execute(pf, &ucmd.buf);
	if (err || !op->has_out)
		return err;
	if (copy_to_user(uarg, &ucmd.buf, min_t(size_t, op->size, user_size))) {
		if (cmd == PASID_IOC_ALLOC)
			pasid_alloc_undo(pf, &ucmd);
		return -EFAULT;
	}
	return 0;
}
