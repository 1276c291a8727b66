// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bed2.c - real mode on real PASID-capable PCI functions (test bed 2).
 *
 * The guest has two PCIe endpoints served over vfio-user with ATS, PASID and
 * PRI capabilities of known widths (ktest.rids=RID:WIDTH,...), behind an
 * emulated VT-d in scalable mode. The module runs in real mode: its values
 * come from the kernel's iommu_alloc_global_pasid() (>= 6.6) or ioasid_alloc()
 * (6.1); both give the lowest free value, which the checks below rely on.
 *
 * Usage: pasid-ktest bed2 discover|limits|groups|coexist|drivers|unplug|death|qmp|probe RIDS
 *        pasid-ktest bed2 hold RIDS FILE
 *   probe  print the 64 values the kernel's allocator gives first, one per
 *          line, and give them back: two probes print the same lines iff
 *          the allocator holds the same values below them
 *   hold   hold 16 group values, write their count to FILE, wait for SIGKILL
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktest.h"

#define B2_MAX 4
#define PROBE_N 64

static uint32_t b2_rid[B2_MAX], b2_width[B2_MAX];
static int b2_n;
static uint32_t narrow, wide, wn, ww;	/* the narrowest and widest function */

static int parse_rids(const char *spec)
{
	char *s = strdup(spec), *p = s, *item;

	b2_n = 0;
	while ((item = strsep(&p, ",")) && b2_n < B2_MAX) {
		char *colon = strchr(item, ':');

		if (!colon)
			break;
		b2_rid[b2_n] = strtoul(item, NULL, 0);
		b2_width[b2_n] = strtoul(colon + 1, NULL, 0);
		b2_n++;
	}
	free(s);
	if (b2_n < 2)
		return -1;
	narrow = wide = b2_rid[0];
	wn = ww = b2_width[0];
	for (int i = 1; i < b2_n; i++) {
		if (b2_width[i] < wn) {
			wn = b2_width[i];
			narrow = b2_rid[i];
		}
		if (b2_width[i] > ww) {
			ww = b2_width[i];
			wide = b2_rid[i];
		}
	}
	return wn < ww ? 0 : -1;
}

static void sysfs_path(char *buf, size_t len, uint32_t rid, const char *leaf)
{
	snprintf(buf, len, "/sys/bus/pci/devices/%04x:%02x:%02x.%x/%s", rid >> 16,
		 (rid >> 8) & 0xff, (rid >> 3) & 0x1f, rid & 7, leaf);
}

/* 0, or -errno of the open or the write (a refused sysfs write's errno) */
static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), err = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0)
		err = -errno;
	else if (n != (ssize_t)strlen(s))
		err = -EIO;
	close(fd);
	return err;
}

/*
 * The function's PASID capability as the guest reads it from config space:
 * returns the Max PASID Width and sets *enabled to the PASID Enable bit
 * (set by the IOMMU driver), or -1 if there is no PASID capability.
 */
static int config_pasid(uint32_t rid, int *enabled, int *ats)
{
	unsigned char cfg[4096];
	char path[128];
	uint32_t off = 0x100, hdr;
	int fd, n, guard = 0;

	sysfs_path(path, sizeof(path), rid, "config");
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, cfg, sizeof(cfg));
	close(fd);
	if (n < 4096)
		return -1;
	*ats = 0;
	while (off >= 0x100 && off < 4096 && guard++ < 64) {
		memcpy(&hdr, cfg + off, 4);
		if ((hdr & 0xffff) == 0x000f)
			*ats = 1;
		if ((hdr & 0xffff) == 0x001b) {
			*enabled = cfg[off + 6] & 1;
			return (cfg[off + 5] & 0x1f);
		}
		off = hdr >> 20;
	}
	return -1;
}

static int dump_find(struct kt_alloc *a, int n, uint32_t v)
{
	for (int i = 0; i < n; i++)
		if (a[i].value == v)
			return i;
	return -1;
}

static int has_ev(const struct kt_event *ev, int n, uint32_t type, uint32_t value,
		  uint32_t rid)
{
	for (int i = 0; i < n; i++)
		if (ev[i].type == type && ev[i].value == value && ev[i].rid == rid &&
		    !ev[i].mock)
			return 1;
	return 0;
}

