// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-discover.c - discovery through libudev against hand-written umockdev
 * device trees (values: docs/dsa-facts.md, 'idxd sysfs'): a DSA with PASID on
 * (shared, dedicated, kernel and disabled WQs, op_config on one), an IAA
 * with PASID off, a PCI function without a PASID capability. Every WQ that
 * is not chosen must come with the right reason.
 *
 * Runs under umockdev-wrapper (LD_PRELOAD of libumockdev-preload); without
 * it the test skips and says so.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <umockdev.h>

#include <libpasid/pasid.h>
#include <libpasid/testing.h>

#include "../../lib/wq/discover.h"
#include "../../lib/wq/wq_internal.h"

#define OPCAP_SPR "00000000,00000000,00000000,00000000,00000000,00000000,00000001,003f027d"
#define OPCFG_MOVE "00000000,00000000,00000000,00000000,00000000,00000000,00000000,0000000d"

static UMockdevTestbed *tb;
static char *dsa0_path, *wq00_path;	/* syspaths, to change state under a handle */

static void put32(uint8_t *cfg, unsigned int off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		cfg[off + i] = (uint8_t)(v >> (8 * i));
}

/* 4 KiB config space: AER @0x100 -> ATS @0x220 -> PASID @0x230 -> PRI @0x240 */
static void make_config(uint8_t *cfg, bool pasid, uint16_t pasid_cap, uint16_t pasid_ctl)
{
	memset(cfg, 0, 4096);
	put32(cfg, 0, 0x0b258086);
	put32(cfg, 0x100, 0x0001 | 1u << 16 | (pasid ? 0x220u : 0u) << 20);
	if (!pasid)
		return;
	put32(cfg, 0x220, 0x000f | 1u << 16 | 0x230u << 20);
	put32(cfg, 0x230, 0x001b | 1u << 16 | 0x240u << 20);
	put32(cfg, 0x234, (uint32_t)pasid_cap | (uint32_t)pasid_ctl << 16);
	put32(cfg, 0x240, 0x0013 | 1u << 16);
}

static char *add_pci(const char *name, const char *devid, int numa, bool pasid, uint16_t cap,
		     uint16_t ctl, int group)
{
	uint8_t cfg[4096];
	char numa_s[8], link[64];
	char *p;

	snprintf(numa_s, sizeof(numa_s), "%d", numa);
	p = umockdev_testbed_add_device(tb, "pci", name, NULL,
					"vendor", "0x8086", "device", devid, "class", "0x088000",
					"numa_node", numa_s, NULL,
					"PCI_SLOT_NAME", name, NULL);
	make_config(cfg, pasid, cap, ctl);
	umockdev_testbed_set_attribute_binary(tb, p, "config", (guint8 *)cfg, sizeof(cfg));
	umockdev_testbed_set_attribute_link(tb, p, "driver", "../../bus/pci/drivers/idxd");
	snprintf(link, sizeof(link), "../../kernel/iommu_groups/%d", group);
	umockdev_testbed_set_attribute_link(tb, p, "iommu_group", link);
	return p;
}

static char *add_dsa_opcap(const char *parent, const char *name, const char *pasid_enabled,
			   const char *numa, const char *op_cap)
{
	return umockdev_testbed_add_device(tb, "dsa", name, parent,
		"version", "0x100", "max_groups", "4", "max_work_queues", "8",
		"max_engines", "4", "max_work_queues_size", "128", "numa_node", numa,
		"max_batch_size", "1024", "max_transfer_size", "2147483648",
		"op_cap", op_cap, "gen_cap", "0x40915f0107", "configurable", "1",
		"pasid_enabled", pasid_enabled, "state", "enabled", "cdev_major", "509",
		NULL, "MODALIAS", "idxd:t0", NULL);
}

static char *add_dsa(const char *parent, const char *name, const char *pasid_enabled,
		     const char *numa)
{
	return add_dsa_opcap(parent, name, pasid_enabled, numa, OPCAP_SPR);
}

static char *add_wq(const char *dev, const char *type, const char *name, const char *mode,
		    const char *wtype, const char *state, const char *size, const char *opcfg,
		    const char *minor)
{
	char *w = umockdev_testbed_add_device(tb, "dsa", name, dev,
		"mode", mode, "type", wtype, "state", state, "size", size, "threshold", size,
		"priority", "10", "block_on_fault", "0", "max_batch_size", "512",
		"max_transfer_size", "2097152", "group_id", "0", "name", "app0",
		"clients", "0", NULL, "MODALIAS", "idxd:t0", NULL);

	if (opcfg)
		umockdev_testbed_set_attribute(tb, w, "op_config", opcfg);
	if (minor) {
		char cname[32], devname[32], devnum[16];
		char *c;

		snprintf(cname, sizeof(cname), "%s!%s", type, name);
		snprintf(devname, sizeof(devname), "%s/%s", type, name);
		snprintf(devnum, sizeof(devnum), "509:%s", minor);
		c = umockdev_testbed_add_device(tb, "dsa", cname, w, "dev", devnum, NULL,
						"DEVNAME", devname, "MAJOR", "509", "MINOR", minor,
						NULL);
		g_free(c);
	}
	return w;
}

