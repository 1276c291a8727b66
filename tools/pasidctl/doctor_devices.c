// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * doctor_devices.c - the pasid.ko shim (module, mode, /dev/pasid access),
 * DSA/IAA devices from libpasid's discovery, and CAP_SYS_RAWIO.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doctor.h"

void dr_check_shim(struct doctor *d)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_KERNEL };
	struct pasid_ctx *ctx = NULL;
	char mock[16] = "", dev[4096];
	bool loaded = dr_exists(d, "/sys/module/pasid");
	int err;

	dr_section(d, "pasid.ko shim (libpasid's kernel backend)");
	if (!loaded) {
		dr_report(d, DR_WARN, "shim.module", false,
			  "modprobe pasid (install the pasid-dkms package first); or try libpasid "
			  "on the SIMULATED platform: pasidctl --sim demo",
			  "pasid.ko is not loaded: libpasid's kernel backend gives ENODEV");
	} else {
		dr_read(d, "/sys/module/pasid/parameters/mock", mock, sizeof(mock));
		dr_report(d, DR_OK, "shim.module", false, NULL, "pasid.ko loaded, %s mode",
			  *mock == 'Y' || *mock == '1' ? "mock (test RIDs only)" : "real");
	}
	dr_path(d, "/dev/pasid", dev, sizeof(dev));
	if (access(dev, F_OK)) {
		dr_report(d, loaded ? DR_FAIL : DR_INFO, "shim.node", false,
			  loaded ? "check udev (70-pasid.rules) and dmesg" : NULL,
			  "/dev/pasid does not exist%s",
			  loaded ? " although pasid.ko is loaded" : "");
	} else if (access(dev, R_OK | W_OK)) {
		dr_report(d, DR_WARN, "shim.node", false,
			  "pasidctl grant --group pasid --install; then usermod -aG pasid $USER "
			  "and log in again",
			  "/dev/pasid exists but this user may not open it (%s)", strerror(errno));
	} else {
		dr_report(d, DR_OK, "shim.node", false, NULL,
			  "/dev/pasid: read/write for this user");
	}
	if (*d->root || !loaded)
		return;	/* the library opens the real /dev/pasid only */
	err = pasid_ctx_new(&o, &ctx);
	if (err)
		dr_report(d, DR_WARN, "shim.open", false, NULL, "libpasid cannot use it: %s",
			  pasid_strerror_last());
	else
		dr_report(d, DR_OK, "shim.open", false, NULL, "libpasid %s: backend %s",
			  pasid_version(), pasid_ctx_backend_name(ctx));
	if (!err)
		dr_report_shim_info(d, ctx);
	pasid_ctx_unref(ctx);
}

/* What the shim says of itself: ABI, where values come from, global intent. */
void dr_report_shim_info(struct doctor *d, struct pasid_ctx *ctx)
{
	struct pasid_ctx_info info = { .size = sizeof(info) };

	if (pasid_ctx_get_info(ctx, &info)) {
		dr_report(d, DR_WARN, "shim.info", false, NULL, "the shim does not describe itself: %s",
			  pasid_ctx_last_error(ctx));
		return;
	}
	dr_report(d, DR_OK, "shim.info", false, NULL,
		  "ABI %u, values from %s, %u RIDs, narrowest width %u", info.abi_version,
		  info.source, info.nr_rids, info.min_width);
	if (info.flags & PASID_CTX_INFO_GLOBAL_OK)
		dr_report(d, DR_OK, "shim.global", false, NULL,
			  "a global ENQCMD PASID can be allocated (below %u)", 1u << info.min_width);
	else
		dr_report(d, DR_WARN, "shim.global", false,
			  "the kernel needs a PASID-capable device behind an SVA-capable IOMMU",
			  "the global ENQCMD intent cannot succeed on this kernel now");
}

/* ---- DSA/IAA ---------------------------------------------------------------- */

#define MAX_DEVS 64

struct devsum {
	char name[32];
	bool pasid;
	unsigned int wqs, usable_shared, usable_dedicated, no_access;
	char first_reason[160];
	char node_denied[64];
};

struct devscan {
	struct devsum dev[MAX_DEVS];
	unsigned int n;
};