/* The RIDs the module found, with the widths the functions really have. */
static void test_discover(void)
{
	struct pasid_cmd_get_info info;
	struct kt_nl *nl = kt_nl_open();
	struct kt_rid r[16];
	int fd = kt_open(), n, i, j;
	uint32_t v = 0;

	for (i = 0; i < b2_n; i++) {
		int en = 0, ats = 0, w = config_pasid(b2_rid[i], &en, &ats);

		printf("# %#x: config space PASID width %d, enabled %d, ATS %d\n", b2_rid[i],
		       w, en, ats);
		KT_CHECK(w == (int)b2_width[i], "%#x: PASID capability width %d, want %u",
			 b2_rid[i], w, b2_width[i]);
		KT_CHECK(en, "%#x: the kernel did not enable PASID", b2_rid[i]);
		KT_CHECK(ats, "%#x: no ATS capability", b2_rid[i]);
	}
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_mode == PASID_MODE_REAL, "mode %u", info.out_mode);
	KT_CHECK(info.out_kernel_alloc == PASID_KALLOC_GLOBAL_IDA ||
		 info.out_kernel_alloc == PASID_KALLOC_IOASID, "kalloc %u",
		 info.out_kernel_alloc);
	KT_CHECK(info.out_nr_rids == (uint32_t)b2_n, "%u RIDs, want %d", info.out_nr_rids,
		 b2_n);
	KT_CHECK(info.out_min_width == wn, "min width %u, want %u", info.out_min_width, wn);
	n = nl ? kt_nl_rids(nl, r, 16) : -1;
	KT_CHECK(n == b2_n, "rid dump: %d entries, want %d", n, b2_n);
	for (i = 0; i < n; i++) {
		for (j = 0; j < b2_n && b2_rid[j] != r[i].rid; j++)
			;
		KT_CHECK(j < b2_n, "unexpected RID %#x", r[i].rid);
		if (j < b2_n)
			KT_CHECK(r[i].width == b2_width[j] && !r[i].mock,
				 "RID %#x: width %u mock %d, want width %u, real", r[i].rid,
				 r[i].width, r[i].mock, b2_width[j]);
	}
	/*
	 * >= 6.6: the mm has no PASID (only a driver's SVA bind creates one,
	 * and none can succeed on the emulated IOMMU), and the shim never
	 * binds on a device to make one: -ENODATA, before and with EXACT,
	 * and nothing held. 6.1's global (the mm's PASID) is tested by "real
	 * ioasid" on bed 1; taking one here would hold a value for the life
	 * of this mm (which a lazy-TLB reference can stretch) and shift the
	 * probes.
	 */
	if (info.out_kernel_alloc == PASID_KALLOC_GLOBAL_IDA) {
		KT_CHECK(info.out_mm_pasid == 0, "mm PASID %u before any bind",
			 info.out_mm_pasid);
		KT_ERR(kt_alloc_global(fd, 0, &v), -ENODATA);
		v = 1;
		KT_ERR(kt_alloc_global(fd, PASID_CMD_ALLOC_EXACT, &v), -ENODATA);
	}
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_nr_globals == 0 && info.out_nr_held == 0,
		 "after the refused global: globals %u held %u", info.out_nr_globals,
		 info.out_nr_held);
	kt_nl_close(nl);
	close(fd);
}

/*
 * Allocate on @rids until a value above @above comes (above >= 0) or the
 * allocation fails; store the values in @out. Return how many were stored,
 * *err the failure (0 if a value above @above came).
 */
static int fill(int fd, const uint32_t *rids, uint32_t n, int64_t above, uint32_t *out,
		int max, int *err)
{
	int i;

	for (i = 0; i < max; i++) {
		out[i] = 0;
		*err = kt_alloc_group(fd, rids, n, 0, &out[i]);
		if (*err)
			return i;
		if (above >= 0 && out[i] > above)
			return i + 1;
	}
	*err = -E2BIG;
	return i;
}

