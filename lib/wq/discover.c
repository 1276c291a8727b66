// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * discover.c - the public discovery calls: the real system (libudev) for a
 * NULL or kernel context, the SIMULATED topology for a sim context.
 */
#include <errno.h>
#include <string.h>

#include "../internal.h"
#include "discover.h"
#include "wq_internal.h"

static bool is_sim(struct pasid_ctx *ctx)
{
	return ctx && pasid_ctx_backend(ctx) == PASID_BACKEND_SIM;
}

PASID_EXPORT int pasid_pci_discover(struct pasid_ctx *ctx, pasid_pci_cb cb, void *data)
{
	if (!cb)
		return -EINVAL;
	return is_sim(ctx) ? disc_sim_pci(ctx, cb, data) : disc_udev_pci(cb, data);
}

struct filter_walk {
	const struct pasid_wq_filter *f;
	pasid_wq_cb cb;
	void *data;
	int chosen;
};

static int filter_one(const struct pasid_wq_entry *e, void *arg)
{
	struct filter_walk *w = arg;
	char buf[192];
	const char *why = disc_filter_reason(e, w->f, buf, sizeof(buf));

	if (!why)
		w->chosen++;
	return w->cb(e, why, w->data);
}

PASID_EXPORT int pasid_wq_discover(struct pasid_ctx *ctx, const struct pasid_wq_filter *filter,
				   pasid_wq_cb cb, void *data)
{
	struct pasid_wq_filter def;
	struct filter_walk w = { filter, cb, data, 0 };
	int ret;

	if (!cb)
		return -EINVAL;
	if (!filter) {
		pasid_wq_filter_init(&def);
		w.f = &def;
	}
	ret = is_sim(ctx) ? disc_sim_wqs(ctx, filter_one, &w) : disc_udev_wqs(filter_one, &w);
	return ret ? ret : w.chosen;
}

struct find_walk {
	char dev[32], wq[32];
	struct pasid_wq_entry *out;
	char prefix[8];
};

static int find_one(const struct pasid_wq_entry *e, void *arg)
{
	struct find_walk *f = arg;
	const char *slash = strchr(e->name, '/');

	if (!slash || strcmp(slash + 1, f->wq))
		return 0;
	if (f->dev[0] && strcmp(e->device, f->dev))
		return 0;
	if (f->prefix[0] && strncmp(e->device, f->prefix, 3))
		return 0;
	*f->out = *e;
	return 1;
}

int wq_discover_find(const char *name, struct pasid_wq_entry *ret)
{
	struct find_walk f = { .out = ret };
	int r;

	if (wq_name_split(name, f.dev, sizeof(f.dev), f.wq, sizeof(f.wq)))
		return -EINVAL;
	if (!strncmp(name, "/dev/iax/", 9))
		strcpy(f.prefix, "iax");
	else if (!strncmp(name, "/dev/dsa/", 9))
		strcpy(f.prefix, "dsa");
	r = disc_udev_wqs(find_one, &f);
	if (r < 0)
		return r;
	return r == 1 ? 0 : -ENOENT;
}
