/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared state of the pasid shim (pasid.ko).
 *
 * One struct pcore holds every allocation; one mutex (pasid_lock) serialises
 * every call into it, including the genl dumps and the PCI bus notifier.
 * Each open file of /dev/pasid is one pcore owner (struct pasid_file).
 */
#ifndef PASID_INTERNAL_H
#define PASID_INTERNAL_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/version.h>

#include "core/pcore.h"
#include "uapi/linux/pasid.h"

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "pasid.ko needs Linux 6.1 or later"
#endif

/*
 * Every kernel-version switch of the module is here (an out-of-tree module
 * must build against several kernels); see docs/kernel-facts.md.
 *
 * Which real (non-mock) backend this kernel gets. PASID_SIMULATE_NO_ALLOCATOR
 * (Kbuild: PASID_SIMULATE_NO_ALLOCATOR=y) builds the 6.4/6.5 behaviour on
 * any kernel, so the test suite can check the refusal.
 */
#if defined(PASID_SIMULATE_NO_ALLOCATOR)
#define PASID_REAL_NONE		1
#elif LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#if IS_ENABLED(CONFIG_IOASID) && IS_ENABLED(CONFIG_IOMMU_SVA)
#define PASID_REAL_IOASID	1	/* ioasid_alloc() + iommu_sva_alloc_pasid() */
#else
#define PASID_REAL_NONE		1	/* built without IOASID/IOMMU_SVA */
#endif
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define PASID_REAL_GLOBAL_IDA	1	/* iommu_alloc_global_pasid(), the mm's PASID */
#else
#define PASID_REAL_NONE		1	/* 6.4, 6.5: no exported allocator */
#endif

/* 6.4 dropped drvdata from iommu_sva_bind_device() and added dev_iommu.max_pasids */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#define PASID_SVA_BIND_HAS_DRVDATA	1
#define PASID_MAX_PASIDS_IN_IOMMU_DEV	1	/* only iommu_device.max_pasids */
#endif

/* 6.8 moved the mm's PASID to mm->iommu_mm, read by mm_get_enqcmd_pasid() */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define PASID_HAVE_MM_GET_ENQCMD_PASID	1
#endif

struct iommu_sva;
struct mm_struct;
struct pasid_user;
struct pci_dev;

/**
 * struct pasid_bind - one real SVA binding made by ATTACH
 * @node: in pasid_file.binds
 * @value: the PASID
 * @rid: the RID it is bound on
 * @handle: the kernel's SVA handle
 */
struct pasid_bind {
	struct list_head node;
	u32 value;
	u32 rid;
	struct iommu_sva *handle;
};

/**
 * struct pasid_file - one open file of /dev/pasid: one owner
 * @owner: the allocator core's owner (keyed by @mm for the global)
 * @mm: the opener's mm, pinned with mmgrab() until release
 * @tgid: the opener's thread-group id
 * @comm: the opener's command name at open
 * @binds: real mode: SVA bindings made through ATTACH
 */
struct pasid_file {
	struct pcore_owner owner;
	struct mm_struct *mm;
	struct pid *tgid;
	kuid_t uid;		/* effective uid of the opener, for quotas */
	struct pasid_user *user;	/* that uid's quota account */
	u32 counted;		/* PASIDs of this file counted in @user */
	char comm[TASK_COMM_LEN];
	struct list_head binds;
};

static inline struct pasid_file *pasid_file_of(const struct pcore_owner *o)
{
	return o ? container_of(o, struct pasid_file, owner) : NULL;
}

/*
 * The RID of a PCI function in the uAPI's encoding, segment << 16 | bus << 8
 * | devfn: 16 bits of PCI domain. Linux numbers the domains behind an Intel
 * VMD controller from 0x10000 up; those do not fit, and truncating would
 * alias a function of domain (d & 0xffff), so such a function gets no RID
 * (-ERANGE) and is not tracked. (Functions behind VMD issue DMA with the
 * VMD endpoint's requester ID, so the IOMMU cannot tell their PASIDs apart
 * anyway.)
 */