/* Group allocations on real RIDs of different widths. */
static void test_groups(void)
{
	static uint32_t hi[2048], lo[2048];
	struct pasid_cmd_get_info info;
	struct kt_nl *nl = kt_nl_open();
	struct kt_alloc *d = calloc(8, sizeof(*d));
	uint32_t both[2] = { narrow, wide }, a = 0, b = 0, c = 0, w, nmax = (1u << wn) - 1;
	int fd = kt_open(), n, i, nh, nl_, k, err;

	KT_OK(kt_alloc_group(fd, &narrow, 1, 0, &a));
	KT_OK(kt_alloc_group(fd, &wide, 1, 0, &b));
	KT_OK(kt_alloc_group(fd, both, 2, 0, &c));
	printf("# narrow %#x: %u; wide %#x: %u; both: %u\n", narrow, a, wide, b, c);
	KT_CHECK(a >= 1 && a <= nmax, "value %u on the %u-bit RID", a, wn);
	KT_CHECK(c >= 1 && c <= nmax, "value %u on a group with a %u-bit RID", c, wn);
	KT_CHECK(c != a && c != b && a != b, "groups sharing a RID got one value: %u %u %u",
		 a, b, c);
	/* EXTEND to the second function */
	KT_OK(kt_extend(fd, a, wide));
	KT_ERR(kt_extend(fd, a, wide), -EALREADY);
	n = nl ? kt_nl_allocs(nl, d, 8) : -1;
	KT_CHECK(n == 3, "dump: %d allocations", n);
	k = dump_find(d, n, a);
	KT_CHECK(k >= 0 && d[k].nr_rids == 2 && !d[k].mock, "extended group: %d rids",
		 k >= 0 ? (int)d[k].nr_rids : -1);
	/* values beyond the narrow width: refused on it */
	w = nmax + 1;
	KT_ERR(kt_alloc_group(fd, &narrow, 1, PASID_CMD_ALLOC_EXACT, &w), -ERANGE);
	w = nmax + 1;
	KT_ERR(kt_alloc_group(fd, both, 2, PASID_CMD_ALLOC_EXACT, &w), -ERANGE);

	/*
	 * A value above the narrow width on the wide function (the global IDA
	 * gives the lowest free value: only after the low ones are taken;
	 * 6.1's ranged lease can give one at once); it cannot EXTEND to the
	 * narrow function.
	 */
	nh = fill(fd, &wide, 1, nmax, hi, 2048, &err);
	KT_CHECK(!err && nh > 0 && hi[nh - 1] > nmax, "no value above %u after %d allocations "
		 "on the %u-bit RID: %d (%s)", nmax, nh, ww, err, strerror(-err));
	if (!err && nh > 0) {
		printf("# %d values on the wide RID, the last %u\n", nh, hi[nh - 1]);
		KT_ERR(kt_extend(fd, hi[nh - 1], narrow), -ERANGE);
	}
	/* the narrow function runs out: -ENOSPC, nothing changed */
	nl_ = fill(fd, &narrow, 1, -1, lo, 2048, &err);
	KT_ERR(err, -ENOSPC);
	for (i = 0; i < nl_; i++)
		KT_CHECK(lo[i] <= nmax, "value %u on the %u-bit RID", lo[i], wn);
	printf("# %d more values on the narrow RID before -ENOSPC\n", nl_);
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_nr_held == (uint32_t)(nh + nl_ + 3) &&
		 info.out_nr_groups == (uint32_t)(nh + nl_ + 3),
		 "held %u groups %u, want %d", info.out_nr_held, info.out_nr_groups, nh + nl_ + 3);
	for (i = 0; i < nh; i++)
		KT_OK(kt_free(fd, hi[i]));
	for (i = 0; i < nl_; i++)
		KT_OK(kt_free(fd, lo[i]));
	KT_OK(kt_free(fd, a));
	KT_OK(kt_free(fd, b));
	KT_OK(kt_free(fd, c));
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_nr_held == 0 && info.out_nr_groups == 0, "held %u groups %u",
		 info.out_nr_held, info.out_nr_groups);
	free(d);
	kt_nl_close(nl);
	close(fd);
}

/* Guest sysfs remove of the narrow function, then a rescan. */
static void test_unplug(void)
{
	struct kt_event ev[64];
	struct pasid_cmd_get_info info;
	struct kt_nl *nl = kt_nl_open(), *sub = kt_nl_open();
	struct kt_alloc *d = calloc(8, sizeof(*d));
	uint32_t both[2] = { narrow, wide }, a = 0, b = 0, c = 0, w;
	char path[128];
	int fd = kt_open(), n, k, en = 0, ats = 0, i;

	KT_OK(kt_alloc_group(fd, &narrow, 1, 0, &a));
	KT_OK(kt_alloc_group(fd, &wide, 1, 0, &b));
	KT_OK(kt_alloc_group(fd, both, 2, 0, &c));
	KT_OK(sub ? kt_nl_subscribe(sub) : -ENOMEM);
	sysfs_path(path, sizeof(path), narrow, "remove");
	KT_OK(write_str(path, "1"));
	sysfs_path(path, sizeof(path), narrow, "");
	KT_CHECK(access(path, F_OK) != 0, "%s still there after remove", path);
	n = sub ? kt_nl_events(sub, ev, 64, 1000) : -1;
	KT_CHECK(has_ev(ev, n, PASID_NL_EVENT_REVOKE, a, narrow), "no revoke event for %u", a);
	KT_CHECK(has_ev(ev, n, PASID_NL_EVENT_REVOKE, c, narrow), "no revoke event for %u", c);
	KT_CHECK(!has_ev(ev, n, PASID_NL_EVENT_REVOKE, b, narrow) &&
		 !has_ev(ev, n, PASID_NL_EVENT_REVOKE, b, wide), "revoke event for %u", b);
	KT_CHECK(has_ev(ev, n, PASID_NL_EVENT_RID_REMOVE, 0, narrow), "no RID remove event");
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_nr_rids == (uint32_t)b2_n - 1 && info.out_min_width > wn,
		 "after remove: %u RIDs, min width %u", info.out_nr_rids, info.out_min_width);
	/* the owner keeps its values; the groups no longer name the function */
	n = nl ? kt_nl_allocs(nl, d, 8) : -1;
	KT_CHECK(n == 3, "dump after remove: %d", n);
	k = dump_find(d, n, a);
	KT_CHECK(k >= 0 && d[k].nr_rids == 0, "group of the removed RID: %d RIDs",
		 k >= 0 ? (int)d[k].nr_rids : -1);
	k = dump_find(d, n, c);
	KT_CHECK(k >= 0 && d[k].nr_rids == 1 && d[k].rids[0] == wide,
		 "two-RID group after remove: %d RIDs", k >= 0 ? (int)d[k].nr_rids : -1);
	KT_ERR(kt_extend(fd, c, narrow), -ENODEV);
	w = 0;
	KT_ERR(kt_alloc_group(fd, &narrow, 1, 0, &w), -ENODEV);
	KT_OK(kt_free(fd, a));

	/* rescan: the function comes back with its width, PASID enabled again */
	KT_OK(write_str("/sys/bus/pci/rescan", "1"));
	for (i = 0, n = 0; i < 20 && !has_ev(ev, n, PASID_NL_EVENT_RID_ADD, 0, narrow); i++)
		n = kt_nl_events(sub, ev, 64, 100);
	KT_CHECK(has_ev(ev, n, PASID_NL_EVENT_RID_ADD, 0, narrow), "no RID add after rescan");
	KT_CHECK(config_pasid(narrow, &en, &ats) == (int)wn && en,
		 "after rescan: PASID width/enable wrong");
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_nr_rids == (uint32_t)b2_n && info.out_min_width == wn,
		 "after rescan: %u RIDs, min width %u", info.out_nr_rids, info.out_min_width);
	KT_OK(kt_extend(fd, c, narrow));
	KT_OK(kt_free(fd, b));
	KT_OK(kt_free(fd, c));
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_nr_held == 0, "held %u", info.out_nr_held);
	free(d);
	kt_nl_close(sub);
	kt_nl_close(nl);
	close(fd);
}

