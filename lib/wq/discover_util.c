// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * discover_util.c - names, sysfs value formats, the PCI PASID capability,
 * and the WQ filter with its reasons.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "discover.h"
#include "wq_internal.h"

#define PCI_EXT_CAP_ID_PASID	0x1b

int disc_parse_bdf(const char *s, uint32_t *ret_rid)
{
	unsigned int seg, bus, dev, fn;
	int n = 0;

	if (sscanf(s, "%4x:%2x:%2x.%1u%n", &seg, &bus, &dev, &fn, &n) != 4 || s[n] ||
	    dev > 31 || fn > 7)
		return -EINVAL;
	*ret_rid = seg << 16 | bus << 8 | dev << 3 | fn;
	return 0;
}

/*
 * idxd's op_cap from 5.13 to 6.2: four "%#llx" words separated by spaces,
 * the low 64 operations first ("0x1003f027d 0x0 0x0 0x0"); see
 * docs/kernel-facts.md, "idxd op_cap format".
 */
static int parse_opmap_words(const char *s, uint64_t ops[4])
{
	const char *p = s;
	int n = 0;

	while (*p && *p != '\n') {
		char *end;

		if (n == 4 || !isxdigit((unsigned char)*p))
			return -EINVAL;
		errno = 0;
		ops[n++] = strtoull(p, &end, 16);
		if (errno)
			return -EINVAL;
		p = end;
		if (*p == ' ')
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
	}
	return n == 4 ? 0 : -EINVAL;
}

/*
 * The bitmap format ("%*pb", 6.3 and later, and op_config): 32-bit groups of
 * 8 hex digits separated by commas, the most significant group first.
 */
static int parse_opmap_bitmap(const char *s, uint64_t ops[4])
{
	uint32_t w[8];
	const char *p = s;
	int n = 0;

	while (*p && *p != '\n') {
		char *end;
		unsigned long v;

		if (n == 8 || !isxdigit((unsigned char)*p))
			return -EINVAL;
		v = strtoul(p, &end, 16);
		if (end - p > 8)
			return -EINVAL;
		w[n++] = (uint32_t)v;
		p = end;
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
	}
	if (!n)
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		int bit = (n - 1 - i) * 32;	/* the last group is bits 0..31 */

		ops[bit / 64] |= (uint64_t)w[i] << (bit % 64);
	}
	return 0;
}

int disc_parse_opmap(const char *s, uint64_t ops[4])
{
	uint64_t v[4] = { 0 };
	int err;

	/* the bitmap format has no spaces; the old one always has three */
	err = strchr(s, ' ') ? parse_opmap_words(s, v) : parse_opmap_bitmap(s, v);
	if (!err)
		memcpy(ops, v, sizeof(v));
	return err;
}

int disc_parse_pasid_cap(const uint8_t *cfg, size_t len, uint32_t *ret_width, uint32_t *ret_flags)
{
	uint32_t off = 0x100;

	if (len < 0x104)
		return -ENODATA;
	for (int guard = 0; off >= 0x100 && off + 8 <= len && guard < 64; guard++) {
		uint32_t hdr = (uint32_t)cfg[off] | (uint32_t)cfg[off + 1] << 8 |
			       (uint32_t)cfg[off + 2] << 16 | (uint32_t)cfg[off + 3] << 24;

		if (!hdr || hdr == 0xffffffff)
			break;
		if ((hdr & 0xffff) == PCI_EXT_CAP_ID_PASID) {
			uint16_t cap = (uint16_t)(cfg[off + 4] | cfg[off + 5] << 8);
			uint16_t ctl = (uint16_t)(cfg[off + 6] | cfg[off + 7] << 8);

			*ret_width = (cap >> 8) & 0x1f;
			*ret_flags = (ctl & 1 ? PASID_DEV_PASID_ENABLED : 0) |
				     (cap & 2 ? PASID_DEV_PASID_EXEC : 0) |
				     (cap & 4 ? PASID_DEV_PASID_PRIV : 0);
			return 0;
		}
		off = hdr >> 20;
	}
	return -ENOENT;
}

