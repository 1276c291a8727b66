/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note OR LGPL-2.1-or-later */
/*
 * uAPI of the pasid shim: /dev/pasid ioctls and the "pasid" generic
 * netlink family.
 *
 * This is the ONE copy of the ABI: pasid.ko and libpasid both include it.
 * Rules (the iommufd rules): every command struct starts with __u32 size and
 * __u32 flags; fields named __reserved* must be zero; user pointers are
 * __aligned_u64; fields the kernel writes start with out_. Structs only grow
 * at the end; the kernel accepts any size >= the frozen minimum (the size of
 * the first released version), treats missing tail bytes as zero and
 * refuses non-zero bytes it does not know (copy_struct_from_user()). It
 * writes back at most @size bytes. Released numbers and layouts never change.
 */
#ifndef _UAPI_LINUX_PASID_H
#define _UAPI_LINUX_PASID_H

#include <linux/types.h>
#include <linux/ioctl.h>

/*
 * 2: ioctl type 0xBC (ABI 1 used 0xB8, which ioctl-number.rst assigns to
 * other drivers); PASID_IOC_TEST_CMD only in test builds of the module.
 */
#define PASID_ABI_VERSION	2

/** Values are 1 .. 2^PASID_UAPI_WIDTH_MAX - 1; 0 is never handed out. */
#define PASID_UAPI_WIDTH_MAX	20
/** Most RIDs one group allocation may name. */
#define PASID_UAPI_MAX_GROUP_RIDS	1024

/**
 * DOC: General ioctl format and errors
 *
 * Every ioctl of /dev/pasid takes a pointer to a struct whose first two
 * fields are ``__u32 size`` and ``__u32 flags``. Errors common to all:
 *
 *  =========== ==============================================================
 *  ENOTTY      unknown ioctl number
 *  EFAULT      the struct, or memory it points to, cannot be read/written
 *  EINVAL      @size below the command's minimum; a __reserved field is not
 *              zero; an unknown or contradictory flag; a malformed argument
 *              (see each command)
 *  E2BIG       @size larger than the kernel knows and the extra bytes are
 *              not all zero
 *  ENOMEM      out of memory (also injected by PASID_TEST_OP_SET_FAIL_NTH)
 *  EPERM       the PASID belongs to another owner, or a command that acts on
 *              the caller's mm comes from a process other than the one that
 *              opened the file
 *  EOPNOTSUPP  the operation needs something this kernel/mode lacks
 *              (PASID_IOC_TEST_CMD outside mock mode, a real attach the
 *              kernel cannot do)
 *  EDQUOT      a limit set by the administrator (module parameters
 *              max_pasids_per_user, max_rids_per_alloc)
 *  =========== ==============================================================
 *
 * Command-specific errors are listed with each struct. On any error nothing
 * changed. Errno values mean the same as in libpasid's <libpasid/pasid.h>.
 *
 * An open file of /dev/pasid is one *owner*. Group allocations belong to the
 * owner. The global ENQCMD allocation belongs to the process (mm) that
 * opened the file; all owners of one mm share it and it goes when the last
 * of them frees it or closes (in real mode the kernel keeps the mm's own
 * PASID until the mm goes). Closing the file, including by process death,
 * detaches and frees everything the owner holds.
 */

/*
 * Command numbers; the ioctl is _IO(PASID_TYPE, number). 0xBC is unassigned
 * in the kernel's Documentation/userspace-api/ioctl/ioctl-number.rst
 * (checked against mainline in 2025: 0xB8 is Marvell's mrvl_cn10k_dpi.h and
 * Hyper-V's mshv.h, 0xBA liveupdate.h).
 */
#define PASID_TYPE		0xBC

enum {
	PASID_CMD_BASE = 0x80,
	PASID_CMD_GET_INFO = PASID_CMD_BASE,
	PASID_CMD_ALLOC,
	PASID_CMD_FREE,
	PASID_CMD_EXTEND,
	PASID_CMD_ATTACH,
	PASID_CMD_DETACH,
	PASID_CMD_TEST,
};