/*
 * A real PCIe hot-unplug of the wide function: the host (bed2/qmp-unplug.py)
 * sees the request on the console and sends QMP device_del for the device
 * whose id is "fn" and the function's bus number (bed2/suite.sh); the
 * guest's pciehp removes the function. Last test of a boot: it stays gone.
 */
static void test_qmp(void)
{
	struct kt_event ev[64];
	struct pasid_cmd_get_info info;
	struct kt_nl *nl = kt_nl_open(), *sub = kt_nl_open();
	struct kt_alloc *d = calloc(8, sizeof(*d));
	uint32_t both[2] = { narrow, wide }, a = 0, c = 0;
	char path[128];
	int fd = kt_open(), n = 0, k, i;

	KT_OK(kt_alloc_group(fd, &wide, 1, 0, &a));
	KT_OK(kt_alloc_group(fd, both, 2, 0, &c));
	KT_OK(sub ? kt_nl_subscribe(sub) : -ENOMEM);
	printf("KTEST-QMP-UNPLUG fn%u\n", (wide >> 8) & 0xff);
	fflush(stdout);
	for (i = 0; i < 60 && !has_ev(ev, n, PASID_NL_EVENT_RID_REMOVE, 0, wide); i++) {
		int got = kt_nl_events(sub, ev + n, 64 - n, 1000);

		if (got > 0)
			n += got;
	}
	printf("# RID %#x removed after about %d s\n", wide, i);
	KT_CHECK(has_ev(ev, n, PASID_NL_EVENT_RID_REMOVE, 0, wide), "no RID remove event "
		 "within 60 s of the unplug request");
	KT_CHECK(has_ev(ev, n, PASID_NL_EVENT_REVOKE, a, wide), "no revoke event for %u", a);
	KT_CHECK(has_ev(ev, n, PASID_NL_EVENT_REVOKE, c, wide), "no revoke event for %u", c);
	sysfs_path(path, sizeof(path), wide, "");
	KT_CHECK(access(path, F_OK) != 0, "%s still there after the unplug", path);
	n = nl ? kt_nl_allocs(nl, d, 8) : -1;
	KT_CHECK(n == 2, "dump after the unplug: %d", n);
	k = dump_find(d, n, a);
	KT_CHECK(k >= 0 && d[k].nr_rids == 0, "group of the unplugged RID: %d RIDs",
		 k >= 0 ? (int)d[k].nr_rids : -1);
	k = dump_find(d, n, c);
	KT_CHECK(k >= 0 && d[k].nr_rids == 1 && d[k].rids[0] == narrow,
		 "two-RID group after the unplug: %d RIDs", k >= 0 ? (int)d[k].nr_rids : -1);
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_nr_rids == (uint32_t)b2_n - 1, "%u RIDs after the unplug",
		 info.out_nr_rids);
	KT_OK(kt_free(fd, a));
	KT_OK(kt_free(fd, c));
	free(d);
	kt_nl_close(sub);
	kt_nl_close(nl);
	close(fd);
}

/* ---- coexistence with another user of the kernel's allocator ---------- */

#define COEX "/sys/module/pasid_coexist/parameters/"

/* The values pasid_coexist.ko holds, lowest first; their number or -1. */
static int coex_held(uint32_t *out, int max)
{
	char buf[16384], *p = buf, *end;
	int fd = open(COEX "held", O_RDONLY), n = 0;
	ssize_t len;

	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len < 0)
		return -1;
	buf[len] = '\0';
	for (;;) {
		unsigned long v = strtoul(p, &end, 10);

		if (end == p || n == max)
			break;
		out[n++] = v;
		p = end;
	}
	return n;
}

static int coex_take(int n)
{
	char s[16];

	snprintf(s, sizeof(s), "%d", n);
	return write_str(COEX "take", s);
}

static int in_set(const uint32_t *set, int n, uint32_t v)
{
	for (int i = 0; i < n; i++)
		if (set[i] == v)
			return 1;
	return 0;
}

