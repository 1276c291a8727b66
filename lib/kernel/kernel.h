/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kernel.h - what the kernel backend's files share: the ioctl side
 * (backend.c) and the generic netlink client (netlink.c, the only file that
 * uses libnl). Nothing here is exported from libpasid.so.
 */
#ifndef LIBPASID_KERNEL_H
#define LIBPASID_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/pasid.h>

#include "internal.h"

#define PASID_KERNEL_DEV "/dev/pasid"

/**
 * pasid_kernel_get_info() - A fresh PASID_IOC_GET_INFO on @ctx's /dev/pasid
 * (for pasidctl doctor: ABI version, mode, allocator, capabilities, counts).
 * @ctx: a context of the kernel backend; takes its lock
 * @ret_info: receives the kernel's answer
 *
 * Return: 0; -EINVAL (@ctx or @ret_info NULL); -EOPNOTSUPP (not a kernel
 * backend context); the ioctl's negative errno, with the message set.
 */
int pasid_kernel_get_info(struct pasid_ctx *ctx, struct pasid_cmd_get_info *ret_info);

/* ---- netlink.c: generic netlink family "pasid" ------------------------------- */

/* Sockets of one context; created lazily. */
struct kernel_nl;

/**
 * struct kernel_alloc - one allocation from the GET_ALLOC dump
 * @pasid, @intent: PASID_NL_A_VALUE, PASID_NL_A_INTENT
 * @nl_flags: PASID_NL_F_*
 * @nr_owners: global only: owners holding it (0 if not reported)
 * @nr_rids, @off_rids: group RIDs, sorted, at ids[@off_rids]
 * @nr_attached, @off_att: bound RIDs, sorted, at ids[@off_att]
 * @owner_pid, @owner_comm: 0 and "" when the kernel hides them
 * @mock: PASID_NL_A_MOCK
 */
struct kernel_alloc {
	uint32_t pasid;
	uint32_t intent;
	uint32_t nl_flags;
	uint32_t nr_owners;
	uint32_t nr_rids, off_rids;
	uint32_t nr_attached, off_att;
	int32_t owner_pid;
	char owner_comm[16];
	bool mock;
};

/* A dump of every allocation, sorted by value (then by first RID). */
struct kernel_alloc_list {
	struct kernel_alloc *v;
	size_t nr, cap;
	uint32_t *ids;		/* RID pool that the entries point into */
	size_t nr_ids, cap_ids;
};

/* A dump of every RID, sorted by RID. */
struct kernel_rid_list {
	struct pasid_rid_info *v;
	size_t nr, cap;
};

/*
 * The entry's RIDs. Never NULL, even for none (callers may memcpy() zero
 * bytes from it): an empty dump has no pool, and NULL + 0 is undefined.
 */
static inline const uint32_t *kernel_alloc_rids(const struct kernel_alloc_list *l,
						const struct kernel_alloc *a)
{
	static const uint32_t none[1];

	return l->ids ? l->ids + a->off_rids : none;
}

static inline const uint32_t *kernel_alloc_attached(const struct kernel_alloc_list *l,
						    const struct kernel_alloc *a)
{
	static const uint32_t none[1];

	return l->ids ? l->ids + a->off_att : none;
}

/* Allocate the (socket-less) state: 0 or -ENOMEM. */
int kernel_nl_new(struct kernel_nl **ret_nl);
/* Close its sockets and free it. NULL-safe. */
void kernel_nl_free(struct kernel_nl *nl);

/*
 * Dumps. 0 and a filled list (free it with the matching _free()), or a
 * negative errno with @ctx's message set: -EOPNOTSUPP when the module has no
 * "pasid" family, -EBADMSG for a malformed reply, -ENOMEM, other socket
 * errors.
 */
int kernel_nl_dump_allocs(struct pasid_ctx *ctx, struct kernel_nl *nl,
			  struct kernel_alloc_list *ret_list);
void kernel_alloc_list_free(struct kernel_alloc_list *l);
int kernel_nl_dump_rids(struct pasid_ctx *ctx, struct kernel_nl *nl,
			struct kernel_rid_list *ret_list);
void kernel_rid_list_free(struct kernel_rid_list *l);

/* Subscribe to "events" once; the socket's fd (owned by @nl), or -errno. */
int kernel_nl_event_fd(struct pasid_ctx *ctx, struct kernel_nl *nl);
/*
 * Read every pending event without blocking and call @cb for each. Return:
 * the number delivered; -EINVAL if not subscribed; -ENOBUFS when the socket
 * overflowed and events were lost (every event still queued was delivered
 * all the same, so that the next overflow is reported too).
 */
int kernel_nl_dispatch(struct pasid_ctx *ctx, struct kernel_nl *nl, pasid_event_cb cb,
		       void *data);

#endif /* LIBPASID_KERNEL_H */