/* struct pasid_cmd_get_info.out_mode */
enum pasid_mode {
	PASID_MODE_REAL = 1,	/* values held from the kernel's allocator */
	PASID_MODE_MOCK = 2,	/* mock=1: mock RIDs, separate mock namespace */
};

/* struct pasid_cmd_get_info.out_kernel_alloc: where values come from */
enum pasid_kernel_alloc {
	/* the shim's own bitmap (mock namespace) */
	PASID_KALLOC_MOCK = 1,
	/* 6.1: ioasid_alloc(), shim's own set; ENQCMD value: iommu_sva_alloc_pasid() */
	PASID_KALLOC_IOASID = 2,
	/* >= 6.6: iommu_alloc_global_pasid(); ENQCMD value: SVA bind */
	PASID_KALLOC_GLOBAL_IDA = 3,
};

/* struct pasid_cmd_get_info.out_caps */
#define PASID_CAP_GROUP		(1u << 0)	/* group intent */
#define PASID_CAP_GLOBAL_ENQCMD	(1u << 1)	/* global intent can succeed now */
#define PASID_CAP_EXACT		(1u << 2)	/* PASID_CMD_ALLOC_EXACT */
#define PASID_CAP_ATTACH	(1u << 3)	/* ATTACH/DETACH implemented */
#define PASID_CAP_TEST_CMD	(1u << 4)	/* PASID_IOC_TEST_CMD (mock mode) */
#define PASID_CAP_HOTPLUG	(1u << 5)	/* RID removal is tracked */
#define PASID_CAP_GENL		(1u << 6)	/* genl family "pasid" registered */
#define PASID_CAP_MM_PASID	(1u << 7)	/* out_mm_pasid is meaningful */

/**
 * struct pasid_cmd_get_info - ioctl(PASID_IOC_GET_INFO)
 * @size: sizeof(struct pasid_cmd_get_info)
 * @flags: must be 0
 * @out_abi_version: PASID_ABI_VERSION of the module
 * @out_mode: enum pasid_mode
 * @out_kernel_alloc: enum pasid_kernel_alloc
 * @out_caps: PASID_CAP_*
 * @out_min_width: narrowest width among the RIDs (PASID_UAPI_WIDTH_MAX when
 *	there are none): the global value fits it
 * @out_max_width: PASID_UAPI_WIDTH_MAX
 * @out_nr_rids: RIDs known (mock RIDs in mock mode, PASID-capable PCI
 *	functions in real mode)
 * @out_max_group_rids: PASID_UAPI_MAX_GROUP_RIDS
 * @out_nr_owners: open files of /dev/pasid
 * @out_nr_groups: live group allocations, all owners
 * @out_nr_globals: live global allocations, all processes
 * @out_nr_values: distinct values in use
 * @out_nr_held: values the shim currently holds from the kernel allocator
 *	(or from the mock namespace)
 * @out_mm_pasid: debug: the PASID the kernel itself has recorded for the
 *	caller's mm (what it loads into IA32_PASID), 0 if none; only with
 *	PASID_CAP_MM_PASID
 * @__reserved: must be 0
 * @__reserved2: must be 0
 *
 * Errors: EINVAL (@flags, @__reserved, @__reserved2).
 */
struct pasid_cmd_get_info {
	__u32 size;
	__u32 flags;
	__u32 out_abi_version;
	__u32 out_mode;
	__u32 out_kernel_alloc;
	__u32 out_caps;
	__u32 out_min_width;
	__u32 out_max_width;
	__u32 out_nr_rids;
	__u32 out_max_group_rids;
	__u32 out_nr_owners;
	__u32 out_nr_groups;
	__u32 out_nr_globals;
	__u32 out_nr_values;
	__u32 out_nr_held;
	__u32 out_mm_pasid;
	__u32 __reserved;
	__u32 __reserved2;
};