/*
 * Every value the shim's file @fd holds (from the dump, this process's
 * allocations only: nothing else runs now).
 */
static int shim_values(struct kt_nl *nl, uint32_t *out, int max)
{
	struct kt_alloc *d = calloc(256, sizeof(*d));
	int n = nl && d ? kt_nl_allocs(nl, d, 256) : -1;

	for (int i = 0; i < n && i < max; i++)
		out[i] = d[i].value;
	free(d);
	return n;
}

/*
 * pasid_coexist.ko takes values from the same kernel allocator as the shim
 * (6.1: ioasid_alloc(); >= 6.6: iommu_alloc_global_pasid()) before, while
 * and after the shim allocates: neither ever gets a value the other holds.
 * EXACT requests on the other's values and on free ones get the true
 * answer. Values the shim gives back go back to the kernel.
 */
static void test_coexist(void)
{
	static uint32_t S[256], H[256];
	struct pasid_cmd_get_info info;
	struct kt_nl *nl = kt_nl_open();
	uint32_t both[2] = { narrow, wide }, v, top = 0, low;
	char dev[32];
	int fd = kt_open(), ns = 0, nh, i, st, ida;
	pid_t pid;

	KT_OK(kt_info(fd, &info));
	ida = info.out_kernel_alloc == PASID_KALLOC_GLOBAL_IDA;
	snprintf(dev, sizeof(dev), "%04x:%02x:%02x.%x", wide >> 16, (wide >> 8) & 0xff,
		 (wide >> 3) & 0x1f, wide & 7);
	KT_OK(write_str(COEX "dev", dev));
	/*
	 * On the narrow function (and on both): 6.1 leases a wide group's
	 * values above 255 first, which the helper (lowest first) would not
	 * reach; narrow values interleave with the helper's on every kernel.
	 */
	for (i = 0; i < 12; i++)
		KT_OK(kt_alloc_group(fd, i & 1 ? both : &narrow, i & 1 ? 2 : 1, 0, &S[ns++]));
	KT_OK(coex_take(12));
	/* the shim busy in this process while the helper takes in another */
	pid = fork();
	if (pid == 0) {
		int bad = 0;

		for (i = 0; i < 24; i++)
			bad |= coex_take(1) != 0;
		_exit(bad);
	}
	for (i = 0; i < 24; i++)
		KT_OK(kt_alloc_group(fd, i & 1 ? both : &narrow, i & 1 ? 2 : 1, 0, &S[ns++]));
	waitpid(pid, &st, 0);
	KT_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the helper failed to take a value");
	KT_OK(coex_take(12));
	nh = coex_held(H, 256);
	KT_CHECK(nh == 48, "the helper holds %d values, want 48", nh);
	KT_CHECK(shim_values(nl, S, 256) == ns, "the dump does not list the shim's %d values", ns);
	for (i = 0; i < nh; i++) {
		KT_CHECK(!in_set(S, ns, H[i]), "value %u held by the helper AND the shim", H[i]);
		KT_CHECK(!i || H[i] > H[i - 1], "the kernel gave %u twice", H[i]);
		top = H[i] > top ? H[i] : top;
	}
	for (i = 0; i < ns; i++) {
		KT_CHECK(!in_set(S, i, S[i]), "the shim holds %u twice", S[i]);
		top = S[i] > top ? S[i] : top;
	}
	printf("# shim %d values, helper %d, highest %u\n", ns, nh, top);
	KT_CHECK(top <= (1u << wn) - 1, "values above the narrow width: %u", top);

	/*
	 * Nothing was given back: everything below the lowest free value is
	 * held, so EXACT on a helper's value is -EBUSY on both allocators.
	 */
	v = H[nh - 1];
	KT_ERR(kt_alloc_group(fd, &narrow, 1, PASID_CMD_ALLOC_EXACT, &v), -EBUSY);
	/* give the helper's lowest back: now it is the kernel's lowest free */
	low = H[0];
	snprintf(dev, sizeof(dev), "%u", low);
	KT_OK(write_str(COEX "put", dev));
	/*
	 * A free value that is not the lowest free one: 6.1's ranged ioasid
	 * lease gives it; the global IDA cannot, and says so (-EOPNOTSUPP),
	 * never -EBUSY. The same for a held one above the lowest free: the
	 * IDA cannot tell it from a free one.
	 */
	v = top + 1;
	if (ida) {
		KT_ERR(kt_alloc_group(fd, &narrow, 1, PASID_CMD_ALLOC_EXACT, &v), -EOPNOTSUPP);
		v = H[nh - 1];
		KT_ERR(kt_alloc_group(fd, &narrow, 1, PASID_CMD_ALLOC_EXACT, &v), -EOPNOTSUPP);
	} else {
		KT_OK(kt_alloc_group(fd, &narrow, 1, PASID_CMD_ALLOC_EXACT, &v));
		KT_CHECK(v == top + 1, "EXACT %u gave %u", top + 1, v);
		KT_OK(kt_free(fd, v));
		v = H[nh - 1];
		KT_ERR(kt_alloc_group(fd, &narrow, 1, PASID_CMD_ALLOC_EXACT, &v), -EBUSY);
	}
	/* the lowest free one: the shim gets it, and the helper then cannot */
	v = low;
	KT_OK(kt_alloc_group(fd, &narrow, 1, PASID_CMD_ALLOC_EXACT, &v));
	KT_OK(coex_take(1));
	nh = coex_held(H, 256);
	KT_CHECK(nh == 48 && !in_set(H, nh, low), "the helper got %u, which the shim holds", low);
	/* the shim gives everything back: the kernel hands its lowest out again */
	S[ns++] = low;
	for (i = 0; i < ns; i++)
		KT_OK(kt_free(fd, S[i]));
	low = S[0];
	for (i = 1; i < ns; i++)
		low = S[i] < low ? S[i] : low;
	KT_OK(coex_take(1));
	nh = coex_held(H, 256);
	KT_CHECK(nh == 49 && in_set(H, nh, low), "after the shim freed everything the helper "
		 "did not get %u, the lowest value the shim gave back", low);
	KT_OK(write_str(COEX "put", "0"));
	KT_CHECK(coex_held(H, 256) == 0, "the helper still holds values");
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_nr_held == 0, "held %u", info.out_nr_held);
	kt_nl_close(nl);
	close(fd);
}