static int setup(void **state)
{
	char *p1, *p2, *p3, *d0, *d1, *w01;

	(void)state;
	tb = umockdev_testbed_new();
	if (!umockdev_in_mock_environment()) {	/* true only with the preload library */
		g_object_unref(tb);
		tb = NULL;
		return 0;
	}
	/* DSA: PASID width 20 (0x1404: priv, no exec), enabled (0x0005) */
	p1 = add_pci("0000:6a:01.0", "0x0b25", 0, true, 0x1404, 0x0005, 7);
	/* IAA: PASID capability, not enabled */
	p2 = add_pci("0000:6a:02.0", "0x0cfe", 1, true, 0x1004, 0x0000, 8);
	/* no PASID capability */
	p3 = add_pci("0000:00:1f.0", "0x1234", -1, false, 0, 0, 9);
	d0 = add_dsa(p1, "dsa0", "1", "0");
	d1 = add_dsa(p2, "iax1", "0", "1");
	wq00_path = add_wq(d0, "dsa", "wq0.0", "shared", "user", "enabled", "128", NULL, "1");
	w01 = add_wq(d0, "dsa", "wq0.1", "dedicated", "user", "enabled", "16", OPCFG_MOVE, "0");
	/* a DPDK-style name, and the attributes of newer kernels and devices */
	umockdev_testbed_set_attribute(tb, w01, "name", "dpdk_wq1");
	umockdev_testbed_set_attribute(tb, w01, "driver_name", "user");
	umockdev_testbed_set_attribute(tb, w01, "occupancy", "3");
	umockdev_testbed_set_attribute(tb, w01, "ats_disable", "0");
	umockdev_testbed_set_attribute(tb, w01, "prs_disable", "1");
	g_free(w01);
	g_free(add_wq(d0, "dsa", "wq0.2", "shared", "kernel", "enabled", "32", NULL, NULL));
	g_free(add_wq(d0, "dsa", "wq0.3", "shared", "none", "disabled", "0", NULL, NULL));
	/* no node */
	g_free(add_wq(d0, "dsa", "wq0.4", "shared", "user", "enabled", "8", NULL, NULL));
	g_free(add_wq(d1, "iax", "wq1.0", "shared", "user", "enabled", "128", NULL, "0"));
	g_free(umockdev_testbed_add_device(tb, "dsa", "engine0.0", d0, "group_id", "0", NULL,
					   NULL));
	g_free(umockdev_testbed_add_device(tb, "dsa", "group0.0", d0, "engines", "engine0.0",
					   NULL, NULL));
	g_free(p1);
	g_free(p2);
	g_free(p3);
	dsa0_path = d0;
	g_free(d1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	g_free(dsa0_path);
	g_free(wq00_path);
	if (tb)
		g_object_unref(tb);
	return 0;
}

#define MAXE 16
struct seen {
	int n;
	struct pasid_wq_entry e[MAXE];
	char why[MAXE][192];
};

static int collect(const struct pasid_wq_entry *e, const char *reason, void *data)
{
	struct seen *s = data;

	if (s->n < MAXE) {
		s->e[s->n] = *e;
		snprintf(s->why[s->n], sizeof(s->why[0]), "%s", reason ? reason : "");
		s->n++;
	}
	return 0;
}

/* pasid_wq_discover() collecting into @s: the number chosen, or -errno */
static int chosen(struct pasid_ctx *ctx, const struct pasid_wq_filter *f, struct seen *s)
{
	struct pasid_wq_discover_result r = { .size = sizeof(r) };
	int err = pasid_wq_discover(ctx, f, collect, s, &r);

	if (err)
		return err;
	assert_int_equal(r.size, sizeof(r));
	assert_int_equal(r.stop, 0);
	assert_int_equal(r.seen, (uint32_t)s->n);
	return (int)r.chosen;
}

static const char *why(const struct seen *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->e[i].name, name))
			return s->why[i];
	fail_msg("%s not reported", name);
	return NULL;
}

static const struct pasid_wq_entry *entry(const struct seen *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->e[i].name, name))
			return &s->e[i];
	fail_msg("%s not reported", name);
	return NULL;
}

static void need_mock(void)
{
	if (!tb) {
		/* meson runs it under the wrapper: without it, the test is misconfigured */
		fail_msg("not under umockdev-wrapper (no mock /sys): run it through meson test");
	}
}

