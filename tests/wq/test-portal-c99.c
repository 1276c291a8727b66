/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-portal-c99.c - the public headers, portal.h included, compile as
 * C99 with -pedantic and -Werror (meson builds this file that way), and the
 * inline functions link without the library.
 */
#include <libpasid/pasid.h>
#include <libpasid/portal.h>

static unsigned char page[PASID_PORTAL_SIZE];

int main(void)
{
	uint32_t off = 0;
	volatile void *p = pasid_portal_next(page, &off);

	pasid_pause();
	pasid_sfence();
	return (p == (volatile void *)page && off == PASID_DESC_SIZE) ? 0 : 1;
}