static int wq_cb(const struct pasid_wq_entry *wq, const char *reason, void *data)
{
	struct devscan *s = data;
	struct devsum *ds = NULL;
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->dev[i].name, wq->device))
			ds = &s->dev[i];
	if (!ds) {
		if (s->n == MAX_DEVS)
			return 0;
		ds = &s->dev[s->n++];
		memset(ds, 0, sizeof(*ds));
		snprintf(ds->name, sizeof(ds->name), "%s", wq->device);
	}
	ds->wqs++;
	ds->pasid = wq->flags & PASID_DEV_PASID_ENABLED;
	if (reason) {
		if (!*ds->first_reason)
			snprintf(ds->first_reason, sizeof(ds->first_reason), "%s: %s", wq->name,
				 reason);
		return 0;
	}
	if (!(wq->flags & PASID_DEV_NO_NODE) && access(wq->devnode, R_OK | W_OK)) {
		ds->no_access++;
		snprintf(ds->node_denied, sizeof(ds->node_denied), "%s", wq->devnode);
	}
	if (wq->mode == PASID_WQ_SHARED)
		ds->usable_shared++;
	else
		ds->usable_dedicated++;
	return 0;
}

static int cmp_dev(const void *a, const void *b)
{
	return strcmp(((const struct devsum *)a)->name, ((const struct devsum *)b)->name);
}

void dr_check_devices(struct doctor *d)
{
	struct devscan *s = calloc(1, sizeof(*s));
	unsigned int i, shared = 0;
	char id[64];
	int err;

	dr_section(d, "DSA/IAA devices");
	if (!s) {
		dr_report(d, DR_FAIL, "dsa.scan", false, NULL, "out of memory");
		return;
	}
	err = pasid_wq_discover(NULL, NULL, wq_cb, s, NULL);
	if (err < 0) {
		dr_report(d, DR_FAIL, "dsa.scan", true, NULL, "discovery failed: %s",
			  strerror(-err));
		free(s);
		return;
	}
	if (!s->n) {
		dr_report(d, DR_FAIL, "dsa.devices", true,
			  "on Sapphire Rapids or later: modprobe idxd, then configure a user WQ "
			  "(accel-config); in a VM: pass a DSA through or use pasidctl --sim",
			  "no DSA/IAA device (no udev devices in subsystems dsa/iax)");
		free(s);
		return;
	}
	qsort(s->dev, s->n, sizeof(s->dev[0]), cmp_dev);
	for (i = 0; i < s->n; i++) {
		struct devsum *ds = &s->dev[i];

		snprintf(id, sizeof(id), "dsa.%s", ds->name);
		shared += ds->usable_shared;
		if (!ds->pasid)
			dr_report(d, DR_FAIL, id, false,
				  "fix the IOMMU checks above (scalable mode with PASID), then "
				  "reload idxd",
				  "%s: pasid_enabled 0: user work queues cannot use PASIDs",
				  ds->name);
		else if (!ds->usable_shared && !ds->usable_dedicated)
			dr_report(d, DR_WARN, id, false,
				  "configure and enable a user WQ: accel-config config-wq ... "
				  "--type=user; accel-config enable-wq",
				  "%s: PASID enabled, no usable WQ (%s)", ds->name,
				  *ds->first_reason ? ds->first_reason : "none configured");
		else if (ds->no_access)
			dr_report(d, DR_WARN, id, false,
				  "pasidctl grant --group NAME --install, and join that group",
				  "%s: PASID enabled, %u shared + %u dedicated usable WQs, "
				  "but this user may not open %s", ds->name, ds->usable_shared,
				  ds->usable_dedicated, ds->node_denied);
		else
			dr_report(d, DR_OK, id, false, NULL,
				  "%s: PASID enabled, %u shared + %u dedicated usable WQs",
				  ds->name, ds->usable_shared, ds->usable_dedicated);
	}
	if (!shared)
		dr_report(d, DR_FAIL, "dsa.shared", true,
			  "enable a shared user WQ with PASID (accel-config config-wq "
			  "--mode=shared --type=user ...)",
			  "no usable shared work queue: ENQCMD has nothing to submit to");
	free(s);
}

/* ---- capabilities ----------------------------------------------------------- */

void dr_check_caps(struct doctor *d)
{
	char status[8192], *p;
	unsigned long long eff;

	dr_section(d, "Permissions");
	if (dr_read(d, "/proc/self/status", status, sizeof(status)) ||
	    !(p = strstr(status, "CapEff:")) || sscanf(p + 7, "%llx", &eff) != 1) {
		dr_report(d, DR_INFO, "caps.rawio", false, NULL, "capabilities unreadable");
		return;
	}
	if (eff & (1ull << 17))
		dr_report(d, DR_OK, "caps.rawio", false, NULL,
			  "CAP_SYS_RAWIO: yes (WQ portals can be mapped)");
	else
		dr_report(d, DR_WARN, "caps.rawio", false,
			  "for the fastest path run with CAP_SYS_RAWIO (e.g. setcap "
			  "cap_sys_rawio+ep on your program); write(2) works without it",
			  "CAP_SYS_RAWIO: no: portal mmap is refused, libpasid submits with "
			  "write(2)");
}
