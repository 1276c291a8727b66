// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mock mode's value source: the core's own bitmap,
 * a namespace of its own that never touches the kernel's PASID allocators.
 */
#include <linux/bug.h>

#include "pasid_internal.h"
#include "core/pcore_bitmap.h"

static struct pcore_bitmap pasid_mock_bitmap;

static int pasid_mock_lease(void *priv, u32 min, u32 max, u32 *ret)
{
	int err = pcore_bitmap_lease(priv, min, max, ret);

	if (!err)
		pasid_nr_held++;
	return err;
}

static void pasid_mock_release(void *priv, u32 value)
{
	pcore_bitmap_release(priv, value);
	pasid_nr_held--;
}

static const struct pcore_ops pasid_mock_ops = {
	.lease = pasid_mock_lease,
	.release = pasid_mock_release,
	.event = pasid_core_event,
};

static int pasid_mock_init(void)
{
	pcore_bitmap_init(&pasid_mock_bitmap);
	return 0;
}

static void pasid_mock_exit(void)
{
	pcore_bitmap_destroy(&pasid_mock_bitmap);
}

const struct pasid_source pasid_source_mock = {
	.kind = PASID_KALLOC_MOCK,
	.ops = &pasid_mock_ops,
	.priv = &pasid_mock_bitmap,
	.init = pasid_mock_init,
	.exit = pasid_mock_exit,
};
