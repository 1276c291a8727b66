/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpasid/devices.h - discovery: PASID-capable PCI functions, DSA/IAA work
 * queues (through libudev), with filters that say why a WQ was not chosen.
 *
 * Included by libpasid/pasid.h. With a sim context the SIMULATED topology is
 * reported instead (PASID_DEV_SIMULATED set on every entry); with a kernel
 * context, the real system (no /dev/pasid needed); with NULL, the real
 * system unless LIBPASID_BACKEND=sim (read with secure_getenv()) asks for
 * the process's SIMULATED one, as pasid_wq_open() does.
 */
#ifndef LIBPASID_DEVICES_H
#define LIBPASID_DEVICES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pasid_ctx;

/* Flags in struct pasid_pci_info and struct pasid_wq_entry */
#define PASID_DEV_SIMULATED	(1u << 0)	/* from the sim topology */
#define PASID_DEV_PASID_ENABLED	(1u << 1)	/* PASID capability control: enabled */
#define PASID_DEV_PASID_EXEC	(1u << 2)	/* execute permission supported */
#define PASID_DEV_PASID_PRIV	(1u << 3)	/* privileged mode supported */
#define PASID_DEV_HAS_OP_CONFIG	(1u << 4)	/* WQ: op_config read (else op_cap) */
#define PASID_DEV_NO_NODE	(1u << 5)	/* WQ: no character device */

/**
 * struct pasid_pci_info - one PCI function with a PASID capability
 * @rid: segment << 16 | bus << 8 | devfn
 * @pasid_width: Max PASID Width from the capability (1..20)
 * @flags: PASID_DEV_*
 * @vendor, @device: PCI ids
 * @iommu_group: IOMMU group number, -1 if none
 * @numa_node: -1 if unknown
 * @driver: bound driver, "" if none
 * @syspath: sysfs path
 */
struct pasid_pci_info {
	uint32_t rid;
	uint32_t pasid_width;
	uint32_t flags;
	uint16_t vendor;
	uint16_t device;
	int32_t iommu_group;
	int32_t numa_node;
	char driver[32];
	char syspath[256];
};

typedef int (*pasid_pci_cb)(const struct pasid_pci_info *info, void *data);

/**
 * pasid_pci_discover() - Call @cb for every PCI function that has a PASID
 * capability (read from its config space).
 * @ctx: a kernel context for the real system; a sim context for the
 *	SIMULATED RIDs; NULL: see the top of this header
 * Return: 0, the first non-zero value of @cb, or -errno (-ENOMEM, libudev).
 */
int pasid_pci_discover(struct pasid_ctx *ctx, pasid_pci_cb cb, void *data);

enum pasid_dev_type {
	PASID_DEV_ANY = 0,		/* filters only */
	PASID_DEV_DSA = 1,
	PASID_DEV_IAA = 2,
};

/**
 * struct pasid_wq_entry - one DSA/IAA work queue
 * @name: "dsa0/wq0.0"
 * @device: "dsa0"
 * @devnode: "/dev/dsa/wq0.0"
 * @dev_type: enum pasid_dev_type
 * @mode: enum pasid_wq_mode (0 if the attribute is unreadable)
 * @flags: PASID_DEV_*; PASID_DEV_PASID_ENABLED is the device's pasid_enabled
 * @type: "user", "kernel", "none"
 * @state: "enabled", "disabled", ...
 * @size, @threshold, @priority: WQ attributes
 * @max_batch_size: 0 on IAA
 * @max_transfer_size: bytes
 * @block_on_fault: 0/1
 * @numa_node: the device's node, -1 if unknown
 * @rid: the device's PCI function, 0 if unknown
 * @ops: operations the WQ accepts: op_config if present, else the device's
 *	op_cap (bit n = opcode n)
 * @wq_name: the WQ's "name" attribute (accel-config's name, "app0",
 *	"dpdk_wq0"), "" if unreadable
 * @driver_name: the WQ's "driver_name" (Linux 6.7 and later: "user"), ""
 *	if absent
 * @occupancy: descriptors in the WQ now, -1 when the device cannot say
 * @ats_disable, @prs_disable: 0/1, -1 when the attribute is absent (no
 *	WQCAP support; prs_disable since Linux 6.4)
 */
