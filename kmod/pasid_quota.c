// SPDX-License-Identifier: GPL-2.0-only
/*
 * pasid_quota.c - limits an administrator sets on what one user may hold.
 *
 * max_pasids_per_user: live PASIDs (group allocations and holds on a global
 * PASID) over all the /dev/pasid files of one effective uid. CAP_SYS_ADMIN is
 * not exempt: the limit is a resource bound, not a permission.
 * max_rids_per_alloc: RIDs one group may name, whether it got them from ALLOC
 * or from EXTEND (1..PASID_UAPI_MAX_GROUP_RIDS).
 * max_pasids_total: values the whole shim may hold from the kernel's
 * allocator at once (real mode). The kernel's PASID space is shared with
 * every SVA user of the system, and its lowest values are the only ones a
 * narrow device can use: the shim must leave most of it to the others.
 *
 * Both answer -EDQUOT. -ENOSPC keeps its one meaning (no value is free), so
 * a caller never retries an allocation that a quota forbids.
 *
 * Each uid with an open file has one account holding the sum of its files'
 * PASIDs, kept current by pasid_quota_sync() after every call that can
 * change a file's count: checking the quota is O(1), whatever the number of
 * open files. Everything here runs under pasid_lock.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#include "pasid_internal.h"

/**
 * struct pasid_user - the quota account of one effective uid
 * @node: in pasid_users
 * @uid: the uid
 * @files: its open files of /dev/pasid
 * @held: their live PASIDs (each file's pasid_file.counted, summed)
 */
struct pasid_user {
	struct hlist_node node;
	kuid_t uid;
	unsigned int files;
	unsigned int held;
};

static DEFINE_HASHTABLE(pasid_users, 6);

/*
 * 64 per user: a process needs a handful of PASIDs (one per address space
 * it shares with devices), and the kernel's space is everyone's.
 */
static unsigned int max_pasids_per_user = 64;
static unsigned int max_rids_per_alloc = PASID_UAPI_MAX_GROUP_RIDS;
static unsigned int max_pasids_total = 1024;

/*
 * Out-of-range writes to the parameters are refused (-EINVAL) and leave the
 * value as it was: 0 RIDs per request would refuse every ALLOC.
 */
static int pasid_set_max_pasids(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, PCORE_PASID_LIMIT);
}

static int pasid_set_max_rids(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, PASID_UAPI_MAX_GROUP_RIDS);
}

static int pasid_set_max_total(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, PCORE_PASID_LIMIT);
}

static const struct kernel_param_ops pasid_max_total_ops = {
	.set = pasid_set_max_total,
	.get = param_get_uint,
};

static const struct kernel_param_ops pasid_max_pasids_ops = {
	.set = pasid_set_max_pasids,
	.get = param_get_uint,
};

static const struct kernel_param_ops pasid_max_rids_ops = {
	.set = pasid_set_max_rids,
	.get = param_get_uint,
};

module_param_cb(max_pasids_per_user, &pasid_max_pasids_ops, &max_pasids_per_user, 0644);
MODULE_PARM_DESC(max_pasids_per_user,
		 "live PASIDs one user may hold over all its open files (0: no limit; at most 1048576)");
module_param_cb(max_rids_per_alloc, &pasid_max_rids_ops, &max_rids_per_alloc, 0644);
MODULE_PARM_DESC(max_rids_per_alloc, "RIDs one group may name, by ALLOC or EXTEND (1..1024)");
module_param_cb(max_pasids_total, &pasid_max_total_ops, &max_pasids_total, 0644);
MODULE_PARM_DESC(max_pasids_total,
		 "values the shim may hold from the kernel's PASID allocator at once (1..1048576)");

/**
 * pasid_quota_total() - May the shim take one more value from the kernel's
 * allocator? Under pasid_lock, real mode.
 *
 * Return: 0 or -EDQUOT.
 */
int pasid_quota_total(void)
{
	lockdep_assert_held(&pasid_lock);
	return pasid_nr_held >= READ_ONCE(max_pasids_total) ? -EDQUOT : 0;
}

/**
 * pasid_quota_rids() - May one group name @nr RIDs?
 * @nr: the RIDs it would name
 *
 * Return: 0 or -EDQUOT.
 */
int pasid_quota_rids(u32 nr)
{
	return nr > READ_ONCE(max_rids_per_alloc) ? -EDQUOT : 0;
}

/**
 * pasid_quota_alloc() - May @pf's user take one more PASID? Under pasid_lock.
 * @pf: the file asking
 * @global: a global request (a second hold of the process's global is free)
 *
 * Return: 0 or -EDQUOT.
 */
int pasid_quota_alloc(const struct pasid_file *pf, bool global)
{
	unsigned int max = READ_ONCE(max_pasids_per_user);

	lockdep_assert_held(&pasid_lock);
	if (!max || (global && pf->owner.global))
		return 0;
	return pf->user->held >= max ? -EDQUOT : 0;
}

/**
 * pasid_quota_sync() - Bring @pf's user account up to date with what @pf
 * holds now. Under pasid_lock, after any call that may have changed it.
 * @pf: the file
 */
void pasid_quota_sync(struct pasid_file *pf)
{
	u32 now = pf->owner.nr_allocs + (pf->owner.global ? 1 : 0);

	lockdep_assert_held(&pasid_lock);
	pf->user->held += now - pf->counted;
	pf->counted = now;
}

/**
 * pasid_quota_open() - Attach a new file to its uid's account. Takes pasid_lock.
 * @pf: the file, @pf->uid set
 *
 * Return: 0 or -ENOMEM.
 */
int pasid_quota_open(struct pasid_file *pf)
{
	struct pasid_user *u, *spare = kzalloc(sizeof(*spare), GFP_KERNEL_ACCOUNT);

	mutex_lock(&pasid_lock);
	hash_for_each_possible(pasid_users, u, node, __kuid_val(pf->uid))
		if (uid_eq(u->uid, pf->uid))
			goto found;
	u = spare;
	spare = NULL;
	if (!u) {
		mutex_unlock(&pasid_lock);
		return -ENOMEM;
	}
	u->uid = pf->uid;
	hash_add(pasid_users, &u->node, __kuid_val(u->uid));
found:
	u->files++;
	pf->user = u;
	pf->counted = 0;
	mutex_unlock(&pasid_lock);
	kfree(spare);
	return 0;
}

/**
 * pasid_quota_close() - Detach a closing file, after everything it held was
 * released. Under pasid_lock.
 * @pf: the file
 */
void pasid_quota_close(struct pasid_file *pf)
{
	struct pasid_user *u = pf->user;

	pasid_quota_sync(pf);
	WARN_ON_ONCE(pf->counted);
	if (--u->files == 0) {
		WARN_ON_ONCE(u->held);
		hash_del(&u->node);
		kfree(u);
	}
	pf->user = NULL;
}