static void test_default_filter(void **state)
{
	struct seen s = { 0 };
	const struct pasid_wq_entry *e;

	(void)state;
	need_mock();
	assert_int_equal(chosen(NULL, NULL, &s), 2);
	assert_int_equal(s.n, 6);	/* engines, groups and char devices are not WQs */
	for (int i = 0; i < s.n; i++)
		print_message("%-12s %-28s %s\n", s.e[i].name, s.e[i].devnode,
			      s.why[i][0] ? s.why[i] : "chosen");
	assert_string_equal(why(&s, "dsa0/wq0.0"), "");
	assert_string_equal(why(&s, "dsa0/wq0.1"), "");
	assert_non_null(strstr(why(&s, "dsa0/wq0.2"), "type kernel"));
	assert_non_null(strstr(why(&s, "dsa0/wq0.3"), "state disabled"));
	assert_non_null(strstr(why(&s, "dsa0/wq0.4"), "no character device"));
	assert_non_null(strstr(why(&s, "iax1/wq1.0"), "pasid_enabled=0"));

	e = entry(&s, "dsa0/wq0.0");
	assert_string_equal(e->device, "dsa0");
	assert_string_equal(e->devnode, "/dev/dsa/wq0.0");
	assert_int_equal(e->dev_type, PASID_DEV_DSA);
	assert_int_equal(e->mode, PASID_WQ_SHARED);
	assert_string_equal(e->type, "user");
	assert_string_equal(e->state, "enabled");
	assert_int_equal(e->size, 128);
	assert_int_equal(e->threshold, 128);
	assert_int_equal(e->priority, 10);
	assert_int_equal(e->max_batch_size, 512);
	assert_int_equal(e->max_transfer_size, 2097152);
	assert_int_equal(e->block_on_fault, 0);
	assert_int_equal(e->numa_node, 0);
	assert_int_equal(e->rid, 0x6a08);
	assert_true(e->flags & PASID_DEV_PASID_ENABLED);
	assert_false(e->flags & PASID_DEV_HAS_OP_CONFIG);
	assert_int_equal(e->ops[0], 0x1003f027dull);
	e = entry(&s, "dsa0/wq0.1");
	assert_int_equal(e->mode, PASID_WQ_DEDICATED);
	assert_true(e->flags & PASID_DEV_HAS_OP_CONFIG);
	assert_int_equal(e->ops[0], 0xd);
	e = entry(&s, "iax1/wq1.0");
	assert_int_equal(e->dev_type, PASID_DEV_IAA);
	assert_string_equal(e->devnode, "/dev/iax/wq1.0");
	assert_int_equal(e->numa_node, 1);
	assert_false(e->flags & PASID_DEV_PASID_ENABLED);
}

static void test_filters(void **state)
{
	struct pasid_wq_filter f;
	struct seen s;

	(void)state;
	need_mock();
	pasid_wq_filter_init(&f);
	f.mode = PASID_WQ_SHARED;
	memset(&s, 0, sizeof(s));
	assert_int_equal(chosen(NULL, &f, &s), 1);
	assert_string_equal(why(&s, "dsa0/wq0.1"), "mode dedicated, wanted shared");

	pasid_wq_filter_init(&f);
	f.numa_node = 1;
	memset(&s, 0, sizeof(s));
	assert_int_equal(chosen(NULL, &f, &s), 0);
	assert_string_equal(why(&s, "dsa0/wq0.0"), "NUMA node 0, wanted 1");

	pasid_wq_filter_init(&f);
	f.ops[0] = 1ull << 0x10;	/* CRCGEN */
	memset(&s, 0, sizeof(s));
	assert_int_equal(chosen(NULL, &f, &s), 1);
	assert_string_equal(why(&s, "dsa0/wq0.1"), "operation 0x10 not in op_config");
	assert_string_equal(why(&s, "dsa0/wq0.0"), "");

	pasid_wq_filter_init(&f);
	f.dev_type = PASID_DEV_IAA;
	f.flags = PASID_WQ_FILTER_NO_PASID_OK;
	memset(&s, 0, sizeof(s));
	assert_int_equal(chosen(NULL, &f, &s), 1);
	assert_string_equal(why(&s, "iax1/wq1.0"), "");
	assert_string_equal(why(&s, "dsa0/wq0.0"), "device type dsa, wanted iax");

	pasid_wq_filter_init(&f);
	f.flags = PASID_WQ_FILTER_ANY_STATE | PASID_WQ_FILTER_ANY_TYPE |
		  PASID_WQ_FILTER_NO_PASID_OK;
	memset(&s, 0, sizeof(s));
	assert_int_equal(chosen(NULL, &f, &s), 6);
}

/*
 * Debian 12's 6.1 prints op_cap as four words, low word first: a DSA with
 * that format is chosen for memmove (opcode 3) like one with the bitmap.
 */
static void test_opcap_before_6_3(void **state)
{
	struct pasid_wq_filter f;
	char *p, *d;
	const struct pasid_wq_entry *e;
	struct seen s;

	(void)state;
	need_mock();
	p = add_pci("0000:e7:01.0", "0x0b25", 0, true, 0x1404, 0x0005, 10);
	d = add_dsa_opcap(p, "dsa4", "1", "0", "0x1003f027d 0x0 0x0 0x0\n");
	g_free(add_wq(d, "dsa", "wq4.0", "shared", "user", "enabled", "64", NULL, "4"));
	pasid_wq_filter_init(&f);
	f.ops[0] = 1ull << 3 | 1ull << 32;	/* MEMMOVE, and a bit of the high word */
	memset(&s, 0, sizeof(s));
	assert_int_equal(chosen(NULL, &f, &s), 2);
	e = entry(&s, "dsa4/wq4.0");
	assert_int_equal(e->ops[0], 0x1003f027dull);
	assert_int_equal(e->ops[1] | e->ops[2] | e->ops[3], 0);
	assert_string_equal(why(&s, "dsa4/wq4.0"), "");
	f.ops[0] = 1ull << 0x0a;	/* not in 0x1003f027d: refused, and said so */
	memset(&s, 0, sizeof(s));
	chosen(NULL, &f, &s);
	assert_string_equal(why(&s, "dsa4/wq4.0"), "operation 0xa not in the device's op_cap");
	umockdev_testbed_remove_device(tb, p);	/* and everything below it */
	g_free(d);
	g_free(p);
}

