// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * doctor_checks.c - the CPU (and whether this is a VM), kernel, IOMMU and
 * boot checks of "pasidctl doctor". Each names what it read, the cause and
 * the fix.
 *
 * VT-d ECAP/CAP bits (Linux drivers/iommu/intel/iommu.h): ECAP 29 PRS,
 * 35..39 PSS (PASID width - 1), 40 PASID, 43 SMTS (scalable mode), 47 FLTS
 * (first-level translation), 48 SMPWC; CAP 56 FL1GP, 60 FL5LP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"

#define ECAP_PRS	(1ull << 29)
#define ECAP_PASID	(1ull << 40)
#define ECAP_SMTS	(1ull << 43)
#define ECAP_FLTS	(1ull << 47)
#define ECAP_SMPWC	(1ull << 48)
#define ECAP_PSS(e)	((unsigned int)(((e) >> 35) & 0x1f))
#define CAP_FL1GP	(1ull << 56)
#define CAP_FL5LP	(1ull << 60)

/* ---- CPU -------------------------------------------------------------------- */

/* The "flags" line of the first processor in /proc/cpuinfo. */
static int cpu_flags(struct doctor *d, char *buf, size_t len)
{
	static char text[1 << 16];
	char *p, *eol;
	int err = dr_read(d, "/proc/cpuinfo", text, sizeof(text));

	if (err)
		return err;
	for (p = text; p && *p; p = eol ? eol + 1 : NULL) {
		eol = strchr(p, '\n');
		if (!strncmp(p, "flags", 5) && strchr(p, ':') && (!eol || strchr(p, ':') < eol)) {
			char *c = strchr(p, ':') + 1;
			size_t l = eol ? (size_t)(eol - c) : strlen(c);

			snprintf(buf, len, " %.*s ", (int)(l < len - 3 ? l : len - 3), c);
			return 0;
		}
	}
	return -ENOENT;
}

/* CPUID bits: PASIDCTL_CPUID ("enqcmd,movdir64b,waitpkg" or "none", a
 * testing aid) or pasid_cpu_features(). */
static uint64_t cpuid_bits(void)
{
	const char *env = getenv("PASIDCTL_CPUID");
	uint64_t m = 0;

	if (env) {
		if (strstr(env, "enqcmd"))
			m |= PASID_CPU_CPUID_ENQCMD;
		if (strstr(env, "movdir64b"))
			m |= PASID_CPU_CPUID_MOVDIR64B;
		if (strstr(env, "waitpkg"))
			m |= PASID_CPU_CPUID_WAITPKG;
		return m;
	}
	if (pasid_cpu_features(&m))
		return 0;
	return m & (PASID_CPU_CPUID_ENQCMD | PASID_CPU_CPUID_MOVDIR64B | PASID_CPU_CPUID_WAITPKG);
}

