/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * doctor.h - "pasidctl doctor": the system reader (every path below an
 * optional root, PASIDCTL_SYSROOT, so tests can use fake trees) and the
 * check report.
 */
#ifndef PASIDCTL_DOCTOR_H
#define PASIDCTL_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pasidctl.h"

enum dr_status { DR_OK, DR_INFO, DR_WARN, DR_FAIL };

/*
 * The submission paths doctor judges. A check names the paths it concerns:
 * when it fails they cannot work, when it warns they may not.
 */
enum {
	DR_PATH_ENQCMD,		/* shared WQ, portal mmap, ENQCMD */
	DR_PATH_MOVDIR,		/* dedicated WQ, portal mmap, MOVDIR64B */
	DR_PATH_WRITE,		/* write(2) of descriptors to the WQ */
	DR_NR_PATHS
};
#define DR_P_ENQCMD	(1u << DR_PATH_ENQCMD)
#define DR_P_MOVDIR	(1u << DR_PATH_MOVDIR)
#define DR_P_WRITE	(1u << DR_PATH_WRITE)
#define DR_P_MMAP	(DR_P_ENQCMD | DR_P_MOVDIR)
#define DR_P_ALL	(DR_P_ENQCMD | DR_P_MOVDIR | DR_P_WRITE)	/* all need SVA */

/* Is idxd's INTEL-SA-01084 check in this kernel (mmap needs CAP_SYS_RAWIO
 * on every device it marks unsafe; write() submission exists)? */
enum dr_tristate { DR_UNKNOWN, DR_NO, DR_YES };

struct doctor {
	struct pctl *g;
	const char *root;	/* "" for the real system */
	json_object *checks;
	unsigned int nr[4];
	json_object *blocking[DR_NR_PATHS];	/* ids of the failed checks, per path */
	json_object *doubts[DR_NR_PATHS];	/* ids of the warnings, per path */
	/* facts gathered by earlier checks */
	bool la57;
	bool vm;		/* cpuinfo has the hypervisor flag */
	bool cpu_enqcmd;
	unsigned int kmaj, kmin, ksub;	/* upstream version, 0 when unknown */
	bool sva_needs_smpwc;	/* this kernel refuses SVA without ecap SMPWC */
	enum dr_tristate safety_check;	/* idxd's submission-safety check */
	bool cmdline_sm_off, cmdline_sm_on, cmdline_iommu_off, cmdline_iommu_on;
	bool cfg_read;
	char cfg_sm_default;	/* 'y', 'n' or 0 when unknown */
	unsigned int nr_dmar;
	bool dmar_no_fl5lp;
};

/* One check line. @paths: DR_P_* it concerns (blocked on DR_FAIL, in doubt on DR_WARN). */
void dr_report(struct doctor *d, enum dr_status st, const char *id, unsigned int paths,
	       const char *fix, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void dr_section(struct doctor *d, const char *title);

/* Files below the root. Return 0 or -errno; text is NUL-terminated, trimmed. */
int dr_path(const struct doctor *d, const char *path, char *buf, size_t len);
/* the entries of path (under the doctor's root), sorted, at most max; free each */
unsigned int dr_list_dir(const struct doctor *d, const char *path, char **names,
			 unsigned int max);
int dr_read(const struct doctor *d, const char *path, char *buf, size_t len);
int dr_read_bin(const struct doctor *d, const char *path, uint8_t *buf, size_t len,
		size_t *ret_len);
bool dr_exists(const struct doctor *d, const char *path);
/* The kernel config: "y", "m", "n" (not set) or NULL when it cannot be read. */
int dr_load_config(struct doctor *d, char **ret_text, char *where, size_t wlen);
const char *dr_config_value(const char *text, const char *option, char *buf, size_t len);
bool dr_has_word(const char *text, const char *word);

/* Sections (doctor_checks.c). */
void dr_check_cpu(struct doctor *d);
void dr_check_kernel(struct doctor *d);
void dr_check_iommu(struct doctor *d);
void dr_check_boot(struct doctor *d);
void dr_check_shim(struct doctor *d);
void dr_report_shim_info(struct doctor *d, struct pasid_ctx *ctx);
void dr_check_devices(struct doctor *d);
void dr_check_caps(struct doctor *d);
/* doctor_sva.c: SVA on x86 in this kernel, idxd's sva parameter */
void dr_kernel_version(struct doctor *d);
void dr_check_sva(struct doctor *d);
void dr_check_idxd(struct doctor *d);
/* doctor_pci.c: PASID, ATS and PRI of PCI functions (config space) */
void dr_check_pci(struct doctor *d);
/* the VT-d SMPWC check of one unit, for kernels that require it */
bool dr_smpwc_refused(struct doctor *d, const char *unit, unsigned long long ecap);
/* doctor_devices.c: is idxd's submission-safety check in this kernel */
enum dr_tristate dr_safety_check(struct doctor *d, const char *dev);

#endif
