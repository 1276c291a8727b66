// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * doctor_pci.c - the PASID, ATS and PRI state of each PCI function that has
 * a PASID capability, read from its config space (sysfs "config"; the
 * extended space beyond 256 bytes needs root).
 *
 * PCIe Base Specification, extended capabilities from offset 0x100, each
 * header: ID 15:0, version 19:16, next 31:20. PASID (ID 0x1b): capability
 * register at +4 (bit 1 execute, bit 2 privileged, 12:8 max PASID width),
 * control at +6 (bit 0 enable). ATS (0x0f): control at +6 (bit 15 enable).
 * PRI (0x13): control at +4 (bit 0 enable).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doctor.h"

#define EXT_PASID	0x1b
#define EXT_ATS		0x0f
#define EXT_PRI		0x13
#define MAX_FUNCS	4096	/* a large server has a few hundred */

struct fn_caps {
	int pasid, ats, pri;	/* offset of the capability, 0 if absent */
};

static uint16_t rd16(const uint8_t *c, size_t off)
{
	return (uint16_t)(c[off] | c[off + 1] << 8);
}

static void find_caps(const uint8_t *c, size_t len, struct fn_caps *f)
{
	size_t off = 0x100;
	unsigned int n = 0;

	memset(f, 0, sizeof(*f));
	while (off >= 0x100 && off + 8 <= len && n++ < 128) {
		uint32_t h = (uint32_t)rd16(c, off) | (uint32_t)rd16(c, off + 2) << 16;

		if (!h || h == 0xffffffffu)
			break;
		if ((h & 0xffff) == EXT_PASID)
			f->pasid = (int)off;
		else if ((h & 0xffff) == EXT_ATS)
			f->ats = (int)off;
		else if ((h & 0xffff) == EXT_PRI)
			f->pri = (int)off;
		off = h >> 20;
	}
}

/* The bound driver's name ("idxd"), "" if none. */
static void driver_of(struct doctor *d, const char *fn, char *buf, size_t len)
{
	char rel[512], path[4096], link[PATH_MAX];
	ssize_t n;

	buf[0] = '\0';
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/driver", fn);
	if (dr_path(d, rel, path, sizeof(path)))
		return;
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return;
	link[n] = '\0';
	if ((size_t)snprintf(buf, len, "%s", strrchr(link, '/') ? strrchr(link, '/') + 1 : link) >=
	    len)
		buf[0] = '\0';
}

static void check_fn(struct doctor *d, const char *fn, unsigned int *short_reads)
{
	static uint8_t cfg[4096];
	char rel[512], id[96], drv[64], state[300];
	struct fn_caps f;
	size_t n = 0;
	uint16_t cap, ctl;
	bool idxd, pasid_on, ats_on, pri_on;

	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/config", fn);
	if (dr_read_bin(d, rel, cfg, sizeof(cfg), &n) || n < 64)
		return;
	if (n <= 0x100) {
		(*short_reads)++;
		return;
	}
	find_caps(cfg, n, &f);
	if (!f.pasid)
		return;
	driver_of(d, fn, drv, sizeof(drv));
	idxd = !strcmp(drv, "idxd");
	cap = rd16(cfg, (size_t)f.pasid + 4);
	ctl = rd16(cfg, (size_t)f.pasid + 6);
	pasid_on = ctl & 1;
	ats_on = f.ats && (rd16(cfg, (size_t)f.ats + 6) & 0x8000);
	pri_on = f.pri && (rd16(cfg, (size_t)f.pri + 4) & 1);
	snprintf(id, sizeof(id), "pci.%s", fn);
	snprintf(state, sizeof(state), "%s%s%s: PASID %s (width %u%s%s), ATS %s, PRI %s", fn,
		 *drv ? " " : "", *drv ? drv : " (no driver)", pasid_on ? "enabled" : "disabled",
		 (cap >> 8) & 0x1f, cap & 2 ? ", exec" : "", cap & 4 ? ", priv" : "",
		 !f.ats ? "absent" : ats_on ? "enabled" : "disabled",
		 !f.pri ? "absent" : pri_on ? "enabled" : "disabled");
	if (idxd && !pasid_on)
		dr_report(d, DR_FAIL, id, 0,
			  "fix the IOMMU and SVA checks above, then reload idxd (it enables "
			  "PASID when SVA can work)",
			  "%s: idxd left PASID off: its user work queues get no PASID", state);
	else if (idxd && !ats_on)
		dr_report(d, DR_WARN, id, 0,
			  "check the IOMMU's device TLB support and dmesg for ATS errors",
			  "%s: without ATS every access is translated by the IOMMU (slower)",
			  state);
	else if (idxd && !pri_on)
		dr_report(d, DR_INFO, id, 0, NULL,
			  "%s; without PRI the device reports page faults in completion records "
			  "(block_on_fault=0) and the submitter continues them", state);
	else
		dr_report(d, pasid_on || !idxd ? DR_OK : DR_INFO, id, 0, NULL, "%s", state);
}

void dr_check_pci(struct doctor *d)
{
	char **names = calloc(MAX_FUNCS, sizeof(*names));
	unsigned int n = 0, i, short_reads = 0, before = d->nr[0] + d->nr[1] + d->nr[2] +
							 d->nr[3];

	dr_section(d, "PCI functions with a PASID capability");
	if (!names) {
		dr_report(d, DR_INFO, "pci.caps", 0, NULL, "out of memory");
		return;
	}
	n = dr_list_dir(d, "/sys/bus/pci/devices", names, MAX_FUNCS);
	for (i = 0; i < n; i++) {
		check_fn(d, names[i], &short_reads);
		free(names[i]);
	}
	free(names);
	if (d->nr[0] + d->nr[1] + d->nr[2] + d->nr[3] != before)
		return;
	if (short_reads)
		dr_report(d, DR_INFO, "pci.caps", 0, NULL,
			  "%u PCI functions show only 256 bytes of config space (the extended "
			  "space needs root, and PCIe): PASID/ATS/PRI not read", short_reads);
	else
		dr_report(d, DR_INFO, "pci.caps", 0, NULL,
			  "no PCI function with a PASID capability");
}