static int stop_at_first(const struct pasid_wq_entry *e, const char *reason, void *data)
{
	int *calls = data;

	(void)e;
	(void)reason;
	if (*calls < 0)
		return *calls;
	++*calls;
	return 42;
}

static void test_find_and_stop(void **state)
{
	struct pasid_wq_entry e;

	(void)state;
	need_mock();
	struct pasid_wq_discover_result r = { .size = sizeof(r) };
	int calls = 0;

	/* the callback's stop value and the counts come back apart */
	assert_int_equal(pasid_wq_discover(NULL, NULL, stop_at_first, &calls, &r), 0);
	assert_int_equal(r.stop, 42);
	assert_int_equal(r.seen, 1);
	assert_int_equal(calls, 1);
	/* a negative stop value is the callback's, not an errno */
	calls = -5;
	assert_int_equal(pasid_wq_discover(NULL, NULL, stop_at_first, &calls, &r), 0);
	assert_int_equal(r.stop, -5);
	/* no callback: counts only (2 chosen of the 6 WQs of the tree) */
	assert_int_equal(pasid_wq_discover(NULL, NULL, NULL, NULL, &r), 0);
	assert_int_equal(r.seen, 6);
	assert_int_equal(r.chosen, 2);
	assert_int_equal(r.stop, 0);
	/* a caller with a smaller result struct gets only what it has room for */
	{
		struct { struct pasid_wq_discover_result r; uint32_t canary; } small;

		memset(&small, 0xa5, sizeof(small));
		small.r.size = 8;	/* size and seen */
		assert_int_equal(pasid_wq_discover(NULL, NULL, NULL, NULL, &small.r), 0);
		assert_int_equal(small.r.size, 8);
		assert_int_equal(small.r.seen, 6);
		assert_int_equal(small.r.chosen, 0xa5a5a5a5);
		assert_int_equal(small.canary, 0xa5a5a5a5);
	}
	assert_int_equal(wq_discover_find("wq0.1", &e), 0);
	assert_string_equal(e.name, "dsa0/wq0.1");
	assert_int_equal(wq_discover_find("iax1/wq1.0", &e), 0);
	assert_int_equal(e.dev_type, PASID_DEV_IAA);
	assert_int_equal(wq_discover_find("/dev/dsa/wq0.0", &e), 0);
	assert_string_equal(e.name, "dsa0/wq0.0");
	assert_int_equal(wq_discover_find("/dev/iax/wq0.0", &e), -ENOENT);
	assert_int_equal(wq_discover_find("dsa0/wq9.9", &e), -ENOENT);
	assert_int_equal(wq_discover_find("dsa0", &e), -EINVAL);
}

struct pci_seen {
	int n;
	struct pasid_pci_info p[8];
};

static int pci_collect(const struct pasid_pci_info *pi, void *data)
{
	struct pci_seen *s = data;

	if (s->n < 8)
		s->p[s->n++] = *pi;
	return 0;
}

static void test_pci(void **state)
{
	struct pci_seen s = { 0 };
	const struct pasid_pci_info *dsa = NULL, *iaa = NULL;

	(void)state;
	need_mock();
	assert_int_equal(pasid_pci_discover(NULL, pci_collect, &s), 0);
	assert_int_equal(s.n, 2);	/* 00:1f.0 has no PASID capability */
	for (int i = 0; i < s.n; i++) {
		print_message("%06x width %u flags %#x group %d numa %d driver %s\n", s.p[i].rid,
			      s.p[i].pasid_width, s.p[i].flags, s.p[i].iommu_group,
			      s.p[i].numa_node, s.p[i].driver);
		if (s.p[i].rid == 0x6a08)
			dsa = &s.p[i];
		if (s.p[i].rid == 0x6a10)
			iaa = &s.p[i];
	}
	assert_non_null(dsa);
	assert_non_null(iaa);
	assert_int_equal(dsa->pasid_width, 20);
	assert_int_equal(dsa->flags, PASID_DEV_PASID_ENABLED | PASID_DEV_PASID_PRIV);
	assert_int_equal(dsa->vendor, 0x8086);
	assert_int_equal(dsa->device, 0x0b25);
	assert_int_equal(dsa->iommu_group, 7);
	assert_int_equal(dsa->numa_node, 0);
	assert_string_equal(dsa->driver, "idxd");
	assert_int_equal(iaa->pasid_width, 16);
	assert_int_equal(iaa->flags, PASID_DEV_PASID_PRIV);
	assert_int_equal(iaa->iommu_group, 8);
}