/* ---- the ownership rule: ATTACH binds only where an admin allowed it --- */

#define PARAM "/sys/module/pasid/parameters/"

static int bind_driver(uint32_t rid, const char *drv)
{
	char path[128], name[32];
	int err;

	snprintf(name, sizeof(name), "%04x:%02x:%02x.%x", rid >> 16, (rid >> 8) & 0xff,
		 (rid >> 3) & 0x1f, rid & 7);
	sysfs_path(path, sizeof(path), rid, "driver_override");
	err = write_str(path, drv ? drv : "\n");
	if (err || !drv)
		return err;
	return write_str("/sys/bus/pci/drivers_probe", name);
}

static int unbind_driver(uint32_t rid)
{
	char path[128], name[32];

	snprintf(name, sizeof(name), "%04x:%02x:%02x.%x", rid >> 16, (rid >> 8) & 0xff,
		 (rid >> 3) & 0x1f, rid & 7);
	sysfs_path(path, sizeof(path), rid, "driver/unbind");
	return write_str(path, name);
}

/* The name of the driver bound to @rid, "" if none. */
static void driver_of(uint32_t rid, char *out, size_t len)
{
	char path[128], link[256];
	ssize_t n;

	sysfs_path(path, sizeof(path), rid, "driver");
	n = readlink(path, link, sizeof(link) - 1);
	out[0] = '\0';
	if (n > 0) {
		const char *base;

		link[n] = '\0';
		base = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
		if (strlen(base) < len)
			memcpy(out, base, strlen(base) + 1);
	}
}

static void read_str(const char *path, char *out, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, out, len - 1) : -1;

	out[n > 0 ? n : 0] = '\0';
	if (n > 0 && out[n - 1] == '\n')
		out[n - 1] = '\0';
	if (fd >= 0)
		close(fd);
}

/* Lines of the kernel log that contain @what. */
static int dmesg_count(const char *what)
{
	char cmd[160];
	FILE *f;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "dmesg | grep -c '%s'", what);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	pclose(f);
	return n;
}

/*
 * The shim SVA-binds only on a function whose driver is listed in
 * sva_drivers and does not manage DMA ownership itself (vfio-pci,
 * pci-stub); every other ATTACH is -EACCES before anything is tried. A
 * driver bind or unbind leaves the groups naming the function as they are.
 */
