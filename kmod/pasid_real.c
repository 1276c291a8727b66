// SPDX-License-Identifier: GPL-2.0-only
/*
 * Real mode: values held from the kernel's own PASID
 * allocator, RIDs that are real PASID-capable PCI functions, SVA binds.
 *
 * Per kernel version (see docs/kernel-facts.md):
 *  6.1      group values: ioasid_alloc() in the shim's own ioasid set;
 *           the ENQCMD value: iommu_sva_alloc_pasid(mm) = mm->pasid, adopted
 *           by the core as an external global (the kernel frees it with the mm)
 *  >= 6.6   group values: iommu_alloc_global_pasid() on a real PASID-capable
 *           device behind an IOMMU; the ENQCMD value: the mm's PASID, which
 *           only a driver's SVA bind creates (idxd's open); the shim adopts
 *           it and never binds to create one
 *  6.4-6.5  no exported allocator: real mode refuses to load
 *
 * Mock RIDs never reach this file: every function here is used in real
 * mode only.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#define dev_fmt(fmt) pr_fmt(fmt)

#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mm_types.h>
#include <linux/notifier.h>
#include <linux/pci.h>
#include <linux/pci-ats.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "pasid_internal.h"

#ifndef PASID_REAL_NONE

#ifdef PASID_REAL_IOASID
#include <linux/ioasid.h>

/*
 * 6.1 to 6.3 export iommu_sva_alloc_pasid() (GPL, drivers/iommu/iommu-sva-lib.c)
 * but declare it only in the private drivers/iommu/iommu-sva-lib.h, which an
 * out-of-tree module cannot include. This prototype is the one of those
 * versions; 6.4 removed the function and this file uses it only below 6.4
 * (PASID_REAL_IOASID), so no other version can disagree with it.
 */
int iommu_sva_alloc_pasid(struct mm_struct *mm, ioasid_t min, ioasid_t max);

static DECLARE_IOASID_SET(pasid_ioasid_set);

/*
 * The lowest value of [min, max] no ioasid set holds, 0 if none. 6.1's
 * ioasid_alloc() logs "Failed ASID allocation" at error level whenever it
 * fails, so the shim never asks it for a range it knows is full: a user
 * could otherwise fill the log. ioasid_find(NULL, ...) is -ENOENT exactly
 * for a value no set holds (drivers/iommu/ioasid.c, 6.1).
 */
static u32 pasid_ioasid_first_free(u32 min, u32 max)
{
	u32 v;

	for (v = min; v && v <= max; v++) {
		if (PTR_ERR_OR_ZERO(ioasid_find(NULL, v, NULL)) == -ENOENT)
			return v;
		cond_resched();
	}
	return 0;
}

static int pasid_real_lease(void *priv, u32 min, u32 max, u32 *ret)
{
	ioasid_t v;
	u32 from;
	int err;

	if (pasid_should_fail())
		return -ENOMEM;
	err = pasid_quota_total();
	if (err)
		return err;
	from = pasid_ioasid_first_free(min, max);
	if (!from)
		return -ENOSPC;
	v = ioasid_alloc(&pasid_ioasid_set, from, max, NULL);
	if (!pasid_valid(v))
		return -ENOSPC;
	*ret = v;
	pasid_nr_held++;
	return 0;
}

static void pasid_real_release_value(void *priv, u32 value)
{
	ioasid_free(value);
	pasid_nr_held--;
}

#define PASID_REAL_KIND PASID_KALLOC_IOASID
#else /* PASID_REAL_GLOBAL_IDA */

/*
 * The device to ask the IDA through: the real RID with the most PASIDs. The
 * IDA is system-wide, but iommu_alloc_global_pasid() bounds a lease by the
 * device's max_pasids: asking through an 8-bit function would cap every
 * group, even one of 20-bit functions only, at 255.
 */
static struct device *pasid_real_pool_dev(void)
{
	struct device *best = NULL;
	u32 i;

	for (i = 0; i < pasid_core.rid_cap; i++) {
		struct pcore_rid *r = pasid_core.rid_slots[i];
		struct pci_dev *pdev = r ? r->cookie : NULL;

		if (!pdev || !pdev->dev.iommu || !pdev->dev.iommu->max_pasids)
			continue;
		if (!best || pdev->dev.iommu->max_pasids > best->iommu->max_pasids)
			best = &pdev->dev;
	}
	return best;
}

