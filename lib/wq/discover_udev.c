// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * discover_udev.c - the real system through libudev: PCI functions with a
 * PASID capability (subsystem "pci", config space read from sysfs), and
 * DSA/IAA work queues (subsystems "dsa" and, on old kernels, "iax").
 *
 * libudev returns NULL and sets errno; everything here returns -errno.
 * An unprivileged read of "config" stops at 64 bytes (no extended space):
 * such functions are skipped, so PCI discovery needs root (WQ discovery
 * does not).
 */
#include <errno.h>
#include <fcntl.h>
#include <libudev.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../internal.h"
#include "discover.h"
#include "wq_internal.h"

static int read_file(const char *dir, const char *name, uint8_t *buf, size_t len, size_t *ret)
{
	char path[PATH_MAX];
	ssize_t n;
	size_t got = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < len && (n = read(fd, buf + got, len - got)) > 0)
		got += (size_t)n;
	close(fd);
	*ret = got;
	return 0;
}

static int iommu_group_of(const char *syspath)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/iommu_group", syspath);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return -1;
	link[n] = '\0';
	base = strrchr(link, '/');
	return atoi(base ? base + 1 : link);
}

static long attr_long(struct udev_device *d, const char *name, long def)
{
	const char *v = udev_device_get_sysattr_value(d, name);
	char *end;
	long r;

	if (!v)
		return def;
	r = strtol(v, &end, 0);
	return end == v ? def : r;
}

static void attr_str(struct udev_device *d, const char *name, char *buf, size_t len)
{
	const char *v = udev_device_get_sysattr_value(d, name);
	size_t n;

	snprintf(buf, len, "%s", v ? v : "");
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
}

typedef int (*dev_fn)(struct udev *u, struct udev_device *d, void *arg);

/*
 * Call @fn for every device of @subsystems (a NULL-terminated list); it
 * returns 0 to go on, anything else stops the walk and is returned.
 */
static int for_each_device(const char *const *subsystems, dev_fn fn, void *arg)
{
	struct udev *u = udev_new();
	struct udev_enumerate *en = u ? udev_enumerate_new(u) : NULL;
	struct udev_list_entry *le;
	int ret = -ENOMEM;

	if (!en)
		goto out;
	for (; *subsystems; subsystems++)
		udev_enumerate_add_match_subsystem(en, *subsystems);
	if (udev_enumerate_scan_devices(en) < 0)
		goto out;
	ret = 0;
	udev_list_entry_foreach(le, udev_enumerate_get_list_entry(en)) {
		struct udev_device *d =
			udev_device_new_from_syspath(u, udev_list_entry_get_name(le));

		if (!d)
			continue;
		ret = fn(u, d, arg);
		udev_device_unref(d);
		if (ret)
			break;
	}
out:
	udev_enumerate_unref(en);
	udev_unref(u);
	return ret;
}

struct pci_walk {
	pasid_pci_cb cb;
	void *data;
};

/* One PCI function: reported only if it has a PASID capability. */
static int pci_one(struct udev *u, struct udev_device *d, void *arg)
{
	const struct pci_walk *w = arg;
	struct pasid_pci_info pi;
	uint8_t cfg[4096];
	size_t len = 0;
	const char *drv;

	memset(&pi, 0, sizeof(pi));
	if (disc_parse_bdf(udev_device_get_sysname(d), &pi.rid) ||
	    read_file(udev_device_get_syspath(d), "config", cfg, sizeof(cfg), &len) ||
	    disc_parse_pasid_cap(cfg, len, &pi.pasid_width, &pi.flags))
		return 0;
	pi.vendor = (uint16_t)attr_long(d, "vendor", 0);
	pi.device = (uint16_t)attr_long(d, "device", 0);
	pi.numa_node = (int32_t)attr_long(d, "numa_node", -1);
	pi.iommu_group = iommu_group_of(udev_device_get_syspath(d));
	drv = udev_device_get_driver(d);
	snprintf(pi.driver, sizeof(pi.driver), "%s", drv ? drv : "");
	snprintf(pi.syspath, sizeof(pi.syspath), "%s", udev_device_get_syspath(d));
	return w->cb(&pi, w->data);
}

int disc_udev_pci(pasid_pci_cb cb, void *data)
{
	static const char *const subs[] = { "pci", NULL };
	struct pci_walk w = { cb, data };

	return for_each_device(subs, pci_one, &w);
}

