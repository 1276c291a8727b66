// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * doctor_devices.c - the pasid.ko shim (module, build, mode, /dev/pasid
 * access), DSA/IAA devices from libpasid's discovery with their submission
 * safety, the write(2) path, and CAP_SYS_RAWIO.
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
		dr_report(d, DR_WARN, "shim.module", 0,
			  "modprobe pasid (install the pasid-dkms package first); or try libpasid "
			  "on the SIMULATED platform: pasidctl --sim demo",
			  "pasid.ko is not loaded: libpasid's kernel backend gives ENODEV");
	} else if (dr_read(d, "/sys/module/pasid/parameters/mock", mock, sizeof(mock))) {
		/* only the test build (Kbuild PASID_TEST=y) has the mock parameter */
		dr_report(d, DR_OK, "shim.module", 0, NULL,
			  "pasid.ko loaded: production build, real mode");
	} else if (*mock == 'Y' || *mock == '1') {
		dr_report(d, DR_WARN, "shim.module", 0,
			  "for real devices load the DKMS package's module (no test commands)",
			  "pasid.ko loaded: TEST build in mock mode: test RIDs only, no real "
			  "device gets a PASID");
	} else {
		char w[16] = "";

		dr_read(d, "/sys/module/pasid/parameters/test_pci_width", w, sizeof(w));
		dr_report(d, DR_WARN, "shim.module", 0,
			  "for production load the DKMS package's module (no test commands)",
			  "pasid.ko loaded: TEST build in real mode%s%s%s",
			  *w && strcmp(w, "0") ? " (test_pci_width=" : "",
			  *w && strcmp(w, "0") ? w : "",
			  *w && strcmp(w, "0") ? ": every PCI function counts as PASID-capable)" : "");
	}
	dr_path(d, "/dev/pasid", dev, sizeof(dev));
	if (access(dev, F_OK)) {
		dr_report(d, loaded ? DR_FAIL : DR_INFO, "shim.node", 0,
			  loaded ? "check udev (70-pasid.rules) and dmesg" : NULL,
			  "/dev/pasid does not exist%s",
			  loaded ? " although pasid.ko is loaded" : "");
	} else if (access(dev, R_OK | W_OK)) {
		dr_report(d, DR_WARN, "shim.node", 0,
			  "pasidctl grant --group pasid --install; then usermod -aG pasid $USER "
			  "and log in again",
			  "/dev/pasid exists but this user may not open it (%s)", strerror(errno));
	} else {
		dr_report(d, DR_OK, "shim.node", 0, NULL,
			  "/dev/pasid: read/write for this user");
	}
	if (*d->root || !loaded)
		return;	/* the library opens the real /dev/pasid only */
	err = pasid_ctx_new(&o, &ctx);
	if (err)
		dr_report(d, DR_WARN, "shim.open", 0, NULL, "libpasid cannot use it: %s",
			  pasid_strerror_last());
	else
		dr_report(d, DR_OK, "shim.open", 0, NULL, "libpasid %s: backend %s",
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
		dr_report(d, DR_WARN, "shim.info", 0, NULL, "the shim does not describe itself: %s",
			  pasid_ctx_last_error(ctx));
		return;
	}
	dr_report(d, DR_OK, "shim.info", 0, NULL,
		  "ABI %u, values from %s, %u RIDs, narrowest width %u", info.abi_version,
		  info.source, info.nr_rids, info.min_width);
	if (info.flags & PASID_CTX_INFO_GLOBAL_OK)
		dr_report(d, DR_OK, "shim.global", 0, NULL,
			  "a global ENQCMD PASID can be allocated (below %u)", 1u << info.min_width);
	else
		dr_report(d, DR_WARN, "shim.global", 0,
			  "the kernel needs a PASID-capable device behind an SVA-capable IOMMU",
			  "the global ENQCMD intent cannot succeed on this kernel now");
}

/* ---- DSA/IAA ---------------------------------------------------------------- */

#define MAX_DEVS 64