/*
 * iommu_alloc_global_pasid() gives the lowest free value of the system-wide
 * IDA; it takes no range, and needs a device behind a PASID-capable IOMMU
 * (without one: -ENODEV, which the core passes on). A result above @max
 * therefore means nothing in [1, max] is free (-ENOSPC).
 *
 * An exact request (@min == @max) gets its value only when it is the lowest
 * free one. Below the lowest free value every value is held, so the answer
 * is -ENOSPC (the core reports -EBUSY). Above it the IDA cannot say whether
 * the value is free and cannot hand it out: -EOPNOTSUPP, never -EBUSY for a
 * value that may well be free (documented in docs/kernel.md).
 */
static int pasid_real_lease(void *priv, u32 min, u32 max, u32 *ret)
{
	struct device *dev = pasid_real_pool_dev();
	ioasid_t v;
	int err;

	if (!dev)
		return -ENODEV;	/* nothing to ask the IDA through: refuse */
	if (pasid_should_fail())
		return -ENOMEM;
	err = pasid_quota_total();
	if (err)
		return err;
	v = iommu_alloc_global_pasid(dev);
	if (v == IOMMU_PASID_INVALID)
		return -ENOSPC;
	if (v < min || v > max) {
		iommu_free_global_pasid(v);
		return min == max && v < min ? -EOPNOTSUPP : -ENOSPC;
	}
	*ret = v;
	pasid_nr_held++;
	return 0;
}

static void pasid_real_release_value(void *priv, u32 value)
{
	iommu_free_global_pasid(value);
	pasid_nr_held--;
}

#define PASID_REAL_KIND PASID_KALLOC_GLOBAL_IDA
#endif

static const struct pcore_ops pasid_real_ops = {
	.lease = pasid_real_lease,
	.release = pasid_real_release_value,
	.event = pasid_core_event,
	/* values are the kernel's: share them across disjoint groups first */
	.flags = PCORE_SRC_REUSE_FIRST,
};

static int pasid_real_source_init(void)
{
	return 0;
}

static void pasid_real_source_exit(void)
{
}

const struct pasid_source pasid_source_real = {
	.kind = PASID_REAL_KIND,
	.ops = &pasid_real_ops,
	.priv = NULL,
	.init = pasid_real_source_init,
	.exit = pasid_real_source_exit,
};

/* ---- RIDs: PCI functions with a PASID capability ------------------------ */

/* 0 and the RID, or -ERANGE for a domain beyond 16 bits (pasid_rid_encode()). */
static int pasid_pci_rid(struct pci_dev *pdev, u32 *rid)
{
	return pasid_rid_encode(pci_domain_nr(pdev->bus), pdev->bus->number, pdev->devfn, rid);
}

/* Effective PASID width: min(the function's capability, its IOMMU); 0 if none. */
static unsigned int pasid_pci_width(struct pci_dev *pdev)
{
	int cap = pci_max_pasids(pdev);
	u32 iommu_max = 0;

	if (cap <= 1)
		return 0;
#ifdef PASID_MAX_PASIDS_IN_IOMMU_DEV
	if (pdev->dev.iommu && pdev->dev.iommu->iommu_dev)
		iommu_max = pdev->dev.iommu->iommu_dev->max_pasids;
#else
	if (pdev->dev.iommu)
		iommu_max = pdev->dev.iommu->max_pasids;
#endif
	if (iommu_max <= 1)
		return 0;
	return min_t(unsigned int, ilog2(cap), ilog2(iommu_max));
}

/* Under pasid_lock. Takes a reference on @pdev if the RID is added. */
static void pasid_pci_add(struct pci_dev *pdev)
{
	unsigned int width = pasid_test_pci_width() ?: pasid_pci_width(pdev);
	u32 rid;
	int err;

	if (!width)
		return;
	if (pasid_pci_rid(pdev, &rid)) {
		pci_info(pdev, "PCI domain beyond 16 bits (VMD): no RID for this function\n");
		return;
	}
	if (pcore_rid_find(&pasid_core, rid))
		return;
	pci_dev_get(pdev);
	err = pcore_rid_add(&pasid_core, rid, min_t(unsigned int, width, PCORE_PASID_BITS),
			    pdev);
	if (err) {
		pci_dev_put(pdev);
		pci_warn(pdev, "cannot track this function: %d\n", err);
		return;
	}
	pci_info(pdev, "PASID-capable function, width %u\n", width);
}

/* Under pasid_lock. */
static void pasid_pci_remove(struct pci_dev *pdev)
{
	struct pcore_rid *r;
	u32 rid;

	if (pasid_pci_rid(pdev, &rid))
		return;
	r = pcore_rid_find(&pasid_core, rid);
	if (!r || r->cookie != pdev)
		return;
	pcore_rid_remove(&pasid_core, rid);
	pci_dev_put(pdev);
}