int wq_name_split(const char *name, char *dev, size_t devlen, char *wq, size_t wqlen)
{
	const char *slash;

	if (!strncmp(name, "/dev/", 5)) {
		/* "/dev/dsa/wq0.0": the device is named by the WQ number */
		name += 5;
		slash = strchr(name, '/');
		if (!slash)
			return -EINVAL;
		*dev = '\0';
		name = slash + 1;
	} else if ((slash = strchr(name, '/'))) {
		if ((size_t)(slash - name) >= devlen || slash == name)
			return -EINVAL;
		memcpy(dev, name, (size_t)(slash - name));
		dev[slash - name] = '\0';
		name = slash + 1;
	} else {
		*dev = '\0';
	}
	if (strncmp(name, "wq", 2) || strlen(name) >= wqlen || strchr(name, '/') ||
	    !strchr(name, '.'))
		return -EINVAL;
	strcpy(wq, name);
	return 0;
}

PASID_EXPORT int pasid_wq_filter_init(struct pasid_wq_filter *f)
{
	if (!f)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	f->size = sizeof(*f);
	f->numa_node = -1;
	return 0;
}

static const char *mode_name(uint32_t m)
{
	return m == PASID_WQ_SHARED ? "shared" : m == PASID_WQ_DEDICATED ? "dedicated" : "unknown";
}

const char *disc_filter_reason(const struct pasid_wq_entry *e, const struct pasid_wq_filter *f,
			       char *buf, size_t len)
{
	if (f->dev_type && e->dev_type != f->dev_type) {
		snprintf(buf, len, "device type %s, wanted %s",
			 e->dev_type == PASID_DEV_IAA ? "iax" : "dsa",
			 f->dev_type == PASID_DEV_IAA ? "iax" : "dsa");
		return buf;
	}
	if (f->name_prefix[0] && strncmp(e->wq_name, f->name_prefix, strlen(f->name_prefix))) {
		snprintf(buf, len, "name \"%s\" does not start with \"%s\"", e->wq_name,
			 f->name_prefix);
		return buf;
	}
	if (f->mode && e->mode != f->mode) {
		snprintf(buf, len, "mode %s, wanted %s", mode_name(e->mode), mode_name(f->mode));
		return buf;
	}
	if (!(f->flags & PASID_WQ_FILTER_ANY_STATE) && strcmp(e->state, "enabled")) {
		snprintf(buf, len, "state %s (not enabled: configure it with accel-config)",
			 e->state[0] ? e->state : "unknown");
		return buf;
	}
	if (!(f->flags & PASID_WQ_FILTER_ANY_TYPE) && strcmp(e->type, "user")) {
		snprintf(buf, len, "type %s (not a user work queue)",
			 e->type[0] ? e->type : "unknown");
		return buf;
	}
	if (!(f->flags & PASID_WQ_FILTER_NO_PASID_OK) && !(e->flags & PASID_DEV_PASID_ENABLED)) {
		snprintf(buf, len, "device %s has pasid_enabled=0 (no PASID/SVA: IOMMU not in "
			 "scalable mode, or the device cannot use PASIDs)", e->device);
		return buf;
	}
	if (f->numa_node >= 0 && e->numa_node != f->numa_node) {
		snprintf(buf, len, "NUMA node %d, wanted %d", e->numa_node, f->numa_node);
		return buf;
	}
	for (int op = 0; op < 256; op++)
		if ((f->ops[op / 64] >> (op % 64) & 1) && !(e->ops[op / 64] >> (op % 64) & 1)) {
			snprintf(buf, len, "operation %#x not in %s", op,
				 e->flags & PASID_DEV_HAS_OP_CONFIG ? "op_config" :
								      "the device's op_cap");
			return buf;
		}
	if (!(f->flags & PASID_WQ_FILTER_ANY_STATE) && (e->flags & PASID_DEV_NO_NODE)) {
		snprintf(buf, len, "no character device %s (WQ not enabled for user space)",
			 e->devnode);
		return buf;
	}
	return NULL;
}