struct devsum {
	char name[32];
	enum dr_tristate safety;
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

/* idxd's op_cap: "0x1003f027d 0x0 0x0 0x0" (low word first, up to 6.2) or
 * "00000000,...,003f027d" (a bitmap, high word first). Return the low 64 bits. */
static int op_cap_low(const char *s, uint64_t *ret)
{
	const char *last = strrchr(s, ',');
	unsigned long long hi = 0, lo;
	char *end;

	if (!strncmp(s, "0x", 2)) {
		lo = strtoull(s, &end, 16);
		*ret = lo;
		return end != s ? 0 : -1;
	}
	if (!last)
		return -1;
	lo = strtoull(last + 1, &end, 16);
	if (*end || end == last + 1)
		return -1;
	if (last > s) {	/* the word before the last one */
		const char *p = last - 1;

		while (p > s && p[-1] != ',')
			p--;
		hi = strtoull(p, NULL, 16);
	}
	*ret = (uint64_t)hi << 32 | (lo & 0xffffffffu);
	return 0;
}

/*
 * idxd's INTEL-SA-01084 change (drivers/dma/idxd: "add a new security check
 * to deal with a hardware erratum", with write() submission) marks every DSA
 * and IAA generation not submission-safe: portal mmap then needs
 * CAP_SYS_RAWIO, and on DSA 1.0 op_cap hides BATCH (opcode 1). So a DSA 1.0
 * op_cap says whether the check is there; else Linux 6.10 and later have it;
 * an older kernel may have it from a stable update.
 */
enum dr_tristate dr_safety_check(struct doctor *d, const char *dev)
{
	char rel[256], text[512];
	unsigned long version;
	uint64_t low;