void dr_check_cpu(struct doctor *d)
{
	char flags[8192];
	uint64_t id = cpuid_bits();
	bool k_enq, k_mov, k_wait, have = !cpu_flags(d, flags, sizeof(flags));

	dr_section(d, "CPU");
	if (!have) {
		dr_report(d, DR_FAIL, "cpu.flags", DR_P_ALL, "mount /proc",
			  "/proc/cpuinfo has no flags line: cannot see what the kernel enables");
		return;
	}
	k_enq = dr_has_word(flags, "enqcmd");
	k_mov = dr_has_word(flags, "movdir64b");
	k_wait = dr_has_word(flags, "waitpkg");
	d->la57 = dr_has_word(flags, "la57");
	d->vm = dr_has_word(flags, "hypervisor");
	d->cpu_enqcmd = k_enq;
	if (d->vm)
		dr_report(d, DR_INFO, "cpu.vm", 0, NULL,
			  "a virtual machine (CPUID hypervisor bit): KVM passes MOVDIR64B to "
			  "guests but not ENQCMD, and PASIDs need a vIOMMU");
	if (k_enq)
		dr_report(d, DR_OK, "cpu.enqcmd", DR_P_ENQCMD, NULL,
			  "ENQCMD: enabled by the kernel (shared work queues)");
	else if (id & PASID_CPU_CPUID_ENQCMD)
		dr_report(d, DR_FAIL, "cpu.enqcmd", DR_P_ENQCMD,
			  "use a kernel built with CONFIG_INTEL_IOMMU_SVM=y (5.18 or later) and "
			  "boot with intel_iommu=on,sm_on",
			  "ENQCMD: the CPU has it (CPUID) but the kernel disabled it "
			  "(no 'enqcmd' in /proc/cpuinfo)");
	else if (d->vm)
		dr_report(d, DR_FAIL, "cpu.enqcmd", DR_P_ENQCMD,
			  "in a KVM guest use a dedicated WQ (MOVDIR64B) or write(2); ENQCMD "
			  "needs the host",
			  "ENQCMD: not in this VM (KVM does not expose ENQCMD to guests)");
	else
		dr_report(d, DR_FAIL, "cpu.enqcmd", DR_P_ENQCMD,
			  "ENQCMD needs a Sapphire Rapids or later Xeon; dedicated WQs and "
			  "write(2) work without it",
			  "ENQCMD: not on this CPU (CPUID.7.0:ECX bit 29 clear)");
	if (k_mov)
		dr_report(d, DR_OK, "cpu.movdir64b", DR_P_MOVDIR, NULL,
			  "MOVDIR64B: enabled (dedicated work queues)");
	else
		dr_report(d, DR_FAIL, "cpu.movdir64b", DR_P_MOVDIR,
			  "dedicated WQs then need write(2) submission (libpasid does it)",
			  "MOVDIR64B: %s", id & PASID_CPU_CPUID_MOVDIR64B
			  ? "CPUID has it but the kernel does not list it"
			  : "not on this CPU");
	if (k_wait)
		dr_report(d, DR_OK, "cpu.waitpkg", 0, NULL,
			  "WAITPKG: enabled (UMWAIT completion waits)");
	else
		dr_report(d, DR_INFO, "cpu.waitpkg", 0, NULL,
			  "WAITPKG: %s; completion waits spin with PAUSE and a timeout",
			  id & PASID_CPU_CPUID_WAITPKG ? "in CPUID, not enabled by the kernel"
						       : "not on this CPU");
}

/* ---- kernel ----------------------------------------------------------------- */

static void check_cmdline(struct doctor *d)
{
	char cl[4096];

	if (dr_read(d, "/proc/cmdline", cl, sizeof(cl))) {
		dr_report(d, DR_INFO, "kernel.cmdline", 0, NULL, "/proc/cmdline unreadable");
		return;
	}
	d->cmdline_iommu_off = strstr(cl, "intel_iommu=off") != NULL;
	d->cmdline_iommu_on = strstr(cl, "intel_iommu=on") != NULL;
	d->cmdline_sm_off = strstr(cl, "sm_off") != NULL;
	d->cmdline_sm_on = strstr(cl, "sm_on") != NULL;
	if (d->cmdline_iommu_off)
		dr_report(d, DR_FAIL, "kernel.cmdline", DR_P_ALL,
			  "remove intel_iommu=off; boot with intel_iommu=on,sm_on",
			  "kernel command line turns the Intel IOMMU off");
	else if (d->cmdline_sm_off)
		dr_report(d, DR_FAIL, "kernel.cmdline", DR_P_ALL,
			  "boot with intel_iommu=on,sm_on (not sm_off)",
			  "kernel command line turns VT-d scalable mode off (sm_off): no PASIDs");
	else if (strstr(cl, "no5lvl") && d->la57)
		dr_report(d, DR_INFO, "kernel.cmdline", 0, NULL, "no5lvl given");
	else
		dr_report(d, DR_OK, "kernel.cmdline", 0, NULL,
			  "command line: %s%s", d->cmdline_iommu_on ? "intel_iommu=on" :
			  "no intel_iommu= (kernel default)", d->cmdline_sm_on ? ", sm_on" : "");
}

