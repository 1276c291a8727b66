// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ktest.c - entry point and ioctl helpers of the in-guest pasid.ko tests.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ktest.h"

int kt_failures;

void kt_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("not ok - %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	kt_failures++;
}

bool kt_kernel_at_least(int maj, int min)
{
	struct utsname u;
	int a = 0, b = 0;

	uname(&u);
	sscanf(u.release, "%d.%d", &a, &b);
	return a > maj || (a == maj && b >= min);
}

int kt_open(void)
{
	int fd = open("/dev/pasid", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("not ok - open /dev/pasid: %s\n", strerror(errno));
		exit(2);
	}
	return fd;
}

int kt_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

int kt_info(int fd, struct pasid_cmd_get_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return kt_ioctl(fd, PASID_IOC_GET_INFO, info);
}

int kt_alloc_group(int fd, const uint32_t *rids, uint32_t n, uint32_t extra, uint32_t *v)
{
	struct pasid_cmd_alloc c = {
		.size = sizeof(c),
		.flags = PASID_CMD_ALLOC_GROUP | extra,
		.nr_rids = n,
		.rids_uptr = (uintptr_t)rids,
		.out_pasid = *v,
	};
	int err = kt_ioctl(fd, PASID_IOC_ALLOC, &c);

	if (!err)
		*v = c.out_pasid;
	return err;
}

int kt_alloc_global(int fd, uint32_t extra, uint32_t *v)
{
	struct pasid_cmd_alloc c = {
		.size = sizeof(c),
		.flags = PASID_CMD_ALLOC_GLOBAL_ENQCMD | extra,
		.out_pasid = *v,
	};
	int err = kt_ioctl(fd, PASID_IOC_ALLOC, &c);

	if (!err)
		*v = c.out_pasid;
	return err;
}

int kt_free(int fd, uint32_t v)
{
	struct pasid_cmd_free c = { .size = sizeof(c), .pasid = v };

	return kt_ioctl(fd, PASID_IOC_FREE, &c);
}

int kt_extend(int fd, uint32_t v, uint32_t rid)
{
	struct pasid_cmd_extend c = { .size = sizeof(c), .pasid = v, .rid = rid };

	return kt_ioctl(fd, PASID_IOC_EXTEND, &c);
}

int kt_attach(int fd, uint32_t v, uint32_t rid)
{
	struct pasid_cmd_attach c = { .size = sizeof(c), .pasid = v, .rid = rid };

	return kt_ioctl(fd, PASID_IOC_ATTACH, &c);
}

int kt_detach(int fd, uint32_t v, uint32_t rid)
{
	struct pasid_cmd_attach c = { .size = sizeof(c), .pasid = v, .rid = rid };

	return kt_ioctl(fd, PASID_IOC_DETACH, &c);
}

int kt_test(int fd, uint32_t op, uint32_t rid, uint32_t width, uint32_t value,
	    struct pasid_cmd_test *out)
{
	struct pasid_cmd_test c = {
		.size = sizeof(c), .op = op, .rid = rid, .width = width, .value = value,
	};
	int err = kt_ioctl(fd, PASID_IOC_TEST_CMD, &c);

	if (out)
		*out = c;
	return err;
}

int kt_rid_add(int fd, uint32_t rid, uint32_t width)
{
	return kt_test(fd, PASID_TEST_OP_RID_ADD, rid, width, 0, NULL);
}

int kt_rid_remove(int fd, uint32_t rid)
{
	return kt_test(fd, PASID_TEST_OP_RID_REMOVE, rid, 0, 0, NULL);
}

int kt_fail_nth(int fd, uint32_t nth)
{
	return kt_test(fd, PASID_TEST_OP_SET_FAIL_NTH, 0, 0, nth, NULL);
}

uint32_t kt_fail_hits(int fd)
{
	struct pasid_cmd_test t;

	if (kt_test(fd, PASID_TEST_OP_GET_FAIL_NTH, 0, 0, 0, &t))
		return (uint32_t)-1;
	return t.out_value2;
}