/* struct pasid_cmd_alloc.flags: exactly one intent, plus modifiers */
#define PASID_CMD_ALLOC_GROUP		(1u << 0)	/* valid on @rids_uptr */
#define PASID_CMD_ALLOC_GLOBAL_ENQCMD	(1u << 1)	/* the mm's ENQCMD PASID */
#define PASID_CMD_ALLOC_EXACT		(1u << 8)	/* @out_pasid is the value wanted */

/**
 * struct pasid_cmd_alloc - ioctl(PASID_IOC_ALLOC)
 * @size: sizeof(struct pasid_cmd_alloc)
 * @flags: PASID_CMD_ALLOC_GROUP or PASID_CMD_ALLOC_GLOBAL_ENQCMD, optionally
 *	| PASID_CMD_ALLOC_EXACT
 * @nr_rids: entries at @rids_uptr: 1..PASID_UAPI_MAX_GROUP_RIDS for a group,
 *	0 for the global intent
 * @__reserved: must be 0
 * @rids_uptr: user pointer to @nr_rids __u32 RIDs
 *	(segment << 16 | bus << 8 | devfn), no duplicates; 0 for global.
 *	The segment (PCI domain) has 16 bits: a function in a domain >= 0x10000
 *	(Intel VMD numbers its domains from there) has no RID and is never
 *	listed; its DMA carries the VMD endpoint's requester ID anyway.
 * @out_pasid: the PASID; input too with PASID_CMD_ALLOC_EXACT
 * @__reserved2: must be 0
 *
 * A group value fits every RID of the group and is free on each of them. The
 * global value is reserved on every RID, now and later, and fits the
 * narrowest RID; one per process: a second request from the same process
 * (any of its files) returns the same value and takes a hold on it.
 *
 * Errors:
 *
 *  =========== ==============================================================
 *  EINVAL      no intent or both; unknown flag; group with 0 RIDs or more
 *              than PASID_UAPI_MAX_GROUP_RIDS; global with @nr_rids != 0 or
 *              @rids_uptr != 0; duplicate RIDs; exact value 0 or >= 2^20
 *  ENODEV      a RID is not known; real mode (>= 6.6): no PASID-capable
 *              device behind an IOMMU that the kernel can take a PASID for
 *  ERANGE      the exact value does not fit the narrowest RID
 *  EEXIST      this owner already holds the value (group: use EXTEND), or
 *              the process holds another global value
 *  EBUSY       the exact value is in use on one of the RIDs (group) or
 *              anywhere (global), including by a kernel user
 *  EOPNOTSUPP  real mode >= 6.6, exact group value: the kernel's allocator
 *              gives only its lowest free value, and this one is above it
 *              (free or not, it cannot be had now)
 *  ENODATA     real mode >= 6.6, global: the process has no PASID yet; the
 *              kernel makes one only when a driver SVA-binds the process
 *              (e.g. idxd's open of a user work queue)
 *  ENOSPC      no value is free on all the RIDs
 *  EPERM       global intent from a process other than the file's opener
 *  EOVERFLOW   real mode: the mm already has a kernel PASID too wide for the
 *              narrowest RID
 *  EDQUOT      the caller's user holds max_pasids_per_user live PASIDs,
 *              @nr_rids exceeds max_rids_per_alloc, or the shim holds
 *              max_pasids_total values from the kernel (module parameters)
 *  ENOMEM      out of memory (the memory is charged to the caller's memory
 *              cgroup)
 *  =========== ==============================================================
 *
 * When the result cannot be written back (EFAULT) the allocation is undone:
 * a group is freed, a hold on the global that this call took is dropped.
 */
struct pasid_cmd_alloc {
	__u32 size;
	__u32 flags;
	__u32 nr_rids;
	__u32 __reserved;
	__aligned_u64 rids_uptr;
	__u32 out_pasid;
	__u32 __reserved2;
};