static void test_parsers(void **state)
{
	uint64_t ops[4];
	uint32_t rid, w, fl;
	uint8_t cfg[4096];

	(void)state;
	assert_int_equal(disc_parse_opmap(OPCAP_SPR "\n", ops), 0);
	assert_int_equal(ops[0], 0x1003f027dull);
	assert_int_equal(ops[1] | ops[2] | ops[3], 0);
	assert_int_equal(disc_parse_opmap("0000007b,00bf067f", ops), 0);
	assert_int_equal(ops[0], 0x7b00bf067full);
	assert_int_equal(disc_parse_opmap("", ops), -EINVAL);
	/* 5.13-6.2: four "%#llx" words, the low 64 operations first */
	assert_int_equal(disc_parse_opmap("0x1003f027d 0x0 0x0 0x0\n", ops), 0);
	assert_int_equal(ops[0], 0x1003f027dull);
	assert_int_equal(ops[1] | ops[2] | ops[3], 0);
	assert_int_equal(disc_parse_opmap("0x1 0x2 0x3 0x8000000000000000", ops), 0);
	assert_true(ops[0] == 1 && ops[1] == 2 && ops[2] == 3 && ops[3] == 1ull << 63);
	assert_int_equal(disc_parse_opmap("0 0 0 0", ops), 0);
	assert_int_equal(ops[0] | ops[1] | ops[2] | ops[3], 0);
	/* malformed input is refused and changes nothing */
	ops[0] = 0x77;
	assert_int_equal(disc_parse_opmap("0x1 0x0 0x0", ops), -EINVAL);
	assert_int_equal(disc_parse_opmap("0x1 0x0 0x0 0x0 0x0", ops), -EINVAL);
	assert_int_equal(disc_parse_opmap("0x1 zz 0x0 0x0", ops), -EINVAL);
	assert_int_equal(disc_parse_opmap("0x1 0x10000000000000000 0x0 0x0", ops), -EINVAL);
	assert_int_equal(disc_parse_opmap("00000001,0000000g", ops), -EINVAL);
	assert_int_equal(disc_parse_opmap("000000001,00000000", ops), -EINVAL);
	assert_int_equal(disc_parse_opmap("1,2,3,4,5,6,7,8,9", ops), -EINVAL);
	assert_int_equal(disc_parse_opmap(",", ops), -EINVAL);
	assert_int_equal(ops[0], 0x77);
	assert_int_equal(disc_parse_bdf("0000:6a:01.0", &rid), 0);
	assert_int_equal(rid, 0x6a08);
	assert_int_equal(disc_parse_bdf("0000:6a:01.0x", &rid), -EINVAL);
	assert_int_equal(disc_parse_bdf("0000:6a:20.0", &rid), -EINVAL);
	make_config(cfg, true, 0x1404, 0x0005);
	/* what an unprivileged read of "config" gives */
	assert_int_equal(disc_parse_pasid_cap(cfg, 64, &w, &fl), -ENODATA);
	assert_int_equal(disc_parse_pasid_cap(cfg, 4096, &w, &fl), 0);
	assert_int_equal(w, 20);
	make_config(cfg, false, 0, 0);
	assert_int_equal(disc_parse_pasid_cap(cfg, 4096, &w, &fl), -ENOENT);
	/* a loop in the capability list ends */
	put32(cfg, 0x100, 0x0001 | 0x100u << 20);
	assert_int_equal(disc_parse_pasid_cap(cfg, 4096, &w, &fl), -ENOENT);
}

static void test_sim_discovery(void **state)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_SIM };
	struct pasid_ctx *ctx = NULL;
	struct seen s = { 0 };
	struct pci_seen ps = { 0 };

	(void)state;
	assert_int_equal(pasid_ctx_new(&o, &ctx), 0);
	assert_int_equal(chosen(ctx, NULL, &s), 8);
	for (int i = 0; i < s.n; i++)
		assert_true(s.e[i].flags & PASID_DEV_SIMULATED);
	assert_int_equal(entry(&s, "dsa0/wq0.1")->mode, PASID_WQ_DEDICATED);
	assert_int_equal(pasid_pci_discover(ctx, pci_collect, &ps), 0);
	assert_int_equal(ps.n, 5);
	for (int i = 0; i < ps.n; i++)
		assert_true(ps.p[i].flags & PASID_DEV_SIMULATED);
	pasid_ctx_unref(ctx);
}

/*
 * The real-device path (udev lookup, node, mmap, method choice, write(2)
 * submission) against the umockdev tree: the node is a plain file there, so
 * what write() submits can be read back. A sim context supplies the PASID.
 * Instructions are never executed here: only the choice is checked.
 */