/* The mock topology every group test starts from. */
static const struct { uint32_t rid, width; } kt_topo[] = {
	{ 0x0100, 20 }, { 0x0101, 8 }, { 0x0102, 4 }, { 0x0200, 16 }, { 0x0201, 16 },
	{ 0x10300, 10 },
};

void kt_mock_clear(int fd)
{
	size_t i;

	for (i = 0; i < sizeof(kt_topo) / sizeof(kt_topo[0]); i++)
		kt_rid_remove(fd, kt_topo[i].rid);
}

void kt_mock_topology(int fd)
{
	size_t i;

	kt_mock_clear(fd);
	for (i = 0; i < sizeof(kt_topo) / sizeof(kt_topo[0]); i++)
		KT_OK(kt_rid_add(fd, kt_topo[i].rid, kt_topo[i].width));
}

/* Nothing is allocated by anyone, no mock RID is left: the state rmmod expects. */
int kt_idle(int argc, char **argv)
{
	struct pasid_cmd_get_info info;
	int fd = kt_open();

	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_nr_owners == 1, "owners %u", info.out_nr_owners);
	KT_CHECK(info.out_nr_groups == 0, "groups %u", info.out_nr_groups);
	KT_CHECK(info.out_nr_globals == 0, "globals %u", info.out_nr_globals);
	KT_CHECK(info.out_nr_values == 0, "values %u", info.out_nr_values);
	KT_CHECK(info.out_nr_held == 0, "held %u", info.out_nr_held);
	if (info.out_mode == PASID_MODE_MOCK) {
		/* leave no mock RID behind (the fuzzers add random ones) */
		struct kt_nl *nl = kt_nl_open();
		struct kt_rid *all = calloc(8192, sizeof(*all));
		int n = nl && all ? kt_nl_rids(nl, all, 8192) : -1, i;

		KT_CHECK(n >= 0, "rid dump: %d", n);
		for (i = 0; i < n; i++)
			KT_OK(kt_rid_remove(fd, all[i].rid));
		free(all);
		kt_nl_close(nl);
		KT_OK(kt_info(fd, &info));
		KT_CHECK(info.out_nr_rids == 0, "%u mock RIDs left", info.out_nr_rids);
		/*
		 * The mock namespace is really empty (no value leaked in the
		 * source): the low values can all be had exactly.
		 */
		{
			uint32_t rid = 0xfff00, v;

			KT_OK(kt_rid_add(fd, rid, 20));
			for (v = 1; v <= 256; v++) {
				uint32_t w = v;

				KT_ERR(kt_alloc_group(fd, &rid, 1, PASID_CMD_ALLOC_EXACT, &w), 0);
			}
			for (v = 1; v <= 256; v++)
				KT_OK(kt_free(fd, v));
			KT_OK(kt_rid_remove(fd, rid));
			KT_OK(kt_info(fd, &info));
			KT_CHECK(info.out_nr_held == 0, "held %u", info.out_nr_held);
		}
	}
	close(fd);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} kt_groups[] = {
	{ "abi", kt_abi },
	{ "multi", kt_multi },
	{ "genl", kt_genl },
	{ "fuzz", kt_fuzz },
	{ "failnth", kt_failnth },
	{ "quota", kt_quota },
	{ "load", kt_load },
	{ "real", kt_real },
	{ "bed2", kt_bed2 },
	{ "idle", kt_idle },
	{ "hostile", kt_hostile },
	{ "prod", kt_prod },
	{ "scanrace", kt_scanrace },
};

int main(int argc, char **argv)
{
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: pasid-ktest abi|multi|genl|fuzz|failnth|quota|load|real|bed2|idle|hostile|prod|scanrace [args]\n");
		return 2;
	}
	for (i = 0; i < sizeof(kt_groups) / sizeof(kt_groups[0]); i++) {
		if (strcmp(argv[1], kt_groups[i].name))
			continue;
		kt_groups[i].fn(argc - 1, argv + 1);
		if (kt_failures)
			printf("# %s: %d failure(s)\n", argv[1], kt_failures);
		else
			printf("ok - %s\n", argv[1]);
		return kt_failures ? 1 : 0;
	}
	fprintf(stderr, "unknown test group %s\n", argv[1]);
	return 2;
}