/**
 * struct pasid_cmd_free - ioctl(PASID_IOC_FREE)
 * @size: sizeof(struct pasid_cmd_free)
 * @flags: must be 0
 * @pasid: a value this owner holds; for the global value, drops this
 *	owner's hold
 * @__reserved: must be 0
 *
 * Bindings of the value are detached first.
 * Errors: ENOENT (not held by this owner; also 0 or >= 2^20), EPERM (held by
 * another owner).
 */
struct pasid_cmd_free {
	__u32 size;
	__u32 flags;
	__u32 pasid;
	__u32 __reserved;
};

/**
 * struct pasid_cmd_extend - ioctl(PASID_IOC_EXTEND)
 * @size: sizeof(struct pasid_cmd_extend)
 * @flags: must be 0
 * @pasid: a group value this owner holds
 * @rid: the RID to add to its group
 *
 * Errors: ENOENT (not held; also 0 or >= 2^20), EPERM (another owner's),
 * EINVAL (a global value), ENODEV (unknown RID), EALREADY (RID already in
 * the group), ERANGE (value too wide for the RID), EBUSY (value in use on
 * the RID), EDQUOT (the group names max_rids_per_alloc RIDs already),
 * E2BIG (group has PASID_UAPI_MAX_GROUP_RIDS RIDs), ENOMEM.
 */
struct pasid_cmd_extend {
	__u32 size;
	__u32 flags;
	__u32 pasid;
	__u32 rid;
};

/**
 * struct pasid_cmd_attach - ioctl(PASID_IOC_ATTACH) and ioctl(PASID_IOC_DETACH)
 * @size: sizeof(struct pasid_cmd_attach)
 * @flags: must be 0
 * @pasid: a value this owner holds
 * @rid: the RID to bind it on (to unbind it from)
 *
 * Attach binds @pasid on @rid to the caller's address space. In mock mode it
 * is bookkeeping only. In real mode it binds only on a function whose driver
 * the administrator listed in the sva_drivers module parameter and which
 * does not manage DMA ownership itself (vfio-pci, pci-stub), else EACCES;
 * only the global value can be bound (an SVA bind of the mm on the device);
 * a group value gives EOPNOTSUPP. A driver unbind revokes the binding.
 *
 * Attach errors: ENOENT (not held; also 0 or >= 2^20), EPERM (another
 * owner's, or caller is not the opener's process), ENODEV (unknown RID),
 * EINVAL (a group value whose group does not name @rid), ERANGE (global
 * value too wide for the RID), EALREADY (already bound there), EACCES (real
 * mode: the function's driver is not allowed, above), EOPNOTSUPP (the kernel
 * cannot bind on this device), ENOMEM.
 * Detach errors: ENOENT (not held, or not bound on @rid), EPERM, ENODEV.
 */
struct pasid_cmd_attach {
	__u32 size;
	__u32 flags;
	__u32 pasid;
	__u32 rid;
};

/* struct pasid_cmd_test.op */
enum pasid_test_op {
	/* @rid, @width: add a mock RID */
	PASID_TEST_OP_RID_ADD = 1,
	/* @rid: unplug a mock RID */
	PASID_TEST_OP_RID_REMOVE = 2,
	/*
	 * @value: fail the @value-th internal allocation from now (1 = the
	 * next one) with ENOMEM; 0 disarms. out_value: failures injected so far
	 */
	PASID_TEST_OP_SET_FAIL_NTH = 3,
	/*
	 * out_value: allocations left before the failure (0 = disarmed or
	 * fired); out_value2: failures injected so far
	 */
	PASID_TEST_OP_GET_FAIL_NTH = 4,
	/*
	 * @value: a PCI domain, @rid: bus << 8 | devfn. out_value: the RID real
	 * mode gives that function; ERANGE when the domain has no RID
	 * (>= 0x10000). Any mode.
	 */
	PASID_TEST_OP_RID_ENCODE = 5,
};

/** Most mock RIDs a test build holds (RID_ADD beyond it: ENOSPC). */
#define PASID_TEST_MAX_RIDS	4096

