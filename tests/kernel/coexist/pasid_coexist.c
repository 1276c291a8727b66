// SPDX-License-Identifier: GPL-2.0-only
/*
 * pasid_coexist.ko - a second user of the kernel's PASID allocator and two
 * do-nothing PCI drivers, for the guest suite only (test bed 2).
 *
 * Allocator: the values come from where pasid.ko leases its own (6.1:
 * ioasid_alloc() in a set of this module; >= 6.6: iommu_alloc_global_pasid()
 * through the PCI function named by "dev"), as a driver making SVA binds
 * would take them. Module parameters drive it from the guest's shell:
 *   dev   (>= 6.6) the function to ask through, e.g. 0000:02:00.0
 *   take  write N: take N values; all or none (-ENOSPC)
 *   held  read: the values held, lowest first, one line
 *   put   write V: give V back; 0: give everything back
 *
 * Drivers (bound only through driver_override, no ID table):
 *   pasid_ktest_drv  an ordinary driver (the kernel claims DMA for it)
 *   pasid_ktest_dma  driver_managed_dma, as vfio-pci and pci-stub are
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sort.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#include <linux/ioasid.h>
#define COEX_IOASID 1
static DECLARE_IOASID_SET(coex_set);
#elif LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
#error "no exported PASID allocator on 6.4 and 6.5"
#endif

#define COEX_MAX 4096

static DEFINE_MUTEX(coex_lock);
static u32 coex_held[COEX_MAX];
static unsigned int coex_nr;
static char coex_dev[32];

module_param_string(dev, coex_dev, sizeof(coex_dev), 0644);
MODULE_PARM_DESC(dev, "the PCI function to allocate through (>= 6.6)");

static void coex_free(u32 v)
{
#ifdef COEX_IOASID
	ioasid_free(v);
#else
	iommu_free_global_pasid(v);
#endif
}

static int coex_take_one(struct device *dev, u32 *v)
{
#ifdef COEX_IOASID
	ioasid_t x = ioasid_alloc(&coex_set, 1, (1U << 20) - 1, NULL);

	if (x == INVALID_IOASID)
		return -ENOSPC;
#else
	ioasid_t x;

	if (!dev->iommu)
		return -ENODEV;
	x = iommu_alloc_global_pasid(dev);
	if (x == IOMMU_PASID_INVALID)
		return -ENOSPC;
#endif
	*v = x;
	return 0;
}

static int coex_cmp(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

static int coex_take(const char *val, const struct kernel_param *kp)
{
	struct device *dev = NULL;
	unsigned int n, i;
	int err;

	err = kstrtouint(val, 0, &n);
	if (err)
		return err;
#ifndef COEX_IOASID
	dev = bus_find_device_by_name(&pci_bus_type, NULL, coex_dev);
	if (!dev)
		return -ENODEV;
#endif
	mutex_lock(&coex_lock);
	err = n > COEX_MAX - coex_nr ? -E2BIG : 0;
	for (i = 0; i < n && !err; i++) {
		err = coex_take_one(dev, &coex_held[coex_nr + i]);
		if (err)
			break;
	}
	if (err) {
		while (i--)
			coex_free(coex_held[coex_nr + i]);
	} else {
		coex_nr += n;
		sort(coex_held, coex_nr, sizeof(u32), coex_cmp, NULL);
	}
	mutex_unlock(&coex_lock);
	put_device(dev);
	return err;
}

static int coex_put(const char *val, const struct kernel_param *kp)
{
	unsigned int v, i;
	int err;

	err = kstrtouint(val, 0, &v);
	if (err)
		return err;
	mutex_lock(&coex_lock);
	err = v ? -ENOENT : 0;
	for (i = 0; i < coex_nr; i++) {
		if (v && coex_held[i] != v)
			continue;
		coex_free(coex_held[i]);
		if (v) {
			memmove(&coex_held[i], &coex_held[i + 1], (coex_nr - i - 1) * sizeof(u32));
			coex_nr--;
			err = 0;
			break;
		}
	}
	if (!v)
		coex_nr = 0;
	mutex_unlock(&coex_lock);
	return err;
}

static int coex_get_held(char *buf, const struct kernel_param *kp)
{
	unsigned int i;
	int len = 0;

	mutex_lock(&coex_lock);
	for (i = 0; i < coex_nr && len < PAGE_SIZE - 16; i++)
		len += scnprintf(buf + len, PAGE_SIZE - len, "%s%u", i ? " " : "", coex_held[i]);
	mutex_unlock(&coex_lock);
	len += scnprintf(buf + len, PAGE_SIZE - len, "\n");
	return len;
}

static const struct kernel_param_ops coex_take_ops = { .set = coex_take };
static const struct kernel_param_ops coex_put_ops = { .set = coex_put };
static const struct kernel_param_ops coex_held_ops = { .get = coex_get_held };
module_param_cb(take, &coex_take_ops, NULL, 0200);
module_param_cb(put, &coex_put_ops, NULL, 0200);
module_param_cb(held, &coex_held_ops, NULL, 0444);

static int coex_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	return 0;
}

static void coex_remove(struct pci_dev *pdev)
{
}

static struct pci_driver coex_drv = {
	.name = "pasid_ktest_drv",
	.probe = coex_probe,
	.remove = coex_remove,
};

static struct pci_driver coex_dma_drv = {
	.name = "pasid_ktest_dma",
	.probe = coex_probe,
	.remove = coex_remove,
	.driver_managed_dma = true,
};

static int __init coex_init(void)
{
	int err = pci_register_driver(&coex_drv);

	if (err)
		return err;
	err = pci_register_driver(&coex_dma_drv);
	if (err)
		pci_unregister_driver(&coex_drv);
	return err;
}

static void __exit coex_exit(void)
{
	pci_unregister_driver(&coex_dma_drv);
	pci_unregister_driver(&coex_drv);
	coex_put("0", NULL);
}

module_init(coex_init);
module_exit(coex_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pasid.ko test helper: a second user of the kernel's PASID allocator");
