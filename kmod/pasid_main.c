// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pasid shim: /dev/pasid, module lifecycle, owners.
 *
 * A sub-allocator of PASIDs with explicit scope (docs/DESIGN.md): values are
 * held from the kernel's own allocator (real mode) or from a separate mock
 * namespace (mock=1), and handed out per RID group or as the process's
 * global ENQCMD value by the allocator core in core/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "pasid_internal.h"

DEFINE_MUTEX(pasid_lock);
struct pcore pasid_core;
u32 pasid_nr_held;

static const struct pasid_source *pasid_source;

/**
 * pasid_core_event() - The core's event callback: notify genl listeners and
 * let real mode undo SVA binds.
 * @priv: unused
 * @ev: the event, under pasid_lock
 */
void pasid_core_event(void *priv, const struct pcore_event *ev)
{
#ifndef PASID_REAL_NONE
	if (!pasid_mock)
		pasid_real_on_event(ev);
#endif
	pasid_genl_event(ev);
}

static int pasid_fops_open(struct inode *inode, struct file *file)
{
	struct pasid_file *pf;
	int err;

	if (!current->mm)
		return -EINVAL;
	/* every open costs kernel memory: the opener's memcg pays for it */
	pf = kzalloc(sizeof(*pf), GFP_KERNEL_ACCOUNT);
	if (!pf)
		return -ENOMEM;
	pf->uid = current_euid();
	err = pasid_quota_open(pf);
	if (err) {
		kfree(pf);
		return err;
	}
	INIT_LIST_HEAD(&pf->binds);
	pf->mm = current->mm;
	mmgrab(pf->mm);
	pf->tgid = get_pid(task_tgid(current));
	get_task_comm(pf->comm, current);

	mutex_lock(&pasid_lock);
	pcore_owner_init(&pasid_core, &pf->owner, (u64)(uintptr_t)pf->mm, pf);
	mutex_unlock(&pasid_lock);
	file->private_data = pf;
	return 0;
}

/*
 * Close, including by process death: detach (and SVA-unbind, through the
 * core's detach events), free the owner's values, then let go of the mm.
 */
static int pasid_fops_release(struct inode *inode, struct file *file)
{
	struct pasid_file *pf = file->private_data;

	mutex_lock(&pasid_lock);
	pcore_owner_release(&pasid_core, &pf->owner);
#ifndef PASID_REAL_NONE
	if (!pasid_mock)
		pasid_real_release(pf);
#endif
	pasid_quota_close(pf);
	mutex_unlock(&pasid_lock);
	mmdrop(pf->mm);
	put_pid(pf->tgid);
	kfree(pf);
	return 0;
}

static const struct file_operations pasid_fops = {
	.owner = THIS_MODULE,
	.open = pasid_fops_open,
	.release = pasid_fops_release,
	.unlocked_ioctl = pasid_fops_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice pasid_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pasid",
	.fops = &pasid_fops,
	.mode = 0660,
};

static int __init pasid_init(void)
{
	int err;

	if (!pasid_mock) {
#ifdef PASID_REAL_NONE
		pr_err("this kernel exports no PASID allocator (6.1-6.3 need CONFIG_IOASID and CONFIG_IOMMU_SVA; 6.4 and 6.5 have none: ioasid is gone, iommu_alloc_global_pasid() arrives in 6.6): real mode cannot work here; a test build (PASID_TEST=y) with mock=1 can\n");
		return -EOPNOTSUPP;
#else
		pasid_source = &pasid_source_real;
#endif
	} else {
#ifdef PASID_TEST_BUILD
		pasid_source = &pasid_source_mock;
#endif
	}

	err = pasid_source->init();
	if (err)
		return err;
	pcore_init(&pasid_core, pasid_source->ops, pasid_source->priv);

	err = pasid_genl_init();
	if (err)
		goto err_core;
#ifndef PASID_REAL_NONE
	if (!pasid_mock) {
		err = pasid_real_init();
		if (err)
			goto err_genl;
	}
#endif
	err = misc_register(&pasid_misc);
	if (err)
		goto err_real;

	pr_info("/dev/pasid ready, %s mode, ABI %u\n",
		pasid_mock ? "MOCK" : "real", PASID_ABI_VERSION);
	return 0;

err_real:
#ifndef PASID_REAL_NONE
	if (!pasid_mock)
		pasid_real_exit();
err_genl:
#endif
	pasid_genl_exit();
err_core:
	pcore_destroy(&pasid_core);
	pasid_source->exit();
	return err;
}

static void __exit pasid_exit(void)
{
	misc_deregister(&pasid_misc);
#ifndef PASID_REAL_NONE
	if (!pasid_mock)
		pasid_real_exit();
#endif
	pasid_genl_exit();
	mutex_lock(&pasid_lock);
	/* no file is open: nothing may be held any more */
	WARN(pasid_core.st.nr_owners || pasid_nr_held,
	     pr_fmt("%u owners, %u values still held at unload\n"),
	     pasid_core.st.nr_owners, pasid_nr_held);
	pcore_destroy(&pasid_core);
	mutex_unlock(&pasid_lock);
	pasid_source->exit();
	pr_info("unloaded\n");
}

module_init(pasid_init);
module_exit(pasid_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("PASIDs by intent: scoped (per RID group) and global ENQCMD PASIDs");
MODULE_AUTHOR("libpasid project");
MODULE_VERSION("0.1.0");