/* Under pasid_lock: tear down the SVA binds on @rid (driver going away). */
static void pasid_pci_unbind_all(u32 rid)
{
	struct pcore_owner *o, *next;

	for (o = pasid_core.owners; o; o = next) {
		struct pasid_file *pf = pasid_file_of(o);
		struct pasid_bind *b, *tmp;

		next = o->next;
		list_for_each_entry_safe(b, tmp, &pf->binds, node)
			if (b->rid == rid)
				pcore_detach(&pasid_core, o, b->value, rid);
	}
}

static int pasid_pci_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);

	u32 rid;

	mutex_lock(&pasid_lock);
	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
	case BUS_NOTIFY_BOUND_DRIVER:
		pasid_pci_add(pdev);
		break;
	/*
	 * UNBIND_DRIVER comes before the driver's remove(), DRIVER_NOT_BOUND
	 * after a failed probe: every SVA bind the shim made on the function
	 * goes first (the ownership rule in docs/DESIGN.md). ATTACH checks the
	 * driver under pasid_lock, so no bind can slip in after this.
	 */
	case BUS_NOTIFY_UNBIND_DRIVER:
	case BUS_NOTIFY_DRIVER_NOT_BOUND:
		if (!pasid_pci_rid(pdev, &rid))
			pasid_pci_unbind_all(rid);
		break;
	/*
	 * DEL_DEVICE comes before the function leaves the bus's device list,
	 * REMOVED_DEVICE after. A function whose DEL_DEVICE went by before
	 * the initial scan (or before this notifier was registered) can
	 * still be found by that scan and added; its REMOVED_DEVICE then
	 * removes it. After REMOVED_DEVICE no scan can find it any more.
	 */
	case BUS_NOTIFY_DEL_DEVICE:
	case BUS_NOTIFY_REMOVED_DEVICE:
		pasid_pci_remove(pdev);
		break;
	}
	mutex_unlock(&pasid_lock);
	if (action == BUS_NOTIFY_DEL_DEVICE)
		pasid_test_delay(PASID_TEST_DELAY_DEL);
	return NOTIFY_DONE;
}

static struct notifier_block pasid_pci_nb = {
	.notifier_call = pasid_pci_notify,
};

#ifdef PASID_TEST_BUILD
/* the test build only: RIDs without a device */
static char *test_rids;
module_param(test_rids, charp, 0444);
MODULE_PARM_DESC(test_rids, "real mode, tests only: RIDs without a device, \"rid:width[,rid:width]\"; "
		 "their values still come from the kernel's allocator; reported as mock");