static void test_real_path(void **state)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_SIM };
	struct pasid_ctx *ctx = NULL;
	struct pasid_wq *wq = NULL;
	struct pasid_wq_info in = { .size = sizeof(in) };
	static _Alignas(64) uint8_t desc[64];
	uint8_t back[64];
	char path[512];
	FILE *f;

	(void)state;
	need_mock();
	assert_int_equal(pasid_ctx_new(&o, &ctx), 0);
	/* umockdev makes no node files: plain files stand in for the char devices */
	snprintf(path, sizeof(path), "%s/dev", getenv("UMOCKDEV_DIR"));
	mkdir(path, 0755);
	for (int i = 0; i < 3; i++) {
		static const char *const nodes[] = { "dsa/wq0.0", "dsa/wq0.1", "iax/wq1.0" };

		snprintf(path, sizeof(path), "%s/dev/%.3s", getenv("UMOCKDEV_DIR"), nodes[i]);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/dev/%s", getenv("UMOCKDEV_DIR"), nodes[i]);
		f = fopen(path, "wb");
		assert_non_null(f);
		fclose(f);
	}

	/* nothing enabled by the kernel: write(2), and the reason says why */
	wq_cpu_override(true, PASID_CPU_KERNEL_VIEW);
	assert_int_equal(wq_open_as(ctx, "dsa0/wq0.0", 0, false, &wq), 0);
	assert_int_equal(pasid_wq_get_info(wq, &in), 0);
	print_message("%s: %s: %s\n", in.name, in.method_name, in.reason);
	assert_int_equal(in.method, PASID_WQ_METHOD_WRITE);
	assert_non_null(strstr(in.reason, "does not enable ENQCMD"));
	assert_false(in.flags & PASID_WQ_INFO_SIMULATED);
	assert_string_equal(in.devnode, "/dev/dsa/wq0.0");
	assert_int_equal(in.mode, PASID_WQ_SHARED);
	assert_int_equal(in.rid, 0x6a08);
	assert_true(in.pasid > 0);
	assert_int_equal(in.wq_size, 128);
	for (int i = 0; i < 64; i++)
		desc[i] = (uint8_t)(0xa0 + i);
	desc[4] = 0;	/* flags without CRAV: the pattern's completion address is not one */
	assert_int_equal(pasid_wq_submit(wq, desc), 0);
	pasid_wq_close(wq);
	snprintf(path, sizeof(path), "%s/dev/dsa/wq0.0", getenv("UMOCKDEV_DIR"));
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(back, 1, 64, f), 64);
	fclose(f);
	assert_memory_equal(back, desc, 64);

	/* forced write(2) */
	wq_cpu_override(true, PASID_CPU_KERNEL_VIEW | PASID_CPU_ENQCMD | PASID_CPU_CPUID_ENQCMD);
	assert_int_equal(wq_open_as(ctx, "wq0.0", PASID_WQ_OPEN_NO_MMAP, false, &wq), 0);
	assert_int_equal(pasid_wq_get_info(wq, &in), 0);
	assert_int_equal(in.method, PASID_WQ_METHOD_WRITE);
	assert_non_null(strstr(in.reason, "NO_MMAP"));
	pasid_wq_close(wq);
	/* the kernel enables ENQCMD and the portal maps: ENQCMD (not executed here) */
	assert_int_equal(wq_open_as(ctx, "/dev/dsa/wq0.0", 0, false, &wq), 0);
	assert_int_equal(pasid_wq_get_info(wq, &in), 0);
	assert_int_equal(in.method, PASID_WQ_METHOD_ENQCMD);
	pasid_wq_close(wq);
	/* dedicated: MOVDIR64B when offered (not executed), else write(2) */
	wq_cpu_override(true, PASID_CPU_KERNEL_VIEW | PASID_CPU_MOVDIR64B);
	assert_int_equal(wq_open_as(ctx, "dsa0/wq0.1", 0, false, &wq), 0);
	assert_int_equal(pasid_wq_get_info(wq, &in), 0);
	assert_int_equal(in.method, PASID_WQ_METHOD_MOVDIR64B);
	assert_int_equal(in.mode, PASID_WQ_DEDICATED);
	pasid_wq_close(wq);
	wq_cpu_override(true, PASID_CPU_KERNEL_VIEW);
	assert_int_equal(wq_open_as(ctx, "dsa0/wq0.1", 0, false, &wq), 0);
	assert_int_equal(pasid_wq_get_info(wq, &in), 0);
	assert_int_equal(in.method, PASID_WQ_METHOD_WRITE);
	assert_non_null(strstr(in.reason, "MOVDIR64B"));
	pasid_wq_close(wq);
	/* device with PASID off: no PASID, still opened */
	assert_int_equal(wq_open_as(ctx, "iax1/wq1.0", 0, false, &wq), 0);
	assert_int_equal(pasid_wq_get_info(wq, &in), 0);
	assert_int_equal(in.pasid, 0);
	assert_int_equal(in.cr_align, 64);
	pasid_wq_close(wq);
	/* what cannot be opened */
	assert_int_equal(wq_open_as(ctx, "dsa0/wq0.2", 0, false, &wq), -ENODEV);
	assert_non_null(strstr(pasid_ctx_last_error(ctx), "type kernel"));
	assert_int_equal(wq_open_as(ctx, "dsa0/wq0.3", 0, false, &wq), -ENODEV);
	assert_int_equal(wq_open_as(ctx, "dsa0/wq0.4", 0, false, &wq), -ENOENT);
	assert_non_null(strstr(pasid_ctx_last_error(ctx), "/dev/dsa/wq0.4"));
	assert_int_equal(wq_open_as(ctx, "dsa0/wq7.7", 0, false, &wq), -ENOENT);
	assert_int_equal(pasid_wq_sim_inject_fault(NULL, desc), -EINVAL);
	wq_cpu_override(false, 0);
	pasid_ctx_unref(ctx);
}


