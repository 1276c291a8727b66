// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * prod.c - the module as DKMS builds it (no PASID_TEST): real mode only, no
 * PASID_IOC_TEST_CMD (ENOTTY, for root too), no mock or test parameters,
 * no fail-nth. Usage: pasid-ktest prod (the production module loaded).
 */
#include <unistd.h>

#include "ktest.h"

int kt_prod(int argc, char **argv)
{
	static const char *const gone[] = { "mock", "test_rids" };
	struct pasid_cmd_get_info info;
	struct pasid_cmd_test t = { .size = sizeof(t), .op = PASID_TEST_OP_RID_ADD,
				    .rid = 0x100, .width = 8 };
	int fd = kt_open();
	size_t i;

	(void)argc;
	(void)argv;
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_mode == PASID_MODE_REAL, "mode %u", info.out_mode);
	KT_CHECK(!(info.out_caps & PASID_CAP_TEST_CMD), "caps %#x claim TEST_CMD", info.out_caps);
	KT_ERR(kt_ioctl(fd, PASID_IOC_TEST_CMD, &t), -ENOTTY);
	KT_ERR(kt_fail_nth(fd, 1), -ENOTTY);
	KT_CHECK(info.out_nr_rids == 0, "%u RIDs without a test_rids parameter", info.out_nr_rids);
	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		char path[96];

		snprintf(path, sizeof(path), "/sys/module/pasid/parameters/%s", gone[i]);
		KT_CHECK(access(path, F_OK) != 0, "%s exists", path);
	}
	close(fd);
	return 0;
}