static void check_config(struct doctor *d)
{
	static const struct {
		const char *opt;
		bool blocking;
		const char *why;
	} opts[] = {
		{ "CONFIG_INTEL_IOMMU", true, "the VT-d driver" },
		{ "CONFIG_INTEL_IOMMU_SVM", true, "shared virtual memory: user PASIDs, ENQCMD" },
		{ "CONFIG_IOMMU_SVA", true, "SVA core" },
		{ "CONFIG_PCI_PASID", true, "PCI PASID capability" },
		{ "CONFIG_INTEL_IDXD", false, "the DSA/IAA driver" },
		{ "CONFIG_INTEL_IDXD_SVM", false, "DSA/IAA user work queues with PASID" },
	};
	char where[300], val[64], missing[512] = "", *text = NULL;
	size_t i;
	bool block = false;

	if (dr_load_config(d, &text, where, sizeof(where))) {
		dr_report(d, DR_WARN, "kernel.config", 0,
			  "install the kernel's config file or enable CONFIG_IKCONFIG_PROC",
			  "kernel config not found (%s, /proc/config.gz): options not checked",
			  where);
		return;
	}
	d->cfg_read = true;
	d->cfg_sm_default = dr_config_value(text, "CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON",
					    val, sizeof(val))[0];
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		const char *v = dr_config_value(text, opts[i].opt, val, sizeof(val));

		if (*v == 'y' || *v == 'm')
			continue;
		snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s (%s)",
			 *missing ? ", " : "", opts[i].opt, opts[i].why);
		block |= opts[i].blocking;
	}
	if (*missing)
		dr_report(d, block ? DR_FAIL : DR_WARN, "kernel.config", block ? DR_P_ALL : 0,
			  "use a kernel built with these options (Debian's 6.1 and later "
			  "have them)",
			  "%s lacks %s", where, missing);
	else
		dr_report(d, DR_OK, "kernel.config", 0, NULL,
			  "%s: INTEL_IOMMU, INTEL_IOMMU_SVM, IOMMU_SVA, PCI_PASID, "
			  "INTEL_IDXD(_SVM) set", where);
	free(text);
}

void dr_check_kernel(struct doctor *d)
{
	char rel[128];
	unsigned int maj = 0, min = 0;

	dr_section(d, "Kernel");
	if (dr_read(d, "/proc/sys/kernel/osrelease", rel, sizeof(rel)) ||
	    sscanf(rel, "%u.%u", &maj, &min) != 2) {
		dr_report(d, DR_WARN, "kernel.version", 0, NULL, "kernel release unreadable");
	} else if (maj == 6 && (min == 4 || min == 5)) {
		dr_report(d, DR_WARN, "kernel.version", 0,
			  "use 6.1 or 6.6 and later (pasid.ko refuses 6.4 and 6.5)",
			  "Linux %s: pasid.ko cannot load (no exported PASID allocator)", rel);
	} else if (maj < 5 || (maj == 5 && min < 18)) {
		dr_report(d, DR_FAIL, "kernel.version", DR_P_ALL, "use Linux 6.1 or later",
			  "Linux %s: too old for user PASIDs with ENQCMD (5.18 or later)", rel);
	} else if (maj < 6 || (maj == 6 && min < 1)) {
		dr_report(d, DR_WARN, "kernel.version", 0, "use 6.1, or 6.6 and later",
			  "Linux %s: ENQCMD may work; pasid.ko supports 6.1 and 6.6+", rel);
	} else {
		dr_report(d, DR_OK, "kernel.version", 0, NULL, "Linux %s", rel);
	}
	check_cmdline(d);
	check_config(d);
}

/* ---- IOMMU ------------------------------------------------------------------ */