/* Choosing as runtimes do: name prefix, NUMA of the caller or a buffer, the new attributes. */
static void test_runtime_filters(void **state)
{
	struct pasid_wq_filter f;
	const struct pasid_wq_entry *e;
	struct seen s;
	uint8_t *touched, *untouched;

	(void)state;
	need_mock();
	memset(&s, 0, sizeof(s));
	assert_int_equal(chosen(NULL, NULL, &s), 2);
	e = entry(&s, "dsa0/wq0.1");
	assert_string_equal(e->wq_name, "dpdk_wq1");
	assert_string_equal(e->driver_name, "user");
	assert_int_equal(e->occupancy, 3);
	assert_int_equal(e->ats_disable, 0);
	assert_int_equal(e->prs_disable, 1);
	/* a 6.1-era WQ: no driver_name, no occupancy, no ats/prs attributes */
	e = entry(&s, "dsa0/wq0.0");
	assert_string_equal(e->wq_name, "app0");
	assert_string_equal(e->driver_name, "");
	assert_int_equal(e->occupancy, -1);
	assert_int_equal(e->ats_disable, -1);
	assert_int_equal(e->prs_disable, -1);

	pasid_wq_filter_init(&f);
	snprintf(f.name_prefix, sizeof(f.name_prefix), "dpdk_");
	memset(&s, 0, sizeof(s));
	assert_int_equal(chosen(NULL, &f, &s), 1);
	assert_string_equal(why(&s, "dsa0/wq0.1"), "");
	assert_string_equal(why(&s, "dsa0/wq0.0"), "name \"app0\" does not start with \"dpdk_\"");

	/* by operation and mode together: memmove on a dedicated WQ */
	pasid_wq_filter_init(&f);
	f.ops[0] = 1ull << 3;
	f.mode = PASID_WQ_DEDICATED;
	memset(&s, 0, sizeof(s));
	assert_int_equal(chosen(NULL, &f, &s), 1);
	assert_string_equal(why(&s, "dsa0/wq0.1"), "");

	/*
	 * The caller's node: the node this thread runs on. dsa0 is on node 0,
	 * iax1 on node 1 (but without PASID): on a one-node machine both dsa0
	 * WQs pass; on a bigger one, exactly those of the current node.
	 */
	{
		unsigned int cpu, node;

		assert_int_equal(getcpu(&cpu, &node), 0);
		pasid_wq_filter_init(&f);
		f.flags = PASID_WQ_FILTER_NUMA_CALLER;
		memset(&s, 0, sizeof(s));
		assert_int_equal(chosen(NULL, &f, &s), node == 0 ? 2 : 0);
	}
	/* a buffer's node: present pages have one, absent ones are an error */
	touched = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(touched != MAP_FAILED);
	touched[0] = 1;
	untouched = touched + 4096;
	pasid_wq_filter_init(&f);
	f.flags = PASID_WQ_FILTER_NUMA_BUFFER;
	f.numa_addr = (uintptr_t)touched;
	memset(&s, 0, sizeof(s));
	{
		int r = chosen(NULL, &f, &s);

		assert_true(r == 2 || r == 0);	/* 2 when the page is on node 0 */
		assert_int_equal(s.n, 6);
	}
	f.numa_addr = (uintptr_t)untouched;
	assert_int_equal(pasid_wq_discover(NULL, &f, collect, &s, NULL), -EFAULT);
	assert_non_null(strstr(pasid_strerror_last(), "not present"));
	munmap(touched, 8192);

	/* bad filters change nothing and say why */
	pasid_wq_filter_init(&f);
	f.flags = PASID_WQ_FILTER_NUMA_CALLER | PASID_WQ_FILTER_NUMA_BUFFER;
	assert_int_equal(pasid_wq_discover(NULL, &f, collect, &s, NULL), -EINVAL);
	pasid_wq_filter_init(&f);
	f.flags = PASID_WQ_FILTER_NUMA_CALLER;
	f.numa_node = 0;
	assert_int_equal(pasid_wq_discover(NULL, &f, collect, &s, NULL), -EINVAL);
	pasid_wq_filter_init(&f);
	f.flags = 1u << 20;
	assert_int_equal(pasid_wq_discover(NULL, &f, collect, &s, NULL), -EINVAL);
	assert_non_null(strstr(pasid_strerror_last(), "unknown"));
	pasid_wq_filter_init(&f);
	f.mode = 7;
	assert_int_equal(pasid_wq_discover(NULL, &f, collect, &s, NULL), -EINVAL);
	pasid_wq_filter_init(&f);
	f.size = 8;
	assert_int_equal(pasid_wq_discover(NULL, &f, collect, &s, NULL), -EINVAL);
	{
		/* a newer caller's larger filter: zero tail accepted, non-zero refused */
		struct { struct pasid_wq_filter f; uint64_t more; } big;

		memset(&big, 0, sizeof(big));
		pasid_wq_filter_init(&big.f);
		big.f.size = sizeof(big);
		memset(&s, 0, sizeof(s));
		assert_int_equal(chosen(NULL, &big.f, &s), 2);
		big.more = 1;
		assert_int_equal(pasid_wq_discover(NULL, &big.f, collect, &s, NULL), -E2BIG);
	}
}

static bool maps_contain(const char *what)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "re");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, what))
			found = true;
	fclose(f);
	return found;
}

/*
 * A runtime that only uses work queues: no context (idxd binds the process
 * on open), several descriptors in one write(), the portal and fd handed
 * over, batches refused with the reason, a WQ disabled under the handle.
 */
