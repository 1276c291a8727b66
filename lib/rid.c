// SPDX-License-Identifier: LGPL-2.1-or-later
/* rid.c - PCI requester IDs as text: "ssss:bb:dd.f" or "bb:dd.f". */
#include <errno.h>
#include <stdio.h>

#include "internal.h"

/* Parse exactly @digits hex digits (no sign, no prefix) from *@p. */
static int hex_field(const char **p, int digits, unsigned int *ret)
{
	unsigned int v = 0;
	int i;

	for (i = 0; i < digits; i++) {
		char ch = (*p)[i];
		unsigned int d;

		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			d = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			d = ch - 'A' + 10;
		else
			return -EINVAL;
		v = v * 16 + d;
	}
	*p += digits;
	*ret = v;
	return 0;
}

PASID_EXPORT int pasid_rid_parse(const char *text, uint32_t *ret_rid)
{
	unsigned int seg = 0, bus, dev, fn;
	const char *p = text;

	if (!text || !ret_rid)
		return -EINVAL;
	/* "ssss:" is present when the text is long enough to hold it */
	if (p[0] && p[1] && p[2] && p[3] && p[4] == ':') {
		if (hex_field(&p, 4, &seg))
			return -EINVAL;
		p++;
	}
	if (hex_field(&p, 2, &bus) || *p++ != ':')
		return -EINVAL;
	if (hex_field(&p, 2, &dev) || *p++ != '.')
		return -EINVAL;
	if (hex_field(&p, 1, &fn) || *p != '\0')
		return -EINVAL;
	if (dev > 0x1f || fn > 7)
		return -EINVAL;
	*ret_rid = seg << 16 | bus << 8 | dev << 3 | fn;
	return 0;
}

PASID_EXPORT int pasid_rid_format(uint32_t rid, char *buf, size_t len)
{
	if (!buf || len < PASID_RID_STRLEN)
		return -ENOSPC;
	snprintf(buf, len, "%04x:%02x:%02x.%x", rid >> 16, (rid >> 8) & 0xff, (rid >> 3) & 0x1f,
		 rid & 7);
	return 0;
}

const char *pasid_rid_str(uint32_t rid, char buf[PASID_RID_STRLEN])
{
	pasid_rid_format(rid, buf, PASID_RID_STRLEN);
	return buf;
}