struct pasid_wq_entry {
	char name[64];
	char device[32];
	char devnode[64];
	uint32_t dev_type;
	uint32_t mode;
	uint32_t flags;
	char type[16];
	char state[16];
	uint32_t size;
	uint32_t threshold;
	uint32_t priority;
	uint32_t max_batch_size;
	uint64_t max_transfer_size;
	uint32_t block_on_fault;
	int32_t numa_node;
	uint32_t rid;
	uint64_t ops[4];
	char wq_name[64];
	char driver_name[32];
	int32_t occupancy;
	int32_t ats_disable;
	int32_t prs_disable;
};

/** struct pasid_wq_filter flags */
#define PASID_WQ_FILTER_ANY_STATE	(1u << 0)	/* also disabled WQs */
#define PASID_WQ_FILTER_ANY_TYPE	(1u << 1)	/* also kernel/none WQs */
#define PASID_WQ_FILTER_NO_PASID_OK	(1u << 2)	/* also devices with PASID off */
#define PASID_WQ_FILTER_NUMA_CALLER	(1u << 3)	/* node of the calling CPU */
#define PASID_WQ_FILTER_NUMA_BUFFER	(1u << 4)	/* node of the page at numa_addr */

/**
 * struct pasid_wq_filter - which WQs to choose
 * @size: sizeof(struct pasid_wq_filter) (pasid_wq_filter_init() sets it);
 *	the library accepts the first version's size (up to @ops) and a
 *	larger struct whose bytes unknown to it are zero
 * @mode: enum pasid_wq_mode, 0 for any
 * @dev_type: enum pasid_dev_type, 0 for any
 * @numa_node: required node, -1 for any (see the NUMA flags)
 * @flags: PASID_WQ_FILTER_*; by default only enabled user WQs of devices
 *	with PASID enabled are chosen
 * @ops: required operations (bit n = opcode n), all zero for none
 * @name_prefix: the WQ's "name" attribute must start with it ("dpdk_"),
 *	"" for any
 * @numa_addr: with PASID_WQ_FILTER_NUMA_BUFFER, an address in the buffer
 *	whose node the device must be on (the page must be present)
 *
 * The NUMA flags replace @numa_node by the node found at discovery time;
 * at most one of them, and then @numa_node must be -1.
 */
struct pasid_wq_filter {
	uint32_t size;
	uint32_t mode;
	uint32_t dev_type;
	int32_t numa_node;
	uint32_t flags;
	uint32_t reserved;
	uint64_t ops[4];
	/* after the first version */
	char name_prefix[32];
	uint64_t numa_addr;
};

/**
 * pasid_wq_filter_init() - Defaults: any mode, type and node, enabled user
 * WQs with PASID; @size set. Return: 0; -EINVAL on NULL.
 */
int pasid_wq_filter_init(struct pasid_wq_filter *filter);

/**
 * pasid_wq_cb - one WQ, chosen or not
 * @reason: NULL when chosen, else why not ("mode is dedicated, wanted shared")
 * Return: 0 to go on, non-zero to stop (it reaches the caller in
 * pasid_wq_discover_result.stop).
 */
typedef int (*pasid_wq_cb)(const struct pasid_wq_entry *wq, const char *reason, void *data);

/**
 * struct pasid_wq_discover_result - what one pasid_wq_discover() found
 * @size: set by the caller; the library fills at most that many bytes
 * @seen: WQs looked at
 * @chosen: of those, the ones that passed the filter
 * @stop: the callback's non-zero value that stopped the walk, else 0
 */
struct pasid_wq_discover_result {
	uint32_t size;
	uint32_t seen;
	uint32_t chosen;
	int32_t stop;
};

/**
 * pasid_wq_discover() - Call @cb for every DSA/IAA work queue, saying for
 * each one not chosen why.
 * @ctx: see the top of this header (NULL: the real system, or the
 *	SIMULATED one under LIBPASID_BACKEND=sim)
 * @filter: NULL for pasid_wq_filter_init()'s defaults
 * @cb: NULL to count only
 * @ret: NULL, or counts and the callback's stop value
 * Return: 0 (the walk ended or the callback stopped it: see @ret); -EINVAL
 * (unknown filter flags or mode or type, two NUMA choices, size);
 * -E2BIG (unknown non-zero filter bytes); -EFAULT (@numa_addr not present);
 * -errno (libudev, -ENOMEM). The message is in pasid_strerror_last() for a
 * NULL @ctx, else pasid_ctx_last_error().
 */
int pasid_wq_discover(struct pasid_ctx *ctx, const struct pasid_wq_filter *filter,
		      pasid_wq_cb cb, void *data, struct pasid_wq_discover_result *ret);

#ifdef __cplusplus
}
#endif

#endif /* LIBPASID_DEVICES_H */