static inline int pasid_rid_encode(u32 domain, u8 bus, u8 devfn, u32 *rid)
{
	if (domain > 0xffff)
		return -ERANGE;
	*rid = domain << 16 | (u32)bus << 8 | devfn;
	return 0;
}

/* pasid_quota.c: per-user limits, O(1) per check */
int pasid_quota_rids(u32 nr);
int pasid_quota_alloc(const struct pasid_file *pf, bool global);
int pasid_quota_open(struct pasid_file *pf);
void pasid_quota_sync(struct pasid_file *pf);
void pasid_quota_close(struct pasid_file *pf);
int pasid_quota_total(void);

/* pasid_main.c */
extern struct mutex pasid_lock;
extern struct pcore pasid_core;

/*
 * pasid_test.c, only in the test build (Kbuild: PASID_TEST=y): mock mode,
 * PASID_IOC_TEST_CMD and the fail-nth countdown. Elsewhere mock mode is a
 * constant false and no allocation is ever failed on purpose, so none of it
 * reaches a module that DKMS installs.
 */
/*
 * Test-build knobs that widen the window between bus_register_notifier()
 * and the initial PCI scan, and inside device_del() after DEL_DEVICE, and
 * make every PCI function look PASID-capable: so the guest suite can replay
 * a removal racing the scan.
 */
enum pasid_test_delay_at {
	PASID_TEST_DELAY_SCAN,	/* before the initial scan */
	PASID_TEST_DELAY_DEL,	/* after handling BUS_NOTIFY_DEL_DEVICE */
};

#ifdef PASID_TEST_BUILD
extern bool pasid_mock;
bool pasid_should_fail(void);
int pasid_cmd_test(struct pasid_file *pf, void *buf);
void pasid_test_delay(enum pasid_test_delay_at at);
unsigned int pasid_test_pci_width(void);
#else
#define pasid_mock false
static inline bool pasid_should_fail(void)
{
	return false;
}

static inline void pasid_test_delay(enum pasid_test_delay_at at)
{
}

static inline unsigned int pasid_test_pci_width(void)
{
	return 0;
}
#endif

/**
 * struct pasid_source - where the core's values come from, per mode
 * @kind: enum pasid_kernel_alloc
 * @ops: the pcore_ops handed to pcore_init()
 * @priv: their private data
 * @init: set up; 0 or -errno
 * @exit: tear down; every value must have been released
 */
struct pasid_source {
	unsigned int kind;
	const struct pcore_ops *ops;
	void *priv;
	int (*init)(void);
	void (*exit)(void);
};

/* values currently held from the source (GET_INFO out_nr_held), under pasid_lock */
extern u32 pasid_nr_held;

#ifdef PASID_TEST_BUILD
extern const struct pasid_source pasid_source_mock;
#endif
#ifndef PASID_REAL_NONE
extern const struct pasid_source pasid_source_real;
#endif

/* pasid_real.c: real-mode helpers (PCI RIDs, the mm's PASID, SVA) */
int pasid_real_init(void);
void pasid_real_exit(void);
int pasid_real_alloc_global(struct pasid_file *pf, u32 flags, u32 *inout);
int pasid_real_attach(struct pasid_file *pf, u32 value, u32 rid);
void pasid_real_on_event(const struct pcore_event *ev);
void pasid_real_release(struct pasid_file *pf);
u32 pasid_real_mm_pasid(struct mm_struct *mm);
bool pasid_real_global_possible(void);

/* pasid_env.c: memory a user's request creates, charged to its memcg */
void *pasid_kvzalloc(size_t size);

/* pasid_genl.c */
int pasid_genl_init(void);
void pasid_genl_exit(void);
void pasid_genl_event(const struct pcore_event *ev);
bool pasid_genl_registered(void);

/* pasid_ioctl.c */
long pasid_fops_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* the core's event callback (pasid_main.c) */
void pasid_core_event(void *priv, const struct pcore_event *ev);

#endif /* PASID_INTERNAL_H */