/**
 * struct pasid_cmd_test - ioctl(PASID_IOC_TEST_CMD), test builds only
 * @size: sizeof(struct pasid_cmd_test)
 * @flags: must be 0
 * @op: enum pasid_test_op
 * @rid: RID_ADD, RID_REMOVE: the mock RID
 * @width: RID_ADD: its PASID width, 1..20
 * @value: SET_FAIL_NTH: the countdown
 * @out_value: see enum pasid_test_op
 * @out_value2: see enum pasid_test_op
 *
 * Only a module built for the test suite (Kbuild variable PASID_TEST=y) has
 * this command; a module built without it (what DKMS installs) answers
 * ENOTTY and has no mock mode. The fail-nth countdown is global to the
 * module and counts every internal allocation made by any command (the
 * shim's and the allocator core's), and the RIDs are everyone's: RID_ADD,
 * RID_REMOVE and SET_FAIL_NTH need CAP_SYS_ADMIN.
 *
 * Errors: EOPNOTSUPP (not mock mode, except RID_ENCODE; unknown @op), EPERM
 * (no CAP_SYS_ADMIN), EINVAL (width not 1..20, a field the op does not use
 * is not 0), EEXIST (RID_ADD: RID exists), ENOSPC (RID_ADD:
 * PASID_TEST_MAX_RIDS RIDs exist), ENODEV (RID_REMOVE: unknown RID), ERANGE
 * (RID_ENCODE: domain >= 0x10000), ENOMEM.
 */
struct pasid_cmd_test {
	__u32 size;
	__u32 flags;
	__u32 op;
	__u32 rid;
	__u32 width;
	__u32 value;
	__u32 out_value;
	__u32 out_value2;
};

#define PASID_IOC_GET_INFO	_IO(PASID_TYPE, PASID_CMD_GET_INFO)
#define PASID_IOC_ALLOC		_IO(PASID_TYPE, PASID_CMD_ALLOC)
#define PASID_IOC_FREE		_IO(PASID_TYPE, PASID_CMD_FREE)
#define PASID_IOC_EXTEND	_IO(PASID_TYPE, PASID_CMD_EXTEND)
#define PASID_IOC_ATTACH	_IO(PASID_TYPE, PASID_CMD_ATTACH)
#define PASID_IOC_DETACH	_IO(PASID_TYPE, PASID_CMD_DETACH)
#define PASID_IOC_TEST_CMD	_IO(PASID_TYPE, PASID_CMD_TEST)

/*
 * ---- generic netlink family "pasid" -------------------------------------
 */

/**
 * DOC: generic netlink family "pasid"
 *
 * Dumps (NLM_F_DUMP, no privilege needed):
 *
 * - PASID_NL_CMD_GET_ALLOC: one message per allocation, ordered by value:
 *   PASID_NL_A_VALUE, PASID_NL_A_INTENT, PASID_NL_A_FLAGS, PASID_NL_A_RIDS
 *   (group only), PASID_NL_A_ATTACHED (if bound anywhere),
 *   PASID_NL_A_NR_OWNERS (global only), PASID_NL_A_MOCK (mock mode), and
 *   PASID_NL_A_OWNER_PID + PASID_NL_A_OWNER_COMM when the allocation belongs
 *   to the requesting process or the requester has CAP_SYS_ADMIN (for a
 *   global: the first owner). Without CAP_SYS_ADMIN other processes'
 *   allocations are listed without owner details.
 * - PASID_NL_CMD_GET_RID: one message per RID: PASID_NL_A_RID,
 *   PASID_NL_A_WIDTH, PASID_NL_A_NR_VALUES, PASID_NL_A_NR_ATTACHED,
 *   PASID_NL_A_MOCK (mock RID).
 *
 * Dump requests take no attribute: an attribute, or a non-zero reserved
 * byte in the genl header, is refused (EINVAL). A dump that the module
 * changed while it was being read has NLM_F_DUMP_INTR set on its messages
 * (and on NLMSG_DONE): read it again.
 *
 * Multicast group "events" (joining needs CAP_SYS_ADMIN from Linux 6.7;
 * before 6.7 anyone may join, and no event carries an owner pid): one PASID_NL_CMD_EVENT message per change:
 * PASID_NL_A_EVENT, PASID_NL_A_INTENT (0 for RID events), PASID_NL_A_VALUE
 * (0 for RID events), PASID_NL_A_RID (0 if none), PASID_NL_A_OWNER_PID (from
 * Linux 6.7 only: the acting owner's process in the initial pid namespace;
 * absent when none), PASID_NL_A_MOCK. Events never carry owner comm.
 *
 * Intent and event numbers are those of libpasid's enum pasid_intent and
 * enum pasid_event_type.
 */