/* Fill @e from the WQ device @wq (its parent is the dsaN/iaxN device). */
static int wq_entry(struct udev *u, struct udev_device *wq, struct pasid_wq_entry *e)
{
	struct udev_device *dev = udev_device_get_parent(wq), *pci, *cdev;
	const char *dname, *wname = udev_device_get_sysname(wq), *v;
	char mode[16], path[PATH_MAX];
	bool iaa;

	if (!dev)
		return -ENOENT;
	dname = udev_device_get_sysname(dev);
	if (!strncmp(dname, "dsa", 3))
		iaa = false;
	else if (!strncmp(dname, "iax", 3))
		iaa = true;
	else
		return -ENOENT;
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s/%s", dname, wname);
	snprintf(e->device, sizeof(e->device), "%s", dname);
	e->dev_type = iaa ? PASID_DEV_IAA : PASID_DEV_DSA;
	attr_str(wq, "mode", mode, sizeof(mode));
	e->mode = !strcmp(mode, "shared") ? PASID_WQ_SHARED :
		  !strcmp(mode, "dedicated") ? PASID_WQ_DEDICATED : 0;
	attr_str(wq, "type", e->type, sizeof(e->type));
	attr_str(wq, "state", e->state, sizeof(e->state));
	e->size = (uint32_t)attr_long(wq, "size", 0);
	e->threshold = (uint32_t)attr_long(wq, "threshold", 0);
	e->priority = (uint32_t)attr_long(wq, "priority", 0);
	e->max_batch_size = (uint32_t)attr_long(wq, "max_batch_size", 0);
	v = udev_device_get_sysattr_value(wq, "max_transfer_size");
	e->max_transfer_size = v ? strtoull(v, NULL, 0) : 0;
	e->block_on_fault = (uint32_t)attr_long(wq, "block_on_fault", 0);
	attr_str(wq, "name", e->wq_name, sizeof(e->wq_name));
	attr_str(wq, "driver_name", e->driver_name, sizeof(e->driver_name));
	/* absent (no WQCAP support, older kernel) or unreadable: -1 */
	e->occupancy = (int32_t)attr_long(wq, "occupancy", -1);
	e->ats_disable = (int32_t)attr_long(wq, "ats_disable", -1);
	e->prs_disable = (int32_t)attr_long(wq, "prs_disable", -1);
	e->numa_node = (int32_t)attr_long(dev, "numa_node", -1);
	if (attr_long(dev, "pasid_enabled", 0) == 1)
		e->flags |= PASID_DEV_PASID_ENABLED;
	v = udev_device_get_sysattr_value(wq, "op_config");
	if (v && !disc_parse_opmap(v, e->ops)) {
		e->flags |= PASID_DEV_HAS_OP_CONFIG;
	} else {
		v = udev_device_get_sysattr_value(dev, "op_cap");
		if (v)
			disc_parse_opmap(v, e->ops);
	}
	pci = udev_device_get_parent_with_subsystem_devtype(dev, "pci", NULL);
	if (pci)
		disc_parse_bdf(udev_device_get_sysname(pci), &e->rid);
	/* the user char device: child "dsa!wq0.0" with devnode /dev/dsa/wq0.0 */
	snprintf(path, sizeof(path), "%s/%s!%s", udev_device_get_syspath(wq), iaa ? "iax" : "dsa",
		 wname);
	cdev = udev_device_new_from_syspath(u, path);
	if (cdev && udev_device_get_devnode(cdev)) {
		snprintf(e->devnode, sizeof(e->devnode), "%s", udev_device_get_devnode(cdev));
	} else {
		snprintf(e->devnode, sizeof(e->devnode), "/dev/%s/%s", iaa ? "iax" : "dsa", wname);
		e->flags |= PASID_DEV_NO_NODE;
	}
	if (cdev)
		udev_device_unref(cdev);
	return 0;
}

struct wq_walk {
	int (*cb)(const struct pasid_wq_entry *e, void *data);
	void *data;
};

/* One device of the dsa/iax buses: reported if it is a work queue. */
static int wq_one(struct udev *u, struct udev_device *d, void *arg)
{
	const struct wq_walk *w = arg;
	const char *sn = udev_device_get_sysname(d);
	struct pasid_wq_entry e;

	if (strncmp(sn, "wq", 2) || strchr(sn, '!') || wq_entry(u, d, &e))
		return 0;
	return w->cb(&e, w->data);
}

/* Call @cb(entry) for every DSA/IAA work queue; stops on non-zero. */
int disc_udev_wqs(int (*cb)(const struct pasid_wq_entry *e, void *data), void *data)
{
	static const char *const subs[] = { "dsa", "iax", NULL };
	struct wq_walk w = { cb, data };

	return for_each_device(subs, wq_one, &w);
}

int disc_udev_wq_state(const char *dev, const char *wq, char *wq_state, size_t wlen,
		       char *dev_state, size_t dlen)
{
	struct udev *u = udev_new();
	struct udev_device *w = NULL, *d;
	int err = -ENOENT;

	if (!u)
		return -ENOMEM;
	/* a fresh udev_device: libudev caches attribute values per object */
	w = udev_device_new_from_subsystem_sysname(u, "dsa", wq);
	if (!w)
		w = udev_device_new_from_subsystem_sysname(u, "iax", wq);
	d = w ? udev_device_get_parent(w) : NULL;
	if (w && d && !strcmp(udev_device_get_sysname(d), dev)) {
		attr_str(w, "state", wq_state, wlen);
		attr_str(d, "state", dev_state, dlen);
		err = 0;
	}
	if (w)
		udev_device_unref(w);
	udev_unref(u);
	return err;
}