/* Under pasid_lock: add the test_rids= RIDs (cookie NULL: no device). */
static int pasid_real_add_test_rids(void)
{
	char *list, *p, *item;
	int err = 0;

	if (!test_rids || !*test_rids)
		return 0;
	list = kstrdup(test_rids, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	p = list;
	while ((item = strsep(&p, ",")) && !err) {
		char *colon = strchr(item, ':');
		unsigned int width;
		u32 rid;

		if (!colon) {
			err = -EINVAL;
			break;
		}
		*colon = '\0';
		err = kstrtou32(item, 0, &rid);
		if (!err)
			err = kstrtouint(colon + 1, 0, &width);
		if (!err)
			err = pcore_rid_add(&pasid_core, rid, width, NULL);
	}
	kfree(list);
	if (err)
		pr_err("bad test_rids=\"%s\": %d\n", test_rids, err);
	else
		pr_warn("test_rids=\"%s\": RIDs without a device, for tests only\n",
			test_rids);
	return err;
}
#else
static inline int pasid_real_add_test_rids(void)
{
	return 0;
}
#endif

/**
 * pasid_real_init() - Track PASID-capable PCI functions.
 *
 * Return: 0 or -errno.
 */
int pasid_real_init(void)
{
	struct pci_dev *pdev = NULL;
	int err;

	err = bus_register_notifier(&pci_bus_type, &pasid_pci_nb);
	if (err)
		return err;
	pasid_test_delay(PASID_TEST_DELAY_SCAN);
	mutex_lock(&pasid_lock);
	for_each_pci_dev(pdev)
		pasid_pci_add(pdev);
	if (!pasid_core.nr_rids)
		pr_info("no PASID-capable PCI function behind a PASID-capable IOMMU; "
			"allocations fail with -ENODEV until one appears\n");
	err = pasid_real_add_test_rids();
	mutex_unlock(&pasid_lock);
	if (err)
		pasid_real_exit();
	return err;
}

static int pasid_real_put_rid(const struct pcore_rid *r, void *data)
{
	pci_dev_put(r->cookie);
	return 0;
}

/**
 * pasid_real_exit() - Stop tracking PCI functions, drop their references.
 *
 * Called with no open file left.
 */
void pasid_real_exit(void)
{
	bus_unregister_notifier(&pci_bus_type, &pasid_pci_nb);
	mutex_lock(&pasid_lock);
	pcore_for_each_rid(&pasid_core, pasid_real_put_rid, NULL);
	mutex_unlock(&pasid_lock);
}

/* ---- which functions the shim may SVA-bind on ---------------------------- */

/*
 * sva_drivers: the drivers an administrator allows the shim to SVA-bind
 * callers' address spaces on (ATTACH). Empty by default: ATTACH binds
 * nowhere. Bounded: at most PASID_SVA_DRIVERS names of at most
 * PASID_SVA_DRIVER_LEN - 1 characters, [A-Za-z0-9_-].
 */
#define PASID_SVA_DRIVERS	8
#define PASID_SVA_DRIVER_LEN	32

static char pasid_sva_drivers[PASID_SVA_DRIVERS][PASID_SVA_DRIVER_LEN];

static int pasid_sva_drivers_set(const char *val, const struct kernel_param *kp)
{
	char list[PASID_SVA_DRIVERS][PASID_SVA_DRIVER_LEN] = {};
	unsigned int n = 0, len = 0;
	const char *c;

	for (c = val; ; c++) {
		if (*c == ',' || *c == '\0' || *c == '\n') {
			if (len) {
				list[n][len] = '\0';
				n++;
				len = 0;
			}
			if (*c != ',')
				break;
			continue;
		}
		if (!(isalnum(*c) || *c == '_' || *c == '-'))
			return -EINVAL;
		if (n == PASID_SVA_DRIVERS || len == PASID_SVA_DRIVER_LEN - 1)
			return -EINVAL;
		list[n][len++] = *c;
	}
	mutex_lock(&pasid_lock);
	memcpy(pasid_sva_drivers, list, sizeof(list));
	mutex_unlock(&pasid_lock);
	return 0;
}

static int pasid_sva_drivers_get(char *buf, const struct kernel_param *kp)
{
	int i, len = 0;

	mutex_lock(&pasid_lock);
	for (i = 0; i < PASID_SVA_DRIVERS && pasid_sva_drivers[i][0]; i++)
		len += scnprintf(buf + len, PAGE_SIZE - len, "%s%s", i ? "," : "",
				 pasid_sva_drivers[i]);
	mutex_unlock(&pasid_lock);
	len += scnprintf(buf + len, PAGE_SIZE - len, "\n");
	return len;
}

static const struct kernel_param_ops pasid_sva_drivers_ops = {
	.set = pasid_sva_drivers_set,
	.get = pasid_sva_drivers_get,
};

module_param_cb(sva_drivers, &pasid_sva_drivers_ops, NULL, 0644);
MODULE_PARM_DESC(sva_drivers, "drivers whose functions ATTACH may SVA-bind on, "
		 "\"name[,name...]\" (at most 8; never a driver that manages DMA "
		 "ownership itself, such as vfio-pci); empty: none");

/*
 * May the shim SVA-bind an mm on @pdev? Under pasid_lock: a driver leaving
 * the function sends UNBIND_DRIVER (or DRIVER_NOT_BOUND) first, whose
 * handler waits for pasid_lock and then revokes what was bound here, so
 * the driver read here stays bound (and loaded) until the lock is dropped.
 *
 * Return: 0, or -EACCES with a rate-limited reason (a user can trigger it).
 */
static int pasid_real_may_bind(struct pci_dev *pdev)
{
	struct device_driver *drv = READ_ONCE(pdev->dev.driver);
	int i;

	if (!drv) {
		pci_info_ratelimited(pdev, "ATTACH refused: no driver\n");
		return -EACCES;
	}
	/*
	 * vfio-pci, its variant drivers and pci-stub manage DMA ownership
	 * themselves: the function is (or is about to be) assigned to user
	 * space or a VM, and a PASID the shim left attached would make
	 * VFIO's ownership claim fail.
	 */
	if (to_pci_driver(drv)->driver_managed_dma) {
		pci_info_ratelimited(pdev, "ATTACH refused: %s manages DMA ownership itself\n",
				     drv->name);
		return -EACCES;
	}
	for (i = 0; i < PASID_SVA_DRIVERS && pasid_sva_drivers[i][0]; i++)
		if (!strcmp(pasid_sva_drivers[i], drv->name))
			return 0;
	pci_info_ratelimited(pdev, "ATTACH refused: driver %s is not in sva_drivers\n",
			     drv->name);
	return -EACCES;
}

/* ---- the mm's PASID and SVA ---------------------------------------------- */

/**
 * pasid_real_mm_pasid() - The PASID the kernel recorded for @mm.
 * @mm: an mm the caller keeps alive
 *
 * Return: the value the kernel loads into IA32_PASID for @mm, 0 if none.
 */
u32 pasid_real_mm_pasid(struct mm_struct *mm)
{
	u32 v;

#ifdef PASID_HAVE_MM_GET_ENQCMD_PASID
	v = mm_get_enqcmd_pasid(mm);
#elif defined(CONFIG_IOMMU_SVA)
	v = READ_ONCE(mm->pasid);
#else
	v = (u32)-1;	/* no SVA: the kernel never gives an mm a PASID */
#endif
	return (v == (u32)-1) ? 0 : v;
}


/**
 * pasid_real_global_possible() - Could a global allocation succeed now?
 *
 * Return: true if the kernel can give this mm an ENQCMD PASID (>= 6.6: once
 * a driver SVA-binds it).
 */
bool pasid_real_global_possible(void)
{
#ifdef PASID_REAL_IOASID
	return true;
#else
	/* a driver's SVA bind needs a PASID-capable device behind an IOMMU */
	return pasid_real_pool_dev() != NULL;
#endif
}

static struct iommu_sva *pasid_sva_bind(struct pci_dev *pdev, struct mm_struct *mm)
{
#ifdef PASID_SVA_BIND_HAS_DRVDATA
	return iommu_sva_bind_device(&pdev->dev, mm, NULL);
#else
	return iommu_sva_bind_device(&pdev->dev, mm);
#endif
}

/**
 * pasid_real_alloc_global() - The mm's ENQCMD PASID, adopted by the core.
 * @pf: the owner; current->mm is @pf->mm (checked by the caller)
 * @flags: PASID_CMD_ALLOC_* (EXACT only)
 * @inout: the value (input with EXACT)
 *
 * Under pasid_lock.
 *
 * Return: 0 or -errno as in struct pasid_cmd_alloc.
 */
int pasid_real_alloc_global(struct pasid_file *pf, u32 flags, u32 *inout)
{
	bool exact = flags & PASID_CMD_ALLOC_EXACT;
	u32 max = (1u << pcore_min_width(&pasid_core)) - 1;
	u32 v, have;
	int err;

	if (exact && (*inout == 0 || *inout > max))
		return *inout == 0 || *inout >= PCORE_PASID_LIMIT ? -EINVAL : -ERANGE;
	if (pf->owner.global) {
		/* this file holds it already: the core answers */
		v = *inout;
		err = pcore_alloc_global(&pasid_core, &pf->owner,
					 exact ? PCORE_ALLOC_EXACT : 0, &v);
		if (!err)
			*inout = v;
		return err;
	}

	have = pasid_real_mm_pasid(pf->mm);
	if (exact && have && have != *inout)
		return -EEXIST;
#ifdef PASID_REAL_IOASID
	if (!have) {
		u32 from;

		if (pasid_should_fail())
			return -ENOMEM;
		/* as in pasid_real_lease(): never ask for what is known taken */
		from = pasid_ioasid_first_free(exact ? *inout : 1, exact ? *inout : max);
		if (!from)
			return exact ? -EBUSY : -ENOSPC;
		err = iommu_sva_alloc_pasid(pf->mm, from, exact ? *inout : max);
		if (err == -ENOMEM)
			return exact ? -EBUSY : -ENOSPC;
		if (err)
			return err;
		have = pasid_real_mm_pasid(pf->mm);
		if (!have)
			return -ENOSPC;
	} else if (have > max) {
		return -EOVERFLOW;
	}
	v = have;
	err = pcore_alloc_global(&pasid_core, &pf->owner, PCORE_ALLOC_EXTERNAL, &v);
	if (!err)
		*inout = v;
	return err;
#else
	/*
	 * >= 6.6: the kernel creates an mm's PASID only on an SVA bind that
	 * a driver makes (idxd's open of a user WQ), and keeps it until the
	 * mm goes (mm_pasid_drop() in __mmdrop(); the shim's mmgrab() keeps
	 * it for as long as the shim holds it). The shim adopts that value;
	 * it never binds on a device to create one (it drives none).
	 */
	if (!pasid_real_global_possible())
		return -ENODEV;
	if (!have)
		return -ENODATA;
	if (have > max)
		return -EOVERFLOW;
	v = have;
	err = pcore_alloc_global(&pasid_core, &pf->owner, PCORE_ALLOC_EXTERNAL, &v);
	if (!err)
		*inout = v;
	return err;
#endif
}

/**
 * pasid_real_attach() - Bind the global value on a real RID (SVA bind).
 * @pf: the owner
 * @value: a value @pf holds
 * @rid: a real RID
 *
 * Only the mm's own PASID can be bound: the kernel has no call that binds a
 * chosen PASID to an mm on a device the shim does not drive. Only on a
 * function whose driver is listed in sva_drivers (pasid_real_may_bind()).
 * Under pasid_lock.
 *
 * Return: 0 or -errno as in struct pasid_cmd_attach.
 */
int pasid_real_attach(struct pasid_file *pf, u32 value, u32 rid)
{
	struct pcore_alloc *a = pcore_find(&pasid_core, &pf->owner, value);
	struct pcore_rid *r = pcore_rid_find(&pasid_core, rid);
	struct iommu_sva *handle;
	struct pasid_bind *b;
	int err;

	if (!a)
		return pcore_value_first(&pasid_core, value) ? -EPERM : -ENOENT;
	if (!r)
		return -ENODEV;
	if (!r->cookie)
		return -EOPNOTSUPP;	/* a test RID: no device to bind on */
	/* the ownership rule comes first: nothing is done on such a function */
	err = pasid_real_may_bind(r->cookie);
	if (err)
		return err;
	if (a->intent != PCORE_INTENT_GLOBAL)
		return pcore_value_on_rid(&pasid_core, value, rid) ? -EOPNOTSUPP : -EINVAL;
	if (current->mm != pf->mm)
		return -EPERM;
	if (pcore_is_attached(&pasid_core, value, rid))
		return -EALREADY;
	if (value > (1u << r->width) - 1)
		return -ERANGE;

	b = pasid_kvzalloc(sizeof(*b));
	if (!b)
		return -ENOMEM;
	handle = pasid_sva_bind(r->cookie, pf->mm);
	if (IS_ERR(handle)) {
		err = PTR_ERR(handle) == -ENOMEM ? -ENOMEM : -EOPNOTSUPP;
		goto err_free;
	}
	err = -EOPNOTSUPP;
	if (iommu_sva_get_pasid(handle) != value)
		goto err_unbind;
	b->value = value;
	b->rid = rid;
	b->handle = handle;
	list_add(&b->node, &pf->binds);
	err = pcore_attach(&pasid_core, &pf->owner, value, rid);
	if (err) {
		list_del(&b->node);
		goto err_unbind;
	}
	return 0;

err_unbind:
	iommu_sva_unbind_device(handle);
err_free:
	kvfree(b);
	return err;
}

/**
 * pasid_real_on_event() - Undo SVA binds the core has just dropped.
 * @ev: the core's event, under pasid_lock
 *
 * Every path that ends a binding (DETACH, FREE, RID removal, close) tells
 * the core first; the core reports a detach before the value goes, so the
 * order is detach, SVA unbind, free of the value.
 */
void pasid_real_on_event(const struct pcore_event *ev)
{
	struct pasid_file *pf = pasid_file_of(ev->owner);
	struct pasid_bind *b, *tmp;

	if (!pf)
		return;
	if (ev->type != PCORE_EV_DETACH)
		return;
	list_for_each_entry_safe(b, tmp, &pf->binds, node) {
		if (b->value == ev->value && b->rid == ev->rid) {
			list_del(&b->node);
			iommu_sva_unbind_device(b->handle);
			kvfree(b);
		}
	}
}

/**
 * pasid_real_release() - Nothing may stay bound once the owner is gone.
 * @pf: the closing owner, after pcore_owner_release()
 */
void pasid_real_release(struct pasid_file *pf)
{
	struct pasid_bind *b, *tmp;

	list_for_each_entry_safe(b, tmp, &pf->binds, node) {
		WARN_ON_ONCE(1);
		list_del(&b->node);
		iommu_sva_unbind_device(b->handle);
		kvfree(b);
	}
}

#endif /* !PASID_REAL_NONE */