static void check_dmar(struct doctor *d, const char *name)
{
	char path[512], text[64], id[64];
	unsigned long long ecap, cap = 0;
	char *end;

	snprintf(id, sizeof(id), "iommu.%s", name);
	snprintf(path, sizeof(path), "/sys/class/iommu/%s/intel-iommu/ecap", name);
	if (dr_read(d, path, text, sizeof(text)) || (ecap = strtoull(text, &end, 16), *end)) {
		dr_report(d, DR_WARN, id, 0, NULL, "%s: ecap unreadable (%s)", name, path);
		return;
	}
	snprintf(path, sizeof(path), "/sys/class/iommu/%s/intel-iommu/cap", name);
	if (!dr_read(d, path, text, sizeof(text)))
		cap = strtoull(text, NULL, 16);
	if (!(ecap & ECAP_SMTS)) {
		dr_report(d, DR_FAIL, id, DR_P_ALL,
			  d->vm ? "this VM's vIOMMU is legacy-mode: QEMU needs -device "
				  "intel-iommu,x-scalable-mode=on"
				: "enable scalable mode (VT-d) in firmware",
			  "%s: VT-d without scalable mode (ecap %llx: SMTS bit 43 clear): "
			  "no PASIDs", name, ecap);
		return;
	}
	if (d->cmdline_sm_off || (d->cfg_sm_default == 'n' && !d->cmdline_sm_on)) {
		dr_report(d, DR_FAIL, id, DR_P_ALL, "boot with intel_iommu=on,sm_on",
			  "%s: scalable mode supported (ecap SMTS) but the kernel leaves it off%s",
			  name, d->cmdline_sm_off ? " (sm_off)"
			  : " (CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON is not set)");
		return;
	}
	if (!(ecap & ECAP_PASID)) {
		dr_report(d, DR_FAIL, id, DR_P_ALL,
			  "enable PASID/SVM in firmware; some VMs and platforms expose scalable "
			  "mode without PASID",
			  "%s: scalable mode but no PASID support (ecap %llx: bit 40 clear)", name,
			  ecap);
		return;
	}
	if (dr_smpwc_refused(d, name, ecap))
		return;
	if (d->la57 && !(cap & CAP_FL5LP)) {
		d->dmar_no_fl5lp = true;
		dr_report(d, DR_FAIL, id, DR_P_ALL,
			  "boot with no5lvl (4-level paging), or use an IOMMU with 5-level "
			  "first-level tables",
			  "%s: the CPU runs 5-level paging (la57) but this IOMMU cannot walk "
			  "5-level tables (cap %llx: FL5LP bit 60 clear): the kernel disables SVA",
			  name, cap);
		return;
	}
	dr_report(d, ecap & ECAP_PRS ? DR_OK : DR_WARN, id, 0,
		  ecap & ECAP_PRS ? NULL : "page faults then cannot be resolved by the IOMMU; "
		  "touch buffers before submitting (libpasid's fault continuation helps)",
		  "%s: scalable mode, PASID width %u%s%s%s", name, ECAP_PSS(ecap) + 1,
		  ecap & ECAP_PRS ? ", page requests" : ", NO page requests (ecap PRS)",
		  ecap & ECAP_FLTS ? ", first-level tables" : "",
		  ecap & ECAP_SMPWC ? ", page walks coherent (SMPWC)"
		  : ", page walks not coherent (no SMPWC; this kernel does not require it)");
}

