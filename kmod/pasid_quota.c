// SPDX-License-Identifier: GPL-2.0-only
/*
 * pasid_quota.c - limits an administrator sets on what one user may hold.
 *
 * max_pasids_per_user: live PASIDs (group allocations and holds on a global
 * PASID) over all the /dev/pasid files of one effective uid. CAP_SYS_ADMIN is
 * not exempt: the limit is a resource bound, not a permission.
 * max_rids_per_alloc: RIDs one ALLOC may name (at most
 * PASID_UAPI_MAX_GROUP_RIDS).
 *
 * Both answer -EDQUOT. -ENOSPC keeps its one meaning (no value is free), so
 * a caller never retries an allocation that a quota forbids.
 */
#include <linux/cred.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "pasid_internal.h"

static unsigned int max_pasids_per_user = 65536;
module_param(max_pasids_per_user, uint, 0644);
MODULE_PARM_DESC(max_pasids_per_user,
		 "live PASIDs one user may hold over all its open files (0: no limit)");

static unsigned int max_rids_per_alloc = PASID_UAPI_MAX_GROUP_RIDS;
module_param(max_rids_per_alloc, uint, 0644);
MODULE_PARM_DESC(max_rids_per_alloc, "RIDs one allocation may name (1..1024)");

/**
 * pasid_quota_rids() - May one allocation name @nr RIDs?
 * @nr: the request's RID count, already within 1..PASID_UAPI_MAX_GROUP_RIDS
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
 * Walks the owners: O(open files), paid only by allocations.
 * Return: 0 or -EDQUOT.
 */
int pasid_quota_alloc(const struct pasid_file *pf, bool global)
{
	unsigned int max = READ_ONCE(max_pasids_per_user), held = 0;
	const struct pcore_owner *o;

	lockdep_assert_held(&pasid_lock);
	if (!max || (global && pf->owner.global))
		return 0;
	for (o = pasid_core.owners; o; o = o->next) {
		const struct pasid_file *other = pasid_file_of(o);

		if (uid_eq(other->uid, pf->uid))
			held += o->nr_allocs + (o->global ? 1 : 0);
	}
	return held >= max ? -EDQUOT : 0;
}