#define PASID_GENL_NAME			"pasid"
#define PASID_GENL_VERSION		1
#define PASID_GENL_MCGRP_EVENTS		"events"

enum pasid_nl_cmd {
	PASID_NL_CMD_UNSPEC,
	PASID_NL_CMD_GET_ALLOC,		/* dump */
	PASID_NL_CMD_GET_RID,		/* dump */
	PASID_NL_CMD_EVENT,		/* multicast notification */
	__PASID_NL_CMD_MAX,
};
#define PASID_NL_CMD_MAX (__PASID_NL_CMD_MAX - 1)

enum pasid_nl_attr {
	PASID_NL_A_UNSPEC,
	PASID_NL_A_VALUE,		/* u32: the PASID */
	PASID_NL_A_INTENT,		/* u32: PASID_NL_INTENT_* */
	PASID_NL_A_RIDS,		/* binary: array of u32 RIDs, sorted */
	PASID_NL_A_ATTACHED,		/* binary: array of u32 RIDs bound on */
	PASID_NL_A_OWNER_PID,		/* u32: owner's process id (tgid) */
	PASID_NL_A_OWNER_COMM,		/* string: owner's comm, NUL-terminated */
	PASID_NL_A_RID,			/* u32: one RID */
	PASID_NL_A_WIDTH,		/* u32: PASID width of the RID */
	PASID_NL_A_NR_VALUES,		/* u32: group values naming the RID */
	PASID_NL_A_NR_ATTACHED,		/* u32: bindings on the RID */
	PASID_NL_A_MOCK,		/* flag: mock mode / mock RID */
	PASID_NL_A_EVENT,		/* u32: PASID_NL_EVENT_* */
	PASID_NL_A_FLAGS,		/* u32: PASID_NL_F_* */
	PASID_NL_A_NR_OWNERS,		/* u32: global: owners holding it */
	__PASID_NL_A_MAX,
};
#define PASID_NL_A_MAX (__PASID_NL_A_MAX - 1)

/* PASID_NL_A_INTENT */
#define PASID_NL_INTENT_GROUP		1
#define PASID_NL_INTENT_GLOBAL_ENQCMD	2

/* PASID_NL_A_FLAGS */
#define PASID_NL_F_OWN_PROCESS	(1u << 0)	/* held by the requesting process */
#define PASID_NL_F_EXTERNAL	(1u << 1)	/* the mm's own kernel PASID */
#define PASID_NL_F_MOCK		(1u << 2)	/* mock namespace */

/* PASID_NL_A_EVENT */
enum pasid_nl_event {
	PASID_NL_EVENT_ALLOC = 1,
	PASID_NL_EVENT_FREE,
	PASID_NL_EVENT_EXTEND,
	PASID_NL_EVENT_ATTACH,
	PASID_NL_EVENT_DETACH,
	PASID_NL_EVENT_REVOKE,		/* a RID was dropped from a group */
	PASID_NL_EVENT_RID_ADD,
	PASID_NL_EVENT_RID_REMOVE,
};

#endif /* _UAPI_LINUX_PASID_H */