static void test_no_shim(void **state)
{
	static _Alignas(64) uint8_t descs[3][64], batch[64];
	static _Alignas(32) uint8_t cr[32];
	struct pasid_wq_info in = { .size = sizeof(in) };
	struct pasid_wq_portal po = { .size = sizeof(po) };
	struct pasid_wq *wq = NULL;
	uint8_t back[3 * 64];
	char path[512];
	FILE *f;

	(void)state;
	need_mock();
	wq_cpu_override(true, PASID_CPU_KERNEL_VIEW);
	assert_int_equal(pasid_wq_open(NULL, "dsa0/wq0.0", 0, &wq), 0);
	assert_int_equal(pasid_wq_get_info(wq, &in), 0);
	assert_true(in.flags & PASID_WQ_INFO_IDXD_ONLY);
	assert_false(in.flags & PASID_WQ_INFO_SIMULATED);
	assert_int_equal(in.pasid, 0);
	assert_int_equal(in.method, PASID_WQ_METHOD_WRITE);
	assert_true(in.fd >= 0);	/* for POLLIN error notification */

	/* three descriptors in one write(), in order */
	/* a fresh open writes the plain file that stands in for the node from its start */
	snprintf(path, sizeof(path), "%s/dev/dsa/wq0.0", getenv("UMOCKDEV_DIR"));
	for (int i = 0; i < 3; i++)
		memset(descs[i], 0x10 + i, 64);
	for (int i = 0; i < 3; i++)
		memset(descs[i] + 4, 0, 12);	/* no flags, no completion record */
	assert_int_equal(pasid_wq_submit_many(wq, descs, 3), 3);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(back, 1, sizeof(back), f), sizeof(back));
	fclose(f);
	assert_memory_equal(back, descs, sizeof(back));

	/* a misaligned completion record: refused before write(), as the sim does */
	descs[1][4] = 1u << 2;	/* CRAV */
	{
		uint64_t a = (uintptr_t)cr + 8;

		memcpy(descs[1] + 8, &a, 8);
	}
	assert_int_equal(pasid_wq_submit(wq, descs[1]), -EINVAL);
	assert_non_null(strstr(pasid_strerror_last(), "not 32-byte aligned"));
	/* the first goes in, the run stops at the bad one and says how many */
	assert_int_equal(pasid_wq_submit_many(wq, descs, 3), 1);
	memset(descs[1] + 4, 0, 12);

	/* write() WQ: no portal to hand over; no batch (op_cap lacks BATCH) */
	assert_int_equal(pasid_wq_get_portal(wq, &po), -EOPNOTSUPP);
	assert_false(in.flags & PASID_WQ_INFO_BATCH);
	assert_int_equal(pasid_wq_batch_prepare(wq, batch, descs, 3, cr), -EOPNOTSUPP);
	assert_non_null(strstr(pasid_strerror_last(), "op_cap"));

	/*
	 * the WQ disabled under the handle: an error with the state, not a
	 * timeout (waits of 20 ms: the state is read at most every 10 ms)
	 */
	memset(cr, 0, sizeof(cr));
	umockdev_testbed_set_attribute(tb, wq00_path, "state", "disabled");
	assert_int_equal(pasid_wq_wait(wq, cr, 20000000), -ENODEV);
	assert_non_null(strstr(pasid_strerror_last(), "disabled"));
	umockdev_testbed_set_attribute(tb, wq00_path, "state", "enabled");
	umockdev_testbed_set_attribute(tb, dsa0_path, "state", "halted");
	assert_int_equal(pasid_wq_wait(wq, cr, 20000000), -EIO);
	assert_non_null(strstr(pasid_strerror_last(), "halted"));
	umockdev_testbed_set_attribute(tb, dsa0_path, "state", "enabled");
	assert_int_equal(pasid_wq_wait(wq, cr, 20000000), -ETIMEDOUT);
	pasid_wq_close(wq);

	/* the portal mapped (ENQCMD offered): handed over with the fd */
	wq_cpu_override(true, PASID_CPU_KERNEL_VIEW | PASID_CPU_ENQCMD);
	assert_int_equal(pasid_wq_open(NULL, "dsa0/wq0.0", 0, &wq), 0);
	assert_int_equal(pasid_wq_get_portal(wq, &po), 0);
	assert_int_equal(po.size, sizeof(po));
	assert_int_equal(po.method, PASID_WQ_METHOD_ENQCMD);
	assert_non_null(po.portal);
	assert_true(po.fd >= 0);
	po.size = 4;	/* below the first version */
	assert_int_equal(pasid_wq_get_portal(wq, &po), -EINVAL);
	pasid_wq_close(wq);
	wq_cpu_override(false, 0);

	/* all of it without the kernel backend's or the sim topology's libraries */
	assert_false(maps_contain("libnl-"));
	assert_false(maps_contain("libjson-c"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_default_filter),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_opcap_before_6_3),
		cmocka_unit_test(test_find_and_stop),
		cmocka_unit_test(test_pci),
		cmocka_unit_test(test_sim_discovery),
		cmocka_unit_test(test_real_path),
		cmocka_unit_test(test_runtime_filters),
		cmocka_unit_test(test_no_shim),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