	snprintf(rel, sizeof(rel), "/sys/bus/dsa/devices/%s/version", dev);
	if (!strncmp(dev, "dsa", 3) && !dr_read(d, rel, text, sizeof(text)) &&
	    (version = strtoul(text, NULL, 0), (version >> 8) == 1)) {
		snprintf(rel, sizeof(rel), "/sys/bus/dsa/devices/%s/op_cap", dev);
		if (!dr_read(d, rel, text, sizeof(text)) && !op_cap_low(text, &low))
			return low & (1u << 1) ? DR_NO : DR_YES;
	}
	if (d->kmaj > 6 || (d->kmaj == 6 && d->kmin >= 10))
		return DR_YES;
	return DR_UNKNOWN;
}

static const char *safety_text(enum dr_tristate t)
{
	return t == DR_YES ? "not submission-safe (portal mmap needs CAP_SYS_RAWIO)"
	       : t == DR_NO ? "no submission-safety check in this kernel (portal mmap for all)"
	       : "submission safety unknown";
}

void dr_check_devices(struct doctor *d)
{
	struct devscan *s = calloc(1, sizeof(*s));
	unsigned int i, shared = 0, dedicated = 0;
	bool any_yes = false, any_no = false;
	char id[64];
	int err;

	dr_section(d, "DSA/IAA devices");
	if (!s) {
		dr_report(d, DR_FAIL, "dsa.scan", 0, NULL, "out of memory");
		return;
	}
	err = pasid_wq_discover(NULL, NULL, wq_cb, s, NULL);
	if (err < 0) {
		dr_report(d, DR_FAIL, "dsa.scan", DR_P_ALL, NULL, "discovery failed: %s",
			  strerror(-err));
		free(s);
		return;
	}
	if (!s->n) {
		dr_report(d, DR_FAIL, "dsa.devices", DR_P_ALL,
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
		ds->safety = dr_safety_check(d, ds->name);
		shared += ds->usable_shared;
		dedicated += ds->usable_dedicated;
		any_yes |= ds->safety == DR_YES && (ds->usable_shared || ds->usable_dedicated);
		any_no |= ds->safety == DR_NO && (ds->usable_shared || ds->usable_dedicated);
		if (!ds->pasid)
			dr_report(d, DR_FAIL, id, 0,
				  "fix the IOMMU checks above (scalable mode with PASID), then "
				  "reload idxd",
				  "%s: pasid_enabled 0: user work queues cannot use PASIDs",
				  ds->name);
		else if (!ds->usable_shared && !ds->usable_dedicated)
			dr_report(d, DR_WARN, id, 0,
				  "configure and enable a user WQ: accel-config config-wq ... "
				  "--type=user; accel-config enable-wq",
				  "%s: PASID enabled, no usable WQ (%s)", ds->name,
				  *ds->first_reason ? ds->first_reason : "none configured");
		else if (ds->no_access)
			dr_report(d, DR_WARN, id, DR_P_ALL,
				  "pasidctl grant --group NAME --install, and join that group",
				  "%s: PASID enabled, %u shared + %u dedicated usable WQs, "
				  "but this user may not open %s", ds->name, ds->usable_shared,
				  ds->usable_dedicated, ds->node_denied);
		else
			dr_report(d, DR_OK, id, 0, NULL,
				  "%s: PASID enabled, %u shared + %u dedicated usable WQs; %s",
				  ds->name, ds->usable_shared, ds->usable_dedicated,
				  safety_text(ds->safety));
	}
	d->safety_check = any_yes ? DR_YES : any_no ? DR_NO : DR_UNKNOWN;
	if (!shared)
		dr_report(d, DR_FAIL, "dsa.shared", DR_P_ENQCMD,
			  "enable a shared user WQ with PASID (accel-config config-wq "
			  "--mode=shared --type=user ...)",
			  "no usable shared work queue: ENQCMD has nothing to submit to");
	if (!dedicated)
		dr_report(d, DR_FAIL, "dsa.dedicated", DR_P_MOVDIR,
			  "enable a dedicated user WQ (accel-config config-wq --mode=dedicated "
			  "--type=user ...)",
			  "no usable dedicated work queue: MOVDIR64B has nothing to submit to");
	if (!shared && !dedicated)
		dr_report(d, DR_FAIL, "dsa.write", DR_P_WRITE, "enable a user WQ (see above)",
			  "no usable work queue to write(2) descriptors to");
	else if (d->safety_check == DR_YES)
		dr_report(d, DR_OK, "dsa.write", DR_P_WRITE, NULL,
			  "write(2) submission: the kernel submits each 64-byte descriptor "
			  "(no batch descriptors where the device is not submission-safe)");
	else if (d->safety_check == DR_NO)
		dr_report(d, DR_FAIL, "dsa.write", DR_P_WRITE,
			  "use Linux 6.10 or later, or a stable kernel with idxd's INTEL-SA-01084 "
			  "update; meanwhile map the portal",
			  "this kernel predates idxd's write(2) submission (its DSA op_cap still "
			  "shows BATCH: no submission-safety check)");
	else
		dr_report(d, DR_WARN, "dsa.write", DR_P_WRITE,
			  "use Linux 6.10 or later to be sure",
			  "write(2) submission exists from Linux 6.10 and in stable kernels with "
			  "idxd's INTEL-SA-01084 update; whether Linux %u.%u.%u has it cannot be "
			  "read here", d->kmaj, d->kmin, d->ksub);
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
		dr_report(d, DR_INFO, "caps.rawio", 0, NULL, "capabilities unreadable");
		return;
	}
	if (eff & (1ull << 17))
		dr_report(d, DR_OK, "caps.rawio", DR_P_MMAP, NULL,
			  "CAP_SYS_RAWIO: yes (WQ portals can be mapped)");
	else if (d->safety_check == DR_NO)
		dr_report(d, DR_OK, "caps.rawio", DR_P_MMAP, NULL,
			  "CAP_SYS_RAWIO: no, and not needed: this kernel maps WQ portals for "
			  "every user (no submission-safety check)");
	else
		dr_report(d, d->safety_check == DR_YES ? DR_FAIL : DR_WARN, "caps.rawio",
			  DR_P_MMAP,
			  "run with CAP_SYS_RAWIO for portal mmap (e.g. setcap cap_sys_rawio+ep on "
			  "your program); write(2) works without it",
			  "CAP_SYS_RAWIO: no: portal mmap is refused on devices that are not "
			  "submission-safe (%s), so ENQCMD and MOVDIR64B cannot be used; libpasid "
			  "submits with write(2)",
			  d->safety_check == DR_YES ? "these are" : "these may be");
}
