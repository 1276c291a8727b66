/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* discover.h - parsing shared by the discovery files. */
#ifndef LIBPASID_WQ_DISCOVER_H
#define LIBPASID_WQ_DISCOVER_H

#include <stddef.h>
#include <stdint.h>

#include <libpasid/pasid.h>

/* "0000:6a:01.0" -> RID. Return: 0 or -EINVAL. */
int disc_parse_bdf(const char *s, uint32_t *ret_rid);
/*
 * idxd's op_cap/op_config: the 256-bit map "00000000,...,003f027d" (most
 * significant group first, 6.3 and later) or four words "0x1003f027d 0x0
 * 0x0 0x0" (low word first, 5.13-6.2). Return: 0, or -EINVAL and @ops
 * unchanged.
 */
int disc_parse_opmap(const char *s, uint64_t ops[4]);
/*
 * PASID capability in a config-space image: width and PASID_DEV_* flags.
 * Return: 0, -ENOENT (no capability), -ENODATA (no extended space: < 4 KiB,
 * as an unprivileged read of sysfs "config" gives).
 */
int disc_parse_pasid_cap(const uint8_t *cfg, size_t len, uint32_t *ret_width,
			 uint32_t *ret_flags);
/* Why @e does not pass @f, into @buf; NULL when it passes. */
const char *disc_filter_reason(const struct pasid_wq_entry *e, const struct pasid_wq_filter *f,
			       char *buf, size_t len);

/* discover_udev.c: the real system */
int disc_udev_pci(pasid_pci_cb cb, void *data);
int disc_udev_wqs(int (*cb)(const struct pasid_wq_entry *e, void *data), void *data);
/* discover_sim.c: the SIMULATED topology */
int disc_sim_pci(struct pasid_ctx *ctx, pasid_pci_cb cb, void *data);
int disc_sim_wqs(struct pasid_ctx *ctx, int (*cb)(const struct pasid_wq_entry *e, void *data),
		 void *data);

#endif
