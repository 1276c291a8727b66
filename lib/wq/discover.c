// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * discover.c - the public discovery calls: the real system (libudev) for a
 * kernel context, the SIMULATED topology for a sim context, and for NULL
 * whichever LIBPASID_BACKEND names (wq_default_ctx()).
 */
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../internal.h"
#include "discover.h"
#include "wq_internal.h"

static bool is_sim(struct pasid_ctx *ctx)
{
	return ctx && pasid_ctx_backend(ctx) == PASID_BACKEND_SIM;
}

/* The context NULL stands for (a reference, or NULL for the real system). */
static int resolve_ctx(struct pasid_ctx *ctx, struct pasid_ctx **ret)
{
	if (ctx) {
		*ret = pasid_ctx_ref(ctx);
		return 0;
	}
	return wq_default_ctx(ret);
}

PASID_EXPORT int pasid_pci_discover(struct pasid_ctx *ctx, pasid_pci_cb cb, void *data)
{
	struct pasid_ctx *c;
	int ret;

	if (!cb)
		return -EINVAL;
	ret = resolve_ctx(ctx, &c);
	if (ret)
		return ret;
	ret = is_sim(c) ? disc_sim_pci(c, cb, data) : disc_udev_pci(cb, data);
	pasid_ctx_unref(c);
	return ret;
}

struct filter_walk {
	const struct pasid_wq_filter *f;
	pasid_wq_cb cb;
	void *data;
	uint32_t seen, chosen;
	int stop;
};

static int filter_one(const struct pasid_wq_entry *e, void *arg)
{
	struct filter_walk *w = arg;
	char buf[192];
	const char *why = disc_filter_reason(e, w->f, buf, sizeof(buf));

	w->seen++;
	if (!why)
		w->chosen++;
	if (!w->cb)
		return 0;
	w->stop = w->cb(e, why, w->data);
	/* a negative stop value must not read as a libudev error: stop by 1 */
	return w->stop ? 1 : 0;
}

/* The first version of struct pasid_wq_filter ends after @ops. */
#define FILTER_SIZE_V1 offsetof(struct pasid_wq_filter, name_prefix)
#define FILTER_FLAGS (PASID_WQ_FILTER_ANY_STATE | PASID_WQ_FILTER_ANY_TYPE | \
		      PASID_WQ_FILTER_NO_PASID_OK | PASID_WQ_FILTER_NUMA_CALLER | \
		      PASID_WQ_FILTER_NUMA_BUFFER)

/* The NUMA node of the page at @addr: move_pages(2) with no target node. */
static int node_of_addr(uint64_t addr, int *ret_node)
{
	void *page = (void *)(uintptr_t)(addr & ~(uint64_t)4095);
	int status = -1;

	if (syscall(SYS_move_pages, 0, 1UL, &page, NULL, &status, 0) < 0)
		return -errno;
	if (status < 0)
		return status;	/* -ENOENT: not present, -EFAULT: not mapped */
	*ret_node = status;
	return 0;
}

/*
 * Copy the caller's filter (whatever its size) into @f and check it; the
 * NUMA flags become a node. Messages go to @ctx (NULL: the per-thread one).
 */
static int filter_take(struct pasid_ctx *ctx, const struct pasid_wq_filter *in,
		       struct pasid_wq_filter *f)
{
	const unsigned char *b = (const unsigned char *)in;
	uint32_t numa = 0;
	int err;

	pasid_wq_filter_init(f);
	if (!in)
		return 0;
	if (in->size < FILTER_SIZE_V1)
		return pasid_set_error(ctx, -EINVAL, "pasid_wq_filter.size %u is below %zu "
				       "(use pasid_wq_filter_init())", in->size, FILTER_SIZE_V1);
	for (size_t i = sizeof(*f); i < in->size; i++)
		if (b[i])
			return pasid_set_error(ctx, -E2BIG, "pasid_wq_filter: unknown non-zero "
					       "byte at offset %zu", i);
	memcpy(f, in, in->size < sizeof(*f) ? in->size : sizeof(*f));
	f->size = sizeof(*f);
	if (f->flags & ~FILTER_FLAGS)
		return pasid_set_error(ctx, -EINVAL, "pasid_wq_filter.flags: unknown %#x",
				       f->flags & ~FILTER_FLAGS);
	if (f->mode > PASID_WQ_DEDICATED)
		return pasid_set_error(ctx, -EINVAL, "pasid_wq_filter.mode %u is unknown", f->mode);
	if (f->dev_type > PASID_DEV_IAA)
		return pasid_set_error(ctx, -EINVAL, "pasid_wq_filter.dev_type %u is unknown",
				       f->dev_type);
	if (f->reserved)
		return pasid_set_error(ctx, -EINVAL, "pasid_wq_filter.reserved must be 0");
	if (memchr(f->name_prefix, '\0', sizeof(f->name_prefix)) == NULL)
		return pasid_set_error(ctx, -EINVAL, "pasid_wq_filter.name_prefix is not "
				       "NUL-terminated");
	numa = f->flags & (PASID_WQ_FILTER_NUMA_CALLER | PASID_WQ_FILTER_NUMA_BUFFER);
	if (numa && (f->numa_node != -1 || (numa & (numa - 1))))
		return pasid_set_error(ctx, -EINVAL, "pasid_wq_filter: choose one of numa_node, "
				       "NUMA_CALLER and NUMA_BUFFER");
	if (numa == PASID_WQ_FILTER_NUMA_CALLER) {
		unsigned int cpu, node;

		if (syscall(SYS_getcpu, &cpu, &node, NULL) < 0)
			return pasid_set_error(ctx, -errno, "getcpu: %s", strerror(errno));
		f->numa_node = (int32_t)node;
	} else if (numa == PASID_WQ_FILTER_NUMA_BUFFER) {
		int node = -1;

		err = node_of_addr(f->numa_addr, &node);
		if (err)
			return pasid_set_error(ctx, -EFAULT, "pasid_wq_filter.numa_addr %#llx: %s",
					       (unsigned long long)f->numa_addr,
					       err == -ENOENT ? "page not present (touch the "
					       "buffer first)" : strerror(-err));
		f->numa_node = node;
	}
	return 0;
}

PASID_EXPORT int pasid_wq_discover(struct pasid_ctx *ctx, const struct pasid_wq_filter *filter,
				   pasid_wq_cb cb, void *data,
				   struct pasid_wq_discover_result *ret)
{
	struct pasid_wq_discover_result res = { .size = sizeof(res) };
	struct pasid_wq_filter f;
	struct filter_walk w = { &f, cb, data, 0, 0, 0 };
	struct pasid_ctx *c;
	int err;

	if (ret && ret->size < sizeof(uint32_t))
		return pasid_set_error(ctx, -EINVAL, "pasid_wq_discover_result.size %u",
				       ret->size);
	err = filter_take(ctx, filter, &f);
	if (err)
		return err;
	err = resolve_ctx(ctx, &c);
	if (err)
		return err;
	err = is_sim(c) ? disc_sim_wqs(c, filter_one, &w) : disc_udev_wqs(filter_one, &w);
	pasid_ctx_unref(c);
	if (err < 0)
		return pasid_set_error(ctx, err, "pasid_wq_discover: %s", strerror(-err));
	if (ret) {
		uint32_t size = ret->size < sizeof(res) ? ret->size : (uint32_t)sizeof(res);

		res.seen = w.seen;
		res.chosen = w.chosen;
		res.stop = w.stop;
		memcpy(ret, &res, size);
		ret->size = size;
	}
	return 0;
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
