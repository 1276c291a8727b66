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

struct doctor {
	struct pctl *g;
	const char *root;	/* "" for the real system */
	json_object *checks;
	unsigned int nr[4];
	bool blocked;		/* ENQCMD submission cannot work */
	json_object *blocking;	/* ids of the checks that block it */
	/* facts gathered by earlier checks */
	bool la57;
	bool vm;		/* cpuinfo has the hypervisor flag */
	bool cpu_enqcmd;
	bool cmdline_sm_off, cmdline_sm_on, cmdline_iommu_off, cmdline_iommu_on;
	bool cfg_read;
	char cfg_sm_default;	/* 'y', 'n' or 0 when unknown */
	unsigned int nr_dmar;
	bool dmar_no_fl5lp;
};

/* One check line. @blocking: a DR_FAIL here means ENQCMD cannot work. */
void dr_report(struct doctor *d, enum dr_status st, const char *id, bool blocking,
	       const char *fix, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void dr_section(struct doctor *d, const char *title);

/* Files below the root. Return 0 or -errno; text is NUL-terminated, trimmed. */
int dr_path(const struct doctor *d, const char *path, char *buf, size_t len);
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

#endif