void dr_check_iommu(struct doctor *d)
{
	char *names[64];
	unsigned int n = 0, i, other = 0;

	dr_section(d, "IOMMU");
	n = dr_list_dir(d, "/sys/class/iommu", names, 64);
	for (i = 0; i < n; i++) {
		if (!strncmp(names[i], "dmar", 4)) {
			d->nr_dmar++;
			check_dmar(d, names[i]);
		} else {
			other++;
			dr_report(d, DR_WARN, "iommu.other", 0,
				  "ENQCMD and DSA/IAA are Intel-only; libpasid group PASIDs may "
				  "still work where the kernel supports SVA for the device",
				  "%s: not an Intel VT-d unit (AMD/ARM IOMMU); PASID support not "
				  "decoded", names[i]);
		}
		free(names[i]);
	}
	if (!n && d->vm)
		dr_report(d, DR_FAIL, "iommu.present", DR_P_ALL,
			  d->cmdline_iommu_off ? "remove intel_iommu=off"
			  : "give the VM a scalable-mode vIOMMU (QEMU: -device intel-iommu,"
			  "intremap=on,x-scalable-mode=on) and boot it with intel_iommu=on,sm_on; "
			  "many clouds offer none: use pasidctl --sim there",
			  "no IOMMU in this virtual machine (hypervisor flag; /sys/class/iommu is "
			  "empty): no PASIDs at all");
	else if (!n)
		dr_report(d, DR_FAIL, "iommu.present", DR_P_ALL,
			  d->cmdline_iommu_off ? "remove intel_iommu=off"
			  : "enable VT-d in firmware and boot with intel_iommu=on,sm_on",
			  "no IOMMU enabled (/sys/class/iommu is empty): no PASIDs at all");
	else if (!d->nr_dmar && other)
		dr_report(d, DR_FAIL, "iommu.present", DR_P_ALL,
			  "ENQCMD needs an Intel CPU with VT-d",
			  "no Intel VT-d unit: no DSA/IAA work queue with PASIDs");
}

/* ---- paging, lockdown, Secure Boot ------------------------------------------ */

void dr_check_boot(struct doctor *d)
{
	static const char sb[] =
		"/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";
	char text[256], *lb, *rb;
	uint8_t var[8];
	size_t n = 0;

	dr_section(d, "Boot");
	if (!d->la57)
		dr_report(d, DR_OK, "boot.paging", 0, NULL, "4-level paging");
	else if (d->dmar_no_fl5lp)
		dr_report(d, DR_FAIL, "boot.paging", DR_P_ALL, "boot with no5lvl",
			  "5-level paging (la57) with an IOMMU that cannot walk it (see above)");
	else
		dr_report(d, DR_OK, "boot.paging", 0, NULL,
			  "5-level paging (la57)%s", d->nr_dmar ? "; the IOMMU supports it" : "");

	if (!dr_read(d, "/sys/kernel/security/lockdown", text, sizeof(text)) &&
	    (lb = strchr(text, '[')) && (rb = strchr(lb, ']'))) {
		*rb = '\0';
		if (!strcmp(lb + 1, "none"))
			dr_report(d, DR_OK, "boot.lockdown", 0, NULL,
				  "lockdown: none (unsigned modules load)");
		else
			dr_report(d, DR_WARN, "boot.lockdown", 0,
				  "sign pasid.ko (DKMS signs with its MOK: mokutil --import "
				  "/var/lib/dkms/mok.pub)",
				  "lockdown: %s: unsigned modules (pasid.ko) are refused", lb + 1);
	} else {
		dr_report(d, DR_INFO, "boot.lockdown", 0, NULL,
			  "lockdown state unknown (no /sys/kernel/security/lockdown)");
	}

	if (!dr_exists(d, "/sys/firmware/efi")) {
		dr_report(d, DR_INFO, "boot.secureboot", 0, NULL,
			  "not booted through EFI: no Secure Boot");
	} else if (dr_read_bin(d, sb, var, sizeof(var), &n) || n < 5) {
		dr_report(d, DR_INFO, "boot.secureboot", 0, NULL,
			  "EFI boot; Secure Boot state unreadable");
	} else if (var[4] == 1) {
		dr_report(d, DR_WARN, "boot.secureboot", 0,
			  "enrol the DKMS MOK (mokutil --import /var/lib/dkms/mok.pub) so "
			  "pasid.ko loads",
			  "Secure Boot is on: only signed modules load");
	} else {
		dr_report(d, DR_OK, "boot.secureboot", 0, NULL, "Secure Boot is off");
	}
}
