// SPDX-License-Identifier: GPL-2.0-only
/*
 * The test build's extras (Kbuild: PASID_TEST=y), in the spirit of iommufd's
 * CONFIG_IOMMUFD_TEST: mock mode, PASID_IOC_TEST_CMD and the fail-nth
 * countdown. None of this is compiled into the module DKMS installs.
 *
 * Even in a test build an opener of /dev/pasid is not trusted: the countdown
 * and the RID table are module-wide, so arming fail-nth (it would fail
 * another user's next call) and adding or removing RIDs (they are every
 * user's) need CAP_SYS_ADMIN, and the mock RID table is bounded.
 */
#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "pasid_internal.h"

bool pasid_mock;
module_param_named(mock, pasid_mock, bool, 0444);
MODULE_PARM_DESC(mock, "test build only: mock RIDs via PASID_IOC_TEST_CMD, a separate value namespace");

static unsigned int test_scan_delay_ms;
module_param(test_scan_delay_ms, uint, 0444);
MODULE_PARM_DESC(test_scan_delay_ms, "test build only: sleep between the PCI notifier's registration and the initial scan");
static unsigned int test_del_delay_ms;
module_param(test_del_delay_ms, uint, 0644);
MODULE_PARM_DESC(test_del_delay_ms, "test build only: sleep in the PCI notifier after DEL_DEVICE (delays device_del())");
static unsigned int test_pci_width;
module_param(test_pci_width, uint, 0444);
MODULE_PARM_DESC(test_pci_width, "test build only, real mode: treat every PCI function as PASID-capable with this width");

/**
 * pasid_test_delay() - Sleep where a test asked for a wider race window.
 * @at: which window
 */
void pasid_test_delay(enum pasid_test_delay_at at)
{
	unsigned int ms = at == PASID_TEST_DELAY_SCAN ? test_scan_delay_ms :
			  READ_ONCE(test_del_delay_ms);

	if (ms)
		msleep(min(ms, 10000u));
}

/**
 * pasid_test_pci_width() - The width test_pci_width= gives every function.
 *
 * Return: 1..20, or 0 (the function's own capability decides).
 */
unsigned int pasid_test_pci_width(void)
{
	return min(test_pci_width, (unsigned int)PASID_UAPI_WIDTH_MAX);
}

static atomic_t pasid_fail_countdown = ATOMIC_INIT(0);
static atomic_t pasid_fail_hit_count = ATOMIC_INIT(0);

/**
 * pasid_should_fail() - Count one allocation against the fail-nth countdown.
 *
 * Debian kernels have no fault-injection framework, so the test build
 * carries its own: SET_FAIL_NTH arms a countdown that makes the Nth
 * internal allocation from then on (the core's and the shim's) fail, once.
 *
 * Return: true when this allocation is the one to fail.
 */
bool pasid_should_fail(void)
{
	int left = atomic_read(&pasid_fail_countdown);

	while (left > 0) {
		if (atomic_try_cmpxchg(&pasid_fail_countdown, &left, left - 1)) {
			if (left == 1) {
				atomic_inc(&pasid_fail_hit_count);
				return true;
			}
			return false;
		}
	}
	return false;
}

static int pasid_test_rid_add(u32 rid, u32 width)
{
	int err;

	if (width < 1 || width > PASID_UAPI_WIDTH_MAX)
		return -EINVAL;
	mutex_lock(&pasid_lock);
	/* each RID costs kernel memory and widens every scan of the table */
	if (pasid_core.nr_rids >= PASID_TEST_MAX_RIDS)
		err = -ENOSPC;
	else
		err = pcore_rid_add(&pasid_core, rid, width, NULL);
	mutex_unlock(&pasid_lock);
	return err;
}

/* The RID real mode gives a PCI function (pasid_rid_encode()), for tests. */
static int pasid_test_rid_encode(struct pasid_cmd_test *cmd)
{
	if (cmd->width || cmd->rid > 0xffff)
		return -EINVAL;
	return pasid_rid_encode(cmd->value, cmd->rid >> 8, cmd->rid & 0xff, &cmd->out_value);
}

/**
 * pasid_cmd_test() - PASID_IOC_TEST_CMD.
 * @pf: the caller's file (unused: every op acts on the module)
 * @buf: struct pasid_cmd_test
 *
 * Return: 0 or -errno as in struct pasid_cmd_test.
 */
int pasid_cmd_test(struct pasid_file *pf, void *buf)
{
	struct pasid_cmd_test *cmd = buf;
	int err = 0;

	if (cmd->flags)
		return -EINVAL;
	if (cmd->op == PASID_TEST_OP_RID_ENCODE)
		return pasid_test_rid_encode(cmd);
	if (!pasid_mock)
		return -EOPNOTSUPP;

	switch (cmd->op) {
	case PASID_TEST_OP_RID_ADD:
	case PASID_TEST_OP_RID_REMOVE:
	case PASID_TEST_OP_SET_FAIL_NTH:
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		break;
	}

	switch (cmd->op) {
	case PASID_TEST_OP_RID_ADD:
		if (cmd->value)
			return -EINVAL;
		err = pasid_test_rid_add(cmd->rid, cmd->width);
		break;
	case PASID_TEST_OP_RID_REMOVE:
		if (cmd->width || cmd->value)
			return -EINVAL;
		mutex_lock(&pasid_lock);
		err = pcore_rid_remove(&pasid_core, cmd->rid);
		mutex_unlock(&pasid_lock);
		break;
	case PASID_TEST_OP_SET_FAIL_NTH:
		if (cmd->rid || cmd->width)
			return -EINVAL;
		atomic_set(&pasid_fail_countdown, min_t(u32, cmd->value, INT_MAX));
		cmd->out_value = atomic_read(&pasid_fail_hit_count);
		break;
	case PASID_TEST_OP_GET_FAIL_NTH:
		if (cmd->rid || cmd->width || cmd->value)
			return -EINVAL;
		cmd->out_value = atomic_read(&pasid_fail_countdown);
		cmd->out_value2 = atomic_read(&pasid_fail_hit_count);
		break;
	default:
		return -EOPNOTSUPP;
	}
	return err;
}