static void test_drivers(void)
{
	struct pasid_cmd_get_info info;
	struct kt_nl *nl = kt_nl_open();
	struct kt_alloc *d = calloc(8, sizeof(*d));
	uint32_t both[2] = { narrow, wide }, a = 0, c = 0;
	char drv[64], param[256];
	int fd = kt_open(), n, k;

	KT_OK(kt_alloc_group(fd, &wide, 1, 0, &a));
	KT_OK(kt_alloc_group(fd, both, 2, 0, &c));
	read_str(PARAM "sva_drivers", param, sizeof(param));
	KT_CHECK(!strcmp(param, ""), "sva_drivers is \"%s\" by default, want empty", param);
	/* no driver; a user repeating a refused call cannot flood the log */
	driver_of(wide, drv, sizeof(drv));
	KT_CHECK(!strcmp(drv, ""), "function %#x has driver %s", wide, drv);
	n = dmesg_count("ATTACH refused");
	for (k = 0; k < 300; k++)
		KT_ERR(kt_attach(fd, a, wide), -EACCES);
	k = dmesg_count("ATTACH refused");
	printf("# 300 refused ATTACHs logged %d lines\n", k - n);
	/* the default ratelimit: 10 lines per 5 s; the loop may straddle two */
	KT_CHECK(n >= 0 && k > n && k - n <= 20, "300 refused ATTACHs logged %d lines "
		 "(want 1..20: rate-limited)", k - n);
	/* an ordinary driver, not listed */
	KT_OK(bind_driver(wide, "pasid_ktest_drv"));
	driver_of(wide, drv, sizeof(drv));
	KT_CHECK(!strcmp(drv, "pasid_ktest_drv"), "driver %s after the bind", drv);
	KT_ERR(kt_attach(fd, a, wide), -EACCES);
	/* listed: the rule lets it through (a group value cannot be bound) */
	KT_OK(write_str(PARAM "sva_drivers", "idxd,pasid_ktest_drv"));
	read_str(PARAM "sva_drivers", param, sizeof(param));
	KT_CHECK(!strcmp(param, "idxd,pasid_ktest_drv"), "sva_drivers reads \"%s\"", param);
	KT_ERR(kt_attach(fd, a, wide), -EOPNOTSUPP);
	KT_ERR(kt_attach(fd, c, wide), -EOPNOTSUPP);
	/* the narrow function has no driver: still refused */
	KT_ERR(kt_attach(fd, c, narrow), -EACCES);
	/* unbound again: refused again; the groups still name the function */
	KT_OK(unbind_driver(wide));
	driver_of(wide, drv, sizeof(drv));
	KT_CHECK(!strcmp(drv, ""), "driver %s after the unbind", drv);
	KT_ERR(kt_attach(fd, a, wide), -EACCES);
	/* a driver that manages DMA ownership itself (as vfio-pci): never */
	KT_OK(write_str(PARAM "sva_drivers", "pasid_ktest_drv,pasid_ktest_dma,vfio-pci"));
	KT_OK(bind_driver(wide, "pasid_ktest_dma"));
	driver_of(wide, drv, sizeof(drv));
	KT_CHECK(!strcmp(drv, "pasid_ktest_dma"), "driver %s after the bind", drv);
	KT_ERR(kt_attach(fd, a, wide), -EACCES);
	KT_OK(unbind_driver(wide));
	KT_OK(bind_driver(wide, NULL));
	n = nl ? kt_nl_allocs(nl, d, 8) : -1;
	KT_CHECK(n == 2, "dump after the driver changes: %d", n);
	k = dump_find(d, n, a);
	KT_CHECK(k >= 0 && d[k].nr_rids == 1 && d[k].rids[0] == wide,
		 "group %u after the driver changes: %d RIDs", a, k >= 0 ? (int)d[k].nr_rids : -1);
	k = dump_find(d, n, c);
	KT_CHECK(k >= 0 && d[k].nr_rids == 2, "group %u after the driver changes: %d RIDs", c,
		 k >= 0 ? (int)d[k].nr_rids : -1);
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_nr_rids == (uint32_t)b2_n, "%u RIDs after the driver changes",
		 info.out_nr_rids);
	/* the parameter is bounded; a refused write changes nothing */
	KT_ERR(write_str(PARAM "sva_drivers", "a,b,c,d,e,f,g,h,i"), -EINVAL);
	KT_ERR(write_str(PARAM "sva_drivers", "abcdefghijklmnopqrstuvwxyz0123456"), -EINVAL);
	KT_ERR(write_str(PARAM "sva_drivers", "idxd;rm"), -EINVAL);
	read_str(PARAM "sva_drivers", param, sizeof(param));
	KT_CHECK(!strcmp(param, "pasid_ktest_drv,pasid_ktest_dma,vfio-pci"),
		 "sva_drivers changed by a refused write: \"%s\"", param);
	KT_OK(write_str(PARAM "sva_drivers", ""));
	KT_OK(kt_free(fd, a));
	KT_OK(kt_free(fd, c));
	free(d);
	kt_nl_close(nl);
	close(fd);
}

/* ---- conserving the kernel's space: the default limits ----------------- */

static void test_limits(void)
{
	static uint32_t v[80];
	struct pasid_cmd_get_info info;
	char param[64];
	int fd = kt_open(), fd2 = kt_open(), i, n = 0, err = 0;

	read_str(PARAM "max_pasids_per_user", param, sizeof(param));
	KT_CHECK(!strcmp(param, "64"), "max_pasids_per_user %s by default, want 64", param);
	read_str(PARAM "max_pasids_total", param, sizeof(param));
	KT_CHECK(!strcmp(param, "1024"), "max_pasids_total %s by default, want 1024", param);
	/* one user, two files: 64 in all, then -EDQUOT */
	for (i = 0; i < 80 && !err; i++) {
		v[n] = 0;
		err = kt_alloc_group(i & 1 ? fd2 : fd, &wide, 1, 0, &v[n]);
		n += !err;
	}
	KT_ERR(err, -EDQUOT);
	KT_CHECK(n == 64, "%d values before -EDQUOT, want 64", n);
	close(fd2);
	close(fd);
	/* the shim-wide cap: values held from the kernel, whoever asks */
	fd = kt_open();
	KT_OK(write_str(PARAM "max_pasids_per_user", "0"));
	KT_OK(write_str(PARAM "max_pasids_total", "10"));
	for (i = 0, n = 0, err = 0; i < 20 && !err; i++) {
		v[n] = 0;
		err = kt_alloc_group(fd, i & 1 ? &narrow : &wide, 1, 0, &v[n]);
		n += !err;
	}
	KT_ERR(err, -EDQUOT);
	KT_CHECK(n == 10, "%d values before the cap's -EDQUOT, want 10", n);
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_nr_held == 10, "held %u at the cap", info.out_nr_held);
	/* a fresh value (a held one could be reused on a disjoint group) */
	v[n] = 200;
	KT_ERR(kt_alloc_group(fd, &narrow, 1, PASID_CMD_ALLOC_EXACT, &v[n]), -EDQUOT);
	KT_ERR(write_str(PARAM "max_pasids_total", "0"), -EINVAL);
	KT_ERR(write_str(PARAM "max_pasids_total", "1048577"), -EINVAL);
	read_str(PARAM "max_pasids_total", param, sizeof(param));
	KT_CHECK(!strcmp(param, "10"), "max_pasids_total %s after refused writes", param);
	KT_OK(write_str(PARAM "max_pasids_total", "1024"));
	KT_OK(write_str(PARAM "max_pasids_per_user", "64"));
	close(fd);
}

