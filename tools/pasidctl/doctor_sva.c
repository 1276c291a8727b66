// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * doctor_sva.c - does the running kernel allow SVA on x86 at all, and does
 * idxd use it: the upstream version, the stable changes that turn SVA off
 * or narrow it, and idxd's "sva" module parameter.
 *
 * What the kernels do (Linux sources):
 * - "iommu: disable SVA when CONFIG_X86 is set" (upstream 72f98ef9a4be,
 *   the first patch of the series "Fix stale IOTLB entries for kernel
 *   address space"): iommu_sva_bind_device() returns -EOPNOTSUPP on x86.
 *   The series' last patch re-enables SVA and makes x86 select
 *   CONFIG_ASYNC_KERNEL_PGTABLE_FREE (arch/x86/Kconfig), so a kernel whose
 *   config has that option carries the whole fix. Debian's bookworm-backports
 *   6.12.95 carries the first patch alone (every SVA bind fails); 6.12.117
 *   carries the whole series.
 * - "iommu/vt-d: Disallow SVA if page walk is not coherent": 7.x and
 *   6.12.117 refuse SVA on a VT-d unit without ecap SMPWC (bit 48).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"

#define ECAP_SMPWC	(1ull << 48)

/* The upstream version: "Debian 6.1.76-1" in /proc/version, else osrelease. */
void dr_kernel_version(struct doctor *d)
{
	char text[1024], *p;
	unsigned int a = 0, b = 0, c = 0;

	if (!dr_read(d, "/proc/version", text, sizeof(text)) &&
	    (p = strstr(text, " Debian ")) && sscanf(p + 8, "%u.%u.%u", &a, &b, &c) >= 2) {
		d->kmaj = a, d->kmin = b, d->ksub = c;
		return;
	}
	if (!dr_read(d, "/proc/sys/kernel/osrelease", text, sizeof(text)) &&
	    sscanf(text, "%u.%u.%u", &a, &b, &c) >= 2)
		d->kmaj = a, d->kmin = b, d->ksub = c;
}

void dr_check_sva(struct doctor *d)
{
	char where[300], val[16], *cfg = NULL;
	bool async = false;

	dr_section(d, "SVA (user PASIDs need the kernel to bind address spaces)");
	if (!dr_load_config(d, &cfg, where, sizeof(where)))
		async = dr_config_value(cfg, "CONFIG_ASYNC_KERNEL_PGTABLE_FREE", val,
					sizeof(val))[0] == 'y';
	free(cfg);
	d->sva_needs_smpwc = d->kmaj >= 7 ||
			     (d->kmaj == 6 && d->kmin == 12 && d->ksub >= 117);
	if (!d->kmaj) {
		dr_report(d, DR_INFO, "kernel.sva", 0, NULL,
			  "kernel version unreadable: SVA on x86 not judged");
	} else if (d->kmaj == 6 && d->kmin == 12 && d->ksub >= 95 && d->ksub < 117 && !async) {
		dr_report(d, DR_FAIL, "kernel.sva", DR_P_ALL,
			  "boot a kernel with the whole fix: 6.12.117 or later (Debian 13), 7.x, or "
			  "Debian 12's 6.1",
			  "Linux %u.%u.%u turns SVA off on x86 (stable change \"iommu: disable SVA "
			  "when CONFIG_X86 is set\" without the rest of its series): every SVA bind "
			  "fails with EOPNOTSUPP, so no device gets a user PASID",
			  d->kmaj, d->kmin, d->ksub);
	} else {
		dr_report(d, DR_OK, "kernel.sva", 0, NULL,
			  "Linux %u.%u.%u allows SVA on x86%s%s", d->kmaj, d->kmin, d->ksub,
			  async ? " (kernel page-table frees flush the IOMMU: "
				  "ASYNC_KERNEL_PGTABLE_FREE)" : "",
			  d->sva_needs_smpwc ? "; it requires page-walk-coherent IOMMUs "
					       "(ecap SMPWC)" : "");
	}
}

/* A kernel that requires SMPWC refuses SVA on @unit without it. */
bool dr_smpwc_refused(struct doctor *d, const char *unit, unsigned long long ecap)
{
	char id[64];

	if (!d->sva_needs_smpwc || (ecap & ECAP_SMPWC))
		return false;
	snprintf(id, sizeof(id), "iommu.%s", unit);
	dr_report(d, DR_FAIL, id, DR_P_ALL,
		  d->vm ? "give the VM a vIOMMU that reports page-walk coherency (QEMU's "
			  "VT-d does not), or boot a kernel before the check (6.1)"
			: "this IOMMU cannot serve SVA on this kernel; boot 6.1 or a kernel "
			  "before the check",
		  "%s: page walks are not coherent (ecap %llx: SMPWC bit 48 clear) and Linux "
		  "%u.%u refuses SVA on such a unit (\"iommu/vt-d: Disallow SVA if page walk "
		  "is not coherent\"): no user PASIDs", unit, ecap, d->kmaj, d->kmin);
	return true;
}

void dr_check_idxd(struct doctor *d)
{
	char sva[16];

	dr_section(d, "idxd (the DSA/IAA driver)");
	if (!dr_exists(d, "/sys/module/idxd")) {
		dr_report(d, DR_INFO, "idxd.module", 0, NULL,
			  "idxd is not loaded (no /sys/module/idxd): devices are checked below");
		return;
	}
	if (dr_read(d, "/sys/module/idxd/parameters/sva", sva, sizeof(sva))) {
		dr_report(d, DR_INFO, "idxd.sva", 0, NULL,
			  "idxd loaded; its sva parameter is unreadable");
	} else if (*sva == 'N' || *sva == '0') {
		dr_report(d, DR_FAIL, "idxd.sva", DR_P_ALL,
			  "reload idxd with SVA: modprobe -r idxd; modprobe idxd sva=1 (and "
			  "remove idxd.sva=0 or sva=0 from the kernel command line and "
			  "/etc/modprobe.d)",
			  "idxd was loaded with sva=N: it enables no PASID on its devices, so "
			  "user work queues cannot be used");
	} else {
		dr_report(d, DR_OK, "idxd.sva", 0, NULL,
			  "idxd loaded with sva=Y (user PASIDs where the IOMMU allows them)");
	}
}