/* The lowest PROBE_N values the kernel's allocator gives now, given back. */
static int probe(uint32_t *out)
{
	int fd = kt_open(), i, err = 0;

	for (i = 0; i < PROBE_N && !err; i++) {
		out[i] = 0;
		err = kt_alloc_group(fd, &wide, 1, 0, &out[i]);
	}
	close(fd);		/* close gives every value back */
	return err;
}

/* A process killed with values held gives every one back to the kernel. */
static void test_death(void)
{
	struct pasid_cmd_get_info info;
	uint32_t before[PROBE_N], after[PROBE_N];
	int fd = kt_open(), p[2], st, i, cnt = -1;
	pid_t pid;

	KT_OK(probe(before));
	if (pipe(p))
		abort();
	pid = fork();
	if (pid == 0) {
		uint32_t both[2] = { narrow, wide };
		int cfd = kt_open(), got = 0;

		for (i = 0; i < 20; i++) {
			uint32_t v = 0;

			got += !kt_alloc_group(cfd, i & 1 ? both : &wide, i & 1 ? 2 : 1, 0, &v);
		}
		if (write(p[1], &got, sizeof(got)) != sizeof(got))
			_exit(3);
		pause();
		_exit(0);
	}
	if (read(p[0], &cnt, sizeof(cnt)) != sizeof(cnt))
		cnt = -1;
	KT_CHECK(cnt == 20, "child allocated %d of 20", cnt);
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_nr_held == 20 && info.out_nr_owners == 2, "held %u owners %u",
		 info.out_nr_held, info.out_nr_owners);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_nr_held == 0 && info.out_nr_groups == 0 && info.out_nr_owners == 1,
		 "after SIGKILL: held %u groups %u owners %u", info.out_nr_held,
		 info.out_nr_groups, info.out_nr_owners);
	KT_OK(probe(after));
	for (i = 0; i < PROBE_N; i++)
		KT_CHECK(before[i] == after[i], "kernel allocator changed: value %d is %u, was %u",
			 i, after[i], before[i]);
	close(p[0]);
	close(p[1]);
	close(fd);
}

static void hold(const char *file)
{
	int fd = kt_open(), i, got = 0;
	FILE *f;

	for (i = 0; i < 16; i++) {
		uint32_t v = 0;

		got += !kt_alloc_group(fd, i & 1 ? &narrow : &wide, 1, 0, &v);
	}
	f = fopen(file, "w");
	if (!f)
		exit(1);
	fprintf(f, "%d\n", got);
	fclose(f);
	for (;;)
		pause();
}

int kt_bed2(int argc, char **argv)
{
	uint32_t vals[PROBE_N];

	if (argc < 3 || parse_rids(argv[2])) {
		KT_CHECK(0, "usage: bed2 discover|limits|groups|coexist|drivers|unplug|death|qmp|probe|hold "
			 "RID:WIDTH,RID:WIDTH[,...] (two widths at least)");
		return 1;
	}
	if (!strcmp(argv[1], "discover")) {
		test_discover();
	} else if (!strcmp(argv[1], "groups")) {
		test_groups();
	} else if (!strcmp(argv[1], "unplug")) {
		test_unplug();
	} else if (!strcmp(argv[1], "qmp")) {
		test_qmp();
	} else if (!strcmp(argv[1], "coexist")) {
		test_coexist();
	} else if (!strcmp(argv[1], "drivers")) {
		test_drivers();
	} else if (!strcmp(argv[1], "limits")) {
		test_limits();
	} else if (!strcmp(argv[1], "death")) {
		test_death();
	} else if (!strcmp(argv[1], "probe")) {
		KT_OK(probe(vals));
		for (int i = 0; i < PROBE_N; i++)
			printf("%u\n", vals[i]);
	} else if (!strcmp(argv[1], "hold") && argc > 3) {
		hold(argv[3]);
	} else {
		KT_CHECK(0, "unknown bed2 test %s", argv[1]);
	}
	return 0;
}
